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

/// `--profile paper` is the default, byte for byte; each method option changes the
/// result; a bad option value is a one-line error.
#[test]
fn profiles_and_method_options() {
    let base = run_ok("loocv", QUICK, None);
    assert_eq!(
        base,
        run_ok("loocv", &[QUICK, &["--profile", "paper"]].concat(), None)
    );
    for opt in [
        &["--feature-set", "astrometry"][..],
        &["--oversample", "0.5"][..],
        &["--profile", "improved"][..],
        &["--class-weight", "balanced_subsample"][..],
    ] {
        let other = run_ok("loocv", &[QUICK, opt].concat(), None);
        assert_ne!(base, other, "{opt:?}");
        assert_eq!(Csv::parse(&other).rows.len(), 24);
    }
    // After SMOTE to the majority every class is as large: 'balanced' weighs all alike.
    assert_eq!(
        base,
        run_ok(
            "loocv",
            &[QUICK, &["--class-weight", "balanced"]].concat(),
            None
        )
    );
    let out = run("loocv", &[QUICK, &["--oversample", "1.5"]].concat(), None);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.starts_with("loocv: ")
            && out.stderr.contains("'1.5' is not a number in [0, 1]")
            && out.stderr.lines().count() == 1,
        "{}",
        out.stderr
    );
    let out = run("loocv", &[QUICK, &["--profile", "best"]].concat(), None);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .contains("unknown profile 'best' (expected one of paper, improved)"),
        "{}",
        out.stderr
    );
}

/// The outlier score's leave-one-class-out AUCs from `loocv --outlier-auc`.
#[test]
fn outlier_scores_and_their_evaluation() {
    let dir = scratch("outlier-auc");
    let auc = dir.join("auc.csv");
    run_ok(
        "loocv",
        &[QUICK, &["--outlier-auc", auc.to_str().unwrap()]].concat(),
        None,
    );
    let auc = Csv::parse(&std::fs::read_to_string(&auc).unwrap());
    assert_eq!(auc.rows.len(), 8);
    for i in 0..8 {
        let a = auc.num(i, "auc").unwrap();
        assert!((0.0..=1.0).contains(&a), "{}: {a}", auc.text(i, "class"));
    }
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

/// Another training set: a table with the class under another name, fewer sources and
/// extra columns; and one-line errors naming every missing column.
#[test]
fn any_training_set_with_a_class_column() {
    let td = std::fs::read_to_string(root().join("common/data/td_2941.csv")).unwrap();
    let dir = scratch("loocv-td");
    // Every third source, the class column renamed, an extra column in front.
    let mut lines = td.lines();
    let head = lines.next().unwrap().replace(",True_Class,", ",Class,");
    let mut small = format!("note,{head}\n");
    for (i, line) in lines.enumerate().filter(|(i, _)| i % 3 == 0) {
        small.push_str(&format!("n{i},{line}\n"));
    }
    let path = dir.join("small.csv");
    std::fs::write(&path, &small).unwrap();
    let p = path.to_str().unwrap();
    let args = ["--mc", "1", "--limit", "16", "--trees", "8", "--quiet"];
    let out = Csv::parse(&run_ok(
        "loocv",
        &[&args[..], &["--training-set", p, "--class-column", "Class"]].concat(),
        None,
    ));
    assert_eq!(out.rows.len(), 16);
    // The left-out sources are sources of the small set.
    let names: Vec<&str> = small
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    for i in 0..16 {
        assert!(
            names.contains(&out.text(i, "CSCv2_name")),
            "{}",
            out.text(i, "CSCv2_name")
        );
    }
    // Without --class-column the default True_Class is missing.
    let out = run("loocv", &[&args[..], &["--training-set", p]].concat(), None);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.starts_with("loocv: ")
            && out
                .stderr
                .ends_with(":1: missing required column 'True_Class'\n"),
        "{}",
        out.stderr
    );
    // Two columns dropped: both named in one line.
    let cut: String = small
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let keep: Vec<&str> = f
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != 7 && *k != 8)
                .map(|(_, v)| *v)
                .collect();
            keep.join(",") + "\n"
        })
        .collect();
    assert!(small.lines().next().unwrap().split(',').nth(7) == Some("e_Fs"));
    let path = dir.join("cut.csv");
    std::fs::write(&path, cut).unwrap();
    for (tool, extra) in [
        ("loocv", &["--mc", "1", "--limit", "4"][..]),
        (
            "classify",
            &["--mc", "1", "examples/hess/hess_fields.csv"][..],
        ),
        ("redden", &["--ebv", "0.3"][..]),
    ] {
        let extra: Vec<String> = extra
            .iter()
            .map(|a| {
                if a.starts_with("examples/") {
                    root().join(a).display().to_string()
                } else {
                    a.to_string()
                }
            })
            .collect();
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let out = run(
            tool,
            &[
                &extra[..],
                &[
                    "--training-set",
                    path.to_str().unwrap(),
                    "--class-column",
                    "Class",
                ],
            ]
            .concat(),
            None,
        );
        assert_eq!(out.status, 2, "{tool}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{tool}: {}", out.stderr);
        assert!(
            out.stderr.starts_with(&format!("{tool}: "))
                && out
                    .stderr
                    .contains("cut.csv:1: missing required columns 'e_Fs', 'Fm'"),
            "{tool}: {}",
            out.stderr
        );
    }
}
