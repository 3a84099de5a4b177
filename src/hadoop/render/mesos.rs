//! The Mesos daemons' flags and the env files that carry them.

use crate::hadoop::default_ports::{MESOS_AGENT, MESOS_MASTER};
use std::collections::BTreeMap;

use crate::model::Host;
use crate::shell::quote;

use crate::hadoop::topology::Topology;
use crate::hadoop::xml::HEADER;

/// Which Mesos daemon a flag file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MesosKind {
    Master,
    Agent,
}

impl MesosKind {
    pub fn role(self) -> &'static str {
        match self {
            MesosKind::Master => "mesos-master",
            MesosKind::Agent => "mesos-agent",
        }
    }
}

/// Flag name (without `--`) -> value for one Mesos daemon on `host`.
pub fn mesos_flags(topo: &Topology, host: &Host, kind: MesosKind) -> BTreeMap<String, String> {
    let s = &topo.settings;
    let mut f = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        f.insert(k.to_string(), v);
    };
    match kind {
        MesosKind::Master => {
            put("zk", topo.mesos_zk_url());
            put("quorum", topo.mesos_quorum.unwrap_or(1).to_string());
            put("work_dir", s.dirs.mesos_master.clone());
            put("cluster", s.mesos.cluster.clone());
            put("port", MESOS_MASTER.to_string());
        }
        MesosKind::Agent => {
            put("master", topo.mesos_zk_url());
            put("work_dir", s.dirs.mesos_agent.clone());
            if let Some(r) = &s.mesos.agent_resources {
                put("resources", r.clone());
            }
            put("port", MESOS_AGENT.to_string());
            // Agents are not started by systemd here; the real agent would
            // otherwise insist on a systemd runtime directory.
            put("systemd_enable_support", "false".into());
        }
    }
    put("log_dir", s.dirs.mesos_log.clone());
    put("logging_level", s.mesos.logging_level.clone());
    put("hostname", host.name.clone());
    // Bind to the host's address only when it is one: a DNS name or a NAT
    // address herd connects through may not be a local interface.
    if host.address.parse::<std::net::IpAddr>().is_ok() {
        put("ip", host.address.clone());
    }
    if let Some(over) = s.overrides.get(kind.role()) {
        for (k, v) in over {
            match v {
                Some(v) => {
                    f.insert(k.clone(), v.clone());
                }
                None => {
                    f.remove(k);
                }
            }
        }
    }
    f
}

/// `MESOS_<FLAG>=<value>` lines: Mesos reads every flag from the environment
/// too, so a start step sources this file with `set -a`.
pub(super) fn mesos_env(flags: &BTreeMap<String, String>) -> Vec<u8> {
    let mut out = format!("# {HEADER}\n");
    for (k, v) in flags {
        out.push_str(&format!("MESOS_{}={}\n", k.to_ascii_uppercase(), quote(v)));
    }
    out.into_bytes()
}
