"""Rules of the pii-in-logs family."""
