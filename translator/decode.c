/* decode.c - decode one guest instruction with Capstone and classify it.
 *
 * Guest kernel (ring 0) code runs natively at host CPL 3. An instruction may
 * be copied verbatim (XC_IDENT) only if it behaves the same there: it must
 * not depend on CPL, IOPL, the real IF, the real CS/SS selectors, descriptor
 * tables or control/debug registers, must not trap on the host where the
 * guest expects it to work, must not reveal host state, and must not encode
 * a position-relative target (the copy runs at another address). Everything
 * else is rewritten (branches), emulated in the cache (cli/sti/pushf/popf,
 * segment reads) or handed to the monitor (call-outs).
 *
 * Classification is driven by an explicit table indexed by Capstone
 * instruction id (rules[]), refined by the opcode bytes where one id covers
 * both a harmless and a sensitive form (mov, push, pop, jmp, call). Capstone's
 * groups serve only as a safety net: an id they call privileged or control
 * flow that is missing from the table comes out XC_UNSUPPORTED, never IDENT.
 * Two encoding rules sit beside the table: VEX/EVEX/XOP vector instructions
 * raise #UD (the virtual CPU has no XSAVE/AVX; its XCR0 is virtual), and a
 * memory access through a %cs override is XC_UNSUPPORTED (translated code
 * runs in the host's CS, so the guest CS base and limit would be ignored).
 *
 * Capstone 4.0.2 quirks handled here: it accepts `mov ...,%cs` (8E /1) and
 * some lock prefixes the CPU rejects, which must raise #UD; its prefix[]
 * array drops prefixes it folds into the opcode (f3 c3, f3 0f 1e fb) and does
 * not say where the segment override is, so the legacy prefixes are scanned
 * here from the raw bytes. Intel syntax (Capstone's default) is assumed: AT&T
 * would reverse the operand array that the lock check reads.
 */
#include "decode.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

/* Architectural limit: longer instructions raise #GP, Capstone rejects them. */
#define X86_MAX_INSN_LEN 15

/* What to do with a Capstone instruction id. Ids not in rules[] are H_IDENT. */
enum how {
	H_IDENT = 0,
	H_CALLOUT, /* always a call-out; rule.co says which */
	H_JMP,	   /* jmp rel8/rel16/rel32 or jmp r/m (FF /4) */
	H_CALL,	   /* call rel16/rel32 or call r/m (FF /2) */
	H_JCC,
	H_JCXZ,
	H_LOOP,
	H_RET,
	H_MOV,	/* special only in its sreg / crN / drN forms */
	H_PUSH, /* special only for push %sreg */
	H_POP,	/* special only for pop %sreg */
	H_PUSHF,
	H_POPF,
	H_CLI,
	H_STI,
	H_VEX_GPR, /* VEX/XOP-encoded but touches only GPRs and flags */
	H_UNSUP64, /* exists only in 64-bit mode */
};

struct rule {
	uint8_t how;
	uint8_t co; /* enum callout_kind, for H_CALLOUT */
};

/* One id per line reads better than a reflowed table. */
/* clang-format off */
#define CALLOUT(id, kind) [X86_INS_##id] = {H_CALLOUT, kind}
#define RULE(id, h) [X86_INS_##id] = {h, CO_NONE}

static const struct rule rules[X86_INS_ENDING] = {
	/* port I/O: the monitor owns every device */
	CALLOUT(IN, CO_IN),
	CALLOUT(OUT, CO_OUT),
	CALLOUT(INSB, CO_INS),
	CALLOUT(INSW, CO_INS),
	CALLOUT(INSD, CO_INS),
	CALLOUT(OUTSB, CO_OUTS),
	CALLOUT(OUTSW, CO_OUTS),
	CALLOUT(OUTSD, CO_OUTS),

	/* privileged: would #GP at CPL 3, or act on the host's state */
	CALLOUT(HLT, CO_HLT),
	CALLOUT(RDMSR, CO_RDMSR),
	CALLOUT(WRMSR, CO_WRMSR),
	CALLOUT(CLTS, CO_CLTS),
	CALLOUT(LMSW, CO_LMSW),
	CALLOUT(LGDT, CO_LGDT),
	CALLOUT(LIDT, CO_LIDT),
	CALLOUT(LLDT, CO_LLDT),
	CALLOUT(LTR, CO_LTR),
	CALLOUT(INVLPG, CO_INVLPG),
	CALLOUT(INVD, CO_INVD),
	CALLOUT(WBINVD, CO_INVD),

	/* unprivileged but would reveal host state (or the virtual CPU's
	 * answer differs from the host's) */
	CALLOUT(CPUID, CO_CPUID),
	CALLOUT(RDTSC, CO_RDTSC),
	CALLOUT(RDTSCP, CO_RDTSCP),
	CALLOUT(SMSW, CO_SMSW),
	CALLOUT(SGDT, CO_SGDT),
	CALLOUT(SIDT, CO_SIDT),
	CALLOUT(SLDT, CO_SLDT),
	CALLOUT(STR, CO_STR),
	CALLOUT(LAR, CO_LAR),
	CALLOUT(LSL, CO_LSL),
	CALLOUT(VERR, CO_VERR),
	CALLOUT(VERW, CO_VERW),
	CALLOUT(ARPL, CO_ARPL),

	/* far transfers, interrupts and system calls go through descriptors */
	CALLOUT(LJMP, CO_FAR_JMP),
	CALLOUT(LCALL, CO_FAR_CALL),
	CALLOUT(RETF, CO_FAR_RET),
	CALLOUT(IRET, CO_IRET),
	CALLOUT(IRETD, CO_IRET),
	CALLOUT(INT, CO_INT),
	CALLOUT(INT1, CO_INT), /* F1 (icebp): the monitor tells it by the byte */
	CALLOUT(INT3, CO_INT3),
	CALLOUT(INTO, CO_INTO),
	CALLOUT(SYSENTER, CO_SYSENTER),
	CALLOUT(SYSEXIT, CO_SYSENTER),
	CALLOUT(SYSCALL, CO_SYSENTER),
	CALLOUT(SYSRET, CO_SYSENTER),

	/* segment loads read the guest's descriptor tables */
	CALLOUT(LDS, CO_SEG_LOAD),
	CALLOUT(LES, CO_SEG_LOAD),
	CALLOUT(LFS, CO_SEG_LOAD),
	CALLOUT(LGS, CO_SEG_LOAD),
	CALLOUT(LSS, CO_SEG_LOAD),

	/* #UD by definition */
	CALLOUT(UD2, CO_UD),
	CALLOUT(UD2B, CO_UD), /* Capstone's name for 0F B9 (ud1) */
	CALLOUT(UD0, CO_UD),

	/* features the virtual CPU does not have: raise #UD as such a CPU
	 * would, instead of running the host's implementation (which would
	 * trap at CPL 3 or expose host state). CPUID must agree. */
	CALLOUT(MONITOR, CO_UD),
	CALLOUT(MWAIT, CO_UD),
	CALLOUT(RDPMC, CO_RDPMC),
	CALLOUT(SWAPGS, CO_UD), /* 64-bit only: #UD in 32-bit code anyway */
	CALLOUT(XGETBV, CO_UD), /* XCR0 is virtual: no XSAVE/AVX */
	CALLOUT(XSETBV, CO_UD),
	CALLOUT(XSAVE, CO_UD), /* the area layout follows the host's XCR0 */
	CALLOUT(XSAVEC, CO_UD),
	CALLOUT(XSAVEOPT, CO_UD),
	CALLOUT(XSAVES, CO_UD),
	CALLOUT(XRSTOR, CO_UD),
	CALLOUT(XRSTORS, CO_UD),
	CALLOUT(XBEGIN, CO_UD), /* RTM; its abort target is EIP-relative */
	CALLOUT(XABORT, CO_UD),
	CALLOUT(XEND, CO_UD),
	CALLOUT(XTEST, CO_UD),
	CALLOUT(CLAC, CO_UD), /* SMAP */
	CALLOUT(STAC, CO_UD),
	CALLOUT(ENCLS, CO_UD), /* SGX */
	CALLOUT(ENCLU, CO_UD),
	CALLOUT(GETSEC, CO_UD), /* SMX */
	CALLOUT(RSM, CO_UD),    /* #UD outside SMM */
	CALLOUT(INVPCID, CO_UD),
	/* VMX and SVM */
	CALLOUT(INVEPT, CO_UD),
	CALLOUT(INVVPID, CO_UD),
	CALLOUT(VMCALL, CO_UD),
	CALLOUT(VMCLEAR, CO_UD),
	CALLOUT(VMFUNC, CO_UD),
	CALLOUT(VMLAUNCH, CO_UD),
	CALLOUT(VMPTRLD, CO_UD),
	CALLOUT(VMPTRST, CO_UD),
	CALLOUT(VMREAD, CO_UD),
	CALLOUT(VMRESUME, CO_UD),
	CALLOUT(VMWRITE, CO_UD),
	CALLOUT(VMXOFF, CO_UD),
	CALLOUT(VMXON, CO_UD),
	CALLOUT(VMRUN, CO_UD),
	CALLOUT(VMLOAD, CO_UD),
	CALLOUT(VMSAVE, CO_UD),
	CALLOUT(VMMCALL, CO_UD),
	CALLOUT(STGI, CO_UD),
	CALLOUT(CLGI, CO_UD),
	CALLOUT(SKINIT, CO_UD),
	CALLOUT(INVLPGA, CO_UD),

	/* near control flow: rewritten by the translator */
	RULE(JMP, H_JMP),
	RULE(CALL, H_CALL),
	RULE(RET, H_RET),
	RULE(JO, H_JCC),
	RULE(JNO, H_JCC),
	RULE(JB, H_JCC),
	RULE(JAE, H_JCC),
	RULE(JE, H_JCC),
	RULE(JNE, H_JCC),
	RULE(JBE, H_JCC),
	RULE(JA, H_JCC),
	RULE(JS, H_JCC),
	RULE(JNS, H_JCC),
	RULE(JP, H_JCC),
	RULE(JNP, H_JCC),
	RULE(JL, H_JCC),
	RULE(JGE, H_JCC),
	RULE(JLE, H_JCC),
	RULE(JG, H_JCC),
	RULE(JCXZ, H_JCXZ),
	RULE(JECXZ, H_JCXZ),
	RULE(LOOP, H_LOOP),
	RULE(LOOPE, H_LOOP),
	RULE(LOOPNE, H_LOOP),

	/* ids whose sensitivity depends on the encoding */
	RULE(MOV, H_MOV),
	RULE(PUSH, H_PUSH),
	RULE(POP, H_POP),

	/* IF and IOPL are virtual */
	RULE(PUSHF, H_PUSHF),
	RULE(PUSHFD, H_PUSHF),
	RULE(POPF, H_POPF),
	RULE(POPFD, H_POPF),
	RULE(CLI, H_CLI),
	RULE(STI, H_STI),

	/* BMI1/BMI2/TBM: VEX or XOP encoded, but they need no XSAVE state, so
	 * they run natively like any ALU instruction */
	RULE(ANDN, H_VEX_GPR),
	RULE(BEXTR, H_VEX_GPR),
	RULE(BLSI, H_VEX_GPR),
	RULE(BLSMSK, H_VEX_GPR),
	RULE(BLSR, H_VEX_GPR),
	RULE(BZHI, H_VEX_GPR),
	RULE(MULX, H_VEX_GPR),
	RULE(PDEP, H_VEX_GPR),
	RULE(PEXT, H_VEX_GPR),
	RULE(RORX, H_VEX_GPR),
	RULE(SARX, H_VEX_GPR),
	RULE(SHLX, H_VEX_GPR),
	RULE(SHRX, H_VEX_GPR),
	RULE(BLCFILL, H_VEX_GPR),
	RULE(BLCI, H_VEX_GPR),
	RULE(BLCIC, H_VEX_GPR),
	RULE(BLCMSK, H_VEX_GPR),
	RULE(BLCS, H_VEX_GPR),
	RULE(BLSFILL, H_VEX_GPR),
	RULE(BLSIC, H_VEX_GPR),
	RULE(T1MSKC, H_VEX_GPR),
	RULE(TZMSK, H_VEX_GPR),

	/* 64-bit only: Capstone should never produce these in 16/32-bit
	 * mode, listed so that a decoder bug cannot make them IDENT */
	RULE(IRETQ, H_UNSUP64),
	RULE(RETFQ, H_UNSUP64),
	RULE(PUSHFQ, H_UNSUP64),
	RULE(POPFQ, H_UNSUP64),
	RULE(JRCXZ, H_UNSUP64),
	RULE(CMPXCHG16B, H_UNSUP64),
	RULE(MOVSXD, H_UNSUP64),
	RULE(CDQE, H_UNSUP64),
	RULE(CQO, H_UNSUP64),
	RULE(LODSQ, H_UNSUP64),
	RULE(STOSQ, H_UNSUP64),
	RULE(MOVSQ, H_UNSUP64),
	RULE(CMPSQ, H_UNSUP64),
	RULE(SCASQ, H_UNSUP64),
	RULE(RDFSBASE, H_UNSUP64),
	RULE(RDGSBASE, H_UNSUP64),
	RULE(WRFSBASE, H_UNSUP64),
	RULE(WRGSBASE, H_UNSUP64),
	RULE(FXSAVE64, H_UNSUP64),
	RULE(FXRSTOR64, H_UNSUP64),
	RULE(XSAVE64, H_UNSUP64),
	RULE(XRSTOR64, H_UNSUP64),
	RULE(XSAVEC64, H_UNSUP64),
	RULE(XSAVEOPT64, H_UNSUP64),
	RULE(XSAVES64, H_UNSUP64),
	RULE(XRSTORS64, H_UNSUP64),
};

/* Instructions that accept a lock prefix (with a memory destination). */
static const bool lockable[X86_INS_ENDING] = {
	[X86_INS_ADD] = true, [X86_INS_ADC] = true, [X86_INS_AND] = true,
	[X86_INS_BTC] = true, [X86_INS_BTR] = true, [X86_INS_BTS] = true,
	[X86_INS_CMPXCHG] = true, [X86_INS_CMPXCHG8B] = true,
	[X86_INS_DEC] = true, [X86_INS_INC] = true, [X86_INS_NEG] = true,
	[X86_INS_NOT] = true, [X86_INS_OR] = true, [X86_INS_SBB] = true,
	[X86_INS_SUB] = true, [X86_INS_XOR] = true, [X86_INS_XADD] = true,
	[X86_INS_XCHG] = true,
};
/* clang-format on */

/* Legacy prefixes as they appear in the bytes (Capstone's prefix[] loses
 * some and never gives positions). */
struct prefixes {
	uint8_t count; /* prefix bytes before the opcode */
	bool lock, rep, opsize, addrsize;
	int8_t seg_off; /* the last segment override wins on real CPUs */
	uint8_t seg;
};

static void scan_prefixes(const uint8_t *b, unsigned len, struct prefixes *p)
{
	unsigned i;

	memset(p, 0, sizeof(*p));
	p->seg_off = -1;
	for (i = 0; i < len; i++) {
		switch (b[i]) {
		case 0xf0: p->lock = true; break;
		case 0xf2:
		case 0xf3: p->rep = true; break;
		case 0x66: p->opsize = true; break;
		case 0x67: p->addrsize = true; break;
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
		case 0x64:
		case 0x65:
			p->seg_off = (int8_t)i;
			p->seg = b[i];
			break;
		default: p->count = (uint8_t)i; return;
		}
	}
	p->count = (uint8_t)len;
}

/* Everything classify() needs besides the output. */
struct dctx {
	const cs_insn *insn;
	struct prefixes pfx;
	uint8_t op;  /* first opcode byte */
	uint8_t op2; /* second opcode byte (after 0F), else 0 */
};

/* ModRM of the one-byte opcodes looked at here (8C, 8E, FF): it always
 * follows the opcode directly. */
static uint8_t modrm_1byte(const struct xinsn *x, const struct dctx *c)
{
	return x->bytes[c->pfx.count + 1];
}

static void set_callout(struct xinsn *x, enum callout_kind co)
{
	x->cls = XC_CALLOUT;
	x->co = co;
	x->ends_block = true;
}

static void set_unsupported(struct xinsn *x, const char *why)
{
	x->cls = XC_UNSUPPORTED;
	x->why = why;
	x->ends_block = true;
}

/* Little-endian, sign-extended read of the last n bytes: relative branch
 * displacements and ret's imm16 are always the instruction's tail. */
static int32_t tail_imm(const struct xinsn *x, unsigned n)
{
	const uint8_t *p = x->bytes + x->len - n;

	switch (n) {
	case 1: return (int8_t)p[0];
	case 2: return (int16_t)(p[0] | p[1] << 8);
	default:
		return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				 (uint32_t)p[3] << 24);
	}
}

/* Target of a direct branch. The displacement is rel8 for the short forms
 * and rel16/rel32 (by operand size) for E8, E9 and 0F 8x; a 16-bit operand
 * size also truncates the new EIP to 16 bits, as the CPU does. */
static uint32_t rel_target(const struct xinsn *x, const struct dctx *c)
{
	bool relz = c->op == 0x0f || c->op == 0xe8 || c->op == 0xe9;
	unsigned n = relz ? (x->opsize16 ? 2 : 4) : 1;
	uint32_t t = x->next + (uint32_t)tail_imm(x, n);

	return x->opsize16 ? t & 0xffff : t;
}

static void classify_branch(struct xinsn *x, const struct dctx *c, enum how how)
{
	x->ends_block = true;
	switch (how) {
	case H_JMP:
	case H_CALL:
		if (c->op == 0xff) {
			/* FF /4 or FF /2; the far forms have their own ids */
			x->cls = how == H_JMP ? XC_JMP_IND : XC_CALL_IND;
			x->modrm_off = c->pfx.count + 1;
			return;
		}
		x->cls = how == H_JMP ? XC_JMP : XC_CALL;
		break;
	case H_JCC:
		x->cls = XC_JCC;
		x->cc = (c->op == 0x0f ? c->op2 : c->op) & 0x0f;
		break;
	case H_JCXZ: x->cls = XC_JCXZ; break;
	case H_LOOP:
		x->cls = XC_LOOP;
		x->loop_kind = c->op - 0xe0; /* E0 loopne, E1 loope, E2 loop */
		break;
	default: /* H_RET */
		x->cls = XC_RET;
		x->ret_pop = c->op == 0xc2 ? (uint16_t)tail_imm(x, 2) : 0;
		return;
	}
	x->target = rel_target(x, c);
}

/* mov: only the segment and control/debug register forms are special.
 * Returns -1 for encodings the CPU rejects but Capstone 4 accepts. */
static int classify_mov(struct xinsn *x, const struct dctx *c)
{
	uint8_t modrm;

	switch (c->op) {
	case 0x8c: /* mov %sreg, r/m16 (r32 zero-extended) */
		modrm = modrm_1byte(x, c);
		x->sreg = (modrm >> 3) & 7;
		if (x->sreg > SEG_GS)
			return -1;
		if ((modrm >> 6) == 3) {
			/* emulated inline: the real selector is the host's */
			x->cls = XC_SEG_READ;
			x->dest_reg = modrm & 7;
		} else {
			set_callout(x, CO_SEG_READ);
		}
		return 0;
	case 0x8e: /* mov r/m16, %sreg */
		modrm = modrm_1byte(x, c);
		x->sreg = (modrm >> 3) & 7;
		if (x->sreg == SEG_CS || x->sreg > SEG_GS)
			return -1;
		set_callout(x, CO_SEG_LOAD);
		return 0;
	case 0x0f:
		switch (c->op2) {
		case 0x20: set_callout(x, CO_MOV_FROM_CR); return 0;
		case 0x21: set_callout(x, CO_MOV_FROM_DR); return 0;
		case 0x22: set_callout(x, CO_MOV_TO_CR); return 0;
		case 0x23: set_callout(x, CO_MOV_TO_DR); return 0;
		}
		break;
	}
	return 0; /* ordinary data movement */
}

/* Segment register of push/pop %sreg, or -1 for the other push/pop forms:
 * 06/07 es, 0E cs, 16/17 ss, 1E/1F ds, 0F A0/A1 fs, 0F A8/A9 gs. */
static int pushpop_sreg(const struct dctx *c)
{
	switch (c->op) {
	case 0x06:
	case 0x07:
	case 0x0e:
	case 0x16:
	case 0x17:
	case 0x1e:
	case 0x1f: return c->op >> 3;
	case 0x0f:
		if ((c->op2 & ~0x09) == 0xa0)
			return SEG_FS + ((c->op2 >> 3) & 1);
		break;
	}
	return -1;
}

/* Segment register loaded by lds/les/lfs/lgs/lss. */
static uint8_t far_load_sreg(unsigned id)
{
	switch (id) {
	case X86_INS_LES: return SEG_ES;
	case X86_INS_LSS: return SEG_SS;
	case X86_INS_LFS: return SEG_FS;
	case X86_INS_LGS: return SEG_GS;
	default: return SEG_DS;
	}
}

/* In 16/32-bit code C4/C5 (les/lds), 62 (bound) and 8F (pop r/m) double as
 * the VEX, EVEX and XOP escapes; Capstone separates them by ModRM, so the id
 * it returned tells which one it saw. */
static bool vex_encoded(const struct dctx *c)
{
	unsigned id = c->insn->id;

	switch (c->op) {
	case 0xc4: return id != X86_INS_LES;
	case 0xc5: return id != X86_INS_LDS;
	case 0x62: return id != X86_INS_BOUND;
	case 0x8f: return id != X86_INS_POP;
	}
	return false;
}

/* Safety net for ids missing from rules[]: Capstone's own idea of what is
 * privileged or control flow. */
static bool in_sensitive_group(const cs_detail *det)
{
	unsigned i;

	for (i = 0; i < det->groups_count; i++) {
		switch (det->groups[i]) {
		case X86_GRP_JUMP:
		case X86_GRP_CALL:
		case X86_GRP_RET:
		case X86_GRP_INT:
		case X86_GRP_IRET:
		case X86_GRP_PRIVILEGE:
		case X86_GRP_BRANCH_RELATIVE:
		case X86_GRP_VM:
		case X86_GRP_MODE64: return true;
		}
	}
	return false;
}

/* Does the instruction read or write memory through a %cs override? The
 * translated code runs in the host's flat CS, not the guest's, so natively
 * such an access would ignore the guest CS base and limit and could read the
 * monitor's hole. Address-only uses (lea, hint nops, prefetches) are fine:
 * compilers pad with `nopw %cs:0(%eax,%eax,1)`. */
static bool cs_data_access(const cs_insn *insn)
{
	const cs_x86 *x86 = &insn->detail->x86;
	unsigned i;

	switch (insn->id) {
	case X86_INS_NOP:
	case X86_INS_LEA:
	case X86_INS_PREFETCH:
	case X86_INS_PREFETCHNTA:
	case X86_INS_PREFETCHT0:
	case X86_INS_PREFETCHT1:
	case X86_INS_PREFETCHT2:
	case X86_INS_PREFETCHW: return false;
	case X86_INS_XLATB: /* Capstone lists no operand for its DS:[EBX+AL] */ return true;
	}
	for (i = 0; i < x86->op_count; i++)
		if (x86->operands[i].type == X86_OP_MEM &&
		    x86->operands[i].mem.segment == X86_REG_CS)
			return true;
	return false;
}

/* lock is only legal on the read-modify-write instructions with a memory
 * destination; anything else is #UD, which Capstone 4 does not always see
 * (it accepts `lock add (%eax),%eax`). */
static bool lock_ok(const cs_insn *insn)
{
	const cs_x86 *x86 = &insn->detail->x86;

	if (!lockable[insn->id] || x86->op_count == 0)
		return false;
	if (x86->operands[0].type == X86_OP_MEM)
		return true;
	/* xchg may name its memory operand second */
	return insn->id == X86_INS_XCHG && x86->op_count > 1 && x86->operands[1].type == X86_OP_MEM;
}

/* Sets cls and the class-specific fields. Returns -1 if the instruction is
 * in fact invalid. */
static int classify(struct xinsn *x, const struct dctx *c)
{
	const struct rule *r = &rules[c->insn->id];
	int sreg;

	if (c->pfx.lock && !lock_ok(c->insn))
		return -1;

	/* AVX/AVX-512/XOP state is managed through XCR0, which is virtual */
	if (vex_encoded(c) && r->how != H_VEX_GPR) {
		set_callout(x, CO_UD);
		return 0;
	}

	switch (r->how) {
	case H_CALLOUT:
		set_callout(x, r->co);
		if (r->co == CO_SEG_LOAD)
			x->sreg = far_load_sreg(c->insn->id);
		return 0;
	case H_JMP:
	case H_CALL:
	case H_JCC:
	case H_JCXZ:
	case H_LOOP:
	case H_RET: classify_branch(x, c, r->how); return 0;
	case H_MOV:
		if (classify_mov(x, c) < 0)
			return -1;
		break;
	case H_PUSH:
		sreg = pushpop_sreg(c);
		if (sreg >= 0) {
			x->cls = XC_SEG_READ;
			x->sreg = (uint8_t)sreg;
			x->dest_reg = XREG_PUSH;
		}
		break;
	case H_POP:
		sreg = pushpop_sreg(c);
		if (sreg >= 0) {
			set_callout(x, CO_SEG_LOAD);
			x->sreg = (uint8_t)sreg;
		}
		break;
	case H_PUSHF:
	case H_POPF:
		/* the inline emulation only handles the 32-bit image */
		if (x->opsize16)
			set_callout(x, CO_FLAGS16);
		else
			x->cls = r->how == H_PUSHF ? XC_PUSHF : XC_POPF;
		return 0;
	case H_CLI: x->cls = XC_CLI; return 0;
	case H_STI: x->cls = XC_STI; return 0;
	case H_UNSUP64: set_unsupported(x, "64-bit-only instruction"); return 0;
	}

	if (x->cls != XC_IDENT)
		return 0;
	if (in_sensitive_group(c->insn->detail)) {
		set_unsupported(x, "sensitive instruction the decoder does not know");
		return 0;
	}
	if (c->pfx.seg == 0x2e && cs_data_access(c->insn)) {
		set_unsupported(x, "data access through %cs");
		return 0;
	}
	/* the host owns %gs; the emitter swaps the prefix for the guest's */
	if (c->pfx.seg == 0x65)
		x->cls = XC_GS_REWRITE;
	return 0;
}

/* Arithmetic-flag effects, for the translator's liveness check. Capstone
 * 4.0.2's EFLAGS tables are not reliable (adc is listed without a read of
 * CF), so these are explicit lists: instructions known to leave the flags
 * alone, and instructions known to overwrite flags without reading any.
 * Everything else is taken to read all of them. */
static bool flag_neutral(unsigned id)
{
	switch (id) {
	case X86_INS_MOV:
	case X86_INS_MOVZX:
	case X86_INS_MOVSX:
	case X86_INS_LEA:
	case X86_INS_PUSH:
	case X86_INS_POP:
	case X86_INS_NOP:
	case X86_INS_BSWAP:
	case X86_INS_NOT:
	case X86_INS_XCHG:
	case X86_INS_CWDE:
	case X86_INS_CDQ:
	case X86_INS_CBW:
	case X86_INS_CWD:
	case X86_INS_PUSHAL:
	case X86_INS_POPAL:
	case X86_INS_LEAVE: return true;
	}
	return false;
}

/* The shift count, if it is an immediate; -1 for %cl. */
static int shift_count(const cs_insn *insn)
{
	const cs_x86 *x86 = &insn->detail->x86;
	if (x86->op_count < 2)
		return 1; /* the by-one forms */
	const cs_x86_op *op = &x86->operands[x86->op_count - 1];
	return op->type == X86_OP_IMM ? (int)(op->imm & 31) : -1;
}

static uint8_t flags_overwritten(const cs_insn *insn)
{
	switch (insn->id) {
	case X86_INS_ADD:
	case X86_INS_SUB:
	case X86_INS_CMP:
	case X86_INS_AND:
	case X86_INS_OR:
	case X86_INS_XOR:
	case X86_INS_TEST:
	case X86_INS_NEG:
	case X86_INS_IMUL:
	case X86_INS_MUL:
	case X86_INS_CMPXCHG:
	case X86_INS_XADD: return XFL_ALL;
	case X86_INS_BT:
	case X86_INS_BTS:
	case X86_INS_BTR:
	case X86_INS_BTC: return XFL_ALL & ~XFL_ZF; /* "The ZF flag is unaffected" */
	case X86_INS_INC:
	case X86_INS_DEC: return XFL_ALL & ~XFL_CF;
	case X86_INS_SHL:
	case X86_INS_SAL:
	case X86_INS_SHR:
	case X86_INS_SAR:
		return shift_count(insn) > 0 ? XFL_ALL : 0; /* a zero count changes nothing */
	case X86_INS_ROL:
	case X86_INS_ROR: return shift_count(insn) > 0 ? XFL_CF | XFL_OF : 0;
	}
	return 0;
}

static void fill_flags(const cs_insn *insn, struct xinsn *x)
{
	x->flags_read = 0;
	x->flags_written = flags_overwritten(insn);
	if (!x->flags_written && !flag_neutral(insn->id))
		x->flags_read = XFL_ALL;
}

/* x87 and SIMD instructions (those CR0.EM/TS turn into #NM/#UD): by
 * opcode, since Capstone 4's groups miss some (fnstsw, fxsave). */
static void fill_fpu(const cs_insn *insn, const struct dctx *c, struct xinsn *x)
{
	const cs_detail *det = insn->detail;
	uint8_t op = c->op, op2 = c->op2;
	x->x87 = (op >= 0xd8 && op <= 0xdf) || op == 0x9b;
	x->simd = false;
	for (int i = 0; i < det->groups_count; i++) {
		uint8_t g = det->groups[i];
		if (g == X86_GRP_FPU)
			x->x87 = true;
		if (g == X86_GRP_MMX || g == X86_GRP_3DNOW ||
		    (g >= X86_GRP_SSE1 && g <= X86_GRP_SSE4A) || g == X86_GRP_SSSE3)
			x->simd = true;
	}
	/* Fences, prefetches, clflush and movnti are in Capstone's SSE groups
	 * but ignore CR0.EM/TS and CR4.OSFXSR (their SDM exception lists). */
	switch (insn->id) {
	case X86_INS_SFENCE:
	case X86_INS_LFENCE:
	case X86_INS_MFENCE:
	case X86_INS_PREFETCH:
	case X86_INS_PREFETCHW:
	case X86_INS_PREFETCHNTA:
	case X86_INS_PREFETCHT0:
	case X86_INS_PREFETCHT1:
	case X86_INS_PREFETCHT2:
	case X86_INS_CLFLUSH:
	case X86_INS_MOVNTI: x->simd = false; break;
	default: break;
	}
	/* CR4.OSFXSR=0 makes the SSE instructions #UD: those with an XMM
	 * operand, and ldmxcsr/stmxcsr. MMX-register forms (pshufw mm, ...),
	 * fxsave/fxrstor, prefetches and fences do not check it. */
	x->sse = false;
	for (int i = 0; x->simd && i < det->x86.op_count; i++) {
		const cs_x86_op *o = &det->x86.operands[i];
		if (o->type == X86_OP_REG && o->reg >= X86_REG_XMM0 && o->reg <= X86_REG_XMM7)
			x->sse = true;
	}
	if (op == 0x0f && op2 == 0xae && x->modrm_off) {
		uint8_t modrm = x->bytes[x->modrm_off];
		int mem = (modrm >> 6) != 3, reg = (modrm >> 3) & 7;
		if (mem && reg < 4)
			x->simd = true; /* fxsave, fxrstor, ldmxcsr, stmxcsr */
		if (mem && (reg == 2 || reg == 3))
			x->sse = true; /* ldmxcsr, stmxcsr */
	}
}

/* Fields every instruction gets, whatever its class. */
static void fill_common(const struct xdecoder *d, const cs_insn *insn, struct dctx *c,
			struct xinsn *x)
{
	const cs_x86 *x86 = &insn->detail->x86;

	x->len = (uint8_t)insn->size;
	memcpy(x->bytes, insn->bytes, insn->size);
	x->next = x->eip + insn->size;

	scan_prefixes(x->bytes, x->len, &c->pfx);
	c->insn = insn;
	c->op = x->bytes[c->pfx.count];
	c->op2 = c->op == 0x0f && c->pfx.count + 1 < x->len ? x->bytes[c->pfx.count + 1] : 0;

	/* effective sizes: in 16-bit code the prefixes select 32 bits */
	x->opsize16 = c->pfx.opsize == d->mode32;
	x->addr16 = c->pfx.addrsize == d->mode32;
	x->rep = c->pfx.rep;
	x->seg_prefix_off = c->pfx.seg_off;
	x->opcode_off = c->pfx.count;
	x->seg_prefix = c->pfx.seg;
	x->modrm_off = x86->encoding.modrm_offset;
	fill_flags(insn, x);
	fill_fpu(insn, c, x);
	x->mem_size = 0;
	for (int i = 0; i < x86->op_count; i++)
		if (x86->operands[i].type == X86_OP_MEM && x86->operands[i].size > x->mem_size)
			x->mem_size = x86->operands[i].size;

	/* snprintf cuts long operand strings and always terminates; the
	 * result is looked at only to say that the cut is intended */
	if (snprintf(x->text, sizeof(x->text), "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "",
		     insn->op_str) < 0)
		x->text[0] = '\0';
}

int xdecode_init(struct xdecoder *d, bool mode32)
{
	csh h;

	memset(d, 0, sizeof(*d));
	if (cs_open(CS_ARCH_X86, mode32 ? CS_MODE_32 : CS_MODE_16, &h) != CS_ERR_OK)
		return -1;
	/* operands, prefixes and groups are all needed to classify */
	if (cs_option(h, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK) {
		cs_close(&h);
		return -1;
	}
	d->handle = h;
	d->mode32 = mode32;
	return 0;
}

void xdecode_fini(struct xdecoder *d)
{
	csh h = d->handle;

	if (h)
		cs_close(&h);
	d->handle = 0;
}

int xdecode(struct xdecoder *d, const uint8_t *code, size_t avail, uint32_t eip, struct xinsn *out)
{
	size_t n = avail < X86_MAX_INSN_LEN ? avail : X86_MAX_INSN_LEN;
	struct dctx c;
	cs_insn *insn;
	int rc;

	memset(out, 0, sizeof(*out));
	out->eip = eip;
	out->seg_prefix_off = -1;

	/* count 1 makes cs_disasm allocate exactly one insn + detail; the
	 * decoder struct has no room to keep a cs_malloc'd one across calls */
	if (n == 0 || cs_disasm(d->handle, code, n, eip, 1, &insn) != 1) {
		/* Capstone cannot say whether it ran out of bytes or met an
		 * invalid encoding. No instruction exceeds 15 bytes, so with
		 * 15 available the encoding is invalid (#UD). With fewer, the
		 * missing bytes might complete it: the caller must fetch more
		 * (e.g. across a page boundary) and decode again, and gets
		 * the definitive answer then. An invalid opcode at the end
		 * of a page thus costs one extra fetch, never a wrong #UD. */
		return avail < X86_MAX_INSN_LEN ? -2 : -1;
	}

	fill_common(d, insn, &c, out);
	rc = classify(out, &c);
	cs_free(insn, 1);
	return rc;
}
