/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A small HTTP/1.1 server on non-blocking GSockets, driven by a GMainContext: the transport
 * of the REST and metrics listeners of SeldonServer.
 *
 * It reads requests incrementally (request line, headers, Content-Length or chunked bodies,
 * `Expect: 100-continue`, pipelining), applies the HTTP limits (request line, header count and
 * size, header block, body size) and answers malformed requests itself with a plain HTML
 * error page and `Connection: close`. A request whose body is complete is handed to the
 * request callback; the owner answers it later with seldon_http_request_respond(), from the
 * same context. Requests of one connection are answered in order, one at a time. The answer
 * (status line, headers, body) leaves in one sendmsg() when the socket takes it. The
 * connections of one server are watched by one epoll instance and one GSource.
 *
 * Connections idle between requests are closed after the keep-alive time, connections that
 * stall while a request is read or an answer written after the I/O timeout. A connection that
 * ends (the client went away, an error, seldon_http_server_close_all()) while a request is
 * taken by the owner aborts that request: the finished callback says so.
 */

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _SeldonHttpServer  SeldonHttpServer;
typedef struct _SeldonHttpRequest SeldonHttpRequest;

typedef struct
{
  /* The request is complete (or its body is over the limit, see
   * seldon_http_request_get_too_large()): answer it, now or later. */
  void (*request)  (SeldonHttpRequest *request,
                    gpointer           user_data);
  /* The answer was written (@completed) or the request was aborted (not @completed): called
   * once for every request given to the request callback, and for every request the server
   * answered itself (limits, malformed HTTP) whose request line could be read. */
  void (*finished) (SeldonHttpRequest *request,
                    gboolean           completed,
                    gpointer           user_data);
} SeldonHttpHandler;

typedef struct
{
  const char *server_header;   /* the `Server` header, or NULL */
  gint64      max_body_bytes;  /* <= 0: no limit */
  int         keepalive;       /* seconds an idle kept-alive connection stays open */
  int         io_timeout;      /* seconds: a new connection's first request, stalled transfers */
  gboolean    always_close;    /* every answer closes its connection */
} SeldonHttpSettings;

/* The HTTP limits (configuration.md §6.2: gunicorn's). */
#define SELDON_HTTP_MAX_REQUEST_LINE      4094
#define SELDON_HTTP_MAX_HEADER_FIELDS     100
#define SELDON_HTTP_MAX_HEADER_FIELD_SIZE 8190
/* The whole request head (request line and header fields): 431 beyond. */
#define SELDON_HTTP_MAX_HEAD              (64 * 1024)

SeldonHttpServer  *seldon_http_server_new            (const SeldonHttpSettings *settings,
                                                      const SeldonHttpHandler  *handler,
                                                      gpointer                  user_data);
/* Closes everything as close_all() does (the finished callback still runs for the requests in
 * progress), then frees. */
void               seldon_http_server_free           (SeldonHttpServer         *server);
/* Serves @socket (bound and listening) from the thread-default main context. */
gboolean           seldon_http_server_add_listener   (SeldonHttpServer         *server,
                                                      GSocket                  *socket,
                                                      GError                  **error);
/* Closes the listening sockets, and the connections that wait for a request with nothing
 * read; from now on every answer closes its connection. */
void               seldon_http_server_stop_accepting (SeldonHttpServer         *server);
/* Closes the listening sockets and every connection, aborting the requests in progress. */
void               seldon_http_server_close_all      (SeldonHttpServer         *server);
guint              seldon_http_server_get_n_connections (SeldonHttpServer      *server);

SeldonHttpRequest *seldon_http_request_ref           (SeldonHttpRequest        *request);
void               seldon_http_request_unref         (SeldonHttpRequest        *request);

/* One pointer for the owner. */
void               seldon_http_request_set_data      (SeldonHttpRequest        *request,
                                                      gpointer                  data);
gpointer           seldon_http_request_get_data      (SeldonHttpRequest        *request);

const char        *seldon_http_request_get_method    (SeldonHttpRequest        *request);
/* The request target's path and query as sent (still percent-encoded); query NULL if none. */
const char        *seldon_http_request_get_path      (SeldonHttpRequest        *request);
const char        *seldon_http_request_get_query     (SeldonHttpRequest        *request);
/* 0 for HTTP/1.0, 1 for HTTP/1.1 */
int                seldon_http_request_get_minor_version (SeldonHttpRequest    *request);
/* The first field named @name (ASCII case-insensitive), or NULL. */
const char        *seldon_http_request_get_header    (SeldonHttpRequest        *request,
                                                      const char               *name);
/* A SeldonTraceLookupFunc (seldon-tracing-private.h) over the request's header fields
 * (@request: the SeldonHttpRequest *): every field named @name, joined with ", ", or NULL.
 * The string stays valid until the next call or the request's end. */
const char        *seldon_http_request_lookup_header (const char               *name,
                                                      gpointer                  request);
/* The body (never NULL once complete; empty when there is none). */
GBytes            *seldon_http_request_get_body      (SeldonHttpRequest        *request);
/* The body is over max_body_bytes: its size as far as known (Content-Length, or the chunks
 * read so far); 0 otherwise. The body is not kept; the answer closes the connection. */
gint64             seldon_http_request_get_too_large (SeldonHttpRequest        *request);
/* The client's address ("127.0.0.1", "::1"), or NULL when unknown. */
const char        *seldon_http_request_get_remote_host (SeldonHttpRequest      *request);
/* Whether the request is still waiting for its answer on a live connection. */
gboolean           seldon_http_request_is_active     (SeldonHttpRequest        *request);

/* The answer. Status and body may be set again until it is sent; header fields accumulate.
 * `Server`, `Date`, `Content-Length` and `Connection` are added when it is sent. */
void               seldon_http_request_set_status    (SeldonHttpRequest        *request,
                                                      guint                     status);
guint              seldon_http_request_get_status    (SeldonHttpRequest        *request);
void               seldon_http_request_set_body      (SeldonHttpRequest        *request,
                                                      const char               *content_type,
                                                      GBytes                   *body);
/* Appends a header field (the value must not contain CR or LF). */
void               seldon_http_request_add_header    (SeldonHttpRequest        *request,
                                                      const char               *name,
                                                      const char               *value);
/* The answer closes the connection. */
void               seldon_http_request_set_close     (SeldonHttpRequest        *request);
/* Bytes of body the answer carries (0 for HEAD, 204, 304). */
gsize              seldon_http_request_get_sent_body_size (SeldonHttpRequest   *request);
/* Sends the answer; nothing happens when the request is no longer active. */
void               seldon_http_request_respond       (SeldonHttpRequest        *request);

/* The reason phrase of @status ("Not Found"), or "Unknown". */
const char        *seldon_http_status_get_phrase     (guint                     status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeldonHttpRequest, seldon_http_request_unref)

G_END_DECLS
