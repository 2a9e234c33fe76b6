//! `rforest`: trains the random forest of spec 7 on a balanced table, or classifies a
//! table with a trained model.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use common::forest::{ForestParams, Model};
use common::schema::{FEATURE_NAMES, TRUE_CLASS};
use common::table::{Table, Writer};

#[path = "shared/stream_args.rs"]
mod stream_args;

#[derive(Parser)]
#[command(
    about = "Random forest (scikit-learn semantics: Gini, bootstrap, sqrt features per split, \
             fully grown trees, soft voting)",
    after_help = "Missing features (empty cells) take the flag value -100 (spec 4.8).\n\n\
                  Example pipeline:\n  smote --seed 1 --replica 0 td_std.csv \
                  | rforest train --seed 1 --replica 0 -o m.rf\n  rforest predict --model m.rf \
                  field_std.csv | ctscore"
)]
struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Fit a forest on a training table and write the model.
    Train {
        /// Number of trees.
        #[arg(long, default_value_t = 100)]
        trees: usize,
        /// Candidate features per split (default: floor(sqrt(number of features))).
        #[arg(long)]
        max_features: Option<usize>,
        #[command(flatten)]
        stream: stream_args::StreamArgs,
        /// Feature columns, comma-separated (default: the 29 features of spec 4.2).
        #[arg(long, value_delimiter = ',')]
        features: Option<Vec<String>>,
        /// The column holding the class labels.
        #[arg(long, default_value = TRUE_CLASS)]
        class_column: String,
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
    Predict {
        /// Model file written by `rforest train`.
        #[arg(long)]
        model: PathBuf,
        /// Output file (default: standard output), written atomically.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Table to classify (default: standard input).
        file: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    common::cli::run("rforest", || match args.cmd {
        Cmd::Train {
            trees,
            max_features,
            stream,
            features,
            class_column,
            importances,
            output,
            file,
        } => {
            let table = Table::read(file.as_deref())?;
            let features: Vec<&str> = match &features {
                Some(f) => f.iter().map(String::as_str).collect(),
                None => FEATURE_NAMES.to_vec(),
            };
            let params = ForestParams {
                n_trees: trees,
                max_features,
                ..ForestParams::default()
            };
            let id = stream.id();
            let model = common::forest::train_table(&table, &class_column, &features, &params, id)?;
            if let Some(path) = importances {
                let mut out = Writer::create(Some(&path))?;
                common::forest::write_importances(&model, &mut out)?;
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
            let mut out = Writer::create(output.as_deref())?;
            common::forest::predict_table(&model, &table, &mut out)?;
            out.finish()
        }
    })
}
