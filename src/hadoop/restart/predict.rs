//! HA roles as they will be when the step being generated runs: `all`
//! restarts NameNodes before ZKFCs, and the failovers in between swap them,
//! so a later planner must see the roles an earlier one leaves.

use std::collections::BTreeSet;

use crate::hadoop::observe::Readings;

#[derive(Debug, Clone)]
pub(super) struct Predicted {
    pub(super) nn_active: Vec<String>,
    /// NameNodes an earlier step leaves standby and out of safe mode (gated).
    pub(super) nn_standby: BTreeSet<String>,
    pub(super) rm_active: Vec<String>,
}

impl Predicted {
    /// The roles as the snapshot saw them.
    pub(super) fn from(r: &Readings) -> Predicted {
        Predicted {
            nn_active: r
                .namenodes
                .iter()
                .filter(|n| n.state.as_deref() == Ok("active"))
                .map(|n| n.host.clone())
                .collect(),
            nn_standby: BTreeSet::new(),
            rm_active: r
                .resourcemanagers
                .iter()
                .filter(|n| n.ha_state.as_deref() == Ok("ACTIVE"))
                .map(|n| n.host.clone())
                .collect(),
        }
    }
}
