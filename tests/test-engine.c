/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * SeldonEngine: the REST semantics of rest-api.md §3-§10, checked byte for byte against the
 * worked examples of rest-api.md §10 and further cases of the parity checklist (sections D-N).
 */

#include "config.h"

#include <string.h>

#include "seldon-call-private.h"
#include "seldon-engine-private.h"
#include "seldon-error.h"
#include "seldon-json-private.h"
#include "seldon-message-private.h"
#include "seldon-tensor.h"

/* ------------------------------------------------------------------------------------------ */
/* A configurable component */

typedef enum
{
  MODE_NOT_IMPLEMENTED,   /* the method is missing */
  MODE_IDENTITY,          /* returns the request (aggregate: the first message) */
  MODE_RESULT,            /* returns a ref of ->result */
  MODE_ERROR,             /* fails with a copy of ->error */
} Mode;

#define TEST_TYPE_COMPONENT (test_component_get_type ())
G_DECLARE_FINAL_TYPE (TestComponent, test_component, TEST, COMPONENT, GObject)

struct _TestComponent
{
  GObject parent_instance;

  Mode predict;
  Mode transform_input;
  Mode route;
  Mode aggregate;
  Mode feedback;
  Mode health;
  SeldonMessage *result;
  GError *error;
  char *tags;            /* JSON text or NULL (not implemented) */
  char *metrics;         /* JSON text or NULL (not implemented) */
  char *metadata;        /* JSON text or NULL (not implemented) */
  char **class_names;    /* NULL = not implemented */
  char *raw;             /* call_raw answer (JSON text) or NULL */
  guint raw_methods;     /* 1 << SeldonMethod for which call_raw answers */
  GBytes *passthrough;   /* predict_passthrough answer, or NULL */

  /* what the component saw */
  SeldonFeedback *last_feedback;
  char *last_raw_request;
  guint n_calls;
};

static void test_component_iface_init (SeldonComponentInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestComponent, test_component, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SELDON_TYPE_COMPONENT, test_component_iface_init))

static void
test_component_finalize (GObject *object)
{
  TestComponent *self = TEST_COMPONENT (object);

  g_clear_object (&self->result);
  g_clear_error (&self->error);
  g_free (self->tags);
  g_free (self->metrics);
  g_free (self->metadata);
  g_strfreev (self->class_names);
  g_free (self->raw);
  g_clear_pointer (&self->passthrough, g_bytes_unref);
  g_clear_object (&self->last_feedback);
  g_free (self->last_raw_request);

  G_OBJECT_CLASS (test_component_parent_class)->finalize (object);
}

static void
test_component_class_init (TestComponentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_component_finalize;
}

static void
test_component_init (TestComponent *self)
{
}

static SeldonMessage *
run_mode (TestComponent *self,
          Mode           mode,
          SeldonMessage *request,
          const char    *name,
          GError       **error)
{
  self->n_calls++;
  switch (mode)
    {
    case MODE_IDENTITY:
      return g_object_ref (request);
    case MODE_RESULT:
      return self->result != NULL ? g_object_ref (self->result) : NULL;
    case MODE_ERROR:
      g_propagate_error (error, g_error_copy (self->error));
      return NULL;
    case MODE_NOT_IMPLEMENTED:
    default:
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_NOT_IMPLEMENTED, "%s is not implemented", name);
      return NULL;
    }
}

static SeldonMessage *
tc_predict (SeldonComponent *component,
            SeldonMessage   *request,
            GCancellable    *cancellable,
            GError         **error)
{
  TestComponent *self = TEST_COMPONENT (component);

  return run_mode (self, self->predict, request, "predict", error);
}

static SeldonMessage *
tc_transform_input (SeldonComponent *component,
                    SeldonMessage   *request,
                    GCancellable    *cancellable,
                    GError         **error)
{
  TestComponent *self = TEST_COMPONENT (component);

  return run_mode (self, self->transform_input, request, "transform_input", error);
}

static SeldonMessage *
tc_route (SeldonComponent *component,
          SeldonMessage   *request,
          GCancellable    *cancellable,
          GError         **error)
{
  TestComponent *self = TEST_COMPONENT (component);

  return run_mode (self, self->route, request, "route", error);
}

static SeldonMessage *
tc_aggregate (SeldonComponent *component,
              GPtrArray       *requests,
              GCancellable    *cancellable,
              GError         **error)
{
  TestComponent *self = TEST_COMPONENT (component);

  return run_mode (self, self->aggregate, requests->len > 0 ? g_ptr_array_index (requests, 0) : NULL,
                   "aggregate", error);
}

static SeldonMessage *
tc_send_feedback (SeldonComponent *component,
                  SeldonFeedback  *feedback,
                  GCancellable    *cancellable,
                  GError         **error)
{
  TestComponent *self = TEST_COMPONENT (component);

  g_set_object (&self->last_feedback, feedback);
  return run_mode (self, self->feedback, seldon_feedback_get_request (feedback), "send_feedback", error);
}

static SeldonMessage *
tc_health_status (SeldonComponent *component,
                  GCancellable    *cancellable,
                  GError         **error)
{
  TestComponent *self = TEST_COMPONENT (component);

  return run_mode (self, self->health, NULL, "health_status", error);
}

static JsonNode *
parse_node (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static JsonNode *
tc_init_metadata (SeldonComponent *component,
                  GError         **error)
{
  TestComponent *self = TEST_COMPONENT (component);

  if (self->metadata == NULL)
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_NOT_IMPLEMENTED, "not implemented");
      return NULL;
    }
  return parse_node (self->metadata);
}

static JsonNode *
tc_tags (SeldonComponent *component,
         GError         **error)
{
  TestComponent *self = TEST_COMPONENT (component);

  if (self->tags == NULL)
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_NOT_IMPLEMENTED, "not implemented");
      return NULL;
    }
  return parse_node (self->tags);
}

static JsonNode *
tc_metrics (SeldonComponent *component,
            GError         **error)
{
  TestComponent *self = TEST_COMPONENT (component);

  if (self->metrics == NULL)
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_NOT_IMPLEMENTED, "not implemented");
      return NULL;
    }
  return parse_node (self->metrics);
}

static char **
tc_class_names (SeldonComponent *component,
                GError         **error)
{
  TestComponent *self = TEST_COMPONENT (component);

  if (self->class_names == NULL)
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_NOT_IMPLEMENTED, "not implemented");
      return NULL;
    }
  return g_strdupv (self->class_names);
}

static JsonNode *
tc_call_raw (SeldonComponent *component,
             SeldonMethod     method,
             SeldonTransport  transport,
             JsonNode        *request,
             GCancellable    *cancellable,
             GError         **error)
{
  TestComponent *self = TEST_COMPONENT (component);

  if (self->raw == NULL || !(self->raw_methods & (1u << method)))
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_NOT_IMPLEMENTED, "not implemented");
      return NULL;
    }
  g_free (self->last_raw_request);
  self->last_raw_request = json_to_string (request, FALSE);
  return parse_node (self->raw);
}

static GBytes *
tc_predict_passthrough (SeldonComponent *component,
                        GBytes          *body,
                        GCancellable    *cancellable,
                        GError         **error)
{
  TestComponent *self = TEST_COMPONENT (component);

  if (self->passthrough == NULL)
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_NOT_IMPLEMENTED, "not implemented");
      return NULL;
    }
  return g_bytes_ref (self->passthrough);
}

static void
test_component_iface_init (SeldonComponentInterface *iface)
{
  iface->predict = tc_predict;
  iface->transform_input = tc_transform_input;
  iface->route = tc_route;
  iface->aggregate = tc_aggregate;
  iface->send_feedback = tc_send_feedback;
  iface->health_status = tc_health_status;
  iface->init_metadata = tc_init_metadata;
  iface->tags = tc_tags;
  iface->metrics = tc_metrics;
  iface->class_names = tc_class_names;
  iface->call_raw = tc_call_raw;
  iface->predict_passthrough = tc_predict_passthrough;
}

/* A component with no methods at all: only the interface defaults. */
#define TEST_TYPE_EMPTY (test_empty_get_type ())
G_DECLARE_FINAL_TYPE (TestEmpty, test_empty, TEST, EMPTY, GObject)

struct _TestEmpty
{
  GObject parent_instance;
};

static void
test_empty_iface_init (SeldonComponentInterface *iface)
{
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestEmpty, test_empty, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SELDON_TYPE_COMPONENT, test_empty_iface_init))

static void
test_empty_class_init (TestEmptyClass *klass)
{
}

static void
test_empty_init (TestEmpty *self)
{
}

/* ------------------------------------------------------------------------------------------ */
/* helpers */

static TestComponent *
identity_new (void)
{
  TestComponent *self = g_object_new (TEST_TYPE_COMPONENT, NULL);

  self->predict = MODE_IDENTITY;
  return self;
}

static TestComponent *
tagged_new (void)
{
  TestComponent *self = identity_new ();

  self->tags = g_strdup ("{\"mytag\":1}");
  self->metrics = g_strdup ("[{\"type\":\"COUNTER\",\"key\":\"mycounter\",\"value\":1}]");
  return self;
}

static void
set_result_json (TestComponent     *self,
                 SeldonPayloadKind  kind,
                 const char        *json)
{
  g_autoptr(GError) error = NULL;
  SeldonJson *value = seldon_json_parse (json, -1, &error);

  g_assert_no_error (error);
  g_clear_object (&self->result);
  self->result = seldon_message_new_take_value (kind, value);
}

static void
add_metric_json (SeldonMessage *message,
                 const char    *json)
{
  g_autoptr(JsonNode) node = parse_node (json);

  seldon_message_add_metric_node (message, node);
}

typedef struct
{
  guint status;
  char *body;
  char *metrics;   /* recorded metrics as compact JSON, or NULL */
  gboolean has_reward;
  double reward;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->body, g_free);
  g_clear_pointer (&outcome->metrics, g_free);
}

static SeldonConfig *
config_new (const char *unit_id,
            const char *unit_image)
{
  SeldonConfig *config = seldon_config_new ();

  if (unit_id != NULL)
    g_object_set (config, "unit-id", unit_id, NULL);
  if (unit_image != NULL)
    g_object_set (config, "unit-image", unit_image, NULL);
  return config;
}

static void
invoke_full (SeldonComponent *component,
             SeldonConfig    *config,
             SeldonMethod     method,
             SeldonCallFlags  flags,
             const char      *body,
             const char      *value,
             Outcome         *outcome)
{
  g_autoptr(SeldonConfig) own_config = NULL;
  g_autoptr(SeldonEngine) engine = NULL;
  g_autoptr(SeldonCall) call = seldon_call_new (method, SELDON_TRANSPORT_REST);
  g_autoptr(SeldonReply) reply = NULL;
  gsize size = 0;
  const char *data;

  if (config == NULL)
    config = own_config = config_new (NULL, NULL);

  engine = seldon_engine_new (component, config);
  seldon_engine_init_metadata (engine);

  call->flags = flags;
  if (body != NULL)
    call->body = g_bytes_new (body, strlen (body));
  if (value != NULL)
    {
      g_autoptr(GError) error = NULL;

      call->value = seldon_json_parse (value, -1, &error);
      g_assert_no_error (error);
    }

  reply = seldon_engine_invoke (engine, call, NULL);
  g_assert_nonnull (reply);
  g_assert_cmpstr (reply->content_type, ==, "application/json");

  data = g_bytes_get_data (reply->body, &size);
  outcome->status = reply->http_status;
  outcome->body = g_strndup (data, size);
  outcome->metrics = reply->metrics != NULL ? seldon_json_to_string (reply->metrics, SELDON_JSON_WRITE_DEFAULT) : NULL;
  outcome->has_reward = reply->has_reward;
  outcome->reward = reply->reward;
}

/* Asserts status and exact body (the body given without its final newline). */
static void
check (gpointer        component,
       SeldonConfig   *config,
       SeldonMethod    method,
       const char     *body,
       guint           expected_status,
       const char     *expected_body)
{
  Outcome outcome = { 0, };
  g_autofree char *expected = g_strconcat (expected_body, "\n", NULL);

  invoke_full (SELDON_COMPONENT (component), config, method, SELDON_CALL_FLAGS_NONE, body, NULL, &outcome);
  g_assert_cmpstr (outcome.body, ==, expected);
  g_assert_cmpuint (outcome.status, ==, expected_status);
  outcome_clear (&outcome);
}

static char *
error_body (const char *info,
            const char *reason)
{
  g_autoptr(SeldonJson) info_json = seldon_json_new_string (info);
  g_autofree char *info_text = seldon_json_to_string (info_json, SELDON_JSON_WRITE_WIRE);

  return g_strdup_printf ("{\"status\":{\"code\":-1,\"info\":%s,\"reason\":\"%s\",\"status\":1}}",
                          info_text, reason);
}

static void
check_error (gpointer      component,
             SeldonMethod  method,
             const char   *body,
             guint         expected_status,
             const char   *info,
             const char   *reason)
{
  g_autofree char *expected = error_body (info, reason);

  check (component, NULL, method, body, expected_status, expected);
}

#define BAD_DATA "MICROSERVICE_BAD_DATA"
#define INTERNAL "MICROSERVICE_INTERNAL_ERROR"

/* ------------------------------------------------------------------------------------------ */
/* rest-api.md §10, rows 1-20 */

static void
test_rows_1_to_6 (void)
{
  g_autoptr(TestComponent) identity = identity_new ();
  g_autoptr(TestComponent) tagged = tagged_new ();

  /* 1: GET /predict?json=... (the front hands the json parameter text over as the body) */
  check (identity, NULL, SELDON_METHOD_PREDICT,
         "{\"data\":{\"names\":[\"a\",\"b\"],\"ndarray\":[[1.0,2.0]]}}", 200,
         "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[1.0,2.0]]},\"meta\":{}}");
  /* 2 */
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":[[1,2]]}}", 200,
         "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[1,2]]},\"meta\":{}}");
  /* 3 */
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"tensor\":{\"shape\":[2,1],\"values\":[1,2]}}}", 200,
         "{\"data\":{\"names\":[\"t:0\"],\"tensor\":{\"shape\":[2,1],\"values\":[1,2]}},\"meta\":{}}");
  /* 4 */
  check (tagged, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"names\":[\"a\",\"b\"],\"ndarray\":[[1,2]]}}", 200,
         "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[1,2]]},\"meta\":{\"metrics\":[{\"key\":\"mycounter\","
         "\"type\":\"COUNTER\",\"value\":1}],\"tags\":{\"mytag\":1}}}");
  /* 5 */
  check (tagged, NULL, SELDON_METHOD_PREDICT, "{\"meta\":{\"tags\":{\"foo\":\"bar\"}},\"data\":{\"ndarray\":[]}}", 200,
         "{\"data\":{\"names\":[],\"ndarray\":[]},\"meta\":{\"metrics\":[{\"key\":\"mycounter\",\"type\":\"COUNTER\","
         "\"value\":1}],\"tags\":{\"foo\":\"bar\",\"mytag\":1}}}");
  /* 6 */
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"meta\":{\"puid\":\"123\"},\"data\":{\"ndarray\":[1]}}", 200,
         "{\"data\":{\"names\":[],\"ndarray\":[1]},\"meta\":{\"puid\":\"123\"}}");
}

static void
test_rows_7_to_11 (void)
{
  g_autoptr(TestComponent) identity = identity_new ();
  g_autoptr(TestComponent) tagged = tagged_new ();
  g_autoptr(SeldonConfig) env = config_new ("my-model", "my-image:1");

  /* 7 */
  check (identity, env, SELDON_METHOD_PREDICT, "{\"meta\":{\"puid\":\"123\"},\"data\":{\"ndarray\":[1]}}", 200,
         "{\"data\":{\"names\":[],\"ndarray\":[1]},\"meta\":{\"puid\":\"123\",\"requestPath\":{\"my-model\":\"my-image:1\"}}}");
  /* 8 */
  check (identity, env, SELDON_METHOD_PREDICT, "{\"meta\":{\"requestPath\":{\"earlier\":\"img:0\"}},\"strData\":\"x\"}", 200,
         "{\"meta\":{\"requestPath\":{\"earlier\":\"img:0\",\"my-model\":\"my-image:1\"}},\"strData\":\"x\"}");
  /* 9 */
  check (tagged, NULL, SELDON_METHOD_PREDICT,
         "{\"meta\":{\"metrics\":[{\"key\":\"g\",\"type\":\"GAUGE\",\"value\":100}]},\"data\":{\"ndarray\":[1]}}", 200,
         "{\"data\":{\"names\":[],\"ndarray\":[1]},\"meta\":{\"metrics\":[{\"key\":\"g\",\"type\":\"GAUGE\",\"value\":100},"
         "{\"key\":\"mycounter\",\"type\":\"COUNTER\",\"value\":1}],\"tags\":{\"mytag\":1}}}");
  /* 10 */
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"strData\":\"my data\"}", 200,
         "{\"meta\":{},\"strData\":\"my data\"}");
  /* 11 */
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"binData\":\"MTIz\"}", 200,
         "{\"binData\":\"MTIz\",\"meta\":{}}");
}

static void
test_rows_12_to_17 (void)
{
  g_autoptr(TestComponent) identity = identity_new ();
  g_autoptr(TestComponent) fixed = g_object_new (TEST_TYPE_COMPONENT, NULL);
  gint64 values[] = { 1, 2, 3 };
  float floats[] = { 0.1f, 0.2f };
  gint64 shape[] = { 1, 2 };
  g_autoptr(GBytes) float_data = g_bytes_new (floats, sizeof floats);
  g_autoptr(GError) error = NULL;
  g_autoptr(SeldonTensor) ints = seldon_tensor_new_from_int64s (values, 3, NULL, 0, &error);
  g_autoptr(SeldonTensor) f32 = NULL;

  g_assert_no_error (error);

  /* 12: returns numpy [1,2,3] for a binData request */
  fixed->predict = MODE_RESULT;
  fixed->result = seldon_message_new_tensor (ints);
  check (fixed, NULL, SELDON_METHOD_PREDICT, "{\"binData\":\"MTIz\"}", 200,
         "{\"data\":{\"names\":[],\"tensor\":{\"shape\":[3],\"values\":[1,2,3]}},\"meta\":{}}");
  /* 13 */
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"jsonData\":{\"b\":1,\"a\":[1,2]}}", 200,
         "{\"jsonData\":{\"a\":[1,2],\"b\":1},\"meta\":{}}");
  /* 14 */
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"strData\":\"\xc3\xa9\"}", 200,
         "{\"meta\":{},\"strData\":\"\\u00e9\"}");
  /* 15 */
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":[[1,\"y\"]]}}", 200,
         "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[\"1\",\"y\"]]},\"meta\":{}}");
  /* 16 */
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":[[1.5,2e20,1e-7,0.1]]}}", 200,
         "{\"data\":{\"names\":[\"t:0\",\"t:1\",\"t:2\",\"t:3\"],\"ndarray\":[[1.5,2e+20,1e-07,0.1]]},\"meta\":{}}");
  /* 17: returns float32 [[0.1,0.2]] */
  f32 = seldon_tensor_new (SELDON_DTYPE_FLOAT32, shape, 2, float_data, &error);
  g_assert_no_error (error);
  g_clear_object (&fixed->result);
  fixed->result = seldon_message_new_tensor (f32);
  check (fixed, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":[1]}}", 200,
         "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[0.10000000149011612,0.20000000298023224]]},\"meta\":{}}");
}

static void
test_rows_18_to_21 (void)
{
  g_autoptr(TestComponent) identity = identity_new ();
  Outcome outcome = { 0, };
  g_autofree char *no_json = error_body ("Can't find JSON in data", BAD_DATA);
  g_autofree char *expected = g_strconcat (no_json, "\n", NULL);

  /* 18 and 19: the front found no JSON (no JSON content type, or nothing at all) */
  invoke_full (SELDON_COMPONENT (identity), NULL, SELDON_METHOD_PREDICT, SELDON_CALL_FLAGS_NONE, NULL, NULL, &outcome);
  g_assert_cmpuint (outcome.status, ==, 400);
  g_assert_cmpstr (outcome.body, ==, expected);
  outcome_clear (&outcome);

  /* 20 */
  check_error (identity, SELDON_METHOD_PREDICT, "{\"foo\":\"bar\"}", 400,
               "Invalid request data type: {'foo': 'bar'}", BAD_DATA);

  /* 21: a malformed json parameter; likewise a malformed, empty or `null` body (§3.3) */
  check_error (identity, SELDON_METHOD_PREDICT, "{\"data\":", 400, "Can't find JSON in data", BAD_DATA);
  check_error (identity, SELDON_METHOD_PREDICT, "", 400, "Can't find JSON in data", BAD_DATA);
  check_error (identity, SELDON_METHOD_PREDICT, "null", 400, "Can't find JSON in data", BAD_DATA);
  check_error (identity, SELDON_METHOD_PREDICT, " null ", 400, "Can't find JSON in data", BAD_DATA);
}

/* ------------------------------------------------------------------------------------------ */
/* rows 25-33 */

static void
test_row_25_bad_metric (void)
{
  g_autoptr(TestComponent) bad = identity_new ();
  Outcome outcome = { 0, };

  bad->metrics = g_strdup ("[{\"type\":\"BAD\",\"key\":\"mycounter\",\"value\":1}]");
  check_error (bad, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":[1]}}", 500,
               "Bad metric created during request: [{\"type\": \"BAD\", \"key\": \"mycounter\", \"value\": 1}]",
               "MICROSERVICE_BAD_METRIC");

  /* nothing was recorded */
  invoke_full (SELDON_COMPONENT (bad), NULL, SELDON_METHOD_PREDICT, SELDON_CALL_FLAGS_NONE,
               "{\"data\":{\"ndarray\":[1]}}", NULL, &outcome);
  g_assert_null (outcome.metrics);
  outcome_clear (&outcome);
}

static void
test_row_26_custom_error (void)
{
  g_autoptr(TestComponent) raising = g_object_new (TEST_TYPE_COMPONENT, NULL);

  raising->predict = MODE_ERROR;
  raising->error = seldon_error_new_custom (403, NULL, "foo");
  check (raising, NULL, SELDON_METHOD_PREDICT, "{\"strData\":\"x\"}", 403,
         "{\"status\":{\"code\":-1,\"info\":\"foo\",\"reason\":\"MICROSERVICE_BAD_DATA\",\"status\":1}}");

  /* any other error: 500 with its message */
  g_clear_error (&raising->error);
  raising->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "value was wrong");
  check_error (raising, SELDON_METHOD_PREDICT, "{\"strData\":\"x\"}", 500, "value was wrong", INTERNAL);
}

static void
test_row_27_raw_status (void)
{
  g_autoptr(TestComponent) raw = g_object_new (TEST_TYPE_COMPONENT, NULL);

  raw->raw = g_strdup ("{\"data\":{\"ndarray\":[9,9]},\"status\":{\"code\":400,\"status\":\"FAILURE\"}}");
  raw->raw_methods = 1u << SELDON_METHOD_PREDICT | 1u << SELDON_METHOD_TRANSFORM_INPUT;
  check (raw, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":[1]}}", 400,
         "{\"data\":{\"ndarray\":[9,9]},\"status\":{\"code\":400,\"status\":\"FAILURE\"}}");
  /* only predict mirrors the code */
  check (raw, NULL, SELDON_METHOD_TRANSFORM_INPUT, "{\"data\":{\"ndarray\":[1]}}", 200,
         "{\"data\":{\"ndarray\":[9,9]},\"status\":{\"code\":400,\"status\":\"FAILURE\"}}");
  /* the raw method sees the request before any payload check */
  check (raw, NULL, SELDON_METHOD_PREDICT, "[1,2]", 400,
         "{\"data\":{\"ndarray\":[9,9]},\"status\":{\"code\":400,\"status\":\"FAILURE\"}}");
  g_assert_cmpstr (raw->last_raw_request, ==, "[1,2]");
}

static void
test_rows_28_to_30_route (void)
{
  g_autoptr(TestComponent) router = tagged_new ();
  g_autoptr(TestComponent) no_route = identity_new ();
  g_autoptr(TestComponent) int64_router = g_object_new (TEST_TYPE_COMPONENT, NULL);
  g_autoptr(TestComponent) float_router = g_object_new (TEST_TYPE_COMPONENT, NULL);

  /* 28 */
  router->route = MODE_RESULT;
  set_result_json (router, SELDON_PAYLOAD_JSON, "22");
  check (router, NULL, SELDON_METHOD_ROUTE, "{\"data\":{\"ndarray\":[2]}}", 200,
         "{\"data\":{\"names\":[\"t:0\"],\"ndarray\":[[22]]},\"meta\":{\"metrics\":[{\"key\":\"mycounter\","
         "\"type\":\"COUNTER\",\"value\":1}],\"tags\":{\"mytag\":1}}}");
  /* 29 */
  check_error (no_route, SELDON_METHOD_ROUTE, "{\"data\":{\"ndarray\":[2]}}", 400, "Route not defined", BAD_DATA);
  /* 30: a numpy int64 (fixed upstream bug) */
  int64_router->route = MODE_RESULT;
  int64_router->result = seldon_message_new_route (1);
  check (int64_router, NULL, SELDON_METHOD_ROUTE, "{\"strData\":\"x\"}", 200,
         "{\"data\":{\"names\":[\"t:0\"],\"tensor\":{\"shape\":[1,1],\"values\":[1]}},\"meta\":{}}");
  /* rest-api.md §9.4 examples */
  check (int64_router, NULL, SELDON_METHOD_ROUTE, "{\"data\":{\"tensor\":{\"shape\":[1],\"values\":[3]}}}", 200,
         "{\"data\":{\"names\":[\"t:0\"],\"tensor\":{\"shape\":[1,1],\"values\":[1]}},\"meta\":{}}");
  check (int64_router, NULL, SELDON_METHOD_ROUTE,
         "{\"meta\":{\"puid\":\"r1\",\"tags\":{\"foo\":\"bar\"},\"requestPath\":{\"prev\":\"img\"}},\"data\":{\"ndarray\":[2]}}", 200,
         "{\"data\":{\"names\":[\"t:0\"],\"ndarray\":[[1]]},\"meta\":{\"puid\":\"r1\"}}");
  set_result_json (int64_router, SELDON_PAYLOAD_JSON, "true");
  check (int64_router, NULL, SELDON_METHOD_ROUTE, "{\"data\":{\"ndarray\":[2]}}", 200,
         "{\"data\":{\"names\":[\"t:0\"],\"ndarray\":[[true]]},\"meta\":{}}");
  set_result_json (int64_router, SELDON_PAYLOAD_JSON, "-1");
  check (int64_router, NULL, SELDON_METHOD_ROUTE, "{\"strData\":\"x\"}", 200,
         "{\"data\":{\"names\":[\"t:0\"],\"tensor\":{\"shape\":[1,1],\"values\":[-1]}},\"meta\":{}}");
  /* anything but an integer */
  float_router->route = MODE_RESULT;
  set_result_json (float_router, SELDON_PAYLOAD_JSON, "1.5");
  check_error (float_router, SELDON_METHOD_ROUTE, "{\"data\":{\"ndarray\":[2]}}", 400,
               "Routing response must be int but got 1.5", BAD_DATA);
  set_result_json (float_router, SELDON_PAYLOAD_STRING, "\"x\"");
  check_error (float_router, SELDON_METHOD_ROUTE, "{\"data\":{\"ndarray\":[2]}}", 400,
               "Routing response must be int but got x", BAD_DATA);
  g_clear_object (&float_router->result);
  float_router->result = seldon_message_new ();
  check_error (float_router, SELDON_METHOD_ROUTE, "{\"data\":{\"ndarray\":[2]}}", 400,
               "Routing response must be int but got None", BAD_DATA);
}

static void
test_rows_31_to_33_aggregate (void)
{
  g_autoptr(TestComponent) combiner = g_object_new (TEST_TYPE_COMPONENT, NULL);
  g_autoptr(TestComponent) no_aggregate = identity_new ();

  combiner->aggregate = MODE_IDENTITY;
  combiner->tags = g_strdup ("{\"mytag\":1}");
  /* 31 */
  check (combiner, NULL, SELDON_METHOD_AGGREGATE,
         "{\"seldonMessages\":[{\"meta\":{\"tags\":{\"input-1\":\"yes\",\"common\":1}},\"data\":{\"ndarray\":[0]}},"
         "{\"meta\":{\"tags\":{\"input-2\":\"yes\",\"common\":2}},\"data\":{\"ndarray\":[1]}}]}", 200,
         "{\"data\":{\"names\":[],\"ndarray\":[0]},\"meta\":{\"tags\":{\"common\":2,\"input-1\":\"yes\",\"input-2\":\"yes\",\"mytag\":1}}}");
  /* 32 */
  g_clear_pointer (&combiner->tags, g_free);
  check (combiner, NULL, SELDON_METHOD_AGGREGATE, "[{\"strData\":\"123\"},{\"strData\":\"456\"}]", 200,
         "{\"meta\":{},\"strData\":\"123\"}");
  /* 33 */
  check_error (combiner, SELDON_METHOD_AGGREGATE, "{\"wrong\":[]}", 400,
               "Invalid request data type: {'wrong': []}", BAD_DATA);
  check_error (combiner, SELDON_METHOD_AGGREGATE, "{\"seldonMessages\":5}", 400,
               "Invalid request data type: {'seldonMessages': 5}", BAD_DATA);
  check_error (combiner, SELDON_METHOD_AGGREGATE, "[{\"foo\":1}]", 400,
               "Invalid request data type: {'foo': 1}", BAD_DATA);
  /* §9.5: merged requestPath and metrics, puid of the first message */
  check (combiner, NULL, SELDON_METHOD_AGGREGATE,
         "[{\"meta\":{\"puid\":\"p\",\"requestPath\":{\"a\":\"1\"},\"metrics\":[{\"key\":\"x\",\"type\":\"GAUGE\",\"value\":1}]},"
         "\"data\":{\"tensor\":{\"shape\":[1],\"values\":[5]}}},"
         "{\"meta\":{\"puid\":\"q\",\"requestPath\":{\"b\":\"2\"},\"metrics\":[{\"key\":\"y\",\"type\":\"GAUGE\",\"value\":2}]},"
         "\"strData\":\"s\"}]", 200,
         "{\"data\":{\"names\":[],\"tensor\":{\"shape\":[1],\"values\":[5]}},\"meta\":{\"metrics\":[{\"key\":\"x\","
         "\"type\":\"GAUGE\",\"value\":1},{\"key\":\"y\",\"type\":\"GAUGE\",\"value\":2}],\"puid\":\"p\","
         "\"requestPath\":{\"a\":\"1\",\"b\":\"2\"}}}");
  /* an empty list calls the component, then fails */
  combiner->aggregate = MODE_RESULT;
  set_result_json (combiner, SELDON_PAYLOAD_LIST, "[1]");
  combiner->n_calls = 0;
  check_error (combiner, SELDON_METHOD_AGGREGATE, "[]", 500, "list index out of range", INTERNAL);
  check_error (combiner, SELDON_METHOD_AGGREGATE, "{\"seldonMessages\":[]}", 500, "list index out of range", INTERNAL);
  g_assert_cmpuint (combiner->n_calls, ==, 2);
  /* no aggregate method */
  check_error (no_aggregate, SELDON_METHOD_AGGREGATE, "[{\"strData\":\"1\"}]", 400, "Aggregate not defined", BAD_DATA);
}

/* ------------------------------------------------------------------------------------------ */
/* rows 34-46 */

static void
test_rows_34_to_36_feedback (void)
{
  g_autoptr(TestComponent) learner = g_object_new (TEST_TYPE_COMPONENT, NULL);
  g_autoptr(TestComponent) empty = g_object_new (TEST_TYPE_COMPONENT, NULL);
  g_autoptr(SeldonConfig) env = config_new ("router", "img:1");
  Outcome outcome = { 0, };
  SeldonMessage *request;
  SeldonTensor *features;
  gint64 routing = -5;
  guint n_dims = 0;
  const gint64 *shape;
  gsize n = 0;
  g_autofree double *values = NULL;

  /* 34 */
  learner->feedback = MODE_RESULT;
  set_result_json (learner, SELDON_PAYLOAD_LIST, "[]");
  invoke_full (SELDON_COMPONENT (learner), env, SELDON_METHOD_SEND_FEEDBACK, SELDON_CALL_FLAGS_NONE,
               "{\"request\":{\"data\":{\"names\":[\"a\",\"b\"],\"ndarray\":[[1.0,2.0]]}},"
               "\"response\":{\"meta\":{\"routing\":{\"router\":0}},\"data\":{\"ndarray\":[[1.0,2.0]]}},\"reward\":1}",
               NULL, &outcome);
  g_assert_cmpuint (outcome.status, ==, 200);
  g_assert_cmpstr (outcome.body, ==, "{\"data\":{\"ndarray\":[]},\"meta\":{\"requestPath\":{\"router\":\"img:1\"}}}\n");
  g_assert_true (outcome.has_reward);
  g_assert_cmpfloat (outcome.reward, ==, 1.0);
  outcome_clear (&outcome);

  /* what the component received */
  g_assert_cmpfloat (seldon_feedback_get_reward (learner->last_feedback), ==, 1.0);
  g_assert_true (seldon_feedback_get_routing (learner->last_feedback, &routing));
  g_assert_cmpint (routing, ==, 0);
  request = seldon_feedback_get_request (learner->last_feedback);
  features = seldon_message_get_tensor (request);
  g_assert_cmpint (seldon_tensor_get_dtype (features), ==, SELDON_DTYPE_FLOAT64);
  shape = seldon_tensor_get_shape (features, &n_dims);
  g_assert_cmpuint (n_dims, ==, 2);
  g_assert_cmpint (shape[0], ==, 1);
  g_assert_cmpint (shape[1], ==, 2);
  values = seldon_tensor_dup_doubles (features, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpfloat (values[1], ==, 2.0);
  g_assert_cmpstr (seldon_message_get_names (request)[0], ==, "a");
  g_assert_cmpint (seldon_tensor_get_n_elements (seldon_message_get_tensor (seldon_feedback_get_truth (learner->last_feedback))), ==, 0);

  /* without the unit id the routing key is "0": absent here */
  check (learner, NULL, SELDON_METHOD_SEND_FEEDBACK,
         "{\"request\":{\"data\":{\"ndarray\":[[1.0,2.0]]}},\"response\":{\"meta\":{\"routing\":{\"router\":0}}},\"reward\":0.7}",
         200, "{\"data\":{\"ndarray\":[]},\"meta\":{}}");
  g_assert_false (seldon_feedback_get_routing (learner->last_feedback, NULL));
  g_assert_cmpfloat (seldon_feedback_get_reward (learner->last_feedback), ==, (double) 0.7f);

  /* 34, exactly as listed (no unit id) */
  check (learner, NULL, SELDON_METHOD_SEND_FEEDBACK,
         "{\"request\":{\"data\":{\"names\":[\"a\",\"b\"],\"ndarray\":[[1.0,2.0]]}},"
         "\"response\":{\"meta\":{\"routing\":{\"router\":0}},\"data\":{\"ndarray\":[[1.0,2.0]]}},\"reward\":1}",
         200, "{\"data\":{\"ndarray\":[]},\"meta\":{}}");

  /* 35 */
  check_error (learner, SELDON_METHOD_SEND_FEEDBACK, "{\"reward\":1,\"extra\":1}", 400,
               "Invalid JSON: Message type \"seldon.protos.Feedback\" has no field named \"extra\" at \"Feedback\".\n"
               " Available Fields(except extensions): \"['request', 'response', 'reward', 'truth']\"",
               BAD_DATA);

  /* 36 */
  set_result_json (learner, SELDON_PAYLOAD_LIST, "[[1,2]]");
  check (learner, NULL, SELDON_METHOD_SEND_FEEDBACK, "{\"request\":{\"data\":{\"ndarray\":[1]}},\"reward\":1}", 200,
         "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[1.0,2.0]]},\"meta\":{}}");

  /* §9.6 typical answers: no send_feedback at all */
  check (empty, NULL, SELDON_METHOD_SEND_FEEDBACK, "{}", 200, "{\"data\":{\"tensor\":{\"shape\":[0]}},\"meta\":{}}");
  check (empty, NULL, SELDON_METHOD_SEND_FEEDBACK, "{\"request\":{\"data\":{\"ndarray\":[1]}}}", 200,
         "{\"data\":{\"ndarray\":[]},\"meta\":{}}");
  check (empty, NULL, SELDON_METHOD_SEND_FEEDBACK, "{\"request\":{\"meta\":{\"puid\":\"p\",\"tags\":{\"t\":1}},\"strData\":\"x\"}}", 200,
         "{\"data\":{\"tensor\":{\"shape\":[0]}},\"meta\":{\"puid\":\"p\"}}");

  /* numbers become floats on the proto path, COUNTER has no type */
  empty->feedback = MODE_RESULT;
  empty->tags = g_strdup ("{\"t\":1}");
  empty->metrics = g_strdup ("[{\"type\":\"COUNTER\",\"key\":\"c\",\"value\":1},{\"type\":\"GAUGE\",\"key\":\"g\",\"value\":0.5}]");
  set_result_json (empty, SELDON_PAYLOAD_JSON, "{\"routing\":1,\"shape\":[1,2]}");
  check (empty, NULL, SELDON_METHOD_SEND_FEEDBACK, "{\"reward\":\"0.5\"}", 200,
         "{\"jsonData\":{\"routing\":1.0,\"shape\":[1.0,2.0]},\"meta\":{\"metrics\":[{\"key\":\"c\",\"value\":1.0},"
         "{\"key\":\"g\",\"type\":\"GAUGE\",\"value\":0.5}],\"tags\":{\"t\":1.0}}}");
}

static void
test_rows_37_to_40_health_metadata (void)
{
  g_autoptr(TestComponent) none = g_object_new (TEST_TYPE_COMPONENT, NULL);
  g_autoptr(TestComponent) health = g_object_new (TEST_TYPE_COMPONENT, NULL);
  g_autoptr(TestComponent) raw = g_object_new (TEST_TYPE_COMPONENT, NULL);
  g_autoptr(TestComponent) bad_metadata = g_object_new (TEST_TYPE_COMPONENT, NULL);
  g_autoptr(SeldonConfig) env = config_new ("u", "repo/img:9.9");

  /* 37 */
  check (none, NULL, SELDON_METHOD_HEALTH_STATUS, NULL, 200, "{\"meta\":{},\"strData\":\"healthy\"}");
  /* 38 */
  health->health = MODE_RESULT;
  set_result_json (health, SELDON_PAYLOAD_LIST, "[0.123]");
  check (health, NULL, SELDON_METHOD_HEALTH_STATUS, NULL, 200,
         "{\"data\":{\"names\":[],\"tensor\":{\"shape\":[1],\"values\":[0.123]}},\"meta\":{}}");
  /* 39 */
  raw->raw = g_strdup ("{\"data\":{\"ndarray\":[123.456,7.89]}}");
  raw->raw_methods = 1u << SELDON_METHOD_HEALTH_STATUS;
  check (raw, NULL, SELDON_METHOD_HEALTH_STATUS, NULL, 200, "{\"data\":{\"ndarray\":[123.456,7.89]}}");
  /* 40 */
  bad_metadata->metadata = g_strdup ("{\"versions\":\"x\"}");
  check_error (bad_metadata, SELDON_METHOD_METADATA, NULL, 500, "Model metadata unavailable", "MICROSERVICE_BAD_METADATA");
  /* §9.7 defaults */
  check (none, NULL, SELDON_METHOD_METADATA, NULL, 200,
         "{\"custom\":{},\"inputs\":[],\"name\":\"\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"\"]}");
  check (none, env, SELDON_METHOD_METADATA, NULL, 200,
         "{\"custom\":{},\"inputs\":[],\"name\":\"repo/img\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"9.9\"]}");
}

static void
test_rows_42_43_multipart (void)
{
  g_autoptr(TestComponent) identity = identity_new ();
  Outcome outcome = { 0, };

  /* the front builds the message from the form (rest-api.md §3.1) */
  invoke_full (SELDON_COMPONENT (identity), NULL, SELDON_METHOD_PREDICT, SELDON_CALL_FLAGS_NONE, NULL,
               "{\"data\":{\"names\":[\"a\",\"b\"],\"ndarray\":[[1,2]]}}", &outcome);
  g_assert_cmpstr (outcome.body, ==, "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[1,2]]},\"meta\":{}}\n");
  outcome_clear (&outcome);

  invoke_full (SELDON_COMPONENT (identity), NULL, SELDON_METHOD_PREDICT, SELDON_CALL_FLAGS_NONE, NULL,
               "{\"meta\":{\"puid\":\"m\"},\"strData\":\"hi\"}", &outcome);
  g_assert_cmpstr (outcome.body, ==, "{\"meta\":{\"puid\":\"m\"},\"strData\":\"hi\"}\n");
  outcome_clear (&outcome);
}

static void
test_rows_44_to_46 (void)
{
  g_autoptr(TestComponent) returns_none = g_object_new (TEST_TYPE_COMPONENT, NULL);
  g_autoptr(TestEmpty) no_predict = g_object_new (TEST_TYPE_EMPTY, NULL);

  /* 44 */
  returns_none->predict = MODE_RESULT;
  returns_none->result = seldon_message_new ();
  check_error (returns_none, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":[1]}}", 400,
               "Unknown data type returned as payload (must be list or np array):None", BAD_DATA);
  /* 45 */
  check (no_predict, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":[[1,2]]}}", 200,
         "{\"data\":{\"names\":[],\"ndarray\":[]},\"meta\":{}}");
  /* 46 */
  check (no_predict, NULL, SELDON_METHOD_PREDICT, "{\"strData\":\"x\"}", 200,
         "{\"data\":{\"names\":[],\"tensor\":{\"shape\":[0],\"values\":[]}},\"meta\":{}}");
}

/* ------------------------------------------------------------------------------------------ */
/* further behaviours */

static void
test_decoding_errors (void)
{
  g_autoptr(TestComponent) identity = identity_new ();

  check_error (identity, SELDON_METHOD_PREDICT, "{}", 400, "Invalid request data type: {}", BAD_DATA);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"meta\":{}}", 400, "Invalid request data type: {'meta': {}}", BAD_DATA);
  check_error (identity, SELDON_METHOD_PREDICT, "[1,2]", 400, "Invalid request data type: [1, 2]", BAD_DATA);
  check_error (identity, SELDON_METHOD_PREDICT, "\"str\"", 400, "Invalid request data type: str", BAD_DATA);
  check_error (identity, SELDON_METHOD_PREDICT, "5", 400, "Invalid request data type: 5", BAD_DATA);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"customData\":{\"a\":1}}", 400,
               "Invalid request data type: {'customData': {'a': 1}}", BAD_DATA);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":[[1],[2,3]]}}", 500,
               "setting an array element with a sequence. The requested array has an inhomogeneous shape "
               "after 1 dimensions. The detected shape was (2,) + inhomogeneous part.", INTERNAL);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"data\":{\"tensor\":{\"shape\":[3],\"values\":[1,2]}}}", 500,
               "cannot reshape array of size 2 into shape (3,)", INTERNAL);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"data\":{\"tensor\":{\"values\":[1,2]}}}", 500, "'shape'", INTERNAL);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"data\":{\"tensor\":{\"shape\":[2]}}}", 500, "'values'", INTERNAL);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"binData\":\"abcde\"}", 500,
               "Invalid base64-encoded string: number of data characters (5) cannot be 1 more than a multiple of 4",
               INTERNAL);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"binData\":\"abc\"}", 500, "Incorrect padding", INTERNAL);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"binData\":5}", 500,
               "argument should be a bytes-like object or ASCII string, not 'int'", INTERNAL);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"data\":\"ndarray\"}", 500,
               "string indices must be integers, not 'str'", INTERNAL);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"data\":{\"tftensor\":{}}}", 500,
               "Cannot convert the argument `type_value`: 0 to a TensorFlow DType.", INTERNAL);
  /* meta that is not an object (rest-api.md §5.1) */
  check_error (identity, SELDON_METHOD_PREDICT, "{\"meta\":null,\"strData\":\"x\"}", 500,
               "'NoneType' object has no attribute 'get'", INTERNAL);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"meta\":\"m\",\"strData\":\"x\"}", 500,
               "'str' object has no attribute 'get'", INTERNAL);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"meta\":5,\"strData\":\"x\"}", 500,
               "'int' object has no attribute 'get'", INTERNAL);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"meta\":[],\"strData\":\"x\"}", 500,
               "'list' object has no attribute 'get'", INTERNAL);
  /* payload values of unexpected types reach the component */
  check_error (identity, SELDON_METHOD_PREDICT, "{\"strData\":5}", 400,
               "Unknown data type returned as payload (must be list or np array):5", BAD_DATA);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"jsonData\":null}", 400,
               "Unknown data type returned as payload (must be list or np array):None", BAD_DATA);
  check_error (identity, SELDON_METHOD_PREDICT, "{\"jsonData\":true}", 400,
               "Unknown data type returned as payload (must be list or np array):True", BAD_DATA);
}

static void
test_decoding_quirks (void)
{
  g_autoptr(TestComponent) identity = identity_new ();

  /* data sub-key precedence and substring lookups */
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":[1],\"tensor\":{\"shape\":[1],\"values\":[2]}}}", 200,
         "{\"data\":{\"names\":[],\"tensor\":{\"shape\":[1],\"values\":[2]}},\"meta\":{}}");
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{}}", 200, "{\"data\":{\"names\":[],\"ndarray\":[]},\"meta\":{}}");
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":\"abc\"}", 200, "{\"data\":{\"names\":[],\"ndarray\":[]},\"meta\":{}}");
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"strData\":\"a\",\"data\":{\"ndarray\":[1]}}", 200,
         "{\"data\":{\"names\":[],\"ndarray\":[1]},\"meta\":{}}");
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"binData\":\"MTIz\",\"strData\":\"a\"}", 200,
         "{\"meta\":{},\"strData\":\"a\"}");
  /* tensor reshape semantics */
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"tensor\":{\"shape\":[-1],\"values\":[1,2]}}}", 200,
         "{\"data\":{\"names\":[],\"tensor\":{\"shape\":[2],\"values\":[1,2]}},\"meta\":{}}");
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"tensor\":{\"shape\":[],\"values\":[1]}}}", 200,
         "{\"data\":{\"names\":[],\"tensor\":{\"shape\":[],\"values\":[1]}},\"meta\":{}}");
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"tensor\":{\"shape\":[2],\"values\":[\"a\",true]}}}", 200,
         "{\"data\":{\"names\":[],\"ndarray\":[\"a\",\"True\"]},\"meta\":{}}");
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"tensor\":{\"shape\":[2,2],\"values\":[1,2,3,4.5]}}}", 200,
         "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"tensor\":{\"shape\":[2,2],\"values\":[1.0,2.0,3.0,4.5]}},\"meta\":{}}");
  /* ndarray conversion */
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":5}}", 200,
         "{\"data\":{\"names\":[],\"ndarray\":5},\"meta\":{}}");
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":[\"a\",1,2.5,true]}}", 200,
         "{\"data\":{\"names\":[],\"ndarray\":[\"a\",\"1\",\"2.5\",\"True\"]},\"meta\":{}}");
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":[[1,null],[{\"a\":1},2.5]]}}", 200,
         "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[1,null],[{\"a\":1},2.5]]},\"meta\":{}}");
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":[[]]}}", 200,
         "{\"data\":{\"names\":[],\"ndarray\":[[]]},\"meta\":{}}");
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"strData\":\"x\",\"data\":{\"ndarray\":[true,false]}}", 200,
         "{\"data\":{\"names\":[],\"ndarray\":[true,false]},\"meta\":{}}");
  /* jsonData lists follow the list rules (numeric => tensor without request data) */
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"jsonData\":[true,2]}", 200,
         "{\"data\":{\"names\":[],\"tensor\":{\"shape\":[2],\"values\":[1,2]}},\"meta\":{}}");
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"jsonData\":[1,\"a\"]}", 200,
         "{\"data\":{\"names\":[],\"ndarray\":[1,\"a\"]},\"meta\":{}}");
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"jsonData\":\"s\"}", 200, "{\"meta\":{},\"strData\":\"s\"}");
  /* names: 3 dimensions, shape (2,2,2) */
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":[[[1,2],[3,4]],[[5,6],[7,8]]]}}", 200,
         "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[[1,2],[3,4]],[[5,6],[7,8]]]},\"meta\":{}}");
  /* puid: truthy values echoed as they are, empty dropped */
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"meta\":{\"puid\":123},\"strData\":\"x\"}", 200,
         "{\"meta\":{\"puid\":123},\"strData\":\"x\"}");
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"meta\":{\"puid\":\"\",\"routing\":{\"a\":1},\"other\":1},\"strData\":\"x\"}", 200,
         "{\"meta\":{},\"strData\":\"x\"}");
}

/* rest-api.md §7.1: the FLASK_* settings */
static void
test_json_flags (void)
{
  g_autoptr(TestComponent) tagged = tagged_new ();
  g_autoptr(SeldonConfig) unsorted = config_new (NULL, NULL);
  g_autoptr(SeldonConfig) pretty = config_new (NULL, NULL);
  g_autoptr(SeldonConfig) utf8 = config_new (NULL, NULL);

  g_object_set (unsorted, "json-sort-keys", FALSE, NULL);
  check (tagged, unsorted, SELDON_METHOD_PREDICT,
         "{\"meta\":{\"puid\":\"p\",\"tags\":{\"z\":0}},\"data\":{\"tensor\":{\"shape\":[2,1],\"values\":[1,2]}}}", 200,
         "{\"data\":{\"tensor\":{\"values\":[1,2],\"shape\":[2,1]},\"names\":[\"t:0\"]},\"meta\":{\"tags\":{\"z\":0,"
         "\"mytag\":1},\"metrics\":[{\"type\":\"COUNTER\",\"key\":\"mycounter\",\"value\":1}],\"puid\":\"p\"}}");

  g_object_set (pretty, "json-pretty", TRUE, NULL);
  check (tagged, pretty, SELDON_METHOD_PREDICT, "{\"strData\":\"x\"}", 200,
         "{\n  \"meta\": {\n    \"metrics\": [\n      {\n        \"key\": \"mycounter\",\n        \"type\": \"COUNTER\",\n"
         "        \"value\": 1\n      }\n    ],\n    \"tags\": {\n      \"mytag\": 1\n    }\n  },\n  \"strData\": \"x\"\n}");

  g_object_set (utf8, "json-ascii", FALSE, NULL);
  check (tagged, utf8, SELDON_METHOD_TRANSFORM_OUTPUT, "{\"strData\":\"\u00e9\"}", 200,
         "{\"meta\":{\"metrics\":[{\"key\":\"mycounter\",\"type\":\"COUNTER\",\"value\":1}],\"tags\":{\"mytag\":1}},"
         "\"strData\":\"\xc3\xa9\"}");
}

/* rest-api.md §5.2: TensorFlow's make_ndarray / make_tensor_proto semantics */
static void
test_tftensor (void)
{
  g_autoptr(TestComponent) identity = identity_new ();
  g_autoptr(TestComponent) fixed = g_object_new (TEST_TYPE_COMPONENT, NULL);

  check (identity, NULL, SELDON_METHOD_PREDICT,
         "{\"data\":{\"tftensor\":{\"dtype\":\"DT_FLOAT\",\"tensorShape\":{\"dim\":[{\"size\":\"2\"}]},\"floatVal\":[1.5,2.5]}}}",
         200, "{\"data\":{\"names\":[],\"tftensor\":{\"dtype\":\"DT_FLOAT\",\"tensorContent\":\"AADAPwAAIEA=\","
         "\"tensorShape\":{\"dim\":[{\"size\":\"2\"}]}}},\"meta\":{}}");
  /* a single value is broadcast to the whole shape */
  check (identity, NULL, SELDON_METHOD_PREDICT,
         "{\"data\":{\"tftensor\":{\"dtype\":\"DT_DOUBLE\",\"tensorShape\":{\"dim\":[{\"size\":2},{\"size\":2}]},\"doubleVal\":[1]}}}",
         200, "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"tftensor\":{\"dtype\":\"DT_DOUBLE\",\"tensorContent\":"
         "\"AAAAAAAA8D8AAAAAAADwPwAAAAAAAPA/AAAAAAAA8D8=\",\"tensorShape\":{\"dim\":[{\"size\":\"2\"},{\"size\":\"2\"}]}}},\"meta\":{}}");
  check (identity, NULL, SELDON_METHOD_PREDICT,
         "{\"data\":{\"tftensor\":{\"dtype\":\"DT_INT64\",\"tensorShape\":{\"dim\":[{\"size\":\"3\"}]},"
         "\"tensorContent\":\"AQAAAAAAAAACAAAAAAAAAAMAAAAAAAAA\"}}}", 200,
         "{\"data\":{\"names\":[],\"tftensor\":{\"dtype\":\"DT_INT64\",\"tensorContent\":\"AQAAAAAAAAACAAAAAAAAAAMAAAAAAAAA\","
         "\"tensorShape\":{\"dim\":[{\"size\":\"3\"}]}}},\"meta\":{}}");
  check (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"tftensor\":{\"dtype\":\"DT_INT32\",\"intVal\":[7]}}}", 200,
         "{\"data\":{\"names\":[],\"tftensor\":{\"dtype\":\"DT_INT32\",\"intVal\":[7],\"tensorShape\":{}}},\"meta\":{}}");
  /* non-numeric arrays are answered as ndarray */
  check (identity, NULL, SELDON_METHOD_PREDICT,
         "{\"data\":{\"tftensor\":{\"dtype\":\"DT_BOOL\",\"tensorShape\":{\"dim\":[{\"size\":\"2\"}]},\"boolVal\":[true]}}}",
         200, "{\"data\":{\"names\":[],\"ndarray\":[true,true]},\"meta\":{}}");
  /* the TensorProto is parsed strictly */
  check_error (identity, SELDON_METHOD_PREDICT, "{\"data\":{\"tftensor\":{\"dtype\":\"DT_FLOAT\",\"floatVal\":5}}}", 500,
               "Failed to parse floatVal field: repeated field floatVal must be in [] which is 5 at TensorProto.", INTERNAL);
  /* a numeric result for a tftensor request */
  fixed->predict = MODE_RESULT;
  set_result_json (fixed, SELDON_PAYLOAD_LIST, "[[1.5,2]]");
  check (fixed, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"tftensor\":{\"dtype\":\"DT_INT32\",\"intVal\":[7]}}}", 200,
         "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"tftensor\":{\"dtype\":\"DT_DOUBLE\",\"tensorContent\":"
         "\"AAAAAAAA+D8AAAAAAAAAQA==\",\"tensorShape\":{\"dim\":[{\"size\":\"1\"},{\"size\":\"2\"}]}}},\"meta\":{}}");
}

static void
test_meta_merge (void)
{
  g_autoptr(TestComponent) component = g_object_new (TEST_TYPE_COMPONENT, NULL);
  g_autoptr(SeldonConfig) env = config_new ("clf", "org/img:1.0");
  g_autoptr(JsonNode) rt = parse_node ("true");
  g_autoptr(GError) error = NULL;
  g_autoptr(SeldonTensor) tensor = NULL;
  gint64 shape[] = { 1, 2 };
  double values[] = { 1, 2 };

  /* rest-api.md §6.3 example */
  component->predict = MODE_RESULT;
  component->tags = g_strdup ("{\"shared\":\"static\"}");
  component->class_names = g_strsplit ("a,b", ",", -1);
  tensor = seldon_tensor_new_from_doubles (values, 2, shape, 2, &error);
  g_assert_no_error (error);
  component->result = seldon_message_new_tensor (tensor);
  seldon_message_set_tag (component->result, "rt", rt);
  check (component, env, SELDON_METHOD_PREDICT,
         "{\"meta\":{\"puid\":\"p1\",\"tags\":{\"shared\":\"req\",\"r\":1},\"routing\":{\"x\":1}},\"strData\":\"x\"}", 200,
         "{\"data\":{\"names\":[\"a\",\"b\"],\"tensor\":{\"shape\":[1,2],\"values\":[1.0,2.0]}},"
         "\"meta\":{\"puid\":\"p1\",\"requestPath\":{\"clf\":\"org/img:1.0\"},\"tags\":{\"r\":1,\"rt\":true,\"shared\":\"static\"}}}");

  /* runtime metrics come after metrics(), and are never altered */
  add_metric_json (component->result, "{\"type\":\"GAUGE\",\"key\":\"rg\",\"value\":2,\"tags\":{\"mytag\":\"v\"}}");
  component->metrics = g_strdup ("[{\"type\":\"COUNTER\",\"key\":\"c\",\"value\":1,\"tags\":{\"t\":\"v\"}}]");
  check (component, NULL, SELDON_METHOD_PREDICT, "{\"strData\":\"x\"}", 200,
         "{\"data\":{\"names\":[\"a\",\"b\"],\"tensor\":{\"shape\":[1,2],\"values\":[1.0,2.0]}},\"meta\":{\"metrics\":"
         "[{\"key\":\"c\",\"tags\":{\"t\":\"v\"},\"type\":\"COUNTER\",\"value\":1},{\"key\":\"rg\",\"tags\":{\"mytag\":\"v\"},"
         "\"type\":\"GAUGE\",\"value\":2}],\"tags\":{\"rt\":true,\"shared\":\"static\"}}}");
}

static void
test_metrics_recording (void)
{
  g_autoptr(TestComponent) tagged = tagged_new ();
  g_autoptr(TestComponent) runtime_bad = tagged_new ();
  g_autoptr(TestComponent) raw = g_object_new (TEST_TYPE_COMPONENT, NULL);
  g_autoptr(SeldonConfig) no_metrics = config_new (NULL, NULL);
  Outcome outcome = { 0, };

  invoke_full (SELDON_COMPONENT (tagged), NULL, SELDON_METHOD_TRANSFORM_INPUT, SELDON_CALL_FLAGS_NONE,
               "{\"data\":{\"ndarray\":[[1,2]]},\"meta\":{\"metrics\":[{\"key\":\"req\",\"type\":\"GAUGE\",\"value\":1}]}}",
               NULL, &outcome);
  /* transform-input without the method echoes X; the request's metrics are echoed, not recorded */
  g_assert_cmpstr (outcome.body, ==,
                   "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[1,2]]},\"meta\":{\"metrics\":[{\"key\":\"req\","
                   "\"type\":\"GAUGE\",\"value\":1},{\"key\":\"mycounter\",\"type\":\"COUNTER\",\"value\":1}],"
                   "\"tags\":{\"mytag\":1}}}\n");
  g_assert_cmpstr (outcome.metrics, ==,
                   "[{\"method\":\"inputtransform\",\"metrics\":[{\"type\":\"COUNTER\",\"key\":\"mycounter\",\"value\":1}]}]");
  outcome_clear (&outcome);

  /* INCLUDE_METRICS_IN_CLIENT_RESPONSE=false: recorded, not echoed */
  g_object_set (no_metrics, "include-metrics-in-client-response", FALSE, NULL);
  invoke_full (SELDON_COMPONENT (tagged), no_metrics, SELDON_METHOD_PREDICT, SELDON_CALL_FLAGS_NONE,
               "{\"strData\":\"x\"}", NULL, &outcome);
  g_assert_cmpstr (outcome.body, ==, "{\"meta\":{\"tags\":{\"mytag\":1}},\"strData\":\"x\"}\n");
  g_assert_cmpstr (outcome.metrics, ==,
                   "[{\"method\":\"predict\",\"metrics\":[{\"type\":\"COUNTER\",\"key\":\"mycounter\",\"value\":1}]}]");
  outcome_clear (&outcome);

  /* metrics are recorded even when building the answer fails */
  tagged->predict = MODE_RESULT;
  tagged->result = seldon_message_new ();
  invoke_full (SELDON_COMPONENT (tagged), NULL, SELDON_METHOD_PREDICT, SELDON_CALL_FLAGS_NONE,
               "{\"strData\":\"x\"}", NULL, &outcome);
  g_assert_cmpuint (outcome.status, ==, 400);
  g_assert_nonnull (outcome.metrics);
  outcome_clear (&outcome);

  /* bad runtime metrics: nothing recorded; metrics() never validated */
  runtime_bad->predict = MODE_RESULT;
  set_result_json (runtime_bad, SELDON_PAYLOAD_STRING, "\"y\"");
  add_metric_json (runtime_bad->result, "{\"type\":\"COUNTER\",\"key\":\"k\",\"value\":\"1\"}");
  invoke_full (SELDON_COMPONENT (runtime_bad), NULL, SELDON_METHOD_PREDICT, SELDON_CALL_FLAGS_NONE,
               "{\"strData\":\"x\"}", NULL, &outcome);
  g_assert_cmpuint (outcome.status, ==, 500);
  g_assert_cmpstr (outcome.body, ==,
                   "{\"status\":{\"code\":-1,\"info\":\"Bad metric created during request: [{\\\"type\\\": \\\"COUNTER\\\", "
                   "\\\"key\\\": \\\"k\\\", \\\"value\\\": \\\"1\\\"}]\",\"reason\":\"MICROSERVICE_BAD_METRIC\",\"status\":1}}\n");
  g_assert_null (outcome.metrics);
  outcome_clear (&outcome);

  /* raw answers: meta.metrics recorded, removed when not included */
  raw->raw = g_strdup ("{\"meta\":{\"metrics\":[{\"key\":\"k\",\"value\":3}]},\"strData\":\"r\"}");
  raw->raw_methods = 1u << SELDON_METHOD_PREDICT;
  invoke_full (SELDON_COMPONENT (raw), no_metrics, SELDON_METHOD_PREDICT, SELDON_CALL_FLAGS_NONE,
               "{\"x\":1}", NULL, &outcome);
  g_assert_cmpstr (outcome.body, ==, "{\"meta\":{},\"strData\":\"r\"}\n");
  g_assert_cmpstr (outcome.metrics, ==,
                   "[{\"method\":\"predict\",\"metrics\":[{\"key\":\"k\",\"value\":3,\"type\":\"COUNTER\"}]}]");
  outcome_clear (&outcome);

  g_free (raw->raw);
  raw->raw = g_strdup ("{\"meta\":{\"metrics\":[{\"value\":3}]}}");
  check_error (raw, SELDON_METHOD_PREDICT, "{}", 500, "'key'", INTERNAL);
}

static void
test_passthrough (void)
{
  g_autoptr(TestComponent) pass = g_object_new (TEST_TYPE_COMPONENT, NULL);
  g_autoptr(TestComponent) no_pass = identity_new ();
  Outcome outcome = { 0, };

  pass->passthrough = g_bytes_new_static ("raw answer", 10);
  invoke_full (SELDON_COMPONENT (pass), NULL, SELDON_METHOD_PREDICT, SELDON_CALL_FLAGS_PASSTHROUGH,
               "not json", NULL, &outcome);
  g_assert_cmpuint (outcome.status, ==, 200);
  g_assert_cmpstr (outcome.body, ==, "raw answer");
  outcome_clear (&outcome);

  invoke_full (SELDON_COMPONENT (no_pass), NULL, SELDON_METHOD_PREDICT, SELDON_CALL_FLAGS_PASSTHROUGH,
               "{\"a\":'1'}\n", NULL, &outcome);
  g_assert_cmpuint (outcome.status, ==, 400);
  g_assert_cmpstr (outcome.body, ==,
                   "{\"status\":{\"code\":-1,\"info\":\"Invalid request data type: b'{\\\"a\\\":\\\\'1\\\\'}\\\\n'\","
                   "\"reason\":\"MICROSERVICE_BAD_DATA\",\"status\":1}}\n");
  outcome_clear (&outcome);
}

static void
test_feedback_errors (void)
{
  g_autoptr(TestComponent) component = g_object_new (TEST_TYPE_COMPONENT, NULL);
  g_autoptr(TestComponent) raw = g_object_new (TEST_TYPE_COMPONENT, NULL);
  g_autoptr(SeldonConfig) legacy = config_new (NULL, NULL);
  Outcome outcome = { 0, };

  check_error (component, SELDON_METHOD_SEND_FEEDBACK, "{\"reward\":\"x\"}", 400,
               "Invalid JSON: Failed to parse reward field: Couldn't parse float: x at Feedback.reward.", BAD_DATA);
  check_error (component, SELDON_METHOD_SEND_FEEDBACK, "{\"request\":{\"data\":{\"ndarray\":5}}}", 400,
               "Invalid JSON: Failed to parse request field: ListValue must be in [] which is 5 at Feedback.request.data.ndarray.",
               BAD_DATA);
  check_error (component, SELDON_METHOD_SEND_FEEDBACK, "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"type\":\"BAD\"}]}}}", 400,
               "Invalid JSON: Failed to parse request field: Failed to parse meta field: Failed to parse metrics field: "
               "Failed to parse type field: Invalid enum value BAD for enum type seldon.protos.Metric.MetricType at "
               "Feedback.request.meta.metrics[0].type....", BAD_DATA);
  check_error (component, SELDON_METHOD_SEND_FEEDBACK, "5", 500, "'int' object is not iterable", INTERNAL);
  check (component, NULL, SELDON_METHOD_SEND_FEEDBACK, "[]", 200, "{\"data\":{\"tensor\":{\"shape\":[0]}},\"meta\":{}}");

  /* reward recording */
  invoke_full (SELDON_COMPONENT (component), NULL, SELDON_METHOD_SEND_FEEDBACK, SELDON_CALL_FLAGS_NONE,
               "{\"reward\":0}", NULL, &outcome);
  g_assert_false (outcome.has_reward);
  outcome_clear (&outcome);
  invoke_full (SELDON_COMPONENT (component), NULL, SELDON_METHOD_SEND_FEEDBACK, SELDON_CALL_FLAGS_NONE,
               "{\"reward\":0.7}", NULL, &outcome);
  g_assert_true (outcome.has_reward);
  g_assert_cmpfloat (outcome.reward, ==, (double) 0.7f);
  outcome_clear (&outcome);
  g_object_set (legacy, "executor-enabled", FALSE, NULL);
  invoke_full (SELDON_COMPONENT (component), legacy, SELDON_METHOD_SEND_FEEDBACK, SELDON_CALL_FLAGS_NONE,
               "{\"reward\":0.7}", NULL, &outcome);
  g_assert_false (outcome.has_reward);
  outcome_clear (&outcome);

  /* the raw variant: the feedback in proto JSON in, a SeldonMessage rendered as returned out */
  raw->raw = g_strdup ("{\"jsonData\":{\"has_request\":true,\"reward\":1}}");
  raw->raw_methods = 1u << SELDON_METHOD_SEND_FEEDBACK;
  check (raw, NULL, SELDON_METHOD_SEND_FEEDBACK, "{\"request\":{\"strData\":\"x\"},\"reward\":1}", 200,
         "{\"jsonData\":{\"has_request\":true,\"reward\":1.0}}");
  g_assert_cmpstr (raw->last_raw_request, ==, "{\"request\":{\"strData\":\"x\"},\"reward\":1.0}");
}

/* ------------------------------------------------------------------------------------------ */

static GLogWriterOutput
quiet_writer (GLogLevelFlags   log_level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  /* the engine logs every error answer at WARNING: expected here */
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0 &&
        strcmp (fields[i].value, "Seldon") == 0 && (log_level & G_LOG_LEVEL_WARNING))
      return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (quiet_writer, NULL, NULL);

  g_test_add_func ("/engine/examples/rows-1-6", test_rows_1_to_6);
  g_test_add_func ("/engine/examples/rows-7-11", test_rows_7_to_11);
  g_test_add_func ("/engine/examples/rows-12-17", test_rows_12_to_17);
  g_test_add_func ("/engine/examples/rows-18-21", test_rows_18_to_21);
  g_test_add_func ("/engine/examples/row-25", test_row_25_bad_metric);
  g_test_add_func ("/engine/examples/row-26", test_row_26_custom_error);
  g_test_add_func ("/engine/examples/row-27", test_row_27_raw_status);
  g_test_add_func ("/engine/examples/rows-28-30", test_rows_28_to_30_route);
  g_test_add_func ("/engine/examples/rows-31-33", test_rows_31_to_33_aggregate);
  g_test_add_func ("/engine/examples/rows-34-36", test_rows_34_to_36_feedback);
  g_test_add_func ("/engine/examples/rows-37-40", test_rows_37_to_40_health_metadata);
  g_test_add_func ("/engine/examples/rows-42-43", test_rows_42_43_multipart);
  g_test_add_func ("/engine/examples/rows-44-46", test_rows_44_to_46);
  g_test_add_func ("/engine/decoding/errors", test_decoding_errors);
  g_test_add_func ("/engine/decoding/quirks", test_decoding_quirks);
  g_test_add_func ("/engine/decoding/tftensor", test_tftensor);
  g_test_add_func ("/engine/json-flags", test_json_flags);
  g_test_add_func ("/engine/meta-merge", test_meta_merge);
  g_test_add_func ("/engine/metrics", test_metrics_recording);
  g_test_add_func ("/engine/passthrough", test_passthrough);
  g_test_add_func ("/engine/feedback", test_feedback_errors);

  return g_test_run ();
}
