/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Model metadata (component-contract.md §8): sources, merge, defaults and validation.
 *
 * MODEL_METADATA is YAML. With libyaml it is read the way PyYAML's safe_load reads it (YAML 1.1
 * implicit types: `yes` is a boolean, `010` an octal integer, `1e5` a string, `1.5e+5` a
 * float), so a value means what it meant upstream. Text that libyaml rejects but that is valid
 * JSON (tabs used as indentation, say) is accepted as JSON. Without libyaml only JSON is read.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>

#ifdef HAVE_YAML
#include <yaml.h>
#endif

#include "seldon-error.h"
#include "seldon-metadata-private.h"

/* Upstream logs these at ERROR; the daemon's log writer prints GLib CRITICAL as ERROR
 * (src/smd-log.h), so CRITICAL here means "ERROR line", not "programmer error". */
#define metadata_log_error(...) g_critical (__VA_ARGS__)

#define YAML_MAX_DEPTH SELDON_JSON_MAX_DEPTH

/* ------------------------------------------------------------------------------------------ */
/* YAML                                                                                        */

#ifdef HAVE_YAML

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

typedef struct
{
  yaml_parser_t  parser;
  GHashTable    *anchors;       /* anchor name -> SeldonJson (owned ref) */
  GError       **error;
  int            depth;
} YamlReader;

static void
yaml_reader_error (YamlReader  *R,
                   const char  *what,
                   yaml_mark_t *mark)
{
  if (mark)
    g_set_error (R->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "%s (line %lu, column %lu)", what,
                 (unsigned long) mark->line + 1, (unsigned long) mark->column + 1);
  else
    g_set_error_literal (R->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, what);
}

static gboolean
yaml_reader_next (YamlReader   *R,
                  yaml_event_t *event)
{
  if (!yaml_parser_parse (&R->parser, event))
    {
      g_autofree char *what = NULL;

      if (R->parser.context)
        what = g_strdup_printf ("%s %s", R->parser.context,
                                R->parser.problem ? R->parser.problem : "syntax error");
      else
        what = g_strdup (R->parser.problem ? R->parser.problem : "syntax error");
      yaml_reader_error (R, what, &R->parser.problem_mark);
      return FALSE;
    }
  return TRUE;
}

static gboolean
regex_match (const char *pattern,
             const char *text)
{
  return g_regex_match_simple (pattern, text, G_REGEX_DOLLAR_ENDONLY, 0);
}

/* The implicit resolvers of PyYAML's SafeLoader (YAML 1.1), minus timestamps (kept as text). */
#define RE_NULL  "^(?:~|null|Null|NULL|)$"
#define RE_BOOL  "^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"
#define RE_INT   "^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+" \
                 "|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
#define RE_FLOAT "^(?:[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?|\\.[0-9_]+(?:[eE][-+][0-9]+)?" \
                 "|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$"

static char *
strip_underscores (const char *text)
{
  GString *out = g_string_new (NULL);

  for (; *text; text++)
    if (*text != '_')
      g_string_append_c (out, *text);
  return g_string_free (out, FALSE);
}

/* PyYAML construct_yaml_int. Returns NULL if @text is not an integer. */
static SeldonJson *
construct_int (const char *text)
{
  g_autofree char *v = strip_underscores (text);
  const char *s = v;
  gboolean neg = FALSE;
  guint64 mag = 0;
  unsigned base = 10;

  if (*s == '-' || *s == '+')
    neg = *s++ == '-';
  if (*s == '\0')
    return NULL;

  if (strchr (s, ':') != NULL)
    {
      /* sexagesimal: 1:30 == 90 */
      g_auto (GStrv) parts = g_strsplit (s, ":", -1);
      guint i;

      for (i = 0; parts[i]; i++)
        {
          guint64 part;

          if (!g_ascii_string_to_unsigned (parts[i], 10, 0, G_MAXUINT64, &part, NULL) ||
              mag > (G_MAXUINT64 - part) / 60)
            return NULL;
          mag = mag * 60 + part;
        }
    }
  else
    {
      if (s[0] == '0' && s[1] == 'b')
        base = 2, s += 2;
      else if (s[0] == '0' && s[1] == 'x')
        base = 16, s += 2;
      else if (s[0] == '0' && s[1] != '\0')
        base = 8, s += 1;

      if (base == 10 && strlen (s) > 19)
        {
          /* Python ints have no size limit: keep the exact digits. */
          g_autofree char *digits = g_strconcat (neg ? "-" : "", s, NULL);
          gsize i;

          for (i = 0; s[i]; i++)
            if (!g_ascii_isdigit (s[i]))
              return NULL;
          return seldon_json_new_bigint (digits);
        }
      if (!g_ascii_string_to_unsigned (s, base, 0, G_MAXUINT64, &mag, NULL))
        return NULL;
    }

  if (!neg)
    return seldon_json_new_uint (mag);
  if (mag <= (guint64) G_MAXINT64 + 1)
    return seldon_json_new_int (mag == 0 ? 0 : -(gint64) (mag - 1) - 1);
  else
    {
      g_autofree char *digits = g_strdup_printf ("-%" G_GUINT64_FORMAT, mag);

      return seldon_json_new_bigint (digits);
    }
}

/* PyYAML construct_yaml_float. Returns NULL if @text is not a float. */
static SeldonJson *
construct_float (const char *text)
{
  g_autofree char *v = strip_underscores (text);
  char *s = v, *end = NULL;
  double sign = 1.0, value;

  for (end = v; *end; end++)
    *end = g_ascii_tolower (*end);
  if (*s == '-' || *s == '+')
    {
      if (*s == '-')
        sign = -1.0;
      s++;
    }
  if (strcmp (s, ".inf") == 0)
    return seldon_json_new_double (sign * INFINITY);
  if (strcmp (s, ".nan") == 0)
    return seldon_json_new_double (NAN);
  if (strchr (s, ':') != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (s, ":", -1);
      guint i;

      value = 0.0;
      for (i = 0; parts[i]; i++)
        {
          double part = g_ascii_strtod (parts[i], &end);

          if (end == parts[i] || *end != '\0')
            return NULL;
          value = value * 60.0 + part;
        }
      return seldon_json_new_double (sign * value);
    }
  if (*s == '\0')
    return NULL;
  value = g_ascii_strtod (s, &end);
  if (*end != '\0')
    return NULL;
  return seldon_json_new_double (sign * value);
}

static SeldonJson *
construct_bool (const char *text)
{
  if (!regex_match (RE_BOOL, text))
    return NULL;
  return seldon_json_new_bool (strchr ("yYtToO", text[0]) != NULL &&
                               g_ascii_strcasecmp (text, "off") != 0);
}

static SeldonJson *
yaml_scalar (YamlReader   *R,
             yaml_event_t *event)
{
  const char *text = (const char *) event->data.scalar.value;
  gsize len = event->data.scalar.length;
  const char *tag = (const char *) event->data.scalar.tag;
  SeldonJson *value = NULL;

  if (tag == NULL && event->data.scalar.plain_implicit &&
      event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strlen (text) == len)
    {
      if (regex_match (RE_NULL, text))
        return seldon_json_new_null ();
      if ((value = construct_bool (text)) != NULL)
        return value;
      if (regex_match (RE_INT, text) && (value = construct_int (text)) != NULL)
        return value;
      if (regex_match (RE_FLOAT, text) && (value = construct_float (text)) != NULL)
        return value;
      return seldon_json_new_string_len (text, len);
    }
  if (tag == NULL || strcmp (tag, "!") == 0 || strcmp (tag, YAML_TAG_PREFIX "str") == 0)
    return seldon_json_new_string_len (text, len);

  if (strcmp (tag, YAML_TAG_PREFIX "null") == 0)
    value = seldon_json_new_null ();
  else if (strcmp (tag, YAML_TAG_PREFIX "bool") == 0)
    value = construct_bool (text);
  else if (strcmp (tag, YAML_TAG_PREFIX "int") == 0)
    value = construct_int (text);
  else if (strcmp (tag, YAML_TAG_PREFIX "float") == 0)
    value = construct_float (text);

  if (value == NULL)
    {
      g_autofree char *what = g_strdup_printf ("cannot construct a scalar tagged %s", tag);

      yaml_reader_error (R, what, &event->start_mark);
    }
  return value;
}

static SeldonJson *yaml_node (YamlReader *R, yaml_event_t *event);

static void
yaml_remember_anchor (YamlReader    *R,
                      yaml_char_t   *anchor,
                      SeldonJson    *value)
{
  if (anchor != NULL && value != NULL)
    g_hash_table_replace (R->anchors, g_strdup ((const char *) anchor), seldon_json_ref (value));
}

/* A JSON object key for a resolved YAML key, as json.dumps would write a non-string key. */
static char *
yaml_key_text (SeldonJson *key)
{
  if (seldon_json_get_type (key) == SELDON_JSON_STRING)
    return g_strndup (seldon_json_get_string (key), seldon_json_get_string_length (key));
  return seldon_json_to_string (key, SELDON_JSON_WRITE_DEFAULT);
}

static SeldonJson *
yaml_mapping (YamlReader   *R,
              yaml_event_t *start)
{
  g_autoptr (SeldonJson) own = seldon_json_new_object ();
  g_autoptr (SeldonJson) merged = NULL;
  yaml_char_t *anchor = start->data.mapping_start.anchor;
  g_autofree char *anchor_name = anchor ? g_strdup ((const char *) anchor) : NULL;

  for (;;)
    {
      yaml_event_t event;
      g_autoptr (SeldonJson) key = NULL;
      g_autoptr (SeldonJson) value = NULL;
      gboolean is_merge;

      if (!yaml_reader_next (R, &event))
        return NULL;
      if (event.type == YAML_MAPPING_END_EVENT)
        {
          yaml_event_delete (&event);
          break;
        }
      is_merge = event.type == YAML_SCALAR_EVENT && event.data.scalar.tag == NULL &&
                 event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                 strcmp ((const char *) event.data.scalar.value, "<<") == 0;
      if (event.type == YAML_SCALAR_EVENT || event.type == YAML_ALIAS_EVENT)
        key = yaml_node (R, &event);
      else
        yaml_reader_error (R, "found unhashable key", &event.start_mark);
      yaml_event_delete (&event);
      if (key == NULL)
        return NULL;
      if (seldon_json_get_type (key) == SELDON_JSON_ARRAY || seldon_json_get_type (key) == SELDON_JSON_OBJECT)
        {
          yaml_reader_error (R, "found unhashable key", NULL);
          return NULL;
        }

      if (!yaml_reader_next (R, &event))
        return NULL;
      value = yaml_node (R, &event);
      yaml_event_delete (&event);
      if (value == NULL)
        return NULL;

      if (is_merge)
        {
          /* `<<: *base` or `<<: [*a, *b]`: keys from the merged mappings come first, the
           * mapping's own keys override them, earlier merged mappings win over later ones. */
          guint n = seldon_json_get_type (value) == SELDON_JSON_ARRAY ? seldon_json_array_get_length (value) : 1;
          guint i;

          if (merged == NULL)
            merged = seldon_json_new_object ();
          for (i = 0; i < n; i++)
            {
              SeldonJson *m = seldon_json_get_type (value) == SELDON_JSON_ARRAY ? seldon_json_array_get (value, i) : value;
              guint j;

              if (seldon_json_get_type (m) != SELDON_JSON_OBJECT)
                {
                  yaml_reader_error (R, "expected a mapping for merging", NULL);
                  return NULL;
                }
              for (j = 0; j < seldon_json_object_get_size (m); j++)
                {
                  const char *k = seldon_json_object_get_key_at (m, j);

                  if (!seldon_json_object_has (merged, k))
                    seldon_json_object_set (merged, k, seldon_json_ref (seldon_json_object_get_value_at (m, j)));
                }
            }
        }
      else
        {
          g_autofree char *k = yaml_key_text (key);

          seldon_json_object_set (own, k, g_steal_pointer (&value));
        }
    }

  if (merged != NULL)
    {
      seldon_json_object_update (merged, own);
      g_clear_pointer (&own, seldon_json_unref);
      own = g_steal_pointer (&merged);
    }
  if (anchor_name)
    g_hash_table_replace (R->anchors, g_steal_pointer (&anchor_name), seldon_json_ref (own));
  return g_steal_pointer (&own);
}

static SeldonJson *
yaml_sequence (YamlReader   *R,
               yaml_event_t *start)
{
  g_autoptr (SeldonJson) array = seldon_json_new_array ();
  yaml_char_t *anchor = start->data.sequence_start.anchor;
  g_autofree char *anchor_name = anchor ? g_strdup ((const char *) anchor) : NULL;

  for (;;)
    {
      yaml_event_t event;
      SeldonJson *item;

      if (!yaml_reader_next (R, &event))
        return NULL;
      if (event.type == YAML_SEQUENCE_END_EVENT)
        {
          yaml_event_delete (&event);
          break;
        }
      item = yaml_node (R, &event);
      yaml_event_delete (&event);
      if (item == NULL)
        return NULL;
      seldon_json_array_append (array, item);
    }
  if (anchor_name)
    g_hash_table_replace (R->anchors, g_steal_pointer (&anchor_name), seldon_json_ref (array));
  return g_steal_pointer (&array);
}

/* Builds the node that starts with @event (which the caller deletes). */
static SeldonJson *
yaml_node (YamlReader   *R,
           yaml_event_t *event)
{
  SeldonJson *value = NULL;
  const char *tag = NULL;

  switch (event->type)
    {
    case YAML_SCALAR_EVENT:
      value = yaml_scalar (R, event);
      yaml_remember_anchor (R, event->data.scalar.anchor, value);
      return value;

    case YAML_ALIAS_EVENT:
      value = g_hash_table_lookup (R->anchors, event->data.alias.anchor);
      if (value == NULL)
        {
          yaml_reader_error (R, "found undefined alias", &event->start_mark);
          return NULL;
        }
      return seldon_json_ref (value);

    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
      tag = (const char *) (event->type == YAML_SEQUENCE_START_EVENT ? event->data.sequence_start.tag
                                                                       : event->data.mapping_start.tag);
      if (tag != NULL && strcmp (tag, "!") != 0 &&
          strcmp (tag, event->type == YAML_SEQUENCE_START_EVENT ? YAML_TAG_PREFIX "seq" : YAML_TAG_PREFIX "map") != 0)
        {
          g_autofree char *what = g_strdup_printf ("cannot construct a node tagged %s", tag);

          yaml_reader_error (R, what, &event->start_mark);
          return NULL;
        }
      if (++R->depth > YAML_MAX_DEPTH)
        {
          yaml_reader_error (R, "nesting too deep", &event->start_mark);
          return NULL;
        }
      if (event->type == YAML_SEQUENCE_START_EVENT)
        value = yaml_sequence (R, event);
      else
        value = yaml_mapping (R, event);
      R->depth--;
      return value;

    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
    case YAML_DOCUMENT_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
    default:
      yaml_reader_error (R, "unexpected event", &event->start_mark);
      return NULL;
    }
}

static SeldonJson *
parse_yaml (const char  *text,
            GError     **error)
{
  YamlReader R = { 0 };
  yaml_event_t event;
  SeldonJson *result = NULL;
  gboolean ok = FALSE;

  if (!yaml_parser_initialize (&R.parser))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot initialise the YAML parser");
      return NULL;
    }
  yaml_parser_set_input_string (&R.parser, (const unsigned char *) text, strlen (text));
  yaml_parser_set_encoding (&R.parser, YAML_UTF8_ENCODING);
  R.anchors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) seldon_json_unref);
  R.error = error;

  /* STREAM-START (DOCUMENT-START node DOCUMENT-END)? STREAM-END: exactly one document. */
  if (!yaml_reader_next (&R, &event))
    goto out;
  yaml_event_delete (&event);
  if (!yaml_reader_next (&R, &event))
    goto out;
  if (event.type == YAML_STREAM_END_EVENT)
    {
      yaml_event_delete (&event);
      result = seldon_json_new_null ();
      ok = TRUE;
      goto out;
    }
  yaml_event_delete (&event);           /* DOCUMENT-START */

  if (!yaml_reader_next (&R, &event))
    goto out;
  result = yaml_node (&R, &event);
  yaml_event_delete (&event);
  if (result == NULL)
    goto out;

  if (!yaml_reader_next (&R, &event))   /* DOCUMENT-END */
    goto out;
  yaml_event_delete (&event);
  if (!yaml_reader_next (&R, &event))
    goto out;
  if (event.type != YAML_STREAM_END_EVENT)
    {
      yaml_reader_error (&R, "expected a single document in the stream", &event.start_mark);
      yaml_event_delete (&event);
      goto out;
    }
  yaml_event_delete (&event);
  ok = TRUE;

out:
  if (!ok)
    g_clear_pointer (&result, seldon_json_unref);
  g_hash_table_unref (R.anchors);
  yaml_parser_delete (&R.parser);
  return result;
}

#endif /* HAVE_YAML */

SeldonJson *
seldon_metadata_parse_text (const char  *text,
                            GError     **error)
{
  SeldonJson *value;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

#ifdef HAVE_YAML
  {
    g_autoptr (GError) yaml_error = NULL;

    value = parse_yaml (text, &yaml_error);
    if (value != NULL)
      return value;
    /* libyaml (like PyYAML) rejects some valid JSON, e.g. tabs used as indentation. */
    value = seldon_json_parse (text, -1, NULL);
    if (value != NULL)
      return value;
    g_propagate_error (error, g_steal_pointer (&yaml_error));
    return NULL;
  }
#else
  /* YAML reads a blank text as null; JSON would call it a syntax error. */
  if (strspn (text, " \t\r\n") == strlen (text))
    return seldon_json_new_null ();
  value = seldon_json_parse (text, -1, error);
  return value;
#endif
}

/* ------------------------------------------------------------------------------------------ */
/* Validation (component-contract.md §8.2)                                                     */

static gboolean
is_type (const SeldonJson *v,
         SeldonJsonType    type)
{
  return v != NULL && seldon_json_get_type (v) == type;
}

/* "integer" in JSON Schema: integral numbers, including integral floats like 2.0; no booleans. */
static gboolean
is_integral (const SeldonJson *v)
{
  if (seldon_json_is_integer (v))
    return TRUE;
  if (is_type (v, SELDON_JSON_DOUBLE))
    {
      double d = seldon_json_get_double (v);

      return isfinite (d) && floor (d) == d;
    }
  return FALSE;
}

static gboolean
is_array_of (const SeldonJson *v,
             gboolean (*check) (const SeldonJson *))
{
  guint i;

  if (!is_type (v, SELDON_JSON_ARRAY))
    return FALSE;
  for (i = 0; i < seldon_json_array_get_length (v); i++)
    if (!check (seldon_json_array_get (v, i)))
      return FALSE;
  return TRUE;
}

static gboolean
is_string (const SeldonJson *v)
{
  return is_type (v, SELDON_JSON_STRING);
}

/* TRUE if every key of @obj is one of the NULL-terminated @allowed. */
static gboolean
has_only_keys (const SeldonJson   *obj,
               const char * const *allowed)
{
  guint i;

  for (i = 0; i < seldon_json_object_get_size (obj); i++)
    if (!g_strv_contains (allowed, seldon_json_object_get_key_at (obj, i)))
      return FALSE;
  return TRUE;
}

static gboolean
is_v1_array_schema (const SeldonJson *schema)
{
  static const char * const keys[] = { "names", "shape", NULL };
  SeldonJson *names, *shape;

  if (!is_type (schema, SELDON_JSON_OBJECT) || !has_only_keys (schema, keys))
    return FALSE;
  names = seldon_json_object_get (schema, "names");
  shape = seldon_json_object_get (schema, "shape");
  return (names == NULL || is_array_of (names, is_string)) &&
         (shape == NULL || is_array_of (shape, is_integral));
}

static gboolean
is_tensor_description (const SeldonJson *el)
{
  static const char * const v1_keys[] = { "messagetype", "schema", NULL };
  static const char * const v1_bare_keys[] = { "messagetype", NULL };
  static const char * const v2_keys[] = { "name", "datatype", "shape", NULL };
  static const char * const v2_datatypes[] = {
    "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64",
    "FP16", "FP32", "FP64", "BYTES", NULL
  };
  SeldonJson *messagetype, *schema;

  if (!is_type (el, SELDON_JSON_OBJECT))
    return FALSE;

  messagetype = seldon_json_object_get (el, "messagetype");
  if (messagetype != NULL)
    {
      const char *mt = seldon_json_get_string (messagetype);

      /* All five Seldon alternatives require a string messagetype; the V2 one forbids it. */
      if (mt == NULL)
        return FALSE;
      schema = seldon_json_object_get (el, "schema");

      if (g_str_equal (mt, "strData") || g_str_equal (mt, "binData"))
        return has_only_keys (el, v1_bare_keys);
      if (!has_only_keys (el, v1_keys))
        return FALSE;
      if (g_str_equal (mt, "tensor") || g_str_equal (mt, "ndarray") || g_str_equal (mt, "tftensor"))
        return schema == NULL || is_v1_array_schema (schema);
      /* jsonData and custom message types: any object as schema */
      return schema == NULL || is_type (schema, SELDON_JSON_OBJECT);
    }
  else
    {
      SeldonJson *name = seldon_json_object_get (el, "name");
      SeldonJson *datatype = seldon_json_object_get (el, "datatype");
      SeldonJson *shape = seldon_json_object_get (el, "shape");

      if (!has_only_keys (el, v2_keys))
        return FALSE;
      if (name != NULL && !is_string (name))
        return FALSE;
      if (datatype != NULL &&
          (!is_string (datatype) || !g_strv_contains (v2_datatypes, seldon_json_get_string (datatype))))
        return FALSE;
      return shape == NULL || is_array_of (shape, is_integral);
    }
}

static gboolean
invalid (GError          **error,
         const char       *what,
         const SeldonJson *value)
{
  g_autofree char *repr = value ? seldon_json_to_python_repr (value) : NULL;

  if (repr)
    g_set_error (error, SELDON_ERROR, SELDON_ERROR_BAD_METADATA,
                 "Model metadata validation error: %s: %s", what, repr);
  else
    g_set_error (error, SELDON_ERROR, SELDON_ERROR_BAD_METADATA,
                 "Model metadata validation error: %s", what);
  return FALSE;
}

static gboolean
validate_tensor_list (const SeldonJson  *metadata,
                      const char        *key,
                      GError           **error)
{
  SeldonJson *list = seldon_json_object_get (metadata, key);
  guint i;

  if (list == NULL)
    return TRUE;
  if (!is_type (list, SELDON_JSON_ARRAY))
    {
      g_autofree char *what = g_strdup_printf ("'%s' is not an array", key);

      return invalid (error, what, list);
    }
  for (i = 0; i < seldon_json_array_get_length (list); i++)
    {
      SeldonJson *el = seldon_json_array_get (list, i);

      if (!is_tensor_description (el))
        {
          g_autofree char *what = g_strdup_printf ("%s[%u] matches none of the tensor descriptions", key, i);

          return invalid (error, what, el);
        }
    }
  return TRUE;
}

gboolean
seldon_metadata_validate (const SeldonJson  *metadata,
                          GError           **error)
{
  static const char * const keys[] = { "name", "versions", "platform", "inputs", "outputs", "custom", NULL };
  SeldonJson *v;
  guint i;

  g_return_val_if_fail (metadata != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!is_type (metadata, SELDON_JSON_OBJECT))
    return invalid (error, "metadata is not an object", metadata);

  for (i = 0; i < seldon_json_object_get_size (metadata); i++)
    {
      const char *key = seldon_json_object_get_key_at (metadata, i);

      if (!g_strv_contains (keys, key))
        {
          g_autofree char *what = g_strdup_printf ("unexpected key '%s'", key);

          return invalid (error, what, NULL);
        }
    }

  if ((v = seldon_json_object_get (metadata, "name")) != NULL && !is_string (v))
    return invalid (error, "'name' is not a string", v);
  if ((v = seldon_json_object_get (metadata, "platform")) != NULL && !is_string (v))
    return invalid (error, "'platform' is not a string", v);
  if ((v = seldon_json_object_get (metadata, "versions")) != NULL && !is_array_of (v, is_string))
    return invalid (error, "'versions' is not an array of strings", v);
  if (!validate_tensor_list (metadata, "inputs", error) ||
      !validate_tensor_list (metadata, "outputs", error))
    return FALSE;
  if ((v = seldon_json_object_get (metadata, "custom")) != NULL)
    {
      if (!is_type (v, SELDON_JSON_OBJECT))
        return invalid (error, "'custom' is not an object", v);
      for (i = 0; i < seldon_json_object_get_size (v); i++)
        if (!is_string (seldon_json_object_get_value_at (v, i)))
          {
            g_autofree char *what = g_strdup_printf ("custom['%s'] is not a string",
                                                     seldon_json_object_get_key_at (v, i));

            return invalid (error, what, seldon_json_object_get_value_at (v, i));
          }
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Sources, merge, defaults                                                                    */

static SeldonJson *
env_metadata (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) value = NULL;

  if (text == NULL)
    return seldon_json_new_object ();

  value = seldon_metadata_parse_text (text, &error);
  if (value == NULL)
    {
      metadata_log_error ("Failed to parse MODEL_METADATA: %s", error->message);
      return seldon_json_new_object ();
    }
  if (!is_type (value, SELDON_JSON_OBJECT))
    {
      /* Upstream aborts start-up here; decisions.md D4: log and ignore. */
      g_autofree char *repr = seldon_json_to_python_repr (value);

      metadata_log_error ("MODEL_METADATA must be a mapping, ignoring it: %s", repr);
      return seldon_json_new_object ();
    }
  return g_steal_pointer (&value);
}

static void
set_default (SeldonJson *metadata,
             const char *key,
             SeldonJson *value)
{
  if (seldon_json_object_has (metadata, key))
    seldon_json_unref (value);
  else
    seldon_json_object_set (metadata, key, value);
}

SeldonJson *
seldon_metadata_build (SeldonJson  *user,
                       const char  *model_metadata_env,
                       const char  *unit_image,
                       GError     **error)
{
  g_autoptr (SeldonJson) metadata = NULL;
  g_autoptr (SeldonJson) env = NULL;
  g_autofree char *image_name = NULL;
  g_autofree char *image_version = NULL;
  SeldonJson *versions;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (user != NULL && is_type (user, SELDON_JSON_OBJECT))
    metadata = seldon_json_copy (user);
  else
    {
      if (user != NULL)
        metadata_log_error ("init_metadata must return dict");
      metadata = seldon_json_new_object ();
    }

  env = env_metadata (model_metadata_env);
  seldon_json_object_update (metadata, env);

  /* Image "name:tag", split at the last ':' (so "localhost:32000/iris:0.1" has the name
   * "localhost:32000/iris"); without ':' the whole text is the version and the name is "". */
  if (unit_image != NULL)
    {
      g_autofree char *valid = g_utf8_make_valid (unit_image, -1);
      const char *colon = strrchr (valid, ':');

      if (colon != NULL)
        {
          image_name = g_strndup (valid, colon - valid);
          image_version = g_strdup (colon + 1);
        }
      else
        {
          image_name = g_strdup ("");
          image_version = g_steal_pointer (&valid);
        }
    }
  else
    {
      image_name = g_strdup ("");
      image_version = g_strdup ("");
    }

  set_default (metadata, "name", seldon_json_new_string (image_name));
  versions = seldon_json_new_array_sized (1);
  seldon_json_array_append (versions, seldon_json_new_string (image_version));
  set_default (metadata, "versions", versions);
  set_default (metadata, "platform", seldon_json_new_string (""));
  set_default (metadata, "inputs", seldon_json_new_array ());
  set_default (metadata, "outputs", seldon_json_new_array ());
  set_default (metadata, "custom", seldon_json_new_object ());

  if (!seldon_metadata_validate (metadata, error))
    return NULL;
  return g_steal_pointer (&metadata);
}
