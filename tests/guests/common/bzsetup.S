/* bzsetup.S - the real-mode part of a bzImage for test payloads
 * (build.sh, GUEST_BZIMAGE): boot sector + one setup sector, holding only
 * the setup header of boot protocol 2.15 (Documentation/x86/boot.rst).
 * There is no real-mode code: btvmm uses the 32-bit boot protocol, which
 * skips it. The payload (the protected-mode part) follows at 1024 bytes
 * and is entered at its first byte with %esi = boot_params. */
	.section .text
	.code16
	.org 0x1f1
setup_sects:	.byte 1
root_flags:	.word 0
syssize:	.long 0
ram_size:	.word 0
vid_mode:	.word 0
root_dev:	.word 0
boot_flag:	.word 0xaa55
	.org 0x200
jump:		.byte 0xeb, hdr_end - header
header:		.ascii "HdrS"
version:	.word 0x020f
realmode_swtch:	.long 0
start_sys_seg:	.word 0x1000
kernel_version:	.word 0
type_of_loader:	.byte 0
loadflags:	.byte 0x01		/* LOADED_HIGH */
setup_move_size: .word 0
code32_start:	.long 0x100000
ramdisk_image:	.long 0
ramdisk_size:	.long 0
bootsect_kludge: .long 0
heap_end_ptr:	.word 0
ext_loader_ver:	.byte 0
ext_loader_type: .byte 0
cmd_line_ptr:	.long 0
initrd_addr_max: .long 0x37ffffff
kernel_alignment: .long 0x1000
relocatable_kernel: .byte 0
min_alignment:	.byte 0
xloadflags:	.word 0
cmdline_size:	.long 2047
hardware_subarch: .long 0
hardware_subarch_data: .quad 0
payload_offset:	.long 0
payload_length:	.long 0
setup_data:	.quad 0
pref_address:	.quad 0x100000
init_size:	.long 0x100000		/* 1 MiB from 1 MiB: the payload and its bss */
handover_offset: .long 0
hdr_end:
	.org 1024

	.section .note.GNU-stack, "", @progbits
