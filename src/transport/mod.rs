//! SSH transport: one authenticated russh connection per host, shared by every
//! task of a run, with a cap on concurrent session channels below OpenSSH's
//! MaxSessions (10).

mod auth;
mod connection;
pub mod exec;
mod handler;
pub mod inventory;
pub mod known_hosts;
mod known_hosts_file;
pub mod lease;
pub mod open_files;
pub mod output;
mod pool;
pub mod record;
mod secret_input;
mod session;
pub mod ssh_config;
pub mod sudo;
pub mod sudo_check;
mod target;
mod tunnel;
mod upload;

pub use connection::Connection;
pub use exec::ExecRequest;
pub use known_hosts::HostKeyStatus;
pub use output::ExecOutput;
pub use pool::{ConnectOutcome, Pool};
pub use sudo::{BecomePassword, Sudo};
pub use target::{HostKeyLookup, SshTarget, TransportConfig};
pub use tunnel::TcpStream;

use std::time::Duration;

/// Everything that can go wrong talking to one host. Each message names the
/// host so it can be shown as is.
#[derive(Debug, thiserror::Error, Clone)]
pub enum TransportError {
    #[error("{host}: cannot connect to {addr}: {reason}")]
    Connect {
        host: String,
        addr: String,
        reason: String,
    },
    #[error("{host}: connection timed out after {after:?} ({addr})")]
    ConnectTimeout {
        host: String,
        addr: String,
        after: Duration,
    },
    #[error(
        "{host}: host key is not known for {lookup} ({key_type} {fingerprint}) in {known_hosts}; verify it and re-run with --accept-new to record it"
    )]
    UnknownHostKey {
        host: String,
        /// The name it was looked up under: `[address]:port`, or HostKeyAlias.
        lookup: String,
        key_type: String,
        fingerprint: String,
        known_hosts: String,
    },
    #[error(
        "{host}: HOST KEY CHANGED: server offered {key_type} {fingerprint}, but {known_hosts}:{line} records a different key; refusing to connect (possible man-in-the-middle). Remove that line only if the host was really re-installed"
    )]
    HostKeyChanged {
        host: String,
        key_type: String,
        fingerprint: String,
        known_hosts: String,
        line: usize,
    },
    #[error(
        "{host}: host key {fingerprint} is marked @revoked in {known_hosts}:{line}; refusing to connect"
    )]
    RevokedHostKey {
        host: String,
        fingerprint: String,
        known_hosts: String,
        line: usize,
    },
    #[error("{host}: authentication failed for user {user}: {reason}")]
    Auth {
        host: String,
        user: String,
        reason: String,
    },
    #[error("{host}: connection lost: {reason}")]
    Disconnected { host: String, reason: String },
    #[error("{host}: command timed out after {after:?}; remote process terminated")]
    CommandTimeout { host: String, after: Duration },
    #[error("{host}: {reason}")]
    Channel { host: String, reason: String },
    #[error("{host}: cancelled")]
    Cancelled { host: String },
}

impl TransportError {
    /// A command this error ended may have started on the host and go on
    /// there: the controller lost sight of it rather than saw it end.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            TransportError::Disconnected { .. } | TransportError::Channel { .. }
        )
    }

    /// The host the error is about.
    pub fn host(&self) -> &str {
        match self {
            TransportError::Connect { host, .. }
            | TransportError::ConnectTimeout { host, .. }
            | TransportError::UnknownHostKey { host, .. }
            | TransportError::HostKeyChanged { host, .. }
            | TransportError::RevokedHostKey { host, .. }
            | TransportError::Auth { host, .. }
            | TransportError::Disconnected { host, .. }
            | TransportError::CommandTimeout { host, .. }
            | TransportError::Channel { host, .. }
            | TransportError::Cancelled { host } => host,
        }
    }
}
