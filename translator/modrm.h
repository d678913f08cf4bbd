/* modrm.h - ModRM/SIB memory operands (Intel SDM vol. 2, 2.1.5): parsing
 * the bytes and computing the effective address. One implementation for
 * the monitor's call-out emulation (src/operand.c) and the instruction
 * emulator (mmu/emulate.c). */
#ifndef BTVMM_MODRM_H
#define BTVMM_MODRM_H

#include <stdbool.h>
#include <stdint.h>

/* x86 general-register numbers: the ModRM reg/rm encoding, and the order of
 * the guest's registers everywhere (cpu_gpr(), struct vcpu_block's gpr[],
 * the emulator's struct emu_regs). */
enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };

struct modrm {
	int mod, reg, rm;
	int sib;       /* the SIB byte, -1 if none */
	uint32_t disp; /* sign-extended disp8, disp16 or disp32; 0 if none */
	int len;       /* bytes from the ModRM byte through the displacement */
};

/* Parse the ModRM at p[0] (avail bytes there) for 16- or 32-bit
 * addressing. Returns 0, or -1 if the bytes end inside the operand. */
int modrm_parse(const uint8_t *p, int avail, bool addr16, struct modrm *m);

/* The effective address (the offset in its segment) of a memory form
 * (mod != 3), from the general registers gpr[8] (eax..edi); *dseg gets the
 * default segment, SEG_SS for EBP/ESP-based forms and else SEG_DS (an
 * override prefix is the caller's business). 16-bit addresses wrap at 64
 * KiB. */
uint32_t modrm_ea(const struct modrm *m, bool addr16, const uint32_t *gpr, int *dseg);

#endif
