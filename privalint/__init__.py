"""privalint: a privacy linter for Python code."""

__version__ = "0.1.0"
