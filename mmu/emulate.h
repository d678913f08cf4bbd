/* emulate.h - software execution of ONE memory-touching guest instruction.
 *
 * The monitor uses it when an access cannot run natively: MMIO (APIC
 * registers), a write to a write-protected guest page table (trace fault),
 * a segment we cannot load on the host. The emulator knows nothing of the
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
 *   movs/cmps/stos/lods/scas A4-AF with rep/repe/repne, either DF.
 *
 * Flags are the architectural ones. Where Intel's SDM leaves a flag
 * undefined the emulator produces what current Intel cores do (measured):
 * AF = 0 after and/or/xor/test and after shifts by a nonzero count; OF of a
 * shift or rotate by more than 1 = the OF a shift or rotate by 1 of the same
 * operand would give; CF of an 8/16-bit shl/shr by >= the width = the last
 * bit out of a 32-bit shifter (shl by 8 of a byte: its bit 0; beyond: 0);
 * bt/bts/btr/btc leave OF, SF, AF, PF unchanged; rcl/rcr of an 8/16-bit
 * operand by a multiple of 9/17 change nothing.
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
#define EMU_UNSUPPORTED (-1)

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
 *   EMU_UNSUPPORTED: not handled (also register-only forms); r unchanged;
 *   a vector > 0: the exception ops returned, or 6 (#UD) for a misplaced
 *      lock prefix. r is unchanged and so is memory, except for writes
 *      made before the faulting access of the same instruction (none for
 *      the instructions above, which read all before they write and write
 *      once), and that for a rep string instruction ECX/ESI/EDI (and the
 *      flags of cmps/scas) reflect the iterations completed before the
 *      fault, as the processor leaves them. EIP stays at the instruction. */
int emu_insn(const struct xinsn *in, struct emu_regs *r, const struct emu_ops *ops);

/* Whether emu_insn handles in (some form, whatever the registers): a dry
 * run whose every memory access faults, so nothing is touched. */
bool emu_handles(const struct xinsn *in);

#endif
