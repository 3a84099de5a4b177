//! Running one command on a host over a session channel: the request, the
//! wrapper that makes its process group killable, and the collection of its
//! output.

use std::time::Duration;

use bytes::Bytes;
use russh::client::Msg;
use russh::{ChannelMsg, ChannelReadHalf, ChannelWriteHalf, Sig};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::TransportError;
use super::output::ExecOutput;
use super::record::{self, TaskRecord};
use super::secret_input;
use super::session::Session;
use super::sudo::{self, Sudo};

/// A command to run on the host with /bin/sh (started from the user's login shell).
#[derive(Debug, Clone, Default)]
pub struct ExecRequest {
    /// Shell command line; every interpolated value must already be quoted.
    pub command: String,
    /// Bytes written to the command's stdin, then EOF. None: stdin at EOF at once.
    pub stdin: Option<Vec<u8>>,
    /// Kill the remote process group and give up after this long.
    pub timeout: Option<Duration>,
    /// Run detached and recorded on the host, so its outcome can be asked
    /// for after the controller is gone (see `record`).
    pub record: Option<TaskRecord>,
    /// (shell variable, value) of the secrets the command refers to; the
    /// values go to the host on stdin, ahead of `stdin` (see `secret_input`).
    pub secrets: Vec<(String, String)>,
}

/// Prefix of the line the wrapper writes to stderr before the command runs.
const PGID_TAG: &[u8] = b"herd-pgid:";
/// Give up looking for the tag after this much stderr (login-shell noise).
const PGID_SCAN_LIMIT: usize = 64 * 1024;

/// sshd starts every exec in its own session (setsid), so the shell's `$$` is
/// also the process group of everything the command starts. Reporting it
/// first lets a timeout kill the whole group: the `signal` channel request
/// is refused for root logins. The command gets POSIX sh semantics whatever
/// the login shell: bash (the usual one) switches to POSIX mode and runs it
/// itself, any other shell hands it to /bin/sh. Sparing bash the extra
/// execve makes a step on 200 hosts about 15% faster. A recorded command
/// reports the process group it made for itself instead; `sudo` is how its
/// watchdog kills that group.
pub(super) fn wrap_command(
    command: &str,
    record: Option<&TaskRecord>,
    sudo: Option<&Sudo>,
) -> Option<String> {
    if command.contains('\0') {
        return None;
    }
    let (report, command) = match record {
        Some(r) => ("", record::durable_command(r, command, sudo)),
        None => ("printf 'herd-pgid:%s\\n' \"$$\" >&2; ", command.to_string()),
    };
    let quoted = crate::shell::quote(&command);
    Some(format!(
        "{report}if [ -n \"${{BASH_VERSION-}}\" ]; then set -o posix; eval {quoted}; \
         else exec /bin/sh -c {quoted}; fi"
    ))
}

/// Output kept in memory per stream: its last 4 MiB. A command that prints
/// gigabytes must not take the controller's memory with it (its whole
/// output stays in the task's record on the host).
pub const KEPT_OUTPUT: usize = 4 << 20;

/// Gathers one exec channel's messages.
#[derive(Default)]
struct Collector {
    out: ExecOutput,
    pgid: Option<u32>,
    scan_done: bool,
    closed: bool,
    refused: bool,
    /// Bytes dropped from the front of stdout and stderr.
    dropped: [u64; 2],
}

/// Drops the front of `buf` once it holds twice [`KEPT_OUTPUT`], keeping the
/// last [`KEPT_OUTPUT`] bytes; amortised, so each byte is moved about once.
fn keep_tail(buf: &mut Vec<u8>, dropped: &mut u64) {
    if buf.len() > 2 * KEPT_OUTPUT {
        let cut = buf.len() - KEPT_OUTPUT;
        buf.drain(..cut);
        *dropped += cut as u64;
    }
}

impl Collector {
    fn take(&mut self, msg: ChannelMsg) {
        match msg {
            ChannelMsg::Data { data } => {
                self.out.stdout.extend_from_slice(&data);
                keep_tail(&mut self.out.stdout, &mut self.dropped[0]);
            }
            ChannelMsg::ExtendedData { data, ext: 1 } => {
                self.out.stderr.extend_from_slice(&data);
                self.scan_pgid();
                if self.scan_done {
                    keep_tail(&mut self.out.stderr, &mut self.dropped[1]);
                }
            }
            ChannelMsg::ExitStatus { exit_status } => self.out.exit_status = Some(exit_status),
            ChannelMsg::ExitSignal { signal_name, .. } => {
                self.out.signal = Some(signal_text(&signal_name))
            }
            ChannelMsg::Failure => self.refused = true,
            ChannelMsg::Close => self.closed = true,
            _ => {}
        }
    }

    /// Finds the wrapper's line, takes the pgid and strips the line.
    fn scan_pgid(&mut self) {
        if self.scan_done {
            return;
        }
        let err = &self.out.stderr;
        let Some(start) = err.windows(PGID_TAG.len()).position(|w| w == PGID_TAG) else {
            self.scan_done = err.len() > PGID_SCAN_LIMIT;
            return;
        };
        let Some(nl) = err[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| start + i)
        else {
            return;
        };
        self.pgid = std::str::from_utf8(&err[start + PGID_TAG.len()..nl])
            .ok()
            .and_then(|s| s.trim().parse().ok());
        self.out.stderr.drain(start..=nl);
        self.scan_done = true;
    }

    /// The output, each stream that lost its front saying how much.
    fn output(mut self) -> ExecOutput {
        for (buf, dropped) in [
            (&mut self.out.stdout, self.dropped[0]),
            (&mut self.out.stderr, self.dropped[1]),
        ] {
            if dropped > 0 {
                let mut head = format!(
                    "[herd: the first {dropped} bytes of this output were dropped; the last {} are kept]\n",
                    buf.len()
                )
                .into_bytes();
                head.append(buf);
                *buf = head;
            }
        }
        self.out
    }

    fn finished(&self) -> bool {
        self.closed || self.out.exit_status.is_some() || self.out.signal.is_some()
    }
}

fn signal_text(sig: &Sig) -> String {
    match sig {
        Sig::ABRT => "ABRT",
        Sig::ALRM => "ALRM",
        Sig::FPE => "FPE",
        Sig::HUP => "HUP",
        Sig::ILL => "ILL",
        Sig::INT => "INT",
        Sig::KILL => "KILL",
        Sig::PIPE => "PIPE",
        Sig::QUIT => "QUIT",
        Sig::SEGV => "SEGV",
        Sig::TERM => "TERM",
        Sig::USR1 => "USR1",
        Sig::Custom(name) => name,
    }
    .to_string()
}

enum Ending {
    Drained,
    TimedOut(Duration),
    Cancelled,
}

/// The command as the session's shell runs it, and what goes to its stdin.
/// With `sudo`, the command runs as its user: a command whose stdin is the
/// channel reads the password and the secret values itself, as that user;
/// a recorded one, detached from the channel, is fed them from the shell
/// variables the prelude read (see `sudo`).
fn prepare(req: &ExecRequest, sudo: Option<&Sudo>) -> Result<(String, Vec<u8>), &'static str> {
    if !req.secrets.iter().all(|(n, _)| secret_input::valid_name(n)) {
        return Err("invalid secret variable name");
    }
    let names: Vec<&str> = req.secrets.iter().map(|(n, _)| n.as_str()).collect();
    let mut head = Vec::new();
    let mut outer = req.secrets.clone();
    let command = match (sudo, &req.record) {
        (None, _) => req.command.clone(),
        (Some(s), None) => {
            let (text, password) = s.direct(&names, &req.command);
            head = password;
            head.extend(secret_input::stdin(&req.secrets, None).unwrap_or_default());
            outer.clear();
            text
        }
        (Some(s), Some(_)) => {
            if let Some(pw) = s.password() {
                outer.insert(0, (sudo::PASSWORD_VAR.to_string(), pw.expose().to_string()));
            }
            s.piped(&names, &req.command)
        }
    };
    let wrapped =
        wrap_command(&command, req.record.as_ref(), sudo).ok_or("command contains a NUL byte")?;
    let mut stdin = head;
    stdin.extend(secret_input::stdin(&outer, req.stdin.as_deref()).unwrap_or_default());
    Ok((secret_input::prelude(&outer) + &wrapped, stdin))
}

pub(super) async fn run(
    conn: &Session,
    req: &ExecRequest,
    sudo: Option<&Sudo>,
    cancel: &CancellationToken,
) -> Result<ExecOutput, TransportError> {
    let host = || conn.host.clone();
    let (wrapped, stdin) = prepare(req, sudo).map_err(|reason| TransportError::Channel {
        host: host(),
        reason: reason.to_string(),
    })?;
    let _permit = tokio::select! {
        p = conn.channel_slots.clone().acquire_owned() => p.expect("session semaphore is never closed"),
        _ = cancel.cancelled() => return Err(TransportError::Cancelled { host: host() }),
    };
    if cancel.is_cancelled() {
        return Err(TransportError::Cancelled { host: host() });
    }
    let channel = match conn.open_session().await {
        Ok(c) => c,
        Err(e) => return Err(conn.channel_error("cannot open a session channel", e).await),
    };
    if let Err(e) = channel.exec(true, wrapped).await {
        return Err(conn.channel_error("cannot start the command", e).await);
    }
    let (mut rd, wr) = channel.split();
    let deadline = req.timeout.map(|t| (Instant::now() + t, t));
    let mut got = Collector::default();

    let ending = {
        let wr = &wr;
        let writer = async move {
            if !stdin.is_empty() {
                wr.data_bytes(Bytes::from(stdin)).await?;
            }
            wr.eof().await
        };
        let mut writer = std::pin::pin!(writer);
        let mut writing = true;
        let expiry = async {
            match deadline {
                Some((at, _)) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let mut expiry = std::pin::pin!(expiry);
        loop {
            tokio::select! {
                r = &mut writer, if writing => {
                    writing = false;
                    // The command may exit without reading its stdin.
                    if let Err(e) = r {
                        tracing::debug!(host = %conn.host, "stdin not fully delivered: {e}");
                    }
                }
                msg = rd.wait() => match msg {
                    Some(m) => got.take(m),
                    None => break Ending::Drained,
                },
                _ = &mut expiry => break Ending::TimedOut(deadline.map(|d| d.1).unwrap_or_default()),
                _ = cancel.cancelled() => break Ending::Cancelled,
            }
        }
    };

    match ending {
        Ending::Drained if got.refused && !got.finished() => Err(TransportError::Channel {
            host: host(),
            reason: "the host refused to run the command".to_string(),
        }),
        Ending::Drained if got.finished() => Ok(got.output()),
        Ending::Drained => Err(conn.disconnected().await),
        Ending::TimedOut(after) => {
            terminate(conn, &mut got, &mut rd, &wr, sudo).await;
            Err(TransportError::CommandTimeout {
                host: host(),
                after,
            })
        }
        Ending::Cancelled => {
            terminate(conn, &mut got, &mut rd, &wr, sudo).await;
            Err(TransportError::Cancelled { host: host() })
        }
    }
}

/// Kills the command's process group and ends its channel, reading the
/// channel meanwhile so the connection keeps flowing.
async fn terminate(
    conn: &Session,
    got: &mut Collector,
    rd: &mut ChannelReadHalf,
    wr: &ChannelWriteHalf<Msg>,
    sudo: Option<&Sudo>,
) {
    if conn.is_closed() {
        return;
    }
    // The wrapper reports the group as soon as the command is started; a
    // timeout or Ctrl-C can come first, and the command must not be left
    // running for want of its group.
    if got.pgid.is_none() && !got.finished() {
        let report = async {
            while got.pgid.is_none() {
                match rd.wait().await {
                    Some(m) => got.take(m),
                    None => break,
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(5), report).await;
    }
    match got.pgid {
        Some(pgid) => {
            let both = async { tokio::join!(kill_group(conn, pgid, sudo), drain(rd, got)) };
            let _ = tokio::time::timeout(Duration::from_secs(10), both).await;
        }
        None => {
            tracing::debug!(host = %conn.host, "process group unknown; closing the channel only")
        }
    }
    // Dropping a channel sends nothing and keeps the server's session slot.
    let _ = wr.close().await;
    let _ = tokio::time::timeout(Duration::from_secs(2), drain(rd, got)).await;
}

/// Reads the channel to its end; safe to call again once it has ended.
async fn drain(rd: &mut ChannelReadHalf, got: &mut Collector) {
    while let Some(m) = rd.wait().await {
        got.take(m);
    }
}

/// TERM, then KILL whatever is left after about two seconds; `$1` is the
/// process group. `kill -SIG -N` rather than `kill -SIG -- -N`: dash's
/// builtin takes no `--`.
const GROUP_KILL: &str = "g=$1; kill -TERM -\"$g\" 2>/dev/null || exit 0; i=0; \
     while [ $i -lt 20 ] && kill -0 -\"$g\" 2>/dev/null; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done; \
     kill -KILL -\"$g\" 2>/dev/null; exit 0";

/// Kills process group `pgid`: under `sudo`, as its user first (the login
/// user may not signal the become user's processes), then as the login
/// user (the session's shell, and sudo itself).
async fn kill_group(conn: &Session, pgid: u32, sudo: Option<&Sudo>) {
    let login = format!("set -- {pgid}; {GROUP_KILL}");
    let (script, stdin) = match sudo {
        None => (login, None),
        Some(s) => {
            let read = match s.password() {
                Some(_) => format!("IFS= read -r {} || :; ", sudo::PASSWORD_VAR),
                None => String::new(),
            };
            let as_user = s.run_script(GROUP_KILL, &format!(" {pgid}"));
            let stdin = s.password().map(|p| format!("{}\n", p.expose()));
            (format!("{read}{as_user} >/dev/null 2>&1; {login}"), stdin)
        }
    };
    // Runs outside the session semaphore: the slot of the command being
    // killed is still held, and the headroom below MaxSessions covers this.
    match conn.open_session().await {
        Ok(mut ch) => {
            if ch.exec(true, script.as_str()).await.is_ok() {
                if let Some(data) = stdin {
                    let _ = ch.data(data.as_bytes()).await;
                }
                let _ = ch.eof().await;
                while ch.wait().await.is_some() {}
            }
        }
        Err(e) => tracing::debug!(host = %conn.host, "cannot kill group {pgid}: {e}"),
    }
}
