//! Is anything listening? Opened from the host itself.
use super::{Reading, short, strip_host};
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
