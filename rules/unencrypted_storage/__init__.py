"""Rules of the unencrypted-storage family."""
