/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * seldon-microservice INTERFACE_NAME [OPTION…]
 *
 * Serves a Seldon Core v1 model component over REST, as the Python wrapper's
 * seldon-core-microservice does (installed under that name too). Start-up: configuration
 * (smd-options.c) ⇒ component parameters ⇒ the component module ⇒ SeldonWorker (metadata,
 * load) ⇒ SeldonServer ⇒ pidfile ⇒ main loop until SIGTERM/SIGINT.
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
  guint signal_ids[2];
} Smd;

static void
smd_clear (Smd *smd)
{
  for (gsize i = 0; i < G_N_ELEMENTS (smd->signal_ids); i++)
    g_clear_handle_id (&smd->signal_ids[i], g_source_remove);

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
  int persistence, tracing, grpc_workers, grpc_port, max_requests;

  g_object_get (config,
                "persistence", &persistence,
                "tracing", &tracing,
                "grpc-workers", &grpc_workers,
                "grpc-port", &grpc_port,
                "max-requests", &max_requests,
                NULL);

  if (persistence != 0)
    SMD_LOG_ERROR ("Persistence: ignored, persistence is deprecated");
  if (grpc_workers > 0)
    g_warning ("gRPC listener on port %d is not available in this build yet (GRPC_WORKERS=%d)",
               grpc_port, grpc_workers);
  if (tracing != 0)
    g_warning ("Tracing is not available in this build yet (TRACING=%d): no spans are recorded",
               tracing);
  if (max_requests > 0)
    g_warning ("Worker recycling is not available in this build yet (GUNICORN_MAX_REQUESTS=%d)",
               max_requests);
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

static void
worker_shutdown_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Smd *smd = user_data;
  g_autoptr(GError) error = NULL;

  if (!seldon_worker_shutdown_finish (SELDON_WORKER (source), result, &error))
    g_debug ("Worker shutdown: %s", error->message);
  smd->stopped = TRUE;
  if (smd->loop != NULL)
    g_main_loop_quit (smd->loop);
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
  /* The front is drained: let the workers finish and stop their processes. */
  seldon_worker_shutdown_async (smd->worker, smd->cancellable, worker_shutdown_cb, smd);
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

  if (smd->stopping)
    {
      /* A second signal: stop at once. */
      g_info ("Second signal: stopping now");
      g_cancellable_cancel (smd->cancellable);
      return G_SOURCE_CONTINUE;
    }

  smd->stopping = TRUE;

  if (!smd->start_done)
    {
      /* Still loading: nothing is in flight; give up the start. */
      g_info ("Shutting down during start-up");
      g_cancellable_cancel (smd->cancellable);
      return G_SOURCE_CONTINUE;
    }

  g_info ("Shutting down: stopping the listener and finishing the calls in flight");
  seldon_server_shutdown_async (smd->server, smd->cancellable, shutdown_cb, smd);

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
  int workers = 1, grpc_workers = 0;
  GType component_type;

  setlocale (LC_ALL, "");
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
  g_object_get (smd.config, "workers", &workers, "grpc-workers", &grpc_workers, NULL);

  if (kind == SMD_COMPONENT_NATIVE && MAX (workers, grpc_workers) <= 1)
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

  /* Listen first, as upstream's server binds before its workers boot: requests that arrive
   * while the component loads wait, and no route answers before load() returned. */
  smd.server = seldon_server_new (smd.config, smd.worker);
  if (!seldon_server_listen (smd.server, &error))
    {
      /* the message names the address and port that failed (REST or metrics) */
      SMD_LOG_ERROR ("Cannot listen on %s: %s", listen_address, error->message);
      return SMD_EXIT_FAILURE;
    }

  g_info ("Listening on http://%s:%u", listen_address, seldon_server_get_http_port (smd.server));
  g_info ("Metrics on http://%s:%u", listen_address, seldon_server_get_metrics_port (smd.server));

  if (!write_pidfile (&smd, &error))
    {
      seldon_server_stop (smd.server);
      return report_error (error);
    }

  /* The worker computes the metadata and calls load(). */
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

  smd.loop = g_main_loop_new (NULL, FALSE);
  if (!smd.stopped)
    g_main_loop_run (smd.loop);

  g_info ("Stopped");

  return 0;
}
