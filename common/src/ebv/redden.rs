//! Reddening of the training AGNs to the extinction of the sources being classified
//! (spec 3): the X-ray fluxes are absorbed (spec 3.3) and the magnitudes extinguished
//! (spec 3.4). Only AGN rows change; no de-reddening of their own Galactic extinction.
//!
//! In this project the catalog values are reddened before Monte-Carlo sampling, which
//! equals the spec's order (sample, then redden) in distribution; see `mc`.

use crate::absorption::Absorption;
use crate::bands::{BANDS, FLUX_COLUMNS};
use crate::bins::Binning;
use crate::classes::class_index;
use crate::error::{Error, Result};
use crate::schema;
use crate::sfd::SfdMap;
use crate::sources::{Sources, TableOut};
use crate::table::{Table, fmt_f64, fmt_num};

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
pub(crate) fn redden_agns_with(src: &mut Sources, ebv: f64, c: &[f64; 4]) {
    let agn = agn();
    for i in 0..src.len() {
        if src.class[i] != Some(agn) {
            continue;
        }
        for (b, &cb) in c[..3].iter().enumerate() {
            src.flux[i][b] = absorb(src.flux[i][b], cb);
            src.flux_err[i][b] *= cb;
        }
        for (b, band) in BANDS.iter().enumerate() {
            src.mag[i][b] += band.a_over_ebv * ebv;
        }
    }
}

/// A usable E(B-V): finite and not negative.
pub(crate) fn check_ebv(ebv: f64) -> Result<f64> {
    if ebv.is_finite() && ebv >= 0.0 {
        Ok(ebv)
    } else {
        Err(Error::invalid(format!(
            "E(B-V) must be a finite number >= 0, got {ebv}"
        )))
    }
}

/// The `redden --ebv` table: AGN rows (by `class_column`) of `t` reddened to `ebv`:
/// `Fs, e_Fs, Fm, e_Fm, Fh, e_Fh` times C_s, C_m, C_h, `Fb, e_Fb` (when present) times
/// C_b, the nine magnitudes + k_lambda E(B-V). Other rows and columns are unchanged,
/// cell for cell.
pub fn redden_table(
    t: &Table,
    ebv: f64,
    class_column: &str,
    absorption: &Absorption,
) -> Result<TableOut> {
    let ebv = check_ebv(ebv)?;
    let before = Sources::from_table(t, Some(class_column))?;
    let c = absorption.factors(ebv);
    let mut after = before.clone();
    redden_agns_with(&mut after, ebv, &c);
    // The broad band is not a feature input (F_b is recomputed from s, m, h) but is
    // reddened when present so that the table stays consistent.
    let broad: Vec<(&str, usize)> = ["Fb", "e_Fb"]
        .into_iter()
        .filter_map(|n| t.header.find(n).transpose().map(|c| c.map(|c| (n, c))))
        .collect::<Result<_>>()?;
    let mut new: Vec<&str> = Vec::new();
    for (v, e) in FLUX_COLUMNS {
        new.extend([v, e]);
    }
    new.extend(broad.iter().map(|(n, _)| *n));
    new.extend(BANDS.iter().map(|b| b.column));
    let cols: Vec<usize> = new
        .iter()
        .map(|n| t.header.require(n))
        .collect::<Result<_>>()?;
    let agn = agn();
    TableOut::extend(t, &new, |i| {
        let row = &t.rows[i];
        if before.class[i] != Some(agn) {
            return Ok(cols
                .iter()
                .map(|&c| row.record.get(c).unwrap_or("").to_string())
                .collect());
        }
        let mut v = Vec::with_capacity(new.len());
        for b in 0..3 {
            v.push(fmt_f64(after.flux[i][b]));
            v.push(fmt_f64(after.flux_err[i][b]));
        }
        for &(_, col) in &broad {
            v.push(fmt_num(row.num(col)?.map(|x| x * c[3])));
        }
        v.extend(after.mag[i].iter().map(|m| fmt_f64(*m)));
        Ok(v)
    })
}

/// The `redden --lookup` table: `t` with `ebv` (E(B-V) toward the row's ICRS position
/// in columns `ra_column`, `dec_column`, spec 3.1) and `ebv_bin` (spec 3.6) appended.
pub fn lookup_table(
    t: &Table,
    map: &SfdMap,
    ra_column: &str,
    dec_column: &str,
    binning: &Binning,
) -> Result<TableOut> {
    let ebv = lookup_ebv(t, map, ra_column, dec_column)?;
    TableOut::extend(t, &[schema::EBV, schema::EBV_BIN], |i| {
        Ok(ebv_cells(ebv[i], binning).to_vec())
    })
}

pub(crate) fn check_bin_width(bin_width: f64) -> Result<f64> {
    if bin_width.is_finite() && bin_width > 0.0 {
        Ok(bin_width)
    } else {
        Err(Error::invalid(format!(
            "bin width must be a positive number, got {bin_width}"
        )))
    }
}

/// E(B-V) toward every row of a table (spec 3.1); a missing or impossible position
/// is an error naming the cell.
pub fn lookup_ebv(t: &Table, map: &SfdMap, ra_column: &str, dec_column: &str) -> Result<Vec<f64>> {
    let ra = t.header.require(ra_column)?;
    let dec = t.header.require(dec_column)?;
    t.rows
        .iter()
        .map(|row| {
            let a = row.num_required(ra)?;
            let d = row.num_required(dec)?;
            if !(-90.0..=90.0).contains(&d) {
                return Err(row.error(dec, format!("declination {d} outside [-90, 90]")));
            }
            Ok(map.ebv(a, d))
        })
        .collect()
}

/// The `ebv` and `ebv_bin` cells of a source, as every tool writes them.
pub(crate) fn ebv_cells(ebv: f64, binning: &Binning) -> [String; 2] {
    [fmt_f64(ebv), binning.index(ebv).to_string()]
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
                for (b, c) in c.iter().enumerate() {
                    let r = after.flux[i][b] / before.flux[i][b];
                    assert!((r / c - 1.0).abs() < 1e-7, "row {i} band {b}: {r}");
                    let r = after.flux_err[i][b] / before.flux_err[i][b];
                    assert!((r / c - 1.0).abs() < 1e-7);
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
