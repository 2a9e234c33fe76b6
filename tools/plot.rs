//! `plot`: not yet written.

fn main() -> std::process::ExitCode {
    common::cli::run("plot", || {
        Err(common::Error::invalid("plot is not implemented yet"))
    })
}
