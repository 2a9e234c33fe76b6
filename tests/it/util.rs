//! Running the tools from tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The project root (where `examples/` and `common/data/` are).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn example(rel: &str) -> PathBuf {
    root().join("examples").join(rel)
}

/// Every tool binary: `TOOLS` lists them, `bin` finds one (one line per tool).
macro_rules! tools {
    ($($name:literal),* $(,)?) => {
        pub const TOOLS: &[&str] = &[$($name),*];

        pub fn bin(tool: &str) -> PathBuf {
            match tool {
                $($name => env!(concat!("CARGO_BIN_EXE_", $name)).into(),)*
                other => panic!("unknown tool {other}"),
            }
        }
    };
}

tools!(
    "fechner",
    "xmatch",
    "redden",
    "mcsample",
    "features",
    "standardize",
    "smote",
    "rforest",
    "ctscore",
    "loocv",
    "classify",
    "plot",
    "ebvbins",
    "synth",
    "regions",
    "report",
    "query",
);

/// The directory of the tool binaries.
/// The counterpart catalogs of the example fields, as `xmatch` flags and file names
/// (`examples/<field>/input/<cat>.csv`).
pub const CATALOGS: [&str; 5] = ["gaia", "2mass", "allwise", "catwise", "unwise"];

/// The `xmatch` arguments of an example field's catalogs: `--<cat> <file>` for each.
pub fn catalog_args(field: &str) -> Vec<String> {
    CATALOGS
        .iter()
        .flat_map(|c| {
            let file = example(&format!("{field}/input/{c}.csv"));
            [format!("--{c}"), file.display().to_string()]
        })
        .collect()
}

/// An example field from its raw inputs through `fechner | xmatch` (every catalog): a
/// table in the paper's columns.
pub fn crossmatched(field: &str) -> String {
    let per = example(&format!("{field}/input/per.csv"));
    let ave = run_ok("fechner", &[per.to_str().unwrap()], None);
    run_ok("xmatch", &refs(&catalog_args(field)), Some(ave.as_bytes()))
}

pub fn bin_dir() -> PathBuf {
    bin("fechner").parent().unwrap().to_path_buf()
}

/// A fresh, empty scratch directory of its own for each call (named after the test,
/// this process and a counter, so that tests running in parallel never share one).
pub fn scratch(test: &str) -> PathBuf {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("it-{test}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// What a tool run gave.
pub struct Output {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a tool with arguments and optional standard input.
pub fn run(tool: &str, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(bin(tool))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {tool}: {e}"));
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        // Feed stdin from a thread so that a large output cannot deadlock the pipe.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let out = child.wait_with_output().unwrap();
    Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs a tool that must succeed; returns its standard output.
pub fn run_ok(tool: &str, args: &[&str], stdin: Option<&[u8]>) -> String {
    let out = run(tool, args, stdin);
    assert_eq!(out.status, 0, "{tool} {args:?} failed: {}", out.stderr);
    out.stdout
}

/// A CSV text parsed into a header and rows of cells.
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    pub fn parse(text: &str) -> Csv {
        let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let header = r
            .headers()
            .unwrap()
            .iter()
            .map(|s| s.trim().to_string())
            .collect();
        let rows = r
            .records()
            .map(|rec| rec.unwrap().iter().map(|s| s.to_string()).collect())
            .collect();
        Csv { header, rows }
    }

    pub fn read(path: &Path) -> Csv {
        Csv::parse(
            &std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        )
    }

    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    /// A cell as a number, `None` when empty.
    pub fn num(&self, row: usize, name: &str) -> Option<f64> {
        let cell = self.rows[row][self.col(name)].trim();
        if cell.is_empty() || cell.eq_ignore_ascii_case("nan") {
            None
        } else {
            Some(cell.parse().unwrap_or_else(|_| panic!("{name}: '{cell}'")))
        }
    }

    pub fn text(&self, row: usize, name: &str) -> &str {
        self.rows[row][self.col(name)].trim()
    }
}

/// Relative agreement of two optional numbers (both missing agrees).
pub fn close(a: Option<f64>, b: Option<f64>, rel: f64) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x == y || (x - y).abs() <= rel * x.abs().max(y.abs()),
        _ => false,
    }
}

/// A fresh directory for one test (removed first if a previous run left it).
pub fn tempdir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("muwclass-it-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Borrowed arguments for [`run`].
pub fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}
