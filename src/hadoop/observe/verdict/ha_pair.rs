//! NameNodes and ResourceManagers: exactly one active member of each pair,
//! and the workers the active one sees.

use super::words::{down, unreachable, who};
use crate::hadoop::observe::layout::Layout;
use crate::hadoop::observe::readings::{Answer, Readings};

/// What an HA pair's verdict feeds into the cluster summary.
pub(super) struct Pair {
    /// `nn1 (master1)`, the one active member.
    pub active: Option<String>,
    /// Workers the active member sees (live DataNodes, active NodeManagers).
    pub workers: Option<u64>,
    /// HDFS only: whether the active NameNode is in safe mode.
    pub safemode: Option<bool>,
}

/// One member of an HA pair, as the verdict words it.
struct HaMember {
    /// `nn1 (master1) standby`, `... down`, `... unreachable`.
    word: String,
    who: String,
    active: bool,
    /// Running and reachable, but its HA state unknown.
    silent: bool,
}

/// The index of the one active member; none or several is a problem naming
/// them (`what`: "active NameNode"). A member that runs but does not say
/// its HA state (still starting, hung) is one too: until it does, nothing
/// can fail over to it.
fn single_active(members: &[HaMember], what: &str, problems: &mut Vec<String>) -> Option<usize> {
    for m in members.iter().filter(|m| m.silent) {
        problems.push(m.word.clone());
    }
    let active: Vec<usize> = (0..members.len()).filter(|&i| members[i].active).collect();
    match active.as_slice() {
        [one] => Some(*one),
        [] => {
            if !members.is_empty() {
                let words: Vec<&str> = members.iter().map(|m| m.word.as_str()).collect();
                problems.push(format!("no {what}: {}", words.join(", ")));
            }
            None
        }
        many => {
            let names: Vec<&str> = many.iter().map(|&i| members[i].who.as_str()).collect();
            problems.push(format!(
                "{} {what}s (split brain): {}",
                many.len(),
                names.join(", ")
            ));
            None
        }
    }
}

/// `nn1 (master1) standby`, or `... down`, `... unreachable`, `... not
/// answering (why)`.
fn member_word(r: &Readings, id: &str, host: &str, role: &str, state: &Answer<String>) -> String {
    if unreachable(r, host).is_some() {
        format!("{} unreachable", who(id, host))
    } else if down(r, host, role) {
        format!("{} down", who(id, host))
    } else {
        match state {
            Ok(s) => format!("{} {s}", who(id, host)),
            Err(e) => format!("{} not answering ({e})", who(id, host)),
        }
    }
}

fn silent(r: &Readings, host: &str, role: &str, state: &Answer<String>) -> bool {
    state.is_err() && unreachable(r, host).is_none() && !down(r, host, role)
}

pub(super) fn namenodes(layout: &Layout, r: &Readings, problems: &mut Vec<String>) -> Pair {
    let members: Vec<HaMember> = r
        .namenodes
        .iter()
        .map(|n| HaMember {
            word: member_word(r, &n.id, &n.host, "namenode", &n.state),
            who: who(&n.id, &n.host),
            active: n.state.as_deref() == Ok("active"),
            silent: silent(r, &n.host, "namenode", &n.state),
        })
        .collect();
    let active_nn = single_active(&members, "active NameNode", problems).map(|i| &r.namenodes[i]);
    let datanodes_live = active_nn.and_then(|n| n.live_datanodes);
    if let Some(live) = datanodes_live
        && (live as usize) < layout.datanodes
    {
        problems.push(format!(
            "DataNodes live {live} / {} expected",
            layout.datanodes
        ));
    }
    let safemode = active_nn
        .and_then(|n| n.fs_state.as_deref())
        .map(|s| s.eq_ignore_ascii_case("safemode"));
    if safemode == Some(true)
        && let Some(n) = active_nn
    {
        problems.push(format!(
            "HDFS is in safe mode (active NameNode {})",
            who(&n.id, &n.host)
        ));
    }
    Pair {
        active: active_nn.map(|n| who(&n.id, &n.host)),
        workers: datanodes_live,
        safemode,
    }
}

pub(super) fn resourcemanagers(layout: &Layout, r: &Readings, problems: &mut Vec<String>) -> Pair {
    let members: Vec<HaMember> = r
        .resourcemanagers
        .iter()
        .map(|n| HaMember {
            word: member_word(r, &n.id, &n.host, "resourcemanager", &n.ha_state),
            who: who(&n.id, &n.host),
            active: n.ha_state.as_deref() == Ok("ACTIVE"),
            silent: silent(r, &n.host, "resourcemanager", &n.ha_state),
        })
        .collect();
    let active_rm =
        single_active(&members, "ACTIVE ResourceManager", problems).map(|i| &r.resourcemanagers[i]);
    let nodemanagers = active_rm.and_then(|n| n.active_nodes);
    if let Some(nms) = nodemanagers
        && (nms as usize) < layout.nodemanagers
    {
        problems.push(format!(
            "NodeManagers registered {nms} / {} expected",
            layout.nodemanagers
        ));
    }
    Pair {
        active: active_rm.map(|n| who(&n.id, &n.host)),
        workers: nodemanagers,
        safemode: None,
    }
}
