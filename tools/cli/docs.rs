//! Manual pages and shell completions of a tool, generated from its clap definition
//! (`make man`): every tool answers the environment variable [`DOCS_ENV`] by writing
//! them instead of running, so that they can never disagree with `--help`.

use std::io::Write;
use std::path::Path;

use clap::Command;
use clap_complete::Shell;
use clap_mangen::Man;

/// Set to a directory, a tool writes there `man1/<tool>.1` (and one page per
/// subcommand, `<tool>-<sub>.1`), `bash/<tool>`, `zsh/_<tool>` and `fish/<tool>.fish`,
/// and exits.
pub const DOCS_ENV: &str = "MUWCLASS_GENERATE_DOCS";

/// The shells completions are written for, with their directory under the docs directory.
pub const SHELLS: [(Shell, &str); 3] = [
    (Shell::Bash, "bash"),
    (Shell::Zsh, "zsh"),
    (Shell::Fish, "fish"),
];

fn io_error(what: &Path, e: std::io::Error) -> common::Error {
    common::Error::io(&what.display().to_string(), e)
}

/// Writes the manual pages and completions of `cmd` under `dir`.
pub fn generate(mut cmd: Command, dir: &Path) -> common::Result<()> {
    let name = cmd.get_name().to_string();
    let man = dir.join("man1");
    std::fs::create_dir_all(&man).map_err(|e| io_error(&man, e))?;
    // One page per real subcommand (`rforest train`), none for clap's `help`.
    let mut pages = cmd.clone().disable_help_subcommand(true);
    pages.build();
    write_pages(&pages, &man)?;
    for (shell, sub) in SHELLS {
        let out = dir.join(sub);
        std::fs::create_dir_all(&out).map_err(|e| io_error(&out, e))?;
        let written = clap_complete::generate_to(shell, &mut cmd, &name, &out)
            .map_err(|e| io_error(&out, e))?;
        // bash-completion looks a command's completions up by the command's name.
        if shell == Shell::Bash {
            let plain = out.join(&name);
            std::fs::rename(&written, &plain).map_err(|e| io_error(&plain, e))?;
        }
    }
    Ok(())
}

/// The page of a (built) command and of each of its subcommands: clap_mangen's
/// sections, with the examples that end `--help` as an EXAMPLES section whose lines
/// stay as written (roff would fill them into a paragraph).
fn write_pages(cmd: &Command, dir: &Path) -> common::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir)?;
    }
    let man = Man::new(cmd.clone());
    let path = dir.join(man.get_filename());
    let mut page: Vec<u8> = Vec::new();
    let render = |page: &mut Vec<u8>| -> std::io::Result<()> {
        man.render_title(page)?;
        man.render_name_section(page)?;
        man.render_synopsis_section(page)?;
        man.render_description_section(page)?;
        if cmd.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(page)?;
        }
        if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
            man.render_subcommands_section(page)?;
        }
        if let Some(after) = cmd.get_after_long_help().or(cmd.get_after_help()) {
            page.write_all(after_help_sections(&after.to_string()).as_bytes())?;
        }
        if cmd.get_version().or(cmd.get_long_version()).is_some() {
            man.render_version_section(page)?;
        }
        Ok(())
    };
    render(&mut page).map_err(|e| io_error(&path, e))?;
    common::table::write_atomically(&path, &page)
}

/// The text after `--help`'s options as roff: what precedes the examples as a NOTES
/// section, the examples (from the line that starts with "Example") as an EXAMPLES
/// section in no-fill mode, every line as written.
fn after_help_sections(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("Example"))
        .unwrap_or(lines.len());
    let literal = |line: &str| format!("\\&{}\n", line.replace('\\', "\\e").replace('-', "\\-"));
    let mut s = String::new();
    let notes: Vec<&str> = lines[..at].to_vec();
    if notes.iter().any(|l| !l.trim().is_empty()) {
        s.push_str(".SH NOTES\n");
        for line in notes {
            if line.trim().is_empty() {
                s.push_str(".PP\n");
            } else {
                s.push_str(&literal(line));
            }
        }
    }
    if at < lines.len() {
        s.push_str(".SH EXAMPLES\n.nf\n");
        for line in &lines[at..] {
            s.push_str(&literal(line));
        }
        s.push_str(".fi\n");
    }
    s
}
