/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <string.h>

#include "seldon-codec-private.h"
#include "seldon-enums.h"
#include "seldon-error.h"
#include "seldon-message.h"
#include "seldon-message-private.h"
#include "seldon-tensor-private.h"

/**
 * SeldonMessage:
 *
 * A Seldon message: the request a component method receives and the result it returns.
 *
 * A message carries one payload ([enum@Seldon.PayloadKind]): an array
 * ([class@Seldon.Tensor]; `data` on the wire), nested JSON lists (answered verbatim as
 * `data.ndarray`, like a list returned by a Python component), a string (`strData`), bytes
 * (`binData`), any JSON value (`jsonData`) or, on gRPC, a `google.protobuf.Any`
 * (`customData`).
 *
 * A request also tells how it carried its array ([method@Seldon.Message.get_data_kind]),
 * which column names it gave ([method@Seldon.Message.get_names]) and its `meta` object exactly
 * as sent ([method@Seldon.Message.dup_meta]).
 *
 * On a result, a component may set runtime tags ([method@Seldon.Message.set_tag]) and runtime
 * metrics ([method@Seldon.Message.add_metric]); the server merges them into the answer's
 * `meta` after the component's static tags and metrics, like Python's `SeldonResponse`.
 *
 * Since: 1.0
 */

struct _SeldonMessage
{
  GObject parent_instance;

  SeldonPayloadKind kind;
  SeldonTensor *tensor;    /* TENSOR */
  SeldonJson *value;       /* LIST, STRING, JSON */
  GBytes *bytes;           /* BYTES, CUSTOM */
  char *type_url;          /* CUSTOM */
  char *invalid;           /* NONE: what the result stood for (seldon_message_new_invalid) */

  SeldonDataKind data_kind;
  SeldonJson *names_json;  /* data.names as given */
  char **names;            /* cache of names_json as strings */

  SeldonJson *meta;        /* request meta as sent */
  SeldonJson *tags;        /* runtime tags */
  SeldonJson *metrics;     /* runtime metrics */
};

G_DEFINE_FINAL_TYPE (SeldonMessage, seldon_message, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_PAYLOAD_KIND,
  PROP_DATA_KIND,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
clear_payload (SeldonMessage *self)
{
  g_clear_object (&self->tensor);
  g_clear_pointer (&self->value, seldon_json_unref);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_pointer (&self->type_url, g_free);
  g_clear_pointer (&self->invalid, g_free);
  self->kind = SELDON_PAYLOAD_NONE;
}

static void
seldon_message_finalize (GObject *object)
{
  SeldonMessage *self = SELDON_MESSAGE (object);

  clear_payload (self);
  g_clear_pointer (&self->names_json, seldon_json_unref);
  g_clear_pointer (&self->names, g_strfreev);
  g_clear_pointer (&self->meta, seldon_json_unref);
  g_clear_pointer (&self->tags, seldon_json_unref);
  g_clear_pointer (&self->metrics, seldon_json_unref);

  G_OBJECT_CLASS (seldon_message_parent_class)->finalize (object);
}

static void
seldon_message_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SeldonMessage *self = SELDON_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_PAYLOAD_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_DATA_KIND:
      g_value_set_enum (value, self->data_kind);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
seldon_message_class_init (SeldonMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = seldon_message_finalize;
  object_class->get_property = seldon_message_get_property;

  /**
   * SeldonMessage:payload-kind:
   *
   * Which payload the message carries.
   *
   * Since: 1.0
   */
  properties[PROP_PAYLOAD_KIND] =
    g_param_spec_enum ("payload-kind", NULL, NULL,
                       SELDON_TYPE_PAYLOAD_KIND, SELDON_PAYLOAD_NONE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SeldonMessage:data-kind:
   *
   * How a request carried its array.
   *
   * Since: 1.0
   */
  properties[PROP_DATA_KIND] =
    g_param_spec_enum ("data-kind", NULL, NULL,
                       SELDON_TYPE_DATA_KIND, SELDON_DATA_KIND_NONE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
seldon_message_init (SeldonMessage *self)
{
}

/* ------------------------------------------------------------------------------------------ */
/* private API */

SeldonMessage *
seldon_message_new_take_value (SeldonPayloadKind kind,
                               SeldonJson       *value)
{
  SeldonMessage *self = g_object_new (SELDON_TYPE_MESSAGE, NULL);

  self->kind = kind;
  self->value = value != NULL ? value : seldon_json_new_null ();
  return self;
}

SeldonMessage *
seldon_message_new_take_bytes (GBytes *bytes)
{
  SeldonMessage *self = g_object_new (SELDON_TYPE_MESSAGE, NULL);

  self->kind = SELDON_PAYLOAD_BYTES;
  self->bytes = bytes;
  return self;
}

SeldonMessage *
seldon_message_new_take_tensor (SeldonTensor *tensor)
{
  SeldonMessage *self = g_object_new (SELDON_TYPE_MESSAGE, NULL);

  self->kind = SELDON_PAYLOAD_TENSOR;
  self->tensor = tensor;
  return self;
}

SeldonJson *
seldon_message_peek_value (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  return self->value;
}

void
seldon_message_set_data_kind (SeldonMessage  *self,
                              SeldonDataKind  kind)
{
  g_return_if_fail (SELDON_IS_MESSAGE (self));

  self->data_kind = kind;
}

SeldonJson *
seldon_message_peek_names_json (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  return self->names_json;
}

void
seldon_message_take_names_json (SeldonMessage *self,
                                SeldonJson    *names)
{
  g_return_if_fail (SELDON_IS_MESSAGE (self));

  g_clear_pointer (&self->names_json, seldon_json_unref);
  g_clear_pointer (&self->names, g_strfreev);
  self->names_json = names;
}

SeldonJson *
seldon_message_peek_meta (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  return self->meta;
}

void
seldon_message_take_meta (SeldonMessage *self,
                          SeldonJson    *meta)
{
  g_return_if_fail (SELDON_IS_MESSAGE (self));

  g_clear_pointer (&self->meta, seldon_json_unref);
  self->meta = meta;
}

SeldonJson *
seldon_message_peek_tags (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  return self->tags;
}

SeldonJson *
seldon_message_peek_metrics (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  return self->metrics;
}

void
seldon_message_take_tags (SeldonMessage *self,
                          SeldonJson    *tags)
{
  g_return_if_fail (SELDON_IS_MESSAGE (self));

  g_clear_pointer (&self->tags, seldon_json_unref);
  self->tags = tags;
}

void
seldon_message_take_metrics (SeldonMessage *self,
                             SeldonJson    *metrics)
{
  g_return_if_fail (SELDON_IS_MESSAGE (self));

  g_clear_pointer (&self->metrics, seldon_json_unref);
  self->metrics = metrics;
}

/* ------------------------------------------------------------------------------------------ */
/* constructors */

/**
 * seldon_message_new:
 *
 * Creates a message without a payload. Returned from a component method, it stands for
 * Python's `None`: predict and the transforms then fail with `Unknown data type returned as
 * payload`, while send-feedback answers an empty array.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_message_new (void)
{
  return g_object_new (SELDON_TYPE_MESSAGE, NULL);
}

/**
 * seldon_message_new_tensor:
 * @tensor: the array
 *
 * Creates a message carrying an array, like a numpy array returned by a Python component:
 * a numeric array is answered in the request's array form (`tensor`, `ndarray` or
 * `tftensor`; `tensor` when the request had no `data`), any other as `ndarray`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_message_new_tensor (SeldonTensor *tensor)
{
  g_return_val_if_fail (SELDON_IS_TENSOR (tensor), NULL);

  return seldon_message_new_take_tensor (g_object_ref (tensor));
}

/**
 * seldon_message_new_list:
 * @list: a JSON array (any nesting)
 *
 * Creates a message carrying nested lists, like a Python list returned by a component. The
 * answer is typed as the array the lists convert to (see
 * [ctor@Seldon.Tensor.new_from_json]) but an `ndarray` answer holds the lists verbatim.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_message_new_list (JsonNode *list)
{
  g_return_val_if_fail (list != NULL && JSON_NODE_HOLDS_ARRAY (list), NULL);

  return seldon_message_new_take_value (SELDON_PAYLOAD_LIST, seldon_json_from_json_node (list));
}

/**
 * seldon_message_new_string:
 * @str: a UTF-8 string
 *
 * Creates a message carrying a string (`strData`).
 *
 * Returns: (transfer full): a new message
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_message_new_string (const char *str)
{
  g_return_val_if_fail (str != NULL, NULL);
  g_return_val_if_fail (g_utf8_validate (str, -1, NULL), NULL);

  return seldon_message_new_take_value (SELDON_PAYLOAD_STRING, seldon_json_new_string (str));
}

/**
 * seldon_message_new_bytes:
 * @bytes: the bytes
 *
 * Creates a message carrying bytes (`binData`, base64 in JSON).
 *
 * Returns: (transfer full): a new message
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_message_new_bytes (GBytes *bytes)
{
  g_return_val_if_fail (bytes != NULL, NULL);

  return seldon_message_new_take_bytes (g_bytes_ref (bytes));
}

/**
 * seldon_message_new_json:
 * @json: (nullable): any JSON value (%NULL is JSON `null`)
 *
 * Creates a message carrying a JSON value, like a Python component returning the value
 * `json.loads` would give: an object is answered as `jsonData`, an array like
 * [ctor@Seldon.Message.new_list], a string as `strData`, and anything else (`null`, a
 * number, a boolean) fails with `Unknown data type returned as payload`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_message_new_json (JsonNode *json)
{
  return seldon_message_new_take_value (SELDON_PAYLOAD_JSON, seldon_json_from_json_node (json));
}

/**
 * seldon_message_new_route:
 * @child: the child to route to: its index, -1 for all children, -2 for none
 *
 * Creates the result of a router: a 0-dimensional integer array.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_message_new_route (gint64 child)
{
  return seldon_message_new_take_tensor (
    seldon_tensor_new_take (SELDON_DTYPE_INT64, NULL, 0,
                            g_bytes_new (&child, sizeof child), NULL));
}

/**
 * seldon_message_new_invalid:
 * @description: how the result prints (Python's `str()` of it)
 *
 * Creates a message standing for a component result that is not a valid payload, such as a
 * Python `None`, number, tuple or numpy scalar returned by a high-level method. Like
 * [ctor@Seldon.Message.new] it has no payload; building an answer from it fails with 400
 * `Unknown data type returned as payload (must be list or np array):DESCRIPTION` (a router's
 * with `Routing response must be int but got DESCRIPTION`), after the call's custom metrics
 * were recorded, exactly like the Seldon Python wrapper.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_message_new_invalid (const char *description)
{
  SeldonMessage *self;

  g_return_val_if_fail (description != NULL, NULL);

  self = seldon_message_new ();
  self->invalid = g_strdup (description);
  return self;
}

/**
 * seldon_message_new_array:
 * @dtype: the element type
 * @shape: (array length=n_dims) (nullable): the dimensions
 * @n_dims: the number of dimensions (0 for a 0-dimensional array)
 * @data: (array length=size) (element-type guint8) (nullable): the elements, in the form
 *   [ctor@Seldon.Tensor.new] takes them
 * @size: the size of @data in bytes
 * @error: return location for a #GError
 *
 * Creates a message carrying an array in one call: the same as
 * [ctor@Seldon.Message.new_tensor] of [ctor@Seldon.Tensor.new], without the intermediate
 * objects (language bindings answer with it on every call).
 *
 * Returns: (transfer full): a new message, or %NULL if @data does not fit the shape
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_message_new_array (SeldonDType    dtype,
                          const gint64  *shape,
                          guint          n_dims,
                          const guint8  *data,
                          gsize          size,
                          GError       **error)
{
  g_autoptr(GBytes) bytes = NULL;
  SeldonTensor *tensor;

  g_return_val_if_fail (shape != NULL || n_dims == 0, NULL);
  g_return_val_if_fail (data != NULL || size == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = g_bytes_new (data, size);
  tensor = seldon_tensor_new (dtype, shape, n_dims, bytes, error);
  if (tensor == NULL)
    return NULL;
  return seldon_message_new_take_tensor (tensor);
}

/**
 * seldon_message_new_json_text:
 * @kind: %SELDON_PAYLOAD_LIST or %SELDON_PAYLOAD_JSON
 * @text: JSON text
 * @length: the length of @text, or -1 if it is NUL-terminated
 * @error: return location for a #GError
 *
 * Creates a message like [ctor@Seldon.Message.new_list] (@kind %SELDON_PAYLOAD_LIST; @text
 * must then hold an array) or [ctor@Seldon.Message.new_json] (%SELDON_PAYLOAD_JSON) from
 * the JSON text of the value. Unlike a #JsonNode, the text keeps every integer exactly
 * (also beyond 64 bits), strings holding NUL characters, and `NaN`/`Infinity` tokens.
 *
 * Returns: (transfer full): a new message, or %NULL if @text is not valid JSON of that kind
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_message_new_json_text (SeldonPayloadKind   kind,
                              const char         *text,
                              gssize              length,
                              GError            **error)
{
  SeldonJson *value;

  g_return_val_if_fail (kind == SELDON_PAYLOAD_LIST || kind == SELDON_PAYLOAD_JSON, NULL);
  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  value = seldon_json_parse (text, length, error);
  if (value == NULL)
    return NULL;
  if (kind == SELDON_PAYLOAD_LIST && seldon_json_get_type (value) != SELDON_JSON_ARRAY)
    {
      seldon_json_unref (value);
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "a list payload must be a JSON array");
      return NULL;
    }
  return seldon_message_new_take_value (kind, value);
}

/**
 * seldon_message_get_packed_array:
 * @self: a #SeldonMessage
 * @dtype: (out) (optional): return location for the element type
 * @shape: (out) (array length=n_dims) (transfer none) (optional): return location for the
 *   dimensions
 * @n_dims: (out) (optional): return location for the number of dimensions
 * @data: (out) (array length=size) (transfer none) (optional): return location for the
 *   packed elements (native byte order, row-major)
 * @size: (out) (optional): return location for the size of @data in bytes
 *
 * Gets everything about an array payload with packed elements (a numeric or boolean
 * [class@Seldon.Tensor]) in one call: what language bindings need to wrap it, e.g. with
 * numpy's `frombuffer`.
 *
 * Returns: %TRUE if the payload is such an array; otherwise the out values are unset
 *
 * Since: 1.0
 */
gboolean
seldon_message_get_packed_array (SeldonMessage  *self,
                                 SeldonDType    *dtype,
                                 const gint64  **shape,
                                 guint          *n_dims,
                                 const guint8  **data,
                                 gsize          *size)
{
  SeldonDType type;
  GBytes *bytes;
  const gint64 *dims;
  guint rank = 0;
  gsize length = 0;
  const guint8 *elements = NULL;

  g_return_val_if_fail (SELDON_IS_MESSAGE (self), FALSE);

  if (self->kind != SELDON_PAYLOAD_TENSOR)
    return FALSE;
  type = seldon_tensor_get_dtype (self->tensor);
  if (type == SELDON_DTYPE_STRING || type == SELDON_DTYPE_OBJECT)
    return FALSE;

  dims = seldon_tensor_get_shape (self->tensor, &rank);
  bytes = seldon_tensor_get_data (self->tensor);
  if (bytes != NULL)
    elements = g_bytes_get_data (bytes, &length);

  if (dtype != NULL)
    *dtype = type;
  if (shape != NULL)
    *shape = dims;
  if (n_dims != NULL)
    *n_dims = rank;
  if (data != NULL)
    *data = elements;
  if (size != NULL)
    *size = length;
  return TRUE;
}

/**
 * seldon_message_get_invalid_description:
 * @self: a #SeldonMessage
 *
 * Gets the description of a message made with [ctor@Seldon.Message.new_invalid].
 *
 * Returns: (nullable): the description, or %NULL for any other message
 *
 * Since: 1.0
 */
const char *
seldon_message_get_invalid_description (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  return self->invalid;
}

/**
 * seldon_message_new_from_json:
 * @text: JSON text of a SeldonMessage
 * @length: the length of @text, or -1 if it is NUL-terminated
 * @error: return location for a #GError
 *
 * Decodes a SeldonMessage from its JSON form the way the REST server decodes a request:
 * the payload is taken from the first of `data`, `jsonData`, `strData` and `binData`;
 * `data.tensor` and `data.ndarray` are converted to a [class@Seldon.Tensor] with numpy's
 * rules; `binData` is base64-decoded. The `meta` object is kept as sent.
 *
 * Returns: (transfer full): a new message, or %NULL on error
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_message_new_from_json (const char *text,
                              gssize      length,
                              GError    **error)
{
  g_autoptr(SeldonJson) value = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  value = seldon_json_parse (text, length, &local_error);
  if (value == NULL)
    {
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA, "%s", local_error->message);
      return NULL;
    }

  return seldon_codec_decode_rest (value, error);
}

/**
 * seldon_message_to_json:
 * @self: a #SeldonMessage
 *
 * Encodes the message as the REST server encodes an answer (without merging any request
 * meta): the payload, `data.names` for arrays, and the message's `meta` with its runtime
 * tags and metrics. Keys are sorted and the text is ASCII-only, like the server's answers.
 *
 * Returns: (transfer full) (nullable): the JSON text, or %NULL if the payload cannot be
 *   encoded (a message without payload, or a JSON payload that is not an object, array or
 *   string)
 *
 * Since: 1.0
 */
char *
seldon_message_to_json (SeldonMessage *self)
{
  g_autoptr(SeldonJson) json = NULL;

  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  json = seldon_codec_encode_message (self, NULL);
  if (json == NULL)
    return NULL;
  return seldon_json_to_string (json, SELDON_JSON_WRITE_WIRE);
}

/* ------------------------------------------------------------------------------------------ */
/* payload */

/**
 * seldon_message_get_payload_kind:
 * @self: a #SeldonMessage
 *
 * Gets which payload the message carries.
 *
 * Returns: the payload kind
 *
 * Since: 1.0
 */
SeldonPayloadKind
seldon_message_get_payload_kind (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), SELDON_PAYLOAD_NONE);

  return self->kind;
}

/**
 * seldon_message_get_data_kind:
 * @self: a #SeldonMessage
 *
 * Gets how a request carried its array (`data.tensor`, `data.ndarray`, ...).
 *
 * Returns: the data kind, %SELDON_DATA_KIND_NONE when the request had no `data`
 *
 * Since: 1.0
 */
SeldonDataKind
seldon_message_get_data_kind (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), SELDON_DATA_KIND_NONE);

  return self->data_kind;
}

/**
 * seldon_message_get_tensor:
 * @self: a #SeldonMessage
 *
 * Gets the array of a %SELDON_PAYLOAD_TENSOR message.
 *
 * Returns: (transfer none) (nullable): the array, or %NULL for other payloads
 *
 * Since: 1.0
 */
SeldonTensor *
seldon_message_get_tensor (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  return self->tensor;
}

/**
 * seldon_message_dup_tensor:
 * @self: a #SeldonMessage
 * @error: return location for a #GError
 *
 * Gets the payload as an array: the array of a %SELDON_PAYLOAD_TENSOR message, or JSON
 * arrays (a list, or a JSON or string payload holding an array) converted with numpy's rules.
 *
 * Returns: (transfer full): the array, or %NULL if the payload is not an array or cannot be
 *   converted
 *
 * Since: 1.0
 */
SeldonTensor *
seldon_message_dup_tensor (SeldonMessage *self,
                           GError       **error)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->tensor != NULL)
    return g_object_ref (self->tensor);

  if (self->value != NULL && seldon_json_get_type (self->value) == SELDON_JSON_ARRAY)
    return seldon_tensor_new_from_seldon_json (self->value, error);

  g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA, "The payload is not an array");
  return NULL;
}

/**
 * seldon_message_get_str_data:
 * @self: a #SeldonMessage
 *
 * Gets the string payload (`strData`).
 *
 * Returns: (nullable): the string, or %NULL if the payload is not a string
 *
 * Since: 1.0
 */
const char *
seldon_message_get_str_data (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  if ((self->kind == SELDON_PAYLOAD_STRING || self->kind == SELDON_PAYLOAD_JSON) &&
      seldon_json_get_type (self->value) == SELDON_JSON_STRING)
    return seldon_json_get_string (self->value);
  return NULL;
}

/**
 * seldon_message_get_bin_data:
 * @self: a #SeldonMessage
 *
 * Gets the bytes payload (`binData`, already base64-decoded).
 *
 * Returns: (transfer none) (nullable): the bytes, or %NULL if the payload is not bytes
 *
 * Since: 1.0
 */
GBytes *
seldon_message_get_bin_data (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  return self->kind == SELDON_PAYLOAD_BYTES ? self->bytes : NULL;
}

/**
 * seldon_message_dup_json_data:
 * @self: a #SeldonMessage
 *
 * Gets the JSON payload (`jsonData`), which may be any JSON value, `null` included.
 *
 * Returns: (transfer full) (nullable): the value, or %NULL if the payload is not
 *   %SELDON_PAYLOAD_JSON
 *
 * Since: 1.0
 */
JsonNode *
seldon_message_dup_json_data (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  if (self->kind != SELDON_PAYLOAD_JSON)
    return NULL;
  return seldon_json_to_json_node (self->value);
}

/**
 * seldon_message_dup_payload:
 * @self: a #SeldonMessage
 *
 * Gets any payload as a JSON value: an array as nested lists (a 0-dimensional one as its
 * element), lists, strings and JSON values as they are, bytes as a base64 string.
 *
 * Returns: (transfer full) (nullable): the payload, or %NULL for %SELDON_PAYLOAD_NONE and
 *   %SELDON_PAYLOAD_CUSTOM
 *
 * Since: 1.0
 */
JsonNode *
seldon_message_dup_payload (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  switch (self->kind)
    {
    case SELDON_PAYLOAD_TENSOR:
      return seldon_tensor_to_json (self->tensor);
    case SELDON_PAYLOAD_LIST:
    case SELDON_PAYLOAD_STRING:
    case SELDON_PAYLOAD_JSON:
      return seldon_json_to_json_node (self->value);
    case SELDON_PAYLOAD_BYTES:
      {
        gsize size = 0;
        const guint8 *data = g_bytes_get_data (self->bytes, &size);
        g_autofree char *text = g_base64_encode (data, size);
        JsonNode *node = json_node_new (JSON_NODE_VALUE);

        json_node_set_string (node, text);
        return node;
      }
    case SELDON_PAYLOAD_NONE:
    case SELDON_PAYLOAD_CUSTOM:
    default:
      return NULL;
    }
}

/**
 * seldon_message_get_custom_type_url:
 * @self: a #SeldonMessage
 *
 * Gets the type URL of a `customData` payload (gRPC only).
 *
 * Returns: (nullable): the type URL, or %NULL if the payload is not %SELDON_PAYLOAD_CUSTOM
 *
 * Since: 1.0
 */
const char *
seldon_message_get_custom_type_url (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  return self->kind == SELDON_PAYLOAD_CUSTOM ? self->type_url : NULL;
}

/**
 * seldon_message_get_custom_value:
 * @self: a #SeldonMessage
 *
 * Gets the serialized message of a `customData` payload (gRPC only).
 *
 * Returns: (transfer none) (nullable): the bytes, or %NULL if the payload is not
 *   %SELDON_PAYLOAD_CUSTOM
 *
 * Since: 1.0
 */
GBytes *
seldon_message_get_custom_value (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  return self->kind == SELDON_PAYLOAD_CUSTOM ? self->bytes : NULL;
}

/**
 * seldon_message_set_custom:
 * @self: a #SeldonMessage
 * @type_url: the type URL of the packed message
 * @value: the serialized packed message
 *
 * Replaces the payload with a `google.protobuf.Any` (`customData`). Only gRPC can carry it;
 * over REST such a result fails with `Unknown data type returned as payload`.
 *
 * Since: 1.0
 */
void
seldon_message_set_custom (SeldonMessage *self,
                           const char    *type_url,
                           GBytes        *value)
{
  g_return_if_fail (SELDON_IS_MESSAGE (self));
  g_return_if_fail (type_url != NULL);
  g_return_if_fail (value != NULL);

  clear_payload (self);
  self->kind = SELDON_PAYLOAD_CUSTOM;
  self->type_url = g_strdup (type_url);
  self->bytes = g_bytes_ref (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAYLOAD_KIND]);
}

/* ------------------------------------------------------------------------------------------ */
/* names */

/**
 * seldon_message_get_names:
 * @self: a #SeldonMessage
 *
 * Gets the column names of the request (`data.names`); non-string entries are given as
 * their Python text. The server never copies these names into an answer.
 *
 * Returns: (array zero-terminated=1) (transfer none): the names, possibly empty
 *
 * Since: 1.0
 */
const char * const *
seldon_message_get_names (SeldonMessage *self)
{
  static const char * const empty[] = { NULL };

  g_return_val_if_fail (SELDON_IS_MESSAGE (self), empty);

  if (self->names_json == NULL || seldon_json_get_type (self->names_json) != SELDON_JSON_ARRAY)
    return empty;

  if (self->names == NULL)
    {
      guint n = seldon_json_array_get_length (self->names_json);
      char **names = g_new0 (char *, n + 1);

      for (guint i = 0; i < n; i++)
        names[i] = seldon_json_to_python_str (seldon_json_array_get (self->names_json, i));
      self->names = names;
    }

  return (const char * const *) self->names;
}

/**
 * seldon_message_set_names:
 * @self: a #SeldonMessage
 * @names: (array zero-terminated=1) (nullable): the names, or %NULL to remove them
 *
 * Sets the column names of a request message.
 *
 * Since: 1.0
 */
void
seldon_message_set_names (SeldonMessage      *self,
                          const char * const *names)
{
  SeldonJson *list = NULL;

  g_return_if_fail (SELDON_IS_MESSAGE (self));

  if (names != NULL)
    {
      list = seldon_json_new_array ();
      for (guint i = 0; names[i] != NULL; i++)
        seldon_json_array_append (list, seldon_json_new_string (names[i]));
    }
  seldon_message_take_names_json (self, list);
}

/* ------------------------------------------------------------------------------------------ */
/* meta */

/**
 * seldon_message_dup_meta:
 * @self: a #SeldonMessage
 *
 * Gets the request's `meta` exactly as the client sent it (on REST it may even be a value
 * that is not an object).
 *
 * Returns: (transfer full) (nullable): the meta value, or %NULL when the request had no
 *   `meta`
 *
 * Since: 1.0
 */
JsonNode *
seldon_message_dup_meta (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  if (self->meta == NULL)
    return NULL;
  return seldon_json_to_json_node (self->meta);
}

/* JSON text that Python's json.loads() reads back exactly: compact, key order kept, floats in
 * their shortest round-trip form, NaN/Infinity tokens, integers of any size. */
static char *
json_text (const SeldonJson *value)
{
  return seldon_json_to_string (value, SELDON_JSON_WRITE_DEFAULT);
}

/**
 * seldon_message_dup_meta_json:
 * @self: a #SeldonMessage
 *
 * Gets the request's `meta` exactly as sent, as compact JSON text (like
 * [method@Seldon.Message.dup_meta], without building a #JsonNode; integers keep every digit
 * and floats their shortest round-trip form).
 *
 * Returns: (transfer full) (nullable): the JSON text, or %NULL when the request had no `meta`
 *
 * Since: 1.0
 */
char *
seldon_message_dup_meta_json (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  if (self->meta == NULL)
    return NULL;
  return json_text (self->meta);
}

/**
 * seldon_message_dup_payload_json:
 * @self: a #SeldonMessage
 *
 * Gets the payload as compact JSON text, like [method@Seldon.Message.dup_payload]: an array
 * as nested lists, a string, the base64 text of bytes, or the JSON value.
 *
 * Returns: (transfer full) (nullable): the JSON text, or %NULL when the message has no
 *   payload or carries `customData`
 *
 * Since: 1.0
 */
char *
seldon_message_dup_payload_json (SeldonMessage *self)
{
  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  switch (self->kind)
    {
    case SELDON_PAYLOAD_TENSOR:
      {
        g_autoptr(SeldonJson) nested = seldon_tensor_to_seldon_json (self->tensor);

        return json_text (nested);
      }
    case SELDON_PAYLOAD_LIST:
    case SELDON_PAYLOAD_STRING:
    case SELDON_PAYLOAD_JSON:
      return json_text (self->value);
    case SELDON_PAYLOAD_BYTES:
      {
        gsize size = 0;
        const guint8 *data = g_bytes_get_data (self->bytes, &size);
        g_autofree char *b64 = g_base64_encode (data, size);
        g_autoptr(SeldonJson) text = seldon_json_new_string (b64);

        return json_text (text);
      }
    case SELDON_PAYLOAD_NONE:
    case SELDON_PAYLOAD_CUSTOM:
    default:
      return NULL;
    }
}

/**
 * seldon_json_node_to_string:
 * @node: (nullable): a JSON value
 *
 * Writes @node as compact JSON text in the form Python's `json` module writes and reads:
 * floats in their shortest round-trip form (`1e-07`, `2e+20`, `0.1`), `NaN` and `Infinity`
 * tokens for non-finite numbers, non-ASCII characters as UTF-8, object members in their
 * order. A %NULL @node is written as `null`.
 *
 * Returns: (transfer full): the JSON text
 *
 * Since: 1.0
 */
char *
seldon_json_node_to_string (JsonNode *node)
{
  g_autoptr(SeldonJson) value = seldon_json_from_json_node (node);

  return json_text (value);
}

/**
 * seldon_message_set_meta:
 * @self: a #SeldonMessage
 * @meta: (nullable): the meta value, or %NULL to remove it
 *
 * Sets the `meta` of a request message.
 *
 * Since: 1.0
 */
void
seldon_message_set_meta (SeldonMessage *self,
                         JsonNode      *meta)
{
  g_return_if_fail (SELDON_IS_MESSAGE (self));

  seldon_message_take_meta (self, meta != NULL ? seldon_json_from_json_node (meta) : NULL);
}

/**
 * seldon_message_get_puid:
 * @self: a #SeldonMessage
 *
 * Gets the prediction unique id of the request (`meta.puid`).
 *
 * Returns: (nullable): the puid, or %NULL if the request has none (or not a string)
 *
 * Since: 1.0
 */
const char *
seldon_message_get_puid (SeldonMessage *self)
{
  SeldonJson *puid;

  g_return_val_if_fail (SELDON_IS_MESSAGE (self), NULL);

  if (self->meta == NULL || seldon_json_get_type (self->meta) != SELDON_JSON_OBJECT)
    return NULL;
  puid = seldon_json_object_get (self->meta, "puid");
  if (puid == NULL || seldon_json_get_type (puid) != SELDON_JSON_STRING)
    return NULL;
  return seldon_json_get_string (puid);
}

/**
 * seldon_message_set_tag:
 * @self: a #SeldonMessage
 * @key: the tag name
 * @value: the tag value
 *
 * Sets a runtime tag on a result message. Runtime tags are merged into the answer's
 * `meta.tags` after the request's tags and the component's static tags, and win over both.
 *
 * Since: 1.0
 */
void
seldon_message_set_tag (SeldonMessage *self,
                        const char    *key,
                        JsonNode      *value)
{
  g_return_if_fail (SELDON_IS_MESSAGE (self));
  g_return_if_fail (key != NULL);
  g_return_if_fail (value != NULL);

  if (self->tags == NULL || seldon_json_get_type (self->tags) != SELDON_JSON_OBJECT)
    {
      g_clear_pointer (&self->tags, seldon_json_unref);
      self->tags = seldon_json_new_object ();
    }
  seldon_json_object_set (self->tags, key, seldon_json_from_json_node (value));
}

static void
ensure_metrics_list (SeldonMessage *self)
{
  if (self->metrics == NULL || seldon_json_get_type (self->metrics) != SELDON_JSON_ARRAY)
    {
      g_clear_pointer (&self->metrics, seldon_json_unref);
      self->metrics = seldon_json_new_array ();
    }
}

static const char *
metric_type_to_string (SeldonMetricType type)
{
  switch (type)
    {
    case SELDON_METRIC_GAUGE:
      return "GAUGE";
    case SELDON_METRIC_TIMER:
      return "TIMER";
    case SELDON_METRIC_COUNTER:
    default:
      return "COUNTER";
    }
}

/**
 * seldon_message_add_metric:
 * @self: a #SeldonMessage
 * @type: the metric type
 * @key: the metric name
 * @value: the value (milliseconds for %SELDON_METRIC_TIMER)
 *
 * Adds a runtime metric to a result message. Runtime metrics are validated and recorded
 * before the component's static metrics and echoed after them in `meta.metrics`.
 *
 * Since: 1.0
 */
void
seldon_message_add_metric (SeldonMessage    *self,
                           SeldonMetricType  type,
                           const char       *key,
                           double            value)
{
  SeldonJson *metric;

  g_return_if_fail (SELDON_IS_MESSAGE (self));
  g_return_if_fail (key != NULL);

  metric = seldon_json_new_object ();
  seldon_json_object_set (metric, "type", seldon_json_new_string (metric_type_to_string (type)));
  seldon_json_object_set (metric, "key", seldon_json_new_string (key));
  seldon_json_object_set (metric, "value", seldon_json_new_double (value));

  ensure_metrics_list (self);
  seldon_json_array_append (self->metrics, metric);
}

/**
 * seldon_message_add_metric_node:
 * @self: a #SeldonMessage
 * @metric: a metric object: `{"type": ..., "key": ..., "value": ..., "tags": {...}}`
 *
 * Adds a runtime metric given as JSON (for example with `tags`). It is validated like the
 * component's static metrics: an invalid metric fails the call with
 * `MICROSERVICE_BAD_METRIC`.
 *
 * Since: 1.0
 */
void
seldon_message_add_metric_node (SeldonMessage *self,
                                JsonNode      *metric)
{
  g_return_if_fail (SELDON_IS_MESSAGE (self));
  g_return_if_fail (metric != NULL);

  ensure_metrics_list (self);
  seldon_json_array_append (self->metrics, seldon_json_from_json_node (metric));
}

/**
 * seldon_message_set_runtime_metrics:
 * @self: a #SeldonMessage
 * @metrics: (nullable): the metric list, or %NULL to remove every runtime metric
 *
 * Replaces the runtime metrics of a result message. The value is validated when the server
 * uses it: anything but a list of valid metric objects fails the call with
 * `MICROSERVICE_BAD_METRIC`.
 *
 * Since: 1.0
 */
void
seldon_message_set_runtime_metrics (SeldonMessage *self,
                                    JsonNode      *metrics)
{
  g_return_if_fail (SELDON_IS_MESSAGE (self));

  seldon_message_take_metrics (self, metrics != NULL ? seldon_json_from_json_node (metrics) : NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* SeldonFeedback */

/**
 * SeldonFeedback:
 *
 * A feedback call (`/send-feedback`): the request that was answered, the answer, the reward
 * and the true outcome.
 *
 * The server decodes a feedback the way upstream's protobuf path does: the arrays of
 * `request` and `truth` are always float64 tensors (an absent part, or one whose payload is
 * not `data`, gives an empty array of shape (0)), and the reward is a 32-bit float.
 *
 * Since: 1.0
 */

struct _SeldonFeedback
{
  GObject parent_instance;

  SeldonMessage *request;
  SeldonMessage *response;
  SeldonMessage *truth;
  double reward;
  gboolean has_routing;
  gint64 routing;
};

G_DEFINE_FINAL_TYPE (SeldonFeedback, seldon_feedback, G_TYPE_OBJECT)

static void
seldon_feedback_finalize (GObject *object)
{
  SeldonFeedback *self = SELDON_FEEDBACK (object);

  g_clear_object (&self->request);
  g_clear_object (&self->response);
  g_clear_object (&self->truth);

  G_OBJECT_CLASS (seldon_feedback_parent_class)->finalize (object);
}

static void
seldon_feedback_class_init (SeldonFeedbackClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = seldon_feedback_finalize;
}

static void
seldon_feedback_init (SeldonFeedback *self)
{
  self->request = seldon_message_new ();
  self->response = seldon_message_new ();
  self->truth = seldon_message_new ();
}

/**
 * seldon_feedback_new:
 *
 * Creates an empty feedback: empty request, response and truth, reward 0, no routing.
 *
 * Returns: (transfer full): a new feedback
 *
 * Since: 1.0
 */
SeldonFeedback *
seldon_feedback_new (void)
{
  return g_object_new (SELDON_TYPE_FEEDBACK, NULL);
}

void
seldon_feedback_set_parts (SeldonFeedback *self,
                           SeldonMessage  *request,
                           SeldonMessage  *response,
                           SeldonMessage  *truth,
                           double          reward,
                           gboolean        has_routing,
                           gint64          routing)
{
  g_return_if_fail (SELDON_IS_FEEDBACK (self));

  if (request != NULL)
    {
      g_clear_object (&self->request);
      self->request = request;
    }
  if (response != NULL)
    {
      g_clear_object (&self->response);
      self->response = response;
    }
  if (truth != NULL)
    {
      g_clear_object (&self->truth);
      self->truth = truth;
    }
  self->reward = reward;
  self->has_routing = has_routing;
  self->routing = routing;
}

/**
 * seldon_feedback_get_request:
 * @self: a #SeldonFeedback
 *
 * Gets the request that was answered. Its payload is the float64 array of its `data` (the
 * `features` of Python's `send_feedback`) and its names are `data.names`.
 *
 * Returns: (transfer none): the request
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_feedback_get_request (SeldonFeedback *self)
{
  g_return_val_if_fail (SELDON_IS_FEEDBACK (self), NULL);

  return self->request;
}

/**
 * seldon_feedback_get_response:
 * @self: a #SeldonFeedback
 *
 * Gets the answer that was given to the request.
 *
 * Returns: (transfer none): the response
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_feedback_get_response (SeldonFeedback *self)
{
  g_return_val_if_fail (SELDON_IS_FEEDBACK (self), NULL);

  return self->response;
}

/**
 * seldon_feedback_get_truth:
 * @self: a #SeldonFeedback
 *
 * Gets the true outcome. Its payload is the float64 array of its `data`.
 *
 * Returns: (transfer none): the truth
 *
 * Since: 1.0
 */
SeldonMessage *
seldon_feedback_get_truth (SeldonFeedback *self)
{
  g_return_val_if_fail (SELDON_IS_FEEDBACK (self), NULL);

  return self->truth;
}

/**
 * seldon_feedback_get_reward:
 * @self: a #SeldonFeedback
 *
 * Gets the reward: a 32-bit float widened to double (0.7 arrives as 0.699999988079071).
 *
 * Returns: the reward
 *
 * Since: 1.0
 */
double
seldon_feedback_get_reward (SeldonFeedback *self)
{
  g_return_val_if_fail (SELDON_IS_FEEDBACK (self), 0.0);

  return self->reward;
}

/**
 * seldon_feedback_get_routing:
 * @self: a #SeldonFeedback
 * @routing: (out) (optional): return location for the child this component chose
 *
 * Gets the routing decision this component (a router) took for the request, read from the
 * response's `meta.routing` under this unit's id (`"0"` when no unit id is configured).
 *
 * Returns: %TRUE if the response records a routing decision for this unit
 *
 * Since: 1.0
 */
gboolean
seldon_feedback_get_routing (SeldonFeedback *self,
                             gint64         *routing)
{
  g_return_val_if_fail (SELDON_IS_FEEDBACK (self), FALSE);

  if (routing != NULL)
    *routing = self->has_routing ? self->routing : 0;
  return self->has_routing;
}
