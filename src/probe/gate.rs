//! Polling a probe on a set of hosts until the expectation holds or time runs
//! out. The poll interval backs off from ~100 ms to ~2 s: fast gates are
//! noticed at once, slow daemons are not hammered.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::{Reading, check_once, satisfied};
use crate::events::ProbeReading;
use crate::model::{Expectation, ProbeCheck};
use crate::transport::{Connection, Pool, SshTarget, Sudo};

/// One host to probe, with its rendered address and command.
pub struct GateTarget {
    /// The check as it applies to this host (templates rendered).
    pub check: ProbeCheck,
    pub host: String,
    /// None when the host could not be reached.
    pub conn: Option<Arc<Connection>>,
    /// How to reconnect when the connection dies while the gate waits (a
    /// daemon restart can take sshd's network with it on small hosts).
    pub ssh: Option<SshTarget>,
    pub address: String,
    pub command: Option<String>,
    /// The secrets `command` refers to, handed to the host with it.
    pub secrets: Vec<(String, String)>,
    /// How `command` runs when the stage becomes a user on this host
    /// (network probes need no privilege and ignore it).
    pub sudo: Option<Sudo>,
}

#[derive(Debug, Clone)]
pub enum GateError {
    /// The expectation never held; the last readings show why.
    Timeout {
        after: Duration,
        readings: Vec<ProbeReading>,
    },
    Cancelled {
        readings: Vec<ProbeReading>,
    },
}

const FIRST_INTERVAL: Duration = Duration::from_millis(100);

/// Poll until satisfied. `on_poll` sees every round's readings (for progress).
/// On success returns the elapsed time, the readings, and the time since the
/// previous (failing) poll: the most the gate can have lagged behind the
/// condition becoming true.
pub async fn wait_for_gate(
    pool: Option<&Pool>,
    targets: &mut [GateTarget],
    expect: Expectation,
    timeout: Duration,
    max_interval: Duration,
    cancel: &CancellationToken,
    mut on_poll: impl FnMut(Duration, &[ProbeReading]),
) -> Result<(Duration, Vec<ProbeReading>, Duration), GateError> {
    let start = Instant::now();
    let mut interval = FIRST_INTERVAL.min(max_interval);
    let mut previous_poll = start;
    loop {
        reconnect(pool, targets).await;
        let polled_at = Instant::now();
        let readings = poll(targets).await;
        let labelled: Vec<ProbeReading> = targets
            .iter()
            .zip(&readings)
            .map(|(t, r)| ProbeReading {
                host: t.host.clone(),
                pass: r.pass,
                value: r.value.clone(),
            })
            .collect();
        let elapsed = start.elapsed();
        let passing = readings.iter().filter(|r| r.pass).count();
        tracing::debug!(hosts = readings.len(), passing, ?elapsed, "gate poll");
        if satisfied(expect, &readings) {
            let lag = if polled_at == previous_poll {
                Duration::ZERO
            } else {
                polled_at - previous_poll
            };
            return Ok((elapsed, labelled, lag));
        }
        previous_poll = polled_at;
        on_poll(elapsed, &labelled);
        if elapsed >= timeout {
            return Err(GateError::Timeout {
                after: elapsed,
                readings: labelled,
            });
        }
        let wait = interval
            .min(timeout.saturating_sub(elapsed))
            .max(Duration::from_millis(10));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = cancel.cancelled() => return Err(GateError::Cancelled { readings: labelled }),
        }
        interval = (interval * 3 / 2).min(max_interval);
    }
}

async fn reconnect(pool: Option<&Pool>, targets: &mut [GateTarget]) {
    let Some(pool) = pool else { return };
    let futs = targets
        .iter_mut()
        .filter(|t| t.conn.as_ref().is_some_and(|c| c.is_closed()))
        .map(|t| async move {
            if let Some(ssh) = &t.ssh
                && let Ok(c) = pool.connect(ssh).await
            {
                t.conn = Some(c);
            }
        });
    futures::future::join_all(futs).await;
}

async fn poll(targets: &[GateTarget]) -> Vec<Reading> {
    let futs = targets.iter().map(|t| async move {
        match &t.conn {
            Some(conn) if !conn.is_closed() => {
                let command = t.command.as_deref().map(|c| (c, t.sudo.as_ref()));
                check_once(conn, &t.check, &t.address, command, &t.secrets).await
            }
            Some(_) => Reading::fail("connection lost"),
            None => Reading::fail("unreachable"),
        }
    });
    futures::future::join_all(futs).await
}
