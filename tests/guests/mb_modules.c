/* mb_modules: multiboot boot modules (multiboot 0.6.96, 3.3), loaded the
 * way QEMU does for -initrd "FILE ARGS,FILE,...". Run by ctest as
 *   -initrd "modules/one.txt first arg,modules/two.txt,modules/one.txt x,,y"
 * (",," is a literal comma). Prints, for each module: its string with the
 * directory part cut off (paths differ between machines), its size, the
 * FNV-1a hash of its bytes, whether it starts page-aligned after the
 * kernel and after the previous module, and its first line.
 * Expected output: mb_modules.initrd-expect (no plain .expect: without
 * -initrd the guest has no modules). */
#include "lib.h"

extern char __bss_end[];

struct mb_mod {
    u32 start, end, string, reserved;
};

static const char *basename_of(const char *s)
{
    const char *b = s;
    for (const char *p = s; *p && *p != ' '; p++)
        if (*p == '/')
            b = p + 1;
    return b;
}

int main(u32 magic, const u32 *mbi)
{
    printf("magic ok: %u, flags.mods: %u\n", magic == 0x2badb002u, (mbi[0] >> 3) & 1);
    if (!(mbi[0] & 8))
        return 1;
    u32 n = mbi[5];
    const struct mb_mod *m = (const struct mb_mod *)mbi[6];
    printf("mods_count=%u\n", n);
    u32 prev_end = (u32)__bss_end;
    for (u32 i = 0; i < n; i++) {
        const u8 *p = (const u8 *)m[i].start;
        u32 size = m[i].end - m[i].start, h = 2166136261u;
        for (u32 k = 0; k < size; k++)
            h = (h ^ p[k]) * 16777619u;
        char line[64];
        u32 k = 0;
        while (k < size && k < sizeof(line) - 1 && p[k] != '\n') {
            line[k] = (char)p[k];
            k++;
        }
        line[k] = 0;
        printf("module %u: \"%s\" size=%u fnv=%08x aligned=%u after=%u reserved=%u\n", i,
               basename_of((const char *)m[i].string), size, h, (m[i].start & 0xfff) == 0,
               m[i].start >= prev_end, m[i].reserved);
        printf("  first line: %s\n", line);
        prev_end = m[i].end;
    }
    return 0;
}
