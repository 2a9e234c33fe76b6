//! Integration tests of `fechner` (written with the tool).
