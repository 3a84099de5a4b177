//! NameNodes: the standby first (then out of safe mode and knowing every
//! DataNode's storage, so it could serve), a graceful failover to it, then
//! the old active; the failover and the standby's health are shared with
//! the ZKFC restart.

use super::planner::Planner;
use super::request::Refusal;
use super::stages::{
    NN_TIMEOUT, TIMEOUT, gate, http_equals, http_matches, one_of, probe, slug, step,
};
use crate::model::{HostSelector, Probe, Stage};
use crate::shell::quote;

const NN_STATUS: &str = "/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus";

impl Planner<'_> {
    fn nn_port(&self, host: &str) -> Result<u16, Refusal> {
        self.web_port(host, "namenode")
    }

    /// The NameNode on the stage's host is in HA state `state`.
    pub(super) fn nn_state_probe(&self, host: &str, state: &str) -> Result<Probe, Refusal> {
        Ok(probe(
            http_equals(self.nn_port(host)?, NN_STATUS, "/beans/0/State", state),
            NN_TIMEOUT,
        ))
    }

    /// Exactly one NameNode is active.
    pub(super) fn one_active_nn(&self) -> Result<Probe, Refusal> {
        let host = self
            .topo
            .namenodes
            .first()
            .map(|(_, h)| h.clone())
            .unwrap_or_default();
        Ok(one_of(
            "namenode",
            probe(
                http_equals(self.nn_port(&host)?, NN_STATUS, "/beans/0/State", "active"),
                TIMEOUT,
            ),
        ))
    }

    pub(super) fn nn_id(&self, host: &str) -> String {
        self.topo.namenode_id(host).unwrap_or(host).to_string()
    }

    /// `hdfs haadmin -failover` from the NameNode on `active` to the one on
    /// `target`, gated on `target` being active.
    pub(super) fn failover(
        &self,
        name: &str,
        description: &str,
        active: &str,
        target: &str,
    ) -> Result<Stage, Refusal> {
        let run = format!(
            "{} haadmin -failover {} {}",
            self.hdfs(),
            quote(&self.nn_id(active)),
            quote(&self.nn_id(target))
        );
        Ok(step(name, description, HostSelector::hosts(&[target]), run)
            .with_probe(self.nn_state_probe(target, "active")?))
    }

    /// A NameNode that can take over: standby, out of safe mode, and a ZKFC
    /// beside it (with automatic failover, haadmin goes through the ZKFCs).
    fn nn_unhealthy(&self, host: &str) -> Option<String> {
        if self.state.nn_active.iter().any(|h| h == host) {
            return Some("state: active".into());
        }
        let r = self.readings.namenodes.iter().find(|n| n.host == host)?;
        let gated = self.state.nn_standby.contains(host);
        match &r.state {
            _ if gated && self.running(host, "zkfc") => None,
            Err(e) => Some(format!("state: {e}")),
            Ok(s) if s != "standby" => Some(format!("state: {s}")),
            Ok(_) if r.fs_state.as_deref() != Some("Operational") => Some(format!(
                "state: standby in {}",
                r.fs_state.as_deref().unwrap_or("unknown FSState")
            )),
            Ok(_) if !self.running(host, "zkfc") => Some("state: standby without its ZKFC".into()),
            Ok(_) => None,
        }
    }

    /// Standby NameNodes that are healthy now and not about to be stopped.
    pub(super) fn failover_target(&self, active: &str) -> Result<String, Refusal> {
        let others: Vec<&(String, String)> = self
            .topo
            .namenodes
            .iter()
            .filter(|(_, h)| h != active)
            .collect();
        let mut reasons = Vec::new();
        for (id, h) in &others {
            match self.nn_unhealthy(h) {
                None => return Ok(h.clone()),
                Some(why) => reasons.push(format!("{id} ({h}) is not a healthy standby ({why})")),
            }
        }
        if reasons.is_empty() {
            reasons.push("there is no other NameNode".into());
        }
        Err(Refusal::Unsafe(format!(
            "refusing to restart namenode: {}; restarting {} now would leave no NameNode serving",
            reasons.join("; "),
            self.nn_id(active)
        )))
    }

    pub(super) fn namenode(&mut self, hosts: &[String]) -> Result<(), Refusal> {
        let active = self.state.nn_active.clone();
        if active.len() != 1 {
            return Err(Refusal::Unsafe(format!(
                "refusing to restart namenode: {} NameNodes are active (expected exactly one)",
                active.len()
            )));
        }
        let active = active[0].clone();
        // Decide every refusal before the first stage.
        let target = if hosts.contains(&active) {
            Some(self.failover_target(&active)?)
        } else {
            None
        };
        for h in hosts.iter().filter(|h| **h != active) {
            self.restart_nn(h)?;
        }
        if let Some(target) = target {
            let (from, to) = (self.nn_id(&active), self.nn_id(&target));
            let stage = self.failover(
                &format!("namenode-failover-{}-to-{}", slug(&from), slug(&to)),
                &format!("hdfs haadmin -failover {from} {to}; gate: {to} ({target}) active"),
                &active,
                &target,
            )?;
            self.out.push(stage, &[]);
            self.state.nn_standby.remove(&target);
            self.state.nn_active = vec![target];
            self.restart_nn(&active)?;
        }
        let stage = gate(
            "namenode-one-active",
            "gate: exactly one NameNode active",
            HostSelector::role("namenode"),
            self.one_active_nn()?,
        );
        self.out.push(stage, &[]);
        Ok(())
    }

    fn restart_nn(&mut self, host: &str) -> Result<(), Refusal> {
        self.state.nn_standby.insert(host.to_string());
        let id = self.nn_id(host);
        let here = || HostSelector::hosts(&[host]);
        let stage = step(
            &format!("namenode-{}", slug(&id)),
            &format!("restart standby NameNode {id} ({host}); gate: standby"),
            here(),
            self.bounce("namenode", host),
        )
        .with_probe(self.nn_state_probe(host, "standby")?);
        self.out.push(stage, &[host.to_string()]);
        // A standby still in safe mode has not heard from the DataNodes:
        // failing over to it would leave HDFS read-only. Its block reports
        // only count once it has tailed the edits that created those
        // blocks, and it tails finalized segments only: rolling the active's
        // segment now saves waiting for the periodic roll (120 s).
        // The roll only saves time, so its failure does not stop the restart.
        let roll = format!(
            "{} dfsadmin -rollEdits || echo 'rollEdits failed: waiting for the periodic roll' >&2",
            self.hdfs()
        );
        let p = probe(
            http_equals(
                self.nn_port(host)?,
                "/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState",
                "/beans/0/FSState",
                "Operational",
            ),
            NN_TIMEOUT,
        );
        let stage = step(
            &format!("namenode-{}-out-of-safemode", slug(&id)),
            &format!(
                "hdfs dfsadmin -rollEdits; gate: {id} ({host}) out of safe mode (FSState Operational)"
            ),
            here(),
            roll,
        )
        .with_probe(p);
        self.out.push(stage, &[]);
        // A standby that left safe mode may still not know the DataNodes'
        // storages (an image without blocks leaves safe mode at once, before
        // any DataNode registered): as the active it would then refuse every
        // new block with "could only be written to 0 of the 1 minReplication
        // nodes". Storage arrives with each DataNode's first heartbeat, the
        // full block report right after it.
        let live = self.live_datanodes();
        if live > 0 {
            let p = probe(
                http_matches(
                    self.nn_port(host)?,
                    "/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo",
                    "/beans/0/LiveNodes",
                    &format!("(?s)(\"capacity\":[1-9].*){{{live}}}"),
                ),
                NN_TIMEOUT,
            );
            let stage = gate(
                &format!("namenode-{}-datanodes", slug(&id)),
                &format!("gate: {id} ({host}) has storage reports from all {live} live DataNodes"),
                here(),
                p,
            );
            self.out.push(stage, &[]);
        }
        Ok(())
    }

    /// DataNodes that will report to the restarted NameNode: those the
    /// active one counts live that also run now. Not the count alone: a
    /// DataNode stopped moments ago (decommissioned, or removed from the
    /// inventory) stays "live" for 10.5 minutes and would never report to a
    /// NameNode started since. At most the DataNodes in service, a bound
    /// that holds when no host could be read.
    fn live_datanodes(&self) -> u64 {
        let running = (self.serving("datanode") as u64).min(self.layout.datanodes as u64);
        self.readings
            .namenodes
            .iter()
            .filter(|n| matches!(&n.state, Ok(s) if s == "active"))
            .find_map(|n| n.live_datanodes)
            .map_or(running, |live| live.min(running))
    }
}
