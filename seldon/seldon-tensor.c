/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "seldon-enums.h"
#include "seldon-error.h"
#include "seldon-tensor.h"
#include "seldon-tensor-private.h"

/**
 * SeldonTensor:
 *
 * A dense n-dimensional array, the C counterpart of the numpy arrays that Python components
 * receive and return.
 *
 * A tensor has an element type ([enum@Seldon.DType]), a shape (one `gint64` per dimension;
 * no dimensions at all makes a 0-dimensional tensor holding exactly one element) and its
 * elements in row-major order. Numeric and boolean elements are stored packed, in native
 * byte order, in a [struct@GLib.Bytes] ([method@Seldon.Tensor.get_data]); string elements
 * and the arbitrary JSON values of %SELDON_DTYPE_OBJECT tensors are stored one by one.
 *
 * Tensors are immutable once created, so they can be shared freely between threads.
 *
 * Since: 1.0
 */

struct _SeldonTensor
{
  GObject parent_instance;

  SeldonDType dtype;
  guint n_dims;
  gint64 *shape;           /* @shape_inline up to SHAPE_INLINE dimensions, else allocated */
  gint64 shape_inline[4];
  gsize n_elements;
  GBytes *data;            /* numeric and BOOL */
  SeldonJson **elements;   /* STRING and OBJECT: n_elements values */
};

#define SHAPE_INLINE 4

G_DEFINE_FINAL_TYPE (SeldonTensor, seldon_tensor, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_DTYPE,
  PROP_N_DIMS,
  PROP_N_ELEMENTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
seldon_tensor_finalize (GObject *object)
{
  SeldonTensor *self = SELDON_TENSOR (object);

  if (self->shape != self->shape_inline)
    g_free (self->shape);
  self->shape = NULL;
  g_clear_pointer (&self->data, g_bytes_unref);
  if (self->elements != NULL)
    {
      for (gsize i = 0; i < self->n_elements; i++)
        g_clear_pointer (&self->elements[i], seldon_json_unref);
      g_clear_pointer (&self->elements, g_free);
    }

  G_OBJECT_CLASS (seldon_tensor_parent_class)->finalize (object);
}

static void
seldon_tensor_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SeldonTensor *self = SELDON_TENSOR (object);

  switch (prop_id)
    {
    case PROP_DTYPE:
      g_value_set_enum (value, self->dtype);
      break;
    case PROP_N_DIMS:
      g_value_set_uint (value, self->n_dims);
      break;
    case PROP_N_ELEMENTS:
      g_value_set_uint64 (value, self->n_elements);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
seldon_tensor_class_init (SeldonTensorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = seldon_tensor_finalize;
  object_class->get_property = seldon_tensor_get_property;

  /**
   * SeldonTensor:dtype:
   *
   * The element type.
   *
   * Since: 1.0
   */
  properties[PROP_DTYPE] =
    g_param_spec_enum ("dtype", NULL, NULL,
                       SELDON_TYPE_DTYPE, SELDON_DTYPE_FLOAT64,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SeldonTensor:n-dims:
   *
   * The number of dimensions (0 for a 0-dimensional tensor).
   *
   * Since: 1.0
   */
  properties[PROP_N_DIMS] =
    g_param_spec_uint ("n-dims", NULL, NULL,
                       0, SELDON_TENSOR_MAX_DIMS, 1,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SeldonTensor:n-elements:
   *
   * The number of elements (the product of the shape).
   *
   * Since: 1.0
   */
  properties[PROP_N_ELEMENTS] =
    g_param_spec_uint64 ("n-elements", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
seldon_tensor_init (SeldonTensor *self)
{
}

/* ------------------------------------------------------------------------------------------ */
/* dtype helpers */

gsize
seldon_dtype_get_item_size (SeldonDType dtype)
{
  switch (dtype)
    {
    case SELDON_DTYPE_FLOAT64:
    case SELDON_DTYPE_INT64:
    case SELDON_DTYPE_UINT64:
      return 8;
    case SELDON_DTYPE_FLOAT32:
    case SELDON_DTYPE_INT32:
    case SELDON_DTYPE_UINT32:
      return 4;
    case SELDON_DTYPE_INT16:
    case SELDON_DTYPE_UINT16:
      return 2;
    case SELDON_DTYPE_INT8:
    case SELDON_DTYPE_UINT8:
    case SELDON_DTYPE_BOOL:
      return 1;
    case SELDON_DTYPE_STRING:
    case SELDON_DTYPE_OBJECT:
    default:
      return 0;
    }
}

gboolean
seldon_dtype_is_integer (SeldonDType dtype)
{
  switch (dtype)
    {
    case SELDON_DTYPE_INT64:
    case SELDON_DTYPE_INT32:
    case SELDON_DTYPE_INT16:
    case SELDON_DTYPE_INT8:
    case SELDON_DTYPE_UINT64:
    case SELDON_DTYPE_UINT32:
    case SELDON_DTYPE_UINT16:
    case SELDON_DTYPE_UINT8:
      return TRUE;
    case SELDON_DTYPE_FLOAT64:
    case SELDON_DTYPE_FLOAT32:
    case SELDON_DTYPE_BOOL:
    case SELDON_DTYPE_STRING:
    case SELDON_DTYPE_OBJECT:
    default:
      return FALSE;
    }
}

gboolean
seldon_dtype_is_numeric (SeldonDType dtype)
{
  return dtype == SELDON_DTYPE_FLOAT64 || dtype == SELDON_DTYPE_FLOAT32 ||
         seldon_dtype_is_integer (dtype);
}

static gboolean
dtype_is_valid (SeldonDType dtype)
{
  return (int) dtype >= SELDON_DTYPE_FLOAT64 && (int) dtype <= SELDON_DTYPE_OBJECT;
}

const char *
seldon_python_type_name (const SeldonJson *value)
{
  if (value == NULL)
    return "NoneType";

  switch (seldon_json_get_type (value))
    {
    case SELDON_JSON_NULL:
      return "NoneType";
    case SELDON_JSON_BOOL:
      return "bool";
    case SELDON_JSON_INT:
    case SELDON_JSON_BIGINT:
      return "int";
    case SELDON_JSON_DOUBLE:
      return "float";
    case SELDON_JSON_STRING:
      return "str";
    case SELDON_JSON_ARRAY:
      return "list";
    case SELDON_JSON_OBJECT:
      return "dict";
    default:
      return "object";
    }
}

/* ------------------------------------------------------------------------------------------ */
/* shapes */

/* Product of @shape, FALSE on overflow or a negative dimension. */
static gboolean
shape_get_size (const gint64 *shape,
                guint         n_dims,
                gsize        *size)
{
  guint64 total = 1;

  for (guint i = 0; i < n_dims; i++)
    {
      if (shape[i] < 0)
        return FALSE;
      if (shape[i] != 0 && total > G_MAXINT64 / (guint64) shape[i])
        return FALSE;
      total *= (guint64) shape[i];
    }
  if (total > G_MAXSIZE)
    return FALSE;
  *size = (gsize) total;
  return TRUE;
}

char *
seldon_shape_to_numpy_string (const gint64 *shape,
                              guint         n_dims)
{
  GString *out = g_string_new ("(");
  guint i = 0;

  /* numpy skips leading negative ("newaxis") dimensions and names the others */
  while (i < n_dims && shape[i] < 0)
    i++;
  if (i == n_dims)
    {
      g_string_append_c (out, ')');
      return g_string_free (out, FALSE);
    }
  g_string_append_printf (out, "%" G_GINT64_FORMAT, shape[i++]);
  for (; i < n_dims; i++)
    {
      if (shape[i] < 0)
        g_string_append (out, ",newaxis");
      else
        g_string_append_printf (out, ",%" G_GINT64_FORMAT, shape[i]);
    }
  g_string_append (out, i == 1 ? ",)" : ")");
  return g_string_free (out, FALSE);
}

char *
seldon_shape_to_python_tuple (const gint64 *shape,
                              guint         n_dims)
{
  GString *out = g_string_new ("(");

  for (guint i = 0; i < n_dims; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      g_string_append_printf (out, "%" G_GINT64_FORMAT, shape[i]);
    }
  g_string_append (out, n_dims == 1 ? ",)" : ")");
  return g_string_free (out, FALSE);
}

static void
set_reshape_error (GError      **error,
                   gsize         size,
                   const gint64 *shape,
                   guint         n_dims)
{
  g_autofree char *text = seldon_shape_to_numpy_string (shape, n_dims);

  g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
               "cannot reshape array of size %" G_GSIZE_FORMAT " into shape %s", size, text);
}

/* ------------------------------------------------------------------------------------------ */
/* construction */

SeldonTensor *
seldon_tensor_new_take (SeldonDType   dtype,
                        const gint64 *shape,
                        guint         n_dims,
                        GBytes       *data,
                        SeldonJson  **elements)
{
  SeldonTensor *self = g_object_new (SELDON_TYPE_TENSOR, NULL);
  gsize n = 1;

  self->dtype = dtype;
  self->n_dims = n_dims;
  /* (no allocation for the usual few dimensions: this runs for every array of every call) */
  self->shape = n_dims <= SHAPE_INLINE ? self->shape_inline : g_new0 (gint64, n_dims);
  for (guint i = 0; i < n_dims; i++)
    {
      self->shape[i] = shape[i];
      n *= (gsize) shape[i];
    }
  self->n_elements = n;
  self->data = data;
  self->elements = elements;

  if (self->data == NULL && self->elements == NULL)
    {
      if (dtype == SELDON_DTYPE_STRING || dtype == SELDON_DTYPE_OBJECT)
        self->elements = g_new0 (SeldonJson *, MAX (n, 1));
      else
        self->data = g_bytes_new_take (g_malloc0 (MAX (n * seldon_dtype_get_item_size (dtype), 1)),
                                       n * seldon_dtype_get_item_size (dtype));
    }

  return self;
}

SeldonTensor *
seldon_tensor_new_with_shape (SeldonTensor *self,
                              const gint64 *shape,
                              guint         n_dims)
{
  SeldonJson **elements = NULL;

  if (self->elements != NULL)
    {
      elements = g_new0 (SeldonJson *, MAX (self->n_elements, 1));
      for (gsize i = 0; i < self->n_elements; i++)
        elements[i] = self->elements[i] ? seldon_json_ref (self->elements[i]) : NULL;
    }

  return seldon_tensor_new_take (self->dtype, shape, n_dims,
                                 self->data ? g_bytes_ref (self->data) : NULL, elements);
}

static gboolean
check_shape (const gint64 *shape,
             guint         n_dims,
             gsize        *n_elements,
             GError      **error)
{
  if (n_dims > SELDON_TENSOR_MAX_DIMS)
    {
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                   "maximum supported dimension for an ndarray is %d, found %u",
                   SELDON_TENSOR_MAX_DIMS, n_dims);
      return FALSE;
    }
  for (guint i = 0; i < n_dims; i++)
    if (shape[i] < 0)
      {
        g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                             "negative dimensions are not allowed");
        return FALSE;
      }
  if (!shape_get_size (shape, n_dims, n_elements))
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                           "array is too big");
      return FALSE;
    }
  return TRUE;
}

/**
 * seldon_tensor_new:
 * @dtype: the element type
 * @shape: (array length=n_dims) (nullable): the dimensions
 * @n_dims: the number of dimensions (0 for a 0-dimensional tensor)
 * @data: the elements in row-major order
 * @error: return location for a #GError
 *
 * Creates a tensor from raw element data.
 *
 * For numeric and boolean types @data holds the packed elements in native byte order, and
 * its size must be exactly the number of elements times the element size. Boolean elements
 * are one byte each; any non-zero byte means true.
 *
 * For %SELDON_DTYPE_STRING, @data holds the elements as UTF-8 strings one after another,
 * each terminated by a NUL byte. For %SELDON_DTYPE_OBJECT, @data is the UTF-8 JSON text of
 * a flat array holding the elements in row-major order.
 *
 * Returns: (transfer full): a new tensor, or %NULL if @data does not fit the shape
 *
 * Since: 1.0
 */
SeldonTensor *
seldon_tensor_new (SeldonDType   dtype,
                   const gint64 *shape,
                   guint         n_dims,
                   GBytes       *data,
                   GError      **error)
{
  gsize n = 0;
  gsize size = 0;
  const guint8 *bytes;

  g_return_val_if_fail (dtype_is_valid (dtype), NULL);
  g_return_val_if_fail (shape != NULL || n_dims == 0, NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_shape (shape, n_dims, &n, error))
    return NULL;

  bytes = g_bytes_get_data (data, &size);

  if (dtype == SELDON_DTYPE_STRING)
    {
      g_autofree SeldonJson **elements = g_new0 (SeldonJson *, MAX (n, 1));
      gsize pos = 0;

      for (gsize i = 0; i < n; i++)
        {
          const guint8 *end = pos < size ? memchr (bytes + pos, '\0', size - pos) : NULL;

          if (end == NULL || !g_utf8_validate_len ((const char *) bytes + pos, end - (bytes + pos), NULL))
            {
              for (gsize j = 0; j < i; j++)
                seldon_json_unref (elements[j]);
              g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                           "string data does not hold %" G_GSIZE_FORMAT " NUL-terminated UTF-8 strings", n);
              return NULL;
            }
          elements[i] = seldon_json_new_string_len ((const char *) bytes + pos, end - (bytes + pos));
          pos = end - bytes + 1;
        }
      if (pos != size)
        {
          for (gsize j = 0; j < n; j++)
            seldon_json_unref (elements[j]);
          g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                       "string data holds more than %" G_GSIZE_FORMAT " strings", n);
          return NULL;
        }
      return seldon_tensor_new_take (dtype, shape, n_dims, NULL, g_steal_pointer (&elements));
    }

  if (dtype == SELDON_DTYPE_OBJECT)
    {
      g_autoptr(SeldonJson) list = seldon_json_parse ((const char *) bytes, size, error);
      g_autofree SeldonJson **elements = NULL;

      if (list == NULL)
        return NULL;
      if (seldon_json_get_type (list) != SELDON_JSON_ARRAY ||
          seldon_json_array_get_length (list) != n)
        {
          g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                       "object data is not a JSON array of %" G_GSIZE_FORMAT " values", n);
          return NULL;
        }
      elements = g_new0 (SeldonJson *, MAX (n, 1));
      for (gsize i = 0; i < n; i++)
        elements[i] = seldon_json_ref (seldon_json_array_get (list, i));
      return seldon_tensor_new_take (dtype, shape, n_dims, NULL, g_steal_pointer (&elements));
    }

  if (size != n * seldon_dtype_get_item_size (dtype))
    {
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                   "data holds %" G_GSIZE_FORMAT " bytes, the shape needs %" G_GSIZE_FORMAT,
                   size, n * seldon_dtype_get_item_size (dtype));
      return NULL;
    }

  if (dtype == SELDON_DTYPE_BOOL)
    {
      guint8 *copy = g_malloc (MAX (size, 1));

      for (gsize i = 0; i < size; i++)
        copy[i] = bytes[i] != 0;
      return seldon_tensor_new_take (dtype, shape, n_dims, g_bytes_new_take (copy, size), NULL);
    }

  return seldon_tensor_new_take (dtype, shape, n_dims, g_bytes_ref (data), NULL);
}

static gboolean
check_values_shape (gsize          n_values,
                    const gint64  *shape,
                    guint         *n_dims,
                    gint64        *flat_shape,
                    const gint64 **out_shape,
                    GError       **error)
{
  gsize n = 0;

  if (shape == NULL)
    {
      flat_shape[0] = (gint64) n_values;
      *out_shape = flat_shape;
      *n_dims = 1;
      return TRUE;
    }

  if (!check_shape (shape, *n_dims, &n, error))
    return FALSE;
  if (n != n_values)
    {
      set_reshape_error (error, n_values, shape, *n_dims);
      return FALSE;
    }
  *out_shape = shape;
  return TRUE;
}

/* A tensor of @n_values numbers of @dtype copied from @values, shaped as
 * check_values_shape() allows. */
static SeldonTensor *
new_from_numbers (SeldonDType    dtype,
                  gconstpointer  values,
                  gsize          n_values,
                  const gint64  *shape,
                  guint          n_dims,
                  GError       **error)
{
  gint64 flat_shape[1];
  const gint64 *use_shape = NULL;
  gsize size = n_values * seldon_dtype_get_item_size (dtype);

  if (!check_values_shape (n_values, shape, &n_dims, flat_shape, &use_shape, error))
    return NULL;

  return seldon_tensor_new_take (dtype, use_shape, n_dims, g_bytes_new (values, size), NULL);
}

/**
 * seldon_tensor_new_from_doubles:
 * @values: (array length=n_values): the elements in row-major order
 * @n_values: the number of elements
 * @shape: (array length=n_dims) (nullable): the dimensions, or %NULL for a one-dimensional
 *   tensor of @n_values elements
 * @n_dims: the number of dimensions (ignored when @shape is %NULL)
 * @error: return location for a #GError
 *
 * Creates a %SELDON_DTYPE_FLOAT64 tensor.
 *
 * Returns: (transfer full): a new tensor, or %NULL if the number of values does not fit the
 *   shape
 *
 * Since: 1.0
 */
SeldonTensor *
seldon_tensor_new_from_doubles (const double *values,
                                gsize         n_values,
                                const gint64 *shape,
                                guint         n_dims,
                                GError      **error)
{
  g_return_val_if_fail (values != NULL || n_values == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return new_from_numbers (SELDON_DTYPE_FLOAT64, values, n_values, shape, n_dims, error);
}

/**
 * seldon_tensor_new_from_int64s:
 * @values: (array length=n_values): the elements in row-major order
 * @n_values: the number of elements
 * @shape: (array length=n_dims) (nullable): the dimensions, or %NULL for a one-dimensional
 *   tensor of @n_values elements
 * @n_dims: the number of dimensions (ignored when @shape is %NULL)
 * @error: return location for a #GError
 *
 * Creates a %SELDON_DTYPE_INT64 tensor.
 *
 * Returns: (transfer full): a new tensor, or %NULL if the number of values does not fit the
 *   shape
 *
 * Since: 1.0
 */
SeldonTensor *
seldon_tensor_new_from_int64s (const gint64 *values,
                               gsize         n_values,
                               const gint64 *shape,
                               guint         n_dims,
                               GError      **error)
{
  g_return_val_if_fail (values != NULL || n_values == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return new_from_numbers (SELDON_DTYPE_INT64, values, n_values, shape, n_dims, error);
}

/**
 * seldon_tensor_new_from_strings:
 * @values: (array length=n_values): the UTF-8 elements in row-major order
 * @n_values: the number of elements
 * @shape: (array length=n_dims) (nullable): the dimensions, or %NULL for a one-dimensional
 *   tensor of @n_values elements
 * @n_dims: the number of dimensions (ignored when @shape is %NULL)
 * @error: return location for a #GError
 *
 * Creates a %SELDON_DTYPE_STRING tensor.
 *
 * Returns: (transfer full): a new tensor, or %NULL if the number of values does not fit the
 *   shape or a value is not valid UTF-8
 *
 * Since: 1.0
 */
SeldonTensor *
seldon_tensor_new_from_strings (const char * const *values,
                                gsize               n_values,
                                const gint64       *shape,
                                guint               n_dims,
                                GError            **error)
{
  gint64 flat_shape[1];
  const gint64 *use_shape = NULL;
  SeldonJson **elements;

  g_return_val_if_fail (values != NULL || n_values == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_values_shape (n_values, shape, &n_dims, flat_shape, &use_shape, error))
    return NULL;

  for (gsize i = 0; i < n_values; i++)
    if (values[i] == NULL || !g_utf8_validate (values[i], -1, NULL))
      {
        g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                     "element %" G_GSIZE_FORMAT " is not a UTF-8 string", i);
        return NULL;
      }

  elements = g_new0 (SeldonJson *, MAX (n_values, 1));
  for (gsize i = 0; i < n_values; i++)
    elements[i] = seldon_json_new_string (values[i]);

  return seldon_tensor_new_take (SELDON_DTYPE_STRING, use_shape, n_dims, NULL, elements);
}

/* ------------------------------------------------------------------------------------------ */
/* numpy's array coercion (np.array of nested lists) */

typedef enum
{
  KIND_NONE,
  KIND_BOOL,
  KIND_INT64,
  KIND_UINT64,
  KIND_FLOAT64,
  KIND_STRING,
  KIND_OBJECT,
} ElementKind;

typedef struct
{
  gint64 shape[SELDON_TENSOR_MAX_DIMS];
  gboolean max_dims_reached;
  gboolean ragged;
  ElementKind kind;
} Discovery;

static ElementKind
promote_kinds (ElementKind a,
               ElementKind b)
{
  if (a == KIND_NONE)
    return b;
  if (b == KIND_NONE || a == b)
    return a;
  if (a == KIND_OBJECT || b == KIND_OBJECT)
    return KIND_OBJECT;
  if (a == KIND_STRING || b == KIND_STRING)
    return KIND_STRING;
  if (a == KIND_FLOAT64 || b == KIND_FLOAT64)
    return KIND_FLOAT64;
  if (a == KIND_BOOL)
    return b;
  if (b == KIND_BOOL)
    return a;
  /* INT64 with UINT64 */
  return KIND_FLOAT64;
}

static ElementKind
scalar_kind (const SeldonJson *value)
{
  guint64 u;

  switch (seldon_json_get_type (value))
    {
    case SELDON_JSON_BOOL:
      return KIND_BOOL;
    case SELDON_JSON_INT:
      return KIND_INT64;
    case SELDON_JSON_BIGINT:
      if (seldon_json_get_uint64 (value, &u))
        return KIND_UINT64;
      return KIND_OBJECT;
    case SELDON_JSON_DOUBLE:
      return KIND_FLOAT64;
    case SELDON_JSON_STRING:
      return KIND_STRING;
    case SELDON_JSON_NULL:
    case SELDON_JSON_ARRAY:
    case SELDON_JSON_OBJECT:
    default:
      return KIND_OBJECT;
    }
}

/* numpy's update_shape(): FALSE when the array is ragged */
static gboolean
update_shape (Discovery    *d,
              int           curr_ndim,
              int          *max_ndim,
              int           new_ndim,
              const gint64 *new_shape,
              gboolean      sequence)
{
  gboolean success = TRUE;
  const gboolean max_dims_reached = d->max_dims_reached;

  if (curr_ndim + new_ndim > *max_ndim)
    {
      success = FALSE;
      new_ndim = *max_ndim - curr_ndim;
    }
  else if (!sequence && *max_ndim != curr_ndim + new_ndim)
    {
      *max_ndim = curr_ndim + new_ndim;
      if (max_dims_reached)
        success = FALSE;
    }

  for (int i = 0; i < new_ndim; i++)
    {
      gint64 curr_dim = d->shape[curr_ndim + i];
      gint64 new_dim = new_shape[i];

      if (!max_dims_reached)
        d->shape[curr_ndim + i] = new_dim;
      else if (new_dim != curr_dim)
        {
          success = FALSE;
          if (!sequence)
            *max_ndim -= new_ndim - i;
          else
            *max_ndim = curr_ndim;
          break;
        }
    }

  if (!sequence)
    d->max_dims_reached = TRUE;

  return success;
}

static int
handle_scalar (Discovery        *d,
               const SeldonJson *obj,
               int               curr_dims,
               int               max_dims)
{
  if (!update_shape (d, curr_dims, &max_dims, 0, NULL, FALSE))
    {
      d->ragged = TRUE;
      return max_dims;
    }
  d->kind = promote_kinds (d->kind, scalar_kind (obj));
  return max_dims;
}

static int
discover (Discovery        *d,
          const SeldonJson *obj,
          int               curr_dims,
          int               max_dims)
{
  gint64 size;
  gboolean is_sequence = seldon_json_get_type (obj) == SELDON_JSON_ARRAY;

  if (curr_dims == max_dims || !is_sequence)
    {
      max_dims = handle_scalar (d, obj, curr_dims, max_dims);
      if (is_sequence)
        d->ragged = TRUE;
      return max_dims;
    }

  size = seldon_json_array_get_length (obj);
  if (!update_shape (d, curr_dims, &max_dims, 1, &size, TRUE))
    {
      d->ragged = TRUE;
      return max_dims;
    }
  if (size == 0)
    {
      d->max_dims_reached = TRUE;
      return curr_dims + 1;
    }

  for (gint64 i = 0; i < size; i++)
    max_dims = discover (d, seldon_json_array_get (obj, i), curr_dims + 1, max_dims);

  return max_dims;
}

typedef struct
{
  ElementKind kind;
  guint8 *bytes;
  SeldonJson **elements;
  gsize pos;
} Filler;

static void
append_python_str_scalar (GString          *out,
                          const SeldonJson *value)
{
  switch (seldon_json_get_type (value))
    {
    case SELDON_JSON_STRING:
      g_string_append_len (out, seldon_json_get_string (value), seldon_json_get_string_length (value));
      break;
    case SELDON_JSON_BOOL:
      g_string_append (out, seldon_json_get_bool (value) ? "True" : "False");
      break;
    case SELDON_JSON_INT:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, seldon_json_get_int (value));
      break;
    case SELDON_JSON_BIGINT:
      g_string_append (out, seldon_json_get_bigint (value));
      break;
    case SELDON_JSON_DOUBLE:
      seldon_json_append_double (out, seldon_json_get_double (value), FALSE);
      break;
    case SELDON_JSON_NULL:
    case SELDON_JSON_ARRAY:
    case SELDON_JSON_OBJECT:
    default:
      seldon_json_append_python_str (out, value);
      break;
    }
}

static void
fill_scalar (Filler           *f,
             const SeldonJson *value)
{
  gsize i = f->pos++;

  switch (f->kind)
    {
    case KIND_NONE:
    case KIND_FLOAT64:
      {
        double v;

        if (seldon_json_get_type (value) == SELDON_JSON_BIGINT)
          v = g_ascii_strtod (seldon_json_get_bigint (value), NULL);
        else
          v = seldon_json_get_double (value);
        memcpy (f->bytes + i * 8, &v, 8);
      }
      break;
    case KIND_INT64:
      {
        gint64 v = seldon_json_get_type (value) == SELDON_JSON_BOOL
                     ? (gint64) seldon_json_get_bool (value)
                     : seldon_json_get_int (value);
        memcpy (f->bytes + i * 8, &v, 8);
      }
      break;
    case KIND_UINT64:
      {
        guint64 v = 0;

        if (seldon_json_get_type (value) == SELDON_JSON_BOOL)
          v = seldon_json_get_bool (value);
        else
          seldon_json_get_uint64 (value, &v);
        memcpy (f->bytes + i * 8, &v, 8);
      }
      break;
    case KIND_BOOL:
      f->bytes[i] = seldon_json_get_bool (value) ? 1 : 0;
      break;
    case KIND_STRING:
      if (seldon_json_get_type (value) == SELDON_JSON_STRING)
        f->elements[i] = seldon_json_ref ((SeldonJson *) value);
      else
        {
          GString *text = g_string_new (NULL);

          append_python_str_scalar (text, value);
          f->elements[i] = seldon_json_new_string_len (text->str, text->len);
          g_string_free (text, TRUE);
        }
      break;
    case KIND_OBJECT:
    default:
      f->elements[i] = seldon_json_ref ((SeldonJson *) value);
      break;
    }
}

static void
fill (Filler           *f,
      const SeldonJson *obj,
      int               depth,
      int               n_dims)
{
  if (depth == n_dims)
    {
      fill_scalar (f, obj);
      return;
    }
  for (guint i = 0; i < seldon_json_array_get_length (obj); i++)
    fill (f, seldon_json_array_get (obj, i), depth + 1, n_dims);
}

SeldonTensor *
seldon_tensor_new_from_seldon_json (const SeldonJson *nested,
                                    GError          **error)
{
  Discovery d = { { 0, }, FALSE, FALSE, KIND_NONE };
  int n_dims;
  gsize n = 1;
  SeldonDType dtype;
  Filler f = { KIND_NONE, NULL, NULL, 0 };

  g_return_val_if_fail (nested != NULL, NULL);

  n_dims = discover (&d, nested, 0, SELDON_TENSOR_MAX_DIMS);

  if (d.ragged)
    {
      if (n_dims == SELDON_TENSOR_MAX_DIMS)
        g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                     "setting an array element with a sequence. The requested array would "
                     "exceed the maximum number of dimension of %d.", SELDON_TENSOR_MAX_DIMS);
      else
        {
          g_autofree char *shape = seldon_shape_to_python_tuple (d.shape, n_dims);

          g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                       "setting an array element with a sequence. The requested array has an "
                       "inhomogeneous shape after %d dimensions. The detected shape was "
                       "%s + inhomogeneous part.", n_dims, shape);
        }
      return NULL;
    }

  if (!shape_get_size (d.shape, n_dims, &n))
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "array is too big");
      return NULL;
    }

  f.kind = d.kind;
  switch (d.kind)
    {
    case KIND_BOOL:
      dtype = SELDON_DTYPE_BOOL;
      break;
    case KIND_INT64:
      dtype = SELDON_DTYPE_INT64;
      break;
    case KIND_UINT64:
      dtype = SELDON_DTYPE_UINT64;
      break;
    case KIND_STRING:
      dtype = SELDON_DTYPE_STRING;
      break;
    case KIND_OBJECT:
      dtype = SELDON_DTYPE_OBJECT;
      break;
    case KIND_NONE:
    case KIND_FLOAT64:
    default:
      dtype = SELDON_DTYPE_FLOAT64;
      break;
    }

  if (dtype == SELDON_DTYPE_STRING || dtype == SELDON_DTYPE_OBJECT)
    f.elements = g_new0 (SeldonJson *, MAX (n, 1));
  else
    f.bytes = g_malloc0 (MAX (n * seldon_dtype_get_item_size (dtype), 1));

  fill (&f, nested, 0, n_dims);
  g_assert (f.pos == n);

  return seldon_tensor_new_take (dtype, d.shape, n_dims,
                                 f.bytes ? g_bytes_new_take (f.bytes, n * seldon_dtype_get_item_size (dtype)) : NULL,
                                 f.elements);
}

/**
 * seldon_tensor_new_from_json:
 * @nested: a JSON value: nested arrays, or a single value
 * @error: return location for a #GError
 *
 * Converts nested JSON arrays into a tensor with numpy's rules (what `numpy.array()` does
 * with the lists `json.loads` produces):
 *
 * - all integers give %SELDON_DTYPE_INT64; integers mixed with floats give
 *   %SELDON_DTYPE_FLOAT64; booleans only give %SELDON_DTYPE_BOOL; booleans mixed with
 *   integers or floats count as 1 and 0;
 * - an integer above the int64 range but within the uint64 range gives
 *   %SELDON_DTYPE_UINT64 (mixed with signed integers: %SELDON_DTYPE_FLOAT64); a larger
 *   one gives %SELDON_DTYPE_OBJECT;
 * - strings give %SELDON_DTYPE_STRING; strings mixed with numbers or booleans give a string
 *   tensor holding the Python text of every element (`1`, `2.5`, `True`);
 * - any `null` or JSON object gives %SELDON_DTYPE_OBJECT, keeping the values as they are;
 * - `[]` gives an empty float tensor of shape (0), `[[]]` one of shape (1, 0);
 * - a value that is not an array gives a 0-dimensional tensor.
 *
 * Arrays whose nesting is not rectangular fail with numpy's error message.
 *
 * Returns: (transfer full): a new tensor, or %NULL on error
 *
 * Since: 1.0
 */
SeldonTensor *
seldon_tensor_new_from_json (JsonNode *nested,
                             GError  **error)
{
  g_autoptr(SeldonJson) value = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  value = seldon_json_from_json_node (nested);
  return seldon_tensor_new_from_seldon_json (value, error);
}

/* ------------------------------------------------------------------------------------------ */
/* reshape */

static gboolean
shape_element_to_dim (const SeldonJson *item,
                      gint64           *dim,
                      GError          **error)
{
  switch (seldon_json_get_type (item))
    {
    case SELDON_JSON_INT:
      *dim = seldon_json_get_int (item);
      return TRUE;
    case SELDON_JSON_BIGINT:
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                           "Maximum allowed dimension exceeded");
      return FALSE;
    case SELDON_JSON_BOOL:
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, "an integer is required");
      return FALSE;
    case SELDON_JSON_NULL:
    case SELDON_JSON_DOUBLE:
    case SELDON_JSON_STRING:
    case SELDON_JSON_ARRAY:
    case SELDON_JSON_OBJECT:
    default:
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                   "'%s' object cannot be interpreted as an integer",
                   seldon_python_type_name (item));
      return FALSE;
    }
}

SeldonTensor *
seldon_tensor_reshape (SeldonTensor     *self,
                       const SeldonJson *shape,
                       GError          **error)
{
  gint64 dims[SELDON_TENSOR_MAX_DIMS];
  guint n_dims = 0;
  int unknown = -1;
  guint64 known = 1;
  gboolean overflow = FALSE;

  g_return_val_if_fail (SELDON_IS_TENSOR (self), NULL);

  switch (seldon_json_get_type (shape))
    {
    case SELDON_JSON_NULL:
      return g_object_ref (self);

    case SELDON_JSON_INT:
      dims[0] = seldon_json_get_int (shape);
      n_dims = 1;
      break;

    case SELDON_JSON_BIGINT:
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                           "Maximum allowed dimension exceeded");
      return NULL;

    case SELDON_JSON_STRING:
      if (seldon_json_get_string_length (shape) > 0)
        {
          g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                               "'str' object cannot be interpreted as an integer");
          return NULL;
        }
      n_dims = 0;
      break;

    case SELDON_JSON_ARRAY:
      n_dims = seldon_json_array_get_length (shape);
      if (n_dims > SELDON_TENSOR_MAX_DIMS)
        {
          g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                       "maximum supported dimension for an ndarray is %d, found %u",
                       SELDON_TENSOR_MAX_DIMS, n_dims);
          return NULL;
        }
      for (guint i = 0; i < n_dims; i++)
        if (!shape_element_to_dim (seldon_json_array_get (shape, i), &dims[i], error))
          return NULL;
      break;

    case SELDON_JSON_BOOL:
    case SELDON_JSON_DOUBLE:
    case SELDON_JSON_OBJECT:
    default:
      {
        g_autofree char *text = seldon_json_to_python_str (shape);

        g_set_error (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                     "expected a sequence of integers or a single integer, got '%s'", text);
        return NULL;
      }
    }

  for (guint i = 0; i < n_dims; i++)
    {
      if (dims[i] < 0)
        {
          if (unknown >= 0)
            {
              g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                                   "can only specify one unknown dimension");
              return NULL;
            }
          unknown = i;
        }
      else if (!overflow)
        {
          if (dims[i] != 0 && known > (guint64) G_MAXINT64 / (guint64) dims[i])
            overflow = TRUE;
          else
            known *= (guint64) dims[i];
        }
    }

  if (overflow)
    {
      set_reshape_error (error, self->n_elements, dims, n_dims);
      return NULL;
    }

  if (unknown >= 0)
    {
      if (known == 0 || self->n_elements % known != 0)
        {
          set_reshape_error (error, self->n_elements, dims, n_dims);
          return NULL;
        }
      dims[unknown] = self->n_elements / known;
    }
  else if (known != self->n_elements)
    {
      set_reshape_error (error, self->n_elements, dims, n_dims);
      return NULL;
    }

  return seldon_tensor_new_with_shape (self, dims, n_dims);
}

/* ------------------------------------------------------------------------------------------ */
/* accessors */

/**
 * seldon_tensor_get_dtype:
 * @self: a #SeldonTensor
 *
 * Gets the element type.
 *
 * Returns: the element type
 *
 * Since: 1.0
 */
SeldonDType
seldon_tensor_get_dtype (SeldonTensor *self)
{
  g_return_val_if_fail (SELDON_IS_TENSOR (self), SELDON_DTYPE_FLOAT64);

  return self->dtype;
}

/**
 * seldon_tensor_is_numeric:
 * @self: a #SeldonTensor
 *
 * Tells whether the elements are numbers (integers, unsigned integers or floats), as numpy's
 * `np.issubdtype(dtype, np.number)` does. Booleans, strings and objects are not numeric.
 * The server answers a numeric array in the request's array form (`tensor`, `ndarray` or
 * `tftensor`) and a non-numeric one always as `ndarray`.
 *
 * Returns: %TRUE if the element type is numeric
 *
 * Since: 1.0
 */
gboolean
seldon_tensor_is_numeric (SeldonTensor *self)
{
  g_return_val_if_fail (SELDON_IS_TENSOR (self), FALSE);

  return seldon_dtype_is_numeric (self->dtype);
}

/**
 * seldon_tensor_get_n_dims:
 * @self: a #SeldonTensor
 *
 * Gets the number of dimensions.
 *
 * Returns: the number of dimensions, 0 for a 0-dimensional tensor
 *
 * Since: 1.0
 */
guint
seldon_tensor_get_n_dims (SeldonTensor *self)
{
  g_return_val_if_fail (SELDON_IS_TENSOR (self), 0);

  return self->n_dims;
}

/**
 * seldon_tensor_get_shape:
 * @self: a #SeldonTensor
 * @n_dims: (out) (optional): return location for the number of dimensions
 *
 * Gets the dimensions.
 *
 * Returns: (array length=n_dims) (transfer none): the dimensions
 *
 * Since: 1.0
 */
const gint64 *
seldon_tensor_get_shape (SeldonTensor *self,
                         guint        *n_dims)
{
  g_return_val_if_fail (SELDON_IS_TENSOR (self), NULL);

  if (n_dims != NULL)
    *n_dims = self->n_dims;
  return self->shape;
}

/**
 * seldon_tensor_get_n_elements:
 * @self: a #SeldonTensor
 *
 * Gets the number of elements, the product of the dimensions (1 for a 0-dimensional tensor).
 *
 * Returns: the number of elements
 *
 * Since: 1.0
 */
gsize
seldon_tensor_get_n_elements (SeldonTensor *self)
{
  g_return_val_if_fail (SELDON_IS_TENSOR (self), 0);

  return self->n_elements;
}

/**
 * seldon_tensor_get_data:
 * @self: a #SeldonTensor
 *
 * Gets the packed elements of a numeric or boolean tensor: row-major, native byte order,
 * one byte (0 or 1) per boolean.
 *
 * Returns: (transfer none) (nullable): the element data, or %NULL for string and object
 *   tensors
 *
 * Since: 1.0
 */
GBytes *
seldon_tensor_get_data (SeldonTensor *self)
{
  g_return_val_if_fail (SELDON_IS_TENSOR (self), NULL);

  return self->data;
}

double
seldon_tensor_get_element_double (SeldonTensor *self,
                                  gsize         index)
{
  const guint8 *p;

  if (self->data == NULL || index >= self->n_elements)
    return 0.0;

  p = (const guint8 *) g_bytes_get_data (self->data, NULL) + index * seldon_dtype_get_item_size (self->dtype);

  switch (self->dtype)
    {
    case SELDON_DTYPE_FLOAT64:
      {
        double v;
        memcpy (&v, p, sizeof v);
        return v;
      }
    case SELDON_DTYPE_FLOAT32:
      {
        float v;
        memcpy (&v, p, sizeof v);
        return v;
      }
    case SELDON_DTYPE_INT64:
      {
        gint64 v;
        memcpy (&v, p, sizeof v);
        return (double) v;
      }
    case SELDON_DTYPE_INT32:
      {
        gint32 v;
        memcpy (&v, p, sizeof v);
        return v;
      }
    case SELDON_DTYPE_INT16:
      {
        gint16 v;
        memcpy (&v, p, sizeof v);
        return v;
      }
    case SELDON_DTYPE_INT8:
      return (gint8) p[0];
    case SELDON_DTYPE_UINT64:
      {
        guint64 v;
        memcpy (&v, p, sizeof v);
        return (double) v;
      }
    case SELDON_DTYPE_UINT32:
      {
        guint32 v;
        memcpy (&v, p, sizeof v);
        return v;
      }
    case SELDON_DTYPE_UINT16:
      {
        guint16 v;
        memcpy (&v, p, sizeof v);
        return v;
      }
    case SELDON_DTYPE_UINT8:
      return p[0];
    case SELDON_DTYPE_BOOL:
      return p[0] ? 1.0 : 0.0;
    case SELDON_DTYPE_STRING:
    case SELDON_DTYPE_OBJECT:
    default:
      return 0.0;
    }
}

SeldonJson *
seldon_tensor_dup_element_json (SeldonTensor *self,
                                gsize         index)
{
  const guint8 *p;

  g_return_val_if_fail (SELDON_IS_TENSOR (self), NULL);
  g_return_val_if_fail (index < self->n_elements, NULL);

  if (self->elements != NULL)
    return self->elements[index] ? seldon_json_ref (self->elements[index]) : seldon_json_new_null ();

  p = (const guint8 *) g_bytes_get_data (self->data, NULL) + index * seldon_dtype_get_item_size (self->dtype);

  switch (self->dtype)
    {
    case SELDON_DTYPE_FLOAT64:
    case SELDON_DTYPE_FLOAT32:
      return seldon_json_new_double (seldon_tensor_get_element_double (self, index));
    case SELDON_DTYPE_INT64:
      {
        gint64 v;
        memcpy (&v, p, sizeof v);
        return seldon_json_new_int (v);
      }
    case SELDON_DTYPE_UINT64:
      {
        guint64 v;
        memcpy (&v, p, sizeof v);
        return seldon_json_new_uint (v);
      }
    case SELDON_DTYPE_INT32:
    case SELDON_DTYPE_INT16:
    case SELDON_DTYPE_INT8:
    case SELDON_DTYPE_UINT32:
    case SELDON_DTYPE_UINT16:
    case SELDON_DTYPE_UINT8:
      return seldon_json_new_int ((gint64) seldon_tensor_get_element_double (self, index));
    case SELDON_DTYPE_BOOL:
      return seldon_json_new_bool (p[0] != 0);
    case SELDON_DTYPE_STRING:
    case SELDON_DTYPE_OBJECT:
    default:
      return seldon_json_new_null ();
    }
}

static SeldonJson *
to_nested (SeldonTensor *self,
           guint         depth,
           gsize        *pos)
{
  SeldonJson *list;

  if (depth == self->n_dims)
    return seldon_tensor_dup_element_json (self, (*pos)++);

  list = seldon_json_new_array_sized ((guint) MIN (self->shape[depth], G_MAXUINT));
  for (gint64 i = 0; i < self->shape[depth]; i++)
    seldon_json_array_append (list, to_nested (self, depth + 1, pos));
  return list;
}

SeldonJson *
seldon_tensor_to_seldon_json (SeldonTensor *self)
{
  gsize pos = 0;

  g_return_val_if_fail (SELDON_IS_TENSOR (self), NULL);

  return to_nested (self, 0, &pos);
}

SeldonJson *
seldon_tensor_to_flat_json (SeldonTensor *self)
{
  SeldonJson *list;

  g_return_val_if_fail (SELDON_IS_TENSOR (self), NULL);

  list = seldon_json_new_array_sized ((guint) MIN (self->n_elements, G_MAXUINT));
  for (gsize i = 0; i < self->n_elements; i++)
    seldon_json_array_append (list, seldon_tensor_dup_element_json (self, i));
  return list;
}

SeldonJson *
seldon_tensor_shape_to_json (SeldonTensor *self)
{
  SeldonJson *list = seldon_json_new_array_sized (self->n_dims);

  for (guint i = 0; i < self->n_dims; i++)
    seldon_json_array_append (list, seldon_json_new_int (self->shape[i]));
  return list;
}

/**
 * seldon_tensor_dup_doubles:
 * @self: a #SeldonTensor
 * @n_values: (out) (optional): return location for the number of values
 *
 * Copies the elements of a numeric or boolean tensor as doubles, in row-major order.
 *
 * Returns: (array length=n_values) (transfer full) (nullable): the values, or %NULL for
 *   string and object tensors
 *
 * Since: 1.0
 */
double *
seldon_tensor_dup_doubles (SeldonTensor *self,
                           gsize        *n_values)
{
  double *values;

  g_return_val_if_fail (SELDON_IS_TENSOR (self), NULL);

  if (n_values != NULL)
    *n_values = 0;
  if (self->data == NULL)
    return NULL;

  values = g_new (double, MAX (self->n_elements, 1));
  for (gsize i = 0; i < self->n_elements; i++)
    values[i] = seldon_tensor_get_element_double (self, i);
  if (n_values != NULL)
    *n_values = self->n_elements;
  return values;
}

/**
 * seldon_tensor_get_string:
 * @self: a #SeldonTensor
 * @index: the element index in row-major order
 *
 * Gets an element of a %SELDON_DTYPE_STRING tensor.
 *
 * Returns: (nullable): the element, or %NULL if the tensor does not hold strings
 *
 * Since: 1.0
 */
const char *
seldon_tensor_get_string (SeldonTensor *self,
                          gsize         index)
{
  g_return_val_if_fail (SELDON_IS_TENSOR (self), NULL);
  g_return_val_if_fail (index < self->n_elements, NULL);

  if (self->dtype != SELDON_DTYPE_STRING)
    return NULL;
  return seldon_json_get_string (self->elements[index]);
}

/**
 * seldon_tensor_dup_element:
 * @self: a #SeldonTensor
 * @index: the element index in row-major order
 *
 * Gets an element as a JSON value: a number, a boolean, a string, or for object tensors the
 * value itself.
 *
 * Returns: (transfer full): the element
 *
 * Since: 1.0
 */
JsonNode *
seldon_tensor_dup_element (SeldonTensor *self,
                           gsize         index)
{
  g_autoptr(SeldonJson) value = NULL;

  g_return_val_if_fail (SELDON_IS_TENSOR (self), NULL);
  g_return_val_if_fail (index < self->n_elements, NULL);

  value = seldon_tensor_dup_element_json (self, index);
  return seldon_json_to_json_node (value);
}

/**
 * seldon_tensor_to_json:
 * @self: a #SeldonTensor
 *
 * Converts the tensor to nested JSON arrays (numpy's `tolist()`); a 0-dimensional tensor
 * gives its element.
 *
 * Returns: (transfer full): the JSON form of the tensor
 *
 * Since: 1.0
 */
JsonNode *
seldon_tensor_to_json (SeldonTensor *self)
{
  g_autoptr(SeldonJson) value = NULL;

  g_return_val_if_fail (SELDON_IS_TENSOR (self), NULL);

  value = seldon_tensor_to_seldon_json (self);
  return seldon_json_to_json_node (value);
}

/* ------------------------------------------------------------------------------------------ */
/* Python str() */

/* Shortest digits that round-trip through float32, printed like Python's float repr. */
static void
append_float32 (GString *out,
                float    value)
{
  char buf[64];
  int precision;

  if (!isfinite (value))
    {
      seldon_json_append_double (out, value, FALSE);
      return;
    }

  for (precision = 1; precision < 17; precision++)
    {
      g_snprintf (buf, sizeof buf, "%.*e", precision - 1, (double) value);
      if ((float) g_ascii_strtod (buf, NULL) == value)
        break;
    }
  seldon_json_append_double (out, g_ascii_strtod (buf, NULL), FALSE);
}

static void
append_element_str (GString      *out,
                    SeldonTensor *self,
                    gsize         index)
{
  g_autoptr(SeldonJson) element = NULL;

  if (self->dtype == SELDON_DTYPE_FLOAT32)
    {
      append_float32 (out, (float) seldon_tensor_get_element_double (self, index));
      return;
    }

  element = seldon_tensor_dup_element_json (self, index);
  if (self->dtype == SELDON_DTYPE_STRING)
    g_string_append_len (out, seldon_json_get_string (element), seldon_json_get_string_length (element));
  else if (self->dtype == SELDON_DTYPE_OBJECT)
    seldon_json_append_python_repr (out, element);
  else
    append_python_str_scalar (out, element);
}

static void
append_nested_str (GString      *out,
                   SeldonTensor *self,
                   guint         depth,
                   gsize        *pos)
{
  if (depth == self->n_dims)
    {
      if (self->dtype == SELDON_DTYPE_STRING)
        {
          g_autoptr(SeldonJson) element = seldon_tensor_dup_element_json (self, (*pos)++);

          seldon_json_append_python_repr (out, element);
        }
      else
        append_element_str (out, self, (*pos)++);
      return;
    }

  g_string_append_c (out, '[');
  for (gint64 i = 0; i < self->shape[depth]; i++)
    {
      if (i > 0)
        {
          if (depth + 1 < self->n_dims)
            {
              g_string_append_c (out, '\n');
              for (guint j = 0; j <= depth; j++)
                g_string_append_c (out, ' ');
            }
          else
            g_string_append_c (out, ' ');
        }
      append_nested_str (out, self, depth + 1, pos);
    }
  g_string_append_c (out, ']');
}

void
seldon_tensor_append_python_str (GString      *out,
                                 SeldonTensor *self)
{
  gsize pos = 0;

  g_return_if_fail (SELDON_IS_TENSOR (self));

  if (self->n_dims == 0)
    append_element_str (out, self, 0);
  else
    append_nested_str (out, self, 0, &pos);
}
