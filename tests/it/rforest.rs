//! Integration tests of `rforest` (written with the tool).
