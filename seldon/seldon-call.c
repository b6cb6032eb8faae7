/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "seldon-call-private.h"
#include "seldon-error.h"
#include "seldon-error-private.h"

SeldonCall *
seldon_call_new (SeldonMethod    method,
                 SeldonTransport transport)
{
  SeldonCall *call = g_new0 (SeldonCall, 1);

  call->method = method;
  call->transport = transport;
  return call;
}

void
seldon_call_free (SeldonCall *call)
{
  if (call == NULL)
    return;
  g_clear_pointer (&call->body, g_bytes_unref);
  g_clear_pointer (&call->value, seldon_json_unref);
  g_free (call);
}

SeldonReply *
seldon_reply_new (guint       http_status,
                  const char *content_type,
                  GBytes     *body)
{
  SeldonReply *reply = g_new0 (SeldonReply, 1);

  reply->http_status = http_status;
  reply->content_type = content_type;
  reply->body = body != NULL ? g_bytes_ref (body) : g_bytes_new_static ("", 0);
  return reply;
}

SeldonReply *
seldon_reply_new_error (const GError         *error,
                        SeldonJsonWriteFlags  flags)
{
  g_autoptr(SeldonJson) root = seldon_json_new_object ();
  g_autoptr(SeldonJson) status = seldon_json_new_object ();
  GString *text;
  SeldonReply *reply;
  gsize len;
  const char *content_type, *body;

  g_return_val_if_fail (error != NULL, NULL);

  /* A binding's own answer (a Python component's model_error_handler, rest-api.md §8.4). */
  if (seldon_error_get_response (error, &content_type, &body, &len, NULL))
    {
      reply = g_new0 (SeldonReply, 1);
      reply->http_status = seldon_error_get_http_status (error);
      reply->content_type = content_type;
      reply->body = g_bytes_new (body, len);
      reply->grpc_status = seldon_error_get_grpc_status (error);
      reply->grpc_message = g_strdup (seldon_error_get_info (error));
      return reply;
    }

  /* rest-api.md §8.1: code is always -1 and status the integer 1. */
  seldon_json_object_set (status, "code", seldon_json_new_int (-1));
  seldon_json_object_set (status, "info", seldon_json_new_string (seldon_error_get_info (error)));
  seldon_json_object_set (status, "reason", seldon_json_new_string (seldon_error_get_reason (error)));
  seldon_json_object_set (status, "status", seldon_json_new_int (1));
  seldon_json_object_set (root, "status", g_steal_pointer (&status));

  text = g_string_new (NULL);
  seldon_json_write (root, flags, text);
  g_string_append_c (text, '\n');
  len = text->len;

  reply = g_new0 (SeldonReply, 1);
  reply->http_status = seldon_error_get_http_status (error);
  reply->content_type = "application/json";
  reply->body = g_bytes_new_take (g_string_free (text, FALSE), len);
  reply->grpc_status = seldon_error_get_grpc_status (error);
  reply->grpc_message = g_strdup (seldon_error_get_info (error));
  return reply;
}

void
seldon_reply_free (SeldonReply *reply)
{
  if (reply == NULL)
    return;
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_pointer (&reply->grpc_message, g_free);
  g_clear_pointer (&reply->metrics, seldon_json_unref);
  g_free (reply);
}

const char *
seldon_method_get_metric_label (SeldonMethod method)
{
  switch (method)
    {
    case SELDON_METHOD_PREDICT:
      return "predict";
    case SELDON_METHOD_TRANSFORM_INPUT:
      return "inputtransform";
    case SELDON_METHOD_TRANSFORM_OUTPUT:
      return "outputtransform";
    case SELDON_METHOD_ROUTE:
      return "router";
    case SELDON_METHOD_AGGREGATE:
      return "aggregate";
    case SELDON_METHOD_SEND_FEEDBACK:
      return "feedback";
    case SELDON_METHOD_HEALTH_STATUS:
      return "health";
    case SELDON_METHOD_METADATA:
      return "metadata";
    default:
      return "unknown";
    }
}
