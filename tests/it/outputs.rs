//! The outputs people look at, checked on a real classification of the 3FGL J1306
//! field: the DS9 region files (parsed by astropy's `regions`, an independent DS9
//! parser) and the HTML report (opened in a real headless Chromium).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::util::*;

/// The 3FGL J1306 field classified from its raw inputs (fechner | xmatch | classify),
/// with few replicas and trees: a real table of the project's own making.
fn classified() -> &'static Path {
    static TABLE: OnceLock<PathBuf> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mw = crossmatched("3fgl_j1306");
        let out = scratch("outputs").join("classified.csv");
        run_ok(
            "classify",
            &[
                "--mc",
                "4",
                "--trees",
                "20",
                "--seed",
                "3",
                "--quiet",
                "-o",
                out.to_str().unwrap(),
            ],
            Some(mw.as_bytes()),
        );
        out
    })
}

/// The class colours of the region files and the page (classes::CLASS_COLORS).
fn color_of(class: &str) -> &'static str {
    match class {
        "AGN" => "#1f77b4",
        "CV" => "#ff7f0e",
        "HM-STAR" => "#2ca02c",
        "HMXB" => "#d62728",
        "LM-STAR" => "#9467bd",
        "LMXB" => "#8c564b",
        "NS" => "#e377c2",
        "YSO" => "#17becf",
        other => panic!("unknown class {other}"),
    }
}

/// One region line: name (from the comment before it), ra, dec, radius in arcsec,
/// colour, label, tag.
struct Region {
    name: String,
    ra: f64,
    dec: f64,
    r: f64,
    color: String,
    text: String,
    tag: String,
}

/// Parses our DS9 output strictly: the header lines, then for each source a comment
/// with its name and a circle line; anything else fails.
fn parse_regions(text: &str) -> Vec<Region> {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "# Region file format: DS9 version 4.1");
    assert!(lines[1].starts_with("# MUWCLASS classification of "));
    assert!(lines[2].starts_with("global color=green "));
    assert_eq!(lines[3], "icrs");
    assert_eq!((lines.len() - 4) % 2, 0, "a name and a region per source");
    lines[4..]
        .chunks(2)
        .map(|pair| {
            let name = pair[0]
                .strip_prefix("# ")
                .expect("name comment")
                .to_string();
            let (shape, props) = pair[1].split_once(" # ").expect("properties");
            let args = shape
                .strip_prefix("circle(")
                .and_then(|s| s.strip_suffix("\")"))
                .unwrap_or_else(|| panic!("not a circle in arcsec: {shape}"));
            let v: Vec<f64> = args.split(',').map(|x| x.parse().unwrap()).collect();
            assert_eq!(v.len(), 3);
            let prop = |key: &str, open: &str, close: &str| -> String {
                let at = props.find(&format!("{key}={open}")).unwrap() + key.len() + 1 + open.len();
                let end = if close.is_empty() {
                    props[at..].find(' ').map_or(props.len(), |e| at + e)
                } else {
                    at + props[at..].find(close).unwrap()
                };
                props[at..end].to_string()
            };
            Region {
                name,
                ra: v[0],
                dec: v[1],
                r: v[2],
                color: prop("color", "", ""),
                text: prop("text", "{", "}"),
                tag: prop("tag", "{", "}"),
            }
        })
        .collect()
}

#[test]
fn region_files_of_a_classified_field() {
    let table = classified();
    let dir = scratch("outputs");
    let (all, ct) = (dir.join("field.reg"), dir.join("field_ct2.reg"));
    run_ok(
        "regions",
        &[
            table.to_str().unwrap(),
            "-o",
            all.to_str().unwrap(),
            "--confident",
            ct.to_str().unwrap(),
        ],
        None,
    );
    let t = Csv::read(table);
    let regions = parse_regions(&std::fs::read_to_string(&all).unwrap());
    assert_eq!(regions.len(), t.rows.len(), "one region per source");
    for (i, r) in regions.iter().enumerate() {
        assert_eq!(r.name, t.text(i, "CSCv2_name"));
        assert_eq!(Some(r.ra), t.num(i, "CSCv2_RA"));
        assert_eq!(Some(r.dec), t.num(i, "CSCv2_DEC"));
        assert_eq!(
            Some(r.r),
            t.num(i, "CSCv2_PU"),
            "radius is the PU in arcsec"
        );
        let class = t.text(i, "Class");
        let ct = t.num(i, "CT").unwrap();
        assert_eq!(r.color, color_of(class));
        assert_eq!(r.text, format!("{class} CT={ct:.2}"));
        assert_eq!(r.tag, class);
    }
    // The second file: exactly the sources with CT >= 2, in table order.
    let confident: Vec<&str> = (0..t.rows.len())
        .filter(|&i| t.num(i, "CT").unwrap() >= 2.0)
        .map(|i| t.text(i, "CSCv2_name"))
        .collect();
    let ct_regions = parse_regions(&std::fs::read_to_string(&ct).unwrap());
    let names: Vec<&str> = ct_regions.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, confident);
    assert!(
        !confident.is_empty() && confident.len() < t.rows.len(),
        "the field should have confident and unconfident sources: {} of {}",
        confident.len(),
        t.rows.len()
    );

    // astropy's DS9 parser reads the same circles, radii, colours and labels.
    let script = r#"
import sys, warnings
warnings.simplefilter('error')  # a line the parser skips is a failure
from regions import Regions
for r in Regions.read(sys.argv[1], format='ds9'):
    c = r.center.icrs
    print(type(r).__name__, repr(c.ra.deg), repr(c.dec.deg), repr(r.radius.to('arcsec').value),
          r.visual['edgecolor'], r.meta['text'], sep='|')
"#;
    let out = Command::new("python3")
        .args(["-c", script, all.to_str().unwrap()])
        .output()
        .expect("python3 is needed");
    assert!(
        out.status.success(),
        "astropy regions could not read the file (pip install regions): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed = String::from_utf8(out.stdout).unwrap();
    let parsed: Vec<Vec<&str>> = parsed.lines().map(|l| l.split('|').collect()).collect();
    assert_eq!(parsed.len(), regions.len());
    for (p, r) in parsed.iter().zip(&regions) {
        assert_eq!(p[0], "CircleSkyRegion");
        let num = |s: &str| {
            s.trim_start_matches("np.float64(")
                .trim_end_matches(')')
                .parse::<f64>()
                .unwrap()
        };
        assert!((num(p[1]) - r.ra).abs() < 1e-9 && (num(p[2]) - r.dec).abs() < 1e-9);
        assert!((num(p[3]) - r.r).abs() < 1e-9);
        assert_eq!((p[4], p[5]), (r.color.as_str(), r.text.as_str()));
    }
}

#[test]
fn regions_reports_a_missing_radius_and_writes_nothing() {
    let t = std::fs::read_to_string(classified()).unwrap();
    let pu = Csv::parse(&t).col("CSCv2_PU");
    let mut lines: Vec<String> = t.lines().map(String::from).collect();
    let mut cells: Vec<String> = lines[3].split(',').map(String::from).collect();
    assert!(!lines[3].contains('"'), "plain row expected");
    cells[pu] = String::new();
    lines[3] = cells.join(",");
    let dir = scratch("outputs");
    let out_path = dir.join("bad.reg");
    let out = run(
        "regions",
        &["-o", out_path.to_str().unwrap()],
        Some((lines.join("\n") + "\n").as_bytes()),
    );
    assert_eq!(out.status, 2);
    assert_eq!(
        out.stderr.trim(),
        format!(
            "regions: <stdin>:4: column {} (CSCv2_PU): missing value: a region's radius is the positional uncertainty",
            pu + 1
        )
    );
    assert!(!out_path.exists());
}

/// What headless Chromium made of a page: the DOM after its scripts ran, and every
/// console message (errors, warnings, CSP violations, failed loads) it logged.
struct Browser {
    dom: String,
    console: Vec<String>,
}

fn chromium(url: &str, extra: &[&str]) -> Browser {
    let profile = tempdir("chromium-profile");
    let out = Command::new("timeout")
        .arg("120")
        .arg("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium is needed for this test (apt-get install chromium)");
    let _ = std::fs::remove_dir_all(&profile);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "chromium failed ({:?}): {stderr}",
        out.status
    );
    Browser {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(String::from)
            .collect(),
    }
}

fn tempdir(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = scratch("outputs").join(format!("{name}-{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.canonicalize().unwrap().display())
}

/// The rows of the page's source table in the browser's DOM: (row id, CT cell value).
fn source_rows(dom: &str) -> Vec<(String, String)> {
    let body = dom
        .split_once(r#"<table id="sources">"#)
        .expect("source table")
        .1
        .split_once("<tbody>")
        .unwrap()
        .1
        .split_once("</tbody>")
        .unwrap()
        .0;
    body.split("<tr ")
        .skip(1)
        .map(|tr| {
            let id = tr.split_once("id=\"").unwrap().1.split('"').next().unwrap();
            // Cells: row, name, RA, Dec, PU, Class, CT, ...
            let ct = tr.split("<td").nth(7).unwrap();
            let v = ct
                .split_once("data-v=\"")
                .unwrap()
                .1
                .split('"')
                .next()
                .unwrap();
            (id.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn the_report_opens_in_a_browser_without_errors_one_row_per_source() {
    let table = classified();
    let page = tempdir("report").join("field.html");
    run_ok(
        "report",
        &[table.to_str().unwrap(), "-o", page.to_str().unwrap()],
        None,
    );
    let n = Csv::read(table).rows.len();

    // The browser's own check that the console check can fail: a broken page is caught.
    let broken = page.with_file_name("broken.html");
    std::fs::write(
        &broken,
        "<!DOCTYPE html><script>console.error('x'); nope();</script>",
    )
    .unwrap();
    assert_eq!(
        chromium(&file_url(&broken), &["--dump-dom"]).console.len(),
        2
    );

    let b = chromium(&file_url(&page), &["--dump-dom"]);
    assert!(b.console.is_empty(), "console messages: {:#?}", b.console);
    let rows = source_rows(&b.dom);
    assert_eq!(rows.len(), n, "one row per source");
    assert_eq!(
        rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        (0..n).map(|i| format!("src-{i}")).collect::<Vec<_>>()
    );
    // The page's script sorts: `#sort=CT&desc` orders the rows by CT, largest first.
    let sorted = chromium(
        &format!("{}#sort=CT&desc", file_url(&page)),
        &["--dump-dom"],
    );
    assert!(sorted.console.is_empty(), "{:#?}", sorted.console);
    let cts: Vec<f64> = source_rows(&sorted.dom)
        .iter()
        .map(|r| r.1.parse().unwrap())
        .collect();
    assert_eq!(cts.len(), n);
    assert!(cts.windows(2).all(|w| w[0] >= w[1]), "{cts:?}");
    assert!(cts[0] > cts[n - 1]);

    // A screenshot of the page as a person sees it.
    let png = page.with_file_name("field.png");
    chromium(
        &file_url(&page),
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,2400",
            "--hide-scrollbars",
        ],
    );
    let shot = std::fs::read(&png).expect("screenshot");
    assert!(
        shot.starts_with(b"\x89PNG") && shot.len() > 50_000,
        "{} bytes",
        shot.len()
    );
    eprintln!("report screenshot: {}", png.display());
}

#[test]
fn the_report_escapes_what_the_table_says() {
    let t = std::fs::read_to_string(classified()).unwrap();
    let name = Csv::parse(&t).text(0, "CSCv2_name").to_string();
    let evil =
        r#"<img src=x onerror="console.error('escaped? no')"><script>console.error(1)</script>"#;
    let t = t.replacen(&name, &format!("\"{}\"", evil.replace('"', "\"\"")), 1);
    let dir = tempdir("evil");
    let page = dir.join("evil.html");
    run_ok(
        "report",
        &["-o", page.to_str().unwrap()],
        Some(t.as_bytes()),
    );
    let b = chromium(&file_url(&page), &["--dump-dom"]);
    assert!(b.console.is_empty(), "{:#?}", b.console);
    assert!(b.dom.contains("&lt;img src=x onerror="));
    assert!(!b.dom.contains("<img src=\"x\""));
}
