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

/*
 * SeldonWorkerHost: the worker-process side of the front <-> worker channel (decisions.md D2).
 *
 * A worker process (the C host `seldon-worker`, `python3 -m seldon_worker`, or the gjs host) is
 * spawned by the front with one end of a socket pair. It calls seldon_worker_host_new() with that
 * fd, which reads the front's hello (the effective SeldonConfig and the worker's slot number),
 * builds its component from the config (interface-name, parameters), then calls
 * seldon_worker_host_run(), which computes the metadata, calls load(), tells the front it is
 * ready (or that load failed), and serves calls until the front closes the channel.
 * A host that cannot build its component calls seldon_worker_host_report_failure() and exits.
 */

#define SELDON_TYPE_WORKER_HOST (seldon_worker_host_get_type ())

SELDON_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (SeldonWorkerHost, seldon_worker_host, SELDON, WORKER_HOST, GObject)

SELDON_AVAILABLE_IN_1_0
SeldonWorkerHost *seldon_worker_host_new            (int                fd,
                                                     GError           **error);
SELDON_AVAILABLE_IN_1_0
SeldonConfig     *seldon_worker_host_get_config     (SeldonWorkerHost  *self);
SELDON_AVAILABLE_IN_1_0
guint             seldon_worker_host_get_slot       (SeldonWorkerHost  *self);
SELDON_AVAILABLE_IN_1_0
int               seldon_worker_host_run            (SeldonWorkerHost  *self,
                                                     SeldonComponent   *component,
                                                     GError           **error);
SELDON_AVAILABLE_IN_1_0
void              seldon_worker_host_report_failure (SeldonWorkerHost  *self,
                                                     int                exit_status,
                                                     const char        *message);

G_END_DECLS
