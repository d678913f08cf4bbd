/* soft.c - one guest instruction executed in software.
 *
 * The emulator (mmu/emulate.c) works on a copy of the registers and calls
 * back for every memory access. Here those accesses get the guest's own
 * segment checks (limit, expand-down, rights) and go to guest-physical
 * memory as a PC would, through the guest's page tables when paging is on:
 * RAM, then the MMIO devices (local APIC, IOAPIC), then nothing (reads all
 * ones, writes dropped). Writes tell SMC and the shadow page tables. */
#include "soft.h"

#include <stdio.h>
#include <string.h>

#include "cpu.h"
#include "emulate.h"
#include "gmem.h"
#include "smc.h"
#include "vm.h"
#include "walk.h"

static int phys_read(struct vm *vm, uint32_t pa, void *buf, int size)
{
	void *p = gpa_ptr(&vm->mem, pa, (uint64_t)size);
	if (p) {
		memcpy(buf, p, (size_t)size);
		return 0;
	}
	uint64_t v = mmio_read(&vm->mmio, pa, size);
	memcpy(buf, &v, (size_t)size);
	return 0;
}

static int phys_write(struct vm *vm, uint32_t pa, const void *buf, int size)
{
	void *p = gpa_ptr(&vm->mem, pa, (uint64_t)size);
	if (p) {
		memcpy(p, buf, (size_t)size);
		smc_notify_write(vm, pa, (uint32_t)size);
		shadow_pt_written(vm, pa, (uint32_t)size); /* a trace fault's write */
		return 0;
	}
	uint64_t v = 0;
	memcpy(&v, buf, (size_t)size);
	mmio_write(&vm->mmio, pa, size, v);
	return 0;
}

/* A linear access: translated through the guest's page tables when paging
 * is on (an access crossing a page is split), then to RAM, a device or
 * nothing. Returns 0 or 14 (#PF, recorded in the vCPU). */
static int linear_access(struct vm *vm, uint32_t lin, void *buf, int size, bool write)
{
	struct vcpu *cpu = &vm->cpu;
	unsigned acc = (write ? ACC_WRITE : 0) | (cpu->cpl == 3 ? ACC_USER : 0);
	uint8_t *b = buf;
	while (size > 0) {
		int chunk = (int)(PAGE_SIZE - (lin & (PAGE_SIZE - 1)));
		if (chunk > size)
			chunk = size;
		uint32_t pa;
		int r = mmu_translate(cpu, lin, acc, &pa);
		if (r)
			return r;
		/* a chunk inside RAM or one device goes whole, else byte by byte */
		bool whole = gpa_ptr(&vm->mem, pa, (uint64_t)chunk) || mmio_find(&vm->mmio, pa);
		for (int i = 0; i < chunk; i += whole ? chunk : 1) {
			int n = whole ? chunk : 1;
			if (write)
				phys_write(vm, pa + (uint32_t)i, b + i, n);
			else
				phys_read(vm, pa + (uint32_t)i, b + i, n);
		}
		lin += (uint32_t)chunk;
		b += chunk;
		size -= chunk;
	}
	return 0;
}

static int emu_read(void *ctx, int seg, uint32_t off, void *buf, int size)
{
	struct vm *vm = ctx;
	int vec = gmem_seg_check(&vm->cpu, seg, off, (uint32_t)size, false);
	if (vec)
		return vec;
	return linear_access(vm, vm->cpu.seg[seg].base + off, buf, size, false);
}

static int emu_write(void *ctx, int seg, uint32_t off, const void *buf, int size)
{
	struct vm *vm = ctx;
	int vec = gmem_seg_check(&vm->cpu, seg, off, (uint32_t)size, true);
	if (vec)
		return vec;
	return linear_access(vm, vm->cpu.seg[seg].base + off, (void *)buf, size, true);
}

int soft_exec_insn(struct vm *vm, const struct xinsn *in)
{
	struct vcpu *cpu = &vm->cpu;
	struct emu_regs r;
	cpu_get_gprs(cpu, r.gpr);
	r.eflags = cpu_get_eflags(cpu);
	r.eip = in->eip;
	r.stack32 = cpu->seg[SEG_SS].attr & SEG_ATTR_DB;
	struct emu_ops ops = {emu_read, emu_write, vm};
	int rc = emu_insn(in, &r, &ops);
	if (rc == EMU_UNSUPPORTED)
		return -1;
	vm->stats.soft_insns++;
	if (rc > 0) { /* a fault; the low byte is the vector (EMU_DE: 0) */
		cpu_exception(cpu, rc & 0xff, 0, in->eip);
		return 0;
	}
	cpu_set_gprs(cpu, r.gpr);
	cpu_set_eflags(cpu, r.eflags, EFL_ARITH_DF);
	cpu_set_eip(cpu, r.eip);
	return 0;
}

static int decode_at_eip(struct vm *vm, struct xinsn *in)
{
	struct vcpu *cpu = &vm->cpu;
	uint32_t eip = cpu_eip(cpu), avail;
	uint32_t lin = cpu->seg[SEG_CS].base + eip;
	const uint8_t *code = gmem_code_ptr(cpu, lin, &avail, NULL);
	int r = code ? xdecode(&vm->xl.dec, code, avail, eip, in) : -1;
	if (r == -2) {
		/* it runs into the next page, which paging may put anywhere */
		uint8_t bytes[16];
		if (gmem_fetch(cpu, lin, bytes, sizeof(bytes)))
			return -1;
		r = xdecode(&vm->xl.dec, bytes, sizeof(bytes), eip, in);
	}
	return r ? -1 : 0;
}

int soft_exec(struct vm *vm)
{
	struct xinsn in;
	if (decode_at_eip(vm, &in))
		return -1;
	return soft_exec_insn(vm, &in);
}

void soft_insn_text(struct vm *vm, char *buf, int n)
{
	struct xinsn in;
	snprintf(buf, (size_t)n, "%s",
		 decode_at_eip(vm, &in) ? "an undecodable instruction" : in.text);
}
