"""Rules of the weak-tls family."""
