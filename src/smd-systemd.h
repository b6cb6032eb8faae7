/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * systemd integration of seldon-microservice, without libsystemd:
 *
 * - socket activation: the listening sockets passed by the service manager (LISTEN_PID,
 *   LISTEN_FDS, LISTEN_FDNAMES; fds 3, 4, …) become the server's REST, gRPC and metrics
 *   listeners. A socket named "http" (or "rest"), "grpc" or "metrics" is that listener;
 *   an unnamed one (or one with any other name, such as systemd's default, the socket unit's
 *   name) is the listener whose configured port it has, else the first one left in the order
 *   REST, gRPC, metrics.
 * - sd_notify: READY=1, STATUS=…, RELOADING=1, STOPPING=1 and WATCHDOG=1 datagrams to
 *   NOTIFY_SOCKET (a path, or an abstract socket when it starts with '@').
 * - the watchdog interval from WATCHDOG_USEC (and WATCHDOG_PID, when set, must be this
 *   process).
 *
 * smd_systemd_init() reads these variables once, at start-up, and removes them from the
 * environment so that the worker processes do not see them.
 */

#include <seldon/seldon.h>

G_BEGIN_DECLS

void      smd_systemd_init             (void);
/* Hands the inherited sockets to @server (before seldon_server_listen()). Sets *@n_taken to
 * how many there were. */
gboolean  smd_systemd_add_sockets      (SeldonServer  *server,
                                        SeldonConfig  *config,
                                        guint         *n_taken,
                                        GError       **error);
gboolean  smd_systemd_has_notify       (void);
/* Sends one datagram of newline-separated KEY=VALUE assignments; does nothing without
 * NOTIFY_SOCKET. */
void      smd_systemd_notify           (const char    *state);
void      smd_systemd_notifyf          (const char    *format,
                                        ...) G_GNUC_PRINTF (1, 2);
/* The watchdog interval the manager asked for, in µs, or 0. */
guint64   smd_systemd_watchdog_usec    (void);

G_END_DECLS
