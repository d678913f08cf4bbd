/* triple: deliberately triple-faults. No .expect: the test harness for
 * this guest is written separately (btvmm should stop cleanly with a
 * message and a non-zero exit status, not loop or crash).
 *
 * The IDT limit is set to 0 and int3 executed: vector 3 is beyond the IDT
 * limit -> #GP(0x1a); vector 13 is beyond the limit too -> #DF; vector 8 is
 * beyond the limit -> triple fault -> shutdown (Intel SDM vol. 3 6.15,
 * interrupt 8: "If another exception occurs while attempting to call the
 * double-fault handler, the processor enters shutdown mode"). On a PC the
 * chipset turns shutdown into a reset.
 *
 * Under QEMU with -no-reboot the reset request makes QEMU exit with status
 * 0 after printing the two lines below (nothing else reaches the serial
 * port; `-d int,cpu_reset` shows v=0d e=001a, then v=08 e=0000, then
 * "Triple fault"). Without -no-reboot QEMU would reboot the machine into the
 * BIOS and the guest would run again from the start. If the guest ever gets
 * past the int3 it prints "NOT REACHED" and writes 1 to port 0xf4 (status
 * 3). */
#include "lib.h"

static struct __attribute__((packed)) {
    u16 limit;
    u32 base;
} idtr0 = {0, 0};

int main(void)
{
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    printf("triple: loading an IDT with limit 0\n");
    __asm__ volatile("lidt %0" : : "m"(idtr0));
    printf("triple: int3\n");
    __asm__ volatile("int3");
    printf("NOT REACHED\n");
    return 1;
}
