/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The gRPC proto path: the protobuf codec (seldon-codec-proto.c) against wire bytes made by
 * `protoc --encode` from proto/, and the engine serving SELDON_TRANSPORT_GRPC calls
 * (grpc-api.md §4-§6) with the Behave test component of tests/components/ (built into this
 * test through a GTypeModule stub).
 */

#include "config.h"

#include <string.h>

#include "seldon-call-private.h"
#include "seldon-codec-proto-private.h"
#include "seldon-engine-private.h"
#include "seldon-error.h"
#include "seldon-json-private.h"
#include "seldon-proto-descriptors.h"

/* ------------------------------------------------------------------------------------------ */
/* the Behave component (tests/components/behave.c) */

GType seldon_component_register (GTypeModule *module);

#define TEST_TYPE_MODULE (test_module_get_type ())
G_DECLARE_FINAL_TYPE (TestModule, test_module, TEST, MODULE, GTypeModule)

struct _TestModule
{
  GTypeModule parent_instance;
};

G_DEFINE_FINAL_TYPE (TestModule, test_module, G_TYPE_TYPE_MODULE)

static GType behave_type;

static gboolean
test_module_load (GTypeModule *module)
{
  behave_type = seldon_component_register (module);
  return TRUE;
}

static void
test_module_unload (GTypeModule *module)
{
}

static void
test_module_class_init (TestModuleClass *klass)
{
  G_TYPE_MODULE_CLASS (klass)->load = test_module_load;
  G_TYPE_MODULE_CLASS (klass)->unload = test_module_unload;
}

static void
test_module_init (TestModule *self)
{
}

static SeldonComponent *
behave_new (const char *first_property,
            ...)
{
  static TestModule *module;
  va_list args;
  GObject *object;

  if (module == NULL)
    {
      module = g_object_new (TEST_TYPE_MODULE, NULL);
      g_type_module_set_name (G_TYPE_MODULE (module), "behave");
      g_assert_true (g_type_module_use (G_TYPE_MODULE (module)));   /* kept loaded */
    }

  va_start (args, first_property);
  object = g_object_new_valist (behave_type, first_property, args);
  va_end (args);
  return SELDON_COMPONENT (object);
}

/* A component without call_raw(), so that the engine takes the fast path of large arrays:
 * predict() echoes the payload. */

#include "test-component-util.h"

#define TEST_TYPE_PLAIN (test_plain_get_type ())
G_DECLARE_FINAL_TYPE (TestPlain, test_plain, TEST, PLAIN, GObject)

struct _TestPlain
{
  GObject parent_instance;
};

static SeldonMessage *
test_plain_predict (SeldonComponent *component,
                    SeldonMessage   *request,
                    GCancellable    *cancellable,
                    GError         **error)
{
  return tc_echo_payload (request, error);
}

static void
test_plain_iface_init (SeldonComponentInterface *iface)
{
  iface->predict = test_plain_predict;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestPlain, test_plain, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SELDON_TYPE_COMPONENT, test_plain_iface_init))

static void
test_plain_class_init (TestPlainClass *klass)
{
}

static void
test_plain_init (TestPlain *self)
{
}

/* ------------------------------------------------------------------------------------------ */
/* helpers */

/* Seldon WARNINGs seen by quiet_writer() */
static guint n_logged_errors;

static char *
canonical_text (const SeldonJson *json)
{
  return seldon_json_to_string (json, SELDON_JSON_WRITE_WIRE);
}

static SeldonJson *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  SeldonJson *json = seldon_json_parse (text, -1, &error);

  g_assert_no_error (error);
  return json;
}

/* Encodes the canonical JSON @json as a @type message. */
static GBytes *
encode (SeldonProtoMessageType type,
        const char            *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeldonJson) value = parse (json);
  GBytes *bytes = seldon_codec_proto_encode (type, value, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  return bytes;
}

/* The canonical JSON text (sorted keys) of @bytes read as a @type message. */
static char *
decode_text (SeldonProtoMessageType type,
             GBytes                *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeldonJson) json = seldon_codec_proto_decode (type, bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (json);
  return canonical_text (json);
}

static void
assert_bytes (GBytes     *bytes,
              const char *expected,
              gsize       expected_len)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  g_assert_cmpmem (data, size, expected, expected_len);
}

typedef struct
{
  int status;
  char *message;
  char *answer;    /* canonical JSON text of the answer message, when OK */
  char *metrics;   /* reply->metrics as JSON text, or NULL */
  gboolean has_reward;
  double reward;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->message, g_free);
  g_clear_pointer (&outcome->answer, g_free);
  g_clear_pointer (&outcome->metrics, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

static SeldonConfig *
config_new (const char *first_property,
            ...)
{
  SeldonConfig *config = seldon_config_new ();
  va_list args;

  if (first_property != NULL)
    {
      va_start (args, first_property);
      g_object_set_valist (G_OBJECT (config), first_property, args);
      va_end (args);
    }
  return config;
}

/* Runs one gRPC call whose request message is @body (NULL = empty). */
static void
invoke_bytes (SeldonComponent *component,
              SeldonConfig    *config,
              SeldonMethod     method,
              GBytes          *body,
              Outcome         *outcome)
{
  g_autoptr(SeldonConfig) own_config = NULL;
  g_autoptr(SeldonEngine) engine = NULL;
  g_autoptr(SeldonCall) call = seldon_call_new (method, SELDON_TRANSPORT_GRPC);
  g_autoptr(SeldonReply) reply = NULL;

  if (config == NULL)
    config = own_config = config_new (NULL);

  engine = seldon_engine_new (component, config);
  seldon_engine_init_metadata (engine);

  call->body = body != NULL ? g_bytes_ref (body) : NULL;
  reply = seldon_engine_invoke (engine, call, NULL);
  g_assert_nonnull (reply);

  memset (outcome, 0, sizeof *outcome);
  outcome->status = reply->grpc_status;
  outcome->message = g_strdup (reply->grpc_message);
  if (reply->grpc_status == SELDON_GRPC_STATUS_OK)
    {
      g_assert_null (reply->grpc_message);
      outcome->answer = decode_text (method == SELDON_METHOD_METADATA ? SELDON_PROTO_MESSAGE_MODEL_METADATA
                                                                      : SELDON_PROTO_MESSAGE_SELDON_MESSAGE,
                                     reply->body);
    }
  if (reply->metrics != NULL)
    outcome->metrics = seldon_json_to_string (reply->metrics, SELDON_JSON_WRITE_WIRE);
  outcome->has_reward = reply->has_reward;
  outcome->reward = reply->reward;
}

/* Runs one gRPC call whose request is the canonical JSON @request of the method's message. */
static void
invoke (SeldonComponent *component,
        SeldonConfig    *config,
        SeldonMethod     method,
        const char      *request,
        Outcome         *outcome)
{
  SeldonProtoMessageType type = method == SELDON_METHOD_AGGREGATE ? SELDON_PROTO_MESSAGE_SELDON_MESSAGE_LIST :
                                method == SELDON_METHOD_SEND_FEEDBACK ? SELDON_PROTO_MESSAGE_FEEDBACK :
                                SELDON_PROTO_MESSAGE_SELDON_MESSAGE;
  g_autoptr(GBytes) body = encode (type, request);

  invoke_bytes (component, config, method, body, outcome);
}

static void
assert_ok (const Outcome *outcome,
           const char    *expected)
{
  g_assert_cmpstr (outcome->message, ==, NULL);
  g_assert_cmpint (outcome->status, ==, SELDON_GRPC_STATUS_OK);
  g_assert_cmpstr (outcome->answer, ==, expected);
}

static void
assert_status (const Outcome *outcome,
               int            status,
               const char    *message)
{
  g_assert_cmpint (outcome->status, ==, status);
  g_assert_cmpstr (outcome->message, ==, message);
}

/* ------------------------------------------------------------------------------------------ */
/* codec: wire bytes made by protoc --encode from proto/prediction.proto */

/* meta { puid tags requestPath metrics } data { names tensor } */
static const char golden_full[] =
  "\x12\x32\x0a\x02\x70\x31\x12\x0e\x0a\x01\x6b\x12\x09\x11\x00\x00\x00\x00\x00\x00\xf0\x3f\x22\x08"
  "\x0a\x01\x75\x12\x03\x69\x6d\x67\x2a\x12\x0a\x01\x6d\x10\x01\x1d\x00\x00\x00\x3f\x22\x06\x0a\x01"
  "\x74\x12\x01\x76\x1a\x1e\x0a\x01\x61\x0a\x01\x62\x12\x16\x0a\x02\x01\x02\x12\x10\x00\x00\x00\x00"
  "\x00\x00\xf8\x3f\x00\x00\x00\x00\x00\x00\x00\xc0";
static const char canonical_full[] =
  "{\"data\":{\"names\":[\"a\",\"b\"],\"tensor\":{\"shape\":[1,2],\"values\":[1.5,-2.0]}},"
  "\"meta\":{\"metrics\":[{\"key\":\"m\",\"tags\":{\"t\":\"v\"},\"type\":\"GAUGE\",\"value\":0.5}],"
  "\"puid\":\"p1\",\"requestPath\":{\"u\":\"img\"},\"tags\":{\"k\":1.0}}}";

/* data { ndarray [[1, "x", true, null]] } */
static const char golden_ndarray[] =
  "\x1a\x1e\x1a\x1c\x0a\x1a\x32\x18\x0a\x09\x11\x00\x00\x00\x00\x00\x00\xf0\x3f\x0a\x03\x1a\x01\x78"
  "\x0a\x02\x20\x01\x0a\x02\x08\x00";
/* data { tftensor { DT_INT64, shape [2], int64_val [5, -7] } } */
static const char golden_tftensor[] =
  "\x1a\x17\x22\x15\x08\x09\x12\x04\x12\x02\x08\x02\x52\x0b\x05\xf9\xff\xff\xff\xff\xff\xff\xff\xff\x01";
static const char golden_bin[] = "\x22\x02\x00\x01";
static const char golden_json[] =
  "\x32\x12\x2a\x10\x0a\x0e\x0a\x01\x61\x12\x09\x11\x00\x00\x00\x00\x00\x00\xf0\x3f";
static const char golden_custom[] =
  "\x3a\x1d\x0a\x17type.googleapis.com/x.Y\x12\x02\x01\x02";
/* Feedback { request { data { ndarray [3] } } reward: 0.7 } */
static const char golden_feedback[] =
  "\x0a\x0f\x1a\x0d\x1a\x0b\x0a\x09\x11\x00\x00\x00\x00\x00\x00\x08\x40\x1d\x33\x33\x33\x3f";
/* SeldonMessageList { { strData "a" } { strData "" } } */
static const char golden_list[] = "\x0a\x03\x2a\x01\x61\x0a\x02\x2a\x00";

typedef struct
{
  SeldonProtoMessageType type;
  const char *bytes;
  gsize len;
  const char *canonical;
} Golden;

#define GOLDEN(type, bytes, canonical) { type, bytes, sizeof bytes - 1, canonical }

static const Golden goldens[] = {
  GOLDEN (SELDON_PROTO_MESSAGE_SELDON_MESSAGE, golden_full, canonical_full),
  GOLDEN (SELDON_PROTO_MESSAGE_SELDON_MESSAGE, golden_ndarray,
          "{\"data\":{\"ndarray\":[[1.0,\"x\",true,null]]}}"),
  GOLDEN (SELDON_PROTO_MESSAGE_SELDON_MESSAGE, golden_tftensor,
          "{\"data\":{\"tftensor\":{\"dtype\":\"DT_INT64\",\"int64Val\":[\"5\",\"-7\"],"
          "\"tensorShape\":{\"dim\":[{\"size\":\"2\"}]}}}}"),
  GOLDEN (SELDON_PROTO_MESSAGE_SELDON_MESSAGE, golden_bin, "{\"binData\":\"AAE=\"}"),
  GOLDEN (SELDON_PROTO_MESSAGE_SELDON_MESSAGE, golden_json, "{\"jsonData\":{\"a\":1.0}}"),
  GOLDEN (SELDON_PROTO_MESSAGE_SELDON_MESSAGE, golden_custom,
          "{\"customData\":{\"@type\":\"type.googleapis.com/x.Y\",\"value\":\"AQI=\"}}"),
  GOLDEN (SELDON_PROTO_MESSAGE_FEEDBACK, golden_feedback,
          "{\"request\":{\"data\":{\"ndarray\":[3.0]}},\"reward\":0.7}"),
  GOLDEN (SELDON_PROTO_MESSAGE_SELDON_MESSAGE_LIST, golden_list,
          "{\"seldonMessages\":[{\"strData\":\"a\"},{\"strData\":\"\"}]}"),
};

static void
test_codec_golden (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (goldens); i++)
    {
      const Golden *golden = &goldens[i];
      g_autoptr(GBytes) bytes = g_bytes_new_static (golden->bytes, golden->len);
      g_autofree char *text = decode_text (golden->type, bytes);
      g_autoptr(GBytes) encoded = NULL;

      g_test_message ("golden %u", i);
      g_assert_cmpstr (text, ==, golden->canonical);

      /* protoc writes fields in number order, like protobuf-c */
      encoded = encode (golden->type, golden->canonical);
      if (i != 0)   /* the sorted canonical text lists map entries in another order */
        assert_bytes (encoded, golden->bytes, golden->len);
      else
        {
          g_autofree char *again = decode_text (golden->type, encoded);

          g_assert_cmpstr (again, ==, golden->canonical);
        }
    }
}

static void
test_codec_defaults (void)
{
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) encoded = NULL;
  g_autofree char *text = decode_text (SELDON_PROTO_MESSAGE_SELDON_MESSAGE, empty);

  g_assert_cmpstr (text, ==, "{}");

  /* an empty meta is still written (field 2, length 0); an empty strData in the oneof too */
  encoded = encode (SELDON_PROTO_MESSAGE_SELDON_MESSAGE, "{\"meta\":{},\"strData\":\"\"}");
  assert_bytes (encoded, "\x12\x00\x2a\x00", 4);

  /* numbers: 64-bit as strings, floats shortest, non-finite as strings */
  g_clear_pointer (&encoded, g_bytes_unref);
  encoded = encode (SELDON_PROTO_MESSAGE_TENSOR_PROTO,
                    "{\"dtype\":\"DT_FLOAT\",\"floatVal\":[0.1,\"NaN\",\"-Infinity\"],"
                    "\"uint64Val\":[\"18446744073709551615\"],\"boolVal\":[true,false]}");
  g_clear_pointer (&text, g_free);
  text = decode_text (SELDON_PROTO_MESSAGE_TENSOR_PROTO, encoded);
  g_assert_cmpstr (text, ==,
                   "{\"boolVal\":[true,false],\"dtype\":\"DT_FLOAT\",\"floatVal\":[0.1,\"NaN\",\"-Infinity\"],"
                   "\"uint64Val\":[\"18446744073709551615\"]}");

  /* an unknown enum number stays a number */
  g_clear_pointer (&encoded, g_bytes_unref);
  encoded = g_bytes_new_static ("\x08\x4d", 2);
  g_clear_pointer (&text, g_free);
  text = decode_text (SELDON_PROTO_MESSAGE_TENSOR_PROTO, encoded);
  g_assert_cmpstr (text, ==, "{\"dtype\":77}");
}

static void
test_codec_errors (void)
{
  static const struct { const char *bytes; gsize len; } bad[] = {
    { "\x0a", 1 },                      /* truncated length */
    { "\x12\x05\x0a", 3 },              /* sub-message longer than the data */
    { "\x2a\x02\xc3\x28", 4 },          /* strData not UTF-8 */
    { "\x0f", 1 },                      /* wire type 7 */
  };
  g_autoptr(GBytes) deep_bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SeldonJson) json = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (bad[i].bytes, bad[i].len);

      json = seldon_codec_proto_decode (SELDON_PROTO_MESSAGE_SELDON_MESSAGE, bytes, &error);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_null (json);
      g_clear_error (&error);
    }

  /* messages nested 150 deep: refused before protobuf-c recurses */
  {
    /* TensorProto { variant_val { tensors { variant_val { tensors ... } } } } */
    GByteArray *msg = g_byte_array_new ();

    for (int i = 0; i < 150; i++)
      {
        GByteArray *next = g_byte_array_new ();
        guint8 key;
        guint8 varint[10];
        guint n = 0;
        guint64 len = msg->len;

        key = (i % 2 == 0) ? 0x1a /* VariantTensorDataProto.tensors (3) */
                           : 0x7a /* TensorProto.variant_val (15) */;
        do
          {
            varint[n++] = (guint8) ((len & 0x7f) | (len > 0x7f ? 0x80 : 0));
            len >>= 7;
          }
        while (len > 0);
        g_byte_array_append (next, &key, 1);
        g_byte_array_append (next, varint, n);
        g_byte_array_append (next, msg->data, msg->len);
        g_byte_array_unref (msg);
        msg = next;
      }
    /* the outermost field is TensorProto.variant_val, so msg is a TensorProto */
    deep_bytes = g_byte_array_free_to_bytes (msg);
  }
  json = seldon_codec_proto_decode (SELDON_PROTO_MESSAGE_TENSOR_PROTO, deep_bytes, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_null (json);
  g_clear_error (&error);

  /* encoding: a value of the wrong JSON type */
  {
    g_autoptr(SeldonJson) value = parse ("{\"data\":{\"tensor\":{\"shape\":[\"x\"]}}}");
    g_autoptr(GBytes) bytes = seldon_codec_proto_encode (SELDON_PROTO_MESSAGE_SELDON_MESSAGE, value, &error);

    g_assert_error (error, SELDON_ERROR, SELDON_ERROR_FAILED);
    g_assert_null (bytes);
    g_clear_error (&error);
  }
}

static void
test_descriptors (void)
{
  gboolean found_prediction = FALSE;
  gboolean found_method = FALSE;

  g_assert_cmpuint (seldon_proto_descriptor_set_size, >, 1000);
  /* the 8 files of the Seldon schema, and those of the services the front serves itself */
  g_assert_cmpuint (seldon_proto_n_files, >=, 8);
  for (guint i = 0; i < seldon_proto_n_files; i++)
    {
      const SeldonProtoFile *file = &seldon_proto_files[i];

      g_assert_cmpuint (file->size, >, 0);
      /* dependencies first */
      for (guint d = 0; file->dependencies[d] != NULL; d++)
        {
          gboolean before = FALSE;

          for (guint j = 0; j < i; j++)
            before |= strcmp (seldon_proto_files[j].name, file->dependencies[d]) == 0;
          g_assert_true (before);
        }
      if (strcmp (file->name, "prediction.proto") == 0)
        {
          found_prediction = TRUE;
          g_assert_true (g_strv_contains (file->dependencies, "google/protobuf/struct.proto"));
          g_assert_true (g_strv_contains (file->symbols, "seldon.protos.Model"));
          g_assert_true (g_strv_contains (file->symbols, "seldon.protos.Meta.TagsEntry"));
          g_assert_true (g_strv_contains (file->symbols, "seldon.protos.Metric.MetricType"));
          found_method = g_strv_contains (file->symbols, "seldon.protos.Seldon.GraphMetadata");
        }
    }
  g_assert_true (found_prediction);
  g_assert_true (found_method);
}

/* ------------------------------------------------------------------------------------------ */
/* engine: payloads (grpc-api.md §4) */

static void
test_identity_payloads (void)
{
  g_autoptr(SeldonComponent) identity = behave_new ("implements", "predict", NULL);
  static const struct { const char *request; const char *answer; } cases[] = {
    /* §4.3 examples */
    { "{\"data\":{\"ndarray\":[[1,2]]}}",
      "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[1.0,2.0]]},\"meta\":{}}" },
    { "{\"data\":{\"tensor\":{\"shape\":[2,1],\"values\":[1,2]}}}",
      "{\"data\":{\"names\":[\"t:0\"],\"tensor\":{\"shape\":[2,1],\"values\":[1.0,2.0]}},\"meta\":{}}" },
    { "{\"binData\":\"AAE=\"}", "{\"binData\":\"AAE=\",\"meta\":{}}" },
    { "{\"strData\":\"hello\"}", "{\"meta\":{},\"strData\":\"hello\"}" },
    { "{\"strData\":\"\"}", "{\"meta\":{},\"strData\":\"\"}" },
    { "{\"jsonData\":{\"a\":1,\"b\":[true,null,\"x\"]}}",
      "{\"jsonData\":{\"a\":1.0,\"b\":[true,null,\"x\"]},\"meta\":{}}" },
    { "{\"customData\":{\"@type\":\"type.googleapis.com/x.Y\",\"value\":\"AQI=\"}}",
      "{\"customData\":{\"@type\":\"type.googleapis.com/x.Y\",\"value\":\"AQI=\"},\"meta\":{}}" },
    /* data with none of the three: an empty float array, answered as ndarray */
    { "{\"data\":{\"names\":[\"a\"]}}", "{\"data\":{\"ndarray\":[]},\"meta\":{}}" },
    /* non-numeric arrays are ndarray whatever the request's kind */
    { "{\"data\":{\"ndarray\":[[\"a\",\"b\"]]}}",
      "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[\"a\",\"b\"]]},\"meta\":{}}" },
    /* tftensor of several dtypes: values in tensor_content for multi-element arrays */
    { "{\"data\":{\"tftensor\":{\"dtype\":\"DT_FLOAT\",\"tensorShape\":{\"dim\":[{\"size\":\"2\"}]},"
      "\"floatVal\":[1.5,-2]}}}",
      "{\"data\":{\"tftensor\":{\"dtype\":\"DT_FLOAT\",\"tensorContent\":\"AADAPwAAAMA=\","
      "\"tensorShape\":{\"dim\":[{\"size\":\"2\"}]}}},\"meta\":{}}" },
    { "{\"data\":{\"tftensor\":{\"dtype\":\"DT_INT64\",\"tensorShape\":{\"dim\":[{\"size\":\"1\"}]},"
      "\"int64Val\":[\"7\"]}}}",
      "{\"data\":{\"tftensor\":{\"dtype\":\"DT_INT64\",\"int64Val\":[\"7\"],"
      "\"tensorShape\":{\"dim\":[{\"size\":\"1\"}]}}},\"meta\":{}}" },
    { "{\"data\":{\"tftensor\":{\"dtype\":\"DT_DOUBLE\",\"tensorShape\":{\"dim\":[{\"size\":\"1\"},{\"size\":\"2\"}]},"
      "\"tensorContent\":\"AAAAAAAA8D8AAAAAAAAAQA==\"}}}",
      "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"tftensor\":{\"dtype\":\"DT_DOUBLE\","
      "\"tensorContent\":\"AAAAAAAA8D8AAAAAAAAAQA==\",\"tensorShape\":{\"dim\":[{\"size\":\"1\"},{\"size\":\"2\"}]}}},"
      "\"meta\":{}}" },
    { "{\"data\":{\"tftensor\":{\"dtype\":\"DT_INT32\",\"tensorShape\":{\"dim\":[{\"size\":\"3\"}]},"
      "\"intVal\":[1,2,3]}}}",
      "{\"data\":{\"tftensor\":{\"dtype\":\"DT_INT32\",\"tensorContent\":\"AQAAAAIAAAADAAAA\","
      "\"tensorShape\":{\"dim\":[{\"size\":\"3\"}]}}},\"meta\":{}}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Outcome) outcome = { 0 };

      g_test_message ("case %u: %s", i, cases[i].request);
      invoke (identity, NULL, SELDON_METHOD_PREDICT, cases[i].request, &outcome);
      assert_ok (&outcome, cases[i].answer);
    }
}

/* The fast path of large arrays (no JSON tree) answers exactly like the general one, which
 * Behave gets because it implements call_raw(). */
static void
test_fast_path (void)
{
  g_autoptr(SeldonComponent) plain = g_object_new (TEST_TYPE_PLAIN, NULL);
  g_autoptr(SeldonComponent) behave = behave_new ("implements", "predict", NULL);
  static const char * const requests[] = {
    "{\"data\":{\"ndarray\":[[1,2],[3,4.5]]}}",
    "{\"data\":{\"ndarray\":[1,2,3]}}",
    "{\"data\":{\"ndarray\":[[[1],[2]],[[3],[4]]]}}",
    "{\"data\":{\"names\":[\"a\"],\"ndarray\":[[1e300,-0.0]]}}",
    "{\"meta\":{\"puid\":\"p\"},\"data\":{\"ndarray\":[[1,2]]}}",
    /* left to the general path */
    "{\"data\":{\"ndarray\":[[1,2],[3]]}}",
    "{\"data\":{\"ndarray\":[[1,\"a\"]]}}",
    "{\"data\":{\"ndarray\":[[1,true]]}}",
    "{\"data\":{\"ndarray\":[[1,null]]}}",
    "{\"data\":{\"ndarray\":[[1,[2]]]}}",
    "{\"data\":{\"ndarray\":[[[1]],2]}}",
    "{\"data\":{\"ndarray\":[]}}",
    "{\"data\":{\"ndarray\":[[]]}}",
    "{\"data\":{\"ndarray\":[\"NaN\",1]}}",
    "{\"data\":{\"ndarray\":[{\"a\":1}]}}",
    /* tensors */
    "{\"data\":{\"tensor\":{\"shape\":[2,2],\"values\":[1,2,3,4]}}}",
    "{\"data\":{\"tensor\":{\"shape\":[2],\"values\":[\"NaN\",\"-Infinity\"]}}}",
    "{\"data\":{\"tensor\":{\"shape\":[-1],\"values\":[1,2,3]}}}",
    "{\"data\":{\"tensor\":{\"shape\":[3],\"values\":[1,2]}}}",
    "{\"data\":{\"tensor\":{\"values\":[7]}}}",
    "{\"data\":{\"tensor\":{}}}",
    "{\"data\":{\"tensor\":{\"shape\":[0]}}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_auto(Outcome) fast = { 0 };
      g_auto(Outcome) general = { 0 };

      g_test_message ("fast %u: %s", i, requests[i]);
      invoke (plain, NULL, SELDON_METHOD_PREDICT, requests[i], &fast);
      invoke (behave, NULL, SELDON_METHOD_PREDICT, requests[i], &general);
      g_assert_cmpint (fast.status, ==, general.status);
      g_assert_cmpstr (fast.message, ==, general.message);
      g_assert_cmpstr (fast.answer, ==, general.answer);
    }

  /* a later member of a oneof replaces the array (wire: ndarray [[1]], then strData "s") */
  {
    g_auto(Outcome) outcome = { 0 };
    static const char wire[] =
      "\x1a\x11\x1a\x0f\x0a\x0d\x32\x0b\x0a\x09\x11\x00\x00\x00\x00\x00\x00\xf0\x3f"
      "\x2a\x01s";
    g_autoptr(GBytes) body = g_bytes_new_static (wire, sizeof wire - 1);

    invoke_bytes (plain, NULL, SELDON_METHOD_PREDICT, body, &outcome);
    assert_ok (&outcome, "{\"meta\":{},\"strData\":\"s\"}");
  }

  /* a malformed Tensor is still a deserialization error */
  {
    g_auto(Outcome) outcome = { 0 };
    static const char wire[] = "\x1a\x05\x12\x03\x12\x01\x01";   /* values: 1 byte */
    g_autoptr(GBytes) body = g_bytes_new_static (wire, sizeof wire - 1);

    invoke_bytes (plain, NULL, SELDON_METHOD_PREDICT, body, &outcome);
    assert_status (&outcome, SELDON_GRPC_STATUS_INTERNAL, "Exception deserializing request!");
  }
}

/* What the component receives (grpc-api.md §4.1, component-contract.md §3.1 gRPC column). */
static void
test_decoded_request (void)
{
  g_autoptr(SeldonComponent) inspect = behave_new ("implements", "predict", "result-kind", "inspect", NULL);
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(SeldonJson) answer = NULL;
  g_autofree char *seen = NULL;

  /* ndarray numbers arrive as floats; meta as canonical proto3 JSON */
  invoke (inspect, NULL, SELDON_METHOD_PREDICT,
          "{\"meta\":{\"puid\":\"x\",\"tags\":{\"t\":2}},\"data\":{\"names\":[\"a\",\"b\"],\"ndarray\":[[1,2]]}}",
          &outcome);
  g_assert_cmpint (outcome.status, ==, 0);
  answer = parse (outcome.answer);
  seen = canonical_text (seldon_json_object_get (answer, "jsonData"));
  g_test_message ("%s", seen);
  g_assert_nonnull (strstr (seen, "\"dtype\":\"float64\""));
  g_assert_nonnull (strstr (seen, "\"names\":[\"a\",\"b\"]"));
  g_assert_nonnull (strstr (seen, "\"meta\":{\"puid\":\"x\",\"tags\":{\"t\":2.0}}"));
  g_assert_nonnull (strstr (seen, "\"shape\":[1.0,2.0]"));
  outcome_clear (&outcome);
  g_clear_pointer (&answer, seldon_json_unref);
  g_clear_pointer (&seen, g_free);

  /* no meta: {} */
  invoke (inspect, NULL, SELDON_METHOD_PREDICT, "{\"strData\":\"s\"}", &outcome);
  g_assert_cmpint (outcome.status, ==, 0);
  answer = parse (outcome.answer);
  seen = canonical_text (seldon_json_object_get (answer, "jsonData"));
  g_assert_nonnull (strstr (seen, "\"meta\":{}"));
  g_assert_nonnull (strstr (seen, "\"str\":\"s\""));
}

/* grpc-api.md §4.3: meta of the answer */
static void
test_answer_meta (void)
{
  g_autoptr(SeldonComponent) tagged = behave_new ("implements", "predict,transform-input",
                                                  "tags-json", "{\"static\":\"tag\",\"n\":3}",
                                                  "runtime-tags-json", "{\"runtime\":1}",
                                                  "metrics-json", "[{\"type\":\"COUNTER\",\"key\":\"c\",\"value\":1}]",
                                                  NULL);
  g_autoptr(SeldonConfig) config = config_new ("unit-id", "unit", "unit-image", "img:1", NULL);
  g_autoptr(SeldonConfig) quiet = config_new ("include-metrics-in-client-response", FALSE, NULL);
  g_auto(Outcome) outcome = { 0 };

  invoke (tagged, config, SELDON_METHOD_PREDICT,
          "{\"meta\":{\"puid\":\"p\",\"tags\":{\"req\":\"r\"},\"requestPath\":{\"a\":\"b\"},"
          "\"metrics\":[{\"key\":\"g\",\"type\":\"GAUGE\",\"value\":2,\"tags\":{\"x\":\"y\"}}]},"
          "\"data\":{\"tensor\":{\"shape\":[1],\"values\":[4]}}}",
          &outcome);
  assert_ok (&outcome,
             "{\"data\":{\"tensor\":{\"shape\":[1],\"values\":[4.0]}},"
             "\"meta\":{\"metrics\":[{\"key\":\"g\",\"tags\":{\"x\":\"y\"},\"type\":\"GAUGE\",\"value\":2.0},"
             "{\"key\":\"c\",\"value\":1.0}],"
             "\"puid\":\"p\",\"requestPath\":{\"a\":\"b\",\"unit\":\"img:1\"},"
             "\"tags\":{\"n\":3.0,\"req\":\"r\",\"runtime\":1.0,\"static\":\"tag\"}}}");
  /* metrics recorded for the front, under the method's label */
  g_assert_cmpstr (outcome.metrics, ==,
                   "[{\"method\":\"predict\",\"metrics\":[{\"key\":\"c\",\"type\":\"COUNTER\",\"value\":1}]}]");
  outcome_clear (&outcome);

  /* INCLUDE_METRICS_IN_CLIENT_RESPONSE=false: only the request's metrics */
  invoke (tagged, quiet, SELDON_METHOD_TRANSFORM_INPUT, "{\"strData\":\"x\"}", &outcome);
  assert_ok (&outcome, "{\"meta\":{\"tags\":{\"n\":3.0,\"runtime\":1.0,\"static\":\"tag\"}},\"strData\":\"x\"}");
}

/* grpc-api.md §4.2 and §6 */
static void
test_errors (void)
{
  g_autoptr(SeldonComponent) identity = behave_new ("implements", "predict", NULL);
  g_autoptr(SeldonComponent) failing = behave_new ("implements", "predict", "error-kind", "custom",
                                                   "error-message", "Routing response must be int but got 1.0",
                                                   NULL);
  g_autoptr(SeldonComponent) crashing = behave_new ("implements", "predict", "error-kind", "failed",
                                                    "error-message", "boom", NULL);
  g_autoptr(GBytes) garbage = g_bytes_new_static ("\x0a\x05", 2);
  g_auto(Outcome) outcome = { 0 };

  /* count of values != product of shape: UNKNOWN, in both directions; errors are logged */
  n_logged_errors = 0;
  invoke (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"tensor\":{\"shape\":[3],\"values\":[1,2]}}}", &outcome);
  assert_status (&outcome, SELDON_GRPC_STATUS_UNKNOWN,
                 "Exception calling application: cannot reshape array of size 2 into shape (3,)");
  g_assert_cmpuint (n_logged_errors, ==, 1);
  outcome_clear (&outcome);
  invoke (identity, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"tensor\":{\"shape\":[1],\"values\":[1,2]}}}", &outcome);
  assert_status (&outcome, SELDON_GRPC_STATUS_UNKNOWN,
                 "Exception calling application: cannot reshape array of size 2 into shape (1,)");
  outcome_clear (&outcome);

  /* an empty SeldonMessage */
  invoke (identity, NULL, SELDON_METHOD_PREDICT, "{\"meta\":{\"puid\":\"x\"}}", &outcome);
  assert_status (&outcome, SELDON_GRPC_STATUS_UNKNOWN,
                 "Exception calling application: Unknown data type in SeldonMessage");
  outcome_clear (&outcome);

  /* undecodable bytes */
  invoke_bytes (identity, NULL, SELDON_METHOD_PREDICT, garbage, &outcome);
  assert_status (&outcome, SELDON_GRPC_STATUS_INTERNAL, "Exception deserializing request!");
  outcome_clear (&outcome);

  /* Seldon errors carry their message (decisions.md D4); others too */
  invoke (failing, NULL, SELDON_METHOD_PREDICT, "{\"strData\":\"x\"}", &outcome);
  assert_status (&outcome, SELDON_GRPC_STATUS_UNKNOWN,
                 "Exception calling application: Routing response must be int but got 1.0");
  outcome_clear (&outcome);
  invoke (crashing, NULL, SELDON_METHOD_PREDICT, "{\"strData\":\"x\"}", &outcome);
  assert_status (&outcome, SELDON_GRPC_STATUS_UNKNOWN, "Exception calling application: boom");
  outcome_clear (&outcome);

  /* an ndarray answer of a 0-d array */
  {
    g_autoptr(SeldonComponent) scalar = behave_new ("implements", "predict", "result-kind", "tensor",
                                                    "result-json", "5", NULL);

    invoke (scalar, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"ndarray\":[1]}}", &outcome);
    assert_status (&outcome, SELDON_GRPC_STATUS_UNKNOWN, "Exception calling application: iteration over a 0-d array");
    outcome_clear (&outcome);
    /* the tensor kind has no shape */
    invoke (scalar, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"tensor\":{\"shape\":[1],\"values\":[1]}}}", &outcome);
    assert_ok (&outcome, "{\"data\":{\"tensor\":{\"values\":[5.0]}},\"meta\":{}}");
  }
}

/* grpc-api.md §5 */
static void
test_fallbacks (void)
{
  g_autoptr(SeldonComponent) nothing = behave_new ("implements", "", NULL);
  g_auto(Outcome) outcome = { 0 };

  /* no predict: empty result, kind of the request */
  invoke (nothing, NULL, SELDON_METHOD_PREDICT, "{\"data\":{\"tensor\":{\"shape\":[1],\"values\":[1]}}}", &outcome);
  assert_ok (&outcome, "{\"data\":{\"tensor\":{\"shape\":[0]}},\"meta\":{}}");
  outcome_clear (&outcome);

  /* no transform: the payload echoed */
  invoke (nothing, NULL, SELDON_METHOD_TRANSFORM_OUTPUT, "{\"data\":{\"ndarray\":[[1,2]]}}", &outcome);
  assert_ok (&outcome, "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[1.0,2.0]]},\"meta\":{}}");
  outcome_clear (&outcome);

  /* no route */
  invoke (nothing, NULL, SELDON_METHOD_ROUTE, "{\"strData\":\"x\"}", &outcome);
  assert_status (&outcome, SELDON_GRPC_STATUS_UNKNOWN, "Exception calling application: Route not defined");
  outcome_clear (&outcome);

  /* an empty Feedback without send_feedback */
  invoke (nothing, NULL, SELDON_METHOD_SEND_FEEDBACK, "{}", &outcome);
  assert_ok (&outcome, "{\"data\":{\"tensor\":{\"shape\":[0]}},\"meta\":{}}");
  g_assert_false (outcome.has_reward);
  outcome_clear (&outcome);

  /* no health over gRPC */
  invoke (nothing, NULL, SELDON_METHOD_HEALTH_STATUS, "{}", &outcome);
  assert_status (&outcome, 12, "Method not found!");
}

static void
test_route (void)
{
  g_autoptr(SeldonComponent) router = behave_new ("route-json", "1", "tags-json", "{\"s\":1}", NULL);
  g_autoptr(SeldonComponent) bad = behave_new ("route-json", "1.5", NULL);
  g_auto(Outcome) outcome = { 0 };

  invoke (router, NULL, SELDON_METHOD_ROUTE,
          "{\"meta\":{\"puid\":\"p\",\"tags\":{\"r\":1}},\"data\":{\"tensor\":{\"shape\":[1],\"values\":[1]}}}",
          &outcome);
  assert_ok (&outcome,
             "{\"data\":{\"names\":[\"t:0\"],\"tensor\":{\"shape\":[1,1],\"values\":[1.0]}},"
             "\"meta\":{\"puid\":\"p\",\"tags\":{\"s\":1.0}}}");
  outcome_clear (&outcome);

  invoke (router, NULL, SELDON_METHOD_ROUTE, "{\"data\":{\"ndarray\":[1]}}", &outcome);
  assert_ok (&outcome, "{\"data\":{\"names\":[\"t:0\"],\"ndarray\":[[1.0]]},\"meta\":{\"tags\":{\"s\":1.0}}}");
  outcome_clear (&outcome);

  invoke (bad, NULL, SELDON_METHOD_ROUTE, "{\"strData\":\"x\"}", &outcome);
  assert_status (&outcome, SELDON_GRPC_STATUS_UNKNOWN,
                 "Exception calling application: Routing response must be int but got 1.5");
}

static void
test_aggregate (void)
{
  g_autoptr(SeldonComponent) combiner = behave_new ("implements", "aggregate", NULL);
  g_auto(Outcome) outcome = { 0 };

  invoke (combiner, NULL, SELDON_METHOD_AGGREGATE,
          "{\"seldonMessages\":["
          "{\"meta\":{\"puid\":\"first\",\"tags\":{\"a\":1}},\"data\":{\"tensor\":{\"shape\":[2],\"values\":[1,2]}}},"
          "{\"meta\":{\"tags\":{\"b\":2},\"metrics\":[{\"key\":\"k\",\"value\":3}]},\"strData\":\"x\"}]}",
          &outcome);
  assert_ok (&outcome,
             "{\"data\":{\"tensor\":{\"shape\":[2],\"values\":[1.0,2.0]}},"
             "\"meta\":{\"metrics\":[{\"key\":\"k\",\"value\":3.0}],\"puid\":\"first\",\"tags\":{\"a\":1.0,\"b\":2.0}}}");
  outcome_clear (&outcome);

  invoke (combiner, NULL, SELDON_METHOD_AGGREGATE, "{}", &outcome);
  assert_status (&outcome, SELDON_GRPC_STATUS_UNKNOWN, "Exception calling application: list index out of range");
}

static void
test_feedback (void)
{
  g_autoptr(SeldonComponent) receiver = behave_new ("implements", "send-feedback", "result-kind", "feedback-echo",
                                                    NULL);
  g_autoptr(SeldonConfig) config = config_new ("unit-id", "router", NULL);
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(SeldonJson) answer = NULL;
  g_autofree char *seen = NULL;
  g_autoptr(GBytes) body = g_bytes_new_static (golden_feedback, sizeof golden_feedback - 1);

  invoke (receiver, config, SELDON_METHOD_SEND_FEEDBACK,
          "{\"request\":{\"meta\":{\"puid\":\"q\"},\"data\":{\"ndarray\":[[1,2]]}},"
          "\"response\":{\"meta\":{\"routing\":{\"router\":1,\"other\":0}}},"
          "\"truth\":{\"data\":{\"tensor\":{\"shape\":[1],\"values\":[1]}}},\"reward\":0.5}",
          &outcome);
  g_assert_cmpint (outcome.status, ==, 0);
  g_assert_true (outcome.has_reward);
  g_assert_cmpfloat (outcome.reward, ==, 0.5);
  answer = parse (outcome.answer);
  seen = canonical_text (seldon_json_object_get (answer, "jsonData"));
  g_assert_nonnull (strstr (seen, "\"routing\":1.0"));
  g_assert_nonnull (strstr (seen, "\"reward\":0.5"));
  g_clear_pointer (&seen, g_free);
  seen = canonical_text (seldon_json_object_get (answer, "meta"));
  g_assert_cmpstr (seen, ==, "{\"puid\":\"q\",\"requestPath\":{\"router\":\"NOT_IMPLEMENTED:NOT_IMPLEMENTED\"}}");
  outcome_clear (&outcome);

  /* the 32-bit reward widened to double */
  invoke_bytes (receiver, NULL, SELDON_METHOD_SEND_FEEDBACK, body, &outcome);
  g_assert_cmpint (outcome.status, ==, 0);
  g_assert_cmpfloat (outcome.reward, ==, (double) 0.7f);
}

static void
test_raw (void)
{
  g_autoptr(SeldonComponent) echo = behave_new ("raw-echo", TRUE, "raw-methods", "predict,aggregate,send-feedback",
                                                NULL);
  g_autoptr(SeldonComponent) fixed = behave_new ("raw-json",
                                                 "{\"meta\":{\"metrics\":[{\"key\":\"r\",\"value\":2}]},\"strData\":\"raw\"}",
                                                 NULL);
  g_autoptr(SeldonComponent) not_a_message = behave_new ("raw-json", "{\"foo\":1}", NULL);
  g_autoptr(SeldonConfig) quiet = config_new ("include-metrics-in-client-response", FALSE, NULL);
  g_auto(Outcome) outcome = { 0 };

  /* the request in its canonical form, the answer sent as is */
  invoke (echo, NULL, SELDON_METHOD_PREDICT,
          "{\"customData\":{\"@type\":\"type.googleapis.com/x.Y\",\"value\":\"AQI=\"}}", &outcome);
  assert_ok (&outcome, "{\"customData\":{\"@type\":\"type.googleapis.com/x.Y\",\"value\":\"AQI=\"}}");
  outcome_clear (&outcome);

  /* a raw aggregate gets the SeldonMessageList: echoing it is not a SeldonMessage */
  invoke (echo, NULL, SELDON_METHOD_AGGREGATE, "{\"seldonMessages\":[{\"strData\":\"a\"}]}", &outcome);
  g_assert_cmpint (outcome.status, ==, SELDON_GRPC_STATUS_UNKNOWN);
  g_assert_true (g_str_has_prefix (outcome.message, "Exception calling application: Message type \"seldon.protos.SeldonMessage\" has no field named \"seldonMessages\""));
  outcome_clear (&outcome);

  /* metrics of a raw answer: recorded untyped as COUNTER, kept or removed */
  invoke (fixed, NULL, SELDON_METHOD_PREDICT, "{\"strData\":\"x\"}", &outcome);
  assert_ok (&outcome, "{\"meta\":{\"metrics\":[{\"key\":\"r\",\"value\":2.0}]},\"strData\":\"raw\"}");
  g_assert_cmpstr (outcome.metrics, ==,
                   "[{\"method\":\"predict\",\"metrics\":[{\"key\":\"r\",\"type\":\"COUNTER\",\"value\":2.0}]}]");
  outcome_clear (&outcome);
  invoke (fixed, quiet, SELDON_METHOD_PREDICT, "{\"strData\":\"x\"}", &outcome);
  assert_ok (&outcome, "{\"meta\":{},\"strData\":\"raw\"}");
  outcome_clear (&outcome);

  /* a raw method gets the request before any payload check */
  invoke (fixed, NULL, SELDON_METHOD_PREDICT, "{}", &outcome);
  g_assert_cmpint (outcome.status, ==, 0);
  outcome_clear (&outcome);

  invoke (not_a_message, NULL, SELDON_METHOD_PREDICT, "{\"strData\":\"x\"}", &outcome);
  g_assert_cmpint (outcome.status, ==, SELDON_GRPC_STATUS_UNKNOWN);
  g_assert_true (g_str_has_prefix (outcome.message, "Exception calling application: Message type "));
  outcome_clear (&outcome);

  /* send_feedback_raw gets the Feedback */
  invoke (echo, NULL, SELDON_METHOD_SEND_FEEDBACK, "{\"request\":{\"strData\":\"a\"}}", &outcome);
  g_assert_cmpint (outcome.status, ==, SELDON_GRPC_STATUS_UNKNOWN);
  g_assert_nonnull (strstr (outcome.message, "has no field named \"request\""));
}

static void
test_metadata (void)
{
  g_autoptr(SeldonComponent) plain = behave_new (NULL, NULL);
  g_autoptr(SeldonComponent) described = behave_new (
    "metadata-json",
    "{\"name\":\"m\",\"versions\":[\"v1\"],\"platform\":\"seldon\",\"custom\":{\"k\":\"v\"},"
    "\"inputs\":[{\"datatype\":\"BYTES\",\"name\":\"input\",\"shape\":[1,4]},{\"messagetype\":\"jsonData\"}],"
    "\"outputs\":[{\"messagetype\":\"tensor\",\"schema\":{\"shape\":[2,2]}}]}",
    NULL);
  g_autoptr(SeldonComponent) invalid = behave_new ("metadata-json", "{\"versions\":\"v1\"}", NULL);
  g_autoptr(GBytes) request = encode (SELDON_PROTO_MESSAGE_MODEL_METADATA_REQUEST, "{\"name\":\"ignored\"}");
  g_auto(Outcome) outcome = { 0 };

  invoke_bytes (plain, NULL, SELDON_METHOD_METADATA, NULL, &outcome);
  assert_ok (&outcome, "{\"versions\":[\"\"]}");
  outcome_clear (&outcome);

  invoke_bytes (described, NULL, SELDON_METHOD_METADATA, request, &outcome);
  assert_ok (&outcome,
             "{\"custom\":{\"k\":\"v\"},\"inputs\":[{\"datatype\":\"BYTES\",\"name\":\"input\",\"shape\":[\"1\",\"4\"]},"
             "{\"messagetype\":\"jsonData\"}],\"name\":\"m\",\"outputs\":[{\"messagetype\":\"tensor\","
             "\"schema\":{\"shape\":[2.0,2.0]}}],\"platform\":\"seldon\",\"versions\":[\"v1\"]}");
  outcome_clear (&outcome);

  /* decisions.md D4: unavailable metadata fails */
  invoke_bytes (invalid, NULL, SELDON_METHOD_METADATA, NULL, &outcome);
  assert_status (&outcome, SELDON_GRPC_STATUS_UNKNOWN, "Exception calling application: Model metadata unavailable");
}

/* REST is unchanged by the proto path: one check that REST still answers JSON. */
static void
test_rest_unchanged (void)
{
  g_autoptr(SeldonComponent) identity = behave_new ("implements", "predict", NULL);
  g_autoptr(SeldonConfig) config = config_new (NULL);
  g_autoptr(SeldonEngine) engine = seldon_engine_new (identity, config);
  g_autoptr(SeldonCall) call = seldon_call_new (SELDON_METHOD_PREDICT, SELDON_TRANSPORT_REST);
  g_autoptr(SeldonReply) reply = NULL;
  static const char body[] = "{\"data\":{\"ndarray\":[[1,2]]}}";
  gsize size = 0;
  const char *text;

  call->body = g_bytes_new_static (body, strlen (body));
  reply = seldon_engine_invoke (engine, call, NULL);
  text = g_bytes_get_data (reply->body, &size);
  g_assert_cmpuint (reply->http_status, ==, 200);
  g_assert_cmpmem (text, size, "{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[1,2]]},\"meta\":{}}\n",
                   strlen ("{\"data\":{\"names\":[\"t:0\",\"t:1\"],\"ndarray\":[[1,2]]},\"meta\":{}}\n"));
}

static GLogWriterOutput
quiet_writer (GLogLevelFlags   log_level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  /* the engine logs every error answer at WARNING (SELDON_LEVEL=ERROR): expected here */
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0 &&
        strcmp (fields[i].value, "Seldon") == 0 && (log_level & G_LOG_LEVEL_WARNING))
      {
        n_logged_errors++;
        return G_LOG_WRITER_HANDLED;
      }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (quiet_writer, NULL, NULL);

  g_test_add_func ("/proto/codec/golden", test_codec_golden);
  g_test_add_func ("/proto/codec/defaults", test_codec_defaults);
  g_test_add_func ("/proto/codec/errors", test_codec_errors);
  g_test_add_func ("/proto/descriptors", test_descriptors);
  g_test_add_func ("/proto/engine/payloads", test_identity_payloads);
  g_test_add_func ("/proto/engine/fast-path", test_fast_path);
  g_test_add_func ("/proto/engine/decoded-request", test_decoded_request);
  g_test_add_func ("/proto/engine/answer-meta", test_answer_meta);
  g_test_add_func ("/proto/engine/errors", test_errors);
  g_test_add_func ("/proto/engine/fallbacks", test_fallbacks);
  g_test_add_func ("/proto/engine/route", test_route);
  g_test_add_func ("/proto/engine/aggregate", test_aggregate);
  g_test_add_func ("/proto/engine/feedback", test_feedback);
  g_test_add_func ("/proto/engine/raw", test_raw);
  g_test_add_func ("/proto/engine/metadata", test_metadata);
  g_test_add_func ("/proto/engine/rest-unchanged", test_rest_unchanged);

  return g_test_run ();
}
