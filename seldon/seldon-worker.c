/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "seldon-engine-private.h"
#include "seldon-error.h"
#include "seldon-worker-private.h"

/**
 * SeldonWorker:
 *
 * Runs a [iface@Seldon.Component] for the front ([class@Seldon.Server]).
 *
 * A worker owns the component's engine (the Seldon semantics: decoding requests, calling the
 * component, building answers) and a private pool of threads. Model code never runs on the
 * thread that owns the worker: [method@Seldon.Worker.start_async] computes the metadata and
 * calls the component's `load()` on a pool thread, and every call runs on a pool thread too,
 * completing in the caller's thread-default main context.
 *
 * The pool has [property@Seldon.Config:threads] threads (one with
 * [property@Seldon.Config:single-threaded]). A component whose flags include
 * %SELDON_COMPONENT_FLAGS_NOT_THREAD_SAFE always gets a single thread, so it is only ever
 * called from the thread that loaded it.
 *
 * Calls that arrive before the worker is ready wait until `load()` returned. A call whose
 * deadline passes before it ends is answered with status 504; a call the worker cannot run
 * (it is being disposed, its load failed, or too many calls are waiting, see
 * [property@Seldon.Config:max-queued]) is answered with status 503. Failures are always
 * answers, never errors.
 *
 * Since: 1.0
 */

struct _SeldonWorker
{
  GObject          parent_instance;

  SeldonComponent *component;
  SeldonConfig    *config;
  SeldonEngine    *engine;
  SeldonJsonWriteFlags write_flags;

  GThreadPool     *pool;
  guint            n_threads;
  int              max_queued;

  /* Main-context state. */
  gboolean         started;
  gboolean         ready;
  gboolean         failed;
  GQueue           waiting;      /* WorkerJob*: calls made before the worker was ready */

  /* Shared with the pool threads. */
  int              stopping;     /* atomic */
  int              n_queued;     /* atomic: calls pushed to the pool, not yet started */
};

enum
{
  PROP_0,
  PROP_COMPONENT,
  PROP_CONFIG,
  PROP_N_THREADS,
  PROP_READY,
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
 * One unit of work. Reference counted because up to three parties hold it: the pool (until the
 * thread hands its result to the caller's context), the deadline timer and the completion
 * idle. Every last unref happens in the caller's main context: a pool thread never drops the
 * last reference, so the worker (which the job keeps alive) is never finalized on one of its
 * own threads.
 */
typedef struct
{
  gatomicrefcount  ref_count;
  JobKind          kind;
  SeldonWorker    *worker;        /* strong */
  GTask           *task;          /* until completed (main context) */
  GMainContext    *context;       /* the caller's context */
  SeldonCall      *call;          /* JOB_CALL */
  GCancellable    *cancellable;   /* internal; cancelled by the caller's or at the deadline */
  GCancellable    *caller_cancellable;
  gulong           caller_cancel_id;
  GSource         *deadline_source;
  gboolean         completed;     /* main context only */

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
  if (job->deadline_source != NULL)
    {
      g_source_destroy (job->deadline_source);
      g_clear_pointer (&job->deadline_source, g_source_unref);
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
  job->cancellable = g_cancellable_new ();
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

static gboolean
deadline_cb (gpointer user_data)
{
  WorkerJob *job = user_data;

  g_clear_pointer (&job->deadline_source, g_source_unref);
  if (!job->completed)
    {
      /* The call keeps its thread until it returns (the engine sees the cancellable), but the
       * caller gets its answer now; the late result is dropped. */
      g_cancellable_cancel (job->cancellable);
      worker_job_complete_call (job, make_error_reply (job->worker, SELDON_ERROR_TIMEOUT,
                                                       "Timeout: the call did not finish before its deadline"));
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

static void load_done (WorkerJob *job);
static void flush_waiting (SeldonWorker *self);

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

/* Any thread. */
static void
start_cancelled_cb (GCancellable *caller_cancellable,
                    gpointer      user_data)
{
  WorkerJob *job = user_data;
  GSource *idle = g_idle_source_new ();

  g_cancellable_cancel (job->cancellable);
  g_source_set_static_name (idle, "[seldon] start cancelled");
  g_source_set_callback (idle, start_cancelled_idle, worker_job_ref (job), (GDestroyNotify) worker_job_unref);
  g_source_attach (idle, job->context);
  g_source_unref (idle);
}

/* Main context: the pool thread finished @job. */
static gboolean
job_done_cb (gpointer user_data)
{
  WorkerJob *job = user_data;

  if (job->kind == JOB_LOAD)
    load_done (job);
  else
    worker_job_complete_call (job, g_steal_pointer (&job->reply));
  return G_SOURCE_REMOVE;
}

/* Pool thread: hands the job (and the pool's reference) back to the caller's context. Always
 * through a source: g_main_context_invoke() could run the callback right here, on the pool
 * thread, when the caller's context is the default one and nobody owns it at that moment. */
static void
job_hand_back (WorkerJob *job)
{
  GSource *idle = g_idle_source_new ();

  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_static_name (idle, "[seldon] call done");
  g_source_set_callback (idle, job_done_cb, job, (GDestroyNotify) worker_job_unref);
  g_source_attach (idle, job->context);
  g_source_unref (idle);
}

static void
run_load (SeldonWorker *self,
          WorkerJob    *job)
{
  g_autoptr(GError) error = NULL;

  seldon_engine_init_metadata (self->engine);
  if (!seldon_component_load (self->component, job->cancellable, &error))
    {
      /* configuration.md §4.3: a load() that says "not implemented" is not a failure. */
      if (g_error_matches (error, SELDON_ERROR, SELDON_ERROR_NOT_IMPLEMENTED))
        g_clear_error (&error);
      else if (error == NULL)
        error = g_error_new_literal (SELDON_ERROR, SELDON_ERROR_LOAD_FAILED,
                                     "The component's load() failed");
      else if (error->domain != SELDON_ERROR || error->code != SELDON_ERROR_LOAD_FAILED)
        {
          GError *wrapped = g_error_new_literal (SELDON_ERROR, SELDON_ERROR_LOAD_FAILED,
                                                 error->message);

          g_clear_error (&error);
          error = wrapped;
        }
    }
  job->error = g_steal_pointer (&error);
}

static void
run_call (SeldonWorker *self,
          WorkerJob    *job)
{
  if (g_atomic_int_get (&self->stopping))
    job->reply = make_error_reply (self, SELDON_ERROR_UNAVAILABLE,
                                   "The worker is shutting down");
  else if (job->call->deadline != 0 && g_get_monotonic_time () >= job->call->deadline)
    job->reply = make_error_reply (self, SELDON_ERROR_TIMEOUT,
                                   "Timeout: the call waited past its deadline");
  else if (g_cancellable_is_cancelled (job->cancellable))
    job->reply = make_error_reply (self, SELDON_ERROR_UNAVAILABLE, "The call was cancelled");
  else
    job->reply = seldon_engine_invoke (self->engine, job->call, job->cancellable);

  if (job->reply == NULL)
    job->reply = make_error_reply (self, SELDON_ERROR_FAILED, "The call produced no answer");
}

static void
worker_thread (gpointer data,
               gpointer user_data)
{
  WorkerJob *job = data;
  SeldonWorker *self = job->worker;

  if (job->kind == JOB_LOAD)
    run_load (self, job);
  else
    {
      g_atomic_int_add (&self->n_queued, -1);
      run_call (self, job);
    }
  job_hand_back (job);
}

/* Main context: queues @job (whose reference is transferred) on the pool. */
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

  if (self->max_queued > 0 && g_atomic_int_get (&self->n_queued) >= self->max_queued)
    {
      worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_UNAVAILABLE,
                                                       "Too many calls are waiting for the model"));
      worker_job_unref (job);
      return;
    }

  g_atomic_int_inc (&self->n_queued);
  if (!g_thread_pool_push (self->pool, job, &error))
    {
      g_atomic_int_add (&self->n_queued, -1);
      worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_UNAVAILABLE,
                                                       error->message));
      worker_job_unref (job);
    }
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
    }
  else
    {
      self->ready = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
      g_task_return_boolean (task, TRUE);
    }
  flush_waiting (self);
}

/* Calls made while loading: run them now, or answer 503 if the load failed. */
static void
flush_waiting (SeldonWorker *self)
{
  WorkerJob *waiting;

  while ((waiting = g_queue_pop_head (&self->waiting)) != NULL)
    push_call (self, waiting);
}

static void
seldon_worker_constructed (GObject *object)
{
  SeldonWorker *self = SELDON_WORKER (object);
  g_autoptr(GError) error = NULL;
  gboolean pretty = FALSE, sort_keys = TRUE, ascii = TRUE;
  int threads;

  G_OBJECT_CLASS (seldon_worker_parent_class)->constructed (object);

  g_assert (self->component != NULL);
  if (self->config == NULL)
    self->config = seldon_config_new ();

  g_object_get (self->config,
                "json-pretty", &pretty,
                "json-sort-keys", &sort_keys,
                "json-ascii", &ascii,
                "max-queued", &self->max_queued,
                NULL);
  self->write_flags = (pretty ? SELDON_JSON_WRITE_PRETTY : 0) |
                      (sort_keys ? SELDON_JSON_WRITE_SORT_KEYS : 0) |
                      (ascii ? SELDON_JSON_WRITE_ASCII : 0);

  threads = seldon_config_get_effective_threads (self->config);
  if (seldon_component_get_flags (self->component) & SELDON_COMPONENT_FLAGS_NOT_THREAD_SAFE)
    threads = 1;
  self->n_threads = MAX (threads, 1);

  self->engine = seldon_engine_new (self->component, self->config);

  /* Exclusive: the threads are created now and serve only this worker, so a not-thread-safe
   * component (one thread) is always called from the thread that ran its load(). */
  self->pool = g_thread_pool_new (worker_thread, self, (int) self->n_threads, TRUE, &error);
  if (self->pool == NULL)
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

  /* Calls still queued are answered 503 by the threads instead of running. */
  g_atomic_int_set (&self->stopping, TRUE);

  while ((job = g_queue_pop_head (&self->waiting)) != NULL)
    {
      worker_job_complete_call (job, make_error_reply (self, SELDON_ERROR_UNAVAILABLE,
                                                       "The worker is shutting down"));
      worker_job_unref (job);
    }

  G_OBJECT_CLASS (seldon_worker_parent_class)->dispose (object);
}

static void
seldon_worker_finalize (GObject *object)
{
  SeldonWorker *self = SELDON_WORKER (object);

  /* Every job holds a reference on the worker, so the pool is idle by now. */
  if (self->pool != NULL)
    g_thread_pool_free (self->pool, FALSE, TRUE);
  g_clear_pointer (&self->engine, seldon_engine_free);
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
   * The component this worker serves.
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
   * The settings: threads, single-threaded, JSON output flags, max-queued and everything the
   * engine reads. Read once, when the worker is created. A default
   * [class@Seldon.Config] is used when none is given.
   *
   * Since: 1.0
   */
  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL,
                         SELDON_TYPE_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SeldonWorker:n-threads:
   *
   * How many calls the worker runs at once: the size of its thread pool.
   *
   * Since: 1.0
   */
  properties[PROP_N_THREADS] =
    g_param_spec_uint ("n-threads", NULL, NULL,
                       1, G_MAXUINT, 1,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SeldonWorker:ready:
   *
   * Whether the component was loaded, so calls run as soon as they arrive. Becomes %TRUE
   * (and is notified, in the context that called [method@Seldon.Worker.start_async]) just
   * before the start completes successfully.
   *
   * Since: 1.0
   */
  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
seldon_worker_init (SeldonWorker *self)
{
  g_queue_init (&self->waiting);
}

/**
 * seldon_worker_new:
 * @component: the component to serve
 * @config: (nullable): the settings, or %NULL for the defaults
 *
 * Creates a worker for @component. Nothing runs until [method@Seldon.Worker.start_async].
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
 * seldon_worker_get_component:
 * @self: a [class@Seldon.Worker]
 *
 * Gets the component the worker serves.
 *
 * Returns: (transfer none): the component
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
 * Returns: how many calls the worker runs at once
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
 * Computes the component's metadata and calls its `load()`, both on one of the worker's
 * threads. Calls made meanwhile wait. Call this once.
 *
 * Cancelling @cancellable ends the start at once with %G_IO_ERROR_CANCELLED, even if `load()`
 * goes on (it sees the cancellable); the worker then answers every call with status 503.
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
  if (self->pool == NULL)
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

  job = worker_job_new (self, JOB_LOAD, task);
  if (cancellable != NULL)
    {
      job->caller_cancellable = g_object_ref (cancellable);
      job->caller_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (start_cancelled_cb),
                                                     job, NULL);
    }
  if (!g_thread_pool_push (self->pool, job, &error))
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
 * %SELDON_ERROR_LOAD_FAILED with the component's message.
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

/*
 * seldon_worker_call_async:
 *
 * Runs @call (owned) on a pool thread; the reply arrives in the caller's thread-default main
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
  if (cancellable != NULL)
    {
      job->caller_cancellable = g_object_ref (cancellable);
      job->caller_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                                     job->cancellable, NULL);
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
      g_queue_push_tail (&self->waiting, job);
      return;
    }

  push_call (self, job);
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
