/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

/* grpc core's headers declare a few functions with empty parentheses. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_posix.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>
#pragma GCC diagnostic pop
#if __has_include(<absl/base/options.h>)
#include <absl/base/options.h>   /* macros only: the inline namespace of Abseil's symbols */
#endif

#include "seldon-call-private.h"
#include "seldon-error.h"
#include "seldon-grpc-private.h"
#include "seldon-proto-descriptors.h"
#include "seldon-tracing-private.h"
#include "seldon-worker-private.h"

/*
 * Design
 *
 * One completion queue, served by one thread (the "CQ thread"). grpc core's pollers are the
 * threads waiting on the queue, so this thread also does the network I/O of the connections.
 *
 * - Every method is registered (grpc_server_register_method): the unary ones with
 *   GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, so a call arrives together with its request
 *   message; for each, a few RequestSlots keep a request pending (re-armed as soon as one is
 *   taken). A generic request (grpc_server_request_call) catches every other method:
 *   UNIMPLEMENTED, "Method not found!".
 * - A Seldon call (GrpcCall) goes to the main context through a queue: the CQ thread wakes
 *   the main context only when the queue was empty, so calls that arrive together cost one
 *   wake-up. The main context runs it on the SeldonWorker like REST does, with the client's
 *   deadline, and hands the answer back through another queue: the CQ thread sends it in one
 *   batch with RECV_CLOSE_ON_SERVER, whose completion ends the call. Only the CQ thread drives
 *   grpc core (a thread that is not polling would contend for the transport's locks and push
 *   work to grpc's executor thread); the main context wakes it, again once per batch of
 *   answers, with a call on a lame channel, which fails at once on the completion queue.
 * - Health Check, Seldon/GraphMetadata and unknown methods are answered by the CQ thread
 *   itself; so are reflection streams (one receive/send batch at a time). Health Watch
 *   streams get a message from the main context whenever the status changes.
 * - Shutdown: grpc_server_shutdown_and_notify() stops accepting (GOAWAY) and fails the pending
 *   requests; the calls in progress finish; _stop() cancels what is left
 *   (grpc_server_cancel_all_calls) and lets go of the calls still in the worker, so that the
 *   shutdown completes; _free() then destroys the server and the queue and joins the thread.
 */

#define REQUESTS_PER_METHOD   8
#define REQUESTS_PER_STREAM   2
#define REQUESTS_GENERIC      4
#define DEFAULT_MAX_MESSAGE   4194304
#define SHUTDOWN_WAIT_US      (10 * G_USEC_PER_SEC)

/* grpc.health.v1.HealthCheckResponse.ServingStatus */
#define HEALTH_UNKNOWN         0
#define HEALTH_SERVING         1
#define HEALTH_NOT_SERVING     2
#define HEALTH_SERVICE_UNKNOWN 3

typedef enum
{
  HANDLER_SELDON,          /* the worker answers */
  HANDLER_GRAPH_METADATA,  /* always UNKNOWN (grpc-api.md §5) */
  HANDLER_HEALTH_CHECK,
  HANDLER_HEALTH_WATCH,
  HANDLER_REFLECTION,
  HANDLER_UNIMPLEMENTED,   /* the generic request: any other method */
} HandlerKind;

typedef struct
{
  const char   *path;
  HandlerKind   handler;
  SeldonMethod  method;
  const char   *metric_label;  /* NULL: not in the request metrics */
} MethodInfo;

/* grpc-api.md §2; the same operation through different services is the same SeldonMethod. */
static const MethodInfo method_table[] = {
  { "/seldon.protos.Generic/TransformInput", HANDLER_SELDON, SELDON_METHOD_TRANSFORM_INPUT, NULL },
  { "/seldon.protos.Generic/TransformOutput", HANDLER_SELDON, SELDON_METHOD_TRANSFORM_OUTPUT, NULL },
  { "/seldon.protos.Generic/Route", HANDLER_SELDON, SELDON_METHOD_ROUTE, NULL },
  { "/seldon.protos.Generic/Aggregate", HANDLER_SELDON, SELDON_METHOD_AGGREGATE, NULL },
  { "/seldon.protos.Generic/SendFeedback", HANDLER_SELDON, SELDON_METHOD_SEND_FEEDBACK, NULL },
  { "/seldon.protos.Model/Predict", HANDLER_SELDON, SELDON_METHOD_PREDICT, NULL },
  { "/seldon.protos.Model/SendFeedback", HANDLER_SELDON, SELDON_METHOD_SEND_FEEDBACK, NULL },
  { "/seldon.protos.Model/Metadata", HANDLER_SELDON, SELDON_METHOD_METADATA, NULL },
  { "/seldon.protos.Router/Route", HANDLER_SELDON, SELDON_METHOD_ROUTE, NULL },
  { "/seldon.protos.Router/SendFeedback", HANDLER_SELDON, SELDON_METHOD_SEND_FEEDBACK, NULL },
  { "/seldon.protos.Transformer/TransformInput", HANDLER_SELDON, SELDON_METHOD_TRANSFORM_INPUT, NULL },
  { "/seldon.protos.OutputTransformer/TransformOutput", HANDLER_SELDON, SELDON_METHOD_TRANSFORM_OUTPUT, NULL },
  { "/seldon.protos.Combiner/Aggregate", HANDLER_SELDON, SELDON_METHOD_AGGREGATE, NULL },
  { "/seldon.protos.Seldon/Predict", HANDLER_SELDON, SELDON_METHOD_PREDICT, NULL },
  { "/seldon.protos.Seldon/SendFeedback", HANDLER_SELDON, SELDON_METHOD_SEND_FEEDBACK, NULL },
  { "/seldon.protos.Seldon/ModelMetadata", HANDLER_SELDON, SELDON_METHOD_METADATA, NULL },
  { "/seldon.protos.Seldon/GraphMetadata", HANDLER_GRAPH_METADATA, SELDON_METHOD_METADATA, "graphmetadata" },
  { "/grpc.health.v1.Health/Check", HANDLER_HEALTH_CHECK, 0, NULL },
  { "/grpc.health.v1.Health/Watch", HANDLER_HEALTH_WATCH, 0, NULL },
  { "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", HANDLER_REFLECTION, 0, NULL },
  { "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", HANDLER_REFLECTION, 0, NULL },
};

static const MethodInfo unimplemented_info = { NULL, HANDLER_UNIMPLEMENTED, 0, NULL };

/* What reflection lists (grpc-api.md §1, plus what else this server serves). */
static const char *const service_names[] = {
  "seldon.protos.Generic",
  "seldon.protos.Model",
  "seldon.protos.Router",
  "seldon.protos.Transformer",
  "seldon.protos.OutputTransformer",
  "seldon.protos.Combiner",
  "seldon.protos.Seldon",
  "grpc.health.v1.Health",
  "grpc.reflection.v1alpha.ServerReflection",
  "grpc.reflection.v1.ServerReflection",
};

#define GRAPH_METADATA_MESSAGE "Exception calling application: GraphMetadata not available on the Model level."
#define UNIMPLEMENTED_MESSAGE  "Method not found!"

/* ---------------------------------------------------------------------------------------- */
/* Types                                                                                    */
/* ---------------------------------------------------------------------------------------- */

typedef enum
{
  TAG_REQUEST,       /* RequestSlot: a requested call arrived (or the request failed) */
  TAG_CALL_SEND,     /* GrpcCall: the answer went out, and the client closed (or it failed) */
  TAG_STREAM_BATCH,  /* Stream: its send/receive batch completed */
  TAG_STREAM_CLOSE,  /* Stream: RECV_CLOSE_ON_SERVER completed */
  TAG_SHUTDOWN,      /* grpc_server_shutdown_and_notify() completed */
  TAG_WAKE,          /* the main context handed answers over (server->outgoing) */
} TagKind;

typedef struct
{
  TagKind kind;
} Tag;

#define TAG_OWNER(ptr, type, member) ((type *) (void *) ((char *) (ptr) - G_STRUCT_OFFSET (type, member)))

typedef struct
{
  Tag                  tag;
  SeldonGrpcServer    *server;
  const MethodInfo    *info;
  void                *registered;   /* NULL for the generic request */
  grpc_call           *call;
  gpr_timespec         deadline;
  grpc_metadata_array  metadata;
  grpc_byte_buffer    *payload;
  grpc_call_details    details;      /* generic request */
} RequestSlot;

/* A unary call. Reference counted: the send batch and the main context (from the queue until
 * the worker answered) each hold one.
 *
 * There is no RECV_CLOSE_ON_SERVER batch while the call runs (it costs a completion per call):
 * a client that goes away does not cancel the component's call, as upstream's server; a
 * client deadline does, through the call's deadline. */
typedef struct
{
  gatomicrefcount      ref_count;
  SeldonGrpcServer    *server;       /* NULL once the server is freed (main context) */
  grpc_call           *call;         /* NULL once let go of (main context, see _stop) */
  const MethodInfo    *info;
  GBytes              *body;
  gint64               arrival;      /* monotonic µs */
  gint64               deadline;     /* monotonic µs, 0 = none */
  gint64               queued;       /* monotonic µs: handed to the worker */
  SeldonSpan          *span;         /* tracing; NULL when not traced */
  int                  finish_code;  /* the status call_finish() counted */
  Tag                  send_tag;
  int                  close_cancelled;
  int                  finished;     /* atomic: counted as finished (metrics, drain) */
  int                  status;       /* what was sent */
  GBytes              *reply_body;   /* the answer, from the main context to the CQ thread */
  char                *reply_message;
  grpc_byte_buffer    *send_buffer;
  grpc_slice           status_details;
  gboolean             has_details;
  /* Main context */
  GList                link;         /* in server->incoming, ->in_worker or ->outgoing */
  gboolean             in_worker;
} GrpcCall;

/* A streaming call: reflection or Health Watch. References: its batch, its RECV_CLOSE batch
 * and, for a watch, server->watches. */
typedef struct
{
  gatomicrefcount      ref_count;
  SeldonGrpcServer    *server;
  grpc_call           *call;
  HandlerKind          kind;
  Tag                  batch_tag;
  Tag                  close_tag;
  int                  close_cancelled;
  grpc_byte_buffer    *send_buffer;
  grpc_byte_buffer    *recv_buffer;
  grpc_slice           status_details;
  gboolean             has_details;
  gboolean             status_sent;
  /* Watch (server->watch_lock) */
  char                *service;       /* the service watched */
  gboolean             known;         /* a service this server serves */
  gboolean             sending;       /* a batch is out */
  gboolean             closed;        /* the client went away */
  gboolean             listed;        /* in server->watches */
  int                  sent_status;   /* -1: nothing sent yet */
  GList                link;          /* in server->watches */
} Stream;

struct _SeldonGrpcServer
{
  SeldonConfig          *config;
  SeldonWorker          *worker;
  SeldonMetrics         *metrics;
  SeldonTracer          *tracer;        /* NULL: no tracing */
  GMainContext          *context;
  gulong                 ready_id;

  int                    max_receive;   /* -1 = unlimited */
  int                    max_send;      /* -1 = unlimited */
  gint64                 request_timeout_ms;

  grpc_server           *server;
  grpc_completion_queue *cq;
  /* The main context hands answers to the CQ thread, which sends them: grpc core is then only
   * ever driven by the thread that polls it (no lock contention on the transport, no work
   * handed to grpc's executor). The CQ thread is woken with a call on a lame channel, whose
   * batch fails at once, completing on the queue. */
  grpc_channel          *wake_channel;
  Tag                    wake_tag;
  GQueue                 outgoing;            /* lock: GrpcCall* whose answer is to be sent */
  gboolean               wake_pending;        /* lock: a wake call is out */
  grpc_server_credentials *credentials;
  GThread               *cq_thread;
  RequestSlot           *slots;
  guint                  n_slots;
  Tag                    shutdown_tag;
  gboolean               started;
  gboolean               shutdown_requested;  /* main context */
  int                    shutting_down;       /* atomic: do not re-arm requests */
  gboolean               stopped;

  /* The listening socket (the front's, or systemd's): connections are accepted in the main
   * context and handed to grpc core */
  GSocket               *given_socket;
  GSocketService        *service;

  /* The CQ thread hands calls to the main context here. */
  GMutex                 lock;
  GCond                  cond;                /* lock: shutdown_done */
  GQueue                 incoming;            /* lock: GrpcCall* */
  gboolean               shutdown_done;       /* lock */
  int                    check_drained;       /* atomic: the main context should check */
  GSource               *source;

  /* Main context */
  GQueue                 in_worker;           /* GrpcCall* running in the worker */
  gboolean               draining;
  SeldonGrpcDrainedFunc  drained_func;
  gpointer               drained_data;
  gboolean               drained_called;

  /* Calls counted as in progress (unary calls not finished yet), for the drain. */
  int                    n_active;            /* atomic */

  /* Health */
  int                    health;              /* atomic: HEALTH_SERVING or HEALTH_NOT_SERVING */
  GMutex                 watch_lock;
  GQueue                 watches;             /* watch_lock: Stream* */
};

static void request_arm (RequestSlot *slot);
static void call_unref (GrpcCall *gcall);
static void call_send (GrpcCall *gcall, int status, const char *message, GBytes *body);
static void stream_unref (Stream *stream);
static void server_check_drained (SeldonGrpcServer *self);

/* ---------------------------------------------------------------------------------------- */
/* Helpers                                                                                  */
/* ---------------------------------------------------------------------------------------- */

static void
log_cb (gpr_log_func_args *args)
{
  if (args->severity == GPR_LOG_SEVERITY_ERROR)
    g_message ("gRPC: %s", args->message);
  else
    g_debug ("gRPC: %s (%s:%d)", args->message, args->file, args->line);
}

static void
slice_free_cb (gpointer data)
{
  grpc_slice *slice = data;

  grpc_slice_unref (*slice);
  g_free (slice);
}

/* The bytes of @buffer, without a copy when it is one slice (a reference on that slice);
 * NULL when it cannot be read (a compressed message that does not decompress). */
static GBytes *
bytes_from_buffer (grpc_byte_buffer *buffer)
{
  grpc_byte_buffer_reader reader;
  grpc_slice *slice;
  grpc_slice next;

  if (buffer == NULL)
    return g_bytes_new_static ("", 0);
  if (!grpc_byte_buffer_reader_init (&reader, buffer))
    return NULL;
  slice = g_new (grpc_slice, 1);
  /* grpc_byte_buffer_reader_readall() copies even a single slice */
  if (!grpc_byte_buffer_reader_next (&reader, slice))
    *slice = grpc_empty_slice ();
  else if (grpc_byte_buffer_reader_next (&reader, &next))
    {
      grpc_slice_unref (next);
      grpc_slice_unref (*slice);
      grpc_byte_buffer_reader_destroy (&reader);
      if (!grpc_byte_buffer_reader_init (&reader, buffer))
        {
          g_free (slice);
          return NULL;
        }
      *slice = grpc_byte_buffer_reader_readall (&reader);
    }
  grpc_byte_buffer_reader_destroy (&reader);
  return g_bytes_new_with_free_func (GRPC_SLICE_START_PTR (*slice), GRPC_SLICE_LENGTH (*slice),
                                     slice_free_cb, slice);
}

static void
bytes_unref_cb (void *data)
{
  g_bytes_unref (data);
}

/* A byte buffer holding @bytes (may be NULL: empty), without a copy. */
static grpc_byte_buffer *
buffer_from_bytes (GBytes *bytes)
{
  grpc_byte_buffer *buffer;
  grpc_slice slice;
  gsize len = 0;
  const void *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;

  if (len == 0)
    slice = grpc_empty_slice ();
  else
    slice = grpc_slice_new_with_user_data ((void *) data, len, bytes_unref_cb, g_bytes_ref (bytes));
  buffer = grpc_raw_byte_buffer_create (&slice, 1);
  grpc_slice_unref (slice);
  return buffer;
}

static grpc_byte_buffer *
buffer_from_array (GByteArray *array)
{
  g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (array);

  return buffer_from_bytes (bytes);
}

/* Abseil built without NDEBUG (as Debian builds it) tracks the lock order of every
 * absl::Mutex for its deadlock detector, a debugging aid of debug builds: a global graph
 * updated on every lock, about 4% of the front's instructions per unary call. Release builds of
 * Abseil do not do it; this turns it off the same way (SetMutexDeadlockDetectionMode(kIgnore)),
 * which changes nothing else. The function is C++, so it is looked up by its mangled name in
 * the Abseil library grpc core loaded; nothing happens when it is not found. */
static int
find_absl_synchronization (struct dl_phdr_info *info,
                           size_t               size,
                           void                *data)
{
  char **path = data;

  if (info->dlpi_name != NULL && strstr (info->dlpi_name, "/libabsl_synchronization.so") != NULL)
    {
      *path = g_strdup (info->dlpi_name);
      return 1;
    }
  return 0;
}

static void
absl_deadlock_detection_off (void)
{
#if defined(ABSL_OPTION_USE_INLINE_NAMESPACE) && ABSL_OPTION_USE_INLINE_NAMESPACE == 1
  const char *ns = G_STRINGIFY (ABSL_OPTION_INLINE_NAMESPACE_NAME);
  g_autofree char *symbol = g_strdup_printf ("_ZN4absl%zu%s29SetMutexDeadlockDetectionModeENS0_15OnDeadlockCycleE",
                                             strlen (ns), ns);
#else
  g_autofree char *symbol = g_strdup ("_ZN4absl29SetMutexDeadlockDetectionModeENS_15OnDeadlockCycleE");
#endif
  g_autofree char *path = NULL;
  void (*set_mode) (int) = NULL;
  void *handle;

  dl_iterate_phdr (find_absl_synchronization, &path);
  if (path == NULL || (handle = dlopen (path, RTLD_LAZY | RTLD_NOLOAD)) == NULL)
    return;
  *(void **) &set_mode = dlsym (handle, symbol);
  if (set_mode != NULL)
    set_mode (0);   /* absl::OnDeadlockCycle::kIgnore */
  dlclose (handle);
}

/* A grpc deadline as g_get_monotonic_time() µs, 0 for none. */
static gint64
deadline_to_monotonic (gpr_timespec deadline)
{
  gpr_timespec now;
  gint64 remaining;

  if (deadline.clock_type == GPR_TIMESPAN || deadline.tv_sec >= INT64_MAX / 2)
    return 0;
  now = gpr_now (deadline.clock_type);
  remaining = (deadline.tv_sec - now.tv_sec) * G_USEC_PER_SEC + (deadline.tv_nsec - now.tv_nsec) / 1000;
  /* 0 means "none": a deadline already past is 1 µs from the epoch of the clock. */
  return MAX (g_get_monotonic_time () + remaining, 1);
}

/* ---------------------------------------------------------------------------------------- */
/* Protobuf wire format, for the few small messages the front reads and writes itself       */
/* ---------------------------------------------------------------------------------------- */

enum
{
  WIRE_VARINT = 0,
  WIRE_FIXED64 = 1,
  WIRE_LEN = 2,
  WIRE_FIXED32 = 5,
};

static void
put_varint (GByteArray *out,
            guint64     value)
{
  guint8 buffer[10];
  guint n = 0;

  do
    {
      buffer[n] = value & 0x7F;
      value >>= 7;
      if (value != 0)
        buffer[n] |= 0x80;
      n++;
    }
  while (value != 0);
  g_byte_array_append (out, buffer, n);
}

static void
put_key (GByteArray *out,
         guint       field,
         guint       wire)
{
  put_varint (out, ((guint64) field << 3) | wire);
}

static void
put_bytes (GByteArray *out,
           guint       field,
           const void *data,
           gsize       len)
{
  put_key (out, field, WIRE_LEN);
  put_varint (out, len);
  if (len > 0)
    g_byte_array_append (out, data, (guint) len);
}

static void
put_string (GByteArray *out,
            guint       field,
            const char *text)
{
  put_bytes (out, field, text, strlen (text));
}

static void
put_message (GByteArray *out,
             guint       field,
             GByteArray *message)
{
  put_bytes (out, field, message->data, message->len);
}

typedef struct
{
  const guint8 *p;
  const guint8 *end;
} WireReader;

typedef struct
{
  guint         field;
  guint         wire;
  guint64       value;   /* varint */
  const guint8 *data;    /* length-delimited */
  gsize         len;
} WireField;

static gboolean
read_varint (WireReader *r,
             guint64    *value)
{
  guint64 result = 0;

  for (guint shift = 0; shift < 64; shift += 7)
    {
      guint8 byte;

      if (r->p >= r->end)
        return FALSE;
      byte = *r->p++;
      result |= (guint64) (byte & 0x7F) << shift;
      if (!(byte & 0x80))
        {
          *value = result;
          return TRUE;
        }
    }
  return FALSE;
}

/* The next field into @f; FALSE at the end (*@error set when the message is malformed). */
static gboolean
wire_next (WireReader *r,
           WireField  *f,
           gboolean   *error)
{
  guint64 key, len;

  *error = FALSE;
  if (r->p >= r->end)
    return FALSE;
  if (!read_varint (r, &key) || (key >> 3) == 0 || (key >> 3) > G_MAXUINT32)
    goto malformed;
  f->field = (guint) (key >> 3);
  f->wire = key & 7;
  f->data = NULL;
  f->len = 0;
  f->value = 0;
  switch (f->wire)
    {
    case WIRE_VARINT:
      if (!read_varint (r, &f->value))
        goto malformed;
      return TRUE;
    case WIRE_FIXED64:
      if (r->end - r->p < 8)
        goto malformed;
      r->p += 8;
      return TRUE;
    case WIRE_FIXED32:
      if (r->end - r->p < 4)
        goto malformed;
      r->p += 4;
      return TRUE;
    case WIRE_LEN:
      if (!read_varint (r, &len) || len > (guint64) (r->end - r->p))
        goto malformed;
      f->data = r->p;
      f->len = (gsize) len;
      r->p += len;
      return TRUE;
    default:
      goto malformed;
    }

malformed:
  *error = TRUE;
  return FALSE;
}

/* The string field @field of @bytes (the last one wins, as in protobuf); FALSE if malformed. */
static gboolean
read_string_field (GBytes  *bytes,
                   guint    field,
                   char   **out)
{
  gsize size = 0;
  const guint8 *data = bytes != NULL ? g_bytes_get_data (bytes, &size) : NULL;
  WireReader r = { data, data + size };
  WireField f;
  gboolean error;

  *out = NULL;
  while (wire_next (&r, &f, &error))
    {
      if (f.field == field && f.wire == WIRE_LEN)
        {
          g_free (*out);
          *out = g_strndup ((const char *) f.data, f.len);
        }
    }
  if (error)
    {
      g_clear_pointer (out, g_free);
      return FALSE;
    }
  if (*out == NULL)
    *out = g_strdup ("");
  return TRUE;
}

/* ---------------------------------------------------------------------------------------- */
/* Metrics and the drain                                                                    */
/* ---------------------------------------------------------------------------------------- */

/* Any thread: wakes the main context. */
static void
server_wake (SeldonGrpcServer *self)
{
  g_source_set_ready_time (self->source, 0);
}

/* The method label of @gcall in the request metrics and spans; NULL: not counted nor traced. */
static const char *
call_metric_label (GrpcCall *gcall)
{
  if (gcall->info->metric_label != NULL)
    return gcall->info->metric_label;
  if (gcall->info->handler == HANDLER_SELDON)
    return seldon_method_get_metric_label (gcall->info->method);
  return NULL;
}

/* Any thread: @gcall is over as far as its client is concerned (once). */
static void
call_finish (GrpcCall *gcall,
             int       code)
{
  SeldonGrpcServer *self = gcall->server;

  if (!g_atomic_int_compare_and_exchange (&gcall->finished, 0, 1))
    return;

  gcall->finish_code = code;
  if (self == NULL)
    return;
  if (gcall->info->metric_label != NULL || gcall->info->handler == HANDLER_SELDON)
    {
      const char *label = gcall->info->metric_label;

      if (label == NULL)
        label = seldon_method_get_metric_label (gcall->info->method);
      if (self->metrics != NULL)
        seldon_metrics_request_finished (self->metrics, label, "grpc", (guint) code,
                                         g_get_monotonic_time () - gcall->arrival);
    }
  if (g_atomic_int_dec_and_test (&self->n_active) && g_atomic_int_get (&self->shutting_down))
    {
      g_atomic_int_set (&self->check_drained, 1);
      server_wake (self);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Unary calls                                                                              */
/* ---------------------------------------------------------------------------------------- */

static GrpcCall *
call_new (SeldonGrpcServer *self,
          RequestSlot      *slot)
{
  GrpcCall *gcall = g_new0 (GrpcCall, 1);

  g_atomic_ref_count_init (&gcall->ref_count);
  gcall->server = self;
  gcall->info = slot->info;
  gcall->call = g_steal_pointer (&slot->call);
  gcall->arrival = g_get_monotonic_time ();
  gcall->send_tag.kind = TAG_CALL_SEND;
  gcall->link.data = gcall;
  gcall->finish_code = GRPC_STATUS_UNKNOWN;
  g_atomic_int_inc (&self->n_active);
  /* Traced as REST: the calls the request metrics count (not health checks), continuing the
   * trace of the request metadata (still in @slot). */
  if (gcall->info->metric_label != NULL || gcall->info->handler == HANDLER_SELDON)
    {
      if (self->metrics != NULL)
        seldon_metrics_request_started (self->metrics);
      gcall->span = seldon_tracer_start_span (self->tracer, "grpc", NULL, gcall->info->path,
                                              seldon_tracing_lookup_grpc_metadata, &slot->metadata);
    }
  return gcall;
}

static GrpcCall *
call_ref (GrpcCall *gcall)
{
  g_atomic_ref_count_inc (&gcall->ref_count);
  return gcall;
}

static void
call_unref (GrpcCall *gcall)
{
  if (!g_atomic_ref_count_dec (&gcall->ref_count))
    return;

  /* Last: both the answer (seldon_span_add_reply()) and the end of the call are known. */
  if (gcall->span != NULL)
    seldon_span_finish (g_steal_pointer (&gcall->span), call_metric_label (gcall),
                        (guint) gcall->finish_code, NULL);
  if (gcall->call != NULL)
    grpc_call_unref (gcall->call);
  g_clear_pointer (&gcall->body, g_bytes_unref);
  g_clear_pointer (&gcall->reply_body, g_bytes_unref);
  g_free (gcall->reply_message);
  if (gcall->send_buffer != NULL)
    grpc_byte_buffer_destroy (gcall->send_buffer);
  if (gcall->has_details)
    grpc_slice_unref (gcall->status_details);
  g_free (gcall);
}

/* Any thread, once per call: sends the answer and waits for the client's end. @body only
 * with GRPC_STATUS_OK. */
static void
call_send (GrpcCall   *gcall,
           int         status,
           const char *message,
           GBytes     *body)
{
  grpc_op ops[4] = { { 0 } };
  grpc_op *op = ops;
  grpc_call_error err;

  gcall->status = status;
  /* Always: chttp2 does not write a status sent without initial metadata. */
  op->op = GRPC_OP_SEND_INITIAL_METADATA;
  op++;
  if (status == GRPC_STATUS_OK)
    {
      gcall->send_buffer = buffer_from_bytes (body);
      op->op = GRPC_OP_SEND_MESSAGE;
      op->data.send_message.send_message = gcall->send_buffer;
      op++;
    }
  else if (message != NULL && *message != '\0')
    {
      gcall->status_details = grpc_slice_from_copied_string (message);
      gcall->has_details = TRUE;
    }
  op->op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  op->data.send_status_from_server.status = (grpc_status_code) status;
  op->data.send_status_from_server.status_details = gcall->has_details ? &gcall->status_details : NULL;
  op++;
  op->op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  op->data.recv_close_on_server.cancelled = &gcall->close_cancelled;
  op++;

  call_ref (gcall);
  err = grpc_call_start_batch (gcall->call, ops, (size_t) (op - ops), &gcall->send_tag, NULL);
  if (err != GRPC_CALL_OK)
    {
      g_message ("gRPC: cannot answer a call: %s", grpc_call_error_to_string (err));
      call_finish (gcall, GRPC_STATUS_UNAVAILABLE);
      call_unref (gcall);
    }
}

/* CQ thread */
static void
call_send_done (GrpcCall *gcall,
                gboolean  success)
{
  if (success && !gcall->close_cancelled)
    call_finish (gcall, gcall->status);
  else
    call_finish (gcall, gcall->deadline != 0 && g_get_monotonic_time () >= gcall->deadline ?
                 GRPC_STATUS_DEADLINE_EXCEEDED : GRPC_STATUS_CANCELLED);
  call_unref (gcall);
}

/* Main context: hands @gcall (reference transferred), whose reply_* are set, to the CQ
 * thread, which sends the answer. */
static void
queue_for_cq (SeldonGrpcServer *self,
              GrpcCall         *gcall)
{
  gboolean wake;

  g_mutex_lock (&self->lock);
  g_queue_push_tail_link (&self->outgoing, &gcall->link);
  wake = !self->wake_pending;
  self->wake_pending = TRUE;
  g_mutex_unlock (&self->lock);

  if (wake)
    {
      grpc_call *call = grpc_channel_create_call (self->wake_channel, NULL, GRPC_PROPAGATE_DEFAULTS, self->cq,
                                                  grpc_slice_from_static_string ("/seldon.wake/Wake"), NULL,
                                                  gpr_inf_future (GPR_CLOCK_MONOTONIC), NULL);
      grpc_op op = { 0 };

      op.op = GRPC_OP_SEND_INITIAL_METADATA;
      if (grpc_call_start_batch (call, &op, 1, &self->wake_tag, NULL) != GRPC_CALL_OK)
        g_critical ("gRPC: cannot wake the completion queue thread");
      grpc_call_unref (call);
    }
}

/* CQ thread: sends the answers the main context handed over. */
static void
send_outgoing (SeldonGrpcServer *self)
{
  GQueue batch = G_QUEUE_INIT;
  GList *link;

  g_mutex_lock (&self->lock);
  self->wake_pending = FALSE;
  batch = self->outgoing;
  g_queue_init (&self->outgoing);
  g_mutex_unlock (&self->lock);

  while ((link = g_queue_pop_head_link (&batch)) != NULL)
    {
      GrpcCall *gcall = link->data;

      call_send (gcall, gcall->status, gcall->reply_message, gcall->reply_body);
      g_clear_pointer (&gcall->reply_body, g_bytes_unref);
      g_clear_pointer (&gcall->reply_message, g_free);
      call_unref (gcall);
    }
}

/* Main context: the worker answered. */
static void
call_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GrpcCall *gcall = user_data;
  SeldonGrpcServer *self = gcall->server;
  g_autoptr(SeldonReply) reply = seldon_worker_call_finish (SELDON_WORKER (source), result);

  gcall->in_worker = FALSE;
  if (self != NULL)
    {
      g_queue_unlink (&self->in_worker, &gcall->link);
      /* The call ran, whether or not its client is still there (as REST). */
      if (reply != NULL && self->metrics != NULL)
        {
          seldon_metrics_record_reply (self->metrics, reply);
          seldon_metrics_record_timings (self->metrics, call_metric_label (gcall), "grpc", gcall->queued, reply);
        }
      seldon_span_add_reply (gcall->span, reply);
    }

  if (self != NULL && gcall->call != NULL && reply != NULL)
    {
      gcall->status = reply->grpc_status;
      if (reply->grpc_status == GRPC_STATUS_OK)
        gcall->reply_body = reply->body != NULL ? g_bytes_ref (reply->body) : NULL;
      else
        gcall->reply_message = g_strdup (reply->grpc_message);
      queue_for_cq (self, gcall);
      return;
    }
  if (gcall->call == NULL)
    call_finish (gcall, GRPC_STATUS_UNAVAILABLE);
  call_unref (gcall);
}

/* Main context: runs a Seldon call on the worker (reference transferred). */
static void
call_dispatch (SeldonGrpcServer *self,
               GrpcCall         *gcall)
{
  SeldonCall *scall;

  if (gcall->call == NULL)
    {
      call_unref (gcall);
      return;
    }

  scall = seldon_call_new (gcall->info->method, SELDON_TRANSPORT_GRPC);
  scall->body = g_steal_pointer (&gcall->body);
  scall->deadline = gcall->deadline;
  gcall->in_worker = TRUE;
  g_queue_push_tail_link (&self->in_worker, &gcall->link);
  gcall->queued = g_get_monotonic_time ();
  seldon_worker_call_async (self->worker, scall, NULL, call_done_cb, gcall);
}

/* Main context: lets go of @gcall's grpc call, answering UNAVAILABLE if it is still open, so
 * that the server's shutdown does not wait for the worker. */
static void
call_abandon (GrpcCall *gcall)
{
  if (gcall->call == NULL)
    return;
  grpc_call_cancel_with_status (gcall->call, GRPC_STATUS_UNAVAILABLE, "The server is shutting down", NULL);
  grpc_call_unref (gcall->call);
  gcall->call = NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Health (grpc.health.v1)                                                                  */
/* ---------------------------------------------------------------------------------------- */

static gboolean
is_known_service (const char *service)
{
  if (*service == '\0')
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (service_names); i++)
    if (strcmp (service, service_names[i]) == 0)
      return TRUE;
  return FALSE;
}

/* HealthCheckResponse { ServingStatus status = 1; } */
static GBytes *
health_response (int status)
{
  GByteArray *out = g_byte_array_sized_new (2);

  if (status != HEALTH_UNKNOWN)
    {
      put_key (out, 1, WIRE_VARINT);
      put_varint (out, (guint64) status);
    }
  return g_byte_array_free_to_bytes (out);
}

/* CQ thread: HealthCheckRequest { string service = 1; } */
static void
health_check (SeldonGrpcServer *self,
              GrpcCall         *gcall)
{
  g_autofree char *service = NULL;

  if (gcall->body == NULL || !read_string_field (gcall->body, 1, &service))
    call_send (gcall, GRPC_STATUS_INTERNAL, "Exception deserializing request!", NULL);
  else if (!is_known_service (service))
    call_send (gcall, GRPC_STATUS_NOT_FOUND, "unknown service", NULL);
  else
    {
      g_autoptr(GBytes) body = health_response (g_atomic_int_get (&self->health));

      call_send (gcall, GRPC_STATUS_OK, NULL, body);
    }
}

static Stream *
stream_new (SeldonGrpcServer *self,
            RequestSlot      *slot)
{
  Stream *stream = g_new0 (Stream, 1);

  g_atomic_ref_count_init (&stream->ref_count);
  stream->server = self;
  stream->kind = slot->info->handler;
  stream->call = g_steal_pointer (&slot->call);
  stream->batch_tag.kind = TAG_STREAM_BATCH;
  stream->close_tag.kind = TAG_STREAM_CLOSE;
  stream->sent_status = -1;
  stream->link.data = stream;
  return stream;
}

static Stream *
stream_ref (Stream *stream)
{
  g_atomic_ref_count_inc (&stream->ref_count);
  return stream;
}

static void
stream_unref (Stream *stream)
{
  if (!g_atomic_ref_count_dec (&stream->ref_count))
    return;

  grpc_call_unref (stream->call);
  if (stream->send_buffer != NULL)
    grpc_byte_buffer_destroy (stream->send_buffer);
  if (stream->recv_buffer != NULL)
    grpc_byte_buffer_destroy (stream->recv_buffer);
  if (stream->has_details)
    grpc_slice_unref (stream->status_details);
  g_free (stream->service);
  g_free (stream);
}

/* Starts a batch of @n_ops on @stream (taking a reference for it). */
static gboolean
stream_start_batch (Stream  *stream,
                    grpc_op *ops,
                    size_t   n_ops,
                    Tag     *tag)
{
  grpc_call_error err;

  stream_ref (stream);
  err = grpc_call_start_batch (stream->call, ops, n_ops, tag, NULL);
  if (err != GRPC_CALL_OK)
    {
      g_message ("gRPC: cannot continue a stream: %s", grpc_call_error_to_string (err));
      stream_unref (stream);
      return FALSE;
    }
  return TRUE;
}

/* watch_lock held: sends the current status to @stream if it changed and nothing is out. */
static void
watch_send_locked (SeldonGrpcServer *self,
                   Stream           *stream)
{
  grpc_op ops[2] = { { 0 } };
  size_t n = 0;
  int status;
  g_autoptr(GBytes) body = NULL;

  if (stream->sending || stream->closed)
    return;
  status = stream->known ? g_atomic_int_get (&self->health) : HEALTH_SERVICE_UNKNOWN;
  if (status == stream->sent_status)
    return;

  if (stream->sent_status == -1)
    ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
  if (stream->send_buffer != NULL)
    grpc_byte_buffer_destroy (stream->send_buffer);
  body = health_response (status);
  stream->send_buffer = buffer_from_bytes (body);
  ops[n].op = GRPC_OP_SEND_MESSAGE;
  ops[n].data.send_message.send_message = stream->send_buffer;
  n++;
  stream->sent_status = status;
  stream->sending = stream_start_batch (stream, ops, n, &stream->batch_tag);
}

/* Main context: the health status may have changed. */
static void
health_update (SeldonGrpcServer *self)
{
  int status = HEALTH_NOT_SERVING;

  if (!self->draining && !self->stopped && seldon_worker_is_ready (self->worker))
    status = HEALTH_SERVING;
  g_atomic_int_set (&self->health, status);

  g_mutex_lock (&self->watch_lock);
  for (GList *l = self->watches.head; l != NULL; l = l->next)
    watch_send_locked (self, l->data);
  g_mutex_unlock (&self->watch_lock);
}

/* CQ thread: a Watch call arrived with its request. */
static void
watch_start (SeldonGrpcServer *self,
             RequestSlot      *slot,
             grpc_byte_buffer *payload)
{
  Stream *stream = stream_new (self, slot);
  g_autoptr(GBytes) request = bytes_from_buffer (payload);
  grpc_op op = { 0 };

  if (request == NULL || !read_string_field (request, 1, &stream->service))
    {
      grpc_op ops[2] = { { 0 } };

      stream->status_details = grpc_slice_from_static_string ("Exception deserializing request!");
      stream->has_details = TRUE;
      ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
      ops[1].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
      ops[1].data.send_status_from_server.status = GRPC_STATUS_INTERNAL;
      ops[1].data.send_status_from_server.status_details = &stream->status_details;
      stream->status_sent = TRUE;
      stream_start_batch (stream, ops, 2, &stream->batch_tag);
      stream_unref (stream);
      return;
    }
  stream->known = is_known_service (stream->service);

  op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  op.data.recv_close_on_server.cancelled = &stream->close_cancelled;
  if (!stream_start_batch (stream, &op, 1, &stream->close_tag))
    {
      stream_unref (stream);
      return;
    }

  g_mutex_lock (&self->watch_lock);
  /* The list's reference is the creation one. */
  g_queue_push_tail_link (&self->watches, &stream->link);
  stream->listed = TRUE;
  watch_send_locked (self, stream);
  g_mutex_unlock (&self->watch_lock);
}

/* CQ thread */
static void
watch_batch_done (Stream   *stream,
                  gboolean  success)
{
  SeldonGrpcServer *self = stream->server;

  g_mutex_lock (&self->watch_lock);
  stream->sending = FALSE;
  if (!success)
    stream->closed = TRUE;
  else
    watch_send_locked (self, stream);
  g_mutex_unlock (&self->watch_lock);
  stream_unref (stream);
}

/* CQ thread: the watch is over (the client went away, or the server cancelled it). */
static void
watch_close_done (Stream *stream)
{
  SeldonGrpcServer *self = stream->server;
  gboolean listed;

  g_mutex_lock (&self->watch_lock);
  stream->closed = TRUE;
  listed = stream->listed;
  if (listed)
    g_queue_unlink (&self->watches, &stream->link);
  stream->listed = FALSE;
  g_mutex_unlock (&self->watch_lock);
  if (listed)
    stream_unref (stream);
  stream_unref (stream);
}

/* ---------------------------------------------------------------------------------------- */
/* Server reflection (grpc.reflection.v1alpha and v1: the same messages)                    */
/* ---------------------------------------------------------------------------------------- */

/* ServerReflectionRequest fields */
enum
{
  REFLECT_HOST = 1,
  REFLECT_FILE_BY_FILENAME = 3,
  REFLECT_FILE_CONTAINING_SYMBOL = 4,
  REFLECT_FILE_CONTAINING_EXTENSION = 5,
  REFLECT_ALL_EXTENSION_NUMBERS = 6,
  REFLECT_LIST_SERVICES = 7,
};

static int
proto_file_find (const char *name)
{
  for (guint i = 0; i < seldon_proto_n_files; i++)
    if (strcmp (seldon_proto_files[i].name, name) == 0)
      return (int) i;
  return -1;
}

static int
proto_symbol_find (const char *symbol)
{
  for (guint i = 0; i < seldon_proto_n_files; i++)
    for (const char * const *s = seldon_proto_files[i].symbols; *s != NULL; s++)
      if (strcmp (*s, symbol) == 0)
        return (int) i;
  return -1;
}

/* Adds file @index and, after it, every file it imports (transitively), each once. */
static void
proto_file_collect (guint     index,
                    gboolean *seen,
                    GArray   *order)
{
  if (seen[index])
    return;
  seen[index] = TRUE;
  g_array_append_val (order, index);
  for (const char * const *dep = seldon_proto_files[index].dependencies; *dep != NULL; dep++)
    {
      int d = proto_file_find (*dep);

      if (d >= 0)
        proto_file_collect ((guint) d, seen, order);
    }
}

/* FileDescriptorResponse { repeated bytes file_descriptor_proto = 1; } for file @index. */
static GByteArray *
reflect_files (guint index)
{
  GByteArray *out = g_byte_array_new ();
  g_autofree gboolean *seen = g_new0 (gboolean, seldon_proto_n_files);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));

  proto_file_collect (index, seen, order);
  for (guint i = 0; i < order->len; i++)
    {
      const SeldonProtoFile *file = &seldon_proto_files[g_array_index (order, guint, i)];

      put_bytes (out, 1, file->data, file->size);
    }
  return out;
}

/* ErrorResponse { int32 error_code = 1; string error_message = 2; } */
static GByteArray *
reflect_error (int         code,
               const char *message)
{
  GByteArray *out = g_byte_array_new ();

  put_key (out, 1, WIRE_VARINT);
  put_varint (out, (guint64) code);
  put_string (out, 2, message);
  return out;
}

/* The ServerReflectionResponse to @request; NULL if @request is malformed. */
static GByteArray *
reflect_answer (GBytes *request)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (request, &size);
  WireReader r = { data, data + size };
  WireField f, kind = { 0 };
  gboolean error;
  g_autofree char *host = NULL;
  g_autofree char *argument = NULL;
  g_autoptr(GByteArray) body = NULL;
  guint response_field = 0;
  GByteArray *out;

  while (wire_next (&r, &f, &error))
    {
      if (f.wire != WIRE_LEN)
        continue;
      if (f.field == REFLECT_HOST)
        {
          g_free (host);
          host = g_strndup ((const char *) f.data, f.len);
        }
      else if (f.field >= REFLECT_FILE_BY_FILENAME && f.field <= REFLECT_LIST_SERVICES)
        kind = f;
    }
  if (error)
    return NULL;

  if (kind.field != 0 && kind.field != REFLECT_FILE_CONTAINING_EXTENSION)
    argument = g_strndup ((const char *) kind.data, kind.len);

  switch (kind.field)
    {
    case REFLECT_LIST_SERVICES:
      body = g_byte_array_new ();
      for (gsize i = 0; i < G_N_ELEMENTS (service_names); i++)
        {
          g_autoptr(GByteArray) entry = g_byte_array_new ();

          put_string (entry, 1, service_names[i]);
          put_message (body, 1, entry);
        }
      response_field = 6;
      break;

    case REFLECT_FILE_BY_FILENAME:
      {
        int index = proto_file_find (argument);

        if (index >= 0)
          {
            body = reflect_files ((guint) index);
            response_field = 4;
          }
        else
          {
            body = reflect_error (GRPC_STATUS_NOT_FOUND, "File not found.");
            response_field = 7;
          }
      }
      break;

    case REFLECT_FILE_CONTAINING_SYMBOL:
      {
        int index = proto_symbol_find (argument);

        /* A field or an enum value: the file of the message or enum that holds it. */
        if (index < 0 && strrchr (argument, '.') != NULL)
          {
            g_autofree char *parent = g_strndup (argument, (gsize) (strrchr (argument, '.') - argument));

            index = proto_symbol_find (parent);
          }
        if (index >= 0)
          {
            body = reflect_files ((guint) index);
            response_field = 4;
          }
        else
          {
            body = reflect_error (GRPC_STATUS_NOT_FOUND, "Symbol not found.");
            response_field = 7;
          }
      }
      break;

    case REFLECT_ALL_EXTENSION_NUMBERS:
      /* ExtensionNumberResponse { string base_type_name = 1; repeated int32 extension_number = 2; }:
       * proto3 messages have no extensions. */
      if (proto_symbol_find (argument) >= 0)
        {
          body = g_byte_array_new ();
          put_string (body, 1, argument);
          response_field = 5;
        }
      else
        {
          body = reflect_error (GRPC_STATUS_NOT_FOUND, "Type not found.");
          response_field = 7;
        }
      break;

    case REFLECT_FILE_CONTAINING_EXTENSION:
      body = reflect_error (GRPC_STATUS_NOT_FOUND, "Extension not found.");
      response_field = 7;
      break;

    default:
      body = reflect_error (GRPC_STATUS_INVALID_ARGUMENT, "No message request was set.");
      response_field = 7;
      break;
    }

  /* ServerReflectionResponse { string valid_host = 1; ServerReflectionRequest original_request = 2;
   * oneof { 4 file_descriptor_response, 5 all_extension_numbers_response,
   * 6 list_services_response, 7 error_response } } */
  out = g_byte_array_sized_new (body->len + size + 16);
  if (host != NULL && *host != '\0')
    put_string (out, 1, host);
  put_bytes (out, 2, data, size);
  put_message (out, response_field, body);
  return out;
}

/* CQ thread: ends @stream with @status. */
static void
reflect_end (Stream     *stream,
             int         status,
             const char *message)
{
  grpc_op ops[2] = { { 0 } };
  size_t n = 0;

  if (stream->status_sent)
    return;
  stream->status_sent = TRUE;
  if (message != NULL)
    {
      stream->status_details = grpc_slice_from_static_string (message);
      stream->has_details = TRUE;
    }
  ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  ops[n].data.send_status_from_server.status = (grpc_status_code) status;
  ops[n].data.send_status_from_server.status_details = message != NULL ? &stream->status_details : NULL;
  n++;
  stream_start_batch (stream, ops, n, &stream->batch_tag);
}

/* CQ thread: a reflection stream started. */
static void
reflect_start (SeldonGrpcServer *self,
               RequestSlot      *slot)
{
  Stream *stream = stream_new (self, slot);
  grpc_op ops[2] = { { 0 } };

  ops[0].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  ops[0].data.recv_close_on_server.cancelled = &stream->close_cancelled;
  if (stream_start_batch (stream, ops, 1, &stream->close_tag))
    {
      memset (ops, 0, sizeof ops);
      ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
      ops[1].op = GRPC_OP_RECV_MESSAGE;
      ops[1].data.recv_message.recv_message = &stream->recv_buffer;
      stream_start_batch (stream, ops, 2, &stream->batch_tag);
    }
  stream_unref (stream);
}

/* CQ thread: the send/receive batch of a reflection stream completed. */
static void
reflect_batch_done (Stream   *stream,
                    gboolean  success)
{
  grpc_byte_buffer *received = g_steal_pointer (&stream->recv_buffer);
  g_autoptr(GBytes) request = NULL;
  GByteArray *response;
  grpc_op ops[2] = { { 0 } };

  if (stream->send_buffer != NULL)
    {
      grpc_byte_buffer_destroy (stream->send_buffer);
      stream->send_buffer = NULL;
    }

  if (!success || stream->status_sent)
    goto out;

  if (received == NULL)
    {
      /* The client closed its side: done. */
      reflect_end (stream, GRPC_STATUS_OK, NULL);
      goto out;
    }

  request = bytes_from_buffer (received);
  response = request != NULL ? reflect_answer (request) : NULL;
  if (response == NULL)
    {
      reflect_end (stream, GRPC_STATUS_INTERNAL, "Exception deserializing request!");
      goto out;
    }

  stream->send_buffer = buffer_from_array (response);
  ops[0].op = GRPC_OP_SEND_MESSAGE;
  ops[0].data.send_message.send_message = stream->send_buffer;
  ops[1].op = GRPC_OP_RECV_MESSAGE;
  ops[1].data.recv_message.recv_message = &stream->recv_buffer;
  stream_start_batch (stream, ops, 2, &stream->batch_tag);

out:
  if (received != NULL)
    grpc_byte_buffer_destroy (received);
  stream_unref (stream);
}

/* ---------------------------------------------------------------------------------------- */
/* The completion queue thread                                                              */
/* ---------------------------------------------------------------------------------------- */

static void
request_arm (RequestSlot *slot)
{
  SeldonGrpcServer *self = slot->server;
  grpc_call_error err;

  if (g_atomic_int_get (&self->shutting_down))
    return;

  grpc_metadata_array_init (&slot->metadata);
  slot->payload = NULL;
  slot->call = NULL;
  if (slot->registered != NULL)
    {
      gboolean with_payload = slot->info->handler != HANDLER_REFLECTION;

      err = grpc_server_request_registered_call (self->server, slot->registered, &slot->call,
                                                 &slot->deadline, &slot->metadata,
                                                 with_payload ? &slot->payload : NULL,
                                                 self->cq, self->cq, &slot->tag);
    }
  else
    {
      grpc_call_details_init (&slot->details);
      err = grpc_server_request_call (self->server, &slot->call, &slot->details, &slot->metadata,
                                      self->cq, self->cq, &slot->tag);
    }
  if (err != GRPC_CALL_OK)
    g_message ("gRPC: cannot request calls: %s", grpc_call_error_to_string (err));
}

/* CQ thread: hands @gcall (reference transferred) to the main context. */
static void
queue_for_main (SeldonGrpcServer *self,
                GrpcCall         *gcall)
{
  gboolean was_empty;

  g_mutex_lock (&self->lock);
  was_empty = g_queue_is_empty (&self->incoming);
  g_queue_push_tail_link (&self->incoming, &gcall->link);
  g_mutex_unlock (&self->lock);
  if (was_empty)
    server_wake (self);
}

/* CQ thread: a requested call arrived. */
static void
request_done (RequestSlot *slot,
              gboolean     success)
{
  SeldonGrpcServer *self = slot->server;
  grpc_byte_buffer *payload = g_steal_pointer (&slot->payload);
  gpr_timespec deadline = slot->deadline;
  const MethodInfo *info = slot->info;
  GrpcCall *gcall;

  if (slot->registered == NULL)
    grpc_call_details_destroy (&slot->details);

  if (!success || slot->call == NULL)
    {
      /* The server is shutting down. */
      grpc_metadata_array_destroy (&slot->metadata);
      if (slot->call != NULL)
        grpc_call_unref (g_steal_pointer (&slot->call));
      if (payload != NULL)
        grpc_byte_buffer_destroy (payload);
      return;
    }

  switch (info->handler)
    {
    case HANDLER_REFLECTION:
      reflect_start (self, slot);
      break;

    case HANDLER_HEALTH_WATCH:
      watch_start (self, slot, payload);
      break;

    case HANDLER_SELDON:
    case HANDLER_GRAPH_METADATA:
    case HANDLER_HEALTH_CHECK:
    case HANDLER_UNIMPLEMENTED:
    default:
      gcall = call_new (self, slot);
      if (info->handler != HANDLER_UNIMPLEMENTED)
        gcall->body = bytes_from_buffer (payload);
      if (info->handler != HANDLER_SELDON || gcall->body == NULL)
        {
          if (info->handler == HANDLER_UNIMPLEMENTED)
            call_send (gcall, GRPC_STATUS_UNIMPLEMENTED, UNIMPLEMENTED_MESSAGE, NULL);
          else if (info->handler == HANDLER_GRAPH_METADATA)
            call_send (gcall, GRPC_STATUS_UNKNOWN, GRAPH_METADATA_MESSAGE, NULL);
          else if (info->handler == HANDLER_HEALTH_CHECK)
            health_check (self, gcall);
          else
            call_send (gcall, GRPC_STATUS_INTERNAL, "Exception deserializing request!", NULL);
        }
      else
        {
          gcall->deadline = deadline_to_monotonic (deadline);
          if (self->request_timeout_ms > 0)
            {
              gint64 limit = gcall->arrival + self->request_timeout_ms * 1000;

              if (gcall->deadline == 0 || limit < gcall->deadline)
                gcall->deadline = limit;
            }
          queue_for_main (self, call_ref (gcall));
        }
      call_unref (gcall);
      break;
    }

  /* after call_new(): the tracer reads the request metadata */
  grpc_metadata_array_destroy (&slot->metadata);
  if (payload != NULL)
    grpc_byte_buffer_destroy (payload);

  request_arm (slot);
}

static gpointer
cq_thread (gpointer data)
{
  SeldonGrpcServer *self = data;

  for (;;)
    {
      grpc_event ev = grpc_completion_queue_next (self->cq, gpr_inf_future (GPR_CLOCK_MONOTONIC), NULL);
      Tag *tag;

      if (ev.type == GRPC_QUEUE_SHUTDOWN)
        break;
      if (ev.type != GRPC_OP_COMPLETE)
        continue;

      tag = ev.tag;
      switch (tag->kind)
        {
        case TAG_REQUEST:
          request_done (TAG_OWNER (tag, RequestSlot, tag), ev.success);
          break;
        case TAG_CALL_SEND:
          call_send_done (TAG_OWNER (tag, GrpcCall, send_tag), ev.success);
          break;
        case TAG_STREAM_BATCH:
          {
            Stream *stream = TAG_OWNER (tag, Stream, batch_tag);

            if (stream->kind == HANDLER_HEALTH_WATCH)
              watch_batch_done (stream, ev.success);
            else
              reflect_batch_done (stream, ev.success);
          }
          break;
        case TAG_STREAM_CLOSE:
          {
            Stream *stream = TAG_OWNER (tag, Stream, close_tag);

            if (stream->kind == HANDLER_HEALTH_WATCH)
              watch_close_done (stream);
            else
              stream_unref (stream);
          }
          break;
        case TAG_WAKE:
          send_outgoing (self);
          break;
        case TAG_SHUTDOWN:
          g_mutex_lock (&self->lock);
          self->shutdown_done = TRUE;
          g_cond_broadcast (&self->cond);
          g_mutex_unlock (&self->lock);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* The main context                                                                         */
/* ---------------------------------------------------------------------------------------- */

static gboolean
source_dispatch (GSource     *source,
                 GSourceFunc  callback,
                 gpointer     user_data)
{
  SeldonGrpcServer *self = *(SeldonGrpcServer **) (source + 1);
  GQueue batch = G_QUEUE_INIT;
  GList *link;

  g_source_set_ready_time (source, -1);

  g_mutex_lock (&self->lock);
  batch = self->incoming;
  g_queue_init (&self->incoming);
  g_mutex_unlock (&self->lock);

  while ((link = g_queue_pop_head_link (&batch)) != NULL)
    {
      GrpcCall *gcall = link->data;

      if (self->stopped)
        {
          call_abandon (gcall);
          call_finish (gcall, GRPC_STATUS_UNAVAILABLE);
          call_unref (gcall);
        }
      else
        call_dispatch (self, gcall);
    }

  if (g_atomic_int_compare_and_exchange (&self->check_drained, 1, 0))
    server_check_drained (self);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs source_funcs = {
  NULL, NULL, source_dispatch, NULL, NULL, NULL,
};

static void
server_check_drained (SeldonGrpcServer *self)
{
  if (self->draining && !self->drained_called && seldon_grpc_server_is_drained (self))
    {
      self->drained_called = TRUE;
      if (self->drained_func != NULL)
        self->drained_func (self->drained_data);
    }
}

/* Socket activation: a connection on the given socket goes to grpc core. */
static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  SeldonGrpcServer *self = user_data;
  GSocket *socket = g_socket_connection_get_socket (connection);
  int fd, one = 1, flags;

  if (self->stopped || self->shutdown_requested || self->server == NULL)
    return TRUE;

  fd = fcntl (g_socket_get_fd (socket), F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    {
      g_message ("gRPC: cannot take a connection: %s", g_strerror (errno));
      return TRUE;
    }
  flags = fcntl (fd, F_GETFL);
  if (flags >= 0)
    fcntl (fd, F_SETFL, flags | O_NONBLOCK);
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  /* grpc core owns @fd from now on; the GSocketConnection closes its own descriptor. */
  grpc_server_add_channel_from_fd (self->server, fd, self->credentials);
  return TRUE;
}

/* ---------------------------------------------------------------------------------------- */
/* API                                                                                      */
/* ---------------------------------------------------------------------------------------- */

void
seldon_grpc_server_set_tracer (SeldonGrpcServer *self,
                               SeldonTracer     *tracer)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->tracer, seldon_tracer_unref);
  self->tracer = tracer != NULL ? seldon_tracer_ref (tracer) : NULL;
}

SeldonGrpcServer *
seldon_grpc_server_new (SeldonConfig  *config,
                        SeldonWorker  *worker,
                        SeldonMetrics *metrics)
{
  static gsize log_once = 0;
  SeldonGrpcServer *self;
  int max_bytes = DEFAULT_MAX_MESSAGE;

  g_return_val_if_fail (SELDON_IS_CONFIG (config), NULL);
  g_return_val_if_fail (SELDON_IS_WORKER (worker), NULL);

  if (g_once_init_enter (&log_once))
    {
      gpr_set_log_function (log_cb);
      absl_deadlock_detection_off ();
      g_once_init_leave (&log_once, 1);
    }
  grpc_init ();

  self = g_new0 (SeldonGrpcServer, 1);
  self->config = g_object_ref (config);
  self->worker = g_object_ref (worker);
  self->metrics = metrics != NULL ? seldon_metrics_ref (metrics) : NULL;
  self->context = g_main_context_ref_thread_default ();
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_mutex_init (&self->watch_lock);
  self->shutdown_tag.kind = TAG_SHUTDOWN;
  self->wake_tag.kind = TAG_WAKE;

  g_object_get (config,
                "grpc-max-message-bytes", &max_bytes,
                "request-timeout-ms", &self->request_timeout_ms,
                NULL);
  /* grpc-api.md §1: receive limit 4 MiB and no send limit by default; the annotation sets
   * both. The setting cannot tell the annotation from the default, so a limit other than the
   * default is taken as set (an annotation of exactly 4194304 leaves sending unlimited). */
  self->max_receive = max_bytes > 0 ? max_bytes : -1;
  self->max_send = max_bytes > 0 && max_bytes != DEFAULT_MAX_MESSAGE ? max_bytes : -1;

  self->source = g_source_new (&source_funcs, sizeof (GSource) + sizeof (SeldonGrpcServer *));
  *(SeldonGrpcServer **) (self->source + 1) = self;
  g_source_set_static_name (self->source, "[seldon] gRPC calls");
  g_source_attach (self->source, self->context);

  self->ready_id = g_signal_connect_swapped (worker, "notify::ready", G_CALLBACK (health_update), self);
  health_update (self);
  return self;
}

gboolean
seldon_grpc_server_add_socket (SeldonGrpcServer  *self,
                               GSocket           *socket,
                               GError           **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);

  if (self->started || self->stopped)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           self->stopped ? "The server was stopped" : "The server is already listening");
      return FALSE;
    }
  if (self->given_socket != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "The listener already has a socket");
      return FALSE;
    }
  self->given_socket = g_object_ref (socket);
  return TRUE;
}

static void
add_int_arg (grpc_arg   *arg,
             const char *key,
             int         value)
{
  arg->type = GRPC_ARG_INTEGER;
  arg->key = (char *) key;
  arg->value.integer = value;
}

gboolean
seldon_grpc_server_listen (SeldonGrpcServer  *self,
                           GError           **error)
{
  grpc_arg args[4];
  grpc_channel_args channel_args = { G_N_ELEMENTS (args), args };
  guint slot_index = 0;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->started || self->stopped)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           self->stopped ? "The server was stopped" : "The server is already listening");
      return FALSE;
    }
  if (self->given_socket == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "No listening socket was given");
      return FALSE;
    }

  add_int_arg (&args[0], GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, self->max_receive);
  add_int_arg (&args[1], GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, self->max_send);
  /* No BDP probing: a PING per burst of data costs more than the larger windows save on
   * localhost and in a cluster. */
  add_int_arg (&args[2], GRPC_ARG_HTTP2_BDP_PROBE, 0);
  /* No channelz: nothing serves it here, and it counts every call (atomics, a clock read). */
  add_int_arg (&args[3], GRPC_ARG_ENABLE_CHANNELZ, 0);

  self->server = grpc_server_create (&channel_args, NULL);
  self->cq = grpc_completion_queue_create_for_next (NULL);
  grpc_server_register_completion_queue (self->server, self->cq, NULL);
  self->wake_channel = grpc_lame_client_channel_create ("seldon-wake", GRPC_STATUS_UNAVAILABLE, "wake-up");
  self->credentials = grpc_insecure_server_credentials_create ();

  self->n_slots = REQUESTS_GENERIC;
  for (gsize i = 0; i < G_N_ELEMENTS (method_table); i++)
    self->n_slots += method_table[i].handler == HANDLER_SELDON ? REQUESTS_PER_METHOD : REQUESTS_PER_STREAM;
  self->slots = g_new0 (RequestSlot, self->n_slots);

  for (gsize i = 0; i < G_N_ELEMENTS (method_table); i++)
    {
      const MethodInfo *info = &method_table[i];
      gboolean with_payload = info->handler != HANDLER_REFLECTION;
      void *registered;
      guint count = info->handler == HANDLER_SELDON ? REQUESTS_PER_METHOD : REQUESTS_PER_STREAM;

      registered = grpc_server_register_method (self->server, info->path, NULL,
                                                with_payload ? GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER
                                                             : GRPC_SRM_PAYLOAD_NONE,
                                                0);
      g_assert (registered != NULL);
      for (guint j = 0; j < count; j++)
        {
          RequestSlot *slot = &self->slots[slot_index++];

          slot->tag.kind = TAG_REQUEST;
          slot->server = self;
          slot->info = info;
          slot->registered = registered;
        }
    }
  for (guint j = 0; j < REQUESTS_GENERIC; j++)
    {
      RequestSlot *slot = &self->slots[slot_index++];

      slot->tag.kind = TAG_REQUEST;
      slot->server = self;
      slot->info = &unimplemented_info;
    }
  g_assert (slot_index == self->n_slots);

  self->service = g_socket_service_new ();
  if (!g_socket_listener_add_socket (G_SOCKET_LISTENER (self->service), self->given_socket, NULL, error))
    goto fail;

  grpc_server_start (self->server);
  self->started = TRUE;

  for (guint i = 0; i < self->n_slots; i++)
    request_arm (&self->slots[i]);

  self->cq_thread = g_thread_new ("seldon-grpc", cq_thread, self);

  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  g_socket_service_start (self->service);
  return TRUE;

fail:
  g_clear_object (&self->service);
  /* Never started: nothing to shut down. */
  grpc_server_shutdown_and_notify (self->server, self->cq, &self->shutdown_tag);
  grpc_server_destroy (self->server);
  self->server = NULL;
  grpc_completion_queue_shutdown (self->cq);
  while (grpc_completion_queue_next (self->cq, gpr_inf_future (GPR_CLOCK_MONOTONIC), NULL).type != GRPC_QUEUE_SHUTDOWN)
    ;
  grpc_completion_queue_destroy (self->cq);
  self->cq = NULL;
  grpc_channel_destroy (self->wake_channel);
  self->wake_channel = NULL;
  grpc_server_credentials_release (self->credentials);
  self->credentials = NULL;
  g_clear_pointer (&self->slots, g_free);
  self->n_slots = 0;
  return FALSE;
}

/* Main context: no new connections nor calls. */
static void
server_request_shutdown (SeldonGrpcServer *self)
{
  if (self->shutdown_requested)
    return;
  self->shutdown_requested = TRUE;
  g_atomic_int_set (&self->shutting_down, 1);

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
    }
  if (self->server != NULL)
    grpc_server_shutdown_and_notify (self->server, self->cq, &self->shutdown_tag);
}

void
seldon_grpc_server_drain (SeldonGrpcServer      *self,
                          SeldonGrpcDrainedFunc  drained,
                          gpointer               user_data)
{
  g_return_if_fail (self != NULL);

  self->drained_func = drained;
  self->drained_data = user_data;
  if (self->draining)
    return;
  self->draining = TRUE;
  health_update (self);
  server_request_shutdown (self);
  /* From the source, so that @drained never runs inside this call. */
  g_atomic_int_set (&self->check_drained, 1);
  server_wake (self);
}

gboolean
seldon_grpc_server_is_drained (SeldonGrpcServer *self)
{
  g_return_val_if_fail (self != NULL, TRUE);

  return self->stopped || g_atomic_int_get (&self->n_active) == 0;
}

/* Main context: answers UNAVAILABLE the calls the CQ thread handed over and that were not
 * dispatched yet. */
static void
abandon_incoming (SeldonGrpcServer *self)
{
  GQueue batch = G_QUEUE_INIT;
  GList *link;

  g_mutex_lock (&self->lock);
  batch = self->incoming;
  g_queue_init (&self->incoming);
  g_mutex_unlock (&self->lock);
  while ((link = g_queue_pop_head_link (&batch)) != NULL)
    {
      GrpcCall *gcall = link->data;

      call_abandon (gcall);
      call_finish (gcall, GRPC_STATUS_UNAVAILABLE);
      call_unref (gcall);
    }
}

void
seldon_grpc_server_stop (SeldonGrpcServer *self)
{
  GList *link;

  g_return_if_fail (self != NULL);

  if (self->stopped)
    return;
  self->stopped = TRUE;
  health_update (self);
  server_request_shutdown (self);

  if (self->server != NULL)
    grpc_server_cancel_all_calls (self->server);

  /* Calls not dispatched yet, and calls in the worker: answered UNAVAILABLE now; their
   * worker answers are dropped. */
  abandon_incoming (self);
  for (link = self->in_worker.head; link != NULL; link = link->next)
    {
      GrpcCall *gcall = link->data;

      call_abandon (gcall);
      call_finish (gcall, GRPC_STATUS_UNAVAILABLE);
    }
  /* The drained callback is not called: whoever stops does not wait for it. */
  self->drained_called = TRUE;
}

void
seldon_grpc_server_free (SeldonGrpcServer *self)
{
  GList *link;

  if (self == NULL)
    return;

  self->drained_func = NULL;
  seldon_grpc_server_stop (self);

  if (self->server != NULL)
    {
      gint64 end = g_get_monotonic_time () + SHUTDOWN_WAIT_US;
      gboolean done;

      /* The CQ thread ends the calls (their answers fail); calls it hands over meanwhile are
       * let go of here. */
      g_mutex_lock (&self->lock);
      while (!self->shutdown_done && g_get_monotonic_time () < end)
        {
          g_mutex_unlock (&self->lock);
          /* Calls that arrived meanwhile. */
          abandon_incoming (self);
          g_mutex_lock (&self->lock);
          if (!self->shutdown_done)
            g_cond_wait_until (&self->cond, &self->lock, MIN (end, g_get_monotonic_time () + 5000));
        }
      done = self->shutdown_done;
      g_mutex_unlock (&self->lock);

      if (!done)
        {
          /* Should not happen: grpc core keeps a call we do not know of. Leak the server
           * rather than block or crash. */
          g_critical ("The gRPC server did not shut down");
        }
      else
        grpc_server_destroy (self->server);
      self->server = NULL;
      grpc_completion_queue_shutdown (self->cq);
      if (done)
        {
          g_thread_join (self->cq_thread);
          grpc_completion_queue_destroy (self->cq);
        }
      self->cq_thread = NULL;
      self->cq = NULL;
      if (done)
        {
          /* Answers handed over after the thread's last wake-up. */
          GList *link2;

          while ((link2 = g_queue_pop_head_link (&self->outgoing)) != NULL)
            {
              GrpcCall *gcall = link2->data;

              call_finish (gcall, GRPC_STATUS_UNAVAILABLE);
              call_unref (gcall);
            }
          grpc_channel_destroy (self->wake_channel);
        }
      self->wake_channel = NULL;
    }

  abandon_incoming (self);
  /* Calls still in the worker complete later, without a server. */
  while ((link = g_queue_pop_head_link (&self->in_worker)) != NULL)
    ((GrpcCall *) link->data)->server = NULL;

  if (self->ready_id != 0)
    g_clear_signal_handler (&self->ready_id, self->worker);
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }

  g_clear_object (&self->service);
  g_clear_object (&self->given_socket);
  if (self->credentials != NULL)
    grpc_server_credentials_release (self->credentials);
  g_free (self->slots);
  g_clear_pointer (&self->metrics, seldon_metrics_unref);
  g_clear_pointer (&self->tracer, seldon_tracer_unref);
  g_clear_object (&self->worker);
  g_clear_object (&self->config);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->watch_lock);
  g_free (self);

  grpc_shutdown ();
}
