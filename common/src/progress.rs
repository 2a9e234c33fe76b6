//! Progress on stderr for long work, shown only when stderr is a terminal, so that
//! pipes and logs stay clean (DESIGN.md conventions).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress counter; silent unless stderr is a terminal and the user did not ask
/// for `--quiet`. Safe to share between threads.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    pub fn new(total: u64, what: &str, quiet: bool) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} {bar:40} {pos}/{len} [{elapsed_precise}, eta {eta}]",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(what.to_string());
        Progress(Some(bar))
    }

    pub(crate) fn inc(&self, n: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(n);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
