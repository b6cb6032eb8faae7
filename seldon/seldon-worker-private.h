/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "seldon-call-private.h"
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

G_END_DECLS
