//! Every tool's command-line surface: `--help` ends with examples that run as shown,
//! `--version` answers, `--threads` is accepted, and a bad option value is one line
//! and exit status 2 before any work.

use std::process::Command;

use crate::util::{TOOLS, bin, bin_dir, root, run, scratch};

/// A tool's help text and those of its subcommands.
fn helps(tool: &str) -> Vec<(String, String)> {
    let top = run(tool, &["--help"], None);
    assert_eq!(top.status, 0, "{tool} --help: {}", top.stderr);
    let mut all = vec![(tool.to_string(), top.stdout.clone())];
    let subcommands: Vec<String> = top
        .stdout
        .split("Commands:")
        .nth(1)
        .map(|s| {
            s.lines()
                .skip(1)
                .take_while(|l| l.starts_with("  "))
                .filter_map(|l| l.split_whitespace().next())
                .filter(|c| *c != "help")
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    for sub in subcommands {
        let out = run(tool, &[&sub, "--help"], None);
        assert_eq!(out.status, 0, "{tool} {sub} --help: {}", out.stderr);
        all.push((format!("{tool} {sub}"), out.stdout));
    }
    all
}

/// The example commands of a help text: the indented lines after a line that starts
/// with "Example", continuation lines (ending in `\`) joined.
fn examples(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_example = false;
    let mut pending = String::new();
    for line in help.lines() {
        if line.starts_with("Example") {
            in_example = true;
            continue;
        }
        if !in_example {
            continue;
        }
        if !line.starts_with("  ") {
            in_example = line.trim().is_empty() && pending.is_empty() && !out.is_empty();
            continue;
        }
        let text = line.trim();
        if let Some(head) = text.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
        } else {
            pending.push_str(text);
            out.push(std::mem::take(&mut pending));
        }
    }
    out
}

#[test]
fn every_help_example_runs() {
    let dir = scratch("help-examples");
    // The examples name the repository's files by their paths from its root.
    for entry in ["examples", "common"] {
        std::os::unix::fs::symlink(root().join(entry), dir.join(entry)).unwrap();
    }
    let path = format!("{}:{}", bin_dir().display(), std::env::var("PATH").unwrap());
    let mut ran = std::collections::HashSet::new();
    for tool in TOOLS {
        for (command, help) in helps(tool) {
            let lines = examples(&help);
            assert!(!lines.is_empty(), "{command} --help has no example");
            // Subcommands share their tool's example: run each once.
            if !ran.insert(lines.clone()) {
                continue;
            }
            // The lines of one help text build on each other (files of earlier lines).
            let script = format!("set -euo pipefail\n{}\n", lines.join("\n"));
            let out = Command::new("bash")
                .arg("-c")
                .arg(&script)
                .current_dir(&dir)
                .env("PATH", &path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{command} --help example failed:\n{script}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    assert!(ran.len() >= TOOLS.len());
}

#[test]
fn every_tool_answers_version_and_takes_threads() {
    let version = env!("CARGO_PKG_VERSION");
    for tool in TOOLS {
        let out = run(tool, &["--version"], None);
        assert_eq!(out.status, 0, "{tool} --version: {}", out.stderr);
        assert_eq!(out.stdout.trim(), format!("{tool} {version}"));
        let help = run(tool, &["--help"], None).stdout;
        assert!(help.contains("--threads <N>"), "{tool} has no --threads");
        let out = run(tool, &["--threads", "0", "--help"], None);
        assert!(out.status == 0 || out.status == 2, "{tool}: {}", out.stderr);
    }
}

/// Bad option values are refused before any work, one line, exit 2.
#[test]
fn bad_option_values_are_one_line_errors() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("classify", &["--error-scale", "-1"], "--error-scale"),
        ("classify", &["--mc", "0"], "--mc"),
        ("classify", &["--bin-width", "0"], "--bin-width"),
        ("classify", &["--ct-cut", "nan"], "--ct-cut"),
        ("loocv", &["--trees", "0"], "--trees"),
        ("loocv", &["--k", "0"], "--k"),
        ("loocv", &["--threads", "0"], "--threads"),
        ("smote", &["--seed", "1", "--k", "-3"], "--k"),
        (
            "rforest",
            &["train", "--seed", "1", "--trees", "x", "-o", "m"],
            "--trees",
        ),
        (
            "mcsample",
            &["--seed", "1", "--error-scale", "inf"],
            "--error-scale",
        ),
        ("redden", &["--ebv", "-1"], "--ebv"),
        ("xmatch", &["--radius", "0"], "--radius"),
        ("ctscore", &["--no-such-flag"], "--no-such-flag"),
    ];
    for (tool, args, flag) in cases {
        let out = Command::new(bin(tool)).args(*args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{tool} {args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{tool} {args:?}: {stderr}");
        assert!(
            stderr.starts_with(&format!("{tool}: ")) && stderr.contains(flag),
            "{tool} {args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}
