/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Fills a SeldonConfig from, in increasing precedence: the built-in defaults, GSettings
 * (schema io.seldon.Microservice; the key-file backend with --config FILE or
 * /etc/seldon/microservice.conf), the pod annotations file, the environment, and the command
 * line (configuration.md §1-§2, §8; decisions.md D6). */

#include <seldon/seldon.h>

G_BEGIN_DECLS

/* Errors of this domain carry the process exit status as their code. */
#define SMD_EXIT_ERROR (smd_exit_error_quark ())
GQuark smd_exit_error_quark (void);

typedef enum
{
  SMD_EXIT_FAILURE = 1,        /* a clear one-line reason, logged at ERROR */
  SMD_EXIT_USAGE = 2,          /* argparse-style usage error, printed with the usage line */
  SMD_EXIT_BOOT_FAILED = 3,    /* the component's load() failed */
  SMD_EXIT_UNKNOWN_ARGS = 255, /* leftover arguments */
} SmdExitStatus;

#define SMD_SCHEMA_ID "io.seldon.Microservice"
#define SMD_DEFAULT_CONFIG_FILE "/etc/seldon/microservice.conf"
#define SMD_DEFAULT_ANNOTATIONS_FILE "/etc/podinfo/annotations"

/* Parses @argv (which is not modified) and the environment into @config. On error, the code
 * of the SMD_EXIT_ERROR error is the exit status. `--help` prints the help and exits 0. */
gboolean    smd_options_configure   (SeldonConfig  *config,
                                     int            argc,
                                     char         **argv,
                                     GError       **error);
/* The usage line printed before a usage error. */
const char *smd_options_get_usage   (void);

/* Parses the pod annotations file format (configuration.md §8) into a key → value table. */
GHashTable *smd_annotations_parse   (const char    *contents);

G_END_DECLS
