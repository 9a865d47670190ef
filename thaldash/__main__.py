"""``python -m thaldash``: the command-line interface."""

from __future__ import annotations

import sys

from thaldash.cli import main

sys.exit(main())
