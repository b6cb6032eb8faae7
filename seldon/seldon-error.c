/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <string.h>

#include "seldon-error.h"
#include "seldon-error-private.h"

/*
 * The one table that maps SeldonError codes to what clients see: HTTP status, Seldon reason and
 * gRPC status (STYLE.md §2.4). Transports never invent codes; they ask here.
 */

/* gRPC status codes (grpc/status.h), spelled out so the library does not need gRPC headers. */
enum
{
  GRPC_OK = 0,
  GRPC_UNKNOWN = 2,
  GRPC_DEADLINE_EXCEEDED = 4,
  GRPC_NOT_FOUND = 5,
  GRPC_RESOURCE_EXHAUSTED = 8,
  GRPC_UNIMPLEMENTED = 12,
  GRPC_INTERNAL = 13,
  GRPC_UNAVAILABLE = 14,
};

typedef struct
{
  int http_status;
  const char *reason;
  int grpc_status;
} ErrorInfo;

static const ErrorInfo error_table[] = {
  [SELDON_ERROR_FAILED]             = { 500, "MICROSERVICE_INTERNAL_ERROR", GRPC_UNKNOWN },
  [SELDON_ERROR_BAD_DATA]           = { 400, "MICROSERVICE_BAD_DATA", GRPC_UNKNOWN },
  [SELDON_ERROR_NOT_IMPLEMENTED]    = { 400, "MICROSERVICE_BAD_DATA", GRPC_UNKNOWN },
  [SELDON_ERROR_BAD_METRIC]         = { 500, "MICROSERVICE_BAD_METRIC", GRPC_UNKNOWN },
  [SELDON_ERROR_BAD_METADATA]       = { 500, "MICROSERVICE_BAD_METADATA", GRPC_UNKNOWN },
  [SELDON_ERROR_BAD_PARAMETER]      = { 500, "MICROSERVICE_BAD_PARAMETER", GRPC_UNKNOWN },
  [SELDON_ERROR_INVALID_CONFIG]     = { 500, "MICROSERVICE_INTERNAL_ERROR", GRPC_UNKNOWN },
  [SELDON_ERROR_NOT_FOUND]          = { 404, "MICROSERVICE_INTERNAL_ERROR", GRPC_UNIMPLEMENTED },
  [SELDON_ERROR_METHOD_NOT_ALLOWED] = { 405, "MICROSERVICE_INTERNAL_ERROR", GRPC_UNIMPLEMENTED },
  [SELDON_ERROR_TOO_LARGE]          = { 413, "MICROSERVICE_BAD_DATA", GRPC_RESOURCE_EXHAUSTED },
  [SELDON_ERROR_UNAVAILABLE]        = { 503, "MICROSERVICE_INTERNAL_ERROR", GRPC_UNAVAILABLE },
  [SELDON_ERROR_TIMEOUT]            = { 504, "MICROSERVICE_INTERNAL_ERROR", GRPC_DEADLINE_EXCEEDED },
  [SELDON_ERROR_LOAD_FAILED]        = { 500, "MICROSERVICE_INTERNAL_ERROR", GRPC_UNKNOWN },
};

static const ErrorInfo unknown_error = { 500, "MICROSERVICE_INTERNAL_ERROR", GRPC_UNKNOWN };

/* Extended error data: an error made by seldon_error_new_custom() carries its own status and
 * reason (a component raising SeldonMicroserviceException(message, status_code, reason)). */
typedef struct
{
  int http_status;
  char *reason;
} SeldonErrorPrivate;

static void
seldon_error_private_init (SeldonErrorPrivate *priv)
{
  priv->http_status = 0;
  priv->reason = NULL;
}

static void
seldon_error_private_copy (const SeldonErrorPrivate *src,
                           SeldonErrorPrivate       *dest)
{
  dest->http_status = src->http_status;
  dest->reason = g_strdup (src->reason);
}

static void
seldon_error_private_clear (SeldonErrorPrivate *priv)
{
  g_clear_pointer (&priv->reason, g_free);
}

/**
 * seldon_error_quark:
 *
 * The quark of the %SELDON_ERROR domain.
 *
 * Returns: the error domain quark
 *
 * Since: 1.0
 */
G_DEFINE_EXTENDED_ERROR (SeldonError, seldon_error)

static const ErrorInfo *
lookup_info (const GError *error)
{
  if (error != NULL && error->domain == SELDON_ERROR &&
      error->code >= 0 && (gsize) error->code < G_N_ELEMENTS (error_table))
    return &error_table[error->code];
  return &unknown_error;
}

/*
 * Bindings (PyGObject) rebuild a raised GError from its domain, code and message only, so the
 * extended data of seldon_error_new_custom() cannot cross them. They encode a custom answer in
 * those three instead: domain SELDON_ERROR, code = the HTTP status (100-599, above every
 * SeldonError code) and message = U+001E REASON U+001E TEXT (the reason part may be empty).
 */
#define CUSTOM_SEPARATOR '\x1e'

/*
 * A binding can also hand over a whole HTTP answer of its own (a Python component's
 * `model_error_handler`, rest-api.md §8.4): domain SELDON_ERROR, code = the HTTP status
 * (100-599) and message = U+001D CONTENT-TYPE U+001D LENGTH U+001D BODY INFO, LENGTH being
 * the size of BODY in bytes (decimal) and INFO the text of the error (gRPC and logs).
 */
#define RESPONSE_SEPARATOR '\x1d'

static gboolean
is_encoded_custom (const GError *error)
{
  return error->domain == SELDON_ERROR && error->code >= 100 && error->code <= 599;
}

static const char *
encoded_reason (const GError *error)
{
  const char *msg = error->message;
  const char *end;

  if (msg == NULL || msg[0] != CUSTOM_SEPARATOR)
    return NULL;
  end = strchr (msg + 1, CUSTOM_SEPARATOR);
  if (end == NULL || end == msg + 1)
    return NULL;
  {
    g_autofree char *reason = g_strndup (msg + 1, end - msg - 1);
    return g_intern_string (reason);
  }
}

gboolean
seldon_error_get_response (const GError *error,
                           const char  **content_type,
                           const char  **body,
                           gsize        *body_len,
                           const char  **info)
{
  const char *msg, *type_end, *len_end;
  gsize msg_len;
  guint64 len;
  char *parsed_end = NULL;

  g_return_val_if_fail (error != NULL, FALSE);

  msg = error->message;
  if (!is_encoded_custom (error) || msg == NULL || msg[0] != RESPONSE_SEPARATOR)
    return FALSE;
  type_end = strchr (msg + 1, RESPONSE_SEPARATOR);
  if (type_end == NULL || !g_ascii_isdigit (type_end[1]))
    return FALSE;
  len = g_ascii_strtoull (type_end + 1, &parsed_end, 10);
  len_end = parsed_end;
  msg_len = strlen (msg);
  if (len_end == NULL || *len_end != RESPONSE_SEPARATOR || len > msg_len - (gsize) (len_end + 1 - msg))
    return FALSE;

  if (content_type != NULL)
    {
      g_autofree char *type = g_strndup (msg + 1, (gsize) (type_end - msg - 1));
      *content_type = type[0] != '\0' ? g_intern_string (type) : NULL;
    }
  if (body != NULL)
    *body = len_end + 1;
  if (body_len != NULL)
    *body_len = (gsize) len;
  if (info != NULL)
    *info = len_end + 1 + len;
  return TRUE;
}

/* The text clients see as `info`: the message without an encoded reason (see above). */
const char *
seldon_error_get_info (const GError *error)
{
  const char *msg;
  const char *end;
  const char *info;

  g_return_val_if_fail (error != NULL, "");

  msg = error->message != NULL ? error->message : "";
  if (seldon_error_get_response (error, NULL, NULL, NULL, &info))
    return info;
  if (!is_encoded_custom (error) || msg[0] != CUSTOM_SEPARATOR)
    return msg;
  end = strchr (msg + 1, CUSTOM_SEPARATOR);
  return end != NULL ? end + 1 : msg;
}

static SeldonErrorPrivate *
get_private (const GError *error)
{
  if (error == NULL || error->domain != SELDON_ERROR)
    return NULL;
  return seldon_error_get_private (error);
}

/**
 * seldon_error_new_custom:
 * @http_status: the HTTP status to answer with, 100 to 599
 * @reason: (nullable): the Seldon `reason` text; %NULL means `MICROSERVICE_BAD_DATA`
 * @message: the message (`info` in the REST error object)
 *
 * Makes the error a component returns to answer with its own status and reason, like a Python
 * component raising `SeldonMicroserviceException(message, status_code=..., reason=...)`.
 *
 * Bindings whose raised errors keep only domain, code and message (PyGObject) can make the
 * same answer with an error of the %SELDON_ERROR domain whose code is the HTTP status (100 to
 * 599) and whose message is the reason and the text, each preceded by the character U+001E:
 * `"\x1eTEAPOT\x1eI am a teapot"`. The Python override offers `Seldon.custom_error()` for that.
 *
 * Its code is %SELDON_ERROR_BAD_DATA; [func@Seldon.Error.get_http_status] and
 * [func@Seldon.Error.get_reason] return @http_status and @reason.
 *
 * Returns: (transfer full): a new error
 *
 * Since: 1.0
 */
GError *
seldon_error_new_custom (int         http_status,
                         const char *reason,
                         const char *message)
{
  GError *error;
  SeldonErrorPrivate *priv;

  g_return_val_if_fail (http_status >= 100 && http_status <= 599, NULL);
  g_return_val_if_fail (message != NULL, NULL);

  error = g_error_new_literal (SELDON_ERROR, SELDON_ERROR_BAD_DATA, message);
  priv = seldon_error_get_private (error);
  priv->http_status = http_status;
  priv->reason = g_strdup (reason != NULL ? reason : "MICROSERVICE_BAD_DATA");
  return error;
}

/**
 * seldon_set_error_custom: (skip)
 * @error: (out) (optional): return location for the error
 * @http_status: the HTTP status to answer with, 100 to 599
 * @reason: (nullable): the Seldon `reason` text; %NULL means `MICROSERVICE_BAD_DATA`
 * @message: the message
 *
 * Sets @error to [func@Seldon.Error.new_custom]'s error, if @error is not %NULL.
 *
 * Since: 1.0
 */
void
seldon_set_error_custom (GError    **error,
                         int         http_status,
                         const char *reason,
                         const char *message)
{
  if (error == NULL)
    return;
  g_return_if_fail (*error == NULL);
  *error = seldon_error_new_custom (http_status, reason, message);
}

/**
 * seldon_error_get_http_status:
 * @error: an error of any domain
 *
 * The HTTP status that answers @error: the custom status of an error made by
 * [func@Seldon.Error.new_custom], the status of its #SeldonError code, or 500 for errors of
 * other domains.
 *
 * Returns: an HTTP status code
 *
 * Since: 1.0
 */
int
seldon_error_get_http_status (const GError *error)
{
  SeldonErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, 500);

  priv = get_private (error);
  if (priv != NULL && priv->http_status != 0)
    return priv->http_status;
  if (is_encoded_custom (error))
    return error->code;
  return lookup_info (error)->http_status;
}

/**
 * seldon_error_get_reason:
 * @error: an error of any domain
 *
 * The Seldon `reason` text that answers @error, e.g. `MICROSERVICE_BAD_DATA`.
 *
 * Returns: (transfer none): the reason
 *
 * Since: 1.0
 */
const char *
seldon_error_get_reason (const GError *error)
{
  SeldonErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, unknown_error.reason);

  priv = get_private (error);
  if (priv != NULL && priv->reason != NULL)
    return priv->reason;
  if (is_encoded_custom (error))
    {
      const char *reason = encoded_reason (error);

      if (reason == NULL && seldon_error_get_response (error, NULL, NULL, NULL, NULL))
        return unknown_error.reason;
      return reason != NULL ? reason : "MICROSERVICE_BAD_DATA";
    }
  return lookup_info (error)->reason;
}

/**
 * seldon_error_get_grpc_status:
 * @error: an error of any domain
 *
 * The gRPC status code that answers @error (grpc-api.md §6): `UNKNOWN` (2) for component and
 * conversion errors, `DEADLINE_EXCEEDED`, `RESOURCE_EXHAUSTED` or `UNAVAILABLE` for the
 * server's own limits.
 *
 * Returns: a gRPC status code
 *
 * Since: 1.0
 */
int
seldon_error_get_grpc_status (const GError *error)
{
  g_return_val_if_fail (error != NULL, GRPC_UNKNOWN);

  return lookup_info (error)->grpc_status;
}
