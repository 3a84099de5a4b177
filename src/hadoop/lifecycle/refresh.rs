//! Telling the masters to re-read the worker lists herd wrote, and the
//! guard that keeps a push from undoing what the hosts' own lists say.
//!
//! The NameNodes read `dfs.hosts` at start and on `dfsadmin -refreshNodes`
//! (which, given the nameservice, refreshes every NameNode of it: spec
//! 11.2); the ResourceManagers read their lists on `rmadmin -refreshNodes`
//! (the active one; a standby re-reads its own when it takes over). The
//! bring-up refreshes only when a list changed since the last refresh,
//! remembered by a digest on the host that ran it, so a second `herd up`
//! runs nothing.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::hadoop::daemon_control::{client_as, hdfs_admin};
use crate::hadoop::lifecycle::WorkerState;
use crate::hadoop::render::{self, DFS_HOSTS};
use crate::hadoop::settings::{Account, Settings};
use crate::hadoop::topology::Topology;
use crate::model::Inventory;
use crate::shell::quote as q;

/// `yarn rmadmin` as the YARN account.
pub fn rmadmin(s: &Settings) -> String {
    client_as(
        s,
        s.users.name(Account::Yarn),
        &format!("{} rmadmin", q(&format!("{}/bin/yarn", s.hadoop_home()))),
    )
}

/// Every NameNode re-reads `dfs.hosts`.
pub fn hdfs_refresh(s: &Settings) -> String {
    format!("{} dfsadmin -refreshNodes", hdfs_admin(s))
}

/// The active ResourceManager re-reads its lists; with `graceful`, the
/// command waits (client-side tracking) for the NodeManagers being
/// excluded to finish their work, at most that many seconds, then forces it.
pub fn yarn_refresh(s: &Settings, graceful: Option<u64>) -> String {
    match graceful {
        Some(secs) => format!("{} -refreshNodes -g {secs} -client", rmadmin(s)),
        None => format!("{} -refreshNodes", rmadmin(s)),
    }
}

/// The `hadoop.host_lists` template object: for `hdfs` and `yarn`, `current`
/// (the list was refreshed as it is now) and `refresh`; and `guard`, run on
/// each NameNode before the configs are pushed.
pub fn template(inv: &Inventory, topo: &Topology) -> Value {
    let s = &topo.settings;
    let hdfs = render::dfs_hosts(topo);
    let yarn = render::host_lists_yarn(topo);
    let entry = |what: List, content: &[u8], refresh: String| {
        json!({
            "current": format!(
                "test \"$(cat {} 2>/dev/null)\" = {}",
                marker(s, what),
                digest(content)
            ),
            "refresh": recorded(s, what, content, &refresh),
        })
    };
    json!({
        "hdfs": entry(List::Hdfs, &hdfs, hdfs_refresh(s)),
        "yarn": entry(List::Yarn, &yarn, yarn_refresh(s, None)),
        "guard": guard(inv, topo),
    })
}

/// Which masters' lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Hdfs,
    Yarn,
}

/// `refresh`, then the digest of `content` (the lists as now written)
/// left where the bring-up looks, so it does not refresh them again.
pub fn recorded(s: &Settings, what: List, content: &[u8], refresh: &str) -> String {
    format!(
        "{refresh}\nmkdir -p {} && echo {} > {}",
        q(&s.state_dir()),
        digest(content),
        marker(s, what)
    )
}

fn marker(s: &Settings, what: List) -> String {
    let name = match what {
        List::Hdfs => "hdfs",
        List::Yarn => "yarn",
    };
    q(&format!("{}/{name}-hosts.refreshed", s.state_dir()))
}

/// Refuses (exit 1) when this host's `dfs.hosts` has a DataNode out of
/// service that herd's record has in service: the record was lost, or
/// another copy of the inventory was used, and pushing would recommission
/// it behind the operator's back.
fn guard(inv: &Inventory, topo: &Topology) -> String {
    let path = format!("{}/{DFS_HOSTS}", topo.settings.hadoop_conf_dir());
    let active: Vec<String> = topo
        .hosts("datanode")
        .iter()
        .filter(|h| topo.worker_state(h) == WorkerState::Active)
        .map(|h| q(h))
        .collect();
    if active.is_empty() {
        return "true".into();
    }
    let record = super::record::path_for(&inv.path);
    format!(
        r#"f={path}
[ -f "$f" ] || exit 0
bad=
for h in {hosts}; do
  if grep -qF "{{\"hostName\":\"$h\",\"adminState\"" "$f"; then
    bad="$bad $h ($(grep -F "{{\"hostName\":\"$h\"," "$f" | grep -o '"adminState":"[A-Z_]*"' | cut -d'"' -f4))"
  fi
done
[ -z "$bad" ] && exit 0
echo "${{bad# }}: out of service on this NameNode, in service in herd's record; herd recommission brings it back, or restore {record}"
exit 1"#,
        path = q(&path),
        hosts = active.join(" "),
        record = record.display(),
    )
}

fn digest(content: &[u8]) -> String {
    hex::encode(&Sha256::digest(content)[..8])
}
