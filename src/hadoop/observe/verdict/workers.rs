//! Workers out of service: what herd's record says of each, and whether the
//! active NameNode agrees (a record lost or an operation cut short shows
//! here, before a push could act on it).

use std::collections::BTreeMap;

use crate::hadoop::lifecycle::WorkerState;
use crate::hadoop::observe::layout::Layout;
use crate::hadoop::observe::readings::Readings;

/// Host -> `decommissioned`, `maintenance`, `maintenance until <UTC>`;
/// disagreements with the active NameNode added to `problems`.
pub(super) fn states(
    layout: &Layout,
    r: &Readings,
    problems: &mut Vec<String>,
) -> BTreeMap<String, String> {
    let view = r
        .namenodes
        .iter()
        .find(|n| n.state.as_deref() == Ok("active"))
        .and_then(|n| n.datanodes.as_ref());
    let mut out = BTreeMap::new();
    for (host, st) in &layout.out_of_service {
        let word = match st {
            WorkerState::Maintenance { until_ms: Some(ms) } => {
                format!("maintenance until {}", utc(*ms))
            }
            s => s.word().to_string(),
        };
        out.insert(host.clone(), word);
    }
    let Some(view) = view else { return out };
    for d in view {
        if !layout.hosts.iter().any(|h| h.name == d.host) {
            continue;
        }
        let recorded = layout
            .out_of_service
            .get(&d.host)
            .copied()
            .unwrap_or(WorkerState::Active);
        let agrees = match recorded {
            WorkerState::Active => d.admin_state == "In Service",
            WorkerState::Decommissioned => d.admin_state.starts_with("Decommission"),
            // An expired maintenance returns the DataNode to service by itself.
            WorkerState::Maintenance { .. } => {
                d.admin_state.ends_with("Maintenance") || d.admin_state == "In Service"
            }
        };
        if !agrees {
            problems.push(format!(
                "{}: herd's record has it {}, the active NameNode has it {} (finish or undo it: herd decommission / recommission / maintenance exit)",
                d.host,
                recorded.word(),
                d.admin_state
            ));
        }
    }
    out
}

pub(super) fn utc(ms: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp((ms / 1000) as i64)
        .ok()
        .and_then(|t| {
            t.format(&time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_else(|| format!("{ms} ms"))
}
