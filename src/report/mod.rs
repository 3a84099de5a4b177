//! Where run events go: the bus that fans them out, and its subscribers
//! (progress display, JSON lines, the journal); journals read back.

pub mod bus;
pub mod journal;
pub mod json;
pub mod progress;
pub mod run_lock;
pub mod runs;
