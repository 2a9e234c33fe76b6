//! Reddening of the training AGNs to the extinction of the sources being classified
//! (spec 3): the X-ray fluxes are absorbed (spec 3.3) and the magnitudes extinguished
//! (spec 3.4). Only AGN rows change; no de-reddening of their own Galactic extinction.
//!
//! In this project the catalog values are reddened before Monte-Carlo sampling, which
//! equals the spec's order (sample, then redden) in distribution; see `mc`.

use crate::absorption::Absorption;
use crate::bands::BANDS;
use crate::classes::class_index;
use crate::sources::Sources;

/// The E(B-V) bin width for large catalogs, 25 mmag (paper 3.3, spec 3.6).
pub const EBV_BIN_WIDTH: f64 = 0.025;

/// The index of the E(B-V) bin of a value: floor(ebv / width) (spec 3.6). Negative
/// values (absent from the SFD map) fall in bin 0.
pub fn ebv_bin(ebv: f64, width: f64) -> u64 {
    // `as` saturates: negative -> 0.
    (ebv / width).floor() as u64
}

/// The AGN class index.
fn agn() -> usize {
    class_index("AGN").expect("AGN is a class")
}

/// A reddened flux stays positive: an absorption factor that underflowed to 0 (only
/// for E(B-V) of tens of magnitudes in the soft band) is floored at the smallest
/// normal number, so that the truncated-normal sampling of spec 5 is still defined.
fn absorb(x: f64, c: f64) -> f64 {
    (x * c).max(f64::MIN_POSITIVE)
}

/// Reddens the AGN rows (class AGN) of `src` to `ebv` in place: fluxes and their errors
/// times C (spec 3.3), magnitudes + k_lambda E(B-V) (spec 3.4, `bands::BANDS`
/// `a_over_ebv`). Rows of other classes and rows without class are unchanged.
pub fn redden_agns(src: &mut Sources, ebv: f64, absorption: &Absorption) {
    let c = absorption.factors(ebv);
    redden_agns_with(src, ebv, &c);
}

/// [`redden_agns`] with the absorption factors `c` = `Absorption::factors(ebv)`
/// already computed (s, m, h, b), for loops that redden many tables at one E(B-V).
pub fn redden_agns_with(src: &mut Sources, ebv: f64, c: &[f64; 4]) {
    let agn = agn();
    for i in 0..src.len() {
        if src.class[i] != Some(agn) {
            continue;
        }
        for b in 0..3 {
            src.flux[i][b] = absorb(src.flux[i][b], c[b]);
            src.flux_err[i][b] *= c[b];
        }
        for (b, band) in BANDS.iter().enumerate() {
            src.mag[i][b] += band.a_over_ebv * ebv;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema;
    use crate::table::Table;

    #[test]
    fn bins() {
        assert_eq!(ebv_bin(0.0, EBV_BIN_WIDTH), 0);
        assert_eq!(ebv_bin(0.0249, EBV_BIN_WIDTH), 0);
        assert_eq!(ebv_bin(0.026, EBV_BIN_WIDTH), 1);
        assert_eq!(ebv_bin(1.2654917886, EBV_BIN_WIDTH), 50);
        assert_eq!(ebv_bin(-0.01, EBV_BIN_WIDTH), 0);
    }

    #[test]
    fn only_agns_change_by_the_spec_factors() {
        let t =
            Table::from_bytes(crate::data::TRAINING_SET_NAME, crate::data::TRAINING_SET).unwrap();
        let before = Sources::from_table(&t, Some(schema::TRUE_CLASS)).unwrap();
        let mut after = before.clone();
        let abs = Absorption::embedded().unwrap();
        redden_agns(&mut after, 0.5, &abs);
        // Spec 3.3 at E(B-V) = 0.5; spec 3.4 k_lambda.
        let c = [0.25680361, 0.7416975, 0.95756448];
        let mut n_agn = 0;
        for i in 0..before.len() {
            if before.class[i] == Some(0) {
                n_agn += 1;
                for b in 0..3 {
                    let r = after.flux[i][b] / before.flux[i][b];
                    assert!((r / c[b] - 1.0).abs() < 1e-7, "row {i} band {b}: {r}");
                    let r = after.flux_err[i][b] / before.flux_err[i][b];
                    assert!((r / c[b] - 1.0).abs() < 1e-7);
                }
                let g = after.mag[i][0] - before.mag[i][0];
                assert!(before.mag[i][0].is_nan() || (g - 0.5 * 2.8018851710).abs() < 1e-12);
                let w3 = after.mag[i][8] - before.mag[i][8];
                assert!(before.mag[i][8].is_nan() || (w3 - 0.5 * 0.0528149007).abs() < 1e-12);
                assert_eq!(
                    after.mag[i].map(f64::is_nan),
                    before.mag[i].map(f64::is_nan)
                );
            } else {
                assert_eq!(after.flux[i], before.flux[i]);
                assert_eq!(after.flux_err[i], before.flux_err[i]);
                assert_eq!(
                    after.mag[i].map(f64::to_bits),
                    before.mag[i].map(f64::to_bits)
                );
            }
        }
        assert_eq!(n_agn, 1390);
    }
}
