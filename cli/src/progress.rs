//! Progress of long operations (firmware uploads, imports, template downloads) on a
//! terminal; nothing at all when standard error is not one or the output is JSON, so
//! scripts and logs stay clean.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

fn shown(json: bool) -> bool {
    !json && std::io::stderr().is_terminal()
}

/// A bar over `total` bytes, labelled `what`.
pub fn bytes(json: bool, total: u64, what: &str) -> ProgressBar {
    if !shown(json) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

/// A spinner while the server works on `what`.
pub fn waiting(json: bool, what: &str) -> ProgressBar {
    if !shown(json) {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(what.to_owned());
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}
