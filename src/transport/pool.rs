//! The connection pool: one connection per host, opened in parallel with a
//! bound on concurrent handshakes, re-opened when the old one died.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::client::{self, Handle};
use russh::keys::Algorithm;
use tokio::sync::{Mutex, Semaphore};

use super::connection::Connection;
use super::handler::{Client, HandlerError, Shared, describe};
use super::known_hosts::{HostKeyStatus, KnownHosts};
use super::session::Session;
use super::{SshTarget, TransportConfig, TransportError};

/// The result of connecting to one host.
pub type ConnectOutcome = Result<Arc<Connection>, TransportError>;

type Slot = Arc<Mutex<Option<Arc<Connection>>>>;

/// All connections of a run.
pub struct Pool {
    config: Arc<TransportConfig>,
    known_hosts: Arc<KnownHosts>,
    handshakes: Arc<Semaphore>,
    /// One slot per target; the slot's lock makes concurrent callers share
    /// one handshake.
    slots: Mutex<HashMap<String, Slot>>,
}

impl Pool {
    /// Reads known_hosts once; fails only on an unreadable file (lines that
    /// cannot be parsed are skipped, as OpenSSH does).
    pub fn new(config: TransportConfig) -> Result<Pool, String> {
        let known_hosts = Arc::new(KnownHosts::load(&config)?);
        let handshakes = Arc::new(Semaphore::new(config.max_handshakes.max(1)));
        Ok(Pool {
            config: Arc::new(config),
            known_hosts,
            handshakes,
            slots: Mutex::new(HashMap::new()),
        })
    }

    /// The connection to `target`, opening (or re-opening) it if needed.
    pub async fn connect(&self, target: &SshTarget) -> ConnectOutcome {
        let slot = {
            let mut slots = self.slots.lock().await;
            slots.entry(slot_key(target)).or_default().clone()
        };
        let mut slot = slot.lock().await;
        if let Some(conn) = slot.as_ref()
            && !conn.is_closed()
        {
            return Ok(conn.clone());
        }
        let via = match target.jump.split_last() {
            Some((last, outer)) => {
                let mut hop = last.clone();
                if hop.jump.is_empty() {
                    hop.jump = outer.to_vec();
                }
                Some(Box::pin(self.connect(&hop)).await?.session.clone())
            }
            None => None,
        };
        let conn = Arc::new(self.open(target, via).await?);
        *slot = Some(conn.clone());
        Ok(conn)
    }

    /// Connect to every target in parallel; results in the order given.
    pub async fn connect_all(&self, targets: &[SshTarget]) -> Vec<ConnectOutcome> {
        let spread = Duration::from_millis(if targets.len() > 1 { 100 } else { 0 });
        let tasks = targets.iter().map(|t| async move {
            // Spread the first packets so no sshd sees a burst of
            // unauthenticated connections (MaxStartups).
            if !spread.is_zero() {
                let jitter = rand::random_range(0..spread.as_millis() as u64);
                tokio::time::sleep(Duration::from_millis(jitter)).await;
            }
            self.connect(t).await
        });
        futures::future::join_all(tasks).await
    }

    /// Close every connection.
    pub async fn close_all(&self) {
        let slots: Vec<_> = self.slots.lock().await.drain().map(|(_, s)| s).collect();
        let mut conns = Vec::new();
        for slot in slots {
            if let Some(c) = slot.lock().await.take() {
                conns.push(c);
            }
        }
        // Innermost first, so tunnels end before the hosts they run through.
        conns.sort_by_key(|c| std::cmp::Reverse(depth(&c.session)));
        for c in conns {
            c.close().await;
        }
    }

    async fn open(
        &self,
        target: &SshTarget,
        via: Option<Arc<Session>>,
    ) -> Result<Connection, TransportError> {
        let _permit = self
            .handshakes
            .acquire()
            .await
            .expect("handshake semaphore is never closed");
        let limit = self.config.connect_timeout;
        let addr = format!("{}:{}", target.address, target.port);
        let start = Instant::now();
        let deadline = tokio::time::Instant::now() + limit;
        let mut attempt = 0;
        tracing::debug!(
            host = %target.name,
            %addr,
            user = %target.user,
            via = %via.as_ref().map_or("-", |v| v.host.as_str()),
            "connecting"
        );
        let (handle, shared) = loop {
            attempt += 1;
            let handshake = self.handshake(target, via.as_deref(), &addr);
            match tokio::time::timeout_at(deadline, handshake).await {
                Ok(Ok(done)) => break done,
                // An sshd over its MaxStartups drops the connection before
                // the key exchange ends; a later try usually gets in.
                Ok(Err(Failure::Retryable(e))) if attempt < 3 => {
                    tracing::debug!(host = %target.name, "handshake failed, retrying: {e}");
                    let pause = Duration::from_millis(200 * attempt + rand::random_range(0..200));
                    tokio::time::sleep_until(deadline.min(tokio::time::Instant::now() + pause))
                        .await;
                }
                Ok(Err(Failure::Retryable(e) | Failure::Final(e))) => {
                    tracing::debug!(host = %target.name, "connect failed: {e}");
                    return Err(e);
                }
                Err(_) => {
                    tracing::debug!(host = %target.name, after = ?limit, "connect timed out");
                    return Err(TransportError::ConnectTimeout {
                        host: target.name.clone(),
                        addr,
                        after: limit,
                    });
                }
            }
        };
        let status = shared
            .host_key_status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or(HostKeyStatus::Known);
        let session = Session {
            host: target.name.clone(),
            user: target.user.clone(),
            handshake: start.elapsed(),
            host_key_status: status,
            handle,
            channel_slots: Arc::new(Semaphore::new(self.config.max_channels.max(1))),
            shared,
            via,
            web_client: target.web_client.clone(),
        };
        tracing::debug!(
            host = %target.name,
            took = ?session.handshake,
            host_key = ?session.host_key_status,
            "connected"
        );
        Ok(Connection {
            session: Arc::new(session),
        })
    }

    /// TCP (or tunnel), key exchange, host key check, authentication.
    async fn handshake(
        &self,
        target: &SshTarget,
        via: Option<&Session>,
        addr: &str,
    ) -> Result<(Handle<Client>, Arc<Shared>), Failure> {
        let cfg = &self.config;
        let keepalive = format!("{} x {:?}", cfg.keepalive_max + 1, cfg.keepalive_interval);
        let client = Client::new(
            target,
            self.known_hosts.clone(),
            cfg.accept_new,
            keepalive.clone(),
        );
        let shared = client.shared.clone();
        let config = Arc::new(self.client_config(target));
        let connect_err = |reason: String| TransportError::Connect {
            host: target.name.clone(),
            addr: addr.to_string(),
            reason,
        };

        let session = match via {
            None => {
                let tcp = tokio::net::TcpStream::connect((target.address.as_str(), target.port))
                    .await
                    .map_err(|e| Failure::Final(connect_err(e.to_string())))?;
                let _ = tcp.set_nodelay(true);
                client::connect_stream(config, tcp, client).await
            }
            Some(jump) => {
                let channel = jump
                    .handle
                    .channel_open_direct_tcpip(
                        target.address.clone(),
                        u32::from(target.port),
                        "127.0.0.1",
                        0,
                    )
                    .await
                    .map_err(|e| {
                        Failure::Final(connect_err(format!("through jump host {}: {e}", jump.host)))
                    })?;
                client::connect_stream(config, channel.into_stream(), client).await
            }
        };
        let mut handle = session.map_err(|e| match e {
            HandlerError::Refused(te) => Failure::Final(*te),
            other => Failure::Retryable(connect_err(describe(&other, &keepalive))),
        })?;
        super::auth::authenticate(&mut handle, target, cfg.use_agent)
            .await
            .map_err(Failure::Final)?;
        Ok((handle, shared))
    }

    fn client_config(&self, target: &SshTarget) -> client::Config {
        let cfg = &self.config;
        let mut preferred = russh::Preferred::default();
        // Ask only for key types known_hosts can vouch for, as ssh(1) does,
        // so a host whose RSA key is recorded is not reported as unknown
        // because it offered ed25519 first.
        let recorded = self.known_hosts.recorded_algorithms(target);
        if !recorded.is_empty() {
            let family = |a: &Algorithm| match a {
                Algorithm::Rsa { .. } => Algorithm::Rsa { hash: None },
                other => other.clone(),
            };
            let wanted: Vec<Algorithm> = recorded.iter().map(family).collect();
            let keys: Vec<Algorithm> = preferred
                .key
                .iter()
                .filter(|a| wanted.contains(&family(a)))
                .cloned()
                .collect();
            if !keys.is_empty() {
                preferred.key = keys.into();
            }
        }
        client::Config {
            nodelay: true,
            keepalive_interval: Some(cfg.keepalive_interval),
            keepalive_max: cfg.keepalive_max,
            inactivity_timeout: None,
            preferred,
            ..Default::default()
        }
    }
}

/// Why a handshake failed, and whether trying again can help.
enum Failure {
    Retryable(TransportError),
    Final(TransportError),
}

fn slot_key(t: &SshTarget) -> String {
    let mut key = format!("{}|{}@{}:{}", t.name, t.user, t.address, t.port);
    for j in &t.jump {
        key.push_str(&format!(" via {}", slot_key(j)));
    }
    key
}

fn depth(s: &Session) -> usize {
    s.via.as_ref().map_or(0, |v| 1 + depth(v))
}
