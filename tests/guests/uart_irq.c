/* uart_irq: serial input that arrives only by interrupt.
 *
 * The guest enables the 16550's received-data interrupt (IER bit 0, MCR
 * OUT2, FIFO on with trigger level 1), unmasks IRQ 4 at the 8259 and then
 * spins with IF=1: no hlt, no port access, no timer. Its IRQ 4 handler is
 * the only code that reads the UART (RBR while LSR.DR). The runner
 * (run_uart_irq.sh) pipes two lines into stdin, the second longer than the
 * 16-byte FIFO; the guest prints what it received once it has both.
 *
 * This is what a Linux guest spinning in its scheduler does; a monitor
 * that reads stdin only when the guest touches the UART or halts would
 * never deliver a byte (the test then times out).
 *
 * Checked against QEMU: the same output (printf ... | qemu-system-i386
 * -kernel uart_irq.elf -serial stdio -display none -device isa-debug-exit). */
#include "idt.c"

#define COM1 0x3f8

static volatile u32 lines, nbytes, irqs;
static volatile char text[256];

static void h_irq4(struct trapframe *f)
{
    (void)f;
    irqs++;
    while (inb(COM1 + 5) & 1) {
        char c = (char)inb(COM1);
        if (nbytes < sizeof(text) - 1)
            text[nbytes++] = c;
        if (c == '\n')
            lines++;
    }
    pic_eoi(4);
}

int main(void)
{
    cpu_init();
    trap_handlers[0x24] = h_irq4;
    outb(COM1 + 2, 0x07); /* FIFO on, both FIFOs cleared, trigger level 1 */
    outb(COM1 + 4, 0x0b); /* DTR, RTS, OUT2 (the IRQ line's gate on a PC) */
    outb(COM1 + 1, 0x01); /* received data available */
    pic_unmask(4);
    printf("uart_irq: spinning with IF=1, reading COM1 only in the IRQ 4 handler\n");
    sti();
    u32 spins = 0;
    while (lines < 2)
        spins++;
    cli();
    text[nbytes] = 0;
    printf("uart_irq: %u bytes in 2 lines; irq 4 taken: %s; spun: %s\n", nbytes,
           irqs ? "yes" : "no", spins ? "yes" : "no");
    printf("%s", (const char *)text);
    return 0;
}
