/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * SeldonGrpcServer: the gRPC listener of the front (grpc-api.md), on the grpc C core.
 *
 * It only moves bytes: every Seldon RPC (grpc-api.md §2) becomes a SeldonCall with transport
 * SELDON_TRANSPORT_GRPC whose body is the request message, run by the SeldonWorker exactly
 * like a REST call; the reply's body is the response message and its grpc_status and
 * grpc_message the call's status. grpc.health.v1.Health and server reflection
 * (grpc.reflection.v1alpha and v1) are answered by the front itself.
 *
 * Threads: grpc core's completion queue is served by a thread of this object; every call is
 * handed to the main context that created the server (the thread-default one) in batches, and
 * the worker's answers are sent from there. Every function below must be called from that
 * main context.
 */

#include <gio/gio.h>

#include "seldon-config.h"
#include "seldon-metrics-private.h"
#include "seldon-tracing-private.h"
#include "seldon-worker.h"

G_BEGIN_DECLS

typedef struct _SeldonGrpcServer SeldonGrpcServer;

/* Called from the main context once a draining server has no call in progress. */
typedef void (*SeldonGrpcDrainedFunc) (gpointer user_data);

/* Settings come from @config: grpc-port, grpc-max-message-bytes, request-timeout-ms;
 * @metrics (may be NULL) records the custom metrics of every answer and the server's own
 * request metrics with protocol "grpc". */
SeldonGrpcServer *seldon_grpc_server_new        (SeldonConfig          *config,
                                                 SeldonWorker          *worker,
                                                 SeldonMetrics         *metrics);
/* Stops at once (see _stop) and frees. Calls still running in the worker end there, unseen. */
void              seldon_grpc_server_free       (SeldonGrpcServer      *self);

/* Traces the calls the request metrics count (Seldon methods), as REST, with @tracer (may be
 * NULL: no tracing; referenced). Before _listen. */
void              seldon_grpc_server_set_tracer (SeldonGrpcServer      *self,
                                                 SeldonTracer          *tracer);

/* Serve on @socket, a bound listening TCP socket (the front binds grpc-port, or systemd
 * gives it): connections are accepted in the main context and handed to grpc core. Before
 * _listen. */
gboolean          seldon_grpc_server_add_socket (SeldonGrpcServer      *self,
                                                 GSocket               *socket,
                                                 GError               **error);
/* Starts serving the socket of _add_socket. */
gboolean          seldon_grpc_server_listen     (SeldonGrpcServer      *self,
                                                 GError               **error);

/* Graceful stop: accepts no more connections or calls (GOAWAY), Health answers NOT_SERVING,
 * calls in progress go on; @drained is called once none is left (perhaps at once, from an
 * idle). Health Watch and reflection streams do not count; _stop ends them. */
void              seldon_grpc_server_drain      (SeldonGrpcServer      *self,
                                                 SeldonGrpcDrainedFunc  drained,
                                                 gpointer               user_data);
gboolean          seldon_grpc_server_is_drained (SeldonGrpcServer      *self);
/* Stops at once: every call in progress is answered UNAVAILABLE and every connection closed. */
void              seldon_grpc_server_stop       (SeldonGrpcServer      *self);

G_END_DECLS
