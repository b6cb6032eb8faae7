/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The gRPC front (seldon-grpc-server.c) through an in-process SeldonServer, called with the
 * grpc core client API: the Seldon path end to end (strData in, strData out), errors, limits,
 * health, graceful shutdown with a call in flight, --grpc-workers 0 and a given socket.
 *
 * Messages are written by hand (a SeldonMessage with only strData is field 5, a string), so
 * the test depends on nothing but grpc core.
 */

#include "config.h"

#include <string.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#pragma GCC diagnostic pop

#include <seldon/seldon.h>

/* ---------------------------------------------------------------------------------------- */
/* A component: predict echoes strData, "slow" waits for the gate, "fail" fails              */
/* ---------------------------------------------------------------------------------------- */

static struct
{
  GMutex   lock;
  GCond    cond;
  gboolean hold;
  guint    waiting;
} gate;

#define TEST_TYPE_STR (test_str_get_type ())
G_DECLARE_FINAL_TYPE (TestStr, test_str, TEST, STR, GObject)

struct _TestStr
{
  GObject parent_instance;
};

static void test_str_component_init (SeldonComponentInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestStr, test_str, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SELDON_TYPE_COMPONENT, test_str_component_init))

static SeldonMessage *
test_str_predict (SeldonComponent  *component,
                  SeldonMessage    *request,
                  GCancellable     *cancellable,
                  GError          **error)
{
  const char *text = seldon_message_get_str_data (request);

  if (g_strcmp0 (text, "fail") == 0)
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "failing as asked");
      return NULL;
    }
  if (g_strcmp0 (text, "slow") == 0)
    {
      g_mutex_lock (&gate.lock);
      gate.waiting++;
      g_cond_broadcast (&gate.cond);
      while (gate.hold)
        g_cond_wait (&gate.cond, &gate.lock);
      gate.waiting--;
      g_mutex_unlock (&gate.lock);
    }
  return seldon_message_new_string (text != NULL ? text : "");
}

static void
test_str_component_init (SeldonComponentInterface *iface)
{
  iface->predict = test_str_predict;
}

static void
test_str_class_init (TestStrClass *klass)
{
}

static void
test_str_init (TestStr *self)
{
}

/* ---------------------------------------------------------------------------------------- */
/* Messages                                                                                 */
/* ---------------------------------------------------------------------------------------- */

/* SeldonMessage { strData = @text } */
static GBytes *
str_message (const char *text)
{
  GByteArray *out = g_byte_array_new ();
  gsize len = strlen (text);
  guint8 key = (5 << 3) | 2;

  g_byte_array_append (out, &key, 1);
  while (len >= 0x80)
    {
      guint8 b = (len & 0x7F) | 0x80;

      g_byte_array_append (out, &b, 1);
      len >>= 7;
    }
  {
    guint8 b = (guint8) len;

    g_byte_array_append (out, &b, 1);
  }
  g_byte_array_append (out, (const guint8 *) text, strlen (text));
  return g_byte_array_free_to_bytes (out);
}

/* The strData of a response: field 5 found after the (empty) meta, or NULL. */
static char *
str_data_of (GBytes *message)
{
  gsize size = 0;
  const guint8 *p = g_bytes_get_data (message, &size), *end = p + size;

  while (p < end)
    {
      guint key = *p++;
      gsize len = 0;
      guint shift = 0;

      if ((key & 7) != 2)
        return NULL;
      while (p < end)
        {
          guint8 b = *p++;

          len |= (gsize) (b & 0x7F) << shift;
          shift += 7;
          if (!(b & 0x80))
            break;
        }
      if (len > (gsize) (end - p))
        return NULL;
      if ((key >> 3) == 5)
        return g_strndup ((const char *) p, len);
      p += len;
    }
  return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Fixture                                                                                  */
/* ---------------------------------------------------------------------------------------- */

typedef struct
{
  GMainContext          *context;
  SeldonConfig          *config;
  TestStr               *component;
  SeldonWorker          *worker;
  SeldonServer          *server;
  gboolean               started;
  grpc_channel          *channel;
  grpc_completion_queue *cq;
} Fixture;

typedef struct
{
  int      max_message_bytes;
  gboolean given_socket;
} Options;

static void
start_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (seldon_worker_start_finish (SELDON_WORKER (source), result, &error));
  g_assert_no_error (error);
  fixture->started = TRUE;
}

static void
fixture_connect (Fixture *fixture,
                 guint    port)
{
  g_autofree char *target = g_strdup_printf ("127.0.0.1:%u", port);
  grpc_channel_credentials *credentials = grpc_insecure_credentials_create ();

  fixture->channel = grpc_channel_create (target, credentials, NULL);
  grpc_channel_credentials_release (credentials);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  const Options *options = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  guint port;

  grpc_init ();
  gate.hold = FALSE;
  gate.waiting = 0;
  fixture->context = g_main_context_new ();
  g_main_context_push_thread_default (fixture->context);

  fixture->config = seldon_config_new ();
  g_object_set (fixture->config,
                "listen-address", "127.0.0.1",
                "http-port", 0,
                "metrics-port", 0,
                "grpc-port", 0,
                "grpc-workers", 1,
                "threads", 4,
                "graceful-timeout", 5,
                NULL);
  if (options != NULL && options->max_message_bytes != 0)
    g_object_set (fixture->config, "grpc-max-message-bytes", options->max_message_bytes, NULL);

  fixture->component = g_object_new (TEST_TYPE_STR, NULL);
  fixture->worker = seldon_worker_new (SELDON_COMPONENT (fixture->component), fixture->config);
  fixture->server = seldon_server_new (fixture->config, fixture->worker);
  g_assert_cmpuint (seldon_server_get_grpc_port (fixture->server), ==, 0);

  if (options != NULL && options->given_socket)
    {
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);

      socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
      g_assert_no_error (error);
      g_assert_true (g_socket_bind (socket, address, TRUE, &error));
      g_assert_true (g_socket_listen (socket, &error));
      g_assert_true (seldon_server_add_socket (fixture->server, SELDON_LISTENER_GRPC, socket, &error));
      g_assert_no_error (error);
    }

  g_assert_true (seldon_server_listen (fixture->server, &error));
  g_assert_no_error (error);
  port = seldon_server_get_grpc_port (fixture->server);
  g_assert_cmpuint (port, !=, 0);
  if (socket != NULL)
    {
      g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);

      g_assert_cmpuint (port, ==, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
    }

  seldon_worker_start_async (fixture->worker, NULL, start_done_cb, fixture);
  while (!fixture->started)
    g_main_context_iteration (fixture->context, TRUE);

  fixture->cq = grpc_completion_queue_create_for_next (NULL);
  fixture_connect (fixture, port);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_mutex_lock (&gate.lock);
  gate.hold = FALSE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);

  if (fixture->channel != NULL)
    grpc_channel_destroy (fixture->channel);
  g_clear_object (&fixture->server);
  /* Calls still in the worker finish there. */
  while (g_main_context_iteration (fixture->context, FALSE))
    ;
  g_clear_object (&fixture->worker);
  g_clear_object (&fixture->component);
  g_clear_object (&fixture->config);
  while (g_main_context_iteration (fixture->context, FALSE))
    ;
  grpc_completion_queue_shutdown (fixture->cq);
  while (grpc_completion_queue_next (fixture->cq, gpr_inf_future (GPR_CLOCK_MONOTONIC), NULL).type != GRPC_QUEUE_SHUTDOWN)
    ;
  grpc_completion_queue_destroy (fixture->cq);
  g_main_context_pop_thread_default (fixture->context);
  g_main_context_unref (fixture->context);
  grpc_shutdown_blocking ();
}

/* ---------------------------------------------------------------------------------------- */
/* Calls                                                                                    */
/* ---------------------------------------------------------------------------------------- */

typedef struct
{
  grpc_call           *call;
  grpc_metadata_array  initial;
  grpc_metadata_array  trailing;
  grpc_byte_buffer    *response;
  grpc_status_code     status;
  grpc_slice           details;
  gboolean             done;
} Call;

static Call *
call_start (Fixture    *fixture,
            const char *method,
            GBytes     *request,
            gint64      timeout_ms)
{
  Call *call = g_new0 (Call, 1);
  grpc_slice method_slice = grpc_slice_from_static_string (method);
  gpr_timespec deadline = timeout_ms > 0 ? gpr_time_add (gpr_now (GPR_CLOCK_MONOTONIC),
                                                         gpr_time_from_millis (timeout_ms, GPR_TIMESPAN))
                                         : gpr_inf_future (GPR_CLOCK_MONOTONIC);
  grpc_slice payload = grpc_slice_from_copied_buffer (g_bytes_get_data (request, NULL), g_bytes_get_size (request));
  grpc_byte_buffer *buffer = grpc_raw_byte_buffer_create (&payload, 1);
  grpc_op ops[6];

  memset (ops, 0, sizeof ops);
  call->call = grpc_channel_create_call (fixture->channel, NULL, GRPC_PROPAGATE_DEFAULTS, fixture->cq,
                                         method_slice, NULL, deadline, NULL);
  grpc_metadata_array_init (&call->initial);
  grpc_metadata_array_init (&call->trailing);
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = buffer;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &call->initial;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &call->response;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &call->trailing;
  ops[5].data.recv_status_on_client.status = &call->status;
  ops[5].data.recv_status_on_client.status_details = &call->details;
  g_assert_cmpint (grpc_call_start_batch (call->call, ops, G_N_ELEMENTS (ops), call, NULL), ==, GRPC_CALL_OK);
  grpc_byte_buffer_destroy (buffer);
  grpc_slice_unref (payload);
  return call;
}

/* Serves the main context until @call (or, with NULL, any call) completes. */
static void
call_wait (Fixture *fixture,
           Call    *call)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (call == NULL || !call->done)
    {
      grpc_event ev;

      g_assert_cmpint (g_get_monotonic_time (), <, end);
      while (g_main_context_iteration (fixture->context, FALSE))
        ;
      ev = grpc_completion_queue_next (fixture->cq,
                                       gpr_time_add (gpr_now (GPR_CLOCK_MONOTONIC), gpr_time_from_millis (2, GPR_TIMESPAN)),
                                       NULL);
      if (ev.type == GRPC_OP_COMPLETE)
        {
          ((Call *) ev.tag)->done = TRUE;
          if (call == NULL)
            return;
        }
    }
}

static GBytes *
call_response (Call *call)
{
  grpc_byte_buffer_reader reader;
  grpc_slice slice;
  GBytes *bytes;

  if (call->response == NULL)
    return NULL;
  g_assert_true (grpc_byte_buffer_reader_init (&reader, call->response));
  slice = grpc_byte_buffer_reader_readall (&reader);
  grpc_byte_buffer_reader_destroy (&reader);
  bytes = g_bytes_new (GRPC_SLICE_START_PTR (slice), GRPC_SLICE_LENGTH (slice));
  grpc_slice_unref (slice);
  return bytes;
}

static char *
call_details (Call *call)
{
  char *text = grpc_slice_to_c_string (call->details);
  char *copy = g_strdup (text);

  gpr_free (text);
  return copy;
}

static void
call_free (Call *call)
{
  grpc_metadata_array_destroy (&call->initial);
  grpc_metadata_array_destroy (&call->trailing);
  if (call->response != NULL)
    grpc_byte_buffer_destroy (call->response);
  grpc_slice_unref (call->details);
  grpc_call_unref (call->call);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

/* One call, to completion. */
static Call *
call_sync (Fixture    *fixture,
           const char *method,
           GBytes     *request,
           gint64      timeout_ms)
{
  Call *call = call_start (fixture, method, request, timeout_ms);

  call_wait (fixture, call);
  return call;
}

static void
assert_status (Call             *call,
               grpc_status_code  status,
               const char       *details)
{
  g_autofree char *text = call_details (call);

  if (call->status != status)
    g_error ("expected status %d, got %d (%s)", status, call->status, text);
  if (details != NULL)
    g_assert_cmpstr (text, ==, details);
}

static void
wait_for_gate (Fixture *fixture,
               guint    n)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (;;)
    {
      guint waiting;

      g_mutex_lock (&gate.lock);
      waiting = gate.waiting;
      g_mutex_unlock (&gate.lock);
      if (waiting >= n)
        return;
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_main_context_iteration (fixture->context, FALSE);
      g_usleep (1000);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Tests                                                                                    */
/* ---------------------------------------------------------------------------------------- */

static void
test_predict (Fixture       *fixture,
              gconstpointer  data)
{
  static const char *const paths[] = { "/seldon.protos.Model/Predict", "/seldon.protos.Seldon/Predict" };

  g_test_summary ("A Seldon call runs on the worker and its answer comes back as the response message");

  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GBytes) request = str_message ("hello");
      g_autoptr(Call) call = call_sync (fixture, paths[i], request, 10000);
      g_autoptr(GBytes) response = call_response (call);
      g_autofree char *text = NULL;

      assert_status (call, GRPC_STATUS_OK, NULL);
      g_assert_nonnull (response);
      text = str_data_of (response);
      g_assert_cmpstr (text, ==, "hello");
    }
}

static void
test_many_calls (Fixture       *fixture,
                 gconstpointer  data)
{
  Call *calls[64];

  g_test_summary ("Concurrent calls on one channel all get their own answers");

  for (gsize i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autofree char *text = g_strdup_printf ("call-%" G_GSIZE_FORMAT, i);
      g_autoptr(GBytes) request = str_message (text);

      calls[i] = call_start (fixture, "/seldon.protos.Model/Predict", request, 20000);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autofree char *expected = g_strdup_printf ("call-%" G_GSIZE_FORMAT, i);
      g_autoptr(GBytes) response = NULL;
      g_autofree char *text = NULL;

      call_wait (fixture, calls[i]);
      assert_status (calls[i], GRPC_STATUS_OK, NULL);
      response = call_response (calls[i]);
      text = str_data_of (response);
      g_assert_cmpstr (text, ==, expected);
      call_free (calls[i]);
    }
}

static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GBytes) fail = str_message ("fail");
  g_autoptr(GBytes) garbage = g_bytes_new_static ("\xff\xff\xff", 3);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(Call) failed = NULL;
  g_autoptr(Call) bad = NULL;
  g_autoptr(Call) unknown = NULL;
  g_autoptr(Call) graph = NULL;

  g_test_summary ("Component errors are UNKNOWN with their message; undecodable requests INTERNAL; "
                  "unknown methods UNIMPLEMENTED; GraphMetadata UNKNOWN (grpc-api.md §6)");

  failed = call_sync (fixture, "/seldon.protos.Model/Predict", fail, 10000);
  assert_status (failed, GRPC_STATUS_UNKNOWN, "Exception calling application: failing as asked");
  bad = call_sync (fixture, "/seldon.protos.Model/Predict", garbage, 10000);
  assert_status (bad, GRPC_STATUS_INTERNAL, "Exception deserializing request!");
  unknown = call_sync (fixture, "/seldon.protos.Model/Nope", empty, 10000);
  assert_status (unknown, GRPC_STATUS_UNIMPLEMENTED, "Method not found!");
  graph = call_sync (fixture, "/seldon.protos.Seldon/GraphMetadata", empty, 10000);
  assert_status (graph, GRPC_STATUS_UNKNOWN,
                 "Exception calling application: GraphMetadata not available on the Model level.");
}

static void
test_health (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GBytes) all = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) model = g_bytes_new_static ("\x0a\x13seldon.protos.Model", 21);
  g_autoptr(GBytes) other = g_bytes_new_static ("\x0a\x03x.Y", 5);
  g_autoptr(Call) c1 = NULL;
  g_autoptr(Call) c2 = NULL;
  g_autoptr(Call) c3 = NULL;
  g_autoptr(GBytes) r1 = NULL;
  g_autoptr(GBytes) r2 = NULL;

  g_test_summary ("grpc.health.v1.Health/Check: SERVING for the server and its services, NOT_FOUND otherwise");

  c1 = call_sync (fixture, "/grpc.health.v1.Health/Check", all, 10000);
  assert_status (c1, GRPC_STATUS_OK, NULL);
  r1 = call_response (c1);
  g_assert_cmpmem (g_bytes_get_data (r1, NULL), g_bytes_get_size (r1), "\x08\x01", 2);
  c2 = call_sync (fixture, "/grpc.health.v1.Health/Check", model, 10000);
  assert_status (c2, GRPC_STATUS_OK, NULL);
  r2 = call_response (c2);
  g_assert_cmpmem (g_bytes_get_data (r2, NULL), g_bytes_get_size (r2), "\x08\x01", 2);
  c3 = call_sync (fixture, "/grpc.health.v1.Health/Check", other, 10000);
  assert_status (c3, GRPC_STATUS_NOT_FOUND, NULL);
}

static void
test_oversize (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *big = g_strnfill (300, 'x');
  g_autoptr(GBytes) request = str_message (big);
  g_autoptr(GBytes) small = str_message ("ok");
  g_autoptr(Call) call = NULL;
  g_autoptr(Call) after = NULL;
  g_autofree char *expected = g_strdup_printf ("Received message larger than max (%" G_GSIZE_FORMAT " vs. 100)",
                                               g_bytes_get_size (request));

  g_test_summary ("A request over grpc-max-message-bytes gets RESOURCE_EXHAUSTED; the server goes on");

  call = call_sync (fixture, "/seldon.protos.Model/Predict", request, 10000);
  assert_status (call, GRPC_STATUS_RESOURCE_EXHAUSTED, expected);
  after = call_sync (fixture, "/seldon.protos.Model/Predict", small, 10000);
  assert_status (after, GRPC_STATUS_OK, NULL);
}

static void
test_deadline (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GBytes) slow = str_message ("slow");
  g_autoptr(Call) call = NULL;

  g_test_summary ("A client deadline that passes while the model runs gives DEADLINE_EXCEEDED");

  gate.hold = TRUE;
  call = call_sync (fixture, "/seldon.protos.Model/Predict", slow, 200);
  assert_status (call, GRPC_STATUS_DEADLINE_EXCEEDED, NULL);
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
  g_autoptr(GBytes) slow = str_message ("slow");
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(Call) call = NULL;
  g_autoptr(Call) later = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autofree char *text = NULL;
  gboolean done = FALSE;

  g_test_summary ("shutdown_async() lets a gRPC call in flight finish, then stops");

  gate.hold = TRUE;
  call = call_start (fixture, "/seldon.protos.Model/Predict", slow, 20000);
  wait_for_gate (fixture, 1);

  seldon_server_shutdown_async (fixture->server, NULL, shutdown_done_cb, &done);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (fixture->context, FALSE);
  g_assert_false (done);

  /* New calls are refused (GOAWAY; the client may also fail to reconnect). */
  later = call_sync (fixture, "/grpc.health.v1.Health/Check", empty, 2000);
  g_assert_cmpint (later->status, !=, GRPC_STATUS_OK);

  g_mutex_lock (&gate.lock);
  gate.hold = FALSE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);

  call_wait (fixture, call);
  assert_status (call, GRPC_STATUS_OK, NULL);
  response = call_response (call);
  text = str_data_of (response);
  g_assert_cmpstr (text, ==, "slow");
  while (!done)
    g_main_context_iteration (fixture->context, TRUE);
}

static void
test_stop_cancels (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GBytes) slow = str_message ("slow");
  g_autoptr(Call) call = NULL;

  g_test_summary ("stop() answers a call still in the worker with UNAVAILABLE");

  gate.hold = TRUE;
  call = call_start (fixture, "/seldon.protos.Model/Predict", slow, 20000);
  wait_for_gate (fixture, 1);
  seldon_server_stop (fixture->server);
  call_wait (fixture, call);
  g_assert_cmpint (call->status, ==, GRPC_STATUS_UNAVAILABLE);
}

static void
test_given_socket (Fixture       *fixture,
                   gconstpointer  data)
{
  g_test_summary ("A listening socket given with add_socket (socket activation) serves gRPC");

  for (int i = 0; i < 3; i++)
    {
      g_autoptr(GBytes) request = str_message ("sock");
      g_autoptr(Call) call = call_sync (fixture, "/seldon.protos.Model/Predict", request, 10000);

      assert_status (call, GRPC_STATUS_OK, NULL);
    }
}

static void
test_grpc_workers_zero (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SeldonConfig) config = NULL;
  g_autoptr(TestStr) component = NULL;
  g_autoptr(SeldonWorker) worker = NULL;
  g_autoptr(SeldonServer) server = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("grpc-workers 0: no gRPC listener, REST listens");

  g_main_context_push_thread_default (context);
  config = seldon_config_new ();
  g_object_set (config, "listen-address", "127.0.0.1", "http-port", 0, "metrics-port", 0,
                "grpc-port", 0, "grpc-workers", 0, NULL);
  component = g_object_new (TEST_TYPE_STR, NULL);
  worker = seldon_worker_new (SELDON_COMPONENT (component), config);
  server = seldon_server_new (config, worker);
  g_assert_true (seldon_server_listen (server, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seldon_server_get_http_port (server), !=, 0);
  g_assert_cmpuint (seldon_server_get_grpc_port (server), ==, 0);
  seldon_server_stop (server);
  g_clear_object (&server);
  g_clear_object (&worker);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
}

static void
test_port_in_use (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSocket) busy = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(SeldonConfig) config = NULL;
  g_autoptr(TestStr) component = NULL;
  g_autoptr(SeldonWorker) worker = NULL;
  g_autoptr(SeldonServer) server = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A gRPC port in use fails listen() with an error naming it");

  g_main_context_push_thread_default (context);
  g_assert_true (g_socket_bind (busy, address, FALSE, NULL));
  g_assert_true (g_socket_listen (busy, NULL));
  local = g_socket_get_local_address (busy, NULL);

  config = seldon_config_new ();
  g_object_set (config, "listen-address", "127.0.0.1", "http-port", 0, "metrics-port", 0,
                "grpc-port", (int) g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)),
                "grpc-workers", 1, NULL);
  component = g_object_new (TEST_TYPE_STR, NULL);
  worker = seldon_worker_new (SELDON_COMPONENT (component), config);
  server = seldon_server_new (config, worker);
  g_assert_false (seldon_server_listen (server, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "gRPC"));
  g_clear_object (&server);
  g_clear_object (&worker);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
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

int
main (int   argc,
      char *argv[])
{
  static const Options small_limit = { 100, FALSE };
  static const Options given_socket = { 0, TRUE };

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_writer_func (quiet_writer, NULL, NULL);

  g_test_add ("/seldon/grpc/predict", Fixture, NULL, fixture_setup, test_predict, fixture_teardown);
  g_test_add ("/seldon/grpc/many-calls", Fixture, NULL, fixture_setup, test_many_calls, fixture_teardown);
  g_test_add ("/seldon/grpc/errors", Fixture, NULL, fixture_setup, test_errors, fixture_teardown);
  g_test_add ("/seldon/grpc/health", Fixture, NULL, fixture_setup, test_health, fixture_teardown);
  g_test_add ("/seldon/grpc/oversize", Fixture, &small_limit, fixture_setup, test_oversize, fixture_teardown);
  g_test_add ("/seldon/grpc/deadline", Fixture, NULL, fixture_setup, test_deadline, fixture_teardown);
  g_test_add ("/seldon/grpc/graceful-shutdown", Fixture, NULL, fixture_setup, test_graceful_shutdown, fixture_teardown);
  g_test_add ("/seldon/grpc/stop-cancels", Fixture, NULL, fixture_setup, test_stop_cancels, fixture_teardown);
  g_test_add ("/seldon/grpc/given-socket", Fixture, &given_socket, fixture_setup, test_given_socket, fixture_teardown);
  g_test_add_func ("/seldon/grpc/grpc-workers-zero", test_grpc_workers_zero);
  g_test_add_func ("/seldon/grpc/port-in-use", test_port_in_use);

  return g_test_run ();
}
