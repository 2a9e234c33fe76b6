//! Integration tests of `rforest`: trained on the SMOTE-balanced published training
//! set (catalog columns as features), applied to real rows.

use std::path::{Path, PathBuf};

use common::forest::MODEL_VERSION;

use crate::smote::{TD_FEATURES, run_threads, td_path};
use crate::util::{Csv, run, run_ok, scratch};

const CLASSES: [&str; 8] = [
    "AGN", "CV", "HM-STAR", "HMXB", "LM-STAR", "LMXB", "NS", "YSO",
];

fn tmp(name: &str) -> PathBuf {
    let dir = scratch("rforest");
    dir.join(name)
}

fn write(path: &Path, bytes: &[u8]) -> String {
    std::fs::write(path, bytes).unwrap();
    path.display().to_string()
}

/// The TD split into a training part (every other source of each class) and the rest.
fn split_td() -> (String, String) {
    let text = std::fs::read_to_string(td_path()).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let (mut train, mut test) = (vec![header], vec![header]);
    let mut seen = std::collections::HashMap::new();
    for line in lines {
        let class = line.rsplit(',').nth(1).unwrap().to_string();
        let n = seen.entry(class).or_insert(0);
        if *n % 2 == 0 {
            train.push(line)
        } else {
            test.push(line)
        }
        *n += 1;
    }
    (train.join("\n") + "\n", test.join("\n") + "\n")
}

#[test]
fn held_out_sources_are_classified_and_the_rows_are_complete() {
    let (train, test) = split_td();
    let train = write(&tmp("train.csv"), train.as_bytes());
    let test_path = write(&tmp("test.csv"), test.as_bytes());
    let balanced = run_ok(
        "smote",
        &[
            "--seed",
            "4",
            "--replica",
            "0",
            "--features",
            TD_FEATURES,
            &train,
        ],
        None,
    );
    let bal = write(&tmp("bal.csv"), balanced.as_bytes());
    let model = tmp("m.rf").display().to_string();
    let imp = tmp("imp.csv").display().to_string();
    run_ok(
        "rforest",
        &[
            "train",
            "--seed",
            "4",
            "--features",
            TD_FEATURES,
            "--importances",
            &imp,
            "-o",
            &model,
            &bal,
        ],
        None,
    );
    let out = Csv::parse(&run_ok(
        "rforest",
        &["predict", "--model", &model, &test_path],
        None,
    ));
    let input = Csv::read(Path::new(&test_path));
    assert_eq!(out.rows.len(), input.rows.len());
    let n_in = input.header.len();
    let mut new: Vec<String> = CLASSES.iter().map(|c| format!("P_{c}")).collect();
    new.extend(["Class".to_string(), "Class_prob".to_string()]);
    assert_eq!(&out.header[n_in..], &new[..]);
    let mut correct = 0;
    for i in 0..out.rows.len() {
        assert_eq!(&out.rows[i][..n_in], &input.rows[i][..]);
        let p: Vec<f64> = CLASSES
            .iter()
            .map(|c| out.num(i, &format!("P_{c}")).unwrap())
            .collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        // 100 trees: every probability is a mean of leaf fractions.
        let best = (0..8).fold(0, |b, c| if p[c] > p[b] { c } else { b });
        assert_eq!(out.text(i, "Class"), CLASSES[best]);
        assert_eq!(out.num(i, "Class_prob"), Some(p[best]));
        if out.text(i, "Class") == out.text(i, "True_Class").replace("NS_BIN", "LMXB") {
            correct += 1;
        }
    }
    // Catalog magnitudes and variability alone separate the classes well, though
    // less well than the 29 features (the paper's LOOCV accuracy is 88%).
    let accuracy = correct as f64 / out.rows.len() as f64;
    assert!(accuracy > 0.75 && accuracy < 0.99, "{accuracy}");
    let imp = Csv::read(Path::new(&imp));
    assert_eq!(imp.header, ["feature", "importance"]);
    let names: Vec<&str> = (0..imp.rows.len())
        .map(|i| imp.text(i, "feature"))
        .collect();
    assert_eq!(names, TD_FEATURES.split(',').collect::<Vec<_>>());
    let total: f64 = (0..imp.rows.len())
        .map(|i| imp.num(i, "importance").unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-9);
}

#[test]
fn models_and_predictions_do_not_depend_on_the_thread_count() {
    let td = td_path();
    let balanced = run_ok(
        "smote",
        &[
            "--seed",
            "5",
            "--replica",
            "1",
            "--features",
            TD_FEATURES,
            &td,
        ],
        None,
    );
    let bal = write(&tmp("bal5.csv"), balanced.as_bytes());
    let mut models = Vec::new();
    let mut predictions = Vec::new();
    for threads in [1, 2] {
        for ext in ["rf", "json"] {
            let model = tmp(&format!("m{threads}.{ext}")).display().to_string();
            let args = [
                "train",
                "--seed",
                "5",
                "--replica",
                "1",
                "--trees",
                "30",
                "--features",
                TD_FEATURES,
                "-o",
                &model,
                &bal,
            ];
            let (status, _, err) = run_threads("rforest", &args, threads);
            assert_eq!(status, 0, "{err}");
            models.push(std::fs::read(&model).unwrap());
            let (status, out, err) =
                run_threads("rforest", &["predict", "--model", &model, &td], threads);
            assert_eq!(status, 0, "{err}");
            predictions.push(out);
        }
    }
    assert_eq!(models[0], models[2]);
    assert_eq!(models[1], models[3]);
    // The JSON and the binary model predict the same numbers.
    assert!(predictions.iter().all(|p| *p == predictions[0]));
}

#[test]
fn foreign_models_and_missing_features_are_clear_errors() {
    let td = td_path();
    let small = "P_intra,Gmag,Jmag,W1mag";
    let balanced = run_ok(
        "smote",
        &["--seed", "6", "--replica", "0", "--features", small, &td],
        None,
    );
    let bal = write(&tmp("bal6.csv"), balanced.as_bytes());
    let model = tmp("m6.rf").display().to_string();
    run_ok(
        "rforest",
        &[
            "train",
            "--seed",
            "6",
            "--trees",
            "5",
            "--features",
            small,
            "-o",
            &model,
            &bal,
        ],
        None,
    );
    // A table without one of the model's features.
    let other = std::fs::read_to_string(&td)
        .unwrap()
        .replacen("Jmag", "J_mag", 1);
    let out = run(
        "rforest",
        &["predict", "--model", &model],
        Some(other.as_bytes()),
    );
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .starts_with("rforest: <stdin>:1: missing column 'Jmag', a feature of the model"),
        "{}",
        out.stderr
    );
    // A file that is not a model, and a model of another version.
    let out = run("rforest", &["predict", "--model", &td], Some(b"a\n1\n"));
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("not a muwclass-rforest model"),
        "{}",
        out.stderr
    );
    let json = tmp("m6.json").display().to_string();
    run_ok(
        "rforest",
        &[
            "train",
            "--seed",
            "6",
            "--trees",
            "2",
            "--features",
            small,
            "-o",
            &json,
            &bal,
        ],
        None,
    );
    let text = std::fs::read_to_string(&json).unwrap().replacen(
        &format!("\"version\":{MODEL_VERSION}"),
        "\"version\":7",
        1,
    );
    let old = write(&tmp("old.json"), text.as_bytes());
    let out = run("rforest", &["predict", "--model", &old, &td], None);
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("version 7"), "{}", out.stderr);
    // Training on a table with an unknown class.
    let bad = balanced.replacen(",YSO,", ",STAR,", 1);
    let out = run(
        "rforest",
        &["train", "--seed", "6", "--features", small, "-o", &model],
        Some(bad.as_bytes()),
    );
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("unknown class 'STAR'"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_default_29_features_flow_from_features_and_standardize() {
    // The real pipeline with every default: features -> standardize -> smote ->
    // rforest train -> rforest predict, on the published TD.
    let td = td_path();
    let feat = run_ok("features", &[&td], None);
    let feat_path = write(&tmp("feat.csv"), feat.as_bytes());
    let std = run_ok("standardize", &["--fit", &feat_path, &feat_path], None);
    let std_path = write(&tmp("std.csv"), std.as_bytes());
    let balanced = run_ok("smote", &["--seed", "8", "--replica", "0", &std_path], None);
    let bal = Csv::parse(&balanced);
    assert_eq!(bal.rows.len(), 11_120);
    let bal_path = write(&tmp("bal8.csv"), balanced.as_bytes());
    let model = tmp("m8.rf").display().to_string();
    run_ok(
        "rforest",
        &[
            "train", "--seed", "8", "--trees", "20", "-o", &model, &bal_path,
        ],
        None,
    );
    let out = Csv::parse(&run_ok(
        "rforest",
        &["predict", "--model", &model, &std_path],
        None,
    ));
    // Sources seen in training (bootstrap) are nearly all recovered.
    let correct = (0..out.rows.len())
        .filter(|&i| out.text(i, "Class") == out.text(i, "True_Class").replace("NS_BIN", "LMXB"))
        .count();
    assert!(correct as f64 / out.rows.len() as f64 > 0.97, "{correct}");
}
