//! Helpers shared by the integration tests.

pub mod case;
pub mod sshd;
