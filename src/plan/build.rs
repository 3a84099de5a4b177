//! Expanding stages over hosts, checking the graph is acyclic.
use petgraph::graph::{DiGraph, NodeIndex};

use super::{Node, Plan, PlannedStage};
use crate::model::{
    HostSelector, Inventory, Location, ModelError, ModelErrors, Playbook, SelectorItem,
};

/// Expand `playbook` over `inventory`. Errors (unknown role or host, empty host
/// set, unknown dependency, a cycle) name the playbook location.
pub fn build(inventory: &Inventory, playbook: &Playbook) -> Result<Plan, ModelErrors> {
    let mut errors = Vec::new();
    let mut stages = Vec::with_capacity(playbook.stages.len());
    for (i, stage) in playbook.stages.iter().enumerate() {
        let path = format!("stages[{i}]");
        let selected = select(
            inventory,
            playbook,
            &stage.hosts,
            &format!("{path}.hosts"),
            &stage.location,
            &mut errors,
        );
        let probe_selected = match stage.probe.as_ref().and_then(|p| p.hosts.as_ref()) {
            Some(sel) => select(
                inventory,
                playbook,
                sel,
                &format!("{path}.probe.hosts"),
                &stage.location,
                &mut errors,
            ),
            None => Some(Vec::new()),
        };
        let (Some(mut selected), Some(mut probe_hosts)) = (selected, probe_selected) else {
            stages.push(None);
            continue;
        };
        if stage.once {
            selected.truncate(1);
        }
        if stage.probe.as_ref().is_some_and(|p| p.hosts.is_none()) {
            probe_hosts.clone_from(&selected);
        }
        // A stage without work runs nothing; its hosts only feed the probe.
        let hosts = if stage.has_work() {
            selected
        } else {
            Vec::new()
        };
        let batches = match stage.serial {
            Some(n) if !hosts.is_empty() => hosts.chunks(n.max(1)).map(<[usize]>::to_vec).collect(),
            _ => vec![hosts.clone()],
        };
        stages.push(Some(PlannedStage {
            stage: i,
            name: stage.name.clone(),
            hosts,
            batches,
            probe_hosts,
            deps: Vec::new(),
        }));
    }
    let deps = match crate::model::stage_dependencies(playbook) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    if !errors.is_empty() {
        return Err(ModelErrors(errors));
    }
    let mut stages: Vec<PlannedStage> = stages
        .into_iter()
        .map(|s| s.expect("no errors, so every stage planned"))
        .collect();
    for (s, d) in stages.iter_mut().zip(deps.expect("no errors")) {
        s.deps = d;
    }

    let mut graph = DiGraph::new();
    let mut gates = Vec::with_capacity(stages.len());
    let mut first_tasks: Vec<Vec<NodeIndex>> = Vec::with_capacity(stages.len());
    for (si, s) in stages.iter().enumerate() {
        let mut stage_gates = Vec::new();
        let mut heads = Vec::new();
        for (b, batch) in s.batches.iter().enumerate() {
            let tasks: Vec<NodeIndex> = batch
                .iter()
                .map(|&h| graph.add_node(Node::Task { stage: si, host: h }))
                .collect();
            let gate = graph.add_node(Node::Gate {
                stage: si,
                batch: b,
            });
            // A batch starts after the previous batch's gate; the first batch's
            // entry points are wired to the dependencies below.
            let entry = if tasks.is_empty() {
                vec![gate]
            } else {
                tasks.clone()
            };
            match stage_gates.last() {
                Some(&prev) => entry.iter().for_each(|&t| {
                    graph.add_edge(prev, t, ());
                }),
                None => heads = entry,
            }
            for &t in &tasks {
                graph.add_edge(t, gate, ());
            }
            stage_gates.push(gate);
        }
        gates.push(stage_gates);
        first_tasks.push(heads);
    }
    for (si, s) in stages.iter().enumerate() {
        for &d in &s.deps {
            let done = *gates[d].last().expect("every stage has a gate");
            for &t in &first_tasks[si] {
                graph.add_edge(done, t, ());
            }
        }
    }
    assert!(
        petgraph::algo::toposort(&graph, None).is_ok(),
        "an acyclic stage graph gives an acyclic task graph"
    );
    Ok(Plan {
        stages,
        graph,
        gates,
    })
}

/// Inventory hosts matched by `sel`, in inventory order; None after an error.
fn select(
    inv: &Inventory,
    pb: &Playbook,
    sel: &HostSelector,
    path: &str,
    fallback: &Location,
    errors: &mut Vec<ModelError>,
) -> Option<Vec<usize>> {
    let items = match sel {
        HostSelector::All => {
            return non_empty(pb, (0..inv.hosts.len()).collect(), path, fallback, errors);
        }
        HostSelector::Items(items) => items,
    };
    let mut wanted = vec![false; inv.hosts.len()];
    let mut ok = true;
    let mut only_absent_optional = true;
    for (j, it) in items.iter().enumerate() {
        let item_path = if pb.spans.contains(&format!("{path}[{j}]")) {
            format!("{path}[{j}]")
        } else {
            path.to_string()
        };
        let has_role = |r: &str| inv.hosts.iter().any(|h| h.roles.iter().any(|x| x == r));
        let absent_optional = |r: &str| !has_role(r) && pb.optional_roles.iter().any(|o| o == r);
        if let SelectorItem::Role(r) | SelectorItem::Name(r) = it
            && absent_optional(r)
        {
            continue;
        }
        only_absent_optional = false;
        let matched: Vec<usize> = match it {
            SelectorItem::Role(r) if has_role(r) => role_hosts(inv, r),
            SelectorItem::Host(h) if inv.host_index(h).is_some() => {
                inv.host_index(h).into_iter().collect()
            }
            SelectorItem::Name(n) if has_role(n) => role_hosts(inv, n),
            SelectorItem::Name(n) if inv.host_index(n).is_some() => {
                inv.host_index(n).into_iter().collect()
            }
            other => {
                let message = match other {
                    SelectorItem::Role(r) => {
                        format!("unknown role '{r}' (known roles: {})", known_roles(inv))
                    }
                    SelectorItem::Host(h) => {
                        format!("unknown host '{h}' (known hosts: {})", known_hosts(inv))
                    }
                    SelectorItem::Name(n) => {
                        format!(
                            "'{n}' is neither a role nor a host (known roles: {})",
                            known_roles(inv)
                        )
                    }
                };
                errors.push(located(pb, &item_path, fallback, message));
                ok = false;
                continue;
            }
        };
        matched.into_iter().for_each(|h| wanted[h] = true);
    }
    if !ok {
        return None;
    }
    if only_absent_optional && !items.is_empty() {
        return Some(Vec::new());
    }
    let hosts = wanted
        .iter()
        .enumerate()
        .filter(|(_, w)| **w)
        .map(|(i, _)| i)
        .collect();
    non_empty(pb, hosts, path, fallback, errors)
}

fn non_empty(
    pb: &Playbook,
    hosts: Vec<usize>,
    path: &str,
    fallback: &Location,
    errors: &mut Vec<ModelError>,
) -> Option<Vec<usize>> {
    if hosts.is_empty() {
        errors.push(located(pb, path, fallback, "matches no hosts".into()));
        return None;
    }
    Some(hosts)
}

fn role_hosts(inv: &Inventory, role: &str) -> Vec<usize> {
    inv.hosts
        .iter()
        .enumerate()
        .filter(|(_, h)| h.roles.iter().any(|r| r == role))
        .map(|(i, _)| i)
        .collect()
}

fn known_roles(inv: &Inventory) -> String {
    let mut roles: Vec<&str> = inv
        .hosts
        .iter()
        .flat_map(|h| h.roles.iter().map(String::as_str))
        .collect();
    roles.sort_unstable();
    roles.dedup();
    if roles.is_empty() {
        "none".into()
    } else {
        roles.join(", ")
    }
}

fn known_hosts(inv: &Inventory) -> String {
    const SHOWN: usize = 8;
    let names: Vec<&str> = inv
        .hosts
        .iter()
        .take(SHOWN)
        .map(|h| h.name.as_str())
        .collect();
    let more = inv.hosts.len().saturating_sub(SHOWN);
    if more > 0 {
        format!("{}, and {more} more", names.join(", "))
    } else {
        names.join(", ")
    }
}

fn located(pb: &Playbook, path: &str, fallback: &Location, message: String) -> ModelError {
    let location = pb.spans.value(path).unwrap_or_else(|| fallback.clone());
    ModelError {
        location: Some(location),
        field: path.to_string(),
        message,
    }
}
