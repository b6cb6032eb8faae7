/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SELDON_INSIDE) && !defined(SELDON_COMPILATION)
# error "Only <seldon/seldon.h> can be included directly."
#endif

#include <gio/gio.h>

#include "seldon-component.h"
#include "seldon-config.h"
#include "seldon-version-macros.h"

G_BEGIN_DECLS

#define SELDON_TYPE_WORKER (seldon_worker_get_type ())

SELDON_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (SeldonWorker, seldon_worker, SELDON, WORKER, GObject)

SELDON_AVAILABLE_IN_1_0
SeldonWorker    *seldon_worker_new           (SeldonComponent     *component,
                                              SeldonConfig        *config);
SELDON_AVAILABLE_IN_1_0
SeldonWorker    *seldon_worker_new_for_command (SeldonConfig       *config,
                                                const char * const *argv,
                                                const char * const *envp);
SELDON_AVAILABLE_IN_1_0
SeldonComponent *seldon_worker_get_component (SeldonWorker        *self);
SELDON_AVAILABLE_IN_1_0
guint            seldon_worker_get_n_threads (SeldonWorker        *self);
SELDON_AVAILABLE_IN_1_0
guint            seldon_worker_get_n_processes (SeldonWorker      *self);
SELDON_AVAILABLE_IN_1_0
gboolean         seldon_worker_is_ready      (SeldonWorker        *self);
SELDON_AVAILABLE_IN_1_0
gboolean         seldon_worker_reload        (SeldonWorker        *self);
SELDON_AVAILABLE_IN_1_0
gboolean         seldon_worker_is_reloading  (SeldonWorker        *self);
SELDON_AVAILABLE_IN_1_0
guint            seldon_worker_get_n_ready   (SeldonWorker        *self);
SELDON_AVAILABLE_IN_1_0
guint            seldon_worker_get_n_recycled (SeldonWorker       *self);
SELDON_AVAILABLE_IN_1_0
void             seldon_worker_start_async   (SeldonWorker        *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
SELDON_AVAILABLE_IN_1_0
gboolean         seldon_worker_start_finish  (SeldonWorker        *self,
                                              GAsyncResult        *result,
                                              GError             **error);
SELDON_AVAILABLE_IN_1_0
void             seldon_worker_shutdown_async  (SeldonWorker        *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
SELDON_AVAILABLE_IN_1_0
gboolean         seldon_worker_shutdown_finish (SeldonWorker        *self,
                                                GAsyncResult        *result,
                                                GError             **error);

G_END_DECLS
