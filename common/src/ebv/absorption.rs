//! X-ray photoelectric absorption of an AGN spectrum, the factor C_AGN of paper eq. 5
//! (spec 3.2, 3.3), from the tbabs (Wilms, Allen & McCray 2000) cross-sections.

use crate::bands::XRAY_BANDS;
use crate::data;
use crate::error::{Error, Result};

/// N_H per E(B-V) in 1e21 cm^-2: N_H/A_V = 2.21e21 cm^-2 mag^-1 and A_V = 3.1 E(B-V)
/// (spec 3.1), in the authors' order of multiplication.
pub(crate) const NH21_PER_EBV: f64 = 2.21 * 3.1;

/// The photon index of the AGN spectrum (spec 3.3, 11.2).
pub(crate) const AGN_GAMMA: f64 = 2.0;

/// The tbabs table: energies (keV) and cross-sections scaled as upstream (row 1 x 100,
/// so that tau = nH21 1e-3 sigma_100, spec 3.2).
#[derive(Debug, Clone)]
pub struct Absorption {
    energy: Vec<f64>,
    sigma100: Vec<f64>,
}

impl Absorption {
    /// The embedded `tbabs.data` (`common::data::TBABS`).
    pub fn embedded() -> Result<Absorption> {
        let text = std::str::from_utf8(data::TBABS)
            .map_err(|_| Error::file(data::TBABS_NAME, "not UTF-8 text"))?;
        Self::parse(data::TBABS_NAME, text)
    }

    /// Parses the two whitespace-separated rows of `tbabs.data` (spec 3.2).
    pub fn parse(name: &str, text: &str) -> Result<Absorption> {
        let mut rows = text.lines().filter(|l| !l.trim().is_empty());
        let mut row = |k: u64| -> Result<Vec<f64>> {
            let line = rows
                .next()
                .ok_or_else(|| Error::file(name, format!("missing row {k}")))?;
            line.split_whitespace()
                .map(|c| {
                    c.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| Error::file(name, format!("row {k}: not a number '{c}'")))
                })
                .collect()
        };
        let energy = row(1)?;
        let sigma = row(2)?;
        if energy.len() != sigma.len() || energy.len() < 2 {
            return Err(Error::file(
                name,
                format!(
                    "rows of unequal or too short length ({} energies, {} cross-sections)",
                    energy.len(),
                    sigma.len()
                ),
            ));
        }
        if energy.windows(2).any(|w| w[1] <= w[0]) || energy[0] <= 0.0 {
            return Err(Error::file(
                name,
                "energies must be positive and increasing",
            ));
        }
        let sigma100 = sigma.iter().map(|s| s * 100.0).collect();
        Ok(Absorption { energy, sigma100 })
    }

    /// g_k = E_k^(1-Gamma) exp(-tau(E_k)) on the grid, tau = nH21 1e-3 sigma_100 (spec 3.2).
    fn absorbed(&self, nh21: f64, gamma: f64) -> Vec<f64> {
        self.energy
            .iter()
            .zip(&self.sigma100)
            .map(|(e, s)| e.powf(1.0 - gamma) * (-(nh21 * 1e-3 * s)).exp())
            .collect()
    }

    /// C = (integral of g over [e1, e2] through the piecewise-linear interpolant on the
    /// tbabs grid) / (exact integral of E^(1-Gamma)), spec 3.3; e1, e2 in keV inside
    /// the grid.
    fn ratio(&self, g: &[f64], gamma: f64, e1: f64, e2: f64) -> f64 {
        let numerator = linear_integral(&self.energy, g, e1, e2);
        let denominator = if gamma == 2.0 {
            (e2 / e1).ln()
        } else {
            (e2.powf(2.0 - gamma) - e1.powf(2.0 - gamma)) / (2.0 - gamma)
        };
        numerator / denominator
    }

    /// C_AGN of the band [e1, e2] keV for a column `nh21` (1e21 cm^-2) and photon
    /// index `gamma` (spec 3.3).
    pub fn factor(&self, nh21: f64, gamma: f64, e1: f64, e2: f64) -> f64 {
        self.ratio(&self.absorbed(nh21, gamma), gamma, e1, e2)
    }

    /// C_AGN for the bands s, m, h, b at this E(B-V) (nH21 = 6.851 E(B-V)), photon
    /// index 2 (spec 3.3).
    pub fn factors(&self, ebv: f64) -> [f64; 4] {
        let g = self.absorbed(NH21_PER_EBV * ebv, AGN_GAMMA);
        XRAY_BANDS.map(|(_, e1, e2)| self.ratio(&g, AGN_GAMMA, e1, e2))
    }
}

/// The exact integral over [a, b] of the piecewise-linear interpolant through
/// (x_k, y_k), x increasing and [a, b] inside the grid: full trapezoids on the grid
/// intervals inside, partial ones at the ends with end values interpolated linearly
/// (scipy `InterpolatedUnivariateSpline(k=1).integral`, spec 3.3).
fn linear_integral(x: &[f64], y: &[f64], a: f64, b: f64) -> f64 {
    let at = |k: usize, t: f64| y[k] + (y[k + 1] - y[k]) * (t - x[k]) / (x[k + 1] - x[k]);
    let mut total = 0.0;
    for k in 0..x.len() - 1 {
        let lo = x[k].max(a);
        let hi = x[k + 1].min(b);
        if hi > lo {
            total += 0.5 * (at(k, lo) + at(k, hi)) * (hi - lo);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    /// Spec 3.3 test vectors (Gamma = 2), printed to 8 significant digits.
    #[test]
    fn spec_table() {
        let abs = Absorption::embedded().unwrap();
        let table: [(f64, [f64; 4]); 6] = [
            (0.0, [1.0000003, 1.0000003, 1.0000003, 1.0000003]),
            (0.1, [0.73166459, 0.94108066, 0.99124307, 0.89542208]),
            (0.5, [0.25680361, 0.7416975, 0.95756448, 0.68331329]),
            (1.0, [0.092133561, 0.55656228, 0.91830758, 0.57421566]),
            (3.0, [0.0043211424, 0.19515025, 0.78747449, 0.41302235]),
            (10.0, [8.0391516e-07, 0.0099934211, 0.52298583, 0.25019649]),
        ];
        for (ebv, expect) in table {
            let c = abs.factors(ebv);
            for b in 0..4 {
                assert!(
                    rel(c[b], expect[b]) < 6e-8,
                    "E(B-V) {ebv} band {b}: {} vs {}",
                    c[b],
                    expect[b]
                );
            }
        }
        // C(0) = 1.00000026 (spec 3.3): linear interpolation of 1/E overestimates.
        let c0 = abs.factors(0.0);
        assert!(c0.iter().all(|c| (c - 1.00000026).abs() < 1e-8), "{c0:?}");
    }

    #[test]
    fn integral_of_a_line_is_exact() {
        let x = [0.0, 1.0, 3.0, 4.0];
        let y = [1.0, 3.0, 7.0, 9.0]; // y = 2x + 1
        let exact = |a: f64, b: f64| (b * b + b) - (a * a + a);
        for (a, b) in [(0.0, 4.0), (0.5, 3.5), (1.2, 1.7), (1.0, 3.0)] {
            assert!((linear_integral(&x, &y, a, b) - exact(a, b)).abs() < 1e-14);
        }
    }

    #[test]
    fn bad_tables_are_errors() {
        assert!(Absorption::parse("t", "1 2 3\n4 5\n").is_err());
        assert!(Absorption::parse("t", "1 2 x\n4 5 6\n").is_err());
        assert!(Absorption::parse("t", "1 2 3\n").is_err());
        assert!(Absorption::parse("t", "2 1 3\n4 5 6\n").is_err());
    }
}
