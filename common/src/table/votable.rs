//! VOTable in (TABLEDATA, BINARY, BINARY2: what TAP services and TOPCAT write) and out
//! (TABLEDATA with units and UCDs, which TOPCAT shows).
//!
//! Reading uses CDS's `votable` crate for the document up to the data (RESOURCE,
//! TABLE, FIELDs with their VALUES null) and for decoding binary cells by FIELD
//! (`Schema`); the row loops are ours so that a truncated or malformed row is reported
//! with its row and column, and so that a service's row limit (`QUERY_STATUS`
//! `OVERFLOW`) is an error rather than a silently shorter table. The first TABLE of
//! the document is read.

use std::io::{BufRead, BufReader, Read};

use base64::engine::{GeneralPurpose, general_purpose};
use base64::read::DecoderReader;
use quick_xml::events::Event;
use serde::de::{DeserializeSeed, Deserializer};
use votable::data::TableOrBinOrBin2;
use votable::data::tabledata::FieldIterator;
use votable::datatype::Datatype;
use votable::field::Field;
use votable::impls::b64::read::BinaryDeserializer;
use votable::impls::visitors::FixedLengthArrayVisitor;
use votable::impls::{Schema, VOTableValue};
use votable::iter::SimpleVOTableRowIterator;
use votable::table::TableElem;

use super::formats::{RowSource, at, fmt_bool, fmt_f32, fmt_f64};
use crate::error::{Error, Result};

/// How the text of a TABLEDATA cell becomes a CSV cell.
#[derive(Debug, Clone)]
enum TextCell {
    Bool,
    /// An integer with the FIELD's VALUES null, if any.
    Int(Option<String>),
    Float,
    Other,
}

/// The decoder of a BINARY or BINARY2 stream: base64 text to cells.
type Cells<R> =
    BinaryDeserializer<BufReader<DecoderReader<'static, GeneralPurpose, Base64Text<R>>>>;

enum Body<R: BufRead> {
    TableData(quick_xml::Reader<R>),
    Binary {
        deser: Box<Cells<R>>,
        schema: Vec<Schema>,
        binary2: bool,
    },
    Done,
}

/// The rows of the first table of a VOTable.
pub(crate) struct VoTableRows<R: BufRead> {
    file: String,
    names: Vec<String>,
    text: Vec<TextCell>,
    row: u64,
    body: Body<R>,
}

fn datatype_name(d: Datatype) -> &'static str {
    match d {
        Datatype::ComplexFloat => "floatComplex",
        Datatype::ComplexDouble => "doubleComplex",
        _ => "?",
    }
}

impl<R: BufRead + 'static> VoTableRows<R> {
    pub fn open(file: &str, source: R) -> Result<VoTableRows<R>> {
        let not_votable = |e: votable::error::VOTableError| {
            Error::file(file, format!("not a readable VOTable: {e}"))
        };
        let it = SimpleVOTableRowIterator::from_reader(source).map_err(not_votable)?;
        let fields: Vec<Field> = it
            .votable
            .get_first_table()
            .map(|t| {
                t.elems
                    .iter()
                    .filter_map(|e| match e {
                        TableElem::Field(f) => Some(f.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
        if names.is_empty() {
            return Err(Error::file(file, "the VOTable's table has no FIELD"));
        }
        let mut text = Vec::with_capacity(fields.len());
        for (i, f) in fields.iter().enumerate() {
            let scalar = f.arraysize.is_none();
            text.push(match f.datatype {
                Datatype::ComplexFloat | Datatype::ComplexDouble => {
                    return Err(Error::input(
                        at(file, &names, None, Some(i)),
                        format!("unsupported column type '{}'", datatype_name(f.datatype)),
                    ));
                }
                Datatype::Logical if scalar => TextCell::Bool,
                Datatype::Byte | Datatype::ShortInt | Datatype::Int | Datatype::LongInt
                    if scalar =>
                {
                    TextCell::Int(f.values.as_ref().and_then(|v| v.null.clone()))
                }
                Datatype::Float | Datatype::Double if scalar => TextCell::Float,
                _ => TextCell::Other,
            });
        }
        let body = match it.data_type {
            TableOrBinOrBin2::TableData => Body::TableData(it.reader),
            TableOrBinOrBin2::Binary | TableOrBinOrBin2::Binary2 => {
                if let Some(i) = fields
                    .iter()
                    .position(|f| f.datatype == Datatype::Bit && f.arraysize.is_some())
                {
                    return Err(Error::input(
                        at(file, &names, None, Some(i)),
                        "unsupported column type 'bit' array in binary serialization",
                    ));
                }
                let binary2 = matches!(it.data_type, TableOrBinOrBin2::Binary2);
                let decoder = DecoderReader::new(
                    Base64Text::new(it.reader.into_inner()),
                    &general_purpose::STANDARD,
                );
                Body::Binary {
                    deser: Box::new(BinaryDeserializer::new(BufReader::new(decoder))),
                    schema: fields.iter().map(Schema::from).collect(),
                    binary2,
                }
            }
            TableOrBinOrBin2::Fits(_) => {
                return Err(Error::file(
                    file,
                    "a VOTable wrapping FITS data: read the FITS file itself",
                ));
            }
        };
        Ok(VoTableRows {
            file: file.to_string(),
            names,
            text,
            row: 0,
            body,
        })
    }
}

impl<R: BufRead> VoTableRows<R> {
    fn error(&self, column: Option<usize>, msg: impl Into<String>) -> Error {
        Error::input(at(&self.file, &self.names, Some(self.row), column), msg)
    }

    /// After the data: the rest of the document must be there, and must not say that
    /// the service stopped at its row limit.
    fn check_rest(&self, rest: &[u8]) -> Result<()> {
        if memchr::memmem::find(rest, b"</VOTABLE>").is_none() {
            return Err(Error::file(
                &self.file,
                format!(
                    "truncated: the document ends after {} rows, before </VOTABLE>",
                    self.row
                ),
            ));
        }
        let mut from = 0;
        while let Some(i) = memchr::memmem::find(&rest[from..], b"<INFO") {
            let tag_start = from + i;
            let tag_end =
                memchr::memchr(b'>', &rest[tag_start..]).map_or(rest.len(), |e| tag_start + e);
            let tag = &rest[tag_start..tag_end];
            if memchr::memmem::find(tag, b"QUERY_STATUS").is_some()
                && memchr::memmem::find(tag, b"OVERFLOW").is_some()
            {
                return Err(Error::file(
                    &self.file,
                    format!(
                        "incomplete: the service stopped at its row limit after {} rows \
                         (QUERY_STATUS OVERFLOW); query a smaller region or raise MAXREC",
                        self.row
                    ),
                ));
            }
            from = tag_end;
        }
        Ok(())
    }

    fn text_row(&mut self, cells: &mut Vec<String>) -> Result<bool> {
        let Body::TableData(reader) = &mut self.body else {
            unreachable!()
        };
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_event(&mut buf) {
                Ok(Event::Start(e)) if e.local_name() == b"TR" => break,
                Ok(Event::End(e)) if e.local_name() == b"TABLEDATA" => {
                    let mut rest = Vec::new();
                    let Body::TableData(reader) = std::mem::replace(&mut self.body, Body::Done)
                    else {
                        unreachable!()
                    };
                    reader
                        .into_inner()
                        .read_to_end(&mut rest)
                        .map_err(|e| Error::io(&self.file, e))?;
                    self.check_rest(&rest)?;
                    return Ok(false);
                }
                Ok(Event::Eof) => {
                    self.row += 1;
                    return Err(self.error(
                        Some(0),
                        format!("truncated: the document ends after {} rows", self.row - 1),
                    ));
                }
                Ok(Event::Text(t)) if t.iter().all(u8::is_ascii_whitespace) => {}
                Ok(Event::Comment(_)) => {}
                Ok(_) => {
                    self.row += 1;
                    return Err(self.error(None, "not a TABLEDATA row (<TR> expected)"));
                }
                Err(e) => {
                    self.row += 1;
                    return Err(self.error(None, format!("malformed XML: {e}")));
                }
            }
        }
        self.row += 1;
        let n = self.names.len();
        let mut field_buf = Vec::new();
        let mut got = 0;
        let mut failed = None;
        for cell in FieldIterator::new(reader, &mut field_buf) {
            match cell {
                Ok(text) => {
                    if got < n {
                        cells.push(text);
                    }
                    got += 1;
                }
                Err(e) => {
                    failed = Some(e.to_string());
                    break;
                }
            }
        }
        if let Some(e) = failed {
            let what = if e.contains("EOF") || e.contains("Eof") || e.contains("End Of File") {
                "truncated: the document ends inside this cell".to_string()
            } else {
                format!("malformed cell: {e}")
            };
            return Err(self.error(Some(got.min(n - 1)), what));
        }
        if got != n {
            return Err(self.error(
                Some(got.min(n - 1)),
                format!("{got} cells where the table has {n} FIELDs"),
            ));
        }
        for (i, cell) in cells.iter_mut().enumerate() {
            let t = cell.trim();
            let missing = match &self.text[i] {
                TextCell::Bool => match t {
                    "T" | "t" | "1" => {
                        *cell = "True".into();
                        continue;
                    }
                    "F" | "f" | "0" => {
                        *cell = "False".into();
                        continue;
                    }
                    "?" | "" => true,
                    _ if t.eq_ignore_ascii_case("true") => {
                        *cell = "True".into();
                        continue;
                    }
                    _ if t.eq_ignore_ascii_case("false") => {
                        *cell = "False".into();
                        continue;
                    }
                    _ => {
                        return Err(self.error(Some(i), format!("not a VOTable boolean: '{t}'")));
                    }
                },
                TextCell::Int(Some(null)) => t == null.trim(),
                TextCell::Float => t.eq_ignore_ascii_case("nan"),
                _ => false,
            };
            if missing {
                cell.clear();
            }
        }
        Ok(true)
    }

    fn binary_row(&mut self, cells: &mut Vec<String>) -> Result<bool> {
        let Body::Binary {
            deser,
            schema,
            binary2,
        } = &mut self.body
        else {
            unreachable!()
        };
        let has_data = deser.has_data_left().map_err(|e| {
            Error::input(
                at(&self.file, &self.names, Some(self.row + 1), None),
                format!("invalid base64 stream: {e}"),
            )
        })?;
        if !has_data {
            let Body::Binary { deser, .. } = std::mem::replace(&mut self.body, Body::Done) else {
                unreachable!()
            };
            let text = deser.into_inner().into_inner().into_inner();
            if !text.closed {
                return Err(Error::file(
                    &self.file,
                    format!(
                        "truncated: the binary stream ends after {} rows, without </STREAM>",
                        self.row
                    ),
                ));
            }
            let mut rest = Vec::new();
            let mut inner = text.inner;
            inner
                .read_to_end(&mut rest)
                .map_err(|e| Error::io(&self.file, e))?;
            self.check_rest(&rest)?;
            return Ok(false);
        }
        self.row += 1;
        let n = schema.len();
        let nulls: Vec<u8> = if *binary2 {
            let n_bytes = n.div_ceil(8);
            match (&mut **deser).deserialize_tuple(n_bytes, FixedLengthArrayVisitor::new(n_bytes)) {
                Ok(v) => v,
                Err(e) => {
                    let e = e.to_string();
                    return Err(Error::input(
                        at(&self.file, &self.names, Some(self.row), Some(0)),
                        binary_problem(&e),
                    ));
                }
            }
        } else {
            vec![0; n.div_ceil(8)]
        };
        for (i, s) in schema.iter().enumerate() {
            let value = s.deserialize(&mut **deser).map_err(|e| {
                Error::input(
                    at(&self.file, &self.names, Some(self.row), Some(i)),
                    binary_problem(&e.to_string()),
                )
            })?;
            let mut cell = String::new();
            if nulls[i >> 3] & (128u8 >> (i & 7)) == 0 {
                write_value(&value, &mut cell);
            }
            cells.push(cell);
        }
        Ok(true)
    }
}

fn binary_problem(e: &str) -> String {
    if e.contains("end of")
        || e.contains("EOF")
        || e.contains("Eof")
        || e.contains("fill whole buffer")
    {
        "truncated: the binary stream ends inside this cell".to_string()
    } else {
        format!("unreadable binary cell: {e}")
    }
}

/// A decoded binary cell as CSV text (see the module doc of `formats`).
fn write_value(v: &VOTableValue, out: &mut String) {
    use std::fmt::Write;
    fn join<T>(items: &[T], out: &mut String, mut f: impl FnMut(&T, &mut String)) {
        for (k, x) in items.iter().enumerate() {
            if k > 0 {
                out.push(' ');
            }
            f(x, out);
        }
    }
    match v {
        VOTableValue::Null => {}
        VOTableValue::Bool(b) => out.push_str(fmt_bool(*b)),
        VOTableValue::Byte(x) => write!(out, "{x}").unwrap(),
        VOTableValue::Short(x) => write!(out, "{x}").unwrap(),
        VOTableValue::Int(x) => write!(out, "{x}").unwrap(),
        VOTableValue::Long(x) => write!(out, "{x}").unwrap(),
        VOTableValue::Double(x) => fmt_f64(*x, out),
        VOTableValue::Float(x) => fmt_f32(*x, out),
        VOTableValue::CharASCII(c) | VOTableValue::CharUnicode(c) => {
            if *c != '\0' {
                out.push(*c)
            }
        }
        VOTableValue::String(s) => out.push_str(s.trim_end_matches('\0')),
        VOTableValue::BooleanArray(xs) => join(xs, out, |x, o| o.push_str(x.map_or("?", fmt_bool))),
        VOTableValue::ByteArray(xs) => join(xs, out, |x, o| write!(o, "{x}").unwrap()),
        VOTableValue::ShortArray(xs) => join(xs, out, |x, o| write!(o, "{x}").unwrap()),
        VOTableValue::IntArray(xs) => join(xs, out, |x, o| write!(o, "{x}").unwrap()),
        VOTableValue::LongArray(xs) => join(xs, out, |x, o| write!(o, "{x}").unwrap()),
        VOTableValue::DoubleArray(xs) => join(xs, out, |x, o| {
            if x.is_finite() {
                fmt_f64(*x, o)
            } else {
                o.push_str("NaN")
            }
        }),
        VOTableValue::FloatArray(xs) => join(xs, out, |x, o| {
            if x.is_finite() {
                fmt_f32(*x, o)
            } else {
                o.push_str("NaN")
            }
        }),
        VOTableValue::StringArray(xs) => join(xs, out, |x, o| o.push_str(x.trim_end_matches('\0'))),
        // Refused when the table is opened (bit arrays: the crate's BitVec has no
        // accessor).
        VOTableValue::BitArray(_)
        | VOTableValue::ComplexDouble(_)
        | VOTableValue::ComplexFloat(_)
        | VOTableValue::ComplexDoubleArray(_)
        | VOTableValue::ComplexFloatArray(_) => {}
    }
}

impl<R: BufRead> RowSource for VoTableRows<R> {
    fn names(&self) -> &[String] {
        &self.names
    }

    fn next_row(&mut self, cells: &mut Vec<String>) -> Result<bool> {
        cells.clear();
        match self.body {
            Body::TableData(_) => self.text_row(cells),
            Body::Binary { .. } => self.binary_row(cells),
            Body::Done => Ok(false),
        }
    }
}

/// The base64 text of a STREAM: white space skipped, ends before the `<` of
/// `</STREAM>` (`closed`), or at the end of the input (a truncated document).
struct Base64Text<R> {
    inner: R,
    closed: bool,
}

impl<R: BufRead> Base64Text<R> {
    fn new(inner: R) -> Self {
        Base64Text {
            inner,
            closed: false,
        }
    }
}

impl<R: BufRead> Read for Base64Text<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n < out.len() && !self.closed {
            let avail = self.inner.fill_buf()?;
            if avail.is_empty() {
                break;
            }
            let mut used = 0;
            for &b in avail {
                if n == out.len() {
                    break;
                }
                if b == b'<' {
                    self.closed = true;
                    break;
                }
                used += 1;
                if !b.is_ascii_whitespace() {
                    out[n] = b;
                    n += 1;
                }
            }
            self.inner.consume(used);
        }
        Ok(n)
    }
}

/// The VOTable datatype of a column from its cells: boolean, long, double when every
/// non-empty cell is one, else a string; a column without any value is a double when
/// the project defines it with a unit or a probability, else a string.
fn column_datatype(name: &str, cells: impl Iterator<Item = String>) -> &'static str {
    let (mut bool_, mut long, mut double, mut any) = (true, true, true, false);
    for c in cells {
        let t = c.trim();
        if t.is_empty() {
            continue;
        }
        any = true;
        bool_ &= t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false");
        long &= t.parse::<i64>().is_ok();
        double &= t.eq_ignore_ascii_case("nan") || t.parse::<f64>().is_ok_and(f64::is_finite);
        if !(bool_ || long || double) {
            return "char";
        }
    }
    if !any {
        return match super::units::unit_ucd(name) {
            Some((unit, ucd)) if !unit.is_empty() || ucd.contains("probability") => "double",
            _ => "char",
        };
    }
    if bool_ {
        "boolean"
    } else if long {
        "long"
    } else if double {
        "double"
    } else {
        "char"
    }
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// Writes a table as a VOTable 1.4 TABLEDATA document: one FIELD per column with its
/// datatype (from the cells), and its unit and UCD when the project defines the
/// column ([`super::units`]). Cells are written as they are (empty is null; `NaN`
/// of a double is null too).
pub fn write(
    sink: &mut dyn std::io::Write,
    names: &[String],
    rows: &[Vec<String>],
) -> std::io::Result<()> {
    let mut out = String::with_capacity(1 << 16);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n\
         <RESOURCE type=\"results\">\n",
    );
    out.push_str(&format!("<TABLE nrows=\"{}\">\n", rows.len()));
    let mut types = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let datatype = column_datatype(
            name,
            rows.iter().map(|r| r.get(i).cloned().unwrap_or_default()),
        );
        types.push(datatype);
        out.push_str("<FIELD name=\"");
        escape(name, &mut out);
        out.push_str("\" datatype=\"");
        out.push_str(datatype);
        out.push('"');
        if datatype == "char" {
            out.push_str(" arraysize=\"*\"");
        }
        if let Some((unit, ucd)) = super::units::unit_ucd(name) {
            if !unit.is_empty() {
                out.push_str(&format!(" unit=\"{unit}\""));
            }
            out.push_str(&format!(" ucd=\"{ucd}\""));
        }
        out.push_str("/>\n");
    }
    out.push_str("<DATA><TABLEDATA>\n");
    for row in rows {
        out.push_str("<TR>");
        for (i, cell) in row.iter().enumerate() {
            let t = cell.trim();
            out.push_str("<TD>");
            if !(types.get(i) == Some(&"double") && t.eq_ignore_ascii_case("nan")) {
                escape(
                    if types.get(i) == Some(&"char") {
                        cell
                    } else {
                        t
                    },
                    &mut out,
                );
            }
            out.push_str("</TD>");
        }
        out.push_str("</TR>\n");
        if out.len() > 1 << 16 {
            sink.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    out.push_str("</TABLEDATA></DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n");
    sink.write_all(out.as_bytes())
}

#[cfg(test)]
mod tests {
    use crate::table::{Reader, Table};

    fn read(text: &str) -> crate::Result<Table> {
        Reader::from_reader(
            "t.vot",
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
        )?
        .read_all()
    }

    const HEAD: &str = "<?xml version=\"1.0\"?>\n<VOTABLE version=\"1.4\"><RESOURCE><TABLE>\
        <FIELD name=\"n\" datatype=\"int\"><VALUES null=\"-99\"/></FIELD>\
        <FIELD name=\"b\" datatype=\"boolean\"/><FIELD name=\"x\" datatype=\"double\"/>\
        <FIELD name=\"s\" datatype=\"char\" arraysize=\"*\"/><DATA><TABLEDATA>";

    #[test]
    fn tabledata_cells_keep_their_text_and_nulls_are_empty() {
        let t = read(&format!(
            "{HEAD}<TR><TD>5</TD><TD>T</TD><TD>1.50E-14</TD><TD>a &amp; b</TD></TR>\
             <TR><TD>-99</TD><TD>?</TD><TD>NaN</TD><TD/></TR></TABLEDATA></DATA></TABLE>\
             </RESOURCE></VOTABLE>"
        ))
        .unwrap();
        assert_eq!(t.header.names(), ["n", "b", "x", "s"]);
        let cells: Vec<Vec<&str>> = t.rows.iter().map(|r| r.record.iter().collect()).collect();
        assert_eq!(
            cells,
            [["5", "True", "1.50E-14", "a & b"], ["", "", "", ""]]
        );
    }

    #[test]
    fn truncated_and_incomplete_documents_are_refused() {
        let e = read(&format!("{HEAD}<TR><TD>5</TD><TD>T</TD><TD>1.5"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.vot:2: column 3 (x): truncated: the document ends inside this cell"
        );
        let e = read(&format!("{HEAD}<TR><TD>5</TD><TD>T</TD></TR>"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.vot:2: column 3 (x): 2 cells where the table has 4 FIELDs"
        );
        let e = read(&format!(
            "{HEAD}<TR><TD>5</TD><TD>T</TD><TD>1</TD><TD>s</TD></TR></TABLEDATA></DATA></TABLE>\
             <INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\"/></RESOURCE></VOTABLE>"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("t.vot: incomplete: the service stopped at its row limit after 1 rows"),
            "{e}"
        );
        let e = read(&format!(
            "{HEAD}<TR><TD>5</TD><TD>T</TD><TD>1</TD><TD>s</TD></TR></TABLEDATA></DATA>"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("t.vot: truncated: the document ends after 1 rows"),
            "{e}"
        );
        let e = read(&HEAD.replace("datatype=\"double\"", "datatype=\"floatComplex\""))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.vot: column 3 (x): unsupported column type 'floatComplex'"
        );
    }

    #[test]
    fn the_example_tables_round_trip_through_our_votable() {
        for field in ["ngc3532", "ic2395", "3fgl_j1306"] {
            for name in ["per", "gaia", "unwise"] {
                let path = format!(
                    "{}/../examples/{field}/input/{name}.csv",
                    env!("CARGO_MANIFEST_DIR")
                );
                let csv = Table::read(Some(std::path::Path::new(&path))).unwrap();
                let mut rows: Vec<Vec<String>> = Vec::new();
                for r in &csv.rows {
                    rows.push(r.record.iter().map(str::to_string).collect());
                }
                let mut vot = Vec::new();
                super::write(&mut vot, csv.header.names(), &rows).unwrap();
                let back = Reader::from_reader(&path, Box::new(std::io::Cursor::new(vot)))
                    .unwrap()
                    .read_all()
                    .unwrap();
                assert_eq!(back.header.names(), csv.header.names(), "{path}");
                assert_eq!(back.rows.len(), csv.rows.len(), "{path}");
                for (a, b) in back.rows.iter().zip(&csv.rows) {
                    for c in 0..csv.header.len() {
                        let (x, y) = (a.text(c), b.text(c));
                        // Booleans come back as True/False; all else as written.
                        assert!(
                            x == y || x.eq_ignore_ascii_case(y),
                            "{path} {c}: {x} vs {y}"
                        );
                    }
                }
            }
        }
    }
}
