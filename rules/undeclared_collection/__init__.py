"""Rules of the undeclared-collection family."""
