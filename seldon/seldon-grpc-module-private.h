/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The gRPC module: the gRPC front (seldon-grpc-server.c) is built as a private loadable
 * module, seldon-grpc.so, so that libseldon-1.0.so does not link grpc core (and its C++
 * runtime, crypto and abseil libraries): worker processes load libseldon but never serve
 * gRPC. SeldonServer loads the module when it starts a gRPC listener (grpc-workers > 0).
 *
 * Where it is looked for, first found wins:
 *   1. $SELDON_MODULE_DIR/seldon-grpc.so, when the variable is set (and only there);
 *   2. the directory libseldon-1.0.so was loaded from (an uninstalled build tree: the module
 *      is built next to the library);
 *   3. SELDON_MODULEDIR, compiled in: LIBDIR/libseldon-1.0/modules.
 *
 * The interface, in both directions plain tables of function pointers:
 *   - The module exports one symbol, SELDON_GRPC_MODULE_INIT_SYMBOL, a
 *     SeldonGrpcModuleInitFunc. libseldon calls it once with its SeldonGrpcHost and gets the
 *     module's SeldonGrpcModule back (or NULL and an error, e.g. a version mismatch).
 *   - SeldonGrpcHost: the private libseldon functions the gRPC front calls (they are hidden
 *     symbols of libseldon, so the module cannot link them). In the module,
 *     seldon-grpc-module.c defines each of them as a hidden forwarder into the table, so
 *     seldon-grpc-server.c calls them by their usual names. Public libseldon symbols
 *     (seldon_worker_is_ready(), the GTypes, seldon_error_quark()) are linked normally.
 *     Calling a new private function from seldon-grpc-server.c: add it to SeldonGrpcHost (at
 *     the end), fill it in seldon-grpc-loader.c and add its forwarder in seldon-grpc-module.c
 *     (the module is linked with --no-undefined, so a missing one fails the build).
 *   - SeldonGrpcModule: the functions of seldon-grpc-private.h. In libseldon,
 *     seldon-grpc-loader.c defines the seldon_grpc_server_*() functions as forwarders into it.
 *
 * The unit tests link the static internal library with seldon-grpc-server.c compiled in
 * (seldon-grpc-builtin.c): no module, and seldon_grpc_server_load() always succeeds.
 */

#include <gio/gio.h>

#include "seldon-call-private.h"
#include "seldon-grpc-private.h"
#include "seldon-metrics-private.h"
#include "seldon-tracing-private.h"
#include "seldon-worker.h"

G_BEGIN_DECLS

#define SELDON_GRPC_MODULE_NAME        "seldon-grpc.so"
#define SELDON_GRPC_MODULE_INIT_SYMBOL "seldon_grpc_module_init"
/* Bumped whenever either table changes; the module must come from the same build as the
 * library anyway (PACKAGE_VERSION is checked too). */
#define SELDON_GRPC_MODULE_ABI         3

typedef struct
{
  guint         abi;      /* SELDON_GRPC_MODULE_ABI */
  gsize         size;     /* sizeof (SeldonGrpcHost) */
  const char   *version;  /* PACKAGE_VERSION */

  /* seldon-call-private.h */
  SeldonCall  *(*call_new)                (SeldonMethod         method,
                                           SeldonTransport      transport);
  void         (*call_free)               (SeldonCall          *call);
  void         (*reply_free)              (SeldonReply         *reply);
  const char  *(*method_get_metric_label) (SeldonMethod         method);
  /* seldon-worker-private.h */
  void         (*worker_call_async)       (SeldonWorker        *worker,
                                           SeldonCall          *call,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
  SeldonReply *(*worker_call_finish)      (SeldonWorker        *worker,
                                           GAsyncResult        *result);
  /* seldon-metrics-private.h */
  SeldonMetrics *(*metrics_ref)           (SeldonMetrics       *metrics);
  void         (*metrics_unref)           (SeldonMetrics       *metrics);
  void         (*metrics_record_reply)    (SeldonMetrics       *metrics,
                                           const SeldonReply   *reply);
  void         (*metrics_request_started) (SeldonMetrics       *metrics);
  void         (*metrics_request_finished) (SeldonMetrics      *metrics,
                                            const char         *method_label,
                                            const char         *protocol,
                                            guint               code,
                                            gint64              duration_us);
  void         (*metrics_record_timings)  (SeldonMetrics       *metrics,
                                           const char          *method_label,
                                           const char          *protocol,
                                           gint64               queued_us,
                                           const SeldonReply   *reply);
  /* seldon-tracing-private.h */
  SeldonTracer *(*tracer_ref)             (SeldonTracer        *tracer);
  void         (*tracer_unref)            (SeldonTracer        *tracer);
  SeldonSpan  *(*tracer_start_span)       (SeldonTracer        *tracer,
                                           const char          *protocol,
                                           const char          *http_method,
                                           const char          *path,
                                           SeldonTraceLookupFunc lookup,
                                           gpointer             lookup_data);
  void         (*span_add_reply)          (SeldonSpan          *span,
                                           const SeldonReply   *reply);
  void         (*span_finish)             (SeldonSpan          *span,
                                           const char          *method_label,
                                           guint                code,
                                           const SeldonReply   *reply);
  const char  *(*tracing_lookup_grpc_metadata) (const char     *name,
                                                gpointer        user_data);
} SeldonGrpcHost;

typedef struct
{
  guint              abi;   /* SELDON_GRPC_MODULE_ABI */
  gsize              size;  /* sizeof (SeldonGrpcModule) */

  /* seldon-grpc-private.h, one for one */
  SeldonGrpcServer *(*server_new)        (SeldonConfig          *config,
                                          SeldonWorker          *worker,
                                          SeldonMetrics         *metrics);
  void              (*server_free)       (SeldonGrpcServer      *self);
  gboolean          (*server_add_socket) (SeldonGrpcServer      *self,
                                          GSocket               *socket,
                                          GError               **error);
  gboolean          (*server_listen)     (SeldonGrpcServer      *self,
                                          GError               **error);
  void              (*server_drain)      (SeldonGrpcServer      *self,
                                          SeldonGrpcDrainedFunc  drained,
                                          gpointer               user_data);
  gboolean          (*server_is_drained) (SeldonGrpcServer      *self);
  void              (*server_stop)       (SeldonGrpcServer      *self);
  void              (*server_set_tracer) (SeldonGrpcServer      *self,
                                          SeldonTracer          *tracer);
} SeldonGrpcModule;

/* The module's entry point, SELDON_GRPC_MODULE_INIT_SYMBOL. Called once; @host stays valid
 * for the life of the process. */
typedef const SeldonGrpcModule *(*SeldonGrpcModuleInitFunc) (const SeldonGrpcHost  *host,
                                                             GError               **error);

/* Loads the module (once per process; it stays loaded). Must succeed before any
 * seldon_grpc_server_*() call. Fails with SELDON_ERROR_INVALID_CONFIG when the module cannot be
 * found or loaded. Thread-safe. */
gboolean seldon_grpc_server_load (GError **error);

/* Checks, without loading it, that the module is there to be loaded: the front loads it only
 * when the first gRPC client connects, and a missing module must stop the start instead.
 * Fails like seldon_grpc_server_load(). */
gboolean seldon_grpc_server_probe (GError **error);

G_END_DECLS
