//! The engine: runs the plan's ready nodes with bounded concurrency, guards,
//! timeouts, retries and probe gates; cancels cleanly. Knows nothing of Hadoop.

mod become_check;
mod counted_out;
pub mod failure_budget;
mod gate_node;
mod lease;
pub mod prerender;
pub mod preview;
pub mod privilege;
pub mod recover;
pub mod resume;
mod run;
pub mod scheduler;
mod task_node;
pub mod template;
pub mod upload_step;
mod when_clause;

pub use failure_budget::MaxFailures;
pub use run::{Engine, RunOptions, RunReport};
