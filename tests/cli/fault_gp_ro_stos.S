/* fault_gp_ro_stos.S - fault_gp_ro.S with the write done by stosl (through
 * %es implicitly, a string instruction) instead of a mov with a ModRM
 * operand: the same #GP(0) at fault_here. */
#define USE_STOS
#include "fault_gp_ro.S"
