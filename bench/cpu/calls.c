/* calls.c - a call-heavy CPU workload: every guest `ret` and indirect call
 * goes through btvmm's in-cache lookup, so this measures that path the way
 * workload.c (straight-line loops) does not. Recursive Fibonacci, calls
 * through a table of function pointers, and an insertion sort through a
 * comparison callback. Built both as a guest (GUEST) and as a native 32-bit
 * Linux program; both print the same checksum. */
#ifdef GUEST
#include "lib.h"
#define OUT printf_
#else
#include <stdio.h>
typedef unsigned int u32;
#define OUT printf
#endif

#ifndef FIB_N
#define FIB_N 32
#endif
#ifndef DISPATCH_N
#define DISPATCH_N 20000000u
#endif
#define SORT_LEN 4096

#define NOINLINE __attribute__((noinline))

static NOINLINE u32 fib(u32 n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static NOINLINE u32 op_add(u32 a, u32 b) { return a + b; }
static NOINLINE u32 op_xor(u32 a, u32 b) { return a ^ (b << 1); }
static NOINLINE u32 op_mul(u32 a, u32 b) { return a * (b | 1); }
static NOINLINE u32 op_rot(u32 a, u32 b) { return (a << 7 | a >> 25) + b; }

static u32 (*volatile ops[4])(u32, u32) = {op_add, op_xor, op_mul, op_rot};

static NOINLINE u32 dispatch(u32 n)
{
	u32 acc = 1, s = 7;
	for (u32 i = 0; i < n; i++) {
		s = s * 1103515245u + 12345u;
		acc = ops[(s >> 16) & 3](acc, i);
	}
	return acc;
}

static NOINLINE int cmp_u32(u32 a, u32 b)
{
	return a < b ? -1 : a > b;
}

static u32 arr[SORT_LEN];

static NOINLINE void isort(u32 *a, u32 n, int (*cmp)(u32, u32))
{
	for (u32 i = 1; i < n; i++) {
		u32 v = a[i], j = i;
		while (j > 0 && cmp(a[j - 1], v) > 0) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}

int main(void)
{
	u32 f = fib(FIB_N);
	u32 d = dispatch(DISPATCH_N);
	u32 s = 99;
	for (u32 i = 0; i < SORT_LEN; i++) {
		s = s * 1664525u + 1013904223u;
		arr[i] = s;
	}
	isort(arr, SORT_LEN, cmp_u32);
	u32 h = 0x811c9dc5u;
	for (u32 i = 0; i < SORT_LEN; i++)
		h = (h ^ arr[i]) * 16777619u;
	OUT("calls fib=%u dispatch=%08x sort=%08x\n", f, d, h);
	OUT("workload checksum: %08x\n", f ^ d ^ h);
	return 0;
}
