//! Integration tests of `xmatch` (written with the tool).
