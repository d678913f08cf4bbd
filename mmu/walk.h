/* walk.h - the guest's 2-level 32-bit page tables (4 KiB and, with CR4.PSE,
 * 4 MiB pages), walked as the hardware does. Shared by the shadow code, the
 * instruction emulator's memory accesses and the monitor's own accesses. */
#ifndef BTVMM_WALK_H
#define BTVMM_WALK_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

#define ACC_WRITE 0x1u
#define ACC_USER 0x2u /* a CPL-3 access */
#define ACC_FETCH 0x4u

/* page-directory and page-table entry bits */
#define PTE_P 0x1u
#define PTE_W 0x2u
#define PTE_U 0x4u
#define PTE_A 0x20u
#define PTE_D 0x40u
#define PDE_PS 0x80u
#define PTE_G 0x100u

/* #PF error code bits */
#define PF_P 0x1u
#define PF_W 0x2u
#define PF_U 0x4u
#define PF_RSVD 0x8u

struct walk {
	uint32_t pa;	 /* guest physical address of the byte */
	uint32_t pde;	 /* the PDE as read (after A/D updates) */
	uint32_t pte;	 /* the PTE (== pde for a 4 MiB page) */
	uint32_t pte_pa; /* where the final entry lives (physical) */
	bool large;	 /* a 4 MiB page */
	bool user;	 /* U in both levels */
	bool writable;	 /* R/W in both levels */
	bool dirty;	 /* D in the final entry */
	bool global;	 /* G in the final entry and CR4.PGE */
};

/* Translate lin for an access of type acc (ACC_*). With set_ad, sets the
 * accessed bits, and the dirty bit for a write, as the processor does.
 * Returns 0, or -1 with *err the #PF error code. */
int mmu_walk(struct vcpu *cpu, uint32_t lin, unsigned acc, bool set_ad, struct walk *w,
	     uint32_t *err);

/* The access rules alone: may an access of type acc use a mapping with these
 * bits? (CR0.WP decides supervisor writes to read-only pages.) */
bool mmu_allowed(const struct vcpu *cpu, bool user, bool writable, unsigned acc);

bool mmu_paging(const struct vcpu *cpu);

/* linear -> physical for the monitor's accesses on the guest's behalf
 * (paging off: identity), setting A/D. acc says whether it is a user access:
 * descriptor-table, TSS and interrupt-frame accesses are supervisor ones
 * whatever the CPL. On a fault records the faulting address and error code
 * in the vCPU (pf_lin, pf_err) and returns 14. */
int mmu_translate(struct vcpu *cpu, uint32_t lin, unsigned acc, uint32_t *pa);

#endif
