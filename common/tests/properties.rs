//! Property tests of the numerical core (issue 11 §1): invariants that must hold for
//! every input, checked on random inputs (proptest) through the library's public API.

use common::absorption::Absorption;
use common::aggregate::summarize;
use common::bands::{BANDS, XRAY_BANDS};
use common::classes::class_index;
use common::fechner::fechner;
use common::forest::{Forest, ForestParams};
use common::redden::redden_agns;
use common::rng::StreamId;
use common::sources::Sources;
use proptest::prelude::*;

/// Mean and standard deviation of the split normal (mode m, sigma- below, sigma+
/// above) by Simpson's rule over +-12 sigma: independent of the closed form of
/// paper eq. 1a,b.
fn split_normal_moments(m: f64, lo: f64, hi: f64) -> (f64, f64) {
    let norm = (2.0 / std::f64::consts::PI).sqrt() / (lo + hi);
    let pdf = |x: f64| {
        let s = if x < m { lo } else { hi };
        norm * (-(x - m) * (x - m) / (2.0 * s * s)).exp()
    };
    // Each half separately, so that the kink at the mode is a grid point.
    let simpson = |a: f64, b: f64, f: &dyn Fn(f64) -> f64| {
        let n = 4000;
        let h = (b - a) / n as f64;
        let mut s = f(a) + f(b);
        for i in 1..n {
            s += f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        s * h / 3.0
    };
    let moment = |k: i32, c: f64| {
        let f = move |x: f64| (x - c).powi(k) * pdf(x);
        simpson(m - 12.0 * lo, m, &f) + simpson(m, m + 12.0 * hi, &f)
    };
    let mean = moment(1, 0.0);
    (mean, moment(2, mean).sqrt())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn fechner_moments_are_those_of_the_split_normal(
        m in -5.0f64..5.0, lo in 0.01f64..3.0, hi in 0.01f64..3.0
    ) {
        let (mean, sigma) = fechner(Some(m), Some(m - lo), Some(m + hi)).unwrap();
        let (want_mean, want_sigma) = split_normal_moments(m, lo, hi);
        let scale = lo.max(hi);
        prop_assert!((mean - want_mean).abs() <= 1e-8 * scale, "{mean} vs {want_mean}");
        prop_assert!((sigma - want_sigma).abs() <= 1e-8 * scale, "{sigma} vs {want_sigma}");
    }

    #[test]
    fn absorption_is_in_0_1_and_decreases_with_nh(
        nh_a in 0.0f64..300.0, nh_b in 0.0f64..300.0, band in 0usize..4
    ) {
        let abs = Absorption::embedded().unwrap();
        let (_, e1, e2) = XRAY_BANDS[band];
        let (lo, hi) = (nh_a.min(nh_b), nh_a.max(nh_b));
        let (f_lo, f_hi) = (abs.factor(lo, 2.0, e1, e2), abs.factor(hi, 2.0, e1, e2));
        for f in [f_lo, f_hi] {
            // 1 at N_H = 0 up to the rounding of the tabulated cross-section grid
            prop_assert!((0.0..=1.0 + 1e-9).contains(&f), "factor {f} at band {band}");
        }
        prop_assert!(f_hi <= f_lo, "{f_hi} at {hi} > {f_lo} at {lo}");
        if hi < 50.0 {
            prop_assert!(f_hi > 0.0);
        }
    }

    #[test]
    fn reddening_is_monotone_in_ebv(a in 0.0f64..5.0, b in 0.0f64..5.0) {
        let (lo, hi) = (a.min(b), a.max(b));
        let abs = Absorption::embedded().unwrap();
        let base = Sources::embedded_training_set().unwrap();
        let (mut s_lo, mut s_hi) = (base.clone(), base.clone());
        redden_agns(&mut s_lo, lo, &abs);
        redden_agns(&mut s_hi, hi, &abs);
        let agn = class_index("AGN");
        for i in (0..base.len()).filter(|&i| base.class[i] == agn).take(50) {
            for b in 0..BANDS.len() {
                if !base.mag[i][b].is_nan() {
                    prop_assert!(s_hi.mag[i][b] >= s_lo.mag[i][b]);
                    prop_assert!(s_lo.mag[i][b] >= base.mag[i][b]);
                }
            }
            for b in 0..3 {
                prop_assert!(s_hi.flux[i][b] <= s_lo.flux[i][b]);
                prop_assert!(s_hi.flux[i][b] > 0.0);
            }
        }
    }

    #[test]
    fn forest_probabilities_sum_to_one(
        seed in 0u64..1000,
        rows in proptest::collection::vec((-3.0f64..3.0, -3.0f64..3.0, 0u8..3), 6..40),
        query in (-5.0f64..5.0, -5.0f64..5.0),
    ) {
        let x: Vec<f64> = rows.iter().flat_map(|r| [r.0, r.1]).collect();
        let y: Vec<u8> = rows.iter().map(|r| r.2).collect();
        let params = ForestParams { n_trees: 5, ..ForestParams::default() };
        let forest = Forest::fit(&x, 2, &y, 3, &params, StreamId::new(seed)).unwrap();
        for q in [[query.0, query.1], [f64::NAN, query.1]] {
            let p = forest.predict_proba(&q);
            prop_assert_eq!(p.len(), 3);
            prop_assert!(p.iter().all(|&v| (0.0..=1.0).contains(&v)));
            prop_assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{p:?}");
        }
    }

    #[test]
    fn ct_is_not_negative_and_summaries_sum_to_one(
        raw in proptest::collection::vec(proptest::collection::vec(0.0f64..1.0, 8), 1..12)
    ) {
        let samples: Vec<[f64; 8]> = raw
            .iter()
            .map(|r| {
                let total: f64 = r.iter().sum::<f64>().max(1e-9);
                let mut p = [0.0; 8];
                for c in 0..8 {
                    p[c] = r[c] / total;
                }
                p
            })
            .collect();
        let s = summarize(&samples);
        prop_assert!(s.ct >= 0.0, "CT {}", s.ct);
        prop_assert!((s.mean.iter().sum::<f64>() - 1.0).abs() < 1e-9 || raw.iter().any(|r| r.iter().sum::<f64>() < 1e-9));
        prop_assert!(s.mean.iter().all(|&m| m <= s.mean[s.class]));
        prop_assert!(s.std.iter().all(|&v| v >= 0.0));
    }
}
