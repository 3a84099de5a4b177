//! What secure mode covers, checked before anything runs: HDFS, YARN,
//! MapReduce's JobHistory and ZooKeeper. The Spark history server and Mesos
//! would run unauthenticated beside a kerberized cluster (and Mesos would be
//! locked out of a ZooKeeper that takes SASL only), so an inventory that has
//! them and `vars.security` is refused, at the role.
//!
//! With issued keytabs, every host must have its directory of them, each
//! file readable by its owner only.

use crate::hadoop::settings::KeytabSource;
use crate::hadoop::topology::{Locator, Topology};
use crate::model::{Inventory, ModelError};

const NOT_COVERED: &[&str] = &["spark-history", "mesos-master", "mesos-agent"];

pub fn check(inv: &Inventory, topo: &Topology) -> Vec<ModelError> {
    let Some(sec) = &topo.settings.security else {
        return Vec::new();
    };
    let loc = Locator { inv };
    let mut out = Vec::new();
    for h in &inv.hosts {
        for role in h.roles.iter().filter(|r| NOT_COVERED.contains(&r.as_str())) {
            out.push(loc.role(
                h,
                role,
                format!(
                    "{role} does not run in secure mode (vars.security covers HDFS, YARN, the JobHistory server and ZooKeeper): remove the role or vars.security"
                ),
            ));
        }
        if let KeytabSource::Issued { dir } = &sec.kerberos.keytabs {
            let host_dir = dir.join(&h.name);
            if !host_dir.is_dir() {
                out.push(loc.at(
                    "vars.security.kerberos.keytabs",
                    format!(
                        "no keytabs for {}: expected the directory {}",
                        h.name,
                        host_dir.display()
                    ),
                ));
            }
            // Uploads keep the file's mode: one readable by others here
            // would be readable by others on the host until it is checked.
            for f in std::fs::read_dir(&host_dir).into_iter().flatten().flatten() {
                use std::os::unix::fs::PermissionsExt;
                let mode = f
                    .metadata()
                    .map(|m| m.permissions().mode() & 0o777)
                    .unwrap_or(0);
                if mode & 0o077 != 0 {
                    out.push(loc.at(
                        "vars.security.kerberos.keytabs",
                        format!(
                            "{} is readable by group or others (mode {mode:o}): chmod 600 it",
                            f.path().display()
                        ),
                    ));
                }
            }
        }
    }
    out
}
