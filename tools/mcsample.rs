//! `mcsample`: one Monte-Carlo realisation of a source table (spec 5).

use std::path::PathBuf;

use clap::Parser;
use common::mc::{McOptions, sample_table};
use common::table::{Table, Writer};

#[path = "shared/stream_args.rs"]
mod stream_args;

#[derive(Parser)]
#[command(
    name = "mcsample",
    about = "Draw one Monte-Carlo realisation of the fluxes and magnitudes of a table",
    long_about = "Fs, Fm, Fh are drawn from normals of their 1-sigma errors truncated to \
positive values (redrawn while <= 0), the nine magnitudes from normals of their errors \
(a magnitude without error becomes empty); Fb becomes Fs + Fm + Fh of the sample. Each \
source draws from its own stream (seed, bin, replica, fold, source name), so its values \
do not depend on the other rows. Errors and all other columns pass unchanged.",
    after_help = "Example (replica 3 of a study with seed 7):\n  \
redden --ebv 0.5 | mcsample --seed 7 --replica 3 | features > td_r3.csv\n  \
mcsample --seed 7 --replica 3 examples/hess/hess_fields.csv | features \\\n    \
| standardize --fit td_r3.csv > hess_r3.csv"
)]
struct Args {
    #[command(flatten)]
    stream: stream_args::StreamArgs,
    /// Factor on every error: 1 as in the paper, sqrt(2) = 1.4142135623730951 as in
    /// the authors' later code.
    #[arg(long, default_value_t = 1.0)]
    error_scale: f64,
    /// Write to FILE (atomically) instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Input table [default: standard input].
    file: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    common::cli::run("mcsample", || {
        if !(args.error_scale.is_finite() && args.error_scale >= 0.0) {
            return Err(common::Error::invalid(format!(
                "--error-scale must be a finite number >= 0, got {}",
                args.error_scale
            )));
        }
        let id = args.stream.id();
        let opts = McOptions {
            error_scale: args.error_scale,
        };
        let t = Table::read(args.file.as_deref())?;
        sample_table(&t, id, &opts)?.write(Writer::create(args.output.as_deref())?)
    })
}
