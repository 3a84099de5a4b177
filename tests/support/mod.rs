//! Helpers shared by the integration tests.

pub mod case;
pub mod readings;
pub mod sshd;
pub mod sudo;
