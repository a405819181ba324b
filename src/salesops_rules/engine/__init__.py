"""Behaviour: loading, compiling and evaluating policies, and explaining decisions."""
