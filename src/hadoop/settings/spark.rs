//! `vars.spark`: where Spark jobs go (`spark.master`), where their event
//! logs live for the history server, the resources a job gets when it asks
//! for none, and the job `herd smoke` runs to prove Spark computes.

use serde_json::Value;

use crate::model::reader::Reader;

/// The job of `herd smoke`'s Spark check: a jar on the Spark host (relative
/// to the Spark home, or absolute) and its main class. It prints `Pi is
/// roughly <n>`, as Apache's SparkPi does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmokeJob {
    pub jar: String,
    pub class: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparkSettings {
    /// `spark.master` as written: `yarn`, `mesos://zk://h1:2181,.../mesos` or
    /// `mesos://host:5050` (checked against the inventory in `spark_master`).
    pub master: String,
    /// The HDFS directory of the event logs, which the history server reads.
    pub event_log_dir: String,
    /// The HDFS directory holding each Spark version's jars, uploaded once
    /// (`spark.yarn.archive`) instead of by every `spark-submit`.
    pub archive_dir: String,
    pub driver_memory: String,
    pub executor_memory: String,
    pub executor_cores: u64,
    /// `spark.yarn.am.memory`: the YARN application master of a client-mode job.
    pub am_memory: String,
    /// None: Apache's SparkPi from the distribution's `examples/jars`.
    pub smoke_job: Option<SmokeJob>,
}

impl Default for SparkSettings {
    /// Spark's own defaults for the resources; the directories are Ambari's
    /// layout (`/spark2-history`, `/hdp/apps/<v>/spark2`) without the
    /// vendor names.
    fn default() -> Self {
        SparkSettings {
            master: "yarn".into(),
            event_log_dir: "/spark-history".into(),
            archive_dir: "/apps/spark".into(),
            driver_memory: "1g".into(),
            executor_memory: "1g".into(),
            executor_cores: 1,
            am_memory: "512m".into(),
            smoke_job: None,
        }
    }
}

/// Apache's SparkPi, found by a shell glob in the distribution.
pub const APACHE_PI_JAR: &str = "examples/jars/spark-examples_*.jar";
pub const APACHE_PI_CLASS: &str = "org.apache.spark.examples.SparkPi";

impl SparkSettings {
    /// (jar, class) of the smoke job; the jar as a shell word that the
    /// Spark home is prefixed to when relative.
    pub fn smoke(&self) -> (String, String) {
        match &self.smoke_job {
            Some(j) => (j.jar.clone(), j.class.clone()),
            None => (APACHE_PI_JAR.into(), APACHE_PI_CLASS.into()),
        }
    }
}

type Set = fn(&mut SparkSettings, &mut Reader, &Value, &str);

const KEYS: &[(&str, Set)] = &[
    ("master", |s, r, v, p| {
        if let Some(m) = r.text(v, p) {
            match master_syntax(&m) {
                Ok(()) => s.master = m,
                Err(e) => r.error(p, e),
            }
        }
    }),
    ("event_log_dir", |s, r, v, p| {
        if let Some(d) = hdfs_path(r, v, p) {
            s.event_log_dir = d;
        }
    }),
    ("archive_dir", |s, r, v, p| {
        if let Some(d) = hdfs_path(r, v, p) {
            s.archive_dir = d;
        }
    }),
    ("driver_memory", |s, r, v, p| {
        if let Some(m) = memory(r, v, p) {
            s.driver_memory = m;
        }
    }),
    ("executor_memory", |s, r, v, p| {
        if let Some(m) = memory(r, v, p) {
            s.executor_memory = m;
        }
    }),
    ("executor_cores", |s, r, v, p| match r.uint(v, p) {
        Some(0) => r.error(p, "executor_cores must be greater than 0"),
        Some(n) => s.executor_cores = n,
        None => {}
    }),
    ("am_memory", |s, r, v, p| {
        if let Some(m) = memory(r, v, p) {
            s.am_memory = m;
        }
    }),
    ("smoke_job", smoke_job),
];

/// Read `vars.spark` (`v`, at `path`) into `out`.
pub(super) fn read(r: &mut Reader, v: &Value, path: &str, out: &mut SparkSettings) {
    for (_, set, v, p) in super::read::section(r, v, path, KEYS) {
        set(out, r, v, &p);
    }
}

fn smoke_job(s: &mut SparkSettings, r: &mut Reader, v: &Value, path: &str) {
    let Some(f) = r.fields(v, path, &["jar", "class"]) else {
        return;
    };
    let jar = r.required(&f, "jar").and_then(|(v, p)| r.text(v, &p));
    let class = r.required(&f, "class").and_then(|(v, p)| {
        let c = r.text(v, &p)?;
        let ok = c.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '$')
        });
        if ok {
            Some(c)
        } else {
            r.error(&p, format!("'{c}' is not a Java class name"));
            None
        }
    });
    if let (Some(jar), Some(class)) = (jar, class) {
        s.smoke_job = Some(SmokeJob { jar, class });
    }
}

/// A master URL Spark accepts and herd can check: YARN, or a Mesos master
/// named directly or through ZooKeeper.
fn master_syntax(m: &str) -> Result<(), String> {
    if m == "yarn" {
        return Ok(());
    }
    let hint = "use yarn, mesos://zk://host:port,.../path or mesos://host:port";
    if let Some(zk) = m.strip_prefix("mesos://zk://") {
        let Some((hosts, path)) = zk.split_once('/') else {
            return Err(format!(
                "'{m}' has no ZooKeeper path after the hosts ({hint})"
            ));
        };
        if path.is_empty() || hosts.split(',').any(|h| host_port(h).is_none()) {
            return Err(format!("'{m}' is not a Mesos ZooKeeper URL ({hint})"));
        }
        return Ok(());
    }
    if let Some(hp) = m.strip_prefix("mesos://") {
        return match host_port(hp) {
            Some(_) => Ok(()),
            None => Err(format!("'{m}' is not a Mesos master URL ({hint})")),
        };
    }
    Err(format!("'{m}' is not a master herd can check ({hint})"))
}

/// `host:port` with a plain host name and a port number.
pub fn host_port(s: &str) -> Option<(&str, u16)> {
    let (h, p) = s.rsplit_once(':')?;
    let plain = !h.is_empty()
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    let port = p.parse::<u16>().ok().filter(|p| *p > 0)?;
    plain.then_some((h, port))
}

/// An absolute HDFS path, written without a scheme (the nameservice is
/// herd's to add).
fn hdfs_path(r: &mut Reader, v: &Value, path: &str) -> Option<String> {
    let p = r.text(v, path)?;
    if !p.starts_with('/') || p.len() < 2 {
        r.error(
            path,
            format!("'{p}' must be an absolute HDFS path such as /spark-history (no scheme: herd adds hdfs://<nameservice>)"),
        );
        return None;
    }
    if p.chars().any(|c| c.is_whitespace() || c.is_control()) {
        r.error(path, format!("'{p}' contains white space"));
        return None;
    }
    Some(p.trim_end_matches('/').to_string())
}

/// A JVM memory size as Spark takes it: digits and k, m or g, as heaps are.
fn memory(r: &mut Reader, v: &Value, path: &str) -> Option<String> {
    super::read::heap_size(r, v, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_urls_are_checked_for_shape() {
        assert!(master_syntax("yarn").is_ok());
        assert!(master_syntax("mesos://zk://m1:2181,m2:2181,m3:2181/mesos").is_ok());
        assert!(master_syntax("mesos://m1:5050").is_ok());
        assert!(master_syntax("mesos://zk://m1:2181").is_err());
        assert!(master_syntax("mesos://zk://m1/mesos").is_err());
        assert!(master_syntax("spark://m1:7077").is_err());
        assert!(master_syntax("local[2]").is_err());
    }

    #[test]
    fn the_default_smoke_job_is_apaches_pi() {
        let s = SparkSettings::default();
        assert_eq!(
            s.smoke(),
            (APACHE_PI_JAR.to_string(), APACHE_PI_CLASS.to_string())
        );
    }
}
