//! Integration tests of `smote` (written with the tool).
