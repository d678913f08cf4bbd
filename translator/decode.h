/* decode.h - decode one guest instruction with Capstone and classify it for
 * the translator: copied as-is (IDENT), rewritten control flow, emulated in
 * the cache, or handed to the monitor (call-out). */
#ifndef BTVMM_DECODE_H
#define BTVMM_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "callout_kind.h"

enum xclass {
	XC_IDENT,      /* copy the bytes verbatim */
	XC_GS_REWRITE, /* IDENT except it has a %gs override prefix (0x65) */
	XC_JMP,	       /* jmp rel8/rel16/rel32 -> target */
	XC_JCC,	       /* jcc rel8/rel32 -> target, cc */
	XC_JCXZ,       /* jecxz/jcxz (addr16 -> CX) -> target */
	XC_LOOP,       /* loop/loope/loopne -> target, loop_kind */
	XC_CALL,       /* call rel32 -> target; pushes next */
	XC_RET,	       /* ret / ret imm16 (ret_pop) */
	XC_JMP_IND,    /* jmp r/m32 (modrm_off) */
	XC_CALL_IND,   /* call r/m32 (modrm_off); pushes next */
	XC_CLI,
	XC_STI,
	XC_PUSHF,	/* 32-bit operand size only (16-bit: CO_FLAGS16) */
	XC_POPF,	/* 32-bit operand size only */
	XC_SEG_READ,	/* mov %sreg, r16/r32 (dest_reg) or push %sreg (dest_reg = XREG_PUSH) */
	XC_CALLOUT,	/* the monitor emulates it: co says which */
	XC_UNSUPPORTED, /* cannot be translated: why says so */
};

#define XREG_PUSH 0xff

/* arithmetic flags, for liveness */
#define XFL_CF 0x01
#define XFL_PF 0x02
#define XFL_AF 0x04
#define XFL_ZF 0x08
#define XFL_SF 0x10
#define XFL_OF 0x20
#define XFL_ALL 0x3f

/* segment register numbers as encoded in mov sreg (ModRM.reg) */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

struct xinsn {
	uint32_t eip;  /* guest linear address of the instruction (CS offset) */
	uint32_t next; /* eip + len */
	uint8_t len;
	uint8_t bytes[16];
	enum xclass cls;
	enum callout_kind co;  /* XC_CALLOUT */
	uint32_t target;       /* direct branches: guest target EIP (wrapped to 32/16 bits) */
	uint8_t cc;	       /* XC_JCC: condition 0..15 (opcode low nibble: 0=jo ... 15=jg) */
	uint8_t loop_kind;     /* XC_LOOP: 0 loopne, 1 loope, 2 loop */
	bool addr16;	       /* 0x67 prefix present */
	bool opsize16;	       /* 0x66 prefix present (in 32-bit code) */
	bool rep;	       /* F3 or F2 prefix present */
	uint16_t ret_pop;      /* XC_RET: imm16 */
	uint8_t opcode_off;    /* offset of the first opcode byte (= number of prefix bytes) */
	uint8_t modrm_off;     /* offset of the ModRM byte in bytes[] (0: none) */
	uint8_t mem_size;      /* bytes of the largest explicit memory operand (0: none) */
	int8_t seg_prefix_off; /* offset of the segment-override prefix byte, -1 none */
	uint8_t seg_prefix;    /* its value: 0x26 es, 0x2e cs, 0x36 ss, 0x3e ds, 0x64 fs, 0x65 gs */
	uint8_t sreg;	       /* XC_SEG_READ: SEG_* */
	uint8_t dest_reg;      /* XC_SEG_READ: GPR 0..7 (eax..edi) or XREG_PUSH */
	bool x87;	       /* x87 (escape D8-DF, or fwait): CR0.EM/TS make it #NM */
	bool simd;	       /* MMX/SSE (incl. fxsave/fxrstor/ldmxcsr/stmxcsr) */
	bool sse;	       /* needs CR4.OSFXSR (#UD without): XMM operands, ldmxcsr/stmxcsr */
	uint8_t flags_read;    /* XFL_* the instruction reads (conservative) */
	uint8_t flags_written; /* XFL_* it overwrites (or leaves undefined) */
	bool ends_block;       /* control transfer, call-out, unsupported */
	const char *why;       /* XC_UNSUPPORTED: short reason */
	char text[80];	       /* "mnemonic operands" for -d translations */
};

struct xdecoder {
	size_t handle; /* capstone csh */
	bool mode32;
};

int xdecode_init(struct xdecoder *d, bool mode32);
void xdecode_fini(struct xdecoder *d);
/* Decodes the instruction at code[0..avail) whose guest address is eip.
 * Returns 0 and fills out; -1 if the bytes are not a valid instruction;
 * -2 if avail is too short to hold the whole instruction. */
int xdecode(struct xdecoder *d, const uint8_t *code, size_t avail, uint32_t eip, struct xinsn *out);

#endif
