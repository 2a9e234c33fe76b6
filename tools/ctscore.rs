//! `ctscore`: not yet written.

fn main() -> std::process::ExitCode {
    common::cli::run("ctscore", || {
        Err(common::Error::invalid("ctscore is not implemented yet"))
    })
}
