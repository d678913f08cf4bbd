/* de.h - direct execution (issue 8): guest ring-3 code runs natively in a
 * sandbox process (src/sandbox.c) while the guest kernel stays under binary
 * translation. This module gives the sandbox its meaning: which guest
 * states it may run, the user view it maps (a mirror of the shadow's user
 * pages), the guest's GDT mirrored in its LDT, and what each stop means for
 * the guest. */
#ifndef BTVMM_DE_H
#define BTVMM_DE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct vm;
struct vm_config;
struct sandbox;

#define DE_DIRTY_RUNS 256 /* view changes remembered before a full resync */
#define DE_GDT_MAX 8192	  /* host LDT entries */
#define DE_XCTX 64	  /* threads whose extended (AVX...) state is kept */

/* The extended state beyond x87/SSE (AVX and up) of one guest address
 * space: the guest kernel saves only FXSAVE state (the virtual CPUID shows
 * no XSAVE), so these halves would otherwise leak between guest processes. */
/* Whose extended state: a guest thread, known by its address space and
 * its kernel stack (TSS ESP0 and ESP1: 32-bit Linux keeps the thread's
 * stack top in ESP1 and a per-CPU entry stack in ESP0). */
struct de_xkey {
	uint32_t cr3, esp0, esp1; /* cr3 0: none */
};

struct de_xctx {
	struct de_xkey key; /* cr3 0: free */
	uint32_t last_use;
	uint8_t *hi; /* the XSAVE image from byte 512 (header and beyond) */
};

#define DE_FAST_SYSENTER 1
#define DE_FAST_SYSCALL 2
#define DE_FAST_PROBED 4
#define DE_DEATHS_MAX 4 /* sandbox deaths in a row before btvmm gives up */
#define DE_POOL_MAX 8	/* sandbox processes kept, one per guest address space */
#define DE_POOL_DEFAULT 4

/* One sandbox process and the user view it holds: the view of one guest
 * address space (page-directory base cr3), kept while others run so that
 * switching back costs a check, not a rebuild. */
struct de_sbox {
	struct sandbox *sb; /* started when first used */
	uint32_t cr3;	    /* whose view it holds; 0: none (reset before use) */
	uint32_t last_use;
	/* The view: per linear page what the sandbox maps, (frame << 12) |
	 * DEV_*; 0 for nothing. count: pages mapped per 4 MiB region. */
	uint32_t *view;
	uint16_t count[1024];
	struct {
		uint32_t lp, n;
	} dirty[DE_DIRTY_RUNS];
	int n_dirty;
	bool dirty_all;
	/* The host refused more mappings (vm.max_map_count): the view was
	 * emptied and now takes a page only when the guest faults on it
	 * (lazy_lp), not every page the shadow holds. */
	bool lazy;
	uint32_t lazy_lp, lazy_stack[2];
	uint32_t pages; /* pages mapped now */
	/* The host LDT as installed: guest descriptors (lo, hi) per index,
	 * and whether the sandbox could hold each one. */
	uint32_t ldt_lo[DE_GDT_MAX], ldt_hi[DE_GDT_MAX];
	uint8_t ldt_state[DE_GDT_MAX]; /* 0 unknown, 1 installed, 2 left empty */
	uint32_t ldt_n;		       /* entries ever installed (below this) */
};

struct de {
	bool on; /* -accel bt,de=on (or auto where the host allows it) */
	/* the current sandbox's process, for the signal handlers' kicks */
	struct sandbox *volatile sb;
	bool step; /* the next guest instruction runs under BT first */
	struct de_sbox pool[DE_POOL_MAX];
	int pool_size;	     /* -accel bt,de-pool=N */
	struct de_sbox *cur; /* the current address space's */
	uint32_t pool_clock;
	bool switching;	    /* inside a CR3 switch: the old view is kept as it is */
	bool hit;	    /* ...and the new view was the pool's: revalidate it */
	uint32_t entry_eip; /* where the last sandbox run began */
	int deaths_in_row;  /* sandbox deaths with no other stop between */
	int fast_kinds;	    /* DE_FAST_*: what takes the host's fast system call path */
	uint32_t view_max;  /* pages a view may map (BTVMM_DE_VIEW_MAX; 0: no cap) */
	bool overflow;	    /* sync_view met the cap: empty the view, go lazy */
	/* the host selectors the last entry loaded, per SEG_* */
	uint16_t host_sel[6];
	uint8_t *xs; /* the XSAVE image handed to the sandbox */
	size_t xs_size;
	struct de_xkey xs_key; /* whose extended state xs holds */
	struct de_xctx xctx[DE_XCTX];
	uint32_t xctx_clock;
};

/* -accel bt,de=: resolve auto/on/off against the host (sandbox_unsupported)
 * into cfg->de_on and cfg->de_why. -1 with err set for de=on on a host that
 * cannot. */
struct host_caps;
int de_select(struct vm_config *cfg, const struct host_caps *caps, char *err, size_t n);
/* "de: yes (what ring 3's cpuid shows)" or "de: no: REASON" for -accel help. */
void de_help_line(char *buf, size_t n);

int de_init(struct vm *vm, char *err, size_t n);
void de_fini(struct vm *vm);

/* Shadow pages [lp, lp + n) that are (or were) guest user pages changed:
 * the sandbox's view follows at the next entry (mmu/shadow.c calls this). */
void de_view_changed(struct vm *vm, uint32_t lp, uint32_t n);
/* The guest loaded CR3 (mmu/shadow.c, before and after it drops the old
 * address space's shadows): the pool's view for the new one becomes
 * current, and the old one is kept as it is. */
void de_cr3_switch(struct vm *vm, uint32_t cr3);
void de_cr3_switched(struct vm *vm);
/* Paging was turned on or off or changed mode: no kept view is valid. */
void de_paging_changed(struct vm *vm);

/* Can the guest's current state run in the sandbox? (CPL 3 with paging,
 * no virtual-8086 mode, no single-step, no IOPL 3, no debug breakpoints,
 * GDT selectors only, FPU usable without traps.) */
bool de_can_run(struct vm *vm);
/* Run guest code in the sandbox until its next stop and turn that stop
 * into guest state: nothing (a view fill, a kick), an exception delivered,
 * or de.step set so that BT runs the next instruction. */
void de_run(struct vm *vm);

/* The -stats lines: on or off and why, the sandbox's counters, and where
 * the time went (sandbox, translated code, monitor). */
void de_print_stats(struct vm *vm, FILE *out);

#endif
