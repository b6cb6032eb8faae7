/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SELDON_INSIDE) && !defined(SELDON_COMPILATION)
# error "Only <seldon/seldon.h> can be included directly."
#endif

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "seldon-version-macros.h"

G_BEGIN_DECLS

/**
 * SeldonDType:
 * @SELDON_DTYPE_FLOAT64: IEEE double
 * @SELDON_DTYPE_FLOAT32: IEEE single
 * @SELDON_DTYPE_INT64: signed 64-bit integer
 * @SELDON_DTYPE_INT32: signed 32-bit integer
 * @SELDON_DTYPE_INT16: signed 16-bit integer
 * @SELDON_DTYPE_INT8: signed 8-bit integer
 * @SELDON_DTYPE_UINT64: unsigned 64-bit integer
 * @SELDON_DTYPE_UINT32: unsigned 32-bit integer
 * @SELDON_DTYPE_UINT16: unsigned 16-bit integer
 * @SELDON_DTYPE_UINT8: unsigned 8-bit integer
 * @SELDON_DTYPE_BOOL: boolean, one byte per element (0 or 1)
 * @SELDON_DTYPE_STRING: UTF-8 strings
 * @SELDON_DTYPE_OBJECT: arbitrary JSON values (numpy's object arrays)
 *
 * The element type of a [class@Seldon.Tensor], following numpy's dtypes. Every type up to
 * %SELDON_DTYPE_BOOL is stored packed, row-major, in native byte order.
 *
 * Since: 1.0
 */
typedef enum
{
  SELDON_DTYPE_FLOAT64,
  SELDON_DTYPE_FLOAT32,
  SELDON_DTYPE_INT64,
  SELDON_DTYPE_INT32,
  SELDON_DTYPE_INT16,
  SELDON_DTYPE_INT8,
  SELDON_DTYPE_UINT64,
  SELDON_DTYPE_UINT32,
  SELDON_DTYPE_UINT16,
  SELDON_DTYPE_UINT8,
  SELDON_DTYPE_BOOL,
  SELDON_DTYPE_STRING,
  SELDON_DTYPE_OBJECT,
} SeldonDType;

#define SELDON_TYPE_TENSOR (seldon_tensor_get_type ())

SELDON_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (SeldonTensor, seldon_tensor, SELDON, TENSOR, GObject)

SELDON_AVAILABLE_IN_1_0
SeldonTensor   *seldon_tensor_new                (SeldonDType        dtype,
                                                  const gint64      *shape,
                                                  guint              n_dims,
                                                  GBytes            *data,
                                                  GError           **error);
SELDON_AVAILABLE_IN_1_0
SeldonTensor   *seldon_tensor_new_from_doubles   (const double      *values,
                                                  gsize              n_values,
                                                  const gint64      *shape,
                                                  guint              n_dims,
                                                  GError           **error);
SELDON_AVAILABLE_IN_1_0
SeldonTensor   *seldon_tensor_new_from_int64s    (const gint64      *values,
                                                  gsize              n_values,
                                                  const gint64      *shape,
                                                  guint              n_dims,
                                                  GError           **error);
SELDON_AVAILABLE_IN_1_0
SeldonTensor   *seldon_tensor_new_from_strings   (const char * const *values,
                                                  gsize              n_values,
                                                  const gint64      *shape,
                                                  guint              n_dims,
                                                  GError           **error);
SELDON_AVAILABLE_IN_1_0
SeldonTensor   *seldon_tensor_new_from_json      (JsonNode          *nested,
                                                  GError           **error);

SELDON_AVAILABLE_IN_1_0
SeldonDType     seldon_tensor_get_dtype          (SeldonTensor      *self);
SELDON_AVAILABLE_IN_1_0
gboolean        seldon_tensor_is_numeric         (SeldonTensor      *self);
SELDON_AVAILABLE_IN_1_0
guint           seldon_tensor_get_n_dims         (SeldonTensor      *self);
SELDON_AVAILABLE_IN_1_0
const gint64   *seldon_tensor_get_shape          (SeldonTensor      *self,
                                                  guint             *n_dims);
SELDON_AVAILABLE_IN_1_0
gsize           seldon_tensor_get_n_elements     (SeldonTensor      *self);
SELDON_AVAILABLE_IN_1_0
GBytes         *seldon_tensor_get_data           (SeldonTensor      *self);
SELDON_AVAILABLE_IN_1_0
double         *seldon_tensor_dup_doubles        (SeldonTensor      *self,
                                                  gsize             *n_values);
SELDON_AVAILABLE_IN_1_0
const char     *seldon_tensor_get_string         (SeldonTensor      *self,
                                                  gsize              index);
SELDON_AVAILABLE_IN_1_0
JsonNode       *seldon_tensor_dup_element        (SeldonTensor      *self,
                                                  gsize              index);
SELDON_AVAILABLE_IN_1_0
JsonNode       *seldon_tensor_to_json            (SeldonTensor      *self);

G_END_DECLS
