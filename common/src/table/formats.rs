//! Which format an input table is in, told from its first bytes, and the adapter that
//! turns a VOTable or FITS table into the CSV text every tool parses.
//!
//! The rest of the table module (and every tool) sees one format: CSV. A VOTable or
//! FITS input is decoded row by row into CSV text as the CSV parser asks for bytes, so
//! that a large binary table streams like a CSV file. The cells are written as a CSV
//! of the same table would hold them:
//! - numbers read from text (VOTable TABLEDATA) keep their spelling;
//! - numbers read from binary (VOTable BINARY/BINARY2, FITS) are written in their
//!   shortest form that reads back to the same value (a 32-bit float in the shortest
//!   form of the 32-bit value: `0.1`, not `0.10000000149011612`), so a column passed
//!   through equals the CSV's as a value, though its spelling may differ (`1.50e-14`
//!   in a CSV, `1.5e-14` from binary);
//! - booleans are `True`/`False`; nulls (VOTable `null` values and null flags, FITS
//!   `TNULLn`, NaN) are empty cells; arrays are their elements separated by spaces
//!   (as VOTable TABLEDATA writes them).
//!
//! Messages keep the CSV convention `file:line: column N (name)`: line 1 is the
//! header and line N + 1 the N-th row of the table.

use std::io::{self, BufRead, Read};

use crate::error::{Error, Location, Result};

/// An input table's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    VoTable,
    Fits,
    /// Compressed input, which we do not decompress.
    Gzip,
}

/// How many leading bytes [`sniff`] needs to decide.
pub(crate) const SNIFF_LEN: usize = 16;

/// Tells the format from the first bytes: FITS starts with the card `SIMPLE  =`;
/// XML (a VOTable) with `<` after an optional byte-order mark and white space;
/// gzip with its magic number; anything else is read as CSV.
pub(crate) fn sniff(head: &[u8]) -> Format {
    if head.starts_with(b"SIMPLE  =") {
        return Format::Fits;
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Format::Gzip;
    }
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => Format::VoTable,
        _ => Format::Csv,
    }
}

/// Takes leading bytes off `source` until `enough` says so, `max` are taken or the
/// input ends (a pipe may deliver one byte at a time). The caller chains them back
/// in front of the rest.
pub(crate) fn peek<R: BufRead>(
    source: &mut R,
    max: usize,
    enough: impl Fn(&[u8]) -> bool,
) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    while head.len() < max && !enough(&head) {
        let avail = source.fill_buf()?;
        if avail.is_empty() {
            break;
        }
        let take = avail.len().min(max - head.len());
        head.extend_from_slice(&avail[..take]);
        source.consume(take);
    }
    Ok(head)
}

/// A table decoded row by row: the column names, then rows of cells as CSV text.
pub(crate) trait RowSource {
    fn names(&self) -> &[String];
    /// The next row's cells into `cells` (cleared first); `false` at the end.
    fn next_row(&mut self, cells: &mut Vec<String>) -> Result<bool>;
}

/// CSV text of a [`RowSource`], produced as it is read. Errors of the source travel
/// through `io::Error` to the CSV parser and come back out as they were
/// ([`take_error`]).
pub(crate) struct CsvText {
    source: Box<dyn RowSource>,
    buf: Vec<u8>,
    pos: usize,
    cells: Vec<String>,
    started: bool,
    done: bool,
}

impl CsvText {
    pub fn new(source: Box<dyn RowSource>) -> CsvText {
        CsvText {
            source,
            buf: Vec::with_capacity(1 << 16),
            pos: 0,
            cells: Vec::new(),
            started: false,
            done: false,
        }
    }

    fn fill(&mut self) -> Result<()> {
        self.buf.clear();
        self.pos = 0;
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(std::mem::take(&mut self.buf));
        let csv_err = |e: csv::Error| Error::invalid(format!("cannot write CSV text: {e}"));
        if !self.started {
            self.started = true;
            w.write_record(self.source.names()).map_err(csv_err)?;
        }
        while w.get_ref().len() < (1 << 16) {
            if !self.source.next_row(&mut self.cells)? {
                self.done = true;
                break;
            }
            w.write_record(&self.cells).map_err(csv_err)?;
        }
        self.buf = w
            .into_inner()
            .map_err(|e| Error::invalid(format!("cannot write CSV text: {e}")))?;
        Ok(())
    }
}

impl Read for CsvText {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() {
            if self.done {
                return Ok(0);
            }
            self.fill().map_err(io::Error::other)?;
        }
        let n = (self.buf.len() - self.pos).min(out.len());
        out[..n].copy_from_slice(&self.buf[self.pos..n + self.pos]);
        self.pos += n;
        Ok(n)
    }
}

/// The library error a [`CsvText`] wrapped in an `io::Error`, if that is what it is.
pub(crate) fn take_error(e: io::Error) -> std::result::Result<Error, io::Error> {
    if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
        let inner = e.into_inner().expect("checked above");
        Ok(*inner.downcast::<Error>().expect("checked above"))
    } else {
        Err(e)
    }
}

/// Where a decoding problem is: `row` is 1-based (reported as line `row + 1`, the
/// header being line 1), `column` 0-based.
pub fn at(file: &str, names: &[String], row: Option<u64>, column: Option<usize>) -> Location {
    Location {
        file: file.to_string(),
        line: row.map(|r| r + 1),
        column: column.map(|c| (c, names.get(c).cloned().unwrap_or_default())),
    }
}

/// A binary number in its shortest round-trip form; NaN and infinities are null.
pub fn fmt_f64(v: f64, out: &mut String) {
    if v.is_finite() {
        let mut b = ryu::Buffer::new();
        let s = b.format_finite(v);
        out.push_str(s.strip_suffix(".0").unwrap_or(s));
    }
}

/// [`fmt_f64`] for a 32-bit float: the shortest text of the 32-bit value.
pub(crate) fn fmt_f32(v: f32, out: &mut String) {
    if v.is_finite() {
        let mut b = ryu::Buffer::new();
        let s = b.format_finite(v);
        out.push_str(s.strip_suffix(".0").unwrap_or(s));
    }
}

pub(crate) fn fmt_bool(v: bool) -> &'static str {
    if v { "True" } else { "False" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_from_the_first_bytes() {
        assert_eq!(sniff(b"SIMPLE  =                    T"), Format::Fits);
        assert_eq!(sniff(b"<?xml version=\"1.0\"?>"), Format::VoTable);
        assert_eq!(sniff(b"\xef\xbb\xbf\n  <VOTABLE"), Format::VoTable);
        assert_eq!(sniff(b"\x1f\x8b\x08"), Format::Gzip);
        assert_eq!(sniff(b"name,ra,dec\n"), Format::Csv);
        assert_eq!(sniff(b"SIMPLE,x\n"), Format::Csv);
        assert_eq!(sniff(b""), Format::Csv);
    }

    #[test]
    fn binary_numbers_are_written_in_shortest_form() {
        let mut s = String::new();
        fmt_f32(0.1, &mut s);
        assert_eq!(s, "0.1");
        s.clear();
        fmt_f64(f64::from(0.1f32), &mut s);
        assert_eq!(s, "0.10000000149011612");
        s.clear();
        fmt_f64(2.0, &mut s);
        assert_eq!(s, "2");
        s.clear();
        fmt_f64(f64::NAN, &mut s);
        assert_eq!(s, "");
    }
}
