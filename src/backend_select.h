/* backend_select.h - which execution backend runs the guest (-accel bt,backend=),
 * chosen from what the host probe found (host_probe.h). */
#ifndef BTVMM_BACKEND_SELECT_H
#define BTVMM_BACKEND_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "host_probe.h"

/* "auto", "compat", "x64" */
const char *backend_name(enum bt_backend b);

/* Whether this binary has the backend's code at all. The one place that
 * says which backends are built in. */
bool backend_available(enum bt_backend b);

/* Resolves cfg->backend (AUTO: compat when the host has compat mode, an
 * LDT and enforced segment limits, else x64; FSGSBASE is optional) and sets
 * cfg->backend_why. Returns 0, or -1 with one line in err when the backend
 * asked for (or chosen) cannot run: the host lacks what it needs, or it is
 * not built into this binary. */
int backend_select(struct vm_config *cfg, const struct host_caps *caps, char *err, size_t n);

/* -accel help: one line per accelerator/backend, "NAME: yes" or
 * "NAME: no: REASON", for this host and this binary. */
void accel_help(const struct host_caps *caps, FILE *out);

#endif
