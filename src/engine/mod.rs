//! The engine: runs the plan's ready nodes with bounded concurrency, guards,
//! timeouts, retries and probe gates; cancels cleanly. Knows nothing of Hadoop.

pub mod template;
