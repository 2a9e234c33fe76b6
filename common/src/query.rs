//! The archive queries that fetch a field's raw inputs (docs/archive-queries.md): the
//! CSC 2.1 per-observation detections of the field's master sources (what `fechner`
//! reads) from the CSC TAP service, and the Gaia DR3, 2MASS, AllWISE, CatWISE2020 and
//! unWISE entries around the sources (what `xmatch` reads) from VizieR's TAP service;
//! each as ADQL and as the `curl` command that posts it to the service's synchronous
//! endpoint and saves the VOTable answer where `make FIELD_DIR=...` reads it.
//!
//! The CSC query is the upstream pipeline's (the columns of `examples/*/input/per.csv`,
//! in order), with two changes a TAP service needs: the `csc21` schema, and an alias
//! `<name>_obs` for the 15 per-observation columns whose name the master table has
//! too ([`crate::fechner::OBS_ALIAS`]; a CSCview export names them `<name>.1`).
//! CSC's ADQL has no geometry functions: the cone is a RA/Dec box (split at RA 0/360,
//! the whole RA range near a pole) and `dbo.cone_distance` (arcmin), as the CXC
//! documents. The VizieR queries select the columns `xmatch` needs
//! ([`CatalogKind::needed_columns`]) within one circle that holds the field and the
//! match radius around every source of it, or, for a source list, within the match
//! radius of each source.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fechner::OBS_ALIAS;
use crate::xmatch::CatalogKind;

/// The CSC 2.1 TAP service (TAP 1.0; `FORMAT=votable`; CSV is not among its formats).
pub(crate) const CSC_TAP: &str = "https://cda.cfa.harvard.edu/csc21tap/sync";
/// VizieR's TAP service.
pub(crate) const VIZIER_TAP: &str = "https://tapvizier.cds.unistra.fr/TAPVizieR/tap/sync";

/// The aperture fluxes of `per.csv`, at the master level and again at the
/// per-observation level, in the same order.
pub(crate) const APER90_FLUXES: [&str; 12] = [
    "flux_aper90_b",
    "flux_aper90_lolim_b",
    "flux_aper90_hilim_b",
    "flux_aper90_h",
    "flux_aper90_lolim_h",
    "flux_aper90_hilim_h",
    "flux_aper90_m",
    "flux_aper90_lolim_m",
    "flux_aper90_hilim_m",
    "flux_aper90_s",
    "flux_aper90_lolim_s",
    "flux_aper90_hilim_s",
];

/// Master-source columns before and after the aperture fluxes.
const MASTER_HEAD: [&str; 16] = [
    "name",
    "ra",
    "dec",
    "err_ellipse_r0",
    "err_ellipse_r1",
    "err_ellipse_ang",
    "significance",
    "likelihood_class",
    "conf_flag",
    "dither_warning_flag",
    "extent_flag",
    "pileup_flag",
    "sat_src_flag",
    "streak_src_flag",
    "var_flag",
    "var_inter_hard_flag",
];

const MASTER_TAIL: [&str; 80] = [
    "var_intra_index_b",
    "var_intra_prob_b",
    "ks_intra_prob_b",
    "kp_intra_prob_b",
    "var_inter_index_b",
    "var_inter_prob_b",
    "var_inter_sigma_b",
    "nh_gal",
    "flux_powlaw",
    "flux_powlaw_lolim",
    "flux_powlaw_hilim",
    "powlaw_gamma",
    "powlaw_gamma_lolim",
    "powlaw_gamma_hilim",
    "powlaw_gamma_rhat",
    "powlaw_nh",
    "powlaw_nh_lolim",
    "powlaw_nh_hilim",
    "powlaw_nh_rhat",
    "powlaw_ampl",
    "powlaw_ampl_lolim",
    "powlaw_ampl_hilim",
    "powlaw_ampl_rhat",
    "powlaw_stat",
    "flux_bb",
    "flux_bb_lolim",
    "flux_bb_hilim",
    "bb_kt",
    "bb_kt_lolim",
    "bb_kt_hilim",
    "bb_kt_rhat",
    "bb_nh",
    "bb_nh_lolim",
    "bb_nh_hilim",
    "bb_nh_rhat",
    "bb_ampl",
    "bb_ampl_lolim",
    "bb_ampl_hilim",
    "bb_ampl_rhat",
    "bb_stat",
    "flux_brems",
    "flux_brems_lolim",
    "flux_brems_hilim",
    "brems_kt",
    "brems_kt_lolim",
    "brems_kt_hilim",
    "brems_kt_rhat",
    "brems_nh",
    "brems_nh_lolim",
    "brems_nh_hilim",
    "brems_nh_rhat",
    "brems_norm",
    "brems_norm_lolim",
    "brems_norm_hilim",
    "brems_norm_rhat",
    "brems_stat",
    "flux_apec",
    "flux_apec_lolim",
    "flux_apec_hilim",
    "apec_kt",
    "apec_kt_lolim",
    "apec_kt_hilim",
    "apec_kt_rhat",
    "apec_abund",
    "apec_abund_lolim",
    "apec_abund_hilim",
    "apec_abund_rhat",
    "apec_z",
    "apec_z_lolim",
    "apec_z_hilim",
    "apec_z_rhat",
    "apec_nh",
    "apec_nh_lolim",
    "apec_nh_hilim",
    "apec_nh_rhat",
    "apec_norm",
    "apec_norm_lolim",
    "apec_norm_hilim",
    "apec_norm_rhat",
    "apec_stat",
];

/// Per-observation columns before and after the aperture fluxes.
const OBSERVATION_HEAD: [&str; 25] = [
    "obsid",
    "region_id",
    "obi",
    "ra_pnt",
    "dec_pnt",
    "gti_obs",
    "gti_end",
    "instrument",
    "grating",
    "datamode",
    "theta",
    "phi",
    "src_cnts_aper90_b",
    "src_cnts_aper90_lolim_b",
    "src_cnts_aper90_hilim_b",
    "flux_significance_b",
    "conf_code",
    "dither_warning_flag",
    "edge_code",
    "extent_code",
    "multi_chip_code",
    "pileup_warning",
    "sat_src_flag",
    "streak_src_flag",
    "var_code",
];

const OBSERVATION_TAIL: [&str; 8] = [
    "var_index_b",
    "var_prob_b",
    "ks_prob_b",
    "kp_prob_b",
    "var_sigma_b",
    "var_mean_b",
    "var_min_b",
    "var_max_b",
];

/// Master-source columns of `per.csv`, in order (after the computed `separation`).
pub fn master_columns() -> Vec<&'static str> {
    [&MASTER_HEAD[..], &APER90_FLUXES, &MASTER_TAIL].concat()
}

/// Per-observation columns of `per.csv`, in order.
pub(crate) fn observation_columns() -> Vec<&'static str> {
    [&OBSERVATION_HEAD[..], &APER90_FLUXES, &OBSERVATION_TAIL].concat()
}

/// What to query around.
#[derive(Debug, Clone)]
pub enum Target {
    /// The CSC master sources within `radius` arcmin of (ra, dec) degrees.
    Cone { ra: f64, dec: f64, radius: f64 },
    /// CSC master sources by name, with their positions (degrees).
    Sources(Vec<Source>),
}

#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub ra: f64,
    pub dec: f64,
}

/// One request: where its answer goes (`<key>.vot`), which service, and the ADQL.
#[derive(Debug, Clone)]
pub struct Request {
    /// `per` or a catalog key (`gaia`, `2mass`, ...): the file stem `make` reads.
    pub key: &'static str,
    pub what: String,
    pub endpoint: &'static str,
    pub adql: String,
}

impl Request {
    /// Where `--run` saves the answer: `<dir>/input/<key>.vot`.
    pub fn path(&self, dir: &Path) -> PathBuf {
        dir.join("input").join(format!("{}.vot", self.key))
    }

    /// The command that fetches the answer (curl's argv).
    pub fn command(&self, dir: &Path) -> Vec<String> {
        let mut argv: Vec<String> = ["curl", "--silent", "--show-error", "--fail", "--location"]
            .map(String::from)
            .to_vec();
        for (k, v) in [
            ("REQUEST", "doQuery"),
            ("LANG", "ADQL"),
            ("FORMAT", "votable"),
            ("QUERY", self.adql.as_str()),
        ] {
            argv.push("--data-urlencode".into());
            argv.push(format!("{k}={v}"));
        }
        argv.push("--output".into());
        argv.push(self.path(dir).display().to_string());
        argv.push(self.endpoint.to_string());
        argv
    }

    /// The command as one shell line.
    pub(crate) fn shell_command(&self, dir: &Path) -> String {
        self.command(dir)
            .iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A word as the shell reads it back unchanged: bare when it is made of safe
/// characters, else in single quotes (a quote inside becomes `'\''`).
pub(crate) fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// A number as ADQL text: the shortest form that reads back to it.
fn num(v: f64) -> String {
    crate::table::fmt_f64(v)
}

/// An ADQL column name: bare when it is a regular identifier, else delimited.
pub fn identifier(name: &str) -> String {
    let regular = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if regular {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

fn string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn check_position(ra: f64, dec: f64) -> Result<()> {
    if !(ra.is_finite() && (0.0..360.0).contains(&ra)) {
        return Err(Error::invalid(format!(
            "right ascension {ra}: must be in [0, 360) degrees"
        )));
    }
    if !(dec.is_finite() && (-90.0..=90.0).contains(&dec)) {
        return Err(Error::invalid(format!(
            "declination {dec}: must be in [-90, 90] degrees"
        )));
    }
    Ok(())
}

/// The CSC query: every per-observation detection of the master sources of `target`.
pub(crate) fn csc_adql(target: &Target) -> Result<String> {
    let mut q = String::from("SELECT DISTINCT ");
    let mut items: Vec<String> = Vec::new();
    if let Target::Cone { ra, dec, .. } = target {
        items.push(format!(
            "dbo.separation(m.ra,m.dec,{},{}) AS separation",
            num(*ra),
            num(*dec)
        ));
    }
    let master = master_columns();
    items.extend(master.iter().map(|c| format!("m.{c}")));
    for c in observation_columns() {
        if master.contains(&c) {
            items.push(format!("o.{c} AS {c}{OBS_ALIAS}"));
        } else {
            items.push(format!("o.{c}"));
        }
    }
    q.push_str(&items.join(", "));
    q.push_str(
        " FROM csc21.master_source m, csc21.master_stack_assoc a, csc21.observation_source o, \
         csc21.stack_observation_assoc b, csc21.stack_source s WHERE ",
    );
    match target {
        Target::Cone { ra, dec, radius } => {
            check_position(*ra, *dec)?;
            if !(radius.is_finite() && *radius > 0.0 && *radius <= 600.0) {
                return Err(Error::invalid(format!(
                    "--radius {radius} arcmin: must be in (0, 600]"
                )));
            }
            let r = radius / 60.0;
            let (dlo, dhi) = (dec - r, dec + r);
            write!(
                q,
                "(m.dec BETWEEN {} AND {}) AND ",
                num(dlo.max(-90.0)),
                num(dhi.min(90.0))
            )
            .unwrap();
            if dlo > -90.0 && dhi < 90.0 {
                // The RA half-width of the box at the declination farthest from the equator.
                let half = r / dlo.abs().max(dhi.abs()).to_radians().cos();
                let (lo, hi) = (ra - half, ra + half);
                if half >= 180.0 {
                    // The box holds every right ascension.
                } else if lo < 0.0 {
                    write!(
                        q,
                        "(m.ra >= {} OR m.ra <= {}) AND ",
                        num(lo + 360.0),
                        num(hi)
                    )
                    .unwrap();
                } else if hi >= 360.0 {
                    write!(
                        q,
                        "(m.ra >= {} OR m.ra <= {}) AND ",
                        num(lo),
                        num(hi - 360.0)
                    )
                    .unwrap();
                } else {
                    write!(q, "(m.ra BETWEEN {} AND {}) AND ", num(lo), num(hi)).unwrap();
                }
            }
            write!(
                q,
                "dbo.cone_distance(m.ra,m.dec,{},{}) <= {} AND ",
                num(*ra),
                num(*dec),
                num(*radius)
            )
            .unwrap();
        }
        Target::Sources(sources) => {
            if sources.is_empty() {
                return Err(Error::invalid("the source list has no source"));
            }
            let names: Vec<String> = sources.iter().map(|s| string_literal(&s.name)).collect();
            write!(q, "m.name IN ({}) AND ", names.join(", ")).unwrap();
        }
    }
    q.push_str(
        "m.name = a.name AND s.detect_stack_id = a.detect_stack_id AND s.region_id = a.region_id \
         AND s.detect_stack_id = b.detect_stack_id AND s.region_id = b.region_id \
         AND o.obsid = b.obsid AND o.obi = b.obi AND o.region_id = b.region_id",
    );
    q.push_str(match target {
        Target::Cone { .. } => " ORDER BY separation ASC, name ASC",
        Target::Sources(_) => " ORDER BY name ASC",
    });
    Ok(q)
}

/// A catalog's query: the columns `xmatch` needs, within `match_radius` arcsec of the
/// sources (for a cone: of any point of the field).
pub(crate) fn catalog_adql(
    kind: CatalogKind,
    target: &Target,
    match_radius: f64,
) -> Result<String> {
    if !(match_radius.is_finite() && match_radius > 0.0 && match_radius <= 3600.0) {
        return Err(Error::invalid(format!(
            "--match-radius {match_radius} arcsec: must be in (0, 3600]"
        )));
    }
    let cols = kind.needed_columns();
    let (ra, dec) = (identifier(cols[0]), identifier(cols[1]));
    let select: Vec<String> = cols.iter().map(|c| identifier(c)).collect();
    let circle = |cra: f64, cdec: f64, r_deg: f64| {
        format!(
            "1=CONTAINS(POINT('ICRS',{ra},{dec}), CIRCLE('ICRS',{},{},{}))",
            num(cra),
            num(cdec),
            num(r_deg)
        )
    };
    let r_match = match_radius / 3600.0;
    let cond = match target {
        Target::Cone {
            ra: cra,
            dec: cdec,
            radius,
        } => {
            check_position(*cra, *cdec)?;
            circle(*cra, *cdec, radius / 60.0 + r_match)
        }
        Target::Sources(sources) => {
            if sources.is_empty() {
                return Err(Error::invalid("the source list has no source"));
            }
            let mut parts = Vec::with_capacity(sources.len());
            for s in sources {
                check_position(s.ra, s.dec)?;
                parts.push(circle(s.ra, s.dec, r_match));
            }
            parts.join(" OR ")
        }
    };
    Ok(format!(
        "SELECT {} FROM {} WHERE {cond}",
        select.join(", "),
        identifier(kind.vizier_table())
    ))
}

/// Every request of a field: CSC first, then the five catalogs in xmatch's order.
pub fn requests(target: &Target, match_radius: f64) -> Result<Vec<Request>> {
    let what = match target {
        Target::Cone { ra, dec, radius } => {
            format!(
                "within {} arcmin of RA {} Dec {}",
                num(*radius),
                num(*ra),
                num(*dec)
            )
        }
        Target::Sources(s) => format!("of {} listed sources", s.len()),
    };
    let mut out = vec![Request {
        key: "per",
        what: format!("CSC 2.1 per-observation detections of the master sources {what}"),
        endpoint: CSC_TAP,
        adql: csc_adql(target)?,
    }];
    for kind in CatalogKind::ALL {
        out.push(Request {
            key: kind.key(),
            what: format!(
                "VizieR {} within {} arcsec of the sources {what}",
                kind.vizier_table(),
                num(match_radius)
            ),
            endpoint: VIZIER_TAP,
            adql: catalog_adql(kind, target, match_radius)?,
        });
    }
    Ok(out)
}

/// The sources of a source list: a table with CSC names (`CSCv2_name` or `name`) and
/// positions in degrees or sexagesimal (`CSCv2_RA`/`CSCv2_DEC` or `ra`/`dec`).
pub fn sources_from_table(table: &crate::table::Table) -> Result<Vec<Source>> {
    let h = &table.header;
    let name = h.require_any(&[crate::schema::NAME, "name"])?;
    let ra = h.require_any(&[crate::schema::RA, "ra"])?;
    let dec = h.require_any(&[crate::schema::DEC, "dec"])?;
    if table.is_empty() {
        return Err(Error::file(
            table.header.file(),
            "the source list has no source",
        ));
    }
    let mut out = Vec::with_capacity(table.len());
    for row in &table.rows {
        let angle = |col: usize, hours: bool| {
            crate::fechner::angle(row.text(col), hours).map_err(|m| row.error(col, m))
        };
        let n = row.text(name);
        if n.is_empty() {
            return Err(row.error(name, "missing source name"));
        }
        out.push(Source {
            name: n.to_string(),
            ra: angle(ra, true)?,
            dec: angle(dec, false)?,
        });
    }
    Ok(out)
}

/// Runs the requests (`curl` must be on the PATH), each answer saved where
/// [`Request::path`] says, then checks that each holds a table with the columns
/// `fechner` or `xmatch` needs. Returns the rows of each answer. A failed request
/// leaves no file behind.
pub fn run(requests: &[Request], dir: &Path) -> Result<Vec<(String, u64)>> {
    let input = dir.join("input");
    std::fs::create_dir_all(&input).map_err(|e| Error::io(&input.display().to_string(), e))?;
    let mut counts = Vec::with_capacity(requests.len());
    for r in requests {
        let argv = r.command(dir);
        let path = r.path(dir);
        let out = std::process::Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| Error::invalid(format!("{}: cannot run {}: {e}", r.key, argv[0])))?;
        if !out.status.success() {
            let _ = std::fs::remove_file(&path);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let why = stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message");
            return Err(Error::invalid(format!(
                "{}: {} failed ({}): {}",
                r.key,
                argv[0],
                out.status,
                why.trim()
            )));
        }
        let table = crate::table::Reader::open(Some(&path))?;
        let header = std::sync::Arc::clone(table.header());
        match CatalogKind::from_key(r.key) {
            Some(kind) => kind.check_header(&header)?,
            None => crate::fechner::check_header(&header)?,
        }
        let mut rows = 0u64;
        for row in table {
            row?;
            rows += 1;
        }
        counts.push((path.display().to_string(), rows));
    }
    Ok(counts)
}

/// The dry run: a shell script with, per service, the ADQL (as comments) and the
/// command that fetches it.
pub fn script(requests: &[Request], dir: &Path) -> String {
    let mut s = String::from("#!/bin/sh\nset -e\n");
    writeln!(
        s,
        "mkdir -p {}",
        shell_quote(&dir.join("input").display().to_string())
    )
    .unwrap();
    for r in requests {
        writeln!(s, "\n# {}: {}", r.key, r.what).unwrap();
        writeln!(s, "# ADQL: {}", r.adql).unwrap();
        writeln!(s, "{}", r.shell_command(dir)).unwrap();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_read_back_unchanged() {
        assert_eq!(shell_quote("out/x.vot"), "out/x.vot");
        assert_eq!(shell_quote("QUERY=SELECT a"), "'QUERY=SELECT a'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn identifiers_that_are_not_regular_are_delimited() {
        assert_eq!(identifier("RA_ICRS"), "RA_ICRS");
        assert_eq!(identifier("2MASS"), "\"2MASS\"");
        assert_eq!(identifier("I/355/gaiadr3"), "\"I/355/gaiadr3\"");
    }

    fn cone(ra: f64, dec: f64, radius: f64) -> Result<String> {
        csc_adql(&Target::Cone { ra, dec, radius })
    }

    #[test]
    fn the_cone_box_wraps_at_ra_zero_and_opens_at_the_poles() {
        let q = cone(0.05, 0.0, 6.0).unwrap();
        assert!(
            q.contains("(m.ra >= 359.949999") && q.contains(" OR m.ra <= 0.150000"),
            "{q}"
        );
        let q = cone(10.0, 89.95, 6.0).unwrap();
        assert!(!q.contains("m.ra BETWEEN") && !q.contains("m.ra >="), "{q}");
        assert!(
            q.contains("(m.dec BETWEEN 89.85") && q.contains(" AND 90) AND"),
            "{q}"
        );
        let q = cone(166.28875, -58.85, 12.0).unwrap();
        assert!(
            q.contains("dbo.cone_distance(m.ra,m.dec,166.28875,-58.85) <= 12 AND"),
            "{q}"
        );
        assert!(cone(360.0, 0.0, 1.0).is_err());
        assert!(cone(1.0, 0.0, 0.0).is_err());
    }
}
