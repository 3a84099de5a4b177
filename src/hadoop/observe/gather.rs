//! Reading the cluster: the per-host script on every host and every HA
//! endpoint, all at once, into [`Readings`].

use crate::hadoop::default_ports::{
    MESOS_MASTER, NAMENODE_HTTP, RESOURCEMANAGER_HTTP, ZOOKEEPER_CLIENT,
};
use std::collections::BTreeMap;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::endpoints::{PROBE_TIMEOUT, get_json, zk_mode};
use super::health;
use super::host_script::{host_script, parse_host_output};
use super::layout::Layout;
use super::readings::{
    Answer, MesosReading, NameNodeReading, Readings, RmReading, RollingUpgrade, ZkReading,
};
use crate::probe::strip_host;
use crate::transport::{Connection, ExecRequest};

/// Host scripts running at once.
const HOSTS_IN_FLIGHT: usize = 64;

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
    // The script's timeout is for a hung host, not for the controller's
    // queue: a thousand scripts started at once on a small controller
    // (or a loopback fleet) all outlive it, so only so many run at a time.
    let in_flight = Arc::new(tokio::sync::Semaphore::new(HOSTS_IN_FLIGHT));
    let hosts = futures::future::join_all(layout.hosts.iter().map(|h| {
        let c = conn(&h.name);
        let script = host_script(h, &layout.stale_file);
        let in_flight = in_flight.clone();
        async move {
            let reading = match c {
                Err(e) => Err(e),
                Ok(c) => {
                    let _slot = in_flight.acquire().await;
                    let req = ExecRequest {
                        command: script,
                        stdin: None,
                        secrets: Vec::new(),
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
        let port = layout.web_port(host, "namenode").unwrap_or(NAMENODE_HTTP);
        async move {
            let (status, fs, info, fsn, jvm) = match &c {
                Err(e) => (
                    Err(e.clone()),
                    Err(e.clone()),
                    Err(e.clone()),
                    Err(e.clone()),
                    Err(e.clone()),
                ),
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
                        get_json(
                            c,
                            host,
                            port,
                            "/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo"
                        ),
                        get_json(
                            c,
                            host,
                            port,
                            "/jmx?qry=Hadoop:service=NameNode,name=FSNamesystem"
                        ),
                        get_json(
                            c,
                            host,
                            port,
                            "/jmx?qry=Hadoop:service=NameNode,name=JvmMetrics"
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
                hdfs: fsn
                    .ok()
                    .and_then(|v| health::hdfs(&v, jvm.as_ref().ok(), info.as_ref().ok())),
                rolling_upgrade: info
                    .as_ref()
                    .ok()
                    .and_then(|v| v.pointer("/beans/0/RollingUpgradeStatus"))
                    .and_then(RollingUpgrade::from_jmx),
                datanodes: info.ok().as_ref().and_then(super::datanodes::parse),
            }
        }
    }));
    let rms = futures::future::join_all(layout.resourcemanagers.iter().map(|(id, host)| {
        let c = conn(host);
        let port = layout
            .web_port(host, "resourcemanager")
            .unwrap_or(RESOURCEMANAGER_HTTP);
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
                    .as_ref()
                    .ok()
                    .and_then(|v| v.pointer("/clusterMetrics/activeNodes").and_then(as_u64)),
                yarn: metrics.ok().as_ref().and_then(health::yarn),
            }
        }
    }));
    let zks = futures::future::join_all(layout.zookeepers.iter().map(|(myid, host)| {
        let c = conn(host);
        let port = layout
            .web_port(host, "zookeeper")
            .unwrap_or(ZOOKEEPER_CLIENT);
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
        let port = layout
            .web_port(host, "mesos-master")
            .unwrap_or(MESOS_MASTER);
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
