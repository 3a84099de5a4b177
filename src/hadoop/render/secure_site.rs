//! The properties secure mode adds to the site files and zoo.cfg, before
//! the inventory's overrides (so an operator can still move any of them).
//!
//! Choices worth knowing:
//! - The DataNodes protect their data path with SASL
//!   (`dfs.data.transfer.protection`) rather than root and jsvc on
//!   privileged ports; Hadoop accepts that only with every web endpoint on
//!   TLS (`dfs.http.policy=HTTPS_ONLY`), which secure mode wants anyway.
//!   The level is `authentication`, Hadoop's lightest: `integrity` or
//!   `privacy` cost CPU on every block and are one override away.
//! - Every web UI requires SPNEGO (`hadoop.http.authentication.type`), with
//!   anonymous access off; `/jmx` stays readable by any authenticated
//!   principal, which is what herd's probes rely on.
//! - ZooKeeper takes SASL only (`enforce.auth.schemes=sasl`, ZooKeeper 3.7
//!   and later), with host and realm stripped from principals, so both
//!   NameNodes are `nn` and both ResourceManagers `rm` in the ACLs that
//!   ZKFC (`ha.zookeeper.acl`) and the RM state store (`hadoop.zk.acl`) set.
//! - The NodeManagers keep the DefaultContainerExecutor: the setuid
//!   `container-executor` the LinuxContainerExecutor needs is a native
//!   binary built per site (root-owned, group of the NodeManager), not part
//!   of a Hadoop tarball. Containers then run as the NodeManager's account.

use super::props::set;
use crate::hadoop::default_ports::*;
use crate::hadoop::secure::principals::{SPNEGO, of_role};
use crate::hadoop::settings::Kerberos;
use crate::hadoop::topology::Topology;
use crate::hadoop::xml::Props;

fn principal(k: &Kerberos, service: &str) -> String {
    format!("{service}/_HOST@{}", k.realm)
}

fn keytab(role: &str) -> String {
    of_role(role).map(|k| k.path()).unwrap_or_default()
}

pub(super) fn core(props: &mut Props, topo: &Topology, k: &Kerberos) {
    let s = &topo.settings;
    set(props, "hadoop.security.authentication", "kerberos");
    set(props, "hadoop.security.authorization", true);
    set(
        props,
        "hadoop.security.auth_to_local",
        crate::hadoop::secure::principals::auth_to_local(&k.realm, |a| s.users.name(a).to_string()),
    );
    set(props, "hadoop.rpc.protection", "authentication");
    set(
        props,
        "hadoop.http.filter.initializers",
        "org.apache.hadoop.security.AuthenticationFilterInitializer",
    );
    set(props, "hadoop.http.authentication.type", "kerberos");
    set(
        props,
        "hadoop.http.authentication.simple.anonymous.allowed",
        false,
    );
    set(
        props,
        "hadoop.http.authentication.kerberos.principal",
        principal(k, SPNEGO.service),
    );
    set(
        props,
        "hadoop.http.authentication.kerberos.keytab",
        SPNEGO.path(),
    );
    set(props, "ha.zookeeper.acl", "sasl:nn:rwcda");
}

pub(super) fn hdfs(props: &mut Props, topo: &Topology, k: &Kerberos) {
    let ns = &topo.settings.nameservice;
    set(props, "dfs.block.access.token.enable", true);
    set(props, "dfs.http.policy", "HTTPS_ONLY");
    set(props, "dfs.data.transfer.protection", "authentication");
    for (id, host) in &topo.namenodes {
        set(
            props,
            format!("dfs.namenode.https-address.{ns}.{id}"),
            format!("{host}:{NAMENODE_HTTPS}"),
        );
    }
    for (role, key) in [
        ("namenode", "dfs.namenode"),
        ("journalnode", "dfs.journalnode"),
        ("datanode", "dfs.datanode"),
    ] {
        let service = of_role(role).map(|k| k.service).unwrap_or_default();
        set(
            props,
            format!("{key}.kerberos.principal"),
            principal(k, service),
        );
        set(props, format!("{key}.keytab.file"), keytab(role));
    }
    for key in [
        "dfs.namenode.kerberos.internal.spnego.principal",
        "dfs.journalnode.kerberos.internal.spnego.principal",
        "dfs.web.authentication.kerberos.principal",
    ] {
        set(props, key, principal(k, SPNEGO.service));
    }
    set(
        props,
        "dfs.web.authentication.kerberos.keytab",
        SPNEGO.path(),
    );
}

pub(super) fn yarn(props: &mut Props, topo: &Topology, k: &Kerberos) {
    set(props, "yarn.http.policy", "HTTPS_ONLY");
    for (id, host) in &topo.resourcemanagers {
        set(
            props,
            format!("yarn.resourcemanager.webapp.https.address.{id}"),
            format!("{host}:{RESOURCEMANAGER_HTTPS}"),
        );
    }
    for (role, key) in [
        ("resourcemanager", "yarn.resourcemanager"),
        ("nodemanager", "yarn.nodemanager"),
    ] {
        let service = of_role(role).map(|k| k.service).unwrap_or_default();
        set(props, format!("{key}.principal"), principal(k, service));
        set(props, format!("{key}.keytab"), keytab(role));
        set(
            props,
            format!("{key}.webapp.spnego-principal"),
            principal(k, SPNEGO.service),
        );
        set(
            props,
            format!("{key}.webapp.spnego-keytab-file"),
            SPNEGO.path(),
        );
    }
    set(props, "hadoop.zk.acl", "sasl:rm:rwcda");
}

pub(super) fn mapred(props: &mut Props, topo: &Topology, k: &Kerberos) {
    set(props, "mapreduce.jobhistory.http.policy", "HTTPS_ONLY");
    if let Some(host) = topo.hosts("historyserver").first() {
        set(
            props,
            "mapreduce.jobhistory.webapp.https.address",
            format!("{host}:{HISTORYSERVER_HTTPS}"),
        );
    }
    set(
        props,
        "mapreduce.jobhistory.principal",
        principal(k, of_role("historyserver").map_or("jhs", |k| k.service)),
    );
    set(
        props,
        "mapreduce.jobhistory.keytab",
        keytab("historyserver"),
    );
    set(
        props,
        "mapreduce.jobhistory.webapp.spnego-principal",
        principal(k, SPNEGO.service),
    );
    set(
        props,
        "mapreduce.jobhistory.webapp.spnego-keytab-file",
        SPNEGO.path(),
    );
}

pub(super) fn zoo(props: &mut Props) {
    set(
        props,
        "authProvider.1",
        "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
    );
    set(props, "kerberos.removeHostFromPrincipal", true);
    set(props, "kerberos.removeRealmFromPrincipal", true);
    set(props, "enforce.auth.enabled", true);
    set(props, "enforce.auth.schemes", "sasl");
}
