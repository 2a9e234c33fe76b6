//! Synthetic X-ray source lists and counterpart catalogs for cross-match benchmarks.
//!
//! Everything lies in one sky region of 5 x 5 deg around (262.5, -32.5) (Galactic
//! plane, towards the bulge), uniform in area, so that the density of a catalog is its
//! row count over ~21 deg^2: 2,000,000 rows give ~95,000 per deg^2, Gaia's density in
//! such a field. Catalog row `i` with `i % COUNTERPART_EVERY == 0` is a counterpart of
//! X-ray source `i / COUNTERPART_EVERY`, within ~0.5 arcsec of it, so that matches and
//! rejections both occur. Columns are the VizieR names `xmatch` reads plus an id.

use std::io::Write;

use rand::RngExt;

use crate::error::{Error, Result};
use crate::rng::{ChaCha8Rng, Purpose, StreamId};

const RA0: f64 = 260.0;
const DEC0: f64 = -35.0;
const SIZE: f64 = 5.0;
/// Every how many catalog rows one is placed on an X-ray source.
pub(crate) const COUNTERPART_EVERY: usize = 20;

/// The catalogs `synth catalog` knows, in the order of their stream numbers.
pub const CATALOGS: [&str; 5] = ["gaia", "2mass", "allwise", "catwise", "unwise"];

fn stream(seed: u64, table: u64, row: usize) -> ChaCha8Rng {
    StreamId::new(seed).rng(Purpose::Synthetic, (table << 40) | row as u64)
}

/// A uniform position in the region (deg): uniform in RA and in sin(Dec).
fn position(rng: &mut ChaCha8Rng) -> (f64, f64) {
    let ra = RA0 + SIZE * rng.random::<f64>();
    let (s0, s1) = (DEC0.to_radians().sin(), (DEC0 + SIZE).to_radians().sin());
    let dec = (s0 + (s1 - s0) * rng.random::<f64>()).asin().to_degrees();
    (ra, dec)
}

/// The position of X-ray source `k` (the first draws of its stream).
fn xray_position(seed: u64, k: usize) -> (f64, f64) {
    position(&mut stream(seed, 0, k))
}

pub(super) fn sexagesimal(ra: f64, dec: f64, ra_dec: usize, dec_dec: usize) -> (String, String) {
    let h = ra / 15.0;
    let (hh, mm) = (h.trunc(), (h.fract() * 60.0).trunc());
    let ss = ((h * 60.0).fract() * 60.0).min(59.999);
    let sign = if dec < 0.0 { '-' } else { '+' };
    let d = dec.abs();
    let (dd, dm) = (d.trunc(), (d.fract() * 60.0).trunc());
    let ds = ((d * 60.0).fract() * 60.0).min(59.99);
    let ra_w = if ra_dec > 0 { ra_dec + 3 } else { 2 };
    let dec_w = if dec_dec > 0 { dec_dec + 3 } else { 2 };
    (
        format!("{hh:02}{mm:02}{ss:0ra_w$.ra_dec$}"),
        format!("{sign}{dd:02}{dm:02}{ds:0dec_w$.dec_dec$}"),
    )
}

fn io(e: std::io::Error) -> Error {
    Error::io("<stdout>", e)
}

/// Writes `n` X-ray sources (CSCv2_name, CSCv2_RA, CSCv2_DEC, CSCv2_PU) as CSV.
/// CSCv2_PU (err_ellipse_r0, arcsec) is 0.7 + an exponential tail of mean 0.8,
/// like the CSC's off-axis growth.
pub fn write_xray(n: usize, seed: u64, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "CSCv2_name,CSCv2_RA,CSCv2_DEC,CSCv2_PU").map_err(io)?;
    for k in 0..n {
        let mut rng = stream(seed, 0, k);
        let (ra, dec) = position(&mut rng);
        let pu = 0.7 - 0.8 * (1.0 - rng.random::<f64>()).ln();
        let (a, d) = sexagesimal(ra, dec, 1, 0);
        writeln!(out, "2CXO J{a}{d},{ra:.6},{dec:.6},{pu:.2}").map_err(io)?;
    }
    Ok(())
}

/// Writes `n` rows of a counterpart catalog (`gaia`, `2mass`, `allwise`, `catwise`,
/// `unwise`, VizieR column names) as CSV.
pub fn write_catalog(catalog: &str, n: usize, seed: u64, out: &mut dyn Write) -> Result<()> {
    let table = CATALOGS.iter().position(|c| *c == catalog).ok_or_else(|| {
        Error::invalid(format!(
            "unknown catalog '{catalog}' (one of {})",
            CATALOGS.join(", ")
        ))
    })? as u64
        + 1;
    writeln!(out, "{}", header(catalog)).map_err(io)?;
    let mut line = String::with_capacity(256);
    for i in 0..n {
        let mut rng = stream(seed, table, i);
        let (ra, dec) = if i % COUNTERPART_EVERY == 0 {
            let (ra, dec) = xray_position(seed, i / COUNTERPART_EVERY);
            // offset of up to ~0.5 arcsec in each coordinate
            let dra = (rng.random::<f64>() - 0.5) / 3600.0 / dec.to_radians().cos();
            let ddec = (rng.random::<f64>() - 0.5) / 3600.0;
            (ra + dra, dec + ddec)
        } else {
            position(&mut rng)
        };
        line.clear();
        row(catalog, i, ra, dec, &mut rng, &mut line)
            .map_err(|_| Error::invalid("cannot format a synthetic row"))?;
        out.write_all(line.as_bytes()).map_err(io)?;
    }
    Ok(())
}

fn header(catalog: &str) -> &'static str {
    match catalog {
        "gaia" => {
            "DR3Name,RA_ICRS,DE_ICRS,e_RA_ICRS,e_DE_ICRS,Plx,e_Plx,PM,epsi,Gmag,e_Gmag,BPmag,e_BPmag,RPmag,e_RPmag,rgeo,b_rgeo,B_rgeo"
        }
        "2mass" => "_2MASS,RAJ2000,DEJ2000,errMaj,Jmag,e_Jmag,Hmag,e_Hmag,Kmag,e_Kmag",
        "allwise" => "AllWISE,RAJ2000,DEJ2000,eeMaj,W1mag,e_W1mag,W2mag,e_W2mag,W3mag,e_W3mag",
        "catwise" => {
            "Name,RA_ICRS,DE_ICRS,e_RA_ICRS,e_DE_ICRS,W1mproPM,e_W1mproPM,W2mproPM,e_W2mproPM"
        }
        _ => "objID,RAJ2000,DEJ2000,e_XposW1,e_XposW2,e_YposW1,e_YposW2,FW1,e_FW1,FW2,e_FW2",
    }
}

/// One catalog row: magnitudes from a rising number count (faint sources dominate),
/// errors growing with magnitude, some cells missing as in the real catalogs.
fn row(
    catalog: &str,
    i: usize,
    ra: f64,
    dec: f64,
    rng: &mut ChaCha8Rng,
    s: &mut String,
) -> std::fmt::Result {
    use std::fmt::Write as _;
    let u = |rng: &mut ChaCha8Rng| rng.random::<f64>();
    // magnitude with N(<m) rising by x10 every 2.5 mag towards a limit
    let mag = |rng: &mut ChaCha8Rng, limit: f64| limit + 2.5 * u(rng).log10() * 0.6;
    let err = |m: f64, limit: f64| 0.002 + 0.2 * 10f64.powf(0.4 * (m - limit));
    match catalog {
        "gaia" => {
            let g = mag(rng, 20.7);
            let (bp, rp) = (g + 0.3 + 0.5 * u(rng), g - 0.6 - 0.4 * u(rng));
            let plx = 0.1 + 2.0 * u(rng) * u(rng);
            let e = 0.02 + 0.5 * 10f64.powf(0.4 * (g - 20.7));
            let colors = u(rng) > 0.1;
            let astro = u(rng) > 0.15;
            let (pm, epsi) = (8.0 * u(rng), 0.5 * u(rng));
            let id = 4_000_000_000_000_000_000u64 + i as u64 * 7919;
            write!(s, "Gaia DR3 {id},{ra:.11},{dec:.11},{e:.4},{:.4},", e * 0.8)?;
            if astro {
                write!(s, "{plx:.4},{:.4},{pm:.3},{epsi:.3},", e * 1.2)?;
            } else {
                write!(s, ",,,{epsi:.3},")?;
            }
            write!(s, "{g:.6},{:.6},", err(g, 21.0) / 10.0)?;
            if colors {
                write!(
                    s,
                    "{bp:.6},{:.6},{rp:.6},{:.6},",
                    err(bp, 21.0),
                    err(rp, 20.5)
                )?;
            } else {
                write!(s, ",,,,")?;
            }
            if astro {
                let d = 1000.0 / plx;
                writeln!(s, "{d:.2},{:.2},{:.2}", d * 0.8, d * 1.25)
            } else {
                writeln!(s, ",,")
            }
        }
        "2mass" => {
            let k = mag(rng, 14.3);
            let (h, j) = (k + 0.1 + 0.3 * u(rng), k + 0.5 + 0.6 * u(rng));
            let (a, d) = sexagesimal(ra, dec, 2, 1);
            let (a, d) = (a.replace('.', ""), d.replace('.', ""));
            write!(s, "{a}{d},{ra:.6},{dec:.6},{:.2},", 0.06 + 0.2 * u(rng))?;
            let je = if u(rng) > 0.1 {
                format!("{:.3}", err(j, 16.0))
            } else {
                String::new()
            };
            writeln!(
                s,
                "{j:.3},{je},{h:.3},{:.3},{k:.3},{:.3}",
                err(h, 15.5),
                err(k, 14.8)
            )
        }
        "allwise" => {
            let w1 = mag(rng, 16.5);
            let (w2, w3) = (w1 - 0.1 * u(rng), w1 - 0.5 - u(rng));
            let (a, d) = sexagesimal(ra, dec, 2, 1);
            write!(s, "J{a}{d},{ra:.7},{dec:.7},{:.4},", 0.05 + 0.3 * u(rng))?;
            let w3s = if u(rng) > 0.6 {
                format!("{w3:.3},{:.3}", err(w3, 12.0))
            } else {
                ",".to_string()
            };
            writeln!(
                s,
                "{w1:.3},{:.3},{w2:.3},{:.3},{w3s}",
                err(w1, 17.0),
                err(w2, 16.0)
            )
        }
        "catwise" => {
            let w1 = mag(rng, 17.0);
            let w2 = w1 - 0.1 * u(rng);
            let (a, d) = sexagesimal(ra, dec, 2, 1);
            writeln!(
                s,
                "J{a}{d},{ra:.7},{dec:.7},{:.4},{:.4},{w1:.3},{:.3},{w2:.3},{:.3}",
                0.03 + 0.3 * u(rng),
                0.03 + 0.3 * u(rng),
                err(w1, 17.5),
                err(w2, 16.5)
            )
        }
        _ => {
            let w1 = mag(rng, 17.5);
            let w2 = w1 - 0.1 * u(rng);
            let f = |m: f64, off: f64| 10f64.powf((22.5 - off - m) / 2.5);
            let (f1, f2) = (f(w1, 0.004), f(w2, 0.032));
            writeln!(
                s,
                "{:04}m{:03}o{i:07},{ra:.7},{dec:.7},{:.3},{:.3},{:.3},{:.3},{f1:.1},{:.3},{f2:.1},{:.3}",
                (ra * 10.0) as u32,
                (dec.abs() * 10.0) as u32,
                0.01 + 0.1 * u(rng),
                0.01 + 0.1 * u(rng),
                0.01 + 0.1 * u(rng),
                0.01 + 0.1 * u(rng),
                f1 * err(w1, 18.0),
                f2 * err(w2, 17.0)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xray_and_catalog_share_positions() {
        let mut x = Vec::new();
        write_xray(3, 9, &mut x).unwrap();
        let x = String::from_utf8(x).unwrap();
        let lines: Vec<&str> = x.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[1].starts_with("2CXO J"), "{}", lines[1]);
        let mut c = Vec::new();
        write_catalog("gaia", 2 * COUNTERPART_EVERY, 9, &mut c).unwrap();
        let c = String::from_utf8(c).unwrap();
        let f = |l: &str, k: usize| l.split(',').nth(k).unwrap().parse::<f64>().unwrap();
        let row1 = c.lines().nth(1 + COUNTERPART_EVERY).unwrap();
        let dra = (f(row1, 1) - f(lines[2], 1)) * 3600.0 * f(lines[2], 2).to_radians().cos();
        let ddec = (f(row1, 2) - f(lines[2], 2)) * 3600.0;
        assert!(dra.abs() <= 0.51 && ddec.abs() <= 0.51, "{dra} {ddec}");
        for cat in CATALOGS {
            let mut c = Vec::new();
            write_catalog(cat, 50, 1, &mut c).unwrap();
            let t = crate::table::Table::from_bytes(cat, c.leak()).unwrap();
            assert_eq!(t.len(), 50);
        }
        assert!(write_catalog("sdss", 1, 1, &mut Vec::new()).is_err());
    }
}
