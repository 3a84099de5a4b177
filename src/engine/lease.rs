//! Taking and giving back the cluster lease around a run (see
//! `transport::lease`): nothing runs on any host while another run, from
//! this machine or another, holds a lease on one of them.

use std::sync::Arc;

use futures::future::join_all;
use tokio_util::sync::CancellationToken;

use super::run::Engine;
use crate::transport::lease::{self, Holder, LeaseAnswer};
use crate::transport::{Connection, ExecRequest};

/// The first hosts of the inventory carry every run's lease, whatever the
/// run touches: two runs on disjoint hosts of one cluster (two operators
/// restarting DataNodes on different workers) still exclude each other.
const LEASE_ANCHORS: usize = 3;

/// How long a lease command may take on a host.
const LEASE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl Engine<'_> {
    /// Takes the lease on every connected host for `run`. A lease left by a
    /// run whose process is gone from this machine is taken over; one held
    /// by a live run, or by a run on another machine, refuses the run,
    /// unless `break_lease` and that run has no task running on any host.
    pub(super) async fn take_lease(
        &self,
        run: &str,
        break_lease: bool,
        conns: &[Option<Arc<Connection>>],
    ) -> Result<(), String> {
        let me = Holder::this_process(run, &self.inventory.cluster);
        let hosts: Vec<usize> = (0..conns.len()).filter(|&h| conns[h].is_some()).collect();
        let answers = join_all(hosts.iter().map(|&h| self.acquire(h, conns, &me, None))).await;
        let mut held: Vec<(usize, Holder)> = Vec::new();
        for (&h, answer) in hosts.iter().zip(answers) {
            match answer {
                Ok(LeaseAnswer::Taken) => {}
                Ok(LeaseAnswer::Held(holder)) => held.push((h, holder)),
                Err(e) => {
                    self.release_lease(run, conns).await;
                    return Err(e);
                }
            }
        }
        // One verdict per holding run, however many hosts it holds, then
        // every takeover at once.
        let mut decided: Vec<&str> = Vec::new();
        for (h, holder) in &held {
            if decided.contains(&holder.run.as_str()) {
                continue;
            }
            let name = &self.inventory.hosts[*h].name;
            let why = if holder.is_stale_here() {
                format!("its process ({}) is gone from this machine", holder.pid)
            } else if break_lease {
                match self.holder_gone(holder, conns).await {
                    Ok(why) => why,
                    Err(e) => {
                        self.release_lease(run, conns).await;
                        return Err(format!("cannot break the cluster lease on {name}: {e}"));
                    }
                }
            } else {
                self.release_lease(run, conns).await;
                return Err(format!(
                    "{name}: the cluster lease is held by {}: another herd run is operating this cluster. \
                     Wait for it to end; if that run is gone (its machine died), re-run with --break-lease",
                    holder.describe()
                ));
            };
            tracing::warn!(
                "taking over the cluster lease of {} ({} host(s)): {why}",
                holder.describe(),
                held.iter().filter(|(_, o)| o.run == holder.run).count()
            );
            decided.push(&holder.run);
        }
        let takeovers = held
            .iter()
            .map(|(h, holder)| self.acquire(*h, conns, &me, Some(&holder.run)));
        for ((h, _), answer) in held.iter().zip(join_all(takeovers).await) {
            let name = &self.inventory.hosts[*h].name;
            let failure = match answer {
                Ok(LeaseAnswer::Taken) => continue,
                Ok(LeaseAnswer::Held(other)) => format!(
                    "{name}: the cluster lease was taken by {} meanwhile",
                    other.describe()
                ),
                Err(e) => e,
            };
            self.release_lease(run, conns).await;
            return Err(failure);
        }
        Ok(())
    }

    /// The anchor hosts the run does not touch anyway (see [`LEASE_ANCHORS`]).
    pub(super) fn lease_anchors(&self, used: &[usize]) -> Vec<usize> {
        (0..self.inventory.hosts.len().min(LEASE_ANCHORS))
            .filter(|h| !used.contains(h))
            .collect()
    }

    /// Per host, the command that gives `run`'s lease back there; the end
    /// of a run sends it with the records' cleanup, one exec per host.
    pub(super) fn lease_releases(
        &self,
        run: &str,
        conns: &[Option<Arc<Connection>>],
    ) -> Vec<Option<String>> {
        (0..conns.len())
            .map(|h| {
                conns[h]
                    .as_ref()
                    .map(|_| lease::release_command(&self.lease_key(h), run))
            })
            .collect()
    }

    /// Gives the lease back on every connected host that `run` holds it on.
    pub(super) async fn release_lease(&self, run: &str, conns: &[Option<Arc<Connection>>]) {
        let calls = (0..conns.len()).filter_map(|h| {
            let conn = conns[h].as_ref()?;
            let command = lease::release_command(&self.lease_key(h), run);
            Some(async move {
                if let Err(e) = exec(conn, command).await {
                    tracing::debug!("cluster lease left on {}: {e}", conn.host());
                }
            })
        });
        join_all(calls).await;
    }

    /// Why the holder may be taken to be gone, or why not: a holder on
    /// this machine whose process lives, or with a task still running on
    /// some host, is not.
    async fn holder_gone(
        &self,
        holder: &Holder,
        conns: &[Option<Arc<Connection>>],
    ) -> Result<String, String> {
        if holder.controller == lease::controller_name() {
            return Err(format!(
                "{} is still running on this machine; stop it first",
                holder.describe()
            ));
        }
        let checks = (0..conns.len()).filter_map(|h| {
            let conn = conns[h].as_ref()?;
            let dir = crate::transport::record::host_dir(&self.inventory.hosts[h].name);
            let command = lease::busy_command(&holder.run, &dir);
            Some(async move {
                let out = exec(conn, command).await?;
                lease::parse_busy(&out).map(|n| (h, n))
            })
        });
        for answer in join_all(checks).await {
            let (h, busy) = answer?;
            if busy > 0 {
                return Err(format!(
                    "{} still has {busy} task(s) running on {}",
                    holder.describe(),
                    self.inventory.hosts[h].name
                ));
            }
        }
        Ok("--break-lease, and no task of that run runs on any host".into())
    }

    async fn acquire(
        &self,
        h: usize,
        conns: &[Option<Arc<Connection>>],
        me: &Holder,
        replacing: Option<&str>,
    ) -> Result<LeaseAnswer, String> {
        let Some(conn) = conns[h].as_ref() else {
            return Ok(LeaseAnswer::Taken);
        };
        let command = lease::acquire_command(&self.lease_key(h), me, replacing);
        let out = exec(conn, command)
            .await
            .map_err(|e| format!("{}: cannot take the cluster lease: {e}", conn.host()))?;
        lease::parse_acquire(&out).map_err(|e| format!("{}: {e}", conn.host()))
    }

    /// The lease names the address and port herd reaches the host at: one
    /// per host on a real cluster, and one per loopback sshd where several
    /// "hosts" share a home.
    fn lease_key(&self, h: usize) -> String {
        let t = &self.targets[h];
        format!("{}_{}", t.address, t.port)
    }
}

async fn exec(conn: &Connection, command: String) -> Result<crate::transport::ExecOutput, String> {
    let req = ExecRequest {
        command,
        timeout: Some(LEASE_TIMEOUT),
        ..Default::default()
    };
    let out = conn
        .exec(&req, &CancellationToken::new())
        .await
        .map_err(|e| e.to_string())?;
    match out.exit_status {
        Some(0) => Ok(out),
        _ => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
    }
}
