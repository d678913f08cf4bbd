/* soft.c - one guest instruction executed in software.
 *
 * The emulator (mmu/emulate.c) works on a copy of the registers and calls
 * back for every memory access. Here those accesses get the guest's own
 * segment checks (limit, expand-down, rights) and go to guest-physical
 * memory as a PC would: RAM, then the MMIO devices (local APIC, IOAPIC),
 * then nothing (reads all ones, writes dropped). Paging is off, so the
 * linear address is the physical address. */
#include "soft.h"

#include <string.h>

#include "cpu.h"
#include "emulate.h"
#include "gmem.h"
#include "smc.h"
#include "vm.h"

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
		return 0;
	}
	uint64_t v = 0;
	memcpy(&v, buf, (size_t)size);
	mmio_write(&vm->mmio, pa, size, v);
	return 0;
}

/* Accesses that straddle the end of RAM or a device go byte by byte. */
static int emu_read(void *ctx, int seg, uint32_t off, void *buf, int size)
{
	struct vm *vm = ctx;
	int vec = gmem_seg_check(&vm->cpu, seg, off, (uint32_t)size, false);
	if (vec)
		return vec;
	uint32_t lin = vm->cpu.seg[seg].base + off;
	if (gpa_ptr(&vm->mem, lin, (uint64_t)size) || mmio_find(&vm->mmio, lin))
		return phys_read(vm, lin, buf, size);
	for (int i = 0; i < size; i++)
		phys_read(vm, lin + (uint32_t)i, (uint8_t *)buf + i, 1);
	return 0;
}

static int emu_write(void *ctx, int seg, uint32_t off, const void *buf, int size)
{
	struct vm *vm = ctx;
	int vec = gmem_seg_check(&vm->cpu, seg, off, (uint32_t)size, true);
	if (vec)
		return vec;
	uint32_t lin = vm->cpu.seg[seg].base + off;
	if (gpa_ptr(&vm->mem, lin, (uint64_t)size) || mmio_find(&vm->mmio, lin))
		return phys_write(vm, lin, buf, size);
	for (int i = 0; i < size; i++)
		phys_write(vm, lin + (uint32_t)i, (const uint8_t *)buf + i, 1);
	return 0;
}

int soft_exec_insn(struct vm *vm, const struct xinsn *in)
{
	struct vcpu *cpu = &vm->cpu;
	struct vcpu_block *blk = cpu->blk;
	struct emu_regs r;
	memcpy(r.gpr, blk->gpr, sizeof(r.gpr));
	r.eflags = cpu_get_eflags(cpu);
	r.eip = in->eip;
	r.stack32 = cpu->seg[SEG_SS].attr & SEG_ATTR_DB;
	struct emu_ops ops = {emu_read, emu_write, vm};
	int rc = emu_insn(in, &r, &ops);
	if (rc == EMU_UNSUPPORTED)
		return -1;
	vm->stats.soft_insns++;
	if (rc > 0) {
		cpu_exception(cpu, rc, 0, in->eip);
		return 0;
	}
	memcpy(blk->gpr, r.gpr, sizeof(r.gpr));
	cpu_set_eflags(cpu, r.eflags, EFL_ARITH_DF);
	blk->eip = r.eip;
	return 0;
}

int soft_exec(struct vm *vm)
{
	struct vcpu *cpu = &vm->cpu;
	uint32_t eip = cpu->blk->eip, avail;
	const uint8_t *code = gmem_code_ptr(cpu, cpu->seg[SEG_CS].base + eip, &avail, NULL);
	struct xinsn in;
	if (!code || xdecode(&vm->xl.dec, code, avail, eip, &in))
		return -1;
	return soft_exec_insn(vm, &in);
}
