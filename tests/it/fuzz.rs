//! Fuzzing every reader (issue 11 §1): mutated versions of the real example files
//! (byte flips, truncations, deleted/duplicated/swapped columns and rows, huge and tiny
//! numbers, NaN/inf spellings, non-UTF-8 bytes, very long lines, unbalanced quotes,
//! BOMs, lone CRs, empty cells) fed to each tool's reading path, and random model files
//! to `rforest predict`. Every case must end in exit 0, or exit 2 with one line
//! `tool: <file>...: what` naming the mutated file: no panic, no other exit code, no
//! hang (a per-case time limit).
//!
//! `cargo test --test it fuzz::` runs a short seeded version (CI); the benchmark run is
//! `FUZZ_CASES=100000 FUZZ_SEED=7 cargo test --release --test it -- --ignored fuzz_long
//! --nocapture` (cases per reader; prints the counts); `FUZZ_WORKERS` (default 2) runs
//! that many cases at once, `FUZZ_ONLY=fechner,xmatch-xray` a subset of the readers.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{CATALOGS, bin, example, refs, root, run_ok, scratch};

/// xorshift64*: a small deterministic generator, so that a failing case is
/// reproduced by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One reading path: a tool, its arguments (`{}` is the mutated file), and the real
/// file that is mutated.
struct Target {
    name: &'static str,
    tool: &'static str,
    args: Vec<String>,
    base: Vec<u8>,
}

/// Cells that readers must take or refuse cleanly.
const ODD_CELLS: &[&str] = &[
    "",
    " ",
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "+inf",
    "1e308",
    "1e309",
    "-1e309",
    "1e-320",
    "4.9e-324",
    "-0",
    "0x10",
    "1_000",
    "1e99999",
    "TRUE",
    "False",
    "\u{0661}",
    "1.5.5",
    "--1",
    "9223372036854775808",
    "-9223372036854775809",
    "\"",
    "\"\"",
    "1,2",
    "\t",
    "0",
    "-1",
    "99999999999999999999",
];

/// Splits bytes into lines (keeping nothing of the LF).
fn lines(b: &[u8]) -> Vec<Vec<u8>> {
    b.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect()
}

fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    lines.join(&b'\n')
}

fn fields(line: &[u8]) -> Vec<Vec<u8>> {
    line.split(|&c| c == b',').map(<[u8]>::to_vec).collect()
}

/// Deletes item `a` (op 0), copies it to `c` (op 1), or swaps `a` and `c`.
fn reorder<T: Clone>(v: &mut Vec<T>, op: usize, a: usize, c: usize) {
    match op {
        0 => {
            v.remove(a);
        }
        1 => {
            let x = v[a].clone();
            v.insert(c, x);
        }
        _ => v.swap(a, c),
    }
}

/// One random mutation of `b`.
fn mutate(b: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = b.to_vec();
    let mut ls = lines(b);
    let nl = ls.len();
    match rng.below(18) {
        0 => {
            for _ in 0..1 + rng.below(4) {
                if !out.is_empty() {
                    let i = rng.below(out.len());
                    out[i] = rng.next() as u8;
                }
            }
        }
        1 => out.truncate(rng.below(out.len() + 1)),
        2..=4 => {
            // delete, duplicate or swap a column in every line
            let ncol = fields(&ls[0]).len();
            let (a, c) = (rng.below(ncol), rng.below(ncol));
            let op = rng.below(3);
            for l in &mut ls {
                let mut f = fields(l);
                if a < f.len() && c < f.len() {
                    reorder(&mut f, op, a, c);
                }
                *l = f.join(&b',');
            }
            out = join(&ls);
        }
        5 => {
            // delete, duplicate or swap rows (the header included)
            let (a, c) = (rng.below(nl), rng.below(nl));
            reorder(&mut ls, rng.below(3), a, c);
            out = join(&ls);
        }
        6..=8 => {
            // an odd value or an empty cell in a random cell
            let r = 1 + rng.below(nl.saturating_sub(1).max(1));
            if r < nl {
                let mut f = fields(&ls[r]);
                let c = rng.below(f.len());
                f[c] = if rng.below(3) == 0 {
                    Vec::new()
                } else {
                    ODD_CELLS[rng.below(ODD_CELLS.len())].as_bytes().to_vec()
                };
                ls[r] = f.join(&b',');
            }
            out = join(&ls);
        }
        9 => {
            let i = rng.below(out.len() + 1);
            let bad: &[u8] = [&[0xff][..], &[0xc3], &[0xed, 0xa0, 0x80], &[0]][rng.below(4)];
            out.splice(i..i, bad.iter().copied());
        }
        10 => {
            // a very long line or cell
            let i = rng.below(out.len() + 1);
            let c = [b'1', b'x', b',', b' '][rng.below(4)];
            out.splice(i..i, std::iter::repeat_n(c, 1 << (10 + rng.below(10))));
        }
        11 => {
            let i = rng.below(out.len() + 1);
            out.insert(i, b'"');
        }
        12 => out.splice(0..0, [0xef, 0xbb, 0xbf]).for_each(drop),
        13 => {
            // a lone CR, or every LF a CR
            if rng.below(2) == 0 {
                let i = rng.below(out.len() + 1);
                out.insert(i, b'\r');
            } else {
                out.iter_mut()
                    .filter(|c| **c == b'\n')
                    .for_each(|c| *c = b'\r');
            }
        }
        14 => {
            // CR LF line ends, possibly mixed
            let all = rng.below(2) == 0;
            out = ls
                .iter()
                .map(|l| {
                    let mut l = l.clone();
                    if all || rng.below(2) == 0 {
                        l.push(b'\r');
                    }
                    l
                })
                .collect::<Vec<_>>()
                .join(&b'\n');
        }
        15 => {
            // a digit changed, or digits added: sizes, counts and offsets of the
            // VOTable and FITS headers (arraysize, NAXIS2, TFORM, TNULL) as much as values
            let digits: Vec<usize> = (0..out.len())
                .filter(|&i| out[i].is_ascii_digit())
                .collect();
            if !digits.is_empty() {
                let i = digits[rng.below(digits.len())];
                if rng.below(2) == 0 {
                    out[i] = b'0' + rng.below(10) as u8;
                } else {
                    out.splice(i..i, std::iter::repeat_n(b'9', 1 + rng.below(12)));
                }
            }
        }
        16 => {
            // a random span copied elsewhere (a repeated tag, card, block or row)
            let a = rng.below(out.len() + 1);
            let len = rng.below(out.len() - a + 1).min(1 << 12);
            let span = out[a..a + len].to_vec();
            let at = rng.below(out.len() + 1);
            out.splice(at..at, span);
        }
        _ => {
            // a header name replaced by another column's name
            let mut f = fields(&ls[0]);
            let (a, c) = (rng.below(f.len()), rng.below(f.len()));
            f[a] = f[c].clone();
            ls[0] = f.join(&b',');
            out = join(&ls);
        }
    }
    out
}

/// The first `n` lines of a file, with its final line end.
fn head(path: &Path, n: usize) -> Vec<u8> {
    let text = std::fs::read(path).unwrap();
    let mut out: Vec<u8> = lines(&text)
        .into_iter()
        .take(n)
        .collect::<Vec<_>>()
        .join(&b'\n');
    out.push(b'\n');
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The reading path of every tool, with real inputs made by the real tools from
/// the NGC 3532 example (kept small, so that a case takes milliseconds).
fn targets(dir: &Path) -> Vec<Target> {
    let field = |f: &str| example(&format!("ngc3532/{f}"));
    let s = |p: &Path| p.display().to_string();
    let per = write(dir, "per.csv", &head(&field("input/per.csv"), 60));
    let ave = write(
        dir,
        "ave.csv",
        run_ok("fechner", &[&s(&per)], None).as_bytes(),
    );
    let mut cat_args = Vec::new();
    for c in CATALOGS {
        let p = write(
            dir,
            &format!("{c}.csv"),
            &head(&field(&format!("input/{c}.csv")), 40),
        );
        cat_args.push(format!("--{c}"));
        cat_args.push(s(&p));
    }
    let mut args: Vec<&str> = cat_args.iter().map(String::as_str).collect();
    let ave_s = s(&ave);
    args.push(&ave_s);
    let mw = write(dir, "mw.csv", run_ok("xmatch", &args, None).as_bytes());
    let ebv = write(
        dir,
        "ebv.csv",
        run_ok("redden", &["--lookup", &s(&mw)], None).as_bytes(),
    );
    // a training set: every class, a few rows each (k = 4 needs 5)
    let td_all = run_ok("redden", &["--ebv", "0.3"], None);
    let mut td_lines = td_all.lines();
    let td_head = td_lines.next().unwrap().to_string();
    let class = td_head.split(',').position(|c| c == "Class").unwrap_or(1);
    let mut per_class = std::collections::HashMap::new();
    let mut td = format!("{td_head}\n");
    for l in td_lines {
        let c = l.split(',').nth(class).unwrap_or("").to_string();
        let n = per_class.entry(c).or_insert(0);
        if *n < 8 {
            *n += 1;
            td.push_str(l);
            td.push('\n');
        }
    }
    let td = write(dir, "td.csv", td.as_bytes());
    // a table's features of Monte-Carlo replica 0; returns the sampled table too
    let features_of = |table: &Path, name: &str| {
        let sampled = run_ok("mcsample", &["--seed", "1", &s(table)], None);
        let f = run_ok("features", &[], Some(sampled.as_bytes()));
        (write(dir, name, f.as_bytes()), sampled)
    };
    let (feats, sampled) = features_of(&td, "feats.csv");
    let model = dir.join("m.rf");
    let balanced = run_ok("smote", &["--seed", "1", &s(&feats)], None);
    run_ok(
        "rforest",
        &["train", "--trees", "3", "--seed", "1", "-o", &s(&model)],
        Some(balanced.as_bytes()),
    );
    let pred = run_ok(
        "rforest",
        &["predict", "--model", &s(&model), &s(&feats)],
        None,
    );
    let pred = write(dir, "pred.csv", pred.as_bytes());
    // the field's predictions and its classified table
    let (field_feats, _) = features_of(&ebv, "field_feats.csv");
    let scaled = run_ok(
        "standardize",
        &["--fit", &s(&feats), &s(&field_feats)],
        None,
    );
    let field_pred = write(
        dir,
        "field_pred.csv",
        run_ok(
            "rforest",
            &["predict", "--model", &s(&model)],
            Some(scaled.as_bytes()),
        )
        .as_bytes(),
    );
    let classified = write(
        dir,
        "classified.csv",
        run_ok("ctscore", &["--join", &s(&ebv), &s(&field_pred)], None).as_bytes(),
    );
    let read = |p: &Path| std::fs::read(p).unwrap();
    let t = |name, tool, args: &[&str], base: Vec<u8>| Target {
        name,
        tool,
        args: args.iter().map(|a| a.to_string()).collect(),
        base,
    };
    let mut xmatch_cat = cat_args.clone();
    xmatch_cat[3] = "{}".into();
    xmatch_cat.push(s(&ave));
    let xmatch_cat: Vec<&str> = xmatch_cat.iter().map(String::as_str).collect();
    let mut xmatch_x: Vec<&str> = cat_args.iter().map(String::as_str).collect();
    xmatch_x.push("{}");
    let model_s = s(&model);
    let feats_s = s(&feats);
    let mut targets = vec![
        t("fechner", "fechner", &["{}"], read(&per)),
        t("xmatch-xray", "xmatch", &xmatch_x, read(&ave)),
        t(
            "xmatch-catalog",
            "xmatch",
            &xmatch_cat,
            read(&dir.join("2mass.csv")),
        ),
        t("redden-lookup", "redden", &["--lookup", "{}"], read(&mw)),
        t("redden-ebv", "redden", &["--ebv", "0.5", "{}"], read(&td)),
        t("ebvbins", "ebvbins", &["--dir", "DIR", "{}"], read(&ebv)),
        t("mcsample", "mcsample", &["--seed", "1", "{}"], read(&ebv)),
        t("features", "features", &["{}"], sampled.into_bytes()),
        t(
            "standardize",
            "standardize",
            &["--fit", "{}", &feats_s],
            read(&feats),
        ),
        t("smote", "smote", &["--seed", "1", "{}"], read(&feats)),
        t(
            "rforest-train",
            "rforest",
            &["train", "--trees", "2", "--seed", "1", "-o", "OUT", "{}"],
            read(&feats),
        ),
        t(
            "rforest-predict",
            "rforest",
            &["predict", "--model", &model_s, "{}"],
            read(&feats),
        ),
        t(
            "rforest-model",
            "rforest",
            &["predict", "--model", "{}", &feats_s],
            read(&model),
        ),
        t("ctscore", "ctscore", &["{}"], read(&pred)),
        t(
            "ctscore-join",
            "ctscore",
            &["--join", "{}", &s(&field_pred)],
            read(&ebv),
        ),
        t("regions", "regions", &["{}"], read(&classified)),
        t("report", "report", &["{}"], read(&classified)),
    ];
    targets.extend(formats_and_shards(dir));
    targets
}

/// The reading paths of VOTable and FITS inputs (the 3FGL J1306 field as astropy
/// writes it: BINARY2 VOTables, FITS binary tables; a TABLEDATA VOTable as
/// `--format votable` writes it), of `query --sources`, of `classify` and `loocv`
/// (source table and training set), and of `ctscore --merge` shards.
fn formats_and_shards(dir: &Path) -> Vec<Target> {
    let field = |f: &str| example(&format!("3fgl_j1306/{f}"));
    let s = |p: &Path| p.display().to_string();
    let read = |p: &Path| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let t = |name, tool, args: &[String], base: Vec<u8>| Target {
        name,
        tool,
        args: args.to_vec(),
        base,
    };
    let per = s(&field("input/per.csv"));
    let ave = write(
        dir,
        "j1306_ave.csv",
        run_ok("fechner", &[&per], None).as_bytes(),
    );
    let ave_vot = run_ok("fechner", &["--format", "votable", &per], None);
    // xmatch with the field's CSV catalogs, one of them (`--<cat> {}`) or the X-ray
    // table (`{}` last) replaced by the mutated file
    let xmatch = |mutated: Option<&str>| -> Vec<String> {
        let mut args = Vec::new();
        for c in CATALOGS {
            args.push(format!("--{c}"));
            args.push(if mutated == Some(c) {
                "{}".to_string()
            } else {
                s(&field(&format!("input/{c}.csv")))
            });
        }
        args.push(if mutated.is_some() {
            s(&ave)
        } else {
            "{}".into()
        });
        args
    };
    let a = |v: &[&str]| -> Vec<String> { v.iter().map(|x| x.to_string()).collect() };
    // a raw training set of 6 sources per class, and a table of 12 sources
    let td_all = std::fs::read_to_string(root().join("common/data/td_2941.csv")).unwrap();
    let mut td_lines = td_all.lines();
    let td_head = td_lines.next().unwrap();
    let class = td_head.split(',').position(|c| c == "True_Class").unwrap();
    let mut per_class = std::collections::HashMap::new();
    let mut td = format!("{td_head}\n");
    for l in td_lines {
        let n = per_class
            .entry(l.split(',').nth(class).unwrap_or("").to_string())
            .or_insert(0);
        if *n < 6 {
            *n += 1;
            td.push_str(l);
            td.push('\n');
        }
    }
    let td = write(dir, "td_raw.csv", td.as_bytes());
    let sources = write(
        dir,
        "sources.csv",
        &head(&example("hess/hess_fields.csv"), 13),
    );
    let quick = ["--mc", "2", "--trees", "3", "--quiet", "--training-set"];
    let classify = |table: &str| -> Vec<String> {
        let mut v = a(&quick);
        v.extend([s(&td), table.to_string()]);
        v
    };
    let mut loocv = a(&quick);
    loocv.extend([s(&td), "--limit".into(), "4".into()]);
    // shards of a classify run and of a LOOCV, the second of three mutated
    let shards = |tool: &str, args: &[String], stem: &str| -> Vec<String> {
        (1..=3)
            .map(|i| {
                let p = s(&dir.join(format!("{stem}{i}.csv")));
                let mut v = args.to_vec();
                v.extend(["--shard".into(), format!("{i}/3"), "-o".into(), p.clone()]);
                run_ok(tool, &refs(&v), None);
                p
            })
            .collect()
    };
    let c_shards = shards("classify", &classify(&s(&sources)), "cshard");
    let l_shards = shards("loocv", &loocv.clone(), "lshard");
    let merge = |sh: &[String], extra: &[String]| -> Vec<String> {
        let mut v = a(&["--merge", &sh[0], "{}", &sh[2]]);
        v.extend(extra.iter().cloned());
        v
    };
    let mut loocv_td = a(&["--mc", "2", "--trees", "3", "--quiet", "--limit", "4"]);
    loocv_td.extend(["--training-set".into(), "{}".into()]);
    vec![
        t(
            "fechner-votable",
            "fechner",
            &a(&["{}"]),
            read(&field("votable/per.vot")),
        ),
        t(
            "fechner-fits",
            "fechner",
            &a(&["{}"]),
            read(&field("fits/per.fits")),
        ),
        t(
            "xmatch-catalog-votable",
            "xmatch",
            &xmatch(Some("gaia")),
            read(&field("votable/gaia.vot")),
        ),
        t(
            "xmatch-catalog-fits",
            "xmatch",
            &xmatch(Some("2mass")),
            read(&field("fits/2mass.fits")),
        ),
        t(
            "xmatch-xray-votable",
            "xmatch",
            &xmatch(None),
            ave_vot.into_bytes(),
        ),
        t(
            "query-sources",
            "query",
            &a(&["--sources", "{}", "--dir", "DIR"]),
            read(&sources),
        ),
        t("classify", "classify", &classify("{}"), read(&sources)),
        t(
            "classify-training-set",
            "classify",
            &a(&[
                "--mc",
                "2",
                "--trees",
                "3",
                "--quiet",
                "--training-set",
                "{}",
                &s(&sources),
            ]),
            read(&td),
        ),
        t("loocv-training-set", "loocv", &loocv_td, read(&td)),
        t(
            "ctscore-merge-classify",
            "ctscore",
            &merge(&c_shards, &a(&["--join", &s(&sources)])),
            read(Path::new(&c_shards[1])),
        ),
        t(
            "ctscore-merge-loocv",
            "ctscore",
            &merge(&l_shards, &[]),
            read(Path::new(&l_shards[1])),
        ),
    ]
}

/// What one case gave, when it broke the rule.
fn check(target: &Target, input: &Path, dir: &Path, limit: Duration) -> Result<(), String> {
    let args: Vec<String> = target
        .args
        .iter()
        .map(|a| match a.as_str() {
            "{}" => input.display().to_string(),
            "DIR" => dir.join("bins").display().to_string(),
            "OUT" => dir.join("out.rf").display().to_string(),
            _ => a.clone(),
        })
        .collect();
    let mut child = Command::new(bin(target.tool))
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no answer within {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let mut err = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    // a message quoting a mutated cell of megabytes is cut for the report
    if err.len() > 2000 {
        let cut = (0..=2000)
            .rev()
            .find(|&i| err.is_char_boundary(i))
            .unwrap_or(0);
        err.replace_range(cut.., "…");
    }
    match status.code() {
        Some(0) => Ok(()),
        Some(2) => {
            let msg = err.trim_end_matches('\n');
            let file = input.display().to_string();
            if msg.contains('\n') || !msg.starts_with(&format!("{}: ", target.tool)) {
                Err(format!("not one line: {err:?}"))
            } else if !msg.contains(&file) && !msg.contains("model") {
                Err(format!("does not name the file: {msg}"))
            } else {
                Ok(())
            }
        }
        other => Err(format!("exit {other:?}: {err}")),
    }
}

/// Runs `cases` mutated inputs per reader on `workers` threads, for the readers named
/// in `only` (all when empty); returns the failures.
fn fuzz(cases: usize, seed: u64, limit: Duration, workers: usize, only: &[&str]) -> Vec<String> {
    let dir = scratch("fuzz");
    let targets = targets(&dir);
    let mut failures = Vec::new();
    for (t, target) in targets.iter().enumerate() {
        if !only.is_empty() && !only.contains(&target.name) {
            continue;
        }
        let start = Instant::now();
        let found: Vec<String> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..workers)
                .map(|w| {
                    let (dir, target) = (&dir, target);
                    scope.spawn(move || {
                        let wdir = dir.join(format!("{}-{w}", target.name));
                        std::fs::create_dir_all(&wdir).unwrap();
                        let mut out = Vec::new();
                        for case in (w..cases).step_by(workers) {
                            let case_seed = seed ^ ((t as u64) << 48) ^ case as u64;
                            let mut rng = Rng(case_seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
                            let mut bytes = target.base.clone();
                            if target.name == "rforest-model" && rng.below(4) == 0 {
                                // a random model file
                                bytes = (0..rng.below(4096)).map(|_| rng.next() as u8).collect();
                            } else {
                                for _ in 0..1 + rng.below(3) {
                                    bytes = mutate(&bytes, &mut rng);
                                }
                            }
                            let input = wdir.join("input.csv");
                            std::fs::File::create(&input)
                                .and_then(|mut f| f.write_all(&bytes))
                                .unwrap();
                            if let Err(e) = check(target, &input, &wdir, limit) {
                                let keep = wdir.join(format!("fail-{case_seed:x}.csv"));
                                let _ = std::fs::rename(&input, &keep);
                                out.push(format!(
                                    "{} case seed {case_seed:#x} ({}): {e}",
                                    target.name,
                                    keep.display()
                                ));
                            }
                        }
                        out
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect()
        });
        eprintln!(
            "fuzz {}: {cases} cases, {} failures, {:.1} s",
            target.name,
            found.len(),
            start.elapsed().as_secs_f64()
        );
        failures.extend(found);
    }
    if failures.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    failures
}

fn report(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// What the long run found: a line break inside a VOTable attribute or cell was
/// quoted into the message, which then took two lines.
#[test]
fn line_breaks_in_quoted_values_stay_on_one_line() {
    let dir = scratch("fuzz-regressions");
    let field = |f: &str| example(&format!("3fgl_j1306/{f}")).display().to_string();
    let ave = dir.join("ave.csv");
    std::fs::write(&ave, run_ok("fechner", &[&field("input/per.csv")], None)).unwrap();
    let gaia = std::fs::read_to_string(field("votable/gaia.vot")).unwrap();
    let broken = dir.join("gaia.vot");
    std::fs::write(
        &broken,
        gaia.replacen("datatype=\"double\"", "datatype=\"doubl\n\"", 1),
    )
    .unwrap();
    let vot = run_ok(
        "fechner",
        &["--format", "votable", &field("input/per.csv")],
        None,
    );
    let i = vot.find("<TD>-").expect("a negative cell") + 6;
    let xray = dir.join("ave.vot");
    std::fs::write(&xray, format!("{}\n{}", &vot[..i], &vot[i..])).unwrap();
    for (args, file) in [
        (
            vec!["--gaia", broken.to_str().unwrap(), ave.to_str().unwrap()],
            &broken,
        ),
        (
            vec!["--gaia", &field("input/gaia.csv"), xray.to_str().unwrap()],
            &xray,
        ),
    ] {
        let out = crate::util::run("xmatch", &args, None);
        assert_eq!(out.status, 2, "{}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(
            out.stderr.contains(file.to_str().unwrap()),
            "{}",
            out.stderr
        );
    }
}

/// The seeded short run for CI: every reader, a few hundred cases each.
#[test]
fn fuzz_every_reader_seeded() {
    report(&fuzz(120, 11, Duration::from_secs(20), 2, &[]));
}

/// The benchmark run (see the module doc): FUZZ_CASES per reader.
#[test]
#[ignore]
fn fuzz_long() {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let cases = env("FUZZ_CASES", 100_000) as usize;
    let workers = env("FUZZ_WORKERS", 2) as usize;
    let only = std::env::var("FUZZ_ONLY").unwrap_or_default();
    let only: Vec<&str> = only.split(',').filter(|n| !n.is_empty()).collect();
    report(&fuzz(
        cases,
        env("FUZZ_SEED", 7),
        Duration::from_secs(30),
        workers.max(1),
        &only,
    ));
}
