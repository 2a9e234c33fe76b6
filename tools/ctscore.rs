//! `ctscore`: aggregates the Monte-Carlo replicas of each source into mean and std of
//! the class probabilities, Class and the confidence threshold CT (spec 8), and
//! scores a classification against true labels (spec 9.2).

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;
use common::aggregate::{self, Replicas, Summary, SummaryColumns};
use common::table::{Reader, Table, Writer};
use common::{Error, Result};
use common::{metrics, report};

#[derive(Parser)]
#[command(
    name = "ctscore",
    about = "Aggregate Monte-Carlo replicas per source (P_ mean, e_P_ std, Class, CT) and score against true classes",
    after_help = "Example pipeline (per-replica predictions -> classified field table + metrics):\n  \
        for r in $(seq 0 99); do rforest predict --seed $r ...; done > replicas.csv\n  \
        ctscore --join field.csv replicas.csv -o field_class.csv\n  \
        loocv ... | ctscore --aggregated --truth True_Class --metrics loo_metrics.json -o loo.csv\n  \
        ctscore --truth True_Class --metrics - replicas.csv        # metrics only, CSV on stdout"
)]
struct Args {
    /// Per-replica rows (id + P_<class> columns, replicas of a source in any order);
    /// with --aggregated, one row per source. Standard input when absent or '-'.
    file: Option<PathBuf>,
    /// Source id column.
    #[arg(long, default_value = "CSCv2_name")]
    id: String,
    /// Output TABLE's rows (all columns) with the summary columns appended or
    /// replaced, matched by id; rows without replicas get empty result cells.
    #[arg(long, value_name = "TABLE", conflicts_with = "aggregated")]
    join: Option<PathBuf>,
    /// The input is already one row per source with P_/e_P_ (and Class, CT) columns:
    /// no aggregation, the table passes through and only metrics are computed.
    #[arg(long)]
    aggregated: bool,
    /// Column of true class labels (from the input, or from the --join table).
    #[arg(long, value_name = "COLUMN")]
    truth: Option<String>,
    /// Write metrics: JSON if FILE ends in .json, else CSV (metric,value); '-' =
    /// standard output, and then the table is written only with -o.
    #[arg(long, value_name = "FILE", requires = "truth")]
    metrics: Option<PathBuf>,
    /// Also write the LOOCV tables' order statistics per class (spec 8): P_median_,
    /// P_2sig_low_, P_2sig_upp_ (2.275% / 97.725%), Class_median and its values.
    #[arg(long, conflicts_with = "aggregated")]
    quantiles: bool,
    /// Print a short summary on stderr: sources per class, how many with CT >= the
    /// cut, and the sources that are also in the (embedded) training set.
    #[arg(long)]
    report: bool,
    /// CT cut of a confident classification (paper: 2).
    #[arg(long, default_value_t = aggregate::CT_CUT)]
    ct_cut: f64,
    /// Output table (written atomically); standard output when absent.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    common::cli::run("ctscore", || run(&args))
}

fn run(args: &Args) -> Result<()> {
    if !args.ct_cut.is_finite() {
        return Err(Error::invalid("--ct-cut must be a finite number"));
    }
    let metrics_to_stdout = args.metrics.as_ref().is_some_and(|m| m.as_os_str() == "-");
    // With metrics on standard output the table goes only to -o.
    let table_out = match (&args.output, metrics_to_stdout) {
        (Some(p), _) => Some(Some(p.as_path())),
        (None, true) => None,
        (None, false) => Some(None),
    };
    let input = Reader::open(args.file.as_deref())?;
    let scored = if args.aggregated {
        pass_through(input, args, table_out)?
    } else if let Some(join) = &args.join {
        joined(input, join, args, table_out)?
    } else {
        per_source(input, args, table_out)?
    };
    if args.report {
        report(&scored, args.ct_cut)?;
    }
    if let Some(path) = &args.metrics {
        let Scored {
            truth,
            summaries,
            skipped,
            ..
        } = scored;
        if skipped > 0 {
            eprintln!("ctscore: {skipped} sources without a true class or a result are not scored");
        }
        if truth.is_empty() {
            return Err(Error::invalid(
                "no source has both a true class and a result to score",
            ));
        }
        let m = metrics::evaluate(&truth, &summaries, args.ct_cut);
        metrics::write(path, &m)?;
    }
    Ok(())
}

/// The result columns this run writes.
fn result_columns(args: &Args) -> Vec<String> {
    let mut cols = aggregate::summary_columns();
    if args.quantiles {
        cols.extend(aggregate::quantile_columns());
    }
    cols
}

/// The result cells of source `i` of `replicas`.
fn result_cells(args: &Args, replicas: &Replicas, summary: &Summary, i: usize) -> Vec<String> {
    let mut cells = aggregate::summary_cells(summary);
    if args.quantiles {
        cells.extend(aggregate::quantile_cells(&aggregate::quantiles(
            replicas.samples(i),
        )));
    }
    cells
}

/// What a run produced: every source's id and result, and the sources that can be
/// scored (truth and summary) with the count of those that cannot.
struct Scored {
    ids: Vec<String>,
    results: Vec<Option<Summary>>,
    truth: Vec<usize>,
    summaries: Vec<Summary>,
    skipped: usize,
}

fn collect(ids: Vec<String>, labels: &[Option<usize>], results: Vec<Option<Summary>>) -> Scored {
    let mut truth = Vec::new();
    let mut summaries = Vec::new();
    let mut skipped = 0;
    for (l, s) in labels.iter().zip(&results) {
        match (l, s) {
            (Some(l), Some(s)) => {
                truth.push(*l);
                summaries.push(s.clone());
            }
            _ => skipped += 1,
        }
    }
    Scored {
        ids,
        results,
        truth,
        summaries,
        skipped,
    }
}

/// The short summary of a classified table on stderr (spec 8's CT cut), and the
/// sources that are also in the training set: they are reported, never dropped.
fn report(scored: &Scored, ct_cut: f64) -> Result<()> {
    let classes: Vec<_> = scored
        .results
        .iter()
        .map(|s| s.as_ref().map(|s| s.class))
        .collect();
    let cts: Vec<_> = scored
        .results
        .iter()
        .map(|s| s.as_ref().map(|s| s.ct))
        .collect();
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{}", report::class_summary(&classes, &cts, ct_cut));
    let td = common::sources::Sources::embedded_training_set()?;
    for (_, name, class) in report::training_overlap(&scored.ids, &td.names, &td.class) {
        let _ = writeln!(
            err,
            "{name} is also a training source (True_Class {class}); classified like the others"
        );
    }
    Ok(())
}

fn per_source(input: Reader, args: &Args, out: Option<Option<&std::path::Path>>) -> Result<Scored> {
    let (replicas, labels) = aggregate::read_replicas(input, &args.id, args.truth.as_deref())?;
    let summaries = replicas.summaries();
    if let Some(path) = out {
        let mut w = Writer::create(path)?;
        let mut head = vec![args.id.clone()];
        head.extend(args.truth.iter().cloned());
        head.extend(result_columns(args));
        w.write_row(&head)?;
        for (i, id) in replicas.ids().iter().enumerate() {
            let mut row = vec![id.clone()];
            if args.truth.is_some() {
                row.push(labels[i].map_or(String::new(), |c| common::classes::CLASSES[c].into()));
            }
            row.extend(result_cells(args, &replicas, &summaries[i], i));
            w.write_row(&row)?;
        }
        w.finish()?;
    }
    let results: Vec<_> = summaries.into_iter().map(Some).collect();
    Ok(collect(replicas.ids().to_vec(), &labels, results))
}

fn joined(
    input: Reader,
    join: &std::path::Path,
    args: &Args,
    out: Option<Option<&std::path::Path>>,
) -> Result<Scored> {
    let (replicas, _) = aggregate::read_replicas(input, &args.id, None)?;
    let summaries = replicas.summaries();
    let table = Table::read(Some(join))?;
    let id_col = table.header.require(&args.id)?;
    let truth_col = args
        .truth
        .as_deref()
        .map(|t| table.header.require(t))
        .transpose()?;
    let columns = result_columns(args);
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    let layout = table.header.extended(&names)?;
    let mut writer = out.map(Writer::create).transpose()?;
    if let Some(w) = writer.as_mut() {
        w.write_row(&layout.names)?;
    }
    let mut labels = Vec::with_capacity(table.len());
    let mut results = Vec::with_capacity(table.len());
    let mut ids = Vec::with_capacity(table.len());
    let mut matched = vec![false; replicas.len()];
    let mut without = 0usize;
    for row in &table.rows {
        let hit = replicas.get(row.text(id_col));
        let cells = match hit {
            Some(i) => {
                matched[i] = true;
                result_cells(args, &replicas, &summaries[i], i)
            }
            None => {
                without += 1;
                vec![String::new(); columns.len()]
            }
        };
        if let Some(w) = writer.as_mut() {
            w.write_row(layout.row(&row.record, &cells))?;
        }
        labels.push(match truth_col {
            Some(col) => aggregate::read_label(row, col)?,
            None => None,
        });
        results.push(hit.map(|i| summaries[i].clone()));
        ids.push(row.text(id_col).to_string());
    }
    if let Some(w) = writer {
        w.finish()?;
    }
    let mut err = std::io::stderr().lock();
    if without > 0 {
        let _ = writeln!(
            err,
            "ctscore: {without} rows of {} have no replicas: empty result cells",
            join.display()
        );
    }
    let unmatched = matched.iter().filter(|m| !**m).count();
    if unmatched > 0 {
        let _ = writeln!(
            err,
            "ctscore: {unmatched} sources with replicas are not in {} and are not written",
            join.display()
        );
    }
    Ok(collect(ids, &labels, results))
}

fn pass_through(
    input: Reader,
    args: &Args,
    out: Option<Option<&std::path::Path>>,
) -> Result<Scored> {
    let table = input.read_all()?;
    let cols = SummaryColumns::find(&table.header)?;
    let truth_col = args
        .truth
        .as_deref()
        .map(|t| table.header.require(t))
        .transpose()?;
    let id_col = table.header.find(&args.id)?;
    let mut labels = Vec::with_capacity(table.len());
    let mut results = Vec::with_capacity(table.len());
    let mut ids = Vec::with_capacity(table.len());
    for row in &table.rows {
        ids.push(id_col.map_or(String::new(), |c| row.text(c).to_string()));
        results.push(cols.read(row)?);
        labels.push(match truth_col {
            Some(col) => aggregate::read_label(row, col)?,
            None => None,
        });
    }
    if let Some(path) = out {
        let mut w = Writer::create(path)?;
        w.write_row(table.header.names())?;
        for row in &table.rows {
            w.write_row(&row.record)?;
        }
        w.finish()?;
    }
    Ok(collect(ids, &labels, results))
}
