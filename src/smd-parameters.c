/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "smd-options.h"
#include "smd-parameters.h"
#include "smd-parse.h"

void
smd_parameter_free (SmdParameter *parameter)
{
  if (parameter == NULL)
    return;

  g_free (parameter->name);
  g_free (parameter->type);
  g_free (parameter->text);
  if (G_IS_VALUE (&parameter->value))
    g_value_unset (&parameter->value);
  g_free (parameter);
}

/* Python's str() of a JSON scalar, for messages and STRING parameters. */
static char *
node_to_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("None");

  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType type = json_node_get_value_type (node);

      if (type == G_TYPE_STRING)
        return g_strdup (json_node_get_string (node));
      if (type == G_TYPE_BOOLEAN)
        return g_strdup (json_node_get_boolean (node) ? "True" : "False");
      if (type == G_TYPE_INT64)
        return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      if (type == G_TYPE_DOUBLE)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          double d = json_node_get_double (node);

          g_ascii_dtostr (buf, sizeof buf, d);
          /* Python prints floats with a fraction or an exponent. */
          if (isfinite (d) && strpbrk (buf, ".eE") == NULL)
            return g_strdup_printf ("%s.0", buf);
          return g_strdup (buf);
        }
    }

  return json_to_string (node, FALSE);
}

static gboolean
convert_value (const char *name,
               const char *type,
               JsonNode   *node,
               GValue     *value,
               GError    **error)
{
  g_autofree char *text = node_to_text (node);
  GType node_type = (node != NULL && JSON_NODE_HOLDS_VALUE (node)) ?
                    json_node_get_value_type (node) : G_TYPE_INVALID;
  gboolean ok = FALSE;

  if (g_str_equal (type, "INT"))
    {
      gint64 i = 0;

      g_value_init (value, G_TYPE_INT64);
      if (node_type == G_TYPE_INT64)
        {
          i = json_node_get_int (node);
          ok = TRUE;
        }
      else if (node_type == G_TYPE_STRING)
        ok = smd_parse_py_int (json_node_get_string (node), &i) == SMD_PARSE_OK;
      g_value_set_int64 (value, i);
    }
  else if (g_str_equal (type, "FLOAT") || g_str_equal (type, "DOUBLE"))
    {
      double d = 0;

      g_value_init (value, G_TYPE_DOUBLE);
      if (node_type == G_TYPE_INT64 || node_type == G_TYPE_DOUBLE)
        {
          d = json_node_get_double (node);
          ok = TRUE;
        }
      else if (node_type == G_TYPE_STRING)
        ok = smd_parse_py_float (json_node_get_string (node), &d);
      g_value_set_double (value, d);
    }
  else if (g_str_equal (type, "STRING"))
    {
      g_value_init (value, G_TYPE_STRING);
      ok = node_type != G_TYPE_INVALID;
      g_value_set_string (value, text);
    }
  else if (g_str_equal (type, "BOOL"))
    {
      gboolean b = FALSE;

      g_value_init (value, G_TYPE_BOOLEAN);
      if (node_type == G_TYPE_BOOLEAN)
        {
          b = json_node_get_boolean (node);
          ok = TRUE;
        }
      else if (node_type == G_TYPE_STRING)
        ok = smd_parse_strtobool (json_node_get_string (node), &b);
      g_value_set_boolean (value, b);
    }
  else
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Bad model parameter type: %s valid are INT, FLOAT, DOUBLE, STRING, BOOL", type);
      return FALSE;
    }

  if (!ok)
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Bad model parameter: %s with value %s can't be parsed as a %s", name, text, type);
      return FALSE;
    }

  return TRUE;
}

GPtrArray *
smd_parameters_parse (const char  *json,
                      GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func ((GDestroyNotify) smd_parameter_free);
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonArray *array;

  if (json == NULL || *json == '\0')
    json = "[]";

  if (!json_parser_load_from_data (parser, json, -1, &local_error))
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Invalid JSON in model parameters: %s", local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Invalid model parameters: expected a JSON list of {\"name\", \"value\", "
                   "\"type\"} objects, got %s", json);
      return NULL;
    }

  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autoptr(SmdParameter) parameter = NULL;
      JsonObject *object;
      JsonNode *name, *type, *value;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                       "Invalid model parameters: element %u is not a {\"name\", \"value\", "
                       "\"type\"} object", i);
          return NULL;
        }

      object = json_node_get_object (element);
      name = json_object_get_member (object, "name");
      type = json_object_get_member (object, "type");
      value = json_object_get_member (object, "value");

      if (name == NULL || !JSON_NODE_HOLDS_VALUE (name) ||
          json_node_get_value_type (name) != G_TYPE_STRING)
        {
          g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                       "Invalid model parameters: element %u has no \"name\" string", i);
          return NULL;
        }

      parameter = g_new0 (SmdParameter, 1);
      parameter->name = g_strdup (json_node_get_string (name));
      if (type == NULL || !JSON_NODE_HOLDS_VALUE (type) ||
          json_node_get_value_type (type) != G_TYPE_STRING)
        {
          g_autofree char *type_text = node_to_text (type);

          g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                       "Bad model parameter type: %s valid are INT, FLOAT, DOUBLE, STRING, BOOL",
                       type_text);
          return NULL;
        }
      parameter->type = g_strdup (json_node_get_string (type));
      parameter->text = node_to_text (value);

      if (!convert_value (parameter->name, parameter->type, value, &parameter->value, error))
        return NULL;

      /* A later entry with the same name replaces the earlier one. */
      for (guint j = 0; j < result->len; j++)
        {
          SmdParameter *other = g_ptr_array_index (result, j);

          if (g_str_equal (other->name, parameter->name))
            {
              g_ptr_array_remove_index (result, j);
              break;
            }
        }
      g_ptr_array_add (result, g_steal_pointer (&parameter));
    }

  return g_steal_pointer (&result);
}
