//! ZooKeeper four-letter words (`srvr`, `mntr`, ...). `ruok` says `imok` even
//! without quorum, so gates should match `srvr`'s `Mode:` line instead.
use std::time::Duration;

use regex::Regex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Limits, Reading, short, strip_host};
use crate::transport::Connection;

/// A gate reads answers up to this size; [`super::check_once`] bounds the
/// attempt.
const GATE_LIMITS: Limits = Limits {
    max_bytes: 256 * 1024,
    timeout: None,
};

/// Why a four-letter word got no answer; each caller words it for its readers.
#[derive(Debug)]
pub enum AskError {
    /// No tunnel to the address: the transport's message, host name dropped.
    Connect(String),
    Write(std::io::Error),
    /// No answer within [`Limits::timeout`].
    Timeout(Duration),
}

/// Send `word` to `address:port` as seen from the host and read the answer
/// (at most `limits.max_bytes`), which may be empty.
pub async fn ask(
    conn: &Connection,
    address: &str,
    port: u16,
    word: &str,
    limits: Limits,
) -> Result<String, AskError> {
    let attempt = async {
        let mut stream = conn
            .open_tcp(address, port)
            .await
            .map_err(|e| AskError::Connect(strip_host(&e.to_string(), conn.host())))?;
        stream
            .write_all(word.as_bytes())
            .await
            .map_err(AskError::Write)?;
        let _ = stream.flush().await;
        let mut buf = Vec::new();
        // ZooKeeper closes the connection after answering.
        let _ = (&mut stream)
            .take(limits.max_bytes as u64)
            .read_to_end(&mut buf)
            .await;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    };
    limits.bound(attempt, AskError::Timeout).await
}

pub async fn check(
    conn: &Connection,
    address: &str,
    port: u16,
    word: &str,
    matches: Option<&Regex>,
) -> Reading {
    let text = match ask(conn, address, port, word, GATE_LIMITS).await {
        Ok(t) => t,
        Err(AskError::Connect(m)) => {
            return Reading::fail(format!("{address}:{port} {}", short(&m)));
        }
        Err(AskError::Write(e)) => return Reading::fail(format!("write {word}: {e}")),
        Err(AskError::Timeout(t)) => {
            return Reading::fail(format!("no answer within {}s", t.as_secs()));
        }
    };
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
