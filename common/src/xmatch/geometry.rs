//! Positions on the sphere: unit vectors for the kd-tree, squared-chord radii, and
//! great-circle separations in arcsec.

/// One arcsec in radians.
pub(crate) const ARCSEC: f64 = std::f64::consts::PI / 648_000.0;

/// The unit vector of (ra, dec) in degrees.
pub(crate) fn unit_vector(ra_deg: f64, dec_deg: f64) -> [f64; 3] {
    let (sa, ca) = ra_deg.to_radians().sin_cos();
    let (sd, cd) = dec_deg.to_radians().sin_cos();
    [cd * ca, cd * sa, sd]
}

/// The squared chord between two unit vectors `theta` arcsec apart: the kd-tree's
/// squared-Euclidean radius for a cone of that angle.
pub(crate) fn chord2(theta_arcsec: f64) -> f64 {
    let c = 2.0 * (0.5 * theta_arcsec * ARCSEC).sin();
    c * c
}

/// Great-circle separation in arcsec of two (ra, dec) positions in degrees, by the
/// haversine formula (accurate at the sub-milliarcsecond separations that matter here).
pub(crate) fn separation_arcsec(ra1: f64, dec1: f64, ra2: f64, dec2: f64) -> f64 {
    let (d1, d2) = (dec1.to_radians(), dec2.to_radians());
    let sd = (0.5 * (d2 - d1)).sin();
    let sa = (0.5 * (ra2 - ra1).to_radians()).sin();
    let h = sd * sd + d1.cos() * d2.cos() * sa * sa;
    2.0 * h.sqrt().min(1.0).asin() / ARCSEC
}

/// The squared chord between two unit vectors, summed in the kd-tree's order (so
/// that a comparison with a kd-tree radius gives the kd-tree's answer, bit for bit).
pub(crate) fn chord2_between(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let mut acc = 0.0;
    for i in 0..3 {
        let d = a[i] - b[i];
        acc += d * d;
    }
    acc
}

/// Positions in declination strips, each cut into right-ascension bins: the
/// positions within `reach` arcsec of a point are in the point's strip or the two
/// beside it, in the bins that overlap a right-ascension window around it. For many
/// queries against a small set (catalog rows against the X-ray sources) this is several
/// times faster than a kd-tree: a query is a few array lookups.
pub(crate) struct StripIndex {
    /// Strip height, degrees (the reach, with a margin).
    height: f64,
    /// Declination of the lower edge of strip 0.
    dec0: f64,
    strips: Vec<Strip>,
}

/// One declination strip: its positions sorted by right ascension (in [0, 360)), and
/// where each bin starts among them. The unit vectors are stored with the indices, so
/// that testing the candidates of a query reads one contiguous slice.
#[derive(Default, Clone)]
struct Strip {
    /// Half-width of the right-ascension window, degrees.
    half_width: f64,
    ra_min: f64,
    bin_width: f64,
    ra_max: f64,
    starts: Vec<u32>,
    items: Vec<([f64; 3], u32)>,
}

impl StripIndex {
    pub fn new(positions: &[(f64, f64)], reach_arcsec: f64) -> StripIndex {
        let mut ras: Vec<Vec<(f64, u32)>> = Vec::new();
        let height = reach_arcsec * (1.0 + 1e-4) / 3600.0;
        let dec0 = positions.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        let strip_of = |dec: f64| ((dec - dec0) / height).floor() as usize;
        let n = positions
            .iter()
            .map(|p| strip_of(p.1) + 1)
            .max()
            .unwrap_or(0);
        let mut strips = vec![Strip::default(); n];
        ras.resize(n, Vec::new());
        for (i, &(ra, dec)) in positions.iter().enumerate() {
            ras[strip_of(dec)].push((ra.rem_euclid(360.0), i as u32));
        }
        // sin(theta/2)^2 >= cos(d1) cos(d2) sin(dra/2)^2: with |d| <= D in and around
        // the strip, dra <= 2 asin(sin(theta/2) / cos D).
        let half_theta = (0.5 * reach_arcsec * (1.0 + 1e-4) / 3600.0).to_radians();
        for (k, strip) in strips.iter_mut().enumerate() {
            let lo = dec0 + k as f64 * height;
            let d = lo.abs().max((lo + height).abs()) + height;
            let arg = half_theta.sin() / d.min(90.0).to_radians().cos();
            strip.half_width = if arg < 0.5 {
                2.0 * arg.asin().to_degrees() * (1.0 + 1e-4)
            } else {
                360.0
            };
            let items = &mut ras[k];
            items.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let (Some(first), Some(last)) = (items.first(), items.last()) else {
                continue;
            };
            let span = last.0 - first.0;
            let bins = ((span / strip.half_width).ceil() as usize + 1).min(2 * items.len() + 1);
            strip.ra_min = first.0;
            strip.ra_max = last.0;
            strip.bin_width = (span / bins as f64).max(f64::MIN_POSITIVE);
            strip.starts = vec![0u32; bins + 1];
            for p in items.iter() {
                let b = strip.bin(p.0);
                strip.starts[b + 1] += 1;
            }
            for b in 1..=bins {
                strip.starts[b] += strip.starts[b - 1];
            }
            strip.items = items
                .iter()
                .map(|&(_, i)| {
                    let (ra, dec) = positions[i as usize];
                    (unit_vector(ra, dec), i)
                })
                .collect();
        }
        StripIndex {
            height,
            dec0,
            strips,
        }
    }

    /// Calls `f` with the index and unit vector of every position that can be within
    /// the reach of (ra, dec), and some beyond it: the caller tests the distance.
    pub fn candidates(&self, ra: f64, dec: f64, mut f: impl FnMut(usize, &[f64; 3])) {
        let k = ((dec - self.dec0) / self.height).floor();
        if !(k >= -1.0 && k <= self.strips.len() as f64) {
            return;
        }
        let k = k as i64;
        let ra = ra.rem_euclid(360.0);
        for s in (k - 1).max(0)..=(k + 1).min(self.strips.len() as i64 - 1) {
            let strip = &self.strips[s as usize];
            if strip.items.is_empty() {
                continue;
            }
            let w = strip.half_width;
            if w >= 180.0 {
                strip.items.iter().for_each(|p| f(p.1 as usize, &p.0));
                continue;
            }
            for q in [ra - 360.0, ra, ra + 360.0] {
                if q + w < strip.ra_min || q - w > strip.ra_max {
                    continue;
                }
                let a = strip.starts[strip.bin(q - w)] as usize;
                let b = strip.starts[strip.bin(q + w) + 1] as usize;
                strip.items[a..b].iter().for_each(|p| f(p.1 as usize, &p.0));
            }
        }
    }
}

impl StripIndex {
    /// A key that orders positions by strip, then by right ascension within ~ the
    /// strip height: queries made in this order reuse the same parts of the index.
    pub(crate) fn sky_key(&self, ra: f64, dec: f64) -> u64 {
        let k = ((dec - self.dec0) / self.height)
            .floor()
            .clamp(0.0, u32::MAX as f64) as u64;
        let r = (ra.rem_euclid(360.0) / self.height)
            .floor()
            .clamp(0.0, u32::MAX as f64) as u64;
        k << 32 | r
    }
}

impl Strip {
    /// The bin of a right ascension, clamped to the strip's bins.
    fn bin(&self, ra: f64) -> usize {
        let b = ((ra - self.ra_min) / self.bin_width).floor();
        (b.max(0.0) as usize).min(self.starts.len() - 2)
    }
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

    #[test]
    fn strip_index_finds_every_neighbour() {
        // points around the sky, near the poles and across RA = 0
        let mut pts = Vec::new();
        for i in 0..4000 {
            let t = i as f64;
            let dec = if i % 7 == 0 {
                89.99 + (t * 0.37).fract() * 0.01
            } else {
                -60.0 + (t * 0.618).fract() * 0.2
            };
            pts.push(((t * 0.754_877).fract() * 0.3 - 0.1, dec));
        }
        let reach = 30.0;
        let index = StripIndex::new(&pts, reach);
        let xyz: Vec<[f64; 3]> = pts.iter().map(|&(r, d)| unit_vector(r, d)).collect();
        for q in (0..pts.len()).step_by(37) {
            let (ra, dec) = pts[q];
            let mut found = Vec::new();
            index.candidates(ra + 1e-4, dec, |i, v| {
                assert_eq!(*v, xyz[i]);
                found.push(i)
            });
            let qv = unit_vector(ra + 1e-4, dec);
            for (i, p) in xyz.iter().enumerate() {
                if chord2_between(&qv, p) <= chord2(reach) {
                    assert!(found.contains(&i), "query {q} misses {i}");
                }
            }
        }
    }
}
