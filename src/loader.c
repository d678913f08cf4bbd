/* loader.c - put a kernel image into guest RAM.
 *
 * Three image kinds are understood, decided by the file's contents rather
 * than its name:
 *
 *   ELF      An ELF32 i386 executable carrying a multiboot v1 header in its
 *            first 8 KiB.  PT_LOAD segments go to their physical addresses
 *            (p_paddr: the kernel runs with paging off at first, and a
 *            higher-half kernel links at virtual addresses it cannot yet
 *            use), file bytes first, the rest zeroed.
 *   a.out    Any image whose multiboot header has flag bit 16 set: the
 *   kludge   header itself says where the image goes (load_addr,
 *            load_end_addr, bss_end_addr, entry_addr).  The spec says these
 *            fields win over ELF headers, and GRUB and QEMU agree, so an
 *            ELF with bit 16 set is loaded this way too.
 *   flat     Anything else without the ELF magic: copied to FLAT_LOAD_ADDR
 *            and entered there.
 *
 * A file that starts with the ELF magic is never treated as flat: a
 * truncated or corrupt ELF is an error, not raw code.
 *
 * The file is read into memory whole, everything is validated, and only
 * then is guest RAM written, so a failed load leaves RAM untouched.  Every
 * error is one line, "kernel 'PATH': what is wrong".
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
#include "le.h"
#include "multiboot.h"

#define MB_SEARCH_BYTES 8192u	 /* the header must lie wholly within these */
#define MB_FLAG_VIDEO (1u << 2)	 /* wants a graphics mode: we have no display */
#define MB_FLAG_AOUT (1u << 16)	 /* address fields are valid: the a.out kludge */
#define MB_REQUIRED_KNOWN 0x3u	 /* bits 0-1: page-aligned modules, memory info */
#define MB_REQUIRED_MASK 0xffffu /* bits 0-15 must be understood or refused */

#define LOAD_MIN_ADDR 0x1000u	     /* keep page 0 free: real-mode IVT, null pointers */
#define GUEST_PHYS_TOP 0xfffff000ull /* last page boundary a 32-bit guest can reach */
#define PAGE_SIZE 4096u
#define FILE_MAX (1ull << 31) /* no sane kernel image is larger */

/* The multiboot v1 header as it appears in the image (little-endian). */
struct mb_header {
	uint32_t magic;
	uint32_t flags;
	uint32_t checksum;
	/* valid only with MB_FLAG_AOUT */
	uint32_t header_addr;	/* physical address the header itself lands at */
	uint32_t load_addr;	/* where the image's first loaded byte goes */
	uint32_t load_end_addr; /* end of loaded bytes; 0: to the end of the file */
	uint32_t bss_end_addr;	/* end of the zeroed area; 0: no bss */
	uint32_t entry_addr;
};

#define MB_HEADER_MIN 12u /* magic, flags, checksum */

/* Everything one load needs, so helpers take a single argument. */
struct load_ctx {
	const char *path;
	uint8_t *buf; /* the whole file */
	size_t len;
	uint8_t *ram;
	uint64_t ram_limit; /* ram_size, capped to what 32-bit addresses reach */
	struct boot_info *bi;
	char *err;
	size_t errlen;
};

/* One range of guest RAM to fill: file bytes first, then zeroes. */
struct load_seg {
	uint64_t paddr;
	uint64_t file_off;
	uint64_t filesz;
	uint64_t memsz;
};

static int load_error(struct load_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int load_error(struct load_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->errlen == 0)
		return -1;
	n = snprintf(c->err, c->errlen, "kernel '%s': ", c->path);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static uint64_t page_align_up(uint64_t x)
{
	return (x + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
}

static int read_fd(struct load_ctx *c, int fd, size_t size)
{
	size_t got = 0;
	ssize_t n;

	c->buf = malloc(size ? size : 1);
	if (c->buf == NULL)
		return load_error(c, "out of memory reading %zu bytes", size);
	while (got < size) {
		n = read(fd, c->buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return load_error(c, "read error: %s", strerror(errno));
		if (n == 0)
			return load_error(c, "file shrank while being read");
		got += (size_t)n;
	}
	c->len = size;
	return 0;
}

static int read_whole_file(struct load_ctx *c)
{
	struct stat st;
	int fd, rc;

	fd = open(c->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return load_error(c, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) < 0)
		rc = load_error(c, "cannot stat: %s", strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = load_error(c, "is a directory");
	else if (!S_ISREG(st.st_mode))
		rc = load_error(c, "not a regular file");
	else if ((uint64_t)st.st_size > FILE_MAX)
		rc = load_error(c, "file too large (%lld bytes)", (long long)st.st_size);
	else
		rc = read_fd(c, fd, (size_t)st.st_size);
	close(fd);
	return rc;
}

/* Is [addr, addr + size) inside loadable guest RAM?  64-bit sums of 32-bit
 * quantities cannot overflow. */
static bool range_in_ram(const struct load_ctx *c, uint64_t addr, uint64_t size)
{
	return addr >= LOAD_MIN_ADDR && addr + size <= c->ram_limit;
}

/* Copies validated segments; nothing here can fail. */
static void copy_segments(struct load_ctx *c, const struct load_seg *segs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t *dst = c->ram + segs[i].paddr;

		memcpy(dst, c->buf + segs[i].file_off, segs[i].filesz);
		memset(dst + segs[i].filesz, 0, segs[i].memsz - segs[i].filesz);
	}
}

static uint32_t segments_end(const struct load_seg *segs, size_t n)
{
	uint64_t end = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (segs[i].paddr + segs[i].memsz > end)
			end = segs[i].paddr + segs[i].memsz;
	return (uint32_t)page_align_up(end);
}

static void mb_header_read(const uint8_t *p, size_t avail, struct mb_header *h)
{
	uint32_t words[8] = {0};
	size_t i;

	for (i = 0; i < 8 && (i + 1) * 4 <= avail; i++)
		words[i] = get_le32(p + 4 * i);
	*h = (struct mb_header){words[0], words[1], words[2], words[3],
				words[4], words[5], words[6], words[7]};
}

enum mb_search { MB_FOUND, MB_ABSENT, MB_BAD_CHECKSUM };

/*
 * Finds the first 4-byte aligned multiboot header with a valid checksum
 * wholly inside the first 8 KiB.  Reports MB_BAD_CHECKSUM if only headers
 * with a wrong checksum were seen: for an ELF that is the likely mistake,
 * while a flat binary may contain the magic as plain data.
 */
static enum mb_search mb_find(const struct load_ctx *c, struct mb_header *h, size_t *off)
{
	size_t limit = c->len < MB_SEARCH_BYTES ? c->len : MB_SEARCH_BYTES;
	bool bad = false;
	size_t o;

	for (o = 0; o + MB_HEADER_MIN <= limit; o += 4) {
		if (get_le32(c->buf + o) != MB_HEADER_MAGIC)
			continue;
		mb_header_read(c->buf + o, c->len - o, h);
		if ((uint32_t)(h->magic + h->flags + h->checksum) == 0) {
			*off = o;
			return MB_FOUND;
		}
		if (!bad)
			*off = o; /* report the first one */
		bad = true;
	}
	return bad ? MB_BAD_CHECKSUM : MB_ABSENT;
}

/* The spec makes bits 0-15 requirements: refuse those we cannot meet. */
static int mb_check_flags(struct load_ctx *c, const struct mb_header *h)
{
	uint32_t unknown = h->flags & MB_REQUIRED_MASK & ~(MB_REQUIRED_KNOWN | MB_FLAG_VIDEO);

	if (h->flags & MB_FLAG_VIDEO)
		return load_error(c, "multiboot header asks for a video mode (flags bit 2), "
				     "which btvmm does not provide");
	if (unknown)
		return load_error(c,
				  "multiboot header requires unsupported features "
				  "(flags 0x%08x, unknown required bits 0x%04x)",
				  h->flags, unknown);
	return 0;
}

static int load_finish(struct load_ctx *c, enum kernel_kind kind, uint32_t entry,
		       const struct load_seg *segs, size_t n, uint32_t mb_flags)
{
	copy_segments(c, segs, n);
	c->bi->kind = kind;
	c->bi->entry = entry;
	c->bi->load_end = segments_end(segs, n);
	c->bi->mb_flags = mb_flags;
	return 0;
}

/* Turns the a.out-kludge address fields into one segment, checking them
 * against the file and RAM. */
static int aout_segment(struct load_ctx *c, const struct mb_header *h, size_t hdr_off,
			struct load_seg *seg)
{
	uint64_t load_size, mem_end;

	if (c->len - hdr_off < sizeof(uint32_t) * 8)
		return load_error(c,
				  "multiboot header at offset 0x%zx is truncated "
				  "(flags bit 16 needs 32 bytes)",
				  hdr_off);
	if (h->load_addr > h->header_addr || h->header_addr - h->load_addr > hdr_off)
		return load_error(c,
				  "multiboot load_addr 0x%x does not fit header_addr 0x%x at "
				  "file offset 0x%zx",
				  h->load_addr, h->header_addr, hdr_off);
	seg->paddr = h->load_addr;
	seg->file_off = hdr_off - (h->header_addr - h->load_addr);
	if (h->load_end_addr == 0)
		load_size = c->len - seg->file_off;
	else if (h->load_end_addr >= h->load_addr)
		load_size = h->load_end_addr - h->load_addr;
	else
		return load_error(c, "multiboot load_end_addr 0x%x is below load_addr 0x%x",
				  h->load_end_addr, h->load_addr);
	if (seg->file_off + load_size > c->len)
		return load_error(c,
				  "multiboot load range needs %llu bytes from offset 0x%llx "
				  "but the file is %zu bytes",
				  (unsigned long long)load_size, (unsigned long long)seg->file_off,
				  c->len);
	mem_end = h->load_addr + load_size;
	if (h->bss_end_addr != 0 && h->bss_end_addr < mem_end)
		return load_error(c,
				  "multiboot bss_end_addr 0x%x is below the end of the "
				  "loaded image 0x%llx",
				  h->bss_end_addr, (unsigned long long)mem_end);
	if (h->bss_end_addr != 0)
		mem_end = h->bss_end_addr;
	seg->filesz = load_size;
	seg->memsz = mem_end - h->load_addr;
	if (!range_in_ram(c, seg->paddr, seg->memsz))
		return load_error(c, "image [0x%llx, 0x%llx) is outside guest RAM [0x%x, 0x%llx)",
				  (unsigned long long)seg->paddr, (unsigned long long)mem_end,
				  LOAD_MIN_ADDR, (unsigned long long)c->ram_limit);
	return 0;
}

/* Callers have checked the header's flags already. */
static int load_aout_kludge(struct load_ctx *c, const struct mb_header *h, size_t hdr_off)
{
	struct load_seg seg = {0};

	if (aout_segment(c, h, hdr_off, &seg) < 0)
		return -1;
	return load_finish(c, KERNEL_MULTIBOOT_ELF, h->entry_addr, &seg, 1, h->flags);
}

static int load_flat(struct load_ctx *c)
{
	struct load_seg seg = {FLAT_LOAD_ADDR, 0, c->len, c->len};

	if (!range_in_ram(c, seg.paddr, seg.memsz))
		return load_error(c,
				  "flat binary of %zu bytes does not fit in guest RAM above "
				  "0x%x (RAM ends at 0x%llx)",
				  c->len, FLAT_LOAD_ADDR, (unsigned long long)c->ram_limit);
	return load_finish(c, KERNEL_FLAT, FLAT_LOAD_ADDR, &seg, 1, 0);
}

/* Non-ELF files: a.out kludge if a multiboot header says so, else flat. */
static int load_raw(struct load_ctx *c)
{
	struct mb_header h;
	size_t off;

	if (mb_find(c, &h, &off) != MB_FOUND)
		return load_flat(c);
	if (mb_check_flags(c, &h) < 0)
		return -1;
	if (!(h.flags & MB_FLAG_AOUT))
		return load_error(c,
				  "not ELF, and its multiboot header (offset 0x%zx) gives no "
				  "load addresses (flags bit 16)",
				  off);
	return load_aout_kludge(c, &h, off);
}

static const char *elf_type_name(unsigned type)
{
	switch (type) {
	case ET_REL: return "ET_REL (an object file)";
	case ET_DYN: return "ET_DYN (a shared object or PIE)";
	case ET_CORE: return "ET_CORE (a core dump)";
	default: return "unknown";
	}
}

/* Checks the identification bytes before libelf sees the file, so that
 * the common mistakes get a precise message. */
static int elf_check_ident(struct load_ctx *c)
{
	const uint8_t *id = c->buf;

	if (c->len < EI_NIDENT)
		return load_error(c, "truncated ELF header (%zu bytes)", c->len);
	if (id[EI_CLASS] == ELFCLASS64)
		return load_error(c, "64-bit ELF (ELFCLASS64); btvmm runs 32-bit i386 kernels");
	if (id[EI_CLASS] != ELFCLASS32)
		return load_error(c, "ELF class %u is not ELFCLASS32", id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return load_error(c, "ELF data encoding %u is not little-endian (ELFDATA2LSB)",
				  id[EI_DATA]);
	if (c->len < sizeof(Elf32_Ehdr))
		return load_error(c, "truncated ELF header (%zu of %zu bytes)", c->len,
				  sizeof(Elf32_Ehdr));
	return 0;
}

static int elf_check_ehdr(struct load_ctx *c, const Elf32_Ehdr *eh)
{
	uint64_t ph_end = (uint64_t)eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr);

	if (eh->e_machine != EM_386)
		return load_error(c, "ELF machine %u is not EM_386 (i386)", eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return load_error(c, "ELF type %s is not ET_EXEC (an executable)",
				  elf_type_name(eh->e_type));
	if (eh->e_phnum == 0)
		return load_error(c, "ELF has no program headers");
	if (eh->e_phentsize != sizeof(Elf32_Phdr))
		return load_error(c, "ELF program header size %u, expected %zu", eh->e_phentsize,
				  sizeof(Elf32_Phdr));
	if (ph_end > c->len)
		return load_error(c,
				  "truncated ELF: program headers end at 0x%llx but the file is "
				  "%zu bytes",
				  (unsigned long long)ph_end, c->len);
	return 0;
}

static int elf_check_segment(struct load_ctx *c, unsigned i, const Elf32_Phdr *ph,
			     struct load_seg *seg)
{
	uint64_t end = (uint64_t)ph->p_paddr + ph->p_memsz;

	if (ph->p_filesz > ph->p_memsz)
		return load_error(c, "segment %u: file size 0x%x exceeds memory size 0x%x", i,
				  ph->p_filesz, ph->p_memsz);
	if (!range_in_ram(c, ph->p_paddr, ph->p_memsz))
		return load_error(c,
				  "segment %u: [0x%x, 0x%llx) is outside guest RAM [0x%x, "
				  "0x%llx)",
				  i, ph->p_paddr, (unsigned long long)end, LOAD_MIN_ADDR,
				  (unsigned long long)c->ram_limit);
	*seg = (struct load_seg){ph->p_paddr, ph->p_offset, ph->p_filesz, ph->p_memsz};
	return 0;
}

/*
 * A file cut short usually still has its program headers, whose PT_LOAD
 * file ranges then run past the end.  Checked before the multiboot header,
 * which may lie in the missing part, so that the message says "truncated".
 */
static int elf_check_file_ranges(struct load_ctx *c, const Elf32_Phdr *ph, unsigned phnum)
{
	uint64_t end;
	unsigned i;

	for (i = 0; i < phnum; i++) {
		end = (uint64_t)ph[i].p_offset + ph[i].p_filesz;
		if (ph[i].p_type == PT_LOAD && end > c->len)
			return load_error(c,
					  "truncated ELF: segment %u needs file bytes [0x%x, "
					  "0x%llx) but the file is %zu bytes",
					  i, ph[i].p_offset, (unsigned long long)end, c->len);
	}
	return 0;
}

/* Fills segs (one per non-empty PT_LOAD, at most phnum) and counts them. */
static int elf_collect_segments(struct load_ctx *c, const Elf32_Phdr *ph, unsigned phnum,
				struct load_seg *segs, size_t *n)
{
	unsigned i;

	*n = 0;
	for (i = 0; i < phnum; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		if (elf_check_segment(c, i, &ph[i], &segs[*n]) < 0)
			return -1;
		(*n)++;
	}
	if (*n == 0)
		return load_error(c, "ELF has no loadable (PT_LOAD) segments");
	return 0;
}

/* The multiboot header an ELF kernel must carry, already checked. */
static int elf_multiboot_header(struct load_ctx *c, struct mb_header *h, size_t *off)
{
	switch (mb_find(c, h, off)) {
	case MB_ABSENT:
		return load_error(c, "no multiboot header in the first %u bytes", MB_SEARCH_BYTES);
	case MB_BAD_CHECKSUM:
		return load_error(c, "multiboot header at offset 0x%zx has a bad checksum", *off);
	case MB_FOUND: break;
	}
	return mb_check_flags(c, h);
}

static int load_elf_segments(struct load_ctx *c, const Elf32_Ehdr *eh, const Elf32_Phdr *ph,
			     const struct mb_header *h)
{
	struct load_seg *segs;
	size_t n;
	int rc;

	segs = calloc(eh->e_phnum, sizeof(*segs));
	if (segs == NULL)
		return load_error(c, "out of memory");
	rc = elf_collect_segments(c, ph, eh->e_phnum, segs, &n);
	if (rc == 0)
		rc = load_finish(c, KERNEL_MULTIBOOT_ELF, eh->e_entry, segs, n, h->flags);
	free(segs);
	return rc;
}

static int load_elf_image(struct load_ctx *c, Elf *e)
{
	const Elf32_Ehdr *eh;
	const Elf32_Phdr *ph;
	struct mb_header h;
	size_t off;

	if (elf_kind(e) != ELF_K_ELF)
		return load_error(c, "corrupt ELF file");
	eh = elf32_getehdr(e);
	if (eh == NULL)
		return load_error(c, "corrupt ELF header: %s", elf_errmsg(-1));
	if (elf_check_ehdr(c, eh) < 0)
		return -1;
	ph = elf32_getphdr(e);
	if (ph == NULL)
		return load_error(c, "cannot read ELF program headers: %s", elf_errmsg(-1));
	if (elf_check_file_ranges(c, ph, eh->e_phnum) < 0 || elf_multiboot_header(c, &h, &off) < 0)
		return -1;
	if (h.flags & MB_FLAG_AOUT)
		return load_aout_kludge(c, &h, off);
	return load_elf_segments(c, eh, ph, &h);
}

static int load_elf(struct load_ctx *c)
{
	Elf *e;
	int rc;

	if (elf_check_ident(c) < 0)
		return -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return load_error(c, "libelf initialisation failed: %s", elf_errmsg(-1));
	e = elf_memory((char *)c->buf, c->len);
	if (e == NULL)
		return load_error(c, "corrupt ELF file: %s", elf_errmsg(-1));
	rc = load_elf_image(c, e);
	elf_end(e);
	return rc;
}

/* A bzImage: its protected-mode part at 1 MiB, with room for init_size. */
static int load_linux(struct load_ctx *c)
{
	struct linux_kernel *k = &c->bi->bzimage;
	char why[200];
	if (linux_parse(c->buf, c->len, k, why, sizeof(why)))
		return load_error(c, "%s", why);
	uint64_t pm = c->len - k->setup_bytes;
	uint64_t need = pm > k->init_size ? pm : k->init_size;
	/* A relocatable kernel moves to pref_address (when that is above
	 * where it was loaded) and decompresses there, into init_size bytes. */
	uint64_t run_at = k->pref_address > LINUX_LOAD_ADDR ? k->pref_address : LINUX_LOAD_ADDR;
	uint64_t top = run_at + need;
	if (LINUX_LOAD_ADDR + need > c->ram_limit || top > c->ram_limit)
		return load_error(c,
				  "this Linux kernel decompresses into [0x%llx, 0x%llx) "
				  "(pref_address + init_size); give -m %llu or more",
				  (unsigned long long)run_at, (unsigned long long)top,
				  (unsigned long long)((top + (1 << 20) - 1) >> 20));
	memcpy(c->ram + LINUX_LOAD_ADDR, c->buf + k->setup_bytes, pm);
	c->bi->kind = KERNEL_LINUX;
	c->bi->entry = LINUX_LOAD_ADDR;
	c->bi->load_end = (uint32_t)page_align_up(top); /* an initrd goes above */
	c->bi->mb_flags = 0;
	return 0;
}

/* A file shorter than the ELF magic that matches its prefix is a
 * truncated ELF, not a 3-byte flat binary. */
static bool has_elf_magic(const struct load_ctx *c)
{
	size_t n = c->len < SELFMAG ? c->len : SELFMAG;

	return memcmp(c->buf, ELFMAG, n) == 0;
}

int loader_load_kernel(const char *path, uint8_t *ram, uint64_t ram_size, struct boot_info *bi,
		       char *err, size_t errlen)
{
	struct load_ctx c = {
	    .path = path,
	    .ram = ram,
	    .ram_limit = ram_size < GUEST_PHYS_TOP ? ram_size : GUEST_PHYS_TOP,
	    .bi = bi,
	    .err = err,
	    .errlen = errlen,
	};
	int rc;

	if (errlen)
		err[0] = '\0';
	rc = read_whole_file(&c);
	if (rc == 0 && c.len == 0)
		rc = load_error(&c, "empty file");
	if (rc == 0)
		rc = has_elf_magic(&c)		      ? load_elf(&c)
		     : linux_is_bzimage(c.buf, c.len) ? load_linux(&c)
						      : load_raw(&c);
	free(c.buf);
	return rc;
}
