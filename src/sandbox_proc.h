/* sandbox_proc.h - inside the sandbox module (sandbox.c, sandbox_proc.c,
 * sandbox_stub.S): the command page the stub reads, the stub's labels, and
 * the start of a sandbox process. Not for other modules: see sandbox.h. */
#ifndef BTVMM_SANDBOX_PROC_H
#define BTVMM_SANDBOX_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SB_RAM_FD 3		/* guest RAM's descriptor in the process (its only one) */
#define SB_CMD_SIZE (16 * 1024) /* the command page(s): header and ops */
/* After them, in the same shared mapping: the stack on which the process
 * takes SIGSEGV when the monitor wants a fault's error code (the kernel's
 * signal frame holds it; sandbox_fault_code). Writable for the process,
 * above 4 GiB like the rest, so guest code cannot reach it. */
#define SB_SIGSTK_SIZE (64 * 1024)
#define SB_SHARED_SIZE (SB_CMD_SIZE + SB_SIGSTK_SIZE)
#define SB_CMD_HDR 64 /* offset of ops[] (CMD_OPS in sandbox_stub.S) */

/* One system call for the stub to make (OP_SIZE in sandbox_stub.S). data
 * holds a struct user_desc for modify_ldt, whose a[1] points at it. */
struct sb_op {
	uint64_t nr;
	uint64_t a[6];
	uint8_t data[16];
};

struct sb_cmd {
	uint32_t count; /* ops to run this round */
	uint8_t pad[SB_CMD_HDR - 4];
	struct sb_op ops[];
};

#define SB_CMD_MAX_OPS ((SB_CMD_SIZE - SB_CMD_HDR) / sizeof(struct sb_op))

_Static_assert(sizeof(struct sb_op) == 72, "OP_SIZE in sandbox_stub.S");
_Static_assert(offsetof(struct sb_cmd, ops) == SB_CMD_HDR, "CMD_OPS in sandbox_stub.S");

/* The stub page and its entry points (sandbox_stub.S). */
extern const uint8_t sb_stub_page[], sb_stub_page_end[];
extern const uint8_t sb_stub_start[], sb_stub_started[], sb_stub_loop[], sb_stub_done[];
/* the SIGSEGV handler (int3; sb_stub_sig_done after it) and its restorer */
extern const uint8_t sb_stub_sig[], sb_stub_sig_done[];

/* Starts a sandbox process: fork, the child's set-up, the stub's clean-up,
 * up to its first stop. cmd is the shared mapping (SB_SHARED_SIZE,
 * MAP_SHARED, the same address in the child: commands, then the signal
 * stack), cpu the CPU to pin the child to (-1: none).
 * Returns the pid, or -1 with err set. */
pid_t sbp_start(int memfd, struct sb_cmd *cmd, int cpu, char *err, size_t n);
/* Can the process make its cpuid instructions trap (CPUID faulting)? */
bool sbp_cpuid_faulting(void);

/* Waits for the traced child pid, retrying after EINTR: 0 with *status,
 * or -1 (errno) if waitpid fails otherwise. */
int sbp_wait(pid_t pid, int *status);

/* "killed by signal 9 (Killed)" and the like, for SB_STOP_DIED. */
void sbp_describe_end(int status, char *why, size_t n);

#endif
