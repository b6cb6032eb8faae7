/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * SeldonTracer: spans for the calls of the front, exported with OTLP/HTTP JSON (see
 * seldon-tracing-private.h).
 *
 * A finished span is rendered to its OTLP JSON object at once (in the thread that finished
 * it) and queued as text; the export thread wraps a batch of them in one
 * ExportTraceServiceRequest and posts it. Ids come from a GRand seeded by getrandom().
 */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/random.h>

#include <grpc/grpc.h>
#include <grpc/slice.h>

#include "seldon-http-private.h"
#include "seldon-tracing-private.h"
#include "seldon-version.h"

#define DEFAULT_ENDPOINT       "http://localhost:4318/v1/traces"
#define DEFAULT_SERVICE_NAME   "seldon-microservice"
#define OTLP_PORT              4318
#define MAX_TRACE_STATE        512

typedef enum
{
  SAMPLER_ALWAYS_ON,
  SAMPLER_ALWAYS_OFF,
  SAMPLER_RATIO,
} SamplerKind;

enum
{
  SPAN_KIND_INTERNAL = 1,
  SPAN_KIND_SERVER = 2,
};

enum
{
  STATUS_UNSET = 0,
  STATUS_ERROR = 2,
};

struct _SeldonTracer
{
  GStrv        envp;            /* the environment to read, NULL: the process's */
  char        *endpoint;
  char        *service_name;
  char        *resource_json;   /* the "resource" object of every export */
  GPtrArray   *headers;         /* name, value, name, value... for the export requests */
  SamplerKind  sampler;
  gboolean     parent_based;
  double       ratio;
  guint64      ratio_bound;     /* sampled when the trace id's low 64 bits are below */
  GStrv        extra_tags;      /* JAEGER_EXTRA_TAGS */
  guint        max_queue;
  guint        max_batch;
  gint64       delay_us;
  guint        timeout_ms;

  GMutex       rand_lock;
  GRand       *rand;

  GMutex       lock;
  GCond        cond;            /* the thread waits for work; flush() waits for the thread */
  GPtrArray   *queue;           /* char *: rendered spans */
  gboolean     stop;
  gboolean     flush_requested;
  guint64      queued;          /* spans accepted */
  guint64      handled;         /* spans taken off the queue and sent (or failed) */
  guint64      exported;
  guint64      dropped;
  gboolean     failing;         /* the last export failed (warn once per streak) */
  GThread     *thread;
};

struct _SeldonSpan
{
  SeldonTracer *tracer;
  guint8        trace_id[16];
  guint8        span_id[8];
  guint8        parent_id[8];
  gboolean      has_parent;
  char         *trace_state;
  char         *name;
  gboolean      grpc;
  gint64        start_real_us;
  gint64        start_mono_us;
  GString      *attributes;     /* rendered attributes, comma-separated */
  /* the worker's part (seldon_span_add_reply()) */
  gint64        worker_started_us;
  gint64        worker_finished_us;
  guint         worker_slot;
  char         *grpc_message;
};

/* ---------------------------------------------------------------------------------------- */
/* JSON                                                                                     */
/* ---------------------------------------------------------------------------------------- */

/* Characters that JSON strings need not escape. */
static inline gboolean
json_plain (guchar c)
{
  return c >= 0x20 && c != '"' && c != '\\' && c != 0x7f;
}

static void
append_json_string (GString    *out,
                    const char *text)
{
  const char *p = text;

  g_string_append_c (out, '"');
  while (*p != '\0')
    {
      const char *run = p;
      guchar c;

      while (json_plain ((guchar) *p))
        p++;
      if (p > run)
        g_string_append_len (out, run, p - run);
      if (*p == '\0')
        break;
      c = (guchar) *p++;
      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          g_string_append_printf (out, "\\u%04x", c);
          break;
        }
    }
  g_string_append_c (out, '"');
}

/* @text as a JSON string of valid UTF-8 (invalid bytes replaced). */
static void
append_json_text (GString    *out,
                  const char *text)
{
  if (g_utf8_validate (text, -1, NULL))
    append_json_string (out, text);
  else
    {
      g_autofree char *valid = g_utf8_make_valid (text, -1);

      append_json_string (out, valid);
    }
}

static void
append_int (GString *out,
            gint64   value)
{
  char buffer[24];
  char *p = buffer + sizeof buffer;
  guint64 u = value < 0 ? (guint64) 0 - (guint64) value : (guint64) value;

  do
    {
      *--p = (char) ('0' + u % 10);
      u /= 10;
    }
  while (u > 0);
  if (value < 0)
    *--p = '-';
  g_string_append_len (out, p, buffer + sizeof buffer - p);
}

static void
append_attribute_string (GString    *out,
                         const char *key,
                         const char *value)
{
  if (out->len > 0 && out->str[out->len - 1] != '[')
    g_string_append_c (out, ',');
  g_string_append (out, "{\"key\":");
  append_json_text (out, key);
  g_string_append (out, ",\"value\":{\"stringValue\":");
  append_json_text (out, value);
  g_string_append (out, "}}");
}

static void
append_attribute_int (GString    *out,
                      const char *key,
                      gint64      value)
{
  if (out->len > 0 && out->str[out->len - 1] != '[')
    g_string_append_c (out, ',');
  g_string_append (out, "{\"key\":");
  append_json_text (out, key);
  g_string_append (out, ",\"value\":{\"intValue\":\"");
  append_int (out, value);
  g_string_append (out, "\"}}");
}

static void
append_hex (GString      *out,
            const guint8 *bytes,
            gsize         n)
{
  static const char digits[] = "0123456789abcdef";
  char buffer[32];

  g_assert (n <= 16);
  for (gsize i = 0; i < n; i++)
    {
      buffer[2 * i] = digits[bytes[i] >> 4];
      buffer[2 * i + 1] = digits[bytes[i] & 0xf];
    }
  g_string_append_len (out, buffer, 2 * n);
}

/* ---------------------------------------------------------------------------------------- */
/* Incoming context                                                                         */
/* ---------------------------------------------------------------------------------------- */

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* @n hex digits (lower case only when @lower) into @n / 2 bytes. */
static gboolean
parse_hex (const char *text,
           gsize       n,
           gboolean    lower,
           guint8     *out)
{
  for (gsize i = 0; i < n; i += 2)
    {
      int hi = hex_value (text[i]), lo = hex_value (text[i + 1]);

      if (hi < 0 || lo < 0 || (lower && (g_ascii_isupper (text[i]) || g_ascii_isupper (text[i + 1]))))
        return FALSE;
      out[i / 2] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

static gboolean
all_zero (const guint8 *bytes,
          gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (bytes[i] != 0)
      return FALSE;
  return TRUE;
}

/* W3C Trace Context: version "-" trace-id "-" parent-id "-" flags. */
gboolean
seldon_tracing_parse_traceparent (const char *value,
                                  guint8      trace_id[16],
                                  guint8      span_id[8],
                                  gboolean   *sampled)
{
  guint8 version, flags;
  gsize len;

  if (value == NULL)
    return FALSE;
  while (*value == ' ' || *value == '\t')
    value++;
  len = strlen (value);
  while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
    len--;
  if (len < 55 || value[2] != '-' || value[35] != '-' || value[52] != '-')
    return FALSE;
  if (!parse_hex (value, 2, TRUE, &version) || version == 0xff)
    return FALSE;
  /* version 00 is exactly 55 characters; a later version may append "-..." */
  if ((version == 0 && len != 55) || (len > 55 && value[55] != '-'))
    return FALSE;
  if (!parse_hex (value + 3, 32, TRUE, trace_id) || all_zero (trace_id, 16))
    return FALSE;
  if (!parse_hex (value + 36, 16, TRUE, span_id) || all_zero (span_id, 8))
    return FALSE;
  if (!parse_hex (value + 53, 2, TRUE, &flags))
    return FALSE;
  *sampled = (flags & 1) != 0;
  return TRUE;
}

/* A hex number of 1 … 2 * @n digits, right-aligned into @n bytes. */
static gboolean
parse_hex_id (const char *text,
              gsize       len,
              guint8     *out,
              gsize       n)
{
  char padded[33];

  if (len == 0 || len > 2 * n)
    return FALSE;
  memset (padded, '0', 2 * n);
  memcpy (padded + 2 * n - len, text, len);
  return parse_hex (padded, 2 * n, FALSE, out) && !all_zero (out, n);
}

/* Jaeger: {trace-id}:{span-id}:{parent-span-id}:{flags}, hex, possibly URL-encoded. */
gboolean
seldon_tracing_parse_uber_trace_id (const char *value,
                                    guint8      trace_id[16],
                                    guint8      span_id[8],
                                    gboolean   *sampled)
{
  g_autofree char *decoded = NULL;
  g_auto(GStrv) parts = NULL;
  guint64 flags;
  char *end = NULL;

  if (value == NULL)
    return FALSE;
  decoded = g_uri_unescape_string (value, NULL);
  if (decoded == NULL)
    return FALSE;
  g_strstrip (decoded);
  parts = g_strsplit (decoded, ":", -1);
  if (g_strv_length (parts) != 4)
    return FALSE;
  if (!parse_hex_id (parts[0], strlen (parts[0]), trace_id, 16) ||
      !parse_hex_id (parts[1], strlen (parts[1]), span_id, 8))
    return FALSE;
  if (parts[3][0] == '\0')
    return FALSE;
  flags = g_ascii_strtoull (parts[3], &end, 16);
  if (end == NULL || *end != '\0')
    return FALSE;
  *sampled = (flags & 1) != 0;
  return TRUE;
}

const char *
seldon_tracing_lookup_soup_headers (const char *name,
                                    gpointer    user_data)
{
  SoupMessageHeaders *headers = user_data;

  if (headers == NULL)
    return NULL;
  if (g_ascii_strcasecmp (name, "tracestate") == 0)
    return soup_message_headers_get_list (headers, name);
  return soup_message_headers_get_one (headers, name);
}

const char *
seldon_tracing_lookup_http_request (const char *name,
                                    gpointer    user_data)
{
  return user_data != NULL ? seldon_http_request_get_header (user_data, name) : NULL;
}

static void
free_gstring (gpointer data)
{
  g_string_free (data, TRUE);
}

/* Slices are not NUL-terminated: the value is copied into a per-thread buffer, valid until the
 * next lookup in the thread (which SeldonTraceLookupFunc allows). */
const char *
seldon_tracing_lookup_grpc_metadata (const char *name,
                                     gpointer    user_data)
{
  static GPrivate buffer_key = G_PRIVATE_INIT (free_gstring);
  const grpc_metadata_array *metadata = user_data;
  gsize name_len = strlen (name);
  GString *buffer;
  gboolean found = FALSE;

  if (metadata == NULL)
    return NULL;
  buffer = g_private_get (&buffer_key);
  if (buffer == NULL)
    {
      buffer = g_string_sized_new (128);
      g_private_set (&buffer_key, buffer);
    }
  g_string_truncate (buffer, 0);
  for (gsize i = 0; i < metadata->count; i++)
    {
      const grpc_metadata *entry = &metadata->metadata[i];

      if (GRPC_SLICE_LENGTH (entry->key) != name_len ||
          g_ascii_strncasecmp ((const char *) GRPC_SLICE_START_PTR (entry->key), name, name_len) != 0)
        continue;
      if (found)
        g_string_append (buffer, ", ");
      g_string_append_len (buffer, (const char *) GRPC_SLICE_START_PTR (entry->value),
                           GRPC_SLICE_LENGTH (entry->value));
      found = TRUE;
    }
  return found ? buffer->str : NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Settings                                                                                 */
/* ---------------------------------------------------------------------------------------- */

static const char *
tracer_getenv (SeldonTracer *self,
               const char   *name)
{
  if (self->envp != NULL)
    return g_environ_getenv (self->envp, name);
  return g_getenv (name);
}

static const char *
getenv_nonempty (SeldonTracer *self,
                 const char   *name)
{
  const char *value = tracer_getenv (self, name);

  return value != NULL && *value != '\0' ? value : NULL;
}

/* The few keys of a Jaeger client YAML configuration this maps (see the header). */
typedef struct
{
  char *service_name;
  char *sampler_type;
  char *sampler_param;
  char *reporting_host;
} JaegerFile;

static void
jaeger_file_clear (JaegerFile *file)
{
  g_free (file->service_name);
  g_free (file->sampler_type);
  g_free (file->sampler_param);
  g_free (file->reporting_host);
}

static char *
yaml_scalar (const char *text)
{
  g_autofree char *value = g_strstrip (g_strdup (text));
  char *hash = strstr (value, " #");
  gsize len;

  if (hash != NULL)
    *hash = '\0';
  g_strstrip (value);
  len = strlen (value);
  if (len >= 2 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0])
    return g_strndup (value + 1, len - 2);
  return g_steal_pointer (&value);
}

static void
replace_string (char **field,
                char **value)
{
  g_free (*field);
  *field = g_steal_pointer (value);
}

static gboolean
read_jaeger_file (const char  *path,
                  JaegerFile  *file,
                  GError     **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *section = NULL;

  if (!g_file_get_contents (path, &contents, NULL, error))
    {
      g_prefix_error (error, "Tracing: cannot read JAEGER_CONFIG_PATH: ");
      return FALSE;
    }
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *colon;
      g_autofree char *key = NULL;
      g_autofree char *value = NULL;
      gboolean nested = line[0] == ' ' || line[0] == '\t';

      while (*line == ' ' || *line == '\t')
        line++;
      if (*line == '\0' || *line == '#' || g_str_has_prefix (line, "---"))
        continue;
      colon = strchr (line, ':');
      if (colon == NULL)
        continue;
      key = g_strstrip (g_strndup (line, colon - line));
      value = yaml_scalar (colon + 1);
      if (!nested)
        {
          g_free (section);
          section = g_strdup (key);
          if (g_str_equal (key, "service_name") && *value != '\0')
            file->service_name = g_steal_pointer (&value);
          continue;
        }
      if (*value == '\0')
        continue;
      if (g_strcmp0 (section, "sampler") == 0 && g_str_equal (key, "type"))
        replace_string (&file->sampler_type, &value);
      else if (g_strcmp0 (section, "sampler") == 0 && g_str_equal (key, "param"))
        replace_string (&file->sampler_param, &value);
      else if (g_strcmp0 (section, "local_agent") == 0 && g_str_equal (key, "reporting_host"))
        replace_string (&file->reporting_host, &value);
    }
  return TRUE;
}

static gboolean
parse_ratio (const char  *text,
             const char  *what,
             double      *ratio,
             GError     **error)
{
  char *end = NULL;
  double value;

  if (text == NULL)
    {
      *ratio = 1.0;
      return TRUE;
    }
  value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || isnan (value) || value < 0 || value > 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Tracing: %s must be a number from 0 to 1, not “%s”", what, text);
      return FALSE;
    }
  *ratio = value;
  return TRUE;
}

static gboolean
configure_sampler (SeldonTracer      *self,
                   const JaegerFile  *file,
                   GError           **error)
{
  const char *otel = getenv_nonempty (self, "OTEL_TRACES_SAMPLER");
  const char *jaeger_type = getenv_nonempty (self, "JAEGER_SAMPLER_TYPE");
  const char *jaeger_param = getenv_nonempty (self, "JAEGER_SAMPLER_PARAM");

  self->parent_based = TRUE;
  self->sampler = SAMPLER_ALWAYS_ON;
  self->ratio = 1.0;

  if (otel != NULL)
    {
      const char *kind = otel;

      if (g_str_has_prefix (otel, "parentbased_"))
        kind = otel + strlen ("parentbased_");
      else
        self->parent_based = FALSE;
      if (g_str_equal (kind, "always_on"))
        self->sampler = SAMPLER_ALWAYS_ON;
      else if (g_str_equal (kind, "always_off"))
        self->sampler = SAMPLER_ALWAYS_OFF;
      else if (g_str_equal (kind, "traceidratio"))
        {
          self->sampler = SAMPLER_RATIO;
          if (!parse_ratio (getenv_nonempty (self, "OTEL_TRACES_SAMPLER_ARG"), "OTEL_TRACES_SAMPLER_ARG",
                            &self->ratio, error))
            return FALSE;
        }
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Tracing: unsupported OTEL_TRACES_SAMPLER “%s” (use always_on, always_off, "
                       "traceidratio, parentbased_always_on, parentbased_always_off or "
                       "parentbased_traceidratio)", otel);
          return FALSE;
        }
    }
  else
    {
      if (jaeger_type == NULL)
        jaeger_type = file->sampler_type;
      if (jaeger_param == NULL)
        jaeger_param = file->sampler_param;
      if (jaeger_type == NULL || g_str_equal (jaeger_type, "const"))
        {
          double param = 1.0;

          if (jaeger_param != NULL && !parse_ratio (jaeger_param, "JAEGER_SAMPLER_PARAM", &param, error))
            return FALSE;
          self->sampler = param != 0 ? SAMPLER_ALWAYS_ON : SAMPLER_ALWAYS_OFF;
        }
      else if (g_str_equal (jaeger_type, "probabilistic"))
        {
          self->sampler = SAMPLER_RATIO;
          if (!parse_ratio (jaeger_param, "JAEGER_SAMPLER_PARAM", &self->ratio, error))
            return FALSE;
        }
      else if (g_str_equal (jaeger_type, "ratelimiting") || g_str_equal (jaeger_type, "remote"))
        g_info ("Tracing: the Jaeger sampler “%s” has no OpenTelemetry equivalent; sampling every request",
                jaeger_type);
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Tracing: unsupported JAEGER_SAMPLER_TYPE “%s”", jaeger_type);
          return FALSE;
        }
    }

  if (self->sampler == SAMPLER_RATIO)
    {
      if (self->ratio >= 1.0)
        self->sampler = SAMPLER_ALWAYS_ON;
      else if (self->ratio <= 0.0)
        self->sampler = SAMPLER_ALWAYS_OFF;
      else
        self->ratio_bound = (guint64) (self->ratio * 18446744073709551616.0);
    }
  return TRUE;
}

/* http://HOST:4318/v1/traces for @host ("0.0.0.0" and "" mean localhost). */
static char *
endpoint_for_host (const char *host)
{
  if (host == NULL || *host == '\0' || g_str_equal (host, "0.0.0.0"))
    host = "localhost";
  if (strchr (host, ':') != NULL && host[0] != '[')
    return g_strdup_printf ("http://[%s]:%d/v1/traces", host, OTLP_PORT);
  return g_strdup_printf ("http://%s:%d/v1/traces", host, OTLP_PORT);
}

static gboolean
configure_endpoint (SeldonTracer      *self,
                    const JaegerFile  *file,
                    GError           **error)
{
  const char *value;
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if ((value = getenv_nonempty (self, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) != NULL)
    self->endpoint = g_strdup (value);
  else if ((value = getenv_nonempty (self, "OTEL_EXPORTER_OTLP_ENDPOINT")) != NULL)
    {
      gsize len = strlen (value);

      while (len > 0 && value[len - 1] == '/')
        len--;
      self->endpoint = g_strdup_printf ("%.*s/v1/traces", (int) len, value);
    }
  else if ((value = getenv_nonempty (self, "JAEGER_ENDPOINT")) != NULL)
    {
      g_autoptr(GUri) jaeger = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);

      self->endpoint = endpoint_for_host (jaeger != NULL ? g_uri_get_host (jaeger) : NULL);
    }
  else if ((value = getenv_nonempty (self, "JAEGER_AGENT_HOST")) != NULL)
    self->endpoint = endpoint_for_host (value);
  else if (file->reporting_host != NULL)
    self->endpoint = endpoint_for_host (file->reporting_host);
  else
    self->endpoint = g_strdup (DEFAULT_ENDPOINT);

  uri = g_uri_parse (self->endpoint, G_URI_FLAGS_NONE, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Tracing: invalid OTLP endpoint “%s” (an http:// or https:// URL is needed)",
                   self->endpoint);
      return FALSE;
    }

  value = getenv_nonempty (self, "OTEL_EXPORTER_OTLP_PROTOCOL");
  if (value == NULL)
    value = getenv_nonempty (self, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
  if (value != NULL && !g_str_equal (value, "http/json"))
    g_info ("Tracing: OTLP protocol “%s” is not supported; exporting with http/json", value);
  return TRUE;
}

/* "k=v,k2=v2" with percent-encoded values (OTEL_RESOURCE_ATTRIBUTES, OTEL_..._HEADERS), or
 * "k=v,k2=v2" plain (JAEGER_TAGS), as name, value pairs appended to @pairs. */
static void
parse_pairs (const char *text,
             gboolean    unescape,
             GPtrArray  *pairs)
{
  g_auto(GStrv) items = NULL;

  if (text == NULL)
    return;
  items = g_strsplit (text, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      char *eq = strchr (items[i], '=');
      g_autofree char *key = NULL;
      g_autofree char *value = NULL;

      if (eq == NULL)
        continue;
      key = g_strstrip (g_strndup (items[i], eq - items[i]));
      value = g_strstrip (g_strdup (eq + 1));
      if (*key == '\0')
        continue;
      if (unescape)
        {
          char *unescaped = g_uri_unescape_string (value, NULL);

          if (unescaped != NULL)
            {
              g_free (value);
              value = unescaped;
            }
        }
      g_ptr_array_add (pairs, g_steal_pointer (&key));
      g_ptr_array_add (pairs, g_steal_pointer (&value));
    }
}

static void
configure_resource (SeldonTracer     *self,
                    SeldonConfig     *config,
                    const JaegerFile *file)
{
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) out = g_string_new ("{\"attributes\":[");
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *interface_name = NULL;
  const char *name;
  const char *resource_name = NULL;

  parse_pairs (tracer_getenv (self, "JAEGER_TAGS"), FALSE, pairs);
  parse_pairs (tracer_getenv (self, "OTEL_RESOURCE_ATTRIBUTES"), TRUE, pairs);
  for (guint i = 0; i < pairs->len; i += 2)
    if (g_str_equal (g_ptr_array_index (pairs, i), "service.name"))
      resource_name = g_ptr_array_index (pairs, i + 1);

  if (config != NULL)
    g_object_get (config, "interface-name", &interface_name, NULL);
  if ((name = getenv_nonempty (self, "OTEL_SERVICE_NAME")) == NULL &&
      (name = getenv_nonempty (self, "JAEGER_SERVICE_NAME")) == NULL &&
      (name = file->service_name) == NULL &&
      (name = resource_name) == NULL &&
      (name = interface_name) == NULL)
    name = DEFAULT_SERVICE_NAME;
  self->service_name = g_strdup (name);

  append_attribute_string (out, "service.name", self->service_name);
  append_attribute_string (out, "telemetry.sdk.name", "libseldon");
  append_attribute_string (out, "telemetry.sdk.language", "c");
  append_attribute_string (out, "telemetry.sdk.version", SELDON_VERSION_S);
  g_hash_table_add (seen, (gpointer) "service.name");
  g_hash_table_add (seen, (gpointer) "telemetry.sdk.name");
  g_hash_table_add (seen, (gpointer) "telemetry.sdk.language");
  g_hash_table_add (seen, (gpointer) "telemetry.sdk.version");
  /* later entries win: walk backwards, keep the first seen */
  for (guint i = pairs->len; i >= 2; i -= 2)
    {
      const char *key = g_ptr_array_index (pairs, i - 2);

      if (g_hash_table_contains (seen, key))
        continue;
      g_hash_table_add (seen, (gpointer) key);
      append_attribute_string (out, key, g_ptr_array_index (pairs, i - 1));
    }
  g_string_append (out, "]}");
  self->resource_json = g_string_free (g_steal_pointer (&out), FALSE);
}

static guint
getenv_uint (SeldonTracer *self,
             const char   *name,
             guint         fallback,
             guint         minimum)
{
  const char *value = getenv_nonempty (self, name);
  guint64 parsed;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &parsed, NULL))
    {
      if (value != NULL)
        g_warning ("Tracing: ignoring %s=%s (not a non-negative integer)", name, value);
      return fallback;
    }
  return MAX ((guint) parsed, minimum);
}

/* ---------------------------------------------------------------------------------------- */
/* Export                                                                                   */
/* ---------------------------------------------------------------------------------------- */

static GBytes *
build_request (SeldonTracer *self,
               GPtrArray    *batch)
{
  g_autoptr(GString) out = g_string_sized_new (512 + 600 * batch->len);

  g_string_append (out, "{\"resourceSpans\":[{\"resource\":");
  g_string_append (out, self->resource_json);
  g_string_append (out, ",\"scopeSpans\":[{\"scope\":{\"name\":\"libseldon\",\"version\":\""
                        SELDON_VERSION_S "\"},\"spans\":[");
  for (guint i = 0; i < batch->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, g_ptr_array_index (batch, i));
    }
  g_string_append (out, "]}]}]}");
  return g_string_free_to_bytes (g_steal_pointer (&out));
}

/* In the export thread. */
static gboolean
export_batch (SeldonTracer *self,
              SoupSession  *session,
              GPtrArray    *batch)
{
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, self->endpoint);
  g_autoptr(GBytes) body = build_request (self, batch);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  guint status;

  if (msg == NULL)
    return FALSE;
  headers = soup_message_get_request_headers (msg);
  for (guint i = 0; i < self->headers->len; i += 2)
    soup_message_headers_replace (headers, g_ptr_array_index (self->headers, i),
                                  g_ptr_array_index (self->headers, i + 1));
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  status = soup_message_get_status (msg);
  if (answer != NULL && status >= 200 && status < 300)
    {
      if (self->failing)
        g_info ("Tracing: exporting to %s works again", self->endpoint);
      self->failing = FALSE;
      return TRUE;
    }
  if (!self->failing)
    g_warning ("Tracing: cannot export %u span(s) to %s: %s", batch->len, self->endpoint,
               error != NULL ? error->message : soup_message_get_reason_phrase (msg));
  self->failing = TRUE;
  return FALSE;
}

static gpointer
export_thread (gpointer user_data)
{
  SeldonTracer *self = user_data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;

  g_main_context_push_thread_default (context);
  session = soup_session_new_with_options ("timeout", MAX (self->timeout_ms / 1000, 1),
                                           "user-agent", "libseldon-otlp/" SELDON_VERSION_S,
                                           NULL);

  g_mutex_lock (&self->lock);
  for (;;)
    {
      gint64 deadline = g_get_monotonic_time () + self->delay_us;
      g_autoptr(GPtrArray) batch = NULL;
      gboolean ok;
      guint n;

      while (!self->stop && !self->flush_requested && self->queue->len < self->max_batch)
        if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
          break;

      if (self->queue->len == 0)
        {
          self->flush_requested = FALSE;
          g_cond_broadcast (&self->cond);
          if (self->stop)
            break;
          continue;
        }

      n = MIN (self->queue->len, self->max_batch);
      batch = g_ptr_array_new_full (n, g_free);
      for (guint i = 0; i < n; i++)
        g_ptr_array_add (batch, g_ptr_array_index (self->queue, i));
      g_ptr_array_remove_range (self->queue, 0, n);   /* the queue does not own its texts' removal */

      g_mutex_unlock (&self->lock);
      ok = export_batch (self, session, batch);
      g_mutex_lock (&self->lock);

      self->handled += n;
      if (ok)
        self->exported += n;
      else
        self->dropped += n;
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->lock);

  g_clear_object (&session);
  g_main_context_pop_thread_default (context);
  return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Tracer                                                                                   */
/* ---------------------------------------------------------------------------------------- */

static GRand *
new_seeded_rand (void)
{
  guint32 seed[8];
  gsize got = 0;

  while (got < sizeof seed)
    {
      ssize_t n = getrandom ((char *) seed + got, sizeof seed - got, 0);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          /* no getrandom(): GRand seeds itself from /dev/urandom */
          return g_rand_new ();
        }
      got += (gsize) n;
    }
  return g_rand_new_with_seed_array (seed, G_N_ELEMENTS (seed));
}

SeldonTracer *
seldon_tracer_new (SeldonConfig  *config,
                   GError       **error)
{
  return seldon_tracer_new_for_environ (config, NULL, error);
}

SeldonTracer *
seldon_tracer_new_for_environ (SeldonConfig       *config,
                               const char * const *envp,
                               GError            **error)
{
  g_autoptr(SeldonTracer) self = NULL;
  JaegerFile file = { NULL, };
  const char *config_path;
  const char *extra;
  int tracing = 0;

  g_return_val_if_fail (config == NULL || SELDON_IS_CONFIG (config), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (config != NULL)
    g_object_get (config, "tracing", &tracing, NULL);
  if (tracing == 0)
    return NULL;

  self = g_atomic_rc_box_new0 (SeldonTracer);
  self->envp = g_strdupv ((char **) envp);
  g_mutex_init (&self->rand_lock);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->rand = new_seeded_rand ();
  self->queue = g_ptr_array_new ();
  self->headers = g_ptr_array_new_with_free_func (g_free);

  config_path = getenv_nonempty (self, "JAEGER_CONFIG_PATH");
  if (config_path != NULL && !read_jaeger_file (config_path, &file, error))
    {
      jaeger_file_clear (&file);
      return NULL;
    }
  if (!configure_sampler (self, &file, error) || !configure_endpoint (self, &file, error))
    {
      jaeger_file_clear (&file);
      return NULL;
    }
  configure_resource (self, config, &file);
  jaeger_file_clear (&file);

  parse_pairs (tracer_getenv (self, "OTEL_EXPORTER_OTLP_HEADERS"), TRUE, self->headers);
  parse_pairs (tracer_getenv (self, "OTEL_EXPORTER_OTLP_TRACES_HEADERS"), TRUE, self->headers);

  extra = getenv_nonempty (self, "JAEGER_EXTRA_TAGS");
  if (extra != NULL)
    {
      self->extra_tags = g_strsplit (extra, ",", -1);
      /* header lookups are lower case */
      for (guint i = 0; self->extra_tags[i] != NULL; i++)
        for (char *p = g_strstrip (self->extra_tags[i]); *p != '\0'; p++)
          *p = g_ascii_tolower (*p);
    }

  self->max_queue = getenv_uint (self, "OTEL_BSP_MAX_QUEUE_SIZE", 2048, 1);
  self->max_batch = MIN (getenv_uint (self, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, 1), self->max_queue);
  self->delay_us = (gint64) getenv_uint (self, "OTEL_BSP_SCHEDULE_DELAY", 5000, 1) * 1000;
  self->timeout_ms = getenv_uint (self, "OTEL_BSP_EXPORT_TIMEOUT", 30000, 1);

  self->thread = g_thread_new ("seldon-tracing", export_thread, self);
  return g_steal_pointer (&self);
}

SeldonTracer *
seldon_tracer_ref (SeldonTracer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

static void
seldon_tracer_clear (SeldonTracer *self)
{
  if (self->thread != NULL)
    {
      g_mutex_lock (&self->lock);
      self->stop = TRUE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      g_thread_join (g_steal_pointer (&self->thread));
    }
  g_ptr_array_foreach (self->queue, (GFunc) g_free, NULL);
  g_ptr_array_unref (self->queue);
  g_ptr_array_unref (self->headers);
  g_strfreev (self->extra_tags);
  g_strfreev (self->envp);
  g_free (self->endpoint);
  g_free (self->service_name);
  g_free (self->resource_json);
  if (self->rand != NULL)
    g_rand_free (self->rand);
  g_mutex_clear (&self->rand_lock);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
}

void
seldon_tracer_unref (SeldonTracer *self)
{
  g_return_if_fail (self != NULL);

  g_atomic_rc_box_release_full (self, (GDestroyNotify) seldon_tracer_clear);
}

gboolean
seldon_tracer_flush (SeldonTracer *self,
                     guint         timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean done;
  guint64 target;

  g_return_val_if_fail (self != NULL, FALSE);

  g_mutex_lock (&self->lock);
  target = self->queued;
  self->flush_requested = TRUE;
  g_cond_broadcast (&self->cond);
  while (self->handled < target)
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      break;
  done = self->handled >= target;
  g_mutex_unlock (&self->lock);
  return done;
}

void
seldon_tracer_get_stats (SeldonTracer *self,
                         guint64      *queued,
                         guint64      *exported,
                         guint64      *dropped)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  if (queued != NULL)
    *queued = self->queued;
  if (exported != NULL)
    *exported = self->exported;
  if (dropped != NULL)
    *dropped = self->dropped;
  g_mutex_unlock (&self->lock);
}

const char *
seldon_tracer_get_endpoint (SeldonTracer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->endpoint;
}

const char *
seldon_tracer_get_service_name (SeldonTracer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->service_name;
}

/* Takes @text. */
static void
enqueue (SeldonTracer *self,
         char         *text)
{
  gboolean wake;

  g_mutex_lock (&self->lock);
  if (self->queue->len >= self->max_queue)
    {
      self->dropped++;
      g_mutex_unlock (&self->lock);
      g_free (text);
      return;
    }
  g_ptr_array_add (self->queue, text);
  self->queued++;
  wake = self->queue->len == self->max_batch;
  if (wake)
    g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
random_bytes (SeldonTracer *self,
              guint8       *out,
              gsize         n)
{
  do
    {
      g_mutex_lock (&self->rand_lock);
      for (gsize i = 0; i < n; i += 4)
        {
          guint32 r = g_rand_int (self->rand);

          memcpy (out + i, &r, MIN (4, n - i));
        }
      g_mutex_unlock (&self->rand_lock);
    }
  while (all_zero (out, n));
}

static gboolean
sample (SeldonTracer *self,
        const guint8  trace_id[16],
        gboolean      has_parent,
        gboolean      parent_sampled)
{
  guint64 low = 0;

  if (self->parent_based && has_parent)
    return parent_sampled;
  switch (self->sampler)
    {
    case SAMPLER_ALWAYS_ON:
      return TRUE;
    case SAMPLER_ALWAYS_OFF:
      return FALSE;
    case SAMPLER_RATIO:
      for (guint i = 8; i < 16; i++)
        low = low << 8 | trace_id[i];
      return low < self->ratio_bound;
    default:
      g_assert_not_reached ();
    }
}

static void
add_extra_tags (SeldonSpan            *span,
                const char            *protocol,
                const char            *http_method,
                const char            *path,
                SeldonTraceLookupFunc  lookup,
                gpointer               lookup_data)
{
  for (guint i = 0; span->tracer->extra_tags[i] != NULL; i++)
    {
      const char *tag = span->tracer->extra_tags[i];
      const char *value = NULL;

      if (*tag == '\0')
        continue;
      if (g_str_equal (tag, "path") || g_str_equal (tag, "url"))
        value = path;
      else if (g_str_equal (tag, "method"))
        value = http_method != NULL ? http_method : "POST";
      else if (g_str_equal (tag, "protocol"))
        value = protocol;
      else if (lookup != NULL)
        value = lookup (tag, lookup_data);
      if (value != NULL)
        append_attribute_string (span->attributes, tag, value);
    }
}

SeldonSpan *
seldon_tracer_start_span (SeldonTracer          *self,
                          const char            *protocol,
                          const char            *http_method,
                          const char            *path,
                          SeldonTraceLookupFunc  lookup,
                          gpointer               lookup_data)
{
  SeldonSpan *span;
  guint8 trace_id[16], parent_id[8];
  gboolean has_parent = FALSE, parent_sampled = FALSE;
  const char *trace_state = NULL;
  gboolean grpc;

  if (self == NULL)
    return NULL;
  g_return_val_if_fail (protocol != NULL, NULL);
  if (path == NULL)
    path = "";

  if (lookup != NULL)
    {
      if (seldon_tracing_parse_traceparent (lookup ("traceparent", lookup_data), trace_id, parent_id,
                                            &parent_sampled))
        {
          has_parent = TRUE;
          trace_state = lookup ("tracestate", lookup_data);
        }
      else if (seldon_tracing_parse_uber_trace_id (lookup ("uber-trace-id", lookup_data), trace_id,
                                                   parent_id, &parent_sampled))
        has_parent = TRUE;
    }
  if (!has_parent)
    random_bytes (self, trace_id, sizeof trace_id);
  if (!sample (self, trace_id, has_parent, parent_sampled))
    return NULL;

  grpc = g_str_equal (protocol, "grpc");
  span = g_new0 (SeldonSpan, 1);
  span->tracer = seldon_tracer_ref (self);
  span->start_real_us = g_get_real_time ();
  span->start_mono_us = g_get_monotonic_time ();
  span->grpc = grpc;
  memcpy (span->trace_id, trace_id, sizeof trace_id);
  random_bytes (self, span->span_id, sizeof span->span_id);
  if (has_parent)
    {
      memcpy (span->parent_id, parent_id, sizeof parent_id);
      span->has_parent = TRUE;
      if (trace_state != NULL && *trace_state != '\0' && strlen (trace_state) <= MAX_TRACE_STATE)
        span->trace_state = g_strdup (trace_state);
    }

  span->attributes = g_string_sized_new (256);
  if (grpc)
    {
      const char *name = path[0] == '/' ? path + 1 : path;
      const char *slash = strrchr (name, '/');

      span->name = g_strdup (*name != '\0' ? name : "grpc");
      append_attribute_string (span->attributes, "rpc.system", "grpc");
      if (slash != NULL)
        {
          g_autofree char *service = g_strndup (name, slash - name);

          append_attribute_string (span->attributes, "rpc.service", service);
          append_attribute_string (span->attributes, "rpc.method", slash + 1);
        }
    }
  else
    {
      const char *method = http_method != NULL ? http_method : "GET";

      span->name = g_strdup_printf ("%s %s", method, path);
      append_attribute_string (span->attributes, "http.request.method", method);
      append_attribute_string (span->attributes, "url.path", path);
      append_attribute_string (span->attributes, "network.protocol.name", "http");
    }
  if (self->extra_tags != NULL)
    add_extra_tags (span, protocol, http_method, path, lookup, lookup_data);
  return span;
}

void
seldon_span_set_attribute (SeldonSpan *span,
                           const char *key,
                           const char *value)
{
  if (span == NULL)
    return;
  g_return_if_fail (key != NULL && value != NULL);

  append_attribute_string (span->attributes, key, value);
}

void
seldon_span_add_reply (SeldonSpan        *span,
                       const SeldonReply *reply)
{
  if (span == NULL || reply == NULL)
    return;

  span->worker_started_us = reply->started_us;
  span->worker_finished_us = reply->finished_us;
  span->worker_slot = reply->worker_slot;
  g_free (span->grpc_message);
  span->grpc_message = g_strdup (reply->grpc_message);
}

char *
seldon_span_dup_traceparent (SeldonSpan *span)
{
  g_autoptr(GString) out = NULL;

  if (span == NULL)
    return NULL;
  out = g_string_new ("00-");
  append_hex (out, span->trace_id, sizeof span->trace_id);
  g_string_append_c (out, '-');
  append_hex (out, span->span_id, sizeof span->span_id);
  g_string_append (out, "-01");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* One span object of OTLP JSON. */
static char *
render_span (const SeldonSpan *span,
             const guint8      span_id[8],
             const guint8     *parent_id,
             const char       *name,
             int               kind,
             gint64            start_us,
             gint64            end_us,
             const char       *attributes,
             int               status,
             const char       *status_message)
{
  GString *out = g_string_sized_new (384 + strlen (attributes));

  g_string_append (out, "{\"traceId\":\"");
  append_hex (out, span->trace_id, 16);
  g_string_append (out, "\",\"spanId\":\"");
  append_hex (out, span_id, 8);
  g_string_append_c (out, '"');
  if (parent_id != NULL)
    {
      g_string_append (out, ",\"parentSpanId\":\"");
      append_hex (out, parent_id, 8);
      g_string_append_c (out, '"');
    }
  if (span->trace_state != NULL)
    {
      g_string_append (out, ",\"traceState\":");
      append_json_text (out, span->trace_state);
    }
  g_string_append (out, ",\"name\":");
  append_json_text (out, name);
  g_string_append (out, ",\"kind\":");
  append_int (out, kind);
  g_string_append (out, ",\"startTimeUnixNano\":\"");
  append_int (out, start_us);
  g_string_append (out, "000\",\"endTimeUnixNano\":\"");
  append_int (out, MAX (end_us, start_us));
  g_string_append (out, "000\",\"attributes\":[");
  g_string_append (out, attributes);
  g_string_append (out, "],\"status\":{");
  if (status != STATUS_UNSET)
    {
      g_string_append (out, "\"code\":");
      append_int (out, status);
      if (status_message != NULL)
        {
          g_string_append (out, ",\"message\":");
          append_json_text (out, status_message);
        }
    }
  g_string_append (out, "}}");
  return g_string_free (out, FALSE);
}

void
seldon_span_finish (SeldonSpan        *span,
                    const char        *method_label,
                    guint              code,
                    const SeldonReply *reply)
{
  SeldonTracer *tracer;
  gint64 end_us;
  int status = STATUS_UNSET;
  const char *message = NULL;

  if (span == NULL)
    return;

  seldon_span_add_reply (span, reply);
  tracer = span->tracer;
  end_us = span->start_real_us + (g_get_monotonic_time () - span->start_mono_us);

  if (method_label != NULL)
    append_attribute_string (span->attributes, "seldon.method", method_label);
  if (span->grpc)
    {
      append_attribute_int (span->attributes, "rpc.grpc.status_code", code);
      if (code != 0)
        {
          status = STATUS_ERROR;
          message = span->grpc_message;
        }
    }
  else if (code == 0)
    {
      status = STATUS_ERROR;
      message = "No answer was sent: the client went away";
    }
  else
    {
      append_attribute_int (span->attributes, "http.response.status_code", code);
      if (code >= 500)
        status = STATUS_ERROR;
    }

  /* the worker's part, timed by the worker on the shared monotonic clock */
  if (span->worker_started_us != 0 && span->worker_finished_us >= span->worker_started_us)
    {
      g_autoptr(GString) attributes = g_string_sized_new (128);
      g_autofree char *name = NULL;
      guint8 child_id[8];
      gint64 child_start = span->start_real_us + (span->worker_started_us - span->start_mono_us);
      gint64 child_end = span->start_real_us + (span->worker_finished_us - span->start_mono_us);
      char slot[16];

      g_snprintf (slot, sizeof slot, "%u", span->worker_slot);
      append_attribute_string (attributes, "seldon.worker_id", slot);
      append_attribute_string (span->attributes, "seldon.worker_id", slot);
      if (method_label != NULL)
        append_attribute_string (attributes, "seldon.method", method_label);
      append_attribute_int (span->attributes, "seldon.queue_time_us",
                            MAX (span->worker_started_us - span->start_mono_us, 0));
      random_bytes (tracer, child_id, sizeof child_id);
      name = g_strdup_printf ("component %s", method_label != NULL ? method_label : "call");
      enqueue (tracer, render_span (span, child_id, span->span_id, name, SPAN_KIND_INTERNAL,
                                    child_start, child_end, attributes->str,
                                    status == STATUS_ERROR && code != 0 ? STATUS_ERROR : STATUS_UNSET,
                                    NULL));
    }

  enqueue (tracer, render_span (span, span->span_id, span->has_parent ? span->parent_id : NULL,
                                span->name, SPAN_KIND_SERVER, span->start_real_us, end_us,
                                span->attributes->str, status, message));

  g_string_free (span->attributes, TRUE);
  g_free (span->trace_state);
  g_free (span->grpc_message);
  g_free (span->name);
  seldon_tracer_unref (span->tracer);
  g_free (span);
}
