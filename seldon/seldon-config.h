/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SELDON_INSIDE) && !defined(SELDON_COMPILATION)
# error "Only <seldon/seldon.h> can be included directly."
#endif

#include <glib-object.h>

#include "seldon-version-macros.h"

G_BEGIN_DECLS

#define SELDON_TYPE_CONFIG (seldon_config_get_type ())

SELDON_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (SeldonConfig, seldon_config, SELDON, CONFIG, GObject)

/*
 * Every setting of the microservice is a property of SeldonConfig, named like its GSettings key
 * (schema io.seldon.Microservice), so the daemon binds GSettings onto it with g_settings_bind()
 * and then applies environment variables and the command line on top (decisions.md D6).
 * The library reads settings only from this object, never from the environment or GSettings.
 *
 * Property names (type, default):
 *   interface-name (string, NULL)          service-type (string, "MODEL")
 *   parameters (string, "[]")              log-level (string, "INFO")
 *   debug (bool, FALSE)                    tracing (int, 0)            persistence (int, 0)
 *   listen-address (string, "0.0.0.0")
 *   http-port (int, 9000)                  grpc-port (int, 5000)       metrics-port (int, 6000)
 *   workers (int, 1)                       threads (int, 10 — decisions.md D1)
 *   max-requests (int, 0)                  max-requests-jitter (int, 0)
 *   keepalive (int, 2)                     single-threaded (bool, FALSE)
 *   access-log (bool, FALSE)               pidfile (string, NULL)
 *   grpc-workers (int, 1)                  grpc-threads (int, 1)
 *   metrics-endpoint (string, "/metrics")  filter-metrics-access-logs (bool, !debug)
 *   unit-id (string, NULL)                 unit-image (string, NULL)
 *   deployment-id (string, NULL)           predictor-id (string, NULL)
 *   predictor-labels (string, "{}")        model-metadata (string, NULL = "{}")
 *   payload-passthrough (bool, FALSE)      include-metrics-in-client-response (bool, TRUE)
 *   executor-enabled (bool, TRUE)          metrics-aggregate (bool, FALSE)
 *   json-pretty (bool, FALSE)              json-sort-keys (bool, TRUE)   json-ascii (bool, TRUE)
 *   max-body-bytes (int64, 104857600)      request-timeout-ms (int64, 0 = none)
 *   grpc-max-message-bytes (int, 4194304)  graceful-timeout (int, 30)
 *   max-queued (int, 1024)
 */

SELDON_AVAILABLE_IN_1_0
SeldonConfig *seldon_config_new                 (void);
SELDON_AVAILABLE_IN_1_0
SeldonConfig *seldon_config_copy                (SeldonConfig  *self);
SELDON_AVAILABLE_IN_1_0
int           seldon_config_get_effective_threads (SeldonConfig *self);

G_END_DECLS
