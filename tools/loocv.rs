//! `loocv`: leave-one-out cross-validation of the classifier over the training set
//! (paper 4.1, 4.5; spec 9).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use common::absorption::Absorption;
use common::loocv::{LoocvOptions, check_folds, left_out_rows, loocv_plan, loocv_units};
use common::outlier;
use common::progress::Progress;
use common::redden::lookup_ebv;
use common::results::{LeftOut, LoocvOutputs, write_loocv, write_loocv_unit};
use common::rng::StreamId;
use common::schema::{DEC, RA};
use common::sfd::SfdMap;
use common::shard::{run_options, table_identity, write_shard};

#[derive(Parser)]
#[command(
    about = "Leave-one-out cross-validation of MUWCLASS over a training set",
    long_about = "Leave-one-out cross-validation (paper 4.1, 4.5): for every left-out source and \
Monte-Carlo replica, the other sources are reddened toward the left-out source's E(B-V), \
re-sampled, re-standardized, balanced with SMOTE and used to grow a forest that classifies \
the left-out source. Writes one row per left-out source: CSCv2_name, True_Class, P_<class>, \
e_P_<class>, Class, Class_prob, e_Class_prob, CT (the table ctscore writes).",
    after_help = r#"Example (a quick stratified estimate, also in 3 shards; the paper's run is --mc 10 without --limit):
  loocv --mc 2 --limit 40 --quiet -o loo.csv
  ctscore --aggregated --class-column True_Class --metrics - loo.csv
  for i in 1 2 3; do loocv --mc 2 --limit 40 --quiet --shard $i/3 -o s$i.csv; done
  ctscore --merge s*.csv -o merged.csv && cmp merged.csv loo.csv
  loocv --profile improved --mc 2 --limit 40 --quiet -o loo-improved.csv
  loocv --mc 1 --limit 8 --quiet --outlier-auc auc.csv -o loo8.csv && cat auc.csv
  loocv --training-set common/data/td_2941.csv --class-column True_Class --mc 2 --limit 40 --quiet -o loo-td.csv"#
)]
struct Args {
    #[command(flatten)]
    training_set: cli::TrainingSet,
    #[command(flatten)]
    replica: cli::Replicas,
    #[command(flatten)]
    shards: cli::Shards,
    /// Leave out only a stratified subset of this many sources (quick estimates).
    #[arg(long, value_parser = cli::at_least_one, allow_negative_numbers = true)]
    limit: Option<usize>,
    #[command(flatten)]
    class_column: cli::ClassColumn,
    #[command(flatten)]
    map: cli::Map,
    /// Also write the metrics: JSON if FILE ends in .json, else CSV (metric,value);
    /// '-' = standard output after the table.
    #[arg(long)]
    metrics: Option<PathBuf>,
    #[command(flatten)]
    ct_cut: cli::CtCut,
    /// Also write every replica's probabilities (CSCv2_name, True_Class, fold, replica, P_<class>).
    #[arg(long)]
    replicas_out: Option<PathBuf>,
    /// Also write per class the ROC AUC of the outlier score separating that class,
    /// held out of the training set, from the other classes' sources (leave one class
    /// out; CSV class,auc).
    #[arg(long, value_name = "FILE")]
    outlier_auc: Option<PathBuf>,
    #[command(flatten)]
    output: cli::Output,
}

fn main() -> ExitCode {
    cli::main("loocv", |args: Args| {
        let shard = args.shards.shard()?;
        let class_column = &args.class_column.class_column;
        let (table, td) = args.training_set.load(class_column, &[RA, DEC])?;
        let map = SfdMap::open(args.map.map.as_deref())?;
        let ebv = lookup_ebv(&table, &map, RA, DEC)?;
        let opts = LoocvOptions {
            replicas: args.replica.replicas,
            seed: args.replica.seed,
            replica: args.replica.options()?,
        };
        let rows = left_out_rows(&td.class, args.limit, opts.seed);
        check_folds(table.header.file(), &td.class, &rows, opts.replica.k)?;
        let plan = loocv_plan(&rows, opts.replicas);
        if args.shards.plan {
            return plan.print(args.shards.shards as usize, args.output.path());
        }
        let units = plan.selected(shard);
        let folds = units.chunk_by(|a, b| a.group == b.group).count();
        let progress = Progress::new(folds as u64, "loocv", args.replica.quiet);
        let absorption = Absorption::embedded()?;
        let probs = loocv_units(&td, &ebv, &rows, &units, &absorption, &opts, &progress)?;
        progress.finish();
        let left_out: Vec<LeftOut> = rows
            .iter()
            .map(|&r| LeftOut {
                name: td.names[r].clone(),
                truth: td.class[r],
                fold: r as u64,
            })
            .collect();

        if let Some(shard) = shard {
            let limit = args.limit.map_or("all".to_string(), |l| l.to_string());
            let options = run_options(
                opts.seed,
                opts.replicas,
                &opts.replica,
                args.map.map.as_deref(),
            )?
            .with("training_set", table_identity(&table))
            .with("class_column", args.class_column.class_column.as_str())
            .with("limit", limit);
            write_shard(args.output.path(), shard, &options, &plan, |w| {
                for (u, p) in units.iter().zip(&probs) {
                    write_loocv_unit(w, &left_out[u.group], u.replica, p)?;
                }
                Ok(units.len())
            })?;
            eprintln!("{}", plan.shard_note(shard, &units));
            return Ok(());
        }

        if let Some(path) = &args.outlier_auc {
            let auc = outlier::leave_one_class_out(
                &td,
                opts.replica.features,
                outlier::LOCO_FOLDS,
                StreamId::new(opts.seed),
            );
            outlier::write_class_auc(path, &auc)?;
        }

        let mut samples = vec![Vec::with_capacity(opts.replicas); rows.len()];
        for (u, p) in units.iter().zip(probs) {
            samples[u.group].push(p);
        }
        write_loocv(
            &left_out,
            &samples,
            &LoocvOutputs {
                table: args.output.path(),
                replicas: args.replicas_out.as_deref(),
                metrics: args.metrics.as_deref(),
                ct_cut: args.ct_cut.ct_cut,
            },
        )
    })
}
