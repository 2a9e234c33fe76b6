//! Integration tests of `loocv`: determinism across thread counts, output shape,
//! metrics, bad input.

use crate::util::*;

const QUICK: &[&str] = &["--mc", "2", "--limit", "24", "--trees", "12", "--quiet"];

#[test]
fn same_seed_same_bytes_with_one_and_two_threads() {
    let one = run_ok("loocv", &[QUICK, &["--threads", "1"]].concat(), None);
    let two = run_ok("loocv", &[QUICK, &["--threads", "2"]].concat(), None);
    assert_eq!(one, two);
    let other_seed = run_ok("loocv", &[QUICK, &["--seed", "2"]].concat(), None);
    assert_ne!(one, other_seed);
}

#[test]
fn one_row_per_left_out_source_with_the_ctscore_columns() {
    let out = Csv::parse(&run_ok("loocv", QUICK, None));
    assert_eq!(out.rows.len(), 24);
    for c in [
        "CSCv2_name",
        "True_Class",
        "P_AGN",
        "e_P_YSO",
        "Class",
        "Class_prob",
        "e_Class_prob",
        "CT",
    ] {
        out.col(c);
    }
    for i in 0..out.rows.len() {
        let sum: f64 = [
            "P_AGN",
            "P_CV",
            "P_HM-STAR",
            "P_HMXB",
            "P_LM-STAR",
            "P_LMXB",
            "P_NS",
            "P_YSO",
        ]
        .iter()
        .map(|c| out.num(i, c).unwrap())
        .sum();
        assert!(
            (sum - 1.0).abs() < 1e-9,
            "row {i}: probabilities sum to {sum}"
        );
        assert!(out.num(i, "CT").unwrap() >= 0.0);
    }
    // The stratified subset keeps the class mix: AGN and YSO dominate the TD.
    let agn = (0..24)
        .filter(|&i| out.text(i, "True_Class") == "AGN")
        .count();
    assert_eq!(agn, 11, "1390/2941 of 24 is 11.3");
}

#[test]
fn unknown_class_label_is_a_located_error() {
    let td = std::fs::read_to_string(root().join("common/data/td_2941.csv")).unwrap();
    let bad = td.replacen(",AGN,", ",QSO,", 1);
    let dir = scratch("loocv");
    let path = dir.join("td.csv");
    std::fs::write(&path, bad).unwrap();
    let out = run(
        "loocv",
        &[
            "--mc",
            "1",
            "--limit",
            "8",
            "--training-set",
            path.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status, 2);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("td.csv:2") && out.stderr.contains("True_Class"),
        "{}",
        out.stderr
    );
}
