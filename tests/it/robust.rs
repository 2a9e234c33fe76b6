//! Interrupted and failing runs, and the same bytes from the same inputs (issue 11
//! §2, §4), through the real tools and the real Makefile.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::make::Job;
use crate::util::{CATALOGS, bin, catalog_args, example, run, run_ok, scratch};

/// A deterministic pseudo-random sequence of kill moments.
struct Moments(u64);

impl Moments {
    fn next_ms(&mut self, max: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % max.max(1)
    }
}

/// Starts `cmd` in a process group of its own, so that it and every child can be
/// killed at once, as a crash or a power cut would stop them.
fn spawn_group(cmd: &mut Command) -> Child {
    cmd.process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// SIGKILLs the process group of `child` after `ms` unless it ended first; true when
/// it was killed.
fn kill_after(mut child: Child, ms: u64) -> bool {
    let until = Instant::now() + Duration::from_millis(ms);
    while Instant::now() < until {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    if child.try_wait().unwrap().is_some() {
        return false;
    }
    let group = format!("-{}", child.id());
    let killed = Command::new("kill")
        .args(["-KILL", "--", &group])
        .status()
        .unwrap();
    assert!(killed.success(), "kill {group} failed");
    child.wait().unwrap();
    true
}

fn elapsed_ms(start: Instant) -> u64 {
    start.elapsed().as_millis() as u64
}

/// `make` killed (SIGKILL, with every step it runs) at pseudo-random moments, then run
/// again: the final table is the bytes of an uninterrupted run. The uninterrupted
/// run uses `-j1` and the interrupted ones `-j2`, so this also checks that the job
/// count does not change the result.
#[test]
fn make_killed_at_random_moments_resumes_to_the_same_bytes() {
    let reference = Job::new("kill-ref");
    let start = Instant::now();
    reference.make(&["-j1", "field"]);
    let took = elapsed_ms(start);
    let table = |job: &Job| std::fs::read(job.out().join("3fgl_j1306/classified.csv"));
    let want = table(&reference).unwrap();

    let job = Job::new("kill");
    let mut moments = Moments(11);
    let mut kills = 0;
    for _ in 0..5 {
        let child = spawn_group(&mut job.command(&["-j2", "field"]));
        // -j2 on two cores takes about half as long as -j1
        if kill_after(child, 50 + moments.next_ms(took / 4)) {
            kills += 1;
        }
        // whatever a kill left, the final table is either absent or complete
        if let Ok(got) = table(&job) {
            assert_eq!(got, want, "a killed make left a different classified.csv");
        }
    }
    job.make(&["-j2", "field"]);
    assert_eq!(table(&job).unwrap(), want, "resumed make differs");
    assert!(kills >= 3, "only {kills} of 5 runs were interrupted");
}

/// `classify` and `loocv` keep no state between runs: killed, they restart from
/// scratch, never leave a partial output, and give the same bytes when rerun.
#[test]
fn classify_and_loocv_killed_restart_to_the_same_bytes() {
    let dir = scratch("kill-fused");
    let hess = std::fs::read_to_string(example("hess/hess_fields.csv")).unwrap();
    let input = dir.join("in.csv");
    let head: String = hess.lines().take(13).map(|l| format!("{l}\n")).collect();
    std::fs::write(&input, head).unwrap();
    let s = |p: &Path| p.display().to_string();
    let runs: Vec<(&str, Vec<String>, Vec<PathBuf>)> = vec![
        (
            "classify",
            vec!["--mc", "2", "--trees", "10", "--quiet", &s(&input)]
                .into_iter()
                .map(String::from)
                .collect(),
            vec![dir.join("classified.csv")],
        ),
        (
            "loocv",
            vec!["--mc", "2", "--trees", "10", "--limit", "12"]
                .into_iter()
                .map(String::from)
                .chain([
                    "--metrics".to_string(),
                    s(&dir.join("metrics.json")),
                    "--replicas-out".to_string(),
                    s(&dir.join("replicas.csv")),
                ])
                .collect(),
            vec![
                dir.join("loo.csv"),
                dir.join("metrics.json"),
                dir.join("replicas.csv"),
            ],
        ),
    ];
    let mut moments = Moments(5);
    for (tool, args, outputs) in runs {
        let mut args = args;
        args.extend(["-o".to_string(), s(&outputs[0])]);
        let command = || {
            let mut c = Command::new(bin(tool));
            c.args(&args);
            c
        };
        let start = Instant::now();
        let st = command().stdout(Stdio::null()).status().unwrap();
        assert!(st.success(), "{tool} failed");
        let took = elapsed_ms(start);
        let want: Vec<Vec<u8>> = outputs.iter().map(|p| std::fs::read(p).unwrap()).collect();
        let mut kills = 0;
        for _ in 0..4 {
            for p in &outputs {
                let _ = std::fs::remove_file(p);
            }
            if kill_after(spawn_group(&mut command()), 10 + moments.next_ms(took / 2)) {
                kills += 1;
            }
            for (p, w) in outputs.iter().zip(&want) {
                if let Ok(got) = std::fs::read(p) {
                    assert_eq!(
                        &got,
                        w,
                        "{tool}: a killed run left a partial {}",
                        p.display()
                    );
                }
            }
            let st = command().stdout(Stdio::null()).status().unwrap();
            assert!(st.success());
            for (p, w) in outputs.iter().zip(&want) {
                assert_eq!(&std::fs::read(p).unwrap(), w, "{tool}: rerun differs");
            }
        }
        assert!(
            kills >= 2,
            "{tool}: only {kills} of 4 runs were interrupted"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A small tmpfs at `dir` (read-only with `ro`), unmounted on drop.
struct Mount(PathBuf);

impl Mount {
    fn new(dir: &Path, options: &str) -> Mount {
        std::fs::create_dir_all(dir).unwrap();
        let st = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir)
            .status()
            .expect("mount is needed for the full-disk tests");
        assert!(
            st.success(),
            "cannot mount a tmpfs (the full-disk tests run as root, as CI does)"
        );
        Mount(dir.to_path_buf())
    }

    fn is_empty(&self) -> bool {
        std::fs::read_dir(&self.0).unwrap().next().is_none()
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

fn assert_one_line_error(tool: &str, out: &crate::util::Output, what: &str) {
    assert_eq!(
        out.status, 2,
        "{tool} {what}: exit {} ({})",
        out.status, out.stderr
    );
    let msg = out.stderr.trim_end();
    assert!(
        !msg.contains('\n') && msg.starts_with(&format!("{tool}: ")),
        "{tool} {what}: not one line: {:?}",
        out.stderr
    );
}

/// A full disk and an unwritable output directory: one line, exit 2, nothing left
/// behind (no partial file, no temporary).
#[test]
fn full_disk_and_unwritable_output_leave_nothing_behind() {
    let base = scratch("disk");
    let per = example("ngc3532/input/per.csv").display().to_string();
    let full = Mount::new(&base.join("full"), "size=16k");
    let ro = Mount::new(&base.join("ro"), "size=16k,ro");
    let in_dir = |m: &Mount, f: &str| m.0.join(f).display().to_string();
    let model = base.join("m.rf");
    let td = run_ok("redden", &["--ebv", "0.1"], None);
    let feats = run_ok(
        "features",
        &[],
        Some(run_ok("mcsample", &["--seed", "1"], Some(td.as_bytes())).as_bytes()),
    );
    std::fs::write(base.join("feats.csv"), &feats).unwrap();
    let feats_path = base.join("feats.csv").display().to_string();
    for m in [&full, &ro] {
        let out = run("fechner", &[&per, "-o", &in_dir(m, "ave.csv")], None);
        assert_one_line_error("fechner", &out, "table");
        let out = run(
            "rforest",
            &[
                "train",
                "--trees",
                "20",
                "--seed",
                "1",
                &feats_path,
                "-o",
                &in_dir(m, "m.rf"),
            ],
            None,
        );
        assert_one_line_error("rforest", &out, "model file");
        assert!(
            m.is_empty(),
            "left behind: {:?}",
            std::fs::read_dir(&m.0).unwrap().collect::<Vec<_>>()
        );
    }
    // the unwritable case needs no space at all: a tiny output fails the same way
    let out = run(
        "redden",
        &["--lookup", &per, "-o", &in_dir(&ro, "x.csv")],
        None,
    );
    assert_one_line_error("redden", &out, "read-only");
    drop((full, ro));
    let _ = std::fs::remove_file(model);
    // standard output on a full device
    let devfull = std::fs::File::create("/dev/full").unwrap();
    let st = Command::new(bin("fechner"))
        .arg(&per)
        .stdout(devfull)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let out = crate::util::Output {
        status: st.status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&st.stderr).into_owned(),
    };
    assert_one_line_error("fechner", &out, "stdout on /dev/full");
    let _ = std::fs::remove_dir_all(&base);
}

/// Rows of a CSV text sorted, header first: results keyed by source compare equal
/// whatever the input order.
fn sorted_rows(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[1..].sort();
    lines
}

/// Shuffled input rows give the same result per source: `classify` (a source's
/// random streams are keyed by its name; its E(B-V) bin by its E(B-V)) and `xmatch`
/// with both the X-ray and the catalog rows shuffled.
#[test]
fn shuffled_rows_give_the_same_results_per_source() {
    let hess = std::fs::read_to_string(example("hess/hess_fields.csv")).unwrap();
    let lines: Vec<&str> = hess.lines().take(16).collect();
    let shuffle = |lines: &[&str]| -> String {
        let mut body: Vec<&str> = lines[1..].to_vec();
        body.reverse();
        let third = body.len() / 3;
        body.rotate_left(third);
        std::iter::once(lines[0])
            .chain(body)
            .map(|l| format!("{l}\n"))
            .collect()
    };
    let plain: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let args = ["--mc", "2", "--trees", "10", "--quiet", "--threads", "2"];
    let a = run_ok("classify", &args, Some(plain.as_bytes()));
    let b = run_ok("classify", &args, Some(shuffle(&lines).as_bytes()));
    assert_ne!(a, b, "the shuffle changed nothing");
    assert_eq!(sorted_rows(&a), sorted_rows(&b));

    let dir = scratch("shuffle");
    let mut args = Vec::new();
    for c in CATALOGS {
        let text = std::fs::read_to_string(example(&format!("ngc3532/input/{c}.csv"))).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let p = dir.join(format!("{c}.csv"));
        std::fs::write(&p, shuffle(&lines)).unwrap();
        args.push(format!("--{c}"));
        args.push(p.display().to_string());
    }
    let ave = std::fs::read_to_string(example("ngc3532/reference/ave.csv")).unwrap();
    let ave_lines: Vec<&str> = ave.lines().collect();
    let x = ["--ra", "ra", "--dec", "dec", "--pu", "err_ellipse_r0"];
    let mut original: Vec<String> = x.iter().map(|s| s.to_string()).collect();
    original.extend(catalog_args("ngc3532"));
    let refs: Vec<&str> = original.iter().map(String::as_str).collect();
    let a = run_ok("xmatch", &refs, Some(ave.as_bytes()));
    let mut shuffled: Vec<&str> = x.to_vec();
    shuffled.extend(args.iter().map(String::as_str));
    let b = run_ok("xmatch", &shuffled, Some(shuffle(&ave_lines).as_bytes()));
    assert_eq!(sorted_rows(&a), sorted_rows(&b));
    let _ = std::fs::remove_dir_all(&dir);
}
