//! Integration tests of `mcsample`, `features` and `standardize`: the pipe path equals
//! the library (fused) path byte for byte, on the embedded TD and the HESS fields.

use crate::util::{Csv, root, run, run_ok, scratch};
use common::absorption::Absorption;
use common::features::{Scaler, features};
use common::mc::{McOptions, sample};
use common::redden::redden_agns;
use common::rng::StreamId;
use common::schema::{FEATURE_NAMES, N_FEATURES, TRUE_CLASS};
use common::sources::Sources;
use common::table::{Table, fmt_f64};

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = scratch("features");
    dir.join(name)
}

fn assert_features_equal(csv: &Csv, x: &[f64]) {
    assert_eq!(csv.rows.len() * N_FEATURES, x.len());
    for (i, row) in x.chunks_exact(N_FEATURES).enumerate() {
        for (k, name) in FEATURE_NAMES.iter().enumerate() {
            assert_eq!(csv.text(i, name), fmt_f64(row[k]), "row {i} {name}");
        }
    }
}

/// `redden --ebv 0.5 | mcsample | features`, then `standardize --fit` with the TD and a
/// HESS field, against `redden_agns`, `sample`, `features`, `Scaler` in process.
#[test]
fn pipe_equals_library_on_td_and_hess() {
    let (seed, replica) = (11u64, 4u64);
    let id = StreamId::new(seed).replica(replica);
    let reddened = run_ok("redden", &["--ebv", "0.5"], None);
    let sampled = run_ok(
        "mcsample",
        &["--seed", "11", "--replica", "4"],
        Some(reddened.as_bytes()),
    );
    let td_feat = run_ok("features", &[], Some(sampled.as_bytes()));
    let td_path = tmp("td_features.csv");
    std::fs::write(&td_path, &td_feat).unwrap();
    let td_std = run_ok(
        "standardize",
        &["--fit", td_path.to_str().unwrap()],
        Some(td_feat.as_bytes()),
    );

    let hess_path = root().join("examples/hess/hess_fields.csv");
    let hess_feat = {
        let s = run_ok(
            "mcsample",
            &[
                "--seed",
                "11",
                "--replica",
                "4",
                hess_path.to_str().unwrap(),
            ],
            None,
        );
        run_ok("features", &["-"], Some(s.as_bytes()))
    };
    let hess_std = run_ok(
        "standardize",
        &["--fit", td_path.to_str().unwrap()],
        Some(hess_feat.as_bytes()),
    );

    // Library path.
    let t = Table::from_bytes(common::data::TRAINING_SET_NAME, common::data::TRAINING_SET).unwrap();
    let mut td = Sources::from_table(&t, Some(TRUE_CLASS)).unwrap();
    redden_agns(&mut td, 0.5, &Absorption::embedded().unwrap());
    let td = sample(&td, id, &McOptions::default());
    let mut x_td = features(&td);
    assert_features_equal(&Csv::parse(&td_feat), &x_td);
    let hess = Sources::from_table(&Table::read(Some(&hess_path)).unwrap(), None).unwrap();
    let mut x_hess = features(&sample(&hess, id, &McOptions::default()));
    assert_features_equal(&Csv::parse(&hess_feat), &x_hess);
    let scaler = Scaler::fit(&x_td, N_FEATURES);
    scaler.transform(&mut x_td);
    scaler.transform(&mut x_hess);
    assert_features_equal(&Csv::parse(&td_std), &x_td);
    assert_features_equal(&Csv::parse(&hess_std), &x_hess);

    // Standardized TD columns: mean 0, population std 1 over present values.
    let x = &x_td;
    for k in 0..N_FEATURES {
        let v: Vec<f64> = x
            .chunks_exact(N_FEATURES)
            .map(|r| r[k])
            .filter(|v| !v.is_nan())
            .collect();
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let s = (v.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / v.len() as f64).sqrt();
        assert!(m.abs() < 1e-9, "{}: mean {m}", FEATURE_NAMES[k]);
        assert!(
            (s - 1.0).abs() < 1e-9 || s == 0.0,
            "{}: std {s}",
            FEATURE_NAMES[k]
        );
    }
}

/// A source's sample depends only on (seed, bin, replica, fold, name): sampling the
/// first rows alone gives the same bytes as sampling the whole table; Fb is the sum of
/// the sampled bands and magnitudes without error come out empty.
#[test]
fn mcsample_rows_are_independent_of_the_table() {
    let hess = std::fs::read_to_string(root().join("examples/hess/hess_fields.csv")).unwrap();
    let head: String = hess.lines().take(21).map(|l| format!("{l}\n")).collect();
    let args = ["--seed", "5", "--bin", "3", "--replica", "2", "--fold", "1"];
    let full = Csv::parse(&run_ok("mcsample", &args, Some(hess.as_bytes())));
    let part = Csv::parse(&run_ok("mcsample", &args, Some(head.as_bytes())));
    assert_eq!(full.header, part.header);
    assert_eq!(&full.rows[..20], &part.rows[..]);
    let other = Csv::parse(&run_ok(
        "mcsample",
        &["--seed", "5", "--bin", "4", "--replica", "2", "--fold", "1"],
        Some(head.as_bytes()),
    ));
    assert_ne!(other.rows, part.rows);

    let input = Csv::parse(&hess);
    for i in 0..full.rows.len() {
        let fb =
            full.num(i, "Fs").unwrap() + full.num(i, "Fm").unwrap() + full.num(i, "Fh").unwrap();
        assert_eq!(full.num(i, "Fb"), Some(fb));
        for b in ["Fs", "Fm", "Fh"] {
            assert!(full.num(i, b).unwrap() > 0.0);
            assert_eq!(
                full.text(i, &format!("e_{b}")),
                input.text(i, &format!("e_{b}"))
            );
        }
        for band in common::bands::BANDS {
            let present =
                input.num(i, band.column).is_some() && input.num(i, band.error_column).is_some();
            assert_eq!(full.num(i, band.column).is_some(), present);
        }
        assert_eq!(full.text(i, "HESS_name"), input.text(i, "HESS_name"));
    }
}

#[test]
fn features_of_the_training_set() {
    let out = Csv::parse(&run_ok("features", &[], Some(common::data::TRAINING_SET)));
    assert_eq!(out.rows.len(), 2941);
    assert_eq!(out.header.len(), 43 + 29);
    assert_eq!(&out.header[43..], &FEATURE_NAMES[..]);
    // `--list` names the same columns, in order, for external programs.
    let list = run_ok("features", &["--list"], None);
    assert_eq!(list.lines().collect::<Vec<_>>(), &out.header[43..]);
    let with_random = run_ok("features", &["--list", "--random-feature"], None);
    assert_eq!(with_random.lines().last(), Some("random"));
    // Row 2 (2CXO J000230.7+004959): Fs 5.7e-14, Fm 2.9e-14, Fh 6e-14; G 17.834,
    // BP 18.13; H and K have no error and are missing.
    let lg = |v: f64| v.log10();
    assert!((out.num(1, "ACIS0512Flux").unwrap() - lg(5.7 / 14.6)).abs() < 1e-12);
    assert!((out.num(1, "HR_hms").unwrap() + 2.6 / 14.6).abs() < 1e-12);
    assert!((out.num(1, "G-BP").unwrap() - (17.834 - 18.13)).abs() < 1e-12);
    assert_eq!(out.num(1, "Hflux"), None);
    assert_eq!(out.num(1, "J-K"), None);
    for i in 0..out.rows.len() {
        for name in &FEATURE_NAMES[..7] {
            assert!(out.num(i, name).is_some(), "row {i} {name} missing");
        }
    }
}

#[test]
fn bad_input_is_exit_2_with_the_cell() {
    let out = run(
        "features",
        &[],
        Some(b"CSCv2_name,Fs,e_Fs\na,1e-15,1e-16\n"),
    );
    assert_eq!(out.status, 2);
    // Every missing column named, in one line.
    assert!(
        out.stderr
            .starts_with("features: <stdin>:1: missing required columns 'Fm', 'e_Fm', 'Fh', ")
            && out.stderr.ends_with(", 'W3mag', 'e_W3mag'\n")
            && out.stderr.lines().count() == 1,
        "{}",
        out.stderr
    );
    let td = std::str::from_utf8(common::data::TRAINING_SET).unwrap();
    let mut lines: Vec<String> = td.lines().take(3).map(str::to_string).collect();
    lines[2] = lines[2].replacen(",11.07,5.7e-14,", ",11.07,-5.7e-14,", 1);
    let text = lines.join("\n") + "\n";
    let out = run(
        "mcsample",
        &["--seed", "1", "--replica", "0"],
        Some(text.as_bytes()),
    );
    assert_eq!(out.status, 2);
    assert_eq!(
        out.stderr,
        "mcsample: <stdin>:3: column 6 (Fs): flux must be positive, got '-5.7e-14'\n"
    );
    let out = run(
        "standardize",
        &["--fit", "/nonexistent/train.csv"],
        Some(b"a\n1\n"),
    );
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .starts_with("standardize: /nonexistent/train.csv: "),
        "{}",
        out.stderr
    );
}
