/* no_hpet: run with -no-hpet (registered by hand in CMakeLists.txt with
 * that option, so it has no NAME.expect). Nothing answers at 0xFED00000:
 * btvmm reads all ones there, as a PC's unclaimed bus does; QEMU with
 * `-machine hpet=off` reads zeros (see open_bus.qemu.expect for the same
 * difference). fw_cfg is still there. */
#include "lib.h"

int main(void)
{
    volatile u32 *hpet = (volatile u32 *)0xfed00000u;
    printf_("hpet capabilities: %08x, counter: %08x\n", hpet[0], hpet[0xf0 / 4]);
    outw(0x510, 0);
    char sig[5] = {0};
    for (int i = 0; i < 4; i++)
        sig[i] = (char)inb(0x511);
    printf_("fw_cfg signature: %s\n", sig);
    return finish();
}
