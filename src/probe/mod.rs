//! Readiness probes run through the SSH connection.
