/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The private channel between the front (SeldonWorker in process mode) and one worker process
 * (SeldonWorkerHost), decisions.md D2. Both ends are in this library, so the format is private
 * and may change between versions (the front and its workers always come from one install).
 *
 * Transport: one end of an AF_UNIX SOCK_SEQPACKET socket pair each. SEQPACKET keeps message
 * boundaries, so every sendmsg() is exactly one frame and every recvmsg() reads exactly one,
 * with its file descriptor (if any) attached.
 *
 * Frame = a 24-byte header, in host byte order (both ends run on one machine):
 *
 *   offset size
 *   0      1    magic 0x53 ('S')
 *   1      1    type (SeldonFrameType)
 *   2      1    flags: bit 0 = the payload is in a memfd, not inline
 *   3      1    reserved, 0
 *   4      4    id: the call a CALL, REPLY or CANCEL frame is about (chosen by the front, unique
 *               among the channel's calls in flight); 0 for the other frames
 *   8      4    meta length M (the first M bytes of the payload)
 *   12     4    reserved, 0
 *   16     8    payload length P
 *
 * followed by the P payload bytes inline, or, when flag bit 0 is set, by nothing: the payload
 * is then the whole content of the one file descriptor sent with the frame (SCM_RIGHTS), a
 * sealed memfd of exactly P bytes (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) that the
 * receiver maps read-only. A sender uses a memfd when P exceeds the channel's inline limit
 * (64 KiB by default, at most SELDON_CHANNEL_MAX_INLINE), so a large body is copied once, into
 * the memfd, and never through the socket.
 *
 * The payload is a meta section (M bytes, the frame type's fixed fields, see below) followed by
 * the body (P - M bytes). Meta fields are packed without padding, in order:
 *   u8/u16/u32/i32/u64/i64 integers, f64 doubles, and strings as a u32 length (0xffffffff =
 *   NULL) followed by that many bytes (no NUL).
 *
 *   HELLO (front -> worker, the first frame)
 *     meta: u32 slot, u32 inline limit; body: the effective SeldonConfig, every property, as
 *     the serialised GVariant a{sv} (a string property is a "ms")
 *   READY (worker -> front, once load() returned)
 *     meta: u32 threads (calls the worker runs at once), u32 pid
 *   LOAD_FAILED (worker -> front, instead of READY; the worker then exits)
 *     meta: i32 exit status, string message
 *   CALL (front -> worker)
 *     meta: u8 method, u8 transport, u16 SeldonCallFlags, u8 body kind (0 none, 1 body,
 *     2 value: the body is the JSON text of SeldonCall.value), i64 deadline (monotonic µs,
 *     CLOCK_MONOTONIC is shared by both processes; 0 = none); body: the call's body
 *   REPLY (worker -> front, exactly one per CALL, from any worker thread)
 *     meta: u32 HTTP status, i32 gRPC status, u8 has reward, f64 reward, i64 started and i64
 *     finished (monotonic µs, SeldonReply.started_us/finished_us), string content type,
 *     string gRPC message, string metrics JSON (NULL = none); body: the answer
 *   CANCEL (front -> worker: the caller gave up on call @id; the worker cancels its
 *     GCancellable and still sends its REPLY). No payload.
 *
 * The front closes its end (shutdown) to stop a worker: the worker finishes the calls in
 * flight, sends their replies and exits 0.
 */

#include <gio/gio.h>

#include "seldon-call-private.h"
#include "seldon-config.h"

G_BEGIN_DECLS

#define SELDON_CHANNEL_DEFAULT_INLINE (64 * 1024)
#define SELDON_CHANNEL_MAX_INLINE     (128 * 1024)
#define SELDON_CHANNEL_HEADER_SIZE    24

typedef enum
{
  SELDON_FRAME_HELLO = 1,
  SELDON_FRAME_READY,
  SELDON_FRAME_LOAD_FAILED,
  SELDON_FRAME_CALL,
  SELDON_FRAME_REPLY,
  SELDON_FRAME_CANCEL,
} SeldonFrameType;

/* A frame to send: built once, sent with seldon_channel_send() (possibly after waiting). */
typedef struct _SeldonFrameOut SeldonFrameOut;

/* A received frame. */
typedef struct
{
  SeldonFrameType  type;
  guint32          id;
  GBytes          *payload;    /* meta + body; NULL when empty */
  gsize            meta_len;
} SeldonFrame;

typedef enum
{
  SELDON_CHANNEL_FRAME,        /* a frame was read */
  SELDON_CHANNEL_AGAIN,        /* nothing to read now (non-blocking) */
  SELDON_CHANNEL_EOF,          /* the peer closed its end */
  SELDON_CHANNEL_ERROR,        /* I/O or protocol error */
} SeldonChannelStatus;

/* Reads frames; keeps a receive buffer between calls. Not thread-safe. */
typedef struct _SeldonChannelReader SeldonChannelReader;

/* A connected SOCK_SEQPACKET socket pair (close-on-exec), with buffers sized for the inline limit. */
gboolean             seldon_channel_socketpair        (int                   fds[2],
                                                       GError              **error);
gsize                seldon_channel_clamp_inline      (gsize                 inline_max);

SeldonChannelReader *seldon_channel_reader_new        (void);
void                 seldon_channel_reader_free       (SeldonChannelReader  *reader);
/* Reads one frame. With @block FALSE never waits. On SELDON_CHANNEL_FRAME, @frame must be
 * cleared with seldon_frame_clear(). */
SeldonChannelStatus  seldon_channel_receive           (SeldonChannelReader  *reader,
                                                       int                   fd,
                                                       gboolean              block,
                                                       SeldonFrame          *frame,
                                                       GError              **error);
void                 seldon_frame_clear               (SeldonFrame          *frame);

/* Sends @out. Returns TRUE when sent; FALSE with G_IO_ERROR_WOULD_BLOCK when @block is FALSE
 * and the socket is full (send it again later), or another error. */
gboolean             seldon_channel_send              (int                   fd,
                                                       SeldonFrameOut       *out,
                                                       gboolean              block,
                                                       GError              **error);
void                 seldon_frame_out_free            (SeldonFrameOut       *out);

/* Encoding. @inline_max: payloads larger than this go through a memfd. */
SeldonFrameOut      *seldon_frame_out_new_hello       (SeldonConfig         *config,
                                                       guint                 slot,
                                                       gsize                 inline_max,
                                                       GError              **error);
SeldonFrameOut      *seldon_frame_out_new_ready       (guint                 n_threads,
                                                       guint                 pid);
SeldonFrameOut      *seldon_frame_out_new_load_failed (int                   exit_status,
                                                       const char           *message,
                                                       gsize                 inline_max,
                                                       GError              **error);
SeldonFrameOut      *seldon_frame_out_new_call        (guint32               id,
                                                       const SeldonCall     *call,
                                                       gsize                 inline_max,
                                                       GError              **error);
SeldonFrameOut      *seldon_frame_out_new_reply       (guint32               id,
                                                       const SeldonReply    *reply,
                                                       gsize                 inline_max,
                                                       GError              **error);
SeldonFrameOut      *seldon_frame_out_new_cancel      (guint32               id);

/* Decoding; each fails with G_IO_ERROR_INVALID_DATA on a malformed frame. */
SeldonConfig        *seldon_frame_parse_hello         (const SeldonFrame    *frame,
                                                       guint                *slot,
                                                       gsize                *inline_max,
                                                       GError              **error);
gboolean             seldon_frame_parse_ready         (const SeldonFrame    *frame,
                                                       guint                *n_threads,
                                                       guint                *pid,
                                                       GError              **error);
gboolean             seldon_frame_parse_load_failed   (const SeldonFrame    *frame,
                                                       int                  *exit_status,
                                                       char                **message,
                                                       GError              **error);
SeldonCall          *seldon_frame_parse_call          (const SeldonFrame    *frame,
                                                       GError              **error);
SeldonReply         *seldon_frame_parse_reply         (const SeldonFrame    *frame,
                                                       GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeldonFrameOut, seldon_frame_out_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeldonChannelReader, seldon_channel_reader_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SeldonFrame, seldon_frame_clear)

G_END_DECLS
