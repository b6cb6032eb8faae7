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

/* One worker slot, for the metrics (seldon_worker_get_slot_info()). */
typedef struct
{
  guint    slot;       /* worker_id */
  int      pid;        /* the slot's process, 0 when it has none (down, or in-process) */
  gboolean ready;      /* serving */
  guint    restarts;   /* processes spawned for the slot after its first one */
} SeldonWorkerSlotInfo;

/* The pool, one SeldonWorkerSlotInfo per slot (an in-process worker is slot 0 with pid 0).
 * Call it in the worker's main context. */
GArray      *seldon_worker_get_slot_info  (SeldonWorker     *self);

/* Computes the metadata and calls the component's load(), as every worker does before its
 * first call: a load() failing with NOT_IMPLEMENTED succeeds, any other failure becomes
 * SELDON_ERROR_LOAD_FAILED with the component's message. Shared with SeldonWorkerHost. */
/* Calls one worker (or worker process) runs at once: the effective threads, or
 * [property@Seldon.Config:grpc-threads] when gRPC is on and that is larger, which is how
 * --grpc-threads bounds the gRPC calls in flight per worker (decisions.md D2: one pool serves
 * both protocols). Shared with SeldonWorkerHost. */
int          seldon_worker_get_pool_threads (SeldonConfig   *config);

gboolean     seldon_worker_load_component (SeldonEngine     *engine,
                                           SeldonComponent  *component,
                                           GCancellable     *cancellable,
                                           GError          **error);

G_END_DECLS
