/* gmem.h - the monitor's accesses to guest memory by linear address. With
 * paging off, linear = physical; the monitor reaches RAM through the
 * physmap, never through the window, and tells the translation cache when
 * it writes a page holding translated code. */
#ifndef BTVMM_GMEM_H
#define BTVMM_GMEM_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* Host pointer to the code at linear address lin; *avail = bytes readable
 * there (to the end of RAM); *pfn (if non-NULL) = its guest physical page.
 * NULL if lin is not RAM. */
const uint8_t *gmem_code_ptr(struct vcpu *cpu, uint32_t lin, uint32_t *avail, uint32_t *pfn);

/* Linear reads and writes of n bytes as supervisor accesses (descriptor
 * tables, TSS, interrupt frames): 0, -1 if a byte is not RAM, or 14 for a
 * page fault (address and error code recorded in the vCPU). */
int gmem_read(struct vcpu *cpu, uint32_t lin, void *buf, uint32_t n);
int gmem_write(struct vcpu *cpu, uint32_t lin, const void *buf, uint32_t n);
/* Instruction bytes, fetched at the current privilege level. */
int gmem_fetch(struct vcpu *cpu, uint32_t lin, void *buf, uint32_t n);

/* The architectural checks of an access through a segment register:
 * present, limit (expand-up or down), type rights. 0, or the vector (13,
 * or 12 for SS). */
int gmem_seg_check(struct vcpu *cpu, int seg, uint32_t off, uint32_t n, bool write);

/* The same through a segment: checks the limit and the type (write needs a
 * writable data segment) and are user accesses at CPL 3. Returns 0, or the
 * exception vector to raise (13 #GP, 12 #SS for the stack segment, 14 #PF). */
int gmem_seg_read(struct vcpu *cpu, int seg, uint32_t off, void *buf, uint32_t n);
int gmem_seg_write(struct vcpu *cpu, int seg, uint32_t off, const void *buf, uint32_t n);

#endif
