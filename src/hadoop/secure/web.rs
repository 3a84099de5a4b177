//! On a secure cluster every web endpoint wants SPNEGO over TLS, so herd's
//! web reads (gates, `herd status`, smoke checks) are made on each host by
//! its `web-get` (see `render::kerberos`), with the host's `herd/<host>`
//! ticket and the cluster CA, instead of through a tunnel.

use crate::hadoop::render::kerberos::web_get;
use crate::model::Inventory;
use crate::shell::quote as q;
use crate::transport::SshTarget;

/// Points each target's web reads at its host's `web-get` when the
/// inventory is secure. Settings that do not read leave the targets as
/// they are: the command that validates the inventory reports them.
pub fn attach(inv: &Inventory, targets: &mut [SshTarget]) {
    let mut errors = Vec::new();
    let s = crate::hadoop::settings::read(inv, &mut errors);
    if s.security.is_none() {
        return;
    }
    let client = q(&web_get(&s));
    for t in targets.iter_mut() {
        t.web_client = Some(client.clone());
    }
}
