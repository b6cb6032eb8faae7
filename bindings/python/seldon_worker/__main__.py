# SPDX-License-Identifier: LGPL-2.1-or-later
"""``python3 -m seldon_worker --fd N``: see seldon_worker.host."""

import sys

# `python3 -m` puts the working directory first on sys.path; configuration.md §4.1 wants it
# last (an installed module of the same name wins), so it goes before anything else is
# imported, and seldon_worker.host appends it again after every other entry.
if not getattr(sys.flags, "safe_path", False) and sys.path:
    del sys.path[0]

from seldon_worker.host import main  # noqa: E402

sys.exit(main())
