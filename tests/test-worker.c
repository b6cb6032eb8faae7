/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The front <-> worker channel (seldon-channel.c), SeldonWorkerHost and SeldonWorker in both
 * modes. For the process mode this test program is its own worker process: run with
 * `--fd N` it serves the TestProc component below with a SeldonWorkerHost, the behaviour
 * chosen by the interface-name setting (echo, load-fail, report-7, main-context).
 *
 * TestProc's predict() takes a strData command:
 *   "pid"      answers "PID MAIN": its process id, and 1 when it ran on the thread that created
 *              the host (or the in-process worker), else 0
 *   "sleep:N"  sleeps N ms (cancellable), then answers "slept"
 *   "die"      kills its own process with SIGKILL
 * and echoes binData and any other payload.
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "seldon-channel-private.h"
#include "seldon-error.h"
#include "seldon-worker-host.h"
#include "seldon-worker-private.h"

static GThread *owner_thread;   /* the thread that created the host or the worker */
static char *self_exe;
static GPtrArray *warnings;     /* the library's warnings, kept quiet and checked by tests */

/* ------------------------------------------------------------------------------------------ */
/* The component                                                                              */
/* ------------------------------------------------------------------------------------------ */

#define TEST_TYPE_PROC (test_proc_get_type ())
G_DECLARE_FINAL_TYPE (TestProc, test_proc, TEST, PROC, GObject)

struct _TestProc
{
  GObject              parent_instance;
  SeldonComponentFlags flags;
  gboolean             load_fail;
  GThread             *load_thread;
};

static void test_proc_component_init (SeldonComponentInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestProc, test_proc, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SELDON_TYPE_COMPONENT, test_proc_component_init))

static SeldonComponentFlags
test_proc_get_flags (SeldonComponent *component)
{
  return TEST_PROC (component)->flags;
}

static gboolean
test_proc_load (SeldonComponent  *component,
                GCancellable     *cancellable,
                GError          **error)
{
  TestProc *self = TEST_PROC (component);

  self->load_thread = g_thread_self ();
  if (self->load_fail)
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "load failed on purpose");
      return FALSE;
    }
  return TRUE;
}

static SeldonMessage *
test_proc_predict (SeldonComponent  *component,
                   SeldonMessage    *request,
                   GCancellable     *cancellable,
                   GError          **error)
{
  const char *command;

  if (seldon_message_get_payload_kind (request) == SELDON_PAYLOAD_BYTES)
    return seldon_message_new_bytes (seldon_message_get_bin_data (request));
  if (seldon_message_get_payload_kind (request) == SELDON_PAYLOAD_TENSOR)
    {
      g_autoptr(SeldonTensor) tensor = seldon_message_dup_tensor (request, error);

      return tensor != NULL ? seldon_message_new_tensor (tensor) : NULL;
    }
  if (seldon_message_get_payload_kind (request) != SELDON_PAYLOAD_STRING)
    return seldon_message_new_string ("?");

  command = seldon_message_get_str_data (request);
  if (g_str_equal (command, "pid"))
    {
      g_autofree char *answer = g_strdup_printf ("%d %d", (int) getpid (),
                                                 g_thread_self () == owner_thread);

      return seldon_message_new_string (answer);
    }
  if (g_str_has_prefix (command, "sleep:"))
    {
      gint64 end = g_get_monotonic_time () + g_ascii_strtoll (command + 6, NULL, 10) * 1000;

      while (g_get_monotonic_time () < end)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return NULL;
          g_usleep (5000);
        }
      return seldon_message_new_string ("slept");
    }
  if (g_str_equal (command, "die"))
    raise (SIGKILL);
  return seldon_message_new_string (command);
}

static void
test_proc_component_init (SeldonComponentInterface *iface)
{
  iface->get_flags = test_proc_get_flags;
  iface->load = test_proc_load;
  iface->predict = test_proc_predict;
}

static void
test_proc_class_init (TestProcClass *klass)
{
}

static void
test_proc_init (TestProc *self)
{
}

static GLogWriterOutput quiet_writer (GLogLevelFlags log_level, const GLogField *fields,
                                      gsize n_fields, gpointer user_data);

/* The worker process: `test-worker --fd N`. */
static int
host_main (int fd)
{
  g_autoptr(SeldonWorkerHost) host = NULL;
  g_autoptr(TestProc) component = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  signal (SIGPIPE, SIG_IGN);
  g_log_set_writer_func (quiet_writer, NULL, NULL);
  owner_thread = g_thread_self ();
  host = seldon_worker_host_new (fd, &error);
  if (host == NULL)
    {
      g_printerr ("host: %s\n", error->message);
      return 1;
    }
  g_object_get (seldon_worker_host_get_config (host), "interface-name", &name, NULL);
  if (g_strcmp0 (name, "report-7") == 0)
    {
      seldon_worker_host_report_failure (host, 7, "cannot build report-7");
      return 7;
    }

  component = g_object_new (TEST_TYPE_PROC, NULL);
  component->load_fail = g_strcmp0 (name, "load-fail") == 0;
  if (g_strcmp0 (name, "main-context") == 0)
    component->flags = SELDON_COMPONENT_FLAGS_MAIN_CONTEXT;
  return seldon_worker_host_run (host, SELDON_COMPONENT (component), &error);
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static SeldonCall *
predict_call (const char *json)
{
  SeldonCall *call = seldon_call_new (SELDON_METHOD_PREDICT, SELDON_TRANSPORT_REST);

  call->body = g_bytes_new (json, strlen (json));
  return call;
}

static SeldonCall *
command_call (const char *command)
{
  g_autofree char *json = g_strdup_printf ("{\"strData\":\"%s\"}", command);

  return predict_call (json);
}

typedef struct
{
  SeldonReply *reply;
  gboolean     done;
} CallResult;

static void
call_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CallResult *res = user_data;

  res->reply = seldon_worker_call_finish (SELDON_WORKER (source), result);
  res->done = TRUE;
}

static SeldonReply *
call_sync (SeldonWorker *worker,
           SeldonCall   *call)
{
  CallResult res = { NULL, FALSE };

  seldon_worker_call_async (worker, call, NULL, call_done_cb, &res);
  while (!res.done)
    g_main_context_iteration (NULL, TRUE);
  return res.reply;
}

static char *
reply_text (const SeldonReply *reply)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (reply->body, &size);

  return g_strndup (data, size);
}

/* The strData of a 200 reply. */
static char *
reply_str (const SeldonReply *reply)
{
  g_autofree char *text = reply_text (reply);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;

  g_assert_cmpuint (reply->http_status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  return g_strdup (json_object_get_string_member (root, "strData"));
}

typedef struct
{
  gboolean done;
  GError  *error;
} StartResult;

static void
start_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  StartResult *res = user_data;

  seldon_worker_start_finish (SELDON_WORKER (source), result, &res->error);
  res->done = TRUE;
}

static gboolean
start_sync (SeldonWorker *worker,
            GError      **error)
{
  StartResult res = { FALSE, NULL };

  seldon_worker_start_async (worker, NULL, start_done_cb, &res);
  while (!res.done)
    g_main_context_iteration (NULL, TRUE);
  if (res.error != NULL)
    {
      g_propagate_error (error, res.error);
      return FALSE;
    }
  return TRUE;
}

static SeldonWorker *
process_worker (const char *name,
                int         workers,
                int         threads)
{
  g_autoptr(SeldonConfig) config = seldon_config_new ();
  const char *argv[] = { self_exe, NULL };

  g_object_set (config,
                "interface-name", name,
                "workers", workers,
                "grpc-workers", 0,
                "threads", threads,
                NULL);
  return seldon_worker_new_for_command (config, argv, NULL);
}

static void
shutdown_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (seldon_worker_shutdown_finish (SELDON_WORKER (source), result, NULL));
  *done = TRUE;
}

static void
shutdown_sync (SeldonWorker *worker)
{
  gboolean done = FALSE;

  seldon_worker_shutdown_async (worker, NULL, shutdown_done_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* ------------------------------------------------------------------------------------------ */
/* Channel                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void
send_and_receive (SeldonFrameOut *out,
                  SeldonFrame    *frame)
{
  g_autoptr(SeldonFrameOut) owned = out;
  g_autoptr(GError) error = NULL;
  SeldonChannelReader *reader = seldon_channel_reader_new ();
  int fds[2];

  g_assert_nonnull (out);
  g_assert_true (seldon_channel_socketpair (fds, &error));
  g_assert_true (seldon_channel_send (fds[0], out, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (seldon_channel_receive (reader, fds[1], FALSE, frame, &error), ==, SELDON_CHANNEL_FRAME);
  g_assert_no_error (error);
  /* Nothing more; then the end of the stream. */
  g_assert_cmpint (seldon_channel_receive (reader, fds[1], FALSE, &(SeldonFrame) { 0, }, &error), ==,
                   SELDON_CHANNEL_AGAIN);
  close (fds[0]);
  g_assert_cmpint (seldon_channel_receive (reader, fds[1], FALSE, &(SeldonFrame) { 0, }, &error), ==,
                   SELDON_CHANNEL_EOF);
  close (fds[1]);
  seldon_channel_reader_free (reader);
}

static void
test_channel_hello (void)
{
  g_autoptr(SeldonConfig) config = seldon_config_new ();
  g_autoptr(SeldonConfig) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(SeldonFrame) frame = { 0, };
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs = 0, slot = 0;
  gsize inline_max = 0;

  g_object_set (config,
                "interface-name", "caf\xc3\xa9 \xff raw bytes",
                "parameters", "[{\"name\":\"a\",\"value\":\"1\",\"type\":\"INT\"}]",
                "model-metadata", NULL,
                "workers", 3,
                "json-ascii", FALSE,
                "max-body-bytes", (gint64) 1 << 40,
                NULL);
  send_and_receive (seldon_frame_out_new_hello (config, 2, 32 * 1024, &error), &frame);
  g_assert_cmpint (frame.type, ==, SELDON_FRAME_HELLO);
  copy = seldon_frame_parse_hello (&frame, &slot, &inline_max, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (slot, ==, 2);
  g_assert_cmpuint (inline_max, ==, 32 * 1024);

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (config), &n_pspecs);
  for (guint i = 0; i < n_pspecs; i++)
    {
      g_auto(GValue) a = G_VALUE_INIT;
      g_auto(GValue) b = G_VALUE_INIT;

      g_value_init (&a, pspecs[i]->value_type);
      g_value_init (&b, pspecs[i]->value_type);
      g_object_get_property (G_OBJECT (config), pspecs[i]->name, &a);
      g_object_get_property (G_OBJECT (copy), pspecs[i]->name, &b);
      if (G_VALUE_HOLDS_STRING (&a))
        g_assert_cmpstr (g_value_get_string (&a), ==, g_value_get_string (&b));
      else
        g_assert_cmpint (g_param_values_cmp (pspecs[i], &a, &b), ==, 0);
    }
}

static void
check_call_round_trip (const SeldonCall *call,
                       gsize             inline_max)
{
  g_autoptr(GError) error = NULL;
  g_auto(SeldonFrame) frame = { 0, };
  g_autoptr(SeldonCall) copy = NULL;

  send_and_receive (seldon_frame_out_new_call (77, call, inline_max, &error), &frame);
  g_assert_cmpint (frame.type, ==, SELDON_FRAME_CALL);
  g_assert_cmpuint (frame.id, ==, 77);
  copy = seldon_frame_parse_call (&frame, &error);
  g_assert_no_error (error);
  g_assert_cmpint (copy->method, ==, call->method);
  g_assert_cmpint (copy->transport, ==, call->transport);
  g_assert_cmpint (copy->flags, ==, call->flags);
  g_assert_cmpint (copy->deadline, ==, call->deadline);
  if (call->value != NULL)
    {
      g_assert_null (copy->body);
      g_assert_true (seldon_json_equal (copy->value, call->value));
    }
  else if (call->body == NULL)
    g_assert_null (copy->body);
  else
    g_assert_true (g_bytes_equal (copy->body, call->body));
}

static void
test_channel_call (void)
{
  g_autoptr(SeldonCall) call = seldon_call_new (SELDON_METHOD_SEND_FEEDBACK, SELDON_TRANSPORT_GRPC);
  g_autofree guint8 *big = g_malloc (3 * 1024 * 1024 + 7);
  const char *json = "{\"a\":[1,2.5,NaN,123456789012345678901234567890,\"\\u00e9\\u0000x\"],\"z\":{}}";

  for (gsize i = 0; i < 3 * 1024 * 1024 + 7; i++)
    big[i] = (guint8) (i * 31 + (i >> 9));

  /* No body, then an empty one: not the same thing. */
  call->flags = SELDON_CALL_FLAGS_PASSTHROUGH | SELDON_CALL_FLAGS_JSON_PARAM;
  call->deadline = G_GINT64_CONSTANT (1234567890123);
  check_call_round_trip (call, SELDON_CHANNEL_DEFAULT_INLINE);
  call->body = g_bytes_new_static ("", 0);
  check_call_round_trip (call, SELDON_CHANNEL_DEFAULT_INLINE);
  g_clear_pointer (&call->body, g_bytes_unref);

  /* Inline, through a memfd because of a small limit, and a large body. */
  call->body = g_bytes_new_static ("{\"strData\":\"x\"}", 15);
  check_call_round_trip (call, SELDON_CHANNEL_DEFAULT_INLINE);
  check_call_round_trip (call, 8);
  g_clear_pointer (&call->body, g_bytes_unref);
  call->body = g_bytes_new (big, 3 * 1024 * 1024 + 7);
  check_call_round_trip (call, SELDON_CHANNEL_DEFAULT_INLINE);
  g_clear_pointer (&call->body, g_bytes_unref);
  call->body = g_bytes_new (big, 10000);   /* inline, but kept rather than copied (> 4 KiB) */
  check_call_round_trip (call, SELDON_CHANNEL_DEFAULT_INLINE);

  /* A value wins over a body and crosses as JSON text, exactly. */
  call->value = seldon_json_parse (json, -1, NULL);
  g_assert_nonnull (call->value);
  check_call_round_trip (call, SELDON_CHANNEL_DEFAULT_INLINE);
  check_call_round_trip (call, 8);
}

static void
test_channel_reply (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(SeldonFrame) frame = { 0, };
  g_autoptr(SeldonReply) reply = seldon_reply_new (418, "text/x-teapot; charset=utf-8", NULL);
  g_autoptr(SeldonReply) copy = NULL;
  g_autofree char *metrics = NULL;
  g_autofree guint8 *big = g_malloc0 (200000);

  g_bytes_unref (reply->body);
  reply->body = g_bytes_new (big, 200000);
  reply->grpc_status = 14;
  reply->grpc_message = g_strdup ("unavailable \xc3\xa9");
  reply->metrics = seldon_json_parse ("[{\"method\":\"predict\",\"metrics\":[{\"type\":\"COUNTER\",\"key\":\"k\",\"value\":1.5}]}]", -1, NULL);
  reply->has_reward = TRUE;
  reply->reward = -0.25;

  send_and_receive (seldon_frame_out_new_reply (9, reply, 1000, &error), &frame);
  copy = seldon_frame_parse_reply (&frame, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (frame.id, ==, 9);
  g_assert_cmpuint (copy->http_status, ==, 418);
  g_assert_cmpstr (copy->content_type, ==, "text/x-teapot; charset=utf-8");
  g_assert_true (copy->content_type == g_intern_string ("text/x-teapot; charset=utf-8"));
  g_assert_true (g_bytes_equal (copy->body, reply->body));
  g_assert_cmpint (copy->grpc_status, ==, 14);
  g_assert_cmpstr (copy->grpc_message, ==, reply->grpc_message);
  g_assert_true (seldon_json_equal (copy->metrics, reply->metrics));
  g_assert_true (copy->has_reward);
  g_assert_cmpfloat (copy->reward, ==, -0.25);
  g_assert_cmpuint (copy->worker_slot, ==, 0);

  /* NULLs stay NULL. */
  seldon_frame_clear (&frame);
  g_clear_pointer (&copy, seldon_reply_free);
  g_clear_pointer (&reply->grpc_message, g_free);
  g_clear_pointer (&reply->metrics, seldon_json_unref);
  send_and_receive (seldon_frame_out_new_reply (10, reply, SELDON_CHANNEL_DEFAULT_INLINE, &error), &frame);
  copy = seldon_frame_parse_reply (&frame, &error);
  g_assert_no_error (error);
  g_assert_null (copy->grpc_message);
  g_assert_null (copy->metrics);
}

static void
test_channel_small_frames (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(SeldonFrame) frame = { 0, };
  g_autofree char *message = NULL;
  guint n_threads = 0, pid = 0;
  int status = 0;

  send_and_receive (seldon_frame_out_new_ready (10, 4242), &frame);
  g_assert_cmpint (frame.type, ==, SELDON_FRAME_READY);
  g_assert_true (seldon_frame_parse_ready (&frame, &n_threads, &pid, &error));
  g_assert_cmpuint (n_threads, ==, 10);
  g_assert_cmpuint (pid, ==, 4242);
  seldon_frame_clear (&frame);

  send_and_receive (seldon_frame_out_new_load_failed (3, "it broke", SELDON_CHANNEL_DEFAULT_INLINE, &error), &frame);
  g_assert_cmpint (frame.type, ==, SELDON_FRAME_LOAD_FAILED);
  g_assert_true (seldon_frame_parse_load_failed (&frame, &status, &message, &error));
  g_assert_cmpint (status, ==, 3);
  g_assert_cmpstr (message, ==, "it broke");
  seldon_frame_clear (&frame);

  send_and_receive (seldon_frame_out_new_cancel (5), &frame);
  g_assert_cmpint (frame.type, ==, SELDON_FRAME_CANCEL);
  g_assert_cmpuint (frame.id, ==, 5);
  g_assert_null (frame.payload);
}

static void
test_channel_malformed (void)
{
  g_autoptr(GError) error = NULL;
  SeldonChannelReader *reader = seldon_channel_reader_new ();
  SeldonFrame frame = { 0, };
  guint8 header[SELDON_CHANNEL_HEADER_SIZE] = { 0x53, SELDON_FRAME_REPLY, 0, 0 };
  guint64 len = 100;
  int fds[2];

  g_assert_true (seldon_channel_socketpair (fds, &error));

  /* Too short, wrong magic, payload length that does not match. */
  g_assert_cmpint (send (fds[0], "abc", 3, 0), ==, 3);
  g_assert_cmpint (seldon_channel_receive (reader, fds[1], FALSE, &frame, &error), ==, SELDON_CHANNEL_ERROR);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);

  header[0] = 0x54;
  g_assert_cmpint (send (fds[0], header, sizeof header, 0), ==, sizeof header);
  g_assert_cmpint (seldon_channel_receive (reader, fds[1], FALSE, &frame, &error), ==, SELDON_CHANNEL_ERROR);
  g_clear_error (&error);

  header[0] = 0x53;
  memcpy (header + 16, &len, 8);
  g_assert_cmpint (send (fds[0], header, sizeof header, 0), ==, sizeof header);
  g_assert_cmpint (seldon_channel_receive (reader, fds[1], FALSE, &frame, &error), ==, SELDON_CHANNEL_ERROR);
  g_clear_error (&error);
  g_assert_null (frame.payload);

  /* A reply whose meta section is cut short parses as an error. */
  len = 3;
  memcpy (header + 8, &(guint32) { 3 }, 4);
  memcpy (header + 16, &len, 8);
  {
    guint8 msg[SELDON_CHANNEL_HEADER_SIZE + 3];

    memcpy (msg, header, sizeof header);
    memset (msg + sizeof header, 0, 3);
    g_assert_cmpint (send (fds[0], msg, sizeof msg, 0), ==, sizeof msg);
  }
  g_assert_cmpint (seldon_channel_receive (reader, fds[1], FALSE, &frame, &error), ==, SELDON_CHANNEL_FRAME);
  g_assert_null (seldon_frame_parse_reply (&frame, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  seldon_frame_clear (&frame);

  close (fds[0]);
  close (fds[1]);
  seldon_channel_reader_free (reader);
}

/* ------------------------------------------------------------------------------------------ */
/* Worker processes                                                                           */
/* ------------------------------------------------------------------------------------------ */

typedef struct
{
  guint        n_done;
  SeldonReply *replies[64];
} Batch;

typedef struct
{
  Batch *batch;
  guint  index;
} BatchItem;

static void
batch_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  BatchItem *item = user_data;

  item->batch->replies[item->index] = seldon_worker_call_finish (SELDON_WORKER (source), result);
  item->batch->n_done++;
  g_free (item);
}

static void
batch_run (SeldonWorker *worker,
           Batch        *batch,
           guint         n,
           const char   *command)
{
  memset (batch, 0, sizeof *batch);
  for (guint i = 0; i < n; i++)
    {
      BatchItem *item = g_new0 (BatchItem, 1);

      item->batch = batch;
      item->index = i;
      seldon_worker_call_async (worker, command_call (command), NULL, batch_done_cb, item);
    }
  while (batch->n_done < n)
    g_main_context_iteration (NULL, TRUE);
}

static void
batch_clear (Batch *batch)
{
  for (guint i = 0; i < G_N_ELEMENTS (batch->replies); i++)
    g_clear_pointer (&batch->replies[i], seldon_reply_free);
}

static void
test_process_calls (void)
{
  g_autoptr(SeldonWorker) worker = process_worker ("echo", 2, 2);
  g_autoptr(GError) error = NULL;
  int pids[2] = { 0, 0 };
  Batch batch;

  g_assert_cmpuint (seldon_worker_get_n_processes (worker), ==, 2);
  g_assert_cmpuint (seldon_worker_get_n_threads (worker), ==, 2);
  g_assert_null (seldon_worker_get_component (worker));
  g_assert_true (start_sync (worker, &error));
  g_assert_no_error (error);
  g_assert_true (seldon_worker_is_ready (worker));

  batch_run (worker, &batch, 40, "pid");
  for (guint i = 0; i < 40; i++)
    {
      SeldonReply *reply = batch.replies[i];
      g_autofree char *answer = reply_str (reply);
      int pid = (int) g_ascii_strtoll (answer, NULL, 10);

      g_assert_cmpuint (reply->worker_slot, <, 2);
      g_assert_cmpint (pid, !=, getpid ());
      /* Each slot is one process. */
      if (pids[reply->worker_slot] == 0)
        pids[reply->worker_slot] = pid;
      g_assert_cmpint (pids[reply->worker_slot], ==, pid);
      /* A thread-safe component runs on the host's pool threads. */
      g_assert_true (g_str_has_suffix (answer, " 0"));
    }
  g_assert_cmpint (pids[0], !=, 0);
  g_assert_cmpint (pids[1], !=, 0);
  g_assert_cmpint (pids[0], !=, pids[1]);
  batch_clear (&batch);

  shutdown_sync (worker);
}

static void
test_process_large (void)
{
  g_autoptr(SeldonWorker) worker = process_worker ("echo", 2, 1);
  g_autoptr(SeldonReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *blob = g_malloc (3 * 1024 * 1024);
  g_autofree char *b64 = NULL;
  g_autofree char *json = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *text = NULL;

  for (gsize i = 0; i < 3 * 1024 * 1024; i++)
    blob[i] = (guint8) (i ^ (i >> 8));
  b64 = g_base64_encode (blob, 3 * 1024 * 1024);
  json = g_strdup_printf ("{\"binData\":\"%s\"}", b64);
  expected = g_strdup_printf ("{\"binData\":\"%s\",\"meta\":{}}\n", b64);

  g_assert_true (start_sync (worker, &error));
  reply = call_sync (worker, predict_call (json));
  g_assert_cmpuint (reply->http_status, ==, 200);
  text = reply_text (reply);
  g_assert_true (g_str_equal (text, expected));
  shutdown_sync (worker);
}

/* Every frame through a memfd: the hello, small calls and answers. */
static void
test_process_memfd_only (void)
{
  g_autoptr(SeldonWorker) worker = process_worker ("echo", 1, 2);
  g_autoptr(GError) error = NULL;
  Batch batch;

  seldon_worker_set_inline_max (worker, 0);
  g_assert_true (start_sync (worker, &error));
  batch_run (worker, &batch, 10, "pid");
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *answer = reply_str (batch.replies[i]);

      g_assert_true (g_str_has_suffix (answer, " 0"));
    }
  batch_clear (&batch);
  shutdown_sync (worker);
}

static void
test_process_crash (void)
{
  g_autoptr(SeldonWorker) worker = process_worker ("echo", 2, 2);
  g_autoptr(SeldonReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  gboolean seen[2] = { FALSE, FALSE };
  gint64 deadline;

  g_assert_true (start_sync (worker, &error));
  reply = call_sync (worker, command_call ("die"));
  text = reply_text (reply);
  expected = g_strdup_printf ("{\"status\":{\"code\":-1,\"info\":\"Worker %u exited unexpectedly "
                              "(signal 9) while running this call\",\"reason\":"
                              "\"MICROSERVICE_INTERNAL_ERROR\",\"status\":1}}\n", reply->worker_slot);
  g_assert_cmpuint (reply->http_status, ==, 503);
  g_assert_cmpint (reply->grpc_status, ==, 14);
  g_assert_cmpstr (text, ==, expected);
  g_assert_true (warnings->len > 0 &&
                 strstr (g_ptr_array_index (warnings, warnings->len - 1), "exited unexpectedly (signal 9)"));

  /* The other worker serves meanwhile, and the dead one comes back. */
  deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (!(seen[0] && seen[1]) && g_get_monotonic_time () < deadline)
    {
      g_autoptr(SeldonReply) r = call_sync (worker, command_call ("pid"));

      g_assert_cmpuint (r->http_status, ==, 200);
      seen[r->worker_slot] = TRUE;
    }
  g_assert_true (seen[0] && seen[1]);
  shutdown_sync (worker);
}

static void
test_process_deadline (void)
{
  g_autoptr(SeldonWorker) worker = process_worker ("echo", 1, 1);
  g_autoptr(SeldonReply) reply = NULL;
  g_autoptr(SeldonReply) next = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;
  SeldonCall *call;
  gint64 start;

  g_assert_true (start_sync (worker, &error));
  call = command_call ("sleep:10000");
  start = g_get_monotonic_time ();
  call->deadline = start + 100 * 1000;
  reply = call_sync (worker, call);
  g_assert_cmpuint (reply->http_status, ==, 504);

  /* The worker cancelled the call: its only thread is free at once. */
  next = call_sync (worker, command_call ("pid"));
  answer = reply_str (next);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  shutdown_sync (worker);
}

static void
test_process_load_fail (void)
{
  g_autoptr(SeldonWorker) worker = process_worker ("load-fail", 2, 1);
  g_autoptr(SeldonReply) reply = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (start_sync (worker, &error));
  g_assert_error (error, SELDON_ERROR, SELDON_ERROR_LOAD_FAILED);
  g_assert_cmpstr (error->message, ==, "load failed on purpose");
  g_assert_false (seldon_worker_is_ready (worker));

  reply = call_sync (worker, command_call ("pid"));
  g_assert_cmpuint (reply->http_status, ==, 503);
}

static void
test_process_report_failure (void)
{
  g_autoptr(SeldonWorker) worker = process_worker ("report-7", 2, 1);
  g_autoptr(GError) error = NULL;

  g_assert_false (start_sync (worker, &error));
  g_assert_error (error, G_SPAWN_EXIT_ERROR, 7);
  g_assert_cmpstr (error->message, ==, "cannot build report-7");
}

static void
test_process_shutdown (void)
{
  g_autoptr(SeldonWorker) worker = process_worker ("echo", 2, 1);
  g_autoptr(SeldonReply) late = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;
  CallResult res = { NULL, FALSE };
  gboolean done = FALSE;

  g_assert_true (start_sync (worker, &error));
  seldon_worker_call_async (worker, command_call ("sleep:300"), NULL, call_done_cb, &res);
  seldon_worker_shutdown_async (worker, NULL, shutdown_done_cb, &done);

  /* New calls are refused; the one in flight ends normally, then the shutdown. */
  late = call_sync (worker, command_call ("pid"));
  g_assert_cmpuint (late->http_status, ==, 503);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (res.done);
  answer = reply_str (res.reply);
  g_assert_cmpstr (answer, ==, "slept");
  seldon_reply_free (res.reply);
}

static void
test_process_main_context (void)
{
  g_autoptr(SeldonWorker) worker = process_worker ("main-context", 1, 8);
  g_autoptr(GError) error = NULL;
  Batch batch;

  g_assert_true (start_sync (worker, &error));
  batch_run (worker, &batch, 4, "pid");
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *answer = reply_str (batch.replies[i]);

      /* On the thread that created the host. */
      g_assert_true (g_str_has_suffix (answer, " 1"));
    }
  batch_clear (&batch);
  shutdown_sync (worker);
}

/* ------------------------------------------------------------------------------------------ */
/* In-process MAIN_CONTEXT                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void
test_inprocess_main_context (void)
{
  g_autoptr(TestProc) component = g_object_new (TEST_TYPE_PROC, NULL);
  g_autoptr(SeldonConfig) config = seldon_config_new ();
  g_autoptr(SeldonWorker) worker = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("%d 1", (int) getpid ());
  Batch batch;

  owner_thread = g_thread_self ();
  component->flags = SELDON_COMPONENT_FLAGS_MAIN_CONTEXT;
  worker = seldon_worker_new (SELDON_COMPONENT (component), config);
  g_assert_cmpuint (seldon_worker_get_n_threads (worker), ==, 1);
  g_assert_cmpuint (seldon_worker_get_n_processes (worker), ==, 0);
  g_assert_true (start_sync (worker, &error));
  g_assert_true (component->load_thread == g_thread_self ());

  batch_run (worker, &batch, 5, "pid");
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *answer = reply_str (batch.replies[i]);

      g_assert_cmpstr (answer, ==, expected);
      g_assert_cmpuint (batch.replies[i]->worker_slot, ==, 0);
    }
  batch_clear (&batch);
  shutdown_sync (worker);
}

/* ------------------------------------------------------------------------------------------ */
/* The cost of the hop (`test-worker -m perf -p /worker/perf/hop`)                            */
/* ------------------------------------------------------------------------------------------ */

typedef struct
{
  SeldonWorker *worker;
  guint         issued;
  guint         done;
  guint         total;
} Pump;

static void pump_issue (Pump *pump);

static void
pump_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pump *pump = user_data;
  g_autoptr(SeldonReply) reply = seldon_worker_call_finish (SELDON_WORKER (source), result);

  g_assert_cmpuint (reply->http_status, ==, 200);
  pump->done++;
  if (pump->issued < pump->total)
    pump_issue (pump);
}

static void
pump_issue (Pump *pump)
{
  pump->issued++;
  seldon_worker_call_async (pump->worker, predict_call ("{\"data\":{\"ndarray\":[[1,2,3,4]]}}"),
                            NULL, pump_done_cb, pump);
}

static void
pump_run (SeldonWorker *worker,
          guint         total,
          guint         concurrency)
{
  Pump pump = { worker, 0, 0, total };

  for (guint i = 0; i < concurrency && i < total; i++)
    pump_issue (&pump);
  while (pump.done < total)
    g_main_context_iteration (NULL, TRUE);
}

static double
cpu_us (int who)
{
  struct rusage usage;

  getrusage (who, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 +
         usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

/* CPU µs of the worker processes (started, given @n calls, stopped), and of this process. */
static void
measure_process (guint   n,
                 guint   concurrency,
                 double *front,
                 double *children)
{
  g_autoptr(SeldonWorker) worker = process_worker ("echo", 1, MAX (concurrency, 1));
  double self0 = cpu_us (RUSAGE_SELF), child0 = cpu_us (RUSAGE_CHILDREN);

  g_assert_true (start_sync (worker, NULL));
  pump_run (worker, n, concurrency);
  shutdown_sync (worker);
  *front = cpu_us (RUSAGE_SELF) - self0;
  *children = cpu_us (RUSAGE_CHILDREN) - child0;
}

static void
test_perf_hop (void)
{
  const guint n = 20000;
  const guint concurrencies[] = { 1, 16 };

  if (!g_test_perf ())
    {
      g_test_skip ("a benchmark: run with -m perf");
      return;
    }

  for (gsize c = 0; c < G_N_ELEMENTS (concurrencies); c++)
    {
      guint concurrency = concurrencies[c];
      g_autoptr(TestProc) component = g_object_new (TEST_TYPE_PROC, NULL);
      g_autoptr(SeldonConfig) config = seldon_config_new ();
      g_autoptr(SeldonWorker) inproc = NULL;
      double t0, inproc_us, base_front, base_child, front, child, hop;
      gint64 wall0, wall_inproc, wall_process;

      g_object_set (config, "threads", (int) MAX (concurrency, 1), NULL);
      inproc = seldon_worker_new (SELDON_COMPONENT (component), config);
      g_assert_true (start_sync (inproc, NULL));
      pump_run (inproc, 1000, concurrency);   /* warm up */
      t0 = cpu_us (RUSAGE_SELF);
      wall0 = g_get_monotonic_time ();
      pump_run (inproc, n, concurrency);
      wall_inproc = g_get_monotonic_time () - wall0;
      inproc_us = (cpu_us (RUSAGE_SELF) - t0) / n;
      shutdown_sync (inproc);

      /* Start-up and shutdown alone, then with the calls: the difference is the calls. */
      measure_process (0, concurrency, &base_front, &base_child);
      wall0 = g_get_monotonic_time ();
      measure_process (n, concurrency, &front, &child);
      wall_process = g_get_monotonic_time () - wall0;
      front = (front - base_front) / n;
      child = (child - base_child) / n;
      hop = front + child - inproc_us;

      g_test_message ("concurrency %u: in-process %.1f µs CPU/call (%.0f calls/s); "
                      "worker process: front %.1f + worker %.1f = %.1f µs CPU/call (%.0f calls/s); "
                      "hop overhead %.1f µs CPU/call",
                      concurrency, inproc_us, n / (wall_inproc / 1e6), front, child, front + child,
                      n / (wall_process / 1e6), hop);
      g_test_minimized_result (hop, "hop overhead at concurrency %u: %.1f µs CPU per call", concurrency, hop);
    }
}

static GLogWriterOutput
quiet_writer (GLogLevelFlags   log_level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (strcmp (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }
  if (g_strcmp0 (domain, "Seldon") == 0 &&
      (log_level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)))
    {
      if ((log_level & G_LOG_LEVEL_WARNING) && message != NULL && warnings != NULL)
        g_ptr_array_add (warnings, g_strdup (message));
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

int
main (int    argc,
      char **argv)
{
  int status;

  for (int i = 1; i + 1 < argc; i++)
    if (g_str_equal (argv[i], "--fd"))
      return host_main ((int) g_ascii_strtoll (argv[i + 1], NULL, 10));

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  warnings = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (quiet_writer, NULL, NULL);

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_assert_nonnull (self_exe);

  g_test_add_func ("/channel/hello", test_channel_hello);
  g_test_add_func ("/channel/call", test_channel_call);
  g_test_add_func ("/channel/reply", test_channel_reply);
  g_test_add_func ("/channel/small-frames", test_channel_small_frames);
  g_test_add_func ("/channel/malformed", test_channel_malformed);
  g_test_add_func ("/worker/process/calls", test_process_calls);
  g_test_add_func ("/worker/process/large", test_process_large);
  g_test_add_func ("/worker/process/memfd-only", test_process_memfd_only);
  g_test_add_func ("/worker/process/crash", test_process_crash);
  g_test_add_func ("/worker/process/deadline", test_process_deadline);
  g_test_add_func ("/worker/process/load-fail", test_process_load_fail);
  g_test_add_func ("/worker/process/report-failure", test_process_report_failure);
  g_test_add_func ("/worker/process/shutdown", test_process_shutdown);
  g_test_add_func ("/worker/process/main-context", test_process_main_context);
  g_test_add_func ("/worker/in-process/main-context", test_inprocess_main_context);
  g_test_add_func ("/worker/perf/hop", test_perf_hop);

  status = g_test_run ();
  g_ptr_array_unref (warnings);
  g_free (self_exe);
  return status;
}
