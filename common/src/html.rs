//! The field report: one self-contained HTML page per classified table, which opens
//! anywhere without a network (styles, script and figures inline; a Content Security
//! Policy forbids the page to fetch anything). It holds the summary (sources per
//! class, all and CT >= cut), the sky plot coloured by Class, the sortable table of
//! every source with its probabilities, their errors as bars, and CT; for a table with
//! true classes (LOOCV) the confusion matrices and ROC curves too. Every text taken
//! from the table is HTML-escaped.

use std::fmt::Write;

use crate::aggregate::display_ct;
use crate::classes::{CLASS_COLORS, CLASSES, N_CLASSES, NO_CLASS_COLOR, hex_color};
use crate::classified::Classified;
use crate::error::Result;
use crate::plot::{self, DISPLAY_ORDER, SkyPoint};
use crate::report::class_counts;
use crate::schema::{DEC, NAME, PU, RA};
use crate::table::fmt_f64;

/// Escapes a text for HTML and XML content and quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct PageOptions {
    /// CT cut of a confident classification (paper: 2).
    pub ct_cut: f64,
    /// The page title (default: the table's file name).
    pub title: Option<String>,
}

/// The id of a source's table row, the target of its point on the sky plot.
fn row_id(i: usize) -> String {
    format!("src-{i}")
}

/// A number with `decimals` decimals, empty when missing.
fn fixed(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        format!("{v:.decimals$}")
    } else {
        String::new()
    }
}

const STYLE: &str = r#"
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { padding: 2px 6px; border-bottom: 1px solid #e4e4e4; text-align: right; white-space: nowrap; }
th { background: #f2f2f2; position: sticky; top: 0; }
td.text, th.text { text-align: left; }
#sources th { cursor: pointer; user-select: none; }
#sources th[aria-sort="ascending"]::after { content: " \25B2"; }
#sources th[aria-sort="descending"]::after { content: " \25BC"; }
#sources tbody tr:hover { background: #f6f9ff; }
#sources tbody tr:target { background: #fff3c4; }
#sources.confident-only tr.low { display: none; }
tr.low td { color: #777; }
small { color: #777; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 50%; margin-right: 0.3em; vertical-align: -0.05em; }
figure { margin: 0.5em 0; }
figure svg { max-width: 100%; height: auto; }
.bars { display: block; }
.note { color: #555; max-width: 60em; }
.scroll { overflow-x: auto; }
"#;

/// Sorting of the source table by any column (click a header; again to reverse),
/// missing values last either way; `#sort=<column>` or `#sort=<column>&desc` in the
/// address sorts the page on opening, and a click writes it there.
const SCRIPT: &str = r#"
(function () {
  'use strict';
  var table = document.getElementById('sources');
  var body = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  function value(cell, numeric) {
    var v = cell.hasAttribute('data-v') ? cell.getAttribute('data-v') : cell.textContent;
    if (!numeric) { return v; }
    return v === '' ? NaN : Number(v);
  }
  function sortBy(index, descending) {
    var numeric = heads[index].getAttribute('data-type') === 'num';
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a.cells[index], numeric), y = value(b.cells[index], numeric);
      var order, tie = Number(a.getAttribute('data-row')) - Number(b.getAttribute('data-row'));
      if (numeric && (isNaN(x) || isNaN(y))) { return (isNaN(x) - isNaN(y)) || tie; }
      order = numeric ? x - y : x.localeCompare(y);
      return (descending ? -order : order) || tie;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
    heads[index].setAttribute('aria-sort', descending ? 'descending' : 'ascending');
  }
  heads.forEach(function (h, index) {
    h.addEventListener('click', function () {
      var descending = h.getAttribute('aria-sort') === 'ascending';
      sortBy(index, descending);
      location.replace('#sort=' + encodeURIComponent(h.getAttribute('data-key')) + (descending ? '&desc' : ''));
    });
  });
  var m = /^#sort=([^&]*)(&desc)?$/.exec(location.hash);
  if (m) {
    var key = decodeURIComponent(m[1]);
    heads.forEach(function (h, index) { if (h.getAttribute('data-key') === key) { sortBy(index, !!m[2]); } });
  }
  var only = document.getElementById('confident-only');
  only.addEventListener('change', function () { table.classList.toggle('confident-only', only.checked); });
})();
"#;

/// The page of a classified table.
pub fn field_page(table: &Classified, opts: &PageOptions) -> Result<String> {
    let cut = fmt_f64(opts.ct_cut);
    let title = opts
        .title
        .clone()
        .unwrap_or_else(|| format!("MUWCLASS classification of {}", table.file()));
    let classes: Vec<Option<usize>> = table
        .sources
        .iter()
        .map(|s| s.summary.as_ref().map(|r| r.class))
        .collect();
    let cts: Vec<Option<f64>> = table
        .sources
        .iter()
        .map(|s| s.summary.as_ref().map(|r| r.ct))
        .collect();
    let (all, confident) = class_counts(&classes, &cts, opts.ct_cut);
    let n_all: usize = all.iter().sum();
    let n_conf: usize = confident.iter().sum();
    let n = table.sources.len();

    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t}</title><style>{STYLE}</style></head>
<body>
<h1>{t}</h1>
<p>{n} sources, {n_all} classified, <strong>{n_conf}</strong> confidently (CT &#8805; {cut}); MUWCLASS (Yang et al. 2022, ApJ 941, 104), muwclass {v}.</p>
"#,
        t = escape(&title),
        v = env!("CARGO_PKG_VERSION"),
    );

    // Summary.
    let _ = write!(
        h,
        r#"<h2 id="summary">Sources per class</h2>
<table id="summary-table"><thead><tr><th class="text">Class</th><th>sources</th><th>CT &#8805; {cut}</th></tr></thead><tbody>
"#
    );
    for &c in &DISPLAY_ORDER {
        let _ = writeln!(
            h,
            r#"<tr><td class="text"><span class="swatch" style="background:{}"></span>{}</td><td>{}</td><td>{}</td></tr>"#,
            hex_color(CLASS_COLORS[c]),
            CLASSES[c],
            all[c],
            confident[c]
        );
    }
    let _ = writeln!(
        h,
        r#"</tbody><tfoot><tr><th class="text">all</th><th>{n_all}</th><th>{n_conf}</th></tr></tfoot></table>"#
    );
    if n > n_all {
        let _ = writeln!(
            h,
            r#"<p class="note">{} sources without a classification (no Monte-Carlo replica reached them) are listed in grey.</p>"#,
            n - n_all
        );
    }

    // Sky plot.
    let points: Vec<SkyPoint> = table
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| SkyPoint {
            name: &s.name,
            ra: s.ra,
            dec: s.dec,
            class: s.summary.as_ref().map(|r| r.class),
            ct: s.summary.as_ref().map_or(f64::NAN, |r| r.ct),
            link: Some(format!("#{}", row_id(i))),
        })
        .collect();
    let _ = write!(
        h,
        r#"<h2 id="sky">Sky</h2>
<figure>{}</figure>
<p class="note">A point links to the source's row in the table below.</p>
"#,
        plot::sky_figure(&points, opts.ct_cut)?
    );

    // With true classes (a LOOCV table): how the classification performs.
    if table.has_truth {
        let (truth, sums): (Vec<usize>, Vec<_>) = table
            .sources
            .iter()
            .filter_map(|s| Some((s.truth?, s.summary.clone()?)))
            .unzip();
        if !truth.is_empty() {
            let _ = write!(
                h,
                r#"<h2 id="performance">Against the true classes ({} sources)</h2>
<figure>{}</figure>
<figure>{}</figure>
"#,
                truth.len(),
                plot::confusion_figure(&truth, &sums, opts.ct_cut)?,
                plot::roc_figure(&truth, &sums)?
            );
        }
    }

    // Every source.
    let _ = write!(
        h,
        r#"<h2 id="table">Every source</h2>
<p class="note">P_&lt;class&gt;: mean class probability over the Monte-Carlo replicas, &#177; its standard deviation e_P_&lt;class&gt;; Class: the most probable class; CT: the confidence threshold, min over the other classes of (P_Class &#8722; P_c) / (e_P_Class + e_P_c) (paper eq. 7). The bars show P per class in the order {order}, the whisker &#177; e_P. Click a header to sort.</p>
<p><label><input type="checkbox" id="confident-only"> only CT &#8805; {cut}</label></p>
<div class="scroll"><table id="sources"><thead><tr>"#,
        order = DISPLAY_ORDER
            .iter()
            .map(|&c| {
                format!(
                    r#"<span style="color:{}">{}</span>"#,
                    hex_color(CLASS_COLORS[c]),
                    CLASSES[c]
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut head = |key: &str, label: &str, numeric: bool| {
        let _ = write!(
            h,
            r#"<th data-key="{}" data-type="{}"{}>{}</th>"#,
            escape(key),
            if numeric { "num" } else { "text" },
            if numeric { "" } else { r#" class="text""# },
            escape(label)
        );
    };
    head("row", "#", true);
    head(NAME, NAME, false);
    head(RA, "RA", true);
    head(DEC, "Dec", true);
    head(PU, "PU (\")", true);
    if table.has_truth {
        head("True_Class", "True class", false);
    }
    head("Class", "Class", false);
    head("CT", "CT", true);
    head("bars", "P \u{b1} e_P", false);
    for &c in &DISPLAY_ORDER {
        head(
            &format!("P_{}", CLASSES[c]),
            &format!("P_{}", CLASSES[c]),
            true,
        );
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (i, s) in table.sources.iter().enumerate() {
        let low = !s.summary.as_ref().is_some_and(|r| r.ct >= opts.ct_cut);
        let _ = write!(
            h,
            r#"<tr id="{}" data-row="{i}"{}><td data-v="{}">{}</td><td class="text">{}</td><td data-v="{}">{}</td><td data-v="{}">{}</td><td data-v="{}">{}</td>"#,
            row_id(i),
            if low { r#" class="low""# } else { "" },
            i + 1,
            i + 1,
            escape(&s.name),
            fmt_f64(s.ra),
            fixed(s.ra, 5),
            fmt_f64(s.dec),
            fixed(s.dec, 5),
            s.pu.map(fmt_f64).unwrap_or_default(),
            s.pu.map(|v| fixed(v, 2)).unwrap_or_default()
        );
        if table.has_truth {
            let _ = write!(
                h,
                r#"<td class="text">{}</td>"#,
                s.truth.map_or("", |c| CLASSES[c])
            );
        }
        match &s.summary {
            Some(r) => {
                let _ = write!(
                    h,
                    r#"<td class="text"><span class="swatch" style="background:{}"></span>{}</td><td data-v="{}">{}</td>"#,
                    hex_color(CLASS_COLORS[r.class]),
                    CLASSES[r.class],
                    fmt_f64(r.ct),
                    display_ct(r.ct)
                );
                let _ = write!(h, "<td>{}</td>", plot::probability_bars(r));
                for &c in &DISPLAY_ORDER {
                    let _ = write!(
                        h,
                        r#"<td data-v="{}">{}<small> &#177;{}</small></td>"#,
                        fmt_f64(r.mean[c]),
                        fixed(r.mean[c], 3),
                        fixed(r.std[c], 3)
                    );
                }
            }
            None => {
                let _ = write!(
                    h,
                    r#"<td class="text"><span class="swatch" style="background:{}"></span>no class</td><td data-v=""></td>"#,
                    hex_color(NO_CLASS_COLOR)
                );
                h.push_str("<td></td>");
                for _ in 0..N_CLASSES {
                    h.push_str(r#"<td data-v=""></td>"#);
                }
            }
        }
        h.push_str("</tr>\n");
    }
    let _ = write!(
        h,
        "</tbody></table></div>\n<script>{SCRIPT}</script>\n</body></html>\n"
    );
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classified::test_table;

    fn classified(extra: &str, rows: &[&str]) -> Classified {
        let extra: Vec<&str> = [extra].into_iter().filter(|e| !e.is_empty()).collect();
        test_table(&extra, rows).unwrap()
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn page_counts_escapes_and_fetches_nothing() {
        let t = classified(
            "",
            &[
                r#""<b>x</b>&""",10,-60,0.8,0.9,0.1,0,0,0,0,0,0,0.01,0.01,0,0,0,0,0,0,39.5"#,
                "y,10.01,-60.01,0.9,0.3,0,0,0,0,0,0,0.7,0.1,0,0,0,0,0,0,0.2,1.2",
                "z,10.02,-60.02,1,,,,,,,,,,,,,,,,,",
            ],
        );
        let page = field_page(
            &t,
            &PageOptions {
                ct_cut: 2.0,
                title: None,
            },
        )
        .unwrap();
        assert!(page.contains("&lt;b&gt;x&lt;/b&gt;&amp;&quot;"));
        assert!(!page.contains("<b>x"));
        assert_eq!(page.matches("<tr id=\"src-").count(), 3);
        assert!(page.contains("3 sources, 2 classified, <strong>1</strong> confidently"));
        assert!(page.contains(r#"<tfoot><tr><th class="text">all</th><th>2</th><th>1</th>"#));
        assert!(page.contains("1 sources without a classification"));
        assert!(page.contains(r#"<td data-v="39.5">39.50</td>"#));
        assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
        assert!(page.contains("default-src 'none'"));
        assert!(!page.contains("performance"));
    }

    #[test]
    fn a_table_with_true_classes_shows_confusion_and_roc() {
        let t = classified(
            "True_Class",
            &[
                "a,10,-60,0.8,0.9,0.1,0,0,0,0,0,0,0.01,0.01,0,0,0,0,0,0,39.5,AGN",
                "b,10.01,-60.01,0.9,0.3,0,0,0,0,0,0,0.7,0.1,0,0,0,0,0,0,0.2,1.2,YSO",
            ],
        );
        let page = field_page(
            &t,
            &PageOptions {
                ct_cut: 2.0,
                title: Some("LOOCV".into()),
            },
        )
        .unwrap();
        assert!(page.contains("<title>LOOCV</title>"));
        assert!(page.contains("Against the true classes (2 sources)"));
        assert!(page.contains("ROC curves"));
        assert!(page.contains(r#"<td class="text">YSO</td>"#));
    }
}
