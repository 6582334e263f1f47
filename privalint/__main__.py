"""Entry point for ``python -m privalint``."""

import os
import sys

# `python -m` puts the working folder first on sys.path. privalint never imports the code
# it checks, so a checked project's own `json.py` or `email.py` must not shadow the
# standard library here or in worker processes.
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == os.getcwd():
    del sys.path[0]

from privalint.cli import main

if __name__ == "__main__":
    main()
