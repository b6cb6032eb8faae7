/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * SeldonCall / SeldonReply: one Seldon call as the front hands it to a worker, and the answer.
 *
 * This is the unit that crosses the front/worker boundary (a thread today, a socket pair to a
 * worker process later), so both are plain data: no pointers to front or worker objects.
 * The front does the HTTP work (routing, finding the JSON per rest-api.md §3); the worker does
 * everything Seldon (parsing the JSON, dispatch, building and serialising the answer), so that
 * a crash or a hang in model code never takes the front down.
 */

#include <glib.h>

#include "seldon-component.h"
#include "seldon-json-private.h"

G_BEGIN_DECLS

typedef enum
{
  SELDON_CALL_FLAGS_NONE        = 0,
  /* Predict routes with PAYLOAD_PASSTHROUGH: @body is handed to predict_passthrough undecoded. */
  SELDON_CALL_FLAGS_PASSTHROUGH = 1 << 0,
  /* @body is the text of a `json` form field or query parameter (rest-api.md §3.2), not the
   * request body; only matters for passthrough, which hands text rather than bytes. */
  SELDON_CALL_FLAGS_JSON_PARAM  = 1 << 1,
} SeldonCallFlags;

typedef struct
{
  SeldonMethod     method;
  SeldonTransport  transport;
  SeldonCallFlags  flags;
  /* REST: the JSON text found per rest-api.md §3, or NULL when no JSON could be found (the
   * worker answers 400 "Can't find JSON in data"). Passthrough: the raw bytes. gRPC: protobuf. */
  GBytes          *body;
  /* REST, optional: the request already built as a value (multipart forms, §3.1). Wins over @body. */
  SeldonJson      *value;
  /* g_get_monotonic_time() deadline in µs, or 0 for none. */
  gint64           deadline;
} SeldonCall;

typedef struct
{
  guint            http_status;
  const char      *content_type;   /* static string */
  GBytes          *body;
  int              grpc_status;    /* 0 = OK */
  char            *grpc_message;
  /* Custom metrics to record in the front (metrics.md), NULL when none: an array of
   * {"method": "<label>", "metrics": [<metric>...]} objects, in recording order. */
  SeldonJson      *metrics;
  /* The worker slot (0 .. pool size - 1) that ran the call: the `worker_id` of its metrics
   * (decisions.md D3). Set by the worker; an in-process worker is slot 0. */
  guint            worker_slot;
  /* Feedback reward to record (metrics.md §3), when has_reward. */
  gboolean         has_reward;
  double           reward;
  /* When the worker started and finished running the call (the engine and the component),
   * g_get_monotonic_time() µs (CLOCK_MONOTONIC, shared by the front and its worker
   * processes); 0 when the call never ran (refused, timed out or cancelled while queued).
   * The front derives the queue time and the component time (metrics, tracing) from them. */
  gint64           started_us;
  gint64           finished_us;
} SeldonReply;

SeldonCall  *seldon_call_new              (SeldonMethod      method,
                                           SeldonTransport   transport);
void         seldon_call_free             (SeldonCall       *call);

SeldonReply *seldon_reply_new             (guint             http_status,
                                           const char       *content_type,
                                           GBytes           *body);
/* The Seldon error object (rest-api.md §8.1) for @error, with the HTTP status, reason and gRPC
 * status of seldon-error.c's table, serialised with @flags (plus a trailing newline). */
SeldonReply *seldon_reply_new_error       (const GError     *error,
                                           SeldonJsonWriteFlags flags);
void         seldon_reply_free            (SeldonReply      *reply);

/* `method` label of custom metrics (component-contract.md §7.3). */
const char  *seldon_method_get_metric_label (SeldonMethod    method);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeldonCall, seldon_call_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeldonReply, seldon_reply_free)

G_END_DECLS
