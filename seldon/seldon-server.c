/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <libsoup/soup.h>

#include "seldon-error.h"
#include "seldon-metrics-private.h"
#include "seldon-resources.h"
#include "seldon-rest-request-private.h"
#include "seldon-server.h"
#include "seldon-worker-private.h"

/**
 * SeldonServer:
 *
 * The REST front of the Seldon microservice, on libsoup.
 *
 * It listens on [property@Seldon.Config:listen-address] and
 * [property@Seldon.Config:http-port], serves the routes of the Seldon v1 REST API with exact
 * path matching, and finds each call's request in the HTTP request (multipart form, `json`
 * form field or query parameter, JSON body). The main loop never runs model code: the
 * message is paused, the call runs on the [class@Seldon.Worker], and the answer is written
 * when it comes back. `/health/ping`, `/seldon.json`, `OPTIONS`, and the 404 and 405
 * answers are produced by the front itself.
 *
 * Until the worker is ready (its component's `load()` returned) every request waits, so no
 * route answers before the model is loaded.
 *
 * Limits: a request body larger than [property@Seldon.Config:max-body-bytes] is answered with
 * status 413 (at once when the client waits for `100-continue`, otherwise once the body was
 * read and thrown away); a request line longer than 4094 bytes, more than 100 header fields or
 * a header field longer than 8190 bytes with a plain 400. A request whose header block exceeds
 * libsoup's own limit (64 KiB) is dropped by libsoup without an answer. An idle keep-alive
 * connection is closed after [property@Seldon.Config:keepalive] seconds, a new connection that
 * sends nothing after 30 seconds; with a single worker thread (or a keep-alive of 0) every
 * answer carries `Connection: close`.
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

/* The HTTP limits upstream's server applies (configuration.md §6.2). */
#define MAX_REQUEST_LINE 4094
#define MAX_HEADER_FIELDS 100
#define MAX_HEADER_FIELD_SIZE 8190

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
  SoupServer    *soup;
  gulong         ready_id;

  /* The metrics listener and the registry (metrics.md) */
  SeldonMetrics *metrics;
  SoupServer    *metrics_soup;
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

  guint          http_port;
  gboolean       listening;
  gboolean       draining;
  gboolean       stopped;

  /* GSocket* => ConnState*: every open connection. */
  GHashTable    *connections;
  /* Closes idle connections (see ConnState): due at sweep_time, -1 when no timer is armed. */
  GSource       *sweep;
  gint64         sweep_time;

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
 * One request from the moment the handler takes it until libsoup is done with the message
 * ("finished": answered, or the client went away, or the server stopped) and, if it went to
 * the worker, until the worker answered. The message is referenced, so a call completing after
 * the client left never touches freed memory; its answer is then dropped.
 */
typedef struct
{
  SeldonServer      *server;      /* NULL once the server is disposed */
  SeldonMetrics     *metrics;
  const char        *metric_label; /* `method` label of the request metrics (static) */
  SoupServerMessage *msg;
  gulong             disconnected_id;
  GCancellable      *cancellable;
  gint64             arrival;     /* monotonic µs */
  gboolean           paused;
  gboolean           held;        /* in server->held */
  gboolean           in_worker;
  gboolean           finished;
} SeldonRestPending;

static void server_check_drained (SeldonServer *self);
static void server_cork (SeldonServer *self, SoupServerMessage *msg);

/* The SeldonRestPending of a message, as qdata of the message. */
static GQuark pending_quark;

static void
pending_free (SeldonRestPending *pending)
{
  g_object_set_qdata (G_OBJECT (pending->msg), pending_quark, NULL);
  if (pending->disconnected_id != 0)
    g_signal_handler_disconnect (pending->msg, pending->disconnected_id);
  g_clear_object (&pending->msg);
  g_clear_object (&pending->cancellable);
  g_clear_pointer (&pending->metrics, seldon_metrics_unref);
  g_free (pending);
}

static void
pending_maybe_free (SeldonRestPending *pending)
{
  SeldonServer *self = pending->server;

  if (!pending->finished || pending->in_worker || pending->held)
    return;

  if (self != NULL)
    g_hash_table_remove (self->pendings, pending);
  seldon_metrics_request_finished (pending->metrics,
                                   pending->metric_label != NULL ? pending->metric_label : "unknown",
                                   "rest", soup_server_message_get_status (pending->msg),
                                   g_get_monotonic_time () - pending->arrival);
  pending_free (pending);
  if (self != NULL)
    server_check_drained (self);
}

static void
pending_finished_cb (SoupServerMessage *msg,
                     gpointer           user_data)
{
  SeldonRestPending *pending = user_data;

  if (pending->finished)
    return;
  pending->finished = TRUE;
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
             SoupServerMessage *msg)
{
  SeldonRestPending *pending = g_new0 (SeldonRestPending, 1);

  pending->server = self;
  pending->metrics = seldon_metrics_ref (self->metrics);
  seldon_metrics_request_started (pending->metrics);
  pending->msg = g_object_ref (msg);
  pending->cancellable = g_cancellable_new ();
  pending->arrival = g_get_monotonic_time ();
  /* libsoup is done with the message: the server's "request-finished" or "request-aborted"
   * (request_done_cb(), emitted right after the message's "finished"). A message whose
   * connection is closed while it is paused (the server stops) may only get "disconnected". */
  g_object_set_qdata (G_OBJECT (msg), pending_quark, pending);
  pending->disconnected_id = g_signal_connect (msg, "disconnected", G_CALLBACK (pending_finished_cb), pending);
  g_hash_table_add (self->pendings, pending);
  return pending;
}

static void
pending_pause (SeldonRestPending *pending)
{
  if (!pending->paused)
    {
      soup_server_message_pause (pending->msg);
      pending->paused = TRUE;
    }
}

/* The answer is set: let libsoup write it. */
static void
pending_release (SeldonRestPending *pending)
{
  /* Shutting down: this connection serves no further request. */
  if (pending->server != NULL && pending->server->draining && !pending->finished)
    soup_message_headers_replace (soup_server_message_get_response_headers (pending->msg),
                                  "Connection", "close");

  if (pending->server != NULL && !pending->finished)
    server_cork (pending->server, pending->msg);

  if (pending->paused && !pending->finished)
    {
      pending->paused = FALSE;
      soup_server_message_unpause (pending->msg);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Writing answers                                                                          */
/* ---------------------------------------------------------------------------------------- */

static void
set_response (SoupServerMessage *msg,
              guint              status,
              const char        *content_type,
              GBytes            *body)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *response_body = soup_server_message_get_response_body (msg);
  gsize len = body != NULL ? g_bytes_get_size (body) : 0;

  if (status < 100 || status > 599)
    status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
  soup_server_message_set_status (msg, status, NULL);
  if (content_type != NULL)
    soup_message_headers_replace (headers, "Content-Type", content_type);
  else
    soup_message_headers_remove (headers, "Content-Type");
  soup_message_body_truncate (response_body);
  if (len > 0)
    soup_message_body_append_bytes (response_body, body);
  soup_message_headers_set_content_length (headers, (goffset) len);
}

static void
set_response_static (SoupServerMessage *msg,
                     guint              status,
                     const char        *content_type,
                     const char        *text)
{
  g_autoptr(GBytes) body = g_bytes_new_static (text, strlen (text));

  set_response (msg, status, content_type, body);
}

static void
set_reply (SoupServerMessage *msg,
           const SeldonReply *reply)
{
  set_response (msg, reply->http_status, reply->content_type, reply->body);
}

static void
set_error (SeldonServer      *self,
           SoupServerMessage *msg,
           const GError      *error)
{
  g_autoptr(SeldonReply) reply = seldon_reply_new_error (error, self->write_flags);
  gsize size = 0;
  const char *body = g_bytes_get_data (reply->body, &size);
  char status[16];

  /* rest-api.md §8.1: every error answer is logged with its error object, as the engine does
   * for the ones it makes (WARNING: GLib's ERROR level aborts). */
  g_snprintf (status, sizeof status, "%u", reply->http_status);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                    "SELDON_HTTP_STATUS", status,
                    "MESSAGE", "%.*s", (int) (size > 0 ? size - 1 : 0), body);
  set_reply (msg, reply);
}

static void
set_error_literal (SeldonServer      *self,
                   SoupServerMessage *msg,
                   SeldonError        code,
                   const char        *message)
{
  g_autoptr(GError) error = g_error_new_literal (SELDON_ERROR, code, message);

  set_error (self, msg, error);
}

/* The plain error page the HTTP layer answers malformed requests with (rest-api.md §8.3). */
static void
set_http_error (SoupServerMessage *msg,
                guint              status,
                const char        *detail)
{
  const char *phrase = soup_status_get_phrase (status);
  g_autofree char *page = NULL;
  g_autoptr(GBytes) body = NULL;
  gsize len;

  page = g_strdup_printf ("<html>\n  <head><title>%s</title></head>\n  <body>\n"
                          "    <h1>%s</h1>\n    <p>%s</p>\n  </body>\n</html>\n",
                          phrase, phrase, detail);
  len = strlen (page);
  body = g_bytes_new_take (g_steal_pointer (&page), len);
  set_response (msg, status, "text/html", body);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Flask-CORS with its defaults: every response, whatever its status. */
static void
add_cors_headers (SoupServerMessage *msg)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *origin = soup_message_headers_get_one (request, "Origin");

  if (origin != NULL && *origin != '\0')
    {
      soup_message_headers_replace (response, "Access-Control-Allow-Origin", origin);
      soup_message_headers_append (response, "Vary", "Origin");
    }
  else
    soup_message_headers_replace (response, "Access-Control-Allow-Origin", "*");

  /* A preflight: only when it names a method of the list (Flask-CORS tests the upper-cased
   * value as a substring of the list). */
  if (strcmp (soup_server_message_get_method (msg), "OPTIONS") == 0)
    {
      const char *request_method = soup_message_headers_get_one (request, "Access-Control-Request-Method");
      const char *request_headers = soup_message_headers_get_one (request, "Access-Control-Request-Headers");
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
                soup_message_headers_replace (response, "Access-Control-Allow-Headers", joined);
            }
          soup_message_headers_replace (response, "Access-Control-Allow-Methods", CORS_METHODS);
        }
    }
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

/* /seldon.json, served like a static file: validators, conditional GET, ranges (libsoup). */
static void
serve_openapi (SeldonServer      *self,
               SoupServerMessage *msg)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *if_none_match = soup_message_headers_get_one (request, "If-None-Match");
  const char *if_modified_since = soup_message_headers_get_one (request, "If-Modified-Since");
  gboolean not_modified = FALSE;

  if (self->openapi == NULL)
    {
      set_error_literal (self, msg, SELDON_ERROR_NOT_FOUND, NOT_FOUND_TEXT);
      return;
    }

  if (if_none_match != NULL)
    not_modified = etag_matches (if_none_match, self->openapi_etag);
  else if (if_modified_since != NULL)
    {
      g_autoptr(GDateTime) since = soup_date_time_new_from_http_string (if_modified_since);

      not_modified = since != NULL && g_date_time_compare (since, self->openapi_modified) >= 0;
    }

  soup_message_headers_replace (response, "Cache-Control", "no-cache");
  soup_message_headers_replace (response, "ETag", self->openapi_etag);
  soup_message_headers_replace (response, "Last-Modified", self->openapi_modified_text);
  if (not_modified)
    {
      set_response (msg, SOUP_STATUS_NOT_MODIFIED, NULL, NULL);
      return;
    }
  soup_message_headers_replace (response, "Content-Disposition", "inline; filename=seldon.json");
  soup_message_headers_replace (response, "Accept-Ranges", "bytes");
  set_response (msg, SOUP_STATUS_OK, "application/json", self->openapi);
}

static void
serve_options (SoupServerMessage     *msg,
               const SeldonRestRoute *route)
{
  set_response (msg, SOUP_STATUS_OK, "text/html; charset=utf-8", NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", route->allow);
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

  pending->in_worker = FALSE;
  /* Recorded before the answer goes out, so the next scrape sees it (metrics.md §5.1), and
   * even when the client went away: the call ran. */
  if (reply != NULL)
    seldon_metrics_record_reply (pending->metrics, reply);
  if (!pending->finished && pending->server != NULL && reply != NULL)
    {
      set_reply (pending->msg, reply);
      pending_release (pending);
    }
  pending_maybe_free (pending);
}

static void
serve_call (SeldonServer          *self,
            SeldonRestPending     *pending,
            const SeldonRestRoute *route)
{
  SoupServerMessage *msg = pending->msg;
  GUri *uri = soup_server_message_get_uri (msg);
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  SeldonCall *call;

  if (route->reads_request && request_body != NULL && request_body->length > 0)
    body = soup_message_body_flatten (request_body);

  call = seldon_rest_request_build_call (route,
                                         soup_server_message_get_request_headers (msg),
                                         g_uri_get_query (uri),
                                         body,
                                         self->passthrough,
                                         &error);
  /* The worker works on its own copy; the request body is no longer needed. */
  g_clear_pointer (&body, g_bytes_unref);
  if (request_body != NULL)
    soup_message_body_truncate (request_body);

  if (call == NULL)
    {
      set_error (self, msg, error);
      pending_release (pending);
      return;
    }

  if (self->request_timeout_ms > 0)
    call->deadline = pending->arrival + self->request_timeout_ms * 1000;

  pending_pause (pending);
  pending->in_worker = TRUE;
  seldon_worker_call_async (self->worker, call, pending->cancellable, call_done_cb, pending);
}

static void
serve (SeldonServer      *self,
       SeldonRestPending *pending)
{
  SoupServerMessage *msg = pending->msg;
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *path = seldon_rest_decode_path (g_uri_get_path (soup_server_message_get_uri (msg)));
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
    set_error_literal (self, msg, SELDON_ERROR_NOT_FOUND, NOT_FOUND_TEXT);
  else if (strcmp (method, "OPTIONS") == 0)
    serve_options (msg, route);
  else if (!seldon_rest_route_allows (route, method))
    {
      set_error_literal (self, msg, SELDON_ERROR_METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED_TEXT);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", route->allow);
    }
  else
    {
      switch (route->kind)
        {
        case SELDON_REST_ROUTE_PING:
          set_response_static (msg, SOUP_STATUS_OK, "text/html; charset=utf-8", "pong");
          break;
        case SELDON_REST_ROUTE_OPENAPI:
          serve_openapi (self, msg);
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

static void
handle_request (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  SeldonServer *self = user_data;
  SeldonRestPending *pending = pending_new (self, msg);

  if (self->stopped)
    {
      set_error_literal (self, msg, SELDON_ERROR_UNAVAILABLE, "The server is shutting down");
      return;
    }

  /* configuration.md §4.3: nothing is answered before the model is loaded. */
  if (!seldon_worker_is_ready (self->worker))
    {
      if (self->draining || (self->max_queued > 0 && (int) self->held.length >= self->max_queued))
        {
          set_error_literal (self, msg, SELDON_ERROR_UNAVAILABLE,
                             self->draining ? "The server is shutting down"
                                            : "Too many requests are waiting for the model to load");
          return;
        }
      pending_pause (pending);
      pending->held = TRUE;
      g_queue_push_tail (&self->held, pending);
      return;
    }

  serve (self, pending);
}

/* ---------------------------------------------------------------------------------------- */
/* Connection-level handling: limits, idle timeouts, access log                             */
/* ---------------------------------------------------------------------------------------- */

/*
 * Idle connections. libsoup 3.2 has no idle timeout, and a socket timeout (g_socket_set_timeout)
 * does not reach its wait for the next request on a kept-alive connection, so each connection
 * gets a timer: armed whenever the connection waits for a request (keepalive seconds once it
 * served one, IO_TIMEOUT_SECONDS for a new connection), disarmed once a request's headers are
 * in. When it fires the socket is shut down: libsoup sees the end of the stream and closes the
 * connection. While a request is transferred, the socket timeout bounds stalls.
 *
 * The timers are deadlines in the connection states, and one source of the server (the sweep)
 * is due at the earliest of them: arming a timer later than that, as every answer does on a
 * busy server, only stores the deadline.
 *
 * While an answer is written the socket is corked (TCP_CORK), so that the status line and
 * headers, which libsoup writes on their own, leave in one segment with the body: one send
 * for the client to wake up to instead of two. The end of the message uncorks it.
 */
typedef struct
{
  SeldonServer *server;
  GSocket      *socket;      /* weak: the entry goes when the socket does */
  gint64        deadline;    /* monotonic µs when the idle connection is closed; 0 = none */
  gboolean      used;
  gboolean      corked;
} ConnState;

static void
conn_state_disarm (ConnState *conn)
{
  conn->deadline = 0;
}

static void
conn_state_free (ConnState *conn)
{
  g_free (conn);
}

static void
conn_state_set_cork (ConnState *conn,
                     gboolean   cork)
{
  int value = cork ? 1 : 0;

  if (conn->corked == cork)
    return;
  conn->corked = cork;
  /* Not a TCP socket (or an old kernel): answers are then written as before. */
  (void) setsockopt (g_socket_get_fd (conn->socket), IPPROTO_TCP, TCP_CORK, &value, sizeof value);
}

static void
conn_socket_gone_cb (gpointer  data,
                     GObject  *where_the_socket_was)
{
  ConnState *conn = data;

  g_hash_table_remove (conn->server->connections, where_the_socket_was);
  conn_state_free (conn);
}

static ConnState *
conn_state_get (SeldonServer *self,
                GSocket      *socket)
{
  ConnState *conn = g_hash_table_lookup (self->connections, socket);

  if (conn == NULL)
    {
      conn = g_new0 (ConnState, 1);
      conn->server = self;
      conn->socket = socket;
      g_object_weak_ref (G_OBJECT (socket), conn_socket_gone_cb, conn);
      g_hash_table_insert (self->connections, socket, conn);
    }
  return conn;
}

/* The answer of @msg is about to be written: see ConnState. */
static void
server_cork (SeldonServer      *self,
             SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  if (socket != NULL && !self->stopped)
    conn_state_set_cork (conn_state_get (self, socket), TRUE);
}

/* Server disposal: forget every connection (libsoup closes them). */
static void
conn_states_clear (SeldonServer *self)
{
  GHashTableIter iter;
  ConnState *conn;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conn))
    {
      g_object_weak_unref (G_OBJECT (conn->socket), conn_socket_gone_cb, conn);
      conn_state_free (conn);
      g_hash_table_iter_remove (&iter);
    }
}

static void
server_schedule_sweep (SeldonServer *self,
                       gint64        when)
{
  if (self->sweep == NULL || self->sweep_time == when)
    return;
  self->sweep_time = when;
  g_source_set_ready_time (self->sweep, when);
}

/* Shuts the connections down whose idle time is up: libsoup then sees the end of the stream
 * and closes them. */
static gboolean
sweep_cb (gpointer user_data)
{
  SeldonServer *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 next = -1;
  GHashTableIter iter;
  ConnState *conn;

  self->sweep_time = -1;
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conn))
    {
      if (conn->deadline == 0)
        continue;
      if (conn->deadline <= now)
        {
          conn->deadline = 0;
          g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
        }
      else if (next < 0 || conn->deadline < next)
        next = conn->deadline;
    }
  g_source_set_ready_time (self->sweep, next);
  self->sweep_time = next;
  return G_SOURCE_CONTINUE;
}

static gboolean
sweep_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs sweep_funcs = {
  NULL, NULL, sweep_dispatch, NULL, NULL, NULL,
};

static void
conn_state_arm (ConnState *conn,
                guint      seconds)
{
  SeldonServer *self = conn->server;

  conn->deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  if (self->sweep == NULL)
    {
      self->sweep = g_source_new (&sweep_funcs, sizeof (GSource));
      g_source_set_static_name (self->sweep, "[seldon] idle connections");
      g_source_set_callback (self->sweep, sweep_cb, self, NULL);
      g_source_attach (self->sweep, g_main_context_get_thread_default ());
    }
  if (self->sweep_time < 0 || conn->deadline < self->sweep_time)
    server_schedule_sweep (self, conn->deadline);
}

static guint
idle_seconds (SeldonServer *self,
              ConnState    *conn)
{
  return conn->used ? (guint) MAX (self->keepalive, 1) : IO_TIMEOUT_SECONDS;
}

static void
body_chunk_cb (SoupServerMessage *msg,
               GBytes            *chunk,
               gpointer           user_data)
{
  SeldonServer *self = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autofree char *text = NULL;

  if (soup_server_message_get_status (msg) != 0 || body->length <= (goffset) self->max_body_bytes)
    return;

  /* Chunked (or unannounced) body over the limit: answer 413 once the rest is drained,
   * without keeping it. */
  text = g_strdup_printf ("Request body too large: %" G_GINT64_FORMAT " bytes (limit %" G_GINT64_FORMAT ")",
                          (gint64) body->length, self->max_body_bytes);
  set_error_literal (self, msg, SELDON_ERROR_TOO_LARGE, text);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  soup_message_body_set_accumulate (body, FALSE);
  soup_message_body_truncate (body);
}

typedef struct
{
  int count;
  gsize longest;
  gboolean has_range;
} HeaderStats;

static void
header_stats_cb (const char *name,
                 const char *value,
                 gpointer    user_data)
{
  HeaderStats *stats = user_data;

  stats->count++;
  stats->longest = MAX (stats->longest, strlen (name) + 2 + strlen (value));
  if (g_ascii_strcasecmp (name, "Range") == 0)
    stats->has_range = TRUE;
}

/* Runs once the request headers are read, before the body. */
static void
handle_headers (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  SeldonServer *self = user_data;
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  GSocket *socket = soup_server_message_get_socket (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  const char *method = soup_server_message_get_method (msg);
  const char *raw_path = g_uri_get_path (uri);
  const char *raw_query = g_uri_get_query (uri);
  g_autofree char *decoded = NULL;
  HeaderStats stats = { 0, 0, FALSE };
  gsize line_length;
  goffset content_length;

  if (socket != NULL)
    {
      ConnState *conn = conn_state_get (self, socket);

      conn_state_disarm (conn);
      if (!conn->used)
        g_socket_set_timeout (socket, IO_TIMEOUT_SECONDS);
      conn->used = TRUE;
    }

  add_cors_headers (msg);
  if (self->connection_close || self->draining)
    soup_message_headers_replace (response, "Connection", "close");

  /* The request line as sent: METHOD SP target SP HTTP/1.x (raw-paths keeps it encoded). */
  line_length = strlen (method) + 1 + strlen (raw_path) +
                (raw_query != NULL ? 1 + strlen (raw_query) : 0) + 1 + strlen ("HTTP/1.1");
  if (line_length > MAX_REQUEST_LINE)
    {
      g_autofree char *detail = g_strdup_printf ("Request line is too large (%" G_GSIZE_FORMAT " &gt; %d)",
                                                 line_length, MAX_REQUEST_LINE);

      set_http_error (msg, SOUP_STATUS_BAD_REQUEST, detail);
      return;
    }

  soup_message_headers_foreach (request, header_stats_cb, &stats);
  if (stats.count > MAX_HEADER_FIELDS)
    {
      g_autofree char *detail = g_strdup_printf ("Too many header fields (%d &gt; %d)",
                                                 stats.count, MAX_HEADER_FIELDS);

      set_http_error (msg, SOUP_STATUS_BAD_REQUEST, detail);
      return;
    }
  if (stats.longest > MAX_HEADER_FIELD_SIZE)
    {
      g_autofree char *detail = g_strdup_printf ("Request header field is too large (%" G_GSIZE_FORMAT " &gt; %d)",
                                                 stats.longest, MAX_HEADER_FIELD_SIZE);

      set_http_error (msg, SOUP_STATUS_BAD_REQUEST, detail);
      return;
    }

  /* Byte ranges make sense for the OpenAPI file only; libsoup would apply them to any GET. */
  if (stats.has_range)
    {
      decoded = seldon_rest_decode_path (raw_path);
      if (g_strcmp0 (decoded, "/seldon.json") != 0)
        soup_message_headers_remove (request, "Range");
    }

  if (self->max_body_bytes > 0)
    {
      if (soup_message_headers_get_encoding (request) == SOUP_ENCODING_CONTENT_LENGTH)
        {
          content_length = soup_message_headers_get_content_length (request);
          if (content_length > self->max_body_bytes)
            {
              g_autofree char *text = NULL;

              text = g_strdup_printf ("Request body too large: %" G_GINT64_FORMAT " bytes (limit %" G_GINT64_FORMAT ")",
                                      (gint64) content_length, self->max_body_bytes);
              set_error_literal (self, msg, SELDON_ERROR_TOO_LARGE, text);
              soup_message_headers_replace (response, "Connection", "close");
              /* libsoup still reads the body (unless the client waits for 100-continue);
               * don't keep it. */
              soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
            }
        }
      else
        g_signal_connect_object (msg, "got-chunk", G_CALLBACK (body_chunk_cb), self, 0);
    }
}

static const char *const months[] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* One line per answered request, in gunicorn's default access-log format. */
static void
access_log_cb (SoupServerMessage *msg,
               gpointer           user_data)
{
  SeldonServer *self = user_data;
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  const char *host = soup_server_message_get_remote_host (msg);
  const char *referer = soup_message_headers_get_one (request, "Referer");
  const char *agent = soup_message_headers_get_one (request, "User-Agent");
  guint status = soup_server_message_get_status (msg);
  goffset sent = soup_server_message_get_response_body (msg)->length;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *zone = g_date_time_format (now, "%z");
  g_autoptr(GString) line = g_string_new (NULL);

  if (method == NULL || uri == NULL)
    return;
  if (strcmp (method, "HEAD") == 0 || status == SOUP_STATUS_NOT_MODIFIED ||
      status == SOUP_STATUS_NO_CONTENT)
    sent = 0;

  g_string_append_printf (line, "%s - - [%02d/%s/%04d:%02d:%02d:%02d %s] \"%s %s%s%s HTTP/1.%d\" %u %" G_GOFFSET_FORMAT " \"%s\" \"%s\"\n",
                          host != NULL ? host : "-",
                          g_date_time_get_day_of_month (now),
                          months[g_date_time_get_month (now) - 1],
                          g_date_time_get_year (now),
                          g_date_time_get_hour (now),
                          g_date_time_get_minute (now),
                          g_date_time_get_second (now),
                          zone,
                          method,
                          g_uri_get_path (uri),
                          g_uri_get_query (uri) != NULL ? "?" : "",
                          g_uri_get_query (uri) != NULL ? g_uri_get_query (uri) : "",
                          soup_server_message_get_http_version (msg) == SOUP_HTTP_1_0 ? 0 : 1,
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

/* The server's "request-finished" and "request-aborted", emitted right after the message's
 * "finished": the answer is out (or the message failed), the connection waits for the next
 * request. */
static void
request_done_cb (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  SeldonServer *self = user_data;
  SeldonRestPending *pending = g_object_get_qdata (G_OBJECT (msg), pending_quark);
  GSocket *socket = soup_server_message_get_socket (msg);

  if (pending != NULL)
    pending_finished_cb (msg, pending);

  if (socket != NULL && self->soup != NULL && !self->stopped)
    {
      ConnState *conn = conn_state_get (self, socket);

      conn_state_set_cork (conn, FALSE);
      conn_state_arm (conn, idle_seconds (self, conn));
    }
}

/* A new message: a connection was accepted, or (kept alive) got the start of its next request. */
static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  SeldonServer *self = user_data;
  GSocket *socket = soup_server_message_get_socket (msg);

  if (socket != NULL)
    {
      ConnState *conn = conn_state_get (self, socket);

      conn_state_arm (conn, idle_seconds (self, conn));
    }

  if (self->access_log)
    g_signal_connect_object (msg, "wrote-body", G_CALLBACK (access_log_cb), self, 0);
}

/* ---------------------------------------------------------------------------------------- */
/* The metrics listener (metrics.md §1)                                                     */
/* ---------------------------------------------------------------------------------------- */

#define METRICS_ALLOW "GET, HEAD, OPTIONS"

/* The metrics app has no JSON error handler: the web framework's plain HTML pages. */
static void
set_metrics_error_page (SoupServerMessage *msg,
                        guint              status,
                        const char        *description)
{
  const char *phrase = soup_status_get_phrase (status);
  g_autofree char *page = NULL;
  g_autoptr(GBytes) body = NULL;
  gsize len;

  page = g_strdup_printf ("<!doctype html>\n<html lang=en>\n<title>%u %s</title>\n<h1>%s</h1>\n<p>%s</p>\n",
                          status, phrase, phrase, description);
  len = strlen (page);
  body = g_bytes_new_take (g_steal_pointer (&page), len);
  set_response (msg, status, "text/html; charset=utf-8", body);
}

/* Runs once the request headers are read. */
static void
handle_metrics_headers (SoupServer        *soup,
                        SoupServerMessage *msg,
                        const char        *path,
                        GHashTable        *query,
                        gpointer           user_data)
{
  SeldonServer *self = user_data;
  GSocket *socket = soup_server_message_get_socket (msg);

  if (socket != NULL)
    {
      ConnState *conn = conn_state_get (self, socket);

      conn_state_disarm (conn);
      if (!conn->used)
        g_socket_set_timeout (socket, IO_TIMEOUT_SECONDS);
      conn->used = TRUE;
    }
  add_cors_headers (msg);
  if (self->draining)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  /* libsoup would apply a Range header to the exposition */
  soup_message_headers_remove (soup_server_message_get_request_headers (msg), "Range");
}

static void
handle_metrics (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  SeldonServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  g_autofree char *decoded = seldon_rest_decode_path (g_uri_get_path (soup_server_message_get_uri (msg)));

  if (g_strcmp0 (decoded, self->metrics_endpoint) != 0)
    set_metrics_error_page (msg, SOUP_STATUS_NOT_FOUND, NOT_FOUND_DESCRIPTION);
  else if (strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0)
    {
      const char *accept = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Accept");
      SeldonMetricsFormat format = seldon_metrics_negotiate (accept);
      g_autoptr(GBytes) body = seldon_metrics_render (self->metrics, format);

      set_response (msg, SOUP_STATUS_OK, seldon_metrics_format_get_content_type (format), body);
    }
  else if (strcmp (method, "OPTIONS") == 0)
    {
      set_response (msg, SOUP_STATUS_OK, "text/html; charset=utf-8", NULL);
      soup_message_headers_replace (response, "Allow", METRICS_ALLOW);
    }
  else
    {
      set_metrics_error_page (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED_DESCRIPTION);
      soup_message_headers_replace (response, "Allow", METRICS_ALLOW);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Shutdown                                                                                 */
/* ---------------------------------------------------------------------------------------- */

/* Stops accepting connections; connections already open keep working. */
static void
stop_accepting (SeldonServer *self)
{
  GSList *listeners;

  if (self->soup == NULL || !self->listening)
    return;
  self->listening = FALSE;

  /* libsoup 3.2 has no call to close only the listening sockets. Shutting one down makes its
   * pending accept() fail, which removes libsoup's watch; the socket itself is closed by
   * soup_server_disconnect(). New connections are refused from now on. */
  listeners = soup_server_get_listeners (self->soup);
  for (GSList *l = listeners; l != NULL; l = l->next)
    g_socket_shutdown (l->data, TRUE, FALSE, NULL);
  g_slist_free (listeners);
}

/* Answers every held request with 503. */
static void
release_held (SeldonServer *self)
{
  SeldonRestPending *pending;

  while ((pending = g_queue_pop_head (&self->held)) != NULL)
    {
      pending->held = FALSE;
      set_error_literal (self, pending->msg, SELDON_ERROR_UNAVAILABLE, "The server is shutting down");
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
  if (self->shutdown_task != NULL && g_hash_table_size (self->pendings) == 0)
    finish_shutdown (self);
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

  /* raw-paths: the request line is measured and the path decoded here, as Werkzeug does. */
  self->soup = soup_server_new ("server-header", "seldon-microservice",
                                "raw-paths", TRUE,
                                NULL);
  soup_server_add_early_handler (self->soup, NULL, handle_headers, self, NULL);
  soup_server_add_handler (self->soup, NULL, handle_request, self, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (request_started_cb), self);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (request_done_cb), self);
  g_signal_connect (self->soup, "request-aborted", G_CALLBACK (request_done_cb), self);

  self->metrics = seldon_metrics_new (self->config, SELDON_METRICS_FLAGS_BUILTIN);
  self->metrics_soup = soup_server_new ("server-header", "seldon-microservice",
                                        "raw-paths", TRUE,
                                        NULL);
  soup_server_add_early_handler (self->metrics_soup, NULL, handle_metrics_headers, self, NULL);
  soup_server_add_handler (self->metrics_soup, NULL, handle_metrics, self, NULL);
  g_signal_connect (self->metrics_soup, "request-started", G_CALLBACK (request_started_cb), self);
  g_signal_connect (self->metrics_soup, "request-finished", G_CALLBACK (request_done_cb), self);
  g_signal_connect (self->metrics_soup, "request-aborted", G_CALLBACK (request_done_cb), self);

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

  /* Requests still in the worker are freed when their call completes; the others when libsoup
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

  if (self->soup != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->soup, self);
      soup_server_remove_handler (self->soup, NULL);
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }
  if (self->metrics_soup != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->metrics_soup, self);
      soup_server_remove_handler (self->metrics_soup, NULL);
      soup_server_disconnect (self->metrics_soup);
      g_clear_object (&self->metrics_soup);
    }
  if (self->connections != NULL)
    conn_states_clear (self);
  if (self->sweep != NULL)
    {
      g_source_destroy (self->sweep);
      g_clear_pointer (&self->sweep, g_source_unref);
    }
  g_clear_object (&self->worker);

  G_OBJECT_CLASS (seldon_server_parent_class)->dispose (object);
}

static void
seldon_server_finalize (GObject *object)
{
  SeldonServer *self = SELDON_SERVER (object);

  g_clear_pointer (&self->pendings, g_hash_table_unref);
  g_clear_pointer (&self->connections, g_hash_table_unref);
  g_clear_object (&self->config);
  g_clear_pointer (&self->listen_address, g_free);
  g_clear_pointer (&self->metrics_endpoint, g_free);
  g_clear_pointer (&self->metrics, seldon_metrics_unref);
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

  pending_quark = g_quark_from_static_string ("seldon-rest-pending");
}

static void
seldon_server_init (SeldonServer *self)
{
  self->pendings = g_hash_table_new (NULL, NULL);
  self->connections = g_hash_table_new (NULL, NULL);
  self->sweep_time = -1;
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

/* Listens on @address:@port with a socket of our own: soup_server_listen() leaves GSocket's
 * backlog of 10, and a burst of connects then stalls clients for a second. */
static gboolean
listen_on (SoupServer    *soup,
           GInetAddress  *address,
           int            port,
           guint         *out_port,
           GError       **error)
{
  g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new (address, (guint16) port);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocket) socket = NULL;

  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, socket_address, TRUE, error) ||
      !g_socket_listen (socket, error) ||
      !soup_server_listen_socket (soup, socket, 0, error))
    return FALSE;

  /* The real port (port 0 picks one). Read from the socket: soup_server_get_uris() leaks the
   * addresses it reads in libsoup 3.2. */
  local = g_socket_get_local_address (socket, NULL);
  *out_port = G_IS_INET_SOCKET_ADDRESS (local) ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)) : 0;
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
 * [property@Seldon.Server:http-port] and [property@Seldon.Server:metrics-port]). Requests are
 * served from the thread-default main context of the caller.
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

  if (!listen_on (self->soup, address, self->port_setting, &http_port, error))
    return FALSE;
  if (!listen_on (self->metrics_soup, address, self->metrics_port_setting, &metrics_port, error))
    {
      g_prefix_error (error, "Metrics port %d: ", self->metrics_port_setting);
      soup_server_disconnect (self->soup);
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
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  if (self->metrics_soup != NULL)
    soup_server_disconnect (self->metrics_soup);
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
