//! Integration tests of `ctscore` (written with the tool).
