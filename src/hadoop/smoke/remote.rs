//! How the checks reach the hosts: a root shell through the inventory's
//! own privilege path (a root login, or `become` through sudo, asked
//! before each command whether it will), from which the checks drop to
//! the service accounts with `runuser` as the bring-up does; and HTTP
//! through the host's SSH connection to what listens there.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::deadline::Deadline;
use crate::engine::privilege::plain_become_user;
use crate::model::{Become, Inventory};
use crate::probe::Limits;
use crate::probe::http::{self, GetError};
use crate::probe::{short, strip_host};
use crate::transport::{
    BecomePassword, Connection, ExecOutput, ExecRequest, Pool, SshTarget, Sudo, sudo_check,
};

/// JSON answers of the masters (a Mesos state with its frameworks) stay
/// well below this.
const MAX_ANSWER: usize = 8 * 1024 * 1024;

/// The hosts of one `herd smoke`, connected on first use.
pub struct Remote<'a> {
    pool: &'a Pool,
    targets: BTreeMap<&'a str, &'a SshTarget>,
    sudo: BTreeMap<&'a str, Option<Sudo>>,
}

impl<'a> Remote<'a> {
    pub fn new(
        pool: &'a Pool,
        inv: &'a Inventory,
        targets: &'a [SshTarget],
        password: Option<&BecomePassword>,
    ) -> Remote<'a> {
        let sudo = inv
            .hosts
            .iter()
            .map(|h| {
                let user = plain_become_user(&Become::default(), h);
                let sudo = user.and_then(|u| Sudo::new(&u, password.cloned()).ok());
                (h.name.as_str(), sudo)
            })
            .collect();
        Remote {
            pool,
            targets: targets.iter().map(|t| (t.name.as_str(), t)).collect(),
            sudo,
        }
    }

    async fn conn(&self, host: &str) -> Result<Arc<Connection>, String> {
        let target = self
            .targets
            .get(host)
            .ok_or_else(|| format!("{host} is not in the inventory"))?;
        self.pool
            .connect(target)
            .await
            .map_err(|e| strip_host(&e.to_string(), host))
    }

    /// `script` in a root shell on `host`, stopped at the deadline. An
    /// error is a command that could not run (no connection, sudo refused,
    /// killed at the deadline), worded without the host's name.
    pub async fn run(&self, host: &str, script: &str, d: &Deadline) -> Result<ExecOutput, String> {
        if d.passed() {
            return Err("no time left".into());
        }
        let conn = self.conn(host).await?;
        let req = ExecRequest {
            command: script.to_string(),
            timeout: Some(d.left()),
            ..Default::default()
        };
        let sudo = self.sudo.get(host).and_then(Option::as_ref);
        sudo_check::exec_checked(&conn, &req, sudo, d.token())
            .await
            .map_err(|e| strip_host(&e, host))
    }

    /// GET `path` from `host`:`port` as the host itself sees it, within
    /// the deadline (and `each`, so one hung answer leaves time to poll):
    /// the status and the body when it is JSON. A 404 or a redirect is an
    /// answer too, for the checks to word; an error is no answer.
    pub async fn get_json(
        &self,
        host: &str,
        port: u16,
        path: &str,
        d: &Deadline,
        each: std::time::Duration,
    ) -> Result<(u16, Option<serde_json::Value>), String> {
        let conn = self.conn(host).await?;
        let limits = Limits {
            max_bytes: MAX_ANSWER,
            timeout: Some(each.min(d.left())),
        };
        let resp = http::get(&conn, host, port, path, limits)
            .await
            .map_err(|e| match e {
                GetError::Connect(m) if m.contains("ConnectFailed") => {
                    format!("nothing listens on {host}:{port}")
                }
                GetError::Connect(m) => format!("{host}:{port}: {}", short(&m)),
                GetError::Timeout(t) => {
                    format!(
                        "{host}:{port} did not answer GET {path} within {}s",
                        t.as_secs()
                    )
                }
                GetError::Handshake(e) | GetError::Send(e) => {
                    format!("{host}:{port} GET {path}: {e}")
                }
                GetError::Body(e) => format!("{host}:{port} GET {path}: {e}"),
                GetError::BadPath(e) => format!("bad path {path}: {e}"),
            })?;
        Ok((resp.code, serde_json::from_str(&resp.text).ok()))
    }
}
