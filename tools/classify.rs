//! `classify`: not yet written.

fn main() -> std::process::ExitCode {
    common::cli::run("classify", || {
        Err(common::Error::invalid("classify is not implemented yet"))
    })
}
