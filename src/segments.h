/* segments.h - guest segmentation: descriptor loads with the architectural
 * checks, and the shadow descriptors (host LDT entries) translated code runs
 * with. */
#ifndef BTVMM_SEGMENTS_H
#define BTVMM_SEGMENTS_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct seg_cache;
struct xinsn;

/* Host LDT slot for each guest segment register (SEG_ES..SEG_GS) and the block. */
#define LDT_SLOT_BLK 6
#define LDT_SEL(slot) ((uint16_t)(((slot) << 3) | 7))

/* A guest exception found by the monitor: vector and error code. */
struct gexc {
	int vec; /* -1: none */
	uint32_t err;
};

/* x64 backend: how translated code may reach memory through a segment.
 * SEGC_FLAT: base 0, 4 GiB limit, writable, expand-up (32-bit for SS):
 * accesses run natively at the offset. SEGC_BASED: the same with a base,
 * added in translated code. SEGC_SOFT: anything with a limit, a type check
 * or the null selector: the emulator does the access. */
enum { SEGC_FLAT, SEGC_BASED, SEGC_SOFT };
int seg_x64_class(const struct seg_cache *s, int seg);

/* Build the block's descriptor and shadows for every segment register. */
int seg_shadow_init(struct vcpu *cpu);
/* Refresh the shadow of one segment register from cpu->seg[seg]. */
int seg_shadow_update(struct vcpu *cpu, int seg);
/* Make cache from an 8-byte descriptor. */
void seg_from_desc(struct seg_cache *s, uint16_t sel, uint32_t lo, uint32_t hi);
/* Set a segment register to a flat 4 GiB segment (type 0x9b code / 0x93 data). */
void seg_set_flat(struct vcpu *cpu, int seg, uint16_t sel, uint8_t type);

/* Do offsets [off, off+n) lie within the segment's limit (expand-up or down)? */
bool seg_limit_ok(const struct seg_cache *s, uint32_t off, uint32_t n);

/* A #GP/#SS in translated code may come from our shadow rather than from
 * the guest's own limit: a segment cut at the hole whose linear range wraps
 * past 4 GiB, or one we could not mirror at all (expand-down reaching the
 * hole, based in the hole). If the instruction's ModRM operand and implicit
 * stack access lie within the guest's limits and miss the hole, returns the
 * mask (1 << SEG_*) of segment registers to mirror exactly for a one-shot
 * re-execution; 0 if the fault is the guest's. */
int seg_truncation_fault(struct vcpu *cpu, const struct xinsn *in);
/* Mirror the masked segments exactly (for one instruction); undo with
 * seg_shadow_update. */
int seg_shadow_widen(struct vcpu *cpu, int mask);

/* Load segment register seg with selector sel as mov/pop/lds would: checks,
 * accessed bit, cache, shadow. Returns the exception, vec -1 if none. */
struct gexc seg_load(struct vcpu *cpu, int seg, uint16_t sel);
/* Load CS for a far jmp/call/ret to sel:eip at the current privilege. */
struct gexc seg_load_cs(struct vcpu *cpu, uint16_t sel, uint32_t eip);
/* Read the 8-byte descriptor for sel from the GDT or LDT. */
struct gexc seg_read_desc(struct vcpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi);

#endif
