/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "seldon-channel-private.h"
#include "seldon-engine-private.h"
#include "seldon-error.h"
#include "seldon-worker-private.h"

/**
 * SeldonWorker:
 *
 * Runs a [iface@Seldon.Component] for the front ([class@Seldon.Server]).
 *
 * A worker is a pool of slots that run calls. It works in one of two modes:
 *
 * - **In-process** ([ctor@Seldon.Worker.new]): the worker owns the component's engine (the
 *   Seldon semantics: decoding requests, calling the component, building answers) and a
 *   private pool of threads. Model code never runs on the thread that owns the worker:
 *   [method@Seldon.Worker.start_async] computes the metadata and calls the component's
 *   `load()` on a pool thread, and every call runs on a pool thread too. The pool has
 *   [property@Seldon.Config:threads] threads (one with
 *   [property@Seldon.Config:single-threaded]). Calls that are short on average run one after
 *   another on the thread that is awake, which costs no thread wake-up per call; slow calls
 *   (and any call that waited for another for a millisecond, or a few with
 *   %SELDON_COMPONENT_FLAGS_GLOBAL_LOCK) run side by side. A component whose flags include
 *   %SELDON_COMPONENT_FLAGS_NOT_THREAD_SAFE always gets a single thread, so it is only ever
 *   called from the thread that loaded it; one with %SELDON_COMPONENT_FLAGS_MAIN_CONTEXT gets
 *   no thread at all: `load()` and every call run one at a time in idle callbacks of the
 *   thread-default main context that was current when the worker was created.
 *
 * - **Worker processes** ([ctor@Seldon.Worker.new_for_command]): the worker spawns
 *   `max(workers, grpc-workers)` processes (see [property@Seldon.Config:workers]), each
 *   running a [class@Seldon.WorkerHost] with [property@Seldon.Config:threads] threads, and
 *   talks to each over a private channel on a socket pair. Each call goes to the process with
 *   the fewest calls in flight that has a free thread, so the calls of one connection spread
 *   over every process; when every thread is busy, calls wait in the front. A process that
 *   exits or crashes fails only its own calls in flight (status 503) and is respawned with a
 *   backoff (100 ms, doubling up to 5 s, back to 100 ms once a process served for 30 s)
 *   while the others keep serving. The worker is ready once every process loaded its
 *   component; a process that fails to load at start-up fails the start.
 *
 *   Each process is replaced after [property@Seldon.Config:max-requests] calls plus a random
 *   0 to [property@Seldon.Config:max-requests-jitter] more, and every process is replaced,
 *   one after another, by [method@Seldon.Worker.reload]. Either way no call fails: the new
 *   process is started and loads its component first, then takes the slot's calls, while
 *   the old one takes no new calls, finishes its own and exits. The slot number, which is
 *   the `worker_id` of the metrics, stays the same. A process still running a call
 *   two seconds after the call's deadline is stuck: it is killed (its other calls in flight
 *   fail with 503) and respawned.
 *
 * Either way calls complete in the caller's thread-default main context. Calls that arrive
 * before the worker is ready wait until it is. A call whose deadline passes before it ends is
 * answered with status 504, and one whose deadline passes or whose cancellable is cancelled
 * while it waits for a thread never runs; a call the worker cannot run (it is shutting down, its load
 * failed, its process died, or too many calls are waiting, see
 * [property@Seldon.Config:max-queued]) is answered with status 503. Failures are always
 * answers, never errors.
 *
 * Since: 1.0
 */

/* The worker end of the channel in a worker process. */
#define CHILD_FD               3
#define BACKOFF_INITIAL_MS     100
#define BACKOFF_MAX_MS         5000
#define HEALTHY_RESET_US       (30 * G_USEC_PER_SEC)
/* A process whose channel closed gets this long to exit before it is killed. */
#define EXIT_GRACE_MS          2000
/* A process still running a call this long after the call's deadline is killed (and
 * respawned): it is stuck. */
#define STUCK_GRACE_MS         2000
/* Replacement processes loading at the same time during a reload (a rolling restart);
 * recycling after max-requests replaces each slot's process independently. */
#define MAX_RELOAD_REPLACEMENTS 1

typedef struct _WorkerSlot WorkerSlot;

struct _SeldonWorker
{
  GObject          parent_instance;

  SeldonComponent *component;     /* in-process */
  SeldonConfig    *config;
  SeldonEngine    *engine;        /* in-process */
  SeldonJsonWriteFlags write_flags;

  /* In-process threads, except for MAIN_CONTEXT components (see "In-process threads"). */
  GPtrArray       *run_threads;   /* GThread*; NULL when there are none */
  GSource         *run_source;    /* in @context: hands finished jobs back, rescues waiting calls */
  GMutex           run_lock;
  GCond            run_cond;      /* idle threads wait here for a wake-up */
  GQueue           run_queue;     /* run_lock: WorkerJob* waiting for a thread */
  GQueue           run_done;      /* run_lock: WorkerJob* finished, for @context */
  guint            run_active;    /* run_lock: threads awake (running a job, or about to take one) */
  guint            run_idle;      /* run_lock: threads waiting on run_cond */
  guint            run_wakeups;   /* run_lock: wake-ups given to idle threads, not yet taken */
  gboolean         run_stop;      /* run_lock: the threads exit */
  gint64           run_avg_us;    /* run_lock: average duration of recent calls */
  gint64           run_short_us;  /* calls that take less on average run one after another */
  gint64           run_rescue_us; /* a call waiting this long behind another gets a thread */
  gboolean         run_kick;      /* run_lock: wake a thread before the context polls again */
  /* Thread-default when the worker was created: MAIN_CONTEXT calls run here, and the worker
   * processes are supervised here. */
  GMainContext    *context;
  gboolean         main_context;  /* in-process, MAIN_CONTEXT component */
  guint            n_threads;
  int              max_queued;
  int              graceful_timeout;

  /* Main-context state. */
  gboolean         started;
  gboolean         ready;
  gboolean         failed;
  GQueue           waiting;       /* WorkerJob*: calls made before the worker was ready */
  guint            n_outstanding; /* calls handed to threads or processes, not yet back */
  GTask           *shutdown_task;
  GSource         *shutdown_timeout;

  /* Shared with the pool threads. */
  int              stopping;      /* atomic: new calls are refused */
  int              aborting;      /* atomic: calls not started yet are answered 503 (dispose) */
  int              n_queued;      /* atomic: calls pushed to the pool, not yet started */

  /* Worker processes (argv != NULL). */
  char           **argv;
  char           **envp;
  guint            n_processes;
  gsize            inline_max;
  GPtrArray       *slots;         /* WorkerSlot*, by index: the slots that take calls */
  GPtrArray       *all_slots;     /* WorkerSlot*, owned: those plus replacements and retiring ones */
  int              max_requests;
  int              max_requests_jitter;
  guint            n_recycled;    /* processes replaced by a successor */
  gboolean         reloading;     /* seldon_worker_reload() in progress */
  GQueue           queue;         /* WorkerJob*: calls waiting for a free worker thread */
  guint            next_slot;     /* where the search for a free slot starts (round robin) */
  GTask           *start_task;
  guint            n_started;     /* slots ready during the start */
};

enum
{
  PROP_0,
  PROP_COMPONENT,
  PROP_CONFIG,
  PROP_N_THREADS,
  PROP_READY,
  PROP_ARGV,
  PROP_ENVIRON,
  PROP_N_PROCESSES,
  PROP_RELOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SeldonWorker, seldon_worker, G_TYPE_OBJECT)

typedef enum
{
  JOB_LOAD,
  JOB_CALL,
} JobKind;

/*
 * One unit of work. Reference counted because several parties may hold it: the pool (until
 * the thread hands its result to the caller's context) or a worker process slot (until its
 * reply arrives), the deadline timer and the completion idle. Every last unref happens in the
 * caller's main context: a pool thread never drops the last reference, so the worker (which
 * the job keeps alive) is never finalized on one of its own threads.
 */
typedef struct
{
  gatomicrefcount  ref_count;
  JobKind          kind;
  SeldonWorker    *worker;        /* strong */
  GTask           *task;          /* until completed (main context) */
  GMainContext    *context;       /* the caller's context */
  SeldonCall      *call;          /* JOB_CALL; in process mode freed once sent */
  /* What the component sees: in process mode and for an in-process call without a deadline,
   * the caller's own (no internal one to create and keep in sync); otherwise an internal one,
   * cancelled by the caller's or at the deadline. May be NULL in process mode. */
  GCancellable    *cancellable;
  GCancellable    *caller_cancellable;  /* with an internal @cancellable */
  gulong           caller_cancel_id;
  gulong           cancel_id;     /* process mode: on @cancellable, the caller's */
  gboolean         cancel_sent;   /* process mode: the CANCEL frame went out */
  GSource         *deadline_source;
  GSource         *stuck_source;  /* process mode: kills the process after STUCK_GRACE_MS */
  gboolean         completed;     /* main context only */

  gint64           queued_at;     /* in-process: when it was queued for a thread */

  /* Process mode (main context). */
  gboolean         queued;        /* in worker->queue */
  WorkerSlot      *slot;          /* in slot->inflight */
  guint32          call_id;

  /* Results, written by the pool thread before it hands the job back. */
  SeldonReply     *reply;
  GError          *error;
} WorkerJob;

static WorkerJob *
worker_job_ref (WorkerJob *job)
{
  g_atomic_ref_count_inc (&job->ref_count);
  return job;
}

static void
worker_job_unref (WorkerJob *job)
{
  if (!g_atomic_ref_count_dec (&job->ref_count))
    return;

  if (job->caller_cancel_id != 0)
    g_cancellable_disconnect (job->caller_cancellable, job->caller_cancel_id);
  g_clear_object (&job->caller_cancellable);
  if (job->cancel_id != 0)
    g_cancellable_disconnect (job->cancellable, job->cancel_id);
  if (job->deadline_source != NULL)
    {
      g_source_destroy (job->deadline_source);
      g_clear_pointer (&job->deadline_source, g_source_unref);
    }
  if (job->stuck_source != NULL)
    {
      g_source_destroy (job->stuck_source);
      g_clear_pointer (&job->stuck_source, g_source_unref);
    }
  g_clear_object (&job->task);
  g_clear_pointer (&job->context, g_main_context_unref);
  g_clear_pointer (&job->call, seldon_call_free);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->reply, seldon_reply_free);
  g_clear_error (&job->error);
  g_clear_object (&job->worker);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WorkerJob, worker_job_unref)

static WorkerJob *
worker_job_new (SeldonWorker *self,
                JobKind       kind,
                GTask        *task)
{
  WorkerJob *job = g_new0 (WorkerJob, 1);

  g_atomic_ref_count_init (&job->ref_count);
  job->kind = kind;
  job->worker = g_object_ref (self);
  job->task = g_object_ref (task);
  job->context = g_main_context_ref_thread_default ();
  return job;
}

static SeldonReply *
make_error_reply (SeldonWorker *self,
                  SeldonError   code,
                  const char   *message)
{
  g_autoptr(GError) error = g_error_new_literal (SELDON_ERROR, code, message);

  return seldon_reply_new_error (error, self->write_flags);
}

static gboolean
is_process_mode (SeldonWorker *self)
{
  return self->argv != NULL;
}

/* Main context: hands @reply (owned) to the caller, once. */
static void
worker_job_complete_call (WorkerJob   *job,
                          SeldonReply *reply)
{
  g_autoptr(GTask) task = NULL;

  if (job->completed)
    {
      seldon_reply_free (reply);
      return;
    }

  job->completed = TRUE;
  if (job->deadline_source != NULL)
    {
      g_source_destroy (job->deadline_source);
      g_clear_pointer (&job->deadline_source, g_source_unref);
    }
  task = g_steal_pointer (&job->task);
  g_task_return_pointer (task, reply, (GDestroyNotify) seldon_reply_free);
}

static gboolean process_job_cancelled_idle (gpointer user_data);
static void job_watch_stuck (WorkerJob *job);

static gboolean
deadline_cb (gpointer user_data)
{
  WorkerJob *job = user_data;

  g_clear_pointer (&job->deadline_source, g_source_unref);
  if (!job->completed)
    {
      /* The call keeps its thread until it returns (the engine sees the cancellable), but the
       * caller gets its answer now; the late result is dropped. */
      worker_job_complete_call (job, make_error_reply (job->worker, SELDON_ERROR_TIMEOUT,
                                                       "Timeout: the call did not finish before its deadline"));
      if (is_process_mode (job->worker))
        {
          process_job_cancelled_idle (job);    /* the worker process cancels it */
          job_watch_stuck (job);               /* and is killed if it does not stop */
        }
      else
        g_cancellable_cancel (job->cancellable);
    }
  return G_SOURCE_REMOVE;
}

static void
caller_cancelled_cb (GCancellable *caller_cancellable,
                     gpointer      user_data)
{
  GCancellable *cancellable = user_data;

  g_cancellable_cancel (cancellable);
}

static void check_shutdown (SeldonWorker *self);

/* ---------------------------------------------------------------------------------------- */
/* Loading (shared with SeldonWorkerHost)                                                   */
/* ---------------------------------------------------------------------------------------- */

int
seldon_worker_get_pool_threads (SeldonConfig *config)
{
  int threads = seldon_config_get_effective_threads (config);
  int grpc_workers = 0, grpc_threads = 1;

  g_object_get (config, "grpc-workers", &grpc_workers, "grpc-threads", &grpc_threads, NULL);
  if (grpc_workers > 0 && grpc_threads > threads)
    threads = grpc_threads;
  return MAX (threads, 1);
}

gboolean
seldon_worker_load_component (SeldonEngine     *engine,
                              SeldonComponent  *component,
                              GCancellable     *cancellable,
                              GError          **error)
{
  g_autoptr(GError) local_error = NULL;

  seldon_engine_init_metadata (engine);
  if (seldon_component_load (component, cancellable, &local_error))
    return TRUE;

  /* configuration.md §4.3: a load() that says "not implemented" is not a failure. */
  if (g_error_matches (local_error, SELDON_ERROR, SELDON_ERROR_NOT_IMPLEMENTED))
    return TRUE;
  if (local_error == NULL)
    g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_LOAD_FAILED,
                         "The component's load() failed");
  else if (local_error->domain != SELDON_ERROR || local_error->code != SELDON_ERROR_LOAD_FAILED)
    g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_LOAD_FAILED, local_error->message);
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* ---------------------------------------------------------------------------------------- */
/* In-process mode                                                                          */
/* ---------------------------------------------------------------------------------------- */

static void load_done (WorkerJob *job);
static void flush_waiting (SeldonWorker *self);
static void start_fail (SeldonWorker *self, GError *error);

/* Main context: the start was cancelled. Its caller gets its answer now, even if load() runs
 * on (it got the cancellable); the worker then refuses calls. */
static gboolean
start_cancelled_idle (gpointer user_data)
{
  WorkerJob *job = user_data;
  SeldonWorker *self = job->worker;
  g_autoptr(GTask) task = NULL;

  if (job->completed)
    return G_SOURCE_REMOVE;

  job->completed = TRUE;
  self->failed = TRUE;
  task = g_steal_pointer (&job->task);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The start was cancelled");
  flush_waiting (self);
  return G_SOURCE_REMOVE;
}

/* Any thread: runs @func (@data, freed with @notify) once in @context, always through a source,
 * never inline. */
static void
attach_idle (GMainContext   *context,
             int             priority,
             const char     *name,
             GSourceFunc     func,
             gpointer        data,
             GDestroyNotify  notify)
{
  GSource *idle = g_idle_source_new ();

  g_source_set_priority (idle, priority);
  g_source_set_static_name (idle, name);
  g_source_set_callback (idle, func, data, notify);
  g_source_attach (idle, context);
  g_source_unref (idle);
}

/* Any thread. */
static void
start_cancelled_cb (GCancellable *caller_cancellable,
                    gpointer      user_data)
{
  WorkerJob *job = user_data;

  g_cancellable_cancel (job->cancellable);
  attach_idle (job->context, G_PRIORITY_DEFAULT_IDLE, "[seldon] start cancelled", start_cancelled_idle,
               worker_job_ref (job), (GDestroyNotify) worker_job_unref);
}

/* Main context: the pool thread finished @job. */
static gboolean
job_done_cb (gpointer user_data)
{
  WorkerJob *job = user_data;

  if (job->kind == JOB_LOAD)
    load_done (job);
  else
    {
      worker_job_complete_call (job, g_steal_pointer (&job->reply));
      job->worker->n_outstanding--;
      check_shutdown (job->worker);
    }
  return G_SOURCE_REMOVE;
}

/* Pool thread: hands the job (and the pool's reference) back to the caller's context. Always
 * through a source: g_main_context_invoke() could run the callback right here, on the pool
 * thread, when the caller's context is the default one and nobody owns it at that moment. */
static void
job_hand_back (WorkerJob *job)
{
  attach_idle (job->context, G_PRIORITY_DEFAULT, "[seldon] call done", job_done_cb, job,
               (GDestroyNotify) worker_job_unref);
}

static void
run_load (SeldonWorker *self,
          WorkerJob    *job)
{
  seldon_worker_load_component (self->engine, self->component, job->cancellable, &job->error);
}

static void
run_call (SeldonWorker *self,
          WorkerJob    *job)
{
  if (g_atomic_int_get (&self->aborting))
    job->reply = make_error_reply (self, SELDON_ERROR_UNAVAILABLE,
                                   "The worker is shutting down");
  else if (job->call->deadline != 0 && g_get_monotonic_time () >= job->call->deadline)
    job->reply = make_error_reply (self, SELDON_ERROR_TIMEOUT,
                                   "Timeout: the call waited past its deadline");
  else if (g_cancellable_is_cancelled (job->cancellable))
    job->reply = make_error_reply (self, SELDON_ERROR_UNAVAILABLE, "The call was cancelled");
  else
    {
      gint64 started_us = g_get_monotonic_time ();

      job->reply = seldon_engine_invoke (self->engine, job->call, job->cancellable);
      if (job->reply != NULL)
        {
          job->reply->started_us = started_us;
          job->reply->finished_us = g_get_monotonic_time ();
        }
    }

  if (job->reply == NULL)
    job->reply = make_error_reply (self, SELDON_ERROR_FAILED, "The call produced no answer");
}

static void
run_job (SeldonWorker *self,
         WorkerJob    *job)
{
  if (job->kind == JOB_LOAD)
    run_load (self, job);
  else
    {
      g_atomic_int_add (&self->n_queued, -1);
      run_call (self, job);
    }
}

static gboolean
main_context_job_cb (gpointer data)
{
  WorkerJob *job = data;

  run_job (job->worker, job);
  job_hand_back (job);
  return G_SOURCE_REMOVE;
}

/* ---------------------------------------------------------------------------------------- */
/* In-process threads                                                                       */
/* ---------------------------------------------------------------------------------------- */

/*
 * The worker's own threads (n_threads of them, created with the worker and serving only it,
 * so a not-thread-safe component is always called from the thread that loaded it).
 *
 * Waking a sleeping thread for a call, and the main context for its answer, costs far more
 * than a small call itself, so:
 *
 * - Jobs wait in run_queue, and a thread that finishes a job takes the next one without
 *   sleeping. A sleeping thread is woken for a new job when no thread is awake, or when calls
 *   are slow (their average duration is run_short_us or more): then every waiting job gets a
 *   thread and slow calls run side by side as soon as they arrive.
 * - The wake-up for short calls waits for the end of the main-loop iteration (run_source's
 *   prepare): a busy front reads several requests per iteration, and they then cost one
 *   wake-up, after which one thread runs them one after another.
 * - A job that waited run_rescue_us behind another (a call much slower than usual) gets a
 *   thread of its own: run_source checks for such jobs at every iteration of the worker's
 *   main context, and its poll timeout makes sure that the check happens in time.
 * - Finished jobs go back in batches: onto run_done, with one wake-up of the main context for
 *   however many jobs finished meanwhile (run_source hands them all back at once).
 *
 * Components with %SELDON_COMPONENT_FLAGS_GLOBAL_LOCK get a run_short_us of several
 * milliseconds: their short calls run one after another, instead of handing the lock from
 * thread to thread at every release.
 */

#define RUN_SHORT_US            50
#define RUN_RESCUE_US           1000
#define RUN_GLOBAL_LOCK_US      2000

typedef struct
{
  GSource       source;
  SeldonWorker *worker;   /* not owned: the worker destroys the source before it goes */
} RunSource;

/* run_lock: gives an idle thread a wake-up. */
static void
run_wake_one_locked (SeldonWorker *self)
{
  self->run_wakeups++;
  g_cond_signal (&self->run_cond);
}

/* run_lock: whether an idle thread could take a waiting job that no thread is coming for. */
static gboolean
run_can_wake_locked (SeldonWorker *self)
{
  return self->run_idle > self->run_wakeups && self->run_queue.length > self->run_wakeups;
}

/* run_lock: wakes threads for the jobs that waited too long; returns the poll timeout (ms)
 * until the next such job is due, or -1. */
static int
run_rescue_locked (SeldonWorker *self,
                   gint64        now)
{
  while (run_can_wake_locked (self))
    {
      /* The oldest job no woken thread is coming for. */
      WorkerJob *job = g_queue_peek_nth (&self->run_queue, self->run_wakeups);
      gint64 due = job->queued_at + self->run_rescue_us;

      if (due > now)
        return (int) MIN ((due - now + 999) / 1000, (gint64) G_MAXINT);
      run_wake_one_locked (self);
    }
  return -1;
}

static gboolean
run_source_prepare (GSource *source,
                    int     *timeout)
{
  SeldonWorker *self = ((RunSource *) source)->worker;
  gboolean ready;

  g_mutex_lock (&self->run_lock);
  if (self->run_kick)
    {
      self->run_kick = FALSE;
      if (self->run_active == 0 && run_can_wake_locked (self))
        run_wake_one_locked (self);
    }
  ready = !g_queue_is_empty (&self->run_done);
  *timeout = run_rescue_locked (self, g_get_monotonic_time ());
  g_mutex_unlock (&self->run_lock);
  if (ready)
    *timeout = 0;
  return ready;
}

static gboolean
run_source_check (GSource *source)
{
  SeldonWorker *self = ((RunSource *) source)->worker;
  gboolean ready;

  g_mutex_lock (&self->run_lock);
  ready = !g_queue_is_empty (&self->run_done);
  g_mutex_unlock (&self->run_lock);
  return ready;
}

/* Main context: hands every finished job back. */
static gboolean
run_source_dispatch (GSource     *source,
                     GSourceFunc  callback,
                     gpointer     user_data)
{
  g_autoptr(SeldonWorker) self = g_object_ref (((RunSource *) source)->worker);
  GQueue done;
  WorkerJob *job;

  g_mutex_lock (&self->run_lock);
  done = self->run_done;
  g_queue_init (&self->run_done);
  g_mutex_unlock (&self->run_lock);

  while ((job = g_queue_pop_head (&done)) != NULL)
    {
      job_done_cb (job);
      worker_job_unref (job);
    }
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs run_source_funcs = {
  run_source_prepare,
  run_source_check,
  run_source_dispatch,
  NULL, NULL, NULL,
};

static gpointer
run_thread (gpointer data)
{
  SeldonWorker *self = data;

  g_mutex_lock (&self->run_lock);
  for (;;)
    {
      WorkerJob *job = g_queue_pop_head (&self->run_queue);
      gint64 start;
      gboolean wake;

      if (job == NULL)
        {
          if (self->run_stop)
            break;
          self->run_active--;
          self->run_idle++;
          while (self->run_wakeups == 0 && !self->run_stop)
            g_cond_wait (&self->run_cond, &self->run_lock);
          self->run_idle--;
          if (self->run_wakeups > 0)
            self->run_wakeups--;
          self->run_active++;
          continue;
        }
      g_mutex_unlock (&self->run_lock);

      start = g_get_monotonic_time ();
      run_job (self, job);

      g_mutex_lock (&self->run_lock);
      if (job->kind == JOB_CALL)
        self->run_avg_us += (g_get_monotonic_time () - start - self->run_avg_us) / 8;
      if (job->context != self->context)
        {
          g_mutex_unlock (&self->run_lock);
          job_hand_back (job);
          g_mutex_lock (&self->run_lock);
          continue;
        }
      /* One wake-up for the batch: the main context takes every finished job at once. */
      wake = g_queue_is_empty (&self->run_done);
      g_queue_push_tail (&self->run_done, job);
      if (wake)
        {
          /* The worker outlives its threads (finalize joins them), so its context too. */
          g_mutex_unlock (&self->run_lock);
          g_main_context_wakeup (self->context);
          g_mutex_lock (&self->run_lock);
        }
    }
  self->run_active--;
  g_mutex_unlock (&self->run_lock);
  return NULL;
}

/* Main context: queues @job (whose reference is transferred) for the threads. */
static void
run_push (SeldonWorker *self,
          WorkerJob    *job)
{
  g_mutex_lock (&self->run_lock);
  job->queued_at = g_get_monotonic_time ();
  g_queue_push_tail (&self->run_queue, job);
  /* A slow call gets a thread now. A short one waits for the thread that is awake (run_source
   * rescues it if that thread is stuck in a long call), or for the end of this main-loop
   * iteration, when one thread is woken for every short call queued meanwhile. */
  if (job->kind == JOB_LOAD || self->run_avg_us >= self->run_short_us)
    {
      if (run_can_wake_locked (self))
        run_wake_one_locked (self);
    }
  else if (self->run_active == 0)
    {
      /* Only this thread's own iteration is sure to come back to run_source soon. */
      if (g_main_context_is_owner (self->context))
        self->run_kick = TRUE;
      else if (run_can_wake_locked (self))
        run_wake_one_locked (self);
    }
  g_mutex_unlock (&self->run_lock);
}

/* Creates the threads; FALSE when not even one could be started. */
static gboolean
run_start_threads (SeldonWorker  *self,
                   GError       **error)
{
  RunSource *source;

  self->run_threads = g_ptr_array_new ();
  for (guint i = 0; i < self->n_threads; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *name = g_strdup_printf ("seldon-call-%u", i);
      GThread *thread;

      g_mutex_lock (&self->run_lock);
      self->run_active++;
      g_mutex_unlock (&self->run_lock);
      thread = g_thread_try_new (name, run_thread, self, &local_error);
      if (thread == NULL)
        {
          g_mutex_lock (&self->run_lock);
          self->run_active--;
          g_mutex_unlock (&self->run_lock);
          if (self->run_threads->len == 0)
            {
              g_clear_pointer (&self->run_threads, g_ptr_array_unref);
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          /* Fewer threads than asked for still serve. */
          g_warning ("Could not create a worker thread: %s", local_error->message);
          break;
        }
      g_ptr_array_add (self->run_threads, thread);
    }

  source = (RunSource *) g_source_new (&run_source_funcs, sizeof (RunSource));
  source->worker = self;
  g_source_set_static_name ((GSource *) source, "[seldon] worker threads");
  g_source_attach ((GSource *) source, self->context);
  self->run_source = (GSource *) source;
  return TRUE;
}

/* Finalize: every job is done (each holds a reference on the worker). */
static void
run_stop_threads (SeldonWorker *self)
{
  if (self->run_threads != NULL)
    {
      g_mutex_lock (&self->run_lock);
      self->run_stop = TRUE;
      g_cond_broadcast (&self->run_cond);
      g_mutex_unlock (&self->run_lock);
      for (guint i = 0; i < self->run_threads->len; i++)
        g_thread_join (g_ptr_array_index (self->run_threads, i));
      g_clear_pointer (&self->run_threads, g_ptr_array_unref);
    }
  if (self->run_source != NULL)
    {
      g_source_destroy (self->run_source);
      g_clear_pointer (&self->run_source, g_source_unref);
    }
}

/* Main context: queues @job (whose reference is transferred) for the threads, or, for a
 * MAIN_CONTEXT component, in an idle of the context that created the worker. */
static gboolean
dispatch_job (SeldonWorker  *self,
              WorkerJob     *job,
              GError       **error)
{
  if (!self->main_context)
    {
      if (self->run_threads == NULL)
        {
          g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_UNAVAILABLE, "The worker has no threads");
          return FALSE;
        }
      run_push (self, job);
      return TRUE;
    }

  attach_idle (self->context, G_PRIORITY_DEFAULT, "[seldon] main-context call", main_context_job_cb, job, NULL);
  return TRUE;
}

static void process_submit (SeldonWorker *self, WorkerJob *job);

/* Main context: runs @job (whose reference is transferred). */
static void
push_call (SeldonWorker *self,
           WorkerJob    *job)
{
  g_autoptr(GError) error = NULL;

  if (self->failed || g_atomic_int_get (&self->stopping))
    {
      worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_UNAVAILABLE,
                                                       self->failed ? "The model failed to load"
                                                                    : "The worker is shutting down"));
      worker_job_unref (job);
      return;
    }

  if (is_process_mode (self))
    {
      process_submit (self, job);
      return;
    }

  if (self->max_queued > 0 && g_atomic_int_get (&self->n_queued) >= self->max_queued)
    {
      worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_UNAVAILABLE,
                                                       "Too many calls are waiting for the model"));
      worker_job_unref (job);
      return;
    }

  g_atomic_int_inc (&self->n_queued);
  self->n_outstanding++;
  if (!dispatch_job (self, job, &error))
    {
      g_atomic_int_add (&self->n_queued, -1);
      self->n_outstanding--;
      worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_UNAVAILABLE,
                                                       error->message));
      worker_job_unref (job);
    }
}

static void
start_succeeded (SeldonWorker *self,
                 GTask        *task)
{
  self->ready = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
  g_task_return_boolean (task, TRUE);
  flush_waiting (self);
}

static void
load_done (WorkerJob *job)
{
  SeldonWorker *self = job->worker;
  g_autoptr(GTask) task = NULL;

  if (job->completed)   /* cancelled meanwhile */
    return;

  job->completed = TRUE;
  task = g_steal_pointer (&job->task);
  if (job->error != NULL)
    {
      self->failed = TRUE;
      g_task_return_error (task, g_steal_pointer (&job->error));
      flush_waiting (self);
    }
  else
    start_succeeded (self, task);
}

/* Calls made while loading: run them now, or answer 503 if the load failed. */
static void
flush_waiting (SeldonWorker *self)
{
  WorkerJob *waiting;

  while ((waiting = g_queue_pop_head (&self->waiting)) != NULL)
    push_call (self, waiting);
}

/* ---------------------------------------------------------------------------------------- */
/* Worker processes                                                                         */
/* ---------------------------------------------------------------------------------------- */

typedef enum
{
  SLOT_DOWN,          /* no process: not started yet, or waiting to be respawned */
  SLOT_LOADING,       /* spawned and greeted, load() running */
  SLOT_READY,         /* serving */
  SLOT_CLOSING,       /* channel closed or broken; waiting for the process to exit */
} SlotState;

struct _WorkerSlot
{
  SeldonWorker        *worker;       /* borrowed: the worker owns its slots */
  guint                index;
  SlotState            state;
  GSubprocess         *process;
  int                  pid;
  int                  fd;           /* the front's end of the channel, or -1 */
  SeldonChannelReader *reader;
  GSource             *in_source;
  GSource             *out_source;
  GQueue               out_queue;    /* SeldonFrameOut*: frames waiting for room in the socket */
  GHashTable          *inflight;     /* call id => WorkerJob (a reference) */
  guint32              last_id;
  guint                capacity;     /* calls the process runs at once (its READY) */
  GCancellable        *wait_cancellable;
  gint64               ready_time;
  guint                backoff_ms;
  GSource             *respawn_source;
  GSource             *kill_source;
  char                *failure;      /* the process's LOAD_FAILED message */
  int                  failure_status;
  guint                n_spawned;    /* processes spawned for this slot (metrics: restarts) */

  /* Recycling (max-requests) and reload. */
  guint64              served;       /* calls sent to the current process */
  guint64              limit;        /* recycle after this many calls; 0 = never */
  gboolean             recycle_wanted;
  WorkerSlot          *successor;    /* active slot: its replacement, loading */
  WorkerSlot          *replaces;     /* replacement: the active slot it takes over from */
  gboolean             retiring;     /* replaced: takes no calls, finishes its own, exits */
};

static gboolean slot_spawn (WorkerSlot *slot, GError **error);
static void slot_channel_closed (WorkerSlot *slot);
static void process_pump (SeldonWorker *self);
static void recycle_next (SeldonWorker *self);
static void slot_retire_if_idle (WorkerSlot *slot);

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static GSource *
attach_timeout (SeldonWorker *self,
                guint         ms,
                const char   *name,
                GSourceFunc   func,
                gpointer      data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_static_name (source, name);
  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);
  return source;
}

static WorkerSlot *
slot_new (SeldonWorker *self,
          guint         index)
{
  WorkerSlot *slot = g_new0 (WorkerSlot, 1);

  slot->worker = self;
  slot->index = index;
  slot->fd = -1;
  slot->reader = seldon_channel_reader_new ();
  slot->inflight = g_hash_table_new (NULL, NULL);
  slot->backoff_ms = BACKOFF_INITIAL_MS;
  g_queue_init (&slot->out_queue);
  return slot;
}

static void
slot_close_fd (WorkerSlot *slot)
{
  destroy_source (&slot->in_source);
  destroy_source (&slot->out_source);
  g_queue_clear_full (&slot->out_queue, (GDestroyNotify) seldon_frame_out_free);
  if (slot->fd >= 0)
    {
      close (slot->fd);
      slot->fd = -1;
    }
}

/* Main context: @job is no longer running in a process. */
static void
job_clear_stuck (WorkerJob *job)
{
  GSource *source = g_steal_pointer (&job->stuck_source);

  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }
}

/* Fails every call in flight on @slot with 503 @message; returns how many there were. */
static guint
slot_fail_inflight (WorkerSlot *slot,
                    const char *message)
{
  SeldonWorker *self = slot->worker;
  g_autoptr(GList) jobs = g_hash_table_get_values (slot->inflight);
  guint n = 0;

  g_hash_table_remove_all (slot->inflight);
  for (GList *l = jobs; l != NULL; l = l->next)
    {
      WorkerJob *job = l->data;

      job->slot = NULL;
      job_clear_stuck (job);
      if (!job->completed)
        n++;
      worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_UNAVAILABLE, message));
      self->n_outstanding--;
      worker_job_unref (job);
    }
  return n;
}

/* Frees a slot whose process is gone (dispose or finalize). */
static void
slot_free (WorkerSlot *slot)
{
  slot_close_fd (slot);
  destroy_source (&slot->respawn_source);
  destroy_source (&slot->kill_source);
  if (slot->wait_cancellable != NULL)
    g_cancellable_cancel (slot->wait_cancellable);
  g_clear_object (&slot->wait_cancellable);
  g_clear_object (&slot->process);
  g_clear_pointer (&slot->reader, seldon_channel_reader_free);
  g_clear_pointer (&slot->inflight, g_hash_table_unref);
  g_free (slot->failure);
  g_free (slot);
}

static gboolean
slot_out_ready_cb (int          fd,
                   GIOCondition condition,
                   gpointer     user_data)
{
  WorkerSlot *slot = user_data;
  SeldonFrameOut *out;

  while ((out = g_queue_peek_head (&slot->out_queue)) != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!seldon_channel_send (slot->fd, out, FALSE, &error))
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return G_SOURCE_CONTINUE;
          g_debug ("Worker %u: %s", slot->index, error->message);
          g_clear_pointer (&slot->out_source, g_source_unref);
          slot_channel_closed (slot);
          return G_SOURCE_REMOVE;
        }
      seldon_frame_out_free (g_queue_pop_head (&slot->out_queue));
    }

  g_clear_pointer (&slot->out_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Sends @out (owned) now, or as soon as the socket has room, in order. FALSE when the
 * channel is closed or broke: the frame was not sent. */
static gboolean
slot_write (WorkerSlot     *slot,
            SeldonFrameOut *out)
{
  g_autoptr(GError) error = NULL;

  if (slot->fd < 0 || slot->state == SLOT_CLOSING || slot->state == SLOT_DOWN)
    {
      seldon_frame_out_free (out);
      return FALSE;
    }

  if (g_queue_is_empty (&slot->out_queue))
    {
      if (seldon_channel_send (slot->fd, out, FALSE, &error))
        {
          seldon_frame_out_free (out);
          return TRUE;
        }
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_debug ("Worker %u: %s", slot->index, error->message);
          seldon_frame_out_free (out);
          slot_channel_closed (slot);
          return FALSE;
        }
    }

  g_queue_push_tail (&slot->out_queue, out);
  if (slot->out_source == NULL)
    {
      slot->out_source = g_unix_fd_source_new (slot->fd, G_IO_OUT);
      g_source_set_static_name (slot->out_source, "[seldon] worker channel (out)");
      g_source_set_callback (slot->out_source, (GSourceFunc) (void (*) (void)) slot_out_ready_cb, slot, NULL);
      g_source_attach (slot->out_source, slot->worker->context);
    }
  return TRUE;
}

static gboolean
slot_kill_cb (gpointer user_data)
{
  WorkerSlot *slot = user_data;

  g_clear_pointer (&slot->kill_source, g_source_unref);
  if (slot->process != NULL)
    g_subprocess_force_exit (slot->process);
  return G_SOURCE_REMOVE;
}

/* The channel ended (end of stream, I/O or protocol error): no more calls go to @slot; its
 * process gets a moment to exit, then it is killed. Calls in flight fail when it exited. */
static void
slot_channel_closed (WorkerSlot *slot)
{
  if (slot->state == SLOT_CLOSING || slot->state == SLOT_DOWN)
    return;

  slot->state = SLOT_CLOSING;
  destroy_source (&slot->in_source);
  destroy_source (&slot->out_source);
  g_queue_clear_full (&slot->out_queue, (GDestroyNotify) seldon_frame_out_free);
  if (slot->process != NULL && slot->kill_source == NULL)
    slot->kill_source = attach_timeout (slot->worker, EXIT_GRACE_MS, "[seldon] worker exit grace",
                                        slot_kill_cb, slot);
}

/* Stops @slot's process at once (start-up failure, dispose). */
static void
slot_kill (WorkerSlot *slot)
{
  if (slot->process != NULL)
    g_subprocess_force_exit (slot->process);
  slot_channel_closed (slot);
  destroy_source (&slot->respawn_source);
}

static char *
describe_exit (GSubprocess *process)
{
  if (g_subprocess_get_if_signaled (process))
    return g_strdup_printf ("signal %d", g_subprocess_get_term_sig (process));
  if (g_subprocess_get_if_exited (process))
    return g_strdup_printf ("status %d", g_subprocess_get_exit_status (process));
  return g_strdup ("unknown status");
}

static gboolean
any_slot_ready (SeldonWorker *self)
{
  for (guint i = 0; i < self->slots->len; i++)
    if (((WorkerSlot *) g_ptr_array_index (self->slots, i))->state == SLOT_READY)
      return TRUE;
  return FALSE;
}

/* Answers every call waiting for a worker thread with 503 @message. */
static void
fail_queue (SeldonWorker *self,
            const char   *message)
{
  WorkerJob *job;

  while ((job = g_queue_pop_head (&self->queue)) != NULL)
    {
      job->queued = FALSE;
      worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_UNAVAILABLE, message));
      worker_job_unref (job);
    }
}

/* Main context: the first error of the start fails it; every process is stopped. */
static void
start_fail (SeldonWorker *self,
            GError       *error)
{
  g_autoptr(GError) owned = error;
  g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

  self->failed = TRUE;
  for (guint i = 0; i < self->all_slots->len; i++)
    slot_kill (g_ptr_array_index (self->all_slots, i));
  if (task != NULL)
    g_task_return_error (task, g_steal_pointer (&owned));
  fail_queue (self, "The model failed to load");
  flush_waiting (self);
}

static GError *
slot_start_error (WorkerSlot *slot,
                  const char *how)
{
  if (slot->failure != NULL)
    {
      /* load() failed (the host's status 3), or the host could not build the component and
       * asks to exit with its own status. */
      if (slot->failure_status == 3)
        return g_error_new_literal (SELDON_ERROR, SELDON_ERROR_LOAD_FAILED, slot->failure);
      return g_error_new_literal (G_SPAWN_EXIT_ERROR, slot->failure_status, slot->failure);
    }
  return g_error_new (SELDON_ERROR, SELDON_ERROR_LOAD_FAILED,
                      "Worker %u exited unexpectedly (%s) before it was ready", slot->index, how);
}

static gboolean
slot_respawn_cb (gpointer user_data)
{
  WorkerSlot *slot = user_data;
  SeldonWorker *self = slot->worker;
  g_autoptr(GError) error = NULL;
  guint delay;

  g_clear_pointer (&slot->respawn_source, g_source_unref);
  if (g_atomic_int_get (&self->stopping) || self->failed)
    return G_SOURCE_REMOVE;

  if (!slot_spawn (slot, &error))
    {
      delay = slot->backoff_ms;
      slot->backoff_ms = MIN (slot->backoff_ms * 2, BACKOFF_MAX_MS);
      g_warning ("Cannot respawn worker %u: %s; retrying in %u ms", slot->index, error->message, delay);
      slot->respawn_source = attach_timeout (self, delay, "[seldon] worker respawn", slot_respawn_cb, slot);
    }
  return G_SOURCE_REMOVE;
}

static void
slot_schedule_respawn (WorkerSlot *slot,
                       guint       delay)
{
  destroy_source (&slot->respawn_source);
  slot->respawn_source = attach_timeout (slot->worker, delay, "[seldon] worker respawn",
                                         slot_respawn_cb, slot);
}

static void slot_read (WorkerSlot *slot, gboolean drain);
static void reload_check_done (SeldonWorker *self);

/* Calls after which a new process is replaced (max-requests + random jitter), 0 = never. */
static guint64
compute_limit (SeldonWorker *self)
{
  if (self->max_requests <= 0)
    return 0;
  return (guint64) self->max_requests +
         (self->max_requests_jitter > 0 ? (guint64) g_random_int_range (0, self->max_requests_jitter + 1) : 0);
}

/* Main context: the process of a replacement (not ready yet) or of a replaced slot exited;
 * @slot is freed. */
static void
slot_discard_exited (WorkerSlot *slot,
                     const char *how)
{
  SeldonWorker *self = slot->worker;
  g_autofree char *message = NULL;
  WorkerSlot *old = slot->replaces;
  gboolean stopping = g_atomic_int_get (&self->stopping) || self->failed;
  guint n_failed;

  slot->state = SLOT_DOWN;
  slot_close_fd (slot);
  destroy_source (&slot->kill_source);
  g_clear_object (&slot->wait_cancellable);
  g_clear_object (&slot->process);
  message = g_strdup_printf ("Worker %u exited unexpectedly (%s) while running this call", slot->index, how);
  n_failed = slot_fail_inflight (slot, message);

  if (old != NULL)
    {
      old->successor = NULL;
      slot->replaces = NULL;
      old->recycle_wanted = FALSE;
      if (old->limit != 0)
        old->limit = old->served + compute_limit (self);
      if (!stopping)
        {
          if (slot->failure != NULL)
            g_warning ("The replacement of worker %u (pid %d) failed to load: %s", slot->index,
                       slot->pid, slot->failure);
          else
            g_warning ("The replacement of worker %u (pid %d) exited (%s) before it was ready",
                       slot->index, slot->pid, how);
        }
      if (old->process == NULL && !stopping && old->respawn_source == NULL)
        slot_schedule_respawn (old, old->backoff_ms);
      else if (old->process != NULL && !stopping)
        g_warning ("Worker %u keeps pid %d", old->index, old->pid);
    }
  else if (n_failed > 0)
    g_warning ("Replaced worker %u (pid %d) exited (%s); %u call(s) in flight failed",
               slot->index, slot->pid, how, n_failed);
  else
    g_debug ("Replaced worker %u (pid %d) exited (%s)", slot->index, slot->pid, how);

  g_ptr_array_remove (self->all_slots, slot);
  check_shutdown (self);
  process_pump (self);
  recycle_next (self);
  reload_check_done (self);
}

/* Main context: @slot's process exited. */
static void
slot_process_exited (WorkerSlot *slot)
{
  SeldonWorker *self = slot->worker;
  g_autofree char *how = describe_exit (slot->process);
  g_autofree char *message = NULL;
  gint64 now = g_get_monotonic_time ();
  guint n_failed, delay;
  int pid = slot->pid;
  gboolean was_ready;

  /* Replies it wrote before it exited still count. */
  if (slot->fd >= 0 && slot->state != SLOT_DOWN)
    slot_read (slot, TRUE);
  was_ready = slot->ready_time != 0;

  if (slot->retiring || slot->replaces != NULL)
    {
      slot_discard_exited (slot, how);   /* frees @slot */
      return;
    }

  /* Down before its calls fail: their callers may make new calls at once. */
  slot->state = SLOT_DOWN;
  slot->capacity = 0;
  slot_close_fd (slot);
  destroy_source (&slot->kill_source);
  g_clear_object (&slot->wait_cancellable);
  g_clear_object (&slot->process);
  message = g_strdup_printf ("Worker %u exited unexpectedly (%s) while running this call", slot->index, how);
  n_failed = slot_fail_inflight (slot, message);

  if (g_atomic_int_get (&self->stopping) || self->failed)
    {
      g_clear_pointer (&slot->failure, g_free);
      check_shutdown (self);
      process_pump (self);
      return;
    }

  if (self->start_task != NULL)
    {
      start_fail (self, slot_start_error (slot, how));
      g_clear_pointer (&slot->failure, g_free);
      return;
    }

  if (slot->successor != NULL)
    {
      /* Its replacement is loading: it takes over when ready, or the slot is respawned if it
       * fails (slot_discard_exited()). */
      g_warning ("Worker %u (pid %d) exited unexpectedly (%s); %u call(s) in flight failed; "
                 "its replacement (pid %d) is loading", slot->index, pid, how, n_failed,
                 slot->successor->pid);
      slot->ready_time = 0;
      g_clear_pointer (&slot->failure, g_free);
      process_pump (self);
      return;
    }

  /* Respawn with a backoff, reset once the process served long enough. */
  if (slot->ready_time != 0 && now - slot->ready_time >= HEALTHY_RESET_US)
    slot->backoff_ms = BACKOFF_INITIAL_MS;
  delay = slot->backoff_ms;
  slot->backoff_ms = MIN (slot->backoff_ms * 2, BACKOFF_MAX_MS);

  if (slot->failure != NULL)
    g_warning ("Worker %u (pid %d) failed to load: %s; retrying in %u ms",
               slot->index, pid, slot->failure, delay);
  else if (was_ready)
    g_warning ("Worker %u (pid %d) exited unexpectedly (%s); %u call(s) in flight failed; "
               "respawning in %u ms", slot->index, pid, how, n_failed, delay);
  else
    g_warning ("Worker %u (pid %d) exited unexpectedly (%s) before it was ready; retrying in %u ms",
               slot->index, pid, how, delay);
  slot->ready_time = 0;
  g_clear_pointer (&slot->failure, g_free);
  slot_schedule_respawn (slot, delay);

  /* With no process serving and this one unable to load, waiting calls would wait for an
   * unknown time: answer them. */
  if (!any_slot_ready (self) && !was_ready)
    fail_queue (self, "No worker is available: the model failed to load");
  process_pump (self);
}

static void
slot_exited_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  WorkerSlot *slot = user_data;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the slot may be gone */

  if (slot->process != G_SUBPROCESS (source))
    return;
  slot_process_exited (slot);
}

/* Main context: the replacement @succ loaded: it takes its slot's calls from now on, and
 * the process it replaces finishes its own calls and exits. */
static void
slot_take_over (WorkerSlot *succ)
{
  SeldonWorker *self = succ->worker;
  WorkerSlot *old = succ->replaces;

  succ->replaces = NULL;
  old->successor = NULL;
  succ->backoff_ms = old->backoff_ms;
  self->slots->pdata[succ->index] = succ;
  self->n_recycled++;
  destroy_source (&old->respawn_source);

  if (old->process != NULL)
    {
      g_info ("Worker %u: pid %d took over from pid %d after %" G_GUINT64_FORMAT " call(s)",
              succ->index, succ->pid, old->pid, old->served);
      old->retiring = TRUE;
      slot_retire_if_idle (old);
    }
  else
    {
      g_info ("Worker %u (pid %d) is back, with %u thread(s)", succ->index, succ->pid, succ->capacity);
      g_ptr_array_remove (self->all_slots, old);
    }

  process_pump (self);
  recycle_next (self);
  reload_check_done (self);
}

/* Main context: READY. */
static void
slot_ready (WorkerSlot        *slot,
            const SeldonFrame *frame)
{
  SeldonWorker *self = slot->worker;
  g_autoptr(GError) error = NULL;
  guint n_threads = 0, pid = 0;

  if (slot->state != SLOT_LOADING || !seldon_frame_parse_ready (frame, &n_threads, &pid, &error))
    {
      g_warning ("Worker %u: unexpected or malformed READY", slot->index);
      slot_kill (slot);
      return;
    }

  slot->state = SLOT_READY;
  slot->capacity = MAX (n_threads, 1);
  slot->ready_time = g_get_monotonic_time ();

  if (slot->replaces != NULL)
    {
      slot_take_over (slot);
      return;
    }

  if (self->start_task != NULL)
    {
      g_debug ("Worker %u (pid %d) is ready with %u thread(s)", slot->index, slot->pid, slot->capacity);
      if (++self->n_started == self->slots->len)
        {
          g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

          /* What the processes run at once, which their component may lower (not thread-safe,
           * main context). */
          for (guint i = 0; i < self->slots->len; i++)
            self->n_threads = MIN (self->n_threads,
                                   ((WorkerSlot *) g_ptr_array_index (self->slots, i))->capacity);
          start_succeeded (self, task);
        }
    }
  else
    {
      g_info ("Worker %u (pid %d) is back, with %u thread(s)", slot->index, slot->pid, slot->capacity);
      process_pump (self);
    }
}

/* Main context: LOAD_FAILED. The process exits by itself (or is killed soon). */
static void
slot_load_failed (WorkerSlot        *slot,
                  const SeldonFrame *frame)
{
  SeldonWorker *self = slot->worker;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  int status = 1;

  if (!seldon_frame_parse_load_failed (frame, &status, &text, &error))
    text = g_strdup (error->message);
  g_free (slot->failure);
  slot->failure = g_steal_pointer (&text);
  slot->failure_status = status;

  /* At start-up, promptly (decisions.md D4): the program exits without waiting. */
  if (self->start_task != NULL)
    {
      start_fail (self, slot_start_error (slot, NULL));
      return;
    }
  slot_channel_closed (slot);
}

/* Main context: a replaced process that answered its last call is told to exit (the end of
 * its channel), and killed if it does not. */
static void
slot_retire_if_idle (WorkerSlot *slot)
{
  if (!slot->retiring || slot->state != SLOT_READY || g_hash_table_size (slot->inflight) > 0)
    return;

  slot->state = SLOT_CLOSING;
  slot_close_fd (slot);
  if (slot->process != NULL && slot->kill_source == NULL)
    slot->kill_source = attach_timeout (slot->worker, EXIT_GRACE_MS, "[seldon] worker exit grace",
                                        slot_kill_cb, slot);
}

/* Main context: REPLY. */
static void
slot_reply (WorkerSlot        *slot,
            const SeldonFrame *frame)
{
  SeldonWorker *self = slot->worker;
  g_autoptr(GError) error = NULL;
  WorkerJob *job = NULL;
  SeldonReply *reply;

  if (!g_hash_table_steal_extended (slot->inflight, GUINT_TO_POINTER (frame->id), NULL, (gpointer *) &job))
    {
      g_warning ("Worker %u: reply to an unknown call %u", slot->index, frame->id);
      return;
    }

  job->slot = NULL;
  job_clear_stuck (job);
  reply = seldon_frame_parse_reply (frame, &error);
  if (reply == NULL)
    {
      g_warning ("Worker %u: %s", slot->index, error->message);
      reply = make_error_reply (self, SELDON_ERROR_FAILED, error->message);
    }
  reply->worker_slot = slot->index;
  worker_job_complete_call (job, reply);
  self->n_outstanding--;
  worker_job_unref (job);
  slot_retire_if_idle (slot);
}

/* Reads the frames waiting on @slot's channel: a batch, or everything (@drain). */
static void
slot_read (WorkerSlot *slot,
           gboolean    drain)
{
  for (int i = 0; drain || i < 64; i++)
    {
      g_auto(SeldonFrame) frame = { 0, };
      g_autoptr(GError) error = NULL;

      if (slot->fd < 0)
        return;

      switch (seldon_channel_receive (slot->reader, slot->fd, FALSE, &frame, &error))
        {
        case SELDON_CHANNEL_FRAME:
          switch (frame.type)
            {
            case SELDON_FRAME_REPLY:
              slot_reply (slot, &frame);
              break;
            case SELDON_FRAME_READY:
              slot_ready (slot, &frame);
              break;
            case SELDON_FRAME_LOAD_FAILED:
              slot_load_failed (slot, &frame);
              break;
            case SELDON_FRAME_HELLO:
            case SELDON_FRAME_CALL:
            case SELDON_FRAME_CANCEL:
            default:
              g_warning ("Worker %u: unexpected frame of type %d", slot->index, frame.type);
              slot_kill (slot);
              return;
            }
          break;
        case SELDON_CHANNEL_AGAIN:
          return;
        case SELDON_CHANNEL_ERROR:
          g_warning ("Worker %u: %s", slot->index, error->message);
          slot_kill (slot);
          return;
        case SELDON_CHANNEL_EOF:
        default:
          slot_channel_closed (slot);
          return;
        }
    }
}

static gboolean
slot_readable_cb (int          fd,
                  GIOCondition condition,
                  gpointer     user_data)
{
  WorkerSlot *slot = user_data;
  SeldonWorker *self = slot->worker;

  slot_read (slot, FALSE);
  process_pump (self);
  check_shutdown (self);
  /* slot_channel_closed() destroyed this source when the channel ended. */
  return G_SOURCE_CONTINUE;
}

/* In the child, between fork and exec: die with the front. */
static void
child_setup (gpointer user_data)
{
  pid_t parent = (pid_t) GPOINTER_TO_INT (user_data);

  (void) prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != parent)
    _exit (1);
}

static gboolean
slot_spawn (WorkerSlot  *slot,
            GError     **error)
{
  SeldonWorker *self = slot->worker;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(SeldonFrameOut) hello = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  char fd_arg[16];
  int fds[2];

  g_assert (slot->process == NULL && slot->fd < 0);

  hello = seldon_frame_out_new_hello (self->config, slot->index, self->inline_max, error);
  if (hello == NULL)
    return FALSE;
  if (!seldon_channel_socketpair (fds, error))
    return FALSE;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  if (self->envp != NULL)
    g_subprocess_launcher_set_environ (launcher, self->envp);
  /* The launcher closes fds[1] in this process when it is freed. */
  g_subprocess_launcher_take_fd (launcher, fds[1], CHILD_FD);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, GINT_TO_POINTER ((int) getpid ()), NULL);

  for (guint i = 0; self->argv[i] != NULL; i++)
    g_ptr_array_add (argv, self->argv[i]);
  g_snprintf (fd_arg, sizeof fd_arg, "%d", CHILD_FD);
  g_ptr_array_add (argv, (char *) "--fd");
  g_ptr_array_add (argv, fd_arg);
  g_ptr_array_add (argv, NULL);

  slot->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
  g_clear_object (&launcher);
  if (slot->process == NULL)
    {
      close (fds[0]);
      return FALSE;
    }

  slot->pid = (int) g_ascii_strtoll (g_subprocess_get_identifier (slot->process), NULL, 10);
  slot->n_spawned++;
  slot->fd = fds[0];
  slot->state = SLOT_LOADING;
  slot->capacity = 0;
  slot->last_id = 0;
  slot->served = 0;
  slot->limit = compute_limit (self);
  slot->recycle_wanted = FALSE;
  g_clear_pointer (&slot->failure, g_free);

  slot->wait_cancellable = g_cancellable_new ();
  g_subprocess_wait_async (slot->process, slot->wait_cancellable, slot_exited_cb, slot);

  slot->in_source = g_unix_fd_source_new (slot->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_static_name (slot->in_source, "[seldon] worker channel");
  /* Not blocked while it dispatches: GLib would take the fd out of the poll set and put it
   * back (two wake-ups of the context per answer). Nothing here runs a nested loop. */
  g_source_set_can_recurse (slot->in_source, TRUE);
  g_source_set_callback (slot->in_source, (GSourceFunc) (void (*) (void)) slot_readable_cb, slot, NULL);
  g_source_attach (slot->in_source, self->context);

  g_debug ("Worker %u: spawned %s (pid %d)", slot->index, self->argv[0], slot->pid);
  slot_write (slot, g_steal_pointer (&hello));
  return TRUE;
}

/* The ready slot with the fewest calls in flight that has a free thread; ties go round robin,
 * so that the calls of one client spread over every process. */
static WorkerSlot *
pick_slot (SeldonWorker *self)
{
  WorkerSlot *best = NULL;
  guint best_load = G_MAXUINT;
  guint n = self->slots->len;

  for (guint i = 0; i < n; i++)
    {
      WorkerSlot *slot = g_ptr_array_index (self->slots, (self->next_slot + i) % n);
      guint load = g_hash_table_size (slot->inflight);

      if (slot->state != SLOT_READY || load >= slot->capacity)
        continue;
      if (load < best_load)
        {
          best = slot;
          best_load = load;
          if (load == 0)
            break;
        }
    }
  if (best != NULL)
    self->next_slot = (best->index + 1) % n;
  return best;
}

/* Main context: sends @job (reference transferred) to @slot. Returns TRUE when the job went
 * back to the head of the worker's queue instead (the process was gone). */
static gboolean
slot_send_call (WorkerSlot *slot,
                WorkerJob  *job)
{
  SeldonWorker *self = slot->worker;
  g_autoptr(GError) error = NULL;
  SeldonFrameOut *out;

  do
    slot->last_id++;
  while (slot->last_id == 0 || g_hash_table_contains (slot->inflight, GUINT_TO_POINTER (slot->last_id)));

  out = seldon_frame_out_new_call (slot->last_id, job->call, self->inline_max, &error);
  if (out == NULL)
    {
      worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_FAILED, error->message));
      worker_job_unref (job);
      return FALSE;
    }

  job->slot = slot;
  job->call_id = slot->last_id;
  job->cancel_sent = FALSE;
  g_hash_table_insert (slot->inflight, GUINT_TO_POINTER (job->call_id), job);
  self->n_outstanding++;
  if (!slot_write (slot, out))
    {
      /* The process is gone and never got the call: another one runs it. */
      g_hash_table_remove (slot->inflight, GUINT_TO_POINTER (job->call_id));
      self->n_outstanding--;
      job->slot = NULL;
      job->queued = TRUE;
      g_queue_push_head (&self->queue, job);
      return TRUE;
    }

  /* The frame holds what the worker process needs; the request is no longer needed here. */
  g_clear_pointer (&job->call, seldon_call_free);

  /* max-requests: a replacement is started, and takes over once loaded. */
  slot->served++;
  if (slot->limit != 0 && slot->served >= slot->limit && !slot->recycle_wanted)
    {
      slot->recycle_wanted = TRUE;
      recycle_next (self);
    }
  return FALSE;
}

/* Main context: answers @job (reference transferred) instead of running it when its caller
 * is gone or its deadline passed; returns TRUE if it did. A dropped call never reaches a
 * worker process. */
static gboolean
job_drop_if_stale (SeldonWorker *self,
                   WorkerJob    *job)
{
  if (job->completed)
    ;   /* answered already (its deadline passed) */
  else if (job->cancellable != NULL && g_cancellable_is_cancelled (job->cancellable))
    worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_UNAVAILABLE, "The call was cancelled"));
  else if (job->call != NULL && job->call->deadline != 0 && g_get_monotonic_time () >= job->call->deadline)
    worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_TIMEOUT,
                                                     "Timeout: the call waited past its deadline"));
  else
    return FALSE;
  worker_job_unref (job);
  return TRUE;
}

/* Main context: hands waiting calls to free worker threads. */
static void
process_pump (SeldonWorker *self)
{
  WorkerSlot *slot;

  while (!g_queue_is_empty (&self->queue) && (slot = pick_slot (self)) != NULL)
    {
      WorkerJob *job = g_queue_pop_head (&self->queue);

      job->queued = FALSE;
      if (!job_drop_if_stale (self, job))
        slot_send_call (slot, job);
    }
}

/* Main context, process mode: @job's deadline passed while a worker process runs it. If the
 * process has not answered STUCK_GRACE_MS later, it is stuck (a model that ignores the
 * cancellation, an endless loop): it is killed, which fails its other calls in flight with
 * 503, and respawned. */
static gboolean
job_stuck_cb (gpointer user_data)
{
  WorkerJob *job = user_data;
  WorkerSlot *slot = job->slot;

  g_clear_pointer (&job->stuck_source, g_source_unref);
  if (slot != NULL && slot->process != NULL)
    {
      g_warning ("Worker %u (pid %d) still runs a call %u ms after its deadline: killing it",
                 slot->index, slot->pid, (guint) STUCK_GRACE_MS);
      g_subprocess_force_exit (slot->process);
    }
  return G_SOURCE_REMOVE;
}

static void
job_watch_stuck (WorkerJob *job)
{
  if (job->slot == NULL || job->stuck_source != NULL)
    return;

  job->stuck_source = g_timeout_source_new (STUCK_GRACE_MS);
  g_source_set_static_name (job->stuck_source, "[seldon] stuck call");
  g_source_set_callback (job->stuck_source, job_stuck_cb, worker_job_ref (job),
                         (GDestroyNotify) worker_job_unref);
  g_source_attach (job->stuck_source, job->worker->context);
}

/* Main context: starts a replacement for @slot; FALSE if it could not be spawned. */
static gboolean
slot_start_successor (WorkerSlot *slot)
{
  SeldonWorker *self = slot->worker;
  g_autoptr(GError) error = NULL;
  WorkerSlot *succ = slot_new (self, slot->index);

  succ->n_spawned = slot->n_spawned;
  succ->replaces = slot;
  slot->successor = succ;
  g_ptr_array_add (self->all_slots, succ);
  if (!slot_spawn (succ, &error))
    {
      g_warning ("Cannot start a replacement for worker %u: %s", slot->index, error->message);
      slot->successor = NULL;
      slot->recycle_wanted = FALSE;
      if (slot->limit != 0)
        slot->limit = slot->served + compute_limit (self);
      g_ptr_array_remove (self->all_slots, succ);
      return FALSE;
    }
  g_debug ("Worker %u (pid %d): replacement pid %d is loading (%" G_GUINT64_FORMAT " call(s) served)",
           slot->index, slot->pid, succ->pid, slot->served);
  return TRUE;
}

/* Main context: starts replacements for the slots that want one (MAX_RELOAD_REPLACEMENTS at
 * a time during a reload). */
static void
recycle_next (SeldonWorker *self)
{
  guint loading = 0, max_loading;

  if (!is_process_mode (self) || g_atomic_int_get (&self->stopping) || self->failed ||
      self->start_task != NULL)
    return;

  for (guint i = 0; i < self->slots->len; i++)
    if (((WorkerSlot *) g_ptr_array_index (self->slots, i))->successor != NULL)
      loading++;

  max_loading = self->reloading ? MAX_RELOAD_REPLACEMENTS : self->slots->len;
  for (guint i = 0; i < self->slots->len && loading < max_loading; i++)
    {
      WorkerSlot *slot = g_ptr_array_index (self->slots, i);

      if (!slot->recycle_wanted || slot->successor != NULL || slot->state != SLOT_READY)
        continue;
      if (slot_start_successor (slot))
        loading++;
    }
}

/* Main context: a reload is over once no slot wants or waits for a replacement. */
static void
reload_check_done (SeldonWorker *self)
{
  if (!self->reloading)
    return;

  for (guint i = 0; i < self->slots->len; i++)
    {
      WorkerSlot *slot = g_ptr_array_index (self->slots, i);

      if (slot->successor != NULL || (slot->recycle_wanted && slot->state == SLOT_READY))
        return;
    }
  self->reloading = FALSE;
  g_info ("Reload done: every worker process was replaced");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RELOADING]);
}

/* Main context: runs @job (reference transferred) on a free worker thread, or queues it. */
static void
process_submit (SeldonWorker *self,
                WorkerJob    *job)
{
  WorkerSlot *slot;

  if (job->completed || g_cancellable_is_cancelled (job->cancellable))
    {
      worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_UNAVAILABLE, "The call was cancelled"));
      worker_job_unref (job);
      return;
    }

  if (g_queue_is_empty (&self->queue) && (slot = pick_slot (self)) != NULL)
    {
      if (job_drop_if_stale (self, job))
        return;
      if (slot_send_call (slot, job))
        process_pump (self);
      return;
    }

  if (self->max_queued > 0 && self->queue.length >= (guint) self->max_queued)
    {
      worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_UNAVAILABLE,
                                                       "Too many calls are waiting for the model"));
      worker_job_unref (job);
      return;
    }

  job->queued = TRUE;
  g_queue_push_tail (&self->queue, job);
}

/* Main context: @job's caller gave up (or its deadline passed). */
static gboolean
process_job_cancelled_idle (gpointer user_data)
{
  WorkerJob *job = user_data;
  SeldonWorker *self = job->worker;

  if (job->queued)
    {
      job->queued = FALSE;
      g_queue_remove (&self->queue, job);
      worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_UNAVAILABLE, "The call was cancelled"));
      worker_job_unref (job);   /* the queue's reference */
    }
  else if (job->slot != NULL && !job->cancel_sent)
    {
      job->cancel_sent = TRUE;
      slot_write (job->slot, seldon_frame_out_new_cancel (job->call_id));
    }
  return G_SOURCE_REMOVE;
}

/* Any thread. */
static void
process_job_cancelled_cb (GCancellable *cancellable,
                          gpointer      user_data)
{
  WorkerJob *job = user_data;

  attach_idle (job->worker->context, G_PRIORITY_DEFAULT_IDLE, "[seldon] call cancelled",
               process_job_cancelled_idle, worker_job_ref (job), (GDestroyNotify) worker_job_unref);
}

static void
process_start (SeldonWorker *self,
               GTask        *task)
{
  self->start_task = g_object_ref (task);
  self->n_started = 0;
  for (guint i = 0; i < self->slots->len && self->start_task != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      WorkerSlot *slot = g_ptr_array_index (self->slots, i);

      if (!slot_spawn (slot, &error))
        start_fail (self, g_error_new (SELDON_ERROR, SELDON_ERROR_LOAD_FAILED,
                                       "Cannot start worker %u (%s): %s", i, self->argv[0],
                                       error->message));
    }
}

static gboolean
process_start_cancelled_idle (gpointer user_data)
{
  SeldonWorker *self = user_data;

  if (self->start_task != NULL)
    start_fail (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The start was cancelled"));
  return G_SOURCE_REMOVE;
}

static void
process_start_cancelled_cb (GCancellable *cancellable,
                            gpointer      user_data)
{
  SeldonWorker *self = user_data;

  attach_idle (self->context, G_PRIORITY_DEFAULT_IDLE, "[seldon] start cancelled", process_start_cancelled_idle,
               g_object_ref (self), g_object_unref);
}

/* ---------------------------------------------------------------------------------------- */
/* Shutdown                                                                                 */
/* ---------------------------------------------------------------------------------------- */

static void
finish_shutdown (SeldonWorker *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->shutdown_task);

  destroy_source (&self->shutdown_timeout);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

/* Main context: while shutting down, closes the channels of idle processes once no call waits,
 * and finishes when every call and every process is done. */
static void
check_shutdown (SeldonWorker *self)
{
  gboolean done = TRUE;

  if (self->shutdown_task == NULL)
    return;

  if (is_process_mode (self))
    {
      for (guint i = 0; i < self->all_slots->len; i++)
        {
          WorkerSlot *slot = g_ptr_array_index (self->all_slots, i);

          if (g_queue_is_empty (&self->queue) && g_hash_table_size (slot->inflight) == 0)
            {
              destroy_source (&slot->respawn_source);
              if (slot->state == SLOT_READY)
                {
                  /* End of stream: the process answers what it has and exits 0. */
                  slot->state = SLOT_CLOSING;
                  slot_close_fd (slot);
                }
              else if (slot->state == SLOT_LOADING)
                slot_kill (slot);
            }
          if (slot->process != NULL || g_hash_table_size (slot->inflight) > 0)
            done = FALSE;
        }
      if (!g_queue_is_empty (&self->queue))
        done = FALSE;
    }

  if (self->n_outstanding > 0)
    done = FALSE;

  if (done)
    finish_shutdown (self);
}

/* Main context: the graceful shutdown is over; whatever still runs is stopped now. */
static void
shutdown_now (SeldonWorker *self)
{
  if (self->shutdown_task == NULL)
    return;
  if (is_process_mode (self))
    {
      fail_queue (self, "The worker is shutting down");
      for (guint i = 0; i < self->all_slots->len; i++)
        {
          WorkerSlot *slot = g_ptr_array_index (self->all_slots, i);

          slot_fail_inflight (slot, "The worker is shutting down");
          slot_kill (slot);
        }
    }
  finish_shutdown (self);
}

static gboolean
shutdown_timeout_cb (gpointer user_data)
{
  SeldonWorker *self = user_data;

  g_clear_pointer (&self->shutdown_timeout, g_source_unref);
  shutdown_now (self);
  return G_SOURCE_REMOVE;
}

static gboolean
shutdown_cancelled_idle (gpointer user_data)
{
  shutdown_now (user_data);
  return G_SOURCE_REMOVE;
}

/* Any thread. */
static void
shutdown_cancelled_cb (GCancellable *cancellable,
                       gpointer      user_data)
{
  SeldonWorker *self = user_data;

  attach_idle (self->context, G_PRIORITY_DEFAULT_IDLE, "[seldon] worker shutdown cancelled",
               shutdown_cancelled_idle, g_object_ref (self), g_object_unref);
}

/* ---------------------------------------------------------------------------------------- */
/* GObject                                                                                  */
/* ---------------------------------------------------------------------------------------- */

static void
seldon_worker_constructed (GObject *object)
{
  SeldonWorker *self = SELDON_WORKER (object);
  g_autoptr(GError) error = NULL;
  gboolean pretty = FALSE, sort_keys = TRUE, ascii = TRUE;
  SeldonComponentFlags flags;
  int threads, workers = 1, grpc_workers = 0;

  G_OBJECT_CLASS (seldon_worker_parent_class)->constructed (object);

  g_assert (self->component != NULL || self->argv != NULL);
  if (self->config == NULL)
    self->config = seldon_config_new ();

  self->context = g_main_context_ref_thread_default ();

  g_object_get (self->config,
                "json-pretty", &pretty,
                "json-sort-keys", &sort_keys,
                "json-ascii", &ascii,
                "max-queued", &self->max_queued,
                "graceful-timeout", &self->graceful_timeout,
                "workers", &workers,
                "grpc-workers", &grpc_workers,
                "max-requests", &self->max_requests,
                "max-requests-jitter", &self->max_requests_jitter,
                NULL);
  self->write_flags = (pretty ? SELDON_JSON_WRITE_PRETTY : 0) |
                      (sort_keys ? SELDON_JSON_WRITE_SORT_KEYS : 0) |
                      (ascii ? SELDON_JSON_WRITE_ASCII : 0);

  threads = seldon_worker_get_pool_threads (self->config);

  if (is_process_mode (self))
    {
      /* decisions.md D2: max(--workers, --grpc-workers) processes, each serving both
       * protocols; --grpc-workers 0 only turns gRPC off. */
      self->n_processes = (guint) MAX (1, MAX (workers, grpc_workers));
      self->n_threads = (guint) MAX (threads, 1);
      self->inline_max = SELDON_CHANNEL_DEFAULT_INLINE;
      self->slots = g_ptr_array_new ();
      self->all_slots = g_ptr_array_new_with_free_func ((GDestroyNotify) slot_free);
      for (guint i = 0; i < self->n_processes; i++)
        {
          WorkerSlot *slot = slot_new (self, i);

          g_ptr_array_add (self->slots, slot);
          g_ptr_array_add (self->all_slots, slot);
        }
      return;
    }

  flags = seldon_component_get_flags (self->component);
  if (flags & (SELDON_COMPONENT_FLAGS_NOT_THREAD_SAFE | SELDON_COMPONENT_FLAGS_MAIN_CONTEXT))
    threads = 1;
  self->n_threads = MAX (threads, 1);

  self->engine = seldon_engine_new (self->component, self->config);

  if (flags & SELDON_COMPONENT_FLAGS_MAIN_CONTEXT)
    {
      /* No threads: every call runs in an idle of this context, one at a time. */
      self->main_context = TRUE;
      return;
    }

  if (flags & SELDON_COMPONENT_FLAGS_GLOBAL_LOCK)
    self->run_short_us = self->run_rescue_us = RUN_GLOBAL_LOCK_US;
  else
    {
      self->run_short_us = RUN_SHORT_US;
      self->run_rescue_us = RUN_RESCUE_US;
    }

  /* Exclusive: the threads are created now and serve only this worker, so a not-thread-safe
   * component (one thread) is always called from the thread that ran its load(). */
  if (!run_start_threads (self, &error))
    {
      /* Every call is then answered 503 and start fails. */
      g_critical ("Could not create the worker threads: %s", error->message);
      self->failed = TRUE;
    }
}

static void
seldon_worker_dispose (GObject *object)
{
  SeldonWorker *self = SELDON_WORKER (object);
  WorkerJob *job;

  /* Calls still queued are answered 503 by the threads instead of running, and at once: no
   * main-loop iteration may come to wake a thread for them. */
  g_atomic_int_set (&self->stopping, TRUE);
  g_atomic_int_set (&self->aborting, TRUE);
  if (self->run_threads != NULL)
    {
      g_mutex_lock (&self->run_lock);
      while (run_can_wake_locked (self))
        run_wake_one_locked (self);
      g_mutex_unlock (&self->run_lock);
    }

  while ((job = g_queue_pop_head (&self->waiting)) != NULL)
    {
      worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_UNAVAILABLE,
                                                       "The worker is shutting down"));
      worker_job_unref (job);
    }

  if (self->slots != NULL)
    {
      if (self->start_task != NULL)
        start_fail (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                               "The worker was disposed"));
      fail_queue (self, "The worker is shutting down");
      for (guint i = 0; i < self->all_slots->len; i++)
        {
          WorkerSlot *slot = g_ptr_array_index (self->all_slots, i);

          slot_fail_inflight (slot, "The worker is shutting down");
          /* A serving process exits at the end of its channel; one still loading is killed. */
          if (slot->state != SLOT_READY && slot->process != NULL)
            g_subprocess_force_exit (slot->process);
          slot_close_fd (slot);
          destroy_source (&slot->respawn_source);
          destroy_source (&slot->kill_source);
          if (slot->wait_cancellable != NULL)
            g_cancellable_cancel (slot->wait_cancellable);
          slot->state = SLOT_DOWN;
        }
    }

  if (self->shutdown_task != NULL)
    finish_shutdown (self);

  G_OBJECT_CLASS (seldon_worker_parent_class)->dispose (object);
}

static void
seldon_worker_finalize (GObject *object)
{
  SeldonWorker *self = SELDON_WORKER (object);

  /* Every job holds a reference on the worker, so the threads are idle by now. */
  run_stop_threads (self);
  g_mutex_clear (&self->run_lock);
  g_cond_clear (&self->run_cond);
  g_clear_pointer (&self->slots, g_ptr_array_unref);
  g_clear_pointer (&self->all_slots, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->engine, seldon_engine_free);
  g_clear_pointer (&self->argv, g_strfreev);
  g_clear_pointer (&self->envp, g_strfreev);
  g_clear_object (&self->component);
  g_clear_object (&self->config);

  G_OBJECT_CLASS (seldon_worker_parent_class)->finalize (object);
}

static void
seldon_worker_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SeldonWorker *self = SELDON_WORKER (object);

  switch (prop_id)
    {
    case PROP_COMPONENT:
      g_value_set_object (value, self->component);
      break;
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    case PROP_N_THREADS:
      g_value_set_uint (value, self->n_threads);
      break;
    case PROP_READY:
      g_value_set_boolean (value, self->ready);
      break;
    case PROP_ARGV:
      g_value_set_boxed (value, self->argv);
      break;
    case PROP_ENVIRON:
      g_value_set_boxed (value, self->envp);
      break;
    case PROP_N_PROCESSES:
      g_value_set_uint (value, self->n_processes);
      break;
    case PROP_RELOADING:
      g_value_set_boolean (value, self->reloading);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
seldon_worker_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SeldonWorker *self = SELDON_WORKER (object);

  switch (prop_id)
    {
    case PROP_COMPONENT:
      self->component = g_value_dup_object (value);
      break;
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;
    case PROP_ARGV:
      {
        char **argv = g_value_get_boxed (value);

        g_clear_pointer (&self->argv, g_strfreev);
        self->argv = argv != NULL && argv[0] != NULL ? g_strdupv (argv) : NULL;
      }
      break;
    case PROP_ENVIRON:
      g_clear_pointer (&self->envp, g_strfreev);
      self->envp = g_value_dup_boxed (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
seldon_worker_class_init (SeldonWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = seldon_worker_constructed;
  object_class->dispose = seldon_worker_dispose;
  object_class->finalize = seldon_worker_finalize;
  object_class->get_property = seldon_worker_get_property;
  object_class->set_property = seldon_worker_set_property;

  /**
   * SeldonWorker:component:
   *
   * The component this worker serves in-process; %NULL for a worker running worker
   * processes, which build the component themselves.
   *
   * Since: 1.0
   */
  properties[PROP_COMPONENT] =
    g_param_spec_object ("component", NULL, NULL,
                         SELDON_TYPE_COMPONENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SeldonWorker:config:
   *
   * The settings: threads, single-threaded, workers, grpc-workers, JSON output flags,
   * max-queued, graceful-timeout and everything the engine reads. Read once, when the worker
   * is created (worker processes get a copy of every setting). A default
   * [class@Seldon.Config] is used when none is given.
   *
   * Since: 1.0
   */
  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL,
                         SELDON_TYPE_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SeldonWorker:argv:
   *
   * The command that starts one worker process, to which `--fd N` is appended (see
   * [class@Seldon.WorkerHost]); %NULL for an in-process worker.
   *
   * Since: 1.0
   */
  properties[PROP_ARGV] =
    g_param_spec_boxed ("argv", NULL, NULL,
                        G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SeldonWorker:environ:
   *
   * The environment of the worker processes, or %NULL to pass this process's environment on.
   *
   * Since: 1.0
   */
  properties[PROP_ENVIRON] =
    g_param_spec_boxed ("environ", NULL, NULL,
                        G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SeldonWorker:n-threads:
   *
   * How many calls one worker (the in-process worker, or each worker process) runs at once:
   * the size of its thread pool. For worker processes this is
   * [property@Seldon.Config:threads] until they started, then what they run at once (1 for a
   * component that is not thread-safe or runs on the main context).
   *
   * Since: 1.0
   */
  properties[PROP_N_THREADS] =
    g_param_spec_uint ("n-threads", NULL, NULL,
                       1, G_MAXUINT, 1,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SeldonWorker:n-processes:
   *
   * How many worker processes the worker runs: `max(workers, grpc-workers)` of its
   * [property@Seldon.Worker:config]; 0 for an in-process worker.
   *
   * Since: 1.0
   */
  properties[PROP_N_PROCESSES] =
    g_param_spec_uint ("n-processes", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SeldonWorker:ready:
   *
   * Whether the component was loaded (by every worker process), so calls run as soon as they
   * arrive. Becomes %TRUE (and is notified, in the context that called
   * [method@Seldon.Worker.start_async]) just before the start completes successfully, and
   * stays %TRUE while a crashed worker process is respawned.
   *
   * Since: 1.0
   */
  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SeldonWorker:reloading:
   *
   * Whether a reload ([method@Seldon.Worker.reload]) is in progress: %TRUE from the call
   * until every worker process was replaced (or its replacement failed). Notified in the
   * context that created the worker.
   *
   * Since: 1.0
   */
  properties[PROP_RELOADING] =
    g_param_spec_boolean ("reloading", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
seldon_worker_init (SeldonWorker *self)
{
  g_queue_init (&self->waiting);
  g_queue_init (&self->queue);
  g_mutex_init (&self->run_lock);
  g_cond_init (&self->run_cond);
  g_queue_init (&self->run_queue);
  g_queue_init (&self->run_done);
}

/**
 * seldon_worker_new:
 * @component: the component to serve
 * @config: (nullable): the settings, or %NULL for the defaults
 *
 * Creates an in-process worker for @component. Nothing runs until
 * [method@Seldon.Worker.start_async].
 *
 * Returns: (transfer full): a new worker
 *
 * Since: 1.0
 */
SeldonWorker *
seldon_worker_new (SeldonComponent *component,
                   SeldonConfig    *config)
{
  g_return_val_if_fail (SELDON_IS_COMPONENT (component), NULL);
  g_return_val_if_fail (config == NULL || SELDON_IS_CONFIG (config), NULL);

  return g_object_new (SELDON_TYPE_WORKER,
                       "component", component,
                       "config", config,
                       NULL);
}

/**
 * seldon_worker_new_for_command:
 * @config: (nullable): the settings, or %NULL for the defaults
 * @argv: (array zero-terminated=1) (element-type filename): the command that runs one worker
 *   process; `--fd N` is appended
 * @envp: (array zero-terminated=1) (element-type filename) (nullable): the environment of
 *   the worker processes, or %NULL for this process's environment
 *
 * Creates a worker that runs the component in `max(workers, grpc-workers)` worker processes
 * (see [property@Seldon.Config:workers]). Each is started with @argv and `--fd N`, where N
 * is its end of the channel to the front, and is expected to serve it with a
 * [class@Seldon.WorkerHost]. Create the worker in the thread that runs the main loop: the
 * processes are supervised in its thread-default main context. Nothing is started until
 * [method@Seldon.Worker.start_async].
 *
 * Returns: (transfer full): a new worker
 *
 * Since: 1.0
 */
SeldonWorker *
seldon_worker_new_for_command (SeldonConfig       *config,
                               const char * const *argv,
                               const char * const *envp)
{
  g_return_val_if_fail (config == NULL || SELDON_IS_CONFIG (config), NULL);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  return g_object_new (SELDON_TYPE_WORKER,
                       "config", config,
                       "argv", argv,
                       "environ", envp,
                       NULL);
}

/**
 * seldon_worker_get_component:
 * @self: a [class@Seldon.Worker]
 *
 * Gets the component an in-process worker serves.
 *
 * Returns: (transfer none) (nullable): the component, or %NULL for a worker running worker
 *   processes
 *
 * Since: 1.0
 */
SeldonComponent *
seldon_worker_get_component (SeldonWorker *self)
{
  g_return_val_if_fail (SELDON_IS_WORKER (self), NULL);

  return self->component;
}

/**
 * seldon_worker_get_n_threads:
 * @self: a [class@Seldon.Worker]
 *
 * Gets [property@Seldon.Worker:n-threads].
 *
 * Returns: how many calls one worker runs at once
 *
 * Since: 1.0
 */
guint
seldon_worker_get_n_threads (SeldonWorker *self)
{
  g_return_val_if_fail (SELDON_IS_WORKER (self), 1);

  return self->n_threads;
}

/**
 * seldon_worker_get_n_processes:
 * @self: a [class@Seldon.Worker]
 *
 * Gets [property@Seldon.Worker:n-processes].
 *
 * Returns: how many worker processes the worker runs, 0 for an in-process worker
 *
 * Since: 1.0
 */
guint
seldon_worker_get_n_processes (SeldonWorker *self)
{
  g_return_val_if_fail (SELDON_IS_WORKER (self), 0);

  return self->n_processes;
}

/**
 * seldon_worker_is_ready:
 * @self: a [class@Seldon.Worker]
 *
 * Gets [property@Seldon.Worker:ready].
 *
 * Returns: %TRUE once the component is loaded
 *
 * Since: 1.0
 */
gboolean
seldon_worker_is_ready (SeldonWorker *self)
{
  g_return_val_if_fail (SELDON_IS_WORKER (self), FALSE);

  return self->ready;
}

/**
 * seldon_worker_start_async:
 * @self: a [class@Seldon.Worker]
 * @cancellable: (nullable): a #GCancellable, handed to the component's `load()`
 * @callback: (scope async): called when the component is loaded, or failed to load
 * @user_data: data for @callback
 *
 * In-process: computes the component's metadata and calls its `load()`, both on one of the
 * worker's threads. With worker processes: spawns every process and waits until each one
 * loaded its component. Calls made meanwhile wait. Call this once.
 *
 * Cancelling @cancellable ends the start at once with %G_IO_ERROR_CANCELLED, even if `load()`
 * goes on (it sees the cancellable; worker processes are killed); the worker then answers
 * every call with status 503.
 *
 * Since: 1.0
 */
void
seldon_worker_start_async (SeldonWorker        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  WorkerJob *job;

  g_return_if_fail (SELDON_IS_WORKER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, seldon_worker_start_async);
  /* The result says what happened to the load, even if cancelled late. */
  g_task_set_check_cancellable (task, FALSE);

  if (self->started)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "The worker was already started");
      return;
    }
  if (self->run_threads == NULL && !self->main_context && !is_process_mode (self))
    {
      g_task_return_new_error (task, SELDON_ERROR, SELDON_ERROR_LOAD_FAILED,
                               "The worker has no threads");
      return;
    }
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The start was cancelled");
      return;
    }
  self->started = TRUE;

  if (is_process_mode (self))
    {
      if (cancellable != NULL)
        g_signal_connect_object (cancellable, "cancelled", G_CALLBACK (process_start_cancelled_cb),
                                 self, 0);
      process_start (self, task);
      return;
    }

  job = worker_job_new (self, JOB_LOAD, task);
  job->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      job->caller_cancellable = g_object_ref (cancellable);
      job->caller_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (start_cancelled_cb),
                                                     job, NULL);
    }
  if (!dispatch_job (self, job, &error))
    {
      g_clear_object (&job->task);
      worker_job_unref (job);
      self->failed = TRUE;
      g_task_return_new_error (task, SELDON_ERROR, SELDON_ERROR_LOAD_FAILED,
                               "%s", error->message);
    }
}

/**
 * seldon_worker_start_finish:
 * @self: a [class@Seldon.Worker]
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Seldon.Worker.start_async]. A failing `load()` gives
 * %SELDON_ERROR_LOAD_FAILED with the component's message, as does a worker process that
 * exited before it was ready. A worker process that could not build its component and asked
 * to exit with a status of its own (see [method@Seldon.WorkerHost.report_failure]) gives
 * that status as the code of a %G_SPAWN_EXIT_ERROR error.
 *
 * Returns: %TRUE if the worker is ready
 *
 * Since: 1.0
 */
gboolean
seldon_worker_start_finish (SeldonWorker  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (SELDON_IS_WORKER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == seldon_worker_start_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * seldon_worker_shutdown_async:
 * @self: a [class@Seldon.Worker]
 * @cancellable: (nullable): cancel to stop waiting at once
 * @callback: (scope async): called when the worker stopped
 * @user_data: data for @callback
 *
 * Stops gracefully: new calls are answered with status 503, the calls already made run to
 * their end, then the worker processes are told to exit. After
 * [property@Seldon.Config:graceful-timeout] seconds the remaining calls fail and the
 * processes are killed. Call it after the front stopped taking requests
 * ([method@Seldon.Server.shutdown_async]).
 *
 * Since: 1.0
 */
void
seldon_worker_shutdown_async (SeldonWorker        *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  WorkerJob *job;

  g_return_if_fail (SELDON_IS_WORKER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, seldon_worker_shutdown_async);
  g_task_set_check_cancellable (task, FALSE);

  if (self->shutdown_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "The worker is already shutting down");
      return;
    }

  self->shutdown_task = g_steal_pointer (&task);
  g_atomic_int_set (&self->stopping, TRUE);

  /* Calls still waiting for the load will not run. */
  while ((job = g_queue_pop_head (&self->waiting)) != NULL)
    {
      worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_UNAVAILABLE,
                                                       "The worker is shutting down"));
      worker_job_unref (job);
    }
  if (self->start_task != NULL)
    start_fail (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                           "The worker is shutting down"));

  self->shutdown_timeout = g_timeout_source_new_seconds ((guint) MAX (self->graceful_timeout, 0));
  g_source_set_static_name (self->shutdown_timeout, "[seldon] worker graceful shutdown");
  g_source_set_callback (self->shutdown_timeout, shutdown_timeout_cb, self, NULL);
  g_source_attach (self->shutdown_timeout, g_task_get_context (self->shutdown_task));
  if (cancellable != NULL)
    {
      g_signal_connect_object (cancellable, "cancelled", G_CALLBACK (shutdown_cancelled_cb), self, 0);
      /* Already cancelled: no "cancelled" signal comes; stop at once all the same. */
      if (g_cancellable_is_cancelled (cancellable))
        shutdown_cancelled_cb (cancellable, self);
    }

  check_shutdown (self);
}

/**
 * seldon_worker_shutdown_finish:
 * @self: a [class@Seldon.Worker]
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Seldon.Worker.shutdown_async].
 *
 * Returns: %TRUE when the worker stopped
 *
 * Since: 1.0
 */
gboolean
seldon_worker_shutdown_finish (SeldonWorker  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (SELDON_IS_WORKER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == seldon_worker_shutdown_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/*
 * seldon_worker_call_async:
 *
 * Runs @call (owned) on a worker thread; the reply arrives in the caller's thread-default main
 * context. If @call has a deadline, the caller gets a 504 reply at the deadline even when the
 * component is still running (its late result is dropped, and the engine's cancellable is
 * cancelled). Cancelling @cancellable makes a call that has not started yet answer 503, and
 * is passed on to the engine otherwise.
 */
void
seldon_worker_call_async (SeldonWorker        *self,
                          SeldonCall          *call,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  WorkerJob *job;

  g_return_if_fail (SELDON_IS_WORKER (self));
  g_return_if_fail (call != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, seldon_worker_call_async);
  /* The answer is always a reply, even when cancelled. */
  g_task_set_check_cancellable (task, FALSE);

  job = worker_job_new (self, JOB_CALL, task);
  job->call = call;
  if (is_process_mode (self))
    {
      /* The component runs in another process: @cancellable only has to trigger a CANCEL. */
      if (cancellable != NULL)
        {
          job->cancellable = g_object_ref (cancellable);
          job->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (process_job_cancelled_cb),
                                                  job, NULL);
        }
    }
  else if (cancellable != NULL && call->deadline == 0)
    job->cancellable = g_object_ref (cancellable);
  else
    {
      job->cancellable = g_cancellable_new ();
      if (cancellable != NULL)
        {
          job->caller_cancellable = g_object_ref (cancellable);
          job->caller_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                                         job->cancellable, NULL);
        }
    }

  if (call->deadline != 0)
    {
      gint64 remaining = call->deadline - g_get_monotonic_time ();
      guint ms = remaining <= 0 ? 0 : (guint) MIN ((remaining + 999) / 1000, (gint64) G_MAXUINT);

      job->deadline_source = g_timeout_source_new (ms);
      g_source_set_static_name (job->deadline_source, "[seldon] call deadline");
      g_source_set_callback (job->deadline_source, deadline_cb, worker_job_ref (job),
                             (GDestroyNotify) worker_job_unref);
      g_source_attach (job->deadline_source, job->context);
    }

  if (!self->ready && !self->failed && !g_atomic_int_get (&self->stopping))
    {
      if (self->max_queued > 0 && self->waiting.length >= (guint) self->max_queued)
        {
          worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_UNAVAILABLE,
                                                           "Too many calls are waiting for the model"));
          worker_job_unref (job);
          return;
        }
      g_queue_push_tail (&self->waiting, job);
      return;
    }

  push_call (self, job);
}

void
seldon_worker_set_inline_max (SeldonWorker *self,
                              gsize         inline_max)
{
  g_return_if_fail (SELDON_IS_WORKER (self));

  self->inline_max = seldon_channel_clamp_inline (inline_max);
}

/**
 * seldon_worker_reload:
 * @self: a [class@Seldon.Worker]
 *
 * Restarts every worker process, one after another, without failing a call (what SIGHUP
 * does to `seldon-microservice`): for each slot a new process is started and loads the
 * component; once it is ready it takes the slot's new calls, and the old process finishes
 * the calls it has and exits. The slot number, and so its metrics series, stay the same.
 * [property@Seldon.Worker:reloading] is %TRUE until every process was replaced. A
 * replacement that fails to load leaves the old process serving.
 *
 * An in-process worker has no process to restart: it does nothing.
 *
 * Returns: %TRUE if a reload started (or one was already in progress)
 *
 * Since: 1.0
 */
gboolean
seldon_worker_reload (SeldonWorker *self)
{
  g_return_val_if_fail (SELDON_IS_WORKER (self), FALSE);

  if (!is_process_mode (self) || !self->ready || self->failed || g_atomic_int_get (&self->stopping))
    return FALSE;

  for (guint i = 0; i < self->slots->len; i++)
    {
      WorkerSlot *slot = g_ptr_array_index (self->slots, i);

      /* A replacement loading now (max-requests) already loads the component afresh. */
      if (slot->successor == NULL)
        slot->recycle_wanted = TRUE;
    }
  if (!self->reloading)
    {
      self->reloading = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RELOADING]);
    }
  recycle_next (self);
  reload_check_done (self);
  return TRUE;
}

/**
 * seldon_worker_is_reloading:
 * @self: a [class@Seldon.Worker]
 *
 * Gets [property@Seldon.Worker:reloading].
 *
 * Returns: %TRUE while a reload is in progress
 *
 * Since: 1.0
 */
gboolean
seldon_worker_is_reloading (SeldonWorker *self)
{
  g_return_val_if_fail (SELDON_IS_WORKER (self), FALSE);

  return self->reloading;
}

/**
 * seldon_worker_get_n_ready:
 * @self: a [class@Seldon.Worker]
 *
 * Counts the worker processes that serve calls now (loaded, not exiting). An in-process
 * worker counts as one once it is ready.
 *
 * Returns: the number of serving worker processes
 *
 * Since: 1.0
 */
guint
seldon_worker_get_n_ready (SeldonWorker *self)
{
  guint n = 0;

  g_return_val_if_fail (SELDON_IS_WORKER (self), 0);

  if (!is_process_mode (self))
    return self->ready && !self->failed ? 1 : 0;
  for (guint i = 0; i < self->slots->len; i++)
    if (((WorkerSlot *) g_ptr_array_index (self->slots, i))->state == SLOT_READY)
      n++;
  return n;
}

/**
 * seldon_worker_get_n_recycled:
 * @self: a [class@Seldon.Worker]
 *
 * Counts the worker processes that were replaced by a new one after
 * [property@Seldon.Config:max-requests] calls or by [method@Seldon.Worker.reload].
 *
 * Returns: the number of replaced worker processes
 *
 * Since: 1.0
 */
guint
seldon_worker_get_n_recycled (SeldonWorker *self)
{
  g_return_val_if_fail (SELDON_IS_WORKER (self), 0);

  return self->n_recycled;
}

/* The pool as the metrics see it (main context only): one entry per slot, an in-process
 * worker being slot 0 with pid 0. */
GArray *
seldon_worker_get_slot_info (SeldonWorker *self)
{
  GArray *info;

  g_return_val_if_fail (SELDON_IS_WORKER (self), NULL);

  info = g_array_new (FALSE, TRUE, sizeof (SeldonWorkerSlotInfo));
  if (self->slots == NULL)
    {
      SeldonWorkerSlotInfo entry = { 0, 0, self->ready, 0 };

      g_array_append_val (info, entry);
      return info;
    }
  for (guint i = 0; i < self->slots->len; i++)
    {
      WorkerSlot *slot = g_ptr_array_index (self->slots, i);
      SeldonWorkerSlotInfo entry = {
        slot->index,
        slot->process != NULL ? slot->pid : 0,
        slot->state == SLOT_READY,
        slot->n_spawned > 1 ? slot->n_spawned - 1 : 0,
      };

      g_array_append_val (info, entry);
    }
  return info;
}

SeldonReply *
seldon_worker_call_finish (SeldonWorker *self,
                           GAsyncResult *result)
{
  g_return_val_if_fail (SELDON_IS_WORKER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == seldon_worker_call_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), NULL);
}
