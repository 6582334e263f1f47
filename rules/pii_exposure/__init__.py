"""Rules of the pii-exposure family."""
