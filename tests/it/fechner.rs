//! Integration tests of `fechner`: the real binary on the three real fields, against
//! the authors' averaged tables (`reference/ave.csv`), and on broken inputs.

use std::path::PathBuf;

use crate::util::{Csv, close, example, run, run_ok, scratch};

const FIELDS: [&str; 3] = ["ngc3532", "ic2395", "3fgl_j1306"];

/// (our column, reference ave.csv column).
const VALUES: [(&str, &str); 14] = [
    ("Fs", "flux_aper90_ave_s"),
    ("e_Fs", "e_flux_aper90_ave_s"),
    ("Fm", "flux_aper90_ave_m"),
    ("e_Fm", "e_flux_aper90_ave_m"),
    ("Fh", "flux_aper90_ave_h"),
    ("e_Fh", "e_flux_aper90_ave_h"),
    ("Fb", "flux_aper90_ave_b"),
    ("e_Fb", "e_flux_aper90_ave_b"),
    ("P_intra", "kp_prob_b_max"),
    ("P_inter", "var_inter_prob"),
    ("chisqr", "chisqr"),
    ("CSCv2_RA", "ra"),
    ("CSCv2_DEC", "dec"),
    ("CSCv2_PU", "err_ellipse_r0"),
];

fn per(field: &str) -> PathBuf {
    example(&format!("{field}/input/per.csv"))
}

/// Whether a reference row survives source cleaning (spec 1.7).
fn survives(r: &Csv, i: usize) -> bool {
    let t = |c: &str| r.text(i, c).eq_ignore_ascii_case("true");
    !t("sat_src_flag") && !t("streak_src_flag") && r.num(i, "flux_flag") != Some(7.0)
}

#[test]
fn reproduces_the_authors_averages_on_three_fields() {
    for field in FIELDS {
        let path = per(field);
        let ours = Csv::parse(&run_ok("fechner", &[path.to_str().unwrap()], None));
        let reference = Csv::read(&example(&format!("{field}/reference/ave.csv")));
        let kept: Vec<usize> = (0..reference.rows.len())
            .filter(|&i| survives(&reference, i))
            .collect();
        assert_eq!(ours.rows.len(), kept.len(), "{field}: number of sources");
        for (o, &r) in kept.iter().enumerate() {
            let name = reference.text(r, "name");
            assert_eq!(ours.text(o, "CSCv2_name"), name, "{field} row {o}");
            assert_eq!(ours.num(o, "usrid"), reference.num(r, "usrid"), "{name}");
            assert_eq!(
                ours.num(o, "dof"),
                reference.num(r, "dof"),
                "{field} {name} dof"
            );
            assert_eq!(
                ours.num(o, "flux_flag"),
                reference.num(r, "flux_flag"),
                "{field} {name} flux_flag"
            );
            assert_eq!(
                ours.num(o, "n_obs"),
                reference.num(r, "dof").map(|d| d + 1.0),
                "{name} n_obs"
            );
            assert_eq!(
                ours.num(o, "CSCv2_S/N"),
                reference.num(r, "significance"),
                "{name}"
            );
            for (col, ref_col) in VALUES {
                let (a, b) = (ours.num(o, col), reference.num(r, ref_col));
                assert!(close(a, b, 1e-9), "{field} {name} {col}: {a:?} vs {b:?}");
            }
        }
    }
}

#[test]
fn ic2395_exercises_inter_observation_variability() {
    let out = Csv::parse(&run_ok("fechner", &[per("ic2395").to_str().unwrap()], None));
    let with_p_inter = (0..out.rows.len())
        .filter(|&i| out.num(i, "P_inter").is_some())
        .count();
    // Spec 1.8: 196 sources with dof = 1.
    assert_eq!(with_p_inter, 196);
    for i in 0..out.rows.len() {
        let p = out.num(i, "P_inter");
        assert!(p.is_none_or(|p| (0.0..=1.0).contains(&p) && (p * 1000.0).fract() == 0.0));
    }
}

#[test]
fn standard_input_gives_the_same_table_as_a_file() {
    let path = per("ic2395");
    let from_file = run_ok("fechner", &[path.to_str().unwrap()], None);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(run_ok("fechner", &[], Some(&bytes)), from_file);
    assert_eq!(run_ok("fechner", &["-"], Some(&bytes)), from_file);
    // A pipe named as a file (as `fechner <(zcat per.csv.gz)` gives) cannot be read
    // twice: it is spooled like standard input, not read empty the second time.
    assert_eq!(run_ok("fechner", &["/dev/stdin"], Some(&bytes)), from_file);
}

#[test]
fn output_file_is_written() {
    let dir = scratch("out");
    let dest = dir.join("ave.csv");
    let path = per("3fgl_j1306");
    let stdout = run_ok(
        "fechner",
        &[path.to_str().unwrap(), "-o", dest.to_str().unwrap()],
        None,
    );
    assert!(stdout.is_empty());
    let text = std::fs::read_to_string(&dest).unwrap();
    assert_eq!(text, run_ok("fechner", &[path.to_str().unwrap()], None));
}

#[test]
fn keep_all_keeps_removed_sources_with_a_reason() {
    let path = per("ngc3532");
    let out = Csv::parse(&run_ok(
        "fechner",
        &["--keep-all", path.to_str().unwrap()],
        None,
    ));
    // 389 sources, 16 of them with their only detection at theta > 10'.
    assert_eq!(out.rows.len(), 389);
    let removed: Vec<usize> = (0..out.rows.len())
        .filter(|&i| out.num(i, "remove_code") != Some(0.0))
        .collect();
    assert_eq!(removed.len(), 16);
    for &i in &removed {
        assert_eq!(out.num(i, "remove_code"), Some(160.0));
        assert_eq!(out.num(i, "flux_flag"), Some(7.0));
        assert_eq!(out.num(i, "n_obs"), Some(0.0));
        assert_eq!(out.num(i, "n_det"), Some(1.0));
        assert!(
            out.text(i, "remove_reason")
                .contains("no detection kept (theta > 10 arcmin or missing)"),
            "{}",
            out.text(i, "remove_reason")
        );
    }
    let kept = Csv::parse(&run_ok("fechner", &[path.to_str().unwrap()], None));
    let names: Vec<&str> = (0..out.rows.len())
        .filter(|i| !removed.contains(i))
        .map(|i| out.text(i, "CSCv2_name"))
        .collect();
    let kept_names: Vec<&str> = (0..kept.rows.len())
        .map(|i| kept.text(i, "CSCv2_name"))
        .collect();
    assert_eq!(names, kept_names);
}

/// Writes a table as CSV text.
fn to_csv(header: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

#[test]
fn shared_and_hrc_detections_are_dropped() {
    let t = Csv::read(&per("ic2395"));
    let (name, inst) = (t.col("name"), t.col("instrument"));
    let mut rows = t.rows.clone();
    // Rows 0-3 are usrid 1 and 2, both " 2CXO J084233.8-480742", in obsids 24613 and
    // 21137. Renaming row 1 makes the (21137, 42, 0) detection claimed by two master
    // sources: every row on that triple is dropped (rows 1 and 3).
    rows[1][name] = " 2CXO J084233.8-999999".to_string();
    // Row 4 (usrid 3, obsid 24613) becomes an HRC detection.
    rows[4][inst] = "HRC".to_string();
    let out = Csv::parse(&run_ok(
        "fechner",
        &["--keep-all"],
        Some(&to_csv(&t.header, &rows)),
    ));
    let by_usrid = |u: f64| {
        (0..out.rows.len())
            .find(|&i| out.num(i, "usrid") == Some(u))
            .unwrap()
    };
    // usrid 1 keeps only its 24613 detection: no P_inter.
    let u1 = by_usrid(1.0);
    assert_eq!(out.num(u1, "n_obs"), Some(1.0));
    assert_eq!(out.num(u1, "P_inter"), None);
    assert_eq!(out.num(by_usrid(2.0), "n_obs"), Some(1.0));
    assert_eq!(out.num(by_usrid(3.0), "n_obs"), Some(1.0));
    assert_eq!(out.num(by_usrid(4.0), "n_obs"), Some(2.0));
    // usrid 1 alone: its averages are the Fechner values of its 24613 detection,
    // which are those of usrid 2 (same detection).
    for c in ["Fs", "e_Fs", "Fb", "e_Fb", "P_intra"] {
        assert_eq!(out.num(u1, c), out.num(by_usrid(2.0), c), "{c}");
    }
}

#[test]
fn rows_out_of_order_give_the_same_sources() {
    let t = Csv::read(&per("ic2395"));
    // Move the first detection of every source to the end: no source is contiguous.
    let mut rows: Vec<Vec<String>> = t.rows.iter().skip(1).step_by(2).cloned().collect();
    rows.extend(t.rows.iter().step_by(2).cloned());
    let shuffled = Csv::parse(&run_ok("fechner", &[], Some(&to_csv(&t.header, &rows))));
    let plain = Csv::parse(&run_ok("fechner", &[per("ic2395").to_str().unwrap()], None));
    assert_eq!(shuffled.rows.len(), plain.rows.len());
    for i in 0..plain.rows.len() {
        assert_eq!(shuffled.text(i, "usrid"), plain.text(i, "usrid"));
        for c in [
            "Fs", "e_Fs", "Fm", "Fh", "Fb", "e_Fb", "P_intra", "P_inter", "dof",
        ] {
            // The order of the detections changes the sums in the last bit only.
            assert!(
                close(shuffled.num(i, c), plain.num(i, c), 1e-12),
                "row {i} {c}"
            );
        }
    }
}

#[test]
fn by_name_groups_the_duplicated_query_positions() {
    // IC2395's per.csv lists every position twice (usrid 1 and 2 are one source):
    // grouped by name each detection would count twice, so --by-name sees 4 rows.
    let path = per("ic2395");
    let out = Csv::parse(&run_ok(
        "fechner",
        &["--by-name", path.to_str().unwrap()],
        None,
    ));
    assert_eq!(out.rows.len(), 100);
    assert_eq!(out.num(0, "usrid"), Some(1.0));
    assert_eq!(out.num(0, "n_det"), Some(4.0));
    assert_eq!(out.num(1, "usrid"), Some(2.0));
}

/// Runs fechner on a broken copy of NGC3532's per.csv and checks the one-line error.
fn broken(test: &str, edit: impl FnOnce(&mut Vec<String>, &mut Vec<Vec<String>>)) -> String {
    let t = Csv::read(&per("ngc3532"));
    let (mut header, mut rows) = (t.header.clone(), t.rows.clone());
    edit(&mut header, &mut rows);
    let path = scratch(test).join("per.csv");
    std::fs::write(&path, to_csv(&header, &rows)).unwrap();
    let out = run("fechner", &[path.to_str().unwrap()], None);
    assert_eq!(out.status, 2, "{test}: {}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{test}: {}", out.stderr);
    assert!(
        out.stderr
            .starts_with(&format!("fechner: {}:", path.display())),
        "{test}: {}",
        out.stderr
    );
    out.stderr
}

#[test]
fn missing_required_column_is_an_error() {
    let e = broken("missing", |h, _| {
        let i = h.iter().position(|c| c == "kp_prob_b").unwrap();
        h[i] = "kp_prob_x".into();
    });
    assert!(e.contains(":1: missing required column 'kp_prob_b'"), "{e}");
}

#[test]
fn non_numeric_value_is_an_error() {
    let e = broken("nonnum", |h, rows| {
        let i = h.iter().position(|c| c == "theta").unwrap();
        rows[4][i] = "4.2x".into();
    });
    let col = Csv::read(&per("ngc3532")).col("theta") + 1;
    assert!(
        e.contains(&format!(":6: column {col} (theta): not a number: '4.2x'")),
        "{e}"
    );
}

#[test]
fn inverted_flux_limits_are_an_error() {
    let t = Csv::read(&per("ngc3532"));
    let lo = t.col("flux_aper90_lolim_m.1");
    let hi = t.col("flux_aper90_hilim_h.1");
    let e = broken("lolim", |_, rows| rows[2][lo] = "1e-10".into());
    assert!(
        e.contains(&format!(
            ":4: column {} (flux_aper90_lolim_m.1): inverted flux limits: lolim",
            lo + 1
        )),
        "{e}"
    );
    let e = broken("hilim", |_, rows| rows[7][hi] = "1e-20".into());
    assert!(
        e.contains(&format!(
            ":9: column {} (flux_aper90_hilim_h.1): inverted flux limits: mode",
            hi + 1
        )),
        "{e}"
    );
}

#[test]
fn short_row_is_an_error() {
    let e = broken("short", |_, rows| {
        rows[10].truncate(100);
    });
    assert!(e.contains(":12: column 101 ("), "{e}");
    assert!(
        e.contains("short row: 100 fields where the header has"),
        "{e}"
    );
}

#[test]
fn ambiguous_duplicate_header_is_an_error() {
    let e = broken("dup", |h, _| {
        // As CSCview writes it, before pandas renames the second copy `.1`.
        let i = h.iter().position(|c| c == "flux_aper90_s.1").unwrap();
        h[i] = "flux_aper90_s".into();
    });
    let t = Csv::read(&per("ngc3532"));
    let (first, second) = (t.col("flux_aper90_s") + 1, t.col("flux_aper90_s.1") + 1);
    assert!(
        e.contains(&format!(
            ":1: column {second} (flux_aper90_s): ambiguous header: column \
             'flux_aper90_s' also stands at column {first}"
        )),
        "{e}"
    );
}

#[test]
fn bad_sexagesimal_position_is_an_error() {
    let e = broken("ra", |h, rows| {
        let i = h.iter().position(|c| c == "ra").unwrap();
        rows[0][i] = "11h05m07".into();
    });
    assert!(e.contains(":2: column 3 (ra): not a sexagesimal"), "{e}");
}

#[test]
fn empty_input_is_an_error() {
    let path = scratch("empty").join("per.csv");
    std::fs::write(&path, "").unwrap();
    let out = run("fechner", &[path.to_str().unwrap()], None);
    assert_eq!(out.status, 2);
    assert_eq!(
        out.stderr.trim_end(),
        format!("fechner: {}: empty input: no header line", path.display())
    );
    let out = run("fechner", &[], Some(b""));
    assert_eq!(out.status, 2);
    assert_eq!(
        out.stderr.trim_end(),
        "fechner: <stdin>: empty input: no header line"
    );
}

#[test]
fn help_ends_with_an_example() {
    let help = run_ok("fechner", &["--help"], None);
    assert!(help.contains("Example:"));
    assert!(help.trim_end().lines().last().unwrap().contains("fechner"));
}

#[test]
fn master_streak_flag_removes_a_source() {
    let t = Csv::read(&per("ngc3532"));
    let mut rows = t.rows.clone();
    rows[1][t.col("streak_src_flag")] = " TRUE".to_string();
    let input = to_csv(&t.header, &rows);
    let out = Csv::parse(&run_ok("fechner", &[], Some(&input)));
    assert_eq!(out.rows.len(), 372);
    assert!((0..out.rows.len()).all(|i| out.num(i, "usrid") != Some(2.0)));
    let all = Csv::parse(&run_ok("fechner", &["--keep-all"], Some(&input)));
    assert_eq!(all.num(1, "usrid"), Some(2.0));
    assert_eq!(all.num(1, "remove_code"), Some(1.0));
    assert_eq!(
        all.text(1, "remove_reason"),
        "master saturation or streak flag"
    );
    // Its averages are computed all the same.
    assert_eq!(all.num(1, "n_obs"), Some(1.0));
}
