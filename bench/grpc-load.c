/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * grpc-load: a closed-loop gRPC load generator on the grpc C core, for seldon-microservice.
 *
 *   grpc-load [OPTION…] HOST:PORT
 *
 * N streams each make one unary call after another (a new call as soon as the previous one
 * answered) over C channels (stream i uses channel i mod C; each channel is one HTTP/2
 * connection). After a warm-up, calls are counted for a fixed duration; the program prints
 * calls per second, the latency percentiles p50/p90/p99 and the failed calls by status.
 * With --calls N the measured phase ends after N calls instead (--duration is then an upper
 * bound), for measurements on a fixed number of calls (callgrind).
 *
 * Requests (--payload): "small" = SeldonMessage {data {ndarray [[1,2,3,4]]}}, "ndarray:RxC" =
 * an R×C ndarray of floats, "tensor:RxC" the same as a Tensor, "str:N" = strData of N bytes,
 * or "file:PATH" = the bytes of a file (a serialized request message).
 *
 * Everything runs on one completion queue served by --threads threads (default 1).
 *
 * The client is kept lean, as wrk is for HTTP, because it shares the CPUs with the server:
 * each channel is a direct channel on a TCP connection the program opens itself
 * (grpc_channel_create_from_fd(): no name resolution, load balancing or retry layers), with
 * the minimal filter stack; --full-channel uses ordinary client channels instead.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_posix.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#pragma GCC diagnostic pop

#include "prediction.pb-c.h"

typedef struct _Load Load;

typedef struct
{
  Load                 *load;
  guint                 index;
  grpc_call            *call;
  grpc_byte_buffer     *response;
  grpc_metadata_array   initial_metadata;
  grpc_metadata_array   trailing_metadata;
  grpc_status_code      status;
  grpc_slice            details;
  gint64                started;
} Stream;

struct _Load
{
  grpc_completion_queue *cq;
  grpc_channel         **channels;
  void                 **registered;  /* per channel */
  guint                  n_channels;
  Stream                *streams;
  guint                  n_streams;
  grpc_slice             request;

  gint64                 measure_start;  /* monotonic µs */
  gint64                 measure_end;
  int                    stopping;       /* atomic */
  int                    active;         /* atomic: streams still running */
  int                    max_calls;      /* 0: no limit */
  int                    started_calls;  /* atomic: measured calls started */
  gint64                 last_done;      /* lock: monotonic µs of the last measured call's end */

  GMutex                 lock;
  GArray                *latencies;      /* lock: gint64 µs, measured calls */
  guint64                ok;             /* lock */
  guint64                failed[17];     /* lock: by status */
  guint64                total;          /* lock: every completed call */
};

static void
die (const char *format,
     ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

static void
die (const char *format,
     ...)
{
  va_list args;

  va_start (args, format);
  fprintf (stderr, "grpc-load: ");
  vfprintf (stderr, format, args);
  fprintf (stderr, "\n");
  va_end (args);
  exit (2);
}

/* ---------------------------------------------------------------------------------------- */
/* Requests                                                                                 */
/* ---------------------------------------------------------------------------------------- */

static GBytes *
pack (const ProtobufCMessage *message)
{
  gsize size = protobuf_c_message_get_packed_size (message);
  guint8 *data = g_malloc (MAX (size, 1));

  protobuf_c_message_pack (message, data);
  return g_bytes_new_take (data, size);
}

static GBytes *
make_ndarray (guint rows,
              guint cols)
{
  Seldon__Protos__SeldonMessage msg = SELDON__PROTOS__SELDON_MESSAGE__INIT;
  Seldon__Protos__DefaultData data = SELDON__PROTOS__DEFAULT_DATA__INIT;
  Google__Protobuf__ListValue outer = GOOGLE__PROTOBUF__LIST_VALUE__INIT;
  g_autofree Google__Protobuf__ListValue *row_lists = g_new (Google__Protobuf__ListValue, rows);
  g_autofree Google__Protobuf__Value *row_values = g_new (Google__Protobuf__Value, rows);
  g_autofree Google__Protobuf__Value **row_ptrs = g_new (Google__Protobuf__Value *, rows);
  g_autofree Google__Protobuf__Value *cells = g_new (Google__Protobuf__Value, (gsize) rows * cols);
  g_autofree Google__Protobuf__Value **cell_ptrs = g_new (Google__Protobuf__Value *, (gsize) rows * cols);

  for (guint r = 0; r < rows; r++)
    {
      Google__Protobuf__ListValue init_list = GOOGLE__PROTOBUF__LIST_VALUE__INIT;
      Google__Protobuf__Value init_value = GOOGLE__PROTOBUF__VALUE__INIT;

      for (guint c = 0; c < cols; c++)
        {
          Google__Protobuf__Value *cell = &cells[(gsize) r * cols + c];

          *cell = init_value;
          cell->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
          cell->number_value = r * cols + c + 1;
          if (rows * cols > 4)
            cell->number_value += 0.5;
          cell_ptrs[(gsize) r * cols + c] = cell;
        }
      row_lists[r] = init_list;
      row_lists[r].n_values = cols;
      row_lists[r].values = &cell_ptrs[(gsize) r * cols];
      row_values[r] = init_value;
      row_values[r].kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
      row_values[r].list_value = &row_lists[r];
      row_ptrs[r] = &row_values[r];
    }
  outer.n_values = rows;
  outer.values = row_ptrs;
  data.data_oneof_case = SELDON__PROTOS__DEFAULT_DATA__DATA_ONEOF_NDARRAY;
  data.ndarray = &outer;
  msg.data_oneof_case = SELDON__PROTOS__SELDON_MESSAGE__DATA_ONEOF_DATA;
  msg.data = &data;
  return pack (&msg.base);
}

static GBytes *
make_tensor (guint rows,
             guint cols)
{
  Seldon__Protos__SeldonMessage msg = SELDON__PROTOS__SELDON_MESSAGE__INIT;
  Seldon__Protos__DefaultData data = SELDON__PROTOS__DEFAULT_DATA__INIT;
  Seldon__Protos__Tensor tensor = SELDON__PROTOS__TENSOR__INIT;
  int32_t shape[2] = { (int32_t) rows, (int32_t) cols };
  g_autofree double *values = g_new (double, (gsize) rows * cols);

  for (gsize i = 0; i < (gsize) rows * cols; i++)
    values[i] = (double) i + 0.5;
  tensor.n_shape = 2;
  tensor.shape = shape;
  tensor.n_values = (gsize) rows * cols;
  tensor.values = values;
  data.data_oneof_case = SELDON__PROTOS__DEFAULT_DATA__DATA_ONEOF_TENSOR;
  data.tensor = &tensor;
  msg.data_oneof_case = SELDON__PROTOS__SELDON_MESSAGE__DATA_ONEOF_DATA;
  msg.data = &data;
  return pack (&msg.base);
}

static GBytes *
make_str (gsize n)
{
  Seldon__Protos__SeldonMessage msg = SELDON__PROTOS__SELDON_MESSAGE__INIT;
  g_autofree char *text = g_malloc (n + 1);

  memset (text, 'x', n);
  text[n] = '\0';
  msg.data_oneof_case = SELDON__PROTOS__SELDON_MESSAGE__DATA_ONEOF_STR_DATA;
  msg.strdata = text;
  return pack (&msg.base);
}

static gboolean
parse_dims (const char *text,
            guint      *rows,
            guint      *cols)
{
  return sscanf (text, "%ux%u", rows, cols) == 2 && *rows > 0 && *cols > 0 && *rows <= 10000 && *cols <= 10000;
}

static GBytes *
make_request (const char *spec)
{
  guint rows, cols;

  if (strcmp (spec, "small") == 0)
    return make_ndarray (1, 4);
  if (g_str_has_prefix (spec, "ndarray:") && parse_dims (spec + 8, &rows, &cols))
    return make_ndarray (rows, cols);
  if (g_str_has_prefix (spec, "tensor:") && parse_dims (spec + 7, &rows, &cols))
    return make_tensor (rows, cols);
  if (g_str_has_prefix (spec, "str:"))
    return make_str ((gsize) g_ascii_strtoull (spec + 4, NULL, 10));
  if (g_str_has_prefix (spec, "file:"))
    {
      g_autoptr(GError) error = NULL;
      char *contents;
      gsize len;

      if (!g_file_get_contents (spec + 5, &contents, &len, &error))
        die ("%s", error->message);
      return g_bytes_new_take (contents, len);
    }
  die ("unknown payload “%s”", spec);
}

/* ---------------------------------------------------------------------------------------- */
/* Calls                                                                                    */
/* ---------------------------------------------------------------------------------------- */

/* With --calls: whether one more call may start at @now (counted when measured). */
static gboolean
stream_may_start (Load   *load,
                  gint64  now)
{
  if (load->max_calls == 0 || now < load->measure_start)
    return TRUE;
  return g_atomic_int_add (&load->started_calls, 1) < load->max_calls;
}

static void
stream_start (Stream *stream)
{
  Load *load = stream->load;
  guint ch = stream->index % load->n_channels;
  grpc_op ops[6];
  grpc_byte_buffer *request;
  grpc_call_error err;

  memset (ops, 0, sizeof ops);
  stream->call = grpc_channel_create_registered_call (load->channels[ch], NULL, GRPC_PROPAGATE_DEFAULTS,
                                                      load->cq, load->registered[ch],
                                                      gpr_inf_future (GPR_CLOCK_REALTIME), NULL);
  request = grpc_raw_byte_buffer_create (&load->request, 1);
  grpc_metadata_array_init (&stream->initial_metadata);
  grpc_metadata_array_init (&stream->trailing_metadata);
  stream->response = NULL;
  stream->started = g_get_monotonic_time ();

  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = request;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &stream->initial_metadata;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &stream->response;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &stream->trailing_metadata;
  ops[5].data.recv_status_on_client.status = &stream->status;
  ops[5].data.recv_status_on_client.status_details = &stream->details;
  err = grpc_call_start_batch (stream->call, ops, G_N_ELEMENTS (ops), stream, NULL);
  /* grpc core holds its own reference to the request's slices. */
  grpc_byte_buffer_destroy (request);
  if (err != GRPC_CALL_OK)
    die ("grpc_call_start_batch: %s", grpc_call_error_to_string (err));
}

static void
stream_done (Stream *stream)
{
  Load *load = stream->load;
  gint64 now = g_get_monotonic_time ();
  gint64 latency = now - stream->started;
  gboolean measured = stream->started >= load->measure_start && now <= load->measure_end;

  g_mutex_lock (&load->lock);
  load->total++;
  if (measured)
    {
      if (stream->status == GRPC_STATUS_OK)
        {
          load->ok++;
          g_array_append_val (load->latencies, latency);
        }
      else
        load->failed[MIN ((guint) stream->status, 16)]++;
      load->last_done = now;
    }
  if (stream->status != GRPC_STATUS_OK && load->total - load->ok < 4 && measured)
    {
      char *text = grpc_slice_to_c_string (stream->details);

      fprintf (stderr, "grpc-load: call failed: status %d: %s\n", stream->status, text);
      gpr_free (text);
    }
  g_mutex_unlock (&load->lock);

  if (stream->response != NULL)
    grpc_byte_buffer_destroy (stream->response);
  grpc_slice_unref (stream->details);
  grpc_metadata_array_destroy (&stream->initial_metadata);
  grpc_metadata_array_destroy (&stream->trailing_metadata);
  grpc_call_unref (stream->call);
  stream->call = NULL;

  if (now < load->measure_end && !g_atomic_int_get (&load->stopping) && stream_may_start (load, now))
    stream_start (stream);
  else
    g_atomic_int_add (&load->active, -1);
}

static gpointer
cq_thread (gpointer data)
{
  Load *load = data;

  for (;;)
    {
      grpc_event ev = grpc_completion_queue_next (load->cq, gpr_inf_future (GPR_CLOCK_MONOTONIC), NULL);

      if (ev.type == GRPC_QUEUE_SHUTDOWN)
        break;
      if (ev.type == GRPC_OP_COMPLETE)
        stream_done (ev.tag);
    }
  return NULL;
}

/* A TCP connection to @target ("HOST:PORT"), with TCP_NODELAY as grpc's own. */
static int
connect_target (const char *target)
{
  g_autofree char *host = NULL;
  const char *colon = strrchr (target, ':');
  struct addrinfo hints = { 0 }, *addrs = NULL;
  int fd = -1, rc;

  if (colon == NULL)
    die ("“%s” is not HOST:PORT", target);
  host = g_strndup (target, colon - target);
  if (host[0] == '[' && host[strlen (host) - 1] == ']')
    {
      char *inner = g_strndup (host + 1, strlen (host) - 2);

      g_free (host);
      host = inner;
    }
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  rc = getaddrinfo (host, colon + 1, &hints, &addrs);
  if (rc != 0)
    die ("%s: %s", target, gai_strerror (rc));
  for (struct addrinfo *a = addrs; a != NULL && fd < 0; a = a->ai_next)
    {
      int one = 1;

      fd = socket (a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0)
        continue;
      if (connect (fd, a->ai_addr, a->ai_addrlen) != 0)
        {
          close (fd);
          fd = -1;
          continue;
        }
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
  freeaddrinfo (addrs);
  if (fd < 0)
    die ("cannot connect to %s", target);
  return fd;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
percentile_ms (GArray *sorted,
               double  p)
{
  gsize index;

  if (sorted->len == 0)
    return 0;
  index = (gsize) (p * (sorted->len - 1) + 0.5);
  return g_array_index (sorted, gint64, index) / 1000.0;
}

int
main (int   argc,
      char *argv[])
{
  int streams = 1, channels = 1, threads = 1, calls = 0;
  double duration = 10, warmup = 2;
  g_autofree char *method = NULL;
  g_autofree char *payload = NULL;
  gboolean header = FALSE, print_size = FALSE, full_channel = FALSE;
  GOptionEntry entries[] = {
    { "streams", 's', 0, G_OPTION_ARG_INT, &streams, "Concurrent calls (default 1)", "N" },
    { "channels", 'c', 0, G_OPTION_ARG_INT, &channels, "Channels (HTTP/2 connections; default 1)", "N" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Completion queue threads (default 1)", "N" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration, "Measured seconds (default 10)", "S" },
    { "warmup", 'w', 0, G_OPTION_ARG_DOUBLE, &warmup, "Unmeasured seconds first (default 2)", "S" },
    { "calls", 'n', 0, G_OPTION_ARG_INT, &calls, "Stop after N measured calls (--duration: at most)", "N" },
    { "method", 'm', 0, G_OPTION_ARG_STRING, &method, "Full method (default /seldon.protos.Model/Predict)", "PATH" },
    { "payload", 'p', 0, G_OPTION_ARG_STRING, &payload,
      "small | ndarray:RxC | tensor:RxC | str:N | file:PATH (default small)", "SPEC" },
    { "full-channel", 0, 0, G_OPTION_ARG_NONE, &full_channel,
      "Ordinary client channels (resolver, load balancing, retries) instead of direct ones", NULL },
    { "header", 0, 0, G_OPTION_ARG_NONE, &header, "Print a header line first", NULL },
    { "print-size", 0, 0, G_OPTION_ARG_NONE, &print_size, "Print the request size and exit", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("HOST:PORT");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GPtrArray) cq_threads = NULL;
  grpc_channel_credentials *credentials;
  Load load = { 0 };
  gsize request_size;
  gint64 start;
  guint64 n_failed = 0;
  GString *failures;

  g_option_context_set_summary (context, "Closed-loop gRPC load on seldon-microservice: prints calls/s and latency percentiles.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    die ("%s", error->message);
  if (method == NULL)
    method = g_strdup ("/seldon.protos.Model/Predict");
  request = make_request (payload != NULL ? payload : "small");
  request_size = g_bytes_get_size (request);
  if (print_size)
    {
      printf ("%" G_GSIZE_FORMAT "\n", request_size);
      return 0;
    }
  if (argc != 2)
    die ("usage: grpc-load [OPTION…] HOST:PORT");
  if (streams < 1 || channels < 1 || threads < 1 || duration <= 0 || warmup < 0 || calls < 0)
    die ("invalid option value");

  grpc_init ();
  load.cq = grpc_completion_queue_create_for_next (NULL);
  load.request = grpc_slice_from_copied_buffer (g_bytes_get_data (request, NULL), request_size);
  load.n_channels = (guint) channels;
  load.channels = g_new0 (grpc_channel *, channels);
  load.registered = g_new0 (void *, channels);
  credentials = grpc_insecure_credentials_create ();
  for (int i = 0; i < channels; i++)
    {
      grpc_arg args[5];
      grpc_channel_args channel_args = { G_N_ELEMENTS (args), args };
      int fd;

      /* Separate connections even to the same target. */
      args[0].type = GRPC_ARG_INTEGER;
      args[0].key = (char *) "grpc.channel_id";
      args[0].value.integer = i;
      args[1].type = GRPC_ARG_INTEGER;
      args[1].key = (char *) GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
      args[1].value.integer = -1;
      /* Lean (see the top): no retries (for --full-channel; no retry policy is configured
       * anyway), no BDP probing (a PING per burst of answers, which the server must
       * acknowledge), the minimal filter stack (no client-side message size or deadline
       * filters: the calls have neither). */
      args[2].type = GRPC_ARG_INTEGER;
      args[2].key = (char *) GRPC_ARG_ENABLE_RETRIES;
      args[2].value.integer = 0;
      args[3].type = GRPC_ARG_INTEGER;
      args[3].key = (char *) GRPC_ARG_HTTP2_BDP_PROBE;
      args[3].value.integer = 0;
      args[4].type = GRPC_ARG_INTEGER;
      args[4].key = (char *) GRPC_ARG_MINIMAL_STACK;
      args[4].value.integer = 1;
      if (full_channel)
        load.channels[i] = grpc_channel_create (argv[1], credentials, &channel_args);
      else
        {
          fd = connect_target (argv[1]);
          load.channels[i] = grpc_channel_create_from_fd (argv[1], fd, credentials, &channel_args);
        }
      load.registered[i] = grpc_channel_register_call (load.channels[i], method, NULL, NULL);
    }
  grpc_channel_credentials_release (credentials);

  g_mutex_init (&load.lock);
  load.latencies = g_array_sized_new (FALSE, FALSE, sizeof (gint64), 1 << 16);
  load.n_streams = (guint) streams;
  load.streams = g_new0 (Stream, streams);
  load.active = streams;
  load.max_calls = calls;
  start = g_get_monotonic_time ();
  load.measure_start = start + (gint64) (warmup * G_USEC_PER_SEC);
  load.measure_end = load.measure_start + (gint64) (duration * G_USEC_PER_SEC);

  cq_threads = g_ptr_array_new ();
  for (int i = 0; i < threads; i++)
    g_ptr_array_add (cq_threads, g_thread_new ("grpc-load", cq_thread, &load));
  for (int i = 0; i < streams; i++)
    {
      load.streams[i].load = &load;
      load.streams[i].index = (guint) i;
      if (stream_may_start (&load, g_get_monotonic_time ()))
        stream_start (&load.streams[i]);
      else
        g_atomic_int_add (&load.active, -1);
    }

  /* Wait for the end (or for the last of --calls), then for every stream's last call. */
  while (g_get_monotonic_time () < load.measure_end && g_atomic_int_get (&load.active) > 0)
    g_usleep (MIN (calls > 0 ? 1000 : 100000, MAX (load.measure_end - g_get_monotonic_time (), 1)));
  g_atomic_int_set (&load.stopping, 1);
  for (int i = 0; i < 3000 && g_atomic_int_get (&load.active) > 0; i++)
    g_usleep (10000);
  if (g_atomic_int_get (&load.active) > 0)
    die ("%d call(s) did not finish", g_atomic_int_get (&load.active));

  grpc_completion_queue_shutdown (load.cq);
  for (guint i = 0; i < cq_threads->len; i++)
    g_thread_join (g_ptr_array_index (cq_threads, i));
  for (int i = 0; i < channels; i++)
    grpc_channel_destroy (load.channels[i]);
  grpc_completion_queue_destroy (load.cq);
  grpc_slice_unref (load.request);

  /* With --calls, the measured phase may end before --duration. */
  if (calls > 0 && load.last_done > load.measure_start && load.last_done < load.measure_end)
    duration = (load.last_done - load.measure_start) / (double) G_USEC_PER_SEC;
  g_array_sort (load.latencies, compare_gint64);
  failures = g_string_new (NULL);
  for (guint s = 1; s < G_N_ELEMENTS (load.failed); s++)
    if (load.failed[s] > 0)
      {
        g_string_append_printf (failures, "%s%u:%" G_GUINT64_FORMAT, failures->len > 0 ? "," : "", s, load.failed[s]);
        n_failed += load.failed[s];
      }
  if (header)
    printf ("%8s %8s %10s %8s %8s %8s %8s  %s\n", "streams", "channels", "calls/s", "p50 ms", "p90 ms",
            "p99 ms", "bytes", "failed");
  printf ("%8d %8d %10.0f %8.3f %8.3f %8.3f %8" G_GSIZE_FORMAT "  %s\n",
          streams, channels, load.ok / duration,
          percentile_ms (load.latencies, 0.50), percentile_ms (load.latencies, 0.90),
          percentile_ms (load.latencies, 0.99), request_size,
          n_failed > 0 ? failures->str : "0");

  g_string_free (failures, TRUE);
  g_array_unref (load.latencies);
  g_free (load.streams);
  g_free (load.channels);
  g_free (load.registered);
  g_mutex_clear (&load.lock);
  grpc_shutdown ();
  return n_failed > 0 ? 1 : 0;
}
