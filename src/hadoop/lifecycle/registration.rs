//! Gates that name the workers they wait for, rather than count them: the
//! masters also see workers out of service (a DataNode stopped after its
//! decommission stays "live" for 10.5 minutes, one in maintenance stays
//! registered), so "the count equals the hosts in service" would be false
//! exactly when the lifecycle matters. Each script takes the master, its
//! web port and the workers (one space-separated word) as arguments, so a
//! template can hand it the hosts still in the run; it prints one line per
//! worker and exits 0 once each is there. bash's /dev/tcp speaks HTTP (no
//! client can be assumed on a host); a standby master answers with a
//! redirect, so only the active or leading one passes.

use serde_json::{Value, json};

use crate::hadoop::settings::Settings;
use crate::shell::quote as q;

/// `hadoop.gates`: `datanodes` (live and In Service on that NameNode),
/// `nodemanagers` (RUNNING on that ResourceManager), `agents` (registered
/// with that Mesos master).
pub fn template(s: &Settings) -> Value {
    json!({
        "datanodes": super::admin_view::script(s, &["In Service"], true),
        "nodemanagers": listed(
            s,
            "/ws/v1/cluster/nodes?states=RUNNING",
            "nodeHostName",
            "RUNNING on the ResourceManager",
        ),
        "agents": listed(s, "/master/slaves", "hostname", "registered with the Mesos master"),
    })
}

/// Each worker's name is a `key` of the JSON at `path`.
fn listed(s: &Settings, path: &str, key: &str, there: &str) -> String {
    let get = super::web_fetch::get_function(s);
    let script = format!(
        r#"{get}m=$1; port=$2
resp=$(get "$m" "$port" '{path}' | tr -d ' \r\n')
[ -n "$resp" ] || {{ echo "no answer from $m:$port"; exit 1; }}
case "$resp" in HTTP/1.?200*) ;; *) echo "$m:$port: $(printf '%s' "$resp" | cut -c1-60)"; exit 1 ;; esac
ok=0
for h in $3; do
  case "$resp" in
    *"\"{key}\":\"$h\""*) echo "$h: {there}" ;;
    *) echo "$h: not yet {there}"; ok=1 ;;
  esac
done
exit $ok"#
    );
    format!("bash -c {} herd", q(&script))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve(body: &'static str, code: &'static str) -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            use std::io::{Read, Write};
            let (mut s, _) = listener.accept().unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            let _ = s.write_all(format!("HTTP/1.1 {code}\r\n\r\n{body}").as_bytes());
        });
        port
    }

    fn run(script: &str, port: u16, hosts: &str) -> (i32, String) {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{script} 127.0.0.1 {port} {}", q(hosts)))
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    #[test]
    fn each_worker_named_must_be_listed_and_a_redirect_fails() {
        let t = template(&super::super::admin_view::tests::plain());
        let nms = t["nodemanagers"].as_str().unwrap();
        let body = r#"{"nodes": {"node": [{"nodeHostName": "worker1", "state": "RUNNING"}, {"nodeHostName": "worker2"}]}}"#;
        assert_eq!(run(nms, serve(body, "200 OK"), "worker1 worker2").0, 0);
        let (code, out) = run(nms, serve(body, "200 OK"), "worker1 worker3");
        assert_eq!(code, 1);
        assert!(out.contains("worker3: not yet RUNNING"), "{out}");
        let (code, _) = run(nms, serve("", "307 Temporary Redirect"), "worker1");
        assert_eq!(code, 1, "a standby's redirect is no answer");
        let agents = t["agents"].as_str().unwrap();
        let body =
            r#"{"slaves":[{"id":"a","hostname":"worker1","active":true}],"recovered_slaves":[]}"#;
        assert_eq!(run(agents, serve(body, "200 OK"), "worker1").0, 0);
        assert_eq!(run(agents, serve(body, "200 OK"), "worker11").0, 1);
    }
}
