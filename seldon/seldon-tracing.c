/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * SeldonTracer: spans for the calls of the front, exported with OTLP/HTTP JSON (see
 * seldon-tracing-private.h).
 *
 * The request path only records: a span is one fixed block (ids, clock readings, the worker's
 * timings, the status, and the few strings copied into the block itself), taken from the
 * blocks already exported or allocated when the call starts, and finishing it puts the block
 * on the export queue under one short lock. The export thread renders every span of a batch
 * straight into one reused buffer (the OTLP JSON of the whole ExportTraceServiceRequest, in
 * one pass), posts it and hands the blocks back for reuse. An http:// endpoint gets the
 * thread's own small HTTP/1.1 client (one kept connection, one sendmsg() a batch: libsoup's
 * machinery cost as much as rendering the spans); https:// keeps a SoupSession. Constant
 * parts are copied whole; clock readings and ids are written with a few word operations.
 *
 * The queue is a ring of slots, one per span: a call the worker ran takes two (its component
 * span, then its server span), so OTEL_BSP_MAX_QUEUE_SIZE and OTEL_BSP_MAX_EXPORT_BATCH_SIZE
 * count spans exactly as before.
 *
 * Ids: splitmix64 over a per-tracer atomic counter seeded by getrandom() (no lock).
 */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <grpc/grpc.h>
#include <grpc/slice.h>

#include "seldon-http-private.h"
#include "seldon-tracing-private.h"
#include "seldon-version.h"

#define DEFAULT_ENDPOINT       "http://localhost:4318/v1/traces"
#define DEFAULT_SERVICE_NAME   "seldon-microservice"
#define OTLP_PORT              4318
#define MAX_TRACE_STATE        512
#define SPAN_ARENA             160     /* bytes of a span's strings kept in the span itself */
#define CHILD_SLOT             ((guintptr) 1)   /* ring slot tag: the component span */
#define MAX_SPARE_SPANS        512     /* exported spans kept for reuse (a batch of calls) */

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

/* A growable byte buffer (no NUL terminator unless asked for). */
typedef struct
{
  char  *data;
  gsize  len;
  gsize  cap;
} Buf;

/* The decimal digits of a clock reading (µs) but the last 8. */
typedef struct
{
  guint64 high;                 /* G_MAXUINT64: none yet */
  guint   len;
  char    digits[24];
} TimeDigits;

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

  atomic_uint_fast64_t ids;     /* splitmix64 counter */

  GMutex       lock;
  GCond        cond;            /* the thread waits for work; flush() waits for the thread */
  gpointer    *ring;            /* SeldonSpan *, tagged with CHILD_SLOT for a component span */
  guint        ring_size;       /* allocated slots (grows up to max_queue) */
  guint        ring_head;
  guint        ring_count;      /* spans waiting */
  gboolean     stop;
  gboolean     flush_requested;
  guint64      queued;          /* spans accepted */
  guint64      handled;         /* spans taken off the queue and sent (or failed) */
  guint64      exported;
  guint64      dropped;
  gboolean     failing;         /* the last export failed (warn once per streak) */
  GThread     *thread;

  /* exported spans for new requests: the request path allocates nothing when there are */
  GMutex       spare_lock;
  SeldonSpan  *spare;
  guint        n_spare;

  /* the export thread's own */
  Buf          body;
  TimeDigits   time_digits;
};

struct _SeldonSpan
{
  SeldonTracer *tracer;
  guint8        trace_id[16];
  guint8        span_id[8];
  guint8        parent_id[8];
  gboolean      has_parent;
  gboolean      grpc;
  guint         code;
  guint         worker_slot;
  gint64        start_real_us;
  gint64        start_mono_us;
  gint64        end_mono_us;
  /* the worker's part (seldon_span_add_reply()) */
  gint64        worker_started_us;
  gint64        worker_finished_us;
  /* strings: in arena[] when they fit, else on the heap */
  const char   *http_method;    /* REST */
  const char   *path;
  const char   *method_label;   /* NULL: unknown */
  const char   *trace_state;    /* NULL: none */
  const char   *grpc_message;   /* NULL: none */
  Buf          *attributes;     /* rendered extra attributes (JAEGER_EXTRA_TAGS, set_attribute()) */
  SeldonSpan   *next_spare;
  gsize         arena_used;
  char          arena[SPAN_ARENA];  /* last: not cleared for reuse */
};

/* ---------------------------------------------------------------------------------------- */
/* JSON                                                                                     */
/* ---------------------------------------------------------------------------------------- */

static void
buf_grow (Buf   *buf,
          gsize  more)
{
  gsize cap = MAX (buf->cap, 256);

  while (cap < buf->len + more)
    cap *= 2;
  buf->data = g_realloc (buf->data, cap);
  buf->cap = cap;
}

static inline char *
buf_reserve (Buf   *buf,
             gsize  more)
{
  if (G_UNLIKELY (buf->len + more > buf->cap))
    buf_grow (buf, more);
  return buf->data + buf->len;
}

static inline void
buf_append_len (Buf        *buf,
                const void *data,
                gsize       len)
{
  memcpy (buf_reserve (buf, len), data, len);
  buf->len += len;
}

static inline void
buf_append_c (Buf  *buf,
              char  c)
{
  *buf_reserve (buf, 1) = c;
  buf->len++;
}

#define buf_append_literal(buf, literal) buf_append_len ((buf), "" literal, sizeof (literal) - 1)

static inline void
buf_append (Buf        *buf,
            const char *text)
{
  buf_append_len (buf, text, strlen (text));
}

/* The contents as a NUL-terminated string, owned by the caller; @buf is empty afterwards. */
static char *
buf_steal_string (Buf *buf)
{
  char *text;

  buf_append_c (buf, '\0');
  text = buf->data;
  memset (buf, 0, sizeof *buf);
  return text;
}

static void
buf_clear (Buf *buf)
{
  g_clear_pointer (&buf->data, g_free);
  buf->len = buf->cap = 0;
}

/* Characters that JSON strings need not escape. */
static inline gboolean
json_plain (guchar c)
{
  return c >= 0x20 && c != '"' && c != '\\' && c != 0x7f;
}

/* Printable ASCII that JSON strings need not escape: 1 (0 for NUL, controls, '"', '\\', DEL
 * and every byte of a multi-byte character). */
static const guint8 json_safe_ascii[256] = {
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
};

/* @p … @end (valid UTF-8) escaped for a JSON string. */
static void
escape_json_chars (Buf        *out,
                   const char *p,
                   const char *end)
{
  static const char digits[] = "0123456789abcdef";

  while (p < end)
    {
      const char *run = p;
      guchar c;

      while (p < end && json_plain ((guchar) *p))
        p++;
      if (p > run)
        buf_append_len (out, run, p - run);
      if (p == end)
        break;
      c = (guchar) *p++;
      switch (c)
        {
        case '"':
          buf_append_literal (out, "\\\"");
          break;
        case '\\':
          buf_append_literal (out, "\\\\");
          break;
        case '\n':
          buf_append_literal (out, "\\n");
          break;
        case '\r':
          buf_append_literal (out, "\\r");
          break;
        case '\t':
          buf_append_literal (out, "\\t");
          break;
        default:
          {
            char escape[6] = { '\\', 'u', '0', '0', digits[c >> 4], digits[c & 0xf] };

            buf_append_len (out, escape, sizeof escape);
          }
          break;
        }
    }
}

/* The first @len bytes of @text (all when negative) as the inside of a JSON string, in valid
 * UTF-8 (invalid bytes replaced). */
static void
append_json_chars (Buf        *out,
                   const char *text,
                   gssize      len)
{
  const guchar *p = (const guchar *) text;

  /* the usual case: printable ASCII that needs no escape, copied at once */
  if (len < 0)
    {
      while (json_safe_ascii[*p])
        p++;
      if (*p == '\0')
        {
          buf_append_len (out, text, (const char *) p - text);
          return;
        }
      len = ((const char *) p - text) + strlen ((const char *) p);
    }
  else
    {
      const guchar *end = (const guchar *) text + len;

      while (p < end && json_safe_ascii[*p])
        p++;
      if (p == end)
        {
          buf_append_len (out, text, len);
          return;
        }
    }

  if (g_utf8_validate_len ((const char *) p, text + len - (const char *) p, NULL))
    escape_json_chars (out, text, text + len);
  else
    {
      g_autofree char *valid = g_utf8_make_valid (text, len);

      escape_json_chars (out, valid, valid + strlen (valid));
    }
}

/* @text as a JSON string. */
static void
append_json_text (Buf        *out,
                  const char *text)
{
  buf_append_c (out, '"');
  append_json_chars (out, text, -1);
  buf_append_c (out, '"');
}

static const char digit_pairs[] =
  "00010203040506070809101112131415161718192021222324"
  "25262728293031323334353637383940414243444546474849"
  "50515253545556575859606162636465666768697071727374"
  "75767778798081828384858687888990919293949596979899";

/* @u in decimal, ending at @end: returns the first digit. */
static inline char *
format_uint32 (char    *end,
               guint32  u)
{
  char *p = end;

  while (u >= 100)
    {
      guint32 r = u % 100;

      u /= 100;
      p -= 2;
      memcpy (p, digit_pairs + 2 * r, 2);
    }
  if (u >= 10)
    {
      p -= 2;
      memcpy (p, digit_pairs + 2 * u, 2);
    }
  else
    *--p = (char) ('0' + u);
  return p;
}

static void
append_uint (Buf     *out,
             guint64  u)
{
  char buffer[24];
  char *end = buffer + sizeof buffer;
  char *p;

  if (u < 100)
    {
      if (u < 10)
        buf_append_c (out, (char) ('0' + u));
      else
        buf_append_len (out, digit_pairs + 2 * u, 2);
      return;
    }
  if (u <= G_MAXUINT32)
    p = format_uint32 (end, (guint32) u);
  else
    {
      /* the low 8 digits (zero-padded), then the rest: 32-bit arithmetic only */
      guint32 low = (guint32) (u % 100000000);

      p = end;
      for (guint i = 0; i < 4; i++)
        {
          p -= 2;
          memcpy (p, digit_pairs + 2 * (low % 100), 2);
          low /= 100;
        }
      u /= 100000000;
      if (u <= G_MAXUINT32)
        p = format_uint32 (p, (guint32) u);
      else
        {
          guint32 middle = (guint32) (u % 100000000);

          for (guint i = 0; i < 4; i++)
            {
              p -= 2;
              memcpy (p, digit_pairs + 2 * (middle % 100), 2);
              middle /= 100;
            }
          p = format_uint32 (p, (guint32) (u / 100000000));
        }
    }
  buf_append_len (out, p, end - p);
}

static void
append_int (Buf    *out,
            gint64  value)
{
  if (value < 0)
    {
      buf_append_c (out, '-');
      append_uint (out, (guint64) 0 - (guint64) value);
    }
  else
    append_uint (out, (guint64) value);
}

/* The 8 decimal digits of @u (< 10^8), zero-padded, at @dest. */
static inline void
format_8_digits (char    *dest,
                 guint32  u)
{
  guint32 high = u / 10000, low = u % 10000;

  memcpy (dest, digit_pairs + 2 * (high / 100), 2);
  memcpy (dest + 2, digit_pairs + 2 * (high % 100), 2);
  memcpy (dest + 4, digit_pairs + 2 * (low / 100), 2);
  memcpy (dest + 6, digit_pairs + 2 * (low % 100), 2);
}

/* A clock reading in µs: the digits above the last 8 change every 100 s, so the export
 * thread keeps them ready (see TimeDigits) and writes only the last 8. */
static void
append_time_us (Buf        *out,
                TimeDigits *cache,
                gint64      us)
{
  guint64 high;
  char *dest;

  if (us < 100000000)
    {
      append_int (out, us);
      return;
    }
  high = (guint64) us / 100000000;
  if (high != cache->high)
    {
      char *end = cache->digits + sizeof cache->digits;
      char *p = end;

      do
        {
          *--p = (char) ('0' + high % 10);
          high /= 10;
        }
      while (high > 0);
      cache->len = (guint) (end - p);
      memmove (cache->digits, p, cache->len);
      cache->high = (guint64) us / 100000000;
    }
  dest = buf_reserve (out, cache->len + 8);
  memcpy (dest, cache->digits, cache->len);
  format_8_digits (dest + cache->len, (guint32) ((guint64) us % 100000000));
  out->len += cache->len + 8;
}

/* Attributes are written after "[" or after another attribute. */
static inline void
append_attribute_separator (Buf *out)
{
  if (out->len > 0 && out->data[out->len - 1] != '[')
    buf_append_c (out, ',');
}

static void
append_attribute_string (Buf        *out,
                         const char *key,
                         const char *value)
{
  append_attribute_separator (out);
  buf_append_literal (out, "{\"key\":");
  append_json_text (out, key);
  buf_append_literal (out, ",\"value\":{\"stringValue\":");
  append_json_text (out, value);
  buf_append_literal (out, "}}");
}

/* Appends a copy of the @len bytes at @offset of @out itself (a string already escaped). */
static inline void
buf_append_copy (Buf   *out,
                 gsize  offset,
                 gsize  len)
{
  char *dest = buf_reserve (out, len);

  memcpy (dest, out->data + offset, len);
  out->len += len;
}

/* A string attribute with @literal_key a JSON-safe string literal, and its value the @len
 * bytes at @offset of @out (rendered and escaped there before). */
#define append_attribute_copy_k(out, literal_key, offset, len) \
  G_STMT_START { \
    append_attribute_separator (out); \
    buf_append_literal (out, "{\"key\":\"" literal_key "\",\"value\":{\"stringValue\":\""); \
    buf_append_copy (out, offset, len); \
    buf_append_literal (out, "\"}}"); \
  } G_STMT_END

/* The same with @literal_key a JSON-safe string literal. */
#define append_attribute_string_k(out, literal_key, value) \
  G_STMT_START { \
    append_attribute_separator (out); \
    buf_append_literal (out, "{\"key\":\"" literal_key "\",\"value\":{\"stringValue\":"); \
    append_json_text (out, value); \
    buf_append_literal (out, "}}"); \
  } G_STMT_END

#define append_attribute_int_k(out, literal_key, value) \
  G_STMT_START { \
    append_attribute_separator (out); \
    buf_append_literal (out, "{\"key\":\"" literal_key "\",\"value\":{\"intValue\":\""); \
    append_int (out, value); \
    buf_append_literal (out, "\"}}"); \
  } G_STMT_END

/* 4 bytes as 8 lowercase hex digits at @dest, in a few word operations. */
static inline void
hex_encode_4 (char         *dest,
              const guint8 *bytes)
{
  guint64 x = (guint64) bytes[0] << 24 | (guint64) bytes[1] << 16 | (guint64) bytes[2] << 8 | bytes[3];
  guint64 letters;

  /* one nibble a byte, the first nibble in the most significant byte */
  x = ((x & 0xffff0000) << 16) | (x & 0xffff);
  x = ((x & G_GUINT64_CONSTANT (0x0000ff000000ff00)) << 8) | (x & G_GUINT64_CONSTANT (0x000000ff000000ff));
  x = ((x & G_GUINT64_CONSTANT (0x00f000f000f000f0)) << 4) | (x & G_GUINT64_CONSTANT (0x000f000f000f000f));
  /* 1 in the bytes of the nibbles above 9 */
  letters = ((x + G_GUINT64_CONSTANT (0x0606060606060606)) >> 4) & G_GUINT64_CONSTANT (0x0101010101010101);
  x += G_GUINT64_CONSTANT (0x3030303030303030) + letters * ('a' - '0' - 10);
  x = GUINT64_TO_BE (x);
  memcpy (dest, &x, 8);
}

static inline void
hex_encode (char         *dest,
            const guint8 *bytes,
            gsize         n)
{
  g_assert (n % 4 == 0);
  for (gsize i = 0; i < n; i += 4)
    hex_encode_4 (dest + 2 * i, bytes + i);
}

static inline void
append_hex (Buf          *out,
            const guint8 *bytes,
            gsize         n)
{
  hex_encode (buf_reserve (out, 2 * n), bytes, n);
  out->len += 2 * n;
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
  Buf out = { NULL, };
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

  buf_append_literal (&out, "{\"attributes\":[");

  append_attribute_string (&out, "service.name", self->service_name);
  append_attribute_string (&out, "telemetry.sdk.name", "libseldon");
  append_attribute_string (&out, "telemetry.sdk.language", "c");
  append_attribute_string (&out, "telemetry.sdk.version", SELDON_VERSION_S);
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
      append_attribute_string (&out, key, g_ptr_array_index (pairs, i - 1));
    }
  buf_append_literal (&out, "]}");
  self->resource_json = buf_steal_string (&out);
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
/* Spans: recording                                                                         */
/* ---------------------------------------------------------------------------------------- */

/* splitmix64 over the tracer's counter: distinct values until the counter wraps, no lock. */
static inline guint64
next_id (SeldonTracer *self)
{
  guint64 z = atomic_fetch_add_explicit (&self->ids, G_GUINT64_CONSTANT (0x9e3779b97f4a7c15),
                                         memory_order_relaxed);

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* A random non-zero id of @n bytes (8 or 16). */
static void
random_id (SeldonTracer *self,
           guint8       *out,
           gsize         n)
{
  do
    {
      for (gsize i = 0; i < n; i += 8)
        {
          guint64 r = next_id (self);

          memcpy (out + i, &r, 8);
        }
    }
  while (all_zero (out, n));
}

/* A copy of @text that lives as long as @span: in the span's arena when it fits. */
static const char *
span_keep_string (SeldonSpan *span,
                  const char *text)
{
  gsize size = strlen (text) + 1;
  char *copy;

  if (size > SPAN_ARENA - span->arena_used)
    return g_strdup (text);
  copy = span->arena + span->arena_used;
  span->arena_used += size;
  memcpy (copy, text, size);
  return copy;
}

static void
span_release_string (SeldonSpan *span,
                     const char *text)
{
  guintptr p = (guintptr) text, arena = (guintptr) span->arena;

  if (text != NULL && (p < arena || p >= arena + SPAN_ARENA))
    g_free ((char *) text);
}

/* A span to fill: a spare one, else a new one. */
static SeldonSpan *
span_new (SeldonTracer *self)
{
  SeldonSpan *span;

  g_mutex_lock (&self->spare_lock);
  span = self->spare;
  if (span != NULL)
    {
      self->spare = span->next_spare;
      self->n_spare--;
    }
  g_mutex_unlock (&self->spare_lock);
  if (span == NULL)
    span = g_malloc (sizeof *span);
  memset (span, 0, G_STRUCT_OFFSET (SeldonSpan, arena));
  return span;
}

/* Frees what @span holds besides itself. */
static void
span_clear (SeldonSpan *span)
{
  span_release_string (span, span->http_method);
  span_release_string (span, span->path);
  span_release_string (span, span->method_label);
  span_release_string (span, span->trace_state);
  span_release_string (span, span->grpc_message);
  if (span->attributes != NULL)
    {
      buf_clear (span->attributes);
      g_free (span->attributes);
    }
}

static void
span_free (SeldonSpan *span)
{
  span_clear (span);
  g_free (span);
}

static Buf *
span_attributes (SeldonSpan *span)
{
  if (span->attributes == NULL)
    span->attributes = g_new0 (Buf, 1);
  return span->attributes;
}

/* The worker ran the call: the span gets a child span for that part. */
static inline gboolean
span_has_child (const SeldonSpan *span)
{
  return span->worker_started_us != 0 && span->worker_finished_us >= span->worker_started_us;
}

/* ---------------------------------------------------------------------------------------- */
/* Spans: rendering (export thread)                                                         */
/* ---------------------------------------------------------------------------------------- */

static int
span_status (const SeldonSpan  *span,
             const char       **message)
{
  *message = NULL;
  if (span->grpc)
    {
      if (span->code == 0)
        return STATUS_UNSET;
      *message = span->grpc_message;
      return STATUS_ERROR;
    }
  if (span->code == 0)
    {
      *message = "No answer was sent: the client went away";
      return STATUS_ERROR;
    }
  return span->code >= 500 ? STATUS_ERROR : STATUS_UNSET;
}

/* {"traceId":…,"spanId":…[,"parentSpanId":…][,"traceState":…],"name": */
static void
render_head (Buf              *out,
             const SeldonSpan *span,
             const guint8      span_id[8],
             const guint8     *parent_id)
{
  buf_append_literal (out, "{\"traceId\":\"");
  append_hex (out, span->trace_id, 16);
  buf_append_literal (out, "\",\"spanId\":\"");
  append_hex (out, span_id, 8);
  buf_append_c (out, '"');
  if (parent_id != NULL)
    {
      buf_append_literal (out, ",\"parentSpanId\":\"");
      append_hex (out, parent_id, 8);
      buf_append_c (out, '"');
    }
  if (span->trace_state != NULL)
    {
      buf_append_literal (out, ",\"traceState\":");
      append_json_text (out, span->trace_state);
    }
  buf_append_literal (out, ",\"name\":");
}

/* ,"kind":…,"startTimeUnixNano":…,"endTimeUnixNano":…,"attributes":[ */
static void
render_times (SeldonTracer *self,
              Buf          *out,
              int           kind,
              gint64        start_us,
              gint64        end_us)
{
  buf_append_literal (out, ",\"kind\":");
  append_int (out, kind);
  buf_append_literal (out, ",\"startTimeUnixNano\":\"");
  append_time_us (out, &self->time_digits, start_us);
  buf_append_literal (out, "000\",\"endTimeUnixNano\":\"");
  append_time_us (out, &self->time_digits, MAX (end_us, start_us));
  buf_append_literal (out, "000\",\"attributes\":[");
}

/* ],"status":{…}} */
static void
render_status (Buf        *out,
               int         status,
               const char *message)
{
  buf_append_literal (out, "],\"status\":{");
  if (status != STATUS_UNSET)
    {
      buf_append_literal (out, "\"code\":");
      append_int (out, status);
      if (message != NULL)
        {
          buf_append_literal (out, ",\"message\":");
          append_json_text (out, message);
        }
    }
  buf_append_literal (out, "}}");
}

static void
append_worker_slot (Buf              *out,
                    const SeldonSpan *span)
{
  append_attribute_separator (out);
  buf_append_literal (out, "{\"key\":\"seldon.worker_id\",\"value\":{\"stringValue\":\"");
  append_uint (out, span->worker_slot);
  buf_append_literal (out, "\"}}");
}

/* The span of the worker's part (span_has_child()), timed by the worker on the shared
 * monotonic clock. */
static void
render_child_span (SeldonTracer     *self,
                   Buf              *out,
                   const SeldonSpan *span)
{
  const char *message;
  guint8 child_id[8];
  gint64 start_us = span->start_real_us + (span->worker_started_us - span->start_mono_us);
  gint64 end_us = span->start_real_us + (span->worker_finished_us - span->start_mono_us);
  int status = span_status (span, &message);
  gsize label_at, label_len;

  random_id (self, child_id, sizeof child_id);
  render_head (out, span, child_id, span->span_id);
  buf_append_literal (out, "\"component ");
  label_at = out->len;
  append_json_chars (out, span->method_label != NULL ? span->method_label : "call", -1);
  label_len = out->len - label_at;
  buf_append_c (out, '"');
  render_times (self, out, SPAN_KIND_INTERNAL, start_us, end_us);
  append_worker_slot (out, span);
  if (span->method_label != NULL)
    append_attribute_copy_k (out, "seldon.method", label_at, label_len);
  render_status (out, status == STATUS_ERROR && span->code != 0 ? STATUS_ERROR : STATUS_UNSET, NULL);
}

static void
render_server_span (SeldonTracer     *self,
                    Buf              *out,
                    const SeldonSpan *span)
{
  const char *message;
  int status = span_status (span, &message);
  gint64 end_us = span->start_real_us + (span->end_mono_us - span->start_mono_us);

  render_head (out, span, span->span_id, span->has_parent ? span->parent_id : NULL);
  if (span->grpc)
    {
      const char *name = span->path[0] == '/' ? span->path + 1 : span->path;
      const char *slash = strrchr (name, '/');

      append_json_text (out, *name != '\0' ? name : "grpc");
      render_times (self, out, SPAN_KIND_SERVER, span->start_real_us, end_us);
      append_attribute_string_k (out, "rpc.system", "grpc");
      if (slash != NULL)
        {
          append_attribute_separator (out);
          buf_append_literal (out, "{\"key\":\"rpc.service\",\"value\":{\"stringValue\":\"");
          append_json_chars (out, name, slash - name);
          buf_append_literal (out, "\"}}");
          append_attribute_string_k (out, "rpc.method", slash + 1);
        }
    }
  else
    {
      gsize method_at, method_len, path_at, path_len;

      buf_append_c (out, '"');
      method_at = out->len;
      append_json_chars (out, span->http_method, -1);
      method_len = out->len - method_at;
      buf_append_c (out, ' ');
      path_at = out->len;
      append_json_chars (out, span->path, -1);
      path_len = out->len - path_at;
      buf_append_c (out, '"');
      render_times (self, out, SPAN_KIND_SERVER, span->start_real_us, end_us);
      append_attribute_copy_k (out, "http.request.method", method_at, method_len);
      append_attribute_copy_k (out, "url.path", path_at, path_len);
      append_attribute_string_k (out, "network.protocol.name", "http");
    }
  if (span->attributes != NULL && span->attributes->len > 0)
    {
      append_attribute_separator (out);
      buf_append_len (out, span->attributes->data, span->attributes->len);
    }
  if (span->method_label != NULL)
    append_attribute_string_k (out, "seldon.method", span->method_label);
  if (span->grpc)
    append_attribute_int_k (out, "rpc.grpc.status_code", span->code);
  else if (span->code != 0)
    append_attribute_int_k (out, "http.response.status_code", span->code);
  if (span_has_child (span))
    {
      append_worker_slot (out, span);
      append_attribute_int_k (out, "seldon.queue_time_us",
                              MAX (span->worker_started_us - span->start_mono_us, 0));
    }
  render_status (out, status, message);
}

static inline SeldonSpan *
slot_span (gpointer slot)
{
  return (SeldonSpan *) ((guintptr) slot & ~CHILD_SLOT);
}

static inline gboolean
slot_is_child (gpointer slot)
{
  return ((guintptr) slot & CHILD_SLOT) != 0;
}

/* The ExportTraceServiceRequest of @n spans, in self->body. */
static void
render_request (SeldonTracer    *self,
                gpointer const  *slots,
                guint            n)
{
  Buf *out = &self->body;

  out->len = 0;
  buf_append_literal (out, "{\"resourceSpans\":[{\"resource\":");
  buf_append (out, self->resource_json);
  buf_append_literal (out, ",\"scopeSpans\":[{\"scope\":{\"name\":\"libseldon\",\"version\":\""
                           SELDON_VERSION_S "\"},\"spans\":[");
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        buf_append_c (out, ',');
      if (slot_is_child (slots[i]))
        render_child_span (self, out, slot_span (slots[i]));
      else
        render_server_span (self, out, slot_span (slots[i]));
    }
  buf_append_literal (out, "]}]}]}");
}

/* A span's component slot comes before its server slot, possibly in an earlier batch: the
 * server slot releases the span, for reuse while there are not too many spare spans. */
static void
release_slots (SeldonTracer   *self,
               gpointer const *slots,
               guint           n)
{
  SeldonSpan *chain = NULL, *last = NULL;
  guint room, count = 0;

  /* only this thread adds spare spans: the room can only grow until they are added */
  g_mutex_lock (&self->spare_lock);
  room = MAX_SPARE_SPANS - self->n_spare;
  g_mutex_unlock (&self->spare_lock);

  for (guint i = 0; i < n; i++)
    if (!slot_is_child (slots[i]))
      {
        SeldonSpan *span = slot_span (slots[i]);

        span_clear (span);
        if (count == room)
          {
            g_free (span);
            continue;
          }
        span->next_spare = chain;
        if (chain == NULL)
          last = span;
        chain = span;
        count++;
      }
  if (chain == NULL)
    return;

  g_mutex_lock (&self->spare_lock);
  last->next_spare = self->spare;
  self->spare = chain;
  self->n_spare += count;
  g_mutex_unlock (&self->spare_lock);
}

/* ---------------------------------------------------------------------------------------- */
/* A small HTTP/1.1 client for http:// endpoints (export thread)                            */
/* ---------------------------------------------------------------------------------------- */

/* One keep-alive connection, blocking I/O with the export timeout on every operation (as the
 * libsoup session's "timeout"): each batch is one sendmsg() of the head and the body, then
 * the status line is read and the answer's body drained (Content-Length, chunked, or up to
 * the end of the connection). A reused connection the server closed meanwhile is opened
 * again and the batch sent once more, as libsoup does. https:// endpoints, and the few set-ups
 * this client does not cover (proxies, credentials in the URL, reserved request headers),
 * keep libsoup. */
typedef struct
{
  char    *host;            /* to resolve (an IPv6 address without brackets) */
  char    *port;
  char    *head;            /* the request head, up to "Content-Length: " */
  gsize    head_len;
  int      timeout_s;
  int      fd;              /* -1: not connected */
  gboolean received;        /* bytes of an answer came on this connection */
  gsize    in_pos;
  gsize    in_len;
  char     reason[128];     /* the reason phrase of the last status line */
  char     in[4096];
} HttpClient;

static gboolean
header_field_ok (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (*p == '\r' || *p == '\n')
      return FALSE;
  return TRUE;
}

/* Whether the process is set up to use a proxy (libsoup's resolver would use it). */
static gboolean
proxy_configured (void)
{
  static const char *const names[] = {
    "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *value = g_getenv (names[i]);

      if (value != NULL && *value != '\0')
        return TRUE;
    }
  return FALSE;
}

/* FALSE: libsoup exports. */
static gboolean
http_client_init (HttpClient   *client,
                  SeldonTracer *self)
{
  static const char *const reserved[] = {
    "Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Connection", "Expect",
    "Accept-Encoding", "Keep-Alive", "TE", "Upgrade", "Trailer",
  };
  g_autoptr(GUri) uri = g_uri_parse (self->endpoint, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr(GString) head = NULL;
  const char *host, *path, *query;
  int port;

  memset (client, 0, sizeof *client);
  client->fd = -1;
  if (uri == NULL || g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0 ||
      g_uri_get_userinfo (uri) != NULL || proxy_configured ())
    return FALSE;
  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0' || !header_field_ok (host))
    return FALSE;
  for (guint i = 0; i < self->headers->len; i++)
    {
      const char *text = g_ptr_array_index (self->headers, i);

      if (!header_field_ok (text) || (i % 2 == 0 && (*text == '\0' || strchr (text, ':') != NULL)))
        return FALSE;
      if (i % 2 == 0)
        for (gsize j = 0; j < G_N_ELEMENTS (reserved); j++)
          if (g_ascii_strcasecmp (text, reserved[j]) == 0)
            return FALSE;
    }

  port = g_uri_get_port (uri);
  if (port < 0)
    port = 80;
  path = g_uri_get_path (uri);
  query = g_uri_get_query (uri);
  if (!header_field_ok (path) || strchr (path, ' ') != NULL ||
      (query != NULL && (!header_field_ok (query) || strchr (query, ' ') != NULL)))
    return FALSE;

  head = g_string_new ("POST ");
  g_string_append (head, *path != '\0' ? path : "/");
  if (query != NULL)
    g_string_append_printf (head, "?%s", query);
  g_string_append (head, " HTTP/1.1\r\nHost: ");
  if (strchr (host, ':') != NULL)
    g_string_append_printf (head, "[%s]", host);
  else
    g_string_append (head, host);
  if (port != 80)
    g_string_append_printf (head, ":%d", port);
  g_string_append (head, "\r\nUser-Agent: libseldon-otlp/" SELDON_VERSION_S "\r\n");
  /* the headers replace each other by name (the last one wins), as in libsoup */
  for (guint i = 0; i < self->headers->len; i += 2)
    {
      const char *name = g_ptr_array_index (self->headers, i);
      gboolean replaced = FALSE;

      if (g_ascii_strcasecmp (name, "Content-Type") == 0)
        continue;
      for (guint j = i + 2; j < self->headers->len && !replaced; j += 2)
        replaced = g_ascii_strcasecmp (name, g_ptr_array_index (self->headers, j)) == 0;
      if (!replaced)
        g_string_append_printf (head, "%s: %s\r\n", name,
                                (const char *) g_ptr_array_index (self->headers, i + 1));
    }
  g_string_append (head, "Content-Type: application/json\r\nContent-Length: ");

  client->host = g_strdup (host);
  client->port = g_strdup_printf ("%d", port);
  client->head_len = head->len;
  client->head = g_string_free (g_steal_pointer (&head), FALSE);
  client->timeout_s = (int) MAX (self->timeout_ms / 1000, 1);
  return TRUE;
}

static void
http_client_close (HttpClient *client)
{
  if (client->fd >= 0)
    close (client->fd);
  client->fd = -1;
  client->in_pos = client->in_len = 0;
}

static void
http_client_clear (HttpClient *client)
{
  http_client_close (client);
  g_clear_pointer (&client->host, g_free);
  g_clear_pointer (&client->port, g_free);
  g_clear_pointer (&client->head, g_free);
}

static void
set_errno_error (GError     **error,
                 int          code,
                 const char  *what)
{
  /* a blocking connect() that SO_SNDTIMEO ended fails with EINPROGRESS */
  if (code == EAGAIN || code == EWOULDBLOCK || code == EINPROGRESS)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s: timed out", what);
  else
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (code), "%s: %s", what, g_strerror (code));
}

static gboolean
http_client_connect (HttpClient  *client,
                     GError     **error)
{
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
  struct addrinfo *list = NULL;
  struct timeval timeout = { .tv_sec = client->timeout_s };
  int code = ECONNREFUSED;
  int rc;

  rc = getaddrinfo (client->host, client->port, &hints, &list);
  if (rc != 0)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                   "Cannot resolve “%s”: %s", client->host, gai_strerror (rc));
      return FALSE;
    }
  for (struct addrinfo *ai = list; ai != NULL && client->fd < 0; ai = ai->ai_next)
    {
      int one = 1;
      int fd = socket (ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);

      if (fd < 0)
        {
          code = errno;
          continue;
        }
      /* Linux applies SO_SNDTIMEO to connect() too */
      setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
      setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (connect (fd, ai->ai_addr, ai->ai_addrlen) == 0)
        client->fd = fd;
      else
        {
          code = errno;
          close (fd);
        }
    }
  freeaddrinfo (list);
  if (client->fd < 0)
    {
      g_autofree char *what = g_strdup_printf ("Could not connect to %s", client->host);

      set_errno_error (error, code, what);
      return FALSE;
    }
  client->in_pos = client->in_len = 0;
  return TRUE;
}

/* An idle connection is usable when the server has neither closed it nor sent anything. */
static gboolean
http_client_idle_ok (HttpClient *client)
{
  struct pollfd pfd = { .fd = client->fd, .events = POLLIN };

  return poll (&pfd, 1, 0) == 0;
}

static gboolean
http_client_send (HttpClient  *client,
                  const char  *body,
                  gsize        len,
                  GError     **error)
{
  char length[32];
  int n = g_snprintf (length, sizeof length, "%" G_GSIZE_FORMAT "\r\n\r\n", len);
  struct iovec iov[3] = {
    { client->head, client->head_len },
    { length, (gsize) n },
    { (char *) body, len },
  };
  struct msghdr msg = { .msg_iov = iov, .msg_iovlen = G_N_ELEMENTS (iov) };

  while (msg.msg_iovlen > 0)
    {
      ssize_t sent = sendmsg (client->fd, &msg, MSG_NOSIGNAL);

      if (sent < 0)
        {
          if (errno == EINTR)
            continue;
          set_errno_error (error, errno, "Error sending the request");
          return FALSE;
        }
      while (msg.msg_iovlen > 0 && (gsize) sent >= msg.msg_iov[0].iov_len)
        {
          sent -= msg.msg_iov[0].iov_len;
          msg.msg_iov++;
          msg.msg_iovlen--;
        }
      if (msg.msg_iovlen > 0)
        {
          msg.msg_iov[0].iov_base = (char *) msg.msg_iov[0].iov_base + sent;
          msg.msg_iov[0].iov_len -= sent;
        }
    }
  return TRUE;
}

/* Reads more of the answer: > 0 bytes, 0 at the end of the connection, -1 on error. */
static gssize
http_client_fill (HttpClient  *client,
                  GError     **error)
{
  gssize n;

  if (client->in_pos == client->in_len)
    client->in_pos = client->in_len = 0;
  else if (client->in_pos > 0)
    {
      memmove (client->in, client->in + client->in_pos, client->in_len - client->in_pos);
      client->in_len -= client->in_pos;
      client->in_pos = 0;
    }
  if (client->in_len == sizeof client->in)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The answer has a header line too long");
      return -1;
    }
  do
    n = recv (client->fd, client->in + client->in_len, sizeof client->in - client->in_len, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      set_errno_error (error, errno, "Error reading the answer");
      return -1;
    }
  if (n == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                           "Connection terminated unexpectedly");
      return 0;
    }
  client->received = TRUE;
  client->in_len += n;
  return n;
}

/* The next line of the answer without its end (NUL-terminated in place), NULL on error. */
static char *
http_client_line (HttpClient  *client,
                  GError     **error)
{
  for (;;)
    {
      char *start = client->in + client->in_pos;
      char *nl = memchr (start, '\n', client->in_len - client->in_pos);

      if (nl != NULL)
        {
          char *end = nl;

          if (end > start && end[-1] == '\r')
            end--;
          *end = '\0';
          client->in_pos = (gsize) (nl + 1 - client->in);
          return start;
        }
      if (http_client_fill (client, error) <= 0)
        return NULL;
    }
}

static gboolean
http_client_skip (HttpClient  *client,
                  guint64      n,
                  GError     **error)
{
  while (n > 0)
    {
      gsize take = MIN (client->in_len - client->in_pos, n);

      if (take == 0)
        {
          if (http_client_fill (client, error) <= 0)
            return FALSE;
          continue;
        }
      client->in_pos += take;
      n -= take;
    }
  return TRUE;
}

static gboolean
parse_size (const char *text,
            guint       base,
            guint64    *size)
{
  char *end;

  while (*text == ' ' || *text == '\t')
    text++;
  if (!g_ascii_isxdigit (*text))
    return FALSE;
  *size = g_ascii_strtoull (text, &end, base);
  while (*end == ' ' || *end == '\t')
    end++;
  /* chunk extensions follow a ';' */
  return *end == '\0' || (base == 16 && *end == ';');
}

static gboolean
http_client_read_answer (HttpClient  *client,
                         guint       *status,
                         GError     **error)
{
  for (;;)
    {
      gboolean keep_alive, chunked = FALSE, has_length = FALSE;
      guint64 length = 0;
      char *line;
      guint code;

      if ((line = http_client_line (client, error)) == NULL)
        return FALSE;
      if (!g_str_has_prefix (line, "HTTP/1.") || !g_ascii_isdigit (line[7]) || line[8] != ' ' ||
          !g_ascii_isdigit (line[9]) || !g_ascii_isdigit (line[10]) || !g_ascii_isdigit (line[11]) ||
          (line[12] != ' ' && line[12] != '\0'))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "Could not parse HTTP response");
          return FALSE;
        }
      keep_alive = line[7] != '0';
      code = (guint) ((line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0'));
      g_strlcpy (client->reason, line[12] == ' ' ? line + 13 : "", sizeof client->reason);

      while ((line = http_client_line (client, error)) != NULL && *line != '\0')
        {
          char *value = strchr (line, ':');

          if (value == NULL)
            continue;
          *value++ = '\0';
          g_strstrip (value);
          if (g_ascii_strcasecmp (line, "Content-Length") == 0)
            {
              if (!parse_size (value, 10, &length))
                {
                  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                       "Could not parse HTTP response");
                  return FALSE;
                }
              has_length = TRUE;
            }
          else if (g_ascii_strcasecmp (line, "Transfer-Encoding") == 0)
            chunked = g_ascii_strcasecmp (value, "identity") != 0;
          else if (g_ascii_strcasecmp (line, "Connection") == 0)
            {
              g_autofree char *lower = g_ascii_strdown (value, -1);

              if (strstr (lower, "close") != NULL)
                keep_alive = FALSE;
              else if (strstr (lower, "keep-alive") != NULL)
                keep_alive = TRUE;
            }
        }
      if (line == NULL)
        return FALSE;

      /* an interim answer: the final one follows */
      if (code >= 100 && code < 200)
        continue;

      if (code == 204 || code == 304)
        ;
      else if (chunked)
        {
          guint64 size;

          do
            {
              if ((line = http_client_line (client, error)) == NULL)
                return FALSE;
              if (!parse_size (line, 16, &size))
                {
                  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                       "Could not parse the chunked answer");
                  return FALSE;
                }
              if (size > 0 &&
                  (!http_client_skip (client, size, error) || http_client_line (client, error) == NULL))
                return FALSE;
            }
          while (size > 0);
          /* trailers, up to an empty line */
          while ((line = http_client_line (client, error)) != NULL && *line != '\0')
            ;
          if (line == NULL)
            return FALSE;
        }
      else if (has_length)
        {
          if (!http_client_skip (client, length, error))
            return FALSE;
        }
      else
        {
          gssize n;

          /* up to the end of the connection */
          client->in_pos = client->in_len;
          while ((n = http_client_fill (client, error)) > 0)
            client->in_pos = client->in_len;
          if (n < 0)
            return FALSE;
          g_clear_error (error);
          keep_alive = FALSE;
        }

      if (!keep_alive)
        http_client_close (client);
      *status = code;
      return TRUE;
    }
}

/* Posts @body: TRUE when an answer came (its status in *@status). */
static gboolean
http_client_post (HttpClient  *client,
                  const char  *body,
                  gsize        len,
                  guint       *status,
                  GError     **error)
{
  for (guint attempt = 0;; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean reused = FALSE;

      if (client->fd >= 0)
        {
          if (http_client_idle_ok (client))
            reused = TRUE;
          else
            http_client_close (client);
        }
      if (!reused && !http_client_connect (client, error))
        return FALSE;
      client->received = FALSE;
      client->reason[0] = '\0';
      if (http_client_send (client, body, len, &local_error) &&
          http_client_read_answer (client, status, &local_error))
        return TRUE;
      http_client_close (client);
      /* the server closed the kept connection meanwhile: once more on a new one */
      if (reused && !client->received && attempt == 0)
        continue;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Export                                                                                   */
/* ---------------------------------------------------------------------------------------- */

/* Posts self->body with libsoup (https://). TRUE when an answer came. */
static gboolean
soup_post (SeldonTracer  *self,
           SoupSession   *session,
           guint         *status,
           char          *reason,
           gsize          reason_size,
           GError       **error)
{
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, self->endpoint);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  SoupMessageHeaders *headers;

  if (msg == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Invalid URL “%s”", self->endpoint);
      return FALSE;
    }
  /* the buffer is reused for the next batch, after this message is gone */
  body = g_bytes_new_static (self->body.data, self->body.len);
  headers = soup_message_get_request_headers (msg);
  for (guint i = 0; i < self->headers->len; i += 2)
    soup_message_headers_replace (headers, g_ptr_array_index (self->headers, i),
                                  g_ptr_array_index (self->headers, i + 1));
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  answer = soup_session_send_and_read (session, msg, NULL, error);
  *status = soup_message_get_status (msg);
  g_strlcpy (reason, soup_message_get_reason_phrase (msg) != NULL ? soup_message_get_reason_phrase (msg) : "",
             reason_size);
  return answer != NULL;
}

/* In the export thread: @session for https://, else @client. */
static gboolean
export_batch (SeldonTracer   *self,
              SoupSession    *session,
              HttpClient     *client,
              gpointer const *slots,
              guint           n)
{
  g_autoptr(GError) error = NULL;
  guint status = 0;
  gboolean answered;

  render_request (self, slots, n);
  if (session != NULL)
    answered = soup_post (self, session, &status, client->reason, sizeof client->reason, &error);
  else
    answered = http_client_post (client, self->body.data, self->body.len, &status, &error);
  if (answered && status >= 200 && status < 300)
    {
      if (self->failing)
        g_info ("Tracing: exporting to %s works again", self->endpoint);
      self->failing = FALSE;
      return TRUE;
    }
  if (!self->failing)
    g_warning ("Tracing: cannot export %u span(s) to %s: %s", n, self->endpoint,
               error != NULL ? error->message : client->reason);
  self->failing = TRUE;
  return FALSE;
}

static gpointer
export_thread (gpointer user_data)
{
  SeldonTracer *self = user_data;
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autofree gpointer *batch = g_new (gpointer, self->max_batch);
  g_autofree HttpClient *client = g_new (HttpClient, 1);

  if (!http_client_init (client, self))
    {
      context = g_main_context_new ();
      g_main_context_push_thread_default (context);
      session = soup_session_new_with_options ("timeout", MAX (self->timeout_ms / 1000, 1),
                                               "user-agent", "libseldon-otlp/" SELDON_VERSION_S,
                                               NULL);
    }

  g_mutex_lock (&self->lock);
  for (;;)
    {
      gint64 deadline = g_get_monotonic_time () + self->delay_us;
      gboolean ok;
      guint n, first;

      while (!self->stop && !self->flush_requested && self->ring_count < self->max_batch)
        if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
          break;

      if (self->ring_count == 0)
        {
          self->flush_requested = FALSE;
          g_cond_broadcast (&self->cond);
          if (self->stop)
            break;
          continue;
        }

      /* take the oldest spans, at most a batch: the queue has room for new ones at once */
      n = MIN (self->ring_count, self->max_batch);
      first = MIN (n, self->ring_size - self->ring_head);
      memcpy (batch, self->ring + self->ring_head, first * sizeof (gpointer));
      memcpy (batch + first, self->ring, (n - first) * sizeof (gpointer));
      self->ring_head += n;
      if (self->ring_head >= self->ring_size)
        self->ring_head -= self->ring_size;
      self->ring_count -= n;

      g_mutex_unlock (&self->lock);
      ok = export_batch (self, session, client, batch, n);
      release_slots (self, batch, n);
      g_mutex_lock (&self->lock);

      self->handled += n;
      if (ok)
        self->exported += n;
      else
        self->dropped += n;
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->lock);

  http_client_clear (client);
  if (session != NULL)
    {
      g_clear_object (&session);
      g_main_context_pop_thread_default (context);
    }
  return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Tracer                                                                                   */
/* ---------------------------------------------------------------------------------------- */

/* GLib 2.74 deadlocks when one thread initializes a class (holding the class-init lock) that
 * needs a type another thread is registering with an interface (which waits for that lock):
 * the export thread's first SoupSession and SoupMessage did so while the front registered its
 * socket types to listen. Their classes, and those of the connections they make, are
 * initialized here, in the thread that creates the tracer. */
static void
init_export_classes (SeldonTracer *self)
{
  const GType types[] = {
    G_TYPE_SOCKET_CLIENT, G_TYPE_SOCKET, G_TYPE_TCP_CONNECTION, G_TYPE_INET_SOCKET_ADDRESS,
    G_TYPE_NETWORK_ADDRESS, G_TYPE_MEMORY_INPUT_STREAM, G_TYPE_MEMORY_OUTPUT_STREAM,
  };
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, self->endpoint);

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    g_type_class_unref (g_type_class_ref (types[i]));
}

/* A random seed for the ids. */
static guint64
random_seed (void)
{
  guint64 seed;
  gsize got = 0;

  while (got < sizeof seed)
    {
      ssize_t n = getrandom ((char *) &seed + got, sizeof seed - got, 0);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          /* no getrandom(): GLib's generator seeds itself from /dev/urandom */
          return (guint64) g_random_int () << 32 | g_random_int ();
        }
      got += (gsize) n;
    }
  return seed;
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
  g_mutex_init (&self->lock);
  g_mutex_init (&self->spare_lock);
  g_cond_init (&self->cond);
  atomic_store (&self->ids, random_seed ());
  self->headers = g_ptr_array_new_with_free_func (g_free);
  self->time_digits.high = G_MAXUINT64;

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

  init_export_classes (self);
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
  /* the thread sent everything before it stopped; a tracer that failed to start has none */
  for (guint i = 0; i < self->ring_count; i++)
    {
      gpointer slot = self->ring[(self->ring_head + i) % self->ring_size];

      if (!slot_is_child (slot))
        span_free (slot_span (slot));
    }
  g_free (self->ring);
  buf_clear (&self->body);
  while (self->spare != NULL)
    {
      SeldonSpan *next = self->spare->next_spare;

      g_free (self->spare);
      self->spare = next;
    }
  g_mutex_clear (&self->spare_lock);
  g_ptr_array_unref (self->headers);
  g_strfreev (self->extra_tags);
  g_strfreev (self->envp);
  g_free (self->endpoint);
  g_free (self->service_name);
  g_free (self->resource_json);
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

/* Takes @span: queues its spans (the component span first when @child), or drops them when
 * the queue is full. */
static void
enqueue (SeldonTracer *self,
         SeldonSpan   *span,
         gboolean      child)
{
  guint n = child ? 2 : 1;
  guint before, tail;

  g_mutex_lock (&self->lock);
  if (self->ring_count + n > self->max_queue)
    {
      self->dropped += n;
      g_mutex_unlock (&self->lock);
      span_free (span);
      return;
    }
  if (self->ring_count + n > self->ring_size)
    {
      guint size = MAX (self->ring_size, 128);
      gpointer *ring;

      while (size < self->ring_count + n)
        size *= 2;
      size = MIN (size, self->max_queue);
      ring = g_new (gpointer, size);
      for (guint i = 0; i < self->ring_count; i++)
        ring[i] = self->ring[(self->ring_head + i) % self->ring_size];
      g_free (self->ring);
      self->ring = ring;
      self->ring_size = size;
      self->ring_head = 0;
    }
  tail = self->ring_head + self->ring_count;
  if (tail >= self->ring_size)
    tail -= self->ring_size;
  if (child)
    {
      self->ring[tail] = (gpointer) ((guintptr) span | CHILD_SLOT);
      if (++tail == self->ring_size)
        tail = 0;
    }
  self->ring[tail] = span;
  before = self->ring_count;
  self->ring_count += n;
  self->queued += n;
  /* a full batch: wake the export thread (once per batch) */
  if (before < self->max_batch && self->ring_count >= self->max_batch)
    g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
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
                SeldonTracer          *tracer,
                const char            *protocol,
                const char            *http_method,
                const char            *path,
                SeldonTraceLookupFunc  lookup,
                gpointer               lookup_data)
{
  for (guint i = 0; tracer->extra_tags[i] != NULL; i++)
    {
      const char *tag = tracer->extra_tags[i];
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
        append_attribute_string (span_attributes (span), tag, value);
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
    random_id (self, trace_id, sizeof trace_id);
  if (!sample (self, trace_id, has_parent, parent_sampled))
    return NULL;

  /* a spare span, or the only allocation of a span without long strings */
  span = span_new (self);
  span->tracer = seldon_tracer_ref (self);
  span->start_real_us = g_get_real_time ();
  span->start_mono_us = g_get_monotonic_time ();
  span->grpc = g_str_equal (protocol, "grpc");
  memcpy (span->trace_id, trace_id, sizeof trace_id);
  random_id (self, span->span_id, sizeof span->span_id);
  if (has_parent)
    {
      memcpy (span->parent_id, parent_id, sizeof parent_id);
      span->has_parent = TRUE;
      if (trace_state != NULL && *trace_state != '\0' && strlen (trace_state) <= MAX_TRACE_STATE)
        span->trace_state = span_keep_string (span, trace_state);
    }
  if (!span->grpc)
    span->http_method = span_keep_string (span, http_method != NULL ? http_method : "GET");
  span->path = span_keep_string (span, path);
  if (self->extra_tags != NULL)
    add_extra_tags (span, self, protocol, http_method, path, lookup, lookup_data);
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

  append_attribute_string (span_attributes (span), key, value);
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
  span_release_string (span, span->grpc_message);
  span->grpc_message = reply->grpc_message != NULL ? span_keep_string (span, reply->grpc_message) : NULL;
}

char *
seldon_span_dup_traceparent (SeldonSpan *span)
{
  char text[56];

  if (span == NULL)
    return NULL;
  memcpy (text, "00-", 3);
  hex_encode (text + 3, span->trace_id, sizeof span->trace_id);
  text[35] = '-';
  hex_encode (text + 36, span->span_id, sizeof span->span_id);
  memcpy (text + 52, "-01", 4);
  return g_strdup (text);
}

void
seldon_span_finish (SeldonSpan        *span,
                    const char        *method_label,
                    guint              code,
                    const SeldonReply *reply)
{
  SeldonTracer *tracer;

  if (span == NULL)
    return;

  seldon_span_add_reply (span, reply);
  span->end_mono_us = g_get_monotonic_time ();
  span->code = code;
  span_release_string (span, span->method_label);
  span->method_label = method_label != NULL ? span_keep_string (span, method_label) : NULL;

  /* the export thread renders it and hands it back for reuse */
  tracer = span->tracer;
  enqueue (tracer, span, span_has_child (span));
  seldon_tracer_unref (tracer);
}
