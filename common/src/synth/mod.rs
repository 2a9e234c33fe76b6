//! Synthetic inputs for benchmarks: realistic shapes and sizes, never used for results.

pub mod catalog;
pub mod detections;
pub mod sky;
