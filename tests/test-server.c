/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * SeldonServer + SeldonWorker + the real engine, driven over real sockets: every request is
 * written by hand by a client thread (blocking I/O) while the test's main context serves it,
 * so status lines, headers and bodies are checked byte for byte.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <libsoup/soup.h>

#include "seldon-enums.h"
#include "seldon-server.h"
#include "seldon-worker-private.h"

#define NOT_FOUND_BODY "{\"status\":{\"code\":-1,\"info\":\"404 Not Found: The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.\",\"reason\":\"MICROSERVICE_INTERNAL_ERROR\",\"status\":1}}\n"
#define NOT_ALLOWED_BODY "{\"status\":{\"code\":-1,\"info\":\"405 Method Not Allowed: The method is not allowed for the requested URL.\",\"reason\":\"MICROSERVICE_INTERNAL_ERROR\",\"status\":1}}\n"
#define NO_JSON_BODY "{\"status\":{\"code\":-1,\"info\":\"Can't find JSON in data\",\"reason\":\"MICROSERVICE_BAD_DATA\",\"status\":1}}\n"
#define ECHO_12_BODY "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[1,2]]},\"meta\":{}}\n"
#define REQ_12 "{\"data\":{\"ndarray\":[[1,2]]}}"
#define REQ_12_ESCAPED "%7B%22data%22%3A%7B%22ndarray%22%3A%5B%5B1%2C2%5D%5D%7D%7D"

/* ------------------------------------------------------------------------------------------ */
/* The component: an identity whose load() and predict() can be held at a gate                */
/* ------------------------------------------------------------------------------------------ */

static struct
{
  GMutex   lock;
  GCond    cond;
  gboolean hold_load;
  gboolean hold_predict;
  int      predict_waiting;
  GThread *load_thread;
  GThread *predict_thread;
  GCancellable *predict_cancellable;
} gate;

static void
gate_reset (void)
{
  g_mutex_lock (&gate.lock);
  gate.hold_load = FALSE;
  gate.hold_predict = FALSE;
  gate.predict_waiting = 0;
  gate.load_thread = NULL;
  gate.predict_thread = NULL;
  g_clear_object (&gate.predict_cancellable);
  g_mutex_unlock (&gate.lock);
}

static void
gate_open (void)
{
  g_mutex_lock (&gate.lock);
  gate.hold_load = FALSE;
  gate.hold_predict = FALSE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
}

#define TEST_TYPE_ECHO (test_echo_get_type ())
G_DECLARE_FINAL_TYPE (TestEcho, test_echo, TEST, ECHO, GObject)

struct _TestEcho
{
  GObject              parent_instance;
  SeldonComponentFlags flags;
};

static void test_echo_component_init (SeldonComponentInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestEcho, test_echo, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SELDON_TYPE_COMPONENT, test_echo_component_init))

static SeldonComponentFlags
test_echo_get_flags (SeldonComponent *component)
{
  return TEST_ECHO (component)->flags;
}

static gboolean
test_echo_load (SeldonComponent  *component,
                GCancellable     *cancellable,
                GError          **error)
{
  g_mutex_lock (&gate.lock);
  gate.load_thread = g_thread_self ();
  while (gate.hold_load)
    g_cond_wait (&gate.cond, &gate.lock);
  g_mutex_unlock (&gate.lock);
  return TRUE;
}

static SeldonMessage *
test_echo_predict (SeldonComponent  *component,
                   SeldonMessage    *request,
                   GCancellable     *cancellable,
                   GError          **error)
{
  g_mutex_lock (&gate.lock);
  gate.predict_thread = g_thread_self ();
  if (cancellable != NULL)
    g_set_object (&gate.predict_cancellable, cancellable);
  gate.predict_waiting++;
  g_cond_broadcast (&gate.cond);
  while (gate.hold_predict)
    g_cond_wait (&gate.cond, &gate.lock);
  gate.predict_waiting--;
  g_mutex_unlock (&gate.lock);

  switch (seldon_message_get_payload_kind (request))
    {
    case SELDON_PAYLOAD_TENSOR:
    case SELDON_PAYLOAD_LIST:
      {
        g_autoptr(SeldonTensor) tensor = seldon_message_dup_tensor (request, error);

        return tensor != NULL ? seldon_message_new_tensor (tensor) : NULL;
      }
    case SELDON_PAYLOAD_BYTES:
      return seldon_message_new_bytes (seldon_message_get_bin_data (request));
    case SELDON_PAYLOAD_STRING:
    case SELDON_PAYLOAD_JSON:
      {
        g_autoptr(JsonNode) json = seldon_message_dup_payload (request);

        return seldon_message_new_json (json);
      }
    case SELDON_PAYLOAD_NONE:
    case SELDON_PAYLOAD_CUSTOM:
    default:
      return seldon_message_new ();
    }
}

static GBytes *
test_echo_predict_passthrough (SeldonComponent  *component,
                               GBytes           *body,
                               GCancellable     *cancellable,
                               GError          **error)
{
  g_autoptr(GByteArray) answer = g_byte_array_new ();
  gsize len;
  const guint8 *data = g_bytes_get_data (body, &len);

  g_byte_array_append (answer, (const guint8 *) "raw:", 4);
  if (len > 0)
    g_byte_array_append (answer, data, (guint) len);
  return g_byte_array_free_to_bytes (g_steal_pointer (&answer));
}

static void
test_echo_component_init (SeldonComponentInterface *iface)
{
  iface->get_flags = test_echo_get_flags;
  iface->load = test_echo_load;
  iface->predict = test_echo_predict;
  iface->predict_passthrough = test_echo_predict_passthrough;
}

static void
test_echo_class_init (TestEchoClass *klass)
{
}

static void
test_echo_init (TestEcho *self)
{
}

/* ------------------------------------------------------------------------------------------ */
/* A raw HTTP client on its own thread                                                         */
/* ------------------------------------------------------------------------------------------ */

typedef struct
{
  int        status;
  GPtrArray *names;
  GPtrArray *values;
  GBytes    *body;
} Response;

static void
response_free (Response *response)
{
  g_ptr_array_unref (response->names);
  g_ptr_array_unref (response->values);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Response, response_free)

static const char *
response_header (Response   *response,
                 const char *name)
{
  for (guint i = 0; i < response->names->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (response->names, i), name) == 0)
      return g_ptr_array_index (response->values, i);
  return NULL;
}

static guint
response_header_count (Response   *response,
                       const char *name)
{
  guint n = 0;

  for (guint i = 0; i < response->names->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (response->names, i), name) == 0)
      n++;
  return n;
}

static char *
response_body (Response *response)
{
  gsize len;
  const char *data = g_bytes_get_data (response->body, &len);

  return g_strndup (data != NULL ? data : "", len);
}

typedef struct
{
  guint16       port;
  GPtrArray    *requests;       /* GBytes*, sent one after the other on one connection */
  GPtrArray    *heads;          /* per request: no body expected (HEAD) */
  gboolean      wait_close;     /* after the last answer, read until the server closes */
  gboolean      hang_up;        /* send, then close without reading */
  gboolean      hang_up_in_call; /* send, then close once predict() runs */
  gboolean      pipeline;       /* send every request at once, then read the answers */
  gboolean      byte_by_byte;   /* send one byte per write */
  gboolean      raw;            /* send everything, then read until the server closes */
  GByteArray   *raw_output;
  GPtrArray    *responses;      /* Response* */
  gint64        close_delay;    /* µs between the last answer and the server's close */
  char         *error;
  GMainContext *context;
  int           done;
} Client;

static Client *
client_new (guint16 port)
{
  Client *client = g_new0 (Client, 1);

  client->port = port;
  client->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  client->heads = g_ptr_array_new ();
  client->responses = g_ptr_array_new_with_free_func ((GDestroyNotify) response_free);
  client->raw_output = g_byte_array_new ();
  client->context = g_main_context_ref_thread_default ();
  client->close_delay = -1;
  return client;
}

static void
client_free (Client *client)
{
  g_ptr_array_unref (client->requests);
  g_ptr_array_unref (client->heads);
  g_ptr_array_unref (client->responses);
  g_byte_array_unref (client->raw_output);
  g_main_context_unref (client->context);
  g_free (client->error);
  g_free (client);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

static void
client_add (Client     *client,
            const char *raw,
            gsize       len,
            gboolean    head)
{
  g_ptr_array_add (client->requests, g_bytes_new (raw, len));
  g_ptr_array_add (client->heads, GINT_TO_POINTER (head));
}

/* Builds "METHOD target HTTP/1.1" with Host, the given header lines, Content-Length when
 * there is a body, and Connection: close unless @keep_alive. */
static void
client_add_request (Client     *client,
                    const char *method,
                    const char *target,
                    const char *const *headers,
                    const char *body,
                    gssize      body_len,
                    gboolean    keep_alive)
{
  g_autoptr(GString) raw = g_string_new (NULL);

  g_string_append_printf (raw, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, target);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    g_string_append_printf (raw, "%s\r\n", headers[i]);
  if (body != NULL)
    {
      if (body_len < 0)
        body_len = (gssize) strlen (body);
      g_string_append_printf (raw, "Content-Length: %" G_GSSIZE_FORMAT "\r\n", body_len);
    }
  if (!keep_alive)
    g_string_append (raw, "Connection: close\r\n");
  g_string_append (raw, "\r\n");
  if (body != NULL)
    g_string_append_len (raw, body, body_len);
  client_add (client, raw->str, raw->len, strcmp (method, "HEAD") == 0);
}

static gboolean
read_more (GInputStream *in,
           GByteArray   *buffer,
           GError      **error)
{
  guint8 chunk[16384];
  gssize n = g_input_stream_read (in, chunk, sizeof chunk, NULL, error);

  if (n <= 0)
    return FALSE;
  g_byte_array_append (buffer, chunk, (guint) n);
  return TRUE;
}

static Response *
read_response (GInputStream *in,
               GByteArray   *buffer,
               gboolean      head,
               GError      **error)
{
  g_autoptr(Response) response = g_new0 (Response, 1);
  g_auto(GStrv) lines = NULL;
  const char *end = NULL;
  gsize header_len, body_len = 0;
  gboolean have_length = FALSE;

  response->names = g_ptr_array_new_with_free_func (g_free);
  response->values = g_ptr_array_new_with_free_func (g_free);

  while (buffer->len == 0 ||
         (end = g_strstr_len ((const char *) buffer->data, buffer->len, "\r\n\r\n")) == NULL)
    if (!read_more (in, buffer, error))
      {
        if (error != NULL && *error == NULL)
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "connection closed before an answer");
        return NULL;
      }

  header_len = (gsize) (end - (const char *) buffer->data) + 4;
  {
    g_autofree char *head_text = g_strndup ((const char *) buffer->data, header_len - 4);

    lines = g_strsplit (head_text, "\r\n", -1);
  }
  if (sscanf (lines[0], "HTTP/1.%*d %d", &response->status) != 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "bad status line %s", lines[0]);
      return NULL;
    }
  for (guint i = 1; lines[i] != NULL; i++)
    {
      const char *colon = strchr (lines[i], ':');

      if (colon == NULL)
        continue;
      g_ptr_array_add (response->names, g_strndup (lines[i], (gsize) (colon - lines[i])));
      g_ptr_array_add (response->values, g_strstrip (g_strdup (colon + 1)));
      if (g_ascii_strcasecmp (g_ptr_array_index (response->names, response->names->len - 1), "Content-Length") == 0)
        {
          have_length = TRUE;
          body_len = (gsize) g_ascii_strtoull (g_ptr_array_index (response->values, response->values->len - 1), NULL, 10);
        }
    }
  g_byte_array_remove_range (buffer, 0, (guint) header_len);

  if (head || response->status < 200 || response->status == 304 || response->status == 204)
    body_len = 0;
  else if (!have_length)
    {
      while (read_more (in, buffer, NULL))
        ;
      body_len = buffer->len;
    }
  while (buffer->len < body_len)
    if (!read_more (in, buffer, error))
      {
        if (error != NULL && *error == NULL)
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "short body");
        return NULL;
      }

  response->body = g_bytes_new (buffer->data, body_len);
  g_byte_array_remove_range (buffer, 0, (guint) body_len);
  return g_steal_pointer (&response);
}

static gpointer
client_thread (gpointer data)
{
  Client *client = data;
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  GInputStream *in;
  GOutputStream *out;

  g_socket_client_set_timeout (socket_client, 20);
  g_socket_client_set_enable_proxy (socket_client, FALSE);
  connection = g_socket_client_connect_to_host (socket_client, "127.0.0.1", client->port, NULL, &error);
  if (connection == NULL)
    goto out;
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  if (client->raw || client->pipeline || client->byte_by_byte)
    {
      for (guint i = 0; i < client->requests->len; i++)
        {
          gsize len;
          const guint8 *bytes = g_bytes_get_data (g_ptr_array_index (client->requests, i), &len);

          for (gsize off = 0; off < len;)
            {
              gsize n = client->byte_by_byte ? 1 : len - off;

              if (!g_output_stream_write_all (out, bytes + off, n, NULL, NULL, &error))
                goto out;
              off += n;
              if (client->byte_by_byte)
                g_usleep (100);
            }
        }
      if (client->raw)
        {
          while (read_more (in, client->raw_output, NULL))
            ;
          goto out;
        }
      for (guint i = 0; i < client->requests->len; i++)
        {
          Response *response = read_response (in, buffer, GPOINTER_TO_INT (g_ptr_array_index (client->heads, i)),
                                               &error);

          if (response == NULL)
            goto out;
          g_ptr_array_add (client->responses, response);
        }
      goto wait_close;
    }

  for (guint i = 0; i < client->requests->len; i++)
    {
      GBytes *request = g_ptr_array_index (client->requests, i);
      Response *response;

      if (!g_output_stream_write_all (out, g_bytes_get_data (request, NULL), g_bytes_get_size (request),
                                      NULL, NULL, &error))
        goto out;
      if (client->hang_up)
        goto out;
      if (client->hang_up_in_call)
        {
          for (int tries = 0; tries < 2000; tries++)
            {
              int waiting;

              g_mutex_lock (&gate.lock);
              waiting = gate.predict_waiting;
              g_mutex_unlock (&gate.lock);
              if (waiting > 0)
                break;
              g_usleep (5000);
            }
          goto out;
        }
      response = read_response (in, buffer, GPOINTER_TO_INT (g_ptr_array_index (client->heads, i)), &error);
      if (response == NULL)
        goto out;
      g_ptr_array_add (client->responses, response);
    }

wait_close:
  if (client->wait_close)
    {
      gint64 start = g_get_monotonic_time ();

      while (read_more (in, buffer, NULL))
        ;
      client->close_delay = g_get_monotonic_time () - start;
    }

out:
  if (error != NULL)
    client->error = g_strdup (error->message);
  if (connection != NULL)
    g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  g_atomic_int_set (&client->done, TRUE);
  g_main_context_wakeup (client->context);
  return NULL;
}

static GThread *
client_start (Client *client)
{
  return g_thread_new ("test-client", client_thread, client);
}

static void
client_wait (Client  *client,
             GThread *thread)
{
  while (!g_atomic_int_get (&client->done))
    g_main_context_iteration (client->context, TRUE);
  g_thread_join (thread);
}

static void
client_run (Client *client)
{
  client_wait (client, client_start (client));
}

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Serves the context for @ms milliseconds: only to show that something does NOT happen. */
static void
iterate_for (GMainContext *context,
             guint         ms)
{
  gboolean expired = FALSE;
  GSource *timeout = g_timeout_source_new (ms);

  g_source_set_callback (timeout, set_flag_cb, &expired, NULL);
  g_source_attach (timeout, context);
  while (!expired)
    g_main_context_iteration (context, TRUE);
  g_source_unref (timeout);
}

/* Serves the context until a predict() call is inside the component (held at the gate). */
static void
wait_for_predict (GMainContext *context)
{
  while (TRUE)
    {
      int waiting;

      g_mutex_lock (&gate.lock);
      waiting = gate.predict_waiting;
      g_mutex_unlock (&gate.lock);
      if (waiting > 0)
        return;
      iterate_for (context, 10);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Fixture                                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct
{
  int      threads;
  gint64   max_body_bytes;
  gboolean passthrough;
  int      keepalive;
  gint64   request_timeout_ms;
  gboolean access_log;
  gboolean hold_load;
  gboolean not_thread_safe;
  gboolean given_socket;
} Options;

typedef struct
{
  const Options *options;
  GMainContext  *context;
  SeldonConfig  *config;
  TestEcho      *component;
  SeldonWorker  *worker;
  SeldonServer  *server;
  guint16        port;
  guint16        given_port;
  GCancellable  *start_cancellable;
  gboolean       started;
  GError        *start_error;
} Fixture;

static const Options default_options = { .threads = 4, .keepalive = 2 };

static void
start_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fixture *fixture = user_data;

  seldon_worker_start_finish (SELDON_WORKER (source), result, &fixture->start_error);
  fixture->started = TRUE;
  g_main_context_wakeup (fixture->context);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  const Options *options = data != NULL ? data : &default_options;
  g_autoptr(GError) error = NULL;

  gate_reset ();
  gate.hold_load = options->hold_load;

  fixture->options = options;
  fixture->context = g_main_context_new ();
  g_main_context_push_thread_default (fixture->context);

  fixture->config = seldon_config_new ();
  g_object_set (fixture->config,
                "listen-address", "127.0.0.1",
                "http-port", 0,
                "metrics-port", 0,
                "grpc-workers", 0,
                "threads", options->threads > 0 ? options->threads : 4,
                "keepalive", options->keepalive,
                "payload-passthrough", options->passthrough,
                "access-log", options->access_log,
                "request-timeout-ms", options->request_timeout_ms,
                NULL);
  if (options->max_body_bytes > 0)
    g_object_set (fixture->config, "max-body-bytes", options->max_body_bytes, NULL);

  fixture->component = g_object_new (TEST_TYPE_ECHO, NULL);
  if (options->not_thread_safe)
    fixture->component->flags = SELDON_COMPONENT_FLAGS_NOT_THREAD_SAFE;
  fixture->worker = seldon_worker_new (SELDON_COMPONENT (fixture->component), fixture->config);
  fixture->server = seldon_server_new (fixture->config, fixture->worker);
  if (options->given_socket)
    {
      g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL);
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
      g_autoptr(GSocketAddress) local = NULL;

      g_assert_true (g_socket_bind (socket, address, TRUE, NULL));
      g_assert_true (g_socket_listen (socket, NULL));
      local = g_socket_get_local_address (socket, NULL);
      fixture->given_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
      g_assert_true (seldon_server_add_socket (fixture->server, SELDON_LISTENER_HTTP, socket, &error));
      g_assert_no_error (error);
    }
  g_assert_true (seldon_server_listen (fixture->server, &error));
  g_assert_no_error (error);
  fixture->port = (guint16) seldon_server_get_http_port (fixture->server);
  g_assert_cmpuint (fixture->port, >, 0);

  fixture->start_cancellable = g_cancellable_new ();
  seldon_worker_start_async (fixture->worker, fixture->start_cancellable, start_done_cb, fixture);
  if (!options->hold_load)
    {
      while (!fixture->started)
        g_main_context_iteration (fixture->context, TRUE);
      g_assert_no_error (fixture->start_error);
      g_assert_true (seldon_worker_is_ready (fixture->worker));
    }
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  SeldonWorker *worker = fixture->worker;

  gate_open ();
  while (!fixture->started)
    g_main_context_iteration (fixture->context, TRUE);
  g_clear_error (&fixture->start_error);

  /* The worker lives until its last job came back: wait for that, so nothing leaks. */
  g_object_add_weak_pointer (G_OBJECT (worker), (gpointer *) &worker);
  g_clear_object (&fixture->server);
  g_clear_object (&fixture->worker);
  while (worker != NULL)
    g_main_context_iteration (fixture->context, TRUE);
  g_clear_object (&fixture->component);
  g_clear_object (&fixture->config);
  g_clear_object (&fixture->start_cancellable);
  /* Let the last sources (libsoup's) run and release what they hold. */
  while (g_main_context_iteration (fixture->context, FALSE))
    ;
  g_main_context_pop_thread_default (fixture->context);
  g_main_context_unref (fixture->context);
}

/* One request on its own connection. */
static Response *
request (Fixture           *fixture,
         const char        *method,
         const char        *target,
         const char *const *headers,
         const char        *body)
{
  g_autoptr(Client) client = client_new (fixture->port);

  client_add_request (client, method, target, headers, body, -1, FALSE);
  client_run (client);
  g_assert_null (client->error);
  g_assert_cmpuint (client->responses->len, ==, 1);
  return g_ptr_array_steal_index (client->responses, 0);
}

static void
assert_response (Response   *response,
                 int         status,
                 const char *content_type,
                 const char *body)
{
  g_autofree char *text = response_body (response);

  g_assert_cmpint (response->status, ==, status);
  if (content_type != NULL)
    g_assert_cmpstr (response_header (response, "Content-Type"), ==, content_type);
  if (body != NULL)
    g_assert_cmpstr (text, ==, body);
}

/* ------------------------------------------------------------------------------------------ */
/* Routes                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static const char *const json_type[] = { "Content-Type: application/json", NULL };

static void
test_predict_routes (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *const paths[] = { "/predict", "/api/v1.0/predictions", "/api/v0.1/predictions" };

  g_test_summary ("The three predict routes answer POST with the component's answer");

  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(Response) response = request (fixture, "POST", paths[i], json_type, REQ_12);

      assert_response (response, 200, "application/json", ECHO_12_BODY);
      g_assert_cmpstr (response_header (response, "Access-Control-Allow-Origin"), ==, "*");
      g_assert_null (response_header (response, "Vary"));
      g_assert_cmpstr (response_header (response, "Server"), ==, "seldon-microservice");
      g_assert_nonnull (response_header (response, "Date"));
    }

  /* GET /predict with the request in the query; transform routes fall back to identity. */
  {
    g_autoptr(Response) response = request (fixture, "GET", "/predict?json=" REQ_12_ESCAPED, NULL, NULL);

    assert_response (response, 200, "application/json", ECHO_12_BODY);
  }
  {
    g_autoptr(Response) response = request (fixture, "POST", "/transform-input", json_type, REQ_12);

    assert_response (response, 200, "application/json", ECHO_12_BODY);
  }
  {
    g_autoptr(Response) response = request (fixture, "GET", "/transform-output?json=" REQ_12_ESCAPED, NULL, NULL);

    assert_response (response, 200, "application/json", ECHO_12_BODY);
  }
  {
    g_autoptr(Response) response = request (fixture, "GET", "/health/status", NULL, NULL);

    assert_response (response, 200, "application/json", "{\"meta\":{},\"strData\":\"healthy\"}\n");
  }
  {
    g_autoptr(Response) response = request (fixture, "GET", "/api/v1.0/metadata", NULL, NULL);

    g_assert_cmpint (response->status, ==, 200);
    g_assert_cmpstr (response_header (response, "Content-Type"), ==, "application/json");
  }
  {
    /* A percent-encoded path is decoded before matching. */
    g_autoptr(Response) response = request (fixture, "POST", "/pre%64ict", json_type, REQ_12);

    assert_response (response, 200, "application/json", ECHO_12_BODY);
  }
}

static void
test_not_found (Fixture       *fixture,
                gconstpointer  data)
{
  const char *const cases[][2] = {
    { "GET", "/nonexistent" },
    { "POST", "/nonexistent" },
    { "PUT", "/foo" },
    { "OPTIONS", "/nonexistent" },
    { "GET", "/" },
    { "GET", "/predict/" },
    { "POST", "/predict/" },
    { "GET", "/Predict" },
    { "POST", "/combine" },
    { "GET", "/metrics" },
  };

  g_test_summary ("Unknown paths answer 404 with the Seldon error object, whatever the method");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Response) response = request (fixture, cases[i][0], cases[i][1], json_type,
                                              strcmp (cases[i][0], "GET") != 0 ? "{}" : NULL);

      assert_response (response, 404, "application/json", NOT_FOUND_BODY);
      g_assert_null (response_header (response, "Allow"));
      g_assert_cmpstr (response_header (response, "Access-Control-Allow-Origin"), ==, "*");
    }

  /* HEAD: same status and headers, no body. */
  {
    g_autoptr(Response) response = request (fixture, "HEAD", "/nonexistent", NULL, NULL);
    g_autofree char *length = g_strdup_printf ("%zu", strlen (NOT_FOUND_BODY));

    assert_response (response, 404, "application/json", "");
    g_assert_cmpstr (response_header (response, "Content-Length"), ==, length);
  }
}

static void
test_method_not_allowed (Fixture       *fixture,
                         gconstpointer  data)
{
  const char *const cases[][3] = {
    { "GET", "/api/v1.0/predictions", "OPTIONS, POST" },
    { "GET", "/api/v0.1/predictions", "OPTIONS, POST" },
    { "GET", "/api/v1.0/feedback", "OPTIONS, POST" },
    { "HEAD", "/api/v0.1/feedback", "OPTIONS, POST" },
    { "PUT", "/predict", "GET, HEAD, OPTIONS, POST" },
    { "DELETE", "/predict", "GET, HEAD, OPTIONS, POST" },
    { "PATCH", "/route", "GET, HEAD, OPTIONS, POST" },
    { "POST", "/health/ping", "GET, HEAD, OPTIONS" },
    { "POST", "/health/status", "GET, HEAD, OPTIONS" },
    { "POST", "/metadata", "GET, HEAD, OPTIONS" },
    { "POST", "/seldon.json", "GET, HEAD, OPTIONS" },
  };

  g_test_summary ("A known path with a wrong method answers 405 with Allow and the error object");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean head = strcmp (cases[i][0], "HEAD") == 0;
      g_autoptr(Response) response = request (fixture, cases[i][0], cases[i][1], NULL, NULL);

      assert_response (response, 405, "application/json", head ? "" : NOT_ALLOWED_BODY);
      g_assert_cmpstr (response_header (response, "Allow"), ==, cases[i][2]);
    }
}

static void
test_head (Fixture       *fixture,
           gconstpointer  data)
{
  g_test_summary ("HEAD answers like GET without a body");

  {
    g_autoptr(Response) response = request (fixture, "HEAD", "/health/ping", NULL, NULL);

    assert_response (response, 200, "text/html; charset=utf-8", "");
    g_assert_cmpstr (response_header (response, "Content-Length"), ==, "4");
  }
  {
    g_autoptr(Response) response = request (fixture, "HEAD", "/predict?json=" REQ_12_ESCAPED, NULL, NULL);
    g_autofree char *length = g_strdup_printf ("%zu", strlen (ECHO_12_BODY));

    assert_response (response, 200, "application/json", "");
    g_assert_cmpstr (response_header (response, "Content-Length"), ==, length);
  }
  {
    g_autoptr(Response) response = request (fixture, "HEAD", "/predict", NULL, NULL);

    assert_response (response, 400, "application/json", "");
  }
}

static void
test_options_cors (Fixture       *fixture,
                   gconstpointer  data)
{
  g_test_summary ("OPTIONS and CORS headers behave like Flask-CORS with its defaults");

  {
    g_autoptr(Response) response = request (fixture, "OPTIONS", "/predict", NULL, NULL);

    assert_response (response, 200, "text/html; charset=utf-8", "");
    g_assert_cmpstr (response_header (response, "Allow"), ==, "GET, HEAD, OPTIONS, POST");
    g_assert_cmpstr (response_header (response, "Content-Length"), ==, "0");
    g_assert_cmpstr (response_header (response, "Access-Control-Allow-Origin"), ==, "*");
    /* Not a preflight (no Access-Control-Request-Method). */
    g_assert_null (response_header (response, "Access-Control-Allow-Methods"));
  }
  {
    const char *const headers[] = {
      "Origin: http://example.com",
      "Access-Control-Request-Method: POST",
      "Access-Control-Request-Headers: X-Seldon, content-type, Accept",
      NULL
    };
    g_autoptr(Response) response = request (fixture, "OPTIONS", "/api/v1.0/predictions", headers, NULL);

    assert_response (response, 200, "text/html; charset=utf-8", "");
    g_assert_cmpstr (response_header (response, "Allow"), ==, "OPTIONS, POST");
    g_assert_cmpstr (response_header (response, "Access-Control-Allow-Origin"), ==, "http://example.com");
    g_assert_cmpstr (response_header (response, "Vary"), ==, "Origin");
    g_assert_cmpstr (response_header (response, "Access-Control-Allow-Methods"), ==,
                     "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
    g_assert_cmpstr (response_header (response, "Access-Control-Allow-Headers"), ==,
                     "Accept, X-Seldon, content-type");
    g_assert_null (response_header (response, "Access-Control-Allow-Credentials"));
  }
  {
    const char *const headers[] = { "Access-Control-Request-Method: GET", NULL };
    g_autoptr(Response) response = request (fixture, "OPTIONS", "/health/ping", headers, NULL);

    g_assert_cmpint (response->status, ==, 200);
    g_assert_cmpstr (response_header (response, "Allow"), ==, "GET, HEAD, OPTIONS");
    g_assert_cmpstr (response_header (response, "Access-Control-Allow-Methods"), ==,
                     "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
    g_assert_null (response_header (response, "Access-Control-Allow-Headers"));
  }
  {
    const char *const headers[] = { "Origin: https://app.example", NULL };
    g_autoptr(Response) response = request (fixture, "GET", "/health/ping", headers, NULL);

    assert_response (response, 200, "text/html; charset=utf-8", "pong");
    g_assert_cmpstr (response_header (response, "Access-Control-Allow-Origin"), ==, "https://app.example");
    g_assert_cmpuint (response_header_count (response, "Vary"), ==, 1);
  }
  {
    /* Error answers carry CORS headers too. */
    const char *const headers[] = { "Origin: https://app.example", NULL };
    g_autoptr(Response) response = request (fixture, "GET", "/nope", headers, NULL);

    g_assert_cmpint (response->status, ==, 404);
    g_assert_cmpstr (response_header (response, "Access-Control-Allow-Origin"), ==, "https://app.example");
  }
}

static void
test_ping (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(Response) response = NULL;

  g_test_summary ("/health/ping answers pong");

  response = request (fixture, "GET", "/health/ping", NULL, NULL);
  assert_response (response, 200, "text/html; charset=utf-8", "pong");
  g_assert_cmpstr (response_header (response, "Content-Length"), ==, "4");
}

static void
test_openapi (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(Response) response = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *const paths[] = { "/aggregate", "/predict", "/route", "/send-feedback",
                                "/transform-input", "/transform-output" };
  JsonObject *root, *path_table;
  const char *etag;

  g_test_summary ("/seldon.json serves the OpenAPI document as a file");

  response = request (fixture, "GET", "/seldon.json", NULL, NULL);
  g_assert_cmpint (response->status, ==, 200);
  g_assert_cmpstr (response_header (response, "Content-Type"), ==, "application/json");
  g_assert_cmpstr (response_header (response, "Content-Disposition"), ==, "inline; filename=seldon.json");
  g_assert_cmpstr (response_header (response, "Cache-Control"), ==, "no-cache");
  g_assert_nonnull (response_header (response, "Last-Modified"));
  etag = response_header (response, "ETag");
  g_assert_nonnull (etag);
  g_assert_true (etag[0] == '"');

  text = response_body (response);
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "openapi"), ==, "3.0.0");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "info"), "title"),
                   ==, "Seldon External API");
  path_table = json_object_get_object_member (root, "paths");
  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    g_assert_true (json_object_has_member (path_table, paths[i]));
  g_assert_true (json_object_has_member (json_object_get_object_member (root, "components"), "schemas"));

  /* Conditional GET. */
  {
    g_autofree char *condition = g_strdup_printf ("If-None-Match: %s", etag);
    const char *const headers[] = { condition, NULL };
    g_autoptr(Response) again = request (fixture, "GET", "/seldon.json", headers, NULL);

    assert_response (again, 304, NULL, "");
    g_assert_cmpstr (response_header (again, "ETag"), ==, etag);
  }
  {
    g_autofree char *condition = g_strdup_printf ("If-Modified-Since: %s", response_header (response, "Last-Modified"));
    const char *const headers[] = { condition, NULL };
    g_autoptr(Response) again = request (fixture, "GET", "/seldon.json", headers, NULL);

    assert_response (again, 304, NULL, "");
  }

  /* One byte range. */
  {
    const char *const headers[] = { "Range: bytes=0-9", NULL };
    g_autoptr(Response) part = request (fixture, "GET", "/seldon.json", headers, NULL);
    g_autofree char *expected = g_strdup_printf ("bytes 0-9/%zu", strlen (text));
    g_autofree char *prefix = g_strndup (text, 10);

    assert_response (part, 206, "application/json", prefix);
    g_assert_cmpstr (response_header (part, "Content-Range"), ==, expected);
  }
  {
    const char *const headers[] = { "Range: bytes=-5", NULL };
    g_autoptr(Response) part = request (fixture, "GET", "/seldon.json", headers, NULL);

    assert_response (part, 206, "application/json", text + strlen (text) - 5);
  }
  {
    g_autofree char *range = g_strdup_printf ("Range: bytes=%zu-", strlen (text));
    const char *const headers[] = { range, NULL };
    g_autoptr(Response) part = request (fixture, "GET", "/seldon.json", headers, NULL);

    g_assert_cmpint (part->status, ==, 416);
  }
  {
    /* Several ranges: the whole file. */
    const char *const headers[] = { "Range: bytes=0-1,5-6", NULL };
    g_autoptr(Response) whole = request (fixture, "GET", "/seldon.json", headers, NULL);

    assert_response (whole, 200, "application/json", text);
  }
  {
    /* Ranges apply to the OpenAPI file only. */
    const char *const headers[] = { "Range: bytes=0-1", NULL };
    g_autoptr(Response) ping = request (fixture, "GET", "/health/ping", headers, NULL);

    assert_response (ping, 200, NULL, "pong");
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Finding the request (rest-api.md §3)                                                        */
/* ------------------------------------------------------------------------------------------ */

static void
test_query_json (Fixture       *fixture,
                 gconstpointer  data)
{
  g_test_summary ("The json query parameter: used when present, 400 when malformed");

  {
    /* '+' is a space; the first value wins. */
    g_autoptr(Response) response = request (fixture, "GET",
                                            "/predict?json={\"strData\":+\"a+b\"}&json=x", NULL, NULL);

    assert_response (response, 200, "application/json", "{\"meta\":{},\"strData\":\"a b\"}\n");
  }
  {
    g_autoptr(Response) response = request (fixture, "GET", "/predict?json=%7B%22data%22%3A", NULL, NULL);

    assert_response (response, 400, "application/json", NO_JSON_BODY);
  }
  {
    /* An empty value does not count: the body is used. */
    g_autoptr(Response) response = request (fixture, "POST", "/predict?json=", json_type, REQ_12);

    assert_response (response, 200, "application/json", ECHO_12_BODY);
  }
  {
    /* The query beats the body. */
    g_autoptr(Response) response = request (fixture, "POST", "/predict?json=" REQ_12_ESCAPED, json_type,
                                            "{\"strData\":\"body\"}");

    assert_response (response, 200, "application/json", ECHO_12_BODY);
  }
  {
    g_autoptr(Response) response = request (fixture, "GET", "/predict", NULL, NULL);

    assert_response (response, 400, "application/json", NO_JSON_BODY);
  }
}

static void
test_form_json (Fixture       *fixture,
                gconstpointer  data)
{
  const char *const form_type[] = { "Content-Type: application/x-www-form-urlencoded", NULL };

  g_test_summary ("The json form field beats the query parameter");

  {
    g_autoptr(Response) response = request (fixture, "POST", "/predict?json=%7B%22strData%22%3A%22query%22%7D",
                                            form_type, "a=1&json=" REQ_12_ESCAPED);

    assert_response (response, 200, "application/json", ECHO_12_BODY);
  }
  {
    /* No form field: the query parameter. */
    g_autoptr(Response) response = request (fixture, "POST", "/predict?json=" REQ_12_ESCAPED,
                                            form_type, "a=1");

    assert_response (response, 200, "application/json", ECHO_12_BODY);
  }
  {
    g_autoptr(Response) response = request (fixture, "POST", "/predict", form_type, "json=%7Bnope");

    assert_response (response, 400, "application/json", NO_JSON_BODY);
  }
  {
    /* A form body without json: not a JSON body either. */
    g_autoptr(Response) response = request (fixture, "POST", "/predict", form_type, "a=1");

    assert_response (response, 400, "application/json", NO_JSON_BODY);
  }
}

static void
test_content_type (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *const accepted[] = {
    "Content-Type: application/json",
    "Content-Type: APPLICATION/JSON",
    "Content-Type: application/json; charset=utf-8",
    "Content-Type: application/vnd.api+json",
  };
  const char *const refused[] = {
    NULL,
    "Content-Type: text/plain",
    "Content-Type: application/jsonx",
    "Content-Type: text/json",
  };

  g_test_summary ("The body is used only with a JSON media type");

  for (gsize i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      const char *const headers[] = { accepted[i], NULL };
      g_autoptr(Response) response = request (fixture, "POST", "/predict", headers, REQ_12);

      assert_response (response, 200, "application/json", ECHO_12_BODY);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      const char *const headers[] = { refused[i], NULL };
      g_autoptr(Response) response = request (fixture, "POST", "/predict", headers, REQ_12);

      assert_response (response, 400, "application/json", NO_JSON_BODY);
    }

  /* GET may carry a JSON body. */
  {
    g_autoptr(Response) response = request (fixture, "GET", "/predict", json_type, REQ_12);

    assert_response (response, 200, "application/json", ECHO_12_BODY);
  }
  /* Malformed and null bodies. */
  {
    g_autoptr(Response) response = request (fixture, "POST", "/predict", json_type, "{\"data\":");

    assert_response (response, 400, "application/json", NO_JSON_BODY);
  }
  {
    g_autoptr(Response) response = request (fixture, "POST", "/predict", json_type, "");

    assert_response (response, 400, "application/json", NO_JSON_BODY);
  }
}

#define BOUNDARY "XyZzY0123"

static char *
multipart_body (const char *const *parts)
{
  GString *body = g_string_new (NULL);

  for (guint i = 0; parts[i] != NULL; i += 3)
    {
      g_string_append (body, "--" BOUNDARY "\r\n");
      if (parts[i + 1] != NULL)
        g_string_append_printf (body,
                                "Content-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                                "Content-Type: application/octet-stream\r\n\r\n",
                                parts[i], parts[i + 1]);
      else
        g_string_append_printf (body, "Content-Disposition: form-data; name=\"%s\"\r\n\r\n", parts[i]);
      g_string_append (body, parts[i + 2]);
      g_string_append (body, "\r\n");
    }
  g_string_append (body, "--" BOUNDARY "--\r\n");
  return g_string_free (body, FALSE);
}

static Response *
post_multipart (Fixture           *fixture,
                const char        *path,
                const char *const *parts)
{
  const char *const headers[] = { "Content-Type: multipart/form-data; boundary=" BOUNDARY, NULL };
  g_autofree char *body = multipart_body (parts);

  return request (fixture, "POST", path, headers, body);
}

static void
test_multipart (Fixture       *fixture,
                gconstpointer  data)
{
  g_test_summary ("multipart/form-data: text fields are JSON (strData text), binData base64");

  {
    const char *const parts[] = { "data", NULL, "{\"names\":[\"a\",\"b\"],\"ndarray\":[[1,2]]}", NULL };
    g_autoptr(Response) response = post_multipart (fixture, "/predict", parts);

    assert_response (response, 200, "application/json", ECHO_12_BODY);
  }
  {
    /* rest-api.md §10 example 43: a text field and a file named strData. */
    const char *const parts[] = { "meta", NULL, "{\"puid\":\"m\"}", "strData", "s.txt", "hi", NULL };
    g_autoptr(Response) response = post_multipart (fixture, "/predict", parts);

    assert_response (response, 200, "application/json", "{\"meta\":{\"puid\":\"m\"},\"strData\":\"hi\"}\n");
  }
  {
    const char *const parts[] = { "strData", NULL, "not json", NULL };
    g_autoptr(Response) response = post_multipart (fixture, "/predict", parts);

    assert_response (response, 200, "application/json", "{\"meta\":{},\"strData\":\"not json\"}\n");
  }
  {
    const char *const parts[] = { "binData", "b.bin", "123", NULL };
    g_autoptr(Response) response = post_multipart (fixture, "/predict", parts);

    assert_response (response, 200, "application/json", "{\"binData\":\"MTIz\",\"meta\":{}}\n");
  }
  {
    const char *const parts[] = { "meta", NULL, "hello", NULL };
    g_autoptr(Response) response = post_multipart (fixture, "/predict", parts);

    assert_response (response, 500, "application/json",
                     "{\"status\":{\"code\":-1,\"info\":\"Expecting value: line 1 column 1 (char 0)\","
                     "\"reason\":\"MICROSERVICE_INTERNAL_ERROR\",\"status\":1}}\n");
  }
  {
    /* The json field is not special in a form. */
    const char *const parts[] = { "json", NULL, "{\"strData\":\"x\"}", NULL };
    g_autoptr(Response) response = post_multipart (fixture, "/predict", parts);

    assert_response (response, 400, "application/json",
                     "{\"status\":{\"code\":-1,\"info\":\"Invalid request data type: {'json': {'strData': 'x'}}\","
                     "\"reason\":\"MICROSERVICE_BAD_DATA\",\"status\":1}}\n");
  }
  {
    const char *const parts[] = { "strData", "s.txt", "\xff\xfe", NULL };
    g_autoptr(Response) response = post_multipart (fixture, "/predict", parts);

    assert_response (response, 500, "application/json",
                     "{\"status\":{\"code\":-1,\"info\":\"'utf-8' codec can't decode byte 0xff in position 0: invalid start byte\","
                     "\"reason\":\"MICROSERVICE_INTERNAL_ERROR\",\"status\":1}}\n");
  }
}

static const Options passthrough_options = { .threads = 4, .keepalive = 2, .passthrough = TRUE };

static void
test_passthrough (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *const text_type[] = { "Content-Type: text/plain", NULL };

  g_test_summary ("PAYLOAD_PASSTHROUGH hands the raw body or json text to predict");

  {
    g_autoptr(Response) response = request (fixture, "POST", "/predict", text_type, "not json at all");

    assert_response (response, 200, "application/json", "raw:not json at all");
  }
  {
    g_autoptr(Response) response = request (fixture, "GET", "/api/v1.0/predictions?json=abc", NULL, NULL);

    assert_response (response, 405, NULL, NULL);
  }
  {
    g_autoptr(Response) response = request (fixture, "GET", "/predict?json=%7B1", NULL, NULL);

    assert_response (response, 200, "application/json", "raw:{1");
  }
  {
    /* Other routes still decode. */
    g_autoptr(Response) response = request (fixture, "POST", "/transform-input", text_type, REQ_12);

    assert_response (response, 400, "application/json", NO_JSON_BODY);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Limits, connections, readiness                                                              */
/* ------------------------------------------------------------------------------------------ */

static const Options small_body_options = { .threads = 4, .keepalive = 2, .max_body_bytes = 100 };

static void
test_body_limit (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *big = g_strnfill (200, ' ');

  g_test_summary ("Bodies over max-body-bytes answer 413, announced or chunked");

  {
    g_autoptr(Response) response = request (fixture, "POST", "/predict", json_type, big);

    assert_response (response, 413, "application/json",
                     "{\"status\":{\"code\":-1,\"info\":\"Request body too large: 200 bytes (limit 100)\","
                     "\"reason\":\"MICROSERVICE_BAD_DATA\",\"status\":1}}\n");
    g_assert_cmpstr (response_header (response, "Connection"), ==, "close");
    g_assert_cmpstr (response_header (response, "Access-Control-Allow-Origin"), ==, "*");
  }
  {
    /* Chunked: 3 chunks of 50 bytes. */
    g_autoptr(Client) client = client_new (fixture->port);
    g_autoptr(GString) raw = g_string_new ("POST /predict HTTP/1.1\r\nHost: x\r\n"
                                           "Content-Type: application/json\r\n"
                                           "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    Response *response;

    for (int i = 0; i < 3; i++)
      {
        g_string_append (raw, "32\r\n");
        g_string_append_len (raw, big, 50);
        g_string_append (raw, "\r\n");
      }
    g_string_append (raw, "0\r\n\r\n");
    client_add (client, raw->str, raw->len, FALSE);
    client_run (client);
    g_assert_null (client->error);
    response = g_ptr_array_index (client->responses, 0);
    assert_response (response, 413, "application/json",
                     "{\"status\":{\"code\":-1,\"info\":\"Request body too large: 150 bytes (limit 100)\","
                     "\"reason\":\"MICROSERVICE_BAD_DATA\",\"status\":1}}\n");
  }
  {
    /* Under the limit, chunked. */
    g_autoptr(Client) client = client_new (fixture->port);
    g_autofree char *raw = g_strdup_printf ("POST /predict HTTP/1.1\r\nHost: x\r\n"
                                            "Content-Type: application/json\r\n"
                                            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                            "%zx\r\n%s\r\n0\r\n\r\n", strlen (REQ_12), REQ_12);

    client_add (client, raw, strlen (raw), FALSE);
    client_run (client);
    g_assert_null (client->error);
    assert_response (g_ptr_array_index (client->responses, 0), 200, "application/json", ECHO_12_BODY);
  }
}

static void
test_request_line_limit (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *filler = g_strnfill (4100, 'a');
  g_autofree char *target = g_strdup_printf ("/predict?x=%s", filler);
  g_autofree char *ok_filler = g_strnfill (4094 - strlen ("GET /health/ping?x= HTTP/1.1"), 'a');
  g_autofree char *ok_target = g_strdup_printf ("/health/ping?x=%s", ok_filler);

  g_test_summary ("A request line over 4094 bytes is a plain 400 from the HTTP layer");

  {
    g_autoptr(Response) response = request (fixture, "GET", target, NULL, NULL);
    g_autofree char *body = response_body (response);

    g_assert_cmpint (response->status, ==, 400);
    g_assert_cmpstr (response_header (response, "Content-Type"), ==, "text/html");
    g_assert_nonnull (strstr (body, "Request line is too large"));
  }
  {
    g_autoptr(Response) response = request (fixture, "GET", ok_target, NULL, NULL);

    assert_response (response, 200, NULL, "pong");
  }
}

static const Options single_thread_options = { .threads = 1, .keepalive = 2 };
static const Options keepalive_options = { .threads = 2, .keepalive = 1 };

static void
test_connection_close (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(Client) client = client_new (fixture->port);

  g_test_summary ("With one thread every answer closes the connection");

  client_add_request (client, "GET", "/health/ping", NULL, NULL, -1, TRUE);
  client->wait_close = TRUE;
  client_run (client);
  g_assert_null (client->error);
  g_assert_cmpstr (response_header (g_ptr_array_index (client->responses, 0), "Connection"), ==, "close");
  g_assert_cmpint (client->close_delay, <, G_USEC_PER_SEC / 2);
}

static void
test_keepalive (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(Client) client = client_new (fixture->port);

  g_test_summary ("With threads, connections are kept alive and closed after keepalive seconds idle");

  client_add_request (client, "GET", "/health/ping", NULL, NULL, -1, TRUE);
  client_add_request (client, "POST", "/predict", json_type, REQ_12, -1, TRUE);
  client->wait_close = TRUE;
  client_run (client);
  g_assert_null (client->error);
  g_assert_cmpuint (client->responses->len, ==, 2);
  g_assert_null (response_header (g_ptr_array_index (client->responses, 0), "Connection"));
  assert_response (g_ptr_array_index (client->responses, 1), 200, "application/json", ECHO_12_BODY);
  /* keepalive = 1 s */
  g_assert_cmpint (client->close_delay, >=, G_USEC_PER_SEC * 8 / 10);
  g_assert_cmpint (client->close_delay, <, G_USEC_PER_SEC * 5);
}

static const Options hold_load_options = { .threads = 2, .keepalive = 2, .hold_load = TRUE };

static void
test_held_until_ready (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(Client) ping = client_new (fixture->port);
  g_autoptr(Client) predict = client_new (fixture->port);
  g_autoptr(Client) missing = client_new (fixture->port);
  GThread *threads[3];

  g_test_summary ("Requests that arrive while load() runs wait, then are served");

  client_add_request (ping, "GET", "/health/ping", NULL, NULL, -1, FALSE);
  client_add_request (predict, "POST", "/predict", json_type, REQ_12, -1, FALSE);
  client_add_request (missing, "OPTIONS", "/predict", NULL, NULL, -1, FALSE);
  threads[0] = client_start (ping);
  threads[1] = client_start (predict);
  threads[2] = client_start (missing);

  iterate_for (fixture->context, 300);
  g_assert_false (g_atomic_int_get (&ping->done));
  g_assert_false (g_atomic_int_get (&predict->done));
  g_assert_false (g_atomic_int_get (&missing->done));
  g_assert_false (seldon_worker_is_ready (fixture->worker));

  gate_open ();
  client_wait (ping, threads[0]);
  client_wait (predict, threads[1]);
  client_wait (missing, threads[2]);
  g_assert_true (seldon_worker_is_ready (fixture->worker));
  assert_response (g_ptr_array_index (ping->responses, 0), 200, NULL, "pong");
  assert_response (g_ptr_array_index (predict->responses, 0), 200, "application/json", ECHO_12_BODY);
  assert_response (g_ptr_array_index (missing->responses, 0), 200, NULL, "");
}

static void
test_start_cancelled (Fixture       *fixture,
                      gconstpointer  data)
{
  g_test_summary ("Cancelling the start ends it at once, even while load() runs on");

  iterate_for (fixture->context, 50);
  g_assert_false (fixture->started);
  g_cancellable_cancel (fixture->start_cancellable);
  while (!fixture->started)
    g_main_context_iteration (fixture->context, TRUE);
  g_assert_error (fixture->start_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (seldon_worker_is_ready (fixture->worker));
}

static const Options timeout_options = { .threads = 2, .keepalive = 2, .request_timeout_ms = 200 };

static void
test_timeout (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(Response) response = NULL;

  g_test_summary ("A call that overruns request-timeout-ms answers 504 at the deadline");

  gate.hold_predict = TRUE;
  response = request (fixture, "POST", "/predict", json_type, REQ_12);
  assert_response (response, 504, "application/json",
                   "{\"status\":{\"code\":-1,\"info\":\"Timeout: the call did not finish before its deadline\","
                   "\"reason\":\"MICROSERVICE_INTERNAL_ERROR\",\"status\":1}}\n");
  gate_open ();

  /* The server still works. */
  {
    g_autoptr(Response) again = request (fixture, "POST", "/predict", json_type, REQ_12);

    assert_response (again, 200, "application/json", ECHO_12_BODY);
  }
}

static void
test_client_gone (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(Client) client = client_new (fixture->port);
  g_autoptr(Response) response = NULL;

  g_test_summary ("A client that leaves while its call runs cancels the call and is dropped safely");

  gate.hold_predict = TRUE;
  client_add_request (client, "POST", "/predict", json_type, REQ_12, -1, FALSE);
  client->hang_up_in_call = TRUE;
  client_run (client);

  /* The call is inside the component: the client's leaving cancels it. */
  wait_for_predict (fixture->context);
  for (int i = 0; i < 500; i++)
    {
      gboolean cancelled;

      g_mutex_lock (&gate.lock);
      cancelled = gate.predict_cancellable != NULL && g_cancellable_is_cancelled (gate.predict_cancellable);
      g_mutex_unlock (&gate.lock);
      if (cancelled)
        break;
      iterate_for (fixture->context, 10);
    }
  g_mutex_lock (&gate.lock);
  g_assert_nonnull (gate.predict_cancellable);
  g_assert_true (g_cancellable_is_cancelled (gate.predict_cancellable));
  g_mutex_unlock (&gate.lock);
  gate_open ();

  response = request (fixture, "POST", "/predict", json_type, REQ_12);
  assert_response (response, 200, "application/json", ECHO_12_BODY);
}

static void
test_client_gone_at_once (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(Client) client = client_new (fixture->port);
  g_autoptr(Response) response = NULL;

  g_test_summary ("A client that sends a request and leaves at once is dropped safely");

  client_add_request (client, "POST", "/predict", json_type, REQ_12, -1, TRUE);
  client->hang_up = TRUE;
  client_run (client);
  iterate_for (fixture->context, 100);

  response = request (fixture, "POST", "/predict", json_type, REQ_12);
  assert_response (response, 200, "application/json", ECHO_12_BODY);
}

static const Options not_thread_safe_options = { .threads = 8, .keepalive = 2, .not_thread_safe = TRUE };

static void
test_not_thread_safe (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(Response) response = NULL;

  g_test_summary ("A not-thread-safe component gets one thread, the one that loaded it");

  g_assert_cmpuint (seldon_worker_get_n_threads (fixture->worker), ==, 1);
  response = request (fixture, "POST", "/predict", json_type, REQ_12);
  assert_response (response, 200, "application/json", ECHO_12_BODY);
  g_assert_true (gate.predict_thread == gate.load_thread);
  g_assert_true (gate.load_thread != g_thread_self ());
  /* One thread: Connection: close. */
  g_assert_cmpstr (response_header (response, "Connection"), ==, "close");
}

static void
shutdown_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (seldon_server_shutdown_finish (SELDON_SERVER (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
test_graceful_shutdown (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(Client) slow = client_new (fixture->port);
  g_autoptr(Client) late = client_new (fixture->port);
  GThread *thread;
  gboolean done = FALSE;
  Response *response;

  g_test_summary ("Shutdown stops accepting, lets calls in progress finish, then stops");

  gate.hold_predict = TRUE;
  client_add_request (slow, "POST", "/predict", json_type, REQ_12, -1, TRUE);
  thread = client_start (slow);
  wait_for_predict (fixture->context);

  seldon_server_shutdown_async (fixture->server, NULL, shutdown_done_cb, &done);
  iterate_for (fixture->context, 50);
  g_assert_false (done);

  /* New connections are refused. */
  client_add_request (late, "GET", "/health/ping", NULL, NULL, -1, FALSE);
  client_run (late);
  g_assert_nonnull (late->error);

  gate_open ();
  client_wait (slow, thread);
  g_assert_null (slow->error);
  response = g_ptr_array_index (slow->responses, 0);
  assert_response (response, 200, "application/json", ECHO_12_BODY);
  g_assert_cmpstr (response_header (response, "Connection"), ==, "close");
  while (!done)
    g_main_context_iteration (fixture->context, TRUE);
}

static void
test_shutdown_cancelled (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(Client) slow = client_new (fixture->port);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GThread *thread;
  gboolean done = FALSE;

  g_test_summary ("Cancelling a graceful shutdown stops at once; an idle server stops at once");

  gate.hold_predict = TRUE;
  client_add_request (slow, "POST", "/predict", json_type, REQ_12, -1, FALSE);
  thread = client_start (slow);
  wait_for_predict (fixture->context);

  seldon_server_shutdown_async (fixture->server, cancellable, shutdown_done_cb, &done);
  iterate_for (fixture->context, 20);
  g_assert_false (done);
  g_cancellable_cancel (cancellable);
  while (!done)
    g_main_context_iteration (fixture->context, TRUE);

  /* The client's connection was closed without an answer. */
  client_wait (slow, thread);
  g_assert_nonnull (slow->error);
  gate_open ();

  /* Again: already stopped. */
  done = FALSE;
  seldon_server_shutdown_async (fixture->server, NULL, shutdown_done_cb, &done);
  while (!done)
    g_main_context_iteration (fixture->context, TRUE);
}

static void
test_shutdown_idle (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(Response) response = request (fixture, "GET", "/health/ping", NULL, NULL);
  gboolean done = FALSE;

  g_test_summary ("A graceful shutdown with nothing in progress completes at once");

  seldon_server_shutdown_async (fixture->server, NULL, shutdown_done_cb, &done);
  while (!done)
    g_main_context_iteration (fixture->context, TRUE);
}

static const Options access_log_options = { .threads = 2, .keepalive = 2, .access_log = TRUE };

static void
test_access_log (Fixture       *fixture,
                 gconstpointer  data)
{
  g_test_summary ("The access log has one line per request, metrics lines filtered");

  if (g_test_subprocess ())
    {
      const char *const agent[] = { "User-Agent: test-agent/1", NULL };
      g_autoptr(Response) ping = request (fixture, "GET", "/health/ping", agent, NULL);
      g_autoptr(Response) metrics = request (fixture, "GET", "/metrics?x=1", NULL, NULL);
      g_autoptr(Response) predict = request (fixture, "POST", "/predict", json_type, REQ_12);

      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*127.0.0.1 - - [*] \"GET /health/ping HTTP/1.1\" 200 4 \"-\" \"test-agent/1\"\n*");
  g_test_trap_assert_stdout ("*\"POST /predict HTTP/1.1\" 200 61 \"-\" \"-\"\n*");
  g_test_trap_assert_stdout_unmatched ("*/metrics*");
}

/* ------------------------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------------------------ */
/* The HTTP layer                                                                              */
/* ------------------------------------------------------------------------------------------ */

#define PING_KEEP "GET /health/ping HTTP/1.1\r\nHost: x\r\n\r\n"

static void
assert_raw_status (Client     *client,
                   int         status,
                   const char *detail)
{
  g_autofree char *text = g_strndup ((const char *) client->raw_output->data, client->raw_output->len);
  g_autofree char *prefix = g_strdup_printf ("HTTP/1.1 %d ", status);

  if (!g_str_has_prefix (text, prefix))
    g_error ("expected %s, got: %.200s", prefix, text);
  g_assert_nonnull (strstr (text, "\r\nConnection: close\r\n"));
  if (detail != NULL)
    g_assert_nonnull (strstr (text, detail));
}

/* Sends @raw on a new connection and reads until the server closes it. */
static Client *
raw_exchange (Fixture    *fixture,
              const char *raw,
              gssize      len)
{
  Client *client = client_new (fixture->port);

  client_add (client, raw, len < 0 ? strlen (raw) : (gsize) len, FALSE);
  client->raw = TRUE;
  client_run (client);
  g_assert_null (client->error);
  return client;
}

static void
test_http_pipelining (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(Client) client = client_new (fixture->port);
  g_autofree char *length = g_strdup_printf ("%zu", strlen (ECHO_12_BODY));

  g_test_summary ("Pipelined requests are answered in order on one connection");

  client_add_request (client, "GET", "/health/ping", NULL, NULL, -1, TRUE);
  client_add_request (client, "POST", "/predict", json_type, REQ_12, -1, TRUE);
  client_add_request (client, "HEAD", "/predict?json=" REQ_12_ESCAPED, NULL, NULL, -1, TRUE);
  client_add_request (client, "GET", "/nope", NULL, NULL, -1, TRUE);
  client_add_request (client, "POST", "/predict", json_type, "{\"strData\":\"last\"}", -1, FALSE);
  client->pipeline = TRUE;
  client->wait_close = TRUE;
  client_run (client);
  g_assert_null (client->error);
  g_assert_cmpuint (client->responses->len, ==, 5);
  assert_response (g_ptr_array_index (client->responses, 0), 200, NULL, "pong");
  assert_response (g_ptr_array_index (client->responses, 1), 200, "application/json", ECHO_12_BODY);
  assert_response (g_ptr_array_index (client->responses, 2), 200, "application/json", "");
  g_assert_cmpstr (response_header (g_ptr_array_index (client->responses, 2), "Content-Length"), ==, length);
  assert_response (g_ptr_array_index (client->responses, 3), 404, "application/json", NOT_FOUND_BODY);
  assert_response (g_ptr_array_index (client->responses, 4), 200, "application/json",
                   "{\"meta\":{},\"strData\":\"last\"}\n");
  g_assert_cmpstr (response_header (g_ptr_array_index (client->responses, 4), "Connection"), ==, "close");
  g_assert_cmpint (client->close_delay, <, G_USEC_PER_SEC / 2);
}

static void
test_http_byte_by_byte (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(Client) client = client_new (fixture->port);
  g_autofree char *chunked = NULL;

  g_test_summary ("Requests written one byte at a time are parsed like whole ones");

  chunked = g_strdup_printf ("\r\nPOST /predict HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
                             "transfer-encoding: chunked\r\n\r\n"
                             "5;a=b\r\n%.5s\r\n%zx\r\n%s\r\n0\r\nX-Trailer: yes\r\n\r\n",
                             REQ_12, strlen (REQ_12) - 5, REQ_12 + 5);
  client_add_request (client, "POST", "/predict", json_type, REQ_12, -1, TRUE);
  client_add (client, chunked, strlen (chunked), FALSE);
  client_add (client, PING_KEEP, strlen (PING_KEEP), FALSE);
  client_add_request (client, "HEAD", "/health/ping", NULL, NULL, -1, FALSE);
  client->byte_by_byte = TRUE;
  client->wait_close = TRUE;
  client_run (client);
  g_assert_cmpstr (client->error, ==, NULL);
  g_assert_cmpuint (client->responses->len, ==, 4);
  assert_response (g_ptr_array_index (client->responses, 0), 200, "application/json", ECHO_12_BODY);
  assert_response (g_ptr_array_index (client->responses, 1), 200, "application/json", ECHO_12_BODY);
  assert_response (g_ptr_array_index (client->responses, 2), 200, NULL, "pong");
  assert_response (g_ptr_array_index (client->responses, 3), 200, NULL, "");
}

static void
test_http_chunked (Fixture       *fixture,
                   gconstpointer  data)
{
  g_test_summary ("Chunked bodies: extensions, trailers, bare LF, upper-case hex; bad sizes are 400");

  {
    g_autoptr(Client) client = client_new (fixture->port);
    g_autofree char *raw = g_strdup_printf ("POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                            "Transfer-Encoding: Chunked\r\n\r\n"
                                            "1 ; x=\"a;b\"\r\n%.1s\r\n%zX\n%s\n0;last\r\nX-One: 1\r\nX-Two: 2\r\n\r\n",
                                            REQ_12, strlen (REQ_12) - 1, REQ_12 + 1);

    client_add (client, raw, strlen (raw), FALSE);
    client_add (client, PING_KEEP, strlen (PING_KEEP), FALSE);
    client_run (client);
    g_assert_null (client->error);
    assert_response (g_ptr_array_index (client->responses, 0), 200, "application/json", ECHO_12_BODY);
    assert_response (g_ptr_array_index (client->responses, 1), 200, NULL, "pong");
  }

  {
    const char *const bad[] = {
      "zz\r\nabc\r\n0\r\n\r\n",
      "-1\r\nabc\r\n0\r\n\r\n",
      "fffffffffffffffffff\r\nabc\r\n0\r\n\r\n",
      "\r\nabc\r\n0\r\n\r\n",
      "3\r\nabcXY\r\n0\r\n\r\n",
      "3x\r\nabc\r\n0\r\n\r\n",
    };

    for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *raw = g_strdup_printf ("POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                                "Transfer-Encoding: chunked\r\n\r\n%s", bad[i]);
        g_autoptr(Client) client = raw_exchange (fixture, raw, -1);

        assert_raw_status (client, 400, "chunk");
      }
  }
}

static void
test_http_header_limits (Fixture       *fixture,
                         gconstpointer  data)
{
  g_test_summary ("Too many header fields, a field too large: 400; a header block over 64 KiB: 431");

  {
    g_autoptr(GString) raw = g_string_new ("GET /health/ping HTTP/1.1\r\nHost: x\r\n");
    g_autoptr(Client) client = NULL;

    for (int i = 0; i < 100; i++)
      g_string_append_printf (raw, "X-Field-%d: %d\r\n", i, i);
    g_string_append (raw, "\r\n");
    client = raw_exchange (fixture, raw->str, (gssize) raw->len);
    assert_raw_status (client, 400, "Too many header fields (101 &gt; 100)");
  }
  {
    /* 100 fields pass */
    g_autoptr(GString) raw = g_string_new ("GET /health/ping HTTP/1.1\r\nHost: x\r\n");
    g_autoptr(Client) client = client_new (fixture->port);

    for (int i = 0; i < 98; i++)
      g_string_append_printf (raw, "X-Field-%d: %d\r\n", i, i);
    g_string_append (raw, "Connection: close\r\n\r\n");
    client_add (client, raw->str, raw->len, FALSE);
    client_run (client);
    g_assert_null (client->error);
    assert_response (g_ptr_array_index (client->responses, 0), 200, NULL, "pong");
  }
  {
    g_autofree char *value = g_strnfill (8190 - strlen ("X-Big: "), 'v');
    g_autofree char *raw = g_strdup_printf ("GET /health/ping HTTP/1.1\r\nHost: x\r\nX-Big: %sv\r\n\r\n", value);
    g_autoptr(Client) client = raw_exchange (fixture, raw, -1);

    assert_raw_status (client, 400, "Request header field is too large (8191 &gt; 8190)");
  }
  {
    g_autofree char *value = g_strnfill (8000, 'v');
    g_autoptr(GString) raw = g_string_new ("GET /health/ping HTTP/1.1\r\nHost: x\r\n");
    g_autoptr(Client) client = NULL;

    for (int i = 0; i < 10; i++)
      g_string_append_printf (raw, "X-Field-%d: %s\r\n", i, value);
    g_string_append (raw, "\r\n");
    client = raw_exchange (fixture, raw->str, (gssize) raw->len);
    assert_raw_status (client, 431, NULL);
  }
  {
    /* A request line that never ends */
    g_autofree char *filler = g_strnfill (70000, 'a');
    g_autofree char *raw = g_strdup_printf ("GET /%s", filler);
    g_autoptr(Client) client = raw_exchange (fixture, raw, -1);

    assert_raw_status (client, 400, "Request line is too large");
  }
}

static void
test_http_malformed (Fixture       *fixture,
                     gconstpointer  data)
{
  static const struct
  {
    const char *raw;
    gsize       len;
    int         status;
  } cases[] = {
#define CASE(raw, status) { raw, sizeof raw - 1, status }
    CASE ("GARBAGE\r\n\r\n", 400),
    CASE ("GET /predict HTTP/9.9\r\nHost: x\r\n\r\n", 505),
    CASE ("GET /predict HTTP/1.x\r\nHost: x\r\n\r\n", 400),
    CASE ("GET /predict FTP/1.1\r\nHost: x\r\n\r\n", 400),
    CASE ("GET  /predict HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    CASE ("GET predict HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    CASE ("G(T /predict HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    CASE ("POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
    CASE ("POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
    CASE ("POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
    CASE ("POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", 400),
    CASE ("POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400),
    CASE ("POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    CASE ("POST /predict HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400),
    CASE ("GET /health/ping HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n", 400),
    CASE ("GET /health/ping HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    CASE ("GET /health/ping HTTP/1.1\r\nNo-Colon\r\n\r\n", 400),
    CASE ("GET /health/ping HTTP/1.1\r\nX-Nul: a\0b\r\n\r\n", 400),
    CASE ("\x00\x01\x02\x03\r\n\r\n", 400),
#undef CASE
  };

  g_test_summary ("Malformed HTTP is answered with a plain error page, and the connection closed");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Client) client = raw_exchange (fixture, cases[i].raw, (gssize) cases[i].len);
      g_autofree char *text = g_strndup ((const char *) client->raw_output->data, client->raw_output->len);

      assert_raw_status (client, cases[i].status, NULL);
      g_assert_nonnull (strstr (text, "Content-Type: text/html\r\n"));
      g_assert_nonnull (strstr (text, "<html>"));
    }

  /* The server still works. */
  {
    g_autoptr(Response) response = request (fixture, "GET", "/health/ping", NULL, NULL);

    assert_response (response, 200, NULL, "pong");
  }
}

static void
test_http_10 (Fixture       *fixture,
              gconstpointer  data)
{
  g_test_summary ("HTTP/1.0: closed after the answer unless the client asks for keep-alive");

  {
    g_autoptr(Client) client = client_new (fixture->port);

    client_add (client, "GET /health/ping HTTP/1.0\r\n\r\n", strlen ("GET /health/ping HTTP/1.0\r\n\r\n"), FALSE);
    client->wait_close = TRUE;
    client_run (client);
    g_assert_null (client->error);
    assert_response (g_ptr_array_index (client->responses, 0), 200, NULL, "pong");
    g_assert_cmpstr (response_header (g_ptr_array_index (client->responses, 0), "Connection"), ==, "close");
    g_assert_cmpint (client->close_delay, <, G_USEC_PER_SEC / 2);
  }
  {
    g_autoptr(Client) client = client_new (fixture->port);
    const char *first = "POST /predict HTTP/1.0\r\nConnection: Keep-Alive\r\nContent-Type: application/json\r\n"
                        "Content-Length: 28\r\n\r\n" REQ_12;
    const char *second = "GET /health/ping HTTP/1.0\r\n\r\n";

    client_add (client, first, strlen (first), FALSE);
    client_add (client, second, strlen (second), FALSE);
    client->wait_close = TRUE;
    client_run (client);
    g_assert_null (client->error);
    g_assert_cmpuint (client->responses->len, ==, 2);
    assert_response (g_ptr_array_index (client->responses, 0), 200, "application/json", ECHO_12_BODY);
    g_assert_cmpstr (response_header (g_ptr_array_index (client->responses, 0), "Connection"), ==, "keep-alive");
    assert_response (g_ptr_array_index (client->responses, 1), 200, NULL, "pong");
    g_assert_cmpstr (response_header (g_ptr_array_index (client->responses, 1), "Connection"), ==, "close");
  }
}

static void
test_http_expect (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(Client) client = client_new (fixture->port);
  const char *head = "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Expect: 100-continue\r\nContent-Length: 28\r\n\r\n";

  g_test_summary ("Expect: 100-continue gets 100 Continue before the body is read");

  client_add (client, head, strlen (head), FALSE);
  client_add (client, REQ_12, strlen (REQ_12), FALSE);
  client_run (client);
  g_assert_null (client->error);
  g_assert_cmpuint (client->responses->len, ==, 2);
  g_assert_cmpint (((Response *) g_ptr_array_index (client->responses, 0))->status, ==, 100);
  assert_response (g_ptr_array_index (client->responses, 1), 200, "application/json", ECHO_12_BODY);
}

static void
test_http_expect_too_large (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(Client) client = client_new (fixture->port);
  const char *head = "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Expect: 100-continue\r\nContent-Length: 200\r\n\r\n";
  Response *response;

  g_test_summary ("A body announced over the limit is answered 413 at once, without 100 Continue");

  client_add (client, head, strlen (head), FALSE);
  client->wait_close = TRUE;
  client_run (client);
  g_assert_null (client->error);
  g_assert_cmpuint (client->responses->len, ==, 1);
  response = g_ptr_array_index (client->responses, 0);
  assert_response (response, 413, "application/json",
                   "{\"status\":{\"code\":-1,\"info\":\"Request body too large: 200 bytes (limit 100)\","
                   "\"reason\":\"MICROSERVICE_BAD_DATA\",\"status\":1}}\n");
  g_assert_cmpstr (response_header (response, "Connection"), ==, "close");
}

static const Options given_socket_options = { .threads = 2, .keepalive = 2, .given_socket = TRUE };

static void
test_add_socket (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(Response) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);

  g_test_summary ("seldon_server_add_socket(): the server serves an already listening socket");

  g_assert_cmpuint (fixture->port, ==, fixture->given_port);
  response = request (fixture, "GET", "/health/ping", NULL, NULL);
  assert_response (response, 200, NULL, "pong");

  /* Too late: the server listens. */
  g_assert_false (seldon_server_add_socket (fixture->server, SELDON_LISTENER_METRICS, socket, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
}

static void
test_add_socket_errors (void)
{
  g_autoptr(SeldonConfig) config = seldon_config_new ();
  g_autoptr(TestEcho) component = g_object_new (TEST_TYPE_ECHO, NULL);
  g_autoptr(SeldonWorker) worker = seldon_worker_new (SELDON_COMPONENT (component), config);
  g_autoptr(SeldonServer) server = seldon_server_new (config, worker);
  g_autoptr(GSocket) idle = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GSocket) udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GSocket) listening = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;

  g_test_summary ("seldon_server_add_socket() refuses sockets that do not listen, and a second one");

  g_assert_true (g_socket_bind (listening, address, TRUE, NULL));
  g_assert_true (g_socket_listen (listening, NULL));

  g_assert_false (seldon_server_add_socket (server, SELDON_LISTENER_HTTP, idle, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (seldon_server_add_socket (server, SELDON_LISTENER_METRICS, udp, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (seldon_server_add_socket (server, SELDON_LISTENER_METRICS, listening, &error));
  g_assert_no_error (error);
  g_assert_false (seldon_server_add_socket (server, SELDON_LISTENER_METRICS, listening, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);

  {
    GEnumClass *klass = g_type_class_ref (SELDON_TYPE_LISTENER);

    g_assert_cmpstr (g_enum_get_value (klass, SELDON_LISTENER_HTTP)->value_nick, ==, "http");
    g_assert_cmpstr (g_enum_get_value (klass, SELDON_LISTENER_METRICS)->value_nick, ==, "metrics");
    g_type_class_unref (klass);
  }
}

/* The engine logs every error answer at WARNING; here those are expected. */
static GLogWriterOutput
quiet_writer (GLogLevelFlags   log_level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0 &&
        g_strcmp0 (fields[i].value, "Seldon") == 0 &&
        (log_level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)))
      return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

#define ADD(path, options, func) \
  g_test_add (path, Fixture, options, fixture_setup, func, fixture_teardown)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_writer_func (quiet_writer, NULL, NULL);

  ADD ("/seldon/server/routes/predict", &default_options, test_predict_routes);
  ADD ("/seldon/server/routes/not-found", &default_options, test_not_found);
  ADD ("/seldon/server/routes/method-not-allowed", &default_options, test_method_not_allowed);
  ADD ("/seldon/server/routes/head", &default_options, test_head);
  ADD ("/seldon/server/routes/options-cors", &default_options, test_options_cors);
  ADD ("/seldon/server/routes/ping", &default_options, test_ping);
  ADD ("/seldon/server/routes/openapi", &default_options, test_openapi);
  ADD ("/seldon/server/request/query-json", &default_options, test_query_json);
  ADD ("/seldon/server/request/form-json", &default_options, test_form_json);
  ADD ("/seldon/server/request/content-type", &default_options, test_content_type);
  ADD ("/seldon/server/request/multipart", &default_options, test_multipart);
  ADD ("/seldon/server/request/passthrough", &passthrough_options, test_passthrough);
  ADD ("/seldon/server/limits/body", &small_body_options, test_body_limit);
  ADD ("/seldon/server/limits/request-line", &default_options, test_request_line_limit);
  ADD ("/seldon/server/connection/close", &single_thread_options, test_connection_close);
  ADD ("/seldon/server/connection/keepalive", &keepalive_options, test_keepalive);
  ADD ("/seldon/server/connection/client-gone", &default_options, test_client_gone);
  ADD ("/seldon/server/connection/client-gone-at-once", &default_options, test_client_gone_at_once);
  ADD ("/seldon/server/worker/held-until-ready", &hold_load_options, test_held_until_ready);
  ADD ("/seldon/server/worker/start-cancelled", &hold_load_options, test_start_cancelled);
  ADD ("/seldon/server/worker/timeout", &timeout_options, test_timeout);
  ADD ("/seldon/server/worker/not-thread-safe", &not_thread_safe_options, test_not_thread_safe);
  ADD ("/seldon/server/shutdown/graceful", &default_options, test_graceful_shutdown);
  ADD ("/seldon/server/shutdown/cancelled", &default_options, test_shutdown_cancelled);
  ADD ("/seldon/server/shutdown/idle", &default_options, test_shutdown_idle);
  ADD ("/seldon/server/access-log", &access_log_options, test_access_log);
  ADD ("/seldon/server/http/pipelining", &default_options, test_http_pipelining);
  ADD ("/seldon/server/http/byte-by-byte", &default_options, test_http_byte_by_byte);
  ADD ("/seldon/server/http/chunked", &default_options, test_http_chunked);
  ADD ("/seldon/server/http/header-limits", &default_options, test_http_header_limits);
  ADD ("/seldon/server/http/malformed", &default_options, test_http_malformed);
  ADD ("/seldon/server/http/http-1.0", &default_options, test_http_10);
  ADD ("/seldon/server/http/expect", &default_options, test_http_expect);
  ADD ("/seldon/server/http/expect-too-large", &small_body_options, test_http_expect_too_large);
  ADD ("/seldon/server/add-socket", &given_socket_options, test_add_socket);
  g_test_add_func ("/seldon/server/add-socket-errors", test_add_socket_errors);

  return g_test_run ();
}
