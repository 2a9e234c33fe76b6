//! Scoring of classification results (spec 8, 9.2) as `ctscore` does it: per-replica
//! rows aggregated per source, optionally joined onto a table by source id, or an
//! aggregated table passed through; each returns what the metrics and the report need.

use std::io::Write;
use std::path::Path;

use crate::aggregate::{self, Replicas, Summary, SummaryColumns};
use crate::error::{Error, Result};
use crate::table::{Reader, Table, Writer};

/// What is scored and written.
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// Source id column.
    pub id: String,
    /// Column of the true classes, when scoring.
    pub truth: Option<String>,
    /// Also write the order statistics per class.
    pub quantiles: bool,
}

/// Where the table goes: `None` for no table (metrics on standard output), else
/// [`Writer::create`]'s path.
pub type TableOut<'a> = Option<Option<&'a Path>>;

/// The result columns this run writes.
fn result_columns(opts: &ScoreOptions) -> Vec<String> {
    let mut cols = aggregate::summary_columns();
    if opts.quantiles {
        cols.extend(aggregate::quantile_columns());
    }
    cols
}

/// The result cells of source `i` of `replicas`.
fn result_cells(
    opts: &ScoreOptions,
    replicas: &Replicas,
    summary: &Summary,
    i: usize,
) -> Vec<String> {
    let mut cells = aggregate::summary_cells(summary);
    if opts.quantiles {
        cells.extend(aggregate::quantile_cells(&aggregate::quantiles(
            replicas.samples(i),
        )));
    }
    cells
}

/// What a run produced: every source's id and result, and the sources that can be
/// scored (truth and summary) with the count of those that cannot.
pub struct Scored {
    pub ids: Vec<String>,
    pub results: Vec<Option<Summary>>,
    pub truth: Vec<usize>,
    pub summaries: Vec<Summary>,
    pub skipped: usize,
}

pub fn collect(
    ids: Vec<String>,
    labels: &[Option<usize>],
    results: Vec<Option<Summary>>,
) -> Scored {
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

/// The short summary of a scored table on stderr (spec 8's CT cut), and the sources
/// that are also in the embedded training set: reported, never dropped.
pub fn report(tool: &str, scored: &Scored, ct_cut: f64) -> Result<()> {
    let td = crate::sources::Sources::embedded_training_set()?;
    let results: Vec<Option<&Summary>> = scored.results.iter().map(Option::as_ref).collect();
    let text = crate::report::results_report(tool, &scored.ids, &results, &td, ct_cut);
    let _ = write!(std::io::stderr().lock(), "{text}");
    Ok(())
}

/// Writes the metrics (spec 9.2) of the scored sources to `path` (`metrics::write`);
/// says on stderr how many sources could not be scored.
pub fn write_metrics(tool: &str, scored: &Scored, path: &Path, ct_cut: f64) -> Result<()> {
    if scored.skipped > 0 {
        eprintln!(
            "{tool}: {} sources without a true class or a result are not scored",
            scored.skipped
        );
    }
    if scored.truth.is_empty() {
        return Err(Error::invalid(
            "no source has both a true class and a result to score",
        ));
    }
    let m = crate::metrics::evaluate(&scored.truth, &scored.summaries, ct_cut);
    crate::metrics::write(path, &m)
}

pub fn per_source(input: Reader, opts: &ScoreOptions, out: TableOut) -> Result<Scored> {
    let (replicas, labels) = aggregate::read_replicas(input, &opts.id, opts.truth.as_deref())?;
    let summaries = replicas.summaries();
    if let Some(path) = out {
        let mut w = Writer::create(path)?;
        let mut head = vec![opts.id.clone()];
        head.extend(opts.truth.iter().cloned());
        head.extend(result_columns(opts));
        w.write_row(&head)?;
        for (i, id) in replicas.ids().iter().enumerate() {
            let mut row = vec![id.clone()];
            if opts.truth.is_some() {
                row.push(labels[i].map_or(String::new(), |c| crate::classes::CLASSES[c].into()));
            }
            row.extend(result_cells(opts, &replicas, &summaries[i], i));
            w.write_row(&row)?;
        }
        w.finish()?;
    }
    let results: Vec<_> = summaries.into_iter().map(Some).collect();
    Ok(collect(replicas.ids().to_vec(), &labels, results))
}

pub fn joined(input: Reader, join: &Path, opts: &ScoreOptions, out: TableOut) -> Result<Scored> {
    let (replicas, _) = aggregate::read_replicas(input, &opts.id, None)?;
    let summaries = replicas.summaries();
    let table = Table::read(Some(join))?;
    let id_col = table.header.require(&opts.id)?;
    let truth_col = opts
        .truth
        .as_deref()
        .map(|t| table.header.require(t))
        .transpose()?;
    let columns = result_columns(opts);
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
                result_cells(opts, &replicas, &summaries[i], i)
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

pub fn pass_through(input: Reader, opts: &ScoreOptions, out: TableOut) -> Result<Scored> {
    let table = input.read_all()?;
    let cols = SummaryColumns::find(&table.header)?;
    let truth_col = opts
        .truth
        .as_deref()
        .map(|t| table.header.require(t))
        .transpose()?;
    let id_col = table.header.find(&opts.id)?;
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
