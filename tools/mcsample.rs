//! `mcsample`: not yet written.

fn main() -> std::process::ExitCode {
    common::cli::run("mcsample", || {
        Err(common::Error::invalid("mcsample is not implemented yet"))
    })
}
