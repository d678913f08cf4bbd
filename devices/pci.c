/*
 * pci.c - PCI bus 0 behind configuration mechanism #1, with the chipset of
 * QEMU's "pc" machine: i440FX host bridge and PIIX3 ISA bridge and IDE.
 *
 * Configuration mechanism #1 (PCI Local Bus spec 3.0, 3.2.2.3.2):
 *
 *  - CONFIG_ADDRESS (0xCF8) is only a register for 32-bit accesses: bit 31
 *    enables the mapping, bits 23:16 bus, 15:11 device, 10:8 function,
 *    7:2 dword register. Reserved bits 30:24 and bits 1:0 read as zero.
 *    Narrower accesses to 0xCF8 are ordinary I/O that nothing decodes: they
 *    read all ones and are dropped. Only port 0xCF8 itself is claimed, so
 *    0xCF9 stays free for the PIIX3 reset control register.
 *  - CONFIG_DATA (0xCFC-0xCFF) reaches the selected dword; an access of any
 *    width at 0xCFC + n starts at byte n of it (QEMU does the same, so a
 *    dword read at 0xCFD returns bytes 1-4). With the enable bit clear it is
 *    ordinary I/O as above.
 *  - Only bus 0 exists. A function that is not present (or any other bus)
 *    reads as all ones, which is how a master abort looks to software, and
 *    ignores writes.
 *
 * Each function has a 256-byte configuration space and two masks: wmask
 * (bits the guest may write) and w1cmask (status bits cleared by writing 1).
 * The defaults follow QEMU's pci.c: command (I/O, memory, bus master,
 * parity, SERR, INTx disable), cache line size, latency timer and interrupt
 * line are writable, the status error bits are write-1-to-clear, and the
 * device-specific area 0x40-0xFF is plain read/write storage, so chipset
 * registers that only need to read back (PAM, PIRQ routing, IDE timing)
 * work without code. Everything else, including all BARs, is read-only;
 * a BAR nobody implemented therefore reads 0 however it is sized, which is
 * what the spec asks of an unimplemented BAR.
 *
 * The PIIX3 IDE function is in compatibility mode (prog-if 0x80: both
 * channels legacy, bus-master capable) and its decode is what ide.c serves
 * at 0x1F0/0x3F6. Bus-master DMA is not implemented: BAR4 is left zero and
 * read-only, which Linux's ata_piix takes as "BAR4 is zero, PIO only". The
 * secondary channel is not decoded (IDETIM bit 15 clear at 0x43), so
 * drivers that honour the enable bits do not probe 0x170.
 */
#include <string.h>
#include "le.h"
#include "pci.h"

#define CA_ENABLE 0x80000000u
#define CA_VALID_BITS 0x80fffffcu /* enable, bus, device, function, register */

#define PCI_CMD_WMASK 0x0547  /* IO, MEM, MASTER, PARITY, SERR, INTX_DISABLE */
#define PCI_STATUS_W1C 0xf900 /* parity, SERR, master/target aborts, data parity */
#define PCI_STATUS_DEVSEL_MEDIUM 0x0200
#define PCI_STATUS_FAST_BACK 0x0080

#define PCI_DEVICE_SPECIFIC 0x40

/* PIIX3 registers that must not read as zero at reset. */
#define PIIX3_PIRQRC 0x60	 /* 0x60-0x63: PIRQ[A-D] routing */
#define PIIX3_PIRQ_DISABLED 0x80 /* IRQEN# set: not routed to any IRQ */
#define PIIX_IDETIM_PRI 0x40	 /* primary channel timing, 16 bits */
#define PIIX_IDETIM_SEC 0x42
#define PIIX_IDETIM_DECODE 0x8000 /* IDE decode enable */

/* ---- configuration space helpers ---- */

/* Bytes past the end of config space (an unaligned access at 0xFD) read
 * as ones and take no writes, like a master abort on those bytes. */
static uint32_t config_read(const struct pci_func *f, int off, int size)
{
	uint32_t val = 0;
	int i;

	for (i = 0; i < size; i++) {
		uint32_t b = off + i < PCI_CONFIG_SIZE ? f->config[off + i] : 0xff;

		val |= b << (8 * i);
	}
	return val;
}

static void config_write(struct pci_func *f, int off, int size, uint32_t val)
{
	int i;

	for (i = 0; i < size && off + i < PCI_CONFIG_SIZE; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i));
		uint8_t *c = &f->config[off + i];

		*c = (*c & ~f->wmask[off + i]) | (b & f->wmask[off + i]);
		*c &= ~(b & f->w1cmask[off + i]);
	}
	if (f->ops && f->ops->write)
		f->ops->write(f->opaque, f, off, size, val);
}

/* ---- the bus ---- */

struct pci_func *pci_find(struct pci_bus *pci, int dev, int fn)
{
	int i;

	for (i = 0; i < pci->nfuncs; i++)
		if (pci->funcs[i].dev == dev && pci->funcs[i].fn == fn)
			return &pci->funcs[i];
	return NULL;
}

/* The function CONFIG_ADDRESS points at, or NULL when disabled or absent. */
static struct pci_func *selected_func(struct pci_bus *pci)
{
	uint32_t ca = pci->config_address;

	if (!(ca & CA_ENABLE) || ((ca >> 16) & 0xff) != 0)
		return NULL;
	return pci_find(pci, (ca >> 11) & 0x1f, (ca >> 8) & 7);
}

static uint32_t pci_addr_read(void *opaque, uint16_t port, int size)
{
	struct pci_bus *pci = opaque;

	return size == 4 ? pci->config_address : 0xffffffff;
}

static void pci_addr_write(void *opaque, uint16_t port, int size, uint32_t val)
{
	struct pci_bus *pci = opaque;

	if (size == 4)
		pci->config_address = val & CA_VALID_BITS;
}

static uint32_t pci_data_read(void *opaque, uint16_t port, int size)
{
	struct pci_bus *pci = opaque;
	struct pci_func *f = selected_func(pci);

	if (!f)
		return 0xffffffff;
	return config_read(f, (pci->config_address & 0xfc) + (port & 3), size);
}

static void pci_data_write(void *opaque, uint16_t port, int size, uint32_t val)
{
	struct pci_bus *pci = opaque;
	struct pci_func *f = selected_func(pci);

	if (f)
		config_write(f, (pci->config_address & 0xfc) + (port & 3), size, val);
}

/* The masks every function starts with; see the comment at the top. */
static void default_masks(struct pci_func *f)
{
	put_le16(f->wmask + PCI_COMMAND, PCI_CMD_WMASK);
	put_le16(f->w1cmask + PCI_STATUS, PCI_STATUS_W1C);
	f->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	f->wmask[PCI_LATENCY_TIMER] = 0xff;
	f->wmask[PCI_INTERRUPT_LINE] = 0xff;
	memset(f->wmask + PCI_DEVICE_SPECIFIC, 0xff, PCI_CONFIG_SIZE - PCI_DEVICE_SPECIFIC);
}

int pci_add_device(struct pci_bus *pci, int dev, int fn, const struct pci_dev_desc *desc)
{
	struct pci_func *f;

	if (dev < 0 || dev >= PCI_MAX_DEV || fn < 0 || fn >= PCI_MAX_FN ||
	    pci->nfuncs >= PCI_MAX_FUNCS || pci_find(pci, dev, fn))
		return -1;
	f = &pci->funcs[pci->nfuncs++];
	memset(f, 0, sizeof(*f));
	f->dev = (uint8_t)dev;
	f->fn = (uint8_t)fn;
	f->ops = desc->ops;
	f->opaque = desc->opaque;
	put_le16(f->config + PCI_VENDOR_ID, desc->vendor_id);
	put_le16(f->config + PCI_DEVICE_ID, desc->device_id);
	put_le16(f->config + PCI_COMMAND, desc->command);
	put_le16(f->config + PCI_STATUS, desc->status);
	f->config[PCI_REVISION_ID] = desc->revision;
	f->config[PCI_PROG_IF] = desc->prog_if;
	f->config[PCI_SUBCLASS] = desc->subclass;
	f->config[PCI_CLASS] = desc->class_code;
	f->config[PCI_HEADER_TYPE] = desc->header_type;
	f->config[PCI_INTERRUPT_PIN] = desc->irq_pin;
	default_masks(f);
	return 0;
}

/*
 * An I/O BAR reads back bit 0 set and its size bits zero, so writing all
 * ones and reading back yields ~(size - 1) | 1: the sizing handshake comes
 * out of the mask alone.
 */
int pci_set_io_bar(struct pci_func *f, int bar, uint32_t size, uint16_t base)
{
	int off = PCI_BAR0 + 4 * bar;

	if (bar < 0 || bar > 5 || size < 4 || size > 256 || (size & (size - 1)))
		return -1;
	put_le32(f->wmask + off, ~(size - 1));
	put_le32(f->config + off, (base & ~(size - 1)) | 1);
	return 0;
}

/* ---- the chipset ---- */

static const struct pci_dev_desc i440fx_desc = {
    .vendor_id = 0x8086,
    .device_id = 0x1237,
    .class_code = 0x06, /* bridge */
    .subclass = 0x00,	/* host */
    .revision = 0x02,
    .command = 0x0006, /* memory and bus master, as after reset */
    .status = PCI_STATUS_DEVSEL_MEDIUM | PCI_STATUS_FAST_BACK,
};

static const struct pci_dev_desc piix3_isa_desc = {
    .vendor_id = 0x8086,
    .device_id = 0x7000,
    .class_code = 0x06,			     /* bridge */
    .subclass = 0x01,			     /* ISA */
    .header_type = PCI_HEADER_MULTIFUNCTION, /* the IDE function follows */
    .command = 0x0007,
    .status = PCI_STATUS_DEVSEL_MEDIUM,
};

static const struct pci_dev_desc piix3_ide_desc = {
    .vendor_id = 0x8086,
    .device_id = 0x7010,
    .class_code = 0x01, /* mass storage */
    .subclass = 0x01,	/* IDE */
    .prog_if = 0x80,	/* bus-master capable, both channels in compatibility mode */
    .status = PCI_STATUS_DEVSEL_MEDIUM | PCI_STATUS_FAST_BACK,
};

static int add_chipset(struct pci_bus *pci)
{
	struct pci_func *f;

	if (pci_add_device(pci, 0, 0, &i440fx_desc) || pci_add_device(pci, 1, 0, &piix3_isa_desc) ||
	    pci_add_device(pci, 1, 1, &piix3_ide_desc))
		return -1;
	f = pci_find(pci, 1, 0);
	memset(f->config + PIIX3_PIRQRC, PIIX3_PIRQ_DISABLED, 4);
	/* No firmware runs before the kernel, so do what SeaBIOS would for the
	 * primary channel; the secondary has no device model behind it. */
	f = pci_find(pci, 1, 1);
	put_le16(f->config + PIIX_IDETIM_PRI, PIIX_IDETIM_DECODE);
	put_le16(f->config + PIIX_IDETIM_SEC, 0);
	return 0;
}

int pci_init(struct pci_bus *pci, struct io_bus *bus)
{
	memset(pci, 0, sizeof(*pci));
	if (add_chipset(pci))
		return -1;
	if (iobus_register(bus, PCI_CONFIG_ADDRESS, 1, pci_addr_read, pci_addr_write, pci,
			   "pci-addr"))
		return -1;
	return iobus_register(bus, PCI_CONFIG_DATA, 4, pci_data_read, pci_data_write, pci,
			      "pci-data");
}
