//! Monte-Carlo realisations of the measured quantities (spec 5).
//!
//! Canonical order of operations in this project: redden the catalog values of the
//! training AGNs first (`redden::redden_agns`), then sample, then the depth cut and
//! the features (`features::features`). The spec samples first and reddens after;
//! the two are equal in distribution, deviate for deviate: a flux
//! (x + z s sigma) C = x C + z s (sigma C), with the same rejection decision since
//! C > 0, and a magnitude m + z s sigma + A = (m + A) + z s sigma. Reddening first lets
//! the pipe path (`redden | mcsample | features`) and the fused path share every
//! function and agree byte for byte.
//!
//! Rules (spec 5): a flux x' = x + z sigma s, redrawn with a new z while x' <= 0 (a
//! normal truncated to (0, inf) by rejection); a magnitude m' = m + z sigma s, missing
//! when m or sigma is missing (an upper limit is dropped in every sample). The X-ray
//! bands get independent deviates (DESIGN: the authors' seeded runs reuse one deviate
//! for s, m and h, an accident we correct). P_inter and P_intra are not sampled.
//!
//! Draw order per row, fixed so that a row's deviates never depend on which values are
//! present: the three flux bands in the order s, m, h, each with its own rejection
//! loop, then one standard-normal z for every one of the nine magnitude bands in
//! `bands::BANDS` order, drawn even when the band is missing. Each row draws from its
//! own stream `id.rng(Purpose::Sample, rng::source_key(name))`, so a source's deviates
//! do not depend on the table, subset, bin or thread it is sampled in.

use rand_distr::{Distribution, StandardNormal};

use crate::bands::{BANDS, FLUX_COLUMNS, N_BANDS};
use crate::error::Result;
use crate::rng::{ChaCha8Rng, Purpose, StreamId, source_key};
use crate::sources::{Sources, TableOut};
use crate::table::{Table, fmt_f64};

/// The paper's factor on every 1-sigma error (spec 5).
pub const DEFAULT_ERROR_SCALE: f64 = 1.0;

/// Options of the sampling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct McOptions {
    /// Multiplies every 1-sigma error: 1 in the paper-era code (default), sqrt(2) in
    /// the authors' code since 2022-08 (spec 5).
    pub error_scale: f64,
}

impl Default for McOptions {
    fn default() -> Self {
        McOptions {
            error_scale: DEFAULT_ERROR_SCALE,
        }
    }
}

/// Redraws a flux that came out non-positive at most this often. With x > 0 every draw
/// succeeds with probability > 1/2, so the cap is never reached for valid input; it
/// only keeps a corrupt value from hanging the process.
const MAX_REDRAWS: usize = 10_000;

/// One Monte-Carlo realisation of `src`: same rows, same errors, classes and
/// probabilities; fluxes and magnitudes replaced by sampled values (a magnitude
/// without error becomes missing). Row i draws from
/// `id.rng(Purpose::Sample, source_key(&names[i]))`.
pub fn sample(src: &Sources, id: StreamId, opts: &McOptions) -> Sources {
    let mut out = src.clone();
    for i in 0..src.len() {
        let mut rng = id.rng(Purpose::Sample, source_key(&src.names[i]));
        let (flux, mag) = sample_row(
            &mut rng,
            &src.flux[i],
            &src.flux_err[i],
            &src.mag[i],
            &src.mag_err[i],
            opts.error_scale,
        );
        out.flux[i] = flux;
        out.mag[i] = mag;
    }
    out
}

/// The draws of one row in the documented order.
fn sample_row(
    rng: &mut ChaCha8Rng,
    flux: &[f64; 3],
    flux_err: &[f64; 3],
    mag: &[f64; N_BANDS],
    mag_err: &[f64; N_BANDS],
    scale: f64,
) -> ([f64; 3], [f64; N_BANDS]) {
    let mut f = [f64::NAN; 3];
    for b in 0..3 {
        let sigma = flux_err[b] * scale;
        for _ in 0..MAX_REDRAWS {
            let z: f64 = StandardNormal.sample(rng);
            let x = flux[b] + z * sigma;
            if x > 0.0 {
                f[b] = x;
                break;
            }
        }
    }
    let mut m = [f64::NAN; N_BANDS];
    for b in 0..N_BANDS {
        let z: f64 = StandardNormal.sample(rng);
        // NaN arithmetic: a missing value or a missing error gives a missing sample.
        m[b] = mag[b] + z * (mag_err[b] * scale);
    }
    (f, m)
}

/// The `mcsample` table: one realisation of `t` (spec 5). `Fs, Fm, Fh` and the nine
/// magnitudes are replaced by sampled values (a magnitude without error becomes
/// empty), `Fb` = Fs + Fm + Fh of the sample (replaced, or appended when absent); the
/// errors and every other column are unchanged.
pub fn sample_table(t: &Table, id: StreamId, opts: &McOptions) -> Result<TableOut> {
    let src = Sources::from_table(t, None)?;
    let s = sample(&src, id, opts);
    let mut new: Vec<&str> = FLUX_COLUMNS.iter().map(|(v, _)| *v).collect();
    new.push("Fb");
    new.extend(BANDS.iter().map(|b| b.column));
    TableOut::extend(t, &new, |i| {
        let mut v: Vec<String> = s.flux[i].iter().map(|x| fmt_f64(*x)).collect();
        v.push(fmt_f64(s.fb(i)));
        v.extend(s.mag[i].iter().map(|m| fmt_f64(*m)));
        Ok(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn td() -> Sources {
        Sources::embedded_training_set().unwrap()
    }

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits()
    }

    /// Bit-identical sampled values (NaN == NaN), without printing whole tables.
    fn same_values(a: &Sources, b: &Sources) -> bool {
        a.len() == b.len()
            && (0..a.len()).all(|i| {
                a.flux[i].iter().zip(&b.flux[i]).all(|(x, y)| same(*x, *y))
                    && a.mag[i].iter().zip(&b.mag[i]).all(|(x, y)| same(*x, *y))
            })
    }

    #[test]
    fn reproducible_and_independent_of_row_order_and_subset() {
        let s = td();
        let id = StreamId::new(42).replica(3);
        let a = sample(&s, id, &McOptions::default());
        let b = sample(&s, id, &McOptions::default());
        assert!(same_values(&a, &b));
        let rows = [2940, 17, 5, 1000];
        let sub = sample(&s.subset(&rows), id, &McOptions::default());
        for (k, &i) in rows.iter().enumerate() {
            assert!(
                sub.flux[k]
                    .iter()
                    .zip(&a.flux[i])
                    .all(|(x, y)| same(*x, *y))
            );
            assert!(sub.mag[k].iter().zip(&a.mag[i]).all(|(x, y)| same(*x, *y)));
        }
        // Another replica or seed changes the values.
        let c = sample(&s, id.replica(4), &McOptions::default());
        assert_ne!(a.flux[0], c.flux[0]);
        // Not sampled: errors, probabilities, classes.
        assert!(a.flux_err == s.flux_err && a.class == s.class);
        assert!(a.p_intra.iter().zip(&s.p_intra).all(|(x, y)| same(*x, *y)));
    }

    #[test]
    fn fluxes_stay_positive_and_upper_limits_drop() {
        let s = td();
        for r in 0..5 {
            let a = sample(&s, StreamId::new(1).replica(r), &McOptions::default());
            for i in 0..s.len() {
                assert!(a.flux[i].iter().all(|f| *f > 0.0 && f.is_finite()));
                for b in 0..N_BANDS {
                    let expect_present = s.mag[i][b].is_finite() && s.mag_err[i][b].is_finite();
                    assert_eq!(a.mag[i][b].is_finite(), expect_present, "row {i} band {b}");
                }
            }
        }
    }

    /// One source with a flux at 1 sigma (truncation matters) and one magnitude.
    fn one(flux: f64, err: f64) -> Sources {
        let mut mag = [f64::NAN; N_BANDS];
        let mut mag_err = [f64::NAN; N_BANDS];
        mag[3] = 15.0;
        mag_err[3] = 0.1;
        Sources {
            names: vec!["x".into()],
            ra: vec![f64::NAN],
            dec: vec![f64::NAN],
            flux: vec![[flux, 10.0, 1.0]],
            flux_err: vec![[err, 1.0, 0.0]],
            p_inter: vec![f64::NAN],
            p_intra: vec![f64::NAN],
            mag: vec![mag],
            mag_err: vec![mag_err],
            class: vec![None],
            astrometry: vec![[f64::NAN; 4]],
        }
    }

    #[test]
    fn moments_of_many_draws() {
        // Many replicas of one source: each replica is an independent stream.
        let n = 40_000;
        let s = one(1.0, 1.0);
        let opts = McOptions {
            error_scale: std::f64::consts::SQRT_2,
        };
        let (mut fs, mut fm, mut mj) = (Vec::new(), Vec::new(), Vec::new());
        for r in 0..n {
            let a = sample(&s, StreamId::new(9).replica(r), &opts);
            fs.push(a.flux[0][0]);
            fm.push(a.flux[0][1]);
            assert_eq!(a.flux[0][2], 1.0, "zero error leaves the value unchanged");
            mj.push(a.mag[0][3]);
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let std = |v: &[f64]| {
            let m = mean(v);
            (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64).sqrt()
        };
        let se = 1.0 / (n as f64).sqrt();
        // Untruncated: N(10, sqrt2) and N(15, 0.1 sqrt2).
        let sqrt2 = std::f64::consts::SQRT_2;
        assert!((mean(&fm) - 10.0).abs() < 4.0 * sqrt2 * se);
        assert!((std(&fm) - sqrt2).abs() < 0.03);
        assert!((mean(&mj) - 15.0).abs() < 4.0 * 0.1 * sqrt2 * se);
        assert!((std(&mj) - 0.1 * sqrt2).abs() < 0.003);
        // Truncated N(1, s^2) on (0, inf), s = sqrt2, a = -1/s:
        // mean = 1 + s phi(a)/(1 - Phi(a)).
        let s2 = std::f64::consts::SQRT_2;
        let a = -1.0 / s2;
        let phi = (-0.5 * a * a).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let big_phi = 0.5 * (1.0 + erf(a / s2));
        let expect = 1.0 + s2 * phi / (1.0 - big_phi);
        assert!(fs.iter().all(|x| *x > 0.0));
        assert!(
            (mean(&fs) - expect).abs() < 4.0 * s2 * se,
            "{} vs {expect}",
            mean(&fs)
        );
    }

    /// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), enough for a test bound.
    fn erf(x: f64) -> f64 {
        let t = 1.0 / (1.0 + 0.3275911 * x.abs());
        let y = 1.0
            - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
                + 0.254829592)
                * t
                * (-x * x).exp();
        y.copysign(x)
    }
}
