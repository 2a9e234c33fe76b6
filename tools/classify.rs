//! `classify`: classifies every source of a table in one process (the fused path):
//! E(B-V) per source, 25-mmag E(B-V) bins, K Monte-Carlo replicas per bin, CT.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use common::Error;
use common::absorption::Absorption;
use common::bins::ebv_bins;
use common::field::{FieldOptions, classify_units, field_plan, field_samples};
use common::outlier;
use common::progress::Progress;
use common::redden::lookup_ebv;
use common::report::classified_report;
use common::results::{write_classified, write_classify_replicas, write_classify_unit};
use common::schema::{DEC, RA, TRUE_CLASS};
use common::sfd::SfdMap;
use common::shard::{run_options, table_identity, write_shard};
use common::sources::Sources;
use common::table::Table;

#[derive(Parser)]
#[command(
    about = "Classify every source of a table with MUWCLASS, all replicas in one process",
    long_about = "Classifies every source of a table in the paper's columns (the output of \
fechner | xmatch, or the authors' released tables): E(B-V) toward each source from the SFD \
map (x0.86), sources grouped in E(B-V) bins, the training AGNs reddened to each bin's mean \
E(B-V), K Monte-Carlo replicas per bin (sample, features, standardize, SMOTE, forest), \
aggregated per source with the confidence threshold CT. Writes the input table with `ebv`, \
`ebv_bin`, P_<class>, e_P_<class>, Class, Class_prob, e_Class_prob and CT appended; a \
summary goes to stderr. Identical, byte for byte, to the make pipeline of the same seed.",
    after_help = r#"Example (a field from its raw inputs; 20 HESS sources; a run in 3 shards, merged):
  d=examples/3fgl_j1306/input
  fechner $d/per.csv | xmatch --gaia $d/gaia.csv --2mass $d/2mass.csv --allwise $d/allwise.csv --catwise $d/catwise.csv --unwise $d/unwise.csv -o field.csv
  classify --mc 4 --quiet field.csv -o classified.csv
  classify --mc 2 --quiet --outlier field.csv -o with-outlier.csv
  head -n 21 examples/hess/hess_fields.csv | classify --mc 2 --seed 7 --quiet -o hess20.csv
  classify --mc 4 --plan --shards 3 field.csv > plan.csv
  for i in 1 2 3; do classify --mc 4 --quiet --shard $i/3 field.csv -o s$i.csv; done
  ctscore --merge s1.csv s2.csv s3.csv --join field.csv -o merged.csv && cmp merged.csv classified.csv"#
)]
struct Args {
    /// Sources to classify (default: stdin).
    file: Option<PathBuf>,
    #[command(flatten)]
    replica: cli::Replicas,
    #[command(flatten)]
    bins: cli::Bins,
    #[command(flatten)]
    shards: cli::Shards,
    #[command(flatten)]
    training_set: cli::TrainingSet,
    #[command(flatten)]
    class_column: cli::ClassColumn,
    #[command(flatten)]
    map: cli::Map,
    /// Also write every replica's probabilities (CSCv2_name, ebv, ebv_bin, replica, P_<class>).
    #[arg(long)]
    replicas_out: Option<PathBuf>,
    /// Also append `outlier`, each source's isolation-forest score against the training
    /// set of its E(B-V) bin: in (0, 1], high = unlike every training source (issue 12;
    /// docs/formats.md). Not with --shard (the pipe path and shard merges write no
    /// score).
    #[arg(long, conflicts_with_all = ["shard", "plan"])]
    outlier: bool,
    #[command(flatten)]
    ct_cut: cli::CtCut,
    #[command(flatten)]
    output: cli::Output,
    #[command(flatten)]
    format: cli::Format,
}

fn main() -> ExitCode {
    cli::main("classify", |args: Args| {
        args.format.apply();
        let shard = args.shards.shard()?;
        let binning = args.bins.binning()?;
        let table = Table::read(args.file.as_deref())?;
        if table.is_empty() {
            return Err(Error::file(table.header.file(), "no sources to classify"));
        }
        let field = Sources::from_table(&table, None)?;
        let (td_table, td) = args
            .training_set
            .load(&args.class_column.class_column, &[])?;
        td.check_smote(td_table.header.file(), args.replica.options()?.k)?;
        let map = SfdMap::open(args.map.map.as_deref())?;
        let ebv = lookup_ebv(&table, &map, RA, DEC)?;

        let opts = FieldOptions {
            replicas: args.replica.replicas,
            seed: args.replica.seed,
            binning,
            replica: args.replica.options()?,
        };
        let bins = ebv_bins(&ebv, &opts.binning);
        let plan = field_plan(&bins, opts.replicas);
        if args.shards.plan {
            return plan.print(args.shards.shards as usize, args.output.path());
        }
        let units = plan.selected(shard);
        let progress = Progress::new(units.len() as u64, "classify", args.replica.quiet);
        let absorption = Absorption::embedded()?;
        let results = classify_units(&td, &field, &bins, &units, &absorption, &opts, &progress)?;
        progress.finish();

        if let Some(shard) = shard {
            let (flag, value) = opts.binning.option();
            let mut options = run_options(
                opts.seed,
                opts.replicas,
                &opts.replica,
                args.map.map.as_deref(),
            )?
            .with(flag, value)
            .with("training_set", table_identity(&td_table))
            .with("input", table_identity(&table));
            // Named only when not the default (the shards of the paper's runs unchanged).
            if args.class_column.class_column != TRUE_CLASS {
                options = options.with("class_column", args.class_column.class_column.as_str());
            }
            write_shard(args.output.path(), shard, &options, &plan, |w| {
                let mut n = 0;
                for (u, probs) in units.iter().zip(&results) {
                    let bin = &bins[u.group];
                    write_classify_unit(
                        w,
                        &field.names,
                        &ebv,
                        &opts.binning,
                        bin,
                        u.replica,
                        probs,
                    )?;
                    n += probs.len();
                }
                Ok(n)
            })?;
            eprintln!("{}", plan.shard_note(shard, &units));
            return Ok(());
        }

        let samples = field_samples(
            &bins,
            field.len(),
            opts.replicas,
            units.into_iter().zip(results),
        );
        let outlier = args.outlier.then(|| {
            outlier::field_scores(
                &td,
                &field,
                &bins,
                &absorption,
                opts.replica.features,
                opts.seed,
            )
        });
        let summaries = write_classified(
            &table,
            &ebv,
            &opts.binning,
            &samples,
            outlier.as_deref(),
            args.output.path(),
        )?;
        if let Some(path) = &args.replicas_out {
            write_classify_replicas(path, &field.names, &ebv, &opts.binning, &bins, &samples)?;
        }
        eprint!(
            "{}",
            classified_report(
                "classify",
                &field.names,
                &summaries,
                bins.len(),
                opts.replicas,
                &td,
                args.ct_cut.ct_cut
            )
        );
        Ok(())
    })
}
