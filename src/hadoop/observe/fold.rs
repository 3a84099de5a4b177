//! Folding a big cluster's table: the rows of a service on many hosts
//! become counts of hosts alike (state, supervisor, version, stale), and
//! only the rows unlike most of their service are listed by name; the
//! problems of those services fold the same way. A thousand-host table is
//! then as long as a ten-host one. `--json` is never folded.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::verdict::{HostProblem, ServiceRow, Status};

/// A service on more hosts than this is counted, not listed: a rack of
/// workers fits on a screen, a fleet does not.
pub const FOLD_ABOVE: usize = 12;

/// Rows unlike most of their service listed by name; the rest counted.
pub const EXCEPTIONS_SHOWN: usize = 20;

/// Lines of folded problems; the rest counted.
pub const PROBLEM_LINES: usize = 10;

/// Hosts named in one folded line; the rest counted.
pub const NAMED: usize = 3;

/// The services on more than [`FOLD_ABOVE`] hosts.
pub fn folded_services(services: &[ServiceRow]) -> BTreeSet<&str> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for s in services {
        *count.entry(s.service.as_str()).or_default() += 1;
    }
    count
        .into_iter()
        .filter(|&(_, n)| n > FOLD_ABOVE)
        .map(|(s, _)| s)
        .collect()
}

/// Rows of one service alike in what the table shows of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The first row of the group (index into the status's services).
    pub first: usize,
    pub count: usize,
    /// `config stale` for a stale group, and what is said of every row
    /// of the group when it is the same for all.
    pub notes: String,
}

/// The folded part of a table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fold {
    /// Per folded service in the order the table meets it, its groups,
    /// largest first.
    pub groups: Vec<Group>,
    /// Rows (indices) unlike most of their service, in table order.
    pub exceptions: Vec<usize>,
}

/// Fold the rows of `folded` services. `cells` are the table's cells of
/// each row of `services` (host, service, state, pid, supervisor, version,
/// ports, HA role and notes): rows are alike when their state, supervisor, version
/// and staleness are. A row is an exception when it is not in the largest
/// group of its service, or runs with something said of it (a pid file
/// naming another pid, a DataNode being decommissioned).
pub fn fold(services: &[ServiceRow], cells: &[[String; 8]], folded: &BTreeSet<&str>) -> Fold {
    type Key<'a> = (&'a str, &'a str, &'a str, bool);
    // service -> its groups in first-seen order, each (key, rows)
    let mut order: Vec<&str> = Vec::new();
    let mut by_service: HashMap<&str, Vec<(Key, Vec<usize>)>> = HashMap::new();
    for (i, s) in services.iter().enumerate() {
        if !folded.contains(s.service.as_str()) {
            continue;
        }
        let c = &cells[i];
        let key = (c[2].as_str(), c[4].as_str(), c[5].as_str(), s.stale);
        let groups = by_service.entry(s.service.as_str()).or_insert_with(|| {
            order.push(s.service.as_str());
            Vec::new()
        });
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, rows)) => rows.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    let mut out = Fold::default();
    let mut outside: BTreeSet<usize> = BTreeSet::new();
    for service in order {
        let mut groups = by_service.remove(service).unwrap_or_default();
        // Largest first; alike sizes keep the order the table met them in.
        groups.sort_by_key(|(_, rows)| std::cmp::Reverse(rows.len()));
        for (g, (key, rows)) in groups.iter().enumerate() {
            // What is said of an unreachable row is its host's error.
            let said = |i: usize| match services[i].state.contains("unreachable") {
                true => cells[i][7].as_str(),
                false => services[i].note.as_deref().unwrap_or(""),
            };
            let first = said(rows[0]);
            let mut notes = Vec::new();
            if key.3 {
                notes.push("config stale");
            }
            if !first.is_empty() && rows.iter().all(|&i| said(i) == first) {
                notes.push(first);
            }
            out.groups.push(Group {
                first: rows[0],
                count: rows.len(),
                notes: notes.join("; "),
            });
            for &i in rows {
                let s = &services[i];
                let said = s.ha.is_some() || (s.state == "running" && s.note.is_some());
                if g > 0 || said {
                    outside.insert(i);
                }
            }
        }
    }
    out.exceptions = outside.into_iter().collect();
    out
}

/// `1 host`, `997 hosts`.
pub fn hosts(n: usize) -> String {
    if n == 1 {
        "1 host".into()
    } else {
        format!("{n} hosts")
    }
}

/// `worker1, worker2, worker3 and 994 more`.
pub fn names<S: AsRef<str>>(hosts: &[S]) -> String {
    let shown: Vec<&str> = hosts.iter().take(NAMED).map(AsRef::as_ref).collect();
    match hosts.len().saturating_sub(NAMED) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// The problem lines as the table prints them: each problem in order,
/// except that the problems of folded services' rows (and of unreachable
/// hosts that run only folded services) are one line per service and
/// reason, in place of the first of them, at most [`PROBLEM_LINES`].
pub fn problem_lines(status: &Status, folded: &BTreeSet<&str>) -> Vec<String> {
    let c = &status.cluster;
    if folded.is_empty() {
        return c.problems.clone();
    }
    let mut roles: HashMap<&str, Vec<&str>> = HashMap::new();
    for s in &status.services {
        roles.entry(s.host.as_str()).or_default().push(&s.service);
    }
    let foldable = |p: &HostProblem| match &p.service {
        Some(s) => folded.contains(s.as_str()),
        None => roles
            .get(p.host.as_str())
            .is_some_and(|rs| rs.iter().all(|r| folded.contains(r))),
    };
    // (service, why) -> hosts, in first-seen order
    let mut keys: Vec<(Option<&str>, &str)> = Vec::new();
    let mut hosts: BTreeMap<(Option<&str>, &str), Vec<&str>> = BTreeMap::new();
    let mut words: BTreeSet<String> = BTreeSet::new();
    for p in c.host_problems.iter().filter(|p| foldable(p)) {
        let key = (p.service.as_deref(), p.what.as_str());
        let list = hosts.entry(key).or_default();
        if list.is_empty() {
            keys.push(key);
        }
        list.push(&p.host);
        words.insert(p.words());
    }
    let mut folded_lines: Vec<String> = keys
        .iter()
        .take(PROBLEM_LINES)
        .map(|key| {
            let hs = &hosts[key];
            match (key.0, hs.as_slice()) {
                (Some(s), [h]) => format!("{s} on {h}: {}", key.1),
                (None, [h]) => format!("{h} unreachable: {}", key.1),
                (Some(s), _) => format!("{s} on {} hosts ({}): {}", hs.len(), names(hs), key.1),
                (None, _) => format!("{} hosts unreachable ({}): {}", hs.len(), names(hs), key.1),
            }
        })
        .collect();
    if keys.len() > PROBLEM_LINES {
        let rest: usize = keys[PROBLEM_LINES..].iter().map(|k| hosts[k].len()).sum();
        folded_lines.push(format!(
            "... and {rest} more problem(s) of the same services (herd status --json lists every one)"
        ));
    }
    let mut out = Vec::new();
    let mut pending = Some(folded_lines);
    for p in &c.problems {
        if words.contains(p) {
            if let Some(lines) = pending.take() {
                out.extend(lines);
            }
        } else {
            out.push(p.clone());
        }
    }
    out.extend(pending.unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(host: &str, service: &str, state: &str) -> ServiceRow {
        ServiceRow {
            host: host.into(),
            service: service.into(),
            state: state.into(),
            pid: None,
            supervisor: None,
            version: None,
            listening: Vec::new(),
            missing_ports: Vec::new(),
            ha: None,
            stale: false,
            note: None,
        }
    }

    /// The cells the table would show: enough for folding (state,
    /// supervisor, version, notes).
    fn cells(rows: &[ServiceRow]) -> Vec<[String; 8]> {
        rows.iter()
            .map(|s| {
                [
                    s.host.clone(),
                    s.service.clone(),
                    s.state.clone(),
                    String::new(),
                    s.supervisor.clone().unwrap_or_default(),
                    s.version.clone().unwrap_or_default(),
                    String::new(),
                    s.note.clone().unwrap_or_default(),
                ]
            })
            .collect()
    }

    fn workers(n: usize, service: &str, state: &str) -> Vec<ServiceRow> {
        (1..=n)
            .map(|i| row(&format!("w{i:04}"), service, state))
            .collect()
    }

    #[test]
    fn a_service_on_more_than_twelve_hosts_is_folded() {
        let mut rows = workers(FOLD_ABOVE, "datanode", "down");
        rows.extend(workers(FOLD_ABOVE + 1, "nodemanager", "down"));
        rows.push(row("m1", "namenode", "down"));
        let folded = folded_services(&rows);
        assert_eq!(folded, BTreeSet::from(["nodemanager"]));
    }

    #[test]
    fn rows_unlike_most_of_their_service_are_the_exceptions() {
        let mut rows = workers(20, "datanode", "down");
        for r in &mut rows {
            r.note = Some("not running (no pid file)".into());
        }
        for i in [4, 9] {
            rows[i].state = "running".into();
            rows[i].note = None;
            rows[i].supervisor = Some("systemd".into());
        }
        // One on another version: its own group, an exception too.
        rows[15].state = "running".into();
        rows[15].version = Some("3.4.2".into());
        rows[15].note = None;
        rows.extend(workers(20, "nodemanager", "running"));
        // Running, but with something to say: listed although like the rest.
        rows[25].note = Some("pid file names 7, not the running pid (herd up repairs it)".into());
        let c = cells(&rows);
        let f = fold(&rows, &c, &folded_services(&rows));
        let groups: Vec<(&str, &str, usize, &str)> = f
            .groups
            .iter()
            .map(|g| {
                (
                    rows[g.first].service.as_str(),
                    rows[g.first].state.as_str(),
                    g.count,
                    g.notes.as_str(),
                )
            })
            .collect();
        assert_eq!(
            groups,
            [
                ("datanode", "down", 17, "not running (no pid file)"),
                ("datanode", "running", 2, ""),
                ("datanode", "running", 1, ""),
                // Notes differ: none is said for the group.
                ("nodemanager", "running", 20, ""),
            ]
        );
        assert_eq!(f.exceptions, [4, 9, 15, 25]);
    }

    #[test]
    fn names_stop_after_three() {
        assert_eq!(names(&["a"]), "a");
        assert_eq!(names(&["a", "b", "c"]), "a, b, c");
        assert_eq!(names(&["a", "b", "c", "d", "e"]), "a, b, c and 2 more");
    }
}
