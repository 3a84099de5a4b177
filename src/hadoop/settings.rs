//! The cluster settings under the inventory's `vars`, typed, defaulted and
//! checked, every problem located at its line.
//!
//! Only the keys below are read; other `vars` are left to playbooks. Inside
//! the mappings herd owns (`dirs`, `heap`, `overrides`, ...) an unknown key
//! is an error, because a typo there would silently fall back to a default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::model::{Inventory, ModelError};

/// Hadoop's own default of one day is kept; the seed cluster keeps ten days
/// (14400) through an override.
pub const DEFAULT_TRASH_MINUTES: u64 = 1440;
/// The seed's block size (256 MiB): fewer blocks per file means a smaller
/// NameNode heap for the same data (seed 004: heap grows with block count).
pub const DEFAULT_BLOCK_SIZE: u64 = 268_435_456;
/// Bound on completed applications the ResourceManager keeps in memory and in
/// its ZooKeeper state store. Hadoop's 10000 made RM failover slow in seed
/// 004, because the new active reloads every one of them from ZooKeeper.
pub const DEFAULT_MAX_COMPLETED_APPS: u64 = 1000;

/// Files whose properties `vars.overrides` may change.
pub const OVERRIDE_FILES: &[&str] = &[
    "core-site",
    "hdfs-site",
    "yarn-site",
    "mapred-site",
    "zoo.cfg",
    "mesos-master",
    "mesos-agent",
];

/// Daemons whose heap `vars.heap` sets; `client` is for the command-line tools.
pub const HEAP_KEYS: &[&str] = &[
    "namenode",
    "datanode",
    "journalnode",
    "zkfc",
    "resourcemanager",
    "nodemanager",
    "historyserver",
    "zookeeper",
    "client",
];

/// The `vars` keys herd reads; other `vars` are free for playbooks.
pub const VAR_KEYS: &[&str] = &[
    "nameservice",
    "install_dir",
    "java_home",
    "jvm_opts",
    "dist",
    "dirs",
    "heap",
    "block_size",
    "nodemanager",
    "mesos",
    "namenode_ids",
    "overrides",
];
const DIST_KEYS: &[&str] = &["hadoop", "zookeeper", "mesos"];
const DIR_KEYS: &[&str] = &[
    "name",
    "data",
    "journal",
    "yarn_local",
    "yarn_log",
    "log",
    "pid",
    "tmp",
    "nm_recovery",
    "zookeeper",
    "zookeeper_log",
    "mesos_master",
    "mesos_agent",
    "mesos_log",
];
const NM_KEYS: &[&str] = &["memory_mb", "vcores"];
const MESOS_KEYS: &[&str] = &["cluster", "agent_resources", "zk_path", "logging_level"];

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
}

impl Default for Dirs {
    fn default() -> Self {
        Dirs {
            name: vec!["/data/hadoop/hdfs/name".into()],
            data: vec!["/data/hadoop/hdfs/data".into()],
            journal: "/data/hadoop/hdfs/journalnode".into(),
            yarn_local: vec!["/data/hadoop/yarn/local".into()],
            yarn_log: vec!["/data/hadoop/yarn/logs".into()],
            log: "/var/log/hadoop".into(),
            pid: "/var/run/hadoop".into(),
            tmp: "/data/hadoop/tmp".into(),
            nm_recovery: "/data/hadoop/yarn/recovery".into(),
            zookeeper: "/data/zookeeper".into(),
            zookeeper_log: "/var/log/zookeeper".into(),
            mesos_master: "/data/mesos/master".into(),
            mesos_agent: "/data/mesos/agent".into(),
            mesos_log: "/var/log/mesos".into(),
        }
    }
}

/// A distribution tarball herd uploads and unpacks.
#[derive(Debug, Clone, PartialEq)]
pub struct Tarball {
    /// On this machine, resolved against the inventory's directory.
    pub path: PathBuf,
    /// Top directory inside the tarball, from its name (`hadoop-3.5.0`), which
    /// `<install_dir>/<component>` links to.
    pub dir_name: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dist {
    pub hadoop: Option<Tarball>,
    pub zookeeper: Option<Tarball>,
    pub mesos: Option<Tarball>,
}

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
    pub dirs: Dirs,
    /// Role (or `client`) -> `-Xmx` value such as `384m`.
    pub heap: BTreeMap<String, String>,
    pub block_size: u64,
    pub nm_memory_mb: u64,
    pub nm_vcores: u64,
    pub mesos: MesosSettings,
    /// Explicit NameNode ids (the seed used namenode1, namenode2); None: nn1, nn2, ...
    pub namenode_ids: Option<Vec<String>>,
    /// File -> property -> value; None removes a default.
    pub overrides: BTreeMap<String, BTreeMap<String, Option<String>>>,
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
    /// Where `herd config push` records services whose configuration changed.
    pub fn stale_file(&self) -> String {
        format!("{}/.herd/stale", self.install_dir)
    }
    pub fn heap(&self, key: &str) -> &str {
        self.heap.get(key).map(String::as_str).unwrap_or("256m")
    }
    /// The override of `key` in `file`: Some(Some(v)) set, Some(None) removed.
    pub fn override_of(&self, file: &str, key: &str) -> Option<&Option<String>> {
        self.overrides.get(file).and_then(|m| m.get(key))
    }

    /// Directories a host with `roles` needs before its daemons start.
    pub fn host_dirs(&self, roles: &[String]) -> Vec<String> {
        let has = |r: &str| roles.iter().any(|x| x == r);
        let d = &self.dirs;
        let mut out = Vec::new();
        if super::HADOOP_ROLES.iter().any(|r| has(r)) {
            out.extend([d.log.clone(), d.pid.clone(), d.tmp.clone()]);
        }
        if has("namenode") {
            out.extend(d.name.iter().cloned());
        }
        if has("datanode") {
            out.extend(d.data.iter().cloned());
        }
        if has("journalnode") {
            out.push(d.journal.clone());
        }
        if has("nodemanager") {
            out.extend(d.yarn_local.iter().cloned());
            out.extend(d.yarn_log.iter().cloned());
            out.push(d.nm_recovery.clone());
        }
        if has("zookeeper") {
            out.extend([d.zookeeper.clone(), d.zookeeper_log.clone()]);
        }
        if has("mesos-master") {
            out.extend([d.mesos_master.clone(), d.mesos_log.clone()]);
        }
        if has("mesos-agent") {
            out.extend([d.mesos_agent.clone(), d.mesos_log.clone()]);
        }
        let mut seen = std::collections::BTreeSet::new();
        out.retain(|p| seen.insert(p.clone()));
        out
    }

    /// Tarballs named in `dist` that do not exist on this machine.
    pub fn missing_dist(&self, inv: &Inventory) -> Vec<ModelError> {
        let mut out = Vec::new();
        for (key, t) in [
            ("hadoop", &self.dist.hadoop),
            ("zookeeper", &self.dist.zookeeper),
            ("mesos", &self.dist.mesos),
        ] {
            if let Some(t) = t
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

fn default_heaps() -> BTreeMap<String, String> {
    [
        ("namenode", "1g"),
        ("datanode", "1g"),
        ("journalnode", "512m"),
        ("zkfc", "256m"),
        ("resourcemanager", "1g"),
        ("nodemanager", "1g"),
        ("historyserver", "512m"),
        ("zookeeper", "512m"),
        ("client", "256m"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Read the settings from `inv.vars`; errors go to `errors`.
pub fn read(inv: &Inventory, errors: &mut Vec<ModelError>) -> Settings {
    let mut r = VarReader { inv, errors };
    let vars = &inv.vars;
    let base = inv.path.parent().map(Path::to_path_buf).unwrap_or_default();

    let mut s = Settings {
        nameservice: default_nameservice(&inv.cluster),
        install_dir: "/opt".into(),
        java_home: "/usr/lib/jvm/java-17-openjdk-amd64".into(),
        jvm_opts: String::new(),
        dist: Dist::default(),
        dirs: Dirs::default(),
        heap: default_heaps(),
        block_size: DEFAULT_BLOCK_SIZE,
        nm_memory_mb: 8192,
        nm_vcores: 8,
        mesos: MesosSettings {
            cluster: inv.cluster.clone(),
            agent_resources: None,
            zk_path: "/mesos".into(),
            logging_level: "ERROR".into(),
        },
        namenode_ids: None,
        overrides: BTreeMap::new(),
    };

    if let Some(v) = vars.get("nameservice")
        && let Some(ns) = r.string(v, "vars.nameservice")
    {
        if is_nameservice(&ns) {
            s.nameservice = ns;
        } else {
            r.error(
                "vars.nameservice",
                format!(
                    "'{ns}' cannot be a nameservice: it is the host part of hdfs://{ns}, so use letters, digits and '-' only"
                ),
            );
        }
    }
    if let Some(v) = vars.get("install_dir")
        && let Some(p) = r.abs_path(v, "vars.install_dir")
    {
        s.install_dir = p.trim_end_matches('/').to_string();
        if s.install_dir.is_empty() {
            r.error("vars.install_dir", "install_dir cannot be '/'");
        }
    }
    if let Some(v) = vars.get("java_home")
        && let Some(p) = r.abs_path(v, "vars.java_home")
    {
        s.java_home = p;
    }
    if let Some(v) = vars.get("jvm_opts")
        && let Some(o) = r.string(v, "vars.jvm_opts")
    {
        s.jvm_opts = o;
    }
    if let Some(v) = vars.get("dist")
        && let Some(m) = r.map(v, "vars.dist", DIST_KEYS)
    {
        for (k, v) in m {
            let path = format!("vars.dist.{k}");
            let Some(file) = r.string(v, &path) else {
                continue;
            };
            let resolved = if Path::new(&file).is_absolute() {
                PathBuf::from(&file)
            } else {
                base.join(&file)
            };
            let name = Path::new(&file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some(stem) = [".tar.gz", ".tgz", ".tar"]
                .iter()
                .find_map(|ext| name.strip_suffix(ext))
            else {
                r.error(
                    &path,
                    format!("'{file}' is not a .tar.gz, .tgz or .tar file"),
                );
                continue;
            };
            // The Apache ZooKeeper tarball unpacks to its own name, -bin included.
            let t = Some(Tarball {
                path: resolved,
                dir_name: stem.to_string(),
            });
            match k.as_str() {
                "hadoop" => s.dist.hadoop = t,
                "zookeeper" => s.dist.zookeeper = t,
                _ => s.dist.mesos = t,
            }
        }
    }
    if let Some(v) = vars.get("dirs")
        && let Some(m) = r.map(v, "vars.dirs", DIR_KEYS)
    {
        for (k, v) in m {
            let path = format!("vars.dirs.{k}");
            let d = &mut s.dirs;
            let list = match k.as_str() {
                "name" => Some(&mut d.name),
                "data" => Some(&mut d.data),
                "yarn_local" => Some(&mut d.yarn_local),
                "yarn_log" => Some(&mut d.yarn_log),
                _ => None,
            };
            if let Some(list) = list {
                if let Some(l) = r.path_list(v, &path) {
                    *list = l;
                }
                continue;
            }
            let Some(p) = r.abs_path(v, &path) else {
                continue;
            };
            match k.as_str() {
                "journal" => d.journal = p,
                "log" => d.log = p,
                "pid" => d.pid = p,
                "tmp" => d.tmp = p,
                "nm_recovery" => d.nm_recovery = p,
                "zookeeper" => d.zookeeper = p,
                "zookeeper_log" => d.zookeeper_log = p,
                "mesos_master" => d.mesos_master = p,
                "mesos_agent" => d.mesos_agent = p,
                _ => d.mesos_log = p,
            }
        }
    }
    if let Some(v) = vars.get("heap")
        && let Some(m) = r.map(v, "vars.heap", HEAP_KEYS)
    {
        for (k, v) in m {
            let path = format!("vars.heap.{k}");
            if let Some(h) = r.heap(v, &path) {
                s.heap.insert(k.clone(), h);
            }
        }
    }
    if let Some(v) = vars.get("block_size")
        && let Some(n) = r.uint(v, "vars.block_size")
    {
        // dfs.namenode.fs-limits.min-block-size refuses smaller blocks, and
        // blocks must be whole checksum chunks (512 bytes).
        if n < 1_048_576 || n % 512 != 0 {
            r.error(
                "vars.block_size",
                format!(
                    "block_size must be at least 1048576 (1 MiB) and a multiple of 512, got {n}"
                ),
            );
        } else {
            s.block_size = n;
        }
    }
    if let Some(v) = vars.get("nodemanager")
        && let Some(m) = r.map(v, "vars.nodemanager", NM_KEYS)
    {
        for (k, v) in m {
            let path = format!("vars.nodemanager.{k}");
            match r.uint(v, &path) {
                Some(0) => r.error(&path, format!("{k} must be greater than 0")),
                Some(n) if k == "memory_mb" => s.nm_memory_mb = n,
                Some(n) => s.nm_vcores = n,
                None => {}
            }
        }
    }
    if let Some(v) = vars.get("mesos")
        && let Some(m) = r.map(v, "vars.mesos", MESOS_KEYS)
    {
        for (k, v) in m {
            let path = format!("vars.mesos.{k}");
            let Some(text) = r.string(v, &path) else {
                continue;
            };
            match k.as_str() {
                "cluster" => s.mesos.cluster = text,
                "agent_resources" => s.mesos.agent_resources = Some(text),
                "zk_path" if !text.starts_with('/') || text.len() < 2 => r.error(
                    &path,
                    format!("zk_path must be a ZooKeeper path such as /mesos, got '{text}'"),
                ),
                "zk_path" => s.mesos.zk_path = text,
                _ => match text.to_ascii_uppercase().as_str() {
                    l @ ("INFO" | "WARNING" | "ERROR") => s.mesos.logging_level = l.to_string(),
                    _ => r.error(
                        &path,
                        format!("logging_level must be INFO, WARNING or ERROR, got '{text}'"),
                    ),
                },
            }
        }
    }
    if let Some(v) = vars.get("namenode_ids") {
        match v {
            Value::Array(items) => {
                let mut ids = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let path = format!("vars.namenode_ids[{i}]");
                    if let Some(id) = r.string(item, &path) {
                        if !id
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                            || id.is_empty()
                        {
                            r.error(
                                &path,
                                format!(
                                    "'{id}' cannot be a NameNode id (letters, digits, '_' and '-')"
                                ),
                            );
                        } else if ids.contains(&id) {
                            r.error(&path, format!("NameNode id '{id}' is given twice"));
                        } else {
                            ids.push(id);
                        }
                    }
                }
                s.namenode_ids = Some(ids);
            }
            other => r.error(
                "vars.namenode_ids",
                format!("expected a list of NameNode ids, got {}", kind(other)),
            ),
        }
    }
    if let Some(v) = vars.get("overrides")
        && let Some(m) = r.map(v, "vars.overrides", OVERRIDE_FILES)
    {
        for (file, v) in m {
            let fpath = format!("vars.overrides.{file}");
            let props = match v {
                Value::Null => continue,
                Value::Object(props) => props,
                other => {
                    r.error(
                        &fpath,
                        format!(
                            "expected a mapping of property -> value, got {}",
                            kind(other)
                        ),
                    );
                    continue;
                }
            };
            let mut out = BTreeMap::new();
            for (key, val) in props {
                let path = format!("{fpath}.{key}");
                let mesos = file.starts_with("mesos-");
                if mesos
                    && !key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    r.error(&path, format!("'{key}' is not a Mesos flag name (lowercase, digits and '_', without the leading --)"));
                    continue;
                }
                if key.trim().is_empty() || key.chars().any(char::is_whitespace) {
                    r.error(&path, format!("'{key}' is not a property name"));
                    continue;
                }
                let value = match val {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    Value::Bool(b) => Some(b.to_string()),
                    Value::Number(n) => Some(n.to_string()),
                    other => {
                        r.error(
                            &path,
                            format!("an override value must be a string, number, boolean or null (to remove the default), got {}", kind(other)),
                        );
                        continue;
                    }
                };
                if let Some(v) = &value
                    && (v.contains('\n') && !mesos)
                {
                    r.error(&path, "an override value cannot span lines");
                    continue;
                }
                out.insert(key.clone(), value);
            }
            s.overrides.insert(file.clone(), out);
        }
    }
    if let Some(ids) = &s.namenode_ids
        && ids.is_empty()
    {
        r.error("vars.namenode_ids", "the list of NameNode ids is empty");
    }
    s
}

/// The rack of one host (`hosts[].vars.rack`), checked.
pub fn rack(
    inv: &Inventory,
    host: &crate::model::Host,
    entry: Option<usize>,
    errors: &mut Vec<ModelError>,
) -> Option<String> {
    let v = host.vars.get("rack")?;
    let path = match entry {
        Some(k) if inv.spans.contains(&format!("hosts[{k}].vars.rack")) => {
            format!("hosts[{k}].vars.rack")
        }
        _ => "vars.rack".to_string(),
    };
    let mut r = VarReader { inv, errors };
    let rack = r.string(v, &path)?;
    let ok = rack.starts_with('/')
        && rack.len() > 1
        && rack
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'));
    if ok {
        Some(rack)
    } else {
        r.error(
            &path,
            format!(
                "rack '{rack}' must be a path such as /rack1 (letters, digits, '/', '-', '_', '.')"
            ),
        );
        None
    }
}

fn default_nameservice(cluster: &str) -> String {
    let ns: String = cluster
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let ns = ns.trim_matches('-').to_string();
    if ns.is_empty() {
        "hacluster".into()
    } else {
        ns
    }
}

/// A nameservice is the host part of `hdfs://<ns>`: Java's URI parser gives
/// no host for names with '_', and Hadoop then refuses the URI.
fn is_nameservice(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Typed access to `vars` values, errors located through the inventory spans.
struct VarReader<'a> {
    inv: &'a Inventory,
    errors: &'a mut Vec<ModelError>,
}

impl VarReader<'_> {
    fn error(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(ModelError {
            location: self.inv.spans.nearest(path),
            field: path.to_string(),
            message: message.into(),
        });
    }

    /// The entries of a mapping whose keys are in `allowed`; the others are
    /// reported (a typo there would silently fall back to a default).
    fn map<'v>(
        &mut self,
        v: &'v Value,
        path: &str,
        allowed: &[&str],
    ) -> Option<Vec<(&'v String, &'v Value)>> {
        match v {
            Value::Object(m) => {
                let mut known = Vec::new();
                for (k, val) in m {
                    if allowed.contains(&k.as_str()) {
                        known.push((k, val));
                        continue;
                    }
                    let p = format!("{path}.{k}");
                    let location = self
                        .inv
                        .spans
                        .key(&p)
                        .or_else(|| self.inv.spans.nearest(&p));
                    self.errors.push(ModelError {
                        location,
                        field: p,
                        message: format!(
                            "unknown key '{k}' (expected one of: {})",
                            allowed.join(", ")
                        ),
                    });
                }
                Some(known)
            }
            Value::Null => None,
            other => {
                self.error(path, format!("expected a mapping, got {}", kind(other)));
                None
            }
        }
    }

    fn string(&mut self, v: &Value, path: &str) -> Option<String> {
        match v {
            Value::String(s) if s.trim().is_empty() => {
                self.error(path, "expected a value, got an empty string");
                None
            }
            Value::String(s) => Some(s.clone()),
            other => {
                self.error(path, format!("expected a string, got {}", kind(other)));
                None
            }
        }
    }

    fn uint(&mut self, v: &Value, path: &str) -> Option<u64> {
        match v {
            Value::Number(n) if n.as_u64().is_some() => n.as_u64(),
            other => {
                self.error(
                    path,
                    format!("expected a whole number, got {}", describe(other)),
                );
                None
            }
        }
    }

    fn abs_path(&mut self, v: &Value, path: &str) -> Option<String> {
        let p = self.string(v, path)?;
        if !p.starts_with('/') {
            self.error(
                path,
                format!("'{p}' must be an absolute path (starting with /)"),
            );
            return None;
        }
        if p.chars()
            .any(|c| c == ',' || c.is_whitespace() || c.is_control())
        {
            self.error(
                path,
                format!(
                    "'{p}' contains a comma or white space, which Hadoop's comma lists cannot carry"
                ),
            );
            return None;
        }
        Some(p)
    }

    fn path_list(&mut self, v: &Value, path: &str) -> Option<Vec<String>> {
        match v {
            Value::Array(items) if items.is_empty() => {
                self.error(path, "the list of directories is empty");
                None
            }
            Value::Array(items) => {
                let mut out = Vec::new();
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    match self.abs_path(item, &format!("{path}[{i}]")) {
                        Some(p) => out.push(p),
                        None => ok = false,
                    }
                }
                ok.then_some(out)
            }
            Value::String(_) => self.abs_path(v, path).map(|p| vec![p]),
            other => {
                self.error(
                    path,
                    format!(
                        "expected a directory or a list of directories, got {}",
                        kind(other)
                    ),
                );
                None
            }
        }
    }

    /// A JVM heap size as -Xmx takes it: digits and a unit k, m or g.
    fn heap(&mut self, v: &Value, path: &str) -> Option<String> {
        let text = match v {
            Value::String(s) => s.trim().to_string(),
            other => {
                self.error(
                    path,
                    format!(
                        "expected a heap size such as 384m or 1g, got {}",
                        describe(other)
                    ),
                );
                return None;
            }
        };
        let (digits, unit) = text.split_at(text.len().saturating_sub(1));
        let ok = !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit())
            && matches!(unit, "k" | "K" | "m" | "M" | "g" | "G")
            && digits.parse::<u64>().is_ok_and(|n| n > 0);
        if ok {
            Some(text.to_ascii_lowercase())
        } else {
            self.error(
                path,
                format!("'{text}' is not a heap size: use digits and a unit k, m or g, such as 384m or 1g"),
            );
            None
        }
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{s}'"),
        Value::Number(n) => n.to_string(),
        other => kind(other).to_string(),
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
