//! Multi-wavelength counterparts of X-ray sources (spec section 2): nearest and
//! second-nearest entries of Gaia, 2MASS, AllWISE, CatWISE2020 and unWISE within a
//! cone, positional uncertainties (2.3), acceptance flags (2.4), unWISE magnitudes
//! (2.5), chance-coincidence probabilities (2.6, paper Appendix C) and the final
//! magnitude columns (2.7).
//!
//! Choices made here (the spec leaves them open or the authors' code differs):
//! - Separations are great-circle distances recomputed from the catalog positions
//!   for every catalog (upstream used VizieR's `_r`, rounded to 1 mas, for all but
//!   Gaia); on the three example fields they agree with `_r` to 0.52 mas and with
//!   the Gaia `_r` to 7e-11 arcsec, and no acceptance changes.
//! - P_chance = 1 - exp(-rho pi X_PU^2) (Appendix C) with rho from the authors'
//!   adaptive annulus of spec 2.6 ([`local_density`]), not the fixed 10-arcsec
//!   circle of Appendix C, which holds one or two Gaia sources and none for WISE.
//!   It needs the whole catalog around each source: with the authors' per-source
//!   files (nearest candidate only) the density, and so P_chance, is not meaningful.
//! - With such files a second source within 1.5 X_PU is invisible, so cp_flag 2 can
//!   come out 0; acceptance (cp_flag >= 0) is unaffected. An entry listed twice at
//!   the same position (two X-ray sources sharing a candidate) is one source.
//! - A catalog row with both coordinates empty (the authors' "no candidate" rows) is
//!   no entry; one empty coordinate is an error.
//! - Columns of a catalog that is not given are not written, so a partial run never
//!   blanks columns the input already has. Gaia terms are 0 without a Gaia file.
//! - unWISE magnitude errors are positive (upstream's are negative, spec 2.5).

pub mod catalog;
pub mod geometry;

use std::f64::consts::PI;
use std::path::Path;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::table::{Table, Writer, fmt_f64};
pub use catalog::{CatalogKind, DENSITY_MAX, DENSITY_MIN, Matched, unwise_mag};
use catalog::{WISE12_COLUMNS, WISE12_WHICH, gaia};

/// Settings of a cross-match.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Cone radius for the nearest and second-nearest candidates, arcsec (spec 2.2).
    pub radius: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options { radius: 10.0 }
    }
}

/// Names of the X-ray position columns.
#[derive(Debug, Clone)]
pub struct XrayColumns {
    pub ra: String,
    pub dec: String,
    /// The X-ray 2-sigma radius (err_ellipse_r0), arcsec.
    pub pu: String,
}

impl Default for XrayColumns {
    fn default() -> Self {
        XrayColumns {
            ra: "CSCv2_RA".into(),
            dec: "CSCv2_DEC".into(),
            pu: "CSCv2_PU".into(),
        }
    }
}

/// One X-ray source: position (deg) and 2-sigma positional uncertainty (arcsec).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct XraySource {
    pub ra: f64,
    pub dec: f64,
    pub pu: f64,
}

/// Reads the X-ray positions of every row; missing or bad values are errors.
pub(crate) fn xray_sources(table: &Table, cols: &XrayColumns) -> Result<Vec<XraySource>> {
    let h = &table.header;
    let (ra, dec, pu) = (
        h.require(&cols.ra)?,
        h.require(&cols.dec)?,
        h.require(&cols.pu)?,
    );
    table
        .rows
        .iter()
        .map(|row| {
            let s = XraySource {
                ra: row.num_required(ra)?,
                dec: row.num_required(dec)?,
                pu: row.num_required(pu)?,
            };
            if !(-90.0..=90.0).contains(&s.dec) {
                return Err(row.error(dec, format!("declination {} outside [-90, 90]", s.dec)));
            }
            if s.pu < 0.0 {
                return Err(row.error(pu, format!("negative positional uncertainty {}", s.pu)));
            }
            Ok(s)
        })
        .collect()
}

/// The Gaia astrometric terms added to every catalog's PU (spec 2.3): parallax,
/// parallax error and astrometric excess noise (mas) of the nearest Gaia entry.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct GaiaTerms {
    pub plx: Option<f64>,
    pub e_plx: Option<f64>,
    pub epsi: Option<f64>,
}

/// X_PU (spec 2.3): the catalog term PU_CU (NaN when missing) and the Gaia terms
/// `2 v / 1000` (each missing one counts as 0) in quadrature give PU_<cat>; that
/// and the X-ray `r0` in quadrature give X_PU. Same order of operations as upstream.
pub(crate) fn x_pu(pu_cu: f64, gaia: &GaiaTerms, r0: f64) -> f64 {
    let term = |v: Option<f64>| v.map_or(0.0, |v| 2.0 * v / 1000.0);
    let cu = if pu_cu.is_nan() { 0.0 } else { pu_cu };
    let (p, e, x) = (term(gaia.plx), term(gaia.e_plx), term(gaia.epsi));
    let pu = (cu * cu + p * p + e * e + x * x).sqrt();
    (pu * pu + r0 * r0).sqrt()
}

/// The acceptance flag of spec 2.4 from the nearest and second-nearest separations;
/// accepted iff >= 0. Reachable values: 0, 2 (accepted), -4, -8.
pub fn cp_flag(r: Option<f64>, r2: Option<f64>, x_pu: f64) -> i32 {
    let mut flag = -8;
    if let Some(r) = r
        && x_pu < r
        && r <= 1.5 * x_pu
    {
        flag += 4;
    }
    if flag == -8
        && let Some(r2) = r2
        && r2 <= 1.5 * x_pu
    {
        flag += 2;
    }
    if let Some(r) = r
        && r <= x_pu
    {
        flag += 8;
    }
    flag
}

/// Paper Appendix C: probability of a chance coincidence within radius `r` arcsec
/// for a density `rho` per arcsec^2.
pub(crate) fn p_chance(rho: f64, r: f64) -> f64 {
    1.0 - (-rho * PI * r * r).exp()
}

/// The match of one X-ray source in one catalog.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CatalogMatch {
    /// The separation of the nearest entry within the radius, arcsec.
    pub nearest: Option<f64>,
    /// The second separation (spec 2.2), arcsec.
    pub second: Option<f64>,
    pub x_pu: f64,
    pub cp_flag: i32,
    /// Chance-coincidence probability of a source within X_PU; `None` without a
    /// candidate.
    pub p_chance: Option<f64>,
}

impl CatalogMatch {
    /// True when the nearest entry is the accepted counterpart (cp_flag >= 0).
    pub fn accepted(&self) -> bool {
        self.nearest.is_some() && self.cp_flag >= 0
    }
}

/// The matches of source `s` in every matched catalog (in any order, at most one of
/// a kind). The Gaia terms come from the nearest Gaia entry, accepted or not (2.3).
pub(crate) fn match_source(src: &XraySource, s: usize, catalogs: &[Matched]) -> Vec<CatalogMatch> {
    let mut terms = GaiaTerms::default();
    if let Some(g) = catalogs.iter().find(|c| c.kind == CatalogKind::Gaia)
        && g.nearest(s).is_some()
    {
        let v = g.values(s);
        let some = |x: f64| (!x.is_nan()).then_some(x);
        terms = GaiaTerms {
            plx: some(v[gaia::PLX]),
            e_plx: some(v[gaia::E_PLX]),
            epsi: some(v[gaia::EPSI]),
        };
    }
    catalogs
        .iter()
        .map(|cat| {
            let x_pu = x_pu(cat.pu_cu(s), &terms, src.pu);
            let r = cat.nearest(s);
            CatalogMatch {
                nearest: r,
                second: cat.second(s),
                x_pu,
                cp_flag: cp_flag(r, cat.second(s), x_pu),
                p_chance: r.map(|_| p_chance(cat.density(s), x_pu)),
            }
        })
        .collect()
}

/// The per-catalog columns that follow the magnitudes, suffixed `_<cat>`.
const MATCH_COLUMNS: [(&str, MatchCell); 6] = [
    ("id", MatchCell::Id),
    ("sep", MatchCell::Sep),
    ("sep2", MatchCell::Sep2),
    ("X_PU", MatchCell::XPu),
    ("cp_flag", MatchCell::CpFlag),
    ("P_chance", MatchCell::PChance),
];

/// What a per-catalog match column holds (spec 2.2-2.6).
#[derive(Debug, Clone, Copy)]
enum MatchCell {
    Id,
    Sep,
    Sep2,
    XPu,
    CpFlag,
    PChance,
}

/// Where one output cell comes from; `cat` indexes the matched catalogs.
#[derive(Debug, Clone, Copy)]
enum Cell {
    /// A kept value of the catalog's accepted counterpart.
    Value {
        cat: usize,
        index: usize,
    },
    /// W1, e_W1, W2 or e_W2 of the accepted W1/W2 source of highest precedence.
    Wise12(usize),
    /// Which catalog that source is.
    Wise12Which,
    Match {
        cat: usize,
        cell: MatchCell,
    },
}

/// The columns `xmatch` adds and where each cell comes from, derived once from the
/// catalogs' spec entries: in spec order, the magnitudes a catalog writes (and its
/// optional columns when the file has them), the W1/W2 columns before those of the
/// first W1/W2 source, `which_wise12` after all magnitudes when there is such a
/// source; then per catalog `id_, sep_, sep2_, X_PU_, cp_flag_, P_chance_<cat>`.
/// Columns of catalogs not given are not written, so that they never blank an
/// existing column of the input.
pub(crate) struct OutputLayout {
    names: Vec<String>,
    cells: Vec<Cell>,
    /// The W1/W2 sources among the catalogs, highest precedence first (spec order).
    wise12_sources: Vec<usize>,
}

impl OutputLayout {
    pub(crate) fn new(catalogs: &[Matched]) -> OutputLayout {
        let order: Vec<(CatalogKind, usize)> = CatalogKind::ALL
            .into_iter()
            .filter_map(|k| catalogs.iter().position(|c| c.kind == k).map(|i| (k, i)))
            .collect();
        let mut layout = OutputLayout {
            names: Vec::new(),
            cells: Vec::new(),
            wise12_sources: order
                .iter()
                .filter(|(k, _)| k.wise12().is_some())
                .map(|&(_, cat)| cat)
                .collect(),
        };
        let first_wise = layout.wise12_sources.first().copied();
        let mut push = |name: String, cell: Cell| {
            layout.names.push(name);
            layout.cells.push(cell);
        };
        for &(kind, cat) in &order {
            if first_wise == Some(cat) {
                for (c, name) in WISE12_COLUMNS.iter().enumerate() {
                    push(name.to_string(), Cell::Wise12(c));
                }
            }
            for &(name, index) in kind.writes() {
                push(name.to_string(), Cell::Value { cat, index });
            }
            if catalogs[cat].has_distances() {
                for (j, name) in kind.optional().iter().enumerate() {
                    let index = kind.n_values() + j;
                    push(name.to_string(), Cell::Value { cat, index });
                }
            }
        }
        if first_wise.is_some() {
            push(WISE12_WHICH.to_string(), Cell::Wise12Which);
        }
        for &(kind, cat) in &order {
            for (prefix, cell) in MATCH_COLUMNS {
                push(
                    format!("{prefix}_{}", kind.key()),
                    Cell::Match { cat, cell },
                );
            }
        }
        layout
    }

    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// The cells of source `s`. A catalog's magnitudes, Gaia astrometry and
    /// identifier are blank unless its counterpart is accepted (2.7 step 2); W1/W2
    /// come from the highest-precedence accepted WISE match, whole (2.7 step 3).
    pub(crate) fn row(
        &self,
        catalogs: &[Matched],
        s: usize,
        matches: &[CatalogMatch],
    ) -> Vec<String> {
        let winner = self
            .wise12_sources
            .iter()
            .copied()
            .find(|&i| matches[i].accepted());
        let value = |cat: usize, index: usize| {
            if matches[cat].accepted() {
                fmt_f64(catalogs[cat].values(s)[index])
            } else {
                String::new()
            }
        };
        self.cells
            .iter()
            .map(|&cell| match cell {
                Cell::Value { cat, index } => value(cat, index),
                Cell::Wise12(c) => winner.map_or(String::new(), |w| {
                    value(w, catalogs[w].kind.wise12().unwrap_or_default()[c])
                }),
                Cell::Wise12Which => {
                    winner.map_or(String::new(), |w| catalogs[w].kind.key().to_string())
                }
                Cell::Match { cat, cell } => {
                    let m = &matches[cat];
                    match cell {
                        MatchCell::Id if m.accepted() => catalogs[cat].id(s).to_string(),
                        MatchCell::Id => String::new(),
                        MatchCell::Sep => fmt_num_opt(m.nearest),
                        MatchCell::Sep2 => fmt_num_opt(m.second),
                        MatchCell::XPu => fmt_f64(m.x_pu),
                        MatchCell::CpFlag => m.cp_flag.to_string(),
                        MatchCell::PChance => fmt_num_opt(m.p_chance),
                    }
                }
            })
            .collect()
    }
}

fn fmt_num_opt(v: Option<f64>) -> String {
    crate::table::fmt_num(v)
}

/// The whole `xmatch` tool: reads the X-ray table (a file or standard input) and the
/// catalogs, matches, and writes the input rows with the counterpart columns.
pub fn run(
    xray: Option<&Path>,
    out: Option<&Path>,
    catalog_files: &[(CatalogKind, &Path)],
    cols: &XrayColumns,
    opts: &Options,
) -> Result<()> {
    if !(opts.radius > 0.0 && opts.radius <= 3600.0) {
        return Err(Error::invalid(format!(
            "--radius {} arcsec: must be in (0, 3600]",
            opts.radius
        )));
    }
    for (i, (k, _)) in catalog_files.iter().enumerate() {
        if catalog_files[..i].iter().any(|(j, _)| j == k) {
            return Err(Error::invalid(format!("catalog {} given twice", k.key())));
        }
    }
    // Output order is fixed (CatalogKind::ALL) whatever the order of the arguments.
    let mut files: Vec<(CatalogKind, &Path)> = catalog_files.to_vec();
    files.sort_by_key(|(k, _)| CatalogKind::ALL.iter().position(|a| a == k));
    let table = Table::read(xray)?;
    let sources = xray_sources(&table, cols)?;
    // One catalog at a time, so that memory holds one catalog's reading window.
    let catalogs = files
        .iter()
        .map(|(k, p)| Matched::read(*k, p, &sources, opts.radius))
        .collect::<Result<Vec<Matched>>>()?;
    let added = OutputLayout::new(&catalogs);
    let new_refs: Vec<&str> = added.names().iter().map(String::as_str).collect();
    let layout = table.header.extended(&new_refs)?;
    let values: Vec<Vec<String>> = sources
        .par_iter()
        .enumerate()
        .map(|(s, src)| added.row(&catalogs, s, &match_source(src, s, &catalogs)))
        .collect();
    let mut w = Writer::create(out)?;
    w.write_row(&layout.names)?;
    for (row, v) in table.rows.iter().zip(&values) {
        w.write_row(layout.row(&row.record, v))?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp_flag_reaches_the_four_values() {
        let x = 1.0;
        assert_eq!(cp_flag(Some(0.5), None, x), 0);
        assert_eq!(cp_flag(Some(0.5), Some(1.4), x), 2);
        assert_eq!(cp_flag(Some(0.5), Some(1.6), x), 0);
        assert_eq!(cp_flag(Some(1.2), Some(1.3), x), -4);
        assert_eq!(cp_flag(Some(1.6), None, x), -8);
        assert_eq!(cp_flag(None, None, x), -8);
        // r = X_PU exactly is accepted, r = 1.5 X_PU exactly is -4
        assert_eq!(cp_flag(Some(1.0), None, x), 0);
        assert_eq!(cp_flag(Some(1.5), None, x), -4);
    }

    #[test]
    fn x_pu_adds_gaia_terms_in_quadrature() {
        // NGC3532 row 1 (reference/MW_clean.csv): r0 0.77, PU_CU_2mass 0.26,
        // Plx 0.2685, e_Plx 0.1788, epsi 0.418 -> X_PU_2mass 0.8127121969939666
        let g = GaiaTerms {
            plx: Some(0.2685),
            e_plx: Some(0.1788),
            epsi: Some(0.418),
        };
        let v = x_pu(0.26, &g, 0.77);
        assert!((v - 0.8127121969939666).abs() < 1e-15, "{v}");
        // no candidate: PU_CU counts as 0 -> X_PU_allwise 0.7700007241183349
        let v = x_pu(f64::NAN, &g, 0.77);
        assert!((v - 0.7700007241183349).abs() < 1e-15, "{v}");
        assert_eq!(x_pu(f64::NAN, &GaiaTerms::default(), 0.7), 0.7);
    }

    #[test]
    fn p_chance_follows_appendix_c() {
        assert_eq!(p_chance(0.0, 1.0), 0.0);
        let rho = 1.0 / (PI * 100.0); // one source per 10-arcsec circle
        assert!((p_chance(rho, 10.0) - (1.0 - (-1.0f64).exp())).abs() < 1e-15);
    }

    /// A square grid of unWISE entries 2 arcsec apart around (100, 0): density
    /// 0.25 per arcsec^2 with no boundary effect within 30 arcsec.
    fn grid(sources: &[XraySource], radius: f64) -> Matched {
        let mut text = String::from(
            "objID,RAJ2000,DEJ2000,e_XposW1,e_XposW2,e_YposW1,e_YposW2,FW1,e_FW1,FW2,e_FW2\n",
        );
        for i in -40..=40 {
            for j in -40..=40 {
                let (ra, dec) = (100.0 + i as f64 * 2.0 / 3600.0, j as f64 * 2.0 / 3600.0);
                text.push_str(&format!("g{i}_{j},{ra},{dec},0.1,0.1,0.1,0.1,100,1,50,1\n"));
            }
        }
        Matched::parse(CatalogKind::UnWise, "grid.csv", text, sources, radius).unwrap()
    }

    #[test]
    fn density_of_a_grid() {
        let src = |pu| XraySource {
            ra: 100.0 + 0.3 / 3600.0,
            dec: 0.0,
            pu,
        };
        // nearest outside r0 = 0.5 is 1.7 arcsec away -> d_out = 30
        let rho = grid(&[src(0.5)], 10.0).density(0);
        assert!((rho / 0.25 - 1.0).abs() < 0.02, "{rho}");
        // the same without a usable cone: the 30-arcsec search finds d_nr
        assert_eq!(grid(&[src(0.5)], 1.0).density(0), rho);
        // r0 beyond every entry within 30 arcsec: d_out = 300 arcsec, past the
        // grid's edge (80 arcsec), so the density falls to the grid's 6561 entries
        let rho = grid(&[src(31.0)], 1.0).density(0);
        assert!((rho - 6561.0 / (PI * 9e4)).abs() < 1e-12, "{rho}");
    }

    #[test]
    fn match_and_output_cells() {
        let src = XraySource {
            ra: 100.0,
            dec: 0.3 / 3600.0,
            pu: 0.7,
        };
        let cat = grid(&[src], 10.0);
        let m = match_source(&src, 0, std::slice::from_ref(&cat));
        assert_eq!(cat.id(0), "g0_0");
        assert!((m[0].nearest.unwrap() - 0.3).abs() < 1e-9);
        assert!((m[0].second.unwrap() - 1.7).abs() < 1e-9);
        // X_PU = sqrt((2*2.75*0.1)^2 + 0.7^2); second at 1.7 > 1.5 X_PU = 1.34
        let xp = (0.55f64 * 0.55 + 0.49).sqrt();
        assert!((m[0].x_pu - xp).abs() < 1e-12);
        assert_eq!(m[0].cp_flag, 0);
        let layout = OutputLayout::new(std::slice::from_ref(&cat));
        let cols = layout.names();
        let vals = layout.row(std::slice::from_ref(&cat), 0, &m);
        assert_eq!(cols.len(), vals.len());
        let cell = |name: &str| &vals[cols.iter().position(|c| c == name).unwrap()];
        assert_eq!(cell("which_wise12"), "unwise");
        assert_eq!(cell("id_unwise"), "g0_0");
        assert_eq!(cell("W1mag").parse::<f64>().unwrap(), 22.5 - 5.0 - 0.004);
        assert_eq!(cell("cp_flag_unwise"), "0");
        assert!(!cols.contains(&"Gmag".to_string()));
    }
}
