//! `classify`: classifies every source of a table in one process (the fused path):
//! E(B-V) per source, 25-mmag E(B-V) bins, K Monte-Carlo replicas per bin, CT.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

#[path = "shared/format_args.rs"]
mod format_args;
use common::absorption::Absorption;
use common::bins::ebv_bins;
use common::field::{FieldOptions, classify_units, field_plan, field_samples};
use common::progress::Progress;
use common::redden::lookup_ebv;
use common::report::classified_report;
use common::results::{write_classified, write_classify_replicas, write_classify_unit};
use common::schema::{DEC, RA, TRUE_CLASS};
use common::sfd::SfdMap;
use common::shard::{run_options, table_identity, write_shard};
use common::sources::Sources;
use common::table::Table;
use common::{Error, data};

#[path = "shared/bin_args.rs"]
mod bin_args;
#[path = "shared/replica_args.rs"]
mod replica_args;
#[path = "shared/shard_args.rs"]
mod shard_args;

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
    after_help = "Example:\n  fechner per.csv | xmatch --gaia gaia.csv --2mass 2mass.csv | classify --mc 100 -o classified.csv\n  \
classify --mc 1000 --seed 7 examples/hess/hess_fields.csv -o hess_classified.csv\n  \
classify --mc 4 --plan --shards 3 examples/3fgl_j1306/reference/fused.csv > plan.csv\n  \
for i in 1 2 3; do classify --mc 4 --shard $i/3 examples/3fgl_j1306/reference/fused.csv -o s$i.csv; done\n  \
ctscore --merge s1.csv s2.csv s3.csv --join examples/3fgl_j1306/reference/fused.csv -o classified.csv"
)]
struct Args {
    /// Sources to classify (default: stdin).
    file: Option<PathBuf>,
    #[command(flatten)]
    replica: replica_args::ReplicaArgs,
    #[command(flatten)]
    bins: bin_args::BinArgs,
    #[command(flatten)]
    shards: shard_args::ShardArgs,
    /// Training set (default: the embedded 2,941-source TD).
    #[arg(long)]
    training_set: Option<PathBuf>,
    /// E(B-V) map (HEALPix FITS; default: the embedded SFD map).
    #[arg(long)]
    map: Option<PathBuf>,
    /// Also write every replica's probabilities (CSCv2_name, ebv, ebv_bin, replica, P_<class>).
    #[arg(long)]
    replicas_out: Option<PathBuf>,
    /// CT cut of the summary.
    #[arg(long, default_value_t = 2.0)]
    ct_cut: f64,
    /// Output file (default: stdout), written atomically.
    #[arg(short, long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    format: format_args::FormatArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
    common::cli::run("classify", || {
        args.format.apply();
        args.replica.init_threads()?;
        let shard = args.shards.shard()?;
        let binning = args.bins.binning()?;
        let table = Table::read(args.file.as_deref())?;
        if table.is_empty() {
            return Err(Error::file(table.header.file(), "no sources to classify"));
        }
        let field = Sources::from_table(&table, None)?;
        let td_table = data::training_set_table(args.training_set.as_deref())?;
        let td = Sources::from_table(&td_table, Some(TRUE_CLASS))?;
        let map = SfdMap::open(args.map.as_deref())?;
        let ebv = lookup_ebv(&table, &map, RA, DEC)?;

        let opts = FieldOptions {
            replicas: args.replica.replicas,
            seed: args.replica.seed,
            binning,
            replica: args.replica.options(),
        };
        let bins = ebv_bins(&ebv, &opts.binning);
        let plan = field_plan(&bins, opts.replicas);
        if args.shards.plan {
            return plan.print(args.shards.shards as usize, args.output.as_deref());
        }
        let units = plan.selected(shard);
        let progress = Progress::new(units.len() as u64, "classify", args.replica.quiet);
        let absorption = Absorption::embedded()?;
        let results = classify_units(&td, &field, &bins, &units, &absorption, &opts, &progress)?;
        progress.finish();

        if let Some(shard) = shard {
            let (flag, value) = opts.binning.option();
            let options =
                run_options(opts.seed, opts.replicas, &opts.replica, args.map.as_deref())?
                    .with(flag, value)
                    .with("training_set", table_identity(&td_table))
                    .with("input", table_identity(&table));
            write_shard(args.output.as_deref(), shard, &options, &plan, |w| {
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
        let summaries = write_classified(
            &table,
            &ebv,
            &opts.binning,
            &samples,
            args.output.as_deref(),
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
                args.ct_cut
            )
        );
        Ok(())
    })
}
