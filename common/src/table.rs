//! CSV tables by header name, the one format every tool reads and writes.
//!
//! Conventions (DESIGN.md): a header line; an empty cell is a missing value; cells are
//! trimmed of the padding spaces of CSC exports before they are parsed; numbers are
//! parsed strictly; booleans are TRUE/True/FALSE/False (any case); columns a tool does
//! not use pass through in order. Every error names the file, the line and the column.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};

use crate::error::{Error, Location, Result};

pub mod fits;
pub mod formats;
pub mod units;
pub mod votable;

use formats::Format;

/// The name used for standard input and output in messages.
pub(crate) const STDIN: &str = "<stdin>";

/// The header of an input table, with the file name used in messages.
#[derive(Debug)]
pub struct Header {
    file: String,
    names: Vec<String>,
}

impl Header {
    pub fn new(file: &str, names: Vec<String>) -> Self {
        Header {
            file: file.to_string(),
            names,
        }
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The index of a column, `None` when absent. A name that stands twice in the
    /// header is ambiguous and an error, since we cannot know which one is meant.
    pub fn find(&self, name: &str) -> Result<Option<usize>> {
        let mut hits = self
            .names
            .iter()
            .enumerate()
            .filter(|(_, n)| n.trim() == name);
        let first = hits.next().map(|(i, _)| i);
        if let Some((second, _)) = hits.next() {
            return Err(Error::input(
                self.at(Some(1), Some(second)),
                format!(
                    "ambiguous header: column '{name}' also stands at column {}",
                    first.unwrap_or(0) + 1
                ),
            ));
        }
        Ok(first)
    }

    /// The index of a column the tool cannot work without.
    pub fn require(&self, name: &str) -> Result<usize> {
        self.find(name)?.ok_or_else(|| {
            Error::input(
                self.at(Some(1), None),
                format!("missing required column '{name}'"),
            )
        })
    }

    /// The indices of `names`; when some are missing, one error naming every one of them.
    pub(crate) fn require_all(&self, names: &[&str]) -> Result<Vec<usize>> {
        let mut found = Vec::with_capacity(names.len());
        let mut missing = Vec::new();
        for name in names {
            match self.find(name)? {
                Some(i) => found.push(i),
                None => missing.push(format!("'{name}'")),
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let s = if missing.len() == 1 { "" } else { "s" };
        Err(Error::input(
            self.at(Some(1), None),
            format!("missing required column{s} {}", missing.join(", ")),
        ))
    }

    /// The first of several accepted spellings of a column that is present
    /// (e.g. `Gmag` or `Gmag_gaia`).
    pub(crate) fn find_any(&self, names: &[&str]) -> Result<Option<usize>> {
        for name in names {
            if let Some(i) = self.find(name)? {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }

    /// Like [`Header::find_any`], an error naming the first spelling when none is present.
    pub(crate) fn require_any(&self, names: &[&str]) -> Result<usize> {
        self.find_any(names)?.ok_or_else(|| {
            Error::input(
                self.at(Some(1), None),
                format!("missing required column '{}'", names.join("' or '")),
            )
        })
    }

    pub fn at(&self, line: Option<u64>, column: Option<usize>) -> Location {
        Location {
            file: self.file.clone(),
            line,
            column: column.map(|c| (c, self.names.get(c).cloned().unwrap_or_default())),
        }
    }

    /// The output layout of a tool that appends `new` columns to this table: columns
    /// of the input keep their place, a new column whose name the input already has
    /// replaces that column in place, the others are appended in the order given.
    pub(crate) fn extended(&self, new: &[&str]) -> Result<Layout> {
        let mut names = self.names.clone();
        let mut slots = Vec::with_capacity(new.len());
        for name in new {
            match self.find(name)? {
                Some(i) => slots.push(i),
                None => {
                    slots.push(names.len());
                    names.push(name.to_string());
                }
            }
        }
        Ok(Layout {
            names,
            slots,
            n_input: self.names.len(),
        })
    }
}

/// Where a tool's own columns go in its output rows; see [`Header::extended`].
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub names: Vec<String>,
    slots: Vec<usize>,
    n_input: usize,
}

impl Layout {
    /// One output row: the input cells, with the tool's `values` (in the order of
    /// the `new` names given to [`Header::extended`]) replaced or appended.
    pub fn row<'a>(&self, input: &'a csv::StringRecord, values: &'a [String]) -> Vec<&'a str> {
        debug_assert_eq!(values.len(), self.slots.len());
        let mut out: Vec<&str> = Vec::with_capacity(self.names.len());
        out.extend(input.iter().take(self.n_input));
        out.resize(self.names.len(), "");
        for (slot, value) in self.slots.iter().zip(values) {
            out[*slot] = value;
        }
        out
    }
}

/// One data row, with its line number for messages.
#[derive(Debug, Clone)]
pub struct Row {
    pub record: csv::StringRecord,
    pub line: u64,
    header: Arc<Header>,
}

impl Row {
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The cell, trimmed of padding spaces.
    pub fn text(&self, col: usize) -> &str {
        self.record.get(col).unwrap_or("").trim()
    }

    pub fn error(&self, col: usize, msg: impl Into<String>) -> Error {
        Error::input(self.header.at(Some(self.line), Some(col)), msg)
    }

    /// A number; `None` for an empty cell (or `nan`, as some writers spell missing).
    /// Anything else that is not a finite number is an error.
    pub fn num(&self, col: usize) -> Result<Option<f64>> {
        parse_num(self.text(col)).map_err(|msg| self.error(col, msg))
    }

    /// A number that must be present.
    pub fn num_required(&self, col: usize) -> Result<f64> {
        self.num(col)?
            .ok_or_else(|| self.error(col, "missing value where one is required"))
    }

    /// A boolean (TRUE/True/FALSE/False in any case, also 1/0); `None` when empty.
    pub fn flag(&self, col: usize) -> Result<Option<bool>> {
        parse_flag(self.text(col)).map_err(|msg| self.error(col, msg))
    }

    /// An integer; `None` when empty. `12.0` is accepted as 12 (pandas writes
    /// integer columns with missing values as floats).
    pub fn int(&self, col: usize) -> Result<Option<i64>> {
        parse_int(self.text(col).as_bytes()).map_err(|msg| self.error(col, msg))
    }
}

/// A data row read into a reused byte record ([`Reader::read_byte_record`]), with the
/// parsing rules and messages of [`Row`]: for tools that stream millions of rows.
/// Only the cells read are checked (UTF-8 included).
pub(crate) struct ByteRow<'a> {
    pub record: &'a csv::ByteRecord,
    pub header: &'a Header,
}

impl<'a> ByteRow<'a> {
    pub fn new(record: &'a csv::ByteRecord, header: &'a Header) -> Self {
        ByteRow { record, header }
    }

    pub fn line(&self) -> u64 {
        self.record.position().map_or(0, |p| p.line())
    }

    pub fn error(&self, col: usize, msg: impl Into<String>) -> Error {
        Error::input(self.header.at(Some(self.line()), Some(col)), msg)
    }

    /// The cell trimmed of padding, as bytes.
    pub fn bytes(&self, col: usize) -> &'a [u8] {
        self.record.get(col).unwrap_or(b"").trim_ascii()
    }

    /// The cell trimmed of padding; invalid UTF-8 is an error.
    pub fn text(&self, col: usize) -> Result<&'a str> {
        std::str::from_utf8(self.bytes(col)).map_err(|_| self.error(col, "invalid UTF-8"))
    }

    /// As [`Row::num`].
    pub fn num(&self, col: usize) -> Result<Option<f64>> {
        parse_num(self.text(col)?).map_err(|m| self.error(col, m))
    }

    /// As [`Row::flag`].
    pub fn flag(&self, col: usize) -> Result<Option<bool>> {
        parse_flag(self.text(col)?).map_err(|m| self.error(col, m))
    }

    /// As [`Row::int`].
    pub fn int(&self, col: usize) -> Result<Option<i64>> {
        parse_int(self.bytes(col)).map_err(|m| self.error(col, m))
    }
}

/// Parses a trimmed cell as an integer; `None` when empty. `12.0` is accepted as 12
/// (pandas writes integer columns with missing values as floats).
pub(crate) fn parse_int(cell: &[u8]) -> std::result::Result<Option<i64>, String> {
    // Plain digits, the common case, without a float parse.
    if !cell.is_empty() && cell.len() <= 18 && cell.iter().all(u8::is_ascii_digit) {
        return Ok(Some(
            cell.iter()
                .fold(0i64, |acc, &d| acc * 10 + i64::from(d - b'0')),
        ));
    }
    let text = std::str::from_utf8(cell).map_err(|_| "invalid UTF-8".to_string())?;
    match parse_num(text)? {
        None => Ok(None),
        Some(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => Ok(Some(v as i64)),
        Some(_) => Err(format!("not an integer: '{text}'")),
    }
}

/// Parses a trimmed cell as a finite number; empty and `nan` are missing.
pub(crate) fn parse_num(cell: &str) -> std::result::Result<Option<f64>, String> {
    if cell.is_empty() || cell.eq_ignore_ascii_case("nan") {
        return Ok(None);
    }
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        Ok(_) => Err(format!("not a finite number: '{cell}'")),
        Err(_) => Err(format!("not a number: '{cell}'")),
    }
}

pub(crate) fn parse_flag(cell: &str) -> std::result::Result<Option<bool>, String> {
    if cell.is_empty() {
        Ok(None)
    } else if cell.eq_ignore_ascii_case("true") || cell == "1" {
        Ok(Some(true))
    } else if cell.eq_ignore_ascii_case("false") || cell == "0" {
        Ok(Some(false))
    } else {
        Err(format!("not a boolean (TRUE/FALSE): '{cell}'"))
    }
}

/// Turns CR LF line ends into LF. The csv parser counts lines at LF and takes a
/// record's position before it consumes the LF of the previous CR LF, so without this
/// every row of a Windows file would be reported one line early. (A CR LF inside a
/// quoted cell becomes LF too.)
struct CrlfToLf<R> {
    inner: R,
    /// A CR that ended the last read: whether an LF follows is not known yet.
    pending_cr: bool,
}

impl<R: BufRead> CrlfToLf<R> {
    fn new(inner: R) -> Self {
        CrlfToLf {
            inner,
            pending_cr: false,
        }
    }
}

impl<R: BufRead> Read for CrlfToLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let avail = self.inner.fill_buf()?;
            if self.pending_cr {
                self.pending_cr = false;
                if avail.first() != Some(&b'\n') {
                    buf[0] = b'\r';
                    return Ok(1);
                }
            }
            if avail.is_empty() {
                return Ok(0);
            }
            let mut n = avail.len().min(buf.len());
            buf[..n].copy_from_slice(&avail[..n]);
            self.inner.consume(n);
            if buf[n - 1] == b'\r' {
                self.pending_cr = true;
                n -= 1;
            }
            let n = drop_cr_before_lf(&mut buf[..n]);
            if n > 0 {
                return Ok(n);
            }
        }
    }
}

/// Removes every CR directly followed by LF; returns the new length.
fn drop_cr_before_lf(b: &mut [u8]) -> usize {
    let len = b.len();
    let (mut w, mut r) = (0, 0);
    while let Some(off) = memchr::memchr(b'\r', &b[r..]) {
        let i = r + off;
        let keep = if i + 1 < len && b[i + 1] == b'\n' {
            i
        } else {
            i + 1
        };
        b.copy_within(r..keep, w);
        w += keep - r;
        r = i + 1;
    }
    b.copy_within(r..len, w);
    w + len - r
}

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// The one opening function of every input table: the CSV text of `source`, whose
/// format is told from its first bytes (see [`formats`]): CSV as it is (CR LF line
/// ends made LF), a VOTable or FITS binary table decoded into CSV as it is read.
pub(crate) fn open_csv(name: &str, source: Box<dyn Read>) -> Result<Box<dyn Read>> {
    let mut source = BufReader::with_capacity(1 << 16, source);
    // Enough bytes to tell the format, and for CSV the whole header line (its line
    // end says whether the file has CR LF line ends).
    let head = formats::peek(&mut source, 1 << 16, |h| {
        h.len() >= formats::SNIFF_LEN && (formats::sniff(h) != Format::Csv || h.contains(&b'\n'))
    })
    .map_err(|e| Error::io(name, e))?;
    let format = formats::sniff(&head);
    Ok(match format {
        Format::Csv => {
            // A UTF-8 byte order mark (spreadsheet exports) is not part of the first name.
            let head = match head.strip_prefix(UTF8_BOM) {
                Some(rest) => rest.to_vec(),
                None => head,
            };
            let crlf = memchr::memchr(b'\n', &head).is_some_and(|i| i > 0 && head[i - 1] == b'\r');
            let source = io::Cursor::new(head).chain(source);
            if crlf {
                Box::new(CrlfToLf::new(source))
            } else {
                Box::new(source)
            }
        }
        Format::VoTable => Box::new(formats::CsvText::new(Box::new(votable::VoTableRows::open(
            name,
            io::Cursor::new(head).chain(source),
        )?))),
        Format::Fits => Box::new(formats::CsvText::new(Box::new(fits::FitsRows::open(
            name,
            io::Cursor::new(head).chain(source),
        )?))),
        Format::Gzip => {
            return Err(Error::file(
                name,
                "gzip-compressed: decompress it first (gunzip, or zcat FILE | tool)",
            ));
        }
    })
}

/// A streaming CSV reader by header name.
pub struct Reader {
    header: Arc<Header>,
    inner: csv::Reader<Box<dyn Read>>,
}

impl Reader {
    /// Opens a file, or standard input for `None` or `-`.
    pub fn open(path: Option<&Path>) -> Result<Reader> {
        match path {
            None => Self::from_reader(STDIN, Box::new(io::stdin().lock())),
            Some(p) if p.as_os_str() == "-" => {
                Self::from_reader(STDIN, Box::new(io::stdin().lock()))
            }
            Some(p) => {
                let name = p.display().to_string();
                let file = File::open(p).map_err(|e| Error::io(&name, e))?;
                Self::from_reader(&name, Box::new(file))
            }
        }
    }

    /// Reads from any byte source; `name` is used in messages. The format (CSV,
    /// VOTable, FITS) is told from the first bytes ([`open_csv`]).
    pub fn from_reader(name: &str, source: Box<dyn Read>) -> Result<Reader> {
        let source = open_csv(name, source)?;
        let mut inner = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .buffer_capacity(1 << 16)
            .from_reader(source);
        let names: Vec<String> = match inner.headers() {
            Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
            Err(e) => return Err(csv_error(name, None, e)),
        };
        if names.is_empty() || (names.len() == 1 && names[0].is_empty()) {
            return Err(Error::file(name, "empty input: no header line"));
        }
        Ok(Reader {
            header: Arc::new(Header::new(name, names)),
            inner,
        })
    }

    pub fn header(&self) -> &Arc<Header> {
        &self.header
    }

    /// The next data row, `None` at the end.
    pub(crate) fn next_row(&mut self) -> Result<Option<Row>> {
        let mut record = csv::StringRecord::new();
        match self.inner.read_record(&mut record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                Ok(Some(Row {
                    record,
                    line,
                    header: Arc::clone(&self.header),
                }))
            }
            Err(e) => Err(csv_error(self.header.file(), Some(&self.header), e)),
        }
    }

    /// The next data row into a reused byte record (no allocation per row, no UTF-8
    /// check of cells the caller does not read): for tools that stream millions of
    /// rows. `false` at the end. Errors are those of [`Reader::next_row`].
    pub(crate) fn read_byte_record(&mut self, record: &mut csv::ByteRecord) -> Result<bool> {
        self.inner
            .read_byte_record(record)
            .map_err(|e| csv_error(self.header.file(), Some(&self.header), e))
    }

    /// Reads every remaining row.
    pub(crate) fn read_all(mut self) -> Result<Table> {
        let mut rows = Vec::new();
        while let Some(row) = self.next_row()? {
            rows.push(row);
        }
        Ok(Table {
            header: self.header,
            rows,
        })
    }
}

impl Iterator for Reader {
    type Item = Result<Row>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().transpose()
    }
}

/// What a reader thread ([`read_batches`]) sends: the header first, then batches.
pub(crate) enum Batched<P> {
    Header(Arc<Header>),
    Batch(Batch<P>),
}

/// Rows read per batch by [`read_batches`].
pub(crate) const BATCH: usize = 1024;

/// Rows and what the reader thread parsed from each (`parsed.len()` rows are valid).
pub struct Batch<P> {
    pub records: Vec<csv::ByteRecord>,
    pub parsed: Vec<P>,
}

/// The body of a reader thread, for tools that stream millions of rows: opens the
/// input (in the thread), sends its header, makes the row parser from it, then sends
/// batches of rows in order, each with the parse of every row. Record buffers come
/// back through `recycle`. An error ends the batches after the rows before it, so the
/// receiver sees the first error in row order.
pub(crate) fn read_batches<P, F: Fn(&ByteRow) -> Result<P>>(
    open: impl FnOnce() -> Result<Reader>,
    parser: impl FnOnce(&Header) -> Result<F>,
    tx: mpsc::SyncSender<Result<Batched<P>>>,
    recycle: mpsc::Receiver<Vec<csv::ByteRecord>>,
) {
    let mut reader = match open() {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.send(Err(e));
            return;
        }
    };
    if tx
        .send(Ok(Batched::Header(Arc::clone(reader.header()))))
        .is_err()
    {
        return;
    }
    let parse = match parser(reader.header()) {
        Ok(p) => p,
        Err(e) => {
            let _ = tx.send(Err(e));
            return;
        }
    };
    loop {
        let mut records = recycle.try_recv().unwrap_or_default();
        records.resize_with(BATCH, csv::ByteRecord::new);
        let mut parsed = Vec::with_capacity(BATCH);
        let mut error = None;
        for record in records.iter_mut() {
            match reader.read_byte_record(record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
            match parse(&ByteRow::new(record, reader.header())) {
                Ok(p) => parsed.push(p),
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        let done = parsed.len() < BATCH;
        if !parsed.is_empty()
            && tx
                .send(Ok(Batched::Batch(Batch { records, parsed })))
                .is_err()
        {
            return;
        }
        if let Some(e) = error {
            let _ = tx.send(Err(e));
            return;
        }
        if done {
            return;
        }
    }
}

/// Starts a named thread in `scope` (a reader thread of [`read_batches`]).
pub(crate) fn spawn_scoped<'scope, 'env>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    name: &str,
    f: impl FnOnce() + Send + 'scope,
) -> Result<()> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn_scoped(scope, f)
        .map(|_| ())
        .map_err(|e| Error::io(name, e))
}

/// An unlinked temporary file in the system's temporary directory (`TMPDIR`): it
/// disappears with the process, however the process ends. `what` names it in messages.
pub(crate) fn spool_file(what: &str) -> Result<File> {
    let dir = std::env::temp_dir();
    for attempt in 0..100u32 {
        let path = dir.join(format!(".muwclass-{}-{attempt}.spool", std::process::id()));
        match File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => {
                let _ = std::fs::remove_file(&path);
                return Ok(f);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(what, e)),
        }
    }
    Err(Error::file(what, "cannot create a temporary file"))
}

fn csv_error(file: &str, header: Option<&Header>, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    let at = Location {
        file: file.to_string(),
        line,
        column: None,
    };
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            let what = if len < expected_len { "short" } else { "long" };
            let column = header
                .filter(|_| len < expected_len)
                .map(|h| h.at(line, Some(*len as usize)).column)
                .unwrap_or(None);
            Error::input(
                Location { column, ..at },
                format!("{what} row: {len} fields where the header has {expected_len}"),
            )
        }
        csv::ErrorKind::Utf8 { .. } => Error::input(at, "invalid UTF-8"),
        csv::ErrorKind::Io(_) => match e.into_kind() {
            // A VOTable or FITS decoding error, with its own location.
            csv::ErrorKind::Io(io) => {
                formats::take_error(io).unwrap_or_else(|io| Error::io(file, io))
            }
            _ => unreachable!(),
        },
        _ => Error::input(at, e.to_string()),
    }
}

/// A whole table in memory.
#[derive(Debug)]
pub struct Table {
    pub header: Arc<Header>,
    pub rows: Vec<Row>,
}

impl Table {
    pub fn read(path: Option<&Path>) -> Result<Table> {
        Reader::open(path)?.read_all()
    }

    /// Reads a table from bytes compiled into the binary (the embedded defaults).
    pub fn from_bytes(name: &str, bytes: &'static [u8]) -> Result<Table> {
        Reader::from_reader(name, Box::new(bytes))?.read_all()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// One numeric column, every row; missing cells are `None`.
    pub fn column(&self, name: &str) -> Result<Vec<Option<f64>>> {
        let col = self.header.require(name)?;
        self.rows.iter().map(|r| r.num(col)).collect()
    }
}

/// Formats a number for output: shortest text that reads back to the same f64;
/// missing and non-finite values are an empty cell (we never write NaN or inf).
pub fn fmt_num(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => {
            let mut buf = ryu::Buffer::new();
            let s = buf.format_finite(x);
            s.strip_suffix(".0").unwrap_or(s).to_string()
        }
        _ => String::new(),
    }
}

/// [`fmt_num`] for a plain f64 where NaN means missing.
pub fn fmt_f64(v: f64) -> String {
    fmt_num(Some(v))
}

/// The format of a tool's output table (`--format`): CSV, or a VOTable with units
/// and UCDs ([`votable::write`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Csv,
    VoTable,
}

impl OutputFormat {
    /// The names `--format` takes.
    pub(crate) const NAMES: [&str; 2] = ["csv", "votable"];

    pub fn parse(name: &str) -> Result<OutputFormat> {
        match name {
            "csv" => Ok(OutputFormat::Csv),
            "votable" => Ok(OutputFormat::VoTable),
            _ => Err(Error::invalid(format!(
                "--format {name}: not one of {}",
                OutputFormat::NAMES.join(", ")
            ))),
        }
    }
}

static OUTPUT_FORMAT: std::sync::OnceLock<OutputFormat> = std::sync::OnceLock::new();

/// Sets the format of every table the process writes (a tool's `--format`, once,
/// before it writes). Tables are CSV when it is never called.
pub fn set_output_format(format: OutputFormat) {
    let _ = OUTPUT_FORMAT.set(format);
}

fn output_format() -> OutputFormat {
    OUTPUT_FORMAT.get().copied().unwrap_or_default()
}

/// A table writer to standard output or to a file, in the process's
/// [`OutputFormat`]: CSV streamed row by row, or a VOTable written at
/// [`Writer::finish`] (the datatype of a column is known once all its cells are). A file is written to a temporary
/// name beside it and renamed into place by [`Writer::finish`], so that an
/// interrupted run never leaves half a file behind (make relies on this).
pub struct Writer {
    inner: Option<csv::Writer<Box<dyn Write>>>,
    name: String,
    pending: Option<(PathBuf, PathBuf)>,
    /// The rows of a VOTable output, header first.
    votable: Option<Vec<Vec<String>>>,
}

impl Writer {
    /// Standard output for `None` or `-`, else an atomically written file.
    pub fn create(path: Option<&Path>) -> Result<Writer> {
        match path {
            Some(p) if is_special(p) => {
                let name = p.display().to_string();
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(p)
                    .map_err(|e| Error::io(&name, e))?;
                Ok(Writer {
                    inner: Some(Self::csv(Box::new(BufWriter::with_capacity(1 << 16, file)))),
                    name,
                    pending: None,
                    votable: Self::buffer(),
                })
            }
            Some(p) if p.as_os_str() != "-" => {
                let name = p.display().to_string();
                let tmp = temporary_path(p)?;
                let file = File::create(&tmp).map_err(|e| Error::io(&name, e))?;
                Ok(Writer {
                    inner: Some(Self::csv(Box::new(BufWriter::with_capacity(1 << 16, file)))),
                    name,
                    pending: Some((tmp, p.to_path_buf())),
                    votable: Self::buffer(),
                })
            }
            _ => Ok(Writer {
                inner: Some(Self::csv(Box::new(BufWriter::with_capacity(
                    1 << 16,
                    io::stdout().lock(),
                )))),
                name: "<stdout>".to_string(),
                pending: None,
                votable: Self::buffer(),
            }),
        }
    }

    fn buffer() -> Option<Vec<Vec<String>>> {
        (output_format() == OutputFormat::VoTable).then(Vec::new)
    }

    fn csv(sink: Box<dyn Write>) -> csv::Writer<Box<dyn Write>> {
        csv::WriterBuilder::new().flexible(false).from_writer(sink)
    }

    pub fn write_row<I, T>(&mut self, fields: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        if let Some(rows) = &mut self.votable {
            rows.push(
                fields
                    .into_iter()
                    .map(|f| String::from_utf8_lossy(f.as_ref()).into_owned())
                    .collect(),
            );
            return Ok(());
        }
        let w = self.inner.as_mut().expect("writer used after finish");
        w.write_record(fields)
            .map_err(|e| write_error(&self.name, e))
    }

    /// Writes one line as it is (no quoting): the frame lines of a shard file.
    pub(crate) fn write_raw_line(&mut self, line: &str) -> Result<()> {
        let w = self.inner.take().expect("writer used after finish");
        let mut sink = w
            .into_inner()
            .map_err(|e| Error::io(&self.name, e.into_error()))?;
        sink.write_all(line.as_bytes())
            .and_then(|()| sink.write_all(b"\n"))
            .map_err(|e| Error::io(&self.name, e))?;
        self.inner = Some(Self::csv(sink));
        Ok(())
    }

    /// Flushes, and for a file renames the temporary into place.
    pub fn finish(mut self) -> Result<()> {
        if let Some(w) = self.inner.take() {
            let mut sink = w
                .into_inner()
                .map_err(|e| Error::io(&self.name, e.into_error()))?;
            if let Some(mut rows) = self.votable.take() {
                let names = if rows.is_empty() {
                    Vec::new()
                } else {
                    rows.remove(0)
                };
                votable::write(&mut sink, &names, &rows).map_err(|e| Error::io(&self.name, e))?;
            }
            sink.flush().map_err(|e| Error::io(&self.name, e))?;
        }
        if let Some((tmp, dest)) = self.pending.take() {
            std::fs::rename(&tmp, &dest).map_err(|e| Error::io(&self.name, e))?;
        }
        Ok(())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if let Some((tmp, _)) = self.pending.take() {
            self.inner.take();
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Whether `path` is a device or a FIFO (`-o /dev/null`): written in place, since
/// renaming a temporary file over it would replace the device (as root) by a file.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// The temporary name beside `path` that an atomic write goes through: hidden, and
/// unique to the process, so that concurrent make jobs never share one.
pub(crate) fn temporary_path(path: &Path) -> Result<PathBuf> {
    let name = path.display().to_string();
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::file(&name, "not a file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".tmp{}", std::process::id()));
    Ok(path.with_file_name(tmp_name))
}

/// Writes a whole file atomically: to [`temporary_path`], then renamed into place,
/// so that a reader (or make) never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path.display().to_string();
    if is_special(path) {
        return std::fs::write(path, bytes).map_err(|e| Error::io(&name, e));
    }
    let tmp = temporary_path(path)?;
    // A failed write (a full disk) leaves no partial temporary behind either.
    std::fs::write(&tmp, bytes).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(&name, e)
    })?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(&name, e)
    })
}

/// A whole output (a figure, a page, a region file) to a file, atomically, or to
/// standard output for `None` or `-`.
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        Some(p) if p.as_os_str() != "-" => write_atomically(p, bytes),
        _ => {
            let mut out = io::stdout().lock();
            out.write_all(bytes)
                .and_then(|()| out.flush())
                .map_err(|e| Error::io("<stdout>", e))
        }
    }
}

fn write_error(name: &str, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(name, io),
        other => Error::file(name, format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &'static str) -> Result<Table> {
        Table::from_bytes("t.csv", text.as_bytes())
    }

    /// A source that hands out at most `step` bytes per read.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    #[test]
    fn crlf_becomes_lf_across_any_read_boundary() {
        let inputs = [
            "a,b\r\n1,2\r\n",
            "\r\r\n\r",
            "x\ry\r\r",
            "",
            "\r",
            "\n\r\n\n",
        ];
        for text in inputs {
            let want = text.replace("\r\n", "\n");
            for step in 1..=4 {
                for buf_len in [1, 2, 3, 64] {
                    let source = Trickle {
                        bytes: text.as_bytes(),
                        step,
                    };
                    let mut r = CrlfToLf::new(BufReader::with_capacity(step, source));
                    let mut got = Vec::new();
                    let mut buf = vec![0u8; buf_len];
                    loop {
                        let n = r.read(&mut buf).unwrap();
                        if n == 0 {
                            break;
                        }
                        got.extend_from_slice(&buf[..n]);
                    }
                    assert_eq!(
                        got,
                        want.as_bytes(),
                        "{text:?} step {step} buffer {buf_len}"
                    );
                }
            }
        }
    }

    #[test]
    fn windows_line_ends_give_the_right_line() {
        let e = read("a,b\r\n1,2\r\n3,x\r\n").unwrap().rows[1]
            .num(1)
            .unwrap_err();
        assert!(e.to_string().starts_with("t.csv:3: column 2 (b)"), "{e}");
        let t = read("a,b\r\n1,2\r\n").unwrap();
        assert_eq!(t.rows[0].text(1), "2");
    }

    #[test]
    fn numbers_are_trimmed_and_strict() {
        let t = read("a,b,c\n  1.5 ,  , nan\n").unwrap();
        let r = &t.rows[0];
        assert_eq!(r.num(0).unwrap(), Some(1.5));
        assert_eq!(r.num(1).unwrap(), None);
        assert_eq!(r.num(2).unwrap(), None);
        let t = read("a,b\n1,x1\n").unwrap();
        let e = t.rows[0].num(1).unwrap_err().to_string();
        assert_eq!(e, "t.csv:2: column 2 (b): not a number: 'x1'");
        let t = read("a\ninf\n").unwrap();
        assert!(t.rows[0].num(0).is_err());
    }

    #[test]
    fn flags_accept_csc_spellings() {
        let t = read("a,b,c,d\n  TRUE ,False,false,\n").unwrap();
        let r = &t.rows[0];
        assert_eq!(r.flag(0).unwrap(), Some(true));
        assert_eq!(r.flag(1).unwrap(), Some(false));
        assert_eq!(r.flag(2).unwrap(), Some(false));
        assert_eq!(r.flag(3).unwrap(), None);
    }

    #[test]
    fn header_errors_name_the_column() {
        let t = read("a,b,a\n1,2,3\n").unwrap();
        let e = t.header.require("a").unwrap_err().to_string();
        assert!(
            e.starts_with("t.csv:1: column 3 (a): ambiguous header"),
            "{e}"
        );
        let e = t.header.require("zz").unwrap_err().to_string();
        assert_eq!(e, "t.csv:1: missing required column 'zz'");
    }

    #[test]
    fn short_rows_and_empty_input_are_errors() {
        let e = read("a,b,c\n1,2,3\n4,5\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "t.csv:3: column 3 (c): short row: 2 fields where the header has 3"
        );
        let e = read("").unwrap_err().to_string();
        assert_eq!(e, "t.csv: empty input: no header line");
    }

    #[test]
    fn layout_replaces_in_place_and_appends() {
        let t = read("x,P_AGN,y\n1,0.5,2\n").unwrap();
        let layout = t.header.extended(&["P_AGN", "CT"]).unwrap();
        assert_eq!(layout.names, ["x", "P_AGN", "y", "CT"]);
        let values = vec!["0.9".to_string(), "3".to_string()];
        assert_eq!(
            layout.row(&t.rows[0].record, &values),
            ["1", "0.9", "2", "3"]
        );
    }

    #[test]
    fn fifos_and_devices_are_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = std::env::temp_dir().join(format!("table-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        let mut w = Writer::create(Some(&fifo)).unwrap();
        w.write_row(["a", "b"]).unwrap();
        w.finish().unwrap();
        assert_eq!(reader.join().unwrap(), b"a,b\n");
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_atomically(&fifo, b"x").unwrap();
        assert_eq!(reader.join().unwrap(), b"x");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn numbers_round_trip_in_shortest_form() {
        let fill = 7.978845608028654e-18;
        assert_eq!(fmt_f64(fill).parse::<f64>().unwrap(), fill);
        assert_eq!(fmt_f64(1e-17), "1e-17");
        assert_eq!(fmt_f64(2.0), "2");
        assert_eq!(fmt_f64(0.125), "0.125");
        assert_eq!(fmt_f64(f64::NAN), "");
        assert_eq!(fmt_num(None), "");
    }
}
