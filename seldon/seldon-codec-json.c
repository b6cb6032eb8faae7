/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The REST JSON path (rest-api.md §5 and §6): what a Python component would receive for a
 * request, and the answer upstream would build from what it returns. Every error text is the
 * one the Python wrapper produces (numpy's, base64's, or Python's TypeError/KeyError texts).
 */

#include "config.h"

#include <string.h>

#include "seldon-codec-private.h"
#include "seldon-error.h"
#include "seldon-message-private.h"
#include "seldon-proto-json-private.h"
#include "seldon-tensor-private.h"

/* ------------------------------------------------------------------------------------------ */
/* Python emulation */

gboolean
seldon_py_truthy (const SeldonJson *value)
{
  if (value == NULL)
    return FALSE;

  switch (seldon_json_get_type (value))
    {
    case SELDON_JSON_NULL:
      return FALSE;
    case SELDON_JSON_BOOL:
      return seldon_json_get_bool (value);
    case SELDON_JSON_INT:
      return seldon_json_get_int (value) != 0;
    case SELDON_JSON_BIGINT:
      return TRUE;
    case SELDON_JSON_DOUBLE:
      return seldon_json_get_double (value) != 0.0;
    case SELDON_JSON_STRING:
      return seldon_json_get_string_length (value) > 0;
    case SELDON_JSON_ARRAY:
      return seldon_json_array_get_length (value) > 0;
    case SELDON_JSON_OBJECT:
      return seldon_json_object_get_size (value) > 0;
    default:
      return TRUE;
    }
}

gboolean
seldon_py_contains (const SeldonJson *container,
                    const char       *key,
                    gboolean         *result,
                    GError          **error)
{
  *result = FALSE;

  switch (seldon_json_get_type (container))
    {
    case SELDON_JSON_OBJECT:
      *result = seldon_json_object_has (container, key);
      return TRUE;

    case SELDON_JSON_STRING:
      {
        const char *haystack = seldon_json_get_string (container);
        gsize haystack_len = seldon_json_get_string_length (container);
        gsize key_len = strlen (key);

        *result = memmem (haystack, haystack_len, key, key_len) != NULL;
        return TRUE;
      }

    case SELDON_JSON_ARRAY:
      for (guint i = 0; i < seldon_json_array_get_length (container); i++)
        {
          SeldonJson *item = seldon_json_array_get (container, i);

          if (seldon_json_get_type (item) == SELDON_JSON_STRING &&
              seldon_json_get_string_length (item) == strlen (key) &&
              memcmp (seldon_json_get_string (item), key, strlen (key)) == 0)
            {
              *result = TRUE;
              break;
            }
        }
      return TRUE;

    case SELDON_JSON_NULL:
    case SELDON_JSON_BOOL:
    case SELDON_JSON_INT:
    case SELDON_JSON_BIGINT:
    case SELDON_JSON_DOUBLE:
    default:
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                   "argument of type '%s' is not iterable", seldon_python_type_name (container));
      return FALSE;
    }
}

SeldonJson *
seldon_py_getitem (const SeldonJson *container,
                   const char       *key,
                   GError          **error)
{
  switch (seldon_json_get_type (container))
    {
    case SELDON_JSON_OBJECT:
      {
        SeldonJson *value = seldon_json_object_get (container, key);

        if (value == NULL)
          {
            g_autoptr(SeldonJson) key_json = seldon_json_new_string (key);
            g_autofree char *repr = seldon_json_to_python_repr (key_json);

            g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, repr);
          }
        return value;
      }

    case SELDON_JSON_STRING:
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                           "string indices must be integers, not 'str'");
      return NULL;

    case SELDON_JSON_ARRAY:
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                           "list indices must be integers or slices, not str");
      return NULL;

    case SELDON_JSON_NULL:
    case SELDON_JSON_BOOL:
    case SELDON_JSON_INT:
    case SELDON_JSON_BIGINT:
    case SELDON_JSON_DOUBLE:
    default:
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                   "'%s' object is not subscriptable", seldon_python_type_name (container));
      return NULL;
    }
}

void
seldon_py_append_bytes_repr (GString      *out,
                             const guint8 *data,
                             gsize         len)
{
  char quote = '\'';

  if (memchr (data, '\'', len) != NULL && memchr (data, '"', len) == NULL)
    quote = '"';

  g_string_append_c (out, 'b');
  g_string_append_c (out, quote);
  for (gsize i = 0; i < len; i++)
    {
      guint8 c = data[i];

      if (c == quote || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, c);
        }
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c < 0x20 || c >= 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, quote);
}

void
seldon_py_set_no_attribute_error (GError          **error,
                                  const SeldonJson *value,
                                  const char       *attribute)
{
  g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
               "'%s' object has no attribute '%s'", seldon_python_type_name (value), attribute);
}

gboolean
seldon_py_dict_update (SeldonJson       *target,
                       const SeldonJson *source,
                       GError          **error)
{
  if (seldon_json_get_type (target) != SELDON_JSON_OBJECT)
    {
      seldon_py_set_no_attribute_error (error, target, "update");
      return FALSE;
    }

  switch (seldon_json_get_type (source))
    {
    case SELDON_JSON_OBJECT:
      seldon_json_object_update (target, source);
      return TRUE;

    case SELDON_JSON_ARRAY:
      /* a sequence of key/value pairs */
      for (guint i = 0; i < seldon_json_array_get_length (source); i++)
        {
          SeldonJson *pair = seldon_json_array_get (source, i);
          gsize len;

          if (seldon_json_get_type (pair) == SELDON_JSON_ARRAY)
            len = seldon_json_array_get_length (pair);
          else if (seldon_json_get_type (pair) == SELDON_JSON_STRING)
            len = g_utf8_strlen (seldon_json_get_string (pair), seldon_json_get_string_length (pair));
          else if (seldon_json_get_type (pair) == SELDON_JSON_OBJECT)
            len = seldon_json_object_get_size (pair);
          else
            {
              g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                           "cannot convert dictionary update sequence element #%u to a sequence", i);
              return FALSE;
            }
          if (len != 2)
            {
              g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                           "dictionary update sequence element #%u has length %" G_GSIZE_FORMAT "; 2 is required",
                           i, len);
              return FALSE;
            }
          if (seldon_json_get_type (pair) == SELDON_JSON_ARRAY)
            {
              SeldonJson *key = seldon_json_array_get (pair, 0);
              g_autofree char *key_text = NULL;

              if (seldon_json_get_type (key) == SELDON_JSON_ARRAY || seldon_json_get_type (key) == SELDON_JSON_OBJECT)
                {
                  g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                               "unhashable type: '%s'", seldon_python_type_name (key));
                  return FALSE;
                }
              key_text = seldon_json_to_python_str (key);
              seldon_json_object_set (target, key_text, seldon_json_ref (seldon_json_array_get (pair, 1)));
            }
          else
            {
              g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                                   "tags must be a mapping of names to values");
              return FALSE;
            }
        }
      return TRUE;

    case SELDON_JSON_STRING:
      if (seldon_json_get_string_length (source) > 0)
        {
          g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                               "dictionary update sequence element #0 has length 1; 2 is required");
          return FALSE;
        }
      return TRUE;

    case SELDON_JSON_NULL:
    case SELDON_JSON_BOOL:
    case SELDON_JSON_INT:
    case SELDON_JSON_BIGINT:
    case SELDON_JSON_DOUBLE:
    default:
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                   "'%s' object is not iterable", seldon_python_type_name (source));
      return FALSE;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* base64 */

static int
b64_value (guint8 c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/* binascii.a2b_base64() in its default (non-strict) mode */
static GBytes *
a2b_base64 (const guint8 *data,
            gsize         len,
            GError      **error)
{
  GByteArray *out = g_byte_array_sized_new (len / 4 * 3 + 3);
  int quad_pos = 0;
  int pads = 0;
  guint leftchar = 0;

  for (gsize i = 0; i < len; i++)
    {
      guint8 c = data[i];
      int v;

      if (c == '=')
        {
          if (quad_pos >= 2 && quad_pos + ++pads >= 4)
            goto done;
          continue;
        }

      v = b64_value (c);
      if (v < 0)
        continue;
      pads = 0;

      switch (quad_pos)
        {
        case 0:
          quad_pos = 1;
          leftchar = v;
          break;
        case 1:
          {
            guint8 b = (guint8) ((leftchar << 2) | (v >> 4));
            g_byte_array_append (out, &b, 1);
            quad_pos = 2;
            leftchar = v & 0x0f;
          }
          break;
        case 2:
          {
            guint8 b = (guint8) ((leftchar << 4) | (v >> 2));
            g_byte_array_append (out, &b, 1);
            quad_pos = 3;
            leftchar = v & 0x03;
          }
          break;
        default:
          {
            guint8 b = (guint8) ((leftchar << 6) | v);
            g_byte_array_append (out, &b, 1);
            quad_pos = 0;
            leftchar = 0;
          }
          break;
        }
    }

  if (quad_pos != 0)
    {
      if (quad_pos == 1)
        g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                     "Invalid base64-encoded string: number of data characters (%u) cannot be 1 "
                     "more than a multiple of 4", out->len / 3 * 4 + 1);
      else
        g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "Incorrect padding");
      g_byte_array_unref (out);
      return NULL;
    }

done:
  return g_byte_array_free_to_bytes (out);
}

GBytes *
seldon_codec_b64decode (const SeldonJson *value,
                        GError          **error)
{
  const char *text;
  gsize len;

  if (seldon_json_get_type (value) != SELDON_JSON_STRING)
    {
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                   "argument should be a bytes-like object or ASCII string, not '%s'",
                   seldon_python_type_name (value));
      return NULL;
    }

  text = seldon_json_get_string (value);
  len = seldon_json_get_string_length (value);
  for (gsize i = 0; i < len; i++)
    if ((guint8) text[i] >= 0x80)
      {
        g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                             "string argument should contain only ASCII characters");
        return NULL;
      }

  return a2b_base64 ((const guint8 *) text, len, error);
}

char *
seldon_codec_b64encode (GBytes *bytes)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  return g_base64_encode (data, size);
}

/* ------------------------------------------------------------------------------------------ */
/* decoding (rest-api.md §5) */

static gboolean
set_invalid_request_error (GError          **error,
                           const SeldonJson *request)
{
  g_autofree char *text = seldon_json_to_python_str (request);

  g_set_error (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA, "Invalid request data type: %s", text);
  return FALSE;
}

/* json_format.ParseDict(tftensor, TensorProto()) then tf.make_ndarray() */
static SeldonTensor *
decode_tftensor (const SeldonJson *tftensor,
                 GError          **error)
{
  g_autoptr(SeldonJson) proto = seldon_proto_json_parse (SELDON_PROTO_TENSOR_PROTO, tftensor,
                                                         SELDON_PROTO_JSON_NONE, error);

  if (proto == NULL)
    return NULL;
  return seldon_proto_json_make_ndarray (proto, error);
}

/* The array of a `data` value and how it was given. */
static SeldonTensor *
decode_datadef (const SeldonJson *datadef,
                SeldonDataKind   *kind,
                GError          **error)
{
  gboolean has = FALSE;

  if (!seldon_py_contains (datadef, "tensor", &has, error))
    return NULL;
  if (has)
    {
      g_autoptr(SeldonTensor) flat = NULL;
      SeldonJson *tensor;
      SeldonJson *values;
      SeldonJson *shape;

      *kind = SELDON_DATA_KIND_TENSOR;
      if ((tensor = seldon_py_getitem (datadef, "tensor", error)) == NULL)
        return NULL;
      if ((values = seldon_py_getitem (tensor, "values", error)) == NULL)
        return NULL;
      if ((flat = seldon_tensor_new_from_seldon_json (values, error)) == NULL)
        return NULL;
      if ((shape = seldon_py_getitem (tensor, "shape", error)) == NULL)
        return NULL;
      return seldon_tensor_reshape (flat, shape, error);
    }

  if (!seldon_py_contains (datadef, "ndarray", &has, error))
    return NULL;
  if (has)
    {
      SeldonJson *ndarray;

      *kind = SELDON_DATA_KIND_NDARRAY;
      if ((ndarray = seldon_py_getitem (datadef, "ndarray", error)) == NULL)
        return NULL;
      return seldon_tensor_new_from_seldon_json (ndarray, error);
    }

  if (!seldon_py_contains (datadef, "tftensor", &has, error))
    return NULL;
  if (has)
    {
      SeldonJson *tftensor;

      *kind = SELDON_DATA_KIND_TFTENSOR;
      if ((tftensor = seldon_py_getitem (datadef, "tftensor", error)) == NULL)
        return NULL;
      return decode_tftensor (tftensor, error);
    }

  *kind = SELDON_DATA_KIND_EMPTY;
  {
    gint64 zero = 0;

    return seldon_tensor_new_take (SELDON_DTYPE_FLOAT64, &zero, 1, NULL, NULL);
  }
}

SeldonMessage *
seldon_codec_decode_rest (const SeldonJson *request,
                          GError          **error)
{
  g_autoptr(SeldonMessage) message = NULL;
  SeldonJson *value;

  g_return_val_if_fail (request != NULL, NULL);

  if (seldon_json_get_type (request) != SELDON_JSON_OBJECT)
    {
      set_invalid_request_error (error, request);
      return NULL;
    }

  if ((value = seldon_json_object_get (request, "data")) != NULL)
    {
      SeldonDataKind kind = SELDON_DATA_KIND_EMPTY;
      SeldonTensor *tensor = decode_datadef (value, &kind, error);
      gboolean has_names = FALSE;

      if (tensor == NULL)
        return NULL;
      message = seldon_message_new_take_tensor (tensor);
      seldon_message_set_data_kind (message, kind);

      /* `datadef["names"] if datadef and "names" in datadef else []` */
      if (seldon_py_truthy (value))
        {
          if (!seldon_py_contains (value, "names", &has_names, error))
            return NULL;
          if (has_names)
            {
              SeldonJson *names = seldon_py_getitem (value, "names", error);

              if (names == NULL)
                return NULL;
              seldon_message_take_names_json (message, seldon_json_ref (names));
            }
        }
    }
  else if ((value = seldon_json_object_get (request, "jsonData")) != NULL)
    message = seldon_message_new_take_value (SELDON_PAYLOAD_JSON, seldon_json_ref (value));
  else if ((value = seldon_json_object_get (request, "strData")) != NULL)
    message = seldon_message_new_take_value (SELDON_PAYLOAD_STRING, seldon_json_ref (value));
  else if ((value = seldon_json_object_get (request, "binData")) != NULL)
    {
      GBytes *bytes = seldon_codec_b64decode (value, error);

      if (bytes == NULL)
        return NULL;
      message = seldon_message_new_take_bytes (bytes);
    }
  else
    {
      set_invalid_request_error (error, request);
      return NULL;
    }

  if ((value = seldon_json_object_get (request, "meta")) != NULL)
    seldon_message_take_meta (message, seldon_json_ref (value));

  return g_steal_pointer (&message);
}

/* ------------------------------------------------------------------------------------------ */
/* answers (rest-api.md §6) */

char *
seldon_codec_result_to_python_str (SeldonMessage *result)
{
  GString *out = g_string_new (NULL);

  switch (seldon_message_get_payload_kind (result))
    {
    case SELDON_PAYLOAD_TENSOR:
      seldon_tensor_append_python_str (out, seldon_message_get_tensor (result));
      break;
    case SELDON_PAYLOAD_LIST:
    case SELDON_PAYLOAD_STRING:
    case SELDON_PAYLOAD_JSON:
      seldon_json_append_python_str (out, seldon_message_peek_value (result));
      break;
    case SELDON_PAYLOAD_BYTES:
      {
        gsize size = 0;
        const guint8 *data = g_bytes_get_data (seldon_message_get_bin_data (result), &size);

        seldon_py_append_bytes_repr (out, data, size);
      }
      break;
    case SELDON_PAYLOAD_CUSTOM:
      g_string_append_printf (out, "type_url: \"%s\"", seldon_message_get_custom_type_url (result));
      break;
    case SELDON_PAYLOAD_NONE:
    default:
      {
        const char *invalid = seldon_message_get_invalid_description (result);

        g_string_append (out, invalid != NULL ? invalid : "None");
      }
      break;
    }

  return g_string_free (out, FALSE);
}

static void
set_unknown_type_error (GError       **error,
                        SeldonMessage *result)
{
  g_autofree char *text = seldon_codec_result_to_python_str (result);

  g_set_error (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA,
               "Unknown data type returned as payload (must be list or np array):%s", text);
}

typedef enum
{
  ARRAY_FORM_NONE,     /* the request had no `data` */
  ARRAY_FORM_TENSOR,
  ARRAY_FORM_TFTENSOR,
  ARRAY_FORM_NDARRAY,
} ArrayForm;

/* How upstream picks the answer's form: `"data" in request`, then `"tensor" in data`,
 * `"tftensor" in data` (Python membership tests). */
static gboolean
request_array_form (const SeldonJson *request,
                    ArrayForm        *form,
                    GError          **error)
{
  SeldonJson *data;
  gboolean has = FALSE;

  *form = ARRAY_FORM_NONE;
  if (request == NULL || seldon_json_get_type (request) != SELDON_JSON_OBJECT ||
      (data = seldon_json_object_get (request, "data")) == NULL)
    return TRUE;

  if (!seldon_py_contains (data, "tensor", &has, error))
    return FALSE;
  if (has)
    {
      *form = ARRAY_FORM_TENSOR;
      return TRUE;
    }
  if (!seldon_py_contains (data, "tftensor", &has, error))
    return FALSE;
  *form = has ? ARRAY_FORM_TFTENSOR : ARRAY_FORM_NDARRAY;
  return TRUE;
}

SeldonJson *
seldon_codec_class_names (SeldonTensor              *array,
                          const SeldonResponseParts *parts,
                          GError                   **error)
{
  SeldonJson *names = seldon_json_new_array ();
  guint n_dims = 0;
  const gint64 *shape = seldon_tensor_get_shape (array, &n_dims);

  if (n_dims < 2)
    return names;

  if (parts->class_names != NULL)
    {
      GError *local_error = NULL;
      g_auto(GStrv) user = parts->class_names (parts->class_names_data, &local_error);

      if (local_error != NULL)
        {
          seldon_json_unref (names);
          g_propagate_error (error, local_error);
          return NULL;
        }
      if (user != NULL)
        {
          for (guint i = 0; user[i] != NULL; i++)
            seldon_json_array_append (names, seldon_json_new_string (user[i]));
          return names;
        }
    }

  for (gint64 i = 0; i < shape[1]; i++)
    {
      /* "t:<i>", without printf: this runs for every column of every numeric answer */
      char buf[32];
      char *p = buf + sizeof buf;
      guint64 n = (guint64) i;

      *--p = '\0';
      do
        *--p = (char) ('0' + n % 10);
      while ((n /= 10) != 0);
      *--p = ':';
      *--p = 't';
      seldon_json_array_append (names, seldon_json_new_string (p));
    }
  return names;
}

static gboolean
build_array_payload (SeldonJson                *response,
                     SeldonTensor              *array,
                     const SeldonJson          *list_form,
                     const SeldonResponseParts *parts,
                     GError                   **error)
{
  g_autoptr(SeldonJson) data = seldon_json_new_object ();
  SeldonJson *names;
  ArrayForm form;
  gboolean numeric = seldon_tensor_is_numeric (array);

  if (!request_array_form (parts->request, &form, error))
    return FALSE;

  if (numeric && (form == ARRAY_FORM_TENSOR || form == ARRAY_FORM_NONE))
    {
      SeldonJson *tensor = seldon_json_new_object ();

      seldon_json_object_set (tensor, "values", seldon_tensor_to_flat_json (array));
      seldon_json_object_set (tensor, "shape", seldon_tensor_shape_to_json (array));
      seldon_json_object_set (data, "tensor", tensor);
    }
  else if (numeric && form == ARRAY_FORM_TFTENSOR)
    {
      SeldonJson *tftensor = seldon_proto_json_make_tensor_proto (array, error);

      if (tftensor == NULL)
        return FALSE;
      seldon_json_object_set (data, "tftensor", tftensor);
    }
  else if (list_form != NULL)
    seldon_json_object_set (data, "ndarray", seldon_json_ref ((SeldonJson *) list_form));
  else
    seldon_json_object_set (data, "ndarray", seldon_tensor_to_seldon_json (array));

  names = seldon_codec_class_names (array, parts, error);
  if (names == NULL)
    return FALSE;
  seldon_json_object_set (data, "names", names);

  seldon_json_object_set (response, "data", g_steal_pointer (&data));
  return TRUE;
}

gboolean
seldon_codec_merge_tags (SeldonJson                *tags,
                         const SeldonResponseParts *parts,
                         GError                   **error)
{
  g_autoptr(SeldonJson) static_tags = NULL;

  if (parts->tags != NULL)
    {
      GError *local_error = NULL;

      static_tags = parts->tags (parts->tags_data, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
    }
  if (seldon_py_truthy (static_tags) && !seldon_py_dict_update (tags, static_tags, error))
    return FALSE;
  if (seldon_py_truthy (parts->runtime_tags) &&
      !seldon_py_dict_update (tags, parts->runtime_tags, error))
    return FALSE;
  return TRUE;
}

/* rest-api.md §6.3, in upstream's order of operations and with its Python failures */
static SeldonJson *
build_meta (const SeldonResponseParts *parts,
            GError                   **error)
{
  g_autoptr(SeldonJson) out = seldon_json_new_object ();
  g_autoptr(SeldonJson) tags = NULL;
  g_autoptr(SeldonJson) metrics = NULL;
  g_autoptr(SeldonJson) request_path = NULL;
  SeldonJson *value;
  const SeldonJson *meta = parts->meta;
  gboolean have_meta = seldon_py_truthy (meta);

  if (have_meta)
    {
      if (seldon_json_get_type (meta) != SELDON_JSON_OBJECT)
        {
          seldon_py_set_no_attribute_error (error, meta, "get");
          return NULL;
        }
      value = seldon_json_object_get (meta, "tags");
      tags = value != NULL ? seldon_json_copy (value) : seldon_json_new_object ();
      value = seldon_json_object_get (meta, "metrics");
      metrics = value != NULL ? seldon_json_copy (value) : seldon_json_new_array ();
    }
  else
    {
      tags = seldon_json_new_object ();
      metrics = seldon_json_new_array ();
    }

  if (!seldon_codec_merge_tags (tags, parts, error))
    return NULL;

  if (seldon_py_truthy (parts->metrics))
    {
      if (seldon_json_get_type (metrics) != SELDON_JSON_ARRAY)
        {
          seldon_py_set_no_attribute_error (error, metrics, "extend");
          return NULL;
        }
      for (guint i = 0; i < seldon_json_array_get_length (parts->metrics); i++)
        seldon_json_array_append (metrics, seldon_json_ref (seldon_json_array_get (parts->metrics, i)));
    }

  if (seldon_py_truthy (tags))
    seldon_json_object_set (out, "tags", g_steal_pointer (&tags));
  if (seldon_py_truthy (metrics))
    seldon_json_object_set (out, "metrics", g_steal_pointer (&metrics));

  /* puid: client_request_raw.get("meta", {}).get("puid", None) */
  if (parts->request != NULL && seldon_json_get_type (parts->request) == SELDON_JSON_OBJECT &&
      (value = seldon_json_object_get (parts->request, "meta")) != NULL)
    {
      SeldonJson *puid;

      if (seldon_json_get_type (value) != SELDON_JSON_OBJECT)
        {
          seldon_py_set_no_attribute_error (error, value, "get");
          return NULL;
        }
      puid = seldon_json_object_get (value, "puid");
      if (seldon_py_truthy (puid))
        seldon_json_object_set (out, "puid", seldon_json_copy (puid));
    }

  /* requestPath: {**env, **meta.get("requestPath", {})} */
  request_path = parts->env_request_path != NULL ? seldon_json_copy (parts->env_request_path)
                                                 : seldon_json_new_object ();
  if (have_meta && (value = seldon_json_object_get (meta, "requestPath")) != NULL)
    {
      if (seldon_json_get_type (value) != SELDON_JSON_OBJECT)
        {
          g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                       "'%s' object is not a mapping", seldon_python_type_name (value));
          return NULL;
        }
      seldon_json_object_update (request_path, value);
    }
  if (seldon_py_truthy (request_path))
    seldon_json_object_set (out, "requestPath", g_steal_pointer (&request_path));

  return g_steal_pointer (&out);
}

SeldonJson *
seldon_codec_build_rest_response (SeldonMessage             *result,
                                  const SeldonResponseParts *parts,
                                  GError                   **error)
{
  g_autoptr(SeldonJson) response = seldon_json_new_object ();
  SeldonJson *meta;

  g_return_val_if_fail (SELDON_IS_MESSAGE (result), NULL);
  g_return_val_if_fail (parts != NULL, NULL);

  switch (seldon_message_get_payload_kind (result))
    {
    case SELDON_PAYLOAD_BYTES:
      seldon_json_object_set (response, "binData",
                              seldon_json_new_string_take (seldon_codec_b64encode (seldon_message_get_bin_data (result))));
      break;

    case SELDON_PAYLOAD_TENSOR:
      if (!build_array_payload (response, seldon_message_get_tensor (result), NULL, parts, error))
        return NULL;
      break;

    case SELDON_PAYLOAD_LIST:
    case SELDON_PAYLOAD_STRING:
    case SELDON_PAYLOAD_JSON:
      {
        SeldonJson *value = seldon_message_peek_value (result);

        switch (seldon_json_get_type (value))
          {
          case SELDON_JSON_OBJECT:
            seldon_json_object_set (response, "jsonData", seldon_json_ref (value));
            break;
          case SELDON_JSON_STRING:
            seldon_json_object_set (response, "strData", seldon_json_ref (value));
            break;
          case SELDON_JSON_ARRAY:
            {
              g_autoptr(SeldonTensor) array = seldon_tensor_new_from_seldon_json (value, error);

              if (array == NULL)
                return NULL;
              if (!build_array_payload (response, array, value, parts, error))
                return NULL;
            }
            break;
          case SELDON_JSON_NULL:
          case SELDON_JSON_BOOL:
          case SELDON_JSON_INT:
          case SELDON_JSON_BIGINT:
          case SELDON_JSON_DOUBLE:
          default:
            set_unknown_type_error (error, result);
            return NULL;
          }
      }
      break;

    case SELDON_PAYLOAD_NONE:
    case SELDON_PAYLOAD_CUSTOM:
    default:
      set_unknown_type_error (error, result);
      return NULL;
    }

  meta = build_meta (parts, error);
  if (meta == NULL)
    return NULL;
  seldon_json_object_set (response, "meta", meta);

  return g_steal_pointer (&response);
}

/* ------------------------------------------------------------------------------------------ */
/* routers (rest-api.md §9.4) */

static SeldonTensor *
one_by_one (SeldonDType  dtype,
            GBytes      *data,
            SeldonJson **elements)
{
  gint64 shape[2] = { 1, 1 };

  return seldon_tensor_new_take (dtype, shape, 2, data, elements);
}

SeldonTensor *
seldon_codec_route_to_tensor (SeldonMessage *result,
                              GError       **error)
{
  g_autofree char *text = NULL;

  switch (seldon_message_get_payload_kind (result))
    {
    case SELDON_PAYLOAD_TENSOR:
      {
        SeldonTensor *tensor = seldon_message_get_tensor (result);
        SeldonDType dtype = seldon_tensor_get_dtype (tensor);

        if (seldon_tensor_get_n_elements (tensor) == 1 &&
            (seldon_dtype_is_integer (dtype) || dtype == SELDON_DTYPE_BOOL))
          return one_by_one (dtype, g_bytes_ref (seldon_tensor_get_data (tensor)), NULL);
      }
      break;

    case SELDON_PAYLOAD_LIST:
    case SELDON_PAYLOAD_STRING:
    case SELDON_PAYLOAD_JSON:
      {
        SeldonJson *value = seldon_message_peek_value (result);
        guint64 u;

        switch (seldon_json_get_type (value))
          {
          case SELDON_JSON_INT:
            {
              gint64 v = seldon_json_get_int (value);

              return one_by_one (SELDON_DTYPE_INT64, g_bytes_new (&v, sizeof v), NULL);
            }
          case SELDON_JSON_BOOL:
            {
              guint8 v = seldon_json_get_bool (value) ? 1 : 0;

              return one_by_one (SELDON_DTYPE_BOOL, g_bytes_new (&v, 1), NULL);
            }
          case SELDON_JSON_BIGINT:
            if (seldon_json_get_uint64 (value, &u))
              return one_by_one (SELDON_DTYPE_UINT64, g_bytes_new (&u, sizeof u), NULL);
            else
              {
                SeldonJson **elements = g_new0 (SeldonJson *, 1);

                elements[0] = seldon_json_ref (value);
                return one_by_one (SELDON_DTYPE_OBJECT, NULL, elements);
              }
          case SELDON_JSON_NULL:
          case SELDON_JSON_DOUBLE:
          case SELDON_JSON_STRING:
          case SELDON_JSON_ARRAY:
          case SELDON_JSON_OBJECT:
          default:
            break;
          }
      }
      break;

    case SELDON_PAYLOAD_NONE:
    case SELDON_PAYLOAD_BYTES:
    case SELDON_PAYLOAD_CUSTOM:
    default:
      break;
    }

  text = seldon_codec_result_to_python_str (result);
  g_set_error (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA,
               "Routing response must be int but got %s", text);
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* the standalone message codec */

SeldonJson *
seldon_codec_encode_message (SeldonMessage *self,
                             GError       **error)
{
  g_autoptr(SeldonJson) request = seldon_json_new_object ();
  SeldonJson *meta = seldon_message_peek_meta (self);
  SeldonResponseParts parts = { NULL, };

  /* Answer in the message's own array form. */
  switch (seldon_message_get_data_kind (self))
    {
    case SELDON_DATA_KIND_TENSOR:
    case SELDON_DATA_KIND_NDARRAY:
    case SELDON_DATA_KIND_TFTENSOR:
    case SELDON_DATA_KIND_EMPTY:
      {
        SeldonJson *data = seldon_json_new_object ();

        if (seldon_message_get_data_kind (self) == SELDON_DATA_KIND_TENSOR)
          seldon_json_object_set (data, "tensor", seldon_json_new_null ());
        else if (seldon_message_get_data_kind (self) == SELDON_DATA_KIND_TFTENSOR)
          seldon_json_object_set (data, "tftensor", seldon_json_new_null ());
        seldon_json_object_set (request, "data", data);
      }
      break;
    case SELDON_DATA_KIND_NONE:
    default:
      break;
    }
  if (meta != NULL && seldon_json_get_type (meta) == SELDON_JSON_OBJECT)
    seldon_json_object_set (request, "meta", seldon_json_ref (meta));

  parts.request = request;
  parts.meta = meta != NULL && seldon_json_get_type (meta) == SELDON_JSON_OBJECT ? meta : NULL;
  parts.runtime_tags = seldon_message_peek_tags (self);
  parts.metrics = seldon_message_peek_metrics (self);
  if (parts.metrics != NULL && seldon_json_get_type (parts.metrics) != SELDON_JSON_ARRAY)
    parts.metrics = NULL;

  return seldon_codec_build_rest_response (self, &parts, error);
}

/* ------------------------------------------------------------------------------------------ */
/* custom metrics (component-contract.md §7.2) */

gboolean
seldon_codec_metrics_valid (const SeldonJson *metrics)
{
  if (metrics == NULL || seldon_json_get_type (metrics) != SELDON_JSON_ARRAY)
    return FALSE;

  for (guint i = 0; i < seldon_json_array_get_length (metrics); i++)
    {
      SeldonJson *metric = seldon_json_array_get (metrics, i);
      SeldonJson *type;
      SeldonJson *value;
      const char *name;

      if (seldon_json_get_type (metric) != SELDON_JSON_OBJECT ||
          !seldon_json_object_has (metric, "key") ||
          (value = seldon_json_object_get (metric, "value")) == NULL ||
          (type = seldon_json_object_get (metric, "type")) == NULL)
        return FALSE;

      if (seldon_json_get_type (type) != SELDON_JSON_STRING)
        return FALSE;
      name = seldon_json_get_string (type);
      if (seldon_json_get_string_length (type) != strlen (name) ||
          (strcmp (name, "COUNTER") != 0 && strcmp (name, "GAUGE") != 0 && strcmp (name, "TIMER") != 0))
        return FALSE;

      if (!seldon_json_is_number (value) && seldon_json_get_type (value) != SELDON_JSON_BOOL)
        return FALSE;
    }

  return TRUE;
}

void
seldon_codec_set_bad_metric_error (GError          **error,
                                   const SeldonJson *metrics)
{
  g_autofree char *text = NULL;

  if (metrics == NULL)
    text = g_strdup ("null");
  else
    text = seldon_json_to_string (metrics, SELDON_JSON_WRITE_SPACED | SELDON_JSON_WRITE_ASCII);

  g_set_error (error, SELDON_ERROR, SELDON_ERROR_BAD_METRIC,
               "Bad metric created during request: %s", text);
}
