/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "seldon-channel-private.h"
#include "seldon-engine-private.h"
#include "seldon-error.h"
#include "seldon-log-private.h"
#include "seldon-worker-host.h"
#include "seldon-worker-private.h"

/**
 * SeldonWorkerHost:
 *
 * The worker-process side of the channel between the front and a worker process.
 *
 * When a component runs in worker processes ([class@Seldon.Worker] in process mode: Python
 * and JavaScript components, or any component with [property@Seldon.Config:workers] > 1),
 * the front spawns each worker with one end of a socket pair and passes the descriptor's
 * number on the command line (`--fd N`). The worker program then:
 *
 * 1. calls [ctor@Seldon.WorkerHost.new] with that descriptor, which reads the front's hello:
 *    the effective configuration ([method@Seldon.WorkerHost.get_config]) and the worker's
 *    slot number ([method@Seldon.WorkerHost.get_slot]);
 * 2. builds its component from the configuration
 *    ([property@Seldon.Config:interface-name], [property@Seldon.Config:parameters]), or, if it
 *    cannot, calls [method@Seldon.WorkerHost.report_failure] and exits with that status;
 * 3. calls [method@Seldon.WorkerHost.run], which computes the metadata, calls the
 *    component's `load()`, tells the front that the worker is ready (or that the load failed),
 *    and serves calls until the front closes the channel.
 *
 * Calls run on a private pool of [property@Seldon.Config:threads] threads (one for a
 * component with %SELDON_COMPONENT_FLAGS_NOT_THREAD_SAFE, which is then always called from
 * the thread that ran its `load()`), or, for a component with
 * %SELDON_COMPONENT_FLAGS_MAIN_CONTEXT, one at a time on the thread-default main context that
 * was current when the host was created. Calls of a component with
 * %SELDON_COMPONENT_FLAGS_GLOBAL_LOCK run one after another as long as each is short, and
 * side by side once one of them has run for a few milliseconds.
 *
 * Since: 1.0
 */

struct _SeldonWorkerHost
{
  GObject              parent_instance;

  int                  fd;
  SeldonConfig        *config;
  guint                slot;
  gsize                inline_max;
  GMainContext        *context;       /* thread-default when created */
  SeldonChannelReader *reader;

  GMutex               send_lock;
  gboolean             broken;        /* send_lock: writing failed, the front is gone */
  gboolean             reported;      /* READY or LOAD_FAILED was sent */
  gboolean             ran;

  /* While running. */
  SeldonComponent     *component;
  SeldonEngine        *engine;
  SeldonJsonWriteFlags write_flags;
  GThreadPool         *pool;          /* NULL for a MAIN_CONTEXT component */
  guint                n_threads;
  GMainLoop           *loop;
  GSource             *watch;

  GMutex               calls_lock;
  GHashTable          *calls;         /* calls_lock: id => HostCall, to find cancelled calls */
  int                  n_active;      /* atomic: calls received whose reply is not sent */
  int                  eof;           /* atomic: the front closed the channel */

  /* Serial readers (GLOBAL_LOCK components), see serial_reader_thread(). */
  GMutex               turn_lock;
  GCond                follower_cond;  /* threads without a role wait here */
  GCond                standby_cond;   /* the standby waits here */
  gboolean             has_reader;     /* turn_lock: a thread reads the channel */
  gboolean             has_standby;    /* turn_lock: a thread watches for long calls */
  gboolean             standby_asleep; /* turn_lock: the standby waits without a timeout */
  guint                n_followers;    /* turn_lock */
  guint                running;        /* turn_lock: calls running */
  gint64               last_start;     /* turn_lock: when the latest call started */
  gint64               last_active;    /* turn_lock: when a call last started or ended */
  gboolean             stop;           /* turn_lock: the channel ended */

  /* The load job. */
  GMutex               load_lock;
  GCond                load_cond;
  gboolean             load_done;
  GError              *load_error;
};

G_DEFINE_FINAL_TYPE (SeldonWorkerHost, seldon_worker_host, G_TYPE_OBJECT)

typedef struct
{
  SeldonWorkerHost *host;       /* borrowed: run() outlives every call */
  guint32           id;
  SeldonCall       *call;
  GCancellable     *cancellable;
  GCancellable    **spare;      /* the reader thread's spare cancellable, or NULL */
  gboolean          is_load;
} HostCall;

static void
host_call_free (HostCall *hc)
{
  g_clear_pointer (&hc->call, seldon_call_free);
  g_clear_object (&hc->cancellable);
  g_free (hc);
}

static void
seldon_worker_host_finalize (GObject *object)
{
  SeldonWorkerHost *self = SELDON_WORKER_HOST (object);

  if (self->fd >= 0)
    close (self->fd);
  g_clear_object (&self->config);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->reader, seldon_channel_reader_free);
  g_clear_pointer (&self->calls, g_hash_table_unref);
  g_clear_error (&self->load_error);
  g_mutex_clear (&self->send_lock);
  g_mutex_clear (&self->calls_lock);
  g_mutex_clear (&self->turn_lock);
  g_cond_clear (&self->follower_cond);
  g_cond_clear (&self->standby_cond);
  g_mutex_clear (&self->load_lock);
  g_cond_clear (&self->load_cond);

  G_OBJECT_CLASS (seldon_worker_host_parent_class)->finalize (object);
}

static void
seldon_worker_host_class_init (SeldonWorkerHostClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = seldon_worker_host_finalize;
}

static void
seldon_worker_host_init (SeldonWorkerHost *self)
{
  self->fd = -1;
  self->inline_max = SELDON_CHANNEL_DEFAULT_INLINE;
  self->n_threads = 1;
  g_mutex_init (&self->send_lock);
  g_mutex_init (&self->calls_lock);
  g_mutex_init (&self->turn_lock);
  g_cond_init (&self->follower_cond);
  g_cond_init (&self->standby_cond);
  g_mutex_init (&self->load_lock);
  g_cond_init (&self->load_cond);
  self->calls = g_hash_table_new (NULL, NULL);
}

/* Any thread: sends @out (owned), blocking. FALSE once the front is gone. */
static gboolean
host_send (SeldonWorkerHost *self,
           SeldonFrameOut   *out)
{
  g_autoptr(SeldonFrameOut) owned = out;
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;

  if (out == NULL)
    return FALSE;

  g_mutex_lock (&self->send_lock);
  if (!self->broken)
    {
      ok = seldon_channel_send (self->fd, out, TRUE, &error);
      if (!ok)
        {
          self->broken = TRUE;
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) &&
              !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
            g_warning ("Worker %u: %s", self->slot, error->message);
        }
    }
  g_mutex_unlock (&self->send_lock);

  return ok;
}

/**
 * seldon_worker_host_new: (constructor)
 * @fd: the worker's end of the channel (the number given as `--fd N`); the host owns it
 * @error: return location for a #GError
 *
 * Reads the front's hello from @fd: the effective configuration and the worker's slot. Create
 * the host on the thread that will call [method@Seldon.WorkerHost.run]: a component with
 * %SELDON_COMPONENT_FLAGS_MAIN_CONTEXT is called on this thread's thread-default main context.
 *
 * The process then ignores SIGTERM and SIGINT: its front stops it, after its calls in flight
 * (the end of the channel), and a signal sent to every process of the service must not cut
 * them short.
 *
 * Returns: (transfer full): a new host, or %NULL if the channel is not usable
 *
 * Since: 1.0
 */
SeldonWorkerHost *
seldon_worker_host_new (int      fd,
                        GError **error)
{
  g_autoptr(SeldonWorkerHost) self = NULL;
  g_auto(SeldonFrame) frame = { 0, };
  g_autoptr(GError) local_error = NULL;
  SeldonChannelStatus status;
  int flags;

  g_return_val_if_fail (fd >= 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The front decides when a worker stops (the end of its channel) and drains it first:
   * SIGTERM and SIGINT sent to the whole process group or cgroup (Ctrl-C in a terminal,
   * systemd's KillMode=control-group) must not cut calls in flight short. A worker dies
   * with its front anyway (PR_SET_PDEATHSIG). */
  signal (SIGTERM, SIG_IGN);
  signal (SIGINT, SIG_IGN);

  self = g_object_new (SELDON_TYPE_WORKER_HOST, NULL);
  self->fd = fd;
  self->context = g_main_context_ref_thread_default ();
  self->reader = seldon_channel_reader_new ();

  /* Replies are written by blocking sends; reads say whether they wait. */
  flags = fcntl (fd, F_GETFL);
  if (flags < 0 || (flags & O_NONBLOCK && fcntl (fd, F_SETFL, flags & ~O_NONBLOCK) != 0))
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Bad worker channel descriptor %d: %s", fd, g_strerror (saved));
      self->fd = -1;
      return NULL;
    }
  (void) fcntl (fd, F_SETFD, FD_CLOEXEC);

  status = seldon_channel_receive (self->reader, fd, TRUE, &frame, &local_error);
  if (status != SELDON_CHANNEL_FRAME)
    {
      if (status == SELDON_CHANNEL_EOF)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                     "The front closed the worker channel before its hello");
      else
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "Worker channel: ");
      return NULL;
    }
  if (frame.type != SELDON_FRAME_HELLO)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The worker channel did not start with a hello (frame type %d)", frame.type);
      return NULL;
    }

  self->config = seldon_frame_parse_hello (&frame, &self->slot, &self->inline_max, error);
  if (self->config == NULL)
    return NULL;
  seldon_log_setup_worker (self->config, self->slot);

  return g_steal_pointer (&self);
}

/**
 * seldon_worker_host_get_config:
 * @self: a [class@Seldon.WorkerHost]
 *
 * Gets the configuration the front sent: every setting of the front, so that the worker
 * builds its component exactly as the front would (interface name, parameters, log level…).
 *
 * Returns: (transfer none): the configuration
 *
 * Since: 1.0
 */
SeldonConfig *
seldon_worker_host_get_config (SeldonWorkerHost *self)
{
  g_return_val_if_fail (SELDON_IS_WORKER_HOST (self), NULL);

  return self->config;
}

/**
 * seldon_worker_host_get_slot:
 * @self: a [class@Seldon.WorkerHost]
 *
 * Gets the worker's slot number, 0 to the pool size - 1. A respawned worker gets the slot of
 * the one it replaces.
 *
 * Returns: the slot number
 *
 * Since: 1.0
 */
guint
seldon_worker_host_get_slot (SeldonWorkerHost *self)
{
  g_return_val_if_fail (SELDON_IS_WORKER_HOST (self), 0);

  return self->slot;
}

/**
 * seldon_worker_host_report_failure:
 * @self: a [class@Seldon.WorkerHost]
 * @exit_status: the status the worker exits with; at start-up the front exits with it too
 * @message: what went wrong, one line (the front logs it)
 *
 * Tells the front that this worker cannot serve (its component could not be built). Call it
 * instead of [method@Seldon.WorkerHost.run], then exit with @exit_status. Does nothing if
 * the front was already told the worker is ready or failed.
 *
 * Since: 1.0
 */
void
seldon_worker_host_report_failure (SeldonWorkerHost *self,
                                   int               exit_status,
                                   const char       *message)
{
  g_autoptr(GError) error = NULL;
  SeldonFrameOut *out;

  g_return_if_fail (SELDON_IS_WORKER_HOST (self));

  if (self->reported)
    return;
  self->reported = TRUE;

  out = seldon_frame_out_new_load_failed (exit_status, message, self->inline_max, &error);
  if (out == NULL)
    g_warning ("Worker %u: %s", self->slot, error->message);
  host_send (self, out);
}

/* ---------------------------------------------------------------------------------------- */
/* Calls                                                                                    */
/* ---------------------------------------------------------------------------------------- */

static SeldonReply *
error_reply (SeldonWorkerHost *self,
             SeldonError       code,
             const char       *message)
{
  g_autoptr(GError) error = g_error_new_literal (SELDON_ERROR, code, message);

  return seldon_reply_new_error (error, self->write_flags);
}

/* After the call left self->calls (no CANCEL can reach its cancellable any more): a
 * cancellable that nothing else holds, that was not cancelled and that has no handler left
 * connected goes back to the reader thread that ran the call, for its next call, instead of
 * being finalized (together with whatever a language binding attached to it) and made anew
 * for every call. Such a cancellable cannot be told from a new one. */
static void
host_call_recycle (HostCall *hc)
{
  static gsize cancelled_signal;
  GCancellable *cancellable = hc->cancellable;

  if (hc->spare == NULL || *hc->spare != NULL || cancellable == NULL ||
      g_atomic_int_get ((int *) &G_OBJECT (cancellable)->ref_count) != 1 ||
      g_cancellable_is_cancelled (cancellable))
    return;
  if (g_once_init_enter (&cancelled_signal))
    g_once_init_leave (&cancelled_signal, g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE));
  if (g_signal_has_handler_pending (cancellable, (guint) cancelled_signal, 0, TRUE))
    return;
  *hc->spare = g_steal_pointer (&hc->cancellable);
}

/* Any thread, once per call: the reply is sent, the call forgotten. */
static void
host_call_finish (SeldonWorkerHost *self,
                  HostCall         *hc,
                  SeldonReply      *reply)
{
  g_autoptr(SeldonReply) owned = reply;
  g_autoptr(GError) error = NULL;
  SeldonFrameOut *out;

  out = seldon_frame_out_new_reply (hc->id, reply, self->inline_max, &error);
  if (out == NULL)
    {
      /* Cannot happen short of memory or memfd exhaustion: still answer. */
      g_autoptr(SeldonReply) fallback = error_reply (self, SELDON_ERROR_FAILED, error->message);

      g_warning ("Worker %u: %s", self->slot, error->message);
      out = seldon_frame_out_new_reply (hc->id, fallback, self->inline_max, NULL);
    }
  host_send (self, out);

  g_mutex_lock (&self->calls_lock);
  g_hash_table_remove (self->calls, GUINT_TO_POINTER (hc->id));
  g_mutex_unlock (&self->calls_lock);
  host_call_recycle (hc);
  host_call_free (hc);

  if (g_atomic_int_dec_and_test (&self->n_active) && g_atomic_int_get (&self->eof) &&
      self->loop != NULL)
    g_main_loop_quit (self->loop);
}

static void
host_call_run (SeldonWorkerHost *self,
               HostCall         *hc)
{
  SeldonReply *reply;

  if (hc->call->deadline != 0 && g_get_monotonic_time () >= hc->call->deadline)
    reply = error_reply (self, SELDON_ERROR_TIMEOUT, "Timeout: the call waited past its deadline");
  else if (g_cancellable_is_cancelled (hc->cancellable))
    reply = error_reply (self, SELDON_ERROR_UNAVAILABLE, "The call was cancelled");
  else
    {
      gint64 started_us = g_get_monotonic_time ();

      reply = seldon_engine_invoke (self->engine, hc->call, hc->cancellable);
      if (reply != NULL)
        {
          reply->started_us = started_us;
          reply->finished_us = g_get_monotonic_time ();
        }
    }
  if (reply == NULL)
    reply = error_reply (self, SELDON_ERROR_FAILED, "The call produced no answer");

  host_call_finish (self, hc, reply);
}

static void
host_load (SeldonWorkerHost *self)
{
  g_autoptr(GError) error = NULL;

  if (!seldon_worker_load_component (self->engine, self->component, NULL, &error))
    g_assert (error != NULL);

  g_mutex_lock (&self->load_lock);
  self->load_error = g_steal_pointer (&error);
  self->load_done = TRUE;
  g_cond_signal (&self->load_cond);
  g_mutex_unlock (&self->load_lock);
}

static void
host_thread (gpointer data,
             gpointer user_data)
{
  HostCall *hc = data;
  SeldonWorkerHost *self = user_data;

  if (hc->is_load)
    {
      host_call_free (hc);
      host_load (self);
      return;
    }
  host_call_run (self, hc);
}

static gboolean
main_context_call_cb (gpointer data)
{
  HostCall *hc = data;

  host_call_run (hc->host, hc);
  return G_SOURCE_REMOVE;
}

/* The call of a CALL frame, registered for CANCEL; NULL (answered) when malformed. @spare:
 * the spare cancellable of the reader thread that runs the call (see host_call_recycle()),
 * or NULL. */
static HostCall *
host_call_new (SeldonWorkerHost  *self,
               SeldonFrame       *frame,
               GCancellable     **spare)
{
  g_autoptr(GError) error = NULL;
  HostCall *hc = g_new0 (HostCall, 1);

  hc->host = self;
  hc->id = frame->id;
  hc->spare = spare;
  if (spare != NULL && *spare != NULL)
    hc->cancellable = g_steal_pointer (spare);
  else
    hc->cancellable = g_cancellable_new ();
  g_atomic_int_inc (&self->n_active);

  g_mutex_lock (&self->calls_lock);
  g_hash_table_insert (self->calls, GUINT_TO_POINTER (hc->id), hc);
  g_mutex_unlock (&self->calls_lock);

  hc->call = seldon_frame_parse_call (frame, &error);
  if (hc->call == NULL)
    {
      g_warning ("Worker %u: %s", self->slot, error->message);
      host_call_finish (self, hc, error_reply (self, SELDON_ERROR_FAILED, error->message));
      return NULL;
    }
  return hc;
}

/* Loop thread (MAIN_CONTEXT and not-thread-safe components). */
static void
host_handle_call (SeldonWorkerHost *self,
                  SeldonFrame      *frame)
{
  g_autoptr(GError) error = NULL;
  HostCall *hc = host_call_new (self, frame, NULL);

  if (hc == NULL)
    return;

  if (self->pool == NULL)
    {
      GSource *idle = g_idle_source_new ();

      g_source_set_priority (idle, G_PRIORITY_DEFAULT);
      g_source_set_static_name (idle, "[seldon] worker call");
      g_source_set_callback (idle, main_context_call_cb, hc, NULL);
      g_source_attach (idle, self->context);
      g_source_unref (idle);
    }
  else if (!g_thread_pool_push (self->pool, hc, &error))
    host_call_finish (self, hc, error_reply (self, SELDON_ERROR_UNAVAILABLE, error->message));
}

static void
host_handle_cancel (SeldonWorkerHost *self,
                    guint32           id)
{
  g_autoptr(GCancellable) cancellable = NULL;
  HostCall *hc;

  g_mutex_lock (&self->calls_lock);
  hc = g_hash_table_lookup (self->calls, GUINT_TO_POINTER (id));
  if (hc != NULL)
    cancellable = g_object_ref (hc->cancellable);
  g_mutex_unlock (&self->calls_lock);

  if (cancellable != NULL)
    g_cancellable_cancel (cancellable);
}

/* Loop thread: the front closed the channel (or it broke). */
static void
host_channel_closed (SeldonWorkerHost *self)
{
  if (self->watch != NULL)
    {
      g_source_destroy (self->watch);
      g_clear_pointer (&self->watch, g_source_unref);
    }
  g_atomic_int_set (&self->eof, TRUE);
  if (g_atomic_int_get (&self->n_active) == 0)
    g_main_loop_quit (self->loop);
}

static gboolean
channel_readable_cb (int          fd,
                     GIOCondition condition,
                     gpointer     user_data)
{
  SeldonWorkerHost *self = user_data;

  /* A bounded batch, so that main-context calls and the loop get their turn. */
  for (int i = 0; i < 64; i++)
    {
      g_auto(SeldonFrame) frame = { 0, };
      g_autoptr(GError) error = NULL;

      switch (seldon_channel_receive (self->reader, fd, FALSE, &frame, &error))
        {
        case SELDON_CHANNEL_FRAME:
          if (frame.type == SELDON_FRAME_CALL)
            host_handle_call (self, &frame);
          else if (frame.type == SELDON_FRAME_CANCEL)
            host_handle_cancel (self, frame.id);
          else
            g_warning ("Worker %u: unexpected frame of type %d from the front", self->slot, frame.type);
          break;
        case SELDON_CHANNEL_AGAIN:
          return G_SOURCE_CONTINUE;
        case SELDON_CHANNEL_ERROR:
          g_warning ("Worker %u: %s", self->slot, error->message);
          G_GNUC_FALLTHROUGH;
        case SELDON_CHANNEL_EOF:
        default:
          host_channel_closed (self);
          return G_SOURCE_REMOVE;
        }
    }
  return G_SOURCE_CONTINUE;
}

/*
 * Thread-safe components: `threads` + 1 threads, each reading frames from the channel and
 * running the calls it reads itself, so that a call costs no hand-over between threads. The
 * front never has more than `threads` calls in flight on a worker, so at most `threads` of
 * them run calls and one is always free to read a CANCEL. SOCK_SEQPACKET hands each frame to
 * exactly one reader; at the end of the stream every reader sees it and stops.
 */
static gpointer
reader_thread (gpointer data)
{
  SeldonWorkerHost *self = data;
  g_autoptr(SeldonChannelReader) reader = seldon_channel_reader_new ();
  g_autoptr(GCancellable) spare = NULL;

  for (;;)
    {
      g_auto(SeldonFrame) frame = { 0, };
      g_autoptr(GError) error = NULL;
      HostCall *hc;

      switch (seldon_channel_receive (reader, self->fd, TRUE, &frame, &error))
        {
        case SELDON_CHANNEL_FRAME:
          if (frame.type == SELDON_FRAME_CALL)
            {
              hc = host_call_new (self, &frame, &spare);
              seldon_frame_clear (&frame);
              if (hc != NULL)
                host_call_run (self, hc);
            }
          else if (frame.type == SELDON_FRAME_CANCEL)
            host_handle_cancel (self, frame.id);
          else
            g_warning ("Worker %u: unexpected frame of type %d from the front", self->slot, frame.type);
          break;
        case SELDON_CHANNEL_ERROR:
          g_warning ("Worker %u: %s", self->slot, error->message);
          /* Stop every reader: they all see the end of the stream now. */
          shutdown (self->fd, SHUT_RD);
          return NULL;
        case SELDON_CHANNEL_AGAIN:
        case SELDON_CHANNEL_EOF:
        default:
          return NULL;
        }
    }
}

/*
 * Components with SELDON_COMPONENT_FLAGS_GLOBAL_LOCK (Python): the same `threads` + 1
 * threads, but a short call runs alone. Side by side, calls would hand the interpreter lock
 * back and forth at every release (each a thread switch, many per call); one after another,
 * the thread that finished a call reads the next frame itself and runs it, with no switch at
 * all. Roles, under turn_lock:
 *
 * - the reader: the one thread reading the channel. It becomes a runner when it reads a call;
 *   the channel is then read again by the first thread to find no call running, usually that
 *   same thread once its call returned.
 * - the standby: one thread watching for a call that runs longer than SERIAL_SLICE_US (one
 *   waiting for I/O, which releases the lock). Then it becomes the reader, so that the next
 *   calls (and CANCEL frames) are read and run beside the long call, and a follower becomes
 *   the standby. It wakes every SERIAL_SLICE_US while calls keep coming, and sleeps without a
 *   timeout once the worker was idle for SERIAL_IDLE_US (the next call wakes it).
 * - followers: the other threads, asleep until a role is free.
 */
#define SERIAL_SLICE_US  2000
#define SERIAL_IDLE_US   (100 * 1000)

static gboolean
serial_may_read_locked (SeldonWorkerHost *self,
                        gint64            now)
{
  return !self->has_reader && (self->running == 0 || now >= self->last_start + SERIAL_SLICE_US);
}

static void
serial_stop_locked (SeldonWorkerHost *self)
{
  self->stop = TRUE;
  g_cond_broadcast (&self->follower_cond);
  g_cond_broadcast (&self->standby_cond);
}

/* turn_lock held: reads one frame and runs it. */
static void
serial_read (SeldonWorkerHost     *self,
             SeldonChannelReader  *reader,
             GCancellable        **spare)
{
  g_auto(SeldonFrame) frame = { 0, };
  g_autoptr(GError) error = NULL;
  SeldonChannelStatus status;
  HostCall *hc;

  self->has_reader = TRUE;
  /* The standby became the reader (a long call): a follower takes its place. */
  if (!self->has_standby && self->n_followers > 0)
    g_cond_signal (&self->follower_cond);
  g_mutex_unlock (&self->turn_lock);

  status = seldon_channel_receive (reader, self->fd, TRUE, &frame, &error);

  g_mutex_lock (&self->turn_lock);
  self->has_reader = FALSE;
  switch (status)
    {
    case SELDON_CHANNEL_FRAME:
      if (frame.type == SELDON_FRAME_CALL)
        {
          self->running++;
          self->last_start = self->last_active = g_get_monotonic_time ();
          if (self->standby_asleep)
            {
              self->standby_asleep = FALSE;
              g_cond_signal (&self->standby_cond);
            }
          g_mutex_unlock (&self->turn_lock);

          hc = host_call_new (self, &frame, spare);
          seldon_frame_clear (&frame);
          if (hc != NULL)
            host_call_run (self, hc);

          g_mutex_lock (&self->turn_lock);
          self->running--;
          self->last_active = g_get_monotonic_time ();
        }
      else if (frame.type == SELDON_FRAME_CANCEL)
        {
          g_mutex_unlock (&self->turn_lock);
          host_handle_cancel (self, frame.id);
          g_mutex_lock (&self->turn_lock);
        }
      else
        g_warning ("Worker %u: unexpected frame of type %d from the front", self->slot, frame.type);
      break;
    case SELDON_CHANNEL_ERROR:
      g_warning ("Worker %u: %s", self->slot, error->message);
      serial_stop_locked (self);
      break;
    case SELDON_CHANNEL_AGAIN:
    case SELDON_CHANNEL_EOF:
    default:
      serial_stop_locked (self);
      break;
    }
}

static gpointer
serial_reader_thread (gpointer data)
{
  SeldonWorkerHost *self = data;
  g_autoptr(SeldonChannelReader) reader = seldon_channel_reader_new ();
  g_autoptr(GCancellable) spare = NULL;

  g_mutex_lock (&self->turn_lock);
  while (!self->stop)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 deadline;

      if (serial_may_read_locked (self, now))
        serial_read (self, reader, &spare);
      else if (!self->has_standby)
        {
          self->has_standby = TRUE;
          if (!self->has_reader && self->running > 0)
            deadline = self->last_start + SERIAL_SLICE_US;   /* the running call's slice */
          else if (now - self->last_active < SERIAL_IDLE_US)
            deadline = now + SERIAL_SLICE_US;                /* busy: look again soon */
          else
            deadline = -1;                                   /* idle */
          if (deadline < 0)
            {
              self->standby_asleep = TRUE;
              while (self->standby_asleep && !self->stop)
                g_cond_wait (&self->standby_cond, &self->turn_lock);
              self->standby_asleep = FALSE;
            }
          else
            g_cond_wait_until (&self->standby_cond, &self->turn_lock, deadline);
          self->has_standby = FALSE;
        }
      else
        {
          self->n_followers++;
          g_cond_wait (&self->follower_cond, &self->turn_lock);
          self->n_followers--;
        }
    }
  g_mutex_unlock (&self->turn_lock);
  return NULL;
}

static void
run_readers (SeldonWorkerHost *self,
             gboolean          serial)
{
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  GThreadFunc func = serial ? serial_reader_thread : reader_thread;

  for (guint i = 0; i < self->n_threads + 1; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("seldon-call-%u", i);
      GThread *thread = g_thread_try_new (name, func, self, &error);

      if (thread == NULL)
        {
          /* One reader still serves (without cancellation while it runs a call). */
          g_warning ("Worker %u: cannot start a thread: %s", self->slot, error->message);
          if (threads->len > 0)
            break;
          func (self);
          return;
        }
      g_ptr_array_add (threads, thread);
    }
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));
}

/**
 * seldon_worker_host_run:
 * @self: a [class@Seldon.WorkerHost]
 * @component: the component to serve, built from [method@Seldon.WorkerHost.get_config]
 * @error: return location for a #GError
 *
 * Serves @component: computes its metadata, calls its `load()` (on the thread that will run
 * its calls), tells the front the worker is ready, then runs calls until the front closes
 * the channel, and returns once the calls in flight are answered. Call it once, on the thread
 * that created @self; it iterates that thread's thread-default main context meanwhile.
 *
 * Returns: the status to exit with: 0 when the front closed the channel, 3 when `load()`
 *   failed (the front was told; @error is set), 1 when the worker could not start serving
 *   (@error is set)
 *
 * Since: 1.0
 */
int
seldon_worker_host_run (SeldonWorkerHost  *self,
                        SeldonComponent   *component,
                        GError           **error)
{
  gboolean pretty = FALSE, sort_keys = TRUE, ascii = TRUE;
  SeldonComponentFlags flags;
  g_autoptr(GError) local_error = NULL;
  gboolean readers = FALSE;
  int threads;

  g_return_val_if_fail (SELDON_IS_WORKER_HOST (self), 1);
  g_return_val_if_fail (SELDON_IS_COMPONENT (component), 1);
  g_return_val_if_fail (error == NULL || *error == NULL, 1);

  if (self->ran)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PENDING, "The worker host already ran");
      return 1;
    }
  self->ran = TRUE;

  g_object_get (self->config,
                "json-pretty", &pretty,
                "json-sort-keys", &sort_keys,
                "json-ascii", &ascii,
                NULL);
  self->write_flags = (pretty ? SELDON_JSON_WRITE_PRETTY : 0) |
                      (sort_keys ? SELDON_JSON_WRITE_SORT_KEYS : 0) |
                      (ascii ? SELDON_JSON_WRITE_ASCII : 0);

  self->component = g_object_ref (component);
  self->engine = seldon_engine_new (component, self->config);
  self->loop = g_main_loop_new (self->context, FALSE);

  threads = seldon_worker_get_pool_threads (self->config);
  flags = seldon_component_get_flags (component);
  if (flags & (SELDON_COMPONENT_FLAGS_NOT_THREAD_SAFE | SELDON_COMPONENT_FLAGS_MAIN_CONTEXT))
    threads = 1;
  self->n_threads = MAX (threads, 1);

  if (flags & SELDON_COMPONENT_FLAGS_MAIN_CONTEXT)
    host_load (self);
  else if (!(flags & SELDON_COMPONENT_FLAGS_NOT_THREAD_SAFE))
    {
      /* Reader threads; load() runs here. */
      readers = TRUE;
      host_load (self);
    }
  else
    {
      HostCall *load = g_new0 (HostCall, 1);

      /* Exclusive threads: a one-thread pool runs load() and every call on one thread. */
      self->pool = g_thread_pool_new (host_thread, self, (int) self->n_threads, TRUE, &local_error);
      if (self->pool == NULL)
        {
          g_free (load);
          self->load_error = g_error_new (SELDON_ERROR, SELDON_ERROR_LOAD_FAILED,
                                          "Could not create the worker threads: %s",
                                          local_error->message);
        }
      else
        {
          load->host = self;
          load->is_load = TRUE;
          g_thread_pool_push (self->pool, load, NULL);
          g_mutex_lock (&self->load_lock);
          while (!self->load_done)
            g_cond_wait (&self->load_cond, &self->load_lock);
          g_mutex_unlock (&self->load_lock);
        }
    }

  if (self->load_error != NULL)
    {
      g_autoptr(GError) load_error = g_steal_pointer (&self->load_error);

      seldon_worker_host_report_failure (self, 3, load_error->message);
      g_propagate_error (error, g_steal_pointer (&load_error));
      if (self->pool != NULL)
        g_thread_pool_free (g_steal_pointer (&self->pool), FALSE, TRUE);
      g_clear_pointer (&self->loop, g_main_loop_unref);
      g_clear_pointer (&self->engine, seldon_engine_free);
      g_clear_object (&self->component);
      return 3;
    }

  self->reported = TRUE;
  host_send (self, seldon_frame_out_new_ready (self->n_threads, (guint) getpid ()));

  if (readers)
    {
      run_readers (self, (flags & SELDON_COMPONENT_FLAGS_GLOBAL_LOCK) != 0);
      g_clear_pointer (&self->loop, g_main_loop_unref);
      g_clear_pointer (&self->engine, seldon_engine_free);
      g_clear_object (&self->component);
      return 0;
    }

  self->watch = g_unix_fd_source_new (self->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_static_name (self->watch, "[seldon] worker channel");
  g_source_set_callback (self->watch, (GSourceFunc) (void (*) (void)) channel_readable_cb, self, NULL);
  g_source_attach (self->watch, self->context);

  g_main_loop_run (self->loop);

  if (self->watch != NULL)
    {
      g_source_destroy (self->watch);
      g_clear_pointer (&self->watch, g_source_unref);
    }
  if (self->pool != NULL)
    g_thread_pool_free (g_steal_pointer (&self->pool), FALSE, TRUE);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->engine, seldon_engine_free);
  g_clear_object (&self->component);

  return 0;
}
