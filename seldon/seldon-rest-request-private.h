/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The HTTP side of the REST front: the route table (rest-api.md §2) and finding the request in
 * an HTTP message (rest-api.md §3). Everything here is pure (no I/O, no server state), so it
 * can be unit-tested without sockets.
 */

#include <libsoup/soup.h>

#include "seldon-call-private.h"

G_BEGIN_DECLS

typedef enum
{
  SELDON_REST_ROUTE_CALL,       /* a Seldon method, run by the worker */
  SELDON_REST_ROUTE_PING,       /* /health/ping, answered by the front */
  SELDON_REST_ROUTE_OPENAPI,    /* /seldon.json, answered by the front */
} SeldonRestRouteKind;

typedef enum
{
  SELDON_REST_METHOD_GET  = 1 << 0,   /* implies HEAD */
  SELDON_REST_METHOD_POST = 1 << 1,
} SeldonRestMethods;

typedef struct
{
  const char          *path;
  SeldonRestMethods    methods;
  SeldonRestRouteKind  kind;
  SeldonMethod         method;        /* SELDON_REST_ROUTE_CALL */
  gboolean             reads_request; /* the call carries a request found per §3 */
  gboolean             passthrough;   /* a predict route: PAYLOAD_PASSTHROUGH applies (§3.4) */
  const char          *allow;         /* the `Allow` header: methods + HEAD + OPTIONS, sorted */
} SeldonRestRoute;

/* Exact, case-sensitive match of the decoded path; NULL when no route serves it. */
const SeldonRestRoute *seldon_rest_route_lookup     (const char             *path);
/* Whether @http_method is served by @route: GET routes also take HEAD. OPTIONS is not a route
 * method (the front answers it for every route). */
gboolean               seldon_rest_route_allows     (const SeldonRestRoute  *route,
                                                     const char             *http_method);

/* Percent-decodes a request path (invalid escapes stay as they are). */
char                  *seldon_rest_decode_path      (const char             *raw_path);

/* The first value of @key in an `application/x-www-form-urlencoded` text (a query string or a
 * form body) as UTF-8 bytes: `+` is a space, `%XX` escapes are decoded (invalid ones kept),
 * invalid UTF-8 is replaced by U+FFFD, like Werkzeug. A key without `=` has the empty value.
 * NULL if absent. @length may be -1 for a NUL-terminated @encoded. */
GBytes                *seldon_rest_form_lookup      (const char             *encoded,
                                                     gssize                  length,
                                                     const char             *key);

/* Content-Type helpers (rest-api.md §3). */
char                  *seldon_rest_get_mime_type    (const char             *content_type);
gboolean               seldon_rest_is_json_type     (const char             *content_type);

/* The message built from a multipart/form-data body (rest-api.md §3.1). Errors (a text field
 * that is not JSON, a file that is not UTF-8) have Python's messages and SELDON_ERROR_FAILED. */
SeldonJson            *seldon_rest_decode_multipart (SoupMessageHeaders     *headers,
                                                     GBytes                 *body,
                                                     GError                **error);

/*
 * Finds the request of @route in an HTTP request (rest-api.md §3): multipart form, else the
 * `json` form field, else the `json` query parameter, else a JSON body. @query is the raw
 * (still encoded) query string or NULL, @body the request body or NULL. With @passthrough
 * (PAYLOAD_PASSTHROUGH) the predict routes get the `json` text or the raw body undecoded.
 * Returns NULL with @error only for a multipart form that cannot be decoded.
 */
SeldonCall            *seldon_rest_request_build_call (const SeldonRestRoute *route,
                                                       SoupMessageHeaders    *headers,
                                                       const char            *query,
                                                       GBytes                *body,
                                                       gboolean               passthrough,
                                                       GError               **error);

G_END_DECLS
