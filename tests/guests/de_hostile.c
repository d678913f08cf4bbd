/* de_hostile: ring-3 code that faults, tries privileged instructions and
 * tries to escape, under the small multitasking kernel of
 * common/multitask.h (own page directory per task, PIT preemption all
 * along). A direct-execution sandbox (btvmm issue 8) runs this code
 * natively on a 64-bit host, where GDT selector 0x33 is the host's 64-bit
 * user code segment, 0x23 its compat one, `syscall` a host system call and
 * the host's LDT holds the guest's descriptors: every case must still end
 * exactly as on a 32-bit CPU, as a guest exception reflected to the guest
 * kernel, which prints vector, error code, CR2 (#PF) and the EIP relative
 * to the instruction (or to a stated label), then resumes the task after
 * it or kills it.
 *
 *  task 0, privileged instructions at CPL 3 (IOPL 0, CR4.PCE clear):
 *    #GP(0) each; popf cannot clear IF or raise IOPL; int $0x81 and int $14
 *    through DPL-0 gates: #GP(vector*8+2).
 *  task 1, exceptions: #DE (div by 0, idiv overflow), #PF on a present
 *    supervisor page (error 5: in the user range, the kernel image, address
 *    0), on a read-only user page (7), on nothing (4, 6), fetches from a
 *    kernel and an unmapped page (EIP = CR2), #BP from int3/int $3 (EIP
 *    after), #OF from into, #BR from bound, #UD, #XM from an unmasked
 *    divsd by 0, #MF at the fwait after an unmasked fdivrp by 0 (the task
 *    yields in between), rdtsc (non-decreasing;
 *    #GP(0) with CR4.TSD set, which the kernel keeps per task: the task
 *    yields in between), data segment loads of bad selectors (#GP(sel),
 *    among them an LDT selector with no LDT), the TLS segment's limit;
 *    then with an LDT of its own (set_ldt): a load of LDT entry 6 and a
 *    read through it, a null LDT entry and one beyond the LDT's limit.
 *  task 2, escapes: far jmp/call/ret/iret to selectors that are no code
 *    segment for CPL 3 (0x33 the TLS data segment, 0x23 a null descriptor,
 *    0x2b the busy TSS, 0x10 kernel data, 0x08 and 0x63 DPL-0 code, 0x77
 *    an LDT selector with no LDT, 0x83 beyond the GDT limit 0x7f, 0 null):
 *    #GP(selector) each, and the targets are ud2, so a transfer that did
 *    happen shows as #UD. For these the EIP is NOT printed: an
 *    implementation that catches such an escape only after the host took
 *    it cannot know it. Valid far jmp/call to 0x73 work (the selector is
 *    printed only as index and RPL). Then a raw `syscall` (#UD: qemu32 has
 *    no SYSCALL and EFER.SCE is clear; EIP not printed: on AMD the host's
 *    fast system call path takes it and loses EIP), int $0x80 and sysenter with
 *    garbage in every register (EFLAGS with NT, AC, DF; null data segments;
 *    ESP in the kernel), sysenter whose user stack the kernel cannot read,
 *    sysenter with SYSENTER_CS = 0 (#GP(0), SYSENTER_CS per task; EIP not
 *    printed either: a host's native sysenter loses it), and
 *    writes with bad buffers (-EFAULT).
 *  tasks 3-5 are killed: ljmp $0x33, a raw syscall, a push with ESP = 0.
 *
 * QEMU 7.2 TCG differs from the SDM (and the real CPU, for the x87 line) in
 * three lines, kept in de_hostile.qemu.expect: it checks no data segment
 * limit (%gs:0xffd reads), raises no #XM (SDM vol. 1, 11.5.1: an unmasked
 * SIMD exception with CR4.OSXMMEXCPT set is #XM), and pops the x87 stack
 * on an unmasked zero divide (SDM vol. 1, 8.5.3: "TOP and source operands
 * remain unchanged"; FSW b084 on the host CPU, b884 in QEMU).
 * Not tested: #AC. With CR0.AM set (as Linux sets it) and EFLAGS.AC, a
 * misaligned ring-3 load is #AC(0) by the SDM, but neither QEMU nor btvmm's
 * translation raises it, while a CPU running the code directly would.
 */
#include "idt.c"
#include "paging.h"
#include "multitask.h"

__asm__(".section .text.user, \"ax\"\n"
        /* a transfer that should not have happened lands on ud2 */
        "u_trap_target:\n"
        "  ud2\n"
        ".p2align 3\n"
        "u_one: .double 1.0\n"
        "u_far_ret:\n"
        "  lret\n"
        /* print eax as "name: value\n" */
        ".macro U_SHOW name\n"
        "  movl %eax, U_SCR+0x3c\n"
        "  U_PUTS \"\\name: \"\n"
        "  movl U_SCR+0x3c, %eax\n"
        "  U_HEX\n"
        "  U_NL\n"
        ".endm\n"

        /* ---- task 0: privileged instructions ---- */
        ".globl prog_priv\n"
        "prog_priv:\n"
        "  U_TRY \"cli\", 0, cli\n"
        "  U_TRY \"sti\", 0, sti\n"
        "  U_TRY \"hlt\", 0, hlt\n"
        "  U_TRY \"mov to cr3\", 0, movl %eax, %cr3\n"
        "  U_TRY \"mov from cr0\", 0, movl %cr0, %eax\n"
        "  U_TRY \"mov to dr7\", 0, movl %eax, %dr7\n"
        "  U_TRY \"in $0x80\", 0, inb $0x80, %al\n"
        "  U_TRY \"out $0x80\", 0, outb %al, $0x80\n"
        "  movl $0x3f8, %edx\n"
        "  U_TRY \"in (%dx), dx=3f8\", 0, inb (%dx), %al\n"
        "  U_TRY \"lgdt\", 0, lgdt U_SCR\n"
        "  U_TRY \"lidt\", 0, lidt U_SCR\n"
        "  xorl %esi, %esi\n"
        "  U_TRY \"lldt\", 0, lldt %si\n"
        "  U_TRY \"ltr\", 0, ltr %si\n"
        "  U_TRY \"clts\", 0, clts\n"
        "  U_TRY \"invlpg\", 0, invlpg U_SCR\n"
        "  U_TRY \"wbinvd\", 0, wbinvd\n"
        "  U_TRY \"rdmsr\", 0, rdmsr\n"
        "  U_TRY \"wrmsr\", 0, wrmsr\n"
        "  U_TRY \"rdpmc (CR4.PCE clear)\", 0, rdpmc\n"
        "  U_TRY \"sysexit\", 0, sysexit\n"
        "  U_TRY \"int $0x81 (DPL-0 gate)\", 0, int $0x81\n"
        "  U_TRY \"int $14 (DPL-0 gate)\", 0, int $14\n"
        "  pushl $0x3002\n"
        "  popfl\n"
        "  pushfl\n"
        "  popl %eax\n"
        "  andl $0x3200, %eax\n"
        "  U_SHOW \"popf of IOPL 3, IF 0: IOPL/IF now\"\n"
        "  U_SYS SYS_YIELD\n"
        "  U_TRY \"rdtsc (CR4.TSD clear for this task)\", 0, rdtsc\n"
        "  U_TRY \"cli after the yield\", 0, cli\n"
        "  movl $0, %ebx\n"
        "  U_SYSE SYS_EXIT\n"

        /* ---- task 1: exceptions ---- */
        ".globl prog_exc\n"
        "prog_exc:\n"
        "  xorl %edi, %edi\n"
        "  U_TRY \"div by 0\", 0, divl %edi\n"
        "  U_PUTS \"idiv 0x80000000 / -1: \"\n"
        "  movl $-1, %esi\n"
        "  U_ARM 0, 1f, 2f\n"
        "  movl $0x80000000, %eax\n"
        "  cltd\n"
        "1: idivl %esi\n"
        "  U_NOFAULT\n"
        "2:\n"
        "  U_TRY \"read U_SUP (supervisor)\", 0, movl U_SUP+0x10, %eax\n"
        "  U_TRY \"read the kernel at 0x100000\", 0, movl 0x100000, %eax\n"
        "  U_TRY \"read address 0\", 0, movl 0, %eax\n"
        "  U_TRY \"write U_RO (read-only)\", 0, movl %eax, U_RO+0x20\n"
        "  U_TRY \"write U_VVAR (read-only)\", 0, movl %eax, U_VVAR+0x24\n"
        "  U_TRY \"read unmapped 0x60000000\", 0, movl 0x60000000, %eax\n"
        "  U_TRY \"write unmapped 0x60000ffe (word)\", 0, movw %ax, 0x60000ffe\n"
        "  movl U_RO+0x20, %eax\n"
        "  U_SHOW \"read U_RO+0x20\"\n"
        "  U_PUTS \"jmp to the kernel at 0x100000, eip relative to 0x100000: \"\n"
        "  movl $0x100000, %esi\n"
        "  U_ARM 0, 0x100000, 2f\n"
        "  jmp *%esi\n"
        "  U_NOFAULT\n"
        "2:\n"
        "  U_PUTS \"call to unmapped 0x60001000, eip relative to it: \"\n"
        "  movl $0x60001000, %esi\n"
        "  U_ARM 0, 0x60001000, 2f\n"
        "  call *%esi\n"
        "  U_NOFAULT\n"
        "2:\n"
        "  U_TRY \"int3\", 0, int3\n"
        "  U_TRY \"int $3 (cd 03)\", 0, .byte 0xcd, 3\n"
        "  U_PUTS \"into with OF set: \"\n"
        "  movl $0x7fffffff, %esi\n"
        "  addl $1, %esi\n"
        "  U_ARM 0, 1f, 2f\n"
        "1: into\n"
        "  U_NOFAULT\n"
        "2:\n"
        "  U_PUTS \"into with OF clear: \"\n"
        "  xorl %esi, %esi\n"
        "  U_ARM 0, 1f, 2f\n"
        "1: into\n"
        "  U_NOFAULT\n"
        "2:\n"
        "  movl $0, U_SCR+0x60\n"
        "  movl $10, U_SCR+0x64\n"
        "  movl $20, %esi\n"
        "  U_TRY \"bound 20 in [0,10]\", 0, boundl %esi, U_SCR+0x60\n"
        "  movl $5, %esi\n"
        "  U_TRY \"bound 5 in [0,10]\", 0, boundl %esi, U_SCR+0x60\n"
        "  U_TRY \"ud2\", 0, ud2\n"
        /* SIMD and x87 exceptions (CR4.OSXMMEXCPT, CR0.NE set) */
        "  U_PUTS \"divsd by 0, MXCSR.ZM clear: \"\n"
        "  movl $0x1d80, U_SCR+0x80\n"
        "  ldmxcsr U_SCR+0x80\n"
        "  xorpd %xmm1, %xmm1\n"
        "  movsd u_one, %xmm0\n"
        "  U_ARM 0, 1f, 2f\n"
        "1: divsd %xmm1, %xmm0\n"
        "  U_NOFAULT\n"
        "2:\n"
        "  stmxcsr U_SCR+0x80\n"
        "  movl U_SCR+0x80, %eax\n"
        "  U_SHOW \"mxcsr after\"\n"
        "  movl $0x1f80, U_SCR+0x80\n"
        "  ldmxcsr U_SCR+0x80\n"
        "  U_PUTS \"fdivrp by 0, FCW.ZM clear, then fwait: \"\n"
        "  fninit\n"
        "  movl $0x37b, U_SCR+0x80\n"
        "  fldcw U_SCR+0x80\n"
        "  fld1\n"
        "  fldz\n"
        "  fdivrp\n"
        "  U_SYS SYS_YIELD\n" /* the pending exception survives fxsave/fxrstor */
        "  U_ARM 0, 1f, 2f\n"
        "1: fwait\n"
        "  U_NOFAULT\n"
        "2:\n"
        "  fnstsw %ax\n"
        "  andl $0xffff, %eax\n"
        "  U_SHOW \"fsw after (TOP 6: not popped)\"\n"
        "  fninit\n"
        /* rdtsc: TSD clear, then set (yielding in between), then clear */
        "  rdtsc\n"
        "  movl %eax, U_SCR+0x70\n"
        "  movl %edx, U_SCR+0x74\n"
        "  U_SYS SYS_YIELD\n"
        "  rdtsc\n"
        "  subl U_SCR+0x70, %eax\n"
        "  sbbl U_SCR+0x74, %edx\n"
        "  notl %edx\n"
        "  shrl $31, %edx\n"
        "  movl %edx, %eax\n"
        "  U_SHOW \"rdtsc twice, CR4.TSD clear: non-decreasing\"\n"
        "  movl $1, %ebx\n"
        "  U_SYS SYS_SET_TSD\n"
        "  U_SYS SYS_YIELD\n"
        "  U_SYSE SYS_YIELD\n"
        "  U_TRY \"rdtsc, CR4.TSD set\", 0, rdtsc\n"
        "  movl $0, %ebx\n"
        "  U_SYSE SYS_SET_TSD\n"
        "  U_TRY \"rdtsc, CR4.TSD clear again\", 0, rdtsc\n"
        /* data segment loads */
        "  movl $0x10, %esi\n"
        "  U_TRY \"mov 0x10 (kernel data) to ds\", 0, movw %si, %ds\n"
        "  movl $0x28, %esi\n"
        "  U_TRY \"mov 0x28 (TSS) to es\", 0, movw %si, %es\n"
        "  movl $0x23, %esi\n"
        "  U_TRY \"mov 0x23 (null descriptor) to fs\", 0, movw %si, %fs\n"
        "  movl $0x37, %esi\n"
        "  U_TRY \"mov 0x37 (LDT, none loaded) to gs\", 0, movw %si, %gs\n"
        "  movl $0x83, %esi\n"
        "  U_TRY \"mov 0x83 (beyond the GDT limit) to gs\", 0, movw %si, %gs\n"
        "  movl $0x63, %esi\n"
        "  U_TRY \"mov 0x63 (DPL-0 code) to ds\", 0, movw %si, %ds\n"
        "  movl $0x73, %esi\n"
        "  U_TRY \"mov 0x73 (user code, readable) to ds\", 0, movw %si, %ds\n"
        "  movl $0x7b, %eax\n"
        "  movw %ax, %ds\n"
        "  movl $0x7b, %esi\n"
        "  U_TRY \"mov 0x7b to ss\", 0, movw %si, %ss\n"
        "  movl $0x33, %esi\n"
        "  U_TRY \"mov 0x33 (TLS) to ss\", 0, movw %si, %ss\n"
        "  movl $0x7b, %eax\n"
        "  movw %ax, %ss\n"
        "  movl $0x33, %eax\n"
        "  movw %ax, %gs\n"
        "  movl %gs:0xffc, %eax\n"
        "  U_SHOW \"%gs:0xffc (the limit is 0xfff)\"\n"
        "  movl $0x33, %eax\n"
        "  movw %ax, %gs\n"
        "  U_TRY \"%gs:0xffd, 4 bytes\", 0, movl %gs:0xffd, %eax\n"
        /* the task's own LDT: LDT selectors now name its entries, not
         * the GDT's (a sandbox mirroring GDT entry i at LDT entry i must
         * not run this) */
        "  movl $0x1d7da7a6, U_TLS+0x800\n"
        "  movl $1, %ebx\n"
        "  U_SYS SYS_SET_LDT\n"
        "  movl $0x37, %eax\n"
        "  movw %ax, %gs\n"
        "  movl %gs:0, %eax\n"
        "  U_SHOW \"%gs:0 through 0x37, the task's LDT entry 6\"\n"
        "  movl $0x3f, %esi\n"
        "  U_TRY \"mov 0x3f (LDT entry 7, null) to fs\", 0, movw %si, %fs\n"
        "  movl $0x4f, %esi\n"
        "  U_TRY \"mov 0x4f (beyond the LDT limit) to fs\", 0, movw %si, %fs\n"
        "  movl $0x37, %eax\n"
        "  movw %ax, %gs\n"
        "  U_TRY \"%gs:0xffd through 0x37, 4 bytes\", 0, movl %gs:0xffd, %eax\n"
        "  movl $0, %eax\n" /* (the kernel pops %gs after its lldt 0) */
        "  movw %ax, %gs\n"
        "  movl $0, %ebx\n"
        "  U_SYS SYS_SET_LDT\n"
        "  movl $0, %ebx\n"
        "  U_SYS SYS_EXIT\n"

        /* ---- task 2: escapes ---- */
        ".globl prog_escape\n"
        "prog_escape:\n"
        "  U_TRY \"ljmp $0x33 (TLS data)\", 2, ljmp $0x33, $u_trap_target\n"
        "  U_TRY \"lcall $0x23 (null descriptor)\", 2, lcall $0x23, $u_trap_target\n"
        "  U_TRY \"ljmp $0x2b (busy TSS, DPL 0)\", 2, ljmp $0x2b, $u_trap_target\n"
        "  U_TRY \"lcall $0x10 (kernel data)\", 2, lcall $0x10, $u_trap_target\n"
        "  U_TRY \"ljmp $0x08 (kernel code)\", 2, ljmp $0x08, $u_trap_target\n"
        "  U_TRY \"lcall $0x63 (kernel code, RPL 3)\", 2, lcall $0x63, $u_trap_target\n"
        "  U_TRY \"ljmp $0x77 (LDT, none loaded)\", 2, ljmp $0x77, $u_trap_target\n"
        "  U_TRY \"lcall $0x83 (beyond the GDT limit)\", 2, lcall $0x83, $u_trap_target\n"
        "  U_TRY \"ljmp $0 (null)\", 2, ljmp $0, $u_trap_target\n"
        "  U_PUTS \"lret to 0x33: \"\n"
        "  U_ARM 2, 1f, 2f\n"
        "  pushl $0x33\n"
        "  pushl $u_trap_target\n"
        "1: lret\n"
        "  U_NOFAULT\n"
        "2:\n"
        "  U_PUTS \"iret to 0x0b (kernel code, RPL 3): \"\n"
        "  U_ARM 2, 1f, 2f\n"
        "  pushl $0x202\n"
        "  pushl $0x0b\n"
        "  pushl $u_trap_target\n"
        "1: iret\n"
        "  U_NOFAULT\n"
        "2:\n"
        "  U_PUTS \"ljmp $0x73 (user code): \"\n"
        "  U_ARM 0, 1f, 2f\n"
        "1: ljmp $0x73, $3f\n"
        "3: U_NOFAULT\n"
        "2:\n"
        "  U_TRY \"lcall $0x73 and lret\", 0, lcall $0x73, $u_far_ret\n"
        "  xorl %eax, %eax\n"
        "  movw %cs, %ax\n"
        "  movl %eax, %esi\n"
        "  shrl $3, %eax\n"
        "  U_SHOW \"cs index\"\n"
        "  movl %esi, %eax\n"
        "  andl $3, %eax\n"
        "  U_SHOW \"cs rpl\"\n"
        "  U_TRY \"syscall (0f 05)\", 2, syscall\n"
        /* int $0x80 with garbage in every register */
        "  U_PUTS \"int $0x80, garbage in every register: \"\n"
        "  movl %esp, U_SCR+0x20\n"
        "  pushl $0x47cd5\n" /* NT AC OF DF SF ZF PF CF, IOPL 3, IF 0 */
        "  popfl\n"
        "  pushfl\n"
        "  popl U_SCR+0x24\n"
        "  movl $0, %eax\n"
        "  movw %ax, %ds\n"
        "  movw %ax, %es\n"
        "  movw %ax, %fs\n"
        "  movw %ax, %gs\n"
        "  movl $0xdeadbeef, %eax\n"
        "  movl $0x8badf00d, %ebx\n"
        "  movl $0xffffffff, %ecx\n"
        "  movl $0x80000000, %edx\n"
        "  movl $0x00100000, %esi\n"
        "  movl $0xc0000000, %edi\n"
        "  movl $0x12345678, %ebp\n"
        "  movl $0x00100003, %esp\n"
        "  int $0x80\n"
        "  movl %cs:U_SCR+0x20, %esp\n"
        "  call garbage_check\n"
        /* sysenter with garbage in every register (the vsyscall frame on a
         * good stack) */
        "  U_PUTS \"sysenter, garbage in every register: \"\n"
        "  movl %esp, U_SCR+0x20\n"
        "  pushl $3f\n"
        "  pushl $0xffffffff\n" /* ecx, edx, ebp as the vsyscall saves them */
        "  pushl $0x80000000\n"
        "  pushl $0x12345678\n"
        "  pushl $0x47cd5\n"
        "  popfl\n"
        "  pushfl\n"
        "  popl U_SCR+0x24\n"
        "  movl $0, %eax\n"
        "  movw %ax, %ds\n"
        "  movw %ax, %es\n"
        "  movw %ax, %fs\n"
        "  movw %ax, %gs\n"
        "  movl %esp, %ebp\n"
        "  movl $0xdeadbeef, %eax\n"
        "  movl $0x8badf00d, %ebx\n"
        "  movl $0x0f0f0f0f, %ecx\n"
        "  movl $0xf0f0f0f0, %edx\n"
        "  movl $0x00100000, %esi\n"
        "  movl $0xc0000000, %edi\n"
        "  sysenter\n"
        "3:\n"
        "  movl %cs:U_SCR+0x20, %esp\n"
        "  call garbage_check\n"
        /* sysenter whose user stack (EBP) the kernel cannot read: -EFAULT,
         * then the vsyscall's pops fault */
        "  U_PUTS \"sysenter, EBP in the kernel, #PF at u_sysenter_ret+: \"\n"
        "  U_ARM 0, u_sysenter_ret, 2f\n"
        "  movl $0x00100000, %ebp\n"
        "  movl $99, %eax\n"
        "  sysenter\n"
        "  U_NOFAULT\n"
        "2:\n"
        "  U_PUTS \"sysenter, EBP 4 bytes below the stack top, #PF at u_sysenter_ret+: \"\n"
        "  U_ARM 0, u_sysenter_ret, 2f\n"
        "  movl $0xbffffffc, %ebp\n"
        "  movl $99, %eax\n"
        "  sysenter\n"
        "  U_NOFAULT\n"
        "2:\n"
        "  movl $0, %ebx\n"
        "  U_SYS SYS_SET_SYSENTER_CS\n"
        "  U_SYS SYS_YIELD\n"
        /* EIP not printed: a host that runs sysenter natively returns to a
         * fixed landing address, so the sandbox cannot know where it was */
        "  U_TRY \"sysenter, SYSENTER_CS 0\", 2, sysenter\n"
        "  movl $0x60, %ebx\n"
        "  U_SYS SYS_SET_SYSENTER_CS\n"
        "  U_PUTS_SE \"sysenter, SYSENTER_CS 0x60 again: works\\n\"\n"
        /* writes with bad buffers */
        "  movl $0x100000, %ebx\n"
        "  movl $16, %ecx\n"
        "  U_SYS SYS_WRITE\n"
        "  U_SHOW \"write(kernel address)\"\n"
        "  movl $U_SUP, %ebx\n"
        "  movl $4, %ecx\n"
        "  U_SYS SYS_WRITE\n"
        "  U_SHOW \"write(U_SUP)\"\n"
        "  movl $0xfffffff0, %ebx\n"
        "  movl $0x20, %ecx\n"
        "  U_SYSE SYS_WRITE\n"
        "  U_SHOW \"write(0xfffffff0, 0x20: wraps)\"\n"
        "  movl $U_RO, %ebx\n"
        "  movl $0x7fffffff, %ecx\n"
        "  U_SYS SYS_WRITE\n"
        "  U_SHOW \"write(U_RO, 0x7fffffff)\"\n"
        "  movl $U_RO+0xff0, %ebx\n"
        "  movl $0x20, %ecx\n"
        "  U_SYSE SYS_WRITE\n"
        "  U_SHOW \"write(U_RO+0xff0, 0x20: into U_SUP)\"\n"
        "  movl $0, %ebx\n"
        "  U_SYS SYS_EXIT\n"

        /* after int $0x80/sysenter with garbage (the stack is good again):
         * eax, the registers that changed, EFLAGS before and after */
        "garbage_check:\n"
        "  pushfl\n"
        "  pushl %eax\n"
        "  movl $0x7b, %eax\n"
        "  movw %ax, %ds\n"
        "  movw %ax, %es\n"
        "  pushl $2\n"
        "  popfl\n"
        "  popl U_SCR+0x28\n"
        "  popl U_SCR+0x2c\n"
        "  xorl $0x8badf00d, %ebx\n"
        "  xorl $0x00100000, %esi\n"
        "  xorl $0xc0000000, %edi\n"
        "  orl %esi, %ebx\n"
        "  orl %edi, %ebx\n"
        "  movl %ebx, U_SCR+0x30\n"
        "  xorl $0xffffffff, %ecx\n"
        "  xorl $0x80000000, %edx\n"
        "  xorl $0x12345678, %ebp\n"
        "  orl %edx, %ecx\n"
        "  orl %ebp, %ecx\n"
        "  movl %ecx, U_SCR+0x34\n"
        "  U_PUTS \"eax \"\n"
        "  movl U_SCR+0x28, %eax\n"
        "  U_HEX\n"
        "  U_PUTS \", ebx/esi/edi changed by \"\n"
        "  movl U_SCR+0x30, %eax\n"
        "  U_HEX\n"
        "  U_PUTS \", ecx/edx/ebp by \"\n"
        "  movl U_SCR+0x34, %eax\n"
        "  U_HEX\n"
        "  U_PUTS \", eflags \"\n"
        "  movl U_SCR+0x24, %eax\n"
        "  andl $0x47fd7, %eax\n"
        "  U_HEX\n"
        "  U_PUTS \" -> \"\n"
        "  movl U_SCR+0x2c, %eax\n"
        "  andl $0x47fd7, %eax\n"
        "  U_HEX\n"
        "  U_NL\n"
        "  ret\n"

        /* ---- tasks 3-5: killed ---- */
        ".globl prog_kill_ljmp, prog_kill_syscall, prog_kill_stack\n"
        "prog_kill_ljmp:\n"
        "  U_PUTS \"ljmp $0x33 with no catch armed\\n\"\n"
        "  ljmp $0x33, $u_trap_target\n"
        "  U_PUTS \"still alive\\n\"\n"
        "  ud2\n"
        "prog_kill_syscall:\n"
        "  U_PUTS \"syscall with no catch armed\\n\"\n"
        "  syscall\n"
        "  U_PUTS \"still alive\\n\"\n"
        "  ud2\n"
        "prog_kill_stack:\n"
        "  U_PUTS \"push with esp 0\\n\"\n"
        "  xorl %esp, %esp\n"
        "  pushl $1\n"
        "  movl $0xbffff000, %esp\n"
        "  U_PUTS \"still alive\\n\"\n"
        "  ud2\n" MK_UTEXT_END ".text\n");
extern char prog_priv[], prog_exc[], prog_escape[], prog_kill_ljmp[], prog_kill_syscall[],
    prog_kill_stack[];

int main(void)
{
    mk_init();
    mk_spawn((void (*)(void))prog_priv);
    mk_spawn((void (*)(void))prog_exc);
    mk_spawn((void (*)(void))prog_escape);
    mk_spawn((void (*)(void))prog_kill_ljmp);
    mk_spawn((void (*)(void))prog_kill_syscall);
    mk_spawn((void (*)(void))prog_kill_stack);
    mk_start();
}
