/* portio: port I/O against the COM1 16550 and unassigned ports.
 * Only behaviour that QEMU and real 16550s agree on is checked:
 *  - scratch register (0x3FF) stores any byte
 *  - IER (0x3F9) keeps bits 0-3, bits 4-7 read as 0
 *  - LCR (0x3FB) reads back; with DLAB=1, 0x3F8/0x3F9 are the divisor latch
 *  - unassigned ports read as all ones (8/16/32-bit), writes are ignored
 *  - ins/outs (incl. rep) on the scratch register
 *  - port 0x80 (POST code) writes are accepted and ignored
 * IRQs stay masked at the PIC and IF=0; IER is restored to 0. */
#include "lib.h"

#define COM1 0x3F8

int main(void)
{
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    /* scratch */
    static const u8 sv[] = {0x00, 0x55, 0xaa, 0xff, 0x01, 0x80};
    for (unsigned i = 0; i < sizeof(sv); i++) {
        outb(COM1 + 7, sv[i]);
        printf("scratch %02x -> %02x\n", sv[i], inb(COM1 + 7));
    }
    /* out/in with immediate-port and dx forms, 0x80 */
    for (int i = 0; i < 4; i++)
        __asm__ volatile("outb %%al, $0x80" : : "a"(0x10 + i));
    /* IER */
    static const u8 iv[] = {0x00, 0x0f, 0xff, 0x05, 0xf0};
    for (unsigned i = 0; i < sizeof(iv); i++) {
        outb(COM1 + 1, iv[i]);
        printf("ier %02x -> %02x\n", iv[i], inb(COM1 + 1));
    }
    outb(COM1 + 1, 0);
    /* LCR and divisor latch */
    u8 lcr0 = inb(COM1 + 3);
    printf("lcr initial dlab=%u\n", lcr0 >> 7);
    outb(COM1 + 3, lcr0 | 0x80);
    u8 dll = inb(COM1), dlm = inb(COM1 + 1);
    outb(COM1, 0x34);
    outb(COM1 + 1, 0x12);
    u8 rl = inb(COM1), rm = inb(COM1 + 1), rlcr = inb(COM1 + 3);
    outb(COM1, dll);
    outb(COM1 + 1, dlm);
    outb(COM1 + 3, lcr0);
    /* the initial LCR value is loader/BIOS dependent: print only DLAB */
    printf("divisor latch: %02x%02x dlab=%u\n", rm, rl, rlcr >> 7);
    outb(COM1 + 3, 0x1b); /* 8 data bits, even parity: only read back */
    printf("lcr 1b -> %02x\n", inb(COM1 + 3));
    outb(COM1 + 3, lcr0);
    printf("lcr restored: %u\n", inb(COM1 + 3) == lcr0);
    printf("ier after dlab: %02x\n", inb(COM1 + 1));
    /* unassigned ports */
    printf("inb 2f0: %02x\n", inb(0x2f0));
    printf("inw 2f0: %04x\n", inw(0x2f0));
    printf("inl 2f0: %08x\n", inl(0x2f0));
    outb(0x2f0, 0x12);
    outl(0x2f0, 0x12345678);
    printf("inb 2f0 after write: %02x\n", inb(0x2f0));
    u32 eax = 0x12345678;
    __asm__ volatile("inb %%dx, %%al" : "+a"(eax) : "d"(0x2f1));
    printf("inb keeps upper eax: %08x\n", eax);
    eax = 0x12345678;
    __asm__ volatile("inw %%dx, %%ax" : "+a"(eax) : "d"(0x2f2));
    printf("inw keeps upper eax: %08x\n", eax);
    /* rep outsb / rep insb on the scratch register */
    static u8 obuf[5] = {0x11, 0x22, 0x33, 0x44, 0x5a};
    static u8 ibuf[8];
    const u8 *s = obuf;
    u32 n = 5;
    __asm__ volatile("cld\n\trep outsb" : "+S"(s), "+c"(n) : "d"(COM1 + 7) : "memory");
    printf("rep outsb: scratch=%02x esi+%u ecx=%u\n", inb(COM1 + 7), (u32)(s - obuf), n);
    u8 *d = ibuf;
    n = 6;
    __asm__ volatile("rep insb" : "+D"(d), "+c"(n) : "d"(COM1 + 7) : "memory");
    printf("rep insb: %02x %02x %02x %02x %02x %02x %02x edi+%u\n", ibuf[0], ibuf[1], ibuf[2],
           ibuf[3], ibuf[4], ibuf[5], ibuf[6], (u32)(d - ibuf));
    /* insb with DF=1 */
    outb(COM1 + 7, 0x77);
    d = ibuf + 7;
    n = 2;
    __asm__ volatile("std\n\trep insb\n\tcld" : "+D"(d), "+c"(n) : "d"(COM1 + 7) : "memory");
    printf("rep insb std: %02x %02x %02x edi-%u\n", ibuf[5], ibuf[6], ibuf[7], (u32)(ibuf + 7 - d));
    /* insw/insl from an unassigned port */
    static u32 wbuf[3];
    u32 *w = wbuf;
    n = 2;
    __asm__ volatile("rep insl" : "+D"(w), "+c"(n) : "d"(0x2f0) : "memory");
    u16 *h = (u16 *)&wbuf[2];
    __asm__ volatile("insw" : "+D"(h) : "d"(0x2f0) : "memory");
    printf("insl/insw 2f0: %08x %08x %08x\n", wbuf[0], wbuf[1], wbuf[2]);
    /* outsw/outsl to an unassigned port are ignored */
    const u32 *os = wbuf;
    n = 3;
    __asm__ volatile("rep outsl" : "+S"(os), "+c"(n) : "d"(0x2f0) : "memory");
    printf("outsl: esi+%u\n", (u32)((const u8 *)os - (const u8 *)wbuf));
    return finish();
}
