//! Synthetic CSC per-observation detection tables (the shape of `examples/*/input/per.csv`).
//!
//! Sources sit in fields of about 30 sources observed in 1 to 6 ObsIDs; a source is
//! detected in 1 to all of its field's ObsIDs (about 3 detections per source on
//! average). The rows carry every column `fechner` reads, CSC-style padding
//! (leading spaces, blank padded cells) and some unused columns, in the padded
//! CSC spellings (TRUE/False). About 1 in 10 detections has no soft band, 1 in 30
//! no hard band; about 1 in 4 lies beyond 10' off-axis; 1 in 500 shares its
//! (obsid, region_id, obi) with another master source.

use std::io::Write;

use crate::error::{Error, Result};
use crate::rng::{Purpose, RngExt, StreamId};

/// Sub-stream of [`Purpose::Sample`] used for synthetic detections (benchmarks only;
/// no result depends on it).
const SYNTH_STREAM: u64 = 0x5359_4e54_4845_5449; // "SYNTHETI"

const HEADER: &str = "separation,name,ra,dec,err_ellipse_r0,err_ellipse_r1,err_ellipse_ang,\
significance,likelihood_class,conf_flag,extent_flag,pileup_flag,sat_src_flag,streak_src_flag,\
flux_aper90_b,flux_aper90_lolim_b,flux_aper90_hilim_b,kp_intra_prob_b,var_inter_prob_b,nh_gal,\
flux_powlaw,powlaw_gamma,powlaw_stat,obsid,region_id,obi,ra_pnt,dec_pnt,instrument,theta,\
flux_significance_b,pileup_warning,sat_src_flag.1,streak_src_flag.1,\
flux_aper90_h.1,flux_aper90_lolim_h.1,flux_aper90_hilim_h.1,\
flux_aper90_m.1,flux_aper90_lolim_m.1,flux_aper90_hilim_m.1,\
flux_aper90_s.1,flux_aper90_lolim_s.1,flux_aper90_hilim_s.1,kp_prob_b,ks_prob_b,usrid";

/// "hh mm ss.ss" of an angle in degrees (RA: pass degrees/15 for hours).
fn sexa(v: f64, sign: bool) -> String {
    let neg = v < 0.0;
    let a = v.abs();
    let d = a.floor();
    let m = ((a - d) * 60.0).floor();
    let s = ((a - d) * 60.0 - m) * 60.0;
    let sgn = if neg {
        "-"
    } else if sign {
        "+"
    } else {
        " "
    };
    format!("{sgn}{:02} {:02} {:05.2}", d as u32, m as u32, s.min(59.99))
}

/// Mode, lower and upper limit of one band of a detection, or blank padded cells.
fn band(rng: &mut impl RngExt, flux: f64, missing: bool) -> String {
    if missing {
        return "         ,         ,         ".to_string();
    }
    let m = flux / 3.0 * 10f64.powf(rng.random_range(-0.5..0.5));
    let lo = m * rng.random_range(0.3..0.9);
    let hi = m * rng.random_range(1.1..2.0);
    format!("{m:.3e},{lo:.3e},{hi:.3e}")
}

/// Writes `n` detections as CSV.
pub fn write(n: usize, seed: u64, out: &mut dyn Write) -> Result<()> {
    let io = |e| Error::io("<stdout>", e);
    let mut rng = StreamId::new(seed).rng(Purpose::Sample, SYNTH_STREAM);
    writeln!(out, "{HEADER}").map_err(io)?;
    let mut written = 0;
    let mut usrid = 0u64;
    let mut obsid_next = 1000u32;
    while written < n {
        // A field: a pointing and its ObsIDs.
        let ra0: f64 = rng.random_range(0.0..360.0);
        let dec0: f64 = rng.random_range(-89.0..89.0);
        let n_obs = rng.random_range(1..=6usize);
        let obsids: Vec<u32> = (0..n_obs).map(|i| obsid_next + i as u32).collect();
        obsid_next += n_obs as u32;
        let n_src = rng.random_range(10..=50usize);
        let mut region = vec![0u32; n_obs];
        for _ in 0..n_src {
            if written >= n {
                break;
            }
            usrid += 1;
            let ra =
                (ra0 + rng.random_range(-0.15..0.15) / dec0.to_radians().cos()).rem_euclid(360.0);
            let dec = dec0 + rng.random_range(-0.15..0.15);
            let (rs, ds) = (sexa(ra / 15.0, false), sexa(dec, true));
            let name = format!(
                "2CXO J{}{}{}.{}{}{}{}",
                &rs[1..3],
                &rs[4..6],
                &rs[7..9],
                &rs[10..11],
                &ds[0..1],
                &ds[1..3],
                &ds[4..6]
            ) + &ds[7..9];
            let r0: f64 = rng.random_range(0.3..5.0);
            let sig: f64 = rng.random_range(1.0..40.0);
            let flux: f64 = 10f64.powf(rng.random_range(-16.0..-12.0));
            let sat = rng.random::<f64>() < 0.002;
            let conf = rng.random::<f64>() < 0.1;
            let master = format!(
                "{:.2},{name},{rs},{ds},{r0:.2},{:.2},{:.1},{sig:.2},                TRUE,{},{},False,{},False,\
                 {flux:.3e},{:.3e},{:.3e},{:.3},,{:.2},         ,         ,         ",
                rng.random_range(0.0..1.0),
                r0 * rng.random_range(0.7..1.0),
                rng.random_range(0.0..180.0),
                if conf { " TRUE" } else { "False" },
                if rng.random::<f64>() < 0.05 {
                    " TRUE"
                } else {
                    "False"
                },
                if sat { " TRUE" } else { "False" },
                flux * 0.7,
                flux * 1.3,
                rng.random::<f64>(),
                rng.random_range(1.0..300.0),
            );
            // Detected in a random non-empty subset of the field's ObsIDs.
            let k = 1 + (rng.random::<f64>() * rng.random::<f64>() * n_obs as f64) as usize;
            let first = rng.random_range(0..n_obs);
            for j in 0..k.min(n_obs) {
                if written >= n {
                    break;
                }
                let o = (first + j) % n_obs;
                // Rarely the detection of the previous source in this ObsID also
                // belongs to this master source (CSC ambiguous association).
                let shared = region[o] > 0 && rng.random::<f64>() < 0.002;
                if !shared {
                    region[o] += 1;
                }
                let theta: f64 = rng.random_range(0.0..13.0);
                let h_missing = rng.random::<f64>() < 1.0 / 30.0;
                let h = band(&mut rng, flux, h_missing);
                let m = band(&mut rng, flux, false);
                let s_missing = rng.random::<f64>() < 0.1;
                let s = band(&mut rng, flux, s_missing);
                writeln!(
                    out,
                    "{master},{},{},0, {rs},{ds},ACIS,{theta:.3},{:.2},{:.3e},{},False,{h},{m},{s},{:.3},{:.3},{usrid}",
                    obsids[o],
                    region[o],
                    rng.random_range(0.0..30.0),
                    rng.random::<f64>() * 0.05,
                    if sat { "True" } else { "False" },
                    rng.random::<f64>(),
                    rng.random::<f64>(),
                )
                .map_err(io)?;
                written += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Table;

    #[test]
    fn synthetic_detections_are_readable_and_reproducible() {
        let mut a = Vec::new();
        write(500, 7, &mut a).unwrap();
        let mut b = Vec::new();
        write(500, 7, &mut b).unwrap();
        assert_eq!(a, b);
        let text: &'static [u8] = Box::leak(a.into_boxed_slice());
        let t = Table::from_bytes("synth", text).unwrap();
        assert_eq!(t.len(), 500);
        let s = t.header.require("flux_aper90_s.1").unwrap();
        let missing = t
            .rows
            .iter()
            .filter(|r| r.num(s).unwrap().is_none())
            .count();
        assert!(missing > 10 && missing < 120, "{missing}");
        let u = t.header.require("usrid").unwrap();
        let last = t.rows[499].int(u).unwrap().unwrap();
        assert!(last > 100 && last < 400, "{last} sources");
    }
}
