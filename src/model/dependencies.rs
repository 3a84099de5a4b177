//! Stage dependencies by index, checked for unknown names and cycles.
//!
//! Both the playbook (on load) and the plan (for playbooks built in code) need
//! this, and a cycle is best reported with stage names, before any task graph.

use super::spans::{child, item};
use super::{Location, ModelError, ModelErrors, Playbook};

/// For each stage, the indices of the stages it depends on.
pub(crate) fn stage_dependencies(pb: &Playbook) -> Result<Vec<Vec<usize>>, ModelErrors> {
    let mut errors = Vec::new();
    let mut deps = Vec::with_capacity(pb.stages.len());
    for (i, stage) in pb.stages.iter().enumerate() {
        let mut mine = Vec::new();
        for (j, name) in stage.depends_on.iter().enumerate() {
            match pb.stages.iter().position(|s| &s.name == name) {
                Some(d) if !mine.contains(&d) => mine.push(d),
                Some(_) => {}
                None => {
                    let (field, location) = edge_place(pb, i, j);
                    let known: Vec<&str> = pb.stages.iter().map(|s| s.name.as_str()).collect();
                    errors.push(ModelError {
                        location: Some(location),
                        field,
                        message: format!("unknown stage '{name}' (stages: {})", known.join(", ")),
                    });
                }
            }
        }
        deps.push(mine);
    }
    if !errors.is_empty() {
        return Err(ModelErrors(errors));
    }
    if let Some(cycle) = find_cycle(&deps) {
        // cycle = [a, b, ..., a] where each depends on the next; print it the
        // way it would run (and the way `plan --dot` draws edges).
        let mut names: Vec<&str> = cycle.iter().map(|&s| pb.stages[s].name.as_str()).collect();
        names.reverse();
        let (from, to) = (cycle[0], cycle[1]);
        let j = pb.stages[from]
            .depends_on
            .iter()
            .position(|n| n == &pb.stages[to].name)
            .unwrap_or(0);
        let (field, location) = edge_place(pb, from, j);
        return Err(ModelErrors::from(ModelError {
            location: Some(location),
            field,
            message: format!("dependency cycle: {}", names.join(" -> ")),
        }));
    }
    Ok(deps)
}

/// Where `depends_on[j]` of stage `i` is written; an implicit dependency on
/// the previous stage has no text of its own, so it points at the stage.
fn edge_place(pb: &Playbook, i: usize, j: usize) -> (String, Location) {
    let stage_path = item("stages", i);
    let list = child(&stage_path, "depends_on");
    let exact = item(&list, j);
    for p in [&exact, &list] {
        if let Some(loc) = pb.spans.value(p) {
            return (p.clone(), loc);
        }
    }
    (list, pb.stages[i].location.clone())
}

/// A cycle as a closed walk `[a, b, c, a]` following "depends on" edges.
fn find_cycle(deps: &[Vec<usize>]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark = vec![Mark::New; deps.len()];
    for start in 0..deps.len() {
        if mark[start] != Mark::New {
            continue;
        }
        // Iterative DFS: (node, next dep to look at); `path` mirrors the open nodes.
        let mut stack = vec![(start, 0usize)];
        mark[start] = Mark::Open;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&d) = deps[node].get(*next) {
                *next += 1;
                match mark[d] {
                    Mark::New => {
                        mark[d] = Mark::Open;
                        stack.push((d, 0));
                    }
                    Mark::Open => {
                        let from = stack
                            .iter()
                            .position(|&(n, _)| n == d)
                            .expect("open node is on the stack");
                        let mut cycle: Vec<usize> = stack[from..].iter().map(|&(n, _)| n).collect();
                        cycle.push(d);
                        return Some(cycle);
                    }
                    Mark::Done => {}
                }
            } else {
                mark[node] = Mark::Done;
                stack.pop();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::find_cycle;

    #[test]
    fn finds_a_cycle() {
        assert_eq!(find_cycle(&[vec![], vec![0], vec![1]]), None);
        assert_eq!(
            find_cycle(&[vec![2], vec![0], vec![1]]),
            Some(vec![0, 2, 1, 0])
        );
        assert_eq!(find_cycle(&[vec![0]]), Some(vec![0, 0]));
    }
}
