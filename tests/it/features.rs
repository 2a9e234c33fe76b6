//! Integration tests of `features` (written with the tool).
