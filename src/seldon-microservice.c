/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * seldon-microservice INTERFACE_NAME [OPTION…]
 *
 * Serves a Seldon Core v1 model component over REST, as the Python wrapper's
 * seldon-core-microservice does (installed under that name too). Start-up: configuration
 * (smd-options.c) ⇒ component parameters ⇒ the component module ⇒ SeldonWorker ⇒
 * SeldonServer (its listeners, or the sockets systemd passed) ⇒ pidfile ⇒ the workers load
 * the component ⇒ READY=1 to systemd ⇒ main loop.
 *
 * Signals: SIGTERM and SIGINT stop gracefully (no new connections, the calls in flight
 * finish within graceful-timeout seconds, the worker processes exit, the pidfile is removed,
 * exit status 0); a second one stops at once. SIGHUP replaces every worker process, one
 * after another, without failing a call (the model is loaded afresh).
 */

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <seldon/seldon.h>

#include "smd-component.h"
#include "smd-log.h"
#include "smd-options.h"
#include "smd-parameters.h"
#include "smd-systemd.h"

typedef struct
{
  GMainLoop *loop;
  SeldonConfig *config;
  SeldonWorker *worker;
  SeldonServer *server;
  char *pidfile;
  gboolean pidfile_written;

  gboolean start_done;
  GError *start_error;

  GCancellable *cancellable;  /* cancelled by a second signal, or a signal during start-up */
  gboolean stopping;
  gboolean stopped;
  gboolean server_stopped;
  gboolean worker_shutdown_started;
  gboolean workers_stopped;
  guint grace_id;             /* the graceful timeout: calls still running get 503 */
  guint signal_ids[3];
  guint watchdog_id;
  gulong reloading_id;
} Smd;

static void
smd_clear (Smd *smd)
{
  for (gsize i = 0; i < G_N_ELEMENTS (smd->signal_ids); i++)
    g_clear_handle_id (&smd->signal_ids[i], g_source_remove);
  g_clear_handle_id (&smd->watchdog_id, g_source_remove);
  g_clear_handle_id (&smd->grace_id, g_source_remove);
  if (smd->worker != NULL)
    g_clear_signal_handler (&smd->reloading_id, smd->worker);

  if (smd->pidfile_written)
    {
      if (unlink (smd->pidfile) != 0)
        g_debug ("Cannot remove pidfile %s: %s", smd->pidfile, g_strerror (errno));
      smd->pidfile_written = FALSE;
    }

  g_clear_object (&smd->server);
  g_clear_object (&smd->worker);
  g_clear_object (&smd->cancellable);
  g_clear_object (&smd->config);
  g_clear_pointer (&smd->loop, g_main_loop_unref);
  g_clear_pointer (&smd->pidfile, g_free);
  g_clear_error (&smd->start_error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Smd, smd_clear)

/* Reports @error the way the Python wrapper would and returns the exit status. */
static int
report_error (const GError *error)
{
  if (error->domain == SMD_EXIT_ERROR && error->code == SMD_EXIT_USAGE)
    {
      fprintf (stderr, "%sseldon-microservice: error: %s\n", smd_options_get_usage (), error->message);
      return SMD_EXIT_USAGE;
    }

  SMD_LOG_ERROR ("%s", error->message);

  if (error->domain == SMD_EXIT_ERROR)
    return error->code;

  return SMD_EXIT_FAILURE;
}

static void
apply_log_level (SeldonConfig *config)
{
  g_autofree char *name = NULL;
  SmdLogLevel level = SMD_LOG_LEVEL_INFO;

  g_object_get (config, "log-level", &name, NULL);
  if (smd_log_level_from_name (name, &level))
    smd_log_set_level (level);
}

/* One line for each setting that asks for something this build cannot do yet. */
static void
log_unavailable_features (SeldonConfig *config)
{
  int persistence;

  g_object_get (config, "persistence", &persistence, NULL);

  if (persistence != 0)
    SMD_LOG_ERROR ("Persistence: ignored, persistence is deprecated");
}

static void
worker_started_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Smd *smd = user_data;

  seldon_worker_start_finish (SELDON_WORKER (source), result, &smd->start_error);
  smd->start_done = TRUE;
}

static gboolean
write_pidfile (Smd     *smd,
               GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;

  if (smd->pidfile == NULL || *smd->pidfile == '\0')
    return TRUE;

  contents = g_strdup_printf ("%d\n", (int) getpid ());
  if (!g_file_set_contents (smd->pidfile, contents, -1, &local_error))
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Cannot write pidfile: %s", local_error->message);
      return FALSE;
    }
  smd->pidfile_written = TRUE;

  return TRUE;
}

/* The program stops once the front answered everything (or gave up) and every worker
 * process is gone. */
static void
check_stopped (Smd *smd)
{
  if (!smd->server_stopped || !smd->workers_stopped || smd->stopped)
    return;
  smd->stopped = TRUE;
  g_clear_handle_id (&smd->grace_id, g_source_remove);
  if (smd->loop != NULL)
    g_main_loop_quit (smd->loop);
}

static void
worker_shutdown_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Smd *smd = user_data;
  g_autoptr(GError) error = NULL;

  if (!seldon_worker_shutdown_finish (SELDON_WORKER (source), result, &error))
    g_debug ("Worker shutdown: %s", error->message);
  g_info ("Every worker stopped");
  smd->workers_stopped = TRUE;
  check_stopped (smd);
}

static void
start_worker_shutdown (Smd          *smd,
                       GCancellable *cancellable)
{
  if (smd->worker_shutdown_started)
    return;
  smd->worker_shutdown_started = TRUE;
  seldon_worker_shutdown_async (smd->worker, cancellable, worker_shutdown_cb, smd);
}

static void
shutdown_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Smd *smd = user_data;
  g_autoptr(GError) error = NULL;

  if (!seldon_server_shutdown_finish (SELDON_SERVER (source), result, &error))
    g_debug ("Shutdown: %s", error->message);
  smd->server_stopped = TRUE;
  /* The front is drained: let the workers finish and stop their processes. */
  start_worker_shutdown (smd, smd->cancellable);
  check_stopped (smd);
}

/* The graceful timeout is about to end: the calls still running in worker processes are
 * answered 503 (gRPC UNAVAILABLE) while the front can still send the answers, and the
 * processes are stopped. */
static gboolean
grace_expired_cb (gpointer user_data)
{
  Smd *smd = user_data;
  g_autoptr(GCancellable) now = g_cancellable_new ();

  smd->grace_id = 0;
  if (smd->worker_shutdown_started)
    return G_SOURCE_REMOVE;
  g_warning ("Graceful shutdown: calls still running; they are answered 503 and the workers stopped");
  start_worker_shutdown (smd, now);
  g_cancellable_cancel (now);
  return G_SOURCE_REMOVE;
}

/* Appends @dir to the search path variable @name of @envp. */
static char **
environ_append_path (char       **envp,
                     const char  *name,
                     const char  *dir,
                     gboolean     prepend)
{
  const char *current = g_environ_getenv (envp, name);
  g_autofree char *value = NULL;

  if (dir == NULL || *dir == '\0')
    return envp;
  if (current == NULL || *current == '\0')
    value = g_strdup (dir);
  else if (prepend)
    value = g_strconcat (dir, G_SEARCHPATH_SEPARATOR_S, current, NULL);
  else
    value = g_strconcat (current, G_SEARCHPATH_SEPARATOR_S, dir, NULL);
  return g_environ_setenv (envp, name, value, TRUE);
}

/*
 * A worker that runs the component in worker processes (decisions.md D2), with the host
 * program for its kind:
 *   native      LIBEXECDIR/seldon-worker (SELDON_WORKER_DIR overrides the directory, for
 *               uninstalled runs)
 *   Python      /usr/bin/python3 -m seldon_worker (SELDON_WORKER_PYTHON overrides the
 *               interpreter), with libseldon's Python directory on PYTHONPATH: the installed
 *               one after the inherited entries, SELDON_WORKER_PYTHONPATH (uninstalled runs)
 *               before them; the host puts the working directory on the path itself
 *   JavaScript  gjs -m SMD_GJS_HOST (SELDON_WORKER_GJS_HOST overrides the script)
 */
static SeldonWorker *
new_process_worker (SeldonConfig      *config,
                    SmdComponentKind   kind,
                    GError           **error)
{
  g_auto(GStrv) envp = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  const char *dir;

  switch (kind)
    {
    case SMD_COMPONENT_NATIVE:
      dir = g_getenv ("SELDON_WORKER_DIR");
      g_ptr_array_add (argv, g_build_filename (dir != NULL && *dir != '\0' ? dir : LIBEXECDIR,
                                               "seldon-worker", NULL));
      break;
    case SMD_COMPONENT_PYTHON:
      dir = g_getenv ("SELDON_WORKER_PYTHON");
      g_ptr_array_add (argv, g_strdup (dir != NULL && *dir != '\0' ? dir : "/usr/bin/python3"));
      g_ptr_array_add (argv, g_strdup ("-m"));
      g_ptr_array_add (argv, g_strdup ("seldon_worker"));
      envp = g_get_environ ();
      envp = environ_append_path (envp, "PYTHONPATH", g_getenv ("SELDON_WORKER_PYTHONPATH"), TRUE);
      envp = environ_append_path (envp, "PYTHONPATH", SMD_PYTHONDIR, FALSE);
      envp = environ_append_path (envp, "GI_TYPELIB_PATH", SMD_TYPELIBDIR, FALSE);
      break;
    case SMD_COMPONENT_JS:
    default:
      {
        g_autofree char *gjs = g_find_program_in_path ("gjs");
        const char *script = g_getenv ("SELDON_WORKER_GJS_HOST");

        if (script == NULL || *script == '\0')
          script = SMD_GJS_HOST;
        /* bindings/gjs/seldon-worker.js: imports the component file named by interface-name
         * and serves it with Seldon.WorkerHost. */
        if (gjs == NULL || !g_file_test (script, G_FILE_TEST_IS_REGULAR))
          {
            g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                         "JavaScript components need gjs and the gjs worker host %s: %s",
                         script, gjs == NULL ? "gjs is not installed" : "it is not installed");
            return NULL;
          }
        g_ptr_array_add (argv, g_steal_pointer (&gjs));
        g_ptr_array_add (argv, g_strdup ("-m"));
        g_ptr_array_add (argv, g_strdup (script));
        envp = g_get_environ ();
        envp = environ_append_path (envp, "GI_TYPELIB_PATH", SMD_TYPELIBDIR, FALSE);
      }
      break;
    }
  g_ptr_array_add (argv, NULL);

  return seldon_worker_new_for_command (config, (const char * const *) argv->pdata,
                                        (const char * const *) envp);
}

static gboolean
signal_cb (gpointer user_data)
{
  Smd *smd = user_data;
  int graceful_timeout = 30;

  if (smd->stopping)
    {
      /* A second signal: stop at once. */
      g_info ("Second signal: stopping now");
      g_cancellable_cancel (smd->cancellable);
      return G_SOURCE_CONTINUE;
    }

  smd->stopping = TRUE;
  smd_systemd_notify ("STOPPING=1\nSTATUS=Stopping: finishing the calls in flight");

  if (!smd->start_done)
    {
      /* Still loading: nothing is in flight; give up the start. */
      g_info ("Shutting down during start-up");
      g_cancellable_cancel (smd->cancellable);
      return G_SOURCE_CONTINUE;
    }

  g_info ("Shutting down: stopping the listeners and finishing the calls in flight");
  g_object_get (smd->config, "graceful-timeout", &graceful_timeout, NULL);
  /* Half a second before the front's own graceful timeout (which closes what is left). */
  smd->grace_id = g_timeout_add ((guint) MAX ((gint64) graceful_timeout * 1000 - 500, 0),
                                 grace_expired_cb, smd);
  seldon_server_shutdown_async (smd->server, smd->cancellable, shutdown_cb, smd);

  return G_SOURCE_CONTINUE;
}

static void
notify_serving (Smd *smd)
{
  smd_systemd_notifyf ("READY=1\nSTATUS=Serving: %u worker process(es) x %u thread(s)",
                       MAX (seldon_worker_get_n_processes (smd->worker), 1),
                       seldon_worker_get_n_threads (smd->worker));
}

/* SIGHUP: a rolling restart of the worker processes (configuration.md §6.2). */
static gboolean
hup_cb (gpointer user_data)
{
  Smd *smd = user_data;

  if (smd->stopping || !smd->start_done || smd->start_error != NULL)
    return G_SOURCE_CONTINUE;

  if (!seldon_worker_reload (smd->worker))
    {
      g_info ("SIGHUP: the component runs in this process; there is no worker process to restart");
      return G_SOURCE_CONTINUE;
    }
  g_info ("SIGHUP: replacing the worker processes one after another");
  smd_systemd_notifyf ("RELOADING=1\nSTATUS=Reloading: replacing the worker processes\n"
                       "MONOTONIC_USEC=%" G_GINT64_FORMAT, g_get_monotonic_time ());
  return G_SOURCE_CONTINUE;
}

static void
reloading_cb (SeldonWorker *worker,
              GParamSpec   *pspec,
              gpointer      user_data)
{
  Smd *smd = user_data;

  if (!seldon_worker_is_reloading (worker) && !smd->stopping)
    notify_serving (smd);
}

/* WATCHDOG=1 while the main loop runs and at least one worker serves. */
static gboolean
watchdog_cb (gpointer user_data)
{
  Smd *smd = user_data;

  if (smd->stopping || !smd->start_done || seldon_worker_get_n_ready (smd->worker) > 0)
    smd_systemd_notify ("WATCHDOG=1");
  else
    g_debug ("Watchdog: no worker serves, no ping");
  return G_SOURCE_CONTINUE;
}

int
main (int    argc,
      char **argv)
{
  g_auto(Smd) smd = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) parameters = NULL;
  g_autoptr(SeldonComponent) component = NULL;
  g_autofree char *interface_name = NULL;
  g_autofree char *parameters_json = NULL;
  g_autofree char *listen_address = NULL;
  g_autofree char *module_path = NULL;
  SmdComponentKind kind = SMD_COMPONENT_NATIVE;
  int workers = 1, grpc_workers = 0, max_requests = 0;
  gboolean debug = FALSE;
  guint n_sockets = 0;
  GType component_type;

  setlocale (LC_ALL, "");
  /* Before any thread: it removes the systemd variables from the environment. */
  smd_systemd_init ();
  /* A client that goes away must not kill the server (GLib < 2.82 does not do this). */
  signal (SIGPIPE, SIG_IGN);

  smd_log_init ();
  g_info ("Starting microservice.py:main");
  g_info ("Seldon Core version: %s", SELDON_UPSTREAM_VERSION);
  g_info ("libseldon version: %s", SELDON_VERSION_S);

  smd.config = seldon_config_new ();
  if (!smd_options_configure (smd.config, argc, argv, &error))
    return report_error (error);

  apply_log_level (smd.config);

  g_object_get (smd.config,
                "interface-name", &interface_name,
                "parameters", &parameters_json,
                "listen-address", &listen_address,
                "pidfile", &smd.pidfile,
                NULL);

  parameters = smd_parameters_parse (parameters_json, &error);
  if (parameters == NULL)
    return report_error (error);

  log_unavailable_features (smd.config);

  /* Where the component runs (decisions.md D2): a native component with a pool of one worker
   * runs in this process, on threads; any other (Python, JavaScript, or more than one
   * worker) in worker processes, max(--workers, --grpc-workers) of them. */
  if (!smd_component_get_kind (interface_name, &kind, &module_path, &error))
    return report_error (error);
  g_object_get (smd.config,
                "workers", &workers,
                "grpc-workers", &grpc_workers,
                "max-requests", &max_requests,
                "debug", &debug,
                NULL);

  if (debug)
    {
      /* Development mode (configuration.md §6.4): the model in one process, loaded once,
       * never recycled. A native component runs in this process; a Python or JavaScript one
       * in a single worker process (its interpreter). */
      g_info ("Debug mode: one model process, no recycling");
      workers = 1;
      grpc_workers = MIN (grpc_workers, 1);
      max_requests = 0;
      g_object_set (smd.config,
                    "workers", workers,
                    "grpc-workers", grpc_workers,
                    "max-requests", 0,
                    NULL);
    }

  /* Recycling (--max-requests) replaces worker processes: a native component gets one. */
  if (kind == SMD_COMPONENT_NATIVE && MAX (workers, grpc_workers) <= 1 && (max_requests <= 0 || debug))
    {
      /* The component: constructed once. */
      g_info ("Loading component %s from %s", interface_name, module_path);
      component_type = smd_component_module_load (module_path, &error);
      if (component_type == G_TYPE_INVALID)
        return report_error (error);

      component = smd_component_new (component_type, parameters, &error);
      if (component == NULL)
        return report_error (error);

      smd.worker = seldon_worker_new (component, smd.config);
    }
  else
    {
      g_info ("Loading component %s in worker processes", interface_name);
      smd.worker = new_process_worker (smd.config, kind, &error);
      if (smd.worker == NULL)
        return report_error (error);
    }
  smd.cancellable = g_cancellable_new ();
  smd.signal_ids[0] = g_unix_signal_add (SIGTERM, signal_cb, &smd);
  smd.signal_ids[1] = g_unix_signal_add (SIGINT, signal_cb, &smd);
  smd.signal_ids[2] = g_unix_signal_add (SIGHUP, hup_cb, &smd);
  smd.reloading_id = g_signal_connect (smd.worker, "notify::reloading", G_CALLBACK (reloading_cb), &smd);
  if (smd_systemd_watchdog_usec () > 0)
    {
      guint interval_ms = (guint) MAX (smd_systemd_watchdog_usec () / 2000, 1);

      g_info ("systemd watchdog: a ping every %u ms", interval_ms);
      smd.watchdog_id = g_timeout_add (interval_ms, watchdog_cb, &smd);
    }

  /* Listen first, as upstream's server binds before its workers boot: requests that arrive
   * while the component loads wait, and no route answers before load() returned. Sockets
   * passed by systemd (socket activation) are used instead of binding ports. */
  smd.server = seldon_server_new (smd.config, smd.worker);
  if (!smd_systemd_add_sockets (smd.server, smd.config, &n_sockets, &error))
    return report_error (error);
  if (!seldon_server_listen (smd.server, &error))
    {
      /* the message names the address and port that failed (REST or metrics) */
      SMD_LOG_ERROR ("Cannot listen on %s: %s", listen_address, error->message);
      return SMD_EXIT_FAILURE;
    }

  g_info ("Listening on http://%s:%u", listen_address, seldon_server_get_http_port (smd.server));
  g_info ("Metrics on http://%s:%u", listen_address, seldon_server_get_metrics_port (smd.server));
  if (seldon_server_get_grpc_port (smd.server) != 0)
    g_info ("gRPC on %s:%u", listen_address, seldon_server_get_grpc_port (smd.server));

  if (!write_pidfile (&smd, &error))
    {
      seldon_server_stop (smd.server);
      return report_error (error);
    }

  /* The worker computes the metadata and calls load(). */
  smd_systemd_notifyf ("STATUS=Loading %s in %u worker process(es)", interface_name,
                       MAX (seldon_worker_get_n_processes (smd.worker), 1));
  seldon_worker_start_async (smd.worker, smd.cancellable, worker_started_cb, &smd);
  while (!smd.start_done)
    g_main_context_iteration (NULL, TRUE);

  if (smd.stopping)
    {
      seldon_server_stop (smd.server);
      g_info ("Stopped");
      return 0;
    }

  if (smd.start_error != NULL)
    {
      seldon_server_stop (smd.server);
      /* A worker process that could not build its component asks for its own status. */
      if (smd.start_error->domain == G_SPAWN_EXIT_ERROR)
        {
          SMD_LOG_ERROR ("%s", smd.start_error->message);
          return smd.start_error->code != 0 ? smd.start_error->code : SMD_EXIT_FAILURE;
        }
      SMD_LOG_ERROR ("Component failed to load: %s", smd.start_error->message);
      SMD_LOG_ERROR ("Reason: Worker failed to boot.");
      return SMD_EXIT_BOOT_FAILED;
    }

  g_info ("Workers: %u process(es) x %u thread(s)",
          MAX (seldon_worker_get_n_processes (smd.worker), 1),
          seldon_worker_get_n_threads (smd.worker));
  /* Every worker loaded its component. */
  notify_serving (&smd);

  smd.loop = g_main_loop_new (NULL, FALSE);
  if (!smd.stopped)
    g_main_loop_run (smd.loop);

  g_info ("Stopped");

  return 0;
}
