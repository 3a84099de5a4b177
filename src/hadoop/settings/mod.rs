//! The cluster settings under the inventory's `vars`, typed, defaulted and
//! checked, every problem located at its line.
//!
//! Only the keys of [`read`] are read; other `vars` are left to playbooks.
//! Inside the mappings herd owns (`dirs`, `heap`, `overrides`, ...) an
//! unknown key is an error, because a typo there would silently fall back
//! to a default.

mod defaults;
mod health;
mod overrides;
mod rack;
mod read;
mod security;
mod spark;
mod supervisor;
mod users;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::model::{Inventory, ModelError};

pub use defaults::{DEFAULT_BLOCK_SIZE, DEFAULT_MAX_COMPLETED_APPS, DEFAULT_TRASH_MINUTES};
pub use health::{Health, human_bytes, inventory_warnings, xmx};
pub use overrides::OVERRIDE_FILES;
pub use rack::rack;
pub use read::read;
pub use security::{AdminPassword, KADMIN_PORT, KDC_PORT, Kerberos, KeytabSource, Security, Tls};
pub use spark::{APACHE_PI_CLASS, APACHE_PI_JAR, SmokeJob, SparkSettings, host_port};
pub use supervisor::{Supervisor, supervisor};
pub use users::{ACCOUNTS, Account, ServiceUsers, User};

/// Directories on the hosts. Lists where Hadoop takes a comma list.
#[derive(Debug, Clone, PartialEq)]
pub struct Dirs {
    pub name: Vec<String>,
    pub data: Vec<String>,
    pub journal: String,
    pub yarn_local: Vec<String>,
    pub yarn_log: Vec<String>,
    pub log: String,
    pub pid: String,
    /// `hadoop.tmp.dir`.
    pub tmp: String,
    /// `yarn.nodemanager.recovery.dir`; off the tmp dir so a tmp cleaner
    /// cannot lose the state of running containers.
    pub nm_recovery: String,
    pub zookeeper: String,
    pub zookeeper_log: String,
    pub mesos_master: String,
    pub mesos_agent: String,
    pub mesos_log: String,
    pub spark_log: String,
}

/// A distribution tarball herd places on the hosts and unpacks.
#[derive(Debug, Clone, PartialEq)]
pub struct Tarball {
    /// On this machine, resolved against the inventory's directory; for a
    /// tarball the hosts fetch from a mirror, the URL's file name (never read).
    pub path: PathBuf,
    /// Top directory inside the tarball, from its name (`hadoop-3.5.0`), which
    /// `<install_dir>/<component>` links to.
    pub dir_name: String,
    /// Where the hosts fetch it themselves; None: it is on this machine.
    pub mirror: Option<Mirror>,
}

impl Tarball {
    /// The file's name on the hosts, under `<install_dir>/dist/`.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// A tarball on the operator's mirror: every host fetches it from there and
/// keeps it only when its sha512 is this one.
#[derive(Debug, Clone, PartialEq)]
pub struct Mirror {
    pub url: String,
    /// Lower-case hex, 128 digits.
    pub sha512: String,
}

/// The relay's port when `vars.dist_relay` is `true`: no Hadoop, ZooKeeper,
/// Mesos or Spark default binds it.
pub const DEFAULT_RELAY_PORT: u16 = 8931;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dist {
    pub hadoop: Option<Tarball>,
    pub zookeeper: Option<Tarball>,
    pub mesos: Option<Tarball>,
    pub spark: Option<Tarball>,
}

/// Where a tarball of [`Dist`] is, by its `vars.dist` key: reading and the
/// check for missing files go through this one table.
struct Component {
    get: fn(&Dist) -> &Option<Tarball>,
    set: fn(&mut Dist, Tarball),
}

const COMPONENTS: &[(&str, Component)] = &[
    (
        "hadoop",
        Component {
            get: |d| &d.hadoop,
            set: |d, t| d.hadoop = Some(t),
        },
    ),
    (
        "zookeeper",
        Component {
            get: |d| &d.zookeeper,
            set: |d, t| d.zookeeper = Some(t),
        },
    ),
    (
        "mesos",
        Component {
            get: |d| &d.mesos,
            set: |d, t| d.mesos = Some(t),
        },
    ),
    (
        "spark",
        Component {
            get: |d| &d.spark,
            set: |d, t| d.spark = Some(t),
        },
    ),
];

#[derive(Debug, Clone, PartialEq)]
pub struct MesosSettings {
    pub cluster: String,
    pub agent_resources: Option<String>,
    pub zk_path: String,
    pub logging_level: String,
}

/// Everything herd renders from, after defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub nameservice: String,
    pub install_dir: String,
    pub java_home: String,
    /// Extra JVM options for every daemon (e.g. a small-footprint GC for test hosts).
    pub jvm_opts: String,
    pub dist: Dist,
    /// The port of the host-to-host relay the local tarballs reach the
    /// hosts by (`vars.dist_relay`); None: the controller uploads each.
    pub dist_relay: Option<u16>,
    pub dirs: Dirs,
    /// Role (or `client`) -> `-Xmx` value such as `384m`.
    pub heap: BTreeMap<String, String>,
    pub block_size: u64,
    pub nm_memory_mb: u64,
    pub nm_vcores: u64,
    pub mesos: MesosSettings,
    pub spark: SparkSettings,
    /// Explicit NameNode ids (the seed used namenode1, namenode2); None: nn1, nn2, ...
    pub namenode_ids: Option<Vec<String>>,
    /// File -> property -> value; None removes a default.
    pub overrides: BTreeMap<String, BTreeMap<String, Option<String>>>,
    /// The accounts the daemons run as.
    pub users: ServiceUsers,
    /// What `herd status` judges the health figures by.
    pub health: Health,
    /// Secure mode (`vars.security`); None: simple authentication.
    pub security: Option<Security>,
}

impl Settings {
    pub fn hadoop_home(&self) -> String {
        format!("{}/hadoop", self.install_dir)
    }
    pub fn hadoop_conf_dir(&self) -> String {
        format!("{}/hadoop/etc/hadoop", self.install_dir)
    }
    pub fn zookeeper_home(&self) -> String {
        format!("{}/zookeeper", self.install_dir)
    }
    pub fn mesos_home(&self) -> String {
        format!("{}/mesos", self.install_dir)
    }
    pub fn spark_home(&self) -> String {
        format!("{}/spark", self.install_dir)
    }
    /// Spark's default `SPARK_CONF_DIR`, so every launcher finds it unset.
    pub fn spark_conf_dir(&self) -> String {
        format!("{}/spark/conf", self.install_dir)
    }
    /// Where `herd config push` records services whose configuration changed.
    pub fn stale_file(&self) -> String {
        format!("{}/.herd/stale", self.install_dir)
    }
    /// Markers herd leaves on a host (formatZK done, stale services).
    pub fn state_dir(&self) -> String {
        format!("{}/.herd", self.install_dir)
    }
    pub fn heap(&self, key: &str) -> &str {
        self.heap.get(key).map(String::as_str).unwrap_or("256m")
    }
    /// The override of `key` in `file`: Some(Some(v)) set, Some(None) removed.
    pub fn override_of(&self, file: &str, key: &str) -> Option<&Option<String>> {
        self.overrides.get(file).and_then(|m| m.get(key))
    }

    /// Tarballs named in `dist` that do not exist on this machine.
    /// Each tarball of `vars.dist` by its key, in the bring-up's order.
    pub fn tarballs(&self) -> Vec<(&'static str, &Tarball)> {
        COMPONENTS
            .iter()
            .filter_map(|(k, c)| (c.get)(&self.dist).as_ref().map(|t| (*k, t)))
            .collect()
    }

    pub fn missing_dist(&self, inv: &Inventory) -> Vec<ModelError> {
        let mut out = Vec::new();
        for (key, c) in COMPONENTS {
            if let Some(t) = (c.get)(&self.dist)
                && t.mirror.is_none()
                && !t.path.is_file()
            {
                let path = format!("vars.dist.{key}");
                out.push(ModelError {
                    location: inv.spans.nearest(&path),
                    field: path,
                    message: format!("no such file: {}", t.path.display()),
                });
            }
        }
        out
    }
}

/// Heap size in MiB (rounded up), for tools that take a number of MB.
pub fn heap_mb(heap: &str) -> u64 {
    let (digits, unit) = heap.split_at(heap.len().saturating_sub(1));
    let n: u64 = digits.parse().unwrap_or(0);
    match unit {
        "k" => n.div_ceil(1024).max(1),
        "g" => n * 1024,
        _ => n,
    }
}
