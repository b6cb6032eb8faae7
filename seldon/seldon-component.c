/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "seldon-component.h"
#include "seldon-error.h"

/**
 * SeldonComponent:
 *
 * The interface a model component implements: the Seldon operations (predict, transform
 * input and output, route, aggregate, send feedback, health status, metadata) plus the
 * optional hooks the server calls around them (tags, metrics, class names).
 *
 * Every method is optional. A method the class does not implement, or that fails with
 * %SELDON_ERROR_NOT_IMPLEMENTED, gets the fallback the Seldon component contract gives it;
 * each method's documentation says what that fallback is.
 *
 * For each call the server first tries [method@Seldon.Component.call_raw], which sees the
 * decoded request and returns the answer itself; when that is not implemented it decodes
 * the request, calls the high-level method and builds the answer (payload, column names,
 * merged `meta` with tags and metrics).
 *
 * Errors: a #GError of the %SELDON_ERROR domain is answered with the status and reason of its
 * code (see [error@Seldon.Error]); an error made with [func@Seldon.Error.new_custom] carries its
 * own HTTP status and reason, like Python's `SeldonMicroserviceException`; any other error
 * is answered with 500 `MICROSERVICE_INTERNAL_ERROR` and its message.
 *
 * Methods may be called from several threads at once unless
 * [method@Seldon.Component.get_flags] includes %SELDON_COMPONENT_FLAGS_NOT_THREAD_SAFE.
 *
 * Since: 1.0
 */

G_DEFINE_INTERFACE (SeldonComponent, seldon_component, G_TYPE_OBJECT)

static gpointer
set_not_implemented (GError    **error,
                     const char *method)
{
  g_set_error (error, SELDON_ERROR, SELDON_ERROR_NOT_IMPLEMENTED, "%s is not implemented", method);
  return NULL;
}

static SeldonComponentFlags
seldon_component_real_get_flags (SeldonComponent *self)
{
  return SELDON_COMPONENT_FLAGS_NONE;
}

static gboolean
seldon_component_real_load (SeldonComponent *self,
                            GCancellable    *cancellable,
                            GError         **error)
{
  return TRUE;
}

static SeldonMessage *
seldon_component_real_predict (SeldonComponent *self,
                               SeldonMessage   *request,
                               GCancellable    *cancellable,
                               GError         **error)
{
  return set_not_implemented (error, "predict");
}

static SeldonMessage *
seldon_component_real_transform_input (SeldonComponent *self,
                                       SeldonMessage   *request,
                                       GCancellable    *cancellable,
                                       GError         **error)
{
  return set_not_implemented (error, "transform_input");
}

static SeldonMessage *
seldon_component_real_transform_output (SeldonComponent *self,
                                        SeldonMessage   *request,
                                        GCancellable    *cancellable,
                                        GError         **error)
{
  return set_not_implemented (error, "transform_output");
}

static SeldonMessage *
seldon_component_real_route (SeldonComponent *self,
                             SeldonMessage   *request,
                             GCancellable    *cancellable,
                             GError         **error)
{
  return set_not_implemented (error, "route");
}

static SeldonMessage *
seldon_component_real_aggregate (SeldonComponent *self,
                                 GPtrArray       *requests,
                                 GCancellable    *cancellable,
                                 GError         **error)
{
  return set_not_implemented (error, "aggregate");
}

static SeldonMessage *
seldon_component_real_send_feedback (SeldonComponent *self,
                                     SeldonFeedback  *feedback,
                                     GCancellable    *cancellable,
                                     GError         **error)
{
  return set_not_implemented (error, "send_feedback");
}

static SeldonMessage *
seldon_component_real_health_status (SeldonComponent *self,
                                     GCancellable    *cancellable,
                                     GError         **error)
{
  return set_not_implemented (error, "health_status");
}

static JsonNode *
seldon_component_real_init_metadata (SeldonComponent *self,
                                     GError         **error)
{
  return set_not_implemented (error, "init_metadata");
}

static JsonNode *
seldon_component_real_tags (SeldonComponent *self,
                            GError         **error)
{
  return set_not_implemented (error, "tags");
}

static JsonNode *
seldon_component_real_metrics (SeldonComponent *self,
                               GError         **error)
{
  return set_not_implemented (error, "metrics");
}

static char **
seldon_component_real_class_names (SeldonComponent *self,
                                   GError         **error)
{
  return set_not_implemented (error, "class_names");
}

static JsonNode *
seldon_component_real_call_raw (SeldonComponent *self,
                                SeldonMethod     method,
                                SeldonTransport  transport,
                                JsonNode        *request,
                                GCancellable    *cancellable,
                                GError         **error)
{
  return set_not_implemented (error, "call_raw");
}

static JsonNode *
seldon_component_real_call_deprecated (SeldonComponent *self,
                                       SeldonMethod     method,
                                       SeldonTransport  transport,
                                       JsonNode        *request,
                                       GCancellable    *cancellable,
                                       GError         **error)
{
  return set_not_implemented (error, "call_deprecated");
}

static GBytes *
seldon_component_real_predict_passthrough (SeldonComponent *self,
                                           GBytes          *body,
                                           GCancellable    *cancellable,
                                           GError         **error)
{
  return set_not_implemented (error, "predict_passthrough");
}

static void
seldon_component_default_init (SeldonComponentInterface *iface)
{
  iface->get_flags = seldon_component_real_get_flags;
  iface->load = seldon_component_real_load;
  iface->predict = seldon_component_real_predict;
  iface->transform_input = seldon_component_real_transform_input;
  iface->transform_output = seldon_component_real_transform_output;
  iface->route = seldon_component_real_route;
  iface->aggregate = seldon_component_real_aggregate;
  iface->send_feedback = seldon_component_real_send_feedback;
  iface->health_status = seldon_component_real_health_status;
  iface->init_metadata = seldon_component_real_init_metadata;
  iface->tags = seldon_component_real_tags;
  iface->metrics = seldon_component_real_metrics;
  iface->class_names = seldon_component_real_class_names;
  iface->call_raw = seldon_component_real_call_raw;
  iface->predict_passthrough = seldon_component_real_predict_passthrough;
  iface->call_deprecated = seldon_component_real_call_deprecated;
}

/* Returns @vfunc of @self's interface called on @self and the arguments after @error. A
 * method that is missing (NULL in the vtable) counts as not implemented: it fails into
 * @error. */
#define CALL_VFUNC(self, vfunc, error, ...)                                   \
  G_STMT_START {                                                              \
    SeldonComponentInterface *iface_ = SELDON_COMPONENT_GET_IFACE (self);     \
                                                                              \
    if (iface_->vfunc == NULL)                                                \
      return set_not_implemented ((error), #vfunc);                           \
    return iface_->vfunc ((self), __VA_ARGS__);                               \
  } G_STMT_END

/**
 * seldon_component_get_flags:
 * @self: a #SeldonComponent
 *
 * Tells the server how it may call the component. The default is
 * %SELDON_COMPONENT_FLAGS_NONE: any thread, concurrently.
 *
 * Returns: the component's flags
 *
 * Since: 1.0
 */
SeldonComponentFlags
seldon_component_get_flags (SeldonComponent *self)
{
  SeldonComponentInterface *iface;

  g_return_val_if_fail (SELDON_IS_COMPONENT (self), SELDON_COMPONENT_FLAGS_NONE);

  iface = SELDON_COMPONENT_GET_IFACE (self);
  if (iface->get_flags == NULL)
    return SELDON_COMPONENT_FLAGS_NONE;
  return iface->get_flags (self);
}

/**
 * seldon_component_load:
 * @self: a #SeldonComponent
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Loads the model: called once in each worker, after the metadata was computed and before
 * the worker serves any call. This is the place for expensive or process-local set-up.
 *
 * Fallback: the default implementation does nothing; failing with
 * %SELDON_ERROR_NOT_IMPLEMENTED is also accepted. Any other error stops the server.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
seldon_component_load (SeldonComponent *self,
                       GCancellable    *cancellable,
                       GError         **error)
{
  SeldonComponentInterface *iface;

  g_return_val_if_fail (SELDON_IS_COMPONENT (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  iface = SELDON_COMPONENT_GET_IFACE (self);
  if (iface->load == NULL)
    return TRUE;
  return iface->load (self, cancellable, error);
}

/**
 * seldon_component_predict:
 * @self: a #SeldonComponent
 * @request: the decoded request: its payload, names and meta
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Makes a prediction (`/predict`, `/api/v1.0/predictions`, gRPC `Predict`).
 *
 * The result's payload becomes the answer's payload; runtime tags and metrics set on it are
 * merged into the answer's `meta`.
 *
 * Fallback when not implemented: an empty result (`[]`), answered as `ndarray []` when the
 * request carried `data`, else as a `tensor` of shape `[0]`.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL on error
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_component_predict (SeldonComponent *self,
                          SeldonMessage   *request,
                          GCancellable    *cancellable,
                          GError         **error)
{
  g_return_val_if_fail (SELDON_IS_COMPONENT (self), NULL);
  g_return_val_if_fail (SELDON_IS_MESSAGE (request), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  CALL_VFUNC (self, predict, error, request, cancellable, error);
}

/**
 * seldon_component_transform_input:
 * @self: a #SeldonComponent
 * @request: the decoded request
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Transforms a request on its way to a model (`/transform-input`, gRPC `TransformInput`).
 *
 * Fallback when not implemented: the request's payload is answered unchanged (re-encoded,
 * so an array answer gains column names).
 *
 * Returns: (transfer full) (nullable): the result, or %NULL on error
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_component_transform_input (SeldonComponent *self,
                                  SeldonMessage   *request,
                                  GCancellable    *cancellable,
                                  GError         **error)
{
  g_return_val_if_fail (SELDON_IS_COMPONENT (self), NULL);
  g_return_val_if_fail (SELDON_IS_MESSAGE (request), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  CALL_VFUNC (self, transform_input, error, request, cancellable, error);
}

/**
 * seldon_component_transform_output:
 * @self: a #SeldonComponent
 * @request: the decoded request (a model's answer)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Transforms a model's answer (`/transform-output`, gRPC `TransformOutput`).
 *
 * Fallback when not implemented: the request's payload is answered unchanged (re-encoded).
 *
 * Returns: (transfer full) (nullable): the result, or %NULL on error
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_component_transform_output (SeldonComponent *self,
                                   SeldonMessage   *request,
                                   GCancellable    *cancellable,
                                   GError         **error)
{
  g_return_val_if_fail (SELDON_IS_COMPONENT (self), NULL);
  g_return_val_if_fail (SELDON_IS_MESSAGE (request), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  CALL_VFUNC (self, transform_output, error, request, cancellable, error);
}

/**
 * seldon_component_route:
 * @self: a #SeldonComponent
 * @request: the decoded request
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Chooses the child a request goes to (`/route`, gRPC `Route`). The result must carry an
 * integer (see [ctor@Seldon.Message.new_route]): a 0-dimensional integer or boolean array,
 * or an integer JSON payload; -1 means all children, -2 none, N the child at position N.
 * Anything else fails with 400 `Routing response must be int but got ...`.
 *
 * Fallback when not implemented: 400 `Route not defined`.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL on error
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_component_route (SeldonComponent *self,
                        SeldonMessage   *request,
                        GCancellable    *cancellable,
                        GError         **error)
{
  g_return_val_if_fail (SELDON_IS_COMPONENT (self), NULL);
  g_return_val_if_fail (SELDON_IS_MESSAGE (request), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  CALL_VFUNC (self, route, error, request, cancellable, error);
}

/**
 * seldon_component_aggregate:
 * @self: a #SeldonComponent
 * @requests: (element-type SeldonMessage): the decoded messages of the children, in order
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Combines the answers of several children (`/aggregate`, gRPC `Aggregate`). The answer is
 * built against the first message (its array form and `puid`), with the tags, request paths
 * and metrics of all messages merged.
 *
 * Fallback when not implemented: 400 `Aggregate not defined`.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL on error
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_component_aggregate (SeldonComponent *self,
                            GPtrArray       *requests,
                            GCancellable    *cancellable,
                            GError         **error)
{
  g_return_val_if_fail (SELDON_IS_COMPONENT (self), NULL);
  g_return_val_if_fail (requests != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  CALL_VFUNC (self, aggregate, error, requests, cancellable, error);
}

/**
 * seldon_component_send_feedback:
 * @self: a #SeldonComponent
 * @feedback: the feedback: request, response, reward, truth and routing
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Receives feedback on an earlier answer (`/send-feedback`, gRPC `SendFeedback`). Routers use
 * [method@Seldon.Feedback.get_routing] to learn which child they chose.
 *
 * The answer follows the protobuf path: numbers become floats and empty fields are omitted.
 * A result without payload (see [ctor@Seldon.Message.new]) is answered as an empty array.
 *
 * Fallback when not implemented: an empty array.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL on error
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_component_send_feedback (SeldonComponent *self,
                                SeldonFeedback  *feedback,
                                GCancellable    *cancellable,
                                GError         **error)
{
  g_return_val_if_fail (SELDON_IS_COMPONENT (self), NULL);
  g_return_val_if_fail (SELDON_IS_FEEDBACK (feedback), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  CALL_VFUNC (self, send_feedback, error, feedback, cancellable, error);
}

/**
 * seldon_component_health_status:
 * @self: a #SeldonComponent
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reports the component's health (`/health/status`). The result is answered like a predict
 * result for a request without `data` (a numeric array becomes a `tensor`); an error makes
 * the endpoint fail, which health probes see as unhealthy.
 *
 * Fallback when not implemented: the string `healthy` (`{"meta":{},"strData":"healthy"}`).
 *
 * Returns: (transfer full) (nullable): the result, or %NULL on error
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_component_health_status (SeldonComponent *self,
                                GCancellable    *cancellable,
                                GError         **error)
{
  g_return_val_if_fail (SELDON_IS_COMPONENT (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  CALL_VFUNC (self, health_status, error, cancellable, error);
}

/**
 * seldon_component_init_metadata:
 * @self: a #SeldonComponent
 * @error: return location for a #GError
 *
 * Describes the model (`/metadata`, gRPC `Metadata`): an object with any of `name`,
 * `versions`, `platform`, `inputs`, `outputs` and `custom`. It is called once per worker,
 * before [method@Seldon.Component.load]; `MODEL_METADATA` overrides its keys and defaults fill
 * the missing ones. Invalid metadata makes `/metadata` fail with
 * `MICROSERVICE_BAD_METADATA` while every other endpoint keeps working.
 *
 * Fallback when not implemented: `{}` (only the defaults). A result that is not an object
 * is logged and ignored.
 *
 * Returns: (transfer full) (nullable): the metadata object, or %NULL on error
 *
 * Since: 1.0
 */
JsonNode *
seldon_component_init_metadata (SeldonComponent *self,
                                GError         **error)
{
  g_return_val_if_fail (SELDON_IS_COMPONENT (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  CALL_VFUNC (self, init_metadata, error, error);
}

/**
 * seldon_component_tags:
 * @self: a #SeldonComponent
 * @error: return location for a #GError
 *
 * Gives static tags, an object merged into the `meta.tags` of every answer built from a
 * high-level result (after the request's tags, before the result's runtime tags). Called
 * once per answer.
 *
 * Fallback when not implemented: no tags.
 *
 * Returns: (transfer full) (nullable): the tags object, or %NULL for none
 *
 * Since: 1.0
 */
JsonNode *
seldon_component_tags (SeldonComponent *self,
                       GError         **error)
{
  g_return_val_if_fail (SELDON_IS_COMPONENT (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  CALL_VFUNC (self, tags, error, error);
}

/**
 * seldon_component_metrics:
 * @self: a #SeldonComponent
 * @error: return location for a #GError
 *
 * Gives custom metrics for the current call: a list of
 * `{"type": "COUNTER"|"GAUGE"|"TIMER", "key": name, "value": number, "tags": {...}}`
 * objects. They are validated, recorded for the metrics endpoint and echoed in the answer's
 * `meta.metrics`. Called once per call of a high-level method. An invalid list (including a
 * JSON `null`) fails the call with 500 `MICROSERVICE_BAD_METRIC`.
 *
 * Fallback when not implemented (or a %NULL result): no metrics.
 *
 * Returns: (transfer full) (nullable): the metric list, or %NULL for none
 *
 * Since: 1.0
 */
JsonNode *
seldon_component_metrics (SeldonComponent *self,
                          GError         **error)
{
  g_return_val_if_fail (SELDON_IS_COMPONENT (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  CALL_VFUNC (self, metrics, error, error);
}

/**
 * seldon_component_class_names:
 * @self: a #SeldonComponent
 * @error: return location for a #GError
 *
 * Names the columns of array results with two or more dimensions (the answer's
 * `data.names`). Their number is not checked against the data.
 *
 * Fallback when not implemented (or a %NULL result): `t:0`, `t:1`, ... one per column.
 *
 * Returns: (array zero-terminated=1) (transfer full) (nullable): the names, or %NULL for
 *   the default
 *
 * Since: 1.0
 */
char **
seldon_component_class_names (SeldonComponent *self,
                              GError         **error)
{
  g_return_val_if_fail (SELDON_IS_COMPONENT (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  CALL_VFUNC (self, class_names, error, error);
}

/**
 * seldon_component_call_raw:
 * @self: a #SeldonComponent
 * @method: the operation
 * @transport: the protocol the call came in on
 * @request: the request exactly as decoded from JSON, before any payload check (an object
 *   without payload, or an array, reaches this method too)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The raw variant of every operation (Python's `predict_raw`, `route_raw`, ...): the
 * component sees the whole request and returns the whole answer, which is sent as it is,
 * without tags, class names or meta merging. The answer's `meta.metrics` are recorded (and
 * removed when metrics are not to be included in client responses). For predict, a
 * `status.code` in the answer becomes the HTTP status.
 *
 * For %SELDON_METHOD_HEALTH_STATUS @request is an empty object; for
 * %SELDON_METHOD_SEND_FEEDBACK it is the Feedback in its protobuf JSON form, and the answer
 * must be a SeldonMessage, rendered in protobuf JSON form.
 *
 * On %SELDON_TRANSPORT_GRPC @request is the request message in its protobuf JSON form
 * (a SeldonMessage; a SeldonMessageList for %SELDON_METHOD_AGGREGATE; a Feedback for
 * %SELDON_METHOD_SEND_FEEDBACK): 64-bit integers as strings, numbers of `google.protobuf.Value`s
 * as doubles, a `customData` as `{"@type": "<type URL>", "value": "<base64 of the serialized
 * message>"}`. The answer must be a SeldonMessage in the same form; anything else fails the
 * call with status `UNKNOWN`.
 *
 * Fallback when not implemented: the high-level method.
 *
 * Returns: (transfer full) (nullable): the answer, or %NULL on error
 *
 * Since: 1.0
 */
JsonNode *
seldon_component_call_raw (SeldonComponent *self,
                           SeldonMethod     method,
                           SeldonTransport  transport,
                           JsonNode        *request,
                           GCancellable    *cancellable,
                           GError         **error)
{
  g_return_val_if_fail (SELDON_IS_COMPONENT (self), NULL);
  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  CALL_VFUNC (self, call_raw, error, method, transport, request, cancellable, error);
}

/**
 * seldon_component_call_deprecated:
 * @self: a #SeldonComponent
 * @method: the operation
 * @transport: the protocol the call came in on
 * @request: the request as for [method@Seldon.Component.call_raw]
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The deprecated variants of the operations (Python's `predict_rest`, `predict_grpc`,
 * `send_feedback_rest`, ...), tried before [method@Seldon.Component.call_raw]: the component
 * sees the request and returns the whole answer, in the same forms as for
 * [method@Seldon.Component.call_raw]. Unlike a raw answer, this answer is sent exactly as it
 * is: its `meta.metrics` are neither recorded nor removed (component-contract.md §2). For
 * predict, a `status.code` in the answer still becomes the HTTP status.
 *
 * Fallback when not implemented: [method@Seldon.Component.call_raw].
 *
 * Returns: (transfer full) (nullable): the answer, or %NULL on error
 *
 * Since: 1.0
 */
JsonNode *
seldon_component_call_deprecated (SeldonComponent *self,
                                  SeldonMethod     method,
                                  SeldonTransport  transport,
                                  JsonNode        *request,
                                  GCancellable    *cancellable,
                                  GError         **error)
{
  g_return_val_if_fail (SELDON_IS_COMPONENT (self), NULL);
  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  CALL_VFUNC (self, call_deprecated, error, method, transport, request, cancellable, error);
}

/**
 * seldon_component_predict_passthrough:
 * @self: a #SeldonComponent
 * @body: the request bytes, undecoded (the body, or the text of the `json` parameter)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Predict with payload passthrough (`PAYLOAD_PASSTHROUGH`): the request is handed over
 * without decoding and the returned bytes are the answer body, sent unmodified with status
 * 200 and `Content-Type: application/json`.
 *
 * Fallback when not implemented: 400 `Invalid request data type: b'...'`.
 *
 * Returns: (transfer full) (nullable): the answer body, or %NULL on error
 *
 * Since: 1.0
 */
GBytes *
seldon_component_predict_passthrough (SeldonComponent *self,
                                      GBytes          *body,
                                      GCancellable    *cancellable,
                                      GError         **error)
{
  g_return_val_if_fail (SELDON_IS_COMPONENT (self), NULL);
  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  CALL_VFUNC (self, predict_passthrough, error, body, cancellable, error);
}
