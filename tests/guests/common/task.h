/* task.h - helpers for the hardware task switch tests (ts_*): 32-bit TSSes,
 * TSS descriptors and task gates in the GDT, LDT or IDT, and the busy bits.
 * Header-only; include after "idt.c" (whose tss_init() TSS at SEL_TSS is the
 * main task: tss_).
 *
 * Intel SDM vol. 3, 7.2: the 32-bit TSS layout (figure 7-2), the TSS
 * descriptor (type 9 available, 0xB busy) and the task gate (type 5, TSS
 * selector in bits 16-31). */
#ifndef GUEST_TASK_H
#define GUEST_TASK_H
#include "idt.h"

#define TSS_AVAIL 0x89 /* present, DPL0, 32-bit TSS available */
#define TASK_GATE 0x5
#define EFL_NT 0x4000u
#define CR0_TS_BIT 0x8u

#define TASK_STACK 4096

/* A ring-0 task starting at entry with its own stack, flat kernel segments,
 * the current CR3 and EFLAGS 0x2 (IF clear). */
static inline void task_init(struct tss32 *t, void (*entry)(void), u8 *stack)
{
    u32 cr3;
    __asm__ volatile("movl %%cr3, %0" : "=r"(cr3));
    memset(t, 0, sizeof(*t));
    t->eip = (u32)entry;
    t->eflags = 0x2;
    t->esp = (u32)stack + TASK_STACK;
    t->cs = SEL_KCODE;
    t->ss = t->ds = t->es = t->fs = t->gs = SEL_KDATA;
    t->cr3 = cr3;
    t->iomap = sizeof(*t);
}

/* A TSS descriptor for t at selector sel (access byte acc, limit) */
static inline void tss_desc(u16 sel, struct tss32 *t, u32 limit, u32 acc)
{
    gdt[sel >> 3] = seg_desc((u32)t, limit, acc, 0);
}

/* A task gate (an 8-byte descriptor) for TSS selector tsel */
static inline u64 task_gate(u16 tsel, int dpl, int present)
{
    u32 hi = ((u32)(present ? 1 : 0) << 15) | ((u32)dpl << 13) | (TASK_GATE << 8);
    return ((u64)hi << 32) | ((u32)tsel << 16);
}

/* The busy bit of the TSS descriptor at sel */
static inline u32 busy(u16 sel)
{
    return (u32)(gdt[sel >> 3] >> 41) & 1;
}

/* The TSS a GDT selector points at */
static inline struct tss32 *tss_at(u16 sel)
{
    u64 d = gdt[sel >> 3];
    u32 base = (u32)((d >> 16) & 0xffffff) | (u32)((d >> 32) & 0xff000000u);
    return (struct tss32 *)base;
}

static inline u16 str_(void)
{
    u32 v = 0;
    __asm__ volatile("str %w0" : "+r"(v));
    return (u16)v;
}

static inline void clts_(void)
{
    __asm__ volatile("clts");
}

#endif
