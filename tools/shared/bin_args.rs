//! The E(B-V) bins a table is split in (paper 3.3, spec 3.6), as `classify`, `redden
//! --lookup` and `ebvbins` take them.

use clap::Args;
use common::bins::Binning;
use common::redden::EBV_BIN_WIDTH;

#[derive(Args, Debug, Clone, Copy)]
pub struct BinArgs {
    /// Width of the E(B-V) bins in mag (the paper's 25 mmag).
    #[arg(long, default_value_t = EBV_BIN_WIDTH)]
    pub bin_width: f64,
    /// Bins whose width grows with E(B-V): max(0.025, F x E(B-V)) mag, e.g. 0.02.
    #[arg(long, value_name = "F", conflicts_with = "bin_width")]
    pub bin_rel: Option<f64>,
}

impl BinArgs {
    pub fn binning(&self) -> common::Result<Binning> {
        Binning::new(self.bin_width, self.bin_rel)
    }
}
