//! ResourceManagers: the standby first, then the active hands over by
//! stopping (automatic failover moves its ZooKeeper lock to the standby),
//! then it comes back as a standby; and the count of NodeManagers the
//! active sees, which gates NodeManager batches too.

use super::planner::Planner;
use super::request::Refusal;
use super::stages::{TIMEOUT, gate, http_equals, one_of, probe, slug, step};
use crate::model::{HostSelector, Probe};

impl Planner<'_> {
    /// The ResourceManager on the stage's host is in HA state `state`.
    fn rm_probe(&self, host: &str, state: &str) -> Result<Probe, Refusal> {
        Ok(probe(
            http_equals(
                self.web_port(host, "resourcemanager")?,
                "/ws/v1/cluster/info",
                "/clusterInfo/haState",
                state,
            ),
            TIMEOUT,
        ))
    }

    /// The active ResourceManager (asked at `rm`'s port) counts `count`
    /// active NodeManagers.
    pub(super) fn nodemanagers_gate(&self, rm: &str, count: usize) -> Result<Probe, Refusal> {
        Ok(one_of(
            "resourcemanager",
            probe(
                http_equals(
                    self.web_port(rm, "resourcemanager")?,
                    "/ws/v1/cluster/metrics",
                    "/clusterMetrics/activeNodes",
                    count as u64,
                ),
                TIMEOUT,
            ),
        ))
    }

    fn rm_id(&self, host: &str) -> String {
        self.topo
            .resourcemanager_id(host)
            .unwrap_or(host)
            .to_string()
    }

    pub(super) fn resourcemanager(&mut self, hosts: &[String]) -> Result<(), Refusal> {
        let active = self.state.rm_active.clone();
        if active.len() != 1 {
            return Err(Refusal::Unsafe(format!(
                "refusing to restart resourcemanager: {} ResourceManagers are active (expected exactly one)",
                active.len()
            )));
        }
        let active = active[0].clone();
        let mut successor = None;
        if hosts.contains(&active) {
            let mut reasons = Vec::new();
            for r in self
                .readings
                .resourcemanagers
                .iter()
                .filter(|r| r.host != active)
            {
                match &r.ha_state {
                    Ok(s) if s == "STANDBY" => {
                        successor = Some(r.host.clone());
                        break;
                    }
                    Ok(s) => reasons.push(format!("{} ({}) is {s}", r.id, r.host)),
                    Err(e) => reasons.push(format!("{} ({}) is not a standby ({e})", r.id, r.host)),
                }
            }
            if successor.is_none() {
                if reasons.is_empty() {
                    reasons.push("there is no other ResourceManager".into());
                }
                return Err(Refusal::Unsafe(format!(
                    "refusing to restart resourcemanager: {}; restarting {} now would leave no ResourceManager active",
                    reasons.join("; "),
                    self.rm_id(&active)
                )));
            }
        }
        for h in hosts.iter().filter(|h| **h != active) {
            let id = self.rm_id(h);
            let stage = step(
                &format!("resourcemanager-{}", slug(&id)),
                &format!("restart standby ResourceManager {id} ({h}); gate: STANDBY"),
                HostSelector::hosts(std::slice::from_ref(h)),
                self.bounce("resourcemanager", h),
            )
            .with_probe(self.rm_probe(h, "STANDBY")?);
            self.out.push(stage, std::slice::from_ref(h));
        }
        if let Some(next) = successor {
            // No `rmadmin -failover` with automatic failover: stopping the
            // active hands its ZooKeeper lock to the standby.
            let id = self.rm_id(&active);
            let here = || HostSelector::hosts(std::slice::from_ref(&active));
            let stop = Self::service("resourcemanager")
                .stop_command(&self.topo.settings, self.topo.supervisor(&active));
            let stage = step(
                &format!("resourcemanager-{}-stop", slug(&id)),
                &format!(
                    "stop active ResourceManager {id} ({active}); gate: another becomes ACTIVE"
                ),
                here(),
                stop,
            )
            .with_probe(one_of("resourcemanager", self.rm_probe(&active, "ACTIVE")?));
            self.out.push(stage, &[]);
            let stage = step(
                &format!("resourcemanager-{}", slug(&id)),
                &format!("start ResourceManager {id} ({active}); gate: STANDBY"),
                here(),
                self.bounce("resourcemanager", &active),
            )
            .with_probe(self.rm_probe(&active, "STANDBY")?);
            self.out.push(stage, std::slice::from_ref(&active));
            // NodeManagers find the new active only at their next retry
            // (tens of seconds): until then it schedules on fewer nodes.
            let nms = self.topo.hosts("nodemanager").len();
            if nms > 0 {
                let stage = gate(
                    "resourcemanager-nodemanagers",
                    &format!("gate: the active ResourceManager counts {nms} NodeManagers"),
                    HostSelector::role("resourcemanager"),
                    self.nodemanagers_gate(&next, nms)?,
                );
                self.out.push(stage, &[]);
            }
            self.state.rm_active = vec![next];
        }
        Ok(())
    }
}
