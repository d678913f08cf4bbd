/* backend_select.c - choosing the execution backend (see backend_select.h and
 * docs/ARCHITECTURE.md, "Host probe and backend selection").
 *
 * The compat backend runs translated code in 32-bit compatibility mode
 * with host LDT descriptors whose limits confine guest accesses; it needs
 * the probe's compat_mode, ldt and limits_enforced. FSGSBASE is not needed:
 * without it the monitor's FS base is restored with arch_prctl instead of
 * wrfsbase (src/bt_entry.S). The x64 backend
 * translates guest code to 64-bit host code and needs nothing special. */
#include "backend_select.h"

#include "de.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* TEST-ONLY override: with BTVMM_PROBE_IGNORE_LIMITS=1 in the environment
 * the compat backend is allowed (by auto, by backend=compat and in
 * -accel help) on a host whose only shortfall is that data-segment limits
 * are not enforced, i.e. QEMU TCG as the host (/work/shared/tools/compat-vm.sh).
 * Every other check (compat mode, LDT) still applies. Guest
 * accesses past a segment limit are then NOT confined, so a guest can reach
 * monitor memory above its 4 GiB window's limits: never set it outside
 * testing. Tests that rely on limit faults (segs_checks, the top 4 MiB) are
 * expected to fail under it. */
static bool ignore_limits(void)
{
	const char *e = getenv("BTVMM_PROBE_IGNORE_LIMITS");
	return e && strcmp(e, "1") == 0;
}

/* Why the host cannot run compat ("" when it can), honouring the override. */
static const char *compat_lacks(const struct host_caps *caps)
{
	if (host_caps_compat(caps))
		return "";
	if (!ignore_limits())
		return caps->why_compat;
	if (!caps->compat_mode)
		return caps->why_compat_mode;
	if (!caps->ldt)
		return caps->why_ldt;
	return ""; /* only the limit check failed, and it is ignored */
}

const char *backend_name(enum bt_backend b)
{
	switch (b) {
	case BACKEND_AUTO: return "auto";
	case BACKEND_COMPAT: return "compat";
	case BACKEND_X64: return "x64";
	}
	return "?";
}

bool backend_available(enum bt_backend b)
{
	return b == BACKEND_COMPAT || b == BACKEND_X64;
}

/* Why the host cannot run b ("" when it can); the binary aside. */
static const char *host_lacks(enum bt_backend b, const struct host_caps *caps)
{
	if (b == BACKEND_COMPAT)
		return compat_lacks(caps);
	return "";
}

int backend_select(struct vm_config *cfg, const struct host_caps *caps, char *err, size_t n)
{
	enum bt_backend b = cfg->backend;
	const char *lacks;

	if (b == BACKEND_AUTO) {
		if (!compat_lacks(caps)[0]) {
			b = BACKEND_COMPAT;
			const char *why = host_caps_compat(caps)
					      ? "compat mode, LDT and enforced limits present"
					      : "compat mode and LDT present; limits NOT enforced "
						"(BTVMM_PROBE_IGNORE_LIMITS=1, test only)";
			snprintf(cfg->backend_why, sizeof(cfg->backend_why), "auto: %s%s", why,
				 caps->fsgsbase ? "" : "; no FSGSBASE");
		} else {
			b = BACKEND_X64;
			snprintf(cfg->backend_why, sizeof(cfg->backend_why),
				 "auto: the host cannot run compat: %s", compat_lacks(caps));
		}
	} else {
		snprintf(cfg->backend_why, sizeof(cfg->backend_why), "-accel bt,backend=%s",
			 backend_name(b));
		lacks = host_lacks(b, caps);
		if (lacks[0]) {
			snprintf(err, n, "-accel bt,backend=%s: this host cannot run it: %s",
				 backend_name(b), lacks);
			return -1;
		}
	}
	if (!backend_available(b)) {
		if (cfg->backend == BACKEND_AUTO)
			snprintf(err, n, "the %s backend is not built into this binary (%s)",
				 backend_name(b), cfg->backend_why);
		else
			snprintf(err, n, "the %s backend is not built into this binary",
				 backend_name(b));
		return -1;
	}
	cfg->backend = b;
	return 0;
}

static void help_line(FILE *out, const char *name, const char *no_why)
{
	if (no_why[0])
		fprintf(out, "%s: no: %s\n", name, no_why);
	else
		fprintf(out, "%s: yes\n", name);
}

void accel_help(const struct host_caps *caps, FILE *out)
{
	static const enum bt_backend bt[] = {BACKEND_COMPAT, BACKEND_X64};
	char name[32], why[256];

	for (size_t i = 0; i < sizeof(bt) / sizeof(bt[0]); i++) {
		snprintf(name, sizeof(name), "bt,backend=%s", backend_name(bt[i]));
		help_line(out, name,
			  !backend_available(bt[i]) ? "not built into this binary"
						    : host_lacks(bt[i], caps));
	}
	/* what -accel bt (auto) would choose */
	struct vm_config cfg = {.backend = BACKEND_AUTO};
	if (backend_select(&cfg, caps, why, sizeof(why)))
		help_line(out, "bt,backend=auto", why);
	else
		fprintf(out, "bt,backend=auto: yes: %s (%s)\n", backend_name(cfg.backend),
			cfg.backend_why);
	/* direct execution of guest ring 3, on either backend */
	de_help_line(why, sizeof(why));
	fprintf(out, "%s\n", why);
	/* There is no KVM backend in btvmm yet (-accel kvm stops at once). */
	help_line(out, "kvm",
		  access("/dev/kvm", F_OK) ? "not built into this binary (and /dev/kvm is absent)"
					   : "not built into this binary");
}
