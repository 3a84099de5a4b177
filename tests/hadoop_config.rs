//! The Hadoop configuration layer: topology validation (located errors for
//! every kind of bad layout), rendering (golden files of the sandbox
//! cluster), overrides, escaping, and the `herd config` command's exit codes.
//!
//! `UPDATE_GOLDEN=1 cargo test --test hadoop_config` rewrites tests/golden.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use herd::hadoop::push::{FileDiff, FileState, unified_diff};
use herd::hadoop::{self, ClusterFiles, Topology, ports, render};
use herd::model::{Inventory, ModelErrors};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/hadoop").join(name)
}

fn load(path: &Path) -> Inventory {
    Inventory::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn sandbox() -> (Inventory, Topology, ClusterFiles) {
    let inv = load(&root().join("tests/sandbox/inventory.yaml"));
    let topo = hadoop::validate(&inv).unwrap_or_else(|e| panic!("{e}"));
    let files = hadoop::render(&inv, &topo).unwrap_or_else(|e| panic!("{e}"));
    (inv, topo, files)
}

fn from_text(text: &str) -> Result<(Inventory, Topology), ModelErrors> {
    let inv = Inventory::parse(text, Path::new("inline.yaml"))?;
    let topo = hadoop::validate(&inv)?;
    Ok((inv, topo))
}

fn text(files: &ClusterFiles, host: &str, path: &str) -> String {
    let f = files
        .file(host, path)
        .unwrap_or_else(|| panic!("{host} has no {path}"));
    String::from_utf8(f.content.clone()).unwrap()
}

/// name -> value of a Hadoop site file, read back with an XML parser (so
/// this also proves the file is well-formed and escaped).
fn site(files: &ClusterFiles, host: &str, name: &str) -> BTreeMap<String, String> {
    parse_site(&text(
        files,
        host,
        &format!("/opt/hadoop/etc/hadoop/{name}"),
    ))
}

fn parse_site(xml: &str) -> BTreeMap<String, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = BTreeMap::new();
    let (mut in_tag, mut name, mut value) = (String::new(), String::new(), String::new());
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                in_tag = String::from_utf8_lossy(e.name().as_ref().as_bytes()).into_owned()
            }
            Event::Text(t) => {
                let s = t.to_string();
                match in_tag.as_str() {
                    "name" => name.push_str(&s),
                    "value" => value.push_str(&s),
                    _ => {}
                }
            }
            Event::GeneralRef(r) => {
                let s = match r.into_inner().as_ref() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity {other}"),
                };
                match in_tag.as_str() {
                    "name" => name.push_str(s),
                    "value" => value.push_str(s),
                    _ => {}
                }
            }
            Event::End(e) => {
                if e.name().as_ref().as_bytes() == b"property" {
                    out.insert(std::mem::take(&mut name), std::mem::take(&mut value));
                }
                in_tag.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------- golden files

#[test]
fn golden_files_of_master1_and_worker1() {
    let (_, _, files) = sandbox();
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let golden = root().join("tests/golden/sandbox");
    for host in ["master1", "worker1"] {
        let hf = files.host(host).unwrap();
        let mut expected_paths = Vec::new();
        for f in &hf.files {
            let path = hadoop::files::local_path(&golden, host, &f.path);
            expected_paths.push(path.clone());
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &f.content).unwrap();
                continue;
            }
            let want = std::fs::read(&path).unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
                    path.display()
                )
            });
            assert_eq!(
                String::from_utf8_lossy(&f.content),
                String::from_utf8_lossy(&want),
                "{host}:{} differs from {} (UPDATE_GOLDEN=1 rewrites it)",
                f.path,
                path.display()
            );
        }
        // A golden file that is no longer rendered is a file herd stopped writing.
        let mut stack = vec![golden.join(host)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let p = entry.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if !expected_paths.contains(&p) {
                    if update {
                        std::fs::remove_file(&p).unwrap();
                    } else {
                        panic!("{} is no longer rendered", p.display());
                    }
                }
            }
        }
    }
}

#[test]
fn each_host_gets_the_files_of_its_roles() {
    let (_, _, files) = sandbox();
    let paths = |h: &str| -> Vec<String> {
        files
            .host(h)
            .unwrap()
            .files
            .iter()
            .map(|f| f.path.clone())
            .collect()
    };
    let m1 = paths("master1");
    for p in [
        "/opt/hadoop/etc/hadoop/core-site.xml",
        "/opt/hadoop/etc/hadoop/hdfs-site.xml",
        "/opt/hadoop/etc/hadoop/yarn-site.xml",
        "/opt/hadoop/etc/hadoop/mapred-site.xml",
        "/opt/hadoop/etc/hadoop/workers",
        "/opt/hadoop/etc/hadoop/hadoop-env.sh",
        "/opt/hadoop/etc/hadoop/rack-topology.sh",
        "/opt/zookeeper/conf/zoo.cfg",
        "/opt/zookeeper/conf/java.env",
        "/data/zookeeper/myid",
        "/opt/mesos/etc/mesos-master.env",
    ] {
        assert!(m1.contains(&p.to_string()), "master1 lacks {p}: {m1:?}");
    }
    let w1 = paths("worker1");
    assert!(w1.contains(&"/opt/mesos/etc/mesos-agent.env".to_string()));
    assert!(
        !w1.iter()
            .any(|p| p.contains("zookeeper") || p.ends_with("mesos-master.env")),
        "{w1:?}"
    );

    let rack = files
        .file("master1", "/opt/hadoop/etc/hadoop/rack-topology.sh")
        .unwrap();
    assert_eq!(rack.mode, 0o755);
    assert_eq!(rack.services, vec!["namenode", "resourcemanager"]);
    let core = files
        .file("worker1", "/opt/hadoop/etc/hadoop/core-site.xml")
        .unwrap();
    assert_eq!(core.services, vec!["datanode", "nodemanager"]);
    let zoo = files
        .file("master1", "/opt/zookeeper/conf/zoo.cfg")
        .unwrap();
    assert_eq!(zoo.services, vec!["zookeeper"]);
    let env = files
        .file("master1", "/opt/hadoop/etc/hadoop/hadoop-env.sh")
        .unwrap();
    assert_eq!(
        env.services,
        vec!["journalnode", "namenode", "zkfc", "resourcemanager"]
    );
}

// ---------------------------------------------------------------- what is rendered

#[test]
fn hdfs_ha_properties() {
    let (_, topo, files) = sandbox();
    let ns = "hadoop-cluster-bdnode";
    let core = site(&files, "master1", "core-site.xml");
    assert_eq!(core["fs.defaultFS"], format!("hdfs://{ns}"));
    assert_eq!(
        core["ha.zookeeper.quorum"],
        "master1:2181,master2:2181,master3:2181"
    );
    assert_eq!(core["fs.trash.interval"], "14400", "the override wins");
    assert_eq!(
        core["net.topology.script.file.name"],
        "/opt/hadoop/etc/hadoop/rack-topology.sh"
    );

    let hdfs = site(&files, "worker1", "hdfs-site.xml");
    assert_eq!(hdfs["dfs.nameservices"], ns);
    assert_eq!(hdfs[&format!("dfs.ha.namenodes.{ns}")], "nn1,nn2");
    assert_eq!(
        hdfs[&format!("dfs.namenode.rpc-address.{ns}.nn1")],
        "master1:8020"
    );
    assert_eq!(
        hdfs[&format!("dfs.namenode.rpc-address.{ns}.nn2")],
        "master2:8020"
    );
    assert_eq!(
        hdfs[&format!("dfs.namenode.http-address.{ns}.nn2")],
        "master2:9870"
    );
    assert_eq!(
        hdfs["dfs.namenode.shared.edits.dir"],
        format!("qjournal://master1:8485;master2:8485;master3:8485/{ns}")
    );
    assert_eq!(hdfs["dfs.ha.fencing.methods"], "shell(/bin/true)");
    assert_eq!(hdfs["dfs.ha.automatic-failover.enabled"], "true");
    assert!(
        hdfs[&format!("dfs.client.failover.proxy.provider.{ns}")]
            .ends_with("ConfiguredFailoverProxyProvider")
    );
    // The sandbox overrides the 3 derived from its three DataNodes: with
    // 3 a decommission there could never finish.
    assert_eq!(hdfs["dfs.replication"], "2");
    assert_eq!(
        hdfs["dfs.datanode.failed.volumes.tolerated"], "0",
        "one data dir"
    );
    assert_eq!(hdfs["dfs.blocksize"], "268435456");
    assert_eq!(hdfs["dfs.namenode.handler.count"], "20");
    assert!(
        !hdfs.contains_key("dfs.hosts"),
        "an include list would refuse unlisted DataNodes"
    );
    assert_eq!(topo.namenode_id("master2"), Some("nn2"));
}

#[test]
fn yarn_and_mapreduce_properties() {
    let (_, topo, files) = sandbox();
    let yarn = site(&files, "master2", "yarn-site.xml");
    assert_eq!(yarn["yarn.resourcemanager.ha.enabled"], "true");
    assert_eq!(yarn["yarn.resourcemanager.ha.rm-ids"], "rm1,rm2");
    assert_eq!(yarn["yarn.resourcemanager.hostname.rm1"], "master1");
    assert_eq!(yarn["yarn.resourcemanager.hostname.rm2"], "master2");
    assert_eq!(
        yarn["yarn.resourcemanager.webapp.address.rm2"],
        "master2:8088"
    );
    assert_eq!(
        yarn["hadoop.zk.address"],
        "master1:2181,master2:2181,master3:2181"
    );
    assert_eq!(yarn["yarn.resourcemanager.recovery.enabled"], "true");
    assert!(yarn["yarn.resourcemanager.store.class"].ends_with("ZKRMStateStore"));
    assert_eq!(
        yarn["yarn.resourcemanager.max-completed-applications"],
        "1000"
    );
    assert_eq!(
        yarn["yarn.resourcemanager.state-store.max-completed-applications"],
        "1000"
    );
    assert_eq!(
        yarn["yarn.nodemanager.address"],
        "${yarn.nodemanager.hostname}:8041"
    );
    assert_eq!(yarn["yarn.nodemanager.recovery.enabled"], "true");
    assert_eq!(yarn["yarn.nodemanager.recovery.supervised"], "true");
    assert_eq!(yarn["yarn.nodemanager.resource.memory-mb"], "1024");
    assert_eq!(yarn["yarn.nodemanager.resource.cpu-vcores"], "2");
    assert_eq!(yarn["yarn.scheduler.minimum-allocation-mb"], "128");
    assert_eq!(
        yarn["yarn.nodemanager.aux-services.mapreduce_shuffle.class"],
        "org.apache.hadoop.mapred.ShuffleHandler"
    );
    assert_eq!(topo.resourcemanager_id("master1"), Some("rm1"));

    let mapred = site(&files, "worker2", "mapred-site.xml");
    assert_eq!(mapred["mapreduce.framework.name"], "yarn");
    assert_eq!(mapred["mapreduce.jobhistory.address"], "master3:10020");
    assert_eq!(
        mapred["mapreduce.jobhistory.webapp.address"],
        "master3:19888"
    );
    assert_eq!(
        mapred["yarn.app.mapreduce.am.env"],
        "HADOOP_MAPRED_HOME=/opt/hadoop"
    );

    let env = text(&files, "worker1", "/opt/hadoop/etc/hadoop/hadoop-env.sh");
    assert!(
        env.contains("export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64\n"),
        "{env}"
    );
    assert!(
        env.contains("export HDFS_NAMENODE_OPTS='-Xmx320m "),
        "{env}"
    );
    assert!(
        env.contains("export YARN_NODEMANAGER_OPTS='-Xmx192m "),
        "{env}"
    );
    assert!(
        env.contains("export HADOOP_PID_DIR=/var/run/hadoop\n"),
        "{env}"
    );
    assert_eq!(
        text(&files, "master1", "/opt/hadoop/etc/hadoop/workers"),
        "worker1\nworker2\nworker3\n"
    );
}

#[test]
fn zookeeper_and_mesos_files() {
    let (_, topo, files) = sandbox();
    let zoo = text(&files, "master2", "/opt/zookeeper/conf/zoo.cfg");
    for line in [
        "server.1=master1:2888:3888",
        "server.2=master2:2888:3888",
        "server.3=master3:2888:3888",
        "clientPort=2181",
        "dataDir=/data/zookeeper",
        "tickTime=2000",
        "initLimit=10",
        "syncLimit=5",
        "4lw.commands.whitelist=srvr,mntr,ruok,stat,conf",
        "admin.enableServer=false",
    ] {
        assert!(
            zoo.lines().any(|l| l == line),
            "zoo.cfg lacks {line}:\n{zoo}"
        );
    }
    for (host, id) in [("master1", "1\n"), ("master2", "2\n"), ("master3", "3\n")] {
        assert_eq!(text(&files, host, "/data/zookeeper/myid"), id);
    }
    assert!(
        text(&files, "master1", "/opt/zookeeper/conf/java.env")
            .contains("export ZK_SERVER_HEAP=128\n")
    );

    assert_eq!(topo.mesos_quorum, Some(2));
    let master = text(&files, "master3", "/opt/mesos/etc/mesos-master.env");
    for line in [
        "MESOS_QUORUM=2",
        "MESOS_ZK='zk://master1:2181,master2:2181,master3:2181/mesos'",
        "MESOS_WORK_DIR=/data/mesos/master",
        "MESOS_CLUSTER=test-mesos-cluster",
        "MESOS_HOSTNAME=master3",
        "MESOS_IP=172.30.0.13",
        "MESOS_LOGGING_LEVEL=ERROR",
    ] {
        assert!(
            master.lines().any(|l| l == line),
            "mesos-master.env lacks {line}:\n{master}"
        );
    }
    let agent = text(&files, "worker3", "/opt/mesos/etc/mesos-agent.env");
    for line in [
        "MESOS_MASTER='zk://master1:2181,master2:2181,master3:2181/mesos'",
        "MESOS_RESOURCES='cpus:2;mem:1024'",
        "MESOS_SYSTEMD_ENABLE_SUPPORT=false",
        "MESOS_WORK_DIR=/data/mesos/agent",
        "MESOS_IP=172.30.0.23",
    ] {
        assert!(
            agent.lines().any(|l| l == line),
            "mesos-agent.env lacks {line}:\n{agent}"
        );
    }
}

#[test]
fn the_rack_script_maps_names_and_addresses() {
    let (_, _, files) = sandbox();
    let f = files
        .file("worker1", "/opt/hadoop/etc/hadoop/rack-topology.sh")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("rack.sh");
    std::fs::write(&script, &f.content).unwrap();
    let out = Command::new("sh")
        .arg(&script)
        .args([
            "master2",
            "172.30.0.13",
            "worker3",
            "172.30.0.21",
            "10.9.9.9",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "/rack2\n/rack3\n/rack2\n/rack1\n/default-rack\n"
    );
}

#[test]
fn overrides_escape_remove_and_replace() {
    let inv = r#"
cluster: esc
vars:
  overrides:
    core-site: { hadoop.proxyuser.hue.hosts: "a<b&c>\"d'", fs.trash.interval: null }
    hdfs-site: { dfs.ha.fencing.methods: sshfence, dfs.replication: 2, dfs.webhdfs.enabled: false }
    mesos-agent: { attributes: "rack:1", systemd_enable_support: null }
hosts:
  - { name: m1, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager, mesos-master] }
  - { name: m2, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager, mesos-master] }
  - { name: m3, roles: [zookeeper, journalnode, historyserver, mesos-master] }
  - { name: w1, roles: [datanode, nodemanager, mesos-agent] }
"#;
    let (inv, topo) = from_text(inv).unwrap_or_else(|e| panic!("{e}"));
    let files = hadoop::render(&inv, &topo).unwrap();
    let raw = text(&files, "w1", "/opt/hadoop/etc/hadoop/core-site.xml");
    assert!(raw.contains("a&lt;b&amp;c&gt;"), "{raw}");
    let core = site(&files, "w1", "core-site.xml");
    assert_eq!(core["hadoop.proxyuser.hue.hosts"], "a<b&c>\"d'");
    assert!(
        !core.contains_key("fs.trash.interval"),
        "null removes the default"
    );
    let hdfs = site(&files, "w1", "hdfs-site.xml");
    assert_eq!(hdfs["dfs.ha.fencing.methods"], "sshfence");
    assert_eq!(hdfs["dfs.replication"], "2");
    assert_eq!(hdfs["dfs.webhdfs.enabled"], "false");
    let agent = text(&files, "w1", "/opt/mesos/etc/mesos-agent.env");
    assert!(agent.contains("MESOS_ATTRIBUTES=rack:1\n"), "{agent}");
    assert!(!agent.contains("SYSTEMD"), "{agent}");
    // No rack given anywhere: no script and no property.
    assert!(!core.contains_key("net.topology.script.file.name"));
    assert!(
        files
            .file("w1", "/opt/hadoop/etc/hadoop/rack-topology.sh")
            .is_none()
    );
}

#[test]
fn a_minimal_inventory_works_with_defaults() {
    let inv = load(&fixture("good_minimal.yaml"));
    let topo = hadoop::validate(&inv).unwrap_or_else(|e| panic!("{e}"));
    assert!(topo.warnings.is_empty(), "{:?}", topo.warnings);
    assert_eq!(topo.settings.nameservice, "t");
    assert_eq!(topo.mesos_quorum, None);
    let files = render::render(&inv, &topo).unwrap();
    let hdfs = site(&files, "w1", "hdfs-site.xml");
    assert_eq!(hdfs["dfs.replication"], "2", "min(3, datanodes)");
    assert_eq!(hdfs["dfs.namenode.name.dir"], "/data/hadoop/hdfs/name");
    let env = text(&files, "m1", "/opt/hadoop/etc/hadoop/hadoop-env.sh");
    assert!(env.contains("export HDFS_NAMENODE_OPTS=-Xmx1g\n"), "{env}");
    assert_eq!(
        topo.zookeepers,
        vec![(1, "m1".into()), (2, "m2".into()), (3, "m3".into())]
    );
}

#[test]
fn several_data_dirs_tolerate_a_failed_volume_and_ids_can_be_named() {
    let inv = r#"
vars:
  nameservice: prod
  namenode_ids: [namenode1, namenode2]
  dirs: { data: [/appData01/hadoop/hdfs/data, /appData02/hadoop/hdfs/data] }
hosts:
  - { name: m1, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager] }
  - { name: m2, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager] }
  - { name: m3, roles: [zookeeper, journalnode, historyserver] }
  - { name: "w[1:4]", roles: [datanode, nodemanager] }
"#;
    let (inv, topo) = from_text(inv).unwrap_or_else(|e| panic!("{e}"));
    let files = hadoop::render(&inv, &topo).unwrap();
    let hdfs = site(&files, "w4", "hdfs-site.xml");
    assert_eq!(hdfs["dfs.datanode.failed.volumes.tolerated"], "1");
    assert_eq!(
        hdfs["dfs.datanode.data.dir"],
        "/appData01/hadoop/hdfs/data,/appData02/hadoop/hdfs/data"
    );
    assert_eq!(hdfs["dfs.replication"], "3");
    assert_eq!(hdfs["dfs.ha.namenodes.prod"], "namenode1,namenode2");
    assert_eq!(hdfs["dfs.namenode.rpc-address.prod.namenode2"], "m2:8020");
}

#[test]
fn a_single_zookeeper_is_a_warning() {
    let inv = r#"
hosts:
  - { name: m1, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager] }
  - { name: m2, roles: [journalnode, namenode, zkfc, resourcemanager] }
  - { name: m3, roles: [journalnode, historyserver] }
  - { name: w1, roles: [datanode, nodemanager] }
"#;
    let (_, topo) = from_text(inv).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(topo.warnings.len(), 1);
    assert!(
        topo.warnings[0].contains("single point of failure"),
        "{:?}",
        topo.warnings
    );
}

#[test]
fn port_table_of_a_master() {
    let (inv, topo, _) = sandbox();
    let site = render::site_configs(&inv, &topo);
    let ports: Vec<u16> = ports::host_ports(&topo, &site, inv.host("master1").unwrap())
        .iter()
        .map(|p| p.port)
        .collect();
    for p in [
        2181, 2888, 3888, 8485, 8480, 8020, 9870, 8019, 8030, 8031, 8032, 8033, 8088, 5050,
    ] {
        assert!(ports.contains(&p), "master1 lacks {p}: {ports:?}");
    }
    assert!(!ports.contains(&8080), "the ZooKeeper AdminServer is off");
    let worker: Vec<u16> = ports::host_ports(&topo, &site, inv.host("worker2").unwrap())
        .iter()
        .map(|p| p.port)
        .collect();
    assert_eq!(
        worker,
        vec![9866, 9864, 9867, 8041, 8040, 8042, 13562, 5051]
    );
}

// ---------------------------------------------------------------- bad inventories

/// Some error of `name` is on `line`, on `field`, and says `text`.
#[track_caller]
fn assert_bad(name: &str, line: usize, field: &str, text: &str) {
    let inv = load(&fixture(name));
    let errs = hadoop::validate(&inv).expect_err(&format!("{name} should be rejected"));
    let found = errs.0.iter().find(|e| e.message.contains(text));
    let e = found.unwrap_or_else(|| panic!("{name}: no error says '{text}':\n{errs}"));
    let loc = e
        .location
        .as_ref()
        .unwrap_or_else(|| panic!("{name}: no location in {e}"));
    assert!(loc.file.ends_with(name), "{name}: wrong file in {e}");
    assert_eq!(loc.line, line, "{name}: {e}");
    assert_eq!(e.field, field, "{name}: {e}");
    assert!(
        errs.to_string().contains(&format!("{name}:{line}:")),
        "{errs}"
    );
}

#[test]
fn even_zookeeper_count() {
    assert_bad(
        "zk_even.yaml",
        5,
        "hosts[1].roles[0]",
        "zookeeper needs an odd number of hosts",
    );
}

#[test]
fn two_journalnodes() {
    assert_bad(
        "jn_two.yaml",
        5,
        "hosts[1].roles[1]",
        "journalnode needs an odd number of hosts, at least 3",
    );
}

#[test]
fn one_namenode() {
    assert_bad(
        "one_namenode.yaml",
        4,
        "hosts[0].roles[2]",
        "HA needs at least two namenode hosts, got 1 (m1)",
    );
}

#[test]
fn namenode_without_zkfc() {
    assert_bad(
        "nn_without_zkfc.yaml",
        5,
        "hosts[1].roles[2]",
        "the namenode on m2 has no zkfc on the same host",
    );
}

#[test]
fn zkfc_without_namenode() {
    assert_bad(
        "zkfc_without_nn.yaml",
        6,
        "hosts[2].roles[3]",
        "zkfc on m3 has no namenode on the same host",
    );
}

#[test]
fn one_resourcemanager() {
    assert_bad(
        "one_rm.yaml",
        4,
        "hosts[0].roles[4]",
        "at least two resourcemanager hosts, got 1",
    );
}

#[test]
fn two_historyservers() {
    assert_bad(
        "two_historyservers.yaml",
        6,
        "hosts[2].roles[2]",
        "exactly one historyserver host is needed",
    );
}

#[test]
fn even_mesos_masters() {
    assert_bad(
        "mesos_even.yaml",
        5,
        "hosts[1].roles[5]",
        "mesos-master needs an odd number of hosts",
    );
}

#[test]
fn agents_without_masters() {
    assert_bad(
        "agents_without_masters.yaml",
        7,
        "hosts[3].roles[2]",
        "need mesos-master hosts to register with",
    );
}

#[test]
fn no_datanode() {
    assert_bad(
        "no_datanode.yaml",
        3,
        "hosts",
        "no host has the datanode role",
    );
}

#[test]
fn unknown_role() {
    assert_bad(
        "unknown_role.yaml",
        7,
        "hosts[3].roles[2]",
        "unknown role 'datnode' (known roles: zookeeper,",
    );
}

#[test]
fn port_clash_from_an_override() {
    assert_bad(
        "port_clash.yaml",
        6,
        "vars.overrides.mesos-master.port",
        "port 8088 on m1 would be bound by both resourcemanager (yarn.resourcemanager.webapp.address.rm1) and mesos-master (--port)",
    );
}

#[test]
fn zookeeper_admin_server_clash() {
    assert_bad(
        "zk_admin_clash.yaml",
        7,
        "vars.overrides.zoo.cfg.admin.serverPort",
        "port 9870 on m1 would be bound by both zookeeper (admin.serverPort) and namenode",
    );
}

#[test]
fn bad_heap() {
    assert_bad(
        "bad_heap.yaml",
        5,
        "vars.heap.namenode",
        "'384 mb' is not a heap size",
    );
}

#[test]
fn bad_block_size() {
    assert_bad(
        "bad_block_size.yaml",
        4,
        "vars.block_size",
        "expected a whole number, got 'big'",
    );
}

#[test]
fn relative_data_dir() {
    assert_bad(
        "relative_dir.yaml",
        5,
        "vars.dirs.data[1]",
        "'data2/hdfs' must be an absolute path",
    );
}

#[test]
fn unknown_dir_key() {
    assert_bad(
        "unknown_dir_key.yaml",
        5,
        "vars.dirs.dataa",
        "unknown key 'dataa'",
    );
}

#[test]
fn rack_not_a_path() {
    assert_bad(
        "bad_rack.yaml",
        6,
        "hosts[2].vars.rack",
        "rack 'rack3' must be a path such as /rack1",
    );
}

#[test]
fn override_value_list() {
    assert_bad(
        "override_list.yaml",
        6,
        "vars.overrides.core-site.fs.trash.interval",
        "an override value must be a string, number, boolean or null",
    );
}

#[test]
fn mesos_quorum_not_a_majority() {
    assert_bad(
        "bad_quorum.yaml",
        5,
        "vars.overrides.mesos-master.quorum",
        "quorum must be a majority of the 3 mesos-master hosts (2 to 3)",
    );
}

#[test]
fn nameservice_with_underscore() {
    assert_bad(
        "bad_nameservice.yaml",
        4,
        "vars.nameservice",
        "'my_cluster' cannot be a nameservice",
    );
}

#[test]
fn overrides_of_an_unknown_file() {
    assert_bad(
        "unknown_override_file.yaml",
        5,
        "vars.overrides.hbase-site",
        "unknown key 'hbase-site'",
    );
}

// ---------------------------------------------------------------- diff output

#[test]
fn unified_diff_names_host_and_path() {
    let f = FileDiff {
        path: "/opt/zookeeper/conf/zoo.cfg".into(),
        state: FileState::Changed,
        current: b"tickTime=2000\nclientPort=2181\n".to_vec(),
        current_mode: Some(0o644),
        rendered: b"tickTime=2000\nclientPort=2182\n".to_vec(),
        mode: 0o644,
        services: vec!["zookeeper"],
    };
    let d = unified_diff("master1", &f);
    assert!(d.starts_with("--- master1:/opt/zookeeper/conf/zoo.cfg (on host)\n+++ master1:/opt/zookeeper/conf/zoo.cfg (rendered)\n"), "{d}");
    assert!(d.contains("-clientPort=2181\n+clientPort=2182\n"), "{d}");
}

// ---------------------------------------------------------------- the command

fn herd(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_herd"))
        .args(args)
        .env("HOME", std::env::temp_dir())
        .output()
        .unwrap()
}

#[test]
fn config_render_writes_a_tree() {
    let dir = tempfile::tempdir().unwrap();
    let inv = root().join("tests/sandbox/inventory.yaml");
    let out = herd(&[
        "config",
        "render",
        "-i",
        inv.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
        "--hosts",
        "master3,worker2",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("master3/data/zookeeper/myid")).unwrap(),
        "3\n"
    );
    assert!(
        dir.path()
            .join("worker2/opt/hadoop/etc/hadoop/core-site.xml")
            .is_file()
    );
    assert!(
        !dir.path().join("master1").exists(),
        "--hosts limits the hosts"
    );
}

#[test]
fn config_commands_refuse_a_bad_layout_before_connecting() {
    let bad = fixture("zk_even.yaml");
    for action in ["diff", "push"] {
        let out = herd(&["config", action, "-i", bad.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{action}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("zk_even.yaml:5:"), "{err}");
        assert!(err.contains("odd number"), "{err}");
    }
    let inv = root().join("tests/sandbox/inventory.yaml");
    let out = herd(&[
        "config",
        "diff",
        "-i",
        inv.to_str().unwrap(),
        "--hosts",
        "nosuchhost",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nosuchhost"));
}

#[test]
fn the_example_inventory_is_valid() {
    let inv = load(&root().join("inventory.example.yaml"));
    let topo = hadoop::validate(&inv).unwrap_or_else(|e| panic!("{e}"));
    assert!(topo.warnings.is_empty(), "{:?}", topo.warnings);
    assert_eq!(topo.hosts("datanode").len(), 10);
    let files = hadoop::render(&inv, &topo).unwrap();
    let hdfs = parse_site(&text(
        &files,
        "worker10",
        "/data01/sw/hadoop/etc/hadoop/hdfs-site.xml",
    ));
    assert_eq!(
        hdfs["dfs.datanode.failed.volumes.tolerated"], "1",
        "five data dirs"
    );
    assert!(
        files
            .file("master3", "/data01/sw/hadoop/etc/hadoop/core-site.xml")
            .is_some(),
        "spark-history reads HDFS"
    );
}

#[test]
fn the_template_object_names_each_hosts_ports_as_the_configuration_binds_them() {
    let inv = r#"
cluster: moved
vars:
  nameservice: ns
  overrides:
    hdfs-site: { dfs.namenode.http-address.ns.nn1: "m1:50070", dfs.journalnode.rpc-address: "0.0.0.0:8495" }
    zoo.cfg: { clientPort: 2191 }
    mesos-master: { port: 5060 }
hosts:
  - { name: m1, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager, mesos-master] }
  - { name: m2, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager, mesos-master] }
  - { name: m3, roles: [zookeeper, journalnode, historyserver, mesos-master] }
  - { name: w1, roles: [datanode, nodemanager, mesos-agent] }
"#;
    let (inv, topo) = from_text(inv).unwrap_or_else(|e| panic!("{e}"));
    let obj = hadoop::context::template_object(&inv, &topo, Path::new("/r"));
    let port = |host: &str, role: &str, name: &str| obj["ports"][host][role][name].clone();
    assert_eq!(port("m1", "namenode", "http"), 50070);
    assert_eq!(port("m2", "namenode", "http"), 9870);
    assert_eq!(port("m1", "namenode", "rpc"), 8020);
    assert_eq!(port("m3", "journalnode", "rpc"), 8495);
    assert_eq!(port("m2", "zookeeper", "client"), 2191);
    assert_eq!(port("m3", "mesos-master", "http"), 5060);
    assert_eq!(port("m1", "resourcemanager", "http"), 8088);
    assert_eq!(port("w1", "datanode", "http"), 9864);
    assert!(obj["ports"]["w1"]["namenode"].is_null());
}
