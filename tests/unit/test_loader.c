/* test_loader.c - unit tests for loader_load_kernel() and mb_build_info().
 *
 * Kernel images are built in memory by the tests themselves (an ELF32
 * header, program headers, a multiboot header, recognisable contents),
 * then damaged one field at a time to reach each error path, written to a
 * temporary file and loaded into a RAM buffer pre-filled with a poison
 * byte, so that both what was written and what was left alone can be
 * checked.
 */
#include <check.h>
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
#include "modules.h"
#include "multiboot.h"

#define RAM_SIZE (8u << 20)
#define POISON 0xcc

/* The standard test kernel: a text segment that starts with the multiboot
 * header, and a data segment whose memsz exceeds filesz (bss). */
#define TEXT_OFF 0x1000u
#define TEXT_PADDR 0x100000u
#define TEXT_SIZE 0x200u
#define DATA_OFF (TEXT_OFF + TEXT_SIZE)
#define DATA_PADDR 0x101000u
#define DATA_FILESZ 0x100u
#define DATA_MEMSZ 0x2000u
#define IMAGE_SIZE (DATA_OFF + DATA_FILESZ)
#define ENTRY 0x100010u

struct image {
	uint8_t buf[0x4000];
	size_t len;
};

/* One load: the RAM it went into, its result and message. */
struct load {
	uint8_t *ram;
	struct boot_info bi;
	char err[256];
	int rc;
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* the host is x86-64: little-endian like the guest */
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static Elf32_Ehdr *ehdr(struct image *im)
{
	return (Elf32_Ehdr *)im->buf;
}

static Elf32_Phdr *phdr(struct image *im, unsigned i)
{
	return (Elf32_Phdr *)(im->buf + sizeof(Elf32_Ehdr)) + i;
}

/* A multiboot header with a correct checksum at offset off. */
static void put_mb_header(struct image *im, size_t off, uint32_t flags)
{
	put32(im->buf + off, MB_HEADER_MAGIC);
	put32(im->buf + off + 4, flags);
	put32(im->buf + off + 8, -(MB_HEADER_MAGIC + flags));
}

/* The a.out-kludge address fields following the header at off. */
static void put_mb_addrs(struct image *im, size_t off, uint32_t header, uint32_t load,
			 uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	put32(im->buf + off + 12, header);
	put32(im->buf + off + 16, load);
	put32(im->buf + off + 20, load_end);
	put32(im->buf + off + 24, bss_end);
	put32(im->buf + off + 28, entry);
}

static void fill_pattern(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void set_phdr(Elf32_Phdr *ph, uint32_t off, uint32_t paddr, uint32_t filesz, uint32_t memsz)
{
	*ph = (Elf32_Phdr){.p_type = PT_LOAD,
			   .p_offset = off,
			   .p_vaddr = paddr + 0xc0000000u,
			   .p_paddr = paddr,
			   .p_filesz = filesz,
			   .p_memsz = memsz,
			   .p_flags = PF_R | PF_X,
			   .p_align = 0x1000};
}

/* The standard valid kernel.  Virtual addresses are higher-half so that a
 * loader using p_vaddr instead of p_paddr fails the tests. */
static void build_elf(struct image *im)
{
	Elf32_Ehdr *eh = ehdr(im);

	memset(im, 0, sizeof(*im));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_version = EV_CURRENT;
	eh->e_entry = ENTRY;
	eh->e_phoff = sizeof(Elf32_Ehdr);
	eh->e_ehsize = sizeof(Elf32_Ehdr);
	eh->e_phentsize = sizeof(Elf32_Phdr);
	eh->e_phnum = 2;
	set_phdr(phdr(im, 0), TEXT_OFF, TEXT_PADDR, TEXT_SIZE, TEXT_SIZE);
	set_phdr(phdr(im, 1), DATA_OFF, DATA_PADDR, DATA_FILESZ, DATA_MEMSZ);
	fill_pattern(im->buf + TEXT_OFF, TEXT_SIZE + DATA_FILESZ, 0x11);
	put_mb_header(im, TEXT_OFF, 0x3);
	im->len = IMAGE_SIZE;
}

static char *write_temp(const void *buf, size_t len)
{
	char *path = strdup("/tmp/btvmm-test-loader-XXXXXX");
	int fd;

	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
	return path;
}

/* Loads path into a fresh poisoned RAM of RAM_SIZE bytes, telling the
 * loader the RAM is ram_size bytes. */
static struct load load_path(const char *path, uint64_t ram_size)
{
	struct load l;

	memset(&l, 0, sizeof(l));
	l.ram = malloc(RAM_SIZE);
	ck_assert_ptr_nonnull(l.ram);
	memset(l.ram, POISON, RAM_SIZE);
	l.rc = loader_load_kernel(path, l.ram, ram_size, &l.bi, l.err, sizeof(l.err));
	return l;
}

static struct load load_bytes_ram(const void *buf, size_t len, uint64_t ram_size)
{
	char *path = write_temp(buf, len);
	struct load l = load_path(path, ram_size);

	unlink(path);
	free(path);
	return l;
}

static struct load load_image(const struct image *im)
{
	return load_bytes_ram(im->buf, im->len, RAM_SIZE);
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* A failed load names the file, says why on one line, and leaves RAM alone. */
static void check_error(struct load *l, const char *want)
{
	ck_assert_int_eq(l->rc, -1);
	ck_assert_msg(strncmp(l->err, "kernel '", 8) == 0, "no prefix: '%s'", l->err);
	ck_assert_msg(strstr(l->err, want) != NULL, "error '%s' lacks '%s'", l->err, want);
	ck_assert_ptr_null(strchr(l->err, '\n'));
	ck_assert(all_bytes(l->ram, RAM_SIZE, POISON));
	free(l->ram);
}

static void expect_image_error(const struct image *im, const char *want)
{
	struct load l = load_image(im);

	check_error(&l, want);
}

START_TEST(elf_two_segments)
{
	struct image im;
	struct load l;

	build_elf(&im);
	l = load_image(&im);
	ck_assert_msg(l.rc == 0, "%s", l.err);
	ck_assert_str_eq(l.err, "");
	ck_assert_int_eq(l.bi.kind, KERNEL_MULTIBOOT_ELF);
	ck_assert_uint_eq(l.bi.entry, ENTRY);
	ck_assert_uint_eq(l.bi.mb_flags, 0x3);
	ck_assert_uint_eq(l.bi.load_end, DATA_PADDR + DATA_MEMSZ);
	ck_assert_mem_eq(l.ram + TEXT_PADDR, im.buf + TEXT_OFF, TEXT_SIZE);
	ck_assert_mem_eq(l.ram + DATA_PADDR, im.buf + DATA_OFF, DATA_FILESZ);
	/* bss zeroed exactly up to memsz; the gap and beyond untouched */
	ck_assert(all_bytes(l.ram + DATA_PADDR + DATA_FILESZ, DATA_MEMSZ - DATA_FILESZ, 0));
	ck_assert_uint_eq(l.ram[DATA_PADDR + DATA_MEMSZ], POISON);
	ck_assert(
	    all_bytes(l.ram + TEXT_PADDR + TEXT_SIZE, DATA_PADDR - TEXT_PADDR - TEXT_SIZE, POISON));
	ck_assert(all_bytes(l.ram, TEXT_PADDR, POISON));
	free(l.ram);
}
END_TEST

START_TEST(elf_load_end_page_aligned)
{
	struct image im;
	struct load l;

	build_elf(&im);
	phdr(&im, 1)->p_memsz = 0x1801;
	l = load_image(&im);
	ck_assert_int_eq(l.rc, 0);
	ck_assert_uint_eq(l.bi.load_end, 0x103000);
	free(l.ram);
}
END_TEST

START_TEST(elf_skips_non_load_segments)
{
	struct image im;
	struct load l;

	build_elf(&im);
	phdr(&im, 1)->p_type = PT_NOTE; /* would be outside RAM if it were loaded */
	phdr(&im, 1)->p_paddr = 0xf0000000u;
	l = load_image(&im);
	ck_assert_int_eq(l.rc, 0);
	ck_assert_uint_eq(l.bi.load_end, TEXT_PADDR + 0x1000);
	ck_assert_uint_eq(l.ram[DATA_PADDR], POISON);
	free(l.ram);
}
END_TEST

START_TEST(elf_optional_unknown_flags)
{
	struct image im;
	struct load l;

	/* Bits 16-31 other than 16 are optional: unknown ones are ignored. */
	build_elf(&im);
	put_mb_header(&im, TEXT_OFF, 0x3 | (1u << 20));
	l = load_image(&im);
	ck_assert_msg(l.rc == 0, "%s", l.err);
	ck_assert_uint_eq(l.bi.mb_flags, 0x3 | (1u << 20));
	free(l.ram);
}
END_TEST

START_TEST(elf_with_aout_kludge_uses_header)
{
	struct image im;
	struct load l;

	/* Per the spec (and GRUB, QEMU) the header's addresses win. */
	build_elf(&im);
	put_mb_header(&im, TEXT_OFF, 0x3 | (1u << 16));
	put_mb_addrs(&im, TEXT_OFF, 0x300000, 0x300000, 0x300100, 0x302000, 0x300020);
	l = load_image(&im);
	ck_assert_msg(l.rc == 0, "%s", l.err);
	ck_assert_uint_eq(l.bi.entry, 0x300020);
	ck_assert_uint_eq(l.bi.load_end, 0x302000);
	ck_assert_mem_eq(l.ram + 0x300000, im.buf + TEXT_OFF, 0x100);
	ck_assert_uint_eq(l.ram[TEXT_PADDR], POISON);
	free(l.ram);
}
END_TEST

START_TEST(missing_file)
{
	struct load l = load_path("/nonexistent/k.elf", RAM_SIZE);

	check_error(&l, "kernel '/nonexistent/k.elf': cannot open: No such file or directory");
}
END_TEST

START_TEST(directory)
{
	struct load l = load_path("/tmp", RAM_SIZE);

	check_error(&l, "kernel '/tmp': is a directory");
}
END_TEST

START_TEST(empty_file)
{
	struct load l = load_bytes_ram("", 0, RAM_SIZE);

	check_error(&l, "empty file");
}
END_TEST

START_TEST(truncated_header)
{
	struct image im;

	build_elf(&im);
	im.len = 40;
	expect_image_error(&im, "truncated ELF header (40 of 52 bytes)");
	im.len = 3; /* not even the whole magic: still not a flat binary */
	expect_image_error(&im, "truncated ELF header (3 bytes)");
}
END_TEST

START_TEST(truncated_program_headers)
{
	struct image im;

	build_elf(&im);
	im.len = sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr) + 8;
	expect_image_error(&im, "truncated ELF: program headers end at 0x74");
}
END_TEST

START_TEST(truncated_first_100_bytes)
{
	struct image im;

	build_elf(&im);
	im.len = 100;
	expect_image_error(&im, "truncated ELF");
}
END_TEST

START_TEST(segment_past_eof)
{
	struct image im;

	build_elf(&im);
	phdr(&im, 1)->p_filesz = 0x1000;
	expect_image_error(&im, "truncated ELF: segment 1 needs file bytes [0x1200, 0x2200) but "
				"the file is 4864 bytes");
	build_elf(&im);
	phdr(&im, 1)->p_offset = 0xfffffff0u; /* offset + size wraps in 32 bits */
	expect_image_error(&im, "segment 1 needs file bytes [0xfffffff0, 0x1000000f0)");
}
END_TEST

START_TEST(truncated_after_program_headers)
{
	struct image im;

	/* Cut inside the text segment, before the multiboot header: the
	 * message must say truncated, not "no multiboot header". */
	build_elf(&im);
	im.len = TEXT_OFF - 0x10;
	expect_image_error(&im, "truncated ELF: segment 0 needs file bytes [0x1000, 0x1200)");
}
END_TEST

START_TEST(segment_filesz_over_memsz)
{
	struct image im;

	build_elf(&im);
	phdr(&im, 1)->p_memsz = 0x80;
	expect_image_error(&im, "segment 1: file size 0x100 exceeds memory size 0x80");
}
END_TEST

START_TEST(segment_outside_ram)
{
	struct image im;

	build_elf(&im);
	phdr(&im, 1)->p_paddr = RAM_SIZE - 0x1000;
	expect_image_error(&im, "segment 1: [0x7ff000, 0x801000) is outside guest RAM "
				"[0x1000, 0x800000)");
	build_elf(&im);
	phdr(&im, 0)->p_paddr = 0x800; /* page 0 is kept free */
	expect_image_error(&im, "segment 0: [0x800, 0xa00) is outside guest RAM");
	build_elf(&im);
	phdr(&im, 1)->p_paddr = 0xfffff000u; /* paddr + memsz wraps in 32 bits */
	expect_image_error(&im, "segment 1: [0xfffff000, 0x100001000) is outside guest RAM");
}
END_TEST

START_TEST(segment_exactly_at_ram_end)
{
	struct image im;
	struct load l;

	build_elf(&im);
	phdr(&im, 1)->p_paddr = RAM_SIZE - DATA_MEMSZ;
	l = load_image(&im);
	ck_assert_msg(l.rc == 0, "%s", l.err);
	ck_assert_uint_eq(l.bi.load_end, RAM_SIZE);
	ck_assert_uint_eq(l.ram[RAM_SIZE - 1], 0);
	free(l.ram);
}
END_TEST

START_TEST(wrong_class)
{
	struct image im;

	build_elf(&im);
	ehdr(&im)->e_ident[EI_CLASS] = ELFCLASS64;
	expect_image_error(&im, "64-bit ELF (ELFCLASS64)");
	ehdr(&im)->e_ident[EI_CLASS] = ELFCLASSNONE;
	expect_image_error(&im, "ELF class 0 is not ELFCLASS32");
}
END_TEST

START_TEST(big_endian)
{
	struct image im;

	build_elf(&im);
	ehdr(&im)->e_ident[EI_DATA] = ELFDATA2MSB;
	expect_image_error(&im, "not little-endian");
}
END_TEST

START_TEST(wrong_machine)
{
	struct image im;

	build_elf(&im);
	ehdr(&im)->e_machine = EM_X86_64;
	expect_image_error(&im, "ELF machine 62 is not EM_386 (i386)");
}
END_TEST

START_TEST(wrong_type)
{
	struct image im;

	build_elf(&im);
	ehdr(&im)->e_type = ET_DYN;
	expect_image_error(&im, "ELF type ET_DYN (a shared object or PIE) is not ET_EXEC");
	ehdr(&im)->e_type = ET_REL;
	expect_image_error(&im, "ELF type ET_REL (an object file) is not ET_EXEC");
}
END_TEST

START_TEST(bad_program_header_table)
{
	struct image im;

	build_elf(&im);
	ehdr(&im)->e_phnum = 0;
	expect_image_error(&im, "ELF has no program headers");
	build_elf(&im);
	ehdr(&im)->e_phentsize = 40;
	expect_image_error(&im, "ELF program header size 40, expected 32");
	build_elf(&im);
	ehdr(&im)->e_phoff = 0xfffffff0u;
	expect_image_error(&im, "program headers end at");
}
END_TEST

START_TEST(no_load_segments)
{
	struct image im;

	build_elf(&im);
	phdr(&im, 0)->p_type = PT_NOTE;
	phdr(&im, 1)->p_type = PT_NOTE;
	expect_image_error(&im, "ELF has no loadable (PT_LOAD) segments");
}
END_TEST

START_TEST(no_multiboot_header)
{
	struct image im;

	build_elf(&im);
	memset(im.buf + TEXT_OFF, 0, 12);
	expect_image_error(&im, "no multiboot header in the first 8192 bytes");
}
END_TEST

START_TEST(multiboot_header_too_far)
{
	struct image im;

	/* A header starting at 8188 does not lie wholly in the first 8 KiB. */
	build_elf(&im);
	memset(im.buf + TEXT_OFF, 0, 12);
	put_mb_header(&im, 8188, 0x3);
	im.len = 8188 + 12;
	expect_image_error(&im, "no multiboot header in the first 8192 bytes");
	im.len = sizeof(im.buf);
	put_mb_header(&im, 8180, 0x3); /* but one ending at 8192 is fine */
	{
		struct load l = load_image(&im);

		ck_assert_msg(l.rc == 0, "%s", l.err);
		free(l.ram);
	}
}
END_TEST

START_TEST(multiboot_header_misaligned)
{
	struct image im;

	build_elf(&im);
	memset(im.buf + TEXT_OFF, 0, 12);
	put_mb_header(&im, TEXT_OFF + 2, 0x3);
	expect_image_error(&im, "no multiboot header");
}
END_TEST

START_TEST(bad_checksum)
{
	struct image im;

	build_elf(&im);
	put32(im.buf + TEXT_OFF + 8, 0x12345678);
	expect_image_error(&im, "multiboot header at offset 0x1000 has a bad checksum");
}
END_TEST

START_TEST(video_mode_flag)
{
	struct image im;

	build_elf(&im);
	put_mb_header(&im, TEXT_OFF, 0x7);
	expect_image_error(&im, "multiboot header asks for a video mode (flags bit 2)");
}
END_TEST

START_TEST(unknown_required_flag)
{
	struct image im;

	build_elf(&im);
	put_mb_header(&im, TEXT_OFF, 0x3 | (1u << 5));
	expect_image_error(&im, "unknown required bits 0x0020");
}
END_TEST

/* A non-ELF image: recognisable bytes and no multiboot header. */
static void build_flat(struct image *im, size_t len)
{
	memset(im, 0, sizeof(*im));
	fill_pattern(im->buf, len, 0x40);
	im->buf[0] = 0xeb; /* jmp: anything but 0x7f */
	im->len = len;
}

START_TEST(flat_binary)
{
	struct image im;
	struct load l;

	build_flat(&im, 0x1234);
	l = load_image(&im);
	ck_assert_msg(l.rc == 0, "%s", l.err);
	ck_assert_int_eq(l.bi.kind, KERNEL_FLAT);
	ck_assert_uint_eq(l.bi.entry, FLAT_LOAD_ADDR);
	ck_assert_uint_eq(l.bi.load_end, FLAT_LOAD_ADDR + 0x2000);
	ck_assert_uint_eq(l.bi.mb_flags, 0);
	ck_assert_mem_eq(l.ram + FLAT_LOAD_ADDR, im.buf, 0x1234);
	ck_assert_uint_eq(l.ram[FLAT_LOAD_ADDR + 0x1234], POISON);
	free(l.ram);
}
END_TEST

START_TEST(flat_with_stray_magic)
{
	struct image im;
	struct load l;

	/* The magic with a wrong checksum is just data in a flat binary. */
	build_flat(&im, 0x100);
	put32(im.buf + 0x20, MB_HEADER_MAGIC);
	l = load_image(&im);
	ck_assert_msg(l.rc == 0, "%s", l.err);
	ck_assert_int_eq(l.bi.kind, KERNEL_FLAT);
	free(l.ram);
}
END_TEST

START_TEST(flat_too_large)
{
	static uint8_t big[(1u << 20) + 1];
	struct load l;

	big[0] = 0x90;
	l = load_bytes_ram(big, sizeof(big), 2u << 20);
	check_error(&l, "flat binary of 1048577 bytes does not fit in guest RAM above 0x100000");
}
END_TEST

START_TEST(flat_fills_ram_exactly)
{
	static uint8_t img[1u << 20];
	struct load l;

	img[0] = 0x90;
	l = load_bytes_ram(img, sizeof(img), 2u << 20);
	ck_assert_msg(l.rc == 0, "%s", l.err);
	ck_assert_uint_eq(l.bi.load_end, 2u << 20);
	free(l.ram);
}
END_TEST

#define AOUT_HDR 0x40u
#define AOUT_LOAD 0x200000u

/* A raw image whose multiboot header carries its own load addresses. */
static void build_aout(struct image *im)
{
	build_flat(im, 0x400);
	put_mb_header(im, AOUT_HDR, 0x3 | (1u << 16));
	put_mb_addrs(im, AOUT_HDR, AOUT_LOAD + AOUT_HDR, AOUT_LOAD, AOUT_LOAD + 0x300,
		     AOUT_LOAD + 0x5000, AOUT_LOAD + 0x80);
}

START_TEST(aout_kludge)
{
	struct image im;
	struct load l;

	build_aout(&im);
	l = load_image(&im);
	ck_assert_msg(l.rc == 0, "%s", l.err);
	ck_assert_int_eq(l.bi.kind, KERNEL_MULTIBOOT_ELF);
	ck_assert_uint_eq(l.bi.entry, AOUT_LOAD + 0x80);
	ck_assert_uint_eq(l.bi.load_end, AOUT_LOAD + 0x5000);
	ck_assert_uint_eq(l.bi.mb_flags, 0x3 | (1u << 16));
	ck_assert_mem_eq(l.ram + AOUT_LOAD, im.buf, 0x300);
	ck_assert(all_bytes(l.ram + AOUT_LOAD + 0x300, 0x5000 - 0x300, 0));
	ck_assert_uint_eq(l.ram[AOUT_LOAD + 0x5000], POISON);
	ck_assert_uint_eq(l.ram[AOUT_LOAD - 1], POISON);
	free(l.ram);
}
END_TEST

START_TEST(aout_kludge_offset_and_defaults)
{
	struct image im;
	struct load l;

	/* Loading starts 0x20 bytes before the header; load_end_addr 0 means
	 * "to the end of the file" and bss_end_addr 0 means no bss. */
	build_aout(&im);
	put_mb_addrs(&im, AOUT_HDR, AOUT_LOAD + 0x20, AOUT_LOAD, 0, 0, AOUT_LOAD);
	l = load_image(&im);
	ck_assert_msg(l.rc == 0, "%s", l.err);
	ck_assert_mem_eq(l.ram + AOUT_LOAD, im.buf + 0x20, im.len - 0x20);
	ck_assert_uint_eq(l.ram[AOUT_LOAD + im.len - 0x20], POISON);
	ck_assert_uint_eq(l.bi.load_end, AOUT_LOAD + 0x1000);
	free(l.ram);
}
END_TEST

START_TEST(aout_kludge_errors)
{
	struct image im;

	build_aout(&im);
	put_mb_addrs(&im, AOUT_HDR, AOUT_LOAD, AOUT_LOAD + 0x10, 0, 0, AOUT_LOAD);
	expect_image_error(&im, "multiboot load_addr 0x200010 does not fit header_addr 0x200000");
	put_mb_addrs(&im, AOUT_HDR, AOUT_LOAD + 0x100, AOUT_LOAD, 0, 0, AOUT_LOAD);
	expect_image_error(&im, "does not fit header_addr"); /* would start before the file */
	put_mb_addrs(&im, AOUT_HDR, AOUT_LOAD + AOUT_HDR, AOUT_LOAD, AOUT_LOAD - 1, 0, 0);
	expect_image_error(&im, "load_end_addr 0x1fffff is below load_addr 0x200000");
	put_mb_addrs(&im, AOUT_HDR, AOUT_LOAD + AOUT_HDR, AOUT_LOAD, AOUT_LOAD + 0x401, 0, 0);
	expect_image_error(&im, "multiboot load range needs 1025 bytes from offset 0x0 but the "
				"file is 1024 bytes");
	put_mb_addrs(&im, AOUT_HDR, AOUT_LOAD + AOUT_HDR, AOUT_LOAD, AOUT_LOAD + 0x300,
		     AOUT_LOAD + 0x100, 0);
	expect_image_error(&im, "bss_end_addr 0x200100 is below the end of the loaded image");
	put_mb_addrs(&im, AOUT_HDR, AOUT_LOAD + AOUT_HDR, AOUT_LOAD, 0, RAM_SIZE + 1, 0);
	expect_image_error(&im, "image [0x200000, 0x800001) is outside guest RAM");
	put_mb_addrs(&im, AOUT_HDR, 0x40, 0, 0, 0, 0);
	expect_image_error(&im, "image [0x0, 0x400) is outside guest RAM");
}
END_TEST

START_TEST(aout_kludge_truncated_header)
{
	struct image im;

	build_flat(&im, 0x100);
	put_mb_header(&im, 0xf0, 0x3 | (1u << 16));
	expect_image_error(&im, "multiboot header at offset 0xf0 is truncated");
}
END_TEST

START_TEST(raw_multiboot_without_addresses)
{
	struct image im;

	build_flat(&im, 0x100);
	put_mb_header(&im, 0x10, 0x3);
	expect_image_error(&im, "not ELF, and its multiboot header (offset 0x10) gives no load "
				"addresses (flags bit 16)");
	put_mb_header(&im, 0x10, 0x7 | (1u << 16));
	expect_image_error(&im, "video mode");
}
END_TEST

/* The multiboot info structure, read back at the spec's byte offsets. */
#define MBI_FLAGS 0
#define MBI_MEM_LOWER 4
#define MBI_MEM_UPPER 8
#define MBI_CMDLINE 16
#define MBI_MODS_COUNT 20
#define MBI_MODS_ADDR 24
#define MBI_MMAP_LENGTH 44
#define MBI_MMAP_ADDR 48
#define MBI_LOADER_NAME 64

static uint8_t *poisoned_ram(void)
{
	uint8_t *ram = malloc(RAM_SIZE);

	ck_assert_ptr_nonnull(ram);
	memset(ram, POISON, RAM_SIZE);
	return ram;
}

static void check_mmap_entry(const uint8_t *e, uint64_t base, uint64_t len, uint32_t type)
{
	ck_assert_uint_eq(get32(e), 20);
	ck_assert_uint_eq(get64(e + 4), base);
	ck_assert_uint_eq(get64(e + 12), len);
	ck_assert_uint_eq(get32(e + 20), type);
}

START_TEST(mb_info_fields)
{
	uint8_t *ram = poisoned_ram();
	uint32_t at = mb_build_info(ram, RAM_SIZE, 0x9000, "console=ttyS0 debug", NULL, 0);
	const uint8_t *mbi = ram + 0x9000;
	uint32_t mmap, name;

	ck_assert_uint_eq(at, 0x9000);
	ck_assert_uint_eq(get32(mbi + MBI_FLAGS), (1u << 0) | (1u << 2) | (1u << 6) | (1u << 9));
	ck_assert_uint_eq(get32(mbi + MBI_MEM_LOWER), 639);
	ck_assert_uint_eq(get32(mbi + MBI_MEM_UPPER), (RAM_SIZE - 0x100000) / 1024);
	ck_assert_uint_eq(get32(mbi + MBI_MODS_COUNT), 0);
	ck_assert_uint_eq(get32(mbi + MBI_MMAP_LENGTH), 4 * 24);
	mmap = get32(mbi + MBI_MMAP_ADDR);
	ck_assert_uint_ge(mmap, 0x9000 + 116); /* after the structure */
	check_mmap_entry(ram + mmap, 0, 0x9fc00, 1);
	check_mmap_entry(ram + mmap + 24, 0x9fc00, 0x400, 2);
	check_mmap_entry(ram + mmap + 48, 0xf0000, 0x10000, 2);
	check_mmap_entry(ram + mmap + 72, 0x100000, RAM_SIZE - 0x100000, 1);
	ck_assert_str_eq((char *)ram + get32(mbi + MBI_CMDLINE), "console=ttyS0 debug");
	name = get32(mbi + MBI_LOADER_NAME);
	ck_assert_str_eq((char *)ram + name, "btvmm");
	ck_assert_uint_eq(ram[name + 6], POISON); /* nothing written past the block */
	ck_assert_uint_eq(ram[0x9000 - 1], POISON);
	free(ram);
}
END_TEST

START_TEST(mb_info_null_cmdline_and_alignment)
{
	uint8_t *ram = poisoned_ram();
	uint32_t at = mb_build_info(ram, RAM_SIZE, 0x9001, NULL, NULL, 0);

	ck_assert_uint_eq(at, 0x9010);
	ck_assert_str_eq((char *)ram + get32(ram + at + MBI_CMDLINE), "");
	free(ram);
}
END_TEST

START_TEST(mb_info_small_ram)
{
	uint8_t *ram = poisoned_ram();
	uint32_t at = mb_build_info(ram, 0x100000, 0x9000, "", NULL, 0);

	/* With no memory above 1 MiB the map has only the low entries. */
	ck_assert_uint_eq(at, 0x9000);
	ck_assert_uint_eq(get32(ram + at + MBI_MEM_UPPER), 0);
	ck_assert_uint_eq(get32(ram + at + MBI_MMAP_LENGTH), 3 * 24);
	free(ram);
}
END_TEST

START_TEST(mb_info_does_not_fit)
{
	uint8_t *ram = poisoned_ram();

	ck_assert_uint_eq(mb_build_info(ram, 0x9000 + 100, 0x9000, "x", NULL, 0), 0);
	ck_assert_uint_eq(mb_build_info(ram, 0x1000, 0x9000, "x", NULL, 0), 0);
	ck_assert_uint_eq(mb_build_info(ram, RAM_SIZE, RAM_SIZE - 16, "", NULL, 0), 0);
	ck_assert_uint_eq(mb_build_info(ram, RAM_SIZE, 0xfffffff0u, "", NULL, 0), 0);
	ck_assert_uint_eq(mb_build_info(ram, RAM_SIZE, 0, "", NULL, 0), 0); /* 0 means failure */
	ck_assert(all_bytes(ram, RAM_SIZE, POISON));
	free(ram);
}
END_TEST

START_TEST(mb_info_exact_fit)
{
	uint8_t *ram = poisoned_ram();
	uint32_t need = 116 + 4 * 24 + 6 + 6; /* struct, map, "hello", "btvmm": 224 */

	ck_assert_uint_eq(mb_build_info(ram, RAM_SIZE, RAM_SIZE - need, "hello", NULL, 0),
			  RAM_SIZE - need);
	ck_assert_uint_eq(ram[RAM_SIZE - 1], 0);
	ck_assert_uint_eq(mb_build_info(ram, RAM_SIZE, RAM_SIZE - need, "hello!", NULL, 0), 0);
	free(ram);
}
END_TEST

START_TEST(mb_info_modules)
{
	uint8_t *ram = poisoned_ram();
	const struct mb_module mods[2] = {{0x200000, 0x200016, "one.txt first arg"},
					  {0x201000, 0x201000, "empty-module-name!"}};
	uint32_t at = mb_build_info(ram, RAM_SIZE, 0x9000, "", mods, 2);
	const uint8_t *mbi = ram + at;

	ck_assert_uint_eq(get32(mbi + MBI_FLAGS) & (1u << 3), 1u << 3);
	ck_assert_uint_eq(get32(mbi + MBI_MODS_COUNT), 2);
	const uint8_t *e = ram + get32(mbi + MBI_MODS_ADDR);
	ck_assert_uint_ge(get32(mbi + MBI_MODS_ADDR), at + 116);
	ck_assert_uint_eq(get32(e + 0), 0x200000);
	ck_assert_uint_eq(get32(e + 4), 0x200016);
	ck_assert_str_eq((char *)ram + get32(e + 8), "one.txt first arg");
	ck_assert_uint_eq(get32(e + 12), 0);
	ck_assert_uint_eq(get32(e + 16), 0x201000);
	ck_assert_uint_eq(get32(e + 20), 0x201000);
	ck_assert_str_eq((char *)ram + get32(e + 24), "empty-module-name!");
	/* the module list must not overlap the memory map */
	ck_assert_uint_ge(get32(mbi + MBI_MMAP_ADDR), get32(mbi + MBI_MODS_ADDR) + 32);
	/* the strings count toward the size: an exact fit, and 16 bytes short
	 * (the block is 16-byte aligned; 288 is a multiple of 16) */
	uint32_t need = 116 + 32 + 4 * 24 + 1 + 6 + 18 + 19;
	ck_assert_uint_eq(mb_build_info(ram, RAM_SIZE, RAM_SIZE - need, "", mods, 2),
			  RAM_SIZE - need);
	ck_assert_uint_eq(mb_build_info(ram, RAM_SIZE, RAM_SIZE - need + 16, "", mods, 2), 0);
	free(ram);
}
END_TEST

START_TEST(modules_split_items)
{
	struct module_set set;
	char err[200];

	ck_assert_int_eq(modules_split("a.img,b.img x y,c,,d", &set, err, sizeof(err)), 0);
	ck_assert_uint_eq(set.n, 3);
	ck_assert_str_eq(set.mod[0].string, "a.img");
	ck_assert_str_eq(set.mod[1].string, "b.img x y");
	ck_assert_str_eq(set.mod[2].string, "c,d"); /* ",," is a comma */
	modules_free(&set);
	ck_assert_int_eq(modules_split("a,", &set, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "-initrd 'a,': an empty module name");
	ck_assert_int_eq(modules_split("", &set, err, sizeof(err)), -1);
	ck_assert_int_eq(modules_split(" x", &set, err, sizeof(err)), -1);
	char many[64] = "";
	for (int i = 0; i <= MODULES_MAX; i++)
		strcat(many, i ? ",m" : "m");
	ck_assert_int_eq(modules_split(many, &set, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "-initrd: more than 16 modules");
}
END_TEST

static Suite *loader_suite(void)
{
	Suite *s = suite_create("loader");
	TCase *elf = tcase_create("elf");
	TCase *bad = tcase_create("elf_errors");
	TCase *raw = tcase_create("raw");
	TCase *mbi = tcase_create("mb_info");

	tcase_add_test(elf, elf_two_segments);
	tcase_add_test(elf, elf_load_end_page_aligned);
	tcase_add_test(elf, elf_skips_non_load_segments);
	tcase_add_test(elf, elf_optional_unknown_flags);
	tcase_add_test(elf, elf_with_aout_kludge_uses_header);
	tcase_add_test(elf, segment_exactly_at_ram_end);
	tcase_add_test(bad, missing_file);
	tcase_add_test(bad, directory);
	tcase_add_test(bad, empty_file);
	tcase_add_test(bad, truncated_header);
	tcase_add_test(bad, truncated_program_headers);
	tcase_add_test(bad, truncated_first_100_bytes);
	tcase_add_test(bad, segment_past_eof);
	tcase_add_test(bad, truncated_after_program_headers);
	tcase_add_test(bad, segment_filesz_over_memsz);
	tcase_add_test(bad, segment_outside_ram);
	tcase_add_test(bad, wrong_class);
	tcase_add_test(bad, big_endian);
	tcase_add_test(bad, wrong_machine);
	tcase_add_test(bad, wrong_type);
	tcase_add_test(bad, bad_program_header_table);
	tcase_add_test(bad, no_load_segments);
	tcase_add_test(bad, no_multiboot_header);
	tcase_add_test(bad, multiboot_header_too_far);
	tcase_add_test(bad, multiboot_header_misaligned);
	tcase_add_test(bad, bad_checksum);
	tcase_add_test(bad, video_mode_flag);
	tcase_add_test(bad, unknown_required_flag);
	tcase_add_test(raw, flat_binary);
	tcase_add_test(raw, flat_with_stray_magic);
	tcase_add_test(raw, flat_too_large);
	tcase_add_test(raw, flat_fills_ram_exactly);
	tcase_add_test(raw, aout_kludge);
	tcase_add_test(raw, aout_kludge_offset_and_defaults);
	tcase_add_test(raw, aout_kludge_errors);
	tcase_add_test(raw, aout_kludge_truncated_header);
	tcase_add_test(raw, raw_multiboot_without_addresses);
	tcase_add_test(mbi, mb_info_fields);
	tcase_add_test(mbi, mb_info_null_cmdline_and_alignment);
	tcase_add_test(mbi, mb_info_small_ram);
	tcase_add_test(mbi, mb_info_does_not_fit);
	tcase_add_test(mbi, mb_info_exact_fit);
	tcase_add_test(mbi, mb_info_modules);
	tcase_add_test(mbi, modules_split_items);
	suite_add_tcase(s, elf);
	suite_add_tcase(s, bad);
	suite_add_tcase(s, raw);
	suite_add_tcase(s, mbi);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(loader_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
