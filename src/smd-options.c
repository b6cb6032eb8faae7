/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "smd-log.h"
#include "smd-options.h"
#include "smd-parse.h"

G_DEFINE_QUARK (smd-exit-error-quark, smd_exit_error)

/* The group of the key file: the schema path without its outer slashes, which is also what
 * GLib's own key-file backend (GSETTINGS_BACKEND=keyfile) writes, so one file works for both. */
#define SMD_SETTINGS_GROUP "io/seldon/Microservice"

typedef enum
{
  VAL_STRING,
  VAL_INT,       /* int or int64 property, Python int() text */
  VAL_BOOL,      /* command line: a flag with an optional value; environment: see EnvBool */
  VAL_INT_BOOL,  /* an integer whose non-zero values mean true (FLASK_SINGLE_THREADED) */
  VAL_CHOICE,
  VAL_LOG_LEVEL,
} ValKind;

typedef enum
{
  ENV_BOOL_STANDARD,     /* 1/true/t, any case */
  ENV_BOOL_TRUE_ONLY,    /* INCLUDE_METRICS_IN_CLIENT_RESPONSE */
  ENV_BOOL_UNLESS_FALSE, /* SELDON_EXECUTOR_ENABLED */
} EnvBool;

typedef enum
{
  OPT_NONE = 0,
  OPT_OPTIONAL_VALUE = 1 << 0,   /* the bare flag is allowed and means Setting.bare */
  OPT_NEGATIVE_IS_ZERO = 1 << 1, /* GRPC_WORKERS: negative behaves like 0 */
  OPT_ENV_USAGE_ERROR = 1 << 2,  /* a bad environment value is a usage error (exit 2) */
} OptFlags;

typedef struct
{
  const char *property; /* SeldonConfig property and GSettings key; NULL for --config */
  const char *cli;      /* long option, or NULL */
  const char *env;      /* environment variable, or NULL */
  ValKind kind;
  EnvBool env_bool;
  OptFlags flags;
  const char *bare;
  const char *metavar;
  const char *help;
} Setting;

static const char * const service_types[] = {
  "MODEL", "ROUTER", "TRANSFORMER", "COMBINER", "OUTLIER_DETECTOR", NULL
};

static const char * const cli_log_levels[] = { "DEBUG", "INFO", "WARNING", "ERROR", NULL };

/* In --help order: the options of the Python wrapper first, then ours, then environment-only
 * settings. */
static const Setting settings[] = {
  { "service-type", "service-type", NULL, VAL_CHOICE, 0, OPT_NONE, NULL, "TYPE",
    "MODEL, ROUTER, TRANSFORMER, COMBINER or OUTLIER_DETECTOR; checked, otherwise without effect" },
  { "persistence", "persistence", NULL, VAL_INT, 0, OPT_OPTIONAL_VALUE, "1", "[N]",
    "Deprecated and ignored (bare flag = 1)" },
  { "parameters", "parameters", "PREDICTIVE_UNIT_PARAMETERS", VAL_STRING, 0, OPT_NONE, NULL, "JSON",
    "Component parameters: a JSON list of {\"name\", \"value\", \"type\"} objects" },
  { "log-level", "log-level", "SELDON_LOG_LEVEL", VAL_LOG_LEVEL, 0, OPT_NONE, NULL, "LEVEL",
    "DEBUG, INFO, WARNING or ERROR, any case; the environment overrides it" },
  { "debug", "debug", "SELDON_DEBUG", VAL_BOOL, ENV_BOOL_STANDARD, OPT_OPTIONAL_VALUE, "true", "[BOOL]",
    "Development mode (bare flag = true; false/0/no/off or empty = false)" },
  { "tracing", "tracing", "TRACING", VAL_INT, 0, OPT_OPTIONAL_VALUE, "1", "[N]",
    "Non-zero enables tracing (bare flag = 1)" },
  { "http-port", "http-port", "PREDICTIVE_UNIT_HTTP_SERVICE_PORT", VAL_INT, 0, OPT_NONE, NULL, "PORT",
    "REST port" },
  { "grpc-port", "grpc-port", "PREDICTIVE_UNIT_GRPC_SERVICE_PORT", VAL_INT, 0, OPT_NONE, NULL, "PORT",
    "gRPC port" },
  { "metrics-port", "metrics-port", "PREDICTIVE_UNIT_METRICS_SERVICE_PORT", VAL_INT, 0, OPT_NONE, NULL, "PORT",
    "Prometheus metrics port" },
  { "workers", "workers", "GUNICORN_WORKERS", VAL_INT, 0, OPT_NONE, NULL, "N",
    "Worker processes running the component" },
  { "threads", "threads", "GUNICORN_THREADS", VAL_INT, 0, OPT_NONE, NULL, "N",
    "Concurrent calls per worker" },
  { "max-requests", "max-requests", "GUNICORN_MAX_REQUESTS", VAL_INT, 0, OPT_NONE, NULL, "N",
    "Recycle a worker after N requests (0 = never)" },
  { "max-requests-jitter", "max-requests-jitter", "GUNICORN_MAX_REQUESTS_JITTER", VAL_INT, 0, OPT_NONE, NULL, "N",
    "Random 0..N added to --max-requests per worker" },
  { "keepalive", "keepalive", "GUNICORN_KEEPALIVE", VAL_INT, 0, OPT_NONE, NULL, "SECONDS",
    "Idle keep-alive time" },
  { "single-threaded", "single-threaded", "FLASK_SINGLE_THREADED", VAL_INT_BOOL, 0, OPT_NONE, NULL, "N",
    "Non-zero: one call at a time per worker" },
  { "access-log", "access-log", "GUNICORN_ACCESS_LOG", VAL_BOOL, ENV_BOOL_STANDARD, OPT_OPTIONAL_VALUE, "true", "[BOOL]",
    "Access log on stdout (bare flag = true)" },
  { "pidfile", "pidfile", NULL, VAL_STRING, 0, OPT_NONE, NULL, "FILE",
    "Write the process id to FILE once listening" },
  { "grpc-workers", "grpc-workers", "GRPC_WORKERS", VAL_INT, 0, OPT_NEGATIVE_IS_ZERO | OPT_ENV_USAGE_ERROR, NULL, "N",
    "gRPC workers; 0 turns gRPC off" },
  { "grpc-threads", "grpc-threads", "GRPC_THREADS", VAL_INT, 0, OPT_ENV_USAGE_ERROR, NULL, "N",
    "gRPC handler threads per worker" },
  { "listen-address", "listen-address", NULL, VAL_STRING, 0, OPT_NONE, NULL, "ADDRESS",
    "Address to listen on" },
  { NULL, "config", NULL, VAL_STRING, 0, OPT_NONE, NULL, "FILE",
    "GSettings key file [default: " SMD_DEFAULT_CONFIG_FILE " when present]" },

  /* Environment only. */
  { "metrics-endpoint", NULL, "PREDICTIVE_UNIT_METRICS_ENDPOINT", VAL_STRING, 0, OPT_NONE, NULL, NULL,
    "Path served on the metrics port" },
  { "filter-metrics-access-logs", NULL, "FILTER_METRICS_ACCESS_LOGS", VAL_BOOL, ENV_BOOL_STANDARD, OPT_NONE, NULL, NULL,
    "Hide access-log lines of metrics scrapes" },
  { "unit-id", NULL, "PREDICTIVE_UNIT_ID", VAL_STRING, 0, OPT_NONE, NULL, NULL,
    "Name of the component in the graph" },
  { "unit-image", NULL, "PREDICTIVE_UNIT_IMAGE", VAL_STRING, 0, OPT_NONE, NULL, NULL,
    "Image of the component, name:tag" },
  { "deployment-id", NULL, "SELDON_DEPLOYMENT_ID", VAL_STRING, 0, OPT_NONE, NULL, NULL,
    "Seldon deployment name" },
  { "predictor-id", NULL, "PREDICTOR_ID", VAL_STRING, 0, OPT_NONE, NULL, NULL,
    "Predictor name" },
  { "predictor-labels", NULL, "PREDICTOR_LABELS", VAL_STRING, 0, OPT_NONE, NULL, NULL,
    "JSON object of predictor labels" },
  { "model-metadata", NULL, "MODEL_METADATA", VAL_STRING, 0, OPT_NONE, NULL, NULL,
    "Model metadata, YAML or JSON" },
  { "payload-passthrough", NULL, "PAYLOAD_PASSTHROUGH", VAL_BOOL, ENV_BOOL_STANDARD, OPT_NONE, NULL, NULL,
    "Pass the raw request to predict" },
  { "include-metrics-in-client-response", NULL, "INCLUDE_METRICS_IN_CLIENT_RESPONSE", VAL_BOOL, ENV_BOOL_TRUE_ONLY, OPT_NONE, NULL, NULL,
    "Echo custom metrics in meta.metrics (true only for \"true\")" },
  { "executor-enabled", NULL, "SELDON_EXECUTOR_ENABLED", VAL_BOOL, ENV_BOOL_UNLESS_FALSE, OPT_NONE, NULL, NULL,
    "Record feedback reward metrics (false only for \"false\")" },
  { "metrics-aggregate", NULL, "SELDON_METRICS_AGGREGATE", VAL_BOOL, ENV_BOOL_STANDARD, OPT_NONE, NULL, NULL,
    "Serve metrics summed over workers" },
  { "json-pretty", NULL, "FLASK_JSONIFY_PRETTYPRINT_REGULAR", VAL_BOOL, ENV_BOOL_STANDARD, OPT_NONE, NULL, NULL,
    "Indent JSON answers (also FLASK_DEBUG)" },
  { "json-sort-keys", NULL, "FLASK_JSON_SORT_KEYS", VAL_BOOL, ENV_BOOL_STANDARD, OPT_NONE, NULL, NULL,
    "Sort keys of JSON answers" },
  { "json-ascii", NULL, "FLASK_JSON_AS_ASCII", VAL_BOOL, ENV_BOOL_STANDARD, OPT_NONE, NULL, NULL,
    "Escape non-ASCII characters in JSON answers" },
  { "max-body-bytes", NULL, "SELDON_MAX_BODY_BYTES", VAL_INT, 0, OPT_NONE, NULL, NULL,
    "Largest request body in bytes (0 = no limit)" },
  { "request-timeout-ms", NULL, "SELDON_REQUEST_TIMEOUT_MS", VAL_INT, 0, OPT_NONE, NULL, NULL,
    "Time limit of a call in ms (0 = none; annotation seldon.io/rest-timeout)" },
  { "grpc-max-message-bytes", NULL, "SELDON_GRPC_MAX_MESSAGE_BYTES", VAL_INT, 0, OPT_NONE, NULL, NULL,
    "Largest gRPC message (0 = no limit; annotation seldon.io/grpc-max-message-size)" },
  { "graceful-timeout", NULL, "SELDON_GRACEFUL_TIMEOUT", VAL_INT, 0, OPT_NONE, NULL, NULL,
    "Seconds in-flight calls may take at shutdown" },
  { "max-queued", NULL, "SELDON_MAX_QUEUED", VAL_INT, 0, OPT_NONE, NULL, NULL,
    "Most calls waiting for a worker thread (0 = no limit)" },
};

static const char usage_line[] =
  "usage: seldon-microservice [-h] [OPTION...] INTERFACE_NAME\n";

const char *
smd_options_get_usage (void)
{
  return usage_line;
}

static GParamSpec *
setting_pspec (SeldonConfig  *config,
               const Setting *s)
{
  GParamSpec *pspec;

  if (s->property == NULL)
    return NULL;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (config), s->property);
  g_assert (pspec != NULL);

  return pspec;
}

static const Setting *
find_setting_by_cli (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (settings); i++)
    if (g_strcmp0 (settings[i].cli, name) == 0)
      return &settings[i];

  return NULL;
}

/* Where a value came from, for messages. */
typedef enum
{
  SOURCE_CLI,
  SOURCE_ENV,
  SOURCE_SETTINGS,
} Source;

static void
set_value_error (GError       **error,
                 const Setting *s,
                 Source         source,
                 const char    *text,
                 const char    *fmt,
                 ...) G_GNUC_PRINTF (5, 6);

/* Formats "argument --x: <why>" (a usage error), or "Invalid value 'text' of environment
 * variable X: <why>". */
static void
set_value_error (GError       **error,
                 const Setting *s,
                 Source         source,
                 const char    *text,
                 const char    *fmt,
                 ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, fmt);
  why = g_strdup_vprintf (fmt, args);
  va_end (args);

  if (source == SOURCE_CLI ||
      (source == SOURCE_ENV && (s->flags & OPT_ENV_USAGE_ERROR)))
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_USAGE, "argument --%s: %s", s->cli, why);
    }
  else if (source == SOURCE_ENV)
    {
      g_autofree char *repr = smd_py_repr_str (text);

      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Invalid value %s in environment variable %s: %s", repr, s->env, why);
    }
  else
    {
      g_autofree char *repr = smd_py_repr_str (text);

      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Invalid value %s of setting %s: %s", repr, s->property, why);
    }
}

/* argparse's "invalid choice: 'X' (choose from 'A', 'B')" */
static void
set_choice_error (GError            **error,
                  const Setting      *s,
                  Source              source,
                  const char         *text,
                  const char * const *choices)
{
  g_autofree char *repr = smd_py_repr_str (text);
  g_autofree char *list = smd_py_repr_strv (choices);

  set_value_error (error, s, source, text, "invalid choice: %s (choose from %.*s)",
                   repr, (int) strlen (list) - 2, list + 1);
}

static gboolean
int_range (GParamSpec *pspec,
           gint64     *min,
           gint64     *max)
{
  if (G_IS_PARAM_SPEC_INT (pspec))
    {
      *min = G_PARAM_SPEC_INT (pspec)->minimum;
      *max = G_PARAM_SPEC_INT (pspec)->maximum;
      return TRUE;
    }
  if (G_IS_PARAM_SPEC_INT64 (pspec))
    {
      *min = G_PARAM_SPEC_INT64 (pspec)->minimum;
      *max = G_PARAM_SPEC_INT64 (pspec)->maximum;
      return TRUE;
    }

  return FALSE;
}

static gboolean
parse_int_text (const Setting *s,
                Source         source,
                const char    *text,
                gint64        *out,
                GError       **error)
{
  g_autofree char *repr = smd_py_repr_str (text);

  gboolean usage = source == SOURCE_CLI || (source == SOURCE_ENV && (s->flags & OPT_ENV_USAGE_ERROR));

  switch (smd_parse_py_int (text, out))
    {
    case SMD_PARSE_OK:
      return TRUE;
    case SMD_PARSE_OVERFLOW:
      set_value_error (error, s, source, text, "%s is out of range", usage ? repr : "the value");
      return FALSE;
    case SMD_PARSE_INVALID:
    default:
      if (usage)
        set_value_error (error, s, source, text, "invalid int value: %s", repr);
      else
        set_value_error (error, s, source, text, "not an integer");
      return FALSE;
    }
}

/* Converts @text (from the command line or the environment) into a value of the setting's
 * property. */
static gboolean
parse_setting_value (SeldonConfig  *config,
                     const Setting *s,
                     Source         source,
                     const char    *text,
                     GValue        *value,
                     GError       **error)
{
  GParamSpec *pspec = setting_pspec (config, s);

  g_value_init (value, pspec ? G_PARAM_SPEC_VALUE_TYPE (pspec) : G_TYPE_STRING);

  switch (s->kind)
    {
    case VAL_STRING:
      g_value_set_string (value, text);
      return TRUE;

    case VAL_INT:
      {
        gint64 i, min = 0, max = 0;

        if (!parse_int_text (s, source, text, &i, error))
          return FALSE;
        if ((s->flags & OPT_NEGATIVE_IS_ZERO) && i < 0)
          i = 0;
        if (!int_range (pspec, &min, &max))
          g_assert_not_reached ();
        if (i < min || i > max)
          {
            if (max == G_MAXINT || max == G_MAXINT64)
              set_value_error (error, s, source, text, "%" G_GINT64_FORMAT " is out of range (at least %"
                               G_GINT64_FORMAT ")", i, min);
            else
              set_value_error (error, s, source, text, "%" G_GINT64_FORMAT " is out of range (%"
                               G_GINT64_FORMAT " to %" G_GINT64_FORMAT ")", i, min, max);
            return FALSE;
          }
        if (G_VALUE_HOLDS_INT (value))
          g_value_set_int (value, (int) i);
        else
          g_value_set_int64 (value, i);
        return TRUE;
      }

    case VAL_INT_BOOL:
      {
        gint64 i;

        if (!parse_int_text (s, source, text, &i, error))
          return FALSE;
        g_value_set_boolean (value, i != 0);
        return TRUE;
      }

    case VAL_BOOL:
      {
        gboolean b = FALSE;

        if (source == SOURCE_ENV)
          {
            switch (s->env_bool)
              {
              case ENV_BOOL_TRUE_ONLY:
                b = smd_env_bool_true_only (text);
                break;
              case ENV_BOOL_UNLESS_FALSE:
                b = smd_env_bool_unless_false (text);
                break;
              case ENV_BOOL_STANDARD:
              default:
                b = smd_env_bool_standard (text);
                break;
              }
          }
        else if (!smd_parse_flag_bool (text, &b))
          {
            g_autofree char *repr = smd_py_repr_str (text);

            set_value_error (error, s, source, text,
                             "invalid boolean value: %s (use true/false, yes/no, on/off or 1/0)",
                             repr);
            return FALSE;
          }
        g_value_set_boolean (value, b);
        return TRUE;
      }

    case VAL_CHOICE:
      if (!g_strv_contains (service_types, text))
        {
          set_choice_error (error, s, source, text, service_types);
          return FALSE;
        }
      g_value_set_string (value, text);
      return TRUE;

    case VAL_LOG_LEVEL:
      {
        const char *canonical = smd_log_canonical_level (text, source == SOURCE_CLI);

        if (canonical == NULL)
          {
            if (source == SOURCE_CLI)
              set_choice_error (error, s, source, text, cli_log_levels);
            else
              set_value_error (error, s, source, text,
                               "invalid log level (use DEBUG, INFO, WARNING or ERROR, any case)");
            return FALSE;
          }
        g_value_set_string (value, canonical);
        return TRUE;
      }

    default:
      g_assert_not_reached ();
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Command line                                                                                */

typedef struct
{
  GPtrArray *normalized;  /* argv for GOptionContext: "--name=value" and "--help" */
  GPtrArray *positionals;
  GPtrArray *extras;      /* unknown options and surplus positionals, in order */
  GHashTable *cli_values; /* long name → last value */
} CommandLine;

static void
command_line_clear (CommandLine *cl)
{
  g_clear_pointer (&cl->normalized, g_ptr_array_unref);
  g_clear_pointer (&cl->positionals, g_ptr_array_unref);
  g_clear_pointer (&cl->extras, g_ptr_array_unref);
  g_clear_pointer (&cl->cli_values, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CommandLine, command_line_clear)

/* argparse's idea of "this is an option, not a value". */
static gboolean
looks_like_option (const char *arg)
{
  return arg[0] == '-' && arg[1] != '\0' && !smd_looks_like_negative_number (arg) &&
         strchr (arg, ' ') == NULL;
}

static gboolean
is_valid_optional_value (const Setting *s,
                         const char    *arg)
{
  gboolean b;
  gint64 i;

  if (s->kind == VAL_BOOL)
    return smd_parse_flag_bool (arg, &b);

  return smd_parse_py_int (arg, &i) == SMD_PARSE_OK;
}

/* Resolves "--name" (exact or unambiguous prefix, as argparse does). Returns NULL for an
 * unknown option; "help" stands for --help. */
static gboolean
resolve_long_option (const char  *name,
                     const char **resolved,
                     GError     **error)
{
  g_autoptr(GPtrArray) matches = g_ptr_array_new ();
  const char *help = "help";
  const Setting *exact;

  *resolved = NULL;

  if (strcmp (name, help) == 0)
    {
      *resolved = help;
      return TRUE;
    }
  exact = find_setting_by_cli (name);
  if (exact != NULL)
    {
      *resolved = exact->cli;
      return TRUE;
    }

  if (*name == '\0')
    return TRUE;

  if (g_str_has_prefix (help, name))
    g_ptr_array_add (matches, (gpointer) help);
  for (gsize i = 0; i < G_N_ELEMENTS (settings); i++)
    if (settings[i].cli != NULL && g_str_has_prefix (settings[i].cli, name))
      g_ptr_array_add (matches, (gpointer) settings[i].cli);

  if (matches->len == 1)
    {
      *resolved = g_ptr_array_index (matches, 0);
    }
  else if (matches->len > 1)
    {
      g_autoptr(GString) list = g_string_new (NULL);

      for (guint i = 0; i < matches->len; i++)
        g_string_append_printf (list, "%s--%s", i ? ", " : "",
                                (const char *) g_ptr_array_index (matches, i));
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_USAGE,
                   "ambiguous option: --%s could match %s", name, list->str);
      return FALSE;
    }

  return TRUE;
}

/* Expands abbreviations and normalizes every known option to "--name=value", so that
 * GOptionContext (which knows neither abbreviations nor argparse's optional values) can parse
 * the result. Positionals and unknown options are collected on the side. */
static gboolean
command_line_prepass (CommandLine *cl,
                      int          argc,
                      char       **argv,
                      GError     **error)
{
  gboolean only_positionals = FALSE;

  cl->normalized = g_ptr_array_new_with_free_func (g_free);
  cl->positionals = g_ptr_array_new_with_free_func (g_free);
  cl->extras = g_ptr_array_new_with_free_func (g_free);
  cl->cli_values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_ptr_array_add (cl->normalized, g_strdup (argc > 0 ? argv[0] : "seldon-microservice"));

  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];

      if (only_positionals)
        {
          g_ptr_array_add (cl->positionals, g_strdup (arg));
          continue;
        }

      if (strcmp (arg, "--") == 0)
        {
          only_positionals = TRUE;
          continue;
        }

      if (g_str_has_prefix (arg, "--") && arg[2] != '\0')
        {
          const char *eq = strchr (arg, '=');
          g_autofree char *name = eq ? g_strndup (arg + 2, (gsize) (eq - arg - 2)) : g_strdup (arg + 2);
          const char *resolved = NULL;
          const Setting *s;
          const char *value = NULL;

          if (!resolve_long_option (name, &resolved, error))
            return FALSE;

          if (resolved == NULL)
            {
              g_ptr_array_add (cl->extras, g_strdup (arg));
              continue;
            }

          if (strcmp (resolved, "help") == 0)
            {
              g_ptr_array_add (cl->normalized, g_strdup ("--help"));
              continue;
            }

          s = find_setting_by_cli (resolved);
          if (eq != NULL)
            value = eq + 1;
          else if (s->flags & OPT_OPTIONAL_VALUE)
            {
              if (i + 1 < argc && !looks_like_option (argv[i + 1]) &&
                  is_valid_optional_value (s, argv[i + 1]))
                value = argv[++i];
              else
                value = s->bare;
            }
          else if (i + 1 < argc && !looks_like_option (argv[i + 1]))
            value = argv[++i];
          else
            {
              g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_USAGE,
                           "argument --%s: expected one argument", s->cli);
              return FALSE;
            }

          g_ptr_array_add (cl->normalized, g_strdup_printf ("--%s=%s", s->cli, value));
          continue;
        }

      if (strcmp (arg, "-h") == 0)
        {
          g_ptr_array_add (cl->normalized, g_strdup ("--help"));
          continue;
        }

      if (looks_like_option (arg))
        {
          g_ptr_array_add (cl->extras, g_strdup (arg));
          continue;
        }

      if (cl->positionals->len == 0)
        g_ptr_array_add (cl->positionals, g_strdup (arg));
      else
        g_ptr_array_add (cl->extras, g_strdup (arg));
    }

  /* Surplus positionals after "--" are extras too. */
  while (cl->positionals->len > 1)
    g_ptr_array_add (cl->extras, g_ptr_array_steal_index (cl->positionals, 1));

  return TRUE;
}

static gboolean
option_callback (const char *option_name,
                 const char *value,
                 gpointer    user_data,
                 GError    **error)
{
  CommandLine *cl = user_data;
  const char *name = option_name + 2;
  const Setting *s = find_setting_by_cli (name);

  g_assert (s != NULL);
  g_hash_table_replace (cl->cli_values, (gpointer) s->cli, g_strdup (value ? value : ""));

  return TRUE;
}

static char *
format_default (SeldonConfig  *config,
                const Setting *s)
{
  GParamSpec *pspec = setting_pspec (config, s);
  const GValue *def;

  if (pspec == NULL)
    return NULL;

  if (g_str_equal (s->property, "filter-metrics-access-logs"))
    return g_strdup ("not debug");
  if (s->kind == VAL_INT_BOOL)
    return g_strdup ("0");

  def = g_param_spec_get_default_value (pspec);
  if (G_VALUE_HOLDS_STRING (def))
    return g_value_get_string (def) ? g_strdup (g_value_get_string (def)) : g_strdup ("none");
  if (G_VALUE_HOLDS_BOOLEAN (def))
    return g_strdup (g_value_get_boolean (def) ? "true" : "false");
  if (G_VALUE_HOLDS_INT (def))
    return g_strdup_printf ("%d", g_value_get_int (def));
  if (G_VALUE_HOLDS_INT64 (def))
    return g_strdup_printf ("%" G_GINT64_FORMAT, g_value_get_int64 (def));

  return NULL;
}

static char *
build_help_description (SeldonConfig *config)
{
  GString *str = g_string_new (NULL);

  g_string_append (str,
                   "Serves a Seldon Core v1 model component (a native module: a path to a .so,\n"
                   "or a name X found as libX.so or X.so in the working directory, in\n"
                   "SELDON_COMPONENT_PATH or in " COMPONENTDIR ").\n"
                   "\n"
                   "Every setting is taken from, in decreasing precedence: the command line, the\n"
                   "environment, GSettings (schema " SMD_SCHEMA_ID ", key = the option's name;\n"
                   "with --config FILE, a key file with group [" SMD_SETTINGS_GROUP "]), the\n"
                   "built-in default. Booleans in the environment are true for 1, true or t.\n"
                   "\n"
                   "Settings without an option (environment variable, GSettings key, default):\n");

  for (gsize i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      const Setting *s = &settings[i];
      g_autofree char *def = NULL;

      if (s->cli != NULL)
        continue;

      def = format_default (config, s);
      g_string_append_printf (str, "  %-36s %s\n      [key: %s] [default: %s]\n",
                              s->env, s->help, s->property, def);
    }

  g_string_append (str,
                   "  FLASK_DEBUG                          Also enables json-pretty\n"
                   "  SELDON_ANNOTATIONS_FILE              Pod annotations file\n"
                   "      [default: " SMD_DEFAULT_ANNOTATIONS_FILE "]\n");

  return g_string_free (str, FALSE);
}

static gboolean
command_line_parse_options (CommandLine   *cl,
                            SeldonConfig  *config,
                            GError       **error)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GPtrArray) help_texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  g_autofree char *description = NULL;
  g_auto(GStrv) strv = NULL;
  g_autoptr(GError) local_error = NULL;
  GOptionGroup *group;

  for (gsize i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      const Setting *s = &settings[i];
      GOptionEntry entry = { 0, };
      g_autofree char *def = NULL;
      char *help;

      if (s->cli == NULL)
        continue;

      def = format_default (config, s);
      if (s->env != NULL && def != NULL)
        help = g_strdup_printf ("%s [env: %s%s] [default: %s]", s->help, s->env,
                                g_str_equal (s->cli, "log-level") ? ", LOG_LEVEL_ENV" : "", def);
      else if (def != NULL)
        help = g_strdup_printf ("%s [default: %s]", s->help, def);
      else
        help = g_strdup (s->help);
      g_ptr_array_add (help_texts, help);

      entry.long_name = s->cli;
      entry.arg = G_OPTION_ARG_CALLBACK;
      entry.arg_data = (gpointer) option_callback;
      entry.description = help;
      entry.arg_description = s->metavar;
      g_array_append_val (entries, entry);
    }

  context = g_option_context_new ("INTERFACE_NAME - serve a Seldon model component");
  group = g_option_group_new ("seldon-microservice", "Options", "Show the options", cl, NULL);
  g_option_group_add_entries (group, (const GOptionEntry *) (gpointer) entries->data);
  g_option_context_set_main_group (context, group);
  g_option_context_set_help_enabled (context, TRUE);
  description = build_help_description (config);
  g_option_context_set_description (context, description);

  strv = g_new0 (char *, cl->normalized->len + 1);
  for (guint i = 0; i < cl->normalized->len; i++)
    strv[i] = g_strdup (g_ptr_array_index (cl->normalized, i));

  if (!g_option_context_parse_strv (context, &strv, &local_error))
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_USAGE, "%s", local_error->message);
      return FALSE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* GSettings                                                                                    */

static gboolean
settings_get_mapping (GValue   *value,
                      GVariant *variant,
                      gpointer  user_data)
{
  GParamSpec *pspec = user_data;

  if (g_variant_is_of_type (variant, G_VARIANT_TYPE_STRING) && G_VALUE_HOLDS_STRING (value))
    {
      const char *str = g_variant_get_string (variant, NULL);
      const GValue *def = g_param_spec_get_default_value (pspec);

      /* A string key cannot be NULL: the empty string stands for "not set". */
      if (*str == '\0' && g_value_get_string (def) == NULL)
        g_value_set_string (value, NULL);
      else
        g_value_set_string (value, str);
      return TRUE;
    }
  if (g_variant_is_of_type (variant, G_VARIANT_TYPE_BOOLEAN) && G_VALUE_HOLDS_BOOLEAN (value))
    {
      g_value_set_boolean (value, g_variant_get_boolean (variant));
      return TRUE;
    }
  if (g_variant_is_of_type (variant, G_VARIANT_TYPE_INT32) && G_VALUE_HOLDS_INT (value))
    {
      g_value_set_int (value, g_variant_get_int32 (variant));
      return TRUE;
    }
  if (g_variant_is_of_type (variant, G_VARIANT_TYPE_INT64) && G_VALUE_HOLDS_INT64 (value))
    {
      g_value_set_int64 (value, g_variant_get_int64 (variant));
      return TRUE;
    }

  return FALSE;
}

/* Checks the key file before GSettings reads it: GSettings silently falls back to the default
 * for a value it cannot parse (a string without quotes is the usual mistake). */
static gboolean
check_config_file (const char      *path,
                   GSettingsSchema *schema,
                   GError         **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;

  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Cannot read configuration file %s: %s", path, local_error->message);
      return FALSE;
    }

  groups = g_key_file_get_groups (keyfile, NULL);
  for (gsize g = 0; groups[g] != NULL; g++)
    {
      g_auto(GStrv) keys = NULL;

      if (!g_str_equal (groups[g], SMD_SETTINGS_GROUP))
        {
          g_warning ("%s: group [%s] ignored: settings belong in group [" SMD_SETTINGS_GROUP "]",
                     path, groups[g]);
          continue;
        }

      keys = g_key_file_get_keys (keyfile, groups[g], NULL, NULL);
      for (gsize k = 0; keys[k] != NULL; k++)
        {
          g_autoptr(GSettingsSchemaKey) key = NULL;
          g_autoptr(GVariant) variant = NULL;
          g_autofree char *text = NULL;
          const GVariantType *type;

          if (!g_settings_schema_has_key (schema, keys[k]))
            {
              g_warning ("%s: unknown key %s ignored", path, keys[k]);
              continue;
            }

          key = g_settings_schema_get_key (schema, keys[k]);
          type = g_settings_schema_key_get_value_type (key);
          text = g_key_file_get_value (keyfile, groups[g], keys[k], NULL);
          variant = g_variant_parse (type, text, NULL, NULL, NULL);
          if (variant == NULL)
            {
              g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                           "Configuration file %s: invalid value for %s: %s (%s)", path, keys[k], text,
                           g_variant_type_equal (type, G_VARIANT_TYPE_STRING) ?
                             "a string in quotes, e.g. 'text'" :
                           g_variant_type_equal (type, G_VARIANT_TYPE_BOOLEAN) ?
                             "true or false" : "an integer");
              return FALSE;
            }
          if (!g_settings_schema_key_range_check (key, variant))
            {
              g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                           "Configuration file %s: value of %s is out of range: %s", path, keys[k], text);
              return FALSE;
            }
        }
    }

  return TRUE;
}

/* Binds every key onto @config (read once), returns the GSettings object (or NULL when the
 * schema is not installed). */
static gboolean
apply_gsettings (SeldonConfig  *config,
                 const char    *config_file,
                 gboolean       config_file_explicit,
                 GSettings    **out_settings,
                 GError       **error)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = NULL;
  g_autoptr(GSettings) gsettings = NULL;
  g_auto(GStrv) keys = NULL;

  *out_settings = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, SMD_SCHEMA_ID, TRUE);

  if (schema == NULL)
    {
      if (config_file_explicit)
        {
          g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                       "Cannot apply configuration file %s: the GSettings schema " SMD_SCHEMA_ID
                       " is not installed (set GSETTINGS_SCHEMA_DIR)", config_file);
          return FALSE;
        }
      if (config_file != NULL)
        g_warning ("Configuration file %s ignored: the GSettings schema " SMD_SCHEMA_ID
                   " is not installed", config_file);
      else
        g_warning ("GSettings schema " SMD_SCHEMA_ID " is not installed: "
                   "using the environment and built-in defaults");
      return TRUE;
    }

  if (config_file != NULL)
    {
      if (!check_config_file (config_file, schema, error))
        return FALSE;
      backend = g_keyfile_settings_backend_new (config_file, "/", NULL);
    }

  gsettings = g_settings_new_full (schema, backend, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (gsize i = 0; keys[i] != NULL; i++)
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (config), keys[i]);

      if (pspec == NULL)
        {
          g_debug ("GSettings key %s has no matching setting", keys[i]);
          continue;
        }
      g_settings_bind_with_mapping (gsettings, keys[i], config, keys[i],
                                    G_SETTINGS_BIND_GET | G_SETTINGS_BIND_GET_NO_CHANGES,
                                    settings_get_mapping, NULL, pspec, NULL);
    }

  *out_settings = g_steal_pointer (&gsettings);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Pod annotations                                                                              */

GHashTable *
smd_annotations_parse (const char *contents)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);
  guint n = g_strv_length (lines);

  /* Like iterating a Python file: text after the last newline is a line only if non-empty. */
  if (n > 0 && lines[n - 1][0] == '\0')
    n--;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *line = g_strchomp (g_strdup (lines[i]));
      char *eq = strchr (line, '=');
      g_autofree char *key = NULL;
      g_autofree char *value = NULL;
      gsize len;

      if (eq == NULL)
        {
          g_info ("Bad annotation [%s]", line);
          continue;
        }

      key = g_strstrip (g_strndup (line, (gsize) (eq - line)));
      value = g_strstrip (g_strdup (eq + 1));
      len = strlen (value);
      /* The first and last characters are the quotes, whatever they are. */
      if (len >= 2)
        {
          memmove (value, value + 1, len - 2);
          value[len - 2] = '\0';
        }
      else
        value[0] = '\0';

      g_hash_table_replace (table, g_steal_pointer (&key), g_steal_pointer (&value));
    }

  return table;
}

static void
apply_annotations (SeldonConfig *config)
{
  const char *path = g_getenv ("SELDON_ANNOTATIONS_FILE");
  g_autoptr(GHashTable) annotations = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  const char *value;
  gint64 i;

  if (path == NULL || *path == '\0')
    path = SMD_DEFAULT_ANNOTATIONS_FILE;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return;

  if (!g_file_get_contents (path, &contents, NULL, &local_error))
    {
      g_warning ("Cannot read annotations file %s: %s", path, local_error->message);
      return;
    }

  annotations = smd_annotations_parse (contents);
  g_debug ("Read %u annotations from %s", g_hash_table_size (annotations), path);

  value = g_hash_table_lookup (annotations, "seldon.io/rest-timeout");
  if (value != NULL)
    {
      if (smd_parse_py_int (value, &i) != SMD_PARSE_OK || i < 0)
        g_warning ("Annotation seldon.io/rest-timeout ignored: \"%s\" is not a number of "
                   "milliseconds", value);
      else
        g_object_set (config, "request-timeout-ms", i, NULL);
    }

  value = g_hash_table_lookup (annotations, "seldon.io/grpc-max-message-size");
  if (value != NULL)
    {
      if (smd_parse_py_int (value, &i) != SMD_PARSE_OK || i > G_MAXINT)
        g_warning ("Annotation seldon.io/grpc-max-message-size ignored: \"%s\" is not a number "
                   "of bytes", value);
      else
        /* gRPC reads a negative limit as "unlimited", which is 0 here. */
        g_object_set (config, "grpc-max-message-bytes", (int) MAX (i, 0), NULL);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Environment                                                                                  */

/* SELDON_LOG_LEVEL wins over its documented alias LOG_LEVEL_ENV (decisions.md D1). An empty
 * value counts as unset. */
static const char *
env_log_level (void)
{
  const char *level = g_getenv ("SELDON_LOG_LEVEL");

  if (level == NULL || *level == '\0')
    level = g_getenv ("LOG_LEVEL_ENV");
  if (level == NULL || *level == '\0')
    return NULL;

  return level;
}

static gboolean
apply_environment (SeldonConfig *config,
                   gboolean     *filter_set,
                   GError      **error)
{
  const char *level;
  const char *flask_debug, *flask_pretty;

  *filter_set = FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      const Setting *s = &settings[i];
      g_auto(GValue) value = G_VALUE_INIT;
      const char *text;

      if (s->env == NULL || s->property == NULL)
        continue;
      /* Handled below: two variables each. */
      if (g_str_equal (s->property, "log-level") || g_str_equal (s->property, "json-pretty"))
        continue;

      text = g_getenv (s->env);
      if (text == NULL)
        continue;

      if (!parse_setting_value (config, s, SOURCE_ENV, text, &value, error))
        return FALSE;
      g_object_set_property (G_OBJECT (config), s->property, &value);

      if (g_str_equal (s->property, "filter-metrics-access-logs"))
        *filter_set = TRUE;
    }

  level = env_log_level ();
  if (level != NULL)
    {
      const char *canonical = smd_log_canonical_level (level, FALSE);

      if (canonical == NULL)
        {
          g_autofree char *repr = smd_py_repr_str (level);

          g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                       "Invalid log level %s in %s: use DEBUG, INFO, WARNING or ERROR (any case)",
                       repr, g_getenv ("SELDON_LOG_LEVEL") && *g_getenv ("SELDON_LOG_LEVEL") ?
                         "SELDON_LOG_LEVEL" : "LOG_LEVEL_ENV");
          return FALSE;
        }
      g_object_set (config, "log-level", canonical, NULL);
    }

  /* Flask pretty-prints with either FLASK_DEBUG or FLASK_JSONIFY_PRETTYPRINT_REGULAR. */
  flask_debug = g_getenv ("FLASK_DEBUG");
  flask_pretty = g_getenv ("FLASK_JSONIFY_PRETTYPRINT_REGULAR");
  if (flask_debug != NULL || flask_pretty != NULL)
    g_object_set (config, "json-pretty",
                  (flask_debug && smd_env_bool_standard (flask_debug)) ||
                  (flask_pretty && smd_env_bool_standard (flask_pretty)),
                  NULL);

  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */

static gboolean
check_final_values (SeldonConfig  *config,
                    GError       **error)
{
  g_autofree char *service_type = NULL;
  g_autofree char *log_level = NULL;
  g_autofree char *labels = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  const char *canonical;

  g_object_get (config,
                "service-type", &service_type,
                "log-level", &log_level,
                "predictor-labels", &labels,
                NULL);

  /* Values from GSettings have not been checked yet. */
  if (service_type == NULL || !g_strv_contains (service_types, service_type))
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Invalid service-type \"%s\": use MODEL, ROUTER, TRANSFORMER, COMBINER or "
                   "OUTLIER_DETECTOR", service_type ? service_type : "");
      return FALSE;
    }

  canonical = smd_log_canonical_level (log_level, FALSE);
  if (canonical == NULL)
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Invalid log-level \"%s\": use DEBUG, INFO, WARNING or ERROR (any case)",
                   log_level ? log_level : "");
      return FALSE;
    }
  if (g_strcmp0 (canonical, log_level) != 0)
    g_object_set (config, "log-level", canonical, NULL);

  if (labels == NULL)
    labels = g_strdup ("{}");
  if (!json_parser_load_from_data (parser, labels, -1, &local_error))
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Invalid JSON in PREDICTOR_LABELS: %s", local_error->message);
      return FALSE;
    }
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Invalid PREDICTOR_LABELS: expected a JSON object, got %s", labels);
      return FALSE;
    }

  return TRUE;
}

gboolean
smd_options_configure (SeldonConfig  *config,
                       int            argc,
                       char         **argv,
                       GError       **error)
{
  g_auto(CommandLine) cl = { NULL, };
  g_autoptr(GSettings) gsettings = NULL;
  g_autoptr(GPtrArray) cli_set = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) cli_values = g_array_new (FALSE, TRUE, sizeof (GValue));
  const char *config_file;
  gboolean config_file_explicit;
  gboolean filter_set = FALSE;
  g_autofree char *interface_name = NULL;
  gboolean debug;

  g_return_val_if_fail (SELDON_IS_CONFIG (config), FALSE);

  g_array_set_clear_func (cli_values, (GDestroyNotify) g_value_unset);

  /* 1. The command line: syntax, --help, and the values' types (usage errors, exit 2). */
  if (!command_line_prepass (&cl, argc, argv, error))
    return FALSE;
  if (!command_line_parse_options (&cl, config, error))
    return FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      const Setting *s = &settings[i];
      const char *text;
      GValue value = G_VALUE_INIT;

      if (s->cli == NULL || s->property == NULL)
        continue;
      text = g_hash_table_lookup (cl.cli_values, s->cli);
      if (text == NULL)
        continue;
      if (!parse_setting_value (config, s, SOURCE_CLI, text, &value, error))
        {
          g_value_unset (&value);
          return FALSE;
        }
      g_array_append_val (cli_values, value);
      g_ptr_array_add (cli_set, g_strdup (s->property));
    }

  /* 2. GSettings. */
  config_file = g_hash_table_lookup (cl.cli_values, "config");
  config_file_explicit = config_file != NULL;
  if (config_file != NULL && *config_file == '\0')
    config_file = NULL;
  else if (config_file == NULL && g_file_test (SMD_DEFAULT_CONFIG_FILE, G_FILE_TEST_EXISTS))
    config_file = SMD_DEFAULT_CONFIG_FILE;
  if (config_file_explicit && config_file != NULL &&
      !g_file_test (config_file, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Configuration file %s does not exist", config_file);
      return FALSE;
    }
  if (!apply_gsettings (config, config_file, config_file_explicit && config_file != NULL,
                        &gsettings, error))
    return FALSE;

  /* 3. The positional argument: required unless GSettings names the component. */
  if (cl.positionals->len > 0)
    g_object_set (config, "interface-name", g_ptr_array_index (cl.positionals, 0), NULL);
  g_object_get (config, "interface-name", &interface_name, NULL);
  if (interface_name == NULL || *interface_name == '\0')
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_USAGE,
                   "the following arguments are required: interface_name");
      return FALSE;
    }

  /* 4. Leftovers are fatal (exit 255). */
  if (cl.extras->len > 0)
    {
      g_autofree char *list = NULL;

      g_ptr_array_add (cl.extras, NULL);
      list = smd_py_repr_strv ((const char * const *) cl.extras->pdata);
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_UNKNOWN_ARGS,
                   "Unknown args %s. Note since 1.5.0 this CLI does not take API type (REST, GRPC)",
                   list);
      return FALSE;
    }

  /* 5. Pod annotations, then the environment, then the command line. */
  apply_annotations (config);
  if (!apply_environment (config, &filter_set, error))
    return FALSE;

  for (guint i = 0; i < cli_set->len; i++)
    {
      const char *property = g_ptr_array_index (cli_set, i);

      /* The one exception to "command line first", as upstream (configuration.md §5):
       * SELDON_LOG_LEVEL (or LOG_LEVEL_ENV) overrides --log-level. */
      if (g_str_equal (property, "log-level") && env_log_level () != NULL)
        continue;
      g_object_set_property (G_OBJECT (config), property, &g_array_index (cli_values, GValue, i));
    }

  /* 6. Derived defaults and checks of values that came unchecked from GSettings. */
  g_object_get (config, "debug", &debug, NULL);
  if (debug && env_log_level () == NULL && !g_ptr_array_find_with_equal_func (cli_set, "log-level", g_str_equal, NULL))
    {
      g_autoptr(GVariant) user_value = NULL;

      /* Debug mode logs at DEBUG unless a level was asked for (issue 5; upstream's docs
       * promise it, its code does not). */
      if (gsettings != NULL)
        user_value = g_settings_get_user_value (gsettings, "log-level");
      if (user_value == NULL)
        g_object_set (config, "log-level", "DEBUG", NULL);
    }

  if (!filter_set)
    {
      g_autoptr(GVariant) user_value = NULL;

      if (gsettings != NULL)
        user_value = g_settings_get_user_value (gsettings, "filter-metrics-access-logs");
      if (user_value == NULL)
        g_object_set (config, "filter-metrics-access-logs", !debug, NULL);
    }

  if (!check_final_values (config, error))
    return FALSE;

  return TRUE;
}
