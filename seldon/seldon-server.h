/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SELDON_INSIDE) && !defined(SELDON_COMPILATION)
# error "Only <seldon/seldon.h> can be included directly."
#endif

#include <gio/gio.h>

#include "seldon-config.h"
#include "seldon-worker.h"
#include "seldon-version-macros.h"

G_BEGIN_DECLS

/**
 * SeldonListener:
 * @SELDON_LISTENER_HTTP: the REST listener ([property@Seldon.Config:http-port])
 * @SELDON_LISTENER_GRPC: the gRPC listener ([property@Seldon.Config:grpc-port])
 * @SELDON_LISTENER_METRICS: the Prometheus metrics listener
 *   ([property@Seldon.Config:metrics-port])
 *
 * The listening sockets of a [class@Seldon.Server], as named by
 * [method@Seldon.Server.add_socket].
 *
 * Since: 1.0
 */
typedef enum
{
  SELDON_LISTENER_HTTP,
  SELDON_LISTENER_GRPC,
  SELDON_LISTENER_METRICS,
} SeldonListener;

#define SELDON_TYPE_SERVER (seldon_server_get_type ())

SELDON_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (SeldonServer, seldon_server, SELDON, SERVER, GObject)

SELDON_AVAILABLE_IN_1_0
SeldonServer *seldon_server_new            (SeldonConfig        *config,
                                            SeldonWorker        *worker);
SELDON_AVAILABLE_IN_1_0
gboolean      seldon_server_add_socket     (SeldonServer        *self,
                                            SeldonListener       listener,
                                            GSocket             *socket,
                                            GError             **error);
SELDON_AVAILABLE_IN_1_0
gboolean      seldon_server_listen         (SeldonServer        *self,
                                            GError             **error);
SELDON_AVAILABLE_IN_1_0
guint         seldon_server_get_http_port  (SeldonServer        *self);
SELDON_AVAILABLE_IN_1_0
guint         seldon_server_get_metrics_port (SeldonServer      *self);
SELDON_AVAILABLE_IN_1_0
guint         seldon_server_get_grpc_port  (SeldonServer        *self);
SELDON_AVAILABLE_IN_1_0
void          seldon_server_stop           (SeldonServer        *self);
SELDON_AVAILABLE_IN_1_0
void          seldon_server_shutdown_async (SeldonServer        *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
SELDON_AVAILABLE_IN_1_0
gboolean      seldon_server_shutdown_finish (SeldonServer       *self,
                                             GAsyncResult       *result,
                                             GError            **error);

G_END_DECLS
