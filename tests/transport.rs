//! The transport against real OpenSSH servers on loopback addresses.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use herd::transport::{
    Connection, ExecOutput, ExecRequest, HostKeyStatus, Pool, TransportConfig, TransportError,
};
use sha2::Digest;
use support::sshd::SshdFleet;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

fn fleet(n: usize) -> Option<SshdFleet> {
    SshdFleet::try_start(n)
}

async fn connect(fleet: &SshdFleet, i: usize) -> (Pool, Arc<Connection>) {
    let pool = Pool::new(fleet.transport_config()).expect("pool");
    let conn = pool
        .connect(&fleet.target(i))
        .await
        .unwrap_or_else(|e| panic!("connect: {e}\n{}", fleet.log(i)));
    (pool, conn)
}

async fn run(conn: &Connection, command: &str) -> ExecOutput {
    let req = ExecRequest {
        command: command.to_string(),
        ..Default::default()
    };
    conn.exec(&req, &CancellationToken::new())
        .await
        .unwrap_or_else(|e| panic!("exec {command:?}: {e}"))
}

/// `command` on `conn` in the background, its result to be awaited.
fn spawn_exec(
    conn: &Arc<Connection>,
    command: String,
) -> tokio::task::JoinHandle<Result<ExecOutput, TransportError>> {
    let conn = conn.clone();
    tokio::spawn(async move {
        let req = ExecRequest {
            command,
            ..Default::default()
        };
        conn.exec(&req, &CancellationToken::new()).await
    })
}

async fn connect_err(config: TransportConfig, fleet: &SshdFleet, i: usize) -> TransportError {
    let pool = Pool::new(config).expect("pool");
    match pool.connect(&fleet.target(i)).await {
        Ok(_) => panic!("connecting to {} should have failed", fleet.hosts[i].name),
        Err(e) => e,
    }
}

fn unique(tag: &str) -> String {
    format!(
        "herd-{tag}-{}-{:x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_returns_stdout_stderr_and_status() {
    let Some(fleet) = fleet(1) else { return };
    let (_pool, conn) = connect(&fleet, 0).await;
    assert_eq!(conn.host(), "node0");
    assert_eq!(conn.remote_user(), fleet.user);
    assert_eq!(conn.host_key_status(), HostKeyStatus::Known);
    let out = run(&conn, "echo out; echo err >&2; exit 3").await;
    assert_eq!(out.stdout_str(), "out\n");
    assert_eq!(out.stderr_str(), "err\n");
    assert_eq!(out.exit_status, Some(3));
    assert!(!out.success());
    let out = run(&conn, "kill -USR1 $$").await;
    assert_eq!(
        (out.exit_status, out.signal.as_deref()),
        (None, Some("USR1"))
    );
    assert!(conn.ping().await.expect("ping") < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_concurrent_execs_than_max_sessions() {
    let Some(fleet) = fleet(1) else { return };
    let (_pool, conn) = connect(&fleet, 0).await;
    let tasks = (0..20).map(|i| spawn_exec(&conn, format!("sleep 0.3; echo {i}")));
    for (i, r) in futures::future::join_all(tasks)
        .await
        .into_iter()
        .enumerate()
    {
        let out = r.unwrap().unwrap_or_else(|e| panic!("exec {i}: {e}"));
        assert_eq!(out.stdout_str(), format!("{i}\n"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_is_delivered() {
    let Some(fleet) = fleet(1) else { return };
    let (_pool, conn) = connect(&fleet, 0).await;
    let req = ExecRequest {
        command: "cat".into(),
        stdin: Some(b"hello\nworld".to_vec()),
        ..Default::default()
    };
    let out = conn.exec(&req, &CancellationToken::new()).await.unwrap();
    assert_eq!(out.stdout_str(), "hello\nworld");
    let big = vec![b'x'; 3 << 20];
    let req = ExecRequest {
        command: "wc -c".into(),
        stdin: Some(big),
        ..Default::default()
    };
    let out = conn.exec(&req, &CancellationToken::new()).await.unwrap();
    assert_eq!(out.stdout_str().trim(), (3 << 20).to_string());
    // Without stdin the command sees EOF at once instead of hanging.
    assert_eq!(run(&conn, "cat; echo done").await.stdout_str(), "done\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quoted_argument_arrives_literally() {
    let Some(fleet) = fleet(1) else { return };
    let (_pool, conn) = connect(&fleet, 0).await;
    for arg in ["'; rm -rf / #", "it's \"$HOME\" `id` $(id) \\n", "a\nb"] {
        let out = run(
            &conn,
            &format!("printf '%s' {}", shlex::try_quote(arg).unwrap()),
        )
        .await;
        assert_eq!(out.stdout_str(), arg);
        assert!(out.success());
    }
}

async fn remote_marker_count(conn: &Connection, marker: &str) -> String {
    // The bracket keeps pgrep from matching its own command line.
    let (head, last) = marker.split_at(marker.len() - 1);
    run(conn, &format!("pgrep -f '{head}[{last}]' | wc -l"))
        .await
        .stdout_str()
        .trim()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_kills_the_remote_process_group() {
    let Some(fleet) = fleet(1) else { return };
    let (_pool, conn) = connect(&fleet, 0).await;
    let marker = unique("timeout");
    // Ignoring TERM forces the KILL escalation; the background child checks
    // that the whole group goes, not only the shell.
    let command = format!("trap '' TERM; sleep 301 & sleep 300; echo {marker}");
    let req = ExecRequest {
        command,
        timeout: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    let start = Instant::now();
    let err = conn
        .exec(&req, &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, TransportError::CommandTimeout { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("node0"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(12),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(remote_marker_count(&conn, &marker).await, "0");
    // The slot was given back: the connection still runs commands.
    assert_eq!(run(&conn, "echo ok").await.stdout_str(), "ok\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_kills_the_remote_process_group() {
    let Some(fleet) = fleet(1) else { return };
    let (_pool, conn) = connect(&fleet, 0).await;
    let marker = unique("cancel");
    let req = ExecRequest {
        command: format!("sleep 300; echo {marker}"),
        ..Default::default()
    };
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        trigger.cancel();
    });
    let err = conn.exec(&req, &cancel).await.unwrap_err();
    assert!(matches!(err, TransportError::Cancelled { .. }), "{err}");
    assert!(err.to_string().contains("node0"), "{err}");
    assert_eq!(remote_marker_count(&conn, &marker).await, "0");
    let err = conn.exec(&req, &cancel).await.unwrap_err();
    assert!(
        matches!(err, TransportError::Cancelled { .. }),
        "already cancelled: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_host_key_is_refused() {
    let Some(fleet) = fleet(1) else { return };
    let mut config = fleet.transport_config();
    config.known_hosts = fleet.write_known_hosts("empty", "");
    let err = connect_err(config, &fleet, 0).await;
    assert!(
        matches!(err, TransportError::UnknownHostKey { .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("node0:") && text.contains("SHA256:") && text.contains("ssh-ed25519"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_host_key_is_refused_naming_the_line() {
    let Some(fleet) = fleet(2) else { return };
    let h = &fleet.hosts[0];
    // host 1's key recorded under host 0's address: same type, different key.
    let text = format!(
        "# fleet\n{}\n[{}]:{} {}\n",
        fleet.host_key_line(1),
        h.address,
        h.port,
        fleet.host_public_key(1)
    );
    let mut config = fleet.transport_config();
    config.known_hosts = fleet.write_known_hosts("changed", &text);
    let err = connect_err(config, &fleet, 0).await;
    assert!(
        matches!(err, TransportError::HostKeyChanged { line: 3, .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("node0:") && text.contains("changed:3"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_new_records_the_key() {
    let Some(fleet) = fleet(1) else { return };
    let path = fleet.dir.path().join("new").join("known_hosts");
    let mut config = fleet.transport_config();
    config.known_hosts = path.clone();
    config.accept_new = true;
    let pool = Pool::new(config.clone()).unwrap();
    let conn = pool
        .connect(&fleet.target(0))
        .await
        .expect("accept-new connect");
    assert_eq!(conn.host_key_status(), HostKeyStatus::Recorded);
    let recorded = std::fs::read_to_string(&path).unwrap();
    assert!(recorded.contains(&fleet.host_public_key(0)), "{recorded}");
    assert!(
        recorded.contains(&format!(
            "[{}]:{}",
            fleet.hosts[0].address, fleet.hosts[0].port
        )),
        "{recorded}"
    );
    config.accept_new = false;
    let pool = Pool::new(config).unwrap();
    let conn = pool
        .connect(&fleet.target(0))
        .await
        .expect("second connect");
    assert_eq!(conn.host_key_status(), HostKeyStatus::Known);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_new_never_accepts_a_changed_key() {
    let Some(fleet) = fleet(2) else { return };
    let h = &fleet.hosts[0];
    let mut config = fleet.transport_config();
    config.known_hosts = fleet.write_known_hosts(
        "kh",
        &format!("[{}]:{} {}\n", h.address, h.port, fleet.host_public_key(1)),
    );
    config.accept_new = true;
    let err = connect_err(config, &fleet, 0).await;
    assert!(
        matches!(err, TransportError::HostKeyChanged { line: 1, .. }),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_entries_are_accepted() {
    let Some(fleet) = fleet(1) else { return };
    let path = fleet.write_known_hosts("hashed", &format!("{}\n", fleet.host_key_line(0)));
    let status = std::process::Command::new("ssh-keygen")
        .arg("-q")
        .arg("-H")
        .arg("-f")
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("|1|"), "{text}");
    let mut config = fleet.transport_config();
    config.known_hosts = path;
    Pool::new(config)
        .unwrap()
        .connect(&fleet.target(0))
        .await
        .expect("hashed entry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wildcard_and_negated_patterns() {
    let Some(fleet) = fleet(1) else { return };
    let h = &fleet.hosts[0];
    let key = fleet.host_public_key(0);
    let mut config = fleet.transport_config();
    config.known_hosts = fleet.write_known_hosts("wild", &format!("[127.*]:{} {key}\n", h.port));
    Pool::new(config.clone())
        .unwrap()
        .connect(&fleet.target(0))
        .await
        .expect("wildcard entry");
    config.known_hosts = fleet.write_known_hosts(
        "neg",
        &format!("[127.*]:{},![{}]:{} {key}\n", h.port, h.address, h.port),
    );
    let err = connect_err(config, &fleet, 0).await;
    assert!(
        matches!(err, TransportError::UnknownHostKey { .. }),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_key_is_refused() {
    let Some(fleet) = fleet(1) else { return };
    let text = format!(
        "{}\n@revoked * {}\n",
        fleet.host_key_line(0),
        fleet.host_public_key(0)
    );
    let mut config = fleet.transport_config();
    config.known_hosts = fleet.write_known_hosts("revoked", &text);
    let err = connect_err(config, &fleet, 0).await;
    assert!(
        matches!(err, TransportError::RevokedHostKey { line: 2, .. }),
        "{err}"
    );
    assert!(
        err.to_string().starts_with("node0:") && err.to_string().contains("revoked:2"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_failure_lists_what_was_tried() {
    let Some(fleet) = fleet(1) else { return };
    let wrong = fleet.dir.path().join("wrong_key");
    let locked = fleet.dir.path().join("locked_key");
    for (path, pass) in [(&wrong, ""), (&locked, "secret-pass")] {
        let status = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-C", "", "-N", pass, "-f"])
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    }
    let mut target = fleet.target(0);
    target.identity_files = vec![
        locked.clone(),
        wrong.clone(),
        fleet.dir.path().join("missing"),
    ];
    let pool = Pool::new(fleet.transport_config()).unwrap();
    let err = match pool.connect(&target).await {
        Ok(_) => panic!("wrong keys accepted"),
        Err(e) => e,
    };
    assert!(matches!(err, TransportError::Auth { .. }), "{err}");
    let text = err.to_string();
    assert!(text.starts_with("node0:"), "{text}");
    assert!(
        text.contains(&format!("{} (encrypted", locked.display())),
        "{text}"
    );
    assert!(
        text.contains(&format!("{} (rejected)", wrong.display())),
        "{text}"
    );
    assert!(text.contains("missing (not found)"), "{text}");
    let secret = std::fs::read_to_string(&wrong).unwrap();
    let body = secret.lines().nth(1).unwrap();
    assert!(
        !text.contains(body) && !text.contains("secret-pass"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_host_is_detected_by_keepalive() {
    let Some(fleet) = fleet(1) else { return };
    let mut config = fleet.transport_config();
    config.keepalive_interval = Duration::from_secs(1);
    config.keepalive_max = 2;
    let pool = Pool::new(config).unwrap();
    let conn = pool.connect(&fleet.target(0)).await.expect("connect");
    let exec = spawn_exec(&conn, "sleep 60".into());
    tokio::time::sleep(Duration::from_millis(500)).await;
    fleet.pause_host(0);
    let start = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(15), exec).await;
    let elapsed = start.elapsed();
    fleet.resume_host(0);
    let err = result
        .expect("exec did not notice the dead host")
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, TransportError::Disconnected { .. }), "{err}");
    assert!(
        err.to_string().starts_with("node0:") && err.to_string().contains("keepalive"),
        "{err}"
    );
    // interval x (max + 1) = 3 s, plus scheduling slack.
    assert!(elapsed < Duration::from_secs(8), "took {elapsed:?}");
    assert!(conn.is_closed());
    let again = pool
        .connect(&fleet.target(0))
        .await
        .expect("reconnect after resume");
    assert!(!Arc::ptr_eq(&conn, &again));
    assert_eq!(run(&again, "echo back").await.stdout_str(), "back\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_host_gives_disconnected_and_reconnects_after_restart() {
    let Some(fleet) = fleet(1) else { return };
    let (pool, conn) = connect(&fleet, 0).await;
    let exec = spawn_exec(&conn, "sleep 60".into());
    tokio::time::sleep(Duration::from_millis(500)).await;
    fleet.kill_host(0);
    let err = tokio::time::timeout(Duration::from_secs(10), exec)
        .await
        .expect("noticed")
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, TransportError::Disconnected { .. }), "{err}");
    assert!(err.to_string().starts_with("node0:"), "{err}");
    let err = match pool.connect(&fleet.target(0)).await {
        Ok(_) => panic!("connected to a dead host"),
        Err(e) => e,
    };
    assert!(matches!(err, TransportError::Connect { .. }), "{err}");
    assert!(err.to_string().starts_with("node0:"), "{err}");
    fleet.restart_host(0);
    let again = pool.connect(&fleet.target(0)).await.expect("reconnect");
    assert_eq!(run(&again, "echo up").await.stdout_str(), "up\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_reuses_connections_and_keeps_order() {
    let Some(fleet) = fleet(3) else { return };
    let pool = Pool::new(fleet.transport_config()).unwrap();
    let mut targets = fleet.targets();
    let mut bad = fleet.target(0);
    bad.name = "ghost".into();
    bad.address = "127.255.255.254".into();
    bad.port = 1;
    targets.insert(1, bad);
    let results = pool.connect_all(&targets).await;
    assert_eq!(results.len(), 4);
    assert_eq!(results[0].as_ref().unwrap().host(), "node0");
    let err = results[1].as_ref().err().expect("ghost must fail");
    assert!(err.to_string().starts_with("ghost:"), "{err}");
    assert_eq!(results[2].as_ref().unwrap().host(), "node1");
    assert_eq!(results[3].as_ref().unwrap().host(), "node2");
    let again = pool.connect(&fleet.target(2)).await.unwrap();
    assert!(Arc::ptr_eq(results[3].as_ref().unwrap(), &again));
    pool.close_all().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(again.is_closed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_timeout_covers_the_handshake() {
    let Some(fleet) = fleet(1) else { return };
    let mut config = fleet.transport_config();
    config.connect_timeout = Duration::from_secs(2);
    fleet.pause_host(0);
    let start = Instant::now();
    let err = connect_err(config, &fleet, 0).await;
    fleet.resume_host(0);
    assert!(
        matches!(err, TransportError::ConnectTimeout { .. }),
        "{err}"
    );
    assert!(err.to_string().starts_with("node0:"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_is_byte_identical_and_atomic() {
    let Some(fleet) = fleet(1) else { return };
    let (_pool, conn) = connect(&fleet, 0).await;
    let data: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let dir = format!("/tmp/{}", unique("upload"));
    let remote = format!("{dir}/sub dir/payload.bin");
    conn.upload(&data, &remote, 0o640).await.expect("upload");
    let quoted = shlex::try_quote(&remote).unwrap().into_owned();
    let out = run(
        &conn,
        &format!("sha256sum < {quoted}; stat -c %a {quoted}; ls -A \"$(dirname {quoted})\""),
    )
    .await;
    let stdout = out.stdout_str();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().next().unwrap(),
        hex::encode(sha2::Sha256::digest(&data))
    );
    assert_eq!(lines[1], "640");
    assert_eq!(&lines[2..], ["payload.bin"], "temporary files left behind");

    let local = fleet.dir.path().join("local.bin");
    std::fs::write(&local, &data[..1_000_001]).unwrap();
    let n = conn
        .upload_file(&local, &remote, 0o600)
        .await
        .expect("upload_file");
    assert_eq!(n, 1_000_001);
    let out = run(&conn, &format!("wc -c < {quoted}; stat -c %a {quoted}")).await;
    assert_eq!(out.stdout_str(), "1000001\n600\n");

    let err = conn
        .upload(b"x", "/proc/herd-cannot-write/file", 0o600)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("node0:") && text.contains("/proc/herd-cannot-write/file"),
        "{text}"
    );
    run(
        &conn,
        &format!("rm -rf {}", shlex::try_quote(&dir).unwrap()),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_tcp_reaches_a_port_on_the_host() {
    let Some(fleet) = fleet(1) else { return };
    let (_pool, conn) = connect(&fleet, 0).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4];
        sock.read_exact(&mut buf).await.unwrap();
        sock.write_all(&[b"echo:".as_slice(), &buf].concat())
            .await
            .unwrap();
    });
    let mut stream = conn.open_tcp("127.0.0.1", port).await.expect("tunnel");
    stream.write_all(b"ping").await.unwrap();
    let mut back = Vec::new();
    stream.read_to_end(&mut back).await.unwrap();
    assert_eq!(back, b"echo:ping");

    // Nothing listens on port 1: the open is refused, naming the host.
    let Err(err) = conn.open_tcp("127.0.0.1", 1).await else {
        panic!("a tunnel to a closed port opened");
    };
    assert!(
        err.to_string().starts_with("node0:") && err.to_string().contains("127.0.0.1:1"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jump_host_carries_the_connection() {
    let Some(fleet) = fleet(2) else { return };
    let pool = Pool::new(fleet.transport_config()).unwrap();
    let mut target = fleet.target(1);
    target.jump = vec![fleet.target(0)];
    let conn = pool
        .connect(&target)
        .await
        .unwrap_or_else(|e| panic!("via jump: {e}\n{}", fleet.log(0)));
    assert_eq!(conn.host(), "node1");
    assert_eq!(run(&conn, "echo through").await.stdout_str(), "through\n");
    assert!(
        fleet.log(0).contains("Accepted publickey"),
        "jump host was not used"
    );
    // The tunnel runs through host 0: without it the connection is gone.
    fleet.kill_host(0);
    let start = Instant::now();
    while !conn.is_closed() && start.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(conn.is_closed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jump_host_checks_the_targets_key() {
    let Some(fleet) = fleet(2) else { return };
    // Only the jump host's key is known.
    let mut config = fleet.transport_config();
    config.known_hosts =
        fleet.write_known_hosts("jump-only", &format!("{}\n", fleet.host_key_line(0)));
    let pool = Pool::new(config).unwrap();
    let mut target = fleet.target(1);
    target.jump = vec![fleet.target(0)];
    let err = match pool.connect(&target).await {
        Ok(_) => panic!("unknown target key accepted through a jump host"),
        Err(e) => e,
    };
    assert!(
        matches!(err, TransportError::UnknownHostKey { .. }),
        "{err}"
    );
    assert!(err.to_string().starts_with("node1:"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_config_supplies_address_port_and_key() {
    let Some(fleet) = fleet(1) else { return };
    let h = &fleet.hosts[0];
    let cfg = fleet.dir.path().join("ssh_config");
    std::fs::write(
        &cfg,
        format!(
            "Host alias-*\n    HostName {}\n    Port {}\n    IdentityFile {}\n",
            h.address,
            h.port,
            fleet.client_key.display()
        ),
    )
    .unwrap();
    let mut target = fleet.target(0);
    target.name = "alias-0".into();
    target.address = "alias-0".into();
    target.port = 22;
    target.identity_files.clear();
    let explicit = herd::transport::ssh_config::ExplicitFields {
        user: true,
        ..Default::default()
    };
    herd::transport::ssh_config::apply(&mut target, explicit, Some(&cfg)).unwrap();
    assert_eq!(
        (target.address.as_str(), target.port),
        (h.address.as_str(), h.port)
    );
    let pool = Pool::new(fleet.transport_config()).unwrap();
    let conn = pool
        .connect(&target)
        .await
        .expect("connect through ssh config");
    assert_eq!(conn.host(), "alias-0");
    assert_eq!(run(&conn, "echo cfg").await.stdout_str(), "cfg\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execs_as_many_as_max_sessions_back_to_back_all_succeed() {
    // sshd frees a closed session's slot only on its next loop turn, so an
    // open that arrives with the close of the previous channel finds every
    // slot taken ("no more sessions") although the client keeps its cap.
    let Some(fleet) = SshdFleet::try_start_with(1, "MaxSessions 2\n") else {
        return;
    };
    let mut config = fleet.transport_config();
    config.max_channels = 2;
    let pool = Pool::new(config).unwrap();
    let conn = pool.connect(&fleet.target(0)).await.expect("connect");
    let tasks = (0..60).map(|i| spawn_exec(&conn, format!("echo {i}")));
    for (i, r) in futures::future::join_all(tasks)
        .await
        .into_iter()
        .enumerate()
    {
        let out = r.unwrap().unwrap_or_else(|e| panic!("exec {i}: {e}"));
        assert_eq!(out.stdout_str(), format!("{i}\n"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_output_keeps_only_its_last_megabytes_and_says_so() {
    let Some(fleet) = fleet(1) else {
        return;
    };
    let (_pool, conn) = connect(&fleet, 0).await;
    let out = run(
        &conn,
        "head -c 30000000 /dev/zero | tr '\\0' x; echo END; head -c 20000000 /dev/zero | tr '\\0' y >&2",
    )
    .await;
    assert!(out.success());
    let limit = 2 * herd::transport::exec::KEPT_OUTPUT + 200;
    assert!(out.stdout.len() <= limit && out.stderr.len() <= limit);
    let text = String::from_utf8_lossy(&out.stdout[..200]).into_owned();
    assert!(
        text.starts_with("[herd: the first ") && text.contains("bytes of this output were dropped"),
        "{text}"
    );
    assert!(out.stdout.ends_with(b"xxxEND\n"));
    assert!(String::from_utf8_lossy(&out.stderr[..200]).starts_with("[herd: the first "));
}
