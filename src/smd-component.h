/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Finding, loading and constructing a native component (configuration.md §4, native part). */

#include <seldon/seldon.h>

G_BEGIN_DECLS

#define SMD_TYPE_COMPONENT_MODULE (smd_component_module_get_type ())
G_DECLARE_FINAL_TYPE (SmdComponentModule, smd_component_module, SMD, COMPONENT_MODULE, GTypeModule)

/* Resolves INTERFACE_NAME to a module file: a path (containing '/' or ending in ".so"), or a
 * name X found as libX.so or X.so in the working directory, in each directory of
 * SELDON_COMPONENT_PATH, and in COMPONENTDIR. Fails with G_IO_ERROR_NOT_FOUND when a name is
 * not found (then it is not a native component). */
char            *smd_component_find          (const char  *interface_name,
                                              GError     **error);

typedef enum
{
  SMD_COMPONENT_NATIVE,   /* a native module: in-process, or the seldon-worker host */
  SMD_COMPONENT_PYTHON,   /* a Python class: `python3 -m seldon_worker` */
  SMD_COMPONENT_JS,       /* a JavaScript file: the gjs worker host */
} SmdComponentKind;

/* How INTERFACE_NAME is served (decisions.md D2): a name ending in ".py" is a Python file and
 * one ending in ".js" a JavaScript file; otherwise a native module that smd_component_find()
 * finds is native (its path in @module_path), and any other name is a Python class (`MyModel`,
 * `package.module.Class`). Fails with smd_component_find()'s errors other than not-found. */
gboolean         smd_component_get_kind      (const char        *interface_name,
                                              SmdComponentKind  *kind,
                                              char             **module_path,
                                              GError           **error);
/* Loads the module (once, for the life of the process) and returns the GType that its
 * seldon_component_register() returned, checked to implement SeldonComponent. */
GType            smd_component_module_load   (const char  *path,
                                              GError     **error);
/* Constructs the component with @parameters (SmdParameter) as construct properties. */
SeldonComponent *smd_component_new           (GType        type,
                                              GPtrArray   *parameters,
                                              GError     **error);

G_END_DECLS
