//! Mesos masters: non-leaders first, the leader last, each restart followed
//! by exactly one master leading; and the count of agents the leader sees,
//! which gates agent batches.

use super::planner::{Planner, leader_last};
use super::request::Refusal;
use super::stages::{TIMEOUT, gate, http_equals, one_of, probe, slug, step};
use crate::model::{HostSelector, Probe};

impl Planner<'_> {
    /// The leading master (asked at `master`'s port) counts `count`
    /// activated agents.
    pub(super) fn agents_gate(&self, master: &str, count: usize) -> Result<Probe, Refusal> {
        Ok(one_of(
            "mesos-master",
            probe(
                http_equals(
                    self.web_port(master, "mesos-master")?,
                    "/master/state",
                    "/activated_slaves",
                    count as u64,
                ),
                TIMEOUT,
            ),
        ))
    }

    pub(super) fn mesos_master(&mut self, hosts: &[String]) -> Result<(), Refusal> {
        let mut leader = None;
        for m in &self.readings.mesos_masters {
            match &m.elected {
                Err(e) => {
                    return Err(Refusal::Unsafe(format!(
                        "refusing to restart mesos-master: the master on {} does not answer ({e}); restarting another would leave the replicated log without a quorum",
                        m.host
                    )));
                }
                Ok(true) => leader = Some(m.host.clone()),
                Ok(false) => {}
            }
        }
        let Some(leader) = leader else {
            return Err(Refusal::Unsafe(
                "refusing to restart mesos-master: no master leads".into(),
            ));
        };
        for h in leader_last(hosts, Some(&leader)) {
            let role = if h == leader { "leader" } else { "non-leader" };
            let stage = step(
                &format!("mesos-master-{}", slug(&h)),
                &format!("restart Mesos master on {h} ({role}); gate: /health"),
                HostSelector::hosts(std::slice::from_ref(&h)),
                self.bounce("mesos-master", &h),
            )
            .with_probe(self.readiness("mesos-master", &h, TIMEOUT)?);
            self.out.push(stage, std::slice::from_ref(&h));
            let p = one_of(
                "mesos-master",
                probe(
                    http_equals(
                        self.web_port(&h, "mesos-master")?,
                        "/metrics/snapshot",
                        "/master~1elected",
                        1u64,
                    ),
                    TIMEOUT,
                ),
            );
            let stage = gate(
                &format!("mesos-master-{}-leader", slug(&h)),
                "gate: exactly one Mesos master leads",
                HostSelector::role("mesos-master"),
                p,
            );
            self.out.push(stage, &[]);
        }
        Ok(())
    }
}
