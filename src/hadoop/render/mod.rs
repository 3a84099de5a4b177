//! From inventory and topology to the files each host needs.
//!
//! Defaults follow the seed's production cluster (Hadoop 3, QJM, ZKFC, RM HA
//! on ZooKeeper) with the HA essentials it lacked, then `vars.overrides` is
//! merged on top, per file (a null removes a default). The choices worth
//! knowing are told where they are made: `site` for the Hadoop site files,
//! `env` for the daemons' heaps.

mod env;
mod host_lists;
pub mod kerberos;
mod mesos;
mod props;
mod rack;
mod secure_site;
mod site;
mod spark;
mod systemd;
mod zookeeper;

use crate::model::{Inventory, ModelErrors};

use super::files::{ClusterFiles, HostFiles, RenderedFile};
use super::settings::Supervisor;
use super::topology::Topology;
use super::xml::site_xml;
use super::{HADOOP_CLIENT_ROLES, HADOOP_ROLES};
use env::hadoop_env;
use mesos::mesos_env;
use rack::rack_script;
use zookeeper::{properties, zookeeper_java_env};

pub use host_lists::{
    DFS_HOSTS, YARN_EXCLUDE, YARN_INCLUDE, dfs_hosts, host_lists_yarn, host_lists_yarn_exclude,
    host_lists_yarn_include,
};
pub use mesos::{MesosKind, mesos_flags};
pub use rack::RACK_SCRIPT;
pub use site::{SiteConfigs, port_in, site_configs};
pub use spark::{archive_path, hdfs_uri, history_port, spark_defaults};
pub use systemd::{RESTART_SEC, word as unit_word};

/// Render every host's files.
pub fn render(inv: &Inventory, topo: &Topology) -> Result<ClusterFiles, ModelErrors> {
    let s = &topo.settings;
    let site = site_configs(inv, topo);
    let conf_dir = s.hadoop_conf_dir();
    let core_xml = site_xml(&site.core);
    let hdfs_xml = site_xml(&site.hdfs);
    let yarn_xml = site_xml(&site.yarn);
    // Without a supervisor nothing restarts a stopped NodeManager, so it
    // must not leave its containers behind for a successor (spec 7.6).
    let yarn_xml_unsupervised = site_xml(&site::unsupervised(&site.yarn, s));
    let mapred_xml = site_xml(&site.mapred);
    let hadoop_env = hadoop_env(topo);
    let workers = lines(topo.hosts("datanode"));
    let rack_script = (!topo.racks.is_empty()).then(|| rack_script(inv, topo));
    let dfs_hosts = host_lists::dfs_hosts(topo);
    let yarn_include = host_lists::host_lists_yarn_include(topo);
    let yarn_exclude = host_lists::host_lists_yarn_exclude(topo);
    let zoo_cfg = properties(&site.zoo);
    let java_env = zookeeper_java_env(topo);
    let spark_defaults = spark::properties_file(&spark::spark_defaults(topo));
    let spark_env = spark::spark_env(topo);

    let mut out = ClusterFiles::default();
    for host in &inv.hosts {
        let has = |r: &str| host.roles.iter().any(|x| x == r);
        let on_host = |roles: &[&'static str]| -> Vec<&'static str> {
            roles.iter().copied().filter(|r| has(r)).collect()
        };
        let mut files = Vec::new();
        let mut add = |path: String, content: Vec<u8>, mode: u32, services: Vec<&'static str>| {
            let additive = path.ends_with(RACK_SCRIPT);
            files.push(RenderedFile {
                path,
                content,
                mode,
                services,
                additive,
            });
        };
        if HADOOP_CLIENT_ROLES.iter().any(|r| has(r)) {
            let all = on_host(HADOOP_CLIENT_ROLES);
            add(
                format!("{conf_dir}/core-site.xml"),
                core_xml.clone(),
                0o644,
                all.clone(),
            );
            add(
                format!("{conf_dir}/hdfs-site.xml"),
                hdfs_xml.clone(),
                0o644,
                all.clone(),
            );
            let supervised = topo.supervisor(&host.name) == Supervisor::Systemd;
            add(
                format!("{conf_dir}/yarn-site.xml"),
                if supervised {
                    yarn_xml.clone()
                } else {
                    yarn_xml_unsupervised.clone()
                },
                0o644,
                on_host(&["resourcemanager", "historyserver", "nodemanager"]),
            );
            add(
                format!("{conf_dir}/mapred-site.xml"),
                mapred_xml.clone(),
                0o644,
                on_host(&["historyserver", "nodemanager"]),
            );
            // Only start-dfs.sh-style scripts read it; no running daemon does.
            add(
                format!("{conf_dir}/workers"),
                workers.clone(),
                0o644,
                Vec::new(),
            );
            add(
                format!("{conf_dir}/hadoop-env.sh"),
                hadoop_env.clone(),
                0o644,
                on_host(HADOOP_ROLES),
            );
            if let Some(script) = &rack_script {
                // NameNode and ResourceManager cache the racks they resolved.
                add(
                    format!("{conf_dir}/{RACK_SCRIPT}"),
                    script.clone(),
                    0o755,
                    on_host(&["namenode", "resourcemanager"]),
                );
            }
        }
        // Re-read on `-refreshNodes`, which the bring-up and the lifecycle
        // commands run after writing them: no restart is owed.
        if has("namenode") {
            add(
                format!("{conf_dir}/{DFS_HOSTS}"),
                dfs_hosts.clone(),
                0o644,
                Vec::new(),
            );
        }
        if has("resourcemanager") {
            add(
                format!("{conf_dir}/{YARN_INCLUDE}"),
                yarn_include.clone(),
                0o644,
                Vec::new(),
            );
            add(
                format!("{conf_dir}/{YARN_EXCLUDE}"),
                yarn_exclude.clone(),
                0o644,
                Vec::new(),
            );
        }
        if has("zookeeper") {
            let zk_conf = format!("{}/conf", s.zookeeper_home());
            add(
                format!("{zk_conf}/zoo.cfg"),
                zoo_cfg.clone(),
                0o644,
                vec!["zookeeper"],
            );
            add(
                format!("{zk_conf}/java.env"),
                java_env.clone(),
                0o644,
                vec!["zookeeper"],
            );
            if let Some(id) = topo.zookeeper_myid(&host.name) {
                add(
                    format!("{}/myid", s.dirs.zookeeper),
                    format!("{id}\n").into_bytes(),
                    0o644,
                    vec!["zookeeper"],
                );
            }
        }
        if has("spark-history") {
            let conf = s.spark_conf_dir();
            add(
                format!("{conf}/spark-defaults.conf"),
                spark_defaults.clone(),
                0o644,
                vec!["spark-history"],
            );
            add(
                format!("{conf}/spark-env.sh"),
                spark_env.clone(),
                0o644,
                vec!["spark-history"],
            );
        }
        for kind in [MesosKind::Master, MesosKind::Agent] {
            if has(kind.role()) {
                add(
                    format!("{}/etc/{}.env", s.mesos_home(), kind.role()),
                    mesos_env(&mesos_flags(topo, host, kind)),
                    0o644,
                    vec![kind.role()],
                );
            }
        }
        if let Some(sec) = &s.security {
            let k = &sec.kerberos;
            let daemons: Vec<&'static str> = on_host(HADOOP_ROLES)
                .into_iter()
                .chain(on_host(&["zookeeper"]))
                .collect();
            add(
                "/etc/krb5.conf".into(),
                kerberos::krb5_conf(k),
                0o644,
                daemons,
            );
            add(
                kerberos::with_ticket(s),
                kerberos::with_ticket_script(s, k, host),
                0o755,
                Vec::new(),
            );
            add(
                kerberos::web_get(s),
                kerberos::web_get_script(k, host),
                0o755,
                Vec::new(),
            );
            if HADOOP_CLIENT_ROLES.iter().any(|r| has(r)) {
                add(
                    format!("{conf_dir}/ssl-client.xml"),
                    kerberos::ssl_client_xml(),
                    0o644,
                    on_host(HADOOP_ROLES),
                );
            }
            // (role of the host, JAAS login, file, whether its daemon reads
            // it at start); zkCli.sh reads its own afresh each time.
            for (role, login, path, at_start) in [
                ("zkfc", "zkfc", kerberos::zkfc_jaas(s), true),
                (
                    "resourcemanager",
                    "resourcemanager",
                    kerberos::rm_jaas(s),
                    true,
                ),
                ("zookeeper", "zookeeper", kerberos::zookeeper_jaas(s), true),
                (
                    "zookeeper",
                    "zookeeper-client",
                    kerberos::zookeeper_client_jaas(s),
                    false,
                ),
            ] {
                if has(role)
                    && let Some(content) = kerberos::jaas_of(k, login, &host.name)
                {
                    let readers = if at_start {
                        on_host(&[role])
                    } else {
                        Vec::new()
                    };
                    add(path, content, 0o644, readers);
                }
            }
        }
        let services = crate::hadoop::services::on_host(host);
        if topo.supervisor(&host.name) == Supervisor::Systemd && !services.is_empty() {
            let roles: Vec<&str> = services.iter().map(|svc| svc.role).collect();
            for svc in &services {
                add(
                    format!("/etc/systemd/system/{}", svc.unit_file()),
                    systemd::unit(s, svc, &roles),
                    0o644,
                    vec![svc.role],
                );
            }
            add(
                "/etc/tmpfiles.d/herd.conf".to_string(),
                systemd::tmpfiles(s),
                0o644,
                Vec::new(),
            );
        }
        out.hosts.push(HostFiles {
            host: host.name.clone(),
            files,
        });
    }
    Ok(out)
}

fn lines(items: &[String]) -> Vec<u8> {
    let mut s = String::new();
    for i in items {
        s.push_str(i);
        s.push('\n');
    }
    s.into_bytes()
}
