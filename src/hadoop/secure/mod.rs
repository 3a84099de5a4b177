//! Secure mode: the cluster's own certificate authority and what it issues.

pub mod ca;
