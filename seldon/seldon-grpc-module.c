/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The module's side of seldon-grpc.so (seldon-grpc-module-private.h): its entry point, and
 * the private libseldon functions that seldon-grpc-server.c calls, forwarded into the host's
 * table (hidden symbols of this module).
 */

#include "config.h"

#include "seldon-error.h"
#include "seldon-grpc-module-private.h"
#include "seldon-worker-private.h"

static const SeldonGrpcHost *host;

static const SeldonGrpcModule module_table = {
  .abi = SELDON_GRPC_MODULE_ABI,
  .size = sizeof (SeldonGrpcModule),
  .server_new = seldon_grpc_server_new,
  .server_free = seldon_grpc_server_free,
  .server_add_socket = seldon_grpc_server_add_socket,
  .server_listen = seldon_grpc_server_listen,
  .server_drain = seldon_grpc_server_drain,
  .server_is_drained = seldon_grpc_server_is_drained,
  .server_stop = seldon_grpc_server_stop,
  .server_set_tracer = seldon_grpc_server_set_tracer,
};

/* The only exported symbol (SELDON_GRPC_MODULE_INIT_SYMBOL). */
__attribute__((visibility("default"))) const SeldonGrpcModule *
seldon_grpc_module_init (const SeldonGrpcHost  *host_table,
                         GError               **error);

const SeldonGrpcModule *
seldon_grpc_module_init (const SeldonGrpcHost  *host_table,
                         GError               **error)
{
  if (host_table == NULL || host_table->abi != SELDON_GRPC_MODULE_ABI ||
      host_table->size != sizeof (SeldonGrpcHost) ||
      g_strcmp0 (host_table->version, PACKAGE_VERSION) != 0)
    {
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_INVALID_CONFIG,
                   "the module is from libseldon %s (interface %u)", PACKAGE_VERSION,
                   SELDON_GRPC_MODULE_ABI);
      return NULL;
    }
  host = host_table;
  return &module_table;
}

/* libseldon's private functions, forwarded (see SeldonGrpcHost). */

SeldonCall *
seldon_call_new (SeldonMethod    method,
                 SeldonTransport transport)
{
  return host->call_new (method, transport);
}

void
seldon_call_free (SeldonCall *call)
{
  host->call_free (call);
}

void
seldon_reply_free (SeldonReply *reply)
{
  host->reply_free (reply);
}

const char *
seldon_method_get_metric_label (SeldonMethod method)
{
  return host->method_get_metric_label (method);
}

void
seldon_worker_call_async (SeldonWorker        *self,
                          SeldonCall          *call,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  host->worker_call_async (self, call, cancellable, callback, user_data);
}

SeldonReply *
seldon_worker_call_finish (SeldonWorker *self,
                           GAsyncResult *result)
{
  return host->worker_call_finish (self, result);
}

SeldonMetrics *
seldon_metrics_ref (SeldonMetrics *self)
{
  return host->metrics_ref (self);
}

void
seldon_metrics_unref (SeldonMetrics *self)
{
  host->metrics_unref (self);
}

void
seldon_metrics_record_reply (SeldonMetrics     *self,
                             const SeldonReply *reply)
{
  host->metrics_record_reply (self, reply);
}

void
seldon_metrics_request_started (SeldonMetrics *self)
{
  host->metrics_request_started (self);
}

void
seldon_metrics_request_finished (SeldonMetrics *self,
                                 const char    *method_label,
                                 const char    *protocol,
                                 guint          code,
                                 gint64         duration_us)
{
  host->metrics_request_finished (self, method_label, protocol, code, duration_us);
}

void
seldon_metrics_record_timings (SeldonMetrics     *self,
                               const char        *method_label,
                               const char        *protocol,
                               gint64             queued_us,
                               const SeldonReply *reply)
{
  host->metrics_record_timings (self, method_label, protocol, queued_us, reply);
}

SeldonTracer *
seldon_tracer_ref (SeldonTracer *self)
{
  return host->tracer_ref (self);
}

void
seldon_tracer_unref (SeldonTracer *self)
{
  host->tracer_unref (self);
}

SeldonSpan *
seldon_tracer_start_span (SeldonTracer          *self,
                          const char            *protocol,
                          const char            *http_method,
                          const char            *path,
                          SeldonTraceLookupFunc  lookup,
                          gpointer               lookup_data)
{
  return host->tracer_start_span (self, protocol, http_method, path, lookup, lookup_data);
}

void
seldon_span_add_reply (SeldonSpan        *span,
                       const SeldonReply *reply)
{
  host->span_add_reply (span, reply);
}

void
seldon_span_finish (SeldonSpan        *span,
                    const char        *method_label,
                    guint              code,
                    const SeldonReply *reply)
{
  host->span_finish (span, method_label, code, reply);
}

const char *
seldon_tracing_lookup_grpc_metadata (const char *name,
                                     gpointer    user_data)
{
  return host->tracing_lookup_grpc_metadata (name, user_data);
}
