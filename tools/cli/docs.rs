//! Manual pages and shell completions of a tool, generated from its clap definition
//! (`make man`): every tool answers the environment variable [`DOCS_ENV`] by writing
//! them instead of running, so that they can never disagree with `--help`.

use std::path::Path;

use clap::Command;
use clap_complete::Shell;

/// Set to a directory, a tool writes there `man1/<tool>.1` (and one page per
/// subcommand, `<tool>-<sub>.1`), `bash/<tool>`, `zsh/_<tool>` and `fish/<tool>.fish`,
/// and exits.
pub const DOCS_ENV: &str = "MUWCLASS_GENERATE_DOCS";

/// The shells completions are written for, with their directory under the docs
/// directory and the file name each shell looks for.
pub const SHELLS: [(Shell, &str); 3] = [
    (Shell::Bash, "bash"),
    (Shell::Zsh, "zsh"),
    (Shell::Fish, "fish"),
];

/// Writes the manual pages and completions of `cmd` under `dir`.
pub fn generate(mut cmd: Command, dir: &Path) -> common::Result<()> {
    let io = |what: &Path, e: std::io::Error| common::Error::io(&what.display().to_string(), e);
    let name = cmd.get_name().to_string();
    let man = dir.join("man1");
    std::fs::create_dir_all(&man).map_err(|e| io(&man, e))?;
    // One page per real subcommand (`rforest train`), none for clap's `help`.
    clap_mangen::generate_to(cmd.clone().disable_help_subcommand(true), &man)
        .map_err(|e| io(&man, e))?;
    for (shell, sub) in SHELLS {
        let out = dir.join(sub);
        std::fs::create_dir_all(&out).map_err(|e| io(&out, e))?;
        let written =
            clap_complete::generate_to(shell, &mut cmd, &name, &out).map_err(|e| io(&out, e))?;
        // bash-completion looks a command's completions up by the command's name.
        if shell == Shell::Bash {
            let plain = out.join(&name);
            std::fs::rename(&written, &plain).map_err(|e| io(&plain, e))?;
        }
    }
    Ok(())
}
