/* run.c - the BT run loop.
 *
 * Find (or translate) the CCF for the guest's EIP, enter it, and handle
 * whatever brought execution back: an unlinked direct exit (translate the
 * target, chain the exit to it), an in-cache lookup miss (fill the lookup
 * table), a call-out (emulate), a pending event, or a host fault captured by
 * the signal handler (self-modifying code, or a guest exception). Every exit
 * resumes at the start of a CCF, so nothing in the cache is ever entered in
 * the middle and a flush between two entries is always safe. */
#include "run.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "callout.h"
#include "cpu.h"
#include "de.h"
#include "gmem.h"
#include "ibl.h"
#include "interrupt.h"
#include "machine.h"
#include "operand.h"
#include "segments.h"
#include "smc.h"
#include "soft.h"
#include "vm.h"
#include "walk.h"

/* The CCF at the guest's EIP, translated if missing. With paging on, the
 * fetch goes through the guest's tables: a fetch fault is the guest's #PF,
 * delivered here, and the lookup continues at its handler. */
static struct ccf *resolve(struct vm *vm, uint32_t eip)
{
	struct vcpu *cpu = &vm->cpu;
	/* A few fetch faults in a row (a handler that faults too) return NULL
	 * with the guest state moved on; the run loop comes back here. */
	for (int tries = 0; tries < 4 && vm->stop == STOP_NONE; tries++) {
		uint32_t lin = cpu->seg[SEG_CS].base + eip, pa;
		unsigned acc = ACC_FETCH | (cpu->cpl == 3 ? ACC_USER : 0);
		if (mmu_translate(cpu, lin, acc, &pa)) {
			cpu_exception(cpu, 14, 0, eip);
			eip = cpu_eip(cpu);
			continue;
		}
		if (pa >= vm->mem.ram_size && !mmio_find(&vm->mmio, pa)) {
			/* nothing answers: the fetch reads all ones, and ff ff is
			 * an undefined opcode (FF /7) */
			cpu_exception(cpu, 6, 0, eip);
			eip = cpu_eip(cpu);
			continue;
		}
		if (pa >= vm->mem.ram_size) {
			vm_fail(vm,
				"guest executes at EIP 0x%08x, physical 0x%08x: device registers",
				eip, pa);
			return NULL;
		}
		struct ccf *c = tc_lookup(&vm->tc, eip, cpu_code_mode(cpu), pa >> PAGE_SHIFT);
		if (c)
			return c;
		char err[200];
		c = xlat_block(&vm->xl, cpu, eip, XLAT_MAX_INSNS, err, sizeof(err));
		if (!c && vm->xl.fetch_fault) {
			vm->xl.fetch_fault =
			    false; /* an instruction crossing into a missing page */
			cpu_exception(cpu, 14, 0, eip);
			eip = cpu_eip(cpu);
			continue;
		}
		if (!c) {
			vm_fail(vm, "%s", err);
			return NULL;
		}
		smc_track_page(vm, c->guest_pfn);
		shadow_note_code(vm, lin >> PAGE_SHIFT);
		shadow_note_code(vm, (lin + c->guest_len - 1) >> PAGE_SHIFT);
		return c;
	}
	return NULL;
}

/* A one-shot translation of the single instruction at eip. */
static struct ccf *one_shot(struct vm *vm, uint32_t eip)
{
	char err[200];
	struct ccf *c = xlat_block(&vm->xl, &vm->cpu, eip, 1, err, sizeof(err));
	if (!c)
		vm_fail(vm, "%s", err);
	return c;
}

static int fault_vector(const struct host_fault *f, uint32_t cr4)
{
	switch (f->signo) {
	case SIGFPE:
		if (f->trapno == 19) /* unmasked SIMD exception: #UD unless CR4.OSXMMEXCPT */
			return cr4 & 0x400 ? 19 : 6;
		return f->trapno == 16 ? 16 : 0;
	case SIGILL: return 6;
	case SIGBUS: return f->trapno == 17 ? 17 : 12;
	case SIGTRAP: return f->trapno == 3 ? 3 : 1;
	}
	return f->trapno == 5 ? 5 : f->trapno == 4 ? 4 : 13;
}

/* An instruction whose access the monitor just did in software after a
 * host fault (MMIO): past the threshold, its page is retranslated so that
 * the instruction becomes a call-out (adaptive translation). */
static void adapt_after_soft_fault(struct vm *vm, struct ccf *c, uint32_t eip)
{
	if (!adapt_fault(&vm->xl.adapt, eip, c->mode))
		return;
	vm->stats.adapt_retranslations++;
	smc_retranslate_page(vm, c->guest_pfn);
}

/* A limit fault that may be ours (the cut at the hole): re-execute the
 * instruction once with the segment's full limit if that is safe. */
static struct ccf *retry_uncut(struct vm *vm, uint32_t eip)
{
	struct vcpu *cpu = &vm->cpu;
	struct xinsn in;
	uint32_t avail;
	const uint8_t *code = gmem_code_ptr(cpu, cpu->seg[SEG_CS].base + eip, &avail, NULL);
	if (!code || xdecode(&vm->xl.dec, code, avail, eip, &in))
		return NULL;
	int mask = seg_truncation_fault(cpu, &in);
	if (!mask || seg_shadow_widen(cpu, mask))
		return NULL;
	vm->widened_segs = mask;
	return one_shot(vm, eip);
}

/* x64: a #GP from translated code may be an access that runs past 4 GiB
 * (AMD raises #GP for a 32-bit-address access that crosses it). Does the
 * instruction at eip touch the last 512 bytes below 4 GiB, through its
 * ModRM operand, ESI/EDI or the stack? Then the emulator does it, wrapping
 * as a 32-bit CPU does. */
static bool x64_wrap_suspect(struct vm *vm, uint32_t eip)
{
	struct vcpu *cpu = &vm->cpu;
	struct xinsn in;
	uint32_t avail, top = 0xfffffe00u;
	const uint8_t *code = gmem_code_ptr(cpu, cpu->seg[SEG_CS].base + eip, &avail, NULL);
	if (!code || xdecode(&vm->xl.dec, code, avail, eip, &in))
		return false;
	if (in.modrm_off && (in.bytes[in.modrm_off] >> 6) != 3) {
		struct operand op;
		insn_modrm(cpu, &in, in.modrm_off, &op);
		if (cpu->seg[op.seg].base + op.off >= top)
			return true;
	}
	return cpu->seg[SEG_DS].base + cpu_gpr(cpu, R_ESI) >= top ||
	       cpu->seg[SEG_ES].base + cpu_gpr(cpu, R_EDI) >= top ||
	       cpu->seg[SEG_SS].base + cpu_esp(cpu) - 64 >= top;
}

/* The instruction at eip touched linear lin, device registers (or our hole)
 * behind it, and the emulator lacks the instruction. A register read can
 * have effects and a copy of the registers cannot give them, so nothing
 * runs natively there: the machine stops. The devices behind MMIO (local
 * APIC, IOAPIC) define only aligned 32-bit accesses, which the emulator
 * does, so a PC would not do anything defined for these either. */
static void unemulated_device_access(struct vm *vm, uint32_t lin, uint32_t eip)
{
	char text[96], where[80] = "";
	struct walk w;
	uint32_t err;
	soft_insn_text(vm, text, sizeof(text));
	if (!mmu_walk(&vm->cpu, lin, 0, false, &w, &err)) {
		struct mmio_range *dev = mmio_find(&vm->mmio, w.pa);
		const char *what = dev			      ? "device registers of "
				   : w.pa >= vm->mem.ram_size ? "memory outside RAM"
							      : "RAM btvmm cannot map there";
		snprintf(where, sizeof(where), " (%s%s at physical 0x%08x)", what,
			 dev ? dev->name : "", w.pa);
	}
	vm_fail(vm,
		"guest access to linear 0x%08x%s at EIP 0x%08x (%s): the emulator does not "
		"handle it",
		lin, where, eip, text);
}

/* A page fault in translated code with paging on: hidden, true, a trace
 * fault, self-modifying code, or memory that is not RAM. */
static struct ccf *paged_fault(struct vm *vm, struct ccf *c, const struct ccf_map *m)
{
	struct host_fault *f = &vm->fault;
	struct vcpu *cpu = &vm->cpu;
	uint32_t lin = (uint32_t)f->addr;
	switch (shadow_fault(vm, lin, f->err & 2)) {
	case SHF_RETRY:
		/* resume at the faulting instruction itself: guest state is
		 * precise at the start of its host code */
		if (c->dead)
			return NULL;
		vm->resume_host = (uintptr_t)c->code + m->host_off;
		return c;
	case SHF_GUEST_PF:
		if (vm->stop == STOP_NONE)
			cpu_exception(cpu, 14, 0, m->guest_eip);
		return NULL;
	case SHF_SMC: {
		uint32_t pfn = vm->sh.ent[lin >> PAGE_SHIFT] >> PAGE_SHIFT;
		vm->stats.trace_faults_code++;
		smc_page_written(vm, pfn);
		return one_shot(vm, m->guest_eip);
	}
	case SHF_TRACE:
		/* the write is emulated and the shadows it changes dropped
		 * (shadow_pt_written); repeat offenders get translated as
		 * call-outs (adaptive translation). An instruction the
		 * emulator lacks runs natively once with the frame open. */
		vm->stats.trace_faults_pt++;
		if (soft_exec(vm)) {
			uint32_t pfn = vm->sh.ent[lin >> PAGE_SHIFT] >> PAGE_SHIFT;
			if (!vm->native_write.n) /* its first traced frame */
				vm->stats.trace_writes_native++;
			if (vm->cfg->debug & DBG_EXITS) { /* which instructions to emulate next */
				char text[96];
				soft_insn_text(vm, text, sizeof(text));
				fprintf(vm->log,
					"  native trace write at 0x%08x (%s): frame 0x%05x\n",
					m->guest_eip, text, pfn);
			}
			if (!native_write_open(vm, pfn))
				return one_shot(vm, m->guest_eip);
			vm_fail(vm,
				"internal error: guest write to traced frame 0x%05x at EIP 0x%08x "
				"faulted with the frame open",
				pfn, m->guest_eip);
			return NULL;
		}
		vm->stats.trace_writes_emulated++;
		adapt_after_soft_fault(vm, c, m->guest_eip);
		return NULL;
	default: break;
	}
	if (soft_exec(vm)) {
		if (!open_bus_map(vm, lin))
			return one_shot(vm, m->guest_eip);
		unemulated_device_access(vm, lin, m->guest_eip);
		return NULL;
	}
	adapt_after_soft_fault(vm, c, m->guest_eip);
	return NULL;
}

/* A host fault in translated code (retried: it happened while re-executing
 * an instruction with a widened segment, so it is the guest's). Returns a one-shot CCF to run next
 * (the store to a code page, re-executed), or NULL. */
static struct ccf *handle_fault(struct vm *vm, bool retried)
{
	struct host_fault *f = &vm->fault;
	struct vcpu *cpu = &vm->cpu;
	f->valid = 0;
	vm->stats.host_faults++;
	const uint8_t *pc = (const uint8_t *)(uintptr_t)f->pc;
	struct ccf *c = tc_find_by_host(&vm->tc, pc);
	const struct ccf_map *m = c ? ccf_map_at(c, pc) : NULL;
	if (!m) {
		vm_fail(vm,
			"internal error: host fault (signal %d) at 0x%llx outside any "
			"translated instruction",
			f->signo, (unsigned long long)f->pc);
		return NULL;
	}
	cpu_set_eip(cpu, m->guest_eip);
	bool page_fault = f->signo == SIGSEGV && f->trapno == 14;
	if (page_fault && f->addr >= WINDOW_SIZE) {
		/* x64: an access that runs past 4 GiB, which a 32-bit CPU wraps
		 * to 0; the emulator wraps. Beyond the guard nothing a guest
		 * operand can form lies. */
		if (f->addr < WINDOW_SIZE + X64_GUARD_SIZE) {
			if (!soft_exec(vm))
				return NULL;
			char text[96];
			soft_insn_text(vm, text, sizeof(text));
			vm_fail(vm,
				"guest access wrapping past 4 GiB at EIP 0x%08x (%s): the emulator "
				"does not handle it",
				m->guest_eip, text);
			return NULL;
		}
		vm_fail(vm,
			"internal error: translated code at EIP 0x%08x touched host address 0x%llx",
			m->guest_eip, (unsigned long long)f->addr);
		return NULL;
	}
	if (page_fault && vm->sh.on)
		return paged_fault(vm, c, m);
	if (page_fault && f->addr < vm->mem.ram_size) {
		uint32_t pfn = (uint32_t)(f->addr >> PAGE_SHIFT);
		if ((f->err & 2) && physmem_page_ro(&vm->mem, pfn)) {
			smc_page_written(vm, pfn);
			return one_shot(vm, m->guest_eip);
		}
		vm_fail(vm,
			"guest access to physical page 0x%08llx at EIP 0x%08x: btvmm cannot "
			"map the lowest pages (vm.mmap_min_addr)",
			(unsigned long long)f->addr & ~0xfffull, m->guest_eip);
		return NULL;
	}
	/* memory outside RAM (device registers, nothing at all) */
	if (page_fault) {
		if (!soft_exec(vm)) {
			adapt_after_soft_fault(vm, c, m->guest_eip);
			return NULL;
		}
		if (!open_bus_map(vm, (uint32_t)f->addr)) /* it refuses the hole itself */
			return one_shot(vm, m->guest_eip);
		char text[96];
		soft_insn_text(vm, text, sizeof(text));
		struct mmio_range *dev = mmio_find(&vm->mmio, f->addr);
		vm_fail(
		    vm,
		    "guest access to %s%s at 0x%08llx at EIP 0x%08x (%s): the emulator does not "
		    "handle it",
		    dev ? "device registers of " : "memory outside RAM", dev ? dev->name : "",
		    (unsigned long long)f->addr, m->guest_eip, text);
		return NULL;
	}
	bool limit_fault =
	    (f->signo == SIGSEGV && f->trapno == 13) || (f->signo == SIGBUS && f->trapno == 12);
	if (limit_fault && !retried && !vm->cpu.x64) {
		struct ccf *again = retry_uncut(vm, m->guest_eip);
		if (again || vm->stop != STOP_NONE)
			return again;
		/* not a cut we can lift (e.g. an access into our hole's range):
		 * the emulator applies the guest's own checks */
		if (!soft_exec(vm))
			return NULL;
	}
	if (limit_fault && vm->cpu.x64 && x64_wrap_suspect(vm, m->guest_eip) && !soft_exec(vm))
		return NULL;
	if (f->signo == SIGILL && vm->cpu.x64) {
		/* the decoder sends every instruction that is #UD on a 32-bit CPU
		 * to a call-out: a #UD here is a re-encoding the host rejects */
		char text[96];
		soft_insn_text(vm, text, sizeof(text));
		vm_fail(vm, "internal error: the x64 translation of EIP 0x%08x (%s) raised #UD",
			m->guest_eip, text);
		return NULL;
	}
	cpu_exception(cpu, fault_vector(f, cpu->cr4), 0, m->guest_eip);
	return NULL;
}

struct chain_request {
	struct ccf *from;
	int exit_idx;
	uint32_t target;  /* the guest EIP the exit branches to */
	uint64_t flushes; /* a flush in between invalidates from */
};

static void maybe_chain(struct vm *vm, struct chain_request *rq, struct ccf *to)
{
	if (!rq->from || vm->xl.no_chain || vm->stats.flushes != rq->flushes)
		return;
	if (rq->from->dead || to->dead || to->transient)
		return;
	/* resolve() may have delivered an exception instead (the target's
	 * page not present): `to` is then its handler, in another mode
	 * perhaps, and must not become the branch's destination */
	if (to->guest_eip != rq->target || to->mode != rq->from->mode)
		return;
	tc_link(&vm->tc, &rq->from->exits[rq->exit_idx], to);
}

/* -d exits: one line per exit from translated code, before it is handled. */
static void log_exit(struct vm *vm)
{
	struct vcpu_block *blk = vm->cpu.blk;
	const struct host_fault *f = &vm->fault;
	if (f->valid) {
		fprintf(vm->log, "exit: host fault signal %d trap %d err %#llx addr %#llx\n",
			f->signo, f->trapno, (unsigned long long)f->err,
			(unsigned long long)f->addr);
		return;
	}
	static const char *const kinds[] = {[REC_IBL_MISS] = "lookup miss",
					    [REC_BRANCH] = "unlinked branch",
					    [REC_EVENT] = "pending event",
					    [REC_CALLOUT] = "call-out",
					    [REC_END] = "one-shot end"};
	const struct exit_rec *r = xlat_rec(&vm->xl, blk->exit_rec);
	if (!r) {
		fprintf(vm->log, "exit: bad record %u\n", blk->exit_rec);
		return;
	}
	uint32_t eip = r->kind == REC_IBL_MISS ? blk->tgt : r->guest_eip;
	fprintf(vm->log, "exit: %s at 0x%08x", kinds[r->kind], eip);
	if (r->kind == REC_CALLOUT)
		fprintf(vm->log, ": %s (%s)", callout_kind_name[r->insn->co], r->insn->text);
	fputc('\n', vm->log);
}

/* Turn the exit record into the next guest EIP (or a stop). */
static void handle_exit(struct vm *vm, struct chain_request *rq, bool *fill_ibl)
{
	struct vcpu_block *blk = vm->cpu.blk;
	struct exit_rec *r = xlat_rec(&vm->xl, blk->exit_rec);
	if (!r) {
		vm_fail(vm, "internal error: bad exit record %u", blk->exit_rec);
		return;
	}
	switch (r->kind) {
	case REC_IBL_MISS:
		vm->stats.ibl_misses++;
		cpu_set_eip(&vm->cpu, blk->tgt);
		*fill_ibl = true;
		break;
	case REC_BRANCH:
		cpu_set_eip(&vm->cpu, r->guest_eip);
		rq->from = r->ccf;
		rq->exit_idx = r->exit_idx;
		rq->target = r->guest_eip;
		rq->flushes = vm->stats.flushes;
		break;
	case REC_EVENT:
		vm->stats.irq_checks_taken++;
		cpu_set_eip(&vm->cpu, r->guest_eip);
		break;
	case REC_END: cpu_set_eip(&vm->cpu, r->guest_eip); break;
	case REC_CALLOUT: {
		struct xinsn in = *r->insn;
		cpu_set_eip(&vm->cpu, in.eip);
		callout_run(&vm->cpu, &in);
		break;
	}
	}
}

/* Pages with translated code changed their mapping: chained exits and
 * lookup entries, keyed by linear EIP, assumed the old one. The CCFs
 * translated from those pages go (a full flush when there were too many,
 * or paging itself changed). True if any CCF went. */
static bool code_mapping_changed(struct vm *vm)
{
	struct shadow *sh = &vm->sh;
	int n = 0;
	if (sh->code_gone_all) {
		xlat_flush(&vm->xl);
		shadow_code_flushed(vm);
		return true;
	}
	for (int i = 0; i < sh->n_code_gone; i++)
		n += tc_invalidate_linear(&vm->tc, sh->code_gone[i]);
	shadow_code_gone_done(vm);
	return n > 0;
}

/* Pages opened for one instruction (open bus, traced frames written
 * natively): it ran, or something else runs next. */
static void close_for_one(struct vm *vm)
{
	if (vm->open_bus.n)
		open_bus_close(vm);
	if (vm->native_write.n)
		native_write_close(vm);
}

/* A halted guest sleeps on the host until an interrupt can wake it. */
static void halted(struct vm *vm)
{
	struct vcpu *cpu = &vm->cpu;
	if (!(cpu_get_eflags(cpu) & EFL_IF) && vm->linux_guest) {
		/* Linux without ACPI turns power-off into halt: "reboot: System
		 * halted", then cli; hlt for good (stop_this_cpu). QEMU would sit
		 * there; we end, as the machine has. */
		display_fini(vm); /* -display curses: the line goes below the screen */
		fprintf(stderr, "btvmm: the guest halted the machine (Linux's halt or power-off): "
				"stopped\n");
		vm->stop = STOP_HALT;
		vm->exit_status = 0;
		return;
	}
	if (!(cpu_get_eflags(cpu) & EFL_IF)) {
		vm_fail(vm,
			"guest halted at EIP 0x%08x with interrupts disabled: nothing can wake it",
			cpu->halt_eip);
		return;
	}
	machine_update(vm);
	if (machine_intr(vm))
		return;
	if (!machine_wait(vm))
		vm_fail(vm,
			"guest halted at EIP 0x%08x waiting for an interrupt that no device "
			"is set up to raise",
			cpu->halt_eip);
}

/* Between two guest instructions: take an external interrupt if the guest
 * can (IF set, no interrupt shadow). */
static void interrupt_window(struct vm *vm)
{
	struct vcpu *cpu = &vm->cpu;
	if (vm->timer_fired)
		machine_update(vm);
	if (!machine_intr(vm))
		return;
	if (!(cpu_get_eflags(cpu) & EFL_IF) || cpu->irq_shadow) {
		vm->stats.irq_windows++;
		return;
	}
	int vec = machine_intack(vm);
	if (vec < 0)
		return;
	vm->stats.irqs_delivered++;
	cpu_interrupt(cpu, vec, false, 0, INT_EXTERNAL, cpu_eip(cpu));
}

/* Tell translated code whether to come back at its next poll: an interrupt
 * is waiting and the guest could take it. */
static void set_pending(struct vm *vm)
{
	struct vcpu_block *blk = vm->cpu.blk;
	blk->irq_req = machine_intr(vm);
	blk->pending = (cpu_get_eflags(&vm->cpu) & EFL_IF) && blk->irq_req;
	/* read after the store: the console's kick signal may have come just
	 * before it and had its pending flag overwritten */
	if (atomic_load(&vm->con.ready))
		blk->pending = 1;
}

/* The single-step trap after an instruction run with TF set (unless that
 * instruction raised something itself). */
static void single_step_trap(struct vm *vm, uint64_t events_before, bool db_shadow)
{
	struct vcpu *cpu = &vm->cpu;
	vm->stats.single_steps++;
	if (db_shadow)
		return; /* mov ss/pop ss: this trap comes after the next instruction */
	if (vm->stop != STOP_NONE || cpu->events != events_before)
		return;
	cpu->dr[6] |= 0x4000; /* BS */
	cpu_interrupt(cpu, 1, false, 0, INT_EXCEPTION, cpu_eip(cpu));
}

int vm_run(struct vm *vm)
{
	struct vcpu *cpu = &vm->cpu;
	struct ccf *next = NULL;
	vm->widened_segs = 0;
	while (vm->stop == STOP_NONE) {
		if (atomic_load_explicit(&vm->con.ready, memory_order_relaxed)) {
			machine_console(vm);
			if (vm->stop != STOP_NONE)
				break;
		}
		shadow_check_cpl(vm);
		if (vm->sh.code_unmapped && code_mapping_changed(vm)) {
			next = NULL; /* resolved again at blk->eip, where state is precise */
			vm->resume_host = 0;
		}
		if (!next)
			close_for_one(vm); /* no one-shot of the opening instruction follows */
		if (cpu->halted) {
			halted(vm);
			if (vm->stop != STOP_NONE)
				break;
		}
		bool shadow = cpu->irq_shadow;
		cpu->irq_shadow = cpu->db_shadow = false; /* each lasts one instruction */
		if (!next) {
			cpu->irq_shadow = shadow; /* held for interrupt_window's check */
			interrupt_window(vm);
			cpu->irq_shadow = false;
			if (cpu->halted || vm->stop != STOP_NONE)
				continue;
		}
		if (!next && vm->de.step) {
			vm->de.step = false; /* this instruction runs under BT */
		} else if (!next && de_can_run(vm)) {
			de_run(vm); /* guest ring 3 natively, in the sandbox */
			continue;
		}
		bool tf = cpu_get_eflags(cpu) & EFL_TF;
		uint64_t events = cpu->events;
		struct chain_request rq = {0};
		bool fill_ibl = false;
		struct ccf *c = next;
		if (!c)
			c = shadow || tf ? one_shot(vm, cpu_eip(cpu)) : resolve(vm, cpu_eip(cpu));
		next = NULL;
		if (!c)
			continue; /* stopped, or exceptions delivered at fetch: go on */
		ibl_check_mode(vm);
		set_pending(vm);
		machine_arm_timer(vm);
		uintptr_t pc = vm->resume_host ? vm->resume_host : (uintptr_t)c->code;
		vm->resume_host = 0;
		if (vm->de.on) {
			uint64_t t0 = machine_now_ns(vm);
			vm->be->enter(vm, pc);
			vm->stats.bt_ns += machine_now_ns(vm) - t0;
		} else {
			vm->be->enter(vm, pc);
		}
		vm->stats.exits++;
		if (vm->cfg->debug & DBG_EXITS)
			log_exit(vm);
		bool retried = vm->widened_segs != 0;
		for (int seg = SEG_ES; seg <= SEG_GS; seg++)
			if (vm->widened_segs & (1 << seg))
				seg_shadow_update(cpu, seg);
		vm->widened_segs = 0;
		if (vm->fault.valid) {
			uint64_t opens = vm->stats.open_bus_insns + vm->stats.native_write_pages;
			next = handle_fault(vm, retried);
			if (vm->stats.open_bus_insns + vm->stats.native_write_pages == opens &&
			    !vm->resume_host)
				close_for_one(vm); /* this fault opened no page: done */
			continue;
		}
		close_for_one(vm); /* an open-bus or native-write instruction just ran */
		handle_exit(vm, &rq, &fill_ibl);
		if (vm->dbg_exit.fired) {
			vm->stop = STOP_DEBUG_EXIT;
			vm->exit_status = vm->dbg_exit.status;
			break;
		}
		if (tf && c->transient)
			single_step_trap(vm, events, cpu->db_shadow);
		if (vm->stop != STOP_NONE)
			break;
		if ((!rq.from && !fill_ibl) || cpu_get_eflags(cpu) & EFL_TF || cpu->irq_shadow ||
		    cpu->halted || de_can_run(vm))
			continue; /* (ring 3 goes back to the sandbox, not on in BT) */
		next = resolve(vm, cpu_eip(cpu));
		if (!next)
			continue;
		maybe_chain(vm, &rq, next);
		if (fill_ibl && !next->transient)
			ibl_fill(vm, next);
		if (machine_intr(vm) && cpu_get_eflags(cpu) & EFL_IF)
			next = NULL; /* go through the interrupt window first */
	}
	return vm->exit_status;
}
