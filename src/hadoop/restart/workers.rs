//! Workers (DataNodes, NodeManagers, Mesos agents) of one role in batches
//! (`batches.rs`): refused when a batch would leave none running or may
//! hold every replica of a block; each batch gated on its own registration,
//! then on the master counting them all.

use super::batches::{self, HostBatch};
use super::planner::Planner;
use super::request::{Batch, Refusal};
use super::stages::{TIMEOUT, gate, http_matches, probe, step};
use crate::model::{HostSelector, Probe};

impl Planner<'_> {
    pub(super) fn workers(
        &mut self,
        role: &str,
        hosts: &[String],
        batch: Batch,
    ) -> Result<(), Refusal> {
        let batches = batches::batches(role, hosts, &self.topo.racks, batch)?;
        self.check_batches(role, &batches, batch)?;
        let registered = self.registered_gate(role, self.serving(role))?;
        for (i, b) in batches.iter().enumerate() {
            let name = format!("{role}-batch-{}", i + 1);
            let mut group = Vec::new();
            // One command per part: every host bounces its own daemon (the
            // pid file path differs only by user, the same across a role),
            // but the commands differ by what supervises the daemon.
            for (k, part) in self.by_command(&b.hosts, |_| ()).into_iter().enumerate() {
                let stage = step(
                    &part_name(&name, k),
                    &format!(
                        "restart {role} on {}{}; gate: {}",
                        part.join(", "),
                        b.rack_note(),
                        gate_words(role)
                    ),
                    HostSelector::hosts(&part),
                    self.bounce(role, &part[0]),
                )
                .with_probe(self.worker_probe(role, &part[0])?);
                group.push((stage, part));
            }
            self.out.push_group(group);
            if let Some((master, description, p)) = &registered {
                let stage = gate(
                    &format!("{name}-registered"),
                    description,
                    HostSelector::role(master),
                    p.clone(),
                );
                self.out.push(stage, &[]);
            }
        }
        Ok(())
    }

    /// The refusals of `batches` of `role`'s hosts: one left running, and
    /// for DataNodes no batch that may hold every replica of a block.
    pub(super) fn check_batches(
        &self,
        role: &str,
        batches: &[HostBatch],
        batch: Batch,
    ) -> Result<(), Refusal> {
        let all = self.topo.hosts(role);
        let replication = match role {
            "datanode" => Some(self.replication()?),
            _ => None,
        };
        batches::left_running(role, all, &self.down(role), batches, batch)?;
        if let Some(rf) = replication {
            batches::replicas(all, &self.topo.racks, batches, batch, rf)?;
        }
        Ok(())
    }

    /// `hosts` in parts that one command serves: the same supervisor and
    /// the same `key`; parts in the order their first host comes.
    pub(super) fn by_command<K: PartialEq>(
        &self,
        hosts: &[String],
        key: impl Fn(&String) -> K,
    ) -> Vec<Vec<String>> {
        let mut parts: Vec<((K, _), Vec<String>)> = Vec::new();
        for h in hosts {
            let k = (key(h), self.topo.supervisor(h));
            match parts.iter_mut().find(|(pk, _)| *pk == k) {
                Some((_, part)) => part.push(h.clone()),
                None => parts.push((k, vec![h.clone()])),
            }
        }
        parts.into_iter().map(|(_, p)| p).collect()
    }

    /// The gate of one worker daemon on the stage's hosts (asked at
    /// `host`'s port, the same across a role).
    pub(super) fn worker_probe(&self, role: &str, host: &str) -> Result<Probe, Refusal> {
        if role != "datanode" {
            return self.readiness(role, host, TIMEOUT);
        }
        // Its own registration with every NameNode, not the live count: a
        // NameNode notices a dead DataNode only after 10.5 min.
        let namenodes = self.topo.namenodes.len().max(1);
        Ok(probe(
            http_matches(
                self.web_port(host, "datanode")?,
                "/jmx?qry=Hadoop:service=DataNode,name=DataNodeInfo",
                "/beans/0/BPServiceActorInfo",
                &format!("(?s)(\"ActorState\":\"RUNNING\".*){{{namenodes}}}"),
            ),
            TIMEOUT,
        ))
    }

    /// After each batch, the master's count of them all: (the master's
    /// role, description, probe); none for DataNodes, whose own probe
    /// already proves their registration.
    pub(super) fn registered_gate(
        &self,
        role: &str,
        count: usize,
    ) -> Result<Option<(&'static str, String, Probe)>, Refusal> {
        Ok(match role {
            "datanode" => None,
            "nodemanager" => {
                let Some(rm) = self.state.rm_active.first() else {
                    return Err(Refusal::Unsafe(
                        "refusing to restart nodemanager: no ResourceManager is active to count the NodeManagers".into(),
                    ));
                };
                Some((
                    "resourcemanager",
                    format!("gate: the active ResourceManager counts {count} NodeManagers"),
                    self.nodemanagers_gate(rm, count)?,
                ))
            }
            _ => {
                let Some(m) = self
                    .readings
                    .mesos_masters
                    .iter()
                    .find(|m| m.elected == Ok(true))
                else {
                    return Err(Refusal::Unsafe(
                        "refusing to restart mesos-agent: no Mesos master leads to count the agents".into(),
                    ));
                };
                Some((
                    "mesos-master",
                    format!("gate: the leading Mesos master counts {count} activated agents"),
                    self.agents_gate(&m.host, count)?,
                ))
            }
        })
    }
}

/// What a worker daemon's own gate checks, for the step's description.
pub(super) fn gate_words(role: &str) -> &'static str {
    match role {
        "datanode" => "registered (RUNNING) with every NameNode",
        "nodemanager" => "healthy",
        _ => "registered with the master",
    }
}

/// The name of part `k` of a batch's step: the batch's own for the first.
pub(super) fn part_name(batch: &str, k: usize) -> String {
    if k == 0 {
        batch.to_string()
    } else {
        format!("{batch}-{}", k + 1)
    }
}
