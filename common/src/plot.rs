//! SVG figures of a classification, after the paper's: confusion matrices (Fig. 8),
//! one source's replica distributions (Fig. 7), feature importances with the
//! random-feature baseline (Fig. 4) and ROC curves (Fig. 5). SVG text needs no system
//! fonts, so the figures render the same everywhere.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::aggregate::{Q_2SIG, Summary, quantile};
use crate::classes::{CLASS_COLORS, CLASSES, N_CLASSES};
use crate::error::{Error, Result};
use crate::metrics::{self, Counts};
use crate::table::Reader;

/// Class indices in the paper's display order: AGN, CV, HM-STAR, LM-STAR, HMXB, LMXB,
/// NS, YSO (spec conventions).
pub(crate) const DISPLAY_ORDER: [usize; N_CLASSES] = [0, 1, 2, 4, 3, 5, 6, 7];

fn class_color(c: usize) -> RGBColor {
    let (r, g, b) = CLASS_COLORS[c];
    RGBColor(r, g, b)
}

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
            crate::aggregate::display_ct(s.ct)
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
            let color = class_color(c);
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

type UnitSquare<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// A chart of the unit square with its mesh, axis names and the dashed diagonal (ROC
/// curves, reliability diagrams).
fn unit_square<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    caption: String,
    x_desc: &str,
    y_desc: &str,
) -> Result<UnitSquare<'a, 'b>> {
    let mut chart = ChartBuilder::on(root)
        .caption(caption, font(17))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..1f64, 0f64..1.0001f64)
        .map_err(de)?;
    chart
        .configure_mesh()
        .light_line_style(RGBColor(242, 242, 242))
        .x_desc(x_desc)
        .y_desc(y_desc)
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
    Ok(chart)
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
        let mut chart = unit_square(
            &root,
            format!("ROC curves, one vs rest (N = {})", truth.len()),
            "false positive rate",
            "true positive rate",
        )?;
        for &c in &DISPLAY_ORDER {
            let Some(curve) = &curves[c] else { continue };
            let color = class_color(c);
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

/// One source of a sky plot.
#[derive(Debug, Clone)]
pub(crate) struct SkyPoint<'a> {
    pub name: &'a str,
    /// ICRS degrees.
    pub ra: f64,
    pub dec: f64,
    pub class: Option<usize>,
    pub ct: f64,
    /// Where the point links to (`#src-3` for a row of the page), if anywhere.
    pub link: Option<String>,
}

/// A step of 1, 2 or 5 times a power of ten giving about `n` intervals over `span`.
fn nice_step(span: f64, n: f64) -> f64 {
    let raw = (span / n).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    mag * if f < 1.5 {
        1.0
    } else if f < 3.5 {
        2.0
    } else if f < 7.5 {
        5.0
    } else {
        10.0
    }
}

/// Tick values (multiples of `step`) within [lo, hi], and the decimals their labels need.
fn ticks(lo: f64, hi: f64) -> (Vec<f64>, usize) {
    let step = nice_step(hi - lo, 5.0);
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    ((first..=last).map(|k| k as f64 * step).collect(), decimals)
}

/// The sources on the sky, coloured by Class: filled when the classification is
/// confident (CT >= cut), open otherwise, grey without a class. Right ascension grows
/// to the left (east left, as on the sky) around the sources' circular mean, so that a
/// field across RA = 0 stays in one piece; the RA axis is shrunk by cos(Dec) of the
/// field centre so that the field keeps its shape. Each point carries a tooltip (name,
/// Class, CT) and, when given, a link.
pub(crate) fn sky_figure(points: &[SkyPoint], ct_cut: f64) -> Result<String> {
    use std::fmt::Write;
    if points.is_empty() {
        return Err(Error::invalid("no sources to plot on the sky"));
    }
    let (sx, sy) = points.iter().fold((0.0, 0.0), |(x, y), p| {
        (x + p.ra.to_radians().cos(), y + p.ra.to_radians().sin())
    });
    let ra0 = sy.atan2(sx).to_degrees().rem_euclid(360.0);
    let dra = |ra: f64| (ra - ra0 + 180.0).rem_euclid(360.0) - 180.0;
    let (dec_lo, dec_hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.dec), hi.max(p.dec))
        });
    let cos0 = ((dec_lo + dec_hi) / 2.0).to_radians().cos().max(0.05);
    let (ra_lo, ra_hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(dra(p.ra)), hi.max(dra(p.ra)))
        });
    // At least an arcminute across, 6% padding on every side.
    let pad = |lo: f64, hi: f64, scale: f64| {
        let span = ((hi - lo) * scale).max(1.0 / 60.0);
        let mid = (hi + lo) / 2.0 * scale;
        (mid - 0.56 * span, mid + 0.56 * span)
    };
    let (x_lo, x_hi) = pad(ra_lo, ra_hi, cos0);
    let (y_lo, y_hi) = pad(dec_lo, dec_hi, 1.0);
    let scale = (560.0 / (x_hi - x_lo)).min(560.0 / (y_hi - y_lo));
    let (pw, ph) = ((x_hi - x_lo) * scale, (y_hi - y_lo) * scale);
    let (left, top, bottom, legend) = (80.0, 40.0, 56.0, 190.0);
    let (w, h) = (left + pw + 20.0 + legend, top + ph + bottom);
    // East (larger RA) to the left.
    let px = |dra: f64| left + (x_hi - dra * cos0) * scale;
    let py = |dec: f64| top + (y_hi - dec) * scale;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="sans-serif" font-size="12" role="img" aria-label="sky plot of the sources coloured by Class">"#
    );
    let _ = write!(
        svg,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{:.1}" y="22" font-size="16" text-anchor="middle">Sources on the sky by Class (N = {})</text>"#,
        left + pw / 2.0,
        points.len()
    );
    let _ = write!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{pw:.1}" height="{ph:.1}" fill="none" stroke="#444"/>"##
    );
    let (ra_ticks, ra_dec) = ticks(-x_hi / cos0, -x_lo / cos0);
    for t in ra_ticks {
        // The tick is at RA offset -t... as x = -dra cos0 runs left to right.
        let x = px(-t);
        let ra = (ra0 - t).rem_euclid(360.0);
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#444"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{ra:.ra_dec$}</text>"##,
            top + ph,
            top + ph + 5.0,
            top + ph + 19.0
        );
    }
    let (dec_ticks, dec_dec) = ticks(y_lo, y_hi);
    for t in dec_ticks {
        let y = py(t);
        let _ = write!(
            svg,
            r##"<line x1="{:.1}" y1="{y:.1}" x2="{left}" y2="{y:.1}" stroke="#444"/><text x="{:.1}" y="{:.1}" text-anchor="end">{t:.dec_dec$}</text>"##,
            left - 5.0,
            left - 8.0,
            y + 4.0
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">RA (deg, ICRS; east to the left)</text><text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle">Dec (deg)</text>"#,
        left + pw / 2.0,
        top + ph + 42.0,
        top + ph / 2.0
    );
    // Confident points last, so that they are drawn on top.
    let mut order: Vec<&SkyPoint> = points.iter().collect();
    order.sort_by_key(|p| p.class.is_some() && p.ct >= ct_cut);
    for p in order {
        let color = crate::classes::hex_color(
            p.class
                .map_or(crate::classes::NO_CLASS_COLOR, |c| CLASS_COLORS[c]),
        );
        let confident = p.class.is_some() && p.ct >= ct_cut;
        let fill = if confident { color.as_str() } else { "white" };
        let label = match p.class {
            Some(c) => format!(
                "{}: {}, CT = {}",
                p.name,
                CLASSES[c],
                crate::aggregate::display_ct(p.ct)
            ),
            None => format!("{}: no class", p.name),
        };
        let circle = format!(
            r#"<circle cx="{:.1}" cy="{:.1}" r="5" fill="{fill}" stroke="{color}" stroke-width="2"><title>{}</title></circle>"#,
            px(dra(p.ra)),
            py(p.dec),
            crate::html::escape(&label)
        );
        match &p.link {
            Some(href) => {
                let _ = write!(
                    svg,
                    r#"<a href="{}">{circle}</a>"#,
                    crate::html::escape(href)
                );
            }
            None => svg.push_str(&circle),
        }
    }
    // Legend: the classes present, with counts.
    let lx = left + pw + 24.0;
    let mut ly = top + 8.0;
    let mut counts = [0usize; N_CLASSES];
    let mut none = 0;
    for p in points {
        match p.class {
            Some(c) => counts[c] += 1,
            None => none += 1,
        }
    }
    let mut entry = |color: String, text: String| {
        let _ = write!(
            svg,
            r#"<circle cx="{:.1}" cy="{ly:.1}" r="5" fill="{color}" stroke="{color}" stroke-width="2"/><text x="{:.1}" y="{:.1}">{text}</text>"#,
            lx + 6.0,
            lx + 18.0,
            ly + 4.0
        );
        ly += 20.0;
    };
    for &c in &DISPLAY_ORDER {
        if counts[c] > 0 {
            entry(
                crate::classes::hex_color(CLASS_COLORS[c]),
                format!("{} ({})", CLASSES[c], counts[c]),
            );
        }
    }
    if none > 0 {
        entry(
            crate::classes::hex_color(crate::classes::NO_CLASS_COLOR),
            format!("no class ({none})"),
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{lx:.1}" y="{:.1}">filled: CT &#8805; {}</text><text x="{lx:.1}" y="{:.1}">open: CT &lt; {}</text></svg>"#,
        ly + 12.0,
        fmt_cut(ct_cut),
        ly + 30.0,
        fmt_cut(ct_cut)
    );
    Ok(svg)
}

fn fmt_cut(ct_cut: f64) -> String {
    crate::table::fmt_f64(ct_cut)
}

/// A source's class probabilities as a small bar chart: one bar per class in display
/// order, its height the mean P, an error bar of ± e_P (clipped to [0, 1]), a tooltip
/// per bar with the numbers.
pub(crate) fn probability_bars(s: &Summary) -> String {
    use std::fmt::Write;
    const BAR: f64 = 12.0;
    const H: f64 = 36.0;
    let y = |p: f64| 2.0 + H * (1.0 - p.clamp(0.0, 1.0));
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="bars" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#,
        w = BAR * N_CLASSES as f64 + 2.0,
        h = H + 4.0
    );
    for (slot, &c) in DISPLAY_ORDER.iter().enumerate() {
        let (p, e) = (s.mean[c], s.std[c]);
        let x = 1.0 + slot as f64 * BAR;
        let _ = write!(
            svg,
            r##"<g><title>{}: P = {:.3} &#177; {:.3}</title><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#000"/></g>"##,
            CLASSES[c],
            p,
            e,
            x + 1.0,
            y(p),
            BAR - 2.0,
            H + 2.0 - y(p),
            crate::classes::hex_color(CLASS_COLORS[c]),
            x + BAR / 2.0,
            y(p - e),
            x + BAR / 2.0,
            y(p + e)
        );
    }
    svg.push_str(&format!(
        r##"<line x1="0" y1="{b}" x2="{w}" y2="{b}" stroke="#888"/></svg>"##,
        b = H + 2.0,
        w = BAR * N_CLASSES as f64 + 2.0
    ));
    svg
}

/// Reliability diagram of Class_prob (issue 12): per equal-width bin of Class_prob
/// ([`metrics::ECE_BINS`]), the share of its sources whose Class is the true class
/// against their mean Class_prob, a marker sized by the bin's share of the sources,
/// the diagonal of perfect calibration, and the expected calibration error.
pub fn reliability_figure(truth: &[usize], summaries: &[Summary]) -> Result<String> {
    let r = metrics::class_prob_reliability(truth, summaries, metrics::ECE_BINS);
    let ece = metrics::expected_calibration_error(&r)
        .ok_or_else(|| Error::invalid("no source to draw a reliability diagram of"))?;
    let n: u64 = r.count.iter().sum();
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (680, 680)).into_drawing_area();
        root.fill(&WHITE).map_err(de)?;
        let mut chart = unit_square(
            &root,
            format!(
                "Reliability of Class_prob (N = {n}, {} bins, ECE = {ece:.4})",
                metrics::ECE_BINS
            ),
            "mean Class_prob in the bin",
            "share of the bin whose Class is the true class",
        )?;
        let points: Vec<(f64, f64, u64)> = (0..r.count.len())
            .filter_map(|b| Some((r.mean_prob[b]?, r.frequency[b]?, r.count[b])))
            .collect();
        let blue = class_color(0);
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|&(x, y, _)| (x, y)),
                blue.stroke_width(2),
            ))
            .map_err(de)?;
        chart
            .draw_series(points.iter().map(|&(x, y, k)| {
                // Area proportional to the bin's share of the sources.
                let radius = (3.0 + 30.0 * (k as f64 / n as f64).sqrt()).round() as i32;
                Circle::new((x, y), radius, blue.mix(0.5).filled())
            }))
            .map_err(de)?;
        root.draw(&Text::new(
            "marker area: share of the sources in the bin; dashed: perfect calibration",
            (340, 668),
            centered(12),
        ))
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
        // Both right, at 0.9 and 0.8 in bins of their own: ECE (0.1 + 0.2) / 2.
        let rel = reliability_figure(&truth, &sums).unwrap();
        assert!(rel.trim_start().starts_with("<svg") && rel.contains("ECE = 0.1500"));
        assert!(reliability_figure(&[], &[]).is_err());
        let imp = importances_figure(&[("HR_ms".into(), 0.1), ("random".into(), 0.02)]).unwrap();
        assert!(imp.contains("HR_ms") && imp.contains("random"));
        assert!(summarize(&[]).ct.is_nan());
        assert!(roc_figure(&[0, 0], &sums).is_err());
    }

    #[test]
    fn sky_ticks_are_round_and_inside() {
        assert_eq!(nice_step(0.1, 5.0), 0.02);
        assert_eq!(nice_step(7.0, 5.0), 1.0);
        assert_eq!(nice_step(9.0, 5.0), 2.0);
        let (t, d) = ticks(196.57, 196.71);
        assert_eq!(d, 2);
        assert_eq!(t.len(), 7);
        assert!((t[0] - 196.58).abs() < 1e-9 && (t[6] - 196.70).abs() < 1e-9);
    }

    #[test]
    fn sky_points_east_left_across_ra_zero_with_escaped_tooltips() {
        let pts = [
            SkyPoint {
                name: "east <&>",
                ra: 0.05,
                dec: 1.0,
                class: Some(0),
                ct: 3.0,
                link: Some("#src-0".into()),
            },
            SkyPoint {
                name: "west",
                ra: 359.95,
                dec: 1.0,
                class: None,
                ct: f64::NAN,
                link: None,
            },
        ];
        let svg = sky_figure(&pts, 2.0).unwrap();
        assert!(
            svg.contains("<title>east &lt;&amp;&gt;: AGN, CT = 3.00</title>"),
            "{svg}"
        );
        assert!(svg.contains(r##"<a href="#src-0">"##));
        // Across RA = 0 the field is 0.1 deg wide, not 360; east (RA 0.05) is left.
        let cx = |name: &str| -> f64 {
            let at = svg.find(&format!("<title>{name}")).unwrap();
            let c = svg[..at].rfind("cx=\"").unwrap() + 4;
            svg[c..].split('"').next().unwrap().parse().unwrap()
        };
        assert!(cx("east") < cx("west"));
        assert!(
            cx("west") - cx("east") > 300.0,
            "{} {}",
            cx("east"),
            cx("west")
        );
        assert!(svg.contains(r##"fill="#1f77b4" stroke="#1f77b4""##));
        assert!(svg.contains(r##"fill="white" stroke="#808080""##));
    }

    #[test]
    fn bars_carry_probabilities_and_errors() {
        let mut p = [0.0; 8];
        p[3] = 0.75;
        p[0] = 0.25;
        let mut e = [0.0; 8];
        e[3] = 0.5;
        let svg = probability_bars(&from_moments(p, e));
        assert!(
            svg.contains("<title>HMXB: P = 0.750 &#177; 0.500</title>"),
            "{svg}"
        );
        assert_eq!(svg.matches("<rect").count(), 8);
        // HMXB is the fifth bar (display order); its error bar is clipped at P = 1.
        assert!(
            svg.contains(r#"x1="55.0" y1="29.0" x2="55.0" y2="2.0""#),
            "{svg}"
        );
    }
}
