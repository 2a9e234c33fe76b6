//! Integration tests of `pipeline` (written with the tool).
