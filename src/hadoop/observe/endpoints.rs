//! One HA endpoint, read through the probe clients with status's limits: a
//! JMX or REST document over HTTP, or ZooKeeper's `srvr` mode. Failures are
//! worded for the table.

use std::time::Duration;

use super::readings::Answer;
use crate::probe::http::{self, GetError};
use crate::probe::zk::{self, AskError};
use crate::probe::{Limits, short};
use crate::transport::Connection;

/// No single answer may hold up the table: a hung daemon reads as no answer.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

const HTTP_LIMITS: Limits = Limits {
    max_bytes: 8 * 1024 * 1024,
    timeout: Some(PROBE_TIMEOUT),
};

const SRVR_LIMITS: Limits = Limits {
    max_bytes: 64 * 1024,
    timeout: Some(PROBE_TIMEOUT),
};

/// GET through the host's SSH connection; only a 200 with JSON counts (a
/// standby RM or Mesos master answers 307 to the leader).
pub(super) async fn get_json(
    conn: &Connection,
    address: &str,
    port: u16,
    path: &str,
) -> Answer<serde_json::Value> {
    let resp = http::get(conn, address, port, path, HTTP_LIMITS)
        .await
        .map_err(|e| match e {
            GetError::Connect(m) => tunnel_error(&m, address, port),
            GetError::Handshake(e) => format!("{address}:{port} http handshake: {e}"),
            GetError::BadPath(e) => format!("bad path {path}: {e}"),
            GetError::Send(e) => format!("{address}:{port} GET {path}: {e}"),
            GetError::Body(e) => format!("{address}:{port} GET {path}: {e}"),
            GetError::Timeout(t) => no_answer(address, port, t),
        })?;
    if resp.code != 200 {
        return Err(format!("HTTP {}: {}", resp.code, short(&resp.text)));
    }
    serde_json::from_str(&resp.text).map_err(|e| format!("not JSON ({e}): {}", short(&resp.text)))
}

/// The ZooKeeper server's mode, asked on the host's loopback.
pub(super) async fn zk_mode(conn: &Connection, port: u16) -> Answer<String> {
    const ADDRESS: &str = "127.0.0.1";
    let text = zk::ask(conn, ADDRESS, port, "srvr", SRVR_LIMITS)
        .await
        .map_err(|e| match e {
            AskError::Connect(m) => tunnel_error(&m, ADDRESS, port),
            AskError::Write(e) => format!("srvr: {e}"),
            AskError::Timeout(t) => no_answer(ADDRESS, port, t),
        })?;
    parse_srvr(&text)
}

/// The `Mode:` of a `srvr` answer, or the line that says why there is none
/// ("This ZooKeeper instance is not currently serving requests").
pub fn parse_srvr(text: &str) -> Answer<String> {
    match text.lines().find_map(|l| l.strip_prefix("Mode:")) {
        Some(mode) => Ok(mode.trim().to_string()),
        None if text.trim().is_empty() => Err("srvr: empty answer".into()),
        None => Err(short(text)),
    }
}

/// sshd answers a tunnel to a closed port with ConnectFailed: say it plainly.
fn tunnel_error(msg: &str, address: &str, port: u16) -> String {
    if msg.contains("ConnectFailed") {
        format!("nothing listens on {address}:{port}")
    } else {
        format!("{address}:{port} {}", short(msg))
    }
}

fn no_answer(address: &str, port: u16, after: Duration) -> String {
    format!("{address}:{port} no answer within {}s", after.as_secs())
}

#[cfg(test)]
mod tests {
    use super::tunnel_error;

    #[test]
    fn a_refused_tunnel_says_nothing_listens() {
        assert_eq!(
            tunnel_error("channel open failed: ConnectFailed", "m1", 8088),
            "nothing listens on m1:8088"
        );
        assert_eq!(
            tunnel_error("connection lost: eof\nmore", "m1", 8088),
            "m1:8088 connection lost: eof"
        );
    }
}
