//! `features`: not yet written.

fn main() -> std::process::ExitCode {
    common::cli::run("features", || {
        Err(common::Error::invalid("features is not implemented yet"))
    })
}
