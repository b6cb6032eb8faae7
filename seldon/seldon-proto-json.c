/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The proto path over JSON (rest-api.md §9.6, grpc-api.md §3-§4).
 *
 * Parsing follows the proto3 JSON mapping as python's json_format.ParseDict applies it,
 * including its exact error texts and the way they nest ("Failed to parse request field:
 * ..."), and produces directly what MessageToDict would give back for the parsed message:
 * default values omitted, 64-bit integers as strings, floats rounded through float32 where
 * the field is a float, enum names, base64 re-encoded with the standard alphabet.
 */

#include "config.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "seldon-codec-private.h"
#include "seldon-error.h"
#include "seldon-message-private.h"
#include "seldon-proto-json-private.h"
#include "seldon-tensor-private.h"

/* What python exception a conversion problem would be. */
typedef enum
{
  PE_PARSE,   /* json_format.ParseError */
  PE_VALUE,   /* ValueError (wrapped into a ParseError one level up) */
  PE_TYPE,    /* TypeError (likewise) */
  PE_OTHER,   /* escapes json_format altogether (OverflowError, AttributeError) */
} ProtoErrorCode;

static GQuark
proto_error_quark (void)
{
  return g_quark_from_static_string ("seldon-proto-json-error");
}

#define PROTO_ERROR (proto_error_quark ())

/* json_format's default max_recursion_depth */
#define MAX_RECURSION_DEPTH 100

static gboolean proto_error (GError       **error,
                             ProtoErrorCode code,
                             const char    *format,
                             ...) G_GNUC_PRINTF (3, 4);

static gboolean
proto_error (GError       **error,
             ProtoErrorCode code,
             const char    *format,
             ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (PROTO_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}

/* ------------------------------------------------------------------------------------------ */
/* the schema */

typedef enum
{
  WKT_NONE,
  WKT_VALUE,
  WKT_LIST_VALUE,
  WKT_ANY,
} Wkt;

typedef enum
{
  T_INT32,
  T_INT64,
  T_UINT32,
  T_UINT64,
  T_FLOAT,
  T_DOUBLE,
  T_BOOL,
  T_STRING,
  T_BYTES,
  T_ENUM,
  T_MESSAGE,
} FieldType;

typedef enum
{
  L_SINGLE,
  L_REPEATED,
  L_MAP,      /* map<string, type> */
} FieldLabel;

typedef struct
{
  const char *name;
  int number;
} EnumValue;

typedef struct
{
  const char *full_name;
  const EnumValue *values;
  guint n_values;
} ProtoEnum;

typedef struct _ProtoMessage ProtoMessage;

typedef struct
{
  const char *name;
  const char *json_name;
  int number;
  FieldType type;
  FieldLabel label;
  int oneof;
  const ProtoEnum *enum_type;
  const ProtoMessage *message_type;
} ProtoField;

struct _ProtoMessage
{
  const char *full_name;
  const char *name;
  Wkt wkt;
  const ProtoField *fields;
  guint n_fields;
  const char * const *oneofs;
};

static const EnumValue metric_type_values[] = {
  { "COUNTER", 0 }, { "GAUGE", 1 }, { "TIMER", 2 },
};
static const ProtoEnum enum_metric_type = {
  "seldon.protos.Metric.MetricType", metric_type_values, G_N_ELEMENTS (metric_type_values)
};

static const EnumValue status_flag_values[] = {
  { "SUCCESS", 0 }, { "FAILURE", 1 },
};
static const ProtoEnum enum_status_flag = {
  "seldon.protos.Status.StatusFlag", status_flag_values, G_N_ELEMENTS (status_flag_values)
};

static const EnumValue data_type_values[] = {
  { "DT_INVALID", 0 }, { "DT_FLOAT", 1 }, { "DT_DOUBLE", 2 }, { "DT_INT32", 3 },
  { "DT_UINT8", 4 }, { "DT_INT16", 5 }, { "DT_INT8", 6 }, { "DT_STRING", 7 },
  { "DT_COMPLEX64", 8 }, { "DT_INT64", 9 }, { "DT_BOOL", 10 }, { "DT_QINT8", 11 },
  { "DT_QUINT8", 12 }, { "DT_QINT32", 13 }, { "DT_BFLOAT16", 14 }, { "DT_QINT16", 15 },
  { "DT_QUINT16", 16 }, { "DT_UINT16", 17 }, { "DT_COMPLEX128", 18 }, { "DT_HALF", 19 },
  { "DT_RESOURCE", 20 }, { "DT_VARIANT", 21 }, { "DT_UINT32", 22 }, { "DT_UINT64", 23 },
  { "DT_FLOAT8_E5M2", 24 }, { "DT_FLOAT8_E4M3FN", 25 },
  { "DT_FLOAT_REF", 101 }, { "DT_DOUBLE_REF", 102 }, { "DT_INT32_REF", 103 },
  { "DT_UINT8_REF", 104 }, { "DT_INT16_REF", 105 }, { "DT_INT8_REF", 106 },
  { "DT_STRING_REF", 107 }, { "DT_COMPLEX64_REF", 108 }, { "DT_INT64_REF", 109 },
  { "DT_BOOL_REF", 110 }, { "DT_QINT8_REF", 111 }, { "DT_QUINT8_REF", 112 },
  { "DT_QINT32_REF", 113 }, { "DT_BFLOAT16_REF", 114 }, { "DT_QINT16_REF", 115 },
  { "DT_QUINT16_REF", 116 }, { "DT_UINT16_REF", 117 }, { "DT_COMPLEX128_REF", 118 },
  { "DT_HALF_REF", 119 }, { "DT_RESOURCE_REF", 120 }, { "DT_VARIANT_REF", 121 },
  { "DT_UINT32_REF", 122 }, { "DT_UINT64_REF", 123 }, { "DT_FLOAT8_E5M2_REF", 124 },
  { "DT_FLOAT8_E4M3FN_REF", 125 },
};
static const ProtoEnum enum_data_type = {
  "tensorflow.DataType", data_type_values, G_N_ELEMENTS (data_type_values)
};

static const ProtoMessage msg_value = { "google.protobuf.Value", "Value", WKT_VALUE, NULL, 0, NULL };
static const ProtoMessage msg_list_value = { "google.protobuf.ListValue", "ListValue", WKT_LIST_VALUE, NULL, 0, NULL };
static const ProtoMessage msg_any = { "google.protobuf.Any", "Any", WKT_ANY, NULL, 0, NULL };

static const char * const data_oneof[] = { "data_oneof", NULL };

/* TensorFlow subset */

static const ProtoField dim_fields[] = {
  { "size", "size", 1, T_INT64, L_SINGLE, -1, NULL, NULL },
  { "name", "name", 2, T_STRING, L_SINGLE, -1, NULL, NULL },
};
static const ProtoMessage msg_dim = {
  "tensorflow.TensorShapeProto.Dim", "Dim", WKT_NONE, dim_fields, G_N_ELEMENTS (dim_fields), NULL
};

static const ProtoField tensor_shape_fields[] = {
  { "dim", "dim", 2, T_MESSAGE, L_REPEATED, -1, NULL, &msg_dim },
  { "unknown_rank", "unknownRank", 3, T_BOOL, L_SINGLE, -1, NULL, NULL },
};
static const ProtoMessage msg_tensor_shape = {
  "tensorflow.TensorShapeProto", "TensorShapeProto", WKT_NONE,
  tensor_shape_fields, G_N_ELEMENTS (tensor_shape_fields), NULL
};

static const ProtoField dtype_and_shape_fields[] = {
  { "dtype", "dtype", 1, T_ENUM, L_SINGLE, -1, &enum_data_type, NULL },
  { "shape", "shape", 2, T_MESSAGE, L_SINGLE, -1, NULL, &msg_tensor_shape },
};
static const ProtoMessage msg_dtype_and_shape = {
  "tensorflow.ResourceHandleProto.DtypeAndShape", "DtypeAndShape", WKT_NONE,
  dtype_and_shape_fields, G_N_ELEMENTS (dtype_and_shape_fields), NULL
};

static const ProtoField resource_handle_fields[] = {
  { "device", "device", 1, T_STRING, L_SINGLE, -1, NULL, NULL },
  { "container", "container", 2, T_STRING, L_SINGLE, -1, NULL, NULL },
  { "name", "name", 3, T_STRING, L_SINGLE, -1, NULL, NULL },
  { "hash_code", "hashCode", 4, T_UINT64, L_SINGLE, -1, NULL, NULL },
  { "maybe_type_name", "maybeTypeName", 5, T_STRING, L_SINGLE, -1, NULL, NULL },
  { "dtypes_and_shapes", "dtypesAndShapes", 6, T_MESSAGE, L_REPEATED, -1, NULL, &msg_dtype_and_shape },
};
static const ProtoMessage msg_resource_handle = {
  "tensorflow.ResourceHandleProto", "ResourceHandleProto", WKT_NONE,
  resource_handle_fields, G_N_ELEMENTS (resource_handle_fields), NULL
};

static const ProtoMessage msg_tensor_proto;

static const ProtoField variant_fields[] = {
  { "type_name", "typeName", 1, T_STRING, L_SINGLE, -1, NULL, NULL },
  { "metadata", "metadata", 2, T_BYTES, L_SINGLE, -1, NULL, NULL },
  { "tensors", "tensors", 3, T_MESSAGE, L_REPEATED, -1, NULL, &msg_tensor_proto },
};
static const ProtoMessage msg_variant = {
  "tensorflow.VariantTensorDataProto", "VariantTensorDataProto", WKT_NONE,
  variant_fields, G_N_ELEMENTS (variant_fields), NULL
};

/* in tensor.proto's declaration order */
static const ProtoField tensor_proto_fields[] = {
  { "dtype", "dtype", 1, T_ENUM, L_SINGLE, -1, &enum_data_type, NULL },
  { "tensor_shape", "tensorShape", 2, T_MESSAGE, L_SINGLE, -1, NULL, &msg_tensor_shape },
  { "version_number", "versionNumber", 3, T_INT32, L_SINGLE, -1, NULL, NULL },
  { "tensor_content", "tensorContent", 4, T_BYTES, L_SINGLE, -1, NULL, NULL },
  { "half_val", "halfVal", 13, T_INT32, L_REPEATED, -1, NULL, NULL },
  { "float_val", "floatVal", 5, T_FLOAT, L_REPEATED, -1, NULL, NULL },
  { "double_val", "doubleVal", 6, T_DOUBLE, L_REPEATED, -1, NULL, NULL },
  { "int_val", "intVal", 7, T_INT32, L_REPEATED, -1, NULL, NULL },
  { "string_val", "stringVal", 8, T_BYTES, L_REPEATED, -1, NULL, NULL },
  { "scomplex_val", "scomplexVal", 9, T_FLOAT, L_REPEATED, -1, NULL, NULL },
  { "int64_val", "int64Val", 10, T_INT64, L_REPEATED, -1, NULL, NULL },
  { "bool_val", "boolVal", 11, T_BOOL, L_REPEATED, -1, NULL, NULL },
  { "dcomplex_val", "dcomplexVal", 12, T_DOUBLE, L_REPEATED, -1, NULL, NULL },
  { "resource_handle_val", "resourceHandleVal", 14, T_MESSAGE, L_REPEATED, -1, NULL, &msg_resource_handle },
  { "variant_val", "variantVal", 15, T_MESSAGE, L_REPEATED, -1, NULL, &msg_variant },
  { "uint32_val", "uint32Val", 16, T_UINT32, L_REPEATED, -1, NULL, NULL },
  { "uint64_val", "uint64Val", 17, T_UINT64, L_REPEATED, -1, NULL, NULL },
  { "float8_val", "float8Val", 18, T_BYTES, L_SINGLE, -1, NULL, NULL },
};
static const ProtoMessage msg_tensor_proto = {
  "tensorflow.TensorProto", "TensorProto", WKT_NONE,
  tensor_proto_fields, G_N_ELEMENTS (tensor_proto_fields), NULL
};

/* prediction.proto */

static const ProtoField status_fields[] = {
  { "code", "code", 1, T_INT32, L_SINGLE, -1, NULL, NULL },
  { "info", "info", 2, T_STRING, L_SINGLE, -1, NULL, NULL },
  { "reason", "reason", 3, T_STRING, L_SINGLE, -1, NULL, NULL },
  { "status", "status", 4, T_ENUM, L_SINGLE, -1, &enum_status_flag, NULL },
};
static const ProtoMessage msg_status = {
  "seldon.protos.Status", "Status", WKT_NONE, status_fields, G_N_ELEMENTS (status_fields), NULL
};

static const ProtoField metric_fields[] = {
  { "key", "key", 1, T_STRING, L_SINGLE, -1, NULL, NULL },
  { "type", "type", 2, T_ENUM, L_SINGLE, -1, &enum_metric_type, NULL },
  { "value", "value", 3, T_FLOAT, L_SINGLE, -1, NULL, NULL },
  { "tags", "tags", 4, T_STRING, L_MAP, -1, NULL, NULL },
};
static const ProtoMessage msg_metric = {
  "seldon.protos.Metric", "Metric", WKT_NONE, metric_fields, G_N_ELEMENTS (metric_fields), NULL
};

static const ProtoField meta_fields[] = {
  { "puid", "puid", 1, T_STRING, L_SINGLE, -1, NULL, NULL },
  { "tags", "tags", 2, T_MESSAGE, L_MAP, -1, NULL, &msg_value },
  { "routing", "routing", 3, T_INT32, L_MAP, -1, NULL, NULL },
  { "requestPath", "requestPath", 4, T_STRING, L_MAP, -1, NULL, NULL },
  { "metrics", "metrics", 5, T_MESSAGE, L_REPEATED, -1, NULL, &msg_metric },
};
static const ProtoMessage msg_meta = {
  "seldon.protos.Meta", "Meta", WKT_NONE, meta_fields, G_N_ELEMENTS (meta_fields), NULL
};

static const ProtoField tensor_fields[] = {
  { "shape", "shape", 1, T_INT32, L_REPEATED, -1, NULL, NULL },
  { "values", "values", 2, T_DOUBLE, L_REPEATED, -1, NULL, NULL },
};
static const ProtoMessage msg_tensor = {
  "seldon.protos.Tensor", "Tensor", WKT_NONE, tensor_fields, G_N_ELEMENTS (tensor_fields), NULL
};

static const ProtoField default_data_fields[] = {
  { "names", "names", 1, T_STRING, L_REPEATED, -1, NULL, NULL },
  { "tensor", "tensor", 2, T_MESSAGE, L_SINGLE, 0, NULL, &msg_tensor },
  { "ndarray", "ndarray", 3, T_MESSAGE, L_SINGLE, 0, NULL, &msg_list_value },
  { "tftensor", "tftensor", 4, T_MESSAGE, L_SINGLE, 0, NULL, &msg_tensor_proto },
};
static const ProtoMessage msg_default_data = {
  "seldon.protos.DefaultData", "DefaultData", WKT_NONE,
  default_data_fields, G_N_ELEMENTS (default_data_fields), data_oneof
};

static const ProtoField seldon_message_fields[] = {
  { "status", "status", 1, T_MESSAGE, L_SINGLE, -1, NULL, &msg_status },
  { "meta", "meta", 2, T_MESSAGE, L_SINGLE, -1, NULL, &msg_meta },
  { "data", "data", 3, T_MESSAGE, L_SINGLE, 0, NULL, &msg_default_data },
  { "binData", "binData", 4, T_BYTES, L_SINGLE, 0, NULL, NULL },
  { "strData", "strData", 5, T_STRING, L_SINGLE, 0, NULL, NULL },
  { "jsonData", "jsonData", 6, T_MESSAGE, L_SINGLE, 0, NULL, &msg_value },
  { "customData", "customData", 7, T_MESSAGE, L_SINGLE, 0, NULL, &msg_any },
};
static const ProtoMessage msg_seldon_message = {
  "seldon.protos.SeldonMessage", "SeldonMessage", WKT_NONE,
  seldon_message_fields, G_N_ELEMENTS (seldon_message_fields), data_oneof
};

static const ProtoField seldon_message_list_fields[] = {
  { "seldonMessages", "seldonMessages", 1, T_MESSAGE, L_REPEATED, -1, NULL, &msg_seldon_message },
};
static const ProtoMessage msg_seldon_message_list = {
  "seldon.protos.SeldonMessageList", "SeldonMessageList", WKT_NONE,
  seldon_message_list_fields, G_N_ELEMENTS (seldon_message_list_fields), NULL
};

static const ProtoField feedback_fields[] = {
  { "request", "request", 1, T_MESSAGE, L_SINGLE, -1, NULL, &msg_seldon_message },
  { "response", "response", 2, T_MESSAGE, L_SINGLE, -1, NULL, &msg_seldon_message },
  { "reward", "reward", 3, T_FLOAT, L_SINGLE, -1, NULL, NULL },
  { "truth", "truth", 4, T_MESSAGE, L_SINGLE, -1, NULL, &msg_seldon_message },
};
static const ProtoMessage msg_feedback = {
  "seldon.protos.Feedback", "Feedback", WKT_NONE, feedback_fields, G_N_ELEMENTS (feedback_fields), NULL
};

/* ------------------------------------------------------------------------------------------ */
/* Python number parsing */

static gboolean
is_py_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
         (c >= 0x1c && c <= 0x1f);
}

static void
py_strip (const char **s,
          gsize       *len)
{
  while (*len > 0 && is_py_space (**s))
    (*s)++, (*len)--;
  while (*len > 0 && is_py_space ((*s)[*len - 1]))
    (*len)--;
}

/* Digits with single underscores between them (Python's digitpart); appends the digits. */
static gsize
scan_digitpart (const char *s,
                gsize       len,
                GString    *out)
{
  gsize i = 0;

  if (i >= len || !g_ascii_isdigit (s[i]))
    return 0;
  while (i < len)
    {
      if (g_ascii_isdigit (s[i]))
        {
          if (out != NULL)
            g_string_append_c (out, s[i]);
          i++;
        }
      else if (s[i] == '_' && i + 1 < len && g_ascii_isdigit (s[i + 1]))
        i++;
      else
        break;
    }
  return i;
}

/* int(str) in base 10: the sign and the digits without leading zeros. */
static gboolean
py_parse_int (const char *s,
              gsize       len,
              gboolean   *negative,
              GString    *digits)
{
  gsize n;

  py_strip (&s, &len);
  *negative = FALSE;
  if (len > 0 && (s[0] == '+' || s[0] == '-'))
    {
      *negative = s[0] == '-';
      s++, len--;
    }
  n = scan_digitpart (s, len, digits);
  if (n == 0 || n != len)
    return FALSE;

  while (digits->len > 1 && digits->str[0] == '0')
    g_string_erase (digits, 0, 1);
  if (strcmp (digits->str, "0") == 0)
    *negative = FALSE;
  return TRUE;
}

/* float(str) */
static gboolean
py_parse_float (const char *s,
                gsize       len,
                double     *value)
{
  g_autoptr(GString) clean = g_string_new (NULL);
  gboolean negative = FALSE;
  gsize n;

  py_strip (&s, &len);
  if (len > 0 && (s[0] == '+' || s[0] == '-'))
    {
      negative = s[0] == '-';
      g_string_append_c (clean, s[0]);
      s++, len--;
    }

  if ((len == 3 && g_ascii_strncasecmp (s, "inf", 3) == 0) ||
      (len == 8 && g_ascii_strncasecmp (s, "infinity", 8) == 0))
    {
      *value = negative ? -INFINITY : INFINITY;
      return TRUE;
    }
  if (len == 3 && g_ascii_strncasecmp (s, "nan", 3) == 0)
    {
      *value = NAN;
      return TRUE;
    }

  n = scan_digitpart (s, len, clean);
  s += n, len -= n;
  if (len > 0 && s[0] == '.')
    {
      gsize frac;

      g_string_append_c (clean, '.');
      s++, len--;
      frac = scan_digitpart (s, len, clean);
      if (n == 0 && frac == 0)
        return FALSE;
      s += frac, len -= frac;
    }
  else if (n == 0)
    return FALSE;

  if (len > 0 && (s[0] == 'e' || s[0] == 'E'))
    {
      gsize exp;

      g_string_append_c (clean, 'e');
      s++, len--;
      if (len > 0 && (s[0] == '+' || s[0] == '-'))
        {
          g_string_append_c (clean, s[0]);
          s++, len--;
        }
      exp = scan_digitpart (s, len, clean);
      if (exp == 0)
        return FALSE;
      s += exp, len -= exp;
    }

  if (len != 0)
    return FALSE;

  *value = g_ascii_strtod (clean->str, NULL);
  return TRUE;
}

/* A Python int as sign + decimal digits. */
typedef struct
{
  gboolean negative;
  GString *digits;
} PyInt;

static int
compare_magnitude (const char *a,
                   const char *b)
{
  gsize la = strlen (a), lb = strlen (b);

  if (la != lb)
    return la < lb ? -1 : 1;
  return strcmp (a, b);
}

static gboolean
py_int_in_range (const PyInt *v,
                 FieldType    type)
{
  const char *max_pos;
  const char *max_neg;

  switch (type)
    {
    case T_INT32:
    case T_ENUM:
      max_pos = "2147483647";
      max_neg = "2147483648";
      break;
    case T_INT64:
      max_pos = "9223372036854775807";
      max_neg = "9223372036854775808";
      break;
    case T_UINT32:
      max_pos = "4294967295";
      max_neg = "0";
      break;
    case T_UINT64:
      max_pos = "18446744073709551615";
      max_neg = "0";
      break;
    case T_FLOAT:
    case T_DOUBLE:
    case T_BOOL:
    case T_STRING:
    case T_BYTES:
    case T_MESSAGE:
    default:
      return TRUE;
    }

  return compare_magnitude (v->digits->str, v->negative ? max_neg : max_pos) <= 0;
}

static char *
py_int_to_string (const PyInt *v)
{
  return g_strconcat (v->negative ? "-" : "", v->digits->str, NULL);
}

static gint64
py_int_to_int64 (const PyInt *v)
{
  guint64 u = g_ascii_strtoull (v->digits->str, NULL, 10);

  return v->negative ? (gint64) (0 - u) : (gint64) u;
}

/* An integral double's exact decimal digits. */
static void
py_int_from_double (PyInt *v,
                    double d)
{
  char buf[400];

  g_snprintf (buf, sizeof buf, "%.0f", fabs (d));
  v->negative = d < 0 && strcmp (buf, "0") != 0;
  g_string_assign (v->digits, buf);
}

/* ------------------------------------------------------------------------------------------ */
/* canonical output helpers */

static float
safe_double_to_float (double value)
{
  if (value > FLT_MAX)
    return INFINITY;
  if (value < -FLT_MAX)
    return -INFINITY;
  return (float) value;
}

/* type_checkers.ToShortestFloat() */
static double
to_shortest_float (float value)
{
  char buf[64];
  double rounded = value;

  for (int precision = 6; precision < 18; precision++)
    {
      g_snprintf (buf, sizeof buf, "%.*g", precision, (double) value);
      rounded = g_ascii_strtod (buf, NULL);
      if ((float) rounded == value)
        break;
    }
  return rounded;
}

static SeldonJson *
canonical_double (double value)
{
  if (isnan (value))
    return seldon_json_new_string ("NaN");
  if (isinf (value))
    return seldon_json_new_string (value > 0 ? "Infinity" : "-Infinity");
  return seldon_json_new_double (value);
}

SeldonJson *
seldon_proto_json_double (double value)
{
  return canonical_double (value);
}

SeldonJson *
seldon_proto_json_float (float value)
{
  if (isnan (value) || isinf (value))
    return canonical_double (value);
  return seldon_json_new_double (to_shortest_float (value));
}

static gboolean
double_is_default (double value)
{
  guint64 bits;

  memcpy (&bits, &value, sizeof bits);
  return bits == 0;
}

/* ------------------------------------------------------------------------------------------ */
/* scalar conversion (_ConvertScalarFieldValue) */

static gboolean
convert_integer (const SeldonJson *value,
                 PyInt            *out,
                 GError          **error)
{
  switch (seldon_json_get_type (value))
    {
    case SELDON_JSON_INT:
      {
        gint64 v = seldon_json_get_int (value);

        out->negative = v < 0;
        g_string_printf (out->digits, "%" G_GUINT64_FORMAT,
                         v < 0 ? (guint64) 0 - (guint64) v : (guint64) v);
        return TRUE;
      }

    case SELDON_JSON_BIGINT:
      {
        const char *digits = seldon_json_get_bigint (value);

        out->negative = digits[0] == '-';
        g_string_assign (out->digits, digits + (out->negative ? 1 : 0));
        return TRUE;
      }

    case SELDON_JSON_DOUBLE:
      {
        double d = seldon_json_get_double (value);

        if (!isfinite (d) || d != floor (d))
          {
            GString *text = g_string_new (NULL);

            seldon_json_append_double (text, d, FALSE);
            proto_error (error, PE_PARSE, "Couldn't parse integer: %s", text->str);
            g_string_free (text, TRUE);
            return FALSE;
          }
        py_int_from_double (out, d);
        return TRUE;
      }

    case SELDON_JSON_STRING:
      {
        const char *s = seldon_json_get_string (value);
        gsize len = seldon_json_get_string_length (value);

        if (memchr (s, ' ', len) != NULL)
          return proto_error (error, PE_PARSE, "Couldn't parse integer: \"%s\"", s);
        g_string_truncate (out->digits, 0);
        if (!py_parse_int (s, len, &out->negative, out->digits))
          {
            g_autofree char *repr = seldon_json_to_python_repr (value);

            return proto_error (error, PE_VALUE, "invalid literal for int() with base 10: %s", repr);
          }
        return TRUE;
      }

    case SELDON_JSON_BOOL:
      return proto_error (error, PE_PARSE, "Bool value %s is not acceptable for integer field",
                          seldon_json_get_bool (value) ? "True" : "False");

    case SELDON_JSON_NULL:
    case SELDON_JSON_ARRAY:
    case SELDON_JSON_OBJECT:
    default:
      return proto_error (error, PE_TYPE,
                          "int() argument must be a string, a bytes-like object or a real number, not '%s'",
                          seldon_python_type_name (value));
    }
}

static gboolean
convert_float (const SeldonJson *value,
               gboolean          is_float32,
               double           *out,
               GError          **error)
{
  switch (seldon_json_get_type (value))
    {
    case SELDON_JSON_DOUBLE:
      {
        double d = seldon_json_get_double (value);

        if (isnan (d))
          return proto_error (error, PE_PARSE, "Couldn't parse NaN, use quoted \"NaN\" instead");
        if (isinf (d))
          {
            if (d > 0)
              return proto_error (error, PE_PARSE,
                                  "Couldn't parse Infinity or value too large, use quoted \"Infinity\" instead");
            return proto_error (error, PE_PARSE,
                                "Couldn't parse -Infinity or value too small, use quoted \"-Infinity\" instead");
          }
        if (is_float32 && d > FLT_MAX)
          return proto_error (error, PE_PARSE, "Float value too large");
        if (is_float32 && d < -FLT_MAX)
          return proto_error (error, PE_PARSE, "Float value too small");
        *out = d;
        return TRUE;
      }

    case SELDON_JSON_INT:
      *out = (double) seldon_json_get_int (value);
      return TRUE;

    case SELDON_JSON_BIGINT:
      *out = g_ascii_strtod (seldon_json_get_bigint (value), NULL);
      if (isinf (*out))
        return proto_error (error, PE_OTHER, "int too large to convert to float");
      return TRUE;

    case SELDON_JSON_BOOL:
      *out = seldon_json_get_bool (value) ? 1.0 : 0.0;
      return TRUE;

    case SELDON_JSON_STRING:
      {
        const char *s = seldon_json_get_string (value);
        gsize len = seldon_json_get_string_length (value);

        if (len == 3 && memcmp (s, "nan", 3) == 0)
          return proto_error (error, PE_PARSE, "Couldn't parse float \"nan\", use \"NaN\" instead");
        if (py_parse_float (s, len, out))
          return TRUE;
        if (strcmp (s, "-Infinity") == 0)
          *out = -INFINITY;
        else if (strcmp (s, "Infinity") == 0)
          *out = INFINITY;
        else if (strcmp (s, "NaN") == 0)
          *out = NAN;
        else
          return proto_error (error, PE_PARSE, "Couldn't parse float: %s", s);
        return TRUE;
      }

    case SELDON_JSON_NULL:
    case SELDON_JSON_ARRAY:
    case SELDON_JSON_OBJECT:
    default:
      return proto_error (error, PE_TYPE,
                          "float() argument must be a string or a real number, not '%s'",
                          seldon_python_type_name (value));
    }
}

/* a2b_base64 after json_format's padding, urlsafe alphabet accepted */
static GBytes *
convert_bytes (const SeldonJson *value,
               GError          **error)
{
  g_autoptr(GString) text = NULL;
  g_autoptr(SeldonJson) padded = NULL;
  g_autoptr(GError) local_error = NULL;
  GBytes *bytes;
  gsize pad;

  switch (seldon_json_get_type (value))
    {
    case SELDON_JSON_STRING:
      break;
    case SELDON_JSON_ARRAY:
      proto_error (error, PE_TYPE, "can only concatenate list (not \"bytes\") to list");
      return NULL;
    case SELDON_JSON_OBJECT:
      proto_error (error, PE_TYPE, "unsupported operand type(s) for +: 'dict' and 'bytes'");
      return NULL;
    case SELDON_JSON_NULL:
    case SELDON_JSON_BOOL:
    case SELDON_JSON_INT:
    case SELDON_JSON_BIGINT:
    case SELDON_JSON_DOUBLE:
    default:
      proto_error (error, PE_TYPE, "object of type '%s' has no len()", seldon_python_type_name (value));
      return NULL;
    }

  text = g_string_new_len (seldon_json_get_string (value), seldon_json_get_string_length (value));
  pad = 4 - text->len % 4;
  for (gsize i = 0; i < text->len; i++)
    {
      if (text->str[i] == '-')
        text->str[i] = '+';
      else if (text->str[i] == '_')
        text->str[i] = '/';
      else if ((guint8) text->str[i] >= 0x80)
        text->str[i] = '*';   /* not in the alphabet either way: skipped */
    }
  for (gsize i = 0; i < pad; i++)
    g_string_append_c (text, '=');

  padded = seldon_json_new_string_len (text->str, text->len);
  bytes = seldon_codec_b64decode (padded, &local_error);
  if (bytes == NULL)
    proto_error (error, PE_VALUE, "%s", local_error->message);
  return bytes;
}

static gboolean
convert_enum (const ProtoEnum  *enum_type,
              const SeldonJson *value,
              PyInt            *number,
              GError          **error)
{
  switch (seldon_json_get_type (value))
    {
    case SELDON_JSON_STRING:
      {
        const char *s = seldon_json_get_string (value);

        for (guint i = 0; i < enum_type->n_values; i++)
          if (strcmp (enum_type->values[i].name, s) == 0 &&
              strlen (s) == seldon_json_get_string_length (value))
            {
              number->negative = enum_type->values[i].number < 0;
              g_string_printf (number->digits, "%d", ABS (enum_type->values[i].number));
              return TRUE;
            }
        g_string_truncate (number->digits, 0);
        if (!py_parse_int (s, seldon_json_get_string_length (value), &number->negative, number->digits))
          return proto_error (error, PE_PARSE, "Invalid enum value %s for enum type %s",
                              s, enum_type->full_name);
        return TRUE;
      }

    case SELDON_JSON_ARRAY:
    case SELDON_JSON_OBJECT:
    case SELDON_JSON_NULL:
      /* the C++ descriptor lookup by name simply misses, then int(value) fails */
      return proto_error (error, PE_TYPE,
                          "int() argument must be a string, a bytes-like object or a real number, not '%s'",
                          seldon_python_type_name (value));

    case SELDON_JSON_BOOL:
      number->negative = FALSE;
      g_string_assign (number->digits, seldon_json_get_bool (value) ? "1" : "0");
      return TRUE;

    case SELDON_JSON_DOUBLE:
      {
        double d = seldon_json_get_double (value);

        if (isnan (d))
          return proto_error (error, PE_PARSE, "Invalid enum value nan for enum type %s",
                              enum_type->full_name);
        if (isinf (d))
          return proto_error (error, PE_OTHER, "cannot convert float infinity to integer");
        py_int_from_double (number, trunc (d));
        return TRUE;
      }

    case SELDON_JSON_INT:
    case SELDON_JSON_BIGINT:
    default:
      return convert_integer (value, number, error);
    }
}

/* Returns the canonical JSON of a scalar and whether it is the field's default value. */
static SeldonJson *
convert_scalar (const ProtoField *field,
                const SeldonJson *value,
                const char       *path,
                gboolean         *is_default,
                GError          **error)
{
  GError *local_error = NULL;
  SeldonJson *result = NULL;

  *is_default = FALSE;

  switch (field->type)
    {
    case T_INT32:
    case T_INT64:
    case T_UINT32:
    case T_UINT64:
      {
        PyInt v = { FALSE, g_string_new (NULL) };

        if (convert_integer (value, &v, &local_error))
          {
            if (!py_int_in_range (&v, field->type))
              {
                g_autofree char *text = py_int_to_string (&v);

                proto_error (&local_error, PE_VALUE, "Value out of range: %s", text);
              }
            else
              {
                *is_default = strcmp (v.digits->str, "0") == 0;
                if (field->type == T_INT32)
                  result = seldon_json_new_int (py_int_to_int64 (&v));
                else if (field->type == T_UINT32)
                  result = seldon_json_new_int ((gint64) g_ascii_strtoull (v.digits->str, NULL, 10));
                else
                  result = seldon_json_new_string_take (py_int_to_string (&v));
              }
          }
        g_string_free (v.digits, TRUE);
      }
      break;

    case T_FLOAT:
    case T_DOUBLE:
      {
        double d = 0.0;

        if (convert_float (value, field->type == T_FLOAT, &d, &local_error))
          {
            if (field->type == T_FLOAT)
              {
                float f = safe_double_to_float (d);

                d = f;
                *is_default = double_is_default (d);
                result = isfinite (f) ? seldon_json_new_double (to_shortest_float (f)) : canonical_double (d);
              }
            else
              {
                *is_default = double_is_default (d);
                result = canonical_double (d);
              }
          }
      }
      break;

    case T_BOOL:
      if (seldon_json_get_type (value) != SELDON_JSON_BOOL)
        proto_error (&local_error, PE_PARSE, "Expected true or false without quotes");
      else
        {
          *is_default = !seldon_json_get_bool (value);
          result = seldon_json_new_bool (seldon_json_get_bool (value));
        }
      break;

    case T_STRING:
      if (seldon_json_get_type (value) != SELDON_JSON_STRING)
        proto_error (&local_error, PE_TYPE, "expected string or bytes-like object, got '%s'",
                     seldon_python_type_name (value));
      else
        {
          *is_default = seldon_json_get_string_length (value) == 0;
          result = seldon_json_ref ((SeldonJson *) value);
        }
      break;

    case T_BYTES:
      {
        g_autoptr(GBytes) bytes = convert_bytes (value, &local_error);

        if (bytes != NULL)
          {
            *is_default = g_bytes_get_size (bytes) == 0;
            result = seldon_json_new_string_take (seldon_codec_b64encode (bytes));
          }
      }
      break;

    case T_ENUM:
      {
        PyInt v = { FALSE, g_string_new (NULL) };

        if (convert_enum (field->enum_type, value, &v, &local_error))
          {
            if (!py_int_in_range (&v, T_ENUM))
              {
                g_autofree char *text = py_int_to_string (&v);

                proto_error (&local_error, PE_VALUE, "Value out of range: %s", text);
              }
            else
              {
                gint64 number = py_int_to_int64 (&v);

                *is_default = number == 0;
                for (guint i = 0; i < field->enum_type->n_values; i++)
                  if (field->enum_type->values[i].number == number)
                    {
                      result = seldon_json_new_string (field->enum_type->values[i].name);
                      break;
                    }
                if (result == NULL)
                  result = seldon_json_new_int (number);
              }
          }
        g_string_free (v.digits, TRUE);
      }
      break;

    case T_MESSAGE:
    default:
      g_assert_not_reached ();
    }

  if (local_error != NULL)
    {
      if (local_error->code == PE_PARSE)
        {
          char *message = g_strdup_printf ("%s at %s", local_error->message, path);

          g_free (local_error->message);
          local_error->message = message;
        }
      g_propagate_error (error, local_error);
      return NULL;
    }

  return result;
}

/* ------------------------------------------------------------------------------------------ */
/* messages */

typedef struct
{
  int depth;
  SeldonProtoJsonFlags flags;
} Parser;

static SeldonJson *convert_message (Parser             *parser,
                                    const ProtoMessage *type,
                                    const SeldonJson   *js,
                                    const char         *path,
                                    GError            **error);

/* google.protobuf.Value (_ConvertValueMessage) */
static SeldonJson *
convert_value (const SeldonJson *value,
               GError          **error)
{
  switch (seldon_json_get_type (value))
    {
    case SELDON_JSON_OBJECT:
      {
        g_autoptr(SeldonJson) out = seldon_json_new_object ();

        for (guint i = 0; i < seldon_json_object_get_size (value); i++)
          {
            SeldonJson *item = convert_value (seldon_json_object_get_value_at (value, i), error);

            if (item == NULL)
              return NULL;
            seldon_json_object_set (out, seldon_json_object_get_key_at (value, i), item);
          }
        return g_steal_pointer (&out);
      }

    case SELDON_JSON_ARRAY:
      {
        g_autoptr(SeldonJson) out = seldon_json_new_array_sized (seldon_json_array_get_length (value));

        for (guint i = 0; i < seldon_json_array_get_length (value); i++)
          {
            SeldonJson *item = convert_value (seldon_json_array_get (value, i), error);

            if (item == NULL)
              return NULL;
            seldon_json_array_append (out, item);
          }
        return g_steal_pointer (&out);
      }

    case SELDON_JSON_INT:
      return seldon_json_new_double ((double) seldon_json_get_int (value));

    case SELDON_JSON_BIGINT:
      {
        double d = g_ascii_strtod (seldon_json_get_bigint (value), NULL);

        if (isinf (d))
          {
            proto_error (error, PE_OTHER, "int too large to convert to float");
            return NULL;
          }
        return seldon_json_new_double (d);
      }

    case SELDON_JSON_DOUBLE:
      return canonical_double (seldon_json_get_double (value));

    case SELDON_JSON_NULL:
    case SELDON_JSON_BOOL:
    case SELDON_JSON_STRING:
    default:
      return seldon_json_ref ((SeldonJson *) value);
    }
}

/* {"@type": <type URL>, "value": <base64 of the serialized message>}: how libseldon carries an
 * Any whose message type it does not know (SELDON_PROTO_JSON_ANY_BYTES). */
static SeldonJson *
convert_any_bytes (const SeldonJson *js,
                   const char       *path,
                   GError          **error)
{
  SeldonJson *type_url = seldon_json_object_get (js, "@type");
  SeldonJson *value = seldon_json_object_get (js, "value");
  g_autoptr(SeldonJson) out = seldon_json_new_object ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;

  seldon_json_object_set (out, "@type", seldon_json_ref (type_url));
  if (value == NULL)
    {
      seldon_json_object_set (out, "value", seldon_json_new_string (""));
      return g_steal_pointer (&out);
    }
  if (seldon_json_get_type (value) != SELDON_JSON_STRING ||
      (bytes = seldon_codec_b64decode (value, &local_error)) == NULL)
    {
      proto_error (error, PE_PARSE, "Failed to parse value field: the value of an Any must be "
                   "the base64 text of its serialized message at %s", path);
      return NULL;
    }
  seldon_json_object_set (out, "value", seldon_json_new_string_take (seldon_codec_b64encode (bytes)));
  return g_steal_pointer (&out);
}

static SeldonJson *
convert_any (Parser           *parser,
             const SeldonJson *js,
             const char       *path,
             GError          **error)
{
  SeldonJson *type_url;

  switch (seldon_json_get_type (js))
    {
    case SELDON_JSON_OBJECT:
      if (seldon_json_object_get_size (js) == 0)
        return seldon_json_new_object ();
      type_url = seldon_json_object_get (js, "@type");
      if (type_url == NULL)
        {
          proto_error (error, PE_PARSE, "@type is missing when parsing any message at %s", path);
          return NULL;
        }
      if (seldon_json_get_type (type_url) != SELDON_JSON_STRING)
        {
          proto_error (error, PE_OTHER, "'%s' object has no attribute 'split'",
                       seldon_python_type_name (type_url));
          return NULL;
        }
      if (parser->flags & SELDON_PROTO_JSON_ANY_BYTES)
        return convert_any_bytes (js, path, error);
      /* No message type of the default pool is resolved here. */
      proto_error (error, PE_PARSE, "Can not find message descriptor by type_url: %s at %s",
                   seldon_json_get_string (type_url), path);
      return NULL;

    case SELDON_JSON_ARRAY:
      proto_error (error, PE_TYPE, "list indices must be integers or slices, not str");
      return NULL;

    case SELDON_JSON_STRING:
      proto_error (error, PE_TYPE, "string indices must be integers, not 'str'");
      return NULL;

    case SELDON_JSON_NULL:
    case SELDON_JSON_BOOL:
    case SELDON_JSON_INT:
    case SELDON_JSON_BIGINT:
    case SELDON_JSON_DOUBLE:
    default:
      proto_error (error, PE_TYPE, "'%s' object is not subscriptable", seldon_python_type_name (js));
      return NULL;
    }
}

static const ProtoField *
find_field (const ProtoMessage *type,
            const char         *name)
{
  for (guint i = 0; i < type->n_fields; i++)
    if (strcmp (type->fields[i].json_name, name) == 0)
      return &type->fields[i];
  for (guint i = 0; i < type->n_fields; i++)
    if (strcmp (type->fields[i].name, name) == 0)
      return &type->fields[i];
  return NULL;
}

/* _VALID_EXTENSION_NAME: \[[a-zA-Z0-9\._]*\]$ */
static gboolean
is_extension_name (const char *name)
{
  gsize len = strlen (name);

  if (len > 0 && name[len - 1] == '\n')
    len--;
  if (len < 2 || name[0] != '[' || name[len - 1] != ']')
    return FALSE;
  for (gsize i = 1; i + 1 < len; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '.' && name[i] != '_')
      return FALSE;
  return TRUE;
}

static char *
available_fields (const ProtoMessage *type)
{
  GString *out = g_string_new ("[");

  for (guint i = 0; i < type->n_fields; i++)
    g_string_append_printf (out, "%s'%s'", i > 0 ? ", " : "", type->fields[i].json_name);
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

/* The `except` clauses of _ConvertFieldValuePair. */
static void
wrap_field_error (GError          **error,
                  GError           *inner,
                  const char       *name,
                  const ProtoField *field)
{
  if (inner->code == PE_OTHER ||
      (inner->code == PE_PARSE && (field == NULL || field->oneof >= 0)))
    {
      g_propagate_error (error, inner);
      return;
    }

  proto_error (error, PE_PARSE, "Failed to parse %s field: %s.", name, inner->message);
  g_error_free (inner);
}

/* Parsing into a sub-message that is already set: later fields win, sub-messages merge,
 * another member of a oneof replaces the one set. */
static void
merge_canonical (const ProtoMessage *type,
                 SeldonJson         *target,
                 const SeldonJson   *source)
{
  for (guint i = 0; i < seldon_json_object_get_size (source); i++)
    {
      const char *key = seldon_json_object_get_key_at (source, i);
      SeldonJson *value = seldon_json_object_get_value_at (source, i);
      const ProtoField *field = NULL;
      SeldonJson *existing;

      for (guint j = 0; j < type->n_fields; j++)
        if (strcmp (type->fields[j].json_name, key) == 0)
          field = &type->fields[j];
      g_assert (field != NULL);

      if (field->oneof >= 0)
        for (guint j = 0; j < type->n_fields; j++)
          if (type->fields[j].oneof == field->oneof && &type->fields[j] != field)
            seldon_json_object_remove (target, type->fields[j].json_name);

      existing = seldon_json_object_get (target, key);
      if (existing != NULL && field->type == T_MESSAGE && field->label == L_SINGLE &&
          field->message_type->wkt == WKT_NONE)
        merge_canonical (field->message_type, existing, value);
      else
        seldon_json_object_set (target, key, seldon_json_copy (value));
    }
}

/* One element of a map or repeated field: a default value is kept. */
static SeldonJson *
convert_element (Parser           *parser,
                 const ProtoField *field,
                 const SeldonJson *item,
                 const char       *path,
                 GError          **error)
{
  gboolean is_default;

  if (field->type == T_MESSAGE)
    return convert_message (parser, field->message_type, item, path, error);
  return convert_scalar (field, item, path, &is_default, error);
}

static gboolean
convert_field_value (Parser             *parser,
                     const ProtoMessage *type,
                     const ProtoField   *field,
                     const char         *name,
                     const SeldonJson   *value,
                     const char         *path,
                     SeldonJson        **slot,
                     GError            **error)
{
  g_autoptr(SeldonJson) previous = g_steal_pointer (slot);

  if (seldon_json_get_type (value) == SELDON_JSON_NULL)
    {
      if (field->label == L_SINGLE && field->type == T_MESSAGE && field->message_type->wkt == WKT_VALUE)
        *slot = seldon_json_new_null ();
      return TRUE;
    }

  if (field->label == L_MAP)
    {
      g_autofree char *map_path = g_strdup_printf ("%s.%s", path, name);
      g_autoptr(SeldonJson) out = seldon_json_new_object ();

      if (seldon_json_get_type (value) != SELDON_JSON_OBJECT)
        {
          g_autofree char *text = seldon_json_to_python_str (value);

          return proto_error (error, PE_PARSE, "Map field %s must be in a dict which is %s at %s",
                              field->name, text, map_path);
        }

      for (guint i = 0; i < seldon_json_object_get_size (value); i++)
        {
          const char *key = seldon_json_object_get_key_at (value, i);
          g_autofree char *item_path = g_strdup_printf ("%s[%s]", map_path, key);
          SeldonJson *item = seldon_json_object_get_value_at (value, i);
          SeldonJson *converted = convert_element (parser, field, item, item_path, error);

          if (converted == NULL)
            return FALSE;
          seldon_json_object_set (out, key, converted);
        }

      if (seldon_json_object_get_size (out) > 0)
        *slot = g_steal_pointer (&out);
      return TRUE;
    }

  if (field->label == L_REPEATED)
    {
      g_autoptr(SeldonJson) out = NULL;

      if (seldon_json_get_type (value) != SELDON_JSON_ARRAY)
        {
          g_autofree char *text = seldon_json_to_python_str (value);

          return proto_error (error, PE_PARSE, "repeated field %s must be in [] which is %s at %s",
                              name, text, path);
        }

      out = seldon_json_new_array_sized (seldon_json_array_get_length (value));
      for (guint i = 0; i < seldon_json_array_get_length (value); i++)
        {
          SeldonJson *item = seldon_json_array_get (value, i);
          g_autofree char *item_path = g_strdup_printf ("%s.%s[%u]", path, name, i);
          SeldonJson *converted;

          if (seldon_json_get_type (item) == SELDON_JSON_NULL &&
              (field->type != T_MESSAGE || field->message_type->wkt != WKT_VALUE))
            return proto_error (error, PE_PARSE,
                                "null is not allowed to be used as an element in a repeated field at %s",
                                item_path);

          converted = convert_element (parser, field, item, item_path, error);
          if (converted == NULL)
            return FALSE;
          seldon_json_array_append (out, converted);
        }

      if (seldon_json_array_get_length (out) > 0)
        *slot = g_steal_pointer (&out);
      return TRUE;
    }

  {
    g_autofree char *field_path = g_strdup_printf ("%s.%s", path, name);

    if (field->type == T_MESSAGE)
      {
        SeldonJson *converted = convert_message (parser, field->message_type, value, field_path, error);

        if (converted == NULL)
          return FALSE;
        if (previous != NULL && field->message_type->wkt == WKT_NONE)
          {
            /* the same sub-message parsed twice (`tensor_shape` and `tensorShape`): merged */
            merge_canonical (field->message_type, previous, converted);
            seldon_json_unref (converted);
            *slot = g_steal_pointer (&previous);
          }
        else
          *slot = converted;
        return TRUE;
      }
    else
      {
        gboolean is_default = FALSE;
        SeldonJson *converted = convert_scalar (field, value, field_path, &is_default, error);

        if (converted == NULL)
          return FALSE;
        if (field->oneof >= 0 || !is_default)
          *slot = converted;
        else
          seldon_json_unref (converted);
        return TRUE;
      }
  }
}

static gboolean
name_seen (GPtrArray  *seen,
           const char *name)
{
  for (guint i = 0; i < seen->len; i++)
    if (strcmp (g_ptr_array_index (seen, i), name) == 0)
      return TRUE;
  return FALSE;
}

/* _ConvertFieldValuePair */
static SeldonJson *
convert_fields (Parser             *parser,
                const ProtoMessage *type,
                const SeldonJson   *js,
                const char         *path,
                GError            **error)
{
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  SeldonJson **slots = g_new0 (SeldonJson *, MAX (type->n_fields, 1));
  SeldonJson *out = NULL;
  guint n_names;
  const char *chars = NULL;
  gboolean ok = TRUE;

  switch (seldon_json_get_type (js))
    {
    case SELDON_JSON_OBJECT:
      n_names = seldon_json_object_get_size (js);
      break;
    case SELDON_JSON_ARRAY:
      n_names = seldon_json_array_get_length (js);
      break;
    case SELDON_JSON_STRING:
      chars = seldon_json_get_string (js);
      n_names = g_utf8_strlen (chars, seldon_json_get_string_length (js));
      break;
    case SELDON_JSON_NULL:
    case SELDON_JSON_BOOL:
    case SELDON_JSON_INT:
    case SELDON_JSON_BIGINT:
    case SELDON_JSON_DOUBLE:
    default:
      g_free (slots);
      proto_error (error, PE_TYPE, "'%s' object is not iterable", seldon_python_type_name (js));
      return NULL;
    }

  for (guint i = 0; ok && i < n_names; i++)
    {
      g_autofree char *name = NULL;
      const SeldonJson *value = NULL;
      const ProtoField *field = NULL;
      GError *local_error = NULL;
      gboolean name_is_string = TRUE;

      if (seldon_json_get_type (js) == SELDON_JSON_OBJECT)
        {
          name = g_strdup (seldon_json_object_get_key_at (js, i));
          value = seldon_json_object_get_value_at (js, i);
        }
      else if (seldon_json_get_type (js) == SELDON_JSON_ARRAY)
        {
          SeldonJson *item = seldon_json_array_get (js, i);

          name = seldon_json_to_python_str (item);
          if (seldon_json_get_type (item) != SELDON_JSON_STRING)
            {
              name_is_string = FALSE;
              if (seldon_json_get_type (item) == SELDON_JSON_ARRAY ||
                  seldon_json_get_type (item) == SELDON_JSON_OBJECT)
                proto_error (&local_error, PE_TYPE, "unhashable type: '%s'",
                             seldon_python_type_name (item));
              else
                proto_error (&local_error, PE_TYPE, "expected string or bytes-like object, got '%s'",
                             seldon_python_type_name (item));
            }
        }
      else
        {
          const char *next = g_utf8_next_char (chars);

          name = g_strndup (chars, next - chars);
          chars = next;
        }

      if (local_error == NULL && name_is_string)
        {
          field = find_field (type, name);
          if (field == NULL && is_extension_name (name))
            proto_error (&local_error, PE_PARSE, "Message type %s does not have extensions at %s",
                         type->full_name, path);
          else if (field == NULL)
            {
              g_autofree char *fields = available_fields (type);

              proto_error (&local_error, PE_PARSE,
                           "Message type \"%s\" has no field named \"%s\" at \"%s\".\n"
                           " Available Fields(except extensions): \"%s\"",
                           type->full_name, name, path, fields);
            }
          else if (name_seen (seen, name))
            proto_error (&local_error, PE_PARSE,
                         "Message type \"%s\" should not have multiple \"%s\" fields at \"%s\".",
                         type->full_name, name, path);
          else
            {
              g_ptr_array_add (seen, g_strdup (name));

              if (value == NULL)
                {
                  if (seldon_json_get_type (js) == SELDON_JSON_ARRAY)
                    proto_error (&local_error, PE_TYPE, "list indices must be integers or slices, not str");
                  else
                    proto_error (&local_error, PE_TYPE, "string indices must be integers, not 'str'");
                }
              else if (field->oneof >= 0 && seldon_json_get_type (value) != SELDON_JSON_NULL)
                {
                  const char *oneof = type->oneofs[field->oneof];

                  if (name_seen (seen, oneof))
                    proto_error (&local_error, PE_PARSE,
                                 "Message type \"%s\" should not have multiple \"%s\" oneof fields at \"%s\".",
                                 type->full_name, oneof, path);
                  else
                    g_ptr_array_add (seen, g_strdup (oneof));
                }

              if (local_error == NULL)
                convert_field_value (parser, type, field, name, value, path,
                                     &slots[field - type->fields], &local_error);
            }
        }

      if (local_error != NULL)
        {
          wrap_field_error (error, local_error, name, field);
          ok = FALSE;
        }
    }

  if (ok)
    {
      int last = G_MININT;

      /* MessageToDict lists the set fields in field-number order */
      out = seldon_json_new_object ();
      for (;;)
        {
          const ProtoField *next = NULL;

          for (guint j = 0; j < type->n_fields; j++)
            if (type->fields[j].number > last &&
                (next == NULL || type->fields[j].number < next->number))
              next = &type->fields[j];
          if (next == NULL)
            break;
          last = next->number;
          if (slots[next - type->fields] != NULL)
            seldon_json_object_set (out, next->json_name,
                                    seldon_json_ref (slots[next - type->fields]));
        }
    }

  for (guint j = 0; j < type->n_fields; j++)
    g_clear_pointer (&slots[j], seldon_json_unref);
  g_free (slots);
  return out;
}

/* ConvertMessage */
static SeldonJson *
convert_message (Parser             *parser,
                 const ProtoMessage *type,
                 const SeldonJson   *js,
                 const char         *path,
                 GError            **error)
{
  SeldonJson *result = NULL;

  if (++parser->depth > MAX_RECURSION_DEPTH)
    {
      proto_error (error, PE_PARSE, "Message too deep. Max recursion depth is %d", MAX_RECURSION_DEPTH);
      return NULL;
    }

  switch (type->wkt)
    {
    case WKT_VALUE:
      result = convert_value (js, error);
      break;

    case WKT_LIST_VALUE:
      if (seldon_json_get_type (js) != SELDON_JSON_ARRAY)
        {
          g_autofree char *text = seldon_json_to_python_str (js);

          proto_error (error, PE_PARSE, "ListValue must be in [] which is %s at %s", text, path);
        }
      else
        result = convert_value (js, error);
      break;

    case WKT_ANY:
      result = convert_any (parser, js, path, error);
      break;

    case WKT_NONE:
    default:
      result = convert_fields (parser, type, js, path, error);
      break;
    }

  parser->depth--;
  return result;
}

static const ProtoMessage *
message_for_type (SeldonProtoType type)
{
  switch (type)
    {
    case SELDON_PROTO_FEEDBACK:
      return &msg_feedback;
    case SELDON_PROTO_SELDON_MESSAGE:
      return &msg_seldon_message;
    case SELDON_PROTO_SELDON_MESSAGE_LIST:
      return &msg_seldon_message_list;
    case SELDON_PROTO_META:
      return &msg_meta;
    case SELDON_PROTO_TENSOR_PROTO:
    default:
      return &msg_tensor_proto;
    }
}

SeldonJson *
seldon_proto_json_parse (SeldonProtoType       type,
                         const SeldonJson     *value,
                         SeldonProtoJsonFlags  flags,
                         GError              **error)
{
  const ProtoMessage *message = message_for_type (type);
  Parser parser = { 0, flags };
  g_autoptr(GError) local_error = NULL;
  SeldonJson *result;

  g_return_val_if_fail (value != NULL, NULL);

  result = convert_message (&parser, message, value, message->name, &local_error);
  if (result != NULL)
    return result;

  if (local_error->code == PE_PARSE && (flags & SELDON_PROTO_JSON_INVALID_JSON))
    g_set_error (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA, "Invalid JSON: %s", local_error->message);
  else
    g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, local_error->message);
  return NULL;
}

SeldonJson *
seldon_proto_json_value (const SeldonJson *value,
                         GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  SeldonJson *result;

  result = convert_value (value, &local_error);
  if (result == NULL)
    g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, local_error->message);
  return result;
}

/* ------------------------------------------------------------------------------------------ */
/* decoding canonical messages */

static double
canonical_to_double (const SeldonJson *value)
{
  if (seldon_json_get_type (value) == SELDON_JSON_STRING)
    {
      const char *s = seldon_json_get_string (value);

      if (strcmp (s, "NaN") == 0)
        return NAN;
      if (strcmp (s, "Infinity") == 0)
        return INFINITY;
      if (strcmp (s, "-Infinity") == 0)
        return -INFINITY;
      return g_ascii_strtod (s, NULL);
    }
  return seldon_json_get_double (value);
}

static SeldonTensor *
empty_float_tensor (void)
{
  gint64 zero = 0;

  return seldon_tensor_new_take (SELDON_DTYPE_FLOAT64, &zero, 1, NULL, NULL);
}

SeldonTensor *
seldon_proto_json_tensor_from_values (GBytes           *values,
                                      const SeldonJson *shape,
                                      GError          **error)
{
  g_autoptr(SeldonTensor) flat = NULL;
  g_autoptr(SeldonJson) empty_shape = NULL;
  gint64 flat_shape[1] = { (gint64) (g_bytes_get_size (values) / sizeof (double)) };

  /* grpc-api.md §4.2: `values` read as they are, reshaped to `shape` (numpy's errors) */
  flat = seldon_tensor_new_take (SELDON_DTYPE_FLOAT64, flat_shape, 1, values, NULL);
  if (shape == NULL)
    shape = empty_shape = seldon_json_new_array ();
  return seldon_tensor_reshape (flat, shape, error);
}

SeldonTensor *
seldon_proto_json_datadef_to_tensor (const SeldonJson *datadef,
                                     GError          **error)
{
  SeldonJson *part;

  if (datadef == NULL || seldon_json_get_type (datadef) != SELDON_JSON_OBJECT)
    return empty_float_tensor ();

  if ((part = seldon_json_object_get (datadef, "tensor")) != NULL)
    {
      SeldonJson *values = seldon_json_object_get (part, "values");
      guint n = values != NULL ? seldon_json_array_get_length (values) : 0;
      double *data = g_new (double, MAX (n, 1));

      for (guint i = 0; i < n; i++)
        data[i] = canonical_to_double (seldon_json_array_get (values, i));
      return seldon_proto_json_tensor_from_values (g_bytes_new_take (data, n * sizeof (double)),
                                                   seldon_json_object_get (part, "shape"), error);
    }

  if ((part = seldon_json_object_get (datadef, "ndarray")) != NULL)
    return seldon_tensor_new_from_seldon_json (part, error);

  if ((part = seldon_json_object_get (datadef, "tftensor")) != NULL)
    return seldon_proto_json_make_ndarray (part, error);

  return empty_float_tensor ();
}

SeldonMessage *
seldon_proto_json_decode_message (const SeldonJson *message,
                                  GError          **error)
{
  return seldon_proto_json_decode_message_full (message, NULL, error);
}

SeldonMessage *
seldon_proto_json_decode_message_full (const SeldonJson *message,
                                       SeldonTensor     *array,
                                       GError          **error)
{
  g_autoptr(SeldonMessage) result = NULL;
  SeldonJson *part;

  if ((part = seldon_json_object_get (message, "data")) != NULL)
    {
      SeldonTensor *tensor = array != NULL ? g_object_ref (array) : seldon_proto_json_datadef_to_tensor (part, error);
      SeldonJson *names;

      if (tensor == NULL)
        return NULL;
      result = seldon_message_new_take_tensor (tensor);
      if (seldon_json_object_has (part, "tensor"))
        seldon_message_set_data_kind (result, SELDON_DATA_KIND_TENSOR);
      else if (seldon_json_object_has (part, "ndarray"))
        seldon_message_set_data_kind (result, SELDON_DATA_KIND_NDARRAY);
      else if (seldon_json_object_has (part, "tftensor"))
        seldon_message_set_data_kind (result, SELDON_DATA_KIND_TFTENSOR);
      else
        seldon_message_set_data_kind (result, SELDON_DATA_KIND_EMPTY);
      names = seldon_json_object_get (part, "names");
      seldon_message_take_names_json (result, names != NULL ? seldon_json_ref (names) : seldon_json_new_array ());
    }
  else if ((part = seldon_json_object_get (message, "binData")) != NULL)
    {
      GBytes *bytes = seldon_codec_b64decode (part, error);

      if (bytes == NULL)
        return NULL;
      result = seldon_message_new_take_bytes (bytes);
    }
  else if ((part = seldon_json_object_get (message, "strData")) != NULL)
    result = seldon_message_new_take_value (SELDON_PAYLOAD_STRING, seldon_json_ref (part));
  else if ((part = seldon_json_object_get (message, "jsonData")) != NULL)
    result = seldon_message_new_take_value (SELDON_PAYLOAD_JSON, seldon_json_ref (part));
  else if ((part = seldon_json_object_get (message, "customData")) != NULL)
    {
      SeldonJson *type_url = seldon_json_object_get (part, "@type");
      SeldonJson *value = seldon_json_object_get (part, "value");
      g_autoptr(GBytes) bytes = NULL;

      /* the SELDON_PROTO_JSON_ANY_BYTES form; anything else is an empty Any */
      if (value != NULL && seldon_json_get_type (value) == SELDON_JSON_STRING)
        bytes = seldon_codec_b64decode (value, NULL);
      if (bytes == NULL)
        bytes = g_bytes_new (NULL, 0);
      result = seldon_message_new ();
      seldon_message_set_custom (result,
                                 type_url != NULL && seldon_json_get_type (type_url) == SELDON_JSON_STRING
                                   ? seldon_json_get_string (type_url) : "",
                                 bytes);
    }
  else
    result = seldon_message_new ();

  part = seldon_json_object_get (message, "meta");
  seldon_message_take_meta (result, part != NULL ? seldon_json_ref (part) : seldon_json_new_object ());

  return g_steal_pointer (&result);
}

/* A request or truth as send_feedback sees it: the float array of `data`, its names. */
static SeldonMessage *
decode_feedback_part (const SeldonJson *part,
                      GError          **error)
{
  SeldonJson *data = part != NULL ? seldon_json_object_get (part, "data") : NULL;
  SeldonJson *meta = part != NULL ? seldon_json_object_get (part, "meta") : NULL;
  SeldonJson *names = data != NULL ? seldon_json_object_get (data, "names") : NULL;
  SeldonTensor *tensor = seldon_proto_json_datadef_to_tensor (data, error);
  SeldonMessage *message;

  if (tensor == NULL)
    return NULL;

  message = seldon_message_new_take_tensor (tensor);
  if (data != NULL)
    seldon_message_set_data_kind (message,
                                  seldon_json_object_has (data, "tensor") ? SELDON_DATA_KIND_TENSOR :
                                  seldon_json_object_has (data, "ndarray") ? SELDON_DATA_KIND_NDARRAY :
                                  seldon_json_object_has (data, "tftensor") ? SELDON_DATA_KIND_TFTENSOR :
                                  SELDON_DATA_KIND_EMPTY);
  seldon_message_take_names_json (message, names != NULL ? seldon_json_ref (names) : seldon_json_new_array ());
  seldon_message_take_meta (message, meta != NULL ? seldon_json_ref (meta) : seldon_json_new_object ());
  return message;
}

SeldonFeedback *
seldon_proto_json_decode_feedback (const SeldonJson *feedback,
                                   const char       *unit_id,
                                   GError          **error)
{
  g_autoptr(SeldonFeedback) result = seldon_feedback_new ();
  g_autoptr(SeldonMessage) request = NULL;
  g_autoptr(SeldonMessage) truth = NULL;
  g_autoptr(SeldonMessage) response = NULL;
  SeldonJson *part;
  SeldonJson *routing = NULL;
  double reward = 0.0;

  request = decode_feedback_part (seldon_json_object_get (feedback, "request"), error);
  if (request == NULL)
    return NULL;
  truth = decode_feedback_part (seldon_json_object_get (feedback, "truth"), error);
  if (truth == NULL)
    return NULL;

  part = seldon_json_object_get (feedback, "response");
  if (part != NULL)
    {
      SeldonJson *meta = seldon_json_object_get (part, "meta");
      SeldonJson *routes = meta != NULL ? seldon_json_object_get (meta, "routing") : NULL;

      /* upstream only reads the routing; a payload it could not decode is left out */
      response = seldon_proto_json_decode_message (part, NULL);
      if (response == NULL)
        {
          response = seldon_message_new ();
          seldon_message_take_meta (response, meta != NULL ? seldon_json_ref (meta) : seldon_json_new_object ());
        }
      if (routes != NULL)
        routing = seldon_json_object_get (routes, unit_id != NULL ? unit_id : "0");
    }

  if ((part = seldon_json_object_get (feedback, "reward")) != NULL)
    reward = (float) canonical_to_double (part);

  seldon_feedback_set_parts (result, g_steal_pointer (&request), g_steal_pointer (&response),
                             g_steal_pointer (&truth), reward,
                             routing != NULL, routing != NULL ? seldon_json_get_int (routing) : 0);
  return g_steal_pointer (&result);
}

/* ------------------------------------------------------------------------------------------ */
/* answers (construct_response) */

/* array_to_list_value() */
static SeldonJson *
array_to_list_value (SeldonTensor *array,
                     guint         depth,
                     gsize        *pos,
                     GError      **error)
{
  guint n_dims = 0;
  const gint64 *shape = seldon_tensor_get_shape (array, &n_dims);
  g_autoptr(SeldonJson) list = seldon_json_new_array ();

  for (gint64 i = 0; i < shape[depth]; i++)
    {
      SeldonJson *item;

      if (depth + 1 == n_dims && seldon_tensor_is_numeric (array))
        item = canonical_double (seldon_tensor_get_element_double (array, (*pos)++));
      else if (depth + 1 == n_dims)
        {
          g_autoptr(SeldonJson) element = seldon_tensor_dup_element_json (array, (*pos)++);

          item = convert_value (element, NULL);
          if (item == NULL)
            {
              g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                                   "int too large to convert to float");
              return NULL;
            }
        }
      else
        {
          item = array_to_list_value (array, depth + 1, pos, error);
          if (item == NULL)
            return NULL;
        }
      seldon_json_array_append (list, item);
    }

  return g_steal_pointer (&list);
}

/* seldon_codec_class_names() for an answer written by seldon_codec_proto_encode_answer(): the
 * component's names as a list, or NULL and the number of default names "t:<i>" in
 * @n_default (not made into strings here); NULL with @error when the component failed. */
static SeldonJson *
direct_class_names (SeldonTensor              *array,
                    const SeldonResponseParts *parts,
                    gint64                    *n_default,
                    GError                   **error)
{
  guint n_dims = 0;
  const gint64 *shape = seldon_tensor_get_shape (array, &n_dims);

  *n_default = 0;
  if (n_dims < 2)
    return NULL;

  if (parts->class_names != NULL)
    {
      GError *local_error = NULL;
      g_auto(GStrv) user = parts->class_names (parts->class_names_data, &local_error);

      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return NULL;
        }
      if (user != NULL)
        {
          SeldonJson *names = seldon_json_new_array ();

          for (guint i = 0; user[i] != NULL; i++)
            seldon_json_array_append (names, seldon_json_new_string (user[i]));
          return names;
        }
    }

  *n_default = MAX (shape[1], 0);
  return NULL;
}

static SeldonJson *
array_to_datadef (SeldonTensor              *array,
                  const SeldonResponseParts *parts,
                  SeldonTensor             **deferred,
                  SeldonProtoAnswer         *direct,
                  GError                   **error)
{
  g_autoptr(SeldonJson) datadef = NULL;
  g_autoptr(SeldonJson) names = NULL;
  const SeldonJson *request = parts->request;
  SeldonJson *request_data = request != NULL ? seldon_json_object_get (request, "data") : NULL;
  const char *kind;
  gint64 n_default_names = 0;

  if (direct != NULL && deferred != NULL)
    {
      GError *local_error = NULL;

      names = direct_class_names (array, parts, &n_default_names, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return NULL;
        }
    }
  else
    {
      names = seldon_codec_class_names (array, parts, error);
      if (names == NULL)
        return NULL;
    }

  if (request_data != NULL)
    {
      if (!seldon_tensor_is_numeric (array))
        kind = "ndarray";
      else if (seldon_json_object_has (request_data, "tensor"))
        kind = "tensor";
      else if (seldon_json_object_has (request_data, "tftensor"))
        kind = "tftensor";
      else
        kind = "ndarray";
    }
  else
    kind = seldon_tensor_is_numeric (array) ? "tensor" : "ndarray";

  /* The numeric answer array as DefaultData.tensor or .ndarray: written by
   * seldon_codec_proto_encode_answer() without a JSON tree, with the same bytes. */
  if (direct != NULL && deferred != NULL &&
      (strcmp (kind, "tensor") == 0 ||
       (strcmp (kind, "ndarray") == 0 && seldon_tensor_get_n_dims (array) > 0 && seldon_tensor_is_numeric (array))))
    {
      direct->names = g_steal_pointer (&names);
      direct->n_default_names = n_default_names;
      direct->array = g_object_ref (array);
      direct->tensor = strcmp (kind, "tensor") == 0;
      return NULL;
    }

  if (names == NULL)
    {
      /* (not written directly after all: the default names as a list) */
      names = seldon_json_new_array ();
      for (gint64 i = 0; i < n_default_names; i++)
        seldon_json_array_append (names, seldon_json_new_string_take (g_strdup_printf ("t:%" G_GINT64_FORMAT, i)));
    }
  datadef = seldon_json_new_object ();
  if (seldon_json_array_get_length (names) > 0)
    seldon_json_object_set (datadef, "names", g_steal_pointer (&names));

  if (strcmp (kind, "tensor") == 0)
    {
      SeldonJson *tensor = seldon_json_new_object ();
      gsize n = seldon_tensor_get_n_elements (array);

      if (seldon_tensor_get_n_dims (array) > 0)
        seldon_json_object_set (tensor, "shape", seldon_tensor_shape_to_json (array));
      if (n > 0 && deferred != NULL)
        *deferred = g_object_ref (array);   /* the encoder writes the values */
      else if (n > 0)
        {
          SeldonJson *values = seldon_json_new_array_sized ((guint) MIN (n, G_MAXUINT));

          for (gsize i = 0; i < n; i++)
            seldon_json_array_append (values, canonical_double (seldon_tensor_get_element_double (array, i)));
          seldon_json_object_set (tensor, "values", values);
        }
      seldon_json_object_set (datadef, "tensor", tensor);
    }
  else if (strcmp (kind, "tftensor") == 0)
    {
      SeldonJson *tftensor = seldon_proto_json_make_tensor_proto (array, error);

      if (tftensor == NULL)
        return NULL;
      seldon_json_object_set (datadef, "tftensor", tftensor);
    }
  else
    {
      gsize pos = 0;
      SeldonJson *list;

      if (seldon_tensor_get_n_dims (array) == 0)
        {
          g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "iteration over a 0-d array");
          return NULL;
        }
      if (deferred != NULL && seldon_tensor_is_numeric (array))
        {
          /* the encoder writes the nested lists */
          *deferred = g_object_ref (array);
          seldon_json_object_set (datadef, "ndarray", seldon_json_new_array ());
          return g_steal_pointer (&datadef);
        }
      list = array_to_list_value (array, 0, &pos, error);
      if (list == NULL)
        return NULL;
      seldon_json_object_set (datadef, "ndarray", list);
    }

  return g_steal_pointer (&datadef);
}

SeldonJson *
seldon_proto_json_build_response (SeldonMessage             *result,
                                  const SeldonResponseParts *parts,
                                  GError                   **error)
{
  return seldon_proto_json_build_response_direct (result, parts, SELDON_PROTO_JSON_NONE, NULL, NULL, error);
}

/* A canonical member of @meta (borrowed), when it has the JSON type @type. */
static SeldonJson *
meta_member (const SeldonJson *meta,
             const char       *name,
             SeldonJsonType    type)
{
  SeldonJson *value;

  if (meta == NULL || seldon_json_get_type (meta) != SELDON_JSON_OBJECT || seldon_json_object_get_size (meta) == 0)
    return NULL;
  value = seldon_json_object_get (meta, name);
  return value != NULL && seldon_json_get_type (value) == type ? value : NULL;
}

SeldonJson *
seldon_proto_json_build_response_full (SeldonMessage             *result,
                                       const SeldonResponseParts *parts,
                                       SeldonProtoJsonFlags       flags,
                                       SeldonTensor             **deferred_array,
                                       GError                   **error)
{
  return seldon_proto_json_build_response_direct (result, parts, flags, deferred_array, NULL, error);
}

void
seldon_proto_answer_clear (SeldonProtoAnswer *answer)
{
  g_clear_pointer (&answer->meta, seldon_json_unref);
  g_clear_pointer (&answer->names, seldon_json_unref);
  answer->n_default_names = 0;
  g_clear_object (&answer->array);
  answer->tensor = FALSE;
}

SeldonJson *
seldon_proto_json_build_response_direct (SeldonMessage             *result,
                                         const SeldonResponseParts *parts,
                                         SeldonProtoJsonFlags       flags,
                                         SeldonTensor             **deferred_array,
                                         SeldonProtoAnswer         *direct,
                                         GError                   **error)
{
  g_autoptr(SeldonJson) response = NULL;   /* with its meta, when not answered in @direct */
  g_autoptr(SeldonJson) meta_json = seldon_json_new_object ();
  g_autoptr(SeldonJson) tags = seldon_json_new_object ();
  g_autoptr(SeldonJson) metrics = NULL;        /* created when there is one */
  g_autoptr(SeldonJson) request_path = NULL;   /* created when there is one */
  g_autoptr(SeldonJson) meta = NULL;
  g_autoptr(SeldonTensor) array = NULL;
  SeldonJson *value = NULL;
  SeldonJson *meta_path;
  SeldonJson *meta_metrics;
  const SeldonJson *request = parts->request;
  SeldonJson *request_meta = request != NULL ? seldon_json_object_get (request, "meta") : NULL;
  SeldonJson *puid;
  SeldonPayloadKind kind;

  /* meta first: upstream parses it into the Meta message before looking at the payload.
   * grpc-api.md §4.3: the env requestPath updated with M's, M's tags updated with tags() and
   * the runtime tags, M's metrics followed by the call's. */
  meta_path = meta_member (parts->meta, "requestPath", SELDON_JSON_OBJECT);
  if (seldon_py_truthy (parts->env_request_path) || meta_path != NULL)
    {
      request_path = seldon_json_new_object ();
      if (seldon_py_truthy (parts->env_request_path))
        seldon_json_object_update (request_path, parts->env_request_path);
      if (meta_path != NULL)
        seldon_json_object_update (request_path, meta_path);
      if (seldon_py_truthy (request_path))
        seldon_json_object_set (meta_json, "requestPath", g_steal_pointer (&request_path));
    }
  if ((value = meta_member (parts->meta, "tags", SELDON_JSON_OBJECT)) != NULL)
    seldon_json_object_update (tags, value);
  meta_metrics = meta_member (parts->meta, "metrics", SELDON_JSON_ARRAY);
  value = NULL;
  if (!seldon_codec_merge_tags (tags, parts, error))
    return NULL;
  if ((meta_metrics != NULL && seldon_json_array_get_length (meta_metrics) > 0) ||
      seldon_py_truthy (parts->metrics))
    {
      metrics = seldon_json_new_array ();
      if (meta_metrics != NULL)
        for (guint i = 0; i < seldon_json_array_get_length (meta_metrics); i++)
          seldon_json_array_append (metrics, seldon_json_ref (seldon_json_array_get (meta_metrics, i)));
      if (seldon_py_truthy (parts->metrics))
        for (guint i = 0; i < seldon_json_array_get_length (parts->metrics); i++)
          seldon_json_array_append (metrics, seldon_json_ref (seldon_json_array_get (parts->metrics, i)));
    }
  if (seldon_py_truthy (tags))
    seldon_json_object_set (meta_json, "tags", g_steal_pointer (&tags));
  if (metrics != NULL && seldon_py_truthy (metrics))
    seldon_json_object_set (meta_json, "metrics", g_steal_pointer (&metrics));
  if (request_meta != NULL && (puid = seldon_json_object_get (request_meta, "puid")) != NULL &&
      seldon_py_truthy (puid))
    seldon_json_object_set (meta_json, "puid", seldon_json_ref (puid));

  /* (the canonical form of an empty Meta is {}: no parse needed for the common case) */
  if (seldon_json_object_get_size (meta_json) == 0)
    meta = g_steal_pointer (&meta_json);
  else
    meta = seldon_proto_json_parse (SELDON_PROTO_META, meta_json, SELDON_PROTO_JSON_NONE, error);
  if (meta == NULL)
    return NULL;
  /* (an answer that may go to @direct takes the meta there) */
  kind = seldon_message_get_payload_kind (result);
  if (direct == NULL ||
      !(kind == SELDON_PAYLOAD_TENSOR || kind == SELDON_PAYLOAD_NONE ||
        ((kind == SELDON_PAYLOAD_LIST || kind == SELDON_PAYLOAD_STRING || kind == SELDON_PAYLOAD_JSON) &&
         (seldon_json_get_type (seldon_message_peek_value (result)) == SELDON_JSON_NULL ||
          seldon_json_get_type (seldon_message_peek_value (result)) == SELDON_JSON_ARRAY))))
    {
      response = seldon_json_new_object ();
      seldon_json_object_set (response, "meta", g_steal_pointer (&meta));
    }

  switch (kind)
    {
    case SELDON_PAYLOAD_TENSOR:
      array = g_object_ref (seldon_message_get_tensor (result));
      break;

    case SELDON_PAYLOAD_BYTES:
      seldon_json_object_set (response, "binData",
                              seldon_json_new_string_take (seldon_codec_b64encode (seldon_message_get_bin_data (result))));
      return g_steal_pointer (&response);

    case SELDON_PAYLOAD_LIST:
    case SELDON_PAYLOAD_STRING:
    case SELDON_PAYLOAD_JSON:
      value = seldon_message_peek_value (result);
      switch (seldon_json_get_type (value))
        {
        case SELDON_JSON_NULL:
          array = empty_float_tensor ();
          break;
        case SELDON_JSON_ARRAY:
          array = seldon_tensor_new_from_seldon_json (value, error);
          if (array == NULL)
            return NULL;
          break;
        case SELDON_JSON_STRING:
          seldon_json_object_set (response, "strData", seldon_json_ref (value));
          return g_steal_pointer (&response);
        case SELDON_JSON_OBJECT:
          {
            SeldonJson *json = seldon_proto_json_value (value, error);

            if (json == NULL)
              return NULL;
            seldon_json_object_set (response, "jsonData", json);
          }
          return g_steal_pointer (&response);
        case SELDON_JSON_BOOL:
        case SELDON_JSON_INT:
        case SELDON_JSON_BIGINT:
        case SELDON_JSON_DOUBLE:
        default:
          g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                       "can only concatenate str (not \"%s\") to str", seldon_python_type_name (value));
          return NULL;
        }
      break;

    case SELDON_PAYLOAD_CUSTOM:
      if (flags & SELDON_PROTO_JSON_ANY_BYTES)
        {
          SeldonJson *any = seldon_json_new_object ();
          GBytes *bytes = seldon_message_get_custom_value (result);
          g_autoptr(GBytes) empty = bytes == NULL ? g_bytes_new (NULL, 0) : NULL;
          const char *type_url = seldon_message_get_custom_type_url (result);

          seldon_json_object_set (any, "@type", seldon_json_new_string (type_url != NULL ? type_url : ""));
          seldon_json_object_set (any, "value",
                                  seldon_json_new_string_take (seldon_codec_b64encode (bytes != NULL ? bytes : empty)));
          seldon_json_object_set (response, "customData", any);
          return g_steal_pointer (&response);
        }
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                           "customData answers are not supported on REST");
      return NULL;

    case SELDON_PAYLOAD_NONE:
    default:
      array = empty_float_tensor ();
      break;
    }

  value = array_to_datadef (array, parts, deferred_array, direct, error);
  if (value == NULL && direct != NULL && direct->array != NULL)
    {
      /* the answer is {meta, data} with that array: the meta goes with it */
      direct->meta = g_steal_pointer (&meta);
      return NULL;
    }
  if (value == NULL)
    return NULL;
  if (response == NULL)
    {
      response = seldon_json_new_object ();
      seldon_json_object_set (response, "meta", g_steal_pointer (&meta));
    }
  seldon_json_object_set (response, "data", value);
  return g_steal_pointer (&response);
}

/* ------------------------------------------------------------------------------------------ */
/* TensorFlow's make_ndarray() and make_tensor_proto() on canonical TensorProto JSON */

static float
half_to_float (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exponent = (h >> 10) & 0x1f;
  guint32 mantissa = h & 0x3ff;
  guint32 bits;
  float f;

  if (exponent == 0)
    {
      /* zero or subnormal: mantissa * 2^-24 */
      f = (float) mantissa / 16777216.0f;
      return sign ? -f : f;
    }
  if (exponent == 31)
    bits = sign | 0x7f800000 | (mantissa << 13);
  else
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  memcpy (&f, &bits, sizeof f);
  return f;
}

static float
bfloat16_to_float (guint16 b)
{
  guint32 bits = (guint32) b << 16;
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
}

typedef enum
{
  TF_VALUES_FLOAT,
  TF_VALUES_DOUBLE,
  TF_VALUES_INT,
  TF_VALUES_INT64,
  TF_VALUES_UINT32,
  TF_VALUES_UINT64,
  TF_VALUES_BOOL,
  TF_VALUES_STRING,
  TF_VALUES_HALF,
  TF_VALUES_BFLOAT16,
} TfValues;

static gboolean
tf_dtype_info (int          number,
               SeldonDType *dtype,
               TfValues    *values,
               const char **field,
               GError     **error)
{
  int base = number > 100 ? number - 100 : number;
  const char *name = NULL;

  for (guint i = 0; i < enum_data_type.n_values; i++)
    if (enum_data_type.values[i].number == number)
      name = enum_data_type.values[i].name;

  switch (number == 0 || name == NULL ? -1 : base)
    {
    case 1:
      *dtype = SELDON_DTYPE_FLOAT32, *values = TF_VALUES_FLOAT, *field = "floatVal";
      return TRUE;
    case 2:
      *dtype = SELDON_DTYPE_FLOAT64, *values = TF_VALUES_DOUBLE, *field = "doubleVal";
      return TRUE;
    case 3:
      *dtype = SELDON_DTYPE_INT32, *values = TF_VALUES_INT, *field = "intVal";
      return TRUE;
    case 4:
      *dtype = SELDON_DTYPE_UINT8, *values = TF_VALUES_INT, *field = "intVal";
      return TRUE;
    case 5:
      *dtype = SELDON_DTYPE_INT16, *values = TF_VALUES_INT, *field = "intVal";
      return TRUE;
    case 6:
      *dtype = SELDON_DTYPE_INT8, *values = TF_VALUES_INT, *field = "intVal";
      return TRUE;
    case 7:
      *dtype = SELDON_DTYPE_STRING, *values = TF_VALUES_STRING, *field = "stringVal";
      return TRUE;
    case 9:
      *dtype = SELDON_DTYPE_INT64, *values = TF_VALUES_INT64, *field = "int64Val";
      return TRUE;
    case 10:
      *dtype = SELDON_DTYPE_BOOL, *values = TF_VALUES_BOOL, *field = "boolVal";
      return TRUE;
    case 14:
      /* no bfloat16 here: widened to float32 */
      *dtype = SELDON_DTYPE_FLOAT32, *values = TF_VALUES_BFLOAT16, *field = "halfVal";
      return TRUE;
    case 17:
      *dtype = SELDON_DTYPE_UINT16, *values = TF_VALUES_INT, *field = "intVal";
      return TRUE;
    case 19:
      /* no float16 here: widened to float32 */
      *dtype = SELDON_DTYPE_FLOAT32, *values = TF_VALUES_HALF, *field = "halfVal";
      return TRUE;
    case 22:
      *dtype = SELDON_DTYPE_UINT32, *values = TF_VALUES_UINT32, *field = "uint32Val";
      return TRUE;
    case 23:
      *dtype = SELDON_DTYPE_UINT64, *values = TF_VALUES_UINT64, *field = "uint64Val";
      return TRUE;
    case -1:
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                   "Cannot convert the argument `type_value`: %d to a TensorFlow DType.", number);
      return FALSE;
    default:
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED, "Unsupported tensor type: %s", name);
      return FALSE;
    }
}

static void
store_element (guint8      *out,
               SeldonDType  dtype,
               double       d,
               gint64       i,
               guint64      u,
               gboolean     is_integer,
               gboolean     is_unsigned)
{
  switch (dtype)
    {
    case SELDON_DTYPE_FLOAT64:
      memcpy (out, &d, 8);
      break;
    case SELDON_DTYPE_FLOAT32:
      {
        float f = (float) d;
        memcpy (out, &f, 4);
      }
      break;
    case SELDON_DTYPE_INT64:
      memcpy (out, &i, 8);
      break;
    case SELDON_DTYPE_UINT64:
      {
        guint64 v = is_unsigned ? u : (guint64) i;
        memcpy (out, &v, 8);
      }
      break;
    case SELDON_DTYPE_INT32:
      {
        gint32 v = (gint32) i;
        memcpy (out, &v, 4);
      }
      break;
    case SELDON_DTYPE_UINT32:
      {
        guint32 v = (guint32) i;
        memcpy (out, &v, 4);
      }
      break;
    case SELDON_DTYPE_INT16:
      {
        gint16 v = (gint16) i;
        memcpy (out, &v, 2);
      }
      break;
    case SELDON_DTYPE_UINT16:
      {
        guint16 v = (guint16) i;
        memcpy (out, &v, 2);
      }
      break;
    case SELDON_DTYPE_INT8:
      out[0] = (guint8) (gint8) i;
      break;
    case SELDON_DTYPE_UINT8:
      out[0] = (guint8) i;
      break;
    case SELDON_DTYPE_BOOL:
      out[0] = is_integer ? i != 0 : d != 0.0;
      break;
    case SELDON_DTYPE_STRING:
    case SELDON_DTYPE_OBJECT:
    default:
      break;
    }
}

/* The flat elements of a typed value list. */
static SeldonTensor *
tf_values_to_flat (SeldonDType       dtype,
                   TfValues          kind,
                   const SeldonJson *list,
                   GError          **error)
{
  guint n = list != NULL ? seldon_json_array_get_length (list) : 0;
  gint64 shape[1] = { n };
  gsize item = seldon_dtype_get_item_size (dtype);

  if (dtype == SELDON_DTYPE_STRING)
    {
      SeldonJson **elements = g_new0 (SeldonJson *, MAX (n, 1));

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(GBytes) bytes = seldon_codec_b64decode (seldon_json_array_get (list, i), NULL);
          gsize size = 0;
          const char *data = bytes != NULL ? g_bytes_get_data (bytes, &size) : "";

          if (!g_utf8_validate_len (data, size, NULL))
            {
              for (guint j = 0; j < i; j++)
                seldon_json_unref (elements[j]);
              g_free (elements);
              g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                                   "tftensor strings must be UTF-8 here");
              return NULL;
            }
          elements[i] = seldon_json_new_string_len (data, size);
        }
      return seldon_tensor_new_take (dtype, shape, 1, NULL, elements);
    }
  else
    {
      guint8 *data = g_malloc0 (MAX (n * item, 1));

      for (guint i = 0; i < n; i++)
        {
          SeldonJson *value = seldon_json_array_get (list, i);
          double d = 0.0;
          gint64 v = 0;
          guint64 u = 0;
          gboolean is_integer = TRUE;
          gboolean is_unsigned = FALSE;

          switch (kind)
            {
            case TF_VALUES_FLOAT:
            case TF_VALUES_DOUBLE:
              d = canonical_to_double (value);
              is_integer = FALSE;
              break;
            case TF_VALUES_HALF:
              d = half_to_float ((guint16) seldon_json_get_int (value));
              is_integer = FALSE;
              break;
            case TF_VALUES_BFLOAT16:
              d = bfloat16_to_float ((guint16) seldon_json_get_int (value));
              is_integer = FALSE;
              break;
            case TF_VALUES_BOOL:
              v = seldon_json_get_bool (value);
              break;
            case TF_VALUES_INT64:
              v = g_ascii_strtoll (seldon_json_get_string (value), NULL, 10);
              break;
            case TF_VALUES_UINT64:
              u = g_ascii_strtoull (seldon_json_get_string (value), NULL, 10);
              is_unsigned = TRUE;
              break;
            case TF_VALUES_INT:
            case TF_VALUES_UINT32:
            case TF_VALUES_STRING:
            default:
              v = seldon_json_get_int (value);
              break;
            }
          store_element (data + i * item, dtype, d, v, u, is_integer, is_unsigned);
        }
      return seldon_tensor_new_take (dtype, shape, 1, g_bytes_new_take (data, n * item), NULL);
    }
}

/* np.frombuffer(tensor_content, dtype) */
static SeldonTensor *
tf_content_to_flat (SeldonDType   dtype,
                    TfValues      kind,
                    GBytes       *content,
                    GError      **error)
{
  gsize size = 0;
  const guint8 *bytes = g_bytes_get_data (content, &size);
  gsize item = kind == TF_VALUES_HALF || kind == TF_VALUES_BFLOAT16 ? 2 : seldon_dtype_get_item_size (dtype);
  gsize n;
  gint64 shape[1];
  guint8 *data;

  if (dtype == SELDON_DTYPE_STRING)
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                           "cannot create an OBJECT array from memory buffer");
      return NULL;
    }
  if (size % item != 0)
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                           "buffer size must be a multiple of element size");
      return NULL;
    }

  n = size / item;
  shape[0] = n;
  data = g_malloc0 (MAX (n * seldon_dtype_get_item_size (dtype), 1));
  for (gsize i = 0; i < n; i++)
    {
      guint8 element[8];

      /* tensor_content is little-endian */
      for (gsize b = 0; b < item; b++)
        element[b] = G_BYTE_ORDER == G_LITTLE_ENDIAN ? bytes[i * item + b] : bytes[i * item + item - 1 - b];

      if (kind == TF_VALUES_HALF || kind == TF_VALUES_BFLOAT16)
        {
          guint16 h;
          float f;

          memcpy (&h, element, 2);
          f = kind == TF_VALUES_HALF ? half_to_float (h) : bfloat16_to_float (h);
          memcpy (data + i * 4, &f, 4);
        }
      else if (dtype == SELDON_DTYPE_BOOL)
        data[i] = element[0] != 0;
      else
        memcpy (data + i * item, element, item);
    }

  return seldon_tensor_new_take (dtype, shape, 1, g_bytes_new_take (data, n * seldon_dtype_get_item_size (dtype)), NULL);
}

SeldonTensor *
seldon_proto_json_make_ndarray (const SeldonJson *tensor_proto,
                                GError          **error)
{
  SeldonJson *dtype_json = seldon_json_object_get (tensor_proto, "dtype");
  SeldonJson *shape_json = seldon_json_object_get (tensor_proto, "tensorShape");
  SeldonJson *dims = shape_json != NULL ? seldon_json_object_get (shape_json, "dim") : NULL;
  SeldonJson *content = seldon_json_object_get (tensor_proto, "tensorContent");
  g_autoptr(SeldonJson) shape = seldon_json_new_array ();
  g_autoptr(SeldonTensor) flat = NULL;
  SeldonDType dtype = SELDON_DTYPE_FLOAT64;
  TfValues kind = TF_VALUES_DOUBLE;
  const char *field = NULL;
  int number = 0;
  gint64 n_elements = 1;
  gsize n_values;

  if (dtype_json != NULL)
    {
      if (seldon_json_get_type (dtype_json) == SELDON_JSON_STRING)
        {
          for (guint i = 0; i < enum_data_type.n_values; i++)
            if (strcmp (enum_data_type.values[i].name, seldon_json_get_string (dtype_json)) == 0)
              number = enum_data_type.values[i].number;
        }
      else
        number = (int) seldon_json_get_int (dtype_json);
    }
  if (!tf_dtype_info (number, &dtype, &kind, &field, error))
    return NULL;

  for (guint i = 0; dims != NULL && i < seldon_json_array_get_length (dims); i++)
    {
      SeldonJson *size = seldon_json_object_get (seldon_json_array_get (dims, i), "size");
      gint64 value = size != NULL ? g_ascii_strtoll (seldon_json_get_string (size), NULL, 10) : 0;

      seldon_json_array_append (shape, seldon_json_new_int (value));
      n_elements *= value;
    }

  if (content != NULL)
    {
      g_autoptr(GBytes) bytes = seldon_codec_b64decode (content, error);

      if (bytes == NULL)
        return NULL;
      flat = tf_content_to_flat (dtype, kind, bytes, error);
      if (flat == NULL)
        return NULL;
      return seldon_tensor_reshape (flat, shape, error);
    }

  flat = tf_values_to_flat (dtype, kind, seldon_json_object_get (tensor_proto, field), error);
  if (flat == NULL)
    return NULL;
  n_values = seldon_tensor_get_n_elements (flat);

  if (n_values == 0 && dtype != SELDON_DTYPE_STRING)
    {
      /* np.zeros(shape, dtype) */
      guint n_dims = seldon_json_array_get_length (shape);
      g_autofree gint64 *dims_values = g_new0 (gint64, MAX (n_dims, 1));

      for (guint i = 0; i < n_dims; i++)
        {
          dims_values[i] = seldon_json_get_int (seldon_json_array_get (shape, i));
          if (dims_values[i] < 0)
            {
              g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "negative dimensions are not allowed");
              return NULL;
            }
        }
      return seldon_tensor_new_take (dtype, dims_values, n_dims, NULL, NULL);
    }

  if ((gint64) n_values != n_elements && (dtype != SELDON_DTYPE_STRING || (gint64) n_values < n_elements))
    {
      /* np.pad(values, (0, n_elements - size), "edge") (strings: padded with the last one, or "") */
      gint64 padded_n = n_elements;
      gint64 flat_shape[1];
      g_autoptr(SeldonTensor) padded = NULL;

      if (padded_n < (gint64) n_values)
        {
          g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "index can't contain negative values");
          return NULL;
        }
      flat_shape[0] = padded_n;
      if (dtype == SELDON_DTYPE_STRING)
        {
          SeldonJson **elements = g_new0 (SeldonJson *, MAX (padded_n, 1));

          for (gint64 i = 0; i < padded_n; i++)
            elements[i] = n_values == 0 ? seldon_json_new_string ("")
                                        : seldon_tensor_dup_element_json (flat, MIN ((gsize) i, n_values - 1));
          padded = seldon_tensor_new_take (dtype, flat_shape, 1, NULL, elements);
        }
      else
        {
          gsize item = seldon_dtype_get_item_size (dtype);
          const guint8 *src = g_bytes_get_data (seldon_tensor_get_data (flat), NULL);
          guint8 *data = g_malloc (MAX (padded_n * item, 1));

          for (gint64 i = 0; i < padded_n; i++)
            memcpy (data + i * item, src + MIN ((gsize) i, n_values - 1) * item, item);
          padded = seldon_tensor_new_take (dtype, flat_shape, 1, g_bytes_new_take (data, padded_n * item), NULL);
        }
      return seldon_tensor_reshape (padded, shape, error);
    }

  return seldon_tensor_reshape (flat, shape, error);
}

SeldonJson *
seldon_proto_json_make_tensor_proto (SeldonTensor *array,
                                     GError      **error)
{
  g_autoptr(SeldonJson) proto = seldon_json_new_object ();
  SeldonJson *shape = seldon_json_new_object ();
  SeldonDType dtype = seldon_tensor_get_dtype (array);
  guint n_dims = 0;
  const gint64 *dims = seldon_tensor_get_shape (array, &n_dims);
  gsize n = seldon_tensor_get_n_elements (array);
  const char *dtype_name;

  switch (dtype)
    {
    case SELDON_DTYPE_FLOAT64:
      dtype_name = "DT_DOUBLE";
      break;
    case SELDON_DTYPE_FLOAT32:
      dtype_name = "DT_FLOAT";
      break;
    case SELDON_DTYPE_INT64:
      dtype_name = "DT_INT64";
      break;
    case SELDON_DTYPE_INT32:
      dtype_name = "DT_INT32";
      break;
    case SELDON_DTYPE_INT16:
      dtype_name = "DT_INT16";
      break;
    case SELDON_DTYPE_INT8:
      dtype_name = "DT_INT8";
      break;
    case SELDON_DTYPE_UINT64:
      dtype_name = "DT_UINT64";
      break;
    case SELDON_DTYPE_UINT32:
      dtype_name = "DT_UINT32";
      break;
    case SELDON_DTYPE_UINT16:
      dtype_name = "DT_UINT16";
      break;
    case SELDON_DTYPE_UINT8:
      dtype_name = "DT_UINT8";
      break;
    case SELDON_DTYPE_BOOL:
    case SELDON_DTYPE_STRING:
    case SELDON_DTYPE_OBJECT:
    default:
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                           "only numeric arrays are answered as tftensor");
      return NULL;
    }

  seldon_json_object_set (proto, "dtype", seldon_json_new_string (dtype_name));
  if (n_dims > 0)
    {
      SeldonJson *dim_list = seldon_json_new_array ();

      for (guint i = 0; i < n_dims; i++)
        {
          SeldonJson *dim = seldon_json_new_object ();

          if (dims[i] != 0)
            seldon_json_object_set (dim, "size", seldon_json_new_string_take (g_strdup_printf ("%" G_GINT64_FORMAT, dims[i])));
          seldon_json_array_append (dim_list, dim);
        }
      seldon_json_object_set (shape, "dim", dim_list);
    }
  seldon_json_object_set (proto, "tensorShape", shape);

  if (n > 1)
    {
      GBytes *data = seldon_tensor_get_data (array);
      gsize size = 0;
      const guint8 *bytes = g_bytes_get_data (data, &size);
      gsize item = seldon_dtype_get_item_size (dtype);
      g_autofree guint8 *le = g_malloc (MAX (size, 1));

      for (gsize i = 0; i < n; i++)
        for (gsize b = 0; b < item; b++)
          le[i * item + b] = G_BYTE_ORDER == G_LITTLE_ENDIAN ? bytes[i * item + b]
                                                             : bytes[i * item + item - 1 - b];
      seldon_json_object_set (proto, "tensorContent", seldon_json_new_string_take (g_base64_encode (le, size)));
    }
  else if (n == 1)
    {
      SeldonJson *list = seldon_json_new_array ();
      g_autoptr(SeldonJson) element = seldon_tensor_dup_element_json (array, 0);
      const char *field;

      switch (dtype)
        {
        case SELDON_DTYPE_FLOAT64:
          field = "doubleVal";
          seldon_json_array_append (list, canonical_double (seldon_json_get_double (element)));
          break;
        case SELDON_DTYPE_FLOAT32:
          {
            float f = (float) seldon_json_get_double (element);

            field = "floatVal";
            seldon_json_array_append (list, isfinite (f) ? seldon_json_new_double (to_shortest_float (f))
                                                          : canonical_double (f));
          }
          break;
        case SELDON_DTYPE_INT64:
          field = "int64Val";
          seldon_json_array_append (list, seldon_json_new_string_take (
                                      g_strdup_printf ("%" G_GINT64_FORMAT, seldon_json_get_int (element))));
          break;
        case SELDON_DTYPE_UINT64:
          {
            guint64 u = 0;

            field = "uint64Val";
            seldon_json_get_uint64 (element, &u);
            seldon_json_array_append (list, seldon_json_new_string_take (g_strdup_printf ("%" G_GUINT64_FORMAT, u)));
          }
          break;
        case SELDON_DTYPE_UINT32:
          field = "uint32Val";
          seldon_json_array_append (list, seldon_json_ref (element));
          break;
        case SELDON_DTYPE_INT32:
        case SELDON_DTYPE_INT16:
        case SELDON_DTYPE_INT8:
        case SELDON_DTYPE_UINT16:
        case SELDON_DTYPE_UINT8:
        case SELDON_DTYPE_BOOL:
        case SELDON_DTYPE_STRING:
        case SELDON_DTYPE_OBJECT:
        default:
          field = "intVal";
          seldon_json_array_append (list, seldon_json_ref (element));
          break;
        }
      seldon_json_object_set (proto, field, list);
    }

  return g_steal_pointer (&proto);
}
