//! Exit statuses are part of the CLI contract: scripts and CI depend on them.

/// Everything succeeded.
pub const OK: i32 = 0;
/// A stage failed, a host could not be reached, or the cluster is degraded; the journal is kept.
pub const FAILED: i32 = 1;
/// Bad input (inventory, playbook, flags): nothing was run on any host.
pub const BAD_INPUT: i32 = 2;
/// Interrupted by Ctrl-C (128 + SIGINT), as shells report it.
pub const INTERRUPTED: i32 = 130;
