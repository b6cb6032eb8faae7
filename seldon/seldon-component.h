/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SELDON_INSIDE) && !defined(SELDON_COMPILATION)
# error "Only <seldon/seldon.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "seldon-message.h"
#include "seldon-version-macros.h"

G_BEGIN_DECLS

/**
 * SeldonMethod:
 * @SELDON_METHOD_PREDICT: predict (`/predict`, `/api/v1.0/predictions`, gRPC `Predict`)
 * @SELDON_METHOD_TRANSFORM_INPUT: transform input
 * @SELDON_METHOD_TRANSFORM_OUTPUT: transform output
 * @SELDON_METHOD_ROUTE: route
 * @SELDON_METHOD_AGGREGATE: aggregate (combiner)
 * @SELDON_METHOD_SEND_FEEDBACK: send feedback
 * @SELDON_METHOD_HEALTH_STATUS: health status
 * @SELDON_METHOD_METADATA: model metadata
 *
 * The Seldon operations a component serves.
 *
 * Since: 1.0
 */
typedef enum
{
  SELDON_METHOD_PREDICT,
  SELDON_METHOD_TRANSFORM_INPUT,
  SELDON_METHOD_TRANSFORM_OUTPUT,
  SELDON_METHOD_ROUTE,
  SELDON_METHOD_AGGREGATE,
  SELDON_METHOD_SEND_FEEDBACK,
  SELDON_METHOD_HEALTH_STATUS,
  SELDON_METHOD_METADATA,
} SeldonMethod;

/**
 * SeldonTransport:
 * @SELDON_TRANSPORT_REST: the call came over REST
 * @SELDON_TRANSPORT_GRPC: the call came over gRPC
 *
 * Which protocol a call came in on.
 *
 * Since: 1.0
 */
typedef enum
{
  SELDON_TRANSPORT_REST,
  SELDON_TRANSPORT_GRPC,
} SeldonTransport;

/**
 * SeldonComponentFlags:
 * @SELDON_COMPONENT_FLAGS_NONE: no flags: the component may be called from several threads at once
 * @SELDON_COMPONENT_FLAGS_NOT_THREAD_SAFE: call the component from one thread only, one call at
 *   a time (always the thread that called [method@Seldon.Component.load])
 * @SELDON_COMPONENT_FLAGS_MAIN_CONTEXT: call the component only from the thread-default main
 *   context that was current when the [class@Seldon.Worker] (or, in a worker process, the
 *   [class@Seldon.WorkerHost]) was created, one call at a time, `load()` included (implies
 *   %SELDON_COMPONENT_FLAGS_NOT_THREAD_SAFE). Each call runs in an idle callback of that
 *   context and blocks it while it runs, so the thread must iterate that context. For
 *   components written in a language whose runtime is bound to one thread, such as
 *   JavaScript (gjs).
 * @SELDON_COMPONENT_FLAGS_GLOBAL_LOCK: the component's calls hold a process-wide lock for most of
 *   their run time, such as Python's global interpreter lock. Calls may still run side by side,
 *   but short ones are run one after another on one thread, which avoids handing the lock
 *   back and forth between threads; calls are only run side by side once one has been running
 *   for a few milliseconds (a call waiting for I/O, which releases the lock). A hint: it
 *   changes how calls are scheduled, never their results.
 *
 * What a component tells the server about itself.
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/
{
  SELDON_COMPONENT_FLAGS_NONE = 0,
  SELDON_COMPONENT_FLAGS_NOT_THREAD_SAFE = 1 << 0,
  SELDON_COMPONENT_FLAGS_MAIN_CONTEXT = 1 << 1,
  SELDON_COMPONENT_FLAGS_GLOBAL_LOCK = 1 << 2,
} SeldonComponentFlags;

#define SELDON_TYPE_COMPONENT (seldon_component_get_type ())

SELDON_AVAILABLE_IN_1_0
G_DECLARE_INTERFACE (SeldonComponent, seldon_component, SELDON, COMPONENT, GObject)

/**
 * SeldonComponentInterface:
 * @parent_iface: the parent interface
 * @get_flags: tells the server how it may call the component
 * @load: called once in each worker before it serves calls
 * @predict: the high-level predict
 * @transform_input: the high-level input transformer
 * @transform_output: the high-level output transformer
 * @route: the high-level router; returns a message whose payload is a 0-dimensional integer
 *   (or boolean) tensor, see [ctor@Seldon.Message.new_route]
 * @aggregate: the high-level combiner
 * @send_feedback: the high-level feedback receiver
 * @health_status: the high-level health status
 * @init_metadata: the component's metadata object
 * @tags: static tags added to every answer
 * @metrics: custom metrics recorded and echoed on every call
 * @class_names: column names for answers of two or more dimensions
 * @call_raw: the raw variant of a method: the decoded request in, the answer out, untouched
 * @predict_passthrough: predict with `PAYLOAD_PASSTHROUGH`: raw request bytes in, raw answer out
 * @call_deprecated: the deprecated variant of a method, tried before @call_raw: its answer is
 *   sent as it is, without metrics processing
 *
 * The virtual methods of [iface@Seldon.Component]. Every method is optional. A method that is
 * not implemented, or that fails with %SELDON_ERROR_NOT_IMPLEMENTED, gets the fallback that the
 * Seldon component contract gives it (see the method's documentation).
 *
 * Since: 1.0
 */
struct _SeldonComponentInterface
{
  GTypeInterface parent_iface;

  SeldonComponentFlags (*get_flags)        (SeldonComponent  *self);
  gboolean             (*load)             (SeldonComponent  *self,
                                            GCancellable     *cancellable,
                                            GError          **error);
  SeldonMessage       *(*predict)          (SeldonComponent  *self,
                                            SeldonMessage    *request,
                                            GCancellable     *cancellable,
                                            GError          **error);
  SeldonMessage       *(*transform_input)  (SeldonComponent  *self,
                                            SeldonMessage    *request,
                                            GCancellable     *cancellable,
                                            GError          **error);
  SeldonMessage       *(*transform_output) (SeldonComponent  *self,
                                            SeldonMessage    *request,
                                            GCancellable     *cancellable,
                                            GError          **error);
  SeldonMessage       *(*route)            (SeldonComponent  *self,
                                            SeldonMessage    *request,
                                            GCancellable     *cancellable,
                                            GError          **error);
  SeldonMessage       *(*aggregate)        (SeldonComponent  *self,
                                            GPtrArray        *requests,
                                            GCancellable     *cancellable,
                                            GError          **error);
  SeldonMessage       *(*send_feedback)    (SeldonComponent  *self,
                                            SeldonFeedback   *feedback,
                                            GCancellable     *cancellable,
                                            GError          **error);
  SeldonMessage       *(*health_status)    (SeldonComponent  *self,
                                            GCancellable     *cancellable,
                                            GError          **error);
  JsonNode            *(*init_metadata)    (SeldonComponent  *self,
                                            GError          **error);
  JsonNode            *(*tags)             (SeldonComponent  *self,
                                            GError          **error);
  JsonNode            *(*metrics)          (SeldonComponent  *self,
                                            GError          **error);
  char               **(*class_names)      (SeldonComponent  *self,
                                            GError          **error);
  JsonNode            *(*call_raw)         (SeldonComponent  *self,
                                            SeldonMethod      method,
                                            SeldonTransport   transport,
                                            JsonNode         *request,
                                            GCancellable     *cancellable,
                                            GError          **error);
  GBytes              *(*predict_passthrough) (SeldonComponent *self,
                                            GBytes           *body,
                                            GCancellable     *cancellable,
                                            GError          **error);
  JsonNode            *(*call_deprecated)  (SeldonComponent  *self,
                                            SeldonMethod      method,
                                            SeldonTransport   transport,
                                            JsonNode         *request,
                                            GCancellable     *cancellable,
                                            GError          **error);

  /*< private >*/
  gpointer padding[11];
};

SELDON_AVAILABLE_IN_1_0
SeldonComponentFlags  seldon_component_get_flags        (SeldonComponent  *self);
SELDON_AVAILABLE_IN_1_0
gboolean              seldon_component_load             (SeldonComponent  *self,
                                                         GCancellable     *cancellable,
                                                         GError          **error);
SELDON_AVAILABLE_IN_1_0
SeldonMessage        *seldon_component_predict          (SeldonComponent  *self,
                                                         SeldonMessage    *request,
                                                         GCancellable     *cancellable,
                                                         GError          **error);
SELDON_AVAILABLE_IN_1_0
SeldonMessage        *seldon_component_transform_input  (SeldonComponent  *self,
                                                         SeldonMessage    *request,
                                                         GCancellable     *cancellable,
                                                         GError          **error);
SELDON_AVAILABLE_IN_1_0
SeldonMessage        *seldon_component_transform_output (SeldonComponent  *self,
                                                         SeldonMessage    *request,
                                                         GCancellable     *cancellable,
                                                         GError          **error);
SELDON_AVAILABLE_IN_1_0
SeldonMessage        *seldon_component_route            (SeldonComponent  *self,
                                                         SeldonMessage    *request,
                                                         GCancellable     *cancellable,
                                                         GError          **error);
SELDON_AVAILABLE_IN_1_0
SeldonMessage        *seldon_component_aggregate        (SeldonComponent  *self,
                                                         GPtrArray        *requests,
                                                         GCancellable     *cancellable,
                                                         GError          **error);
SELDON_AVAILABLE_IN_1_0
SeldonMessage        *seldon_component_send_feedback    (SeldonComponent  *self,
                                                         SeldonFeedback   *feedback,
                                                         GCancellable     *cancellable,
                                                         GError          **error);
SELDON_AVAILABLE_IN_1_0
SeldonMessage        *seldon_component_health_status    (SeldonComponent  *self,
                                                         GCancellable     *cancellable,
                                                         GError          **error);
SELDON_AVAILABLE_IN_1_0
JsonNode             *seldon_component_init_metadata    (SeldonComponent  *self,
                                                         GError          **error);
SELDON_AVAILABLE_IN_1_0
JsonNode             *seldon_component_tags             (SeldonComponent  *self,
                                                         GError          **error);
SELDON_AVAILABLE_IN_1_0
JsonNode             *seldon_component_metrics          (SeldonComponent  *self,
                                                         GError          **error);
SELDON_AVAILABLE_IN_1_0
char                **seldon_component_class_names      (SeldonComponent  *self,
                                                         GError          **error);
SELDON_AVAILABLE_IN_1_0
JsonNode             *seldon_component_call_raw         (SeldonComponent  *self,
                                                         SeldonMethod      method,
                                                         SeldonTransport   transport,
                                                         JsonNode         *request,
                                                         GCancellable     *cancellable,
                                                         GError          **error);
SELDON_AVAILABLE_IN_1_0
JsonNode             *seldon_component_call_deprecated  (SeldonComponent  *self,
                                                         SeldonMethod      method,
                                                         SeldonTransport   transport,
                                                         JsonNode         *request,
                                                         GCancellable     *cancellable,
                                                         GError          **error);
SELDON_AVAILABLE_IN_1_0
GBytes               *seldon_component_predict_passthrough (SeldonComponent *self,
                                                         GBytes           *body,
                                                         GCancellable     *cancellable,
                                                         GError          **error);

/**
 * SeldonComponentRegisterFunc:
 * @module: the module being loaded
 *
 * The function a native component module exports as `seldon_component_register`. It registers
 * the module's types (with `G_DEFINE_DYNAMIC_TYPE` or plain static types) and returns the
 * [type@GObject.Type] of the class that implements [iface@Seldon.Component].
 *
 * Returns: the component type
 *
 * Since: 1.0
 */
typedef GType (*SeldonComponentRegisterFunc) (GTypeModule *module);

G_END_DECLS
