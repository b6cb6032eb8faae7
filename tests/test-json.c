/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for SeldonJson: parser, writer (rest-api.md §7.1), Python repr/str, json-glib. */

#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include <gio/gio.h>

#include "seldon-json-private.h"

/* Parses @text (must succeed) and writes it back with @flags. */
static char *
reformat (const char           *text,
          SeldonJsonWriteFlags  flags)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) value = seldon_json_parse (text, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (value);
  return seldon_json_to_string (value, flags);
}

static void
assert_reformat (const char           *text,
                 SeldonJsonWriteFlags  flags,
                 const char           *expected)
{
  g_autofree char *out = reformat (text, flags);

  g_assert_cmpstr (out, ==, expected);
}

static void
assert_parse_fails (const char *text,
                    gssize      length)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) value = seldon_json_parse (text, length, &error);

  g_assert_null (value);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static char *
double_repr (double   value,
             gboolean json_tokens)
{
  GString *out = g_string_new (NULL);

  seldon_json_append_double (out, value, json_tokens);
  return g_string_free (out, FALSE);
}

static void
assert_double (double      value,
               const char *expected)
{
  g_autofree char *out = double_repr (value, TRUE);
  g_autoptr (SeldonJson) v = seldon_json_new_double (value);
  g_autofree char *wire = seldon_json_to_string (v, SELDON_JSON_WRITE_WIRE);

  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpstr (wire, ==, expected);

  /* and it reads back as the very same double */
  if (isfinite (value))
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SeldonJson) back = seldon_json_parse (out, -1, &error);

      g_assert_no_error (error);
      g_assert_cmpint (seldon_json_get_type (back), ==, SELDON_JSON_DOUBLE);
      g_assert_true (memcmp (&value, &(double) { seldon_json_get_double (back) }, sizeof value) == 0);
    }
}

static char *
python_repr_of (const char *json)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) value = seldon_json_parse (json, -1, &error);

  g_assert_no_error (error);
  return seldon_json_to_python_repr (value);
}

static char *
python_str_of (const char *json)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) value = seldon_json_parse (json, -1, &error);

  g_assert_no_error (error);
  return seldon_json_to_python_str (value);
}

/* --------------------------------------------------------------------------------------------- */

static void
test_values_scalars (void)
{
  g_autoptr (SeldonJson) n = seldon_json_new_null ();
  g_autoptr (SeldonJson) b = seldon_json_new_bool (42);
  g_autoptr (SeldonJson) i = seldon_json_new_int (-7);
  g_autoptr (SeldonJson) u = seldon_json_new_uint (G_MAXUINT64);
  g_autoptr (SeldonJson) u_small = seldon_json_new_uint (12);
  g_autoptr (SeldonJson) big = seldon_json_new_bigint ("-123456789012345678901234567890");
  g_autoptr (SeldonJson) not_big = seldon_json_new_bigint ("-9223372036854775808");
  g_autoptr (SeldonJson) d = seldon_json_new_double (2.5);
  g_autoptr (SeldonJson) s = seldon_json_new_string ("héllo");
  g_autoptr (SeldonJson) s_nul = seldon_json_new_string_len ("a\0b", 3);
  g_autoptr (SeldonJson) s_take = seldon_json_new_string_take (g_strdup ("taken"));
  guint64 u64 = 0;

  g_test_summary ("Scalar constructors and getters, including wrong-type getters");

  g_assert_cmpint (seldon_json_get_type (n), ==, SELDON_JSON_NULL);
  g_assert_cmpint (seldon_json_get_type (b), ==, SELDON_JSON_BOOL);
  g_assert_true (seldon_json_get_bool (b));
  g_assert_cmpint (seldon_json_get_int (i), ==, -7);
  g_assert_cmpint (seldon_json_get_type (u), ==, SELDON_JSON_BIGINT);
  g_assert_cmpstr (seldon_json_get_bigint (u), ==, "18446744073709551615");
  g_assert_true (seldon_json_get_uint64 (u, &u64));
  g_assert_cmpuint (u64, ==, G_MAXUINT64);
  g_assert_cmpint (seldon_json_get_type (u_small), ==, SELDON_JSON_INT);
  g_assert_true (seldon_json_get_uint64 (u_small, &u64));
  g_assert_cmpuint (u64, ==, 12);
  g_assert_false (seldon_json_get_uint64 (i, &u64));
  g_assert_false (seldon_json_get_uint64 (big, &u64));
  g_assert_cmpint (seldon_json_get_type (big), ==, SELDON_JSON_BIGINT);
  g_assert_cmpint (seldon_json_get_type (not_big), ==, SELDON_JSON_INT);
  g_assert_cmpint (seldon_json_get_int (not_big), ==, G_MININT64);
  g_assert_cmpfloat (seldon_json_get_double (big), ==, -1.2345678901234568e29);
  g_assert_cmpfloat (seldon_json_get_double (d), ==, 2.5);
  g_assert_cmpfloat (seldon_json_get_double (i), ==, -7.0);
  g_assert_cmpfloat (seldon_json_get_double (b), ==, 1.0);
  g_assert_cmpstr (seldon_json_get_string (s), ==, "héllo");
  g_assert_cmpuint (seldon_json_get_string_length (s), ==, 6);
  g_assert_cmpuint (seldon_json_get_string_length (s_nul), ==, 3);
  g_assert_true (memcmp (seldon_json_get_string (s_nul), "a\0b", 4) == 0);
  g_assert_cmpstr (seldon_json_get_string (s_take), ==, "taken");

  g_assert_true (seldon_json_is_number (i));
  g_assert_true (seldon_json_is_number (big));
  g_assert_true (seldon_json_is_number (d));
  g_assert_false (seldon_json_is_number (b));
  g_assert_true (seldon_json_is_integer (big));
  g_assert_false (seldon_json_is_integer (d));

  /* wrong types */
  g_assert_null (seldon_json_get_string (i));
  g_assert_cmpint (seldon_json_get_int (s), ==, 0);
  g_assert_false (seldon_json_get_bool (i));
  g_assert_null (seldon_json_get_bigint (i));
  g_assert_cmpfloat (seldon_json_get_double (s), ==, 0.0);
  g_assert_cmpuint (seldon_json_array_get_length (s), ==, 0);
  g_assert_cmpuint (seldon_json_object_get_size (s), ==, 0);
  g_assert_null (seldon_json_object_get (s, "x"));

  /* refcounting */
  g_assert_true (seldon_json_ref (s) == s);
  seldon_json_unref (s);
}

static void
test_values_objects (void)
{
  g_autoptr (SeldonJson) obj = seldon_json_new_object ();
  g_autoptr (SeldonJson) other = seldon_json_new_object ();
  g_autofree char *out = NULL;
  guint i;

  g_test_summary ("Objects keep insertion order; set replaces in place; remove; update; "
                  "the hash index beyond 16 members behaves like the linear scan");

  seldon_json_object_set (obj, "b", seldon_json_new_int (1));
  seldon_json_object_set (obj, "a", seldon_json_new_int (2));
  seldon_json_object_set (obj, "b", seldon_json_new_int (3));
  g_assert_cmpuint (seldon_json_object_get_size (obj), ==, 2);
  g_assert_cmpstr (seldon_json_object_get_key_at (obj, 0), ==, "b");
  g_assert_cmpint (seldon_json_get_int (seldon_json_object_get_value_at (obj, 0)), ==, 3);
  g_assert_true (seldon_json_object_has (obj, "a"));
  g_assert_false (seldon_json_object_has (obj, "c"));

  seldon_json_object_set (other, "c", seldon_json_new_int (4));
  seldon_json_object_set (other, "a", seldon_json_new_int (5));
  seldon_json_object_update (obj, other);
  out = seldon_json_to_string (obj, SELDON_JSON_WRITE_DEFAULT);
  g_assert_cmpstr (out, ==, "{\"b\":3,\"a\":5,\"c\":4}");
  g_clear_pointer (&out, g_free);

  g_assert_true (seldon_json_object_remove (obj, "b"));
  g_assert_false (seldon_json_object_remove (obj, "b"));
  out = seldon_json_to_string (obj, SELDON_JSON_WRITE_DEFAULT);
  g_assert_cmpstr (out, ==, "{\"a\":5,\"c\":4}");
  g_clear_pointer (&out, g_free);

  /* Grow well beyond the index threshold, with replacements and removals on the way. */
  for (i = 0; i < 1000; i++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", i);

      seldon_json_object_set (obj, key, seldon_json_new_int (i));
    }
  for (i = 0; i < 1000; i += 2)
    {
      g_autofree char *key = g_strdup_printf ("k%u", i);

      seldon_json_object_set (obj, key, seldon_json_new_int (-(gint64) i));
    }
  for (i = 0; i < 1000; i += 3)
    {
      g_autofree char *key = g_strdup_printf ("k%u", i);

      g_assert_true (seldon_json_object_remove (obj, key));
    }
  g_assert_cmpuint (seldon_json_object_get_size (obj), ==, 2 + 1000 - 334);
  for (i = 0; i < 1000; i++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", i);
      SeldonJson *v = seldon_json_object_get (obj, key);

      if (i % 3 == 0)
        g_assert_null (v);
      else
        {
          g_assert_nonnull (v);
          g_assert_cmpint (seldon_json_get_int (v), ==, i % 2 == 0 ? -(gint64) i : (gint64) i);
        }
    }
  /* order is still insertion order */
  g_assert_cmpstr (seldon_json_object_get_key_at (obj, 0), ==, "a");
  g_assert_cmpstr (seldon_json_object_get_key_at (obj, 1), ==, "c");
  g_assert_cmpstr (seldon_json_object_get_key_at (obj, 2), ==, "k1");
  g_assert_cmpstr (seldon_json_object_get_key_at (obj, 3), ==, "k2");
  g_assert_cmpstr (seldon_json_object_get_key_at (obj, 4), ==, "k4");

  /* shrink back below the threshold */
  while (seldon_json_object_get_size (obj) > 3)
    {
      g_autofree char *key = g_strdup (seldon_json_object_get_key_at (obj, 1));

      g_assert_true (seldon_json_object_remove (obj, key));
    }
  g_assert_nonnull (seldon_json_object_get (obj, "a"));
  g_assert_nonnull (seldon_json_object_get (obj, "k998"));
  g_assert_nonnull (seldon_json_object_get (obj, "k997"));
  g_assert_null (seldon_json_object_get (obj, "k999"));
}

static void
test_values_copy_equal (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) a = NULL;
  g_autoptr (SeldonJson) b = NULL;
  g_autoptr (SeldonJson) c = NULL;
  g_autoptr (SeldonJson) big = seldon_json_new_object ();
  g_autoptr (SeldonJson) big_copy = NULL;
  g_autoptr (SeldonJson) x = NULL;
  g_autoptr (SeldonJson) y = NULL;
  guint i;

  g_test_summary ("Deep copy is independent; equality ignores member order, NaN equals NaN");

  a = seldon_json_parse ("{\"x\":[1,2.5,\"s\",null,true,{\"y\":NaN}],\"z\":12345678901234567890}", -1, &error);
  g_assert_no_error (error);
  b = seldon_json_copy (a);
  g_assert_true (seldon_json_equal (a, b));
  seldon_json_array_append (seldon_json_object_get (b, "x"), seldon_json_new_int (1));
  g_assert_false (seldon_json_equal (a, b));
  g_assert_cmpuint (seldon_json_array_get_length (seldon_json_object_get (a, "x")), ==, 6);

  c = seldon_json_parse ("{\"z\":12345678901234567890,\"x\":[1,2.5,\"s\",null,true,{\"y\":NaN}]}", -1, &error);
  g_assert_no_error (error);
  g_assert_true (seldon_json_equal (a, c));

  x = seldon_json_new_int (1);
  y = seldon_json_new_double (1.0);
  g_assert_false (seldon_json_equal (x, y));

  for (i = 0; i < 100; i++)
    {
      g_autofree char *key = g_strdup_printf ("key-%u", i);

      seldon_json_object_set (big, key, seldon_json_new_int (i));
    }
  big_copy = seldon_json_copy (big);
  seldon_json_object_set (big_copy, "key-100", seldon_json_new_int (100));
  g_assert_cmpint (seldon_json_get_int (seldon_json_object_get (big_copy, "key-57")), ==, 57);
  g_assert_cmpint (seldon_json_get_int (seldon_json_object_get (big_copy, "key-100")), ==, 100);
  g_assert_null (seldon_json_object_get (big, "key-100"));
}

/* --------------------------------------------------------------------------------------------- */

static void
test_parse_basic (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) v = NULL;
  SeldonJson *arr;

  g_test_summary ("RFC 8259 documents parse into the expected tree");

  v = seldon_json_parse (" \t\r\n{\"a\" : [ 1 , -2 , 3.5 , -0.0 , 1E2 , 2e-1 , true , false , null , \"x\" ] , \"b\" : { } , \"c\" : [ ] } \n",
                         -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (seldon_json_get_type (v), ==, SELDON_JSON_OBJECT);
  arr = seldon_json_object_get (v, "a");
  g_assert_cmpuint (seldon_json_array_get_length (arr), ==, 10);
  g_assert_cmpint (seldon_json_get_type (seldon_json_array_get (arr, 0)), ==, SELDON_JSON_INT);
  g_assert_cmpint (seldon_json_get_int (seldon_json_array_get (arr, 1)), ==, -2);
  g_assert_cmpfloat (seldon_json_get_double (seldon_json_array_get (arr, 2)), ==, 3.5);
  g_assert_true (signbit (seldon_json_get_double (seldon_json_array_get (arr, 3))));
  g_assert_cmpint (seldon_json_get_type (seldon_json_array_get (arr, 4)), ==, SELDON_JSON_DOUBLE);
  g_assert_cmpfloat (seldon_json_get_double (seldon_json_array_get (arr, 4)), ==, 100.0);
  g_assert_cmpfloat (seldon_json_get_double (seldon_json_array_get (arr, 5)), ==, 0.2);
  g_assert_true (seldon_json_get_bool (seldon_json_array_get (arr, 6)));
  g_assert_cmpint (seldon_json_get_type (seldon_json_array_get (arr, 7)), ==, SELDON_JSON_BOOL);
  g_assert_cmpint (seldon_json_get_type (seldon_json_array_get (arr, 8)), ==, SELDON_JSON_NULL);
  g_assert_cmpstr (seldon_json_get_string (seldon_json_array_get (arr, 9)), ==, "x");
  g_assert_cmpuint (seldon_json_object_get_size (seldon_json_object_get (v, "b")), ==, 0);
  g_assert_cmpuint (seldon_json_array_get_length (seldon_json_object_get (v, "c")), ==, 0);
  g_clear_pointer (&v, seldon_json_unref);

  /* scalars at top level; explicit length (not NUL-terminated input) */
  v = seldon_json_parse ("42xyz", 2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (seldon_json_get_int (v), ==, 42);
  g_clear_pointer (&v, seldon_json_unref);

  v = seldon_json_parse ("\"str\"", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (seldon_json_get_string (v), ==, "str");
  g_clear_pointer (&v, seldon_json_unref);

  /* "-0" is the integer 0, as in Python */
  v = seldon_json_parse ("-0", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (seldon_json_get_type (v), ==, SELDON_JSON_INT);
  g_assert_cmpint (seldon_json_get_int (v), ==, 0);
}

static void
test_parse_bom (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) v = seldon_json_parse ("\xEF\xBB\xBF{\"a\":1}", -1, &error);

  g_test_summary ("A leading UTF-8 byte-order mark is skipped; one elsewhere is an error");

  g_assert_no_error (error);
  g_assert_cmpint (seldon_json_get_int (seldon_json_object_get (v, "a")), ==, 1);

  assert_parse_fails ("\xEF\xBB\xBF", -1);
  assert_parse_fails (" \xEF\xBB\xBF{}", -1);
  assert_parse_fails ("\xEF\xBB\xBF\xEF\xBB\xBF{}", -1);
}

static void
test_parse_nonfinite (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) v = seldon_json_parse ("[NaN, Infinity, -Infinity, 1e400, -1e400, 1e-400]", -1, &error);
  g_autofree char *out = NULL;

  g_test_summary ("NaN/Infinity/-Infinity literals; huge numbers overflow to infinity");

  g_assert_no_error (error);
  g_assert_true (isnan (seldon_json_get_double (seldon_json_array_get (v, 0))));
  g_assert_true (isinf (seldon_json_get_double (seldon_json_array_get (v, 1))));
  g_assert_cmpfloat (seldon_json_get_double (seldon_json_array_get (v, 2)), <, 0);
  g_assert_true (isinf (seldon_json_get_double (seldon_json_array_get (v, 2))));
  g_assert_cmpfloat (seldon_json_get_double (seldon_json_array_get (v, 3)), ==, INFINITY);
  g_assert_cmpfloat (seldon_json_get_double (seldon_json_array_get (v, 4)), ==, -INFINITY);
  g_assert_cmpfloat (seldon_json_get_double (seldon_json_array_get (v, 5)), ==, 0.0);

  out = seldon_json_to_string (v, SELDON_JSON_WRITE_WIRE);
  g_assert_cmpstr (out, ==, "[NaN,Infinity,-Infinity,Infinity,-Infinity,0.0]");

  assert_parse_fails ("nan", -1);
  assert_parse_fails ("-NaN", -1);
  assert_parse_fails ("infinity", -1);
  assert_parse_fails ("+Infinity", -1);
  assert_parse_fails ("-Inf", -1);
  assert_parse_fails ("NaNa", -1);
}

static void
test_parse_bigint (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) v = NULL;

  g_test_summary ("Integers of any size: INT within gint64, BIGINT (exact text) beyond");

  v = seldon_json_parse ("[9223372036854775807, -9223372036854775808, 9223372036854775808, "
                         "-9223372036854775809, 123456789012345678901234567890, 999999999999999999, "
                         "-999999999999999999, 1000000000000000000]", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (seldon_json_get_type (seldon_json_array_get (v, 0)), ==, SELDON_JSON_INT);
  g_assert_cmpint (seldon_json_get_int (seldon_json_array_get (v, 0)), ==, G_MAXINT64);
  g_assert_cmpint (seldon_json_get_type (seldon_json_array_get (v, 1)), ==, SELDON_JSON_INT);
  g_assert_cmpint (seldon_json_get_int (seldon_json_array_get (v, 1)), ==, G_MININT64);
  g_assert_cmpint (seldon_json_get_type (seldon_json_array_get (v, 2)), ==, SELDON_JSON_BIGINT);
  g_assert_cmpstr (seldon_json_get_bigint (seldon_json_array_get (v, 2)), ==, "9223372036854775808");
  g_assert_cmpint (seldon_json_get_type (seldon_json_array_get (v, 3)), ==, SELDON_JSON_BIGINT);
  g_assert_cmpstr (seldon_json_get_bigint (seldon_json_array_get (v, 3)), ==, "-9223372036854775809");
  g_assert_cmpint (seldon_json_get_int (seldon_json_array_get (v, 5)), ==, G_GINT64_CONSTANT (999999999999999999));
  g_assert_cmpint (seldon_json_get_int (seldon_json_array_get (v, 6)), ==, -G_GINT64_CONSTANT (999999999999999999));
  g_assert_cmpint (seldon_json_get_int (seldon_json_array_get (v, 7)), ==, G_GINT64_CONSTANT (1000000000000000000));

  assert_reformat ("[9223372036854775807,-9223372036854775808,9223372036854775808,"
                   "123456789012345678901234567890,-123456789012345678901234567890]",
                   SELDON_JSON_WRITE_WIRE,
                   "[9223372036854775807,-9223372036854775808,9223372036854775808,"
                   "123456789012345678901234567890,-123456789012345678901234567890]");
}

static void
test_parse_duplicate_keys (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) v = seldon_json_parse ("{\"a\":1,\"b\":2,\"a\":3}", -1, &error);
  g_autofree char *out = NULL;
  GString *big = g_string_new ("{");
  g_autoptr (SeldonJson) bv = NULL;
  guint i;

  g_test_summary ("Duplicate keys: the last value wins, at the first key's position");

  g_assert_no_error (error);
  out = seldon_json_to_string (v, SELDON_JSON_WRITE_DEFAULT);
  g_assert_cmpstr (out, ==, "{\"a\":3,\"b\":2}");

  /* the same with the hash index in use */
  for (i = 0; i < 40; i++)
    g_string_append_printf (big, "\"k%u\":%u,", i, i);
  g_string_append (big, "\"k3\":\"last\",\"k39\":null}");
  bv = seldon_json_parse (big->str, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (seldon_json_object_get_size (bv), ==, 40);
  g_assert_cmpstr (seldon_json_object_get_key_at (bv, 3), ==, "k3");
  g_assert_cmpstr (seldon_json_get_string (seldon_json_object_get_value_at (bv, 3)), ==, "last");
  g_assert_cmpint (seldon_json_get_type (seldon_json_object_get (bv, "k39")), ==, SELDON_JSON_NULL);
  g_string_free (big, TRUE);
}

static void
test_parse_depth (void)
{
  GString *deep = g_string_new (NULL);
  GString *ok = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) v = NULL;
  guint i;

  g_test_summary ("Nesting deeper than SELDON_JSON_MAX_DEPTH is an error, never a stack overflow");

  for (i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  assert_parse_fails (deep->str, deep->len);
  g_string_truncate (deep, 0);
  for (i = 0; i < 100000; i++)
    g_string_append (deep, "{\"a\":");
  assert_parse_fails (deep->str, deep->len);

  /* exactly the limit is fine, one more is not */
  for (i = 0; i < SELDON_JSON_MAX_DEPTH; i++)
    g_string_append_c (ok, '[');
  for (i = 0; i < SELDON_JSON_MAX_DEPTH; i++)
    g_string_append_c (ok, ']');
  v = seldon_json_parse (ok->str, ok->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (v);
  g_string_prepend_c (ok, '[');
  g_string_append_c (ok, ']');
  assert_parse_fails (ok->str, ok->len);

  g_string_free (deep, TRUE);
  g_string_free (ok, TRUE);
}

static void
test_parse_strings (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) v = NULL;
  const char *s;

  g_test_summary ("String escapes, surrogate pairs, lone surrogates become U+FFFD, NUL bytes");

  v = seldon_json_parse ("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\\u00e9\\u20AC\\ud83d\\ude00\"", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (seldon_json_get_string (v), ==, "a\"b\\c/d\be\ff\ng\rh\ti\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  g_clear_pointer (&v, seldon_json_unref);

  /* lone surrogates */
  v = seldon_json_parse ("[\"\\ud800\", \"\\udc00x\", \"\\ud800\\u0041\", \"\\ud800\\ud800\\udc00\", \"\\ude00\\ud83d\"]", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (seldon_json_get_string (seldon_json_array_get (v, 0)), ==, "\xEF\xBF\xBD");
  g_assert_cmpstr (seldon_json_get_string (seldon_json_array_get (v, 1)), ==, "\xEF\xBF\xBDx");
  g_assert_cmpstr (seldon_json_get_string (seldon_json_array_get (v, 2)), ==, "\xEF\xBF\xBD" "A");
  g_assert_cmpstr (seldon_json_get_string (seldon_json_array_get (v, 3)), ==, "\xEF\xBF\xBD\xF0\x90\x80\x80");
  g_assert_cmpstr (seldon_json_get_string (seldon_json_array_get (v, 4)), ==, "\xEF\xBF\xBD\xEF\xBF\xBD");
  g_clear_pointer (&v, seldon_json_unref);

  /* \u0000 inside strings and keys */
  v = seldon_json_parse ("{\"k\\u0000\":\"a\\u0000b\"}", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (seldon_json_get_string_length (seldon_json_object_get_value_at (v, 0)), ==, 3);
  s = seldon_json_get_string (seldon_json_object_get_value_at (v, 0));
  g_assert_true (memcmp (s, "a\0b", 4) == 0);
  {
    g_autofree char *out = seldon_json_to_string (v, SELDON_JSON_WRITE_WIRE);

    g_assert_cmpstr (out, ==, "{\"k\\u0000\":\"a\\u0000b\"}");
  }
  g_clear_pointer (&v, seldon_json_unref);

  /* raw UTF-8 is kept */
  v = seldon_json_parse ("\"\xC3\xA9\xF0\x9F\x98\x80\"", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (seldon_json_get_string (v), ==, "\xC3\xA9\xF0\x9F\x98\x80");

  assert_parse_fails ("\"\\x41\"", -1);
  assert_parse_fails ("\"\\u12\"", -1);
  assert_parse_fails ("\"\\u12G4\"", -1);
  assert_parse_fails ("\"\\", -1);
  assert_parse_fails ("\"abc", -1);
  assert_parse_fails ("\"a\\\"", -1);
  assert_parse_fails ("\"a\nb\"", -1);
  assert_parse_fails ("\"a\tb\"", -1);
  assert_parse_fails ("\"a\x01\"", -1);
  assert_parse_fails ("\"a\\n\x1f\"", -1);
  assert_parse_fails ("'single'", -1);
  assert_parse_fails ("\"a\0b\"", 5);
}

static void
test_parse_invalid_utf8 (void)
{
  g_test_summary ("Invalid UTF-8 anywhere is rejected (overlong, surrogates, truncated, > U+10FFFF)");

  assert_parse_fails ("\"\xFF\"", -1);
  assert_parse_fails ("\"\xC3\"", -1);
  assert_parse_fails ("\"\xC3(\"", -1);
  assert_parse_fails ("\"\xC0\xAF\"", -1);              /* overlong '/' */
  assert_parse_fails ("\"\xE0\x80\xAF\"", -1);          /* overlong */
  assert_parse_fails ("\"\xED\xA0\x80\"", -1);          /* encoded surrogate */
  assert_parse_fails ("\"\xF4\x90\x80\x80\"", -1);      /* > U+10FFFF */
  assert_parse_fails ("\"\xF0\x9F\x98\"", -1);          /* truncated */
  assert_parse_fails ("\"\x80\"", -1);                  /* lone continuation */
  assert_parse_fails ("\"a\\n\xFE\"", -1);              /* after an escape (slow path) */
  assert_parse_fails ("{\"\xC3\":1}", -1);              /* in a key */
  assert_parse_fails ("[1,\xC3\xA9]", -1);              /* outside a string */
}

static void
test_parse_syntax_errors (void)
{
  const char *bad[] = {
    "", " ", "\n\t", "[", "]", "{", "}", "[1,]", "[,1]", "[1 2]", "{\"a\"}", "{\"a\":}",
    "{\"a\":1,}", "{a:1}", "{'a':1}", "{\"a\" 1}", "{1:2}", "[1]]", "[1] x", "{} {}", "01", "-",
    "1.", ".5", "1e", "1e+", "-a", "+1", "0x10", "tru", "True", "nul", "NULL", "/* c */1",
    "[1,2", "\"\"\"", "1 2",
  };
  guint i;

  g_test_summary ("Malformed documents, trailing garbage and empty input are rejected");

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("input: %s", bad[i]);
      assert_parse_fails (bad[i], -1);
    }
  assert_parse_fails (NULL, 0);
}

static void
test_parse_error_messages (void)
{
  struct
  {
    const char *text;
    const char *message;
  } cases[] = {
    { "", "Expecting value: line 1 column 1 (char 0)" },
    { "[1,2", "Expecting ',' delimiter: line 1 column 5 (char 4)" },
    { "{\"a\":1}x", "Extra data: line 1 column 8 (char 7)" },
    { "{\n  \"é\": 1,\n  x}", "Expecting property name enclosed in double quotes: line 3 column 3 (char 14)" },
    { "\xEF\xBB\xBF[}", "Expecting value: line 1 column 2 (char 1)" },
    { "{\"a\" 1}", "Expecting ':' delimiter: line 1 column 6 (char 5)" },
    { "\"abc", "Unterminated string starting at: line 1 column 1 (char 0)" },
  };
  guint i;

  g_test_summary ("Parse errors name line, column and character offset like Python's json");

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SeldonJson) v = seldon_json_parse (cases[i].text, -1, &error);

      g_assert_null (v);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

/* --------------------------------------------------------------------------------------------- */

static void
test_write_floats (void)
{
  g_test_summary ("Floats print like Python repr(): shortest round-trip, '.0', exponent rules");

  assert_double (1.0, "1.0");
  assert_double (0.1, "0.1");
  assert_double (1e-05, "1e-05");
  assert_double (0.0001, "0.0001");
  assert_double (1e16, "1e+16");
  assert_double (123456789.125, "123456789.125");
  assert_double (2e20, "2e+20");
  assert_double (1.5e-07, "1.5e-07");
  assert_double ((double) 0.1f, "0.10000000149011612");
  assert_double (-0.0, "-0.0");
  assert_double (0.0, "0.0");
  assert_double (1e22, "1e+22");
  assert_double (5e-324, "5e-324");
  assert_double (-5e-324, "-5e-324");
  assert_double (1e15, "1000000000000000.0");
  assert_double (9999999999999998.0, "9999999999999998.0");
  assert_double (1.7976931348623157e308, "1.7976931348623157e+308");
  assert_double (2.2250738585072014e-308, "2.2250738585072014e-308");
  assert_double (2.225073858507201e-308, "2.225073858507201e-308");  /* largest subnormal */
  assert_double (0.3, "0.3");
  assert_double (2.0 / 3.0, "0.6666666666666666");
  assert_double (-1.5, "-1.5");
  assert_double (100.0, "100.0");
  assert_double (1234.5678, "1234.5678");
  assert_double (0.000123, "0.000123");
  assert_double (1.23e-05, "1.23e-05");
  assert_double (1e100, "1e+100");
  assert_double (1.2345e-100, "1.2345e-100");
  assert_double (123e300, "1.23e+302");
  assert_double (5e-310, "5e-310");
  assert_double (3.14159, "3.14159");
  assert_double (0.1 + 0.2, "0.30000000000000004");
  assert_double (4.35, "4.35");
  assert_double (9007199254740993.0, "9007199254740992.0");

  assert_double (NAN, "NaN");
  assert_double (INFINITY, "Infinity");
  assert_double (-INFINITY, "-Infinity");
  {
    g_autofree char *a = double_repr (NAN, FALSE);
    g_autofree char *b = double_repr (INFINITY, FALSE);
    g_autofree char *c = double_repr (-INFINITY, FALSE);
    g_autofree char *d = double_repr (1e-05, FALSE);

    g_assert_cmpstr (a, ==, "nan");
    g_assert_cmpstr (b, ==, "inf");
    g_assert_cmpstr (c, ==, "-inf");
    g_assert_cmpstr (d, ==, "1e-05");
  }
}

static void
test_write_floats_locale (void)
{
  g_test_summary ("Float output and parsing do not depend on LC_NUMERIC");

  if (setlocale (LC_NUMERIC, "de_DE.UTF-8") == NULL && setlocale (LC_NUMERIC, "fr_FR.UTF-8") == NULL)
    {
      g_test_skip ("no locale with a decimal comma installed");
      return;
    }
  assert_double (1.5, "1.5");
  assert_double (123456789.125, "123456789.125");
  assert_double (1.5e-07, "1.5e-07");
  assert_reformat ("[2.5,1e-3]", SELDON_JSON_WRITE_WIRE, "[2.5,0.001]");
  setlocale (LC_NUMERIC, "C");
}

static void
test_write_floats_roundtrip (void)
{
  GRand *rand = g_rand_new_with_seed (4242);
  guint i;

  g_test_summary ("Random doubles (and float32 values) print in at most 17 digits and read back exactly");

  for (i = 0; i < 20000; i++)
    {
      union
      {
        guint64 u;
        double d;
      } bits;
      g_autofree char *text = NULL;
      g_autoptr (SeldonJson) back = NULL;
      double d;

      bits.u = ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);
      if (!isfinite (bits.d))
        continue;
      d = (i % 2) ? bits.d : (double) (float) g_rand_double_range (rand, -1e6, 1e6);
      text = double_repr (d, TRUE);
      back = seldon_json_parse (text, -1, NULL);
      g_assert_nonnull (back);
      g_assert_cmpint (seldon_json_get_type (back), ==, SELDON_JSON_DOUBLE);
      if (memcmp (&d, &(double) { seldon_json_get_double (back) }, sizeof d) != 0)
        g_error ("%.17g printed as %s", d, text);
    }
  g_rand_free (rand);
}

static void
test_write_strings (void)
{
  static const char text[] = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f"
                             "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBF\0end";
  g_autoptr (SeldonJson) s = NULL;
  g_autofree char *ascii = NULL;
  g_autofree char *raw = NULL;

  g_test_summary ("String escapes in ASCII and non-ASCII mode (rest-api.md §7.1)");

  s = seldon_json_new_string_len (text, sizeof text - 1);
  ascii = seldon_json_to_string (s, SELDON_JSON_WRITE_ASCII);
  g_assert_cmpstr (ascii, ==,
                   "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f"
                   "\\u00e9\\u20ac\\ud83d\\ude00\\uffff\\u0000end\"");
  raw = seldon_json_to_string (s, SELDON_JSON_WRITE_DEFAULT);
  g_assert_cmpstr (raw, ==,
                   "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f"
                   "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBF\\u0000end\"");

  /* keys get the same treatment */
  assert_reformat ("{\"\xC3\xA9\":\"\\u00e9\"}", SELDON_JSON_WRITE_WIRE, "{\"\\u00e9\":\"\\u00e9\"}");
  assert_reformat ("{\"\xC3\xA9\":\"\\u00e9\"}", SELDON_JSON_WRITE_SORT_KEYS, "{\"\xC3\xA9\":\"\xC3\xA9\"}");
  assert_reformat ("\"\"", SELDON_JSON_WRITE_WIRE, "\"\"");
}

static void
test_write_sorting (void)
{
  g_test_summary ("SORT_KEYS sorts by code point at every level; otherwise insertion order");

  assert_reformat ("{\"b\":1,\"a\":{\"d\":1,\"c\":2},\"B\":[{\"z\":1,\"y\":2}],\"\":0}",
                   SELDON_JSON_WRITE_WIRE,
                   "{\"\":0,\"B\":[{\"y\":2,\"z\":1}],\"a\":{\"c\":2,\"d\":1},\"b\":1}");
  assert_reformat ("{\"b\":1,\"a\":{\"d\":1,\"c\":2}}",
                   SELDON_JSON_WRITE_ASCII,
                   "{\"b\":1,\"a\":{\"d\":1,\"c\":2}}");
  /* code point order: U+00E9 < U+20AC < U+1F600 (not UTF-16 order, which would put U+1F600 first) */
  assert_reformat ("{\"\xF0\x9F\x98\x80\":3,\"\xEF\xBD\xA1\":2,\"\xC3\xA9\":1,\"ab\":0,\"a\":-1,\"z\":4}",
                   SELDON_JSON_WRITE_SORT_KEYS,
                   "{\"a\":-1,\"ab\":0,\"z\":4,\"\xC3\xA9\":1,\"\xEF\xBD\xA1\":2,\"\xF0\x9F\x98\x80\":3}");
  /* keys with NUL sort by their bytes too */
  assert_reformat ("{\"a\\u0000b\":1,\"a\":2}", SELDON_JSON_WRITE_WIRE, "{\"a\":2,\"a\\u0000b\":1}");
}

static void
test_write_layouts (void)
{
  const char *doc = "{\"b\":[1,{\"d\":2,\"c\":[]},{}],\"a\":\"x\",\"e\":{\"f\":null}}";

  g_test_summary ("Compact, spaced (Python json.dumps default) and pretty (indent=2) layouts");

  assert_reformat (doc, SELDON_JSON_WRITE_WIRE,
                   "{\"a\":\"x\",\"b\":[1,{\"c\":[],\"d\":2},{}],\"e\":{\"f\":null}}");
  assert_reformat (doc, SELDON_JSON_WRITE_SPACED,
                   "{\"b\": [1, {\"d\": 2, \"c\": []}, {}], \"a\": \"x\", \"e\": {\"f\": null}}");
  assert_reformat (doc, SELDON_JSON_WRITE_WIRE | SELDON_JSON_WRITE_PRETTY,
                   "{\n"
                   "  \"a\": \"x\",\n"
                   "  \"b\": [\n"
                   "    1,\n"
                   "    {\n"
                   "      \"c\": [],\n"
                   "      \"d\": 2\n"
                   "    },\n"
                   "    {}\n"
                   "  ],\n"
                   "  \"e\": {\n"
                   "    \"f\": null\n"
                   "  }\n"
                   "}");
  /* PRETTY wins over SPACED: no trailing spaces at line ends */
  assert_reformat ("[1,[2]]", SELDON_JSON_WRITE_PRETTY | SELDON_JSON_WRITE_SPACED,
                   "[\n  1,\n  [\n    2\n  ]\n]");
  assert_reformat ("[]", SELDON_JSON_WRITE_PRETTY, "[]");
  assert_reformat ("{}", SELDON_JSON_WRITE_PRETTY, "{}");
  assert_reformat ("7", SELDON_JSON_WRITE_PRETTY, "7");
  assert_reformat ("[true,false,null,-12,1.5,\"s\"]", SELDON_JSON_WRITE_WIRE,
                   "[true,false,null,-12,1.5,\"s\"]");

  /* write() appends to what is there */
  {
    g_autoptr (SeldonJson) v = seldon_json_new_int (G_MININT64);
    GString *out = g_string_new ("x=");

    seldon_json_write (v, SELDON_JSON_WRITE_WIRE, out);
    g_assert_cmpstr (out->str, ==, "x=-9223372036854775808");
    g_string_free (out, TRUE);
  }
}

static void
test_roundtrip (void)
{
  const char *docs[] = {
    "{\"data\":{\"names\":[\"a\",\"b\"],\"ndarray\":[[1.0,2.5],[3,4]]},\"meta\":{\"tags\":{\"x\":\"\\u00e9\"}}}",
    "[0.1,0.2,0.30000000000000004,1e+16,1e-05,-0.0,123456789012345678901234567890]",
    "{\"\":[[],{},[[[]]]],\"a\\\"\\\\\":\"\\ud83d\\ude00\\u0000\"}",
    "[NaN,Infinity,-Infinity]",
  };
  guint i;

  g_test_summary ("parse(write(parse(x))) == parse(x) and the wire text is a fixed point");

  for (i = 0; i < G_N_ELEMENTS (docs); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SeldonJson) a = seldon_json_parse (docs[i], -1, &error);
      g_autofree char *text = NULL;
      g_autoptr (SeldonJson) b = NULL;
      g_autofree char *text2 = NULL;
      g_autofree char *raw = NULL;
      g_autoptr (SeldonJson) c = NULL;

      g_assert_no_error (error);
      text = seldon_json_to_string (a, SELDON_JSON_WRITE_WIRE);
      b = seldon_json_parse (text, -1, &error);
      g_assert_no_error (error);
      g_assert_true (seldon_json_equal (a, b));
      text2 = seldon_json_to_string (b, SELDON_JSON_WRITE_WIRE);
      g_assert_cmpstr (text, ==, text2);

      raw = seldon_json_to_string (a, SELDON_JSON_WRITE_PRETTY);
      c = seldon_json_parse (raw, -1, &error);
      g_assert_no_error (error);
      g_assert_true (seldon_json_equal (a, c));
    }
}

/* --------------------------------------------------------------------------------------------- */

static void
test_python_repr (void)
{
  struct
  {
    const char *json;
    const char *repr;
    const char *str;
  } cases[] = {
    { "{\"foo\":\"bar\"}", "{'foo': 'bar'}", "{'foo': 'bar'}" },
    { "{\"a\":1,\"b\":[1,2.5]}", "{'a': 1, 'b': [1, 2.5]}", NULL },
    { "[1,2]", "[1, 2]", NULL },
    { "[]", "[]", NULL },
    { "{}", "{}", NULL },
    { "null", "None", "None" },
    { "true", "True", "True" },
    { "false", "False", NULL },
    { "5", "5", "5" },
    { "1.0", "1.0", "1.0" },
    { "1e-05", "1e-05", NULL },
    { "1e16", "1e+16", NULL },
    { "[NaN,Infinity,-Infinity]", "[nan, inf, -inf]", NULL },
    { "123456789012345678901234567890", "123456789012345678901234567890", NULL },
    { "\"abc\"", "'abc'", "abc" },
    { "\"it's\"", "\"it's\"", "it's" },
    { "\"say \\\"hi\\\"\"", "'say \"hi\"'", NULL },
    { "\"both ' and \\\"\"", "'both \\' and \"'", NULL },
    { "\"back\\\\slash\"", "'back\\\\slash'", NULL },
    { "\"t\\tn\\nr\\r\"", "'t\\tn\\nr\\r'", "t\tn\nr\r" },
    { "\"\\u0000\\u0001\\u001f\\u007f\\b\\f\"", "'\\x00\\x01\\x1f\\x7f\\x08\\x0c'", NULL },
    { "\"\\u00e9\\u20ac\\ud83d\\ude00\"", "'\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80'", NULL },
    /* NBSP, soft hyphen, zero width space, line separator, private use, unassigned plane-14 */
    { "\"\\u00a0\\u00ad\\u200b\\u2028\\ue000\\udb40\\udc00\"", "'\\xa0\\xad\\u200b\\u2028\\ue000\\U000e0000'", NULL },
    { "\"\\u3000x\"", "'\\u3000x'", NULL },
    { "{\"k'\":[null,{\"n\":\"v\"}]}", "{\"k'\": [None, {'n': 'v'}]}", NULL },
    { "[\"a\",\"b\"]", "['a', 'b']", "['a', 'b']" },
  };
  guint i;

  g_test_summary ("Python repr()/str() of json.loads values, as used in error texts");

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *repr = python_repr_of (cases[i].json);

      g_assert_cmpstr (repr, ==, cases[i].repr);
      if (cases[i].str)
        {
          g_autofree char *str = python_str_of (cases[i].json);

          g_assert_cmpstr (str, ==, cases[i].str);
        }
    }

  /* the append variants append */
  {
    g_autoptr (SeldonJson) v = seldon_json_new_null ();
    GString *out = g_string_new ("Unknown data type returned as payload (must be list or np array):");

    seldon_json_append_python_str (out, v);
    g_assert_cmpstr (out->str, ==, "Unknown data type returned as payload (must be list or np array):None");
    g_string_free (out, TRUE);
  }
}

/* --------------------------------------------------------------------------------------------- */

static void
test_json_glib (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) v = seldon_json_parse ("{\"z\":[1,2.5,true,null,\"s\"],\"a\":{\"b\":12345678901234567890123},\"m\":-3}", -1, &error);
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (SeldonJson) back = NULL;
  g_autoptr (SeldonJson) null_value = seldon_json_from_json_node (NULL);
  g_autofree char *text = NULL;
  g_autoptr (JsonNode) bad = NULL;
  g_autoptr (SeldonJson) bad_back = NULL;
  JsonObject *obj;

  g_test_summary ("Conversion to and from JsonNode keeps order and types; BIGINT becomes a double");

  g_assert_no_error (error);
  node = seldon_json_to_json_node (v);
  g_assert_cmpint (json_node_get_node_type (node), ==, JSON_NODE_OBJECT);
  obj = json_node_get_object (node);
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (obj, "z"), 0), ==, 1);
  g_assert_cmpfloat (json_array_get_double_element (json_object_get_array_member (obj, "z"), 1), ==, 2.5);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (json_object_get_object_member (obj, "a"), "b")), ==, G_TYPE_DOUBLE);

  back = seldon_json_from_json_node (node);
  text = seldon_json_to_string (back, SELDON_JSON_WRITE_DEFAULT);
  g_assert_cmpstr (text, ==, "{\"z\":[1,2.5,true,null,\"s\"],\"a\":{\"b\":1.2345678901234568e+22},\"m\":-3}");

  g_assert_cmpint (seldon_json_get_type (null_value), ==, SELDON_JSON_NULL);

  /* invalid UTF-8 from a JsonNode is repaired, never stored */
  bad = json_node_init_string (json_node_alloc (), "a\xFF" "b");
  bad_back = seldon_json_from_json_node (bad);
  g_assert_true (g_utf8_validate (seldon_json_get_string (bad_back), -1, NULL));
}

static gpointer
ref_unref_thread (gpointer data)
{
  SeldonJson *shared = data;
  guint i;

  for (i = 0; i < 100000; i++)
    {
      SeldonJson *ref = seldon_json_ref (shared);
      g_autofree char *text = (i % 1000 == 0) ? seldon_json_to_string (ref, SELDON_JSON_WRITE_WIRE) : NULL;

      seldon_json_unref (ref);
    }
  return NULL;
}

static void
test_threads_refcount (void)
{
  SeldonJson *shared = seldon_json_parse ("{\"a\":[1,2,3]}", -1, NULL);
  GThread *threads[4];
  g_autofree char *text = NULL;
  guint i;

  g_test_summary ("Refcounting is atomic: concurrent ref/unref from several threads");

  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("ref-unref", ref_unref_thread, shared);
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  text = seldon_json_to_string (shared, SELDON_JSON_WRITE_WIRE);
  g_assert_cmpstr (text, ==, "{\"a\":[1,2,3]}");
  seldon_json_unref (shared);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/seldon/json/values/scalars", test_values_scalars);
  g_test_add_func ("/seldon/json/values/objects", test_values_objects);
  g_test_add_func ("/seldon/json/values/copy-equal", test_values_copy_equal);
  g_test_add_func ("/seldon/json/parse/basic", test_parse_basic);
  g_test_add_func ("/seldon/json/parse/bom", test_parse_bom);
  g_test_add_func ("/seldon/json/parse/nonfinite", test_parse_nonfinite);
  g_test_add_func ("/seldon/json/parse/bigint", test_parse_bigint);
  g_test_add_func ("/seldon/json/parse/duplicate-keys", test_parse_duplicate_keys);
  g_test_add_func ("/seldon/json/parse/depth", test_parse_depth);
  g_test_add_func ("/seldon/json/parse/strings", test_parse_strings);
  g_test_add_func ("/seldon/json/parse/invalid-utf8", test_parse_invalid_utf8);
  g_test_add_func ("/seldon/json/parse/syntax-errors", test_parse_syntax_errors);
  g_test_add_func ("/seldon/json/parse/error-messages", test_parse_error_messages);
  g_test_add_func ("/seldon/json/write/floats", test_write_floats);
  g_test_add_func ("/seldon/json/write/floats-locale", test_write_floats_locale);
  g_test_add_func ("/seldon/json/write/floats-roundtrip", test_write_floats_roundtrip);
  g_test_add_func ("/seldon/json/write/strings", test_write_strings);
  g_test_add_func ("/seldon/json/write/sorting", test_write_sorting);
  g_test_add_func ("/seldon/json/write/layouts", test_write_layouts);
  g_test_add_func ("/seldon/json/roundtrip", test_roundtrip);
  g_test_add_func ("/seldon/json/python/repr", test_python_repr);
  g_test_add_func ("/seldon/json/json-glib", test_json_glib);
  g_test_add_func ("/seldon/json/threads/refcount", test_threads_refcount);

  return g_test_run ();
}
