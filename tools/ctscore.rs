//! `ctscore`: aggregates the Monte-Carlo replicas of each source into mean and std of
//! the class probabilities, Class and the confidence threshold CT (spec 8), and
//! scores a classification against true labels (spec 9.2).

use std::path::PathBuf;

use clap::Parser;
use common::score::{self, ScoreOptions, joined, pass_through, per_source};
use common::shard;
use common::table::Reader;
use common::{Error, Result};

#[derive(Parser)]
#[command(
    name = "ctscore",
    about = "Aggregate Monte-Carlo replicas per source (P_ mean, e_P_ std, Class, CT) and score against true classes",
    after_help = r#"Example (replicas of a small LOOCV -> per-source table, metrics, a joined table):
  loocv --mc 3 --limit 20 --quiet --replicas-out reps.csv -o loo.csv
  ctscore --class-column True_Class --metrics metrics.json -o per_source.csv reps.csv
  ctscore --aggregated --class-column True_Class --metrics - loo.csv   # metrics only, on stdout
  ctscore --join common/data/td_2941.csv reps.csv -o td_scored.csv
  for i in 1 2; do loocv --mc 2 --limit 20 --quiet --shard $i/2 -o s$i.csv; done
  ctscore --merge s2.csv s1.csv -o merged.csv                          # shards in any order"#
)]
struct Args {
    /// Per-replica rows (id + P_<class> columns, replicas of a source in any order);
    /// with --aggregated, one row per source. Standard input when absent or '-'.
    #[arg(conflicts_with = "merge")]
    file: Option<PathBuf>,
    /// Merge the shard files of a `classify --shard` (with --join, the table it
    /// classified) or `loocv --shard` run, in any order, whole or concatenated, into
    /// the very bytes the unsharded run writes. Refuses incomplete, overlapping,
    /// truncated or mismatched sets.
    #[arg(long, num_args = 1.., value_name = "SHARD_FILE", conflicts_with_all = ["aggregated", "quantiles", "truth"])]
    merge: Vec<PathBuf>,
    /// With --merge: also write every replica's rows, as the run's --replicas-out.
    #[arg(long, requires = "merge")]
    replicas_out: Option<PathBuf>,
    #[command(flatten)]
    id: cli::IdColumn,
    /// Output TABLE's rows (all columns) with the summary columns appended or
    /// replaced, matched by id; rows without replicas get empty result cells.
    #[arg(long, value_name = "TABLE", conflicts_with = "aggregated")]
    join: Option<PathBuf>,
    /// The input is already one row per source with P_/e_P_ (and Class, CT) columns:
    /// no aggregation, the table passes through and only metrics are computed.
    #[arg(long)]
    aggregated: bool,
    /// Column of true class labels (from the input, or from the --join table): the
    /// sources are scored against it.
    #[arg(long = "class-column", alias = "truth", value_name = "COLUMN")]
    truth: Option<String>,
    /// Write metrics: JSON if FILE ends in .json, else CSV (metric,value); '-' =
    /// standard output, and then the table is written only with -o.
    #[arg(long, value_name = "FILE")]
    metrics: Option<PathBuf>,
    /// Also write the LOOCV tables' order statistics per class (spec 8): P_median_,
    /// P_2sig_low_, P_2sig_upp_ (2.275% / 97.725%), Class_median and its values.
    #[arg(long, conflicts_with = "aggregated")]
    quantiles: bool,
    /// Print a short summary on stderr: sources per class, how many with CT >= the
    /// cut, and the sources that are also in the (embedded) training set.
    #[arg(long)]
    report: bool,
    #[command(flatten)]
    ct_cut: cli::CtCut,
    #[command(flatten)]
    output: cli::Output,
    #[command(flatten)]
    format: cli::Format,
}

fn main() -> std::process::ExitCode {
    cli::main("ctscore", |args: Args| {
        args.format.apply();
        run(&args)
    })
}

fn run(args: &Args) -> Result<()> {
    let metrics_to_stdout = args.metrics.as_ref().is_some_and(|m| m.as_os_str() == "-");
    // With metrics on standard output the table goes only to -o.
    let table_out = match (&args.output.output, metrics_to_stdout) {
        (Some(p), _) => Some(Some(p.as_path())),
        (None, true) => None,
        (None, false) => Some(None),
    };
    if !args.merge.is_empty() {
        return shard::merge(
            &args.merge,
            args.join.as_deref(),
            &shard::MergeOutputs {
                table: args.output.path(),
                replicas: args.replicas_out.as_deref(),
                metrics: args.metrics.as_deref(),
                ct_cut: args.ct_cut.ct_cut,
                report: args.report.then_some("ctscore"),
            },
        );
    }
    if args.metrics.is_some() && args.truth.is_none() {
        return Err(Error::invalid(
            "--metrics needs --class-column COLUMN (or --merge of loocv shards)",
        ));
    }
    let opts = ScoreOptions {
        id: args.id.id.clone(),
        truth: args.truth.clone(),
        quantiles: args.quantiles,
    };
    let input = Reader::open(args.file.as_deref())?;
    let scored = if args.aggregated {
        pass_through(input, &opts, table_out)?
    } else if let Some(join) = &args.join {
        joined(input, join, &opts, table_out)?
    } else {
        per_source(input, &opts, table_out)?
    };
    if args.report {
        score::report("ctscore", &scored, args.ct_cut.ct_cut)?;
    }
    if let Some(path) = &args.metrics {
        score::write_metrics("ctscore", &scored, path, args.ct_cut.ct_cut)?;
    }
    Ok(())
}
