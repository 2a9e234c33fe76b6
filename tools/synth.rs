//! `synth`: synthetic inputs of realistic shape and size for the benchmarks
//! (`benches/`). Never used to compute results.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    about = "Synthetic CSC detections, X-ray source lists and catalogs for benchmarks",
    after_help = "Example (the xmatch benchmark, benches/xmatch.sh):\n  \
synth xray 100000 > xray.csv && synth catalog gaia 2000000 > gaia.csv\n  \
xmatch --gaia gaia.csv xray.csv > matched.csv"
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
        }
        out.flush().map_err(|e| common::Error::io("<stdout>", e))
    })
}
