//! ZooKeeper: followers first, the leader last, each restart followed by
//! the ensemble electing exactly one leader.

use super::planner::{Planner, leader_last};
use super::request::Refusal;
use super::stages::{TIMEOUT, gate, local_probe, one_of, regex, slug, step};
use crate::model::{HostSelector, ProbeCheck};

fn srvr(port: u16, mode: &str) -> ProbeCheck {
    ProbeCheck::Zk {
        port,
        word: "srvr".into(),
        matches: Some(regex(mode)),
    }
}

impl Planner<'_> {
    pub(super) fn zookeeper(&mut self, hosts: &[String]) -> Result<(), Refusal> {
        let mut leader = None;
        for z in &self.readings.zookeepers {
            match &z.mode {
                Err(e) => {
                    return Err(Refusal::Unsafe(format!(
                        "refusing to restart zookeeper: server {} ({}) is not serving ({e}); restarting another would leave no quorum",
                        z.myid, z.host
                    )));
                }
                Ok(m) if m == "leader" => leader = Some(z.host.clone()),
                Ok(_) => {}
            }
        }
        // The quorum gate asks every server at one port: the first's.
        let first = self
            .topo
            .hosts("zookeeper")
            .first()
            .cloned()
            .unwrap_or_default();
        let quorum_port = self.web_port(&first, "zookeeper")?;
        for h in leader_last(hosts, leader.as_deref()) {
            let myid = self.topo.zookeeper_myid(&h).unwrap_or(0);
            let role = if Some(&h) == leader.as_ref() {
                "leader"
            } else {
                "follower"
            };
            let p = local_probe(
                srvr(self.web_port(&h, "zookeeper")?, "Mode: (leader|follower)"),
                TIMEOUT,
            );
            let stage = step(
                &format!("zookeeper-{}", slug(&h)),
                &format!(
                    "restart ZooKeeper {myid} ({h}, {role}); gate: it serves as follower or leader"
                ),
                HostSelector::hosts(std::slice::from_ref(&h)),
                self.bounce("zookeeper", &h),
            )
            .with_probe(p);
            self.out.push(stage, std::slice::from_ref(&h));
            let p = one_of(
                "zookeeper",
                local_probe(srvr(quorum_port, "Mode: leader"), TIMEOUT),
            );
            let stage = gate(
                &format!("zookeeper-{}-quorum", slug(&h)),
                "gate: the ensemble has exactly one leader",
                HostSelector::role("zookeeper"),
                p,
            );
            self.out.push(stage, &[]);
        }
        Ok(())
    }
}
