/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The `info` text of @error: its message, less the reason a binding encoded in it. */
const char *seldon_error_get_info (const GError *error);

G_END_DECLS
