//! HTTP GET through the SSH connection: status, then a JSON pointer or a body regex.
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::rt::TokioIo;
use regex::Regex;

use super::{Limits, Reading, short, strip_host};
use crate::model::JsonCheck;
use crate::shell::quote;
use crate::transport::{Connection, ExecRequest};
use tokio_util::sync::CancellationToken;

/// A gate's GET: responses bigger than this are not health endpoints, and
/// [`super::check_once`] bounds the attempt.
const GATE_LIMITS: Limits = Limits {
    max_bytes: 4 * 1024 * 1024,
    timeout: None,
};

/// A response as read: its status code and its body as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub code: u16,
    pub text: String,
}

/// Why a GET has no response; each caller words it for its readers.
#[derive(Debug)]
pub enum GetError {
    /// No tunnel to the address: the transport's message, host name dropped.
    Connect(String),
    Handshake(hyper::Error),
    BadPath(hyper::http::Error),
    Send(hyper::Error),
    Body(Box<dyn std::error::Error + Send + Sync>),
    /// No response within [`Limits::timeout`].
    Timeout(Duration),
}

/// GET `path` from `address:port` as seen from the host, through its SSH
/// connection, reading at most `limits.max_bytes` of the body.
pub async fn get(
    conn: &Connection,
    address: &str,
    port: u16,
    path: &str,
    limits: Limits,
) -> Result<Response, GetError> {
    if let Some(client) = conn.web_client() {
        let client = client.to_string();
        return limits
            .bound(
                via_client(conn, &client, address, port, path, limits),
                GetError::Timeout,
            )
            .await;
    }
    let attempt = async {
        let stream = conn
            .open_tcp(address, port)
            .await
            .map_err(|e| GetError::Connect(strip_host(&e.to_string(), conn.host())))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(GetError::Handshake)?;
        let driver = tokio::spawn(async move {
            let _ = connection.await;
        });
        let result = async {
            let request = hyper::Request::get(path)
                .header(hyper::header::HOST, format!("{address}:{port}"))
                .header(hyper::header::CONNECTION, "close")
                .body(Empty::<Bytes>::new())
                .map_err(GetError::BadPath)?;
            let resp = sender.send_request(request).await.map_err(GetError::Send)?;
            let code = resp.status().as_u16();
            let bytes = Limited::new(resp.into_body(), limits.max_bytes)
                .collect()
                .await
                .map_err(GetError::Body)?
                .to_bytes();
            Ok(Response {
                code,
                text: String::from_utf8_lossy(&bytes).into_owned(),
            })
        }
        .await;
        driver.abort();
        result
    };
    limits.bound(attempt, GetError::Timeout).await
}

/// The GET made by the host's own client program (see
/// `SshTarget::web_client`): its output is the body, then the status code
/// on a line of its own.
async fn via_client(
    conn: &Connection,
    client: &str,
    address: &str,
    port: u16,
    path: &str,
    limits: Limits,
) -> Result<Response, GetError> {
    let req = ExecRequest {
        command: format!("{client} {} {port} {}", quote(address), quote(path)),
        stdin: None,
        timeout: Some(limits.timeout.unwrap_or(CLIENT_TIMEOUT)),
        record: None,
        secrets: Vec::new(),
    };
    let out = conn
        .exec(&req, &CancellationToken::new())
        .await
        .map_err(|e| GetError::Connect(strip_host(&e.to_string(), conn.host())))?;
    parse_client_output(&out.stdout, limits.max_bytes)
}

/// The client program's own bound on one GET is 8 s; this is the outer one.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// `BODY\nCODE\n` as the client prints it; code 000 means no response,
/// and the body then says why.
pub(crate) fn parse_client_output(stdout: &[u8], max_bytes: usize) -> Result<Response, GetError> {
    let text = String::from_utf8_lossy(stdout);
    let trimmed = text.strip_suffix('\n').unwrap_or(&text);
    let (body, code) = trimmed.rsplit_once('\n').unwrap_or(("", trimmed));
    let code: u16 = code.trim().parse().unwrap_or(0);
    if code == 0 {
        return Err(GetError::Connect(short(body.trim()).to_string()));
    }
    if body.len() > max_bytes {
        return Err(GetError::Body(
            format!("more than {max_bytes} bytes").into(),
        ));
    }
    Ok(Response {
        code,
        text: body.to_string(),
    })
}

pub async fn check(
    conn: &Connection,
    address: &str,
    port: u16,
    path: &str,
    status: u16,
    json: Option<&JsonCheck>,
    body: Option<&Regex>,
) -> Reading {
    match get(conn, address, port, path, GATE_LIMITS).await {
        Ok(resp) => judge(resp.code, status, &resp.text, json, body),
        Err(GetError::Connect(m)) => Reading::fail(format!("{address}:{port} {}", short(&m))),
        Err(GetError::Handshake(e)) => Reading::fail(format!("http handshake: {e}")),
        Err(GetError::BadPath(e)) => Reading::fail(format!("bad request path {path}: {e}")),
        Err(GetError::Send(e)) => Reading::fail(format!("GET {path}: {e}")),
        Err(GetError::Body(e)) => Reading::fail(format!("GET {path}: reading body: {e}")),
        Err(GetError::Timeout(t)) => Reading::fail(format!("no answer within {}s", t.as_secs())),
    }
}

/// The verdict on one response; separate from I/O so it can be tested.
pub fn judge(
    code: u16,
    want: u16,
    text: &str,
    json: Option<&JsonCheck>,
    body: Option<&Regex>,
) -> Reading {
    if code != want {
        return Reading::fail(format!("HTTP {code}: {}", short(text)));
    }
    if let Some(check) = json {
        let doc: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                return Reading::fail(format!("HTTP {code}, not JSON ({e}): {}", short(text)));
            }
        };
        let Some(found) = doc.pointer(&check.pointer) else {
            return Reading::fail(format!("{} absent", check.pointer));
        };
        let shown = match found {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let Some(eq) = &check.equals
            && !json_equal(found, eq)
        {
            return Reading::fail(format!("{}={shown}", check.pointer));
        }
        if let Some(re) = &check.matches
            && !re.is_match(&shown)
        {
            return Reading::fail(format!("{}={shown}", check.pointer));
        }
        return Reading {
            pass: true,
            value: shown,
        };
    }
    if let Some(re) = body {
        return match re.find(text) {
            Some(m) => Reading {
                pass: true,
                value: short(m.as_str()),
            },
            None => Reading::fail(format!("HTTP {code}: {}", short(text))),
        };
    }
    Reading {
        pass: true,
        value: format!("HTTP {code}"),
    }
}

/// JSON equality where `3` written in YAML also matches `"3"` and `3.0`:
/// inventories are hand-written and Hadoop mixes numbers and strings.
fn json_equal(found: &serde_json::Value, want: &serde_json::Value) -> bool {
    use serde_json::Value;
    if found == want {
        return true;
    }
    let as_text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match (found.as_f64(), want.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => as_text(found) == as_text(want),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jc(pointer: &str, equals: serde_json::Value) -> JsonCheck {
        JsonCheck {
            pointer: pointer.into(),
            equals: Some(equals),
            matches: None,
        }
    }

    #[test]
    fn empty_beans_is_not_ready() {
        // A NameNode registers NameNodeStatus only after loading its image.
        let r = judge(
            200,
            200,
            r#"{"beans" : [ ]}"#,
            Some(&jc("/beans/0/State", "active".into())),
            None,
        );
        assert!(!r.pass);
        assert_eq!(r.value, "/beans/0/State absent");
    }

    #[test]
    fn pointer_equals_and_shows_value() {
        let body = r#"{"beans":[{"State":"standby"}]}"#;
        let r = judge(
            200,
            200,
            body,
            Some(&jc("/beans/0/State", "active".into())),
            None,
        );
        assert!(!r.pass);
        assert_eq!(r.value, "/beans/0/State=standby");
        let r = judge(
            200,
            200,
            body,
            Some(&jc("/beans/0/State", "standby".into())),
            None,
        );
        assert!(r.pass);
        assert_eq!(r.value, "standby");
    }

    #[test]
    fn numbers_match_across_types() {
        let r = judge(200, 200, r#"{"n":3}"#, Some(&jc("/n", "3".into())), None);
        assert!(r.pass);
    }

    #[test]
    fn wrong_status_fails_with_code() {
        let r = judge(405, 200, "I am not Active!", None, None);
        assert!(!r.pass);
        assert_eq!(r.value, "HTTP 405: I am not Active!");
    }

    #[test]
    fn body_regex() {
        let re = Regex::new("I am Active").unwrap();
        assert!(judge(200, 200, "I am Active!", None, Some(&re)).pass);
        assert!(!judge(200, 200, "nope", None, Some(&re)).pass);
    }
}
