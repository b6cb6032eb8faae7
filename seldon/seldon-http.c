/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The HTTP/1.1 server under the REST and metrics listeners (see seldon-http-private.h).
 *
 * The connections of a server are watched by one epoll instance (level-triggered), whose fd is
 * the only one the GMainContext polls for them: one GSource per server dispatches the ready
 * connections, so the cost of a main-loop iteration does not grow with the number of open
 * connections. The same source's ready time is the earliest connection deadline. All I/O
 * goes through recv()/sendmsg() on the fds. The connection is a small state machine, run by
 * conn_drive():
 *
 *   READ_HEAD -> (READ_BODY | READ_CHUNK_* ...) -> WAIT_ANSWER -> WRITING -> READ_HEAD ...
 *                                                                         \-> LINGER -> closed
 *
 * Input is read into one buffer per connection; a request's head is copied out of it and cut
 * up in place. While the owner works on a request the connection still reads (up to a cap),
 * so that a client going away is noticed and pipelined requests wait in the buffer. A
 * connection that closes after its answer first shuts down its sending side and reads (and
 * drops) what the client still sends: closing with unread data would reset the connection
 * and could destroy the answer before the client read it.
 *
 * Deadlines are lazy: the source's ready time is only ever moved earlier when a deadline is
 * set; when it fires, every connection's deadline is checked and the timer re-armed for the
 * earliest one (a sweep per keep-alive period or so, not a timer change per request).
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "seldon-http-private.h"

/* Input buffer: its first size, and how much may wait in it while the owner works. */
#define BUFFER_INITIAL   16384
#define BUFFER_MAX_IDLE  (SELDON_HTTP_MAX_HEAD + 16384)
/* Bodies up to this size are copied behind the head, so that one send carries both. */
#define INLINE_BODY_MAX  32768
/* A chunk-size line (with extensions) and the trailer section. */
#define MAX_CHUNK_LINE   4096
#define MAX_TRAILER      SELDON_HTTP_MAX_HEAD
/* Seconds a closing connection reads what the client still sends. */
#define LINGER_SECONDS   2
/* Connections accepted per wake-up of a listener, events taken per epoll_wait(). */
#define ACCEPT_BATCH     64
#define EVENT_BATCH      64

typedef enum
{
  STATE_READ_HEAD,
  STATE_READ_BODY,
  STATE_READ_CHUNK_SIZE,
  STATE_READ_CHUNK_DATA,
  STATE_READ_CHUNK_END,
  STATE_READ_TRAILER,
  STATE_WAIT_ANSWER,
  STATE_WRITING,
  STATE_LINGER,
  STATE_CLOSED,
} ConnState;

typedef struct _Conn Conn;

struct _SeldonHttpServer
{
  SeldonHttpSettings settings;
  char              *server_header;
  SeldonHttpHandler  handler;
  gpointer           user_data;
  GPtrArray         *listeners;    /* GSource* (socket sources); their socket is the data */
  GQueue             connections;  /* Conn*, each holding a reference */
  int                epfd;
  GSource           *source;       /* polls epfd, wakes up at ready_time */
  gpointer           epfd_tag;
  gint64             ready_time;   /* -1 = none */
  gboolean           closing;      /* stop_accepting() ran: every answer closes */
  gint64             date_second;
  char               date[40];
};

struct _SeldonHttpRequest
{
  int            ref_count;
  Conn          *conn;             /* NULL once the request is no longer active */
  SeldonHttpServer *server;
  gpointer       data;

  /* The request */
  char          *head;             /* the head's copy, cut up in place */
  const char    *method;
  const char    *path;
  const char    *query;
  int            minor;
  const char   **names;
  const char   **values;
  guint          n_headers;
  GByteArray    *body_buffer;
  GBytes        *body;
  gint64         too_large;
  gboolean       is_head;
  gboolean       keep_alive;       /* the client allows another request on the connection */
  char          *remote_host;
  char          *lookup_scratch;

  /* The answer */
  guint          status;
  char          *content_type;
  GBytes        *response_body;
  GString       *response_headers;
  gboolean       close;
  gboolean       responded;
  gboolean       delivered;        /* given to the request callback */
  gboolean       finished;         /* the finished callback ran */
};

struct _Conn
{
  int               ref_count;
  SeldonHttpServer *server;
  GList            *link;          /* in server->connections */
  GSocket          *socket;
  int               fd;
  guint32           events;        /* EPOLLIN, EPOLLOUT */
  ConnState         state;

  char             *buf;
  gsize             len;
  gsize             pos;           /* parsed up to here */
  gsize             cap;
  gsize             scan;          /* where to look on for the end of the head */

  SeldonHttpRequest *request;      /* the request being read or answered */
  gint64            remaining;     /* body bytes (Content-Length or chunk) still to read */
  gint64            total;         /* chunked: body bytes so far */
  gsize             trailer;       /* bytes of trailer section so far */
  gboolean          discard;       /* the body is over the limit: not kept */

  /* The answer being written: head (with a small body inline), then body. */
  GString          *out;
  GBytes           *out_body;
  gsize             out_sent;

  guint             n_served;
  gint64            deadline;      /* monotonic µs, 0 = none */
  gboolean          readable;
  gboolean          hangup;
  gboolean          eof;
  gboolean          driving;
  gboolean          again;
  char             *remote_host;
};

static void conn_drive (Conn *conn);
static void conn_close (Conn *conn);

static Conn *
conn_ref (Conn *conn)
{
  conn->ref_count++;
  return conn;
}

static void
conn_unref (Conn *conn)
{
  if (--conn->ref_count > 0)
    return;
  g_assert (conn->request == NULL);
  g_free (conn->buf);
  if (conn->out != NULL)
    g_string_free (conn->out, TRUE);
  g_clear_pointer (&conn->out_body, g_bytes_unref);
  g_clear_object (&conn->socket);
  g_free (conn->remote_host);
  g_free (conn);
}

/* ---------------------------------------------------------------------------------------- */
/* Small helpers                                                                            */
/* ---------------------------------------------------------------------------------------- */

/* RFC 9110 tchar */
static const guint8 tchar_table[256] = {
  ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
  ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
  ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
  ['8'] = 1, ['9'] = 1,
  ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
  ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
  ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
  ['Y'] = 1, ['Z'] = 1,
  ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
  ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
  ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
  ['y'] = 1, ['z'] = 1,
};

static inline gboolean
is_tchar (char c)
{
  return tchar_table[(guint8) c] != 0;
}

static inline gboolean
is_ows (char c)
{
  return c == ' ' || c == '\t';
}

const char *
seldon_http_status_get_phrase (guint status)
{
  switch (status)
    {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 414: return "Request-URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Requested Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

static const char *const day_names[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const month_names[] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* The `Date` value (IMF-fixdate), formatted once a second. */
static const char *
server_get_date (SeldonHttpServer *server)
{
  gint64 second = g_get_real_time () / G_USEC_PER_SEC;

  if (second != server->date_second)
    {
      time_t t = (time_t) second;
      struct tm tm;

      gmtime_r (&t, &tm);
      g_snprintf (server->date, sizeof server->date, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                  day_names[tm.tm_wday % 7], tm.tm_mday, month_names[tm.tm_mon % 12],
                  tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
      server->date_second = second;
    }
  return server->date;
}

/* ---------------------------------------------------------------------------------------- */
/* Requests                                                                                 */
/* ---------------------------------------------------------------------------------------- */

static SeldonHttpRequest *
request_new (Conn *conn)
{
  SeldonHttpRequest *request = g_new0 (SeldonHttpRequest, 1);

  request->ref_count = 1;
  request->conn = conn;
  request->server = conn->server;
  request->minor = 1;
  return request;
}

SeldonHttpRequest *
seldon_http_request_ref (SeldonHttpRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);

  request->ref_count++;
  return request;
}

void
seldon_http_request_unref (SeldonHttpRequest *request)
{
  g_return_if_fail (request != NULL);

  if (--request->ref_count > 0)
    return;
  g_free (request->head);
  g_free (request->names);
  g_clear_pointer (&request->body_buffer, g_byte_array_unref);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_free (request->remote_host);
  g_free (request->lookup_scratch);
  g_free (request->content_type);
  g_clear_pointer (&request->response_body, g_bytes_unref);
  if (request->response_headers != NULL)
    g_string_free (request->response_headers, TRUE);
  g_free (request);
}

void
seldon_http_request_set_data (SeldonHttpRequest *request,
                              gpointer           data)
{
  request->data = data;
}

gpointer
seldon_http_request_get_data (SeldonHttpRequest *request)
{
  return request->data;
}

const char *
seldon_http_request_get_method (SeldonHttpRequest *request)
{
  return request->method;
}

const char *
seldon_http_request_get_path (SeldonHttpRequest *request)
{
  return request->path;
}

const char *
seldon_http_request_get_query (SeldonHttpRequest *request)
{
  return request->query;
}

int
seldon_http_request_get_minor_version (SeldonHttpRequest *request)
{
  return request->minor;
}

const char *
seldon_http_request_get_header (SeldonHttpRequest *request,
                                const char        *name)
{
  for (guint i = 0; i < request->n_headers; i++)
    if (g_ascii_strcasecmp (request->names[i], name) == 0)
      return request->values[i];
  return NULL;
}

const char *
seldon_http_request_lookup_header (const char *name,
                                   gpointer    user_data)
{
  SeldonHttpRequest *request = user_data;
  const char *first = NULL;
  GString *joined = NULL;

  for (guint i = 0; i < request->n_headers; i++)
    {
      if (g_ascii_strcasecmp (request->names[i], name) != 0)
        continue;
      if (first == NULL)
        first = request->values[i];
      else
        {
          if (joined == NULL)
            joined = g_string_new (first);
          g_string_append (joined, ", ");
          g_string_append (joined, request->values[i]);
        }
    }
  if (joined == NULL)
    return first;
  g_free (request->lookup_scratch);
  request->lookup_scratch = g_string_free (joined, FALSE);
  return request->lookup_scratch;
}

GBytes *
seldon_http_request_get_body (SeldonHttpRequest *request)
{
  if (request->body == NULL)
    request->body = g_bytes_new_static ("", 0);
  return request->body;
}

gint64
seldon_http_request_get_too_large (SeldonHttpRequest *request)
{
  return request->too_large;
}

const char *
seldon_http_request_get_remote_host (SeldonHttpRequest *request)
{
  Conn *conn = request->conn;

  if (request->remote_host == NULL && conn != NULL)
    {
      if (conn->remote_host == NULL)
        {
          g_autoptr(GSocketAddress) address = g_socket_get_remote_address (conn->socket, NULL);

          if (G_IS_INET_SOCKET_ADDRESS (address))
            conn->remote_host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
        }
      request->remote_host = g_strdup (conn->remote_host);
    }
  return request->remote_host;
}

gboolean
seldon_http_request_is_active (SeldonHttpRequest *request)
{
  return request->conn != NULL && !request->responded && !request->finished;
}

void
seldon_http_request_set_status (SeldonHttpRequest *request,
                                guint              status)
{
  request->status = status;
}

guint
seldon_http_request_get_status (SeldonHttpRequest *request)
{
  return request->status;
}

void
seldon_http_request_set_body (SeldonHttpRequest *request,
                              const char        *content_type,
                              GBytes            *body)
{
  g_free (request->content_type);
  request->content_type = g_strdup (content_type);
  g_clear_pointer (&request->response_body, g_bytes_unref);
  if (body != NULL && g_bytes_get_size (body) > 0)
    request->response_body = g_bytes_ref (body);
}

void
seldon_http_request_add_header (SeldonHttpRequest *request,
                                const char        *name,
                                const char        *value)
{
  if (request->response_headers == NULL)
    request->response_headers = g_string_sized_new (128);
  g_string_append (request->response_headers, name);
  g_string_append_len (request->response_headers, ": ", 2);
  g_string_append (request->response_headers, value);
  g_string_append_len (request->response_headers, "\r\n", 2);
}

void
seldon_http_request_set_close (SeldonHttpRequest *request)
{
  request->close = TRUE;
}

static gboolean
status_has_body (guint status)
{
  return status >= 200 && status != 204 && status != 304;
}

gsize
seldon_http_request_get_sent_body_size (SeldonHttpRequest *request)
{
  if (request->is_head || !status_has_body (request->status) || request->response_body == NULL)
    return 0;
  return g_bytes_get_size (request->response_body);
}

/* ---------------------------------------------------------------------------------------- */
/* Writing answers                                                                          */
/* ---------------------------------------------------------------------------------------- */

static void
append_uint (GString *string,
             guint64  value)
{
  char digits[24];
  int i = sizeof digits;

  do
    {
      digits[--i] = (char) ('0' + value % 10);
      value /= 10;
    }
  while (value > 0);
  g_string_append_len (string, digits + i, (gssize) sizeof digits - i);
}

/* Builds the answer of the connection's request into conn->out and conn->out_body. */
static void
conn_prepare_answer (Conn *conn)
{
  SeldonHttpServer *server = conn->server;
  SeldonHttpRequest *request = conn->request;
  gsize body_len = request->response_body != NULL ? g_bytes_get_size (request->response_body) : 0;
  gboolean send_body = body_len > 0 && !request->is_head && status_has_body (request->status);
  GString *out;

  if (request->status < 100 || request->status > 599)
    request->status = 500;
  if (!request->keep_alive || server->settings.always_close || server->closing || request->too_large > 0)
    request->close = TRUE;

  if (conn->out == NULL)
    conn->out = g_string_sized_new (512 + (send_body && body_len <= INLINE_BODY_MAX ? body_len : 0));
  out = conn->out;
  g_string_truncate (out, 0);
  g_string_append_len (out, "HTTP/1.1 ", 9);
  append_uint (out, request->status);
  g_string_append_c (out, ' ');
  g_string_append (out, seldon_http_status_get_phrase (request->status));
  g_string_append_len (out, "\r\n", 2);
  if (server->server_header != NULL)
    {
      g_string_append_len (out, "Server: ", 8);
      g_string_append (out, server->server_header);
      g_string_append_len (out, "\r\n", 2);
    }
  g_string_append_len (out, "Date: ", 6);
  g_string_append (out, server_get_date (server));
  g_string_append_len (out, "\r\n", 2);
  if (request->content_type != NULL)
    {
      g_string_append_len (out, "Content-Type: ", 14);
      g_string_append (out, request->content_type);
      g_string_append_len (out, "\r\n", 2);
    }
  if (request->response_headers != NULL)
    g_string_append_len (out, request->response_headers->str, (gssize) request->response_headers->len);
  if (status_has_body (request->status))
    {
      g_string_append_len (out, "Content-Length: ", 16);
      append_uint (out, body_len);
      g_string_append_len (out, "\r\n", 2);
    }
  if (request->close)
    g_string_append_len (out, "Connection: close\r\n", 19);
  else if (request->minor == 0)
    g_string_append_len (out, "Connection: keep-alive\r\n", 24);
  g_string_append_len (out, "\r\n", 2);

  g_clear_pointer (&conn->out_body, g_bytes_unref);
  if (send_body)
    {
      if (body_len <= INLINE_BODY_MAX)
        g_string_append_len (out, g_bytes_get_data (request->response_body, NULL), (gssize) body_len);
      else
        conn->out_body = g_bytes_ref (request->response_body);
    }
  conn->out_sent = 0;
  conn->state = STATE_WRITING;
}

typedef enum
{
  WRITE_DONE,
  WRITE_BLOCKED,
  WRITE_FAILED,
} WriteResult;

static WriteResult
conn_write (Conn *conn)
{
  gsize head_len = conn->out->len;
  gsize body_len = conn->out_body != NULL ? g_bytes_get_size (conn->out_body) : 0;

  while (conn->out_sent < head_len + body_len)
    {
      struct iovec iov[2];
      struct msghdr msg = { 0 };
      int n_iov = 0;
      gssize n;

      if (conn->out_sent < head_len)
        {
          iov[n_iov].iov_base = conn->out->str + conn->out_sent;
          iov[n_iov].iov_len = head_len - conn->out_sent;
          n_iov++;
        }
      if (body_len > 0)
        {
          gsize body_off = conn->out_sent > head_len ? conn->out_sent - head_len : 0;

          iov[n_iov].iov_base = (char *) g_bytes_get_data (conn->out_body, NULL) + body_off;
          iov[n_iov].iov_len = body_len - body_off;
          n_iov++;
        }
      msg.msg_iov = iov;
      msg.msg_iovlen = (size_t) n_iov;
      n = sendmsg (conn->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            return WRITE_BLOCKED;
          return WRITE_FAILED;
        }
      conn->out_sent += (gsize) n;
    }
  g_clear_pointer (&conn->out_body, g_bytes_unref);
  return WRITE_DONE;
}

static void
request_finish (SeldonHttpRequest *request,
                gboolean           completed)
{
  SeldonHttpServer *server = request->server;

  if (!request->finished)
    {
      request->finished = TRUE;
      /* The connection is still there for get_remote_host(). */
      if ((request->delivered || request->method != NULL) && server->handler.finished != NULL)
        server->handler.finished (request, completed, server->user_data);
    }
  request->conn = NULL;
}

/* The connection's answer is out. */
static void
conn_answer_done (Conn *conn)
{
  SeldonHttpRequest *request = g_steal_pointer (&conn->request);
  gboolean close = request->close;

  conn->n_served++;
  conn->remaining = 0;
  conn->discard = FALSE;
  request_finish (request, TRUE);
  seldon_http_request_unref (request);
  if (conn->state == STATE_CLOSED)
    return;

  if (close)
    {
      /* See the top of the file: read what the client still sends until it closes. */
      conn->state = STATE_LINGER;
      conn->pos = conn->len = 0;
      (void) shutdown (conn->fd, SHUT_WR);
      conn->deadline = g_get_monotonic_time () + LINGER_SECONDS * G_USEC_PER_SEC;
    }
  else
    conn->state = STATE_READ_HEAD;
}

/* ---------------------------------------------------------------------------------------- */
/* Errors the HTTP layer answers itself                                                     */
/* ---------------------------------------------------------------------------------------- */

static void
conn_fail (Conn       *conn,
           guint       status,
           const char *detail)
{
  SeldonHttpRequest *request;
  const char *phrase = seldon_http_status_get_phrase (status);
  g_autofree char *page = NULL;
  g_autoptr(GBytes) body = NULL;
  gsize len;

  if (conn->request == NULL)
    conn->request = request_new (conn);
  request = conn->request;

  page = g_strdup_printf ("<html>\n  <head><title>%s</title></head>\n  <body>\n"
                          "    <h1>%s</h1>\n    <p>%s</p>\n  </body>\n</html>\n",
                          phrase, phrase, detail);
  len = strlen (page);
  body = g_bytes_new_take (g_steal_pointer (&page), len);
  request->status = status;
  if (request->response_headers != NULL)
    g_string_truncate (request->response_headers, 0);
  seldon_http_request_set_body (request, "text/html", body);
  request->close = TRUE;
  request->responded = TRUE;
  conn->discard = TRUE;
  conn_prepare_answer (conn);
}

/* ---------------------------------------------------------------------------------------- */
/* Reading requests                                                                         */
/* ---------------------------------------------------------------------------------------- */

/* Finds the end of the next line in @text[0..@len): the offset just after its LF, or 0. */
static inline gsize
line_end (const char *text,
          gsize       len)
{
  const char *lf = memchr (text, '\n', len);

  return lf != NULL ? (gsize) (lf - text) + 1 : 0;
}

/* The length of a line without its LF or CRLF. */
static inline gsize
line_length (const char *line,
             gsize       end)
{
  gsize n = end - 1;

  if (n > 0 && line[n - 1] == '\r')
    n--;
  return n;
}

static gboolean
token_list_has (const char *list,
                const char *token)
{
  gsize token_len = strlen (token);
  const char *p = list;

  while (*p != '\0')
    {
      const char *start, *end;

      while (*p == ',' || is_ows (*p))
        p++;
      start = p;
      while (*p != '\0' && *p != ',')
        p++;
      end = p;
      while (end > start && is_ows (end[-1]))
        end--;
      if ((gsize) (end - start) == token_len && g_ascii_strncasecmp (start, token, token_len) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Cuts up the head (request line and header fields, up to the blank line) in request->head.
 * Returns 0, or the status of the error with @detail set. */
static guint
parse_head (SeldonHttpRequest  *request,
            gsize               head_len,
            char              **detail)
{
  char *p = request->head;
  char *end = p + head_len;
  char *line_stop;
  gsize n, n_lines = 0;
  char *target;
  char *q;

  /* The request line: method SP target SP HTTP/1.x */
  n = line_end (p, (gsize) (end - p));
  g_assert (n > 0);
  line_stop = p + line_length (p, n);
  if ((gsize) (line_stop - p) > SELDON_HTTP_MAX_REQUEST_LINE)
    {
      *detail = g_strdup_printf ("Request line is too large (%" G_GSIZE_FORMAT " &gt; %d)",
                                 (gsize) (line_stop - p), SELDON_HTTP_MAX_REQUEST_LINE);
      return 400;
    }
  *line_stop = '\0';

  request->method = p;
  while (is_tchar (*p))
    p++;
  if (p == request->method || *p != ' ')
    goto bad_request_line;
  *p++ = '\0';
  target = p;
  while ((guint8) *p > 0x20 && *p != 0x7f)
    p++;
  if (p == target || *p != ' ')
    goto bad_request_line;
  *p++ = '\0';
  if (strncmp (p, "HTTP/", 5) != 0 || !g_ascii_isdigit (p[5]) || p[6] != '.' ||
      !g_ascii_isdigit (p[7]) || p[8] != '\0')
    goto bad_request_line;
  if (p[5] != '1')
    {
      *detail = g_strdup ("Unsupported HTTP version");
      return 505;
    }
  request->minor = p[7] == '0' ? 0 : 1;

  /* origin-form, absolute-form (the path of it) or asterisk-form */
  if (g_ascii_strncasecmp (target, "http://", 7) == 0 || g_ascii_strncasecmp (target, "https://", 8) == 0)
    {
      char *slash = strchr (strstr (target, "//") + 2, '/');

      if (slash == NULL)
        target = (char *) "/";
      else
        target = slash;
    }
  else if (target[0] != '/' && strcmp (target, "*") != 0)
    goto bad_request_line;
  q = strchr (target, '#');
  if (q != NULL)
    *q = '\0';
  q = strchr (target, '?');
  if (q != NULL)
    {
      *q = '\0';
      request->query = q + 1;
    }
  request->path = target;
  request->is_head = strcmp (request->method, "HEAD") == 0;

  /* Header fields: count the lines first. */
  p = request->head + n;
  for (char *s = p; s < end; s++)
    if (*s == '\n')
      n_lines++;
  if (n_lines > SELDON_HTTP_MAX_HEADER_FIELDS + 1)
    {
      *detail = g_strdup_printf ("Too many header fields (%" G_GSIZE_FORMAT " &gt; %d)",
                                 n_lines - 1, SELDON_HTTP_MAX_HEADER_FIELDS);
      return 400;
    }
  request->names = g_new (const char *, 2 * MAX (n_lines, 1));
  request->values = request->names + MAX (n_lines, 1);

  while (p < end)
    {
      char *name, *value, *value_end;

      n = line_end (p, (gsize) (end - p));
      g_assert (n > 0);
      line_stop = p + line_length (p, n);
      if (line_stop == p)
        break;   /* the blank line */
      *line_stop = '\0';

      name = p;
      while (is_tchar (*p))
        p++;
      if (p == name || *p != ':')
        {
          *detail = g_strdup ("Invalid header field");
          return 400;
        }
      *p++ = '\0';
      while (is_ows (*p))
        p++;
      value = p;
      value_end = line_stop;
      while (value_end > value && is_ows (value_end[-1]))
        value_end--;
      *value_end = '\0';
      for (q = value; q < value_end; q++)
        if (((guint8) *q < 0x20 && *q != '\t') || *q == 0x7f)
          {
            *detail = g_strdup ("Invalid header field value");
            return 400;
          }
      if (strlen (name) + 2 + (gsize) (value_end - value) > SELDON_HTTP_MAX_HEADER_FIELD_SIZE)
        {
          *detail = g_strdup_printf ("Request header field is too large (%" G_GSIZE_FORMAT " &gt; %d)",
                                     strlen (name) + 2 + (gsize) (value_end - value),
                                     SELDON_HTTP_MAX_HEADER_FIELD_SIZE);
          return 400;
        }
      request->names[request->n_headers] = name;
      request->values[request->n_headers] = value;
      request->n_headers++;
      p = name + n;
    }
  return 0;

bad_request_line:
  request->method = request->path = request->query = NULL;
  *detail = g_strdup ("Invalid request line");
  return 400;
}

static void
conn_deliver (Conn *conn)
{
  SeldonHttpServer *server = conn->server;
  SeldonHttpRequest *request = conn->request;

  if (request->body == NULL && request->body_buffer != NULL)
    request->body = g_byte_array_free_to_bytes (g_steal_pointer (&request->body_buffer));
  conn->state = STATE_WAIT_ANSWER;
  request->delivered = TRUE;
  server->handler.request (request, server->user_data);
}

/* The body is over the limit: hand the request over now, drop the rest of the body. */
static void
conn_deliver_too_large (Conn   *conn,
                        gint64  size)
{
  conn->request->too_large = size;
  conn->discard = TRUE;
  g_clear_pointer (&conn->request->body_buffer, g_byte_array_unref);
  conn_deliver (conn);
}

static gboolean
parse_content_length (const char *text,
                      gint64     *out)
{
  guint64 value = 0;

  if (*text == '\0')
    return FALSE;
  for (; *text != '\0'; text++)
    {
      if (!g_ascii_isdigit (*text) || value > (guint64) G_MAXINT64 / 10)
        return FALSE;
      value = value * 10 + (guint64) (*text - '0');
    }
  if (value > (guint64) G_MAXINT64)
    return FALSE;
  *out = (gint64) value;
  return TRUE;
}

/* The head is in buf[pos..pos+head_len): parse it and decide how the body comes. */
static void
conn_got_head (Conn  *conn,
               gsize  head_len)
{
  SeldonHttpServer *server = conn->server;
  SeldonHttpRequest *request;
  g_autofree char *detail = NULL;
  const char *value;
  gint64 content_length = -1;
  gboolean chunked = FALSE;
  guint status;

  request = conn->request = request_new (conn);
  request->head = g_malloc (head_len + 1);
  memcpy (request->head, conn->buf + conn->pos, head_len);
  request->head[head_len] = '\0';
  conn->pos += head_len;
  conn->scan = conn->pos;

  status = parse_head (request, head_len, &detail);
  if (status != 0)
    {
      conn_fail (conn, status, detail);
      return;
    }

  /* Framing (RFC 9112 §6) */
  for (guint i = 0; i < request->n_headers; i++)
    {
      const char *name = request->names[i];

      if (g_ascii_strcasecmp (name, "Content-Length") == 0)
        {
          gint64 length;

          if (!parse_content_length (request->values[i], &length) ||
              (content_length >= 0 && length != content_length))
            {
              conn_fail (conn, 400, "Invalid Content-Length");
              return;
            }
          content_length = length;
        }
      else if (g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
        {
          if (chunked || request->minor == 0)
            {
              conn_fail (conn, 400, "Invalid Transfer-Encoding");
              return;
            }
          if (g_ascii_strcasecmp (request->values[i], "chunked") != 0)
            {
              conn_fail (conn, 501, "Unsupported Transfer-Encoding");
              return;
            }
          chunked = TRUE;
        }
    }
  if (chunked && content_length >= 0)
    {
      conn_fail (conn, 400, "Both Content-Length and Transfer-Encoding");
      return;
    }

  value = seldon_http_request_get_header (request, "Connection");
  if (request->minor == 0)
    request->keep_alive = value != NULL && token_list_has (value, "keep-alive");
  else
    request->keep_alive = value == NULL || !token_list_has (value, "close");

  if (content_length > 0 && server->settings.max_body_bytes > 0 &&
      content_length > server->settings.max_body_bytes)
    {
      /* No 100 Continue: the client that waits for it sends nothing more. */
      conn->remaining = content_length;
      conn_deliver_too_large (conn, content_length);
      return;
    }

  if (chunked || content_length > 0)
    {
      /* Expect: 100-continue, unless the body is already on its way. */
      value = request->minor == 1 ? seldon_http_request_get_header (request, "Expect") : NULL;
      if (value != NULL && g_ascii_strcasecmp (value, "100-continue") == 0 && conn->pos == conn->len)
        {
          static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

          if (send (conn->fd, continue_line, sizeof continue_line - 1, MSG_NOSIGNAL | MSG_DONTWAIT) !=
              (gssize) sizeof continue_line - 1)
            {
              conn_close (conn);
              return;
            }
        }
    }

  if (chunked)
    {
      request->body_buffer = g_byte_array_new ();
      conn->total = 0;
      conn->state = STATE_READ_CHUNK_SIZE;
    }
  else if (content_length > 0)
    {
      gsize available = conn->len - conn->pos;

      if (available >= (guint64) content_length)
        {
          /* The usual case: the whole body came with the head. */
          request->body = g_bytes_new (conn->buf + conn->pos, (gsize) content_length);
          conn->pos += (gsize) content_length;
          conn_deliver (conn);
          return;
        }
      request->body_buffer = g_byte_array_sized_new ((guint) MIN (content_length, 1 << 20));
      conn->remaining = content_length;
      conn->state = STATE_READ_BODY;
    }
  else
    conn_deliver (conn);
}

/* Parses what the buffer holds. Returns TRUE if it made progress. */
static gboolean
conn_parse (Conn *conn)
{
  char *data = conn->buf + conn->pos;
  gsize avail = conn->len - conn->pos;
  gsize n;

  switch (conn->state)
    {
    case STATE_READ_HEAD:
      {
        gsize start, end_at = 0;

        /* Empty lines before a request are ignored (RFC 9112 §2.2). */
        while (avail > 0 && (data[0] == '\r' || data[0] == '\n'))
          {
            if (data[0] == '\r' && (avail < 2 || data[1] != '\n'))
              break;
            n = data[0] == '\r' ? 2 : 1;
            conn->pos += n;
            data += n;
            avail -= n;
          }
        if (conn->scan < conn->pos)
          conn->scan = conn->pos;
        if (avail == 0)
          return FALSE;

        /* The end of the head: LF (CR) LF, looked for in what came since the last look. */
        start = conn->scan > conn->pos + 2 ? conn->scan - 2 - conn->pos : 0;
        for (gsize i = start; i < avail; i++)
          {
            const char *lf = memchr (data + i, '\n', avail - i);

            if (lf == NULL)
              break;
            i = (gsize) (lf - data);
            if (i + 1 < avail && data[i + 1] == '\n')
              {
                end_at = i + 2;
                break;
              }
            if (i + 2 < avail && data[i + 1] == '\r' && data[i + 2] == '\n')
              {
                end_at = i + 3;
                break;
              }
          }
        if (end_at == 0)
          {
            conn->scan = conn->len;
            if (avail > SELDON_HTTP_MAX_HEAD)
              {
                gsize first = line_end (data, avail);

                if (first == 0 || line_length (data, first) > SELDON_HTTP_MAX_REQUEST_LINE)
                  {
                    g_autofree char *detail = NULL;

                    detail = g_strdup_printf ("Request line is too large (%" G_GSIZE_FORMAT " &gt; %d)",
                                              first == 0 ? avail : line_length (data, first),
                                              SELDON_HTTP_MAX_REQUEST_LINE);
                    conn_fail (conn, 400, detail);
                  }
                else
                  conn_fail (conn, 431, "The request header fields are too large");
                return TRUE;
              }
            return FALSE;
          }
        if (end_at > SELDON_HTTP_MAX_HEAD)
          {
            conn_fail (conn, 431, "The request header fields are too large");
            return TRUE;
          }
        conn_got_head (conn, end_at);
        return TRUE;
      }

    case STATE_READ_BODY:
      if (avail == 0)
        return FALSE;
      n = (gsize) MIN ((gint64) avail, conn->remaining);
      if (!conn->discard)
        g_byte_array_append (conn->request->body_buffer, (const guint8 *) data, (guint) n);
      conn->pos += n;
      conn->remaining -= (gint64) n;
      if (conn->remaining == 0)
        conn_deliver (conn);
      return TRUE;

    case STATE_READ_CHUNK_SIZE:
      {
        gsize end = line_end (data, MIN (avail, MAX_CHUNK_LINE));
        guint64 size = 0;
        int digits = 0;
        gsize i;

        if (end == 0)
          {
            if (avail >= MAX_CHUNK_LINE)
              {
                conn_fail (conn, 400, "Invalid chunk size");
                return TRUE;
              }
            return FALSE;
          }
        for (i = 0; i < end && g_ascii_isxdigit (data[i]); i++)
          {
            if (++digits > 15)
              break;
            size = size * 16 + (guint64) g_ascii_xdigit_value (data[i]);
          }
        while (i < end && is_ows (data[i]))
          i++;
        if (digits == 0 || digits > 15 ||
            (data[i] != ';' && data[i] != '\r' && data[i] != '\n') ||
            (data[i] == '\r' && data[i + 1] != '\n'))
          {
            conn_fail (conn, 400, "Invalid chunk size");
            return TRUE;
          }
        conn->pos += end;
        if (size == 0)
          {
            conn->trailer = 0;
            conn->state = STATE_READ_TRAILER;
            return TRUE;
          }
        conn->total += (gint64) size;
        if (!conn->discard && conn->server->settings.max_body_bytes > 0 &&
            conn->total > conn->server->settings.max_body_bytes)
          {
            /* Answer now; the rest of the body is read and dropped while it comes. */
            conn->remaining = (gint64) size;
            conn_deliver_too_large (conn, conn->total);
            return TRUE;
          }
        conn->remaining = (gint64) size;
        conn->state = STATE_READ_CHUNK_DATA;
        return TRUE;
      }

    case STATE_READ_CHUNK_DATA:
      if (avail == 0)
        return FALSE;
      n = (gsize) MIN ((gint64) avail, conn->remaining);
      if (!conn->discard)
        g_byte_array_append (conn->request->body_buffer, (const guint8 *) data, (guint) n);
      conn->pos += n;
      conn->remaining -= (gint64) n;
      if (conn->remaining == 0)
        conn->state = STATE_READ_CHUNK_END;
      return TRUE;

    case STATE_READ_CHUNK_END:
      if (avail == 0 || (data[0] == '\r' && avail < 2))
        return FALSE;
      if (data[0] == '\n')
        n = 1;
      else if (data[0] == '\r' && data[1] == '\n')
        n = 2;
      else
        {
          conn_fail (conn, 400, "Invalid chunk end");
          return TRUE;
        }
      conn->pos += n;
      conn->state = STATE_READ_CHUNK_SIZE;
      return TRUE;

    case STATE_READ_TRAILER:
      {
        gsize end = line_end (data, avail);

        if (end == 0)
          {
            if (conn->trailer + avail > MAX_TRAILER)
              {
                conn_fail (conn, 431, "The request trailer fields are too large");
                return TRUE;
              }
            return FALSE;
          }
        conn->pos += end;
        conn->trailer += end;
        if (conn->trailer > MAX_TRAILER)
          {
            conn_fail (conn, 431, "The request trailer fields are too large");
            return TRUE;
          }
        /* Trailer fields are read and ignored; the blank line ends the body. */
        if (line_length (data, end) == 0)
          conn_deliver (conn);
        return TRUE;
      }

    case STATE_WAIT_ANSWER:
      if (conn->discard)
        {
          /* The rest of a body over the limit: dropped. */
          conn->pos = conn->len;
        }
      return FALSE;

    case STATE_WRITING:
    case STATE_LINGER:
    case STATE_CLOSED:
    default:
      return FALSE;
    }
}

/* Reads what the socket has. Returns FALSE when the connection failed (it is closed). */
static gboolean
conn_read (Conn *conn)
{
  gsize space;
  gssize n;

  /* Compact, then make room. */
  if (conn->pos == conn->len)
    {
      conn->pos = conn->len = 0;
      conn->scan = 0;
    }
  else if (conn->pos > 0 && (conn->pos >= conn->cap / 2 || conn->len == conn->cap))
    {
      memmove (conn->buf, conn->buf + conn->pos, conn->len - conn->pos);
      conn->len -= conn->pos;
      conn->scan -= MIN (conn->scan, conn->pos);
      conn->pos = 0;
    }
  if (conn->len == conn->cap)
    {
      if (conn->cap >= BUFFER_MAX_IDLE)
        {
          /* Full: wait until the owner answers (conn_update() stops polling). */
          conn->readable = FALSE;
          return TRUE;
        }
      conn->cap = MIN (conn->cap * 2, BUFFER_MAX_IDLE);
      conn->buf = g_realloc (conn->buf, conn->cap);
    }

  space = conn->cap - conn->len;
  n = recv (conn->fd, conn->buf + conn->len, space, MSG_DONTWAIT);
  if (n > 0)
    {
      conn->len += (gsize) n;
      if ((gsize) n < space)
        conn->readable = FALSE;   /* drained: poll says when more comes */
      return TRUE;
    }
  if (n == 0)
    {
      conn->eof = TRUE;
      conn->readable = FALSE;
      return TRUE;
    }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
    {
      conn->readable = FALSE;
      return TRUE;
    }
  conn_close (conn);
  return FALSE;
}

/* LINGER: drop what comes; the client's end of the stream closes the connection. */
static void
conn_linger (Conn *conn)
{
  char scratch[4096];

  while (conn->readable)
    {
      gssize n = recv (conn->fd, scratch, sizeof scratch, MSG_DONTWAIT);

      if (n > 0)
        continue;
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
          conn->readable = FALSE;
          return;
        }
      conn_close (conn);
      return;
    }
}

static gboolean
is_reading_state (ConnState state)
{
  return state <= STATE_READ_TRAILER;
}

static void
conn_set_events (Conn    *conn,
                 guint32  events)
{
  if (conn->events != events)
    {
      struct epoll_event event = { .events = events, .data.ptr = conn };

      conn->events = events;
      if (epoll_ctl (conn->server->epfd, EPOLL_CTL_MOD, conn->fd, &event) != 0)
        g_debug ("epoll_ctl: %s", g_strerror (errno));
    }
}

/* Makes the source wake up at the deadline (or earlier). */
static void
conn_arm (Conn *conn)
{
  SeldonHttpServer *server = conn->server;

  if (conn->deadline > 0 && server->source != NULL &&
      (server->ready_time < 0 || conn->deadline < server->ready_time))
    {
      server->ready_time = conn->deadline;
      g_source_set_ready_time (server->source, server->ready_time);
    }
}

/* Polls for what the state waits for, and sets the deadline. */
static void
conn_update (Conn *conn)
{
  SeldonHttpServer *server = conn->server;
  gint64 now = 0;

  switch (conn->state)
    {
    case STATE_READ_HEAD:
    case STATE_READ_BODY:
    case STATE_READ_CHUNK_SIZE:
    case STATE_READ_CHUNK_DATA:
    case STATE_READ_CHUNK_END:
    case STATE_READ_TRAILER:
      conn_set_events (conn, EPOLLIN);
      now = g_get_monotonic_time ();
      if (conn->state == STATE_READ_HEAD && conn->pos == conn->len && conn->n_served > 0)
        conn->deadline = now + (gint64) MAX (server->settings.keepalive, 1) * G_USEC_PER_SEC;
      else
        conn->deadline = now + (gint64) server->settings.io_timeout * G_USEC_PER_SEC;
      break;
    case STATE_WAIT_ANSWER:
      conn_set_events (conn, conn->len < conn->cap || conn->cap < BUFFER_MAX_IDLE || conn->discard ? EPOLLIN : 0);
      conn->deadline = 0;
      break;
    case STATE_WRITING:
      conn_set_events (conn, EPOLLOUT);
      conn->deadline = g_get_monotonic_time () + (gint64) server->settings.io_timeout * G_USEC_PER_SEC;
      break;
    case STATE_LINGER:
      conn_set_events (conn, EPOLLIN);
      break;
    case STATE_CLOSED:
    default:
      return;
    }

  conn_arm (conn);
}

static void
conn_drive (Conn *conn)
{
  if (conn->driving)
    {
      conn->again = TRUE;
      return;
    }
  conn->driving = TRUE;
  conn_ref (conn);

  while (conn->state != STATE_CLOSED)
    {
      gboolean progress = FALSE;

      conn->again = FALSE;

      if (conn->state == STATE_WRITING)
        {
          switch (conn_write (conn))
            {
            case WRITE_DONE:
              conn_answer_done (conn);
              continue;
            case WRITE_BLOCKED:
              break;
            case WRITE_FAILED:
            default:
              conn_close (conn);
              break;
            }
          break;
        }

      if (conn->state == STATE_LINGER)
        {
          conn_linger (conn);
          break;
        }

      if (conn->state == STATE_WAIT_ANSWER && conn->hangup)
        {
          /* The client is gone while its request is being answered. */
          conn_close (conn);
          break;
        }

      if (conn->readable && !conn_read (conn))
        break;

      if (is_reading_state (conn->state) || conn->state == STATE_WAIT_ANSWER)
        progress = conn_parse (conn);
      if (conn->state == STATE_CLOSED)
        break;
      if (progress || conn->again)
        continue;

      if (conn->eof)
        {
          /* The client closed its side: a request being read is dropped, a request being
           * answered is aborted. */
          conn_close (conn);
          break;
        }
      if (!conn->readable)
        break;
    }

  if (conn->state != STATE_CLOSED)
    conn_update (conn);
  conn->driving = FALSE;
  conn_unref (conn);
}

/* ---------------------------------------------------------------------------------------- */
/* Connections                                                                              */
/* ---------------------------------------------------------------------------------------- */

static void
conn_close (Conn *conn)
{
  SeldonHttpServer *server = conn->server;
  SeldonHttpRequest *request;

  if (conn->state == STATE_CLOSED)
    return;
  conn->state = STATE_CLOSED;

  g_queue_delete_link (&server->connections, conn->link);
  conn->link = NULL;
  (void) epoll_ctl (server->epfd, EPOLL_CTL_DEL, conn->fd, NULL);
  g_socket_close (conn->socket, NULL);

  request = g_steal_pointer (&conn->request);
  if (request != NULL)
    {
      request_finish (request, FALSE);
      seldon_http_request_unref (request);
    }
  conn_unref (conn);
}

/* Closes the connections whose deadline passed; arms the timer for the next one. */
static void
server_sweep (SeldonHttpServer *server)
{
  gint64 now = g_get_monotonic_time ();
  gint64 next = -1;
  GPtrArray *expired = NULL;

  for (GList *l = server->connections.head; l != NULL; l = l->next)
    {
      Conn *conn = l->data;

      if (conn->deadline <= 0)
        continue;
      if (conn->deadline <= now)
        {
          if (expired == NULL)
            expired = g_ptr_array_new ();
          g_ptr_array_add (expired, conn_ref (conn));
        }
      else if (next < 0 || conn->deadline < next)
        next = conn->deadline;
    }

  server->ready_time = next;
  g_source_set_ready_time (server->source, next);

  /* Idle too long, stalled, or lingered enough. */
  for (guint i = 0; expired != NULL && i < expired->len; i++)
    {
      Conn *conn = g_ptr_array_index (expired, i);

      conn_close (conn);
      conn_unref (conn);
    }
  g_clear_pointer (&expired, g_ptr_array_unref);
}

typedef struct
{
  GSource           source;
  SeldonHttpServer *server;
} ServerSource;

static gboolean
server_dispatch (GSource     *source,
                 GSourceFunc  callback,
                 gpointer     user_data)
{
  SeldonHttpServer *server = ((ServerSource *) source)->server;
  struct epoll_event events[EVENT_BATCH];
  int n;

  if (server->ready_time >= 0 && g_source_get_time (source) >= server->ready_time)
    server_sweep (server);

  if ((g_source_query_unix_fd (source, server->epfd_tag) & G_IO_IN) == 0)
    return G_SOURCE_CONTINUE;

  n = epoll_wait (server->epfd, events, EVENT_BATCH, 0);
  /* A connection's callbacks may close others of the batch: keep them all alive. */
  for (int i = 0; i < n; i++)
    conn_ref (events[i].data.ptr);
  for (int i = 0; i < n; i++)
    {
      Conn *conn = events[i].data.ptr;

      if (conn->state != STATE_CLOSED)
        {
          if (events[i].events & (EPOLLHUP | EPOLLERR))
            conn->hangup = TRUE;
          conn->readable = TRUE;
          conn_drive (conn);
        }
      conn_unref (conn);
    }
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs server_source_funcs = {
  NULL, NULL, server_dispatch, NULL, NULL, NULL,
};

static void
server_add_connection (SeldonHttpServer *server,
                       GSocket          *socket)
{
  Conn *conn = g_new0 (Conn, 1);
  struct epoll_event event = { .events = EPOLLIN, .data.ptr = conn };
  GError *error = NULL;

  conn->ref_count = 1;   /* the list's */
  conn->server = server;
  conn->socket = socket;
  conn->fd = g_socket_get_fd (socket);
  conn->state = STATE_READ_HEAD;
  conn->cap = BUFFER_INITIAL;
  conn->buf = g_malloc (conn->cap);
  conn->events = EPOLLIN;
  /* Answers are written whole: no need to wait for more. Not TCP (a unix socket from
   * socket activation): nothing to do. */
  if (!g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, &error))
    g_clear_error (&error);
  if (epoll_ctl (server->epfd, EPOLL_CTL_ADD, conn->fd, &event) != 0)
    {
      g_debug ("epoll_ctl: %s", g_strerror (errno));
      conn->state = STATE_CLOSED;
      g_socket_close (socket, NULL);
      conn_unref (conn);
      return;
    }
  g_queue_push_tail (&server->connections, conn);
  conn->link = server->connections.tail;
  conn_update (conn);
  /* Most clients send their request right away: no need to wait for poll. */
  conn->readable = TRUE;
  conn_drive (conn);
}

static gboolean
listener_cb (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  SeldonHttpServer *server = user_data;

  for (int i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      GSocket *client = g_socket_accept (socket, NULL, &error);

      if (client == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("Accepting a connection failed: %s", error->message);
          break;
        }
      server_add_connection (server, client);
    }
  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------------------------------- */
/* The server                                                                               */
/* ---------------------------------------------------------------------------------------- */

SeldonHttpServer *
seldon_http_server_new (const SeldonHttpSettings *settings,
                        const SeldonHttpHandler  *handler,
                        gpointer                  user_data)
{
  SeldonHttpServer *server = g_new0 (SeldonHttpServer, 1);

  server->settings = *settings;
  server->server_header = g_strdup (settings->server_header);
  server->settings.server_header = server->server_header;
  if (server->settings.io_timeout <= 0)
    server->settings.io_timeout = 30;
  server->handler = *handler;
  server->user_data = user_data;
  server->listeners = g_ptr_array_new ();
  server->date_second = -1;
  server->ready_time = -1;
  server->epfd = -1;
  g_queue_init (&server->connections);
  return server;
}

gboolean
seldon_http_server_add_listener (SeldonHttpServer  *server,
                                 GSocket           *socket,
                                 GError           **error)
{
  GSource *source;

  if (server->epfd < 0)
    {
      server->epfd = epoll_create1 (EPOLL_CLOEXEC);
      if (server->epfd < 0)
        {
          int errsv = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       "epoll_create1: %s", g_strerror (errsv));
          return FALSE;
        }
      server->source = g_source_new (&server_source_funcs, sizeof (ServerSource));
      ((ServerSource *) server->source)->server = server;
      g_source_set_static_name (server->source, "[seldon] HTTP connections");
      /* GLib takes a source's fds out of the poll set while it dispatches (and wakes the
       * context up twice for that) unless it may recurse: conn_drive() guards against
       * re-entry itself. */
      g_source_set_can_recurse (server->source, TRUE);
      server->epfd_tag = g_source_add_unix_fd (server->source, server->epfd, G_IO_IN);
      g_source_attach (server->source, g_main_context_get_thread_default ());
    }

  g_socket_set_blocking (socket, FALSE);
  source = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_static_name (source, "[seldon] HTTP listener");
  g_source_set_can_recurse (source, TRUE);
  g_source_set_callback (source, G_SOURCE_FUNC (listener_cb), server, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_ptr_array_add (server->listeners, source);
  g_ptr_array_add (server->listeners, g_object_ref (socket));
  return TRUE;
}

static void
server_close_listeners (SeldonHttpServer *server)
{
  for (guint i = 0; i + 1 < server->listeners->len; i += 2)
    {
      GSource *source = g_ptr_array_index (server->listeners, i);
      GSocket *socket = g_ptr_array_index (server->listeners, i + 1);

      g_source_destroy (source);
      g_source_unref (source);
      g_socket_close (socket, NULL);
      g_object_unref (socket);
    }
  g_ptr_array_set_size (server->listeners, 0);
}

void
seldon_http_server_stop_accepting (SeldonHttpServer *server)
{
  GList *l, *next;

  server->closing = TRUE;
  server_close_listeners (server);

  /* Connections that wait for a request and have nothing of one: closed now. */
  for (l = server->connections.head; l != NULL; l = next)
    {
      Conn *conn = l->data;

      next = l->next;
      if (conn->state == STATE_READ_HEAD && conn->request == NULL && conn->pos == conn->len)
        conn_close (conn);
    }
}

void
seldon_http_server_close_all (SeldonHttpServer *server)
{
  Conn *conn;

  server->closing = TRUE;
  server_close_listeners (server);
  while ((conn = g_queue_peek_head (&server->connections)) != NULL)
    conn_close (conn);
}

guint
seldon_http_server_get_n_connections (SeldonHttpServer *server)
{
  return server->connections.length;
}

void
seldon_http_server_free (SeldonHttpServer *server)
{
  if (server == NULL)
    return;
  seldon_http_server_close_all (server);
  if (server->source != NULL)
    {
      g_source_destroy (server->source);
      g_clear_pointer (&server->source, g_source_unref);
    }
  if (server->epfd >= 0)
    close (server->epfd);
  g_ptr_array_unref (server->listeners);
  g_free (server->server_header);
  g_free (server);
}

void
seldon_http_request_respond (SeldonHttpRequest *request)
{
  Conn *conn = request->conn;

  if (conn == NULL || request->responded || request->finished || conn->request != request)
    return;
  request->responded = TRUE;
  conn_prepare_answer (conn);
  conn_drive (conn);
}
