//! A run split in shards (`classify --shard I/N`, `loocv --shard I/N`) and merged
//! (`ctscore --merge`) writes the very bytes of the unsharded run, whatever the number
//! of shards and the order or framing of the shard files; incomplete, overlapping,
//! truncated and foreign sets are refused with one line and exit status 2.

use std::path::{Path, PathBuf};

use crate::util::*;

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// The 3FGL J1306 field table from its raw CSC and catalog rows (fechner | xmatch).
fn field_table(dir: &Path) -> PathBuf {
    let ave = dir.join("ave.csv");
    let per = example("3fgl_j1306/input/per.csv");
    run_ok("fechner", &["-o", &s(&ave), &s(&per)], None);
    let mut args = Vec::new();
    for cat in ["gaia", "2mass", "allwise", "catwise", "unwise"] {
        args.push(format!("--{cat}"));
        args.push(s(&example(&format!("3fgl_j1306/input/{cat}.csv"))));
    }
    let mw = dir.join("mw.csv");
    args.extend(["-o".to_string(), s(&mw), s(&ave)]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run_ok("xmatch", &refs, None);
    mw
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Runs a tool expecting exit status 2 and one line on stderr; returns that line.
fn refused(tool: &str, args: &[&str]) -> String {
    let out = run(tool, args, None);
    assert_eq!(out.status, 2, "{tool} {args:?}: {}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    out.stderr.trim_end().to_string()
}

#[test]
fn classify_shards_merge_to_the_unsharded_bytes() {
    let dir = scratch("shard-classify");
    let field = field_table(&dir);
    let opts = ["--mc", "4", "--trees", "20", "--seed", "3", "--quiet"];
    let full = dir.join("full.csv");
    let full_rep = dir.join("full-replicas.csv");
    let mut args = opts.to_vec();
    let (f, fr, t) = (s(&full), s(&full_rep), s(&field));
    args.extend(["-o", &f, "--replicas-out", &fr, &t]);
    run_ok("classify", &args, None);
    let want = read(&full);
    let rows = Csv::read(&full);
    assert_eq!(rows.rows.len(), 16);
    assert!(
        rows.rows.iter().all(|r| !r.last().unwrap().is_empty()),
        "every source has its CT"
    );

    for n in [1usize, 3, 7] {
        let shards: Vec<PathBuf> = (1..=n)
            .map(|i| dir.join(format!("s{i}of{n}.csv")))
            .collect();
        for (i, path) in shards.iter().enumerate() {
            let spec = format!("{}/{n}", i + 1);
            let p = s(path);
            let mut args = opts.to_vec();
            args.extend(["--shard", &spec, "-o", &p, &t]);
            run_ok("classify", &args, None);
        }
        // Any order: the last shard first.
        let mut files: Vec<String> = shards.iter().rev().map(|p| s(p)).collect();
        let out = dir.join(format!("merged{n}.csv"));
        let rep = dir.join(format!("merged{n}-replicas.csv"));
        let (o, r) = (s(&out), s(&rep));
        let mut args = vec!["--merge"];
        args.extend(files.iter().map(String::as_str));
        args.extend(["--join", &t, "-o", &o, "--replicas-out", &r]);
        run_ok("ctscore", &args, None);
        assert_eq!(read(&out), want, "{n} shards");
        assert_eq!(read(&rep), read(&full_rep), "{n} shards, replicas");

        // Concatenated into one file, the headers of all but the first dropped.
        let mut cat = Vec::new();
        for (i, p) in shards.iter().enumerate() {
            let text = String::from_utf8(read(p)).unwrap();
            for line in text.lines() {
                if i > 0 && line.starts_with("CSCv2_name,") {
                    continue;
                }
                cat.extend_from_slice(line.as_bytes());
                cat.push(b'\n');
            }
        }
        let joined = dir.join(format!("cat{n}.csv"));
        std::fs::write(&joined, cat).unwrap();
        files = vec![s(&joined)];
        let out2 = dir.join(format!("merged{n}-cat.csv"));
        let o2 = s(&out2);
        run_ok(
            "ctscore",
            &["--merge", &files[0], "--join", &t, "-o", &o2],
            None,
        );
        assert_eq!(read(&out2), want, "{n} shards concatenated");
    }

    // What a merge refuses, each with one line and exit 2, writing nothing.
    let shard = |i: usize| s(&dir.join(format!("s{i}of3.csv")));
    let (s1, s2, s3) = (shard(1), shard(2), shard(3));
    let bad_out = s(&dir.join("refused.csv"));
    let e = refused(
        "ctscore",
        &["--merge", &s1, &s3, "--join", &t, "-o", &bad_out],
    );
    assert!(
        e.starts_with("ctscore: incomplete set of shards: missing shard 2/3 (units bin "),
        "{e}"
    );
    let e = refused(
        "ctscore",
        &["--merge", &s1, &s2, &s3, &s2, "--join", &t, "-o", &bad_out],
    );
    assert_eq!(
        e,
        format!("ctscore: {s2}:1: overlapping shards: shard 2/3 is also in {s2}:1")
    );
    let text = read(&dir.join("s2of3.csv"));
    let truncated = dir.join("truncated.csv");
    std::fs::write(&truncated, &text[..text.len() - 20]).unwrap();
    let tr = s(&truncated);
    let e = refused(
        "ctscore",
        &["--merge", &s1, &tr, &s3, "--join", &t, "-o", &bad_out],
    );
    assert!(e.contains("truncated shard 2/3"), "{e}");
    // A whole number of lines cut off: the end line is missing.
    let lines: Vec<&[u8]> = text.split_inclusive(|b| *b == b'\n').collect();
    std::fs::write(&truncated, lines[..lines.len() - 2].concat()).unwrap();
    let e = refused(
        "ctscore",
        &["--merge", &s1, &tr, &s3, "--join", &t, "-o", &bad_out],
    );
    assert_eq!(
        e,
        format!(
            "ctscore: {tr}: truncated shard 2/3 (from line 1): the file ends before its end line"
        )
    );
    let other = s(&dir.join("other-seed.csv"));
    let mut args = opts.to_vec();
    args[5] = "4";
    args.extend(["--shard", "2/3", "-o", &other, &t]);
    run_ok("classify", &args, None);
    let e = refused(
        "ctscore",
        &["--merge", &s1, &other, &s3, "--join", &t, "-o", &bad_out],
    );
    assert_eq!(
        e,
        format!("ctscore: {other}:1: shard of another run: seed=4 ({s1}:1 has seed=3)")
    );
    let hess = s(&example("hess/hess_fields.csv"));
    let e = refused(
        "ctscore",
        &["--merge", &s1, &s2, &s3, "--join", &hess, "-o", &bad_out],
    );
    assert!(
        e.starts_with(&format!(
            "ctscore: {hess}: not the table these shards classified"
        )),
        "{e}"
    );
    assert!(!Path::new(&bad_out).exists());
    for spec in ["0/3", "4/3", "x"] {
        let e = refused("classify", &["--shard", spec, &t]);
        assert!(
            e.starts_with(&format!("classify: --shard '{spec}': ")),
            "{e}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn loocv_shards_merge_to_the_unsharded_bytes() {
    let dir = scratch("shard-loocv");
    let opts = ["--mc", "2", "--limit", "12", "--trees", "20", "--quiet"];
    let (full, metrics, rep) = (
        dir.join("loo.csv"),
        dir.join("metrics.json"),
        dir.join("loo-replicas.csv"),
    );
    let (f, m, r) = (s(&full), s(&metrics), s(&rep));
    let mut args = opts.to_vec();
    args.extend(["-o", &f, "--metrics", &m, "--replicas-out", &r]);
    run_ok("loocv", &args, None);
    assert_eq!(Csv::read(&full).rows.len(), 12);

    for n in [1usize, 3, 7] {
        let shards: Vec<String> = (1..=n)
            .map(|i| s(&dir.join(format!("l{i}of{n}.csv"))))
            .collect();
        for (i, p) in shards.iter().enumerate() {
            let spec = format!("{}/{n}", i + 1);
            let mut args = opts.to_vec();
            args.extend(["--shard", &spec, "-o", p]);
            run_ok("loocv", &args, None);
        }
        let (o, om, or) = (
            s(&dir.join(format!("m{n}.csv"))),
            s(&dir.join(format!("m{n}.json"))),
            s(&dir.join(format!("m{n}-replicas.csv"))),
        );
        let mut args = vec!["--merge"];
        args.extend(shards.iter().rev().map(String::as_str));
        args.extend(["-o", &o, "--metrics", &om, "--replicas-out", &or]);
        run_ok("ctscore", &args, None);
        assert_eq!(read(Path::new(&o)), read(&full), "{n} shards");
        assert_eq!(read(Path::new(&om)), read(&metrics), "{n} shards, metrics");
        assert_eq!(read(Path::new(&or)), read(&rep), "{n} shards, replicas");
    }
    // Shards of another LOOCV (another subset) are refused.
    let other = s(&dir.join("other.csv"));
    let mut args = opts.to_vec();
    args[3] = "13";
    args.extend(["--shard", "2/3", "-o", &other]);
    run_ok("loocv", &args, None);
    let (l1, l3) = (s(&dir.join("l1of3.csv")), s(&dir.join("l3of3.csv")));
    let e = refused("ctscore", &["--merge", &l1, &other, &l3]);
    assert_eq!(
        e,
        format!("ctscore: {other}:1: shard of another run: limit=13 ({l1}:1 has limit=12)")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the Slurm driver with the given environment; (exit status, stdout, stderr).
fn driver(env: &[(&str, &str)]) -> (i32, String, String) {
    let bin_dir = bin("classify").parent().unwrap().to_path_buf();
    let out = std::process::Command::new(root().join("slurm/submit.sh"))
        .current_dir(root())
        .env("BIN", &bin_dir)
        .envs(env.iter().copied())
        .output()
        .expect("bash runs slurm/submit.sh");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn slurm_driver_refuses_when_slurm_is_absent_or_fails_and_keeps_the_shards() {
    let dir = scratch("shard-slurm");
    let table = dir.join("table.csv");
    let hess = std::fs::read_to_string(example("hess/hess_fields.csv")).unwrap();
    let head: String = hess.lines().take(6).map(|l| format!("{l}\n")).collect();
    std::fs::write(&table, head).unwrap();
    let out = dir.join("out.csv");
    let (t, o) = (s(&table), s(&out));
    let base = [
        ("IN", t.as_str()),
        ("OUT", o.as_str()),
        ("MC", "2"),
        ("SHARDS", "3"),
    ];

    let absent = [&base[..], &[("SBATCH", "/nonexistent/sbatch")]].concat();
    let (status, _, err) = driver(&absent);
    assert_eq!(status, 2, "{err}");
    assert_eq!(
        err,
        "slurm/submit.sh: /nonexistent/sbatch not found: Slurm is not installed or not on PATH\n"
    );

    // A shard computed before Slurm broke stays, and is not asked for again.
    let shards = dir.join("out.csv.shards");
    std::fs::create_dir_all(&shards).unwrap();
    let done = shards.join("shard_2.csv");
    let d = s(&done);
    run_ok(
        "classify",
        &["--mc", "2", "--quiet", "--shard", "2/3", "-o", &d, &t],
        None,
    );
    let kept = read(&done);
    let fake = dir.join("sbatch");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho \"$*\" >> \"$(dirname \"$0\")/asked\"\necho 'sbatch: error: Batch job submission failed: Invalid account' >&2\nexit 1\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let f = s(&fake);
    let failing = [&base[..], &[("SBATCH", f.as_str()), ("SQUEUE", "true")]].concat();
    let (status, _, err) = driver(&failing);
    assert_eq!(status, 2, "{err}");
    assert_eq!(
        err,
        "slurm/submit.sh: sbatch failed: sbatch: error: Batch job submission failed: Invalid account\n"
    );
    let asked = std::fs::read_to_string(dir.join("asked")).unwrap();
    assert!(asked.contains("--array=1,3 "), "{asked}");
    assert_eq!(read(&done), kept);
    assert!(!out.exists());

    // The shard directory belongs to one run: other options are refused.
    let other = [
        &base[..],
        &[("SEED", "9"), ("SBATCH", f.as_str()), ("SQUEUE", "true")],
    ]
    .concat();
    let (status, _, err) = driver(&other);
    assert_eq!(status, 2, "{err}");
    assert!(err.contains("holds shards of another run"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
