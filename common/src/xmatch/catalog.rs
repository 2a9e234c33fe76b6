//! Counterpart catalogs (spec 2.1): which VizieR columns each one needs, and a reader
//! that keeps only those, for files of any size (a whole region of a catalog).
//!
//! A column `X` is found as `X` or as `X_<cat>` (the suffixed names of the authors'
//! per-catalog files, `examples/*/input/<cat>.csv`). Their helper columns (`_q`,
//! `_r_<cat>`, `_rs_<cat>`) are ignored: separations are recomputed from positions.

use std::path::Path;

use kiddo::{ImmutableKdTree, SquaredEuclidean};
use rayon::prelude::*;

use super::geometry::{chord2, separation_arcsec, unit_vector};
use crate::error::{Error, Result};
use crate::table::{Header, Reader, parse_num};

/// The five catalogs of spec 2.1, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CatalogKind {
    Gaia,
    TwoMass,
    AllWise,
    CatWise,
    UnWise,
}

/// The columns one catalog needs, by VizieR name (spec 2.1, 2.3).
struct Spec {
    ra: &'static str,
    dec: &'static str,
    /// Accepted identifier columns, first present wins.
    id: &'static [&'static str],
    /// The columns of the catalog coordinate term PU_CU (spec 2.3).
    pu: &'static [&'static str],
    /// Numeric columns kept for the output; all must be present.
    values: &'static [&'static str],
    /// Numeric columns kept when the file has them (Gaia distances).
    optional: &'static [&'static str],
}

const GAIA: Spec = Spec {
    ra: "RA_ICRS",
    dec: "DE_ICRS",
    id: &["DR3Name", "EDR3Name", "Source"],
    pu: &["e_RA_ICRS", "e_DE_ICRS"],
    values: &[
        "Gmag", "e_Gmag", "BPmag", "e_BPmag", "RPmag", "e_RPmag", "Plx", "e_Plx", "PM", "epsi",
    ],
    optional: &["rgeo", "b_rgeo", "B_rgeo"],
};
const TWOMASS: Spec = Spec {
    ra: "RAJ2000",
    dec: "DEJ2000",
    id: &["_2MASS", "2MASS"],
    pu: &["errMaj"],
    values: &["Jmag", "e_Jmag", "Hmag", "e_Hmag", "Kmag", "e_Kmag"],
    optional: &[],
};
const ALLWISE: Spec = Spec {
    ra: "RAJ2000",
    dec: "DEJ2000",
    id: &["AllWISE"],
    pu: &["eeMaj"],
    values: &["W1mag", "e_W1mag", "W2mag", "e_W2mag", "W3mag", "e_W3mag"],
    optional: &[],
};
const CATWISE: Spec = Spec {
    ra: "RA_ICRS",
    dec: "DE_ICRS",
    id: &["Name", "objID"],
    pu: &["e_RA_ICRS", "e_DE_ICRS"],
    values: &["W1mproPM", "e_W1mproPM", "W2mproPM", "e_W2mproPM"],
    optional: &[],
};
const UNWISE: Spec = Spec {
    ra: "RAJ2000",
    dec: "DEJ2000",
    id: &["objID"],
    pu: &["e_XposW1", "e_XposW2", "e_YposW1", "e_YposW2"],
    values: &["FW1", "e_FW1", "FW2", "e_FW2"],
    optional: &[],
};

/// Indices into the stored values of a Gaia entry.
pub(crate) mod gaia {
    pub const G: usize = 0;
    pub const PLX: usize = 6;
    pub const E_PLX: usize = 7;
    pub const PM: usize = 8;
    pub const EPSI: usize = 9;
    pub const RGEO: usize = 10;
}

/// The unWISE pixel, arcsec (spec 2.3).
pub const UNWISE_PIXEL: f64 = 2.75;

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
        match self {
            CatalogKind::Gaia => "gaia",
            CatalogKind::TwoMass => "2mass",
            CatalogKind::AllWise => "allwise",
            CatalogKind::CatWise => "catwise",
            CatalogKind::UnWise => "unwise",
        }
    }

    pub fn from_key(key: &str) -> Option<CatalogKind> {
        CatalogKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// The columns a catalog file must have, by VizieR name: position, identifier
    /// (the first accepted spelling that is a VizieR TAP column: names starting with
    /// `_` are the renamings of the authors' files), PU terms and values.
    pub fn needed_columns(self) -> Vec<&'static str> {
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
    pub fn n_values(self) -> usize {
        self.spec().values.len()
    }

    /// PU_CU, the catalog coordinate term of the positional uncertainty (spec 2.3,
    /// "2 sigma", arcsec) from the PU columns of an entry; NaN when all are missing.
    pub fn pu_cu(self, pu: &[f64]) -> f64 {
        let max = pu
            .iter()
            .copied()
            .filter(|v| !v.is_nan())
            .fold(f64::NAN, f64::max);
        match self {
            CatalogKind::Gaia => 2.0 * max / 1000.0,
            CatalogKind::UnWise => 2.0 * UNWISE_PIXEL * max,
            _ => 2.0 * max,
        }
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
pub const UNWISE_OFFSETS: [f64; 2] = [0.004, 0.032];

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

/// One catalog in memory: positions, the PU term, the kept values and identifiers
/// of every entry, and a kd-tree on unit vectors for cone searches.
pub struct Catalog {
    pub kind: CatalogKind,
    pub file: String,
    ra: Vec<f64>,
    dec: Vec<f64>,
    pu_cu: Vec<f64>,
    values: Vec<f64>,
    stride: usize,
    has_optional: bool,
    ids: String,
    id_ends: Vec<usize>,
    tree: Option<ImmutableKdTree<f64, 3>>,
}

/// What a cone search around one position finds (spec 2.2, 2.6).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbours {
    /// The nearest entry within the radius (first in file order on exact ties) and
    /// its separation, arcsec.
    pub nearest: Option<(usize, f64)>,
    /// The second-smallest separation within the radius (`_r2_<cat>`), arcsec.
    pub second: Option<f64>,
}

/// Part of a catalog parsed from one chunk of the file.
#[derive(Default)]
struct Part {
    ra: Vec<f64>,
    dec: Vec<f64>,
    pu_cu: Vec<f64>,
    values: Vec<f64>,
    ids: String,
    id_ends: Vec<usize>,
}

impl Part {
    fn with_capacity(rows: usize, stride: usize) -> Part {
        Part {
            ra: Vec::with_capacity(rows),
            dec: Vec::with_capacity(rows),
            pu_cu: Vec::with_capacity(rows),
            values: Vec::with_capacity(rows * stride),
            ids: String::with_capacity(rows * 16),
            id_ends: Vec::with_capacity(rows),
        }
    }
}

impl Catalog {
    /// Reads a catalog file (VizieR columns, with or without the `_<cat>` suffix; CSV,
    /// VOTable or FITS).
    pub fn read(kind: CatalogKind, path: &Path) -> Result<Catalog> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| Error::io(&name, e))?;
        let bytes = crate::table::csv_bytes(&name, bytes)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = 1 + upto.iter().filter(|&&b| b == b'\n').count() as u64;
            Error::input(
                crate::error::Location {
                    file: name.clone(),
                    line: Some(line),
                    column: None,
                },
                "invalid UTF-8",
            )
        })?;
        Catalog::parse(kind, &name, text)
    }

    /// Parses catalog text; `name` is used in messages. Files without quotes (the
    /// common case for large downloads) are split at line ends and parsed in
    /// parallel; a file with quoted cells goes through the CSV reader.
    pub fn parse(kind: CatalogKind, name: &str, text: String) -> Result<Catalog> {
        let parts = if text.contains('"') {
            parse_quoted(kind, name, text)?
        } else {
            let parts = parse_plain(kind, name, &text)?;
            // The text is as large as the catalog: free it before merging the parts.
            drop(text);
            parts
        };
        let (has_optional, parts) = parts;
        let stride = kind.n_values() + if has_optional { 3 } else { 0 };
        let mut cat = Catalog {
            kind,
            file: name.to_string(),
            ra: Vec::new(),
            dec: Vec::new(),
            pu_cu: Vec::new(),
            values: Vec::new(),
            stride,
            has_optional,
            ids: String::new(),
            id_ends: Vec::new(),
            tree: None,
        };
        let n: usize = parts.iter().map(|p| p.ra.len()).sum();
        cat.ra.reserve(n);
        cat.dec.reserve(n);
        cat.pu_cu.reserve(n);
        cat.values.reserve(n * stride);
        cat.id_ends.reserve(n);
        for p in parts {
            cat.ra.extend(p.ra);
            cat.dec.extend(p.dec);
            cat.pu_cu.extend(p.pu_cu);
            cat.values.extend(p.values);
            let base = cat.ids.len();
            cat.ids.push_str(&p.ids);
            cat.id_ends.extend(p.id_ends.into_iter().map(|e| e + base));
        }
        if n > u32::MAX as usize {
            return Err(Error::file(name, "more than 2^32 catalog rows"));
        }
        if n > 0 {
            let xyz: Vec<[f64; 3]> = cat
                .ra
                .par_iter()
                .zip(cat.dec.par_iter())
                .map(|(&ra, &dec)| unit_vector(ra, dec))
                .collect();
            let tree = ImmutableKdTree::new_from_slice_parallel(&xyz)
                .map_err(|e| Error::file(name, format!("cannot build the kd-tree: {e:?}")))?;
            cat.tree = Some(tree);
        }
        Ok(cat)
    }

    pub fn len(&self) -> usize {
        self.ra.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ra.is_empty()
    }

    /// True when the (Gaia) file has the distance columns rgeo, b_rgeo, B_rgeo.
    pub fn has_distances(&self) -> bool {
        self.has_optional
    }

    pub fn id(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.id_ends[i - 1] };
        &self.ids[start..self.id_ends[i]]
    }

    pub fn position(&self, i: usize) -> (f64, f64) {
        (self.ra[i], self.dec[i])
    }

    pub fn pu_cu(&self, i: usize) -> f64 {
        self.pu_cu[i]
    }

    /// The kept values of entry `i`, in the order of [`CatalogKind`]'s spec
    /// (unWISE: W1mag, e_W1mag, W2mag, e_W2mag already converted), then the
    /// optional columns. Missing is NaN.
    pub fn values(&self, i: usize) -> &[f64] {
        &self.values[i * self.stride..(i + 1) * self.stride]
    }

    /// Indices and separations (arcsec) of all entries within `radius` arcsec of
    /// (ra, dec), unsorted. The kd-tree pre-selects on the squared chord with a
    /// small margin; the great-circle separation decides.
    pub fn within(&self, ra: f64, dec: f64, radius: f64) -> Vec<(usize, f64)> {
        let Some(tree) = &self.tree else {
            return Vec::new();
        };
        let q = unit_vector(ra, dec);
        let r2 = chord2(radius) * (1.0 + 1e-9) + 1e-24;
        tree.query(&q)
            .within::<SquaredEuclidean<f64>>(r2)
            .unsorted()
            .execute()
            .into_iter()
            .filter_map(|hit| {
                let i = hit.item as usize;
                let sep = separation_arcsec(ra, dec, self.ra[i], self.dec[i]);
                (sep <= radius).then_some((i, sep))
            })
            .collect()
    }

    /// The number of entries within `radius` arcsec (squared-chord test).
    pub fn count_within(&self, ra: f64, dec: f64, radius: f64) -> usize {
        let Some(tree) = &self.tree else {
            return 0;
        };
        tree.query(&unit_vector(ra, dec))
            .within::<SquaredEuclidean<f64>>(chord2(radius))
            .unsorted()
            .execute()
            .len()
    }

    /// The smallest separation (arcsec) greater than `inner` among entries within
    /// `outer` arcsec, from squared chords (no trigonometry per entry).
    pub fn nearest_beyond(&self, ra: f64, dec: f64, inner: f64, outer: f64) -> Option<f64> {
        let tree = self.tree.as_ref()?;
        let lo = chord2(inner);
        let d2 = tree
            .query(&unit_vector(ra, dec))
            .within::<SquaredEuclidean<f64>>(chord2(outer))
            .unsorted()
            .execute()
            .into_iter()
            .map(|hit| hit.distance)
            .filter(|&d2| d2 > lo)
            .fold(f64::INFINITY, f64::min);
        d2.is_finite()
            .then(|| 2.0 * (0.5 * d2.sqrt()).asin() / super::geometry::ARCSEC)
    }

    /// Nearest and second-nearest entries within `radius` arcsec (spec 2.2), from
    /// the hits of [`Catalog::within`].
    pub fn neighbours(&self, ra: f64, dec: f64, radius: f64) -> Neighbours {
        self.neighbours_of(&mut self.within(ra, dec, radius))
    }

    /// Nearest and second-nearest of a list of hits, which it sorts by separation
    /// (ties by file order). An entry at exactly the position of the nearest one is
    /// the same source listed twice (the authors' per-source files repeat a candidate
    /// shared by two X-ray sources) and is not a second source.
    pub fn neighbours_of(&self, hits: &mut [(usize, f64)]) -> Neighbours {
        hits.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let nearest = hits.first().copied();
        let second = nearest.and_then(|(n, _)| {
            hits[1..]
                .iter()
                .find(|(i, _)| self.ra[*i] != self.ra[n] || self.dec[*i] != self.dec[n])
                .map(|&(_, s)| s)
        });
        Neighbours { nearest, second }
    }
}

/// Column lookup and the per-row parse shared by both splitters.
struct RowParser<'h> {
    kind: CatalogKind,
    header: &'h Header,
    cols: Columns,
}

impl RowParser<'_> {
    fn cell_num(&self, fields: &[&str], line: u64, col: usize) -> Result<f64> {
        parse_num(fields[col].trim())
            .map(|v| v.unwrap_or(f64::NAN))
            .map_err(|msg| Error::input(self.header.at(Some(line), Some(col)), msg))
    }

    fn row(&self, fields: &[&str], line: u64, part: &mut Part) -> Result<()> {
        let c = &self.cols;
        let ra = self.cell_num(fields, line, c.ra)?;
        let dec = self.cell_num(fields, line, c.dec)?;
        // The authors' files hold a row with empty cells where a source has no
        // candidate; such a row is no catalog entry.
        if ra.is_nan() && dec.is_nan() {
            return Ok(());
        }
        for (col, v) in [(c.ra, ra), (c.dec, dec)] {
            if v.is_nan() {
                return Err(Error::input(
                    self.header.at(Some(line), Some(col)),
                    "missing position where the other coordinate is given",
                ));
            }
        }
        if !(-90.0..=90.0).contains(&dec) {
            return Err(Error::input(
                self.header.at(Some(line), Some(c.dec)),
                format!("declination {dec} outside [-90, 90]"),
            ));
        }
        let mut pu = [f64::NAN; 4];
        for (k, &col) in c.pu.iter().enumerate() {
            pu[k] = self.cell_num(fields, line, col)?;
        }
        let start = part.values.len();
        for &col in c.values.iter().chain(&c.optional) {
            let v = self.cell_num(fields, line, col)?;
            part.values.push(v);
        }
        if self.kind == CatalogKind::UnWise {
            let v = &mut part.values[start..start + 4];
            for (band, offset) in UNWISE_OFFSETS.iter().enumerate() {
                let (m, e) = unwise_mag(v[2 * band], v[2 * band + 1], *offset);
                v[2 * band] = m;
                v[2 * band + 1] = e;
            }
        }
        part.ra.push(ra);
        part.dec.push(dec);
        part.pu_cu.push(self.kind.pu_cu(&pu[..c.pu.len()]));
        part.ids.push_str(fields[c.id].trim());
        part.id_ends.push(part.ids.len());
        Ok(())
    }
}

type Parsed = (bool, Vec<Part>);

fn parse_quoted(kind: CatalogKind, name: &str, text: String) -> Result<Parsed> {
    let mut reader = Reader::from_reader(name, Box::new(std::io::Cursor::new(text.into_bytes())))?;
    let header = std::sync::Arc::clone(reader.header());
    let parser = RowParser {
        kind,
        header: &header,
        cols: Columns::find(kind, &header)?,
    };
    let mut part = Part::default();
    while let Some(row) = reader.next_row()? {
        let fields: Vec<&str> = row.record.iter().collect();
        parser.row(&fields, row.line, &mut part)?;
    }
    Ok((!parser.cols.optional.is_empty(), vec![part]))
}

/// Target size of the chunks parsed in parallel.
const CHUNK_BYTES: usize = 1 << 20;

fn parse_plain(kind: CatalogKind, name: &str, text: &str) -> Result<Parsed> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (head, body) = match text.find('\n') {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text, ""),
    };
    let head = head.strip_suffix('\r').unwrap_or(head);
    if head.trim().is_empty() {
        return Err(Error::file(name, "empty input: no header line"));
    }
    let names: Vec<String> = head.split(',').map(|s| s.trim().to_string()).collect();
    let header = Header::new(name, names);
    let parser = RowParser {
        kind,
        cols: Columns::find(kind, &header)?,
        header: &header,
    };
    // Chunks end at a line end; their first line numbers come from counting line
    // ends of the chunks before (the header is line 1).
    let mut chunks = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let mut end = CHUNK_BYTES.min(rest.len());
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        let end = match rest[end..].find('\n') {
            Some(i) if end < rest.len() => end + i + 1,
            _ => rest.len(),
        };
        chunks.push(&rest[..end]);
        rest = &rest[end..];
    }
    let counts: Vec<u64> = chunks
        .par_iter()
        .map(|c| c.bytes().filter(|&b| b == b'\n').count() as u64)
        .collect();
    let mut first_line = Vec::with_capacity(chunks.len());
    let mut line = 2;
    for c in &counts {
        first_line.push(line);
        line += c;
    }
    let ncols = header.len();
    let stride = parser.cols.values.len() + parser.cols.optional.len();
    let parts: Vec<Result<Part>> = chunks
        .par_iter()
        .zip(first_line.par_iter().zip(counts.par_iter()))
        .map(|(chunk, (&first, &rows))| {
            let mut part = Part::with_capacity(rows as usize + 1, stride);
            let mut fields: Vec<&str> = Vec::with_capacity(ncols);
            // One pass over the bytes finds both separators (',' and '\n' are
            // ASCII, so the slices stay on char boundaries).
            let bytes = chunk.as_bytes();
            let mut line = first;
            let mut start = 0;
            let mut field_start = 0;
            for pos in 0..=bytes.len() {
                let b = bytes.get(pos).copied().unwrap_or(b'\n');
                if b == b',' {
                    fields.push(&chunk[field_start..pos]);
                    field_start = pos + 1;
                    continue;
                }
                if b != b'\n' {
                    continue;
                }
                let mut end = pos;
                if end > field_start && bytes[end - 1] == b'\r' {
                    end -= 1;
                }
                let blank = end == start;
                fields.push(&chunk[field_start..end]);
                let this_line = line;
                line += 1;
                start = pos + 1;
                field_start = start;
                if blank {
                    fields.clear();
                    continue;
                }
                let line = this_line;
                if fields.len() != ncols {
                    let what = if fields.len() < ncols {
                        "short"
                    } else {
                        "long"
                    };
                    let col = (fields.len() < ncols).then_some(fields.len());
                    return Err(Error::input(
                        header.at(Some(line), col),
                        format!(
                            "{what} row: {} fields where the header has {ncols}",
                            fields.len()
                        ),
                    ));
                }
                parser.row(&fields, line, &mut part)?;
                fields.clear();
            }
            Ok(part)
        })
        .collect();
    let parts = parts.into_iter().collect::<Result<Vec<Part>>>()?;
    Ok((!parser.cols.optional.is_empty(), parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GAIA_CSV: &str = "DR3Name,RA_ICRS,DE_ICRS,e_RA_ICRS,e_DE_ICRS,Plx,e_Plx,PM,epsi,Gmag,e_Gmag,BPmag,e_BPmag,RPmag,e_RPmag\n\
        a,10.0,20.0,0.1,0.3,1.5,0.1,3.0,0.2,15.0,0.001,15.5,0.01,14.5,0.01\n\
        b,10.001,20.0,0.2,0.1,,,,,18.0,0.01,,,,\n\
        ,,,,,,,,,,,,,,\n";

    #[test]
    fn plain_and_quoted_files_give_the_same_catalog() {
        let plain = Catalog::parse(CatalogKind::Gaia, "g.csv", GAIA_CSV.to_string()).unwrap();
        let quoted = GAIA_CSV.replacen("a,10.0", "\"a\",10.0", 1);
        let quoted = Catalog::parse(CatalogKind::Gaia, "g.csv", quoted).unwrap();
        for cat in [&plain, &quoted] {
            assert_eq!(cat.len(), 2, "the empty placeholder row is no entry");
            assert_eq!(cat.id(0), "a");
            assert_eq!(cat.id(1), "b");
            // 2 * max(0.1, 0.3) mas -> arcsec
            assert_eq!(cat.pu_cu(0), 2.0 * 0.3 / 1000.0);
            assert_eq!(cat.values(0)[gaia::PLX], 1.5);
            assert!(cat.values(1)[gaia::PLX].is_nan());
            assert!(!cat.has_distances());
        }
    }

    #[test]
    fn suffixed_names_are_accepted() {
        let text = "_q,_r_2mass,RAJ2000_2mass,DEJ2000_2mass,errMaj_2mass,_2MASS_2mass,Jmag_2mass,e_Jmag_2mass,Hmag_2mass,e_Hmag_2mass,Kmag_2mass,e_Kmag_2mass\n\
            1,0.1,1,2,0.13,x,10,0.1,9,0.1,8,0.1\n";
        let cat = Catalog::parse(CatalogKind::TwoMass, "t.csv", text.to_string()).unwrap();
        assert_eq!(cat.pu_cu(0), 0.26);
        assert_eq!(cat.values(0), &[10.0, 0.1, 9.0, 0.1, 8.0, 0.1]);
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
        let bad = GAIA_CSV.replace("b,10.001", "b,1x");
        let e = Catalog::parse(CatalogKind::Gaia, "g.csv", bad)
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "g.csv:3: column 2 (RA_ICRS): not a number: '1x'"
        );
        let short = format!("{GAIA_CSV}c,1,2\n");
        let e = Catalog::parse(CatalogKind::Gaia, "g.csv", short)
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "g.csv:5: column 4 (e_RA_ICRS): short row: 3 fields where the header has 15"
        );
        let e = Catalog::parse(CatalogKind::TwoMass, "g.csv", GAIA_CSV.to_string())
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "g.csv:1: missing required column 'RAJ2000' or 'RAJ2000_2mass'"
        );
        let e = Catalog::parse(CatalogKind::Gaia, "g.csv", String::new())
            .err()
            .unwrap();
        assert_eq!(e.to_string(), "g.csv: empty input: no header line");
    }

    #[test]
    fn line_numbers_hold_across_chunks() {
        let mut text = String::from(
            "objID,RAJ2000,DEJ2000,e_XposW1,e_XposW2,e_YposW1,e_YposW2,FW1,e_FW1,FW2,e_FW2\n",
        );
        let n = 3 * CHUNK_BYTES / 40;
        for i in 0..n {
            text.push_str(&format!(
                "o{i},{},1.0,0.1,0.1,0.1,0.1,100,1,50,1\n",
                i as f64 * 1e-4
            ));
        }
        let cat = Catalog::parse(CatalogKind::UnWise, "u.csv", text.clone()).unwrap();
        assert_eq!(cat.len(), n);
        assert_eq!(cat.id(n - 1), format!("o{}", n - 1));
        let bad = text.replacen(&format!("o{},", n - 2), &format!("o{},zz", n - 2), 1);
        let e = Catalog::parse(CatalogKind::UnWise, "u.csv", bad)
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .starts_with(&format!("u.csv:{}: column 2 (RAJ2000)", n - 1 + 1)),
            "{e}"
        );
    }

    #[test]
    fn neighbours_skip_a_repeated_entry() {
        let text = "objID,RAJ2000,DEJ2000,e_XposW1,e_XposW2,e_YposW1,e_YposW2,FW1,e_FW1,FW2,e_FW2\n\
            a,10,0,,,,,,,,\n\
            a,10,0,,,,,,,,\n\
            c,10.001,0,,,,,,,,\n\
            d,10.01,0,,,,,,,,\n";
        let cat = Catalog::parse(CatalogKind::UnWise, "u.csv", text.to_string()).unwrap();
        let nb = cat.neighbours(10.0, 0.0, 10.0);
        assert_eq!(nb.nearest, Some((0, 0.0)));
        let s = nb.second.unwrap();
        assert!((s - 3.6).abs() < 1e-9, "{s}");
        // 10.01 deg is 36 arcsec away: outside 10 arcsec, inside 40
        assert_eq!(cat.within(10.0, 0.0, 10.0).len(), 3);
        assert_eq!(cat.within(10.0, 0.0, 40.0).len(), 4);
        assert_eq!(cat.count_within(10.0, 0.0, 40.0), 4);
    }
}
