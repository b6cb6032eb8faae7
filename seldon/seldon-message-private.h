/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Internal access to SeldonMessage and SeldonFeedback: the codecs and the engine work on the
 * SeldonJson values stored inside, never through JsonNode.
 */

#include "seldon-json-private.h"
#include "seldon-message.h"

G_BEGIN_DECLS

/* A message whose payload is @value (LIST, STRING or JSON); takes ownership of @value. */
SeldonMessage  *seldon_message_new_take_value   (SeldonPayloadKind  kind,
                                                 SeldonJson        *value);
/* A BYTES message; takes ownership of @bytes. */
SeldonMessage  *seldon_message_new_take_bytes   (GBytes            *bytes);
/* A TENSOR message; takes ownership of @tensor. */
SeldonMessage  *seldon_message_new_take_tensor  (SeldonTensor      *tensor);

/* The payload value of LIST, STRING and JSON messages (borrowed), else NULL. */
SeldonJson     *seldon_message_peek_value       (SeldonMessage     *self);

void            seldon_message_set_data_kind    (SeldonMessage     *self,
                                                 SeldonDataKind     kind);

/* `data.names` exactly as the request gave it (borrowed, NULL when absent). */
SeldonJson     *seldon_message_peek_names_json  (SeldonMessage     *self);
/* Takes ownership of @names (any JSON value, NULL = absent). */
void            seldon_message_take_names_json  (SeldonMessage     *self,
                                                 SeldonJson        *names);

/* The request `meta` as sent (borrowed, NULL when the request had no `meta` key). */
SeldonJson     *seldon_message_peek_meta        (SeldonMessage     *self);
void            seldon_message_take_meta        (SeldonMessage     *self,
                                                 SeldonJson        *meta);

/* Runtime tags (an object) and runtime metrics (normally a list) set by a component on its
 * result; borrowed, NULL when never set. */
SeldonJson     *seldon_message_peek_tags        (SeldonMessage     *self);
SeldonJson     *seldon_message_peek_metrics     (SeldonMessage     *self);
void            seldon_message_take_tags        (SeldonMessage     *self,
                                                 SeldonJson        *tags);
void            seldon_message_take_metrics     (SeldonMessage     *self,
                                                 SeldonJson        *metrics);

/* Sets every part of a feedback; takes ownership of the three messages. */
void            seldon_feedback_set_parts       (SeldonFeedback    *self,
                                                 SeldonMessage     *request,
                                                 SeldonMessage     *response,
                                                 SeldonMessage     *truth,
                                                 double             reward,
                                                 gboolean           has_routing,
                                                 gint64             routing);

G_END_DECLS
