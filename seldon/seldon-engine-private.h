/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * SeldonEngine: the Seldon semantics of one worker. Given a component and the configuration it
 * decodes calls (rest-api.md §3-§5, grpc-api.md §4 later), dispatches them per
 * component-contract.md §2 with its fallbacks, validates custom metrics (§7), merges meta
 * (rest-api.md §6.3) and serialises the answer (§6-§8). It computes the model metadata once
 * (component-contract.md §8), before the component's load().
 *
 * seldon_engine_invoke() is synchronous and may be called from several threads at once; it
 * calls the component from the calling thread (the worker decides which threads those are).
 * It never fails: every problem becomes an error reply.
 */

#include <gio/gio.h>

#include "seldon-call-private.h"
#include "seldon-component.h"
#include "seldon-config.h"

G_BEGIN_DECLS

typedef struct _SeldonEngine SeldonEngine;

SeldonEngine *seldon_engine_new            (SeldonComponent *component,
                                            SeldonConfig    *config);
void          seldon_engine_free           (SeldonEngine    *self);
/* Computes and validates the metadata (call once, before load). Invalid metadata is not an
 * error here: it is logged and /metadata answers 500 MICROSERVICE_BAD_METADATA. */
void          seldon_engine_init_metadata  (SeldonEngine    *self);
/* Same, but reports an init_metadata() failure other than NOT_IMPLEMENTED (upstream aborts
 * start-up then); the metadata is then unavailable. Only the first call computes anything. */
gboolean      seldon_engine_init_metadata_full (SeldonEngine *self,
                                                GError      **error);
SeldonReply  *seldon_engine_invoke         (SeldonEngine    *self,
                                            const SeldonCall *call,
                                            GCancellable    *cancellable);
SeldonJsonWriteFlags seldon_engine_get_write_flags (SeldonEngine *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeldonEngine, seldon_engine_free)

G_END_DECLS
