//! Readiness probes. They run through the host's SSH connection (direct-tcpip
//! to an address as seen from the host), so they need no curl on the host, no
//! open firewall, and work through a jump host. Their HTTP and ZooKeeper
//! clients ([`http::get`], [`zk::ask`]) are also how `herd status` reads the
//! HA roles.

mod command;
mod expect;
mod gate;
pub(crate) mod http;
mod limits;
mod tcp;
mod text;
pub(crate) mod zk;

pub use expect::{describe as describe_expectation, satisfied};
pub use gate::{GateError, GateTarget, wait_for_gate};
pub use limits::Limits;
pub(crate) use text::{short, strip_host};

use std::time::Duration;

use crate::model::ProbeCheck;
use crate::transport::{Connection, Sudo};

/// One probe reading on one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub pass: bool,
    pub value: String,
}

impl Reading {
    fn fail(value: impl Into<String>) -> Reading {
        Reading {
            pass: false,
            value: value.into(),
        }
    }
}

/// A single attempt may not take longer than this, however slow the daemon.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Run `check` once on `conn`. `address` is where the daemon listens as seen
/// from the host; `command` is the rendered command of a command probe
/// with the sudo it runs through, and `secrets` the secret values it
/// refers to.
pub async fn check_once(
    conn: &Connection,
    check: &ProbeCheck,
    address: &str,
    command: Option<(&str, Option<&Sudo>)>,
    secrets: &[(String, String)],
) -> Reading {
    let attempt = async {
        match check {
            ProbeCheck::Tcp { port } => tcp::check(conn, address, *port).await,
            ProbeCheck::Http {
                port,
                path,
                status,
                json,
                body,
            } => {
                http::check(
                    conn,
                    address,
                    *port,
                    path,
                    *status,
                    json.as_ref(),
                    body.as_ref(),
                )
                .await
            }
            ProbeCheck::Command { run, exit, stdout } => {
                let (run, sudo) = command.unwrap_or((run, None));
                command::check(conn, run, sudo, secrets, *exit, stdout.as_ref()).await
            }
            ProbeCheck::Zk {
                port,
                word,
                matches,
            } => zk::check(conn, address, *port, word, matches.as_ref()).await,
        }
    };
    match tokio::time::timeout(ATTEMPT_TIMEOUT, attempt).await {
        Ok(r) => r,
        Err(_) => Reading::fail(format!("no answer within {}s", ATTEMPT_TIMEOUT.as_secs())),
    }
}
