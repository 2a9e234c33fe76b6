//! `fechner`: not yet written.

fn main() -> std::process::ExitCode {
    common::cli::run("fechner", || {
        Err(common::Error::invalid("fechner is not implemented yet"))
    })
}
