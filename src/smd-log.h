/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The program's logging: the library's log writer (seldon/seldon-log-private.h), which turns
 * every GLib log message (structured or not, from any library) into one line in the Python
 * wrapper's format
 *   2024-01-31 12:00:00,123 - DOMAIN:FUNCTION:LINE - LEVEL:  MESSAGE
 * on stderr. GLib levels map to Python level names: DEBUG ⇒ DEBUG, INFO and MESSAGE ⇒ INFO,
 * WARNING ⇒ WARNING, CRITICAL ⇒ ERROR, ERROR ⇒ CRITICAL, unless the field SELDON_LEVEL names
 * the level. Use SMD_LOG_ERROR for an ERROR line. smd_log_init() also asks the worker
 * processes spawned by this one for the same writer; their lines carry `[worker N] `. */

#include <glib.h>

G_BEGIN_DECLS

/* The same values as SeldonLogLevel. */
typedef enum
{
  SMD_LOG_LEVEL_DEBUG,
  SMD_LOG_LEVEL_INFO,
  SMD_LOG_LEVEL_WARNING,
  SMD_LOG_LEVEL_ERROR,
  SMD_LOG_LEVEL_CRITICAL,
} SmdLogLevel;

void         smd_log_init            (void);
void         smd_log_set_level       (SmdLogLevel  level);
SmdLogLevel  smd_log_get_level       (void);
/* Accepts the Python logging level names in any case (DEBUG, INFO, WARNING, WARN, ERROR,
 * CRITICAL, FATAL, NOTSET) and returns the canonical name, or NULL. With @cli_only, only the
 * four choices of --log-level are accepted. */
const char  *smd_log_canonical_level (const char  *name,
                                      gboolean     cli_only);
gboolean     smd_log_level_from_name (const char  *name,
                                      SmdLogLevel *level);

/* An ERROR line. It is logged at GLib's MESSAGE level with the field SELDON_LEVEL=ERROR, so that
 * G_DEBUG=fatal-criticals does not abort on it (GLib's CRITICAL means "programmer error").
 * Any code may set SELDON_LEVEL (DEBUG, INFO, WARNING, ERROR, CRITICAL) to choose the level
 * name this writer prints and filters on. */
#define SMD_LOG_ERROR(...) \
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, \
                    "SELDON_LEVEL", "ERROR", \
                    "CODE_FILE", __FILE__, \
                    "CODE_LINE", G_STRINGIFY (__LINE__), \
                    "CODE_FUNC", G_STRFUNC, \
                    "MESSAGE", __VA_ARGS__)

G_END_DECLS
