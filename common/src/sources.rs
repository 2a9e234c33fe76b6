//! The measured quantities of a source table, in the columns of the paper's released
//! tables (Appendix E; `schema`, `bands`): name, position, the averaged band fluxes
//! and their 1-sigma errors (spec 1.5), the variability probabilities and the nine
//! optical/IR magnitudes with their errors (spec 2.7).
//!
//! Every value is checked when read: a flux must be present and positive (after
//! `fechner` an undetected band carries the 1e-17 upper-limit fill, spec 1.5 step 5,
//! so the X-ray features are never missing, spec 4.3), errors must not be negative.
//! A magnitude may be present without its error (an upper limit, spec 2.7); it is
//! kept here and becomes missing in every Monte-Carlo sample and in the features
//! (spec 5, 13).

use crate::bands::{BANDS, FLUX_COLUMNS, N_BANDS};
use crate::classes::class_index;
use crate::error::{Error, Result};
use crate::schema;
use crate::table::{Row, Table, Writer};

/// The measured quantities of a table, one entry per row, in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct Sources {
    /// `CSCv2_name`.
    pub names: Vec<String>,
    /// `CSCv2_RA`, `CSCv2_DEC` in degrees; NaN when the column or the cell is absent.
    pub ra: Vec<f64>,
    pub dec: Vec<f64>,
    /// `Fs, Fm, Fh` (erg/s/cm2); always present and positive.
    pub flux: Vec<[f64; 3]>,
    /// `e_Fs, e_Fm, e_Fh`.
    pub flux_err: Vec<[f64; 3]>,
    /// `P_inter`, `P_intra`; NaN = missing.
    pub p_inter: Vec<f64>,
    pub p_intra: Vec<f64>,
    /// Magnitudes and errors in `bands::BANDS` order; NaN = missing.
    pub mag: Vec<[f64; N_BANDS]>,
    pub mag_err: Vec<[f64; N_BANDS]>,
    /// `classes::class_index` of the class column, when one was read.
    pub class: Vec<Option<usize>>,
    /// Gaia `Plx, e_Plx, PM, rgeo` (`schema::ASTROMETRY_COLUMNS`); NaN when the column
    /// or the cell is absent.
    pub astrometry: Vec<[f64; 4]>,
}

/// Column indices of the quantities in one table header.
struct Columns {
    name: usize,
    ra: Option<usize>,
    dec: Option<usize>,
    flux: [(usize, usize); 3],
    p_inter: usize,
    p_intra: usize,
    mag: [(usize, usize); N_BANDS],
    class: Option<usize>,
    astrometry: [Option<usize>; 4],
}

impl Sources {
    /// Checks that SMOTE with `k` neighbours can balance this training set; the error
    /// names its `file`.
    pub fn check_smote(&self, file: &str, k: usize) -> Result<()> {
        let mut members = [0usize; crate::classes::N_CLASSES];
        for &c in self.class.iter().flatten() {
            members[c] += 1;
        }
        crate::smote::check_members(&members, k).map_err(|m| Error::file(file, m))
    }

    /// An empty set with room for `n` rows.
    fn with_capacity(n: usize) -> Sources {
        Sources {
            names: Vec::with_capacity(n),
            ra: Vec::with_capacity(n),
            dec: Vec::with_capacity(n),
            flux: Vec::with_capacity(n),
            flux_err: Vec::with_capacity(n),
            p_inter: Vec::with_capacity(n),
            p_intra: Vec::with_capacity(n),
            mag: Vec::with_capacity(n),
            mag_err: Vec::with_capacity(n),
            class: Vec::with_capacity(n),
            astrometry: Vec::with_capacity(n),
        }
    }

    /// Reads the paper's columns (schema.rs / bands.rs names): `CSCv2_name`, `Fs`,
    /// `e_Fs`, `Fm`, `e_Fm`, `Fh`, `e_Fh`, `P_inter`, `P_intra` and the nine
    /// magnitudes with their `e_` columns are required (cells may be empty where the
    /// value is missing), `CSCv2_RA`/`CSCv2_DEC` are optional. With `class_column`
    /// (e.g. `Some("True_Class")`) every row must carry a known label (`NS_BIN` ->
    /// `LMXB`): an unknown or empty label is an error naming file, line and column.
    pub fn from_table(t: &Table, class_column: Option<&str>) -> Result<Sources> {
        let h = &t.header;
        let mut required = Sources::required_columns();
        required.extend(class_column);
        h.require_all(&required)?;
        let mut flux_cols = [(0, 0); 3];
        for (slot, (v, e)) in flux_cols.iter_mut().zip(FLUX_COLUMNS) {
            *slot = (h.require(v)?, h.require(e)?);
        }
        let mut mag_cols = [(0, 0); N_BANDS];
        for (slot, band) in mag_cols.iter_mut().zip(BANDS.iter()) {
            *slot = (h.require(band.column)?, h.require(band.error_column)?);
        }
        let cols = Columns {
            name: h.require(schema::NAME)?,
            ra: h.find(schema::RA)?,
            dec: h.find(schema::DEC)?,
            flux: flux_cols,
            p_inter: h.require(schema::P_INTER)?,
            p_intra: h.require(schema::P_INTRA)?,
            mag: mag_cols,
            class: class_column.map(|c| h.require(c)).transpose()?,
            astrometry: [
                h.find(schema::ASTROMETRY_COLUMNS[0])?,
                h.find(schema::ASTROMETRY_COLUMNS[1])?,
                h.find(schema::ASTROMETRY_COLUMNS[2])?,
                h.find(schema::ASTROMETRY_COLUMNS[3])?,
            ],
        };
        let mut s = Sources::with_capacity(t.len());
        for row in &t.rows {
            s.read_row(row, &cols)?;
        }
        Ok(s)
    }

    fn read_row(&mut self, row: &Row, c: &Columns) -> Result<()> {
        let name = row.text(c.name);
        if name.is_empty() {
            return Err(row.error(c.name, "empty source name"));
        }
        let opt = |col: Option<usize>| -> Result<f64> {
            Ok(match col {
                Some(i) => row.num(i)?.unwrap_or(f64::NAN),
                None => f64::NAN,
            })
        };
        let mut flux = [0.0; 3];
        let mut flux_err = [0.0; 3];
        for (b, &(v, e)) in c.flux.iter().enumerate() {
            let x = row.num_required(v)?;
            if x <= 0.0 {
                return Err(row.error(v, format!("flux must be positive, got '{}'", row.text(v))));
            }
            let sigma = row.num_required(e)?;
            if sigma < 0.0 {
                return Err(row.error(e, format!("negative flux error '{}'", row.text(e))));
            }
            flux[b] = x;
            flux_err[b] = sigma;
        }
        let mut mag = [f64::NAN; N_BANDS];
        let mut mag_err = [f64::NAN; N_BANDS];
        for (b, &(v, e)) in c.mag.iter().enumerate() {
            mag[b] = row.num(v)?.unwrap_or(f64::NAN);
            if let Some(sigma) = row.num(e)? {
                if sigma < 0.0 {
                    return Err(row.error(e, format!("negative magnitude error '{}'", row.text(e))));
                }
                mag_err[b] = sigma;
            }
        }
        let class = match c.class {
            None => None,
            Some(col) => {
                let label = row.text(col);
                match class_index(label) {
                    Some(k) => Some(k),
                    None => {
                        return Err(row.error(
                            col,
                            format!(
                                "unknown class label '{label}' (expected one of {} or NS_BIN)",
                                crate::classes::CLASSES.join(", ")
                            ),
                        ));
                    }
                }
            }
        };
        self.names.push(name.to_string());
        self.ra.push(opt(c.ra)?);
        self.dec.push(opt(c.dec)?);
        self.flux.push(flux);
        self.flux_err.push(flux_err);
        self.p_inter.push(row.num(c.p_inter)?.unwrap_or(f64::NAN));
        self.p_intra.push(row.num(c.p_intra)?.unwrap_or(f64::NAN));
        self.mag.push(mag);
        self.mag_err.push(mag_err);
        self.class.push(class);
        let mut astrometry = [f64::NAN; 4];
        for (v, col) in astrometry.iter_mut().zip(c.astrometry) {
            *v = opt(col)?;
        }
        self.astrometry.push(astrometry);
        Ok(())
    }

    /// The columns [`Sources::from_table`] requires (besides a class column).
    pub(crate) fn required_columns() -> Vec<&'static str> {
        let mut cols = vec![schema::NAME];
        for (v, e) in FLUX_COLUMNS {
            cols.extend([v, e]);
        }
        cols.extend([schema::P_INTRA, schema::P_INTER]);
        for band in BANDS.iter() {
            cols.extend([band.column, band.error_column]);
        }
        cols
    }

    /// The embedded training set (common/data/td_2941.csv) with its literature classes.
    pub fn embedded_training_set() -> Result<Sources> {
        let t = crate::data::training_set_table(None)?;
        Sources::from_table(&t, Some(crate::schema::TRUE_CLASS))
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The rows `rows`, in that order (repeats allowed).
    pub fn subset(&self, rows: &[usize]) -> Sources {
        let mut s = Sources::with_capacity(rows.len());
        for &i in rows {
            s.names.push(self.names[i].clone());
            s.ra.push(self.ra[i]);
            s.dec.push(self.dec[i]);
            s.flux.push(self.flux[i]);
            s.flux_err.push(self.flux_err[i]);
            s.p_inter.push(self.p_inter[i]);
            s.p_intra.push(self.p_intra[i]);
            s.mag.push(self.mag[i]);
            s.mag_err.push(self.mag_err[i]);
            s.class.push(self.class[i]);
            s.astrometry.push(self.astrometry[i]);
        }
        s
    }

    /// The broad-band flux F_b = F_s + F_m + F_h of a row (spec 1.5 step 6, 5).
    pub fn fb(&self, i: usize) -> f64 {
        let [s, m, h] = self.flux[i];
        s + m + h
    }
}

/// A table produced by a tool: the input's columns with the tool's own columns
/// replaced in place or appended (`Header::extended`), every input row kept in order.
#[derive(Debug, Clone, PartialEq)]
pub struct TableOut {
    pub names: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl TableOut {
    /// `t` with the columns `new` set, per row, to `values(i)` (same order as `new`).
    pub fn extend(
        t: &Table,
        new: &[&str],
        mut values: impl FnMut(usize) -> Result<Vec<String>>,
    ) -> Result<TableOut> {
        let layout = t.header.extended(new)?;
        let mut rows = Vec::with_capacity(t.len());
        for (i, row) in t.rows.iter().enumerate() {
            let v = values(i)?;
            rows.push(
                layout
                    .row(&row.record, &v)
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            );
        }
        Ok(TableOut {
            names: layout.names,
            rows,
        })
    }

    /// Writes the table (header, rows) and finishes the writer (atomic rename of a file).
    pub fn write(&self, mut w: Writer) -> Result<()> {
        w.write_row(&self.names)?;
        for row in &self.rows {
            w.write_row(row)?;
        }
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data;

    pub(crate) fn training_set() -> Sources {
        let t = Table::from_bytes(data::TRAINING_SET_NAME, data::TRAINING_SET).unwrap();
        Sources::from_table(&t, Some(schema::TRUE_CLASS)).unwrap()
    }

    #[test]
    fn reads_the_training_set() {
        let s = training_set();
        assert_eq!(s.len(), 2941);
        // Paper Table 1 class counts, NS_BIN folded into LMXB.
        let mut counts = [0usize; 8];
        for c in &s.class {
            counts[c.unwrap()] += 1;
        }
        assert_eq!(counts, [1390, 44, 118, 26, 207, 65, 87, 1004]);
        // First row of td_2941.csv.
        assert_eq!(s.names[0], "2CXO J000009.3+135618");
        assert_eq!(s.ra[0], 0.0391148);
        assert_eq!(s.flux[0], [2e-15, 5e-16, 2e-15]);
        assert_eq!(s.flux_err[0], [1e-15, 5e-16, 2e-15]);
        assert_eq!(s.p_intra[0], 0.923);
        assert!(s.p_inter[0].is_nan());
        assert_eq!(s.mag[0][0], 18.494);
        assert!(s.mag[0][3].is_nan());
        assert_eq!(s.mag_err[0][8], 0.1);
        // Second row: H and K without error (upper limits) are kept as values.
        assert_eq!(s.mag[1][4], 16.21);
        assert!(s.mag_err[1][4].is_nan());
    }

    #[test]
    fn bad_labels_and_fluxes_name_the_cell() {
        let header = "CSCv2_name,Fs,e_Fs,Fm,e_Fm,Fh,e_Fh,P_inter,P_intra,Gmag,e_Gmag,BPmag,e_BPmag,RPmag,e_RPmag,Jmag,e_Jmag,Hmag,e_Hmag,Kmag,e_Kmag,W1mag,e_W1mag,W2mag,e_W2mag,W3mag,e_W3mag,True_Class";
        let good = "a,1e-15,1e-16,1e-15,1e-16,1e-15,1e-16,,,,,,,,,,,,,,,,,,,,,NS_BIN";
        let text: &'static str = Box::leak(
            format!(
                "{header}\n{good}\nb,1e-15,1e-16,1e-15,1e-16,1e-15,1e-16,,,,,,,,,,,,,,,,,,,,,QSO\n"
            )
            .into_boxed_str(),
        );
        let t = Table::from_bytes("t.csv", text.as_bytes()).unwrap();
        let e = Sources::from_table(&t, Some("True_Class"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.csv:3: column 28 (True_Class): unknown class label 'QSO'"),
            "{e}"
        );
        let s = Sources::from_table(&t, None).unwrap();
        assert_eq!(s.len(), 2);
        let one = Sources::from_table(
            &Table::from_bytes(
                "t.csv",
                Box::leak(format!("{header}\n{good}\n").into_boxed_str()).as_bytes(),
            )
            .unwrap(),
            Some("True_Class"),
        )
        .unwrap();
        assert_eq!(one.class, [Some(5)]);

        let text: &'static str = Box::leak(
            format!("{header}\nc,0,1e-16,1e-15,1e-16,1e-15,1e-16,,,,,,,,,,,,,,,,,,,,,AGN\n")
                .into_boxed_str(),
        );
        let t = Table::from_bytes("t.csv", text.as_bytes()).unwrap();
        let e = Sources::from_table(&t, None).unwrap_err().to_string();
        assert_eq!(e, "t.csv:2: column 2 (Fs): flux must be positive, got '0'");

        // Every missing column is named, in one line.
        let cut: &'static str = Box::leak(header.replace(",e_Fs,", ",").into_boxed_str());
        let t = Table::from_bytes("t.csv", cut.as_bytes()).unwrap();
        let e = Sources::from_table(&t, None).unwrap_err().to_string();
        assert_eq!(e, "t.csv:1: missing required column 'e_Fs'");
        let t = Table::from_bytes(
            "t.csv",
            b"CSCv2_name,Fs,e_Fs,Fm,e_Fm,Fh,e_Fh,P_intra,P_inter,Gmag\nx,1,1,1,1,1,1,,,\n",
        )
        .unwrap();
        let e = Sources::from_table(&t, None).unwrap_err().to_string();
        assert!(
            e.starts_with("t.csv:1: missing required columns 'e_Gmag', 'BPmag', "),
            "{e}"
        );
        assert!(e.ends_with(", 'W3mag', 'e_W3mag'"), "{e}");
    }

    #[test]
    fn subset_picks_rows_in_order() {
        let s = training_set();
        let sub = s.subset(&[5, 0, 5]);
        assert_eq!(sub.len(), 3);
        assert_eq!(sub.names[0], s.names[5]);
        assert_eq!(sub.names[1], s.names[0]);
        assert_eq!(sub.flux[2], s.flux[5]);
        assert_eq!(sub.class[1], s.class[0]);
    }
}
