/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tagged: the "Tagged" component of rest-api.md §10. predict, transform_input and
 * transform_output return the request's payload unchanged; tags() is {"mytag":1} and
 * metrics() is [{"type":"COUNTER","key":"mycounter","value":1}].
 */

#include <seldon/seldon.h>

#include "test-component-util.h"

#define TEST_TYPE_TAGGED (test_tagged_get_type ())
G_DECLARE_FINAL_TYPE (TestTagged, test_tagged, TEST, TAGGED, GObject)

struct _TestTagged
{
  GObject parent_instance;
};

static void test_tagged_component_init (SeldonComponentInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (TestTagged, test_tagged, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SELDON_TYPE_COMPONENT,
                                                               test_tagged_component_init))

static SeldonMessage *
test_tagged_echo (SeldonComponent  *component,
                  SeldonMessage    *request,
                  GCancellable     *cancellable,
                  GError          **error)
{
  return tc_echo_payload (request, error);
}

static JsonNode *
test_tagged_tags (SeldonComponent  *component,
                  GError          **error)
{
  tc_trace ("tags");
  return tc_parse_json ("{\"mytag\":1}", error);
}

static JsonNode *
test_tagged_metrics (SeldonComponent  *component,
                     GError          **error)
{
  tc_trace ("metrics");
  return tc_parse_json ("[{\"type\":\"COUNTER\",\"key\":\"mycounter\",\"value\":1}]", error);
}

static void
test_tagged_component_init (SeldonComponentInterface *iface)
{
  iface->predict = test_tagged_echo;
  iface->transform_input = test_tagged_echo;
  iface->transform_output = test_tagged_echo;
  iface->tags = test_tagged_tags;
  iface->metrics = test_tagged_metrics;
}

static void
test_tagged_class_init (TestTaggedClass *klass)
{
}

static void
test_tagged_class_finalize (TestTaggedClass *klass)
{
}

static void
test_tagged_init (TestTagged *self)
{
}

G_MODULE_EXPORT GType seldon_component_register (GTypeModule *module);

GType
seldon_component_register (GTypeModule *module)
{
  test_tagged_register_type (module);
  return TEST_TYPE_TAGGED;
}
