//! FITS binary tables in (the first BINTABLE extension, as the CSC and HEASARC
//! deliver them), streamed row by row.
//!
//! A small reader of our own rather than `fitsrs` (CDS): fitsrs 0.4 needs a seekable
//! input, so it cannot read standard input (`curl ... | fechner`), and it brings an
//! async runtime (futures, async-trait), flate2 and the wcs crate for what is, for a
//! binary table, 2880-byte header blocks of 80-character cards and fixed-width
//! big-endian rows (FITS standard 4.0, sections 4 and 7.3).
//!
//! Supported TFORM codes: L, X (as a string of 0/1), B, I, J, K, A, E, D, with any
//! repeat count (elements separated by spaces); TNULLn, TSCALn and TZEROn (so the
//! unsigned-integer convention reads as unsigned). Complex (C, M) and variable-length
//! arrays (P, Q, whose data sit in the heap after the rows) are refused with the
//! column named.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Read;

use super::formats::{RowSource, at, fmt_bool, fmt_f32, fmt_f64};
use crate::error::{Error, Result};

const BLOCK: usize = 2880;
const CARD: usize = 80;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Code {
    L,
    X,
    B,
    I,
    J,
    K,
    A,
    E,
    D,
}

impl Code {
    fn width(self) -> usize {
        match self {
            Code::L | Code::B | Code::A => 1,
            Code::I => 2,
            Code::J | Code::E => 4,
            Code::K | Code::D => 8,
            Code::X => 0,
        }
    }
}

#[derive(Debug, Clone)]
struct Column {
    code: Code,
    repeat: usize,
    /// Byte offset of the column in a row.
    offset: usize,
    bytes: usize,
    null: Option<i64>,
    scale: f64,
    zero: f64,
}

/// The rows of the first binary table of a FITS file.
pub(crate) struct FitsRows<R> {
    file: String,
    source: R,
    names: Vec<String>,
    columns: Vec<Column>,
    row_bytes: usize,
    n_rows: u64,
    row: u64,
    buf: Vec<u8>,
}

/// The cards of one header, by keyword (the first of a repeated keyword wins, as
/// only COMMENT and HISTORY repeat in a valid header).
struct Header {
    cards: HashMap<String, String>,
}

impl Header {
    fn value(&self, key: &str) -> Option<&str> {
        self.cards.get(key).map(String::as_str)
    }

    fn int(&self, file: &str, key: &str) -> Result<i64> {
        let v = self
            .value(key)
            .ok_or_else(|| Error::file(file, format!("FITS header without {key}")))?;
        v.parse::<i64>()
            .map_err(|_| Error::file(file, format!("FITS keyword {key} is not an integer: '{v}'")))
    }

    fn string(&self, key: &str) -> Option<String> {
        self.value(key).map(|v| {
            let v = v.trim();
            let v = v.strip_prefix('\'').unwrap_or(v);
            let v = v.strip_suffix('\'').unwrap_or(v);
            v.replace("''", "'").trim_end().to_string()
        })
    }
}

/// The value part of a card (after `= `), without a trailing comment.
fn card_value(text: &str) -> String {
    let t = text.trim_start();
    if let Some(rest) = t.strip_prefix('\'') {
        // A string: up to the closing quote that is not a doubled one.
        let mut out = String::from("'");
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    out.push_str("''");
                    chars.next();
                } else {
                    break;
                }
            } else {
                out.push(c);
            }
        }
        out.push('\'');
        out
    } else {
        t.split('/').next().unwrap_or("").trim().to_string()
    }
}

impl<R: Read> FitsRows<R> {
    pub fn open(file: &str, mut source: R) -> Result<FitsRows<R>> {
        let mut hdu = 0;
        loop {
            let header = read_header(file, &mut source, hdu)?;
            let ext = header.string("XTENSION");
            if hdu > 0 && ext.as_deref() == Some("BINTABLE") {
                return Self::from_header(file, source, &header);
            }
            if hdu > 0 && ext.as_deref() == Some("TABLE") {
                return Err(Error::file(
                    file,
                    "a FITS ASCII table: only binary tables (BINTABLE) are read",
                ));
            }
            // Skip this HDU's data (an image or an extension we do not read).
            let bitpix = header.int(file, "BITPIX")?;
            let naxis = header.int(file, "NAXIS")?;
            let mut n: u64 = if naxis > 0 { 1 } else { 0 };
            for k in 1..=naxis {
                n = n.saturating_mul(header.int(file, &format!("NAXIS{k}"))?.max(0) as u64);
            }
            let pcount = header
                .value("PCOUNT")
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            let gcount = header
                .value("GCOUNT")
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1);
            let bytes = (bitpix.unsigned_abs() / 8)
                .saturating_mul(gcount)
                .saturating_mul(pcount.saturating_add(n));
            let padded = bytes.div_ceil(BLOCK as u64) * BLOCK as u64;
            let skipped = std::io::copy(&mut (&mut source).take(padded), &mut std::io::sink())
                .map_err(|e| Error::io(file, e))?;
            if skipped < bytes {
                return Err(Error::file(
                    file,
                    format!("truncated: HDU {hdu}'s data end early, before any binary table"),
                ));
            }
            hdu += 1;
        }
    }

    fn from_header(file: &str, source: R, h: &Header) -> Result<FitsRows<R>> {
        let row_bytes = h.int(file, "NAXIS1")?;
        let n_rows = h.int(file, "NAXIS2")?;
        let n_fields = h.int(file, "TFIELDS")?;
        if row_bytes < 0 || n_rows < 0 || !(0..=999).contains(&n_fields) {
            return Err(Error::file(file, "invalid NAXIS1, NAXIS2 or TFIELDS"));
        }
        let names: Vec<String> = (1..=n_fields)
            .map(|k| {
                h.string(&format!("TTYPE{k}"))
                    .unwrap_or_else(|| format!("col{k}"))
            })
            .collect();
        let mut columns = Vec::with_capacity(names.len());
        let mut offset = 0;
        for k in 1..=n_fields as usize {
            let unsupported =
                |what: String| Error::input(at(file, &names, None, Some(k - 1)), what);
            let tform = h
                .string(&format!("TFORM{k}"))
                .ok_or_else(|| unsupported(format!("no TFORM{k}")))?;
            let t = tform.trim();
            let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
            let repeat: usize = if digits == 0 {
                1
            } else {
                t[..digits]
                    .parse()
                    .map_err(|_| unsupported(format!("invalid TFORM '{t}'")))?
            };
            let letter = t[digits..].chars().next().unwrap_or(' ');
            let code = match letter {
                'L' => Code::L,
                'X' => Code::X,
                'B' => Code::B,
                'I' => Code::I,
                'J' => Code::J,
                'K' => Code::K,
                'A' => Code::A,
                'E' => Code::E,
                'D' => Code::D,
                'C' | 'M' => {
                    return Err(unsupported(format!(
                        "unsupported column type '{t}' (complex)"
                    )));
                }
                'P' | 'Q' => {
                    return Err(unsupported(format!(
                        "unsupported column type '{t}' (variable-length array)"
                    )));
                }
                _ => return Err(unsupported(format!("unsupported column type '{t}'"))),
            };
            let bytes = if code == Code::X {
                repeat.div_ceil(8)
            } else {
                repeat * code.width()
            };
            let num = |key: &str| -> Result<Option<f64>> {
                match h.value(&format!("{key}{k}")) {
                    None => Ok(None),
                    Some(v) => v
                        .replace(['D', 'd'], "E")
                        .parse::<f64>()
                        .map(Some)
                        .map_err(|_| unsupported(format!("{key}{k} is not a number: '{v}'"))),
                }
            };
            let null = match h.value(&format!("TNULL{k}")) {
                None => None,
                Some(v) => Some(
                    v.parse::<i64>()
                        .map_err(|_| unsupported(format!("TNULL{k} is not an integer: '{v}'")))?,
                ),
            };
            columns.push(Column {
                code,
                repeat,
                offset,
                bytes,
                null,
                scale: num("TSCAL")?.unwrap_or(1.0),
                zero: num("TZERO")?.unwrap_or(0.0),
            });
            offset += bytes;
        }
        if offset != row_bytes as usize {
            return Err(Error::file(
                file,
                format!("the columns' TFORMs make {offset}-byte rows, NAXIS1 says {row_bytes}"),
            ));
        }
        Ok(FitsRows {
            file: file.to_string(),
            source,
            names,
            columns,
            row_bytes: row_bytes as usize,
            n_rows: n_rows as u64,
            row: 0,
            buf: vec![0; row_bytes as usize],
        })
    }
}

/// Reads one header (whole 2880-byte blocks up to the END card).
fn read_header<R: Read>(file: &str, source: &mut R, hdu: usize) -> Result<Header> {
    let mut cards = HashMap::new();
    let mut block = vec![0u8; BLOCK];
    let mut first = true;
    loop {
        let n = read_full(source, &mut block).map_err(|e| Error::io(file, e))?;
        if n == 0 && hdu > 0 && first {
            return Err(Error::file(
                file,
                "a FITS file without a binary table extension",
            ));
        }
        if n < BLOCK {
            return Err(Error::file(
                file,
                format!("truncated: the FITS header of HDU {hdu} ends before its END card"),
            ));
        }
        for card in block.chunks(CARD) {
            let text: String = card
                .iter()
                .map(|&b| if b.is_ascii() { b as char } else { '?' })
                .collect();
            let key = text[..8].trim_end().to_string();
            if first && hdu == 0 && key != "SIMPLE" {
                return Err(Error::file(file, "not a FITS file: no SIMPLE card"));
            }
            first = false;
            if key == "END" {
                return Ok(Header { cards });
            }
            if &text[8..10] == "= " {
                cards.entry(key).or_insert_with(|| card_value(&text[10..]));
            }
        }
    }
}

/// Reads until `buf` is full or the input ends; the number of bytes read.
fn read_full<R: Read>(source: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match source.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl<R: Read> FitsRows<R> {
    fn cell(&self, c: &Column, out: &mut String) {
        let bytes = &self.buf[c.offset..c.offset + c.bytes];
        if c.code == Code::A {
            let s = String::from_utf8_lossy(bytes);
            out.push_str(s.trim_end_matches(['\0', ' ']));
            return;
        }
        if c.code == Code::X {
            for k in 0..c.repeat {
                out.push(if bytes[k / 8] & (0x80 >> (k % 8)) != 0 {
                    '1'
                } else {
                    '0'
                });
            }
            return;
        }
        let w = c.code.width();
        let mut wrote_any = false;
        for (k, e) in bytes.chunks(w).enumerate() {
            if k > 0 {
                out.push(' ');
            }
            let len = out.len();
            self.element(c, e, out);
            if out.len() > len {
                wrote_any = true;
            } else if c.repeat > 1 {
                // A null element of an array keeps its place, as TABLEDATA writes it.
                out.push_str("NaN");
            }
        }
        // An array of nulls is a null cell, not a row of spaces.
        if !wrote_any {
            out.clear();
        }
    }

    fn element(&self, c: &Column, e: &[u8], out: &mut String) {
        let int = |raw: i64, out: &mut String| {
            if c.null == Some(raw) {
                return;
            }
            if c.scale == 1.0 && c.zero.fract() == 0.0 && c.zero.abs() < 1e19 {
                // Exact: the unsigned conventions (TZERO 2^15, 2^31, 2^63) stay integers.
                let _ = write!(out, "{}", i128::from(raw) + c.zero as i128);
            } else {
                fmt_f64(c.zero + c.scale * raw as f64, out);
            }
        };
        match c.code {
            Code::L => match e[0] {
                b'T' => out.push_str(fmt_bool(true)),
                b'F' => out.push_str(fmt_bool(false)),
                _ => {}
            },
            Code::B => int(i64::from(e[0]), out),
            Code::I => int(i64::from(i16::from_be_bytes([e[0], e[1]])), out),
            Code::J => int(i64::from(i32::from_be_bytes(e.try_into().unwrap())), out),
            Code::K => int(i64::from_be_bytes(e.try_into().unwrap()), out),
            Code::E => {
                let v = f32::from_be_bytes(e.try_into().unwrap());
                if c.scale == 1.0 && c.zero == 0.0 {
                    fmt_f32(v, out)
                } else {
                    fmt_f64(c.zero + c.scale * f64::from(v), out)
                }
            }
            Code::D => fmt_f64(
                c.zero + c.scale * f64::from_be_bytes(e.try_into().unwrap()),
                out,
            ),
            Code::A | Code::X => unreachable!(),
        }
    }
}

impl<R: Read> RowSource for FitsRows<R> {
    fn names(&self) -> &[String] {
        &self.names
    }

    fn next_row(&mut self, cells: &mut Vec<String>) -> Result<bool> {
        cells.clear();
        if self.row == self.n_rows {
            return Ok(false);
        }
        self.row += 1;
        let n = read_full(&mut self.source, &mut self.buf).map_err(|e| Error::io(&self.file, e))?;
        if n < self.row_bytes {
            // Name the column whose bytes are cut.
            let col = self
                .columns
                .iter()
                .position(|c| c.offset + c.bytes > n)
                .unwrap_or(0);
            let msg = if n == 0 {
                format!(
                    "truncated: the file ends after {} of {} rows",
                    self.row - 1,
                    self.n_rows
                )
            } else {
                format!(
                    "truncated: the file ends inside row {} of {}",
                    self.row, self.n_rows
                )
            };
            return Err(Error::input(
                at(&self.file, &self.names, Some(self.row), Some(col)),
                msg,
            ));
        }
        for c in &self.columns {
            let mut s = String::new();
            self.cell(c, &mut s);
            cells.push(s);
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Table;

    /// A FITS file: an empty primary HDU and one BINTABLE with `cards` (TTYPE/TFORM/...
    /// after the mandatory ones) and `rows` of `row_bytes` bytes.
    fn fits(cards: &[String], row_bytes: usize, n_fields: usize, rows: &[u8]) -> Vec<u8> {
        fn header(cards: &[String]) -> Vec<u8> {
            let mut h = Vec::new();
            for c in cards {
                h.extend(format!("{c:<80}").as_bytes());
            }
            h.extend(format!("{:<80}", "END").as_bytes());
            h.resize(h.len().div_ceil(BLOCK) * BLOCK, b' ');
            h
        }
        let kv = |k: &str, v: &str| format!("{k:<8}= {v:>20}");
        let mut out = header(&[kv("SIMPLE", "T"), kv("BITPIX", "8"), kv("NAXIS", "0")]);
        let mut ext = vec![
            kv("XTENSION", "'BINTABLE'"),
            kv("BITPIX", "8"),
            kv("NAXIS", "2"),
            kv("NAXIS1", &row_bytes.to_string()),
            kv("NAXIS2", &(rows.len() / row_bytes).to_string()),
            kv("PCOUNT", "0"),
            kv("GCOUNT", "1"),
            kv("TFIELDS", &n_fields.to_string()),
        ];
        ext.extend(cards.iter().cloned());
        out.extend(header(&ext));
        out.extend(rows);
        out.resize(out.len().div_ceil(BLOCK) * BLOCK, 0);
        out
    }

    fn read(bytes: Vec<u8>) -> crate::Result<Table> {
        crate::table::Reader::from_reader("t.fits", Box::new(std::io::Cursor::new(bytes)))?
            .read_all()
    }

    #[test]
    fn every_supported_type_reads_as_its_value() {
        let cards: Vec<String> = [
            ("TTYPE1", "'name'"),
            ("TFORM1", "'6A'"),
            ("TTYPE2", "'flag'"),
            ("TFORM2", "'L'"),
            ("TTYPE3", "'u16'"),
            ("TFORM3", "'I'"),
            ("TZERO3", "32768"),
            ("TTYPE4", "'n'"),
            ("TFORM4", "'J'"),
            ("TNULL4", "-1"),
            ("TTYPE5", "'x'"),
            ("TFORM5", "'E'"),
            ("TTYPE6", "'pair'"),
            ("TFORM6", "'2D'"),
            ("TTYPE7", "'bits'"),
            ("TFORM7", "'3X'"),
            ("TTYPE8", "'scaled'"),
            ("TFORM8", "'B'"),
            ("TSCAL8", "0.5"),
            ("TZERO8", "1.0"),
        ]
        .iter()
        .map(|(k, v)| format!("{k:<8}= {v}"))
        .collect();
        let row = |name: &[u8; 6], l: u8, u: i16, n: i32, x: f32, p: [f64; 2], bits: u8, b: u8| {
            let mut r = name.to_vec();
            r.push(l);
            r.extend(u.to_be_bytes());
            r.extend(n.to_be_bytes());
            r.extend(x.to_be_bytes());
            r.extend(p[0].to_be_bytes());
            r.extend(p[1].to_be_bytes());
            r.push(bits);
            r.push(b);
            r
        };
        let mut rows = row(b"ab c  ", b'T', -32768, 7, 0.1, [1.5, -2.0], 0b1010_0000, 3);
        rows.extend(row(
            b"x\0\0\0\0\0",
            0,
            32767,
            -1,
            f32::NAN,
            [f64::NAN, 1e-17],
            0,
            0,
        ));
        let bytes = fits(&cards, 6 + 1 + 2 + 4 + 4 + 16 + 1 + 1, 8, &rows);
        let t = read(bytes).unwrap();
        let cells: Vec<Vec<&str>> = t
            .rows
            .iter()
            .map(|r| (0..8).map(|c| r.record.get(c).unwrap()).collect())
            .collect();
        assert_eq!(
            cells[0],
            ["ab c", "True", "0", "7", "0.1", "1.5 -2", "101", "2.5"]
        );
        assert_eq!(
            cells[1],
            ["x", "", "65535", "", "", "NaN 1e-17", "000", "1"]
        );
    }

    #[test]
    fn bad_files_are_refused_naming_the_column() {
        let cards: Vec<String> = [
            ("TTYPE1", "'a'"),
            ("TFORM1", "'D'"),
            ("TTYPE2", "'z'"),
            ("TFORM2", "'C'"),
        ]
        .iter()
        .map(|(k, v)| format!("{k:<8}= {v}"))
        .collect();
        let e = read(fits(&cards, 16, 2, &[0; 16])).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.fits: column 2 (z): unsupported column type 'C' (complex)"
        );
        let cards: Vec<String> = [
            ("TTYPE1", "'a'"),
            ("TFORM1", "'D'"),
            ("TTYPE2", "'b'"),
            ("TFORM2", "'J'"),
        ]
        .iter()
        .map(|(k, v)| format!("{k:<8}= {v}"))
        .collect();
        let mut bytes = fits(&cards, 12, 2, &[0; 36]);
        // Cut inside the third row's second column.
        let data = bytes.len() - BLOCK;
        bytes.truncate(data + 24 + 9);
        let e = read(bytes).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.fits:4: column 2 (b): truncated: the file ends inside row 3 of 3"
        );
        let e = read(b"SIMPLE  =                    T".to_vec())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.fits: truncated"), "{e}");
    }
}
