//! Positions on the sphere: unit vectors for the kd-tree, squared-chord radii, and
//! great-circle separations in arcsec.

/// One arcsec in radians.
pub const ARCSEC: f64 = std::f64::consts::PI / 648_000.0;

/// The unit vector of (ra, dec) in degrees.
pub fn unit_vector(ra_deg: f64, dec_deg: f64) -> [f64; 3] {
    let (sa, ca) = ra_deg.to_radians().sin_cos();
    let (sd, cd) = dec_deg.to_radians().sin_cos();
    [cd * ca, cd * sa, sd]
}

/// The squared chord between two unit vectors `theta` arcsec apart: the kd-tree's
/// squared-Euclidean radius for a cone of that angle.
pub fn chord2(theta_arcsec: f64) -> f64 {
    let c = 2.0 * (0.5 * theta_arcsec * ARCSEC).sin();
    c * c
}

/// Great-circle separation in arcsec of two (ra, dec) positions in degrees, by the
/// haversine formula (accurate at the sub-milliarcsecond separations that matter here).
pub fn separation_arcsec(ra1: f64, dec1: f64, ra2: f64, dec2: f64) -> f64 {
    let (d1, d2) = (dec1.to_radians(), dec2.to_radians());
    let sd = (0.5 * (d2 - d1)).sin();
    let sa = (0.5 * (ra2 - ra1).to_radians()).sin();
    let h = sd * sd + d1.cos() * d2.cos() * sa * sa;
    2.0 * h.sqrt().min(1.0).asin() / ARCSEC
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separations() {
        assert!((separation_arcsec(10.0, 0.0, 10.0, 1.0 / 3600.0) - 1.0).abs() < 1e-12);
        // along a parallel the separation shrinks by cos(dec)
        let s = separation_arcsec(0.0, 60.0, 1.0 / 3600.0, 60.0);
        assert!((s - 0.5).abs() < 1e-9, "{s}");
        assert!((separation_arcsec(0.0, 0.0, 180.0, 0.0) - 648_000.0).abs() < 1e-6);
        // across RA = 0
        let s = separation_arcsec(359.9999, 0.0, 0.0001, 0.0);
        assert!((s - 0.72).abs() < 1e-9, "{s}");
    }

    #[test]
    fn chord_matches_unit_vectors() {
        let a = unit_vector(166.28, -58.85);
        let b = unit_vector(166.28, -58.85 + 10.0 / 3600.0);
        let d2: f64 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
        assert!((d2 / chord2(10.0) - 1.0).abs() < 1e-6, "{d2}");
    }
}
