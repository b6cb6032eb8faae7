/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SELDON_INSIDE) && !defined(SELDON_COMPILATION)
# error "Only <seldon/seldon.h> can be included directly."
#endif

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "seldon-tensor.h"
#include "seldon-version-macros.h"

G_BEGIN_DECLS

/**
 * SeldonPayloadKind:
 * @SELDON_PAYLOAD_NONE: no payload (a component returning this is like Python returning `None`)
 * @SELDON_PAYLOAD_TENSOR: an array (`data` on the wire), a [class@Seldon.Tensor]
 * @SELDON_PAYLOAD_LIST: an array given as nested JSON lists; answered verbatim as `ndarray`
 *   (like a Python component returning a list)
 * @SELDON_PAYLOAD_STRING: `strData`
 * @SELDON_PAYLOAD_BYTES: `binData`
 * @SELDON_PAYLOAD_JSON: `jsonData`, any JSON value
 * @SELDON_PAYLOAD_CUSTOM: `customData`, a `google.protobuf.Any` (gRPC only)
 *
 * Which payload a [class@Seldon.Message] carries.
 *
 * Since: 1.0
 */
typedef enum
{
  SELDON_PAYLOAD_NONE,
  SELDON_PAYLOAD_TENSOR,
  SELDON_PAYLOAD_LIST,
  SELDON_PAYLOAD_STRING,
  SELDON_PAYLOAD_BYTES,
  SELDON_PAYLOAD_JSON,
  SELDON_PAYLOAD_CUSTOM,
} SeldonPayloadKind;

/**
 * SeldonDataKind:
 * @SELDON_DATA_KIND_NONE: the message has no `data` member
 * @SELDON_DATA_KIND_EMPTY: `data` is present with none of `tensor`, `ndarray`, `tftensor`
 * @SELDON_DATA_KIND_TENSOR: `data.tensor`
 * @SELDON_DATA_KIND_NDARRAY: `data.ndarray`
 * @SELDON_DATA_KIND_TFTENSOR: `data.tftensor`
 *
 * How a request carried its array; the answer to a numeric result uses the same kind.
 *
 * Since: 1.0
 */
typedef enum
{
  SELDON_DATA_KIND_NONE,
  SELDON_DATA_KIND_EMPTY,
  SELDON_DATA_KIND_TENSOR,
  SELDON_DATA_KIND_NDARRAY,
  SELDON_DATA_KIND_TFTENSOR,
} SeldonDataKind;

/**
 * SeldonMetricType:
 * @SELDON_METRIC_COUNTER: the value is added to a running total
 * @SELDON_METRIC_GAUGE: the value replaces the current one
 * @SELDON_METRIC_TIMER: a duration in milliseconds, observed into a histogram
 *
 * The type of a custom metric.
 *
 * Since: 1.0
 */
typedef enum
{
  SELDON_METRIC_COUNTER,
  SELDON_METRIC_GAUGE,
  SELDON_METRIC_TIMER,
} SeldonMetricType;

#define SELDON_TYPE_MESSAGE (seldon_message_get_type ())

SELDON_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (SeldonMessage, seldon_message, SELDON, MESSAGE, GObject)

SELDON_AVAILABLE_IN_1_0
SeldonMessage      *seldon_message_new                (void);
SELDON_AVAILABLE_IN_1_0
SeldonMessage      *seldon_message_new_tensor         (SeldonTensor      *tensor);
SELDON_AVAILABLE_IN_1_0
SeldonMessage      *seldon_message_new_list           (JsonNode          *list);
SELDON_AVAILABLE_IN_1_0
SeldonMessage      *seldon_message_new_string         (const char        *str);
SELDON_AVAILABLE_IN_1_0
SeldonMessage      *seldon_message_new_bytes          (GBytes            *bytes);
SELDON_AVAILABLE_IN_1_0
SeldonMessage      *seldon_message_new_json           (JsonNode          *json);
SELDON_AVAILABLE_IN_1_0
SeldonMessage      *seldon_message_new_route          (gint64             child);
SELDON_AVAILABLE_IN_1_0
SeldonMessage      *seldon_message_new_invalid        (const char        *description);
SELDON_AVAILABLE_IN_1_0
SeldonMessage      *seldon_message_new_array          (SeldonDType        dtype,
                                                       const gint64      *shape,
                                                       guint              n_dims,
                                                       const guint8      *data,
                                                       gsize              size,
                                                       GError           **error);
SELDON_AVAILABLE_IN_1_0
SeldonMessage      *seldon_message_new_json_text      (SeldonPayloadKind  kind,
                                                       const char        *text,
                                                       gssize             length,
                                                       GError           **error);
SELDON_AVAILABLE_IN_1_0
SeldonMessage      *seldon_message_new_from_json      (const char        *text,
                                                       gssize             length,
                                                       GError           **error);
SELDON_AVAILABLE_IN_1_0
char               *seldon_message_to_json            (SeldonMessage     *self);

SELDON_AVAILABLE_IN_1_0
SeldonPayloadKind   seldon_message_get_payload_kind   (SeldonMessage     *self);
SELDON_AVAILABLE_IN_1_0
SeldonDataKind      seldon_message_get_data_kind      (SeldonMessage     *self);
SELDON_AVAILABLE_IN_1_0
SeldonTensor       *seldon_message_get_tensor         (SeldonMessage     *self);
SELDON_AVAILABLE_IN_1_0
SeldonTensor       *seldon_message_dup_tensor         (SeldonMessage     *self,
                                                       GError           **error);
SELDON_AVAILABLE_IN_1_0
gboolean            seldon_message_get_packed_array   (SeldonMessage     *self,
                                                       SeldonDType       *dtype,
                                                       const gint64     **shape,
                                                       guint             *n_dims,
                                                       const guint8     **data,
                                                       gsize             *size);
SELDON_AVAILABLE_IN_1_0
const char         *seldon_message_get_str_data       (SeldonMessage     *self);
SELDON_AVAILABLE_IN_1_0
const char         *seldon_message_get_invalid_description (SeldonMessage *self);
SELDON_AVAILABLE_IN_1_0
GBytes             *seldon_message_get_bin_data       (SeldonMessage     *self);
SELDON_AVAILABLE_IN_1_0
JsonNode           *seldon_message_dup_json_data      (SeldonMessage     *self);
SELDON_AVAILABLE_IN_1_0
JsonNode           *seldon_message_dup_payload        (SeldonMessage     *self);
SELDON_AVAILABLE_IN_1_0
const char         *seldon_message_get_custom_type_url (SeldonMessage    *self);
SELDON_AVAILABLE_IN_1_0
GBytes             *seldon_message_get_custom_value   (SeldonMessage     *self);
SELDON_AVAILABLE_IN_1_0
void                seldon_message_set_custom         (SeldonMessage     *self,
                                                       const char        *type_url,
                                                       GBytes            *value);

SELDON_AVAILABLE_IN_1_0
const char * const *seldon_message_get_names          (SeldonMessage     *self);
SELDON_AVAILABLE_IN_1_0
void                seldon_message_set_names          (SeldonMessage     *self,
                                                       const char * const *names);

SELDON_AVAILABLE_IN_1_0
JsonNode           *seldon_message_dup_meta           (SeldonMessage     *self);
SELDON_AVAILABLE_IN_1_0
char               *seldon_message_dup_meta_json      (SeldonMessage     *self);
SELDON_AVAILABLE_IN_1_0
char               *seldon_message_dup_payload_json   (SeldonMessage     *self);
SELDON_AVAILABLE_IN_1_0
char               *seldon_json_node_to_string        (JsonNode          *node);
SELDON_AVAILABLE_IN_1_0
void                seldon_message_set_meta           (SeldonMessage     *self,
                                                       JsonNode          *meta);
SELDON_AVAILABLE_IN_1_0
const char         *seldon_message_get_puid           (SeldonMessage     *self);
SELDON_AVAILABLE_IN_1_0
void                seldon_message_set_tag            (SeldonMessage     *self,
                                                       const char        *key,
                                                       JsonNode          *value);
SELDON_AVAILABLE_IN_1_0
void                seldon_message_add_metric         (SeldonMessage     *self,
                                                       SeldonMetricType   type,
                                                       const char        *key,
                                                       double             value);
SELDON_AVAILABLE_IN_1_0
void                seldon_message_add_metric_node    (SeldonMessage     *self,
                                                       JsonNode          *metric);
SELDON_AVAILABLE_IN_1_0
void                seldon_message_set_runtime_metrics (SeldonMessage    *self,
                                                       JsonNode          *metrics);

#define SELDON_TYPE_FEEDBACK (seldon_feedback_get_type ())

SELDON_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (SeldonFeedback, seldon_feedback, SELDON, FEEDBACK, GObject)

SELDON_AVAILABLE_IN_1_0
SeldonFeedback     *seldon_feedback_new               (void);
SELDON_AVAILABLE_IN_1_0
SeldonMessage      *seldon_feedback_get_request       (SeldonFeedback    *self);
SELDON_AVAILABLE_IN_1_0
SeldonMessage      *seldon_feedback_get_response      (SeldonFeedback    *self);
SELDON_AVAILABLE_IN_1_0
SeldonMessage      *seldon_feedback_get_truth         (SeldonFeedback    *self);
SELDON_AVAILABLE_IN_1_0
double              seldon_feedback_get_reward        (SeldonFeedback    *self);
SELDON_AVAILABLE_IN_1_0
gboolean            seldon_feedback_get_routing       (SeldonFeedback    *self,
                                                       gint64            *routing);

G_END_DECLS
