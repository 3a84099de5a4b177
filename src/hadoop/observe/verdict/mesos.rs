//! Mesos: one leading master, every agent activated.

use super::words::{down, unreachable};
use crate::hadoop::observe::layout::Layout;
use crate::hadoop::observe::readings::{MesosReading, Readings};

/// What the Mesos verdict feeds into the cluster summary.
pub(super) struct Masters {
    /// The host of the one leading master.
    pub leader: Option<String>,
    /// Agents the leader has activated.
    pub agents: Option<u64>,
}

pub(super) fn leader(layout: &Layout, r: &Readings, problems: &mut Vec<String>) -> Masters {
    let elected: Vec<&MesosReading> = r
        .mesos_masters
        .iter()
        .filter(|m| m.elected == Ok(true))
        .collect();
    let mesos_leader = match elected.as_slice() {
        [one] => Some(*one),
        [] => {
            if !r.mesos_masters.is_empty() {
                problems.push(format!(
                    "Mesos masters without a leader: {}",
                    r.mesos_masters
                        .iter()
                        .map(|m| if unreachable(r, &m.host).is_some() {
                            format!("{} unreachable", m.host)
                        } else if down(r, &m.host, "mesos-master") {
                            format!("{} down", m.host)
                        } else {
                            match &m.elected {
                                Ok(_) => format!("{} not elected", m.host),
                                Err(e) => format!("{} not answering ({e})", m.host),
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            None
        }
        many => {
            problems.push(format!(
                "{} Mesos masters claim to lead: {}",
                many.len(),
                many.iter()
                    .map(|m| m.host.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            None
        }
    };
    let agents = mesos_leader.and_then(|m| m.activated_agents);
    if let Some(a) = agents
        && (a as usize) < layout.agents
    {
        problems.push(format!(
            "Mesos agents activated {a} / {} expected",
            layout.agents
        ));
    }
    Masters {
        leader: mesos_leader.map(|m| m.host.clone()),
        agents,
    }
}
