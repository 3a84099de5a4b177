//! `vars.users`: the accounts the daemons run as and their group. Hadoop's
//! secure layout wants hdfs, yarn and mapred apart (the NameNode's
//! superuser is whoever runs it, and YARN containers must not read HDFS
//! blocks), and Bigtop ships one account per component; herd creates them
//! where missing, with fixed ids when the inventory gives them so that files
//! on shared or moved disks keep their owners across hosts.

use serde_json::Value;

use crate::model::reader::{Reader, kind};

/// Which account a daemon runs as, by the component it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Account {
    Hdfs,
    Yarn,
    Mapred,
    ZooKeeper,
    Mesos,
    Spark,
}

/// The `vars.users` keys of the accounts, in creation order.
pub const ACCOUNTS: &[(&str, Account)] = &[
    ("hdfs", Account::Hdfs),
    ("yarn", Account::Yarn),
    ("mapred", Account::Mapred),
    ("zookeeper", Account::ZooKeeper),
    ("mesos", Account::Mesos),
    ("spark", Account::Spark),
];

/// One account: its name and, when fixed, its uid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUsers {
    pub hdfs: User,
    pub yarn: User,
    pub mapred: User,
    pub zookeeper: User,
    pub mesos: User,
    pub spark: User,
    /// Every account's primary group.
    pub group: String,
    pub gid: Option<u32>,
}

impl Default for ServiceUsers {
    fn default() -> Self {
        let user = |n: &str| User {
            name: n.to_string(),
            uid: None,
        };
        ServiceUsers {
            hdfs: user("hdfs"),
            yarn: user("yarn"),
            mapred: user("mapred"),
            zookeeper: user("zookeeper"),
            mesos: user("mesos"),
            spark: user("spark"),
            group: "hadoop".into(),
            gid: None,
        }
    }
}

impl ServiceUsers {
    pub fn get(&self, a: Account) -> &User {
        match a {
            Account::Hdfs => &self.hdfs,
            Account::Yarn => &self.yarn,
            Account::Mapred => &self.mapred,
            Account::ZooKeeper => &self.zookeeper,
            Account::Mesos => &self.mesos,
            Account::Spark => &self.spark,
        }
    }
    fn get_mut(&mut self, a: Account) -> &mut User {
        match a {
            Account::Hdfs => &mut self.hdfs,
            Account::Yarn => &mut self.yarn,
            Account::Mapred => &mut self.mapred,
            Account::ZooKeeper => &mut self.zookeeper,
            Account::Mesos => &mut self.mesos,
            Account::Spark => &mut self.spark,
        }
    }
    /// The account's name.
    pub fn name(&self, a: Account) -> &str {
        &self.get(a).name
    }
}

/// A name `useradd` and `groupadd` take on every distribution: lower case,
/// digits, '_' and '-', not starting with a digit or '-', at most 32.
pub fn is_account_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && s.len() <= 32
}

/// Reads `vars.users`: each account as a name or `{ name, uid }`, and
/// `group` as a name or `{ name, gid }`. Root is refused: a daemon that
/// runs as root is what the section exists to prevent.
pub fn read(r: &mut Reader, v: &Value, path: &str, users: &mut ServiceUsers) {
    if v.is_null() {
        return;
    }
    let mut keys: Vec<&str> = ACCOUNTS.iter().map(|(k, _)| *k).collect();
    keys.push("group");
    let Some(fields) = r.fields(v, path, &keys) else {
        return;
    };
    for (key, v, p) in fields.iter() {
        let id_key = if key == "group" { "gid" } else { "uid" };
        let Some((name, id)) = account(r, v, &p, id_key) else {
            continue;
        };
        if key == "group" {
            users.group = name;
            users.gid = id;
        } else if let Some((_, a)) = ACCOUNTS.iter().find(|(k, _)| *k == key) {
            *users.get_mut(*a) = User { name, uid: id };
        }
    }
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (key, a) in ACCOUNTS {
        let u = users.get(*a);
        if let Some((other, _)) = seen.iter().find(|(_, n)| *n == u.name) {
            // hdfs and yarn sharing one account would let containers read blocks.
            if matches!(*a, Account::Hdfs | Account::Yarn | Account::Mapred)
                && ["hdfs", "yarn", "mapred"].contains(other)
            {
                r.error(
                    &format!("{path}.{key}"),
                    format!(
                        "{key} and {other} cannot both be '{}': Hadoop's secure layout needs hdfs, yarn and mapred apart",
                        u.name
                    ),
                );
            }
        }
        seen.push((key, &u.name));
    }
}

/// `NAME` or `{ name: NAME, <id_key>: N }`.
fn account(r: &mut Reader, v: &Value, path: &str, id_key: &str) -> Option<(String, Option<u32>)> {
    let (name, id) = match v {
        Value::String(_) => (r.text(v, path)?, None),
        Value::Object(_) => {
            let fields = r.fields(v, path, &["name", id_key])?;
            let (nv, np) = r.required(&fields, "name")?;
            let name = r.text(nv, &np)?;
            let id = match fields.get(id_key) {
                Some((iv, ip)) => Some(r.int(iv, &ip, 1, 2_147_483_647)? as u32),
                None => None,
            };
            (name, id)
        }
        other => {
            r.error(
                path,
                format!(
                    "expected an account name or {{ name, {id_key} }}, got {}",
                    kind(other)
                ),
            );
            return None;
        }
    };
    if name == "root" {
        r.error(
            path,
            "daemons do not run as root: name an unprivileged account",
        );
        return None;
    }
    if !is_account_name(&name) {
        r.error(
            path,
            format!("'{name}' is not an account name (lower-case letters, digits, '_' and '-', up to 32, not starting with a digit or '-')"),
        );
        return None;
    }
    Some((name, id))
}
