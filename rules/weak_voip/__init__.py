"""Rules of the weak-voip family."""
