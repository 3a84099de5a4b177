//! One authenticated SSH connection to a host, shared by all tasks on it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::exec::{self, ExecRequest};
use super::known_hosts::HostKeyStatus;
use super::output::ExecOutput;
use super::session::Session;
use super::sudo::Sudo;
use super::tunnel::{self, TcpStream};
use super::{TransportError, upload};

/// A live connection. Cheap to share behind `Arc`; every method takes `&self`.
pub struct Connection {
    pub(super) session: Arc<Session>,
}

impl Connection {
    /// The inventory name of the host.
    pub fn host(&self) -> &str {
        &self.session.host
    }
    /// The user the connection authenticated as.
    pub fn remote_user(&self) -> &str {
        &self.session.user
    }
    /// Time from TCP connect to authenticated.
    pub fn handshake_time(&self) -> Duration {
        self.session.handshake
    }
    pub fn host_key_status(&self) -> HostKeyStatus {
        self.session.host_key_status
    }
    /// The host's own web client, when its web reads go through one.
    pub fn web_client(&self) -> Option<&str> {
        self.session.web_client.as_deref()
    }
    /// True once the peer is gone (keepalive timeout, reset, disconnect).
    pub fn is_closed(&self) -> bool {
        self.session.is_closed()
    }
    /// Run a command, reading stdout and stderr to the end. On timeout or
    /// cancellation the remote process group is terminated before returning.
    pub async fn exec(
        &self,
        req: &ExecRequest,
        cancel: &CancellationToken,
    ) -> Result<ExecOutput, TransportError> {
        self.exec_as(req, None, cancel).await
    }
    /// [`Connection::exec`], through sudo as `sudo`'s user when given: the
    /// command, its secrets and its stdin reach that user's shell; a
    /// timeout kills its processes as that user too.
    pub async fn exec_as(
        &self,
        req: &ExecRequest,
        sudo: Option<&Sudo>,
        cancel: &CancellationToken,
    ) -> Result<ExecOutput, TransportError> {
        let host = self.host();
        let started = Instant::now();
        let user = sudo.map(Sudo::user);
        tracing::debug!(%host, timeout = ?req.timeout, recorded = req.record.is_some(), become_user = ?user, "exec start");
        let result = exec::run(&self.session, req, sudo, cancel).await;
        let took = started.elapsed();
        match &result {
            Ok(out) => tracing::debug!(
                %host,
                exit_status = ?out.exit_status,
                signal = ?out.signal,
                ?took,
                "exec end"
            ),
            Err(e) => tracing::debug!(%host, ?took, "exec failed: {e}"),
        }
        result
    }
    /// Write `data` to `remote` atomically (temporary file, then rename) with `mode`.
    pub async fn upload(&self, data: &[u8], remote: &str, mode: u32) -> Result<(), TransportError> {
        upload::upload_bytes(&self.session, data, remote, mode, None).await
    }
    /// [`Connection::upload`] written by `sudo`'s user when given, who then
    /// owns the file and the directories it makes.
    pub async fn upload_as(
        &self,
        data: &[u8],
        remote: &str,
        mode: u32,
        sudo: Option<&Sudo>,
    ) -> Result<(), TransportError> {
        upload::upload_bytes(&self.session, data, remote, mode, sudo).await
    }
    /// Upload a local file by streaming it (for tarballs); atomic as `upload`.
    pub async fn upload_file(
        &self,
        local: &std::path::Path,
        remote: &str,
        mode: u32,
    ) -> Result<u64, TransportError> {
        upload::upload_file(&self.session, local, remote, mode, None).await
    }
    /// [`Connection::upload_file`] written by `sudo`'s user when given.
    pub async fn upload_file_as(
        &self,
        local: &std::path::Path,
        remote: &str,
        mode: u32,
        sudo: Option<&Sudo>,
    ) -> Result<u64, TransportError> {
        upload::upload_file(&self.session, local, remote, mode, sudo).await
    }
    /// Open a TCP stream from the host to `addr:port` (direct-tcpip), e.g. to
    /// probe a daemon on the host's own 127.0.0.1 without opening a firewall.
    pub async fn open_tcp(&self, addr: &str, port: u16) -> Result<TcpStream, TransportError> {
        tunnel::open(&self.session, addr, port).await
    }
    /// Round trip of a trivial request, to measure latency or check liveness.
    pub async fn ping(&self) -> Result<Duration, TransportError> {
        self.session.ping().await
    }
    /// Say goodbye politely; pending channels end.
    pub async fn close(&self) {
        self.session.close().await
    }
}
