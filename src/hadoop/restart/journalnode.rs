//! JournalNodes, one at a time, each between two edit-log rolls: the first
//! finalizes the segment it would leave open, the second proves it writes
//! again.

use super::planner::Planner;
use super::request::Refusal;
use super::stages::{TIMEOUT, http_matches, probe, slug, step};
use crate::model::{Expectation, HostSelector};

impl Planner<'_> {
    pub(super) fn journalnode(&mut self, hosts: &[String]) -> Result<(), Refusal> {
        // Three JournalNodes tolerate one down: a second would stop HDFS writes.
        for h in self.topo.hosts("journalnode") {
            if !self.running(h, "journalnode") {
                return Err(Refusal::Unsafe(format!(
                    "refusing to restart journalnode: the JournalNode on {h} is down; restarting another would leave the edit log without a quorum"
                )));
            }
        }
        if self.state.nn_active.len() != 1 {
            return Err(Refusal::Unsafe(
                "refusing to restart journalnode: no single active NameNode to roll the edit log"
                    .into(),
            ));
        }
        let ns = self.topo.settings.nameservice.clone();
        let roll = format!("{} dfsadmin -rollEdits", self.hdfs());
        for h in hosts {
            let here = || HostSelector::hosts(std::slice::from_ref(h));
            let stage = step(
                &format!("journalnode-{}-roll", slug(h)),
                "hdfs dfsadmin -rollEdits: finalize the segment before a JournalNode leaves",
                HostSelector::role("namenode"),
                roll.clone(),
            )
            .run_once();
            self.out.push(stage, &[]);
            let port = self.readiness_port(h, "journalnode")?;
            let stage = step(
                &format!("journalnode-{}", slug(h)),
                &format!("restart JournalNode on {h}; gate: {port} answers"),
                here(),
                self.bounce("journalnode", h),
            )
            .with_probe(self.readiness("journalnode", h, TIMEOUT)?);
            self.out.push(stage, std::slice::from_ref(h));
            // A restarted JournalNode rejoins the writer at the next segment:
            // roll one, then see it has written transactions since it started.
            let p = probe(
                http_matches(
                    self.web_port(h, "journalnode")?,
                    &format!("/jmx?qry=Hadoop:service=JournalNode,name=Journal-{ns}"),
                    "/beans/0/TxnsWritten",
                    "^[1-9][0-9]*$",
                ),
                TIMEOUT,
            )
            .on(here(), Expectation::All);
            let stage = step(
                &format!("journalnode-{}-writing", slug(h)),
                &format!(
                    "hdfs dfsadmin -rollEdits; gate: the JournalNode on {h} writes edits again"
                ),
                HostSelector::role("namenode"),
                roll.clone(),
            )
            .run_once()
            .with_probe(p);
            self.out.push(stage, &[]);
        }
        Ok(())
    }
}
