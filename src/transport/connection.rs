//! One authenticated SSH connection to a host, shared by all tasks on it.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{ExecOutput, ExecRequest, TcpStream, TransportError};

/// How the host key was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HostKeyStatus {
    /// Found in known_hosts.
    Known,
    /// Unknown, recorded because of --accept-new.
    Recorded,
}

/// A live connection. Cheap to share behind `Arc`; every method takes `&self`.
pub struct Connection {
    pub(super) inner: Arc<super::pool::Inner>,
}

impl Connection {
    /// The inventory name of the host.
    pub fn host(&self) -> &str {
        &self.inner.host
    }
    /// The user the connection authenticated as.
    pub fn remote_user(&self) -> &str {
        &self.inner.user
    }
    /// Time from TCP connect to authenticated.
    pub fn handshake_time(&self) -> Duration {
        self.inner.handshake
    }
    pub fn host_key_status(&self) -> HostKeyStatus {
        self.inner.host_key_status
    }
    /// True once the peer is gone (keepalive timeout, reset, disconnect).
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
    /// Run a command, reading stdout and stderr to the end. On timeout or
    /// cancellation the remote process group is terminated before returning.
    pub async fn exec(
        &self,
        req: &ExecRequest,
        cancel: &CancellationToken,
    ) -> Result<ExecOutput, TransportError> {
        self.inner.exec(req, cancel).await
    }
    /// Write `data` to `remote` atomically (temporary file, then rename) with `mode`.
    pub async fn upload(&self, data: &[u8], remote: &str, mode: u32) -> Result<(), TransportError> {
        self.inner.upload(data, remote, mode).await
    }
    /// Upload a local file by streaming it (for tarballs); atomic as `upload`.
    pub async fn upload_file(
        &self,
        local: &std::path::Path,
        remote: &str,
        mode: u32,
    ) -> Result<u64, TransportError> {
        self.inner.upload_file(local, remote, mode).await
    }
    /// Open a TCP stream from the host to `addr:port` (direct-tcpip), e.g. to
    /// probe a daemon on the host's own 127.0.0.1 without opening a firewall.
    pub async fn open_tcp(&self, addr: &str, port: u16) -> Result<TcpStream, TransportError> {
        self.inner.open_tcp(addr, port).await
    }
    /// Round trip of a trivial request, to measure latency or check liveness.
    pub async fn ping(&self) -> Result<Duration, TransportError> {
        self.inner.ping().await
    }
    /// Say goodbye politely; pending channels end.
    pub async fn close(&self) {
        self.inner.close().await
    }
}
