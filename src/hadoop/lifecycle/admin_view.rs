//! A command that asks a NameNode how it sees some DataNodes, prints one
//! line per host (admin state, blocks still to copy) and succeeds once
//! every one of them is in a wanted state: the gate of the lifecycle
//! commands, whose output is the progress the operator watches.
//!
//! The answer is `NameNodeInfo`, whose node lists are JSON strings inside
//! the JMX JSON (spec 11.4). No JSON tool can be assumed on a host, but
//! bash can be (Hadoop's own scripts need it): bash's /dev/tcp fetches the
//! bean, and with the escaping removed each node's object is flat, so grep
//! finds it.

use crate::hadoop::settings::Settings;
use crate::shell::quote as q;

/// The script's verdict on `hosts` as `namenode`:`port` sees them; it exits
/// 0 when each is live (when `live`) and its admin state is one of `wanted`
/// (JMX wording: `Decommissioned`, `In Maintenance`, `In Service`, ...).
pub fn command(
    s: &Settings,
    namenode: &str,
    port: u16,
    hosts: &[String],
    wanted: &[&str],
    live: bool,
) -> String {
    format!(
        "{} {} {} {}",
        script(s, wanted, live),
        q(namenode),
        port,
        q(&hosts.join(" "))
    )
}

/// The same as a command taking the NameNode, its web port and the hosts
/// (one word, space-separated) as its three arguments, for templates that
/// know them only at gate time.
pub fn script(s: &Settings, wanted: &[&str], live: bool) -> String {
    let wanted: Vec<String> = wanted.iter().map(|w| q(w)).collect();
    let wanted = wanted.join("|");
    let script = format!(
        r#"{get}nn=$1; port=$2
body=$(get "$nn" "$port" '/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo' | tr -d '\\')
[ -n "$body" ] || {{ echo "no answer from $nn:$port"; exit 1; }}
live=$(printf '%s\n' "$body" | grep '"LiveNodes"')
dead=$(printf '%s\n' "$body" | grep '"DeadNodes"')
leaving=$(printf '%s\n' "$body" | grep -E '"(DecomNodes|EnteringMaintenanceNodes)"')
ok=0
for h in $3; do
  node=$(printf '%s\n' "$live" | grep -o "\"$h:[0-9]*\":{{[^}}]*}}" | head -1)
  where=live
  if [ -z "$node" ]; then
    node=$(printf '%s\n' "$dead" | grep -o "\"$h:[0-9]*\":{{[^}}]*}}" | head -1)
    where=dead
  fi
  if [ -z "$node" ]; then
    echo "$h: not registered"
    ok=1
    continue
  fi
  state=$(printf '%s\n' "$node" | grep -o '"adminState":"[^"]*"' | cut -d'"' -f4)
  if [ -z "$state" ]; then
    case "$node" in *'"decommissioned":true'*) state=Decommissioned ;; *) state='In Service' ;; esac
  fi
  left=$(printf '%s\n' "$leaving" | grep -o "\"$h:[0-9]*\":{{[^}}]*}}" | grep -o '"underReplicatedBlocks":[0-9]*' | head -1 | cut -d: -f2)
  line="$h: $state ($where)"
  [ -n "$left" ] && line="$line, $left blocks still to copy elsewhere"
  echo "$line"
  case "$state" in
    {wanted}) ;;
    *) ok=1 ;;
  esac
  {live_check}
done
exit $ok"#,
        get = super::web_fetch::get_function(s),
        live_check = if live {
            r#"[ "$where" = live ] || ok=1"#
        } else {
            ""
        },
    );
    format!("bash -c {} herd", q(&script))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The settings of a plain (not secure) cluster.
    pub(in crate::hadoop::lifecycle) fn plain() -> Settings {
        let inv = crate::model::Inventory::parse(
            "hosts:\n  - { name: m1, roles: [namenode] }\n",
            std::path::Path::new("/tmp/i.yaml"),
        )
        .unwrap();
        crate::hadoop::topology::layout(&inv).0.settings
    }

    /// The script against a canned NameNodeInfo answer, served by a
    /// one-shot listener on loopback.
    fn run(body: &str, hosts: &[&str], wanted: &[&str], live: bool) -> (i32, String) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let response = format!("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{body}");
        let server = std::thread::spawn(move || {
            use std::io::{Read, Write};
            let (mut s, _) = listener.accept().unwrap();
            // The whole request first, as an HTTP server does: closing
            // earlier would break the client's pipe mid-write.
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            s.write_all(response.as_bytes()).unwrap();
        });
        let hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
        let cmd = command(&plain(), "127.0.0.1", port, &hosts, wanted, live);
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .output()
            .unwrap();
        server.join().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    fn bean(live: serde_json::Value, dead: serde_json::Value, decom: serde_json::Value) -> String {
        // Pretty-printed the way the NameNode's JMX servlet prints it.
        serde_json::to_string_pretty(&serde_json::json!({"beans": [{
            "name": "Hadoop:service=NameNode,name=NameNodeInfo",
            "LiveNodes": live.to_string(),
            "DeadNodes": dead.to_string(),
            "DecomNodes": decom.to_string(),
            "EnteringMaintenanceNodes": "{}",
        }]}))
        .unwrap()
    }

    #[test]
    fn progress_is_printed_and_the_gate_waits_until_every_host_is_there() {
        let body = bean(
            serde_json::json!({
                "worker1:9866": {"infoAddr": "172.30.0.21:9864", "adminState": "Decommission In Progress", "numBlocks": 9},
                "worker2:9866": {"infoAddr": "172.30.0.22:9864", "adminState": "Decommissioned", "numBlocks": 4}
            }),
            serde_json::json!({}),
            serde_json::json!({"worker1:9866": {"xferaddr": "172.30.0.21:9866", "underReplicatedBlocks": 7}}),
        );
        let (code, out) = run(&body, &["worker1", "worker2"], &["Decommissioned"], false);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains(
                "worker1: Decommission In Progress (live), 7 blocks still to copy elsewhere"
            ),
            "{out}"
        );
        assert!(out.contains("worker2: Decommissioned (live)"), "{out}");
        let (code, out) = run(&body, &["worker2"], &["Decommissioned"], false);
        assert_eq!(code, 0, "{out}");
    }

    #[test]
    fn dead_and_unknown_hosts_are_said_and_live_is_required_when_asked() {
        let body = bean(
            serde_json::json!({"worker2:9866": {"adminState": "In Service"}}),
            serde_json::json!({"worker1:9866": {"decommissioned": true, "lastContact": 800}}),
            serde_json::json!({}),
        );
        let (code, out) = run(&body, &["worker1"], &["Decommissioned"], false);
        assert_eq!((code, out.trim()), (0, "worker1: Decommissioned (dead)"));
        let (code, _) = run(&body, &["worker1"], &["Decommissioned"], true);
        assert_eq!(code, 1);
        let (code, out) = run(&body, &["worker9"], &["In Service"], true);
        assert_eq!((code, out.trim()), (1, "worker9: not registered"));
        let (code, out) = run(&body, &["worker2"], &["In Service"], true);
        assert_eq!((code, out.trim()), (0, "worker2: In Service (live)"));
    }
}
