//! Reading `vars` into [`Settings`] with the model's [`Reader`], from the
//! JSON values the inventory keeps them as.
//!
//! Each mapping herd owns is one table of its keys and what each one sets,
//! so the keys a mapping accepts and the fields they fill are written once:
//! a key is accepted only if it sets something, and a key the table lacks
//! is refused as unknown instead of falling into another key's field.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::model::reader::{Reader, describe, kind};
use crate::model::{Inventory, ModelError};

use super::defaults::HEAPS;
use super::{
    COMPONENTS, Dirs, MesosSettings, Mirror, Settings, Tarball, health, overrides, security, spark,
    users,
};

/// The settings being read, with the reader that records their problems.
struct Read<'a> {
    r: Reader<'a>,
    s: Settings,
    /// The inventory's directory, where relative tarball paths start.
    base: PathBuf,
}

/// What one `vars` key does with its value, found at the path it is given.
type Set = fn(&mut Read, &Value, &str);

/// The `vars` keys herd reads, in the order it reads them; other `vars` are
/// free for playbooks.
const VARS: &[(&str, Set)] = &[
    ("nameservice", nameservice),
    ("install_dir", install_dir),
    ("java_home", |x, v, p| {
        if let Some(j) = abs_path(&mut x.r, v, p) {
            x.s.java_home = j;
        }
    }),
    ("jvm_opts", |x, v, p| {
        if let Some(o) = x.r.text(v, p) {
            x.s.jvm_opts = o;
        }
    }),
    ("dist", dist),
    ("dist_relay", dist_relay),
    ("dirs", dirs),
    ("heap", heap),
    ("block_size", block_size),
    ("nodemanager", nodemanager),
    ("mesos", mesos),
    ("namenode_ids", namenode_ids),
    ("overrides", |x, v, p| {
        overrides::read(&mut x.r, v, p, &mut x.s.overrides)
    }),
    ("users", |x, v, p| {
        users::read(&mut x.r, v, p, &mut x.s.users)
    }),
    ("spark", |x, v, p| {
        spark::read(&mut x.r, v, p, &mut x.s.spark)
    }),
    ("health", |x, v, p| {
        health::read(&mut x.r, v, p, &mut x.s.health)
    }),
    ("security", |x, v, p| {
        x.s.security = security::read(&mut x.r, v, p, &x.base);
    }),
];

/// Where a `vars.dirs` key goes: one directory, or a list where Hadoop
/// takes a comma list.
enum Dir {
    One(fn(&mut Dirs) -> &mut String),
    List(fn(&mut Dirs) -> &mut Vec<String>),
}

const DIRS: &[(&str, Dir)] = &[
    ("name", Dir::List(|d| &mut d.name)),
    ("data", Dir::List(|d| &mut d.data)),
    ("journal", Dir::One(|d| &mut d.journal)),
    ("yarn_local", Dir::List(|d| &mut d.yarn_local)),
    ("yarn_log", Dir::List(|d| &mut d.yarn_log)),
    ("log", Dir::One(|d| &mut d.log)),
    ("pid", Dir::One(|d| &mut d.pid)),
    ("tmp", Dir::One(|d| &mut d.tmp)),
    ("nm_recovery", Dir::One(|d| &mut d.nm_recovery)),
    ("zookeeper", Dir::One(|d| &mut d.zookeeper)),
    ("zookeeper_log", Dir::One(|d| &mut d.zookeeper_log)),
    ("mesos_master", Dir::One(|d| &mut d.mesos_master)),
    ("mesos_agent", Dir::One(|d| &mut d.mesos_agent)),
    ("mesos_log", Dir::One(|d| &mut d.mesos_log)),
    ("spark_log", Dir::One(|d| &mut d.spark_log)),
];

/// The field a count of `vars.nodemanager` goes to.
type Count = fn(&mut Settings) -> &mut u64;

/// `vars.nodemanager`: what the NodeManagers offer YARN, each more than 0.
const NODEMANAGER: &[(&str, Count)] = &[
    ("memory_mb", |s| &mut s.nm_memory_mb),
    ("vcores", |s| &mut s.nm_vcores),
];

/// Checks the text of a `vars.mesos` key and sets it, or says what is wrong.
type Check = fn(&mut MesosSettings, String) -> Result<(), String>;

const MESOS: &[(&str, Check)] = &[
    ("cluster", |m, text| {
        m.cluster = text;
        Ok(())
    }),
    ("agent_resources", |m, text| {
        m.agent_resources = Some(text);
        Ok(())
    }),
    ("zk_path", |m, text| {
        if !text.starts_with('/') || text.len() < 2 {
            return Err(format!(
                "zk_path must be a ZooKeeper path such as /mesos, got '{text}'"
            ));
        }
        m.zk_path = text;
        Ok(())
    }),
    ("logging_level", |m, text| {
        match text.to_ascii_uppercase().as_str() {
            l @ ("INFO" | "WARNING" | "ERROR") => {
                m.logging_level = l.to_string();
                Ok(())
            }
            _ => Err(format!(
                "logging_level must be INFO, WARNING or ERROR, got '{text}'"
            )),
        }
    }),
];

/// Read the settings from `inv.vars`; errors go to `errors`.
pub fn read(inv: &Inventory, errors: &mut Vec<ModelError>) -> Settings {
    let mut x = Read {
        r: Reader::new(&inv.spans),
        s: Settings::defaults(&inv.cluster),
        base: inv.path.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    for (key, set) in VARS {
        if let Some(v) = inv.vars.get(*key) {
            set(&mut x, v, &format!("vars.{key}"));
        }
    }
    if let Some(ids) = &x.s.namenode_ids
        && ids.is_empty()
    {
        x.r.error("vars.namenode_ids", "the list of NameNode ids is empty");
    }
    errors.append(&mut x.r.errors);
    x.s
}

/// The entries of a mapping herd owns, each with its row of `table`; keys
/// not in the table are reported. Nothing (`dirs:` alone) keeps the defaults.
pub(super) fn section<'v, T>(
    r: &mut Reader,
    v: &'v Value,
    path: &str,
    table: &'static [(&'static str, T)],
) -> Vec<(&'static str, &'static T, &'v Value, String)> {
    if v.is_null() {
        return Vec::new();
    }
    let keys: Vec<&str> = table.iter().map(|(k, _)| *k).collect();
    let Some(fields) = r.fields(v, path, &keys) else {
        return Vec::new();
    };
    fields
        .iter()
        .filter_map(|(key, v, p)| {
            let (k, row) = table.iter().find(|(k, _)| *k == key)?;
            Some((*k, row, v, p))
        })
        .collect()
}

fn nameservice(x: &mut Read, v: &Value, path: &str) {
    let Some(ns) = x.r.text(v, path) else {
        return;
    };
    if is_nameservice(&ns) {
        x.s.nameservice = ns;
    } else {
        x.r.error(
            path,
            format!(
                "'{ns}' cannot be a nameservice: it is the host part of hdfs://{ns}, so use letters, digits and '-' only"
            ),
        );
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

fn install_dir(x: &mut Read, v: &Value, path: &str) {
    if let Some(p) = abs_path(&mut x.r, v, path) {
        x.s.install_dir = p.trim_end_matches('/').to_string();
        if x.s.install_dir.is_empty() {
            x.r.error(path, "install_dir cannot be '/'");
        }
    }
}

fn dist(x: &mut Read, v: &Value, path: &str) {
    for (_, c, v, p) in section(&mut x.r, v, path, COMPONENTS) {
        if let Some(t) = tarball(&mut x.r, v, &p, &x.base) {
            (c.set)(&mut x.s.dist, t);
        }
    }
}

/// `true` (the default port), `false`, or `{ port: N }`.
fn dist_relay(x: &mut Read, v: &Value, path: &str) {
    if v.is_object() {
        let Some(f) = x.r.fields(v, path, &["port"]) else {
            return;
        };
        if let Some((v, p)) = x.r.required(&f, "port") {
            x.s.dist_relay = x.r.port(v, &p);
        }
        return;
    }
    if let Some(on) = x.r.bool(v, path) {
        x.s.dist_relay = on.then_some(super::DEFAULT_RELAY_PORT);
    }
}

/// A tarball is a file on this machine (a path), or `{url, sha512}` on the
/// operator's mirror, which every host fetches itself.
fn tarball(r: &mut Reader, v: &Value, path: &str, base: &Path) -> Option<Tarball> {
    if v.is_object() {
        return mirror_tarball(r, v, path);
    }
    let file = r.text(v, path)?;
    let resolved = if Path::new(&file).is_absolute() {
        PathBuf::from(&file)
    } else {
        base.join(&file)
    };
    let name = Path::new(&file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir_name = tarball_dir(r, &name, path, &file)?;
    Some(Tarball {
        path: resolved,
        dir_name,
        mirror: None,
    })
}

fn mirror_tarball(r: &mut Reader, v: &Value, path: &str) -> Option<Tarball> {
    let f = r.fields(v, path, &["url", "sha512"])?;
    let url = r.required(&f, "url").and_then(|(v, p)| {
        let url = r.text(v, &p)?;
        url_file(&url).map(|_| url.clone()).or_else(|| {
            r.error(
                &p,
                format!("'{url}' is not an http:// or https:// URL of a file (nothing in it may need quoting: no spaces, quotes or '$')"),
            );
            None
        })
    });
    let sha512 = r.required(&f, "sha512").and_then(|(v, p)| {
        let h = r.text(v, &p)?.to_ascii_lowercase();
        if h.len() == 128 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
            Some(h)
        } else {
            r.error(
                &p,
                format!(
                    "a sha512 is 128 hex digits (what sha512sum prints), got '{h}' ({} characters)",
                    h.len()
                ),
            );
            None
        }
    });
    let url = url?;
    let name = url_file(&url)?.to_string();
    let dir_name = tarball_dir(r, &name, &format!("{path}.url"), &url)?;
    Some(Tarball {
        path: PathBuf::from(&name),
        dir_name,
        mirror: Some(Mirror {
            url,
            sha512: sha512?,
        }),
    })
}

/// The file name at the end of an http(s) URL whose every character is
/// safe unquoted in a URL and in a shell word's quotes.
fn url_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let ok = |c: char| c.is_ascii_alphanumeric() || "-._~/:%+@=,".contains(c);
    if !url.chars().all(ok) {
        return None;
    }
    let (host, file_path) = rest.split_once('/')?;
    let name = file_path.rsplit('/').next()?;
    (!host.is_empty() && !name.is_empty()).then_some(name)
}

/// The top directory a tarball unpacks to, from its file name.
fn tarball_dir(r: &mut Reader, name: &str, path: &str, shown: &str) -> Option<String> {
    let Some(stem) = [".tar.gz", ".tgz", ".tar"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
    else {
        r.error(
            path,
            format!("'{shown}' is not a .tar.gz, .tgz or .tar file"),
        );
        return None;
    };
    // The Apache ZooKeeper tarball unpacks to its own name, -bin included.
    Some(stem.to_string())
}

fn dirs(x: &mut Read, v: &Value, path: &str) {
    for (_, dir, v, p) in section(&mut x.r, v, path, DIRS) {
        match dir {
            Dir::List(field) => {
                if let Some(l) = path_list(&mut x.r, v, &p) {
                    *field(&mut x.s.dirs) = l;
                }
            }
            Dir::One(field) => {
                if let Some(d) = abs_path(&mut x.r, v, &p) {
                    *field(&mut x.s.dirs) = d;
                }
            }
        }
    }
}

fn heap(x: &mut Read, v: &Value, path: &str) {
    for (key, _, v, p) in section(&mut x.r, v, path, HEAPS) {
        if let Some(h) = heap_size(&mut x.r, v, &p) {
            x.s.heap.insert(key.to_string(), h);
        }
    }
}

fn block_size(x: &mut Read, v: &Value, path: &str) {
    let Some(n) = x.r.uint(v, path) else {
        return;
    };
    // dfs.namenode.fs-limits.min-block-size refuses smaller blocks, and
    // blocks must be whole checksum chunks (512 bytes).
    if n < 1_048_576 || n % 512 != 0 {
        x.r.error(
            path,
            format!("block_size must be at least 1048576 (1 MiB) and a multiple of 512, got {n}"),
        );
    } else {
        x.s.block_size = n;
    }
}

fn nodemanager(x: &mut Read, v: &Value, path: &str) {
    for (key, field, v, p) in section(&mut x.r, v, path, NODEMANAGER) {
        match x.r.uint(v, &p) {
            Some(0) => x.r.error(&p, format!("{key} must be greater than 0")),
            Some(n) => *field(&mut x.s) = n,
            None => {}
        }
    }
}

fn mesos(x: &mut Read, v: &Value, path: &str) {
    for (_, set, v, p) in section(&mut x.r, v, path, MESOS) {
        if let Some(text) = x.r.text(v, &p)
            && let Err(message) = set(&mut x.s.mesos, text)
        {
            x.r.error(&p, message);
        }
    }
}

fn namenode_ids(x: &mut Read, v: &Value, path: &str) {
    let Value::Array(items) = v else {
        x.r.error(
            path,
            format!("expected a list of NameNode ids, got {}", kind(v)),
        );
        return;
    };
    let mut ids = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("{path}[{i}]");
        let Some(id) = x.r.text(item, &path) else {
            continue;
        };
        if !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            || id.is_empty()
        {
            x.r.error(
                &path,
                format!("'{id}' cannot be a NameNode id (letters, digits, '_' and '-')"),
            );
        } else if ids.contains(&id) {
            x.r.error(&path, format!("NameNode id '{id}' is given twice"));
        } else {
            ids.push(id);
        }
    }
    x.s.namenode_ids = Some(ids);
}

/// A directory on the hosts: absolute, and free of what Hadoop's comma
/// lists and the shell scripts that take it cannot carry.
fn abs_path(r: &mut Reader, v: &Value, path: &str) -> Option<String> {
    let p = r.text(v, path)?;
    if !p.starts_with('/') {
        r.error(
            path,
            format!("'{p}' must be an absolute path (starting with /)"),
        );
        return None;
    }
    if p.chars()
        .any(|c| c == ',' || c.is_whitespace() || c.is_control())
    {
        r.error(
            path,
            format!(
                "'{p}' contains a comma or white space, which Hadoop's comma lists cannot carry"
            ),
        );
        return None;
    }
    Some(p)
}

/// A directory or a non-empty list of them.
fn path_list(r: &mut Reader, v: &Value, path: &str) -> Option<Vec<String>> {
    match v {
        Value::Array(items) if items.is_empty() => {
            r.error(path, "the list of directories is empty");
            None
        }
        Value::Array(items) => {
            let mut out = Vec::new();
            let mut ok = true;
            for (i, item) in items.iter().enumerate() {
                match abs_path(r, item, &format!("{path}[{i}]")) {
                    Some(p) => out.push(p),
                    None => ok = false,
                }
            }
            ok.then_some(out)
        }
        Value::String(_) => abs_path(r, v, path).map(|p| vec![p]),
        other => {
            r.error(
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
pub(super) fn heap_size(r: &mut Reader, v: &Value, path: &str) -> Option<String> {
    let text = match v {
        Value::String(s) => s.trim().to_string(),
        other => {
            r.error(
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
        r.error(
            path,
            format!(
                "'{text}' is not a heap size: use digits and a unit k, m or g, such as 384m or 1g"
            ),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::Dist;
    use super::*;

    /// A value `key` of `vars` accepts, other than its default.
    fn value_of(key: &str) -> String {
        let section = |keys: Vec<(&str, String)>| {
            let entries: Vec<String> = keys.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            format!("{{ {} }}", entries.join(", "))
        };
        match key {
            "nameservice" => "ns-x".into(),
            "install_dir" => "/x".into(),
            "java_home" => "/x/java".into(),
            "jvm_opts" => "-Xss1m".into(),
            "dist_relay" => "{ port: 9999 }".into(),
            "dist" => section(
                COMPONENTS
                    .iter()
                    .map(|(k, _)| (*k, format!("{k}-1.tar.gz")))
                    .collect(),
            ),
            "dirs" => section(
                DIRS.iter()
                    .map(|(k, dir)| match dir {
                        Dir::One(_) => (*k, format!("/x/{k}")),
                        Dir::List(_) => (*k, format!("[/x/{k}]")),
                    })
                    .collect(),
            ),
            "heap" => section(HEAPS.iter().map(|(k, _)| (*k, "7m".into())).collect()),
            "block_size" => "2097152".into(),
            "nodemanager" => section(NODEMANAGER.iter().map(|(k, _)| (*k, "7".into())).collect()),
            "mesos" => section(
                MESOS
                    .iter()
                    .map(|(k, _)| match *k {
                        "cluster" => (*k, "c".into()),
                        "agent_resources" => (*k, "'cpus:1'".into()),
                        "zk_path" => (*k, "/m".into()),
                        "logging_level" => (*k, "INFO".into()),
                        other => panic!("no test value for vars.mesos.{other}"),
                    })
                    .collect(),
            ),
            "namenode_ids" => "[a, b]".into(),
            "overrides" => "{ core-site: { x: 1 } }".into(),
            "spark" => "{ master: 'mesos://m1:5050', event_log_dir: /ev, archive_dir: /ar, driver_memory: 2g, executor_memory: 3g, executor_cores: 2, am_memory: 1g, smoke_job: { jar: j.jar, class: a.B } }".into(),
            "health" => "{ heap_used_warn_pct: 90, expected_files: 1 }".into(),
            "security" => "{ kerberos: { realm: R, kdc: k } }".into(),
            "users" => "{ hdfs: { name: hd, uid: 2001 }, yarn: ya, mapred: ma, zookeeper: zk, mesos: me, spark: sp, group: { name: hg, gid: 2000 } }".into(),
            other => panic!("no test value for vars.{other}"),
        }
    }

    #[test]
    fn a_mirror_tarball_needs_an_http_url_of_a_tarball_and_its_sha512() {
        let read_dist = |dist: &str| {
            let text = format!(
                "cluster: t\nvars:\n  dist:\n    hadoop: {dist}\nhosts:\n  - {{ name: h1, roles: [namenode] }}\n"
            );
            let inv = Inventory::parse(&text, Path::new("/tmp/t.yaml")).unwrap();
            let mut errors = Vec::new();
            let s = read(&inv, &mut errors);
            let errors: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            (s, errors)
        };
        let sha = "ab".repeat(64);
        let (s, errors) = read_dist(&format!(
            "{{ url: 'http://mirror:8080/d/hadoop-3.5.0.tar.gz', sha512: {sha} }}"
        ));
        assert!(errors.is_empty(), "{errors:?}");
        let t = s.dist.hadoop.unwrap();
        assert_eq!(
            (t.file_name(), t.dir_name.as_str()),
            ("hadoop-3.5.0.tar.gz".into(), "hadoop-3.5.0")
        );
        assert_eq!(t.mirror.unwrap().sha512, sha);

        let (_, errors) = read_dist("{ url: 'ftp://m/hadoop.tar.gz', sha512: abc }");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].contains("vars.dist.hadoop.url")
                && errors[0].contains("is not an http:// or https:// URL"),
            "{errors:?}"
        );
        assert!(
            errors[1].contains("vars.dist.hadoop.sha512") && errors[1].contains("3 characters"),
            "{errors:?}"
        );
        let (_, errors) = read_dist(&format!(
            "{{ url: 'http://m/x$(id).tar.gz', sha512: {sha} }}"
        ));
        assert!(
            errors[0].contains("nothing in it may need quoting"),
            "{errors:?}"
        );
        let (_, errors) = read_dist(&format!("{{ url: 'http://m/hadoop.zip', sha512: {sha} }}"));
        assert!(
            errors[0].contains("is not a .tar.gz, .tgz or .tar file"),
            "{errors:?}"
        );
        let (_, errors) = read_dist("{ url: 'http://m/h.tgz' }");
        assert!(
            errors[0].contains("missing required key 'sha512'"),
            "{errors:?}"
        );
    }

    #[test]
    fn dist_relay_is_a_flag_or_a_port() {
        let read_relay = |v: &str| {
            let text = format!(
                "cluster: t\nvars:\n  dist_relay: {v}\nhosts:\n  - {{ name: h1, roles: [namenode] }}\n"
            );
            let inv = Inventory::parse(&text, Path::new("/tmp/t.yaml")).unwrap();
            let mut errors = Vec::new();
            let s = read(&inv, &mut errors);
            let errors: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            (s.dist_relay, errors)
        };
        assert_eq!(
            read_relay("true"),
            (Some(super::super::DEFAULT_RELAY_PORT), vec![])
        );
        assert_eq!(read_relay("false"), (None, vec![]));
        assert_eq!(read_relay("{ port: 7000 }"), (Some(7000), vec![]));
        let (_, e) = read_relay("{ port: 70000 }");
        assert!(
            e[0].contains("vars.dist_relay.port") && e[0].contains("invalid port 70000"),
            "{e:?}"
        );
        let (_, e) = read_relay("{ prot: 7000 }");
        assert!(e[0].contains("vars.dist_relay"), "{e:?}");
        let (_, e) = read_relay("yes please");
        assert!(
            e[0].contains("vars.dist_relay") && e[0].contains("expected true or false"),
            "{e:?}"
        );
    }

    /// Every field of the settings is filled by some key of `vars`: the
    /// destructuring below names every field, so a new field fails to build
    /// here until it is listed, and then fails the test until a key sets it.
    #[test]
    fn every_field_has_a_key() {
        let mut text = String::from("cluster: t\nvars:\n");
        for (key, _) in VARS {
            text.push_str(&format!("  {key}: {}\n", value_of(key)));
        }
        text.push_str("hosts:\n  - { name: h1, roles: [namenode] }\n");
        let inv = Inventory::parse(&text, Path::new("/tmp/t.yaml")).unwrap();
        let mut errors = Vec::new();
        let got = read(&inv, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let d = Settings::defaults(&inv.cluster);

        let Settings {
            nameservice,
            install_dir,
            java_home,
            jvm_opts,
            dist,
            dirs,
            heap,
            block_size,
            nm_memory_mb,
            nm_vcores,
            mesos,
            namenode_ids,
            overrides,
            users,
            spark,
            health,
            dist_relay,
            security,
        } = got;
        assert_ne!(security, d.security);
        assert_ne!(health, d.health);
        assert_eq!(dist_relay, Some(9999));
        let super::super::SparkSettings {
            master,
            event_log_dir,
            archive_dir,
            driver_memory,
            executor_memory,
            executor_cores,
            am_memory,
            smoke_job,
        } = spark;
        let ds = &d.spark;
        assert_ne!(master, ds.master);
        assert_ne!(event_log_dir, ds.event_log_dir);
        assert_ne!(archive_dir, ds.archive_dir);
        assert_ne!(driver_memory, ds.driver_memory);
        assert_ne!(executor_memory, ds.executor_memory);
        assert_ne!(executor_cores, ds.executor_cores);
        assert_ne!(am_memory, ds.am_memory);
        assert_ne!(smoke_job, ds.smoke_job);
        assert_ne!(nameservice, d.nameservice);
        assert_ne!(install_dir, d.install_dir);
        assert_ne!(java_home, d.java_home);
        assert_ne!(jvm_opts, d.jvm_opts);
        assert_ne!(block_size, d.block_size);
        assert_ne!(nm_memory_mb, d.nm_memory_mb);
        assert_ne!(nm_vcores, d.nm_vcores);
        assert_ne!(namenode_ids, d.namenode_ids);
        assert_ne!(overrides, d.overrides);
        for (key, a) in super::super::ACCOUNTS {
            assert_ne!(users.get(*a), d.users.get(*a), "vars.users.{key}");
        }
        assert_eq!(users.hdfs.uid, Some(2001));
        assert_ne!(users.group, d.users.group);
        assert_eq!(users.gid, Some(2000));
        for (key, _) in HEAPS {
            assert_ne!(heap.get(*key), d.heap.get(*key), "vars.heap.{key}");
        }
        assert_eq!(heap.len(), HEAPS.len());

        let Dist {
            hadoop,
            zookeeper,
            mesos: mesos_tarball,
            spark: spark_tarball,
        } = dist;
        for t in [hadoop, zookeeper, mesos_tarball, spark_tarball] {
            assert!(t.is_some());
        }

        let Dirs {
            name,
            data,
            journal,
            yarn_local,
            yarn_log,
            log,
            pid,
            tmp,
            nm_recovery,
            zookeeper,
            zookeeper_log,
            mesos_master,
            mesos_agent,
            mesos_log,
            spark_log,
        } = dirs;
        let dd = d.dirs;
        for (got, default) in [
            (name, dd.name),
            (data, dd.data),
            (yarn_local, dd.yarn_local),
            (yarn_log, dd.yarn_log),
        ] {
            assert_ne!(got, default);
        }
        for (got, default) in [
            (journal, dd.journal),
            (log, dd.log),
            (pid, dd.pid),
            (tmp, dd.tmp),
            (nm_recovery, dd.nm_recovery),
            (zookeeper, dd.zookeeper),
            (zookeeper_log, dd.zookeeper_log),
            (mesos_master, dd.mesos_master),
            (mesos_agent, dd.mesos_agent),
            (mesos_log, dd.mesos_log),
            (spark_log, dd.spark_log),
        ] {
            assert_ne!(got, default);
        }

        let MesosSettings {
            cluster,
            agent_resources,
            zk_path,
            logging_level,
        } = mesos;
        assert_ne!(cluster, d.mesos.cluster);
        assert_ne!(agent_resources, d.mesos.agent_resources);
        assert_ne!(zk_path, d.mesos.zk_path);
        assert_ne!(logging_level, d.mesos.logging_level);
    }
}
