//! ~/.ssh/config: HostName, User, Port, IdentityFile, ProxyJump for a host.
