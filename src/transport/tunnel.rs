//! TCP streams carried through the SSH connection (direct-tcpip channels).

/// A byte stream to a port as seen from the host; closes its channel on drop.
pub type TcpStream = russh::ChannelStream<russh::client::Msg>;
