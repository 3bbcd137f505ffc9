#!/usr/bin/env python
"""Django's command-line utility; `onewindow` (the installed console script) does the same."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from onewindow.config.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
