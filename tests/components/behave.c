/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Behave: a configurable component for the integration tests. Every behaviour is chosen by a
 * construct property, which the tests set through `--parameters` (configuration.md §3), e.g.
 *
 *   --parameters '[{"name":"result-kind","value":"none","type":"STRING"}]'
 *
 * Method names used in the list-valued properties: predict, transform-input,
 * transform-output, route, aggregate, send-feedback, health-status ("all" = every one).
 *
 * High-level methods
 *   implements (string, "predict,transform-input,transform-output,aggregate"): the high-level
 *     methods that answer; the others fail with SELDON_ERROR_NOT_IMPLEMENTED (fallback).
 *     route answers whenever route-json is set, whatever this says.
 *   result-kind (string, "echo"): what those methods return:
 *     echo       the request's payload (aggregate: the first message's, failing with
 *                "list index out of range" when there is none; send-feedback: NONE;
 *                health-status: the string "echo")
 *     none       a message without payload (Python None)
 *     tensor     seldon_tensor_new_from_json (result-json)
 *     float32    the same converted to a float32 tensor
 *     uint64     a 1-d uint64 tensor; result-json is an array of decimal strings
 *                (JSON numbers cannot hold the whole uint64 range in a JsonNode)
 *     list       seldon_message_new_list (result-json), answered verbatim like a Python list
 *     json       seldon_message_new_json (result-json)
 *     str        the string result-json (the text itself, not JSON)
 *     bytes      the bytes whose base64 is result-json
 *     params     jsonData {"p-bool":…,"p-double":…,"p-int":…,"p-string":…}, the values of
 *                the p-* properties (to check parameter conversion)
 *     inspect    jsonData describing the request as the component saw it:
 *                {"kind":…,"names":[…],"meta":M,"puid":P,…} (M = seldon_message_dup_meta, null
 *                when NULL; P = seldon_message_get_puid; "dtype"/"shape"/"array" for arrays,
 *                "str" / "bytes-base64" / "json" for the other payloads);
 *                aggregate: {"messages":[one such object per message]}
 *     feedback-echo  (send-feedback) jsonData describing what the component received:
 *                {"request":R,"response":R,"truth":R,"reward":r,"routing":n|null} where R is
 *                null (absent) or {"kind":…,"names":[…],"dtype":…,"shape":[…],"array":…}
 *     not-implemented  fail with SELDON_ERROR_NOT_IMPLEMENTED
 *     pid        jsonData {"pid": P}: the process id of the process that ran the call (to
 *                tell worker processes apart)
 *   result-json (string): the value used by result-kind.
 *   route-json (string): route()'s answer: an integer (seldon_message_new_route), true/false
 *     (0-d boolean tensor), a float (0-d float64 tensor), a string (strData) or null (NONE).
 *   runtime-tags-json / runtime-metrics-json (string): runtime tags (an object, set member by
 *     member with seldon_message_set_tag) and runtime metrics (seldon_message_set_runtime_metrics)
 *     put on every high-level answer except health-status.
 *   tags-json / metrics-json (string): what tags() / metrics() return; unset = not implemented.
 *   class-names (string): comma-separated class_names(); unset = not implemented.
 *   metadata-json (string): what init_metadata() returns; unset = not implemented.
 *
 * Errors
 *   error-kind (string): custom (seldon_error_new_custom (error-status, error-reason,
 *     error-message)), failed (SELDON_ERROR_FAILED), bad-data (SELDON_ERROR_BAD_DATA),
 *     not-implemented (SELDON_ERROR_NOT_IMPLEMENTED) or io (G_IO_ERROR_FAILED, an error of a
 *     foreign domain); unset = no error.
 *   error-on (string, "all"): the methods that fail with it.
 *   error-status (int, 400), error-reason (string, "MICROSERVICE_BAD_DATA"),
 *   error-message (string, "error from Behave").
 *
 * Raw methods
 *   raw-json (string): call_raw() returns this JSON for the methods in raw-methods.
 *   raw-echo (bool): call_raw() returns the request it was given, unchanged.
 *   raw-methods (string, "predict"): the methods call_raw() answers (others: not implemented).
 *   passthrough-result (string): predict_passthrough() returns these bytes; unset = it
 *     returns the request body unchanged.
 *
 * Life cycle
 *   load-delay-ms (int): load() sleeps this long.  load-fail (bool): load() fails.
 *   load-fail-if-exists (string): load() fails while a file of this path exists (to make a
 *     respawned worker process fail where the first ones loaded).
 *   call-delay-ms (int): every high-level method sleeps this long first (cancellable).
 *   not-thread-safe (bool): get_flags() returns SELDON_COMPONENT_FLAGS_NOT_THREAD_SAFE.
 *
 * Parameter conversion: p-int (int), p-double (double), p-string (string), p-bool (bool).
 */

#include <math.h>
#include <string.h>
#include <unistd.h>

#include <seldon/seldon.h>

#include "test-component-util.h"

#define TEST_TYPE_BEHAVE (test_behave_get_type ())
G_DECLARE_FINAL_TYPE (TestBehave, test_behave, TEST, BEHAVE, GObject)

struct _TestBehave
{
  GObject parent_instance;

  char *implements;
  char *result_kind;
  char *result_json;
  char *route_json;
  char *runtime_tags_json;
  char *runtime_metrics_json;
  char *tags_json;
  char *metrics_json;
  char *class_names;
  char *metadata_json;
  char *error_kind;
  char *error_on;
  int error_status;
  char *error_reason;
  char *error_message;
  char *raw_json;
  gboolean raw_echo;
  char *raw_methods;
  char *passthrough_result;
  int load_delay_ms;
  gboolean load_fail;
  char *load_fail_if_exists;
  int call_delay_ms;
  gboolean not_thread_safe;
  int p_int;
  double p_double;
  char *p_string;
  gboolean p_bool;
};

enum
{
  PROP_0,
  PROP_IMPLEMENTS,
  PROP_RESULT_KIND,
  PROP_RESULT_JSON,
  PROP_ROUTE_JSON,
  PROP_RUNTIME_TAGS_JSON,
  PROP_RUNTIME_METRICS_JSON,
  PROP_TAGS_JSON,
  PROP_METRICS_JSON,
  PROP_CLASS_NAMES,
  PROP_METADATA_JSON,
  PROP_ERROR_KIND,
  PROP_ERROR_ON,
  PROP_ERROR_STATUS,
  PROP_ERROR_REASON,
  PROP_ERROR_MESSAGE,
  PROP_RAW_JSON,
  PROP_RAW_ECHO,
  PROP_RAW_METHODS,
  PROP_PASSTHROUGH_RESULT,
  PROP_LOAD_DELAY_MS,
  PROP_LOAD_FAIL,
  PROP_LOAD_FAIL_IF_EXISTS,
  PROP_CALL_DELAY_MS,
  PROP_NOT_THREAD_SAFE,
  PROP_P_INT,
  PROP_P_DOUBLE,
  PROP_P_STRING,
  PROP_P_BOOL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void test_behave_component_init (SeldonComponentInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (TestBehave, test_behave, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SELDON_TYPE_COMPONENT,
                                                               test_behave_component_init))

static const char *
method_name (SeldonMethod method)
{
  switch (method)
    {
    case SELDON_METHOD_PREDICT:
      return "predict";
    case SELDON_METHOD_TRANSFORM_INPUT:
      return "transform-input";
    case SELDON_METHOD_TRANSFORM_OUTPUT:
      return "transform-output";
    case SELDON_METHOD_ROUTE:
      return "route";
    case SELDON_METHOD_AGGREGATE:
      return "aggregate";
    case SELDON_METHOD_SEND_FEEDBACK:
      return "send-feedback";
    case SELDON_METHOD_HEALTH_STATUS:
      return "health-status";
    case SELDON_METHOD_METADATA:
      return "metadata";
    default:
      return "unknown";
    }
}

static gboolean
set_not_implemented (const char  *what,
                     GError     **error)
{
  g_set_error (error, SELDON_ERROR, SELDON_ERROR_NOT_IMPLEMENTED, "%s is not implemented", what);
  return FALSE;
}

/* TRUE (with @error set) when the configuration says @method fails. */
static gboolean
behave_maybe_fail (TestBehave  *self,
                   const char  *method,
                   GError     **error)
{
  const char *kind = self->error_kind;
  const char *message = self->error_message != NULL ? self->error_message : "";

  if (kind == NULL || *kind == '\0' || !tc_list_has (self->error_on, method))
    return FALSE;

  if (strcmp (kind, "custom") == 0)
    g_propagate_error (error, seldon_error_new_custom (self->error_status, self->error_reason, message));
  else if (strcmp (kind, "bad-data") == 0)
    g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA, message);
  else if (strcmp (kind, "not-implemented") == 0)
    g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_NOT_IMPLEMENTED, message);
  else if (strcmp (kind, "io") == 0)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, message);
  else
    g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, message);
  return TRUE;
}

static SeldonMessage *
message_from_tensor_json (const char  *text,
                          gboolean     float32,
                          GError     **error)
{
  g_autoptr (JsonNode) node = tc_parse_json (text != NULL ? text : "[]", error);
  g_autoptr (SeldonTensor) tensor = NULL;
  g_autoptr (SeldonTensor) f32 = NULL;
  g_autofree double *values = NULL;
  g_autofree float *floats = NULL;
  g_autoptr (GBytes) bytes = NULL;
  const gint64 *shape;
  guint n_dims = 0;
  gsize n_values = 0;

  if (node == NULL)
    return NULL;
  tensor = seldon_tensor_new_from_json (node, error);
  if (tensor == NULL)
    return NULL;
  if (!float32)
    return seldon_message_new_tensor (tensor);

  values = seldon_tensor_dup_doubles (tensor, &n_values);
  floats = g_new0 (float, MAX (n_values, 1));
  for (gsize i = 0; i < n_values; i++)
    floats[i] = (float) values[i];
  bytes = g_bytes_new (floats, n_values * sizeof (float));
  shape = seldon_tensor_get_shape (tensor, &n_dims);
  f32 = seldon_tensor_new (SELDON_DTYPE_FLOAT32, shape, n_dims, bytes, error);
  if (f32 == NULL)
    return NULL;
  return seldon_message_new_tensor (f32);
}

static SeldonMessage *
message_from_uint64_strings (const char  *text,
                             GError     **error)
{
  g_autoptr (JsonNode) node = tc_parse_json (text != NULL ? text : "[]", error);
  g_autoptr (SeldonTensor) tensor = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree guint64 *values = NULL;
  JsonArray *array;
  gint64 shape[1];

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "uint64: result-json must be an array");
      return NULL;
    }
  array = json_node_get_array (node);
  shape[0] = json_array_get_length (array);
  values = g_new0 (guint64, MAX (shape[0], 1));
  for (guint i = 0; i < json_array_get_length (array); i++)
    values[i] = g_ascii_strtoull (json_array_get_string_element (array, i), NULL, 10);
  bytes = g_bytes_new (values, shape[0] * sizeof (guint64));
  tensor = seldon_tensor_new (SELDON_DTYPE_UINT64, shape, 1, bytes, error);
  if (tensor == NULL)
    return NULL;
  return seldon_message_new_tensor (tensor);
}

static const char *
payload_kind_name (SeldonPayloadKind kind)
{
  switch (kind)
    {
    case SELDON_PAYLOAD_NONE:
      return "none";
    case SELDON_PAYLOAD_TENSOR:
      return "tensor";
    case SELDON_PAYLOAD_LIST:
      return "list";
    case SELDON_PAYLOAD_STRING:
      return "string";
    case SELDON_PAYLOAD_BYTES:
      return "bytes";
    case SELDON_PAYLOAD_JSON:
      return "json";
    case SELDON_PAYLOAD_CUSTOM:
      return "custom";
    default:
      return "unknown";
    }
}

static const char *
dtype_name (SeldonDType dtype)
{
  switch (dtype)
    {
    case SELDON_DTYPE_FLOAT64:
      return "float64";
    case SELDON_DTYPE_FLOAT32:
      return "float32";
    case SELDON_DTYPE_INT64:
      return "int64";
    case SELDON_DTYPE_INT32:
      return "int32";
    case SELDON_DTYPE_INT16:
      return "int16";
    case SELDON_DTYPE_INT8:
      return "int8";
    case SELDON_DTYPE_UINT64:
      return "uint64";
    case SELDON_DTYPE_UINT32:
      return "uint32";
    case SELDON_DTYPE_UINT16:
      return "uint16";
    case SELDON_DTYPE_UINT8:
      return "uint8";
    case SELDON_DTYPE_BOOL:
      return "bool";
    case SELDON_DTYPE_STRING:
      return "string";
    case SELDON_DTYPE_OBJECT:
      return "object";
    default:
      return "unknown";
    }
}

/* Describes what a message looked like to the component (feedback-echo, inspect). */
static void
add_message_value (JsonBuilder   *builder,
                   SeldonMessage *message)
{
  SeldonPayloadKind kind;
  const char * const *names;

  if (message == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }

  kind = seldon_message_get_payload_kind (message);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, payload_kind_name (kind));
  json_builder_set_member_name (builder, "names");
  json_builder_begin_array (builder);
  names = seldon_message_get_names (message);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    json_builder_add_string_value (builder, names[i]);
  json_builder_end_array (builder);
  {
    JsonNode *meta = seldon_message_dup_meta (message);
    const char *puid = seldon_message_get_puid (message);

    json_builder_set_member_name (builder, "meta");
    if (meta != NULL)
      json_builder_add_value (builder, meta);
    else
      json_builder_add_null_value (builder);
    json_builder_set_member_name (builder, "puid");
    if (puid != NULL)
      json_builder_add_string_value (builder, puid);
    else
      json_builder_add_null_value (builder);
  }
  if (kind == SELDON_PAYLOAD_STRING)
    {
      JsonNode *str = seldon_message_dup_payload (message);

      json_builder_set_member_name (builder, "str");
      if (str != NULL)
        json_builder_add_value (builder, str);
      else
        json_builder_add_null_value (builder);
    }
  else if (kind == SELDON_PAYLOAD_BYTES)
    {
      GBytes *bytes = seldon_message_get_bin_data (message);
      gsize len = 0;
      const guchar *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;
      g_autofree char *b64 = g_base64_encode (data, len);

      json_builder_set_member_name (builder, "bytes-base64");
      json_builder_add_string_value (builder, b64);
    }
  else if (kind == SELDON_PAYLOAD_JSON)
    {
      JsonNode *json = seldon_message_dup_json_data (message);

      json_builder_set_member_name (builder, "json");
      if (json != NULL)
        json_builder_add_value (builder, json);
      else
        json_builder_add_null_value (builder);
    }
  if (kind == SELDON_PAYLOAD_TENSOR || kind == SELDON_PAYLOAD_LIST)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (SeldonTensor) tensor = seldon_message_dup_tensor (message, &local_error);

      if (tensor != NULL)
        {
          const gint64 *shape;
          guint n_dims = 0;

          json_builder_set_member_name (builder, "dtype");
          json_builder_add_string_value (builder, dtype_name (seldon_tensor_get_dtype (tensor)));
          json_builder_set_member_name (builder, "shape");
          json_builder_begin_array (builder);
          shape = seldon_tensor_get_shape (tensor, &n_dims);
          for (guint i = 0; i < n_dims; i++)
            json_builder_add_int_value (builder, shape[i]);
          json_builder_end_array (builder);
          json_builder_set_member_name (builder, "array");
          json_builder_add_value (builder, seldon_tensor_to_json (tensor));
        }
      else
        {
          json_builder_set_member_name (builder, "error");
          json_builder_add_string_value (builder, local_error->message);
        }
    }
  json_builder_end_object (builder);
}

static void
add_message_report (JsonBuilder   *builder,
                    const char    *member,
                    SeldonMessage *message)
{
  json_builder_set_member_name (builder, member);
  add_message_value (builder, message);
}

static SeldonMessage *
feedback_report (SeldonFeedback *feedback)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  gint64 routing = 0;

  json_builder_begin_object (builder);
  add_message_report (builder, "request", seldon_feedback_get_request (feedback));
  add_message_report (builder, "response", seldon_feedback_get_response (feedback));
  add_message_report (builder, "truth", seldon_feedback_get_truth (feedback));
  json_builder_set_member_name (builder, "reward");
  json_builder_add_double_value (builder, seldon_feedback_get_reward (feedback));
  json_builder_set_member_name (builder, "routing");
  if (seldon_feedback_get_routing (feedback, &routing))
    json_builder_add_int_value (builder, routing);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return seldon_message_new_json (root);
}

static SeldonMessage *
inspect_report (SeldonMessage *request,
                GPtrArray     *requests)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  if (request != NULL)
    add_message_value (builder, request);
  else
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "messages");
      json_builder_begin_array (builder);
      for (guint i = 0; requests != NULL && i < requests->len; i++)
        add_message_value (builder, g_ptr_array_index (requests, i));
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  root = json_builder_get_root (builder);
  return seldon_message_new_json (root);
}

static SeldonMessage *
params_report (TestBehave *self)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "p-bool");
  json_builder_add_boolean_value (builder, self->p_bool);
  json_builder_set_member_name (builder, "p-double");
  json_builder_add_double_value (builder, self->p_double);
  json_builder_set_member_name (builder, "p-int");
  json_builder_add_int_value (builder, self->p_int);
  json_builder_set_member_name (builder, "p-string");
  if (self->p_string != NULL)
    json_builder_add_string_value (builder, self->p_string);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return seldon_message_new_json (root);
}

static SeldonMessage *
route_answer (TestBehave  *self,
              GError     **error)
{
  g_autoptr (JsonNode) node = tc_parse_json (self->route_json, error);
  g_autoptr (SeldonTensor) tensor = NULL;
  gint64 no_shape[1] = { 0 };
  GType type;

  if (node == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_NULL (node))
    return seldon_message_new ();
  if (!JSON_NODE_HOLDS_VALUE (node))
    {
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED, "bad route-json %s", self->route_json);
      return NULL;
    }

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    return seldon_message_new_route (json_node_get_int (node));
  if (type == G_TYPE_STRING)
    return seldon_message_new_string (json_node_get_string (node));
  if (type == G_TYPE_BOOLEAN)
    {
      guint8 value = json_node_get_boolean (node) ? 1 : 0;
      g_autoptr (GBytes) bytes = g_bytes_new (&value, 1);

      tensor = seldon_tensor_new (SELDON_DTYPE_BOOL, no_shape, 0, bytes, error);
    }
  else
    {
      double value = json_node_get_double (node);

      tensor = seldon_tensor_new_from_doubles (&value, 1, no_shape, 0, error);
    }
  if (tensor == NULL)
    return NULL;
  return seldon_message_new_tensor (tensor);
}

static SeldonMessage *
build_answer (TestBehave      *self,
              const char      *method,
              SeldonMessage   *request,
              GPtrArray       *requests,
              SeldonFeedback  *feedback,
              GError         **error)
{
  const char *kind = self->result_kind != NULL ? self->result_kind : "echo";

  if (strcmp (method, "route") == 0)
    return route_answer (self, error);

  if (strcmp (kind, "echo") == 0)
    {
      if (request != NULL)
        return tc_echo_payload (request, error);
      if (requests != NULL)
        {
          if (requests->len == 0)
            {
              g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "list index out of range");
              return NULL;
            }
          return tc_echo_payload (g_ptr_array_index (requests, 0), error);
        }
      if (feedback != NULL)
        return seldon_message_new ();
      return seldon_message_new_string ("echo");
    }
  else if (strcmp (kind, "none") == 0)
    return seldon_message_new ();
  else if (strcmp (kind, "tensor") == 0)
    return message_from_tensor_json (self->result_json, FALSE, error);
  else if (strcmp (kind, "float32") == 0)
    return message_from_tensor_json (self->result_json, TRUE, error);
  else if (strcmp (kind, "uint64") == 0)
    return message_from_uint64_strings (self->result_json, error);
  else if (strcmp (kind, "list") == 0 || strcmp (kind, "json") == 0)
    {
      g_autoptr (JsonNode) node = tc_parse_json (self->result_json != NULL ? self->result_json : "null", error);

      if (node == NULL)
        return NULL;
      if (strcmp (kind, "list") == 0)
        return seldon_message_new_list (node);
      return seldon_message_new_json (node);
    }
  else if (strcmp (kind, "str") == 0)
    return seldon_message_new_string (self->result_json != NULL ? self->result_json : "");
  else if (strcmp (kind, "bytes") == 0)
    {
      gsize len = 0;
      guchar *data = g_base64_decode (self->result_json != NULL ? self->result_json : "", &len);
      g_autoptr (GBytes) bytes = g_bytes_new_take (data, len);

      return seldon_message_new_bytes (bytes);
    }
  else if (strcmp (kind, "params") == 0)
    return params_report (self);
  else if (strcmp (kind, "inspect") == 0)
    return inspect_report (request, requests);
  else if (strcmp (kind, "feedback-echo") == 0 && feedback != NULL)
    return feedback_report (feedback);
  else if (strcmp (kind, "not-implemented") == 0)
    {
      set_not_implemented (method, error);
      return NULL;
    }
  else if (strcmp (kind, "pid") == 0)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "pid");
      json_builder_add_int_value (builder, (gint64) getpid ());
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      return seldon_message_new_json (root);
    }

  g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED, "Behave: unknown result-kind %s", kind);
  return NULL;
}

static gboolean
add_runtime_extras (TestBehave     *self,
                    SeldonMessage  *answer,
                    GError        **error)
{
  if (self->runtime_tags_json != NULL)
    {
      g_autoptr (JsonNode) tags = tc_parse_json (self->runtime_tags_json, error);
      JsonObjectIter iter;
      const char *key;
      JsonNode *value;

      if (tags == NULL)
        return FALSE;
      if (!JSON_NODE_HOLDS_OBJECT (tags))
        {
          g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "runtime-tags-json must be an object");
          return FALSE;
        }
      json_object_iter_init (&iter, json_node_get_object (tags));
      while (json_object_iter_next (&iter, &key, &value))
        seldon_message_set_tag (answer, key, value);
    }
  if (self->runtime_metrics_json != NULL)
    {
      g_autoptr (JsonNode) metrics = tc_parse_json (self->runtime_metrics_json, error);

      if (metrics == NULL)
        return FALSE;
      seldon_message_set_runtime_metrics (answer, metrics);
    }
  return TRUE;
}

static SeldonMessage *
behave_call (TestBehave      *self,
             const char      *method,
             SeldonMessage   *request,
             GPtrArray       *requests,
             SeldonFeedback  *feedback,
             GCancellable    *cancellable,
             GError         **error)
{
  g_autoptr (SeldonMessage) answer = NULL;
  gboolean implemented;

  tc_trace (method);
  if (self->call_delay_ms > 0 && !tc_sleep_ms (self->call_delay_ms, cancellable, error))
    return NULL;
  if (behave_maybe_fail (self, method, error))
    return NULL;

  if (strcmp (method, "route") == 0)
    implemented = self->route_json != NULL;
  else
    implemented = tc_list_has (self->implements, method);
  if (!implemented)
    {
      set_not_implemented (method, error);
      return NULL;
    }

  answer = build_answer (self, method, request, requests, feedback, error);
  if (answer == NULL)
    return NULL;
  if (strcmp (method, "health-status") != 0 && !add_runtime_extras (self, answer, error))
    return NULL;
  return g_steal_pointer (&answer);
}

static SeldonComponentFlags
test_behave_get_flags (SeldonComponent *component)
{
  TestBehave *self = TEST_BEHAVE (component);

  return self->not_thread_safe ? SELDON_COMPONENT_FLAGS_NOT_THREAD_SAFE : SELDON_COMPONENT_FLAGS_NONE;
}

static gboolean
test_behave_load (SeldonComponent  *component,
                  GCancellable     *cancellable,
                  GError          **error)
{
  TestBehave *self = TEST_BEHAVE (component);

  tc_trace ("load");
  if (self->load_delay_ms > 0 && !tc_sleep_ms (self->load_delay_ms, cancellable, error))
    return FALSE;
  if (self->load_fail ||
      (self->load_fail_if_exists != NULL && g_file_test (self->load_fail_if_exists, G_FILE_TEST_EXISTS)))
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "Behave: load failed on purpose");
      return FALSE;
    }
  return TRUE;
}

static SeldonMessage *
test_behave_predict (SeldonComponent  *component,
                     SeldonMessage    *request,
                     GCancellable     *cancellable,
                     GError          **error)
{
  return behave_call (TEST_BEHAVE (component), "predict", request, NULL, NULL, cancellable, error);
}

static SeldonMessage *
test_behave_transform_input (SeldonComponent  *component,
                             SeldonMessage    *request,
                             GCancellable     *cancellable,
                             GError          **error)
{
  return behave_call (TEST_BEHAVE (component), "transform-input", request, NULL, NULL, cancellable, error);
}

static SeldonMessage *
test_behave_transform_output (SeldonComponent  *component,
                              SeldonMessage    *request,
                              GCancellable     *cancellable,
                              GError          **error)
{
  return behave_call (TEST_BEHAVE (component), "transform-output", request, NULL, NULL, cancellable, error);
}

static SeldonMessage *
test_behave_route (SeldonComponent  *component,
                   SeldonMessage    *request,
                   GCancellable     *cancellable,
                   GError          **error)
{
  return behave_call (TEST_BEHAVE (component), "route", request, NULL, NULL, cancellable, error);
}

static SeldonMessage *
test_behave_aggregate (SeldonComponent  *component,
                       GPtrArray        *requests,
                       GCancellable     *cancellable,
                       GError          **error)
{
  return behave_call (TEST_BEHAVE (component), "aggregate", NULL, requests, NULL, cancellable, error);
}

static SeldonMessage *
test_behave_send_feedback (SeldonComponent  *component,
                           SeldonFeedback   *feedback,
                           GCancellable     *cancellable,
                           GError          **error)
{
  return behave_call (TEST_BEHAVE (component), "send-feedback", NULL, NULL, feedback, cancellable, error);
}

static SeldonMessage *
test_behave_health_status (SeldonComponent  *component,
                           GCancellable     *cancellable,
                           GError          **error)
{
  return behave_call (TEST_BEHAVE (component), "health-status", NULL, NULL, NULL, cancellable, error);
}

static JsonNode *
json_or_not_implemented (const char  *text,
                         const char  *what,
                         GError     **error)
{
  if (text == NULL)
    {
      set_not_implemented (what, error);
      return NULL;
    }
  return tc_parse_json (text, error);
}

static JsonNode *
test_behave_init_metadata (SeldonComponent  *component,
                           GError          **error)
{
  tc_trace ("init-metadata");
  return json_or_not_implemented (TEST_BEHAVE (component)->metadata_json, "init_metadata", error);
}

static JsonNode *
test_behave_tags (SeldonComponent  *component,
                  GError          **error)
{
  tc_trace ("tags");
  return json_or_not_implemented (TEST_BEHAVE (component)->tags_json, "tags", error);
}

static JsonNode *
test_behave_metrics (SeldonComponent  *component,
                     GError          **error)
{
  tc_trace ("metrics");
  return json_or_not_implemented (TEST_BEHAVE (component)->metrics_json, "metrics", error);
}

static char **
test_behave_class_names (SeldonComponent  *component,
                         GError          **error)
{
  TestBehave *self = TEST_BEHAVE (component);

  tc_trace ("class-names");
  if (self->class_names == NULL)
    {
      set_not_implemented ("class_names", error);
      return NULL;
    }
  return g_strsplit (self->class_names, ",", -1);
}

static JsonNode *
test_behave_call_raw (SeldonComponent  *component,
                      SeldonMethod      method,
                      SeldonTransport   transport,
                      JsonNode         *request,
                      GCancellable     *cancellable,
                      GError          **error)
{
  TestBehave *self = TEST_BEHAVE (component);
  const char *name = method_name (method);

  if ((self->raw_json == NULL && !self->raw_echo) || !tc_list_has (self->raw_methods, name))
    {
      set_not_implemented ("raw", error);
      return NULL;
    }
  tc_trace ("raw");
  if (self->raw_echo)
    return request != NULL ? json_node_copy (request) : json_node_new (JSON_NODE_NULL);
  return tc_parse_json (self->raw_json, error);
}

static GBytes *
test_behave_predict_passthrough (SeldonComponent  *component,
                                 GBytes           *body,
                                 GCancellable     *cancellable,
                                 GError          **error)
{
  TestBehave *self = TEST_BEHAVE (component);

  tc_trace ("passthrough");
  if (self->passthrough_result != NULL)
    return g_bytes_new (self->passthrough_result, strlen (self->passthrough_result));
  if (body == NULL)
    return g_bytes_new (NULL, 0);
  return g_bytes_ref (body);
}

static void
test_behave_component_init (SeldonComponentInterface *iface)
{
  iface->get_flags = test_behave_get_flags;
  iface->load = test_behave_load;
  iface->predict = test_behave_predict;
  iface->transform_input = test_behave_transform_input;
  iface->transform_output = test_behave_transform_output;
  iface->route = test_behave_route;
  iface->aggregate = test_behave_aggregate;
  iface->send_feedback = test_behave_send_feedback;
  iface->health_status = test_behave_health_status;
  iface->init_metadata = test_behave_init_metadata;
  iface->tags = test_behave_tags;
  iface->metrics = test_behave_metrics;
  iface->class_names = test_behave_class_names;
  iface->call_raw = test_behave_call_raw;
  iface->predict_passthrough = test_behave_predict_passthrough;
}

static char **
string_slot (TestBehave *self,
             guint       prop_id)
{
  switch (prop_id)
    {
    case PROP_IMPLEMENTS: return &self->implements;
    case PROP_RESULT_KIND: return &self->result_kind;
    case PROP_RESULT_JSON: return &self->result_json;
    case PROP_ROUTE_JSON: return &self->route_json;
    case PROP_RUNTIME_TAGS_JSON: return &self->runtime_tags_json;
    case PROP_RUNTIME_METRICS_JSON: return &self->runtime_metrics_json;
    case PROP_TAGS_JSON: return &self->tags_json;
    case PROP_METRICS_JSON: return &self->metrics_json;
    case PROP_CLASS_NAMES: return &self->class_names;
    case PROP_METADATA_JSON: return &self->metadata_json;
    case PROP_ERROR_KIND: return &self->error_kind;
    case PROP_ERROR_ON: return &self->error_on;
    case PROP_ERROR_REASON: return &self->error_reason;
    case PROP_ERROR_MESSAGE: return &self->error_message;
    case PROP_RAW_JSON: return &self->raw_json;
    case PROP_RAW_METHODS: return &self->raw_methods;
    case PROP_PASSTHROUGH_RESULT: return &self->passthrough_result;
    case PROP_P_STRING: return &self->p_string;
    case PROP_LOAD_FAIL_IF_EXISTS: return &self->load_fail_if_exists;
    default: return NULL;
    }
}

static int *
int_slot (TestBehave *self,
          guint       prop_id)
{
  switch (prop_id)
    {
    case PROP_ERROR_STATUS: return &self->error_status;
    case PROP_LOAD_DELAY_MS: return &self->load_delay_ms;
    case PROP_CALL_DELAY_MS: return &self->call_delay_ms;
    case PROP_P_INT: return &self->p_int;
    case PROP_RAW_ECHO: return &self->raw_echo;
    case PROP_LOAD_FAIL: return &self->load_fail;
    case PROP_NOT_THREAD_SAFE: return &self->not_thread_safe;
    case PROP_P_BOOL: return &self->p_bool;
    default: return NULL;
    }
}

static void
test_behave_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TestBehave *self = TEST_BEHAVE (object);
  char **str = string_slot (self, prop_id);
  int *num = int_slot (self, prop_id);

  if (str != NULL)
    g_value_set_string (value, *str);
  else if (num != NULL && G_PARAM_SPEC_VALUE_TYPE (pspec) == G_TYPE_BOOLEAN)
    g_value_set_boolean (value, *num);
  else if (num != NULL)
    g_value_set_int (value, *num);
  else if (prop_id == PROP_P_DOUBLE)
    g_value_set_double (value, self->p_double);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
test_behave_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  TestBehave *self = TEST_BEHAVE (object);
  char **str = string_slot (self, prop_id);
  int *num = int_slot (self, prop_id);

  if (str != NULL)
    {
      g_free (*str);
      *str = g_value_dup_string (value);
    }
  else if (num != NULL && G_PARAM_SPEC_VALUE_TYPE (pspec) == G_TYPE_BOOLEAN)
    *num = g_value_get_boolean (value);
  else if (num != NULL)
    *num = g_value_get_int (value);
  else if (prop_id == PROP_P_DOUBLE)
    self->p_double = g_value_get_double (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
test_behave_finalize (GObject *object)
{
  TestBehave *self = TEST_BEHAVE (object);

  for (guint i = 1; i < N_PROPS; i++)
    {
      char **str = string_slot (self, i);

      if (str != NULL)
        g_clear_pointer (str, g_free);
    }

  G_OBJECT_CLASS (test_behave_parent_class)->finalize (object);
}

#define STR_PROP(id, name, def) \
  properties[id] = g_param_spec_string (name, NULL, NULL, def, flags)
#define INT_PROP(id, name, def) \
  properties[id] = g_param_spec_int (name, NULL, NULL, G_MININT, G_MAXINT, def, flags)
#define BOOL_PROP(id, name) \
  properties[id] = g_param_spec_boolean (name, NULL, NULL, FALSE, flags)

static void
test_behave_class_init (TestBehaveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = test_behave_get_property;
  object_class->set_property = test_behave_set_property;
  object_class->finalize = test_behave_finalize;

  STR_PROP (PROP_IMPLEMENTS, "implements", "predict,transform-input,transform-output,aggregate");
  STR_PROP (PROP_RESULT_KIND, "result-kind", "echo");
  STR_PROP (PROP_RESULT_JSON, "result-json", NULL);
  STR_PROP (PROP_ROUTE_JSON, "route-json", NULL);
  STR_PROP (PROP_RUNTIME_TAGS_JSON, "runtime-tags-json", NULL);
  STR_PROP (PROP_RUNTIME_METRICS_JSON, "runtime-metrics-json", NULL);
  STR_PROP (PROP_TAGS_JSON, "tags-json", NULL);
  STR_PROP (PROP_METRICS_JSON, "metrics-json", NULL);
  STR_PROP (PROP_CLASS_NAMES, "class-names", NULL);
  STR_PROP (PROP_METADATA_JSON, "metadata-json", NULL);
  STR_PROP (PROP_ERROR_KIND, "error-kind", NULL);
  STR_PROP (PROP_ERROR_ON, "error-on", "all");
  INT_PROP (PROP_ERROR_STATUS, "error-status", 400);
  STR_PROP (PROP_ERROR_REASON, "error-reason", "MICROSERVICE_BAD_DATA");
  STR_PROP (PROP_ERROR_MESSAGE, "error-message", "error from Behave");
  STR_PROP (PROP_RAW_JSON, "raw-json", NULL);
  BOOL_PROP (PROP_RAW_ECHO, "raw-echo");
  STR_PROP (PROP_RAW_METHODS, "raw-methods", "predict");
  STR_PROP (PROP_PASSTHROUGH_RESULT, "passthrough-result", NULL);
  INT_PROP (PROP_LOAD_DELAY_MS, "load-delay-ms", 0);
  BOOL_PROP (PROP_LOAD_FAIL, "load-fail");
  STR_PROP (PROP_LOAD_FAIL_IF_EXISTS, "load-fail-if-exists", NULL);
  INT_PROP (PROP_CALL_DELAY_MS, "call-delay-ms", 0);
  BOOL_PROP (PROP_NOT_THREAD_SAFE, "not-thread-safe");
  INT_PROP (PROP_P_INT, "p-int", 0);
  properties[PROP_P_DOUBLE] = g_param_spec_double ("p-double", NULL, NULL,
                                                   -INFINITY, INFINITY, 0.0, flags);
  STR_PROP (PROP_P_STRING, "p-string", NULL);
  BOOL_PROP (PROP_P_BOOL, "p-bool");

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
test_behave_class_finalize (TestBehaveClass *klass)
{
}

static void
test_behave_init (TestBehave *self)
{
}

G_MODULE_EXPORT GType seldon_component_register (GTypeModule *module);

GType
seldon_component_register (GTypeModule *module)
{
  test_behave_register_type (module);
  return TEST_TYPE_BEHAVE;
}
