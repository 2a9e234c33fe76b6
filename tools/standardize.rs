//! `standardize`: not yet written.

fn main() -> std::process::ExitCode {
    common::cli::run("standardize", || {
        Err(common::Error::invalid("standardize is not implemented yet"))
    })
}
