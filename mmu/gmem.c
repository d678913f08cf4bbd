/* gmem.c - monitor-side guest memory access (see gmem.h). */
#include "gmem.h"

#include <string.h>

#include "segments.h"
#include "smc.h"
#include "shadow.h"
#include "vm.h"
#include "walk.h"

const uint8_t *gmem_code_ptr(struct vcpu *cpu, uint32_t lin, uint32_t *avail, uint32_t *pfn)
{
	struct physmem *pm = &cpu->vm->mem;
	uint32_t pa = lin;
	unsigned acc = ACC_FETCH | (cpu->cpl == 3 ? ACC_USER : 0);
	if (mmu_translate(cpu, lin, acc, &pa) || pa >= pm->ram_size)
		return NULL;
	/* with paging the next page may be anywhere: stop at this one's end */
	*avail =
	    mmu_paging(cpu) ? PAGE_SIZE - (pa & (PAGE_SIZE - 1)) : (uint32_t)(pm->ram_size - pa);
	if (pfn)
		*pfn = pa >> PAGE_SHIFT;
	return pm->physmap + pa;
}

/* Copy n bytes between buf and guest linear memory, a page at a time.
 * 0, -1 (a byte outside RAM) or 14 (a page fault, recorded in the vCPU). */
static int access(struct vcpu *cpu, uint32_t lin, void *buf, uint32_t n, unsigned acc)
{
	uint8_t *b = buf;
	while (n) {
		uint32_t chunk = PAGE_SIZE - (lin & (PAGE_SIZE - 1)), pa;
		if (chunk > n)
			chunk = n;
		int r = mmu_translate(cpu, lin, acc, &pa);
		if (r)
			return r;
		void *p = gpa_ptr(&cpu->vm->mem, pa, chunk);
		if (!p)
			return -1;
		if (acc & ACC_WRITE) {
			memcpy(p, b, chunk);
			smc_notify_write(cpu->vm, pa, chunk);
			shadow_pt_written(cpu->vm, pa, chunk);
		} else {
			memcpy(b, p, chunk);
		}
		lin += chunk;
		b += chunk;
		n -= chunk;
	}
	return 0;
}

int gmem_read(struct vcpu *cpu, uint32_t lin, void *buf, uint32_t n)
{
	return access(cpu, lin, buf, n, 0);
}

int gmem_fetch(struct vcpu *cpu, uint32_t lin, void *buf, uint32_t n)
{
	return access(cpu, lin, buf, n, ACC_FETCH | (cpu->cpl == 3 ? ACC_USER : 0));
}

int gmem_write(struct vcpu *cpu, uint32_t lin, const void *buf, uint32_t n)
{
	return access(cpu, lin, (void *)buf, n, ACC_WRITE);
}

int gmem_seg_check(struct vcpu *cpu, int seg, uint32_t off, uint32_t n, bool write)
{
	const struct seg_cache *s = &cpu->seg[seg];
	int vec = seg == SEG_SS ? 12 : 13;
	if (!(s->attr & SEG_ATTR_P) || !seg_limit_ok(s, off, n))
		return vec;
	bool code = s->attr & 0x8;
	if (write && (code || !(s->attr & 0x2)))
		return vec;
	if (!write && code && !(s->attr & 0x2))
		return vec; /* execute-only */
	return 0;
}

int gmem_seg_read(struct vcpu *cpu, int seg, uint32_t off, void *buf, uint32_t n)
{
	int vec = gmem_seg_check(cpu, seg, off, n, false);
	if (vec)
		return vec;
	unsigned acc = cpu->cpl == 3 ? ACC_USER : 0;
	int r = access(cpu, cpu->seg[seg].base + off, buf, n, acc);
	return r == 14 ? 14 : r ? 13 : 0;
}

int gmem_seg_write(struct vcpu *cpu, int seg, uint32_t off, const void *buf, uint32_t n)
{
	int vec = gmem_seg_check(cpu, seg, off, n, true);
	if (vec)
		return vec;
	unsigned acc = ACC_WRITE | (cpu->cpl == 3 ? ACC_USER : 0);
	int r = access(cpu, cpu->seg[seg].base + off, (void *)buf, n, acc);
	return r == 14 ? 14 : r ? 13 : 0;
}
