//! Every template of a run rendered for every host it will run on, before
//! any connection: an undefined name or an unknown filter in stage 20 is the
//! input's fault, and must not surface after stages 1 to 19 changed hosts.

use super::gate_node::{rendered_address, rendered_check};
use super::privilege::become_user;
use super::template::{TemplateContext, render, render_raw};
use crate::model::{Inventory, Playbook, ProbeCheck};
use crate::plan::Plan;

/// Each problem as `FILE:LINE:COL: stages[N].FIELD: host H: what`, in plan order.
pub fn check(
    inventory: &Inventory,
    playbook: &Playbook,
    plan: &Plan,
    context: &serde_json::Map<String, serde_json::Value>,
) -> Vec<String> {
    let mut base = TemplateContext::cluster(inventory, playbook);
    for (k, v) in context {
        base.set(k, v.clone());
    }
    let mut problems = Vec::new();
    for planned in &plan.stages {
        let st = &playbook.stages[planned.stage];
        let mut say = |field: &str, host: usize, e: String| {
            let problem = format!(
                "{}: stages[{}].{field}: host {}: {e}",
                st.location, planned.stage, inventory.hosts[host].name
            );
            // A host that both runs and probes a stage is told once.
            if !problems.contains(&problem) {
                problems.push(problem);
            }
        };
        for &h in &planned.hosts {
            let ctx = base.for_host(inventory, playbook, h);
            for (field, tpl) in [
                ("run", st.run.as_ref()),
                ("creates", st.creates.as_ref()),
                ("unless", st.unless.as_ref()),
            ] {
                if let Some(Err(e)) = tpl.map(|t| render(t, &ctx)) {
                    say(field, h, e.to_string());
                }
            }
            if let Some(Err(e)) = st.when.as_ref().map(|t| super::when_clause::holds(t, &ctx)) {
                say("when", h, e);
            }
            for (i, u) in st.upload.iter().enumerate() {
                for (part, tpl) in [("src", &u.src), ("dest", &u.dest)] {
                    if let Err(e) = render_raw(tpl, &ctx) {
                        say(&format!("upload[{i}].{part}"), h, e.to_string());
                    }
                }
            }
            if st.has_work()
                && let Err(e) = become_user(st, &inventory.hosts[h], &ctx)
            {
                say("become_user", h, e);
            }
        }
        let Some(probe) = &st.probe else { continue };
        for &h in &planned.probe_hosts {
            let ctx = base.for_host(inventory, playbook, h);
            if let Err(e) = rendered_address(probe, &ctx) {
                say("probe.address", h, e.to_string());
            }
            if let Err(e) = rendered_check(probe, &ctx) {
                say("probe", h, e);
            }
            if let ProbeCheck::Command { run, .. } = &probe.check {
                if let Err(e) = render(run, &ctx) {
                    say("probe.command.run", h, e.to_string());
                }
                if let Err(e) = become_user(st, &inventory.hosts[h], &ctx) {
                    say("become_user", h, e);
                }
            }
        }
    }
    problems
}
