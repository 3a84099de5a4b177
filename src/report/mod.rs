//! Where run events go: the bus that fans them out and its subscribers
//! (progress display, JSON lines, the journal); and journals read back: the
//! runs list, and the run a replay continues with what changed since.

pub mod bus;
pub mod columns;
pub mod input_changes;
pub mod journal;
pub mod json;
pub mod masking;
pub mod progress;
pub mod replay_source;
pub mod run_lock;
pub mod runs;
