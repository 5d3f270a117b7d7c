//! The collection progress bar (indicatif) on a terminal, hidden otherwise or with `-q`.

use std::io::IsTerminal as _;
use std::sync::Arc;

use brickkit::model::SecurableKind;
use brickkit::state::collect::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// A spinner counting collected securables; [`Bar::finish`] clears it.
pub struct Bar(ProgressBar);

impl Progress for Bar {
    fn collected(&self, _kind: SecurableKind, n: u64) {
        self.0.inc(n);
    }
}

impl Bar {
    /// A bar drawn on stderr when it is a terminal and `quiet` is false.
    pub fn start(quiet: bool) -> Arc<Bar> {
        let bar = if !quiet && std::io::stderr().is_terminal() {
            let pb = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} {pos} securables collected ({per_sec}) {elapsed}",
            ) {
                pb.set_style(style);
            }
            pb.enable_steady_tick(std::time::Duration::from_millis(120));
            pb
        } else {
            ProgressBar::hidden()
        };
        Arc::new(Bar(bar))
    }

    /// Remove the bar from the terminal.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// A bar counting settled operations of an apply, on a terminal only.
pub struct ApplyBar(ProgressBar);

impl brickkit::apply::Progress for ApplyBar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
    }
    fn done(&self, n: u64) {
        self.0.inc(n);
    }
}

impl ApplyBar {
    /// A bar drawn on stderr when it is a terminal and `quiet` is false.
    pub fn start(quiet: bool) -> ApplyBar {
        let bar = if !quiet && std::io::stderr().is_terminal() {
            let pb = ProgressBar::new(0);
            if let Ok(style) =
                ProgressStyle::with_template("{bar:30} {pos}/{len} operations settled {elapsed}")
            {
                pb.set_style(style);
            }
            pb.enable_steady_tick(std::time::Duration::from_millis(120));
            pb
        } else {
            ProgressBar::hidden()
        };
        ApplyBar(bar)
    }

    /// Remove the bar from the terminal.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}
