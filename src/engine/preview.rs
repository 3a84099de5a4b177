//! What a stage will run on a host, rendered exactly as the run renders it,
//! for `herd plan`: an operator reviews the commands before they touch a host.

use super::gate_node::{rendered_address, rendered_check};
use super::privilege::become_user;
use super::template::{TemplateContext, render, render_raw};
use crate::model::{Inventory, Playbook, ProbeCheck};

/// Renders stages for hosts against one cluster context.
pub struct Preview<'a> {
    inventory: &'a Inventory,
    playbook: &'a Playbook,
    base: TemplateContext,
}

impl<'a> Preview<'a> {
    /// `extra` is the context the run adds (the bring-up's `hadoop`).
    pub fn new(
        inventory: &'a Inventory,
        playbook: &'a Playbook,
        extra: &serde_json::Map<String, serde_json::Value>,
    ) -> Preview<'a> {
        let mut base = TemplateContext::cluster(inventory, playbook);
        for (k, v) in extra {
            base.set(k, v.clone());
        }
        Preview {
            inventory,
            playbook,
            base,
        }
    }

    /// The command of playbook stage `stage` on inventory host `host`; None
    /// when the stage runs nothing.
    pub fn command(&self, stage: usize, host: usize) -> Option<Result<String, String>> {
        let run = self.playbook.stages[stage].run.as_ref()?;
        let ctx = self.base.for_host(self.inventory, self.playbook, host);
        Some(render(run, &ctx).map_err(|e| e.to_string()))
    }

    /// The user playbook stage `stage` runs as on host `host` through sudo,
    /// None for the login user; the template text where it does not render.
    pub fn become_user(&self, stage: usize, host: usize) -> Option<String> {
        let st = &self.playbook.stages[stage];
        let ctx = self.base.for_host(self.inventory, self.playbook, host);
        become_user(st, &self.inventory.hosts[host], &ctx)
            .unwrap_or_else(|_| st.privilege.user.clone())
    }

    /// The stage's probe as it applies to probed host `host`: the address
    /// it connects to and the check with its port and expectation rendered.
    pub fn gate(&self, stage: usize, host: usize) -> Option<Result<(String, ProbeCheck), String>> {
        let probe = self.playbook.stages[stage].probe.as_ref()?;
        let ctx = self.base.for_host(self.inventory, self.playbook, host);
        let address = match rendered_address(probe, &ctx) {
            Ok(a) => a,
            Err(e) => return Some(Err(e.to_string())),
        };
        Some(rendered_check(probe, &ctx).map(|check| (address, check)))
    }

    /// Each upload's source and destination as rendered for `host`; the
    /// template text where one does not render.
    pub fn uploads(&self, stage: usize, host: usize) -> Vec<(String, String)> {
        let ctx = self.base.for_host(self.inventory, self.playbook, host);
        let show = |t: &str| render_raw(t, &ctx).unwrap_or_else(|_| t.to_string());
        self.playbook.stages[stage]
            .upload
            .iter()
            .map(|u| (show(&u.src), show(&u.dest)))
            .collect()
    }
}
