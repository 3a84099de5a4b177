//! The check of an inventory as an HA cluster before any connection: the
//! layout and settings ([`topology::layout`]), then the ports that two
//! services of one host would both bind, read from the rendered
//! configuration so a port moved by an override counts.

use crate::model::{Inventory, ModelErrors};

use super::topology::{self, Topology};
use super::{ports, render};

/// Check the inventory as an HA cluster and work out its layout; the errors
/// come in the order of the file.
pub fn validate(inv: &Inventory) -> Result<Topology, ModelErrors> {
    let (mut topo, mut errors) = topology::layout(inv);
    match super::lifecycle::record::load(inv) {
        Ok(record) => topo.record = record,
        Err(e) => errors.extend(e),
    }

    // Ports only mean something once the layout and settings are sound.
    if errors.is_empty() {
        let configs = render::site_configs(inv, &topo);
        errors.extend(ports::check(inv, &topo, &configs));
        errors.extend(super::spark_master::check(inv, &topo));
        errors.extend(super::secure::scope::check(inv, &topo));
    }

    if errors.is_empty() {
        Ok(topo)
    } else {
        errors.sort_by_key(|e| {
            e.location
                .as_ref()
                .map(|l| (l.line, l.column))
                .unwrap_or((0, 0))
        });
        Err(ModelErrors(errors))
    }
}
