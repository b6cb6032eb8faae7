/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smd-parse.h"

/* Python's str.strip() without arguments removes Unicode whitespace; ASCII is what matters
 * for environment variables and JSON strings, plus the common Unicode spaces are rare enough
 * to be treated as invalid characters. */
static char *
strip_copy (const char *text)
{
  return g_strstrip (g_strdup (text));
}

/* Copies the digits of @p (digits with single `_` between digits) into @out. Returns the
 * position after them, or NULL when the separators are misplaced. Requires one digit. */
static const char *
scan_digits (const char *p,
             GString    *out)
{
  if (!g_ascii_isdigit (*p))
    return NULL;

  while (*p)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (out, *p++);
      else if (*p == '_' && g_ascii_isdigit (p[1]))
        p++;
      else
        break;
    }

  return p;
}

SmdParseResult
smd_parse_py_int (const char *text,
                  gint64     *out)
{
  g_autofree char *s = NULL;
  g_autoptr(GString) digits = g_string_new (NULL);
  const char *p;
  gboolean negative = FALSE;
  guint64 magnitude = 0;

  g_return_val_if_fail (text != NULL, SMD_PARSE_INVALID);

  s = strip_copy (text);
  p = s;
  if (*p == '+' || *p == '-')
    negative = (*p++ == '-');

  p = scan_digits (p, digits);
  if (p == NULL || *p != '\0')
    return SMD_PARSE_INVALID;

  for (gsize i = 0; i < digits->len; i++)
    {
      guint d = (guint) (digits->str[i] - '0');

      if (magnitude > (G_MAXUINT64 - d) / 10)
        return SMD_PARSE_OVERFLOW;
      magnitude = magnitude * 10 + d;
    }

  if (negative)
    {
      if (magnitude > (guint64) G_MAXINT64 + 1)
        return SMD_PARSE_OVERFLOW;
      *out = magnitude == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) magnitude;
    }
  else
    {
      if (magnitude > (guint64) G_MAXINT64)
        return SMD_PARSE_OVERFLOW;
      *out = (gint64) magnitude;
    }

  return SMD_PARSE_OK;
}

gboolean
smd_parse_py_float (const char *text,
                    double     *out)
{
  g_autofree char *s = NULL;
  g_autoptr(GString) clean = g_string_new (NULL);
  const char *p;
  const char *word;
  gboolean negative = FALSE;
  gboolean have_int = FALSE;
  gboolean have_frac = FALSE;
  char *end = NULL;
  double value;

  g_return_val_if_fail (text != NULL, FALSE);

  s = strip_copy (text);
  p = s;
  if (*p == '+' || *p == '-')
    negative = (*p++ == '-');

  word = p;
  if (g_ascii_strcasecmp (word, "inf") == 0 || g_ascii_strcasecmp (word, "infinity") == 0)
    {
      *out = negative ? -INFINITY : INFINITY;
      return TRUE;
    }
  if (g_ascii_strcasecmp (word, "nan") == 0)
    {
      *out = negative ? -NAN : NAN;
      return TRUE;
    }

  if (negative)
    g_string_append_c (clean, '-');

  if (g_ascii_isdigit (*p))
    {
      p = scan_digits (p, clean);
      if (p == NULL)
        return FALSE;
      have_int = TRUE;
    }

  if (*p == '.')
    {
      g_string_append_c (clean, *p++);
      if (g_ascii_isdigit (*p))
        {
          p = scan_digits (p, clean);
          if (p == NULL)
            return FALSE;
          have_frac = TRUE;
        }
    }

  if (!have_int && !have_frac)
    return FALSE;

  if (*p == 'e' || *p == 'E')
    {
      g_string_append_c (clean, *p++);
      if (*p == '+' || *p == '-')
        g_string_append_c (clean, *p++);
      p = scan_digits (p, clean);
      if (p == NULL)
        return FALSE;
    }

  if (*p != '\0')
    return FALSE;

  errno = 0;
  value = g_ascii_strtod (clean->str, &end);
  if (end == NULL || *end != '\0')
    return FALSE;

  /* Python gives inf for overflowing literals (float("1e400") == inf) and 0 for underflow. */
  *out = value;
  return TRUE;
}

gboolean
smd_parse_strtobool (const char *text,
                     gboolean   *out)
{
  static const char * const yes[] = { "y", "yes", "t", "true", "on", "1" };
  static const char * const no[] = { "n", "no", "f", "false", "off", "0" };

  g_return_val_if_fail (text != NULL, FALSE);

  for (gsize i = 0; i < G_N_ELEMENTS (yes); i++)
    if (g_ascii_strcasecmp (text, yes[i]) == 0)
      {
        *out = TRUE;
        return TRUE;
      }

  for (gsize i = 0; i < G_N_ELEMENTS (no); i++)
    if (g_ascii_strcasecmp (text, no[i]) == 0)
      {
        *out = FALSE;
        return TRUE;
      }

  return FALSE;
}

gboolean
smd_parse_flag_bool (const char *text,
                     gboolean   *out)
{
  g_return_val_if_fail (text != NULL, FALSE);

  if (*text == '\0')
    {
      *out = FALSE;
      return TRUE;
    }

  return smd_parse_strtobool (text, out);
}

gboolean
smd_env_bool_standard (const char *value)
{
  return g_ascii_strcasecmp (value, "1") == 0 ||
         g_ascii_strcasecmp (value, "true") == 0 ||
         g_ascii_strcasecmp (value, "t") == 0;
}

gboolean
smd_env_bool_true_only (const char *value)
{
  return g_ascii_strcasecmp (value, "true") == 0;
}

gboolean
smd_env_bool_unless_false (const char *value)
{
  return g_ascii_strcasecmp (value, "false") != 0;
}

char *
smd_py_repr_str (const char *str)
{
  GString *out = g_string_new (NULL);
  char quote = '\'';

  if (strchr (str, '\'') != NULL && strchr (str, '"') == NULL)
    quote = '"';

  g_string_append_c (out, quote);
  for (const char *p = str; *p; p++)
    {
      guchar c = (guchar) *p;

      if (c == (guchar) quote || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, quote);

  return g_string_free (out, FALSE);
}

char *
smd_py_repr_strv (const char * const *strv)
{
  GString *out = g_string_new ("[");

  for (gsize i = 0; strv != NULL && strv[i] != NULL; i++)
    {
      g_autofree char *item = smd_py_repr_str (strv[i]);

      if (i > 0)
        g_string_append (out, ", ");
      g_string_append (out, item);
    }
  g_string_append_c (out, ']');

  return g_string_free (out, FALSE);
}

gboolean
smd_looks_like_negative_number (const char *arg)
{
  const char *p = arg;

  /* argparse: '^-\d+$|^-\d*\.\d+$' */
  if (*p++ != '-')
    return FALSE;

  if (g_ascii_isdigit (*p))
    {
      while (g_ascii_isdigit (*p))
        p++;
      if (*p == '\0')
        return TRUE;
    }

  if (*p != '.')
    return FALSE;
  p++;
  if (!g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    p++;

  return *p == '\0';
}
