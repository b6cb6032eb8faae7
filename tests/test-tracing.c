/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for SeldonTracer: context propagation (W3C and Jaeger), sampling, settings, and
 * OTLP/HTTP JSON export to a real libsoup receiver running in its own thread. */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <glib/gstdio.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "seldon-call-private.h"
#include "seldon-config.h"
#include "seldon-tracing-private.h"

#define TRACE_ID  "4bf92f3577b34da6a3ce929d0e0e4736"
#define PARENT_ID "00f067aa0ba902b7"

/* ------------------------------------------------------------------------------------------ */
/* An OTLP receiver: a SoupServer in a thread of its own                                        */

typedef struct
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  guint         port;
  guint         status;       /* the answer to give */
  GMutex        lock;
  GCond         cond;
  GMutex        gate;         /* held by a test: answers wait */
  GPtrArray    *bodies;       /* char *: the JSON of each request */
  GPtrArray    *content_types;
  GPtrArray    *auth;         /* the "authorization" header of each request */
  gboolean      ready;
} Receiver;

static void
receiver_handler (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  Receiver *r = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (g_strcmp0 (path, "/v1/traces") != 0 || g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  g_mutex_lock (&r->lock);
  g_ptr_array_add (r->bodies, g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)));
  g_ptr_array_add (r->content_types, g_strdup (soup_message_headers_get_one (headers, "Content-Type")));
  g_ptr_array_add (r->auth, g_strdup (soup_message_headers_get_one (headers, "Authorization")));
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
  g_mutex_lock (&r->gate);
  g_mutex_unlock (&r->gate);
  soup_server_message_set_status (msg, r->status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "{}", 2);
}

static gpointer
receiver_thread (gpointer user_data)
{
  Receiver *r = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_main_context_push_thread_default (r->context);
  r->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (r->server, NULL, receiver_handler, r, NULL);
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  g_assert_true (g_socket_listen (socket, &error));
  g_assert_true (soup_server_listen_socket (r->server, socket, 0, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  r->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  g_mutex_lock (&r->lock);
  r->ready = TRUE;
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);

  g_main_loop_run (r->loop);

  soup_server_disconnect (r->server);
  g_clear_object (&r->server);
  g_main_context_pop_thread_default (r->context);
  return NULL;
}

static Receiver *
receiver_new (guint status)
{
  Receiver *r = g_new0 (Receiver, 1);

  r->status = status;
  g_mutex_init (&r->lock);
  g_mutex_init (&r->gate);
  g_cond_init (&r->cond);
  r->bodies = g_ptr_array_new_with_free_func (g_free);
  r->content_types = g_ptr_array_new_with_free_func (g_free);
  r->auth = g_ptr_array_new_with_free_func (g_free);
  r->context = g_main_context_new ();
  r->loop = g_main_loop_new (r->context, FALSE);
  r->thread = g_thread_new ("otlp-receiver", receiver_thread, r);
  g_mutex_lock (&r->lock);
  while (!r->ready)
    g_cond_wait (&r->cond, &r->lock);
  g_mutex_unlock (&r->lock);
  return r;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
receiver_free (Receiver *r)
{
  g_main_context_invoke (r->context, quit_cb, r->loop);
  g_thread_join (r->thread);
  g_main_loop_unref (r->loop);
  g_main_context_unref (r->context);
  g_ptr_array_unref (r->bodies);
  g_ptr_array_unref (r->content_types);
  g_ptr_array_unref (r->auth);
  g_mutex_clear (&r->lock);
  g_mutex_clear (&r->gate);
  g_cond_clear (&r->cond);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Receiver, receiver_free)

/* Every span object the receiver got, in order (a new array of JsonObject references). */
static GPtrArray *
receiver_spans (Receiver  *r,
                JsonNode **resource_out)
{
  GPtrArray *spans = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  g_mutex_lock (&r->lock);
  for (guint i = 0; i < r->bodies->len; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonArray *resource_spans;

      json_parser_load_from_data (parser, g_ptr_array_index (r->bodies, i), -1, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (g_ptr_array_index (r->content_types, i), ==, "application/json");
      resource_spans = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                                     "resourceSpans");
      g_assert_cmpuint (json_array_get_length (resource_spans), ==, 1);
      for (guint j = 0; j < json_array_get_length (resource_spans); j++)
        {
          JsonObject *rs = json_array_get_object_element (resource_spans, j);
          JsonArray *scope_spans = json_object_get_array_member (rs, "scopeSpans");

          if (resource_out != NULL && *resource_out == NULL)
            *resource_out = json_node_copy (json_object_get_member (rs, "resource"));
          for (guint k = 0; k < json_array_get_length (scope_spans); k++)
            {
              JsonObject *ss = json_array_get_object_element (scope_spans, k);
              JsonArray *list = json_object_get_array_member (ss, "spans");

              g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (ss, "scope"), "name"),
                               ==, "libseldon");
              for (guint l = 0; l < json_array_get_length (list); l++)
                g_ptr_array_add (spans, json_object_ref (json_array_get_object_element (list, l)));
            }
        }
    }
  g_mutex_unlock (&r->lock);
  return spans;
}

/* The string or int value of attribute @key (as text), or NULL. */
static char *
attribute (JsonObject *object,
           const char *key)
{
  JsonArray *attributes = json_object_get_array_member (object, "attributes");

  for (guint i = 0; i < json_array_get_length (attributes); i++)
    {
      JsonObject *a = json_array_get_object_element (attributes, i);
      JsonObject *value;

      if (g_strcmp0 (json_object_get_string_member (a, "key"), key) != 0)
        continue;
      value = json_object_get_object_member (a, "value");
      if (json_object_has_member (value, "stringValue"))
        return g_strdup (json_object_get_string_member (value, "stringValue"));
      if (json_object_has_member (value, "intValue"))
        return g_strdup (json_object_get_string_member (value, "intValue"));
    }
  return NULL;
}

static JsonObject *
find_span (GPtrArray *spans,
           int        kind)
{
  for (guint i = 0; i < spans->len; i++)
    if (json_object_get_int_member (g_ptr_array_index (spans, i), "kind") == kind)
      return g_ptr_array_index (spans, i);
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                      */

/* The environment the tracers of these tests read (setenv() is not thread-safe). */
static GStrv test_env;

static void
clear_env (void)
{
  g_strfreev (test_env);
  test_env = g_new0 (char *, 1);
}

static void
test_setenv (const char *name,
             const char *value,
             gboolean    overwrite)
{
  test_env = g_environ_setenv (test_env, name, value, overwrite);
}

static SeldonTracer *
new_tracer (SeldonConfig  *config,
            GError       **error)
{
  return seldon_tracer_new_for_environ (config, (const char * const *) test_env, error);
}

static SeldonConfig *
config_with_tracing (int tracing)
{
  SeldonConfig *config = seldon_config_new ();

  g_object_set (config, "tracing", tracing, "interface-name", "MyModel", NULL);
  return config;
}

static SeldonTracer *
tracer_for (Receiver *r)
{
  g_autoptr(SeldonConfig) config = config_with_tracing (1);
  g_autoptr(GError) error = NULL;
  g_autofree char *endpoint = g_strdup_printf ("http://127.0.0.1:%u/", r->port);
  SeldonTracer *tracer;

  test_setenv ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint, TRUE);
  if (g_environ_getenv (test_env, "OTEL_BSP_SCHEDULE_DELAY") == NULL)
    test_setenv ("OTEL_BSP_SCHEDULE_DELAY", "60000", TRUE);
  tracer = new_tracer (config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tracer);
  return tracer;
}

static const char *
lookup_table (const char *name,
              gpointer    user_data)
{
  return g_hash_table_lookup (user_data, name);
}

static GHashTable *
headers_new (const char *first,
             ...)
{
  GHashTable *table = g_hash_table_new (g_str_hash, g_str_equal);
  va_list ap;

  va_start (ap, first);
  for (const char *name = first; name != NULL; name = va_arg (ap, const char *))
    g_hash_table_insert (table, (gpointer) name, va_arg (ap, char *));
  va_end (ap);
  return table;
}

static SeldonReply *
reply_ran (gint64 started_us,
           gint64 finished_us,
           guint  slot)
{
  SeldonReply *reply = seldon_reply_new (200, "application/json", NULL);

  reply->started_us = started_us;
  reply->finished_us = finished_us;
  reply->worker_slot = slot;
  return reply;
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                        */

static void
test_parse_traceparent (void)
{
  guint8 trace[16], span[8];
  gboolean sampled = FALSE;

  g_assert_true (seldon_tracing_parse_traceparent ("00-" TRACE_ID "-" PARENT_ID "-01", trace, span, &sampled));
  g_assert_true (sampled);
  g_assert_cmpuint (trace[0], ==, 0x4b);
  g_assert_cmpuint (trace[15], ==, 0x36);
  g_assert_cmpuint (span[0], ==, 0x00);
  g_assert_cmpuint (span[7], ==, 0xb7);
  g_assert_true (seldon_tracing_parse_traceparent ("00-" TRACE_ID "-" PARENT_ID "-00", trace, span, &sampled));
  g_assert_false (sampled);
  /* a future version may append fields */
  g_assert_true (seldon_tracing_parse_traceparent ("01-" TRACE_ID "-" PARENT_ID "-01-extra", trace, span, &sampled));

  g_assert_false (seldon_tracing_parse_traceparent (NULL, trace, span, &sampled));
  g_assert_false (seldon_tracing_parse_traceparent ("", trace, span, &sampled));
  g_assert_false (seldon_tracing_parse_traceparent ("00-" TRACE_ID "-" PARENT_ID "-01-extra", trace, span, &sampled));
  g_assert_false (seldon_tracing_parse_traceparent ("ff-" TRACE_ID "-" PARENT_ID "-01", trace, span, &sampled));
  g_assert_false (seldon_tracing_parse_traceparent ("00-00000000000000000000000000000000-" PARENT_ID "-01",
                                                    trace, span, &sampled));
  g_assert_false (seldon_tracing_parse_traceparent ("00-" TRACE_ID "-0000000000000000-01", trace, span, &sampled));
  g_assert_false (seldon_tracing_parse_traceparent ("00-4BF92F3577B34DA6A3CE929D0E0E4736-" PARENT_ID "-01",
                                                    trace, span, &sampled));
  g_assert_false (seldon_tracing_parse_traceparent ("00-" TRACE_ID "-" PARENT_ID "-0g", trace, span, &sampled));
  g_assert_false (seldon_tracing_parse_traceparent ("00_" TRACE_ID "-" PARENT_ID "-01", trace, span, &sampled));
}

static void
test_parse_uber_trace_id (void)
{
  guint8 trace[16], span[8];
  gboolean sampled = FALSE;

  g_assert_true (seldon_tracing_parse_uber_trace_id (TRACE_ID ":" PARENT_ID ":0:1", trace, span, &sampled));
  g_assert_true (sampled);
  g_assert_cmpuint (trace[0], ==, 0x4b);
  g_assert_cmpuint (span[7], ==, 0xb7);
  /* 64-bit trace ids are left-padded; short ids too; URL-encoded colons */
  g_assert_true (seldon_tracing_parse_uber_trace_id ("a3ce929d0e0e4736%3Aabc%3A0%3A0", trace, span, &sampled));
  g_assert_false (sampled);
  g_assert_cmpuint (trace[0], ==, 0);
  g_assert_cmpuint (trace[7], ==, 0);
  g_assert_cmpuint (trace[8], ==, 0xa3);
  g_assert_cmpuint (span[6], ==, 0x0a);
  g_assert_cmpuint (span[7], ==, 0xbc);
  g_assert_true (seldon_tracing_parse_uber_trace_id ("1:2:0:3", trace, span, &sampled));
  g_assert_true (sampled);

  g_assert_false (seldon_tracing_parse_uber_trace_id (NULL, trace, span, &sampled));
  g_assert_false (seldon_tracing_parse_uber_trace_id ("0:2:0:1", trace, span, &sampled));
  g_assert_false (seldon_tracing_parse_uber_trace_id ("1:0:0:1", trace, span, &sampled));
  g_assert_false (seldon_tracing_parse_uber_trace_id ("1:2:0", trace, span, &sampled));
  g_assert_false (seldon_tracing_parse_uber_trace_id ("1:2:0:", trace, span, &sampled));
  g_assert_false (seldon_tracing_parse_uber_trace_id ("xyz:2:0:1", trace, span, &sampled));
  g_assert_false (seldon_tracing_parse_uber_trace_id ("1" TRACE_ID ":2:0:1", trace, span, &sampled));
}

static void
test_lookup_grpc_metadata (void)
{
  grpc_metadata entries[3];
  grpc_metadata_array array = { 3, 3, entries };

  entries[0].key = grpc_slice_from_static_string ("traceparent");
  entries[0].value = grpc_slice_from_static_string ("00-" TRACE_ID "-" PARENT_ID "-01");
  entries[1].key = grpc_slice_from_static_string ("tracestate");
  entries[1].value = grpc_slice_from_static_string ("a=1");
  entries[2].key = grpc_slice_from_static_string ("tracestate");
  entries[2].value = grpc_slice_from_static_string ("b=2");

  g_assert_cmpstr (seldon_tracing_lookup_grpc_metadata ("traceparent", &array), ==, "00-" TRACE_ID "-" PARENT_ID "-01");
  g_assert_cmpstr (seldon_tracing_lookup_grpc_metadata ("tracestate", &array), ==, "a=1, b=2");
  g_assert_null (seldon_tracing_lookup_grpc_metadata ("uber-trace-id", &array));
  g_assert_null (seldon_tracing_lookup_grpc_metadata ("traceparent", NULL));
}

static void
test_disabled (void)
{
  g_autoptr(SeldonConfig) config = config_with_tracing (0);
  g_autoptr(GError) error = NULL;
  SeldonTracer *tracer;

  clear_env ();
  tracer = new_tracer (config, &error);
  g_assert_no_error (error);
  g_assert_null (tracer);
  /* everything takes NULL */
  g_assert_null (seldon_tracer_start_span (NULL, "rest", "POST", "/predict", NULL, NULL));
  seldon_span_finish (NULL, "predict", 200, NULL);
  seldon_span_set_attribute (NULL, "a", "b");
  g_assert_null (seldon_span_dup_traceparent (NULL));
}

static void
expect_config_error (const char *variable,
                     const char *value,
                     const char *message_part)
{
  g_autoptr(SeldonConfig) config = config_with_tracing (1);
  g_autoptr(GError) error = NULL;
  g_autoptr(SeldonTracer) tracer = NULL;

  clear_env ();
  test_setenv (variable, value, TRUE);
  tracer = new_tracer (config, &error);
  g_assert_null (tracer);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, message_part));
  clear_env ();
}

static void
test_settings_errors (void)
{
  g_autoptr(SeldonConfig) config = config_with_tracing (1);
  g_autoptr(GError) error = NULL;
  g_autoptr(SeldonTracer) tracer = NULL;

  expect_config_error ("OTEL_TRACES_SAMPLER", "sometimes", "OTEL_TRACES_SAMPLER");
  expect_config_error ("JAEGER_SAMPLER_TYPE", "lottery", "JAEGER_SAMPLER_TYPE");
  expect_config_error ("JAEGER_SAMPLER_PARAM", "2", "JAEGER_SAMPLER_PARAM");
  expect_config_error ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://x/", "endpoint");
  expect_config_error ("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url", "endpoint");

  test_setenv ("OTEL_TRACES_SAMPLER", "traceidratio", TRUE);
  test_setenv ("OTEL_TRACES_SAMPLER_ARG", "1.5", TRUE);
  tracer = new_tracer (config, &error);
  g_assert_null (tracer);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  clear_env ();

  /* an unreadable JAEGER_CONFIG_PATH stops the start, as upstream */
  test_setenv ("JAEGER_CONFIG_PATH", "/nonexistent/jaeger.yaml", TRUE);
  tracer = new_tracer (config, &error);
  g_assert_null (tracer);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "JAEGER_CONFIG_PATH"));
  clear_env ();
}

static void
test_settings_mapping (void)
{
  g_autoptr(SeldonConfig) config = config_with_tracing (1);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  SeldonTracer *tracer;
  int fd;

  clear_env ();
  tracer = new_tracer (config, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (seldon_tracer_get_endpoint (tracer), ==, "http://localhost:4318/v1/traces");
  /* upstream names the service after the interface */
  g_assert_cmpstr (seldon_tracer_get_service_name (tracer), ==, "MyModel");
  seldon_tracer_unref (tracer);

  test_setenv ("JAEGER_AGENT_HOST", "jaeger-agent", TRUE);
  test_setenv ("JAEGER_SERVICE_NAME", "jaeger-name", TRUE);
  tracer = new_tracer (config, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (seldon_tracer_get_endpoint (tracer), ==, "http://jaeger-agent:4318/v1/traces");
  g_assert_cmpstr (seldon_tracer_get_service_name (tracer), ==, "jaeger-name");
  seldon_tracer_unref (tracer);

  test_setenv ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318/", TRUE);
  test_setenv ("OTEL_SERVICE_NAME", "otel-name", TRUE);
  tracer = new_tracer (config, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (seldon_tracer_get_endpoint (tracer), ==, "https://collector:4318/v1/traces");
  g_assert_cmpstr (seldon_tracer_get_service_name (tracer), ==, "otel-name");
  seldon_tracer_unref (tracer);

  test_setenv ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://other:1234/custom", TRUE);
  tracer = new_tracer (config, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (seldon_tracer_get_endpoint (tracer), ==, "http://other:1234/custom");
  seldon_tracer_unref (tracer);
  clear_env ();

  /* JAEGER_CONFIG_PATH: service name, sampler and agent host */
  fd = g_file_open_tmp ("jaeger-XXXXXX.yaml", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path,
                                      "# a Jaeger client configuration\n"
                                      "service_name: from-file\n"
                                      "sampler:\n"
                                      "  type: const\n"
                                      "  param: 0\n"
                                      "local_agent:\n"
                                      "  reporting_host: 'agent.example'\n"
                                      "  reporting_port: 6831\n"
                                      "logging: true\n", -1, &error));
  test_setenv ("JAEGER_CONFIG_PATH", path, TRUE);
  tracer = new_tracer (config, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (seldon_tracer_get_endpoint (tracer), ==, "http://agent.example:4318/v1/traces");
  g_assert_cmpstr (seldon_tracer_get_service_name (tracer), ==, "from-file");
  /* const 0: nothing sampled */
  g_assert_null (seldon_tracer_start_span (tracer, "rest", "POST", "/predict", NULL, NULL));
  seldon_tracer_unref (tracer);
  g_unlink (path);
  clear_env ();
}

static void
test_export_rest_span (void)
{
  g_autoptr(Receiver) r = NULL;
  g_autoptr(SeldonTracer) tracer = NULL;
  g_autoptr(GHashTable) headers = NULL;
  g_autoptr(GPtrArray) spans = NULL;
  g_autoptr(SeldonReply) reply = NULL;
  g_autoptr(JsonNode) resource = NULL;
  JsonObject *server, *child;
  SeldonSpan *span;
  g_autofree char *traceparent = NULL;
  g_autofree char *server_id = NULL;
  gint64 now;
  guint64 queued, exported, dropped;

  clear_env ();
  r = receiver_new (200);
  test_setenv ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test,team=ml%20ops", TRUE);
  test_setenv ("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20xyz", TRUE);
  test_setenv ("JAEGER_EXTRA_TAGS", "path,method,x-request-id", TRUE);
  tracer = tracer_for (r);

  headers = headers_new ("traceparent", "00-" TRACE_ID "-" PARENT_ID "-01",
                         "tracestate", "vendor=abc,other=1",
                         "uber-trace-id", "1:2:0:1",
                         "x-request-id", "req-7", NULL);
  span = seldon_tracer_start_span (tracer, "rest", "POST", "/api/v1.0/predictions", lookup_table, headers);
  g_assert_nonnull (span);
  traceparent = seldon_span_dup_traceparent (span);
  g_assert_true (g_str_has_prefix (traceparent, "00-" TRACE_ID "-"));
  g_assert_true (g_str_has_suffix (traceparent, "-01"));
  server_id = g_strndup (traceparent + 36, 16);
  seldon_span_set_attribute (span, "custom", "yes");

  now = g_get_monotonic_time ();
  reply = reply_ran (now + 1000, now + 3000, 1);
  /* the reply comes first, the end of the request later */
  seldon_span_add_reply (span, reply);
  seldon_span_finish (span, "predict", 200, NULL);

  g_assert_true (seldon_tracer_flush (tracer, 10000));
  seldon_tracer_get_stats (tracer, &queued, &exported, &dropped);
  g_assert_cmpuint (queued, ==, 2);
  g_assert_cmpuint (exported, ==, 2);
  g_assert_cmpuint (dropped, ==, 0);

  spans = receiver_spans (r, &resource);
  g_assert_cmpuint (spans->len, ==, 2);
  g_mutex_lock (&r->lock);
  g_assert_cmpstr (g_ptr_array_index (r->auth, 0), ==, "Bearer xyz");
  g_mutex_unlock (&r->lock);

  /* the resource */
  {
    JsonObject *res = json_node_get_object (resource);
    g_autofree char *service = attribute (res, "service.name");
    g_autofree char *env = attribute (res, "deployment.environment");
    g_autofree char *team = attribute (res, "team");

    g_assert_cmpstr (service, ==, "MyModel");
    g_assert_cmpstr (env, ==, "test");
    g_assert_cmpstr (team, ==, "ml ops");
  }

  /* the server span continues the incoming W3C context (traceparent wins over uber-trace-id) */
  server = find_span (spans, 2);
  g_assert_nonnull (server);
  g_assert_cmpstr (json_object_get_string_member (server, "traceId"), ==, TRACE_ID);
  g_assert_cmpstr (json_object_get_string_member (server, "parentSpanId"), ==, PARENT_ID);
  g_assert_cmpstr (json_object_get_string_member (server, "spanId"), ==, server_id);
  g_assert_cmpstr (json_object_get_string_member (server, "traceState"), ==, "vendor=abc,other=1");
  g_assert_cmpstr (json_object_get_string_member (server, "name"), ==, "POST /api/v1.0/predictions");
  {
    g_autofree char *method = attribute (server, "http.request.method");
    g_autofree char *status = attribute (server, "http.response.status_code");
    g_autofree char *label = attribute (server, "seldon.method");
    g_autofree char *worker = attribute (server, "seldon.worker_id");
    g_autofree char *path = attribute (server, "path");
    g_autofree char *extra_method = attribute (server, "method");
    g_autofree char *request_id = attribute (server, "x-request-id");
    g_autofree char *custom = attribute (server, "custom");

    g_assert_cmpstr (method, ==, "POST");
    g_assert_cmpstr (status, ==, "200");
    g_assert_cmpstr (label, ==, "predict");
    g_assert_cmpstr (worker, ==, "1");
    g_assert_cmpstr (path, ==, "/api/v1.0/predictions");
    g_assert_cmpstr (extra_method, ==, "POST");
    g_assert_cmpstr (request_id, ==, "req-7");
    g_assert_cmpstr (custom, ==, "yes");
  }
  g_assert_false (json_object_has_member (json_object_get_object_member (server, "status"), "code"));

  /* the child span covers the worker's part, 2 ms long, inside the server span */
  child = find_span (spans, 1);
  g_assert_nonnull (child);
  g_assert_cmpstr (json_object_get_string_member (child, "traceId"), ==, TRACE_ID);
  g_assert_cmpstr (json_object_get_string_member (child, "parentSpanId"), ==, server_id);
  g_assert_cmpstr (json_object_get_string_member (child, "name"), ==, "component predict");
  {
    gint64 start = g_ascii_strtoll (json_object_get_string_member (child, "startTimeUnixNano"), NULL, 10);
    gint64 end = g_ascii_strtoll (json_object_get_string_member (child, "endTimeUnixNano"), NULL, 10);
    gint64 server_start = g_ascii_strtoll (json_object_get_string_member (server, "startTimeUnixNano"), NULL, 10);
    gint64 wall = g_get_real_time () * 1000;

    g_assert_cmpint (end - start, ==, 2000000);
    g_assert_cmpint (start, >=, server_start);
    g_assert_cmpint (llabs (wall - server_start), <, (gint64) 60 * G_USEC_PER_SEC * 1000);
  }
  clear_env ();
}

static void
test_export_jaeger_and_grpc (void)
{
  g_autoptr(Receiver) r = NULL;
  g_autoptr(SeldonTracer) tracer = NULL;
  g_autoptr(GHashTable) jaeger = NULL;
  g_autoptr(GHashTable) none = NULL;
  g_autoptr(GPtrArray) spans = NULL;
  g_autoptr(SeldonReply) reply = NULL;
  SeldonSpan *span;
  JsonObject *server;

  clear_env ();
  r = receiver_new (200);
  tracer = tracer_for (r);

  /* gRPC, continuing a Jaeger context, failing */
  jaeger = headers_new ("uber-trace-id", TRACE_ID ":" PARENT_ID ":0:1", NULL);
  span = seldon_tracer_start_span (tracer, "grpc", NULL, "/seldon.protos.Model/Predict", lookup_table, jaeger);
  g_assert_nonnull (span);
  reply = seldon_reply_new (500, NULL, NULL);
  reply->grpc_message = g_strdup ("boom");
  seldon_span_finish (span, "predict", 13, reply);

  /* no context: a new trace, no parent; REST without an answer */
  none = headers_new (NULL, NULL);
  span = seldon_tracer_start_span (tracer, "rest", "GET", "/health/ping", lookup_table, none);
  g_assert_nonnull (span);
  seldon_span_finish (span, NULL, 0, NULL);

  g_assert_true (seldon_tracer_flush (tracer, 10000));
  spans = receiver_spans (r, NULL);
  /* the failed gRPC reply never ran in a worker (started_us 0): no child span */
  g_assert_cmpuint (spans->len, ==, 2);

  server = g_ptr_array_index (spans, 0);
  g_assert_cmpstr (json_object_get_string_member (server, "traceId"), ==, TRACE_ID);
  g_assert_cmpstr (json_object_get_string_member (server, "parentSpanId"), ==, PARENT_ID);
  g_assert_cmpstr (json_object_get_string_member (server, "name"), ==, "seldon.protos.Model/Predict");
  {
    JsonObject *status = json_object_get_object_member (server, "status");
    g_autofree char *system = attribute (server, "rpc.system");
    g_autofree char *service = attribute (server, "rpc.service");
    g_autofree char *method = attribute (server, "rpc.method");
    g_autofree char *code = attribute (server, "rpc.grpc.status_code");

    g_assert_cmpint (json_object_get_int_member (status, "code"), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (status, "message"), ==, "boom");
    g_assert_cmpstr (system, ==, "grpc");
    g_assert_cmpstr (service, ==, "seldon.protos.Model");
    g_assert_cmpstr (method, ==, "Predict");
    g_assert_cmpstr (code, ==, "13");
  }

  server = g_ptr_array_index (spans, 1);
  g_assert_false (json_object_has_member (server, "parentSpanId"));
  g_assert_cmpuint (strlen (json_object_get_string_member (server, "traceId")), ==, 32);
  g_assert_cmpstr (json_object_get_string_member (server, "traceId"), !=, TRACE_ID);
  g_assert_cmpstr (json_object_get_string_member (server, "name"), ==, "GET /health/ping");
  clear_env ();
}

static void
test_sampling (void)
{
  g_autoptr(Receiver) r = NULL;
  g_autoptr(GHashTable) unsampled = NULL;
  g_autoptr(GHashTable) sampled = NULL;
  SeldonTracer *tracer;
  SeldonSpan *span;
  guint n = 0;

  clear_env ();
  r = receiver_new (200);
  unsampled = headers_new ("traceparent", "00-" TRACE_ID "-" PARENT_ID "-00", NULL);
  sampled = headers_new ("traceparent", "00-" TRACE_ID "-" PARENT_ID "-01", NULL);

  /* default parentbased_always_on: follows the parent's flag, samples new traces */
  tracer = tracer_for (r);
  g_assert_null (seldon_tracer_start_span (tracer, "rest", "POST", "/p", lookup_table, unsampled));
  span = seldon_tracer_start_span (tracer, "rest", "POST", "/p", lookup_table, sampled);
  g_assert_nonnull (span);
  seldon_span_finish (span, "predict", 200, NULL);
  span = seldon_tracer_start_span (tracer, "rest", "POST", "/p", NULL, NULL);
  g_assert_nonnull (span);
  seldon_span_finish (span, "predict", 200, NULL);
  seldon_tracer_unref (tracer);

  /* always_on ignores the parent's flag */
  test_setenv ("OTEL_TRACES_SAMPLER", "always_on", TRUE);
  tracer = tracer_for (r);
  span = seldon_tracer_start_span (tracer, "rest", "POST", "/p", lookup_table, unsampled);
  g_assert_nonnull (span);
  seldon_span_finish (span, "predict", 200, NULL);
  seldon_tracer_unref (tracer);

  /* always_off and parentbased_always_off */
  test_setenv ("OTEL_TRACES_SAMPLER", "always_off", TRUE);
  tracer = tracer_for (r);
  g_assert_null (seldon_tracer_start_span (tracer, "rest", "POST", "/p", lookup_table, sampled));
  seldon_tracer_unref (tracer);
  test_setenv ("OTEL_TRACES_SAMPLER", "parentbased_always_off", TRUE);
  tracer = tracer_for (r);
  g_assert_null (seldon_tracer_start_span (tracer, "rest", "POST", "/p", NULL, NULL));
  span = seldon_tracer_start_span (tracer, "rest", "POST", "/p", lookup_table, sampled);
  g_assert_nonnull (span);
  seldon_span_finish (span, NULL, 200, NULL);
  seldon_tracer_unref (tracer);

  /* traceidratio 0.25: about a quarter of new traces */
  test_setenv ("OTEL_TRACES_SAMPLER", "traceidratio", TRUE);
  test_setenv ("OTEL_TRACES_SAMPLER_ARG", "0.25", TRUE);
  test_setenv ("OTEL_BSP_MAX_QUEUE_SIZE", "100000", TRUE);
  tracer = tracer_for (r);
  for (guint i = 0; i < 4000; i++)
    {
      span = seldon_tracer_start_span (tracer, "rest", "POST", "/p", NULL, NULL);
      if (span != NULL)
        n++;
      seldon_span_finish (span, NULL, 200, NULL);
    }
  g_assert_cmpuint (n, >, 800);
  g_assert_cmpuint (n, <, 1200);
  seldon_tracer_unref (tracer);
  clear_env ();
}

static void
test_bounded_queue_and_failures (void)
{
  g_autoptr(Receiver) r = NULL;
  SeldonTracer *tracer;
  guint64 queued, exported, dropped;

  clear_env ();
  /* a slow collector that fails: the queue holds 5 spans while an export is under way, more
   * are dropped and counted, and recording never waits */
  r = receiver_new (503);
  g_mutex_lock (&r->gate);
  test_setenv ("OTEL_BSP_MAX_QUEUE_SIZE", "5", TRUE);
  tracer = tracer_for (r);
  for (guint i = 0; i < 5; i++)
    seldon_span_finish (seldon_tracer_start_span (tracer, "rest", "POST", "/p", NULL, NULL), "predict", 200, NULL);
  g_mutex_lock (&r->lock);
  while (r->bodies->len == 0)
    g_cond_wait (&r->cond, &r->lock);
  g_mutex_unlock (&r->lock);
  for (guint i = 0; i < 12; i++)
    seldon_span_finish (seldon_tracer_start_span (tracer, "rest", "POST", "/p", NULL, NULL), "predict", 200, NULL);
  seldon_tracer_get_stats (tracer, &queued, &exported, &dropped);
  g_assert_cmpuint (queued, ==, 10);
  g_assert_cmpuint (dropped, ==, 7);
  g_mutex_unlock (&r->gate);
  g_assert_true (seldon_tracer_flush (tracer, 10000));
  seldon_tracer_get_stats (tracer, &queued, &exported, &dropped);
  g_assert_cmpuint (exported, ==, 0);
  g_assert_cmpuint (dropped, ==, 17);
  seldon_tracer_unref (tracer);

  /* batches: at most OTEL_BSP_MAX_EXPORT_BATCH_SIZE spans per request; unref sends the rest */
  r->status = 200;
  g_mutex_lock (&r->lock);
  g_ptr_array_set_size (r->bodies, 0);
  g_ptr_array_set_size (r->content_types, 0);
  g_ptr_array_set_size (r->auth, 0);
  g_mutex_unlock (&r->lock);
  test_setenv ("OTEL_BSP_MAX_QUEUE_SIZE", "100", TRUE);
  test_setenv ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4", TRUE);
  tracer = tracer_for (r);
  for (guint i = 0; i < 10; i++)
    seldon_span_finish (seldon_tracer_start_span (tracer, "rest", "POST", "/p", NULL, NULL), "predict", 200, NULL);
  seldon_tracer_unref (tracer);
  {
    g_autoptr(GPtrArray) spans = receiver_spans (r, NULL);

    g_assert_cmpuint (spans->len, ==, 10);
    g_mutex_lock (&r->lock);
    g_assert_cmpuint (r->bodies->len, ==, 3);
    g_mutex_unlock (&r->lock);
  }
  clear_env ();
}

/* Spans in a body of the receiver. */
static guint
body_span_count (Receiver *r,
                 guint     i)
{
  const char *p = g_ptr_array_index (r->bodies, i);
  guint n = 0;

  while ((p = strstr (p, "\"spanId\"")) != NULL)
    {
      n++;
      p++;
    }
  return n;
}

static void
test_split_batches_and_reuse (void)
{
  g_autoptr(Receiver) r = NULL;
  g_autoptr(GString) long_path = g_string_new ("/api/v1.0/");
  g_autoptr(GString) long_state = g_string_new ("vendor=");
  g_autoptr(GHashTable) headers = NULL;
  g_autofree char *expected_path = NULL;
  SeldonTracer *tracer;
  guint64 queued, exported, dropped;
  guint total = 0;

  clear_env ();
  r = receiver_new (200);
  /* a call the worker ran is two spans: with batches of 3 some calls straddle two requests */
  test_setenv ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "3", TRUE);
  tracer = tracer_for (r);

  /* strings longer than a span keeps inline, with characters JSON must escape and a byte that
   * is not UTF-8 */
  for (guint i = 0; i < 40; i++)
    g_string_append (long_path, "segment/");
  g_string_append (long_path, "q\"uo\\te\ttab\x01\xff");
  expected_path = g_utf8_make_valid (long_path->str, -1);
  for (guint i = 0; i < 60; i++)
    g_string_append (long_state, "abcdefgh");
  headers = headers_new ("traceparent", "00-" TRACE_ID "-" PARENT_ID "-01",
                         "tracestate", long_state->str, NULL);

  for (guint i = 0; i < 5; i++)
    {
      gint64 now = g_get_monotonic_time ();
      g_autoptr(SeldonReply) reply = reply_ran (now + 10, now + 20, i);
      SeldonSpan *span = i == 1 ? seldon_tracer_start_span (tracer, "rest", "POST", long_path->str, lookup_table, headers)
                                : seldon_tracer_start_span (tracer, "rest", "POST", "/p", NULL, NULL);

      if (i == 1)
        seldon_span_set_attribute (span, "custom", "yes");
      seldon_span_finish (span, i == 3 ? NULL : "predict", 200, reply);
    }
  g_assert_true (seldon_tracer_flush (tracer, 10000));

  /* the exported spans are reused: nothing of the earlier calls may show */
  for (guint i = 0; i < 4; i++)
    seldon_span_finish (seldon_tracer_start_span (tracer, "grpc", NULL, "/seldon.protos.Model/Predict", NULL, NULL),
                        "predict", 0, NULL);
  g_assert_true (seldon_tracer_flush (tracer, 10000));
  seldon_tracer_get_stats (tracer, &queued, &exported, &dropped);
  g_assert_cmpuint (queued, ==, 14);
  g_assert_cmpuint (exported, ==, 14);
  g_assert_cmpuint (dropped, ==, 0);
  seldon_tracer_unref (tracer);

  g_mutex_lock (&r->lock);
  for (guint i = 0; i < r->bodies->len; i++)
    {
      guint n = body_span_count (r, i);

      g_assert_cmpuint (n, >=, 1);
      g_assert_cmpuint (n, <=, 3);
      total += n;
    }
  g_mutex_unlock (&r->lock);
  g_assert_cmpuint (total, ==, 14);

  {
    g_autoptr(GPtrArray) spans = receiver_spans (r, NULL);
    guint servers = 0, children = 0, grpc = 0;

    g_assert_cmpuint (spans->len, ==, 14);
    for (guint i = 0; i < spans->len; i++)
      {
        JsonObject *span = g_ptr_array_index (spans, i);
        const char *name = json_object_get_string_member (span, "name");
        g_autofree char *custom = attribute (span, "custom");
        g_autofree char *url = attribute (span, "url.path");

        if (json_object_get_int_member (span, "kind") == 1)
          {
            JsonObject *server = NULL;

            /* its server span follows it, maybe in the next request */
            children++;
            g_assert_cmpuint (i + 1, <, spans->len);
            server = g_ptr_array_index (spans, i + 1);
            g_assert_cmpint (json_object_get_int_member (server, "kind"), ==, 2);
            g_assert_cmpstr (json_object_get_string_member (span, "parentSpanId"), ==,
                             json_object_get_string_member (server, "spanId"));
            g_assert_cmpstr (json_object_get_string_member (span, "traceId"), ==,
                             json_object_get_string_member (server, "traceId"));
            g_assert_cmpstr (name, ==, children == 4 ? "component call" : "component predict");
            continue;
          }
        servers++;
        if (g_str_has_prefix (name, "seldon."))
          {
            g_autofree char *code = attribute (span, "rpc.grpc.status_code");

            grpc++;
            g_assert_cmpstr (name, ==, "seldon.protos.Model/Predict");
            g_assert_false (json_object_has_member (span, "traceState"));
            g_assert_false (json_object_has_member (span, "parentSpanId"));
            g_assert_null (custom);
            g_assert_null (url);
            g_assert_cmpstr (code, ==, "0");
          }
        else if (servers == 2)
          {
            g_autofree char *name_expected = g_strconcat ("POST ", expected_path, NULL);

            g_assert_cmpstr (name, ==, name_expected);
            g_assert_cmpstr (url, ==, expected_path);
            g_assert_cmpstr (custom, ==, "yes");
            g_assert_cmpstr (json_object_get_string_member (span, "traceState"), ==, long_state->str);
            g_assert_cmpstr (json_object_get_string_member (span, "parentSpanId"), ==, PARENT_ID);
          }
        else
          {
            g_assert_cmpstr (name, ==, "POST /p");
            g_assert_null (custom);
            g_assert_false (json_object_has_member (span, "traceState"));
          }
      }
    g_assert_cmpuint (servers, ==, 9);
    g_assert_cmpuint (children, ==, 5);
    g_assert_cmpuint (grpc, ==, 4);
  }
  clear_env ();
}

static void
test_unreachable_collector (void)
{
  g_autoptr(SeldonConfig) config = config_with_tracing (1);
  g_autoptr(GError) error = NULL;
  SeldonTracer *tracer;
  guint64 dropped;
  gint64 start;

  clear_env ();
  /* port 9 (discard) on localhost is closed: connection refused, quickly */
  test_setenv ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9", TRUE);
  test_setenv ("OTEL_BSP_SCHEDULE_DELAY", "10", TRUE);
  tracer = new_tracer (config, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 100; i++)
    seldon_span_finish (seldon_tracer_start_span (tracer, "rest", "POST", "/p", NULL, NULL), "predict", 200, NULL);
  /* recording never waited for the network */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  g_assert_true (seldon_tracer_flush (tracer, 10000));
  seldon_tracer_get_stats (tracer, NULL, NULL, &dropped);
  g_assert_cmpuint (dropped, ==, 100);
  seldon_tracer_unref (tracer);
  clear_env ();
}

/* ------------------------------------------------------------------------------------------ */
/* The exporter's own HTTP/1.1 client (http:// endpoints), against a scripted raw server      */

#define N_SCRIPTED 5

typedef struct
{
  int        listener;
  guint      port;
  GThread   *thread;
  guint      connections;
  guint      requests;
  GPtrArray *heads;        /* char *: the head of each request */
  GPtrArray *bodies;       /* char *: the body of each request */
} RawServer;

/* The answers, in order; TRUE in closes[]: the server closes the connection after it. */
static const char *const scripted_answers[N_SCRIPTED] = {
  /* an interim answer, then a chunked one (with an extension and a trailer) */
  "HTTP/1.1 100 Continue\r\n\r\n"
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;x=y\r\n{\r\n1\r\n}\r\n0\r\nX-T: 1\r\n\r\n",
  /* then the server closes the kept connection: the next batch opens another */
  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
  /* HTTP/1.0, the body up to the end of the connection */
  "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"partialSuccess\":{}}",
  /* refused: the batch is dropped, the connection kept */
  "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy",
  "HTTP/1.1 202 Accepted\r\nconnection: Close\r\ncontent-length: 2\r\n\r\n{}",
};
static const gboolean scripted_closes[N_SCRIPTED] = { FALSE, TRUE, TRUE, FALSE, TRUE };

/* Reads one request from @fd (NULL at the end of the connection). */
static gboolean
raw_read_request (int       fd,
                  GString  *in,
                  char    **head,
                  char    **body)
{
  char *end;
  gsize head_len, length;
  const char *field;

  while ((end = strstr (in->str, "\r\n\r\n")) == NULL)
    {
      char chunk[4096];
      ssize_t n = read (fd, chunk, sizeof chunk);

      if (n <= 0)
        return FALSE;
      g_string_append_len (in, chunk, n);
    }
  head_len = end + 4 - in->str;
  field = strstr (in->str, "\r\nContent-Length: ");
  g_assert_nonnull (field);
  g_assert_true (field < end);
  length = strtoul (field + 18, NULL, 10);
  while (in->len < head_len + length)
    {
      char chunk[65536];
      ssize_t n = read (fd, chunk, sizeof chunk);

      if (n <= 0)
        return FALSE;
      g_string_append_len (in, chunk, n);
    }
  *head = g_strndup (in->str, head_len);
  *body = g_strndup (in->str + head_len, length);
  g_string_erase (in, 0, head_len + length);
  return TRUE;
}

static gpointer
raw_server_thread (gpointer user_data)
{
  RawServer *s = user_data;

  while (s->requests < N_SCRIPTED)
    {
      g_autoptr(GString) in = g_string_new (NULL);
      int fd = accept (s->listener, NULL, NULL);
      char *head, *body;

      g_assert_cmpint (fd, >=, 0);
      s->connections++;
      while (s->requests < N_SCRIPTED && raw_read_request (fd, in, &head, &body))
        {
          guint i = s->requests++;
          const char *answer = scripted_answers[i];

          g_ptr_array_add (s->heads, head);
          g_ptr_array_add (s->bodies, body);
          g_assert_cmpint (write (fd, answer, strlen (answer)), ==, (gssize) strlen (answer));
          if (scripted_closes[i])
            break;
        }
      close (fd);
    }
  return NULL;
}

static void
test_export_plain_http (void)
{
  g_autoptr(SeldonConfig) config = config_with_tracing (1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) heads = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *endpoint = NULL;
  g_autofree char *host = NULL;
  RawServer s = { .heads = heads, .bodies = bodies };
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t size = sizeof address;
  SeldonTracer *tracer;
  guint64 exported, dropped;
  const guint expected_exported[N_SCRIPTED] = { 2, 4, 6, 6, 8 };

  s.listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (s.listener, >=, 0);
  g_assert_cmpint (bind (s.listener, (struct sockaddr *) &address, sizeof address), ==, 0);
  g_assert_cmpint (listen (s.listener, 8), ==, 0);
  g_assert_cmpint (getsockname (s.listener, (struct sockaddr *) &address, &size), ==, 0);
  s.port = ntohs (address.sin_port);
  s.thread = g_thread_new ("raw-otlp", raw_server_thread, &s);

  clear_env ();
  endpoint = g_strdup_printf ("http://127.0.0.1:%u/otlp/", s.port);
  test_setenv ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint, TRUE);
  /* the same name twice: the last one is sent, once */
  test_setenv ("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=first,authorization=Bearer%20xyz,X-Team=ml", TRUE);
  test_setenv ("OTEL_BSP_SCHEDULE_DELAY", "60000", TRUE);
  tracer = new_tracer (config, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < N_SCRIPTED; i++)
    {
      SeldonSpan *span = seldon_tracer_start_span (tracer, "rest", "POST", "/api/v1.0/predictions", NULL, NULL);
      gint64 now = g_get_monotonic_time ();
      g_autoptr(SeldonReply) reply = reply_ran (now, now + 10, 0);

      seldon_span_finish (span, "predict", 200, reply);
      g_assert_true (seldon_tracer_flush (tracer, 10000));
      seldon_tracer_get_stats (tracer, NULL, &exported, &dropped);
      g_assert_cmpuint (exported, ==, expected_exported[i]);
      g_assert_cmpuint (dropped, ==, 2 * (i + 1) - expected_exported[i]);
    }
  seldon_tracer_unref (tracer);
  g_thread_join (s.thread);
  close (s.listener);

  /* kept connections: 1 for answers 0-1, 1 for answer 2, 1 for answers 3-4 */
  g_assert_cmpuint (s.connections, ==, 3);
  g_assert_cmpuint (heads->len, ==, N_SCRIPTED);
  host = g_strdup_printf ("\r\nHost: 127.0.0.1:%u\r\n", s.port);
  for (guint i = 0; i < heads->len; i++)
    {
      const char *head = g_ptr_array_index (heads, i);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *length = g_strdup_printf ("\r\nContent-Length: %zu\r\n",
                                                 strlen (g_ptr_array_index (bodies, i)));

      g_assert_true (g_str_has_prefix (head, "POST /otlp/v1/traces HTTP/1.1\r\n"));
      g_assert_nonnull (strstr (head, host));
      g_assert_nonnull (strstr (head, "\r\nContent-Type: application/json\r\n"));
      g_assert_nonnull (strstr (head, length));
      g_assert_nonnull (strstr (head, "\r\nauthorization: Bearer xyz\r\n"));
      g_assert_null (strstr (head, "first"));
      g_assert_nonnull (strstr (head, "\r\nX-Team: ml\r\n"));
      g_assert_nonnull (strstr (head, "\r\nUser-Agent: libseldon-otlp/"));
      json_parser_load_from_data (parser, g_ptr_array_index (bodies, i), -1, &error);
      g_assert_no_error (error);
      g_assert_nonnull (strstr (g_ptr_array_index (bodies, i), "\"name\":\"POST /api/v1.0/predictions\""));
      g_assert_nonnull (strstr (g_ptr_array_index (bodies, i), "\"name\":\"component predict\""));
    }
  clear_env ();
}

/* A header the small client leaves to libsoup: exported with libsoup, as https:// is. */
static void
test_export_libsoup_fallback (void)
{
  g_autoptr(Receiver) r = NULL;
  g_autoptr(SeldonTracer) tracer = NULL;
  g_autoptr(GPtrArray) spans = NULL;
  guint64 exported, dropped;

  clear_env ();
  r = receiver_new (200);
  test_setenv ("OTEL_EXPORTER_OTLP_HEADERS", "Accept-Encoding=identity,Authorization=Basic%20abc", TRUE);
  tracer = tracer_for (r);
  for (guint i = 0; i < 3; i++)
    seldon_span_finish (seldon_tracer_start_span (tracer, "rest", "POST", "/p", NULL, NULL), "predict", 200, NULL);
  g_assert_true (seldon_tracer_flush (tracer, 10000));
  seldon_tracer_get_stats (tracer, NULL, &exported, &dropped);
  g_assert_cmpuint (exported, ==, 3);
  g_assert_cmpuint (dropped, ==, 0);
  spans = receiver_spans (r, NULL);
  g_assert_cmpuint (spans->len, ==, 3);
  g_mutex_lock (&r->lock);
  g_assert_cmpstr (g_ptr_array_index (r->auth, 0), ==, "Basic abc");
  g_mutex_unlock (&r->lock);
  clear_env ();
}

/* ------------------------------------------------------------------------------------------ */

/* Export failures are warnings by design; keep them out of the fatal-warnings test log. */
static GLogWriterOutput
writer (GLogLevelFlags   log_level,
        const GLogField *fields,
        gsize            n_fields,
        gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0 &&
        g_str_has_prefix (fields[i].value, "Tracing: cannot export"))
      return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_log_set_writer_func (writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tracing/parse/traceparent", test_parse_traceparent);
  g_test_add_func ("/tracing/parse/uber-trace-id", test_parse_uber_trace_id);
  g_test_add_func ("/tracing/parse/grpc-metadata", test_lookup_grpc_metadata);
  g_test_add_func ("/tracing/disabled", test_disabled);
  g_test_add_func ("/tracing/settings/errors", test_settings_errors);
  g_test_add_func ("/tracing/settings/mapping", test_settings_mapping);
  g_test_add_func ("/tracing/export/rest", test_export_rest_span);
  g_test_add_func ("/tracing/export/jaeger-grpc", test_export_jaeger_and_grpc);
  g_test_add_func ("/tracing/sampling", test_sampling);
  g_test_add_func ("/tracing/export/bounded-and-failing", test_bounded_queue_and_failures);
  g_test_add_func ("/tracing/export/split-batches-and-reuse", test_split_batches_and_reuse);
  g_test_add_func ("/tracing/export/unreachable", test_unreachable_collector);
  g_test_add_func ("/tracing/export/plain-http", test_export_plain_http);
  g_test_add_func ("/tracing/export/libsoup-fallback", test_export_libsoup_fallback);

  clear_env ();
  status = g_test_run ();
  g_strfreev (test_env);
  return status;
}
