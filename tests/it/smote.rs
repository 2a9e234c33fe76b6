//! Integration tests of `smote` on the published training set (td_2941.csv), with
//! catalog columns as features (the standardized features come from `features`).

use std::collections::{BTreeSet, HashMap};
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

// Reference values from imbalanced-learn 0.14.2 (benches/smote_reference.py): the four
// neighbours SMOTE(k_neighbors=4) interpolates toward, for each CV and YSO row of the
// fixed table below (indices within the class), with the sentinel rule of spec 4.8.
const CV_NEIGHBOURS: [[usize; 4]; 6] = [
    [1, 2, 4, 5],
    [0, 3, 4, 5],
    [0, 1, 4, 5],
    [0, 1, 4, 5],
    [0, 1, 2, 5],
    [0, 1, 2, 3],
];
const YSO_NEIGHBOURS: [[usize; 4]; 7] = [
    [1, 3, 4, 6],
    [0, 3, 4, 5],
    [0, 3, 4, 6],
    [0, 1, 5, 6],
    [0, 1, 5, 6],
    [0, 1, 3, 6],
    [0, 1, 3, 5],
];
const CV_ROWS: &str = "1.013,4.871,2.302\n1.407,4.102,2.955\n0.588,5.224,1.736\n\
2.161,3.540,3.318\n1.792,4.467,1.221\n0.204,3.913,2.684\n";
const YSO_ROWS: &str = "7.340,0.512,6.027\n6.815,1.245,5.498\n8.122,,6.610\n\
7.903,0.089,4.951\n6.271,0.903,6.844\n7.588,1.677,5.206\n8.459,0.338,5.733\n";

/// The table of benches/smote_reference.py: 200 AGN rows by its formula, then CV, YSO.
fn reference_table() -> String {
    let mut text = String::from("True_Class,f1,f2,f3\n");
    for i in 0..200 {
        let v = |a: usize, m: usize| ((i * a) % m) as f64 / 10.0;
        text += &format!("AGN,{},{},{}\n", v(37, 101), v(53, 103), v(71, 107));
    }
    for (class, rows) in [("CV", CV_ROWS), ("YSO", YSO_ROWS)] {
        for line in rows.lines() {
            text += &format!("{class},{line}\n");
        }
    }
    text
}

/// The gap g with s = a + g (b - a) in every feature, if there is one; a missing value
/// at either end makes the synthetic value missing (spec 4.8).
fn gap_on_segment(s: &[Option<f64>], a: &[Option<f64>], b: &[Option<f64>]) -> Option<f64> {
    let mut gap = None;
    for ((&s, &a), &b) in s.iter().zip(a).zip(b) {
        match (a, b) {
            (Some(a), Some(b)) => {
                let s = s?;
                let g = (s - a) / (b - a);
                if !(-1e-9..1.0).contains(&g) || gap.is_some_and(|x: f64| (x - g).abs() > 1e-9) {
                    return None;
                }
                gap = Some(g);
            }
            _ if s.is_some() => return None,
            _ => {}
        }
    }
    gap
}

#[test]
fn synthetic_rows_lie_on_imbalanced_learns_neighbour_segments() {
    let table = reference_table();
    let out = run(
        "smote",
        &["--seed", "1", "--replica", "0", "--features", "f1,f2,f3"],
        Some(table.as_bytes()),
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let csv = Csv::parse(&out.stdout);
    let real = Csv::parse(&table);
    let values = |t: &Csv, i: usize| -> Vec<Option<f64>> {
        ["f1", "f2", "f3"].iter().map(|f| t.num(i, f)).collect()
    };
    // imbalanced-learn's counts: every class raised to the 200 AGNs, synthetic rows
    // after the real ones, class by class.
    assert_eq!(csv.rows.len(), 3 * 200);
    let classes: Vec<&str> = (213..600).map(|i| csv.text(i, "True_Class")).collect();
    assert_eq!(classes.iter().filter(|&&c| c == "CV").count(), 194);
    assert!(
        classes[..194].iter().all(|&c| c == "CV") && classes[194..].iter().all(|&c| c == "YSO")
    );

    let mut gaps = Vec::new();
    for (class, first, neighbours) in [
        ("CV", 200, &CV_NEIGHBOURS[..]),
        ("YSO", 206, &YSO_NEIGHBOURS[..]),
    ] {
        let members: Vec<Vec<Option<f64>>> = (0..neighbours.len())
            .map(|i| values(&real, first + i))
            .collect();
        let mut used = BTreeSet::new();
        for i in (213..600).filter(|&i| csv.text(i, "True_Class") == class) {
            let s = values(&csv, i);
            let on: Vec<(usize, usize, f64)> = neighbours
                .iter()
                .enumerate()
                .flat_map(|(a, nbs)| nbs.iter().map(move |&b| (a, b)))
                .filter_map(|(a, b)| {
                    gap_on_segment(&s, &members[a], &members[b]).map(|g| (a, b, g))
                })
                .collect();
            // A point between mutual neighbours lies on both segments (gaps g, 1 - g).
            let pairs: BTreeSet<(usize, usize)> =
                on.iter().map(|&(a, b, _)| (a.min(b), a.max(b))).collect();
            assert_eq!(pairs.len(), 1, "{class} row {i} {s:?}: on segments {on:?}");
            used.extend(pairs);
            gaps.push(on[0].2);
        }
        // Every neighbour pair of imbalanced-learn's table is drawn.
        let all: BTreeSet<(usize, usize)> = neighbours
            .iter()
            .enumerate()
            .flat_map(|(a, nbs)| nbs.iter().map(move |&b| (a.min(b), a.max(b))))
            .collect();
        assert_eq!(used, all, "{class}");
    }
    // Gaps uniform in [0, 1): mean 1/2 (standard error 0.015 for 387 gaps).
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    assert!((mean - 0.5).abs() < 0.05, "{mean}");
}
