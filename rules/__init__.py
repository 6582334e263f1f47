"""privalint rules: one subpackage per family; the knowledge they use lives in ``catalog/``."""
