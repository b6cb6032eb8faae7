/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The `info` text of @error: its message, less the reason a binding encoded in it. */
const char *seldon_error_get_info (const GError *error);

/* When @error carries a whole HTTP answer from a binding (seldon-error.c: a Python
 * component's model_error_handler, rest-api.md §8.4): TRUE, with its Content-Type (interned,
 * or NULL when empty), its body (@body_len bytes, not NUL-terminated) and its `info` text,
 * all pointing into @error. The HTTP status is seldon_error_get_http_status(). */
gboolean    seldon_error_get_response (const GError *error,
                                       const char  **content_type,
                                       const char  **body,
                                       gsize        *body_len,
                                       const char  **info);

G_END_DECLS
