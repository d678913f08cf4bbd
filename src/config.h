/* config.h - options parsed once from the command line (see cli.c). */
#ifndef BTVMM_CONFIG_H
#define BTVMM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

enum accel_kind { ACCEL_BT, ACCEL_KVM };
/* -accel bt,backend=...: how translated code runs (src/backend.h) */
enum bt_backend { BACKEND_AUTO, BACKEND_COMPAT, BACKEND_X64 };
/* -accel bt,de=: direct execution of guest ring 3 (auto: where the host allows) */
enum de_mode { DE_AUTO, DE_ON, DE_OFF };

/* -vga: the graphics card */
enum vga_kind { VGA_STD, VGA_NONE };
/* -display: where the VGA's screen is shown */
enum display_kind { DISPLAY_NONE, DISPLAY_CURSES };

/* -d categories (comma-separated, like QEMU's -d) */
#define DBG_TRANSLATIONS (1u << 0) /* -d translations: guest block beside its CCF */
#define DBG_EXITS (1u << 1)	   /* -d exits: every exit to the monitor */

#define RAM_MB_MIN 2
#define RAM_MB_MAX 3072
#define RAM_MB_DEFAULT 128

struct vm_config {
	const char *kernel;	   /* -kernel FILE (required) */
	const char *initrd;	   /* -initrd FILE */
	const char *append;	   /* -append STRING (kernel command line) */
	uint32_t ram_mb;	   /* -m MiB */
	bool serial_stdio;	   /* -serial stdio (default on; -serial none turns off) */
	const char *serial_file;   /* -serial file:PATH: COM1 output to PATH (no input) */
	bool serial_given;	   /* -serial appeared (else the default depends on -display) */
	bool nographic;		   /* -nographic: no display (the VGA is still there) */
	enum vga_kind vga;	   /* -vga std (default) | none */
	bool vga_given;		   /* -vga appeared (else -nodefaults means none) */
	bool nodefaults;	   /* -nodefaults */
	enum display_kind display; /* -display none (default) | curses */
	const char *vga_dump;	   /* -vga-dump FILE: the screen as text at exit ("-": stderr) */
	enum accel_kind accel;	   /* -accel bt|kvm */
	enum bt_backend backend;   /* -accel bt,backend=: resolved before vm_init (never AUTO) */
	enum de_mode de;	   /* -accel bt,de=on|off|auto */
	bool de_on;		   /* ...resolved by de_select() before vm_init */
	bool de_tcg_host;	   /* the host is QEMU TCG (de.c: map_stack) */
	unsigned de_pool;	   /* -accel bt,de-pool=N: sandboxes kept (0: default) */
	char de_why[200];	   /* why direct execution is on or off (-stats) */
	bool stats;		   /* -stats: print counters at exit */
	unsigned debug;		   /* -d mask, DBG_* */
	const char *debug_log;	   /* -D FILE: where -d output goes (default stderr) */
	uint32_t tc_size_kb;	   /* -tc-size KiB: translation cache arena size */
	bool no_chain;		   /* -no-chain: never link CCFs directly (for study) */
	bool no_adapt;		   /* -no-adapt: no adaptive retranslation (for study) */
	bool no_prefill;	   /* -no-prefill: no shadow prefill at CR3 loads (for study) */
	bool no_hpet;		   /* -no-hpet: no HPET at 0xfed00000 (QEMU's spelling) */
	uint32_t shadow_limit;	   /* -shadow-limit: cap on shadow page mappings (0: the host's) */
	/* -drive file=IMG,format=raw[,index=N] / -hda..-hdd IMG, by QEMU's IDE
	 * index: 0 primary master, 1 primary slave, 2 secondary master, 3 slave */
	const char *drive[4];
	bool drive_readonly[4]; /* -drive ...,readonly=on */
	/* why backend_select() (src/backend_select.c: auto, compat where the host
	 * allows it, else x64) chose backend; the first line of -stats */
	char backend_why[200];
	/* -stats-json FILE: the counters as JSON lines; -stats-interval MS: a
	 * line every MS of host time besides the first and the last */
	const char *stats_json;
	uint32_t stats_interval_ms;
};

#endif
