"""Entry point for ``python -m privalint``."""

from privalint.cli import main

if __name__ == "__main__":
    main()
