//! `rforest`: trains the random forest of spec 7 on a balanced table, or classifies a
//! table with a trained model.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use common::forest::{ForestParams, Model};
use common::table::{Table, Writer};

/// How the tool is used (the end of every --help).
const EXAMPLE: &str = r#"Missing features (empty cells) take the flag value -100 (spec 4.8).

Example (train on one replica of the training set, classify the HESS sources):
  mcsample --seed 1 common/data/td_2941.csv | features > td_f.csv
  standardize --fit td_f.csv td_f.csv | smote --seed 1 \
    | rforest train --seed 1 --trees 20 --importances imp.csv -o m.rf
  standardize --fit td_f.csv td_f.csv \
    | rforest train --seed 1 --trees 20 --class-weight balanced -o m-weighted.rf
  mcsample --seed 1 examples/hess/hess_fields.csv | features | standardize --fit td_f.csv \
    | rforest predict --model m.rf -o hess_p.csv"#;

#[derive(Parser)]
#[command(
    about = "Random forest (scikit-learn semantics: Gini, bootstrap, sqrt features per split, \
             fully grown trees, soft voting)",
    after_help = EXAMPLE
)]
struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Fit a forest on a training table and write the model.
    #[command(after_help = EXAMPLE)]
    Train {
        #[command(flatten)]
        trees: cli::Trees,
        /// Candidate features per split (default: floor(sqrt(number of features))).
        #[arg(long)]
        max_features: Option<usize>,
        #[command(flatten)]
        class_weight: cli::ClassWeights,
        #[command(flatten)]
        stream: cli::Stream,
        #[command(flatten)]
        features: cli::FeatureColumns,
        #[command(flatten)]
        class_column: cli::ClassColumn,
        /// Also write the feature importances (CSV feature,importance) to this file.
        #[arg(long)]
        importances: Option<PathBuf>,
        /// Model file: JSON if it ends in .json, else compact binary (postcard).
        #[arg(short, long)]
        output: PathBuf,
        /// Training table (default: standard input).
        file: Option<PathBuf>,
    },
    /// Append P_<class>, Class and Class_prob to every row of a table.
    #[command(after_help = EXAMPLE)]
    Predict {
        /// Model file written by `rforest train`.
        #[arg(long)]
        model: PathBuf,
        #[command(flatten)]
        output: cli::Output,
        /// Table to classify (default: standard input).
        file: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    cli::main("rforest", |args: Args| match args.cmd {
        Cmd::Train {
            trees,
            max_features,
            class_weight,
            stream,
            features,
            class_column,
            importances,
            output,
            file,
        } => {
            let table = Table::read(file.as_deref())?;
            let features = features.names();
            let params = ForestParams {
                n_trees: trees.trees,
                max_features,
                class_weight: class_weight.class_weight.unwrap_or_default(),
                ..ForestParams::default()
            };
            let id = stream.id();
            let model = common::forest::tables::train_table(
                &table,
                &class_column.class_column,
                &features,
                &params,
                id,
            )?;
            if let Some(path) = importances {
                let mut out = Writer::create(Some(&path))?;
                common::forest::tables::write_importances(&model, &mut out)?;
                out.finish()?;
            }
            model.save(&output)
        }
        Cmd::Predict {
            model,
            output,
            file,
        } => {
            let model = Model::load(&model)?;
            let table = Table::read(file.as_deref())?;
            let mut out = Writer::create(output.path())?;
            common::forest::tables::predict_table(&model, &table, &mut out)?;
            out.finish()
        }
    })
}
