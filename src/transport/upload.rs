//! Atomic file upload by streaming into `cat` over an exec channel: written
//! to a private temporary file, size-checked, chmod'ed, then renamed.

use std::path::Path;

use bytes::Bytes;
use russh::ChannelMsg;
use tokio::io::AsyncReadExt;

use super::TransportError;
use super::output::tail_lines;
use super::session::Session;
use super::sudo::Sudo;

/// Large writes let `data_bytes` fill the server's window without copying.
const CHUNK: usize = 256 * 1024;

enum Source<'a> {
    Memory(Bytes),
    File(&'a mut tokio::fs::File),
}

pub(super) async fn upload_bytes(
    conn: &Session,
    data: &[u8],
    remote: &str,
    mode: u32,
    sudo: Option<&Sudo>,
) -> Result<(), TransportError> {
    let data = Bytes::copy_from_slice(data);
    let size = data.len() as u64;
    match transfer(conn, Source::Memory(data), size, remote, mode, sudo).await {
        Ok(_) => Ok(()),
        Err(Failure::Transport(t)) => Err(t),
        Err(Failure::Local(io)) => Err(TransportError::Channel {
            host: conn.host.clone(),
            reason: format!("upload to {remote} failed: {io}"),
        }),
    }
}

pub(super) async fn upload_file(
    conn: &Session,
    local: &Path,
    remote: &str,
    mode: u32,
    sudo: Option<&Sudo>,
) -> Result<u64, TransportError> {
    let local_err = |e: std::io::Error| TransportError::Channel {
        host: conn.host.clone(),
        reason: format!(
            "upload to {remote} failed: cannot read {}: {e}",
            local.display()
        ),
    };
    let mut file = tokio::fs::File::open(local).await.map_err(local_err)?;
    let size = file.metadata().await.map_err(local_err)?.len();
    transfer(conn, Source::File(&mut file), size, remote, mode, sudo)
        .await
        .map_err(|e| match e {
            Failure::Local(io) => local_err(io),
            Failure::Transport(t) => t,
        })
}

enum Failure {
    Local(std::io::Error),
    Transport(TransportError),
}

/// The host's exit status explains a failed channel write better than the
/// write error does, so that one is only noted.
enum WriteError {
    Local(std::io::Error),
    Channel(russh::Error),
}

/// The remote side. The size check keeps a short stream (local read error,
/// lost connection) from replacing the target; parent directories get the
/// login's normal umask, only the temporary file is private until chmod.
/// Under sudo all of it runs as the become user, who then owns what it
/// writes.
fn remote_command(remote: &str, size: u64, mode: u32) -> Option<String> {
    if remote.contains('\0') {
        return None;
    }
    let target = crate::shell::quote(remote);
    let tmp_path = format!("{remote}.herd-tmp.{:016x}", rand::random::<u64>());
    let tmp = crate::shell::quote(&tmp_path);
    Some(format!(
        "mkdir -p -- \"$(dirname -- {target})\" && (umask 077 && cat > {tmp}) \
         && [ \"$(wc -c < {tmp})\" -eq {size} ] && chmod {mode:o} -- {tmp} && mv -f -- {tmp} {target} \
         || {{ rc=$?; rm -f -- {tmp}; echo \"upload incomplete or refused (status $rc)\" >&2; exit 1; }}"
    ))
}

async fn transfer(
    conn: &Session,
    source: Source<'_>,
    size: u64,
    remote: &str,
    mode: u32,
    sudo: Option<&Sudo>,
) -> Result<u64, Failure> {
    let fail = |reason: String| {
        Failure::Transport(TransportError::Channel {
            host: conn.host.clone(),
            reason: format!("upload to {remote} failed: {reason}"),
        })
    };
    let command = remote_command(remote, size, mode)
        .ok_or_else(|| fail("path contains a NUL byte".into()))?;
    // Under sudo the password (if any) goes ahead of the file's bytes.
    let (command, head) = match sudo {
        Some(s) => s.direct(&[], &command),
        None => (command, Vec::new()),
    };
    let _permit = conn
        .channel_slots
        .clone()
        .acquire_owned()
        .await
        .expect("session semaphore is never closed");
    let channel = match conn.open_session().await {
        Ok(c) => c,
        Err(e) => {
            return Err(Failure::Transport(
                conn.channel_error(&format!("upload to {remote}"), e).await,
            ));
        }
    };
    if let Err(e) = channel.exec(true, command).await {
        return Err(Failure::Transport(
            conn.channel_error(&format!("upload to {remote}"), e).await,
        ));
    }
    let (mut rd, wr) = channel.split();

    let writer = async {
        let mut sent = 0u64;
        if !head.is_empty() {
            wr.data_bytes(Bytes::from(head))
                .await
                .map_err(WriteError::Channel)?;
        }
        match source {
            Source::Memory(data) => {
                let mut at = 0;
                while at < data.len() {
                    let end = (at + CHUNK).min(data.len());
                    wr.data_bytes(data.slice(at..end))
                        .await
                        .map_err(WriteError::Channel)?;
                    sent += (end - at) as u64;
                    at = end;
                }
            }
            Source::File(file) => loop {
                let mut buf = Vec::with_capacity(CHUNK);
                let n = (&mut *file)
                    .take(CHUNK as u64)
                    .read_to_end(&mut buf)
                    .await
                    .map_err(WriteError::Local)?;
                if n == 0 {
                    break;
                }
                wr.data_bytes(Bytes::from(buf))
                    .await
                    .map_err(WriteError::Channel)?;
                sent += n as u64;
            },
        }
        wr.eof().await.map_err(WriteError::Channel)?;
        Ok::<u64, WriteError>(sent)
    };
    // Read while writing: an unread channel stalls the whole connection.
    let reader = async {
        let (mut status, mut stderr, mut closed) = (None, Vec::new(), false);
        while let Some(msg) = rd.wait().await {
            match msg {
                ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
                ChannelMsg::ExitSignal { .. } => status = Some(u32::MAX),
                ChannelMsg::ExtendedData { data, .. } => stderr.extend_from_slice(&data),
                ChannelMsg::Close => closed = true,
                _ => {}
            }
        }
        (status, stderr, closed)
    };
    let mut writer = std::pin::pin!(writer);
    let mut reader = std::pin::pin!(reader);
    let mut written = None;
    let (status, stderr, closed) = loop {
        tokio::select! {
            w = &mut writer, if written.is_none() => {
                let w = match w {
                    Err(WriteError::Local(io)) => {
                        // Close without EOF: the size check on the host
                        // discards the partial file.
                        let _ = wr.close().await;
                        let _ = reader.await;
                        return Err(Failure::Local(io));
                    }
                    Err(WriteError::Channel(e)) => {
                        tracing::debug!(host = %conn.host, "upload to {remote} stopped: {e}");
                        Err(())
                    }
                    Ok(n) => Ok(n),
                };
                written = Some(w);
            }
            r = &mut reader => break r,
        }
    };
    let sent = match written {
        Some(Ok(n)) => n,
        _ => size,
    };
    match status {
        Some(0) => Ok(sent),
        Some(code) => {
            let tail = tail_lines(&String::from_utf8_lossy(&stderr), 3);
            let code = if code == u32::MAX {
                "killed by a signal".to_string()
            } else {
                format!("exit {code}")
            };
            Err(fail(format!("{code}: {tail}")))
        }
        None if !closed || conn.is_closed() => Err(Failure::Transport(conn.disconnected().await)),
        None => Err(fail(
            "the host closed the channel without an exit status".into(),
        )),
    }
}
