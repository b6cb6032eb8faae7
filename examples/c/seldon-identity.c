/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * identity: a component whose predict answers the request's payload unchanged.
 *
 *   seldon-microservice identity --http-port 9000
 *   curl -s -H 'Content-Type: application/json' -d '{"data":{"ndarray":[[1,2,3]]}}' \
 *        localhost:9000/api/v1.0/predictions
 *
 * The type is registered as a dynamic type of the GTypeModule that seldon-microservice hands
 * to seldon_component_register(); see seldon-rowmean.c for a plain static type. It keeps no
 * state, so it may be called from several threads at once.
 */

#include <gmodule.h>
#include <seldon/seldon.h>

#define SELDON_TYPE_IDENTITY (seldon_identity_get_type ())
G_DECLARE_FINAL_TYPE (SeldonIdentity, seldon_identity, SELDON, IDENTITY, GObject)

struct _SeldonIdentity
{
  GObject parent_instance;
};

static void seldon_identity_component_init (SeldonComponentInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (SeldonIdentity, seldon_identity, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SELDON_TYPE_COMPONENT,
                                                               seldon_identity_component_init))

static SeldonMessage *
seldon_identity_predict (SeldonComponent *component,
                         SeldonMessage   *request,
                         GCancellable    *cancellable,
                         GError         **error)
{
  switch (seldon_message_get_payload_kind (request))
    {
    case SELDON_PAYLOAD_TENSOR:
      return seldon_message_new_tensor (seldon_message_get_tensor (request));

    case SELDON_PAYLOAD_LIST:
      {
        g_autoptr(JsonNode) list = seldon_message_dup_payload (request);

        return seldon_message_new_list (list);
      }

    case SELDON_PAYLOAD_STRING:
      return seldon_message_new_string (seldon_message_get_str_data (request));

    case SELDON_PAYLOAD_BYTES:
      return seldon_message_new_bytes (seldon_message_get_bin_data (request));

    case SELDON_PAYLOAD_JSON:
      {
        g_autoptr(JsonNode) json = seldon_message_dup_json_data (request);

        return seldon_message_new_json (json);
      }

    case SELDON_PAYLOAD_CUSTOM:
      {
        SeldonMessage *answer = seldon_message_new ();

        seldon_message_set_custom (answer,
                                   seldon_message_get_custom_type_url (request),
                                   seldon_message_get_custom_value (request));
        return answer;
      }

    case SELDON_PAYLOAD_NONE:
    default:
      return seldon_message_new ();
    }
}

static void
seldon_identity_component_init (SeldonComponentInterface *iface)
{
  iface->predict = seldon_identity_predict;
}

static void
seldon_identity_class_init (SeldonIdentityClass *klass)
{
}

static void
seldon_identity_class_finalize (SeldonIdentityClass *klass)
{
}

static void
seldon_identity_init (SeldonIdentity *self)
{
}

G_MODULE_EXPORT GType seldon_component_register (GTypeModule *module);

G_MODULE_EXPORT GType
seldon_component_register (GTypeModule *module)
{
  seldon_identity_register_type (module);

  return SELDON_TYPE_IDENTITY;
}
