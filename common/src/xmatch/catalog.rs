//! Counterpart catalogs (spec 2.1): which VizieR columns each one needs, and a
//! streaming match of a catalog file of any size (a whole region of a catalog) against
//! the X-ray sources.
//!
//! Memory is bounded by the X-ray sources, not by the catalog: the catalog is read
//! once, row by row (by the table module's batch reader), and each row is looked up in
//! a kd-tree of the sources; a source keeps only its nearest entry's values and the
//! few candidates that can still be nearest or second (spec 2.2), and the two
//! separations the density radius depends on (spec 2.6). The density counts, which need
//! every entry within up to 300 arcsec once that radius is known, come from a second
//! pass over a spool of the entries' unit vectors (24 bytes per entry, in an unlinked
//! temporary file), in chunks with a kd-tree each. The counts, separations and squared
//! chords are those of a kd-tree over the whole catalog, bit for bit.
//!
//! A column `X` is found as `X` or as `X_<cat>` (the suffixed names of the authors'
//! per-catalog files, `examples/*/input/<cat>.csv`). Their helper columns (`_q`,
//! `_r_<cat>`, `_rs_<cat>`) are ignored: separations are recomputed from positions.

use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::mpsc;

use kiddo::{ImmutableKdTree, SquaredEuclidean};
use rayon::prelude::*;

use super::XraySource;
use super::geometry::{ARCSEC, StripIndex, chord2, chord2_between, separation_arcsec, unit_vector};
use crate::error::{Error, Result};
use crate::table::{
    Batch, Batched, ByteRow, Header, Reader, read_batches, spawn_scoped, spool_file,
};

/// The five catalogs of spec 2.1, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CatalogKind {
    Gaia,
    TwoMass,
    AllWise,
    CatWise,
    UnWise,
}

/// Everything about one catalog (spec 2.1-2.7): the VizieR columns it needs, how its
/// values are read, and the columns it writes. Adding a catalog is one entry here, its
/// [`CatalogKind`] and its flag in the `xmatch` tool.
struct Spec {
    /// Suffix of the authors' per-catalog column names and of our output columns.
    key: &'static str,
    /// The VizieR table (spec 2.1), for the archive queries.
    vizier: &'static str,
    ra: &'static str,
    dec: &'static str,
    /// Accepted identifier columns, first present wins.
    id: &'static [&'static str],
    /// The columns of the catalog coordinate term PU_CU (spec 2.3).
    pu: &'static [&'static str],
    /// PU_CU in arcsec from twice the largest PU column (spec 2.3).
    pu_arcsec: fn(f64) -> f64,
    /// Numeric columns kept; all must be present.
    values: &'static [&'static str],
    /// Numeric columns kept when the file has them (Gaia distances), written under
    /// their own names.
    optional: &'static [&'static str],
    /// Turns the values as read into what the catalog feeds (unWISE fluxes to Vega
    /// magnitudes, spec 2.5).
    convert: Option<fn(&mut [f64])>,
    /// The magnitude columns written from an accepted counterpart (spec 2.7 step 2):
    /// (output name, index into `values`).
    writes: &'static [(&'static str, usize)],
    /// For a source of W1 and W2 (spec 2.7 step 3): the indices in `values` of W1,
    /// e_W1, W2 and e_W2. The accepted source of highest precedence fills
    /// [`WISE12_COLUMNS`] whole; precedence is the order of [`CatalogKind::ALL`].
    wise12: Option<[usize; 4]>,
}

/// The W1/W2 columns any WISE catalog can fill, and the column naming which did.
pub(crate) const WISE12_COLUMNS: [&str; 4] = ["W1mag", "e_W1mag", "W2mag", "e_W2mag"];
pub(crate) const WISE12_WHICH: &str = "which_wise12";

fn arcsec(v: f64) -> f64 {
    v
}

fn mas(v: f64) -> f64 {
    v / 1000.0
}

fn unwise_pixels(v: f64) -> f64 {
    v * UNWISE_PIXEL
}

fn unwise_fluxes(values: &mut [f64]) {
    for (band, offset) in UNWISE_OFFSETS.iter().enumerate() {
        let (m, e) = unwise_mag(values[2 * band], values[2 * band + 1], *offset);
        values[2 * band] = m;
        values[2 * band + 1] = e;
    }
}

const GAIA: Spec = Spec {
    key: "gaia",
    vizier: "I/355/gaiadr3",
    ra: "RA_ICRS",
    dec: "DE_ICRS",
    id: &["DR3Name", "EDR3Name", "Source"],
    pu: &["e_RA_ICRS", "e_DE_ICRS"],
    pu_arcsec: mas,
    values: &[
        "Gmag", "e_Gmag", "BPmag", "e_BPmag", "RPmag", "e_RPmag", "Plx", "e_Plx", "PM", "epsi",
    ],
    optional: &["rgeo", "b_rgeo", "B_rgeo"],
    convert: None,
    writes: &[
        ("Gmag", 0),
        ("e_Gmag", 1),
        ("BPmag", 2),
        ("e_BPmag", 3),
        ("RPmag", 4),
        ("e_RPmag", 5),
        ("Plx", gaia::PLX),
        ("e_Plx", gaia::E_PLX),
        ("PM", gaia::PM),
    ],
    wise12: None,
};
const TWOMASS: Spec = Spec {
    key: "2mass",
    vizier: "II/246/out",
    ra: "RAJ2000",
    dec: "DEJ2000",
    id: &["_2MASS", "2MASS"],
    pu: &["errMaj"],
    pu_arcsec: arcsec,
    values: &["Jmag", "e_Jmag", "Hmag", "e_Hmag", "Kmag", "e_Kmag"],
    optional: &[],
    convert: None,
    writes: &[
        ("Jmag", 0),
        ("e_Jmag", 1),
        ("Hmag", 2),
        ("e_Hmag", 3),
        ("Kmag", 4),
        ("e_Kmag", 5),
    ],
    wise12: None,
};
const ALLWISE: Spec = Spec {
    key: "allwise",
    vizier: "II/328/allwise",
    ra: "RAJ2000",
    dec: "DEJ2000",
    id: &["AllWISE"],
    pu: &["eeMaj"],
    pu_arcsec: arcsec,
    values: &["W1mag", "e_W1mag", "W2mag", "e_W2mag", "W3mag", "e_W3mag"],
    optional: &[],
    convert: None,
    writes: &[("W3mag", 4), ("e_W3mag", 5)],
    wise12: Some([0, 1, 2, 3]),
};
const CATWISE: Spec = Spec {
    key: "catwise",
    vizier: "II/365/catwise",
    ra: "RA_ICRS",
    dec: "DE_ICRS",
    id: &["Name", "objID"],
    pu: &["e_RA_ICRS", "e_DE_ICRS"],
    pu_arcsec: arcsec,
    values: &["W1mproPM", "e_W1mproPM", "W2mproPM", "e_W2mproPM"],
    optional: &[],
    convert: None,
    writes: &[],
    wise12: Some([0, 1, 2, 3]),
};
const UNWISE: Spec = Spec {
    key: "unwise",
    vizier: "II/363/unwise",
    ra: "RAJ2000",
    dec: "DEJ2000",
    id: &["objID"],
    pu: &["e_XposW1", "e_XposW2", "e_YposW1", "e_YposW2"],
    pu_arcsec: unwise_pixels,
    values: &["FW1", "e_FW1", "FW2", "e_FW2"],
    optional: &[],
    convert: Some(unwise_fluxes),
    writes: &[],
    wise12: Some([0, 1, 2, 3]),
};

/// Indices into the stored values of a Gaia entry.
pub(crate) mod gaia {
    pub(crate) const PLX: usize = 6;
    pub(crate) const E_PLX: usize = 7;
    pub const PM: usize = 8;
    pub(crate) const EPSI: usize = 9;
}

/// The unWISE pixel, arcsec (spec 2.3).
pub(crate) const UNWISE_PIXEL: f64 = 2.75;

impl CatalogKind {
    pub const ALL: [CatalogKind; 5] = [
        CatalogKind::Gaia,
        CatalogKind::TwoMass,
        CatalogKind::AllWise,
        CatalogKind::CatWise,
        CatalogKind::UnWise,
    ];

    /// The suffix of the authors' column names and of our output columns.
    pub fn key(self) -> &'static str {
        self.spec().key
    }

    /// The VizieR table (spec 2.1).
    pub(crate) fn vizier_table(self) -> &'static str {
        self.spec().vizier
    }

    pub fn from_key(key: &str) -> Option<CatalogKind> {
        CatalogKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// The columns a catalog file must have, by VizieR name: position, identifier
    /// (the first accepted spelling that is a VizieR TAP column: names starting with
    /// `_` are the renamings of the authors' files), PU terms and values.
    pub(crate) fn needed_columns(self) -> Vec<&'static str> {
        let s = self.spec();
        let id =
            s.id.iter()
                .find(|n| !n.starts_with('_'))
                .unwrap_or(&s.id[0]);
        let mut cols = vec![s.ra, s.dec, id];
        cols.extend(s.pu);
        cols.extend(s.values);
        cols
    }

    /// Checks that a catalog table has the columns xmatch needs (an error names the
    /// first one missing).
    pub fn check_header(self, header: &Header) -> Result<()> {
        Columns::find(self, header).map(|_| ())
    }

    fn spec(self) -> &'static Spec {
        match self {
            CatalogKind::Gaia => &GAIA,
            CatalogKind::TwoMass => &TWOMASS,
            CatalogKind::AllWise => &ALLWISE,
            CatalogKind::CatWise => &CATWISE,
            CatalogKind::UnWise => &UNWISE,
        }
    }

    /// The magnitude columns (with errors) this catalog provides once converted:
    /// for unWISE the fluxes become W1, e_W1, W2, e_W2 magnitudes (spec 2.5).
    pub(crate) fn n_values(self) -> usize {
        self.spec().values.len()
    }

    /// The magnitude columns the catalog writes from an accepted counterpart:
    /// (output name, index into [`Matched::values`]).
    pub(crate) fn writes(self) -> &'static [(&'static str, usize)] {
        self.spec().writes
    }

    /// The optional columns (written under their own names when the file has them),
    /// which follow the values in [`Matched::values`].
    pub(crate) fn optional(self) -> &'static [&'static str] {
        self.spec().optional
    }

    /// The indices of W1, e_W1, W2, e_W2 in [`Matched::values`] for a W1/W2 source.
    pub(crate) fn wise12(self) -> Option<[usize; 4]> {
        self.spec().wise12
    }

    /// PU_CU, the catalog coordinate term of the positional uncertainty (spec 2.3,
    /// "2 sigma", arcsec) from the PU columns of an entry; NaN when all are missing.
    pub(crate) fn pu_cu(self, pu: &[f64]) -> f64 {
        let max = pu
            .iter()
            .copied()
            .filter(|v| !v.is_nan())
            .fold(f64::NAN, f64::max);
        (self.spec().pu_arcsec)(2.0 * max)
    }
}

/// unWISE flux (nanomaggies) to Vega magnitude (spec 2.5): `22.5 - 2.5 log10(F) - offset`,
/// offsets 0.004 (W1) and 0.032 (W2); error `2.5 log10(e) e_F / F`, taken positive
/// (upstream writes it negative, DESIGN.md). Non-positive or missing flux: missing.
pub fn unwise_mag(flux: f64, e_flux: f64, offset: f64) -> (f64, f64) {
    if flux.is_nan() || flux <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let mag = 22.5 - 2.5 * flux.log10() - offset;
    let err = (2.5 * std::f64::consts::LOG10_E * e_flux / flux).abs();
    (mag, err)
}

/// The unWISE W1 and W2 Vega offsets of spec 2.5.
pub(crate) const UNWISE_OFFSETS: [f64; 2] = [0.004, 0.032];

/// Where the needed columns stand in one catalog file.
struct Columns {
    ra: usize,
    dec: usize,
    id: usize,
    pu: Vec<usize>,
    values: Vec<usize>,
    optional: Vec<usize>,
}

impl Columns {
    fn find(kind: CatalogKind, header: &Header) -> Result<Columns> {
        let key = kind.key();
        let spec = kind.spec();
        let spell = |name: &str| [name.to_string(), format!("{name}_{key}")];
        let require = |name: &str| {
            let s = spell(name);
            header.require_any(&[s[0].as_str(), s[1].as_str()])
        };
        let find = |name: &str| {
            let s = spell(name);
            let dist = format!("{name}_gaiadist");
            header.find_any(&[s[0].as_str(), s[1].as_str(), dist.as_str()])
        };
        let (ra, dec) = (require(spec.ra)?, require(spec.dec)?);
        let mut id = None;
        for name in spec.id {
            if let Some(i) = find(name)? {
                id = Some(i);
                break;
            }
        }
        let id = match id {
            Some(i) => i,
            None => require(spec.id[0])?,
        };
        let optional: Vec<Option<usize>> = spec
            .optional
            .iter()
            .map(|n| find(n))
            .collect::<Result<_>>()?;
        Ok(Columns {
            ra,
            dec,
            id,
            pu: spec.pu.iter().map(|n| require(n)).collect::<Result<_>>()?,
            values: spec
                .values
                .iter()
                .map(|n| require(n))
                .collect::<Result<_>>()?,
            // Distances are all or nothing, so that a row's columns agree.
            optional: if optional.iter().all(Option::is_some) {
                optional.into_iter().flatten().collect()
            } else {
                Vec::new()
            },
        })
    }
}

/// The most values a catalog keeps per entry (Gaia: 10, and 3 distances).
const MAX_VALUES: usize = 13;

/// One catalog entry as parsed from its row.
struct Entry {
    ra: f64,
    dec: f64,
    xyz: [f64; 3],
    pu_cu: f64,
    values: [f64; MAX_VALUES],
}

/// A candidate within the cone of a source.
#[derive(Debug, Clone, Copy)]
struct Hit {
    sep: f64,
    /// The row number: the earlier row is nearer at equal separations.
    row: u64,
    ra: f64,
    dec: f64,
}

/// What the stream has found for one source so far.
#[derive(Debug, Clone)]
struct Cone {
    /// Candidates by (separation, file order): the nearest, entries at its very
    /// position, and the first entry elsewhere. Nothing further can become the
    /// nearest or the second source (spec 2.2).
    hits: Vec<Hit>,
    /// The smallest separation beyond the X-ray radius r0 in the cone (spec 2.6 d_nr).
    in_cone: f64,
    /// The smallest squared chord beyond r0 within [`DENSITY_MIN`].
    beyond_d2: f64,
}

impl Cone {
    fn new() -> Cone {
        Cone {
            hits: Vec::new(),
            in_cone: f64::INFINITY,
            beyond_d2: f64::INFINITY,
        }
    }

    /// Adds a candidate (in any order of rows). True when it is the new nearest.
    fn add(&mut self, hit: Hit) -> bool {
        let at = self
            .hits
            .partition_point(|h| h.sep < hit.sep || (h.sep == hit.sep && h.row < hit.row));
        self.hits.insert(at, hit);
        let first = self.hits[0];
        if let Some(j) = self.hits[1..]
            .iter()
            .position(|h| h.ra != first.ra || h.dec != first.dec)
        {
            self.hits.truncate(j + 2);
        }
        at == 0
    }

    /// The nearest separation, and the second: the nearest entry at another position
    /// than the nearest one (an entry listed twice, as in the authors' per-source
    /// files where two X-ray sources share a candidate, is one source).
    fn neighbours(&self) -> (Option<f64>, Option<f64>) {
        let Some(first) = self.hits.first() else {
            return (None, None);
        };
        let second = self.hits[1..]
            .iter()
            .find(|h| h.ra != first.ra || h.dec != first.dec)
            .map(|h| h.sep);
        (Some(first.sep), second)
    }

    /// The counting radius d_out of spec 2.6: d_nr is the distance to the nearest
    /// entry outside the X-ray error circle, from the cone when it has one (or when
    /// the cone reaches [`DENSITY_MIN`]), else within [`DENSITY_MIN`];
    /// d_out = max(min(300, 10 d_nr), 30) arcsec (no d_nr within 30 arcsec gives 300).
    fn density_radius(&self, radius: f64) -> f64 {
        let d_nr = if self.in_cone.is_finite() || radius >= DENSITY_MIN {
            self.in_cone
        } else if self.beyond_d2.is_finite() {
            2.0 * (0.5 * self.beyond_d2.sqrt()).asin() / ARCSEC
        } else {
            f64::INFINITY
        };
        (10.0 * d_nr).clamp(DENSITY_MIN, DENSITY_MAX)
    }
}

/// The bounds of the density counting radius d_out, arcsec (spec 2.6).
pub const DENSITY_MIN: f64 = 30.0;
pub const DENSITY_MAX: f64 = 300.0;

/// One catalog matched against every X-ray source: per source, the nearest entry
/// within the radius (its values), the second separation and the local density.
pub struct Matched {
    pub kind: CatalogKind,
    pub file: String,
    /// Catalog entries read (rows with a position).
    pub entries: u64,
    has_optional: bool,
    stride: usize,
    nearest: Vec<Option<f64>>,
    second: Vec<Option<f64>>,
    pu_cu: Vec<f64>,
    values: Vec<f64>,
    ids: Vec<String>,
    density: Vec<f64>,
}

impl Matched {
    /// Matches a catalog file (VizieR columns, with or without the `_<cat>` suffix;
    /// CSV, VOTable or FITS; `-` is standard input) against `sources` within `radius` arcsec.
    pub fn read(
        kind: CatalogKind,
        path: &Path,
        sources: &[XraySource],
        radius: f64,
    ) -> Result<Matched> {
        let path = path.to_path_buf();
        stream(kind, move || Reader::open(Some(&path)), sources, radius)
    }

    /// The same from catalog text; `name` is used in messages.
    pub fn parse(
        kind: CatalogKind,
        name: &str,
        text: String,
        sources: &[XraySource],
        radius: f64,
    ) -> Result<Matched> {
        let name = name.to_string();
        let open = move || Reader::from_reader(&name, Box::new(std::io::Cursor::new(text)));
        stream(kind, open, sources, radius)
    }

    /// True when the (Gaia) file has the distance columns rgeo, b_rgeo, B_rgeo.
    pub(crate) fn has_distances(&self) -> bool {
        self.has_optional
    }

    /// The separation (arcsec) of source `s`'s nearest entry within the radius.
    pub fn nearest(&self, s: usize) -> Option<f64> {
        self.nearest[s]
    }

    /// The second separation of source `s` (`_r2_<cat>`), arcsec.
    pub fn second(&self, s: usize) -> Option<f64> {
        self.second[s]
    }

    /// PU_CU of source `s`'s nearest entry; NaN without one.
    pub(crate) fn pu_cu(&self, s: usize) -> f64 {
        self.pu_cu[s]
    }

    /// The identifier of source `s`'s nearest entry; empty without one.
    pub fn id(&self, s: usize) -> &str {
        &self.ids[s]
    }

    /// The kept values of source `s`'s nearest entry, in the order of the catalog's
    /// spec (unWISE: W1mag, e_W1mag, W2mag, e_W2mag already converted), then the
    /// optional columns. Missing is NaN.
    pub fn values(&self, s: usize) -> &[f64] {
        &self.values[s * self.stride..(s + 1) * self.stride]
    }

    /// The entries per arcsec^2 around source `s` (spec 2.6); NaN without a nearest.
    pub fn density(&self, s: usize) -> f64 {
        self.density[s]
    }
}

/// Column lookup and the per-row parse.
struct RowParser {
    kind: CatalogKind,
    cols: Columns,
}

impl RowParser {
    fn num(row: &ByteRow, col: usize) -> Result<f64> {
        Ok(row.num(col)?.unwrap_or(f64::NAN))
    }

    /// The entry of a row; `None` for the authors' "no candidate" rows, whose cells
    /// are empty.
    fn row(&self, row: &ByteRow) -> Result<Option<Entry>> {
        let c = &self.cols;
        let ra = Self::num(row, c.ra)?;
        let dec = Self::num(row, c.dec)?;
        if ra.is_nan() && dec.is_nan() {
            return Ok(None);
        }
        for (col, v) in [(c.ra, ra), (c.dec, dec)] {
            if v.is_nan() {
                return Err(row.error(col, "missing position where the other coordinate is given"));
            }
        }
        if !(-90.0..=90.0).contains(&dec) {
            return Err(row.error(c.dec, format!("declination {dec} outside [-90, 90]")));
        }
        let mut pu = [f64::NAN; 4];
        for (k, &col) in c.pu.iter().enumerate() {
            pu[k] = Self::num(row, col)?;
        }
        let mut values = [f64::NAN; MAX_VALUES];
        for (v, &col) in values.iter_mut().zip(c.values.iter().chain(&c.optional)) {
            *v = Self::num(row, col)?;
        }
        if let Some(convert) = self.kind.spec().convert {
            convert(&mut values);
        }
        row.text(c.id)?;
        Ok(Some(Entry {
            ra,
            dec,
            xyz: unit_vector(ra, dec),
            pu_cu: self.kind.pu_cu(&pu[..c.pu.len()]),
            values,
        }))
    }
}

/// Rows matched together in sky order.
const GROUP_ROWS: usize = 1 << 15;

fn stream(
    kind: CatalogKind,
    open: impl FnOnce() -> Result<Reader> + Send,
    sources: &[XraySource],
    radius: f64,
) -> Result<Matched> {
    let n = sources.len();
    let positions: Vec<(f64, f64)> = sources.iter().map(|s| (s.ra, s.dec)).collect();
    let index = StripIndex::new(&positions, radius.max(DENSITY_MIN));
    // Squared chords: the cone (with the margin of a kd-tree search centred on the
    // source, as the separation decides), the density minimum, and r0.
    let cone2 = chord2(radius) * (1.0 + 1e-9) + 1e-24;
    let min2 = chord2(DENSITY_MIN);
    let r0_2: Vec<f64> = sources.iter().map(|s| chord2(s.pu)).collect();

    let mut cones = vec![Cone::new(); n];
    let mut pu_cu = vec![f64::NAN; n];
    let mut ids = vec![String::new(); n];
    let mut values: Vec<f64> = Vec::new();
    let mut stride = 0;
    let mut has_optional = false;
    let mut entries = 0u64;
    let mut file = String::new();
    let mut spool = BufWriter::with_capacity(1 << 16, spool_file("xmatch spool")?);
    let spool_error = |e| Error::io("xmatch spool", e);

    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = mpsc::sync_channel::<Result<Batched<Option<Entry>>>>(4);
        let (recycle_tx, recycle_rx) = mpsc::channel();
        let parser = move |h: &Header| {
            let p = RowParser {
                kind,
                cols: Columns::find(kind, h)?,
            };
            Ok(move |row: &ByteRow| p.row(row))
        };
        spawn_scoped(scope, "xmatch-read", move || {
            read_batches(open, parser, tx, recycle_rx)
        })?;
        let header = match rx.recv() {
            Ok(Ok(Batched::Header(h))) => h,
            Ok(Err(e)) => return Err(e),
            _ => return Err(Error::invalid("the reader thread ended before the header")),
        };
        let cols = Columns::find(kind, &header)?;
        has_optional = !cols.optional.is_empty();
        stride = cols.values.len() + cols.optional.len();
        values = vec![f64::NAN; n * stride];
        let id_col = cols.id;
        file = header.file().to_string();
        let mut group: Vec<Batch<Option<Entry>>> = Vec::new();
        let (mut group_rows, mut first_row) = (0usize, 0u64);
        // Matches the rows of a group of batches: the sources around each entry, in
        // parallel and in sky order (the index stays in cache), then applied to the
        // sources (in any order: a hit carries its row number).
        let mut apply = |group: &mut Vec<Batch<Option<Entry>>>, header: &Header, first: u64| {
            let rows: Vec<(u64, &Entry, &csv::ByteRecord)> = group
                .iter()
                .flat_map(|b| b.parsed.iter().zip(&b.records))
                .enumerate()
                .filter_map(|(k, (e, r))| e.as_ref().map(|e| (first + k as u64, e, r)))
                .collect();
            let mut order: Vec<(u64, u32)> = rows
                .iter()
                .enumerate()
                .map(|(i, (_, e, _))| (index.sky_key(e.ra, e.dec), i as u32))
                .collect();
            order.sort_unstable();
            let found: Vec<Vec<(u32, u32, f64)>> = order
                .par_chunks(512)
                .map(|chunk| {
                    let mut out = Vec::new();
                    for &(_, i) in chunk {
                        let e = rows[i as usize].1;
                        index.candidates(e.ra, e.dec, |s, v| {
                            let d2 = chord2_between(&e.xyz, v);
                            if d2 <= cone2.max(min2) {
                                out.push((i, s as u32, d2));
                            }
                        });
                    }
                    out
                })
                .collect();
            for (i, s, d2) in found.into_iter().flatten() {
                let (row, e, record) = rows[i as usize];
                let s = s as usize;
                let src = &sources[s];
                let cone = &mut cones[s];
                if d2 > r0_2[s] && d2 <= min2 {
                    cone.beyond_d2 = cone.beyond_d2.min(d2);
                }
                if d2 > cone2 {
                    continue;
                }
                let sep = separation_arcsec(src.ra, src.dec, e.ra, e.dec);
                if sep > radius {
                    continue;
                }
                if sep > src.pu {
                    cone.in_cone = cone.in_cone.min(sep);
                }
                let hit = Hit {
                    sep,
                    row,
                    ra: e.ra,
                    dec: e.dec,
                };
                if cone.add(hit) {
                    pu_cu[s] = e.pu_cu;
                    values[s * stride..(s + 1) * stride].copy_from_slice(&e.values[..stride]);
                    ids[s].clear();
                    ids[s].push_str(ByteRow::new(record, header).text(id_col)?);
                }
            }
            for b in group.drain(..) {
                let _ = recycle_tx.send(b.records);
            }
            Ok::<(), Error>(())
        };
        for msg in rx {
            let Batched::Batch(batch) = msg? else {
                continue;
            };
            for e in batch.parsed.iter().flatten() {
                for v in [e.ra, e.dec] {
                    spool.write_all(&v.to_le_bytes()).map_err(spool_error)?;
                }
                entries += 1;
            }
            group_rows += batch.parsed.len();
            group.push(batch);
            if group_rows >= GROUP_ROWS {
                apply(&mut group, &header, first_row)?;
                first_row += group_rows as u64;
                group_rows = 0;
            }
        }
        apply(&mut group, &header, first_row)?;
        Ok(())
    })?;

    // Pass 2: the number of entries within each source's d_out.
    let d_out: Vec<Option<f64>> = cones
        .iter()
        .map(|c| (!c.hits.is_empty()).then(|| c.density_radius(radius)))
        .collect();
    let spool = spool
        .into_inner()
        .map_err(|e| spool_error(e.into_error()))?;
    let counts = count_within(spool, entries, &positions, &d_out)?;
    let density = cones
        .iter()
        .zip(&counts)
        .map(|(c, &count)| {
            if c.hits.is_empty() {
                return f64::NAN;
            }
            let d_out = c.density_radius(radius);
            f64::from(count) / (std::f64::consts::PI * d_out * d_out)
        })
        .collect();
    let (nearest, second) = cones.iter().map(Cone::neighbours).unzip();
    Ok(Matched {
        kind,
        file,
        entries,
        has_optional,
        stride,
        nearest,
        second,
        pu_cu,
        values,
        ids,
        density,
    })
}

/// Entries per chunk of the density pass: 48 MB of unit vectors and their kd-tree.
const DENSITY_CHUNK: usize = 1 << 21;

/// Pass 2 of the density (spec 2.6): for every source with a d_out (arcsec), the
/// number of catalog entries (positions spooled by pass 1) within d_out, in chunks of
/// the catalog with a kd-tree each (a kd-tree search around every source beats
/// looking up every entry here: d_out reaches 300 arcsec).
fn count_within(
    mut spool: std::fs::File,
    entries: u64,
    positions: &[(f64, f64)],
    d_out: &[Option<f64>],
) -> Result<Vec<u32>> {
    let spool_error = |e| Error::io("xmatch spool", e);
    let mut counts = vec![0u32; positions.len()];
    let queries: Vec<(usize, [f64; 3], f64)> = positions
        .iter()
        .zip(d_out)
        .enumerate()
        .filter_map(|(s, (&(ra, dec), d))| d.map(|d| (s, unit_vector(ra, dec), chord2(d))))
        .collect();
    if queries.is_empty() {
        return Ok(counts);
    }
    spool.seek(SeekFrom::Start(0)).map_err(spool_error)?;
    let mut spool = BufReader::with_capacity(1 << 20, spool);
    let mut left = entries;
    let mut bytes = [0u8; 16];
    let mut chunk: Vec<[f64; 3]> = Vec::new();
    while left > 0 {
        let take = left.min(DENSITY_CHUNK as u64);
        left -= take;
        chunk.clear();
        for _ in 0..take {
            spool.read_exact(&mut bytes).map_err(spool_error)?;
            let (ra, dec) = bytes.split_at(8);
            let f = |b: &[u8]| f64::from_le_bytes(b.try_into().expect("8 bytes"));
            chunk.push(unit_vector(f(ra), f(dec)));
        }
        let tree = ImmutableKdTree::<f64, 3>::new_from_slice_parallel(&chunk)
            .map_err(|e| Error::invalid(format!("cannot build a kd-tree: {e:?}")))?;
        let found: Vec<u32> = queries
            .par_iter()
            .map(|(_, q, d2)| {
                let n = tree
                    .query(q)
                    .within::<SquaredEuclidean<f64>>(*d2)
                    .unsorted()
                    .execute()
                    .len();
                n as u32
            })
            .collect();
        for ((s, _, _), n) in queries.iter().zip(found) {
            counts[*s] += n;
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GAIA_CSV: &str = "DR3Name,RA_ICRS,DE_ICRS,e_RA_ICRS,e_DE_ICRS,Plx,e_Plx,PM,epsi,Gmag,e_Gmag,BPmag,e_BPmag,RPmag,e_RPmag\n\
        a,10.0,20.0,0.1,0.3,1.5,0.1,3.0,0.2,15.0,0.001,15.5,0.01,14.5,0.01\n\
        b,10.001,20.0,0.2,0.1,,,,,18.0,0.01,,,,\n\
        ,,,,,,,,,,,,,,\n";

    fn at(ra: f64, dec: f64) -> XraySource {
        XraySource { ra, dec, pu: 0.5 }
    }

    fn parse(kind: CatalogKind, text: &str, sources: &[XraySource]) -> Result<Matched> {
        Matched::parse(kind, "g.csv", text.to_string(), sources, 10.0)
    }

    #[test]
    fn plain_and_quoted_files_give_the_same_match() {
        let sources = [at(10.0, 20.0), at(10.001, 20.0), at(50.0, 20.0)];
        let quoted = GAIA_CSV.replacen("a,10.0", "\"a\",10.0", 1);
        for text in [GAIA_CSV, quoted.as_str()] {
            let m = parse(CatalogKind::Gaia, text, &sources).unwrap();
            assert_eq!(m.entries, 2, "the empty placeholder row is no entry");
            assert_eq!((m.id(0), m.id(1), m.id(2)), ("a", "b", ""));
            assert_eq!(m.nearest(0), Some(0.0));
            // 0.001 deg of RA at dec 20: 3.6 cos(20 deg) arcsec
            let second = m.second(0).unwrap();
            assert!(
                (second - 3.6 * 20f64.to_radians().cos()).abs() < 1e-6,
                "{second}"
            );
            // 2 * max(0.1, 0.3) mas -> arcsec
            assert_eq!(m.pu_cu(0), 2.0 * 0.3 / 1000.0);
            assert_eq!(m.values(0)[gaia::PLX], 1.5);
            assert!(m.values(1)[gaia::PLX].is_nan());
            assert_eq!(m.nearest(2), None);
            assert!(m.pu_cu(2).is_nan() && m.density(2).is_nan());
            assert!(!m.has_distances());
        }
    }

    #[test]
    fn suffixed_names_are_accepted() {
        let text = "_q,_r_2mass,RAJ2000_2mass,DEJ2000_2mass,errMaj_2mass,_2MASS_2mass,Jmag_2mass,e_Jmag_2mass,Hmag_2mass,e_Hmag_2mass,Kmag_2mass,e_Kmag_2mass\n\
            1,0.1,1,2,0.13,x,10,0.1,9,0.1,8,0.1\n";
        let m = parse(CatalogKind::TwoMass, text, &[at(1.0, 2.0)]).unwrap();
        assert_eq!(m.pu_cu(0), 0.26);
        assert_eq!(m.values(0), &[10.0, 0.1, 9.0, 0.1, 8.0, 0.1]);
        assert_eq!(m.id(0), "x");
    }

    #[test]
    fn unwise_fluxes_become_magnitudes() {
        // 22.5 - 2.5 log10(100) - 0.004 = 17.496; error 1.0857362 * 1/100
        let (m, e) = unwise_mag(100.0, 1.0, 0.004);
        assert!((m - 17.496).abs() < 1e-12);
        assert!((e - 0.010857362047581294).abs() < 1e-15);
        assert!(unwise_mag(-3.0, 1.0, 0.004).0.is_nan());
        assert_eq!(
            CatalogKind::UnWise.pu_cu(&[0.1, 0.3, f64::NAN, 0.2]),
            2.0 * 2.75 * 0.3
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let err = |kind, text: &str| {
            parse(kind, text, &[at(10.0, 20.0)])
                .err()
                .unwrap()
                .to_string()
        };
        let bad = GAIA_CSV.replace("b,10.001", "b,1x");
        assert_eq!(
            err(CatalogKind::Gaia, &bad),
            "g.csv:3: column 2 (RA_ICRS): not a number: '1x'"
        );
        let short = format!("{GAIA_CSV}c,1,2\n");
        assert_eq!(
            err(CatalogKind::Gaia, &short),
            "g.csv:5: column 4 (e_RA_ICRS): short row: 3 fields where the header has 15"
        );
        assert_eq!(
            err(CatalogKind::TwoMass, GAIA_CSV),
            "g.csv:1: missing required column 'RAJ2000' or 'RAJ2000_2mass'"
        );
        assert_eq!(
            err(CatalogKind::Gaia, ""),
            "g.csv: empty input: no header line"
        );
        let one = GAIA_CSV.replace("b,10.001,20.0", "b,10.001,");
        assert_eq!(
            err(CatalogKind::Gaia, &one),
            "g.csv:3: column 3 (DE_ICRS): missing position where the other coordinate is given"
        );
        // a byte order mark is not part of the first column's name
        let bom = format!("\u{feff}{GAIA_CSV}");
        assert_eq!(parse(CatalogKind::Gaia, &bom, &[]).unwrap().entries, 2);
    }

    #[test]
    fn line_numbers_hold_across_batches() {
        let mut text = String::from(
            "objID,RAJ2000,DEJ2000,e_XposW1,e_XposW2,e_YposW1,e_YposW2,FW1,e_FW1,FW2,e_FW2\n",
        );
        let n = 3 * crate::table::BATCH + 17;
        for i in 0..n {
            text.push_str(&format!(
                "o{i},{},1.0,0.1,0.1,0.1,0.1,100,1,50,1\n",
                i as f64 * 1e-4
            ));
        }
        let last = at((n - 1) as f64 * 1e-4, 1.0);
        let m = parse(CatalogKind::UnWise, &text, &[last]).unwrap();
        assert_eq!(m.entries, n as u64);
        assert_eq!(m.id(0), format!("o{}", n - 1));
        let bad = text.replacen(&format!("o{},", n - 2), &format!("o{},zz", n - 2), 1);
        let e = parse(CatalogKind::UnWise, &bad, &[last]).err().unwrap();
        assert!(
            e.to_string()
                .starts_with(&format!("g.csv:{}: column 2 (RAJ2000)", n - 1 + 1)),
            "{e}"
        );
    }

    #[test]
    fn neighbours_skip_a_repeated_entry() {
        let text = "objID,RAJ2000,DEJ2000,e_XposW1,e_XposW2,e_YposW1,e_YposW2,FW1,e_FW1,FW2,e_FW2\n\
            c,10.001,0,,,,,,,,\n\
            a,10,0,,,,,,,,\n\
            a2,10,0,,,,,,,,\n\
            d,10.01,0,,,,,,,,\n";
        let m = parse(CatalogKind::UnWise, text, &[at(10.0, 0.0)]).unwrap();
        assert_eq!((m.nearest(0), m.id(0)), (Some(0.0), "a"));
        let s = m.second(0).unwrap();
        assert!((s - 3.6).abs() < 1e-9, "{s}");
    }

    /// The streamed candidate list against the definition: sort every hit by
    /// (separation, file order); the second is the first at another position.
    #[test]
    fn cone_agrees_with_sorting_every_hit() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        for _ in 0..2000 {
            let n = 1 + next(8) as usize;
            // rows in a shuffled order, as the sky-ordered matching applies them
            let mut hits: Vec<Hit> = (0..n)
                .map(|row| Hit {
                    sep: next(4) as f64,
                    row: row as u64,
                    ra: next(3) as f64,
                    dec: 0.0,
                })
                .collect();
            for i in (1..n).rev() {
                hits.swap(i, next(i as u64 + 1) as usize);
            }
            let mut cone = Cone::new();
            let mut nearest_row = None;
            for h in &hits {
                if cone.add(*h) {
                    nearest_row = Some(h.row);
                }
            }
            let mut sorted = hits.clone();
            sorted.sort_by(|a, b| a.sep.total_cmp(&b.sep).then(a.row.cmp(&b.row)));
            let first = sorted[0];
            let second = sorted[1..].iter().find(|h| h.ra != first.ra).map(|h| h.sep);
            assert_eq!(cone.neighbours(), (Some(first.sep), second), "{hits:?}");
            assert_eq!(nearest_row, Some(first.row));
        }
    }
}
