//! Exit statuses are part of the CLI contract: scripts and CI depend on them.

/// Everything succeeded.
pub const OK: i32 = 0;
/// A stage failed, a host could not be reached, or the cluster is degraded; the journal is kept.
pub const FAILED: i32 = 1;
/// Bad input (inventory, playbook, flags): nothing was run on any host.
pub const BAD_INPUT: i32 = 2;
/// Interrupted by Ctrl-C (128 + SIGINT), as shells report it.
pub const INTERRUPTED: i32 = 130;

/// The status of a run stopped by `signal` (128 + its number, as shells
/// report it), or by a cancellation that was no signal (as Ctrl-C).
pub fn interrupted_by(signal: Option<i32>) -> i32 {
    match signal {
        Some(n) => 128 + n,
        None => INTERRUPTED,
    }
}
