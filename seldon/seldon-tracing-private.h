/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * SeldonTracer: request tracing in the front (configuration.md §7, issue 6), exported with
 * OpenTelemetry's OTLP/HTTP protocol in its JSON encoding.
 *
 * With `--tracing` / `TRACING` non-zero, every call a front (REST or gRPC) receives gets a
 * server span, and a child span covers the part the worker ran (decoding, the component,
 * encoding), from the timings the worker reports in SeldonReply.started_us/finished_us. Both
 * spans are built and exported by the front, so export lives in one place and a worker
 * process never talks to the collector.
 *
 * A front makes two calls per request, a third when the answer and the end of the request
 * happen at different places:
 *
 *   span = seldon_tracer_start_span (tracer, "rest", "POST", path, lookup, headers);
 *   ...
 *   seldon_span_add_reply (span, reply);       (optional: when the worker's reply came)
 *   ...
 *   seldon_span_finish (span, method_label, code, reply_or_NULL);
 *
 * All accept a NULL span (tracing off, or the call not sampled), so the front needs no checks.
 * A span belongs to one request: the calls on it must not overlap (call finish() last, once).
 * The incoming context is read through @lookup: W3C `traceparent` (+ `tracestate`) first,
 * else Jaeger's `uber-trace-id`. The server span continues that trace (same trace id, the
 * incoming span as parent).
 *
 * Export: a finished span goes as recorded (ids, times, a few strings) onto a bounded queue
 * (spans beyond it are dropped and counted); a background thread renders them to OTLP JSON
 * and posts them in batches to the collector, over one kept HTTP/1.1 connection of its own
 * for http:// (a SoupSession for https://). Recording never blocks on the network and costs
 * one short lock per request.
 *
 * Settings (read from the environment when the tracer is created; the OpenTelemetry names win
 * over the Jaeger ones, which map where they can):
 *
 *   endpoint      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is), else
 *                 OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/traces", else http://HOST:4318/v1/traces
 *                 for the host of JAEGER_ENDPOINT or JAEGER_AGENT_HOST (a Jaeger collector
 *                 takes OTLP on 4318; 0.0.0.0 means localhost), else http://localhost:4318/v1/traces.
 *                 OTEL_EXPORTER_OTLP_(TRACES_)HEADERS adds request headers.
 *   service name  OTEL_SERVICE_NAME, else JAEGER_SERVICE_NAME, else service.name in
 *                 OTEL_RESOURCE_ATTRIBUTES, else the interface name (as upstream), else
 *                 "seldon-microservice".
 *   resource      OTEL_RESOURCE_ATTRIBUTES and JAEGER_TAGS (key=value,...).
 *   sampler       OTEL_TRACES_SAMPLER (always_on, always_off, traceidratio, parentbased_always_on,
 *                 parentbased_always_off, parentbased_traceidratio) with OTEL_TRACES_SAMPLER_ARG;
 *                 else JAEGER_SAMPLER_TYPE/JAEGER_SAMPLER_PARAM (const 0/1, probabilistic p;
 *                 ratelimiting and remote sample everything); default parentbased_always_on
 *                 (upstream's constant sampler with parameter 1).
 *   batching      OTEL_BSP_SCHEDULE_DELAY (ms, 5000), OTEL_BSP_MAX_QUEUE_SIZE (2048),
 *                 OTEL_BSP_MAX_EXPORT_BATCH_SIZE (512), OTEL_BSP_EXPORT_TIMEOUT (ms, 30000).
 *   JAEGER_CONFIG_PATH  must be readable (else start-up fails, as upstream); its
 *                 `service_name`, `sampler: {type, param}` and `local_agent: {reporting_host}`
 *                 are used where the environment leaves them unset.
 *   JAEGER_EXTRA_TAGS   request attributes added as span attributes: `path`, `method`, `url`,
 *                 `protocol`, or a request header name.
 *
 * Thread-safe: spans may be started and finished in any thread.
 */

#include <glib.h>
#include <libsoup/soup.h>

#include "seldon-call-private.h"
#include "seldon-config.h"

G_BEGIN_DECLS

typedef struct _SeldonTracer SeldonTracer;
typedef struct _SeldonSpan   SeldonSpan;

/* The value of the request header or gRPC metadata entry @name (always lower case:
 * "traceparent", "tracestate", "uber-trace-id", or a JAEGER_EXTRA_TAGS name), or NULL.
 * Several values of one header should be joined with ", " (as for tracestate). The string
 * only needs to stay valid until the next call of the function. */
typedef const char *(*SeldonTraceLookupFunc) (const char *name,
                                              gpointer    user_data);

/* A tracer for @config: NULL without an error when tracing is off (config "tracing" is 0);
 * NULL with an error when the settings are invalid (an unknown sampler, a bad endpoint, an
 * unreadable JAEGER_CONFIG_PATH): the front must not start then. */
SeldonTracer *seldon_tracer_new          (SeldonConfig           *config,
                                          GError                **error);
/* The same, reading the settings from @envp (NULL: the process's environment). */
SeldonTracer *seldon_tracer_new_for_environ (SeldonConfig        *config,
                                          const char * const  *envp,
                                          GError             **error);
SeldonTracer *seldon_tracer_ref          (SeldonTracer           *self);
/* The last reference stops the export thread after it sent what is queued (each request
 * bounded by the export timeout). */
void          seldon_tracer_unref        (SeldonTracer           *self);

/* Sends everything finished so far now and waits until it was sent (or failed), at most
 * @timeout_ms. TRUE when everything was handled in time. */
gboolean      seldon_tracer_flush        (SeldonTracer           *self,
                                          guint                   timeout_ms);

/* Counters since creation: spans accepted to the queue, spans the collector accepted,
 * spans dropped (queue full or the export failed). Any pointer may be NULL. */
void          seldon_tracer_get_stats    (SeldonTracer           *self,
                                          guint64                *queued,
                                          guint64                *exported,
                                          guint64                *dropped);

/* The endpoint URL and service name in use (for the start-up log). */
const char   *seldon_tracer_get_endpoint     (SeldonTracer       *self);
const char   *seldon_tracer_get_service_name (SeldonTracer       *self);

/* A request arrived: its server span, continuing the context @lookup finds. @protocol is
 * "rest" or "grpc"; @http_method the HTTP method (REST; NULL for gRPC); @path the request
 * path (REST) or the full gRPC method ("/seldon.protos.Model/Predict"). @lookup may be NULL.
 * Returns NULL when @self is NULL or the request is not sampled. Call in any thread. */
SeldonSpan   *seldon_tracer_start_span   (SeldonTracer           *self,
                                          const char             *protocol,
                                          const char             *http_method,
                                          const char             *path,
                                          SeldonTraceLookupFunc   lookup,
                                          gpointer                lookup_data);

/* Adds a string attribute to the server span. @span may be NULL. */
void          seldon_span_set_attribute  (SeldonSpan             *span,
                                          const char             *key,
                                          const char             *value);

/* The worker answered: keep @reply's timings (SeldonReply.started_us/finished_us, worker
 * slot) and gRPC message for seldon_span_finish(), which may come later, without the reply.
 * @span and @reply may be NULL. */
void          seldon_span_add_reply      (SeldonSpan             *span,
                                          const SeldonReply      *reply);

/* The W3C traceparent of @span ("00-<trace id>-<span id>-01"), for an answer header or an
 * outgoing call; NULL when @span is NULL. */
char         *seldon_span_dup_traceparent (SeldonSpan            *span);

/* The request was answered (or abandoned): ends the server span and, when @reply (or the
 * reply given to seldon_span_add_reply()) says the worker ran the call, adds the child span of
 * the worker's part; queues both for export and frees @span. @method_label: the Seldon method label (predict, ...; NULL when unknown);
 * @code: the HTTP status (REST) or gRPC status code (gRPC); REST 0 means no answer was sent.
 * @reply may be NULL. @span may be NULL. */
void          seldon_span_finish         (SeldonSpan             *span,
                                          const char             *method_label,
                                          guint                   code,
                                          const SeldonReply      *reply);

/* A SeldonTraceLookupFunc over libsoup request headers (@user_data: SoupMessageHeaders *). */
const char   *seldon_tracing_lookup_soup_headers (const char     *name,
                                                  gpointer        user_data);

/* A SeldonTraceLookupFunc over a SeldonHttpRequest's header fields (@user_data). */
const char   *seldon_tracing_lookup_http_request (const char    *name,
                                                  gpointer       user_data);

/* A SeldonTraceLookupFunc over gRPC core request metadata (@user_data: the
 * grpc_metadata_array * that grpc_server_request_call() filled). */
const char   *seldon_tracing_lookup_grpc_metadata (const char   *name,
                                                   gpointer      user_data);

/* Exposed for the unit tests: parse an incoming context. TRUE when valid. */
gboolean      seldon_tracing_parse_traceparent  (const char     *value,
                                                 guint8          trace_id[16],
                                                 guint8          span_id[8],
                                                 gboolean       *sampled);
gboolean      seldon_tracing_parse_uber_trace_id (const char    *value,
                                                  guint8         trace_id[16],
                                                  guint8         span_id[8],
                                                  gboolean      *sampled);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeldonTracer, seldon_tracer_unref)

G_END_DECLS
