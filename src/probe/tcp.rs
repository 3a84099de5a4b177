//! Is anything listening? Opened from the host itself.
use super::{Reading, short};
use crate::transport::Connection;

pub async fn check(conn: &Connection, address: &str, port: u16) -> Reading {
    match conn.open_tcp(address, port).await {
        Ok(stream) => {
            drop(stream);
            Reading {
                pass: true,
                value: format!("{address}:{port} open"),
            }
        }
        Err(e) => Reading::fail(format!(
            "{address}:{port} {}",
            short(&strip_host(&e.to_string(), conn.host()))
        )),
    }
}

/// Transport errors start with the host name; readings are already per host.
pub(crate) fn strip_host(msg: &str, host: &str) -> String {
    msg.strip_prefix(&format!("{host}: "))
        .unwrap_or(msg)
        .to_string()
}
