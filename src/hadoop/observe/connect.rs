//! Connecting to every host (reusing live connections) and reading the
//! cluster once: what `herd status` and `herd restart` both start with.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::sync::Arc;

use super::gather::gather;
use super::layout::Layout;
use super::readings::{Answer, Readings};
use crate::probe::strip_host;
use crate::transport::{Connection, Pool, SshTarget};

/// Connect to `targets` and read them as `layout` expects. A host that
/// cannot be reached is a reading (its error), not a failure of the whole.
pub async fn connect_and_gather(pool: &Pool, targets: &[SshTarget], layout: &Layout) -> Readings {
    let conns = connect(pool, targets).await;
    gather(layout, &conns).await
}

/// Each target's connection, or why there is none, by host name: the first
/// half of [`connect_and_gather`], apart so status can time it.
pub async fn connect(
    pool: &Pool,
    targets: &[SshTarget],
) -> BTreeMap<String, Answer<Arc<Connection>>> {
    let outcomes = pool.connect_all(targets).await;
    by_host(targets, outcomes)
}

/// Each target's connection, or why there is none without the host name the
/// transport starts its errors with: readings are already filed per host.
fn by_host<E: Display>(
    targets: &[SshTarget],
    outcomes: Vec<Result<Arc<Connection>, E>>,
) -> BTreeMap<String, Answer<Arc<Connection>>> {
    targets
        .iter()
        .zip(outcomes)
        .map(|(t, o)| {
            let o = o.map_err(|e| strip_host(&e.to_string(), &t.name));
            (t.name.clone(), o)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str) -> SshTarget {
        SshTarget {
            name: name.into(),
            address: name.into(),
            port: 22,
            user: "herd".into(),
            identity_files: Vec::new(),
            jump: Vec::new(),
            host_keys: Default::default(),
            web_client: None,
        }
    }

    #[test]
    fn connect_errors_lose_their_host_prefix_only() {
        let targets = [target("m1"), target("m2")];
        let outcomes: Vec<Result<Arc<Connection>, String>> = vec![
            Err("m1: cannot connect to 10.0.0.1:22: refused".into()),
            Err("m1: not this host's prefix".into()),
        ];
        let conns = by_host(&targets, outcomes);
        assert_eq!(
            conns["m1"].as_ref().err().map(String::as_str),
            Some("cannot connect to 10.0.0.1:22: refused")
        );
        assert_eq!(
            conns["m2"].as_ref().err().map(String::as_str),
            Some("m1: not this host's prefix")
        );
    }
}
