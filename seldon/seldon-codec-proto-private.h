/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The binary side of the gRPC proto path (grpc-api.md §3-§4): protobuf messages of
 * proto/prediction.proto to and from their canonical proto3 JSON form (what python's
 * json_format.MessageToDict gives), the form every Seldon rule of the proto path is written
 * against (seldon-proto-json-private.h). So the payload logic exists once: this file only
 * moves between the wire format and that form, by reflection over protobuf-c's descriptors.
 *
 * Canonical form details: 64-bit integers are strings, float fields are rounded to their
 * shortest float32 text, non-finite numbers are "NaN"/"Infinity"/"-Infinity", bytes are
 * base64, enums are names, google.protobuf.Value/ListValue/Struct are plain JSON, and a
 * google.protobuf.Any is {"@type": "<type URL>", "value": "<base64 of its serialized
 * message>"} (SELDON_PROTO_JSON_ANY_BYTES; an empty Any is {}).
 */

#include <gio/gio.h>

#include "seldon-json-private.h"
#include "seldon-proto-json-private.h"
#include "seldon-tensor.h"

G_BEGIN_DECLS

/* gRPC status codes (grpc/status.h) that the proto path answers itself. */
#define SELDON_GRPC_STATUS_OK       0
#define SELDON_GRPC_STATUS_UNKNOWN  2
#define SELDON_GRPC_STATUS_INTERNAL 13

/* grpc-api.md §6 */
#define SELDON_GRPC_DESERIALIZE_MESSAGE "Exception deserializing request!"
#define SELDON_GRPC_APPLICATION_PREFIX  "Exception calling application: "

typedef enum
{
  SELDON_PROTO_MESSAGE_SELDON_MESSAGE,
  SELDON_PROTO_MESSAGE_SELDON_MESSAGE_LIST,
  SELDON_PROTO_MESSAGE_FEEDBACK,
  SELDON_PROTO_MESSAGE_META,
  SELDON_PROTO_MESSAGE_EMPTY,
  SELDON_PROTO_MESSAGE_MODEL_METADATA_REQUEST,
  SELDON_PROTO_MESSAGE_MODEL_METADATA,
  SELDON_PROTO_MESSAGE_GRAPH_METADATA,
  SELDON_PROTO_MESSAGE_TENSOR_PROTO,
} SeldonProtoMessageType;

/* Parses @bytes (NULL = empty) as a @type message and returns its canonical JSON form (an
 * object). Bytes that are not such a message (bad wire format, invalid UTF-8 in a string,
 * nesting deeper than 100 messages) fail with G_IO_ERROR_INVALID_DATA. */
SeldonJson *seldon_codec_proto_decode        (SeldonProtoMessageType  type,
                                              GBytes                 *bytes,
                                              GError                **error);

/* The array of a SeldonMessage's `data`, decoded without a JSON tree: */
typedef struct
{
  /* data.tensor: its `values` (packed native doubles); the canonical `tensor` has only `shape` */
  GBytes       *tensor_values;
  /* data.ndarray when it is a rectangular nest of finite numbers: the float64 array numpy
   * would make of it; the canonical `ndarray` is then an empty list */
  SeldonTensor *ndarray;
} SeldonProtoArray;

void        seldon_proto_array_clear         (SeldonProtoArray       *array);

/* seldon_codec_proto_decode() of a SeldonMessage, but a large array in `data` is left out of the
 * JSON and returned in @array (both members NULL when it was not: then the JSON is complete). */
SeldonJson *seldon_codec_proto_decode_message (GBytes                *bytes,
                                               SeldonProtoArray      *array,
                                               GError               **error);

/* Serializes the canonical JSON form @canonical of a @type message (unknown members are
 * ignored). Fails with SELDON_ERROR_FAILED when a member does not hold a canonical value. */
GBytes     *seldon_codec_proto_encode        (SeldonProtoMessageType  type,
                                              const SeldonJson       *canonical,
                                              GError                **error);

/* Same; @deferred_array (nullable) is the numeric array that
 * seldon_proto_json_build_response_full() left out of the SeldonMessage @canonical: written as
 * `data.tensor.values` or `data.ndarray`. */
GBytes     *seldon_codec_proto_encode_full   (SeldonProtoMessageType  type,
                                              const SeldonJson       *canonical,
                                              SeldonTensor           *deferred_array,
                                              GError                **error);

/* The bytes seldon_codec_proto_encode_full() writes for the SeldonMessage answer that
 * seldon_proto_json_build_response_direct() left in @answer. */
GBytes     *seldon_codec_proto_encode_answer (const SeldonProtoAnswer *answer,
                                              GError                 **error);

/* The canonical SeldonModelMetadata of validated model metadata (component-contract.md
 * §8.3): unknown keys ignored, `shape` as int64, `schema` as a google.protobuf.Value. */
SeldonJson *seldon_codec_proto_model_metadata (const SeldonJson      *metadata,
                                               GError               **error);

G_END_DECLS
