/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <seldon/seldon.h>

#include "seldon-log-private.h"
#include "smd-log.h"

G_STATIC_ASSERT ((int) SMD_LOG_LEVEL_DEBUG == (int) SELDON_LOG_LEVEL_DEBUG);
G_STATIC_ASSERT ((int) SMD_LOG_LEVEL_INFO == (int) SELDON_LOG_LEVEL_INFO);
G_STATIC_ASSERT ((int) SMD_LOG_LEVEL_WARNING == (int) SELDON_LOG_LEVEL_WARNING);
G_STATIC_ASSERT ((int) SMD_LOG_LEVEL_ERROR == (int) SELDON_LOG_LEVEL_ERROR);
G_STATIC_ASSERT ((int) SMD_LOG_LEVEL_CRITICAL == (int) SELDON_LOG_LEVEL_CRITICAL);

const char *
smd_log_canonical_level (const char *name,
                         gboolean    cli_only)
{
  return seldon_log_canonical_level (name, cli_only);
}

gboolean
smd_log_level_from_name (const char  *name,
                         SmdLogLevel *level)
{
  SeldonLogLevel value;

  if (!seldon_log_level_from_name (name, &value))
    return FALSE;
  *level = (SmdLogLevel) value;
  return TRUE;
}

void
smd_log_set_level (SmdLogLevel level)
{
  seldon_log_set_level ((SeldonLogLevel) level);
}

SmdLogLevel
smd_log_get_level (void)
{
  return (SmdLogLevel) seldon_log_get_level ();
}

void
smd_log_init (void)
{
  seldon_log_install ();
}
