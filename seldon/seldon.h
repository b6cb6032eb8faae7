/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#define SELDON_INSIDE
# include "seldon-version.h"
# include "seldon-version-macros.h"
# include "seldon-enums.h"
# include "seldon-error.h"
# include "seldon-tensor.h"
# include "seldon-message.h"
# include "seldon-component.h"
# include "seldon-config.h"
# include "seldon-worker.h"
# include "seldon-worker-host.h"
# include "seldon-server.h"
#undef SELDON_INSIDE
