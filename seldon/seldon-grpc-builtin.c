/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The unit tests' copy of the gRPC front: seldon-grpc-server.c is linked into the static
 * internal library directly, no module to load (seldon-grpc-module-private.h).
 */

#include "config.h"

#include "seldon-grpc-module-private.h"

gboolean
seldon_grpc_server_load (GError **error)
{
  return TRUE;
}

gboolean
seldon_grpc_server_probe (GError **error)
{
  return TRUE;
}
