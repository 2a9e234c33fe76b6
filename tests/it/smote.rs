//! Integration tests of `smote` on the published training set (td_2941.csv), with
//! catalog columns as features (the standardized features come from `features`).

use std::collections::HashMap;
use std::process::{Command, Stdio};

use crate::util::{Csv, bin, root, run};

/// Catalog columns of the TD used as features here: values with missing cells.
pub const TD_FEATURES: &str = "P_intra,P_inter,Gmag,BPmag,RPmag,Jmag,Hmag,Kmag,W1mag,W2mag,W3mag";

pub fn td_path() -> String {
    root().join("common/data/td_2941.csv").display().to_string()
}

/// Runs a tool with RAYON_NUM_THREADS set; returns (status, stdout bytes, stderr).
pub fn run_threads(tool: &str, args: &[&str], threads: usize) -> (i32, Vec<u8>, String) {
    let out = Command::new(bin(tool))
        .args(args)
        .env("RAYON_NUM_THREADS", threads.to_string())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn balanced(seed: &str, replica: &str) -> Vec<u8> {
    let td = td_path();
    let (status, out, err) = run_threads(
        "smote",
        &[
            "--seed",
            seed,
            "--replica",
            replica,
            "--features",
            TD_FEATURES,
            &td,
        ],
        1,
    );
    assert_eq!(status, 0, "{err}");
    out
}

#[test]
fn every_class_is_raised_to_the_agn_count() {
    let out = balanced("1", "0");
    let csv = Csv::parse(std::str::from_utf8(&out).unwrap());
    let td = Csv::read(std::path::Path::new(&td_path()));
    // 1390 AGNs in the TD: 8 x 1390 rows; the real rows come first, unchanged.
    assert_eq!(csv.rows.len(), 8 * 1390);
    assert_eq!(csv.header.last().unwrap(), "synthetic");
    assert_eq!(&csv.header[..td.header.len()], &td.header[..]);
    for (i, row) in td.rows.iter().enumerate() {
        assert_eq!(&csv.rows[i][..row.len()], &row[..]);
        assert_eq!(csv.text(i, "synthetic"), "0");
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for i in 0..csv.rows.len() {
        let class = csv.text(i, "True_Class").replace("NS_BIN", "LMXB");
        *counts.entry(class).or_default() += 1;
    }
    assert_eq!(counts.len(), 8);
    assert!(counts.values().all(|&c| c == 1390), "{counts:?}");
    // Synthetic rows: class and features only; classes in class order.
    let name = csv.col("CSCv2_name");
    let mut last_class = String::new();
    for i in td.rows.len()..csv.rows.len() {
        assert_eq!(csv.text(i, "synthetic"), "1");
        assert_eq!(csv.rows[i][name], "");
        let class = csv.text(i, "True_Class").to_string();
        assert!(class >= last_class);
        last_class = class;
    }
}

#[test]
fn synthetic_values_stay_within_their_class_range() {
    // Interpolation between two members of a class stays within the class's range
    // of real values; a value interpolated toward a missing one is missing.
    let out = balanced("2", "5");
    let csv = Csv::parse(std::str::from_utf8(&out).unwrap());
    let n_real = 2941;
    for f in TD_FEATURES.split(',') {
        let mut range: HashMap<String, (f64, f64)> = HashMap::new();
        for i in 0..n_real {
            if let Some(v) = csv.num(i, f) {
                let class = csv.text(i, "True_Class").replace("NS_BIN", "LMXB");
                let r = range.entry(class).or_insert((v, v));
                r.0 = r.0.min(v);
                r.1 = r.1.max(v);
            }
        }
        let (mut present, mut missing) = (0, 0);
        for i in n_real..csv.rows.len() {
            match csv.num(i, f) {
                Some(v) => {
                    let (lo, hi) = range[csv.text(i, "True_Class")];
                    assert!(
                        v >= lo - 1e-9 && v <= hi + 1e-9,
                        "{f}: {v} not in [{lo}, {hi}]"
                    );
                    present += 1;
                }
                None => missing += 1,
            }
        }
        assert!(present > 0, "{f}");
        // Every feature is missing in some TD rows, so in some synthetic rows too.
        assert!(missing > 0, "{f}");
    }
}

#[test]
fn output_depends_on_the_stream_only() {
    let td = td_path();
    let args = [
        "--seed",
        "3",
        "--replica",
        "1",
        "--features",
        TD_FEATURES,
        td.as_str(),
    ];
    let (s1, one, _) = run_threads("smote", &args, 1);
    let (s2, two, _) = run_threads("smote", &args, 2);
    assert_eq!((s1, s2), (0, 0));
    assert_eq!(one, two);
    assert_ne!(one, balanced("3", "2"));
}

#[test]
fn bad_input_is_a_clear_error() {
    let text = std::fs::read_to_string(td_path()).unwrap();
    // An unknown class label, named with its line and column.
    let bad = text.replacen(",AGN,", ",QSO,", 1);
    let out = run(
        "smote",
        &["--seed", "1", "--replica", "0", "--features", TD_FEATURES],
        Some(bad.as_bytes()),
    );
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .starts_with("smote: <stdin>:2: column 42 (True_Class): unknown class 'QSO'"),
        "{}",
        out.stderr
    );
    // A class with fewer than k + 1 members: keep 4 of the 44 CVs.
    let mut kept = Vec::new();
    let mut cvs = 0;
    for (i, line) in text.lines().enumerate() {
        if i > 0 && line.contains(",CV,") {
            cvs += 1;
            if cvs > 4 {
                continue;
            }
        }
        kept.push(line);
    }
    let few = kept.join("\n");
    let out = run(
        "smote",
        &["--seed", "1", "--replica", "0", "--features", TD_FEATURES],
        Some(few.as_bytes()),
    );
    assert_eq!(out.status, 2);
    assert_eq!(
        out.stderr.trim(),
        "smote: SMOTE: class CV has 4 member(s); k = 4 neighbours need at least 5"
    );
    // A feature column that is not there.
    let td = td_path();
    let out = run(
        "smote",
        &[
            "--seed",
            "1",
            "--replica",
            "0",
            "--features",
            "Gmag,HR_zz",
            &td,
        ],
        None,
    );
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("missing required column 'HR_zz'"),
        "{}",
        out.stderr
    );
    // The default features are the 29 of spec 4.2, not in a catalog table.
    let out = run("smote", &["--seed", "1", "--replica", "0", &td], None);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .contains("missing required column 'ACIS0512Flux'"),
        "{}",
        out.stderr
    );
}
