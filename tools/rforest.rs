//! `rforest`: not yet written.

fn main() -> std::process::ExitCode {
    common::cli::run("rforest", || {
        Err(common::Error::invalid("rforest is not implemented yet"))
    })
}
