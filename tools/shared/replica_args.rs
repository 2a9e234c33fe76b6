//! Command-line settings of a Monte-Carlo replica, shared by the tools that run
//! replicas in process (`loocv`, `classify`). Defaults are the paper's.

use clap::Args;
use common::forest::ForestParams;
use common::mc::McOptions;
use common::replica::ReplicaOptions;

#[derive(Args, Debug, Clone)]
pub struct ReplicaArgs {
    /// Monte-Carlo replicas per source (1000 in the paper; 100 in the authors' demo).
    #[arg(long = "mc", default_value_t = 100)]
    pub replicas: usize,
    /// Seed of every random step; the output is identical for a seed whatever the threads.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Trees in each forest (spec 7).
    #[arg(long, default_value_t = 100)]
    pub trees: usize,
    /// SMOTE neighbours (spec 6.1).
    #[arg(long, default_value_t = 4)]
    pub k: usize,
    /// Scale of the measurement errors in the Monte-Carlo draws: 1 as in the paper,
    /// 1.4142135623730951 as in the authors' later code (spec 5).
    #[arg(long, default_value_t = 1.0)]
    pub error_scale: f64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

impl ReplicaArgs {
    pub fn options(&self) -> ReplicaOptions {
        ReplicaOptions {
            mc: McOptions {
                error_scale: self.error_scale,
            },
            k: self.k,
            forest: ForestParams {
                n_trees: self.trees,
                ..ForestParams::default()
            },
        }
    }

    /// Sizes the thread pool when asked to.
    pub fn init_threads(&self) -> common::Result<()> {
        if let Some(n) = self.threads {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build_global()
                .map_err(|e| common::Error::invalid(format!("cannot start {n} threads: {e}")))?;
        }
        Ok(())
    }
}
