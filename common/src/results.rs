//! The files a classification and a LOOCV write: the result tables, the per-replica
//! rows and the metrics. One function writes each, so that `classify`/`loocv` in one
//! process and `ctscore --merge` of their shards write the same bytes.

use std::path::Path;

use crate::aggregate::{Summary, summarize, summary_cells, summary_columns};
use crate::bins::{Binning, EbvBin};
use crate::classes::{CLASSES, N_CLASSES, prob_columns};
use crate::error::Result;
use crate::redden::ebv_cells;
use crate::schema::{EBV, EBV_BIN, NAME, OUTLIER, TRUE_CLASS};
use crate::table::{Table, Writer, fmt_f64};

/// Per source, the class probabilities of its replicas in replica order.
pub(crate) type Samples = Vec<Vec<[f64; N_CLASSES]>>;

/// The replica column of the per-replica rows.
pub(crate) const REPLICA: &str = "replica";
/// The fold column of LOOCV's per-replica rows: the left-out training row.
pub(crate) const FOLD: &str = "fold";

/// The table `classify` writes: every row of `table` with `ebv`, `ebv_bin` and the
/// summary of its replicas (spec 8) appended, and the `outlier` score when given
/// (`outlier::field_scores`). Returns the summaries, in table order.
pub fn write_classified(
    table: &Table,
    ebv: &[f64],
    binning: &Binning,
    samples: &[Vec<[f64; N_CLASSES]>],
    outlier: Option<&[f64]>,
    out: Option<&Path>,
) -> Result<Vec<Summary>> {
    let mut new_columns = vec![EBV.to_string(), EBV_BIN.to_string()];
    new_columns.extend(summary_columns());
    if outlier.is_some() {
        new_columns.push(OUTLIER.to_string());
    }
    let names: Vec<&str> = new_columns.iter().map(String::as_str).collect();
    let layout = table.header.extended(&names)?;
    let mut w = Writer::create(out)?;
    w.write_row(&layout.names)?;
    let mut summaries = Vec::with_capacity(table.len());
    for (i, row) in table.rows.iter().enumerate() {
        let summary = summarize(&samples[i]);
        let mut values = ebv_cells(ebv[i], binning).to_vec();
        values.extend(summary_cells(&summary));
        if let Some(score) = outlier {
            values.push(fmt_f64(score[i]));
        }
        w.write_row(layout.row(&row.record, &values))?;
        summaries.push(summary);
    }
    w.finish()?;
    Ok(summaries)
}

/// The columns of a classification's per-replica rows.
pub(crate) fn classify_replica_columns() -> Vec<String> {
    let mut header = vec![
        NAME.to_string(),
        EBV.to_string(),
        EBV_BIN.to_string(),
        REPLICA.to_string(),
    ];
    header.extend(prob_columns());
    header
}

/// The per-replica rows of one unit (bin, replica): one row per member of the bin.
pub fn write_classify_unit(
    w: &mut Writer,
    names: &[String],
    ebv: &[f64],
    binning: &Binning,
    bin: &EbvBin,
    replica: usize,
    probs: &[[f64; N_CLASSES]],
) -> Result<()> {
    for (&row, p) in bin.rows.iter().zip(probs) {
        let [e, b] = ebv_cells(ebv[row], binning);
        let mut cells = vec![names[row].clone(), e, b, replica.to_string()];
        cells.extend(p.iter().map(|v| fmt_f64(*v)));
        w.write_row(&cells)?;
    }
    Ok(())
}

/// `classify --replicas-out`: every replica of every source, bin by bin, replica by
/// replica, sources in table order.
pub fn write_classify_replicas(
    path: &Path,
    names: &[String],
    ebv: &[f64],
    binning: &Binning,
    bins: &[EbvBin],
    samples: &[Vec<[f64; N_CLASSES]>],
) -> Result<()> {
    let mut w = Writer::create(Some(path))?;
    w.write_row(classify_replica_columns())?;
    let replicas = samples.first().map_or(0, Vec::len);
    for bin in bins {
        (0..replicas).try_for_each(|r| {
            let probs: Vec<_> = bin.rows.iter().map(|&row| samples[row][r]).collect();
            write_classify_unit(&mut w, names, ebv, binning, bin, r, &probs)
        })?;
    }
    w.finish()
}

/// One left-out source of a LOOCV: name, literature class and training row.
#[derive(Debug, Clone, PartialEq)]
pub struct LeftOut {
    pub name: String,
    pub truth: Option<usize>,
    pub fold: u64,
}

fn class_cell(c: Option<usize>) -> String {
    c.map_or(String::new(), |c| CLASSES[c].to_string())
}

/// The columns of LOOCV's per-replica rows.
pub(crate) fn loocv_replica_columns() -> Vec<String> {
    let mut header = vec![
        NAME.to_string(),
        TRUE_CLASS.to_string(),
        FOLD.to_string(),
        REPLICA.to_string(),
    ];
    header.extend(prob_columns());
    header
}

/// The per-replica row of one LOOCV unit (fold, replica).
pub fn write_loocv_unit(
    w: &mut Writer,
    source: &LeftOut,
    replica: usize,
    p: &[f64; N_CLASSES],
) -> Result<()> {
    let mut cells = vec![
        source.name.clone(),
        class_cell(source.truth),
        source.fold.to_string(),
        replica.to_string(),
    ];
    cells.extend(p.iter().map(|v| fmt_f64(*v)));
    w.write_row(&cells)
}

/// Where a LOOCV writes: its table (`None`: standard output), and optionally every
/// replica's row and the metrics (JSON or CSV, `metrics::write`).
pub struct LoocvOutputs<'a> {
    pub table: Option<&'a Path>,
    pub replicas: Option<&'a Path>,
    pub metrics: Option<&'a Path>,
    pub ct_cut: f64,
}

/// Everything a LOOCV writes, from each left-out source's replicas (in replica order):
/// the table (CSCv2_name, True_Class, summary columns), the per-replica rows and the
/// metrics (spec 9.2) of the sources that have a literature class.
pub fn write_loocv(
    sources: &[LeftOut],
    samples: &[Vec<[f64; N_CLASSES]>],
    out: &LoocvOutputs,
) -> Result<()> {
    let summaries: Vec<Summary> = samples.iter().map(|s| summarize(s)).collect();
    let mut w = Writer::create(out.table)?;
    let mut header = vec![NAME.to_string(), TRUE_CLASS.to_string()];
    header.extend(summary_columns());
    w.write_row(&header)?;
    for (source, summary) in sources.iter().zip(&summaries) {
        let mut cells = vec![source.name.clone(), class_cell(source.truth)];
        cells.extend(summary_cells(summary));
        w.write_row(&cells)?;
    }
    w.finish()?;

    if let Some(path) = out.replicas {
        let mut w = Writer::create(Some(path))?;
        w.write_row(loocv_replica_columns())?;
        for (source, replicas) in sources.iter().zip(samples) {
            for (r, p) in replicas.iter().enumerate() {
                write_loocv_unit(&mut w, source, r, p)?;
            }
        }
        w.finish()?;
    }

    if let Some(path) = out.metrics {
        let (truth, scored): (Vec<usize>, Vec<Summary>) = sources
            .iter()
            .zip(&summaries)
            .filter_map(|(s, summary)| s.truth.map(|t| (t, summary.clone())))
            .unzip();
        let metrics = crate::metrics::evaluate(&truth, &scored, out.ct_cut);
        crate::metrics::write(path, &metrics)?;
    }
    Ok(())
}
