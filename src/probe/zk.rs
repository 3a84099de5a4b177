//! ZooKeeper four-letter words (`srvr`, `mntr`, ...). `ruok` says `imok` even
//! without quorum, so gates should match `srvr`'s `Mode:` line instead.
use regex::Regex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Reading, short, tcp::strip_host};
use crate::transport::Connection;

pub async fn check(
    conn: &Connection,
    address: &str,
    port: u16,
    word: &str,
    matches: Option<&Regex>,
) -> Reading {
    let mut stream = match conn.open_tcp(address, port).await {
        Ok(s) => s,
        Err(e) => {
            return Reading::fail(format!(
                "{address}:{port} {}",
                short(&strip_host(&e.to_string(), conn.host()))
            ));
        }
    };
    if let Err(e) = stream.write_all(word.as_bytes()).await {
        return Reading::fail(format!("write {word}: {e}"));
    }
    let _ = stream.flush().await;
    let mut buf = Vec::new();
    // ZooKeeper closes the connection after answering.
    let _ = (&mut stream).take(256 * 1024).read_to_end(&mut buf).await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    if text.trim().is_empty() {
        return Reading::fail(format!("{word}: empty answer"));
    }
    match matches {
        Some(re) => match re.find(&text) {
            Some(m) => Reading {
                pass: true,
                value: short(m.as_str()),
            },
            // The line that says why (e.g. "not currently serving requests").
            None => Reading::fail(short(&text)),
        },
        None => Reading {
            pass: true,
            value: short(&text),
        },
    }
}
