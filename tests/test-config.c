/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * SeldonConfig: defaults, properties, copy, and agreement with the GSettings schema
 * data/io.seldon.Microservice.gschema.xml. Also the daemon's value parsers (src/smd-*.c),
 * which follow the Python wrapper's rules (configuration.md §1-§3, §8).
 */

#include "config.h"

#include <math.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <seldon/seldon.h>

#include "../src/smd-options.h"
#include "../src/smd-parameters.h"
#include "../src/smd-parse.h"

typedef struct
{
  const char *name;
  GType type;
  const char *string;  /* strings; NULL is a NULL default */
  gint64 number;       /* booleans and integers */
} Expected;

/* The table of seldon-config.h. */
static const Expected expected[] = {
  { "interface-name", G_TYPE_STRING, NULL, 0 },
  { "service-type", G_TYPE_STRING, "MODEL", 0 },
  { "parameters", G_TYPE_STRING, "[]", 0 },
  { "log-level", G_TYPE_STRING, "INFO", 0 },
  { "debug", G_TYPE_BOOLEAN, NULL, FALSE },
  { "tracing", G_TYPE_INT, NULL, 0 },
  { "persistence", G_TYPE_INT, NULL, 0 },
  { "listen-address", G_TYPE_STRING, "0.0.0.0", 0 },
  { "http-port", G_TYPE_INT, NULL, 9000 },
  { "grpc-port", G_TYPE_INT, NULL, 5000 },
  { "metrics-port", G_TYPE_INT, NULL, 6000 },
  { "workers", G_TYPE_INT, NULL, 1 },
  { "threads", G_TYPE_INT, NULL, 10 },
  { "max-requests", G_TYPE_INT, NULL, 0 },
  { "max-requests-jitter", G_TYPE_INT, NULL, 0 },
  { "keepalive", G_TYPE_INT, NULL, 2 },
  { "single-threaded", G_TYPE_BOOLEAN, NULL, FALSE },
  { "access-log", G_TYPE_BOOLEAN, NULL, FALSE },
  { "pidfile", G_TYPE_STRING, NULL, 0 },
  { "grpc-workers", G_TYPE_INT, NULL, 1 },
  { "grpc-threads", G_TYPE_INT, NULL, 1 },
  { "metrics-endpoint", G_TYPE_STRING, "/metrics", 0 },
  { "filter-metrics-access-logs", G_TYPE_BOOLEAN, NULL, TRUE },
  { "unit-id", G_TYPE_STRING, NULL, 0 },
  { "unit-image", G_TYPE_STRING, NULL, 0 },
  { "deployment-id", G_TYPE_STRING, NULL, 0 },
  { "predictor-id", G_TYPE_STRING, NULL, 0 },
  { "predictor-labels", G_TYPE_STRING, "{}", 0 },
  { "model-metadata", G_TYPE_STRING, NULL, 0 },
  { "payload-passthrough", G_TYPE_BOOLEAN, NULL, FALSE },
  { "include-metrics-in-client-response", G_TYPE_BOOLEAN, NULL, TRUE },
  { "executor-enabled", G_TYPE_BOOLEAN, NULL, TRUE },
  { "metrics-aggregate", G_TYPE_BOOLEAN, NULL, FALSE },
  { "json-pretty", G_TYPE_BOOLEAN, NULL, FALSE },
  { "json-sort-keys", G_TYPE_BOOLEAN, NULL, TRUE },
  { "json-ascii", G_TYPE_BOOLEAN, NULL, TRUE },
  { "max-body-bytes", G_TYPE_INT64, NULL, 104857600 },
  { "request-timeout-ms", G_TYPE_INT64, NULL, 0 },
  { "grpc-max-message-bytes", G_TYPE_INT, NULL, 4194304 },
  { "graceful-timeout", G_TYPE_INT, NULL, 30 },
  { "max-queued", G_TYPE_INT, NULL, 1024 },
};

static void
check_value (const Expected *e,
             const GValue   *value)
{
  g_assert_cmpstr (g_type_name (G_VALUE_TYPE (value)), ==, g_type_name (e->type));

  if (e->type == G_TYPE_STRING)
    g_assert_cmpstr (g_value_get_string (value), ==, e->string);
  else if (e->type == G_TYPE_BOOLEAN)
    g_assert_cmpint (g_value_get_boolean (value), ==, e->number);
  else if (e->type == G_TYPE_INT)
    g_assert_cmpint (g_value_get_int (value), ==, e->number);
  else if (e->type == G_TYPE_INT64)
    g_assert_cmpint (g_value_get_int64 (value), ==, e->number);
  else
    g_assert_not_reached ();
}

static void
test_defaults (void)
{
  g_autoptr(SeldonConfig) config = seldon_config_new ();
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs = 0;

  g_test_summary ("Every property exists with the type and default of seldon-config.h, and "
                  "nothing else exists");

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (config), &n_pspecs);
  g_assert_cmpuint (n_pspecs, ==, G_N_ELEMENTS (expected));

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const Expected *e = &expected[i];
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (config), e->name);
      g_auto(GValue) value = G_VALUE_INIT;

      g_test_message ("property %s", e->name);
      g_assert_nonnull (pspec);
      g_assert_true (pspec->flags & G_PARAM_READWRITE);
      g_assert_true (pspec->flags & G_PARAM_EXPLICIT_NOTIFY);

      /* The instance value and the pspec default agree. */
      g_value_init (&value, pspec->value_type);
      g_object_get_property (G_OBJECT (config), e->name, &value);
      check_value (e, &value);
      check_value (e, g_param_spec_get_default_value (pspec));
    }

  g_assert_cmpint (seldon_config_get_effective_threads (config), ==, 10);
}

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  (*(int *) user_data)++;
}

static void
test_set_get (void)
{
  g_autoptr(SeldonConfig) config = seldon_config_new ();
  g_autofree char *name = NULL;
  gint64 timeout = 0;
  int port = 0, notified = 0;
  gboolean debug = FALSE;

  g_test_summary ("Properties read back what was written; notify fires only on a change");

  g_signal_connect (config, "notify", G_CALLBACK (notify_cb), &notified);

  g_object_set (config,
                "interface-name", "MyModel",
                "http-port", 8080,
                "debug", TRUE,
                "request-timeout-ms", (gint64) 1500,
                NULL);
  g_assert_cmpint (notified, ==, 4);

  g_object_get (config,
                "interface-name", &name,
                "http-port", &port,
                "debug", &debug,
                "request-timeout-ms", &timeout,
                NULL);
  g_assert_cmpstr (name, ==, "MyModel");
  g_assert_cmpint (port, ==, 8080);
  g_assert_true (debug);
  g_assert_cmpint (timeout, ==, 1500);

  /* Same values again: no notification. */
  g_object_set (config,
                "interface-name", "MyModel",
                "http-port", 8080,
                "debug", TRUE,
                "request-timeout-ms", (gint64) 1500,
                NULL);
  g_assert_cmpint (notified, ==, 4);

  g_object_set (config, "interface-name", NULL, NULL);
  g_assert_cmpint (notified, ==, 5);
  g_clear_pointer (&name, g_free);
  g_object_get (config, "interface-name", &name, NULL);
  g_assert_null (name);
}

static void
test_ranges (void)
{
  g_autoptr(SeldonConfig) config = seldon_config_new ();
  GObjectClass *klass = G_OBJECT_GET_CLASS (config);
  GParamSpecInt *port = G_PARAM_SPEC_INT (g_object_class_find_property (klass, "http-port"));
  GParamSpecInt *workers = G_PARAM_SPEC_INT (g_object_class_find_property (klass, "workers"));
  GParamSpecInt *grpc_workers = G_PARAM_SPEC_INT (g_object_class_find_property (klass, "grpc-workers"));
  GParamSpecInt64 *body = G_PARAM_SPEC_INT64 (g_object_class_find_property (klass, "max-body-bytes"));

  g_test_summary ("Integer properties have sensible ranges");

  g_assert_cmpint (port->minimum, ==, 0);
  g_assert_cmpint (port->maximum, ==, 65535);
  g_assert_cmpint (workers->minimum, ==, 1);
  g_assert_cmpint (grpc_workers->minimum, ==, 0);
  g_assert_cmpint (body->minimum, ==, 0);
  g_assert_cmpint (body->maximum, ==, G_MAXINT64);
}

static void
test_copy (void)
{
  g_autoptr(SeldonConfig) config = seldon_config_new ();
  g_autoptr(SeldonConfig) copy = NULL;
  g_autofree GParamSpec **pspecs = NULL;
  g_autofree char *name = NULL;
  guint n_pspecs = 0;

  g_test_summary ("seldon_config_copy() copies every property, and the copy is independent");

  g_object_set (config,
                "interface-name", "Copied",
                "unit-id", "unit",
                "threads", 3,
                "single-threaded", TRUE,
                "json-ascii", FALSE,
                "max-body-bytes", (gint64) 42,
                NULL);

  copy = seldon_config_copy (config);
  g_assert_true (copy != config);

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (config), &n_pspecs);
  for (guint i = 0; i < n_pspecs; i++)
    {
      g_auto(GValue) a = G_VALUE_INIT;
      g_auto(GValue) b = G_VALUE_INIT;

      g_value_init (&a, pspecs[i]->value_type);
      g_value_init (&b, pspecs[i]->value_type);
      g_object_get_property (G_OBJECT (config), pspecs[i]->name, &a);
      g_object_get_property (G_OBJECT (copy), pspecs[i]->name, &b);
      g_assert_cmpint (g_param_values_cmp (pspecs[i], &a, &b), ==, 0);
    }

  g_object_set (config, "interface-name", "Changed", NULL);
  g_object_get (copy, "interface-name", &name, NULL);
  g_assert_cmpstr (name, ==, "Copied");
  g_assert_cmpint (seldon_config_get_effective_threads (copy), ==, 1);
}

static void
test_effective_threads (void)
{
  g_autoptr(SeldonConfig) config = seldon_config_new ();

  g_test_summary ("Effective threads: 1 when single-threaded, else threads");

  g_object_set (config, "threads", 4, NULL);
  g_assert_cmpint (seldon_config_get_effective_threads (config), ==, 4);
  g_object_set (config, "single-threaded", TRUE, NULL);
  g_assert_cmpint (seldon_config_get_effective_threads (config), ==, 1);
  g_object_set (config, "single-threaded", FALSE, "threads", 1, NULL);
  g_assert_cmpint (seldon_config_get_effective_threads (config), ==, 1);
}

static GSettingsSchema *
load_schema (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_BUILT, "..", "data", NULL);
  g_autofree char *compiled = g_build_filename (dir, "gschemas.compiled", NULL);
  g_autoptr(GSettingsSchemaSource) source = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_file_test (compiled, G_FILE_TEST_EXISTS))
    return NULL;

  source = g_settings_schema_source_new_from_directory (dir, NULL, TRUE, &error);
  g_assert_no_error (error);

  return g_settings_schema_source_lookup (source, "io.seldon.Microservice", FALSE);
}

static void
test_schema (void)
{
  g_autoptr(GSettingsSchema) schema = load_schema ();
  g_autoptr(SeldonConfig) config = seldon_config_new ();
  g_auto(GStrv) keys = NULL;

  g_test_summary ("The GSettings schema has one key per property, with the same name, type, "
                  "default and range");

  if (schema == NULL)
    {
      g_test_skip ("data/gschemas.compiled not built");
      return;
    }

  g_assert_cmpstr (g_settings_schema_get_path (schema), ==, "/io/seldon/Microservice/");

  keys = g_settings_schema_list_keys (schema);
  g_assert_cmpuint (g_strv_length (keys), ==, G_N_ELEMENTS (expected));

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const Expected *e = &expected[i];
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (config), e->name);
      g_autoptr(GSettingsSchemaKey) key = NULL;
      g_autoptr(GVariant) def = NULL;
      g_autoptr(GVariant) range = NULL;
      const char *range_type = NULL;
      g_autoptr(GVariant) limits = NULL;

      g_test_message ("key %s", e->name);
      g_assert_true (g_settings_schema_has_key (schema, e->name));
      key = g_settings_schema_get_key (schema, e->name);

      def = g_settings_schema_key_get_default_value (key);
      range = g_settings_schema_key_get_range (key);
      g_variant_get (range, "(&sv)", &range_type, &limits);

      if (e->type == G_TYPE_STRING)
        {
          g_assert_true (g_variant_is_of_type (def, G_VARIANT_TYPE_STRING));
          /* A NULL default is the empty string in the schema. */
          g_assert_cmpstr (g_variant_get_string (def, NULL), ==, e->string ? e->string : "");
        }
      else if (e->type == G_TYPE_BOOLEAN)
        {
          g_assert_true (g_variant_is_of_type (def, G_VARIANT_TYPE_BOOLEAN));
          g_assert_cmpint (g_variant_get_boolean (def), ==, e->number);
        }
      else if (e->type == G_TYPE_INT)
        {
          GParamSpecInt *ispec = G_PARAM_SPEC_INT (pspec);

          g_assert_true (g_variant_is_of_type (def, G_VARIANT_TYPE_INT32));
          g_assert_cmpint (g_variant_get_int32 (def), ==, e->number);
          if (g_str_equal (range_type, "range"))
            {
              gint32 min, max;

              g_variant_get (limits, "(ii)", &min, &max);
              g_assert_cmpint (min, ==, ispec->minimum);
              g_assert_cmpint (max, ==, ispec->maximum);
            }
          else
            {
              g_assert_cmpint (ispec->minimum, ==, G_MININT);
              g_assert_cmpint (ispec->maximum, ==, G_MAXINT);
            }
        }
      else if (e->type == G_TYPE_INT64)
        {
          GParamSpecInt64 *ispec = G_PARAM_SPEC_INT64 (pspec);
          gint64 min, max;

          g_assert_true (g_variant_is_of_type (def, G_VARIANT_TYPE_INT64));
          g_assert_cmpint (g_variant_get_int64 (def), ==, e->number);
          g_assert_cmpstr (range_type, ==, "range");
          g_variant_get (limits, "(xx)", &min, &max);
          g_assert_cmpint (min, ==, ispec->minimum);
          g_assert_cmpint (max, ==, ispec->maximum);
        }
    }
}

static void
test_bind (void)
{
  g_autoptr(GSettingsSchema) schema = load_schema ();
  g_autoptr(SeldonConfig) config = seldon_config_new ();
  g_autoptr(GSettingsBackend) backend = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_auto(GStrv) keys = NULL;
  g_autofree char *level = NULL;
  gint64 body = 0;
  int port = 0;

  g_test_summary ("Every GSettings key binds with g_settings_bind() to the property of the "
                  "same name");

  if (schema == NULL)
    {
      g_test_skip ("data/gschemas.compiled not built");
      return;
    }

  backend = g_memory_settings_backend_new ();
  settings = g_settings_new_full (schema, backend, NULL);
  g_settings_set_int (settings, "http-port", 1234);
  g_settings_set_string (settings, "log-level", "DEBUG");
  g_settings_set_int64 (settings, "max-body-bytes", 77);

  keys = g_settings_schema_list_keys (schema);
  for (gsize i = 0; keys[i] != NULL; i++)
    g_settings_bind (settings, keys[i], config, keys[i], G_SETTINGS_BIND_GET | G_SETTINGS_BIND_GET_NO_CHANGES);

  g_object_get (config, "http-port", &port, "log-level", &level, "max-body-bytes", &body, NULL);
  g_assert_cmpint (port, ==, 1234);
  g_assert_cmpstr (level, ==, "DEBUG");
  g_assert_cmpint (body, ==, 77);

  /* GET_NO_CHANGES: later changes do not reach the object. */
  g_settings_set_int (settings, "http-port", 4321);
  g_object_get (config, "http-port", &port, NULL);
  g_assert_cmpint (port, ==, 1234);
}

/* ---- daemon helpers ---------------------------------------------------------------------- */

static void
test_py_int (void)
{
  static const struct
  {
    const char *text;
    SmdParseResult result;
    gint64 value;
  } cases[] = {
    { "0", SMD_PARSE_OK, 0 },
    { "42", SMD_PARSE_OK, 42 },
    { " 42\n", SMD_PARSE_OK, 42 },
    { "+7", SMD_PARSE_OK, 7 },
    { "-7", SMD_PARSE_OK, -7 },
    { "1_000", SMD_PARSE_OK, 1000 },
    { "007", SMD_PARSE_OK, 7 },
    { "9223372036854775807", SMD_PARSE_OK, G_MAXINT64 },
    { "-9223372036854775808", SMD_PARSE_OK, G_MININT64 },
    { "9223372036854775808", SMD_PARSE_OVERFLOW, 0 },
    { "", SMD_PARSE_INVALID, 0 },
    { " ", SMD_PARSE_INVALID, 0 },
    { "1.5", SMD_PARSE_INVALID, 0 },
    { "1e3", SMD_PARSE_INVALID, 0 },
    { "0x10", SMD_PARSE_INVALID, 0 },
    { "_1", SMD_PARSE_INVALID, 0 },
    { "1_", SMD_PARSE_INVALID, 0 },
    { "1__0", SMD_PARSE_INVALID, 0 },
    { "- 1", SMD_PARSE_INVALID, 0 },
    { "abc", SMD_PARSE_INVALID, 0 },
  };

  g_test_summary ("Integers are parsed like Python int()");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 value = 0;

      g_test_message ("int(%s)", cases[i].text);
      g_assert_cmpint (smd_parse_py_int (cases[i].text, &value), ==, cases[i].result);
      if (cases[i].result == SMD_PARSE_OK)
        g_assert_cmpint (value, ==, cases[i].value);
    }
}

static void
test_py_float (void)
{
  static const struct
  {
    const char *text;
    gboolean ok;
    double value;
  } cases[] = {
    { "0.5", TRUE, 0.5 },
    { " -1.25 ", TRUE, -1.25 },
    { "1e3", TRUE, 1000 },
    { "1E-2", TRUE, 0.01 },
    { ".5", TRUE, 0.5 },
    { "5.", TRUE, 5 },
    { "1_000.5", TRUE, 1000.5 },
    { "+3", TRUE, 3 },
    { "", FALSE, 0 },
    { ".", FALSE, 0 },
    { "e3", FALSE, 0 },
    { "0x1p3", FALSE, 0 },
    { "1,5", FALSE, 0 },
    { "1e", FALSE, 0 },
    { "nanx", FALSE, 0 },
  };
  double value = 0;

  g_test_summary ("Floats are parsed like Python float()");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("float(%s)", cases[i].text);
      g_assert_cmpint (smd_parse_py_float (cases[i].text, &value), ==, cases[i].ok);
      if (cases[i].ok)
        g_assert_cmpfloat (value, ==, cases[i].value);
    }

  g_assert_true (smd_parse_py_float ("inf", &value) && isinf (value) && value > 0);
  g_assert_true (smd_parse_py_float ("-Infinity", &value) && isinf (value) && value < 0);
  g_assert_true (smd_parse_py_float ("NaN", &value) && isnan (value));
}

static void
test_booleans (void)
{
  const char *yes[] = { "y", "YES", "t", "True", "on", "1" };
  const char *no[] = { "n", "No", "f", "FALSE", "off", "0" };
  gboolean b;

  g_test_summary ("Boolean rules: strtobool(), command-line flags, the three environment rules");

  for (gsize i = 0; i < G_N_ELEMENTS (yes); i++)
    g_assert_true (smd_parse_strtobool (yes[i], &b) && b);
  for (gsize i = 0; i < G_N_ELEMENTS (no); i++)
    g_assert_true (smd_parse_strtobool (no[i], &b) && !b);
  g_assert_false (smd_parse_strtobool ("maybe", &b));
  g_assert_false (smd_parse_strtobool ("", &b));

  g_assert_true (smd_parse_flag_bool ("", &b) && !b);
  g_assert_true (smd_parse_flag_bool ("false", &b) && !b);
  g_assert_true (smd_parse_flag_bool ("0", &b) && !b);
  g_assert_true (smd_parse_flag_bool ("true", &b) && b);

  /* Standard rule: 1/true/t only. */
  g_assert_true (smd_env_bool_standard ("1"));
  g_assert_true (smd_env_bool_standard ("TRUE"));
  g_assert_true (smd_env_bool_standard ("t"));
  g_assert_false (smd_env_bool_standard ("yes"));
  g_assert_false (smd_env_bool_standard ("on"));
  g_assert_false (smd_env_bool_standard (""));
  /* INCLUDE_METRICS_IN_CLIENT_RESPONSE: only "true". */
  g_assert_true (smd_env_bool_true_only ("True"));
  g_assert_false (smd_env_bool_true_only ("1"));
  g_assert_false (smd_env_bool_true_only ("t"));
  /* SELDON_EXECUTOR_ENABLED: anything but "false". */
  g_assert_false (smd_env_bool_unless_false ("FALSE"));
  g_assert_true (smd_env_bool_unless_false ("0"));
  g_assert_true (smd_env_bool_unless_false (""));
}

static void
test_repr (void)
{
  const char *list[] = { "REST", "it's", NULL };
  g_autofree char *a = smd_py_repr_str ("a\\b\n");
  g_autofree char *b = smd_py_repr_strv (list);
  g_autofree char *c = smd_py_repr_strv (NULL);

  g_test_summary ("Python repr() of strings and lists, for messages");

  g_assert_cmpstr (a, ==, "'a\\\\b\\n'");
  g_assert_cmpstr (b, ==, "['REST', \"it's\"]");
  g_assert_cmpstr (c, ==, "[]");

  g_assert_true (smd_looks_like_negative_number ("-5"));
  g_assert_true (smd_looks_like_negative_number ("-.5"));
  g_assert_true (smd_looks_like_negative_number ("-1.5"));
  g_assert_false (smd_looks_like_negative_number ("-x"));
  g_assert_false (smd_looks_like_negative_number ("--5"));
  g_assert_false (smd_looks_like_negative_number ("-"));
}

static void
test_annotations (void)
{
  g_autoptr(GHashTable) table = NULL;

  g_test_summary ("Pod annotations: split at the first '=', both sides trimmed, the value's "
                  "first and last characters dropped; lines without '=' skipped");

  table = smd_annotations_parse ("seldon.io/rest-timeout=\"1500\"\n"
                                 " key =  \"a==b\" \n"
                                 "no-equals-sign\n"
                                 "short=x\n"
                                 "empty=\n"
                                 "single='quoted'\r\n"
                                 "last=\"no newline\"");

  g_assert_cmpuint (g_hash_table_size (table), ==, 6);
  g_assert_cmpstr (g_hash_table_lookup (table, "seldon.io/rest-timeout"), ==, "1500");
  g_assert_cmpstr (g_hash_table_lookup (table, "key"), ==, "a==b");
  g_assert_cmpstr (g_hash_table_lookup (table, "short"), ==, "");
  g_assert_cmpstr (g_hash_table_lookup (table, "empty"), ==, "");
  g_assert_cmpstr (g_hash_table_lookup (table, "single"), ==, "quoted");
  g_assert_cmpstr (g_hash_table_lookup (table, "last"), ==, "no newline");
  g_assert_false (g_hash_table_contains (table, "no-equals-sign"));
}

static SmdParameter *
find_parameter (GPtrArray  *parameters,
                const char *name)
{
  for (guint i = 0; i < parameters->len; i++)
    {
      SmdParameter *p = g_ptr_array_index (parameters, i);

      if (g_str_equal (p->name, name))
        return p;
    }

  return NULL;
}

static void
test_parameters (void)
{
  g_autoptr(GPtrArray) parameters = NULL;
  g_autoptr(GError) error = NULL;
  SmdParameter *p;

  g_test_summary ("Model parameters: the five types, JSON numbers and booleans, duplicates");

  parameters = smd_parameters_parse ("["
                                     "{\"name\":\"i\",\"value\":\" 1_000 \",\"type\":\"INT\"},"
                                     "{\"name\":\"n\",\"value\":-3,\"type\":\"INT\"},"
                                     "{\"name\":\"f\",\"value\":\"1e-3\",\"type\":\"FLOAT\"},"
                                     "{\"name\":\"d\",\"value\":2,\"type\":\"DOUBLE\"},"
                                     "{\"name\":\"s\",\"value\":\"text\",\"type\":\"STRING\"},"
                                     "{\"name\":\"b\",\"value\":\"Off\",\"type\":\"BOOL\"},"
                                     "{\"name\":\"j\",\"value\":true,\"type\":\"BOOL\"},"
                                     "{\"name\":\"i\",\"value\":\"5\",\"type\":\"INT\"}"
                                     "]", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parameters->len, ==, 7);

  p = find_parameter (parameters, "i");
  g_assert_cmpint (g_value_get_int64 (&p->value), ==, 5);
  p = find_parameter (parameters, "n");
  g_assert_cmpint (g_value_get_int64 (&p->value), ==, -3);
  p = find_parameter (parameters, "f");
  g_assert_cmpfloat (g_value_get_double (&p->value), ==, 1e-3);
  p = find_parameter (parameters, "d");
  g_assert_cmpfloat (g_value_get_double (&p->value), ==, 2);
  p = find_parameter (parameters, "s");
  g_assert_cmpstr (g_value_get_string (&p->value), ==, "text");
  p = find_parameter (parameters, "b");
  g_assert_false (g_value_get_boolean (&p->value));
  p = find_parameter (parameters, "j");
  g_assert_true (g_value_get_boolean (&p->value));

  g_clear_pointer (&parameters, g_ptr_array_unref);
  parameters = smd_parameters_parse (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parameters->len, ==, 0);
}

static void
test_parameters_errors (void)
{
  static const struct
  {
    const char *json;
    const char *message;
  } cases[] = {
    { "[{\"name\":\"x\",\"value\":\"1.5\",\"type\":\"INT\"}]",
      "Bad model parameter: x with value 1.5 can't be parsed as a INT" },
    { "[{\"name\":\"x\",\"value\":1.5,\"type\":\"INT\"}]",
      "Bad model parameter: x with value 1.5 can't be parsed as a INT" },
    { "[{\"name\":\"x\",\"value\":\"abc\",\"type\":\"FLOAT\"}]",
      "Bad model parameter: x with value abc can't be parsed as a FLOAT" },
    { "[{\"name\":\"x\",\"value\":\"maybe\",\"type\":\"BOOL\"}]",
      "Bad model parameter: x with value maybe can't be parsed as a BOOL" },
    { "[{\"name\":\"x\",\"value\":\"1\",\"type\":\"LONG\"}]",
      "Bad model parameter type: LONG valid are INT, FLOAT, DOUBLE, STRING, BOOL" },
    { "[{\"name\":\"x\",\"value\":\"1\"}]",
      "Bad model parameter type: None valid are INT, FLOAT, DOUBLE, STRING, BOOL" },
  };

  g_test_summary ("Model parameter errors carry the wrapper's exact messages (exit status 1)");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) parameters = smd_parameters_parse (cases[i].json, &error);

      g_assert_null (parameters);
      g_assert_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) parameters = smd_parameters_parse ("[{", &error);

    g_assert_null (parameters);
    g_assert_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) parameters = smd_parameters_parse ("{}", &error);

    g_assert_null (parameters);
    g_assert_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/seldon/config/defaults", test_defaults);
  g_test_add_func ("/seldon/config/set-get", test_set_get);
  g_test_add_func ("/seldon/config/ranges", test_ranges);
  g_test_add_func ("/seldon/config/copy", test_copy);
  g_test_add_func ("/seldon/config/effective-threads", test_effective_threads);
  g_test_add_func ("/seldon/config/schema", test_schema);
  g_test_add_func ("/seldon/config/bind", test_bind);
  g_test_add_func ("/seldon/microservice/py-int", test_py_int);
  g_test_add_func ("/seldon/microservice/py-float", test_py_float);
  g_test_add_func ("/seldon/microservice/booleans", test_booleans);
  g_test_add_func ("/seldon/microservice/repr", test_repr);
  g_test_add_func ("/seldon/microservice/annotations", test_annotations);
  g_test_add_func ("/seldon/microservice/parameters", test_parameters);
  g_test_add_func ("/seldon/microservice/parameters-errors", test_parameters_errors);

  return g_test_run ();
}
