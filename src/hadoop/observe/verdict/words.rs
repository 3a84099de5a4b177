//! How every family's verdict names a host or member, telling an unreachable
//! host and a daemon that is down from one that does not answer.

use crate::hadoop::observe::readings::{Answer, Readings};

/// Why `host` could not be read, if it could not.
pub(super) fn unreachable(r: &Readings, host: &str) -> Option<String> {
    match r.hosts.get(host) {
        Some(Ok(_)) => None,
        Some(Err(e)) => Some(e.clone()),
        None => Some("not read".into()),
    }
}

/// The HA lines name a daemon "down" when its pid file says so, rather
/// than repeating the refused connection.
pub(super) fn down(r: &Readings, host: &str, role: &str) -> bool {
    r.runs(host, role) == Some(false)
}

/// `nn1 (master1)`: a member of an HA pair by id and host.
pub(super) fn who(id: &str, host: &str) -> String {
    format!("{id} ({host})")
}

/// The value answered, or why there is none.
pub(super) fn answer_word<T: std::fmt::Display>(a: &Answer<T>) -> String {
    match a {
        Ok(v) => v.to_string(),
        Err(e) => e.clone(),
    }
}

/// `8020,9870`.
pub(in crate::hadoop::observe) fn join_ports(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",")
}
