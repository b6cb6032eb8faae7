/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for SeldonMetrics: recording, labels and exposition bytes (metrics.md,
 * decisions.md D3, parity-checklist.md sections N and O). */

#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>

#include "seldon-call-private.h"
#include "seldon-config.h"
#include "seldon-json-private.h"
#include "seldon-metrics-private.h"

/* The labels metrics.md §4.2's example gives, for slot 0. */
#define EXAMPLE_LABELS "deployment_name=\"mydep\",image_name=\"reg:5000/org/img\",image_version=\"1.2\"," \
  "method=\"predict\",model_image=\"reg:5000/org/img\",model_name=\"my-model\",model_version=\"1.2\"," \
  "predictor_name=\"default\",predictor_version=\"v7\",seldon_deployment_name=\"mydep\",worker_id=\"0\""

/* The default labels without any configuration; A = before `method`, B = after it. */
#define NI "\"NOT_IMPLEMENTED\""
#define DEFAULTS_A "deployment_name=" NI ",image_name=" NI ",image_version=" NI
#define DEFAULTS_B "model_image=" NI ",model_name=" NI ",model_version=" NI ",predictor_name=" NI \
  ",predictor_version=" NI ",seldon_deployment_name=" NI

/* ------------------------------------------------------------------------------------------ */
/* Helpers */

static GPtrArray *warnings;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  if (log_level & G_LOG_LEVEL_WARNING)
    {
      for (gsize i = 0; i < n_fields; i++)
        if (strcmp (fields[i].key, "MESSAGE") == 0)
          {
            g_ptr_array_add (warnings, g_strdup (fields[i].value));
            return G_LOG_WRITER_HANDLED;
          }
    }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static gboolean
warned (const char *message)
{
  for (guint i = 0; i < warnings->len; i++)
    if (strcmp (g_ptr_array_index (warnings, i), message) == 0)
      return TRUE;
  return FALSE;
}

static SeldonJson *
json (const char *text)
{
  g_autoptr(GError) error = NULL;
  SeldonJson *value = seldon_json_parse (text, -1, &error);

  g_assert_no_error (error);
  return value;
}

static void
record (SeldonMetrics *metrics,
        guint          slot,
        const char    *method,
        const char    *list)
{
  g_autoptr(SeldonJson) value = json (list);

  seldon_metrics_record (metrics, slot, method, value);
}

static char *
render (SeldonMetrics       *metrics,
        SeldonMetricsFormat  format)
{
  g_autoptr(GBytes) bytes = seldon_metrics_render (metrics, format);
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  g_assert_cmpuint (strlen (data != NULL ? data : ""), ==, size);
  return g_strndup (data, size);
}

static char *
render_text (SeldonMetrics *metrics)
{
  return render (metrics, SELDON_METRICS_FORMAT_TEXT);
}

static SeldonConfig *
example_config (void)
{
  SeldonConfig *config = seldon_config_new ();

  g_object_set (config,
                "unit-id", "my-model",
                "unit-image", "reg:5000/org/img:1.2",
                "deployment-id", "mydep",
                "predictor-id", "default",
                "predictor-labels", "{\"version\":\"v7\"}",
                NULL);
  return config;
}

/* The line of @text starting with @prefix (must exist). */
static char *
find_line (const char *text,
           const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strdup (lines[i]);
  g_error ("no line starts with “%s” in:\n%s", prefix, text);
  return NULL;
}

static guint
count_occurrences (const char *text,
                   const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Exposition */

static void
test_empty (void)
{
  g_autoptr(SeldonMetrics) metrics = seldon_metrics_new (NULL, SELDON_METRICS_FLAGS_NONE);
  g_autofree char *text = render_text (metrics);
  g_autofree char *om = render (metrics, SELDON_METRICS_FORMAT_OPENMETRICS);

  g_test_summary ("Row 178: nothing recorded gives an empty body; OpenMetrics only `# EOF`");
  g_assert_cmpstr (text, ==, "");
  g_assert_cmpstr (om, ==, "# EOF\n");
}

static void
test_spec_example (void)
{
  g_autoptr(SeldonConfig) config = example_config ();
  g_autoptr(SeldonMetrics) metrics = seldon_metrics_new (config, SELDON_METRICS_FLAGS_NONE);
  g_autofree char *text = NULL;

  g_test_summary ("Rows 180, 181, 184, 185: metrics.md §4.2's example, byte for byte (worker_id is "
                  "the slot, decisions.md D3)");
  record (metrics, 0, "predict",
          "[{\"type\":\"COUNTER\",\"key\":\"mycounter\",\"value\":1},"
          "{\"type\":\"GAUGE\",\"key\":\"mygauge\",\"value\":100}]");
  text = render_text (metrics);
  g_assert_cmpstr (text, ==,
                   "# HELP mycounter_total \n"
                   "# TYPE mycounter_total counter\n"
                   "mycounter_total{" EXAMPLE_LABELS "} 1.0\n"
                   "# HELP mygauge \n"
                   "# TYPE mygauge gauge\n"
                   "mygauge{" EXAMPLE_LABELS "} 100.0\n");
}

static void
test_counter_gauge_semantics (void)
{
  g_autoptr(SeldonMetrics) metrics = seldon_metrics_new (NULL, SELDON_METRICS_FLAGS_NONE);
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;

  g_test_summary ("Row 173: COUNTER adds, GAUGE sets; `x` and `x_total` are one counter; a "
                  "missing type is a COUNTER; booleans count as 1");
  record (metrics, 0, "predict",
          "[{\"type\":\"COUNTER\",\"key\":\"c\",\"value\":1},{\"type\":\"COUNTER\",\"key\":\"c_total\",\"value\":2.5},"
          "{\"type\":\"GAUGE\",\"key\":\"g\",\"value\":3},{\"type\":\"GAUGE\",\"key\":\"g\",\"value\":-7.25},"
          "{\"key\":\"d\",\"value\":true}]");
  record (metrics, 0, "predict", "[{\"type\":\"COUNTER\",\"key\":\"c\",\"value\":-0.5}]");
  text = render_text (metrics);

  g_assert_cmpstr ((line = find_line (text, "c_total{")), ==,
                   "c_total{" DEFAULTS_A ",method=\"predict\"," DEFAULTS_B ",worker_id=\"0\"} 3.0");
  g_clear_pointer (&line, g_free);
  g_assert_cmpstr ((line = find_line (text, "g{")), ==,
                   "g{" DEFAULTS_A ",method=\"predict\"," DEFAULTS_B ",worker_id=\"0\"} -7.25");
  g_clear_pointer (&line, g_free);
  g_assert_true (g_str_has_suffix ((line = find_line (text, "d_total{")), "} 1.0"));
  g_assert_cmpuint (count_occurrences (text, "# TYPE c_total counter\n"), ==, 1);
}

static void
test_timer (void)
{
  g_autoptr(SeldonMetrics) metrics = seldon_metrics_new (NULL, SELDON_METRICS_FLAGS_NONE);
  g_autoptr(GString) expected = g_string_new ("# HELP t \n# TYPE t histogram\n");
  g_autofree char *text = NULL;
  static const char *const bounds[] = {
    "0.001", "0.0012341553253454693", "0.0015231393670785815", "0.0018797905611233593",
    "0.0023199535315445415", "0.002863183005509725", "0.0035336125536884733", "0.004361026750842238",
    "0.005382184388525997", "0.006642451525090608", "0.008197816923039709", "0.010117379411776668",
    "0.012486417679584786", "0.015410178873747385", "0.019018554321561593", "0.02347185009632733",
    "0.028967908792092944", "0.03575089889988335", "0.04412216226317852", "0.05445360152285871",
    "0.06720420230367624", "0.0829404241586763", "0.10236136616184238", "0.12632982515827532",
    "0.15591062646904755", "0.19241792993472334", "0.2374736129208902", "0.2930793240153456",
    "0.3617054084821892", "0.44640065608455204", "0.5509277469444613", "0.6799304127720881",
    "0.8391397397870157", "1.035628778567157", "1.2781267721496807", "1.5774069623151439",
    "1.9467652027782552", "2.402610642206036", "2.965194718810281", "3.65951085290597",
    "4.516404807273444", "5.573945044312399", "6.879113959621136", "8.489895126924782",
    "10.477849282518772", "12.931293490187748", "15.959224724520412", "19.696162182151948",
    "24.30812344597087", "29.999999999999996", "+Inf",
  };

  g_test_summary ("Rows 180, 186: a TIMER of 20.2 ms is a histogram with the 50 exact bounds, "
                  "+Inf, _count and _sum (metrics.md §4.3's example)");
  g_assert_cmpuint (G_N_ELEMENTS (bounds), ==, 51);
  record (metrics, 0, "predict", "[{\"type\":\"TIMER\",\"key\":\"t\",\"value\":20.2}]");
  text = render_text (metrics);

  for (guint i = 0; i < G_N_ELEMENTS (bounds); i++)
    g_string_append_printf (expected, "t_bucket{" DEFAULTS_A ",le=\"%s\",method=\"predict\"," DEFAULTS_B
                            ",worker_id=\"0\"} %s\n", bounds[i], i < 15 ? "0.0" : "1.0");
  g_string_append (expected, "t_count{" DEFAULTS_A ",method=\"predict\"," DEFAULTS_B ",worker_id=\"0\"} 1.0\n");
  g_string_append (expected, "t_sum{" DEFAULTS_A ",method=\"predict\"," DEFAULTS_B ",worker_id=\"0\"} 0.0202\n");
  g_assert_cmpstr (text, ==, expected->str);
}

/* The cumulative count of bucket @le in @text for the series of TIMER @key. */
static char *
bucket_value (const char *text,
              const char *key,
              const char *le)
{
  g_autofree char *needle = g_strdup_printf (",le=\"%s\",", le);
  g_autofree char *prefix = g_strdup_printf ("%s_bucket{", key);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix) && strstr (lines[i], needle) != NULL)
      return g_strdup (strrchr (lines[i], ' ') + 1);
  g_error ("no bucket %s of %s", le, key);
  return NULL;
}

static void
test_timer_boundaries (void)
{
  g_autoptr(SeldonMetrics) metrics = seldon_metrics_new (NULL, SELDON_METRICS_FLAGS_NONE);
  g_autofree char *text = NULL;
  g_autofree char *v = NULL;

  g_test_summary ("Row 187: an observation equal to a bound counts in the next bucket; "
                  "negative and NaN observations only change _sum; 0 and +Inf have bins");
  record (metrics, 0, "predict", "[{\"type\":\"TIMER\",\"key\":\"edge\",\"value\":1}]");           /* x = 0.001 */
  record (metrics, 0, "predict", "[{\"type\":\"TIMER\",\"key\":\"top\",\"value\":29999.999999999996}]");
  record (metrics, 0, "predict", "[{\"type\":\"TIMER\",\"key\":\"zero\",\"value\":0}]");
  record (metrics, 0, "predict", "[{\"type\":\"TIMER\",\"key\":\"neg\",\"value\":-5}]");
  record (metrics, 0, "predict", "[{\"type\":\"TIMER\",\"key\":\"nan\",\"value\":NaN},"
                                 "{\"type\":\"TIMER\",\"key\":\"inf\",\"value\":Infinity}]");
  text = render_text (metrics);

  g_assert_cmpfloat (1.0 / 1000, ==, 0.001);
  g_assert_cmpstr ((v = bucket_value (text, "edge", "0.001")), ==, "0.0");
  g_clear_pointer (&v, g_free);
  g_assert_cmpstr ((v = bucket_value (text, "edge", "0.0012341553253454693")), ==, "1.0");
  g_clear_pointer (&v, g_free);

  /* 29999.999999999996 / 1000 is the last bound itself, or just below it */
  if (29999.999999999996 / 1000 == 29.999999999999996)
    {
      g_assert_cmpstr ((v = bucket_value (text, "top", "29.999999999999996")), ==, "0.0");
      g_clear_pointer (&v, g_free);
    }
  g_assert_cmpstr ((v = bucket_value (text, "top", "+Inf")), ==, "1.0");
  g_clear_pointer (&v, g_free);

  g_assert_cmpstr ((v = bucket_value (text, "zero", "0.001")), ==, "1.0");
  g_clear_pointer (&v, g_free);

  g_assert_cmpstr ((v = bucket_value (text, "neg", "+Inf")), ==, "0.0");
  g_clear_pointer (&v, g_free);
  g_assert_cmpstr ((v = find_line (text, "neg_count{")), ==,
                   "neg_count{" DEFAULTS_A ",method=\"predict\"," DEFAULTS_B ",worker_id=\"0\"} 0.0");
  g_clear_pointer (&v, g_free);
  g_assert_cmpstr ((v = find_line (text, "neg_sum{")), ==,
                   "neg_sum{" DEFAULTS_A ",method=\"predict\"," DEFAULTS_B ",worker_id=\"0\"} -0.005");
  g_clear_pointer (&v, g_free);

  g_assert_cmpstr ((v = bucket_value (text, "nan", "+Inf")), ==, "0.0");
  g_clear_pointer (&v, g_free);
  g_assert_true (g_str_has_suffix ((v = find_line (text, "nan_sum{")), "} NaN"));
  g_clear_pointer (&v, g_free);

  g_assert_cmpstr ((v = bucket_value (text, "inf", "29.999999999999996")), ==, "0.0");
  g_clear_pointer (&v, g_free);
  g_assert_cmpstr ((v = bucket_value (text, "inf", "+Inf")), ==, "1.0");
  g_clear_pointer (&v, g_free);
  g_assert_true (g_str_has_suffix ((v = find_line (text, "inf_sum{")), "} +Inf"));
}

static void
test_every_bound (void)
{
  static const double bounds[] = {
    0.001, 0.0012341553253454693, 0.0015231393670785815, 0.0018797905611233593, 0.0023199535315445415,
    0.002863183005509725, 0.0035336125536884733, 0.004361026750842238, 0.005382184388525997,
    0.006642451525090608, 0.008197816923039709, 0.010117379411776668, 0.012486417679584786,
    0.015410178873747385, 0.019018554321561593, 0.02347185009632733, 0.028967908792092944,
    0.03575089889988335, 0.04412216226317852, 0.05445360152285871, 0.06720420230367624,
    0.0829404241586763, 0.10236136616184238, 0.12632982515827532, 0.15591062646904755,
    0.19241792993472334, 0.2374736129208902, 0.2930793240153456, 0.3617054084821892,
    0.44640065608455204, 0.5509277469444613, 0.6799304127720881, 0.8391397397870157,
    1.035628778567157, 1.2781267721496807, 1.5774069623151439, 1.9467652027782552,
    2.402610642206036, 2.965194718810281, 3.65951085290597, 4.516404807273444, 5.573945044312399,
    6.879113959621136, 8.489895126924782, 10.477849282518772, 12.931293490187748,
    15.959224724520412, 19.696162182151948, 24.30812344597087, 29.999999999999996,
  };
  guint checked = 0;

  g_test_summary ("Row 187: at every bound whose value a millisecond TIMER reaches exactly, the "
                  "observation is counted from the next bucket on");
  for (guint i = 0; i < G_N_ELEMENTS (bounds); i++)
    {
      g_autoptr(SeldonMetrics) metrics = seldon_metrics_new (NULL, SELDON_METRICS_FLAGS_NONE);
      g_autoptr(SeldonJson) list = seldon_json_new_array ();
      g_autoptr(SeldonJson) metric = seldon_json_new_object ();
      g_autofree char *text = NULL;
      g_autofree char *at = NULL;
      g_autofree char *le = NULL;
      g_autoptr(GString) repr = g_string_new (NULL);
      double ms = bounds[i] * 1000;

      if (ms / 1000 != bounds[i])
        continue;
      checked++;
      seldon_json_object_set (metric, "type", seldon_json_new_string ("TIMER"));
      seldon_json_object_set (metric, "key", seldon_json_new_string ("b"));
      seldon_json_object_set (metric, "value", seldon_json_new_double (ms));
      seldon_json_array_append (list, seldon_json_ref (metric));
      seldon_metrics_record (metrics, 0, "predict", list);
      text = render_text (metrics);
      seldon_json_append_double (repr, bounds[i], FALSE);
      g_assert_cmpstr ((at = bucket_value (text, "b", repr->str)), ==, "0.0");
      if (i + 1 < G_N_ELEMENTS (bounds))
        {
          g_string_truncate (repr, 0);
          seldon_json_append_double (repr, bounds[i + 1], FALSE);
          le = g_strdup (repr->str);
        }
      else
        le = g_strdup ("+Inf");
      g_clear_pointer (&at, g_free);
      g_assert_cmpstr ((at = bucket_value (text, "b", le)), ==, "1.0");
    }
  g_assert_cmpuint (checked, >, 10);
}

static void
test_values (void)
{
  static const struct
  {
    double      value;
    const char *text;
  } cases[] = {
    { 1, "1.0" }, { 0.5, "0.5" }, { 100, "100.0" }, { 0.0202, "0.0202" }, { -0.005, "-0.005" },
    { 0, "0.0" }, { -0.0, "-0.0" }, { 123456, "123456.0" }, { 999999.5, "999999.5" },
    { 1234567, "1.234567e+06" }, { 1000000, "1e+06" }, { 10000000, "1e+07" },
    { 1234567.5, "1.2345675e+06" }, { 12345678901.0, "1.2345678901e+010" },
    { 1e16, "1e+16" }, { 1.5e300, "1.5e+300" }, { 1e-05, "1e-05" }, { 0.0001, "0.0001" },
    { -1234567, "-1234567.0" }, { INFINITY, "+Inf" }, { -INFINITY, "-Inf" }, { NAN, "NaN" },
  };

  g_test_summary ("Row 185: values as Python floats, Go-style exponents above 6 integer digits");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) out = g_string_new ("x");

      seldon_metrics_append_value (out, cases[i].value);
      g_assert_cmpstr (out->str + 1, ==, cases[i].text);
    }
}

static void
test_labels (void)
{
  g_autoptr(SeldonConfig) config = example_config ();
  g_autoptr(SeldonMetrics) metrics = seldon_metrics_new (config, SELDON_METRICS_FLAGS_NONE);
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;

  g_test_summary ("Rows 181, 182, 184: user tags sorted among the defaults, escaped; the method "
                  "label, default labels and worker_id win over user tags of the same name");
  record (metrics, 3, "router",
          "[{\"type\":\"GAUGE\",\"key\":\"g\",\"value\":1,\"tags\":{\"zeta\":\"z\",\"alpha\":\"a\\\\b\\nc\\\"d\","
          "\"method\":\"mine\",\"model_name\":\"mine\",\"worker_id\":\"mine\",\"num\":5,\"flag\":true,\"__x\":\"u\"}}]");
  text = render_text (metrics);
  line = find_line (text, "g{");
  g_assert_cmpstr (line, ==,
                   "g{__x=\"u\",alpha=\"a\\\\b\\nc\\\"d\",deployment_name=\"mydep\",flag=\"True\","
                   "image_name=\"reg:5000/org/img\",image_version=\"1.2\",method=\"router\","
                   "model_image=\"reg:5000/org/img\",model_name=\"my-model\",model_version=\"1.2\","
                   "num=\"5\",predictor_name=\"default\",predictor_version=\"v7\","
                   "seldon_deployment_name=\"mydep\",worker_id=\"3\",zeta=\"z\"} 1.0");
}

static void
test_same_series (void)
{
  g_autoptr(SeldonMetrics) metrics = seldon_metrics_new (NULL, SELDON_METRICS_FLAGS_NONE);
  g_autofree char *text = NULL;

  g_test_summary ("metrics.md §2: tag order does not matter; other tags, methods, slots or types "
                  "are other series; series of one name share one HELP/TYPE block (row 190)");
  record (metrics, 0, "predict", "[{\"type\":\"COUNTER\",\"key\":\"c\",\"value\":1,\"tags\":{\"a\":\"1\",\"b\":\"2\"}},"
                                 "{\"type\":\"COUNTER\",\"key\":\"c\",\"value\":1,\"tags\":{\"b\":\"2\",\"a\":\"1\"}},"
                                 "{\"type\":\"COUNTER\",\"key\":\"c\",\"value\":1,\"tags\":{\"a\":\"2\"}}]");
  record (metrics, 0, "feedback", "[{\"type\":\"COUNTER\",\"key\":\"c\",\"value\":1}]");
  record (metrics, 1, "predict", "[{\"type\":\"COUNTER\",\"key\":\"c\",\"value\":1,\"tags\":{\"a\":\"1\",\"b\":\"2\"}}]");
  text = render_text (metrics);

  g_assert_cmpuint (count_occurrences (text, "# TYPE c_total counter\n"), ==, 1);
  g_assert_cmpuint (count_occurrences (text, "# HELP c_total \n"), ==, 1);
  g_assert_cmpuint (count_occurrences (text, "\nc_total{"), ==, 4);
  g_assert_nonnull (strstr (text, "c_total{a=\"1\",b=\"2\"," DEFAULTS_A ",method=\"predict\"," DEFAULTS_B ",worker_id=\"0\"} 2.0\n"));
  g_assert_nonnull (strstr (text, "c_total{a=\"1\",b=\"2\"," DEFAULTS_A ",method=\"predict\"," DEFAULTS_B ",worker_id=\"1\"} 1.0\n"));
  g_assert_nonnull (strstr (text, "c_total{a=\"2\"," DEFAULTS_A ",method=\"predict\"," DEFAULTS_B ",worker_id=\"0\"} 1.0\n"));
  g_assert_nonnull (strstr (text, "c_total{" DEFAULTS_A ",method=\"feedback\"," DEFAULTS_B ",worker_id=\"0\"} 1.0\n"));
}

static void
test_default_labels (void)
{
  static const struct
  {
    const char *image;
    const char *predictor_labels;
    const char *expected;
  } cases[] = {
    { NULL, "{}", "deployment_name=" NI ",image_name=" NI ",image_version=" NI ",method=\"predict\","
                  "model_image=" NI ",model_name=" NI ",model_version=" NI ",predictor_name=" NI ","
                  "predictor_version=" NI ",seldon_deployment_name=" NI ",worker_id=\"0\"" },
    { "img", "{\"version\":3}", "deployment_name=" NI ",image_name=\"\",image_version=\"img\",method=\"predict\","
                                "model_image=\"\",model_name=" NI ",model_version=\"img\",predictor_name=" NI ","
                                "predictor_version=\"3\",seldon_deployment_name=" NI ",worker_id=\"0\"" },
    { "localhost:32000/iris:0.1", "{\"other\":1}",
      "deployment_name=" NI ",image_name=\"localhost:32000/iris\",image_version=\"0.1\",method=\"predict\","
      "model_image=\"localhost:32000/iris\",model_name=" NI ",model_version=\"0.1\",predictor_name=" NI ","
      "predictor_version=" NI ",seldon_deployment_name=" NI ",worker_id=\"0\"" },
  };

  g_test_summary ("Row 181: default labels from the configuration, NOT_IMPLEMENTED when unset; "
                  "the image splits at its last ':'");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SeldonConfig) config = seldon_config_new ();
      g_autoptr(SeldonMetrics) metrics = NULL;
      g_autofree char *text = NULL;
      g_autofree char *expected = NULL;

      g_object_set (config, "unit-image", cases[i].image, "predictor-labels", cases[i].predictor_labels, NULL);
      metrics = seldon_metrics_new (config, SELDON_METRICS_FLAGS_NONE);
      record (metrics, 0, "predict", "[{\"type\":\"GAUGE\",\"key\":\"g\",\"value\":1}]");
      text = render_text (metrics);
      expected = g_strdup_printf ("# HELP g \n# TYPE g gauge\ng{%s} 1.0\n", cases[i].expected);
      g_assert_cmpstr (text, ==, expected);
    }
}

static void
test_invalid_names (void)
{
  g_autoptr(SeldonMetrics) metrics = seldon_metrics_new (NULL, SELDON_METRICS_FLAGS_NONE);
  g_autofree char *text = NULL;

  g_test_summary ("Row 189 (decisions.md D3): invalid names, reserved names and type conflicts are "
                  "skipped when recorded, logged once per name, and never break the exposition");
  g_ptr_array_set_size (warnings, 0);
  record (metrics, 0, "predict",
          "[{\"type\":\"COUNTER\",\"key\":\"bad-key\",\"value\":1},"
          "{\"type\":\"COUNTER\",\"key\":\"9abc\",\"value\":1},"
          "{\"type\":\"COUNTER\",\"key\":\"\",\"value\":1},"
          "{\"type\":\"COUNTER\",\"key\":5,\"value\":1},"
          "{\"type\":\"GAUGE\",\"key\":\"tagged\",\"value\":1,\"tags\":{\"bad-tag\":\"x\"}},"
          "{\"type\":\"TIMER\",\"key\":\"timed\",\"value\":1,\"tags\":{\"le\":\"x\"}},"
          "{\"type\":\"GAUGE\",\"key\":\"gauge_le\",\"value\":1,\"tags\":{\"le\":\"x\"}},"
          "{\"type\":\"COUNTER\",\"key\":\"seldon_microservice_requests\",\"value\":1},"
          "{\"type\":\"GAUGE\",\"key\":\"process_open_fds\",\"value\":1},"
          "{\"type\":\"COUNTER\",\"key\":\"a:b\",\"value\":1},"
          "{\"type\":\"COUNTER\",\"key\":\"x\",\"value\":1},"
          "{\"type\":\"GAUGE\",\"key\":\"x_total\",\"value\":1},"
          "{\"type\":\"TIMER\",\"key\":\"h\",\"value\":1},"
          "{\"type\":\"GAUGE\",\"key\":\"h_sum\",\"value\":1},"
          "{\"type\":\"GAUGE\",\"key\":\"k_count\",\"value\":1},"
          "{\"type\":\"TIMER\",\"key\":\"k\",\"value\":1},"
          "{\"type\":\"NOPE\",\"key\":\"n\",\"value\":1},"
          "{\"type\":\"GAUGE\",\"key\":\"s\",\"value\":\"str\"}]");
  /* the same bad key again: not logged again */
  record (metrics, 1, "predict", "[{\"type\":\"COUNTER\",\"key\":\"bad-key\",\"value\":1}]");
  text = render_text (metrics);

  g_assert_null (strstr (text, "bad-key"));
  g_assert_null (strstr (text, "9abc"));
  g_assert_null (strstr (text, "tagged"));
  g_assert_null (strstr (text, "timed"));
  g_assert_null (strstr (text, "seldon_microservice"));
  g_assert_null (strstr (text, "process_open_fds"));
  g_assert_null (strstr (text, "# TYPE x_total gauge"));
  g_assert_null (strstr (text, "h_sum{" DEFAULTS_A ",method=\"predict\"," DEFAULTS_B ",worker_id=\"0\"} 1.0"));
  g_assert_null (strstr (text, "# TYPE k histogram"));
  g_assert_null (strstr (text, "\nn"));
  g_assert_null (strstr (text, "\ns"));
  g_assert_nonnull (strstr (text, "\ngauge_le{"));
  g_assert_nonnull (strstr (text, "# TYPE a:b_total counter\n"));
  g_assert_nonnull (strstr (text, "# TYPE x_total counter\n"));
  g_assert_nonnull (strstr (text, "# TYPE h histogram\n"));
  g_assert_nonnull (strstr (text, "# TYPE k_count gauge\n"));

  g_assert_cmpuint (warnings->len, ==, 11);
  g_assert_true (warned ("Custom metric “bad-key” is not recorded: the key is not a valid Prometheus metric name"));
  g_assert_true (warned ("Custom metric “9abc” is not recorded: the key is not a valid Prometheus metric name"));
  g_assert_true (warned ("Custom metric “” is not recorded: the key is not a valid Prometheus metric name"));
  g_assert_true (warned ("Custom metric “5” is not recorded: the key is not a string"));
  g_assert_true (warned ("Custom metric “tagged” is not recorded: the tag “bad-tag” is not a valid Prometheus label name"));
  g_assert_true (warned ("Custom metric “timed” is not recorded: a TIMER cannot have the tag “le”"));
  g_assert_true (warned ("Custom metric “seldon_microservice_requests_total” is not recorded: the name is reserved for the server's own metrics"));
  g_assert_true (warned ("Custom metric “process_open_fds” is not recorded: the name is reserved for the server's own metrics"));
  g_assert_true (warned ("Custom metric “x_total” is not recorded: the name is already used by a metric of another type"));
  g_assert_true (warned ("Custom metric “h_sum” is not recorded: the name is already used by a series of a TIMER metric"));
  g_assert_true (warned ("Custom metric “k” is not recorded: the name of one of its series is already used by another metric"));
  g_ptr_array_set_size (warnings, 0);
}

static void
test_aggregate (void)
{
  g_autoptr(SeldonConfig) config = seldon_config_new ();
  g_autoptr(SeldonMetrics) metrics = NULL;
  g_autofree char *text = NULL;

  g_test_summary ("decisions.md D3: metrics-aggregate drops worker_id: counters and histograms "
                  "sum over the slots, a gauge keeps the last value written");
  g_object_set (config, "metrics-aggregate", TRUE, NULL);
  metrics = seldon_metrics_new (config, SELDON_METRICS_FLAGS_NONE);
  for (guint slot = 0; slot < 4; slot++)
    {
      g_autofree char *list = g_strdup_printf ("[{\"type\":\"COUNTER\",\"key\":\"c\",\"value\":1},"
                                               "{\"type\":\"GAUGE\",\"key\":\"g\",\"value\":%u},"
                                               "{\"type\":\"TIMER\",\"key\":\"t\",\"value\":%u}]",
                                               slot + 10, slot * 10);
      record (metrics, slot, "predict", list);
    }
  seldon_metrics_record_reward (metrics, 0, 0.5);
  seldon_metrics_record_reward (metrics, 2, 0.25);
  text = render_text (metrics);

  g_assert_null (strstr (text, "worker_id"));
  g_assert_nonnull (strstr (text, "\nc_total{" DEFAULTS_A ",method=\"predict\"," DEFAULTS_B "} 4.0\n"));
  g_assert_nonnull (strstr (text, "\ng{" DEFAULTS_A ",method=\"predict\"," DEFAULTS_B "} 13.0\n"));
  g_assert_nonnull (strstr (text, "\nt_count{" DEFAULTS_A ",method=\"predict\"," DEFAULTS_B "} 4.0\n"));
  g_assert_nonnull (strstr (text, "\nt_sum{" DEFAULTS_A ",method=\"predict\"," DEFAULTS_B "} 0.06\n"));
  g_assert_nonnull (strstr (text, "\nseldon_api_model_feedback_total{" DEFAULTS_A ",method=\"feedback\"," DEFAULTS_B "} 2.0\n"));
  g_assert_nonnull (strstr (text, "\nseldon_api_model_feedback_reward_total{" DEFAULTS_A ",method=\"feedback\"," DEFAULTS_B "} 0.75\n"));
}

static void
test_reward (void)
{
  g_autoptr(SeldonMetrics) metrics = seldon_metrics_new (NULL, SELDON_METRICS_FLAGS_NONE);
  g_autoptr(SeldonReply) reply = seldon_reply_new (200, "application/json", NULL);
  g_autofree char *text = NULL;

  g_test_summary ("Rows 131, 188: the two feedback counters, per slot; a zero reward records nothing; "
                  "negative rewards are added; a reply's reward comes before its metrics");
  seldon_metrics_record_reward (metrics, 0, 0.0);
  text = render_text (metrics);
  g_assert_cmpstr (text, ==, "");
  g_clear_pointer (&text, g_free);

  reply->has_reward = TRUE;
  reply->reward = 0.5;
  reply->worker_slot = 1;
  reply->metrics = json ("[{\"method\":\"feedback\",\"metrics\":[{\"type\":\"COUNTER\",\"key\":\"fb\",\"value\":2}]}]");
  seldon_metrics_record_reply (metrics, reply);
  seldon_metrics_record_reward (metrics, 1, -2);
  text = render_text (metrics);
  g_assert_cmpstr (text, ==,
                   "# HELP seldon_api_model_feedback_total \n"
                   "# TYPE seldon_api_model_feedback_total counter\n"
                   "seldon_api_model_feedback_total{" DEFAULTS_A ",method=\"feedback\"," DEFAULTS_B ",worker_id=\"1\"} 2.0\n"
                   "# HELP seldon_api_model_feedback_reward_total \n"
                   "# TYPE seldon_api_model_feedback_reward_total counter\n"
                   "seldon_api_model_feedback_reward_total{" DEFAULTS_A ",method=\"feedback\"," DEFAULTS_B ",worker_id=\"1\"} -1.5\n"
                   "# HELP fb_total \n"
                   "# TYPE fb_total counter\n"
                   "fb_total{" DEFAULTS_A ",method=\"feedback\"," DEFAULTS_B ",worker_id=\"1\"} 2.0\n");
}

static void
test_openmetrics (void)
{
  g_autoptr(SeldonMetrics) metrics = seldon_metrics_new (NULL, SELDON_METRICS_FLAGS_NONE);
  g_autofree char *text = NULL;

  g_test_summary ("OpenMetrics: counter families are named without _total, no empty HELP, "
                  "`# EOF`; a family whose OpenMetrics name is taken is left out there");
  record (metrics, 0, "predict", "[{\"type\":\"COUNTER\",\"key\":\"c\",\"value\":1},"
                                 "{\"type\":\"GAUGE\",\"key\":\"c\",\"value\":2},"
                                 "{\"type\":\"TIMER\",\"key\":\"t\",\"value\":1}]");
  text = render (metrics, SELDON_METRICS_FORMAT_OPENMETRICS);
  g_assert_true (g_str_has_prefix (text, "# TYPE c counter\nc_total{"));
  g_assert_null (strstr (text, "# TYPE c gauge"));
  g_assert_null (strstr (text, "# HELP"));
  g_assert_nonnull (strstr (text, "\n# TYPE t histogram\nt_bucket{"));
  g_assert_true (g_str_has_suffix (text, "\n# EOF\n"));
  g_clear_pointer (&text, g_free);

  text = render_text (metrics);
  g_assert_nonnull (strstr (text, "# TYPE c_total counter\n"));
  g_assert_nonnull (strstr (text, "# TYPE c gauge\n"));
}

static void
test_negotiate (void)
{
  static const struct
  {
    const char         *accept;
    SeldonMetricsFormat format;
  } cases[] = {
    { NULL, SELDON_METRICS_FORMAT_TEXT },
    { "", SELDON_METRICS_FORMAT_TEXT },
    { "*/*", SELDON_METRICS_FORMAT_TEXT },
    { "text/plain", SELDON_METRICS_FORMAT_TEXT },
    { "text/plain;version=0.0.4;q=1,*/*;q=0.1", SELDON_METRICS_FORMAT_TEXT },
    /* Prometheus 2.x */
    { "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
      "text/plain;version=0.0.4;q=0.5,*/*;q=0.1", SELDON_METRICS_FORMAT_OPENMETRICS },
    { "application/openmetrics-text", SELDON_METRICS_FORMAT_OPENMETRICS },
    { "Application/OpenMetrics-Text; Version=0.0.1", SELDON_METRICS_FORMAT_OPENMETRICS },
    { "application/openmetrics-text;version=2.0.0", SELDON_METRICS_FORMAT_TEXT },
    { "application/openmetrics-text;q=0", SELDON_METRICS_FORMAT_TEXT },
    { "application/openmetrics-text;q=0.5, text/plain", SELDON_METRICS_FORMAT_TEXT },
    { "text/plain;q=0.5, application/openmetrics-text;q=0.5", SELDON_METRICS_FORMAT_TEXT },
  };

  g_test_summary ("OpenMetrics only when the scraper prefers it; otherwise text 0.0.4 with one "
                  "charset (row 191)");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (seldon_metrics_negotiate (cases[i].accept), ==, cases[i].format);
  g_assert_cmpstr (seldon_metrics_format_get_content_type (SELDON_METRICS_FORMAT_TEXT), ==,
                   "text/plain; version=0.0.4; charset=utf-8");
  g_assert_cmpstr (seldon_metrics_format_get_content_type (SELDON_METRICS_FORMAT_OPENMETRICS), ==,
                   "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

static void
test_names (void)
{
  g_test_summary ("Prometheus metric and label name rules");
  g_assert_true (seldon_metrics_is_metric_name ("a"));
  g_assert_true (seldon_metrics_is_metric_name ("_a:b_1"));
  g_assert_true (seldon_metrics_is_metric_name (":x"));
  g_assert_false (seldon_metrics_is_metric_name (""));
  g_assert_false (seldon_metrics_is_metric_name ("9abc"));
  g_assert_false (seldon_metrics_is_metric_name ("bad-key"));
  g_assert_false (seldon_metrics_is_metric_name ("é"));
  g_assert_true (seldon_metrics_is_label_name ("a_1"));
  g_assert_true (seldon_metrics_is_label_name ("__a"));
  g_assert_false (seldon_metrics_is_label_name ("a:b"));
  g_assert_false (seldon_metrics_is_label_name ("1a"));
  g_assert_false (seldon_metrics_is_label_name (""));
}

static void
test_builtin (void)
{
  g_autoptr(SeldonMetrics) metrics = seldon_metrics_new (NULL, SELDON_METRICS_FLAGS_BUILTIN);
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  g_autofree char *om = NULL;
  double now = (double) g_get_real_time () / G_USEC_PER_SEC;
  double value;

  g_test_summary ("decisions.md D3: request count and latency by method, protocol and code, the "
                  "in-flight gauge, and the process metrics from /proc");
  seldon_metrics_request_started (metrics);
  seldon_metrics_request_started (metrics);
  seldon_metrics_request_started (metrics);
  seldon_metrics_request_started (metrics);
  seldon_metrics_request_finished (metrics, "predict", "rest", 200, 1000);   /* exactly 0.001 s */
  seldon_metrics_request_finished (metrics, "predict", "rest", 200, 70 * G_USEC_PER_SEC);
  seldon_metrics_request_finished (metrics, "predict", "grpc", 500, 3000);
  text = render_text (metrics);

  g_assert_cmpstr ((line = find_line (text, "seldon_microservice_requests_total{code=\"200\"")), ==,
                   "seldon_microservice_requests_total{code=\"200\"," DEFAULTS_A ",method=\"predict\","
                   "model_image=" NI ",model_name=" NI ",model_version=" NI ",predictor_name=" NI ","
                   "predictor_version=" NI ",protocol=\"rest\",seldon_deployment_name=" NI "} 2.0");
  g_clear_pointer (&line, g_free);
  g_assert_nonnull (strstr (text, "seldon_microservice_requests_total{code=\"500\","));
  g_assert_cmpuint (count_occurrences (text, "# TYPE seldon_microservice_requests_total counter\n"), ==, 1);
  g_assert_nonnull (strstr (text, "# HELP seldon_microservice_requests_total Requests"));
  /* Prometheus `le` semantics for the server's own histogram: 0.001 counts in le="0.001" */
  g_assert_cmpstr ((line = bucket_value (text, "seldon_microservice_request_duration_seconds", "0.0005")), ==, "0.0");
  g_clear_pointer (&line, g_free);
  g_assert_cmpstr ((line = bucket_value (text, "seldon_microservice_request_duration_seconds", "0.001")), ==, "1.0");
  g_clear_pointer (&line, g_free);
  g_assert_cmpstr ((line = bucket_value (text, "seldon_microservice_request_duration_seconds", "60.0")), ==, "1.0");
  g_clear_pointer (&line, g_free);
  g_assert_cmpstr ((line = bucket_value (text, "seldon_microservice_request_duration_seconds", "+Inf")), ==, "2.0");
  g_clear_pointer (&line, g_free);
  g_assert_true (g_str_has_suffix ((line = find_line (text, "seldon_microservice_request_duration_seconds_sum{")),
                                   ",protocol=\"rest\",seldon_deployment_name=" NI "} 70.001"));
  g_clear_pointer (&line, g_free);
  g_assert_true (g_str_has_suffix ((line = find_line (text, "seldon_microservice_requests_in_flight{")), "} 1.0"));
  g_clear_pointer (&line, g_free);

  /* a request that got no answer ends its in-flight count only */
  seldon_metrics_request_finished (metrics, "predict", "rest", 0, 5);
  g_clear_pointer (&text, g_free);
  text = render_text (metrics);
  g_assert_true (g_str_has_suffix ((line = find_line (text, "seldon_microservice_requests_in_flight{")), "} 0.0"));
  g_clear_pointer (&line, g_free);
  g_assert_null (strstr (text, "code=\"0\""));

  line = find_line (text, "process_open_fds ");
  value = g_ascii_strtod (line + strlen ("process_open_fds "), NULL);
  g_assert_cmpfloat (value, >=, 3);
  g_clear_pointer (&line, g_free);
  line = find_line (text, "process_start_time_seconds ");
  value = g_ascii_strtod (line + strlen ("process_start_time_seconds "), NULL);
  g_assert_cmpfloat (value, <=, now + 2);
  g_assert_cmpfloat (value, >, now - 24 * 3600);
  g_clear_pointer (&line, g_free);
  line = find_line (text, "process_resident_memory_bytes ");
  g_assert_cmpfloat (g_ascii_strtod (line + strlen ("process_resident_memory_bytes "), NULL), >, 1 << 20);
  g_clear_pointer (&line, g_free);
  g_assert_nonnull (strstr (text, "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total "));
  g_assert_nonnull (strstr (text, "# TYPE process_max_fds gauge\n"));
  g_assert_nonnull (strstr (text, "# TYPE process_virtual_memory_bytes gauge\n"));

  om = render (metrics, SELDON_METRICS_FORMAT_OPENMETRICS);
  g_assert_nonnull (strstr (om, "# TYPE process_cpu_seconds counter\nprocess_cpu_seconds_total "));
  g_assert_nonnull (strstr (om, "# TYPE seldon_microservice_requests counter\n"));
  g_assert_true (g_str_has_suffix (om, "\n# EOF\n"));
}

static void
test_timings (void)
{
  g_autoptr(SeldonMetrics) metrics = seldon_metrics_new (NULL, SELDON_METRICS_FLAGS_BUILTIN);
  g_autoptr(SeldonReply) reply = seldon_reply_new (200, "application/json", NULL);
  g_autoptr(SeldonReply) refused = seldon_reply_new (503, "application/json", NULL);
  g_autofree char *text = NULL;
  g_autofree char *om = NULL;
  g_autofree char *line = NULL;

  g_test_summary ("Issue 6: the latency split into the time a call waited for a worker and the "
                  "time the worker ran it, from the worker's timings in the reply");
  reply->started_us = 1000 + 2000;
  reply->finished_us = 1000 + 2000 + 30000;
  seldon_metrics_record_timings (metrics, "predict", "rest", 1000, reply);
  /* unknown hand-over time: the component time only */
  seldon_metrics_record_timings (metrics, "predict", "rest", 0, reply);
  /* never ran: nothing */
  seldon_metrics_record_timings (metrics, "predict", "rest", 1000, refused);
  seldon_metrics_record_timings (metrics, "predict", "rest", 1000, NULL);
  seldon_metrics_record_timings (metrics, "aggregate", "grpc", 1000, reply);
  text = render_text (metrics);

  g_assert_cmpuint (count_occurrences (text, "# TYPE seldon_microservice_queue_duration_seconds histogram\n"), ==, 1);
  g_assert_cmpuint (count_occurrences (text, "# TYPE seldon_microservice_component_duration_seconds histogram\n"), ==, 1);
  g_assert_true (g_str_has_suffix ((line = find_line (text, "seldon_microservice_queue_duration_seconds_count{")),
                                   ",protocol=\"rest\",seldon_deployment_name=" NI "} 1.0"));
  g_clear_pointer (&line, g_free);
  g_assert_cmpstr ((line = bucket_value (text, "seldon_microservice_queue_duration_seconds", "0.001")), ==, "0.0");
  g_clear_pointer (&line, g_free);
  g_assert_cmpstr ((line = bucket_value (text, "seldon_microservice_queue_duration_seconds", "0.0025")), ==, "1.0");
  g_clear_pointer (&line, g_free);
  g_assert_true (g_str_has_suffix ((line = find_line (text, "seldon_microservice_queue_duration_seconds_sum{")),
                                   "} 0.002"));
  g_clear_pointer (&line, g_free);
  g_assert_cmpstr ((line = bucket_value (text, "seldon_microservice_component_duration_seconds", "0.025")), ==, "0.0");
  g_clear_pointer (&line, g_free);
  g_assert_cmpstr ((line = bucket_value (text, "seldon_microservice_component_duration_seconds", "0.05")), ==, "2.0");
  g_clear_pointer (&line, g_free);
  g_assert_true (g_str_has_suffix ((line = find_line (text, "seldon_microservice_component_duration_seconds_sum{")),
                                   "} 0.06"));
  g_clear_pointer (&line, g_free);
  g_assert_nonnull (strstr (text, "seldon_microservice_component_duration_seconds_count{deployment_name="));

  om = render (metrics, SELDON_METRICS_FORMAT_OPENMETRICS);
  g_assert_nonnull (strstr (om, "# TYPE seldon_microservice_component_duration_seconds histogram\n"));
}

/* ------------------------------------------------------------------------------------------ */
/* Concurrency (row 176) */

#define N_THREADS 8
#define N_RECORDS 5000

static gpointer
record_thread (gpointer data)
{
  SeldonMetrics *metrics = data;
  g_autoptr(SeldonReply) reply = seldon_reply_new (200, "application/json", NULL);

  reply->metrics = json ("[{\"method\":\"predict\",\"metrics\":[{\"type\":\"COUNTER\",\"key\":\"n\",\"value\":1},"
                         "{\"type\":\"TIMER\",\"key\":\"t\",\"value\":1}]}]");
  reply->worker_slot = 0;
  for (guint i = 0; i < N_RECORDS; i++)
    {
      seldon_metrics_request_started (metrics);
      seldon_metrics_record_reply (metrics, reply);
      seldon_metrics_request_finished (metrics, "predict", "rest", 200, 10);
      if (i % 1000 == 0)
        g_bytes_unref (seldon_metrics_render (metrics, SELDON_METRICS_FORMAT_TEXT));
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(SeldonMetrics) metrics = seldon_metrics_new (NULL, SELDON_METRICS_FLAGS_BUILTIN);
  GThread *threads[N_THREADS];
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  g_autofree char *expected = g_strdup_printf ("} %d.0", N_THREADS * N_RECORDS);

  g_test_summary ("Row 176: recording from many threads at once loses no update");
  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("recorder", record_thread, metrics);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);
  text = render_text (metrics);

  g_assert_true (g_str_has_suffix ((line = find_line (text, "n_total{")), expected));
  g_clear_pointer (&line, g_free);
  g_assert_true (g_str_has_suffix ((line = find_line (text, "t_count{")), expected));
  g_clear_pointer (&line, g_free);
  g_assert_true (g_str_has_suffix ((line = find_line (text, "seldon_microservice_requests_total{")), expected));
  g_clear_pointer (&line, g_free);
  g_assert_true (g_str_has_suffix ((line = find_line (text, "seldon_microservice_requests_in_flight{")), "} 0.0"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  warnings = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_add_func ("/metrics/exposition/empty", test_empty);
  g_test_add_func ("/metrics/exposition/spec-example", test_spec_example);
  g_test_add_func ("/metrics/exposition/counter-gauge", test_counter_gauge_semantics);
  g_test_add_func ("/metrics/exposition/timer", test_timer);
  g_test_add_func ("/metrics/exposition/timer-boundaries", test_timer_boundaries);
  g_test_add_func ("/metrics/exposition/every-bound", test_every_bound);
  g_test_add_func ("/metrics/exposition/values", test_values);
  g_test_add_func ("/metrics/exposition/openmetrics", test_openmetrics);
  g_test_add_func ("/metrics/labels/sorted-escaped-precedence", test_labels);
  g_test_add_func ("/metrics/labels/defaults", test_default_labels);
  g_test_add_func ("/metrics/series/identity", test_same_series);
  g_test_add_func ("/metrics/record/invalid-names", test_invalid_names);
  g_test_add_func ("/metrics/record/aggregate", test_aggregate);
  g_test_add_func ("/metrics/record/reward", test_reward);
  g_test_add_func ("/metrics/record/threads", test_threads);
  g_test_add_func ("/metrics/negotiate", test_negotiate);
  g_test_add_func ("/metrics/names", test_names);
  g_test_add_func ("/metrics/builtin", test_builtin);
  g_test_add_func ("/metrics/builtin/timings", test_timings);

  return g_test_run ();
}
