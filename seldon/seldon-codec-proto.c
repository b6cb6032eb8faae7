/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Protobuf wire format <-> canonical proto3 JSON for the Seldon schema (see
 * seldon-codec-proto-private.h), by reflection over the descriptors protoc-c generates from
 * proto/. The well-known types google.protobuf.Value, ListValue, Struct and Any have their
 * special JSON forms; every other message is an object of its set fields under their JSON
 * names (lowerCamelCase), as json_format.MessageToDict writes it.
 *
 * protobuf-c provides the descriptors (field numbers, types, labels, packing, oneofs, enum
 * names); the wire format itself is read and written here, straight from and to the JSON tree.
 */

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/empty.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "prediction.pb-c.h"
#include "tensorflow/core/framework/tensor.pb-c.h"

#include "seldon-codec-private.h"
#include "seldon-codec-proto-private.h"
#include "seldon-error.h"
#include "seldon-proto-json-private.h"
#include "seldon-tensor-private.h"

/* upb's and json_format's default recursion limit */
#define MAX_DEPTH 100

static const ProtobufCMessageDescriptor *
descriptor_for_type (SeldonProtoMessageType type)
{
  switch (type)
    {
    case SELDON_PROTO_MESSAGE_SELDON_MESSAGE:
      return &seldon__protos__seldon_message__descriptor;
    case SELDON_PROTO_MESSAGE_SELDON_MESSAGE_LIST:
      return &seldon__protos__seldon_message_list__descriptor;
    case SELDON_PROTO_MESSAGE_FEEDBACK:
      return &seldon__protos__feedback__descriptor;
    case SELDON_PROTO_MESSAGE_META:
      return &seldon__protos__meta__descriptor;
    case SELDON_PROTO_MESSAGE_EMPTY:
      return &google__protobuf__empty__descriptor;
    case SELDON_PROTO_MESSAGE_MODEL_METADATA_REQUEST:
      return &seldon__protos__seldon_model_metadata_request__descriptor;
    case SELDON_PROTO_MESSAGE_MODEL_METADATA:
      return &seldon__protos__seldon_model_metadata__descriptor;
    case SELDON_PROTO_MESSAGE_GRAPH_METADATA:
      return &seldon__protos__seldon_graph_metadata__descriptor;
    case SELDON_PROTO_MESSAGE_TENSOR_PROTO:
      return &tensorflow__tensor_proto__descriptor;
    default:
      g_return_val_if_reached (&google__protobuf__empty__descriptor);
    }
}

typedef enum
{
  KIND_PLAIN,
  KIND_VALUE,
  KIND_LIST_VALUE,
  KIND_STRUCT,
  KIND_ANY,
} MessageKind;

static MessageKind
message_kind (const ProtobufCMessageDescriptor *desc)
{
  if (desc == &google__protobuf__value__descriptor)
    return KIND_VALUE;
  if (desc == &google__protobuf__list_value__descriptor)
    return KIND_LIST_VALUE;
  if (desc == &google__protobuf__struct__descriptor)
    return KIND_STRUCT;
  if (desc == &google__protobuf__any__descriptor)
    return KIND_ANY;
  return KIND_PLAIN;
}

/* map<K, V> fields are repeated `...Entry` messages with the fields key = 1 and value = 2. */
static gboolean
is_map_entry (const ProtobufCMessageDescriptor *desc)
{
  return desc->n_fields == 2 && g_str_has_suffix (desc->name, "Entry") &&
         desc->fields[0].id == 1 && strcmp (desc->fields[0].name, "key") == 0 &&
         desc->fields[1].id == 2 && strcmp (desc->fields[1].name, "value") == 0;
}

static gboolean
is_map_field (const ProtobufCFieldDescriptor *field)
{
  return field->label == PROTOBUF_C_LABEL_REPEATED && field->type == PROTOBUF_C_TYPE_MESSAGE &&
         is_map_entry (field->descriptor);
}

/* protoc's ToJsonName(): underscores dropped, the letter after one upper-cased. */
static char *
json_name (const char *name)
{
  GString *out = g_string_sized_new (strlen (name));
  gboolean upper = FALSE;

  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == '_')
        upper = TRUE;
      else
        {
          g_string_append_c (out, upper ? g_ascii_toupper (*p) : *p);
          upper = FALSE;
        }
    }
  return g_string_free (out, FALSE);
}

/* The JSON names of a descriptor's fields, computed once per descriptor. Read without a lock
 * (this runs for every message of every call): the cache only grows, an entry is complete
 * before the count that publishes it. */
#define JSON_NAMES_CACHE 64

static const char * const *
json_names (const ProtobufCMessageDescriptor *desc)
{
  static struct
  {
    const ProtobufCMessageDescriptor *desc;
    char **names;
  } cache[JSON_NAMES_CACHE];
  static int n_cached;   /* atomic */
  static GHashTable *overflow;   /* lock: descriptor -> char **, once the cache is full */
  static GMutex lock;
  int n = g_atomic_int_get (&n_cached);
  char **names = NULL;

  for (int i = 0; i < n; i++)
    if (cache[i].desc == desc)
      return (const char * const *) cache[i].names;

  g_mutex_lock (&lock);
  n = g_atomic_int_get (&n_cached);
  for (int i = 0; i < n && names == NULL; i++)
    if (cache[i].desc == desc)
      names = cache[i].names;
  if (names == NULL && overflow != NULL)
    names = g_hash_table_lookup (overflow, desc);
  if (names == NULL)
    {
      names = g_new0 (char *, desc->n_fields + 1);
      for (unsigned i = 0; i < desc->n_fields; i++)
        names[i] = json_name (desc->fields[i].name);
      if (n < JSON_NAMES_CACHE)
        {
          cache[n].desc = desc;
          cache[n].names = names;
          g_atomic_int_set (&n_cached, n + 1);
        }
      else
        {
          if (overflow == NULL)
            overflow = g_hash_table_new (NULL, NULL);
          g_hash_table_insert (overflow, (gpointer) desc, names);
        }
    }
  g_mutex_unlock (&lock);
  return (const char * const *) names;
}

/* ------------------------------------------------------------------------------------------ */
/* wire format -> canonical JSON
 *
 * The wire format is read directly (protobuf-c's unpack would first build a C structure per
 * message, which costs one allocation per element of an ndarray). Field numbers are looked up
 * in protobuf-c's descriptors. As in upb and protobuf-c, a known field with an unexpected wire
 * type makes the message invalid; packed and unpacked repeated scalars are both accepted; a
 * singular field seen twice keeps the last value (messages too: clients never split one). */

typedef struct
{
  const guint8 *p;
  const guint8 *end;
} Reader;

enum
{
  WIRE_VARINT = 0,
  WIRE_FIXED64 = 1,
  WIRE_LEN = 2,
  WIRE_FIXED32 = 5,
};

static gboolean
read_varint (Reader  *r,
             guint64 *value)
{
  guint64 result = 0;

  for (int shift = 0; shift < 64 && r->p < r->end; shift += 7)
    {
      guint8 byte = *r->p++;

      result |= (guint64) (byte & 0x7f) << shift;
      if ((byte & 0x80) == 0)
        {
          *value = result;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
read_fixed (Reader *r,
            gsize   size,
            void   *out)
{
  if ((gsize) (r->end - r->p) < size)
    return FALSE;
  memcpy (out, r->p, size);   /* little-endian hosts only (x86-64, aarch64) */
  r->p += size;
  return TRUE;
}

static gboolean
read_len (Reader        *r,
          const guint8 **data,
          gsize         *len)
{
  guint64 n;

  if (!read_varint (r, &n) || n > (guint64) (r->end - r->p))
    return FALSE;
  *data = r->p;
  *len = (gsize) n;
  r->p += n;
  return TRUE;
}

static gboolean
skip_field (Reader *r,
            guint   wire)
{
  guint64 v;
  const guint8 *data;
  gsize len;

  switch (wire)
    {
    case WIRE_VARINT:
      return read_varint (r, &v);
    case WIRE_FIXED64:
      return read_fixed (r, 8, &v);
    case WIRE_FIXED32:
      return read_fixed (r, 4, &v);
    case WIRE_LEN:
      return read_len (r, &data, &len);
    default:
      return FALSE;   /* groups (3, 4) are not proto3 */
    }
}

typedef struct
{
  int depth;
  GError **error;
  /* seldon_codec_proto_decode_message(): the array of the top message's `data` */
  SeldonProtoArray *fast;
} Decoder;

static gboolean
decode_fail (Decoder    *dec,
             const char *what)
{
  if (dec->error != NULL && *dec->error == NULL)
    g_set_error (dec->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s", what);
  return FALSE;
}

static SeldonJson *decode_message (Decoder                          *dec,
                                   const ProtobufCMessageDescriptor *desc,
                                   const guint8                     *data,
                                   gsize                             len);

static SeldonJson *
decode_string (Decoder      *dec,
               const guint8 *data,
               gsize         len)
{
  if (!g_utf8_validate_len ((const char *) data, len, NULL))
    {
      decode_fail (dec, "a string field is not valid UTF-8");
      return NULL;
    }
  return seldon_json_new_string_len ((const char *) data, len);
}

static SeldonJson *
decode_bytes (const guint8 *data,
              gsize         len)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, len);

  return seldon_json_new_string_take (seldon_codec_b64encode (bytes));
}

static gboolean
is_length_delimited (ProtobufCType type)
{
  return type == PROTOBUF_C_TYPE_STRING || type == PROTOBUF_C_TYPE_BYTES || type == PROTOBUF_C_TYPE_MESSAGE;
}

static guint
native_wire_type (ProtobufCType type)
{
  switch (type)
    {
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
      return WIRE_FIXED32;
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
      return WIRE_FIXED64;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE:
      return WIRE_LEN;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_BOOL:
    case PROTOBUF_C_TYPE_ENUM:
    default:
      return WIRE_VARINT;
    }
}

/* One scalar element (not string, bytes or message) of @field from @r; *is_default tells
 * whether it holds the type's default. */
static SeldonJson *
decode_scalar (Decoder                        *dec,
               const ProtobufCFieldDescriptor *field,
               Reader                         *r,
               gboolean                       *is_default)
{
  guint64 v = 0;
  guint32 v32 = 0;

  switch (field->type)
    {
    case PROTOBUF_C_TYPE_FLOAT:
      {
        float f;

        if (!read_fixed (r, 4, &f))
          break;
        memcpy (&v32, &f, 4);
        *is_default = v32 == 0;
        return seldon_proto_json_float (f);
      }
    case PROTOBUF_C_TYPE_DOUBLE:
      {
        double d;

        if (!read_fixed (r, 8, &d))
          break;
        memcpy (&v, &d, 8);
        *is_default = v == 0;
        return seldon_proto_json_double (d);
      }
    case PROTOBUF_C_TYPE_FIXED32:
      if (!read_fixed (r, 4, &v32))
        break;
      *is_default = v32 == 0;
      return seldon_json_new_int (v32);
    case PROTOBUF_C_TYPE_SFIXED32:
      if (!read_fixed (r, 4, &v32))
        break;
      *is_default = v32 == 0;
      return seldon_json_new_int ((gint32) v32);
    case PROTOBUF_C_TYPE_FIXED64:
      if (!read_fixed (r, 8, &v))
        break;
      *is_default = v == 0;
      return seldon_json_new_string_take (g_strdup_printf ("%" G_GUINT64_FORMAT, v));
    case PROTOBUF_C_TYPE_SFIXED64:
      if (!read_fixed (r, 8, &v))
        break;
      *is_default = v == 0;
      return seldon_json_new_string_take (g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) v));
    case PROTOBUF_C_TYPE_INT32:
      if (!read_varint (r, &v))
        break;
      *is_default = (guint32) v == 0;
      return seldon_json_new_int ((gint32) (guint32) v);
    case PROTOBUF_C_TYPE_UINT32:
      if (!read_varint (r, &v))
        break;
      *is_default = (guint32) v == 0;
      return seldon_json_new_int ((guint32) v);
    case PROTOBUF_C_TYPE_SINT32:
      if (!read_varint (r, &v))
        break;
      *is_default = (guint32) v == 0;
      v32 = (guint32) v;
      return seldon_json_new_int ((gint32) ((v32 >> 1) ^ -(gint32) (v32 & 1)));
    case PROTOBUF_C_TYPE_INT64:
      if (!read_varint (r, &v))
        break;
      *is_default = v == 0;
      return seldon_json_new_string_take (g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) v));
    case PROTOBUF_C_TYPE_UINT64:
      if (!read_varint (r, &v))
        break;
      *is_default = v == 0;
      return seldon_json_new_string_take (g_strdup_printf ("%" G_GUINT64_FORMAT, v));
    case PROTOBUF_C_TYPE_SINT64:
      if (!read_varint (r, &v))
        break;
      *is_default = v == 0;
      return seldon_json_new_string_take (g_strdup_printf ("%" G_GINT64_FORMAT,
                                                           (gint64) ((v >> 1) ^ -(gint64) (v & 1))));
    case PROTOBUF_C_TYPE_BOOL:
      if (!read_varint (r, &v))
        break;
      *is_default = v == 0;
      return seldon_json_new_bool (v != 0);
    case PROTOBUF_C_TYPE_ENUM:
      {
        const ProtobufCEnumValue *ev;
        int number;

        if (!read_varint (r, &v))
          break;
        number = (gint32) (guint32) v;
        *is_default = number == 0;
        ev = protobuf_c_enum_descriptor_get_value (field->descriptor, number);
        return ev != NULL ? seldon_json_new_string (ev->name) : seldon_json_new_int (number);
      }
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE:
    default:
      break;
    }
  decode_fail (dec, "truncated field");
  return NULL;
}

/* One length-delimited element (string, bytes, message). */
static SeldonJson *
decode_len_element (Decoder                        *dec,
                    const ProtobufCFieldDescriptor *field,
                    const guint8                   *data,
                    gsize                           len,
                    gboolean                       *is_default)
{
  *is_default = len == 0;
  if (field->type == PROTOBUF_C_TYPE_STRING)
    return decode_string (dec, data, len);
  if (field->type == PROTOBUF_C_TYPE_BYTES)
    return decode_bytes (data, len);
  *is_default = FALSE;
  return decode_message (dec, field->descriptor, data, len);
}

static SeldonJson *
decode_value (Decoder      *dec,
              const guint8 *data,
              gsize         len)
{
  Reader r = { data, data + len };
  g_autoptr(SeldonJson) out = NULL;

  while (r.p < r.end)
    {
      guint64 key;
      guint64 v;
      const guint8 *sub;
      gsize sub_len;
      guint number;
      guint wire;

      if (!read_varint (&r, &key))
        return decode_fail (dec, "truncated Value"), NULL;
      number = (guint) (key >> 3);
      wire = (guint) (key & 7);
      g_clear_pointer (&out, seldon_json_unref);
      if (number == 1 && wire == WIRE_VARINT && read_varint (&r, &v))
        out = seldon_json_new_null ();
      else if (number == 2 && wire == WIRE_FIXED64)
        {
          double d;

          if (!read_fixed (&r, 8, &d))
            return decode_fail (dec, "truncated Value"), NULL;
          out = seldon_proto_json_double (d);
        }
      else if (number == 3 && wire == WIRE_LEN && read_len (&r, &sub, &sub_len))
        {
          out = decode_string (dec, sub, sub_len);
          if (out == NULL)
            return NULL;
        }
      else if (number == 4 && wire == WIRE_VARINT && read_varint (&r, &v))
        out = seldon_json_new_bool (v != 0);
      else if ((number == 5 || number == 6) && wire == WIRE_LEN && read_len (&r, &sub, &sub_len))
        {
          out = decode_message (dec, number == 5 ? &google__protobuf__struct__descriptor
                                                 : &google__protobuf__list_value__descriptor,
                                sub, sub_len);
          if (out == NULL)
            return NULL;
        }
      else if (number >= 1 && number <= 6)
        return decode_fail (dec, "bad Value"), NULL;
      else if (!skip_field (&r, wire))
        return decode_fail (dec, "bad Value"), NULL;
    }
  return out != NULL ? g_steal_pointer (&out) : seldon_json_new_null ();
}

static SeldonJson *
decode_list_value (Decoder      *dec,
                   const guint8 *data,
                   gsize         len)
{
  Reader r = { data, data + len };
  g_autoptr(SeldonJson) out = seldon_json_new_array ();

  while (r.p < r.end)
    {
      guint64 key;
      const guint8 *sub;
      gsize sub_len;

      if (!read_varint (&r, &key))
        return decode_fail (dec, "truncated ListValue"), NULL;
      if (key == ((1 << 3) | WIRE_LEN))
        {
          SeldonJson *item;

          if (!read_len (&r, &sub, &sub_len))
            return decode_fail (dec, "truncated ListValue"), NULL;
          item = decode_value (dec, sub, sub_len);
          if (item == NULL)
            return NULL;
          seldon_json_array_append (out, item);
        }
      else if ((key >> 3) == 1 || !skip_field (&r, (guint) (key & 7)))
        return decode_fail (dec, "bad ListValue"), NULL;
    }
  return g_steal_pointer (&out);
}

static SeldonJson *
decode_any (Decoder      *dec,
            const guint8 *data,
            gsize         len)
{
  Reader r = { data, data + len };
  g_autoptr(SeldonJson) type_url = NULL;
  const guint8 *value = NULL;
  gsize value_len = 0;
  SeldonJson *out;

  while (r.p < r.end)
    {
      guint64 key;
      const guint8 *sub;
      gsize sub_len;

      if (!read_varint (&r, &key))
        return decode_fail (dec, "truncated Any"), NULL;
      if (key == ((1 << 3) | WIRE_LEN) && read_len (&r, &sub, &sub_len))
        {
          g_clear_pointer (&type_url, seldon_json_unref);
          type_url = decode_string (dec, sub, sub_len);
          if (type_url == NULL)
            return NULL;
        }
      else if (key == ((2 << 3) | WIRE_LEN) && read_len (&r, &sub, &sub_len))
        {
          value = sub;
          value_len = sub_len;
        }
      else if ((key >> 3) == 1 || (key >> 3) == 2 || !skip_field (&r, (guint) (key & 7)))
        return decode_fail (dec, "bad Any"), NULL;
    }

  out = seldon_json_new_object ();
  if ((type_url == NULL || seldon_json_get_string_length (type_url) == 0) && value_len == 0)
    return out;
  seldon_json_object_set (out, "@type", type_url != NULL ? g_steal_pointer (&type_url) : seldon_json_new_string (""));
  seldon_json_object_set (out, "value", decode_bytes (value, value_len));
  return out;
}

/* A map entry: (key text, value) */
static gboolean
decode_map_entry (Decoder                          *dec,
                  const ProtobufCMessageDescriptor *entry_desc,
                  const guint8                     *data,
                  gsize                             len,
                  SeldonJson                       *map)
{
  const ProtobufCFieldDescriptor *key_field = &entry_desc->fields[0];
  const ProtobufCFieldDescriptor *value_field = &entry_desc->fields[1];
  g_autoptr(SeldonJson) entry = decode_message (dec, entry_desc, data, len);
  SeldonJson *key;
  SeldonJson *value;
  g_autofree char *key_text = NULL;

  if (entry == NULL)
    return FALSE;
  key = seldon_json_object_get (entry, "key");
  value = seldon_json_object_get (entry, "value");

  if (key == NULL)
    key_text = g_strdup (key_field->type == PROTOBUF_C_TYPE_STRING ? "" :
                         key_field->type == PROTOBUF_C_TYPE_BOOL ? "false" : "0");
  else if (seldon_json_get_type (key) == SELDON_JSON_STRING)
    key_text = g_strdup (seldon_json_get_string (key));
  else
    key_text = seldon_json_to_string (key, SELDON_JSON_WRITE_DEFAULT);

  if (value != NULL)
    value = seldon_json_ref (value);
  else if (value_field->type == PROTOBUF_C_TYPE_MESSAGE)
    value = message_kind (value_field->descriptor) == KIND_VALUE ? seldon_json_new_null () : seldon_json_new_object ();
  else
    {
      /* the default of the value's type, in canonical form */
      static const guint8 zero[8] = { 0 };
      Reader r = { zero, zero + 8 };
      gboolean is_default;

      if (value_field->type == PROTOBUF_C_TYPE_STRING || value_field->type == PROTOBUF_C_TYPE_BYTES)
        value = seldon_json_new_string ("");
      else
        value = decode_scalar (dec, value_field, &r, &is_default);
    }
  seldon_json_object_set (map, key_text, value);
  return TRUE;
}

typedef struct
{
  SeldonJson *value;       /* array for repeated fields, object for maps */
  gboolean set;            /* present (singular: not the default, or in a oneof) */
} Slot;

/* ---- the fast path of large arrays ---- */

static void
fast_clear (SeldonProtoArray *fast)
{
  g_clear_pointer (&fast->tensor_values, g_bytes_unref);
  g_clear_object (&fast->ndarray);
}

/* Tensor: its canonical form without `values`, which go to fast->tensor_values. */
static SeldonJson *
fast_tensor (Decoder      *dec,
             const guint8 *data,
             gsize         len)
{
  Reader r = { data, data + len };
  g_autoptr(SeldonJson) shape = seldon_json_new_array ();
  GByteArray *values = g_byte_array_new ();
  SeldonJson *out;

  while (r.p < r.end)
    {
      guint64 key;
      guint64 v;
      const guint8 *sub;
      gsize sub_len;

      if (!read_varint (&r, &key))
        goto bad;
      switch (key)
        {
        case (1 << 3) | WIRE_VARINT:
          if (!read_varint (&r, &v))
            goto bad;
          seldon_json_array_append (shape, seldon_json_new_int ((gint32) (guint32) v));
          break;
        case (1 << 3) | WIRE_LEN:
          {
            Reader packed;

            if (!read_len (&r, &sub, &sub_len))
              goto bad;
            packed.p = sub;
            packed.end = sub + sub_len;
            while (packed.p < packed.end)
              {
                if (!read_varint (&packed, &v))
                  goto bad;
                seldon_json_array_append (shape, seldon_json_new_int ((gint32) (guint32) v));
              }
          }
          break;
        case (2 << 3) | WIRE_FIXED64:
          if ((gsize) (r.end - r.p) < 8)
            goto bad;
          g_byte_array_append (values, r.p, 8);
          r.p += 8;
          break;
        case (2 << 3) | WIRE_LEN:
          if (!read_len (&r, &sub, &sub_len) || sub_len % 8 != 0)
            goto bad;
          g_byte_array_append (values, sub, (guint) sub_len);
          break;
        default:
          if ((key >> 3) == 1 || (key >> 3) == 2 || !skip_field (&r, (guint) (key & 7)))
            goto bad;
          break;
        }
    }

  fast_clear (dec->fast);
  dec->fast->tensor_values = g_byte_array_free_to_bytes (values);
  out = seldon_json_new_object ();
  if (seldon_json_array_get_length (shape) > 0)
    seldon_json_object_set (out, "shape", g_steal_pointer (&shape));
  return out;

bad:
  g_byte_array_unref (values);
  decode_fail (dec, "bad Tensor");
  return NULL;
}

typedef struct
{
  gint64 shape[SELDON_TENSOR_MAX_DIMS];
  guint n_dims;          /* 0 until the first number */
  guint8 *values;        /* room for all: every number takes 11 bytes of the input, 8 here */
  gsize n_bytes;
} Rect;

/* A ListValue that is a rectangular nest of finite numbers (a float64 array for numpy); FALSE
 * for anything else, left to the general path (it may well be valid). */
static gboolean
rect_list (Rect         *rect,
           const guint8 *data,
           gsize         len,
           guint         depth)
{
  Reader r = { data, data + len };
  gint64 count = 0;

  if (depth >= SELDON_TENSOR_MAX_DIMS)
    return FALSE;

  while (r.p < r.end)
    {
      guint64 key;
      const guint8 *v;
      gsize v_len;

      if (!read_varint (&r, &key) || key != ((1 << 3) | WIRE_LEN) || !read_len (&r, &v, &v_len) || v_len == 0)
        return FALSE;
      if (v[0] == ((2 << 3) | WIRE_FIXED64) && v_len == 9)
        {
          double d;

          memcpy (&d, v + 1, 8);
          if (!isfinite (d))
            return FALSE;   /* canonical JSON makes it a string */
          if (rect->n_dims == 0)
            rect->n_dims = depth + 1;
          if (rect->n_dims != depth + 1)
            return FALSE;
          memcpy (rect->values + rect->n_bytes, v + 1, 8);
          rect->n_bytes += 8;
        }
      else if (v[0] == ((6 << 3) | WIRE_LEN))
        {
          Reader inner = { v + 1, v + v_len };
          const guint8 *list;
          gsize list_len;

          if ((rect->n_dims != 0 && depth + 1 >= rect->n_dims) ||
              !read_len (&inner, &list, &list_len) || inner.p != inner.end ||
              !rect_list (rect, list, list_len, depth + 1))
            return FALSE;
        }
      else
        return FALSE;
      count++;
    }

  if (count == 0)
    return FALSE;
  if (rect->shape[depth] == 0)
    rect->shape[depth] = count;
  return rect->shape[depth] == count;
}

/* DefaultData.tensor (@id 2) or .ndarray (3): the canonical stand-in, with the array in
 * dec->fast; NULL without error when the general path must decode it. */
static SeldonJson *
decode_fast_array (Decoder      *dec,
                   guint         id,
                   const guint8 *data,
                   gsize         len)
{
  Rect rect = { { 0 }, 0, NULL, 0 };

  if (id == 2)
    return fast_tensor (dec, data, len);

  rect.values = g_malloc (MAX (len, 8));
  if (!rect_list (&rect, data, len, 0))
    {
      g_free (rect.values);
      return NULL;
    }
  fast_clear (dec->fast);
  dec->fast->ndarray = seldon_tensor_new_take (SELDON_DTYPE_FLOAT64, rect.shape, rect.n_dims,
                                               g_bytes_new_take (g_realloc (rect.values, MAX (rect.n_bytes, 8)),
                                                                 rect.n_bytes),
                                               NULL);
  return seldon_json_new_array ();
}

static SeldonJson *
decode_plain (Decoder                          *dec,
              const ProtobufCMessageDescriptor *desc,
              const guint8                     *data,
              gsize                             len)
{
  Reader r = { data, data + len };
  const char * const *names = json_names (desc);
  Slot *slots = g_newa (Slot, desc->n_fields);
  SeldonJson *out = NULL;

  memset (slots, 0, sizeof (Slot) * desc->n_fields);

  while (r.p < r.end)
    {
      guint64 key;
      const ProtobufCFieldDescriptor *field;
      Slot *slot;
      guint wire;
      gboolean is_default = FALSE;
      SeldonJson *item;

      if (!read_varint (&r, &key) || (key >> 3) == 0 || (key >> 3) > 536870911)
        {
          decode_fail (dec, "bad field key");
          goto out;
        }
      wire = (guint) (key & 7);
      field = protobuf_c_message_descriptor_get_field (desc, (unsigned) (key >> 3));
      if (field == NULL)
        {
          if (!skip_field (&r, wire))
            {
              decode_fail (dec, "truncated unknown field");
              goto out;
            }
          continue;
        }
      slot = &slots[field - desc->fields];

      if (field->label == PROTOBUF_C_LABEL_REPEATED)
        {
          if (slot->value == NULL)
            slot->value = is_map_field (field) ? seldon_json_new_object () : seldon_json_new_array ();
          slot->set = TRUE;

          if (wire == WIRE_LEN && !is_length_delimited (field->type))
            {
              /* packed */
              const guint8 *sub;
              gsize sub_len;
              Reader packed;

              if (!read_len (&r, &sub, &sub_len))
                {
                  decode_fail (dec, "truncated packed field");
                  goto out;
                }
              packed.p = sub;
              packed.end = sub + sub_len;
              while (packed.p < packed.end)
                {
                  item = decode_scalar (dec, field, &packed, &is_default);
                  if (item == NULL)
                    goto out;
                  seldon_json_array_append (slot->value, item);
                }
              continue;
            }
          if (wire != native_wire_type (field->type))
            {
              decode_fail (dec, "wrong wire type");
              goto out;
            }
          if (wire == WIRE_LEN)
            {
              const guint8 *sub;
              gsize sub_len;

              if (!read_len (&r, &sub, &sub_len))
                {
                  decode_fail (dec, "truncated field");
                  goto out;
                }
              if (is_map_field (field))
                {
                  if (!decode_map_entry (dec, field->descriptor, sub, sub_len, slot->value))
                    goto out;
                  continue;
                }
              item = decode_len_element (dec, field, sub, sub_len, &is_default);
            }
          else
            item = decode_scalar (dec, field, &r, &is_default);
          if (item == NULL)
            goto out;
          seldon_json_array_append (slot->value, item);
          continue;
        }

      if (wire != native_wire_type (field->type))
        {
          decode_fail (dec, "wrong wire type");
          goto out;
        }
      if (wire == WIRE_LEN)
        {
          const guint8 *sub;
          gsize sub_len;

          if (!read_len (&r, &sub, &sub_len))
            {
              decode_fail (dec, "truncated field");
              goto out;
            }
          item = NULL;
          if (dec->fast != NULL && dec->depth == 2 && desc == &seldon__protos__default_data__descriptor &&
              (field->id == 2 || field->id == 3))
            item = decode_fast_array (dec, field->id, sub, sub_len);
          if (item == NULL && (dec->error == NULL || *dec->error == NULL))
            item = decode_len_element (dec, field, sub, sub_len, &is_default);
        }
      else
        item = decode_scalar (dec, field, &r, &is_default);
      if (item == NULL)
        goto out;

      if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        {
          /* the members of one oneof share their case member: the last one set wins */
          for (unsigned i = 0; i < desc->n_fields; i++)
            if ((desc->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
                desc->fields[i].quantifier_offset == field->quantifier_offset)
              {
                g_clear_pointer (&slots[i].value, seldon_json_unref);
                slots[i].set = FALSE;
              }
          is_default = FALSE;
        }
      g_clear_pointer (&slot->value, seldon_json_unref);
      slot->value = item;
      slot->set = !is_default || field->type == PROTOBUF_C_TYPE_MESSAGE ||
                  field->label == PROTOBUF_C_LABEL_OPTIONAL;
    }

  out = seldon_json_new_object ();
  for (unsigned i = 0; i < desc->n_fields; i++)
    if (slots[i].set && slots[i].value != NULL &&
        !(desc->fields[i].label == PROTOBUF_C_LABEL_REPEATED &&
          (seldon_json_get_type (slots[i].value) == SELDON_JSON_ARRAY
             ? seldon_json_array_get_length (slots[i].value) == 0
             : seldon_json_object_get_size (slots[i].value) == 0)))
      seldon_json_object_set (out, names[i], g_steal_pointer (&slots[i].value));

out:
  for (unsigned i = 0; i < desc->n_fields; i++)
    g_clear_pointer (&slots[i].value, seldon_json_unref);
  return out;
}

static SeldonJson *
decode_message (Decoder                          *dec,
                const ProtobufCMessageDescriptor *desc,
                const guint8                     *data,
                gsize                             len)
{
  SeldonJson *out;

  if (++dec->depth > MAX_DEPTH)
    {
      decode_fail (dec, "messages nested too deep");
      return NULL;
    }

  switch (message_kind (desc))
    {
    case KIND_VALUE:
      out = decode_value (dec, data, len);
      break;
    case KIND_LIST_VALUE:
      out = decode_list_value (dec, data, len);
      break;
    case KIND_ANY:
      out = decode_any (dec, data, len);
      break;
    case KIND_STRUCT:
      {
        /* {"fields": {...}} -> {...} */
        g_autoptr(SeldonJson) st = decode_plain (dec, desc, data, len);
        SeldonJson *fields = st != NULL ? seldon_json_object_get (st, "fields") : NULL;

        out = st == NULL ? NULL : fields != NULL ? seldon_json_ref (fields) : seldon_json_new_object ();
      }
      break;
    case KIND_PLAIN:
    default:
      out = decode_plain (dec, desc, data, len);
      break;
    }

  dec->depth--;
  return out;
}

SeldonJson *
seldon_codec_proto_decode_message (GBytes           *bytes,
                                   SeldonProtoArray *array,
                                   GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  Decoder dec = { 0, &local_error, array };
  const guint8 *data = NULL;
  gsize size = 0;
  SeldonJson *json;
  SeldonJson *datadef;

  g_return_val_if_fail (array != NULL, NULL);

  memset (array, 0, sizeof *array);
  if (bytes != NULL)
    data = g_bytes_get_data (bytes, &size);
  if (data == NULL)
    data = (const guint8 *) "";

  json = decode_message (&dec, &seldon__protos__seldon_message__descriptor, data, size);
  if (json == NULL)
    {
      fast_clear (array);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a seldon.protos.SeldonMessage message: %s",
                   local_error != NULL ? local_error->message : "invalid");
      return NULL;
    }

  /* a later member of a oneof may have replaced the array's */
  datadef = seldon_json_object_get (json, "data");
  if (datadef == NULL ||
      (array->tensor_values != NULL && !seldon_json_object_has (datadef, "tensor")) ||
      (array->ndarray != NULL && !seldon_json_object_has (datadef, "ndarray")))
    fast_clear (array);
  return json;
}

void
seldon_proto_array_clear (SeldonProtoArray *array)
{
  fast_clear (array);
}

SeldonJson *
seldon_codec_proto_decode (SeldonProtoMessageType type,
                           GBytes                *bytes,
                           GError               **error)
{
  const ProtobufCMessageDescriptor *desc = descriptor_for_type (type);
  g_autoptr(GError) local_error = NULL;
  Decoder dec = { 0, &local_error, NULL };
  const guint8 *data = NULL;
  gsize size = 0;
  SeldonJson *json;

  if (bytes != NULL)
    data = g_bytes_get_data (bytes, &size);
  if (data == NULL)
    data = (const guint8 *) "";

  json = decode_message (&dec, desc, data, size);
  if (json == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a %s message: %s", desc->name,
                   local_error != NULL ? local_error->message : "invalid");
      return NULL;
    }
  return json;
}

/* ------------------------------------------------------------------------------------------ */
/* canonical JSON -> wire format
 *
 * Fields are written in field number order (as protoc and protobuf-c write them), defaults of
 * singular fields outside a oneof are left out (proto3), repeated numeric fields are packed. A
 * sub-message is written after room for the longest length prefix, which is then filled in
 * and the message moved down to it. */

typedef struct
{
  GByteArray *out;
  /* the numeric answer array that seldon_proto_json_build_response_full() left out */
  SeldonTensor *deferred;
} Encoder;

static gboolean encode_message (Encoder                          *enc,
                                const ProtobufCMessageDescriptor *desc,
                                const SeldonJson                 *json,
                                GError                          **error);

static void
put_varint (GByteArray *out,
            guint64     value)
{
  guint8 buf[10];
  guint n = 0;

  do
    {
      buf[n++] = (guint8) ((value & 0x7f) | (value > 0x7f ? 0x80 : 0));
      value >>= 7;
    }
  while (value > 0);
  g_byte_array_append (out, buf, n);
}

static void
put_key (GByteArray *out,
         guint32     number,
         guint       wire)
{
  put_varint (out, ((guint64) number << 3) | wire);
}

/* Reserves room for a length prefix; returns the offset to give end_len(). */
static gsize
begin_len (GByteArray *out)
{
  static const guint8 room[5] = { 0 };
  gsize start = out->len;

  g_byte_array_append (out, room, sizeof room);
  return start;
}

static void
end_len (GByteArray *out,
         gsize       start)
{
  gsize payload = start + 5;
  guint64 len = out->len - payload;
  guint8 buf[10];
  guint n = 0;

  do
    {
      buf[n++] = (guint8) ((len & 0x7f) | (len > 0x7f ? 0x80 : 0));
      len >>= 7;
    }
  while (len > 0);
  memcpy (out->data + start, buf, n);
  if (n < 5)
    {
      memmove (out->data + start + n, out->data + payload, out->len - payload);
      g_byte_array_set_size (out, out->len - (5 - n));
    }
}

static gboolean
set_encode_error (GError         **error,
                  const char      *what,
                  const SeldonJson *value)
{
  g_autofree char *text = seldon_json_to_string (value, SELDON_JSON_WRITE_DEFAULT);

  g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED, "cannot encode %s as %s", text, what);
  return FALSE;
}

static gboolean
json_to_double (const SeldonJson *value,
                double           *out)
{
  switch (seldon_json_get_type (value))
    {
    case SELDON_JSON_INT:
    case SELDON_JSON_BIGINT:
    case SELDON_JSON_DOUBLE:
      *out = seldon_json_get_double (value);
      return TRUE;
    case SELDON_JSON_STRING:
      {
        const char *s = seldon_json_get_string (value);
        char *end = NULL;

        if (strcmp (s, "NaN") == 0)
          *out = NAN;
        else if (strcmp (s, "Infinity") == 0)
          *out = INFINITY;
        else if (strcmp (s, "-Infinity") == 0)
          *out = -INFINITY;
        else
          {
            *out = g_ascii_strtod (s, &end);
            return end != s && *end == '\0';
          }
        return TRUE;
      }
    case SELDON_JSON_NULL:
    case SELDON_JSON_BOOL:
    case SELDON_JSON_ARRAY:
    case SELDON_JSON_OBJECT:
    default:
      return FALSE;
    }
}

static gboolean
json_to_int64 (const SeldonJson *value,
               gint64           *out)
{
  switch (seldon_json_get_type (value))
    {
    case SELDON_JSON_INT:
      *out = seldon_json_get_int (value);
      return TRUE;
    case SELDON_JSON_DOUBLE:
      {
        double d = seldon_json_get_double (value);

        if (d != floor (d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
          return FALSE;
        *out = (gint64) d;
        return TRUE;
      }
    case SELDON_JSON_STRING:
      return g_ascii_string_to_signed (seldon_json_get_string (value), 10, G_MININT64, G_MAXINT64,
                                       out, NULL);
    case SELDON_JSON_BIGINT:
    case SELDON_JSON_NULL:
    case SELDON_JSON_BOOL:
    case SELDON_JSON_ARRAY:
    case SELDON_JSON_OBJECT:
    default:
      return FALSE;
    }
}

static gboolean
json_to_uint64 (const SeldonJson *value,
                guint64          *out)
{
  switch (seldon_json_get_type (value))
    {
    case SELDON_JSON_INT:
      if (seldon_json_get_int (value) < 0)
        return FALSE;
      *out = (guint64) seldon_json_get_int (value);
      return TRUE;
    case SELDON_JSON_BIGINT:
      return g_ascii_string_to_unsigned (seldon_json_get_bigint (value), 10, 0, G_MAXUINT64, out, NULL);
    case SELDON_JSON_STRING:
      return g_ascii_string_to_unsigned (seldon_json_get_string (value), 10, 0, G_MAXUINT64, out, NULL);
    case SELDON_JSON_DOUBLE:
      {
        double d = seldon_json_get_double (value);

        if (d != floor (d) || d < 0 || d >= 18446744073709551616.0)
          return FALSE;
        *out = (guint64) d;
        return TRUE;
      }
    case SELDON_JSON_NULL:
    case SELDON_JSON_BOOL:
    case SELDON_JSON_ARRAY:
    case SELDON_JSON_OBJECT:
    default:
      return FALSE;
    }
}

/* The wire value of one scalar element: bits to write (varint, or little-endian fixed) and
 * whether it is the default. */
static gboolean
scalar_bits (const ProtobufCFieldDescriptor *field,
             const SeldonJson               *value,
             guint64                        *bits,
             gboolean                       *is_default,
             GError                        **error)
{
  gint64 i64;
  guint64 u64;
  double d;

  switch (field->type)
    {
    case PROTOBUF_C_TYPE_INT32:
      if (!json_to_int64 (value, &i64) || i64 < G_MININT32 || i64 > G_MAXINT32)
        return set_encode_error (error, "int32", value);
      *bits = (guint64) i64;   /* negative int32: sign-extended to 10 bytes */
      break;
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
      if (!json_to_int64 (value, &i64) || i64 < G_MININT32 || i64 > G_MAXINT32)
        return set_encode_error (error, "int32", value);
      *bits = field->type == PROTOBUF_C_TYPE_SINT32 ? (((guint32) (gint32) i64) << 1) ^ (guint32) ((gint32) i64 >> 31)
                                                    : (guint32) (gint32) i64;
      break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
      if (!json_to_uint64 (value, &u64) || u64 > G_MAXUINT32)
        return set_encode_error (error, "uint32", value);
      *bits = u64;
      break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SFIXED64:
      if (!json_to_int64 (value, &i64))
        return set_encode_error (error, "int64", value);
      *bits = (guint64) i64;
      break;
    case PROTOBUF_C_TYPE_SINT64:
      if (!json_to_int64 (value, &i64))
        return set_encode_error (error, "int64", value);
      *bits = ((guint64) i64 << 1) ^ (guint64) (i64 >> 63);
      break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
      if (!json_to_uint64 (value, &u64))
        return set_encode_error (error, "uint64", value);
      *bits = u64;
      break;
    case PROTOBUF_C_TYPE_FLOAT:
      {
        float f;
        guint32 b32;

        if (!json_to_double (value, &d))
          return set_encode_error (error, "float", value);
        f = (float) d;
        memcpy (&b32, &f, 4);
        *bits = b32;
      }
      break;
    case PROTOBUF_C_TYPE_DOUBLE:
      if (!json_to_double (value, &d))
        return set_encode_error (error, "double", value);
      memcpy (bits, &d, 8);
      break;
    case PROTOBUF_C_TYPE_BOOL:
      if (seldon_json_get_type (value) != SELDON_JSON_BOOL)
        return set_encode_error (error, "bool", value);
      *bits = seldon_json_get_bool (value) ? 1 : 0;
      break;
    case PROTOBUF_C_TYPE_ENUM:
      if (seldon_json_get_type (value) == SELDON_JSON_STRING)
        {
          const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value_by_name (field->descriptor, seldon_json_get_string (value));

          if (ev == NULL)
            return set_encode_error (error, ((const ProtobufCEnumDescriptor *) field->descriptor)->name, value);
          *bits = (guint64) (gint64) ev->value;
        }
      else if (!json_to_int64 (value, &i64) || i64 < G_MININT32 || i64 > G_MAXINT32)
        return set_encode_error (error, "enum", value);
      else
        *bits = (guint64) i64;
      break;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE:
    default:
      g_return_val_if_reached (FALSE);
    }
  *is_default = *bits == 0;
  return TRUE;
}

static void
put_scalar_bits (GByteArray    *out,
                 ProtobufCType  type,
                 guint64        bits)
{
  switch (native_wire_type (type))
    {
    case WIRE_FIXED32:
      {
        guint32 b32 = (guint32) bits;

        g_byte_array_append (out, (const guint8 *) &b32, 4);
      }
      break;
    case WIRE_FIXED64:
      g_byte_array_append (out, (const guint8 *) &bits, 8);
      break;
    case WIRE_VARINT:
    default:
      put_varint (out, bits);
      break;
    }
}

/* One element of @field: key and value. @force writes a default value too. */
static gboolean
encode_element (Encoder                        *enc,
                const ProtobufCFieldDescriptor *field,
                const SeldonJson               *value,
                gboolean                        force,
                GError                        **error)
{
  GByteArray *out = enc->out;

  switch (field->type)
    {
    case PROTOBUF_C_TYPE_STRING:
      if (seldon_json_get_type (value) != SELDON_JSON_STRING)
        return set_encode_error (error, "string", value);
      if (!force && seldon_json_get_string_length (value) == 0)
        return TRUE;
      put_key (out, field->id, WIRE_LEN);
      put_varint (out, seldon_json_get_string_length (value));
      g_byte_array_append (out, (const guint8 *) seldon_json_get_string (value),
                           (guint) seldon_json_get_string_length (value));
      return TRUE;

    case PROTOBUF_C_TYPE_BYTES:
      {
        g_autoptr(GBytes) bytes = NULL;
        gsize size = 0;
        const guint8 *data;

        if (seldon_json_get_type (value) != SELDON_JSON_STRING ||
            (bytes = seldon_codec_b64decode (value, NULL)) == NULL)
          return set_encode_error (error, "bytes", value);
        data = g_bytes_get_data (bytes, &size);
        if (!force && size == 0)
          return TRUE;
        put_key (out, field->id, WIRE_LEN);
        put_varint (out, size);
        g_byte_array_append (out, data, (guint) size);
        return TRUE;
      }

    case PROTOBUF_C_TYPE_MESSAGE:
      {
        gsize start;

        put_key (out, field->id, WIRE_LEN);
        start = begin_len (out);
        if (!encode_message (enc, field->descriptor, value, error))
          return FALSE;
        end_len (out, start);
        return TRUE;
      }

    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
    case PROTOBUF_C_TYPE_BOOL:
    case PROTOBUF_C_TYPE_ENUM:
    default:
      {
        guint64 bits;
        gboolean is_default;

        if (!scalar_bits (field, value, &bits, &is_default, error))
          return FALSE;
        if (!force && is_default)
          return TRUE;
        put_key (out, field->id, native_wire_type (field->type));
        put_scalar_bits (out, field->type, bits);
        return TRUE;
      }
    }
}

static gboolean
encode_map (Encoder                        *enc,
            const ProtobufCFieldDescriptor *field,
            const SeldonJson               *map,
            GError                        **error)
{
  GByteArray *out = enc->out;
  const ProtobufCMessageDescriptor *entry_desc = field->descriptor;
  const ProtobufCFieldDescriptor *key_field = &entry_desc->fields[0];
  const ProtobufCFieldDescriptor *value_field = &entry_desc->fields[1];

  if (seldon_json_get_type (map) != SELDON_JSON_OBJECT)
    return set_encode_error (error, "a map", map);

  for (guint i = 0; i < seldon_json_object_get_size (map); i++)
    {
      g_autoptr(SeldonJson) key = NULL;
      gsize start;

      if (key_field->type == PROTOBUF_C_TYPE_STRING)
        key = seldon_json_new_string (seldon_json_object_get_key_at (map, i));
      else if ((key = seldon_json_parse (seldon_json_object_get_key_at (map, i), -1, NULL)) == NULL)
        {
          g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED, "bad map key %s",
                       seldon_json_object_get_key_at (map, i));
          return FALSE;
        }
      put_key (out, field->id, WIRE_LEN);
      start = begin_len (out);
      if (!encode_element (enc, key_field, key, TRUE, error) ||
          !encode_element (enc, value_field, seldon_json_object_get_value_at (map, i), TRUE, error))
        return FALSE;
      end_len (out, start);
    }
  return TRUE;
}

static gboolean
encode_field (Encoder                        *enc,
              const ProtobufCFieldDescriptor *field,
              const SeldonJson               *value,
              GError                        **error)
{
  GByteArray *out = enc->out;

  if (field->label != PROTOBUF_C_LABEL_REPEATED)
    return encode_element (enc, field, value,
                           (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || field->label == PROTOBUF_C_LABEL_OPTIONAL,
                           error);

  if (is_map_field (field))
    return encode_map (enc, field, value, error);
  if (seldon_json_get_type (value) != SELDON_JSON_ARRAY)
    return set_encode_error (error, "a list", value);
  if (seldon_json_array_get_length (value) == 0)
    return TRUE;

  if ((field->flags & PROTOBUF_C_FIELD_FLAG_PACKED) && !is_length_delimited (field->type))
    {
      gsize start;

      put_key (out, field->id, WIRE_LEN);
      start = begin_len (out);
      for (guint i = 0; i < seldon_json_array_get_length (value); i++)
        {
          guint64 bits;
          gboolean is_default;

          if (!scalar_bits (field, seldon_json_array_get (value, i), &bits, &is_default, error))
            return FALSE;
          put_scalar_bits (out, field->type, bits);
        }
      end_len (out, start);
      return TRUE;
    }

  for (guint i = 0; i < seldon_json_array_get_length (value); i++)
    if (!encode_element (enc, field, seldon_json_array_get (value, i), TRUE, error))
      return FALSE;
  return TRUE;
}

static const ProtobufCFieldDescriptor *
find_field (const ProtobufCMessageDescriptor *desc,
            const char                       *name)
{
  const char * const *names = json_names (desc);

  for (unsigned i = 0; i < desc->n_fields; i++)
    if ((names[i][0] == name[0] && strcmp (names[i], name) == 0) ||
        (desc->fields[i].name[0] == name[0] && strcmp (desc->fields[i].name, name) == 0))
      return &desc->fields[i];
  return NULL;
}

static gboolean
encode_value (GByteArray       *out,
              const SeldonJson *json,
              GError          **error);

static gboolean
encode_list_value (GByteArray       *out,
                   const SeldonJson *json,
                   GError          **error)
{
  for (guint i = 0; i < seldon_json_array_get_length (json); i++)
    {
      gsize start;

      put_key (out, 1, WIRE_LEN);
      start = begin_len (out);
      if (!encode_value (out, seldon_json_array_get (json, i), error))
        return FALSE;
      end_len (out, start);
    }
  return TRUE;
}

static gboolean
encode_struct (GByteArray       *out,
               const SeldonJson *json,
               GError          **error)
{
  for (guint i = 0; i < seldon_json_object_get_size (json); i++)
    {
      const char *key = seldon_json_object_get_key_at (json, i);
      gsize entry;
      gsize value;

      put_key (out, 1, WIRE_LEN);
      entry = begin_len (out);
      put_key (out, 1, WIRE_LEN);
      put_varint (out, strlen (key));
      g_byte_array_append (out, (const guint8 *) key, (guint) strlen (key));
      put_key (out, 2, WIRE_LEN);
      value = begin_len (out);
      if (!encode_value (out, seldon_json_object_get_value_at (json, i), error))
        return FALSE;
      end_len (out, value);
      end_len (out, entry);
    }
  return TRUE;
}

/* Any JSON value as a google.protobuf.Value (numbers become doubles). */
static gboolean
encode_value (GByteArray       *out,
              const SeldonJson *json,
              GError          **error)
{
  switch (seldon_json_get_type (json))
    {
    case SELDON_JSON_BOOL:
      put_key (out, 4, WIRE_VARINT);
      put_varint (out, seldon_json_get_bool (json) ? 1 : 0);
      return TRUE;
    case SELDON_JSON_INT:
    case SELDON_JSON_BIGINT:
    case SELDON_JSON_DOUBLE:
      {
        double d = seldon_json_get_double (json);

        put_key (out, 2, WIRE_FIXED64);
        g_byte_array_append (out, (const guint8 *) &d, 8);
      }
      return TRUE;
    case SELDON_JSON_STRING:
      put_key (out, 3, WIRE_LEN);
      put_varint (out, seldon_json_get_string_length (json));
      g_byte_array_append (out, (const guint8 *) seldon_json_get_string (json),
                           (guint) seldon_json_get_string_length (json));
      return TRUE;
    case SELDON_JSON_ARRAY:
    case SELDON_JSON_OBJECT:
      {
        gsize start;
        gboolean ok;

        put_key (out, seldon_json_get_type (json) == SELDON_JSON_ARRAY ? 6 : 5, WIRE_LEN);
        start = begin_len (out);
        ok = seldon_json_get_type (json) == SELDON_JSON_ARRAY ? encode_list_value (out, json, error)
                                                              : encode_struct (out, json, error);
        if (!ok)
          return FALSE;
        end_len (out, start);
      }
      return TRUE;
    case SELDON_JSON_NULL:
    default:
      put_key (out, 1, WIRE_VARINT);
      put_varint (out, 0);
      return TRUE;
    }
}

static gboolean
encode_any (GByteArray       *out,
            const SeldonJson *json,
            GError          **error)
{
  SeldonJson *type_url = seldon_json_object_get (json, "@type");
  SeldonJson *value = seldon_json_object_get (json, "value");

  if (type_url != NULL)
    {
      if (seldon_json_get_type (type_url) != SELDON_JSON_STRING)
        return set_encode_error (error, "an Any type URL", type_url);
      if (seldon_json_get_string_length (type_url) > 0)
        {
          put_key (out, 1, WIRE_LEN);
          put_varint (out, seldon_json_get_string_length (type_url));
          g_byte_array_append (out, (const guint8 *) seldon_json_get_string (type_url),
                               (guint) seldon_json_get_string_length (type_url));
        }
    }
  if (value != NULL)
    {
      g_autoptr(GBytes) bytes = NULL;
      gsize size = 0;
      const guint8 *data;

      if (seldon_json_get_type (value) != SELDON_JSON_STRING ||
          (bytes = seldon_codec_b64decode (value, NULL)) == NULL)
        return set_encode_error (error, "the value of an Any", value);
      data = g_bytes_get_data (bytes, &size);
      if (size > 0)
        {
          put_key (out, 2, WIRE_LEN);
          put_varint (out, size);
          g_byte_array_append (out, data, (guint) size);
        }
    }
  return TRUE;
}

static guint8 *
raw_varint (guint8  *p,
            guint64  value)
{
  do
    {
      *p++ = (guint8) ((value & 0x7f) | (value > 0x7f ? 0x80 : 0));
      value >>= 7;
    }
  while (value > 0);
  return p;
}

/* Fills the length reserved (5 bytes) at @start for the bytes from @start + 5 to @end, moving
 * them down; returns the new end. */
static guint8 *
raw_end_len (guint8 *start,
             guint8 *end)
{
  guint8 *payload = start + 5;
  gsize len = end - payload;
  guint8 *p = raw_varint (start, len);

  if (p != payload)
    memmove (p, payload, len);
  return p + len;
}

/* The Value of one number of a numeric array, as its canonical JSON gives it (non-finite
 * numbers are the strings "NaN", "Infinity", "-Infinity"): at most 13 bytes with the entry key
 * and length. */
static guint8 *
raw_number_entry (guint8 *p,
                  double  d)
{
  *p++ = (1 << 3) | WIRE_LEN;   /* ListValue.values */
  if (isfinite (d))
    {
      *p++ = 9;
      *p++ = (2 << 3) | WIRE_FIXED64;
      memcpy (p, &d, 8);
      return p + 8;
    }
  else
    {
      const char *text = isnan (d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
      guint8 len = (guint8) strlen (text);

      *p++ = (guint8) (len + 2);
      *p++ = (3 << 3) | WIRE_LEN;
      *p++ = len;
      memcpy (p, text, len);
      return p + len;
    }
}

/* The entries of the ListValue of dimension @depth of the numeric @array (the nested lists of
 * its canonical JSON: numbers as doubles). */
static guint8 *
raw_list_entries (guint8       *p,
                  SeldonTensor *array,
                  const double *doubles,
                  const gint64 *shape,
                  guint         n_dims,
                  guint         depth,
                  gsize        *pos)
{
  for (gint64 i = 0; i < shape[depth]; i++)
    {
      if (depth + 1 == n_dims)
        {
          double d;

          if (doubles != NULL)
            memcpy (&d, doubles + (*pos)++, sizeof d);
          else
            d = seldon_tensor_get_element_double (array, (*pos)++);
          p = raw_number_entry (p, d);
        }
      else
        {
          guint8 *value;
          guint8 *list;

          *p++ = (1 << 3) | WIRE_LEN;      /* ListValue.values */
          value = p;
          p += 5;
          *p++ = (6 << 3) | WIRE_LEN;      /* Value.list_value */
          list = p;
          p = raw_list_entries (p + 5, array, doubles, shape, n_dims, depth + 1, pos);
          p = raw_end_len (list, p);
          p = raw_end_len (value, p);
        }
    }
  return p;
}

/* Appends the ListValue (its entries) of the numeric @array. */
static void
put_list_value (GByteArray   *out,
                SeldonTensor *array)
{
  guint n_dims = 0;
  const gint64 *shape = seldon_tensor_get_shape (array, &n_dims);
  const double *doubles = NULL;
  gsize n_lists = 0;
  gsize lists = 1;
  gsize bound;
  gsize start = out->len;
  gsize pos = 0;
  guint8 *end;

  for (guint k = 0; k + 1 < n_dims; k++)
    {
      lists *= (gsize) shape[k];
      n_lists += lists;
    }
  bound = seldon_tensor_get_n_elements (array) * 13 + n_lists * 12 + 16;
  if (seldon_tensor_get_dtype (array) == SELDON_DTYPE_FLOAT64)
    doubles = g_bytes_get_data (seldon_tensor_get_data (array), NULL);

  g_byte_array_set_size (out, (guint) (start + bound));
  end = raw_list_entries (out->data + start, array, doubles, shape, n_dims, 0, &pos);
  g_byte_array_set_size (out, (guint) (end - out->data));
}

/* DefaultData.ndarray (@field) from the numeric @array. */
static void
put_deferred_ndarray (GByteArray                     *out,
                      const ProtobufCFieldDescriptor *field,
                      SeldonTensor                   *array)
{
  gsize start;

  put_key (out, field->id, WIRE_LEN);
  start = begin_len (out);
  put_list_value (out, array);
  end_len (out, start);
}

/* Tensor.values (@field, packed doubles) from the numeric @array. */
static void
put_deferred_values (GByteArray                     *out,
                     const ProtobufCFieldDescriptor *field,
                     SeldonTensor                   *array)
{
  gsize n = seldon_tensor_get_n_elements (array);
  gsize start;

  put_key (out, field->id, WIRE_LEN);
  start = begin_len (out);
  if (seldon_tensor_get_dtype (array) == SELDON_DTYPE_FLOAT64)
    {
      gsize size = 0;
      const guint8 *data = g_bytes_get_data (seldon_tensor_get_data (array), &size);

      g_byte_array_append (out, data, (guint) size);
    }
  else
    for (gsize j = 0; j < n; j++)
      {
        double d = seldon_tensor_get_element_double (array, j);

        g_byte_array_append (out, (const guint8 *) &d, 8);
      }
  end_len (out, start);
}

static gboolean
encode_message (Encoder                          *enc,
                const ProtobufCMessageDescriptor *desc,
                const SeldonJson                 *json,
                GError                          **error)
{
  GByteArray *out = enc->out;
  const SeldonJson **members;

  switch (message_kind (desc))
    {
    case KIND_VALUE:
      return encode_value (out, json, error);
    case KIND_LIST_VALUE:
      if (seldon_json_get_type (json) != SELDON_JSON_ARRAY)
        return set_encode_error (error, "a ListValue", json);
      return encode_list_value (out, json, error);
    case KIND_STRUCT:
      if (seldon_json_get_type (json) != SELDON_JSON_OBJECT)
        return set_encode_error (error, "a Struct", json);
      return encode_struct (out, json, error);
    case KIND_ANY:
      if (seldon_json_get_type (json) != SELDON_JSON_OBJECT)
        return set_encode_error (error, "an Any", json);
      return encode_any (out, json, error);
    case KIND_PLAIN:
    default:
      break;
    }

  if (seldon_json_get_type (json) != SELDON_JSON_OBJECT)
    return set_encode_error (error, desc->name, json);

  /* members by field, then written in field order */
  members = g_newa (const SeldonJson *, desc->n_fields);
  memset (members, 0, sizeof (const SeldonJson *) * desc->n_fields);
  for (guint i = 0; i < seldon_json_object_get_size (json); i++)
    {
      const ProtobufCFieldDescriptor *field = find_field (desc, seldon_json_object_get_key_at (json, i));
      SeldonJson *value = seldon_json_object_get_value_at (json, i);

      if (field != NULL && seldon_json_get_type (value) != SELDON_JSON_NULL)
        members[field - desc->fields] = value;   /* unknown members are ignored; null is the default */
    }

  /* protoc-c lists the fields in number order */
  for (unsigned i = 0; i < desc->n_fields; i++)
    {
      const ProtobufCFieldDescriptor *field = &desc->fields[i];

      if (enc->deferred != NULL && desc == &seldon__protos__default_data__descriptor &&
          field->id == 3 && members[i] != NULL)
        {
          put_deferred_ndarray (out, field, enc->deferred);
          continue;
        }
      if (enc->deferred != NULL && desc == &seldon__protos__tensor__descriptor && field->id == 2)
        {
          put_deferred_values (out, field, enc->deferred);
          continue;
        }
      if (members[i] != NULL && !encode_field (enc, field, members[i], error))
        return FALSE;
    }
  return TRUE;
}

GBytes *
seldon_codec_proto_encode (SeldonProtoMessageType type,
                           const SeldonJson      *canonical,
                           GError               **error)
{
  return seldon_codec_proto_encode_full (type, canonical, NULL, error);
}

GBytes *
seldon_codec_proto_encode_full (SeldonProtoMessageType type,
                                const SeldonJson      *canonical,
                                SeldonTensor          *deferred_array,
                                GError               **error)
{
  const ProtobufCMessageDescriptor *desc = descriptor_for_type (type);
  Encoder enc;
  gsize estimate = 256;

  g_return_val_if_fail (canonical != NULL, NULL);

  if (deferred_array != NULL)
    estimate += seldon_tensor_get_n_elements (deferred_array) * 11;
  enc.out = g_byte_array_sized_new ((guint) MIN (estimate, G_MAXUINT));
  enc.deferred = deferred_array;
  if (!encode_message (&enc, desc, canonical, error))
    {
      g_byte_array_unref (enc.out);
      return NULL;
    }
  return g_byte_array_free_to_bytes (enc.out);
}

/* Writes what seldon_codec_proto_encode_full() writes for the SeldonMessage
 * {"meta": M, "data": {"names": N, "tensor": {"shape": S}} | {"names": N, "ndarray": []}}
 * with the deferred array: fields in number order, the same checks on M and N. */
GBytes *
seldon_codec_proto_encode_answer (const SeldonProtoAnswer *answer,
                                  GError                 **error)
{
  /* SeldonMessage.meta = 2, .data = 3; DefaultData.names = 1, .tensor = 2, .ndarray = 3;
   * Tensor.shape = 1, .values = 2 (prediction.proto) */
  const ProtobufCMessageDescriptor *desc = &seldon__protos__seldon_message__descriptor;
  const ProtobufCMessageDescriptor *data_desc = &seldon__protos__default_data__descriptor;
  const ProtobufCMessageDescriptor *tensor_desc = &seldon__protos__tensor__descriptor;
  Encoder enc;
  gsize start;

  g_return_val_if_fail (answer != NULL && answer->meta != NULL && answer->array != NULL, NULL);

  enc.out = g_byte_array_sized_new ((guint) MIN (256 + seldon_tensor_get_n_elements (answer->array) * 11,
                                                 G_MAXUINT));
  enc.deferred = NULL;

  /* meta (a JSON null member is the default: not written; an empty Meta has no fields) */
  if (seldon_json_get_type (answer->meta) == SELDON_JSON_OBJECT && seldon_json_object_get_size (answer->meta) == 0)
    {
      static const guint8 empty_meta[] = { (2 << 3) | WIRE_LEN, 0 };

      g_byte_array_append (enc.out, empty_meta, sizeof empty_meta);
    }
  else if (seldon_json_get_type (answer->meta) != SELDON_JSON_NULL &&
           !encode_field (&enc, protobuf_c_message_descriptor_get_field (desc, 2), answer->meta, error))
    goto fail;

  /* data */
  put_key (enc.out, 3, WIRE_LEN);
  start = begin_len (enc.out);
  if (answer->names != NULL && seldon_json_array_get_length (answer->names) > 0 &&
      !encode_field (&enc, protobuf_c_message_descriptor_get_field (data_desc, 1), answer->names, error))
    goto fail;
  if (answer->names == NULL && answer->n_default_names > 0)
    {
      /* names: "t:<i>", gathered in @batch (each is key, length, text) */
      guint8 batch[512];
      gsize used = 0;

      for (gint64 i = 0; i < answer->n_default_names; i++)
        {
          guint8 buf[32];
          guint8 *p = buf + sizeof buf;
          guint64 n = (guint64) i;
          guint8 len;

          do
            *--p = (guint8) ('0' + n % 10);
          while ((n /= 10) != 0);
          *--p = ':';
          *--p = 't';
          len = (guint8) (buf + sizeof buf - p);   /* < 0x80: one byte */
          *--p = len;
          *--p = (1 << 3) | WIRE_LEN;
          if (used + (gsize) (buf + sizeof buf - p) > sizeof batch)
            {
              g_byte_array_append (enc.out, batch, (guint) used);
              used = 0;
            }
          memcpy (batch + used, p, buf + sizeof buf - p);
          used += buf + sizeof buf - p;
        }
      g_byte_array_append (enc.out, batch, (guint) used);
    }
  if (answer->tensor)
    {
      gsize tensor_start;

      put_key (enc.out, 2, WIRE_LEN);
      tensor_start = begin_len (enc.out);
      if (seldon_tensor_get_n_dims (answer->array) > 0)
        {
          g_autoptr(SeldonJson) shape = seldon_tensor_shape_to_json (answer->array);

          if (!encode_field (&enc, protobuf_c_message_descriptor_get_field (tensor_desc, 1), shape, error))
            goto fail;
        }
      if (seldon_tensor_get_n_elements (answer->array) > 0)
        put_deferred_values (enc.out, protobuf_c_message_descriptor_get_field (tensor_desc, 2), answer->array);
      end_len (enc.out, tensor_start);
    }
  else
    put_deferred_ndarray (enc.out, protobuf_c_message_descriptor_get_field (data_desc, 3), answer->array);
  end_len (enc.out, start);
  return g_byte_array_free_to_bytes (enc.out);

fail:
  g_byte_array_unref (enc.out);
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* metadata */

static void
copy_member (SeldonJson       *out,
             const SeldonJson *source,
             const char       *key,
             SeldonJsonType    type)
{
  SeldonJson *value = seldon_json_object_get (source, key);

  if (value != NULL && seldon_json_get_type (value) == type)
    seldon_json_object_set (out, key, seldon_json_ref (value));
}

static SeldonJson *
tensor_metadata (const SeldonJson *item,
                 GError          **error)
{
  g_autoptr(SeldonJson) out = seldon_json_new_object ();
  SeldonJson *value;

  if (seldon_json_get_type (item) != SELDON_JSON_OBJECT)
    return g_steal_pointer (&out);

  copy_member (out, item, "messagetype", SELDON_JSON_STRING);
  if ((value = seldon_json_object_get (item, "schema")) != NULL)
    {
      SeldonJson *schema = seldon_proto_json_value (value, error);

      if (schema == NULL)
        return NULL;
      seldon_json_object_set (out, "schema", schema);
    }
  copy_member (out, item, "name", SELDON_JSON_STRING);
  copy_member (out, item, "datatype", SELDON_JSON_STRING);
  if ((value = seldon_json_object_get (item, "shape")) != NULL && seldon_json_get_type (value) == SELDON_JSON_ARRAY)
    {
      SeldonJson *shape = seldon_json_new_array ();

      for (guint i = 0; i < seldon_json_array_get_length (value); i++)
        {
          gint64 dim = 0;

          if (!json_to_int64 (seldon_json_array_get (value, i), &dim))
            continue;
          seldon_json_array_append (shape, seldon_json_new_string_take (g_strdup_printf ("%" G_GINT64_FORMAT, dim)));
        }
      seldon_json_object_set (out, "shape", shape);
    }
  return g_steal_pointer (&out);
}

SeldonJson *
seldon_codec_proto_model_metadata (const SeldonJson *metadata,
                                   GError          **error)
{
  g_autoptr(SeldonJson) out = seldon_json_new_object ();
  static const char * const lists[] = { "inputs", "outputs" };
  SeldonJson *value;

  g_return_val_if_fail (metadata != NULL, NULL);

  if (seldon_json_get_type (metadata) != SELDON_JSON_OBJECT)
    return g_steal_pointer (&out);

  copy_member (out, metadata, "name", SELDON_JSON_STRING);
  copy_member (out, metadata, "versions", SELDON_JSON_ARRAY);
  copy_member (out, metadata, "platform", SELDON_JSON_STRING);
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      SeldonJson *items;

      value = seldon_json_object_get (metadata, lists[l]);
      if (value == NULL || seldon_json_get_type (value) != SELDON_JSON_ARRAY)
        continue;
      items = seldon_json_new_array ();
      seldon_json_object_set (out, lists[l], items);
      for (guint i = 0; i < seldon_json_array_get_length (value); i++)
        {
          SeldonJson *item = tensor_metadata (seldon_json_array_get (value, i), error);

          if (item == NULL)
            return NULL;
          seldon_json_array_append (items, item);
        }
    }
  copy_member (out, metadata, "custom", SELDON_JSON_OBJECT);
  return g_steal_pointer (&out);
}
