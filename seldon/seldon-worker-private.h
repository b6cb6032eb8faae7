/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "seldon-call-private.h"
#include "seldon-engine-private.h"
#include "seldon-worker.h"

G_BEGIN_DECLS

/* Runs @call on one of the worker's threads (the engine), completing in the caller's
 * thread-default main context. Takes ownership of @call. Never fails: errors are replies. */
void         seldon_worker_call_async  (SeldonWorker        *self,
                                        SeldonCall          *call,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
SeldonReply *seldon_worker_call_finish (SeldonWorker        *self,
                                        GAsyncResult        *result);

/* Worker processes: a frame whose payload (the request or answer with its fields) exceeds
 * @inline_max bytes crosses the channel in a memfd instead of the socket. Default 64 KiB
 * (SELDON_CHANNEL_DEFAULT_INLINE), at most SELDON_CHANNEL_MAX_INLINE; the worker processes
 * get the same limit in their hello. Set it before the start. */
void         seldon_worker_set_inline_max (SeldonWorker     *self,
                                           gsize             inline_max);

/* Computes the metadata and calls the component's load(), as every worker does before its
 * first call: a load() failing with NOT_IMPLEMENTED succeeds, any other failure becomes
 * SELDON_ERROR_LOAD_FAILED with the component's message. Shared with SeldonWorkerHost. */
gboolean     seldon_worker_load_component (SeldonEngine     *engine,
                                           SeldonComponent  *component,
                                           GCancellable     *cancellable,
                                           GError          **error);

G_END_DECLS
