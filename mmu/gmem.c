/* gmem.c - monitor-side guest memory access (see gmem.h). */
#include "gmem.h"

#include <string.h>

#include "segments.h"
#include "smc.h"
#include "vm.h"

const uint8_t *gmem_code_ptr(struct vcpu *cpu, uint32_t lin, uint32_t *avail, uint32_t *pfn)
{
	struct physmem *pm = &cpu->vm->mem;
	if (lin >= pm->ram_size)
		return NULL;
	*avail = (uint32_t)(pm->ram_size - lin);
	if (pfn)
		*pfn = lin >> PAGE_SHIFT;
	return pm->physmap + lin;
}

int gmem_read(struct vcpu *cpu, uint32_t lin, void *buf, uint32_t n)
{
	void *p = gpa_ptr(&cpu->vm->mem, lin, n);
	if (!p)
		return -1;
	memcpy(buf, p, n);
	return 0;
}

int gmem_write(struct vcpu *cpu, uint32_t lin, const void *buf, uint32_t n)
{
	void *p = gpa_ptr(&cpu->vm->mem, lin, n);
	if (!p || n == 0)
		return p ? 0 : -1;
	memcpy(p, buf, n);
	smc_notify_write(cpu->vm, lin, n);
	return 0;
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
	return gmem_read(cpu, cpu->seg[seg].base + off, buf, n) ? 13 : 0;
}

int gmem_seg_write(struct vcpu *cpu, int seg, uint32_t off, const void *buf, uint32_t n)
{
	int vec = gmem_seg_check(cpu, seg, off, n, true);
	if (vec)
		return vec;
	return gmem_write(cpu, cpu->seg[seg].base + off, buf, n) ? 13 : 0;
}
