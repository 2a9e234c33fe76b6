//! A synthetic catalog of the size and sky distribution of the Chandra Source Catalog
//! 2.1 (about 407,000 sources), in the paper's columns (the input of `classify`), for
//! measuring what classifying a whole catalog costs. Never used for results.
//!
//! Chandra sees the sky through pointings: sources come in clusters of a few tens (a
//! few thousands in the deep fields) within ~8' of a pointing centre. Here:
//! * one pointing per [`SOURCES_PER_POINTING`] sources; a pointing's share of the
//!   sources is log-normal (σ = 1 in ln), so that a few deep fields hold many;
//! * [`PLANE_FRACTION`] of the pointings target the Galactic plane (b normal with
//!   σ = 2°, l normal around the Galactic centre with σ = 30° for 60% of them, uniform
//!   for the others) and hold 1.5 times the sources of the others (crowded fields);
//!   the other pointings are isotropic (uniform in sin b), so about two thirds of
//!   the sources lie at |b| > 10° and the rest form a tail in the plane;
//! * a source lies uniformly within 8' of its pointing centre;
//! * its fluxes, errors, variability probabilities and magnitudes are those of a
//!   training source drawn at random (keeping their correlations and missing cells),
//!   fluxes and errors scaled by 10^(0.2 z) (z standard normal) and magnitudes
//!   shifted by the same factor, so that no two sources are copies.
//!
//! E(B-V) is not written: `classify` and `redden --lookup` take it from the SFD map at
//! each position, as for any real table.

use std::collections::HashSet;
use std::io::Write;

use rand_distr::{Distribution, StandardNormal};

use crate::bands::{BANDS, FLUX_COLUMNS};
use crate::error::{Error, Result};
use crate::rng::{ChaCha8Rng, Purpose, RngExt, StreamId};
use crate::schema::{DEC, NAME, P_INTER, P_INTRA, RA};
use crate::sfd::galactic_to_icrs;
use crate::sources::Sources;
use crate::table::fmt_num;

use super::sky::sexagesimal;

/// Sources of CSC 2.1.
pub const CSC21_SOURCES: usize = 407_000;
/// Mean number of sources per pointing.
pub(crate) const SOURCES_PER_POINTING: usize = 40;
/// Fraction of the pointings aimed at the Galactic plane.
pub(crate) const PLANE_FRACTION: f64 = 0.15;
/// Radius of a pointing's field (arcmin), about that of ACIS-I's 16.9' square.
const FIELD_RADIUS: f64 = 8.0;

/// Stream tables of [`Purpose::Synthetic`] (the sky and detection tables use 0-5).
const POINTING_TABLE: u64 = 10;
const SOURCE_TABLE: u64 = 11;

fn stream(seed: u64, table: u64, row: usize) -> ChaCha8Rng {
    StreamId::new(seed).rng(Purpose::Synthetic, (table << 40) | row as u64)
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// A pointing: its centre (ICRS, degrees) and its share of the sources.
#[derive(Debug, Clone, Copy)]
pub struct Pointing {
    pub ra: f64,
    pub dec: f64,
    pub weight: f64,
}

/// The pointings of a catalog of `n` sources.
pub fn pointings(n: usize, seed: u64) -> Vec<Pointing> {
    let count = n.div_ceil(SOURCES_PER_POINTING).max(1);
    (0..count)
        .map(|p| {
            let mut rng = stream(seed, POINTING_TABLE, p);
            let mut weight = normal(&mut rng).exp();
            let (l, b) = if rng.random::<f64>() < PLANE_FRACTION {
                weight *= 1.5;
                let b = 2.0 * normal(&mut rng);
                let l = if rng.random::<f64>() < 0.6 {
                    30.0 * normal(&mut rng)
                } else {
                    360.0 * rng.random::<f64>()
                };
                (l.rem_euclid(360.0), b.clamp(-89.0, 89.0))
            } else {
                let sin_b = 2.0 * rng.random::<f64>() - 1.0;
                (360.0 * rng.random::<f64>(), sin_b.asin().to_degrees())
            };
            let (ra, dec) = galactic_to_icrs(l, b);
            Pointing { ra, dec, weight }
        })
        .collect()
}

/// The column names of the catalog, in order.
pub fn header() -> Vec<String> {
    let mut h: Vec<String> = [NAME, RA, DEC].iter().map(|s| s.to_string()).collect();
    for (v, e) in FLUX_COLUMNS {
        h.extend([v.to_string(), e.to_string()]);
    }
    h.extend(["Fb".to_string(), "e_Fb".to_string()]);
    h.extend([P_INTRA.to_string(), P_INTER.to_string()]);
    for band in &BANDS {
        h.extend([band.column.to_string(), band.error_column.to_string()]);
    }
    h
}

/// Writes `n` sources (see the module documentation) drawn from the training set `td`.
pub fn write(n: usize, seed: u64, td: &Sources, out: &mut dyn Write) -> Result<()> {
    if td.is_empty() {
        return Err(Error::invalid("synth: an empty training set"));
    }
    let io = |e| Error::io("<stdout>", e);
    let pts = pointings(n, seed);
    let mut cdf = Vec::with_capacity(pts.len());
    let mut total = 0.0;
    for p in &pts {
        total += p.weight;
        cdf.push(total);
    }
    writeln!(out, "{}", header().join(",")).map_err(io)?;
    let mut names: HashSet<String> = HashSet::with_capacity(n);
    let mut line = String::with_capacity(512);
    for k in 0..n {
        let mut rng = stream(seed, SOURCE_TABLE, k);
        let u = total * rng.random::<f64>();
        let p = &pts[cdf.partition_point(|&c| c <= u).min(pts.len() - 1)];
        // Uniform in the disk: radius sqrt(u) R, on the tangent plane.
        let r = FIELD_RADIUS / 60.0 * rng.random::<f64>().sqrt();
        let theta = std::f64::consts::TAU * rng.random::<f64>();
        let dec = (p.dec + r * theta.cos()).clamp(-90.0, 90.0);
        let ra = (p.ra + r * theta.sin() / dec.to_radians().cos().max(1e-3)).rem_euclid(360.0);
        let i = rng.random_range(0..td.len());
        let scale = 10f64.powf(0.2 * normal(&mut rng));
        let (a, d) = sexagesimal(ra, dec, 1, 0);
        let mut name = format!("2CXO J{a}{d}");
        // CSC names are unique; a rare collision of the rounded position gets a suffix.
        let mut extra = 1;
        while names.contains(&name) {
            extra += 1;
            name = format!("2CXO J{a}{d}_{extra}");
        }
        line.clear();
        use std::fmt::Write as _;
        let fmt = |line: &mut String, v: f64, precision: usize| {
            if v.is_finite() {
                let _ = write!(line, ",{v:.precision$e}");
            } else {
                line.push(',');
            }
        };
        let _ = write!(line, "{name},{ra:.7},{dec:.7}");
        for b in 0..3 {
            fmt(&mut line, td.flux[i][b] * scale, 3);
            fmt(&mut line, td.flux_err[i][b] * scale, 3);
        }
        let fb: f64 = td.flux[i].iter().sum::<f64>() * scale;
        let e_fb = td.flux_err[i].iter().map(|e| e * e).sum::<f64>().sqrt() * scale;
        fmt(&mut line, fb, 3);
        fmt(&mut line, e_fb, 3);
        for v in [td.p_intra[i], td.p_inter[i]] {
            line.push(',');
            line.push_str(&fmt_num(Some(v)));
        }
        let shift = -2.5 * scale.log10();
        for b in 0..BANDS.len() {
            let m = td.mag[i][b] + shift;
            if m.is_finite() {
                let _ = write!(line, ",{m:.3}");
            } else {
                line.push(',');
            }
            line.push(',');
            line.push_str(&fmt_num(Some(td.mag_err[i][b])));
        }
        line.push('\n');
        out.write_all(line.as_bytes()).map_err(io)?;
        names.insert(name);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sfd::icrs_to_galactic;
    use crate::table::Table;

    #[test]
    fn a_readable_table_mostly_at_high_latitude_with_a_plane_tail() {
        let td = Sources::embedded_training_set().unwrap();
        let n = 20_000;
        let mut buf = Vec::new();
        write(n, 3, &td, &mut buf).unwrap();
        let t = Table::from_bytes("synth.csv", buf.leak()).unwrap();
        let s = Sources::from_table(&t, None).unwrap();
        assert_eq!(s.len(), n);
        let unique: HashSet<&String> = s.names.iter().collect();
        assert_eq!(unique.len(), n);
        let b: Vec<f64> = (0..n)
            .map(|k| icrs_to_galactic(s.ra[k], s.dec[k]).1)
            .collect();
        let high = b.iter().filter(|b| b.abs() > 10.0).count() as f64 / n as f64;
        let plane = b.iter().filter(|b| b.abs() < 2.0).count() as f64 / n as f64;
        // Isotropic alone gives 83% at |b| > 10 and 3.5% at |b| < 2.
        assert!((0.55..0.8).contains(&high), "{high}");
        assert!(plane > 0.08, "{plane}");
        // Clustered: the mean distance to the nearest of the next 200 rows' sources
        // is meaningless for random order; instead, most sources share a 0.25° cell
        // with at least 10 others.
        let mut cells: std::collections::HashMap<(i64, i64), usize> = Default::default();
        for k in 0..n {
            *cells
                .entry(((s.ra[k] * 4.0) as i64, (s.dec[k] * 4.0) as i64))
                .or_default() += 1;
        }
        let crowded: usize = cells.values().filter(|&&c| c > 10).sum();
        assert!(crowded as f64 > 0.7 * n as f64, "{crowded}");
        // Values from the training set: the same missing pattern as some TD row.
        assert!(s.flux.iter().flatten().all(|f| *f > 0.0));
        let g_missing = s.mag.iter().filter(|m| m[0].is_nan()).count() as f64 / n as f64;
        let td_missing = td.mag.iter().filter(|m| m[0].is_nan()).count() as f64 / td.len() as f64;
        assert!(
            (g_missing - td_missing).abs() < 0.03,
            "{g_missing} {td_missing}"
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_table() {
        let td = Sources::embedded_training_set().unwrap();
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        write(300, 1, &td, &mut a).unwrap();
        write(300, 1, &td, &mut b).unwrap();
        write(300, 2, &td, &mut c).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
