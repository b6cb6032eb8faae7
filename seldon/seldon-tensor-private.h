/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Internal SeldonTensor helpers: numpy's conversion rules (rest-api.md §5.2), numpy's reshape,
 * element access as SeldonJson and the nested-list rendering (numpy's tolist()).
 */

#include "seldon-json-private.h"
#include "seldon-tensor.h"

G_BEGIN_DECLS

/* numpy's NPY_MAXDIMS */
#define SELDON_TENSOR_MAX_DIMS 32

/* Takes ownership of @data (numeric/bool dtypes) or @elements (STRING/OBJECT: an array of
 * n_elements SeldonJson values, freed with g_free after unreffing the values). No checks. */
SeldonTensor *seldon_tensor_new_take          (SeldonDType         dtype,
                                               const gint64       *shape,
                                               guint               n_dims,
                                               GBytes             *data,
                                               SeldonJson        **elements);

/* np.array(@nested): numpy 1.24's type discovery and ragged-array errors (SELDON_ERROR_FAILED). */
SeldonTensor *seldon_tensor_new_from_seldon_json (const SeldonJson *nested,
                                                  GError          **error);

/* arr.reshape(@shape) with @shape a JSON value as json.loads gives it (list of ints, an int,
 * null = unchanged); errors are numpy's texts (SELDON_ERROR_FAILED). */
SeldonTensor *seldon_tensor_reshape           (SeldonTensor       *self,
                                               const SeldonJson   *shape,
                                               GError            **error);

/* The same elements with another shape of equal size (no checks beyond the size). */
SeldonTensor *seldon_tensor_new_with_shape    (SeldonTensor       *self,
                                               const gint64       *shape,
                                               guint               n_dims);

/* Element @index (row-major) as a JSON value, as tolist() would give it. */
SeldonJson   *seldon_tensor_dup_element_json  (SeldonTensor       *self,
                                               gsize               index);
/* Element @index as a double (numeric and bool dtypes). */
double        seldon_tensor_get_element_double (SeldonTensor      *self,
                                                gsize              index);
/* tolist(): nested lists, or the bare element for a 0-d tensor. */
SeldonJson   *seldon_tensor_to_seldon_json    (SeldonTensor       *self);
/* ravel().tolist() */
SeldonJson   *seldon_tensor_to_flat_json      (SeldonTensor       *self);
/* The shape as a JSON list of integers. */
SeldonJson   *seldon_tensor_shape_to_json     (SeldonTensor       *self);

gsize         seldon_dtype_get_item_size      (SeldonDType         dtype);
gboolean      seldon_dtype_is_integer         (SeldonDType         dtype);
gboolean      seldon_dtype_is_numeric         (SeldonDType         dtype);

/* Python's str() of the numpy value (a 0-d tensor prints its scalar, e.g. `1.5`, `x`, `True`;
 * others print numpy's bracketed form). */
void          seldon_tensor_append_python_str (GString            *out,
                                               SeldonTensor       *self);

/* numpy's shape text in reshape errors: (3,)  (2,3)  (2,newaxis)  () */
char         *seldon_shape_to_numpy_string    (const gint64       *shape,
                                               guint               n_dims);
/* Python's tuple text: (3,)  (2, 3)  () */
char         *seldon_shape_to_python_tuple    (const gint64       *shape,
                                               guint               n_dims);

/* Python's type name of a value as json.loads builds it: NoneType, bool, int, float, str,
 * list, dict. */
const char   *seldon_python_type_name         (const SeldonJson   *value);

G_END_DECLS
