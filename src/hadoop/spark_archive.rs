//! The archive of Spark's jars in HDFS (`spark.yarn.archive`), made once
//! per Spark version from the jars of an installed distribution: YARN then
//! localizes one file per NodeManager instead of every `spark-submit`
//! uploading the whole `jars/` directory.

use serde_json::{Value, json};

use super::Topology;
use super::daemon_control::client_as;
use super::render::{archive_path, hdfs_uri};
use super::settings::Account;
use crate::shell::quote as q;

/// `spark.archive` of the template object: `run` makes the archive (as
/// root on a Spark host, writing HDFS as the Spark account, which owns the
/// archive directory) and `marker`, the state file that says it was made,
/// named after the archive so a new Spark version makes its own. A marker
/// rather than asking HDFS: the hdfs tool's JVM would cost every `herd up`
/// seconds, for a file nothing but an operator removes.
pub fn template(topo: &Topology) -> Value {
    let s = &topo.settings;
    let Some(path) = archive_path(topo) else {
        // No tarball named: nothing to archive, jobs upload their jars. A
        // marker that always exists, so the stage's `creates:` skips it.
        return json!({ "run": "true", "marker": "/" });
    };
    let hdfs = client_as(
        s,
        s.users.name(Account::Spark),
        &q(&format!("{}/bin/hdfs", s.hadoop_home())),
    );
    let uri = q(&hdfs_uri(topo, &path));
    let dir = q(&hdfs_uri(
        topo,
        path.rsplit_once('/').map_or("/", |(d, _)| d),
    ));
    let jars = q(&format!("{}/jars", s.spark_home()));
    // The jars at the top of the archive, as Spark's own upload lays them
    // out; not compressed (jars are), which halves the time it takes;
    // readable by all, so YARN shares one localized copy per host.
    let run = format!(
        "set -e\n\
         tmp=$(mktemp /tmp/herd-spark-jars.XXXXXX)\n\
         trap 'rm -f \"$tmp\"' EXIT\n\
         tar -C {jars} -cf \"$tmp\" .\n\
         chmod 644 \"$tmp\"\n\
         {hdfs} dfs -mkdir -p {dir}\n\
         {hdfs} dfs -put -f \"$tmp\" {uri}\n\
         {hdfs} dfs -chmod 644 {uri}\n"
    );
    let name: String = path
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    json!({
        "run": run,
        "marker": format!("{}/spark-archive{name}", s.state_dir()),
    })
}
