//! `smote`: balances a standardized training table with SMOTE (spec 6.1, 4.8).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use common::table::{Table, Writer};

#[derive(Parser)]
#[command(
    about = "Raise every class of a training table to the majority count with SMOTE (k nearest \
             neighbours within the class; missing features follow the paper's sentinel rule)",
    after_help = r#"Output: every input row (all columns, synthetic=0), then the synthetic rows class by class (class and feature columns filled, other columns empty, synthetic=1).

Example (one replica of the training set, balanced, then a forest):
  mcsample --seed 1 common/data/td_2941.csv | features > td_f.csv
  standardize --fit td_f.csv td_f.csv | smote --seed 1 --replica 0 > td_balanced.csv
  rforest train --seed 1 --replica 0 --trees 20 -o m.rf td_balanced.csv"#
)]
struct Args {
    #[command(flatten)]
    k: cli::Neighbours,
    #[command(flatten)]
    stream: cli::Stream,
    #[command(flatten)]
    class_column: cli::ClassColumn,
    #[command(flatten)]
    features: cli::FeatureColumns,
    #[command(flatten)]
    output: cli::Output,
    /// Input table (default: standard input).
    file: Option<PathBuf>,
}

fn main() -> ExitCode {
    cli::main("smote", |args: Args| {
        let table = Table::read(args.file.as_deref())?;
        let features = args.features.names();
        let id = args.stream.id();
        let mut out = Writer::create(args.output.path())?;
        common::smote::smote_table(
            &table,
            &args.class_column.class_column,
            &features,
            args.k.k,
            id,
            &mut out,
        )?;
        out.finish()
    })
}
