"""The core: loading a pack, compiling it once, and evaluating events against it."""
