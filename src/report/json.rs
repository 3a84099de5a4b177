//! `--output json`: one event per line on stdout, for scripts.

use std::io::Write;

use crate::events::{Stamped, Subscriber};

pub struct JsonLines<W: Write + Send> {
    out: W,
}

impl<W: Write + Send> JsonLines<W> {
    pub fn new(out: W) -> Self {
        JsonLines { out }
    }
}

impl<W: Write + Send> Subscriber for JsonLines<W> {
    fn on_event(&mut self, event: &Stamped) {
        // A closed stdout (piped into `head`) must not stop the run.
        if let Ok(line) = serde_json::to_string(event) {
            let _ = writeln!(self.out, "{line}");
            let _ = self.out.flush();
        }
    }
}
