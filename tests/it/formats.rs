//! Tables in VOTable and FITS: the example field as astropy writes it (BINARY2 VOTable,
//! FITS binary table; benches/convert_tables.py) gives the results of its CSV tables,
//! and broken files give one line naming the file and the column, exit 2.

use crate::util::*;

const FIELD: &str = "3fgl_j1306";

/// The input table `name` of the field in a format: `input/*.csv`, `votable/*.vot`,
/// `fits/*.fits`.
fn input(format: &str, name: &str) -> String {
    let (dir, ext) = match format {
        "csv" => ("input", "csv"),
        "vot" => ("votable", "vot"),
        "fits" => ("fits", "fits"),
        _ => unreachable!(),
    };
    example(&format!("{FIELD}/{dir}/{name}.{ext}"))
        .display()
        .to_string()
}

fn xmatch_args(format: &str, xray: &str) -> Vec<String> {
    let mut args = Vec::new();
    for c in CATALOGS {
        args.push(format!("--{c}"));
        args.push(input(format, c));
    }
    args.push(xray.to_string());
    args
}

#[test]
fn votable_and_fits_inputs_give_the_csv_results_byte_for_byte() {
    let ave_csv = run_ok("fechner", &[&input("csv", "per")], None);
    assert!(ave_csv.lines().count() > 10);
    let dir = tempdir("formats");
    let ave = dir.join("ave.csv");
    std::fs::write(&ave, &ave_csv).unwrap();
    let mw_csv = run_ok(
        "xmatch",
        &refs(&xmatch_args("csv", ave.to_str().unwrap())),
        None,
    );
    for format in ["vot", "fits"] {
        // fechner computes every column it writes.
        assert_eq!(
            run_ok("fechner", &[&input(format, "per")], None),
            ave_csv,
            "{format}"
        );
        // So does xmatch, from catalogs in this format.
        let mw = run_ok(
            "xmatch",
            &refs(&xmatch_args(format, ave.to_str().unwrap())),
            None,
        );
        assert_eq!(mw, mw_csv, "{format}");
        // From standard input too (the format is told from the content).
        let bytes = std::fs::read(input(format, "per")).unwrap();
        assert_eq!(
            run_ok("fechner", &[], Some(&bytes)),
            ave_csv,
            "{format} on stdin"
        );
    }
}

/// A number read from binary may be spelled otherwise than in the CSV (`1.50` and
/// `1.5`), booleans `TRUE` and `True`: equal as values.
fn same_value(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a == b {
        return true;
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.eq_ignore_ascii_case(b),
    }
}

#[test]
fn passed_through_columns_are_equal_as_values() {
    // xmatch keeps every column of its input: the Gaia table itself as the X-ray
    // table passes its 128 columns through from each format.
    let args = |format: &str| {
        vec![
            "--ra".to_string(),
            "RA_ICRS_gaia".into(),
            "--dec".into(),
            "DE_ICRS_gaia".into(),
            "--pu".into(),
            "e_RA_ICRS_gaia".into(),
            "--gaia".into(),
            input("csv", "gaia"),
            input(format, "gaia"),
        ]
    };
    let want = Csv::parse(&run_ok("xmatch", &refs(&args("csv")), None));
    let n_in = std::fs::read_to_string(input("csv", "gaia"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .split(',')
        .count();
    let mut respelled = 0;
    for format in ["vot", "fits"] {
        let got = Csv::parse(&run_ok("xmatch", &refs(&args(format)), None));
        assert_eq!(got.header, want.header, "{format}: header");
        assert_eq!(got.rows.len(), want.rows.len(), "{format}: rows");
        for (r, (g, w)) in got.rows.iter().zip(&want.rows).enumerate() {
            for (c, (gc, wc)) in g.iter().zip(w).enumerate() {
                if c < n_in {
                    assert!(
                        same_value(gc, wc),
                        "{format} row {r} {}: {gc} vs {wc}",
                        want.header[c]
                    );
                    respelled += usize::from(gc != wc);
                } else {
                    assert_eq!(gc, wc, "{format} row {r} computed {}", want.header[c]);
                }
            }
        }
    }
    // The test sees values that are spelled otherwise (it compares values, not text).
    assert!(respelled > 0);
}

/// Writes `bytes` to `dir/name` and runs `tool` with `args` then that file, which it
/// must refuse: exit 2, one line naming the file. Returns the line.
fn refused(tool: &str, args: &[&str], dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let f = dir.join(name);
    std::fs::write(&f, bytes).unwrap();
    let f = f.to_str().unwrap();
    let out = run(tool, &[args, &[f]].concat(), None);
    assert_eq!(out.status, 2, "{tool} {args:?}: {}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(&format!("{tool}: {f}")),
        "{}",
        out.stderr
    );
    out.stderr
}

#[test]
fn truncated_files_name_the_file_and_the_column() {
    let dir = tempdir("truncated");
    for (format, cut) in [("fits", 50_000), ("vot", 40_000)] {
        let bytes = std::fs::read(input(format, "per")).unwrap();
        assert!(bytes.len() > cut);
        let e = refused(
            "fechner",
            &[],
            &dir,
            &format!("per.{format}"),
            &bytes[..cut],
        );
        assert!(e.contains(": column ") && e.contains("truncated"), "{e}");
    }
    // A FITS file cut in its header.
    let bytes = std::fs::read(input("fits", "per")).unwrap();
    let e = refused("fechner", &[], &dir, "header.fits", &bytes[..4000]);
    assert!(e.contains("truncated"), "{e}");
}

#[test]
fn unsupported_column_types_name_the_column() {
    let dir = tempdir("unsupported");
    // A good X-ray table (xmatch reads it before the catalogs), a catalog to refuse.
    let ave = dir.join("ave.csv");
    std::fs::write(&ave, run_ok("fechner", &[&input("csv", "per")], None)).unwrap();
    let xray = ave.display().to_string();
    // FITS: a complex column (TFORM M) where astropy wrote a double.
    let mut bytes = std::fs::read(input("fits", "gaia")).unwrap();
    let card = b"TFORM5  = 'D       '";
    let at = bytes
        .windows(card.len())
        .position(|w| w == card)
        .expect("a TFORM5 card of a double");
    bytes[at + 11] = b'M';
    let e = refused("xmatch", &[&xray, "--gaia"], &dir, "gaia.fits", &bytes);
    assert!(
        e.contains("column 5 (") && e.contains("unsupported column type 'M'"),
        "{e}"
    );
    // VOTable: a complex FIELD.
    let text = std::fs::read_to_string(input("vot", "gaia")).unwrap();
    let text = text.replacen("datatype=\"double\"", "datatype=\"doubleComplex\"", 1);
    let e = refused(
        "xmatch",
        &[&xray, "--gaia"],
        &dir,
        "gaia.vot",
        text.as_bytes(),
    );
    assert!(
        e.contains(": column ") && e.contains("unsupported column type 'doubleComplex'"),
        "{e}"
    );
}

#[test]
fn a_missing_column_is_named() {
    let dir = tempdir("missing");
    let text = std::fs::read_to_string(input("vot", "per")).unwrap();
    let text = text.replace("name=\"theta\"", "name=\"theta_x\"");
    let e = refused("fechner", &[], &dir, "per.vot", text.as_bytes());
    assert!(e.contains("missing required column 'theta'"), "{e}");
    // Compressed input is refused with the remedy.
    let e = refused(
        "fechner",
        &[],
        &dir,
        "per.csv.gz",
        &[0x1f, 0x8b, 8, 0, 0, 0],
    );
    assert!(e.contains("gunzip"), "{e}");
}

#[test]
fn make_classifies_a_field_dir_of_votables_as_its_csv_field() {
    let dir = tempdir("field-dir");
    let field = dir.join("fields/mine");
    std::fs::create_dir_all(field.join("input")).unwrap();
    for name in ["per"].iter().chain(CATALOGS.iter()) {
        std::fs::copy(input("vot", name), field.join(format!("input/{name}.vot"))).unwrap();
    }
    let bin_dir = bin("fechner").parent().unwrap().to_path_buf();
    let make = |place: &str| {
        let out = std::process::Command::new("make")
            .arg("-C")
            .arg(root())
            .arg(format!("WORK={}", dir.join("out").display()))
            .arg(format!("BIN={}", bin_dir.display()))
            .args(["BUILD=0", "MC=2", "TREES=5", "SEED=3", place, "fused"])
            .output()
            .expect("make is needed");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    make(&format!("FIELD_DIR={}", field.display()));
    make(&format!("FIELD={FIELD}"));
    let mine = std::fs::read_to_string(dir.join("out/mine/classified-fused.csv")).unwrap();
    let theirs =
        std::fs::read_to_string(dir.join(format!("out/{FIELD}/classified-fused.csv"))).unwrap();
    assert!(mine.lines().count() > 10);
    assert_eq!(mine, theirs);
}

#[test]
fn format_votable_writes_units_and_ucds_and_reads_back_as_the_csv() {
    let dir = tempdir("format-votable");
    let per = input("csv", "per");
    let ave_csv = run_ok("fechner", &[&per], None);
    let vot = dir.join("ave.vot");
    run_ok(
        "fechner",
        &["--format", "votable", &per, "-o", vot.to_str().unwrap()],
        None,
    );
    let text = std::fs::read_to_string(&vot).unwrap();
    assert!(text.starts_with("<?xml"), "{}", &text[..100]);
    for field in [
        "<FIELD name=\"CSCv2_RA\" datatype=\"double\" unit=\"deg\" ucd=\"pos.eq.ra;meta.main\"/>",
        "<FIELD name=\"Fb\" datatype=\"double\" unit=\"erg.s-1.cm-2\" ucd=\"phot.flux;em.X-ray\"/>",
        "<FIELD name=\"CSCv2_name\" datatype=\"char\" arraysize=\"*\" ucd=\"meta.id;meta.main\"/>",
    ] {
        assert!(text.contains(field), "{field}");
    }
    // Read back (TABLEDATA keeps the text): the same table, and the same cross-match.
    let ave = dir.join("ave.csv");
    std::fs::write(&ave, &ave_csv).unwrap();
    let back = common::table::Table::read(Some(&vot)).unwrap();
    let want = Csv::parse(&ave_csv);
    assert_eq!(back.header.names(), &want.header[..]);
    assert_eq!(back.rows.len(), want.rows.len());
    for (a, b) in back.rows.iter().zip(&want.rows) {
        assert_eq!(a.record.iter().collect::<Vec<_>>(), *b);
    }
    assert_eq!(
        run_ok(
            "xmatch",
            &refs(&xmatch_args("csv", vot.to_str().unwrap())),
            None
        ),
        run_ok(
            "xmatch",
            &refs(&xmatch_args("csv", ave.to_str().unwrap())),
            None
        )
    );
    // An unknown format is a usage error.
    let out = run("fechner", &["--format", "fits", &per], None);
    assert_eq!(out.status, 2, "{}", out.stderr);
}
