//! Canned cluster readings on the sandbox inventory's layout, for the tests
//! of the status verdict and the restart generator.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::Path;

use herd::hadoop::observe::{HostReading, Layout, Proc, Readings};
use herd::hadoop::{self, Topology};
use herd::model::Inventory;

/// The sandbox inventory, validated, with its layout (pid files as root's).
pub fn sandbox() -> (Inventory, Topology, Layout) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox/inventory.yaml");
    let inv = Inventory::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let topo = hadoop::validate(&inv).unwrap_or_else(|e| panic!("{e}"));
    let layout = Layout::new(&inv, &topo);
    (inv, topo, layout)
}

/// Every daemon of the layout running (distinct pids) and listening on all
/// its ports; no HA readings yet.
pub fn all_running(layout: &Layout) -> Readings {
    let mut r = Readings::default();
    for (i, h) in layout.hosts.iter().enumerate() {
        let mut hr = HostReading {
            listening: Some(BTreeSet::new()),
            ..Default::default()
        };
        for (j, s) in h.services.iter().enumerate() {
            hr.procs.insert(
                s.role.to_string(),
                Proc::Running {
                    pid: 100 + (i * 10 + j) as u32,
                },
            );
            hr.listening
                .as_mut()
                .unwrap()
                .extend(s.ports.iter().copied());
        }
        r.hosts.insert(h.name.clone(), Ok(hr));
    }
    r
}
