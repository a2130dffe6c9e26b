"""``python -m graph_emulator``: see ``graph_emulator.server.main``."""

from __future__ import annotations

import sys

from graph_emulator.server import main

if __name__ == "__main__":
    sys.exit(main())
