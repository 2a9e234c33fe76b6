//! `redden`: not yet written.

fn main() -> std::process::ExitCode {
    common::cli::run("redden", || {
        Err(common::Error::invalid("redden is not implemented yet"))
    })
}
