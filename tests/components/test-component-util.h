/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Helpers shared by the integration-test components (the .c files of tests/components). They use only
 * the public libseldon API.
 */

#include <seldon/seldon.h>

G_BEGIN_DECLS

/* The component's answer "return X": a new message carrying the request's payload (no meta),
 * like a Python identity model returning the decoded array, string, bytes or JSON value. */
SeldonMessage *tc_echo_payload     (SeldonMessage  *request,
                                    GError        **error);

/* Parses @text (any JSON value at the top) into a new node; NULL when @text is NULL. */
JsonNode      *tc_parse_json       (const char     *text,
                                    GError        **error);

/* Whether @name is one item of the comma-separated @list ("all" matches everything). */
gboolean       tc_list_has         (const char     *list,
                                    const char     *name);

/* Sleeps @ms milliseconds in small steps; FALSE (and @error set) if @cancellable fires. */
gboolean       tc_sleep_ms         (int             ms,
                                    GCancellable   *cancellable,
                                    GError        **error);

/* Writes @sym into the file named by the TEST_COMPONENT_TRACE environment variable, if set:
 * one line per call, so a test can see which methods the server called. */
void           tc_trace            (const char     *sym);

G_END_DECLS
