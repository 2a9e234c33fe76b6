//! `query`: the printed commands are the ones `--run` runs; the ADQL is well formed
//! (checked by structure: tokens, clauses, select list, table aliases, geometry
//! functions); the answers the queries describe, built from the example field with
//! the queries' column names, give `fechner` and `xmatch` the results of the
//! example's own files; no network is a one-line error.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use common::table::Table;

use crate::util::*;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Delimited(String),
    Str(String),
    Num(String),
    Punct(String),
}

fn tokenize(q: &str) -> Result<Vec<Tok>, String> {
    let c: Vec<char> = q.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch.is_ascii_alphabetic() {
            let s = i;
            while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Tok::Word(c[s..i].iter().collect()));
        } else if ch.is_ascii_digit()
            || (ch == '-'
                && c.get(i + 1).is_some_and(|d| d.is_ascii_digit())
                && matches!(out.last(), Some(Tok::Punct(p)) if p == "," || p == "(" || p == "=" || p == "<=" || p == ">="))
            || (matches!(out.last(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case("BETWEEN") || w.eq_ignore_ascii_case("AND"))
                && ch == '-')
        {
            let s = i;
            i += 1;
            while i < c.len()
                && (c[i].is_ascii_digit()
                    || c[i] == '.'
                    || c[i] == 'e'
                    || c[i] == 'E'
                    || ((c[i] == '-' || c[i] == '+') && matches!(c[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let n: String = c[s..i].iter().collect();
            n.parse::<f64>().map_err(|_| format!("bad number {n}"))?;
            out.push(Tok::Num(n));
        } else if ch == '\'' || ch == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match c.get(i) {
                    None => return Err(format!("unclosed {ch}")),
                    Some(&x) if x == ch && c.get(i + 1) == Some(&ch) => {
                        s.push(ch);
                        i += 2;
                    }
                    Some(&x) if x == ch => {
                        i += 1;
                        break;
                    }
                    Some(&x) => {
                        s.push(x);
                        i += 1;
                    }
                }
            }
            out.push(if ch == '\'' {
                Tok::Str(s)
            } else {
                Tok::Delimited(s)
            });
        } else {
            let two: String = c[i..(i + 2).min(c.len())].iter().collect();
            if ["<=", ">=", "<>"].contains(&two.as_str()) {
                out.push(Tok::Punct(two));
                i += 2;
            } else if "(),.=<>*+-/".contains(ch) {
                out.push(Tok::Punct(ch.to_string()));
                i += 1;
            } else {
                return Err(format!("unexpected character {ch:?}"));
            }
        }
    }
    Ok(out)
}

const RESERVED: [&str; 24] = [
    "SELECT", "FROM", "WHERE", "ORDER", "BY", "GROUP", "HAVING", "AS", "AND", "OR", "NOT", "IN",
    "BETWEEN", "DISTINCT", "TOP", "ASC", "DESC", "JOIN", "ON", "IS", "NULL", "LIKE", "UNION",
    "ALL",
];

fn is_kw(t: &Tok, kw: &str) -> bool {
    matches!(t, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
}

fn punct(t: &Tok, p: &str) -> bool {
    matches!(t, Tok::Punct(x) if x == p)
}

/// Splits at top-level commas.
fn split_commas(toks: &[Tok]) -> Vec<&[Tok]> {
    let (mut depth, mut start, mut out) = (0, 0, Vec::new());
    for (i, t) in toks.iter().enumerate() {
        if punct(t, "(") {
            depth += 1;
        } else if punct(t, ")") {
            depth -= 1;
        } else if depth == 0 && punct(t, ",") {
            out.push(&toks[start..i]);
            start = i + 1;
        }
    }
    out.push(&toks[start..]);
    out
}

/// The arguments of the call whose name is at `toks[i]`, checking their count.
fn call_args(toks: &[Tok], i: usize) -> Result<(Vec<&[Tok]>, usize), String> {
    if !punct(toks.get(i + 1).ok_or("call without arguments")?, "(") {
        return Err(format!("{:?} is not followed by (", toks[i]));
    }
    let mut depth = 0;
    for (j, t) in toks.iter().enumerate().skip(i + 1) {
        if punct(t, "(") {
            depth += 1;
        } else if punct(t, ")") {
            depth -= 1;
            if depth == 0 {
                return Ok((split_commas(&toks[i + 2..j]), j));
            }
        }
    }
    Err("unclosed call".into())
}

/// Checks a query by structure and returns the names of its output columns.
fn check_adql(q: &str) -> Result<Vec<String>, String> {
    let toks = tokenize(q)?;
    let mut depth = 0i32;
    for t in &toks {
        if punct(t, "(") {
            depth += 1;
        }
        if punct(t, ")") {
            depth -= 1;
        }
        if depth < 0 {
            return Err("unbalanced )".into());
        }
    }
    if depth != 0 {
        return Err("unbalanced (".into());
    }
    // Words that stand bare must not be reserved, except as the keywords they are.
    let top = |kw: &str| {
        let mut d = 0;
        toks.iter().position(|t| {
            if punct(t, "(") {
                d += 1;
            }
            if punct(t, ")") {
                d -= 1;
            }
            d == 0 && is_kw(t, kw)
        })
    };
    if !is_kw(&toks[0], "SELECT") {
        return Err("not a SELECT".into());
    }
    let from = top("FROM").ok_or("no FROM")?;
    let where_ = top("WHERE").ok_or("no WHERE")?;
    let order = top("ORDER");
    if !(from < where_ && order.is_none_or(|o| where_ < o && is_kw(&toks[o + 1], "BY"))) {
        return Err("clauses out of order".into());
    }
    let mut sel = 1;
    if is_kw(&toks[1], "DISTINCT") {
        sel = 2;
    }
    // FROM: table references and their aliases.
    let mut aliases = HashSet::new();
    for t in split_commas(&toks[from + 1..where_]) {
        match t {
            [Tok::Delimited(_)] | [Tok::Delimited(_), Tok::Word(_), Tok::Word(_)] => {}
            [Tok::Word(_), d, Tok::Word(_), Tok::Word(a)] if punct(d, ".") => {
                aliases.insert(a.clone());
            }
            _ => return Err(format!("bad table reference {t:?}")),
        }
    }
    // SELECT list: column references, or function calls with an alias.
    let mut names = Vec::new();
    for item in split_commas(&toks[sel..from]) {
        let (expr, alias) = match item {
            [e @ .., a, Tok::Word(n)] if is_kw(a, "AS") => (e, Some(n.clone())),
            e => (e, None),
        };
        let name = match expr {
            [Tok::Word(w)] => w.clone(),
            [Tok::Delimited(w)] => w.clone(),
            [Tok::Word(a), d, Tok::Word(c)] if punct(d, ".") => {
                if !aliases.contains(a) {
                    return Err(format!("unknown table alias {a}"));
                }
                c.clone()
            }
            [Tok::Word(s), d, Tok::Word(_), ..] if punct(d, ".") && s == "dbo" => {
                alias.clone().ok_or("a function without an alias")?
            }
            _ => return Err(format!("bad select item {item:?}")),
        };
        names.push(alias.unwrap_or(name));
    }
    // WHERE and ORDER BY: known functions with their argument counts, known aliases.
    let rest = &toks[where_ + 1..];
    for (i, t) in rest.iter().enumerate() {
        if let Tok::Word(w) = t {
            let up = w.to_ascii_uppercase();
            let arity = match up.as_str() {
                "CONTAINS" => Some(2),
                "POINT" => Some(3),
                "CIRCLE" => Some(4),
                _ => None,
            };
            if let Some(n) = arity {
                let (args, _) = call_args(rest, i)?;
                if args.len() != n {
                    return Err(format!("{up} takes {n} arguments"));
                }
                if up != "CONTAINS" && args[0] != [Tok::Str("ICRS".into())] {
                    return Err(format!("{up} without its 'ICRS' frame"));
                }
                if up == "CONTAINS"
                    && !(i >= 2 && punct(&rest[i - 1], "=") && rest[i - 2] == Tok::Num("1".into()))
                {
                    return Err("CONTAINS is not compared as 1=CONTAINS(...)".into());
                }
            } else if w == "dbo" {
                let Tok::Word(f) = &rest[i + 2] else {
                    return Err("dbo. without a function".into());
                };
                let (args, _) = call_args(rest, i + 2)?;
                if !["cone_distance", "separation"].contains(&f.as_str()) || args.len() != 4 {
                    return Err(format!("unknown dbo.{f} or wrong arguments"));
                }
            } else if rest.get(i + 1).is_some_and(|d| punct(d, ".")) && !aliases.contains(w) {
                return Err(format!("unknown table alias {w}"));
            }
        }
    }
    for t in &toks {
        if let Tok::Word(w) = t
            && RESERVED.contains(&w.to_ascii_uppercase().as_str())
            && names.contains(w)
        {
            return Err(format!("reserved word {w} as a column name"));
        }
    }
    Ok(names)
}

/// The words of a shell line as `sh` reads them (bare words and '...' quotes).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut w = String::new();
    let (mut in_word, mut quoted, mut escaped) = (false, false, false);
    for ch in line.chars() {
        if escaped {
            w.push(ch);
            escaped = false;
        } else if quoted {
            if ch == '\'' {
                quoted = false;
            } else {
                w.push(ch);
            }
        } else if ch == '\'' {
            quoted = true;
            in_word = true;
        } else if ch == '\\' {
            in_word = true;
            escaped = true;
        } else if ch == ' ' {
            if in_word {
                words.push(std::mem::take(&mut w));
                in_word = false;
            }
        } else {
            w.push(ch);
            in_word = true;
        }
    }
    if in_word {
        words.push(w);
    }
    words
}

/// A `curl` that records its arguments and answers with a prepared file.
fn fake_curl(dir: &Path, answers: &Path, fail: bool) -> std::path::PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = if fail {
        "#!/bin/sh\necho 'curl: (6) Could not resolve host: cda.cfa.harvard.edu' >&2\nexit 6\n"
            .to_string()
    } else {
        format!(
            "#!/bin/sh\nn=$(ls {calls} | wc -l)\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > {calls}/$n\n\
             out=''\nprev=''\nfor a in \"$@\"; do [ \"$prev\" = --output ] && out=$a; prev=$a; done\n\
             cp {answers}/$(basename \"$out\") \"$out\"\n",
            calls = dir.join("calls").display(),
            answers = answers.display()
        )
    };
    std::fs::create_dir_all(dir.join("calls")).unwrap();
    let curl = bin.join("curl");
    std::fs::write(&curl, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&curl, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn query(args: &[&str], path_prefix: Option<&Path>) -> Output {
    let mut cmd = Command::new(bin("query"));
    cmd.args(args);
    if let Some(p) = path_prefix {
        cmd.env(
            "PATH",
            format!(
                "{}:{}",
                p.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        );
    }
    let out = cmd.output().unwrap();
    Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The ADQL of each request in a dry run, by file stem.
fn adql_of(script: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in script.lines().filter(|l| l.starts_with("curl ")) {
        let words = shell_words(line);
        let q = words
            .iter()
            .find_map(|w| w.strip_prefix("QUERY="))
            .unwrap()
            .to_string();
        let output = &words[words.iter().position(|w| w == "--output").unwrap() + 1];
        let stem = Path::new(output)
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        out.push((stem, q));
    }
    out
}

/// The name a CSCview export re-saved by pandas gives a column of the CSC query's
/// answer: `<name>.1` for the per-observation twin of a master column.
fn csv_name(n: &str) -> String {
    match n.strip_suffix(common::fechner::OBS_ALIAS) {
        Some(base) if common::query::master_columns().contains(&base) => format!("{base}.1"),
        _ => n.to_string(),
    }
}

/// An example input table as the query's answer: the query's output columns, each
/// taken from the example's column of the same meaning.
fn answer(field: &str, key: &str, names: &[String]) -> (Vec<String>, Vec<Vec<String>>) {
    let t = Table::read(Some(&example(&format!("{field}/input/{key}.csv")))).unwrap();
    let source = |n: &str| -> String {
        if key == "per" {
            csv_name(n)
        } else if n == "2MASS" {
            "_2MASS_2mass".to_string()
        } else {
            format!("{n}_{key}")
        }
    };
    let cols: Vec<usize> = names
        .iter()
        .map(|n| {
            t.header
                .find(&source(n))
                .unwrap()
                .unwrap_or_else(|| panic!("{key}: the example has no column for {n}"))
        })
        .collect();
    let rows = t
        .rows
        .iter()
        // The example catalogs have a row for a source without a candidate.
        .filter(|r| key == "per" || !r.text(cols[0]).is_empty())
        .map(|r| {
            cols.iter()
                .zip(names)
                .map(|(&c, n)| match (key, n.as_str()) {
                    // TAP gives positions in degrees, CSCview sexagesimal.
                    ("per", "ra") => {
                        common::table::fmt_f64(common::fechner::angle(r.text(c), true).unwrap())
                    }
                    ("per", "dec") => {
                        common::table::fmt_f64(common::fechner::angle(r.text(c), false).unwrap())
                    }
                    _ => r.text(c).to_string(),
                })
                .collect()
        })
        .collect();
    (names.to_vec(), rows)
}

#[test]
fn the_dry_run_prints_the_commands_that_run_runs_and_the_answers_feed_the_tools() {
    let field = "ngc3532";
    let dir = tempdir("query");
    let out_dir = dir.join(field);
    let args = [
        "--ra",
        "166.28875",
        "--dec",
        "-58.85",
        "--radius",
        "12",
        "--dir",
        out_dir.to_str().unwrap(),
    ];
    let dry = query(&args, None);
    assert_eq!(dry.status, 0, "{}", dry.stderr);
    let requests = adql_of(&dry.stdout);
    let stems: Vec<&str> = requests.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        stems,
        ["per", "gaia", "2mass", "allwise", "catwise", "unwise"]
    );
    // Every query is well formed and selects what the tools need; the answers are the
    // example's tables under the queries' column names.
    let answers = dir.join("answers");
    std::fs::create_dir_all(&answers).unwrap();
    for (stem, q) in &requests {
        let names = check_adql(q).unwrap_or_else(|e| panic!("{stem}: {e}\n{q}"));
        let header = common::table::Header::new(stem, names.clone());
        match common::xmatch::CatalogKind::from_key(stem) {
            Some(kind) => kind.check_header(&header).unwrap(),
            None => {
                common::fechner::check_header(&header).unwrap();
                // The per-observation columns of the example, in the example's order.
                let csv = Table::read(Some(&example(&format!("{field}/input/per.csv")))).unwrap();
                let theirs: Vec<String> = csv
                    .header
                    .names()
                    .iter()
                    .filter(|n| *n != "usrid")
                    .cloned()
                    .collect();
                let ours: Vec<String> = names.iter().map(|n| csv_name(n)).collect();
                assert_eq!(ours, theirs);
            }
        }
        let (names, rows) = answer(field, stem, &names);
        let mut f = std::fs::File::create(answers.join(format!("{stem}.vot"))).unwrap();
        common::table::votable::write(&mut f, &names, &rows).unwrap();
    }
    // --run runs exactly the printed commands, in order.
    let fake = fake_curl(&dir, &answers, false);
    let run = query(&[&args[..], &["--run"]].concat(), Some(&fake));
    assert_eq!(run.status, 0, "{}", run.stderr);
    let printed: Vec<Vec<String>> = dry
        .stdout
        .lines()
        .filter(|l| l.starts_with("curl "))
        .map(shell_words)
        .collect();
    let mut ran = Vec::new();
    for n in 0..printed.len() {
        let bytes = std::fs::read(dir.join("calls").join(n.to_string())).unwrap();
        let mut argv = vec!["curl".to_string()];
        argv.extend(
            bytes
                .split(|&b| b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8(a.to_vec()).unwrap()),
        );
        ran.push(argv);
    }
    assert_eq!(ran, printed);
    // The files it wrote give fechner and xmatch the example's results (fechner
    // groups by name: the answers have no CSCview usrid).
    let per = out_dir.join("input/per.vot");
    let ave = run_ok("fechner", &[per.to_str().unwrap()], None);
    let want_ave = run_ok(
        "fechner",
        &[
            "--by-name",
            example(&format!("{field}/input/per.csv")).to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(ave, want_ave);
    let ave_path = dir.join("ave.csv");
    std::fs::write(&ave_path, &ave).unwrap();
    let xmatch_args = |dir: &Path, ext: &str| {
        let mut a: Vec<String> = Vec::new();
        for c in CATALOGS {
            a.push(format!("--{c}"));
            a.push(dir.join(format!("{c}.{ext}")).display().to_string());
        }
        a.push(ave_path.display().to_string());
        a
    };
    let mw = run_ok(
        "xmatch",
        &refs(&xmatch_args(&out_dir.join("input"), "vot")),
        None,
    );
    let want_mw = run_ok(
        "xmatch",
        &refs(&xmatch_args(&example(&format!("{field}/input")), "csv")),
        None,
    );
    // The answers hold the example's catalog rows (without its empty "no candidate"
    // rows, which xmatch skips): the same counterparts, separations and densities.
    assert_eq!(mw, want_mw);
}

#[test]
fn run_without_a_network_is_one_line_and_exit_2() {
    let dir = tempdir("query-offline");
    let fake = fake_curl(&dir, &dir, true);
    let out_dir = dir.join("f");
    let out = query(
        &[
            "--ra",
            "10",
            "--dec",
            "-5",
            "--radius",
            "3",
            "--dir",
            out_dir.to_str().unwrap(),
            "--run",
        ],
        Some(&fake),
    );
    assert_eq!(out.status, 2);
    assert_eq!(
        out.stderr,
        "query: per: curl failed (exit status: 6): curl: (6) Could not resolve host: cda.cfa.harvard.edu\n"
    );
    assert!(!out_dir.join("input/per.vot").exists());
}

#[test]
fn a_source_list_queries_each_source() {
    let dir = tempdir("query-list");
    let list = dir.join("list.csv");
    std::fs::write(
        &list,
        "CSCv2_name,CSCv2_RA,CSCv2_DEC\n2CXO J110507.4-585105,166.28,-58.85\n2CXO J0001,0.001,1\n",
    )
    .unwrap();
    let out = query(
        &["--sources", list.to_str().unwrap(), "--match-radius", "5"],
        None,
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    for (stem, q) in adql_of(&out.stdout) {
        check_adql(&q).unwrap_or_else(|e| panic!("{stem}: {e}\n{q}"));
        if stem == "per" {
            assert!(
                q.contains("m.name IN ('2CXO J110507.4-585105', '2CXO J0001')"),
                "{q}"
            );
        } else {
            assert_eq!(q.matches("1=CONTAINS(").count(), 2, "{q}");
            assert!(
                q.contains("CIRCLE('ICRS',0.001,1,0.001388888888888889)"),
                "{q}"
            );
        }
    }
    // A malformed list is a one-line error naming the cell.
    std::fs::write(&list, "CSCv2_name,CSCv2_RA,CSCv2_DEC\nx,abc,1\n").unwrap();
    let out = query(&["--sources", list.to_str().unwrap()], None);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .starts_with(&format!("query: {}:2: column 2 (CSCv2_RA)", list.display())),
        "{}",
        out.stderr
    );
}

#[test]
fn the_structure_check_can_fail() {
    assert!(
        check_adql("SELECT a FROM \"t\" WHERE 1=CONTAINS(POINT('ICRS',a,b), CIRCLE('ICRS',1,2,3))")
            .is_ok()
    );
    assert!(
        check_adql("SELECT a FROM \"t\" WHERE 1=CONTAINS(POINT('ICRS',a,b), CIRCLE('ICRS',1,2))")
            .is_err()
    );
    assert!(
        check_adql("SELECT a FROM \"t\" WHERE CONTAINS(POINT('ICRS',a,b), CIRCLE('ICRS',1,2,3))")
            .is_err()
    );
    assert!(check_adql("SELECT a, FROM \"t\" WHERE x=1").is_err());
    assert!(check_adql("SELECT m.a FROM s.t m WHERE (q.a = 1").is_err());
    assert!(check_adql("SELECT x.a FROM s.t m WHERE m.a = 1").is_err());
    assert!(check_adql("SELECT a FROM \"t\" WHERE a = 'x").is_err());
}
