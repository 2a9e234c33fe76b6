//! SVG figures of a classification, after the paper's: confusion matrices (Fig. 8),
//! one source's replica distributions (Fig. 7), feature importances with the
//! random-feature baseline (Fig. 4) and ROC curves (Fig. 5). SVG text needs no system
//! fonts, so the figures render the same everywhere.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::aggregate::{Q_2SIG, Summary, quantile};
use crate::classes::{CLASSES, N_CLASSES};
use crate::error::{Error, Result};
use crate::metrics::{self, Counts};
use crate::table::Reader;

/// Class indices in the paper's display order: AGN, CV, HM-STAR, LM-STAR, HMXB, LMXB,
/// NS, YSO (spec conventions).
pub const DISPLAY_ORDER: [usize; N_CLASSES] = [0, 1, 2, 4, 3, 5, 6, 7];

/// One colour per class (by class index), distinguishable and print-safe.
const CLASS_COLORS: [RGBColor; N_CLASSES] = [
    RGBColor(31, 119, 180),  // AGN
    RGBColor(255, 127, 14),  // CV
    RGBColor(44, 160, 44),   // HM-STAR
    RGBColor(214, 39, 40),   // HMXB
    RGBColor(148, 103, 189), // LM-STAR
    RGBColor(140, 86, 75),   // LMXB
    RGBColor(227, 119, 194), // NS
    RGBColor(23, 190, 207),  // YSO
];

fn de<E: std::fmt::Debug>(e: E) -> Error {
    Error::invalid(format!("drawing the figure failed: {e:?}"))
}

fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", size).into_font())
}

fn centered(size: u32) -> TextStyle<'static> {
    font(size).pos(Pos::new(HPos::Center, VPos::Center))
}

/// Which normalisation a confusion matrix has (spec 9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmKind {
    /// Rows true class, normalised by row: recall on the diagonal.
    Recall,
    /// Rows predicted class, columns true class: precision on the diagonal.
    Precision,
}

/// The four panels of paper Fig. 8, in the order written: file stem, kind, CT subset.
pub const CM_PANELS: [(&str, CmKind, bool); 4] = [
    ("recall_all", CmKind::Recall, false),
    ("recall_ct", CmKind::Recall, true),
    ("precision_all", CmKind::Precision, false),
    ("precision_ct", CmKind::Precision, true),
];

/// Draws one confusion-matrix panel: percentages in the cells (rounded), classes in
/// display order; on a CT panel each row label carries that class's completeness.
fn draw_confusion<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    truth: &[usize],
    summaries: &[Summary],
    ct_cut: f64,
    kind: CmKind,
    confident: bool,
) -> Result<()> {
    let pred: Vec<usize> = summaries.iter().map(|s| s.class).collect();
    let conf: Vec<bool> = summaries.iter().map(|s| s.ct >= ct_cut).collect();
    let mask: Vec<bool> = if confident {
        conf.clone()
    } else {
        vec![true; truth.len()]
    };
    let counts: Counts = match kind {
        CmKind::Recall => metrics::confusion(truth, &pred, &mask),
        CmKind::Precision => metrics::transpose(&metrics::confusion(truth, &pred, &mask)),
    };
    let frac = metrics::normalize_rows(&counts);
    let row_compl = match kind {
        CmKind::Recall => metrics::completeness_by(truth, &conf),
        CmKind::Precision => metrics::completeness_by(&pred, &conf),
    };
    let n: u64 = counts.iter().flatten().sum();
    let (rows_are, cols_are) = match kind {
        CmKind::Recall => ("true class", "predicted class"),
        CmKind::Precision => ("predicted class", "true class"),
    };
    let title = format!(
        "{}, {} (N = {n})",
        match kind {
            CmKind::Recall => "Recall",
            CmKind::Precision => "Precision",
        },
        if confident {
            format!("CT \u{2265} {}", crate::table::fmt_f64(ct_cut))
        } else {
            "all sources".to_string()
        }
    );

    let (w, h) = area.dim_in_pixel();
    let (left, top, bottom, right) = (150i32, 44i32, 56i32, 12i32);
    let cell_w = ((w as i32 - left - right) / N_CLASSES as i32).max(1);
    let cell_h = ((h as i32 - top - bottom) / N_CLASSES as i32).max(1);
    area.fill(&WHITE).map_err(de)?;
    area.draw(&Text::new(title, (w as i32 / 2, 18), centered(17)))
        .map_err(de)?;
    for (r, &a) in DISPLAY_ORDER.iter().enumerate() {
        let y0 = top + r as i32 * cell_h;
        let label = match (confident, row_compl[a]) {
            (true, Some(c)) => format!("{} ({:.0}%)", CLASSES[a], 100.0 * c),
            _ => CLASSES[a].to_string(),
        };
        area.draw(&Text::new(
            label,
            (left - 6, y0 + cell_h / 2),
            font(13).pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(de)?;
        for (c, &b) in DISPLAY_ORDER.iter().enumerate() {
            let x0 = left + c as i32 * cell_w;
            let f = frac[a][b];
            let v = f.unwrap_or(0.0);
            // White to dark blue, as the paper's figure.
            let shade = |lo: f64, hi: f64| (lo + (hi - lo) * v).round() as u8;
            let fill = RGBColor(shade(255.0, 8.0), shade(255.0, 48.0), shade(255.0, 107.0));
            area.draw(&Rectangle::new(
                [(x0, y0), (x0 + cell_w, y0 + cell_h)],
                fill.filled(),
            ))
            .map_err(de)?;
            area.draw(&Rectangle::new(
                [(x0, y0), (x0 + cell_w, y0 + cell_h)],
                RGBColor(200, 200, 200).stroke_width(1),
            ))
            .map_err(de)?;
            if let Some(f) = f {
                let color = if f > 0.5 { WHITE } else { BLACK };
                area.draw(&Text::new(
                    format!("{:.0}", 100.0 * f),
                    (x0 + cell_w / 2, y0 + cell_h / 2),
                    centered(13).color(&color),
                ))
                .map_err(de)?;
            }
        }
    }
    let grid_bottom = top + N_CLASSES as i32 * cell_h;
    for (c, &b) in DISPLAY_ORDER.iter().enumerate() {
        let x = left + c as i32 * cell_w + cell_w / 2;
        // Alternate two rows so that long labels never overlap in narrow cells.
        let y = grid_bottom + 10 + (c as i32 % 2) * 14;
        area.draw(&Text::new(CLASSES[b], (x, y), centered(12)))
            .map_err(de)?;
    }
    area.draw(&Text::new(
        format!("{cols_are} (%, rows sum to 100; rows: {rows_are})"),
        (left + N_CLASSES as i32 * cell_w / 2, grid_bottom + 44),
        centered(13),
    ))
    .map_err(de)?;
    Ok(())
}

/// One confusion-matrix panel as an SVG document.
pub fn confusion_panel(
    truth: &[usize],
    summaries: &[Summary],
    ct_cut: f64,
    kind: CmKind,
    confident: bool,
) -> Result<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (620, 560)).into_drawing_area();
        draw_confusion(&root, truth, summaries, ct_cut, kind, confident)?;
        root.present().map_err(de)?;
    }
    Ok(buf)
}

/// The four panels of paper Fig. 8 (recall and precision, all and CT >= cut) in one
/// SVG document, two by two.
pub fn confusion_figure(truth: &[usize], summaries: &[Summary], ct_cut: f64) -> Result<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (1240, 1120)).into_drawing_area();
        let areas = root.split_evenly((2, 2));
        // Row 1: recall all, recall CT; row 2: precision all, precision CT.
        for (area, (_, kind, confident)) in areas.iter().zip(CM_PANELS) {
            draw_confusion(area, truth, summaries, ct_cut, kind, confident)?;
        }
        root.present().map_err(de)?;
    }
    Ok(buf)
}

/// One source's per-class probability distributions over its Monte-Carlo replicas
/// (paper Fig. 7): per class a box from the first to the third quartile with the
/// median, whiskers to the 2-sigma quantiles, the mean as a dot.
pub fn replicas_figure(source: &str, samples: &[[f64; 8]]) -> Result<String> {
    if samples.is_empty() {
        return Err(Error::invalid(format!("no replicas of source '{source}'")));
    }
    let s = crate::aggregate::summarize(samples);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (900, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(de)?;
        let title = format!(
            "{source}: {} replicas, Class {} (P = {:.3} \u{b1} {:.3}), CT = {}",
            samples.len(),
            CLASSES[s.class],
            s.class_prob,
            s.e_class_prob,
            fmt_ct(s.ct)
        );
        let mut chart = ChartBuilder::on(&root)
            .caption(title, font(17))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..8f64, 0f64..1f64)
            .map_err(de)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc("class probability")
            .draw()
            .map_err(de)?;
        for (slot, &c) in DISPLAY_ORDER.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(slot as f64 + 0.5, 0.0));
            root.draw(&Text::new(CLASSES[c], (px, py + 14), centered(13)))
                .map_err(de)?;
        }
        for (slot, &c) in DISPLAY_ORDER.iter().enumerate() {
            let mut v: Vec<f64> = samples.iter().map(|p| p[c]).collect();
            v.sort_by(f64::total_cmp);
            let x = slot as f64 + 0.5;
            let (q1, med, q3) = (quantile(&v, 0.25), quantile(&v, 0.5), quantile(&v, 0.75));
            let (lo, hi) = (quantile(&v, Q_2SIG.0), quantile(&v, Q_2SIG.1));
            let color = CLASS_COLORS[c];
            let plot_err = |e| de(e);
            chart
                .draw_series([
                    PathElement::new(vec![(x, lo), (x, q1)], BLACK.stroke_width(1)),
                    PathElement::new(vec![(x, q3), (x, hi)], BLACK.stroke_width(1)),
                    PathElement::new(vec![(x - 0.12, lo), (x + 0.12, lo)], BLACK.stroke_width(1)),
                    PathElement::new(vec![(x - 0.12, hi), (x + 0.12, hi)], BLACK.stroke_width(1)),
                ])
                .map_err(plot_err)?;
            chart
                .draw_series([Rectangle::new(
                    [(x - 0.3, q1), (x + 0.3, q3)],
                    color.mix(0.45).filled(),
                )])
                .map_err(de)?;
            chart
                .draw_series([Rectangle::new(
                    [(x - 0.3, q1), (x + 0.3, q3)],
                    color.stroke_width(2),
                )])
                .map_err(de)?;
            chart
                .draw_series([PathElement::new(
                    vec![(x - 0.3, med), (x + 0.3, med)],
                    BLACK.stroke_width(2),
                )])
                .map_err(de)?;
            chart
                .draw_series([Circle::new((x, s.mean[c]), 4, RED.filled())])
                .map_err(de)?;
        }
        root.draw(&Text::new(
            "box: quartiles, line: median, whiskers: 2.275-97.725% quantiles, red dot: mean",
            (450, 508),
            centered(12),
        ))
        .map_err(de)?;
        root.present().map_err(de)?;
    }
    Ok(buf)
}

fn fmt_ct(ct: f64) -> String {
    if ct >= 1e3 {
        format!("{ct:.3e}")
    } else {
        format!("{ct:.2}")
    }
}

/// Reads a CSV `feature,importance` (other columns ignored).
pub fn read_importances(path: Option<&Path>) -> Result<Vec<(String, f64)>> {
    let mut reader = Reader::open(path)?;
    let header = reader.header().clone();
    let f = header.require("feature")?;
    let i = header.require("importance")?;
    let mut out = Vec::new();
    while let Some(row) = reader.next_row()? {
        let name = row.text(f);
        if name.is_empty() {
            return Err(row.error(f, "empty feature name"));
        }
        out.push((name.to_string(), row.num_required(i)?));
    }
    if out.is_empty() {
        return Err(Error::file(header.file(), "no feature rows"));
    }
    Ok(out)
}

/// Bar chart of feature importances, largest first, with a horizontal baseline at
/// the importance of a feature named `random` when there is one (paper Fig. 4: features
/// below a random number's importance carry no information).
pub fn importances_figure(items: &[(String, f64)]) -> Result<String> {
    let mut items = items.to_vec();
    items.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let random = items.iter().find(|(n, _)| n == "random").map(|(_, v)| *v);
    let n = items.len();
    let top = items.iter().map(|(_, v)| *v).fold(0.0, f64::max).max(1e-12) * 1.1;
    let width = (24 * n as u32 + 140).max(640);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (width, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(de)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Feature importance (mean decrease in Gini impurity)",
                font(17),
            )
            .margin(12)
            .x_label_area_size(110)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..n as f64, 0f64..top)
            .map_err(de)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc("importance")
            .draw()
            .map_err(de)?;
        // Feature names read downwards under their bars.
        for (i, (name, _)) in items.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
            root.draw(&Text::new(
                name.clone(),
                (px, py + 6),
                font(12)
                    .transform(FontTransform::Rotate90)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(de)?;
        }
        chart
            .draw_series(items.iter().enumerate().map(|(i, (name, v))| {
                let color = if name == "random" {
                    RGBColor(160, 160, 160)
                } else {
                    RGBColor(31, 119, 180)
                };
                Rectangle::new(
                    [(i as f64 + 0.15, 0.0), (i as f64 + 0.85, *v)],
                    color.filled(),
                )
            }))
            .map_err(de)?;
        if let Some(r) = random {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, r), (n as f64, r)],
                    8,
                    5,
                    RED.stroke_width(2),
                ))
                .map_err(de)?
                .label(format!("random feature: {r:.4}"))
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(2)));
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK)
                .label_font(font(13))
                .draw()
                .map_err(de)?;
        }
        root.present().map_err(de)?;
    }
    Ok(buf)
}

/// Per-class one-vs-rest ROC curves with their AUCs and the macro curve (paper Fig. 5,
/// spec 9.2).
pub fn roc_figure(truth: &[usize], summaries: &[Summary]) -> Result<String> {
    let (curves, macro_curve) = metrics::roc_curves(truth, summaries);
    let Some(macro_curve) = macro_curve else {
        return Err(Error::invalid(
            "no ROC curve: no class has both true members and other sources",
        ));
    };
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (720, 680)).into_drawing_area();
        root.fill(&WHITE).map_err(de)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("ROC curves, one vs rest (N = {})", truth.len()),
                font(17),
            )
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..1f64, 0f64..1.0001f64)
            .map_err(de)?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(242, 242, 242))
            .x_desc("false positive rate")
            .y_desc("true positive rate")
            .draw()
            .map_err(de)?;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, 0.0), (1.0, 1.0)],
                6,
                5,
                RGBColor(150, 150, 150).stroke_width(1),
            ))
            .map_err(de)?;
        for &c in &DISPLAY_ORDER {
            let Some(curve) = &curves[c] else { continue };
            let color = CLASS_COLORS[c];
            let auc = metrics::trapezoid(&curve.fpr, &curve.tpr);
            chart
                .draw_series(LineSeries::new(
                    curve.fpr.iter().copied().zip(curve.tpr.iter().copied()),
                    color.stroke_width(2),
                ))
                .map_err(de)?
                .label(format!("{} (AUC = {auc:.3})", CLASSES[c]))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        let auc = metrics::trapezoid(&macro_curve.fpr, &macro_curve.tpr);
        chart
            .draw_series(LineSeries::new(
                macro_curve
                    .fpr
                    .iter()
                    .copied()
                    .zip(macro_curve.tpr.iter().copied()),
                BLACK.stroke_width(3),
            ))
            .map_err(de)?
            .label(format!("macro (AUC = {auc:.4})"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(3)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(font(14))
            .draw()
            .map_err(de)?;
        root.present().map_err(de)?;
    }
    Ok(buf)
}

/// Reads an aggregated table (ctscore or loocv output: P_, e_P_, Class, CT and the
/// `truth` column): the sources with both a true class and a result, and how many rows
/// lack one of them.
pub fn read_scored(path: Option<&Path>, truth: &str) -> Result<(Vec<usize>, Vec<Summary>, usize)> {
    let mut reader = Reader::open(path)?;
    let header = reader.header().clone();
    let cols = crate::aggregate::SummaryColumns::find(&header)?;
    let truth_col = header.require(truth)?;
    let (mut labels, mut sums, mut skipped) = (Vec::new(), Vec::new(), 0);
    while let Some(row) = reader.next_row()? {
        let s = cols.read(&row)?;
        match (crate::aggregate::read_label(&row, truth_col)?, s) {
            (Some(l), Some(s)) => {
                labels.push(l);
                sums.push(s);
            }
            _ => skipped += 1,
        }
    }
    if labels.is_empty() {
        return Err(Error::file(
            header.file(),
            "no row has both a true class and a result",
        ));
    }
    Ok((labels, sums, skipped))
}

/// Writes a figure atomically (temporary file beside it, then rename).
pub fn write_svg(path: &Path, svg: &str) -> Result<()> {
    crate::table::write_atomically(path, svg.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{from_moments, summarize};

    #[test]
    fn display_order_is_a_permutation() {
        let mut o = DISPLAY_ORDER;
        o.sort_unstable();
        assert_eq!(o, [0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(CLASSES[DISPLAY_ORDER[3]], "LM-STAR");
    }

    #[test]
    fn figures_are_svg_with_class_names() {
        let mut p = [0.0; 8];
        p[0] = 0.9;
        p[7] = 0.1;
        let mut q = [0.0; 8];
        q[7] = 0.8;
        q[0] = 0.2;
        let sums = vec![from_moments(p, [0.0; 8]), from_moments(q, [0.05; 8])];
        let truth = [0, 7];
        for svg in [
            confusion_figure(&truth, &sums, 2.0).unwrap(),
            roc_figure(&truth, &sums).unwrap(),
            replicas_figure("src", &[p, q, p]).unwrap(),
        ] {
            assert!(svg.trim_start().starts_with("<svg"), "{}", &svg[..80]);
            assert!(svg.contains("AGN") && svg.contains("YSO"));
        }
        let imp = importances_figure(&[("HR_ms".into(), 0.1), ("random".into(), 0.02)]).unwrap();
        assert!(imp.contains("HR_ms") && imp.contains("random"));
        assert!(summarize(&[]).ct.is_nan());
        assert!(roc_figure(&[0, 0], &sums).is_err());
    }
}
