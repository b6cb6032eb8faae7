/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The REST JSON path of the Seldon wire format: decoding a request for the component
 * (rest-api.md §5), building the answer from a component result (§6), and the small
 * Python-emulation helpers the error texts need (repr/str of values, truthiness, base64).
 */

#include "seldon-json-private.h"
#include "seldon-message.h"
#include "seldon-tensor.h"

G_BEGIN_DECLS

/* ---- Python emulation ------------------------------------------------------------------- */

/* Python truthiness of a json.loads value (None, False, 0, 0.0, "", [], {} are false). */
gboolean       seldon_py_truthy              (const SeldonJson  *value);
/* `key in container` for a json.loads value: dict keys, substring of a str, element of a
 * list; other types fail with Python's TypeError text (SELDON_ERROR_FAILED). */
gboolean       seldon_py_contains            (const SeldonJson  *container,
                                              const char        *key,
                                              gboolean          *result,
                                              GError           **error);
/* `container[key]` (borrowed): KeyError "'key'" or Python's TypeError texts. */
SeldonJson    *seldon_py_getitem             (const SeldonJson  *container,
                                              const char        *key,
                                              GError           **error);
/* Python's repr() of bytes: b'abc', b"it's", b'\x00' */
void           seldon_py_append_bytes_repr   (GString           *out,
                                              const guint8      *data,
                                              gsize              len);
/* AttributeError "'<type>' object has no attribute '<attribute>'" (FAILED). */
void           seldon_py_set_no_attribute_error (GError          **error,
                                                 const SeldonJson *value,
                                                 const char       *attribute);
/* Python's dict.update(source) on the object @target; errors like Python (FAILED). */
gboolean       seldon_py_dict_update         (SeldonJson        *target,
                                              const SeldonJson  *source,
                                              GError           **error);

/* base64.b64decode() of a json.loads value (non-validating, Python's padding errors). */
GBytes        *seldon_codec_b64decode        (const SeldonJson  *value,
                                              GError           **error);
/* base64.b64encode(): standard alphabet, padded. */
char          *seldon_codec_b64encode        (GBytes            *bytes);

/* ---- requests ----------------------------------------------------------------------------- */

/* rest-api.md §5: the payload, names and meta of one request object as the component gets
 * them. BAD_DATA "Invalid request data type: ..." when @request is not an object or has no
 * payload key; FAILED for conversion errors. */
SeldonMessage *seldon_codec_decode_rest      (const SeldonJson  *request,
                                              GError           **error);

/* ---- answers ------------------------------------------------------------------------------ */

typedef char **(*SeldonClassNamesFunc) (gpointer   user_data,
                                        GError   **error);
typedef SeldonJson *(*SeldonTagsFunc)  (gpointer   user_data,
                                        GError   **error);

typedef struct
{
  /* "The request" (rest-api.md §6): decides tensor/ndarray and gives `puid`. NULL = `{}`. */
  const SeldonJson     *request;
  /* M of §6.3 (tags, metrics, requestPath come from it); NULL = None. */
  const SeldonJson     *meta;
  /* {unit-id: unit-image} or NULL. */
  const SeldonJson     *env_request_path;
  /* The component's tags(), called once when the answer's meta is built (returning NULL
   * without an error means no tags); NULL = no tags. */
  SeldonTagsFunc        tags;
  gpointer              tags_data;
  /* The result's runtime tags, or NULL. */
  const SeldonJson     *runtime_tags;
  /* Metrics appended after the request's (component-contract.md §7.3), or NULL. */
  const SeldonJson     *metrics;
  /* class_names() for results of 2 or more dimensions; NULL = the t:N default. Returning
   * NULL without an error also means the default. */
  SeldonClassNamesFunc  class_names;
  gpointer              class_names_data;
} SeldonResponseParts;

/* rest-api.md §6: the JSON answer for a component result. */
SeldonJson    *seldon_codec_build_rest_response (SeldonMessage             *result,
                                                 const SeldonResponseParts *parts,
                                                 GError                   **error);

/* The answer's `data.names` for @array (both answer paths): empty below 2 dimensions, else
 * @parts->class_names, or `t:0`, `t:1`, ... one per column when that gives none. */
SeldonJson    *seldon_codec_class_names      (SeldonTensor              *array,
                                              const SeldonResponseParts *parts,
                                              GError                   **error);

/* dict.update() of @tags with the component's static tags (@parts->tags), then the result's
 * runtime tags (both answer paths). */
gboolean       seldon_codec_merge_tags       (SeldonJson                *tags,
                                              const SeldonResponseParts *parts,
                                              GError                   **error);

/* The answer of a router (rest-api.md §9.4): a 1x1 array, or BAD_DATA
 * "Routing response must be int but got ...". */
SeldonTensor  *seldon_codec_route_to_tensor  (SeldonMessage     *result,
                                              GError           **error);

/* Python's str() of a component result (as upstream would print the returned value). */
char          *seldon_codec_result_to_python_str (SeldonMessage *result);

/* seldon_message_to_json(): the standalone wire JSON of a message. */
SeldonJson    *seldon_codec_encode_message   (SeldonMessage     *self,
                                              GError           **error);

/* ---- custom metrics ----------------------------------------------------------------------- */

/* component-contract.md §7.2 */
gboolean       seldon_codec_metrics_valid    (const SeldonJson  *metrics);
/* BAD_METRIC "Bad metric created during request: <json.dumps(metrics)>" */
void           seldon_codec_set_bad_metric_error (GError        **error,
                                                  const SeldonJson *metrics);

G_END_DECLS
