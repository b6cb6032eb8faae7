/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SELDON_INSIDE) && !defined(SELDON_COMPILATION)
# error "Only <seldon/seldon.h> can be included directly."
#endif

#include <glib.h>

#include "seldon-version.h"

#ifndef _SELDON_EXTERN
# define _SELDON_EXTERN extern
#endif

#define SELDON_VERSION_1_0 (G_ENCODE_VERSION (1, 0))

#ifndef SELDON_VERSION_MIN_REQUIRED
# define SELDON_VERSION_MIN_REQUIRED SELDON_VERSION_1_0
#endif

#ifndef SELDON_VERSION_MAX_ALLOWED
# define SELDON_VERSION_MAX_ALLOWED SELDON_VERSION_1_0
#endif

/**
 * SELDON_DEPRECATED_FOR:
 * @f: the symbol to use instead
 *
 * Marks a libseldon symbol as deprecated in favour of @f (no warning when
 * `SELDON_DISABLE_DEPRECATION_WARNINGS` is defined).
 *
 * Since: 1.0
 */

/**
 * SELDON_UNAVAILABLE:
 * @maj: the major version that introduced the symbol
 * @min: the minor version that introduced the symbol
 *
 * Marks a libseldon symbol that is newer than `SELDON_VERSION_MAX_ALLOWED`.
 *
 * Since: 1.0
 */

#ifdef SELDON_DISABLE_DEPRECATION_WARNINGS
# define SELDON_DEPRECATED _SELDON_EXTERN
# define SELDON_DEPRECATED_FOR(f) _SELDON_EXTERN
# define SELDON_UNAVAILABLE(maj,min) _SELDON_EXTERN
#else
# define SELDON_DEPRECATED G_DEPRECATED _SELDON_EXTERN
# define SELDON_DEPRECATED_FOR(f) G_DEPRECATED_FOR(f) _SELDON_EXTERN
# define SELDON_UNAVAILABLE(maj,min) G_UNAVAILABLE(maj,min) _SELDON_EXTERN
#endif

#define SELDON_AVAILABLE_IN_ALL _SELDON_EXTERN

#if SELDON_VERSION_MAX_ALLOWED < SELDON_VERSION_1_0
# define SELDON_AVAILABLE_IN_1_0 SELDON_UNAVAILABLE(1, 0)
#else
# define SELDON_AVAILABLE_IN_1_0 _SELDON_EXTERN
#endif

/**
 * SELDON_DEPRECATED_IN_1_2_FOR:
 * @f: the symbol to use instead
 *
 * Marks a symbol deprecated in libseldon 1.2 in favour of @f; it warns only when
 * `SELDON_VERSION_MIN_REQUIRED` is 1.0 or later.
 *
 * Since: 1.0
 */
#if SELDON_VERSION_MIN_REQUIRED >= SELDON_VERSION_1_0
# define SELDON_DEPRECATED_IN_1_2 SELDON_DEPRECATED
# define SELDON_DEPRECATED_IN_1_2_FOR(f) SELDON_DEPRECATED_FOR(f)
#else
# define SELDON_DEPRECATED_IN_1_2 _SELDON_EXTERN
# define SELDON_DEPRECATED_IN_1_2_FOR(f) _SELDON_EXTERN
#endif
