/* callout_kind.h - the instructions translated code hands to the monitor. */
#ifndef BTVMM_CALLOUT_KIND_H
#define BTVMM_CALLOUT_KIND_H

/* X(name, "label for -stats") */
#define CALLOUT_KINDS(X)                                                                           \
	X(CO_NONE, "none")                                                                         \
	X(CO_IN, "in")                                                                             \
	X(CO_OUT, "out")                                                                           \
	X(CO_INS, "ins")                                                                           \
	X(CO_OUTS, "outs")                                                                         \
	X(CO_HLT, "hlt")                                                                           \
	X(CO_CPUID, "cpuid")                                                                       \
	X(CO_RDTSC, "rdtsc")                                                                       \
	X(CO_RDTSCP, "rdtscp")                                                                     \
	X(CO_RDPMC, "rdpmc")                                                                       \
	X(CO_RDMSR, "rdmsr")                                                                       \
	X(CO_WRMSR, "wrmsr")                                                                       \
	X(CO_MOV_FROM_CR, "mov from cr")                                                           \
	X(CO_MOV_TO_CR, "mov to cr")                                                               \
	X(CO_MOV_FROM_DR, "mov from dr")                                                           \
	X(CO_MOV_TO_DR, "mov to dr")                                                               \
	X(CO_CLTS, "clts")                                                                         \
	X(CO_LMSW, "lmsw")                                                                         \
	X(CO_SMSW, "smsw")                                                                         \
	X(CO_LGDT, "lgdt")                                                                         \
	X(CO_LIDT, "lidt")                                                                         \
	X(CO_SGDT, "sgdt")                                                                         \
	X(CO_SIDT, "sidt")                                                                         \
	X(CO_LLDT, "lldt")                                                                         \
	X(CO_SLDT, "sldt")                                                                         \
	X(CO_LTR, "ltr")                                                                           \
	X(CO_STR, "str")                                                                           \
	X(CO_LAR, "lar")                                                                           \
	X(CO_LSL, "lsl")                                                                           \
	X(CO_VERR, "verr")                                                                         \
	X(CO_VERW, "verw")                                                                         \
	X(CO_ARPL, "arpl")                                                                         \
	X(CO_INVLPG, "invlpg")                                                                     \
	X(CO_INVD, "invd/wbinvd")                                                                  \
	X(CO_FAR_JMP, "far jmp")                                                                   \
	X(CO_FAR_CALL, "far call")                                                                 \
	X(CO_FAR_RET, "far ret")                                                                   \
	X(CO_SEG_LOAD, "segment load")                                                             \
	X(CO_SEG_READ, "segment read")                                                             \
	X(CO_PUSH_SREG, "push of a segment register")                                              \
	X(CO_NEAR_STACK, "near call/ret/pushf on a stack with a base or limit")                    \
	X(CO_INT, "int n")                                                                         \
	X(CO_INT3, "int3")                                                                         \
	X(CO_INTO, "into")                                                                         \
	X(CO_IRET, "iret")                                                                         \
	X(CO_SYSENTER, "sysenter/syscall")                                                         \
	X(CO_GS_INSN, "%gs-relative emulation")                                                    \
	X(CO_FLAGS16, "pushfw/popfw")                                                              \
	X(CO_CLI, "cli (CPL > 0)")                                                                 \
	X(CO_STI, "sti (CPL > 0)")                                                                 \
	X(CO_POPF, "popf (CPL > 0)")                                                               \
	X(CO_FPU_TRAP, "x87/SIMD with CR0.EM or TS")                                               \
	X(CO_EMULATE, "executed in software")                                                      \
	X(CO_UD, "invalid opcode")

enum callout_kind {
#define X(n, s) n,
	CALLOUT_KINDS(X)
#undef X
	    CO_COUNT
};

extern const char *const callout_kind_name[CO_COUNT];

#endif
