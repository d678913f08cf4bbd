/* Tiny freestanding support library for btvmm guest tests. */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
typedef unsigned int size_t;

#define MB_BOOT_MAGIC 0x2BADB002u
#define FLAGS_ARITH 0x8D5u   /* OF SF ZF AF PF CF */

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u16 inw(u16 port) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

void serial_putc(char c);
void puts_(const char *s);           /* no newline appended */
void printf_(const char *fmt, ...);  /* %d %u %x %X %s %c %%; flags '-' '0', width n or '*'; 'l' ignored */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* Result helpers: print "name: value" lines. check() also records a
 * failure (and prints MISMATCH) when got != expected. */
extern int g_failures;
void show(const char *name, u32 v);                 /* "name: xxxxxxxx" */
void show2(const char *name, u32 v, u32 flags);     /* "name: xxxxxxxx fl=xxx" */
void check(const char *name, u32 got, u32 expected);
int finish(void);                                    /* prints summary, returns 0/1 */
u32 crc_update(u32 crc, const void *p, size_t n);   /* simple FNV-1a fold */

#define printf printf_
#endif
