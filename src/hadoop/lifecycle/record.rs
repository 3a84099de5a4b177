//! Where a worker stands in its lifecycle, as herd recorded it: in service,
//! in maintenance (until when), or decommissioned. The record is a file herd
//! owns beside the inventory, `<inventory stem>.workers.json`, so that the
//! inventory stays the operator's (herd never rewrites it) and a later
//! `herd up` renders the same host lists the last `herd decommission` or
//! `herd maintenance` left: it never silently brings a host back.
//!
//! Hosts the record names that the inventory no longer has (a worker
//! decommissioned, then removed) are kept in the file and ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{Inventory, Location, ModelError};

/// One worker's state. Absent from the record: in service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WorkerState {
    Active,
    /// HDFS keeps its replicas where they are; `until_ms` (epoch ms) is when
    /// the NameNode ends the maintenance by itself (None: never).
    Maintenance {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until_ms: Option<u64>,
    },
    Decommissioned,
}

impl WorkerState {
    pub fn in_service(self) -> bool {
        self == WorkerState::Active
    }

    pub fn word(self) -> &'static str {
        match self {
            WorkerState::Active => "active",
            WorkerState::Maintenance { .. } => "maintenance",
            WorkerState::Decommissioned => "decommissioned",
        }
    }
}

/// One host's entry in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(flatten)]
    pub state: WorkerState,
    /// When herd recorded it (RFC 3339, UTC).
    pub since: String,
    /// The run that recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub cluster: String,
    #[serde(default)]
    pub workers: BTreeMap<String, Entry>,
}

impl Record {
    /// The state of `host` (active unless recorded otherwise).
    pub fn state(&self, host: &str) -> WorkerState {
        self.workers
            .get(host)
            .map(|e| e.state)
            .unwrap_or(WorkerState::Active)
    }

    /// Set `hosts` to `state`; entries that become active are dropped, so
    /// the file lists only what is out of the ordinary.
    pub fn set(&mut self, hosts: &[String], state: WorkerState, run: Option<&str>) {
        let since = now_rfc3339();
        for h in hosts {
            if state == WorkerState::Active {
                self.workers.remove(h);
            } else {
                self.workers.insert(
                    h.clone(),
                    Entry {
                        state,
                        since: since.clone(),
                        run: run.map(String::from),
                    },
                );
            }
        }
    }
}

/// The record's path for the inventory at `inventory`.
pub fn path_for(inventory: &Path) -> PathBuf {
    let stem = inventory
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "inventory".into());
    inventory.with_file_name(format!("{stem}.workers.json"))
}

/// The inventory's record: empty when there is no file yet. Errors name the
/// file, line and field, like the inventory's own.
pub fn load(inv: &Inventory) -> Result<Record, Vec<ModelError>> {
    let path = path_for(&inv.path);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Record {
                cluster: inv.cluster.clone(),
                workers: BTreeMap::new(),
            });
        }
        Err(e) => {
            return Err(vec![ModelError {
                location: None,
                field: String::new(),
                message: format!("cannot read the worker record {}: {e}", path.display()),
            }]);
        }
    };
    let record: Record = serde_json::from_str(&text).map_err(|e| {
        vec![ModelError {
            location: Some(Location {
                file: path.clone(),
                line: e.line(),
                column: e.column(),
            }),
            field: String::new(),
            message: format!("worker record: {e}"),
        }]
    })?;
    let mut errors = Vec::new();
    let at = |needle: &str| locate(&text, &path, needle);
    if record.cluster != inv.cluster {
        errors.push(ModelError {
            location: at("\"cluster\""),
            field: "cluster".into(),
            message: format!(
                "the worker record is cluster '{}', the inventory is '{}' (a record of another cluster?)",
                record.cluster, inv.cluster
            ),
        });
    }
    for host in record.workers.keys() {
        if let Some(h) = inv.host(host)
            && !h
                .roles
                .iter()
                .any(|r| super::WORKER_ROLES.contains(&r.as_str()))
        {
            errors.push(ModelError {
                location: at(&format!("\"{host}\"")),
                field: format!("workers.{host}"),
                message: format!(
                    "{host} has no worker role ({}) in the inventory: only workers are decommissioned or put in maintenance",
                    super::WORKER_ROLES.join(", ")
                ),
            });
        }
    }
    if errors.is_empty() {
        Ok(record)
    } else {
        Err(errors)
    }
}

/// Write the record atomically (a temporary file, then rename).
pub fn save(inv: &Inventory, record: &Record) -> std::io::Result<PathBuf> {
    let path = path_for(&inv.path);
    let tmp = path.with_extension("json.tmp");
    let mut text = serde_json::to_string_pretty(record).map_err(std::io::Error::other)?;
    text.push('\n');
    std::fs::write(&tmp, text)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

fn locate(text: &str, path: &Path, needle: &str) -> Option<Location> {
    let at = text.find(needle)?;
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = at - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    Some(Location {
        file: path.to_path_buf(),
        line,
        column,
    })
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_sits_beside_the_inventory() {
        assert_eq!(
            path_for(Path::new("/etc/herd/prod.yaml")),
            PathBuf::from("/etc/herd/prod.workers.json")
        );
    }

    #[test]
    fn states_round_trip_and_active_entries_are_dropped() {
        let mut r = Record {
            cluster: "c".into(),
            workers: BTreeMap::new(),
        };
        r.set(&["w1".into()], WorkerState::Decommissioned, Some("run1"));
        r.set(
            &["w2".into()],
            WorkerState::Maintenance {
                until_ms: Some(1_767_225_600_000),
            },
            None,
        );
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.contains(r#""w1":{"state":"decommissioned""#), "{text}");
        assert!(text.contains(r#""until_ms":1767225600000"#), "{text}");
        let back: Record = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.state("w3"), WorkerState::Active);
        r.set(&["w1".into()], WorkerState::Active, None);
        assert!(!r.workers.contains_key("w1"));
    }
}
