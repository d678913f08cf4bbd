/* guest_cpuid.h - the CPUID the guest kernel sees. */
#ifndef BTVMM_CPUID_H
#define BTVMM_CPUID_H

#include <stdint.h>

/* Leaf/subleaf -> the four registers, from the host's values with the
 * features btvmm does not virtualize taken out. */
void cpuid_guest(uint32_t leaf, uint32_t subleaf, uint32_t r[4]);

#endif
