//! Work units and shards of a run (`classify`, `loocv`): `--plan` sizes a run,
//! `--shard I/N` computes one share of it for `ctscore --merge`.

use clap::Args;
use common::plan::ShardSpec;

#[derive(Args, Debug, Clone)]
pub struct ShardArgs {
    /// Print the work units with their estimated cost and shard (among --shards), and
    /// a summary per shard on stderr; compute nothing.
    #[arg(long)]
    pub plan: bool,
    /// The number of shards --plan splits the units in.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "plan", value_parser = clap::value_parser!(u32).range(1..))]
    pub shards: u32,
    /// Compute only the I-th of N shards (1 <= I <= N), balanced by estimated cost,
    /// and write its per-replica rows as a shard file for `ctscore --merge`.
    #[arg(long, value_name = "I/N", conflicts_with = "plan")]
    pub shard: Option<String>,
}

impl ShardArgs {
    /// The shard to compute, checked (a one-line error, like every input error).
    pub fn shard(&self) -> common::Result<Option<ShardSpec>> {
        self.shard.as_deref().map(str::parse).transpose()
    }
}
