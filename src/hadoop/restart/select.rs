//! Which daemons a restart bounces, and the stale marks it clears after.

use std::collections::BTreeMap;

use super::request::{ORDER, Options, WORKER_ROLES, WORKERS};
use super::stages::{Stages, slug, step};
use crate::hadoop::Topology;
use crate::hadoop::observe::Readings;
use crate::model::HostSelector;
use crate::shell::quote;

/// The (service, host) pairs to restart, in [`ORDER`] then inventory order.
pub(super) fn select(
    topo: &Topology,
    readings: &Readings,
    opts: &Options,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for role in ORDER {
        let named = match opts.service.as_str() {
            "all" => true,
            WORKERS => WORKER_ROLES.contains(role),
            s => s == *role,
        };
        if !named {
            continue;
        }
        for host in topo.hosts(role) {
            if let Some(only) = &opts.hosts
                && !only.contains(host)
            {
                continue;
            }
            if opts.stale && !is_stale(readings, host, role) {
                continue;
            }
            // A worker in maintenance or decommissioned is left as it is.
            if crate::hadoop::lifecycle::WORKER_ROLES.contains(role)
                && !topo.worker_state(host).in_service()
            {
                continue;
            }
            out.push((role.to_string(), host.clone()));
        }
    }
    out
}

fn is_stale(readings: &Readings, host: &str, role: &str) -> bool {
    matches!(readings.hosts.get(host), Some(Ok(hr)) if hr.stale.iter().any(|s| s == role))
}

/// One stage per host whose stale file lists a restarted service: those
/// lines go (the file itself stays, for the services still stale).
pub(super) fn clear_stale(
    topo: &Topology,
    readings: &Readings,
    targets: &[(String, String)],
    out: &mut Stages,
) {
    let mut cleared: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (role, host) in targets {
        if is_stale(readings, host, role) {
            cleared.entry(host).or_default().push(role);
        }
    }
    let f = quote(&topo.settings.stale_file());
    for (host, roles) in cleared {
        let mut cmd = format!("[ -f {f} ] || exit 0; cp -- {f} {f}.tmp");
        for s in &roles {
            cmd.push_str(&format!(
                " && {{ grep -vxF -- {} {f}.tmp > {f}.tmp2 || true; }} && mv -f -- {f}.tmp2 {f}.tmp",
                quote(s)
            ));
        }
        cmd.push_str(&format!(" && mv -f -- {f}.tmp {f}"));
        out.push(
            step(
                &format!("clear-stale-{}", slug(host)),
                &format!("{host}: clear the stale marks of {}", roles.join(", ")),
                HostSelector::hosts(&[host]),
                cmd,
            ),
            &[],
        );
    }
}
