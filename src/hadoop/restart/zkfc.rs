//! ZKFCs: the one beside the active NameNode holds the lock, so it goes
//! last, after a graceful failover hands the active role to another.

use super::planner::Planner;
use super::request::Refusal;
use super::stages::{TIMEOUT, gate, slug, step};
use crate::model::HostSelector;

impl Planner<'_> {
    pub(super) fn zkfc(&mut self, hosts: &[String]) -> Result<(), Refusal> {
        let active = self.state.nn_active.clone();
        if active.len() != 1 {
            return Err(Refusal::Unsafe(format!(
                "refusing to restart zkfc: {} NameNodes are active (expected exactly one)",
                active.len()
            )));
        }
        let active = active[0].clone();
        // The ZKFC beside the active NameNode holds the lock: stopping it
        // would fail over unannounced when its session expires. Hand the
        // active role over gracefully first, so no stopped ZKFC holds it.
        let mut failover_first = if hosts.contains(&active) {
            Some(self.failover_target(&active).map_err(|r| match r {
                Refusal::Unsafe(m) => Refusal::Unsafe(m.replacen(
                    "refusing to restart namenode",
                    "refusing to restart zkfc",
                    1,
                )),
                other => other,
            })?)
        } else {
            None
        };
        let mut order: Vec<String> = hosts.iter().filter(|h| **h != active).cloned().collect();
        if failover_first.is_some() {
            order.push(active.clone());
        }
        for h in order {
            if h == active
                && let Some(target) = failover_first.take()
            {
                let (from, to) = (self.nn_id(&active), self.nn_id(&target));
                let stage = self.failover(
                    &format!("zkfc-failover-{}-to-{}", slug(&from), slug(&to)),
                    &format!("hdfs haadmin -failover {from} {to}, so the ZKFC of {active} holds no lock; gate: {to} active"),
                    &active,
                    &target,
                )?;
                self.out.push(stage, &[]);
                self.state.nn_standby.remove(&target);
                self.state.nn_standby.insert(active.clone());
                self.state.nn_active = vec![target];
            }
            let port = self.readiness_port(&h, "zkfc")?;
            let stage = step(
                &format!("zkfc-{}", slug(&h)),
                &format!("restart ZKFC on {h}; gate: it listens ({port})"),
                HostSelector::hosts(std::slice::from_ref(&h)),
                self.bounce("zkfc", &h),
            )
            .with_probe(self.readiness("zkfc", &h, TIMEOUT)?);
            self.out.push(stage, std::slice::from_ref(&h));
            let stage = gate(
                &format!("zkfc-{}-one-active", slug(&h)),
                "gate: exactly one NameNode active",
                HostSelector::role("namenode"),
                self.one_active_nn()?,
            );
            self.out.push(stage, &[]);
        }
        Ok(())
    }
}
