//! TCP streams carried through the SSH connection (direct-tcpip channels).

use super::TransportError;
use super::session::Session;

/// A byte stream to a port as seen from the host; closes its channel on drop.
pub type TcpStream = russh::ChannelStream<russh::client::Msg>;

/// direct-tcpip channels do not count against MaxSessions, so no session
/// permit is taken.
pub(super) async fn open(
    conn: &Session,
    addr: &str,
    port: u16,
) -> Result<TcpStream, TransportError> {
    match conn
        .handle
        .channel_open_direct_tcpip(addr.to_string(), u32::from(port), "127.0.0.1", 0)
        .await
    {
        Ok(channel) => Ok(channel.into_stream()),
        Err(e) => Err(conn
            .channel_error(&format!("cannot open a tunnel to {addr}:{port}"), e)
            .await),
    }
}
