//! A classified table as the outputs people look at read it (`regions`, `report`):
//! per source its name, position, X-ray positional uncertainty and result (spec 8),
//! in table order, every row kept (a source without a result has `summary: None`).

use std::path::Path;
use std::sync::Arc;

use crate::aggregate::{Summary, SummaryColumns, read_label};
use crate::error::{Error, Result};
use crate::schema::{DEC, NAME, PU, RA};
use crate::table::{Header, Reader};

#[derive(Debug, Clone)]
pub struct ClassifiedSource {
    /// The row's line in the file (the header is line 1), for messages.
    pub line: u64,
    pub name: String,
    /// ICRS degrees.
    pub ra: f64,
    pub dec: f64,
    /// `CSCv2_PU`: the CSC 95% error-ellipse semi-major axis r0 in arcsec (spec 2).
    pub pu: Option<f64>,
    pub summary: Option<Summary>,
    /// The literature class, when the table has a truth column (a LOOCV table).
    pub truth: Option<usize>,
}

#[derive(Debug)]
pub struct Classified {
    pub header: Arc<Header>,
    pub sources: Vec<ClassifiedSource>,
    /// Whether the table has the truth column asked for.
    pub has_truth: bool,
}

impl Classified {
    /// Reads a classified table (`classify`, `ctscore --join`, `loocv | ctscore`):
    /// CSCv2_name, CSCv2_RA, CSCv2_DEC, P_<class> and e_P_<class> are required;
    /// Class and CT are taken when present (else recomputed, spec 8), CSCv2_PU and the
    /// `truth` column when present.
    pub fn read(path: Option<&Path>, truth: &str) -> Result<Classified> {
        Self::from_reader(Reader::open(path)?, truth)
    }

    /// [`Classified::read`] from an open table.
    pub fn from_reader(mut reader: Reader, truth: &str) -> Result<Classified> {
        let header = Arc::clone(reader.header());
        let name = header.require(NAME)?;
        let ra = header.require(RA)?;
        let dec = header.require(DEC)?;
        let pu = header.find(PU)?;
        let summary = SummaryColumns::find(&header)?;
        let truth_col = header.find(truth)?;
        let mut sources = Vec::new();
        while let Some(row) = reader.next_row()? {
            let ra_v = row.num_required(ra)?;
            if !(0.0..=360.0).contains(&ra_v) {
                return Err(row.error(ra, format!("right ascension outside [0, 360]: {ra_v}")));
            }
            let dec_v = row.num_required(dec)?;
            if !(-90.0..=90.0).contains(&dec_v) {
                return Err(row.error(dec, format!("declination outside [-90, 90]: {dec_v}")));
            }
            let pu_v = pu.map(|c| row.num(c)).transpose()?.flatten();
            if let (Some(c), Some(v)) = (pu, pu_v)
                && !(v >= 0.0 && v.is_finite())
            {
                return Err(row.error(c, format!("positional uncertainty must be >= 0: {v}")));
            }
            sources.push(ClassifiedSource {
                line: row.line,
                name: row.text(name).to_string(),
                ra: ra_v,
                dec: dec_v,
                pu: pu_v,
                summary: summary.read(&row)?,
                truth: truth_col
                    .map(|c| read_label(&row, c))
                    .transpose()?
                    .flatten(),
            });
        }
        if sources.is_empty() {
            return Err(Error::file(header.file(), "no sources in the table"));
        }
        Ok(Classified {
            header,
            sources,
            has_truth: truth_col.is_some(),
        })
    }

    /// The file name used in messages and titles.
    pub fn file(&self) -> &str {
        self.header.file()
    }

    /// A located error about one source's cell.
    pub fn error(&self, source: &ClassifiedSource, column: &str, msg: &str) -> Error {
        let col = self.header.find(column).ok().flatten();
        Error::input(self.header.at(Some(source.line), col), msg)
    }
}

/// A classified table in memory for the unit tests: name, RA, Dec, PU, P_ x8, e_P_ x8,
/// CT, then `extra` columns; the file is called `t.csv`.
#[cfg(test)]
pub(crate) fn test_table(extra: &[&str], rows: &[&str]) -> Result<Classified> {
    use crate::classes::{prob_columns, prob_error_columns};
    let mut head: Vec<String> = [NAME, RA, DEC, PU].map(String::from).to_vec();
    head.extend(prob_columns());
    head.extend(prob_error_columns());
    head.push("CT".into());
    head.extend(extra.iter().map(|s| s.to_string()));
    let text = head.join(",") + "\n" + &rows.join("\n") + "\n";
    let reader = Reader::from_reader("t.csv", Box::new(std::io::Cursor::new(text)))?;
    Classified::from_reader(reader, crate::schema::TRUE_CLASS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_row_and_recomputes_class() {
        let c = test_table(
            &[],
            &[
                "a,10.5,-60.25,0.79,0.9,0.1,0,0,0,0,0,0,0.01,0.01,0,0,0,0,0,0,39.5",
                "b,11,-61,,,,,,,,,,,,,,,,,,",
            ],
        )
        .unwrap();
        assert_eq!(c.sources.len(), 2);
        let a = &c.sources[0];
        assert_eq!((a.line, a.ra, a.dec, a.pu), (2, 10.5, -60.25, Some(0.79)));
        let s = a.summary.as_ref().unwrap();
        assert_eq!((s.class, s.ct), (0, 39.5));
        assert!(c.sources[1].summary.is_none() && c.sources[1].pu.is_none());
        assert!(!c.has_truth);
    }

    #[test]
    fn bad_cells_are_located() {
        let e = test_table(&[], &["a,400,0,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1"]).unwrap_err();
        assert!(
            e.to_string()
                .contains("t.csv:2: column 2 (CSCv2_RA): right ascension"),
            "{e}"
        );
        let e = test_table(&[], &["a,4,0,-1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1"]).unwrap_err();
        assert!(e.to_string().contains(":2: column 4 (CSCv2_PU)"), "{e}");
        let e = test_table(&[], &[]).unwrap_err();
        assert!(e.to_string().contains("no sources"), "{e}");
    }
}
