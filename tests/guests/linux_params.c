/* linux_params: the Linux 32-bit boot protocol from the kernel's side
 * (Documentation/x86/boot.rst, "32-bit boot protocol"; zero-page.rst).
 * GUEST_BZIMAGE: build.sh also wraps this guest as linux_params.bzimage
 * (common/bzsetup.S's header, protocol 2.15, then this code at 1 MiB).
 * Run by ctest as
 *   -kernel linux_params.bzimage -m 64 -append "console=ttyS0 root=/dev/x"
 *   -initrd modules/two.txt
 * It prints:
 *  - the entry state: %esi = boot_params, %ebx/%edi/%ebp = 0, CS = 0x10
 *    and DS/ES/SS = 0x18 (__BOOT_CS/__BOOT_DS), IF = 0, CR0.PE = 1, PG = 0
 *  - the setup header as the loader left it in boot_params: "HdrS", the
 *    version, type_of_loader 0xff (no registered ID), vid_mode 0xffff
 *    (NORMAL_VGA), loadflags, the command line at cmd_line_ptr
 *  - alt_mem_k and the e820 map of 64 MiB (the PC layout)
 *  - the initrd: its size and hash, page-aligned, above the kernel's
 *    init_size, within RAM and below initrd_addr_max
 * Expected output: linux_params.linux-expect, checked by hand against the
 * two documents (QEMU would run the real-mode setup code, which this image
 * has none of). */
#include "lib.h"

/* The entry: record the registers (in .data: crt0 clears .bss), take a
 * stack (the protocol gives none), then crt0's _start with %ebx =
 * boot_params, so main's second argument is boot_params. */
u32 entry_regs[8] = {0xdeadbeef};
u8 entry_stack[256] __attribute__((aligned(16)));
__asm__(".section .text.entry, \"ax\"\n"
        "bz_entry:\n"
        "\tmovl %esi, entry_regs\n"
        "\tmovl %ebx, entry_regs+4\n"
        "\tmovl %edi, entry_regs+8\n"
        "\tmovl %ebp, entry_regs+12\n"
        "\tmovw %cs, entry_regs+16\n"
        "\tmovw %ds, entry_regs+18\n"
        "\tmovw %es, entry_regs+20\n"
        "\tmovw %ss, entry_regs+22\n"
        "\tmovl $entry_stack+256, %esp\n"
        "\tpushfl\n"
        "\tpopl entry_regs+24\n"
        "\tmovl %cr0, %eax\n"
        "\tmovl %eax, entry_regs+28\n"
        "\tmovl entry_regs, %ebx\n"
        "\txorl %eax, %eax\n"
        "\tjmp _start\n"
        ".previous\n");

static u32 rd32(const u8 *p) { return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24; }
static u32 rd16(const u8 *p) { return p[0] | (u32)p[1] << 8; }

int main(u32 magic, const u8 *bp)
{
    (void)magic;
    const u32 *r = entry_regs;
    printf("entry: esi=%08x ebx=%x edi=%x ebp=%x cs=%02x ds=%02x es=%02x ss=%02x IF=%u PE=%u PG=%u\n",
           r[0], r[1], r[2], r[3], r[4] & 0xffff, r[4] >> 16, r[5] & 0xffff, r[5] >> 16,
           (r[6] >> 9) & 1, r[7] & 1, r[7] >> 31);
    printf("header: %c%c%c%c version=%04x type_of_loader=%02x vid_mode=%04x loadflags=%02x\n",
           bp[0x202], bp[0x203], bp[0x204], bp[0x205], rd16(bp + 0x206), bp[0x210], rd16(bp + 0x1fa),
           bp[0x211]);
    printf("code32_start=%08x init_size=%08x cmdline_size=%u\n", rd32(bp + 0x214), rd32(bp + 0x260),
           rd32(bp + 0x238));
    printf("cmdline: \"%s\"\n", (const char *)rd32(bp + 0x228));
    printf("alt_mem_k=%u e820_entries=%u\n", rd32(bp + 0x1e0), bp[0x1e8]);
    for (u32 i = 0; i < bp[0x1e8]; i++) {
        const u8 *e = bp + 0x2d0 + 20 * i;
        printf("  e820: base=%08x%08x size=%08x%08x type=%u\n", rd32(e + 4), rd32(e), rd32(e + 12),
               rd32(e + 8), rd32(e + 16));
    }
    u32 rd = rd32(bp + 0x218), size = rd32(bp + 0x21c), h = 2166136261u;
    for (u32 k = 0; k < size; k++)
        h = (h ^ ((const u8 *)rd)[k]) * 16777619u;
    printf("initrd: size=%u fnv=%08x aligned=%u above the kernel=%u in RAM=%u below max=%u\n", size,
           h, (rd & 0xfff) == 0, rd >= 0x100000 + rd32(bp + 0x260), rd + size <= (64u << 20),
           rd + size - 1 <= rd32(bp + 0x22c));
    return 0;
}
