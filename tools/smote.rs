//! `smote`: balances a standardized training table with SMOTE (spec 6.1, 4.8).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use common::schema::{FEATURE_NAMES, TRUE_CLASS};
use common::table::{Table, Writer};

#[path = "shared/stream_args.rs"]
mod stream_args;

#[derive(Parser)]
#[command(
    about = "Raise every class of a training table to the majority count with SMOTE (k nearest \
             neighbours within the class; missing features follow the paper's sentinel rule)",
    after_help = "Output: every input row (all columns, synthetic=0), then the synthetic rows \
                  class by class (class and feature columns filled, other columns empty, \
                  synthetic=1).\n\nExample pipeline:\n  features td.csv > f.csv\n  \
                  standardize --fit f.csv f.csv | smote --seed 1 --replica 0 \
                  | rforest train --seed 1 --replica 0 -o m.rf"
)]
struct Args {
    /// Neighbours per point (the paper's k = 4).
    #[arg(long, default_value_t = common::smote::DEFAULT_K)]
    k: usize,
    #[command(flatten)]
    stream: stream_args::StreamArgs,
    /// The column holding the class labels.
    #[arg(long, default_value = TRUE_CLASS)]
    class_column: String,
    /// Feature columns, comma-separated (default: the 29 features of spec 4.2).
    #[arg(long, value_delimiter = ',')]
    features: Option<Vec<String>>,
    /// Output file (default: standard output), written atomically.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Input table (default: standard input).
    file: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    common::cli::run("smote", || {
        let table = Table::read(args.file.as_deref())?;
        let features: Vec<&str> = match &args.features {
            Some(f) => f.iter().map(String::as_str).collect(),
            None => FEATURE_NAMES.to_vec(),
        };
        let id = args.stream.id();
        let mut out = Writer::create(args.output.as_deref())?;
        common::smote::smote_table(&table, &args.class_column, &features, args.k, id, &mut out)?;
        out.finish()
    })
}
