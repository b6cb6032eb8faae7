/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * NoMethods: a component that implements no method at all, so every call gets the server's
 * fallback (component-contract.md §2): predict answers an empty array, the transformers echo
 * the payload, route and aggregate fail with "Route not defined" / "Aggregate not defined",
 * feedback answers an empty array and health status answers "healthy".
 */

#include <seldon/seldon.h>

#define TEST_TYPE_NO_METHODS (test_no_methods_get_type ())
G_DECLARE_FINAL_TYPE (TestNoMethods, test_no_methods, TEST, NO_METHODS, GObject)

struct _TestNoMethods
{
  GObject parent_instance;
};

static void test_no_methods_component_init (SeldonComponentInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (TestNoMethods, test_no_methods, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SELDON_TYPE_COMPONENT,
                                                               test_no_methods_component_init))

static void
test_no_methods_component_init (SeldonComponentInterface *iface)
{
}

static void
test_no_methods_class_init (TestNoMethodsClass *klass)
{
}

static void
test_no_methods_class_finalize (TestNoMethodsClass *klass)
{
}

static void
test_no_methods_init (TestNoMethods *self)
{
}

G_MODULE_EXPORT GType seldon_component_register (GTypeModule *module);

GType
seldon_component_register (GTypeModule *module)
{
  test_no_methods_register_type (module);
  return TEST_TYPE_NO_METHODS;
}
