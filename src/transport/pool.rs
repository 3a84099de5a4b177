//! The connection pool: one connection per host, opened in parallel with a
//! bound on concurrent handshakes, re-opened when the old one died.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::connection::HostKeyStatus;
use super::{Connection, ExecOutput, ExecRequest, SshTarget, TcpStream, TransportConfig, TransportError};

/// The result of connecting to one host.
pub type ConnectOutcome = Result<Arc<Connection>, TransportError>;

/// Shared state of one connection (the russh handle and its channel limit).
pub struct Inner {
    pub(super) host: String,
    pub(super) user: String,
    pub(super) handshake: Duration,
    pub(super) host_key_status: HostKeyStatus,
}

impl Inner {
    pub(super) fn is_closed(&self) -> bool {
        todo!()
    }
    pub(super) async fn exec(&self, _req: &ExecRequest, _cancel: &CancellationToken) -> Result<ExecOutput, TransportError> {
        todo!()
    }
    pub(super) async fn upload(&self, _data: &[u8], _remote: &str, _mode: u32) -> Result<(), TransportError> {
        todo!()
    }
    pub(super) async fn upload_file(&self, _local: &std::path::Path, _remote: &str, _mode: u32) -> Result<u64, TransportError> {
        todo!()
    }
    pub(super) async fn open_tcp(&self, _addr: &str, _port: u16) -> Result<TcpStream, TransportError> {
        todo!()
    }
    pub(super) async fn ping(&self) -> Result<Duration, TransportError> {
        todo!()
    }
    pub(super) async fn close(&self) {
        todo!()
    }
}

/// All connections of a run.
pub struct Pool {
    _config: Arc<TransportConfig>,
}

impl Pool {
    /// Reads known_hosts once; fails only on an unreadable or malformed file.
    pub fn new(config: TransportConfig) -> Result<Pool, String> {
        Ok(Pool { _config: Arc::new(config) })
    }
    /// The connection to `target`, opening (or re-opening) it if needed.
    pub async fn connect(&self, _target: &SshTarget) -> ConnectOutcome {
        todo!()
    }
    /// Connect to every target in parallel; results in the order given.
    pub async fn connect_all(&self, _targets: &[SshTarget]) -> Vec<ConnectOutcome> {
        todo!()
    }
    /// Close every connection.
    pub async fn close_all(&self) {
        todo!()
    }
}
