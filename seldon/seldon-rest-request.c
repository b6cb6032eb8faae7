/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <string.h>

#include "seldon-error.h"
#include "seldon-rest-request-private.h"

/*
 * The REST routes (rest-api.md §2) and how a call's request is found in an HTTP request
 * (rest-api.md §3). The front only finds the JSON text; parsing it and everything Seldon is
 * the worker's job, except for multipart forms, whose message has to be assembled from parts.
 */

#define GET_POST (SELDON_REST_METHOD_GET | SELDON_REST_METHOD_POST)
#define ALLOW_GET_POST "GET, HEAD, OPTIONS, POST"
#define ALLOW_POST "OPTIONS, POST"
#define ALLOW_GET "GET, HEAD, OPTIONS"

#define CALL_ROUTE(p, m, meth, pass, allow) \
  { p, m, SELDON_REST_ROUTE_CALL, meth, TRUE, pass, allow }
#define GET_ROUTE(p, kind, meth) \
  { p, SELDON_REST_METHOD_GET, kind, meth, FALSE, FALSE, ALLOW_GET }

static const SeldonRestRoute routes[] = {
  CALL_ROUTE ("/predict", GET_POST, SELDON_METHOD_PREDICT, TRUE, ALLOW_GET_POST),
  CALL_ROUTE ("/api/v1.0/predictions", SELDON_REST_METHOD_POST, SELDON_METHOD_PREDICT, TRUE, ALLOW_POST),
  CALL_ROUTE ("/api/v0.1/predictions", SELDON_REST_METHOD_POST, SELDON_METHOD_PREDICT, TRUE, ALLOW_POST),
  CALL_ROUTE ("/transform-input", GET_POST, SELDON_METHOD_TRANSFORM_INPUT, FALSE, ALLOW_GET_POST),
  CALL_ROUTE ("/transform-output", GET_POST, SELDON_METHOD_TRANSFORM_OUTPUT, FALSE, ALLOW_GET_POST),
  CALL_ROUTE ("/route", GET_POST, SELDON_METHOD_ROUTE, FALSE, ALLOW_GET_POST),
  CALL_ROUTE ("/aggregate", GET_POST, SELDON_METHOD_AGGREGATE, FALSE, ALLOW_GET_POST),
  CALL_ROUTE ("/send-feedback", GET_POST, SELDON_METHOD_SEND_FEEDBACK, FALSE, ALLOW_GET_POST),
  CALL_ROUTE ("/api/v1.0/feedback", SELDON_REST_METHOD_POST, SELDON_METHOD_SEND_FEEDBACK, FALSE, ALLOW_POST),
  CALL_ROUTE ("/api/v0.1/feedback", SELDON_REST_METHOD_POST, SELDON_METHOD_SEND_FEEDBACK, FALSE, ALLOW_POST),
  GET_ROUTE ("/health/ping", SELDON_REST_ROUTE_PING, SELDON_METHOD_HEALTH_STATUS),
  GET_ROUTE ("/health/status", SELDON_REST_ROUTE_CALL, SELDON_METHOD_HEALTH_STATUS),
  GET_ROUTE ("/api/v1.0/health/status", SELDON_REST_ROUTE_CALL, SELDON_METHOD_HEALTH_STATUS),
  GET_ROUTE ("/metadata", SELDON_REST_ROUTE_CALL, SELDON_METHOD_METADATA),
  GET_ROUTE ("/api/v1.0/metadata", SELDON_REST_ROUTE_CALL, SELDON_METHOD_METADATA),
  GET_ROUTE ("/seldon.json", SELDON_REST_ROUTE_OPENAPI, SELDON_METHOD_METADATA),
};

const SeldonRestRoute *
seldon_rest_route_lookup (const char *path)
{
  if (path == NULL)
    return NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (routes); i++)
    if (strcmp (routes[i].path, path) == 0)
      return &routes[i];
  return NULL;
}

gboolean
seldon_rest_route_allows (const SeldonRestRoute *route,
                          const char            *http_method)
{
  g_return_val_if_fail (route != NULL, FALSE);

  if (http_method == NULL)
    return FALSE;
  if (strcmp (http_method, "GET") == 0 || strcmp (http_method, "HEAD") == 0)
    return (route->methods & SELDON_REST_METHOD_GET) != 0;
  if (strcmp (http_method, "POST") == 0)
    return (route->methods & SELDON_REST_METHOD_POST) != 0;
  return FALSE;
}

/* Decodes %XX escapes into @out; a '%' not followed by two hex digits is kept. */
static void
append_unescaped (GString    *out,
                  const char *s,
                  gsize       len,
                  gboolean    plus_is_space)
{
  for (gsize i = 0; i < len; i++)
    {
      if (s[i] == '%' && i + 2 < len && g_ascii_isxdigit (s[i + 1]) && g_ascii_isxdigit (s[i + 2]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (s[i + 1]) * 16 +
                                          g_ascii_xdigit_value (s[i + 2])));
          i += 2;
        }
      else if (plus_is_space && s[i] == '+')
        g_string_append_c (out, ' ');
      else
        g_string_append_c (out, s[i]);
    }
}

/* Like g_utf8_validate_len(), but NUL bytes are valid (they are, in Python). */
static gboolean
utf8_validate (const char  *data,
               gsize        len,
               gsize       *bad_pos)
{
  gsize pos = 0;

  while (pos < len)
    {
      const char *nul = memchr (data + pos, '\0', len - pos);
      gsize seg_len = (nul != NULL ? (gsize) (nul - data) : len) - pos;
      const char *end;

      if (!g_utf8_validate_len (data + pos, seg_len, &end))
        {
          if (bad_pos != NULL)
            *bad_pos = (gsize) (end - data);
          return FALSE;
        }
      pos += seg_len + (nul != NULL ? 1 : 0);
    }
  return TRUE;
}

/* @data as valid UTF-8, invalid sequences replaced by U+FFFD (Python's errors="replace"); NUL
 * bytes are kept. */
static GString *
utf8_make_valid (const char *data,
                 gsize       len)
{
  GString *out = g_string_sized_new (len);
  gsize pos = 0;

  while (pos < len)
    {
      const char *nul = memchr (data + pos, '\0', len - pos);
      gsize seg_len = (nul != NULL ? (gsize) (nul - data) : len) - pos;

      if (g_utf8_validate_len (data + pos, seg_len, NULL))
        g_string_append_len (out, data + pos, (gssize) seg_len);
      else
        {
          g_autofree char *valid = g_utf8_make_valid (data + pos, (gssize) seg_len);

          g_string_append (out, valid);
        }
      if (nul != NULL)
        g_string_append_c (out, '\0');
      pos += seg_len + (nul != NULL ? 1 : 0);
    }
  return out;
}

char *
seldon_rest_decode_path (const char *raw_path)
{
  GString *out;

  if (raw_path == NULL)
    return NULL;

  out = g_string_sized_new (strlen (raw_path));
  append_unescaped (out, raw_path, strlen (raw_path), FALSE);
  return g_string_free (out, FALSE);
}

/* The decoded bytes as valid UTF-8 (Werkzeug decodes with errors="replace"). */
static GBytes *
bytes_make_valid_utf8 (GString *decoded)
{
  GString *valid;
  gsize len;

  if (utf8_validate (decoded->str, decoded->len, NULL))
    valid = decoded;
  else
    {
      valid = utf8_make_valid (decoded->str, decoded->len);
      g_string_free (decoded, TRUE);
    }
  len = valid->len;
  return g_bytes_new_take (g_string_free (valid, FALSE), len);
}

GBytes *
seldon_rest_form_lookup (const char *encoded,
                         gssize      length,
                         const char *key)
{
  const char *p, *end;
  gsize key_len;

  g_return_val_if_fail (key != NULL, NULL);

  if (encoded == NULL)
    return NULL;
  if (length < 0)
    length = (gssize) strlen (encoded);

  key_len = strlen (key);
  p = encoded;
  end = encoded + length;
  while (p < end)
    {
      const char *amp = memchr (p, '&', (gsize) (end - p));
      const char *pair_end = amp != NULL ? amp : end;
      const char *eq = memchr (p, '=', (gsize) (pair_end - p));
      const char *key_end = eq != NULL ? eq : pair_end;

      if (pair_end > p)
        {
          g_autoptr(GString) name = g_string_new (NULL);

          append_unescaped (name, p, (gsize) (key_end - p), TRUE);
          if (name->len == key_len && memcmp (name->str, key, key_len) == 0)
            {
              GString *value = g_string_new (NULL);

              if (eq != NULL)
                append_unescaped (value, eq + 1, (gsize) (pair_end - eq - 1), TRUE);
              return bytes_make_valid_utf8 (value);
            }
        }
      p = pair_end + 1;
    }
  return NULL;
}

char *
seldon_rest_get_mime_type (const char *content_type)
{
  const char *semi;
  g_autofree char *type = NULL;

  if (content_type == NULL)
    return NULL;

  semi = strchr (content_type, ';');
  type = semi != NULL ? g_strndup (content_type, (gsize) (semi - content_type)) : g_strdup (content_type);
  g_strstrip (type);
  return g_ascii_strdown (type, -1);
}

/* Werkzeug's Request.is_json: application/json, or application/<anything>+json. */
gboolean
seldon_rest_is_json_type (const char *content_type)
{
  g_autofree char *mime = seldon_rest_get_mime_type (content_type);

  if (mime == NULL)
    return FALSE;
  return strcmp (mime, "application/json") == 0 ||
         (g_str_has_prefix (mime, "application/") && g_str_has_suffix (mime, "+json"));
}

/* Python's UnicodeDecodeError text for the first invalid UTF-8 sequence of @data, e.g.
 * `'utf-8' codec can't decode byte 0xff in position 0: invalid start byte`. */
static char *
python_utf8_error (const guchar *data,
                   gsize         len,
                   gsize         pos)
{
  guchar c = data[pos];
  gsize need, got = 1;
  const char *reason;

  if (c >= 0xC2 && c <= 0xDF)
    need = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    need = 3;
  else if (c >= 0xF0 && c <= 0xF4)
    need = 4;
  else
    need = 0;

  if (need == 0)
    reason = "invalid start byte";
  else
    {
      reason = "unexpected end of data";
      for (got = 1; got < need; got++)
        {
          guchar lo = 0x80, hi = 0xBF, b;

          if (pos + got >= len)
            break;
          b = data[pos + got];
          if (got == 1)
            {
              if (c == 0xE0)
                lo = 0xA0;
              else if (c == 0xED)
                hi = 0x9F;
              else if (c == 0xF0)
                lo = 0x90;
              else if (c == 0xF4)
                hi = 0x8F;
            }
          if (b < lo || b > hi)
            {
              reason = "invalid continuation byte";
              break;
            }
        }
    }

  if (got == 1)
    return g_strdup_printf ("'utf-8' codec can't decode byte 0x%02x in position %" G_GSIZE_FORMAT ": %s",
                            c, pos, reason);
  return g_strdup_printf ("'utf-8' codec can't decode bytes in position %" G_GSIZE_FORMAT "-%" G_GSIZE_FORMAT ": %s",
                          pos, pos + got - 1, reason);
}

/* A text field: json.loads() of its text (Python's messages), `strData` kept as text. */
static SeldonJson *
decode_text_field (const char *name,
                   GBytes     *data,
                   GError    **error)
{
  gsize len;
  const char *raw = g_bytes_get_data (data, &len);
  g_autofree char *text = NULL;
  g_autoptr(GError) parse_error = NULL;
  SeldonJson *value;

  /* Werkzeug decodes form fields as UTF-8 with errors="replace". */
  if (utf8_validate (raw != NULL ? raw : "", len, NULL))
    text = g_strndup (raw != NULL ? raw : "", len);
  else
    {
      GString *valid = utf8_make_valid (raw, len);

      len = valid->len;
      text = g_string_free (valid, FALSE);
    }

  if (strcmp (name, "strData") == 0)
    return seldon_json_new_string_len (text, len);

  if (len >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    {
      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED,
                           "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)");
      return NULL;
    }

  value = seldon_json_parse (text, (gssize) len, &parse_error);
  if (value == NULL)
    g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, parse_error->message);
  return value;
}

/* A file field: `binData` base64-encoded, anything else strict UTF-8 text. */
static SeldonJson *
decode_file_field (const char *name,
                   GBytes     *data,
                   GError    **error)
{
  gsize len;
  const guchar *raw = g_bytes_get_data (data, &len);
  gsize bad_pos;

  if (raw == NULL)
    raw = (const guchar *) "";

  if (strcmp (name, "binData") == 0)
    return seldon_json_new_string_take (g_base64_encode (raw, len));

  if (!utf8_validate ((const char *) raw, len, &bad_pos))
    {
      g_autofree char *message = python_utf8_error (raw, len, bad_pos);

      g_set_error_literal (error, SELDON_ERROR, SELDON_ERROR_FAILED, message);
      return NULL;
    }
  return seldon_json_new_string_len ((const char *) raw, len);
}

SeldonJson *
seldon_rest_decode_multipart (SoupMessageHeaders  *headers,
                              GBytes              *body,
                              GError             **error)
{
  g_autoptr(SoupMultipart) multipart = NULL;
  g_autoptr(SeldonJson) message = seldon_json_new_object ();
  g_autoptr(GPtrArray) file_names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) file_data = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GHashTable) seen_fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) seen_files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GBytes) empty = NULL;
  int n_parts;

  g_return_val_if_fail (headers != NULL, NULL);

  if (body == NULL)
    body = empty = g_bytes_new_static ("", 0);

  /* A form that cannot be split into parts (no boundary, no closing delimiter) has no fields,
   * like Werkzeug's empty form: the message is then `{}`. */
  multipart = soup_multipart_new_from_message (headers, body);
  if (multipart == NULL)
    return g_steal_pointer (&message);

  /* Upstream walks the text fields first, then the files; for a repeated name the first part
   * wins (Werkzeug MultiDict.get). */
  n_parts = soup_multipart_get_length (multipart);
  for (int i = 0; i < n_parts; i++)
    {
      SoupMessageHeaders *part_headers;
      GBytes *part_body;
      g_autofree char *disposition = NULL;
      g_autoptr(GHashTable) params = NULL;
      const char *name, *filename;
      SeldonJson *value;

      if (!soup_multipart_get_part (multipart, i, &part_headers, &part_body))
        continue;
      if (!soup_message_headers_get_content_disposition (part_headers, &disposition, &params))
        continue;
      name = g_hash_table_lookup (params, "name");
      if (name == NULL)
        continue;
      filename = g_hash_table_lookup (params, "filename");
      if (g_hash_table_contains (params, "filename") || filename != NULL)
        {
          if (g_hash_table_add (seen_files, g_strdup (name)))
            {
              g_ptr_array_add (file_names, g_strdup (name));
              g_ptr_array_add (file_data, g_bytes_ref (part_body));
            }
          continue;
        }
      if (!g_hash_table_add (seen_fields, g_strdup (name)))
        continue;

      value = decode_text_field (name, part_body, error);
      if (value == NULL)
        return NULL;
      seldon_json_object_set (message, name, value);
    }

  for (guint i = 0; i < file_names->len; i++)
    {
      const char *name = g_ptr_array_index (file_names, i);
      SeldonJson *value = decode_file_field (name, g_ptr_array_index (file_data, i), error);

      if (value == NULL)
        return NULL;
      seldon_json_object_set (message, name, value);
    }

  return g_steal_pointer (&message);
}

SeldonCall *
seldon_rest_request_build_call (const SeldonRestRoute  *route,
                                SoupMessageHeaders     *headers,
                                const char             *query,
                                GBytes                 *body,
                                gboolean                passthrough,
                                GError                **error)
{
  g_autoptr(SeldonCall) call = NULL;
  g_autoptr(GBytes) json = NULL;
  g_autofree char *mime = NULL;
  const char *content_type;

  g_return_val_if_fail (route != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  call = seldon_call_new (route->method, SELDON_TRANSPORT_REST);
  if (!route->reads_request)
    return g_steal_pointer (&call);

  content_type = headers != NULL ? soup_message_headers_get_one (headers, "Content-Type") : NULL;

  /* §3.1: upstream tests the raw header for the substring, case-sensitively. Passthrough does
   * not change this: the form's message goes through the decoded path. */
  if (content_type != NULL && strstr (content_type, "multipart/form-data") != NULL)
    {
      call->value = seldon_rest_decode_multipart (headers, body, error);
      if (call->value == NULL)
        return NULL;
      return g_steal_pointer (&call);
    }

  passthrough = passthrough && route->passthrough;
  mime = seldon_rest_get_mime_type (content_type);

  /* §3.2: form field `json` > query parameter `json`; an empty value does not count. */
  if (body != NULL && mime != NULL && strcmp (mime, "application/x-www-form-urlencoded") == 0)
    {
      gsize len;
      const char *data = g_bytes_get_data (body, &len);

      json = seldon_rest_form_lookup (data, (gssize) len, "json");
      if (json != NULL && g_bytes_get_size (json) == 0)
        g_clear_pointer (&json, g_bytes_unref);
    }
  if (json == NULL && query != NULL)
    {
      json = seldon_rest_form_lookup (query, -1, "json");
      if (json != NULL && g_bytes_get_size (json) == 0)
        g_clear_pointer (&json, g_bytes_unref);
    }
  if (json != NULL)
    {
      call->body = g_steal_pointer (&json);
      call->flags |= SELDON_CALL_FLAGS_JSON_PARAM;
      if (passthrough)
        call->flags |= SELDON_CALL_FLAGS_PASSTHROUGH;
      return g_steal_pointer (&call);
    }

  /* §3.4: the raw body, whatever its type (possibly empty). */
  if (passthrough)
    {
      call->flags |= SELDON_CALL_FLAGS_PASSTHROUGH;
      call->body = body != NULL ? g_bytes_ref (body) : g_bytes_new_static ("", 0);
      return g_steal_pointer (&call);
    }

  /* §3.3: the body only with a JSON media type; else no JSON (400 from the worker). */
  if (seldon_rest_is_json_type (content_type))
    call->body = body != NULL ? g_bytes_ref (body) : g_bytes_new_static ("", 0);

  return g_steal_pointer (&call);
}
