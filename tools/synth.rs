//! `synth`: synthetic inputs of realistic shape and size for the benchmarks
//! (`benches/`). Never used to compute results.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// How the tool is used (the end of every --help).
const EXAMPLE: &str = r#"Example (benches/xmatch.sh at a hundredth of its size):
  synth xray 1000 > xray.csv && synth catalog gaia 20000 > gaia.csv
  xmatch --gaia gaia.csv xray.csv > matched.csv
  synth detections 1000 | fechner > ave.csv
  synth csc 300 | classify --mc 2 --quiet -o csc_classified.csv   # synth csc: CSC 2.1's 407,000 sources"#;

#[derive(Parser)]
#[command(
    about = "Synthetic CSC detections, X-ray source lists, catalogs and CSC-sized tables for benchmarks",
    after_help = EXAMPLE
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
    #[command(after_help = EXAMPLE)]
    Detections { n: usize },
    /// X-ray source list with CSCv2_RA, CSCv2_DEC, CSCv2_PU (input of `xmatch`).
    #[command(after_help = EXAMPLE)]
    Xray { n: usize },
    /// A counterpart catalog in VizieR columns: gaia, 2mass, allwise, catwise or unwise.
    #[command(after_help = EXAMPLE)]
    Catalog { catalog: String, n: usize },
    /// A CSC-2.1-like source table in the paper's columns (input of `classify`):
    /// positions clustered in Chandra-like pointings over the whole sky, values drawn
    /// from the training set.
    #[command(after_help = EXAMPLE)]
    Csc {
        #[arg(default_value_t = common::synth::catalog::CSC21_SOURCES)]
        n: usize,
    },
}

fn main() -> ExitCode {
    cli::main("synth", |args: Args| {
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
