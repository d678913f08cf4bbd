/* de_cpuid: cpuid in ring 3 gives what it gives the guest kernel in ring 0,
 * leaf by leaf (common/multitask.h, one task). A sandbox running ring 3
 * directly (btvmm issue 8) executes cpuid on the host's processor, which
 * shows the host's CPUID, not the virtual CPU's, unless the host has CPUID
 * faulting: then cpuid traps and the monitor answers it. Where the host has
 * none, the `_de` copy of this test is skipped (tests/backend_gaps.txt,
 * de-hostcpuid).
 *
 * For each leaf (subleaf 0) the task prints a mask of the registers that
 * differ from the kernel's answer: bit 0 EAX .. bit 3 EDX; 0 everywhere on
 * a CPU (QEMU agrees). */
#include "idt.c"
#include "paging.h"
#include "multitask.h"

__asm__(".section .text.user, \"ax\"\n"
        ".macro U_CPUID leaf\n"
        "  movl $\\leaf, %eax\n"
        "  xorl %ecx, %ecx\n"
        "  cpuid\n"
        "  movl %eax, U_SCR+0x40\n"
        "  movl %ebx, U_SCR+0x44\n"
        "  movl %ecx, U_SCR+0x48\n"
        "  movl %edx, U_SCR+0x4c\n"
        "  movl $\\leaf, %ebx\n"
        "  movl $U_SCR+0x40, %ecx\n"
        "  U_SYS SYS_CPUID_CMP\n"
        "  movl %eax, U_SCR+0x3c\n"
        "  U_PUTS \"cpuid \\leaf in ring 3, registers unlike ring 0: \"\n"
        "  movl U_SCR+0x3c, %eax\n"
        "  U_HEX\n"
        "  U_NL\n"
        ".endm\n"
        ".globl prog_cpuid\n"
        "prog_cpuid:\n"
        "  U_CPUID 0\n"
        "  U_CPUID 1\n"
        "  U_CPUID 7\n"
        "  U_CPUID 0xd\n"
        "  U_CPUID 0x80000000\n"
        "  U_CPUID 0x80000001\n"
        "  U_CPUID 0x80000008\n"
        "  movl $0, %ebx\n"
        "  U_SYS SYS_EXIT\n"
        MK_UTEXT_END
        ".text\n");

extern char prog_cpuid[];

int main(void)
{
    mk_init();
    mk_spawn((void (*)(void))prog_cpuid);
    mk_start();
}
