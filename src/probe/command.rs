//! A command's exit status and, optionally, a regex on its stdout.
use regex::Regex;
use tokio_util::sync::CancellationToken;

use super::{Reading, short, strip_host};
use crate::transport::{Connection, ExecRequest, Sudo};

pub async fn check(
    conn: &Connection,
    run: &str,
    sudo: Option<&Sudo>,
    secrets: &[(String, String)],
    exit: i32,
    stdout: Option<&Regex>,
) -> Reading {
    let req = ExecRequest {
        command: run.to_string(),
        stdin: None,
        secrets: secrets.to_vec(),
        timeout: Some(super::ATTEMPT_TIMEOUT),
        record: None,
    };
    let out = match conn.exec_as(&req, sudo, &CancellationToken::new()).await {
        Ok(o) => o,
        Err(e) => return Reading::fail(short(&strip_host(&e.to_string(), conn.host()))),
    };
    let text = out.stdout_str();
    let code = out.exit_status.map(|c| c as i32);
    if code != Some(exit) {
        let seen = if text.trim().is_empty() {
            out.stderr_tail(1)
        } else {
            short(&text)
        };
        return Reading::fail(format!(
            "exit {}: {}",
            code.map_or("signal".to_string(), |c| c.to_string()),
            short(&seen)
        ));
    }
    match stdout {
        Some(re) => match re.find(&text) {
            Some(m) => Reading {
                pass: true,
                value: short(m.as_str()),
            },
            None => Reading::fail(if text.trim().is_empty() {
                "empty output".to_string()
            } else {
                short(&text)
            }),
        },
        None => Reading {
            pass: true,
            value: if text.trim().is_empty() {
                format!("exit {exit}")
            } else {
                short(&text)
            },
        },
    }
}
