//! `classify`: classifies every source of a table in one process (the fused path):
//! E(B-V) per source, 25-mmag E(B-V) bins, K Monte-Carlo replicas per bin, CT.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use common::absorption::Absorption;
use common::aggregate::{summarize, summary_cells, summary_columns};
use common::field::{FieldOptions, classify_field};
use common::progress::Progress;
use common::redden::{EBV_BIN_WIDTH, check_bin_width, ebv_cells, lookup_ebv};
use common::report::{class_summary, training_overlap};
use common::schema::{DEC, EBV, EBV_BIN, NAME, RA, TRUE_CLASS};
use common::sfd::SfdMap;
use common::sources::Sources;
use common::table::{Table, Writer, fmt_num};
use common::{Error, data};

#[path = "shared/replica_args.rs"]
mod replica_args;

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
classify --mc 1000 --seed 7 examples/hess/hess_fields.csv -o hess_classified.csv"
)]
struct Args {
    /// Sources to classify (default: stdin).
    file: Option<PathBuf>,
    #[command(flatten)]
    replica: replica_args::ReplicaArgs,
    /// Width of the E(B-V) bins in mag (spec 3.6).
    #[arg(long, default_value_t = EBV_BIN_WIDTH)]
    bin_width: f64,
    /// Training set (default: the embedded 2,941-source TD).
    #[arg(long)]
    training_set: Option<PathBuf>,
    /// E(B-V) map (HEALPix FITS; default: the embedded SFD map).
    #[arg(long)]
    map: Option<PathBuf>,
    /// Also write every replica's probabilities (CSCv2_name, ebv_bin, replica, P_<class>).
    #[arg(long)]
    replicas_out: Option<PathBuf>,
    /// CT cut of the summary.
    #[arg(long, default_value_t = 2.0)]
    ct_cut: f64,
    /// Output file (default: stdout), written atomically.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    common::cli::run("classify", || {
        args.replica.init_threads()?;
        let table = Table::read(args.file.as_deref())?;
        if table.is_empty() {
            return Err(Error::file(table.header.file(), "no sources to classify"));
        }
        let field = Sources::from_table(&table, None)?;
        let td_table = data::training_set_table(args.training_set.as_deref())?;
        let td = Sources::from_table(&td_table, Some(TRUE_CLASS))?;
        let map = SfdMap::open(args.map.as_deref())?;
        check_bin_width(args.bin_width)?;
        let ebv = lookup_ebv(&table, &map, RA, DEC)?;

        let opts = FieldOptions {
            replicas: args.replica.replicas,
            seed: args.replica.seed,
            bin_width: args.bin_width,
            replica: args.replica.options(),
        };
        let bins = common::bins::ebv_bins(&ebv, opts.bin_width);
        let progress = Progress::new(
            (bins.len() * opts.replicas) as u64,
            "classify",
            args.replica.quiet,
        );
        let result = classify_field(
            &td,
            &field,
            &ebv,
            &Absorption::embedded()?,
            &opts,
            &progress,
        )?;
        progress.finish();

        let mut new_columns = vec![EBV.to_string(), EBV_BIN.to_string()];
        new_columns.extend(summary_columns());
        let names: Vec<&str> = new_columns.iter().map(String::as_str).collect();
        let layout = table.header.extended(&names)?;
        let mut out = Writer::create(args.output.as_deref())?;
        out.write_row(&layout.names)?;
        let mut classes = Vec::with_capacity(table.len());
        let mut cts = Vec::with_capacity(table.len());
        for (i, row) in table.rows.iter().enumerate() {
            let summary = summarize(&result.samples[i]);
            let mut values = ebv_cells(ebv[i], opts.bin_width).to_vec();
            values.extend(summary_cells(&summary));
            out.write_row(layout.row(&row.record, &values))?;
            classes.push(Some(summary.class));
            cts.push(Some(summary.ct));
        }
        out.finish()?;

        if let Some(path) = &args.replicas_out {
            let mut w = Writer::create(Some(path))?;
            let mut header = vec![NAME.to_string(), EBV_BIN.to_string(), "replica".to_string()];
            header.extend(common::classes::prob_columns());
            w.write_row(&header)?;
            for bin in &result.bins {
                for r in 0..opts.replicas {
                    for &row in &bin.rows {
                        let mut cells = vec![
                            field.names[row].clone(),
                            bin.index.to_string(),
                            r.to_string(),
                        ];
                        cells.extend(result.samples[row][r].iter().map(|p| fmt_num(Some(*p))));
                        w.write_row(&cells)?;
                    }
                }
            }
            w.finish()?;
        }

        eprintln!(
            "classify: {} sources in {} E(B-V) bins, {} replicas each",
            table.len(),
            result.bins.len(),
            opts.replicas
        );
        eprint!("{}", class_summary(&classes, &cts, args.ct_cut));
        for (_, name, class) in training_overlap(&field.names, &td.names, &td.class) {
            eprintln!(
                "classify: {name} is also a training source ({TRUE_CLASS} {class}); classified like the others"
            );
        }
        Ok(())
    })
}
