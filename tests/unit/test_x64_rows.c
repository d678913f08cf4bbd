/* test_x64_rows.c - the x64 backend (translator/x64/emit64.c) run for real:
 * each row of its rewrite table (and each form it hands to the emulator or
 * the monitor) as a short guest snippet, executed through vm_init/vm_run,
 * with registers, flags and memory checked exactly afterwards.
 *
 * The snippets are 32-bit code assembled by GNU as (.code32 in top-level
 * asm below), copied into guest RAM, and end with `out %al, $0xf4` (the
 * isa-debug-exit port: vm_run returns). Exceptions go through an IDT whose
 * handler for vector v is just `out %al, $0xf4` at STUBS + 16 * v, so the
 * EIP at the stop names the vector, the registers are those at the fault,
 * and the frame (error code, EIP, CS, EFLAGS) is on the guest stack.
 *
 * Every test runs in its own process (Check's CK_FORK, forced in main): a
 * fixture builds one VM per test; snippets within a test are placed at
 * fresh addresses, so no stale translation can be reused.
 *
 * Expected values come from the SDM (instruction pages of vol. 2), except
 * where a comment names QEMU (qemu-i386 8.x user mode running the same
 * instruction in a static -m32 program). Flags the SDM leaves undefined are
 * masked out and say so.
 *
 * This test maps the guest's 4 GiB window at host addresses [0, 4 GiB),
 * where AddressSanitizer keeps its shadow memory: CMakeLists.txt labels it
 * unit_window and leaves it out of the BTVMM_SANITIZE build. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "physmem.h"
#include "segments.h"
#include "vm.h"

/* ---- guest memory layout (4 MiB of RAM, paging off) ---- */
#define GDT 0x10000u
#define IDT 0x11000u
#define STUBS 0x12000u /* exception handler for vector v at STUBS + 16 * v */
#define DATA 0x2000u
#define STACK 0x90000u
#define CODE 0x100000u

/* GDT selectors */
#define SEL_CS 0x10
#define SEL_DS 0x18
#define SEL_BASED 0x20	  /* data, base 0x1000, 4 GiB */
#define SEL_BASED_HI 0x28 /* data, base 0xfffff000, 4 GiB: base + 0x3000 wraps to 0x2000 */
#define SEL_LIMIT 0x30	  /* data, base 0x2000, limit 0xfff */
#define SEL_EXPDOWN 0x38  /* data, expand-down, limit 0xfff, B=1: offsets 0x1000..4 GiB-1 */
#define SEL_RO 0x40	  /* data, read-only, flat */
#define SEL_SS16 0x48	  /* data, base 0x40000, limit 0xffff, B=0 (a 16-bit stack) */
#define GDT_ENTRIES 10

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define DF 0x400u
#define OF 0x800u
#define ARITH (CF | PF | AF | ZF | SF | OF)
/* Two distinctive, complementary flag patterns for "flags unchanged". */
#define P1 (CF | AF | SF | OF)
#define P2 (PF | ZF | DF)

/* ---- the snippets ---- */

/* A global label for offsets into a snippet (targets, return addresses). */
#define LBL(name)                                                                                  \
	extern const uint8_t name[] __attribute__((visibility("hidden")));                         \
	__asm__(".globl " #name)

/* Snippet `name`: body, then the debug exit; name..name_end are its bytes. */
#define SNIP(name, body)                                                                           \
	extern const uint8_t name[] __attribute__((visibility("hidden")));                         \
	extern const uint8_t name##_end[] __attribute__((visibility("hidden")));                   \
	__asm__(".pushsection .rodata.guest32,\"a\"\n\t.code32\n" #name ":\n" body                 \
		"\n\tout %al, $0xf4\n" #name "_end:\n\t.code64\n\t.popsection")

/* ---- the machine ---- */

static struct vm vm;
static struct vm_config cfg;
static uint32_t code_next;

/* The state a snippet starts with (reset by begin()). */
static struct {
	uint32_t r[8];
	uint32_t fl;	 /* arithmetic flags and DF */
	uint16_t seg[6]; /* selectors to load; 0: the flat data segment */
} in;

static void *gp(uint32_t a, uint32_t n)
{
	void *p = gpa_ptr(&vm.mem, a, n);
	ck_assert_ptr_nonnull(p);
	return p;
}

static uint32_t rd32(uint32_t a)
{
	uint32_t v;
	memcpy(&v, gp(a, 4), 4);
	return v;
}

static uint16_t rd16(uint32_t a)
{
	uint16_t v;
	memcpy(&v, gp(a, 2), 2);
	return v;
}

static uint8_t rd8(uint32_t a)
{
	return *(uint8_t *)gp(a, 1);
}

static void wr32(uint32_t a, uint32_t v)
{
	memcpy(gp(a, 4), &v, 4);
}

static void wr16(uint32_t a, uint16_t v)
{
	memcpy(gp(a, 2), &v, 2);
}

static void wr8(uint32_t a, uint8_t v)
{
	*(uint8_t *)gp(a, 1) = v;
}

static void wrbytes(uint32_t a, const void *p, uint32_t n)
{
	memcpy(gp(a, n), p, n);
}

static void gdt_set(int i, uint32_t base, uint32_t limit, uint8_t access, uint8_t gdb)
{
	uint32_t lo = (limit & 0xffff) | (base & 0xffff) << 16;
	uint32_t hi = ((base >> 16) & 0xff) | (uint32_t)access << 8 | (limit & 0xf0000) |
		      (uint32_t)gdb << 20 | (base & 0xff000000u);
	wr32(GDT + 8 * (uint32_t)i, lo);
	wr32(GDT + 8 * (uint32_t)i + 4, hi);
}

static void setup(void)
{
	char err[256];
	memset(&cfg, 0, sizeof(cfg));
	cfg.ram_mb = 4;
	cfg.backend = BACKEND_X64;
	cfg.tc_size_kb = 2048;
	cfg.serial_stdio = false;
	if (vm_init(&vm, &cfg, err, sizeof(err)))
		ck_abort_msg("vm_init: %s", err);
	memset(gp(0x1000, 0x100000 - 0x1000), 0, 0x100000 - 0x1000);
	gdt_set(1, 0, 0xfffff, 0x9b, 0xc);
	gdt_set(2, 0, 0xfffff, 0x9b, 0xc);
	gdt_set(3, 0, 0xfffff, 0x93, 0xc);
	gdt_set(4, 0x1000, 0xfffff, 0x93, 0xc);
	gdt_set(5, 0xfffff000u, 0xfffff, 0x93, 0xc);
	gdt_set(6, 0x2000, 0xfff, 0x93, 0x4);
	gdt_set(7, 0, 0xfff, 0x97, 0x4);
	gdt_set(8, 0, 0xfffff, 0x91, 0xc);
	gdt_set(9, 0x40000, 0xffff, 0x93, 0x0);
	for (uint32_t v = 0; v < 32; v++) {
		uint32_t h = STUBS + 16 * v;
		wr32(IDT + 8 * v, (h & 0xffff) | (uint32_t)SEL_CS << 16);
		wr32(IDT + 8 * v + 4, (h & 0xffff0000u) | 0x8e00); /* 32-bit interrupt gate */
		static const uint8_t stub[] = {0xe6, 0xf4, 0xf4};  /* out %al, $0xf4; hlt */
		wrbytes(h, stub, sizeof(stub));
	}
	code_next = CODE;
}

static void begin(void)
{
	memset(&in, 0, sizeof(in));
	in.r[ESP] = STACK;
}

#define R(i) (vm.cpu.blk->gpr[i])
#define FL() (cpu_get_eflags(&vm.cpu) & (ARITH | DF))

/* Copy the snippet to a fresh address, load the state, run to the stop. */
static uint32_t start(const uint8_t *s, const uint8_t *e)
{
	uint32_t len = (uint32_t)(e - s), at = code_next;
	code_next += (len + 0xfffu) & ~0xfffu;
	wrbytes(at, s, len);
	ck_assert_int_eq(cpu_reset_multiboot(&vm.cpu, at, 0, 0), 0);
	vm.cpu.gdtr = (struct dtr){GDT, GDT_ENTRIES * 8 - 1};
	vm.cpu.idtr = (struct dtr){IDT, 32 * 8 - 1};
	vm.cpu.cr4 |= CR4_OSFXSR;
	for (int sr = SEG_ES; sr <= SEG_GS; sr++) {
		if (sr == SEG_CS || !in.seg[sr])
			continue;
		struct gexc x = seg_load(&vm.cpu, sr, in.seg[sr]);
		ck_assert_int_eq(x.vec, -1);
	}
	memcpy(vm.cpu.blk->gpr, in.r, sizeof(in.r));
	cpu_set_eflags(&vm.cpu, in.fl, ARITH | DF);
	vm.stop = STOP_NONE;
	vm.exit_status = 0;
	vm.dbg_exit.fired = false;
	vm.cpu.halted = false;
	vm_run(&vm);
	ck_assert_int_eq(vm.stop, STOP_DEBUG_EXIT);
	return at;
}

/* Run a snippet that must reach its final out; returns its address. */
static uint32_t run_(const uint8_t *s, const uint8_t *e)
{
	uint32_t at = start(s, e);
	ck_assert_uint_eq(vm.cpu.blk->eip, at + (uint32_t)(e - s));
	return at;
}
#define RUN(name) run_(name, name##_end)

/* Run a snippet that must take exception vec; returns its address. */
static uint32_t exc_(const uint8_t *s, const uint8_t *e, int vec)
{
	uint32_t at = start(s, e);
	ck_assert_uint_eq(vm.cpu.blk->eip, STUBS + 16u * (uint32_t)vec + 2);
	return at;
}
#define EXC(name, vec) exc_(name, name##_end, vec)

/* The exception frame on a flat 32-bit stack: word i from the top. */
static uint32_t frame(int i)
{
	return rd32(R(ESP) + 4u * (uint32_t)i);
}

#define OFF(snip, label) ((uint32_t)((uintptr_t)(label) - (uintptr_t)(snip)))
#define EQ(a, b) ck_assert_uint_eq((a), (b))

/* ================= inc/dec 40-4F ================= */

SNIP(s_inc8, "inc %eax; inc %ecx; inc %edx; inc %ebx; inc %esp; inc %ebp; inc %esi; inc %edi");
SNIP(s_dec8, "dec %eax; dec %ecx; dec %edx; dec %ebx; dec %esp; dec %ebp; dec %esi; dec %edi");
SNIP(s_inc8w, "inc %ax; inc %cx; inc %dx; inc %bx; inc %sp; inc %bp; inc %si; inc %di");
SNIP(s_dec8w, "dec %ax; dec %cx; dec %dx; dec %bx; dec %sp; dec %bp; dec %si; dec %di");

START_TEST(inc_dec_all_regs)
{
	for (int k = 0; k < 2; k++) {
		begin();
		in.fl = k ? P2 : P1;
		for (int i = 0; i < 8; i++)
			in.r[i] = 0x100u * (uint32_t)i + 0x1000u + (uint32_t)i;
		RUN(s_inc8);
		for (int i = 0; i < 8; i++)
			EQ(R(i), in.r[i] + 1);
		/* edi 0x1707 -> 0x1708: no carry out of bit 3, one bit set; CF, DF kept */
		EQ(FL(), in.fl & (CF | DF));
		RUN(s_dec8);
		for (int i = 0; i < 8; i++)
			EQ(R(i), in.r[i] - 1);
		/* 0x1707 -> 0x1706: PF (two bits) */
		EQ(FL(), (in.fl & (CF | DF)) | PF);
		/* 16-bit: every register wraps in its low half only */
		for (int i = 0; i < 8; i++)
			in.r[i] = 0x11110000u * (uint32_t)(i + 1) + 0xffffu;
		RUN(s_inc8w);
		for (int i = 0; i < 8; i++)
			EQ(R(i), in.r[i] & 0xffff0000u);
		EQ(FL(), (in.fl & (CF | DF)) | ZF | AF | PF);
		for (int i = 0; i < 8; i++)
			in.r[i] = 0x11110000u * (uint32_t)(i + 1);
		RUN(s_dec8w);
		for (int i = 0; i < 8; i++)
			EQ(R(i), in.r[i] | 0xffffu);
		EQ(FL(), (in.fl & (CF | DF)) | SF | AF | PF);
	}
}
END_TEST

SNIP(s_inc_ecx, "inc %ecx");
SNIP(s_dec_ecx, "dec %ecx");
SNIP(s_inc_si, "inc %si");
SNIP(s_dec_di, "dec %di");

static const struct incdec {
	int op; /* 0 inc ecx, 1 dec ecx, 2 inc si, 3 dec di */
	uint32_t v, r, fl;
} incdec_cases[] = {
    {0, 0x7fffffffu, 0x80000000u, OF | SF | AF | PF},
    {0, 0xffffffffu, 0, ZF | AF | PF},
    {0, 0x0e, 0x0f, PF},
    {0, 0x0f, 0x10, AF},
    {1, 0x80000000u, 0x7fffffffu, OF | AF | PF},
    {1, 1, 0, ZF | PF},
    {1, 0, 0xffffffffu, SF | AF | PF},
    {1, 0x10, 0x0f, AF | PF},
    {2, 0xabcd7fffu, 0xabcd8000u, OF | SF | AF | PF},
    {2, 0x1234ffffu, 0x12340000u, ZF | AF | PF},
    {2, 0x0001000fu, 0x00010010u, AF},
    {3, 0x55558000u, 0x55557fffu, OF | AF | PF},
    {3, 0x99990000u, 0x9999ffffu, SF | AF | PF},
    {3, 0x00010001u, 0x00010000u, ZF | PF},
};

START_TEST(inc_dec_flags)
{
	const struct incdec *c = &incdec_cases[_i];
	static const int reg[] = {ECX, ECX, ESI, EDI};
	for (int k = 0; k < 2; k++) {
		begin();
		in.fl = k ? ARITH | DF : 0;
		in.r[reg[c->op]] = c->v;
		switch (c->op) {
		case 0: RUN(s_inc_ecx); break;
		case 1: RUN(s_dec_ecx); break;
		case 2: RUN(s_inc_si); break;
		case 3: RUN(s_dec_di); break;
		}
		EQ(R(reg[c->op]), c->r);
		EQ(FL(), c->fl | (in.fl & (CF | DF))); /* CF is not touched */
	}
}
END_TEST

/* ================= push / pop ================= */

SNIP(s_push8, "push %eax; push %ecx; push %edx; push %ebx; push %esp; push %ebp; push %esi; "
	      "push %edi");
SNIP(s_pop7, "pop %eax; pop %ecx; pop %edx; pop %ebx; pop %ebp; pop %esi; pop %edi");
SNIP(s_pop_esp, "pop %esp");
SNIP(s_push8w, "push %ax; push %cx; push %dx; push %bx; push %sp; push %bp; push %si; push %di");
SNIP(s_pop7w, "pop %ax; pop %cx; pop %dx; pop %bx; pop %bp; pop %si; pop %di");
SNIP(s_pop_sp, "pop %sp");
SNIP(s_push_rmreg, ".byte 0xff, 0xf0; .byte 0x66, 0xff, 0xf3"); /* push %eax, pushw %bx (FF /6) */
SNIP(s_pop_rmreg, ".byte 0x8f, 0xc1; .byte 0x66, 0x8f, 0xc2");	/* pop %ecx, popw %dx (8F /0) */

START_TEST(push_pop_regs)
{
	for (int k = 0; k < 2; k++) {
		begin();
		in.fl = k ? P2 : P1;
		for (int i = 0; i < 8; i++)
			if (i != ESP)
				in.r[i] = 0x01010101u * (uint32_t)(i + 1) + 0x10000000u;
		RUN(s_push8);
		EQ(R(ESP), STACK - 32);
		for (int i = 0; i < 8; i++)
			EQ(rd32(STACK - 4 - 4u * (uint32_t)i), i == ESP ? STACK - 16 : in.r[i]);
		EQ(FL(), in.fl);

		begin();
		in.fl = k ? P2 : P1;
		in.r[ESP] = STACK - 32;
		for (uint32_t i = 0; i < 8; i++)
			wr32(STACK - 32 + 4 * i, 0xc0de0000u + i);
		RUN(s_pop7);
		EQ(R(EAX), 0xc0de0000u);
		EQ(R(ECX), 0xc0de0001u);
		EQ(R(EDX), 0xc0de0002u);
		EQ(R(EBX), 0xc0de0003u);
		EQ(R(EBP), 0xc0de0004u);
		EQ(R(ESI), 0xc0de0005u);
		EQ(R(EDI), 0xc0de0006u);
		EQ(R(ESP), STACK - 4);
		EQ(FL(), in.fl);

		/* pop %esp: ESP is the value popped (SDM POP) */
		begin();
		in.fl = k ? P2 : P1;
		in.r[ESP] = STACK - 8;
		wr32(STACK - 8, 0x00081234u);
		RUN(s_pop_esp);
		EQ(R(ESP), 0x00081234u);
		EQ(FL(), in.fl);

		/* 16-bit: push %sp pushes SP as it was before */
		begin();
		in.fl = k ? P2 : P1;
		for (int i = 0; i < 8; i++)
			if (i != ESP)
				in.r[i] = 0xeeee0000u + 0x1111u * (uint32_t)(i + 1);
		RUN(s_push8w);
		EQ(R(ESP), STACK - 16);
		for (int i = 0; i < 8; i++)
			EQ(rd16(STACK - 2 - 2u * (uint32_t)i),
			   i == ESP ? (uint16_t)(STACK - 8) : (uint16_t)in.r[i]);
		EQ(FL(), in.fl);

		/* 16-bit pops keep the upper halves */
		begin();
		in.fl = k ? P2 : P1;
		for (int i = 0; i < 8; i++)
			if (i != ESP)
				in.r[i] = 0x77770000u * (uint32_t)(i + 1) + 0x5555u;
		in.r[ESP] = STACK - 16;
		for (uint32_t i = 0; i < 8; i++)
			wr16(STACK - 16 + 2 * i, (uint16_t)(0xa000u + i));
		RUN(s_pop7w);
		EQ(R(EAX), (in.r[EAX] & 0xffff0000u) | 0xa000u);
		EQ(R(ECX), (in.r[ECX] & 0xffff0000u) | 0xa001u);
		EQ(R(EDX), (in.r[EDX] & 0xffff0000u) | 0xa002u);
		EQ(R(EBX), (in.r[EBX] & 0xffff0000u) | 0xa003u);
		EQ(R(EBP), (in.r[EBP] & 0xffff0000u) | 0xa004u);
		EQ(R(ESI), (in.r[ESI] & 0xffff0000u) | 0xa005u);
		EQ(R(EDI), (in.r[EDI] & 0xffff0000u) | 0xa006u);
		EQ(R(ESP), STACK - 2);
		EQ(FL(), in.fl);

		/* push/pop r/m with a register operand (FF /6, 8F /0) */
		begin();
		in.fl = k ? P2 : P1;
		in.r[EAX] = 0x12345678u;
		in.r[EBX] = 0xaaaabbbbu;
		RUN(s_push_rmreg);
		EQ(R(ESP), STACK - 6);
		EQ(rd32(STACK - 4), 0x12345678u);
		EQ(rd16(STACK - 6), 0xbbbbu);
		EQ(FL(), in.fl);
		in.r[ESP] = STACK - 6;
		in.r[EDX] = 0xdddd0000u;
		wr32(STACK - 6, 0x11112222u);
		wr16(STACK - 2, 0x3333u);
		RUN(s_pop_rmreg);
		EQ(R(ECX), 0x11112222u);
		EQ(R(EDX), 0xdddd3333u);
		EQ(R(ESP), STACK);
		EQ(FL(), in.fl);
	}
}
END_TEST

/* pop %sp: ESP += 2 first, then SP = the word (SDM POP: "increments the
 * stack pointer before data at the old top of stack is written into the
 * destination"); so with ESP = 0x8fffe the upper half becomes 0x0009.
 * QEMU agrees (qemu-i386: ESP 0x...fffe, pop %sp gives 0x...+1 upper half). */
START_TEST(pop_sp)
{
	begin();
	in.r[ESP] = STACK - 16;
	wr16(STACK - 16, 0x1234);
	RUN(s_pop_sp);
	EQ(R(ESP), ((STACK - 16) & 0xffff0000u) | 0x1234u);
	begin();
	in.r[ESP] = STACK - 2;
	wr16(STACK - 2, 0x1234);
	RUN(s_pop_sp);
	EQ(R(ESP), (STACK & 0xffff0000u) | 0x1234u);
}
END_TEST

SNIP(s_push_imm, "push $-2; push $0x12345678; pushw $0x1234; pushw $-3");

START_TEST(push_imm)
{
	for (int k = 0; k < 2; k++) {
		begin();
		in.fl = k ? P2 : P1;
		RUN(s_push_imm);
		EQ(R(ESP), STACK - 12);
		EQ(rd32(STACK - 4), 0xfffffffeu);
		EQ(rd32(STACK - 8), 0x12345678u);
		EQ(rd16(STACK - 10), 0x1234u);
		EQ(rd16(STACK - 12), 0xfffdu);
		EQ(FL(), in.fl);
	}
}
END_TEST

/* push r/m: an ESP-based address is computed before ESP moves (SDM PUSH). */
SNIP(s_push_mem, "pushl (%esp); pushl 8(%esp); pushl 0x2000; pushw 0x2004; pushw (%esp); "
		 "pushl 0x1000(,%ebx,2)");
SNIP(s_push_mem_based, "pushl %fs:0x1000; pushl %fs:8(%esp); pushw %gs:0x3004");

START_TEST(push_mem)
{
	const uint32_t s = STACK - 16;
	for (int k = 0; k < 2; k++) {
		begin();
		in.fl = k ? P2 : P1;
		in.r[ESP] = s;
		in.r[EBX] = 0x804;
		wr32(s, 0xaaaa0001u);
		wr32(s + 4, 0xbbbb0002u);
		wr32(DATA, 0xcccc0003u);
		wr32(DATA + 4, 0xdddd0004u);
		wr32(DATA + 8, 0xeeee0005u);
		RUN(s_push_mem);
		EQ(rd32(s - 4), 0xaaaa0001u);  /* (%esp) */
		EQ(rd32(s - 8), 0xbbbb0002u);  /* 8(%esp) with ESP = s - 4 */
		EQ(rd32(s - 12), 0xcccc0003u); /* 0x2000 */
		EQ(rd16(s - 14), 0x0004u);     /* pushw 0x2004 */
		EQ(rd16(s - 16), 0x0004u);     /* pushw (%esp) */
		EQ(rd32(s - 20), 0xeeee0005u); /* 0x1000 + 2 * 0x804 */
		EQ(R(ESP), s - 20);
		EQ(FL(), in.fl);

		/* through segments with a base (FS 0x1000, GS 0xfffff000) */
		begin();
		in.fl = k ? P2 : P1;
		in.seg[SEG_FS] = SEL_BASED;
		in.seg[SEG_GS] = SEL_BASED_HI;
		in.r[ESP] = 0x8000;
		wr32(DATA, 0x11110001u);
		wr32(DATA + 4, 0x22220002u);
		wr32(0x1000 + 0x8000 + 4, 0x33330003u); /* %fs:8(%esp) after one push */
		RUN(s_push_mem_based);
		EQ(rd32(0x8000 - 4), 0x11110001u);
		EQ(rd32(0x8000 - 8), 0x33330003u);
		EQ(rd16(0x8000 - 10), 0x0002u);
		EQ(R(ESP), 0x8000 - 10);
		EQ(FL(), in.fl);
	}
}
END_TEST

/* pop r/m: an ESP-based address is computed after ESP moves (SDM POP). */
SNIP(s_pop_mem_esp, "popl (%esp)");
SNIP(s_pop_mem_esp4, "popl 4(%esp)");
SNIP(s_pop_mem_esp_w, "popw (%esp)");
SNIP(s_pop_mem_abs, "popl 0x2000; popw 0x2004; popl 0x1000(,%ebx,2)");
SNIP(s_pop_mem_based, "popl %fs:0x1000; popw %gs:0x3004");
SNIP(s_pop_mem_based_esp, "popl %fs:(%esp)");

START_TEST(pop_mem)
{
	const uint32_t s = STACK - 16;
	for (int k = 0; k < 2; k++) {
		begin();
		in.fl = k ? P2 : P1;
		in.r[ESP] = s;
		wr32(s, 0x11111111u);
		wr32(s + 4, 0x22222222u);
		RUN(s_pop_mem_esp);
		EQ(R(ESP), s + 4);
		EQ(rd32(s + 4), 0x11111111u);
		EQ(FL(), in.fl);

		wr32(s, 0x33333333u);
		wr32(s + 4, 0x44444444u);
		wr32(s + 8, 0x55555555u);
		RUN(s_pop_mem_esp4);
		EQ(R(ESP), s + 4);
		EQ(rd32(s + 8), 0x33333333u);
		EQ(rd32(s + 4), 0x44444444u);
		EQ(FL(), in.fl);

		wr32(s, 0x66667777u);
		wr32(s + 4, 0);
		RUN(s_pop_mem_esp_w);
		EQ(R(ESP), s + 2);
		EQ(rd32(s), 0x77777777u);
		EQ(FL(), in.fl);

		in.r[EBX] = 0x804;
		wr32(s, 0xaaaa0001u);
		wr16(s + 4, 0xbbbbu);
		wr32(s + 6, 0xcccc0003u);
		RUN(s_pop_mem_abs);
		EQ(R(ESP), s + 10);
		EQ(rd32(DATA), 0xaaaa0001u);
		EQ(rd16(DATA + 4), 0xbbbbu);
		EQ(rd32(DATA + 8), 0xcccc0003u);
		EQ(FL(), in.fl);

		begin();
		in.fl = k ? P2 : P1;
		in.seg[SEG_FS] = SEL_BASED;
		in.seg[SEG_GS] = SEL_BASED_HI;
		in.r[ESP] = s;
		wr32(s, 0x12345678u);
		wr16(s + 4, 0x9abcu);
		wr32(DATA, 0);
		wr32(DATA + 4, 0);
		RUN(s_pop_mem_based);
		EQ(R(ESP), s + 6);
		EQ(rd32(DATA), 0x12345678u);
		EQ(rd32(DATA + 4), 0x9abcu);
		EQ(FL(), in.fl);

		/* a based ESP operand: FS base + ESP after the increment */
		begin();
		in.fl = k ? P2 : P1;
		in.seg[SEG_FS] = SEL_BASED;
		in.r[ESP] = 0x8000;
		wr32(0x8000, 0x5a5a5a5au);
		RUN(s_pop_mem_based_esp);
		EQ(R(ESP), 0x8004);
		EQ(rd32(0x1000 + 0x8004), 0x5a5a5a5au);
		EQ(FL(), in.fl);
	}
}
END_TEST

/* ================= pusha / popa ================= */

SNIP(s_pusha, "pusha");
SNIP(s_popa, "popa");
SNIP(s_pushaw, "pushaw");
SNIP(s_popaw, "popaw");

START_TEST(pusha_popa)
{
	for (int k = 0; k < 2; k++) {
		begin();
		in.fl = k ? P2 : P1;
		for (int i = 0; i < 8; i++)
			if (i != ESP)
				in.r[i] = 0x10101010u * (uint32_t)(i + 1);
		RUN(s_pusha);
		EQ(R(ESP), STACK - 32);
		for (int i = 0; i < 8; i++) /* EAX at the top, EDI lowest */
			EQ(rd32(STACK - 4 - 4u * (uint32_t)i), i == ESP ? STACK : in.r[i]);
		for (int i = 0; i < 8; i++)
			if (i != ESP)
				EQ(R(i), in.r[i]);
		EQ(FL(), in.fl);

		begin();
		in.fl = k ? P2 : P1;
		in.r[ESP] = STACK - 32;
		for (uint32_t i = 0; i < 8; i++) /* EDI at the lowest address */
			wr32(STACK - 32 + 4 * i, 0xf00d0000u + i);
		RUN(s_popa);
		EQ(R(EDI), 0xf00d0000u);
		EQ(R(ESI), 0xf00d0001u);
		EQ(R(EBP), 0xf00d0002u);
		EQ(R(ESP), STACK); /* its slot (0xf00d0003) is skipped */
		EQ(R(EBX), 0xf00d0004u);
		EQ(R(EDX), 0xf00d0005u);
		EQ(R(ECX), 0xf00d0006u);
		EQ(R(EAX), 0xf00d0007u);
		EQ(FL(), in.fl);

		/* 16-bit (the emulator) */
		begin();
		in.fl = k ? P2 : P1;
		for (int i = 0; i < 8; i++)
			if (i != ESP)
				in.r[i] = 0xabcd0000u + 0x1111u * (uint32_t)(i + 1);
		RUN(s_pushaw);
		EQ(R(ESP), STACK - 16);
		for (int i = 0; i < 8; i++)
			EQ(rd16(STACK - 2 - 2u * (uint32_t)i),
			   i == ESP ? (uint16_t)STACK : (uint16_t)in.r[i]);
		EQ(FL(), in.fl);

		begin();
		in.fl = k ? P2 : P1;
		for (int i = 0; i < 8; i++)
			if (i != ESP)
				in.r[i] = 0x5a5a0000u * (uint32_t)(i + 1);
		in.r[ESP] = STACK - 16;
		for (uint32_t i = 0; i < 8; i++)
			wr16(STACK - 16 + 2 * i, (uint16_t)(0xb000u + i));
		RUN(s_popaw);
		EQ(R(EDI), (in.r[EDI] & 0xffff0000u) | 0xb000u);
		EQ(R(ESI), (in.r[ESI] & 0xffff0000u) | 0xb001u);
		EQ(R(EBP), (in.r[EBP] & 0xffff0000u) | 0xb002u);
		EQ(R(ESP), STACK);
		EQ(R(EBX), (in.r[EBX] & 0xffff0000u) | 0xb004u);
		EQ(R(EDX), (in.r[EDX] & 0xffff0000u) | 0xb005u);
		EQ(R(ECX), (in.r[ECX] & 0xffff0000u) | 0xb006u);
		EQ(R(EAX), (in.r[EAX] & 0xffff0000u) | 0xb007u);
		EQ(FL(), in.fl);
	}
}
END_TEST

/* ================= enter / leave ================= */

SNIP(s_enter0, "enter $8, $0");
SNIP(s_enter1, "enter $0x10, $1");
SNIP(s_enter3, "enter $4, $3");
SNIP(s_leave, "leave");
SNIP(s_leavew, "leavew");

START_TEST(enter_leave)
{
	const uint32_t s = STACK;
	for (int k = 0; k < 2; k++) {
		begin();
		in.fl = k ? P2 : P1;
		in.r[EBP] = 0x12345678u;
		RUN(s_enter0);
		EQ(rd32(s - 4), 0x12345678u);
		EQ(R(EBP), s - 4);
		EQ(R(ESP), s - 4 - 8);
		EQ(FL(), in.fl);

		begin();
		in.fl = k ? P2 : P1;
		in.r[EBP] = 0x87654321u;
		RUN(s_enter1);
		EQ(rd32(s - 4), 0x87654321u);
		EQ(rd32(s - 8), s - 4); /* the frame pointer */
		EQ(R(EBP), s - 4);
		EQ(R(ESP), s - 8 - 0x10);
		EQ(FL(), in.fl);

		/* level 3: two outer frame pointers copied from the old EBP's frame */
		begin();
		in.fl = k ? P2 : P1;
		in.r[EBP] = 0x2100;
		wr32(0x2100 - 4, 0x1111u);
		wr32(0x2100 - 8, 0x2222u);
		RUN(s_enter3);
		EQ(rd32(s - 4), 0x2100u);
		EQ(rd32(s - 8), 0x1111u);
		EQ(rd32(s - 12), 0x2222u);
		EQ(rd32(s - 16), s - 4);
		EQ(R(EBP), s - 4);
		EQ(R(ESP), s - 16 - 4);
		EQ(FL(), in.fl);

		/* leave: ESP = EBP, pop EBP */
		begin();
		in.fl = k ? P2 : P1;
		in.r[ESP] = 0x1234;
		in.r[EBP] = s - 8;
		wr32(s - 8, 0x9999u);
		RUN(s_leave);
		EQ(R(ESP), s - 4);
		EQ(R(EBP), 0x9999u);
		EQ(FL(), in.fl);

		/* leavew on a 32-bit stack: ESP = EBP, then BP = a popped word */
		begin();
		in.fl = k ? P2 : P1;
		in.r[ESP] = 0x1234;
		in.r[EBP] = s - 16;
		wr32(s - 16, 0xffff4321u);
		RUN(s_leavew);
		EQ(R(ESP), s - 14);
		EQ(R(EBP), ((s - 16) & 0xffff0000u) | 0x4321u);
		EQ(FL(), in.fl);
	}
}
END_TEST

/* ================= call / ret / indirect ================= */

LBL(cr_ra1);
LBL(cr_ra2);
SNIP(s_callret, "call 1f\n"
		"cr_ra1: jmp 2f\n"
		"1: mov (%esp), %esi; ret\n"
		"2: push $7; call 3f\n"
		"cr_ra2: jmp 4f\n"
		"3: mov (%esp), %edi; ret $4\n"
		"4:");

LBL(ind_ra1);
LBL(ind_ra2);
LBL(ind_t1);
LBL(ind_t2);
LBL(ind_t3);
LBL(ind_t4);
LBL(ind_t5);
SNIP(s_ind, "call *%eax\n"
	    "ind_ra1: call *0x2000\n"
	    "ind_ra2: jmp *%ecx\n"
	    "ind_t1: mov (%esp), %esi; ret\n"
	    "ind_t2: mov (%esp), %edi; ret\n"
	    "ind_t3: jmp *0x2004\n"
	    "ind_t4: jmp *4(%esp)\n"
	    "ud2\n"
	    "ind_t5:");

START_TEST(call_ret)
{
	for (int k = 0; k < 2; k++) {
		begin();
		in.fl = k ? P2 : P1;
		wr32(STACK - 4, 0);
		uint32_t at = RUN(s_callret);
		EQ(R(ESI), at + OFF(s_callret, cr_ra1));
		EQ(R(EDI), at + OFF(s_callret, cr_ra2));
		EQ(R(ESP), STACK); /* ret $4 dropped the pushed 7 */
		EQ(rd32(STACK - 4), 7u);
		EQ(rd32(STACK - 8), at + OFF(s_callret, cr_ra2));
		EQ(FL(), in.fl);

		/* the snippet goes at code_next: its targets are known before */
		begin();
		in.fl = k ? P2 : P1;
		uint32_t next = code_next;
		in.r[EAX] = next + OFF(s_ind, ind_t1);
		in.r[ECX] = next + OFF(s_ind, ind_t3);
		wr32(DATA, next + OFF(s_ind, ind_t2));
		wr32(DATA + 4, next + OFF(s_ind, ind_t4));
		in.r[ESP] = STACK - 8;
		wr32(STACK - 4, next + OFF(s_ind, ind_t5));
		at = RUN(s_ind);
		EQ(at, next);
		EQ(R(ESI), at + OFF(s_ind, ind_ra1));
		EQ(R(EDI), at + OFF(s_ind, ind_ra2));
		EQ(R(ESP), STACK - 8);
		EQ(FL(), in.fl);
	}
}
END_TEST

/* ================= ModRM mod=00 rm=101, SIB without a base ================= */

SNIP(s_abs, "mov 0x2000, %ecx; mov %edx, 0x2004; addl $5, 0x2008; addl $0x12345, 0x200c; "
	    "movl $0xdeadbeef, 0x2018; lea 0x2000, %esi; incb 0x2010; cmpl $0x100, 0x2014");

START_TEST(abs_disp32)
{
	begin();
	in.fl = DF;
	in.r[EDX] = 0x600dcafeu;
	wr32(DATA, 0x01020304u);
	wr32(DATA + 8, 0xfffffffeu);
	wr32(DATA + 12, 0x10000u);
	wr8(DATA + 16, 0x7f);
	wr32(DATA + 20, 0x100);
	RUN(s_abs);
	EQ(R(ECX), 0x01020304u);
	EQ(rd32(DATA + 4), 0x600dcafeu);
	EQ(rd32(DATA + 8), 3u);
	EQ(rd32(DATA + 12), 0x22345u);
	EQ(rd32(DATA + 24), 0xdeadbeefu);
	EQ(R(ESI), 0x2000u);
	EQ(rd8(DATA + 16), 0x80u);
	EQ(FL(), ZF | PF | DF); /* cmp: equal */
}
END_TEST

SNIP(s_sib_nobase, "mov 0x2000(,%eax,4), %ecx; mov %edx, 0x2000(,%esi,8); "
		   ".byte 0x8b, 0x1c, 0x25, 0x04, 0x20, 0x00, 0x00; " /* mov 0x2004, %ebx */
		   "lea -4(,%eax,2), %edi; mov 0x4000(,%ebp,1), %eax");

START_TEST(sib_nobase)
{
	begin();
	in.fl = P1;
	in.r[EAX] = 3;
	in.r[ESI] = 2;
	in.r[EDX] = 0x13572468u;
	in.r[EBP] = 0xffffe000u; /* 0xffffe000 + 0x4000 wraps to 0x2000 */
	wr32(DATA, 0xa0a0a0a0u);
	wr32(DATA + 4, 0xb0b0b0b0u);
	wr32(DATA + 12, 0xc0c0c0c0u);
	RUN(s_sib_nobase);
	EQ(R(ECX), 0xc0c0c0c0u);
	EQ(rd32(DATA + 16), 0x13572468u);
	EQ(R(EBX), 0xb0b0b0b0u);
	EQ(R(EDI), 2u);
	EQ(R(EAX), 0xa0a0a0a0u);
	EQ(FL(), P1);
}
END_TEST

/* ================= 16-bit addressing (0x67) ================= */

SNIP(s_addr16, "addr16 mov (%bx,%si), %ax; addr16 mov %cx, 4(%bp,%di); "
	       "addr16 mov 0x2008, %dx");
SNIP(s_addr16_lea, "addr16 lea 0x10(%bx,%si), %edi; addr16 lea -2(%bp,%di), %eax");

START_TEST(addr16)
{
	begin();
	in.fl = P2;
	in.r[EAX] = 0x99990000u;
	in.r[EBX] = 0xffff1000u; /* the upper halves are not part of the address */
	in.r[ESI] = 0x00001000u;
	in.r[ECX] = 0x4444abcdu;
	in.r[EBP] = 0x0001f000u; /* 0xf000 + 0x2ffc + 4 = 0x12000: wraps to 0x2000 + 0 */
	in.r[EDI] = 0x00002ffcu;
	in.r[EDX] = 0x88880000u;
	wr32(DATA, 0x1234u); /* overwritten by the store after the load */
	wr16(DATA + 8, 0x5678u);
	RUN(s_addr16);
	EQ(R(EAX), 0x99991234u);
	EQ(rd16(DATA), 0xabcdu);
	EQ(R(EDX), 0x88885678u);
	EQ(FL(), P2);
}
END_TEST

/* lea with 16-bit addressing: the address wraps at 64 KiB, zero-extended */
START_TEST(addr16_lea)
{
	begin();
	in.fl = P1;
	in.r[EBX] = 0xffff1000u, in.r[ESI] = 0x1000;
	in.r[EBP] = 0x0001f000u, in.r[EDI] = 0x1001;
	RUN(s_addr16_lea);
	EQ(R(EDI), 0x2010u);
	EQ(R(EAX), 0x100eu); /* BP + DI - 2 with DI = 0x2010 from the first lea: 0x1100e, 16 bits */
	EQ(FL(), P1);
}
END_TEST

/* ================= string instructions ================= */

SNIP(s_rep_movsb, "rep movsb");
SNIP(s_rep_movsl, "rep movsl");
SNIP(s_rep_stosw, "rep stosw");
SNIP(s_rep_stosb, "rep stosb");
SNIP(s_lodsl2, "lodsl; lodsl");
SNIP(s_rep_lodsb, "rep lodsb");
SNIP(s_repe_cmpsb, "repe cmpsb");
SNIP(s_repe_cmpsl, "repe cmpsl");
SNIP(s_repne_scasb, "repne scasb");
SNIP(s_repne_scasw, "repne scasw");
SNIP(s_rep0, "rep movsb; repe cmpsb; rep stosl");

static void str_begin(uint32_t fl)
{
	begin();
	in.fl = fl;
	memset(gp(DATA, 0x400), 0, 0x400);
}

START_TEST(strings)
{
	/* rep movsb forward; flags untouched */
	str_begin(P1);
	wrbytes(DATA, "ABCDEFG", 7);
	in.r[ESI] = DATA, in.r[EDI] = DATA + 0x100, in.r[ECX] = 5;
	RUN(s_rep_movsb);
	ck_assert_mem_eq(gp(DATA + 0x100, 6), "ABCDE\0", 6);
	EQ(R(ECX), 0u);
	EQ(R(ESI), DATA + 5);
	EQ(R(EDI), DATA + 0x105);
	EQ(FL(), P1);

	/* rep movsl backward */
	str_begin(P2);
	wr32(DATA, 1), wr32(DATA + 4, 2), wr32(DATA + 8, 3), wr32(DATA + 12, 4);
	in.r[ESI] = DATA + 8, in.r[EDI] = DATA + 0x108, in.r[ECX] = 3;
	RUN(s_rep_movsl);
	EQ(rd32(DATA + 0x100), 1u);
	EQ(rd32(DATA + 0x104), 2u);
	EQ(rd32(DATA + 0x108), 3u);
	EQ(rd32(DATA + 0x10c), 0u);
	EQ(R(ESI), DATA - 4);
	EQ(R(EDI), DATA + 0xfc);
	EQ(R(ECX), 0u);
	EQ(FL(), P2);

	/* rep stosw forward */
	str_begin(P1);
	in.r[EAX] = 0x1234abcdu, in.r[EDI] = DATA + 0x200, in.r[ECX] = 3;
	RUN(s_rep_stosw);
	EQ(rd16(DATA + 0x200), 0xabcdu);
	EQ(rd16(DATA + 0x202), 0xabcdu);
	EQ(rd16(DATA + 0x204), 0xabcdu);
	EQ(rd16(DATA + 0x206), 0u);
	EQ(R(EDI), DATA + 0x206);
	EQ(FL(), P1);

	/* rep stosb backward */
	str_begin(P2);
	in.r[EAX] = 0x5a, in.r[EDI] = DATA + 0x303, in.r[ECX] = 4;
	RUN(s_rep_stosb);
	EQ(rd32(DATA + 0x300), 0x5a5a5a5au);
	EQ(rd8(DATA + 0x2ff), 0u);
	EQ(R(EDI), DATA + 0x2ff);
	EQ(R(ECX), 0u);
	EQ(FL(), P2);

	/* lodsl forward, rep lodsb backward */
	str_begin(P1);
	wr32(DATA, 0x11111111u), wr32(DATA + 4, 0x22222222u);
	in.r[ESI] = DATA;
	RUN(s_lodsl2);
	EQ(R(EAX), 0x22222222u);
	EQ(R(ESI), DATA + 8);
	EQ(FL(), P1);
	str_begin(P2);
	wrbytes(DATA, "\x10\x20\x30\x40", 4);
	in.r[EAX] = 0x77777777u, in.r[ESI] = DATA + 3, in.r[ECX] = 3;
	RUN(s_rep_lodsb);
	EQ(R(EAX), 0x77777720u);
	EQ(R(ESI), DATA);
	EQ(R(ECX), 0u);
	EQ(FL(), P2);

	/* repe cmpsb forward: stops at the first difference, 'X' - 'Y' */
	str_begin(0);
	wrbytes(DATA, "abcXe", 5);
	wrbytes(DATA + 0x100, "abcYe", 5);
	in.r[ESI] = DATA, in.r[EDI] = DATA + 0x100, in.r[ECX] = 10;
	RUN(s_repe_cmpsb);
	EQ(R(ECX), 6u);
	EQ(R(ESI), DATA + 4);
	EQ(R(EDI), DATA + 0x104);
	EQ(FL(), CF | SF | AF | PF); /* 0x58 - 0x59 = 0xff */

	/* repe cmpsl backward, all equal */
	str_begin(DF | CF);
	wr32(DATA, 5), wr32(DATA + 4, 6), wr32(DATA + 0x100, 5), wr32(DATA + 0x104, 6);
	in.r[ESI] = DATA + 4, in.r[EDI] = DATA + 0x104, in.r[ECX] = 2;
	RUN(s_repe_cmpsl);
	EQ(R(ECX), 0u);
	EQ(R(ESI), DATA - 4);
	EQ(R(EDI), DATA + 0xfc);
	EQ(FL(), ZF | PF | DF);

	/* repne scasb forward: found */
	str_begin(0);
	wrbytes(DATA, "abcd", 4);
	in.r[EAX] = 'c', in.r[EDI] = DATA, in.r[ECX] = 10;
	RUN(s_repne_scasb);
	EQ(R(ECX), 7u);
	EQ(R(EDI), DATA + 3);
	EQ(FL(), ZF | PF);

	/* repne scasb: not found, ECX runs out; flags of 'z' - 'c' = 0x17 */
	str_begin(ZF | CF);
	wrbytes(DATA, "abcd", 4);
	in.r[EAX] = 'z', in.r[EDI] = DATA, in.r[ECX] = 3;
	RUN(s_repne_scasb);
	EQ(R(ECX), 0u);
	EQ(R(EDI), DATA + 3);
	EQ(FL(), PF);

	/* repne scasw backward */
	str_begin(DF);
	wr16(DATA, 0x1111), wr16(DATA + 2, 0x2222), wr16(DATA + 4, 0x3333), wr16(DATA + 6, 0x4444);
	in.r[EAX] = 0xffff2222u, in.r[EDI] = DATA + 6, in.r[ECX] = 10;
	RUN(s_repne_scasw);
	EQ(R(ECX), 7u);
	EQ(R(EDI), DATA);
	EQ(FL(), ZF | PF | DF);

	/* ECX = 0: nothing happens, flags included */
	str_begin(P1);
	wrbytes(DATA, "xy", 2);
	in.r[ESI] = DATA, in.r[EDI] = DATA + 0x100, in.r[EAX] = 0x55555555u;
	RUN(s_rep0);
	EQ(R(ESI), DATA);
	EQ(R(EDI), DATA + 0x100);
	EQ(rd32(DATA + 0x100), 0u);
	EQ(FL(), P1);
}
END_TEST

/* ================= loop / jecxz ================= */

SNIP(s_loop, "1: inc %eax; loop 1b");
SNIP(s_loopne, "1: inc %eax; cmp $3, %eax; loopne 1b");
SNIP(s_loope, "1: inc %eax; cmpb $0, 0x2000(%eax); loope 1b");
SNIP(s_jecxz, "jecxz 1f; mov $1, %ebx; 1:");
SNIP(s_jcxz16, "jcxz 1f; mov $1, %ebx; 1:");   /* 67 E3: tests CX */
SNIP(s_loop16, "1: inc %eax; addr16 loop 1b"); /* 67 E2: counts CX */

START_TEST(loops)
{
	begin();
	in.r[ECX] = 5;
	RUN(s_loop);
	EQ(R(EAX), 5u);
	EQ(R(ECX), 0u);

	begin();
	in.r[ECX] = 0x10001; /* counts ECX, not CX: 0x10001 passes */
	RUN(s_loop);
	EQ(R(EAX), 0x10001u);
	EQ(R(ECX), 0u);

	begin();
	in.r[ECX] = 10;
	RUN(s_loopne);
	EQ(R(EAX), 3u);
	EQ(R(ECX), 7u);

	begin();
	memset(gp(DATA, 16), 0, 16);
	wr8(DATA + 4, 1);
	in.r[ECX] = 10;
	RUN(s_loope);
	EQ(R(EAX), 4u);
	EQ(R(ECX), 6u);
	begin();
	in.r[ECX] = 2;
	RUN(s_loope);
	EQ(R(EAX), 2u);
	EQ(R(ECX), 0u);

	for (int k = 0; k < 2; k++) {
		begin();
		in.fl = k ? P2 : P1;
		in.r[ECX] = 0;
		RUN(s_jecxz);
		EQ(R(EBX), 0u); /* taken */
		EQ(FL(), in.fl);
		in.r[ECX] = 0x10000; /* CX = 0 but ECX != 0: not taken */
		RUN(s_jecxz);
		EQ(R(EBX), 1u);
		EQ(FL(), in.fl);
	}
}
END_TEST

/* jcxz and loop with 0x67 use CX */
START_TEST(loops16)
{
	for (int k = 0; k < 2; k++) {
		begin();
		in.fl = k ? P2 : P1;
		in.r[ECX] = 0x10000; /* CX = 0: taken */
		RUN(s_jcxz16);
		EQ(R(EBX), 0u);
		EQ(FL(), in.fl);
		in.r[ECX] = 0x1; /* not taken */
		RUN(s_jcxz16);
		EQ(R(EBX), 1u);
		EQ(FL(), in.fl);
	}
	begin();
	in.r[ECX] = 0x70003;
	RUN(s_loop16);
	EQ(R(EAX), 3u);
	EQ(R(ECX), 0x70000u);
}
END_TEST

/* ================= xlat ================= */

SNIP(s_xlat, "xlat");
SNIP(s_xlat_fs, "xlat %fs:(%ebx)");
SNIP(s_xlat16, "addr16 xlat");

START_TEST(xlat)
{
	for (int k = 0; k < 2; k++) {
		for (uint32_t i = 0; i < 256; i++)
			wr8(DATA + i, (uint8_t)(i ^ 0xa5));
		begin();
		in.fl = k ? P2 : P1;
		in.r[EBX] = DATA;
		in.r[EAX] = 0x12345605u;
		RUN(s_xlat);
		EQ(R(EAX), 0x123456a0u);
		EQ(FL(), in.fl);
		in.r[EAX] = 0x123456ffu; /* AL is unsigned */
		RUN(s_xlat);
		EQ(R(EAX), 0x1234565au);
		EQ(FL(), in.fl);
	}
}
END_TEST

/* xlat through segments with a base (_i 0: DS, 1: an FS override) and with
 * 16-bit addressing (_i 2: BX only) */
START_TEST(xlat_seg)
{
	for (int k = 0; k < 2; k++) {
		for (uint32_t i = 0; i < 256; i++)
			wr8(DATA + i, (uint8_t)(i ^ 0xa5));
		begin();
		in.fl = k ? P2 : P1;
		in.r[EAX] = 0x77777710u;
		switch (_i) {
		case 0:
			in.seg[SEG_DS] = SEL_BASED;
			in.r[EBX] = DATA - 0x1000;
			RUN(s_xlat);
			break;
		case 1:
			in.seg[SEG_FS] = SEL_BASED;
			in.r[EBX] = DATA - 0x1000;
			RUN(s_xlat_fs);
			break;
		case 2:
			in.r[EBX] = 0xffff0000u | DATA;
			RUN(s_xlat16);
			break;
		}
		EQ(R(EAX), 0x77777700u | (0x10u ^ 0xa5u));
		EQ(FL(), in.fl);
	}
}
END_TEST

/* ================= moffs (A0-A3) ================= */

SNIP(s_moffs, "movb 0x2000, %al; movb %al, 0x2010; movl 0x2004, %eax; movl %eax, 0x2014; "
	      "movw 0x2008, %ax; movw %ax, 0x2018");
SNIP(s_moffs_based, "movl %fs:0x1000, %eax; movl %eax, %fs:0x1020; movb %gs:0x3004, %al; "
		    "movb %al, %gs:0x3030");

START_TEST(moffs)
{
	for (int k = 0; k < 2; k++) {
		begin();
		in.fl = k ? P2 : P1;
		in.r[EAX] = 0x11111111u;
		wr32(DATA, 0xa1a2a3a4u);
		wr32(DATA + 4, 0xb1b2b3b4u);
		wr32(DATA + 8, 0xc1c2c3c4u);
		memset(gp(DATA + 0x10, 0x30), 0, 0x30);
		RUN(s_moffs);
		EQ(rd32(DATA + 0x10), 0xa4u);
		EQ(rd32(DATA + 0x14), 0xb1b2b3b4u);
		EQ(rd32(DATA + 0x18), 0xc3c4u);
		EQ(R(EAX), 0xb1b2c3c4u);
		EQ(FL(), in.fl);

		begin();
		in.fl = k ? P2 : P1;
		in.seg[SEG_FS] = SEL_BASED;
		in.seg[SEG_GS] = SEL_BASED_HI;
		RUN(s_moffs_based);
		EQ(rd32(DATA + 0x20), 0xa1a2a3a4u);
		EQ(rd32(DATA + 0x30), 0xb4u);
		EQ(R(EAX), 0xa1a2a3b4u);
		EQ(FL(), in.fl);
	}
}
END_TEST

/* ================= BCD, aam/aad, salc (the emulator) ================= */

SNIP(s_daa, "add %bl, %al; daa");
SNIP(s_das, "sub %bl, %al; das");
SNIP(s_aaa, "add $8, %al; aaa");
SNIP(s_aas, "sub $5, %al; aas");
SNIP(s_aam, "aam");
SNIP(s_aam16, "aam $16");
SNIP(s_aad, "aad");
SNIP(s_aad16, "aad $16");
SNIP(s_aam0, ".byte 0xd4, 0x00");
SNIP(s_salc, ".byte 0xd6");

START_TEST(bcd)
{
	/* SDM DAA example: 0x79 + 0x35 = 0xae, daa gives 0x14 with CF, AF.
	 * Defined: CF AF SF ZF PF (OF undefined: masked) */
	begin();
	in.r[EAX] = 0xabcd0079u, in.r[EBX] = 0x35;
	RUN(s_daa);
	EQ(R(EAX), 0xabcd0014u);
	EQ(FL() & (ARITH & ~OF), CF | AF | PF);

	/* SDM DAS example: 0x35 - 0x47 = 0xee, das gives 0x88 with CF, AF */
	begin();
	in.r[EAX] = 0x35, in.r[EBX] = 0x47;
	RUN(s_das);
	EQ(R(EAX), 0x88u);
	EQ(FL() & (ARITH & ~OF), CF | AF | SF | PF);

	/* aaa: 0x09 + 8 = 0x11 (AF): AX += 0x106, AL &= 0xf. Defined: AF, CF */
	begin();
	in.r[EAX] = 0x77770109u;
	RUN(s_aaa);
	EQ(R(EAX), 0x77770207u);
	EQ(FL() & (AF | CF), AF | CF);
	begin();
	in.r[EAX] = 0x0101; /* 1 + 8 = 9: no adjust, AF = CF = 0 */
	in.fl = CF;
	RUN(s_aaa);
	EQ(R(EAX), 0x0109u);
	EQ(FL() & (AF | CF), 0u);

	/* aas: 0x03 - 5 = 0xfe (AF): AX -= 6, AH -= 1, AL &= 0xf */
	begin();
	in.r[EAX] = 0x0203;
	RUN(s_aas);
	EQ(R(EAX), 0x0108u);
	EQ(FL() & (AF | CF), AF | CF);

	/* aam: AH = AL / 10, AL = AL % 10; SF ZF PF from AL (others undefined) */
	begin();
	in.r[EAX] = 0xaaaa003fu; /* 63 */
	RUN(s_aam);
	EQ(R(EAX), 0xaaaa0603u);
	EQ(FL() & (SF | ZF | PF), PF);
	begin();
	in.r[EAX] = 0x3f;
	RUN(s_aam16);
	EQ(R(EAX), 0x030fu);
	EQ(FL() & (SF | ZF | PF), PF);
	begin();
	in.r[EAX] = 0x1200; /* AL 0: ZF */
	RUN(s_aam);
	EQ(R(EAX), 0u);
	EQ(FL() & (SF | ZF | PF), ZF | PF);

	/* aad: AL = AH * 10 + AL, AH = 0 */
	begin();
	in.r[EAX] = 0x55550607u;
	RUN(s_aad);
	EQ(R(EAX), 0x55550043u);
	EQ(FL() & (SF | ZF | PF), 0u);
	begin();
	in.r[EAX] = 0x0307;
	RUN(s_aad16);
	EQ(R(EAX), 0x37u);
	EQ(FL() & (SF | ZF | PF), 0u);
	begin();
	in.r[EAX] = 0x0d00; /* 130 = 0x82 */
	RUN(s_aad);
	EQ(R(EAX), 0x82u);
	EQ(FL() & (SF | ZF | PF), SF | PF);

	/* aam 0: #DE (vector 0), a fault: the frame's EIP is the aam */
	begin();
	in.r[EAX] = 0x1234;
	uint32_t at = EXC(s_aam0, 0);
	EQ(R(EAX), 0x1234u);
	EQ(frame(0), at);
	EQ(frame(1), (uint32_t)SEL_CS);
	EQ(R(ESP), STACK - 12);
}
END_TEST

START_TEST(salc)
{
	for (int k = 0; k < 2; k++) {
		begin();
		in.fl = k ? P2 : P1; /* P1 has CF */
		in.r[EAX] = 0x12345678u;
		RUN(s_salc);
		EQ(R(EAX), k ? 0x12345600u : 0x123456ffu);
		EQ(FL(), in.fl);
	}
}
END_TEST

/* ================= bound (#BR) ================= */

SNIP(s_bound, "bound %eax, 0x2000");
SNIP(s_boundw, "bound %ax, 0x2008");

START_TEST(bound)
{
	static const struct {
		uint32_t lo, hi, v;
		int in_range;
	} c[] = {
	    {10, 20, 10, 1},
	    {10, 20, 15, 1},
	    {10, 20, 20, 1},
	    {10, 20, 21, 0},
	    {10, 20, 9, 0},
	    {(uint32_t)-5, 5, (uint32_t)-1, 1},
	    {(uint32_t)-5, 5, 0x80000000u, 0},
	    {(uint32_t)-5, 5, 6, 0},
	};
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		begin();
		in.fl = P1;
		in.r[EAX] = c[i].v;
		wr32(DATA, c[i].lo);
		wr32(DATA + 4, c[i].hi);
		if (c[i].in_range) {
			RUN(s_bound);
			EQ(R(ESP), STACK);
		} else {
			uint32_t at = EXC(s_bound, 5);
			EQ(R(ESP), STACK - 12); /* no error code */
			EQ(frame(0), at);	/* a fault: EIP of the bound */
			EQ(frame(1), (uint32_t)SEL_CS);
			EQ(frame(2) & (ARITH | DF), (uint32_t)P1);
		}
		EQ(R(EAX), c[i].v);
		EQ(FL(), P1);
	}
	/* 16-bit: signed words */
	begin();
	wr16(DATA + 8, 0xfffe);
	wr16(DATA + 10, 3);
	in.r[EAX] = 0x7777ffffu; /* AX = -1 */
	RUN(s_boundw);
	in.r[EAX] = 0x00000004u;
	uint32_t at = EXC(s_boundw, 5);
	EQ(frame(0), at);
}
END_TEST

/* ================= 0x82 (an alias of 0x80) ================= */

SNIP(s_82_add_al, ".byte 0x82, 0xc0, 0x05");				  /* add $5, %al */
SNIP(s_82_add_abs, ".byte 0x82, 0x05, 0x00, 0x20, 0x00, 0x00, 0x07");	  /* addb $7, 0x2000 */
SNIP(s_82_sub_ah, ".byte 0x82, 0xec, 0x01");				  /* sub $1, %ah */
SNIP(s_82_cmp_abs, ".byte 0x82, 0x3d, 0x00, 0x20, 0x00, 0x00, 0x80");	  /* cmpb $0x80, 0x2000 */
SNIP(s_82_or_fs, ".byte 0x64, 0x82, 0x0d, 0x00, 0x10, 0x00, 0x00, 0x0f"); /* orb $15, %fs:0x1000 */
SNIP(s_82_adc_sib, ".byte 0x82, 0x54, 0x24, 0x04, 0x01");		  /* adcb $1, 4(%esp) */

START_TEST(grp82)
{
	begin();
	in.r[EAX] = 0x123456fdu;
	RUN(s_82_add_al);
	EQ(R(EAX), 0x12345602u);
	EQ(FL(), CF | AF);

	begin();
	wr8(DATA, 0x79);
	RUN(s_82_add_abs);
	EQ(rd8(DATA), 0x80u);
	EQ(FL(), OF | SF | AF);

	begin();
	in.r[EAX] = 0x12340056u;
	RUN(s_82_sub_ah);
	EQ(R(EAX), 0x1234ff56u);
	EQ(FL(), CF | SF | AF | PF);

	begin();
	wr8(DATA, 0x80);
	RUN(s_82_cmp_abs);
	EQ(FL(), ZF | PF);

	/* or: AF undefined (masked) */
	begin();
	in.seg[SEG_FS] = SEL_BASED;
	in.fl = CF | OF;
	wr8(DATA, 0x30);
	RUN(s_82_or_fs);
	EQ(rd8(DATA), 0x3fu);
	EQ(FL() & ~AF, PF);

	begin();
	in.fl = CF;
	wr8(STACK + 4, 0xfe);
	RUN(s_82_adc_sib);
	EQ(rd8(STACK + 4), 0u);
	EQ(FL(), CF | ZF | PF | AF);
}
END_TEST

/* ================= AH-BH beside rewritten forms ================= */

SNIP(s_ah_fs, "mov %ah, %fs:(%ebx)");
SNIP(s_bh_abs, "add %bh, 0x2000");
SNIP(s_ch_sib, "mov 0x2000(,%esi,4), %ch");
SNIP(s_dh_xchg, "xchg %dh, 0x2008");
SNIP(s_bh_fs_load, "mov %fs:0x1000, %bh");
SNIP(s_ah_gs_add, "add %ah, %gs:0x3000");
SNIP(s_ah_stack, "push $0; mov %ah, 1(%esp); pop %ecx");

START_TEST(ah_bh)
{
	begin();
	in.seg[SEG_FS] = SEL_BASED;
	in.r[EAX] = 0x0000ab00u, in.r[EBX] = 0x1000;
	RUN(s_ah_fs);
	EQ(rd8(DATA), 0xabu);

	begin();
	in.r[EBX] = 0x00007f00u;
	wr8(DATA, 0x01);
	RUN(s_bh_abs);
	EQ(rd8(DATA), 0x80u);
	EQ(FL(), OF | SF | AF);

	begin();
	in.r[ESI] = 1, in.r[ECX] = 0x11112233u;
	wr8(DATA + 4, 0x99);
	RUN(s_ch_sib);
	EQ(R(ECX), 0x11119933u);

	begin();
	in.r[EDX] = 0x44445566u;
	wr8(DATA + 8, 0x77);
	RUN(s_dh_xchg);
	EQ(R(EDX), 0x44447766u);
	EQ(rd8(DATA + 8), 0x55u);

	begin();
	in.seg[SEG_FS] = SEL_BASED;
	in.r[EBX] = 0x12345678u;
	wr8(DATA, 0xc3);
	RUN(s_bh_fs_load);
	EQ(R(EBX), 0x1234c378u);

	begin();
	in.seg[SEG_GS] = SEL_BASED_HI;
	in.r[EAX] = 0x00000100u;
	wr8(DATA, 0xff);
	RUN(s_ah_gs_add);
	EQ(rd8(DATA), 0u);
	EQ(FL(), CF | ZF | AF | PF);

	begin();
	in.fl = P1;
	in.r[EAX] = 0x0000cd00u;
	RUN(s_ah_stack);
	EQ(R(ECX), 0x0000cd00u);
	EQ(R(ESP), STACK);
	EQ(FL(), P1);
}
END_TEST

/* ================= lahf / sahf ================= */

SNIP(s_sahf, "sahf");
SNIP(s_lahf, "lahf");

START_TEST(lahf_sahf)
{
	begin();
	in.fl = OF;
	in.r[EAX] = 0xd5u << 8;
	RUN(s_sahf);
	EQ(FL(), OF | SF | ZF | AF | PF | CF);
	begin();
	in.fl = ARITH | DF;
	in.r[EAX] = 0x2a00; /* bits 1, 3, 5 are not flags */
	RUN(s_sahf);
	EQ(FL(), OF | DF);

	begin();
	in.fl = CF | ZF | OF;
	in.r[EAX] = 0x11111111u;
	RUN(s_lahf);
	EQ(R(EAX), 0x11114311u); /* bit 1 reads as 1 */
	EQ(FL(), CF | ZF | OF);
}
END_TEST

/* ================= x87 and SSE memory operands ================= */

SNIP(s_fpu, "fldl 0x2000; fstpl 0x2008; flds 0x2010; fadds 0x2014; fstps 0x2018; "
	    "fildl 0x201c; fistpl 0x2020; movups 0x2030, %xmm0; addps 0x2040, %xmm0; "
	    "movups %xmm0, 0x2050; movups %fs:0x1030, %xmm1; movups %xmm1, %fs:0x1060; "
	    "addps 0x2040(,%eax,1), %xmm1; movups %xmm1, 0x2070");

START_TEST(fpu_sse)
{
	begin();
	in.fl = P1;
	in.seg[SEG_FS] = SEL_BASED;
	double d = 1.5;
	float f[4] = {1.25f, 2.5f}, a[4] = {1, 2, 3, 4}, b[4] = {0.5f, 0.25f, -8, 100};
	int32_t n = -7;
	wrbytes(DATA, &d, 8);
	wrbytes(DATA + 0x10, f, 8);
	wrbytes(DATA + 0x1c, &n, 4);
	wrbytes(DATA + 0x30, a, 16);
	wrbytes(DATA + 0x40, b, 16);
	RUN(s_fpu);
	double d2;
	float r[4];
	memcpy(&d2, gp(DATA + 8, 8), 8);
	ck_assert(d2 == 1.5);
	memcpy(r, gp(DATA + 0x18, 4), 4);
	ck_assert(r[0] == 3.75f);
	EQ(rd32(DATA + 0x20), (uint32_t)-7);
	memcpy(r, gp(DATA + 0x50, 16), 16);
	ck_assert(r[0] == 1.5f && r[1] == 2.25f && r[2] == -5.0f && r[3] == 104.0f);
	ck_assert_mem_eq(gp(DATA + 0x60, 16), a, 16);
	memcpy(r, gp(DATA + 0x70, 16), 16);
	ck_assert(r[0] == 1.5f && r[1] == 2.25f && r[2] == -5.0f && r[3] == 104.0f);
	EQ(FL(), P1);
}
END_TEST

/* ================= segments ================= */

SNIP(s_seg_based, "mov %fs:0x1000, %ecx; mov %fs:(%ebx), %edx; movl $0x77, %fs:0x1010(,%esi,4); "
		  "addl $1, %fs:8(%ebx)");
SNIP(s_seg_based_hi, "mov %gs:0x3000, %ecx; movl $0x55, %gs:0x3004; mov 0x300c, %edx; "
		     "incl %es:0x3008(%edi)");

START_TEST(seg_based)
{
	begin();
	in.seg[SEG_FS] = SEL_BASED;
	in.r[EBX] = 0x1004, in.r[ESI] = 1;
	wr32(DATA, 0xaaaa0000u), wr32(DATA + 4, 0xbbbb0000u), wr32(DATA + 12, 0xffffffffu);
	RUN(s_seg_based);
	EQ(R(ECX), 0xaaaa0000u);
	EQ(R(EDX), 0xbbbb0000u);
	EQ(rd32(DATA + 0x14), 0x77u);
	EQ(rd32(DATA + 12), 0u);
	EQ(FL(), CF | ZF | AF | PF);

	/* base 0xfffff000: base + offset wraps into low RAM */
	begin();
	in.seg[SEG_GS] = SEL_BASED_HI;
	in.seg[SEG_DS] = SEL_BASED_HI;
	in.seg[SEG_ES] = SEL_BASED_HI;
	in.fl = CF;
	in.r[EDI] = 0x10;
	wr32(DATA, 0x12121212u), wr32(DATA + 12, 0x34343434u), wr32(DATA + 0x18, 0x7fffffffu);
	RUN(s_seg_based_hi);
	EQ(R(ECX), 0x12121212u);
	EQ(rd32(DATA + 4), 0x55u);
	EQ(R(EDX), 0x34343434u);
	EQ(rd32(DATA + 0x18), 0x80000000u);
	EQ(FL(), CF | OF | SF | AF | PF);
}
END_TEST

LBL(lim_fault);
SNIP(s_seg_limit, "mov 0xffc, %ebx\nlim_fault: mov 0xffd, %ecx");
LBL(lim_fault2);
SNIP(s_seg_limit_moffs, "mov 0x10, %eax\nlim_fault2: mov %eax, 0xffe");
LBL(ed_fault);
SNIP(s_seg_expdown, "mov %es:0x2000, %ebx\ned_fault: mov %es:0xffe, %ecx");
LBL(ro_fault);
SNIP(s_seg_ro, "mov 0x2000, %ebx\nro_fault: movl $1, 0x2004");
LBL(null_fault);
SNIP(s_seg_null, "xor %eax, %eax; mov %eax, %fs\nnull_fault: mov %fs:0x2000, %ebx");

/* #GP(0) from a data access: the frame is error code, EIP, CS, EFLAGS on
 * the flat stack, and the faulting instruction did nothing. */
static void check_gp(uint32_t eip)
{
	EQ(R(ESP), STACK - 16);
	EQ(frame(0), 0u);
	EQ(frame(1), eip);
	EQ(frame(2), (uint32_t)SEL_CS);
	EQ(frame(3) & (ARITH | DF), in.fl);
	EQ(FL(), in.fl);
}

START_TEST(seg_checks)
{
	begin();
	in.fl = P1;
	in.seg[SEG_DS] = SEL_LIMIT;
	in.r[ECX] = 0xc0ffee;
	wr32(0x2ffc, 0x600d600du);
	uint32_t at = EXC(s_seg_limit, 13);
	EQ(R(EBX), 0x600d600du);
	EQ(R(ECX), 0xc0ffeeu);
	check_gp(at + OFF(s_seg_limit, lim_fault));

	begin();
	in.fl = P2;
	in.seg[SEG_DS] = SEL_LIMIT;
	wr32(DATA + 0x10, 0x31415926u);
	wr32(DATA + 0xffc, 0);
	at = EXC(s_seg_limit_moffs, 13);
	EQ(R(EAX), 0x31415926u);
	EQ(rd32(DATA + 0xffc), 0u);
	check_gp(at + OFF(s_seg_limit_moffs, lim_fault2));

	begin();
	in.fl = P2;
	in.seg[SEG_ES] = SEL_EXPDOWN;
	in.r[ECX] = 0xc0ffee;
	wr32(DATA, 0xe0e0e0e0u);
	at = EXC(s_seg_expdown, 13);
	EQ(R(EBX), 0xe0e0e0e0u);
	EQ(R(ECX), 0xc0ffeeu);
	check_gp(at + OFF(s_seg_expdown, ed_fault));

	begin();
	in.fl = P1;
	in.seg[SEG_DS] = SEL_RO;
	wr32(DATA, 0x0badf00du);
	wr32(DATA + 4, 0x99);
	at = EXC(s_seg_ro, 13);
	EQ(R(EBX), 0x0badf00du);
	EQ(rd32(DATA + 4), 0x99u);
	check_gp(at + OFF(s_seg_ro, ro_fault));

	begin();
	in.fl = P2;
	in.r[EBX] = 0x5555;
	at = EXC(s_seg_null, 13);
	EQ(R(EBX), 0x5555u);
	check_gp(at + OFF(s_seg_null, null_fault));
}
END_TEST

/* A 16-bit stack (SS.B = 0, base 0x40000): SP wraps at 64 KiB, the upper
 * half of ESP stays. */
LBL(ss16_ra);
SNIP(s_ss16, "push %eax; pushw %bx; pop %cx; pop %edx; call 1f\n"
	     "ss16_ra: jmp 2f\n"
	     "1: mov %esp, %ebp; addr16 mov (%bp), %esi; ret\n"
	     "2: pushf; pop %edi; pusha; popa");

START_TEST(ss16)
{
	const uint32_t base = 0x40000;
	for (int k = 0; k < 2; k++) {
		begin();
		in.fl = k ? P2 : P1;
		in.seg[SEG_SS] = SEL_SS16;
		in.r[ESP] = 0x12340000u;
		in.r[EAX] = 0xaabbccddu;
		in.r[EBX] = 0x99998888u;
		uint32_t at = RUN(s_ss16);
		/* the last writes there were pusha's, with SP = 0 */
		EQ(rd32(base + 0xfffc), 0xaabbccddu); /* EAX */
		EQ(rd32(base + 0xfff8), 0x8888u);     /* ECX */
		EQ(rd32(base + 0xffec), 0x12340000u); /* ESP */
		EQ(rd32(base + 0xffe0), in.fl | 2u);  /* EDI */
		EQ(R(ECX), 0x8888u);
		EQ(R(EDX), 0xaabbccddu);
		EQ(R(ESI), at + OFF(s_ss16, ss16_ra));
		EQ(R(EDI), in.fl | 2u);
		EQ(R(EBP), 0x1234fffcu);
		EQ(R(ESP), 0x12340000u);
		EQ(FL(), in.fl);
	}
}
END_TEST

static Suite *rows_suite(void)
{
	Suite *s = suite_create("x64_rows");
	TCase *tc = tcase_create("rows");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, inc_dec_all_regs);
	tcase_add_loop_test(tc, inc_dec_flags, 0,
			    (int)(sizeof(incdec_cases) / sizeof(incdec_cases[0])));
	tcase_add_test(tc, push_pop_regs);
	tcase_add_test(tc, pop_sp);
	tcase_add_test(tc, push_imm);
	tcase_add_test(tc, push_mem);
	tcase_add_test(tc, pop_mem);
	tcase_add_test(tc, pusha_popa);
	tcase_add_test(tc, enter_leave);
	tcase_add_test(tc, call_ret);
	tcase_add_test(tc, abs_disp32);
	tcase_add_test(tc, sib_nobase);
	tcase_add_test(tc, addr16);
	tcase_add_test(tc, addr16_lea);
	tcase_add_test(tc, strings);
	tcase_add_test(tc, loops);
	tcase_add_test(tc, loops16);
	tcase_add_test(tc, xlat);
	tcase_add_loop_test(tc, xlat_seg, 0, 3);
	tcase_add_test(tc, moffs);
	tcase_add_test(tc, bcd);
	tcase_add_test(tc, salc);
	tcase_add_test(tc, bound);
	tcase_add_test(tc, grp82);
	tcase_add_test(tc, ah_bh);
	tcase_add_test(tc, lahf_sahf);
	tcase_add_test(tc, fpu_sse);
	tcase_add_test(tc, seg_based);
	tcase_add_test(tc, seg_checks);
	tcase_add_test(tc, ss16);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rows_suite());
	srunner_set_fork_status(sr, CK_FORK); /* one VM per process */
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
