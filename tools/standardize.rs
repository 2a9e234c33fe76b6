//! `standardize`: scales the feature columns by the training set's statistics (spec 4.7).

use std::path::PathBuf;

use clap::Parser;
use common::features::standardize_table;
use common::table::{Table, Writer};

#[derive(Parser)]
#[command(
    name = "standardize",
    about = "Standardize the 29 feature columns with the mean and std of a training table",
    long_about = "Fits, per feature column of TRAIN, the mean and population standard \
deviation of the non-missing values (a zero deviation counts as 1) and replaces the \
feature columns of FILE by (x - mean) / std. Missing values stay missing; other \
columns pass unchanged. Fit on the training set of the same Monte-Carlo replica.",
    after_help = r#"Example:
  redden --ebv 0.5 | mcsample --seed 1 --replica 0 | features > td_r0.csv
  mcsample --seed 1 --replica 0 examples/hess/hess_fields.csv | features \
    | standardize --fit td_r0.csv > hess_r0.csv"#
)]
struct Args {
    /// Training table with the 29 feature columns (from `features`).
    #[arg(long)]
    fit: PathBuf,
    #[command(flatten)]
    output: cli::Output,
    /// Table to standardize [default: standard input].
    file: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    cli::main("standardize", |args: Args| {
        let train = Table::read(Some(&args.fit))?;
        let t = Table::read(args.file.as_deref())?;
        standardize_table(&train, &t)?.write(Writer::create(args.output.path())?)
    })
}
