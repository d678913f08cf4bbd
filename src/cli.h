/* cli.h - QEMU-style command line parsing into struct vm_config. */
#ifndef BTVMM_CLI_H
#define BTVMM_CLI_H

#include <stddef.h>
#include "config.h"

#define CLI_ACCEL_HELP 2 /* cli_parse: -accel help was asked for */

/* Returns 0 to run, 1 when -h/-help/-version was handled (exit 0),
 * CLI_ACCEL_HELP for -accel help (main prints it: it needs the host
 * probe), -1 on a bad command line with a one-line reason in err. */
int cli_parse(int argc, char **argv, struct vm_config *cfg, char *err, size_t errlen);
void cli_usage(void); /* prints usage to stdout */
#endif
