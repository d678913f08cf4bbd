/* emulate.h - software execution of ONE guest instruction.
 *
 * The monitor uses it when an access cannot run natively: MMIO (APIC
 * registers), a write to a write-protected guest page table (trace fault),
 * a segment we cannot load on the host; and for the 32-bit-only
 * instructions a 64-bit host cannot run at all (the x64 backend's
 * CO_EMULATE call-outs). The emulator knows nothing of the
 * vCPU: it works on a copy of the general registers, EFLAGS and EIP, and
 * reaches guest memory only through the two callbacks of struct emu_ops,
 * which do segmentation, paging and MMIO dispatch.
 *
 * Handled (32-bit code; 16-bit operand/address size by prefix, or as the
 * decoder's effective sizes in 16-bit code), every form with a memory operand:
 *   mov 88/89/8A/8B/C6/C7, A0-A3 (moffs); movzx/movsx 0F B6/B7/BE/BF;
 *   add/or/adc/sbb/and/sub/xor/cmp 00-3B, 80-83; test 84/85, F6/F7 /0 /1;
 *   not/neg F6/F7 /2 /3; inc/dec FE/FF /0 /1; xchg 86/87; xadd 0F C0/C1;
 *   cmpxchg 0F B0/B1; cmpxchg8b 0F C7 /1; bt/bts/btr/btc 0F A3/AB/B3/BB and
 *   0F BA /4-/7; rol/ror/rcl/rcr/shl/shr/sar D0-D3, C0/C1; setcc 0F 90-9F;
 *   push FF /6, pop 8F /0, call FF /2, jmp FF /4 (near, through memory);
 *   movs/cmps/stos/lods/scas A4-AF with rep/repe/repne, either DF;
 *   bound 62 (#BR when out of range).
 * And without a memory operand (or with only stack accesses):
 *   daa 27, das 2F, aaa 37, aas 3F, aam D4 ib (#DE for 0), aad D5 ib,
 *   salc D6; inc/dec reg 40-4F; push/pop reg 50-5F, push imm 68/6A;
 *   pusha/popa 60/61; enter C8 (any level), leave C9; sahf 9E, lahf 9F.
 * Stack accesses go through SS with ESP, or SP alone when stack32 is
 * clear; push %esp pushes the value before the push, pop %esp loads the
 * popped value. into (CE) is not here: the translators' CO_INTO does it.
 *
 * Flags are the architectural ones. Where Intel's SDM leaves a flag
 * undefined the emulator produces what current Intel cores do (measured):
 * AF = 0 after and/or/xor/test and after shifts by a nonzero count; OF of a
 * shift or rotate by more than 1 = the OF a shift or rotate by 1 of the same
 * operand would give; CF of an 8/16-bit shl/shr by >= the width = the last
 * bit out of a 32-bit shifter (shl by 8 of a byte: its bit 0; beyond: 0);
 * bt/bts/btr/btc leave OF, SF, AF, PF unchanged; rcl/rcr of an 8/16-bit
 * operand by a multiple of 9/17 change nothing. The BCD instructions
 * follow QEMU instead (tests/guests/bcd.expect, recorded under QEMU and
 * checked on AMD hardware): daa/das clear OF; aaa/aas (AX + 106h / AX -
 * 106h, the current SDM form) change only AF and CF; aam/aad clear OF,
 * AF and CF.
 *
 * Read-modify-write instructions always write their destination back, as
 * the processor's locked cycles do: cmpxchg/cmpxchg8b write the old value
 * when the comparison fails, shifts by a zero count rewrite the operand.
 * The lock prefix is accepted (single vCPU: every emulated access is atomic)
 * on the instructions that allow it and is #UD on the others. */
#ifndef BTVMM_EMULATE_H
#define BTVMM_EMULATE_H

#include <stdbool.h>
#include <stdint.h>

struct xinsn;

/* Not an instruction (form) this emulator handles; nothing changed. */
/* EFLAGS bits in struct emu_regs.eflags */
#define F_CF 0x0001u
#define F_PF 0x0004u
#define F_AF 0x0010u
#define F_ZF 0x0040u
#define F_SF 0x0080u
#define F_DF 0x0400u
#define F_OF 0x0800u
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

#define EMU_UNSUPPORTED (-1)

/* emu_insn's return for #DE (aam with a zero base): vector 0, which the
 * 0 that means "done" cannot carry. Every exception return is > 0 and
 * its low byte is the vector. */
#define EMU_DE 0x100

/* A rep string instruction runs at most this many iterations per call. If
 * more remain, emu_insn returns 0 with the completed iterations committed
 * and EIP left at the instruction (= in->eip), exactly as the processor
 * does when it takes an interrupt between iterations: resuming the guest
 * re-executes it (natively, or emulated again). A large rep stos that only
 * touches one traced page thus does not run entirely in software. */
#define EMU_REP_CHUNK 4096

struct emu_ops {
	/* Guest access through segment seg (SEG_ES..SEG_GS, 0..5, as in
	 * decode.h) at offset off, of size 1, 2, 4 or 8 bytes, little-endian
	 * in buf. Return 0, or an exception vector (e.g. 13, 12, 14) that
	 * aborts the instruction; the callee records any error code / CR2. */
	int (*read)(void *ctx, int seg, uint32_t off, void *buf, int size);
	int (*write)(void *ctx, int seg, uint32_t off, const void *buf, int size);
	void *ctx;
};

struct emu_regs {
	uint32_t gpr[8]; /* eax, ecx, edx, ebx, esp, ebp, esi, edi */
	uint32_t eflags;
	uint32_t eip;
	bool stack32; /* SS.B: push/pop use ESP (else SP) */
};

/* Executes in (decoded with xdecode) on r through ops. Returns
 *   0: done; registers, flags and EIP (in->next, or a call/jmp target, or
 *      in->eip for a rep string instruction cut after EMU_REP_CHUNK
 *      iterations) updated;
 *   EMU_UNSUPPORTED: not handled (also register-only forms not listed
 *      above); r unchanged;
 *   an exception > 0, its vector in the low byte: what ops returned, 6
 *      (#UD) for a lock prefix where none is allowed, 5 (#BR) from bound,
 *      EMU_DE (#DE) from aam 0; all faults. r is unchanged and so is
 *      memory, except for writes made before the faulting access of the
 *      same instruction (none for most instructions above, which read all
 *      before they write and write once; pusha writes the two ends of its
 *      range first, so only a fault at the second end follows a write;
 *      enter writes as it goes), and that for a rep string instruction
 *      ECX/ESI/EDI (and the flags of cmps/scas) reflect the iterations
 *      completed before the fault, as the processor leaves them. EIP stays
 *      at the instruction. Stack writes that a fault leaves behind lie
 *      below ESP and are rewritten when the instruction restarts. */
int emu_insn(const struct xinsn *in, struct emu_regs *r, const struct emu_ops *ops);

/* Whether emu_insn handles in (some form, whatever the registers): a dry
 * run on throw-away registers whose every memory access faults, so
 * nothing is touched. True for every instruction listed above, including
 * aam 0 (which always raises #DE) and a lock-prefixed one (#UD). */
bool emu_handles(const struct xinsn *in);

#endif
