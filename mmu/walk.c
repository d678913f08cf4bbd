/* walk.c - guest page-table walks (SDM vol. 3, 4.3 "32-bit paging"). */
#include "walk.h"

#include <string.h>

#include "vm.h"

static uint32_t *entry(struct vcpu *cpu, uint32_t pa)
{
	return gpa_ptr(&cpu->vm->mem, pa, 4);
}

bool mmu_allowed(const struct vcpu *cpu, bool user, bool writable, unsigned acc)
{
	if ((acc & ACC_USER) && !user)
		return false;
	if (!(acc & ACC_WRITE) || writable)
		return true;
	/* a write to a read-only page: only a supervisor with CR0.WP clear */
	return !(acc & ACC_USER) && !(cpu->cr0 & CR0_WP);
}

static uint32_t fault_err(unsigned acc, bool present)
{
	return (present ? PF_P : 0) | (acc & ACC_WRITE ? PF_W : 0) | (acc & ACC_USER ? PF_U : 0);
}

int mmu_walk(struct vcpu *cpu, uint32_t lin, unsigned acc, bool set_ad, struct walk *w,
	     uint32_t *err)
{
	uint32_t pde_pa = (cpu->cr3 & ~0xfffu) + (lin >> 22) * 4;
	uint32_t *pde = entry(cpu, pde_pa);
	memset(w, 0, sizeof(*w));
	if (!pde || !(*pde & PTE_P)) {
		*err = fault_err(acc, false);
		return -1;
	}
	w->large = (*pde & PDE_PS) && (cpu->cr4 & CR4_PSE);
	if (w->large && (*pde & 0x003fe000u)) {
		/* bits 13-21 are reserved without PSE-36 (which CPUID does not offer) */
		*err = fault_err(acc, true) | PF_RSVD;
		return -1;
	}
	uint32_t *pte = pde;
	w->pte_pa = pde_pa;
	if (!w->large) {
		w->pte_pa = (*pde & ~0xfffu) + ((lin >> 12) & 0x3ff) * 4;
		pte = entry(cpu, w->pte_pa);
		if (!pte || !(*pte & PTE_P)) {
			*err = fault_err(acc, false);
			return -1;
		}
	}
	w->user = (*pde & PTE_U) && (*pte & PTE_U);
	w->writable = (*pde & PTE_W) && (*pte & PTE_W);
	if (!mmu_allowed(cpu, w->user, w->writable, acc)) {
		*err = fault_err(acc, true);
		return -1;
	}
	if (set_ad) {
		*pde |= PTE_A;
		*pte |= PTE_A | (acc & ACC_WRITE ? PTE_D : 0);
	}
	w->pde = *pde;
	w->pte = *pte;
	w->dirty = *pte & PTE_D;
	w->global = (*pte & PTE_G) && (cpu->cr4 & CR4_PGE);
	w->pa =
	    w->large ? (*pde & 0xffc00000u) | (lin & 0x3fffff) : (*pte & ~0xfffu) | (lin & 0xfff);
	return 0;
}

bool mmu_paging(const struct vcpu *cpu)
{
	return cpu->cr0 & CR0_PG;
}

int mmu_translate(struct vcpu *cpu, uint32_t lin, unsigned acc, uint32_t *pa)
{
	if (!mmu_paging(cpu)) {
		*pa = lin;
		return 0;
	}
	struct walk w;
	uint32_t err;
	if (mmu_walk(cpu, lin, acc, true, &w, &err)) {
		cpu->pf_lin = lin;
		cpu->pf_err = err;
		return 14;
	}
	*pa = w.pa;
	return 0;
}
