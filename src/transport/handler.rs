//! The russh client handler: verifies the host key against the known_hosts
//! files read for the target and remembers why the connection ended.

use std::sync::{Arc, Mutex};

use russh::client::{self, DisconnectReason};
use russh::keys::{HashAlg, PublicKeyOrCertificate};

use super::known_hosts::{HostKeyStatus, KnownHosts, Lookup, Verdict};
use super::{SshTarget, TransportError};

/// Either russh failed, or we refused the host key (with the error to show).
#[derive(Debug)]
pub(super) enum HandlerError {
    Ssh(russh::Error),
    Refused(Box<TransportError>),
}

impl From<russh::Error> for HandlerError {
    fn from(e: russh::Error) -> Self {
        HandlerError::Ssh(e)
    }
}

/// State the handler shares with the connection that owns it.
#[derive(Debug, Default)]
pub(super) struct Shared {
    pub(super) host_key_status: Mutex<Option<HostKeyStatus>>,
    /// Why the session ended, once it has.
    pub(super) death: Mutex<Option<String>>,
}

pub(super) struct Client {
    pub(super) host: String,
    /// `address:port`, for messages.
    addr: String,
    known_hosts: Arc<KnownHosts>,
    lookup: Lookup,
    pub(super) accept_new: bool,
    pub(super) keepalive: String,
    pub(super) shared: Arc<Shared>,
}

impl Client {
    pub(super) fn new(
        target: &SshTarget,
        known_hosts: Arc<KnownHosts>,
        accept_new: bool,
        keepalive: String,
    ) -> Self {
        Client {
            host: target.name.clone(),
            addr: format!("{}:{}", target.address, target.port),
            lookup: known_hosts.lookup(target),
            known_hosts,
            accept_new,
            keepalive,
            shared: Arc::new(Shared::default()),
        }
    }

    fn verify(&self, key: &russh::keys::PublicKey) -> Result<HostKeyStatus, TransportError> {
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        let key_type = key.algorithm().as_str().to_string();
        match self.lookup.check(key) {
            Verdict::Known => Ok(HostKeyStatus::Known),
            Verdict::Revoked { file, line } => Err(TransportError::RevokedHostKey {
                host: self.host.clone(),
                fingerprint,
                known_hosts: file.display().to_string(),
                line,
            }),
            Verdict::Changed { file, line } => Err(TransportError::HostKeyChanged {
                host: self.host.clone(),
                key_type,
                fingerprint,
                known_hosts: file.display().to_string(),
                line,
            }),
            Verdict::Unknown { .. } if self.accept_new => {
                self.known_hosts
                    .record(&self.lookup, key)
                    .map_err(|reason| TransportError::Connect {
                        host: self.host.clone(),
                        addr: self.addr.clone(),
                        reason: format!("cannot record the host key: {reason}"),
                    })?;
                tracing::debug!(host = %self.host, %fingerprint, "recorded new host key");
                Ok(HostKeyStatus::Recorded)
            }
            Verdict::Unknown { ca_only } => {
                let files = self.lookup.describe_files();
                let known_hosts = if ca_only {
                    format!(
                        "{files} (only a @cert-authority line matches; host certificates are not supported)"
                    )
                } else {
                    files
                };
                Err(TransportError::UnknownHostKey {
                    host: self.host.clone(),
                    lookup: self.lookup.name.clone(),
                    key_type,
                    fingerprint,
                    known_hosts,
                })
            }
        }
    }
}

impl client::Handler for Client {
    type Error = HandlerError;

    async fn check_server_key(
        &mut self,
        server_key: &PublicKeyOrCertificate,
    ) -> Result<bool, HandlerError> {
        // Certificates are only offered when Preferred::host_key_certificates
        // asks for them, which this client never does.
        let PublicKeyOrCertificate::PublicKey { key, .. } = server_key else {
            return Ok(false);
        };
        let status = self
            .verify(key)
            .map_err(|e| HandlerError::Refused(Box::new(e)))?;
        *self
            .shared
            .host_key_status
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(status);
        Ok(true)
    }

    async fn disconnected(
        &mut self,
        reason: DisconnectReason<HandlerError>,
    ) -> Result<(), HandlerError> {
        let (text, result) = match reason {
            DisconnectReason::ReceivedDisconnect(info) => (
                format!(
                    "the host closed the connection ({:?}: {})",
                    info.reason_code, info.message
                ),
                Ok(()),
            ),
            DisconnectReason::Error(e) => (describe(&e, &self.keepalive), Err(e)),
        };
        tracing::debug!(host = %self.host, reason = %text, "ssh session ended");
        self.shared
            .death
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(text);
        result
    }
}

/// A human reason for a session-ending error.
pub(super) fn describe(e: &HandlerError, keepalive: &str) -> String {
    match e {
        HandlerError::Refused(te) => te.to_string(),
        HandlerError::Ssh(russh::Error::KeepaliveTimeout) => {
            format!("no answer to keepalives ({keepalive})")
        }
        HandlerError::Ssh(russh::Error::IO(io)) => format!("network error: {io}"),
        HandlerError::Ssh(other) => other.to_string(),
    }
}
