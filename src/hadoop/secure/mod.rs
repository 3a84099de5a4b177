//! Secure mode's parts that are not configuration files: the cluster CA,
//! which principals and keytabs each host holds, and the commands that put
//! keytabs and TLS keystores in place on the hosts.

pub mod ca;
pub mod check;
pub mod keytabs;
pub mod principals;
pub mod scope;
pub mod template;
pub mod tls;
pub mod web;
