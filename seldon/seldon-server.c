/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sys/socket.h>

#include <libsoup/soup.h>

#include "seldon-error.h"
#include "seldon-grpc-module-private.h"
#include "seldon-http-private.h"
#include "seldon-metrics-private.h"
#include "seldon-resources.h"
#include "seldon-rest-request-private.h"
#include "seldon-server.h"
#include "seldon-tracing-private.h"
#include "seldon-worker-private.h"

/**
 * SeldonServer:
 *
 * The REST front of the Seldon microservice, on a small HTTP/1.1 server of its own.
 *
 * It listens on [property@Seldon.Config:listen-address] and
 * [property@Seldon.Config:http-port], serves the routes of the Seldon v1 REST API with exact
 * path matching, and finds each call's request in the HTTP request (multipart form, `json`
 * form field or query parameter, JSON body). The main loop never runs model code: the
 * call runs on the [class@Seldon.Worker], and the answer is written
 * when it comes back. `/health/ping`, `/seldon.json`, `OPTIONS`, and the 404 and 405
 * answers are produced by the front itself.
 *
 * Until the worker is ready (its component's `load()` returned) every request waits, so no
 * route answers before the model is loaded.
 *
 * HTTP/1.0 and 1.1 are served, with keep-alive, pipelining (answers in order), chunked request
 * bodies and `Expect: 100-continue`.
 *
 * Limits: a request body larger than [property@Seldon.Config:max-body-bytes] is answered with
 * status 413 and `Connection: close` as soon as its size is known (its `Content-Length`, or the
 * chunks read so far), and the rest of it is thrown away; a request line longer than 4094
 * bytes, more than 100 header fields, a header field longer than 8190 bytes or malformed HTTP
 * with a plain 400 page, a header block over 64 KiB with 431, and the connection is closed.
 * An idle keep-alive connection is closed after [property@Seldon.Config:keepalive] seconds, a
 * new connection that sends nothing after 30 seconds, a connection that stalls for 30 seconds
 * while a request or an answer is transferred; with a single worker thread (or a keep-alive of
 * 0) every answer carries `Connection: close`. A client that goes away while its call runs
 * cancels the call.
 *
 * With [property@Seldon.Config:access-log], one line per answered request goes to standard
 * output in gunicorn's default format; lines containing
 * [property@Seldon.Config:metrics-endpoint] are left out when
 * [property@Seldon.Config:filter-metrics-access-logs] is set.
 *
 * A second listener on [property@Seldon.Config:metrics-port] serves the Prometheus metrics
 * (custom metrics of every worker slot, feedback rewards, the server's own request metrics and
 * the process metrics) at [property@Seldon.Config:metrics-endpoint], as text format 0.0.4 or,
 * when the scraper asks for it, OpenMetrics. Every other path and method there gets a plain
 * 404 or 405 page.
 *
 * Both listening sockets have a backlog of 2048 connections, as upstream's server.
 *
 * Since: 1.0
 */

/* rest-api.md §8.2 */
#define NOT_FOUND_DESCRIPTION "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."
#define METHOD_NOT_ALLOWED_DESCRIPTION "The method is not allowed for the requested URL."
#define NOT_FOUND_TEXT "404 Not Found: " NOT_FOUND_DESCRIPTION
#define METHOD_NOT_ALLOWED_TEXT "405 Method Not Allowed: " METHOD_NOT_ALLOWED_DESCRIPTION

/* Flask-CORS's default method list. */
#define CORS_METHODS "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"

/* Seconds a connection may stall while a request or its answer is being transferred, or
 * before a new connection sends its first request. Keep-alive waits use the keepalive
 * setting instead. */
#define IO_TIMEOUT_SECONDS 30

#define OPENAPI_RESOURCE "/io/seldon/libseldon/seldon.json"

/* gunicorn's listen backlog (configuration.md §6.2); GSocket's default of 10 stalls clients
 * that connect in bursts. */
#define LISTEN_BACKLOG 2048

struct _SeldonServer
{
  GObject        parent_instance;

  SeldonConfig  *config;
  SeldonWorker  *worker;
  SeldonHttpServer *http;
  gulong         ready_id;

  /* The metrics listener and the registry (metrics.md) */
  SeldonMetrics *metrics;
  /* Request tracing (seldon-tracing-private.h); NULL when off. Created by listen(). */
  SeldonTracer  *tracer;
  SeldonHttpServer *metrics_http;
  int            metrics_port_setting;
  guint          metrics_port;

  /* Settings, read when the server is created. */
  char          *listen_address;
  int            port_setting;
  gint64         max_body_bytes;
  gint64         request_timeout_ms;
  gboolean       passthrough;
  gboolean       connection_close;
  int            keepalive;
  gboolean       access_log;
  gboolean       filter_metrics_access_logs;
  char          *metrics_endpoint;
  int            max_queued;
  SeldonJsonWriteFlags write_flags;

  /* seldon_server_add_socket(): listening sockets to serve instead of binding the ports */
  GSocket       *http_socket;
  GSocket       *metrics_socket;
  GSocket       *grpc_socket;

  /* The gRPC listener (seldon-grpc-server.c): NULL with grpc-workers 0, and until the first
   * gRPC client connects. Until then the front only listens on grpc_socket and watches it
   * (grpc_watch): grpc core, its module and their memory are loaded with the first connection,
   * so that a server only used over REST never pays for them. */
  SeldonGrpcServer *grpc;
  GSource       *grpc_watch;
  guint          grpc_port;

  guint          http_port;
  gboolean       listening;
  gboolean       draining;
  gboolean       stopped;

  /* Requests the handler took: every SeldonRestPending alive, and those waiting for the
   * worker to become ready. */
  GHashTable    *pendings;
  GQueue         held;

  /* /seldon.json */
  GBytes        *openapi;
  char          *openapi_etag;
  GDateTime     *openapi_modified;
  char          *openapi_modified_text;

  /* seldon_server_shutdown_async() */
  GTask         *shutdown_task;
  GSource       *shutdown_timeout;
  gulong         shutdown_cancel_id;
};

enum
{
  PROP_0,
  PROP_CONFIG,
  PROP_WORKER,
  PROP_HTTP_PORT,
  PROP_METRICS_PORT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SeldonServer, seldon_server, G_TYPE_OBJECT)


/*
 * One request from the moment the handler takes it until the HTTP layer is done with it
 * ("finished": answered, or the client went away, or the server stopped) and, if it went to
 * the worker, until the worker answered. The request is referenced, so a call completing after
 * the client left never touches freed memory; its answer is then dropped.
 */
typedef struct
{
  SeldonServer      *server;      /* NULL once the server is disposed */
  SeldonMetrics     *metrics;
  const char        *metric_label; /* `method` label of the request metrics (static) */
  SeldonHttpRequest *request;
  GCancellable      *cancellable;
  gint64             arrival;     /* monotonic µs */
  gint64             queued;      /* monotonic µs: handed to the worker */
  SeldonSpan        *span;        /* NULL when not traced */
  gboolean           held;        /* in server->held */
  gboolean           answering;   /* call_done_cb() writes the answer */
  gboolean           in_worker;
  gboolean           finished;
} SeldonRestPending;

static void server_check_drained (SeldonServer *self);
static void grpc_unwatch (SeldonServer *self);
static void server_respond (SeldonServer *self, SeldonHttpRequest *request);

static void
pending_free (SeldonRestPending *pending)
{
  seldon_span_finish (g_steal_pointer (&pending->span), pending->metric_label, 0, NULL);
  seldon_http_request_set_data (pending->request, NULL);
  g_clear_pointer (&pending->request, seldon_http_request_unref);
  g_clear_object (&pending->cancellable);
  g_clear_pointer (&pending->metrics, seldon_metrics_unref);
  g_free (pending);
}

static void
pending_maybe_free (SeldonRestPending *pending)
{
  SeldonServer *self = pending->server;

  if (!pending->finished || pending->in_worker || pending->answering || pending->held)
    return;

  if (self != NULL)
    g_hash_table_remove (self->pendings, pending);
  seldon_metrics_request_finished (pending->metrics,
                                   pending->metric_label != NULL ? pending->metric_label : "unknown",
                                   "rest", seldon_http_request_get_status (pending->request),
                                   g_get_monotonic_time () - pending->arrival);
  seldon_span_finish (g_steal_pointer (&pending->span), pending->metric_label,
                      seldon_http_request_get_status (pending->request), NULL);
  pending_free (pending);
  if (self != NULL)
    server_check_drained (self);
}

/* The HTTP layer is done with the request: answered, or the client went away, or the server
 * stopped. */
static void
pending_finished (SeldonRestPending *pending)
{
  if (pending->finished)
    return;
  pending->finished = TRUE;
  /* The client went away (or the server stops) while the call runs: stop it. */
  if (pending->in_worker)
    g_cancellable_cancel (pending->cancellable);
  if (pending->held && pending->server != NULL)
    {
      g_queue_remove (&pending->server->held, pending);
      pending->held = FALSE;
    }
  pending_maybe_free (pending);
}

static SeldonRestPending *
pending_new (SeldonServer      *self,
             SeldonHttpRequest *request)
{
  SeldonRestPending *pending = g_new0 (SeldonRestPending, 1);

  pending->server = self;
  pending->metrics = seldon_metrics_ref (self->metrics);
  seldon_metrics_request_started (pending->metrics);
  pending->request = seldon_http_request_ref (request);
  pending->cancellable = g_cancellable_new ();
  pending->arrival = g_get_monotonic_time ();
  pending->span = seldon_tracer_start_span (self->tracer, "rest", seldon_http_request_get_method (request),
                                            seldon_http_request_get_path (request),
                                            seldon_tracing_lookup_http_request, request);
  seldon_http_request_set_data (request, pending);
  g_hash_table_add (self->pendings, pending);
  return pending;
}

/* The answer is set: write it. */
static void
pending_release (SeldonRestPending *pending)
{
  if (pending->server != NULL && !pending->finished)
    server_respond (pending->server, pending->request);
}

/* ---------------------------------------------------------------------------------------- */
/* Writing answers                                                                          */
/* ---------------------------------------------------------------------------------------- */

static void
set_response (SeldonHttpRequest *request,
              guint              status,
              const char        *content_type,
              GBytes            *body)
{
  if (status < 100 || status > 599)
    status = 500;
  seldon_http_request_set_status (request, status);
  seldon_http_request_set_body (request, content_type, body);
}

static void
set_response_static (SeldonHttpRequest *request,
                     guint              status,
                     const char        *content_type,
                     const char        *text)
{
  g_autoptr(GBytes) body = g_bytes_new_static (text, strlen (text));

  set_response (request, status, content_type, body);
}

static void
set_reply (SeldonHttpRequest *request,
           const SeldonReply *reply)
{
  set_response (request, reply->http_status, reply->content_type, reply->body);
}

static void
set_error (SeldonServer      *self,
           SeldonHttpRequest *request,
           const GError      *error)
{
  g_autoptr(SeldonReply) reply = seldon_reply_new_error (error, self->write_flags);
  gsize size = 0;
  const char *body = g_bytes_get_data (reply->body, &size);
  char status[16];

  /* rest-api.md §8.1: every error answer is logged at ERROR with its error object, as the
   * engine does for the ones it makes (a WARNING carrying SELDON_LEVEL=ERROR: GLib's ERROR
   * level aborts). */
  g_snprintf (status, sizeof status, "%u", reply->http_status);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                    "SELDON_LEVEL", "ERROR",
                    "CODE_FUNC", G_STRFUNC,
                    "CODE_LINE", G_STRINGIFY (__LINE__),
                    "SELDON_HTTP_STATUS", status,
                    "MESSAGE", "%.*s", (int) (size > 0 ? size - 1 : 0), body);
  set_reply (request, reply);
}

static void
set_error_literal (SeldonServer      *self,
                   SeldonHttpRequest *request,
                   SeldonError        code,
                   const char        *message)
{
  g_autoptr(GError) error = g_error_new_literal (SELDON_ERROR, code, message);

  set_error (self, request, error);
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Flask-CORS with its defaults: every response, whatever its status. */
static void
add_cors_headers (SeldonHttpRequest *request)
{
  const char *origin = seldon_http_request_get_header (request, "Origin");

  if (origin != NULL && *origin != '\0')
    {
      seldon_http_request_add_header (request, "Access-Control-Allow-Origin", origin);
      seldon_http_request_add_header (request, "Vary", "Origin");
    }
  else
    seldon_http_request_add_header (request, "Access-Control-Allow-Origin", "*");

  /* A preflight: only when it names a method of the list (Flask-CORS tests the upper-cased
   * value as a substring of the list). */
  if (strcmp (seldon_http_request_get_method (request), "OPTIONS") == 0)
    {
      const char *request_method = seldon_http_request_get_header (request, "Access-Control-Request-Method");
      const char *request_headers = seldon_http_request_get_header (request, "Access-Control-Request-Headers");
      g_autofree char *upper = request_method != NULL ? g_ascii_strup (request_method, -1) : NULL;

      if (upper != NULL && *upper != '\0' && strstr (CORS_METHODS, upper) != NULL)
        {
          if (request_headers != NULL && *request_headers != '\0')
            {
              g_auto(GStrv) names = g_strsplit (request_headers, ",", -1);
              g_autofree char *joined = NULL;
              guint n = g_strv_length (names);

              for (guint i = 0; i < n; i++)
                g_strstrip (names[i]);
              qsort (names, n, sizeof (char *), compare_strings);
              joined = g_strjoinv (", ", names);
              if (*joined != '\0')
                seldon_http_request_add_header (request, "Access-Control-Allow-Headers", joined);
            }
          seldon_http_request_add_header (request, "Access-Control-Allow-Methods", CORS_METHODS);
        }
    }
}

/* Every answer of both listeners leaves through here. */
static void
server_respond (SeldonServer      *self,
                SeldonHttpRequest *request)
{
  add_cors_headers (request);
  /* Shutting down: this connection serves no further request. */
  if (self->draining)
    seldon_http_request_set_close (request);
  seldon_http_request_respond (request);
}

/* ---------------------------------------------------------------------------------------- */
/* Routes answered by the front                                                             */
/* ---------------------------------------------------------------------------------------- */

static gboolean
etag_matches (const char *if_none_match,
              const char *etag)
{
  g_auto(GStrv) tags = g_strsplit (if_none_match, ",", -1);

  for (guint i = 0; tags[i] != NULL; i++)
    {
      const char *tag = g_strstrip (tags[i]);

      if (g_str_has_prefix (tag, "W/"))
        tag += 2;
      if (strcmp (tag, "*") == 0 || strcmp (tag, etag) == 0)
        return TRUE;
    }
  return FALSE;
}

/* One range of `bytes=` (RFC 9110 §14.1.2) over @size bytes: FALSE when it is not a single
 * range of that form (the whole file is served), *@satisfiable FALSE when it misses. */
static gboolean
parse_range (const char *range,
             gsize       size,
             gsize      *out_start,
             gsize      *out_end,
             gboolean   *satisfiable)
{
  const char *p;
  char *end;
  guint64 first, last;

  if (g_ascii_strncasecmp (range, "bytes=", 6) != 0 || strchr (range, ',') != NULL)
    return FALSE;
  p = range + 6;
  while (*p == ' ')
    p++;
  *satisfiable = TRUE;
  if (*p == '-')
    {
      /* the last N bytes */
      if (!g_ascii_isdigit (p[1]))
        return FALSE;
      last = g_ascii_strtoull (p + 1, &end, 10);
      if (*end != '\0' && *end != ' ')
        return FALSE;
      if (last == 0 || size == 0)
        {
          *satisfiable = FALSE;
          return TRUE;
        }
      *out_start = size - (gsize) MIN (last, size);
      *out_end = size - 1;
      return TRUE;
    }
  if (!g_ascii_isdigit (*p))
    return FALSE;
  first = g_ascii_strtoull (p, &end, 10);
  if (*end != '-')
    return FALSE;
  p = end + 1;
  if (*p == '\0' || *p == ' ')
    last = G_MAXUINT64;
  else
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      last = g_ascii_strtoull (p, &end, 10);
      if ((*end != '\0' && *end != ' ') || last < first)
        return FALSE;
    }
  if (first >= size)
    {
      *satisfiable = FALSE;
      return TRUE;
    }
  *out_start = (gsize) first;
  *out_end = (gsize) MIN (last, (guint64) size - 1);
  return TRUE;
}

/* /seldon.json, served like a static file: validators, conditional GET, a byte range. */
static void
serve_openapi (SeldonServer      *self,
               SeldonHttpRequest *request)
{
  const char *if_none_match = seldon_http_request_get_header (request, "If-None-Match");
  const char *if_modified_since = seldon_http_request_get_header (request, "If-Modified-Since");
  const char *range = seldon_http_request_get_header (request, "Range");
  gboolean not_modified = FALSE;
  gsize size, start = 0, end = 0;
  gboolean satisfiable = TRUE;

  if (self->openapi == NULL)
    {
      set_error_literal (self, request, SELDON_ERROR_NOT_FOUND, NOT_FOUND_TEXT);
      return;
    }

  if (if_none_match != NULL)
    not_modified = etag_matches (if_none_match, self->openapi_etag);
  else if (if_modified_since != NULL)
    {
      g_autoptr(GDateTime) since = soup_date_time_new_from_http_string (if_modified_since);

      not_modified = since != NULL && g_date_time_compare (since, self->openapi_modified) >= 0;
    }

  seldon_http_request_add_header (request, "Cache-Control", "no-cache");
  seldon_http_request_add_header (request, "ETag", self->openapi_etag);
  seldon_http_request_add_header (request, "Last-Modified", self->openapi_modified_text);
  if (not_modified)
    {
      set_response (request, 304, NULL, NULL);
      return;
    }
  seldon_http_request_add_header (request, "Content-Disposition", "inline; filename=seldon.json");
  seldon_http_request_add_header (request, "Accept-Ranges", "bytes");

  size = g_bytes_get_size (self->openapi);
  if (range != NULL && parse_range (range, size, &start, &end, &satisfiable))
    {
      char content_range[96];

      if (!satisfiable)
        {
          g_snprintf (content_range, sizeof content_range, "bytes */%" G_GSIZE_FORMAT, size);
          seldon_http_request_add_header (request, "Content-Range", content_range);
          set_response (request, 416, NULL, NULL);
          return;
        }
      else
        {
          g_autoptr(GBytes) part = g_bytes_new_from_bytes (self->openapi, start, end - start + 1);

          g_snprintf (content_range, sizeof content_range,
                      "bytes %" G_GSIZE_FORMAT "-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT, start, end, size);
          seldon_http_request_add_header (request, "Content-Range", content_range);
          set_response (request, 206, "application/json", part);
          return;
        }
    }
  set_response (request, 200, "application/json", self->openapi);
}

static void
serve_options (SeldonHttpRequest     *request,
               const SeldonRestRoute *route)
{
  set_response (request, 200, "text/html; charset=utf-8", NULL);
  seldon_http_request_add_header (request, "Allow", route->allow);
}

/* ---------------------------------------------------------------------------------------- */
/* Dispatch                                                                                 */
/* ---------------------------------------------------------------------------------------- */

static void
call_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SeldonRestPending *pending = user_data;
  g_autoptr(SeldonReply) reply = seldon_worker_call_finish (SELDON_WORKER (source), result);

  /* Recorded before the answer goes out, so the next scrape sees it (metrics.md §5.1), and
   * even when the client went away: the call ran. */
  if (reply != NULL)
    {
      seldon_metrics_record_reply (pending->metrics, reply);
      seldon_metrics_record_timings (pending->metrics,
                                     pending->metric_label != NULL ? pending->metric_label : "unknown",
                                     "rest", pending->queued, reply);
      seldon_span_add_reply (pending->span, reply);
    }
  /* The answer may be written (and the request finished) at once: answering until then, so
   * that only the last line frees the pending request. */
  pending->in_worker = FALSE;
  if (!pending->finished && pending->server != NULL && reply != NULL)
    {
      pending->answering = TRUE;
      set_reply (pending->request, reply);
      pending_release (pending);
      pending->answering = FALSE;
    }
  pending_maybe_free (pending);
}

static void
serve_call (SeldonServer          *self,
            SeldonRestPending     *pending,
            const SeldonRestRoute *route)
{
  SeldonHttpRequest *request = pending->request;
  GBytes *request_body = seldon_http_request_get_body (request);
  const char *content_type = seldon_http_request_get_header (request, "Content-Type");
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GError) error = NULL;
  SeldonCall *call;

  /* The request finding rules read the Content-Type only (and a multipart body's boundary). */
  if (content_type != NULL && route->reads_request)
    {
      headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
      soup_message_headers_append (headers, "Content-Type", content_type);
    }

  call = seldon_rest_request_build_call (route,
                                         headers,
                                         seldon_http_request_get_query (request),
                                         route->reads_request && g_bytes_get_size (request_body) > 0 ? request_body : NULL,
                                         self->passthrough,
                                         &error);

  if (call == NULL)
    {
      set_error (self, request, error);
      pending_release (pending);
      return;
    }

  if (self->request_timeout_ms > 0)
    call->deadline = pending->arrival + self->request_timeout_ms * 1000;

  pending->in_worker = TRUE;
  pending->queued = g_get_monotonic_time ();
  seldon_worker_call_async (self->worker, call, pending->cancellable, call_done_cb, pending);
}

static void
serve (SeldonServer      *self,
       SeldonRestPending *pending)
{
  SeldonHttpRequest *request = pending->request;
  const char *method = seldon_http_request_get_method (request);
  g_autofree char *path = seldon_rest_decode_path (seldon_http_request_get_path (request));
  const SeldonRestRoute *route = seldon_rest_route_lookup (path);

  if (route != NULL)
    {
      switch (route->kind)
        {
        case SELDON_REST_ROUTE_CALL:
          pending->metric_label = seldon_method_get_metric_label (route->method);
          break;
        case SELDON_REST_ROUTE_PING:
          pending->metric_label = "ping";
          break;
        case SELDON_REST_ROUTE_OPENAPI:
          pending->metric_label = "openapi";
          break;
        default:
          break;
        }
    }

  if (route == NULL)
    set_error_literal (self, request, SELDON_ERROR_NOT_FOUND, NOT_FOUND_TEXT);
  else if (strcmp (method, "OPTIONS") == 0)
    serve_options (request, route);
  else if (!seldon_rest_route_allows (route, method))
    {
      set_error_literal (self, request, SELDON_ERROR_METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED_TEXT);
      seldon_http_request_add_header (request, "Allow", route->allow);
    }
  else
    {
      switch (route->kind)
        {
        case SELDON_REST_ROUTE_PING:
          set_response_static (request, 200, "text/html; charset=utf-8", "pong");
          break;
        case SELDON_REST_ROUTE_OPENAPI:
          serve_openapi (self, request);
          break;
        case SELDON_REST_ROUTE_CALL:
          serve_call (self, pending, route);
          return;
        default:
          g_assert_not_reached ();
        }
    }
  pending_release (pending);
}

static void
worker_ready_cb (SeldonServer *self)
{
  SeldonRestPending *pending;

  if (!seldon_worker_is_ready (self->worker))
    return;

  while ((pending = g_queue_pop_head (&self->held)) != NULL)
    {
      pending->held = FALSE;
      serve (self, pending);
    }
}

/* A complete request on the REST listener. */
static void
handle_request (SeldonHttpRequest *request,
                gpointer           user_data)
{
  SeldonServer *self = user_data;
  SeldonRestPending *pending;
  gint64 too_large = seldon_http_request_get_too_large (request);

  /* Over max-body-bytes (from Content-Length, or while reading a chunked body): answered by
   * the HTTP level, before any route, as Werkzeug does. */
  if (too_large > 0)
    {
      g_autofree char *text = NULL;

      text = g_strdup_printf ("Request body too large: %" G_GINT64_FORMAT " bytes (limit %" G_GINT64_FORMAT ")",
                              too_large, self->max_body_bytes);
      set_error_literal (self, request, SELDON_ERROR_TOO_LARGE, text);
      seldon_http_request_set_close (request);
      server_respond (self, request);
      return;
    }

  pending = pending_new (self, request);

  if (self->stopped)
    {
      set_error_literal (self, request, SELDON_ERROR_UNAVAILABLE, "The server is shutting down");
      pending_release (pending);
      return;
    }

  /* configuration.md §4.3: nothing is answered before the model is loaded. */
  if (!seldon_worker_is_ready (self->worker))
    {
      if (self->draining || (self->max_queued > 0 && (int) self->held.length >= self->max_queued))
        {
          set_error_literal (self, request, SELDON_ERROR_UNAVAILABLE,
                             self->draining ? "The server is shutting down"
                                            : "Too many requests are waiting for the model to load");
          pending_release (pending);
          return;
        }
      pending->held = TRUE;
      g_queue_push_tail (&self->held, pending);
      return;
    }

  serve (self, pending);
}

/* ---------------------------------------------------------------------------------------- */
/* Access log                                                                               */
/* ---------------------------------------------------------------------------------------- */

static const char *const months[] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* One line per answered request, in gunicorn's default access-log format. */
static void
access_log (SeldonServer      *self,
            SeldonHttpRequest *request)
{
  const char *method = seldon_http_request_get_method (request);
  const char *path = seldon_http_request_get_path (request);
  const char *query = seldon_http_request_get_query (request);
  const char *host = seldon_http_request_get_remote_host (request);
  const char *referer = seldon_http_request_get_header (request, "Referer");
  const char *agent = seldon_http_request_get_header (request, "User-Agent");
  guint status = seldon_http_request_get_status (request);
  gsize sent = seldon_http_request_get_sent_body_size (request);
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *zone = NULL;
  g_autoptr(GString) line = NULL;

  if (method == NULL || path == NULL)
    return;

  now = g_date_time_new_now_local ();
  zone = g_date_time_format (now, "%z");
  line = g_string_new (NULL);
  g_string_append_printf (line, "%s - - [%02d/%s/%04d:%02d:%02d:%02d %s] \"%s %s%s%s HTTP/1.%d\" %u %" G_GSIZE_FORMAT " \"%s\" \"%s\"\n",
                          host != NULL ? host : "-",
                          g_date_time_get_day_of_month (now),
                          months[g_date_time_get_month (now) - 1],
                          g_date_time_get_year (now),
                          g_date_time_get_hour (now),
                          g_date_time_get_minute (now),
                          g_date_time_get_second (now),
                          zone,
                          method,
                          path,
                          query != NULL ? "?" : "",
                          query != NULL ? query : "",
                          seldon_http_request_get_minor_version (request),
                          status,
                          sent,
                          referer != NULL ? referer : "-",
                          agent != NULL ? agent : "-");

  if (self->filter_metrics_access_logs && self->metrics_endpoint != NULL &&
      *self->metrics_endpoint != '\0' && strstr (line->str, self->metrics_endpoint) != NULL)
    return;

  fwrite (line->str, 1, line->len, stdout);
  fflush (stdout);
}

/* The HTTP layer is done with a request of either listener: answered (@completed) or not. */
static void
request_finished_cb (SeldonHttpRequest *request,
                     gboolean           completed,
                     gpointer           user_data)
{
  SeldonServer *self = user_data;
  SeldonRestPending *pending = seldon_http_request_get_data (request);

  if (pending != NULL)
    pending_finished (pending);
  if (completed && self->access_log)
    access_log (self, request);
}

/* ---------------------------------------------------------------------------------------- */
/* The metrics listener (metrics.md §1)                                                     */
/* ---------------------------------------------------------------------------------------- */

#define METRICS_ALLOW "GET, HEAD, OPTIONS"

/* The metrics app has no JSON error handler: the web framework's plain HTML pages. */
static void
set_metrics_error_page (SeldonHttpRequest *request,
                        guint              status,
                        const char        *description)
{
  const char *phrase = seldon_http_status_get_phrase (status);
  g_autofree char *page = NULL;
  g_autoptr(GBytes) body = NULL;
  gsize len;

  page = g_strdup_printf ("<!doctype html>\n<html lang=en>\n<title>%u %s</title>\n<h1>%s</h1>\n<p>%s</p>\n",
                          status, phrase, phrase, description);
  len = strlen (page);
  body = g_bytes_new_take (g_steal_pointer (&page), len);
  set_response (request, status, "text/html; charset=utf-8", body);
}

static void
handle_metrics (SeldonHttpRequest *request,
                gpointer           user_data)
{
  SeldonServer *self = user_data;
  const char *method = seldon_http_request_get_method (request);
  g_autofree char *decoded = seldon_rest_decode_path (seldon_http_request_get_path (request));

  if (g_strcmp0 (decoded, self->metrics_endpoint) != 0)
    set_metrics_error_page (request, 404, NOT_FOUND_DESCRIPTION);
  else if (strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0)
    {
      const char *accept = seldon_http_request_get_header (request, "Accept");
      SeldonMetricsFormat format = seldon_metrics_negotiate (accept);
      g_autoptr(GBytes) body = seldon_metrics_render (self->metrics, format);

      set_response (request, 200, seldon_metrics_format_get_content_type (format), body);
    }
  else if (strcmp (method, "OPTIONS") == 0)
    {
      set_response (request, 200, "text/html; charset=utf-8", NULL);
      seldon_http_request_add_header (request, "Allow", METRICS_ALLOW);
    }
  else
    {
      set_metrics_error_page (request, 405, METHOD_NOT_ALLOWED_DESCRIPTION);
      seldon_http_request_add_header (request, "Allow", METRICS_ALLOW);
    }
  server_respond (self, request);
}

/* ---------------------------------------------------------------------------------------- */
/* Shutdown                                                                                 */
/* ---------------------------------------------------------------------------------------- */

/* Stops accepting connections: the REST listening socket is closed, and so are the idle
 * kept-alive connections; connections with a request in progress keep working, and their
 * answers close them. */
static void
stop_accepting (SeldonServer *self)
{
  if (self->http == NULL || !self->listening)
    return;
  self->listening = FALSE;

  seldon_http_server_stop_accepting (self->http);
}

/* Answers every held request with 503. */
static void
release_held (SeldonServer *self)
{
  SeldonRestPending *pending;

  while ((pending = g_queue_pop_head (&self->held)) != NULL)
    {
      pending->held = FALSE;
      set_error_literal (self, pending->request, SELDON_ERROR_UNAVAILABLE, "The server is shutting down");
      pending_release (pending);
    }
}

static void
finish_shutdown (SeldonServer *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->shutdown_task);

  if (self->shutdown_timeout != NULL)
    {
      g_source_destroy (self->shutdown_timeout);
      g_clear_pointer (&self->shutdown_timeout, g_source_unref);
    }
  if (self->shutdown_cancel_id != 0 && task != NULL)
    g_cancellable_disconnect (g_task_get_cancellable (task), self->shutdown_cancel_id);
  self->shutdown_cancel_id = 0;

  seldon_server_stop (self);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

static void
server_check_drained (SeldonServer *self)
{
  if (self->shutdown_task != NULL && g_hash_table_size (self->pendings) == 0 &&
      (self->grpc == NULL || seldon_grpc_server_is_drained (self->grpc)))
    finish_shutdown (self);
}

static void
grpc_drained_cb (gpointer user_data)
{
  server_check_drained (user_data);
}

static gboolean
shutdown_timeout_cb (gpointer user_data)
{
  SeldonServer *self = user_data;

  g_clear_pointer (&self->shutdown_timeout, g_source_unref);
  g_message ("Graceful shutdown timed out with %u request(s) in progress",
             g_hash_table_size (self->pendings));
  finish_shutdown (self);
  return G_SOURCE_REMOVE;
}

static gboolean
shutdown_cancelled_idle (gpointer user_data)
{
  SeldonServer *self = user_data;

  if (self->shutdown_task != NULL)
    finish_shutdown (self);
  return G_SOURCE_REMOVE;
}

static void
shutdown_cancelled_cb (GCancellable *cancellable,
                       gpointer      user_data)
{
  SeldonServer *self = user_data;

  GSource *idle = g_idle_source_new ();

  /* May run in any thread, and inside g_cancellable_connect(): finish later, from the
   * server's context (never from here: finishing disconnects from @cancellable). */
  g_source_set_static_name (idle, "[seldon] shutdown cancelled");
  g_source_set_callback (idle, shutdown_cancelled_idle, g_object_ref (self), g_object_unref);
  g_source_attach (idle, g_task_get_context (self->shutdown_task));
  g_source_unref (idle);
}

/* ---------------------------------------------------------------------------------------- */
/* GObject                                                                                  */
/* ---------------------------------------------------------------------------------------- */

static void
load_openapi (SeldonServer *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *checksum = NULL;
  g_autoptr(GDateTime) now = NULL;

  self->openapi = g_resource_lookup_data (seldon_get_resource (), OPENAPI_RESOURCE,
                                          G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (self->openapi == NULL)
    {
      g_critical ("The OpenAPI document is missing: %s", error->message);
      return;
    }

  checksum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, self->openapi);
  self->openapi_etag = g_strdup_printf ("\"%.32s\"", checksum);
  /* The document is built into the library: "modified" when this server started. */
  now = g_date_time_new_now_utc ();
  self->openapi_modified = g_date_time_new_utc (g_date_time_get_year (now),
                                                g_date_time_get_month (now),
                                                g_date_time_get_day_of_month (now),
                                                g_date_time_get_hour (now),
                                                g_date_time_get_minute (now),
                                                g_date_time_get_second (now));
  self->openapi_modified_text = soup_date_time_to_string (self->openapi_modified, SOUP_DATE_HTTP);
}

static void
seldon_server_constructed (GObject *object)
{
  SeldonServer *self = SELDON_SERVER (object);
  gboolean pretty = FALSE, sort_keys = TRUE, ascii = TRUE, single_threaded = FALSE;
  guint n_threads;

  G_OBJECT_CLASS (seldon_server_parent_class)->constructed (object);

  g_assert (self->worker != NULL);
  if (self->config == NULL)
    self->config = seldon_config_new ();

  g_object_get (self->config,
                "listen-address", &self->listen_address,
                "http-port", &self->port_setting,
                "max-body-bytes", &self->max_body_bytes,
                "request-timeout-ms", &self->request_timeout_ms,
                "payload-passthrough", &self->passthrough,
                "keepalive", &self->keepalive,
                "single-threaded", &single_threaded,
                "access-log", &self->access_log,
                "filter-metrics-access-logs", &self->filter_metrics_access_logs,
                "metrics-endpoint", &self->metrics_endpoint,
                "metrics-port", &self->metrics_port_setting,
                "max-queued", &self->max_queued,
                "json-pretty", &pretty,
                "json-sort-keys", &sort_keys,
                "json-ascii", &ascii,
                NULL);
  self->write_flags = (pretty ? SELDON_JSON_WRITE_PRETTY : 0) |
                      (sort_keys ? SELDON_JSON_WRITE_SORT_KEYS : 0) |
                      (ascii ? SELDON_JSON_WRITE_ASCII : 0);

  /* Upstream's synchronous (one-thread) worker closes every connection (configuration.md
   * §6.2); so does a keep-alive of 0. */
  n_threads = seldon_worker_get_n_threads (self->worker);
  self->connection_close = n_threads <= 1 || single_threaded || self->keepalive <= 0;

  load_openapi (self);

  /* The request path stays encoded: the request line is measured and the path decoded here,
   * as Werkzeug does. */
  {
    SeldonHttpSettings settings = {
      .server_header = "seldon-microservice",
      .max_body_bytes = self->max_body_bytes,
      .keepalive = self->keepalive,
      .io_timeout = IO_TIMEOUT_SECONDS,
      .always_close = self->connection_close,
    };
    static const SeldonHttpHandler rest_handler = { handle_request, request_finished_cb };
    static const SeldonHttpHandler metrics_handler = { handle_metrics, request_finished_cb };

    self->http = seldon_http_server_new (&settings, &rest_handler, self);
    settings.always_close = FALSE;
    self->metrics_http = seldon_http_server_new (&settings, &metrics_handler, self);
  }

  self->metrics = seldon_metrics_new (self->config, SELDON_METRICS_FLAGS_BUILTIN);
  seldon_metrics_set_worker (self->metrics, self->worker);

  self->ready_id = g_signal_connect_swapped (self->worker, "notify::ready",
                                             G_CALLBACK (worker_ready_cb), self);
}

static void
seldon_server_dispose (GObject *object)
{
  SeldonServer *self = SELDON_SERVER (object);
  GHashTableIter iter;
  SeldonRestPending *pending;

  if (self->ready_id != 0)
    g_clear_signal_handler (&self->ready_id, self->worker);

  if (self->shutdown_task != NULL)
    finish_shutdown (self);
  g_clear_pointer (&self->grpc, seldon_grpc_server_free);
  grpc_unwatch (self);

  /* Requests still in the worker are freed when their call completes; the others when the HTTP
   * finishes their message, below. */
  if (self->pendings != NULL)
    {
      g_hash_table_iter_init (&iter, self->pendings);
      while (g_hash_table_iter_next (&iter, (gpointer *) &pending, NULL))
        {
          pending->server = NULL;
          pending->held = FALSE;
          g_cancellable_cancel (pending->cancellable);
        }
      g_hash_table_remove_all (self->pendings);
    }
  g_queue_clear (&self->held);

  /* Closes every connection: the requests not in the worker are freed now. */
  g_clear_pointer (&self->http, seldon_http_server_free);
  g_clear_pointer (&self->metrics_http, seldon_http_server_free);
  g_clear_object (&self->worker);

  G_OBJECT_CLASS (seldon_server_parent_class)->dispose (object);
}

static void
seldon_server_finalize (GObject *object)
{
  SeldonServer *self = SELDON_SERVER (object);

  g_clear_pointer (&self->pendings, g_hash_table_unref);
  g_clear_object (&self->http_socket);
  g_clear_object (&self->metrics_socket);
  g_clear_object (&self->grpc_socket);
  g_clear_object (&self->config);
  g_clear_pointer (&self->listen_address, g_free);
  g_clear_pointer (&self->metrics_endpoint, g_free);
  g_clear_pointer (&self->metrics, seldon_metrics_unref);
  g_clear_pointer (&self->tracer, seldon_tracer_unref);
  g_clear_pointer (&self->openapi, g_bytes_unref);
  g_clear_pointer (&self->openapi_etag, g_free);
  g_clear_pointer (&self->openapi_modified, g_date_time_unref);
  g_clear_pointer (&self->openapi_modified_text, g_free);

  G_OBJECT_CLASS (seldon_server_parent_class)->finalize (object);
}

static void
seldon_server_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SeldonServer *self = SELDON_SERVER (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    case PROP_WORKER:
      g_value_set_object (value, self->worker);
      break;
    case PROP_HTTP_PORT:
      g_value_set_uint (value, self->http_port);
      break;
    case PROP_METRICS_PORT:
      g_value_set_uint (value, self->metrics_port);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
seldon_server_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SeldonServer *self = SELDON_SERVER (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;
    case PROP_WORKER:
      self->worker = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
seldon_server_class_init (SeldonServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = seldon_server_constructed;
  object_class->dispose = seldon_server_dispose;
  object_class->finalize = seldon_server_finalize;
  object_class->get_property = seldon_server_get_property;
  object_class->set_property = seldon_server_set_property;


  /**
   * SeldonServer:config:
   *
   * The settings: listen address and port, body limit, request timeout, keep-alive,
   * payload passthrough, access log, JSON output flags. Read once, when the server is
   * created. A default [class@Seldon.Config] is used when none is given.
   *
   * Since: 1.0
   */
  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL,
                         SELDON_TYPE_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SeldonServer:worker:
   *
   * The worker that runs the calls. Requests wait until it is ready.
   *
   * Since: 1.0
   */
  properties[PROP_WORKER] =
    g_param_spec_object ("worker", NULL, NULL,
                         SELDON_TYPE_WORKER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SeldonServer:http-port:
   *
   * The port the server listens on, once [method@Seldon.Server.listen] succeeded (the real
   * port when [property@Seldon.Config:http-port] is 0); 0 before.
   *
   * Since: 1.0
   */
  properties[PROP_HTTP_PORT] =
    g_param_spec_uint ("http-port", NULL, NULL,
                       0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SeldonServer:metrics-port:
   *
   * The port the metrics listener listens on, once [method@Seldon.Server.listen] succeeded
   * (the real port when [property@Seldon.Config:metrics-port] is 0); 0 before.
   *
   * Since: 1.0
   */
  properties[PROP_METRICS_PORT] =
    g_param_spec_uint ("metrics-port", NULL, NULL,
                       0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

}

static void
seldon_server_init (SeldonServer *self)
{
  self->pendings = g_hash_table_new (NULL, NULL);
  g_queue_init (&self->held);
}

/**
 * seldon_server_new:
 * @config: (nullable): the settings, or %NULL for the defaults
 * @worker: the worker that runs the calls
 *
 * Creates a REST server. It does not listen until [method@Seldon.Server.listen].
 *
 * Returns: (transfer full): a new server
 *
 * Since: 1.0
 */
SeldonServer *
seldon_server_new (SeldonConfig *config,
                   SeldonWorker *worker)
{
  g_return_val_if_fail (config == NULL || SELDON_IS_CONFIG (config), NULL);
  g_return_val_if_fail (SELDON_IS_WORKER (worker), NULL);

  return g_object_new (SELDON_TYPE_SERVER,
                       "config", config,
                       "worker", worker,
                       NULL);
}

/* A socket listening on @address:@port (GSocket's default backlog of 10 stalls clients that
 * connect in a burst), or @given, the socket given with seldon_server_add_socket(). */
static GSocket *
open_listener (GSocket       *given,
               GInetAddress  *address,
               int            port,
               GError       **error)
{
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocket) socket = NULL;

  if (given != NULL)
    return g_object_ref (given);

  socket_address = g_inet_socket_address_new (address, (guint16) port);
  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, socket_address, TRUE, error) ||
      !g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

/* The real port of a listening socket (port 0 picks one). */
static guint
get_local_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);

  return G_IS_INET_SOCKET_ADDRESS (local) ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)) : 0;
}

/* Listens on @address:@port, or on @given. */
static gboolean
listen_on (SeldonHttpServer *http,
           GSocket       *given,
           GInetAddress  *address,
           int            port,
           guint         *out_port,
           GError       **error)
{
  g_autoptr(GSocket) socket = open_listener (given, address, port, error);

  if (socket == NULL || !seldon_http_server_add_listener (http, socket, error))
    return FALSE;
  *out_port = get_local_port (socket);
  return TRUE;
}

/**
 * seldon_server_add_socket:
 * @self: a [class@Seldon.Server]
 * @listener: which listener @socket is for
 * @socket: a bound, listening stream socket
 * @error: return location for a #GError
 *
 * Makes [method@Seldon.Server.listen] serve @listener on @socket instead of binding its port,
 * as with systemd socket activation (`sd_listen_fds()`). The listen address and port settings
 * of that listener are then not used; [property@Seldon.Server:http-port] and
 * [property@Seldon.Server:metrics-port] report the socket's port. The server takes a
 * reference on @socket and closes it when it stops.
 *
 * Call it before [method@Seldon.Server.listen], at most once per listener.
 *
 * Returns: %TRUE on success; %FALSE with @error set when the server already listens, the
 *   listener already has a socket, @socket is not a listening stream socket, or the listener
 *   is not supported (%G_IO_ERROR_NOT_SUPPORTED)
 *
 * Since: 1.0
 */
gboolean
seldon_server_add_socket (SeldonServer    *self,
                          SeldonListener   listener,
                          GSocket         *socket,
                          GError         **error)
{
  GSocket **slot;
  int accepting = 0;
  socklen_t len = sizeof accepting;

  g_return_val_if_fail (SELDON_IS_SERVER (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  switch (listener)
    {
    case SELDON_LISTENER_HTTP:
      slot = &self->http_socket;
      break;
    case SELDON_LISTENER_METRICS:
      slot = &self->metrics_socket;
      break;
    case SELDON_LISTENER_GRPC:
      slot = &self->grpc_socket;
      break;
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Listener %d cannot be given a socket", (int) listener);
      return FALSE;
    }

  if (self->listening || self->stopped)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           self->stopped ? "The server was stopped" : "The server is already listening");
      return FALSE;
    }
  if (*slot != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                           "The listener already has a socket");
      return FALSE;
    }
  if (g_socket_get_socket_type (socket) != G_SOCKET_TYPE_STREAM ||
      getsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0 ||
      !accepting)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "The socket is not a listening stream socket");
      return FALSE;
    }

  *slot = g_object_ref (socket);
  return TRUE;
}

/* Loads grpc core and hands it the listening socket: the connection that woke us up and
 * every later one go to it. */
static gboolean
grpc_start (SeldonServer  *self,
            GError       **error)
{
  /* the gRPC front is a module of its own (seldon-grpc-module-private.h) */
  if (!seldon_grpc_server_load (error))
    return FALSE;
  self->grpc = seldon_grpc_server_new (self->config, self->worker, self->metrics);
  seldon_grpc_server_set_tracer (self->grpc, self->tracer);
  if (!seldon_grpc_server_add_socket (self->grpc, self->grpc_socket, error) ||
      !seldon_grpc_server_listen (self->grpc, error))
    {
      g_clear_pointer (&self->grpc, seldon_grpc_server_free);
      return FALSE;
    }
  g_debug ("gRPC: started for the first connection");
  return TRUE;
}

/* A connection waits on the gRPC socket, and grpc core is not loaded yet. */
static gboolean
grpc_connection_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  SeldonServer *self = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->grpc_watch, g_source_unref);
  if (!grpc_start (self, &error))
    {
      /* REST keeps serving; gRPC clients see the port closed */
      g_critical ("gRPC is not available: %s", error->message);
      g_socket_close (self->grpc_socket, NULL);
    }
  return G_SOURCE_REMOVE;
}

/* Stops waiting for the first gRPC connection, and closes the socket (once grpc core owns
 * the socket, it closes it itself). */
static void
grpc_unwatch (SeldonServer *self)
{
  if (self->grpc_watch == NULL)
    return;
  g_source_destroy (self->grpc_watch);
  g_clear_pointer (&self->grpc_watch, g_source_unref);
  if (self->grpc_socket != NULL)
    g_socket_close (self->grpc_socket, NULL);
}

/* The gRPC listener (grpc-api.md §1), unless grpc-workers is 0 (decisions.md D2). The port is
 * bound now; grpc core starts with the first connection (grpc_connection_cb()). */
static gboolean
listen_grpc (SeldonServer  *self,
             GInetAddress  *address,
             GError       **error)
{
  int grpc_workers = 1;
  int port = 0;

  g_object_get (self->config, "grpc-workers", &grpc_workers, "grpc-port", &port, NULL);
  if (grpc_workers <= 0)
    return TRUE;

  /* a broken installation stops the start, not the first gRPC call */
  if (!seldon_grpc_server_probe (error))
    return FALSE;

  if (self->grpc_socket == NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if (port < 0 || port > G_MAXUINT16)
        {
          g_set_error (error, SELDON_ERROR, SELDON_ERROR_INVALID_CONFIG, "Invalid gRPC port %d", port);
          return FALSE;
        }
      self->grpc_socket = open_listener (NULL, address, port, &local_error);
      if (self->grpc_socket == NULL)
        {
          g_autoptr(GSocketAddress) where = g_inet_socket_address_new (address, (guint16) port);
          g_autofree char *text = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (where));

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                       "Cannot listen on %s for gRPC (address in use or not available): %s",
                       text, local_error->message);
          return FALSE;
        }
    }
  self->grpc_port = get_local_port (self->grpc_socket);

  self->grpc_watch = g_socket_create_source (self->grpc_socket, G_IO_IN, NULL);
  g_source_set_static_name (self->grpc_watch, "[seldon] first gRPC connection");
  g_source_set_callback (self->grpc_watch, G_SOURCE_FUNC (grpc_connection_cb), self, NULL);
  g_source_attach (self->grpc_watch, g_main_context_get_thread_default ());
  return TRUE;
}

/**
 * seldon_server_listen:
 * @self: a [class@Seldon.Server]
 * @error: return location for a #GError
 *
 * Starts listening on [property@Seldon.Config:listen-address] (an IP address; `0.0.0.0`
 * means every IPv4 address): REST on [property@Seldon.Config:http-port] and the metrics on
 * [property@Seldon.Config:metrics-port] (0 picks a free port, see
 * [property@Seldon.Server:http-port] and [property@Seldon.Server:metrics-port]), or on the
 * sockets given with [method@Seldon.Server.add_socket]. Unless
 * [property@Seldon.Config:grpc-workers] is 0, it also serves the Seldon gRPC services, gRPC
 * health checking and server reflection on [property@Seldon.Config:grpc-port] (see
 * [method@Seldon.Server.get_grpc_port]); gRPC calls run on the same worker as REST calls.
 * Requests are served from the thread-default main context of the caller.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
seldon_server_listen (SeldonServer  *self,
                      GError       **error)
{
  g_autoptr(GInetAddress) address = NULL;
  guint http_port = 0, metrics_port = 0;

  g_return_val_if_fail (SELDON_IS_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->listening || self->stopped)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           self->stopped ? "The server was stopped" : "The server is already listening");
      return FALSE;
    }
  if (self->port_setting < 0 || self->port_setting > G_MAXUINT16)
    {
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_INVALID_CONFIG,
                   "Invalid HTTP port %d", self->port_setting);
      return FALSE;
    }
  if (self->metrics_port_setting < 0 || self->metrics_port_setting > G_MAXUINT16)
    {
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_INVALID_CONFIG,
                   "Invalid metrics port %d", self->metrics_port_setting);
      return FALSE;
    }
  /* Flask refuses a route that does not start with '/' (metrics.md §1). */
  if (self->metrics_endpoint == NULL || self->metrics_endpoint[0] != '/')
    {
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_INVALID_CONFIG,
                   "Invalid metrics endpoint “%s”: it must start with “/”",
                   self->metrics_endpoint != NULL ? self->metrics_endpoint : "");
      return FALSE;
    }

  if (self->listen_address == NULL || *self->listen_address == '\0')
    address = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  else if (strcmp (self->listen_address, "localhost") == 0)
    address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    address = g_inet_address_new_from_string (self->listen_address);
  if (address == NULL)
    {
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_INVALID_CONFIG,
                   "Invalid listen address “%s”: an IP address is expected", self->listen_address);
      return FALSE;
    }

  /* configuration.md §7: a tracing configuration that cannot work stops the start */
  if (self->tracer == NULL)
    {
      g_autoptr(GError) tracing_error = NULL;

      self->tracer = seldon_tracer_new (self->config, &tracing_error);
      if (tracing_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&tracing_error));
          return FALSE;
        }
      if (self->tracer != NULL)
        g_info ("Tracing: spans go to %s as service “%s”", seldon_tracer_get_endpoint (self->tracer),
                seldon_tracer_get_service_name (self->tracer));
    }

  if (!listen_on (self->http, self->http_socket, address, self->port_setting, &http_port, error))
    return FALSE;
  if (!listen_on (self->metrics_http, self->metrics_socket, address, self->metrics_port_setting,
                  &metrics_port, error))
    {
      g_prefix_error (error, "Metrics port %d: ", self->metrics_port_setting);
      seldon_http_server_close_all (self->http);
      return FALSE;
    }

  if (!listen_grpc (self, address, error))
    {
      seldon_server_stop (self);
      return FALSE;
    }

  self->listening = TRUE;
  self->http_port = http_port;
  self->metrics_port = metrics_port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HTTP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_METRICS_PORT]);
  return TRUE;
}

/**
 * seldon_server_get_http_port:
 * @self: a [class@Seldon.Server]
 *
 * Gets [property@Seldon.Server:http-port].
 *
 * Returns: the port the server listens on, or 0
 *
 * Since: 1.0
 */
guint
seldon_server_get_http_port (SeldonServer *self)
{
  g_return_val_if_fail (SELDON_IS_SERVER (self), 0);

  return self->http_port;
}

/**
 * seldon_server_get_metrics_port:
 * @self: a [class@Seldon.Server]
 *
 * Gets [property@Seldon.Server:metrics-port].
 *
 * Returns: the port the metrics listener listens on, or 0
 *
 * Since: 1.0
 */
guint
seldon_server_get_metrics_port (SeldonServer *self)
{
  g_return_val_if_fail (SELDON_IS_SERVER (self), 0);

  return self->metrics_port;
}

/**
 * seldon_server_get_grpc_port:
 * @self: a [class@Seldon.Server]
 *
 * Gets the port of the gRPC listener: [property@Seldon.Config:grpc-port], or the port picked
 * when that is 0, or the port of the socket given with [method@Seldon.Server.add_socket].
 *
 * Returns: the port the gRPC listener listens on, or 0 when it does not listen (before
 *   [method@Seldon.Server.listen], or when [property@Seldon.Config:grpc-workers] is 0)
 *
 * Since: 1.0
 */
guint
seldon_server_get_grpc_port (SeldonServer *self)
{
  g_return_val_if_fail (SELDON_IS_SERVER (self), 0);

  return self->grpc_port;
}

/* seldon-metrics-private.h: the registry, for the other fronts (gRPC) and the tests. */
SeldonMetrics *
seldon_server_get_metrics (SeldonServer *self)
{
  g_return_val_if_fail (SELDON_IS_SERVER (self), NULL);

  return self->metrics;
}

/**
 * seldon_server_stop:
 * @self: a [class@Seldon.Server]
 *
 * Stops at once: closes the listening socket and every connection. Requests in progress get
 * no answer (calls already running in the worker finish there, unseen). See
 * [method@Seldon.Server.shutdown_async] for a graceful stop.
 *
 * Since: 1.0
 */
void
seldon_server_stop (SeldonServer *self)
{
  g_return_if_fail (SELDON_IS_SERVER (self));

  if (self->stopped)
    return;
  self->stopped = TRUE;
  self->draining = TRUE;
  self->listening = FALSE;
  release_held (self);
  if (self->grpc != NULL)
    seldon_grpc_server_stop (self->grpc);
  grpc_unwatch (self);
  if (self->http != NULL)
    seldon_http_server_close_all (self->http);
  if (self->metrics_http != NULL)
    seldon_http_server_close_all (self->metrics_http);
}

/**
 * seldon_server_shutdown_async:
 * @self: a [class@Seldon.Server]
 * @cancellable: (nullable): cancel to stop at once
 * @callback: (scope async): called when the server stopped
 * @user_data: data for @callback
 *
 * Stops gracefully: stops accepting connections, answers requests still waiting for the
 * model to load with status 503, lets the requests in progress finish (their answers carry
 * `Connection: close`), then closes every connection. After
 * [property@Seldon.Config:graceful-timeout] seconds, or when @cancellable is cancelled, it
 * stops at once like [method@Seldon.Server.stop].
 *
 * Since: 1.0
 */
void
seldon_server_shutdown_async (SeldonServer        *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  int graceful_timeout = 30;

  g_return_if_fail (SELDON_IS_SERVER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, seldon_server_shutdown_async);
  g_task_set_check_cancellable (task, FALSE);

  if (self->shutdown_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "The server is already shutting down");
      return;
    }
  if (self->stopped)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  self->draining = TRUE;
  stop_accepting (self);
  release_held (self);
  if (self->grpc != NULL)
    seldon_grpc_server_drain (self->grpc, grpc_drained_cb, self);
  grpc_unwatch (self);

  self->shutdown_task = g_steal_pointer (&task);
  g_object_get (self->config, "graceful-timeout", &graceful_timeout, NULL);
  self->shutdown_timeout = g_timeout_source_new_seconds ((guint) MAX (graceful_timeout, 0));
  g_source_set_static_name (self->shutdown_timeout, "[seldon] graceful shutdown");
  g_source_set_callback (self->shutdown_timeout, shutdown_timeout_cb, self, NULL);
  g_source_attach (self->shutdown_timeout, g_task_get_context (self->shutdown_task));
  if (cancellable != NULL)
    self->shutdown_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (shutdown_cancelled_cb),
                                                      self, NULL);

  if (self->shutdown_task != NULL)
    server_check_drained (self);
}

/**
 * seldon_server_shutdown_finish:
 * @self: a [class@Seldon.Server]
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Seldon.Server.shutdown_async].
 *
 * Returns: %TRUE when the server stopped
 *
 * Since: 1.0
 */
gboolean
seldon_server_shutdown_finish (SeldonServer  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (SELDON_IS_SERVER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
