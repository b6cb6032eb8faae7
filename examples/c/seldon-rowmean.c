/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * rowmean: predict answers the mean of each row of a 2-D numeric array, as a column: an
 * (n, m) array gives an (n, 1) array of doubles. A 1-D array of m values counts as one row
 * and gives a (1, 1) array. Anything else (strings, other shapes, rows without values, a
 * payload that is not an array) is refused with SELDON_ERROR_BAD_DATA (REST 400).
 *
 *   seldon-microservice rowmean
 *   curl -s -H 'Content-Type: application/json' -d '{"data":{"ndarray":[[1,2,3],[4,5,6]]}}' \
 *        localhost:9000/api/v1.0/predictions
 *   ⇒ {"data":{"names":["t:0"],"ndarray":[[2.0],[5.0]]},"meta":{}}
 *
 * Its one parameter, the property "scale" (a double, default 1), multiplies every mean:
 *
 *   seldon-microservice rowmean --parameters '[{"name":"scale","value":"100","type":"FLOAT"}]'
 *
 * A plain static type: the module stays loaded for the life of the process. The component
 * keeps no state besides a property fixed at construction, so it is thread-safe.
 */

#include <gmodule.h>
#include <seldon/seldon.h>

#define SELDON_TYPE_ROW_MEAN (seldon_row_mean_get_type ())
G_DECLARE_FINAL_TYPE (SeldonRowMean, seldon_row_mean, SELDON, ROW_MEAN, GObject)

struct _SeldonRowMean
{
  GObject parent_instance;

  double scale;
};

enum
{
  PROP_0,
  PROP_SCALE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void seldon_row_mean_component_init (SeldonComponentInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SeldonRowMean, seldon_row_mean, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SELDON_TYPE_COMPONENT,
                                                      seldon_row_mean_component_init))

static SeldonMessage *
seldon_row_mean_predict (SeldonComponent *component,
                         SeldonMessage   *request,
                         GCancellable    *cancellable,
                         GError         **error)
{
  SeldonRowMean *self = SELDON_ROW_MEAN (component);
  g_autoptr(SeldonTensor) input = NULL;
  g_autoptr(SeldonTensor) output = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree double *values = NULL;
  g_autofree double *means = NULL;
  const gint64 *shape;
  gint64 out_shape[2];
  guint n_dims = 0;
  gint64 rows, cols;
  SeldonDType dtype;

  input = seldon_message_dup_tensor (request, &local_error);
  if (input == NULL)
    {
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA,
                   "rowmean needs a 2-D array of numbers: %s", local_error->message);
      return NULL;
    }

  dtype = seldon_tensor_get_dtype (input);
  if (dtype == SELDON_DTYPE_STRING || dtype == SELDON_DTYPE_OBJECT)
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA,
                           "rowmean needs a 2-D array of numbers, not strings or objects");
      return NULL;
    }

  shape = seldon_tensor_get_shape (input, &n_dims);
  if (n_dims == 1)
    {
      rows = 1;
      cols = shape[0];
    }
  else if (n_dims == 2)
    {
      rows = shape[0];
      cols = shape[1];
    }
  else
    {
      g_set_error (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA,
                   "rowmean needs a 2-D array of numbers, got %u dimensions", n_dims);
      return NULL;
    }

  if (cols == 0 && rows > 0)
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_BAD_DATA,
                           "rowmean needs at least one value per row");
      return NULL;
    }

  values = seldon_tensor_dup_doubles (input, NULL);
  means = g_new0 (double, MAX (rows, 1));
  for (gint64 r = 0; r < rows; r++)
    {
      double sum = 0;

      for (gint64 c = 0; c < cols; c++)
        sum += values[r * cols + c];
      means[r] = self->scale * sum / (double) cols;
    }

  out_shape[0] = rows;
  out_shape[1] = 1;
  output = seldon_tensor_new_from_doubles (means, (gsize) rows, out_shape, 2, error);
  if (output == NULL)
    return NULL;

  return seldon_message_new_tensor (output);
}

static void
seldon_row_mean_component_init (SeldonComponentInterface *iface)
{
  iface->predict = seldon_row_mean_predict;
}

static void
seldon_row_mean_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SeldonRowMean *self = SELDON_ROW_MEAN (object);

  switch (prop_id)
    {
    case PROP_SCALE:
      g_value_set_double (value, self->scale);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
seldon_row_mean_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SeldonRowMean *self = SELDON_ROW_MEAN (object);

  switch (prop_id)
    {
    case PROP_SCALE:
      self->scale = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
seldon_row_mean_class_init (SeldonRowMeanClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = seldon_row_mean_get_property;
  object_class->set_property = seldon_row_mean_set_property;

  /* SeldonRowMean:scale: every mean is multiplied by this (the "scale" model parameter). */
  properties[PROP_SCALE] = g_param_spec_double ("scale", NULL, NULL,
                                                -G_MAXDOUBLE, G_MAXDOUBLE, 1.0,
                                                G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
seldon_row_mean_init (SeldonRowMean *self)
{
  self->scale = 1.0;
}

G_MODULE_EXPORT GType seldon_component_register (GTypeModule *module);

G_MODULE_EXPORT GType
seldon_component_register (GTypeModule *module)
{
  return SELDON_TYPE_ROW_MEAN;
}
