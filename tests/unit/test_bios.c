/* test_bios.c - unit tests for bda_build() and mptable_build().
 *
 * The builders write into a RAM buffer pre-filled with a poison byte, so
 * that both what they wrote and what they left alone can be checked.  The
 * tests read the results back the way a guest kernel does: the BDA fields
 * at their fixed offsets, and the MP tables by scanning for the floating
 * pointer where Linux's smp_scan_config() looks, then walking the
 * configuration table entry by entry.  Expected values are written out
 * from the MP specification 1.4, not taken from the builder's structures.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bda.h"
#include "boot_gdt.h"
#include "mptable.h"

#define RAM_SIZE (2u << 20)
#define POISON 0xcc

#define EBDA 0x9fc00u
#define BIOS_START 0xf0000u
#define BIOS_END 0x100000u

#define LAPIC_ID 0
#define IOAPIC_ID 1
#define N_ENTRIES 21 /* 1 processor, 2 buses, 1 IOAPIC, 15 I/O, 2 local */
#define CONFIG_LEN (44 + 20 + 20 * 8)

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2); /* the host is x86-64: little-endian like the guest */
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint8_t *ram_filled(uint8_t byte)
{
	uint8_t *ram = malloc(RAM_SIZE);

	ck_assert_ptr_nonnull(ram);
	memset(ram, byte, RAM_SIZE);
	return ram;
}

static bool all_bytes(const uint8_t *p, size_t len, uint8_t byte)
{
	while (len--)
		if (*p++ != byte)
			return false;
	return true;
}

static uint8_t byte_sum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

/* --- BIOS data area --- */

START_TEST(bda_fields)
{
	uint8_t *ram = ram_filled(POISON);

	ck_assert_int_eq(bda_build(ram, RAM_SIZE), 0);
	ck_assert_uint_eq(get16(ram + 0x400), 0x3f8); /* COM1 */
	ck_assert_uint_eq(get16(ram + 0x402), 0);     /* COM2-4 */
	ck_assert_uint_eq(get16(ram + 0x404), 0);
	ck_assert_uint_eq(get16(ram + 0x406), 0);
	ck_assert_uint_eq(get16(ram + 0x408), 0); /* LPT1-3 */
	ck_assert_uint_eq(get16(ram + 0x40a), 0);
	ck_assert_uint_eq(get16(ram + 0x40c), 0);
	ck_assert_uint_eq(get16(ram + 0x40e), 0x9fc0); /* EBDA segment */
	/* Equipment: x87 (bit 1), one serial port (bits 9-11); no floppy,
	 * video bits 00, no parallel port, mouse bit clear. */
	ck_assert_uint_eq(get16(ram + 0x410), 0x0202);
	ck_assert_uint_eq(get16(ram + 0x413), 639);
	ck_assert_uint_eq(get16(ram + 0x41a), 0x1e); /* keyboard head == tail */
	ck_assert_uint_eq(get16(ram + 0x41c), 0x1e);
	ck_assert_uint_eq(get32(ram + 0x46c), 0); /* timer ticks */
	free(ram);
}
END_TEST

START_TEST(bda_rest_zero_and_nothing_else)
{
	uint8_t *ram = ram_filled(POISON);
	static const unsigned set[] = {0x400, 0x40e, 0x410, 0x413, 0x41a, 0x41c};
	unsigned i, off;

	ck_assert_int_eq(bda_build(ram, RAM_SIZE), 0);
	/* Every BDA byte outside the set words is zero. */
	for (off = 0x400; off < 0x500; off++) {
		bool in_set = false;

		for (i = 0; i < sizeof(set) / sizeof(set[0]); i++)
			if (off == set[i] || off == set[i] + 1)
				in_set = true;
		if (!in_set)
			ck_assert_msg(ram[off] == 0, "BDA byte 0x%x is 0x%02x", off, ram[off]);
	}
	/* EBDA: size byte 1 (KiB), the rest of its first KiB zero. */
	ck_assert_uint_eq(ram[EBDA], 1);
	ck_assert(all_bytes(ram + EBDA + 1, 0x3ff, 0));
	/* Untouched: the IVT, RAM between BDA and EBDA, and the whole
	 * video/ROM area, so no ROM signature or other table appears. */
	ck_assert(all_bytes(ram, 0x400, POISON));
	ck_assert(all_bytes(ram + 0x500, EBDA - 0x500, POISON));
	ck_assert(all_bytes(ram + 0xa0000, RAM_SIZE - 0xa0000, POISON));
	free(ram);
}
END_TEST

/* What Linux derives from the BDA (reserve_bios_regions(), the EBDA scan). */
START_TEST(bda_as_linux_reads_it)
{
	uint8_t *ram = ram_filled(0);
	uint32_t ebda, lowmem;

	ck_assert_int_eq(bda_build(ram, RAM_SIZE), 0);
	ebda = (uint32_t)get16(ram + 0x40e) << 4;
	lowmem = (uint32_t)get16(ram + 0x413) << 10;
	ck_assert_uint_eq(ebda, EBDA);
	ck_assert_uint_eq(lowmem, EBDA);
	ck_assert_uint_eq(ram[ebda] * 1024u, 1024); /* get_bios_ebda_length() */
	free(ram);
}
END_TEST

START_TEST(bda_small_ram)
{
	uint8_t *ram = ram_filled(POISON);

	ck_assert_int_eq(bda_build(ram, 0xa0000 - 1), -1);
	ck_assert_int_eq(bda_build(ram, 0x1000), -1);
	ck_assert_int_eq(bda_build(ram, 0), -1);
	ck_assert(all_bytes(ram, RAM_SIZE, POISON));
	ck_assert_int_eq(bda_build(ram, 0xa0000), 0); /* just reaches the EBDA's end */
	ck_assert_uint_eq(ram[EBDA], 1);
	free(ram);
}
END_TEST

/* --- MP tables --- */

/* Linux's smp_scan_config(): a floating pointer is "_MP_" on a 16-byte
 * boundary, one paragraph long, summing to 0, spec revision 1 or 4.
 * Returns how many it found in [base, base + len); *found is the first. */
static unsigned scan_mpf(const uint8_t *ram, uint32_t base, uint32_t len, uint32_t *found)
{
	unsigned n = 0;
	uint32_t a;

	for (a = base; a + 16 <= base + len; a += 16) {
		const uint8_t *p = ram + a;

		if (memcmp(p, "_MP_", 4) || p[8] != 1 || byte_sum(p, 16) ||
		    (p[9] != 1 && p[9] != 4))
			continue;
		if (n++ == 0)
			*found = a;
	}
	return n;
}

/* The search order of Linux's default_find_smp_config(). */
static uint32_t find_mpf(const uint8_t *ram)
{
	uint32_t at = 0, ebda = (uint32_t)get16(ram + 0x40e) << 4;
	unsigned n = 0;

	n += scan_mpf(ram, 0, 0x400, &at);
	n += scan_mpf(ram, 639 * 0x400, 0x400, &at);
	n += scan_mpf(ram, BIOS_START, 0x10000, &at);
	if (ebda)
		n += scan_mpf(ram, ebda, 0x400, &at);
	ck_assert_uint_eq(n, 1); /* exactly one, or which one wins is luck */
	return at;
}

/* A RAM image as the VMM sets it up: zeroed, BDA/EBDA, MP tables. */
static uint8_t *built_ram(uint32_t lapic_id, uint32_t ioapic_id)
{
	uint8_t *ram = ram_filled(0);

	ck_assert_int_eq(bda_build(ram, RAM_SIZE), 0);
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, MPTABLE_ADDR, lapic_id, ioapic_id),
			  MPTABLE_ADDR);
	return ram;
}

/* The configuration table behind a checked floating pointer. */
static const uint8_t *check_floating(const uint8_t *ram, uint32_t mpf)
{
	const uint8_t *p = ram + mpf;
	uint32_t physptr = get32(p + 4);

	ck_assert_uint_eq(p[9], 4);  /* spec revision 1.4 */
	ck_assert_uint_eq(p[11], 0); /* feature 1: a configuration table is present */
	ck_assert_uint_eq(p[12], 0); /* feature 2: IMCRP clear, virtual wire mode */
	ck_assert_uint_eq(p[13], 0);
	ck_assert_uint_eq(p[14], 0);
	ck_assert_uint_eq(p[15], 0);
	ck_assert_uint_eq(physptr, mpf + 16);
	ck_assert_uint_lt(physptr + CONFIG_LEN, BIOS_END + 1);
	return ram + physptr;
}

static void check_config_header(const uint8_t *c)
{
	ck_assert_mem_eq(c, "PCMP", 4);
	ck_assert_uint_eq(get16(c + 4), CONFIG_LEN); /* base table length */
	ck_assert_uint_eq(c[6], 4);
	ck_assert_uint_eq(byte_sum(c, CONFIG_LEN), 0); /* checksum at c[7] */
	ck_assert_mem_eq(c + 8, "BTVMM   ", 8);
	ck_assert_mem_eq(c + 16, "BTVMM PC    ", 12);
	ck_assert_uint_eq(get32(c + 28), 0); /* no OEM table */
	ck_assert_uint_eq(get16(c + 32), 0);
	ck_assert_uint_eq(get16(c + 34), N_ENTRIES);
	ck_assert_uint_eq(get32(c + 36), 0xfee00000u); /* local APIC */
	ck_assert_uint_eq(get16(c + 40), 0);	       /* no extended table */
	ck_assert_uint_eq(c[42], 0);
	ck_assert_uint_eq(c[43], 0);
}

static void check_processor(const uint8_t *e, uint8_t lapic_id)
{
	uint32_t sig = get32(e + 4), features = get32(e + 8);

	ck_assert_uint_eq(e[0], 0);
	ck_assert_uint_eq(e[1], lapic_id);
	ck_assert_uint_eq(e[2], MPTABLE_LAPIC_VERSION);
	ck_assert_uint_eq(MPTABLE_LAPIC_VERSION & 0xf0, 0x10); /* integrated APIC */
	ck_assert_uint_eq(e[3], 3);			       /* enabled, bootstrap processor */
	ck_assert_uint_eq((sig >> 8) & 0xf, 6);		       /* family */
	ck_assert_uint_eq(features & 0x311, 0x311);	       /* FPU, TSC, CX8, APIC */
	ck_assert(all_bytes(e + 12, 8, 0));
}

static void check_interrupt(const uint8_t *e, uint8_t type, uint8_t int_type, uint8_t src_irq,
			    uint8_t dst_apic, uint8_t dst_pin)
{
	const uint8_t want[8] = {type, int_type, 0, 0, 1 /* ISA */, src_irq, dst_apic, dst_pin};

	ck_assert_mem_eq(e, want, 8);
}

/* Walks the entries the way Linux's smp_read_mpc() does: a 20-byte
 * processor entry, 8 bytes for every other type. */
static void check_entries(const uint8_t *c, uint8_t lapic_id, uint8_t ioapic_id)
{
	static const uint8_t pci[8] = {1, 0, 'P', 'C', 'I', ' ', ' ', ' '};
	static const uint8_t isa[8] = {1, 1, 'I', 'S', 'A', ' ', ' ', ' '};
	const uint8_t ioapic[8] = {2, ioapic_id, 0x11, 1, 0x00, 0x00, 0xc0, 0xfe};
	const uint8_t *e = c + 44, *end = c + get16(c + 4);
	unsigned n = 0, irq;

	for (const uint8_t *p = e; p < end; n++) {
		ck_assert_uint_le(p[0], 4);
		p += p[0] == 0 ? 20 : 8;
		ck_assert(p <= end);
	}
	ck_assert_uint_eq(n, get16(c + 34));

	check_processor(e, lapic_id);
	e += 20;
	ck_assert_mem_eq(e, pci, 8);
	ck_assert_mem_eq(e + 8, isa, 8);
	ck_assert_mem_eq(e + 16, ioapic, 8);
	e += 24;
	for (irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue; /* the cascade: no entry */
		check_interrupt(e, 3, 0 /* INT */, irq, ioapic_id, irq == 0 ? 2 : irq);
		e += 8;
	}
	check_interrupt(e, 4, 3 /* ExtINT */, 0, 0xff, 0);
	check_interrupt(e + 8, 4, 1 /* NMI */, 0, 0xff, 1);
	ck_assert_ptr_eq(e + 16, end);
}

START_TEST(mp_found_like_linux)
{
	uint8_t *ram = built_ram(LAPIC_ID, IOAPIC_ID);
	uint32_t mpf = find_mpf(ram);

	ck_assert_uint_eq(mpf, MPTABLE_ADDR);
	ck_assert_uint_eq(byte_sum(ram + mpf, 16), 0);
	check_floating(ram, mpf);
	free(ram);
}
END_TEST

START_TEST(mp_config_table)
{
	uint8_t *ram = built_ram(LAPIC_ID, IOAPIC_ID);
	const uint8_t *c = check_floating(ram, find_mpf(ram));

	check_config_header(c);
	check_entries(c, LAPIC_ID, IOAPIC_ID);
	free(ram);
}
END_TEST

START_TEST(mp_other_ids)
{
	uint8_t *ram = built_ram(2, 9);
	const uint8_t *c = check_floating(ram, find_mpf(ram));

	check_config_header(c);
	check_entries(c, 2, 9);
	free(ram);
}
END_TEST

START_TEST(mp_writes_only_its_bytes)
{
	uint8_t *ram = ram_filled(POISON);

	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, MPTABLE_ADDR, 0, 1), MPTABLE_ADDR);
	ck_assert(all_bytes(ram, MPTABLE_ADDR, POISON));
	ck_assert(all_bytes(ram + MPTABLE_ADDR + MPTABLE_SIZE,
			    RAM_SIZE - MPTABLE_ADDR - MPTABLE_SIZE, POISON));
	free(ram);
}
END_TEST

/* MPTABLE_ADDR stays clear of the boot GDT and inside the BIOS area, and
 * nothing built leaves an option-ROM signature where Linux's probe_roms()
 * looks (2 KiB steps from 0xc0000, and the system ROM at 0xf0000). */
START_TEST(mp_placement)
{
	uint8_t *ram = built_ram(LAPIC_ID, IOAPIC_ID);
	uint32_t a;

	ck_assert_uint_ge(MPTABLE_ADDR, BOOT_GDT_ADDR + BOOT_GDT_LIMIT + 1);
	ck_assert_uint_eq(MPTABLE_ADDR % 16, 0);
	ck_assert_uint_le(MPTABLE_ADDR + MPTABLE_SIZE, BIOS_END);
	for (a = 0xc0000; a < BIOS_END; a += 0x800)
		ck_assert_msg(ram[a] != 0x55 || ram[a + 1] != 0xaa, "ROM signature at 0x%x", a);
	free(ram);
}
END_TEST

START_TEST(mp_fits_exactly)
{
	uint8_t *ram = ram_filled(POISON);
	uint32_t top = BIOS_END - MPTABLE_SIZE; /* 16-byte aligned: 240 = 15 * 16 */

	ck_assert_uint_eq(mptable_build(ram, MPTABLE_ADDR + MPTABLE_SIZE, MPTABLE_ADDR, 0, 1),
			  MPTABLE_ADDR);
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, top, 0, 1), top);
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, BIOS_START, 0, 1), BIOS_START);
	free(ram);
}
END_TEST

START_TEST(mp_does_not_fit)
{
	uint8_t *ram = ram_filled(POISON);

	/* Out of RAM. */
	ck_assert_uint_eq(mptable_build(ram, MPTABLE_ADDR + MPTABLE_SIZE - 1, MPTABLE_ADDR, 0, 1),
			  0);
	ck_assert_uint_eq(mptable_build(ram, 0x10000, MPTABLE_ADDR, 0, 1), 0);
	ck_assert_uint_eq(mptable_build(ram, 0, MPTABLE_ADDR, 0, 1), 0);
	/* Outside the BIOS area, where the floating pointer would not be
	 * found or would sit in RAM the kernel may reuse. */
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, BIOS_END - MPTABLE_SIZE + 16, 0, 1), 0);
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, BIOS_END, 0, 1), 0);
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, BIOS_START - 16, 0, 1), 0);
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, 0x100000, 0, 1), 0);
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, 0, 0, 1), 0);
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, 0xfffffff0u, 0, 1), 0);
	/* Not on a 16-byte boundary. */
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, MPTABLE_ADDR + 8, 0, 1), 0);
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, MPTABLE_ADDR + 1, 0, 1), 0);
	/* IDs that do not fit an entry, mean "all", or collide. */
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, MPTABLE_ADDR, 0xff, 1), 0);
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, MPTABLE_ADDR, 0, 0xff), 0);
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, MPTABLE_ADDR, 0x100, 1), 0);
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, MPTABLE_ADDR, 0, 0x101), 0);
	ck_assert_uint_eq(mptable_build(ram, RAM_SIZE, MPTABLE_ADDR, 3, 3), 0);
	ck_assert(all_bytes(ram, RAM_SIZE, POISON));
	free(ram);
}
END_TEST

static Suite *bios_suite(void)
{
	Suite *s = suite_create("bios");
	TCase *bda = tcase_create("bda");
	TCase *mp = tcase_create("mptable");

	tcase_add_test(bda, bda_fields);
	tcase_add_test(bda, bda_rest_zero_and_nothing_else);
	tcase_add_test(bda, bda_as_linux_reads_it);
	tcase_add_test(bda, bda_small_ram);
	tcase_add_test(mp, mp_found_like_linux);
	tcase_add_test(mp, mp_config_table);
	tcase_add_test(mp, mp_other_ids);
	tcase_add_test(mp, mp_writes_only_its_bytes);
	tcase_add_test(mp, mp_placement);
	tcase_add_test(mp, mp_fits_exactly);
	tcase_add_test(mp, mp_does_not_fit);
	suite_add_tcase(s, bda);
	suite_add_tcase(s, mp);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(bios_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
