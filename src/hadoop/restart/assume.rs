//! A dry run shows the plan even where hosts could not be read: every
//! daemon the layout expects on such a host is taken as running (and
//! listening), so the plan is what the restart would do on a healthy
//! cluster. Readings of the HA roles are not made up: a step that needs
//! one (which NameNode is active) still refuses, saying what it lacked.

use std::collections::BTreeSet;

use crate::hadoop::observe::{HostReading, Layout, Proc, Readings};

/// Take every daemon of each host `readings` could not read as running;
/// returns those hosts with why each was not read, in layout order.
pub fn assume_running(layout: &Layout, readings: &mut Readings) -> Vec<(String, String)> {
    let mut assumed = Vec::new();
    for h in &layout.hosts {
        let why = match readings.hosts.get(&h.name) {
            Some(Ok(_)) => continue,
            Some(Err(e)) => e.clone(),
            None => "not read".to_string(),
        };
        let reading = HostReading {
            procs: h
                .services
                .iter()
                .map(|s| (s.role.to_string(), Proc::Running { pid: 0 }))
                .collect(),
            listening: Some(
                h.services
                    .iter()
                    .flat_map(|s| s.ports.iter().copied())
                    .collect::<BTreeSet<u16>>(),
            ),
            ..Default::default()
        };
        readings.hosts.insert(h.name.clone(), Ok(reading));
        assumed.push((h.name.clone(), why));
    }
    assumed
}
