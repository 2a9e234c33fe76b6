//! Integration tests of `ctscore` (spec 8, 9.2) and `plot`: the real binaries on
//! replica tables made from real training-set sources (common/data/td_2941.csv).

use crate::util::{Csv, root, run, run_ok, scratch};

const PROBS: &str = "P_AGN,P_CV,P_HM-STAR,P_HMXB,P_LM-STAR,P_LMXB,P_NS,P_YSO";

/// The first `n` rows of the real training set, as text (header included).
fn td_head(n: usize) -> String {
    let text = std::fs::read_to_string(root().join("common/data/td_2941.csv")).unwrap();
    text.lines().take(n + 1).map(|l| format!("{l}\n")).collect()
}

fn td_names(n: usize) -> Vec<String> {
    let td = Csv::parse(&td_head(n));
    (0..n)
        .map(|i| td.text(i, "CSCv2_name").to_string())
        .collect()
}

/// Two replicas of three real TD sources (all AGN; the third is misclassified as YSO),
/// in replica order as concatenated runs are, with an `mc` column and the true class.
fn replicas() -> String {
    let n = td_names(3);
    let mut s = format!("mc,CSCv2_name,{PROBS},True_Class\n");
    // replica 0
    s += &format!("0,{},0.6,0.4,0,0,0,0,0,0,AGN\n", n[0]);
    s += &format!("0,{},1,0,0,0,0,0,0,0,AGN\n", n[1]);
    s += &format!("0,{},0.2,0,0,0,0,0,0,0.8,AGN\n", n[2]);
    // replica 1
    s += &format!("1,{},0.8,0.2,0,0,0,0,0,0,AGN\n", n[0]);
    s += &format!("1,{},1,0,0,0,0,0,0,0,AGN\n", n[1]);
    s += &format!("1,{},0.4,0,0,0,0,0,0,0.6,AGN\n", n[2]);
    s
}

#[test]
fn aggregates_replicas_per_source() {
    let out = run_ok(
        "ctscore",
        &["--class-column", "True_Class"],
        Some(replicas().as_bytes()),
    );
    let t = Csv::parse(&out);
    let names = td_names(3);
    assert_eq!(t.rows.len(), 3);
    assert_eq!(t.header[0], "CSCv2_name");
    assert_eq!(t.header[1], "True_Class");
    assert_eq!(t.header.last().unwrap(), "CT");
    for (i, name) in names.iter().enumerate() {
        assert_eq!(t.text(i, "CSCv2_name"), name);
    }
    // Source 0: mean AGN 0.7, CV 0.3; std (ddof 1) sqrt(0.02) both; CT = 0.4 / (2
    // sqrt 0.02) = sqrt 2 up to rounding.
    assert!((t.num(0, "P_AGN").unwrap() - 0.7).abs() < 1e-15);
    assert!((t.num(0, "e_P_AGN").unwrap() - 0.02f64.sqrt()).abs() < 1e-15);
    assert_eq!(t.text(0, "Class"), "AGN");
    assert!((t.num(0, "CT").unwrap() - 2f64.sqrt()).abs() < 1e-12);
    // Source 1: P_AGN = 1 with no scatter: CT = 1 / 1e-5 (the sum rule of spec 8).
    assert_eq!(t.num(1, "CT"), Some(1.0 / 1e-5));
    assert_eq!(t.num(1, "e_Class_prob"), Some(0.0));
    // Source 2: YSO 0.7 +- sqrt 0.02 vs AGN 0.3 +- sqrt 0.02.
    assert_eq!(t.text(2, "Class"), "YSO");
    assert!((t.num(2, "Class_prob").unwrap() - 0.7).abs() < 1e-15);
    assert!((t.num(2, "CT").unwrap() - 2f64.sqrt()).abs() < 1e-12);

    // --quantiles appends the LOOCV order statistics (spec 8), numpy-interpolated.
    let q = Csv::parse(&run_ok(
        "ctscore",
        &["--quantiles"],
        Some(replicas().as_bytes()),
    ));
    assert_eq!(q.header.len(), 1 + 20 + 28);
    assert!((q.num(0, "P_median_AGN").unwrap() - 0.7).abs() < 1e-15);
    let low = 0.6 + (0.8 - 0.6) * 0.02275;
    assert!((q.num(0, "P_2sig_low_AGN").unwrap() - low).abs() < 1e-15);
    assert_eq!(q.text(2, "Class_median"), "YSO");
    assert!((q.num(2, "Class_prob_2sig_upp").unwrap() - (0.6 + 0.2 * 0.97725)).abs() < 1e-15);

    // Headers of concatenated replica files are skipped: same result.
    let twice = replicas() + &replicas();
    let doubled = run_ok(
        "ctscore",
        &["--class-column", "True_Class"],
        Some(twice.as_bytes()),
    );
    let d = Csv::parse(&doubled);
    assert_eq!(d.rows.len(), 3);
    assert_eq!(d.text(1, "CT"), t.text(1, "CT"));
}

#[test]
fn join_keeps_the_table_and_fills_what_has_replicas() {
    let dir = scratch("join");
    let table = dir.join("td6.csv");
    std::fs::write(&table, td_head(6)).unwrap();
    let out = run(
        "ctscore",
        &["--join", table.to_str().unwrap()],
        Some(replicas().as_bytes()),
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stderr.contains("3 rows"), "{}", out.stderr);
    let t = Csv::parse(&out.stdout);
    let td = Csv::parse(&td_head(6));
    // Every TD column in order, then the 20 summary columns.
    assert_eq!(&t.header[..td.header.len()], &td.header[..]);
    assert_eq!(t.header.len(), td.header.len() + 20);
    assert_eq!(t.rows.len(), 6);
    for i in 0..6 {
        assert_eq!(&t.rows[i][..td.header.len()], &td.rows[i][..]);
    }
    assert_eq!(t.text(1, "Class"), "AGN");
    assert_eq!(t.num(1, "CT"), Some(1.0 / 1e-5));
    assert_eq!(t.text(2, "Class"), "YSO");
    for i in 3..6 {
        assert_eq!(t.text(i, "Class"), "");
        assert_eq!(t.num(i, "P_AGN"), None);
    }
    // Metrics from the joined table's True_Class: rows without replicas not scored.
    let out = run(
        "ctscore",
        &[
            "--join",
            table.to_str().unwrap(),
            "--class-column",
            "True_Class",
            "--metrics",
            "-",
        ],
        Some(replicas().as_bytes()),
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let m = metric_map(&out.stdout);
    assert_eq!(m["n_sources"], "3");
    let _ = std::fs::remove_dir_all(dir);
}

fn metric_map(text: &str) -> std::collections::HashMap<String, String> {
    let t = Csv::parse(text);
    assert_eq!(t.header, ["metric", "value"]);
    t.rows
        .iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect()
}

#[test]
fn aggregated_input_passes_through_and_scores() {
    let dir = scratch("aggregated");
    let summary = run_ok(
        "ctscore",
        &["--class-column", "True_Class"],
        Some(replicas().as_bytes()),
    );
    let json = dir.join("m.json");
    let out = run_ok(
        "ctscore",
        &[
            "--aggregated",
            "--class-column",
            "True_Class",
            "--metrics",
            json.to_str().unwrap(),
        ],
        Some(summary.as_bytes()),
    );
    assert_eq!(out, summary, "the table passes through unchanged");
    let text = std::fs::read_to_string(&json).unwrap();
    assert!(
        text.trim_start().starts_with('{') && text.contains("\"balanced_completeness_predicted\"")
    );

    let m = metric_map(&run_ok(
        "ctscore",
        &[
            "--aggregated",
            "--class-column",
            "True_Class",
            "--metrics",
            "-",
        ],
        Some(summary.as_bytes()),
    ));
    // Truth AGN x3; predictions AGN, AGN, YSO; CT sqrt2, 1e5, sqrt2.
    let num = |k: &str| {
        m[k].parse::<f64>()
            .unwrap_or_else(|_| panic!("{k}: {}", m[k]))
    };
    assert!((num("all.accuracy") - 2.0 / 3.0).abs() < 1e-15);
    // Recall of AGN only (the only true class): 2/3.
    assert!((num("all.balanced_accuracy") - 2.0 / 3.0).abs() < 1e-15);
    // F1: AGN 2*2/(3+2) = 0.8, YSO 0 -> 0.4 over {AGN, YSO}.
    assert!((num("all.macro_f1") - 0.4).abs() < 1e-15);
    assert_eq!(num("confident.n"), 1.0);
    assert!((num("confident.completeness") - 1.0 / 3.0).abs() < 1e-15);
    // By predicted class: AGN 1/2 confident, YSO 0/1 -> 0.25; by true class: 1/3.
    assert_eq!(num("balanced_completeness_predicted"), 0.25);
    assert!((num("balanced_completeness_true") - 1.0 / 3.0).abs() < 1e-15);
    assert!((num("recall_cm.AGN.YSO") - 1.0 / 3.0).abs() < 1e-15);
    assert_eq!(num("precision_cm.YSO.AGN"), 1.0);
    assert_eq!(m["recall_cm.CV.AGN"], "");
    assert_eq!(num("by_ct.1.n"), 3.0);
    assert_eq!(num("by_ct.5.n"), 1.0);
    // AGN is the only class with positives (and negatives: none) -> no ROC at all.
    assert_eq!(m["roc_auc.macro_curve"], "");
    // One true class: MCC's denominator is 0, scikit-learn's 0. The confident source
    // is a right AGN: precision 1, a third of the AGNs recovered.
    assert_eq!(num("all.mcc"), 0.0);
    assert_eq!(num("precision_confident_by_class.AGN"), 1.0);
    assert_eq!(m["precision_confident_by_class.YSO"], "");
    assert!((num("recovered_by_true_class.AGN") - 1.0 / 3.0).abs() < 1e-15);
    assert!((0.0..=1.0).contains(&num("calibration.ece")));
    assert!((0.0..=2.0).contains(&num("calibration.brier")));
    assert_eq!(m["calibration.ece_by_class.CV"], "");
    let _ = std::fs::remove_dir_all(dir);
}

/// Bad input exits 2 with one line naming file, line and column.
#[test]
fn bad_input_names_file_line_and_column() {
    let dir = scratch("bad");
    let check = |name: &str, text: String, args: &[&str], want: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let mut all: Vec<&str> = args.to_vec();
        let p = path.to_str().unwrap().to_string();
        all.push(&p);
        let out = run("ctscore", &all, None);
        assert_eq!(out.status, 2, "{name}: {}", out.stdout);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        let want = format!("ctscore: {}{want}", path.display());
        assert!(
            out.stderr.starts_with(&want),
            "{} does not start with {want}",
            out.stderr
        );
    };
    check(
        "missing.csv",
        replicas().replace(",P_YSO", ",P_QSO"),
        &[],
        ":1: missing required column 'P_YSO'",
    );
    check(
        "nonnum.csv",
        replicas().replacen(",0.4,", ",0.4x,", 1),
        &[],
        ":2: column 4 (P_CV): not a number: '0.4x'",
    );
    check(
        "range.csv",
        replicas().replacen(",0.4,", ",1.4,", 1),
        &[],
        ":2: column 4 (P_CV): probability outside [0, 1]",
    );
    let lines: Vec<String> = replicas().lines().map(String::from).collect();
    let mut bad_label = lines.clone();
    bad_label[5] = bad_label[5].replace(",AGN", ",QSO");
    check(
        "label.csv",
        bad_label.join("\n") + "\n",
        &["--class-column", "True_Class", "--metrics", "-"],
        ":6: column 11 (True_Class): unknown class label 'QSO'",
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Replicas of 12 real TD sources of four classes: probabilities favour the true
/// class, with one misclassified source per class, so every figure has content.
fn mixed_replicas() -> String {
    let td = Csv::read(&root().join("common/data/td_2941.csv"));
    let mut picked: Vec<(String, String)> = Vec::new();
    for class in ["AGN", "LM-STAR", "NS", "YSO"] {
        let rows: Vec<usize> = (0..td.rows.len())
            .filter(|&i| td.text(i, "True_Class") == class)
            .take(3)
            .collect();
        picked.extend(
            rows.iter()
                .map(|&i| (td.text(i, "CSCv2_name").to_string(), class.to_string())),
        );
    }
    let classes = [
        "AGN", "CV", "HM-STAR", "HMXB", "LM-STAR", "LMXB", "NS", "YSO",
    ];
    let mut s = format!("CSCv2_name,mc,{PROBS},True_Class\n");
    for mc in 0..5 {
        for (k, (name, class)) in picked.iter().enumerate() {
            let t = classes.iter().position(|c| c == class).unwrap();
            // The third source of each class leans to the next class.
            let top = if k % 3 == 2 { (t + 1) % 8 } else { t };
            let mut p = [0.02f64; 8];
            p[top] = 0.6 + 0.02 * mc as f64 + 0.01 * k as f64;
            p[t] += 0.1;
            let sum: f64 = p.iter().sum();
            let cells: Vec<String> = p.iter().map(|v| format!("{:.6}", v / sum)).collect();
            s += &format!("{name},{mc},{},{class}\n", cells.join(","));
        }
    }
    s
}

#[test]
fn plot_writes_readable_svg_figures() {
    let dir = scratch("plot");
    let reps = dir.join("replicas.csv");
    std::fs::write(&reps, mixed_replicas()).unwrap();
    let table = dir.join("class.csv");
    run_ok(
        "ctscore",
        &[
            "--class-column",
            "True_Class",
            "-o",
            table.to_str().unwrap(),
            reps.to_str().unwrap(),
        ],
        None,
    );
    let t = table.to_str().unwrap();
    let svg = |path: &std::path::Path, names: &[&str]| {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.trim_start().starts_with("<svg"), "{}", path.display());
        assert!(text.trim_end().ends_with("</svg>"), "{}", path.display());
        for n in names {
            assert!(text.contains(n), "{} lacks {n}", path.display());
        }
    };
    let all = [
        "AGN", "CV", "HM-STAR", "HMXB", "LM-STAR", "LMXB", "NS", "YSO",
    ];

    let four = dir.join("cm.svg");
    run_ok(
        "plot",
        &["confusion", t, "-o", four.to_str().unwrap()],
        None,
    );
    svg(&four, &all);
    let text = std::fs::read_to_string(&four).unwrap();
    assert!(text.contains("Recall, all sources (N = 12)"));
    assert!(text.contains("Precision, CT"));
    let cms = dir.join("cms");
    run_ok(
        "plot",
        &["confusion", "--ct-cut", "1", t, "-o", cms.to_str().unwrap()],
        None,
    );
    for stem in ["recall_all", "recall_ct", "precision_all", "precision_ct"] {
        svg(&cms.join(format!("{stem}.svg")), &all);
    }

    let roc = dir.join("roc.svg");
    run_ok("plot", &["roc", t, "-o", roc.to_str().unwrap()], None);
    svg(
        &roc,
        &[
            "AGN (AUC",
            "LM-STAR (AUC",
            "NS (AUC",
            "YSO (AUC",
            "macro (AUC",
        ],
    );

    let rel = dir.join("reliability.svg");
    run_ok(
        "plot",
        &["reliability", t, "-o", rel.to_str().unwrap()],
        None,
    );
    svg(&rel, &["Reliability of Class_prob", "ECE = "]);

    let name = Csv::parse(&std::fs::read_to_string(&table).unwrap())
        .text(0, "CSCv2_name")
        .to_string();
    let rep = dir.join("rep.svg");
    run_ok(
        "plot",
        &[
            "replicas",
            "--source",
            &name,
            reps.to_str().unwrap(),
            "-o",
            rep.to_str().unwrap(),
        ],
        None,
    );
    svg(&rep, &all);
    let out = run(
        "plot",
        &["replicas", "--source", "nope", reps.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("'nope'"), "{}", out.stderr);

    let imp = run_ok(
        "plot",
        &["importances"],
        Some(b"feature,importance\nHR_ms,0.08\nGflux,0.12\nrandom,0.01\nW1-W2,0.05\n"),
    );
    assert!(imp.trim_start().starts_with("<svg"));
    assert!(imp.contains("random feature: 0.0100") && imp.contains("W1-W2"));
    let _ = std::fs::remove_dir_all(dir);
}
