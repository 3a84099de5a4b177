//! The state of one SSH session, shared by everything that opens channels
//! on it (commands, uploads, tunnels) and by the `Connection` handed out.
//! What can go wrong on a channel is decided here: a refusal that only
//! means "the server has not freed a slot yet", or a lost connection.

use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::client::Handle;
use tokio::sync::Semaphore;

use super::TransportError;
use super::handler::{Client, Shared};
use super::known_hosts::HostKeyStatus;

/// One authenticated SSH session: the russh handle, its cap on session
/// channels and what the handler learnt.
pub(super) struct Session {
    pub(super) host: String,
    pub(super) user: String,
    pub(super) handshake: Duration,
    pub(super) host_key_status: HostKeyStatus,
    pub(super) handle: Handle<Client>,
    /// Session channels in flight, kept below the server's MaxSessions.
    pub(super) channel_slots: Arc<Semaphore>,
    pub(super) shared: Arc<Shared>,
    /// The session this one is tunnelled through; kept alive with it.
    pub(super) via: Option<Arc<Session>>,
    /// See [`super::SshTarget::web_client`].
    pub(super) web_client: Option<String>,
}

impl Session {
    pub(super) fn is_closed(&self) -> bool {
        self.handle.is_closed() || self.via.as_ref().is_some_and(|j| j.is_closed())
    }
    pub(super) async fn ping(&self) -> Result<Duration, TransportError> {
        let start = Instant::now();
        // send_ping returns Ok even when the session dies while waiting and
        // never returns from a frozen peer: bound it and look at the handle.
        let bound = Duration::from_secs(30);
        match tokio::time::timeout(bound, self.handle.send_ping()).await {
            Ok(Ok(())) if !self.handle.is_closed() => Ok(start.elapsed()),
            Ok(_) => Err(self.disconnected().await),
            Err(_) => Err(TransportError::Disconnected {
                host: self.host.clone(),
                reason: format!("no answer to a ping within {bound:?}"),
            }),
        }
    }
    pub(super) async fn close(&self) {
        let _ = self
            .handle
            .disconnect(russh::Disconnect::ByApplication, "", "en")
            .await;
    }

    /// The Disconnected error for this connection, with the reason the
    /// session task recorded if it gets to it shortly.
    pub(super) async fn disconnected(&self) -> TransportError {
        for _ in 0..20 {
            if let Some(reason) = self.death_reason() {
                return TransportError::Disconnected {
                    host: self.host.clone(),
                    reason,
                };
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let reason = match &self.via {
            Some(via) if via.is_closed() => format!("jump host {} is gone", via.host),
            _ => "the SSH session ended".to_string(),
        };
        TransportError::Disconnected {
            host: self.host.clone(),
            reason,
        }
    }

    fn death_reason(&self) -> Option<String> {
        self.shared
            .death
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A session channel. sshd frees a closed session's slot only on its
    /// next loop turn, so an open arriving together with the close of a
    /// finished command can be refused ("no more sessions", ConnectFailed)
    /// while fewer than MaxSessions channels are really in use: that refusal
    /// is retried for up to about two seconds, every other error is not.
    pub(super) async fn open_session(
        &self,
    ) -> Result<russh::Channel<russh::client::Msg>, russh::Error> {
        let mut pause = Duration::from_millis(5);
        let mut waited = Duration::ZERO;
        loop {
            match self.handle.channel_open_session().await {
                Err(russh::Error::ChannelOpenFailure(russh::ChannelOpenFailure::ConnectFailed))
                    if waited < Duration::from_secs(2) && !self.is_closed() =>
                {
                    tokio::time::sleep(pause).await;
                    waited += pause;
                    pause = (pause * 2).min(Duration::from_millis(250));
                }
                other => return other,
            }
        }
    }

    /// A channel-level failure, reported as a lost connection when that is
    /// what it really is.
    pub(super) async fn channel_error(&self, what: &str, e: russh::Error) -> TransportError {
        if self.is_closed() || matches!(e, russh::Error::SendError) {
            return self.disconnected().await;
        }
        TransportError::Channel {
            host: self.host.clone(),
            reason: format!("{what}: {e}"),
        }
    }
}
