/* emu_fake.h - what the emulator's unit tests (test_emulate*.c) share: a
 * fake guest memory behind struct emu_ops that logs every access and can
 * fault at a chosen one, instruction decoding (through xdecode, or raw
 * bytes for what Capstone refuses) and a starting register set. */
#ifndef BTVMM_TEST_EMU_FAKE_H
#define BTVMM_TEST_EMU_FAKE_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "emulate.h"

#define EIP0 0x4000u	 /* guest address the test instructions sit at */
#define MEM_SIZE 0x20000 /* fake guest memory */
#define DATA 0x1000u	 /* offset of the memory operand (EDI) */
#define STACK 0x8000u	 /* ESP */

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

/* ---- fake guest memory ---- */

struct access {
	int seg;
	uint32_t off;
	int size;
	bool write;
};

#define NLOG 16

struct fake {
	uint8_t mem[MEM_SIZE];
	uint32_t base[6]; /* per segment: linear = base + offset */
	int fail_at;	  /* index of the access that faults, -1 none */
	int fail_vec;
	int n; /* accesses attempted */
	struct access log[NLOG];
	uint32_t win_lo, win_hi; /* writes outside [lo, hi) are counted */
	int stray;
};

static inline int fake_access(struct fake *f, int seg, uint32_t off, void *buf, int size,
			      bool write)
{
	int i = f->n++;
	uint64_t lin;

	if (i < NLOG)
		f->log[i] = (struct access){seg, off, size, write};
	if (i == f->fail_at)
		return f->fail_vec;
	if (seg < 0 || seg > 5 || size < 1 || size > 8)
		return 13;
	lin = (uint64_t)f->base[seg] + off;
	if (lin + (uint64_t)size > MEM_SIZE)
		return 13;
	if (!write) {
		memcpy(buf, f->mem + lin, (size_t)size);
		return 0;
	}
	if (lin < f->win_lo || lin + (uint64_t)size > f->win_hi)
		f->stray++;
	memcpy(f->mem + lin, buf, (size_t)size);
	return 0;
}

static inline int fake_read(void *ctx, int seg, uint32_t off, void *buf, int size)
{
	return fake_access(ctx, seg, off, buf, size, false);
}

static inline int fake_write(void *ctx, int seg, uint32_t off, const void *buf, int size)
{
	return fake_access(ctx, seg, off, (void *)buf, size, true);
}

static inline struct fake *fake_new(struct emu_ops *ops)
{
	struct fake *f = calloc(1, sizeof(*f));

	ck_assert_ptr_nonnull(f);
	f->fail_at = -1;
	f->win_hi = MEM_SIZE;
	ops->read = fake_read;
	ops->write = fake_write;
	ops->ctx = f;
	return f;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- decoding ---- */

static inline struct xinsn decode_mode(const uint8_t *bytes, int len, bool mode32)
{
	struct xdecoder d;
	struct xinsn in;
	int rc;

	ck_assert_int_eq(xdecode_init(&d, mode32), 0);
	rc = xdecode(&d, bytes, (size_t)len, EIP0, &in);
	xdecode_fini(&d);
	ck_assert_msg(rc == 0, "xdecode rc %d", rc);
	ck_assert_int_eq(in.len, len);
	return in;
}

static inline struct xinsn decode32(const uint8_t *bytes, int len)
{
	return decode_mode(bytes, len, true);
}

#define DEC(...) decode32((const uint8_t[]){__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__}))

/* An instruction Capstone refuses (lock mov): the fields emu_insn reads. */
static inline struct xinsn raw32(const uint8_t *bytes, int len)
{
	struct xinsn in;

	memset(&in, 0, sizeof(in));
	memcpy(in.bytes, bytes, (size_t)len);
	in.len = (uint8_t)len;
	in.eip = EIP0;
	in.next = EIP0 + (uint32_t)len;
	in.seg_prefix_off = -1;
	/* what the decoder would say: where the legacy prefixes end */
	static const uint8_t prefixes[] = {0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26,
					   0x2e, 0x36, 0x3e, 0x64, 0x65};
	while (in.opcode_off < len && memchr(prefixes, in.bytes[in.opcode_off], sizeof(prefixes)))
		in.opcode_off++;
	return in;
}

#define RAW(...) raw32((const uint8_t[]){__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__}))

/* Field by field: memcmp would see the padding after stack32. */
static inline bool regs_eq(const struct emu_regs *a, const struct emu_regs *b)
{
	return memcmp(a->gpr, b->gpr, sizeof(a->gpr)) == 0 && a->eflags == b->eflags &&
	       a->eip == b->eip && a->stack32 == b->stack32;
}

static inline struct emu_regs regs0(void)
{
	struct emu_regs r = {
	    .gpr = {0x11111111, 0x22222222, 0x33333333, 0x44444444, STACK, 0x5555aaaa, 0x12345678,
		    DATA},
	    .eflags = 0x202,
	    .eip = EIP0,
	    .stack32 = true,
	};
	return r;
}

#endif
