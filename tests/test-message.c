/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * SeldonTensor, SeldonMessage and the codecs: numpy's conversion rules, the REST payload
 * decoding/encoding (rest-api.md §5-§6) and the strict proto3 JSON parsing of feedback
 * (§4.2, §9.6). Expected values were produced with numpy 1.24 and python protobuf 3.21
 * (json_format) on Debian 12, the versions the specification was established with.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "seldon-codec-private.h"
#include "seldon-enums.h"
#include "seldon-error.h"
#include "seldon-json-private.h"
#include "seldon-message-private.h"
#include "seldon-proto-json-private.h"
#include "seldon-tensor-private.h"

static SeldonJson *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  SeldonJson *value = seldon_json_parse (text, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (value);
  return value;
}

static char *
wire (const SeldonJson *value)
{
  return seldon_json_to_string (value, SELDON_JSON_WRITE_WIRE);
}

static char *
shape_text (SeldonTensor *tensor)
{
  guint n_dims = 0;
  const gint64 *shape = seldon_tensor_get_shape (tensor, &n_dims);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < n_dims; i++)
    g_string_append_printf (out, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "", shape[i]);
  return g_string_free (out, FALSE);
}

static const char *
dtype_name (SeldonDType dtype)
{
  GEnumClass *klass = g_type_class_ref (SELDON_TYPE_DTYPE);
  const char *name = g_enum_get_value (klass, dtype)->value_name;

  g_type_class_unref (klass);
  return name;
}

/* ------------------------------------------------------------------------------------------ */
/* numpy's np.array() of nested lists */

typedef struct
{
  const char *input;
  const char *dtype;
  const char *shape;
  const char *tolist;
  const char *error;
} ConversionCase;

static const ConversionCase conversion_cases[] = {
  { "[1,2,3]", "SELDON_DTYPE_INT64", "3", "[1,2,3]", NULL },
  { "[[1,2],[3,4]]", "SELDON_DTYPE_INT64", "2,2", "[[1,2],[3,4]]", NULL },
  { "[1,2.5]", "SELDON_DTYPE_FLOAT64", "2", "[1.0,2.5]", NULL },
  { "[true,false]", "SELDON_DTYPE_BOOL", "2", "[true,false]", NULL },
  { "[true,2]", "SELDON_DTYPE_INT64", "2", "[1,2]", NULL },
  { "[true,2.5]", "SELDON_DTYPE_FLOAT64", "2", "[1.0,2.5]", NULL },
  { "[\"a\",\"b\"]", "SELDON_DTYPE_STRING", "2", "[\"a\",\"b\"]", NULL },
  { "[\"a\",1,2.5,true]", "SELDON_DTYPE_STRING", "4", "[\"a\",\"1\",\"2.5\",\"True\"]", NULL },
  { "[1,null]", "SELDON_DTYPE_OBJECT", "2", "[1,null]", NULL },
  { "[{\"a\":1},2]", "SELDON_DTYPE_OBJECT", "2", "[{\"a\":1},2]", NULL },
  { "[9223372036854775808]", "SELDON_DTYPE_UINT64", "1", "[9223372036854775808]", NULL },
  { "[1,9223372036854775808]", "SELDON_DTYPE_FLOAT64", "2", "[1.0,9.223372036854776e+18]", NULL },
  { "[true,9223372036854775808]", "SELDON_DTYPE_UINT64", "2", "[1,9223372036854775808]", NULL },
  { "[18446744073709551616]", "SELDON_DTYPE_OBJECT", "1", "[18446744073709551616]", NULL },
  { "[]", "SELDON_DTYPE_FLOAT64", "0", "[]", NULL },
  { "[[]]", "SELDON_DTYPE_FLOAT64", "1,0", "[[]]", NULL },
  { "[[],[]]", "SELDON_DTYPE_FLOAT64", "2,0", "[[],[]]", NULL },
  { "5", "SELDON_DTYPE_INT64", "", "5", NULL },
  { "\"x\"", "SELDON_DTYPE_STRING", "", "\"x\"", NULL },
  { "null", "SELDON_DTYPE_OBJECT", "", "null", NULL },
  { "{\"a\":1}", "SELDON_DTYPE_OBJECT", "", "{\"a\":1}", NULL },
  { "true", "SELDON_DTYPE_BOOL", "", "true", NULL },
  { "2.5", "SELDON_DTYPE_FLOAT64", "", "2.5", NULL },
  { "[[1],[2,3]]", NULL, NULL, NULL, "setting an array element with a sequence. The requested array has an inhomogeneous shape after 1 dimensions. The detected shape was (2,) + inhomogeneous part." },
  { "[[1],2]", NULL, NULL, NULL, "setting an array element with a sequence. The requested array has an inhomogeneous shape after 1 dimensions. The detected shape was (2,) + inhomogeneous part." },
  { "[1,[2]]", NULL, NULL, NULL, "setting an array element with a sequence. The requested array has an inhomogeneous shape after 1 dimensions. The detected shape was (2,) + inhomogeneous part." },
  { "[[[1,2]],[[1]]]", NULL, NULL, NULL, "setting an array element with a sequence. The requested array has an inhomogeneous shape after 2 dimensions. The detected shape was (2, 1) + inhomogeneous part." },
  { "[[1,2],[1,[2,3]]]", NULL, NULL, NULL, "setting an array element with a sequence. The requested array has an inhomogeneous shape after 2 dimensions. The detected shape was (2, 2) + inhomogeneous part." },
  { "[[[1],[2]],[[3],[4,5]]]", NULL, NULL, NULL, "setting an array element with a sequence. The requested array has an inhomogeneous shape after 2 dimensions. The detected shape was (2, 2) + inhomogeneous part." },
  { "[[], [1]]", NULL, NULL, NULL, "setting an array element with a sequence. The requested array has an inhomogeneous shape after 1 dimensions. The detected shape was (2,) + inhomogeneous part." },
  { "[\"a\",1e-7,2e20,-0.0]", "SELDON_DTYPE_STRING", "4", "[\"a\",\"1e-07\",\"2e+20\",\"-0.0\"]", NULL },
  { "[\"a\",NaN,Infinity]", "SELDON_DTYPE_STRING", "3", "[\"a\",\"nan\",\"inf\"]", NULL },
  { "[NaN, 1]", "SELDON_DTYPE_FLOAT64", "2", "[NaN,1.0]", NULL },
  { "[-9223372036854775808]", "SELDON_DTYPE_INT64", "1", "[-9223372036854775808]", NULL },
  { "[-9223372036854775809]", "SELDON_DTYPE_OBJECT", "1", "[-9223372036854775809]", NULL },
  { "[[true],[false]]", "SELDON_DTYPE_BOOL", "2,1", "[[true],[false]]", NULL },
  { "[[\"a\"],[\"bc\"]]", "SELDON_DTYPE_STRING", "2,1", "[[\"a\"],[\"bc\"]]", NULL },
  { "[1e308, 1]", "SELDON_DTYPE_FLOAT64", "2", "[1e+308,1.0]", NULL },
  { "[[[]]]", "SELDON_DTYPE_FLOAT64", "1,1,0", "[[[]]]", NULL },
  { "[[1,2],[3,4],[5,6]]", "SELDON_DTYPE_INT64", "3,2", "[[1,2],[3,4],[5,6]]", NULL },
  { "[\"\\u00e9\", 1]", "SELDON_DTYPE_STRING", "2", "[\"\\u00e9\",\"1\"]", NULL },
};

static void
test_tensor_conversion (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (conversion_cases); i++)
    {
      const ConversionCase *c = &conversion_cases[i];
      g_autoptr(SeldonJson) input = parse (c->input);
      g_autoptr(GError) error = NULL;
      g_autoptr(SeldonTensor) tensor = seldon_tensor_new_from_seldon_json (input, &error);

      g_test_message ("np.array(%s)", c->input);
      if (c->error != NULL)
        {
          g_assert_error (error, SELDON_ERROR, SELDON_ERROR_FAILED);
          g_assert_cmpstr (error->message, ==, c->error);
          g_assert_null (tensor);
        }
      else
        {
          g_autoptr(SeldonJson) list = NULL;
          g_autofree char *list_text = NULL;
          g_autofree char *shape = NULL;

          g_assert_no_error (error);
          g_assert_cmpstr (dtype_name (seldon_tensor_get_dtype (tensor)), ==, c->dtype);
          shape = shape_text (tensor);
          g_assert_cmpstr (shape, ==, c->shape);
          list = seldon_tensor_to_seldon_json (tensor);
          list_text = wire (list);
          g_assert_cmpstr (list_text, ==, c->tolist);
        }
    }
}

static void
test_tensor_too_deep (void)
{
  GString *text = g_string_new (NULL);
  g_autoptr(SeldonJson) input = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SeldonTensor) tensor = NULL;

  for (int i = 0; i < 34; i++)
    g_string_append_c (text, '[');
  g_string_append_c (text, '1');
  for (int i = 0; i < 34; i++)
    g_string_append_c (text, ']');
  input = parse (text->str);
  g_string_free (text, TRUE);

  tensor = seldon_tensor_new_from_seldon_json (input, &error);
  g_assert_null (tensor);
  g_assert_error (error, SELDON_ERROR, SELDON_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "setting an array element with a sequence. The requested array would exceed the maximum "
                   "number of dimension of 32.");
}

/* ------------------------------------------------------------------------------------------ */
/* numpy's reshape */

typedef struct
{
  const char *values;
  const char *shape;
  const char *result_shape;
  const char *error;
} ReshapeCase;

static const ReshapeCase reshape_cases[] = {
  { "[1,2]", "[3]", NULL, "cannot reshape array of size 2 into shape (3,)" },
  { "[1,2]", "[2,3]", NULL, "cannot reshape array of size 2 into shape (2,3)" },
  { "[1,2]", "[-1,3]", NULL, "cannot reshape array of size 2 into shape (3)" },
  { "[1,2,3,4,5]", "[2,-1]", NULL, "cannot reshape array of size 5 into shape (2,newaxis)" },
  { "[1,2]", "[-1,-1]", NULL, "can only specify one unknown dimension" },
  { "[1,2]", "[-2,-1]", NULL, "can only specify one unknown dimension" },
  { "[1,2]", "[-2]", "2", NULL },
  { "[1,2]", "[-1]", "2", NULL },
  { "[1]", "[]", "", NULL },
  { "[1,2]", "[]", NULL, "cannot reshape array of size 2 into shape ()" },
  { "[1,2]", "3", NULL, "cannot reshape array of size 2 into shape (3,)" },
  { "[1,2]", "2", "2", NULL },
  { "[1,2]", "-1", "2", NULL },
  { "[[1],[2]]", "null", "2,1", NULL },
  { "[1,2]", "\"ab\"", NULL, "'str' object cannot be interpreted as an integer" },
  { "[1,2]", "[1.5]", NULL, "'float' object cannot be interpreted as an integer" },
  { "[1,2]", "[2.0]", NULL, "'float' object cannot be interpreted as an integer" },
  { "[1,2]", "[true,2]", NULL, "an integer is required" },
  { "[1,2]", "{\"a\":1}", NULL, "expected a sequence of integers or a single integer, got '{'a': 1}'" },
  { "[1,2]", "[[2]]", NULL, "'list' object cannot be interpreted as an integer" },
  { "[1,2]", "[null]", NULL, "'NoneType' object cannot be interpreted as an integer" },
  { "[1,2]", "1.5", NULL, "expected a sequence of integers or a single integer, got '1.5'" },
  { "[1,2]", "true", NULL, "expected a sequence of integers or a single integer, got 'True'" },
  { "5", "[1]", "1", NULL },
  { "[1,2]", "[1180591620717411303424]", NULL, "Maximum allowed dimension exceeded" },
  { "[1,2]", "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]", NULL,
    "maximum supported dimension for an ndarray is 32, found 33" },
  { "[]", "[0,-1]", NULL, "cannot reshape array of size 0 into shape (0,newaxis)" },
  { "[]", "[2,0]", "2,0", NULL },
  { "[1,2]", "[0,-1]", NULL, "cannot reshape array of size 2 into shape (0,newaxis)" },
  { "[[1,2]]", "[2]", "2", NULL },
  { "[1,2]", "[-3,2]", "1,2", NULL },
  { "[1,2]", "[2,1,-1]", "2,1,1", NULL },
  { "[1,2]", "[3,5000000000]", NULL, "cannot reshape array of size 2 into shape (3,5000000000)" },
  { "[1,2]", "[4611686018427387904,4]", NULL, "cannot reshape array of size 2 into shape (4611686018427387904,4)" },
};

static void
test_tensor_reshape (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (reshape_cases); i++)
    {
      const ReshapeCase *c = &reshape_cases[i];
      g_autoptr(SeldonJson) values = parse (c->values);
      g_autoptr(SeldonJson) shape = parse (c->shape);
      g_autoptr(GError) error = NULL;
      g_autoptr(SeldonTensor) flat = seldon_tensor_new_from_seldon_json (values, &error);
      g_autoptr(SeldonTensor) tensor = NULL;

      g_test_message ("np.array(%s).reshape(%s)", c->values, c->shape);
      g_assert_no_error (error);
      tensor = seldon_tensor_reshape (flat, shape, &error);
      if (c->error != NULL)
        {
          g_assert_null (tensor);
          g_assert_error (error, SELDON_ERROR, SELDON_ERROR_FAILED);
          g_assert_cmpstr (error->message, ==, c->error);
        }
      else
        {
          g_autofree char *text = NULL;

          g_assert_no_error (error);
          text = shape_text (tensor);
          g_assert_cmpstr (text, ==, c->result_shape);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* the public tensor API */

static void
test_tensor_api (void)
{
  g_autoptr(GError) error = NULL;
  double doubles[] = { 1.5, -2.0, 0.1 };
  gint64 ints[] = { 1, 2, 3, 4 };
  gint64 shape22[] = { 2, 2 };
  gint64 shape3[] = { 3 };
  gint64 negative[] = { -1 };
  const char * const strings[] = { "a", "\xc3\xa9" };
  guint8 bools[] = { 0, 7 };
  g_autoptr(GBytes) bool_data = g_bytes_new (bools, sizeof bools);
  g_autoptr(GBytes) short_data = g_bytes_new (bools, 1);
  g_autoptr(GBytes) string_data = g_bytes_new ("ab\0c\0", 5);
  g_autoptr(GBytes) object_data = g_bytes_new_static ("[1,{\"a\":null},\"s\"]", 18);
  g_autoptr(SeldonTensor) t = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autofree double *copy = NULL;
  gsize n = 0;
  guint n_dims = 0;

  t = seldon_tensor_new_from_doubles (doubles, 3, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (seldon_tensor_get_dtype (t), ==, SELDON_DTYPE_FLOAT64);
  g_assert_true (seldon_tensor_is_numeric (t));
  g_assert_cmpuint (seldon_tensor_get_n_dims (t), ==, 1);
  g_assert_cmpuint (seldon_tensor_get_n_elements (t), ==, 3);
  g_assert_cmpint (seldon_tensor_get_shape (t, &n_dims)[0], ==, 3);
  g_assert_cmpuint (g_bytes_get_size (seldon_tensor_get_data (t)), ==, 24);
  node = seldon_tensor_to_json (t);
  text = json_to_string (node, FALSE);
  g_assert_cmpstr (text, ==, "[1.5,-2.0,0.10000000000000001]");
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&text, g_free);
  g_clear_object (&t);

  t = seldon_tensor_new_from_int64s (ints, 4, shape22, 2, &error);
  g_assert_no_error (error);
  copy = seldon_tensor_dup_doubles (t, &n);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpfloat (copy[3], ==, 4.0);
  node = seldon_tensor_dup_element (t, 2);
  g_assert_cmpint (json_node_get_int (node), ==, 3);
  g_clear_pointer (&node, json_node_unref);
  g_clear_object (&t);

  t = seldon_tensor_new_from_int64s (ints, 4, shape3, 1, &error);
  g_assert_error (error, SELDON_ERROR, SELDON_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "cannot reshape array of size 4 into shape (3,)");
  g_assert_null (t);
  g_clear_error (&error);

  t = seldon_tensor_new_from_int64s (ints, 4, negative, 1, &error);
  g_assert_error (error, SELDON_ERROR, SELDON_ERROR_FAILED);
  g_assert_null (t);
  g_clear_error (&error);

  t = seldon_tensor_new_from_strings (strings, 2, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (seldon_tensor_get_dtype (t), ==, SELDON_DTYPE_STRING);
  g_assert_false (seldon_tensor_is_numeric (t));
  g_assert_cmpstr (seldon_tensor_get_string (t, 1), ==, "\xc3\xa9");
  g_assert_null (seldon_tensor_get_data (t));
  g_assert_null (seldon_tensor_dup_doubles (t, NULL));
  g_clear_object (&t);

  t = seldon_tensor_new (SELDON_DTYPE_BOOL, NULL, 0, short_data, &error);
  g_assert_no_error (error);
  node = seldon_tensor_to_json (t);
  g_assert_false (json_node_get_boolean (node));
  g_clear_pointer (&node, json_node_unref);
  g_clear_object (&t);

  t = seldon_tensor_new (SELDON_DTYPE_BOOL, shape3, 1, bool_data, &error);
  g_assert_error (error, SELDON_ERROR, SELDON_ERROR_FAILED);
  g_assert_null (t);
  g_clear_error (&error);

  t = seldon_tensor_new (SELDON_DTYPE_BOOL, NULL, 0, bool_data, &error);
  g_assert_error (error, SELDON_ERROR, SELDON_ERROR_FAILED);
  g_clear_error (&error);

  {
    gint64 two[] = { 2 };

    t = seldon_tensor_new (SELDON_DTYPE_BOOL, two, 1, bool_data, &error);
    g_assert_no_error (error);
    node = seldon_tensor_to_json (t);
    text = json_to_string (node, FALSE);
    g_assert_cmpstr (text, ==, "[false,true]");
    g_clear_pointer (&node, json_node_unref);
    g_clear_pointer (&text, g_free);
    g_clear_object (&t);

    t = seldon_tensor_new (SELDON_DTYPE_STRING, two, 1, string_data, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (seldon_tensor_get_string (t, 0), ==, "ab");
    g_assert_cmpstr (seldon_tensor_get_string (t, 1), ==, "c");
    g_clear_object (&t);
  }

  t = seldon_tensor_new (SELDON_DTYPE_OBJECT, shape3, 1, object_data, &error);
  g_assert_no_error (error);
  node = seldon_tensor_to_json (t);
  text = json_to_string (node, FALSE);
  g_assert_cmpstr (text, ==, "[1,{\"a\":null},\"s\"]");
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&text, g_free);
  g_clear_object (&t);

  node = json_from_string ("[[1,2],[3,4.5]]", &error);
  g_assert_no_error (error);
  t = seldon_tensor_new_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_cmpint (seldon_tensor_get_dtype (t), ==, SELDON_DTYPE_FLOAT64);
  g_clear_pointer (&node, json_node_unref);
  g_clear_object (&t);
}

static void
test_tensor_python_str (void)
{
  float f = 0.1f;
  double d = 1.0;
  gint64 shape2[] = { 2 };
  double pair[] = { 1.5, 2.0 };
  g_autoptr(GBytes) fdata = g_bytes_new (&f, sizeof f);
  g_autoptr(GBytes) ddata = g_bytes_new (&d, sizeof d);
  g_autoptr(GError) error = NULL;
  g_autoptr(SeldonTensor) f32 = seldon_tensor_new (SELDON_DTYPE_FLOAT32, NULL, 0, fdata, &error);
  g_autoptr(SeldonTensor) f64 = seldon_tensor_new (SELDON_DTYPE_FLOAT64, NULL, 0, ddata, &error);
  g_autoptr(SeldonTensor) vec = seldon_tensor_new_from_doubles (pair, 2, shape2, 1, &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  seldon_tensor_append_python_str (out, f32);
  g_assert_cmpstr (out->str, ==, "0.1");
  g_string_truncate (out, 0);
  seldon_tensor_append_python_str (out, f64);
  g_assert_cmpstr (out->str, ==, "1.0");
  g_string_truncate (out, 0);
  seldon_tensor_append_python_str (out, vec);
  g_assert_cmpstr (out->str, ==, "[1.5 2.0]");
  g_string_free (out, TRUE);
}

/* ------------------------------------------------------------------------------------------ */
/* base64 with Python's rules */

typedef struct
{
  const char *input;      /* JSON */
  const char *decoded;    /* hex of the bytes */
  const char *error;
} Base64Case;

static const Base64Case base64_cases[] = {
  { "\"MTIz\"", "313233", NULL },
  { "\"MT=Iz\"", "313233", NULL },
  { "\"M T I z\"", "313233", NULL },
  { "\"****\"", "", NULL },
  { "\"ab==cd\"", "69", NULL },
  { "\"abc=d\"", "69b7", NULL },
  { "\"\"", "", NULL },
  { "\"=\"", "", NULL },
  { "\"abcd=\"", "69b71d", NULL },
  { "\"ab\\u0000cd\"", "69b71d", NULL },
  { "\"abcde\"", NULL, "Invalid base64-encoded string: number of data characters (5) cannot be 1 more than a multiple of 4" },
  { "\"a\"", NULL, "Invalid base64-encoded string: number of data characters (1) cannot be 1 more than a multiple of 4" },
  { "\"a===\"", NULL, "Invalid base64-encoded string: number of data characters (1) cannot be 1 more than a multiple of 4" },
  { "\"ab\"", NULL, "Incorrect padding" },
  { "\"ab=\"", NULL, "Incorrect padding" },
  { "\"abc\"", NULL, "Incorrect padding" },
  { "\"\\u00e9\"", NULL, "string argument should contain only ASCII characters" },
  { "5", NULL, "argument should be a bytes-like object or ASCII string, not 'int'" },
  { "null", NULL, "argument should be a bytes-like object or ASCII string, not 'NoneType'" },
  { "[1]", NULL, "argument should be a bytes-like object or ASCII string, not 'list'" },
  { "{\"a\":1}", NULL, "argument should be a bytes-like object or ASCII string, not 'dict'" },
  { "1.5", NULL, "argument should be a bytes-like object or ASCII string, not 'float'" },
  { "true", NULL, "argument should be a bytes-like object or ASCII string, not 'bool'" },
};

static void
test_base64 (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (base64_cases); i++)
    {
      const Base64Case *c = &base64_cases[i];
      g_autoptr(SeldonJson) input = parse (c->input);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = seldon_codec_b64decode (input, &error);

      g_test_message ("b64decode(%s)", c->input);
      if (c->error != NULL)
        {
          g_assert_null (bytes);
          g_assert_error (error, SELDON_ERROR, SELDON_ERROR_FAILED);
          g_assert_cmpstr (error->message, ==, c->error);
        }
      else
        {
          gsize size = 0;
          const guint8 *data;
          GString *hex = g_string_new (NULL);

          g_assert_no_error (error);
          data = g_bytes_get_data (bytes, &size);
          for (gsize j = 0; j < size; j++)
            g_string_append_printf (hex, "%02x", data[j]);
          g_assert_cmpstr (hex->str, ==, c->decoded);
          g_string_free (hex, TRUE);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* REST decoding and encoding of every payload kind */

typedef struct
{
  const char *request;
  SeldonPayloadKind kind;
  SeldonDataKind data_kind;
  const char *encoded;   /* seldon_message_to_json() */
} PayloadCase;

static const PayloadCase payload_cases[] = {
  { "{\"data\":{\"names\":[\"a\",\"b\"],\"ndarray\":[[1,2]]}}", SELDON_PAYLOAD_TENSOR, SELDON_DATA_KIND_NDARRAY,
    "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[1,2]]},\"meta\":{}}" },
  { "{\"data\":{\"tensor\":{\"shape\":[2,1],\"values\":[1.5,2]}}}", SELDON_PAYLOAD_TENSOR, SELDON_DATA_KIND_TENSOR,
    "{\"data\":{\"names\":[\"t:0\"],\"tensor\":{\"shape\":[2,1],\"values\":[1.5,2.0]}},\"meta\":{}}" },
  { "{\"data\":{}}", SELDON_PAYLOAD_TENSOR, SELDON_DATA_KIND_EMPTY,
    "{\"data\":{\"names\":[],\"ndarray\":[]},\"meta\":{}}" },
  { "{\"data\":{\"ndarray\":[\"x\",null]}}", SELDON_PAYLOAD_TENSOR, SELDON_DATA_KIND_NDARRAY,
    "{\"data\":{\"names\":[],\"ndarray\":[\"x\",null]},\"meta\":{}}" },
  { "{\"strData\":\"hello \\u00e9\"}", SELDON_PAYLOAD_STRING, SELDON_DATA_KIND_NONE,
    "{\"meta\":{},\"strData\":\"hello \\u00e9\"}" },
  { "{\"binData\":\"AAE=\"}", SELDON_PAYLOAD_BYTES, SELDON_DATA_KIND_NONE, "{\"binData\":\"AAE=\",\"meta\":{}}" },
  { "{\"binData\":\"A A\\nE=\"}", SELDON_PAYLOAD_BYTES, SELDON_DATA_KIND_NONE, "{\"binData\":\"AAE=\",\"meta\":{}}" },
  { "{\"jsonData\":{\"z\":1,\"a\":[true,null]}}", SELDON_PAYLOAD_JSON, SELDON_DATA_KIND_NONE,
    "{\"jsonData\":{\"a\":[true,null],\"z\":1},\"meta\":{}}" },
  { "{\"jsonData\":[1,2]}", SELDON_PAYLOAD_JSON, SELDON_DATA_KIND_NONE,
    "{\"data\":{\"names\":[],\"tensor\":{\"shape\":[2],\"values\":[1,2]}},\"meta\":{}}" },
  { "{\"meta\":{\"puid\":\"p\",\"tags\":{\"a\":1}},\"strData\":\"s\"}", SELDON_PAYLOAD_STRING, SELDON_DATA_KIND_NONE,
    "{\"meta\":{\"puid\":\"p\",\"tags\":{\"a\":1}},\"strData\":\"s\"}" },
};

static void
test_payload_codec (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (payload_cases); i++)
    {
      const PayloadCase *c = &payload_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(SeldonMessage) message = seldon_message_new_from_json (c->request, -1, &error);
      g_autofree char *encoded = NULL;

      g_test_message ("%s", c->request);
      g_assert_no_error (error);
      g_assert_cmpint (seldon_message_get_payload_kind (message), ==, c->kind);
      g_assert_cmpint (seldon_message_get_data_kind (message), ==, c->data_kind);
      encoded = seldon_message_to_json (message);
      g_assert_cmpstr (encoded, ==, c->encoded);
    }
}

static void
test_message_api (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeldonMessage) message = NULL;
  g_autoptr(SeldonMessage) plain = NULL;
  g_autoptr(SeldonTensor) tensor = NULL;
  g_autoptr(JsonNode) meta = NULL;
  g_autoptr(JsonNode) payload = NULL;
  g_autoptr(JsonNode) tag = json_from_string ("\"v\"", NULL);
  g_autoptr(GBytes) bytes = g_bytes_new_static ("\x00\x01", 2);
  g_autofree char *text = NULL;
  const char * const *names;
  const char * const new_names[] = { "x", NULL };

  message = seldon_message_new_from_json ("{\"data\":{\"names\":[\"a\",1],\"ndarray\":[[1,2]]},\"meta\":{\"puid\":\"id\"}}",
                                          -1, &error);
  g_assert_no_error (error);
  names = seldon_message_get_names (message);
  g_assert_cmpstr (names[0], ==, "a");
  g_assert_cmpstr (names[1], ==, "1");
  g_assert_null (names[2]);
  g_assert_cmpstr (seldon_message_get_puid (message), ==, "id");
  meta = seldon_message_dup_meta (message);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (meta));
  g_assert_nonnull (seldon_message_get_tensor (message));
  g_assert_null (seldon_message_get_str_data (message));
  g_assert_null (seldon_message_get_bin_data (message));
  g_assert_null (seldon_message_dup_json_data (message));
  payload = seldon_message_dup_payload (message);
  text = json_to_string (payload, FALSE);
  g_assert_cmpstr (text, ==, "[[1,2]]");
  g_clear_pointer (&text, g_free);
  seldon_message_set_names (message, new_names);
  g_assert_cmpstr (seldon_message_get_names (message)[0], ==, "x");

  /* runtime tags and metrics go into the encoded meta */
  seldon_message_set_tag (message, "t", tag);
  seldon_message_add_metric (message, SELDON_METRIC_GAUGE, "g", 2.5);
  text = seldon_message_to_json (message);
  g_assert_cmpstr (text, ==,
                   "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[1,2]]},\"meta\":{\"metrics\":[{\"key\":\"g\","
                   "\"type\":\"GAUGE\",\"value\":2.5}],\"puid\":\"id\",\"tags\":{\"t\":\"v\"}}}");
  g_clear_pointer (&text, g_free);

  /* errors */
  g_clear_object (&message);
  message = seldon_message_new_from_json ("{\"foo\":1}", -1, &error);
  g_assert_error (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA);
  g_assert_cmpstr (error->message, ==, "Invalid request data type: {'foo': 1}");
  g_clear_error (&error);
  message = seldon_message_new_from_json ("{\"data\":", -1, &error);
  g_assert_error (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA);
  g_clear_error (&error);

  /* constructors */
  plain = seldon_message_new_bytes (bytes);
  g_assert_cmpint (seldon_message_get_payload_kind (plain), ==, SELDON_PAYLOAD_BYTES);
  text = seldon_message_to_json (plain);
  g_assert_cmpstr (text, ==, "{\"binData\":\"AAE=\",\"meta\":{}}");
  g_clear_pointer (&text, g_free);
  g_clear_object (&plain);

  plain = seldon_message_new_string ("s");
  g_assert_cmpstr (seldon_message_get_str_data (plain), ==, "s");
  g_clear_object (&plain);

  plain = seldon_message_new ();
  g_assert_null (seldon_message_to_json (plain));
  g_assert_null (seldon_message_dup_payload (plain));
  seldon_message_set_custom (plain, "type.googleapis.com/x.Y", bytes);
  g_assert_cmpint (seldon_message_get_payload_kind (plain), ==, SELDON_PAYLOAD_CUSTOM);
  g_assert_cmpstr (seldon_message_get_custom_type_url (plain), ==, "type.googleapis.com/x.Y");
  g_assert_true (seldon_message_get_custom_value (plain) == bytes);
  g_clear_object (&plain);

  plain = seldon_message_new_route (-2);
  tensor = seldon_message_dup_tensor (plain, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (seldon_tensor_get_n_dims (tensor), ==, 0);
  g_clear_object (&plain);
  g_clear_object (&tensor);

  {
    g_autoptr(JsonNode) list = json_from_string ("[[1,2],[3]]", NULL);

    plain = seldon_message_new_list (list);
    tensor = seldon_message_dup_tensor (plain, &error);
    g_assert_error (error, SELDON_ERROR, SELDON_ERROR_FAILED);
    g_assert_null (tensor);
    g_clear_error (&error);
    g_clear_object (&plain);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* strict Feedback parsing (json_format.ParseDict) and its canonical form (MessageToDict) */

typedef struct
{
  const char *input;
  const char *canonical;
  const char *error;
  int status;
} ProtoCase;

static const ProtoCase proto_cases[] = {
  { "{\"reward\":1,\"extra\":1}", NULL, "Invalid JSON: Message type \"seldon.protos.Feedback\" has no field named \"extra\" at \"Feedback\".\n Available Fields(except extensions): \"['request', 'response', 'reward', 'truth']\"", 400 },
  { "{\"request\":{\"data\":{\"ndarray\":5}}}", NULL, "Invalid JSON: Failed to parse request field: ListValue must be in [] which is 5 at Feedback.request.data.ndarray.", 400 },
  { "[1]", NULL, "Invalid JSON: Failed to parse 1 field: expected string or bytes-like object, got 'int'.", 400 },
  { "\"ab\"", NULL, "Invalid JSON: Message type \"seldon.protos.Feedback\" has no field named \"a\" at \"Feedback\".\n Available Fields(except extensions): \"['request', 'response', 'reward', 'truth']\"", 400 },
  { "5", NULL, "'int' object is not iterable", 500 },
  { "[]", "{}", NULL, 0 },
  { "{\"request\":5}", NULL, "Invalid JSON: Failed to parse request field: 'int' object is not iterable.", 400 },
  { "{\"request\":[1]}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse 1 field: expected string or bytes-like object, got 'int'..", 400 },
  { "{\"request\":{\"meta\":{\"tags\":{\"a\":1},\"routing\":{\"x\":3000000000}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse meta field: Failed to parse routing field: Value out of range: 3000000000...", 400 },
  { "{\"reward\":\"0.5\"}", "{\"reward\":0.5}", NULL, 0 },
  { "{\"reward\":\"x\"}", NULL, "Invalid JSON: Failed to parse reward field: Couldn't parse float: x at Feedback.reward.", 400 },
  { "{\"reward\":1e39}", NULL, "Invalid JSON: Failed to parse reward field: Float value too large at Feedback.reward.", 400 },
  { "{\"reward\":\"1e39\"}", "{\"reward\":\"Infinity\"}", NULL, 0 },
  { "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"type\":\"BAD\"}]}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse meta field: Failed to parse metrics field: Failed to parse type field: Invalid enum value BAD for enum type seldon.protos.Metric.MetricType at Feedback.request.meta.metrics[0].type....", 400 },
  { "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"type\":1.5,\"value\":0.1}]}}}", "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"type\":\"GAUGE\",\"value\":0.1}]}}}", NULL, 0 },
  { "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"type\":\"7\",\"value\":0.7}]}}}", "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"type\":7,\"value\":0.7}]}}}", NULL, 0 },
  { "{\"request\":{\"strData\":\"x\",\"binData\":\"\"}}", NULL, "Invalid JSON: Failed to parse request field: Message type \"seldon.protos.SeldonMessage\" should not have multiple \"data_oneof\" oneof fields at \"Feedback.request\"..", 400 },
  { "{\"request\":{\"strData\":null,\"binData\":\"\"}}", "{\"request\":{\"binData\":\"\"}}", NULL, 0 },
  { "{\"request\":{\"data\":{\"tensor\":{\"shape\":[1.0,2],\"values\":[1,2]}}}}", "{\"request\":{\"data\":{\"tensor\":{\"shape\":[1,2],\"values\":[1.0,2.0]}}}}", NULL, 0 },
  { "{\"request\":{\"data\":{\"tensor\":{\"shape\":[1.5]}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse shape field: Couldn't parse integer: 1.5 at Feedback.request.data.tensor.shape[0]..", 400 },
  { "{\"truth\":{\"binData\":\"abcde\"}}", NULL, "Invalid JSON: Failed to parse truth field: Failed to parse binData field: Invalid base64-encoded string: number of data characters (5) cannot be 1 more than a multiple of 4..", 400 },
  { "{\"truth\":{\"jsonData\":{\"a\":[1,NaN,{\"b\":true}]}}}", "{\"truth\":{\"jsonData\":{\"a\":[1.0,\"NaN\",{\"b\":true}]}}}", NULL, 0 },
  { "{\"request\":{\"customData\":{\"a\":1}}}", NULL, "Invalid JSON: Failed to parse request field: @type is missing when parsing any message at Feedback.request.customData.", 400 },
  { "{\"request\":{\"customData\":{}}}", "{\"request\":{\"customData\":{}}}", NULL, 0 },
  { "{\"request\":{\"customData\":{\"@type\":\"x/y.Z\"}}}", NULL, "Invalid JSON: Failed to parse request field: Can not find message descriptor by type_url: x/y.Z at Feedback.request.customData.", 400 },
  { "{\"request\":{\"data\":{\"ndarray\":[[1,2]],\"names\":[\"a\",null]}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse names field: null is not allowed to be used as an element in a repeated field at Feedback.request.data.names[1]..", 400 },
  { "{\"request\":{\"data\":{\"names\":\"a\"}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse names field: repeated field names must be in [] which is a at Feedback.request.data..", 400 },
  { "{\"[a.b]\":1}", NULL, "Invalid JSON: Message type seldon.protos.Feedback does not have extensions at Feedback", 400 },
  { "{\"reward\":true}", "{\"reward\":1.0}", NULL, 0 },
  { "{\"request\":{\"status\":{\"code\":\"12\", \"status\":\"FAILURE\"}}}", "{\"request\":{\"status\":{\"code\":12,\"status\":\"FAILURE\"}}}", NULL, 0 },
  { "{\"request\":{\"status\":{\"code\":\" 12\"}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse status field: Failed to parse code field: Couldn't parse integer: \" 12\" at Feedback.request.status.code...", 400 },
  { "{\"request\":{\"status\":{\"code\":true}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse status field: Failed to parse code field: Bool value True is not acceptable for integer field at Feedback.request.status.code...", 400 },
  { "{\"request\":{\"status\":{\"code\":\"1_2\"}}}", "{\"request\":{\"status\":{\"code\":12}}}", NULL, 0 },
  { "{\"request\":{\"meta\":{\"routing\":{\"a\":null}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse meta field: Failed to parse routing field: int() argument must be a string, a bytes-like object or a real number, not 'NoneType'...", 400 },
  { "{\"request\":{\"meta\":{\"requestPath\":{\"a\":5}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse meta field: Failed to parse requestPath field: expected string or bytes-like object, got 'int'...", 400 },
  { "{\"request\":{\"meta\":{\"puid\":5}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse meta field: Failed to parse puid field: expected string or bytes-like object, got 'int'...", 400 },
  { "{\"request\":{\"meta\":{\"metrics\":[null]}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse meta field: Failed to parse metrics field: null is not allowed to be used as an element in a repeated field at Feedback.request.meta.metrics[0]...", 400 },
  { "{\"request\":{\"meta\":{\"metrics\":{}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse meta field: Failed to parse metrics field: repeated field metrics must be in [] which is {} at Feedback.request.meta...", 400 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"dtype\":\"DT_FLOAT\",\"tensorShape\":{\"dim\":[{\"size\":2}]},\"floatVal\":[1.5,0.1]}}}}", "{\"request\":{\"data\":{\"tftensor\":{\"dtype\":\"DT_FLOAT\",\"floatVal\":[1.5,0.1],\"tensorShape\":{\"dim\":[{\"size\":\"2\"}]}}}}}", NULL, 0 },
  { "{\"request\":{\"meta\":{\"metrics\":[{\"value\":0.7,\"type\":\"GAUGE\"}]}}, \"reward\": 0.7}", "{\"request\":{\"meta\":{\"metrics\":[{\"type\":\"GAUGE\",\"value\":0.7}]}},\"reward\":0.7}", NULL, 0 },
  { "{\"request\":{\"status\":{\"code\":1e10}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse status field: Failed to parse code field: Value out of range: 10000000000...", 400 },
  { "{\"request\":{\"status\":{\"code\":\"abc\"}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse status field: Failed to parse code field: invalid literal for int() with base 10: 'abc'...", 400 },
  { "{\"request\":{\"status\":{\"code\":[1]}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse status field: Failed to parse code field: int() argument must be a string, a bytes-like object or a real number, not 'list'...", 400 },
  { "{\"request\":{\"status\":{\"status\":null}}}", "{\"request\":{\"status\":{}}}", NULL, 0 },
  { "{\"request\":{\"status\":{\"status\":[1]}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse status field: Failed to parse status field: int() argument must be a string, a bytes-like object or a real number, not 'list'...", 400 },
  { "{\"request\":{\"status\":{\"status\":99}}}", "{\"request\":{\"status\":{\"status\":99}}}", NULL, 0 },
  { "{\"request\":{\"status\":{\"status\":99999999999}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse status field: Failed to parse status field: Value out of range: 99999999999...", 400 },
  { "{\"request\":{\"meta\":{\"metrics\":[{\"type\":null}]}}}", "{\"request\":{\"meta\":{\"metrics\":[{}]}}}", NULL, 0 },
  { "{\"reward\":null}", "{}", NULL, 0 },
  { "{\"reward\":[1]}", NULL, "Invalid JSON: Failed to parse reward field: float() argument must be a string or a real number, not 'list'.", 400 },
  { "{\"reward\":1e-50}", "{}", NULL, 0 },
  { "{\"reward\":-1e39}", NULL, "Invalid JSON: Failed to parse reward field: Float value too small at Feedback.reward.", 400 },
  { "{\"reward\":123456789012345678901234567890}", "{\"reward\":1.2345679e+29}", NULL, 0 },
  { "{\"request\":{\"data\":{\"tensor\":{\"values\":[1,\"a\"]}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse values field: Couldn't parse float: a at Feedback.request.data.tensor.values[1]..", 400 },
  { "{\"request\":{\"data\":{\"tensor\":{\"values\":[NaN]}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse values field: Couldn't parse NaN, use quoted \"NaN\" instead at Feedback.request.data.tensor.values[0]..", 400 },
  { "{\"request\":{\"data\":{\"tensor\":{\"values\":[\"NaN\", \"-Infinity\", \"1e5\"]}}}}", "{\"request\":{\"data\":{\"tensor\":{\"values\":[\"NaN\",\"-Infinity\",100000.0]}}}}", NULL, 0 },
  { "{\"request\":{\"data\":{\"tensor\":{\"shape\":[\"2\"], \"values\":[]}}}}", "{\"request\":{\"data\":{\"tensor\":{\"shape\":[2]}}}}", NULL, 0 },
  { "{\"request\":{\"data\":{\"tensor\":{\"shape\":2}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse shape field: repeated field shape must be in [] which is 2 at Feedback.request.data.tensor..", 400 },
  { "{\"request\":{\"data\":{\"names\":[1]}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse names field: expected string or bytes-like object, got 'int'..", 400 },
  { "{\"request\":{\"data\":{\"names\":[null]}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse names field: null is not allowed to be used as an element in a repeated field at Feedback.request.data.names[0]..", 400 },
  { "{\"request\":{\"data\":{},\"strData\":\"x\"}}", NULL, "Invalid JSON: Failed to parse request field: Message type \"seldon.protos.SeldonMessage\" should not have multiple \"data_oneof\" oneof fields at \"Feedback.request\"..", 400 },
  { "{\"request\":{\"data\":null,\"strData\":\"x\"}}", "{\"request\":{\"strData\":\"x\"}}", NULL, 0 },
  { "{\"request\":{\"binData\":5}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse binData field: object of type 'int' has no len()..", 400 },
  { "{\"request\":{\"meta\":{\"tags\":{\"a\":123456789012345678901234567890}}}}", "{\"request\":{\"meta\":{\"tags\":{\"a\":1.2345678901234568e+29}}}}", NULL, 0 },
  { "{\"request\":{\"meta\":{\"tags\":5}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse meta field: Failed to parse tags field: Map field tags must be in a dict which is 5 at Feedback.request.meta.tags...", 400 },
  { "{\"request\":{\"jsonData\":5, \"meta\":{\"tags\":{\"z\":1,\"a\":[1,2.5]}}}}", "{\"request\":{\"jsonData\":5.0,\"meta\":{\"tags\":{\"a\":[1.0,2.5],\"z\":1.0}}}}", NULL, 0 },
  { "{\"request\":{\"status\":{\"code\":2147483648}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse status field: Failed to parse code field: Value out of range: 2147483648...", 400 },
  { "{\"request\":{\"status\":{\"code\":-2147483648}}}", "{\"request\":{\"status\":{\"code\":-2147483648}}}", NULL, 0 },
  { "{\"request\":{\"status\":{\"code\":\"0x10\"}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse status field: Failed to parse code field: invalid literal for int() with base 10: '0x10'...", 400 },
  { "{\"request\":{\"status\":{\"code\":\"+5\"}}}", "{\"request\":{\"status\":{\"code\":5}}}", NULL, 0 },
  { "{\"request\":{\"status\":{\"code\":\"5.0\"}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse status field: Failed to parse code field: invalid literal for int() with base 10: '5.0'...", 400 },
  { "{\"request\":{\"status\":{\"code\":5.0}}}", "{\"request\":{\"status\":{\"code\":5}}}", NULL, 0 },
  { "{\"request\":{\"status\":{\"info\":\"\"}}}", "{\"request\":{\"status\":{}}}", NULL, 0 },
  { "{\"request\":{\"jsonData\":null}}", "{\"request\":{\"jsonData\":null}}", NULL, 0 },
  { "{\"request\":{\"jsonData\":{\"a\":null}}}", "{\"request\":{\"jsonData\":{\"a\":null}}}", NULL, 0 },
  { "{\"request\":{\"meta\":{\"tags\":{\"a\":null}}}}", "{\"request\":{\"meta\":{\"tags\":{\"a\":null}}}}", NULL, 0 },
  { "{\"request\":\"ab\"}", NULL, "Invalid JSON: Failed to parse request field: Message type \"seldon.protos.SeldonMessage\" has no field named \"a\" at \"Feedback.request\".\n Available Fields(except extensions): \"['status', 'meta', 'data', 'binData', 'strData', 'jsonData', 'customData']\".", 400 },
  { "{\"request\":\"\"}", "{\"request\":{}}", NULL, 0 },
  { "{\"request\":[\"data\"]}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse data field: list indices must be integers or slices, not str..", 400 },
  { "{\"request\":[null]}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse None field: expected string or bytes-like object, got 'NoneType'..", 400 },
  { "{\"request\":[[1]]}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse [1] field: unhashable type: 'list'..", 400 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"tensor_shape\":{\"dim\":[{\"size\":\"3\"}]},\"tensorShape\":{}}}}}", "{\"request\":{\"data\":{\"tftensor\":{\"tensorShape\":{\"dim\":[{\"size\":\"3\"}]}}}}}", NULL, 0 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"dtype\":\"DT_FLOAT_REF\",\"stringVal\":[\"YWJj\", \"YQ\"]}}}}", "{\"request\":{\"data\":{\"tftensor\":{\"dtype\":\"DT_FLOAT_REF\",\"stringVal\":[\"YWJj\",\"YQ==\"]}}}}", NULL, 0 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"dtype\":1.5}}}}", "{\"request\":{\"data\":{\"tftensor\":{\"dtype\":\"DT_FLOAT\"}}}}", NULL, 0 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"halfVal\":[1],\"int64Val\":[\"5\", 7],\"uint64Val\":[-1]}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse uint64Val field: Value out of range: -1..", 400 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"int64Val\":[\"9223372036854775808\"]}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse int64Val field: Value out of range: 9223372036854775808..", 400 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"boolVal\":[true,1]}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse boolVal field: Expected true or false without quotes at Feedback.request.data.tftensor.boolVal[1]..", 400 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"tensorContent\":\"AAEC-_\"}}}}", "{\"request\":{\"data\":{\"tftensor\":{\"tensorContent\":\"AAEC+w==\"}}}}", NULL, 0 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"tensorContent\":5}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse tensorContent field: object of type 'int' has no len()..", 400 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"tensorContent\":[1]}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse tensorContent field: can only concatenate list (not \"bytes\") to list..", 400 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"tensorContent\":{\"a\":1}}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse tensorContent field: unsupported operand type(s) for +: 'dict' and 'bytes'..", 400 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"tensorContent\":\"a\"}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse tensorContent field: Invalid base64-encoded string: number of data characters (1) cannot be 1 more than a multiple of 4..", 400 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"floatVal\":[0.1, 1e-46, 3.4028235e38, \"Infinity\", \"-inf\", \" 1.5 \", \"1_0\", \"nan\", \"NaN\"]}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse floatVal field: Float value too large at Feedback.request.data.tftensor.floatVal[2]..", 400 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"floatVal\":[3.4028236e38]}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse floatVal field: Float value too large at Feedback.request.data.tftensor.floatVal[0]..", 400 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"doubleVal\":[\"0x10\"]}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse doubleVal field: Couldn't parse float: 0x10 at Feedback.request.data.tftensor.doubleVal[0]..", 400 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"doubleVal\":[123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890]}}}}", NULL, "int too large to convert to float", 500 },
  { "{\"request\":{\"data\":{\"tftensor\":{\"boolVal\":[\"true\"]}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse boolVal field: Expected true or false without quotes at Feedback.request.data.tftensor.boolVal[0]..", 400 },
  { "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"type\":\"GAUGE\",\"value\":\"1\"}]}}}", "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"type\":\"GAUGE\",\"value\":1.0}]}}}", NULL, 0 },
  { "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"type\":[1],\"value\":1}]}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse meta field: Failed to parse metrics field: Failed to parse type field: int() argument must be a string, a bytes-like object or a real number, not 'list'....", 400 },
  { "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"type\":true,\"value\":1}]}}}", "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"type\":\"GAUGE\",\"value\":1.0}]}}}", NULL, 0 },
  { "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"type\":null,\"value\":1}]}}}", "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"value\":1.0}]}}}", NULL, 0 },
  { "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"tags\":{\"x\":\"y\"},\"value\":1}]}}}", "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"tags\":{\"x\":\"y\"},\"value\":1.0}]}}}", NULL, 0 },
  { "{\"request\":{\"meta\":{\"metrics\":[{\"key\":\"a\",\"tags\":{\"x\":null},\"value\":1}]}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse meta field: Failed to parse metrics field: Failed to parse tags field: expected string or bytes-like object, got 'NoneType'....", 400 },
  { "{\"request\":{\"meta\":{\"routing\":{\"a\":1.5}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse meta field: Failed to parse routing field: Couldn't parse integer: 1.5 at Feedback.request.meta.routing[a]...", 400 },
  { "{\"request\":{\"meta\":{\"routing\":{\"a\":\"7\"}}}}", "{\"request\":{\"meta\":{\"routing\":{\"a\":7}}}}", NULL, 0 },
  { "{\"request\":{\"data\":{\"tensor\":{\"shape\":[null]}}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse shape field: null is not allowed to be used as an element in a repeated field at Feedback.request.data.tensor.shape[0]..", 400 },
  { "{\"request\":{\"data\":{\"tensor\":{}}}}", "{\"request\":{\"data\":{\"tensor\":{}}}}", NULL, 0 },
  { "{\"request\":{\"data\":{\"ndarray\":[]}}}", "{\"request\":{\"data\":{\"ndarray\":[]}}}", NULL, 0 },
  { "{\"request\":{\"data\":{\"ndarray\":null}}}", "{\"request\":{\"data\":{}}}", NULL, 0 },
  { "{\"request\":{\"status\":{\"status\":\"1\"}}}", "{\"request\":{\"status\":{\"status\":\"FAILURE\"}}}", NULL, 0 },
  { "{\"request\":{\"status\":{\"status\":1e10}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse status field: Failed to parse status field: Value out of range: 10000000000...", 400 },
  { "{\"request\":{\"status\":{\"status\":NaN}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse status field: Failed to parse status field: Invalid enum value nan for enum type seldon.protos.Status.StatusFlag at Feedback.request.status.status...", 400 },
  { "{\"request\":{\"status\":{\"code\":NaN}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse status field: Failed to parse code field: Couldn't parse integer: nan at Feedback.request.status.code...", 400 },
  { "{\"request\":{\"status\":{\"code\":Infinity}}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse status field: Failed to parse code field: Couldn't parse integer: inf at Feedback.request.status.code...", 400 },
  { "{\"reward\":NaN}", NULL, "Invalid JSON: Failed to parse reward field: Couldn't parse NaN, use quoted \"NaN\" instead at Feedback.reward.", 400 },
  { "{\"reward\":\"NaN\"}", "{\"reward\":\"NaN\"}", NULL, 0 },
  { "{\"reward\":\"-Infinity\"}", "{\"reward\":\"-Infinity\"}", NULL, 0 },
  { "{\"reward\":\"infinity\"}", "{\"reward\":\"Infinity\"}", NULL, 0 },
  { "{\"reward\":0.1}", "{\"reward\":0.1}", NULL, 0 },
  { "{\"reward\":1e10}", "{\"reward\":10000000000.0}", NULL, 0 },
  { "{\"reward\":16777217}", "{\"reward\":16777216.0}", NULL, 0 },
  { "{\"reward\":-0.0}", "{\"reward\":-0.0}", NULL, 0 },
  { "{\"request\":{\"customData\":[]}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse customData field: list indices must be integers or slices, not str..", 400 },
  { "{\"request\":{\"customData\":\"x\"}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse customData field: string indices must be integers, not 'str'..", 400 },
  { "{\"request\":{\"customData\":5}}", NULL, "Invalid JSON: Failed to parse request field: Failed to parse customData field: 'int' object is not subscriptable..", 400 },
  { "{\"request\":{\"customData\":{\"@type\":5}}}", NULL, "'int' object has no attribute 'split'", 500 },
};

static void
test_feedback_parsing (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (proto_cases); i++)
    {
      const ProtoCase *c = &proto_cases[i];
      g_autoptr(SeldonJson) input = parse (c->input);
      g_autoptr(GError) error = NULL;
      g_autoptr(SeldonJson) canonical = NULL;

      g_test_message ("ParseDict(%s)", c->input);
      canonical = seldon_proto_json_parse (SELDON_PROTO_FEEDBACK, input, SELDON_PROTO_JSON_INVALID_JSON, &error);
      if (c->error != NULL)
        {
          int code = c->status == 400 ? SELDON_ERROR_BAD_DATA : SELDON_ERROR_FAILED;

          g_assert_null (canonical);
          g_assert_error (error, SELDON_ERROR, code);
          g_assert_cmpstr (error->message, ==, c->error);
        }
      else
        {
          g_autofree char *text = NULL;

          g_assert_no_error (error);
          text = wire (canonical);
          g_assert_cmpstr (text, ==, c->canonical);
        }
    }
}

static void
test_feedback_decoding (void)
{
  g_autoptr(SeldonJson) input = parse ("{\"request\":{\"data\":{\"names\":[\"a\"],\"tensor\":{\"shape\":[1,2],\"values\":[1,2]}},"
                                       "\"meta\":{\"puid\":\"x\"}},\"truth\":{\"data\":{\"ndarray\":[[1,\"NaN\"]]}},"
                                       "\"response\":{\"meta\":{\"routing\":{\"0\":3,\"other\":1}},\"strData\":\"r\"},"
                                       "\"reward\":0.7}");
  g_autoptr(GError) error = NULL;
  g_autoptr(SeldonJson) canonical = seldon_proto_json_parse (SELDON_PROTO_FEEDBACK, input, SELDON_PROTO_JSON_NONE, &error);
  g_autoptr(SeldonFeedback) feedback = NULL;
  SeldonTensor *features;
  SeldonTensor *truth;
  gint64 routing = 0;

  g_assert_no_error (error);
  feedback = seldon_proto_json_decode_feedback (canonical, NULL, &error);
  g_assert_no_error (error);

  features = seldon_message_get_tensor (seldon_feedback_get_request (feedback));
  g_assert_cmpint (seldon_tensor_get_dtype (features), ==, SELDON_DTYPE_FLOAT64);
  g_assert_cmpuint (seldon_tensor_get_n_dims (features), ==, 2);
  g_assert_cmpstr (seldon_message_get_names (seldon_feedback_get_request (feedback))[0], ==, "a");
  g_assert_cmpstr (seldon_message_get_puid (seldon_feedback_get_request (feedback)), ==, "x");
  /* [[1.0, "NaN"]]: a string array, as numpy makes of the proto's values */
  truth = seldon_message_get_tensor (seldon_feedback_get_truth (feedback));
  g_assert_cmpint (seldon_tensor_get_dtype (truth), ==, SELDON_DTYPE_STRING);
  g_assert_cmpstr (seldon_tensor_get_string (truth, 0), ==, "1.0");
  g_assert_cmpstr (seldon_tensor_get_string (truth, 1), ==, "NaN");
  g_assert_cmpfloat (seldon_feedback_get_reward (feedback), ==, (double) 0.7f);
  g_assert_true (seldon_feedback_get_routing (feedback, &routing));
  g_assert_cmpint (routing, ==, 3);
  g_assert_cmpstr (seldon_message_get_str_data (seldon_feedback_get_response (feedback)), ==, "r");
  g_clear_object (&feedback);

  feedback = seldon_proto_json_decode_feedback (canonical, "other", &error);
  g_assert_no_error (error);
  g_assert_true (seldon_feedback_get_routing (feedback, &routing));
  g_assert_cmpint (routing, ==, 1);
  g_clear_object (&feedback);

  feedback = seldon_proto_json_decode_feedback (canonical, "missing", &error);
  g_assert_no_error (error);
  g_assert_false (seldon_feedback_get_routing (feedback, &routing));
}

/* ------------------------------------------------------------------------------------------ */
/* metric validation (component-contract.md §7.2) */

static void
test_metrics_validation (void)
{
  const char *valid[] = {
    "[]",
    "[{\"type\":\"COUNTER\",\"key\":\"a\",\"value\":1}]",
    "[{\"type\":\"GAUGE\",\"key\":\"a\",\"value\":1.5,\"tags\":{\"x\":\"y\"}}]",
    "[{\"type\":\"TIMER\",\"key\":1,\"value\":true}]",
  };
  const char *invalid[] = {
    "null", "{}", "5", "[1]",
    "[{\"type\":\"COUNTER\",\"key\":\"a\"}]",
    "[{\"type\":\"COUNTER\",\"value\":1}]",
    "[{\"key\":\"a\",\"value\":1}]",
    "[{\"type\":\"counter\",\"key\":\"a\",\"value\":1}]",
    "[{\"type\":\"COUNTER\",\"key\":\"a\",\"value\":\"1\"}]",
    "[{\"type\":\"COUNTER\",\"key\":\"a\",\"value\":null}]",
  };
  g_autoptr(SeldonJson) bad = parse ("[{\"type\": \"BAD\", \"key\": \"k\u00e9\", \"value\": 1}]");
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(SeldonJson) metrics = parse (valid[i]);

      g_assert_true (seldon_codec_metrics_valid (metrics));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(SeldonJson) metrics = parse (invalid[i]);

      g_assert_false (seldon_codec_metrics_valid (metrics));
    }

  seldon_codec_set_bad_metric_error (&error, bad);
  g_assert_error (error, SELDON_ERROR, SELDON_ERROR_BAD_METRIC);
  g_assert_cmpstr (error->message, ==,
                   "Bad metric created during request: [{\"type\": \"BAD\", \"key\": \"k\\u00e9\", \"value\": 1}]");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tensor/conversion", test_tensor_conversion);
  g_test_add_func ("/tensor/too-deep", test_tensor_too_deep);
  g_test_add_func ("/tensor/reshape", test_tensor_reshape);
  g_test_add_func ("/tensor/api", test_tensor_api);
  g_test_add_func ("/tensor/python-str", test_tensor_python_str);
  g_test_add_func ("/codec/base64", test_base64);
  g_test_add_func ("/codec/payloads", test_payload_codec);
  g_test_add_func ("/message/api", test_message_api);
  g_test_add_func ("/feedback/parsing", test_feedback_parsing);
  g_test_add_func ("/feedback/decoding", test_feedback_decoding);
  g_test_add_func ("/metrics/validation", test_metrics_validation);

  return g_test_run ();
}
