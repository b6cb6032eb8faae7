/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Identity: the "Identity" component of rest-api.md §10. Its only method is predict(), which
 * returns the request's payload unchanged (like a Python model whose predict returns X).
 * Everything else gets the server's fallbacks.
 */

#include <seldon/seldon.h>

#include "test-component-util.h"

#define TEST_TYPE_IDENTITY (test_identity_get_type ())
G_DECLARE_FINAL_TYPE (TestIdentity, test_identity, TEST, IDENTITY, GObject)

struct _TestIdentity
{
  GObject parent_instance;
};

static void test_identity_component_init (SeldonComponentInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (TestIdentity, test_identity, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SELDON_TYPE_COMPONENT,
                                                               test_identity_component_init))

static SeldonMessage *
test_identity_predict (SeldonComponent  *component,
                       SeldonMessage    *request,
                       GCancellable     *cancellable,
                       GError          **error)
{
  return tc_echo_payload (request, error);
}

static void
test_identity_component_init (SeldonComponentInterface *iface)
{
  iface->predict = test_identity_predict;
}

static void
test_identity_class_init (TestIdentityClass *klass)
{
}

static void
test_identity_class_finalize (TestIdentityClass *klass)
{
}

static void
test_identity_init (TestIdentity *self)
{
}

G_MODULE_EXPORT GType seldon_component_register (GTypeModule *module);

GType
seldon_component_register (GTypeModule *module)
{
  test_identity_register_type (module);
  return TEST_TYPE_IDENTITY;
}
