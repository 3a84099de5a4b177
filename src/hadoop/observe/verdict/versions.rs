//! Which software each service runs: a rolling upgrade the NameNodes are
//! in, and the daemons of one service family on different versions (as a
//! warning: mid-upgrade that is expected, outside one it is a host left
//! behind).

use std::collections::BTreeMap;

use crate::hadoop::observe::layout::Layout;
use crate::hadoop::observe::readings::Readings;

/// The families whose daemons must end an upgrade on one version.
const FAMILIES: &[(&str, &[&str])] = &[
    ("HDFS", &["namenode", "journalnode", "zkfc", "datanode"]),
    ("YARN", &["resourcemanager", "nodemanager", "historyserver"]),
    ("ZooKeeper", &["zookeeper"]),
];

/// More hosts than this are counted, not named.
const NAMED: usize = 4;

/// The rolling upgrade as the active NameNode reports it, in words; None
/// when there is none (or no active NameNode answered).
pub(super) fn rolling_upgrade(r: &Readings) -> Option<String> {
    let ru = r
        .namenodes
        .iter()
        .filter(|n| matches!(&n.state, Ok(s) if s == "active"))
        .find_map(|n| n.rolling_upgrade.clone())?;
    Some(format!(
        "in progress (prepared at {}, not finalized{})",
        super::workers::utc(ru.start_time_ms),
        if ru.rollback_image {
            ""
        } else {
            "; rollback image not written yet"
        }
    ))
}

/// A warning per family whose running daemons report more than one version.
pub(super) fn mismatches(layout: &Layout, r: &Readings, warnings: &mut Vec<String>) {
    for (family, roles) in FAMILIES {
        // version -> (role, host) in layout order
        let mut by_version: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
        for h in &layout.hosts {
            for svc in &h.services {
                if !roles.contains(&svc.role) {
                    continue;
                }
                if let Some(v) = r.version(&h.name, svc.role) {
                    by_version.entry(v).or_default().push((svc.role, &h.name));
                }
            }
        }
        if by_version.len() < 2 {
            continue;
        }
        let parts: Vec<String> = by_version
            .iter()
            .map(|(v, daemons)| format!("{v} ({})", daemons_words(daemons)))
            .collect();
        warnings.push(format!(
            "{family} daemons run {} versions: {}",
            by_version.len(),
            parts.join("; ")
        ));
    }
}

/// `namenode on master1, master2, datanode on 3 hosts`.
fn daemons_words(daemons: &[(&str, &str)]) -> String {
    let mut by_role: Vec<(&str, Vec<&str>)> = Vec::new();
    for (role, host) in daemons {
        match by_role.iter_mut().find(|(r, _)| r == role) {
            Some((_, hosts)) => hosts.push(host),
            None => by_role.push((role, vec![host])),
        }
    }
    by_role
        .iter()
        .map(|(role, hosts)| {
            if hosts.len() > NAMED {
                format!("{role} on {} hosts", hosts.len())
            } else {
                format!("{role} on {}", hosts.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
