/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "smd-log.h"

static int current_level = SMD_LOG_LEVEL_INFO;

static const struct
{
  const char *name;
  const char *canonical;
  SmdLogLevel level;
  gboolean cli;
} level_names[] = {
  { "DEBUG", "DEBUG", SMD_LOG_LEVEL_DEBUG, TRUE },
  { "INFO", "INFO", SMD_LOG_LEVEL_INFO, TRUE },
  { "WARNING", "WARNING", SMD_LOG_LEVEL_WARNING, TRUE },
  { "ERROR", "ERROR", SMD_LOG_LEVEL_ERROR, TRUE },
  { "WARN", "WARNING", SMD_LOG_LEVEL_WARNING, FALSE },
  { "CRITICAL", "CRITICAL", SMD_LOG_LEVEL_CRITICAL, FALSE },
  { "FATAL", "CRITICAL", SMD_LOG_LEVEL_CRITICAL, FALSE },
  { "NOTSET", "DEBUG", SMD_LOG_LEVEL_DEBUG, FALSE },
};

const char *
smd_log_canonical_level (const char *name,
                         gboolean    cli_only)
{
  g_autofree char *stripped = NULL;

  if (name == NULL)
    return NULL;

  stripped = g_strstrip (g_strdup (name));
  for (gsize i = 0; i < G_N_ELEMENTS (level_names); i++)
    if ((level_names[i].cli || !cli_only) &&
        g_ascii_strcasecmp (stripped, level_names[i].name) == 0)
      return level_names[i].canonical;

  return NULL;
}

gboolean
smd_log_level_from_name (const char  *name,
                         SmdLogLevel *level)
{
  const char *canonical = smd_log_canonical_level (name, FALSE);

  if (canonical == NULL)
    return FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (level_names); i++)
    if (strcmp (canonical, level_names[i].name) == 0)
      {
        *level = level_names[i].level;
        return TRUE;
      }

  return FALSE;
}

void
smd_log_set_level (SmdLogLevel level)
{
  g_atomic_int_set (&current_level, (int) level);
}

SmdLogLevel
smd_log_get_level (void)
{
  return (SmdLogLevel) g_atomic_int_get (&current_level);
}

static SmdLogLevel
level_from_flags (GLogLevelFlags flags,
                  const char   **name)
{
  if (flags & G_LOG_LEVEL_ERROR)
    {
      *name = "CRITICAL";
      return SMD_LOG_LEVEL_CRITICAL;
    }
  if (flags & G_LOG_LEVEL_CRITICAL)
    {
      *name = "ERROR";
      return SMD_LOG_LEVEL_ERROR;
    }
  if (flags & G_LOG_LEVEL_WARNING)
    {
      *name = "WARNING";
      return SMD_LOG_LEVEL_WARNING;
    }
  if (flags & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
    {
      *name = "INFO";
      return SMD_LOG_LEVEL_INFO;
    }

  *name = "DEBUG";
  return SMD_LOG_LEVEL_DEBUG;
}

static const char *
field_string (const GLogField *field,
              gsize           *len)
{
  if (field->length < 0)
    *len = strlen (field->value);
  else
    *len = (gsize) field->length;

  return field->value;
}

static gboolean
is_own_domain (const char *domain,
               gsize       len)
{
  static const char * const own[] = { "seldon_microservice", "Seldon" };

  for (gsize i = 0; i < G_N_ELEMENTS (own); i++)
    if (domain != NULL && len == strlen (own[i]) && strncmp (domain, own[i], len) == 0)
      return TRUE;

  return FALSE;
}

static GLogWriterOutput
smd_log_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *stamp = NULL;
  GString *line;
  const char *level_name;
  const char *message = NULL, *domain = NULL, *func = NULL, *file_line = NULL;
  gsize message_len = 0, domain_len = 0, func_len = 0, line_len = 0;
  SmdLogLevel level;

  level = level_from_flags (log_level, &level_name);

  for (gsize i = 0; i < n_fields; i++)
    {
      const char *key = fields[i].key;

      if (strcmp (key, "SELDON_LEVEL") == 0)
        {
          gsize len;
          const char *value = field_string (&fields[i], &len);
          g_autofree char *name = g_strndup (value, len);

          for (gsize j = 0; j < G_N_ELEMENTS (level_names); j++)
            if (strcmp (name, level_names[j].name) == 0)
              {
                level = level_names[j].level;
                level_name = level_names[j].canonical;
                break;
              }
        }
      else if (strcmp (key, "MESSAGE") == 0)
        message = field_string (&fields[i], &message_len);
      else if (strcmp (key, "GLIB_DOMAIN") == 0)
        domain = field_string (&fields[i], &domain_len);
      else if (strcmp (key, "CODE_FUNC") == 0)
        func = field_string (&fields[i], &func_len);
      else if (strcmp (key, "CODE_LINE") == 0)
        file_line = field_string (&fields[i], &line_len);
    }

  /* Fatal messages are always written. */
  if (level < smd_log_get_level () && !(log_level & G_LOG_FLAG_FATAL))
    return G_LOG_WRITER_HANDLED;

  /* Debug messages of other libraries (GLib, libsoup…) only when G_MESSAGES_DEBUG asks. */
  if (level == SMD_LOG_LEVEL_DEBUG && !is_own_domain (domain, domain_len))
    {
      const char *wanted = g_getenv ("G_MESSAGES_DEBUG");
      g_autofree char *name = domain ? g_strndup (domain, domain_len) : NULL;

      if (wanted == NULL ||
          (strcmp (wanted, "all") != 0 && (name == NULL || strstr (wanted, name) == NULL)))
        return G_LOG_WRITER_HANDLED;
    }

  now = g_date_time_new_now_local ();
  stamp = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");

  line = g_string_sized_new (128 + message_len);
  g_string_append_printf (line, "%s,%03d - ", stamp, g_date_time_get_microsecond (now) / 1000);
  if (domain != NULL)
    g_string_append_len (line, domain, domain_len);
  else
    g_string_append (line, "root");
  g_string_append_c (line, ':');
  if (func != NULL)
    g_string_append_len (line, func, func_len);
  g_string_append_c (line, ':');
  if (file_line != NULL)
    g_string_append_len (line, file_line, line_len);
  else
    g_string_append_c (line, '0');
  g_string_append_printf (line, " - %s:  ", level_name);
  if (message != NULL)
    g_string_append_len (line, message, message_len);
  g_string_append_c (line, '\n');

  /* One write() per line so that lines of concurrent threads never interleave. */
  {
    const char *p = line->str;
    gsize left = line->len;

    while (left > 0)
      {
        gssize n = write (STDERR_FILENO, p, left);

        if (n <= 0)
          break;
        p += n;
        left -= (gsize) n;
      }
  }

  g_string_free (line, TRUE);

  return G_LOG_WRITER_HANDLED;
}

void
smd_log_init (void)
{
  g_log_set_writer_func (smd_log_writer, NULL, NULL);
}
