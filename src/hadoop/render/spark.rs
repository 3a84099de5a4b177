//! Spark's two files on the hosts that run it: `conf/spark-defaults.conf`
//! (what every `spark-submit` and the history server read) and
//! `conf/spark-env.sh` (where Java, the Hadoop configuration, the daemon's
//! heap, logs and pid file are).
//!
//! Jobs write their event logs into HDFS, where the history server reads
//! them, so a job is visible after its driver is gone. Spark's jars are
//! given to YARN as one archive in HDFS (`spark.yarn.archive`): without it
//! every submit zips and uploads the whole `jars/` directory again.

use crate::shell::quote;

use super::props::{apply_overrides, set};
use crate::hadoop::topology::Topology;
use crate::hadoop::xml::{HEADER, Props};

/// The history server's web port when nothing overrides it.
pub const HISTORY_PORT: u16 = crate::hadoop::default_ports::SPARK_HISTORY_HTTP;

/// `hdfs://<nameservice><path>`: Spark resolves a path without a scheme
/// against the job's default filesystem, which the history server may not
/// share, so every HDFS location is written whole.
pub fn hdfs_uri(topo: &Topology, path: &str) -> String {
    format!("hdfs://{}{path}", topo.settings.nameservice)
}

/// The archive of Spark's jars in HDFS, one per distribution (a new Spark
/// version gets a new one; running jobs keep the one they started with).
/// None when the inventory names no Spark tarball: herd cannot know which
/// version is installed, and jobs then upload `jars/` themselves.
pub fn archive_path(topo: &Topology) -> Option<String> {
    let s = &topo.settings;
    let t = s.dist.spark.as_ref()?;
    Some(format!(
        "{}/{}/spark-jars.tar",
        s.spark.archive_dir, t.dir_name
    ))
}

/// The history server's port, as spark-defaults.conf will say.
pub fn history_port(topo: &Topology) -> Result<u16, String> {
    match topo
        .settings
        .override_of("spark-defaults", "spark.history.ui.port")
    {
        Some(Some(v)) => v
            .trim()
            .parse::<u16>()
            .map_err(|_| format!("spark.history.ui.port '{v}' is not a port number")),
        _ => Ok(HISTORY_PORT),
    }
}

/// spark-defaults.conf's properties, the overrides of `spark-defaults` applied.
pub fn spark_defaults(topo: &Topology) -> Props {
    let s = &topo.settings;
    let sp = &s.spark;
    let mut p = Props::new();
    set(&mut p, "spark.master", &sp.master);
    set(&mut p, "spark.submit.deployMode", "client");
    let events = hdfs_uri(topo, &sp.event_log_dir);
    set(&mut p, "spark.eventLog.enabled", true);
    set(&mut p, "spark.eventLog.dir", &events);
    set(&mut p, "spark.history.fs.logDirectory", &events);
    set(&mut p, "spark.history.ui.port", HISTORY_PORT);
    // Spark's cleaner is off by default, and event logs then fill HDFS.
    set(&mut p, "spark.history.fs.cleaner.enabled", true);
    set(&mut p, "spark.history.fs.cleaner.maxAge", "7d");
    if let Some(host) = topo.hosts("spark-history").first() {
        let port = history_port(topo).unwrap_or(HISTORY_PORT);
        set(
            &mut p,
            "spark.yarn.historyServer.address",
            format!("{host}:{port}"),
        );
    }
    if let Some(archive) = archive_path(topo) {
        set(&mut p, "spark.yarn.archive", hdfs_uri(topo, &archive));
    }
    set(&mut p, "spark.driver.memory", &sp.driver_memory);
    set(&mut p, "spark.executor.memory", &sp.executor_memory);
    set(&mut p, "spark.executor.cores", sp.executor_cores);
    set(&mut p, "spark.yarn.am.memory", &sp.am_memory);
    apply_overrides(&mut p, topo, "spark-defaults");
    p
}

/// The properties as a Java properties file (which spark-defaults.conf is),
/// keys and values escaped so that any text reads back as written.
pub fn properties_file(props: &Props) -> Vec<u8> {
    let mut out = format!("# {HEADER}\n");
    for (k, p) in props {
        out.push_str(&escape(k, true));
        out.push(' ');
        out.push_str(&escape(&p.value, false));
        out.push('\n');
    }
    out.into_bytes()
}

/// `java.util.Properties` escaping: backslash and line breaks always; in a
/// key also the separators; in a value a leading space.
fn escape(s: &str, key: bool) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' ' if key || i == 0 => out.push_str("\\ "),
            '=' | ':' | '#' | '!' if key => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// conf/spark-env.sh, sourced (with `set -a`) by every Spark launcher.
pub fn spark_env(topo: &Topology) -> Vec<u8> {
    let s = &topo.settings;
    let mut out = format!("# {HEADER}\n\n");
    let mut export = |k: &str, v: &str| out.push_str(&format!("export {k}={}\n", quote(v)));
    export("JAVA_HOME", &s.java_home);
    // Spark on YARN finds the ResourceManagers and HDFS here.
    export("HADOOP_CONF_DIR", &s.hadoop_conf_dir());
    export("SPARK_LOG_DIR", &s.dirs.spark_log);
    // Beside the other daemons' pid files, where status and restart look.
    export("SPARK_PID_DIR", &s.dirs.pid);
    export("SPARK_DAEMON_MEMORY", s.heap("spark-history"));
    if !s.jvm_opts.trim().is_empty() {
        export("SPARK_DAEMON_JAVA_OPTS", s.jvm_opts.trim());
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn properties_escape_what_java_would_misread() {
        assert_eq!(escape("a b=c", true), "a\\ b\\=c");
        assert_eq!(escape(" -Dx=1 \\ y", false), "\\ -Dx=1 \\\\ y");
        assert_eq!(escape("l1\nl2", false), "l1\\nl2");
    }
}
