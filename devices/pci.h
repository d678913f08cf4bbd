/* pci.h - PCI bus 0 behind configuration mechanism #1 (ports 0xCF8/0xCFC),
 * populated with the i440FX host bridge and the PIIX3 ISA and IDE functions. */
#ifndef BTVMM_PCI_H
#define BTVMM_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include "iobus.h"

#define PCI_CONFIG_ADDRESS 0xcf8 /* 32-bit accesses only */
#define PCI_CONFIG_DATA 0xcfc	 /* 0xcfc-0xcff, 8/16/32-bit */

#define PCI_MAX_DEV 32
#define PCI_MAX_FN 8
#define PCI_MAX_FUNCS 16 /* functions on the bus; a PC needs a handful */
#define PCI_CONFIG_SIZE 256

/* Standard header (type 0) offsets. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION_ID 0x08
#define PCI_PROG_IF 0x09
#define PCI_SUBCLASS 0x0a
#define PCI_CLASS 0x0b
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER 0x0d
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10 /* six BARs, 0x10-0x27 */
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

#define PCI_HEADER_MULTIFUNCTION 0x80

struct pci_func;

/* Optional device hooks. write runs after the masked store into config[],
 * e.g. so that a device can react to its command register or a BAR. */
struct pci_dev_ops {
	void (*write)(void *opaque, struct pci_func *f, int off, int size, uint32_t val);
};

/* Identity of a function: the read-only part of its header. */
struct pci_dev_desc {
	uint16_t vendor_id, device_id;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t header_type;	  /* PCI_HEADER_MULTIFUNCTION on function 0 of a multi-fn device */
	uint8_t irq_pin;	  /* 0: none, 1-4: INTA#-INTD# */
	uint16_t command, status; /* reset values */
	const struct pci_dev_ops *ops; /* NULL: config space is all there is */
	void *opaque;
};

/* One function: its 256-byte configuration space and which bits of it the
 * guest may change. A bit is written if set in wmask, cleared by writing 1
 * if set in w1cmask (status error bits), and read-only otherwise. */
struct pci_func {
	uint8_t dev, fn;
	uint8_t config[PCI_CONFIG_SIZE];
	uint8_t wmask[PCI_CONFIG_SIZE];
	uint8_t w1cmask[PCI_CONFIG_SIZE];
	const struct pci_dev_ops *ops;
	void *opaque;
};

struct pci_bus {
	uint32_t config_address; /* last 32-bit write to 0xCF8, reserved bits zero */
	struct pci_func funcs[PCI_MAX_FUNCS];
	int nfuncs;
};

/* Empties the bus, claims 0xCF8 and 0xCFC-0xCFF, and adds the chipset
 * functions 00:00.0 (i440FX), 00:01.0 (PIIX3 ISA) and 00:01.1 (PIIX3 IDE).
 * Returns 0, or -1 if the ports are taken. */
int pci_init(struct pci_bus *pci, struct io_bus *bus);
/* Adds function dev.fn on bus 0 with the identity in desc and the default
 * write masks (see pci.c). Returns 0, or -1 if dev/fn is out of range,
 * already present, or the bus is full. */
int pci_add_device(struct pci_bus *pci, int dev, int fn, const struct pci_dev_desc *desc);
/* The function at dev.fn, or NULL: lets a device adjust config[]/wmask[]. */
struct pci_func *pci_find(struct pci_bus *pci, int dev, int fn);
/* Makes BAR bar (0-5) of f an I/O BAR of size bytes (a power of two, 4 to
 * 256) at port base: the guest can size it and move it. Returns 0 or -1. */
int pci_set_io_bar(struct pci_func *f, int bar, uint32_t size, uint16_t base);

#endif
