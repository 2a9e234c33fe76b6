//! Integration tests of `redden` (written with the tool).
