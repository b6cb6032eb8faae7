/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Value parsers with the rules of the Python wrapper (configuration.md §1.1, §2.2, §3). */

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SMD_PARSE_OK,
  SMD_PARSE_INVALID,    /* not a number of that syntax */
  SMD_PARSE_OVERFLOW,   /* a valid integer that does not fit in 64 bits */
} SmdParseResult;

/* Python int(text): surrounding whitespace, optional sign, decimal digits with single `_`
 * between digits. */
SmdParseResult smd_parse_py_int             (const char *text,
                                             gint64     *out);
/* Python float(text): whitespace, sign, digits with `_` separators, fraction, exponent,
 * `inf`/`infinity`/`nan` in any case. No hexadecimal. */
gboolean       smd_parse_py_float           (const char *text,
                                             double     *out);
/* Python strtobool(): y/yes/t/true/on/1 and n/no/f/false/off/0, any case. */
gboolean       smd_parse_strtobool          (const char *text,
                                             gboolean   *out);
/* An explicit value of a boolean command-line flag: strtobool() words, or empty = false. */
gboolean       smd_parse_flag_bool          (const char *text,
                                             gboolean   *out);

/* The three environment rules of configuration.md §2.2 (@value not NULL). */
gboolean       smd_env_bool_standard        (const char *value);
gboolean       smd_env_bool_true_only       (const char *value);
gboolean       smd_env_bool_unless_false    (const char *value);

/* Python repr() of a str and of a list of str, for messages. */
char          *smd_py_repr_str              (const char *str);
char          *smd_py_repr_strv             (const char * const *strv);

/* Does @arg look like a negative number to argparse (`-5`, `-.5`, `-1.0`)? */
gboolean       smd_looks_like_negative_number (const char *arg);

G_END_DECLS
