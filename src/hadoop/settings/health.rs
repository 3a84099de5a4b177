//! `vars.health`: the thresholds `herd status` judges the cluster's health
//! figures by, and the NameNode heap rule of seed 004 they parametrize.
//!
//! The seed's NameNode ran out of heap when the file count grew while the
//! bytes stored hardly moved: space alone is the wrong thing to watch. Its
//! rule (after Cloudera's "Sizing NameNode Heap Memory") is about 1 GB of
//! heap per million blocks, and never less than (files + blocks) x 150
//! bytes, the NameNode's own footprint for them. Both numbers are the
//! operator's to change; the expected counts let `herd check` size
//! `vars.heap.namenode` before the cluster holds anything.

use serde_json::Value;

use crate::model::reader::Reader;
use crate::model::{Inventory, ModelError, ModelErrors};

use super::heap_mb;

const MIB: u64 = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// Warn when the active NameNode's heap in use is above this percentage
    /// of its maximum.
    pub heap_used_warn_pct: u64,
    /// Heap the rule asks per million blocks, in MiB (`1g`).
    pub heap_per_million_blocks_mb: u64,
    /// The rule's floor: heap bytes per file (or directory) and per block.
    pub bytes_per_object: u64,
    /// Files and directories the cluster is expected to hold (`herd check`).
    pub expected_files: Option<u64>,
    /// Blocks the cluster is expected to hold (`herd check`).
    pub expected_blocks: Option<u64>,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            heap_used_warn_pct: 80,
            heap_per_million_blocks_mb: 1024,
            bytes_per_object: 150,
            expected_files: None,
            expected_blocks: None,
        }
    }
}

impl Health {
    /// The heap, in bytes, the rule asks for `files` (files and directories)
    /// and `blocks`: the larger of the per-million-blocks size and the
    /// per-object floor.
    pub fn suggested_heap(&self, files: u64, blocks: u64) -> u64 {
        let per_blocks = (blocks as u128 * self.heap_per_million_blocks_mb as u128 * MIB as u128)
            .div_ceil(1_000_000);
        let per_objects = (files as u128 + blocks as u128) * self.bytes_per_object as u128;
        per_blocks.max(per_objects).min(u64::MAX as u128) as u64
    }

    /// The files and blocks the inventory expects, when it states either:
    /// the one not given is taken as equal to the other (each file one
    /// block, the small-file growth that emptied the seed's heap).
    pub fn expected(&self) -> Option<(u64, u64)> {
        match (self.expected_files, self.expected_blocks) {
            (None, None) => None,
            (Some(f), None) => Some((f, f)),
            (None, Some(b)) => Some((b, b)),
            (Some(f), Some(b)) => Some((f, b)),
        }
    }

    /// The warning of `herd check` when `namenode_heap` (an -Xmx value of
    /// `vars.heap`) is below the rule for the expected objects.
    pub fn configured_heap_warning(&self, namenode_heap: &str) -> Option<String> {
        let (files, blocks) = self.expected()?;
        let have = heap_mb(namenode_heap) * MIB;
        let want = self.suggested_heap(files, blocks);
        (have < want).then(|| {
            format!(
                "vars.heap.namenode {namenode_heap} is below the {} that {files} files and {blocks} blocks (vars.health.expected_*) call for ({}): set it to at least {}",
                human_bytes(want),
                self.rule_words(),
                xmx(want)
            )
        })
    }

    /// The rule in words, for the warnings.
    pub fn rule_words(&self) -> String {
        format!(
            "{} per million blocks, at least (files + blocks) x {} bytes",
            xmx(self.heap_per_million_blocks_mb * MIB),
            self.bytes_per_object
        )
    }
}

/// What `herd check` says of the inventory offline: a warning when the
/// NameNode's heap (`vars.heap.namenode`) is below the rule for the objects
/// `vars.health` expects. Errors in the two mappings it reads are refused;
/// the rest of `vars` is for `herd up` to judge (check also serves
/// inventories that run no Hadoop).
pub fn inventory_warnings(inv: &Inventory) -> Result<Vec<String>, ModelErrors> {
    if !inv
        .hosts
        .iter()
        .any(|h| h.roles.iter().any(|r| r == "namenode"))
    {
        return Ok(Vec::new());
    }
    let mut errors = Vec::new();
    let s = super::read(inv, &mut errors);
    let ours: Vec<ModelError> = errors
        .into_iter()
        .filter(|e| {
            ["vars.health", "vars.heap"]
                .iter()
                .any(|k| e.field.starts_with(k))
        })
        .collect();
    if !ours.is_empty() {
        return Err(ModelErrors(ours));
    }
    Ok(s.health
        .configured_heap_warning(s.heap("namenode"))
        .into_iter()
        .collect())
}

/// A heap size as -Xmx takes it, rounded up to a whole MiB: `5g`, `1229m`.
pub fn xmx(bytes: u64) -> String {
    let mb = bytes.div_ceil(MIB).max(1);
    if mb.is_multiple_of(1024) {
        format!("{}g", mb / 1024)
    } else {
        format!("{mb}m")
    }
}

/// `812 B`, `81 MiB`, `1.2 GiB`: one decimal below ten units.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 || v >= 10.0 {
        format!("{} {}", v.round() as u64, UNITS[i])
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// Where a `vars.health` key puts its value once read and checked.
enum Field {
    /// A whole number within the bounds.
    Count(fn(&mut Health) -> &mut u64, u64, u64),
    Expected(fn(&mut Health) -> &mut Option<u64>),
    /// A size such as `1g`, kept in MiB.
    Size(fn(&mut Health) -> &mut u64),
}

const FIELDS: &[(&str, Field)] = &[
    (
        "heap_used_warn_pct",
        Field::Count(|h| &mut h.heap_used_warn_pct, 1, 100),
    ),
    (
        "heap_per_million_blocks",
        Field::Size(|h| &mut h.heap_per_million_blocks_mb),
    ),
    (
        "bytes_per_object",
        Field::Count(|h| &mut h.bytes_per_object, 1, 1_000_000),
    ),
    ("expected_files", Field::Expected(|h| &mut h.expected_files)),
    (
        "expected_blocks",
        Field::Expected(|h| &mut h.expected_blocks),
    ),
];

/// Reads `vars.health` into `health`; unknown keys and bad values are
/// errors at their line.
pub fn read(r: &mut Reader, v: &Value, path: &str, health: &mut Health) {
    if v.is_null() {
        return;
    }
    let keys: Vec<&str> = FIELDS.iter().map(|(k, _)| *k).collect();
    let Some(fields) = r.fields(v, path, &keys) else {
        return;
    };
    for (key, v, p) in fields.iter() {
        let Some((_, field)) = FIELDS.iter().find(|(k, _)| *k == key) else {
            continue;
        };
        match field {
            Field::Count(set, min, max) => match r.uint(v, &p) {
                Some(n) if (*min..=*max).contains(&n) => *set(health) = n,
                Some(n) => r.error(&p, format!("{key} must be from {min} to {max}, got {n}")),
                None => {}
            },
            Field::Expected(set) => {
                if let Some(n) = r.uint(v, &p) {
                    *set(health) = Some(n);
                }
            }
            Field::Size(set) => {
                if let Some(size) = super::read::heap_size(r, v, &p) {
                    *set(health) = heap_mb(&size);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn health_of(vars: &str) -> (Health, Vec<crate::model::ModelError>) {
        let text =
            format!("cluster: t\nvars:\n{vars}hosts:\n  - {{ name: h1, roles: [namenode] }}\n");
        let inv = Inventory::parse(&text, Path::new("/tmp/inv.yaml")).unwrap();
        let mut errors = Vec::new();
        let s = crate::hadoop::settings::read(&inv, &mut errors);
        (s.health, errors)
    }

    #[test]
    fn the_seed_rule_per_million_blocks_and_its_floor() {
        let h = Health::default();
        // Seed 004's example: 5 million blocks want about 5 GB.
        assert_eq!(h.suggested_heap(3_000_000, 5_000_000), 5 * 1024 * MIB);
        assert_eq!(xmx(h.suggested_heap(3_000_000, 5_000_000)), "5g");
        // Many small directories and files: the 150-byte floor is larger.
        let files = 50_000_000;
        assert_eq!(
            h.suggested_heap(files, 1_000_000),
            (files + 1_000_000) * 150
        );
        assert_eq!(xmx((files + 1_000_000) * 150), "7296m");
        assert_eq!(h.suggested_heap(0, 0), 0);
        let custom = Health {
            heap_per_million_blocks_mb: 2048,
            bytes_per_object: 300,
            ..Health::default()
        };
        assert_eq!(custom.suggested_heap(0, 500_000), 1024 * MIB);
    }

    #[test]
    fn sizes_read_as_an_operator_does() {
        assert_eq!(human_bytes(812), "812 B");
        assert_eq!(human_bytes(81 * MIB + 300_000), "81 MiB");
        assert_eq!(human_bytes(1288490188), "1.2 GiB");
        assert_eq!(human_bytes(60 * 1024 * MIB), "60 GiB");
        assert_eq!(xmx(1), "1m");
        assert_eq!(xmx(1024 * MIB + 1), "1025m");
    }

    #[test]
    fn check_warns_when_the_configured_heap_is_below_the_rule() {
        let h = Health {
            expected_blocks: Some(5_000_000),
            ..Health::default()
        };
        // Files taken as many as blocks: max(5 GiB, 10M x 150 B) = 5 GiB.
        let w = h.configured_heap_warning("4g").unwrap();
        assert!(
            w.contains("vars.heap.namenode 4g is below the 5.0 GiB"),
            "{w}"
        );
        assert!(w.contains("5000000 files and 5000000 blocks"), "{w}");
        assert!(w.ends_with("set it to at least 5g"), "{w}");
        assert!(h.configured_heap_warning("5g").is_none());
        assert!(h.configured_heap_warning("8192m").is_none());
        assert!(Health::default().configured_heap_warning("1m").is_none());
        let files_only = Health {
            expected_files: Some(40_000_000),
            expected_blocks: Some(1_000_000),
            ..Health::default()
        };
        let w = files_only.configured_heap_warning("4g").unwrap();
        assert!(w.ends_with("set it to at least 5866m"), "{w}");
    }

    #[test]
    fn vars_health_is_read_with_its_defaults() {
        let (h, errors) = health_of("");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(h, Health::default());
        let (h, errors) = health_of(
            "  health: { heap_used_warn_pct: 90, heap_per_million_blocks: 2g, bytes_per_object: 200, expected_files: 10, expected_blocks: 20 }\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            h,
            Health {
                heap_used_warn_pct: 90,
                heap_per_million_blocks_mb: 2048,
                bytes_per_object: 200,
                expected_files: Some(10),
                expected_blocks: Some(20),
            }
        );
    }

    #[test]
    fn bad_health_values_name_their_line() {
        let (_, errors) = health_of(
            "  health:\n    heap_used_warn_pct: 120\n    heap_per_million_blocks: lots\n    expected_blocks: -3\n    bytes_per_objects: 150\n",
        );
        let mut got: Vec<(usize, String, String)> = errors
            .iter()
            .map(|e| {
                (
                    e.location.as_ref().map_or(0, |l| l.line),
                    e.field.clone(),
                    e.message.clone(),
                )
            })
            .collect();
        got.sort();
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(
            got[0],
            (
                4,
                "vars.health.heap_used_warn_pct".into(),
                "heap_used_warn_pct must be from 1 to 100, got 120".into()
            )
        );
        assert_eq!(
            (got[1].0, got[1].1.as_str()),
            (5, "vars.health.heap_per_million_blocks")
        );
        assert!(got[1].2.contains("'lots' is not a heap size"), "{got:?}");
        assert_eq!(
            (got[2].0, got[2].1.as_str()),
            (6, "vars.health.expected_blocks")
        );
        assert!(
            got[2].2.contains("expected a whole number, got -3"),
            "{got:?}"
        );
        assert_eq!(
            (got[3].0, got[3].1.as_str()),
            (7, "vars.health.bytes_per_objects")
        );
        assert!(
            got[3].2.starts_with(
                "unknown key 'bytes_per_objects' (expected one of: heap_used_warn_pct,"
            ),
            "{got:?}"
        );
        let (_, errors) = health_of("  health: 80\n");
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].message.contains("expected a mapping"),
            "{errors:?}"
        );
    }

    #[test]
    fn check_reads_only_the_mappings_it_needs() {
        let inv = |vars: &str, roles: &str| {
            let text =
                format!("cluster: t\nvars:\n{vars}hosts:\n  - {{ name: h1, roles: [{roles}] }}\n");
            Inventory::parse(&text, Path::new("/tmp/inv.yaml")).unwrap()
        };
        let small = "  heap: { namenode: 1g }\n  health: { expected_blocks: 2000000 }\n";
        let w = inventory_warnings(&inv(small, "namenode")).unwrap();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("vars.heap.namenode 1g is below the 2.0 GiB"),
            "{w:?}"
        );
        // No NameNode, nothing to size; other vars are not check's to judge.
        assert!(
            inventory_warnings(&inv(small, "worker"))
                .unwrap()
                .is_empty()
        );
        let other =
            "  heap: { namenode: 4g }\n  health: { expected_blocks: 2000000 }\n  block_size: big\n";
        assert!(
            inventory_warnings(&inv(other, "namenode"))
                .unwrap()
                .is_empty()
        );
        let bad = "  health: { expected_blocks: many }\n";
        let e = inventory_warnings(&inv(bad, "namenode")).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.0[0].field, "vars.health.expected_blocks");
    }
}
