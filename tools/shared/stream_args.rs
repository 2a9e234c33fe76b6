//! Where a random step stands in a study — the (seed, bin, replica, fold) of its
//! random stream (common::rng) — as the tools that draw random numbers take it.

use clap::Args;
use common::rng::StreamId;

#[derive(Args, Debug, Clone, Copy)]
pub struct StreamArgs {
    /// Seed of the study.
    #[arg(long)]
    pub seed: u64,
    /// E(B-V) bin index (0 when the study has one E(B-V)).
    #[arg(long, default_value_t = 0)]
    pub bin: u64,
    /// Monte-Carlo replica index.
    #[arg(long, default_value_t = 0)]
    pub replica: u64,
    /// LOOCV fold: the index of the left-out source (0 outside LOOCV).
    #[arg(long, default_value_t = 0)]
    pub fold: u64,
}

impl StreamArgs {
    pub fn id(&self) -> StreamId {
        StreamId::new(self.seed)
            .bin(self.bin)
            .replica(self.replica)
            .fold(self.fold)
    }
}
