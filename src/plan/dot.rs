//! Graphviz rendering of the stage graph.
use super::Plan;
use crate::model::{Inventory, Playbook};

pub fn to_dot(_plan: &Plan, _inventory: &Inventory, _playbook: &Playbook) -> String {
    todo!()
}
