//! CSC per-observation detections to one row per source (spec section 1; paper
//! section 2.2 and eq. 1).
//!
//! Reading is two passes over the input, so that memory does not grow with the
//! width of the rows: pass 1 reads only the keys (source id, name and the
//! (obsid, region_id, obi) triple) and finds the detections shared by several master
//! sources (spec 1.4 bit 32), which needs the whole input; pass 2 streams the rows,
//! source by source, and writes each source as soon as its detections are complete.
//! Standard input is spooled to an unlinked temporary file during pass 1. In each
//! pass a reader thread tokenizes (and in pass 2 parses) rows in ordered batches.
//!
//! Memory: pass 1 keeps 32 bytes per detection and 8 per source (about 50 MB peak
//! for 1M detections); pass 2 holds one source at a time when each source's rows are
//! consecutive (CSCview output is ordered by usrid), otherwise every source's parsed
//! detections until the end (about 250 bytes per detection).
//!
//! Decisions (see also spec 1.10):
//! * Sources are the input's `usrid` groups when it has that column (CSCview's id
//!   of the queried position, which upstream groups by), else names. In
//!   `examples/ic2395` every position was queried twice, so each source appears as
//!   two usrids with identical detections, and twice in the output as in the
//!   authors' `ave.csv`; `--by-name` merges them (and counts each detection twice).
//! * HRC detections are dropped (DESIGN.md: the filter does what it intends).
//! * A detection whose sigma is 0 in a band is not weighted in that band
//!   ([`usable`]); upstream's infinite weight gives NaN for the whole band.
//! * Sources left without any detection are dropped as upstream does; `--keep-all`
//!   shows them with [`SRC_NO_DETECTION`].

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::mpsc;

use crate::error::{Error, Result};
use crate::table::{
    Batched, ByteRow, Header, Reader, Writer, read_batches, spawn_scoped, spool_file,
};

/// Off-axis angle above which a detection is dropped, arcmin (spec 1.4 bit 2, 11.2).
pub(crate) const THETA_MAX: f64 = 10.0;
/// `pileup_warning` above which a detection is dropped (spec 1.4 bit 8).
pub(crate) const PILEUP_MAX: f64 = 0.3;
/// Upper limit given to a band without any measurement (spec 1.5 step 5).
pub(crate) const MISSING_BAND_UPPER: f64 = 1e-17;

/// Detection filter bits (spec 1.4).
pub(crate) const DET_HRC: u32 = 1;
pub(crate) const DET_THETA: u32 = 2;
pub(crate) const DET_SATURATED: u32 = 4;
pub(crate) const DET_PILEUP: u32 = 8;
pub(crate) const DET_STREAK: u32 = 16;
pub(crate) const DET_SHARED: u32 = 32;

/// Source cleaning bits (spec 1.7; the TD-only +64 is not applied here).
pub(crate) const SRC_SAT_STREAK: u32 = 1;
pub(crate) const SRC_NO_FLUX: u32 = 32;
/// Not in the spec: a source all of whose detections were filtered out. Upstream
/// drops it silently; with `--keep-all` it is kept with this bit and a reason.
pub(crate) const SRC_NO_DETECTION: u32 = 128;

/// Fechner (split-normal) mean and standard deviation of a measurement given as a
/// mode and 1-sigma lower and upper limits (paper eq. 1a,b; spec 1.2). `None` if any
/// of the three is missing.
pub fn fechner(mode: Option<f64>, lolim: Option<f64>, hilim: Option<f64>) -> Option<(f64, f64)> {
    let (m, l, u) = (mode?, lolim?, hilim?);
    let sig_plus = u - m;
    let sig_minus = m - l;
    let d = sig_plus - sig_minus;
    let mean = m + (2.0 / std::f64::consts::PI).sqrt() * d;
    let var = (1.0 - 2.0 / std::f64::consts::PI) * d * d + sig_plus * sig_minus;
    Some((mean, var.sqrt()))
}

/// The Fechner mean and sigma that fill a band without any measurement: mode 0,
/// lower limit 0, upper limit 1e-17 (spec 1.5 step 5).
pub(crate) fn missing_band_fill() -> (f64, f64) {
    fechner(Some(0.0), Some(0.0), Some(MISSING_BAND_UPPER)).expect("all three given")
}

/// Inverse-variance weighted mean and its error, `sum(mu/s^2)/sum(1/s^2)` and
/// `sqrt(1/sum(1/s^2))` (spec 1.5 step 3). `None` for no measurement. Every sigma
/// must be positive: callers drop sigma = 0 detections first ([`usable`]).
pub(crate) fn inverse_variance_mean(measurements: &[(f64, f64)]) -> Option<(f64, f64)> {
    if measurements.is_empty() {
        return None;
    }
    let mut sum_w = 0.0;
    let mut sum_wmu = 0.0;
    for &(mu, s) in measurements {
        let w = 1.0 / (s * s);
        sum_w += w;
        sum_wmu += mu * w;
    }
    Some((sum_wmu / sum_w, (1.0 / sum_w).sqrt()))
}

/// A Fechner (mean, sigma) that can be weighted: present, finite and sigma > 0. A
/// zero sigma (lolim = mode = hilim) would get an infinite weight, which upstream
/// turns into NaN for the whole band (spec 1.5 step 3); we treat such a detection as
/// having no usable measurement in that band instead, so the others still count.
pub(crate) fn usable(v: Option<(f64, f64)>) -> Option<(f64, f64)> {
    v.filter(|&(mu, s)| mu.is_finite() && s.is_finite() && s > 0.0)
}

/// Rounds half to even at `decimals` places exactly as numpy's `round` does
/// (scale, round half to even, unscale), so that P_inter matches upstream bit for bit.
pub(crate) fn round_half_even(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round_ties_even() / scale
}

/// P(chi2_dof <= chisqr), the regularized lower incomplete gamma P(dof/2, chisqr/2)
/// (scipy `chdtr`), rounded to 3 decimals (spec 1.5 step 4).
pub(crate) fn inter_prob(dof: usize, chisqr: f64) -> f64 {
    let p = if chisqr <= 0.0 {
        0.0
    } else if chisqr.is_infinite() {
        1.0
    } else {
        statrs::function::gamma::gamma_lr(dof as f64 / 2.0, chisqr / 2.0)
    };
    round_half_even(p, 3)
}

/// Checks that a table of CSC per-observation rows has the columns fechner needs
/// (an error names the first one missing).
pub fn check_header(header: &Header) -> Result<()> {
    Columns::locate(header, &Options::default()).map(|_| ())
}

/// The accepted names of the per-observation column of a name that CSC has at the
/// master level too: `.1` as a CSCview export re-saved by pandas names it, and the
/// alias `_obs` of the queries `query` writes (ADQL identifiers cannot hold a dot).
pub(crate) fn observation_column(name: &str) -> [String; 2] {
    [format!("{name}.1"), format!("{name}{OBS_ALIAS}")]
}

/// The suffix `query` gives per-observation columns whose name the master has too.
pub const OBS_ALIAS: &str = "_obs";

/// A position cell: decimal degrees (as TAP services give them) or sexagesimal
/// "h m s" / "d m s" (as CSCview gives them; `hours` for right ascension).
pub fn angle(text: &str, hours: bool) -> std::result::Result<f64, String> {
    let t = text.trim();
    if !t.contains([' ', ':']) {
        return match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(format!(
                "not a sexagesimal 'd m s' value nor decimal degrees: '{t}'"
            )),
        };
    }
    Ok(sexagesimal(t)? * if hours { 15.0 } else { 1.0 })
}

/// Sexagesimal "d m s" (or "h m s") to decimal units; the sign of the first field
/// applies to the whole value ("-00 30 00" is -0.5).
pub fn sexagesimal(text: &str) -> std::result::Result<f64, String> {
    let t = text.trim();
    let fields: Vec<&str> = t.split([' ', ':']).filter(|s| !s.is_empty()).collect();
    if fields.len() != 3 {
        return Err(format!("not a sexagesimal 'd m s' value: '{t}'"));
    }
    let mut v = [0.0; 3];
    for (slot, f) in v.iter_mut().zip(&fields) {
        *slot = f
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| format!("not a sexagesimal 'd m s' value: '{t}'"))?;
    }
    let negative = fields[0].starts_with('-');
    let magnitude = v[0].abs() + v[1] / 60.0 + v[2] / 3600.0;
    Ok(if negative { -magnitude } else { magnitude })
}

/// The per-detection filter code of spec 1.4 without the shared-detection bit,
/// which needs the whole input.
pub(crate) fn detection_code(
    instrument: &str,
    theta: Option<f64>,
    sat_src_flag: bool,
    pileup_warning: Option<f64>,
    streak_src_flag: bool,
) -> u32 {
    let mut code = 0;
    // Upstream compares with " HRC" (leading space) while the tables store "HRC",
    // so its HRC cut never fires; DESIGN.md decides for the intent: drop HRC.
    if instrument.trim().to_ascii_uppercase().starts_with("HRC") {
        code |= DET_HRC;
    }
    // Missing theta counts as far off-axis (upstream's 975318642 sentinel).
    if theta.is_none_or(|t| t > THETA_MAX) {
        code |= DET_THETA;
    }
    if sat_src_flag {
        code |= DET_SATURATED;
    }
    if pileup_warning.is_some_and(|p| p > PILEUP_MAX) {
        code |= DET_PILEUP;
    }
    if streak_src_flag {
        code |= DET_STREAK;
    }
    code
}

/// Human-readable names of detection filter bits.
pub(crate) fn detection_reasons(code: u32) -> Vec<&'static str> {
    let names = [
        (DET_HRC, "HRC"),
        (DET_THETA, "theta > 10 arcmin or missing"),
        (DET_SATURATED, "saturated"),
        (DET_PILEUP, "pileup_warning > 0.3"),
        (DET_STREAK, "read-out streak"),
        (DET_SHARED, "detection shared by several master sources"),
    ];
    names
        .iter()
        .filter(|(bit, _)| code & bit != 0)
        .map(|(_, n)| *n)
        .collect()
}

/// What one kept detection contributes to its source (spec 1.5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// Fechner (mean, sigma) per band s, m, h (spec 1.2).
    pub bands: [Option<(f64, f64)>; 3],
    /// Per-observation Kuiper probability `kp_prob_b`.
    pub kp_prob_b: Option<f64>,
    /// `flux_significance_b`.
    pub flux_significance_b: Option<f64>,
}

impl Detection {
    /// The per-observation broad band: s + m + h, sigma in quadrature (spec 1.3).
    pub(crate) fn broad(&self) -> Option<(f64, f64)> {
        let [s, m, h] = self.bands;
        let (s, m, h) = (s?, m?, h?);
        Some((s.0 + m.0 + h.0, (s.1 * s.1 + m.1 * m.1 + h.1 * h.1).sqrt()))
    }
}

/// The averaged X-ray properties of one source (spec 1.5, 1.6).
#[derive(Debug, Clone, PartialEq)]
pub struct Average {
    /// Inverse-variance averages (flux, error) for s, m, h, missing bands filled.
    pub bands: [(f64, f64); 3],
    /// s + m + h of the filled bands, error in quadrature (spec 1.5 step 6).
    pub broad: (f64, f64),
    /// Bits 1, 2, 4 for s, m, h filled with the upper limit.
    pub flux_flag: u32,
    /// Number of kept detections with a complete broad band (the set D).
    pub n_obs: usize,
    /// N - 1 (so -1 for an empty D).
    pub dof: i64,
    pub chisqr: Option<f64>,
    /// P_inter, rounded to 3 decimals; missing for N < 2.
    pub var_inter_prob: Option<f64>,
    /// P_intra: highest kp_prob_b over D.
    pub kp_prob_b_max: Option<f64>,
    /// Highest flux_significance_b over D.
    pub significance_max: Option<f64>,
    /// Highest flux_significance_b over all kept detections.
    pub flux_significance_b_max: Option<f64>,
}

fn nan_max(acc: Option<f64>, v: Option<f64>) -> Option<f64> {
    match (acc, v) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Aggregates the kept detections of one source (spec 1.5 steps 2-6).
pub fn average(detections: &[Detection]) -> Average {
    let fill = missing_band_fill();
    let mut bands = [fill; 3];
    let mut flux_flag = 0;
    let mut buf = Vec::with_capacity(detections.len());
    for (b, slot) in bands.iter_mut().enumerate() {
        buf.clear();
        buf.extend(detections.iter().filter_map(|d| usable(d.bands[b])));
        match inverse_variance_mean(&buf) {
            Some(v) => *slot = v,
            None => flux_flag |= 1 << b,
        }
    }
    let broad = (
        bands[0].0 + bands[1].0 + bands[2].0,
        (bands[0].1 * bands[0].1 + bands[1].1 * bands[1].1 + bands[2].1 * bands[2].1).sqrt(),
    );

    let mut flux_significance_b_max = None;
    let mut kp_prob_b_max = None;
    let mut significance_max = None;
    buf.clear();
    for d in detections {
        flux_significance_b_max = nan_max(flux_significance_b_max, d.flux_significance_b);
        if let Some(b) = usable(d.broad()) {
            buf.push(b);
            kp_prob_b_max = nan_max(kp_prob_b_max, d.kp_prob_b);
            significance_max = nan_max(significance_max, d.flux_significance_b);
        }
    }
    let n_obs = buf.len();
    let (chisqr, var_inter_prob) = if n_obs >= 2 {
        let (mean, _) = inverse_variance_mean(&buf).expect("n >= 2");
        let chisqr: f64 = buf
            .iter()
            .map(|&(mu, s)| (mu - mean) * (mu - mean) / (s * s))
            .sum();
        (Some(chisqr), Some(inter_prob(n_obs - 1, chisqr)))
    } else {
        (None, None)
    };
    Average {
        bands,
        broad,
        flux_flag,
        n_obs,
        dof: n_obs as i64 - 1,
        chisqr,
        var_inter_prob,
        kp_prob_b_max,
        significance_max,
        flux_significance_b_max,
    }
}

/// Master-source columns, copied from the first kept detection (spec 1.5 step 1).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Master {
    pub name: String,
    pub ra: f64,
    pub dec: f64,
    pub err_ellipse_r0: Option<f64>,
    pub err_ellipse_r1: Option<f64>,
    pub err_ellipse_ang: Option<f64>,
    pub significance: Option<f64>,
    pub extent_flag: bool,
    pub conf_flag: bool,
    pub pileup_flag: bool,
    pub sat_src_flag: bool,
    pub streak_src_flag: bool,
}

impl Master {
    /// `CSCv2_flags`: "|"-join of extent, conf, pileup (spec 1.7).
    pub(crate) fn csc_flags(&self) -> String {
        let mut f = Vec::new();
        if self.extent_flag {
            f.push("extent");
        }
        if self.conf_flag {
            f.push("conf");
        }
        if self.pileup_flag {
            f.push("pileup");
        }
        f.join("|")
    }
}

/// Source-level cleaning code of spec 1.7 (+ [`SRC_NO_DETECTION`]) and its reason.
pub(crate) fn source_code(master: &Master, avg: &Average, n_kept: usize) -> u32 {
    let mut code = 0;
    if master.sat_src_flag || master.streak_src_flag {
        code |= SRC_SAT_STREAK;
    }
    if avg.flux_flag == 7 {
        code |= SRC_NO_FLUX;
    }
    if n_kept == 0 {
        code |= SRC_NO_DETECTION;
    }
    code
}

/// Output columns: the paper's table names (spec 10), then diagnostics.
pub const COLUMNS: [&str; 27] = [
    "CSCv2_name",
    "usrid",
    "CSCv2_RA",
    "CSCv2_DEC",
    "CSCv2_PU",
    "err_ellipse_r1",
    "err_ellipse_ang",
    "CSCv2_S/N",
    "Fs",
    "e_Fs",
    "Fm",
    "e_Fm",
    "Fh",
    "e_Fh",
    "Fb",
    "e_Fb",
    "P_intra",
    "P_inter",
    "CSCv2_flags",
    "n_det",
    "n_obs",
    "dof",
    "chisqr",
    "flux_flag",
    "significance_max",
    "flux_significance_b_max",
    "nh_gal",
];

/// Extra columns written with `keep_all`.
pub(crate) const KEEP_ALL_COLUMNS: [&str; 2] = ["remove_code", "remove_reason"];

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Keep removed sources, with `remove_code` and `remove_reason`.
    pub keep_all: bool,
    /// Group detections by `name` even when the input has a `usrid` column.
    pub by_name: bool,
}

/// What a run did, for a summary on stderr.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub detections: u64,
    pub detections_kept: u64,
    pub sources: u64,
    pub sources_written: u64,
    /// Detections removed per filter bit (1, 2, 4, 8, 16, 32), counted per bit.
    pub removed_by_bit: [u64; 6],
}

/// The columns fechner reads, located once in the header.
struct Columns {
    name: usize,
    usrid: Option<usize>,
    ra: usize,
    dec: usize,
    r0: usize,
    r1: Option<usize>,
    ang: Option<usize>,
    significance: usize,
    conf_flag: usize,
    extent_flag: usize,
    pileup_flag: usize,
    sat_src_flag: usize,
    streak_src_flag: usize,
    nh_gal: Option<usize>,
    obsid: usize,
    region_id: usize,
    obi: usize,
    instrument: usize,
    theta: usize,
    flux_significance_b: usize,
    pileup_warning: usize,
    sat_obs: usize,
    streak_obs: usize,
    /// (mode, lolim, hilim) per band s, m, h of the observation.
    flux: [[usize; 3]; 3],
    kp_prob_b: usize,
}

impl Columns {
    fn locate(h: &Header, opts: &Options) -> Result<Columns> {
        // A raw CSCview export names master and per-observation columns alike;
        // say so (ambiguous header) rather than that the `.1` column is missing.
        for b in ["s", "m", "h"] {
            for kind in ["", "lolim_", "hilim_"] {
                h.find(&format!("flux_aper90_{kind}{b}"))?;
            }
        }
        let obs =
            |name: &str| h.require_any(&observation_column(name).each_ref().map(String::as_str));
        let band = |b: &str| -> Result<[usize; 3]> {
            Ok([
                obs(&format!("flux_aper90_{b}"))?,
                obs(&format!("flux_aper90_lolim_{b}"))?,
                obs(&format!("flux_aper90_hilim_{b}"))?,
            ])
        };
        Ok(Columns {
            name: h.require("name")?,
            usrid: if opts.by_name { None } else { h.find("usrid")? },
            ra: h.require("ra")?,
            dec: h.require("dec")?,
            r0: h.require("err_ellipse_r0")?,
            r1: h.find("err_ellipse_r1")?,
            ang: h.find("err_ellipse_ang")?,
            significance: h.require("significance")?,
            conf_flag: h.require("conf_flag")?,
            extent_flag: h.require("extent_flag")?,
            pileup_flag: h.require("pileup_flag")?,
            sat_src_flag: h.require("sat_src_flag")?,
            streak_src_flag: h.require("streak_src_flag")?,
            nh_gal: h.find("nh_gal")?,
            obsid: h.require("obsid")?,
            region_id: h.require("region_id")?,
            obi: h.require("obi")?,
            instrument: h.require("instrument")?,
            theta: h.require("theta")?,
            flux_significance_b: h.require("flux_significance_b")?,
            pileup_warning: h.require("pileup_warning")?,
            sat_obs: obs("sat_src_flag")?,
            streak_obs: obs("streak_src_flag")?,
            flux: [band("s")?, band("m")?, band("h")?],
            kp_prob_b: h.require("kp_prob_b")?,
        })
    }

    fn name<'a>(&self, row: &'a ByteRow<'a>) -> Result<&'a str> {
        let n = row.text(self.name)?;
        if n.is_empty() {
            return Err(row.error(self.name, "missing source name"));
        }
        Ok(n)
    }

    /// A 64-bit key of the source name (FNV-1a of the trimmed bytes, as
    /// [`crate::rng::source_key`]).
    fn name_key(&self, row: &ByteRow) -> Result<u64> {
        let n = row.bytes(self.name);
        if n.is_empty() {
            return Err(row.error(self.name, "missing source name"));
        }
        Ok(crate::rng::fnv1a(n))
    }

    /// The (obsid, region_id, obi) triple of a detection.
    fn triple(&self, row: &ByteRow) -> Result<u128> {
        let part = |col: usize| -> Result<u128> {
            let v = row
                .int(col)?
                .ok_or_else(|| row.error(col, "missing value where one is required"))?;
            u32::try_from(v)
                .map(u128::from)
                .map_err(|_| row.error(col, format!("not a CSC identifier: {v}")))
        };
        Ok(part(self.obsid)? << 64 | part(self.region_id)? << 32 | part(self.obi)?)
    }

    /// The grouping key of a detection: its `usrid` (as given), or its name.
    fn group(&self, row: &ByteRow) -> Result<(u64, Option<i64>)> {
        match self.usrid {
            Some(col) => {
                let id = row
                    .int(col)?
                    .ok_or_else(|| row.error(col, "missing value where one is required"))?;
                Ok((id as u64, Some(id)))
            }
            None => Ok((self.name_key(row)?, None)),
        }
    }

    fn flag(&self, row: &ByteRow, col: usize) -> Result<bool> {
        Ok(row.flag(col)?.unwrap_or(false))
    }

    fn master(&self, row: &ByteRow) -> Result<Master> {
        let angle = |col: usize, hours: bool| -> Result<f64> {
            let text = row.text(col)?;
            if text.is_empty() {
                return Err(row.error(col, "missing value where one is required"));
            }
            angle(text, hours).map_err(|m| row.error(col, m))
        };
        let opt =
            |col: Option<usize>| -> Result<Option<f64>> { col.map_or(Ok(None), |c| row.num(c)) };
        Ok(Master {
            name: self.name(row)?.to_string(),
            ra: angle(self.ra, true)?,
            dec: angle(self.dec, false)?,
            err_ellipse_r0: row.num(self.r0)?,
            err_ellipse_r1: opt(self.r1)?,
            err_ellipse_ang: opt(self.ang)?,
            significance: row.num(self.significance)?,
            extent_flag: self.flag(row, self.extent_flag)?,
            conf_flag: self.flag(row, self.conf_flag)?,
            pileup_flag: self.flag(row, self.pileup_flag)?,
            sat_src_flag: self.flag(row, self.sat_src_flag)?,
            streak_src_flag: self.flag(row, self.streak_src_flag)?,
        })
    }

    /// The detection's values and its filter code without the shared bit. Every
    /// cell is checked, also in detections that the filters drop.
    fn detection(&self, row: &ByteRow) -> Result<(Detection, u32)> {
        let mut bands = [None; 3];
        for (slot, [m, l, u]) in bands.iter_mut().zip(self.flux) {
            let (mode, lolim, hilim) = (row.num(m)?, row.num(l)?, row.num(u)?);
            if let (Some(mode), Some(lolim)) = (mode, lolim)
                && lolim > mode
            {
                return Err(row.error(
                    l,
                    format!("inverted flux limits: lolim {lolim:e} > mode {mode:e}"),
                ));
            }
            if let (Some(mode), Some(hilim)) = (mode, hilim)
                && mode > hilim
            {
                return Err(row.error(
                    u,
                    format!("inverted flux limits: mode {mode:e} > hilim {hilim:e}"),
                ));
            }
            *slot = fechner(mode, lolim, hilim);
        }
        let code = detection_code(
            row.text(self.instrument)?,
            row.num(self.theta)?,
            self.flag(row, self.sat_obs)?,
            row.num(self.pileup_warning)?,
            self.flag(row, self.streak_obs)?,
        );
        let det = Detection {
            bands,
            kp_prob_b: row.num(self.kp_prob_b)?,
            flux_significance_b: row.num(self.flux_significance_b)?,
        };
        Ok((det, code))
    }
}

/// Copies what it reads into a spool file, so that standard input can be read twice.
struct Tee<R> {
    inner: R,
    spool: File,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.spool.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// What pass 1 learns from the keys of every detection.
struct Keys {
    /// (obsid, region_id, obi) triples seen with more than one distinct name.
    shared: HashSet<u128, FastHash>,
    /// Whether every source's detections are consecutive rows.
    contiguous: bool,
    /// Rows read.
    rows: u64,
}

/// Pass 1: the shared-detection triples (spec 1.4 bit 32) and whether the rows are
/// grouped by source. Memory: 32 bytes per detection (the sorted triple/name-hash
/// pairs) plus 8 bytes per source. Two distinct names are told apart by a 64-bit
/// hash; a collision (probability ~2^-64 per pair at the same triple) would hide
/// one shared detection.
fn scan_keys(
    rx: mpsc::Receiver<Result<Batched<()>>>,
    recycle: mpsc::Sender<Vec<csv::ByteRecord>>,
    opts: &Options,
) -> Result<(std::sync::Arc<Header>, Columns, Keys)> {
    let header = match rx.recv() {
        Ok(Ok(Batched::Header(h))) => h,
        Ok(Err(e)) => return Err(e),
        _ => return Err(Error::invalid("the reader thread ended before the header")),
    };
    let cols = Columns::locate(&header, opts)?;
    let mut pairs: Vec<(u128, u64)> = Vec::new();
    let mut seen_groups: HashSet<u64, FastHash> = HashSet::default();
    let mut current: Option<u64> = None;
    let mut contiguous = true;
    let mut rows = 0u64;
    for msg in rx {
        let Batched::Batch(batch) = msg? else {
            continue;
        };
        for record in &batch.records[..batch.parsed.len()] {
            let row = ByteRow {
                record,
                header: &header,
            };
            pairs.push((cols.triple(&row)?, cols.name_key(&row)?));
            rows += 1;
            let (key, _) = cols.group(&row)?;
            if current != Some(key) {
                if !seen_groups.insert(key) {
                    contiguous = false;
                }
                current = Some(key);
            }
        }
        let _ = recycle.send(batch.records);
    }
    pairs.sort_unstable();
    pairs.dedup();
    let mut shared = HashSet::default();
    for w in pairs.windows(2) {
        if w[0].0 == w[1].0 {
            shared.insert(w[0].0);
        }
    }
    Ok((
        header,
        cols,
        Keys {
            shared,
            contiguous,
            rows,
        },
    ))
}

/// A source being collected in pass 2.
struct Group {
    usrid: i64,
    master: Master,
    /// Whether `master` comes from a kept detection (else from the first row).
    master_kept: bool,
    nh_gal: Option<f64>,
    n_det: usize,
    kept: Vec<Detection>,
    /// OR of the filter codes of removed detections.
    removed_codes: u32,
}

/// One output row built in a reused buffer (no allocation per cell).
#[derive(Default)]
struct OutRow {
    text: String,
    ends: Vec<usize>,
}

impl OutRow {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn cell(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len());
    }

    /// A number as [`crate::table::fmt_num`] writes it: shortest round-trip text, empty when
    /// missing or not finite.
    fn num(&mut self, v: Option<f64>) {
        if let Some(x) = v.filter(|x| x.is_finite()) {
            let mut buf = ryu::Buffer::new();
            let s = buf.format_finite(x);
            self.text.push_str(s.strip_suffix(".0").unwrap_or(s));
        }
        self.ends.push(self.text.len());
    }

    fn int(&mut self, v: i64) {
        use std::fmt::Write as _;
        let _ = write!(self.text, "{v}");
        self.ends.push(self.text.len());
    }

    fn write(&self, out: &mut Writer) -> Result<()> {
        let mut start = 0;
        out.write_row(self.ends.iter().map(|&end| {
            let cell = &self.text[start..end];
            start = end;
            cell
        }))
    }
}

/// Averages a source and writes it (unless removed and not `keep_all`).
fn emit(
    g: Group,
    opts: &Options,
    out: &mut Writer,
    row: &mut OutRow,
    summary: &mut Summary,
) -> Result<()> {
    let avg = average(&g.kept);
    let code = source_code(&g.master, &avg, g.kept.len());
    summary.sources += 1;
    if code != 0 && !opts.keep_all {
        return Ok(());
    }
    summary.sources_written += 1;
    let m = &g.master;
    row.clear();
    row.cell(&m.name);
    row.int(g.usrid);
    row.num(Some(m.ra));
    row.num(Some(m.dec));
    row.num(m.err_ellipse_r0);
    row.num(m.err_ellipse_r1);
    row.num(m.err_ellipse_ang);
    row.num(m.significance);
    for (f, e) in avg.bands.iter().chain([&avg.broad]) {
        row.num(Some(*f));
        row.num(Some(*e));
    }
    row.num(avg.kp_prob_b_max);
    row.num(avg.var_inter_prob);
    row.cell(&m.csc_flags());
    row.int(g.n_det as i64);
    row.int(avg.n_obs as i64);
    row.int(avg.dof);
    row.num(avg.chisqr);
    row.int(i64::from(avg.flux_flag));
    row.num(avg.significance_max);
    row.num(avg.flux_significance_b_max);
    row.num(g.nh_gal);
    if opts.keep_all {
        row.int(i64::from(code));
        row.cell(&source_reason(code, g.removed_codes));
    }
    debug_assert_eq!(
        row.ends.len(),
        COLUMNS.len()
            + if opts.keep_all {
                KEEP_ALL_COLUMNS.len()
            } else {
                0
            }
    );
    row.write(out)
}

/// The human-readable `remove_reason` of a source code.
pub(crate) fn source_reason(code: u32, removed_detection_codes: u32) -> String {
    let mut r = Vec::new();
    if code & SRC_SAT_STREAK != 0 {
        r.push("master saturation or streak flag".to_string());
    }
    if code & SRC_NO_FLUX != 0 {
        r.push("no flux in any band (flux_flag 7)".to_string());
    }
    if code & SRC_NO_DETECTION != 0 {
        r.push(format!(
            "no detection kept ({})",
            detection_reasons(removed_detection_codes).join(", ")
        ));
    }
    r.join("; ")
}

/// Runs fechner on a file (or standard input for `None`/`-`), writing one row per
/// source to `out` in order of first appearance.
pub fn run(input: Option<&Path>, opts: &Options, out: &mut Writer) -> Result<Summary> {
    let path = input.filter(|p| p.as_os_str() != "-");
    // Standard input, pipes and other non-regular files cannot be read twice:
    // spool them.
    let regular = match path {
        Some(p) => std::fs::metadata(p)
            .map_err(|e| Error::io(&p.display().to_string(), e))?
            .is_file(),
        None => false,
    };
    let mut spool = if regular {
        None
    } else {
        Some(spool_file("fechner spool")?)
    };
    let tee_copy = match &spool {
        Some(f) => Some(f.try_clone().map_err(|e| Error::io("fechner spool", e))?),
        None => None,
    };
    // Pass 1 in two threads: a reader that tokenizes the rows (and spools), and this
    // thread, which collects the keys.
    let (header, cols, keys) = std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Result<Batched<()>>>(4);
        let (recycle_tx, recycle_rx) = mpsc::channel();
        let open = move || match (tee_copy, path) {
            (Some(spool), None) => {
                let tee = Tee {
                    inner: io::stdin(),
                    spool,
                };
                Reader::from_reader(crate::table::STDIN, Box::new(tee))
            }
            (Some(spool), Some(p)) => {
                let name = p.display().to_string();
                let file = File::open(p).map_err(|e| Error::io(&name, e))?;
                let tee = Tee {
                    inner: io::BufReader::with_capacity(1 << 16, file),
                    spool,
                };
                Reader::from_reader(&name, Box::new(tee))
            }
            (None, _) => Reader::open(path),
        };
        spawn_scoped(scope, "fechner-read", move || {
            read_batches(open, |_| Ok(|_: &ByteRow| Ok(())), tx, recycle_rx)
        })?;
        scan_keys(rx, recycle_tx, opts)
    })?;

    let source = match spool.take() {
        Some(mut f) => {
            f.seek(SeekFrom::Start(0))
                .map_err(|e| Error::io("fechner spool", e))?;
            f
        }
        None => {
            let path = path.expect("a regular file");
            File::open(path).map_err(|e| Error::io(header.file(), e))?
        }
    };

    let mut names: Vec<&str> = COLUMNS.to_vec();
    if opts.keep_all {
        names.extend(KEEP_ALL_COLUMNS);
    }
    out.write_row(&names)?;

    // Pass 2 in two threads: a reader that tokenizes the rows and parses the
    // detections, and this thread, which groups, averages and writes. Batches keep
    // the row order, so the first error in row order is the one reported.
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Result<Batched<Parsed>>>(4);
        let (recycle_tx, recycle_rx) = mpsc::channel();
        let (cols, shared) = (&cols, &keys.shared);
        let name = header.file().to_string();
        let open = move || {
            Reader::from_reader(
                &name,
                Box::new(io::BufReader::with_capacity(1 << 16, source)),
            )
        };
        let parse = move |row: &ByteRow| -> Result<Parsed> {
            let (key, usrid) = cols.group(row)?;
            let (det, mut code) = cols.detection(row)?;
            if shared.contains(&cols.triple(row)?) {
                code |= DET_SHARED;
            }
            Ok(Parsed {
                key,
                usrid,
                det,
                code,
            })
        };
        spawn_scoped(scope, "fechner-read", move || {
            read_batches(open, |_| Ok(parse), tx, recycle_rx)
        })?;
        collect_sources(rx, recycle_tx, &header, cols, keys.contiguous, opts, out)
    })
    .and_then(|summary| {
        if summary.detections == keys.rows {
            Ok(summary)
        } else {
            Err(Error::file(
                header.file(),
                format!(
                    "the input changed while being read ({} rows, then {})",
                    keys.rows, summary.detections
                ),
            ))
        }
    })
}

/// A std hasher is DoS-resistant but slow; these keys are ids and 64-bit name
/// hashes of local files, so a multiplicative mix suffices.
#[derive(Default, Clone, Copy)]
struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        let x = self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        x ^ (x >> 29)
    }
    fn write(&mut self, bytes: &[u8]) {
        self.write_u64(crate::rng::fnv1a(bytes));
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(29) ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u128(&mut self, v: u128) {
        self.write_u64(v as u64);
        self.write_u64((v >> 64) as u64);
    }
}

type FastHash = std::hash::BuildHasherDefault<FastHasher>;

/// What the reader thread of pass 2 gets from one row.
struct Parsed {
    key: u64,
    usrid: Option<i64>,
    det: Detection,
    code: u32,
}

/// Main thread of pass 2: groups the detections by source, averages and writes.
fn collect_sources(
    rx: mpsc::Receiver<Result<Batched<Parsed>>>,
    recycle: mpsc::Sender<Vec<csv::ByteRecord>>,
    header: &Header,
    cols: &Columns,
    contiguous: bool,
    opts: &Options,
    out: &mut Writer,
) -> Result<Summary> {
    let mut summary = Summary::default();
    // Contiguous input: only the current source is held. Otherwise every source is
    // held (compact records) until the end, and written in first-appearance order.
    let mut current: Option<(u64, Group)> = None;
    let mut pending: Vec<Group> = Vec::new();
    let mut index: HashMap<u64, usize, FastHash> = HashMap::default();
    let mut next_usrid = 0i64;
    let mut line = OutRow::default();
    for msg in rx {
        let Batched::Batch(batch) = msg? else {
            continue;
        };
        for (record, p) in batch.records.iter().zip(&batch.parsed) {
            let row = ByteRow { record, header };
            let (key, code) = (p.key, p.code);
            summary.detections += 1;
            for (bit, n) in summary.removed_by_bit.iter_mut().enumerate() {
                if code & (1 << bit) != 0 {
                    *n += 1;
                }
            }
            let group: &mut Group = if contiguous {
                if current.as_ref().is_none_or(|(k, _)| *k != key) {
                    if let Some((_, done)) = current.take() {
                        emit(done, opts, out, &mut line, &mut summary)?;
                    }
                    next_usrid += 1;
                    let g = new_group(cols, &row, p.usrid.unwrap_or(next_usrid), code == 0)?;
                    current = Some((key, g));
                }
                &mut current.as_mut().expect("just set").1
            } else {
                let i = match index.get(&key) {
                    Some(&i) => i,
                    None => {
                        next_usrid += 1;
                        pending.push(new_group(
                            cols,
                            &row,
                            p.usrid.unwrap_or(next_usrid),
                            code == 0,
                        )?);
                        index.insert(key, pending.len() - 1);
                        pending.len() - 1
                    }
                };
                &mut pending[i]
            };
            group.n_det += 1;
            if code == 0 {
                if !group.master_kept {
                    group.master = cols.master(&row)?;
                    group.nh_gal = cols.nh_gal.map_or(Ok(None), |c| row.num(c))?;
                    group.master_kept = true;
                }
                // Grow by half, from 1: most sources have one or two detections,
                // and non-contiguous input holds every source until the end.
                if group.kept.len() == group.kept.capacity() {
                    group.kept.reserve_exact(1.max(group.kept.len() / 2));
                }
                group.kept.push(p.det);
                summary.detections_kept += 1;
            } else {
                group.removed_codes |= code;
            }
        }
        let _ = recycle.send(batch.records);
    }
    if let Some((_, done)) = current.take() {
        emit(done, opts, out, &mut line, &mut summary)?;
    }
    for g in pending {
        emit(g, opts, out, &mut line, &mut summary)?;
    }
    Ok(summary)
}

/// A source starting at `row`, whose master columns it takes (final if the row is
/// kept, else until the first kept row).
fn new_group(cols: &Columns, row: &ByteRow, usrid: i64, kept: bool) -> Result<Group> {
    Ok(Group {
        usrid,
        master: cols.master(row)?,
        master_kept: kept,
        nh_gal: cols.nh_gal.map_or(Ok(None), |c| row.num(c))?,
        n_det: 0,
        kept: Vec::new(),
        removed_codes: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(s: Option<(f64, f64, f64)>, m: (f64, f64, f64), h: (f64, f64, f64)) -> Detection {
        let f =
            |t: Option<(f64, f64, f64)>| t.and_then(|(a, b, c)| fechner(Some(a), Some(b), Some(c)));
        Detection {
            bands: [f(s), f(Some(m)), f(Some(h))],
            kp_prob_b: Some(0.5),
            flux_significance_b: Some(3.0),
        }
    }

    #[test]
    fn fechner_of_symmetric_limits_is_mode_and_half_width() {
        let (mu, s) = fechner(Some(5.0), Some(3.0), Some(7.0)).unwrap();
        assert_eq!(mu, 5.0);
        assert_eq!(s, 2.0);
        assert_eq!(fechner(None, Some(1.0), Some(2.0)), None);
    }

    #[test]
    fn fechner_of_skewed_limits_follows_eq_1() {
        // sigma+ = 3, sigma- = 1: mu = M + sqrt(2/pi)*2, var = (1-2/pi)*4 + 3.
        let (mu, s) = fechner(Some(2.0), Some(1.0), Some(5.0)).unwrap();
        let k = 2.0 / std::f64::consts::PI;
        assert!((mu - (2.0 + 2.0 * k.sqrt())).abs() < 1e-15);
        assert!((s * s - ((1.0 - k) * 4.0 + 3.0)).abs() < 1e-14);
    }

    #[test]
    fn missing_band_fill_is_the_spec_constant() {
        let (f, e) = missing_band_fill();
        assert!((f - 7.978845608028654e-18).abs() <= 2e-33);
        assert!((e - 6.028102749890869e-18).abs() <= 2e-33);
    }

    #[test]
    fn inverse_variance_of_two() {
        let (m, e) = inverse_variance_mean(&[(1.0, 1.0), (3.0, 1.0)]).unwrap();
        assert_eq!((m, e), (2.0, (0.5f64).sqrt()));
        let (m, _) = inverse_variance_mean(&[(1.0, 1.0), (4.0, 2.0)]).unwrap();
        assert!((m - (1.0 + 1.0) / 1.25).abs() < 1e-15);
        assert_eq!(inverse_variance_mean(&[]), None);
    }

    #[test]
    fn rounding_is_half_even_like_numpy() {
        assert_eq!(round_half_even(0.0125, 3), 0.012);
        assert_eq!(round_half_even(0.1235, 3), 0.124);
        assert_eq!(round_half_even(0.68268949, 3), 0.683);
        assert_eq!(round_half_even(2.5, 0), 2.0);
    }

    #[test]
    fn inter_prob_is_the_chi2_cdf() {
        // chi2 with 1 dof: P(X <= 1) = erf(1/sqrt 2) = 0.6826894921.
        assert_eq!(inter_prob(1, 1.0), 0.683);
        // 2 dof: 1 - exp(-x/2); x = 2 ln 10 gives 0.9.
        assert_eq!(inter_prob(2, 2.0 * 10f64.ln()), 0.9);
        assert_eq!(inter_prob(3, 0.0), 0.0);
    }

    #[test]
    fn positions_in_degrees_or_sexagesimal() {
        assert_eq!(angle(" 166.28875 ", true).unwrap(), 166.28875);
        assert_eq!(angle("-58.85", false).unwrap(), -58.85);
        assert!((angle(" 11 05 07.45", true).unwrap() - 166.28104166666665).abs() < 1e-12);
        assert!(angle("1e400", false).is_err());
        assert!(angle("x", false).is_err());
    }

    #[test]
    fn sexagesimal_positions() {
        assert!((sexagesimal(" 11 05 07.45").unwrap() * 15.0 - 166.28104166666665).abs() < 1e-12);
        assert!((sexagesimal("-58 51 05.47").unwrap() - -58.85151944444445).abs() < 1e-12);
        assert_eq!(sexagesimal("-00 30 00").unwrap(), -0.5);
        assert!(sexagesimal("12 30").is_err());
        assert!(sexagesimal("12 x 30").is_err());
    }

    #[test]
    fn output_numbers_are_written_as_fmt_num_writes_them() {
        let values = [
            Some(2.0),
            Some(-0.125),
            Some(7.978845608028655e-18),
            None,
            Some(f64::NAN),
        ];
        let mut row = OutRow::default();
        for v in values {
            row.num(v);
        }
        let mut start = 0;
        for (v, &end) in values.iter().zip(&row.ends) {
            assert_eq!(&row.text[start..end], crate::table::fmt_num(*v));
            start = end;
        }
    }

    #[test]
    fn detection_filters() {
        assert_eq!(
            detection_code("ACIS", Some(5.0), false, Some(0.1), false),
            0
        );
        assert_eq!(
            detection_code(" HRC", Some(5.0), false, None, false),
            DET_HRC
        );
        assert_eq!(detection_code("ACIS", None, false, None, false), DET_THETA);
        assert_eq!(
            detection_code("ACIS", Some(10.01), true, Some(0.31), true),
            2 | 4 | 8 | 16
        );
        assert_eq!(
            detection_code("ACIS", Some(10.0), false, Some(0.3), false),
            0
        );
    }

    /// Spec 1.8: NGC3532 row 1, 2CXO J110507.4-585105, one detection without s.
    #[test]
    fn spec_example_row() {
        let d = det(
            None,
            (2.876e-16, 1.362e-16, 4.390e-16),
            (6.638e-16, 2.697e-16, 1.058e-15),
        );
        let a = average(&[d]);
        assert_eq!(a.flux_flag, 1);
        let rel = |x: f64, y: f64| (x - y).abs() <= 1e-15 * y.abs();
        assert!(rel(a.bands[0].0, 7.978845608028655e-18));
        assert!(rel(a.bands[1].0, 2.876e-16));
        assert!(rel(a.bands[1].1, 1.514e-16));
        assert!(rel(a.bands[2].0, 6.638797884560804e-16), "{}", a.bands[2].0);
        assert!(rel(a.bands[2].1, 3.941500014382878e-16), "{}", a.bands[2].1);
        assert!(rel(a.broad.0, 9.59458634064109e-16), "{}", a.broad.0);
        assert!(rel(a.broad.1, 4.2227067345076843e-16), "{}", a.broad.1);
        assert_eq!(a.dof, -1);
        assert_eq!(a.n_obs, 0);
        assert_eq!(a.kp_prob_b_max, None);
        assert_eq!(a.var_inter_prob, None);
        assert_eq!(a.significance_max, None);
        assert_eq!(a.flux_significance_b_max, Some(3.0));
    }

    #[test]
    fn two_detections_give_chi_square_with_one_dof() {
        let a = det(Some((1.0, 0.0, 2.0)), (1.0, 0.0, 2.0), (1.0, 0.0, 2.0));
        let b = det(Some((3.0, 2.0, 4.0)), (3.0, 2.0, 4.0), (3.0, 2.0, 4.0));
        let avg = average(&[a, b]);
        assert_eq!(avg.n_obs, 2);
        assert_eq!(avg.dof, 1);
        // Broad: 3 +- sqrt 3 and 9 +- sqrt 3: weighted mean 6, chi2 = 2*9/3 = 6.
        assert!((avg.chisqr.unwrap() - 6.0).abs() < 1e-12);
        assert_eq!(avg.var_inter_prob, Some(0.986));
        assert_eq!(avg.flux_flag, 0);
        assert_eq!(avg.bands[0], (2.0, (0.5f64).sqrt()));
    }

    #[test]
    fn zero_sigma_detection_is_not_weighted() {
        // s of the second detection has lolim = mode = hilim: sigma 0. It must not
        // turn the band into NaN; the first detection alone gives F_s.
        let a = det(Some((1.0, 0.0, 2.0)), (1.0, 0.0, 2.0), (1.0, 0.0, 2.0));
        let b = det(Some((5.0, 5.0, 5.0)), (1.0, 0.0, 2.0), (1.0, 0.0, 2.0));
        let avg = average(&[a, b]);
        assert_eq!(avg.bands[0], (1.0, 1.0));
        assert_eq!(avg.flux_flag, 0);
        // Its broad sigma is positive, so it still counts for P_inter.
        assert_eq!(avg.n_obs, 2);
        // Alone, a sigma 0 band is filled like a missing one.
        let avg = average(&[b]);
        assert_eq!(avg.flux_flag, 1);
        assert_eq!(avg.bands[0], missing_band_fill());
    }

    #[test]
    fn flux_flag_7_and_flags_make_a_source_removed() {
        let m = Master {
            name: "x".into(),
            ra: 0.0,
            dec: 0.0,
            err_ellipse_r0: None,
            err_ellipse_r1: None,
            err_ellipse_ang: None,
            significance: None,
            extent_flag: true,
            conf_flag: false,
            pileup_flag: true,
            sat_src_flag: false,
            streak_src_flag: true,
        };
        assert_eq!(m.csc_flags(), "extent|pileup");
        let avg = average(&[]);
        assert_eq!(avg.flux_flag, 7);
        assert_eq!(source_code(&m, &avg, 0), 1 | 32 | 128);
        assert_eq!(
            source_reason(1 | 32 | 128, DET_THETA),
            "master saturation or streak flag; no flux in any band (flux_flag 7); \
             no detection kept (theta > 10 arcmin or missing)"
        );
    }
}
