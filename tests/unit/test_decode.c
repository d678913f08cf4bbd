/* test_decode.c - unit tests for the instruction decoder/classifier
 * (translator/decode.c) and the call-out name table.
 *
 * The core is one table of byte sequences with everything the decoder must
 * report for each: class, call-out kind, branch target, prefixes, ModRM and
 * segment-prefix offsets, segment register. Fields are compared whenever the
 * class gives them a meaning, so a row that leaves one out asserts its zero
 * value (no prefix, no ModRM, ...). Further tests sweep all condition codes,
 * check that the table reaches every class and call-out kind, and exercise the
 * -1/-2 returns and the 16-bit decoder. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "callout_kind.h"
#include "decode.h"

struct dcase {
	const char *name;
	bool m16; /* decode with the 16-bit decoder */
	uint32_t eip;
	uint8_t bytes[16];
	uint8_t len;   /* instruction length: the bytes given */
	uint8_t avail; /* bytes offered to xdecode (0: len) */
	int rc;	       /* 0, -1 invalid, -2 truncated; nothing else checked if < 0 */
	enum xclass cls;
	enum callout_kind co;
	uint32_t target;  /* JMP, JCC, JCXZ, LOOP, CALL */
	uint8_t cc;	  /* JCC */
	uint8_t loop;	  /* LOOP */
	uint16_t ret_pop; /* RET */
	uint8_t modrm;	  /* expected modrm_off, always checked */
	uint8_t seg;	  /* expected seg_prefix (0: none, seg_prefix_off -1) */
	int8_t seg_off;	  /* expected seg_prefix_off when seg != 0 */
	uint8_t sreg;	  /* SEG_READ, CO_SEG_READ, CO_SEG_LOAD */
	uint8_t dest;	  /* SEG_READ */
	bool a16, o16, rep;
};

/* One case per row. */
/* clang-format off */
#define B(...) .bytes = {__VA_ARGS__}, .len = sizeof((uint8_t[]){__VA_ARGS__})
#define CO(k) .cls = XC_CALLOUT, .co = (k)

static const struct dcase cases[] = {
	/* ---- IDENT ---- */
	{"add %ebx,%eax", B(0x01, 0xd8), .modrm = 1},
	{"nop", B(0x90)},
	{"mov 0x10(%ebx,%ecx,4),%eax", B(0x8b, 0x44, 0x8b, 0x10), .modrm = 1},
	{"mov 0x12345678,%eax", B(0xa1, 0x78, 0x56, 0x34, 0x12)},
	{"add %bx,%ax (66)", B(0x66, 0x01, 0xd8), .modrm = 2, .o16 = true},
	{"mov (%bx,%si),%eax (67)", B(0x67, 0x8b, 0x00), .modrm = 2, .a16 = true},
	{"lock cmpxchg %edx,(%ecx)", B(0xf0, 0x0f, 0xb1, 0x11), .modrm = 3},
	{"lock cmpxchg8b (%esi)", B(0xf0, 0x0f, 0xc7, 0x0e), .modrm = 3},
	{"lock xchg %eax,(%ebx)", B(0xf0, 0x87, 0x03), .modrm = 2},
	{"lock add %eax,(%eax) twice", B(0xf0, 0xf0, 0x01, 0x00), .modrm = 3},
	{"fldl (%eax)", B(0xdd, 0x00), .modrm = 1},
	{"fld1", B(0xd9, 0xe8), .modrm = 1},
	{"fnstsw %ax", B(0xdf, 0xe0), .modrm = 1},
	{"fxsave (%eax)", B(0x0f, 0xae, 0x00), .modrm = 2},
	{"fxrstor (%eax)", B(0x0f, 0xae, 0x08), .modrm = 2},
	{"addpd %xmm1,%xmm0 (SSE2)", B(0x66, 0x0f, 0x58, 0xc1), .modrm = 3, .o16 = true},
	{"movdqu (%eax),%xmm0 (SSE2)", B(0xf3, 0x0f, 0x6f, 0x00), .modrm = 3, .rep = true},
	{"pshufb %xmm1,%xmm0 (SSSE3)", B(0x66, 0x0f, 0x38, 0x00, 0xc1), .modrm = 4, .o16 = true},
	{"paddb %mm1,%mm0 (MMX)", B(0x0f, 0xfc, 0xc1), .modrm = 2},
	{"rep movsl", B(0xf3, 0xa5), .rep = true},
	{"repne scasb", B(0xf2, 0xae), .rep = true},
	{"enter $0x10,$0", B(0xc8, 0x10, 0x00, 0x00)},
	{"leave", B(0xc9)},
	{"pusha", B(0x60)},
	{"popa", B(0x61)},
	{"bound %eax,(%ecx)", B(0x62, 0x01), .modrm = 1},
	{"les-shaped but VEX: andn (BMI1)", B(0xc4, 0xe2, 0x78, 0xf2, 0xc0), .modrm = 4},
	{"xlat", B(0xd7)},
	{"bswap %eax", B(0x0f, 0xc8)},
	{"pause", B(0xf3, 0x90), .rep = true},
	{"nopl 0(%eax,%eax,1)", B(0x0f, 0x1f, 0x44, 0x00, 0x00), .modrm = 2},
	{"nopw %cs:0(%eax,%eax,1)", B(0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00),
	 .modrm = 4, .seg = 0x2e, .seg_off = 1, .o16 = true},
	{"lea %cs:(%eax),%eax", B(0x2e, 0x8d, 0x00), .modrm = 2, .seg = 0x2e, .seg_off = 0},
	{"mov %fs:0x10,%eax", B(0x64, 0xa1, 0x10, 0x00, 0x00, 0x00), .seg = 0x64, .seg_off = 0},
	{"mov %ds:(%eax),%eax", B(0x3e, 0x8b, 0x00), .modrm = 2, .seg = 0x3e, .seg_off = 0},
	{"gs then fs: fs wins", B(0x65, 0x64, 0x8b, 0x00), .modrm = 3, .seg = 0x64, .seg_off = 1},
	{"rdrand %eax", B(0x0f, 0xc7, 0xf0), .modrm = 2},
	{"salc", B(0xd6)},
	{"cpuid-free popcnt", B(0xf3, 0x0f, 0xb8, 0xc1), .modrm = 3, .rep = true},
	{"movsb with 15 bytes of room", B(0xa4), .avail = 15},

	/* ---- %gs override: rewritten ---- */
	{"mov %gs:0x10,%eax", B(0x65, 0xa1, 0x10, 0x00, 0x00, 0x00), .cls = XC_GS_REWRITE, .seg = 0x65,
	 .seg_off = 0},
	{"mov %gs:(%ebx),%eax", B(0x65, 0x8b, 0x03), .cls = XC_GS_REWRITE, .modrm = 2, .seg = 0x65,
	 .seg_off = 0},
	{"fs then gs: gs wins", B(0x64, 0x65, 0x8b, 0x00), .cls = XC_GS_REWRITE, .modrm = 3,
	 .seg = 0x65, .seg_off = 1},
	{"lock incl %gs:(%eax)", B(0xf0, 0x65, 0xff, 0x00), .cls = XC_GS_REWRITE, .modrm = 3,
	 .seg = 0x65, .seg_off = 1},
	{"rep movsb %gs:(%esi)", B(0xf3, 0x65, 0xa4), .cls = XC_GS_REWRITE, .seg = 0x65, .seg_off = 1,
	 .rep = true},
	{"movw %gs:4(%eax),%ax", B(0x66, 0x65, 0x8b, 0x40, 0x04), .cls = XC_GS_REWRITE, .modrm = 3,
	 .seg = 0x65, .seg_off = 1, .o16 = true},

	/* ---- jmp ---- */
	{"jmp rel8 fwd", .eip = 0x1000, B(0xeb, 0x10), .cls = XC_JMP, .target = 0x1012},
	{"jmp rel8 self", .eip = 0x1000, B(0xeb, 0xfe), .cls = XC_JMP, .target = 0x1000},
	{"jmp rel32 back", .eip = 0x1000, B(0xe9, 0xfb, 0xff, 0xff, 0xff), .cls = XC_JMP,
	 .target = 0x1000},
	{"jmp rel32 wraps up", .eip = 0xfffffff0, B(0xe9, 0x20, 0x00, 0x00, 0x00), .cls = XC_JMP,
	 .target = 0x15},
	{"jmp rel32 wraps down", .eip = 0x10, B(0xe9, 0x00, 0xff, 0xff, 0xff), .cls = XC_JMP,
	 .target = 0xffffff15},
	{"jmpw rel16 (66) truncates", .eip = 0x1234fff0, B(0x66, 0xe9, 0x20, 0x00), .cls = XC_JMP,
	 .target = 0x0014, .o16 = true},
	{"jmpw rel8 (66) truncates", .eip = 0x12345678, B(0x66, 0xeb, 0x10), .cls = XC_JMP,
	 .target = 0x568b, .o16 = true},
	{"bnd jmp", .eip = 0x1000, B(0xf2, 0xe9, 0x00, 0x00, 0x00, 0x00), .cls = XC_JMP,
	 .target = 0x1006, .rep = true},

	/* ---- jcc ---- */
	{"je rel8", .eip = 0x1000, B(0x74, 0x10), .cls = XC_JCC, .cc = 4, .target = 0x1012},
	{"jo rel8", .eip = 0x1000, B(0x70, 0x00), .cls = XC_JCC, .cc = 0, .target = 0x1002},
	{"jg rel8 self", .eip = 0x1000, B(0x7f, 0xfe), .cls = XC_JCC, .cc = 15, .target = 0x1000},
	{"jb rel8 wraps down", .eip = 0x2, B(0x72, 0xf0), .cls = XC_JCC, .cc = 2, .target = 0xfffffff4},
	{"jne rel32", .eip = 0x1000, B(0x0f, 0x85, 0x00, 0x01, 0x00, 0x00), .cls = XC_JCC, .cc = 5,
	 .target = 0x1106},
	{"je rel32 wraps up", .eip = 0xfffffff0, B(0x0f, 0x84, 0x20, 0x00, 0x00, 0x00), .cls = XC_JCC,
	 .cc = 4, .target = 0x16},
	{"jl rel32 back", .eip = 0x2000, B(0x0f, 0x8c, 0xfa, 0xef, 0xff, 0xff), .cls = XC_JCC, .cc = 12,
	 .target = 0x1000},
	{"jew rel16 (66) truncates", .eip = 0x10000, B(0x66, 0x0f, 0x84, 0xf0, 0xff), .cls = XC_JCC,
	 .cc = 4, .target = 0xfff5, .o16 = true},
	{"je with ds hint", .eip = 0x1000, B(0x3e, 0x74, 0x10), .cls = XC_JCC, .cc = 4,
	 .target = 0x1013, .seg = 0x3e, .seg_off = 0},
	{"je with cs hint", .eip = 0x1000, B(0x2e, 0x74, 0x10), .cls = XC_JCC, .cc = 4,
	 .target = 0x1013, .seg = 0x2e, .seg_off = 0},

	/* ---- jecxz / loop ---- */
	{"jecxz", .eip = 0x1000, B(0xe3, 0x10), .cls = XC_JCXZ, .target = 0x1012},
	{"jcxz (67)", .eip = 0x1000, B(0x67, 0xe3, 0x10), .cls = XC_JCXZ, .target = 0x1013,
	 .a16 = true},
	{"loop self", .eip = 0x1000, B(0xe2, 0xfe), .cls = XC_LOOP, .loop = 2, .target = 0x1000},
	{"loope", .eip = 0x1000, B(0xe1, 0x10), .cls = XC_LOOP, .loop = 1, .target = 0x1012},
	{"loopne", .eip = 0x1000, B(0xe0, 0x10), .cls = XC_LOOP, .loop = 0, .target = 0x1012},
	{"loop %cx (67)", .eip = 0x1000, B(0x67, 0xe2, 0xfe), .cls = XC_LOOP, .loop = 2,
	 .target = 0x1001, .a16 = true},

	/* ---- call / ret ---- */
	{"call rel32", .eip = 0x1000, B(0xe8, 0x00, 0x00, 0x00, 0x00), .cls = XC_CALL,
	 .target = 0x1005},
	{"call rel32 wraps down", .eip = 0x10, B(0xe8, 0xe0, 0xff, 0xff, 0xff), .cls = XC_CALL,
	 .target = 0xfffffff5},
	{"callw rel16 (66)", .eip = 0x2000, B(0x66, 0xe8, 0x10, 0x00), .cls = XC_CALL, .target = 0x2014,
	 .o16 = true},
	{"ret", B(0xc3), .cls = XC_RET},
	{"ret $8", B(0xc2, 0x08, 0x00), .cls = XC_RET, .ret_pop = 8},
	{"ret $0x1234", B(0xc2, 0x34, 0x12), .cls = XC_RET, .ret_pop = 0x1234},
	{"retw (66)", B(0x66, 0xc3), .cls = XC_RET, .o16 = true},
	{"rep ret", B(0xf3, 0xc3), .cls = XC_RET, .rep = true},

	/* ---- indirect jmp / call ---- */
	{"jmp *%eax", B(0xff, 0xe0), .cls = XC_JMP_IND, .modrm = 1},
	{"jmp *0x1000(,%eax,4)", B(0xff, 0x24, 0x85, 0x00, 0x10, 0x00, 0x00), .cls = XC_JMP_IND,
	 .modrm = 1},
	{"jmp *8(%esp)", B(0xff, 0x64, 0x24, 0x08), .cls = XC_JMP_IND, .modrm = 1},
	{"jmp *0x2000", B(0xff, 0x25, 0x00, 0x20, 0x00, 0x00), .cls = XC_JMP_IND, .modrm = 1},
	{"notrack jmp *%eax", B(0x3e, 0xff, 0xe0), .cls = XC_JMP_IND, .modrm = 2, .seg = 0x3e,
	 .seg_off = 0},
	{"jmp *%gs:(%eax)", B(0x65, 0xff, 0x20), .cls = XC_JMP_IND, .modrm = 2, .seg = 0x65,
	 .seg_off = 0},
	{"jmp *(%bx,%si) (67)", B(0x67, 0xff, 0x20), .cls = XC_JMP_IND, .modrm = 2, .a16 = true},
	{"jmpw *%ax (66)", B(0x66, 0xff, 0xe0), .cls = XC_JMP_IND, .modrm = 2, .o16 = true},
	{"call *%eax", B(0xff, 0xd0), .cls = XC_CALL_IND, .modrm = 1},
	{"call *0x2000", B(0xff, 0x15, 0x00, 0x20, 0x00, 0x00), .cls = XC_CALL_IND, .modrm = 1},
	{"call *0x10(%esp) disp32 SIB", B(0xff, 0x94, 0x24, 0x10, 0x00, 0x00, 0x00), .cls = XC_CALL_IND,
	 .modrm = 1},
	{"call *0x8(%ebx,%esi,2)", B(0xff, 0x54, 0x73, 0x08), .cls = XC_CALL_IND, .modrm = 1},
	{"call *%fs:4(%eax)", B(0x64, 0xff, 0x50, 0x04), .cls = XC_CALL_IND, .modrm = 2, .seg = 0x64,
	 .seg_off = 0},

	/* ---- far transfers, interrupts, system calls ---- */
	{"ljmp $8,$0x1000", B(0xea, 0x00, 0x10, 0x00, 0x00, 0x08, 0x00), CO(CO_FAR_JMP)},
	{"ljmp *0x2000", B(0xff, 0x2d, 0x00, 0x20, 0x00, 0x00), CO(CO_FAR_JMP), .modrm = 1},
	{"ljmp *(%eax)", B(0xff, 0x28), CO(CO_FAR_JMP), .modrm = 1},
	{"lcall $8,$0x1000", B(0x9a, 0x00, 0x10, 0x00, 0x00, 0x08, 0x00), CO(CO_FAR_CALL)},
	{"lcall *(%eax)", B(0xff, 0x18), CO(CO_FAR_CALL), .modrm = 1},
	{"lret", B(0xcb), CO(CO_FAR_RET)},
	{"lret $8", B(0xca, 0x08, 0x00), CO(CO_FAR_RET)},
	{"iret", B(0xcf), CO(CO_IRET)},
	{"iretw (66)", B(0x66, 0xcf), CO(CO_IRET), .o16 = true},
	{"int $0x80", B(0xcd, 0x80), CO(CO_INT)},
	{"int3", B(0xcc), CO(CO_INT3)},
	{"into", B(0xce), CO(CO_INTO)},
	{"int1/icebp", B(0xf1), CO(CO_INT)},
	{"sysenter", B(0x0f, 0x34), CO(CO_SYSENTER)},
	{"sysexit", B(0x0f, 0x35), CO(CO_SYSENTER)},
	{"syscall", B(0x0f, 0x05), CO(CO_SYSENTER)},
	{"sysret", B(0x0f, 0x07), CO(CO_SYSENTER)},
	{"ud2", B(0x0f, 0x0b), CO(CO_UD)},
	{"ud1", B(0x0f, 0xb9), CO(CO_UD)},
	{"ud0", B(0x0f, 0xff), CO(CO_UD)},

	/* ---- port I/O ---- */
	{"in $0x60,%al", B(0xe4, 0x60), CO(CO_IN)},
	{"in $0x60,%eax", B(0xe5, 0x60), CO(CO_IN)},
	{"in (%dx),%al", B(0xec), CO(CO_IN)},
	{"in (%dx),%ax", B(0x66, 0xed), CO(CO_IN), .o16 = true},
	{"out %al,$0x80", B(0xe6, 0x80), CO(CO_OUT)},
	{"out %eax,$0x80", B(0xe7, 0x80), CO(CO_OUT)},
	{"out %al,(%dx)", B(0xee), CO(CO_OUT)},
	{"out %eax,(%dx)", B(0xef), CO(CO_OUT)},
	{"insb", B(0x6c), CO(CO_INS)},
	{"rep insl", B(0xf3, 0x6d), CO(CO_INS), .rep = true},
	{"insw (66)", B(0x66, 0x6d), CO(CO_INS), .o16 = true},
	{"outsb", B(0x6e), CO(CO_OUTS)},
	{"rep outsl", B(0xf3, 0x6f), CO(CO_OUTS), .rep = true},
	{"rep outsb %fs:(%esi)", B(0xf3, 0x64, 0x6e), CO(CO_OUTS), .seg = 0x64, .seg_off = 1,
	 .rep = true},
	{"rep outsb %cs:(%esi)", B(0xf3, 0x2e, 0x6e), CO(CO_OUTS), .seg = 0x2e, .seg_off = 1,
	 .rep = true},

	/* ---- privileged and sensitive ---- */
	{"hlt", B(0xf4), CO(CO_HLT)},
	{"cpuid", B(0x0f, 0xa2), CO(CO_CPUID)},
	{"rdtsc", B(0x0f, 0x31), CO(CO_RDTSC)},
	{"rdtscp", B(0x0f, 0x01, 0xf9), CO(CO_RDTSCP), .modrm = 2},
	{"rdmsr", B(0x0f, 0x32), CO(CO_RDMSR)},
	{"wrmsr", B(0x0f, 0x30), CO(CO_WRMSR)},
	{"mov %cr0,%eax", B(0x0f, 0x20, 0xc0), CO(CO_MOV_FROM_CR), .modrm = 2},
	{"mov %eax,%cr3", B(0x0f, 0x22, 0xd8), CO(CO_MOV_TO_CR), .modrm = 2},
	{"mov %dr0,%eax", B(0x0f, 0x21, 0xc0), CO(CO_MOV_FROM_DR), .modrm = 2},
	{"mov %eax,%dr7", B(0x0f, 0x23, 0xf8), CO(CO_MOV_TO_DR), .modrm = 2},
	{"clts", B(0x0f, 0x06), CO(CO_CLTS)},
	{"lmsw %ax", B(0x0f, 0x01, 0xf0), CO(CO_LMSW), .modrm = 2},
	{"lmsw (%eax)", B(0x0f, 0x01, 0x30), CO(CO_LMSW), .modrm = 2},
	{"smsw %eax", B(0x0f, 0x01, 0xe0), CO(CO_SMSW), .modrm = 2},
	{"smsw (%eax)", B(0x0f, 0x01, 0x20), CO(CO_SMSW), .modrm = 2},
	{"lgdt (%eax)", B(0x0f, 0x01, 0x10), CO(CO_LGDT), .modrm = 2},
	{"lidt (%eax)", B(0x0f, 0x01, 0x18), CO(CO_LIDT), .modrm = 2},
	{"sgdt (%eax)", B(0x0f, 0x01, 0x00), CO(CO_SGDT), .modrm = 2},
	{"sidt (%eax)", B(0x0f, 0x01, 0x08), CO(CO_SIDT), .modrm = 2},
	{"lgdt %gs:(%eax)", B(0x65, 0x0f, 0x01, 0x10), CO(CO_LGDT), .modrm = 3, .seg = 0x65,
	 .seg_off = 0},
	{"lldt %ax", B(0x0f, 0x00, 0xd0), CO(CO_LLDT), .modrm = 2},
	{"sldt (%eax)", B(0x0f, 0x00, 0x00), CO(CO_SLDT), .modrm = 2},
	{"ltr %ax", B(0x0f, 0x00, 0xd8), CO(CO_LTR), .modrm = 2},
	{"str %eax", B(0x0f, 0x00, 0xc8), CO(CO_STR), .modrm = 2},
	{"lar %ecx,%eax", B(0x0f, 0x02, 0xc1), CO(CO_LAR), .modrm = 2},
	{"lsl %ecx,%eax", B(0x0f, 0x03, 0xc1), CO(CO_LSL), .modrm = 2},
	{"verr (%eax)", B(0x0f, 0x00, 0x20), CO(CO_VERR), .modrm = 2},
	{"verw %ax", B(0x0f, 0x00, 0xe8), CO(CO_VERW), .modrm = 2},
	{"arpl %cx,%ax", B(0x63, 0xc8), CO(CO_ARPL), .modrm = 1},
	{"invlpg (%eax)", B(0x0f, 0x01, 0x38), CO(CO_INVLPG), .modrm = 2},
	{"invd", B(0x0f, 0x08), CO(CO_INVD)},
	{"wbinvd", B(0x0f, 0x09), CO(CO_INVD)},
	/* no performance counters: #GP(0) (callout.c) */
	{"rdpmc", B(0x0f, 0x33), CO(CO_RDPMC)},

	/* ---- features the virtual CPU lacks: #UD ---- */
	{"monitor", B(0x0f, 0x01, 0xc8), CO(CO_UD), .modrm = 2},
	{"mwait", B(0x0f, 0x01, 0xc9), CO(CO_UD), .modrm = 2},
	{"xgetbv", B(0x0f, 0x01, 0xd0), CO(CO_UD), .modrm = 2},
	{"xsetbv", B(0x0f, 0x01, 0xd1), CO(CO_UD), .modrm = 2},
	{"swapgs", B(0x0f, 0x01, 0xf8), CO(CO_UD), .modrm = 2},
	{"xsave (%eax)", B(0x0f, 0xae, 0x20), CO(CO_UD), .modrm = 2},
	{"xbegin", B(0xc7, 0xf8, 0x00, 0x00, 0x00, 0x00), CO(CO_UD), .modrm = 1},
	{"vmcall", B(0x0f, 0x01, 0xc1), CO(CO_UD), .modrm = 2},
	{"stac", B(0x0f, 0x01, 0xcb), CO(CO_UD), .modrm = 2},
	{"vaddps %ymm0 (VEX)", B(0xc5, 0xfc, 0x58, 0xc0), CO(CO_UD), .modrm = 3},
	{"vzeroupper (VEX)", B(0xc5, 0xf8, 0x77), CO(CO_UD)},
	{"vaddps %zmm0 (EVEX)", B(0x62, 0xf1, 0x7c, 0x48, 0x58, 0xc0), CO(CO_UD), .modrm = 5},

	/* ---- segment registers ---- */
	{"mov %eax,%ds", B(0x8e, 0xd8), CO(CO_SEG_LOAD), .sreg = SEG_DS, .modrm = 1},
	{"mov (%eax),%ss", B(0x8e, 0x10), CO(CO_SEG_LOAD), .sreg = SEG_SS, .modrm = 1},
	{"mov %eax,%gs", B(0x8e, 0xe8), CO(CO_SEG_LOAD), .sreg = SEG_GS, .modrm = 1},
	{"mov %gs:(%eax),%es", B(0x65, 0x8e, 0x00), CO(CO_SEG_LOAD), .sreg = SEG_ES, .modrm = 2,
	 .seg = 0x65, .seg_off = 0},
	{"pop %es", B(0x07), CO(CO_SEG_LOAD), .sreg = SEG_ES},
	{"pop %ss", B(0x17), CO(CO_SEG_LOAD), .sreg = SEG_SS},
	{"pop %ds", B(0x1f), CO(CO_SEG_LOAD), .sreg = SEG_DS},
	{"pop %fs", B(0x0f, 0xa1), CO(CO_SEG_LOAD), .sreg = SEG_FS},
	{"pop %gs", B(0x0f, 0xa9), CO(CO_SEG_LOAD), .sreg = SEG_GS},
	{"lds (%esi),%eax", B(0xc5, 0x06), CO(CO_SEG_LOAD), .sreg = SEG_DS, .modrm = 1},
	{"les (%esi),%eax", B(0xc4, 0x06), CO(CO_SEG_LOAD), .sreg = SEG_ES, .modrm = 1},
	{"lss (%esi),%eax", B(0x0f, 0xb2, 0x06), CO(CO_SEG_LOAD), .sreg = SEG_SS, .modrm = 2},
	{"lfs (%esi),%eax", B(0x0f, 0xb4, 0x06), CO(CO_SEG_LOAD), .sreg = SEG_FS, .modrm = 2},
	{"lgs (%esi),%eax", B(0x0f, 0xb5, 0x06), CO(CO_SEG_LOAD), .sreg = SEG_GS, .modrm = 2},
	{"mov %ds,(%eax)", B(0x8c, 0x18), CO(CO_SEG_READ), .sreg = SEG_DS, .modrm = 1},
	{"mov %cs,0x2000", B(0x8c, 0x0d, 0x00, 0x20, 0x00, 0x00), CO(CO_SEG_READ), .sreg = SEG_CS,
	 .modrm = 1},
	{"mov %ss,%eax", B(0x8c, 0xd0), .cls = XC_SEG_READ, .sreg = SEG_SS, .dest = 0, .modrm = 1},
	{"mov %ds,%ebx", B(0x8c, 0xdb), .cls = XC_SEG_READ, .sreg = SEG_DS, .dest = 3, .modrm = 1},
	{"mov %cs,%ecx", B(0x8c, 0xc9), .cls = XC_SEG_READ, .sreg = SEG_CS, .dest = 1, .modrm = 1},
	{"mov %gs,%esi", B(0x8c, 0xee), .cls = XC_SEG_READ, .sreg = SEG_GS, .dest = 6, .modrm = 1},
	{"mov %fs,%di (66)", B(0x66, 0x8c, 0xe7), .cls = XC_SEG_READ, .sreg = SEG_FS, .dest = 7,
	 .modrm = 2, .o16 = true},
	{"push %es", B(0x06), .cls = XC_SEG_READ, .sreg = SEG_ES, .dest = XREG_PUSH},
	{"push %cs", B(0x0e), .cls = XC_SEG_READ, .sreg = SEG_CS, .dest = XREG_PUSH},
	{"push %ss", B(0x16), .cls = XC_SEG_READ, .sreg = SEG_SS, .dest = XREG_PUSH},
	{"push %ds", B(0x1e), .cls = XC_SEG_READ, .sreg = SEG_DS, .dest = XREG_PUSH},
	{"push %fs", B(0x0f, 0xa0), .cls = XC_SEG_READ, .sreg = SEG_FS, .dest = XREG_PUSH},
	{"push %gs", B(0x0f, 0xa8), .cls = XC_SEG_READ, .sreg = SEG_GS, .dest = XREG_PUSH},
	{"pushw %ds (66)", B(0x66, 0x1e), .cls = XC_SEG_READ, .sreg = SEG_DS, .dest = XREG_PUSH,
	 .o16 = true},
	{"push %eax is plain", B(0x50)},
	{"pop %eax is plain", B(0x58)},
	{"pop (%eax) is plain", B(0x8f, 0x00), .modrm = 1},
	{"mov %eax,%ebx is plain", B(0x89, 0xc3), .modrm = 1},

	/* ---- flags ---- */
	{"cli", B(0xfa), .cls = XC_CLI},
	{"sti", B(0xfb), .cls = XC_STI},
	{"pushf", B(0x9c), .cls = XC_PUSHF},
	{"popf", B(0x9d), .cls = XC_POPF},
	{"pushfw (66)", B(0x66, 0x9c), CO(CO_FLAGS16), .o16 = true},
	{"popfw (66)", B(0x66, 0x9d), CO(CO_FLAGS16), .o16 = true},

	/* ---- cannot be translated ---- */
	{"mov %cs:(%eax),%eax", B(0x2e, 0x8b, 0x00), .cls = XC_UNSUPPORTED, .modrm = 2, .seg = 0x2e,
	 .seg_off = 0},
	{"ds then cs: cs wins", B(0x3e, 0x2e, 0x8b, 0x00), .cls = XC_UNSUPPORTED, .modrm = 3,
	 .seg = 0x2e, .seg_off = 1},
	{"lodsb %cs:(%esi)", B(0x2e, 0xac), .cls = XC_UNSUPPORTED, .seg = 0x2e, .seg_off = 0},
	{"xlat %cs:(%ebx)", B(0x2e, 0xd7), .cls = XC_UNSUPPORTED, .seg = 0x2e, .seg_off = 0},

	/* ---- invalid: -1 ---- */
	{"FF /7", B(0xff, 0xff), .avail = 15, .rc = -1},
	{"0F 04", B(0x0f, 0x04), .avail = 15, .rc = -1},
	{"lock nop", B(0xf0, 0x90), .avail = 15, .rc = -1},
	{"lock add %eax,%eax", B(0xf0, 0x01, 0xc0), .avail = 15, .rc = -1},
	{"lock add (%eax),%eax (mem source)", B(0xf0, 0x03, 0x00), .rc = -1},
	{"lock mov (%eax),%eax", B(0xf0, 0x8b, 0x00), .avail = 15, .rc = -1},
	{"lock jmp", B(0xf0, 0xeb, 0x00), .avail = 15, .rc = -1},
	{"mov %eax,%cs", B(0x8e, 0xc8), .rc = -1},
	{"mov (%eax),%cs", B(0x8e, 0x08), .rc = -1},
	{"mov %eax,sreg 6", B(0x8e, 0xf0), .avail = 15, .rc = -1},
	{"lea %eax,%eax (reg form)", B(0x8d, 0xc0), .avail = 15, .rc = -1},
	{"16 bytes",
	 B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	   0x90),
	 .rc = -1},

	/* ---- truncated: -2 ---- */
	{"nothing", .len = 0, .rc = -2},
	{"jmp rel32 cut", B(0xe9, 0x12, 0x34), .rc = -2},
	{"0F alone", B(0x0f), .rc = -2},
	{"prefix alone", B(0x66), .rc = -2},
	{"SIB+disp8 missing", B(0x8b, 0x44), .rc = -2},
	{"jmp *disp32 cut", B(0xff, 0x25, 0x00, 0x10), .rc = -2},
	{"14 prefixes, no opcode",
	 B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66),
	 .rc = -2},
	/* documented over-approximation: invalid, but short, so "fetch more" */
	{"lock nop, short", B(0xf0, 0x90), .rc = -2},
	{"longest: 15 bytes",
	 B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90),
	 .o16 = true},

	/* ---- 16-bit decoder ---- */
	{"16: pushf is pushfw", .m16 = true, B(0x9c), CO(CO_FLAGS16), .o16 = true, .a16 = true},
	{"16: 66 pushf is pushfl", .m16 = true, B(0x66, 0x9c), .cls = XC_PUSHF, .a16 = true},
	{"16: jmp rel16 wraps", .m16 = true, .eip = 0xfff0, B(0xe9, 0x20, 0x00), .cls = XC_JMP,
	 .target = 0x0013, .o16 = true, .a16 = true},
	{"16: 66 jmp rel32", .m16 = true, .eip = 0x100, B(0x66, 0xe9, 0x00, 0x00, 0x01, 0x00),
	 .cls = XC_JMP, .target = 0x10106, .a16 = true},
	{"16: je rel8", .m16 = true, .eip = 0x100, B(0x74, 0xfe), .cls = XC_JCC, .cc = 4,
	 .target = 0x100, .o16 = true, .a16 = true},
	{"16: jcxz", .m16 = true, .eip = 0x100, B(0xe3, 0x10), .cls = XC_JCXZ, .target = 0x112,
	 .o16 = true, .a16 = true},
	{"16: mov %ss,%ax", .m16 = true, B(0x8c, 0xd0), .cls = XC_SEG_READ, .sreg = SEG_SS, .dest = 0,
	 .modrm = 1, .o16 = true, .a16 = true},
	{"16: jmp *(%bx,%si)", .m16 = true, B(0xff, 0x20), .cls = XC_JMP_IND, .modrm = 1, .o16 = true,
	 .a16 = true},
	{"16: mov %eax,%cr0", .m16 = true, B(0x0f, 0x22, 0xc0), CO(CO_MOV_TO_CR), .modrm = 2,
	 .o16 = true, .a16 = true},
	{"16: add (%bx,%si),%al", .m16 = true, B(0x02, 0x00), .modrm = 1, .o16 = true, .a16 = true},
	{"16: mov %gs:(%di),%ax", .m16 = true, B(0x65, 0x8b, 0x05), .cls = XC_GS_REWRITE, .modrm = 2,
	 .seg = 0x65, .seg_off = 0, .o16 = true, .a16 = true},
	{"16: int $0x10", .m16 = true, B(0xcd, 0x10), CO(CO_INT), .o16 = true, .a16 = true},
};

/* clang-format on */

#define NCASES ((int)(sizeof(cases) / sizeof(cases[0])))

static struct xdecoder dec32, dec16;

static void setup(void)
{
	ck_assert_int_eq(xdecode_init(&dec32, true), 0);
	ck_assert_int_eq(xdecode_init(&dec16, false), 0);
}

static void teardown(void)
{
	xdecode_fini(&dec32);
	xdecode_fini(&dec16);
}

static bool is_direct_branch(enum xclass c)
{
	return c == XC_JMP || c == XC_JCC || c == XC_JCXZ || c == XC_LOOP || c == XC_CALL;
}

static bool expect_ends_block(enum xclass c)
{
	switch (c) {
	case XC_IDENT:
	case XC_GS_REWRITE:
	case XC_CLI:
	case XC_STI:
	case XC_PUSHF:
	case XC_POPF:
	case XC_SEG_READ: return false;
	default: return true;
	}
}

static bool has_sreg(const struct dcase *t)
{
	return t->cls == XC_SEG_READ ||
	       (t->cls == XC_CALLOUT && (t->co == CO_SEG_LOAD || t->co == CO_SEG_READ));
}

START_TEST(test_table)
{
	const struct dcase *t = &cases[_i];
	/* room beyond the instruction, filled with a byte that would change
	 * the decoding if the decoder read past len */
	uint8_t buf[32];
	struct xinsn x;
	size_t avail = t->avail ? t->avail : t->len;

	memset(buf, 0x0f, sizeof(buf));
	memcpy(buf, t->bytes, t->len);
	if (t->avail > t->len)
		memset(buf + t->len, 0, t->avail - t->len);
	int rc = xdecode(t->m16 ? &dec16 : &dec32, buf, avail, t->eip, &x);
	ck_assert_msg(rc == t->rc, "%s: rc %d, expected %d", t->name, rc, t->rc);
	if (rc < 0)
		return;

	ck_assert_msg(x.len == t->len, "%s: len %u, expected %u", t->name, x.len, t->len);
	ck_assert_msg(x.eip == t->eip && x.next == t->eip + t->len, "%s: eip/next", t->name);
	ck_assert_msg(memcmp(x.bytes, t->bytes, t->len) == 0, "%s: bytes", t->name);
	ck_assert_msg(x.cls == t->cls, "%s: class %d, expected %d", t->name, x.cls, t->cls);
	ck_assert_msg(x.co == t->co, "%s: call-out %s, expected %s", t->name,
		      callout_kind_name[x.co], callout_kind_name[t->co]);
	ck_assert_msg(x.ends_block == expect_ends_block(t->cls), "%s: ends_block %d", t->name,
		      x.ends_block);
	ck_assert_msg(x.modrm_off == t->modrm, "%s: modrm_off %u, expected %u", t->name,
		      x.modrm_off, t->modrm);
	if (t->seg) {
		ck_assert_msg(x.seg_prefix == t->seg && x.seg_prefix_off == t->seg_off,
			      "%s: seg prefix %02x at %d, expected %02x at %d", t->name,
			      x.seg_prefix, x.seg_prefix_off, t->seg, t->seg_off);
	} else {
		ck_assert_msg(x.seg_prefix == 0 && x.seg_prefix_off == -1,
			      "%s: unexpected seg prefix %02x at %d", t->name, x.seg_prefix,
			      x.seg_prefix_off);
	}
	ck_assert_msg(x.addr16 == t->a16, "%s: addr16 %d", t->name, x.addr16);
	ck_assert_msg(x.opsize16 == t->o16, "%s: opsize16 %d", t->name, x.opsize16);
	ck_assert_msg(x.rep == t->rep, "%s: rep %d", t->name, x.rep);

	if (is_direct_branch(t->cls))
		ck_assert_msg(x.target == t->target, "%s: target 0x%08x, expected 0x%08x", t->name,
			      x.target, t->target);
	if (t->cls == XC_JCC)
		ck_assert_msg(x.cc == t->cc, "%s: cc %u, expected %u", t->name, x.cc, t->cc);
	if (t->cls == XC_LOOP)
		ck_assert_msg(x.loop_kind == t->loop, "%s: loop_kind %u", t->name, x.loop_kind);
	if (t->cls == XC_RET)
		ck_assert_msg(x.ret_pop == t->ret_pop, "%s: ret_pop %u", t->name, x.ret_pop);
	if (has_sreg(t))
		ck_assert_msg(x.sreg == t->sreg, "%s: sreg %u, expected %u", t->name, x.sreg,
			      t->sreg);
	if (t->cls == XC_SEG_READ)
		ck_assert_msg(x.dest_reg == t->dest, "%s: dest_reg %u, expected %u", t->name,
			      x.dest_reg, t->dest);
	if (t->cls == XC_UNSUPPORTED)
		ck_assert_msg(x.why && x.why[0], "%s: no reason given", t->name);

	/* text: NUL-terminated, starts with a mnemonic */
	ck_assert_msg(memchr(x.text, '\0', sizeof(x.text)) != NULL, "%s: text", t->name);
	ck_assert_msg(x.text[0] >= 'a' && x.text[0] <= 'z', "%s: text '%s'", t->name, x.text);
}
END_TEST

/* Every class and every call-out kind the decoder produces appears in the
 * table, so the table cannot silently lose coverage. */
START_TEST(test_table_covers_all_kinds)
{
	bool cls_seen[XC_UNSUPPORTED + 1] = {false};
	bool co_seen[CO_COUNT] = {false};
	int i;

	for (i = 0; i < NCASES; i++) {
		if (cases[i].rc != 0)
			continue;
		cls_seen[cases[i].cls] = true;
		co_seen[cases[i].co] = true;
	}
	for (i = 0; i <= XC_UNSUPPORTED; i++)
		ck_assert_msg(cls_seen[i], "class %d not covered", i);
	for (i = 0; i < CO_COUNT; i++) {
		if (i == CO_GS_INSN || i == CO_CLI || i == CO_STI || i == CO_POPF ||
		    i == CO_FPU_TRAP || i == CO_EMULATE || i == CO_PUSH_SREG || i == CO_NEAR_STACK)
			continue; /* chosen by the translator, never by the decoder */
		ck_assert_msg(co_seen[i], "call-out %s not covered", callout_kind_name[i]);
	}
}
END_TEST

/* All sixteen condition codes, short and near forms. */
START_TEST(test_all_condition_codes)
{
	struct xinsn x;
	uint8_t s[2] = {0x70, 0x7e}, n[6] = {0x0f, 0x80, 0x00, 0x10, 0x00, 0x00};
	unsigned cc;

	for (cc = 0; cc < 16; cc++) {
		s[0] = (uint8_t)(0x70 | cc);
		ck_assert_int_eq(xdecode(&dec32, s, sizeof(s), 0x4000, &x), 0);
		ck_assert_int_eq(x.cls, XC_JCC);
		ck_assert_uint_eq(x.cc, cc);
		ck_assert_uint_eq(x.target, 0x4000 + 2 + 0x7e);
		ck_assert(x.ends_block);

		n[1] = (uint8_t)(0x80 | cc);
		ck_assert_int_eq(xdecode(&dec32, n, sizeof(n), 0x4000, &x), 0);
		ck_assert_int_eq(x.cls, XC_JCC);
		ck_assert_uint_eq(x.cc, cc);
		ck_assert_uint_eq(x.target, 0x4000 + 6 + 0x1000);
	}
}
END_TEST

/* Only the first instruction is decoded, whatever follows it. */
START_TEST(test_decodes_one_instruction)
{
	static const uint8_t code[] = {0x90, 0xfa, 0xf4, 0xcc};
	struct xinsn x;

	ck_assert_int_eq(xdecode(&dec32, code, sizeof(code), 0x100, &x), 0);
	ck_assert_int_eq(x.cls, XC_IDENT);
	ck_assert_uint_eq(x.len, 1);
	ck_assert_uint_eq(x.next, 0x101);
	ck_assert_int_eq(xdecode(&dec32, code + 1, sizeof(code) - 1, 0x101, &x), 0);
	ck_assert_int_eq(x.cls, XC_CLI);
	ck_assert(!x.ends_block);
}
END_TEST

/* Flag effects the translator's liveness check relies on: a wrong "writes"
 * or a missing "reads" would let a poll clobber live guest flags. */
START_TEST(test_flag_effects)
{
	static const struct {
		uint8_t b[8];
		uint8_t len, read, written;
	} t[] = {
	    {{0x01, 0xd8}, 2, 0, XFL_ALL},		   /* add eax, ebx */
	    {{0x39, 0xd8}, 2, 0, XFL_ALL},		   /* cmp eax, ebx */
	    {{0x11, 0xd8}, 2, XFL_ALL, 0},		   /* adc: reads CF */
	    {{0x19, 0xd8}, 2, XFL_ALL, 0},		   /* sbb: reads CF */
	    {{0x40}, 1, 0, XFL_ALL & ~XFL_CF},		   /* inc keeps CF */
	    {{0x0f, 0xa3, 0xd8}, 3, 0, XFL_ALL & ~XFL_ZF}, /* bt keeps ZF */
	    {{0xc1, 0xe0, 0x05}, 3, 0, XFL_ALL},	   /* shl eax, 5 */
	    {{0xc1, 0xe0, 0x00}, 3, XFL_ALL, 0},	   /* shl eax, 0: flags kept */
	    {{0xd3, 0xe0}, 2, XFL_ALL, 0},		   /* shl eax, cl: count may be 0 */
	    {{0xc1, 0xc0, 0x0f}, 3, 0, XFL_CF | XFL_OF},   /* rol eax, 15 */
	    {{0x89, 0xd8}, 2, 0, 0},			   /* mov */
	    {{0x8d, 0x04, 0x18}, 3, 0, 0},		   /* lea */
	    {{0x75, 0x00}, 2, XFL_ALL, 0},		   /* jne reads */
	    {{0x0f, 0x42, 0xc3}, 3, XFL_ALL, 0},	   /* cmovb reads */
	    {{0x0f, 0x92, 0xc0}, 3, XFL_ALL, 0},	   /* setb reads */
	    {{0x9c}, 1, XFL_ALL, 0},			   /* pushf reads */
	    {{0x27}, 1, XFL_ALL, 0},			   /* daa reads */
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct xinsn x;
		ck_assert_int_eq(xdecode(&dec32, t[i].b, t[i].len, 0x1000, &x), 0);
		ck_assert_msg(x.flags_read == t[i].read && x.flags_written == t[i].written,
			      "%s: read %#x written %#x, want %#x %#x", x.text, x.flags_read,
			      x.flags_written, t[i].read, t[i].written);
	}
}
END_TEST

/* A failed or short decode must not leave stale fields from an earlier call
 * in a reused xinsn. */
START_TEST(test_output_reset)
{
	static const uint8_t jmp[] = {0xeb, 0x10}, add[] = {0x01, 0xd8};
	struct xinsn x;

	ck_assert_int_eq(xdecode(&dec32, jmp, sizeof(jmp), 0x1000, &x), 0);
	ck_assert(x.ends_block);
	ck_assert_int_eq(xdecode(&dec32, add, sizeof(add), 0x2000, &x), 0);
	ck_assert_int_eq(x.cls, XC_IDENT);
	ck_assert(!x.ends_block);
	ck_assert_uint_eq(x.target, 0);
	ck_assert_int_eq(x.seg_prefix_off, -1);
}
END_TEST

START_TEST(test_text)
{
	static const uint8_t mov[] = {0x65, 0xa1, 0x10, 0x00, 0x00, 0x00};
	static const uint8_t ret[] = {0xc3};
	/* a long operand string must be cut, not overflow */
	static const uint8_t vex[] = {0x62, 0xf1, 0x7c, 0x48, 0x58, 0x84,
				      0x8b, 0x78, 0x56, 0x34, 0x12};
	struct xinsn x;

	ck_assert_int_eq(xdecode(&dec32, mov, sizeof(mov), 0, &x), 0);
	ck_assert_str_eq(x.text, "mov eax, dword ptr gs:[0x10]");
	ck_assert_int_eq(xdecode(&dec32, ret, sizeof(ret), 0, &x), 0);
	ck_assert_str_eq(x.text, "ret");
	ck_assert_int_eq(xdecode(&dec32, vex, sizeof(vex), 0, &x), 0);
	ck_assert_uint_lt(strlen(x.text), sizeof(x.text));
}
END_TEST

/* The decoder can be torn down and set up again, in both modes. */
START_TEST(test_init_fini)
{
	struct xdecoder d;
	struct xinsn x;
	static const uint8_t pushf[] = {0x9c};

	ck_assert_int_eq(xdecode_init(&d, false), 0);
	ck_assert(!d.mode32);
	ck_assert_int_eq(xdecode(&d, pushf, 1, 0, &x), 0);
	ck_assert_int_eq(x.co, CO_FLAGS16);
	xdecode_fini(&d);
	ck_assert_int_eq(xdecode_init(&d, true), 0);
	ck_assert(d.mode32);
	ck_assert_int_eq(xdecode(&d, pushf, 1, 0, &x), 0);
	ck_assert_int_eq(x.cls, XC_PUSHF);
	xdecode_fini(&d);
	xdecode_fini(&d); /* harmless twice */
}
END_TEST

START_TEST(test_callout_names)
{
	int i, j;

	for (i = 0; i < CO_COUNT; i++) {
		ck_assert_ptr_nonnull(callout_kind_name[i]);
		ck_assert_uint_gt(strlen(callout_kind_name[i]), 0);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(callout_kind_name[i], callout_kind_name[j]);
	}
	ck_assert_str_eq(callout_kind_name[CO_NONE], "none");
	ck_assert_str_eq(callout_kind_name[CO_IN], "in");
	ck_assert_str_eq(callout_kind_name[CO_FLAGS16], "pushfw/popfw");
	ck_assert_str_eq(callout_kind_name[CO_UD], "invalid opcode");
}
END_TEST

static Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("decode");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_table, 0, NCASES);
	tcase_add_test(tc, test_table_covers_all_kinds);
	tcase_add_test(tc, test_all_condition_codes);
	tcase_add_test(tc, test_decodes_one_instruction);
	tcase_add_test(tc, test_output_reset);
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_init_fini);
	tcase_add_test(tc, test_callout_names);
	tcase_add_test(tc, test_flag_effects);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(decode_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
