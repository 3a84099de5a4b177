//! The archive of Spark's jars in HDFS (`spark.yarn.archive`), made once
//! per Spark version from the jars of an installed distribution: YARN then
//! localizes one file per NodeManager instead of every `spark-submit`
//! uploading the whole `jars/` directory.

use serde_json::{Value, json};

use super::Topology;
use super::daemon_control::as_user;
use super::render::{archive_path, hdfs_uri};
use super::settings::Account;
use crate::shell::quote as q;

/// `spark.archive` of the template object: `current` exits 0 when the
/// archive is in HDFS, `run` makes it. Both run as root on a Spark host;
/// HDFS is written as the Spark account, which owns the archive directory.
pub fn template(topo: &Topology) -> Value {
    let s = &topo.settings;
    let Some(path) = archive_path(topo) else {
        // No tarball named: nothing to archive, jobs upload their jars.
        return json!({ "current": "true", "run": "true" });
    };
    let hdfs = as_user(
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
    // out; readable by all, so YARN shares one localized copy per host.
    let run = format!(
        "set -e\n\
         tmp=$(mktemp /tmp/herd-spark-jars.XXXXXX)\n\
         trap 'rm -f \"$tmp\"' EXIT\n\
         tar -C {jars} -czf \"$tmp\" .\n\
         chmod 644 \"$tmp\"\n\
         {hdfs} dfs -mkdir -p {dir}\n\
         {hdfs} dfs -put -f \"$tmp\" {uri}\n\
         {hdfs} dfs -chmod 644 {uri}\n"
    );
    json!({
        "current": format!("{hdfs} dfs -test -f {uri}"),
        "run": run,
    })
}
