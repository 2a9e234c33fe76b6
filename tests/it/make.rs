//! The Makefile sees every option that changes an output: changing one reruns exactly
//! the steps that depend on it, and a step reruns when a program it runs changed, not
//! when another one did. Each test runs the real Makefile on the smallest example field
//! (3fgl_j1306, 16 sources) or a few training sources, with few replicas and trees,
//! and tells what reran by the outputs' modification times.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::util::*;

/// A scratch work area: a copy of the 3fgl_j1306 inputs, a tool directory of links to
/// the built tools (a tool can be replaced by a copy to be "rebuilt"), and the outputs.
pub struct Job {
    pub dir: PathBuf,
}

impl Job {
    pub fn new(name: &str) -> Job {
        Job::with_field(name, "3fgl_j1306")
    }

    /// A job with the inputs of another example field (give `FIELD=` to make).
    pub fn with_field(name: &str, field: &str) -> Job {
        let dir = scratch(&format!("make-{name}"));
        let input = dir.join(format!("examples/{field}/input"));
        std::fs::create_dir_all(&input).unwrap();
        for entry in std::fs::read_dir(example(&format!("{field}/input"))).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), input.join(entry.file_name())).unwrap();
        }
        let tools = dir.join("bin");
        std::fs::create_dir_all(&tools).unwrap();
        for tool in TOOLS {
            std::os::unix::fs::symlink(bin(tool), tools.join(tool)).unwrap();
        }
        Job { dir }
    }

    pub fn out(&self) -> PathBuf {
        self.dir.join("out")
    }

    /// `make` with the job's directories, the quick defaults of the tests, and `extra`
    /// (later assignments win); fails the test if make fails.
    pub fn make(&self, extra: &[&str]) -> std::process::Output {
        let out = self.run_make(extra);
        assert!(
            out.status.success(),
            "make {extra:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    pub fn run_make(&self, extra: &[&str]) -> std::process::Output {
        self.command(extra)
            .output()
            .expect("make is needed for the Makefile tests")
    }

    /// The make command of [`Job::make`], to be started by the caller.
    pub fn command(&self, extra: &[&str]) -> Command {
        let mut make = Command::new("make");
        make.arg("-C")
            .arg(root())
            .arg(format!("WORK={}", self.out().display()))
            .arg(format!("EXAMPLES={}", self.dir.join("examples").display()))
            .arg(format!("BIN={}", self.dir.join("bin").display()))
            .args(["BUILD=0", "FIELD=3fgl_j1306", "MC=2", "TREES=10", "SEED=5"])
            .args(extra);
        make
    }

    /// Whether `make -q TARGET` says the target is up to date.
    pub fn up_to_date(&self, target: &str, extra: &[&str]) -> bool {
        let out = self.run_make(&[&["-q", target], extra].concat());
        out.status.code() == Some(0)
    }

    /// "Rebuilds" a tool: replaces its link by a copy with a new modification time, as
    /// cargo does when it relinks a tool.
    pub fn rebuild(&self, tool: &str) {
        let path = self.dir.join("bin").join(tool);
        std::fs::remove_file(&path).unwrap();
        std::fs::copy(bin(tool), &path).unwrap();
    }

    /// Modification time of every output file (option stamps aside), by path under out/.
    pub fn times(&self) -> BTreeMap<String, SystemTime> {
        let mut times = BTreeMap::new();
        collect_times(&self.out(), &self.out(), &mut times);
        times
    }

    /// Runs make and returns the outputs it wrote (new, or with a new time).
    pub fn rerun(&self, extra: &[&str]) -> BTreeSet<String> {
        let before = self.times();
        self.make(extra);
        self.times()
            .into_iter()
            .filter(|(path, time)| before.get(path) != Some(time))
            .map(|(path, _)| path)
            .collect()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.out().join(rel)).unwrap()
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn collect_times(root: &Path, dir: &Path, times: &mut BTreeMap<String, SystemTime>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_times(root, &path, times);
        } else if !path.to_string_lossy().ends_with(".opts") {
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            times.insert(rel, std::fs::metadata(&path).unwrap().modified().unwrap());
        }
    }
}

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

/// The outputs of a field that match a predicate on their path under out/<field>/.
fn outputs(times: &BTreeMap<String, SystemTime>, keep: impl Fn(&str) -> bool) -> BTreeSet<String> {
    times.keys().filter(|p| keep(p)).cloned().collect()
}

const FIELD: &str = "3fgl_j1306/";

/// A replica's predictions: `<field>/b<bin>/r<replica>.csv`.
pub fn is_replica(path: &str) -> bool {
    let mut parts = path.rsplit('/');
    let numbered = |part: Option<&str>, prefix: char, suffix: &str| {
        part.and_then(|p| p.strip_prefix(prefix))
            .and_then(|p| p.strip_suffix(suffix))
            .is_some_and(|n| n.parse::<u32>().is_ok())
    };
    numbered(parts.next(), 'r', ".csv") && numbered(parts.next(), 'b', "")
}

/// The classified table of a field and what is made from it: its page and regions.
pub fn field_tables(field: &str) -> BTreeSet<String> {
    [
        "classified.csv",
        "classified.html",
        "classified.reg",
        "classified_ct.reg",
    ]
    .iter()
    .map(|f| format!("{field}/{f}"))
    .collect()
}

/// The replica files, their concatenation and the field's tables: what the options
/// of the replica step rerun.
fn replica_step(job: &Job) -> BTreeSet<String> {
    let mut step = outputs(&job.times(), is_replica);
    step.insert(format!("{FIELD}replicas.csv"));
    step.extend(field_tables("3fgl_j1306"));
    step
}

/// Rows of a table (16 sources per replica in 3fgl_j1306).
fn rows(table: &str) -> usize {
    Csv::parse(table).rows.len()
}

#[test]
fn each_option_of_the_pipe_path_reruns_exactly_its_steps() {
    let job = Job::new("pipe");
    job.make(&["field"]);
    let classified = format!("{FIELD}classified.csv");
    let base = job.read(&classified);
    let target = job.out().join(&classified).display().to_string();
    assert!(job.up_to_date(&target, &[]));
    assert!(job.rerun(&["field"]).is_empty(), "a second make reran");
    let replicas = replica_step(&job);
    assert_eq!(
        outputs(&job.times(), is_replica).len(),
        2 * outputs(&job.times(), |p| p.ends_with("/td.csv")).len()
    );
    assert_eq!(rows(&job.read(&format!("{FIELD}replicas.csv"))), 2 * 16);

    // The options of the forest, SMOTE and the sampling rerun every replica and
    // nothing before them; each changes the classification, which comes back with
    // the options.
    for option in ["SEED=6", "TREES=7", "K=3", "ERROR_SCALE=1.5"] {
        assert!(!job.up_to_date(&target, &[option]), "{option}");
        assert_eq!(job.rerun(&[option]), replicas, "{option}");
        assert_ne!(job.read(&classified), base, "{option} changed nothing");
    }
    assert_eq!(job.rerun(&[]), replicas);
    assert_eq!(job.read(&classified), base);

    // `make MC=1` after `make MC=2`: the first replica is reused, the table holds it
    // alone; back to two, only the aggregate is remade.
    let mut aggregate = set(&[&format!("{FIELD}replicas.csv")]);
    aggregate.extend(field_tables("3fgl_j1306"));
    assert_eq!(job.rerun(&["MC=1"]), aggregate);
    assert_eq!(rows(&job.read(&format!("{FIELD}replicas.csv"))), 16);
    assert_ne!(job.read(&classified), base);
    assert_eq!(job.rerun(&[]), aggregate);
    assert_eq!(rows(&job.read(&format!("{FIELD}replicas.csv"))), 2 * 16);
    assert_eq!(job.read(&classified), base);

    // A rebuilt tool reruns the steps that run it and no other.
    job.rebuild("ctscore");
    assert_eq!(job.rerun(&[]), field_tables("3fgl_j1306"));
    job.rebuild("report");
    assert_eq!(job.rerun(&[]), set(&[&format!("{FIELD}classified.html")]));
    // The CT cut of the page and regions.
    let pictures = &field_tables("3fgl_j1306") - &set(&[&classified]);
    assert_eq!(job.rerun(&["CT_CUT=3"]), pictures);
    assert_eq!(job.rerun(&[]), pictures);
    job.rebuild("plot");
    job.rebuild("loocv");
    assert!(job.rerun(&[]).is_empty());
    job.rebuild("smote");
    assert_eq!(job.rerun(&[]), replicas);
    job.rebuild("xmatch");
    let rerun = job.rerun(&[]);
    assert!(rerun.contains(&format!("{FIELD}mw.csv")), "{rerun:?}");
    assert!(!rerun.contains(&format!("{FIELD}ave.csv")), "{rerun:?}");

    // A swapped command is an option: the same tool through another path.
    let rforest = format!("RFOREST={}", bin("rforest").display());
    assert_eq!(job.rerun(&[&rforest]), replica_step(&job));
    assert_eq!(job.read(&classified), base);
}

#[test]
fn bin_width_and_training_set_rerun_their_steps_in_both_paths() {
    let job = Job::new("bins");
    job.make(&["field"]);
    job.make(&["fused"]);
    let classified = format!("{FIELD}classified.csv");
    let fused = format!("{FIELD}classified-fused.csv");
    let base = job.read(&classified);
    assert_eq!(job.read(&fused), base);

    // Wider E(B-V) bins: the E(B-V) table, the bins and all that follows, not the
    // cross-match; the fused path follows with the same bytes.
    let rerun = job.rerun(&["BIN_WIDTH=0.1", "field"]);
    for step in [
        "ebv.csv",
        "bins.csv",
        "bins.mk",
        "replicas.csv",
        "classified.csv",
    ] {
        assert!(
            rerun.contains(&format!("{FIELD}{step}")),
            "{step}: {rerun:?}"
        );
    }
    assert!(!rerun.contains(&format!("{FIELD}mw.csv")));
    assert!(!rerun.contains(&fused));
    let wide = job.read(&classified);
    assert_ne!(wide, base);
    let bins = Csv::parse(&wide);
    assert!((0..bins.rows.len()).all(|i| {
        let ebv = bins.num(i, "ebv").unwrap();
        bins.text(i, "ebv_bin") == format!("{}", (ebv / 0.1).floor())
    }));
    assert_eq!(job.rerun(&["BIN_WIDTH=0.1", "fused"]), set(&[&fused]));
    assert_eq!(job.read(&fused), wide);
    job.make(&["field"]);
    job.make(&["fused"]);
    assert_eq!(job.read(&classified), base);

    // Another training set (the published one less its first 40 sources): the bins'
    // training sets and the replicas rerun, not the E(B-V) of the field.
    let td = std::fs::read_to_string(root().join("common/data/td_2941.csv")).unwrap();
    let mut lines = td.lines();
    let header = lines.next().unwrap();
    let smaller: String = std::iter::once(header)
        .chain(lines.skip(40))
        .map(|l| format!("{l}\n"))
        .collect();
    let smaller_path = job.dir.join("td_2901.csv");
    std::fs::write(&smaller_path, smaller).unwrap();
    let training_set = format!("TRAINING_SET={}", smaller_path.display());
    let rerun = job.rerun(&[&training_set, "field"]);
    // The training sets and replicas of the present bins (those of the wider bins stay
    // on disk, unused).
    let bins = Csv::parse(&job.read(&format!("{FIELD}bins.csv")));
    let mut step = set(&[&format!("{FIELD}replicas.csv")]);
    step.extend(field_tables("3fgl_j1306"));
    for i in 0..bins.rows.len() {
        for file in ["td.csv", "r0.csv", "r1.csv"] {
            step.insert(format!("{FIELD}b{}/{file}", bins.text(i, "bin")));
        }
    }
    assert_eq!(rerun, step);
    assert!(!rerun.contains(&format!("{FIELD}ebv.csv")));
    let other = job.read(&classified);
    assert_ne!(other, base);
    assert_eq!(job.rerun(&[&training_set, "fused"]), set(&[&fused]));
    assert_eq!(job.read(&fused), other);

    // Its content is what make sees too: edited in place, the same path reruns.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(&smaller_path, &td).unwrap();
    let rerun = job.rerun(&[&training_set, "fused"]);
    assert_eq!(rerun, set(&[&fused]));
    assert_eq!(job.read(&fused), base);

    // The fused path's own options.
    for option in ["SEED=6", "MC=1", "TREES=7", "K=3", "ERROR_SCALE=1.5"] {
        assert_eq!(
            job.rerun(&[&training_set, option, "fused"]),
            set(&[&fused]),
            "{option}"
        );
        assert_ne!(job.read(&fused), base, "{option}");
    }
}

#[test]
fn make_classify_reruns_when_its_table_or_options_change() {
    let job = Job::new("classify");
    let hess = std::fs::read_to_string(example("hess/hess_fields.csv")).unwrap();
    let table: String = hess.lines().take(7).map(|l| format!("{l}\n")).collect();
    let input = job.dir.join("six.csv");
    std::fs::write(&input, &table).unwrap();
    let in_opt = format!("IN={}", input.display());
    let out_opt = format!("OUT={}", job.out().join("six/classified.csv").display());
    let args = [in_opt.as_str(), out_opt.as_str(), "classify"];
    let classified = set(&["six/classified.csv"]);
    assert_eq!(job.rerun(&args), classified);
    let base = job.read("six/classified.csv");
    assert_eq!(Csv::parse(&base).rows.len(), 6);
    assert!(job.rerun(&args).is_empty());
    assert!(job.up_to_date("classify", &args[..2]));

    job.rebuild("rforest");
    assert!(job.rerun(&args).is_empty(), "classify does not run rforest");
    job.rebuild("classify");
    assert_eq!(job.rerun(&args), classified);
    assert_eq!(job.read("six/classified.csv"), base);

    for option in ["MC=1", "SEED=6", "BIN_WIDTH=0.1"] {
        assert_eq!(
            job.rerun(&[&args[..], &[option]].concat()),
            classified,
            "{option}"
        );
        assert_ne!(job.read("six/classified.csv"), base, "{option}");
    }
    // A summary option changes no output.
    assert!(
        job.rerun(&[&args[..], &["BIN_WIDTH=0.1", "CT_CUT=3"]].concat())
            .is_empty()
    );

    // Another input table: its path, then its content.
    let five = job.dir.join("five.csv");
    let first_five: String = hess.lines().take(6).map(|l| format!("{l}\n")).collect();
    std::fs::write(&five, &first_five).unwrap();
    let other_in = format!("IN={}", five.display());
    assert_eq!(job.rerun(&[&other_in, &out_opt, "classify"]), classified);
    assert_eq!(Csv::parse(&job.read("six/classified.csv")).rows.len(), 5);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(&five, &table).unwrap();
    assert_eq!(job.rerun(&[&other_in, &out_opt, "classify"]), classified);
    assert_eq!(job.read("six/classified.csv"), base);
}

#[test]
fn loocv_metrics_and_figures_rerun_only_what_an_option_or_tool_touches() {
    let job = Job::new("loocv");
    let quick = ["LOOCV_MC=1", "LOOCV_LIMIT=24"];
    let make = |extra: &[&str]| job.rerun(&[&quick[..], extra].concat());
    let all = make(&["loocv", "figures"]);
    let loocv = set(&["td/loocv.csv", "td/loocv-replicas.csv"]);
    let metrics = set(&["td/metrics.json"]);
    let importances = set(&["td/importances.csv", "figures/importances.svg"]);
    assert!(loocv.is_subset(&all) && metrics.is_subset(&all) && importances.is_subset(&all));
    let figures = outputs(&job.times(), |p| p.starts_with("figures/"));
    assert!(figures.len() >= 4, "{figures:?}");
    let loocv_figures: BTreeSet<String> = figures
        .iter()
        .filter(|p| !p.ends_with("importances.svg"))
        .cloned()
        .collect();
    assert!(make(&["loocv", "figures"]).is_empty());
    let metrics_json = job.read("td/metrics.json");
    let json: serde_json::Value = serde_json::from_str(&metrics_json).unwrap();
    assert!(json.is_object(), "{metrics_json}");

    // The CT cut: the metrics and the confusion matrices, not LOOCV.
    let rerun = make(&["CT_CUT=3", "loocv", "figures"]);
    let confusion: BTreeSet<String> = figures
        .iter()
        .filter(|p| p.starts_with("figures/confusion"))
        .cloned()
        .collect();
    assert!(!confusion.is_empty());
    assert_eq!(rerun, &metrics | &confusion);
    assert_ne!(job.read("td/metrics.json"), metrics_json);

    // The source of the replica figure: that figure only, and back.
    let source = Csv::parse(&job.read("td/loocv.csv"))
        .text(3, "CSCv2_name")
        .to_string();
    let fig_source = format!("FIG_SOURCE={source}");
    let replicas_svg = set(&["figures/replicas.svg"]);
    assert_eq!(make(&["CT_CUT=3", &fig_source, "figures"]), replicas_svg);
    assert_eq!(make(&["CT_CUT=3", "figures"]), replicas_svg);

    // A rebuilt plot: the figures, not LOOCV; other tools: nothing; ctscore: the metrics.
    let keep = ["CT_CUT=3", "loocv", "figures"];
    job.rebuild("plot");
    assert_eq!(make(&keep), figures);
    job.rebuild("fechner");
    job.rebuild("classify");
    assert!(make(&keep).is_empty());
    job.rebuild("ctscore");
    assert_eq!(make(&keep), metrics);

    // LOOCV's own options rerun it and what reads it.
    for option in ["LOOCV_LIMIT=16", "LOOCV_MC=2"] {
        let rerun = make(&[&keep[..], &[option]].concat());
        assert_eq!(rerun, &(&loocv | &metrics) | &loocv_figures, "{option}");
    }
    // The seed also reruns the importances' forest.
    let rerun = make(&[&keep[..], &["LOOCV_MC=2", "SEED=6"]].concat());
    assert_eq!(rerun, &(&(&loocv | &metrics) | &figures) | &importances);
}
