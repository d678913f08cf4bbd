/* machine.c - the PC around the virtual CPU.
 *
 * Devices live in struct vm and run in the monitor's thread: they are
 * updated at every exit from translated code and before a halted guest
 * sleeps. Time is the host's monotonic clock since start-up. A translated
 * guest that never exits is interrupted by a host timer (SIGALRM through
 * timer_create) armed at the earliest device deadline: the handler sets
 * BLK_PENDING, which the polls on back edges and indirect entries see. */
#define _GNU_SOURCE
#include "machine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "le.h"
#include "memmap.h"
#include "shadow.h"
#include "smc.h"
#include "vm.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t machine_now_ns(struct vm *vm)
{
	return mono_ns() - vm->start_ns;
}

static uint64_t clock_now(void *opaque)
{
	return machine_now_ns(opaque);
}

/* An ISA interrupt line goes to both controllers, as on a PC: the 8259
 * input of the same number and the IOAPIC pin (IRQ 0 is wired to pin 2). */
static void isa_irq_set(void *opaque, int irq, int level)
{
	struct vm *vm = opaque;
	pic_set_irq(&vm->pic, irq, level);
	ioapic_set_irq(&vm->ioapic, irq == 0 ? 2 : irq, level);
}

static struct irq_line isa_irq(struct vm *vm, int irq)
{
	return (struct irq_line){isa_irq_set, vm, irq};
}

static bool hpet_on(const struct vm *vm)
{
	return !vm->cfg->no_hpet;
}

/* The PIT's IRQ 0 and the RTC's IRQ 8: cut off while the HPET is in
 * legacy replacement mode, whose timers 0 and 1 then drive those lines. */
static void legacy_irq_set(void *opaque, int irq, int level)
{
	struct vm *vm = opaque;
	if (hpet_on(vm) && hpet_legacy(&vm->hpet))
		return;
	isa_irq_set(vm, irq, level);
}

static struct irq_line legacy_irq(struct vm *vm, int irq)
{
	return (struct irq_line){legacy_irq_set, vm, irq};
}

/* The HPET's interrupt routes: GSI n is ISA IRQ n below 16 (both
 * controllers, IRQ 0 at IOAPIC pin 2), IOAPIC pin n above, as on QEMU. */
static void gsi_set(void *opaque, int gsi, int level)
{
	struct vm *vm = opaque;
	if (gsi < 16)
		isa_irq_set(vm, gsi, level);
	else
		ioapic_set_irq(&vm->ioapic, gsi, level);
}

static int hpet_setup(struct vm *vm)
{
	struct irq_line gsi[HPET_NGSI];
	for (int n = 0; n < HPET_NGSI; n++)
		gsi[n] = (struct irq_line){gsi_set, vm, n};
	return hpet_on(vm) ? hpet_init(&vm->hpet, &vm->mmio, &vm->clock, gsi) : 0;
}

static void pic_intr_changed(void *opaque, int level)
{
	struct vm *vm = opaque;
	vm->pic_intr = level;
}

static void guest_reset(void *opaque)
{
	struct vm *vm = opaque;
	if (vm->stop != STOP_NONE)
		return;
	display_fini(vm);
	fprintf(stderr, "btvmm: the guest reset the machine: stopped\n");
	vm->stop = STOP_RESET;
	vm->exit_status = 0;
}

static void a20_set(void *opaque, int on)
{
	/* the A20 gate is always open: RAM above 1 MiB never aliases */
}

static uint64_t tsc_now(void *opaque)
{
	struct vm *vm = opaque;
	return machine_now_ns(vm) - vm->cpu.tsc_offset;
}

/* The memory sizes a BIOS leaves in CMOS (some guests read them). */
static void cmos_memory(struct vm *vm)
{
	uint64_t kb = vm->mem.ram_size >> 10;
	uint64_t ext = kb > 1024 ? kb - 1024 : 0;
	if (ext > 0xffff)
		ext = 0xffff;
	uint64_t above16 =
	    vm->mem.ram_size > (16u << 20) ? (vm->mem.ram_size - (16u << 20)) >> 16 : 0;
	if (above16 > 0xffff)
		above16 = 0xffff;
	static const int ext_regs[2][2] = {{0x17, 0x18}, {0x30, 0x31}};
	rtc_set_cmos(&vm->rtc, 0x15, 640 & 0xff);
	rtc_set_cmos(&vm->rtc, 0x16, 640 >> 8);
	for (int i = 0; i < 2; i++) {
		rtc_set_cmos(&vm->rtc, ext_regs[i][0], (uint8_t)ext);
		rtc_set_cmos(&vm->rtc, ext_regs[i][1], (uint8_t)(ext >> 8));
	}
	rtc_set_cmos(&vm->rtc, 0x34, (uint8_t)above16);
	rtc_set_cmos(&vm->rtc, 0x35, (uint8_t)(above16 >> 8));
}

/* The disk at QEMU's IDE index i: channel i / 2, unit i % 2. */
static int attach_drive(struct vm *vm, int i, char *err, size_t n)
{
	const char *path = vm->cfg->drive[i];
	bool ro = vm->cfg->drive_readonly[i];
	int fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, n, "-drive %s: %s", path, strerror(errno));
		return -1;
	}
	char why[160];
	if (ide_attach_unit(&vm->ide[i / 2], i % 2, fd, (uint64_t)st.st_size, ro, why,
			    sizeof(why))) {
		snprintf(err, n, "-drive %s: %s", path, why);
		return -1;
	}
	return 0;
}

/* fw_cfg DMA reaches guest RAM only through these: a range not wholly in
 * RAM is refused (the device reports FW_CFG_DMA_ERROR), and writes are
 * the monitor's own, so translated code and shadowed page tables there are
 * told, a page at a time. */
static int dma_read(void *opaque, uint64_t gpa, void *buf, uint32_t n)
{
	struct vm *vm = opaque;
	const void *p = gpa_ptr(&vm->mem, gpa, n);
	if (!p)
		return -1;
	memcpy(buf, p, n);
	return 0;
}

static int dma_write(void *opaque, uint64_t gpa, const void *buf, uint32_t n)
{
	struct vm *vm = opaque;
	uint8_t *p = gpa_ptr(&vm->mem, gpa, n);
	if (!p)
		return -1;
	memcpy(p, buf, n);
	for (uint32_t done = 0; done < n;) {
		uint32_t pa = (uint32_t)(gpa + done);
		uint32_t chunk = PAGE_SIZE - (pa & (PAGE_SIZE - 1));
		if (chunk > n - done)
			chunk = n - done;
		smc_notify_write(vm, pa, chunk);
		shadow_pt_written(vm, pa, chunk);
		done += chunk;
	}
	return 0;
}

/* What QEMU's PC puts in fw_cfg that a guest without a BIOS asks for: the
 * CPU count, the RAM size, and the memory map as etc/e820 (the same map
 * multiboot and Linux's boot_params get: bios/memmap.c). */
static int fw_cfg_setup(struct vm *vm)
{
	struct fw_cfg_mem mem = {dma_read, dma_write, vm};
	struct fw_cfg *f = &vm->fw_cfg;
	if (fw_cfg_init(f, &vm->io, &mem))
		return -1;
	struct mem_range r[MEMMAP_MAX];
	unsigned n = memmap_pc(vm->mem.ram_size, r);
	uint8_t e820[MEMMAP_MAX * 20];
	for (unsigned i = 0; i < n; i++) {
		put_le64(e820 + 20 * i, r[i].base);
		put_le64(e820 + 20 * i + 8, r[i].length);
		put_le32(e820 + 20 * i + 16, r[i].type);
	}
	return fw_cfg_add_i16(f, FW_CFG_NB_CPUS, 1) || fw_cfg_add_i16(f, FW_CFG_MAX_CPUS, 1) ||
	       fw_cfg_add_i64(f, FW_CFG_RAM_SIZE, vm->mem.ram_size) ||
	       fw_cfg_add_i32(f, FW_CFG_IRQ0_OVERRIDE, 1) ||
	       fw_cfg_add_file(f, "etc/e820", e820, 20 * n);
}

static int init_devices(struct vm *vm, char *err, size_t n)
{
	struct io_bus *io = &vm->io;
	vm->has_vga = vm->cfg->vga == VGA_STD;
	int out_fd = vm->cfg->serial_stdio ? 1 : -1;
	if (vm->cfg->serial_file) {
		out_fd = open(vm->cfg->serial_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out_fd < 0) {
			snprintf(err, n, "-serial file:%s: cannot open: %s", vm->cfg->serial_file,
				 strerror(errno));
			return -1;
		}
	}
	/* stdin goes through the console (src/console.c), which reads only what
	 * poll() says is there: the fd stays blocking, as the shell left it. Its
	 * bytes go to COM1 (-serial stdio) or, under -display curses, to the
	 * PS/2 keyboard (display.c pulls them); never to both. */
	bool curses = vm->cfg->display == DISPLAY_CURSES;
	if (console_init(&vm->con, vm->cfg->serial_stdio || curses ? 0 : -1, gettid(), err, n))
		return -1;
	iobus_init(io);
	mmio_init(&vm->mmio);
	if (uart_init(&vm->uart, io, 0x3f8, out_fd, -1, isa_irq(vm, 4)) ||
	    debug_exit_init(&vm->dbg_exit, io, 0xf4) || post_port_init(io) ||
	    pic_init(&vm->pic, io, pic_intr_changed, vm) ||
	    pit_init(&vm->pit, io, legacy_irq(vm, 0), &vm->clock) ||
	    rtc_init(&vm->rtc, io, legacy_irq(vm, 8), &vm->clock, NULL, NULL) ||
	    i8042_init(&vm->kbd, io, isa_irq(vm, 1), isa_irq(vm, 12), guest_reset, a20_set, vm) ||
	    lapic_init(&vm->lapic, &vm->mmio, &vm->clock, 1000000000ull, tsc_now, vm) ||
	    ioapic_init(&vm->ioapic, &vm->mmio, &vm->lapic) || pci_init(&vm->pci, io) ||
	    ide_init(&vm->ide[0], io, isa_irq(vm, IDE_PRIMARY_IRQ)) ||
	    ide_init_channel(&vm->ide[1], io, IDE_SECONDARY_BASE, IDE_SECONDARY_CTL,
			     isa_irq(vm, IDE_SECONDARY_IRQ), "ide2", "ide2-ctl") ||
	    fw_cfg_setup(vm) || hpet_setup(vm) ||
	    (vm->has_vga && vga_init(&vm->vga, io, vm->mem.physmap + VGA_MEM_BASE))) {
		snprintf(err, n, "cannot set up the devices");
		return -1;
	}
	if (vm->cfg->serial_stdio)
		uart_set_rx_source(&vm->uart, console_pull, &vm->con);
	vm->ioapic.id = 1; /* as the MP table says */
	lapic_set_virtual_wire(&vm->lapic);
	cmos_memory(vm);
	for (int i = 0; i < 4; i++)
		if (vm->cfg->drive[i] && attach_drive(vm, i, err, n))
			return -1;
	return 0;
}

int machine_init(struct vm *vm, char *err, size_t n)
{
	vm->start_ns = mono_ns();
	vm->clock = (struct vclock){clock_now, vm};
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGALRM;
	sev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &vm->host_timer)) {
		snprintf(err, n, "cannot create the host timer: %s", strerror(errno));
		return -1;
	}
	vm->armed_deadline = UINT64_MAX;
	return init_devices(vm, err, n);
}

void machine_console(struct vm *vm)
{
	struct console *c = &vm->con;
	console_service(c);
	if (c->help || c->stats) {
		display_aside_begin(vm); /* -display curses: below the guest's screen */
		if (c->help)
			console_print_help(1);
		if (c->stats) {
			fputs("\r\n", stderr);
			stats_print(&vm->stats, &vm->io, stderr);
			stats_print_mmio(&vm->mmio, stderr);
			fflush(stderr);
		}
		c->help = c->stats = false;
		display_aside_end(vm);
	}
	if (c->quit && vm->stop == STOP_NONE) {
		bool drawn = vm->display.active;
		display_fini(vm); /* the message goes below the last screen */
		fprintf(stderr, "%sbtvmm: terminated by Ctrl-A x\n", drawn ? "" : "\r\n");
		vm->stop = STOP_QUIT;
		vm->exit_status = 0;
		return;
	}
	if (vm->display.active)
		display_keys(vm);
	else
		uart_rx_ready(&vm->uart);
}

uint64_t machine_tsc(struct vm *vm)
{
	return tsc_now(vm);
}

void machine_update(struct vm *vm)
{
	/* each device compares its own deadline with the clock */
	vm->timer_fired = 0;
	pit_update(&vm->pit);
	rtc_update(&vm->rtc);
	lapic_update(&vm->lapic);
	stats_sample_update(vm, machine_now_ns(vm));
	if (hpet_on(vm))
		hpet_update(&vm->hpet);
	display_tick(vm);
}

bool machine_intr(struct vm *vm)
{
	return lapic_pending_vector(&vm->lapic) >= 0 ||
	       (vm->pic_intr && lapic_accept_pic_intr(&vm->lapic));
}

int machine_intack(struct vm *vm)
{
	if (lapic_pending_vector(&vm->lapic) >= 0)
		return lapic_intack(&vm->lapic);
	if (vm->pic_intr && lapic_accept_pic_intr(&vm->lapic))
		return pic_intack(&vm->pic);
	return -1;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t machine_next_deadline(struct vm *vm)
{
	uint64_t d = pit_next_deadline(&vm->pit);
	d = min_u64(d, rtc_next_deadline(&vm->rtc));
	d = min_u64(d, lapic_next_deadline(&vm->lapic));
	d = min_u64(d, stats_sample_deadline(vm));
	return hpet_on(vm) ? min_u64(d, hpet_next_deadline(&vm->hpet)) : d;
}

/* A deadline this close is not worth a host timer: the run loop checks
 * again at translated code's next poll (a few exits instead of a system
 * call and a signal). */
#define ARM_SOON_NS 20000

void machine_arm_timer(struct vm *vm)
{
	/* Setting the host timer is a system call (16 us on a PVM host, where
	 * the irq benchmark made 13 of them per interrupt). A deadline already
	 * due or about to be (a PIT edge the guest has not taken yet reports
	 * "now", which moves on every call) needs no timer: translated code
	 * leaves at its next poll, as if the timer had fired. A timer that will fire earlier
	 * than needed is kept: firing early costs one signal, after which the
	 * run loop arms the real deadline. */
	uint64_t d = min_u64(machine_next_deadline(vm), display_deadline(vm));
	uint64_t now = machine_now_ns(vm);
	if (d <= now + ARM_SOON_NS) {
		vm->timer_fired = 1;
		vm->cpu.blk->pending = 1;
		return;
	}
	if (d == vm->armed_deadline || (d > vm->armed_deadline && vm->armed_deadline > now))
		return;
	vm->armed_deadline = d;
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	if (d != UINT64_MAX) {
		uint64_t abs = d + vm->start_ns;
		its.it_value.tv_sec = (time_t)(abs / 1000000000ull);
		its.it_value.tv_nsec = (long)(abs % 1000000000ull);
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timer_settime(vm->host_timer, TIMER_ABSTIME, &its, NULL);
}

bool machine_wait(struct vm *vm)
{
	uint64_t d = machine_next_deadline(vm);
	/* Keys wake a halted guest through COM1's receive interrupt, or under
	 * -display curses through the keyboard's IRQ 1; and the monitor must
	 * see them even when the guest takes none (its receive interrupt off):
	 * Ctrl-A x always works, and the watcher waits for the monitor to
	 * drain stdin before it watches again. Input already signalled is
	 * served first. */
	if (atomic_load(&vm->con.ready))
		return true;
	bool input = console_live(&vm->con);
	if (d == UINT64_MAX && !input)
		return false;
	/* the display's next look is a wake-up too, but keeps no guest alive */
	d = min_u64(d, display_deadline(vm));
	uint64_t now = machine_now_ns(vm);
	if (d != UINT64_MAX && d <= now + ARM_SOON_NS) {
		/* a sleep this short wakes up late (the host scheduler): spin */
		while (machine_now_ns(vm) < d)
			__builtin_ia32_pause();
		return true;
	}
	vm->stats.hlt_sleeps++;
	/* the console's watcher writes its kick pipe when a key comes */
	struct pollfd pfd = {.fd = input ? vm->con.kick_r : -1, .events = POLLIN};
	struct timespec ts, *tsp = NULL;
	if (d != UINT64_MAX) {
		uint64_t wait = d > now ? d - now : 0;
		ts.tv_sec = (time_t)(wait / 1000000000ull);
		ts.tv_nsec = (long)(wait % 1000000000ull);
		tsp = &ts;
	}
	ppoll(&pfd, 1, tsp, NULL);
	return true;
}
