/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "seldon-config.h"

/**
 * SeldonConfig:
 *
 * Every setting of the microservice, as properties.
 *
 * A `SeldonConfig` is a plain bag of properties. The `seldon-microservice` program fills it
 * from, in increasing order of precedence: the built-in defaults, GSettings (schema
 * `io.seldon.Microservice`, whose key names are the property names, so the program binds them
 * with [method@Gio.Settings.bind]), the environment variables of the Seldon Python wrapper,
 * and the command line. The library reads its settings from this object only, never from the
 * environment or GSettings, so a program embedding [class@Seldon.Server] sets them directly:
 *
 * ```c
 * g_autoptr(SeldonConfig) config = seldon_config_new ();
 * g_object_set (config, "http-port", 8080, "threads", 4, NULL);
 * ```
 *
 * Integer settings that bound a resource (sizes, time limits, counts of requests) use `0` for
 * "no limit".
 *
 * Since: 1.0
 */

typedef enum
{
  KIND_STRING,
  KIND_BOOLEAN,
  KIND_INT,
  KIND_INT64,
} Kind;

enum
{
  PROP_0,
  PROP_INTERFACE_NAME,
  PROP_SERVICE_TYPE,
  PROP_PARAMETERS,
  PROP_LOG_LEVEL,
  PROP_DEBUG,
  PROP_TRACING,
  PROP_PERSISTENCE,
  PROP_LISTEN_ADDRESS,
  PROP_HTTP_PORT,
  PROP_GRPC_PORT,
  PROP_METRICS_PORT,
  PROP_WORKERS,
  PROP_THREADS,
  PROP_MAX_REQUESTS,
  PROP_MAX_REQUESTS_JITTER,
  PROP_KEEPALIVE,
  PROP_SINGLE_THREADED,
  PROP_ACCESS_LOG,
  PROP_PIDFILE,
  PROP_GRPC_WORKERS,
  PROP_GRPC_THREADS,
  PROP_METRICS_ENDPOINT,
  PROP_FILTER_METRICS_ACCESS_LOGS,
  PROP_UNIT_ID,
  PROP_UNIT_IMAGE,
  PROP_DEPLOYMENT_ID,
  PROP_PREDICTOR_ID,
  PROP_PREDICTOR_LABELS,
  PROP_MODEL_METADATA,
  PROP_PAYLOAD_PASSTHROUGH,
  PROP_INCLUDE_METRICS_IN_CLIENT_RESPONSE,
  PROP_EXECUTOR_ENABLED,
  PROP_METRICS_AGGREGATE,
  PROP_JSON_PRETTY,
  PROP_JSON_SORT_KEYS,
  PROP_JSON_ASCII,
  PROP_MAX_BODY_BYTES,
  PROP_REQUEST_TIMEOUT_MS,
  PROP_GRPC_MAX_MESSAGE_BYTES,
  PROP_GRACEFUL_TIMEOUT,
  PROP_MAX_QUEUED,
  N_PROPS
};

struct _SeldonConfig
{
  GObject parent_instance;

  char *interface_name;
  char *service_type;
  char *parameters;
  char *log_level;
  gboolean debug;
  int tracing;
  int persistence;
  char *listen_address;
  int http_port;
  int grpc_port;
  int metrics_port;
  int workers;
  int threads;
  int max_requests;
  int max_requests_jitter;
  int keepalive;
  gboolean single_threaded;
  gboolean access_log;
  char *pidfile;
  int grpc_workers;
  int grpc_threads;
  char *metrics_endpoint;
  gboolean filter_metrics_access_logs;
  char *unit_id;
  char *unit_image;
  char *deployment_id;
  char *predictor_id;
  char *predictor_labels;
  char *model_metadata;
  gboolean payload_passthrough;
  gboolean include_metrics_in_client_response;
  gboolean executor_enabled;
  gboolean metrics_aggregate;
  gboolean json_pretty;
  gboolean json_sort_keys;
  gboolean json_ascii;
  gint64 max_body_bytes;
  gint64 request_timeout_ms;
  int grpc_max_message_bytes;
  int graceful_timeout;
  int max_queued;
};

G_DEFINE_FINAL_TYPE (SeldonConfig, seldon_config, G_TYPE_OBJECT)

/* One row per property: where its value lives, its type, range and default. The defaults
 * documented below must match this table and data/io.seldon.Microservice.gschema.xml
 * (tests/test-config.c checks both). */
typedef struct
{
  const char *name;
  Kind kind;
  gsize offset;
  const char *default_string;
  gint64 default_number;
  gint64 min;
  gint64 max;
} PropInfo;

#define FIELD(f) G_STRUCT_OFFSET (SeldonConfig, f)
#define STR(n, f, def) { n, KIND_STRING, FIELD (f), def, 0, 0, 0 }
#define BOOL(n, f, def) { n, KIND_BOOLEAN, FIELD (f), NULL, def, 0, 1 }
#define INT(n, f, def, lo, hi) { n, KIND_INT, FIELD (f), NULL, def, lo, hi }
#define INT64(n, f, def, lo, hi) { n, KIND_INT64, FIELD (f), NULL, def, lo, hi }

static const PropInfo prop_info[N_PROPS] = {
  [PROP_INTERFACE_NAME] = STR ("interface-name", interface_name, NULL),
  [PROP_SERVICE_TYPE] = STR ("service-type", service_type, "MODEL"),
  [PROP_PARAMETERS] = STR ("parameters", parameters, "[]"),
  [PROP_LOG_LEVEL] = STR ("log-level", log_level, "INFO"),
  [PROP_DEBUG] = BOOL ("debug", debug, FALSE),
  [PROP_TRACING] = INT ("tracing", tracing, 0, G_MININT, G_MAXINT),
  [PROP_PERSISTENCE] = INT ("persistence", persistence, 0, G_MININT, G_MAXINT),
  [PROP_LISTEN_ADDRESS] = STR ("listen-address", listen_address, "0.0.0.0"),
  [PROP_HTTP_PORT] = INT ("http-port", http_port, 9000, 0, 65535),
  [PROP_GRPC_PORT] = INT ("grpc-port", grpc_port, 5000, 0, 65535),
  [PROP_METRICS_PORT] = INT ("metrics-port", metrics_port, 6000, 0, 65535),
  [PROP_WORKERS] = INT ("workers", workers, 1, 1, G_MAXINT),
  [PROP_THREADS] = INT ("threads", threads, 10, 1, G_MAXINT),
  [PROP_MAX_REQUESTS] = INT ("max-requests", max_requests, 0, 0, G_MAXINT),
  [PROP_MAX_REQUESTS_JITTER] = INT ("max-requests-jitter", max_requests_jitter, 0, 0, G_MAXINT),
  [PROP_KEEPALIVE] = INT ("keepalive", keepalive, 2, 0, G_MAXINT),
  [PROP_SINGLE_THREADED] = BOOL ("single-threaded", single_threaded, FALSE),
  [PROP_ACCESS_LOG] = BOOL ("access-log", access_log, FALSE),
  [PROP_PIDFILE] = STR ("pidfile", pidfile, NULL),
  [PROP_GRPC_WORKERS] = INT ("grpc-workers", grpc_workers, 1, 0, G_MAXINT),
  [PROP_GRPC_THREADS] = INT ("grpc-threads", grpc_threads, 1, 1, G_MAXINT),
  [PROP_METRICS_ENDPOINT] = STR ("metrics-endpoint", metrics_endpoint, "/metrics"),
  [PROP_FILTER_METRICS_ACCESS_LOGS] = BOOL ("filter-metrics-access-logs", filter_metrics_access_logs, TRUE),
  [PROP_UNIT_ID] = STR ("unit-id", unit_id, NULL),
  [PROP_UNIT_IMAGE] = STR ("unit-image", unit_image, NULL),
  [PROP_DEPLOYMENT_ID] = STR ("deployment-id", deployment_id, NULL),
  [PROP_PREDICTOR_ID] = STR ("predictor-id", predictor_id, NULL),
  [PROP_PREDICTOR_LABELS] = STR ("predictor-labels", predictor_labels, "{}"),
  [PROP_MODEL_METADATA] = STR ("model-metadata", model_metadata, NULL),
  [PROP_PAYLOAD_PASSTHROUGH] = BOOL ("payload-passthrough", payload_passthrough, FALSE),
  [PROP_INCLUDE_METRICS_IN_CLIENT_RESPONSE] = BOOL ("include-metrics-in-client-response", include_metrics_in_client_response, TRUE),
  [PROP_EXECUTOR_ENABLED] = BOOL ("executor-enabled", executor_enabled, TRUE),
  [PROP_METRICS_AGGREGATE] = BOOL ("metrics-aggregate", metrics_aggregate, FALSE),
  [PROP_JSON_PRETTY] = BOOL ("json-pretty", json_pretty, FALSE),
  [PROP_JSON_SORT_KEYS] = BOOL ("json-sort-keys", json_sort_keys, TRUE),
  [PROP_JSON_ASCII] = BOOL ("json-ascii", json_ascii, TRUE),
  [PROP_MAX_BODY_BYTES] = INT64 ("max-body-bytes", max_body_bytes, 104857600, 0, G_MAXINT64),
  [PROP_REQUEST_TIMEOUT_MS] = INT64 ("request-timeout-ms", request_timeout_ms, 0, 0, G_MAXINT64),
  [PROP_GRPC_MAX_MESSAGE_BYTES] = INT ("grpc-max-message-bytes", grpc_max_message_bytes, 4194304, 0, G_MAXINT),
  [PROP_GRACEFUL_TIMEOUT] = INT ("graceful-timeout", graceful_timeout, 30, 0, G_MAXINT),
  [PROP_MAX_QUEUED] = INT ("max-queued", max_queued, 1024, 0, G_MAXINT),
};

#undef FIELD
#undef STR
#undef BOOL
#undef INT
#undef INT64

static GParamSpec *properties[N_PROPS];

#define FIELD_PTR(self, info, type) ((type *) (gpointer) ((guint8 *) (self) + (info)->offset))

/*
 * Property documentation. Each names where the program takes the value from; the GSettings
 * key always has the property's name.
 */

/**
 * SeldonConfig:interface-name:
 *
 * The component to serve: the positional `INTERFACE_NAME` argument of the program (a native
 * module name or path). %NULL when not set.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:service-type:
 *
 * `--service-type`: one of `MODEL`, `ROUTER`, `TRANSFORMER`, `COMBINER`, `OUTLIER_DETECTOR`.
 * It is validated by the program and changes no behaviour: every route and service is served
 * for every type.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:parameters:
 *
 * `--parameters` / `PREDICTIVE_UNIT_PARAMETERS`: the JSON list of `{"name", "value", "type"}`
 * objects that the program turns into construct properties of the component.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:log-level:
 *
 * `--log-level` / `SELDON_LOG_LEVEL` (alias `LOG_LEVEL_ENV`): `DEBUG`, `INFO`, `WARNING` or
 * `ERROR`.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:debug:
 *
 * `--debug` / `SELDON_DEBUG`: development mode. Request handling is identical; it changes the
 * default of [property@Seldon.Config:filter-metrics-access-logs].
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:tracing:
 *
 * `--tracing` / `TRACING`: non-zero enables request tracing.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:persistence:
 *
 * `--persistence`: deprecated and ignored; a non-zero value is only reported in the log.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:listen-address:
 *
 * `--listen-address`: the address the listeners bind to (`0.0.0.0` = every IPv4 address, as
 * the Python wrapper does).
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:http-port:
 *
 * `--http-port` / `PREDICTIVE_UNIT_HTTP_SERVICE_PORT`: the REST port. `0` picks a free port
 * (read it back with [method@Seldon.Server.get_http_port]).
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:grpc-port:
 *
 * `--grpc-port` / `PREDICTIVE_UNIT_GRPC_SERVICE_PORT`: the gRPC port.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:metrics-port:
 *
 * `--metrics-port` / `PREDICTIVE_UNIT_METRICS_SERVICE_PORT`: the Prometheus metrics port.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:workers:
 *
 * `--workers` / `GUNICORN_WORKERS`: the number of worker processes that run the component.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:threads:
 *
 * `--threads` / `GUNICORN_THREADS`: concurrent calls per worker. The default is 10, the value
 * documented for the Python server (its code default is 1).
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:max-requests:
 *
 * `--max-requests` / `GUNICORN_MAX_REQUESTS`: recycle a worker after this many requests;
 * `0` = never.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:max-requests-jitter:
 *
 * `--max-requests-jitter` / `GUNICORN_MAX_REQUESTS_JITTER`: a random `0`…N added to
 * [property@Seldon.Config:max-requests] per worker.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:keepalive:
 *
 * `--keepalive` / `GUNICORN_KEEPALIVE`: seconds an idle keep-alive connection is kept open.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:single-threaded:
 *
 * `--single-threaded` / `FLASK_SINGLE_THREADED` (an integer, non-zero = true): one call at a
 * time per worker, see [method@Seldon.Config.get_effective_threads].
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:access-log:
 *
 * `--access-log` / `GUNICORN_ACCESS_LOG`: write an access log line per request to stdout.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:pidfile:
 *
 * `--pidfile`: where the program writes its process id once it listens, or %NULL.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:grpc-workers:
 *
 * `--grpc-workers` / `GRPC_WORKERS`: `0` turns the gRPC listener off; the program treats a
 * negative value as `0`.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:grpc-threads:
 *
 * `--grpc-threads` / `GRPC_THREADS`: gRPC handler threads per worker.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:metrics-endpoint:
 *
 * `PREDICTIVE_UNIT_METRICS_ENDPOINT`: the path served on the metrics port.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:filter-metrics-access-logs:
 *
 * `FILTER_METRICS_ACCESS_LOGS`: hide access-log lines that contain the metrics endpoint. The
 * program's default is the opposite of [property@Seldon.Config:debug]; the property's own
 * default is %TRUE (the value for the default, non-debug mode).
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:unit-id:
 *
 * `PREDICTIVE_UNIT_ID`: the component's name in the inference graph, or %NULL.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:unit-image:
 *
 * `PREDICTIVE_UNIT_IMAGE`: the component's image reference (`name:tag`), or %NULL.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:deployment-id:
 *
 * `SELDON_DEPLOYMENT_ID`: the Seldon deployment name (a metric label), or %NULL.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:predictor-id:
 *
 * `PREDICTOR_ID`: the predictor name (a metric label), or %NULL.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:predictor-labels:
 *
 * `PREDICTOR_LABELS`: a JSON object whose `version` member becomes the `predictor_version`
 * metric label.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:model-metadata:
 *
 * `MODEL_METADATA`: model metadata as YAML or JSON, overriding the component's
 * `init_metadata`; %NULL means `{}`.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:payload-passthrough:
 *
 * `PAYLOAD_PASSTHROUGH`: REST predict hands the raw request to the component's
 * `predict_passthrough` and answers its result verbatim.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:include-metrics-in-client-response:
 *
 * `INCLUDE_METRICS_IN_CLIENT_RESPONSE` (true only for the text `true`, any case): copy custom
 * metrics into the answer's `meta.metrics`.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:executor-enabled:
 *
 * `SELDON_EXECUTOR_ENABLED` (false only for the text `false`, any case): when false, feedback
 * reward metrics are not recorded.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:metrics-aggregate:
 *
 * `SELDON_METRICS_AGGREGATE`: serve metrics summed over the workers, without the `worker_id`
 * label.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:json-pretty:
 *
 * `FLASK_DEBUG` or `FLASK_JSONIFY_PRETTYPRINT_REGULAR`: indent JSON answers.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:json-sort-keys:
 *
 * `FLASK_JSON_SORT_KEYS`: sort the keys of JSON answers.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:json-ascii:
 *
 * `FLASK_JSON_AS_ASCII`: escape non-ASCII characters in JSON answers.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:max-body-bytes:
 *
 * `SELDON_MAX_BODY_BYTES`: the largest request body accepted; `0` = no limit.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:request-timeout-ms:
 *
 * `SELDON_REQUEST_TIMEOUT_MS` or the `seldon.io/rest-timeout` pod annotation: the time limit
 * of one call in milliseconds; `0` = none.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:grpc-max-message-bytes:
 *
 * `SELDON_GRPC_MAX_MESSAGE_BYTES` or the `seldon.io/grpc-max-message-size` pod annotation: the
 * largest gRPC message received; `0` = no limit.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:graceful-timeout:
 *
 * `SELDON_GRACEFUL_TIMEOUT`: seconds calls in flight may take to finish at shutdown.
 *
 * Since: 1.0
 */

/**
 * SeldonConfig:max-queued:
 *
 * `SELDON_MAX_QUEUED`: the most calls waiting for a free worker thread; further calls are
 * refused. `0` = no limit.
 *
 * Since: 1.0
 */

static void
get_field (SeldonConfig   *self,
           const PropInfo *info,
           GValue         *value)
{
  switch (info->kind)
    {
    case KIND_STRING:
      g_value_set_string (value, *FIELD_PTR (self, info, char *));
      break;
    case KIND_BOOLEAN:
      g_value_set_boolean (value, *FIELD_PTR (self, info, gboolean));
      break;
    case KIND_INT:
      g_value_set_int (value, *FIELD_PTR (self, info, int));
      break;
    case KIND_INT64:
      g_value_set_int64 (value, *FIELD_PTR (self, info, gint64));
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Returns whether the field changed. */
static gboolean
set_field (SeldonConfig   *self,
           const PropInfo *info,
           const GValue   *value)
{
  gboolean changed = FALSE;

  switch (info->kind)
    {
    case KIND_STRING:
      {
        char **field = FIELD_PTR (self, info, char *);
        const char *str = g_value_get_string (value);

        if (g_strcmp0 (*field, str) != 0)
          {
            g_free (*field);
            *field = g_strdup (str);
            changed = TRUE;
          }
      }
      break;
    case KIND_BOOLEAN:
      {
        gboolean *field = FIELD_PTR (self, info, gboolean);
        gboolean b = !!g_value_get_boolean (value);

        changed = (*field != b);
        *field = b;
      }
      break;
    case KIND_INT:
      {
        int *field = FIELD_PTR (self, info, int);
        int i = g_value_get_int (value);

        changed = (*field != i);
        *field = i;
      }
      break;
    case KIND_INT64:
      {
        gint64 *field = FIELD_PTR (self, info, gint64);
        gint64 i = g_value_get_int64 (value);

        changed = (*field != i);
        *field = i;
      }
      break;
    default:
      g_assert_not_reached ();
    }

  return changed;
}

static void
seldon_config_finalize (GObject *object)
{
  SeldonConfig *self = SELDON_CONFIG (object);

  for (guint i = 1; i < N_PROPS; i++)
    if (prop_info[i].kind == KIND_STRING)
      g_clear_pointer (FIELD_PTR (self, &prop_info[i], char *), g_free);

  G_OBJECT_CLASS (seldon_config_parent_class)->finalize (object);
}

static void
seldon_config_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SeldonConfig *self = SELDON_CONFIG (object);

  if (prop_id == 0 || prop_id >= N_PROPS)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  get_field (self, &prop_info[prop_id], value);
}

static void
seldon_config_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SeldonConfig *self = SELDON_CONFIG (object);

  if (prop_id == 0 || prop_id >= N_PROPS)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  if (set_field (self, &prop_info[prop_id], value))
    g_object_notify_by_pspec (object, pspec);
}

static void
seldon_config_class_init (SeldonConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = seldon_config_finalize;
  object_class->get_property = seldon_config_get_property;
  object_class->set_property = seldon_config_set_property;

  for (guint i = 1; i < N_PROPS; i++)
    {
      const PropInfo *info = &prop_info[i];

      switch (info->kind)
        {
        case KIND_STRING:
          properties[i] = g_param_spec_string (info->name, NULL, NULL,
                                               info->default_string, flags);
          break;
        case KIND_BOOLEAN:
          properties[i] = g_param_spec_boolean (info->name, NULL, NULL,
                                                info->default_number != 0, flags);
          break;
        case KIND_INT:
          properties[i] = g_param_spec_int (info->name, NULL, NULL,
                                            (int) info->min, (int) info->max,
                                            (int) info->default_number, flags);
          break;
        case KIND_INT64:
          properties[i] = g_param_spec_int64 (info->name, NULL, NULL,
                                              info->min, info->max,
                                              info->default_number, flags);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
seldon_config_init (SeldonConfig *self)
{
  for (guint i = 1; i < N_PROPS; i++)
    set_field (self, &prop_info[i], g_param_spec_get_default_value (properties[i]));
}

/**
 * seldon_config_new:
 *
 * Creates a configuration holding the built-in defaults.
 *
 * Returns: (transfer full): a new [class@Seldon.Config]
 *
 * Since: 1.0
 */
SeldonConfig *
seldon_config_new (void)
{
  return g_object_new (SELDON_TYPE_CONFIG, NULL);
}

/**
 * seldon_config_copy:
 * @self: a [class@Seldon.Config]
 *
 * Copies every property of @self into a new configuration.
 *
 * Returns: (transfer full): a new [class@Seldon.Config] with the same values
 *
 * Since: 1.0
 */
SeldonConfig *
seldon_config_copy (SeldonConfig *self)
{
  SeldonConfig *copy;

  g_return_val_if_fail (SELDON_IS_CONFIG (self), NULL);

  copy = seldon_config_new ();
  for (guint i = 1; i < N_PROPS; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (properties[i]));
      get_field (self, &prop_info[i], &value);
      set_field (copy, &prop_info[i], &value);
    }

  return copy;
}

/**
 * seldon_config_get_effective_threads:
 * @self: a [class@Seldon.Config]
 *
 * How many calls one worker runs at once: 1 when
 * [property@Seldon.Config:single-threaded] is set, otherwise
 * [property@Seldon.Config:threads] (at least 1).
 *
 * Returns: the number of threads per worker
 *
 * Since: 1.0
 */
int
seldon_config_get_effective_threads (SeldonConfig *self)
{
  g_return_val_if_fail (SELDON_IS_CONFIG (self), 1);

  if (self->single_threaded)
    return 1;

  return MAX (1, self->threads);
}
