/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#include "smd-options.h"
#include "smd-systemd.h"

/* The first passed descriptor (SD_LISTEN_FDS_START). */
#define LISTEN_FDS_START 3

static struct
{
  gboolean  initialized;
  char     *notify_socket;   /* NOTIFY_SOCKET, or NULL */
  guint64   watchdog_usec;
  int       n_fds;           /* inherited listening sockets */
  char    **fd_names;        /* LISTEN_FDNAMES split, may be shorter than n_fds */
} sd;

/* A positive integer in @text; FALSE when there is none. */
static gboolean
parse_u64 (const char *text,
           guint64    *value)
{
  char *end = NULL;

  if (text == NULL || !g_ascii_isdigit (*text))
    return FALSE;
  errno = 0;
  *value = g_ascii_strtoull (text, &end, 10);
  return errno == 0 && end != text && *end == '\0';
}

void
smd_systemd_init (void)
{
  const char *value;
  guint64 number;

  if (sd.initialized)
    return;
  sd.initialized = TRUE;

  value = g_getenv ("NOTIFY_SOCKET");
  if (value != NULL && (value[0] == '/' || value[0] == '@') && value[1] != '\0')
    sd.notify_socket = g_strdup (value);

  /* WATCHDOG_PID, when set, names the process that must send the pings. */
  value = g_getenv ("WATCHDOG_PID");
  if ((value == NULL || (parse_u64 (value, &number) && number == (guint64) getpid ())) &&
      parse_u64 (g_getenv ("WATCHDOG_USEC"), &number) && number > 0)
    sd.watchdog_usec = number;

  /* Socket activation: the sockets are ours only if LISTEN_PID is this process. */
  if (parse_u64 (g_getenv ("LISTEN_PID"), &number) && number == (guint64) getpid () &&
      parse_u64 (g_getenv ("LISTEN_FDS"), &number) && number > 0 && number < 64)
    {
      sd.n_fds = (int) number;
      value = g_getenv ("LISTEN_FDNAMES");
      sd.fd_names = value != NULL && *value != '\0' ? g_strsplit (value, ":", -1) : g_new0 (char *, 1);
      /* Not for the worker processes. */
      for (int i = 0; i < sd.n_fds; i++)
        (void) fcntl (LISTEN_FDS_START + i, F_SETFD, FD_CLOEXEC);
    }

  g_unsetenv ("NOTIFY_SOCKET");
  g_unsetenv ("WATCHDOG_USEC");
  g_unsetenv ("WATCHDOG_PID");
  g_unsetenv ("LISTEN_PID");
  g_unsetenv ("LISTEN_FDS");
  g_unsetenv ("LISTEN_FDNAMES");
}

static const char *
listener_name (SeldonListener listener)
{
  switch (listener)
    {
    case SELDON_LISTENER_HTTP:
      return "REST";
    case SELDON_LISTENER_GRPC:
      return "gRPC";
    case SELDON_LISTENER_METRICS:
    default:
      return "metrics";
    }
}

/* The listener a socket name asks for, or -1 for an unnamed (or unknown) socket. */
static int
listener_for_name (const char *name)
{
  if (name == NULL)
    return -1;
  if (g_str_equal (name, "http") || g_str_equal (name, "rest"))
    return SELDON_LISTENER_HTTP;
  if (g_str_equal (name, "grpc"))
    return SELDON_LISTENER_GRPC;
  if (g_str_equal (name, "metrics"))
    return SELDON_LISTENER_METRICS;
  return -1;
}

/* The local port of the socket on fd @fd, or 0. */
static guint
socket_port (int fd)
{
  struct sockaddr_storage addr;
  socklen_t len = sizeof addr;

  if (getsockname (fd, (struct sockaddr *) &addr, &len) != 0)
    return 0;
  if (addr.ss_family == AF_INET)
    return g_ntohs (((struct sockaddr_in *) &addr)->sin_port);
  if (addr.ss_family == AF_INET6)
    return g_ntohs (((struct sockaddr_in6 *) &addr)->sin6_port);
  return 0;
}

gboolean
smd_systemd_add_sockets (SeldonServer  *server,
                         SeldonConfig  *config,
                         guint         *n_taken,
                         GError       **error)
{
  int ports[3] = { 0, 0, 0 };
  static const SeldonListener order[] = {
    SELDON_LISTENER_HTTP, SELDON_LISTENER_GRPC, SELDON_LISTENER_METRICS
  };
  gboolean taken[G_N_ELEMENTS (order)] = { FALSE, };
  int assigned[64];
  guint n_names;

  *n_taken = 0;
  if (sd.n_fds == 0)
    return TRUE;

  g_object_get (config,
                "http-port", &ports[SELDON_LISTENER_HTTP],
                "grpc-port", &ports[SELDON_LISTENER_GRPC],
                "metrics-port", &ports[SELDON_LISTENER_METRICS],
                NULL);

  /* Named sockets first, then unnamed ones on the port of a listener, then the others in
   * order. */
  n_names = g_strv_length (sd.fd_names);
  for (int i = 0; i < sd.n_fds; i++)
    {
      int listener = listener_for_name (i < (int) n_names ? sd.fd_names[i] : NULL);

      if (listener >= 0 && taken[listener])
        {
          g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                       "Socket activation: two sockets are named \"%s\"", sd.fd_names[i]);
          return FALSE;
        }
      assigned[i] = listener;
      if (listener >= 0)
        taken[listener] = TRUE;
    }
  for (int i = 0; i < sd.n_fds; i++)
    {
      guint port;

      if (assigned[i] >= 0)
        continue;
      port = socket_port (LISTEN_FDS_START + i);
      for (gsize j = 0; port != 0 && j < G_N_ELEMENTS (order); j++)
        if (!taken[order[j]] && (guint) ports[order[j]] == port)
          {
            assigned[i] = order[j];
            taken[order[j]] = TRUE;
            break;
          }
    }
  for (int i = 0; i < sd.n_fds; i++)
    {
      if (assigned[i] >= 0)
        continue;
      for (gsize j = 0; j < G_N_ELEMENTS (order); j++)
        if (!taken[order[j]])
          {
            assigned[i] = order[j];
            taken[order[j]] = TRUE;
            break;
          }
      if (assigned[i] < 0)
        {
          g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                       "Socket activation: %d sockets were passed, at most 3 (REST, gRPC, "
                       "metrics) can be used", sd.n_fds);
          return FALSE;
        }
    }

  for (int i = 0; i < sd.n_fds; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GSocket) socket = g_socket_new_from_fd (LISTEN_FDS_START + i, &local_error);

      if (socket == NULL)
        {
          g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                       "Socket activation: fd %d is not a usable socket: %s",
                       LISTEN_FDS_START + i, local_error->message);
          return FALSE;
        }
      if (!seldon_server_add_socket (server, (SeldonListener) assigned[i], socket, &local_error))
        {
          g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                       "Socket activation: cannot use fd %d for the %s listener: %s",
                       LISTEN_FDS_START + i, listener_name ((SeldonListener) assigned[i]),
                       local_error->message);
          return FALSE;
        }
      g_info ("Socket activation: fd %d (%s) is the %s listener", LISTEN_FDS_START + i,
              i < (int) n_names ? sd.fd_names[i] : "unnamed",
              listener_name ((SeldonListener) assigned[i]));
      (*n_taken)++;
    }

  return TRUE;
}

gboolean
smd_systemd_has_notify (void)
{
  return sd.notify_socket != NULL;
}

void
smd_systemd_notify (const char *state)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  gsize path_len;
  socklen_t addr_len;
  int fd;

  if (sd.notify_socket == NULL || state == NULL)
    return;

  path_len = strlen (sd.notify_socket);
  if (path_len >= sizeof addr.sun_path)
    {
      g_debug ("NOTIFY_SOCKET is too long: %s", sd.notify_socket);
      return;
    }
  memcpy (addr.sun_path, sd.notify_socket, path_len);
  if (addr.sun_path[0] == '@')
    addr.sun_path[0] = '\0';    /* abstract namespace: no trailing NUL in the length */
  addr_len = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + path_len);

  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      g_debug ("sd_notify: socket: %s", g_strerror (errno));
      return;
    }
  if (sendto (fd, state, strlen (state), MSG_NOSIGNAL, (struct sockaddr *) &addr, addr_len) < 0)
    g_debug ("sd_notify to %s: %s", sd.notify_socket, g_strerror (errno));
  close (fd);
}

void
smd_systemd_notifyf (const char *format,
                     ...)
{
  g_autofree char *state = NULL;
  va_list args;

  if (sd.notify_socket == NULL)
    return;

  va_start (args, format);
  state = g_strdup_vprintf (format, args);
  va_end (args);
  smd_systemd_notify (state);
}

guint64
smd_systemd_watchdog_usec (void)
{
  return sd.watchdog_usec;
}
