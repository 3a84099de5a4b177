//! Before the first stage: on every host where some planned task becomes a
//! user, one exec asks sudo whether it will run as each of those users. A
//! host that refuses stops the run before anything runs on any host, with
//! sudo's reason and the first stage that would have needed it.

use std::sync::Arc;

use futures::future::join_all;

use super::privilege::{become_user, wants};
use super::run::{Engine, RunOptions};
use super::template::TemplateContext;
use crate::model::ProbeCheck;
use crate::transport::Connection;
use crate::transport::sudo_check;

/// A user a host's tasks become, and the first stage (in plan order) that does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Need {
    pub user: String,
    pub stage: String,
}

impl Engine<'_> {
    /// Per inventory host, the users its planned work becomes: tasks with
    /// something to run (not the ones a replay skips) and command probes.
    pub(super) fn become_needs(
        &self,
        opts: &RunOptions,
        base: &TemplateContext,
    ) -> Result<Vec<Vec<Need>>, String> {
        let hosts = &self.inventory.hosts;
        let mut needs: Vec<Vec<Need>> = vec![Vec::new(); hosts.len()];
        for (i, planned) in self.plan.stages.iter().enumerate() {
            if opts.excluded_stages.contains(&i) {
                continue;
            }
            let st = &self.playbook.stages[planned.stage];
            let tasks = planned.hosts.iter().filter(|&&h| {
                st.has_work()
                    && !opts
                        .done_tasks
                        .contains(&(st.name.clone(), hosts[h].name.clone()))
            });
            let probes = planned.probe_hosts.iter().filter(|_| {
                matches!(
                    st.probe.as_ref().map(|p| &p.check),
                    Some(ProbeCheck::Command { .. })
                )
            });
            for &h in tasks.chain(probes) {
                if !wants(&st.privilege, &hosts[h]) {
                    continue;
                }
                let ctx = base.for_host(self.inventory, self.playbook, h);
                let user = become_user(st, &hosts[h], &ctx)
                    .map_err(|e| format!("stage '{}' on host {}: {e}", st.name, hosts[h].name))?;
                if let Some(user) = user
                    && !needs[h].iter().any(|n| n.user == user)
                {
                    needs[h].push(Need {
                        user,
                        stage: st.name.clone(),
                    });
                }
            }
        }
        Ok(needs)
    }

    /// Asks sudo on every connected host that needs it; every refusal, one
    /// line per host, is the error.
    pub(super) async fn check_sudo(
        &self,
        opts: &RunOptions,
        conns: &[Option<Arc<Connection>>],
        base: &TemplateContext,
    ) -> Result<(), String> {
        let needs = self.become_needs(opts, base)?;
        let password = self.become_password.as_ref();
        let checks = needs.iter().enumerate().filter_map(|(h, needs)| {
            let conn = conns[h].as_ref()?;
            if needs.is_empty() {
                return None;
            }
            let users: Vec<&str> = needs.iter().map(|n| n.user.as_str()).collect();
            Some(async move {
                let name = &self.inventory.hosts[h].name;
                match sudo_check::check(conn, &users, password).await {
                    Ok(answers) => answers
                        .iter()
                        .zip(needs)
                        .filter(|(a, _)| !a.verdict.is_ok())
                        .map(|(a, n)| {
                            format!(
                                "sudo refused on {name}: stage '{}' runs as {} there: {}",
                                n.stage,
                                n.user,
                                a.explain()
                            )
                        })
                        .collect::<Vec<_>>(),
                    Err(e) => vec![format!(
                        "cannot check sudo on {name} (stage '{}' runs as {} there): {e}",
                        needs[0].stage, needs[0].user
                    )],
                }
            })
        });
        let refusals: Vec<String> = join_all(checks).await.into_iter().flatten().collect();
        if refusals.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{}\nnothing was run on any host",
                refusals.join("\n")
            ))
        }
    }
}
