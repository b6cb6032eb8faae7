/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * seldon-worker --fd N
 *
 * The worker process for native components (decisions.md D2), installed in LIBEXECDIR and
 * spawned by seldon-microservice when a native component runs in worker processes (--workers
 * greater than 1). It reads the front's configuration from the channel on fd N, finds, loads
 * and constructs the component module named by interface-name with its parameters, exactly
 * as seldon-microservice does in-process (smd-component.c), and serves it with a
 * SeldonWorkerHost until the front closes the channel.
 *
 * Exit status: 0 when the front closed the channel; 3 when the component's load() failed;
 * the program's usual status (1) when the component could not be built, after telling the
 * front why; 1 when the channel is unusable.
 */

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <seldon/seldon.h>

#include "smd-component.h"
#include "smd-log.h"
#include "smd-options.h"
#include "smd-parameters.h"

static int
parse_fd (int    argc,
          char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      const char *value = NULL;
      char *end = NULL;
      gint64 fd;

      if (g_str_equal (argv[i], "--fd") && i + 1 < argc)
        value = argv[++i];
      else if (g_str_has_prefix (argv[i], "--fd="))
        value = argv[i] + strlen ("--fd=");
      else
        continue;

      fd = g_ascii_strtoll (value, &end, 10);
      if (end == value || *end != '\0' || fd < 0 || fd > G_MAXINT)
        return -1;
      return (int) fd;
    }
  return -1;
}

static SeldonComponent *
build_component (SeldonConfig  *config,
                 GError       **error)
{
  g_autofree char *interface_name = NULL;
  g_autofree char *parameters_json = NULL;
  g_autofree char *module_path = NULL;
  g_autoptr(GPtrArray) parameters = NULL;
  GType type;

  g_object_get (config,
                "interface-name", &interface_name,
                "parameters", &parameters_json,
                NULL);
  if (interface_name == NULL || *interface_name == '\0')
    {
      g_set_error_literal (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE, "No component was named");
      return NULL;
    }

  parameters = smd_parameters_parse (parameters_json, error);
  if (parameters == NULL)
    return NULL;

  module_path = smd_component_find (interface_name, error);
  if (module_path == NULL)
    return NULL;

  g_debug ("Loading component %s from %s", interface_name, module_path);
  type = smd_component_module_load (module_path, error);
  if (type == G_TYPE_INVALID)
    return NULL;

  return smd_component_new (type, parameters, error);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(SeldonWorkerHost) host = NULL;
  g_autoptr(SeldonComponent) component = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *level_name = NULL;
  SmdLogLevel level = SMD_LOG_LEVEL_INFO;
  SeldonConfig *config;
  int fd, status;

  setlocale (LC_ALL, "");
  /* The front going away must not kill a worker in the middle of a write. */
  signal (SIGPIPE, SIG_IGN);
  smd_log_init ();

  fd = parse_fd (argc, argv);
  if (fd < 0)
    {
      SMD_LOG_ERROR ("usage: seldon-worker --fd N (started by seldon-microservice)");
      return SMD_EXIT_USAGE;
    }

  host = seldon_worker_host_new (fd, &error);
  if (host == NULL)
    {
      SMD_LOG_ERROR ("Cannot talk to the front on fd %d: %s", fd, error->message);
      return SMD_EXIT_FAILURE;
    }

  config = seldon_worker_host_get_config (host);
  g_object_get (config, "log-level", &level_name, NULL);
  if (smd_log_level_from_name (level_name, &level))
    smd_log_set_level (level);

  component = build_component (config, &error);
  if (component == NULL)
    {
      status = error->domain == SMD_EXIT_ERROR ? error->code : SMD_EXIT_FAILURE;
      /* The front logs the message and, at start-up, exits with this status. */
      seldon_worker_host_report_failure (host, status, error->message);
      return status;
    }

  status = seldon_worker_host_run (host, component, &error);
  if (error != NULL && status != SMD_EXIT_BOOT_FAILED)
    SMD_LOG_ERROR ("Worker %u: %s", seldon_worker_host_get_slot (host), error->message);

  return status;
}
