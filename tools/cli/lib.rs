//! The command-line surface of every tool: how a tool starts (`--version`,
//! `--threads`, one-line usage errors) and ends (one-line errors, exit 2), and one
//! definition of each flag that more than one tool takes, with its default and its
//! validation. Defaults and column names come from the library (`common`); clap lives
//! only here and in the tool binaries.

pub mod args;
pub mod docs;

use std::process::ExitCode;

use clap::{Arg, ArgMatches, Command, CommandFactory, Parser};

pub use args::*;

/// The version every tool answers to `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The id of the flag every tool has for its worker threads.
const THREADS: &str = "threads";

/// The full command of tool `name`: its own arguments and those every tool has.
pub fn command<A: CommandFactory>(name: &'static str) -> Command {
    A::command().name(name).bin_name(name).version(VERSION).arg(
        Arg::new(THREADS)
            .long(THREADS)
            .value_name("N")
            .global(true)
            .value_parser(args::at_least_one)
            .help("Worker threads (default: all cores); results do not depend on it"),
    )
}

/// Runs tool `name`: with [`docs::DOCS_ENV`] set, writes its manual pages and
/// completions instead (`make man`); else parses its command line (a usage error is one line
/// `name: what` on stderr and exit status 2; `--help` and `--version` print and exit
/// 0), sizes the thread pool, then runs `body`, whose error is one line `name: what`
/// and exit status 2 (`common::cli::run`).
pub fn main<A: Parser>(name: &'static str, body: impl FnOnce(A) -> common::Result<()>) -> ExitCode {
    if let Some(dir) = std::env::var_os(docs::DOCS_ENV) {
        return common::cli::run(name, || {
            docs::generate(command::<A>(name), std::path::Path::new(&dir))
        });
    }
    let (args, threads) = match parse::<A>(name, std::env::args_os()) {
        Ok(parsed) => parsed,
        Err(e) => return usage_error(name, e),
    };
    common::cli::run(name, || {
        if let Some(n) = threads {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build_global()
                .map_err(|e| common::Error::invalid(format!("cannot start {n} threads: {e}")))?;
        }
        body(args)
    })
}

/// Parses a command line of tool `name` into its arguments and `--threads`.
pub fn parse<A: Parser>(
    name: &'static str,
    argv: impl IntoIterator<Item = impl Into<std::ffi::OsString> + Clone>,
) -> Result<(A, Option<usize>), clap::Error> {
    let mut matches: ArgMatches = command::<A>(name).try_get_matches_from(argv)?;
    let threads = threads_of(&matches);
    let args = A::from_arg_matches_mut(&mut matches)?;
    Ok((args, threads))
}

/// `--threads`, wherever on the command line (before or after a subcommand) it stands.
fn threads_of(matches: &ArgMatches) -> Option<usize> {
    let mut m = matches;
    let mut found = m.get_one::<usize>(THREADS).copied();
    while let Some((_, sub)) = m.subcommand() {
        found = sub.get_one::<usize>(THREADS).copied().or(found);
        m = sub;
    }
    found
}

/// `--help` and `--version` go to stdout with exit 0; anything else is a usage error
/// reported like every other error: one line, exit status 2.
fn usage_error(name: &str, e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        _ => {
            let text = e.render().to_string();
            let line = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments");
            let line = line.strip_prefix("error: ").unwrap_or(line);
            eprintln!("{name}: {line} (see '{name} --help')");
            ExitCode::from(2)
        }
    }
}
