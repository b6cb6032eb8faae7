/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Model metadata (component-contract.md §8, rest-api.md §9.7): merge the component's
 * init_metadata() with MODEL_METADATA, fill the defaults, validate.
 */

#include <glib.h>

#include "seldon-json-private.h"

G_BEGIN_DECLS

/*
 * seldon_metadata_build:
 * @user: (nullable): what init_metadata() returned, or NULL when the component has none or it
 *   is not implemented. A value that is not an object is ignored with an error log
 *   (`init_metadata must return dict`).
 * @model_metadata_env: (nullable): the MODEL_METADATA text (YAML; JSON works too), or NULL.
 *   A syntax error, or a value that is not a mapping (empty text, a scalar, a list), is logged
 *   and treated as {} (decisions.md D4).
 * @unit_image: (nullable): PREDICTIVE_UNIT_IMAGE, for the default name and versions.
 * @error: set to SELDON_ERROR_BAD_METADATA when the merged metadata fails validation.
 *
 * Returns: (transfer full): the merged metadata with defaults filled, or NULL on @error.
 */
SeldonJson *seldon_metadata_build     (SeldonJson  *user,
                                       const char  *model_metadata_env,
                                       const char  *unit_image,
                                       GError     **error);

/* Validates complete metadata against the schema of component-contract.md §8.2.
 * On failure sets SELDON_ERROR_BAD_METADATA with a message naming the offending part. */
gboolean    seldon_metadata_validate  (const SeldonJson *metadata,
                                       GError          **error);

/*
 * Parses MODEL_METADATA-style text: as YAML 1.1 the way PyYAML's safe_load does (plain scalars
 * resolve to null/bool/int/float, quoted ones stay strings) when libyaml is available, falling
 * back to JSON; JSON only without libyaml. Returns NULL and sets G_IO_ERROR_INVALID_DATA on a
 * syntax error. The empty text (or a stream without documents) is null.
 */
SeldonJson *seldon_metadata_parse_text (const char  *text,
                                        GError     **error);

G_END_DECLS
