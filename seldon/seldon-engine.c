/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * SeldonEngine: the Seldon semantics of one worker (see seldon-engine-private.h).
 *
 * The order of operations follows the Python wrapper (seldon_methods.py / utils.py), because
 * it decides which error a client sees when several things are wrong, and which custom
 * metrics are recorded before a failure.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "seldon-codec-private.h"
#include "seldon-codec-proto-private.h"
#include "seldon-engine-private.h"
#include "seldon-error.h"
#include "seldon-error-private.h"
#include "seldon-message-private.h"
#include "seldon-metadata-private.h"
#include "seldon-proto-json-private.h"
#include "seldon-tensor-private.h"

#define NOT_IMPLEMENTED_UNIT "NOT_IMPLEMENTED"
#define NOT_IMPLEMENTED_IMAGE "NOT_IMPLEMENTED:NOT_IMPLEMENTED"

struct _SeldonEngine
{
  SeldonComponent *component;

  char *unit_id;
  char *unit_image;
  char *model_metadata;
  gboolean include_metrics;
  gboolean executor_enabled;
  SeldonJsonWriteFlags write_flags;
  SeldonJson *env_request_path;   /* {unit-id: unit-image}, or NULL */

  GMutex metadata_lock;
  gboolean metadata_done;
  SeldonJson *metadata;           /* NULL when validation failed */
};

/* Per-call state */
typedef struct
{
  SeldonEngine *engine;
  const SeldonCall *call;
  GCancellable *cancellable;
  SeldonJson *metrics;            /* records for SeldonReply.metrics, or NULL */
  gboolean has_reward;
  double reward;
  /* gRPC: the array of the request's `data`, decoded without JSON (used by the first
   * decode_request()), and the numeric answer array left out of the answer's JSON */
  SeldonProtoArray request_array;
  SeldonTensor *deferred;
  /* the answer came from call_deprecated(): sent as is, no metrics processing */
  gboolean as_is;
} Invocation;

/* Consumes @local_error, the failure of a component method: NOT_IMPLEMENTED returns TRUE (the
 * caller applies the contract's fallback); any other error moves to @error, FALSE. */
static gboolean
fallback_or_propagate (GError  *local_error,
                       GError **error)
{
  if (g_error_matches (local_error, SELDON_ERROR, SELDON_ERROR_NOT_IMPLEMENTED))
    {
      g_error_free (local_error);
      return TRUE;
    }
  g_propagate_error (error, local_error);
  return FALSE;
}

/* Whether @component has an implementation of its own of the interface method at @offset in
 * SeldonComponentInterface. NULL and the interface's default only fail with NOT_IMPLEMENTED,
 * so the engine applies the fallback without calling them (nor converting their arguments). */
static gboolean
component_implements (SeldonComponent *component,
                      gsize            offset)
{
  SeldonComponentInterface *iface = SELDON_COMPONENT_GET_IFACE (component);
  SeldonComponentInterface *defaults = g_type_default_interface_peek (SELDON_TYPE_COMPONENT);
  gpointer method = G_STRUCT_MEMBER (gpointer, iface, offset);

  return method != NULL && (defaults == NULL || method != G_STRUCT_MEMBER (gpointer, defaults, offset));
}

#define IMPLEMENTS(component, method) \
  component_implements ((component), G_STRUCT_OFFSET (SeldonComponentInterface, method))

/* Consumes a JsonNode returned by a component method: its SeldonJson, or NULL for NULL. */
static SeldonJson *
json_take_node (JsonNode *node)
{
  SeldonJson *json;

  if (node == NULL)
    return NULL;
  json = seldon_json_from_json_node (node);
  json_node_unref (node);
  return json;
}

/* ------------------------------------------------------------------------------------------ */
/* construction */

static gboolean
config_has (SeldonConfig *config,
            const char   *name)
{
  return g_object_class_find_property (G_OBJECT_GET_CLASS (config), name) != NULL;
}

static char *
config_get_string (SeldonConfig *config,
                   const char   *name)
{
  char *value = NULL;

  if (config_has (config, name))
    g_object_get (config, name, &value, NULL);
  return value;
}

static gboolean
config_get_bool (SeldonConfig *config,
                 const char   *name,
                 gboolean      fallback)
{
  gboolean value = fallback;

  if (config_has (config, name))
    g_object_get (config, name, &value, NULL);
  return value;
}

SeldonEngine *
seldon_engine_new (SeldonComponent *component,
                   SeldonConfig    *config)
{
  SeldonEngine *self;

  g_return_val_if_fail (SELDON_IS_COMPONENT (component), NULL);
  g_return_val_if_fail (SELDON_IS_CONFIG (config), NULL);

  self = g_new0 (SeldonEngine, 1);
  self->component = g_object_ref (component);
  g_mutex_init (&self->metadata_lock);

  self->unit_id = config_get_string (config, "unit-id");
  self->unit_image = config_get_string (config, "unit-image");
  self->model_metadata = config_get_string (config, "model-metadata");
  self->include_metrics = config_get_bool (config, "include-metrics-in-client-response", TRUE);
  self->executor_enabled = config_get_bool (config, "executor-enabled", TRUE);

  if (config_get_bool (config, "json-sort-keys", TRUE))
    self->write_flags |= SELDON_JSON_WRITE_SORT_KEYS;
  if (config_get_bool (config, "json-ascii", TRUE))
    self->write_flags |= SELDON_JSON_WRITE_ASCII;
  if (config_get_bool (config, "json-pretty", FALSE))
    self->write_flags |= SELDON_JSON_WRITE_PRETTY;

  /* utils.get_request_path(): nothing unless PREDICTIVE_UNIT_ID is set */
  if (self->unit_id != NULL && strcmp (self->unit_id, NOT_IMPLEMENTED_UNIT) != 0)
    {
      self->env_request_path = seldon_json_new_object ();
      seldon_json_object_set (self->env_request_path, self->unit_id,
                              seldon_json_new_string (self->unit_image != NULL ? self->unit_image
                                                                               : NOT_IMPLEMENTED_IMAGE));
    }

  return self;
}

void
seldon_engine_free (SeldonEngine *self)
{
  if (self == NULL)
    return;

  g_clear_object (&self->component);
  g_clear_pointer (&self->unit_id, g_free);
  g_clear_pointer (&self->unit_image, g_free);
  g_clear_pointer (&self->model_metadata, g_free);
  g_clear_pointer (&self->env_request_path, seldon_json_unref);
  g_clear_pointer (&self->metadata, seldon_json_unref);
  g_mutex_clear (&self->metadata_lock);
  g_free (self);
}

SeldonJsonWriteFlags
seldon_engine_get_write_flags (SeldonEngine *self)
{
  g_return_val_if_fail (self != NULL, SELDON_JSON_WRITE_WIRE);

  return self->write_flags;
}

/* ------------------------------------------------------------------------------------------ */
/* metadata (component-contract.md §8) */

static gboolean
compute_metadata (SeldonEngine *self,
                  GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SeldonJson) user = NULL;
  JsonNode *node;

  node = seldon_component_init_metadata (self->component, &local_error);
  if (local_error != NULL && !fallback_or_propagate (g_steal_pointer (&local_error), error))
    return FALSE;
  user = json_take_node (node);

  self->metadata = seldon_metadata_build (user, self->model_metadata, self->unit_image, &local_error);
  if (self->metadata == NULL)
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                      "MESSAGE", "Metadata validation error: %s",
                      local_error != NULL ? local_error->message : "invalid metadata");
  return TRUE;
}

gboolean
seldon_engine_init_metadata_full (SeldonEngine *self,
                                  GError      **error)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->metadata_lock);
  if (!self->metadata_done)
    {
      ok = compute_metadata (self, error);
      self->metadata_done = TRUE;
    }
  g_mutex_unlock (&self->metadata_lock);

  return ok;
}

void
seldon_engine_init_metadata (SeldonEngine *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (self != NULL);

  if (!seldon_engine_init_metadata_full (self, &error))
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                      "MESSAGE", "init_metadata failed, model metadata unavailable: %s",
                      error->message);
}

/* ------------------------------------------------------------------------------------------ */
/* replies */

static SeldonReply *
json_reply (Invocation       *inv,
            guint             status,
            const SeldonJson *json)
{
  GString *text = g_string_new (NULL);
  gsize len;
  g_autoptr(GBytes) body = NULL;

  seldon_json_write (json, inv->engine->write_flags, text);
  g_string_append_c (text, '\n');
  len = text->len;
  body = g_bytes_new_take (g_string_free (text, FALSE), len);

  return seldon_reply_new (status, "application/json", body);
}

static gboolean
is_grpc (Invocation *inv)
{
  return inv->call->transport == SELDON_TRANSPORT_GRPC;
}

/* A gRPC answer: the message @canonical (canonical proto3 JSON of a @type, with @deferred as
 * its array when not NULL) serialized, status OK; NULL when it cannot be encoded. */
static SeldonReply *
proto_reply (SeldonProtoMessageType  type,
             const SeldonJson       *canonical,
             SeldonTensor           *deferred,
             GError                **error)
{
  g_autoptr(GBytes) body = seldon_codec_proto_encode_full (type, canonical, deferred, error);
  SeldonReply *reply;

  if (body == NULL)
    return NULL;
  reply = seldon_reply_new (200, "application/grpc", body);
  reply->grpc_status = SELDON_GRPC_STATUS_OK;
  return reply;
}

/* A gRPC status other than OK that is no Seldon error (grpc-api.md §6). */
static SeldonReply *
grpc_status_reply (int         status,
                   const char *message)
{
  SeldonReply *reply = seldon_reply_new (500, "application/grpc", NULL);

  reply->grpc_status = status;
  reply->grpc_message = g_strdup (message);
  return reply;
}

/* Replies with the SeldonMessage @message (REST: its JSON, 200; gRPC: the protobuf). */
static SeldonReply *
message_reply (Invocation       *inv,
               const SeldonJson *message,
               GError          **error)
{
  if (is_grpc (inv))
    return proto_reply (SELDON_PROTO_MESSAGE_SELDON_MESSAGE, message, inv->deferred, error);
  return json_reply (inv, 200, message);
}

/* Replies with @answer (consumed), a SeldonMessage, or returns NULL when building it failed
 * (NULL) or it cannot be encoded. */
static SeldonReply *
answer_reply (Invocation *inv,
              SeldonJson *answer,
              GError    **error)
{
  SeldonReply *reply;

  if (answer == NULL)
    return NULL;
  reply = message_reply (inv, answer, error);
  seldon_json_unref (answer);
  return reply;
}

static SeldonReply *
error_reply (Invocation   *inv,
             const GError *error)
{
  SeldonReply *reply = seldon_reply_new_error (error, inv->engine->write_flags);
  gsize size = 0;
  const char *body = g_bytes_get_data (reply->body, &size);
  char status[16];

  /* rest-api.md §8.1: every error is logged with the error object at ERROR. GLib's ERROR level
   * aborts, so this is a WARNING that carries SELDON_LEVEL=ERROR, which the log writer prints as
   * ERROR (seldon-log.c). */

  g_snprintf (status, sizeof status, "%u", reply->http_status);
  /* without the final newline (a model_error_handler's answer may have none) */
  if (size > 0 && body[size - 1] == '\n')
    size--;
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                    "SELDON_LEVEL", "ERROR",
                    "CODE_FUNC", G_STRFUNC,
                    "CODE_LINE", G_STRINGIFY (__LINE__),
                    "SELDON_HTTP_STATUS", status,
                    "MESSAGE", "%.*s", (int) size, body);
  return reply;
}

/* grpc-api.md §6: component and conversion errors are UNKNOWN with
 * "Exception calling application: <text>", Seldon errors included (decisions.md D4). */
static SeldonReply *
grpc_error_reply (Invocation   *inv,
                  const GError *error)
{
  int status = seldon_error_get_grpc_status (error);
  const char *info = seldon_error_get_info (error);
  SeldonReply *reply = seldon_reply_new ((guint) seldon_error_get_http_status (error), "application/grpc", NULL);
  char code[16];

  reply->grpc_status = status;
  if (status == SELDON_GRPC_STATUS_UNKNOWN)
    reply->grpc_message = g_strconcat (SELDON_GRPC_APPLICATION_PREFIX, info, NULL);
  else
    reply->grpc_message = g_strdup (info);

  g_snprintf (code, sizeof code, "%d", status);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                    "SELDON_LEVEL", "ERROR",
                    "CODE_FUNC", G_STRFUNC,
                    "CODE_LINE", G_STRINGIFY (__LINE__),
                    "SELDON_GRPC_STATUS", code,
                    "MESSAGE", "gRPC %s failed: %s",
                    seldon_method_get_metric_label (inv->call->method), reply->grpc_message);
  return reply;
}

static void
finish_reply (Invocation  *inv,
              SeldonReply *reply)
{
  if (inv->metrics != NULL)
    {
      g_clear_pointer (&reply->metrics, seldon_json_unref);
      reply->metrics = g_steal_pointer (&inv->metrics);
    }
  reply->has_reward = inv->has_reward;
  reply->reward = inv->reward;
}

/* ------------------------------------------------------------------------------------------ */
/* custom metrics (component-contract.md §7) */

static void
record_metrics (Invocation       *inv,
                const SeldonJson *metrics)
{
  SeldonJson *record;

  if (metrics == NULL || seldon_json_get_type (metrics) != SELDON_JSON_ARRAY ||
      seldon_json_array_get_length (metrics) == 0)
    return;

  record = seldon_json_new_object ();
  seldon_json_object_set (record, "method",
                          seldon_json_new_string (seldon_method_get_metric_label (inv->call->method)));
  seldon_json_object_set (record, "metrics", seldon_json_copy (metrics));

  if (inv->metrics == NULL)
    inv->metrics = seldon_json_new_array ();
  seldon_json_array_append (inv->metrics, record);
}

static gboolean
validate_and_record (Invocation       *inv,
                     const SeldonJson *metrics,
                     GError          **error)
{
  if (!seldon_codec_metrics_valid (metrics))
    {
      seldon_codec_set_bad_metric_error (error, metrics);
      return FALSE;
    }
  record_metrics (inv, metrics);
  return TRUE;
}

/* client_custom_metrics(): validate and record the runtime metrics, then metrics(); returns
 * the list to echo (metrics() + runtime, or nothing when metrics are not to be included). */
static SeldonJson *
custom_metrics (Invocation       *inv,
                const SeldonJson *runtime,
                GError          **error)
{
  g_autoptr(SeldonJson) user = NULL;
  g_autoptr(GError) local_error = NULL;
  SeldonJson *echoed;
  JsonNode *node;

  /* (no runtime metrics: as an empty list, valid and nothing to record) */
  if (runtime != NULL && !validate_and_record (inv, runtime, error))
    return NULL;

  node = IMPLEMENTS (inv->engine->component, metrics) ?
         seldon_component_metrics (inv->engine->component, &local_error) : NULL;
  if (local_error != NULL && !fallback_or_propagate (g_steal_pointer (&local_error), error))
    return NULL;
  user = json_take_node (node);
  if (user != NULL && !validate_and_record (inv, user, error))
    return NULL;

  echoed = seldon_json_new_array ();
  if (inv->engine->include_metrics)
    {
      if (user != NULL)
        for (guint i = 0; i < seldon_json_array_get_length (user); i++)
          seldon_json_array_append (echoed, seldon_json_ref (seldon_json_array_get (user, i)));
      for (guint i = 0; runtime != NULL && i < seldon_json_array_get_length (runtime); i++)
        seldon_json_array_append (echoed, seldon_json_ref (seldon_json_array_get (runtime, i)));
    }
  return echoed;
}

/* SeldonMetrics.update() on the metrics of a raw answer: no validation, but the Python
 * failures of a malformed list, and unknown types skipped. Returns the list to record. */
static SeldonJson *
check_raw_metrics (Invocation       *inv,
                   const SeldonJson *metrics,
                   GError          **error)
{
  g_autoptr(SeldonJson) record = seldon_json_new_array ();

  switch (seldon_json_get_type (metrics))
    {
    case SELDON_JSON_ARRAY:
      break;
    case SELDON_JSON_OBJECT:
      if (seldon_json_object_get_size (metrics) == 0)
        return g_steal_pointer (&record);
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "'str' object has no attribute 'get'");
      return NULL;
    case SELDON_JSON_STRING:
      if (seldon_json_get_string_length (metrics) == 0)
        return g_steal_pointer (&record);
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "'str' object has no attribute 'get'");
      return NULL;
    case SELDON_JSON_NULL:
    case SELDON_JSON_BOOL:
    case SELDON_JSON_INT:
    case SELDON_JSON_BIGINT:
    case SELDON_JSON_DOUBLE:
    default:
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED, "'%s' object is not iterable",
                   seldon_python_type_name (metrics));
      return NULL;
    }

  for (guint i = 0; i < seldon_json_array_get_length (metrics); i++)
    {
      SeldonJson *metric = seldon_json_array_get (metrics, i);
      SeldonJson *type;
      SeldonJson *tags;
      SeldonJson *value;
      const char *type_name = "COUNTER";
      SeldonJson *normalized;

      if (seldon_json_get_type (metric) != SELDON_JSON_OBJECT)
        {
          seldon_py_set_no_attribute_error (error, metric, "get");
          return NULL;
        }
      type = seldon_json_object_get (metric, "type");
      tags = seldon_json_object_get (metric, "tags");
      if (tags != NULL && seldon_json_get_type (tags) != SELDON_JSON_OBJECT)
        {
          if (seldon_json_get_type (tags) == SELDON_JSON_ARRAY)
            g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                                 "list indices must be integers or slices, not str");
          else
            g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                         "'%s' object does not support item assignment", seldon_python_type_name (tags));
          return NULL;
        }
      if (!seldon_json_object_has (metric, "key"))
        {
          g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "'key'");
          return NULL;
        }

      if (type != NULL)
        type_name = seldon_json_get_type (type) == SELDON_JSON_STRING ? seldon_json_get_string (type) : NULL;
      if (type_name == NULL ||
          (strcmp (type_name, "COUNTER") != 0 && strcmp (type_name, "GAUGE") != 0 &&
           strcmp (type_name, "TIMER") != 0))
        {
          g_autofree char *text = type != NULL ? seldon_json_to_python_str (type) : g_strdup ("None");

          g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                            "MESSAGE", "Unknown metrics type: %s", text);
          continue;
        }

      value = seldon_json_object_get (metric, "value");
      if (value == NULL)
        {
          g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "'value'");
          return NULL;
        }
      if (!seldon_json_is_number (value) && seldon_json_get_type (value) != SELDON_JSON_BOOL)
        {
          if (strcmp (type_name, "COUNTER") == 0)
            {
              g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                           "unsupported operand type(s) for +: 'int' and '%s'", seldon_python_type_name (value));
              return NULL;
            }
          if (strcmp (type_name, "TIMER") == 0)
            {
              g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                           "unsupported operand type(s) for /: '%s' and 'int'", seldon_python_type_name (value));
              return NULL;
            }
          continue;   /* a GAUGE holding a non-number cannot be exported */
        }

      normalized = seldon_json_copy (metric);
      seldon_json_object_set (normalized, "type", seldon_json_new_string (type_name));
      seldon_json_array_append (record, normalized);
    }

  return g_steal_pointer (&record);
}

/* handle_raw_custom_metrics() on a REST raw answer; @answer may be modified. */
static gboolean
handle_raw_metrics (Invocation  *inv,
                    SeldonJson  *answer,
                    GError     **error)
{
  g_autoptr(SeldonJson) record = NULL;
  SeldonJson *meta;
  SeldonJson *metrics;

  /* a deprecated method's answer: sent as is */
  if (inv->as_is || seldon_json_get_type (answer) != SELDON_JSON_OBJECT)
    return TRUE;

  meta = seldon_json_object_get (answer, "meta");
  if (meta == NULL)
    return TRUE;
  if (seldon_json_get_type (meta) != SELDON_JSON_OBJECT)
    {
      seldon_py_set_no_attribute_error (error, meta, "get");
      return FALSE;
    }
  metrics = seldon_json_object_get (meta, "metrics");
  if (metrics == NULL)
    return TRUE;

  record = check_raw_metrics (inv, metrics, error);
  if (record == NULL)
    return FALSE;
  if (seldon_py_truthy (metrics) && !inv->engine->include_metrics)
    seldon_json_object_remove (meta, "metrics");
  record_metrics (inv, record);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* component hooks used while building answers */

static char **
class_names_cb (gpointer  user_data,
                GError  **error)
{
  Invocation *inv = user_data;
  GError *local_error = NULL;
  char **names;

  if (!IMPLEMENTS (inv->engine->component, class_names))
    return NULL;
  names = seldon_component_class_names (inv->engine->component, &local_error);
  if (local_error != NULL)
    {
      fallback_or_propagate (local_error, error);
      return NULL;
    }
  return names;
}

static SeldonJson *
tags_cb (gpointer  user_data,
         GError  **error)
{
  Invocation *inv = user_data;
  GError *local_error = NULL;
  JsonNode *node;

  if (!IMPLEMENTS (inv->engine->component, tags))
    return NULL;
  node = seldon_component_tags (inv->engine->component, &local_error);
  if (local_error != NULL)
    {
      fallback_or_propagate (local_error, error);
      return NULL;
    }
  return json_take_node (node);
}

static void
init_parts (Invocation          *inv,
            SeldonResponseParts *parts)
{
  memset (parts, 0, sizeof *parts);
  parts->env_request_path = inv->engine->env_request_path;
  parts->tags = tags_cb;
  parts->tags_data = inv;
  parts->class_names = class_names_cb;
  parts->class_names_data = inv;
}

/* ------------------------------------------------------------------------------------------ */
/* requests */

static SeldonJson *
parse_request (Invocation *inv,
               GError    **error)
{
  const SeldonCall *call = inv->call;
  SeldonJson *value = NULL;

  if (call->value != NULL)
    return seldon_json_ref (call->value);

  if (call->body != NULL)
    {
      gsize size = 0;
      const char *text = g_bytes_get_data (call->body, &size);

      value = seldon_json_parse (text != NULL ? text : "", size, NULL);
    }

  if (value == NULL || seldon_json_get_type (value) == SELDON_JSON_NULL)
    {
      g_clear_pointer (&value, seldon_json_unref);
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA, "Can't find JSON in data");
      return NULL;
    }
  return value;
}

/* The deprecated variant, then the raw variant (component-contract.md §2): NULL with no error
 * when the component implements neither. An answer of the deprecated variant sets
 * inv->as_is. */
static SeldonJson *
call_raw (Invocation       *inv,
          const SeldonJson *request,
          gboolean         *implemented,
          GError          **error)
{
  SeldonComponent *component = inv->engine->component;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *answer = NULL;
  SeldonJson *result;
  gboolean deprecated = IMPLEMENTS (component, call_deprecated);

  *implemented = FALSE;
  if (!deprecated && !IMPLEMENTS (component, call_raw))
    return NULL;

  node = seldon_json_to_json_node (request);
  if (deprecated)
    {
      answer = seldon_component_call_deprecated (component, inv->call->method, inv->call->transport,
                                                 node, inv->cancellable, &local_error);
      if (local_error == NULL)
        inv->as_is = TRUE;
      else if (!fallback_or_propagate (g_steal_pointer (&local_error), error))
        {
          *implemented = TRUE;
          return NULL;
        }
    }
  if (!inv->as_is)
    {
      if (!IMPLEMENTS (component, call_raw))
        return NULL;
      answer = seldon_component_call_raw (component, inv->call->method, inv->call->transport,
                                          node, inv->cancellable, &local_error);
    }
  *implemented = TRUE;
  if (local_error != NULL)
    {
      if (fallback_or_propagate (g_steal_pointer (&local_error), error))
        *implemented = FALSE;
      return NULL;
    }

  result = seldon_json_from_json_node (answer);   /* NULL answer = JSON null */
  if (answer != NULL)
    json_node_unref (answer);
  return result;
}

/* A raw answer of predict, transforms, route or aggregate: metrics, then sent as is. */
static SeldonReply *
raw_reply (Invocation *inv,
           SeldonJson *answer,
           GError    **error)
{
  guint status = 200;

  if (!handle_raw_metrics (inv, answer, error))
    return NULL;

  /* rest-api.md §7.2: predict mirrors status.code into the HTTP status */
  if (inv->call->method == SELDON_METHOD_PREDICT && seldon_json_get_type (answer) == SELDON_JSON_OBJECT)
    {
      SeldonJson *st = seldon_json_object_get (answer, "status");
      SeldonJson *code = st != NULL && seldon_json_get_type (st) == SELDON_JSON_OBJECT
                           ? seldon_json_object_get (st, "code") : NULL;

      if (code != NULL && seldon_json_get_type (code) == SELDON_JSON_INT &&
          seldon_json_get_int (code) >= 100 && seldon_json_get_int (code) <= 999)
        status = (guint) seldon_json_get_int (code);
    }

  return json_reply (inv, status, answer);
}

static SeldonMessage *
ensure_result (SeldonMessage *result)
{
  /* a NULL result without error is Python's None */
  return result != NULL ? result : seldon_message_new ();
}

/* One request message as the component gets it: REST rest-api.md §5, gRPC (canonical proto3
 * JSON of a SeldonMessage) grpc-api.md §4.1. */
static SeldonMessage *
decode_request (Invocation       *inv,
                const SeldonJson *request,
                GError          **error)
{
  if (is_grpc (inv))
    {
      static const char * const payloads[] = { "data", "binData", "strData", "jsonData", "customData" };
      gboolean found = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (payloads) && !found; i++)
        found = seldon_json_object_has (request, payloads[i]);
      if (!found)
        {
          /* grpc-api.md §4.1: nothing in data_oneof */
          g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA, "Unknown data type in SeldonMessage");
          return NULL;
        }
      if (inv->request_array.tensor_values != NULL || inv->request_array.ndarray != NULL)
        {
          /* the request's array, decoded from the wire (seldon_codec_proto_decode_message()) */
          g_autoptr(SeldonTensor) array = NULL;
          SeldonJson *tensor = seldon_json_object_get (seldon_json_object_get (request, "data"), "tensor");

          if (inv->request_array.tensor_values != NULL)
            array = seldon_proto_json_tensor_from_values (g_steal_pointer (&inv->request_array.tensor_values),
                                                          seldon_json_object_get (tensor, "shape"), error);
          else
            array = g_steal_pointer (&inv->request_array.ndarray);
          if (array == NULL)
            return NULL;
          return seldon_proto_json_decode_message_full (request, array, error);
        }
      return seldon_proto_json_decode_message (request, error);
    }
  return seldon_codec_decode_rest (request, error);
}

/* The answer to a high-level result: REST rest-api.md §6, gRPC grpc-api.md §4.3 (canonical
 * proto3 JSON of a SeldonMessage). */
static SeldonJson *
build_answer (Invocation                *inv,
              SeldonMessage             *result,
              const SeldonResponseParts *parts,
              GError                   **error)
{
  if (is_grpc (inv))
    {
      g_clear_object (&inv->deferred);
      return seldon_proto_json_build_response_full (result, parts, SELDON_PROTO_JSON_ANY_BYTES,
                                                    &inv->deferred, error);
    }
  return seldon_codec_build_rest_response (result, parts, error);
}

/* Replies with the answer to the high-level @result. gRPC: a numeric array answer is written
 * straight from the array (seldon_codec_proto_encode_answer(): the bytes of the JSON tree
 * build_answer() would give, without building it). */
static SeldonReply *
result_reply (Invocation                *inv,
              SeldonMessage             *result,
              const SeldonResponseParts *parts,
              GError                   **error)
{
  SeldonProtoAnswer direct = { NULL, NULL, 0, NULL, FALSE };
  g_autoptr(GBytes) body = NULL;
  SeldonJson *answer;
  SeldonReply *reply;

  if (!is_grpc (inv))
    return answer_reply (inv, build_answer (inv, result, parts, error), error);

  g_clear_object (&inv->deferred);
  answer = seldon_proto_json_build_response_direct (result, parts, SELDON_PROTO_JSON_ANY_BYTES,
                                                    &inv->deferred, &direct, error);
  if (answer != NULL || direct.array == NULL)
    return answer_reply (inv, answer, error);

  body = seldon_codec_proto_encode_answer (&direct, error);
  seldon_proto_answer_clear (&direct);
  if (body == NULL)
    return NULL;
  reply = seldon_reply_new (200, "application/grpc", body);
  reply->grpc_status = SELDON_GRPC_STATUS_OK;
  return reply;
}

/* predict, transform-input, transform-output (rest-api.md §9.1, §9.2) */
static SeldonReply *
invoke_single (Invocation       *inv,
               const SeldonJson *request,
               GError          **error)
{
  g_autoptr(SeldonMessage) message = NULL;
  g_autoptr(SeldonMessage) result = NULL;
  g_autoptr(SeldonJson) metrics = NULL;
  g_autoptr(GError) local_error = NULL;
  SeldonComponent *component = inv->engine->component;
  SeldonResponseParts parts;

  message = decode_request (inv, request, error);
  if (message == NULL)
    return NULL;

  switch (inv->call->method)
    {
    case SELDON_METHOD_PREDICT:
      result = seldon_component_predict (component, message, inv->cancellable, &local_error);
      break;
    case SELDON_METHOD_TRANSFORM_INPUT:
      result = seldon_component_transform_input (component, message, inv->cancellable, &local_error);
      break;
    case SELDON_METHOD_TRANSFORM_OUTPUT:
    case SELDON_METHOD_ROUTE:
    case SELDON_METHOD_AGGREGATE:
    case SELDON_METHOD_SEND_FEEDBACK:
    case SELDON_METHOD_HEALTH_STATUS:
    case SELDON_METHOD_METADATA:
    default:
      result = seldon_component_transform_output (component, message, inv->cancellable, &local_error);
      break;
    }

  if (local_error != NULL)
    {
      if (!fallback_or_propagate (g_steal_pointer (&local_error), error))
        return NULL;
      g_clear_object (&result);
      if (inv->call->method == SELDON_METHOD_PREDICT)
        result = seldon_message_new_take_value (SELDON_PAYLOAD_LIST, seldon_json_new_array ());
      else
        result = g_object_ref (message);   /* the input X, re-encoded */
    }
  result = ensure_result (g_steal_pointer (&result));

  metrics = custom_metrics (inv, result == message ? NULL : seldon_message_peek_metrics (result), error);
  if (metrics == NULL)
    return NULL;

  init_parts (inv, &parts);
  parts.request = request;
  parts.meta = seldon_message_peek_meta (message);
  parts.runtime_tags = result == message ? NULL : seldon_message_peek_tags (result);
  parts.metrics = metrics;

  return result_reply (inv, result, &parts, error);
}

/* rest-api.md §9.4 */
static SeldonReply *
invoke_route (Invocation       *inv,
              const SeldonJson *request,
              GError          **error)
{
  g_autoptr(SeldonMessage) message = NULL;
  g_autoptr(SeldonMessage) result = NULL;
  g_autoptr(SeldonMessage) route = NULL;
  g_autoptr(SeldonTensor) tensor = NULL;
  g_autoptr(SeldonJson) metrics = NULL;
  g_autoptr(GError) local_error = NULL;
  SeldonResponseParts parts;

  message = decode_request (inv, request, error);
  if (message == NULL)
    return NULL;

  result = seldon_component_route (inv->engine->component, message, inv->cancellable, &local_error);
  if (local_error != NULL)
    {
      if (fallback_or_propagate (g_steal_pointer (&local_error), error))
        g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA, "Route not defined");
      return NULL;
    }
  result = ensure_result (g_steal_pointer (&result));

  tensor = seldon_codec_route_to_tensor (result, error);
  if (tensor == NULL)
    return NULL;

  metrics = custom_metrics (inv, seldon_message_peek_metrics (result), error);
  if (metrics == NULL)
    return NULL;

  route = seldon_message_new_tensor (tensor);

  init_parts (inv, &parts);
  parts.request = request;
  parts.meta = NULL;
  parts.runtime_tags = seldon_message_peek_tags (result);
  parts.metrics = metrics;

  return result_reply (inv, route, &parts, error);
}

/* list.extend(value) of merge_metrics() */
static gboolean
py_list_extend (SeldonJson       *list,
                const SeldonJson *value,
                GError          **error)
{
  switch (seldon_json_get_type (value))
    {
    case SELDON_JSON_ARRAY:
      for (guint i = 0; i < seldon_json_array_get_length (value); i++)
        seldon_json_array_append (list, seldon_json_ref (seldon_json_array_get (value, i)));
      return TRUE;
    case SELDON_JSON_OBJECT:
      for (guint i = 0; i < seldon_json_object_get_size (value); i++)
        seldon_json_array_append (list, seldon_json_new_string (seldon_json_object_get_key_at (value, i)));
      return TRUE;
    case SELDON_JSON_STRING:
      {
        const char *p = seldon_json_get_string (value);
        const char *end = p + seldon_json_get_string_length (value);

        while (p < end)
          {
            const char *next = g_utf8_next_char (p);

            seldon_json_array_append (list, seldon_json_new_string_len (p, next - p));
            p = next;
          }
      }
      return TRUE;
    case SELDON_JSON_NULL:
    case SELDON_JSON_BOOL:
    case SELDON_JSON_INT:
    case SELDON_JSON_BIGINT:
    case SELDON_JSON_DOUBLE:
    default:
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED, "'%s' object is not iterable",
                   seldon_python_type_name (value));
      return FALSE;
    }
}

/* rest-api.md §9.5 */
static SeldonReply *
invoke_aggregate (Invocation       *inv,
                  const SeldonJson *request,
                  GError          **error)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SeldonMessage) result = NULL;
  g_autoptr(SeldonJson) metrics = NULL;
  g_autoptr(SeldonJson) merged_meta = NULL;
  g_autoptr(SeldonJson) merged_metrics = NULL;
  g_autoptr(GError) local_error = NULL;
  const SeldonJson *list = NULL;
  SeldonJson *tags;
  SeldonJson *request_path;
  SeldonResponseParts parts;

  g_autoptr(SeldonJson) no_messages = NULL;

  if (seldon_json_get_type (request) == SELDON_JSON_ARRAY)
    list = request;
  else if (seldon_json_get_type (request) == SELDON_JSON_OBJECT &&
           (list = seldon_json_object_get (request, "seldonMessages")) != NULL &&
           seldon_json_get_type (list) != SELDON_JSON_ARRAY)
    list = NULL;
  else if (list == NULL && is_grpc (inv))
    list = no_messages = seldon_json_new_array ();   /* canonical form of an empty list */

  if (list == NULL)
    {
      g_autofree char *text = seldon_json_to_python_str (request);

      g_set_error (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA, "Invalid request data type: %s", text);
      return NULL;
    }

  for (guint i = 0; i < seldon_json_array_get_length (list); i++)
    {
      SeldonMessage *message = decode_request (inv, seldon_json_array_get (list, i), error);

      if (message == NULL)
        return NULL;
      g_ptr_array_add (messages, message);
    }

  result = seldon_component_aggregate (inv->engine->component, messages, inv->cancellable, &local_error);
  if (local_error != NULL)
    {
      if (fallback_or_propagate (g_steal_pointer (&local_error), error))
        g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA, "Aggregate not defined");
      return NULL;
    }
  result = ensure_result (g_steal_pointer (&result));

  metrics = custom_metrics (inv, seldon_message_peek_metrics (result), error);
  if (metrics == NULL)
    return NULL;

  if (messages->len == 0)
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "list index out of range");
      return NULL;
    }

  /* merge_meta(), then merge_metrics() */
  tags = seldon_json_new_object ();
  request_path = seldon_json_new_object ();
  merged_meta = seldon_json_new_object ();
  seldon_json_object_set (merged_meta, "tags", tags);
  seldon_json_object_set (merged_meta, "requestPath", request_path);
  for (guint i = 0; i < messages->len; i++)
    {
      SeldonJson *meta = seldon_message_peek_meta (g_ptr_array_index (messages, i));
      SeldonJson *value;

      if (!seldon_py_truthy (meta))
        continue;
      if (seldon_json_get_type (meta) != SELDON_JSON_OBJECT)
        {
          seldon_py_set_no_attribute_error (error, meta, "get");
          return NULL;
        }
      if ((value = seldon_json_object_get (meta, "tags")) != NULL &&
          !seldon_py_dict_update (tags, value, error))
        return NULL;
      if ((value = seldon_json_object_get (meta, "requestPath")) != NULL &&
          !seldon_py_dict_update (request_path, value, error))
        return NULL;
    }

  merged_metrics = seldon_json_new_array ();
  for (guint i = 0; i < messages->len; i++)
    {
      SeldonJson *meta = seldon_message_peek_meta (g_ptr_array_index (messages, i));
      SeldonJson *value;

      if (seldon_py_truthy (meta) && (value = seldon_json_object_get (meta, "metrics")) != NULL &&
          !py_list_extend (merged_metrics, value, error))
        return NULL;
    }
  py_list_extend (merged_metrics, metrics, NULL);

  init_parts (inv, &parts);
  parts.request = seldon_json_array_get (list, 0);
  parts.meta = merged_meta;
  parts.runtime_tags = seldon_message_peek_tags (result);
  parts.metrics = merged_metrics;

  return result_reply (inv, result, &parts, error);
}

/* rest-api.md §9.3 */
static SeldonReply *
invoke_health (Invocation *inv,
               GError    **error)
{
  g_autoptr(SeldonJson) empty = seldon_json_new_object ();
  g_autoptr(SeldonJson) raw = NULL;
  g_autoptr(SeldonMessage) result = NULL;
  g_autoptr(SeldonJson) metrics = NULL;
  g_autoptr(GError) local_error = NULL;
  SeldonResponseParts parts;
  gboolean implemented = FALSE;

  raw = call_raw (inv, empty, &implemented, error);
  if (implemented)
    {
      if (raw == NULL)
        return NULL;
      return json_reply (inv, 200, raw);   /* health_status_raw: sent as is */
    }

  result = seldon_component_health_status (inv->engine->component, inv->cancellable, &local_error);
  if (local_error != NULL)
    {
      if (!fallback_or_propagate (g_steal_pointer (&local_error), error))
        return NULL;
      g_clear_object (&result);
      result = seldon_message_new_take_value (SELDON_PAYLOAD_STRING, seldon_json_new_string ("healthy"));
    }
  result = ensure_result (g_steal_pointer (&result));

  metrics = custom_metrics (inv, NULL, error);
  if (metrics == NULL)
    return NULL;

  init_parts (inv, &parts);
  parts.metrics = metrics;

  return result_reply (inv, result, &parts, error);
}

/* rest-api.md §9.7 */
static SeldonReply *
invoke_metadata (Invocation *inv,
                 GError    **error)
{
  SeldonEngine *self = inv->engine;

  seldon_engine_init_metadata (self);

  if (self->metadata == NULL)
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_BAD_METADATA, "Model metadata unavailable");
      return NULL;
    }
  return json_reply (inv, 200, self->metadata);
}

/* rest-api.md §9.6 */
static SeldonReply *
invoke_feedback (Invocation       *inv,
                 const SeldonJson *request,
                 GError          **error)
{
  g_autoptr(SeldonJson) feedback = NULL;
  g_autoptr(SeldonJson) raw = NULL;
  g_autoptr(SeldonFeedback) decoded = NULL;
  g_autoptr(SeldonMessage) result = NULL;
  g_autoptr(SeldonJson) metrics = NULL;
  g_autoptr(GError) local_error = NULL;
  SeldonResponseParts parts;
  SeldonJson *reward;
  gboolean implemented = FALSE;

  if (is_grpc (inv))
    feedback = seldon_json_ref ((SeldonJson *) request);   /* decoded: already canonical */
  else
    feedback = seldon_proto_json_parse (SELDON_PROTO_FEEDBACK, request, SELDON_PROTO_JSON_INVALID_JSON, error);
  if (feedback == NULL)
    return NULL;

  /* metrics.md §3: reward counters before dispatch */
  if ((reward = seldon_json_object_get (feedback, "reward")) != NULL && inv->engine->executor_enabled)
    {
      double value;

      if (seldon_json_get_type (reward) == SELDON_JSON_STRING)
        {
          const char *s = seldon_json_get_string (reward);

          value = strcmp (s, "NaN") == 0 ? NAN : strcmp (s, "-Infinity") == 0 ? -INFINITY : INFINITY;
        }
      else
        value = (float) seldon_json_get_double (reward);
      if (value != 0.0)
        {
          inv->has_reward = TRUE;
          inv->reward = value;
        }
    }

  raw = call_raw (inv, feedback, &implemented, error);
  if (implemented)
    {
      g_autoptr(SeldonJson) message = NULL;
      SeldonJson *meta;
      SeldonJson *raw_metrics;

      if (raw == NULL)
        return NULL;
      message = seldon_proto_json_parse (SELDON_PROTO_SELDON_MESSAGE, raw,
                                         SELDON_PROTO_JSON_INVALID_JSON |
                                         (is_grpc (inv) ? SELDON_PROTO_JSON_ANY_BYTES : 0),
                                         error);
      if (message == NULL)
        return NULL;

      meta = seldon_json_object_get (message, "meta");
      raw_metrics = meta != NULL ? seldon_json_object_get (meta, "metrics") : NULL;
      if (raw_metrics != NULL && !inv->as_is)
        {
          g_autoptr(SeldonJson) record = check_raw_metrics (inv, raw_metrics, error);

          if (record == NULL)
            return NULL;
          if (!inv->engine->include_metrics)
            seldon_json_object_remove (meta, "metrics");
          record_metrics (inv, record);
        }
      return message_reply (inv, message, error);
    }

  decoded = seldon_proto_json_decode_feedback (feedback, inv->engine->unit_id, error);
  if (decoded == NULL)
    return NULL;

  result = seldon_component_send_feedback (inv->engine->component, decoded, inv->cancellable, &local_error);
  if (local_error != NULL)
    {
      if (!fallback_or_propagate (g_steal_pointer (&local_error), error))
        return NULL;
      g_clear_object (&result);
    }
  result = ensure_result (g_steal_pointer (&result));

  metrics = custom_metrics (inv, seldon_message_peek_metrics (result), error);
  if (metrics == NULL)
    return NULL;

  init_parts (inv, &parts);
  parts.request = seldon_json_object_get (feedback, "request");
  parts.runtime_tags = seldon_message_peek_tags (result);
  parts.metrics = metrics;

  return answer_reply (inv, seldon_proto_json_build_response_full (result, &parts,
                                                                   is_grpc (inv) ? SELDON_PROTO_JSON_ANY_BYTES
                                                                                 : SELDON_PROTO_JSON_NONE,
                                                                   is_grpc (inv) ? &inv->deferred : NULL,
                                                                   error),
                      error);
}

/* rest-api.md §3.4 */
static SeldonReply *
invoke_passthrough (Invocation *inv,
                    GError    **error)
{
  const SeldonCall *call = inv->call;
  g_autoptr(GBytes) body = call->body != NULL ? g_bytes_ref (call->body) : g_bytes_new (NULL, 0);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) answer = NULL;

  answer = seldon_component_predict_passthrough (inv->engine->component, body, inv->cancellable, &local_error);
  if (local_error != NULL)
    {
      if (fallback_or_propagate (g_steal_pointer (&local_error), error))
        {
          gsize size = 0;
          const guint8 *data = g_bytes_get_data (body, &size);
          g_autoptr(GString) text = g_string_new ("Invalid request data type: ");

          if (call->flags & SELDON_CALL_FLAGS_JSON_PARAM)
            g_string_append_len (text, (const char *) data, size);
          else
            seldon_py_append_bytes_repr (text, data, size);
          g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA, text->str);
        }
      return NULL;
    }

  if (answer == NULL)
    answer = g_bytes_new (NULL, 0);
  return seldon_reply_new (200, "application/json", answer);
}

static SeldonReply *grpc_raw_reply (Invocation       *inv,
                                    const SeldonJson *raw,
                                    GError          **error);

/* A decoded request (REST or gRPC): feedback, else the deprecated or raw variant, else the
 * high-level method. */
static SeldonReply *
invoke_decoded (Invocation       *inv,
                const SeldonJson *request,
                GError          **error)
{
  g_autoptr(SeldonJson) raw = NULL;
  gboolean implemented = FALSE;

  if (inv->call->method == SELDON_METHOD_SEND_FEEDBACK)
    return invoke_feedback (inv, request, error);

  raw = call_raw (inv, request, &implemented, error);
  if (implemented)
    {
      if (raw == NULL)
        return NULL;
      return is_grpc (inv) ? grpc_raw_reply (inv, raw, error) : raw_reply (inv, raw, error);
    }

  switch (inv->call->method)
    {
    case SELDON_METHOD_ROUTE:
      return invoke_route (inv, request, error);
    case SELDON_METHOD_AGGREGATE:
      return invoke_aggregate (inv, request, error);
    case SELDON_METHOD_PREDICT:
    case SELDON_METHOD_TRANSFORM_INPUT:
    case SELDON_METHOD_TRANSFORM_OUTPUT:
    case SELDON_METHOD_SEND_FEEDBACK:
    case SELDON_METHOD_HEALTH_STATUS:
    case SELDON_METHOD_METADATA:
    default:
      return invoke_single (inv, request, error);
    }
}

static SeldonReply *
invoke_rest (Invocation *inv,
             GError    **error)
{
  const SeldonCall *call = inv->call;
  g_autoptr(SeldonJson) request = NULL;

  switch (call->method)
    {
    case SELDON_METHOD_HEALTH_STATUS:
      return invoke_health (inv, error);
    case SELDON_METHOD_METADATA:
      return invoke_metadata (inv, error);
    case SELDON_METHOD_PREDICT:
    case SELDON_METHOD_TRANSFORM_INPUT:
    case SELDON_METHOD_TRANSFORM_OUTPUT:
    case SELDON_METHOD_ROUTE:
    case SELDON_METHOD_AGGREGATE:
    case SELDON_METHOD_SEND_FEEDBACK:
    default:
      break;
    }

  if (call->method == SELDON_METHOD_PREDICT && (call->flags & SELDON_CALL_FLAGS_PASSTHROUGH) &&
      call->value == NULL)
    return invoke_passthrough (inv, error);

  request = parse_request (inv, error);
  if (request == NULL)
    return NULL;

  return invoke_decoded (inv, request, error);
}

/* grpc-api.md §5: Metadata / ModelMetadata */
static SeldonReply *
invoke_grpc_metadata (Invocation *inv,
                      GError    **error)
{
  SeldonEngine *self = inv->engine;
  g_autoptr(SeldonJson) request = NULL;
  g_autoptr(SeldonJson) metadata = NULL;

  /* google.protobuf.Empty or SeldonModelMetadataRequest (whose name is ignored): both read
   * any well-formed message */
  request = seldon_codec_proto_decode (SELDON_PROTO_MESSAGE_EMPTY, inv->call->body, NULL);
  if (request == NULL)
    return grpc_status_reply (SELDON_GRPC_STATUS_INTERNAL, SELDON_GRPC_DESERIALIZE_MESSAGE);

  seldon_engine_init_metadata (self);
  if (self->metadata == NULL)
    {
      /* decisions.md D4: not an empty message with status OK */
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_BAD_METADATA, "Model metadata unavailable");
      return NULL;
    }
  metadata = seldon_codec_proto_model_metadata (self->metadata, error);
  if (metadata == NULL)
    return NULL;
  return proto_reply (SELDON_PROTO_MESSAGE_MODEL_METADATA, metadata, NULL, error);
}

/* A raw answer on gRPC (component-contract.md §4, §7.4): it must be a SeldonMessage in its
 * canonical JSON form; its metrics are recorded, then it is sent as is. */
static SeldonReply *
grpc_raw_reply (Invocation       *inv,
                const SeldonJson *raw,
                GError          **error)
{
  g_autoptr(SeldonJson) message = NULL;

  message = seldon_proto_json_parse (SELDON_PROTO_SELDON_MESSAGE, raw, SELDON_PROTO_JSON_ANY_BYTES, error);
  if (message == NULL)
    return NULL;
  if (!handle_raw_metrics (inv, message, error))
    return NULL;
  return proto_reply (SELDON_PROTO_MESSAGE_SELDON_MESSAGE, message, NULL, error);
}

/* grpc-api.md §4-§5: @call->body is the request message's protobuf bytes. */
static SeldonReply *
invoke_grpc (Invocation *inv,
             GError    **error)
{
  const SeldonCall *call = inv->call;
  SeldonProtoMessageType type = SELDON_PROTO_MESSAGE_SELDON_MESSAGE;
  g_autoptr(SeldonJson) request = NULL;
  g_autoptr(GError) decode_error = NULL;

  switch (call->method)
    {
    case SELDON_METHOD_METADATA:
      return invoke_grpc_metadata (inv, error);
    case SELDON_METHOD_HEALTH_STATUS:
      /* no Seldon gRPC method: grpc.health.v1 is the front's */
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_NOT_FOUND, "Method not found!");
      return NULL;
    case SELDON_METHOD_AGGREGATE:
      type = SELDON_PROTO_MESSAGE_SELDON_MESSAGE_LIST;
      break;
    case SELDON_METHOD_SEND_FEEDBACK:
      type = SELDON_PROTO_MESSAGE_FEEDBACK;
      break;
    case SELDON_METHOD_PREDICT:
    case SELDON_METHOD_TRANSFORM_INPUT:
    case SELDON_METHOD_TRANSFORM_OUTPUT:
    case SELDON_METHOD_ROUTE:
    default:
      break;
    }

  if (type == SELDON_PROTO_MESSAGE_SELDON_MESSAGE && !IMPLEMENTS (inv->engine->component, call_raw) &&
      !IMPLEMENTS (inv->engine->component, call_deprecated))
    request = seldon_codec_proto_decode_message (call->body, &inv->request_array, &decode_error);
  else
    request = seldon_codec_proto_decode (type, call->body, &decode_error);
  if (request == NULL)
    {
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                        "SELDON_LEVEL", "ERROR",
                        "MESSAGE", "gRPC %s: %s: %s", seldon_method_get_metric_label (call->method),
                        SELDON_GRPC_DESERIALIZE_MESSAGE, decode_error->message);
      return grpc_status_reply (SELDON_GRPC_STATUS_INTERNAL, SELDON_GRPC_DESERIALIZE_MESSAGE);
    }

  return invoke_decoded (inv, request, error);
}

SeldonReply *
seldon_engine_invoke (SeldonEngine     *self,
                      const SeldonCall *call,
                      GCancellable     *cancellable)
{
  Invocation inv = { self, call, cancellable, NULL, FALSE, 0.0, { NULL, NULL }, NULL };
  g_autoptr(GError) error = NULL;
  SeldonReply *reply = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (call != NULL, NULL);

  if (call->transport == SELDON_TRANSPORT_GRPC)
    reply = invoke_grpc (&inv, &error);
  else
    reply = invoke_rest (&inv, &error);

  if (reply == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, SELDON_ERROR, SELDON_ERROR_FAILED, "internal error");
      if (call->transport == SELDON_TRANSPORT_GRPC)
        reply = grpc_error_reply (&inv, error);
      else
        reply = error_reply (&inv, error);
    }

  finish_reply (&inv, reply);
  seldon_proto_array_clear (&inv.request_array);
  g_clear_object (&inv.deferred);
  return reply;
}
