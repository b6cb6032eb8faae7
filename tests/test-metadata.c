/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for model metadata (component-contract.md §8, rest-api.md §9.7). */

#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>

#include "seldon-error.h"
#include "seldon-json-private.h"
#include "seldon-metadata-private.h"

#define LOG_DOMAIN "Seldon"

/*
 * The library logs through structured logging (G_LOG_USE_STRUCTURED), which
 * g_test_expect_message() does not see on GLib 2.74, so the test captures the library's
 * ERROR lines (GLib CRITICAL, see seldon-metadata.c) with its own log writer and checks them.
 */
static GPtrArray *captured_errors;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;
  gsize i;

  for (i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }
  if (g_strcmp0 (domain, LOG_DOMAIN) == 0 && (log_level & G_LOG_LEVEL_CRITICAL) && message != NULL)
    {
      g_ptr_array_add (captured_errors, g_strdup (message));
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* Asserts that exactly one ERROR line was logged since the last call and that it matches @pattern. */
static void
assert_warned (const char *pattern)
{
  g_assert_cmpuint (captured_errors->len, ==, 1);
  if (!g_pattern_match_simple (pattern, g_ptr_array_index (captured_errors, 0)))
    g_error ("log line '%s' does not match '%s'", (char *) g_ptr_array_index (captured_errors, 0), pattern);
  g_test_message ("logged: %s", (char *) g_ptr_array_index (captured_errors, 0));
  g_ptr_array_set_size (captured_errors, 0);
}

static void
assert_not_warned (void)
{
  g_assert_cmpuint (captured_errors->len, ==, 0);
}

static SeldonJson *
json (const char *text)
{
  g_autoptr (GError) error = NULL;
  SeldonJson *value = seldon_json_parse (text, -1, &error);

  g_assert_no_error (error);
  return value;
}

/* Builds metadata (which must be valid) and returns its wire rendering. */
static char *
build_ok (const char *user_json,
          const char *env,
          const char *image)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) user = user_json ? json (user_json) : NULL;
  g_autoptr (SeldonJson) meta = seldon_metadata_build (user, env, image, &error);

  g_assert_no_error (error);
  g_assert_nonnull (meta);
  return seldon_json_to_string (meta, SELDON_JSON_WRITE_WIRE);
}

static void
assert_build (const char *user_json,
              const char *env,
              const char *image,
              const char *expected)
{
  g_autofree char *out = build_ok (user_json, env, image);

  g_assert_cmpstr (out, ==, expected);
  assert_not_warned ();
}

static void
assert_invalid (const char *user_json,
                const char *env)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) user = user_json ? json (user_json) : NULL;
  g_autoptr (SeldonJson) meta = seldon_metadata_build (user, env, NULL, &error);

  g_assert_null (meta);
  g_assert_error (error, SELDON_ERROR, SELDON_ERROR_BAD_METADATA);
  g_test_message ("%s", error->message);
  assert_not_warned ();
}

static gboolean
valid (const char *metadata_json)
{
  g_autoptr (SeldonJson) meta = json (metadata_json);
  g_autoptr (GError) error = NULL;
  gboolean ok = seldon_metadata_validate (meta, &error);

  if (ok)
    g_assert_no_error (error);
  else
    {
      g_assert_error (error, SELDON_ERROR, SELDON_ERROR_BAD_METADATA);
      g_test_message ("%s -> %s", metadata_json, error->message);
    }
  return ok;
}

/* --------------------------------------------------------------------------------------------- */

#define DEFAULT_METADATA "{\"custom\":{},\"inputs\":[],\"name\":\"\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"\"]}"

static void
test_defaults (void)
{
  g_test_summary ("Default metadata; name and versions come from PREDICTIVE_UNIT_IMAGE");

  assert_build (NULL, NULL, NULL, DEFAULT_METADATA);
  assert_build ("{}", "{}", NULL, DEFAULT_METADATA);
  assert_build (NULL, NULL, "repo/img:9.9",
                "{\"custom\":{},\"inputs\":[],\"name\":\"repo/img\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"9.9\"]}");
}

static void
test_image_split (void)
{
  g_test_summary ("The image is split at the last ':'; without ':' the whole text is the version");

  assert_build (NULL, NULL, "localhost:32000/iris:0.1",
                "{\"custom\":{},\"inputs\":[],\"name\":\"localhost:32000/iris\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"0.1\"]}");
  assert_build (NULL, NULL, "iris",
                "{\"custom\":{},\"inputs\":[],\"name\":\"\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"iris\"]}");
  assert_build (NULL, NULL, "localhost:32000/iris",
                "{\"custom\":{},\"inputs\":[],\"name\":\"localhost\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"32000/iris\"]}");
  assert_build (NULL, NULL, "img:",
                "{\"custom\":{},\"inputs\":[],\"name\":\"img\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"\"]}");
  assert_build (NULL, NULL, "",
                "{\"custom\":{},\"inputs\":[],\"name\":\"\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"\"]}");
  /* given values win over the image */
  assert_build ("{\"name\":\"mine\",\"versions\":[\"v7\"]}", NULL, "repo/img:9.9",
                "{\"custom\":{},\"inputs\":[],\"name\":\"mine\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"v7\"]}");
}

static void
test_merge (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) user = json ("{\"name\":\"user-model\",\"platform\":\"user\",\"custom\":{\"a\":\"1\"},\"versions\":[\"u1\"]}");
  g_autoptr (SeldonJson) meta = NULL;
  g_autofree char *unsorted = NULL;

  g_test_summary ("MODEL_METADATA shallowly overrides init_metadata() keys; the user value is not modified");

  meta = seldon_metadata_build (user, "{\"name\": \"env-model\", \"custom\": {\"b\": \"2\"}}", "repo/img:1", &error);
  g_assert_no_error (error);
  unsorted = seldon_json_to_string (meta, SELDON_JSON_WRITE_DEFAULT);
  /* shallow: custom is replaced, not merged; order: user keys, then new env keys, then defaults */
  g_assert_cmpstr (unsorted, ==,
                   "{\"name\":\"env-model\",\"platform\":\"user\",\"custom\":{\"b\":\"2\"},\"versions\":[\"u1\"],\"inputs\":[],\"outputs\":[]}");
  g_assert_cmpuint (seldon_json_object_get_size (user), ==, 4);
  g_assert_cmpstr (seldon_json_get_string (seldon_json_object_get (user, "name")), ==, "user-model");

  /* the spec's example of valid metadata, rendered as REST does */
  assert_build ("{\"name\":\"my-model\",\"versions\":[\"v1\"],\"platform\":\"seldon\","
                "\"inputs\":[{\"datatype\":\"BYTES\",\"name\":\"input\",\"shape\":[1,4]},{\"messagetype\":\"jsonData\"}],"
                "\"outputs\":[{\"datatype\":\"BYTES\",\"name\":\"output\",\"shape\":[3]}],"
                "\"custom\":{\"tag-key\":\"tag-value\"}}", NULL, NULL,
                "{\"custom\":{\"tag-key\":\"tag-value\"},\"inputs\":[{\"datatype\":\"BYTES\",\"name\":\"input\",\"shape\":[1,4]},{\"messagetype\":\"jsonData\"}],\"name\":\"my-model\",\"outputs\":[{\"datatype\":\"BYTES\",\"name\":\"output\",\"shape\":[3]}],\"platform\":\"seldon\",\"versions\":[\"v1\"]}");

  /* integers stay integers, integral floats stay floats */
  assert_build ("{\"inputs\":[{\"name\":\"x\",\"shape\":[2.0,3]}]}", NULL, NULL,
                "{\"custom\":{},\"inputs\":[{\"name\":\"x\",\"shape\":[2.0,3]}],\"name\":\"\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"\"]}");
}

static void
test_user_not_dict (void)
{
  const char *not_dicts[] = { "null", "[]", "[{\"name\":\"x\"}]", "\"text\"", "5", "true" };
  guint i;

  g_test_summary ("init_metadata() not returning a dict is ignored with an error log");

  for (i = 0; i < G_N_ELEMENTS (not_dicts); i++)
    {
      g_autofree char *out = NULL;

      out = build_ok (not_dicts[i], "{\"platform\": \"env\"}", NULL);
      assert_warned ("init_metadata must return dict");
      g_assert_cmpstr (out, ==,
                       "{\"custom\":{},\"inputs\":[],\"name\":\"\",\"outputs\":[],\"platform\":\"env\",\"versions\":[\"\"]}");
    }
}

static void
test_env_not_mapping (void)
{
  const char *not_mappings[] = {
    "", "   ", "null", "42", "[1, 2]", "\"quoted\"",
#ifdef HAVE_YAML
    "~", "word", "- a\n- b\n",
#endif
  };
  guint i;

  g_test_summary ("MODEL_METADATA that is not a mapping is logged and ignored (decisions.md D4)");

  for (i = 0; i < G_N_ELEMENTS (not_mappings); i++)
    {
      g_autofree char *out = NULL;

      g_test_message ("MODEL_METADATA=%s", not_mappings[i]);
      out = build_ok ("{\"name\":\"user\"}", not_mappings[i], NULL);
      assert_warned ("MODEL_METADATA must be a mapping*");
      g_assert_cmpstr (out, ==,
                       "{\"custom\":{},\"inputs\":[],\"name\":\"user\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"\"]}");
    }
}

static void
test_env_syntax_error (void)
{
  const char *bad[] = { "{", "name: [unclosed", "a: b: c", "- a\n---\n- b\n", "key: \"unterminated" };
  guint i;

  g_test_summary ("A MODEL_METADATA syntax error is logged and treated as {}");

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *out = NULL;

      g_test_message ("MODEL_METADATA=%s", bad[i]);
      out = build_ok ("{\"name\":\"user\"}", bad[i], NULL);
      assert_warned ("Failed to parse MODEL_METADATA*");
      g_assert_cmpstr (out, ==,
                       "{\"custom\":{},\"inputs\":[],\"name\":\"user\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"\"]}");
    }
}

static void
test_env_yaml (void)
{
  const char *yaml =
    "name: my-yaml-model\n"
    "versions: [ 'v1' ]\n"
    "platform: seldon\n"
    "inputs:\n"
    "- messagetype: tensor\n"
    "  schema:\n"
    "    names: [a, b, c, d]\n"
    "    shape: [ 4 ]\n"
    "outputs:\n"
    "- name: out\n"
    "  datatype: FP64\n"
    "  shape: [1, 0x10]\n"
    "custom:\n"
    "  author: \"someone\"\n";

  g_test_summary ("MODEL_METADATA as YAML");

#ifndef HAVE_YAML
  g_test_skip ("built without libyaml");
  return;
#endif

  assert_build (NULL, yaml, NULL,
                "{\"custom\":{\"author\":\"someone\"},"
                "\"inputs\":[{\"messagetype\":\"tensor\",\"schema\":{\"names\":[\"a\",\"b\",\"c\",\"d\"],\"shape\":[4]}}],"
                "\"name\":\"my-yaml-model\","
                "\"outputs\":[{\"datatype\":\"FP64\",\"name\":\"out\",\"shape\":[1,16]}],"
                "\"platform\":\"seldon\",\"versions\":[\"v1\"]}");

  /* a YAML scalar that is not a string makes the metadata invalid, as with PyYAML */
  assert_invalid (NULL, "custom:\n  enabled: yes\n");
  assert_invalid (NULL, "versions: [1]\n");
  assert_invalid (NULL, "versions: 1.0\n");
  /* ... while quoting keeps it a string */
  assert_build (NULL, "versions: ['1']\ncustom: {enabled: 'yes', n: \"5\"}\n", NULL,
                "{\"custom\":{\"enabled\":\"yes\",\"n\":\"5\"},\"inputs\":[],\"name\":\"\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"1\"]}");
}

static void
test_yaml_scalars (void)
{
  struct
  {
    const char *yaml;
    const char *json;
  } cases[] = {
    /* the YAML 1.1 implicit types of PyYAML's safe_load */
    { "a: 08\nb: 010\nc: 0x1F\nd: 1_000\ne: 1:30\nf: .5\ng: 1.\nh: yes\ni: ~\nj:\nk: .inf\nl: -.Inf\n"
      "m: \"5\"\nn: !!str 5\np: 0b101\nq: 12345678901234567890123\nr: 190:20:30.15\ns: 0o17\n"
      "t: +12\nu: -0\nv: 1e+5\nw: 6.8523015e+5\nx: 1e5\ny: 1.5e3\nz: 1.5e+3",
      "{\"a\":\"08\",\"b\":8,\"c\":31,\"d\":1000,\"e\":90,\"f\":0.5,\"g\":1.0,\"h\":true,\"i\":null,\"j\":null,"
      "\"k\":Infinity,\"l\":-Infinity,\"m\":\"5\",\"n\":\"5\",\"p\":5,\"q\":12345678901234567890123,"
      "\"r\":685230.15,\"s\":\"0o17\",\"t\":12,\"u\":0,\"v\":\"1e+5\",\"w\":685230.15,\"x\":\"1e5\",\"y\":\"1.5e3\",\"z\":1500.0}" },
    { "[No, off, ON, True, FALSE, null, Null, NULL, nil, 'no', -9223372036854775809, !!int '7', !!float '2', !!bool 'on', !!null '']",
      "[false,false,true,true,false,null,null,null,\"nil\",\"no\",-9223372036854775809,7,2.0,true,null]" },
    /* JSON is YAML */
    { "{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{\"d\":2.5}}", "{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{\"d\":2.5}}" },
    /* anchors, aliases, merge keys */
    { "x: &a {k: v, j: 1}\ny: *a\nz:\n  <<: *a\n  j: 2\n  w: 1",
      "{\"x\":{\"k\":\"v\",\"j\":1},\"y\":{\"k\":\"v\",\"j\":1},\"z\":{\"k\":\"v\",\"j\":2,\"w\":1}}" },
    /* non-string keys become text, as json.dumps writes them */
    { "2: a\ntrue: b\n~: c\n1.5: d", "{\"2\":\"a\",\"true\":\"b\",\"null\":\"c\",\"1.5\":\"d\"}" },
    /* block scalars and escapes */
    { "a: |\n  line1\n  line2\nb: \"tab\\there \\u00e9\"\nc: 'it''s'", "{\"a\":\"line1\\nline2\\n\",\"b\":\"tab\\there \\u00e9\",\"c\":\"it's\"}" },
    { "", "null" },
    { "# only a comment\n", "null" },
    { "---\n", "null" },
    { "--- word\n...\n", "\"word\"" },
    /* libyaml rejects tabs as indentation; the JSON fallback accepts them */
    { "{\n\t\"a\": 1\n}", "{\"a\":1}" },
  };
  const char *errors[] = {
    "? [1]\n: 2", "a: *nothing", "- a\n---\n- b", "a: !!int xyz", "a: !custom 1", "{a: 1", "\"abc",
  };
  guint i;

  g_test_summary ("YAML scalars resolve the way PyYAML's safe_load resolves them");

#ifndef HAVE_YAML
  g_test_skip ("built without libyaml");
  return;
#endif

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SeldonJson) value = seldon_metadata_parse_text (cases[i].yaml, &error);
      g_autofree char *out = NULL;

      g_test_message ("YAML: %s", cases[i].yaml);
      g_assert_no_error (error);
      out = seldon_json_to_string (value, SELDON_JSON_WRITE_ASCII);
      g_assert_cmpstr (out, ==, cases[i].json);
    }
  for (i = 0; i < G_N_ELEMENTS (errors); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SeldonJson) value = seldon_metadata_parse_text (errors[i], &error);

      g_test_message ("YAML: %s", errors[i]);
      g_assert_null (value);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_test_message ("-> %s", error->message);
    }
}

static void
test_json_env (void)
{
  g_test_summary ("MODEL_METADATA as JSON works whether or not libyaml is available");

  assert_build (NULL, "{\"name\":\"json-model\",\"versions\":[\"2\"],\"inputs\":[{\"messagetype\":\"ndarray\"}]}", NULL,
                "{\"custom\":{},\"inputs\":[{\"messagetype\":\"ndarray\"}],\"name\":\"json-model\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"2\"]}");
  assert_build (NULL, " {\"platform\" : \"p\"} \n", NULL,
                "{\"custom\":{},\"inputs\":[],\"name\":\"\",\"outputs\":[],\"platform\":\"p\",\"versions\":[\"\"]}");
}

static void
test_validate_valid (void)
{
  const char *ok[] = {
    DEFAULT_METADATA,
    "{}",
    "{\"inputs\":[{}]}",
    "{\"inputs\":[{\"messagetype\":\"tensor\"}]}",
    "{\"inputs\":[{\"messagetype\":\"ndarray\",\"schema\":{}}]}",
    "{\"inputs\":[{\"messagetype\":\"tftensor\",\"schema\":{\"names\":[\"a\"],\"shape\":[1,2.0,-1]}}]}",
    "{\"inputs\":[{\"messagetype\":\"jsonData\",\"schema\":{\"anything\":[1,{\"x\":null}]}}]}",
    "{\"inputs\":[{\"messagetype\":\"strData\"}]}",
    "{\"inputs\":[{\"messagetype\":\"binData\"}]}",
    "{\"inputs\":[{\"messagetype\":\"my-custom\",\"schema\":{\"x\":1}}]}",
    "{\"inputs\":[{\"messagetype\":\"\"}]}",
    "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"BOOL\",\"shape\":[]}]}",
    "{\"inputs\":[{\"datatype\":\"UINT8\"},{\"datatype\":\"UINT16\"},{\"datatype\":\"UINT32\"},{\"datatype\":\"UINT64\"},"
    "{\"datatype\":\"INT8\"},{\"datatype\":\"INT16\"},{\"datatype\":\"INT32\"},{\"datatype\":\"INT64\"},"
    "{\"datatype\":\"FP16\"},{\"datatype\":\"FP32\"},{\"datatype\":\"FP64\"},{\"datatype\":\"BYTES\"}]}",
    "{\"inputs\":[{\"shape\":[123456789012345678901234567890]}]}",
    "{\"outputs\":[{\"messagetype\":\"jsonData\"},{\"name\":\"v2\",\"shape\":[3]}]}",
    "{\"versions\":[],\"custom\":{\"a\":\"\",\"b\":\"c\"},\"name\":\"n\",\"platform\":\"p\"}",
  };
  guint i;

  g_test_summary ("Metadata that matches the schema of component-contract.md §8.2");

  for (i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_test_message ("valid: %s", ok[i]);
      g_assert_true (valid (ok[i]));
    }
}

static void
test_validate_invalid (void)
{
  const char *bad[] = {
    /* the examples listed in §8.2 */
    "{\"inputs\":[{\"messagetype\":\"tensor\",\"schema\":{\"names\":[\"a\"],\"extra\":1}}]}",
    "{\"inputs\":[{\"messagetype\":\"jsonData\",\"schema\":\"text\"}]}",
    "{\"inputs\":[{\"messagetype\":\"strData\",\"invalid\":\"field\"}]}",
    "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"data-type\",\"shape\":[1,2]}]}",
    "{\"inputs\":{\"name\":\"x\"}}",
    "{\"inputs\":\"x\"}",
    "{\"outputs\":{}}",
    /* versions */
    "{\"versions\":\"v1\"}",
    "{\"versions\":[1]}",
    "{\"versions\":1}",
    "{\"versions\":[\"a\",null]}",
    /* other top-level rules */
    "{\"extra\":1}",
    "{\"name\":1}",
    "{\"name\":null}",
    "{\"platform\":[]}",
    "{\"custom\":{\"a\":1}}",
    "{\"custom\":{\"a\":\"b\",\"c\":null}}",
    "{\"custom\":[]}",
    "{\"custom\":\"x\"}",
    /* tensor descriptions */
    "{\"inputs\":[1]}",
    "{\"inputs\":[null]}",
    "{\"inputs\":[[]]}",
    "{\"inputs\":[{\"messagetype\":1}]}",
    "{\"inputs\":[{\"messagetype\":null}]}",
    "{\"inputs\":[{\"messagetype\":\"tensor\",\"name\":\"x\"}]}",
    "{\"inputs\":[{\"messagetype\":\"tensor\",\"schema\":{\"shape\":[1.5]}}]}",
    "{\"inputs\":[{\"messagetype\":\"tensor\",\"schema\":{\"shape\":[true]}}]}",
    "{\"inputs\":[{\"messagetype\":\"tensor\",\"schema\":{\"shape\":\"1\"}}]}",
    "{\"inputs\":[{\"messagetype\":\"tensor\",\"schema\":{\"names\":[1]}}]}",
    "{\"inputs\":[{\"messagetype\":\"ndarray\",\"schema\":[]}]}",
    "{\"inputs\":[{\"messagetype\":\"binData\",\"schema\":{}}]}",
    "{\"inputs\":[{\"messagetype\":\"custom\",\"schema\":[]}]}",
    "{\"inputs\":[{\"messagetype\":\"custom\",\"extra\":1}]}",
    "{\"inputs\":[{\"name\":1}]}",
    "{\"inputs\":[{\"datatype\":\"fp32\"}]}",
    "{\"inputs\":[{\"datatype\":null}]}",
    "{\"inputs\":[{\"shape\":[1,false]}]}",
    "{\"inputs\":[{\"shape\":[NaN]}]}",
    "{\"inputs\":[{\"shape\":[Infinity]}]}",
    "{\"inputs\":[{\"shape\":3}]}",
    "{\"inputs\":[{\"name\":\"x\",\"extra\":true}]}",
    "{\"inputs\":[{}],\"outputs\":[{\"messagetype\":\"jsonData\"},{\"bad\":1}]}",
    /* not an object at all */
    "[]",
    "null",
  };
  guint i;

  g_test_summary ("Metadata that violates the schema of component-contract.md §8.2");

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("invalid: %s", bad[i]);
      g_assert_false (valid (bad[i]));
    }
}

static void
test_build_invalid (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SeldonJson) user = json ("{\"inputs\":[{\"messagetype\":\"jsonData\",\"schema\":\"text\"}]}");
  g_autoptr (SeldonJson) meta = seldon_metadata_build (user, NULL, "img:1", &error);

  g_test_summary ("Invalid merged metadata gives SELDON_ERROR_BAD_METADATA with a useful message");

  g_assert_null (meta);
  g_assert_error (error, SELDON_ERROR, SELDON_ERROR_BAD_METADATA);
  g_assert_nonnull (strstr (error->message, "inputs[0]"));
  g_assert_nonnull (strstr (error->message, "{'messagetype': 'jsonData', 'schema': 'text'}"));

  /* the env can make valid user metadata invalid, and fix invalid user metadata */
  assert_invalid ("{\"name\":\"ok\"}", "{\"unknown\": 1}");
  assert_invalid ("{\"name\":\"ok\"}", "{\"versions\": \"v1\"}");
  assert_build ("{\"versions\":\"v1\"}", "{\"versions\": [\"v1\"]}", NULL,
                "{\"custom\":{},\"inputs\":[],\"name\":\"\",\"outputs\":[],\"platform\":\"\",\"versions\":[\"v1\"]}");
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  captured_errors = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_add_func ("/seldon/metadata/defaults", test_defaults);
  g_test_add_func ("/seldon/metadata/image-split", test_image_split);
  g_test_add_func ("/seldon/metadata/merge", test_merge);
  g_test_add_func ("/seldon/metadata/user-not-dict", test_user_not_dict);
  g_test_add_func ("/seldon/metadata/env/not-mapping", test_env_not_mapping);
  g_test_add_func ("/seldon/metadata/env/syntax-error", test_env_syntax_error);
  g_test_add_func ("/seldon/metadata/env/yaml", test_env_yaml);
  g_test_add_func ("/seldon/metadata/env/yaml-scalars", test_yaml_scalars);
  g_test_add_func ("/seldon/metadata/env/json", test_json_env);
  g_test_add_func ("/seldon/metadata/validate/valid", test_validate_valid);
  g_test_add_func ("/seldon/metadata/validate/invalid", test_validate_invalid);
  g_test_add_func ("/seldon/metadata/build-invalid", test_build_invalid);

  ret = g_test_run ();
  g_ptr_array_unref (captured_errors);
  return ret;
}
