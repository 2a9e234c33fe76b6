//! `smote`: not yet written.

fn main() -> std::process::ExitCode {
    common::cli::run("smote", || {
        Err(common::Error::invalid("smote is not implemented yet"))
    })
}
