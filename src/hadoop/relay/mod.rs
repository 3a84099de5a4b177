//! The host-to-host relay (`vars.dist_relay`): the controller uploads each
//! local tarball to one host, and the hosts pass it on among themselves over
//! HTTP, each copy checked against the tarball's sha512 before it is kept,
//! with nothing but the JDK every Hadoop host has (see `Relay.java`) and no
//! SSH keys between hosts. The controller's uplink then carries one copy of
//! each tarball, whatever the size of the fleet.
//!
//! The bring-up runs it in its `dist-relay-0` .. `dist-relay-8` stages (one
//! per tree level, see [`tree`]), each only on the hosts it has work for.

pub mod tree;

use std::io::Read;
use std::path::Path;

use serde_json::{Value, json};

use super::Topology;
use crate::model::Inventory;
use crate::shell::quote as q;

/// The roles of the hosts each tarball goes to: the hosts of the
/// bring-up's `<component>-dist` stages (a test holds the two together).
pub const RECEIVERS: &[(&str, &[&str])] = &[
    ("hadoop", super::HADOOP_CLIENT_ROLES),
    ("zookeeper", &["zookeeper"]),
    ("mesos", &["mesos-master", "mesos-agent"]),
    ("spark", &["spark-history"]),
];

/// Seconds a relay server waits for a request before it ends itself: a
/// bring-up interrupted before its stop stage leaves nothing listening.
const IDLE_SECONDS: u32 = 300;

/// The relay's JVMs move bytes only: a small heap, no optimising compiler.
const JAVA_OPTS: &str = "-Xmx64m -XX:TieredStopAtLevel=1";

const PROGRAM: &str = include_str!("Relay.java");

/// The `hadoop.relay` template object, and `upload.<component>.<host>`:
/// whether the controller uploads that tarball to that host (everywhere
/// without the relay; only to the seeds with it). `in_run` says which hosts
/// the bring-up runs on: a worker left out is no one's parent.
pub fn template(
    inv: &Inventory,
    topo: &Topology,
    in_run: &dyn Fn(&str) -> bool,
) -> Result<Value, String> {
    let s = &topo.settings;
    let mut steps: Vec<Vec<String>> = vec![vec![String::new(); tree::LEVELS + 1]; inv.hosts.len()];
    // The earliest level a host holds a copy it feeds others from: it
    // starts serving in that level's step.
    let mut serves_from: Vec<Option<usize>> = vec![None; inv.hosts.len()];
    let mut upload = serde_json::Map::new();
    let dist = format!("{}/dist", s.install_dir);
    for (key, roles) in RECEIVERS {
        let tarball = s
            .tarballs()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, t)| t);
        let receivers: Vec<usize> = (0..inv.hosts.len())
            .filter(|&i| {
                let h = &inv.hosts[i];
                in_run(&h.name) && h.roles.iter().any(|r| roles.contains(&r.as_str()))
            })
            .collect();
        let relayed = match (s.dist_relay, tarball) {
            (Some(port), Some(t)) if t.mirror.is_none() && !receivers.is_empty() => Some((port, t)),
            _ => None,
        };
        let mut to = serde_json::Map::new();
        for (i, h) in inv.hosts.iter().enumerate() {
            let seed = receivers.first() == Some(&i);
            to.insert(h.name.clone(), json!(relayed.is_none() || seed));
        }
        upload.insert(key.to_string(), Value::Object(to));
        let Some((port, t)) = relayed else { continue };
        let sha512 = sha512_of(&t.path)
            .map_err(|e| format!("vars.dist.{key}: cannot read {}: {e}", t.path.display()))?;
        let racks: Vec<Option<&str>> = receivers
            .iter()
            .map(|&i| topo.racks.get(&inv.hosts[i].name).map(String::as_str))
            .collect();
        let places = tree::build(&racks);
        for (at, place) in places.iter().enumerate() {
            let host = receivers[at];
            if place.ancestors.is_empty() {
                continue;
            }
            let urls: Vec<String> = place
                .ancestors
                .iter()
                .map(|&a| {
                    q(&format!(
                        "http://{}:{port}/{}",
                        inv.hosts[receivers[a]].name,
                        t.file_name()
                    ))
                })
                .collect();
            steps[host][place.level].push_str(&format!(
                "\"$java\" {JAVA_OPTS} \"$relay/Relay.java\" fetch {} {} {}\n",
                q(&format!("{dist}/{}", t.file_name())),
                q(&sha512),
                urls.join(" ")
            ));
        }
        for (at, place) in places.iter().enumerate() {
            let feeds = places.iter().any(|p| p.ancestors.first() == Some(&at));
            let host = receivers[at];
            if feeds {
                serves_from[host] =
                    Some(serves_from[host].map_or(place.level, |l| l.min(place.level)));
            }
        }
    }
    for (host, level) in serves_from.iter().enumerate() {
        if let Some(l) = level {
            let port = s.dist_relay.expect("only relayed tarballs have feeders");
            steps[host][*l].push_str(&serve(&dist, port));
        }
    }
    let mut by_host = serde_json::Map::new();
    let mut stop = serde_json::Map::new();
    for (i, h) in inv.hosts.iter().enumerate() {
        by_host.insert(h.name.clone(), json!(steps[i]));
        stop.insert(
            h.name.clone(),
            json!(if serves_from[i].is_some() {
                stop_server(&dist)
            } else {
                String::new()
            }),
        );
    }
    Ok(json!({
        "program": program(&s.java_home, &dist),
        "steps": by_host,
        "stop": stop,
        "upload": upload,
    }))
}

/// Shell that writes the relay program where the steps run it from.
fn program(java_home: &str, dist: &str) -> String {
    format!(
        "set -e\njava={}/bin/java\nrelay={}/.herd-relay\nmkdir -p \"$relay\"\ncat > \"$relay/Relay.java\" <<'HERD_RELAY_JAVA'\n{PROGRAM}HERD_RELAY_JAVA\n",
        q(java_home),
        q(dist)
    )
}

/// Shell that leaves a relay server running (as `nobody`, in a session of
/// its own so the stage's end does not take it down), or says why not.
fn serve(dist: &str, port: u16) -> String {
    format!(
        "pidf=\"$relay/serve.pid\"\n\
         if [ -f \"$pidf\" ] && grep -q Relay.java \"/proc/$(cat \"$pidf\")/cmdline\" 2>/dev/null; then\n  \
           echo \"relay server already serving on port {port}\"\n\
         else\n  \
           : > \"$relay/serve.log\"\n  \
           setsid runuser -u nobody -- \"$java\" {JAVA_OPTS} \"$relay/Relay.java\" serve {dir} {port} {IDLE_SECONDS} >> \"$relay/serve.log\" 2>&1 < /dev/null &\n  \
           echo $! > \"$pidf\"\n  \
           n=0\n  \
           until grep -q '^serving ' \"$relay/serve.log\"; do\n    \
             if ! kill -0 \"$(cat \"$pidf\")\" 2>/dev/null || [ $n -ge 300 ]; then\n      \
               echo \"the relay server did not start on port {port}: $(cat \"$relay/serve.log\")\" >&2; exit 1\n    \
             fi\n    \
             n=$((n + 1)); sleep 0.1\n  \
           done\n  \
           echo \"relay server serving on port {port}\"\n\
         fi\n",
        dir = q(dist),
    )
}

/// Shell that ends the relay server this host runs, if any.
fn stop_server(dist: &str) -> String {
    format!(
        "pidf={}/.herd-relay/serve.pid\n\
         if [ -f \"$pidf\" ]; then\n  \
           pid=$(cat \"$pidf\")\n  \
           if grep -q Relay.java \"/proc/$pid/cmdline\" 2>/dev/null; then\n    \
             kill -TERM -- \"-$pid\" 2>/dev/null || kill -TERM \"$pid\"\n    \
             echo \"relay server stopped\"\n  \
           fi\n  \
           rm -f \"$pidf\"\n\
         fi\n",
        q(dist)
    )
}

fn sha512_of(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha512};
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha512::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HostSelector, Playbook, SelectorItem};
    use std::path::PathBuf;

    /// The sandbox inventory with one local tarball, Hadoop's, in `dir`.
    fn sandbox(
        relay: Option<u16>,
        in_run: &dyn Fn(&str) -> bool,
    ) -> (Inventory, Value, PathBuf, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let tarball = dir.path().join("hadoop-3.5.0.tar.gz");
        std::fs::write(&tarball, b"tarball bytes").unwrap();
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox/inventory.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let inv = Inventory::parse(&text, &path).unwrap();
        let mut topo = crate::hadoop::validate(&inv).unwrap();
        topo.settings.dist_relay = relay;
        topo.settings.dist = Default::default();
        topo.settings.dist.hadoop = Some(crate::hadoop::settings::Tarball {
            path: tarball.clone(),
            dir_name: "hadoop-3.5.0".into(),
            mirror: None,
        });
        let v = template(&inv, &topo, in_run).unwrap();
        (inv, v, tarball, dir)
    }

    fn steps(v: &Value, host: &str) -> Vec<String> {
        v["steps"][host]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn the_controller_uploads_to_one_host_and_each_other_fetches_from_its_ancestors() {
        let (inv, v, file, _dir) = sandbox(Some(8931), &|_| true);
        let uploads: Vec<&str> = inv
            .hosts
            .iter()
            .filter(|h| v["upload"]["hadoop"][&h.name] == json!(true))
            .map(|h| h.name.as_str())
            .collect();
        assert_eq!(uploads, vec!["master1"]);
        // Not relayed (no tarball in vars.dist): uploaded as always.
        assert_eq!(v["upload"]["spark"]["master3"], json!(true));

        let sha = sha512_of(&file).unwrap();
        assert!(
            steps(&v, "master1")[0].contains("serve /opt/dist 8931 300"),
            "{:?}",
            steps(&v, "master1")
        );
        // master2 is rack2's first host: fed across racks at level 1;
        // worker3, also rack2, from master2 inside its rack.
        let m2 = &steps(&v, "master2")[1];
        assert!(
            m2.contains(&format!("fetch /opt/dist/hadoop-3.5.0.tar.gz {sha} http://master1:8931/hadoop-3.5.0.tar.gz\n")),
            "{m2}"
        );
        let w3 = steps(&v, "worker3");
        let at = w3.iter().position(|s| !s.is_empty()).unwrap();
        assert!(
            w3[at].contains(
                "http://master2:8931/hadoop-3.5.0.tar.gz http://master1:8931/hadoop-3.5.0.tar.gz"
            ),
            "{w3:?}"
        );
        // A leaf serves nobody, so it neither starts a server nor stops one.
        let leaves: Vec<&str> = inv
            .hosts
            .iter()
            .filter(|h| v["stop"][&h.name] == json!(""))
            .map(|h| h.name.as_str())
            .collect();
        for leaf in &leaves {
            assert!(
                steps(&v, leaf).iter().all(|s| !s.contains("serve ")),
                "{leaf}"
            );
        }
        assert!(
            leaves.contains(&"worker3") && !leaves.contains(&"master1"),
            "{leaves:?}"
        );
        assert!(
            v["program"]
                .as_str()
                .unwrap()
                .contains("public class Relay")
        );
    }

    #[test]
    fn without_the_relay_every_host_gets_the_upload_and_no_step() {
        let (inv, v, _, _dir) = sandbox(None, &|_| true);
        for h in &inv.hosts {
            assert_eq!(v["upload"]["hadoop"][&h.name], json!(true));
            assert!(steps(&v, &h.name).iter().all(String::is_empty));
            assert_eq!(v["stop"][&h.name], json!(""));
        }
    }

    #[test]
    fn a_worker_left_out_feeds_no_one() {
        let (inv, v, _, _dir) = sandbox(Some(8931), &|h| h != "worker1");
        assert!(steps(&v, "worker1").iter().all(String::is_empty));
        for h in &inv.hosts {
            for s in steps(&v, &h.name) {
                assert!(!s.contains("http://worker1:"), "{s}");
            }
        }
    }

    /// The relay's tree covers exactly the hosts the bring-up's upload
    /// stages name, or some host would unpack a tarball it never got.
    #[test]
    fn receivers_are_the_hosts_of_each_dist_stage() {
        let pb =
            Playbook::parse(crate::playbooks::bundled("hadoop-ha").unwrap(), "hadoop-ha").unwrap();
        for (key, roles) in RECEIVERS {
            let stage = pb
                .stages
                .iter()
                .find(|s| s.name == format!("{key}-dist"))
                .unwrap();
            let HostSelector::Items(items) = &stage.hosts else {
                panic!("{key}-dist runs on all hosts")
            };
            let mut named: Vec<&str> = items
                .iter()
                .map(|i| match i {
                    SelectorItem::Role(r) => r.as_str(),
                    other => panic!("{key}-dist names {other:?}"),
                })
                .collect();
            let mut roles = roles.to_vec();
            roles.sort();
            named.sort();
            assert_eq!(named, roles, "{key}");
        }
    }

    /// The program itself, with this machine's JDK: a fetch that falls back
    /// past a dead parent, keeps a verified copy, and refuses other bytes.
    #[test]
    fn the_program_fetches_verified_copies_and_goes_up_past_a_dead_parent() {
        use std::process::{Command, Stdio};
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("Relay.java");
        std::fs::write(&src, PROGRAM).unwrap();
        let served = dir.path().join("served");
        let got = dir.path().join("got");
        std::fs::create_dir_all(&served).unwrap();
        std::fs::create_dir_all(&got).unwrap();
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(served.join("h-1.tar.gz"), &bytes).unwrap();
        std::fs::write(served.join("other-1.tar.gz"), b"not the tarball").unwrap();
        let free = || {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        };
        let (port, dead) = (free(), free());
        /// Stops the server however the test ends.
        struct Stop(std::process::Child);
        impl Drop for Stop {
            fn drop(&mut self) {
                let _ = self.0.kill();
                let _ = self.0.wait();
            }
        }
        let mut server = Command::new("java")
            .arg(&src)
            // Idle long enough for every fetch's JVM to start on a loaded
            // machine; the test stops it itself.
            .args(["serve", served.to_str().unwrap(), &port.to_string(), "900"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("java (a JDK 11 or later) on PATH");
        let stdout = server.stdout.take().unwrap();
        let _stop = Stop(server);
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
        assert!(line.starts_with("serving "), "{line}");
        let fetch = |file: &str, urls: &[String]| {
            let out = Command::new("java")
                .arg(&src)
                .args([
                    "fetch",
                    got.join(file).to_str().unwrap(),
                    &sha512_of(&served.join("h-1.tar.gz")).unwrap(),
                ])
                .args(urls)
                .output()
                .unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        let url = |p: u16, f: &str| format!("http://127.0.0.1:{p}/{f}");

        let (rc, out, err) = fetch(
            "h-1.tar.gz",
            &[url(dead, "h-1.tar.gz"), url(port, "h-1.tar.gz")],
        );
        assert_eq!(rc, Some(0), "{out}{err}");
        assert!(
            err.contains(&format!(
                "fetch 1 from {}: java.net.ConnectException",
                url(dead, "h-1.tar.gz")
            )),
            "{err}"
        );
        assert!(out.contains("(3000000 bytes, sha512 verified)"), "{out}");
        assert_eq!(std::fs::read(got.join("h-1.tar.gz")).unwrap(), bytes);

        let (rc, out, _) = fetch("h-1.tar.gz", &[url(dead, "h-1.tar.gz")]);
        assert_eq!(rc, Some(0));
        assert!(out.starts_with("kept "), "{out}");

        // Other bytes: fetched twice, never kept, and the error says what came.
        let (rc, _, err) = fetch("x-1.tar.gz", &[url(port, "other-1.tar.gz")]);
        assert_eq!(rc, Some(1), "{err}");
        assert!(
            err.contains("fetch 2 from") && err.contains("received 15 bytes with sha512"),
            "{err}"
        );
        assert!(err.contains("not keeping any copy"), "{err}");
        assert_eq!(
            std::fs::read_dir(&got).unwrap().count(),
            1,
            "only the verified copy is left"
        );
        let (rc, _, err) = fetch("x-1.tar.gz", &[url(port, "..%2Fgot%2Fh-1.tar.gz")]);
        assert_eq!(rc, Some(1));
        assert!(err.contains("HTTP 404"), "{err}");
    }
}
