/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the log writer of the program and its workers (seldon-log-private.h): the
 * line format of configuration.md §5, level names and filtering, the worker slot. */

#include "config.h"

#include <time.h>

#include "seldon-log-private.h"

/* 2024-01-31 12:00:00.123456 UTC */
#define NOON_US G_GINT64_CONSTANT (1706702400123456)

static char *
format (GLogLevelFlags   level,
        const GLogField *fields,
        gsize            n_fields)
{
  GString *line = seldon_log_format_line (level, fields, n_fields, NOON_US);

  return line != NULL ? g_string_free (line, FALSE) : NULL;
}

static void
test_line (void)
{
  const GLogField fields[] = {
    { "GLIB_DOMAIN", "Seldon", -1 },
    { "CODE_FILE", "seldon-engine.c", -1 },
    { "CODE_LINE", "12", -1 },
    { "CODE_FUNC", "error_reply", -1 },
    { "MESSAGE", "something went wrong", -1 },
  };
  const GLogField bare[] = {
    { "MESSAGE", "no domain", -1 },
  };
  /* Lengths given: the values need not end in NUL. */
  const GLogField sized[] = {
    { "GLIB_DOMAIN", "seldon_microservicexxx", 19 },
    { "CODE_FUNC", "mainxxx", 4 },
    { "CODE_LINE", "3270", 3 },
    { "MESSAGE", "Starting microservice.py:mainxxx", 29 },
  };
  g_autofree char *line = NULL;

  line = format (G_LOG_LEVEL_WARNING, fields, G_N_ELEMENTS (fields));
  g_assert_cmpstr (line, ==,
                   "2024-01-31 12:00:00,123 - Seldon:error_reply:12 - WARNING:  something went wrong\n");
  g_clear_pointer (&line, g_free);

  line = format (G_LOG_LEVEL_MESSAGE, bare, G_N_ELEMENTS (bare));
  g_assert_cmpstr (line, ==, "2024-01-31 12:00:00,123 - root::0 - INFO:  no domain\n");
  g_clear_pointer (&line, g_free);

  line = format (G_LOG_LEVEL_INFO, sized, G_N_ELEMENTS (sized));
  g_assert_cmpstr (line, ==,
                   "2024-01-31 12:00:00,123 - seldon_microservice:main:327 - INFO:  "
                   "Starting microservice.py:main\n");
}

static void
test_levels (void)
{
  static const struct
  {
    GLogLevelFlags flags;
    const char    *seldon_level;
    const char    *expected;
  } cases[] = {
    { G_LOG_LEVEL_DEBUG, NULL, "DEBUG" },
    { G_LOG_LEVEL_INFO, NULL, "INFO" },
    { G_LOG_LEVEL_MESSAGE, NULL, "INFO" },
    { G_LOG_LEVEL_WARNING, NULL, "WARNING" },
    { G_LOG_LEVEL_CRITICAL, NULL, "ERROR" },
    { G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL, NULL, "CRITICAL" },
    { G_LOG_LEVEL_MESSAGE, "ERROR", "ERROR" },
    { G_LOG_LEVEL_MESSAGE, "CRITICAL", "CRITICAL" },
    { G_LOG_LEVEL_WARNING, "DEBUG", "DEBUG" },
    { G_LOG_LEVEL_WARNING, "NOSUCH", "WARNING" },
  };

  seldon_log_set_level (SELDON_LOG_LEVEL_DEBUG);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GLogField fields[] = {
        { "GLIB_DOMAIN", "Seldon", -1 },
        { "MESSAGE", "m", -1 },
        { "SELDON_LEVEL", cases[i].seldon_level, -1 },
      };
      g_autofree char *expected = g_strdup_printf ("2024-01-31 12:00:00,123 - Seldon::0 - %s:  m\n",
                                                   cases[i].expected);
      g_autofree char *line = format (cases[i].flags, fields,
                                      cases[i].seldon_level != NULL ? 3 : 2);

      g_assert_cmpstr (line, ==, expected);
    }
  seldon_log_set_level (SELDON_LOG_LEVEL_INFO);
}

static void
test_filter (void)
{
  const GLogField own[] = {
    { "GLIB_DOMAIN", "Seldon", -1 },
    { "MESSAGE", "m", -1 },
  };
  const GLogField other[] = {
    { "GLIB_DOMAIN", "GLib-GIO", -1 },
    { "MESSAGE", "m", -1 },
  };
  const GLogField error_line[] = {
    { "GLIB_DOMAIN", "Seldon", -1 },
    { "SELDON_LEVEL", "ERROR", -1 },
    { "MESSAGE", "m", -1 },
  };
  g_autofree char *line = NULL;

  g_unsetenv ("G_MESSAGES_DEBUG");

  /* INFO by default: DEBUG dropped. */
  g_assert_cmpint (seldon_log_get_level (), ==, SELDON_LOG_LEVEL_INFO);
  g_assert_null (format (G_LOG_LEVEL_DEBUG, own, G_N_ELEMENTS (own)));

  seldon_log_set_level (SELDON_LOG_LEVEL_WARNING);
  g_assert_null (format (G_LOG_LEVEL_INFO, own, G_N_ELEMENTS (own)));
  g_assert_null (format (G_LOG_LEVEL_MESSAGE, own, G_N_ELEMENTS (own)));
  line = format (G_LOG_LEVEL_WARNING, own, G_N_ELEMENTS (own));
  g_assert_nonnull (line);
  g_clear_pointer (&line, g_free);
  /* SELDON_LEVEL decides, not GLib's level. */
  seldon_log_set_level (SELDON_LOG_LEVEL_ERROR);
  g_assert_null (format (G_LOG_LEVEL_WARNING, own, G_N_ELEMENTS (own)));
  line = format (G_LOG_LEVEL_MESSAGE, error_line, G_N_ELEMENTS (error_line));
  g_assert_nonnull (line);
  g_clear_pointer (&line, g_free);
  /* Fatal messages are always written. */
  seldon_log_set_level (SELDON_LOG_LEVEL_CRITICAL);
  line = format (G_LOG_LEVEL_WARNING | G_LOG_FLAG_FATAL, own, G_N_ELEMENTS (own));
  g_assert_nonnull (line);
  g_clear_pointer (&line, g_free);

  /* DEBUG: our domains follow the level, the others also need G_MESSAGES_DEBUG. */
  seldon_log_set_level (SELDON_LOG_LEVEL_DEBUG);
  line = format (G_LOG_LEVEL_DEBUG, own, G_N_ELEMENTS (own));
  g_assert_nonnull (line);
  g_clear_pointer (&line, g_free);
  g_assert_null (format (G_LOG_LEVEL_DEBUG, other, G_N_ELEMENTS (other)));
  g_setenv ("G_MESSAGES_DEBUG", "GLib-GIO", TRUE);
  line = format (G_LOG_LEVEL_DEBUG, other, G_N_ELEMENTS (other));
  g_assert_cmpstr (line, ==, "2024-01-31 12:00:00,123 - GLib-GIO::0 - DEBUG:  m\n");
  g_clear_pointer (&line, g_free);
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  line = format (G_LOG_LEVEL_DEBUG, other, G_N_ELEMENTS (other));
  g_assert_nonnull (line);
  g_clear_pointer (&line, g_free);
  g_unsetenv ("G_MESSAGES_DEBUG");

  seldon_log_set_level (SELDON_LOG_LEVEL_INFO);
}

static void
test_worker_slot (void)
{
  const GLogField fields[] = {
    { "GLIB_DOMAIN", "Gjs-Console", -1 },
    { "MESSAGE", "loaded", -1 },
  };
  g_autoptr(SeldonConfig) config = g_object_new (SELDON_TYPE_CONFIG, "log-level", "debug", NULL);
  g_autofree char *line = NULL;

  seldon_log_set_worker_slot (3);
  line = format (G_LOG_LEVEL_MESSAGE, fields, G_N_ELEMENTS (fields));
  g_assert_cmpstr (line, ==, "2024-01-31 12:00:00,123 - Gjs-Console::0 - INFO:  [worker 3] loaded\n");
  g_clear_pointer (&line, g_free);

  /* What SeldonWorkerHost does: the slot and the level of the front's configuration. The
   * writer is only installed when the front asks for it (not here). */
  g_unsetenv (SELDON_LOG_FORMAT_ENV);
  seldon_log_setup_worker (config, 0);
  g_assert_false (seldon_log_is_installed ());
  g_assert_cmpint (seldon_log_get_level (), ==, SELDON_LOG_LEVEL_DEBUG);
  line = format (G_LOG_LEVEL_DEBUG, fields, G_N_ELEMENTS (fields));
  g_assert_cmpstr (line, ==, "2024-01-31 12:00:00,123 - Gjs-Console::0 - DEBUG:  [worker 0] loaded\n");
  g_clear_pointer (&line, g_free);

  /* "Worker N: " of its own slot is not repeated after the prefix; another slot's is kept. */
  {
    const GLogField own[] = {
      { "GLIB_DOMAIN", "Seldon", -1 },
      { "MESSAGE", "Worker 0: channel closed", -1 },
    };
    const GLogField other[] = {
      { "GLIB_DOMAIN", "Seldon", -1 },
      { "MESSAGE", "Worker 1: channel closed", -1 },
    };

    line = format (G_LOG_LEVEL_WARNING, own, G_N_ELEMENTS (own));
    g_assert_cmpstr (line, ==, "2024-01-31 12:00:00,123 - Seldon::0 - WARNING:  [worker 0] channel closed\n");
    g_clear_pointer (&line, g_free);
    line = format (G_LOG_LEVEL_WARNING, other, G_N_ELEMENTS (other));
    g_assert_cmpstr (line, ==,
                     "2024-01-31 12:00:00,123 - Seldon::0 - WARNING:  [worker 0] Worker 1: channel closed\n");
    g_clear_pointer (&line, g_free);
  }

  seldon_log_set_worker_slot (-1);
  seldon_log_set_level (SELDON_LOG_LEVEL_INFO);
  line = format (G_LOG_LEVEL_MESSAGE, fields, G_N_ELEMENTS (fields));
  g_assert_cmpstr (line, ==, "2024-01-31 12:00:00,123 - Gjs-Console::0 - INFO:  loaded\n");
}

static void
test_level_names (void)
{
  SeldonLogLevel level = SELDON_LOG_LEVEL_INFO;

  g_assert_cmpstr (seldon_log_canonical_level ("DEBUG", TRUE), ==, "DEBUG");
  g_assert_cmpstr (seldon_log_canonical_level (" warning ", TRUE), ==, "WARNING");
  g_assert_null (seldon_log_canonical_level ("WARN", TRUE));
  g_assert_cmpstr (seldon_log_canonical_level ("warn", FALSE), ==, "WARNING");
  g_assert_cmpstr (seldon_log_canonical_level ("Fatal", FALSE), ==, "CRITICAL");
  g_assert_cmpstr (seldon_log_canonical_level ("NOTSET", FALSE), ==, "DEBUG");
  g_assert_null (seldon_log_canonical_level ("verbose", FALSE));
  g_assert_null (seldon_log_canonical_level (NULL, FALSE));

  g_assert_true (seldon_log_level_from_name ("error", &level));
  g_assert_cmpint (level, ==, SELDON_LOG_LEVEL_ERROR);
  g_assert_true (seldon_log_level_from_name ("CRITICAL", &level));
  g_assert_cmpint (level, ==, SELDON_LOG_LEVEL_CRITICAL);
  g_assert_false (seldon_log_level_from_name ("", &level));
  g_assert_cmpint (level, ==, SELDON_LOG_LEVEL_CRITICAL);
}

int
main (int    argc,
      char **argv)
{
  /* The line's time is local time. */
  g_setenv ("TZ", "UTC", TRUE);
  tzset ();

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/log/line", test_line);
  g_test_add_func ("/log/levels", test_levels);
  g_test_add_func ("/log/filter", test_filter);
  g_test_add_func ("/log/worker-slot", test_worker_slot);
  g_test_add_func ("/log/level-names", test_level_names);

  return g_test_run ();
}
