"""The side-by-side benchmark: one app per framework, timed in-process on the same requests."""
