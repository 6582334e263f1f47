"""Rules of the notices family."""
