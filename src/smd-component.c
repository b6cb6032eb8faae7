/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <gmodule.h>
#include <string.h>

#include "smd-component.h"
#include "smd-options.h"
#include "smd-parameters.h"

/* A GTypeModule, so that component modules may register their types either as plain static
 * types or with G_DEFINE_DYNAMIC_TYPE. The module is used once and never released: a
 * component module is never unloaded. */
struct _SmdComponentModule
{
  GTypeModule parent_instance;

  char *path;
  GModule *module;
  GType component_type;
  GError *error;
};

G_DEFINE_FINAL_TYPE (SmdComponentModule, smd_component_module, G_TYPE_TYPE_MODULE)

static GPtrArray *loaded_modules;

static gboolean
smd_component_module_load_module (GTypeModule *type_module)
{
  SmdComponentModule *self = SMD_COMPONENT_MODULE (type_module);
  SeldonComponentRegisterFunc register_func = NULL;

  g_clear_error (&self->error);

  self->module = g_module_open (self->path, G_MODULE_BIND_LOCAL | G_MODULE_BIND_LAZY);
  if (self->module == NULL)
    {
      g_set_error (&self->error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Cannot load component module %s: %s", self->path, g_module_error ());
      return FALSE;
    }

  if (!g_module_symbol (self->module, "seldon_component_register", (gpointer *) &register_func) ||
      register_func == NULL)
    {
      g_set_error (&self->error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Component module %s has no seldon_component_register function", self->path);
      g_module_close (self->module);
      self->module = NULL;
      return FALSE;
    }

  /* Static types cannot be unregistered, so the code must stay mapped. */
  g_module_make_resident (self->module);
  self->component_type = register_func (type_module);

  return TRUE;
}

static void
smd_component_module_unload_module (GTypeModule *type_module)
{
  SmdComponentModule *self = SMD_COMPONENT_MODULE (type_module);

  /* Resident: closing only drops our handle. */
  g_clear_pointer (&self->module, g_module_close);
}

static void
smd_component_module_finalize (GObject *object)
{
  SmdComponentModule *self = SMD_COMPONENT_MODULE (object);

  g_free (self->path);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (smd_component_module_parent_class)->finalize (object);
}

static void
smd_component_module_class_init (SmdComponentModuleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GTypeModuleClass *module_class = G_TYPE_MODULE_CLASS (klass);

  object_class->finalize = smd_component_module_finalize;
  module_class->load = smd_component_module_load_module;
  module_class->unload = smd_component_module_unload_module;
}

static void
smd_component_module_init (SmdComponentModule *self)
{
}

static char *
find_in_dir (const char *dir,
             const char *name)
{
  g_autofree char *lib = g_strdup_printf ("lib%s.so", name);
  g_autofree char *plain = g_strdup_printf ("%s.so", name);
  const char *candidates[] = { lib, plain };

  for (gsize i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *path = g_build_filename (dir, candidates[i], NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          /* dlopen() searches the library path for a name without '/'. */
          if (!g_path_is_absolute (path) && !g_str_has_prefix (path, "./"))
            {
              g_autofree char *rel = g_steal_pointer (&path);
              path = g_build_filename (".", rel, NULL);
            }
          return g_steal_pointer (&path);
        }
    }

  return NULL;
}

static gboolean
is_versioned_library (const char *name)
{
  const char *so = strstr (name, ".so.");

  if (so == NULL || so == name)
    return FALSE;
  for (const char *p = so + 4; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && *p != '.')
      return FALSE;
  return so[4] != '\0';
}

char *
smd_component_find (const char  *interface_name,
                    GError     **error)
{
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  const char *env_path;

  g_return_val_if_fail (interface_name != NULL, NULL);

  /* A versioned library name (libfoo.so.1) is a native module too: the dynamic linker's
   * search path finds it, as for any dlopen()ed library. */
  if (strchr (interface_name, '/') == NULL && is_versioned_library (interface_name))
    return g_strdup (interface_name);

  if (strchr (interface_name, '/') != NULL || g_str_has_suffix (interface_name, ".so"))
    {
      if (!g_file_test (interface_name, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                       "Component module %s does not exist", interface_name);
          return NULL;
        }
      if (strchr (interface_name, '/') == NULL)
        return g_build_filename (".", interface_name, NULL);
      return g_strdup (interface_name);
    }

  g_ptr_array_add (dirs, g_strdup ("."));
  env_path = g_getenv ("SELDON_COMPONENT_PATH");
  if (env_path != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (env_path, G_SEARCHPATH_SEPARATOR_S, -1);

      for (gsize i = 0; parts[i] != NULL; i++)
        if (*parts[i] != '\0')
          g_ptr_array_add (dirs, g_strdup (parts[i]));
    }
  g_ptr_array_add (dirs, g_strdup (COMPONENTDIR));

  for (guint i = 0; i < dirs->len; i++)
    {
      char *path = find_in_dir (g_ptr_array_index (dirs, i), interface_name);

      if (path != NULL)
        return path;
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               "no native component module %s (looked for lib%s.so and %s.so in the working "
               "directory, SELDON_COMPONENT_PATH and " COMPONENTDIR ")",
               interface_name, interface_name, interface_name);
  return NULL;
}

gboolean
smd_component_get_kind (const char        *interface_name,
                        SmdComponentKind  *kind,
                        char             **module_path,
                        GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  char *path;

  g_return_val_if_fail (interface_name != NULL, FALSE);

  *module_path = NULL;
  if (g_str_has_suffix (interface_name, ".py"))
    {
      *kind = SMD_COMPONENT_PYTHON;
      return TRUE;
    }
  if (g_str_has_suffix (interface_name, ".js"))
    {
      *kind = SMD_COMPONENT_JS;
      return TRUE;
    }

  path = smd_component_find (interface_name, &local_error);
  if (path != NULL)
    {
      *kind = SMD_COMPONENT_NATIVE;
      *module_path = path;
      return TRUE;
    }
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      *kind = SMD_COMPONENT_PYTHON;
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

GType
smd_component_module_load (const char  *path,
                           GError     **error)
{
  SmdComponentModule *self;
  GType type;

  g_return_val_if_fail (path != NULL, G_TYPE_INVALID);

  /* Kept for the life of the process: a GTypeModule must outlive the types it registered. */
  self = g_object_new (SMD_TYPE_COMPONENT_MODULE, NULL);
  if (loaded_modules == NULL)
    loaded_modules = g_ptr_array_new ();
  g_ptr_array_add (loaded_modules, self);
  self->path = g_strdup (path);
  g_type_module_set_name (G_TYPE_MODULE (self), path);

  if (!g_type_module_use (G_TYPE_MODULE (self)))
    {
      if (self->error != NULL)
        g_propagate_error (error, g_steal_pointer (&self->error));
      else
        g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                     "Cannot load component module %s", path);
      return G_TYPE_INVALID;
    }

  type = self->component_type;
  if (type == G_TYPE_INVALID)
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "seldon_component_register() of %s returned no type", path);
      return G_TYPE_INVALID;
    }
  if (!G_TYPE_IS_OBJECT (type) || G_TYPE_IS_ABSTRACT (type) ||
      !g_type_is_a (type, SELDON_TYPE_COMPONENT))
    {
      g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                   "Component type %s of %s is not an instantiable GObject implementing "
                   "SeldonComponent", g_type_name (type), path);
      return G_TYPE_INVALID;
    }

  return type;
}

static gboolean
values_equal (const GValue *a,
              const GValue *b)
{
  if (G_VALUE_TYPE (a) != G_VALUE_TYPE (b))
    return FALSE;
  if (G_VALUE_HOLDS_INT64 (a))
    return g_value_get_int64 (a) == g_value_get_int64 (b);
  if (G_VALUE_HOLDS_DOUBLE (a))
    return g_value_get_double (a) == g_value_get_double (b);
  if (G_VALUE_HOLDS_BOOLEAN (a))
    return g_value_get_boolean (a) == g_value_get_boolean (b);

  return FALSE;
}

/* Converts a parameter to the property's type: exactly, or not at all. */
static gboolean
convert_parameter (GType               component_type,
                   const SmdParameter *parameter,
                   GParamSpec         *pspec,
                   GValue             *out,
                   GError            **error)
{
  GType target = G_PARAM_SPEC_VALUE_TYPE (pspec);
  const GValue *in = &parameter->value;

  g_value_init (out, target);

  if (G_VALUE_HOLDS_STRING (in) && G_TYPE_IS_ENUM (target))
    {
      g_autoptr(GEnumClass) enum_class = g_type_class_ref (target);
      const char *str = g_value_get_string (in);
      GEnumValue *ev = g_enum_get_value_by_nick (enum_class, str);

      if (ev == NULL)
        ev = g_enum_get_value_by_name (enum_class, str);
      if (ev != NULL)
        {
          g_value_set_enum (out, ev->value);
          return TRUE;
        }
    }
  else if (G_VALUE_TYPE (in) == target)
    {
      g_value_copy (in, out);
      if (!g_param_value_validate (pspec, out))
        return TRUE;
    }
  else if (g_value_type_transformable (G_VALUE_TYPE (in), target) &&
           g_value_transform (in, out))
    {
      gboolean exact = TRUE;

      /* Refuse lossy conversions (2.5 to an int, 300 to a char); a double may become a
       * float. */
      if (target != G_TYPE_FLOAT && target != G_TYPE_DOUBLE && target != G_TYPE_STRING &&
          g_value_type_transformable (target, G_VALUE_TYPE (in)))
        {
          g_auto(GValue) back = G_VALUE_INIT;

          g_value_init (&back, G_VALUE_TYPE (in));
          exact = g_value_transform (out, &back) && values_equal (in, &back);
        }
      if (exact && !g_param_value_validate (pspec, out))
        return TRUE;
    }

  g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
               "Bad model parameter: %s with value %s can't be used for property %s of %s "
               "(type %s)", parameter->name, parameter->text, pspec->name,
               g_type_name (component_type), g_type_name (target));
  return FALSE;
}

SeldonComponent *
smd_component_new (GType       type,
                   GPtrArray  *parameters,
                   GError    **error)
{
  g_autoptr(GTypeClass) klass = g_type_class_ref (type);
  g_autofree const char **names = NULL;
  g_autoptr(GArray) values = g_array_new (FALSE, TRUE, sizeof (GValue));
  g_autoptr(GObject) object = NULL;
  guint n = parameters ? parameters->len : 0;

  g_array_set_clear_func (values, (GDestroyNotify) g_value_unset);
  names = g_new0 (const char *, n + 1);

  for (guint i = 0; i < n; i++)
    {
      const SmdParameter *parameter = g_ptr_array_index (parameters, i);
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_CLASS (klass), parameter->name);
      GValue value = G_VALUE_INIT;

      if (pspec == NULL)
        {
          g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                       "Bad model parameter: %s has no property \"%s\"",
                       g_type_name (type), parameter->name);
          return NULL;
        }
      if (!(pspec->flags & G_PARAM_WRITABLE))
        {
          g_set_error (error, SMD_EXIT_ERROR, SMD_EXIT_FAILURE,
                       "Bad model parameter: property \"%s\" of %s is not writable",
                       parameter->name, g_type_name (type));
          return NULL;
        }
      if (!convert_parameter (type, parameter, pspec, &value, error))
        {
          g_value_unset (&value);
          return NULL;
        }
      names[i] = pspec->name;
      g_array_append_val (values, value);
    }

  object = g_object_new_with_properties (type, n, names, (const GValue *) (gpointer) values->data);

  if (G_IS_INITABLE (object) && !g_initable_init (G_INITABLE (object), NULL, error))
    return NULL;

  return SELDON_COMPONENT (g_steal_pointer (&object));
}
