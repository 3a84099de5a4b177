//! Subscribers to run events: progress display, JSON lines, the journal.

pub mod journal;
pub mod json;
pub mod progress;
pub mod run_lock;
pub mod runs;
