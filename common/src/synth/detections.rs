//! Synthetic CSC per-observation detection tables (the shape of `examples/*/input/per.csv`).

use std::io::Write;

use crate::error::{Error, Result};

/// Writes `n` detections as CSV.
pub fn write(_n: usize, _seed: u64, _out: &mut dyn Write) -> Result<()> {
    Err(Error::invalid("synth detections is not implemented yet"))
}
