//! The step every planner is made of: bounce one daemon (stop, wait for the
//! old process to be gone, start) and wait for its readiness probe; and the
//! services without HA roles, which are nothing but that, one host at a time.

use std::time::Duration;

use super::planner::{Planner, no_port};
use super::request::Refusal;
use super::stages::{BY_NAME, TIMEOUT, local_probe, slug, step};
use crate::model::{HostSelector, Probe};

impl Planner<'_> {
    /// Stop (waiting for the old process to be gone, so the new one can
    /// bind its ports), then start.
    pub(super) fn bounce(&self, role: &str, host: &str) -> String {
        let svc = Self::service(role);
        let s = &self.topo.settings;
        let sup = self.topo.supervisor(host);
        // Replaying a restart that was cut off must not bounce a daemon a
        // second time: one younger than the restart was bounced by it.
        let already = match (self.already_moved(role), self.since) {
            (Some(moved), _) => moved,
            (None, Some(t0)) => format!(
                "if [ -n \"$old\" ] && [ -d \"/proc/$old\" ] && [ $(( $(date +%s) - $(ps -o etimes= -p \"$old\") )) -ge {t0} ]; then\n  \
                   echo \"{role} (pid $old) was already restarted by this restart\"; exit 0\n\
                 fi\n"
            ),
            (None, None) => String::new(),
        };
        let handshake = self.shutdown_for_upgrade(role, host).unwrap_or_default();
        let link = self.switch_link(role).unwrap_or_default();
        // The pid file must name the running daemon before it is read:
        // otherwise the stop misses it and the start runs a second one.
        format!(
            "{running} >/dev/null || true\n\
             old=$({pid})\n\
             {already}\
             {handshake}\
             {stop} || true\n\
             i=0\n\
             while [ -n \"$old\" ] && [ -d \"/proc/$old\" ]; do\n  \
               if [ $i -ge 60 ]; then kill -9 \"$old\" 2>/dev/null; sleep 1; break; fi\n  \
               sleep 0.5; i=$((i+1))\n\
             done\n\
             {link}\
             {start}\n",
            running = svc.running_command(s, sup),
            pid = svc.pid_command(s, sup),
            stop = svc.stop_command(s, sup),
            start = svc.start_verified(s, sup),
        )
    }

    /// The service table's readiness probe for `role` on the stage's host,
    /// at the port the host's configuration gives it.
    pub(super) fn readiness(
        &self,
        role: &str,
        host: &str,
        timeout: Duration,
    ) -> Result<Probe, Refusal> {
        let svc = Self::service(role);
        let check = svc
            .probe(self.ports.host(host))
            .ok_or_else(|| no_port(role, host, "readiness"))?;
        // The address as the table says, for whichever host the stage runs on.
        Ok(local_probe(check, timeout).at(svc.probe_address(BY_NAME)))
    }

    /// Services without HA roles: one host at a time, own readiness probe.
    pub(super) fn singles(&mut self, role: &str, hosts: &[String]) -> Result<(), Refusal> {
        for h in hosts {
            let stage = step(
                &format!("{role}-{}", slug(h)),
                &format!("restart {role} on {h}; gate: its readiness probe"),
                HostSelector::hosts(std::slice::from_ref(h)),
                self.bounce(role, h),
            )
            .with_probe(self.readiness(role, h, TIMEOUT)?);
            self.out.push(stage, std::slice::from_ref(h));
        }
        Ok(())
    }
}
