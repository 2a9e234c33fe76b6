//! `synth`: synthetic inputs of realistic shape and size for the benchmarks
//! (`benches/`). Never used to compute results.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    about = "Synthetic CSC detections, X-ray source lists, catalogs and CSC-sized tables for benchmarks",
    after_help = "Examples (benches/xmatch.sh, benches/catalog_cost.sh):\n  \
synth xray 100000 > xray.csv && synth catalog gaia 2000000 > gaia.csv\n  \
xmatch --gaia gaia.csv xray.csv > matched.csv\n  \
synth csc > csc.csv && classify --mc 10 csc.csv -o csc_classified.csv   (CSC 2.1's 407,000 sources)"
)]
struct Args {
    #[command(subcommand)]
    what: What,
    /// Random seed.
    #[arg(long, global = true, default_value_t = 1)]
    seed: u64,
}

#[derive(Subcommand)]
enum What {
    /// CSC per-observation detections (input of `fechner`).
    Detections { n: usize },
    /// X-ray source list with CSCv2_RA, CSCv2_DEC, CSCv2_PU (input of `xmatch`).
    Xray { n: usize },
    /// A counterpart catalog in VizieR columns: gaia, 2mass, allwise, catwise or unwise.
    Catalog { catalog: String, n: usize },
    /// A CSC-2.1-like source table in the paper's columns (input of `classify`):
    /// positions clustered in Chandra-like pointings over the whole sky, values drawn
    /// from the training set.
    Csc {
        #[arg(default_value_t = common::synth::catalog::CSC21_SOURCES)]
        n: usize,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    common::cli::run("synth", || {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
        match &args.what {
            What::Detections { n } => common::synth::detections::write(*n, args.seed, &mut out)?,
            What::Xray { n } => common::synth::sky::write_xray(*n, args.seed, &mut out)?,
            What::Catalog { catalog, n } => {
                common::synth::sky::write_catalog(catalog, *n, args.seed, &mut out)?
            }
            What::Csc { n } => {
                let td = common::sources::Sources::embedded_training_set()?;
                common::synth::catalog::write(*n, args.seed, &td, &mut out)?
            }
        }
        out.flush().map_err(|e| common::Error::io("<stdout>", e))
    })
}
