/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>
#include <string.h>

#include "test-component-util.h"

SeldonMessage *
tc_echo_payload (SeldonMessage  *request,
                 GError        **error)
{
  switch (seldon_message_get_payload_kind (request))
    {
    case SELDON_PAYLOAD_TENSOR:
    case SELDON_PAYLOAD_LIST:
      {
        g_autoptr (SeldonTensor) tensor = seldon_message_dup_tensor (request, error);

        if (tensor == NULL)
          return NULL;
        return seldon_message_new_tensor (tensor);
      }
    case SELDON_PAYLOAD_BYTES:
      return seldon_message_new_bytes (seldon_message_get_bin_data (request));
    case SELDON_PAYLOAD_STRING:
    case SELDON_PAYLOAD_JSON:
      {
        /* The value as Python would hold it (a `strData` may be any JSON value, e.g. 5):
         * seldon_message_new_json() types the answer like a Python return value. */
        g_autoptr (JsonNode) json = seldon_message_dup_payload (request);

        return seldon_message_new_json (json);
      }
    case SELDON_PAYLOAD_CUSTOM:
      {
        SeldonMessage *answer = seldon_message_new ();

        seldon_message_set_custom (answer,
                                   seldon_message_get_custom_type_url (request),
                                   seldon_message_get_custom_value (request));
        return answer;
      }
    case SELDON_PAYLOAD_NONE:
    default:
      return seldon_message_new ();
    }
}

JsonNode *
tc_parse_json (const char  *text,
               GError     **error)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonNode *root;

  if (text == NULL)
    return NULL;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, -1, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL)
    return json_node_new (JSON_NODE_NULL);
  return json_node_copy (root);
}

gboolean
tc_list_has (const char *list,
             const char *name)
{
  g_auto (GStrv) items = NULL;

  if (list == NULL || name == NULL)
    return FALSE;
  items = g_strsplit (list, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *item = g_strstrip (items[i]);

      if (strcmp (item, "all") == 0 || strcmp (item, name) == 0)
        return TRUE;
    }
  return FALSE;
}

gboolean
tc_sleep_ms (int            ms,
             GCancellable  *cancellable,
             GError       **error)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      gint64 left = end - g_get_monotonic_time ();

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      g_usleep (MIN (left, 10000));
    }
  return TRUE;
}

void
tc_trace (const char *sym)
{
  const char *path = g_getenv ("TEST_COMPONENT_TRACE");
  FILE *file;

  if (path == NULL || *path == '\0')
    return;
  file = fopen (path, "a");
  if (file == NULL)
    return;
  fprintf (file, "%s\n", sym);
  fclose (file);
}
