//! `loocv`: not yet written.

fn main() -> std::process::ExitCode {
    common::cli::run("loocv", || {
        Err(common::Error::invalid("loocv is not implemented yet"))
    })
}
