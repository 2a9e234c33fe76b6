//! Integration tests of `xmatch` on the three real example fields: X_PU and
//! acceptance against the authors' `reference/MW_clean.csv`, magnitudes against the
//! catalog values, unWISE magnitudes against `reference/MW_remove.csv`.

use crate::util::{CATALOGS, Csv, close, example, run, run_ok, scratch};

const FIELDS: [&str; 3] = ["ngc3532", "ic2395", "3fgl_j1306"];

fn path(field: &str, rel: &str) -> String {
    example(&format!("{field}/{rel}")).display().to_string()
}

/// xmatch of the authors' averaged table against the given catalogs of a field.
fn xmatch_field(field: &str, cats: &[&str]) -> Csv {
    let mut args: Vec<String> = ["--ra", "ra", "--dec", "dec", "--pu", "err_ellipse_r0"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for c in cats {
        args.push(format!("--{c}"));
        args.push(path(field, &format!("input/{c}.csv")));
    }
    args.push(path(field, "reference/ave.csv"));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    Csv::parse(&run_ok("xmatch", &refs, None))
}

fn flag(csv: &Csv, row: usize, cat: &str) -> i32 {
    csv.num(row, &format!("cp_flag_{cat}")).unwrap() as i32
}

#[test]
fn x_pu_and_acceptance_reproduce_mw_clean() {
    for field in FIELDS {
        let out = xmatch_field(field, &CATALOGS);
        let reference = Csv::read(&example(&format!("{field}/reference/MW_clean.csv")));
        let ave = Csv::read(&example(&format!("{field}/reference/ave.csv")));
        assert_eq!(out.rows.len(), reference.rows.len());
        // every input column passes through, in order, with its cells
        assert_eq!(out.header[..ave.header.len()], ave.header[..]);
        for (o, a) in out.rows.iter().zip(&ave.rows) {
            assert_eq!(o[..a.len()], a[..]);
        }
        for row in 0..out.rows.len() {
            assert_eq!(out.text(row, "name"), reference.text(row, "name"));
            for cat in CATALOGS {
                let x = format!("X_PU_{cat}");
                assert!(
                    close(out.num(row, &x), reference.num(row, &x), 1e-14),
                    "{field} row {row} {x}"
                );
                let (ours, theirs) = (flag(&out, row, cat), flag(&reference, row, cat));
                assert_eq!(ours >= 0, theirs >= 0, "{field} row {row} cp_flag_{cat}");
                // The example files hold the nearest candidate only, so a second
                // source within 1.5 X_PU (flag 2) is invisible to us (flag 0).
                assert!(
                    ours == theirs || (ours == 0 && theirs == 2),
                    "{field} row {row} cp_flag_{cat}: {ours} vs {theirs}"
                );
            }
        }
    }
}

#[test]
fn separations_agree_with_vizier_r() {
    for field in FIELDS {
        let out = xmatch_field(field, &CATALOGS);
        let reference = Csv::read(&example(&format!("{field}/reference/MW_clean.csv")));
        for cat in CATALOGS {
            // Gaia's _r was recomputed upstream from full-precision positions;
            // VizieR's _r of the others is rounded to 1 mas.
            let tol = if cat == "gaia" { 1e-9 } else { 5.5e-4 };
            for row in 0..out.rows.len() {
                let ours = out.num(row, &format!("sep_{cat}"));
                let theirs = reference.num(row, &format!("_r_{cat}"));
                match (ours, theirs) {
                    (Some(a), Some(b)) => {
                        assert!((a - b).abs() <= tol, "{field} row {row} {cat}: {a} vs {b}")
                    }
                    (a, b) => assert_eq!(a, b, "{field} row {row} {cat}"),
                }
            }
        }
    }
}

#[test]
fn accepted_magnitudes_are_the_catalog_values() {
    let per_cat: [(&str, &[&str]); 4] = [
        (
            "gaia",
            &[
                "Gmag", "e_Gmag", "BPmag", "e_BPmag", "RPmag", "e_RPmag", "Plx", "e_Plx", "PM",
            ],
        ),
        (
            "2mass",
            &["Jmag", "e_Jmag", "Hmag", "e_Hmag", "Kmag", "e_Kmag"],
        ),
        ("allwise", &["W3mag", "e_W3mag"]),
        ("catwise", &[]),
    ];
    let mut accepted = 0;
    for field in FIELDS {
        let out = xmatch_field(field, &CATALOGS);
        let r = Csv::read(&example(&format!("{field}/reference/MW_clean.csv")));
        for row in 0..out.rows.len() {
            let acc = |cat: &str| flag(&r, row, cat) >= 0;
            for (cat, cols) in per_cat {
                for col in cols {
                    let want = if acc(cat) {
                        r.num(row, &format!("{col}_{cat}"))
                    } else {
                        None
                    };
                    assert_eq!(out.num(row, col), want, "{field} row {row} {col}");
                }
            }
            // 3FGL J1306's Gaia file is EDR3 with distances (I/352) joined
            let dr3 = r.header.iter().any(|h| h == "DR3Name_gaia");
            let id = match (acc("gaia"), dr3) {
                (false, _) => "",
                (true, true) => r.text(row, "DR3Name_gaia"),
                (true, false) => r.text(row, "EDR3Name_gaia"),
            };
            assert_eq!(out.text(row, "id_gaia"), id);
            if !dr3 {
                for col in ["rgeo", "b_rgeo", "B_rgeo"] {
                    let want = if acc("gaia") {
                        r.num(row, &format!("{col}_gaiadist"))
                    } else {
                        None
                    };
                    assert_eq!(out.num(row, col), want, "{field} row {row} {col}");
                }
            }
            // W1/W2 from the first accepted of AllWISE, CatWISE, unWISE, whole (2.7).
            let (winner, w1, e_w1, w2, e_w2) = if acc("allwise") {
                let n = |c: &str| r.num(row, &format!("{c}_allwise"));
                (
                    "allwise",
                    n("W1mag"),
                    n("e_W1mag"),
                    n("W2mag"),
                    n("e_W2mag"),
                )
            } else if acc("catwise") {
                let n = |c: &str| r.num(row, &format!("{c}_catwise"));
                (
                    "catwise",
                    n("W1mproPM"),
                    n("e_W1mproPM"),
                    n("W2mproPM"),
                    n("e_W2mproPM"),
                )
            } else if acc("unwise") {
                // unWISE magnitudes are compared in their own test below
                (
                    "unwise",
                    out.num(row, "W1mag"),
                    out.num(row, "e_W1mag"),
                    out.num(row, "W2mag"),
                    out.num(row, "e_W2mag"),
                )
            } else {
                ("", None, None, None, None)
            };
            assert_eq!(out.text(row, "which_wise12"), winner, "{field} row {row}");
            assert_eq!(out.num(row, "W1mag"), w1, "{field} row {row}");
            assert_eq!(out.num(row, "e_W1mag"), e_w1, "{field} row {row}");
            assert_eq!(out.num(row, "W2mag"), w2, "{field} row {row}");
            assert_eq!(out.num(row, "e_W2mag"), e_w2, "{field} row {row}");
            accepted += usize::from(acc("gaia")) + usize::from(acc("2mass"));
        }
    }
    assert!(accepted > 500, "{accepted}");
}

#[test]
fn unwise_magnitudes_reproduce_mw_remove() {
    let mut compared = 0;
    for field in FIELDS {
        let out = xmatch_field(field, &["unwise"]);
        let remove = Csv::read(&example(&format!("{field}/reference/MW_remove.csv")));
        for row in 0..remove.rows.len() {
            let name = remove.text(row, "name");
            let o = (0..out.rows.len())
                .find(|&i| out.text(i, "name") == name)
                .unwrap_or_else(|| panic!("{name} not in xmatch output"));
            if flag(&out, o, "unwise") < 0 {
                assert_eq!(out.num(o, "W1mag"), None);
                continue;
            }
            for band in ["W1", "W2"] {
                let m = format!("{band}mag");
                let e = format!("e_{band}mag");
                let want = remove.num(row, &format!("{m}_unwise"));
                assert!(close(out.num(o, &m), want, 1e-13), "{field} {name} {m}");
                // upstream errors are negative (spec 2.5); ours are positive
                let want_e = remove.num(row, &format!("{e}_unwise")).map(f64::abs);
                // written with 16 decimals: compare absolutely
                match (out.num(o, &e), want_e) {
                    (Some(a), Some(b)) => assert!((a - b).abs() < 1e-15, "{field} {name} {e}"),
                    (a, b) => assert_eq!(a, b, "{field} {name} {e}"),
                }
                compared += usize::from(want.is_some());
            }
        }
    }
    assert!(compared > 300, "{compared}");
}

#[test]
fn catalogs_without_suffix_and_in_any_order_give_the_same_output() {
    let field = "3fgl_j1306";
    let text = std::fs::read_to_string(path(field, "input/2mass.csv")).unwrap();
    let (head, body) = text.split_once('\n').unwrap();
    let plain = head.replace("_2mass", "");
    let dir = scratch("xmatch");
    let p = dir.join("2mass.csv");
    std::fs::write(&p, format!("{plain}\n{body}")).unwrap();
    let base = ["--ra", "ra", "--dec", "dec", "--pu", "err_ellipse_r0"];
    let ave = path(field, "reference/ave.csv");
    let gaia = path(field, "input/gaia.csv");
    let suffixed = path(field, "input/2mass.csv");
    let mut a = base.to_vec();
    a.extend(["--gaia", &gaia, "--2mass", &suffixed, &ave]);
    let mut b = base.to_vec();
    b.extend(["--2mass", p.to_str().unwrap(), "--gaia", &gaia, &ave]);
    assert_eq!(run_ok("xmatch", &a, None), run_ok("xmatch", &b, None));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs xmatch expecting a failure; returns the single stderr line.
fn fails(args: &[&str], stdin: Option<&[u8]>) -> String {
    let out = run("xmatch", args, stdin);
    assert_eq!(out.status, 2, "{args:?}: {}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    out.stderr.trim_end().to_string()
}

const XRAY: &str = "CSCv2_name,CSCv2_RA,CSCv2_DEC,CSCv2_PU\nA,166.28104,-58.85152,0.77\n";

#[test]
fn bad_input_names_file_line_and_column() {
    let dir = scratch("xmatch-bad");
    let cat = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let good = cat(
        "ok.csv",
        "_2MASS,RAJ2000,DEJ2000,errMaj,Jmag,e_Jmag,Hmag,e_Hmag,Kmag,e_Kmag\nx,166.28105,-58.85152,0.1,10,0.1,9,0.1,8,0.1\n",
    );
    let ok = run_ok("xmatch", &["--2mass", &good], Some(XRAY.as_bytes()));
    assert!(ok.contains(",x,"), "{ok}");

    // X-ray table on standard input
    let x = |text: &str| fails(&["--2mass", &good], Some(text.as_bytes()));
    assert_eq!(
        x("CSCv2_name,CSCv2_RA,CSCv2_PU\nA,1,1\n"),
        "xmatch: <stdin>:1: missing required column 'CSCv2_DEC'"
    );
    assert_eq!(
        x("CSCv2_RA,CSCv2_DEC,CSCv2_PU\n1,2,0.5\n1,abc,0.5\n"),
        "xmatch: <stdin>:3: column 2 (CSCv2_DEC): not a number: 'abc'"
    );
    assert_eq!(x(""), "xmatch: <stdin>: empty input: no header line");
    assert_eq!(
        x("CSCv2_RA,CSCv2_DEC,CSCv2_PU\n1,2\n"),
        "xmatch: <stdin>:2: column 3 (CSCv2_PU): short row: 2 fields where the header has 3"
    );
    assert!(
        x("CSCv2_RA,CSCv2_DEC,CSCv2_PU,CSCv2_RA\n1,2,0.5,1\n")
            .starts_with("xmatch: <stdin>:1: column 4 (CSCv2_RA): ambiguous header"),
    );
    assert_eq!(
        x("CSCv2_RA,CSCv2_DEC,CSCv2_PU\n1,2,\n"),
        "xmatch: <stdin>:2: column 3 (CSCv2_PU): missing value where one is required"
    );

    // catalog files, plain and quoted (two parsers)
    let c = |name: &str, text: &str| {
        let p = cat(name, text);
        fails(&["--2mass", &p], Some(XRAY.as_bytes())).replace(&p, "F")
    };
    let head = "_2MASS,RAJ2000,DEJ2000,errMaj,Jmag,e_Jmag,Hmag,e_Hmag,Kmag,e_Kmag";
    assert_eq!(
        c(
            "m.csv",
            "_2MASS,RAJ2000,DEJ2000,errMaj,Jmag,e_Jmag,Hmag,e_Hmag,Kmag\n"
        ),
        "xmatch: F:1: missing required column 'e_Kmag' or 'e_Kmag_2mass'"
    );
    for (name, quote) in [("n.csv", "x"), ("q.csv", "\"x\"")] {
        assert_eq!(
            c(
                name,
                &format!(
                    "{head}\n{quote},1,2,0.1,10,0.1,9,0.1,8,0.1\n{quote},1,2,0.1,10,0.1,9,0.1,8,O.1\n"
                )
            ),
            "xmatch: F:3: column 10 (e_Kmag): not a number: 'O.1'",
            "{name}"
        );
        assert_eq!(
            c(name, &format!("{head}\n{quote},1,2,0.1,10,0.1\n")),
            "xmatch: F:2: column 7 (Hmag): short row: 6 fields where the header has 10",
            "{name}"
        );
    }
    assert_eq!(c("e.csv", ""), "xmatch: F: empty input: no header line");
    assert!(
        c(
            "d.csv",
            &format!("{head},Jmag\nx,1,2,0.1,10,0.1,9,0.1,8,0.1,3\n")
        )
        .starts_with("xmatch: F:1: column 11 (Jmag): ambiguous header"),
    );
    assert_eq!(
        fails(
            &["--2mass", "/nonexistent/2mass.csv"],
            Some(XRAY.as_bytes())
        ),
        "xmatch: /nonexistent/2mass.csv: No such file or directory (os error 2)"
    );
    assert!(fails(&[], Some(XRAY.as_bytes())).contains("no catalog"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn output_does_not_depend_on_thread_count() {
    let xray = run_ok("synth", &["xray", "3000", "--seed", "4"], None);
    let dir = scratch("xmatch-threads");
    let mut args: Vec<String> = Vec::new();
    for cat in CATALOGS {
        let text = run_ok("synth", &["catalog", cat, "30000", "--seed", "4"], None);
        let p = dir.join(format!("{cat}.csv"));
        std::fs::write(&p, text).unwrap();
        args.push(format!("--{cat}"));
        args.push(p.display().to_string());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let with = |threads: &str| {
        let out = std::process::Command::new(crate::util::bin("xmatch"))
            .args(&refs)
            .env("RAYON_NUM_THREADS", threads)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(xray.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let one = with("1");
    assert_eq!(one, with("3"));
    let csv = Csv::parse(&String::from_utf8(one).unwrap());
    assert_eq!(csv.rows.len(), 3000);
    // the synthetic sky is dense enough that most sources have candidates
    let with_gaia = (0..csv.rows.len())
        .filter(|&r| csv.num(r, "sep_gaia").is_some())
        .count();
    assert!(with_gaia > 1000, "{with_gaia}");
    std::fs::remove_dir_all(&dir).unwrap();
}
