/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * soup-static PORT [pause]: a trivial libsoup 3 server that answers every request on
 * 127.0.0.1:PORT with a static 200 JSON body (the identity answer of bench/run.sh): the
 * baseline of bench/run.sh, how fast libsoup itself goes on this machine. With "pause", each
 * message is paused and unpaused from an idle, as the REST front does while a call runs in a
 * worker. Like the front, it listens with a backlog of 2048.
 *
 *   cc -O2 -o soup-static bench/soup-static.c $(pkg-config --cflags --libs libsoup-3.0)
 */

#include <stdlib.h>
#include <string.h>

#include <libsoup/soup.h>

static const char body[] = "{\"data\":{\"names\":[\"t:0\",\"t:1\",\"t:2\",\"t:3\"],\"ndarray\":[[1,2,3,4]]},\"meta\":{}}\n";
static gboolean do_pause;

static gboolean
unpause_cb (gpointer data)
{
  SoupServerMessage *msg = data;

  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  (void) server;
  (void) path;
  (void) query;
  (void) user_data;

  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, body, strlen (body));
  soup_server_message_set_status (msg, 200, NULL);
  if (do_pause)
    {
      soup_server_message_pause (msg);
      g_idle_add_full (G_PRIORITY_DEFAULT, unpause_cb, g_object_ref (msg), g_object_unref);
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;

  if (argc < 2)
    {
      g_printerr ("usage: soup-static PORT [pause]\n");
      return 2;
    }
  do_pause = argc > 2 && strcmp (argv[2], "pause") == 0;
  server = soup_server_new ("server-header", "soup-static", NULL);
  soup_server_add_handler (server, NULL, handler, NULL, NULL);

  address = g_inet_socket_address_new (loopback, (guint16) atoi (argv[1]));
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  if (socket != NULL)
    g_socket_set_listen_backlog (socket, 2048);
  if (socket == NULL ||
      !g_socket_bind (socket, address, TRUE, &error) ||
      !g_socket_listen (socket, &error) ||
      !soup_server_listen_socket (server, socket, 0, &error))
    {
      g_printerr ("soup-static: %s\n", error->message);
      return 1;
    }
  g_main_loop_run (loop);
  return 0;
}
