//! Spark's configuration: spark-defaults.conf and spark-env.sh on the
//! history server's host only, the event log and jars archive in HDFS,
//! overrides, and `spark.master` checked against the inventory's ZooKeeper
//! ensemble and Mesos masters, with located errors.

use std::collections::BTreeMap;
use std::path::Path;

use herd::hadoop::{self, ports};
use herd::model::{Inventory, ModelErrors};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const HOSTS: &str = r#"hosts:
  - { name: m1, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager, mesos-master] }
  - { name: m2, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager, mesos-master] }
  - { name: m3, roles: [zookeeper, journalnode, historyserver, spark-history, mesos-master] }
  - { name: w1, roles: [datanode, nodemanager, mesos-agent] }
"#;

fn validate(vars: &str) -> Result<(Inventory, hadoop::Topology), ModelErrors> {
    let text = format!("cluster: c\nvars:\n  nameservice: ns\n{vars}{HOSTS}");
    let inv = Inventory::parse(&text, Path::new("inline.yaml"))?;
    let topo = hadoop::validate(&inv)?;
    Ok((inv, topo))
}

/// spark-defaults.conf read back as Java would: `key value` per line.
fn conf(files: &hadoop::ClusterFiles, host: &str) -> BTreeMap<String, String> {
    let f = files
        .file(host, "/opt/spark/conf/spark-defaults.conf")
        .unwrap_or_else(|| panic!("{host} has no spark-defaults.conf"));
    String::from_utf8(f.content.clone())
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_history_host_gets_sparks_files_and_no_other_does() {
    let inv = Inventory::load(&root().join("tests/sandbox/inventory.yaml")).unwrap();
    let topo = hadoop::validate(&inv).unwrap();
    let files = hadoop::render(&inv, &topo).unwrap();
    let c = conf(&files, "master3");
    let events = "hdfs://hadoop-cluster-bdnode/spark-history";
    assert_eq!(c["spark.master"], "yarn");
    assert_eq!(c["spark.eventLog.enabled"], "true");
    assert_eq!(c["spark.eventLog.dir"], events);
    assert_eq!(c["spark.history.fs.logDirectory"], events);
    assert_eq!(c["spark.yarn.historyServer.address"], "master3:18080");
    assert_eq!(
        c["spark.yarn.archive"],
        "hdfs://hadoop-cluster-bdnode/apps/spark/spark-3.5.9-bin-hadoop3/spark-jars.tar"
    );
    assert_eq!(c["spark.executor.memory"], "512m");
    assert_eq!(c["spark.executor.memoryOverhead"], "128m", "an override");
    let env = files
        .file("master3", "/opt/spark/conf/spark-env.sh")
        .expect("spark-env.sh");
    let env = String::from_utf8(env.content.clone()).unwrap();
    assert!(
        env.contains("export HADOOP_CONF_DIR=/opt/hadoop/etc/hadoop\n"),
        "{env}"
    );
    assert!(env.contains("export SPARK_DAEMON_MEMORY=160m\n"), "{env}");
    assert!(
        env.contains("export SPARK_PID_DIR=/var/run/hadoop\n"),
        "{env}"
    );
    // The JVM options hold spaces: one shell word.
    assert!(
        env.contains("export SPARK_DAEMON_JAVA_OPTS='-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData'\n"),
        "{env}"
    );
    for host in ["master1", "worker1", "worker3"] {
        assert!(
            files
                .file(host, "/opt/spark/conf/spark-defaults.conf")
                .is_none(),
            "{host}"
        );
    }
    // Hadoop's client configuration too: Spark on YARN reads it.
    assert!(
        files
            .file("master3", "/opt/hadoop/etc/hadoop/yarn-site.xml")
            .is_some()
    );
}

#[test]
fn the_hdfs_dirs_include_sparks_with_their_owner() {
    let inv = Inventory::load(&root().join("tests/sandbox/inventory.yaml")).unwrap();
    let topo = hadoop::validate(&inv).unwrap();
    let dirs = hadoop::host_setup::hdfs_dirs(&topo);
    let run = dirs["run"].as_str().unwrap();
    assert!(run.contains("/spark-history"), "{run}");
    assert!(run.contains("/user/spark"), "{run}");
    assert!(
        run.contains("-chmod 1777") && run.contains("spark:hadoop"),
        "{run}"
    );
}

#[test]
fn a_mesos_master_url_must_name_this_ensemble_and_path() {
    let ok = "  spark: { master: 'mesos://zk://m1:2181,m2:2181,m3:2181/mesos' }\n";
    let (inv, topo) = validate(ok).unwrap_or_else(|e| panic!("{e}"));
    let files = hadoop::render(&inv, &topo).unwrap();
    assert_eq!(
        conf(&files, "m3")["spark.master"],
        "mesos://zk://m1:2181,m2:2181,m3:2181/mesos"
    );
    // Order does not matter to ZooKeeper's client.
    validate("  spark: { master: 'mesos://zk://m3:2181,m1:2181,m2:2181/mesos' }\n").unwrap();
    validate("  spark: { master: 'mesos://m2:5050' }\n").unwrap();

    for (vars, words) in [
        (
            "  spark: { master: 'mesos://zk://m1:2181,m2:2181/mesos' }\n",
            "are not this cluster's ensemble m1:2181,m2:2181,m3:2181: use mesos://zk://m1:2181,m2:2181,m3:2181/mesos",
        ),
        (
            "  spark: { master: 'mesos://zk://m1:2181,m2:2181,m3:2181/mesos2' }\n",
            "path /mesos2 is not where the Mesos masters register (/mesos)",
        ),
        (
            "  spark: { master: 'mesos://w1:5050' }\n",
            "names no Mesos master of this inventory",
        ),
        (
            "  spark: { master: 'spark://m1:7077' }\n",
            "is not a master herd can check",
        ),
        (
            "  spark: { master: 'mesos://zk://m1/mesos' }\n",
            "is not a Mesos ZooKeeper URL",
        ),
    ] {
        let e = validate(vars)
            .err()
            .unwrap_or_else(|| panic!("accepted {vars}"))
            .to_string();
        assert!(e.contains("inline.yaml:4:"), "{e}");
        assert!(e.contains("vars.spark.master"), "{e}");
        assert!(e.contains(words), "{vars}: {e}");
    }
}

#[test]
fn bad_spark_settings_are_located() {
    for (vars, words) in [
        (
            "  spark: { executor_memory: 512 }\n",
            "vars.spark.executor_memory",
        ),
        ("  spark: { executor_memory: lots }\n", "is not a heap size"),
        ("  spark: { executor_cores: 0 }\n", "must be greater than 0"),
        (
            "  spark: { event_log_dir: 'hdfs://x/y' }\n",
            "must be an absolute HDFS path",
        ),
        (
            "  spark: { smoke_job: { jar: a.jar } }\n",
            "missing required key 'class'",
        ),
        (
            "  spark: { smoke_job: { jar: a.jar, class: 'a b' } }\n",
            "is not a Java class name",
        ),
        ("  spark: { executors: 2 }\n", "unknown key 'executors'"),
    ] {
        let e = validate(vars)
            .err()
            .unwrap_or_else(|| panic!("accepted {vars}"))
            .to_string();
        assert!(e.contains("inline.yaml:4:"), "{e}");
        assert!(e.contains(words), "{vars}: {e}");
    }
}

#[test]
fn the_history_port_follows_its_override() {
    let (inv, topo) =
        validate("  overrides:\n    spark-defaults: { spark.history.ui.port: 18081 }\n").unwrap();
    let cp = ports::ClusterPorts::new(&inv, &topo);
    let port = cp
        .host("m3")
        .iter()
        .find(|u| u.service == "spark-history")
        .map(|u| u.port);
    assert_eq!(port, Some(18081));
    let Err(e) = validate("  overrides:\n    spark-defaults: { spark.history.ui.port: http }\n")
    else {
        panic!("accepted a port that is not a number");
    };
    let e = e.to_string();
    assert!(
        e.contains("spark.history.ui.port 'http' is not a port number"),
        "{e}"
    );
}
