#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs every test suite of libseldon on Debian 12: installs the build and test dependencies
# that are missing (apt-get), then builds and tests
#   build/       the normal build            (meson test: unit, integration, ...)
#   build-asan/  AddressSanitizer + UBSan    (same suites, no introspection)
# Usage: tests/run-all.sh [--deps-only]
#   BUILD_DIR / ASAN_BUILD_DIR override the build directories; SKIP_ASAN=1 skips the second
#   build; VALGRIND=1 also runs the unit suite under valgrind.

set -euo pipefail

cd "$(dirname "$0")/.."

# Debian's python3 (with python3-gi, pytest, grpcio) must come first on PATH.
export PATH="/usr/bin:/bin:$PATH"

PACKAGES=(
  build-essential pkg-config meson ninja-build
  libglib2.0-dev libglib2.0-bin libsoup-3.0-dev libjson-glib-dev libyaml-dev
  gobject-introspection libgirepository1.0-dev
  libgrpc-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler
  python3 python3-gi python3-pytest python3-grpcio python3-numpy python3-flask gjs
  valgrind curl prometheus systemd
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "Installing: ${missing[*]}"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ "${1:-}" = "--deps-only" ]; then
  exit 0
fi

BUILD_DIR=${BUILD_DIR:-build}
ASAN_BUILD_DIR=${ASAN_BUILD_DIR:-build-asan}

echo "=== Build and test: $BUILD_DIR"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  meson setup "$BUILD_DIR"
fi
ninja -C "$BUILD_DIR"
meson test -C "$BUILD_DIR" --print-errorlogs

if [ "${VALGRIND:-0}" = "1" ]; then
  echo "=== Unit tests under valgrind: $BUILD_DIR"
  meson test -C "$BUILD_DIR" --setup=valgrind --suite unit --print-errorlogs
fi

if [ "${SKIP_ASAN:-0}" != "1" ]; then
  echo "=== Build and test with AddressSanitizer and UBSan: $ASAN_BUILD_DIR"
  if [ ! -f "$ASAN_BUILD_DIR/build.ninja" ]; then
    meson setup "$ASAN_BUILD_DIR" -Db_sanitize=address,undefined -Db_lundef=false \
      -Dintrospection=disabled
  fi
  ninja -C "$ASAN_BUILD_DIR"
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    meson test -C "$ASAN_BUILD_DIR" --print-errorlogs
fi

echo "=== All test suites passed"
