/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * SeldonJson: libseldon's internal JSON value tree.
 *
 * json-glib cannot hold integers beyond 64 bits, NaN/Infinity, or print the exact bytes the Seldon
 * wire format needs (Python's float repr, sorted keys, ASCII escapes), so the codecs work on this
 * small refcounted tree and convert to JsonNode only at the public API boundary.
 *
 * Rules:
 *  - Values are refcounted (atomic). A value reachable from more than one place must not be
 *    mutated; mutate only values you just created or copied (seldon_json_copy()).
 *  - Objects keep insertion order. Setting an existing key replaces the value in place (keeps
 *    the key's original position), which is what Python's dict does for duplicate keys.
 *  - Strings are valid UTF-8 (the parser checks; constructors assume) and may contain NUL bytes
 *    (use the _len variants).
 *  - Integers: SELDON_JSON_INT holds any integer that fits gint64; larger or smaller ones are
 *    SELDON_JSON_BIGINT and keep their exact decimal text (optional leading '-').
 */

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  SELDON_JSON_NULL,
  SELDON_JSON_BOOL,
  SELDON_JSON_INT,
  SELDON_JSON_BIGINT,
  SELDON_JSON_DOUBLE,
  SELDON_JSON_STRING,
  SELDON_JSON_ARRAY,
  SELDON_JSON_OBJECT,
} SeldonJsonType;

typedef struct _SeldonJson SeldonJson;

typedef enum
{
  SELDON_JSON_WRITE_DEFAULT      = 0,
  SELDON_JSON_WRITE_SORT_KEYS    = 1 << 0, /* sort object keys by code point, at every level */
  SELDON_JSON_WRITE_ASCII        = 1 << 1, /* escape every non-ASCII character as \uXXXX (lower-case hex, surrogate pairs) */
  SELDON_JSON_WRITE_PRETTY       = 1 << 2, /* one member per line, 2-space indent, ",\n" and ": " */
  SELDON_JSON_WRITE_SPACED       = 1 << 3, /* Python json.dumps default separators ", " and ": " on one line */
} SeldonJsonWriteFlags;

/* The wire format of every REST answer: sorted, ASCII, compact (rest-api.md §7.1). */
#define SELDON_JSON_WRITE_WIRE (SELDON_JSON_WRITE_SORT_KEYS | SELDON_JSON_WRITE_ASCII)

typedef enum
{
  SELDON_JSON_PARSE_DEFAULT = 0,
} SeldonJsonParseFlags;

/* Deepest nesting the parser accepts; deeper input is a parse error, never a crash. */
#define SELDON_JSON_MAX_DEPTH 512

SeldonJson     *seldon_json_ref                 (SeldonJson        *self);
void            seldon_json_unref               (SeldonJson        *self);
SeldonJsonType  seldon_json_get_type            (const SeldonJson  *self);

SeldonJson     *seldon_json_new_null            (void);
SeldonJson     *seldon_json_new_bool            (gboolean           value);
SeldonJson     *seldon_json_new_int             (gint64             value);
SeldonJson     *seldon_json_new_uint            (guint64            value); /* INT or BIGINT */
SeldonJson     *seldon_json_new_bigint          (const char        *digits); /* exact decimal text */
SeldonJson     *seldon_json_new_double          (double             value);
SeldonJson     *seldon_json_new_string          (const char        *value);
SeldonJson     *seldon_json_new_string_len      (const char        *value,
                                                 gsize              len);
SeldonJson     *seldon_json_new_string_take     (char              *value); /* takes a g_malloc'ed NUL-terminated string */
SeldonJson     *seldon_json_new_array           (void);
SeldonJson     *seldon_json_new_array_sized     (guint              reserved);
SeldonJson     *seldon_json_new_object          (void);

/* Scalars. get_* on the wrong type returns 0/FALSE/NULL. */
gboolean        seldon_json_get_bool            (const SeldonJson  *self);
gint64          seldon_json_get_int             (const SeldonJson  *self);
const char     *seldon_json_get_bigint          (const SeldonJson  *self);
gboolean        seldon_json_get_uint64          (const SeldonJson  *self,
                                                 guint64           *out); /* INT >= 0 or BIGINT within uint64 */
double          seldon_json_get_double          (const SeldonJson  *self); /* DOUBLE, INT, BIGINT (rounded) or BOOL as a number */
const char     *seldon_json_get_string          (const SeldonJson  *self);
gsize           seldon_json_get_string_length   (const SeldonJson  *self);
gboolean        seldon_json_is_number           (const SeldonJson  *self); /* INT, BIGINT or DOUBLE (not BOOL) */
gboolean        seldon_json_is_integer          (const SeldonJson  *self); /* INT or BIGINT */

/* Arrays. */
guint           seldon_json_array_get_length    (const SeldonJson  *self);
SeldonJson     *seldon_json_array_get           (const SeldonJson  *self,
                                                 guint              index); /* borrowed */
void            seldon_json_array_append        (SeldonJson        *self,
                                                 SeldonJson        *value); /* takes ownership */

/* Objects (insertion order kept). */
guint           seldon_json_object_get_size     (const SeldonJson  *self);
const char     *seldon_json_object_get_key_at   (const SeldonJson  *self,
                                                 guint              index);
SeldonJson     *seldon_json_object_get_value_at (const SeldonJson  *self,
                                                 guint              index); /* borrowed */
SeldonJson     *seldon_json_object_get          (const SeldonJson  *self,
                                                 const char        *key); /* borrowed, NULL if absent */
gboolean        seldon_json_object_has          (const SeldonJson  *self,
                                                 const char        *key);
void            seldon_json_object_set          (SeldonJson        *self,
                                                 const char        *key,
                                                 SeldonJson        *value); /* takes ownership; replaces in place */
gboolean        seldon_json_object_remove       (SeldonJson        *self,
                                                 const char        *key);
/* For each member of @source, set it in @self (Python dict.update). */
void            seldon_json_object_update       (SeldonJson        *self,
                                                 const SeldonJson  *source);

SeldonJson     *seldon_json_copy                (const SeldonJson  *self); /* deep copy */
/* Structural equality: same types (INT 1 != DOUBLE 1.0), objects as unordered sets of members,
 * doubles by value with NaN equal to NaN. */
gboolean        seldon_json_equal               (const SeldonJson  *a,
                                                 const SeldonJson  *b);

/*
 * Parsing (rest-api.md §3.3): RFC 8259 plus NaN, Infinity, -Infinity, integers of any size,
 * a leading UTF-8 BOM, duplicate keys (the last value wins, at the first key's position).
 * Rejects invalid UTF-8, lone surrogate escapes are kept as U+FFFD, nesting deeper than
 * SELDON_JSON_MAX_DEPTH, trailing garbage (whitespace allowed). An empty text is an error.
 * Numbers: an integer literal (no '.', 'e' or 'E') is INT or BIGINT; anything else DOUBLE
 * (overflow to ±inf is allowed, as Python does). Errors are G_IO_ERROR_INVALID_DATA with a
 * message naming line, column and character offset.
 */
SeldonJson     *seldon_json_parse               (const char        *text,
                                                 gssize             length,
                                                 GError           **error);

/* Writing (rest-api.md §7.1). Appends to @out; no trailing newline. */
void            seldon_json_write               (const SeldonJson  *self,
                                                 SeldonJsonWriteFlags flags,
                                                 GString           *out);
char           *seldon_json_to_string           (const SeldonJson  *self,
                                                 SeldonJsonWriteFlags flags);
/* Python float repr: shortest round-trip digits, '.0' for integral values, exponent form
 * (e-05, e+16) when the exponent is < -4 or >= 16; "NaN"/"Infinity"/"-Infinity" when @json_tokens,
 * else Python's "nan"/"inf"/"-inf". */
void            seldon_json_append_double       (GString           *out,
                                                 double             value,
                                                 gboolean           json_tokens);

/* Python repr()/str() of the value as json.loads would have produced it:
 * {'foo': 'bar'}, [1, 2.5, None, True], 'it\'s' quoting rules of Python repr.
 * str() differs from repr() only for a top-level string (written bare). */
void            seldon_json_append_python_repr  (GString           *out,
                                                 const SeldonJson  *self);
void            seldon_json_append_python_str   (GString           *out,
                                                 const SeldonJson  *self);
char           *seldon_json_to_python_repr      (const SeldonJson  *self);
char           *seldon_json_to_python_str       (const SeldonJson  *self);

/* Conversion to/from json-glib for the public API. BIGINT becomes a double in a JsonNode. */
JsonNode       *seldon_json_to_json_node        (const SeldonJson  *self);
SeldonJson     *seldon_json_from_json_node      (JsonNode          *node); /* NULL node => null */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeldonJson, seldon_json_unref)

G_END_DECLS
