/* vm.h - one virtual machine (struct vm) and its virtual CPU (struct vcpu). */
#ifndef BTVMM_VM_H
#define BTVMM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "block.h"
#include "config.h"
#include "de.h"
#include "stats.h"
#include "physmem.h"
#include "shadow.h"
#include "iobus.h"
#include "uart16550.h"
#include "vga.h"
#include "display.h"
#include "console.h"
#include "debug_exit.h"
#include "fw_cfg.h"
#include "hpet.h"
#include "i8042.h"
#include "ide.h"
#include "ioapic.h"
#include "lapic.h"
#include "mmio.h"
#include "native_write.h"
#include "open_bus.h"
#include "pci.h"
#include "pic8259.h"
#include "pit8254.h"
#include "rtc_cmos.h"
#include "tcache.h"
#include "xlat.h"
#include "run.h"
#include "vclock.h"
#include "ibl.h"
#include <time.h>

/* A segment register's hidden part, as the guest loaded it. */
struct seg_cache {
	uint16_t sel;
	uint32_t base;
	uint32_t limit; /* byte granular, expanded */
	uint16_t
	    attr; /* descriptor bits 40-47 (type, S, DPL, P) | bits 52-55 << 8 (AVL, L, D/B, G) */
};

#define SEG_ATTR_P 0x80
#define SEG_ATTR_S 0x10
#define SEG_ATTR_DB 0x400
#define SEG_ATTR_G 0x800

struct dtr {
	uint32_t base;
	uint16_t limit;
};

#define CR0_PE 0x1u
#define CR0_MP 0x2u
#define CR0_EM 0x4u
#define CR0_TS 0x8u
#define CR0_ET 0x10u
#define CR0_NE 0x20u
#define CR0_WP 0x10000u
#define CR0_AM 0x40000u
#define CR0_NW 0x20000000u
#define CR0_CD 0x40000000u

#define CR4_TSD 0x4u
#define CR4_PSE 0x10u
#define CR4_PGE 0x80u
#define CR4_OSFXSR 0x200u
#define CR0_PG 0x80000000u

struct vm;

struct vcpu {
	struct vm *vm;
	struct vcpu_block *blk;	 /* in the hole; shared with translated code */
	struct seg_cache seg[6]; /* SEG_ES .. SEG_GS */
	struct seg_cache ldtr, tr;
	struct dtr gdtr, idtr;
	uint32_t cr0, cr2, cr3, cr4;
	uint32_t dr[8];
	uint64_t tsc_offset;
	uint64_t msr_sysenter_cs, msr_sysenter_esp, msr_sysenter_eip, msr_pat;
	uint64_t msr_bios_sign_id, msr_misc_enable, msr_tsc_aux;
	int cpl;
	bool x64;		 /* the x64 backend runs this vCPU (no host segments) */
	uint32_t seg_mode;	 /* x64: SEGC_* of es..gs, 2 bits each (part of the code mode) */
	bool halted;		 /* executed hlt: waits for an interrupt */
	uint32_t halt_eip;	 /* where the hlt was, for messages */
	bool irq_shadow;	 /* the next instruction runs before any interrupt (sti, mov ss) */
	bool db_shadow;		 /* ...and before a single-step trap (mov ss, pop ss only) */
	uint64_t events;	 /* interrupts and exceptions delivered (to notice one happened) */
	uint32_t pf_lin, pf_err; /* the page fault found by the last failed walk (CR2, code) */
	int task_nesting;	 /* task switches whose new task's fault is being delivered */
};

enum vm_stop {
	STOP_NONE,
	STOP_DEBUG_EXIT, /* the guest wrote the isa-debug-exit port */
	STOP_ERROR,	 /* the guest did something we stop on; message printed */
	STOP_RESET,	 /* the guest reset the machine (i8042, port 0x92) */
	STOP_QUIT,	 /* the user typed Ctrl-A x (serial console or -display curses) */
	STOP_HALT,	 /* a Linux guest halted for good (its halt and power-off) */
};

struct vm {
	const struct vm_config *cfg;
	struct physmem mem;
	struct io_bus io;
	struct uart16550 uart;
	struct console con; /* COM1's input: stdin, buffered, Ctrl-A keys */
	struct debug_exit dbg_exit;
	struct mmio_bus mmio;
	struct pic8259 pic;
	struct pit8254 pit;
	struct rtc_cmos rtc;
	struct i8042 kbd;
	struct lapic lapic;
	struct ioapic ioapic;
	struct pci_bus pci;
	struct ide ide[2]; /* primary, secondary channel */
	struct fw_cfg fw_cfg;
	struct hpet hpet; /* present unless -no-hpet (cfg->no_hpet) */
	struct vga vga;	  /* valid when has_vga (-vga std) */
	bool has_vga;
	struct display display; /* -display curses (display.c) */
	int pic_intr;		/* the 8259's INTR output */
	struct stats stats;
	struct tcache tc;
	struct xlat xl;
	struct ibl_state ibl;
	struct shadow sh;
	struct de de; /* direct execution of ring 3 (de.c) */
	struct vcpu cpu;
	struct host_fault fault;  /* set by the signal handler */
	uintptr_t resume_host;	  /* re-enter mid-CCF here after a hidden fault (0: CCF start) */
	const struct backend *be; /* how translated code runs (src/backend.h) */
	const char *fs_restore;	  /* compat: "wrfsbase" or "arch_prctl" (-stats) */
	uint8_t *x64_code_lo, *x64_code_hi; /* x64: the translation cache's range */
	uint64_t window_end; /* guest pages may be mapped below this: HOLE_BASE (compat), 4 GiB */
	int widened_segs;    /* shadows mirrored exactly for one instruction (1 << SEG_*) */
	struct open_bus open_bus;	  /* scratch pages for one instruction (open_bus.c) */
	struct native_write native_write; /* traced frames open for one instruction */
	FILE *log;			  /* -d output */
	struct vclock clock;		  /* virtual time for devices (machine.c) */
	uint64_t start_ns;		  /* host monotonic time at start-up */
	timer_t host_timer;		  /* SIGALRM at the earliest device deadline */
	uint64_t armed_deadline;	  /* what host_timer is set to */
	volatile int timer_fired;	  /* set by the SIGALRM handler */
	bool linux_guest;		  /* booted through the Linux boot protocol */
	enum vm_stop stop;
	int exit_status;
	/* -stats-json FILE (NULL: none), and the machine time of the next
	 * -stats-interval line */
	FILE *stats_json;
	uint64_t stats_due;
};

/* Stop the machine with one error line ("btvmm: ..."), exit status 2. */
void vm_fail(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Build the machine: memory, hole, devices, translator. -1 with err set. */
int vm_init(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen);
void vm_fini(struct vm *vm);

#endif
