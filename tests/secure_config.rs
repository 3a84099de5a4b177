//! Secure mode's rendering of the sandbox's secure inventory: the Kerberos,
//! TLS and SASL properties, the per-host files, the web ports, the stages
//! of the bring-up, and the roles secure mode refuses.

use std::path::Path;

use herd::hadoop::{self, ClusterFiles, ports};
use herd::model::Inventory;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The sandbox's secure inventory in a directory of its own, with a
/// password file of its own and no tarballs: the sandbox's are made later.
fn secure_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("kadmin.password");
    std::fs::write(&pw, "not-the-sandbox-password\n").unwrap();
    let text = std::fs::read_to_string(root().join("tests/sandbox/inventory-secure.yaml"))
        .unwrap()
        .replace(
            "../../.cache/sandbox/kdc-admin-password",
            pw.to_str().unwrap(),
        )
        .lines()
        .filter(|l| !l.contains(".cache/dist/") && l.trim() != "dist:")
        .collect::<Vec<_>>()
        .join("\n");
    let path = dir.path().join("inventory-secure.yaml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn secure() -> (Inventory, hadoop::Topology, ClusterFiles) {
    let (_dir, path) = secure_copy();
    let inv = Inventory::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let topo = hadoop::validate(&inv).unwrap_or_else(|e| panic!("{e}"));
    let files = hadoop::render(&inv, &topo).unwrap_or_else(|e| panic!("{e}"));
    (inv, topo, files)
}

fn file(files: &ClusterFiles, host: &str, path: &str) -> String {
    let h = files.hosts.iter().find(|h| h.host == host).unwrap();
    let f = h
        .files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{host} has no {path}"));
    String::from_utf8(f.content.clone()).unwrap()
}

fn has(files: &ClusterFiles, host: &str, path: &str) -> bool {
    files
        .hosts
        .iter()
        .find(|h| h.host == host)
        .is_some_and(|h| h.files.iter().any(|f| f.path == path))
}

/// `<name>key</name>` followed by `<value>value</value>` in a site file.
fn prop(xml: &str, key: &str) -> Option<String> {
    let at = xml.find(&format!("<name>{key}</name>"))?;
    let rest = &xml[at..];
    let v = rest.find("<value>")? + "<value>".len();
    let end = rest[v..].find("</value>")?;
    Some(rest[v..v + end].to_string())
}

#[test]
fn the_site_files_say_kerberos_tls_and_sasl() {
    let (_, _, files) = secure();
    let core = file(&files, "master1", "/opt/hadoop/etc/hadoop/core-site.xml");
    assert_eq!(
        prop(&core, "hadoop.security.authentication").as_deref(),
        Some("kerberos")
    );
    assert_eq!(
        prop(&core, "hadoop.security.authorization").as_deref(),
        Some("true")
    );
    assert_eq!(
        prop(&core, "hadoop.http.authentication.type").as_deref(),
        Some("kerberos")
    );
    assert_eq!(
        prop(&core, "hadoop.http.authentication.kerberos.principal").as_deref(),
        Some("HTTP/_HOST@HERD.TEST")
    );
    let rules = prop(&core, "hadoop.security.auth_to_local").unwrap();
    assert!(
        rules.contains("RULE:[2:$1@$0](dn@HERD\\.TEST)s/.*/hdfs/"),
        "{rules}"
    );
    let hdfs = file(&files, "worker1", "/opt/hadoop/etc/hadoop/hdfs-site.xml");
    for (k, v) in [
        ("dfs.http.policy", "HTTPS_ONLY"),
        ("dfs.data.transfer.protection", "authentication"),
        ("dfs.block.access.token.enable", "true"),
        ("dfs.datanode.kerberos.principal", "dn/_HOST@HERD.TEST"),
        (
            "dfs.datanode.keytab.file",
            "/etc/security/keytabs/dn.service.keytab",
        ),
        (
            "dfs.namenode.https-address.hadoop-cluster-bdnode.nn1",
            "master1:9871",
        ),
    ] {
        assert_eq!(prop(&hdfs, k).as_deref(), Some(v), "{k}");
    }
    let yarn = file(&files, "master1", "/opt/hadoop/etc/hadoop/yarn-site.xml");
    assert_eq!(
        prop(&yarn, "yarn.http.policy").as_deref(),
        Some("HTTPS_ONLY")
    );
    assert_eq!(
        prop(&yarn, "hadoop.zk.acl").as_deref(),
        Some("sasl:rm:rwcda")
    );
    let zoo = file(&files, "master1", "/opt/zookeeper/conf/zoo.cfg");
    assert!(zoo.contains("enforce.auth.schemes=sasl\n"));
    assert!(zoo.contains("kerberos.removeHostFromPrincipal=true\n"));
}

#[test]
fn each_host_gets_its_own_jaas_krb5_conf_and_programs() {
    let (_, _, files) = secure();
    let zk = file(&files, "master2", "/opt/zookeeper/conf/jaas.conf");
    assert!(zk.contains("Server {") && zk.contains("principal=\"zookeeper/master2@HERD.TEST\""));
    let zkfc = file(&files, "master2", "/opt/hadoop/etc/hadoop/zkfc-jaas.conf");
    assert!(zkfc.contains("principal=\"nn/master2@HERD.TEST\""));
    assert!(has(
        &files,
        "master1",
        "/opt/hadoop/etc/hadoop/rm-jaas.conf"
    ));
    assert!(!has(
        &files,
        "master3",
        "/opt/hadoop/etc/hadoop/rm-jaas.conf"
    ));
    let env = file(&files, "master1", "/opt/hadoop/etc/hadoop/hadoop-env.sh");
    assert!(
        env.contains("-Djava.security.auth.login.config=/opt/hadoop/etc/hadoop/zkfc-jaas.conf")
    );
    let krb5 = file(&files, "worker3", "/etc/krb5.conf");
    assert!(krb5.contains("kdc = kdc:88") && krb5.contains("default_realm = HERD.TEST"));
    let web = file(&files, "worker3", "/opt/.herd/bin/web-get");
    assert!(web.contains("herd/worker3@HERD.TEST"));
    let ticket = file(&files, "worker3", "/opt/.herd/bin/with-ticket");
    assert!(
        ticket.contains("hdfs) kt=/etc/security/keytabs/dn.service.keytab p=dn/worker3@HERD.TEST")
    );
    assert!(
        ticket.contains("yarn) kt=/etc/security/keytabs/nm.service.keytab p=nm/worker3@HERD.TEST")
    );
    // The keystore password is made on the host: no rendered file holds one.
    assert!(!has(
        &files,
        "master1",
        "/opt/hadoop/etc/hadoop/ssl-server.xml"
    ));
    assert!(
        file(&files, "master1", "/opt/hadoop/etc/hadoop/ssl-client.xml")
            .contains("/etc/security/tls/truststore.p12")
    );
}

#[test]
fn web_ports_are_the_tls_ones() {
    let (inv, topo, _) = secure();
    let p = ports::ClusterPorts::new(&inv, &topo);
    let web = |h: &str, svc: &str| {
        p.host(h)
            .iter()
            .find(|u| u.service == svc && u.name == "http")
            .map(|u| u.port)
    };
    assert_eq!(web("master1", "namenode"), Some(9871));
    assert_eq!(web("master1", "journalnode"), Some(8481));
    assert_eq!(web("master1", "resourcemanager"), Some(8090));
    assert_eq!(web("master3", "historyserver"), Some(19890));
    assert_eq!(web("worker1", "datanode"), Some(9865));
    assert_eq!(web("worker1", "nodemanager"), Some(8044));
}

#[test]
fn roles_secure_mode_does_not_cover_are_refused_at_the_role() {
    let (_dir, path) = secure_copy();
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "roles: [zookeeper, journalnode, historyserver]",
        "roles: [zookeeper, journalnode, historyserver, spark-history]",
    );
    let inv = Inventory::parse(&text, &path).unwrap();
    let err = hadoop::validate(&inv).unwrap_err().to_string();
    assert!(
        err.contains("hosts[2].roles[3]")
            && err.contains("spark-history does not run in secure mode"),
        "{err}"
    );
}

#[test]
fn the_bring_up_puts_keytabs_and_tls_in_place_before_any_daemon() {
    let (_dir, path) = secure_copy();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_herd"))
        .args(["plan", "-i"])
        .arg(&path)
        .env(
            "HERD_STATE_DIR",
            std::env::temp_dir().join("herd-secure-plan-test"),
        )
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let at = |name: &str| {
        text.find(&format!("  {name} "))
            .unwrap_or_else(|| panic!("no stage {name} in the plan"))
    };
    assert!(at("keytabs") < at("systemd-units") && at("tls") < at("systemd-units"));
    assert!(at("systemd-units") < at("zookeeper "));
    // The password file's content never shows, only its reference.
    assert!(!text.contains("not-the-sandbox-password"));
    assert!(text.contains("printf '%s\\n' \"$HERD_SECRET_S1\" | kinit -S kadmin/admin"));
}
