/* CPU-bound benchmark workload, built both as a btvmm guest kernel
 * (tests/guests/build.sh OUT workload -> workload.elf) and as a native
 * 32-bit Linux program (gcc -m32 -O2 -static workload.c). Both print the
 * same "workload checksum:" line.
 *   -DITER=n    hash passes over the 4 MiB buffer (default 1500, ~1-2 s native)
 *   -DSORT_N=n  number of 32-bit ints heap-sorted (default 1M) */
#ifdef GUEST
#include "lib.h"
#define OUT printf_
#else
#include <stdio.h>
typedef unsigned char u8;
typedef unsigned int u32;
#define OUT printf
#endif

#ifndef ITER
#define ITER 1500
#endif
#ifndef SORT_N
#define SORT_N (1u << 20)
#endif
#define BUF_WORDS (1u << 20) /* 4 MiB */

static u32 buf[BUF_WORDS];
static u32 arr[SORT_N];

static u32 rotl(u32 x, int r)
{
    return (x << r) | (x >> (32 - r));
}

/* murmur3-style 32-bit hash of the whole buffer */
static u32 hash_pass(u32 seed)
{
    u32 h = seed;
    for (u32 i = 0; i < BUF_WORDS; i++) {
        u32 k = buf[i];
        k *= 0xcc9e2d51u;
        k = rotl(k, 15);
        k *= 0x1b873593u;
        h ^= k;
        h = rotl(h, 13);
        h = h * 5 + 0xe6546b64u;
    }
    h ^= BUF_WORDS * 4;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static void sift_down(u32 *a, u32 start, u32 end)
{
    u32 root = start;
    while (2 * root + 1 <= end) {
        u32 child = 2 * root + 1, sw = root;
        if (a[sw] < a[child])
            sw = child;
        if (child + 1 <= end && a[sw] < a[child + 1])
            sw = child + 1;
        if (sw == root)
            return;
        u32 t = a[root];
        a[root] = a[sw];
        a[sw] = t;
        root = sw;
    }
}

static void heapsort(u32 *a, u32 n)
{
    for (u32 s = n / 2; s-- > 0;)
        sift_down(a, s, n - 1);
    for (u32 end = n - 1; end > 0; end--) {
        u32 t = a[end];
        a[end] = a[0];
        a[0] = t;
        sift_down(a, 0, end - 1);
    }
}

int main(void)
{
    u32 x = 2463534242u;
    for (u32 i = 0; i < BUF_WORDS; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = x;
    }
    u32 h = 0;
    for (u32 it = 0; it < ITER; it++) {
        h ^= hash_pass(h + it);
        buf[it * 7919u % BUF_WORDS] ^= h; /* make every pass depend on the last */
    }
    u32 s = 12345;
    for (u32 i = 0; i < SORT_N; i++) {
        s = s * 1103515245u + 12345u;
        arr[i] = s ^ (s >> 16);
    }
    heapsort(arr, SORT_N);
    u32 sorted = 1, sh = 0x811c9dc5u;
    for (u32 i = 0; i < SORT_N; i++) {
        if (i && arr[i - 1] > arr[i])
            sorted = 0;
        sh = (sh ^ arr[i]) * 16777619u;
    }
    OUT("workload hash=%08x sort=%08x sorted=%u\n", h, sh, sorted);
    OUT("workload checksum: %08x\n", h ^ sh);
    return sorted ? 0 : 1;
}
