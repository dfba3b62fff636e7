"""``python -m audiolosses.atlas``: compute and write the atlas (see :func:`audiolosses.atlas.cli.main`)."""

import sys

from .cli import main

sys.exit(main())
