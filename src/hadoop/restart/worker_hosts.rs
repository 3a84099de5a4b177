//! `herd restart workers`: every worker daemon of a batch of hosts
//! (DataNode, NodeManager, Mesos agent: whichever each host has) bounced in
//! one step, then the batch's gates at once (each DataNode registered with
//! every NameNode, each NodeManager healthy, each agent registered, and the
//! masters' counts), instead of one pass over the hosts per role.

use super::batches::{self, HostBatch};
use super::planner::Planner;
use super::request::{Batch, Refusal, WORKER_ROLES};
use super::stages::{gate, step};
use super::workers::{gate_words, part_name};
use crate::model::HostSelector;

impl Planner<'_> {
    /// `hosts`: the worker hosts to restart, in inventory order, each with
    /// the worker roles to bounce there (in [`WORKER_ROLES`] order).
    pub(super) fn worker_hosts(
        &mut self,
        hosts: &[(String, Vec<&'static str>)],
        batch: Batch,
    ) -> Result<(), Refusal> {
        let names: Vec<String> = hosts.iter().map(|(h, _)| h.clone()).collect();
        let roles_of = |h: &String| -> Vec<&'static str> {
            hosts
                .iter()
                .find(|(x, _)| x == h)
                .map(|(_, r)| r.clone())
                .unwrap_or_default()
        };
        let batches = batches::batches("worker", &names, &self.topo.racks, batch)?;
        // Each role's hosts among the batches keep that role's rules.
        let mut counts = Vec::new();
        let mut present = Vec::new();
        for role in WORKER_ROLES {
            let of_role: Vec<String> = names
                .iter()
                .filter(|h| roles_of(h).contains(role))
                .cloned()
                .collect();
            if of_role.is_empty() {
                continue;
            }
            let within: Vec<HostBatch> = batches.iter().map(|b| b.within(&of_role)).collect();
            self.check_batches(role, &within, batch)?;
            counts.extend(self.registered_gate(role, self.serving(role))?);
            present.push((*role, of_role));
        }
        for (i, b) in batches.iter().enumerate() {
            let name = format!("workers-batch-{}", i + 1);
            let mut restarts = Vec::new();
            for (k, part) in self
                .by_command(&b.hosts, |h| roles_of(h))
                .into_iter()
                .enumerate()
            {
                let roles = roles_of(&part[0]);
                let stage = step(
                    &part_name(&name, k),
                    &format!(
                        "restart {} on {}{}",
                        roles.join(", "),
                        part.join(", "),
                        b.rack_note()
                    ),
                    HostSelector::hosts(&part),
                    self.bounce_all(&roles, &part[0]),
                );
                restarts.push((stage, part));
            }
            self.out.push_group(restarts);
            let mut gates = Vec::new();
            for (role, of_role) in &present {
                let here = b.within(of_role).hosts;
                if here.is_empty() {
                    continue;
                }
                let stage = gate(
                    &format!("{name}-{role}"),
                    &format!("gate: {role} on {} {}", here.join(", "), gate_words(role)),
                    HostSelector::hosts(&here),
                    self.worker_probe(role, &here[0])?,
                );
                gates.push((stage, Vec::new()));
            }
            for (master, description, p) in &counts {
                let stage = gate(
                    &format!("{name}-{master}-count"),
                    description,
                    HostSelector::role(master),
                    p.clone(),
                );
                gates.push((stage, Vec::new()));
            }
            self.out.push_group(gates);
        }
        Ok(())
    }

    /// Bounce each of `roles` on the stage's hosts, one after the other;
    /// each in a subshell, so one already restarted (a replay) skips only
    /// itself, and the first that fails to start fails the step.
    fn bounce_all(&self, roles: &[&str], host: &str) -> String {
        roles
            .iter()
            .map(|r| format!("# {r}\n(\n{}) || exit $?\n", self.bounce(r, host)))
            .collect()
    }
}
