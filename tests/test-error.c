/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the errors that bindings encode in domain, code and message
 * (seldon-error.c): a custom status and reason, and a whole HTTP answer of the component's own
 * (a Python component's model_error_handler, rest-api.md §8.4), and the replies they make. */

#include "config.h"

#include <string.h>

#include "seldon-call-private.h"
#include "seldon-error.h"
#include "seldon-error-private.h"

static void
assert_body (SeldonReply *reply,
             const char  *expected)
{
  gsize size = 0;
  const char *body = g_bytes_get_data (reply->body, &size);

  g_assert_cmpmem (body, size, expected, strlen (expected));
}

static void
test_encoded_custom (void)
{
  g_autoptr(GError) error = g_error_new_literal (SELDON_ERROR, 418, "\x1eTEAPOT\x1eshort and stout");
  g_autoptr(SeldonReply) reply = NULL;

  g_assert_false (seldon_error_get_response (error, NULL, NULL, NULL, NULL));
  g_assert_cmpint (seldon_error_get_http_status (error), ==, 418);
  g_assert_cmpstr (seldon_error_get_reason (error), ==, "TEAPOT");
  g_assert_cmpstr (seldon_error_get_info (error), ==, "short and stout");

  reply = seldon_reply_new_error (error, SELDON_JSON_WRITE_DEFAULT);
  g_assert_cmpuint (reply->http_status, ==, 418);
  g_assert_cmpstr (reply->content_type, ==, "application/json");
  assert_body (reply, "{\"status\":{\"code\":-1,\"info\":\"short and stout\",\"reason\":\"TEAPOT\",\"status\":1}}\n");
}

static void
test_response (void)
{
  const char *body_text = "{\"status\":{\"app_code\":1402,\"message\":\"Test-Error-Msg\",\"status\":402}}\n";
  g_autofree char *message = g_strdup_printf ("\x1d" "application/json" "\x1d" "%zu" "\x1d" "%s" "the info",
                                              strlen (body_text), body_text);
  g_autoptr(GError) error = g_error_new_literal (SELDON_ERROR, 402, message);
  g_autoptr(SeldonReply) reply = NULL;
  const char *content_type = NULL, *body = NULL, *info = NULL;
  gsize len = 0;

  g_assert_true (seldon_error_get_response (error, &content_type, &body, &len, &info));
  g_assert_cmpstr (content_type, ==, "application/json");
  g_assert_cmpmem (body, len, body_text, strlen (body_text));
  g_assert_cmpstr (info, ==, "the info");
  g_assert_cmpint (seldon_error_get_http_status (error), ==, 402);
  g_assert_cmpstr (seldon_error_get_reason (error), ==, "MICROSERVICE_INTERNAL_ERROR");
  g_assert_cmpstr (seldon_error_get_info (error), ==, "the info");
  g_assert_cmpint (seldon_error_get_grpc_status (error), ==, 2);

  reply = seldon_reply_new_error (error, SELDON_JSON_WRITE_DEFAULT);
  g_assert_cmpuint (reply->http_status, ==, 402);
  g_assert_cmpstr (reply->content_type, ==, "application/json");
  assert_body (reply, body_text);
  g_assert_cmpint (reply->grpc_status, ==, 2);
  g_assert_cmpstr (reply->grpc_message, ==, "the info");
}

static void
test_response_edge_cases (void)
{
  /* empty content type and body, no info */
  {
    g_autoptr(GError) error = g_error_new_literal (SELDON_ERROR, 204, "\x1d\x1d" "0\x1d");
    g_autoptr(SeldonReply) reply = seldon_reply_new_error (error, SELDON_JSON_WRITE_DEFAULT);

    g_assert_cmpuint (reply->http_status, ==, 204);
    g_assert_null (reply->content_type);
    g_assert_cmpuint (g_bytes_get_size (reply->body), ==, 0);
    g_assert_cmpstr (reply->grpc_message, ==, "");
  }

  /* malformed: a length beyond the message, no length, not a custom code: ordinary errors */
  {
    const char *bad[] = { "\x1dtext/plain\x1d" "99\x1dshort", "\x1dtext/plain\x1dx\x1d", "\x1dtext/plain" };

    for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GError) error = g_error_new_literal (SELDON_ERROR, 402, bad[i]);
        g_autoptr(SeldonReply) reply = seldon_reply_new_error (error, SELDON_JSON_WRITE_DEFAULT);

        g_assert_false (seldon_error_get_response (error, NULL, NULL, NULL, NULL));
        g_assert_cmpuint (reply->http_status, ==, 402);
        g_assert_cmpstr (reply->content_type, ==, "application/json");
      }
  }
  {
    g_autoptr(GError) error = g_error_new_literal (SELDON_ERROR, SELDON_ERROR_FAILED, "\x1d\x1d" "0\x1d");

    g_assert_false (seldon_error_get_response (error, NULL, NULL, NULL, NULL));
    g_assert_cmpint (seldon_error_get_http_status (error), ==, 500);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/error/encoded-custom", test_encoded_custom);
  g_test_add_func ("/error/response", test_response);
  g_test_add_func ("/error/response-edge-cases", test_response_edge_cases);

  return g_test_run ();
}
