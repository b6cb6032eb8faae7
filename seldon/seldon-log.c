/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seldon-log-private.h"

static int current_level = SELDON_LOG_LEVEL_INFO;
static int worker_slot = -1;
static gsize writer_installed = 0;

static const struct
{
  const char    *name;
  const char    *canonical;
  SeldonLogLevel level;
  gboolean       cli;
} level_names[] = {
  { "DEBUG", "DEBUG", SELDON_LOG_LEVEL_DEBUG, TRUE },
  { "INFO", "INFO", SELDON_LOG_LEVEL_INFO, TRUE },
  { "WARNING", "WARNING", SELDON_LOG_LEVEL_WARNING, TRUE },
  { "ERROR", "ERROR", SELDON_LOG_LEVEL_ERROR, TRUE },
  { "WARN", "WARNING", SELDON_LOG_LEVEL_WARNING, FALSE },
  { "CRITICAL", "CRITICAL", SELDON_LOG_LEVEL_CRITICAL, FALSE },
  { "FATAL", "CRITICAL", SELDON_LOG_LEVEL_CRITICAL, FALSE },
  { "NOTSET", "DEBUG", SELDON_LOG_LEVEL_DEBUG, FALSE },
};

const char *
seldon_log_canonical_level (const char *name,
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
seldon_log_level_from_name (const char     *name,
                            SeldonLogLevel *level)
{
  const char *canonical = seldon_log_canonical_level (name, FALSE);

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
seldon_log_set_level (SeldonLogLevel level)
{
  g_atomic_int_set (&current_level, (int) level);
}

SeldonLogLevel
seldon_log_get_level (void)
{
  return (SeldonLogLevel) g_atomic_int_get (&current_level);
}

void
seldon_log_set_worker_slot (int slot)
{
  g_atomic_int_set (&worker_slot, slot < 0 ? -1 : slot);
}

static SeldonLogLevel
level_from_flags (GLogLevelFlags flags,
                  const char   **name)
{
  if (flags & G_LOG_LEVEL_ERROR)
    {
      *name = "CRITICAL";
      return SELDON_LOG_LEVEL_CRITICAL;
    }
  if (flags & G_LOG_LEVEL_CRITICAL)
    {
      *name = "ERROR";
      return SELDON_LOG_LEVEL_ERROR;
    }
  if (flags & G_LOG_LEVEL_WARNING)
    {
      *name = "WARNING";
      return SELDON_LOG_LEVEL_WARNING;
    }
  if (flags & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
    {
      *name = "INFO";
      return SELDON_LOG_LEVEL_INFO;
    }

  *name = "DEBUG";
  return SELDON_LOG_LEVEL_DEBUG;
}

static const char *
field_string (const GLogField *field,
              gsize           *len)
{
  if (field->value == NULL)
    {
      *len = 0;
      return NULL;
    }
  if (field->length < 0)
    *len = strlen (field->value);
  else
    *len = (gsize) field->length;

  return field->value;
}

/* Debug messages of these domains follow the log level; those of other libraries (GLib,
 * libsoup…) also need G_MESSAGES_DEBUG. Gjs-Console is a JavaScript component's console. */
static gboolean
is_own_domain (const char *domain,
               gsize       len)
{
  static const char * const own[] = { "seldon_microservice", "Seldon", "Gjs-Console" };

  for (gsize i = 0; i < G_N_ELEMENTS (own); i++)
    if (domain != NULL && len == strlen (own[i]) && strncmp (domain, own[i], len) == 0)
      return TRUE;

  return FALSE;
}

GString *
seldon_log_format_line (GLogLevelFlags   log_level,
                        const GLogField *fields,
                        gsize            n_fields,
                        gint64           now_us)
{
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *stamp = NULL;
  GString *line;
  const char *level_name;
  const char *message = NULL, *domain = NULL, *func = NULL, *file_line = NULL;
  gsize message_len = 0, domain_len = 0, func_len = 0, line_len = 0;
  SeldonLogLevel level;
  int slot;

  level = level_from_flags (log_level, &level_name);

  for (gsize i = 0; i < n_fields; i++)
    {
      const char *key = fields[i].key;

      if (strcmp (key, "SELDON_LEVEL") == 0)
        {
          gsize len;
          const char *value = field_string (&fields[i], &len);

          for (gsize j = 0; value != NULL && j < G_N_ELEMENTS (level_names); j++)
            if (len == strlen (level_names[j].name) && strncmp (value, level_names[j].name, len) == 0)
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
  if (level < seldon_log_get_level () && !(log_level & G_LOG_FLAG_FATAL))
    return NULL;

  if (level == SELDON_LOG_LEVEL_DEBUG && !is_own_domain (domain, domain_len))
    {
      const char *wanted = g_getenv ("G_MESSAGES_DEBUG");
      g_autofree char *name = domain ? g_strndup (domain, domain_len) : NULL;

      if (wanted == NULL ||
          (strcmp (wanted, "all") != 0 && (name == NULL || strstr (wanted, name) == NULL)))
        return NULL;
    }

  /* g_date_time_new_from_unix_local_usec() needs GLib 2.80. */
  now = g_date_time_new_from_unix_local (now_us / G_USEC_PER_SEC);
  stamp = now != NULL ? g_date_time_format (now, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");

  line = g_string_sized_new (128 + message_len);
  g_string_append_printf (line, "%s,%03d - ", stamp, (int) (now_us % G_USEC_PER_SEC) / 1000);
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
  slot = g_atomic_int_get (&worker_slot);
  if (slot >= 0)
    {
      g_string_append_printf (line, "[worker %d] ", slot);
      if (message != NULL)
        {
          /* A message that names its own worker ("Worker 3: …", as the worker host's
           * messages do) is not prefixed twice: "[worker 3] …". */
          char own[32];
          gsize own_len = (gsize) g_snprintf (own, sizeof own, "Worker %d: ", slot);

          if (message_len >= own_len && strncmp (message, own, own_len) == 0)
            {
              message += own_len;
              message_len -= own_len;
            }
        }
    }
  if (message != NULL)
    g_string_append_len (line, message, message_len);
  g_string_append_c (line, '\n');

  return line;
}

/*
 * The systemd journal: when stderr is the journal's stream (JOURNAL_STREAM names it, as
 * systemd sets it for a service), each message goes to journald with its structured fields
 * (CODE_FILE, CODE_LINE, CODE_FUNC, GLIB_DOMAIN and those of the caller), plus SELDON_WORKER
 * (the worker slot, in a worker process) and SELDON_LEVEL (the Python level name); the
 * journal priority follows that level. If journald cannot be reached the line goes to stderr.
 */
static int journal_wanted = -1;   /* -1: not checked yet */

static gboolean
use_journal (void)
{
  int wanted = g_atomic_int_get (&journal_wanted);

  if (wanted < 0)
    {
      /* systemd's rule (sd_journal_stream_fd(3)): JOURNAL_STREAM is "DEVICE:INODE" of the
       * stream it connected to stderr; a stderr redirected elsewhere no longer matches. */
      const char *stream = g_getenv ("JOURNAL_STREAM");
      guint64 dev = 0, ino = 0;
      struct stat st;

      wanted = stream != NULL &&
               sscanf (stream, "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, &dev, &ino) == 2 &&
               fstat (STDERR_FILENO, &st) == 0 &&
               (guint64) st.st_dev == dev && (guint64) st.st_ino == ino;
      g_atomic_int_set (&journal_wanted, wanted);
    }
  return wanted == 1;
}

static GLogWriterOutput
write_journal (GLogLevelFlags   log_level,
               const GLogField *fields,
               gsize            n_fields)
{
  g_autofree GLogField *all = g_new (GLogField, n_fields + 2);
  GLogLevelFlags priority_level;
  const char *level_name;
  char slot_text[16];
  gsize n = 0;
  int slot = g_atomic_int_get (&worker_slot);
  SeldonLogLevel level = level_from_flags (log_level, &level_name);

  for (gsize i = 0; i < n_fields; i++)
    {
      if (strcmp (fields[i].key, "SELDON_LEVEL") == 0)
        {
          gsize len;
          const char *value = field_string (&fields[i], &len);

          for (gsize j = 0; value != NULL && j < G_N_ELEMENTS (level_names); j++)
            if (len == strlen (level_names[j].name) && strncmp (value, level_names[j].name, len) == 0)
              {
                level = level_names[j].level;
                level_name = level_names[j].canonical;
                break;
              }
          continue;
        }
      all[n++] = fields[i];
    }
  all[n++] = (GLogField) { "SELDON_LEVEL", level_name, -1 };
  if (slot >= 0)
    {
      g_snprintf (slot_text, sizeof slot_text, "%d", slot);
      all[n++] = (GLogField) { "SELDON_WORKER", slot_text, -1 };
    }

  switch (level)
    {
    case SELDON_LOG_LEVEL_CRITICAL:
    case SELDON_LOG_LEVEL_ERROR:
      priority_level = G_LOG_LEVEL_ERROR;     /* 3 */
      break;
    case SELDON_LOG_LEVEL_WARNING:
      priority_level = G_LOG_LEVEL_WARNING;   /* 4 */
      break;
    case SELDON_LOG_LEVEL_INFO:
      priority_level = G_LOG_LEVEL_INFO;      /* 6 */
      break;
    case SELDON_LOG_LEVEL_DEBUG:
    default:
      priority_level = G_LOG_LEVEL_DEBUG;     /* 7 */
      break;
    }

  return g_log_writer_journald (priority_level, all, n, NULL);
}

static GLogWriterOutput
seldon_log_writer (GLogLevelFlags   log_level,
                   const GLogField *fields,
                   gsize            n_fields,
                   gpointer         user_data)
{
  GString *line = seldon_log_format_line (log_level, fields, n_fields, g_get_real_time ());
  const char *p;
  gsize left;

  if (line == NULL)
    return G_LOG_WRITER_HANDLED;

  if (use_journal () && write_journal (log_level, fields, n_fields) == G_LOG_WRITER_HANDLED)
    {
      g_string_free (line, TRUE);
      return G_LOG_WRITER_HANDLED;
    }

  /* One write() per line so that lines of concurrent threads never interleave. */
  p = line->str;
  left = line->len;
  while (left > 0)
    {
      gssize n = write (STDERR_FILENO, p, left);

      if (n <= 0)
        break;
      p += n;
      left -= (gsize) n;
    }

  g_string_free (line, TRUE);

  return G_LOG_WRITER_HANDLED;
}

static void
install_writer (void)
{
  if (g_once_init_enter (&writer_installed))
    {
      g_log_set_writer_func (seldon_log_writer, NULL, NULL);
      g_once_init_leave (&writer_installed, 1);
    }
}

void
seldon_log_install (void)
{
  /* The worker processes spawned from here inherit it. */
  g_setenv (SELDON_LOG_FORMAT_ENV, SELDON_LOG_FORMAT_LINES, TRUE);
  install_writer ();
}

gboolean
seldon_log_is_installed (void)
{
  return (gsize) g_atomic_pointer_get (&writer_installed) != 0;
}

void
seldon_log_setup_worker (SeldonConfig *config,
                         unsigned      slot)
{
  g_autofree char *level_name = NULL;
  SeldonLogLevel level;

  g_return_if_fail (SELDON_IS_CONFIG (config));

  seldon_log_set_worker_slot ((int) MIN (slot, (unsigned) G_MAXINT));
  g_object_get (config, "log-level", &level_name, NULL);
  if (seldon_log_level_from_name (level_name, &level))
    seldon_log_set_level (level);

  if (g_strcmp0 (g_getenv (SELDON_LOG_FORMAT_ENV), SELDON_LOG_FORMAT_LINES) == 0)
    install_writer ();
}
