/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The protobuf schema of the Seldon gRPC API (proto/, grpc-api.md §3) as serialized
 * descriptors, for gRPC server reflection. Generated at build time by
 * proto/embed-descriptors.py from `protoc --include_imports --descriptor_set_out`.
 */

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  /* the import path, e.g. "prediction.proto", "google/protobuf/struct.proto" */
  const char          *name;
  /* the serialized google.protobuf.FileDescriptorProto */
  const guint8        *data;
  gsize                size;
  /* NULL-terminated: the files it imports (their names) */
  const char * const  *dependencies;
  /* NULL-terminated: every fully-qualified symbol it defines (messages, nested messages and
   * enums, enums, services, "Service.Method"), e.g. "seldon.protos.Model.Predict" */
  const char * const  *symbols;
} SeldonProtoFile;

/* The whole google.protobuf.FileDescriptorSet (every file, dependencies first). */
extern const guint8          seldon_proto_descriptor_set[];
extern const gsize           seldon_proto_descriptor_set_size;

/* Each file of the set, dependencies before the files that import them. */
extern const SeldonProtoFile seldon_proto_files[];
extern const guint           seldon_proto_n_files;

G_END_DECLS
