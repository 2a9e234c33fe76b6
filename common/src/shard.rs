//! Shard files and their merge. A shard file holds the per-replica rows of the units of
//! one shard (`classify --shard I/N`, `loocv --shard I/N`), framed by lines that record
//! what run they belong to:
//!
//! ```text
//! #muwclass-shard study=classify shard=2/7 seed=1 mc=4 trees=100 k=4 error_scale=1 bin_width=0.025 training_set=fnv:… input=fnv:… map=embedded
//! #plan 44:3 45:10 …                 (the run's groups, id:sources, in output order)
//! CSCv2_name,ebv,ebv_bin,replica,P_AGN,…
//! …rows…
//! #end rows=1234
//! ```
//!
//! The merge takes shard files in any order, whole or concatenated, with or without
//! their header lines, and refuses sets that are incomplete (naming the missing
//! units), overlapping, truncated or from different runs.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::classes::{N_CLASSES, class_index};
use crate::error::{Error, Location, Result};
use crate::plan::{Plan, ShardSpec, Study, Unit};
use crate::results::{LeftOut, Samples, classify_replica_columns, loocv_replica_columns};
use crate::table::{Writer, parse_num};

const MAGIC: &str = "#muwclass-shard";
const PLAN: &str = "#plan";
const END: &str = "#end";

/// FNV-1a over bytes, continuing from `h` (start from [`FNV_START`]).
pub(crate) fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

pub(crate) const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// The identity of a table's content (header and cells, whatever its line ends), as
/// a shard file records it: `fnv:` and 16 hex digits.
pub fn table_identity(table: &crate::table::Table) -> String {
    let mut h = FNV_START;
    for name in table.header.names() {
        h = fnv1a(fnv1a(h, name.as_bytes()), b"\x1f");
    }
    for row in &table.rows {
        h = fnv1a(h, b"\x1e");
        for cell in &row.record {
            h = fnv1a(fnv1a(h, cell.as_bytes()), b"\x1f");
        }
    }
    format!("fnv:{h:016x}")
}

/// The identity of a file's bytes, or `embedded` for an embedded default.
pub(crate) fn file_identity(path: Option<&Path>) -> Result<String> {
    match path {
        None => Ok("embedded".to_string()),
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| Error::io(&p.display().to_string(), e))?;
            Ok(format!("fnv:{:016x}", fnv1a(FNV_START, &bytes)))
        }
    }
}

/// The options of a run that its numbers depend on, `key=value` in a fixed order
/// (values without spaces): every shard of a run records the same.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions(pub Vec<(String, String)>);

impl RunOptions {
    fn text(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        parts.join(" ")
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The options every replica-running study records: seed, replicas and the
/// replica settings; a study adds its own with [`RunOptions::with`].
/// `map` is the E(B-V) map given (`None`: the embedded one).
pub fn run_options(
    seed: u64,
    replicas: usize,
    opts: &crate::replica::ReplicaOptions,
    map: Option<&Path>,
) -> Result<RunOptions> {
    let mut options = vec![
        ("seed".into(), seed.to_string()),
        ("mc".into(), replicas.to_string()),
        ("trees".into(), opts.forest.n_trees.to_string()),
        ("k".into(), opts.k.to_string()),
        (
            "error_scale".into(),
            crate::table::fmt_f64(opts.mc.error_scale),
        ),
        ("map".into(), file_identity(map)?),
    ];
    // The methods beyond the paper, named only when used (paper-mode shards unchanged).
    if opts.features != crate::features::FeatureSet::Paper {
        options.push(("features".into(), opts.features.name().to_string()));
    }
    if opts.forest.class_weight != crate::forest::ClassWeight::None {
        let name = opts.forest.class_weight.name();
        options.push(("class_weight".into(), name.to_string()));
    }
    if let Some(po) = &opts.oversample {
        options.push(("oversample".into(), crate::table::fmt_f64(po.fraction)));
    }
    Ok(RunOptions(options))
}

impl RunOptions {
    pub fn with(mut self, key: &str, value: impl Into<String>) -> RunOptions {
        let value: String = value.into();
        // Values are space-separated words of the shard line.
        self.0
            .push((key.to_string(), value.replace(char::is_whitespace, "_")));
        self
    }
}

/// Writes a shard file: the frame around `rows`, which writes the per-replica rows
/// of the shard's units and returns how many it wrote.
pub fn write_shard(
    path: Option<&Path>,
    shard: ShardSpec,
    options: &RunOptions,
    plan: &Plan,
    rows: impl FnOnce(&mut Writer) -> Result<usize>,
) -> Result<()> {
    let mut w = Writer::create(path)?;
    w.write_raw_line(&format!(
        "{MAGIC} study={} shard={shard} {}",
        plan.study.name(),
        options.text()
    ))?;
    w.write_raw_line(&format!("{PLAN} {}", plan.groups_text()))?;
    w.write_row(columns(plan.study))?;
    let n = rows(&mut w)?;
    w.write_raw_line(&format!("{END} rows={n}"))?;
    w.finish()
}

fn columns(study: Study) -> Vec<String> {
    match study {
        Study::Classify => classify_replica_columns(),
        Study::Loocv => loocv_replica_columns(),
    }
}

/// One per-replica row read back.
#[derive(Debug, Clone)]
struct ShardRow {
    /// Where the row was read, for messages.
    file: String,
    line: u64,
    name: String,
    /// `ebv` (classify) or the literature class (loocv).
    ebv: f64,
    truth: Option<usize>,
    group: u64,
    replica: usize,
    p: [f64; N_CLASSES],
}

/// A complete, consistent set of shards.
pub(crate) struct Merged {
    pub study: Study,
    pub options: RunOptions,
    pub plan: Plan,
    /// Per unit in plan order, its rows in the order written (a bin's members in
    /// table order; a fold's one source).
    rows: Vec<Vec<ShardRow>>,
}

/// What a section of a shard file announced, and where.
struct Section {
    file: String,
    line: u64,
    shard: ShardSpec,
    options: RunOptions,
    plan: Option<Plan>,
    rows: Vec<ShardRow>,
}

struct Merger {
    first: Option<(String, Study, RunOptions, usize)>,
    plan: Option<Plan>,
    seen: HashMap<usize, String>,
    done: Vec<Section>,
}

fn at(file: &str, line: u64) -> Location {
    Location {
        file: file.to_string(),
        line: Some(line),
        column: None,
    }
}

impl Merger {
    fn open(&mut self, file: &str, line: u64, text: &str) -> Result<Section> {
        let err = |msg: String| Error::input(at(file, line), msg);
        let mut study = None;
        let mut shard = None;
        let mut options = Vec::new();
        for part in text[MAGIC.len()..].split_ascii_whitespace() {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| err(format!("not key=value in the shard line: '{part}'")))?;
            match k {
                "study" => {
                    study =
                        Some(Study::parse(v).ok_or_else(|| err(format!("unknown study '{v}'")))?)
                }
                "shard" => {
                    shard = Some(
                        v.parse::<ShardSpec>()
                            .map_err(|e| err(format!("bad shard line: {e}")))?,
                    )
                }
                _ => options.push((k.to_string(), v.to_string())),
            }
        }
        let (Some(study), Some(shard)) = (study, shard) else {
            return Err(err("shard line without study= or shard=".into()));
        };
        let options = RunOptions(options);
        match &self.first {
            None => {
                self.first = Some((
                    format!("{file}:{line}"),
                    study,
                    options.clone(),
                    shard.count,
                ))
            }
            Some((where0, study0, options0, count0)) => {
                if *study0 != study {
                    return Err(err(format!(
                        "a {} shard among {} shards ({where0}): shards of another run",
                        study.name(),
                        study0.name()
                    )));
                }
                if let Some(diff) = difference(options0, &options) {
                    return Err(err(format!(
                        "shard of another run: {diff} ({where0} has {})",
                        options0_value(options0, &diff)
                    )));
                }
                if *count0 != shard.count {
                    return Err(err(format!(
                        "shard {shard} of a run split in {} shards, {where0} is of a run split in {count0}",
                        shard.count
                    )));
                }
            }
        }
        if let Some(prev) = self.seen.get(&shard.index) {
            return Err(err(format!(
                "overlapping shards: shard {shard} is also in {prev}"
            )));
        }
        self.seen.insert(shard.index, format!("{file}:{line}"));
        Ok(Section {
            file: file.to_string(),
            line,
            shard,
            options,
            plan: None,
            rows: Vec::new(),
        })
    }
}

/// The first option that differs, as `key=value` of the second set.
fn difference(a: &RunOptions, b: &RunOptions) -> Option<String> {
    for (k, v) in &b.0 {
        if a.get(k) != Some(v.as_str()) {
            return Some(format!("{k}={v}"));
        }
    }
    a.0.iter()
        .find(|(k, _)| b.get(k).is_none())
        .map(|(k, _)| format!("{k} missing"))
}

fn options0_value(a: &RunOptions, diff: &str) -> String {
    let key = diff.split(['=', ' ']).next().unwrap_or("");
    match a.get(key) {
        Some(v) => format!("{key}={v}"),
        None => format!("no {key}"),
    }
}

fn parse_row(study: Study, file: &str, line: u64, text: &str) -> Result<ShardRow> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let ok = reader.read_record(&mut record).unwrap_or(false);
    let names = columns(study);
    let cell_err = |c: usize, msg: String| {
        Error::input(
            Location {
                file: file.to_string(),
                line: Some(line),
                column: Some((c, names[c].clone())),
            },
            msg,
        )
    };
    if !ok || record.len() != names.len() {
        return Err(Error::input(
            at(file, line),
            format!(
                "{} fields where a {} shard row has {}",
                record.len(),
                study.name(),
                names.len()
            ),
        ));
    }
    let num = |c: usize| -> Result<f64> {
        parse_num(record[c].trim())
            .map_err(|m| cell_err(c, m))?
            .ok_or_else(|| cell_err(c, "missing value".into()))
    };
    let int = |c: usize| -> Result<u64> {
        record[c]
            .trim()
            .parse::<u64>()
            .map_err(|_| cell_err(c, format!("not a whole number: '{}'", &record[c])))
    };
    let mut p = [0.0; N_CLASSES];
    for (c, v) in p.iter_mut().enumerate() {
        *v = num(4 + c)?;
    }
    let (ebv, truth) = match study {
        Study::Classify => (num(1)?, None),
        Study::Loocv => {
            let label = record[1].trim();
            let truth = if label.is_empty() {
                None
            } else {
                Some(
                    class_index(label)
                        .ok_or_else(|| cell_err(1, format!("unknown class '{label}'")))?,
                )
            };
            (f64::NAN, truth)
        }
    };
    Ok(ShardRow {
        file: file.to_string(),
        line,
        name: record[0].to_string(),
        ebv,
        truth,
        group: int(2)?,
        replica: int(3)? as usize,
        p,
    })
}

impl Merger {
    /// Checks a finished section against the plan: rows of exactly its units.
    fn close(&mut self, mut s: Section, rows_line: u64, text: &str) -> Result<()> {
        let err = |msg: String| Error::input(at(&s.file, rows_line), msg);
        let n: usize = text[END.len()..]
            .trim()
            .strip_prefix("rows=")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| err(format!("not an end line: '{text}'")))?;
        if n != s.rows.len() {
            return Err(err(format!(
                "truncated shard {}: {} rows where its end line says {n}",
                s.shard,
                s.rows.len()
            )));
        }
        let plan = s
            .plan
            .take()
            .ok_or_else(|| err(format!("shard {} has no #plan line", s.shard)))?;
        match &self.plan {
            None => self.plan = Some(plan.clone()),
            Some(p) if *p == plan => {}
            Some(_) => {
                return Err(Error::input(
                    at(&s.file, s.line),
                    format!(
                        "shard {} plans other units than the other shards: shards of another run",
                        s.shard
                    ),
                ));
            }
        }
        s.plan = Some(plan);
        self.done.push(s);
        Ok(())
    }
}

/// Reads shard files (any order, whole or concatenated, header lines repeated or
/// not) and checks that they are one complete run without overlap.
pub(crate) fn read_shards(paths: &[PathBuf]) -> Result<Merged> {
    let mut m = Merger {
        first: None,
        plan: None,
        seen: HashMap::new(),
        done: Vec::new(),
    };
    if paths.is_empty() {
        return Err(Error::invalid("--merge needs at least one shard file"));
    }
    for path in paths {
        let file = path.display().to_string();
        let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::io::BufReader::new(
                std::fs::File::open(path).map_err(|e| Error::io(&file, e))?,
            ))
        };
        let mut reader = reader;
        let mut open: Option<Section> = None;
        let mut line_no = 0u64;
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| Error::io(&file, e))?;
            if n == 0 {
                break;
            }
            line_no += 1;
            if line.pop() != Some(b'\n') {
                return Err(Error::input(
                    at(&file, line_no),
                    match &open {
                        Some(s) => {
                            format!("truncated shard {}: the file ends inside a line", s.shard)
                        }
                        None => "truncated file: it ends inside a line".to_string(),
                    },
                ));
            }
            let text = std::str::from_utf8(&line)
                .map_err(|_| Error::input(at(&file, line_no), "invalid UTF-8".to_string()))?;
            let text = text.strip_suffix('\r').unwrap_or(text);
            if text.starts_with(MAGIC) {
                if let Some(s) = &open {
                    return Err(Error::input(
                        at(&file, line_no),
                        format!(
                            "truncated shard {} (from line {}): no end line before the next shard",
                            s.shard, s.line
                        ),
                    ));
                }
                open = Some(m.open(&file, line_no, text)?);
            } else if let Some(rest) = text.strip_prefix(PLAN) {
                let s = open.as_mut().ok_or_else(|| {
                    Error::input(at(&file, line_no), "#plan line outside a shard".to_string())
                })?;
                let groups =
                    Plan::parse_groups(rest).map_err(|e| Error::input(at(&file, line_no), e))?;
                let replicas = s
                    .options
                    .get("mc")
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| {
                        Error::input(at(&file, line_no), "shard line without mc=".to_string())
                    })?;
                let study = m.first.as_ref().map_or(Study::Classify, |f| f.1);
                s.plan = Some(Plan {
                    study,
                    groups,
                    replicas,
                });
            } else if text.starts_with(END) {
                let s = open.take().ok_or_else(|| {
                    Error::input(at(&file, line_no), "#end line outside a shard".to_string())
                })?;
                m.close(s, line_no, text)?;
            } else if text.is_empty() {
                continue;
            } else {
                let s = open.as_mut().ok_or_else(|| {
                    Error::input(
                        at(&file, line_no),
                        "a row outside a shard: not a shard file (no #muwclass-shard line)"
                            .to_string(),
                    )
                })?;
                let study = m.first.as_ref().map_or(Study::Classify, |f| f.1);
                if text.split(',').next() == Some(crate::schema::NAME)
                    && text == columns(study).join(",")
                {
                    continue;
                }
                s.rows.push(parse_row(study, &file, line_no, text)?);
            }
        }
        if let Some(s) = open {
            return Err(Error::file(
                &file,
                format!(
                    "truncated shard {} (from line {}): the file ends before its end line",
                    s.shard, s.line
                ),
            ));
        }
    }
    let (_, study, options, count) = m.first.clone().expect("a shard was read");
    let plan = m.plan.clone().expect("a shard was closed");
    let assign = plan.assign(count);
    let units: Vec<Unit> = plan.units().collect();
    let missing: Vec<usize> = (1..=count).filter(|i| !m.seen.contains_key(i)).collect();
    if !missing.is_empty() {
        let lost: Vec<Unit> = units
            .iter()
            .zip(&assign)
            .filter(|(_, s)| missing.contains(&(**s + 1)))
            .map(|(u, _)| *u)
            .collect();
        let names: Vec<String> = missing.iter().map(|i| format!("{i}/{count}")).collect();
        return Err(Error::invalid(format!(
            "incomplete set of shards: missing shard{} {} (units {})",
            if missing.len() > 1 { "s" } else { "" },
            names.join(", "),
            plan.describe_units(&lost, 6)
        )));
    }
    // Every unit's rows, from the shard that owns it.
    let index: HashMap<(u64, usize), usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| ((plan.groups[u.group].id, u.replica), i))
        .collect();
    let mut rows: Vec<Vec<ShardRow>> = vec![Vec::new(); units.len()];
    for s in m.done {
        for r in s.rows {
            let Some(&i) = index.get(&(r.group, r.replica)) else {
                return Err(Error::file(
                    &s.file,
                    format!(
                        "shard {}: a row of {} {} replica {}, which the run's plan does not have",
                        s.shard,
                        study.group_name(),
                        r.group,
                        r.replica
                    ),
                ));
            };
            if assign[i] + 1 != s.shard.index {
                return Err(Error::file(
                    &s.file,
                    format!(
                        "shard {}: rows of {}, a unit of shard {}/{count}",
                        s.shard,
                        plan.describe(units[i]),
                        assign[i] + 1
                    ),
                ));
            }
            rows[i].push(r);
        }
    }
    for (i, u) in units.iter().enumerate() {
        let want = plan.groups[u.group].sources;
        if rows[i].len() != want {
            return Err(Error::invalid(format!(
                "shard {}/{count}: {} has {} rows where its {} has {want} sources",
                assign[i] + 1,
                plan.describe(*u),
                rows[i].len(),
                study.group_name()
            )));
        }
    }
    Ok(Merged {
        study,
        options,
        plan,
        rows,
    })
}

impl Merged {
    /// The run option `key` as recorded.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.get(key)
    }

    /// A LOOCV's left-out sources in plan order and their replicas in replica order.
    pub fn loocv(&self) -> Result<(Vec<LeftOut>, Samples)> {
        let mut sources = Vec::with_capacity(self.plan.groups.len());
        let mut samples = Vec::with_capacity(self.plan.groups.len());
        for (g, group) in self.plan.groups.iter().enumerate() {
            let base = g * self.plan.replicas;
            let first = &self.rows[base][0];
            sources.push(LeftOut {
                name: first.name.clone(),
                truth: first.truth,
                fold: group.id,
            });
            let mut s = Vec::with_capacity(self.plan.replicas);
            for r in 0..self.plan.replicas {
                let row = &self.rows[base + r][0];
                if row.name != first.name {
                    return Err(Error::input(
                        at(&row.file, row.line),
                        format!(
                            "fold {}: replica {r} is of '{}', replica 0 ({}:{}) of '{}'",
                            group.id, row.name, first.file, first.line, first.name
                        ),
                    ));
                }
                s.push(row.p);
            }
            samples.push(s);
        }
        Ok((sources, samples))
    }

    /// A classification's E(B-V) and replicas for each of `names` (the rows of the
    /// table the run classified), by source name.
    pub fn classify(&self, names: &[String]) -> Result<(Vec<f64>, Samples)> {
        let replicas = self.plan.replicas;
        // Per source: its E(B-V), its bin (the unit of its first row, divided by the
        // replicas) and the replicas found so far.
        type Partial = (f64, usize, Vec<Option<[f64; N_CLASSES]>>);
        let mut by_name: HashMap<&str, Partial> = HashMap::new();
        for (i, unit_rows) in self.rows.iter().enumerate() {
            let r = i % replicas;
            for row in unit_rows {
                let entry = by_name
                    .entry(row.name.as_str())
                    .or_insert_with(|| (row.ebv, i / replicas, vec![None; replicas]));
                if entry.2[r].is_some() {
                    return Err(Error::input(
                        at(&row.file, row.line),
                        format!(
                            "source '{}' has two rows for replica {r}: source names must be unique to merge",
                            row.name
                        ),
                    ));
                }
                entry.2[r] = Some(row.p);
            }
        }
        let mut ebv = Vec::with_capacity(names.len());
        let mut samples = Vec::with_capacity(names.len());
        for name in names {
            let (e, bin, s) = by_name.get(name.trim()).ok_or_else(|| {
                Error::invalid(format!(
                    "source '{name}' of the table is in no shard: not the table these shards classified"
                ))
            })?;
            ebv.push(*e);
            let mut replica_p = Vec::with_capacity(replicas);
            for (r, p) in s.iter().enumerate() {
                // The unit of the source's bin and this replica holds other names.
                let unit = &self.rows[bin * replicas + r];
                let found = p.ok_or_else(|| match unit.first() {
                    Some(row) => Error::input(
                        at(&row.file, row.line),
                        format!(
                            "source '{}' has no row for replica {r}: this shard's rows of its bin name other sources",
                            name.trim()
                        ),
                    ),
                    None => Error::invalid(format!(
                        "source '{}' has no row for replica {r}",
                        name.trim()
                    )),
                })?;
                replica_p.push(found);
            }
            samples.push(replica_p);
        }
        Ok((ebv, samples))
    }
}

/// Where a merge writes: the table (`None`: standard output), and optionally the
/// per-replica rows and (LOOCV) the metrics, as the unsharded run writes them.
pub struct MergeOutputs<'a> {
    pub table: Option<&'a Path>,
    pub replicas: Option<&'a Path>,
    pub metrics: Option<&'a Path>,
    pub ct_cut: f64,
    /// The class summary on stderr (`tool: …` lines), as `classify` prints it.
    pub report: Option<&'a str>,
}

/// Merges shard files into the very bytes the unsharded run writes: for `classify`
/// shards the table is `join` (the table they classified, checked by content); for
/// `loocv` shards no table is joined.
pub fn merge(paths: &[PathBuf], join: Option<&Path>, out: &MergeOutputs) -> Result<()> {
    let merged = read_shards(paths)?;
    match merged.study {
        Study::Loocv => {
            if join.is_some() {
                return Err(Error::invalid(
                    "these are loocv shards: --join is for classify shards",
                ));
            }
            let (sources, samples) = merged.loocv()?;
            crate::results::write_loocv(
                &sources,
                &samples,
                &crate::results::LoocvOutputs {
                    table: out.table,
                    replicas: out.replicas,
                    metrics: out.metrics,
                    ct_cut: out.ct_cut,
                },
            )
        }
        Study::Classify => {
            let join = join.ok_or_else(|| {
                Error::invalid(
                    "these are classify shards: give --join TABLE, the table they classified",
                )
            })?;
            if out.metrics.is_some() {
                return Err(Error::invalid(
                    "--metrics of classify shards: score the merged table with ctscore --aggregated --class-column COLUMN",
                ));
            }
            let table = crate::table::Table::read(Some(join))?;
            let identity = table_identity(&table);
            if merged.option("input") != Some(identity.as_str()) {
                return Err(Error::file(
                    &join.display().to_string(),
                    format!(
                        "not the table these shards classified (content {identity}, shards input={})",
                        merged.option("input").unwrap_or("?")
                    ),
                ));
            }
            let id = table.header.require(crate::schema::NAME)?;
            let names: Vec<String> = table.rows.iter().map(|r| r.text(id).to_string()).collect();
            let binning = merged.binning()?;
            let (ebv, samples) = merged.classify(&names)?;
            let summaries = crate::results::write_classified(
                &table, &ebv, &binning, &samples, None, out.table,
            )?;
            let bins = crate::bins::ebv_bins(&ebv, &binning);
            if let Some(path) = out.replicas {
                crate::results::write_classify_replicas(
                    path, &names, &ebv, &binning, &bins, &samples,
                )?;
            }
            if let Some(tool) = out.report {
                let td = crate::sources::Sources::embedded_training_set()?;
                eprint!(
                    "{}",
                    crate::report::classified_report(
                        tool,
                        &names,
                        &summaries,
                        bins.len(),
                        merged.plan.replicas,
                        &td,
                        out.ct_cut
                    )
                );
            }
            Ok(())
        }
    }
}

impl Merged {
    /// The E(B-V) bins the shards were computed with.
    pub fn binning(&self) -> Result<crate::bins::Binning> {
        let num = |key: &str| -> Result<Option<f64>> {
            self.option(key)
                .map(|v| {
                    v.parse::<f64>().map_err(|_| {
                        Error::invalid(format!("shard option {key}={v} is not a number"))
                    })
                })
                .transpose()
        };
        match (num("bin_width")?, num("bin_rel")?) {
            (_, Some(f)) => crate::bins::Binning::new(crate::redden::EBV_BIN_WIDTH, Some(f)),
            (Some(w), None) => crate::bins::Binning::new(w, None),
            (None, None) => Err(Error::invalid(
                "the shards record no E(B-V) bins (bin_width=)",
            )),
        }
    }
}
