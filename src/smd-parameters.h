/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Component parameters (configuration.md §3): the JSON list of {name, value, type} objects
 * given with --parameters / PREDICTIVE_UNIT_PARAMETERS. */

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct
{
  char   *name;
  char   *type;   /* INT, FLOAT, DOUBLE, STRING or BOOL */
  char   *text;   /* the value as given, for messages */
  GValue  value;  /* gint64, double, string or boolean */
} SmdParameter;

void       smd_parameter_free    (SmdParameter *parameter);

/* Parses and converts the parameters; a later entry with the same name replaces an earlier
 * one. Errors (SMD_EXIT_ERROR, exit status 1) carry the wrapper's exact messages. Returns an
 * array of SmdParameter. */
GPtrArray *smd_parameters_parse  (const char   *json,
                                  GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SmdParameter, smd_parameter_free)

G_END_DECLS
