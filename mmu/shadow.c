/* shadow.c - shadow paging in the linear window.
 *
 * With guest paging on, window page L maps guest frame P (mmap of the RAM
 * memfd) when the guest's tables translate L to P. Mappings are made on
 * demand: translated code touches L, the host faults (a hidden fault), the
 * monitor walks the guest tables, sets A (and D) as the hardware would, and
 * maps. A fault the guest's tables do not allow becomes the guest's #PF.
 *
 * Host protection of a shadow page is the guest's right for the current CPL,
 * narrowed so that the monitor hears about writes it must see:
 *   - until the guest's D bit is set the page is read-only (the first write
 *     faults and sets D, as the processor does);
 *   - a frame holding a guest page table that shadows were built from is
 *     "traced": every linear alias of it is read-only, and a write there is a
 *     trace fault, emulated by the monitor, which then drops the shadows the
 *     written entries described (an instruction the emulator lacks runs
 *     natively once with the frame opened: src/native_write.c);
 *   - a frame holding translated code is read-only everywhere (SMC).
 * A reverse map (frame -> linear pages) finds the aliases.
 *
 * CR3 loads keep the 4 MiB regions whose directory entry is unchanged (their
 * page table is traced, so its contents are too): normally the kernel half.
 * Global pages survive CR3 loads. INVLPG drops one page (a whole region for
 * a 4 MiB page). When the host refuses more mappings (vm.max_map_count),
 * everything is dropped and the work starts over. */
#define _GNU_SOURCE
#include "shadow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "de.h"
#include "vm.h"
#include "walk.h"

#define NPAGES (1u << 20)
#define PDE_KEY(pde) ((pde) & ~0x60u) /* a PDE without its A and D bits */

int shadow_init(struct vm *vm)
{
	struct shadow *sh = &vm->sh;
	uint32_t frames = (uint32_t)(vm->mem.ram_size >> PAGE_SHIFT);
	memset(sh, 0, sizeof(*sh));
	sh->ent = calloc(NPAGES, sizeof(uint32_t));
	sh->rnext = calloc(NPAGES, sizeof(uint32_t));
	sh->rprev = calloc(NPAGES, sizeof(uint32_t));
	sh->rhead = calloc(frames, sizeof(uint32_t));
	sh->traced = calloc(frames, 1);
	sh->code_lin = calloc(NPAGES, 1);
	return sh->ent && sh->rnext && sh->rprev && sh->rhead && sh->traced && sh->code_lin ? 0
											    : -1;
}

void shadow_fini(struct vm *vm)
{
	struct shadow *sh = &vm->sh;
	free(sh->ent);
	free(sh->rnext);
	free(sh->rprev);
	free(sh->rhead);
	free(sh->traced);
	free(sh->code_lin);
}

static bool code_frame(struct vm *vm, uint32_t pfn)
{
	return vm->mem.ro_pages[pfn];
}

static int host_prot(struct vm *vm, uint32_t e)
{
	uint32_t pfn = e >> PAGE_SHIFT;
	unsigned user = vm->sh.cpl == 3 ? ACC_USER : 0;
	if ((user && !(e & SH_USER)) || (e & SH_SUSPENDED))
		return PROT_NONE;
	bool w = mmu_allowed(&vm->cpu, e & SH_USER, e & SH_WRITE, ACC_WRITE | user);
	if (!(e & SH_DIRTY) || vm->sh.traced[pfn] == SH_TRACED || code_frame(vm, pfn))
		w = false;
	return PROT_READ | (w ? PROT_WRITE : 0);
}

static void *page_addr(uint32_t lp)
{
	return (void *)((uintptr_t)lp << PAGE_SHIFT);
}

static void rmap_add(struct shadow *sh, uint32_t pfn, uint32_t lp)
{
	sh->rprev[lp] = 0;
	sh->rnext[lp] = sh->rhead[pfn];
	if (sh->rhead[pfn])
		sh->rprev[sh->rhead[pfn] - 1] = lp + 1;
	sh->rhead[pfn] = lp + 1;
}

static void rmap_del(struct shadow *sh, uint32_t pfn, uint32_t lp)
{
	uint32_t next = sh->rnext[lp], prev = sh->rprev[lp];
	if (prev)
		sh->rnext[prev - 1] = next;
	else
		sh->rhead[pfn] = next;
	if (next)
		sh->rprev[next - 1] = prev;
}

void shadow_unmap_window(uint32_t lp, uint32_t n)
{
	mmap(page_addr(lp), (size_t)n * PAGE_SIZE, PROT_NONE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

/* Why shadows go. DROP_CHANGED: the guest's translation may have changed
 * (a page-table write, INVLPG, a CR3 load, a paging-mode change), so the
 * translation cache's chains and lookups, which are keyed by linear EIP,
 * must go too if translated code lived there. DROP_SAME: only the host side
 * changes (protections for another CPL, eviction); the guest's mapping of
 * its code stays what the translations assumed. */
enum drop_kind { DROP_CHANGED, DROP_SAME };

/* Linear page lp held translated code and its mapping changed: remember it
 * for the run loop, which invalidates what was translated from it. */
static void code_gone(struct shadow *sh, uint32_t lp)
{
	sh->code_unmapped = true;
	sh->code_lin[lp] = 0; /* noted once; a new translation notes it again */
	if (sh->n_code_gone < SH_CODE_GONE)
		sh->code_gone[sh->n_code_gone++] = lp;
	else
		sh->code_gone_all = true;
}

/* Forget page lp's shadow; the caller removes the host mapping. */
static void forget(struct vm *vm, uint32_t lp, enum drop_kind why)
{
	struct shadow *sh = &vm->sh;
	uint32_t e = sh->ent[lp];
	if (sh->code_lin[lp] && why == DROP_CHANGED)
		code_gone(sh, lp); /* chains and lookups assumed this mapping */
	if (!e)
		return;
	rmap_del(sh, e >> PAGE_SHIFT, lp);
	sh->ent[lp] = 0;
	if (e & SH_USER)
		de_view_changed(vm, lp, 1); /* the sandbox's view follows */
	sh->count[lp >> 10]--;
	if (!(e & SH_USER))
		sh->supervisor[lp >> 10]--;
	sh->mapped--;
	vm->stats.shadow_drops++;
}

static void drop(struct vm *vm, uint32_t lp)
{
	if (vm->sh.ent[lp])
		shadow_unmap_window(lp, 1);
	forget(vm, lp, DROP_CHANGED);
}

static void drop_region(struct vm *vm, uint32_t r, bool keep_global, enum drop_kind why)
{
	struct shadow *sh = &vm->sh;
	if (!sh->count[r] && !sh->code_region[r])
		return;
	uint32_t first = sh->ent[r << 10];
	if (sh->count[r] == 1024 && (first & SH_LARGE) && !(keep_global && (first & SH_GLOBAL))) {
		/* one 4 MiB mapping: one host call */
		shadow_unmap_window(r << 10, 1024);
		if (first & SH_USER)
			de_view_changed(vm, r << 10, 1024);
		for (uint32_t lp = r << 10; lp < (r + 1) << 10; lp++) {
			if (sh->code_lin[lp] && why == DROP_CHANGED)
				code_gone(sh, lp);
			rmap_del(sh, sh->ent[lp] >> PAGE_SHIFT, lp);
			sh->ent[lp] = 0;
		}
		sh->count[r] = 0;
		sh->supervisor[r] = 0;
		sh->mapped -= 1024;
		vm->stats.shadow_drops++;
		return;
	}
	/* One host call per run of dropped pages rather than per page: a CR3
	 * load drops a whole address space's pages, and the host calls were
	 * most of its cost. Unshadowed pages inside a run are PROT_NONE
	 * reservations already (shadows never reach the hole or the pages
	 * below low_unmapped, so neither can a run), and covering them again
	 * changes nothing. A kept global page ends a run. */
	uint32_t run = 0, run_end = 0; /* run: first page + 1, 0 for none */
	for (uint32_t lp = r << 10; lp < (r + 1) << 10; lp++) {
		uint32_t e = sh->ent[lp];
		if (keep_global && (e & SH_GLOBAL)) {
			if (run)
				shadow_unmap_window(run - 1, run_end + 1 - (run - 1));
			run = 0;
			continue;
		}
		if (e) {
			if (!run)
				run = lp + 1;
			run_end = lp;
		}
		if (e || sh->code_lin[lp])
			forget(vm, lp, why);
	}
	if (run)
		shadow_unmap_window(run - 1, run_end + 1 - (run - 1));
}

static void drop_all(struct vm *vm, bool keep_global, enum drop_kind why)
{
	for (uint32_t r = 0; r < 1024; r++)
		drop_region(vm, r, keep_global, why);
	vm->stats.vtlb_flushes++;
}

static void reprotect(struct vm *vm, uint32_t lp)
{
	if (vm->sh.ent[lp] & SH_USER)
		de_view_changed(vm, lp, 1);
	mprotect(page_addr(lp), PAGE_SIZE, host_prot(vm, vm->sh.ent[lp]));
}

void shadow_reprotect_frame(struct vm *vm, uint32_t pfn)
{
	for (uint32_t lp1 = vm->sh.rhead[pfn]; lp1; lp1 = vm->sh.rnext[lp1 - 1])
		reprotect(vm, lp1 - 1);
}

static void trace(struct vm *vm, uint32_t pfn)
{
	if ((uint64_t)pfn << PAGE_SHIFT >= vm->mem.ram_size || vm->sh.traced[pfn])
		return;
	vm->sh.traced[pfn] = SH_TRACED;
	shadow_reprotect_frame(vm, pfn);
}

void shadow_trace_open(struct vm *vm, uint32_t pfn)
{
	vm->sh.traced[pfn] = SH_TRACE_OPEN;
	shadow_reprotect_frame(vm, pfn);
}

void shadow_trace_close(struct vm *vm, uint32_t pfn)
{
	vm->sh.traced[pfn] = SH_TRACED;
	shadow_reprotect_frame(vm, pfn);
}

/* Supervisor pages [lp, lp + n) became accessible: the next change to CPL 3
 * must make them inaccessible again. */
static void note_live(struct shadow *sh, uint32_t lp, uint32_t n)
{
	if (sh->n_live == SH_LIVE_RUNS) {
		sh->live_overflow = true;
		return;
	}
	if (sh->n_live && sh->live[sh->n_live - 1].lp + sh->live[sh->n_live - 1].n == lp) {
		sh->live[sh->n_live - 1].n += n; /* the common case: the next page up */
		return;
	}
	sh->live[sh->n_live].lp = lp;
	sh->live[sh->n_live++].n = n;
}

static int map(struct vm *vm, uint32_t lp, uint32_t e)
{
	struct shadow *sh = &vm->sh;
	if (sh->limit && sh->mapped >= sh->limit) {
		drop_all(vm, false, DROP_SAME); /* the configured cap: evict and go on */
		vm->stats.shadow_evictions++;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		void *p = mmap(page_addr(lp), PAGE_SIZE, host_prot(vm, e), MAP_SHARED | MAP_FIXED,
			       vm->mem.memfd, (off_t)(e & ~0xfffu));
		if (p != MAP_FAILED) {
			sh->ent[lp] = e;
			rmap_add(sh, e >> PAGE_SHIFT, lp);
			if (e & SH_USER)
				de_view_changed(vm, lp, 1);
			sh->count[lp >> 10]++;
			if (!(e & SH_USER)) {
				sh->supervisor[lp >> 10]++;
				note_live(sh, lp, 1);
			}
			sh->mapped++;
			vm->stats.shadow_maps++;
			return 0;
		}
		if (errno != ENOMEM)
			break;
		drop_all(vm, false, DROP_SAME); /* out of host mappings: evict and go on */
		vm->stats.shadow_evictions++;
	}
	return -1;
}

/* The protection of pages [start, end) after a change to all of them: one
 * mprotect per run of pages that need the same protection, so that a
 * region holding the guest kernel's text (hundreds of read-only code frames
 * side by side) costs a few host calls, not one per frame. Runs whose
 * protection is already (the whole range's after a fresh mapping; -1:
 * unknown) need no call. */
static void reprotect_range(struct vm *vm, uint32_t start, uint32_t end, int already)
{
	struct shadow *sh = &vm->sh;
	uint32_t run = start;
	int run_prot = host_prot(vm, sh->ent[start]);
	for (uint32_t lp = start + 1; lp <= end; lp++) {
		int prot = lp < end ? host_prot(vm, sh->ent[lp]) : -2;
		if (prot == run_prot)
			continue;
		if (run_prot != already)
			mprotect(page_addr(run), (size_t)(lp - run) * PAGE_SIZE, run_prot);
		run = lp;
		run_prot = prot;
	}
}

/* The same for region r, after a change to all of it (a 4 MiB page). */
static void reprotect_large(struct vm *vm, uint32_t r, int already)
{
	if (vm->sh.ent[r << 10] & SH_USER)
		de_view_changed(vm, r << 10, 1024);
	reprotect_range(vm, r << 10, (r + 1) << 10, already);
}

/* A 4 MiB guest page of RAM: one host mapping for the whole region. */
static int map_large(struct vm *vm, uint32_t r, uint32_t e0)
{
	struct shadow *sh = &vm->sh;
	void *p = mmap(page_addr(r << 10), 1024 * PAGE_SIZE, host_prot(vm, e0),
		       MAP_SHARED | MAP_FIXED, vm->mem.memfd, (off_t)(e0 & ~0xfffu));
	if (p == MAP_FAILED)
		return -1;
	for (uint32_t i = 0; i < 1024; i++) {
		uint32_t lp = (r << 10) | i, e = e0 + (i << PAGE_SHIFT);
		sh->ent[lp] = e;
		rmap_add(sh, e >> PAGE_SHIFT, lp);
	}
	sh->count[r] = 1024;
	sh->supervisor[r] = e0 & SH_USER ? 0 : 1024;
	if (!(e0 & SH_USER))
		note_live(sh, r << 10, 1024);
	sh->mapped += 1024;
	vm->stats.shadow_maps++;
	reprotect_large(vm, r, host_prot(vm, e0));
	return 0;
}

static unsigned access_type(struct vm *vm, bool write)
{
	return (write ? ACC_WRITE : 0) | (vm->cpu.cpl == 3 ? ACC_USER : 0);
}

static int guest_pf(struct vm *vm, uint32_t lin, uint32_t err)
{
	vm->cpu.pf_lin = lin;
	vm->cpu.pf_err = err;
	return SHF_GUEST_PF;
}

/* CPL 0-2 touched suspended page lp: the suspended run around it, within
 * its 4 MiB region, gets its protections back (reprotect_range). */
static void restore_run(struct vm *vm, uint32_t lp)
{
	struct shadow *sh = &vm->sh;
	uint32_t lo = lp, hi = lp + 1, rbase = lp & ~1023u;
	while (lo > rbase && (sh->ent[lo - 1] & SH_SUSPENDED))
		lo--;
	while (hi < rbase + 1024 && (sh->ent[hi] & SH_SUSPENDED))
		hi++;
	for (uint32_t i = lo; i < hi; i++)
		sh->ent[i] &= ~SH_SUSPENDED;
	reprotect_range(vm, lo, hi, -1);
	note_live(sh, lo, hi - lo);
	vm->stats.shadow_sv_restores++;
}

/* The kernel's first touch after CPL 3: the runs suspended last time come
 * back together (one mprotect each, no fault each). */
static void restore_all(struct vm *vm)
{
	struct shadow *sh = &vm->sh;
	int n = sh->n_prev;
	sh->n_prev = 0;

	for (int i = 0; i < n; i++)
		for (uint32_t lp = sh->prev[i].lp; lp < sh->prev[i].lp + sh->prev[i].n; lp++)
			if (sh->ent[lp] & SH_SUSPENDED)
				restore_run(vm, lp);
}

/* Whether a shadow or a translation still depends on frame pfn as a page
 * table: the current page directory, or the page table of a region that
 * has shadows or translated code (sh.pde_used). A frame the guest stopped
 * using as a page table (Linux frees page tables at every exit and reuses
 * the frames for anything) is not, and tracing it would make every write to
 * its new contents a trace fault, and the instructions that make them
 * call-outs for good (adaptive translation). */
static bool frame_in_use(struct vm *vm, uint32_t pfn)
{
	struct shadow *sh = &vm->sh;
	if (pfn == vm->cpu.cr3 >> PAGE_SHIFT)
		return true;
	for (uint32_t r = 0; r < 1024; r++)
		if ((sh->count[r] || sh->code_region[r]) && !(sh->pde_used[r] & 0x80) &&
		    sh->pde_used[r] >> PAGE_SHIFT == pfn)
			return true;
	return false;
}

/* Frame pfn is no page table anything depends on: no longer traced. A
 * later shadow built from it traces it again (depend_on_tables). */
static void untrace(struct vm *vm, uint32_t pfn)
{
	vm->sh.traced[pfn] = 0;
	shadow_reprotect_frame(vm, pfn);
	vm->stats.untraced_frames++;
}

/* A fault on a page that is mapped: the guest's own protection, the first
 * write (D), a traced page table, or translated code. */
static int present_fault(struct vm *vm, uint32_t lin, bool write)
{
	uint32_t lp = lin >> PAGE_SHIFT, e = vm->sh.ent[lp], pfn = e >> PAGE_SHIFT, err;
	unsigned acc = access_type(vm, write);
	struct walk w;
	if ((e & SH_SUSPENDED) && !(acc & ACC_USER)) {
		restore_all(vm); /* the kernel is back: its pages too */
		if (vm->sh.ent[lp] & SH_SUSPENDED)
			restore_run(vm, lp);
		return SHF_RETRY;
	}
	if (!mmu_allowed(&vm->cpu, e & SH_USER, e & SH_WRITE, acc)) {
		if (mmu_walk(&vm->cpu, lin, acc, false, &w, &err))
			return guest_pf(vm, lin, err);
		drop(vm, lp); /* the shadow was out of date: map afresh */
		return -1;
	}
	if (!write) {
		/* a read fault on a readable mapping: the host protection is out of
		 * step with ent; rebuild the mapping (drop first: mapping again over
		 * it would put lp on its frame's reverse map twice) */
		vm->stats.shadow_rebuilds++;
		drop(vm, lp);
		return -1;
	}
	if (code_frame(vm, pfn))
		return SHF_SMC;
	if (vm->sh.traced[pfn] == SH_TRACED) {
		if (!frame_in_use(vm, pfn)) {
			untrace(vm, pfn);
			return SHF_RETRY;
		}
		return SHF_TRACE;
	}
	if (!(e & SH_DIRTY)) {
		if (mmu_walk(&vm->cpu, lin, acc, true, &w, &err))
			return guest_pf(vm, lin, err);
		uint32_t r = lp >> 10;
		if ((e & SH_LARGE) && vm->sh.count[r] == 1024) {
			/* D is in the PDE, and the whole 4 MiB is mapped: all 1024 pages */
			for (uint32_t i = 0; i < 1024; i++)
				vm->sh.ent[(r << 10) | i] |= SH_DIRTY;
			reprotect_large(vm, r, -1);
			return SHF_RETRY;
		}
		vm->sh.ent[lp] = e | SH_DIRTY;
		reprotect(vm, lp);
		return SHF_RETRY;
	}
	drop(vm, lp);
	return -1;
}

/* Before a shadow (or a translation) of walk w for lin depends on the
 * guest's tables: trace the page tables involved and keep lin's region to
 * one page table. */
static void depend_on_tables(struct vm *vm, uint32_t lin, const struct walk *w)
{
	struct shadow *sh = &vm->sh;
	uint32_t r = lin >> 22;
	trace(vm, vm->cpu.cr3 >> PAGE_SHIFT);
	if (!w->large)
		trace(vm, w->pde >> PAGE_SHIFT);
	if (sh->count[r] && sh->pde_used[r] != PDE_KEY(w->pde))
		drop_region(vm, r, false, DROP_CHANGED); /* built from another page table */
	sh->pde_used[r] = PDE_KEY(w->pde);
}

/* Whether linear lin, translated to w->pa, can be a host mapping: RAM,
 * outside btvmm's hole (compat backend) and above the pages the host would
 * not map. */
static bool mappable(const struct vm *vm, uint32_t lin, const struct walk *w)
{
	return w->pa < vm->mem.ram_size && lin < vm->window_end && lin >= vm->mem.low_unmapped;
}

/* depend_on_tables, then the SH_* flags of the shadow. */
static uint32_t prepare(struct vm *vm, uint32_t lin, const struct walk *w)
{
	depend_on_tables(vm, lin, w);
	return SH_PRESENT | (w->user ? SH_USER : 0) | (w->writable ? SH_WRITE : 0) |
	       (w->dirty ? SH_DIRTY : 0) | (w->global ? SH_GLOBAL : 0) | (w->large ? SH_LARGE : 0);
}

/* Remember a 4 KiB page the current address space had to fill. */
static void remember(struct shadow *sh, uint32_t lp)
{
	struct shadow_aspace *as = sh->cur;
	if (!as || as->n == SH_WSET)
		return;
	for (uint32_t i = 0; i < as->n; i++)
		if (as->lp[i] == lp)
			return;
	as->lp[as->n++] = lp;
}

int shadow_fault(struct vm *vm, uint32_t lin, bool write)
{
	struct shadow *sh = &vm->sh;
	struct vcpu *cpu = &vm->cpu;
	uint32_t lp = lin >> PAGE_SHIFT, err;
	unsigned acc = access_type(vm, write);
	/* The monitor may touch the window for the guest between a CPL change
	 * and the run loop's next check (delivering an event from CPL 3):
	 * protections must be those of the CPL now. */
	shadow_check_cpl(vm);
	if (sh->ent[lp]) {
		int r = present_fault(vm, lin, write);
		if (r >= 0)
			return r;
	}
	struct walk w;
	if (mmu_walk(cpu, lin, acc, true, &w, &err))
		return guest_pf(vm, lin, err);
	vm->stats.vtlb_fills++;
	if (!mappable(vm, lin, &w))
		return SHF_SOFT; /* device memory, nothing, or our hole: in software */
	uint32_t flags = prepare(vm, lin, &w), r = lin >> 22;
	uint32_t base = w.pa & 0xffc00000u;
	if (w.large && !sh->count[r] && r < (vm->window_end >> 22) && lin >= (1u << 22) &&
	    (!sh->limit || sh->mapped + 1024 <= sh->limit) &&
	    (uint64_t)base + (4u << 20) <= vm->mem.ram_size && !map_large(vm, r, base | flags))
		return SHF_RETRY;
	uint32_t e = (w.pa & ~0xfffu) | flags;
	if (map(vm, lp, e)) {
		vm_fail(vm, "cannot map guest page 0x%08x in the window", lin);
		return SHF_GUEST_PF;
	}
	if (!w.large)
		remember(sh, lp);
	return SHF_RETRY;
}

/* Map page lp as a read would, if the guest's tables allow it at the
 * current CPL and both entries are accessed already: the processor may
 * cache such a translation at any time (SDM 4.10.2.3), so mapping it
 * ahead of use is invisible to the guest. Returns whether it was mapped. */
static bool prefill_page(struct vm *vm, uint32_t lp)
{
	uint32_t lin = lp << PAGE_SHIFT, err;
	struct walk w;
	if (mmu_walk(&vm->cpu, lin, access_type(vm, false), false, &w, &err) || w.large ||
	    !(w.pde & PTE_A) || !(w.pte & PTE_A))
		return false;
	if (!mappable(vm, lin, &w))
		return false;
	uint32_t flags = prepare(vm, lin, &w);
	if (map(vm, lp, (w.pa & ~0xfffu) | flags))
		return false;
	vm->stats.shadow_prefills++;
	return true;
}

bool shadow_prefill(struct vm *vm, uint32_t lp)
{
	struct shadow *sh = &vm->sh;
	if (!sh->on || sh->ent[lp] || (sh->limit && sh->mapped >= sh->limit))
		return false;
	return prefill_page(vm, lp);
}

/* The address space of page directory cr3 becomes current: find (or make)
 * its record and map the pages it remembers that the switch dropped. The
 * record keeps only pages that needed it; fills add the rest. */
static void enter_aspace(struct vm *vm, uint32_t cr3)
{
	struct shadow *sh = &vm->sh;
	struct shadow_aspace *as = NULL, *oldest = &sh->aspace[0];
	for (int i = 0; i < SH_ASPACES; i++) {
		if (sh->aspace[i].cr3 == cr3 && sh->aspace[i].last_use) {
			as = &sh->aspace[i];
			break;
		}
		if (sh->aspace[i].last_use < oldest->last_use)
			oldest = &sh->aspace[i];
	}
	if (!as) {
		as = oldest;
		as->cr3 = cr3;
		as->n = 0;
	}
	as->last_use = ++sh->aspace_clock;
	sh->cur = as;
	if (!sh->prefill)
		return;
	uint32_t kept = 0;
	for (uint32_t i = 0; i < as->n; i++) {
		uint32_t lp = as->lp[i];
		if (sh->ent[lp])
			continue; /* survived the switch: nothing to do next time either */
		if (sh->limit && sh->mapped >= sh->limit) {
			as->lp[kept++] = lp; /* no room now; maybe next time */
			continue;
		}
		if (prefill_page(vm, lp))
			as->lp[kept++] = lp;
	}
	as->n = kept;
}

static void window_identity(struct vm *vm, bool on)
{
	uint64_t lo = vm->mem.low_unmapped, size = vm->mem.ram_size - lo;
	if (on) {
		mmap((void *)(uintptr_t)lo, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		     vm->mem.memfd, (off_t)lo);
		for (uint64_t pa = lo; pa < vm->mem.ram_size; pa += PAGE_SIZE)
			if (vm->mem.ro_pages[pa >> PAGE_SHIFT])
				mprotect((void *)(uintptr_t)pa, PAGE_SIZE, PROT_READ);
	} else {
		shadow_unmap_window((uint32_t)(lo >> PAGE_SHIFT), (uint32_t)(size >> PAGE_SHIFT));
	}
}

void shadow_paging_changed(struct vm *vm)
{
	struct shadow *sh = &vm->sh;
	bool paging = mmu_paging(&vm->cpu);
	if (sh->on)
		drop_all(vm, false, DROP_CHANGED); /* PSE, PGE, WP: translations may differ */
	if (paging != sh->on) {
		window_identity(vm, !paging);
		sh->on = paging;
		sh->code_unmapped = sh->code_gone_all =
		    true; /* every code page's mapping changed */
	}
	sh->cpl = vm->cpu.cpl;
	sh->cur = NULL;
	if (paging)
		enter_aspace(vm, vm->cpu.cr3 & ~0xfffu);
	de_paging_changed(vm);
}

void shadow_cr3_written(struct vm *vm, uint32_t old_cr3)
{
	struct shadow *sh = &vm->sh;
	(void)old_cr3;
	if (!sh->on)
		return;
	de_cr3_switch(vm, vm->cpu.cr3); /* the old sandbox view stays as it is */
	const uint32_t *pd = gpa_ptr(&vm->mem, vm->cpu.cr3 & ~0xfffu, PAGE_SIZE);
	for (uint32_t r = 0; r < 1024; r++) {
		if (!sh->count[r] && !sh->code_region[r])
			continue;
		if (!pd || PDE_KEY(pd[r]) != sh->pde_used[r])
			drop_region(vm, r, vm->cpu.cr4 & 0x80,
				    DROP_CHANGED); /* globals survive with PGE */
	}
	vm->stats.vtlb_flushes++;
	enter_aspace(vm, vm->cpu.cr3 & ~0xfffu);
	de_cr3_switched(vm);
}

void shadow_invlpg(struct vm *vm, uint32_t lin)
{
	struct shadow *sh = &vm->sh;
	uint32_t lp = lin >> PAGE_SHIFT;
	if (!sh->on)
		return;
	if (sh->ent[lp] & SH_LARGE)
		drop_region(vm, lin >> 22, false, DROP_CHANGED);
	else
		drop(vm, lp);
}

/* Marks the accessible supervisor pages in [lp0, lp0 + n) suspended and
 * widens [*lo, *hi) to cover them. */
static void suspend_range(struct vm *vm, uint32_t lp0, uint32_t n, uint32_t *lo, uint32_t *hi)
{
	struct shadow *sh = &vm->sh;
	for (uint32_t lp = lp0; lp < lp0 + n; lp++) {
		uint32_t e = sh->ent[lp];
		if (!e || (e & (SH_USER | SH_SUSPENDED)))
			continue;
		sh->ent[lp] = e | SH_SUSPENDED;
		if (lp < *lo)
			*lo = lp;
		if (lp >= *hi)
			*hi = lp + 1;
	}
}

/* CPL 3 begins: every supervisor page (U=0) must be out of its reach. They
 * stay mapped, PROT_NONE, so that the kernel's next entry costs one fault
 * and one mprotect per run it touches (restore_run) instead of a fault and
 * a mapping per page. The pages to suspend are scattered (a system call
 * touches some 27 kernel pages, few of them neighbours), so one mprotect
 * covers the span from the lowest to the highest: every other page there
 * is a PROT_NONE reservation, a suspended page already (every supervisor
 * page not in sh.live is), or a user page, whose protection is then put
 * back (none with Linux's split: its user pages lie below its kernel). The
 * span never reaches the monitor: shadows stay below window_end and above
 * low_unmapped, and the window between is all reservations and shadows. */
static void suspend_supervisor(struct vm *vm)
{
	struct shadow *sh = &vm->sh;
	uint32_t lo = UINT32_MAX, hi = 0;
	if (sh->live_overflow) {
		for (uint32_t r = 0; r < 1024; r++)
			if (sh->supervisor[r])
				suspend_range(vm, r << 10, 1024, &lo, &hi);
	} else {
		for (int i = 0; i < sh->n_live; i++)
			suspend_range(vm, sh->live[i].lp, sh->live[i].n, &lo, &hi);
	}
	sh->n_prev = sh->live_overflow ? 0 : sh->n_live;
	memcpy(sh->prev, sh->live, sizeof(sh->live[0]) * (size_t)sh->n_prev);
	sh->n_live = 0;
	sh->live_overflow = false;
	if (lo >= hi)
		return;
	mprotect(page_addr(lo), (size_t)(hi - lo) * PAGE_SIZE, PROT_NONE);
	vm->stats.shadow_sv_suspends++;
	for (uint32_t r = lo >> 10; r <= (hi - 1) >> 10; r++) {
		if (sh->count[r] == sh->supervisor[r])
			continue; /* no user pages in this region */
		uint32_t first = r << 10 > lo ? r << 10 : lo,
			 end = (r + 1) << 10 < hi ? (r + 1) << 10 : hi;
		for (uint32_t lp = first; lp < end; lp++)
			if (sh->ent[lp] & SH_USER)
				reprotect(vm, lp);
	}
}

void shadow_check_cpl(struct vm *vm)
{
	struct shadow *sh = &vm->sh;
	if (!sh->on || sh->cpl == vm->cpu.cpl)
		return;
	/* Guest ring 3 that runs in the sandbox never touches the window: the
	 * protections for CPL 3 wait until BT runs ring-3 code (de.step), so
	 * that a system call costs the window nothing. */
	if (vm->cpu.cpl == 3 && !vm->de.step && de_can_run(vm))
		return;
	/* Host protections depend on the CPL; the guest's mappings do not, so
	 * translated code stays valid. With CR0.WP set, a user page (U=1) has
	 * the same rights at every CPL: only supervisor pages must go when CPL
	 * 3 begins, and nothing when it ends (CPL 3 never maps a supervisor
	 * page: such an access is the guest's #PF). With WP clear the kernel
	 * may write read-only user pages, which CPL 3 may not: all go. */
	if (!(vm->cpu.cr0 & CR0_WP))
		drop_all(vm, false, DROP_SAME);
	else if (vm->cpu.cpl == 3)
		suspend_supervisor(vm);
	sh->cpl = vm->cpu.cpl;
}

/* Entries of page-table frame pfn at byte offsets [off, off+n) changed. */
static void pt_frame_written(struct vm *vm, uint32_t pfn, uint32_t off, uint32_t n)
{
	uint32_t first = off / 4, last = (off + n - 1) / 4;
	if (pfn == vm->cpu.cr3 >> PAGE_SHIFT) {
		for (uint32_t i = first; i <= last; i++)
			drop_region(vm, i, false, DROP_CHANGED);
		return;
	}
	const uint32_t *pd = gpa_ptr(&vm->mem, vm->cpu.cr3 & ~0xfffu, PAGE_SIZE);
	for (uint32_t r = 0; pd && r < 1024; r++) {
		if (!(pd[r] & 1) || pd[r] >> PAGE_SHIFT != pfn)
			continue;
		if ((pd[r] & 0x80) && (vm->cpu.cr4 & 0x10))
			continue; /* a 4 MiB page, not a page table */
		for (uint32_t i = first; i <= last; i++)
			drop(vm, (r << 10) | i);
	}
}

void shadow_pt_written(struct vm *vm, uint32_t pa, uint32_t n)
{
	if (!vm->sh.on || !n)
		return;
	uint32_t end = pa + n;
	while (pa < end) {
		uint32_t pfn = pa >> PAGE_SHIFT;
		uint32_t chunk = PAGE_SIZE - (pa & (PAGE_SIZE - 1));
		if (chunk > end - pa)
			chunk = end - pa;
		if ((uint64_t)pfn << PAGE_SHIFT < vm->mem.ram_size && vm->sh.traced[pfn])
			pt_frame_written(vm, pfn, pa & (PAGE_SIZE - 1), chunk);
		pa += chunk;
	}
}

void shadow_note_code(struct vm *vm, uint32_t lp)
{
	struct shadow *sh = &vm->sh;
	struct walk w;
	uint32_t err, r = lp >> 10;
	if (!sh->on || sh->code_lin[lp])
		return;
	if (mmu_walk(&vm->cpu, lp << PAGE_SHIFT, 0, false, &w, &err))
		return;
	depend_on_tables(vm, lp << PAGE_SHIFT, &w);
	sh->code_lin[lp] = 1;
	sh->code_region[r] = 1;
}

void shadow_code_flushed(struct vm *vm)
{
	memset(vm->sh.code_lin, 0, NPAGES);
	memset(vm->sh.code_region, 0, sizeof(vm->sh.code_region));
	shadow_code_gone_done(vm);
}

void shadow_code_gone_done(struct vm *vm)
{
	vm->sh.code_unmapped = vm->sh.code_gone_all = false;
	vm->sh.n_code_gone = 0;
}
