//! Who each daemon runs as and what keeps it running: `vars.users` and
//! `vars.supervisor` read and checked with their lines, the systemd units
//! and tmpfiles entry rendered only where systemd supervises, the
//! NodeManager's recovery supervised only there, and the preflight that
//! makes the accounts and hands every directory to its owner.

use std::path::Path;

use herd::hadoop::{self, ClusterFiles, Topology};
use herd::model::{Inventory, ModelErrors};

const HOSTS: &str = r#"hosts:
  - { name: m1, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager] }
  - { name: m2, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager] }
  - { name: m3, roles: [zookeeper, journalnode, historyserver] }
  - { name: w1, roles: [datanode, nodemanager] }
  - { name: w2, roles: [datanode, nodemanager], vars: { supervisor: daemon } }
"#;

fn cluster(vars: &str) -> Result<(Inventory, Topology, ClusterFiles), ModelErrors> {
    let text = format!("cluster: t\n{vars}{HOSTS}");
    let inv = Inventory::parse(&text, Path::new("inline.yaml"))?;
    let topo = hadoop::validate(&inv)?;
    let files = hadoop::render(&inv, &topo)?;
    Ok((inv, topo, files))
}

fn text(files: &ClusterFiles, host: &str, path: &str) -> String {
    let f = files
        .file(host, path)
        .unwrap_or_else(|| panic!("{host} has no {path}"));
    String::from_utf8(f.content.clone()).unwrap()
}

#[test]
fn units_are_rendered_where_systemd_supervises_and_nowhere_else() {
    let (_, topo, files) = cluster("").unwrap();
    let nn = text(
        &files,
        "m1",
        "/etc/systemd/system/hadoop-hdfs-namenode.service",
    );
    for line in [
        "Type=simple",
        "User=hdfs",
        "Group=hadoop",
        // The rolling upgrade's `-rollingUpgrade started`, when the file sets it.
        "EnvironmentFile=-/opt/.herd/namenode.env",
        "ExecStart=/opt/hadoop/bin/hdfs namenode $HERD_NAMENODE_OPTS",
        "Restart=on-failure",
        "SuccessExitStatus=143",
        "LimitNOFILE=65536",
        "WantedBy=multi-user.target",
    ] {
        assert!(nn.lines().any(|l| l == line), "no {line} in:\n{nn}");
    }
    // Ordered after what it needs on the same host.
    let after = nn.lines().find(|l| l.starts_with("After=")).unwrap();
    assert!(after.contains("zookeeper-server.service"), "{after}");
    assert!(after.contains("hadoop-hdfs-journalnode.service"), "{after}");
    // The NodeManager's containers outlive it.
    let nm = text(
        &files,
        "w1",
        "/etc/systemd/system/hadoop-yarn-nodemanager.service",
    );
    assert!(nm.contains("\nKillMode=process\n"), "{nm}");
    assert!(nm.contains("\nUser=yarn\n"), "{nm}");
    assert!(!nn.contains("KillMode"), "{nn}");
    let zk = text(&files, "m1", "/etc/systemd/system/zookeeper-server.service");
    assert!(zk.contains("zkServer.sh start-foreground"), "{zk}");
    assert!(zk.contains("\nUser=zookeeper\n"), "{zk}");
    let tmp = text(&files, "m1", "/etc/tmpfiles.d/herd.conf");
    assert!(
        tmp.contains("d /var/run/hadoop 0775 root hadoop -"),
        "{tmp}"
    );

    // w2 has no supervisor but the launchers: no unit, no tmpfiles entry.
    assert_eq!(topo.supervisor("w2"), hadoop::settings::Supervisor::Daemon);
    let w2 = files.host("w2").unwrap();
    assert!(
        !w2.files
            .iter()
            .any(|f| f.path.starts_with("/etc/systemd") || f.path.starts_with("/etc/tmpfiles.d")),
        "{:?}",
        w2.files.iter().map(|f| &f.path).collect::<Vec<_>>()
    );
    // A unit change is a reason to restart its daemon.
    let f = files
        .file("m1", "/etc/systemd/system/hadoop-hdfs-namenode.service")
        .unwrap();
    assert_eq!(f.services, ["namenode"]);
}

#[test]
fn nodemanager_recovery_is_supervised_only_where_something_restarts_it() {
    let (_, _, files) = cluster("").unwrap();
    let key = "<name>yarn.nodemanager.recovery.supervised</name>";
    let value = |host: &str| {
        let y = text(&files, host, "/opt/hadoop/etc/hadoop/yarn-site.xml");
        let at = y.find(key).unwrap_or_else(|| panic!("{host}: no {key}"));
        y[at..].lines().nth(1).unwrap_or("").trim().to_string()
    };
    assert_eq!(value("w1"), "<value>true</value>");
    assert_eq!(value("w2"), "<value>false</value>");
    // The inventory's word wins.
    let (_, _, files) = cluster(
        "vars:\n  overrides:\n    yarn-site: { yarn.nodemanager.recovery.supervised: true }\n",
    )
    .unwrap();
    let y = text(&files, "w2", "/opt/hadoop/etc/hadoop/yarn-site.xml");
    let at = y.find(key).unwrap();
    assert!(y[at..].lines().nth(1).unwrap().contains("true"), "{y}");
}

#[test]
fn hadoop_env_names_each_daemons_account() {
    let (_, _, files) = cluster("vars:\n  users: { hdfs: { name: hdfs2, uid: 3001 }, group: { name: bigdata, gid: 3000 } }\n").unwrap();
    let env = text(&files, "m1", "/opt/hadoop/etc/hadoop/hadoop-env.sh");
    for line in [
        "export HDFS_NAMENODE_USER=hdfs2",
        "export HDFS_ZKFC_USER=hdfs2",
        "export YARN_RESOURCEMANAGER_USER=yarn",
        "export MAPRED_HISTORYSERVER_USER=mapred",
    ] {
        assert!(env.lines().any(|l| l == line), "no {line} in:\n{env}");
    }
    let nn = text(
        &files,
        "m1",
        "/etc/systemd/system/hadoop-hdfs-namenode.service",
    );
    assert!(nn.contains("\nUser=hdfs2\nGroup=bigdata\n"), "{nn}");
}

/// Some error is on `line` of inline.yaml, on `field`, and says `text`.
#[track_caller]
fn assert_bad(vars: &str, line: usize, field: &str, text: &str) {
    let errs = match cluster(vars) {
        Ok(_) => panic!("{vars} should be rejected"),
        Err(e) => e,
    };
    let e = errs
        .0
        .iter()
        .find(|e| e.message.contains(text))
        .unwrap_or_else(|| panic!("no error says '{text}':\n{errs}"));
    assert_eq!(e.field, field, "{e}");
    assert_eq!(e.location.as_ref().map(|l| l.line), Some(line), "{e}");
}

#[test]
fn bad_accounts_and_supervisors_are_refused_with_their_line() {
    assert_bad(
        "vars:\n  users:\n    hdfs: root\n",
        4,
        "vars.users.hdfs",
        "daemons do not run as root",
    );
    assert_bad(
        "vars:\n  users:\n    yarn: Yarn\n",
        4,
        "vars.users.yarn",
        "is not an account name",
    );
    assert_bad(
        "vars:\n  users:\n    hdfs: hadoop\n    yarn: hadoop\n",
        5,
        "vars.users.yarn",
        "Hadoop's secure layout needs hdfs, yarn and mapred apart",
    );
    assert_bad(
        "vars:\n  users:\n    hdfs: { name: hd, uid: -1 }\n",
        4,
        "vars.users.hdfs.uid",
        "",
    );
    assert_bad(
        "vars:\n  users:\n    hbase: hbase\n",
        4,
        "vars.users.hbase",
        "unknown key 'hbase'",
    );
    assert_bad(
        "vars:\n  supervisor: upstart\n",
        3,
        "vars.supervisor",
        "supervisor must be systemd or daemon",
    );
}

fn prepare(host: &str) -> String {
    let (inv, topo, _) = cluster("vars:\n  users: { hdfs: { name: hdfs, uid: 2001 } }\n").unwrap();
    let obj = hadoop::context::template_object(&inv, &topo, Path::new("/r"));
    obj["hosts"][host]["prepare"].as_str().unwrap().to_string()
}

#[test]
fn the_preflight_makes_the_accounts_and_gives_each_directory_its_owner() {
    let m1 = prepare("m1");
    // Root first: without it nothing below can work.
    let root = m1.find("id -u").unwrap();
    assert!(root < m1.find("groupadd").unwrap());
    assert!(m1.contains("set become: true"), "{m1}");
    assert!(m1.contains("/run/systemd/system"), "{m1}");
    // Each refusal says what it saw and what to change.
    for words in [
        "but this host runs $(cat /proc/1/comm",
        "(set supervisor: daemon for it)",
        "the inventory says $2: not changing it (files on this host belong to the old uid)",
    ] {
        assert!(m1.contains(words), "no '{words}' in:\n{m1}");
    }
    assert!(m1.contains("account hdfs 2001\n"), "{m1}");
    assert!(m1.contains("account yarn ''\n"), "{m1}");
    assert!(m1.contains("--shell /usr/sbin/nologin"), "{m1}");
    for line in [
        "dir hdfs 700 /data/hadoop/hdfs/name",
        "dir hdfs 700 /data/hadoop/hdfs/journalnode",
        "dir zookeeper 750 /data/zookeeper",
        "dir root 775 /var/log/hadoop",
        "dir root 775 /var/run/hadoop",
        "dir root 1777 /data/hadoop/tmp",
    ] {
        assert!(m1.lines().any(|l| l == line), "no {line} in:\n{m1}");
    }
    assert!(!m1.contains("/data/hadoop/hdfs/data"), "m1 has no DataNode");
    let w2 = prepare("w2");
    for line in [
        "dir hdfs 700 /data/hadoop/hdfs/data",
        "dir yarn 755 /data/hadoop/yarn/local",
        "dir yarn 755 /data/hadoop/yarn/logs",
    ] {
        assert!(w2.lines().any(|l| l == line), "no {line} in:\n{w2}");
    }
    // w2 is not supervised by systemd, so systemd is not required there.
    assert!(!w2.contains("/run/systemd/system"), "{w2}");
}

#[test]
fn the_preflight_script_runs_in_sh_and_refuses_a_non_root_login() {
    if unsafe { libc::geteuid() } == 0 {
        // As root it would create accounts on this machine.
        let script = prepare("w2");
        let out = std::process::Command::new("sh")
            .args(["-n", "-c", &script])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let out = std::process::Command::new("sh")
        .args(["-c", &prepare("w2")])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("herd needs root on this host"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn hdfs_directories_have_the_owners_and_modes_mapreduce_expects() {
    let (inv, topo, _) = cluster("").unwrap();
    let obj = hadoop::context::template_object(&inv, &topo, Path::new("/r"));
    let run = obj["hdfs_dirs"]["run"].as_str().unwrap();
    assert!(
        run.contains("runuser -u hdfs -- /opt/hadoop/bin/hdfs dfs -mkdir -p /tmp /user /tmp/hadoop-yarn/staging /tmp/hadoop-yarn/staging/history"),
        "{run}"
    );
    assert!(
        run.contains("dfs -chmod 1777 /tmp /tmp/hadoop-yarn/staging"),
        "{run}"
    );
    assert!(
        run.contains(
            "dfs -chown mapred:hadoop /tmp/hadoop-yarn/staging /tmp/hadoop-yarn/staging/history"
        ),
        "{run}"
    );
    assert!(
        !run.contains("/tmp/logs"),
        "no log aggregation, no log root"
    );
    let marker = obj["hdfs_dirs"]["marker"].as_str().unwrap().to_string();
    // With log aggregation, its root too, and the marker changes with it.
    let (inv, topo, _) =
        cluster("vars:\n  overrides:\n    yarn-site: { yarn.log-aggregation-enable: true }\n")
            .unwrap();
    let obj = hadoop::context::template_object(&inv, &topo, Path::new("/r"));
    let run = obj["hdfs_dirs"]["run"].as_str().unwrap();
    assert!(run.contains("dfs -chown yarn:hadoop /tmp/logs"), "{run}");
    assert_ne!(obj["hdfs_dirs"]["marker"].as_str().unwrap(), marker);
    // Admin commands go through the HDFS superuser.
    assert_eq!(
        obj["hdfs"].as_str().unwrap(),
        "runuser -u hdfs -- /opt/hadoop/bin/hdfs"
    );
}

/// On a host without systemd, a host set to systemd stops at the check,
/// before any account is made: run here with `id` saying root, the script
/// must exit 1 naming PID 1 and the fix. (Skipped where systemd runs.)
#[test]
fn the_preflight_refuses_systemd_where_pid_1_is_something_else() {
    if Path::new("/run/systemd/system").is_dir() {
        eprintln!("systemd runs here; skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let id = dir.path().join("id");
    std::fs::write(&id, "#!/bin/sh\necho 0\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&id, std::fs::Permissions::from_mode(0o755)).unwrap();
    // groupadd on PATH would be a mistake: make any call to it fail loudly.
    let groupadd = dir.path().join("groupadd");
    std::fs::write(&groupadd, "#!/bin/sh\necho groupadd-called >&2; exit 99\n").unwrap();
    std::fs::set_permissions(&groupadd, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = std::process::Command::new("sh")
        .args(["-c", &prepare("m1")])
        .env(
            "PATH",
            format!(
                "{}:{}",
                dir.path().display(),
                std::env::var("PATH").unwrap()
            ),
        )
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the inventory says supervisor: systemd, but this host runs"),
        "{err}"
    );
    assert!(err.contains("(set supervisor: daemon for it)"), "{err}");
    assert!(!err.contains("groupadd-called"), "{err}");
}
