/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * SeldonMetrics: the front's Prometheus registry (metrics.md, decisions.md D3).
 *
 * The front records every reply's custom metrics and feedback reward here, per worker slot
 * (`worker_id` = SeldonReply.worker_slot), so counters survive a recycled or respawned worker
 * and `sum without (worker_id)` is exact; with metrics-aggregate the slot is dropped and one
 * series holds the sum. It also holds the server's own request metrics
 * (`seldon_microservice_*`) and renders the front's `process_*` metrics from /proc.
 *
 * Thread-safe: every function may be called from any thread. Recording holds one mutex once
 * per call, for a few hash lookups; the labels are built before the lock is taken. The
 * in-flight gauge is a plain atomic.
 *
 * Metrics with a name Prometheus cannot take (a key that is not a metric name, a tag that is
 * not a label name, `le` on a TIMER, a name reserved for the server's own metrics or already
 * used by a family of another type) are skipped when recorded, with one warning per name, so a
 * bad component never breaks a scrape (metrics.md §6, decisions.md D3).
 */

#include <glib.h>

#include "seldon-call-private.h"
#include "seldon-config.h"
#include "seldon-json-private.h"
#include "seldon-server.h"
#include "seldon-worker.h"

G_BEGIN_DECLS

typedef struct _SeldonMetrics SeldonMetrics;

typedef enum
{
  SELDON_METRICS_FORMAT_TEXT,          /* Prometheus text exposition format 0.0.4 */
  SELDON_METRICS_FORMAT_OPENMETRICS,   /* OpenMetrics 1.0.0 text */
} SeldonMetricsFormat;

typedef enum
{
  SELDON_METRICS_FLAGS_NONE    = 0,
  /* Also render the server's own metrics (seldon_microservice_*) and process_* metrics. */
  SELDON_METRICS_FLAGS_BUILTIN = 1 << 0,
} SeldonMetricsFlags;

#define SELDON_METRICS_CONTENT_TYPE_TEXT        "text/plain; version=0.0.4; charset=utf-8"
#define SELDON_METRICS_CONTENT_TYPE_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Labels and aggregation come from @config (deployment-id, unit-id, unit-image, predictor-id,
 * predictor-labels, metrics-aggregate); NULL means the defaults. */
SeldonMetrics *seldon_metrics_new              (SeldonConfig        *config,
                                                SeldonMetricsFlags   flags);
SeldonMetrics *seldon_metrics_ref              (SeldonMetrics       *self);
void           seldon_metrics_unref            (SeldonMetrics       *self);

/* Records @metrics (a list of metric objects, component-contract.md §7.1) under the method
 * label @method_label for @worker_slot. Elements that are not metric objects with a known
 * type, a name and a number are skipped (the engine validated them already). */
void           seldon_metrics_record           (SeldonMetrics       *self,
                                                guint                worker_slot,
                                                const char          *method_label,
                                                const SeldonJson    *metrics);
/* The two feedback counters of metrics.md §3 for a non-zero @reward. */
void           seldon_metrics_record_reward    (SeldonMetrics       *self,
                                                guint                worker_slot,
                                                double               reward);
/* Everything a reply asks to record: its reward, then its metrics records
 * ({"method": label, "metrics": [...]}), all under one lock. */
void           seldon_metrics_record_reply     (SeldonMetrics       *self,
                                                const SeldonReply   *reply);

/* Server metrics: a request arrived (in-flight gauge) / was answered. @method_label is the
 * Seldon method label (predict, ..., or ping, openapi, unknown), @protocol "rest" or "grpc",
 * @code the HTTP status (REST) or the gRPC status code; @duration_us from arrival to answer.
 * A REST request_finished() with @code 0 (no answer: the client went away) only ends the
 * in-flight count; for "grpc", 0 is the status OK. */
void           seldon_metrics_request_started  (SeldonMetrics       *self);
void           seldon_metrics_request_finished (SeldonMetrics       *self,
                                                const char          *method_label,
                                                const char          *protocol,
                                                guint                code,
                                                gint64               duration_us);

/* The worker's part of a call answered by @reply (protocol and label as above): the time it
 * waited for a worker thread, from @queued_us (g_get_monotonic_time() when the front handed
 * the call to the pool; 0 = unknown, not recorded) to reply->started_us, into
 * seldon_microservice_queue_duration_seconds, and the time the worker ran it into
 * seldon_microservice_component_duration_seconds. Nothing when the call never ran
 * (reply->started_us == 0) or @reply is NULL. */
void           seldon_metrics_record_timings   (SeldonMetrics       *self,
                                                const char          *method_label,
                                                const char          *protocol,
                                                gint64               queued_us,
                                                const SeldonReply   *reply);

/* The pool whose size, readiness, restarts (per slot) and worker memory (PSS per slot, from
 * /proc/PID/smaps_rollup) the builtin metrics show; held weakly. When set, render only in
 * the worker's main context. */
void           seldon_metrics_set_worker       (SeldonMetrics       *self,
                                                SeldonWorker        *worker);

/* The exposition text (empty when nothing is recorded and there are no builtin metrics). */
GBytes        *seldon_metrics_render           (SeldonMetrics       *self,
                                                SeldonMetricsFormat  format);

/* The format to answer a scrape whose `Accept` header is @accept (may be NULL): OpenMetrics
 * when the client prefers `application/openmetrics-text` over `text/plain`, else text. */
SeldonMetricsFormat seldon_metrics_negotiate   (const char          *accept);
const char    *seldon_metrics_format_get_content_type (SeldonMetricsFormat format);

/* The registry of a server (transfer none). */
SeldonMetrics *seldon_server_get_metrics       (SeldonServer        *self);

/* Exposed for the unit tests. */
void           seldon_metrics_append_value     (GString             *out,
                                                double               value);
gboolean       seldon_metrics_is_metric_name   (const char          *name);
gboolean       seldon_metrics_is_label_name    (const char          *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeldonMetrics, seldon_metrics_unref)

G_END_DECLS
