//! `mcsample`: one Monte-Carlo realisation of a source table (spec 5).

use std::path::PathBuf;

use clap::Parser;
use common::mc::sample_table;
use common::table::{Table, Writer};

#[derive(Parser)]
#[command(
    name = "mcsample",
    about = "Draw one Monte-Carlo realisation of the fluxes and magnitudes of a table",
    long_about = "Fs, Fm, Fh are drawn from normals of their 1-sigma errors truncated to \
positive values (redrawn while <= 0), the nine magnitudes from normals of their errors \
(a magnitude without error becomes empty); Fb becomes Fs + Fm + Fh of the sample. Each \
source draws from its own stream (seed, bin, replica, fold, source name), so its values \
do not depend on the other rows. Errors and all other columns pass unchanged.",
    after_help = r#"Example (replica 3 of a study with seed 7):
  redden --ebv 0.5 | mcsample --seed 7 --replica 3 | features > td_r3.csv
  mcsample --seed 7 --replica 3 examples/hess/hess_fields.csv | features \
    | standardize --fit td_r3.csv > hess_r3.csv"#
)]
struct Args {
    #[command(flatten)]
    stream: cli::Stream,
    #[command(flatten)]
    error_scale: cli::ErrorScale,
    #[command(flatten)]
    output: cli::Output,
    /// Input table [default: standard input].
    file: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    cli::main("mcsample", |args: Args| {
        let id = args.stream.id();
        let opts = args.error_scale.options();
        let t = Table::read(args.file.as_deref())?;
        sample_table(&t, id, &opts)?.write(Writer::create(args.output.path())?)
    })
}
