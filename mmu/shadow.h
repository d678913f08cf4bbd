/* shadow.h - shadow paging: the guest's linear space as host mappings of
 * guest RAM in the window, kept coherent with the guest's page tables by
 * write-protecting them (tracing). */
#ifndef BTVMM_SHADOW_H
#define BTVMM_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

#define SH_PRESENT 0x1u
#define SH_USER 0x2u  /* guest U (both levels) */
#define SH_WRITE 0x4u /* guest R/W (both levels) */
#define SH_DIRTY 0x8u /* guest D: until set, the host mapping stays read-only */
#define SH_GLOBAL 0x10u
#define SH_LARGE 0x20u /* part of a 4 MiB guest page */
/* A supervisor page kept mapped while CPL 3 runs, but PROT_NONE: made
 * accessible again, a run at a time, when CPL 0 touches it. */
#define SH_SUSPENDED 0x40u

/* The pages an address space (a page-directory base) had shadowed, so that
 * a CR3 load back to it can map them at once instead of taking a hidden
 * fault (a host signal) for each. Only a hint: every page is walked again. */
#define SH_ASPACES 16 /* address spaces remembered */
#define SH_WSET 64    /* pages remembered per address space */
struct shadow_aspace {
	uint32_t cr3;	      /* page-directory base; 0: a free slot */
	uint32_t last_use;    /* for replacement: the oldest goes */
	uint32_t n;	      /* pages in lp[] */
	uint32_t lp[SH_WSET]; /* linear page numbers */
};

/* shadow.traced[] values: a traced frame is read-only in every alias,
 * except while one instruction the emulator lacks writes it natively
 * (src/native_write.c), when its aliases get their untraced protection. */
#define SH_TRACED 1
#define SH_TRACE_OPEN 2

#define SH_CODE_GONE 64 /* changed code pages remembered before a full flush */
#define SH_LIVE_RUNS 64 /* accessible supervisor runs remembered for the next CPL 3 */

struct shadow {
	bool on;	 /* paging is on: the window holds shadow mappings */
	uint32_t *ent;	 /* per linear page: (guest pa & ~0xfff) | SH_* ; 0 = unmapped */
	uint32_t *rnext; /* reverse map: next linear page (+1) mapping the same frame */
	uint32_t *rprev; /* ... previous (+1) */
	uint32_t *rhead; /* per guest frame: first linear page (+1) mapping it */
	uint8_t *traced; /* per guest frame: a page table some shadow depends on (SH_TRACE*) */
	uint32_t pde_used[1024];   /* the PDE each region's shadows were built from */
	uint16_t count[1024];	   /* shadow pages per 4 MiB region */
	uint16_t supervisor[1024]; /* ...of which guest supervisor pages (U=0) */
	int cpl;		   /* the CPL host protections are computed for */
	/* Supervisor pages made accessible (mapped or restored) since CPL 3
	 * last began: what the next change to CPL 3 must make inaccessible
	 * ([lp, lp + n) each; too many: every region with supervisor pages). */
	struct {
		uint32_t lp, n;
	} live[SH_LIVE_RUNS];
	int n_live;
	bool live_overflow;
	/* The runs the last change to CPL 3 suspended, restored all at once at
	 * the kernel's first touch (restore_all): its next entry tends to need
	 * the same pages, and a fault costs more than an mprotect. */
	struct {
		uint32_t lp, n;
	} prev[SH_LIVE_RUNS];
	int n_prev;
	uint32_t mapped;    /* shadow pages mapped now */
	uint32_t limit;	    /* evict everything beyond this many (0: until the host refuses) */
	bool code_unmapped; /* a page holding translated code lost its mapping */
	bool code_gone_all; /* ...too many, or all of them: flush the cache */
	int n_code_gone;
	uint32_t code_gone[SH_CODE_GONE]; /* those linear pages (code_unmapped set) */
	uint8_t *code_lin;		  /* per linear page: translated code was fetched from it */
	uint8_t code_region[1024];	  /* a region holding such a page */
	bool prefill; /* map remembered pages on a CR3 load (-no-prefill: off) */
	struct shadow_aspace aspace[SH_ASPACES];
	struct shadow_aspace *cur; /* the current CR3's record (paging on) */
	uint32_t aspace_clock;
};

int shadow_init(struct vm *vm);
/* Linear pages [lp, lp+n) back to the PROT_NONE reservation every window
 * page is when nothing is mapped there (no bookkeeping: for the callers
 * that keep their own, and for pages that were never a shadow). */
void shadow_unmap_window(uint32_t lp, uint32_t n);
void shadow_fini(struct vm *vm);

/* A host fault at linear address lin in translated code, paging on.
 * Returns SHF_RETRY (mapped or upgraded: run the instruction again),
 * SHF_GUEST_PF (the guest's #PF: pf_lin/pf_err are set), SHF_SOFT (not RAM:
 * do the access in software), SHF_TRACE (a write to a traced page table:
 * emulate it), SHF_SMC (a write to a page holding translated code). */
enum { SHF_RETRY, SHF_GUEST_PF, SHF_SOFT, SHF_TRACE, SHF_SMC };
int shadow_fault(struct vm *vm, uint32_t lin, bool write);

/* The guest's CR0/CR3/CR4 changed, INVLPG ran, the CPL changed. */
void shadow_paging_changed(struct vm *vm); /* PG, WP, PSE or PGE toggled */
void shadow_cr3_written(struct vm *vm, uint32_t old_cr3);
void shadow_invlpg(struct vm *vm, uint32_t lin);
void shadow_check_cpl(struct vm *vm);
/* Guest physical [pa, pa+n) was written by the monitor (the emulator, a
 * trace fault): drop the shadows that depended on page-table entries there. */
void shadow_pt_written(struct vm *vm, uint32_t pa, uint32_t n);
/* Code at linear page lp was translated: its mapping must be watched too
 * (translation reads code through physmap, so no shadow mapping exists). */
void shadow_note_code(struct vm *vm, uint32_t lp);
/* The translation cache was flushed: forget the code pages. */
void shadow_code_flushed(struct vm *vm);
/* The translation cache has dropped what was translated from the listed
 * pages (code_gone): they may be noted again. */
void shadow_code_gone_done(struct vm *vm);
/* Traced frame pfn is opened for one native write (every alias gets the
 * protection it would have untraced), or closed again (read-only). */
void shadow_trace_open(struct vm *vm, uint32_t pfn);
void shadow_trace_close(struct vm *vm, uint32_t pfn);
/* Frame pfn now holds translated code, or no longer does: re-protect every
 * linear alias of it. */
void shadow_reprotect_frame(struct vm *vm, uint32_t pfn);
/* Map linear page lp ahead of use if the guest's tables allow it at the
 * current CPL and it was accessed already (invisible to the guest, as a
 * TLB fill); returns whether it is mapped now. */
bool shadow_prefill(struct vm *vm, uint32_t lp);

#endif
