//! `classify --outlier` on a real field: the 3FGL J1306 sources from their raw inputs
//! (fechner | xmatch), and one source moved far from every training source.

use common::bands::{BANDS, FLUX_COLUMNS};

use crate::util::*;

/// The field's sources in the paper's columns, and the same table with one more row: a
/// copy of the first source with an X-ray spectrum and colours no source has (soft
/// flux / 100, hard flux x 100, magnitudes alternating between 3 and 14-20).
fn field_with_a_stranger() -> (String, String) {
    let mw = crossmatched("3fgl_j1306");
    let mut lines = mw.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header.len(),
        first.len(),
        "no quoted commas in the first row"
    );
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let mut far: Vec<String> = first.iter().map(|v| v.to_string()).collect();
    far[col("CSCv2_name")] = "stranger".to_string();
    for ((v, e), factor) in FLUX_COLUMNS.into_iter().zip([1e-2, 1.0, 1e2]) {
        for c in [v, e] {
            let x: f64 = far[col(c)].parse().unwrap();
            far[col(c)] = format!("{}", x * factor);
        }
    }
    let mags = ["20", "5", "18", "4", "15", "4", "14", "3", "12"];
    for (band, m) in BANDS.iter().zip(mags) {
        far[col(band.column)] = m.to_string();
        far[col(band.error_column)] = "0.01".to_string();
    }
    let with = format!("{mw}{}\n", far.join(","));
    (mw, with)
}

#[test]
fn every_source_gets_a_score_and_a_stranger_scores_high() {
    let (mw, with) = field_with_a_stranger();
    let args = ["--mc", "2", "--trees", "10", "--seed", "5", "--quiet"];
    let with_flag = [&args[..], &["--outlier"]].concat();
    let plain = run_ok("classify", &args, Some(mw.as_bytes()));
    // The score is one more column; the rest of the table is the same bytes.
    let same = run_ok("classify", &with_flag, Some(mw.as_bytes()));
    for (a, b) in plain.lines().zip(same.lines()) {
        assert_eq!(a, &b[..b.rfind(',').unwrap()]);
    }
    let plain = Csv::parse(&plain);
    let scored = Csv::parse(&run_ok("classify", &with_flag, Some(with.as_bytes())));
    let n = plain.rows.len();
    assert!(n >= 10, "{n} sources");
    assert_eq!(scored.rows.len(), n + 1);
    assert_eq!(scored.header.last().map(String::as_str), Some("outlier"));
    let score: Vec<f64> = (0..=n).map(|i| scored.num(i, "outlier").unwrap()).collect();
    // 2^(-E[h]/c(256)): in (0, 1].
    assert!(
        score.iter().all(|s| s.is_finite() && *s > 0.0 && *s <= 1.0),
        "{score:?}"
    );
    let mut field = score[..n].to_vec();
    field.sort_by(f64::total_cmp);
    let (median, upper_quartile) = (field[n / 2], field[3 * n / 4]);
    let stranger = score[n];
    assert!(
        stranger > median + 0.1 && stranger > upper_quartile,
        "stranger {stranger}, field median {median}, upper quartile {upper_quartile}"
    );
    // A paper-mode run without the flag writes no score; --outlier with --shard is a
    // usage error (shard merges write no score).
    assert!(!plain.header.iter().any(|h| h == "outlier"));
    let out = run(
        "classify",
        &[&args[..], &["--outlier", "--shard", "1/2"]].concat(),
        Some(mw.as_bytes()),
    );
    assert_eq!(out.status, 2, "{}", out.stderr);
}
