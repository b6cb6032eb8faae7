/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SELDON_INSIDE) && !defined(SELDON_COMPILATION)
# error "Only <seldon/seldon.h> can be included directly."
#endif

#include <glib.h>

#include "seldon-version-macros.h"

G_BEGIN_DECLS

/**
 * SELDON_ERROR:
 *
 * The error domain of libseldon.
 *
 * Since: 1.0
 */
#define SELDON_ERROR (seldon_error_quark ())

/**
 * SeldonError:
 * @SELDON_ERROR_FAILED: any other failure; REST 500 `MICROSERVICE_INTERNAL_ERROR`, gRPC `UNKNOWN`
 * @SELDON_ERROR_BAD_DATA: the request or a component result is not acceptable; REST 400
 *   `MICROSERVICE_BAD_DATA`, gRPC `UNKNOWN`
 * @SELDON_ERROR_NOT_IMPLEMENTED: the component does not implement this method; the server
 *   applies the method's fallback (if it escapes: REST 400 `MICROSERVICE_BAD_DATA`)
 * @SELDON_ERROR_BAD_METRIC: a custom metric failed validation; REST 500 `MICROSERVICE_BAD_METRIC`
 * @SELDON_ERROR_BAD_METADATA: the model metadata failed validation; REST 500
 *   `MICROSERVICE_BAD_METADATA`
 * @SELDON_ERROR_BAD_PARAMETER: a model parameter could not be converted (start-up)
 * @SELDON_ERROR_INVALID_CONFIG: a setting has an invalid value (start-up)
 * @SELDON_ERROR_NOT_FOUND: no route serves this path; REST 404
 * @SELDON_ERROR_METHOD_NOT_ALLOWED: the path exists, the HTTP method does not; REST 405
 * @SELDON_ERROR_TOO_LARGE: the request exceeds a size limit; REST 413, gRPC `RESOURCE_EXHAUSTED`
 * @SELDON_ERROR_UNAVAILABLE: no worker could run the call (it died or the server is stopping);
 *   REST 503, gRPC `UNAVAILABLE`
 * @SELDON_ERROR_TIMEOUT: the call overran its deadline; REST 504, gRPC `DEADLINE_EXCEEDED`
 * @SELDON_ERROR_LOAD_FAILED: the component's `load()` failed (start-up)
 *
 * Error codes of the %SELDON_ERROR domain. Each code maps to one HTTP status, one Seldon
 * `reason` text and one gRPC status ([func@Seldon.Error.get_http_status],
 * [func@Seldon.Error.get_reason]); an error made with [func@Seldon.Error.new_custom] carries
 * its own HTTP status and reason instead.
 *
 * Since: 1.0
 */
typedef enum
{
  SELDON_ERROR_FAILED,
  SELDON_ERROR_BAD_DATA,
  SELDON_ERROR_NOT_IMPLEMENTED,
  SELDON_ERROR_BAD_METRIC,
  SELDON_ERROR_BAD_METADATA,
  SELDON_ERROR_BAD_PARAMETER,
  SELDON_ERROR_INVALID_CONFIG,
  SELDON_ERROR_NOT_FOUND,
  SELDON_ERROR_METHOD_NOT_ALLOWED,
  SELDON_ERROR_TOO_LARGE,
  SELDON_ERROR_UNAVAILABLE,
  SELDON_ERROR_TIMEOUT,
  SELDON_ERROR_LOAD_FAILED,
} SeldonError;

SELDON_AVAILABLE_IN_1_0
GQuark       seldon_error_quark           (void);

SELDON_AVAILABLE_IN_1_0
GError      *seldon_error_new_custom      (int           http_status,
                                           const char   *reason,
                                           const char   *message);
SELDON_AVAILABLE_IN_1_0
void         seldon_set_error_custom      (GError      **error,
                                           int           http_status,
                                           const char   *reason,
                                           const char   *message);
SELDON_AVAILABLE_IN_1_0
int          seldon_error_get_http_status (const GError *error);
SELDON_AVAILABLE_IN_1_0
const char  *seldon_error_get_reason      (const GError *error);
SELDON_AVAILABLE_IN_1_0
int          seldon_error_get_grpc_status (const GError *error);

G_END_DECLS
