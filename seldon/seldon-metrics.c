/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * SeldonMetrics: the front's Prometheus registry (see seldon-metrics-private.h).
 *
 * Layout: families (one per exposed metric name and type) in creation order, each with its
 * series in creation order; one hash table finds a series by its sample key
 * `<name>{<labels>}`. Series are never removed (decisions.md D3: a slot's series outlive its
 * worker process), so pointers stay valid for the registry's lifetime.
 *
 * Exposition (metrics.md §4): one HELP/TYPE block per family (grouping, row 190), labels
 * sorted by name, Python float values with Go-style exponents, the exact TIMER bucket bounds
 * and their "next bucket" quirk for custom metrics. The server's own histograms use ordinary
 * Prometheus `le` semantics.
 */

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "seldon-metrics-private.h"
#include "seldon-worker-private.h"

#define NOT_IMPLEMENTED "NOT_IMPLEMENTED"

/* At most this many distinct names are remembered for "logged once" warnings. */
#define MAX_WARNED_NAMES 1024

typedef enum
{
  KIND_COUNTER,
  KIND_GAUGE,
  KIND_HISTOGRAM,
} MetricKind;

typedef struct
{
  double      value;
  const char *text;
} Bound;

#define BOUND(x) { x, #x }

/* metrics.md §4.3: 10^(-3 + i·s), i = 0…49, as upstream prints them. Embedded, never computed:
 * the C literal of each text is the same double Python parsed it from. */
static const Bound seldon_bounds[] = {
  BOUND (0.001), BOUND (0.0012341553253454693), BOUND (0.0015231393670785815),
  BOUND (0.0018797905611233593), BOUND (0.0023199535315445415), BOUND (0.002863183005509725),
  BOUND (0.0035336125536884733), BOUND (0.004361026750842238), BOUND (0.005382184388525997),
  BOUND (0.006642451525090608), BOUND (0.008197816923039709), BOUND (0.010117379411776668),
  BOUND (0.012486417679584786), BOUND (0.015410178873747385), BOUND (0.019018554321561593),
  BOUND (0.02347185009632733), BOUND (0.028967908792092944), BOUND (0.03575089889988335),
  BOUND (0.04412216226317852), BOUND (0.05445360152285871), BOUND (0.06720420230367624),
  BOUND (0.0829404241586763), BOUND (0.10236136616184238), BOUND (0.12632982515827532),
  BOUND (0.15591062646904755), BOUND (0.19241792993472334), BOUND (0.2374736129208902),
  BOUND (0.2930793240153456), BOUND (0.3617054084821892), BOUND (0.44640065608455204),
  BOUND (0.5509277469444613), BOUND (0.6799304127720881), BOUND (0.8391397397870157),
  BOUND (1.035628778567157), BOUND (1.2781267721496807), BOUND (1.5774069623151439),
  BOUND (1.9467652027782552), BOUND (2.402610642206036), BOUND (2.965194718810281),
  BOUND (3.65951085290597), BOUND (4.516404807273444), BOUND (5.573945044312399),
  BOUND (6.879113959621136), BOUND (8.489895126924782), BOUND (10.477849282518772),
  BOUND (12.931293490187748), BOUND (15.959224724520412), BOUND (19.696162182151948),
  BOUND (24.30812344597087), BOUND (29.999999999999996),
};

/* The server's request latency histogram (seconds). */
static const Bound latency_bounds[] = {
  BOUND (0.0005), BOUND (0.001), BOUND (0.0025), BOUND (0.005), BOUND (0.01), BOUND (0.025),
  BOUND (0.05), BOUND (0.1), BOUND (0.25), BOUND (0.5), BOUND (1.0), BOUND (2.5), BOUND (5.0),
  BOUND (10.0), BOUND (30.0), BOUND (60.0),
};

typedef struct
{
  const Bound *bounds;
  guint        n_bounds;       /* finite bounds; there are n_bounds + 1 bins */
  gboolean     seldon_bins;    /* metrics.md §4.3 bins, else Prometheus `le` semantics */
} Buckets;

static const Buckets seldon_buckets = { seldon_bounds, G_N_ELEMENTS (seldon_bounds), TRUE };
static const Buckets latency_buckets = { latency_bounds, G_N_ELEMENTS (latency_bounds), FALSE };

typedef struct _Family Family;

typedef struct
{
  Family  *family;
  char    *key;         /* "<name>{<labels>}", or "<name>" without labels */
  char    *labels;      /* the label text between the braces ("" for none) */
  char    *labels_lo;   /* histograms: the labels that sort before `le` */
  char    *labels_hi;   /* histograms: the labels that sort after `le` */
  double   value;       /* counter, gauge; histogram: the sum */
  guint64 *bins;        /* histogram: n_bounds + 1 bin counts */
} Series;

struct _Family
{
  char          *name;      /* exposed name (text format), also the sample name of counters and gauges */
  char          *om_name;   /* OpenMetrics family name (counters: without `_total`) */
  MetricKind     kind;
  const char    *help;      /* static; NULL: empty (custom metrics) */
  const Buckets *buckets;   /* histograms */
  gboolean       builtin;
  GPtrArray     *series;    /* Series*, creation order */
};

/*
 * A value to record. Prepared before the lock in two steps: first what the fast path needs (the
 * value, the bin, and @cache_key, which identifies the series from the raw inputs without
 * sorting or escaping anything); then, only when the cache does not know that key yet, the
 * checked names and the rendered labels.
 */
typedef struct
{
  MetricKind        kind;
  double            value;
  int               bin;          /* histogram bin, -1 for none */
  const Buckets    *buckets;
  char             *cache_key;    /* NULL: not cacheable */
  gboolean          done;         /* recorded through the cache */

  /* the slow path's inputs (borrowed for the duration of the call) */
  const SeldonJson *metric;
  const char       *worker_id;
  const char       *method_label;

  /* the slow path's results */
  char             *name;
  char             *key;
  char             *labels;
  char             *labels_lo;
  char             *labels_hi;
} Update;

typedef struct
{
  const char *name;
  const char *value;
  guint       order;      /* later wins among equal names */
} Label;

enum
{
  DEFAULT_DEPLOYMENT_NAME,
  DEFAULT_MODEL_NAME,
  DEFAULT_MODEL_IMAGE,
  DEFAULT_MODEL_VERSION,
  DEFAULT_PREDICTOR_NAME,
  DEFAULT_PREDICTOR_VERSION,
  DEFAULT_SELDON_DEPLOYMENT_NAME,
  DEFAULT_IMAGE_NAME,
  DEFAULT_IMAGE_VERSION,
  N_DEFAULTS
};

static const char *const default_label_names[N_DEFAULTS] = {
  [DEFAULT_DEPLOYMENT_NAME] = "deployment_name",
  [DEFAULT_MODEL_NAME] = "model_name",
  [DEFAULT_MODEL_IMAGE] = "model_image",
  [DEFAULT_MODEL_VERSION] = "model_version",
  [DEFAULT_PREDICTOR_NAME] = "predictor_name",
  [DEFAULT_PREDICTOR_VERSION] = "predictor_version",
  [DEFAULT_SELDON_DEPLOYMENT_NAME] = "seldon_deployment_name",
  [DEFAULT_IMAGE_NAME] = "image_name",
  [DEFAULT_IMAGE_VERSION] = "image_version",
};

/* The server's own families (decisions.md D3). */
#define REQUESTS_NAME   "seldon_microservice_requests_total"
#define DURATION_NAME   "seldon_microservice_request_duration_seconds"
#define IN_FLIGHT_NAME  "seldon_microservice_requests_in_flight"
#define QUEUE_NAME      "seldon_microservice_queue_duration_seconds"
#define COMPONENT_NAME  "seldon_microservice_component_duration_seconds"
#define WORKERS_NAME    "seldon_microservice_workers"
#define READY_NAME      "seldon_microservice_workers_ready"
#define RESTARTS_NAME   "seldon_microservice_worker_restarts_total"
#define PSS_NAME        "seldon_microservice_worker_memory_pss_bytes"
#define RESERVED_PREFIX "seldon_microservice_"

typedef enum
{
  PROC_CPU,
  PROC_RSS,
  PROC_VSIZE,
  PROC_OPEN_FDS,
  PROC_MAX_FDS,
  PROC_START_TIME,
  N_PROC
} ProcMetric;

static const struct
{
  const char *name;
  MetricKind  kind;
  const char *help;
} proc_metrics[N_PROC] = {
  [PROC_CPU] = { "process_cpu_seconds_total", KIND_COUNTER, "User and system CPU time of the front process, in seconds." },
  [PROC_RSS] = { "process_resident_memory_bytes", KIND_GAUGE, "Resident memory of the front process, in bytes." },
  [PROC_VSIZE] = { "process_virtual_memory_bytes", KIND_GAUGE, "Virtual memory of the front process, in bytes." },
  [PROC_OPEN_FDS] = { "process_open_fds", KIND_GAUGE, "Open file descriptors of the front process." },
  [PROC_MAX_FDS] = { "process_max_fds", KIND_GAUGE, "Limit on open file descriptors of the front process." },
  [PROC_START_TIME] = { "process_start_time_seconds", KIND_GAUGE, "Start time of the front process since the Unix epoch, in seconds." },
};

enum
{
  POOL_WORKERS,
  POOL_READY,
  POOL_RESTARTS,
  POOL_PSS,
};

/* The request metric series of one (method label, protocol), found by the pointers the caller
 * passes (the texts are compared too): no key to build and hash on every call. */
#define FAST_SERIES 16

typedef struct
{
  const char *label_ptr;
  const char *protocol_ptr;
  char       *label;
  char       *protocol;
  Series     *duration;       /* each NULL until first used */
  Series     *queue;
  Series     *component;
  Series     *requests;       /* of the code @requests_code */
  guint       requests_code;
} FastSeries;

struct _SeldonMetrics
{
  SeldonMetricsFlags flags;
  gboolean   aggregate;
  /* Benchmarks only (bench/overhead.sh): _SELDON_BENCH_METRICS_OFF=1 records nothing. */
  gboolean   off;
  char      *defaults[N_DEFAULTS];

  GMutex     lock;
  /* Everything below is guarded by @lock. */
  GHashTable *families;       /* name -> Family* (owned) */
  GPtrArray  *order;          /* custom Family*, creation order */
  GHashTable *series;         /* key -> Series* (owned by its family) */
  GHashTable *cache;          /* Update.cache_key -> Series* */
  GHashTable *warned;         /* names whose problem was logged */
  GHashTable *request_cache;  /* "label\x1fprotocol\x1fcode" -> Series* */
  GHashTable *duration_cache; /* "label\x1fprotocol" -> Series* */
  GHashTable *queue_cache;    /* "label\x1fprotocol" -> Series* */
  GHashTable *component_cache;
  FastSeries  fast[FAST_SERIES];
  guint       n_fast;
  Family     *requests;
  Family     *duration;
  Family     *queue;
  Family     *component;
  Family     *in_flight_family;
  Family     *pool_families[4]; /* workers, ready, restarts, PSS: rendered from the worker */
  GWeakRef    worker;         /* SeldonWorker: the pool metrics */
  Family     *proc_families[N_PROC];

  int         in_flight;      /* atomic */
  double      start_time;     /* process_start_time_seconds, or NAN */
};

/* ---------------------------------------------------------------------------------------- */
/* Names and values                                                                         */
/* ---------------------------------------------------------------------------------------- */

/*
 * seldon_metrics_is_metric_name:
 * @name: a name
 *
 * Whether @name is a Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
 */
gboolean
seldon_metrics_is_metric_name (const char *name)
{
  if (name == NULL || *name == '\0' || g_ascii_isdigit (*name))
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != ':')
      return FALSE;
  return TRUE;
}

/*
 * seldon_metrics_is_label_name:
 * @name: a name
 *
 * Whether @name is a Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
 */
gboolean
seldon_metrics_is_label_name (const char *name)
{
  if (name == NULL || *name == '\0' || g_ascii_isdigit (*name))
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

/*
 * seldon_metrics_append_value:
 * @out: where to append
 * @value: a sample value
 *
 * Appends @value as the Python client prints it (metrics.md §4.2): Python's float repr, `+Inf`,
 * `-Inf` and `NaN`, and for positive values with more than 6 digits before the point Go's
 * exponent form (`1234567.0` is `1.234567e+06`, `1e+06` for a million). Unlike the Python client,
 * which drops the fraction of such values, the digits after the point are kept.
 */
void
seldon_metrics_append_value (GString *out,
                             double   value)
{
  g_autoptr(GString) repr = NULL;
  const char *dot;
  gsize start;
  gsize int_digits;

  if (isnan (value))
    {
      g_string_append (out, "NaN");
      return;
    }
  if (isinf (value))
    {
      g_string_append (out, value > 0 ? "+Inf" : "-Inf");
      return;
    }

  repr = g_string_sized_new (32);
  seldon_json_append_double (repr, value, FALSE);
  dot = strchr (repr->str, '.');
  int_digits = dot != NULL ? (gsize) (dot - repr->str) : 0;
  if (value <= 0 || dot == NULL || int_digits <= 6 || strchr (repr->str, 'e') != NULL)
    {
      g_string_append_len (out, repr->str, (gssize) repr->len);
      return;
    }

  /* d.ddddd…e+0N, trailing zeros (and a bare point) removed; N = digits before the point - 1,
   * written after "e+0" as the Python client does. */
  start = out->len;
  g_string_append_c (out, repr->str[0]);
  g_string_append_c (out, '.');
  g_string_append_len (out, repr->str + 1, (gssize) (int_digits - 1));
  g_string_append (out, dot + 1);
  while (out->len > start && (out->str[out->len - 1] == '0' || out->str[out->len - 1] == '.'))
    g_string_truncate (out, out->len - 1);
  g_string_append_printf (out, "e+0%" G_GSIZE_FORMAT, int_digits - 1);
}

/* A label value: `\` ⇒ `\\`, newline ⇒ `\n`, `"` ⇒ `\"`. */
static void
append_escaped (GString    *out,
                const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '"':
          g_string_append (out, "\\\"");
          break;
        default:
          g_string_append_c (out, *p);
        }
    }
}

static int
compare_labels (const void *a,
                const void *b)
{
  const Label *la = a, *lb = b;
  int cmp = strcmp (la->name, lb->name);

  if (cmp != 0)
    return cmp;
  return la->order < lb->order ? -1 : la->order > lb->order ? 1 : 0;
}

/*
 * Renders @labels (modified: sorted) as `a="x",b="y"`, the last of equal names winning.
 * For histograms also the parts before and after where `le` sorts.
 */
static void
render_labels (GArray  *labels,
               char   **text,
               char   **lo,
               char   **hi)
{
  g_autoptr(GString) all = g_string_sized_new (256);
  gssize split = -1;

  g_array_sort (labels, compare_labels);
  for (guint i = 0; i < labels->len; i++)
    {
      const Label *label = &g_array_index (labels, Label, i);

      if (i + 1 < labels->len && strcmp (g_array_index (labels, Label, i + 1).name, label->name) == 0)
        continue;
      if (split < 0 && strcmp (label->name, "le") > 0)
        split = (gssize) all->len;
      if (all->len > 0)
        g_string_append_c (all, ',');
      g_string_append (all, label->name);
      g_string_append (all, "=\"");
      append_escaped (all, label->value);
      g_string_append_c (all, '"');
    }

  if (lo != NULL && hi != NULL)
    {
      if (split < 0)
        {
          *lo = g_strdup (all->str);
          *hi = g_strdup ("");
        }
      else
        {
          /* split is where the comma before the first "high" label was appended */
          *lo = g_strndup (all->str, (gsize) split);
          *hi = g_strdup (all->str + split + (split > 0 ? 1 : 0));
        }
    }
  *text = g_string_free (g_steal_pointer (&all), FALSE);
}

static void
labels_add (GArray     *labels,
            const char *name,
            const char *value)
{
  Label label = { name, value, labels->len };

  g_array_append_val (labels, label);
}

/* After the series' own labels: the method label, the default labels, worker_id. */
static void
labels_add_common (SeldonMetrics *self,
                   GArray        *labels,
                   const char    *method_label,
                   const char    *worker_id)
{
  if (method_label != NULL)
    labels_add (labels, "method", method_label);
  for (guint i = 0; i < N_DEFAULTS; i++)
    labels_add (labels, default_label_names[i], self->defaults[i]);
  if (worker_id != NULL)
    labels_add (labels, "worker_id", worker_id);
}

/* @value in decimal into @buffer (at least 16 bytes); printf is slow on the recording path. */
static const char *
format_uint (char  *buffer,
             guint  value)
{
  char *p = buffer + 15;

  *p = '\0';
  do
    {
      *--p = (char) ('0' + value % 10);
      value /= 10;
    }
  while (value > 0);
  return p;
}

static char *
series_key (const char *name,
            const char *labels)
{
  if (*labels == '\0')
    return g_strdup (name);
  return g_strconcat (name, "{", labels, "}", NULL);
}

/* The bin of observation @x, or -1 for none. */
static int
buckets_find_bin (const Buckets *buckets,
                  double         x)
{
  guint lo = 0, hi = buckets->n_bounds;

  if (isnan (x))
    return -1;
  if (buckets->seldon_bins)
    {
      /* [e_i, e_{i+1}): the number of bounds <= x; below the lower edge 0, no bin */
      if (x < 0)
        return -1;
      while (lo < hi)
        {
          guint mid = (lo + hi) / 2;

          if (buckets->bounds[mid].value <= x)
            lo = mid + 1;
          else
            hi = mid;
        }
    }
  else
    {
      /* Prometheus: the first bound >= x */
      while (lo < hi)
        {
          guint mid = (lo + hi) / 2;

          if (buckets->bounds[mid].value < x)
            lo = mid + 1;
          else
            hi = mid;
        }
    }
  return (int) lo;
}

static void
update_clear (Update *update)
{
  g_clear_pointer (&update->cache_key, g_free);
  g_clear_pointer (&update->name, g_free);
  g_clear_pointer (&update->key, g_free);
  g_clear_pointer (&update->labels, g_free);
  g_clear_pointer (&update->labels_lo, g_free);
  g_clear_pointer (&update->labels_hi, g_free);
}

/* ---------------------------------------------------------------------------------------- */
/* Registry                                                                                 */
/* ---------------------------------------------------------------------------------------- */

static void
series_free (Series *series)
{
  g_free (series->key);
  g_free (series->labels);
  g_free (series->labels_lo);
  g_free (series->labels_hi);
  g_free (series->bins);
  g_free (series);
}

static void
family_free (Family *family)
{
  g_ptr_array_unref (family->series);
  g_free (family->name);
  g_free (family->om_name);
  g_free (family);
}

static Family *
family_new (SeldonMetrics *self,
            const char    *name,
            MetricKind     kind,
            const char    *help,
            const Buckets *buckets,
            gboolean       builtin)
{
  Family *family = g_new0 (Family, 1);

  family->name = g_strdup (name);
  if (kind == KIND_COUNTER && g_str_has_suffix (name, "_total"))
    family->om_name = g_strndup (name, strlen (name) - strlen ("_total"));
  else
    family->om_name = g_strdup (name);
  family->kind = kind;
  family->help = help;
  family->buckets = buckets;
  family->builtin = builtin;
  family->series = g_ptr_array_new_with_free_func ((GDestroyNotify) series_free);
  g_hash_table_insert (self->families, family->name, family);
  if (!builtin)
    g_ptr_array_add (self->order, family);
  return family;
}

static const char *const histogram_suffixes[] = { "_bucket", "_count", "_sum" };

/* Under the lock. NULL with @problem set when @name cannot be used for @kind. */
static Family *
family_get (SeldonMetrics  *self,
            const char     *name,
            MetricKind      kind,
            const Buckets  *buckets,
            const char    **problem)
{
  Family *family = g_hash_table_lookup (self->families, name);

  if (family != NULL)
    {
      if (family->builtin)
        *problem = "the name is reserved for the server's own metrics";
      else if (family->kind != kind)
        *problem = "the name is already used by a metric of another type";
      else
        return family;
      return NULL;
    }

  if (g_str_has_prefix (name, RESERVED_PREFIX))
    {
      *problem = "the name is reserved for the server's own metrics";
      return NULL;
    }

  /* A histogram's samples are <name>_bucket, _count and _sum: no other family may use them. */
  for (guint i = 0; i < G_N_ELEMENTS (histogram_suffixes); i++)
    {
      const char *suffix = histogram_suffixes[i];

      if (kind == KIND_HISTOGRAM)
        {
          g_autofree char *derived = g_strconcat (name, suffix, NULL);

          if (g_hash_table_contains (self->families, derived))
            {
              *problem = "the name of one of its series is already used by another metric";
              return NULL;
            }
        }
      else if (g_str_has_suffix (name, suffix))
        {
          g_autofree char *stem = g_strndup (name, strlen (name) - strlen (suffix));
          Family *other = g_hash_table_lookup (self->families, stem);

          if (other != NULL && other->kind == KIND_HISTOGRAM)
            {
              *problem = "the name is already used by a series of a TIMER metric";
              return NULL;
            }
        }
    }

  return family_new (self, name, kind, NULL, buckets, FALSE);
}

/* Under the lock: the series of @update in @family, created from @update's strings. */
static Series *
series_get (SeldonMetrics *self,
            Family        *family,
            Update        *update)
{
  Series *series = g_hash_table_lookup (self->series, update->key);

  if (series != NULL)
    return series;

  series = g_new0 (Series, 1);
  series->family = family;
  series->key = g_steal_pointer (&update->key);
  series->labels = g_steal_pointer (&update->labels);
  series->labels_lo = g_steal_pointer (&update->labels_lo);
  series->labels_hi = g_steal_pointer (&update->labels_hi);
  if (family->kind == KIND_HISTOGRAM)
    series->bins = g_new0 (guint64, family->buckets->n_bounds + 1);
  g_ptr_array_add (family->series, series);
  g_hash_table_insert (self->series, series->key, series);
  return series;
}

static void
series_apply (Series *series,
              double  value,
              int     bin)
{
  switch (series->family->kind)
    {
    case KIND_COUNTER:
      series->value += value;
      break;
    case KIND_GAUGE:
      series->value = value;
      break;
    case KIND_HISTOGRAM:
      series->value += value;
      if (bin >= 0)
        series->bins[bin]++;
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Under the lock: whether @name's problem still has to be logged (once per name). */
static gboolean
warn_once (SeldonMetrics *self,
           const char    *name)
{
  /* past MAX_WARNED_NAMES distinct names, a component is generating names: stay quiet */
  if (g_hash_table_contains (self->warned, name) || g_hash_table_size (self->warned) >= MAX_WARNED_NAMES)
    return FALSE;
  g_hash_table_add (self->warned, g_strdup (name));
  return TRUE;
}

static void
log_skipped (const char *name,
             const char *problem)
{
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                    "MESSAGE", "Custom metric “%s” is not recorded: %s", name, problem);
}

/* Applies @updates under one lock; unusable ones are logged once per name. */
static void
apply_updates (SeldonMetrics *self,
               GArray        *updates,
               GArray        *invalid)
{
  g_autoptr(GPtrArray) to_log = g_ptr_array_new_with_free_func (g_free);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < updates->len; i++)
    {
      Update *update = &g_array_index (updates, Update, i);
      const char *problem = NULL;
      Family *family;
      Series *series;

      if (update->done || update->key == NULL)
        continue;
      family = family_get (self, update->name, update->kind, update->buckets, &problem);
      if (family == NULL)
        {
          if (warn_once (self, update->name))
            g_ptr_array_add (to_log, g_strdup_printf ("%s\x1f%s", update->name, problem));
          continue;
        }
      series = series_get (self, family, update);
      series_apply (series, update->value, update->bin);
      if (update->cache_key != NULL && !g_hash_table_contains (self->cache, update->cache_key))
        g_hash_table_insert (self->cache, g_steal_pointer (&update->cache_key), series);
    }
  for (guint i = 0; invalid != NULL && i < invalid->len; i += 2)
    {
      const char *name = g_array_index (invalid, char *, i);

      if (warn_once (self, name))
        g_ptr_array_add (to_log, g_strdup_printf ("%s\x1f%s", name, g_array_index (invalid, char *, i + 1)));
    }
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < to_log->len; i++)
    {
      char *entry = g_ptr_array_index (to_log, i);
      char *sep = strchr (entry, '\x1f');

      *sep = '\0';
      log_skipped (entry, sep + 1);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Recording                                                                                */
/* ---------------------------------------------------------------------------------------- */

static void
invalid_add (GArray     *invalid,
             const char *name,
             const char *problem)
{
  char *entries[2] = { g_strdup (name), g_strdup (problem) };

  g_array_append_vals (invalid, entries, 2);
}

static void
invalid_free_strings (GArray *invalid)
{
  for (guint i = 0; i < invalid->len; i++)
    g_free (g_array_index (invalid, char *, i));
}

static gboolean
has_separator (const char *text)
{
  return strpbrk (text, "\x1e\x1f") != NULL;
}

/* The fast part of an update: type, value, bin and the cache key. FALSE when @metric is not a
 * metric object with a known type and a numeric value (the engine checked and logged that). */
static gboolean
prepare_metric (const char       *worker_id,
                const char       *method_label,
                const SeldonJson *metric,
                Update           *update)
{
  const SeldonJson *type, *key, *value, *tags;
  const char *type_name = "COUNTER";
  g_autoptr(GString) cache_key = NULL;
  gboolean cacheable;

  if (metric == NULL || seldon_json_get_type (metric) != SELDON_JSON_OBJECT)
    return FALSE;
  type = seldon_json_object_get (metric, "type");
  key = seldon_json_object_get (metric, "key");
  value = seldon_json_object_get (metric, "value");
  tags = seldon_json_object_get (metric, "tags");

  if (type != NULL)
    type_name = seldon_json_get_type (type) == SELDON_JSON_STRING ? seldon_json_get_string (type) : "";
  if (strcmp (type_name, "COUNTER") == 0)
    update->kind = KIND_COUNTER;
  else if (strcmp (type_name, "GAUGE") == 0)
    update->kind = KIND_GAUGE;
  else if (strcmp (type_name, "TIMER") == 0)
    update->kind = KIND_HISTOGRAM;
  else
    return FALSE;   /* the engine logged "Unknown metrics type" already */

  if (value == NULL || (!seldon_json_is_number (value) && seldon_json_get_type (value) != SELDON_JSON_BOOL))
    return FALSE;

  update->metric = metric;
  update->worker_id = worker_id;
  update->method_label = method_label;
  update->value = seldon_json_get_double (value);
  update->bin = -1;
  if (update->kind == KIND_HISTOGRAM)
    {
      update->value /= 1000;
      update->buckets = &seldon_buckets;
      update->bin = buckets_find_bin (&seldon_buckets, update->value);
    }

  /* kind, key, method, slot, then the tags in their order: the same series may get several
   * cache keys (other tag orders), never two series one key. Values holding the separators,
   * and non-string tag values, take the slow path every time. */
  cacheable = key != NULL && seldon_json_get_type (key) == SELDON_JSON_STRING &&
              strlen (seldon_json_get_string (key)) == seldon_json_get_string_length (key) &&
              !has_separator (seldon_json_get_string (key)) && !has_separator (method_label);
  if (cacheable)
    {
      cache_key = g_string_sized_new (128);
      g_string_append_c (cache_key, "CGH"[update->kind]);
      g_string_append (cache_key, seldon_json_get_string (key));
      g_string_append_c (cache_key, '\x1f');
      g_string_append (cache_key, method_label);
      g_string_append_c (cache_key, '\x1f');
      g_string_append (cache_key, worker_id != NULL ? worker_id : "");
      if (tags != NULL && seldon_json_get_type (tags) == SELDON_JSON_OBJECT)
        {
          for (guint i = 0; cacheable && i < seldon_json_object_get_size (tags); i++)
            {
              const char *name = seldon_json_object_get_key_at (tags, i);
              SeldonJson *tag = seldon_json_object_get_value_at (tags, i);
              const char *text;

              if (seldon_json_get_type (tag) != SELDON_JSON_STRING)
                {
                  cacheable = FALSE;
                  break;
                }
              text = seldon_json_get_string (tag);
              cacheable = !has_separator (name) && !has_separator (text) &&
                          strlen (text) == seldon_json_get_string_length (tag);
              g_string_append_c (cache_key, '\x1f');
              g_string_append (cache_key, name);
              g_string_append_c (cache_key, '\x1e');
              g_string_append (cache_key, text);
            }
        }
      else if (tags != NULL)
        cacheable = FALSE;
    }
  if (cacheable)
    update->cache_key = g_string_free (g_steal_pointer (&cache_key), FALSE);
  return TRUE;
}

/* The slow part: checks the names and renders the labels; notes why in @invalid when the
 * metric cannot be recorded (and leaves @update->key NULL). */
static void
prepare_labels (SeldonMetrics *self,
                Update        *update,
                GArray        *invalid)
{
  g_autoptr(GArray) labels = g_array_sized_new (FALSE, FALSE, sizeof (Label), 16);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  const SeldonJson *key = seldon_json_object_get (update->metric, "key");
  const SeldonJson *tags = seldon_json_object_get (update->metric, "tags");
  const char *key_text;

  if (key == NULL || seldon_json_get_type (key) != SELDON_JSON_STRING)
    {
      g_autofree char *text = key != NULL ? seldon_json_to_python_repr (key) : g_strdup ("None");

      invalid_add (invalid, text, "the key is not a string");
      return;
    }
  key_text = seldon_json_get_string (key);
  if (!seldon_metrics_is_metric_name (key_text) ||
      strlen (key_text) != seldon_json_get_string_length (key))
    {
      invalid_add (invalid, key_text, "the key is not a valid Prometheus metric name");
      return;
    }

  if (tags != NULL && seldon_json_get_type (tags) == SELDON_JSON_OBJECT)
    {
      for (guint i = 0; i < seldon_json_object_get_size (tags); i++)
        {
          const char *name = seldon_json_object_get_key_at (tags, i);
          SeldonJson *tag = seldon_json_object_get_value_at (tags, i);

          if (!seldon_metrics_is_label_name (name))
            {
              g_autofree char *problem = g_strdup_printf ("the tag “%s” is not a valid Prometheus label name", name);

              invalid_add (invalid, key_text, problem);
              return;
            }
          if (update->kind == KIND_HISTOGRAM && strcmp (name, "le") == 0)
            {
              invalid_add (invalid, key_text, "a TIMER cannot have the tag “le”");
              return;
            }
          if (seldon_json_get_type (tag) == SELDON_JSON_STRING)
            labels_add (labels, name, seldon_json_get_string (tag));
          else
            {
              /* Python's str() of the value (upstream's exposition fails on non-strings) */
              char *text = seldon_json_to_python_str (tag);

              g_ptr_array_add (values, text);
              labels_add (labels, name, text);
            }
        }
    }
  labels_add_common (self, labels, update->method_label, update->worker_id);

  switch (update->kind)
    {
    case KIND_COUNTER:
      /* `requests` and `requests_total` are both exposed as `requests_total` */
      if (g_str_has_suffix (key_text, "_total"))
        update->name = g_strdup (key_text);
      else
        update->name = g_strconcat (key_text, "_total", NULL);
      render_labels (labels, &update->labels, NULL, NULL);
      break;
    case KIND_GAUGE:
      update->name = g_strdup (key_text);
      render_labels (labels, &update->labels, NULL, NULL);
      break;
    case KIND_HISTOGRAM:
      update->name = g_strdup (key_text);
      render_labels (labels, &update->labels, &update->labels_lo, &update->labels_hi);
      break;
    default:
      g_assert_not_reached ();
    }
  update->key = series_key (update->name, update->labels);
}

static void
prepare_reward (SeldonMetrics *self,
                const char    *worker_id,
                double         reward,
                GArray        *updates)
{
  static const struct
  {
    const char *name;
    gboolean    is_reward;
  } counters[] = {
    { "seldon_api_model_feedback_total", FALSE },
    { "seldon_api_model_feedback_reward_total", TRUE },
  };
  g_autoptr(GArray) labels = g_array_sized_new (FALSE, FALSE, sizeof (Label), 16);
  g_autofree char *text = NULL;

  labels_add_common (self, labels, "feedback", worker_id);
  render_labels (labels, &text, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (counters); i++)
    {
      Update update = { 0, };

      update.kind = KIND_COUNTER;
      update.name = g_strdup (counters[i].name);
      update.labels = g_strdup (text);
      update.key = series_key (update.name, update.labels);
      update.value = counters[i].is_reward ? reward : 1.0;
      g_array_append_val (updates, update);
    }
}

static const char *
format_worker_id (SeldonMetrics *self,
                  guint          worker_slot,
                  char          *buffer,
                  gsize          size)
{
  g_assert (size >= 16);
  if (self->aggregate)
    return NULL;
  return format_uint (buffer, worker_slot);
}

static void
prepare_records (SeldonMetrics    *self,
                 const char       *worker_id,
                 const char       *method_label,
                 const SeldonJson *metrics,
                 GArray           *updates,
                 GArray           *invalid)
{
  if (metrics == NULL || seldon_json_get_type (metrics) != SELDON_JSON_ARRAY)
    return;
  for (guint i = 0; i < seldon_json_array_get_length (metrics); i++)
    {
      Update update = { 0, };

      if (prepare_metric (worker_id, method_label, seldon_json_array_get (metrics, i), &update))
        g_array_append_val (updates, update);
    }
}

/* Records @updates: those whose series the cache knows under one short lock; the others get
 * their names checked and labels rendered outside the lock, then go in under a second one. */
static void
record_updates (SeldonMetrics *self,
                GArray        *updates,
                GArray        *invalid)
{
  guint missed = 0;

  if (updates->len > 0)
    {
      g_mutex_lock (&self->lock);
      for (guint i = 0; i < updates->len; i++)
        {
          Update *update = &g_array_index (updates, Update, i);
          Series *series = update->cache_key != NULL ? g_hash_table_lookup (self->cache, update->cache_key) : NULL;

          if (series != NULL)
            {
              series_apply (series, update->value, update->bin);
              update->done = TRUE;
            }
          else
            missed++;
        }
      g_mutex_unlock (&self->lock);
    }

  for (guint i = 0; missed > 0 && i < updates->len; i++)
    {
      Update *update = &g_array_index (updates, Update, i);

      if (!update->done && update->key == NULL)
        prepare_labels (self, update, invalid);
    }
  if (missed > 0 || invalid->len > 0)
    apply_updates (self, updates, invalid);
  for (guint i = 0; i < updates->len; i++)
    update_clear (&g_array_index (updates, Update, i));
  invalid_free_strings (invalid);
}

void
seldon_metrics_record (SeldonMetrics    *self,
                       guint             worker_slot,
                       const char       *method_label,
                       const SeldonJson *metrics)
{
  g_autoptr(GArray) updates = g_array_new (FALSE, FALSE, sizeof (Update));
  g_autoptr(GArray) invalid = g_array_new (FALSE, FALSE, sizeof (char *));
  char buffer[16];
  const char *worker_id;

  g_return_if_fail (self != NULL);
  g_return_if_fail (method_label != NULL);

  if (self->off)
    return;
  worker_id = format_worker_id (self, worker_slot, buffer, sizeof buffer);
  prepare_records (self, worker_id, method_label, metrics, updates, invalid);
  record_updates (self, updates, invalid);
}

void
seldon_metrics_record_reward (SeldonMetrics *self,
                              guint          worker_slot,
                              double         reward)
{
  g_autoptr(GArray) updates = g_array_new (FALSE, FALSE, sizeof (Update));
  g_autoptr(GArray) invalid = g_array_new (FALSE, FALSE, sizeof (char *));
  char buffer[16];

  g_return_if_fail (self != NULL);

  if (reward == 0.0 || self->off)
    return;
  prepare_reward (self, format_worker_id (self, worker_slot, buffer, sizeof buffer), reward, updates);
  record_updates (self, updates, invalid);
}

void
seldon_metrics_record_reply (SeldonMetrics     *self,
                             const SeldonReply *reply)
{
  g_autoptr(GArray) updates = NULL;
  g_autoptr(GArray) invalid = NULL;
  char buffer[16];
  const char *worker_id;

  g_return_if_fail (self != NULL);
  g_return_if_fail (reply != NULL);

  if (((!reply->has_reward || reply->reward == 0.0) && reply->metrics == NULL) || self->off)
    return;

  updates = g_array_new (FALSE, FALSE, sizeof (Update));
  invalid = g_array_new (FALSE, FALSE, sizeof (char *));
  worker_id = format_worker_id (self, reply->worker_slot, buffer, sizeof buffer);

  /* metrics.md §3: the reward is recorded before the component runs */
  if (reply->has_reward && reply->reward != 0.0)
    prepare_reward (self, worker_id, reply->reward, updates);

  if (reply->metrics != NULL && seldon_json_get_type (reply->metrics) == SELDON_JSON_ARRAY)
    {
      for (guint i = 0; i < seldon_json_array_get_length (reply->metrics); i++)
        {
          SeldonJson *record = seldon_json_array_get (reply->metrics, i);
          SeldonJson *method;

          if (seldon_json_get_type (record) != SELDON_JSON_OBJECT)
            continue;
          method = seldon_json_object_get (record, "method");
          if (method == NULL || seldon_json_get_type (method) != SELDON_JSON_STRING)
            continue;
          prepare_records (self, worker_id, seldon_json_get_string (method),
                           seldon_json_object_get (record, "metrics"), updates, invalid);
        }
    }

  record_updates (self, updates, invalid);
}

/* ---------------------------------------------------------------------------------------- */
/* Server metrics                                                                           */
/* ---------------------------------------------------------------------------------------- */

void
seldon_metrics_request_started (SeldonMetrics *self)
{
  g_return_if_fail (self != NULL);

  if (self->off)
    return;
  g_atomic_int_inc (&self->in_flight);
}

/* Under the lock: the request counter series of (label, protocol, code). */
static Series *
request_series (SeldonMetrics *self,
                const char    *cache_key,
                const char    *method_label,
                const char    *protocol,
                const char    *code)
{
  Series *series = g_hash_table_lookup (self->request_cache, cache_key);
  g_autoptr(GArray) labels = NULL;
  Update update = { 0, };

  if (series != NULL)
    return series;

  labels = g_array_sized_new (FALSE, FALSE, sizeof (Label), 16);
  labels_add (labels, "protocol", protocol);
  labels_add (labels, "code", code);
  labels_add_common (self, labels, method_label, NULL);
  render_labels (labels, &update.labels, NULL, NULL);
  update.key = series_key (REQUESTS_NAME, update.labels);
  series = series_get (self, self->requests, &update);
  update_clear (&update);
  g_hash_table_insert (self->request_cache, g_strdup (cache_key), series);
  return series;
}

/* Under the lock: the series of histogram @family for (label, protocol), cached in @cache. */
static Series *
histogram_series (SeldonMetrics *self,
                  Family        *family,
                  GHashTable    *cache,
                  const char    *cache_key,
                  const char    *method_label,
                  const char    *protocol)
{
  Series *series = g_hash_table_lookup (cache, cache_key);
  g_autoptr(GArray) labels = NULL;
  Update update = { 0, };

  if (series != NULL)
    return series;

  labels = g_array_sized_new (FALSE, FALSE, sizeof (Label), 16);
  labels_add (labels, "protocol", protocol);
  labels_add_common (self, labels, method_label, NULL);
  render_labels (labels, &update.labels, &update.labels_lo, &update.labels_hi);
  update.key = series_key (family->name, update.labels);
  series = series_get (self, family, &update);
  update_clear (&update);
  g_hash_table_insert (cache, g_strdup (cache_key), series);
  return series;
}

/* "label\x1fprotocol" into @buffer (@size bytes) or, when longer, a new string in @allocated. */
static char *
label_protocol_key (const char  *method_label,
                    const char  *protocol,
                    char        *buffer,
                    gsize        size,
                    char       **allocated)
{
  gsize label_len = strlen (method_label), protocol_len = strlen (protocol);
  char *key = buffer;

  if (label_len + protocol_len + 2 > size)
    key = *allocated = g_malloc (label_len + protocol_len + 2);
  memcpy (key, method_label, label_len);
  key[label_len] = '\x1f';
  memcpy (key + label_len + 1, protocol, protocol_len + 1);
  return key;
}

/* Under the lock: the fast entry of (@method_label, @protocol), NULL when the table is full. */
static FastSeries *
fast_series (SeldonMetrics *self,
             const char    *method_label,
             const char    *protocol)
{
  FastSeries *fast;

  for (guint i = 0; i < self->n_fast; i++)
    {
      fast = &self->fast[i];
      if (fast->label_ptr == method_label && fast->protocol_ptr == protocol &&
          strcmp (fast->label, method_label) == 0 && strcmp (fast->protocol, protocol) == 0)
        return fast;
    }
  if (self->n_fast == FAST_SERIES)
    return NULL;
  fast = &self->fast[self->n_fast++];
  fast->label_ptr = method_label;
  fast->protocol_ptr = protocol;
  fast->label = g_strdup (method_label);
  fast->protocol = g_strdup (protocol);
  return fast;
}

/* Under the lock: histogram_series() of (@method_label, @protocol), remembered in @slot. */
static Series *
fast_histogram_series (SeldonMetrics *self,
                       Series       **slot,
                       Family        *family,
                       GHashTable    *cache,
                       const char    *method_label,
                       const char    *protocol)
{
  char key_buffer[128];
  g_autofree char *key_allocated = NULL;
  const char *key;
  Series *series;

  if (slot != NULL && *slot != NULL)
    return *slot;
  key = label_protocol_key (method_label, protocol, key_buffer, sizeof key_buffer, &key_allocated);
  series = histogram_series (self, family, cache, key, method_label, protocol);
  if (slot != NULL)
    *slot = series;
  return series;
}

void
seldon_metrics_record_timings (SeldonMetrics     *self,
                               const char        *method_label,
                               const char        *protocol,
                               gint64             queued_us,
                               const SeldonReply *reply)
{
  FastSeries *fast;
  double queue_s = NAN, component_s;

  g_return_if_fail (self != NULL);
  g_return_if_fail (method_label != NULL && protocol != NULL);

  if (reply == NULL || reply->started_us == 0 || reply->finished_us < reply->started_us || self->off)
    return;
  if (queued_us > 0)
    queue_s = (double) MAX (reply->started_us - queued_us, 0) / G_USEC_PER_SEC;
  component_s = (double) (reply->finished_us - reply->started_us) / G_USEC_PER_SEC;

  g_mutex_lock (&self->lock);
  fast = fast_series (self, method_label, protocol);
  if (!isnan (queue_s))
    series_apply (fast_histogram_series (self, fast != NULL ? &fast->queue : NULL, self->queue, self->queue_cache,
                                         method_label, protocol),
                  queue_s, buckets_find_bin (&latency_buckets, queue_s));
  series_apply (fast_histogram_series (self, fast != NULL ? &fast->component : NULL, self->component,
                                       self->component_cache, method_label, protocol),
                component_s, buckets_find_bin (&latency_buckets, component_s));
  g_mutex_unlock (&self->lock);
}

void
seldon_metrics_set_worker (SeldonMetrics *self,
                           SeldonWorker  *worker)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (worker == NULL || SELDON_IS_WORKER (worker));

  g_weak_ref_set (&self->worker, worker);
}

void
seldon_metrics_request_finished (SeldonMetrics *self,
                                 const char    *method_label,
                                 const char    *protocol,
                                 guint          code,
                                 gint64         duration_us)
{
  char code_buffer[16];
  char key_buffer[128];
  g_autofree char *key_allocated = NULL;
  const char *code_text;
  char *key;
  gsize label_len, protocol_len, code_len;
  FastSeries *fast;
  Series *requests;
  double seconds;
  int bin;

  g_return_if_fail (self != NULL);
  g_return_if_fail (method_label != NULL && protocol != NULL);

  if (self->off)
    return;
  g_atomic_int_add (&self->in_flight, -1);
  /* gRPC's OK is 0 too: there, every call ends with a status (CANCELLED when the client left). */
  if (code == 0 && strcmp (protocol, "grpc") != 0)
    return;

  seconds = (double) MAX (duration_us, 0) / G_USEC_PER_SEC;
  bin = buckets_find_bin (&latency_buckets, seconds);

  g_mutex_lock (&self->lock);
  fast = fast_series (self, method_label, protocol);
  if (fast != NULL && fast->duration != NULL && fast->requests != NULL && fast->requests_code == code)
    {
      series_apply (fast->duration, seconds, bin);
      series_apply (fast->requests, 1.0, -1);
      g_mutex_unlock (&self->lock);
      return;
    }
  g_mutex_unlock (&self->lock);

  code_text = format_uint (code_buffer, code);

  /* The cache keys "label\x1fprotocol" and "label\x1fprotocol\x1fcode", on the stack. */
  label_len = strlen (method_label);
  protocol_len = strlen (protocol);
  code_len = strlen (code_text);
  key = key_buffer;
  if (label_len + protocol_len + code_len + 3 > sizeof key_buffer)
    key = key_allocated = g_malloc (label_len + protocol_len + code_len + 3);
  memcpy (key, method_label, label_len);
  key[label_len] = '\x1f';
  memcpy (key + label_len + 1, protocol, protocol_len);
  key[label_len + 1 + protocol_len] = '\0';

  g_mutex_lock (&self->lock);
  fast = fast_series (self, method_label, protocol);
  if (fast != NULL && fast->duration != NULL)
    series_apply (fast->duration, seconds, bin);
  else
    {
      Series *duration = histogram_series (self, self->duration, self->duration_cache, key, method_label, protocol);

      series_apply (duration, seconds, bin);
      if (fast != NULL)
        fast->duration = duration;
    }
  key[label_len + 1 + protocol_len] = '\x1f';
  memcpy (key + label_len + protocol_len + 2, code_text, code_len + 1);
  requests = request_series (self, key, method_label, protocol, code_text);
  series_apply (requests, 1.0, -1);
  if (fast != NULL)
    {
      fast->requests = requests;
      fast->requests_code = code;
    }
  g_mutex_unlock (&self->lock);
}

/* ---------------------------------------------------------------------------------------- */
/* Process metrics (/proc)                                                                  */
/* ---------------------------------------------------------------------------------------- */

static double
read_boot_time (void)
{
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/stat", &contents, NULL, NULL))
    return NAN;
  line = strstr (contents, "\nbtime ");
  if (line == NULL)
    return NAN;
  return g_ascii_strtod (line + strlen ("\nbtime "), NULL);
}

/* Fields of /proc/self/stat after the command name, counted from field 3 (`state`) = 0. */
#define STAT_UTIME     11
#define STAT_STIME     12
#define STAT_STARTTIME 19
#define STAT_VSIZE     20
#define STAT_RSS       21

static gboolean
read_self_stat (char ***fields)
{
  g_autofree char *contents = NULL;
  const char *end;

  if (!g_file_get_contents ("/proc/self/stat", &contents, NULL, NULL))
    return FALSE;
  end = strrchr (contents, ')');
  if (end == NULL || end[1] != ' ')
    return FALSE;
  *fields = g_strsplit (g_strstrip ((char *) end + 2), " ", -1);
  if (g_strv_length (*fields) <= STAT_RSS)
    {
      g_clear_pointer (fields, g_strfreev);
      return FALSE;
    }
  return TRUE;
}

static double
process_start_time (void)
{
  g_auto(GStrv) fields = NULL;
  double boot = read_boot_time ();
  long ticks = sysconf (_SC_CLK_TCK);

  if (isnan (boot) || ticks <= 0 || !read_self_stat (&fields))
    return NAN;
  return boot + g_ascii_strtod (fields[STAT_STARTTIME], NULL) / (double) ticks;
}

/* @values[PROC_*], NAN for those that cannot be read. */
static void
read_process_metrics (SeldonMetrics *self,
                      double         values[N_PROC])
{
  g_auto(GStrv) fields = NULL;
  long ticks = sysconf (_SC_CLK_TCK);
  long page = sysconf (_SC_PAGESIZE);
  g_autoptr(GDir) dir = NULL;
  struct rlimit limit;

  for (guint i = 0; i < N_PROC; i++)
    values[i] = NAN;

  if (read_self_stat (&fields))
    {
      if (ticks > 0)
        values[PROC_CPU] = (g_ascii_strtod (fields[STAT_UTIME], NULL) +
                            g_ascii_strtod (fields[STAT_STIME], NULL)) / (double) ticks;
      values[PROC_VSIZE] = g_ascii_strtod (fields[STAT_VSIZE], NULL);
      if (page > 0)
        values[PROC_RSS] = g_ascii_strtod (fields[STAT_RSS], NULL) * (double) page;
    }

  dir = g_dir_open ("/proc/self/fd", 0, NULL);
  if (dir != NULL)
    {
      guint n = 0;

      while (g_dir_read_name (dir) != NULL)
        n++;
      values[PROC_OPEN_FDS] = n;
    }

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0)
    values[PROC_MAX_FDS] = limit.rlim_cur == RLIM_INFINITY ? INFINITY : (double) limit.rlim_cur;

  values[PROC_START_TIME] = self->start_time;
}

/* The proportional set size of process @pid in bytes (smaps_rollup), or NAN. */
static double
read_pss (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/smaps_rollup", pid);
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NAN;
  for (line = contents; line != NULL && *line != '\0'; line = strchr (line, '\n'), line = line ? line + 1 : NULL)
    if (g_str_has_prefix (line, "Pss:"))
      return g_ascii_strtod (line + 4, NULL) * 1024.0;   /* "Pss:  1234 kB" */
  return NAN;
}

/* ---------------------------------------------------------------------------------------- */
/* Exposition                                                                               */
/* ---------------------------------------------------------------------------------------- */

static const char *
kind_type_name (MetricKind kind)
{
  switch (kind)
    {
    case KIND_COUNTER:
      return "counter";
    case KIND_GAUGE:
      return "gauge";
    case KIND_HISTOGRAM:
      return "histogram";
    default:
      g_assert_not_reached ();
    }
}

static void
render_header (GString             *out,
               const Family        *family,
               SeldonMetricsFormat  format)
{
  const char *name = format == SELDON_METRICS_FORMAT_OPENMETRICS ? family->om_name : family->name;

  /* metrics.md §4.1: custom metrics have an empty help text, and 0.0.4 still writes the line
   * (ending with a space); OpenMetrics leaves an empty help out. */
  if (format == SELDON_METRICS_FORMAT_TEXT || family->help != NULL)
    g_string_append_printf (out, "# HELP %s %s\n", name, family->help != NULL ? family->help : "");
  g_string_append_printf (out, "# TYPE %s %s\n", name, kind_type_name (family->kind));
}

static void
render_sample (GString    *out,
               const char *name,
               const char *suffix,
               const char *labels,
               double      value)
{
  g_string_append (out, name);
  g_string_append (out, suffix);
  if (*labels != '\0')
    {
      g_string_append_c (out, '{');
      g_string_append (out, labels);
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ' ');
  seldon_metrics_append_value (out, value);
  g_string_append_c (out, '\n');
}

static void
render_bucket (GString      *out,
               const Series *series,
               const char   *le,
               guint64       count)
{
  g_string_append (out, series->family->name);
  g_string_append (out, "_bucket{");
  g_string_append (out, series->labels_lo);
  if (*series->labels_lo != '\0')
    g_string_append_c (out, ',');
  g_string_append (out, "le=\"");
  g_string_append (out, le);
  g_string_append_c (out, '"');
  if (*series->labels_hi != '\0')
    g_string_append_c (out, ',');
  g_string_append (out, series->labels_hi);
  g_string_append (out, "} ");
  seldon_metrics_append_value (out, (double) count);
  g_string_append_c (out, '\n');
}

static void
render_series (GString      *out,
               const Series *series)
{
  const Family *family = series->family;
  const Buckets *buckets = family->buckets;
  guint64 cumulative = 0;

  switch (family->kind)
    {
    case KIND_COUNTER:
    case KIND_GAUGE:
      g_string_append (out, series->key);
      g_string_append_c (out, ' ');
      seldon_metrics_append_value (out, series->value);
      g_string_append_c (out, '\n');
      break;
    case KIND_HISTOGRAM:
      for (guint i = 0; i < buckets->n_bounds; i++)
        {
          cumulative += series->bins[i];
          render_bucket (out, series, buckets->bounds[i].text, cumulative);
        }
      cumulative += series->bins[buckets->n_bounds];
      render_bucket (out, series, "+Inf", cumulative);
      render_sample (out, family->name, "_count", series->labels, (double) cumulative);
      render_sample (out, family->name, "_sum", series->labels, series->value);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Under the lock. OpenMetrics: a family whose name an earlier family took is left out
 * (e.g. a GAUGE `x` and a COUNTER `x`, both family `x` there; the text format keeps both). */
static void
render_family (GString             *out,
               const Family        *family,
               SeldonMetricsFormat  format,
               GHashTable          *om_names)
{
  if (family->series->len == 0)
    return;
  if (om_names != NULL)
    {
      if (g_hash_table_contains (om_names, family->om_name))
        return;
      g_hash_table_add (om_names, family->om_name);
    }
  render_header (out, family, format);
  for (guint i = 0; i < family->series->len; i++)
    render_series (out, g_ptr_array_index (family->series, i));
}

/* The pool metrics of the worker set with seldon_metrics_set_worker(); @common: the default labels. */
static void
render_pool (SeldonMetrics       *self,
             GString             *out,
             SeldonMetricsFormat  format,
             const char          *common)
{
  g_autoptr(SeldonWorker) worker = g_weak_ref_get (&self->worker);
  g_autoptr(GArray) info = NULL;
  g_autoptr(GPtrArray) slot_labels = NULL;
  guint n_ready = 0;
  double restarts = 0, pss = 0;
  gboolean have_pss = FALSE;
  double *pss_values;

  if (worker == NULL)
    return;
  info = seldon_worker_get_slot_info (worker);
  pss_values = g_newa (double, info->len + 1);
  slot_labels = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < info->len; i++)
    {
      SeldonWorkerSlotInfo *slot = &g_array_index (info, SeldonWorkerSlotInfo, i);
      g_autoptr(GArray) labels = g_array_sized_new (FALSE, FALSE, sizeof (Label), 16);
      char buffer[16];
      char *text = NULL;

      n_ready += slot->ready ? 1 : 0;
      restarts += slot->restarts;
      pss_values[i] = slot->pid > 0 ? read_pss (slot->pid) : NAN;
      if (!isnan (pss_values[i]))
        {
          pss += pss_values[i];
          have_pss = TRUE;
        }
      labels_add_common (self, labels, NULL, format_uint (buffer, slot->slot));
      render_labels (labels, &text, NULL, NULL);
      g_ptr_array_add (slot_labels, text);
    }

  render_header (out, self->pool_families[POOL_WORKERS], format);
  render_sample (out, WORKERS_NAME, "", common, (double) info->len);
  render_header (out, self->pool_families[POOL_READY], format);
  render_sample (out, READY_NAME, "", common, (double) n_ready);

  render_header (out, self->pool_families[POOL_RESTARTS], format);
  if (self->aggregate)
    render_sample (out, RESTARTS_NAME, "", common, restarts);
  else
    for (guint i = 0; i < info->len; i++)
      render_sample (out, RESTARTS_NAME, "", g_ptr_array_index (slot_labels, i),
                     (double) g_array_index (info, SeldonWorkerSlotInfo, i).restarts);

  if (!have_pss)
    return;
  render_header (out, self->pool_families[POOL_PSS], format);
  if (self->aggregate)
    render_sample (out, PSS_NAME, "", common, pss);
  else
    for (guint i = 0; i < info->len; i++)
      if (!isnan (pss_values[i]))
        render_sample (out, PSS_NAME, "", g_ptr_array_index (slot_labels, i), pss_values[i]);
}

GBytes *
seldon_metrics_render (SeldonMetrics       *self,
                       SeldonMetricsFormat  format)
{
  g_autoptr(GString) out = g_string_sized_new (4096);
  g_autoptr(GHashTable) om_names = NULL;
  gboolean builtin;
  double proc[N_PROC];

  g_return_val_if_fail (self != NULL, NULL);

  builtin = (self->flags & SELDON_METRICS_FLAGS_BUILTIN) != 0;
  if (builtin)
    read_process_metrics (self, proc);
  if (format == SELDON_METRICS_FORMAT_OPENMETRICS)
    om_names = g_hash_table_new (g_str_hash, g_str_equal);

  g_mutex_lock (&self->lock);
  if (builtin && om_names != NULL)
    {
      /* reserve the server's names first: a custom family never shadows them */
      g_hash_table_add (om_names, self->requests->om_name);
      g_hash_table_add (om_names, self->duration->om_name);
      g_hash_table_add (om_names, self->in_flight_family->om_name);
      g_hash_table_add (om_names, self->queue->om_name);
      g_hash_table_add (om_names, self->component->om_name);
      for (guint i = 0; i < G_N_ELEMENTS (self->pool_families); i++)
        g_hash_table_add (om_names, self->pool_families[i]->om_name);
      for (guint i = 0; i < N_PROC; i++)
        g_hash_table_add (om_names, self->proc_families[i]->om_name);
    }
  for (guint i = 0; i < self->order->len; i++)
    render_family (out, g_ptr_array_index (self->order, i), format, om_names);
  if (builtin)
    {
      /* the server's own families bypass the name check above */
      render_family (out, self->requests, format, NULL);
      render_family (out, self->duration, format, NULL);
      render_family (out, self->queue, format, NULL);
      render_family (out, self->component, format, NULL);
    }
  g_mutex_unlock (&self->lock);

  if (builtin)
    {
      g_autoptr(GArray) labels = g_array_sized_new (FALSE, FALSE, sizeof (Label), 16);
      g_autofree char *text = NULL;

      labels_add_common (self, labels, NULL, NULL);
      render_labels (labels, &text, NULL, NULL);
      render_header (out, self->in_flight_family, format);
      render_sample (out, IN_FLIGHT_NAME, "", text, (double) MAX (g_atomic_int_get (&self->in_flight), 0));
      render_pool (self, out, format, text);

      for (guint i = 0; i < N_PROC; i++)
        {
          if (isnan (proc[i]))
            continue;
          render_header (out, self->proc_families[i], format);
          render_sample (out, proc_metrics[i].name, "", "", proc[i]);
        }
    }

  if (format == SELDON_METRICS_FORMAT_OPENMETRICS)
    g_string_append (out, "# EOF\n");

  return g_string_free_to_bytes (g_steal_pointer (&out));
}

/* ---------------------------------------------------------------------------------------- */
/* Content negotiation                                                                      */
/* ---------------------------------------------------------------------------------------- */

SeldonMetricsFormat
seldon_metrics_negotiate (const char *accept)
{
  g_auto(GStrv) ranges = NULL;
  double q_openmetrics = -1, q_text = -1;

  if (accept == NULL)
    return SELDON_METRICS_FORMAT_TEXT;

  ranges = g_strsplit (accept, ",", -1);
  for (guint i = 0; ranges[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (ranges[i], ";", -1);
      const char *type = g_strstrip (parts[0]);
      const char *version = NULL;
      double q = 1.0;

      for (guint j = 1; parts[j] != NULL; j++)
        {
          char *param = g_strstrip (parts[j]);
          char *eq = strchr (param, '=');

          if (eq == NULL)
            continue;
          *eq = '\0';
          g_strstrip (param);
          if (g_ascii_strcasecmp (param, "q") == 0)
            q = g_ascii_strtod (g_strstrip (eq + 1), NULL);
          else if (g_ascii_strcasecmp (param, "version") == 0)
            version = g_strstrip (eq + 1);
        }

      if (g_ascii_strcasecmp (type, "application/openmetrics-text") == 0)
        {
          if (version == NULL || strcmp (version, "1.0.0") == 0 || strcmp (version, "0.0.1") == 0)
            q_openmetrics = MAX (q_openmetrics, q);
        }
      else if (g_ascii_strcasecmp (type, "text/plain") == 0)
        q_text = MAX (q_text, q);
    }

  if (q_openmetrics > 0 && q_openmetrics > q_text)
    return SELDON_METRICS_FORMAT_OPENMETRICS;
  return SELDON_METRICS_FORMAT_TEXT;
}

const char *
seldon_metrics_format_get_content_type (SeldonMetricsFormat format)
{
  switch (format)
    {
    case SELDON_METRICS_FORMAT_OPENMETRICS:
      return SELDON_METRICS_CONTENT_TYPE_OPENMETRICS;
    case SELDON_METRICS_FORMAT_TEXT:
    default:
      return SELDON_METRICS_CONTENT_TYPE_TEXT;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Life cycle                                                                               */
/* ---------------------------------------------------------------------------------------- */

/* metrics.md §4.2 */
static void
init_default_labels (SeldonMetrics *self,
                     SeldonConfig  *config)
{
  g_autofree char *deployment = NULL;
  g_autofree char *unit = NULL;
  g_autofree char *image = NULL;
  g_autofree char *predictor = NULL;
  g_autofree char *predictor_labels = NULL;
  g_autofree char *model_image = NULL;
  g_autofree char *model_version = NULL;
  char *predictor_version = NULL;

  if (config != NULL)
    g_object_get (config,
                  "deployment-id", &deployment,
                  "unit-id", &unit,
                  "unit-image", &image,
                  "predictor-id", &predictor,
                  "predictor-labels", &predictor_labels,
                  NULL);

  if (image != NULL)
    {
      char *colon = strrchr (image, ':');

      /* the text before the last ':' and after it; without ':' the image is "" */
      if (colon != NULL)
        {
          model_version = g_strdup (colon + 1);
          *colon = '\0';
          model_image = g_strdup (image);
        }
      else
        {
          model_image = g_strdup ("");
          model_version = g_strdup (image);
        }
    }

  if (predictor_labels != NULL)
    {
      g_autoptr(SeldonJson) parsed = seldon_json_parse (predictor_labels, -1, NULL);
      SeldonJson *version = NULL;

      if (parsed != NULL && seldon_json_get_type (parsed) == SELDON_JSON_OBJECT)
        version = seldon_json_object_get (parsed, "version");
      if (version != NULL)
        predictor_version = seldon_json_to_python_str (version);
    }

#define OR_DEFAULT(x) ((x) != NULL ? g_strdup (x) : g_strdup (NOT_IMPLEMENTED))
  self->defaults[DEFAULT_DEPLOYMENT_NAME] = OR_DEFAULT (deployment);
  self->defaults[DEFAULT_SELDON_DEPLOYMENT_NAME] = OR_DEFAULT (deployment);
  self->defaults[DEFAULT_MODEL_NAME] = OR_DEFAULT (unit);
  self->defaults[DEFAULT_MODEL_IMAGE] = OR_DEFAULT (model_image);
  self->defaults[DEFAULT_IMAGE_NAME] = OR_DEFAULT (model_image);
  self->defaults[DEFAULT_MODEL_VERSION] = OR_DEFAULT (model_version);
  self->defaults[DEFAULT_IMAGE_VERSION] = OR_DEFAULT (model_version);
  self->defaults[DEFAULT_PREDICTOR_NAME] = OR_DEFAULT (predictor);
  self->defaults[DEFAULT_PREDICTOR_VERSION] = predictor_version != NULL ? predictor_version
                                                                        : g_strdup (NOT_IMPLEMENTED);
#undef OR_DEFAULT
}

SeldonMetrics *
seldon_metrics_new (SeldonConfig       *config,
                    SeldonMetricsFlags  flags)
{
  SeldonMetrics *self;

  g_return_val_if_fail (config == NULL || SELDON_IS_CONFIG (config), NULL);

  self = g_atomic_rc_box_new0 (SeldonMetrics);
  self->flags = flags;
  self->off = g_strcmp0 (g_getenv ("_SELDON_BENCH_METRICS_OFF"), "1") == 0;
  if (config != NULL)
    g_object_get (config, "metrics-aggregate", &self->aggregate, NULL);
  init_default_labels (self, config);

  g_mutex_init (&self->lock);
  self->families = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) family_free);
  self->order = g_ptr_array_new ();
  self->series = g_hash_table_new (g_str_hash, g_str_equal);
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->warned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->request_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->duration_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->queue_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->component_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* The server's own names are always reserved, rendered only with FLAGS_BUILTIN. */
  self->requests = family_new (self, REQUESTS_NAME, KIND_COUNTER,
                               "Requests answered, by Seldon method, protocol and status code.",
                               NULL, TRUE);
  self->duration = family_new (self, DURATION_NAME, KIND_HISTOGRAM,
                               "Time from the arrival of a request to its answer, in seconds.",
                               &latency_buckets, TRUE);
  self->in_flight_family = family_new (self, IN_FLIGHT_NAME, KIND_GAUGE,
                                       "Requests received and not answered yet.", NULL, TRUE);
  self->queue = family_new (self, QUEUE_NAME, KIND_HISTOGRAM,
                            "Time a call waited for a worker thread, in seconds.",
                            &latency_buckets, TRUE);
  self->component = family_new (self, COMPONENT_NAME, KIND_HISTOGRAM,
                                "Time a worker took to run a call (decoding, the component, encoding), in seconds.",
                                &latency_buckets, TRUE);
  self->pool_families[POOL_WORKERS] = family_new (self, WORKERS_NAME, KIND_GAUGE,
                                                  "Worker slots in the pool.", NULL, TRUE);
  self->pool_families[POOL_READY] = family_new (self, READY_NAME, KIND_GAUGE,
                                                "Worker slots serving calls now.", NULL, TRUE);
  self->pool_families[POOL_RESTARTS] = family_new (self, RESTARTS_NAME, KIND_COUNTER,
                                                   "Worker processes started again in a slot (respawned after an exit, or recycled).",
                                                   NULL, TRUE);
  self->pool_families[POOL_PSS] = family_new (self, PSS_NAME, KIND_GAUGE,
                                              "Proportional set size of a worker process, in bytes.",
                                              NULL, TRUE);
  g_weak_ref_init (&self->worker, NULL);
  for (guint i = 0; i < N_PROC; i++)
    self->proc_families[i] = family_new (self, proc_metrics[i].name, proc_metrics[i].kind,
                                         proc_metrics[i].help, NULL, TRUE);

  self->start_time = (flags & SELDON_METRICS_FLAGS_BUILTIN) ? process_start_time () : NAN;
  return self;
}

SeldonMetrics *
seldon_metrics_ref (SeldonMetrics *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

static void
seldon_metrics_clear (SeldonMetrics *self)
{
  g_hash_table_unref (self->request_cache);
  g_hash_table_unref (self->duration_cache);
  g_hash_table_unref (self->queue_cache);
  g_hash_table_unref (self->component_cache);
  for (guint i = 0; i < self->n_fast; i++)
    {
      g_free (self->fast[i].label);
      g_free (self->fast[i].protocol);
    }
  g_weak_ref_clear (&self->worker);
  g_hash_table_unref (self->warned);
  g_hash_table_unref (self->cache);
  g_hash_table_unref (self->series);
  g_ptr_array_unref (self->order);
  g_hash_table_unref (self->families);
  g_mutex_clear (&self->lock);
  for (guint i = 0; i < N_DEFAULTS; i++)
    g_free (self->defaults[i]);
}

void
seldon_metrics_unref (SeldonMetrics *self)
{
  g_return_if_fail (self != NULL);

  g_atomic_rc_box_release_full (self, (GDestroyNotify) seldon_metrics_clear);
}
