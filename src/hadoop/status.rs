//! The whole cluster's state: what runs where, which NameNode and
//! ResourceManager are active, which ZooKeeper and Mesos master lead, how
//! many workers the masters see, stale configurations, and the verdict.
//!
//! Gathering ([`gather`]) is one exec per host (pid files, listening ports,
//! stale file) plus the HA endpoints, all hosts at once. The verdict
//! ([`assess`]) is a pure function of the [`Readings`], so every way a
//! cluster can be degraded is testable without one.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::ports::{PortUse, host_ports};
use super::services::{self, Service};
use super::{Topology, render};
use crate::model::Inventory;
use crate::transport::{Connection, ExecRequest};

/// No single answer may hold up the table: a hung daemon reads as no answer.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

// ---------------------------------------------------------------- layout

/// What the inventory says should be running, resolved to pid files and ports.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub hosts: Vec<HostLayout>,
    /// (NameNode id, host).
    pub namenodes: Vec<(String, String)>,
    /// (ResourceManager id, host).
    pub resourcemanagers: Vec<(String, String)>,
    /// (myid, host).
    pub zookeepers: Vec<(u32, String)>,
    pub mesos_masters: Vec<String>,
    pub datanodes: usize,
    pub nodemanagers: usize,
    pub agents: usize,
    pub stale_file: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HostLayout {
    pub name: String,
    pub services: Vec<ExpectedService>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedService {
    pub role: &'static str,
    pub pid_file: String,
    /// Ports it must listen on.
    pub ports: Vec<u16>,
    /// Where its HA-role endpoint answers (web or client port).
    pub web_port: Option<u16>,
}

impl Layout {
    /// The layout of a validated inventory; pid files as `user` writes them.
    pub fn new(inv: &Inventory, topo: &Topology, user_of: impl Fn(&str) -> String) -> Layout {
        let site = render::site_configs(inv, topo);
        let hosts = inv
            .hosts
            .iter()
            .map(|h| {
                let uses: Vec<PortUse> = host_ports(topo, &site, h);
                let user = user_of(&h.name);
                let services = super::ROLES
                    .iter()
                    .filter(|r| h.roles.iter().any(|x| x == *r))
                    .filter_map(|r| services::service(r))
                    .map(|s: &Service| ExpectedService {
                        role: s.role,
                        pid_file: s.pid_file(&topo.settings, &user),
                        ports: s.listen_ports(&uses),
                        web_port: s.web_port(&uses),
                    })
                    .collect();
                HostLayout {
                    name: h.name.clone(),
                    services,
                }
            })
            .collect();
        Layout {
            hosts,
            namenodes: topo.namenodes.clone(),
            resourcemanagers: topo.resourcemanagers.clone(),
            zookeepers: topo.zookeepers.clone(),
            mesos_masters: topo.hosts("mesos-master").to_vec(),
            datanodes: topo.hosts("datanode").len(),
            nodemanagers: topo.hosts("nodemanager").len(),
            agents: topo.hosts("mesos-agent").len(),
            stale_file: topo.settings.stale_file(),
        }
    }

    pub fn host(&self, name: &str) -> Option<&HostLayout> {
        self.hosts.iter().find(|h| h.name == name)
    }

    fn web_port(&self, host: &str, role: &str) -> Option<u16> {
        self.host(host)?
            .services
            .iter()
            .find(|s| s.role == role)?
            .web_port
    }
}

// ---------------------------------------------------------------- readings

/// A daemon's pid file as found on its host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Proc {
    Running {
        pid: u32,
    },
    /// The pid file names a process that is gone (crashed, killed).
    Dead {
        pid: Option<u32>,
    },
    /// The daemon runs as `pid`, but its pid file names `named` (or
    /// nothing): the launcher's pid-file race. `herd up` repairs it.
    Misnamed {
        pid: u32,
        named: Option<u32>,
    },
    NoPidFile,
}

impl Proc {
    /// The daemon runs, whatever its pid file says.
    pub fn runs(&self) -> bool {
        matches!(self, Proc::Running { .. } | Proc::Misnamed { .. })
    }
}

/// What the one exec on a host found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostReading {
    /// Role -> pid file state.
    pub procs: BTreeMap<String, Proc>,
    /// Listening TCP ports; None when `ss` is missing on the host.
    pub listening: Option<BTreeSet<u16>>,
    /// Services whose configuration changed since they started.
    pub stale: Vec<String>,
}

/// An HA endpoint's answer: the value read, or why there is none.
pub type Answer<T> = Result<T, String>;

#[derive(Debug, Clone, PartialEq)]
pub struct NameNodeReading {
    pub id: String,
    pub host: String,
    /// `active`, `standby`, ... from NameNodeStatus.
    pub state: Answer<String>,
    /// From FSNamesystemState.
    pub live_datanodes: Option<u64>,
    /// `Operational` or `safeMode`.
    pub fs_state: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RmReading {
    pub id: String,
    pub host: String,
    /// `ACTIVE`, `STANDBY`, ... from /ws/v1/cluster/info.
    pub ha_state: Answer<String>,
    /// activeNodes from /ws/v1/cluster/metrics (the active RM only answers it).
    pub active_nodes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ZkReading {
    pub myid: u32,
    pub host: String,
    /// `leader`, `follower`, `standalone`, or the refusal.
    pub mode: Answer<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MesosReading {
    pub host: String,
    pub elected: Answer<bool>,
    /// activated_slaves from /master/state (answered by the leader only).
    pub activated_agents: Option<u64>,
}

/// Everything gathered in one pass.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Readings {
    /// Host -> its exec reading, or why the host could not be read.
    pub hosts: BTreeMap<String, Answer<HostReading>>,
    pub namenodes: Vec<NameNodeReading>,
    pub resourcemanagers: Vec<RmReading>,
    pub zookeepers: Vec<ZkReading>,
    pub mesos_masters: Vec<MesosReading>,
}

// ---------------------------------------------------------------- the exec

fn q(s: &str) -> String {
    shlex::try_quote(s)
        .map(|q| q.into_owned())
        .unwrap_or_else(|_| format!("'{s}'"))
}

/// The one command a host runs: every pid file, the listening ports, the
/// stale file. Output is line-tagged so login-shell noise cannot confuse it.
pub fn host_script(host: &HostLayout, stale_file: &str) -> String {
    // p ROLE PIDFILE [PROC]: up when the pid file names a live process
    // (with -Dproc_PROC on its command line, where the daemon has one);
    // misnamed when it does not but exactly one such process runs.
    let mut s = format!("has() {{ {}; }}\n", services::proc_filter("\"$1\""));
    s.push_str(
        "p() { i=; [ -f \"$2\" ] && i=$(tr -dc 0-9 < \"$2\" 2>/dev/null)\n\
         if [ -n \"$i\" ] && { kill -0 \"$i\" 2>/dev/null || [ -d \"/proc/$i\" ]; } && \
         { [ -z \"${3-}\" ] || [ -n \"$(ps -o pid=,args= -p \"$i\" 2>/dev/null | has \"$3\")\" ]; }; then echo \"herd-proc $1 up $i\"\n\
         else l=; [ -z \"${3-}\" ] || l=$(ps -eo pid=,args= 2>/dev/null | has \"$3\"); r=$1; f=$2; set -- $l\n\
         if [ $# -eq 1 ]; then echo \"herd-proc $r misnamed $1 $i\"; elif [ -f \"$f\" ]; then echo \"herd-proc $r dead $i\"; else echo \"herd-proc $r none\"; fi; fi; }\n",
    );
    for svc in &host.services {
        let marker = services::service(svc.role)
            .and_then(|s| s.proc_name())
            .map(|m| format!(" {}", q(m)))
            .unwrap_or_default();
        s.push_str(&format!("p {} {}{marker}\n", svc.role, q(&svc.pid_file)));
    }
    s.push_str(
        "if command -v ss >/dev/null 2>&1; then echo \"herd-ports $(ss -ltnH 2>/dev/null | awk '{n=split($4,a,\":\"); print a[n]}' | sort -un | tr '\\n' ' ')\"; fi\n",
    );
    s.push_str(&format!(
        "[ -f {f} ] && sed 's/^/herd-stale /' {f}\ntrue\n",
        f = q(stale_file)
    ));
    s
}

/// Read back what [`host_script`] printed.
pub fn parse_host_output(text: &str) -> HostReading {
    let mut r = HostReading::default();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("herd-proc") => {
                let (Some(role), Some(state)) = (words.next(), words.next()) else {
                    continue;
                };
                let pid = words.next().and_then(|p| p.parse::<u32>().ok());
                let proc = match (state, pid) {
                    ("up", Some(pid)) => Proc::Running { pid },
                    ("misnamed", Some(pid)) => Proc::Misnamed {
                        pid,
                        named: words.next().and_then(|p| p.parse().ok()),
                    },
                    ("none", _) => Proc::NoPidFile,
                    _ => Proc::Dead { pid },
                };
                r.procs.insert(role.to_string(), proc);
            }
            Some("herd-ports") => {
                r.listening = Some(words.filter_map(|p| p.parse().ok()).collect());
            }
            Some("herd-stale") => {
                r.stale.extend(words.map(String::from));
            }
            _ => {}
        }
    }
    r
}

// ---------------------------------------------------------------- gathering

/// Read every host and every HA endpoint concurrently. `conns` holds, per
/// inventory host, its connection or why it could not be had.
pub async fn gather(
    layout: &Layout,
    conns: &BTreeMap<String, Answer<Arc<Connection>>>,
) -> Readings {
    let conn = |h: &str| -> Answer<Arc<Connection>> {
        conns
            .get(h)
            .cloned()
            .unwrap_or_else(|| Err("not connected".into()))
    };
    let hosts = futures::future::join_all(layout.hosts.iter().map(|h| {
        let c = conn(&h.name);
        let script = host_script(h, &layout.stale_file);
        async move {
            let reading = match c {
                Err(e) => Err(e),
                Ok(c) => {
                    let req = ExecRequest {
                        command: script,
                        stdin: None,
                        timeout: Some(PROBE_TIMEOUT * 2),
                        record: None,
                    };
                    match c.exec(&req, &CancellationToken::new()).await {
                        Ok(out) => Ok(parse_host_output(&out.stdout_str())),
                        Err(e) => Err(strip_host(&e.to_string(), &h.name)),
                    }
                }
            };
            (h.name.clone(), reading)
        }
    }));
    let namenodes = futures::future::join_all(layout.namenodes.iter().map(|(id, host)| {
        let c = conn(host);
        let port = layout.web_port(host, "namenode").unwrap_or(9870);
        async move {
            let (status, fs) = match &c {
                Err(e) => (Err(e.clone()), Err(e.clone())),
                Ok(c) => {
                    tokio::join!(
                        get_json(
                            c,
                            host,
                            port,
                            "/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus"
                        ),
                        get_json(
                            c,
                            host,
                            port,
                            "/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState"
                        ),
                    )
                }
            };
            let state = status.and_then(|v| {
                v.pointer("/beans/0/State")
                    .and_then(|s| s.as_str())
                    .map(String::from)
                    .ok_or_else(|| "no NameNodeStatus yet (starting)".to_string())
            });
            let fs = fs.ok();
            NameNodeReading {
                id: id.clone(),
                host: host.clone(),
                state,
                live_datanodes: fs
                    .as_ref()
                    .and_then(|v| v.pointer("/beans/0/NumLiveDataNodes"))
                    .and_then(as_u64),
                fs_state: fs
                    .as_ref()
                    .and_then(|v| v.pointer("/beans/0/FSState"))
                    .and_then(|s| s.as_str())
                    .map(String::from),
            }
        }
    }));
    let rms = futures::future::join_all(layout.resourcemanagers.iter().map(|(id, host)| {
        let c = conn(host);
        let port = layout.web_port(host, "resourcemanager").unwrap_or(8088);
        async move {
            let (info, metrics) = match &c {
                Err(e) => (Err(e.clone()), Err(e.clone())),
                Ok(c) => tokio::join!(
                    get_json(c, host, port, "/ws/v1/cluster/info"),
                    get_json(c, host, port, "/ws/v1/cluster/metrics"),
                ),
            };
            RmReading {
                id: id.clone(),
                host: host.clone(),
                ha_state: info.and_then(|v| {
                    v.pointer("/clusterInfo/haState")
                        .and_then(|s| s.as_str())
                        .map(String::from)
                        .ok_or_else(|| "no haState in /ws/v1/cluster/info".to_string())
                }),
                active_nodes: metrics
                    .ok()
                    .and_then(|v| v.pointer("/clusterMetrics/activeNodes").and_then(as_u64)),
            }
        }
    }));
    let zks = futures::future::join_all(layout.zookeepers.iter().map(|(myid, host)| {
        let c = conn(host);
        let port = layout.web_port(host, "zookeeper").unwrap_or(2181);
        async move {
            let mode = match &c {
                Err(e) => Err(e.clone()),
                Ok(c) => zk_mode(c, port).await,
            };
            ZkReading {
                myid: *myid,
                host: host.clone(),
                mode,
            }
        }
    }));
    let mesos = futures::future::join_all(layout.mesos_masters.iter().map(|host| {
        let c = conn(host);
        let port = layout.web_port(host, "mesos-master").unwrap_or(5050);
        async move {
            let (metrics, state) = match &c {
                Err(e) => (Err(e.clone()), Err(e.clone())),
                Ok(c) => tokio::join!(
                    get_json(c, host, port, "/metrics/snapshot"),
                    get_json(c, host, port, "/master/state"),
                ),
            };
            MesosReading {
                host: host.clone(),
                elected: metrics.and_then(|v| {
                    v.pointer("/master~1elected")
                        .and_then(|e| e.as_f64())
                        .map(|e| e >= 1.0)
                        .ok_or_else(|| "no master/elected metric".to_string())
                }),
                activated_agents: state
                    .ok()
                    .and_then(|v| v.pointer("/activated_slaves").and_then(as_u64)),
            }
        }
    }));
    let (hosts, namenodes, resourcemanagers, zookeepers, mesos_masters) =
        tokio::join!(hosts, namenodes, rms, zks, mesos);
    Readings {
        hosts: hosts.into_iter().collect(),
        namenodes,
        resourcemanagers,
        zookeepers,
        mesos_masters,
    }
}

fn as_u64(v: &serde_json::Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_f64().map(|f| f as u64))
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// sshd answers a tunnel to a closed port with ConnectFailed: say it plainly.
fn tunnel_error(msg: &str, host: &str, address: &str, port: u16) -> String {
    if msg.contains("ConnectFailed") {
        format!("nothing listens on {address}:{port}")
    } else {
        format!("{address}:{port} {}", short(&strip_host(msg, host)))
    }
}

fn strip_host(msg: &str, host: &str) -> String {
    msg.strip_prefix(&format!("{host}: "))
        .unwrap_or(msg)
        .to_string()
}

/// GET through the host's SSH connection; only a 200 with JSON counts (a
/// standby RM or Mesos master answers 307 to the leader).
async fn get_json(
    conn: &Connection,
    address: &str,
    port: u16,
    path: &str,
) -> Answer<serde_json::Value> {
    match tokio::time::timeout(PROBE_TIMEOUT, get(conn, address, port, path)).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "{address}:{port} no answer within {}s",
            PROBE_TIMEOUT.as_secs()
        )),
    }
}

async fn get(conn: &Connection, address: &str, port: u16, path: &str) -> Answer<serde_json::Value> {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Empty, Limited};
    use hyper_util::rt::TokioIo;

    let stream = conn
        .open_tcp(address, port)
        .await
        .map_err(|e| tunnel_error(&e.to_string(), conn.host(), address, port))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("{address}:{port} http handshake: {e}"))?;
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, format!("{address}:{port}"))
        .header(hyper::header::CONNECTION, "close")
        .body(Empty::<Bytes>::new())
        .map_err(|e| format!("bad path {path}: {e}"))?;
    let result = async {
        let resp = sender
            .send_request(request)
            .await
            .map_err(|e| format!("{address}:{port} GET {path}: {e}"))?;
        let code = resp.status().as_u16();
        let bytes = Limited::new(resp.into_body(), 8 * 1024 * 1024)
            .collect()
            .await
            .map_err(|e| format!("{address}:{port} GET {path}: {e}"))?
            .to_bytes();
        let text = String::from_utf8_lossy(&bytes);
        if code != 200 {
            return Err(format!("HTTP {code}: {}", short(&text)));
        }
        serde_json::from_str(&text).map_err(|e| format!("not JSON ({e}): {}", short(&text)))
    }
    .await;
    driver.abort();
    result
}

async fn zk_mode(conn: &Connection, port: u16) -> Answer<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let attempt = async {
        let mut stream = conn
            .open_tcp("127.0.0.1", port)
            .await
            .map_err(|e| tunnel_error(&e.to_string(), conn.host(), "127.0.0.1", port))?;
        stream
            .write_all(b"srvr")
            .await
            .map_err(|e| format!("srvr: {e}"))?;
        let _ = stream.flush().await;
        let mut buf = Vec::new();
        // ZooKeeper closes the connection after answering.
        let _ = (&mut stream).take(64 * 1024).read_to_end(&mut buf).await;
        Ok::<_, String>(String::from_utf8_lossy(&buf).into_owned())
    };
    let text = match tokio::time::timeout(PROBE_TIMEOUT, attempt).await {
        Ok(r) => r?,
        Err(_) => {
            return Err(format!(
                "127.0.0.1:{port} no answer within {}s",
                PROBE_TIMEOUT.as_secs()
            ));
        }
    };
    parse_srvr(&text)
}

/// The `Mode:` of a `srvr` answer, or the line that says why there is none
/// ("This ZooKeeper instance is not currently serving requests").
pub fn parse_srvr(text: &str) -> Answer<String> {
    match text.lines().find_map(|l| l.strip_prefix("Mode:")) {
        Some(mode) => Ok(mode.trim().to_string()),
        None if text.trim().is_empty() => Err("srvr: empty answer".into()),
        None => Err(short(text)),
    }
}

fn short(text: &str) -> String {
    let first = text.trim().lines().next().unwrap_or("").trim();
    if first.chars().count() > 120 {
        first.chars().take(117).collect::<String>() + "..."
    } else {
        first.to_string()
    }
}

// ---------------------------------------------------------------- verdict

/// One host line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostRow {
    pub host: String,
    pub reachable: bool,
    pub error: Option<String>,
    /// Services whose configuration changed since they started.
    pub stale: Vec<String>,
}

/// One host x service line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceRow {
    pub host: String,
    pub service: String,
    /// `running`, `down`, `unreachable`.
    pub state: String,
    pub pid: Option<u32>,
    pub listening: Vec<u16>,
    /// Expected ports nothing listens on.
    pub missing_ports: Vec<u16>,
    /// HA role: active/standby, ACTIVE/STANDBY, leader/follower, leading/standby.
    pub ha: Option<String>,
    pub stale: bool,
    /// Why it is not fine, in words.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterSummary {
    /// `nn1 (master1)`.
    pub active_namenode: Option<String>,
    pub active_resourcemanager: Option<String>,
    pub zookeeper_leader: Option<String>,
    pub mesos_leader: Option<String>,
    pub datanodes_live: Option<u64>,
    pub datanodes_expected: usize,
    pub nodemanagers: Option<u64>,
    pub nodemanagers_expected: usize,
    pub agents: Option<u64>,
    pub agents_expected: usize,
    pub safemode: Option<bool>,
    /// Host -> services whose configuration changed since they started.
    pub stale: BTreeMap<String, Vec<String>>,
    pub healthy: bool,
    pub problems: Vec<String>,
}

/// The whole picture, as printed and as `--json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub hosts: Vec<HostRow>,
    pub services: Vec<ServiceRow>,
    pub cluster: ClusterSummary,
}

fn who(id: &str, host: &str) -> String {
    format!("{id} ({host})")
}

fn answer_word<T: std::fmt::Display>(a: &Answer<T>) -> String {
    match a {
        Ok(v) => v.to_string(),
        Err(e) => e.clone(),
    }
}

/// One member of an HA pair, as the verdict words it.
struct HaMember {
    /// `nn1 (master1) standby`, `... down`, `... unreachable`.
    word: String,
    who: String,
    active: bool,
}

/// The index of the one active member; none or several is a problem naming
/// them (`what`: "active NameNode").
fn single_active(members: &[HaMember], what: &str, problems: &mut Vec<String>) -> Option<usize> {
    let active: Vec<usize> = (0..members.len()).filter(|&i| members[i].active).collect();
    match active.as_slice() {
        [one] => Some(*one),
        [] => {
            if !members.is_empty() {
                let words: Vec<&str> = members.iter().map(|m| m.word.as_str()).collect();
                problems.push(format!("no {what}: {}", words.join(", ")));
            }
            None
        }
        many => {
            let names: Vec<&str> = many.iter().map(|&i| members[i].who.as_str()).collect();
            problems.push(format!(
                "{} {what}s (split brain): {}",
                many.len(),
                names.join(", ")
            ));
            None
        }
    }
}

/// The verdict on a cluster from what was read. Pure.
pub fn assess(layout: &Layout, r: &Readings) -> Status {
    let mut problems = Vec::new();
    let unreachable = |h: &str| -> Option<String> {
        match r.hosts.get(h) {
            Some(Ok(_)) => None,
            Some(Err(e)) => Some(e.clone()),
            None => Some("not read".into()),
        }
    };
    // A reachable host whose daemon answers an HA probe with a transport error
    // is summed up as "down" by its service row; only the HA value is shown.
    let ha_of = |host: &str, role: &str| -> Option<String> {
        match role {
            "namenode" => r
                .namenodes
                .iter()
                .find(|n| n.host == host)
                .and_then(|n| n.state.clone().ok()),
            "resourcemanager" => r
                .resourcemanagers
                .iter()
                .find(|n| n.host == host)
                .and_then(|n| n.ha_state.clone().ok()),
            "zookeeper" => r
                .zookeepers
                .iter()
                .find(|n| n.host == host)
                .and_then(|n| n.mode.clone().ok()),
            "mesos-master" => r
                .mesos_masters
                .iter()
                .find(|n| n.host == host)
                .and_then(|n| n.elected.clone().ok())
                .map(|e| {
                    if e {
                        "leading".to_string()
                    } else {
                        "standby".to_string()
                    }
                }),
            _ => None,
        }
    };

    // The HA lines name a daemon "down" when its pid file says so, rather
    // than repeating the refused connection.
    let down = |host: &str, role: &str| -> bool {
        matches!(r.hosts.get(host), Some(Ok(hr)) if !hr.procs.get(role).is_some_and(Proc::runs))
    };
    let mut hosts = Vec::new();
    let mut services = Vec::new();
    let mut stale_map = BTreeMap::new();
    for h in &layout.hosts {
        let reading = r.hosts.get(&h.name);
        match reading {
            Some(Ok(hr)) => {
                if !hr.stale.is_empty() {
                    stale_map.insert(h.name.clone(), hr.stale.clone());
                }
                hosts.push(HostRow {
                    host: h.name.clone(),
                    reachable: true,
                    error: None,
                    stale: hr.stale.clone(),
                });
                for svc in &h.services {
                    let proc = hr.procs.get(svc.role).cloned().unwrap_or(Proc::NoPidFile);
                    let listening: Vec<u16> = match &hr.listening {
                        Some(l) => svc
                            .ports
                            .iter()
                            .copied()
                            .filter(|p| l.contains(p))
                            .collect(),
                        None => Vec::new(),
                    };
                    let missing: Vec<u16> = match &hr.listening {
                        Some(l) => svc
                            .ports
                            .iter()
                            .copied()
                            .filter(|p| !l.contains(p))
                            .collect(),
                        None => Vec::new(),
                    };
                    let misnamed = matches!(proc, Proc::Misnamed { .. });
                    let (state, pid, note) = match proc {
                        Proc::Running { pid } => {
                            let note = (!missing.is_empty())
                                .then(|| format!("not listening on {}", join_ports(&missing)));
                            ("running", Some(pid), note)
                        }
                        // Running all the same: not a problem of the
                        // cluster, but said, since stop and status read
                        // the pid file.
                        Proc::Misnamed { pid, named } => (
                            "running",
                            Some(pid),
                            Some(match named {
                                Some(n) => format!(
                                    "pid file names {n}, not the running pid (herd up repairs it)"
                                ),
                                None => "pid file names no pid (herd up repairs it)".into(),
                            }),
                        ),
                        Proc::Dead { pid } => (
                            "down",
                            None,
                            Some(match pid {
                                Some(p) => format!("pid {p} in its pid file is not running"),
                                None => "its pid file holds no pid".into(),
                            }),
                        ),
                        Proc::NoPidFile => ("down", None, Some("not running (no pid file)".into())),
                    };
                    if let Some(n) = &note
                        && !misnamed
                    {
                        problems.push(format!("{} on {}: {n}", svc.role, h.name));
                    }
                    services.push(ServiceRow {
                        host: h.name.clone(),
                        service: svc.role.to_string(),
                        state: state.into(),
                        pid,
                        listening,
                        missing_ports: missing,
                        ha: ha_of(&h.name, svc.role),
                        stale: hr.stale.iter().any(|s| s == svc.role),
                        note,
                    });
                }
            }
            _ => {
                let e = unreachable(&h.name).unwrap_or_default();
                problems.push(format!("{} unreachable: {e}", h.name));
                hosts.push(HostRow {
                    host: h.name.clone(),
                    reachable: false,
                    error: Some(e.clone()),
                    stale: Vec::new(),
                });
                for svc in &h.services {
                    services.push(ServiceRow {
                        host: h.name.clone(),
                        service: svc.role.to_string(),
                        state: "unreachable".into(),
                        pid: None,
                        listening: Vec::new(),
                        missing_ports: Vec::new(),
                        ha: None,
                        stale: false,
                        note: None,
                    });
                }
            }
        }
    }

    // NameNodes and ResourceManagers: exactly one active each.
    let member_word = |id: &str, host: &str, role: &str, state: &Answer<String>| -> String {
        if unreachable(host).is_some() {
            format!("{} unreachable", who(id, host))
        } else if down(host, role) {
            format!("{} down", who(id, host))
        } else {
            match state {
                Ok(s) => format!("{} {s}", who(id, host)),
                Err(e) => format!("{} not answering ({e})", who(id, host)),
            }
        }
    };
    let nn_members: Vec<HaMember> = r
        .namenodes
        .iter()
        .map(|n| HaMember {
            word: member_word(&n.id, &n.host, "namenode", &n.state),
            who: who(&n.id, &n.host),
            active: n.state.as_deref() == Ok("active"),
        })
        .collect();
    let active_nn =
        single_active(&nn_members, "active NameNode", &mut problems).map(|i| &r.namenodes[i]);
    let datanodes_live = active_nn.and_then(|n| n.live_datanodes);
    if let Some(live) = datanodes_live
        && (live as usize) < layout.datanodes
    {
        problems.push(format!(
            "DataNodes live {live} / {} expected",
            layout.datanodes
        ));
    }
    let safemode = active_nn
        .and_then(|n| n.fs_state.as_deref())
        .map(|s| s.eq_ignore_ascii_case("safemode"));
    if safemode == Some(true)
        && let Some(n) = active_nn
    {
        problems.push(format!(
            "HDFS is in safe mode (active NameNode {})",
            who(&n.id, &n.host)
        ));
    }

    let rm_members: Vec<HaMember> = r
        .resourcemanagers
        .iter()
        .map(|n| HaMember {
            word: member_word(&n.id, &n.host, "resourcemanager", &n.ha_state),
            who: who(&n.id, &n.host),
            active: n.ha_state.as_deref() == Ok("ACTIVE"),
        })
        .collect();
    let active_rm = single_active(&rm_members, "ACTIVE ResourceManager", &mut problems)
        .map(|i| &r.resourcemanagers[i]);
    let nodemanagers = active_rm.and_then(|n| n.active_nodes);
    if let Some(nms) = nodemanagers
        && (nms as usize) < layout.nodemanagers
    {
        problems.push(format!(
            "NodeManagers registered {nms} / {} expected",
            layout.nodemanagers
        ));
    }

    // ZooKeeper: a serving majority with exactly one leader.
    let zk_total = r.zookeepers.len();
    let serving = r
        .zookeepers
        .iter()
        .filter(|z| matches!(z.mode.as_deref(), Ok("leader" | "follower" | "standalone")))
        .count();
    let leaders: Vec<&ZkReading> = r
        .zookeepers
        .iter()
        .filter(|z| matches!(z.mode.as_deref(), Ok("leader" | "standalone")))
        .collect();
    let zk_word = |z: &ZkReading| -> String {
        if unreachable(&z.host).is_some() {
            format!("{} ({}) unreachable", z.myid, z.host)
        } else if down(&z.host, "zookeeper") {
            format!("{} ({}) down", z.myid, z.host)
        } else {
            format!("{} ({}) {}", z.myid, z.host, answer_word(&z.mode))
        }
    };
    if zk_total > 0 {
        if serving <= zk_total / 2 {
            problems.push(format!(
                "ZooKeeper quorum lost: {serving} of {zk_total} serving, a majority is {}: {}",
                zk_total / 2 + 1,
                r.zookeepers
                    .iter()
                    .map(zk_word)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        } else if leaders.is_empty() {
            problems.push(format!(
                "no ZooKeeper leader: {}",
                r.zookeepers
                    .iter()
                    .map(zk_word)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if leaders.len() > 1 {
            problems.push(format!(
                "{} ZooKeeper leaders: {}",
                leaders.len(),
                leaders
                    .iter()
                    .map(|z| format!("{} ({})", z.myid, z.host))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    let zookeeper_leader =
        (leaders.len() == 1).then(|| format!("{} ({})", leaders[0].myid, leaders[0].host));

    // Mesos: one leading master, every agent activated.
    let elected: Vec<&MesosReading> = r
        .mesos_masters
        .iter()
        .filter(|m| m.elected == Ok(true))
        .collect();
    let mesos_leader = match elected.as_slice() {
        [one] => Some(*one),
        [] => {
            if !r.mesos_masters.is_empty() {
                problems.push(format!(
                    "Mesos masters without a leader: {}",
                    r.mesos_masters
                        .iter()
                        .map(|m| if unreachable(&m.host).is_some() {
                            format!("{} unreachable", m.host)
                        } else if down(&m.host, "mesos-master") {
                            format!("{} down", m.host)
                        } else {
                            match &m.elected {
                                Ok(_) => format!("{} not elected", m.host),
                                Err(e) => format!("{} not answering ({e})", m.host),
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            None
        }
        many => {
            problems.push(format!(
                "{} Mesos masters claim to lead: {}",
                many.len(),
                many.iter()
                    .map(|m| m.host.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            None
        }
    };
    let agents = mesos_leader.and_then(|m| m.activated_agents);
    if let Some(a) = agents
        && (a as usize) < layout.agents
    {
        problems.push(format!(
            "Mesos agents activated {a} / {} expected",
            layout.agents
        ));
    }

    let cluster = ClusterSummary {
        active_namenode: active_nn.map(|n| who(&n.id, &n.host)),
        active_resourcemanager: active_rm.map(|n| who(&n.id, &n.host)),
        zookeeper_leader,
        mesos_leader: mesos_leader.map(|m| m.host.clone()),
        datanodes_live,
        datanodes_expected: layout.datanodes,
        nodemanagers,
        nodemanagers_expected: layout.nodemanagers,
        agents,
        agents_expected: layout.agents,
        safemode,
        stale: stale_map,
        healthy: problems.is_empty(),
        problems,
    };
    Status {
        hosts,
        services,
        cluster,
    }
}

fn join_ports(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or("?".to_string(), T::to_string)
}

/// The human table, cluster lines and problems, as printed.
pub fn format(status: &Status) -> String {
    let mut rows: Vec<[String; 6]> = Vec::new();
    for s in &status.services {
        let host_err = status
            .hosts
            .iter()
            .find(|h| h.host == s.host)
            .and_then(|h| h.error.clone());
        let state = match s.state.as_str() {
            "running" if !s.missing_ports.is_empty() => "RUNNING?".to_string(),
            "running" => "running".to_string(),
            "down" => "DOWN".to_string(),
            "unreachable" => "UNREACHABLE".to_string(),
            other => other.to_string(),
        };
        let ports = if s.state == "running" {
            let mut p = join_ports(&s.listening);
            if !s.missing_ports.is_empty() {
                p.push_str(&format!(" (not {})", join_ports(&s.missing_ports)));
            }
            p
        } else {
            String::new()
        };
        let detail = if s.state == "unreachable" {
            host_err.unwrap_or_default()
        } else {
            let mut d = Vec::new();
            if s.stale {
                d.push("config stale".to_string());
            }
            // The ports column already says what a listening problem is.
            if (s.state == "down" || s.missing_ports.is_empty())
                && let Some(n) = &s.note
            {
                d.push(n.clone());
            }
            d.join("; ")
        };
        rows.push([
            s.host.clone(),
            s.service.clone(),
            state,
            s.pid.map_or(String::new(), |p| p.to_string()),
            ports,
            [s.ha.clone().unwrap_or_default(), detail]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join("  "),
        ]);
    }
    // Hosts without any role still show, so an unreachable one is not hidden.
    for h in &status.hosts {
        if !status.services.iter().any(|s| s.host == h.host) {
            rows.push([
                h.host.clone(),
                "-".into(),
                if h.reachable {
                    "reachable".into()
                } else {
                    "UNREACHABLE".into()
                },
                String::new(),
                String::new(),
                h.error.clone().unwrap_or_default(),
            ]);
        }
    }
    let header = ["HOST", "SERVICE", "STATE", "PID", "PORTS", "HA / NOTES"].map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = String::new();
    out.push_str(&line(&header));
    out.push('\n');
    let mut last_host = String::new();
    for r in &rows {
        let mut cells = r.clone();
        if cells[0] == last_host {
            cells[0] = String::new();
        } else {
            last_host = cells[0].clone();
        }
        out.push_str(&line(&cells));
        out.push('\n');
    }
    let c = &status.cluster;
    out.push('\n');
    let mut cl = Vec::new();
    cl.push(format!(
        "active NameNode:          {}",
        c.active_namenode.as_deref().unwrap_or("NONE")
    ));
    cl.push(format!(
        "active ResourceManager:   {}",
        c.active_resourcemanager.as_deref().unwrap_or("NONE")
    ));
    cl.push(format!(
        "ZooKeeper leader:         {}",
        c.zookeeper_leader.as_deref().unwrap_or("NONE")
    ));
    if c.agents_expected > 0 || c.mesos_leader.is_some() {
        cl.push(format!(
            "Mesos leader:             {}",
            c.mesos_leader.as_deref().unwrap_or("NONE")
        ));
    }
    cl.push(format!(
        "DataNodes live:           {} / {}",
        opt(&c.datanodes_live),
        c.datanodes_expected
    ));
    cl.push(format!(
        "NodeManagers registered:  {} / {}",
        opt(&c.nodemanagers),
        c.nodemanagers_expected
    ));
    if c.agents_expected > 0 {
        cl.push(format!(
            "Mesos agents activated:   {} / {}",
            opt(&c.agents),
            c.agents_expected
        ));
    }
    cl.push(format!(
        "safe mode:                {}",
        match c.safemode {
            Some(true) => "ON",
            Some(false) => "off",
            None => "?",
        }
    ));
    cl.push(format!(
        "config:                   {}",
        if c.stale.is_empty() {
            "current".to_string()
        } else {
            format!(
                "stale on {} (restart to apply)",
                c.stale
                    .iter()
                    .map(|(h, s)| format!("{h}: {}", s.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
    ));
    for l in cl {
        out.push_str(&l);
        out.push('\n');
    }
    out.push('\n');
    if c.healthy {
        out.push_str("healthy\n");
    } else {
        out.push_str(&format!("DEGRADED: {} problem(s)\n", c.problems.len()));
        for p in &c.problems {
            out.push_str(&format!("  - {p}\n"));
        }
    }
    out
}
