//! Workers (DataNodes, NodeManagers, Mesos agents) in batches: refused when
//! a batch, with those already down, would leave none running; each batch
//! gated on its own registration, then on the master counting them all.

use super::planner::Planner;
use super::request::Refusal;
use super::stages::{TIMEOUT, gate, http_matches, probe, step};
use crate::model::{HostSelector, Probe};

impl Planner<'_> {
    pub(super) fn workers(
        &mut self,
        role: &str,
        hosts: &[String],
        batch: usize,
    ) -> Result<(), Refusal> {
        let all = self.topo.hosts(role);
        let down: Vec<&String> = all.iter().filter(|h| !self.running(h, role)).collect();
        let out_at_once = down.len() + batch.min(hosts.len());
        if out_at_once >= all.len() {
            let why = if down.is_empty() {
                String::new()
            } else {
                format!(
                    " with {} already down ({})",
                    down.len(),
                    down.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Err(Refusal::Unsafe(format!(
                "refusing to restart {role}: batches of {batch}{why} would leave no {role} running (of {})",
                all.len()
            )));
        }
        let registered = self.registered_gate(role, all.len())?;
        let namenodes = self.topo.namenodes.len().max(1);
        for (i, chunk) in hosts.chunks(batch).enumerate() {
            let name = format!("{role}-batch-{}", i + 1);
            let p = if role == "datanode" {
                // Its own registration with every NameNode, not the live
                // count: a NameNode notices a dead DataNode only after 10.5 min.
                probe(
                    http_matches(
                        self.web_port(&chunk[0], "datanode")?,
                        "/jmx?qry=Hadoop:service=DataNode,name=DataNodeInfo",
                        "/beans/0/BPServiceActorInfo",
                        &format!("(?s)(\"ActorState\":\"RUNNING\".*){{{namenodes}}}"),
                    ),
                    TIMEOUT,
                )
            } else {
                self.readiness(role, &chunk[0], TIMEOUT)?
            };
            let what = match role {
                "datanode" => "registered (RUNNING) with every NameNode",
                "nodemanager" => "healthy",
                _ => "registered with the master",
            };
            // One command for the batch: every host bounces its own daemon
            // (the pid file path differs only by user, the same across a role).
            let stage = step(
                &name,
                &format!("restart {role} on {}; gate: {what}", chunk.join(", ")),
                HostSelector::hosts(chunk),
                self.bounce(role, &chunk[0]),
            )
            .with_probe(p);
            self.out.push(stage, chunk);
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

    /// After each batch, the master's count of them all: (the master's
    /// role, description, probe); none for DataNodes, whose own probe
    /// already proves their registration.
    fn registered_gate(
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
