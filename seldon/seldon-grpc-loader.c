/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * libseldon's side of the gRPC module (seldon-grpc-module-private.h): finds and loads
 * seldon-grpc.so and forwards the seldon_grpc_server_*() functions into it. Only in the
 * shared library; the unit tests use seldon-grpc-builtin.c instead.
 */

#include "config.h"

#include <dlfcn.h>

#include <gmodule.h>

#include "seldon-error.h"
#include "seldon-grpc-module-private.h"
#include "seldon-worker-private.h"

static const SeldonGrpcHost host = {
  .abi = SELDON_GRPC_MODULE_ABI,
  .size = sizeof (SeldonGrpcHost),
  .version = PACKAGE_VERSION,
  .call_new = seldon_call_new,
  .call_free = seldon_call_free,
  .reply_free = seldon_reply_free,
  .method_get_metric_label = seldon_method_get_metric_label,
  .worker_call_async = seldon_worker_call_async,
  .worker_call_finish = seldon_worker_call_finish,
  .metrics_ref = seldon_metrics_ref,
  .metrics_unref = seldon_metrics_unref,
  .metrics_record_reply = seldon_metrics_record_reply,
  .metrics_request_started = seldon_metrics_request_started,
  .metrics_request_finished = seldon_metrics_request_finished,
  .metrics_record_timings = seldon_metrics_record_timings,
  .tracer_ref = seldon_tracer_ref,
  .tracer_unref = seldon_tracer_unref,
  .tracer_start_span = seldon_tracer_start_span,
  .span_add_reply = seldon_span_add_reply,
  .span_finish = seldon_span_finish,
  .tracing_lookup_grpc_metadata = seldon_tracing_lookup_grpc_metadata,
};

static GMutex load_lock;
static const SeldonGrpcModule *module_table;

/* The directory this library was loaded from (an uninstalled build tree keeps the module
 * next to it), or NULL. */
static char *
get_library_dir (void)
{
  Dl_info info;

  if (dladdr ((void *) &host, &info) == 0 || info.dli_fname == NULL || !g_path_is_absolute (info.dli_fname))
    return NULL;
  return g_path_get_dirname (info.dli_fname);
}

static const SeldonGrpcModule *
open_module (const char  *path,
             GError     **error)
{
  GModule *module;
  SeldonGrpcModuleInitFunc init = NULL;
  const SeldonGrpcModule *table;
  g_autoptr(GError) local_error = NULL;

  module = g_module_open_full (path, G_MODULE_BIND_LOCAL, &local_error);
  if (module == NULL)
    {
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_INVALID_CONFIG,
                   "gRPC is not available: cannot load the gRPC module: %s", local_error->message);
      return NULL;
    }
  if (!g_module_symbol (module, SELDON_GRPC_MODULE_INIT_SYMBOL, (gpointer *) &init) || init == NULL)
    {
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_INVALID_CONFIG,
                   "gRPC is not available: %s is not a libseldon gRPC module: %s",
                   path, g_module_error ());
      g_module_close (module);
      return NULL;
    }
  table = init (&host, &local_error);
  if (table == NULL || table->abi != SELDON_GRPC_MODULE_ABI || table->size != sizeof (SeldonGrpcModule))
    {
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_INVALID_CONFIG,
                   "gRPC is not available: the gRPC module %s does not match libseldon %s: %s",
                   path, PACKAGE_VERSION,
                   local_error != NULL ? local_error->message : "interface mismatch");
      g_module_close (module);
      return NULL;
    }
  /* grpc core starts threads and registers atexit handlers: never unloaded */
  g_module_make_resident (module);
  g_debug ("Loaded the gRPC module %s", path);
  return table;
}

static char *
find_module (void)
{
  const char *env = g_getenv ("SELDON_MODULE_DIR");
  g_autofree char *libdir = NULL;
  g_autofree char *path = NULL;

  if (env != NULL && *env != '\0')
    return g_build_filename (env, SELDON_GRPC_MODULE_NAME, NULL);

  libdir = get_library_dir ();
  if (libdir != NULL)
    {
      path = g_build_filename (libdir, SELDON_GRPC_MODULE_NAME, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return g_build_filename (SELDON_MODULEDIR, SELDON_GRPC_MODULE_NAME, NULL);
}

gboolean
seldon_grpc_server_load (GError **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&load_lock);
  g_autofree char *path = NULL;

  if (module_table != NULL)
    return TRUE;
  path = find_module ();
  module_table = open_module (path, error);
  return module_table != NULL;
}

gboolean
seldon_grpc_server_probe (GError **error)
{
  g_autofree char *path = find_module ();

  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  g_set_error (error, SELDON_ERROR, SELDON_ERROR_INVALID_CONFIG,
               "gRPC is not available: the gRPC module %s is missing", path);
  return FALSE;
}

/* seldon-grpc-private.h, forwarded; only called once seldon_grpc_server_load() succeeded. */

SeldonGrpcServer *
seldon_grpc_server_new (SeldonConfig  *config,
                        SeldonWorker  *worker,
                        SeldonMetrics *metrics)
{
  g_return_val_if_fail (module_table != NULL, NULL);
  return module_table->server_new (config, worker, metrics);
}

void
seldon_grpc_server_free (SeldonGrpcServer *self)
{
  module_table->server_free (self);
}

gboolean
seldon_grpc_server_add_socket (SeldonGrpcServer  *self,
                               GSocket           *socket,
                               GError           **error)
{
  return module_table->server_add_socket (self, socket, error);
}

gboolean
seldon_grpc_server_listen (SeldonGrpcServer  *self,
                           GError           **error)
{
  return module_table->server_listen (self, error);
}

void
seldon_grpc_server_drain (SeldonGrpcServer      *self,
                          SeldonGrpcDrainedFunc  drained,
                          gpointer               user_data)
{
  module_table->server_drain (self, drained, user_data);
}

gboolean
seldon_grpc_server_is_drained (SeldonGrpcServer *self)
{
  return module_table->server_is_drained (self);
}

void
seldon_grpc_server_stop (SeldonGrpcServer *self)
{
  module_table->server_stop (self);
}

void
seldon_grpc_server_set_tracer (SeldonGrpcServer *self,
                               SeldonTracer     *tracer)
{
  module_table->server_set_tracer (self, tracer);
}
