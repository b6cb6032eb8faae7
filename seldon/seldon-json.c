/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SeldonJson: libseldon's internal JSON value tree (see seldon-json-private.h for the rules).
 *
 * Layout notes:
 *  - A string value normally stores its bytes right after the struct (one allocation); only
 *    seldon_json_new_string_take() keeps an external buffer.
 *  - Objects are an array of members in insertion order. Up to INDEX_THRESHOLD members a lookup
 *    is a linear scan; beyond, an open-addressing index of member positions (seeded hash, so
 *    crafted keys cannot force collisions predictably) makes lookups O(1).
 *  - Doubles are printed like Python's repr(): the shortest digit string that reads back to the
 *    same double, positional between 1e-4 and 1e16, exponent form outside.
 */

#include "config.h"

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "seldon-json-private.h"

#define INDEX_THRESHOLD 16

typedef struct
{
  char       *key;
  guint32     key_len;
  guint32     hash;
  SeldonJson *value;
} Member;

struct _SeldonJson
{
  int     ref_count;
  guint8  type;
  guint8  external;             /* STRING/BIGINT: data is a separate allocation */
  union
  {
    gboolean b;
    gint64   i;
    double   d;
    struct
    {
      char  *data;
      gsize  len;
    } s;
    struct
    {
      SeldonJson **items;
      guint        len;
      guint        alloc;
    } a;
    struct
    {
      Member  *members;
      guint    len;
      guint    alloc;
      guint32 *index;           /* NULL, or index_mask + 1 slots holding member position + 1 */
      guint32  index_mask;
    } o;
  } v;
};

/* ------------------------------------------------------------------------------------------ */
/* C locale helpers                                                                            */

static locale_t
c_locale (void)
{
  static gsize once = 0;
  static locale_t loc;

  if (g_once_init_enter (&once))
    {
      loc = newlocale (LC_ALL_MASK, "C", (locale_t) 0);
      g_once_init_leave (&once, 1);
    }
  return loc;
}

static double
c_strtod (const char *text)
{
  return strtod_l (text, NULL, c_locale ());
}

/* ------------------------------------------------------------------------------------------ */
/* Construction and destruction                                                                */

static SeldonJson *
json_alloc (SeldonJsonType type)
{
  SeldonJson *self = g_new0 (SeldonJson, 1);

  self->ref_count = 1;
  self->type = type;
  return self;
}

static SeldonJson *
json_alloc_string (SeldonJsonType type,
                   const char    *data,
                   gsize          len)
{
  SeldonJson *self;
  char *buf;

  self = g_malloc (sizeof (SeldonJson) + len + 1);
  memset (self, 0, sizeof (SeldonJson));
  self->ref_count = 1;
  self->type = type;
  buf = (char *) (self + 1);
  if (len > 0)
    memcpy (buf, data, len);
  buf[len] = '\0';
  self->v.s.data = buf;
  self->v.s.len = len;
  return self;
}

static void
json_free (SeldonJson *self)
{
  guint i;

  switch ((SeldonJsonType) self->type)
    {
    case SELDON_JSON_STRING:
    case SELDON_JSON_BIGINT:
      if (self->external)
        g_free (self->v.s.data);
      break;
    case SELDON_JSON_ARRAY:
      for (i = 0; i < self->v.a.len; i++)
        seldon_json_unref (self->v.a.items[i]);
      g_free (self->v.a.items);
      break;
    case SELDON_JSON_OBJECT:
      for (i = 0; i < self->v.o.len; i++)
        {
          g_free (self->v.o.members[i].key);
          seldon_json_unref (self->v.o.members[i].value);
        }
      g_free (self->v.o.members);
      g_free (self->v.o.index);
      break;
    case SELDON_JSON_NULL:
    case SELDON_JSON_BOOL:
    case SELDON_JSON_INT:
    case SELDON_JSON_DOUBLE:
    default:
      break;
    }
  g_free (self);
}

SeldonJson *
seldon_json_ref (SeldonJson *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
seldon_json_unref (SeldonJson *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_int_dec_and_test (&self->ref_count))
    json_free (self);
}

SeldonJsonType
seldon_json_get_type (const SeldonJson *self)
{
  g_return_val_if_fail (self != NULL, SELDON_JSON_NULL);

  return (SeldonJsonType) self->type;
}

SeldonJson *
seldon_json_new_null (void)
{
  return json_alloc (SELDON_JSON_NULL);
}

SeldonJson *
seldon_json_new_bool (gboolean value)
{
  SeldonJson *self = json_alloc (SELDON_JSON_BOOL);

  self->v.b = value ? TRUE : FALSE;
  return self;
}

SeldonJson *
seldon_json_new_int (gint64 value)
{
  SeldonJson *self = json_alloc (SELDON_JSON_INT);

  self->v.i = value;
  return self;
}

SeldonJson *
seldon_json_new_uint (guint64 value)
{
  char buf[32];

  if (value <= (guint64) G_MAXINT64)
    return seldon_json_new_int ((gint64) value);

  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, value);
  return json_alloc_string (SELDON_JSON_BIGINT, buf, strlen (buf));
}

/* Parses an optional '-' and decimal digits into a gint64. FALSE when it does not fit. */
static gboolean
digits_to_int64 (const char *text,
                 gsize       len,
                 gint64     *out)
{
  gboolean neg = FALSE;
  guint64 mag = 0;
  gsize i = 0;

  if (len > 0 && text[0] == '-')
    {
      neg = TRUE;
      i = 1;
    }
  if (i == len)
    return FALSE;
  for (; i < len; i++)
    {
      unsigned d = (unsigned) (text[i] - '0');

      if (d > 9)
        return FALSE;
      if (mag > (G_MAXUINT64 - d) / 10)
        return FALSE;
      mag = mag * 10 + d;
    }
  if (neg)
    {
      if (mag > (guint64) G_MAXINT64 + 1)
        return FALSE;
      *out = mag == 0 ? 0 : -(gint64) (mag - 1) - 1;
    }
  else
    {
      if (mag > (guint64) G_MAXINT64)
        return FALSE;
      *out = (gint64) mag;
    }
  return TRUE;
}

static gboolean
is_integer_text (const char *digits,
                 gsize       len)
{
  gsize i = 0;

  if (len > 0 && digits[0] == '-')
    i = 1;
  if (i == len)
    return FALSE;
  for (; i < len; i++)
    if (!g_ascii_isdigit (digits[i]))
      return FALSE;
  return TRUE;
}

static SeldonJson *
new_integer_from_text (const char *digits,
                       gsize       len)
{
  gint64 value;

  if (digits_to_int64 (digits, len, &value))
    return seldon_json_new_int (value);
  return json_alloc_string (SELDON_JSON_BIGINT, digits, len);
}

SeldonJson *
seldon_json_new_bigint (const char *digits)
{
  gsize len;

  g_return_val_if_fail (digits != NULL, NULL);
  len = strlen (digits);
  g_return_val_if_fail (is_integer_text (digits, len), NULL);

  return new_integer_from_text (digits, len);
}

SeldonJson *
seldon_json_new_double (double value)
{
  SeldonJson *self = json_alloc (SELDON_JSON_DOUBLE);

  self->v.d = value;
  return self;
}

SeldonJson *
seldon_json_new_string (const char *value)
{
  g_return_val_if_fail (value != NULL, NULL);

  return json_alloc_string (SELDON_JSON_STRING, value, strlen (value));
}

SeldonJson *
seldon_json_new_string_len (const char *value,
                            gsize       len)
{
  g_return_val_if_fail (value != NULL || len == 0, NULL);

  return json_alloc_string (SELDON_JSON_STRING, value, len);
}

SeldonJson *
seldon_json_new_string_take (char *value)
{
  SeldonJson *self;

  g_return_val_if_fail (value != NULL, NULL);

  self = json_alloc (SELDON_JSON_STRING);
  self->external = TRUE;
  self->v.s.data = value;
  self->v.s.len = strlen (value);
  return self;
}

SeldonJson *
seldon_json_new_array (void)
{
  return json_alloc (SELDON_JSON_ARRAY);
}

SeldonJson *
seldon_json_new_array_sized (guint reserved)
{
  SeldonJson *self = json_alloc (SELDON_JSON_ARRAY);

  if (reserved > 0)
    {
      self->v.a.items = g_new (SeldonJson *, reserved);
      self->v.a.alloc = reserved;
    }
  return self;
}

SeldonJson *
seldon_json_new_object (void)
{
  return json_alloc (SELDON_JSON_OBJECT);
}

/* ------------------------------------------------------------------------------------------ */
/* Scalars                                                                                     */

gboolean
seldon_json_get_bool (const SeldonJson *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->type == SELDON_JSON_BOOL ? self->v.b : FALSE;
}

gint64
seldon_json_get_int (const SeldonJson *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->type == SELDON_JSON_INT ? self->v.i : 0;
}

const char *
seldon_json_get_bigint (const SeldonJson *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->type == SELDON_JSON_BIGINT ? self->v.s.data : NULL;
}

gboolean
seldon_json_get_uint64 (const SeldonJson *self,
                        guint64          *out)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->type == SELDON_JSON_INT)
    {
      if (self->v.i < 0)
        return FALSE;
      if (out)
        *out = (guint64) self->v.i;
      return TRUE;
    }
  if (self->type == SELDON_JSON_BIGINT)
    {
      const char *s = self->v.s.data;
      guint64 mag = 0;
      gsize i;

      if (s[0] == '-')
        return FALSE;
      for (i = 0; i < self->v.s.len; i++)
        {
          unsigned d = (unsigned) (s[i] - '0');

          if (mag > (G_MAXUINT64 - d) / 10)
            return FALSE;
          mag = mag * 10 + d;
        }
      if (out)
        *out = mag;
      return TRUE;
    }
  return FALSE;
}

double
seldon_json_get_double (const SeldonJson *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  switch ((SeldonJsonType) self->type)
    {
    case SELDON_JSON_DOUBLE:
      return self->v.d;
    case SELDON_JSON_INT:
      return (double) self->v.i;
    case SELDON_JSON_BIGINT:
      return c_strtod (self->v.s.data);
    case SELDON_JSON_BOOL:
      return self->v.b ? 1.0 : 0.0;
    case SELDON_JSON_NULL:
    case SELDON_JSON_STRING:
    case SELDON_JSON_ARRAY:
    case SELDON_JSON_OBJECT:
    default:
      return 0.0;
    }
}

const char *
seldon_json_get_string (const SeldonJson *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->type == SELDON_JSON_STRING ? self->v.s.data : NULL;
}

gsize
seldon_json_get_string_length (const SeldonJson *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->type == SELDON_JSON_STRING ? self->v.s.len : 0;
}

gboolean
seldon_json_is_number (const SeldonJson *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->type == SELDON_JSON_INT || self->type == SELDON_JSON_BIGINT ||
         self->type == SELDON_JSON_DOUBLE;
}

gboolean
seldon_json_is_integer (const SeldonJson *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->type == SELDON_JSON_INT || self->type == SELDON_JSON_BIGINT;
}

/* ------------------------------------------------------------------------------------------ */
/* Arrays                                                                                      */

guint
seldon_json_array_get_length (const SeldonJson *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->type == SELDON_JSON_ARRAY ? self->v.a.len : 0;
}

SeldonJson *
seldon_json_array_get (const SeldonJson *self,
                       guint             index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->type == SELDON_JSON_ARRAY, NULL);
  g_return_val_if_fail (index < self->v.a.len, NULL);

  return self->v.a.items[index];
}

void
seldon_json_array_append (SeldonJson *self,
                          SeldonJson *value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->type == SELDON_JSON_ARRAY);
  g_return_if_fail (value != NULL);

  if (self->v.a.len == self->v.a.alloc)
    {
      self->v.a.alloc = MAX (8, self->v.a.alloc * 2);
      self->v.a.items = g_renew (SeldonJson *, self->v.a.items, self->v.a.alloc);
    }
  self->v.a.items[self->v.a.len++] = value;
}

/* ------------------------------------------------------------------------------------------ */
/* Objects                                                                                     */

static guint32
hash_seed (void)
{
  static gsize once = 0;
  static guint32 seed;

  if (g_once_init_enter (&once))
    {
      seed = g_random_int ();
      g_once_init_leave (&once, 1);
    }
  return seed;
}

static guint32
key_hash (const char *key,
          gsize       len)
{
  guint32 h = hash_seed () ^ 0x811c9dc5u;
  gsize i;

  for (i = 0; i < len; i++)
    {
      h ^= (guchar) key[i];
      h *= 0x01000193u;
    }
  /* final avalanche (murmur3 fmix32) so the low bits used for the slot depend on every byte */
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

static void
object_index_insert (SeldonJson *self,
                     guint       pos)
{
  guint32 i = self->v.o.members[pos].hash & self->v.o.index_mask;

  while (self->v.o.index[i] != 0)
    i = (i + 1) & self->v.o.index_mask;
  self->v.o.index[i] = pos + 1;
}

static void
object_rebuild_index (SeldonJson *self,
                      guint       min_members)
{
  guint32 cap = 64;
  guint i;

  g_clear_pointer (&self->v.o.index, g_free);
  if (self->v.o.len <= INDEX_THRESHOLD && min_members <= INDEX_THRESHOLD)
    return;

  while (cap < (guint32) MAX (min_members, self->v.o.len) * 2)
    cap *= 2;
  self->v.o.index = g_new0 (guint32, cap);
  self->v.o.index_mask = cap - 1;
  for (i = 0; i < self->v.o.len; i++)
    {
      Member *m = &self->v.o.members[i];

      m->hash = key_hash (m->key, m->key_len);
      object_index_insert (self, i);
    }
}

/* Returns the member position or -1; @hash_out receives the key's hash when indexed. */
static int
object_lookup (const SeldonJson *self,
               const char       *key,
               gsize             len,
               guint32          *hash_out)
{
  const Member *members = self->v.o.members;

  if (self->v.o.index == NULL)
    {
      guint i;

      for (i = 0; i < self->v.o.len; i++)
        if (members[i].key_len == len && memcmp (members[i].key, key, len) == 0)
          return (int) i;
      return -1;
    }
  else
    {
      guint32 h = key_hash (key, len);
      guint32 i = h & self->v.o.index_mask;

      if (hash_out)
        *hash_out = h;
      for (;;)
        {
          guint32 slot = self->v.o.index[i];
          const Member *m;

          if (slot == 0)
            return -1;
          m = &members[slot - 1];
          if (m->hash == h && m->key_len == len && memcmp (m->key, key, len) == 0)
            return (int) (slot - 1);
          i = (i + 1) & self->v.o.index_mask;
        }
    }
}

/* Sets @key (taking ownership of @owned_key, a NUL-terminated copy of @len bytes) to @value. */
static void
object_set_owned (SeldonJson *self,
                  char       *owned_key,
                  gsize       len,
                  SeldonJson *value)
{
  guint32 hash = 0;
  int pos = object_lookup (self, owned_key, len, &hash);
  Member *m;

  if (pos >= 0)
    {
      m = &self->v.o.members[pos];
      seldon_json_unref (m->value);
      m->value = value;
      g_free (owned_key);
      return;
    }

  if (self->v.o.len == self->v.o.alloc)
    {
      self->v.o.alloc = MAX (4, self->v.o.alloc * 2);
      self->v.o.members = g_renew (Member, self->v.o.members, self->v.o.alloc);
    }
  m = &self->v.o.members[self->v.o.len++];
  m->key = owned_key;
  m->key_len = (guint32) len;
  m->hash = hash;
  m->value = value;

  if (self->v.o.index != NULL)
    {
      if ((guint64) self->v.o.len * 2 > (guint64) self->v.o.index_mask + 1)
        object_rebuild_index (self, self->v.o.len * 2);
      else
        object_index_insert (self, self->v.o.len - 1);
    }
  else if (self->v.o.len > INDEX_THRESHOLD)
    object_rebuild_index (self, self->v.o.len);
}

guint
seldon_json_object_get_size (const SeldonJson *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->type == SELDON_JSON_OBJECT ? self->v.o.len : 0;
}

const char *
seldon_json_object_get_key_at (const SeldonJson *self,
                               guint             index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->type == SELDON_JSON_OBJECT, NULL);
  g_return_val_if_fail (index < self->v.o.len, NULL);

  return self->v.o.members[index].key;
}

SeldonJson *
seldon_json_object_get_value_at (const SeldonJson *self,
                                 guint             index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->type == SELDON_JSON_OBJECT, NULL);
  g_return_val_if_fail (index < self->v.o.len, NULL);

  return self->v.o.members[index].value;
}

SeldonJson *
seldon_json_object_get (const SeldonJson *self,
                        const char       *key)
{
  int pos;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  if (self->type != SELDON_JSON_OBJECT)
    return NULL;
  pos = object_lookup (self, key, strlen (key), NULL);
  return pos >= 0 ? self->v.o.members[pos].value : NULL;
}

gboolean
seldon_json_object_has (const SeldonJson *self,
                        const char       *key)
{
  return seldon_json_object_get (self, key) != NULL;
}

void
seldon_json_object_set (SeldonJson *self,
                        const char *key,
                        SeldonJson *value)
{
  gsize len;

  g_return_if_fail (self != NULL);
  g_return_if_fail (self->type == SELDON_JSON_OBJECT);
  g_return_if_fail (key != NULL);
  g_return_if_fail (value != NULL);

  len = strlen (key);
  object_set_owned (self, g_memdup2 (key, len + 1), len, value);
}

gboolean
seldon_json_object_remove (SeldonJson *self,
                           const char *key)
{
  int pos;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->type == SELDON_JSON_OBJECT, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  pos = object_lookup (self, key, strlen (key), NULL);
  if (pos < 0)
    return FALSE;

  g_free (self->v.o.members[pos].key);
  seldon_json_unref (self->v.o.members[pos].value);
  memmove (&self->v.o.members[pos], &self->v.o.members[pos + 1],
           (self->v.o.len - pos - 1) * sizeof (Member));
  self->v.o.len--;
  if (self->v.o.index != NULL)
    object_rebuild_index (self, self->v.o.len);
  return TRUE;
}

void
seldon_json_object_update (SeldonJson       *self,
                           const SeldonJson *source)
{
  guint i;

  g_return_if_fail (self != NULL);
  g_return_if_fail (self->type == SELDON_JSON_OBJECT);
  g_return_if_fail (source != NULL);
  g_return_if_fail (source->type == SELDON_JSON_OBJECT);

  if (self == source)
    return;
  for (i = 0; i < source->v.o.len; i++)
    {
      const Member *m = &source->v.o.members[i];

      object_set_owned (self, g_memdup2 (m->key, m->key_len + 1), m->key_len,
                        seldon_json_ref (m->value));
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Copy and equality                                                                           */

SeldonJson *
seldon_json_copy (const SeldonJson *self)
{
  SeldonJson *copy;
  guint i;

  g_return_val_if_fail (self != NULL, NULL);

  switch ((SeldonJsonType) self->type)
    {
    case SELDON_JSON_ARRAY:
      copy = seldon_json_new_array_sized (self->v.a.len);
      for (i = 0; i < self->v.a.len; i++)
        copy->v.a.items[i] = seldon_json_copy (self->v.a.items[i]);
      copy->v.a.len = self->v.a.len;
      return copy;
    case SELDON_JSON_OBJECT:
      copy = seldon_json_new_object ();
      if (self->v.o.len > 0)
        {
          copy->v.o.members = g_new (Member, self->v.o.len);
          copy->v.o.alloc = self->v.o.len;
          for (i = 0; i < self->v.o.len; i++)
            {
              const Member *m = &self->v.o.members[i];
              Member *c = &copy->v.o.members[i];

              c->key = g_memdup2 (m->key, m->key_len + 1);
              c->key_len = m->key_len;
              c->hash = m->hash;
              c->value = seldon_json_copy (m->value);
            }
          copy->v.o.len = self->v.o.len;
          if (self->v.o.index != NULL)
            {
              copy->v.o.index = g_memdup2 (self->v.o.index,
                                           ((gsize) self->v.o.index_mask + 1) * sizeof (guint32));
              copy->v.o.index_mask = self->v.o.index_mask;
            }
        }
      return copy;
    case SELDON_JSON_NULL:
    case SELDON_JSON_BOOL:
    case SELDON_JSON_INT:
    case SELDON_JSON_BIGINT:
    case SELDON_JSON_DOUBLE:
    case SELDON_JSON_STRING:
    default:
      /* Scalars are immutable (no setters), so sharing them is indistinguishable from copying. */
      return seldon_json_ref ((SeldonJson *) self);
    }
}

/*
 * Structural equality: same types (an INT never equals a DOUBLE), objects compare as sets of
 * members (order ignored, like Python dicts), doubles by value with NaN equal to NaN.
 */
gboolean
seldon_json_equal (const SeldonJson *a,
                   const SeldonJson *b)
{
  guint i;

  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  if (a == b)
    return TRUE;
  if (a->type != b->type)
    return FALSE;

  switch ((SeldonJsonType) a->type)
    {
    case SELDON_JSON_NULL:
      return TRUE;
    case SELDON_JSON_BOOL:
      return a->v.b == b->v.b;
    case SELDON_JSON_INT:
      return a->v.i == b->v.i;
    case SELDON_JSON_DOUBLE:
      return a->v.d == b->v.d || (isnan (a->v.d) && isnan (b->v.d));
    case SELDON_JSON_BIGINT:
    case SELDON_JSON_STRING:
      return a->v.s.len == b->v.s.len && memcmp (a->v.s.data, b->v.s.data, a->v.s.len) == 0;
    case SELDON_JSON_ARRAY:
      if (a->v.a.len != b->v.a.len)
        return FALSE;
      for (i = 0; i < a->v.a.len; i++)
        if (!seldon_json_equal (a->v.a.items[i], b->v.a.items[i]))
          return FALSE;
      return TRUE;
    case SELDON_JSON_OBJECT:
      if (a->v.o.len != b->v.o.len)
        return FALSE;
      for (i = 0; i < a->v.o.len; i++)
        {
          const Member *m = &a->v.o.members[i];
          int pos = object_lookup (b, m->key, m->key_len, NULL);

          if (pos < 0 || !seldon_json_equal (m->value, b->v.o.members[pos].value))
            return FALSE;
        }
      return TRUE;
    default:
      return FALSE;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Parser                                                                                      */

typedef struct
{
  const char *start;
  const char *p;
  const char *end;
  int         depth;
  GString    *scratch;
  GError    **error;
} Parser;

static void
parse_error (Parser     *P,
             const char *at,
             const char *what)
{
  const char *s;
  gsize chr = 0, col = 0, line = 1;

  /* Python's json counts code points; everything before @at has been validated as UTF-8. */
  for (s = P->start; s < at; s++)
    {
      if (((guchar) *s & 0xC0) == 0x80)
        continue;
      chr++;
      col++;
      if (*s == '\n')
        {
          line++;
          col = 0;
        }
    }
  g_set_error (P->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "%s: line %" G_GSIZE_FORMAT " column %" G_GSIZE_FORMAT " (char %" G_GSIZE_FORMAT ")",
               what, line, col + 1, chr);
}

static inline void
skip_ws (Parser *P)
{
  const char *p = P->p;

  while (p < P->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  P->p = p;
}

/* Length of the valid UTF-8 sequence starting at @s (first byte >= 0x80), or 0 if invalid. */
static inline int
utf8_seq_len (const guchar *s,
              const guchar *end)
{
  guchar c = s[0];

  if (c < 0xC2)
    return 0;
  if (c < 0xE0)
    {
      if (end - s < 2 || (s[1] & 0xC0) != 0x80)
        return 0;
      return 2;
    }
  if (c < 0xF0)
    {
      if (end - s < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
        return 0;
      if (c == 0xE0 && s[1] < 0xA0)
        return 0;               /* overlong */
      if (c == 0xED && s[1] > 0x9F)
        return 0;               /* UTF-16 surrogate */
      return 3;
    }
  if (c < 0xF5)
    {
      if (end - s < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
          (s[3] & 0xC0) != 0x80)
        return 0;
      if (c == 0xF0 && s[1] < 0x90)
        return 0;               /* overlong */
      if (c == 0xF4 && s[1] > 0x8F)
        return 0;               /* > U+10FFFF */
      return 4;
    }
  return 0;
}

static inline int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static int
read_hex4 (const char *p,
           const char *end)
{
  int v = 0, i;

  if (end - p < 4)
    return -1;
  for (i = 0; i < 4; i++)
    {
      int h = hex_value (p[i]);

      if (h < 0)
        return -1;
      v = (v << 4) | h;
    }
  return v;
}

static void
append_utf8 (GString  *out,
             gunichar  cp)
{
  char buf[4];
  int n;

  if (cp < 0x80)
    {
      g_string_append_c (out, (char) cp);
      return;
    }
  if (cp < 0x800)
    {
      buf[0] = (char) (0xC0 | (cp >> 6));
      buf[1] = (char) (0x80 | (cp & 0x3F));
      n = 2;
    }
  else if (cp < 0x10000)
    {
      buf[0] = (char) (0xE0 | (cp >> 12));
      buf[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
      buf[2] = (char) (0x80 | (cp & 0x3F));
      n = 3;
    }
  else
    {
      buf[0] = (char) (0xF0 | (cp >> 18));
      buf[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
      buf[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
      buf[3] = (char) (0x80 | (cp & 0x3F));
      n = 4;
    }
  g_string_append_len (out, buf, n);
}

/* Steps over the unescaped character at *q inside a string: FALSE, with the parse error, for
 * a control character or invalid UTF-8. */
static inline gboolean
skip_string_char (Parser      *P,
                  const char **q)
{
  guchar c = (guchar) **q;

  if (c < 0x20)
    {
      parse_error (P, *q, "Invalid control character at");
      return FALSE;
    }
  if (c < 0x80)
    (*q)++;
  else
    {
      int n = utf8_seq_len ((const guchar *) *q, (const guchar *) P->end);

      if (n == 0)
        {
          parse_error (P, *q, "Invalid UTF-8 in string");
          return FALSE;
        }
      *q += n;
    }
  return TRUE;
}

/*
 * Parses the string starting at P->p (a '"'). On success *out points either into the input
 * (no escapes) or into P->scratch, valid until the next string is parsed.
 */
static gboolean
parse_string_raw (Parser      *P,
                  const char **out,
                  gsize       *out_len)
{
  const char *open = P->p;
  const char *end = P->end;
  const char *q = open + 1;
  const char *run;
  GString *buf;

  while (q < end)
    {
      guchar c = (guchar) *q;

      if (c == '"')
        {
          *out = open + 1;
          *out_len = (gsize) (q - open - 1);
          P->p = q + 1;
          return TRUE;
        }
      if (c == '\\')
        goto slow;
      if (!skip_string_char (P, &q))
        return FALSE;
    }
  parse_error (P, open, "Unterminated string starting at");
  return FALSE;

slow:
  buf = P->scratch;
  g_string_truncate (buf, 0);
  g_string_append_len (buf, open + 1, q - open - 1);
  run = q;
  while (q < end)
    {
      guchar c = (guchar) *q;

      if (c == '"')
        {
          g_string_append_len (buf, run, q - run);
          *out = buf->str;
          *out_len = buf->len;
          P->p = q + 1;
          return TRUE;
        }
      if (c == '\\')
        {
          const char *esc = q;
          int cp;

          g_string_append_len (buf, run, q - run);
          if (q + 1 >= end)
            break;
          switch (q[1])
            {
            case '"': g_string_append_c (buf, '"'); q += 2; break;
            case '\\': g_string_append_c (buf, '\\'); q += 2; break;
            case '/': g_string_append_c (buf, '/'); q += 2; break;
            case 'b': g_string_append_c (buf, '\b'); q += 2; break;
            case 'f': g_string_append_c (buf, '\f'); q += 2; break;
            case 'n': g_string_append_c (buf, '\n'); q += 2; break;
            case 'r': g_string_append_c (buf, '\r'); q += 2; break;
            case 't': g_string_append_c (buf, '\t'); q += 2; break;
            case 'u':
              cp = read_hex4 (q + 2, end);
              if (cp < 0)
                {
                  parse_error (P, esc + 1, "Invalid \\uXXXX escape");
                  return FALSE;
                }
              q += 6;
              if (cp >= 0xD800 && cp <= 0xDBFF)
                {
                  int lo = -1;

                  if (end - q >= 6 && q[0] == '\\' && q[1] == 'u')
                    lo = read_hex4 (q + 2, end);
                  if (lo >= 0xDC00 && lo <= 0xDFFF)
                    {
                      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                      q += 6;
                    }
                  else
                    cp = 0xFFFD;        /* lone high surrogate */
                }
              else if (cp >= 0xDC00 && cp <= 0xDFFF)
                cp = 0xFFFD;            /* lone low surrogate */
              append_utf8 (buf, (gunichar) cp);
              break;
            default:
              parse_error (P, esc, "Invalid \\escape");
              return FALSE;
            }
          run = q;
          continue;
        }
      if (!skip_string_char (P, &q))
        return FALSE;
    }
  parse_error (P, open, "Unterminated string starting at");
  return FALSE;
}

static gboolean
match_literal (Parser     *P,
               const char *lit,
               gsize       len)
{
  if ((gsize) (P->end - P->p) >= len && memcmp (P->p, lit, len) == 0)
    {
      P->p += len;
      return TRUE;
    }
  return FALSE;
}

static SeldonJson *
parse_number (Parser *P)
{
  const char *start = P->p;
  const char *p = start;
  const char *end = P->end;
  gboolean is_int = TRUE;

  if (*p == '-')
    {
      p++;
      if (p < end && *p == 'I')
        {
          P->p = p;
          if (match_literal (P, "Infinity", 8))
            return seldon_json_new_double (-INFINITY);
          parse_error (P, start, "Expecting value");
          return NULL;
        }
    }
  if (p < end && *p == '0')
    p++;
  else if (p < end && *p >= '1' && *p <= '9')
    {
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  else
    {
      parse_error (P, start, "Expecting value");
      return NULL;
    }

  if (p < end && *p == '.')
    {
      if (p + 1 >= end || !g_ascii_isdigit (p[1]))
        {
          parse_error (P, p, "Expecting fraction digits");
          return NULL;
        }
      p++;
      while (p < end && g_ascii_isdigit (*p))
        p++;
      is_int = FALSE;
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      const char *e = p + 1;

      if (e < end && (*e == '+' || *e == '-'))
        e++;
      if (e >= end || !g_ascii_isdigit (*e))
        {
          parse_error (P, p, "Expecting exponent digits");
          return NULL;
        }
      while (e < end && g_ascii_isdigit (*e))
        e++;
      p = e;
      is_int = FALSE;
    }
  P->p = p;

  if (is_int)
    {
      gsize len = (gsize) (p - start);

      /* Up to 18 digits always fit a gint64. */
      if (len <= 18)
        {
          gint64 v = 0;
          const char *d = start[0] == '-' ? start + 1 : start;

          for (; d < p; d++)
            v = v * 10 + (*d - '0');
          return seldon_json_new_int (start[0] == '-' ? -v : v);
        }
      return new_integer_from_text (start, len);
    }
  else
    {
      char stack_buf[64];
      gsize len = (gsize) (p - start);
      char *text = len < sizeof stack_buf ? stack_buf : g_malloc (len + 1);
      double d;

      memcpy (text, start, len);
      text[len] = '\0';
      d = c_strtod (text);      /* overflow gives ±inf, as Python's float() */
      if (text != stack_buf)
        g_free (text);
      return seldon_json_new_double (d);
    }
}

static SeldonJson *parse_value (Parser *P);

/* Consumes @c when it is the next character. */
static gboolean
accept_char (Parser *P,
             char    c)
{
  if (P->p < P->end && *P->p == c)
    {
      P->p++;
      return TRUE;
    }
  return FALSE;
}

/* Steps into the array or object at P->p and over the blanks after its opening bracket. */
static gboolean
enter_container (Parser *P)
{
  if (++P->depth > SELDON_JSON_MAX_DEPTH)
    {
      parse_error (P, P->p, "Maximum nesting depth exceeded");
      return FALSE;
    }
  P->p++;
  skip_ws (P);
  return TRUE;
}

static SeldonJson *
parse_array (Parser *P)
{
  g_autoptr (SeldonJson) array = NULL;

  if (!enter_container (P))
    return NULL;
  array = seldon_json_new_array ();
  if (accept_char (P, ']'))
    {
      P->depth--;
      return g_steal_pointer (&array);
    }
  for (;;)
    {
      SeldonJson *item = parse_value (P);

      if (item == NULL)
        return NULL;
      seldon_json_array_append (array, item);
      skip_ws (P);
      if (accept_char (P, ','))
        continue;
      if (accept_char (P, ']'))
        break;
      parse_error (P, P->p, "Expecting ',' delimiter");
      return NULL;
    }
  P->depth--;
  return g_steal_pointer (&array);
}

static SeldonJson *
parse_object (Parser *P)
{
  g_autoptr (SeldonJson) object = NULL;

  if (!enter_container (P))
    return NULL;
  object = seldon_json_new_object ();
  if (accept_char (P, '}'))
    {
      P->depth--;
      return g_steal_pointer (&object);
    }
  for (;;)
    {
      const char *key;
      gsize key_len;
      char *owned_key;
      SeldonJson *value;

      if (P->p >= P->end || *P->p != '"')
        {
          parse_error (P, P->p, "Expecting property name enclosed in double quotes");
          return NULL;
        }
      if (!parse_string_raw (P, &key, &key_len))
        return NULL;
      owned_key = g_malloc (key_len + 1);
      memcpy (owned_key, key, key_len);
      owned_key[key_len] = '\0';

      skip_ws (P);
      if (!accept_char (P, ':'))
        {
          g_free (owned_key);
          parse_error (P, P->p, "Expecting ':' delimiter");
          return NULL;
        }
      value = parse_value (P);
      if (value == NULL)
        {
          g_free (owned_key);
          return NULL;
        }
      object_set_owned (object, owned_key, key_len, value);

      skip_ws (P);
      if (accept_char (P, ','))
        {
          skip_ws (P);
          continue;
        }
      if (accept_char (P, '}'))
        break;
      parse_error (P, P->p, "Expecting ',' delimiter");
      return NULL;
    }
  P->depth--;
  return g_steal_pointer (&object);
}

static SeldonJson *
parse_value (Parser *P)
{
  const char *s;
  gsize len;

  skip_ws (P);
  if (P->p >= P->end)
    {
      parse_error (P, P->p, "Expecting value");
      return NULL;
    }

  switch (*P->p)
    {
    case '{':
      return parse_object (P);
    case '[':
      return parse_array (P);
    case '"':
      if (!parse_string_raw (P, &s, &len))
        return NULL;
      return json_alloc_string (SELDON_JSON_STRING, s, len);
    case 't':
      if (match_literal (P, "true", 4))
        return seldon_json_new_bool (TRUE);
      break;
    case 'f':
      if (match_literal (P, "false", 5))
        return seldon_json_new_bool (FALSE);
      break;
    case 'n':
      if (match_literal (P, "null", 4))
        return seldon_json_new_null ();
      break;
    case 'N':
      if (match_literal (P, "NaN", 3))
        return seldon_json_new_double (NAN);
      break;
    case 'I':
      if (match_literal (P, "Infinity", 8))
        return seldon_json_new_double (INFINITY);
      break;
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return parse_number (P);
    default:
      break;
    }
  parse_error (P, P->p, "Expecting value");
  return NULL;
}

SeldonJson *
seldon_json_parse (const char  *text,
                   gssize       length,
                   GError     **error)
{
  Parser P;
  SeldonJson *value;

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (text == NULL)
    text = "";
  if (length < 0)
    length = (gssize) strlen (text);

  P.start = text;
  P.end = text + length;
  if (length >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    P.start += 3;
  P.p = P.start;
  P.depth = 0;
  P.scratch = NULL;
  P.error = error;

  /* scratch is only needed for strings with escapes, but allocating it is cheaper than testing */
  P.scratch = g_string_sized_new (64);
  value = parse_value (&P);
  g_string_free (P.scratch, TRUE);
  if (value == NULL)
    return NULL;

  skip_ws (&P);
  if (P.p != P.end)
    {
      parse_error (&P, P.p, "Extra data");
      seldon_json_unref (value);
      return NULL;
    }
  return value;
}

/* ------------------------------------------------------------------------------------------ */
/* Doubles                                                                                     */

/* Parses printf's "d[<point>ddd]e±XX" (any locale's decimal point) into digits and exponent. */
static int
parse_exp_format (const char *s,
                  char       *digits,
                  int        *ndigits)
{
  int n = 0;

  digits[n++] = *s++;
  while (*s && *s != 'e')
    {
      if (g_ascii_isdigit (*s))
        digits[n++] = *s;
      s++;
    }
  *ndigits = n;
  return *s == 'e' ? (int) strtol (s + 1, NULL, 10) : 0;
}

/* TRUE if the decimal digits[0..n) × 10^(exp - n + 1) reads back as @a. */
static gboolean
digits_round_trip (const char *digits,
                   int         n,
                   int         exp,
                   double      a)
{
  char buf[48];
  int k = 0;

  buf[k++] = digits[0];
  buf[k++] = '.';
  memcpy (buf + k, digits + 1, n - 1);
  k += n - 1;
  g_snprintf (buf + k, sizeof buf - k, "e%d", exp);
  return strtod_l (buf, NULL, c_locale ()) == a;
}

/*
 * Rounds the 17 digits @d17 (exponent @exp) to @k digits in @out, half up; the caller makes
 * sure the dropped part is not exactly half (a tie of the already rounded digits). Returns the
 * exponent (one more when the rounding carries out of the first digit).
 */
static int
round_digits (const char *d17,
              int         exp,
              int         k,
              char       *out)
{
  int i;

  memcpy (out, d17, k);
  if (d17[k] < '5')
    return exp;
  for (i = k - 1; i >= 0; i--)
    {
      if (out[i] != '9')
        {
          out[i]++;
          return exp;
        }
      out[i] = '0';
    }
  out[0] = '1';
  return exp + 1;
}

/*
 * Writes the decimal significand digits of |@value| (finite, non-zero) that Python's repr()
 * would use into @digits (no dot, no trailing zeros) and returns the decimal exponent of the
 * first digit (value = d.ddd × 10^exp).
 *
 * Python picks the shortest digit string that reads back as the same double, the closest one
 * when several have that length. For a normal double (more than 15.9 significant digits) that
 * is the correctly rounded 15-, 16- or 17-digit decimal, the first that reads back, with its
 * trailing zeros removed: if any k <= 15 digit decimal reads back, the 15-digit rounding equals
 * it padded with zeros. One printf gives the 17-digit rounding; the 15- and 16-digit ones are
 * derived from it, except on an exact tie of the dropped digits, where double rounding could
 * be wrong and printf is asked again. Subnormals have fewer digits: they try 1 to 17 digits.
 */
static int
shortest_digits (double  value,
                 char   *digits,
                 int    *ndigits)
{
  char buf[48];
  char d17[24];
  double a = fabs (value);
  locale_t old;
  int n, exp, exp17, last2;

  old = uselocale (c_locale ());

  if (a < DBL_MIN)
    {
      int prec;

      for (prec = 1; prec < 17; prec++)
        {
          snprintf (buf, sizeof buf, "%.*e", prec - 1, a);
          if (strtod_l (buf, NULL, c_locale ()) == a)
            break;
        }
      if (prec == 17)
        snprintf (buf, sizeof buf, "%.16e", a);
      exp = parse_exp_format (buf, digits, &n);
      goto done;
    }

  snprintf (buf, sizeof buf, "%.16e", a);
  exp17 = parse_exp_format (buf, d17, &n);
  g_assert (n == 17);

  /*
   * 15 digits. A 15-digit decimal that reads back is within half an ulp (< 1.12e-16 relative)
   * of @a, so the 17-digit rounding differs from it by at most 11 units in the 17th digit:
   * its last two digits are then 00-11 or 89-99. Otherwise 15 digits cannot work.
   */
  last2 = (d17[15] - '0') * 10 + (d17[16] - '0');
  if (last2 <= 12 || last2 >= 88)
    {
      exp = round_digits (d17, exp17, 15, digits);
      if (digits_round_trip (digits, 15, exp, a))
        {
          n = 15;
          goto done;
        }
    }

  /* 16 digits */
  if (d17[16] != '5')
    exp = round_digits (d17, exp17, 16, digits);
  else
    {
      snprintf (buf, sizeof buf, "%.15e", a);
      exp = parse_exp_format (buf, digits, &n);
    }
  if (digits_round_trip (digits, 16, exp, a))
    {
      n = 16;
      goto done;
    }

  /* 17 digits always read back */
  memcpy (digits, d17, 17);
  n = 17;
  exp = exp17;

done:
  uselocale (old);
  while (n > 1 && digits[n - 1] == '0')
    n--;
  digits[n] = '\0';
  *ndigits = n;
  return exp;
}

void
seldon_json_append_double (GString *out,
                           double   value,
                           gboolean json_tokens)
{
  char digits[24];
  char buf[48];
  int nd, exp, i, k = 0;

  g_return_if_fail (out != NULL);

  if (isnan (value))
    {
      g_string_append (out, json_tokens ? "NaN" : "nan");
      return;
    }
  if (isinf (value))
    {
      if (value > 0)
        g_string_append (out, json_tokens ? "Infinity" : "inf");
      else
        g_string_append (out, json_tokens ? "-Infinity" : "-inf");
      return;
    }
  if (signbit (value))
    buf[k++] = '-';
  if (value == 0.0)
    {
      memcpy (buf + k, "0.0", 3);
      g_string_append_len (out, buf, k + 3);
      return;
    }

  /* Integral values below 1e16 print as the integer and ".0": every shorter digit string
   * would denote another double (they are at most 2 apart there). */
  if (fabs (value) < 1e16 && value == (double) (gint64) value)
    {
      guint64 mag = (guint64) fabs (value);
      char *p = buf + sizeof buf;

      *--p = '0';
      *--p = '.';
      do
        {
          *--p = (char) ('0' + mag % 10);
          mag /= 10;
        }
      while (mag != 0);
      if (k > 0)
        *--p = '-';
      g_string_append_len (out, p, buf + sizeof buf - p);
      return;
    }

  exp = shortest_digits (value, digits, &nd);
  if (exp < -4 || exp >= 16)
    {
      int e = exp < 0 ? -exp : exp;

      buf[k++] = digits[0];
      if (nd > 1)
        {
          buf[k++] = '.';
          memcpy (buf + k, digits + 1, nd - 1);
          k += nd - 1;
        }
      buf[k++] = 'e';
      buf[k++] = exp < 0 ? '-' : '+';
      if (e >= 100)
        buf[k++] = (char) ('0' + e / 100);
      buf[k++] = (char) ('0' + (e / 10) % 10);
      buf[k++] = (char) ('0' + e % 10);
    }
  else if (exp < 0)
    {
      buf[k++] = '0';
      buf[k++] = '.';
      for (i = 0; i < -exp - 1; i++)
        buf[k++] = '0';
      memcpy (buf + k, digits, nd);
      k += nd;
    }
  else
    {
      for (i = 0; i <= exp; i++)
        buf[k++] = i < nd ? digits[i] : '0';
      buf[k++] = '.';
      if (nd > exp + 1)
        {
          memcpy (buf + k, digits + exp + 1, nd - exp - 1);
          k += nd - exp - 1;
        }
      else
        buf[k++] = '0';
    }
  g_string_append_len (out, buf, k);
}

/* ------------------------------------------------------------------------------------------ */
/* Writer                                                                                      */

static void
append_int (GString *out,
            gint64   value)
{
  char buf[24];
  char *p = buf + sizeof buf;
  guint64 mag = value < 0 ? (guint64) 0 - (guint64) value : (guint64) value;

  do
    {
      *--p = (char) ('0' + mag % 10);
      mag /= 10;
    }
  while (mag != 0);
  if (value < 0)
    *--p = '-';
  g_string_append_len (out, p, buf + sizeof buf - p);
}

static const char hex_lower[] = "0123456789abcdef";

/* 0: copy as is; otherwise the short escape letter, or 'u' for \u00XX. Bytes >= 0x80 are 0. */
static const char json_escape[128] = {
  'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
  'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
  0, 0, '"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\\', 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static void
append_u_escape (GString  *out,
                 unsigned  unit)
{
  char buf[6] = { '\\', 'u',
                  hex_lower[(unit >> 12) & 0xF], hex_lower[(unit >> 8) & 0xF],
                  hex_lower[(unit >> 4) & 0xF], hex_lower[unit & 0xF] };

  g_string_append_len (out, buf, 6);
}

/* Decodes one UTF-8 sequence (assumed valid) at @s; returns its length. */
static inline int
utf8_decode (const guchar *s,
             const guchar *end,
             gunichar     *cp)
{
  guchar c = s[0];

  if (c < 0x80)
    {
      *cp = c;
      return 1;
    }
  if (c < 0xE0 && end - s >= 2)
    {
      *cp = ((gunichar) (c & 0x1F) << 6) | (s[1] & 0x3F);
      return 2;
    }
  if (c < 0xF0 && end - s >= 3)
    {
      *cp = ((gunichar) (c & 0x0F) << 12) | ((gunichar) (s[1] & 0x3F) << 6) | (s[2] & 0x3F);
      return 3;
    }
  if (end - s >= 4)
    {
      *cp = ((gunichar) (c & 0x07) << 18) | ((gunichar) (s[1] & 0x3F) << 12) |
            ((gunichar) (s[2] & 0x3F) << 6) | (s[3] & 0x3F);
      return 4;
    }
  /* truncated sequence: should not happen for valid strings */
  *cp = 0xFFFD;
  return (int) (end - s);
}

static void
write_string (GString    *out,
              const char *data,
              gsize       len,
              gboolean    ascii)
{
  const guchar *s = (const guchar *) data;
  const guchar *end = s + len;
  const guchar *run = s;

  g_string_append_c (out, '"');
  while (s < end)
    {
      guchar c = *s;
      char e;

      if (c < 0x80)
        {
          e = json_escape[c];
          if (e == 0 && !(ascii && c == 0x7F))
            {
              s++;
              continue;
            }
          g_string_append_len (out, (const char *) run, s - run);
          if (e == 'u' || e == 0)
            append_u_escape (out, c);
          else
            {
              char esc[2] = { '\\', e };

              g_string_append_len (out, esc, 2);
            }
          s++;
          run = s;
        }
      else if (!ascii)
        s++;
      else
        {
          gunichar cp;
          int n;

          g_string_append_len (out, (const char *) run, s - run);
          n = utf8_decode (s, end, &cp);
          if (cp >= 0x10000)
            {
              cp -= 0x10000;
              append_u_escape (out, 0xD800 + (cp >> 10));
              append_u_escape (out, 0xDC00 + (cp & 0x3FF));
            }
          else
            append_u_escape (out, cp);
          s += n;
          run = s;
        }
    }
  g_string_append_len (out, (const char *) run, s - run);
  g_string_append_c (out, '"');
}

static int
member_compare (const void *pa,
                const void *pb)
{
  const Member *a = *(const Member *const *) pa;
  const Member *b = *(const Member *const *) pb;
  int r = memcmp (a->key, b->key, MIN (a->key_len, b->key_len));

  if (r != 0)
    return r;
  return a->key_len < b->key_len ? -1 : a->key_len > b->key_len ? 1 : 0;
}

static void
append_newline_indent (GString *out,
                       int      level)
{
  static const char spaces[] = "                                ";
  gsize n = (gsize) level * 2;

  g_string_append_c (out, '\n');
  while (n > 0)
    {
      gsize chunk = MIN (n, sizeof spaces - 1);

      g_string_append_len (out, spaces, chunk);
      n -= chunk;
    }
}

static void
write_value (GString              *out,
             const SeldonJson     *v,
             SeldonJsonWriteFlags  flags,
             int                   level)
{
  gboolean ascii = (flags & SELDON_JSON_WRITE_ASCII) != 0;
  gboolean pretty = (flags & SELDON_JSON_WRITE_PRETTY) != 0;
  const char *item_sep = (flags & SELDON_JSON_WRITE_SPACED) && !pretty ? ", " : ",";
  const char *key_sep = (flags & (SELDON_JSON_WRITE_SPACED | SELDON_JSON_WRITE_PRETTY)) ? ": " : ":";
  guint i;

  switch ((SeldonJsonType) v->type)
    {
    case SELDON_JSON_NULL:
      g_string_append_len (out, "null", 4);
      break;
    case SELDON_JSON_BOOL:
      if (v->v.b)
        g_string_append_len (out, "true", 4);
      else
        g_string_append_len (out, "false", 5);
      break;
    case SELDON_JSON_INT:
      append_int (out, v->v.i);
      break;
    case SELDON_JSON_BIGINT:
      g_string_append_len (out, v->v.s.data, v->v.s.len);
      break;
    case SELDON_JSON_DOUBLE:
      seldon_json_append_double (out, v->v.d, TRUE);
      break;
    case SELDON_JSON_STRING:
      write_string (out, v->v.s.data, v->v.s.len, ascii);
      break;
    case SELDON_JSON_ARRAY:
      if (v->v.a.len == 0)
        {
          g_string_append_len (out, "[]", 2);
          break;
        }
      g_string_append_c (out, '[');
      for (i = 0; i < v->v.a.len; i++)
        {
          if (i > 0)
            g_string_append (out, item_sep);
          if (pretty)
            append_newline_indent (out, level + 1);
          write_value (out, v->v.a.items[i], flags, level + 1);
        }
      if (pretty)
        append_newline_indent (out, level);
      g_string_append_c (out, ']');
      break;
    case SELDON_JSON_OBJECT:
      {
        const Member *stack_members[32];
        const Member **members = stack_members;
        guint n = v->v.o.len;

        if (n == 0)
          {
            g_string_append_len (out, "{}", 2);
            break;
          }
        if (n > G_N_ELEMENTS (stack_members))
          members = g_new (const Member *, n);
        for (i = 0; i < n; i++)
          members[i] = &v->v.o.members[i];
        if ((flags & SELDON_JSON_WRITE_SORT_KEYS) && n > 1)
          qsort (members, n, sizeof (Member *), member_compare);

        g_string_append_c (out, '{');
        for (i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append (out, item_sep);
            if (pretty)
              append_newline_indent (out, level + 1);
            write_string (out, members[i]->key, members[i]->key_len, ascii);
            g_string_append (out, key_sep);
            write_value (out, members[i]->value, flags, level + 1);
          }
        if (pretty)
          append_newline_indent (out, level);
        g_string_append_c (out, '}');
        if (members != stack_members)
          g_free (members);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

void
seldon_json_write (const SeldonJson     *self,
                   SeldonJsonWriteFlags  flags,
                   GString              *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  write_value (out, self, flags, 0);
}

char *
seldon_json_to_string (const SeldonJson     *self,
                       SeldonJsonWriteFlags  flags)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_sized_new (64);
  write_value (out, self, flags, 0);
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* Python repr() / str()                                                                       */

static gboolean
python_isprintable (gunichar cp)
{
  switch (g_unichar_type (cp))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:
    case G_UNICODE_UNASSIGNED:
    case G_UNICODE_PRIVATE_USE:
    case G_UNICODE_SURROGATE:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      return FALSE;
    case G_UNICODE_SPACE_SEPARATOR:
      return cp == ' ';
    case G_UNICODE_LOWERCASE_LETTER:
    case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_OTHER_LETTER:
    case G_UNICODE_TITLECASE_LETTER:
    case G_UNICODE_UPPERCASE_LETTER:
    case G_UNICODE_SPACING_MARK:
    case G_UNICODE_ENCLOSING_MARK:
    case G_UNICODE_NON_SPACING_MARK:
    case G_UNICODE_DECIMAL_NUMBER:
    case G_UNICODE_LETTER_NUMBER:
    case G_UNICODE_OTHER_NUMBER:
    case G_UNICODE_CONNECT_PUNCTUATION:
    case G_UNICODE_DASH_PUNCTUATION:
    case G_UNICODE_CLOSE_PUNCTUATION:
    case G_UNICODE_FINAL_PUNCTUATION:
    case G_UNICODE_INITIAL_PUNCTUATION:
    case G_UNICODE_OTHER_PUNCTUATION:
    case G_UNICODE_OPEN_PUNCTUATION:
    case G_UNICODE_CURRENCY_SYMBOL:
    case G_UNICODE_MODIFIER_SYMBOL:
    case G_UNICODE_MATH_SYMBOL:
    case G_UNICODE_OTHER_SYMBOL:
    default:
      return TRUE;
    }
}

static void
append_python_string (GString    *out,
                      const char *data,
                      gsize       len)
{
  const guchar *s = (const guchar *) data;
  const guchar *end = s + len;
  char quote = '\'';

  if (memchr (data, '\'', len) != NULL && memchr (data, '"', len) == NULL)
    quote = '"';

  g_string_append_c (out, quote);
  while (s < end)
    {
      gunichar cp;
      int n = utf8_decode (s, end, &cp);
      char buf[12];

      s += n;
      if (cp == (gunichar) quote || cp == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) cp);
        }
      else if (cp == '\t')
        g_string_append_len (out, "\\t", 2);
      else if (cp == '\n')
        g_string_append_len (out, "\\n", 2);
      else if (cp == '\r')
        g_string_append_len (out, "\\r", 2);
      else if (cp < 0x20 || cp == 0x7F)
        {
          g_snprintf (buf, sizeof buf, "\\x%02x", cp);
          g_string_append (out, buf);
        }
      else if (cp < 0x7F)
        g_string_append_c (out, (char) cp);
      else if (python_isprintable (cp))
        g_string_append_len (out, (const char *) s - n, n);
      else
        {
          if (cp <= 0xFF)
            g_snprintf (buf, sizeof buf, "\\x%02x", cp);
          else if (cp <= 0xFFFF)
            g_snprintf (buf, sizeof buf, "\\u%04x", cp);
          else
            g_snprintf (buf, sizeof buf, "\\U%08x", cp);
          g_string_append (out, buf);
        }
    }
  g_string_append_c (out, quote);
}

void
seldon_json_append_python_repr (GString          *out,
                                const SeldonJson *self)
{
  guint i;

  g_return_if_fail (out != NULL);
  g_return_if_fail (self != NULL);

  switch ((SeldonJsonType) self->type)
    {
    case SELDON_JSON_NULL:
      g_string_append (out, "None");
      break;
    case SELDON_JSON_BOOL:
      g_string_append (out, self->v.b ? "True" : "False");
      break;
    case SELDON_JSON_INT:
      append_int (out, self->v.i);
      break;
    case SELDON_JSON_BIGINT:
      g_string_append_len (out, self->v.s.data, self->v.s.len);
      break;
    case SELDON_JSON_DOUBLE:
      seldon_json_append_double (out, self->v.d, FALSE);
      break;
    case SELDON_JSON_STRING:
      append_python_string (out, self->v.s.data, self->v.s.len);
      break;
    case SELDON_JSON_ARRAY:
      g_string_append_c (out, '[');
      for (i = 0; i < self->v.a.len; i++)
        {
          if (i > 0)
            g_string_append_len (out, ", ", 2);
          seldon_json_append_python_repr (out, self->v.a.items[i]);
        }
      g_string_append_c (out, ']');
      break;
    case SELDON_JSON_OBJECT:
      g_string_append_c (out, '{');
      for (i = 0; i < self->v.o.len; i++)
        {
          const Member *m = &self->v.o.members[i];

          if (i > 0)
            g_string_append_len (out, ", ", 2);
          append_python_string (out, m->key, m->key_len);
          g_string_append_len (out, ": ", 2);
          seldon_json_append_python_repr (out, m->value);
        }
      g_string_append_c (out, '}');
      break;
    default:
      g_assert_not_reached ();
    }
}

void
seldon_json_append_python_str (GString          *out,
                               const SeldonJson *self)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (self != NULL);

  if (self->type == SELDON_JSON_STRING)
    g_string_append_len (out, self->v.s.data, self->v.s.len);
  else
    seldon_json_append_python_repr (out, self);
}

char *
seldon_json_to_python_repr (const SeldonJson *self)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_new (NULL);
  seldon_json_append_python_repr (out, self);
  return g_string_free (out, FALSE);
}

char *
seldon_json_to_python_str (const SeldonJson *self)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_new (NULL);
  seldon_json_append_python_str (out, self);
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* json-glib conversion                                                                        */

JsonNode *
seldon_json_to_json_node (const SeldonJson *self)
{
  JsonNode *node;
  guint i;

  g_return_val_if_fail (self != NULL, NULL);

  switch ((SeldonJsonType) self->type)
    {
    case SELDON_JSON_NULL:
      return json_node_new (JSON_NODE_NULL);
    case SELDON_JSON_BOOL:
      return json_node_init_boolean (json_node_alloc (), self->v.b);
    case SELDON_JSON_INT:
      return json_node_init_int (json_node_alloc (), self->v.i);
    case SELDON_JSON_BIGINT:
      return json_node_init_double (json_node_alloc (), c_strtod (self->v.s.data));
    case SELDON_JSON_DOUBLE:
      return json_node_init_double (json_node_alloc (), self->v.d);
    case SELDON_JSON_STRING:
      return json_node_init_string (json_node_alloc (), self->v.s.data);
    case SELDON_JSON_ARRAY:
      {
        JsonArray *array = json_array_sized_new (self->v.a.len);

        for (i = 0; i < self->v.a.len; i++)
          json_array_add_element (array, seldon_json_to_json_node (self->v.a.items[i]));
        node = json_node_alloc ();
        json_node_init_array (node, array);
        json_array_unref (array);
        return node;
      }
    case SELDON_JSON_OBJECT:
      {
        JsonObject *object = json_object_new ();

        for (i = 0; i < self->v.o.len; i++)
          json_object_set_member (object, self->v.o.members[i].key,
                                  seldon_json_to_json_node (self->v.o.members[i].value));
        node = json_node_alloc ();
        json_node_init_object (node, object);
        json_object_unref (object);
        return node;
      }
    default:
      g_assert_not_reached ();
    }
  return NULL;
}

static SeldonJson *
new_string_checked (const char *text)
{
  gsize len = strlen (text);

  if (G_LIKELY (g_utf8_validate_len (text, len, NULL)))
    return json_alloc_string (SELDON_JSON_STRING, text, len);
  return seldon_json_new_string_take (g_utf8_make_valid (text, len));
}

SeldonJson *
seldon_json_from_json_node (JsonNode *node)
{
  if (node == NULL)
    return seldon_json_new_null ();

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        SeldonJson *result = seldon_json_new_object ();
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        if (object == NULL)
          return result;
        json_object_iter_init_ordered (&iter, object);
        while (json_object_iter_next_ordered (&iter, &name, &member))
          seldon_json_object_set (result, name, seldon_json_from_json_node (member));
        return result;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = array ? json_array_get_length (array) : 0;
        SeldonJson *result = seldon_json_new_array_sized (n);
        guint i;

        for (i = 0; i < n; i++)
          seldon_json_array_append (result,
                                    seldon_json_from_json_node (json_array_get_element (array, i)));
        return result;
      }
    case JSON_NODE_VALUE:
      {
        GType type = json_node_get_value_type (node);

        if (type == G_TYPE_INT64 || type == G_TYPE_INT || type == G_TYPE_LONG)
          return seldon_json_new_int (json_node_get_int (node));
        if (type == G_TYPE_DOUBLE || type == G_TYPE_FLOAT)
          return seldon_json_new_double (json_node_get_double (node));
        if (type == G_TYPE_BOOLEAN)
          return seldon_json_new_bool (json_node_get_boolean (node));
        if (type == G_TYPE_STRING)
          {
            const char *s = json_node_get_string (node);

            return s ? new_string_checked (s) : seldon_json_new_null ();
          }
        return seldon_json_new_null ();
      }
    case JSON_NODE_NULL:
    default:
      return seldon_json_new_null ();
    }
}
