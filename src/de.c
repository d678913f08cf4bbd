/* de.c - direct execution of guest ring-3 code (issue 8).
 *
 * The run loop (src/run.c) asks de_can_run() before it translates guest
 * code; when the guest is at CPL 3 in a state the sandbox can reproduce,
 * de_run() hands the registers to the sandbox process (src/sandbox.c),
 * which runs the guest's own instructions natively until something stops
 * it. What the stop means is decided here:
 *
 *   - a page fault on a page the sandbox does not map, or maps read-only:
 *     the shadow (mmu/shadow.c) walks the guest's tables at CPL 3 as for
 *     translated code. If it mapped the page, the sandbox's view follows
 *     at the next entry and the guest never knows;
 *   - everything else that concerns the guest -- a system call instruction
 *     (not executed by the host), #GP from a privileged instruction, #UD,
 *     #DE, int3, a guest #PF, rdtsc (the host traps it) -- is handed to
 *     binary translation for that one instruction (de.step): BT runs it
 *     as the guest's CPU would and delivers what it raises through the
 *     guest's IDT, with the exact error code. A trap the host has already
 *     taken (int $0x80, int3, into) moves EIP back onto its instruction
 *     first, which is safe because those instructions change nothing but
 *     EIP before they trap;
 *   - a kick (a device deadline, console input): back to the run loop,
 *     which delivers the interrupt.
 *
 * The view is a mirror of the shadow's guest-user pages, computed here from
 * shadow.ent: the shadow reports every change to such a page
 * (de_view_changed) and de_run applies them, coalesced, before it resumes
 * the sandbox. Protections are those of CPL 3: writable only if the guest
 * allows it, the page is dirty, and the frame is neither a traced page
 * table nor holding translated code.
 *
 * Segments: guest GDT entry i is mirrored at host LDT entry i, so a guest
 * selector (i << 3) | rpl runs as host selector (i << 3) | 7, and a
 * selector the guest loads itself (glibc's %gs) finds its descriptor. A
 * guest that loads a GDT selector of its own names the HOST's GDT instead;
 * every stop first looks for such a selector and repairs it (the stop is
 * then ignored: it may have been caused by the host's descriptor). */
#define _GNU_SOURCE
#include "de.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "callout.h"
#include "cpu.h"
#include "gmem.h"
#include "host_probe.h"
#include "interrupt.h"
#include "machine.h"
#include "sandbox.h"
#include "segments.h"
#include "shadow.h"
#include "vm.h"

#define PF_ERR_W 0x2u /* a page fault's error code: the access was a write */
#define DEV_PRESENT 0x1u
#define DEV_WRITE 0x2u

#define EFL_AF 0x10u
#define EFL_PF 0x4u
#define EFL_SF 0x80u
#define EFL_NT 0x4000u
#define EFL_IOPL 0x3000u
#define EFL_VM 0x20000u
#define EFL_AC 0x40000u
#define EFL_ID 0x200000u
/* what ring-3 code can change (and the sandbox therefore carries) */
#define EFL_USER                                                                                   \
	(EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_TF | EFL_DF | EFL_OF | EFL_NT | EFL_AC | \
	 EFL_ID)

#define XSTATE_BV_OFF 512 /* the XSAVE header's XSTATE_BV */

int de_select(struct vm_config *cfg, const struct host_caps *caps, char *err, size_t n)
{
	cfg->de_on = false;
	/* compatibility mode without enforced limits: QEMU TCG (map_stack) */
	cfg->de_tcg_host = caps->compat_mode && !caps->limits_enforced;
	if (cfg->de == DE_OFF) {
		snprintf(cfg->de_why, sizeof(cfg->de_why), "de=off");
		return 0;
	}
	const char *why = sandbox_unsupported();
	if (!why) {
		cfg->de_on = true;
		snprintf(cfg->de_why, sizeof(cfg->de_why),
			 "guest ring 3 runs natively in a sandbox process");
		return 0;
	}
	if (cfg->de == DE_ON) {
		snprintf(err, n, "-accel bt,de=on: this host cannot run direct execution: %s", why);
		return -1;
	}
	snprintf(cfg->de_why, sizeof(cfg->de_why), "%s", why);
	return 0;
}

void de_help_line(char *buf, size_t n)
{
	const char *why = sandbox_unsupported();
	if (why)
		snprintf(buf, n, "de: no: %s", why);
	else if (sandbox_cpuid_faults())
		snprintf(buf, n, "de: yes (cpuid in ring 3: the virtual CPU's, by CPUID faulting)");
	else
		snprintf(buf, n, "de: yes (cpuid in ring 3: the host's; no CPUID faulting here)");
}

int de_init(struct vm *vm, char *err, size_t n)
{
	struct de *de = &vm->de;
	memset(de, 0, sizeof(*de));
	de->on = vm->cfg->de_on;
	if (!de->on)
		return 0;
	de->pool_size = vm->cfg->de_pool ? (int)vm->cfg->de_pool : DE_POOL_DEFAULT;
	/* a test hook: the host's refusal of more mappings, on demand */
	const char *cap = getenv("BTVMM_DE_VIEW_MAX");
	de->view_max = cap ? (uint32_t)strtoul(cap, NULL, 0) : 0;
	de->cur = &de->pool[0];
	de->xs_size = sandbox_xstate_size();
	de->xs = aligned_alloc(64, (de->xs_size + 63) & ~(size_t)63);
	for (int i = 0; i < de->pool_size; i++)
		de->pool[i].view = calloc((size_t)1 << 20, sizeof(uint32_t));
	for (int i = 0; i < de->pool_size; i++)
		if (!de->pool[i].view || !de->xs) {
			snprintf(err, n, "direct execution: out of memory");
			return -1;
		}
	memset(de->xs, 0, de->xs_size);
	return 0;
}

void de_fini(struct vm *vm)
{
	struct de *de = &vm->de;
	de->sb = NULL;
	for (int i = 0; i < DE_POOL_MAX; i++) {
		if (de->pool[i].sb)
			sandbox_free(de->pool[i].sb);
		free(de->pool[i].view);
		de->pool[i].sb = NULL;
		de->pool[i].view = NULL;
	}
	free(de->xs);
	for (int i = 0; i < DE_XCTX; i++)
		free(de->xctx[i].hi);
	de->xs = NULL;
}

/* Sandbox sb holds nothing below 4 GiB now (new, restarted, or its view
 * was dropped): say so in its records. */
static void forget_view(struct de_sbox *sb, bool ldt_too)
{
	memset(sb->view, 0, ((size_t)1 << 20) * sizeof(uint32_t));
	memset(sb->count, 0, sizeof(sb->count));
	if (ldt_too) {
		memset(sb->ldt_state, 0, sizeof(sb->ldt_state));
		sb->ldt_n = 0;
	}
	sb->n_dirty = 0;
	sb->dirty_all = true;
	sb->pages = 0;
	sb->lazy = false;
}

void de_view_changed(struct vm *vm, uint32_t lp, uint32_t n)
{
	struct de *de = &vm->de;
	if (!de->on || de->switching || de->cur->dirty_all)
		return;
	struct de_sbox *sb = de->cur;
	if (sb->n_dirty) {
		uint32_t *last_lp = &sb->dirty[sb->n_dirty - 1].lp,
			 *last_n = &sb->dirty[sb->n_dirty - 1].n;
		if (lp >= *last_lp &&
		    lp <= *last_lp + *last_n) { /* the usual case: the next page */
			if (lp + n > *last_lp + *last_n)
				*last_n = lp + n - *last_lp;
			return;
		}
	}
	if (sb->n_dirty == DE_DIRTY_RUNS) {
		sb->dirty_all = true;
		return;
	}
	sb->dirty[sb->n_dirty].lp = lp;
	sb->dirty[sb->n_dirty++].n = n;
}

/* A CR3 load: the pool's view of the new address space becomes current
 * (a hit), or the least recently used one is emptied for it (a miss). The
 * shadow's drops of the old address space's pages that follow are not the
 * new view's business, and the old view keeps what it maps: it is checked
 * whole when its address space comes back (de_cr3_switched). */
void de_cr3_switch(struct vm *vm, uint32_t cr3)
{
	struct de *de = &vm->de;
	if (!de->on)
		return;
	cr3 &= ~0xfffu;
	if (de->cur->cr3 == cr3)
		return;
	struct de_sbox *hit = NULL, *lru = &de->pool[0];
	for (int i = 0; i < de->pool_size; i++) {
		struct de_sbox *sb = &de->pool[i];
		if (sb->cr3 == cr3)
			hit = sb;
		if (sb->last_use < lru->last_use)
			lru = sb;
	}
	if (de->pool_size == 1) {
		/* one view: it follows the shadow's drops like any change */
		de->cur->cr3 = cr3;
		vm->stats.de_pool_misses++;
		return;
	}
	de->cur->last_use = ++de->pool_clock;
	de->switching = true;
	de->hit = hit != NULL;
	if (hit) {
		vm->stats.de_pool_hits++;
		de->cur = hit;
	} else {
		vm->stats.de_pool_misses++;
		de->cur = lru;
		lru->cr3 = cr3;
		if (lru->sb)
			sandbox_reset_view(lru->sb);
		forget_view(lru, false);
	}
	de->cur->last_use = ++de->pool_clock;
	de->sb = de->cur->sb;
}

/* After the shadow's switch: a view from the pool may be out of date (the
 * guest changed that address space's tables while it was away, untraced),
 * and the shadow must again hold every page it maps, so that tracing
 * covers them. Each page the view maps is mapped in the shadow as the
 * guest's tables say now (prefill: only pages the guest already accessed);
 * the full comparison at the next entry keeps those that did not change
 * and drops or fixes the others. */
void de_cr3_switched(struct vm *vm)
{
	struct de *de = &vm->de;
	if (!de->on || !de->switching)
		return;
	de->switching = false;
	struct de_sbox *sb = de->cur;
	if (de->hit)
		for (uint32_t r = 0; r < 1024; r++)
			if (sb->count[r])
				for (uint32_t lp = r << 10; lp < (r + 1) << 10; lp++)
					if (sb->view[lp] && !vm->sh.ent[lp])
						shadow_prefill(vm, lp);
	sb->dirty_all = true;
	de->hit = false;
}

void de_paging_changed(struct vm *vm)
{
	struct de *de = &vm->de;
	if (!de->on)
		return;
	for (int i = 0; i < de->pool_size; i++)
		if (&de->pool[i] != de->cur)
			de->pool[i].cr3 = 0; /* emptied when next used */
	de->cur->cr3 = vm->cpu.cr3 & ~0xfffu;
	de->cur->dirty_all = true;
}

/* What the sandbox should map at linear page lp: guest user pages with
 * the protection CPL 3 gets. */
static uint32_t view_wanted(const struct vm *vm, uint32_t lp)
{
	uint32_t e = vm->sh.ent[lp];
	if (!(e & SH_PRESENT) || !(e & SH_USER) || (e & SH_SUSPENDED))
		return 0;
	uint32_t pfn = e >> PAGE_SHIFT;
	bool w = (e & SH_WRITE) && (e & SH_DIRTY) && !vm->sh.traced[pfn] && !vm->mem.ro_pages[pfn];
	return (e & ~0xfffu) | DEV_PRESENT | (w ? DEV_WRITE : 0);
}

static int view_prot(uint32_t v)
{
	return PROT_READ | (v & DEV_WRITE ? PROT_WRITE : 0);
}

/* Queued view operations, coalesced into runs of neighbouring pages. */
enum { OP_NONE, OP_MAP, OP_PROTECT, OP_UNMAP };
struct view_run {
	int kind;
	uint32_t lp, n, pfn, v;
};

static void run_flush(struct vm *vm, struct view_run *run)
{
	struct sandbox *sb = vm->de.cur->sb;
	switch (run->kind) {
	case OP_MAP:
		sandbox_map(sb, run->lp, run->n, (uint64_t)run->pfn << PAGE_SHIFT,
			    view_prot(run->v));
		vm->stats.de_view_maps++;
		break;
	case OP_PROTECT:
		sandbox_protect(sb, run->lp, run->n, view_prot(run->v));
		vm->stats.de_view_protects++;
		break;
	case OP_UNMAP:
		sandbox_unmap(sb, run->lp, run->n);
		vm->stats.de_view_unmaps++;
		break;
	}
	run->kind = OP_NONE;
}

static void run_add(struct vm *vm, struct view_run *run, int kind, uint32_t lp, uint32_t v)
{
	uint32_t pfn = v >> PAGE_SHIFT;
	bool joins = run->kind == kind && lp == run->lp + run->n;
	if (joins && kind == OP_MAP)
		joins = pfn == run->pfn + run->n && (v & DEV_WRITE) == (run->v & DEV_WRITE);
	if (joins && kind == OP_PROTECT)
		joins = (v & DEV_WRITE) == (run->v & DEV_WRITE);
	if (joins) {
		run->n++;
		return;
	}
	run_flush(vm, run);
	*run = (struct view_run){kind, lp, 1, pfn, v};
}

static void view_page(struct vm *vm, struct view_run *run, uint32_t lp)
{
	struct de_sbox *de = vm->de.cur;
	uint32_t want = view_wanted(vm, lp), have = de->view[lp];
	if (want == have)
		return;
	if (want && !have) {
		if (de->lazy && lp != de->lazy_lp && lp != de->lazy_stack[0] &&
		    lp != de->lazy_stack[1])
			return; /* until the guest faults on it */
		if (vm->de.view_max && de->pages >= vm->de.view_max) {
			vm->de.overflow = true;
			return;
		}
	}
	de->pages += (want != 0) - (have != 0);
	if (!want)
		run_add(vm, run, OP_UNMAP, lp, 0);
	else if (have && (have & ~0xfffu) == (want & ~0xfffu))
		run_add(vm, run, OP_PROTECT, lp, want);
	else
		run_add(vm, run, OP_MAP, lp, want);
	de->count[lp >> 10] += (want != 0) - (have != 0);
	de->view[lp] = want;
}

/* The host refused a mapping for the view (vm.max_map_count: each page of
 * the view is a mapping of its own unless its neighbours map the next
 * frames), or the view met BTVMM_DE_VIEW_MAX. The view is emptied and from
 * now on takes only the pages the guest faults on: the sandbox needs one
 * fault per page again, but the guest goes on. */
static void view_overflow(struct vm *vm)
{
	struct de_sbox *sb = vm->de.cur;
	vm->stats.de_view_overflows++;
	vm->de.overflow = false;
	sandbox_reset_view(sb->sb);
	forget_view(sb, true); /* (a refused round may have held LDT changes) */
	sb->dirty_all = false; /* nothing is wanted ahead of a fault */
	sb->lazy = true;
	sb->lazy_lp = sb->lazy_stack[0] = sb->lazy_stack[1] = UINT32_MAX;
}

/* Bring the sandbox's view in line with the shadow's user pages. */
static void sync_view(struct vm *vm)
{
	struct de_sbox *de = vm->de.cur;
	struct view_run run = {OP_NONE, 0, 0, 0, 0};
	if (de->dirty_all) {
		for (uint32_t r = 0; r < 1024; r++)
			if (vm->sh.count[r] > vm->sh.supervisor[r] || de->count[r])
				for (uint32_t lp = r << 10; lp < (r + 1) << 10; lp++)
					view_page(vm, &run, lp);
		vm->stats.de_view_resyncs++;
	} else {
		for (int i = 0; i < de->n_dirty; i++)
			for (uint32_t lp = de->dirty[i].lp; lp < de->dirty[i].lp + de->dirty[i].n;
			     lp++)
				view_page(vm, &run, lp);
	}
	run_flush(vm, &run);
	de->n_dirty = 0;
	de->dirty_all = false;
}

/* The 8-byte descriptor a segment register's hidden part stands for. */
static void cache_desc(const struct seg_cache *s, uint32_t *lo, uint32_t *hi)
{
	uint32_t lim = s->attr & SEG_ATTR_G ? s->limit >> 12 : s->limit;
	*lo = s->base << 16 | (lim & 0xffff);
	*hi = (s->base & 0xff000000u) | (s->base >> 16 & 0xff) | (lim & 0xf0000) |
	      (uint32_t)(s->attr & 0xff) << 8 | (uint32_t)(s->attr >> 8 & 0xf) << 20;
}

static void set_ldt(struct vm *vm, uint32_t i, uint32_t lo, uint32_t hi)
{
	struct de_sbox *de = vm->de.cur;
	if (de->ldt_state[i] && de->ldt_lo[i] == lo && de->ldt_hi[i] == hi)
		return;
	int r = sandbox_set_ldt(de->sb, i, lo, hi);
	de->ldt_lo[i] = lo;
	de->ldt_hi[i] = hi;
	de->ldt_state[i] = r == 1 ? 2 : 1;
	vm->stats.de_ldt_updates++;
}

/* Mirror the guest's GDT into the sandbox's LDT. Entries a segment
 * register holds come from its hidden part (as the processor uses it
 * until the register is loaded again), the rest from the table. -1 if the
 * table cannot be read (then BT runs the instruction). */
static int sync_ldt(struct vm *vm)
{
	struct vcpu *cpu = &vm->cpu;
	struct de_sbox *de = vm->de.cur;
	uint32_t n = ((uint32_t)cpu->gdtr.limit + 1) / 8;
	if (n > DE_GDT_MAX)
		n = DE_GDT_MAX;
	uint32_t chunk[2 * 64];
	for (uint32_t i0 = 0; i0 < n; i0 += 64) {
		uint32_t k = n - i0 < 64 ? n - i0 : 64;
		if (gmem_read(cpu, cpu->gdtr.base + i0 * 8, chunk, k * 8))
			return -1;
		for (uint32_t j = 0; j < k; j++) {
			uint32_t i = i0 + j, lo = chunk[2 * j], hi = chunk[2 * j + 1];
			if (!i)
				continue;
			for (int s = SEG_ES; s <= SEG_GS; s++)
				if (cpu->seg[s].sel >> 3 == i && !(cpu->seg[s].sel & 4))
					cache_desc(&cpu->seg[s], &lo, &hi);
			set_ldt(vm, i, lo, hi);
		}
	}
	for (uint32_t i = n; i < de->ldt_n; i++) /* the GDT shrank */
		set_ldt(vm, i, 0, 0);
	if (n > de->ldt_n)
		de->ldt_n = n;
	return 0;
}

bool de_can_run(struct vm *vm)
{
	struct vcpu *cpu = &vm->cpu;
	if (!vm->de.on || cpu->cpl != 3 || !(cpu->cr0 & CR0_PG) || cpu->halted || cpu->irq_shadow ||
	    cpu->db_shadow)
		return false;
	uint32_t fl = cpu_get_eflags(cpu);
	/* IOPL 3 lets ring 3 change IF with popf, which the host would hide */
	if (fl & (EFL_VM | EFL_TF) || (fl & EFL_IOPL) == EFL_IOPL)
		return false;
	if (cpu->dr[7] & 0xff) /* breakpoints the host would not see */
		return false;
	/* #NM for x87/SSE (lazy FPU switching) is the guest kernel's business:
	 * BT has it. (Without CR4.OSFXSR, SSE would #UD on the guest's CPU; in
	 * the sandbox it runs: docs/ARCHITECTURE.md lists it.) */
	if (cpu->cr0 & (CR0_TS | CR0_EM))
		return false;
	/* The guest's LDT is not mirrored: host LDT entry i holds guest GDT
	 * entry i, so an LDT selector the guest loads itself in ring 3 would
	 * find the wrong descriptor. While the guest has an LDT, BT runs ring 3. */
	if (cpu->ldtr.sel & ~3u)
		return false;
	for (int s = SEG_ES; s <= SEG_GS; s++)
		if (cpu->seg[s].sel & 4)
			return false;
	return true;
}

static uint16_t host_sel(uint16_t guest)
{
	return guest < 4 ? 0 : (uint16_t)(guest | 7);
}

static bool xkey_eq(const struct de_xkey *a, const struct de_xkey *b)
{
	return a->cr3 == b->cr3 && a->esp0 == b->esp0 && a->esp1 == b->esp1;
}

/* The current guest thread: CR3 and the kernel stack the TSS names (a
 * guest kernel that saves no AVX state still switches those per thread). */
static struct de_xkey cur_xkey(struct vm *vm)
{
	struct vcpu *cpu = &vm->cpu;
	struct de_xkey k = {cpu->cr3 & ~0xfffu, 0, 0};
	uint32_t esp[3];
	bool tss32 = (cpu->tr.attr & 0xf) == 0xb && cpu->tr.limit >= 15; /* busy 32-bit TSS */
	if (tss32 && !gmem_read(cpu, cpu->tr.base + 4, esp, sizeof(esp))) {
		k.esp0 = esp[0];
		k.esp1 = esp[2];
	}
	return k;
}

/* The extended state (AVX and up), which the guest kernel does not save
 * (the virtual CPUID shows no XSAVE), belongs to a guest thread: keep the
 * one xs holds under its key and bring back the current thread's. */
static void switch_xctx(struct de *de, const struct de_xkey *key)
{
	size_t hi = de->xs_size - XSTATE_BV_OFF;
	struct de_xctx *old = NULL, *cur = NULL, *lru = &de->xctx[0];
	for (int i = 0; i < DE_XCTX; i++) {
		struct de_xctx *x = &de->xctx[i];
		if (de->xs_key.cr3 && xkey_eq(&x->key, &de->xs_key))
			old = x;
		if (xkey_eq(&x->key, key))
			cur = x;
		if (x->last_use < lru->last_use)
			lru = x;
	}
	if (de->xs_key.cr3) {
		if (!old && lru != cur)
			old = lru;
		if (old && (old->hi || (old->hi = malloc(hi)))) {
			old->key = de->xs_key;
			old->last_use = ++de->xctx_clock;
			memcpy(old->hi, de->xs + XSTATE_BV_OFF, hi);
		}
	}
	if (cur && cur->hi)
		memcpy(de->xs + XSTATE_BV_OFF, cur->hi, hi);
	else
		memset(de->xs + XSTATE_BV_OFF, 0, hi); /* a new thread: init state */
	de->xs_key = *key;
}

static void regs_in(struct vm *vm, struct sb_regs *r)
{
	struct vcpu *cpu = &vm->cpu;
	struct de *de = &vm->de;
	memset(r, 0, sizeof(*r));
	cpu_get_gprs(cpu, r->gpr);
	r->eip = cpu_eip(cpu);
	r->eflags = (cpu_get_eflags(cpu) & EFL_USER) | EFL_IF | 0x2;
	for (int s = SEG_ES; s <= SEG_GS; s++)
		de->host_sel[s] = host_sel(cpu->seg[s].sel);
	r->es = de->host_sel[SEG_ES];
	r->cs = de->host_sel[SEG_CS];
	r->ss = de->host_sel[SEG_SS];
	r->ds = de->host_sel[SEG_DS];
	r->fs = de->host_sel[SEG_FS];
	r->gs = de->host_sel[SEG_GS];
	struct de_xkey key = cur_xkey(vm);
	if (!xkey_eq(&de->xs_key, &key))
		switch_xctx(de, &key);
	memcpy(de->xs, cpu->blk->fx, 512);
	uint64_t bv;
	memcpy(&bv, de->xs + XSTATE_BV_OFF, 8);
	bv |= 3; /* x87 and SSE as in the image, not in their init state */
	memcpy(de->xs + XSTATE_BV_OFF, &bv, 8);
}

static uint16_t *sel_field(struct sb_regs *r, int s)
{
	switch (s) {
	case SEG_ES: return &r->es;
	case SEG_CS: return &r->cs;
	case SEG_SS: return &r->ss;
	case SEG_DS: return &r->ds;
	case SEG_FS: return &r->fs;
	}
	return &r->gs;
}

/* A data segment register the guest loaded itself in the sandbox. An LDT
 * selector found the mirror of guest GDT entry i: the guest loaded GDT
 * selector i, and its hidden part comes from the guest's table (the load
 * succeeded against the same descriptor). A GDT selector found the HOST's
 * GDT: the same guest selector, but the access that stopped the sandbox
 * may have gone through the host's descriptor. Returns 1 in that case
 * (repaired: the stop is to be ignored), -1 if the guest's table refuses
 * the selector (the guest gets that exception late: *late), else 0. */
static int data_seg_out(struct vm *vm, int s, uint16_t hsel, struct gexc *late)
{
	struct vcpu *cpu = &vm->cpu;
	struct de *de = &vm->de;
	if (hsel == de->host_sel[s])
		return 0;
	uint16_t gsel = hsel < 4 ? hsel : (uint16_t)(hsel & ~4u);
	struct gexc e = seg_load(cpu, s, gsel);
	if (e.vec >= 0) {
		*late = e;
		return -1;
	}
	return hsel >= 4 && !(hsel & 4);
}

/* The guest left compatibility mode (a far transfer to a host selector
 * such as 0x33) or the LDT's code mirrors: whatever ran since cannot be
 * undone, and a real CPU would have refused the transfer (guest GDT
 * selectors run as LDT selectors here). The guest gets the #GP the
 * transfer would have raised, late, at the EIP it stopped at. */
static void escaped(struct vm *vm, const struct sb_regs *r)
{
	vm->stats.de_exit_escape++;
	cpu_exception(&vm->cpu, 13, r->cs & 0xfffc, (uint32_t)r->rip);
}

/* Did the guest leave the code segments it may run in? A far transfer to
 * another mirrored guest code segment is a guest CS load like any other
 * (checked against the guest's table); anything else is an escape. */
static bool left_compat(struct vm *vm, const struct sb_regs *r)
{
	if (r->cs == vm->de.host_sel[SEG_CS] && !(r->rip >> 32))
		return false;
	if (r->rip >> 32 || !(r->cs & 4))
		return true;
	return seg_load_cs(&vm->cpu, (uint16_t)(r->cs & ~4u), r->eip).vec >= 0;
}

/* Back into the vCPU: registers, flags, segments, x87/SSE. Returns 1 if a
 * host GDT selector was repaired (ignore the stop), -1 if a selector the
 * guest loaded is refused by its own table (*late: the exception), else 0. */
static int regs_out(struct vm *vm, struct sb_regs *r, struct gexc *late)
{
	struct vcpu *cpu = &vm->cpu;
	cpu_set_gprs(cpu, r->gpr);
	cpu_set_eip(cpu, r->eip);
	cpu_set_eflags(cpu, r->eflags, EFL_USER);
	memcpy(cpu->blk->fx, vm->de.xs, 512);
	int ret = 0;
	for (int s = SEG_ES; s <= SEG_GS; s++) {
		if (s == SEG_CS)
			continue;
		int d = data_seg_out(vm, s, *sel_field(r, s), late);
		if (d < 0)
			return -1;
		if (d > 0)
			ret = 1;
	}
	return ret;
}

/* The instruction bytes before EIP (a trap the host took after it). */
static bool bytes_before(struct vm *vm, uint32_t eip, int n, uint8_t *b)
{
	struct vcpu *cpu = &vm->cpu;
	return gmem_fetch(cpu, cpu->seg[SEG_CS].base + eip - (uint32_t)n, b, (uint32_t)n) == 0;
}

static void step_back(struct vm *vm, int n)
{
	cpu_set_eip(&vm->cpu, cpu_eip(&vm->cpu) - (uint32_t)n);
	vm->de.step = true;
}

/* int n, int3 or into the host already took (EIP is after it): delivered
 * through the guest's IDT as the guest's CPU would, gate DPL checked. */
static void soft_int(struct vm *vm, int vec, int len)
{
	struct vcpu *cpu = &vm->cpu;
	uint32_t next = cpu_eip(cpu);
	cpu_set_eip(cpu, next - (uint32_t)len); /* where a fault in delivery points */
	cpu_interrupt(cpu, vec, false, 0, INT_SOFTWARE, next);
}

/* A software interrupt the host has already taken, EIP past it: int $0x80
 * (a system call stop), int3 or int $3 (SIGTRAP), into with OF set
 * (SIGSEGV). Its length, with its vector in *vec; 0 for any other stop. */
static int taken_soft_int(struct vm *vm, const struct sb_stop *st, int *vec)
{
	struct vcpu *cpu = &vm->cpu;
	uint32_t eip = cpu_eip(cpu);
	uint8_t b[2] = {0, 0};
	/* one byte will do where the one before it cannot be read */
	if (!bytes_before(vm, eip, 2, b) && !bytes_before(vm, eip, 1, b + 1))
		return 0;
	if (st->kind == SB_STOP_SYSCALL && !st->fast_entry && b[0] == 0xcd && b[1] == 0x80) {
		*vec = 0x80;
		return 2;
	}
	if (st->kind != SB_STOP_SIGNAL)
		return 0;
	if (st->signo == SIGTRAP && st->si_code != TRAP_TRACE) {
		*vec = 3;
		if (b[1] == 0xcc)
			return 1;
		if (b[0] == 0xcd && b[1] == 0x03)
			return 2;
	}
	if (st->signo == SIGSEGV && cpu_get_eflags(cpu) & EFL_OF && b[1] == 0xce) {
		*vec = 4; /* #OF is a trap: into already ran */
		return 1;
	}
	return 0;
}

/* Which instructions reach this host's 32-bit fast system call path:
 * syscall on AMD, sysenter on Intel, both under QEMU TCG. Learnt once, by
 * running each in a small sandbox of its own. */
static int probe_fast_entry(char *err, size_t n)
{
	int fd = memfd_create("btvmm-de-probe", MFD_CLOEXEC), kinds = 0;
	static const uint8_t code[] = {0x0f, 0x34, 0xeb, 0xfe, 0x0f, 0x05, 0xeb, 0xfe};
	if (fd < 0 || ftruncate(fd, 4096) || pwrite(fd, code, sizeof(code), 0) != sizeof(code)) {
		snprintf(err, n, "cannot make the probe's memory");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct sandbox *sb = sandbox_new(fd, 4096, err, n);
	if (!sb) {
		close(fd);
		return -1;
	}
	sandbox_set_ldt(sb, 1, 0x0000ffff, 0x00cffa00); /* flat 32-bit code, DPL 3 */
	sandbox_set_ldt(sb, 2, 0x0000ffff, 0x00cff200); /* flat data */
	sandbox_map(sb, 0x10, 1, 0, PROT_READ);
	for (int i = 0; i < 2; i++) {
		struct sb_regs r = {.eip = 0x10000 + 4u * (unsigned)i, .eflags = 0x202, .cs = 0xf};
		r.ss = r.ds = r.es = 0x17;
		r.gpr[4] = 0x10ff0;
		struct sb_stop st;
		if (sandbox_run(sb, &r, NULL, &st, err, n)) {
			kinds = -1;
			break;
		}
		if (st.kind == SB_STOP_SYSCALL && st.fast_entry)
			kinds |= i ? DE_FAST_SYSCALL : DE_FAST_SYSENTER;
	}
	sandbox_free(sb);
	close(fd);
	return kinds;
}

/* A fast-path stop: the host lost EIP and applied the 32-bit vDSO's
 * register convention (sandbox.h). Which instruction it was follows from
 * the host (only one of them takes that path on real processors); where
 * both do (QEMU TCG), it is taken for sysenter if the guest set up
 * SYSENTER_CS, since that is how its programs make system calls. */
static void stop_fast_entry(struct vm *vm)
{
	struct vcpu *cpu = &vm->cpu;
	struct de *de = &vm->de;
	char err[200];
	if (!de->fast_kinds) {
		int k = probe_fast_entry(err, sizeof(err));
		if (k < 0) {
			vm_fail(vm, "direct execution: probing the host's system call path: %s",
				err);
			return;
		}
		de->fast_kinds = k | DE_FAST_PROBED;
	}
	bool sysenter = !(de->fast_kinds & DE_FAST_SYSCALL) ||
			((de->fast_kinds & DE_FAST_SYSENTER) && (cpu->msr_sysenter_cs & 0xfffc));
	cpu_set_eip(cpu, de->entry_eip); /* the best there is: where this run began */
	if (sysenter) {
		/* the host took ESP from EBP (the vDSO copies ESP there) */
		cpu_set_gpr(cpu, R_EBP, cpu_esp(cpu));
		int vec = callout_sysenter(cpu, true);
		if (vec >= 0)
			cpu_exception(cpu, vec, 0, cpu_eip(cpu));
		return;
	}
	/* syscall: #UD on the virtual CPU (no EFER.SCE); the host put EBP in
	 * ECX, and ECX itself is lost */
	cpu_set_gpr(cpu, R_EBP, cpu_gpr(cpu, R_ECX));
	cpu_exception(cpu, 6, 0, cpu_eip(cpu));
}

static void stop_syscall(struct vm *vm, const struct sb_stop *st)
{
	struct vcpu *cpu = &vm->cpu;
	uint8_t b[2];
	vm->stats.de_exit_syscall++;
	if (st->fast_entry) {
		stop_fast_entry(vm);
		return;
	}
	int vec, len = taken_soft_int(vm, st, &vec);
	if (len) {
		soft_int(vm, vec, len);
		return;
	}
	if (bytes_before(vm, cpu_eip(cpu), 2, b) && b[0] == 0x0f &&
	    (b[1] == 0x05 || b[1] == 0x34)) {
		step_back(vm, 2); /* syscall or sysenter the host reported exactly: BT */
		return;
	}
	vm_fail(vm,
		"direct execution: system call %lld stopped the sandbox at EIP 0x%08x with no "
		"system call instruction before it",
		(long long)st->sysno, cpu_eip(cpu));
}

/* #UD: AMD raises it for sysenter in compatibility mode, and sysenter is
 * how Linux's vDSO makes system calls where CPUID shows SEP. */
static void stop_ill(struct vm *vm)
{
	struct vcpu *cpu = &vm->cpu;
	uint8_t b[2];
	vm->stats.de_exit_fault++;
	if (!gmem_fetch(cpu, cpu->seg[SEG_CS].base + cpu_eip(cpu), b, 2) && b[0] == 0x0f &&
	    b[1] == 0x34) {
		vm->stats.de_exit_syscall++;
		int vec = callout_sysenter(cpu, true);
		if (vec >= 0)
			cpu_exception(cpu, vec, 0, cpu_eip(cpu));
		return;
	}
	vm->de.step = true;
}

static void stop_segv(struct vm *vm, const struct sb_stop *st)
{
	struct de *de = &vm->de;
	struct vcpu *cpu = &vm->cpu;
	if ((st->si_code == SEGV_MAPERR || st->si_code == SEGV_ACCERR) && st->addr >> 32 == 0) {
		uint32_t lin = (uint32_t)st->addr;
		bool write = st->si_code == SEGV_ACCERR && de->cur->view[lin >> PAGE_SHIFT];
		int r = shadow_fault(vm, lin, write);
		if (r == SHF_RETRY && de->cur->lazy) {
			/* the shadow may hold it already, with no change to report */
			de->cur->lazy_lp = lin >> PAGE_SHIFT;
			de_view_changed(vm, lin >> PAGE_SHIFT, 1);
		}
		if (r == SHF_RETRY) {
			vm->stats.de_exit_fill++;
			return; /* the view gets the page at the next entry */
		}
		if (r == SHF_GUEST_PF && write) {
			/* a write to a page the sandbox maps: the error code is
			 * exact (copy-on-write, a read-only page) */
			vm->stats.de_exit_pf++;
			cpu_exception(cpu, 14, cpu->pf_err, cpu_eip(cpu));
			return;
		}
		/* The guest's #PF for an access the host did not say was a
		 * write: the host's error code (the same instruction on the
		 * same kind of processor) has the R/W bit; the guest's walk
		 * gave P and U. Without it BT runs the instruction to find
		 * the code, which costs the window a switch to CPL 3. */
		uint32_t host_err;
		if (r == SHF_GUEST_PF && sandbox_fault_code(de->sb, &host_err) == 0) {
			vm->stats.de_exit_pf++;
			cpu->pf_err |= host_err & PF_ERR_W;
			cpu_exception(cpu, 14, cpu->pf_err, cpu_eip(cpu));
			return;
		}
		/* no error code, a traced page table, translated code, device
		 * memory: BT runs the instruction */
		if (r == SHF_GUEST_PF)
			vm->stats.de_exit_pf_bt++;
		else
			vm->stats.de_exit_mem_bt++;
		de->step = true;
		return;
	}
	uint8_t c[2];
	if (!gmem_fetch(cpu, cpu->seg[SEG_CS].base + cpu_eip(cpu), c, 2) && c[0] == 0x0f &&
	    c[1] == 0xa2) {
		vm->stats.de_exit_cpuid++; /* CPUID faulting: BT answers it */
		de->step = true;
		return;
	}
	vm->stats.de_exit_fault++;
	int vec, len = taken_soft_int(vm, st, &vec); /* into; anything else is a fault */
	if (len)
		soft_int(vm, vec, len);
	else
		de->step = true;
}

/* Where a selector load the guest's table refuses is reported: the load
 * happened somewhere since the run began, unknowable now, so the guest
 * gets the #GP on the instruction the sandbox stopped at -- before a trap
 * the host took after it (int $0x80, int3, int $3, into), which then runs
 * again if the guest's handler returns. */
static uint32_t late_eip(struct vm *vm, const struct sb_stop *st)
{
	int vec;
	return cpu_eip(&vm->cpu) - (uint32_t)taken_soft_int(vm, st, &vec);
}

static void stop_signal(struct vm *vm, const struct sb_stop *st)
{
	struct vcpu *cpu = &vm->cpu;
	switch (st->signo) {
	case SIGSEGV: stop_segv(vm, st); return;
	case SIGILL: stop_ill(vm); return;
	case SIGTRAP:
		vm->stats.de_exit_fault++;
		if (st->si_code == TRAP_TRACE) { /* the guest set TF itself */
			cpu->dr[6] |= 0x4000;
			cpu_interrupt(cpu, 1, false, 0, INT_EXCEPTION, cpu_eip(cpu));
			return;
		}
		int vec, len = taken_soft_int(vm, st, &vec);
		if (len)
			soft_int(vm, vec, len);
		else
			vm->de.step = true;
		return;
	default: /* SIGFPE, SIGBUS: faults, EIP on the instruction */
		vm->stats.de_exit_fault++;
		vm->de.step = true;
		return;
	}
}

/* The guest's stack page (and its neighbour a push or a far call's frame
 * may reach) goes into the view before the run, if the guest's tables
 * allow it at CPL 3, as a processor may fill its TLB ahead of use: stack
 * accesses then take no fault round trip. It also keeps QEMU TCG as the
 * host from taking a far call's or far return's stack fault for a kernel
 * fault (compat-vm.sh; its Linux then oopses). */
static void map_stack(struct vm *vm)
{
	struct vcpu *cpu = &vm->cpu;
	uint32_t lin = cpu->seg[SEG_SS].base + cpu_esp(cpu);
	uint32_t lp[2] = {(lin - 8) >> PAGE_SHIFT, (lin + 7) >> PAGE_SHIFT};
	/* TCG: also writable (D set ahead of the write), else the write of a
	 * far call's frame faults there, misreported */
	bool w = vm->cfg->de_tcg_host;
	struct de_sbox *sb = vm->de.cur;
	if (sb->lazy) { /* a lazy view takes these two too */
		sb->lazy_stack[0] = lp[0];
		sb->lazy_stack[1] = lp[1];
		de_view_changed(vm, lp[0], lp[1] - lp[0] + 1);
	}
	for (int i = 0; i < 2; i++) {
		uint32_t e = vm->sh.ent[lp[i]];
		if ((i == 1 && lp[1] == lp[0]) || (e && (!w || (e & SH_DIRTY))))
			continue;
		(void)shadow_fault(vm, lp[i] << PAGE_SHIFT, w); /* a guest #PF stays unseen */
	}
}

void de_run(struct vm *vm)
{
	struct de *de = &vm->de;
	struct vcpu *cpu = &vm->cpu;
	char err[200];
	struct de_sbox *sb = de->cur;
	if (!sb->sb) {
		sb->sb = sandbox_new(vm->mem.memfd, vm->mem.ram_size, err, sizeof(err));
		if (!sb->sb) {
			vm_fail(vm, "direct execution: %s", err);
			return;
		}
		forget_view(sb, true);
		sb->cr3 = cpu->cr3 & ~0xfffu;
		(void)sandbox_restarted(sb->sb);
		de->sb = sb->sb;
	}
	if (sandbox_restarted(sb->sb))
		forget_view(sb, true);
	if (sync_ldt(vm)) {
		de->step = true;
		return;
	}
	map_stack(vm);
	sync_view(vm);
	if (de->overflow) {
		view_overflow(vm);
		return; /* the fault that needs a page comes back for it */
	}
	struct sb_regs r;
	struct sb_stop st;
	regs_in(vm, &r);
	machine_arm_timer(vm);
	sandbox_clear_kick(sb->sb); /* a kick from here on stops the run */
	if (vm->timer_fired || atomic_load(&vm->con.ready))
		return; /* an event is due: the run loop first */
	vm->stats.de_entries++;
	de->entry_eip = r.eip;
	uint64_t t0 = machine_now_ns(vm);
	int rc = sandbox_run(sb->sb, &r, de->xs, &st, err, sizeof(err));
	vm->stats.de_ns += machine_now_ns(vm) - t0;
	if (rc && sandbox_view_refused(sb->sb) == ENOMEM) {
		view_overflow(vm); /* nothing ran: the same state again */
		return;
	}
	if (rc) {
		vm_fail(vm, "direct execution: %s", err);
		return;
	}
	if (st.kind == SB_STOP_DIED) {
		/* the guest state is the entry's: it runs again from there */
		vm->stats.de_exit_died++;
		if (vm->cfg->debug)
			fprintf(vm->log, "de: the sandbox died (%s): restarted\n", st.why);
		if (++de->deaths_in_row >= DE_DEATHS_MAX)
			vm_fail(
			    vm,
			    "direct execution: the sandbox process died %d times in a row running "
			    "guest ring 3 from EIP 0x%08x (last: %s)",
			    DE_DEATHS_MAX, de->entry_eip, st.why);
		return;
	}
	de->deaths_in_row = 0;
	if (left_compat(vm, &r)) {
		cpu_set_gprs(cpu, r.gpr);
		memcpy(cpu->blk->fx, de->xs, 512);
		escaped(vm, &r);
		return;
	}
	struct gexc late = {-1, 0};
	int seg = regs_out(vm, &r, &late);
	if (seg > 0)
		vm->stats.de_repairs++;
	if (seg > 0 && st.kind == SB_STOP_SIGNAL)
		return; /* a fault through the host's descriptor: again, with the guest's */
	if (seg < 0) {
		/* a host GDT selector (0x23, 0x2b, 0x33, 0x7b) loaded without a
		 * fault, which the guest's table refuses: its #GP, late */
		vm->stats.de_late_faults++;
		cpu_exception(cpu, late.vec, late.err, late_eip(vm, &st));
		return;
	}
	switch (st.kind) {
	case SB_STOP_KICK: vm->stats.de_exit_kick++; break;
	case SB_STOP_SYSCALL: stop_syscall(vm, &st); break;
	case SB_STOP_SIGNAL: stop_signal(vm, &st); break;
	case SB_STOP_DIED: break;
	}
}

void de_print_stats(struct vm *vm, FILE *out)
{
	struct de *de = &vm->de;
	fprintf(out, "direct execution: %s (%s)\n", de->on ? "on" : "off", vm->cfg->de_why);
	if (!de->on)
		return;
	struct sb_counters all_c = {0};
	int procs = 0;
	for (int i = 0; i < de->pool_size; i++) {
		if (!de->pool[i].sb)
			continue;
		const struct sb_counters *c = sandbox_counters(de->pool[i].sb);
		all_c.starts += c->starts;
		all_c.runs += c->runs;
		all_c.stub_rounds += c->stub_rounds;
		all_c.host_calls += c->host_calls;
		all_c.early_kicks += c->early_kicks;
		procs++;
	}
	fprintf(out,
		"sandbox pool: %d of %d used; %" PRIu64 " hits, %" PRIu64 " misses; %" PRIu64
		" process starts, %" PRIu64 " guest runs, %" PRIu64 " stub rounds, %" PRIu64
		" host calls for views and LDTs, %" PRIu64 " kicks caught before a run\n",
		procs, de->pool_size, vm->stats.de_pool_hits, vm->stats.de_pool_misses,
		all_c.starts, all_c.runs, all_c.stub_rounds, all_c.host_calls, all_c.early_kicks);
	uint64_t all = machine_now_ns(vm), in_de = vm->stats.de_ns, in_bt = vm->stats.bt_ns;
	uint64_t mon = all > in_de + in_bt ? all - in_de - in_bt : 0;
	fprintf(out,
		"time: %.3f s in the sandbox, %.3f s in translated code, %.3f s in the monitor\n",
		(double)in_de / 1e9, (double)in_bt / 1e9, (double)mon / 1e9);
}
