//! Integration tests of `loocv` (written with the tool).
