/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The front <-> worker channel: framing, see seldon-channel-private.h for the format. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "seldon-channel-private.h"
#include "seldon-json-private.h"

#define FRAME_MAGIC      0x53
#define FRAME_FLAG_MEMFD 0x01

/* Inline payloads up to this size are copied out of the receive buffer; larger ones keep it. */
#define SMALL_PAYLOAD    4096

/* At most this many descriptors are accepted with one frame (one is valid; the rest are
 * received only to be closed). */
#define MAX_FDS          4

#define NULL_STRING      0xffffffffu

struct _SeldonFrameOut
{
  guint8   header[SELDON_CHANNEL_HEADER_SIZE];
  GString *meta;
  GBytes  *body;       /* inline body; NULL when none or moved into the memfd */
  int      memfd;      /* -1 when inline */
};

struct _SeldonChannelReader
{
  guint8 *buffer;      /* SELDON_CHANNEL_HEADER_SIZE + SELDON_CHANNEL_MAX_INLINE bytes */
};

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;

      close (*fd);
      errno = saved;
      *fd = -1;
    }
}

gsize
seldon_channel_clamp_inline (gsize inline_max)
{
  return MIN (inline_max, (gsize) SELDON_CHANNEL_MAX_INLINE);
}

gboolean
seldon_channel_socketpair (int      fds[2],
                           GError **error)
{
  /* Room for a few inline frames at the maximum inline size. */
  int size = 4 * (SELDON_CHANNEL_HEADER_SIZE + SELDON_CHANNEL_MAX_INLINE);

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create the worker channel: %s", g_strerror (saved));
      return FALSE;
    }

  for (int i = 0; i < 2; i++)
    {
      /* Best effort: the kernel caps it at net.core.wmem_max / rmem_max. */
      (void) setsockopt (fds[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
      (void) setsockopt (fds[i], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
  return TRUE;
}

/* ---------------------------------------------------------------------------------------- */
/* Meta encoding                                                                            */
/* ---------------------------------------------------------------------------------------- */

static void
put_bytes (GString    *meta,
           const void *data,
           gsize       size)
{
  g_string_append_len (meta, data, (gssize) size);
}

#define PUT(meta, type, value) \
  G_STMT_START { type v_ = (value); put_bytes ((meta), &v_, sizeof v_); } G_STMT_END

static void
put_string_len (GString    *meta,
                const char *str,
                gsize       len)
{
  if (str == NULL)
    {
      PUT (meta, guint32, NULL_STRING);
      return;
    }
  g_assert (len < NULL_STRING);
  PUT (meta, guint32, (guint32) len);
  put_bytes (meta, str, len);
}

static void
put_string (GString    *meta,
            const char *str)
{
  put_string_len (meta, str, str != NULL ? strlen (str) : 0);
}

typedef struct
{
  const guint8 *p;
  gsize         left;
  gboolean      ok;
} MetaReader;

static void
meta_reader_init (MetaReader        *r,
                  const SeldonFrame *frame)
{
  gsize size = 0;
  const guint8 *data = frame->payload != NULL ? g_bytes_get_data (frame->payload, &size) : NULL;

  r->p = data;
  r->left = MIN (frame->meta_len, size);
  r->ok = frame->meta_len <= size;
}

static gboolean
get_bytes (MetaReader *r,
           void       *out,
           gsize       size)
{
  if (!r->ok || r->left < size)
    {
      r->ok = FALSE;
      memset (out, 0, size);
      return FALSE;
    }
  memcpy (out, r->p, size);
  r->p += size;
  r->left -= size;
  return TRUE;
}

#define GET(r, type, out) \
  G_STMT_START { type v_; get_bytes ((r), &v_, sizeof v_); *(out) = v_; } G_STMT_END

/* A newly allocated NUL-terminated copy, or NULL for a NULL string (*is_null set). */
static char *
get_string (MetaReader *r,
            gboolean   *is_null)
{
  guint32 len = 0;
  char *str;

  *is_null = TRUE;
  GET (r, guint32, &len);
  if (!r->ok || len == NULL_STRING)
    return NULL;
  if (r->left < len)
    {
      r->ok = FALSE;
      return NULL;
    }
  str = g_strndup ((const char *) r->p, len);
  r->p += len;
  r->left -= len;
  *is_null = FALSE;
  return str;
}

static gboolean
meta_reader_check (MetaReader        *r,
                   const SeldonFrame *frame,
                   GError           **error)
{
  if (!r->ok)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Malformed frame of type %d on the worker channel", frame->type);
      return FALSE;
    }
  return TRUE;
}

/* The body: the payload after the meta section, without copying. */
static GBytes *
frame_dup_body (const SeldonFrame *frame)
{
  gsize size;

  if (frame->payload == NULL)
    return g_bytes_new_static ("", 0);
  size = g_bytes_get_size (frame->payload);
  if (frame->meta_len == 0)
    return g_bytes_ref (frame->payload);
  return g_bytes_new_from_bytes (frame->payload, frame->meta_len, size - frame->meta_len);
}

/* ---------------------------------------------------------------------------------------- */
/* Outgoing frames                                                                          */
/* ---------------------------------------------------------------------------------------- */

void
seldon_frame_out_free (SeldonFrameOut *out)
{
  if (out == NULL)
    return;
  if (out->meta != NULL)
    g_string_free (out->meta, TRUE);
  g_clear_pointer (&out->body, g_bytes_unref);
  close_fd (&out->memfd);
  g_free (out);
}

static SeldonFrameOut *
frame_out_new (void)
{
  SeldonFrameOut *out = g_new0 (SeldonFrameOut, 1);

  out->meta = g_string_sized_new (64);
  out->memfd = -1;
  return out;
}

static gboolean
write_all (int           fd,
           struct iovec *iov,
           int           n_iov,
           GError      **error)
{
  while (n_iov > 0)
    {
      ssize_t n = writev (fd, iov, n_iov);

      if (n < 0)
        {
          int saved = errno;

          if (saved == EINTR)
            continue;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Cannot write a frame to a memfd: %s", g_strerror (saved));
          return FALSE;
        }
      while (n_iov > 0 && (gsize) n >= iov->iov_len)
        {
          n -= iov->iov_len;
          iov++;
          n_iov--;
        }
      if (n_iov > 0)
        {
          iov->iov_base = (guint8 *) iov->iov_base + n;
          iov->iov_len -= n;
        }
    }
  return TRUE;
}

/* Fills the header; moves a payload larger than @inline_max into a sealed memfd. */
static SeldonFrameOut *
frame_out_finish (SeldonFrameOut  *out,
                  SeldonFrameType  type,
                  guint32          id,
                  gsize            inline_max,
                  GError         **error)
{
  gsize body_size = out->body != NULL ? g_bytes_get_size (out->body) : 0;
  guint64 payload_len = (guint64) out->meta->len + body_size;
  guint32 meta_len = (guint32) out->meta->len;
  guint32 zero = 0;
  guint8 flags = 0;

  if (payload_len > seldon_channel_clamp_inline (inline_max))
    {
      struct iovec iov[2];
      int n_iov = 0;

      out->memfd = memfd_create ("seldon-frame", MFD_CLOEXEC | MFD_ALLOW_SEALING);
      if (out->memfd < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Cannot create a memfd: %s", g_strerror (saved));
          seldon_frame_out_free (out);
          return NULL;
        }
      if (out->meta->len > 0)
        {
          iov[n_iov].iov_base = out->meta->str;
          iov[n_iov].iov_len = out->meta->len;
          n_iov++;
        }
      if (body_size > 0)
        {
          iov[n_iov].iov_base = (void *) g_bytes_get_data (out->body, NULL);
          iov[n_iov].iov_len = body_size;
          n_iov++;
        }
      if (!write_all (out->memfd, iov, n_iov, error))
        {
          seldon_frame_out_free (out);
          return NULL;
        }
      if (fcntl (out->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Cannot seal a memfd: %s", g_strerror (saved));
          seldon_frame_out_free (out);
          return NULL;
        }
      g_clear_pointer (&out->body, g_bytes_unref);
      g_string_truncate (out->meta, 0);
      flags |= FRAME_FLAG_MEMFD;
    }

  out->header[0] = FRAME_MAGIC;
  out->header[1] = (guint8) type;
  out->header[2] = flags;
  out->header[3] = 0;
  memcpy (out->header + 4, &id, 4);
  memcpy (out->header + 8, &meta_len, 4);
  memcpy (out->header + 12, &zero, 4);
  memcpy (out->header + 16, &payload_len, 8);
  return out;
}

gboolean
seldon_channel_send (int              fd,
                     SeldonFrameOut  *out,
                     gboolean         block,
                     GError         **error)
{
  struct iovec iov[3];
  struct msghdr msg = { 0, };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  int n_iov = 0;

  iov[n_iov].iov_base = out->header;
  iov[n_iov].iov_len = sizeof out->header;
  n_iov++;
  if (out->memfd < 0)
    {
      if (out->meta->len > 0)
        {
          iov[n_iov].iov_base = out->meta->str;
          iov[n_iov].iov_len = out->meta->len;
          n_iov++;
        }
      if (out->body != NULL && g_bytes_get_size (out->body) > 0)
        {
          iov[n_iov].iov_base = (void *) g_bytes_get_data (out->body, NULL);
          iov[n_iov].iov_len = g_bytes_get_size (out->body);
          n_iov++;
        }
    }
  msg.msg_iov = iov;
  msg.msg_iovlen = n_iov;

  if (out->memfd >= 0)
    {
      struct cmsghdr *cmsg;

      memset (&control, 0, sizeof control);
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cmsg), &out->memfd, sizeof (int));
    }

  for (;;)
    {
      ssize_t n = sendmsg (fd, &msg, MSG_NOSIGNAL | (block ? 0 : MSG_DONTWAIT));

      if (n >= 0)
        return TRUE;
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                             "The worker channel is full");
      else
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Cannot write to the worker channel: %s", g_strerror (saved));
        }
      return FALSE;
    }
}

/* HELLO -------------------------------------------------------------------------------- */

static GVariant *
config_to_variant (SeldonConfig *config)
{
  g_autofree GParamSpec **pspecs = NULL;
  GVariantBuilder builder;
  guint n_pspecs = 0;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (config), &n_pspecs);
  for (guint i = 0; i < n_pspecs; i++)
    {
      GParamSpec *pspec = pspecs[i];
      g_auto(GValue) value = G_VALUE_INIT;
      GVariant *v = NULL;

      if ((pspec->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE ||
          (pspec->flags & G_PARAM_CONSTRUCT_ONLY))
        continue;

      g_value_init (&value, pspec->value_type);
      g_object_get_property (G_OBJECT (config), pspec->name, &value);

      switch (G_TYPE_FUNDAMENTAL (pspec->value_type))
        {
        case G_TYPE_STRING:
          {
            const char *str = g_value_get_string (&value);

            /* A bytestring: settings need not be valid UTF-8. */
            v = g_variant_new_maybe (G_VARIANT_TYPE_BYTESTRING,
                                     str != NULL ? g_variant_new_bytestring (str) : NULL);
          }
          break;
        case G_TYPE_BOOLEAN:
          v = g_variant_new_boolean (g_value_get_boolean (&value));
          break;
        case G_TYPE_INT:
          v = g_variant_new_int32 (g_value_get_int (&value));
          break;
        case G_TYPE_UINT:
          v = g_variant_new_uint32 (g_value_get_uint (&value));
          break;
        case G_TYPE_INT64:
          v = g_variant_new_int64 (g_value_get_int64 (&value));
          break;
        case G_TYPE_UINT64:
          v = g_variant_new_uint64 (g_value_get_uint64 (&value));
          break;
        case G_TYPE_DOUBLE:
          v = g_variant_new_double (g_value_get_double (&value));
          break;
        case G_TYPE_ENUM:
          v = g_variant_new_int32 (g_value_get_enum (&value));
          break;
        case G_TYPE_FLAGS:
          v = g_variant_new_uint32 (g_value_get_flags (&value));
          break;
        default:
          g_debug ("Worker channel: setting %s of type %s is not passed to workers",
                   pspec->name, g_type_name (pspec->value_type));
          break;
        }
      if (v != NULL)
        g_variant_builder_add (&builder, "{sv}", pspec->name, v);
    }

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static gboolean
variant_to_value (GVariant     *v,
                  GParamSpec   *pspec,
                  GValue       *value)
{
  g_value_init (value, pspec->value_type);

  switch (G_TYPE_FUNDAMENTAL (pspec->value_type))
    {
    case G_TYPE_STRING:
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE ("may")))
        return FALSE;
      {
        g_autoptr(GVariant) inner = g_variant_get_maybe (v);

        g_value_set_string (value, inner != NULL ? g_variant_get_bytestring (inner) : NULL);
      }
      return TRUE;
    case G_TYPE_BOOLEAN:
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
        return FALSE;
      g_value_set_boolean (value, g_variant_get_boolean (v));
      return TRUE;
    case G_TYPE_INT:
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_INT32))
        return FALSE;
      g_value_set_int (value, g_variant_get_int32 (v));
      return TRUE;
    case G_TYPE_UINT:
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_UINT32))
        return FALSE;
      g_value_set_uint (value, g_variant_get_uint32 (v));
      return TRUE;
    case G_TYPE_INT64:
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
        return FALSE;
      g_value_set_int64 (value, g_variant_get_int64 (v));
      return TRUE;
    case G_TYPE_UINT64:
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_UINT64))
        return FALSE;
      g_value_set_uint64 (value, g_variant_get_uint64 (v));
      return TRUE;
    case G_TYPE_DOUBLE:
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
        return FALSE;
      g_value_set_double (value, g_variant_get_double (v));
      return TRUE;
    case G_TYPE_ENUM:
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_INT32))
        return FALSE;
      g_value_set_enum (value, g_variant_get_int32 (v));
      return TRUE;
    case G_TYPE_FLAGS:
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_UINT32))
        return FALSE;
      g_value_set_flags (value, g_variant_get_uint32 (v));
      return TRUE;
    default:
      return FALSE;
    }
}

SeldonFrameOut *
seldon_frame_out_new_hello (SeldonConfig  *config,
                            guint          slot,
                            gsize          inline_max,
                            GError       **error)
{
  SeldonFrameOut *out = frame_out_new ();
  g_autoptr(GVariant) variant = config_to_variant (config);

  PUT (out->meta, guint32, slot);
  PUT (out->meta, guint32, (guint32) seldon_channel_clamp_inline (inline_max));
  out->body = g_variant_get_data_as_bytes (variant);
  return frame_out_finish (out, SELDON_FRAME_HELLO, 0, inline_max, error);
}

SeldonConfig *
seldon_frame_parse_hello (const SeldonFrame  *frame,
                          guint              *slot,
                          gsize              *inline_max,
                          GError            **error)
{
  g_autoptr(SeldonConfig) config = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GVariant) variant = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *v;
  MetaReader r;
  guint32 slot32 = 0, inline32 = 0;

  g_return_val_if_fail (frame->type == SELDON_FRAME_HELLO, NULL);

  meta_reader_init (&r, frame);
  GET (&r, guint32, &slot32);
  GET (&r, guint32, &inline32);
  if (!meta_reader_check (&r, frame, error))
    return NULL;

  body = frame_dup_body (frame);
  variant = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, body, FALSE));
  config = seldon_config_new ();

  g_variant_iter_init (&iter, variant);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &v))
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (config), key);
      g_auto(GValue) value = G_VALUE_INIT;

      if (pspec == NULL || !(pspec->flags & G_PARAM_WRITABLE) || (pspec->flags & G_PARAM_CONSTRUCT_ONLY))
        continue;
      if (!variant_to_value (v, pspec, &value))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Malformed setting %s in the worker hello", key);
          return NULL;
        }
      g_object_set_property (G_OBJECT (config), key, &value);
    }

  *slot = slot32;
  *inline_max = seldon_channel_clamp_inline (inline32);
  return g_steal_pointer (&config);
}

/* READY / LOAD_FAILED ---------------------------------------------------------------- */

SeldonFrameOut *
seldon_frame_out_new_ready (guint n_threads,
                            guint pid)
{
  SeldonFrameOut *out = frame_out_new ();

  PUT (out->meta, guint32, n_threads);
  PUT (out->meta, guint32, pid);
  /* Never larger than the inline limit: cannot fail. */
  return frame_out_finish (out, SELDON_FRAME_READY, 0, SELDON_CHANNEL_MAX_INLINE, NULL);
}

gboolean
seldon_frame_parse_ready (const SeldonFrame  *frame,
                          guint              *n_threads,
                          guint              *pid,
                          GError            **error)
{
  MetaReader r;
  guint32 threads32 = 0, pid32 = 0;

  meta_reader_init (&r, frame);
  GET (&r, guint32, &threads32);
  GET (&r, guint32, &pid32);
  if (!meta_reader_check (&r, frame, error))
    return FALSE;
  *n_threads = threads32;
  *pid = pid32;
  return TRUE;
}

SeldonFrameOut *
seldon_frame_out_new_load_failed (int          exit_status,
                                  const char  *message,
                                  gsize        inline_max,
                                  GError     **error)
{
  SeldonFrameOut *out = frame_out_new ();

  PUT (out->meta, gint32, exit_status);
  put_string (out->meta, message != NULL ? message : "");
  return frame_out_finish (out, SELDON_FRAME_LOAD_FAILED, 0, inline_max, error);
}

gboolean
seldon_frame_parse_load_failed (const SeldonFrame  *frame,
                                int                *exit_status,
                                char              **message,
                                GError            **error)
{
  MetaReader r;
  gint32 status = 0;
  gboolean is_null;
  g_autofree char *text = NULL;

  meta_reader_init (&r, frame);
  GET (&r, gint32, &status);
  text = get_string (&r, &is_null);
  if (!meta_reader_check (&r, frame, error))
    return FALSE;
  *exit_status = status;
  *message = text != NULL ? g_steal_pointer (&text) : g_strdup ("");
  return TRUE;
}

/* CALL ------------------------------------------------------------------------------------ */

enum
{
  BODY_NONE,
  BODY_BYTES,
  BODY_VALUE,
};

SeldonFrameOut *
seldon_frame_out_new_call (guint32            id,
                           const SeldonCall  *call,
                           gsize              inline_max,
                           GError           **error)
{
  SeldonFrameOut *out = frame_out_new ();
  guint8 body_kind = BODY_NONE;

  if (call->value != NULL)
    {
      char *text = seldon_json_to_string (call->value, SELDON_JSON_WRITE_DEFAULT);

      body_kind = BODY_VALUE;
      out->body = g_bytes_new_take (text, strlen (text));
    }
  else if (call->body != NULL)
    {
      body_kind = BODY_BYTES;
      out->body = g_bytes_ref (call->body);
    }

  PUT (out->meta, guint8, (guint8) call->method);
  PUT (out->meta, guint8, (guint8) call->transport);
  PUT (out->meta, guint16, (guint16) call->flags);
  PUT (out->meta, guint8, body_kind);
  PUT (out->meta, gint64, call->deadline);
  return frame_out_finish (out, SELDON_FRAME_CALL, id, inline_max, error);
}

SeldonCall *
seldon_frame_parse_call (const SeldonFrame  *frame,
                         GError            **error)
{
  g_autoptr(SeldonCall) call = NULL;
  MetaReader r;
  guint8 method = 0, transport = 0, body_kind = 0;
  guint16 flags = 0;
  gint64 deadline = 0;

  meta_reader_init (&r, frame);
  GET (&r, guint8, &method);
  GET (&r, guint8, &transport);
  GET (&r, guint16, &flags);
  GET (&r, guint8, &body_kind);
  GET (&r, gint64, &deadline);
  if (!meta_reader_check (&r, frame, error))
    return NULL;
  if (method > SELDON_METHOD_METADATA || transport > SELDON_TRANSPORT_GRPC || body_kind > BODY_VALUE)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Malformed call on the worker channel");
      return NULL;
    }

  call = seldon_call_new ((SeldonMethod) method, (SeldonTransport) transport);
  call->flags = (SeldonCallFlags) flags;
  call->deadline = deadline;
  if (body_kind == BODY_BYTES)
    call->body = frame_dup_body (frame);
  else if (body_kind == BODY_VALUE)
    {
      g_autoptr(GBytes) body = frame_dup_body (frame);
      gsize size = 0;
      const char *text = g_bytes_get_data (body, &size);

      call->value = seldon_json_parse (text != NULL ? text : "", size, error);
      if (call->value == NULL)
        return NULL;
    }
  return g_steal_pointer (&call);
}

/* REPLY ---------------------------------------------------------------------------------- */

SeldonFrameOut *
seldon_frame_out_new_reply (guint32             id,
                            const SeldonReply  *reply,
                            gsize               inline_max,
                            GError            **error)
{
  SeldonFrameOut *out = frame_out_new ();

  PUT (out->meta, guint32, reply->http_status);
  PUT (out->meta, gint32, reply->grpc_status);
  PUT (out->meta, guint8, reply->has_reward ? 1 : 0);
  PUT (out->meta, double, reply->reward);
  PUT (out->meta, gint64, reply->started_us);
  PUT (out->meta, gint64, reply->finished_us);
  put_string (out->meta, reply->content_type);
  put_string (out->meta, reply->grpc_message);
  if (reply->metrics != NULL)
    {
      g_autofree char *metrics = seldon_json_to_string (reply->metrics, SELDON_JSON_WRITE_DEFAULT);

      put_string (out->meta, metrics);
    }
  else
    put_string (out->meta, NULL);
  if (reply->body != NULL)
    out->body = g_bytes_ref (reply->body);
  return frame_out_finish (out, SELDON_FRAME_REPLY, id, inline_max, error);
}

SeldonReply *
seldon_frame_parse_reply (const SeldonFrame  *frame,
                          GError            **error)
{
  g_autoptr(SeldonReply) reply = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *grpc_message = NULL;
  g_autofree char *metrics = NULL;
  gboolean is_null;
  MetaReader r;
  guint32 http_status = 0;
  gint32 grpc_status = 0;
  guint8 has_reward = 0;
  double reward = 0;
  gint64 started_us = 0, finished_us = 0;

  meta_reader_init (&r, frame);
  GET (&r, guint32, &http_status);
  GET (&r, gint32, &grpc_status);
  GET (&r, guint8, &has_reward);
  GET (&r, double, &reward);
  GET (&r, gint64, &started_us);
  GET (&r, gint64, &finished_us);
  content_type = get_string (&r, &is_null);
  grpc_message = get_string (&r, &is_null);
  metrics = get_string (&r, &is_null);
  if (!meta_reader_check (&r, frame, error))
    return NULL;

  reply = g_new0 (SeldonReply, 1);
  reply->http_status = http_status;
  /* SeldonReply.content_type is a static string: interned strings live as long as the process. */
  reply->content_type = content_type != NULL ? g_intern_string (content_type) : NULL;
  reply->grpc_status = grpc_status;
  reply->grpc_message = g_steal_pointer (&grpc_message);
  reply->has_reward = has_reward != 0;
  reply->reward = reward;
  reply->started_us = started_us;
  reply->finished_us = finished_us;
  reply->body = frame_dup_body (frame);
  if (metrics != NULL)
    {
      reply->metrics = seldon_json_parse (metrics, -1, error);
      if (reply->metrics == NULL)
        return NULL;
    }
  return g_steal_pointer (&reply);
}

/* CANCEL --------------------------------------------------------------------------------- */

SeldonFrameOut *
seldon_frame_out_new_cancel (guint32 id)
{
  return frame_out_finish (frame_out_new (), SELDON_FRAME_CANCEL, id, SELDON_CHANNEL_MAX_INLINE, NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* Receiving                                                                                */
/* ---------------------------------------------------------------------------------------- */

SeldonChannelReader *
seldon_channel_reader_new (void)
{
  return g_new0 (SeldonChannelReader, 1);
}

void
seldon_channel_reader_free (SeldonChannelReader *reader)
{
  if (reader == NULL)
    return;
  g_free (reader->buffer);
  g_free (reader);
}

void
seldon_frame_clear (SeldonFrame *frame)
{
  g_clear_pointer (&frame->payload, g_bytes_unref);
  frame->meta_len = 0;
  frame->id = 0;
  frame->type = 0;
}

typedef struct
{
  void  *addr;
  gsize  size;
} Mapping;

static void
mapping_free (gpointer data)
{
  Mapping *mapping = data;

  munmap (mapping->addr, mapping->size);
  g_free (mapping);
}

/* Maps the sealed memfd @fd of @size bytes read-only. */
static GBytes *
map_memfd (int       fd,
           guint64   size,
           GError  **error)
{
  struct stat st;
  int seals;
  void *addr;
  Mapping *mapping;

  if (fstat (fd, &st) != 0 || st.st_size < 0 || (guint64) st.st_size != size || size == 0 ||
      size > G_MAXSIZE)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The memfd of a frame has the wrong size");
      return NULL;
    }
  /* Without these seals the sender could shrink the file under our mapping (SIGBUS). */
  seals = fcntl (fd, F_GET_SEALS);
  if (seals < 0 || (seals & (F_SEAL_SHRINK | F_SEAL_WRITE)) != (F_SEAL_SHRINK | F_SEAL_WRITE))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The memfd of a frame is not sealed");
      return NULL;
    }
  addr = mmap (NULL, (gsize) size, PROT_READ, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot map the memfd of a frame: %s", g_strerror (saved));
      return NULL;
    }
  mapping = g_new (Mapping, 1);
  mapping->addr = addr;
  mapping->size = (gsize) size;
  return g_bytes_new_with_free_func (addr, (gsize) size, mapping_free, mapping);
}

SeldonChannelStatus
seldon_channel_receive (SeldonChannelReader  *reader,
                        int                   fd,
                        gboolean              block,
                        SeldonFrame          *frame,
                        GError              **error)
{
  const gsize buffer_size = SELDON_CHANNEL_HEADER_SIZE + SELDON_CHANNEL_MAX_INLINE;
  struct iovec iov;
  struct msghdr msg = { 0, };
  union
  {
    char buf[CMSG_SPACE (sizeof (int) * MAX_FDS)];
    struct cmsghdr align;
  } control;
  struct cmsghdr *cmsg;
  int fds[MAX_FDS];
  int n_fds = 0;
  ssize_t n;
  guint8 *h;
  guint8 flags;
  guint32 id, meta_len;
  guint64 payload_len;
  SeldonChannelStatus status = SELDON_CHANNEL_ERROR;

  if (reader->buffer == NULL)
    reader->buffer = g_malloc (buffer_size);

  iov.iov_base = reader->buffer;
  iov.iov_len = buffer_size;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;

  do
    n = recvmsg (fd, &msg, MSG_CMSG_CLOEXEC | (block ? 0 : MSG_DONTWAIT));
  while (n < 0 && errno == EINTR);

  if (n < 0)
    {
      int saved = errno;

      if (saved == EAGAIN || saved == EWOULDBLOCK)
        return SELDON_CHANNEL_AGAIN;
      if (saved == ECONNRESET)
        return SELDON_CHANNEL_EOF;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot read from the worker channel: %s", g_strerror (saved));
      return SELDON_CHANNEL_ERROR;
    }

  for (cmsg = CMSG_FIRSTHDR (&msg); cmsg != NULL; cmsg = CMSG_NXTHDR (&msg, cmsg))
    {
      if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
        {
          gsize count = (cmsg->cmsg_len - CMSG_LEN (0)) / sizeof (int);

          for (gsize i = 0; i < count && n_fds < MAX_FDS; i++)
            memcpy (&fds[n_fds++], CMSG_DATA (cmsg) + i * sizeof (int), sizeof (int));
        }
    }

  /* Frames are never empty: 0 bytes is the end of the stream. */
  if (n == 0 && n_fds == 0)
    return SELDON_CHANNEL_EOF;

  if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || (gsize) n < SELDON_CHANNEL_HEADER_SIZE)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Truncated frame on the worker channel");
      goto out;
    }

  h = reader->buffer;
  flags = h[2];
  memcpy (&id, h + 4, 4);
  memcpy (&meta_len, h + 8, 4);
  memcpy (&payload_len, h + 16, 8);
  if (h[0] != FRAME_MAGIC || h[1] < SELDON_FRAME_HELLO || h[1] > SELDON_FRAME_CANCEL ||
      meta_len > payload_len)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Malformed frame header on the worker channel");
      goto out;
    }

  frame->type = (SeldonFrameType) h[1];
  frame->id = id;
  frame->meta_len = meta_len;
  frame->payload = NULL;

  if (flags & FRAME_FLAG_MEMFD)
    {
      if (n_fds != 1 || (gsize) n != SELDON_CHANNEL_HEADER_SIZE)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "Malformed memfd frame on the worker channel");
          goto out;
        }
      frame->payload = map_memfd (fds[0], payload_len, error);
      if (frame->payload == NULL)
        goto out;
    }
  else
    {
      gsize len = (gsize) n - SELDON_CHANNEL_HEADER_SIZE;

      if (n_fds != 0 || len != payload_len)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "Malformed frame on the worker channel");
          goto out;
        }
      if (len > SMALL_PAYLOAD)
        {
          /* Keep the buffer instead of copying: it becomes the payload. */
          guint8 *buffer = g_realloc (g_steal_pointer (&reader->buffer), (gsize) n);
          g_autoptr(GBytes) whole = g_bytes_new_take (buffer, (gsize) n);

          frame->payload = g_bytes_new_from_bytes (whole, SELDON_CHANNEL_HEADER_SIZE, len);
        }
      else if (len > 0)
        frame->payload = g_bytes_new (reader->buffer + SELDON_CHANNEL_HEADER_SIZE, len);
    }
  status = SELDON_CHANNEL_FRAME;

out:
  for (int i = 0; i < n_fds; i++)
    close_fd (&fds[i]);
  if (status != SELDON_CHANNEL_FRAME)
    seldon_frame_clear (frame);
  return status;
}
