/* emit.h - writing x86 machine code into the translation cache. Only the
 * few encodings the translator needs; %gs-relative operands address the
 * vCPU block (BLK_* offsets). */
#ifndef BTVMM_EMIT_H
#define BTVMM_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "modrm.h" /* R_EAX..R_EDI */

struct emitter {
	uint8_t *start, *p, *end;
	bool overflow; /* ran past end: the caller flushes and retries */
};

static inline void emit_init(struct emitter *e, uint8_t *buf, size_t room)
{
	e->start = e->p = buf;
	e->end = buf + room;
	e->overflow = false;
}

static inline void e8(struct emitter *e, uint8_t b)
{
	if (e->p < e->end)
		*e->p++ = b;
	else
		e->overflow = true;
}

static inline void e32(struct emitter *e, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		e8(e, (uint8_t)(v >> (8 * i)));
}

static inline void ebytes(struct emitter *e, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		e8(e, b[i]);
}

static inline uintptr_t emit_pos(const struct emitter *e)
{
	return (uintptr_t)e->p;
}

/* Set the rel32 at site to reach target (both in the arena: within 2 GiB). */
static inline void patch_rel32(uint8_t *site, uintptr_t target)
{
	int32_t rel = (int32_t)(int64_t)(target - ((uintptr_t)site + 4));
	memcpy(site, &rel, 4);
}

/* %gs-relative absolute operand: ModRM mod=00 rm=101 (disp32) */
static inline void e_gs_modrm(struct emitter *e, uint8_t op, int reg, uint32_t off)
{
	e8(e, 0x65);
	e8(e, op);
	e8(e, (uint8_t)((reg << 3) | 5));
	e32(e, off);
}

static inline void e_store_gs(struct emitter *e, int reg, uint32_t off) /* mov %reg, %gs:off */
{
	e_gs_modrm(e, 0x89, reg, off);
}

static inline void e_load_gs(struct emitter *e, int reg, uint32_t off) /* mov %gs:off, %reg */
{
	e_gs_modrm(e, 0x8b, reg, off);
}

static inline void e_store_gs_imm(struct emitter *e, uint32_t off,
				  uint32_t imm) /* movl $imm, %gs:off */
{
	e_gs_modrm(e, 0xc7, 0, off);
	e32(e, imm);
}

static inline void e_movzwl_gs(struct emitter *e, int reg, uint32_t off) /* movzwl %gs:off, %reg */
{
	e8(e, 0x65);
	e8(e, 0x0f);
	e8(e, 0xb7);
	e8(e, (uint8_t)((reg << 3) | 5));
	e32(e, off);
}

static inline void e_ljmp_gs(struct emitter *e, uint32_t off) /* ljmpl *%gs:off */
{
	e_gs_modrm(e, 0xff, 5, off);
}

/* jmp rel32 to target (0: to be patched); returns the rel32 field */
static inline uint8_t *e_jmp32(struct emitter *e, uintptr_t target)
{
	e8(e, 0xe9);
	uint8_t *site = e->p;
	e32(e, 0);
	if (!e->overflow && target)
		patch_rel32(site, target);
	return site;
}

#endif
