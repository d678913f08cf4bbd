/* mkcpio.c - the initramfs for the busybox boot test: a "newc" cpio
 * archive (the format the kernel's initramfs unpacker reads) with
 *   /bin/busybox  (BUSYBOX, mode 0755)
 *   /init         (INIT, mode 0755: a busybox shell script)
 *   /dev/console  (character device 5:1), /proc, /sys, /bin, /dev
 *
 *   mkcpio OUT BUSYBOX INIT [PATH=FILE...]
 *
 * Each PATH=FILE adds FILE as PATH (mode 0755, in an existing directory:
 * bin/bench=build/bench/linux/bench), for the benchmark initramfs.
 *
 * Written here because cpio(1) is not on every machine the tests run on. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *out;
static unsigned ino = 1;

static void pad4(size_t n)
{
	static const char zeros[4];
	fwrite(zeros, 1, (4 - n % 4) % 4, out);
}

static void entry(const char *name, unsigned mode, const void *data, size_t size,
		  unsigned rdev_major, unsigned rdev_minor)
{
	size_t namesize = strlen(name) + 1;
	/* magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
	 * devminor, rdevmajor, rdevminor, namesize, check */
	fprintf(out, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino++, mode, 0,
		0, (mode & 0170000) == 0040000 ? 2 : 1, 0, (unsigned)size, 0, 0, rdev_major,
		rdev_minor, (unsigned)namesize, 0);
	fwrite(name, 1, namesize, out);
	pad4(110 + namesize);
	if (size)
		fwrite(data, 1, size, out);
	pad4(size);
}

static void *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *p = malloc(n > 0 ? (size_t)n : 1);
	if (!p || n < 0 || fread(p, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "mkcpio: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	*size = (size_t)n;
	return p;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: mkcpio OUT BUSYBOX INIT [PATH=FILE...]\n");
		return 2;
	}
	size_t bb_size, init_size;
	void *bb = slurp(argv[2], &bb_size), *init = slurp(argv[3], &init_size);
	out = fopen(argv[1], "wb");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	entry("bin", 0040755, NULL, 0, 0, 0);
	entry("dev", 0040755, NULL, 0, 0, 0);
	entry("proc", 0040755, NULL, 0, 0, 0);
	entry("sys", 0040755, NULL, 0, 0, 0);
	entry("tmp", 0041777, NULL, 0, 0, 0);
	entry("dev/console", 0020600, NULL, 0, 5, 1);
	entry("bin/busybox", 0100755, bb, bb_size, 0, 0);
	entry("init", 0100755, init, init_size, 0, 0);
	for (int i = 4; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq || eq == argv[i]) {
			fprintf(stderr, "mkcpio: %s: expected PATH=FILE\n", argv[i]);
			return 2;
		}
		*eq = '\0';
		size_t size;
		void *data = slurp(eq + 1, &size);
		entry(argv[i], 0100755, data, size, 0, 0);
		free(data);
	}
	entry("TRAILER!!!", 0, NULL, 0, 0, 0);
	if (fclose(out)) {
		perror(argv[1]);
		return 1;
	}
	free(bb);
	free(init);
	return 0;
}
