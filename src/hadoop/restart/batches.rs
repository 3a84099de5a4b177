//! Worker hosts grouped into the batches a restart takes down at once, and
//! the rules a batch must keep: some host of each role left running, and no
//! batch that may hold every replica of a block.
//!
//! Pure and computed from the hosts it is given: whoever decides which
//! hosts a restart skips (maintenance, decommissioned) removes them from the
//! list first.

use std::collections::BTreeMap;

use super::request::{Batch, Refusal};

/// Where HDFS's rack script puts a host the inventory gives no rack.
const DEFAULT_RACK: &str = "/default-rack";
/// Hosts a message names before it counts the rest.
const NAMED: usize = 8;

/// One batch: hosts restarted together, and the rack when batched by rack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostBatch {
    pub hosts: Vec<String>,
    pub rack: Option<String>,
}

impl HostBatch {
    /// ` (rack /rack1)` for a rack batch, nothing otherwise.
    pub fn rack_note(&self) -> String {
        self.rack
            .as_ref()
            .map(|r| format!(" (rack {r})"))
            .unwrap_or_default()
    }

    /// This batch's hosts that are also in `of`, as a batch of their own.
    pub fn within(&self, of: &[String]) -> HostBatch {
        HostBatch {
            hosts: self
                .hosts
                .iter()
                .filter(|h| of.contains(h))
                .cloned()
                .collect(),
            rack: self.rack.clone(),
        }
    }
}

/// `hosts` (in the order given, the inventory's) in batches: `Count(n)`
/// takes n at a time; `Rack` one rack at a time, racks in sorted order,
/// which needs a rack for every host (`role` names them in the refusal).
pub fn batches(
    role: &str,
    hosts: &[String],
    racks: &BTreeMap<String, String>,
    batch: Batch,
) -> Result<Vec<HostBatch>, Refusal> {
    match batch {
        Batch::Count(n) => Ok(hosts
            .chunks(n.max(1))
            .map(|c| HostBatch {
                hosts: c.to_vec(),
                rack: None,
            })
            .collect()),
        Batch::Rack => {
            let unracked: Vec<&String> = hosts.iter().filter(|h| !racks.contains_key(*h)).collect();
            if unracked.len() == hosts.len() && !hosts.is_empty() {
                return Err(Refusal::BadInput(format!(
                    "--batch rack: no {role} host has a rack (set vars.rack per host), so there is no rack to restart at a time; use --batch N"
                )));
            }
            if !unracked.is_empty() {
                return Err(Refusal::BadInput(format!(
                    "--batch rack: {} {role} host{} no rack: {} (HDFS puts them in {DEFAULT_RACK}); set vars.rack on them, or use --batch N",
                    unracked.len(),
                    if unracked.len() == 1 {
                        " has"
                    } else {
                        "s have"
                    },
                    names(&unracked)
                )));
            }
            let mut by_rack: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for h in hosts {
                by_rack.entry(&racks[h]).or_default().push(h.clone());
            }
            Ok(by_rack
                .into_iter()
                .map(|(rack, hosts)| HostBatch {
                    hosts,
                    rack: Some(rack.to_string()),
                })
                .collect())
        }
    }
}

/// Refused when a batch, with the hosts of `role` already down, is every
/// host of `role` (`all`): none would be left running.
pub fn left_running(
    role: &str,
    all: &[String],
    down: &[&String],
    batches: &[HostBatch],
    batch: Batch,
) -> Result<(), Refusal> {
    for b in batches {
        let out = all
            .iter()
            .filter(|h| b.hosts.contains(h) || down.contains(h))
            .count();
        if out < all.len() || b.hosts.is_empty() {
            continue;
        }
        let already: Vec<&String> = down
            .iter()
            .filter(|h| !b.hosts.contains(h))
            .copied()
            .collect();
        let why = if already.is_empty() {
            String::new()
        } else {
            format!(" with {} already down ({})", already.len(), names(&already))
        };
        let what = match &b.rack {
            Some(rack) if already.is_empty() => {
                format!("rack {rack} holds every {role} host, so restarting it")
            }
            Some(rack) => format!("rack {rack}{why}"),
            None => format!("batches of {batch}{why}"),
        };
        return Err(Refusal::Unsafe(format!(
            "refusing to restart {role}: {what} would leave no {role} running (of {})",
            all.len()
        )));
    }
    Ok(())
}

/// Refused when a batch of DataNodes may hold every replica of a block.
/// `datanodes` are every DataNode host, `batches` the DataNodes of each
/// batch, `replication` the effective `dfs.replication`.
///
/// HDFS places a block's replicas on at least two racks whenever its
/// DataNodes span two or more, so one rack at a time always leaves a
/// replica; a count batch within one rack does too. A batch that spans
/// racks (or any batch, when there are no racks to spread over) is safe
/// only with fewer DataNodes than replicas. A batch of one is always
/// allowed: it is the least any restart can take down.
pub fn replicas(
    datanodes: &[String],
    racks: &BTreeMap<String, String>,
    batches: &[HostBatch],
    batch: Batch,
    replication: usize,
) -> Result<(), Refusal> {
    let rack_of = |h: &String| racks.get(h).map_or(DEFAULT_RACK, String::as_str);
    let mut cluster_racks: Vec<&str> = datanodes.iter().map(rack_of).collect();
    cluster_racks.sort();
    cluster_racks.dedup();
    let spread = cluster_racks.len() > 1;
    if batch == Batch::Rack {
        if replication < 2 {
            return Err(Refusal::Unsafe(format!(
                "refusing to restart datanode: --batch rack with dfs.replication {replication}: a block's only replica may be in the rack restarted; use --batch 1"
            )));
        }
        // One rack holding every DataNode is refused as leaving none running.
        return Ok(());
    }
    let fewer = (replication - 1).max(1);
    for (i, b) in batches.iter().enumerate() {
        let n = b.hosts.len();
        if n < 2 || n < replication {
            continue;
        }
        let mut in_batch: Vec<&str> = b.hosts.iter().map(rack_of).collect();
        in_batch.sort();
        in_batch.dedup();
        if spread && in_batch.len() == 1 {
            continue;
        }
        let hosts: Vec<&String> = b.hosts.iter().collect();
        let why = if spread {
            format!(
                "batch {} ({}) spans racks {} and holds {n} DataNodes, as many as dfs.replication ({replication}): every replica of a block may be in it",
                i + 1,
                names(&hosts),
                in_batch.join(", ")
            )
        } else {
            let no_racks = match cluster_racks.as_slice() {
                [DEFAULT_RACK] => "the DataNodes have no racks".to_string(),
                [one] => format!("every DataNode is in rack {one}"),
                _ => "the DataNodes have no racks".to_string(),
            };
            format!(
                "batch {} ({}) holds {n} DataNodes, as many as dfs.replication ({replication}), and {no_racks} to spread replicas over: every replica of a block may be in it",
                i + 1,
                names(&hosts)
            )
        };
        let safe = if spread && replication >= 2 {
            format!(
                "--batch rack (one rack at a time), --batch {fewer} (fewer DataNodes than replicas), or a count whose batches stay within one rack"
            )
        } else {
            format!("--batch {fewer} (fewer DataNodes than replicas)")
        };
        return Err(Refusal::Unsafe(format!(
            "refusing to restart datanode: {why}. Safe: {safe}"
        )));
    }
    Ok(())
}

/// `a, b, c` or `a, b, ... and 12 more`.
fn names(hosts: &[&String]) -> String {
    let shown: Vec<&str> = hosts.iter().take(NAMED).map(|h| h.as_str()).collect();
    let more = hosts.len().saturating_sub(NAMED);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn long_host_lists_are_counted_not_spelled_out() {
        let hs: Vec<String> = (1..=10).map(|i| format!("w{i}")).collect();
        let refs: Vec<&String> = hs.iter().collect();
        assert_eq!(names(&refs), "w1, w2, w3, w4, w5, w6, w7, w8 and 2 more");
        assert_eq!(names(&refs[..2]), "w1, w2");
    }

    #[test]
    fn count_batches_keep_the_order_given() {
        let b = batches(
            "datanode",
            &hosts(&["c", "a", "b"]),
            &BTreeMap::new(),
            Batch::Count(2),
        )
        .unwrap();
        assert_eq!(b[0].hosts, ["c", "a"]);
        assert_eq!(b[1].hosts, ["b"]);
        assert!(b[0].rack.is_none());
    }
}
