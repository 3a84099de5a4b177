//! Which principals and keytabs each host holds in secure mode.
//!
//! Apache's and Ambari's convention: one service principal per daemon kind
//! and host (`nn/<host>`, `dn/<host>`, ...), each in a keytab of its own
//! that only the daemon's account can read (0400), and the host's
//! `HTTP/<host>` for SPNEGO in `spnego.service.keytab`, which every web
//! daemon of the host shares (root, group-readable: 0440). ZKFC has no
//! principal of its own: it logs in with the NameNode's. herd's own web
//! probes authenticate as `herd/<host>`, from a keytab the login account
//! owns, so reading a secure endpoint needs no root.
//!
//! Principals are per host on purpose: exporting a keytab re-randomises
//! the principal's keys, so a principal shared between hosts could not be
//! exported on each of them without invalidating the others.

use crate::hadoop::settings::Account;

/// Where every keytab lives (Ambari's and Cloudera's layout).
pub const KEYTAB_DIR: &str = "/etc/security/keytabs";

/// Who may read a keytab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The daemon's account, alone (0400).
    Account(Account),
    /// root, readable by the daemons' group (0440).
    Group,
    /// The account herd logs in as on the host (0400).
    Login,
}

/// One keytab of one host, holding one principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keytab {
    /// The principal's first component (`nn`, `HTTP`, `herd`).
    pub service: &'static str,
    /// File name under [`KEYTAB_DIR`].
    pub file: &'static str,
    pub owner: Owner,
}

impl Keytab {
    pub fn path(&self) -> String {
        format!("{KEYTAB_DIR}/{}", self.file)
    }
    pub fn mode(&self) -> &'static str {
        match self.owner {
            Owner::Group => "0440",
            _ => "0400",
        }
    }
}

/// Role -> (service, keytab file, account). `zkfc` is absent: it uses the
/// NameNode's.
pub const SERVICES: &[(&str, &str, &str, Account)] = &[
    ("namenode", "nn", "nn.service.keytab", Account::Hdfs),
    ("journalnode", "jn", "jn.service.keytab", Account::Hdfs),
    ("datanode", "dn", "dn.service.keytab", Account::Hdfs),
    ("resourcemanager", "rm", "rm.service.keytab", Account::Yarn),
    ("nodemanager", "nm", "nm.service.keytab", Account::Yarn),
    (
        "historyserver",
        "jhs",
        "jhs.service.keytab",
        Account::Mapred,
    ),
    (
        "zookeeper",
        "zookeeper",
        "zk.service.keytab",
        Account::ZooKeeper,
    ),
];

/// The keytab of `role`'s principal, if the role has one.
pub fn of_role(role: &str) -> Option<Keytab> {
    let role = if role == "zkfc" { "namenode" } else { role };
    SERVICES
        .iter()
        .find(|(r, ..)| *r == role)
        .map(|(_, service, file, account)| Keytab {
            service,
            file,
            owner: Owner::Account(*account),
        })
}

pub const SPNEGO: Keytab = Keytab {
    service: "HTTP",
    file: "spnego.service.keytab",
    owner: Owner::Group,
};

pub const HERD: Keytab = Keytab {
    service: "herd",
    file: "herd.keytab",
    owner: Owner::Login,
};

/// The services of a host with `roles` that log in with `k`: a daemon
/// that runs on with a key its keytab no longer holds keeps the old one in
/// memory, which the KDC no longer issues tickets for.
pub fn readers(k: &Keytab, roles: &[String]) -> Vec<String> {
    let on = |r: &str| roles.iter().any(|x| x == r);
    match k.owner {
        Owner::Login => Vec::new(),
        Owner::Group => roles
            .iter()
            .filter(|r| crate::hadoop::HADOOP_ROLES.contains(&r.as_str()))
            .cloned()
            .collect(),
        Owner::Account(_) => SERVICES
            .iter()
            .filter(|(_, service, ..)| *service == k.service)
            .flat_map(|(role, ..)| {
                let mut v = vec![role.to_string()];
                if *role == "namenode" {
                    v.push("zkfc".into());
                }
                v
            })
            .filter(|r| on(r))
            .collect(),
    }
}

/// The keytabs of a host with `roles`, each once, in a stable order.
pub fn keytabs(roles: &[String]) -> Vec<Keytab> {
    let mut out: Vec<Keytab> = Vec::new();
    // In SERVICES' order, each once (ZKFC's is the NameNode's).
    for (role, ..) in SERVICES {
        if let Some(k) = of_role(role)
            && roles.iter().filter_map(|r| of_role(r)).any(|o| o == k)
        {
            out.push(k);
        }
    }
    let web = roles
        .iter()
        .any(|r| crate::hadoop::HADOOP_ROLES.contains(&r.as_str()));
    if web {
        out.push(SPNEGO);
    }
    out.push(HERD);
    out
}

/// `hadoop.security.auth_to_local`: each service principal to the account
/// its daemon runs as (named in `vars.users`), then Hadoop's DEFAULT. The
/// realm's dots are escaped: the rules are regular expressions.
pub fn auth_to_local(realm: &str, name: impl Fn(Account) -> String) -> String {
    let realm = realm.replace('.', "\\.");
    let mut rules: Vec<String> = SERVICES
        .iter()
        .filter(|(r, ..)| *r != "zookeeper")
        .map(|(_, service, _, account)| {
            format!("RULE:[2:$1@$0]({service}@{realm})s/.*/{}/", name(*account))
        })
        .collect();
    rules.push("DEFAULT".into());
    rules.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(r: &[&str]) -> Vec<String> {
        r.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_master_holds_its_daemons_keytabs_spnego_and_herds_own() {
        let got: Vec<&str> = keytabs(&roles(&["zookeeper", "journalnode", "namenode", "zkfc"]))
            .iter()
            .map(|k| k.file)
            .collect();
        assert_eq!(
            got,
            [
                "nn.service.keytab",
                "jn.service.keytab",
                "zk.service.keytab",
                "spnego.service.keytab",
                "herd.keytab"
            ]
        );
        assert_eq!(of_role("zkfc").unwrap().service, "nn");
        assert_eq!(SPNEGO.mode(), "0440");
        assert_eq!(of_role("datanode").unwrap().mode(), "0400");
    }

    #[test]
    fn a_zookeeper_only_host_has_no_spnego() {
        let got: Vec<&str> = keytabs(&roles(&["zookeeper"]))
            .iter()
            .map(|k| k.service)
            .collect();
        assert_eq!(got, ["zookeeper", "herd"]);
    }

    #[test]
    fn service_principals_map_to_their_accounts() {
        let rules = auth_to_local("HERD.TEST", |a| match a {
            Account::Hdfs => "hdfs".into(),
            Account::Yarn => "yarn".into(),
            _ => "mapred".into(),
        });
        assert!(rules.starts_with("RULE:[2:$1@$0](nn@HERD\\.TEST)s/.*/hdfs/\n"));
        assert!(rules.contains("RULE:[2:$1@$0](nm@HERD\\.TEST)s/.*/yarn/\n"));
        assert!(rules.contains("RULE:[2:$1@$0](jhs@HERD\\.TEST)s/.*/mapred/\n"));
        assert!(rules.ends_with("\nDEFAULT"));
    }
}
