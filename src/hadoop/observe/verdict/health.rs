//! The health figures' verdict: blocks without a good replica make the
//! cluster degraded; a NameNode heap below seed 004's rule for the objects
//! HDFS holds, or too full, and a DataNode with failed volumes are warnings
//! (the cluster serves, but an operator should act before it does not).

use super::status::HealthSummary;
use super::words::who;
use crate::hadoop::observe::layout::Layout;
use crate::hadoop::observe::readings::Readings;
use crate::hadoop::settings::{human_bytes, xmx};

/// The figures of the active NameNode and ResourceManager; what is wrong
/// with them added to `problems` and `warnings`.
pub(super) fn assess(
    layout: &Layout,
    r: &Readings,
    problems: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> HealthSummary {
    let rule = &layout.health;
    let active_nn = r
        .namenodes
        .iter()
        .find(|n| n.state.as_deref() == Ok("active"));
    let yarn = r
        .resourcemanagers
        .iter()
        .find(|n| n.ha_state.as_deref() == Ok("ACTIVE"))
        .and_then(|n| n.yarn.clone());
    let Some((nn, h)) = active_nn.and_then(|n| n.hdfs.as_ref().map(|h| (n, h))) else {
        return HealthSummary {
            hdfs: None,
            suggested_namenode_heap: None,
            yarn,
        };
    };
    let fsck = "hdfs fsck / -list-corruptfileblocks names the files";
    if h.missing_blocks > 0 {
        let repl_one = match h.missing_blocks_replication_one {
            0 => String::new(),
            n => format!(", {n} of them of files with replication 1"),
        };
        problems.push(format!(
            "HDFS: {} missing block(s), no good replica left{repl_one} ({fsck})",
            h.missing_blocks
        ));
    }
    if h.corrupt_blocks > 0 {
        problems.push(format!(
            "HDFS: {} block(s) with corrupt replicas ({fsck})",
            h.corrupt_blocks
        ));
    }
    let by_rule = rule.suggested_heap(h.files, h.blocks);
    let mut suggested = by_rule;
    if let Some(heap) = &h.heap {
        let nn_who = who(&nn.id, &nn.host);
        if heap.max < by_rule {
            warnings.push(format!(
                "NameNode {nn_who} heap max {} is below the {} the rule asks for {} files and {} blocks ({}): raise vars.heap.namenode to at least {}",
                human_bytes(heap.max),
                human_bytes(by_rule),
                h.files,
                h.blocks,
                rule.rule_words(),
                xmx(by_rule)
            ));
        }
        let pct = rule.heap_used_warn_pct;
        if heap.max > 0 && heap.used as u128 * 100 > heap.max as u128 * pct as u128 {
            // A heap the figure in use stays below the threshold in.
            let roomy = (heap.used as u128 * 100).div_ceil(pct as u128) as u64;
            suggested = suggested.max(roomy);
            warnings.push(format!(
                "NameNode {nn_who} heap {} used of {} ({}%, above vars.health.heap_used_warn_pct {pct}%): raise vars.heap.namenode to at least {}",
                human_bytes(heap.used),
                human_bytes(heap.max),
                heap.used as u128 * 100 / heap.max as u128,
                xmx(suggested)
            ));
        }
    }
    for v in &h.failed_volumes {
        let mut what = if v.locations.is_empty() {
            "locations not reported".to_string()
        } else {
            v.locations.join(", ")
        };
        if v.capacity_lost > 0 {
            what.push_str(&format!("; about {} lost", human_bytes(v.capacity_lost)));
        }
        warnings.push(format!(
            "DataNode {}: {} failed volume(s) ({what}): replace the disk, then restart the DataNode",
            v.host, v.volumes
        ));
    }
    HealthSummary {
        hdfs: Some(h.clone()),
        suggested_namenode_heap: Some(suggested),
        yarn,
    }
}
