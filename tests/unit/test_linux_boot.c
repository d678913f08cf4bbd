/* test_linux_boot.c - the Linux 32-bit boot protocol (bios/linux_boot.c):
 * setup-header checks on synthetic bzImages, and the boot_params a loader
 * builds (boot.rst, zero-page.rst). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linux_boot.h"

#define IMG_SIZE 8192

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v), put16(p + 2, (uint16_t)(v >> 16));
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A bzImage of protocol `version`: 2 setup sectors, then the PM part. */
static uint8_t *image(uint16_t version)
{
	uint8_t *b = calloc(1, IMG_SIZE);
	b[0x1f1] = 2;		  /* setup_sects */
	put16(b + 0x1fe, 0xaa55); /* boot_flag */
	b[0x200] = 0xeb;	  /* jmp */
	b[0x201] = 0x66;	  /* header ends at 0x268 */
	memcpy(b + 0x202, "HdrS", 4);
	put16(b + 0x206, version);
	b[0x211] = 0x01;	      /* loadflags: LOADED_HIGH */
	put32(b + 0x214, 0x100000);   /* code32_start */
	put32(b + 0x22c, 0x37ffffff); /* initrd_addr_max */
	put32(b + 0x238, 2047);	      /* cmdline_size */
	put32(b + 0x258, 0x1000000);  /* pref_address */
	put32(b + 0x260, 0x800000);   /* init_size */
	b[0x267] = 0x5a;	      /* last header byte */
	b[0x268] = 0x77;	      /* past the header */
	return b;
}

START_TEST(parse_fields)
{
	uint8_t *b = image(0x020f);
	struct linux_kernel k;
	char err[200];

	ck_assert(linux_is_bzimage(b, IMG_SIZE));
	ck_assert_int_eq(linux_parse(b, IMG_SIZE, &k, err, sizeof(err)), 0);
	ck_assert_uint_eq(k.version, 0x020f);
	ck_assert_uint_eq(k.setup_bytes, 3 * 512);
	ck_assert_uint_eq(k.code32_start, 0x100000);
	ck_assert_uint_eq(k.initrd_addr_max, 0x37ffffff);
	ck_assert_uint_eq(k.cmdline_size, 2047);
	ck_assert_uint_eq(k.init_size, 0x800000);
	ck_assert_uint_eq(k.pref_address, 0x1000000);
	ck_assert_uint_eq(k.hdr_len, 0x268 - 0x1f1);
	ck_assert_uint_eq(k.hdr[0x267 - 0x1f1], 0x5a);
	b[0x1f1] = 0; /* setup_sects 0 means 4 */
	ck_assert_int_eq(linux_parse(b, IMG_SIZE, &k, err, sizeof(err)), 0);
	ck_assert_uint_eq(k.setup_bytes, 5 * 512);
	free(b);
}
END_TEST

START_TEST(parse_errors)
{
	uint8_t *b = image(0x0205);
	struct linux_kernel k;
	char err[200];

	ck_assert_int_eq(linux_parse(b, IMG_SIZE, &k, err, sizeof(err)), -1);
	ck_assert_str_eq(err,
			 "Linux boot protocol 2.05 is too old (btvmm's 32-bit entry needs 2.06)");
	put16(b + 0x206, 0x020f);
	b[0x211] = 0; /* a zImage */
	ck_assert_int_eq(linux_parse(b, IMG_SIZE, &k, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "a zImage (loaded low): only bzImages are supported");
	b[0x211] = 1;
	ck_assert_int_eq(linux_parse(b, 0x250, &k, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "truncated Linux setup header");
	ck_assert_int_eq(linux_parse(b, 0x600, &k, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "truncated bzImage: 1536 bytes, setup alone is 1536");
	memcpy(b + 0x202, "HdrX", 4);
	ck_assert(!linux_is_bzimage(b, IMG_SIZE));
	ck_assert_int_eq(linux_parse(b, IMG_SIZE, &k, err, sizeof(err)), -1);
	free(b);
}
END_TEST

START_TEST(boot_params)
{
	uint8_t *b = image(0x020f);
	struct linux_kernel k;
	char err[200];
	const uint64_t ram_size = 64u << 20;
	uint8_t *ram = malloc(ram_size);

	memset(ram, 0xcc, ram_size);
	ck_assert_int_eq(linux_parse(b, IMG_SIZE, &k, err, sizeof(err)), 0);
	linux_boot_params(ram, ram_size, 0x10000, &k, 0x20000, 0x3f00000, 0x1234);
	const uint8_t *bp = ram + 0x10000;
	ck_assert_uint_eq(bp[0], 0);			/* zeroed: screen_info */
	ck_assert_uint_eq(bp[0xfff], 0);		/* to the end of the page */
	ck_assert_uint_eq(ram[0x10000 + 0x1000], 0xcc); /* and no further */
	ck_assert_mem_eq(bp + 0x202, "HdrS", 4);	/* the header copied */
	ck_assert_uint_eq(bp[0x267], 0x5a);
	ck_assert_uint_eq(bp[0x268], 0);		       /* only the header */
	ck_assert_uint_eq(bp[0x1fa] | bp[0x1fb] << 8, 0xffff); /* vid_mode NORMAL_VGA */
	ck_assert_uint_eq(bp[0x210], 0xff);		       /* type_of_loader */
	ck_assert_uint_eq(get32(bp + 0x228), 0x20000);	       /* cmd_line_ptr */
	ck_assert_uint_eq(get32(bp + 0x218), 0x3f00000);       /* ramdisk_image */
	ck_assert_uint_eq(get32(bp + 0x21c), 0x1234);	       /* ramdisk_size */
	ck_assert_uint_eq(get32(bp + 0x1e0), (64 - 1) * 1024); /* alt_mem_k */
	ck_assert_uint_eq(bp[0x1e8], 4);		       /* e820_entries */
	static const uint32_t want[4][3] = {{0, 0x9fc00, 1},
					    {0x9fc00, 0x400, 2},
					    {0xf0000, 0x10000, 2},
					    {0x100000, (64u << 20) - 0x100000, 1}};
	for (int i = 0; i < 4; i++) {
		const uint8_t *e = bp + 0x2d0 + 20 * i;
		ck_assert_uint_eq(get32(e), want[i][0]);
		ck_assert_uint_eq(get32(e + 4), 0);
		ck_assert_uint_eq(get32(e + 8), want[i][1]);
		ck_assert_uint_eq(get32(e + 12), 0);
		ck_assert_uint_eq(get32(e + 16), want[i][2]);
	}
	free(ram);
	free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("linux_boot");
	TCase *tc = tcase_create("linux_boot");
	tcase_add_test(tc, parse_fields);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, boot_params);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
