/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The log writer of seldon-microservice and of its worker processes: every GLib log message
 * (structured or not, from any library) becomes one line in the Seldon Python wrapper's format
 * (configuration.md §5)
 *
 *   2024-01-31 12:00:00,123 - DOMAIN:FUNCTION:LINE - LEVEL:  MESSAGE
 *
 * on stderr, written with one write() so that lines of concurrent threads never interleave.
 * GLib levels map to Python level names: DEBUG ⇒ DEBUG, INFO and MESSAGE ⇒ INFO, WARNING ⇒
 * WARNING, CRITICAL ⇒ ERROR, ERROR ⇒ CRITICAL, unless the field SELDON_LEVEL names the level
 * (DEBUG, INFO, WARNING, ERROR or CRITICAL). In a worker process the message starts with
 * `[worker N] `, N being the worker's slot (the number the front's own lines use); a message
 * that starts with `Worker N: ` (its own slot) loses those words instead of repeating them.
 * Python workers (bindings/python/seldon_worker/log.py) print the same prefix.
 *
 * The library never installs the writer in a process that did not ask for it: the program
 * calls seldon_log_install() (src/smd-log.c), which also sets SELDON_LOG_FORMAT=seldon in its
 * environment, so that the worker processes it spawns install the writer too, from
 * seldon_worker_host_new() (seldon_log_setup_worker()). GLib allows one writer per process
 * and aborts on a second, so a host process that installs its own writer (a test, or a host
 * started by another front) is left alone.
 *
 * The functions marked _SELDON_EXTERN are exported for the programs of src/, which link the
 * shared library; they are not API (not in an installed header, not in the GIR).
 */

#include <seldon/seldon.h>

G_BEGIN_DECLS

typedef enum
{
  SELDON_LOG_LEVEL_DEBUG,
  SELDON_LOG_LEVEL_INFO,
  SELDON_LOG_LEVEL_WARNING,
  SELDON_LOG_LEVEL_ERROR,
  SELDON_LOG_LEVEL_CRITICAL,
} SeldonLogLevel;

/* The environment variable that asks worker processes for the writer, and its value. */
#define SELDON_LOG_FORMAT_ENV   "SELDON_LOG_FORMAT"
#define SELDON_LOG_FORMAT_LINES "seldon"

/* Installs the writer (once per process; later calls do nothing) and sets
 * SELDON_LOG_FORMAT=seldon for the processes this one spawns. Call it before any thread
 * starts (it changes the environment). */
_SELDON_EXTERN void           seldon_log_install          (void);
_SELDON_EXTERN gboolean       seldon_log_is_installed     (void);

/* Messages below @level are dropped (fatal ones are always written). INFO by default. */
_SELDON_EXTERN void           seldon_log_set_level        (SeldonLogLevel  level);
_SELDON_EXTERN SeldonLogLevel seldon_log_get_level        (void);

/* Accepts the Python logging level names in any case (DEBUG, INFO, WARNING, WARN, ERROR,
 * CRITICAL, FATAL, NOTSET) and returns the canonical name, or NULL. With @cli_only, only the
 * four choices of --log-level are accepted. */
_SELDON_EXTERN const char    *seldon_log_canonical_level  (const char     *name,
                                                           gboolean        cli_only);
_SELDON_EXTERN gboolean       seldon_log_level_from_name  (const char     *name,
                                                           SeldonLogLevel *level);

/* The worker slot printed as `[worker N] ` before each message; -1 for none (the default). */
_SELDON_EXTERN void           seldon_log_set_worker_slot  (int             slot);

/* Formats one line (with its final newline) as the writer does, at the time @now_us (real
 * time, microseconds); returns NULL when the writer would drop the message. For tests. */
_SELDON_EXTERN GString       *seldon_log_format_line      (GLogLevelFlags   log_level,
                                                           const GLogField *fields,
                                                           gsize            n_fields,
                                                           gint64           now_us);

/* From seldon_worker_host_new(): the worker's slot and the log level of @config; installs the
 * writer when the front asked for it (SELDON_LOG_FORMAT=seldon). */
void                          seldon_log_setup_worker     (SeldonConfig   *config,
                                                           unsigned        slot);

G_END_DECLS
