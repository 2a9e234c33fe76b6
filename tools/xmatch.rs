//! `xmatch`: not yet written.

fn main() -> std::process::ExitCode {
    common::cli::run("xmatch", || {
        Err(common::Error::invalid("xmatch is not implemented yet"))
    })
}
