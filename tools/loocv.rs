//! `loocv`: leave-one-out cross-validation of the classifier over the training set
//! (paper 4.1, 4.5; spec 9).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use common::absorption::Absorption;
use common::aggregate::{summarize, summary_cells, summary_columns};
use common::classes::CLASSES;
use common::loocv::{LoocvOptions, left_out_rows, loocv};
use common::progress::Progress;
use common::redden::lookup_ebv;
use common::schema::{DEC, NAME, RA, TRUE_CLASS};
use common::sfd::SfdMap;
use common::sources::Sources;
use common::table::Writer;
use common::{Error, data};

#[path = "shared/replica_args.rs"]
mod replica_args;

#[derive(Parser)]
#[command(
    about = "Leave-one-out cross-validation of MUWCLASS over a training set",
    long_about = "Leave-one-out cross-validation (paper 4.1, 4.5): for every left-out source and \
Monte-Carlo replica, the other sources are reddened toward the left-out source's E(B-V), \
re-sampled, re-standardized, balanced with SMOTE and used to grow a forest that classifies \
the left-out source. Writes one row per left-out source: CSCv2_name, True_Class, P_<class>, \
e_P_<class>, Class, Class_prob, e_Class_prob, CT (the table ctscore writes).",
    after_help = "Example:\n  loocv --mc 10 -o loo.csv && ctscore --aggregated --truth True_Class --metrics - loo.csv\n  \
loocv --mc 2 --limit 300 --quiet | ctscore --aggregated --truth True_Class --metrics -"
)]
struct Args {
    /// Training set (default: the embedded 2,941-source TD).
    file: Option<PathBuf>,
    #[command(flatten)]
    replica: replica_args::ReplicaArgs,
    /// Leave out only a stratified subset of this many sources (quick estimates).
    #[arg(long)]
    limit: Option<usize>,
    /// Column of the literature classes.
    #[arg(long, default_value = TRUE_CLASS)]
    class_column: String,
    /// E(B-V) map (HEALPix FITS; default: the embedded SFD map).
    #[arg(long)]
    map: Option<PathBuf>,
    /// Also write the metrics (JSON) to this file (`-` for stdout after the table).
    #[arg(long)]
    metrics: Option<PathBuf>,
    /// CT cut of the confident subset in the metrics.
    #[arg(long, default_value_t = 2.0)]
    ct_cut: f64,
    /// Also write every replica's probabilities (CSCv2_name, True_Class, replica, P_<class>).
    #[arg(long)]
    replicas_out: Option<PathBuf>,
    /// Output file (default: stdout), written atomically.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    common::cli::run("loocv", || {
        args.replica.init_threads()?;
        let table = data::training_set_table(args.file.as_deref())?;
        let td = Sources::from_table(&table, Some(&args.class_column))?;
        let map = SfdMap::open(args.map.as_deref())?;
        let ebv = lookup_ebv(&table, &map, RA, DEC)?;
        let opts = LoocvOptions {
            replicas: args.replica.replicas,
            seed: args.replica.seed,
            replica: args.replica.options(),
        };
        let rows = left_out_rows(&td.class, args.limit, opts.seed);
        let progress = Progress::new(rows.len() as u64, "loocv", args.replica.quiet);
        let samples = loocv(&td, &ebv, &rows, &Absorption::embedded()?, &opts, &progress)?;
        progress.finish();
        let results: Vec<_> = samples
            .iter()
            .map(|(row, s)| (*row, summarize(s)))
            .collect();

        let mut out = Writer::create(args.output.as_deref())?;
        let mut header = vec![NAME.to_string(), TRUE_CLASS.to_string()];
        header.extend(summary_columns());
        out.write_row(&header)?;
        for (row, summary) in &results {
            let truth = td.class[*row].map_or("", |c| CLASSES[c]);
            let mut cells = vec![td.names[*row].clone(), truth.to_string()];
            cells.extend(summary_cells(summary));
            out.write_row(&cells)?;
        }
        out.finish()?;

        if let Some(path) = &args.replicas_out {
            let mut w = Writer::create(Some(path))?;
            let mut header = vec![
                NAME.to_string(),
                TRUE_CLASS.to_string(),
                "replica".to_string(),
            ];
            header.extend(common::classes::prob_columns());
            w.write_row(&header)?;
            for (row, replicas) in &samples {
                let truth = td.class[*row].map_or("", |c| CLASSES[c]);
                for (r, p) in replicas.iter().enumerate() {
                    let mut cells = vec![td.names[*row].clone(), truth.to_string(), r.to_string()];
                    cells.extend(p.iter().map(|v| common::table::fmt_num(Some(*v))));
                    w.write_row(&cells)?;
                }
            }
            w.finish()?;
        }

        if let Some(path) = &args.metrics {
            let truth: Vec<usize> = results.iter().filter_map(|(r, _)| td.class[*r]).collect();
            let summaries: Vec<_> = results.iter().map(|(_, s)| s.clone()).collect();
            let metrics = common::metrics::evaluate(&truth, &summaries, args.ct_cut);
            let json = serde_json::to_string_pretty(&metrics)
                .map_err(|e| Error::invalid(format!("cannot write metrics: {e}")))?;
            if path.as_os_str() == "-" {
                println!("{json}");
            } else {
                std::fs::write(path, json + "\n")
                    .map_err(|e| Error::io(&path.display().to_string(), e))?;
            }
        }
        Ok(())
    })
}
