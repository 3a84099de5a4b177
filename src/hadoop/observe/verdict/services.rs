//! A row per host and per host x service: running, down or unreachable, its
//! pid and ports, its HA role, and what is wrong with it in words.

use std::collections::BTreeMap;

use super::status::{HostProblem, HostRow, ServiceRow};
use super::words::{join_ports, unreachable};
use crate::hadoop::observe::layout::Layout;
use crate::hadoop::observe::readings::{Proc, Readings, Supervision};

/// The rows of every host of the layout, and the stale services per host.
pub(super) struct Rows {
    pub hosts: Vec<HostRow>,
    pub services: Vec<ServiceRow>,
    pub stale: BTreeMap<String, Vec<String>>,
}

/// The rows, each service's trouble added to `problems` (a misnamed pid file
/// is said in its row but is not a problem of the cluster).
pub(super) fn rows(layout: &Layout, r: &Readings, problems: &mut Vec<HostProblem>) -> Rows {
    let mut hosts = Vec::new();
    let mut services = Vec::new();
    let mut stale_map = BTreeMap::new();
    for h in &layout.hosts {
        let reading = r.hosts.get(&h.name);
        match reading {
            Some(Ok(hr)) => {
                if !hr.stale.is_empty() {
                    stale_map.insert(h.name.clone(), hr.stale.clone());
                }
                hosts.push(HostRow {
                    host: h.name.clone(),
                    reachable: true,
                    error: None,
                    stale: hr.stale.clone(),
                });
                for svc in &h.services {
                    let proc = hr.procs.get(svc.role).cloned().unwrap_or(Proc::NoPidFile);
                    let listening: Vec<u16> = match &hr.listening {
                        Some(l) => svc
                            .ports
                            .iter()
                            .copied()
                            .filter(|p| l.contains(p))
                            .collect(),
                        None => Vec::new(),
                    };
                    let missing: Vec<u16> = match &hr.listening {
                        Some(l) => svc
                            .ports
                            .iter()
                            .copied()
                            .filter(|p| !l.contains(p))
                            .collect(),
                        None => Vec::new(),
                    };
                    let misnamed = matches!(proc, Proc::Misnamed { .. });
                    let supervision = hr.supervision.get(svc.role).copied();
                    let unit = hr.units.get(svc.role);
                    let (state, pid, note) = match proc {
                        Proc::Running { pid } => {
                            let note = (!missing.is_empty())
                                .then(|| format!("not listening on {}", join_ports(&missing)));
                            ("running", Some(pid), note)
                        }
                        // Running all the same: not a problem of the
                        // cluster, but said, since stop and status read
                        // the pid file.
                        Proc::Misnamed { pid, named } => (
                            "running",
                            Some(pid),
                            Some(match named {
                                Some(n) => format!(
                                    "pid file names {n}, not the running pid (herd up repairs it)"
                                ),
                                None => "pid file names no pid (herd up repairs it)".into(),
                            }),
                        ),
                        Proc::Dead { pid } => (
                            "down",
                            None,
                            Some(match pid {
                                Some(p) => format!("pid {p} in its pid file is not running"),
                                None => "its pid file holds no pid".into(),
                            }),
                        ),
                        Proc::NoPidFile => ("down", None, Some("not running (no pid file)".into())),
                    };
                    // Under systemd the unit says more than the pid file.
                    let note = match (state, unit) {
                        ("down", Some(u)) if u.sub == "auto-restart" => Some(format!(
                            "exited; systemd starts it again within {} s",
                            crate::hadoop::render::RESTART_SEC
                        )),
                        ("down", Some(u)) => Some(format!("its unit is {} ({})", u.active, u.sub)),
                        _ => note,
                    };
                    let note = match (supervision, note) {
                        (Some(Supervision::Outside), n) => Some(
                            [
                                n,
                                Some("runs outside its systemd unit: nothing restarts it".into()),
                            ]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join("; "),
                        ),
                        (_, n) => n,
                    };
                    // A worker out of service may be down: that is the point.
                    let out = layout.out_of_service(&h.name, svc.role);
                    let (state, note) = match (out, state) {
                        (Some(st), "down") => (st.word(), None),
                        (Some(st), s) => (s, Some(format!("{} (herd's record)", st.word()))),
                        (None, s) => (s, note),
                    };
                    if let Some(n) = &note
                        && !misnamed
                        && out.is_none()
                    {
                        problems.push(HostProblem {
                            host: h.name.clone(),
                            service: Some(svc.role.to_string()),
                            what: n.clone(),
                        });
                    }
                    services.push(ServiceRow {
                        host: h.name.clone(),
                        service: svc.role.to_string(),
                        state: state.into(),
                        pid,
                        supervisor: supervision.map(|x| x.name().to_string()),
                        version: r.version(&h.name, svc.role).map(String::from),
                        listening,
                        missing_ports: missing,
                        ha: ha_of(r, &h.name, svc.role),
                        stale: hr.stale.iter().any(|s| s == svc.role),
                        note,
                    });
                }
            }
            _ => {
                let e = unreachable(r, &h.name).unwrap_or_default();
                let out = layout.out_of_service.get(&h.name).copied();
                // A host in maintenance may well be off; not a problem.
                if out.is_none() {
                    problems.push(HostProblem {
                        host: h.name.clone(),
                        service: None,
                        what: e.clone(),
                    });
                }
                hosts.push(HostRow {
                    host: h.name.clone(),
                    reachable: false,
                    error: Some(e.clone()),
                    stale: Vec::new(),
                });
                for svc in &h.services {
                    services.push(ServiceRow {
                        host: h.name.clone(),
                        service: svc.role.to_string(),
                        state: match layout.out_of_service(&h.name, svc.role) {
                            Some(st) => format!("{} (unreachable)", st.word()),
                            None => "unreachable".into(),
                        },
                        pid: None,
                        supervisor: None,
                        version: None,
                        listening: Vec::new(),
                        missing_ports: Vec::new(),
                        ha: None,
                        stale: false,
                        note: None,
                    });
                }
            }
        }
    }
    Rows {
        hosts,
        services,
        stale: stale_map,
    }
}

/// The HA role the endpoint of `role` on `host` answered. A reachable host
/// whose daemon answers an HA probe with a transport error is summed up as
/// "down" by its service row; only the HA value is shown.
fn ha_of(r: &Readings, host: &str, role: &str) -> Option<String> {
    match role {
        "namenode" => r
            .namenodes
            .iter()
            .find(|n| n.host == host)
            .and_then(|n| n.state.clone().ok()),
        "resourcemanager" => r
            .resourcemanagers
            .iter()
            .find(|n| n.host == host)
            .and_then(|n| n.ha_state.clone().ok()),
        "zookeeper" => r
            .zookeepers
            .iter()
            .find(|n| n.host == host)
            .and_then(|n| n.mode.clone().ok()),
        "mesos-master" => r
            .mesos_masters
            .iter()
            .find(|n| n.host == host)
            .and_then(|n| n.elected.clone().ok())
            .map(|e| {
                if e {
                    "leading".to_string()
                } else {
                    "standby".to_string()
                }
            }),
        // Where the active NameNode has it, when not simply in service.
        "datanode" => r
            .namenodes
            .iter()
            .find(|n| n.state.as_deref() == Ok("active"))
            .and_then(|n| n.datanodes.as_ref())
            .and_then(|v| v.iter().find(|d| d.host == host))
            .filter(|d| d.admin_state != "In Service")
            .map(|d| match d.pending {
                Some(p) => format!("{}, {p} blocks to copy", d.admin_state),
                None => d.admin_state.clone(),
            }),
        _ => None,
    }
}
