//! Expanding stages over hosts, checking the graph is acyclic.
use super::Plan;
use crate::model::{Inventory, ModelErrors, Playbook};

/// Expand `playbook` over `inventory`. Errors (unknown role or host, empty host
/// set, unknown dependency, a cycle) name the playbook location.
pub fn build(_inventory: &Inventory, _playbook: &Playbook) -> Result<Plan, ModelErrors> {
    todo!()
}
