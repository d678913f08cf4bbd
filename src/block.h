/* block.h - the per-vCPU block: the part of the vCPU that translated code
 * reads and writes. It lives at the bottom of the hole (the top 4 MiB of the
 * guest's linear window), reached from 32-bit translated code and from the
 * 64-bit exit trampoline through %gs, whose base is the block's address.
 * (The x64 backend puts it above 4 GiB instead and reaches it through %r15.)
 * Offsets are fixed (assembly uses them): BLK_* below, checked against the
 * struct with static asserts in vm.c. */
#ifndef BTVMM_BLOCK_H
#define BTVMM_BLOCK_H

#define BLK_EAX 0x00 /* guest GPRs in x86 register-number order */
#define BLK_ECX 0x04
#define BLK_EDX 0x08
#define BLK_EBX 0x0c
#define BLK_ESP 0x10
#define BLK_EBP 0x14
#define BLK_ESI 0x18
#define BLK_EDI 0x1c
#define BLK_EIP 0x20	  /* guest EIP while in the monitor */
#define BLK_HFLAGS 0x24	  /* guest arithmetic flags + DF, as host EFLAGS */
#define BLK_VSYS 0x28	  /* virtual system flags (all but arith, DF, IF) */
#define BLK_VIF 0x2c	  /* 0 or 0x200: the guest's IF */
#define BLK_EXIT_REC 0x30 /* which exit left the cache (translator record id) */
#define BLK_PENDING 0x34  /* nonzero: leave the cache at the next check */
#define BLK_IRQ_REQ 0x38  /* an interrupt waits (whatever IF says): sti/popf copy it to PENDING */
#define BLK_SC0 0x40	  /* scratch for in-cache sequences */
#define BLK_SC1 0x44
#define BLK_SC2 0x48
#define BLK_SC3 0x4c
#define BLK_TGT 0x50	     /* guest target EIP of an indirect branch */
#define BLK_IBL_MODE 0x54    /* the code mode the lookup table is read in (src/ibl.c) */
#define BLK_ENTRY_FAR 0x58   /* m16:32 far pointer: where bt_enter jumps (32-bit CS) */
#define BLK_EXIT_FAR 0x60    /* m16:32 far pointer: the 64-bit exit trampoline */
#define BLK_GSEL 0x68	     /* guest selectors es,cs,ss,ds,fs,gs as u32 (push/mov reads) */
#define BLK_HSEL 0x80	     /* host selectors to load: es,cs,ss,ds,fs,gs(guest gs),blk as u16 */
#define BLK_HOST_RSP 0x90    /* monitor stack pointer saved by bt_enter */
#define BLK_HOST_FSBASE 0x98 /* monitor FS base (glibc TLS) */
#define BLK_FAULT_EIP 0xa0   /* unused by asm; padding to keep FX aligned */
/* x64 backend only (translator/x64): translated code runs in 64-bit mode with
 * %r15 = the block, which lives above 4 GiB with the translation cache. */
#define BLK_X64_ENTRY 0xa8    /* u64: host address x64_enter jumps to */
#define BLK_X64_EXIT 0xb0     /* u64: x64_exit_tramp (exit stubs jump through it) */
#define BLK_X64_MISS 0xb8     /* u64: x64_ibl_miss */
#define BLK_SEGBASE 0xc0      /* u32 x 6: guest segment bases es..gs */
#define BLK_X64_RSP 0xd8      /* u64: guest %rsp while an in-cache sequence uses BLK_X64_STK */
#define BLK_X64_STK 0x600     /* top of a small private stack for pushfq/popfq (grows down) */
#define BLK_IBL64 BLK_SIZE    /* x64: u64 lookup table after the block (BLK_IBL_ENTRIES) */
#define BLK_FX 0x100	      /* guest x87/SSE state (fxsave, 512 bytes) */
#define BLK_HOST_FX 0x300     /* the monitor's clean x87/SSE state */
#define BLK_IBL 0x1000	      /* in-cache indirect lookup table: CCF indirect entries */
#define BLK_IBL_ENTRIES 65536 /* indexed by the low 16 bits of the guest EIP */
#define BLK_SIZE (BLK_IBL + BLK_IBL_ENTRIES * 4)

/* host selector slots inside BLK_HSEL (u16 each) */
#define HSEL_ES 0
#define HSEL_CS 1
#define HSEL_SS 2
#define HSEL_DS 3
#define HSEL_FS 4
#define HSEL_GS 5  /* shadow of the guest's %gs, swapped into %fs around rewritten uses */
#define HSEL_BLK 6 /* the block itself: loaded into %gs */

#define HOST_CS64 0x33 /* Linux x86-64 __USER_CS */
#define HOST_CS32 0x23 /* Linux x86-64 __USER32_CS: flat 32-bit code */
#define HOST_DS 0x2b   /* Linux x86-64 __USER_DS */

#define EFL_ARITH_DF 0xcd5u /* CF PF AF ZF SF DF OF: kept in host EFLAGS */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct far32 {
	uint32_t off;
	uint16_t sel;
	uint16_t pad;
};

struct vcpu_block {
	uint32_t gpr[8];
	uint32_t eip;
	uint32_t hflags;
	uint32_t vsys;
	uint32_t vif;
	uint32_t exit_rec;
	uint32_t pending;
	uint32_t irq_req;
	uint32_t pad0;
	uint32_t sc[4];
	uint32_t tgt;
	uint32_t ibl_mode;
	struct far32 entry_far;
	struct far32 exit_far;
	uint32_t gsel[6];
	uint16_t hsel[8];
	uint64_t host_rsp;
	uint64_t host_fsbase;
	uint64_t pad_fault_eip;
	uint64_t x64_entry;
	uint64_t x64_exit;
	uint64_t x64_miss;
	uint32_t segbase[6];
	uint64_t x64_rsp;
	uint8_t pad2[BLK_FX - 0xe0];
	uint8_t fx[512] __attribute__((aligned(16)));
	uint8_t host_fx[512] __attribute__((aligned(16)));
	uint8_t pad3[BLK_IBL - 0x500];
	uint32_t ibl[BLK_IBL_ENTRIES]; /* a CCF's indirect entry, or the miss stub */
};
#endif
#endif
