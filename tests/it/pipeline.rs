//! The main job end to end through the real Makefile: the pipe path (every (bin,
//! replica) a make target of tools chained by pipes) and the fused path (`classify`)
//! give the same bytes; make rebuilds only what changed; a step can be swapped for an
//! external program.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

/// A scratch copy of one example field, so that tests can touch inputs.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("muwclass-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let input = dir.join("examples/3fgl_j1306/input");
    std::fs::create_dir_all(&input).unwrap();
    for entry in std::fs::read_dir(example("3fgl_j1306/input")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), input.join(entry.file_name())).unwrap();
    }
    dir
}

fn make(dir: &Path, extra: &[&str]) -> std::process::Output {
    let bin_dir = bin("fechner").parent().unwrap().to_path_buf();
    let out = Command::new("make")
        .arg("-C")
        .arg(root())
        .arg(format!("WORK={}", dir.join("out").display()))
        .arg(format!("EXAMPLES={}", dir.join("examples").display()))
        .arg(format!("BIN={}", bin_dir.display()))
        .args(["BUILD=0", "FIELD=3fgl_j1306", "MC=3", "TREES=10", "SEED=5"])
        .args(extra)
        .output()
        .expect("make is needed for the pipeline tests");
    assert!(
        out.status.success(),
        "make {extra:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn pipe_and_fused_paths_agree_byte_for_byte_and_make_is_incremental() {
    let dir = scratch("pipeline");
    make(&dir, &["-j2", "field"]);
    make(&dir, &["fused"]);
    let field = dir.join("out/3fgl_j1306");
    let piped = std::fs::read_to_string(field.join("classified.csv")).unwrap();
    let fused = std::fs::read_to_string(field.join("classified-fused.csv")).unwrap();
    assert_eq!(piped, fused, "pipe and fused paths differ");
    let table = Csv::parse(&piped);
    assert!(!table.rows.is_empty());
    for c in [
        "ebv",
        "ebv_bin",
        "P_AGN",
        "e_P_AGN",
        "Class",
        "Class_prob",
        "e_Class_prob",
        "CT",
    ] {
        table.col(c);
    }
    assert!((0..table.rows.len()).all(|i| table.num(i, "CT").is_some()));

    // A second make has nothing to do.
    let again = make(&dir, &["field"]);
    let said = String::from_utf8_lossy(&again.stdout);
    assert!(
        !said.contains("fechner") && !said.contains("rforest"),
        "second make rebuilt:\n{said}"
    );

    // Touching one catalog rebuilds the cross-match and what follows, not the X-ray table.
    let ave = std::fs::metadata(field.join("ave.csv"))
        .unwrap()
        .modified()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let gaia = dir.join("examples/3fgl_j1306/input/gaia.csv");
    let text = std::fs::read(&gaia).unwrap();
    std::fs::write(&gaia, text).unwrap();
    let rebuilt = make(&dir, &["field"]);
    let said = String::from_utf8_lossy(&rebuilt.stdout);
    assert!(
        said.contains("xmatch") && !said.contains("fechner"),
        "{said}"
    );
    assert_eq!(
        std::fs::metadata(field.join("ave.csv"))
            .unwrap()
            .modified()
            .unwrap(),
        ave
    );
    assert_eq!(
        std::fs::read_to_string(field.join("classified.csv")).unwrap(),
        piped
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rforest_can_be_swapped_for_scikit_learn() {
    let has_sklearn = Command::new("python3")
        .args(["-c", "import sklearn"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_sklearn {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install scikit-learn (.ci/run)"
        );
        eprintln!("skipping: python3 with scikit-learn is not installed");
        return;
    }
    let dir = scratch("swap");
    let script = root().join("examples/sklearn_rforest.py");
    make(
        &dir,
        &["field", &format!("RFOREST=python3 {}", script.display())],
    );
    let table = Csv::read(&dir.join("out/3fgl_j1306/classified.csv"));
    assert!(!table.rows.is_empty());
    for i in 0..table.rows.len() {
        let class = table.text(i, "Class");
        assert!(
            common_classes().contains(&class),
            "row {i}: class '{class}'"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn common_classes() -> [&'static str; 8] {
    [
        "AGN", "CV", "HM-STAR", "HMXB", "LM-STAR", "LMXB", "NS", "YSO",
    ]
}

#[test]
fn classify_gives_the_same_bytes_with_one_and_two_threads() {
    let hess = std::fs::read_to_string(example("hess/hess_fields.csv")).unwrap();
    let head: String = hess.lines().take(21).map(|l| format!("{l}\n")).collect();
    let quick = ["--mc", "2", "--trees", "10", "--quiet"];
    let one = run_ok(
        "classify",
        &[&quick[..], &["--threads", "1"]].concat(),
        Some(head.as_bytes()),
    );
    let two = run_ok(
        "classify",
        &[&quick[..], &["--threads", "2"]].concat(),
        Some(head.as_bytes()),
    );
    assert_eq!(one, two);
    let table = Csv::parse(&one);
    assert_eq!(table.rows.len(), 20);
    assert!((0..20).all(|i| table.num(i, "CT").is_some() && table.num(i, "ebv").is_some()));
}
