/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The proto path over JSON (rest-api.md §9.6): REST feedback goes through the protobuf
 * classes, so its request is parsed strictly with the proto3 JSON mapping (python
 * json_format.ParseDict, with its error texts) and its answer is rendered as proto3
 * canonical JSON (MessageToDict: defaults omitted, numbers as floats, enums by name).
 *
 * The schema is prediction.proto and the TensorFlow TensorProto subset (grpc-api.md §3).
 */

#include "seldon-codec-private.h"
#include "seldon-json-private.h"
#include "seldon-message.h"

G_BEGIN_DECLS

typedef enum
{
  SELDON_PROTO_FEEDBACK,
  SELDON_PROTO_SELDON_MESSAGE,
  SELDON_PROTO_SELDON_MESSAGE_LIST,
  SELDON_PROTO_META,
  SELDON_PROTO_TENSOR_PROTO,
} SeldonProtoType;

typedef enum
{
  SELDON_PROTO_JSON_NONE = 0,
  /* Parse errors become SELDON_ERROR_BAD_DATA "Invalid JSON: <text>" (utils.json_to_*);
   * without the flag they are SELDON_ERROR_FAILED with the bare text. Errors that upstream
   * lets escape json_format (TypeError of a non-iterable root, OverflowError, ...) are
   * always SELDON_ERROR_FAILED. */
  SELDON_PROTO_JSON_INVALID_JSON = 1 << 0,
  /* A google.protobuf.Any of any message type is written and read as
   * {"@type": "<type URL>", "value": "<base64 of the serialized message>"}, libseldon's form
   * for the gRPC path (the canonical form needs the message type, which is unknown here).
   * Without the flag an Any that is not empty is an error, as json_format gives it when the
   * type is not in its pool. */
  SELDON_PROTO_JSON_ANY_BYTES = 1 << 1,
} SeldonProtoJsonFlags;

/* ParseDict(value, Type()) then MessageToDict(): the canonical proto3 JSON of @value. */
SeldonJson     *seldon_proto_json_parse         (SeldonProtoType       type,
                                                 const SeldonJson     *value,
                                                 SeldonProtoJsonFlags  flags,
                                                 GError              **error);

/* A google.protobuf.Value round trip: numbers become doubles, non-finite ones the strings
 * "NaN", "Infinity", "-Infinity". */
SeldonJson     *seldon_proto_json_value         (const SeldonJson     *value,
                                                 GError              **error);

/* The array of a canonical DefaultData (grpc_datadef_to_array): tensor values as float64
 * reshaped to the shape, ndarray through numpy's rules, nothing set => float64 (0). */
SeldonTensor   *seldon_proto_json_datadef_to_tensor (const SeldonJson *datadef,
                                                     GError          **error);

/* Decodes a canonical SeldonMessage the proto way (component-contract.md §3.1, gRPC column). */
SeldonMessage  *seldon_proto_json_decode_message (const SeldonJson    *message,
                                                  GError             **error);
/* Same, with the array of `data` already decoded (@array, not NULL: what
 * seldon_proto_json_datadef_to_tensor() would give); @message's `data` then only tells the kind
 * and the names. */
SeldonMessage  *seldon_proto_json_decode_message_full (const SeldonJson *message,
                                                       SeldonTensor     *array,
                                                       GError          **error);

/* A Tensor's array: @values (consumed: packed native doubles) reshaped to @shape (a canonical
 * list of integers; NULL = []), with numpy's errors. */
SeldonTensor   *seldon_proto_json_tensor_from_values (GBytes           *values,
                                                      const SeldonJson *shape,
                                                      GError          **error);

/* The feedback the component receives (component-contract.md §9) from a canonical Feedback;
 * @unit_id NULL means "0". */
SeldonFeedback *seldon_proto_json_decode_feedback (const SeldonJson   *feedback,
                                                   const char         *unit_id,
                                                   GError            **error);

/* construct_response() of the proto path (grpc-api.md §4.3) rendered as canonical JSON.
 * @parts->request is the canonical reference message (NULL = an empty one; it decides the
 * data kind and gives `puid`); @parts->meta, when not NULL, is a canonical Meta whose
 * requestPath, tags and metrics come first (feedback and route pass none). A result without
 * payload (or a JSON null) is an empty float array. A customData result is an error unless
 * @flags has SELDON_PROTO_JSON_ANY_BYTES. */
SeldonJson     *seldon_proto_json_build_response (SeldonMessage             *result,
                                                  const SeldonResponseParts *parts,
                                                  GError                   **error);
/* @deferred_array, when not NULL, receives a numeric answer array that the answer does not
 * contain: `data.tensor` then has no `values` and `data.ndarray` is an empty list, and
 * seldon_codec_proto_encode_full() writes them from the array (large arrays never become JSON
 * trees on the gRPC path). */
SeldonJson     *seldon_proto_json_build_response_full (SeldonMessage             *result,
                                                       const SeldonResponseParts *parts,
                                                       SeldonProtoJsonFlags       flags,
                                                       SeldonTensor             **deferred_array,
                                                       GError                   **error);

/* A gRPC SeldonMessage answer that seldon_proto_json_build_response_direct() left for
 * seldon_codec_proto_encode_answer() to write without a JSON tree: {meta, data} where data
 * has @names (when not empty) and the numeric @array as `tensor` (@tensor) or `ndarray`. */
typedef struct
{
  SeldonJson   *meta;     /* canonical Meta */
  SeldonJson   *names;    /* the canonical `names` list, or NULL: */
  gint64        n_default_names;   /* the default names "t:0", "t:1"… (when @names is NULL) */
  SeldonTensor *array;
  gboolean      tensor;
} SeldonProtoAnswer;

void            seldon_proto_answer_clear       (SeldonProtoAnswer         *answer);

/* seldon_proto_json_build_response_full(); with @direct (zero-initialized) and
 * @deferred_array, a numeric array answer that would be written as `data.tensor` or
 * `data.ndarray` fills @direct instead, and NULL is returned without an error. */
SeldonJson     *seldon_proto_json_build_response_direct (SeldonMessage             *result,
                                                         const SeldonResponseParts *parts,
                                                         SeldonProtoJsonFlags       flags,
                                                         SeldonTensor             **deferred_array,
                                                         SeldonProtoAnswer         *direct,
                                                         GError                   **error);

/* Canonical (MessageToDict) renderings of a double field and of a float field (rounded to
 * the shortest text that reads back as the same float); non-finite values are the strings
 * "NaN", "Infinity", "-Infinity". */
SeldonJson     *seldon_proto_json_double        (double                     value);
SeldonJson     *seldon_proto_json_float         (float                      value);

/* TensorFlow's make_ndarray() of a canonical TensorProto (float16/bfloat16 are widened to
 * float32; complex, quantized, resource and variant types are not supported). */
SeldonTensor   *seldon_proto_json_make_ndarray   (const SeldonJson   *tensor_proto,
                                                  GError            **error);

/* json.loads(MessageToJson(make_tensor_proto(array))) for a numeric array. */
SeldonJson     *seldon_proto_json_make_tensor_proto (SeldonTensor    *array,
                                                     GError         **error);

G_END_DECLS
