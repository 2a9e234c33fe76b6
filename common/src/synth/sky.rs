//! Synthetic X-ray source lists and counterpart catalogs for cross-match benchmarks.

use std::io::Write;

use crate::error::{Error, Result};

/// Writes `n` X-ray sources (CSCv2_name, CSCv2_RA, CSCv2_DEC, CSCv2_PU, ...) as CSV.
pub fn write_xray(_n: usize, _seed: u64, _out: &mut dyn Write) -> Result<()> {
    Err(Error::invalid("synth xray is not implemented yet"))
}

/// Writes `n` rows of a counterpart catalog (`gaia`, `2mass`, `allwise`, `catwise`,
/// `unwise`, VizieR column names) as CSV.
pub fn write_catalog(_catalog: &str, _n: usize, _seed: u64, _out: &mut dyn Write) -> Result<()> {
    Err(Error::invalid("synth catalog is not implemented yet"))
}
