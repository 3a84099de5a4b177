//! The user a stage's commands run as on a host: the stage's `become` /
//! `become_user` where it says so, else the host's inventory settings,
//! else the login user (no sudo at all).

use super::template::{TemplateContext, render_raw};
use crate::model::{Become, DEFAULT_BECOME_USER, Host, Stage, bad_user_name};
use crate::transport::{BecomePassword, Sudo};

/// The become user of `stage` on `host` (None: the login user). A stage's
/// `become_user` is a template, rendered in `ctx`, the host's context.
pub fn become_user(
    stage: &Stage,
    host: &Host,
    ctx: &TemplateContext,
) -> Result<Option<String>, String> {
    if !wants(&stage.privilege, host) {
        return Ok(None);
    }
    let user = match &stage.privilege.user {
        Some(t) => {
            let user = render_raw(t, ctx).map_err(|e| format!("cannot render become_user: {e}"))?;
            let user = user.trim().to_string();
            if user.is_empty() {
                return Err("become_user renders empty".into());
            }
            if let Some(why) = bad_user_name(&user) {
                return Err(format!("become_user: {why}"));
            }
            user
        }
        None => host
            .privilege
            .user
            .clone()
            .unwrap_or_else(|| DEFAULT_BECOME_USER.to_string()),
    };
    Ok(Some(user))
}

/// The become user on `host` of a command that says `wanted` with plain
/// names, not templates (`herd exec --become-user`); None: the login user.
pub fn plain_become_user(wanted: &Become, host: &Host) -> Option<String> {
    wants(wanted, host).then(|| {
        wanted
            .user
            .clone()
            .or_else(|| host.privilege.user.clone())
            .unwrap_or_else(|| DEFAULT_BECOME_USER.to_string())
    })
}

/// Whether a command that says `wanted` becomes a user on `host`: its own
/// word first, then the host's.
pub fn wants(wanted: &Become, host: &Host) -> bool {
    wanted.asks().or(host.privilege.enabled) == Some(true)
}

/// How the transport runs `stage`'s commands on `host`: through sudo as
/// its become user, with the run's password, or None.
pub fn sudo_for(
    stage: &Stage,
    host: &Host,
    ctx: &TemplateContext,
    password: Option<&BecomePassword>,
) -> Result<Option<Sudo>, String> {
    match become_user(stage, host, ctx)? {
        Some(user) => Sudo::new(&user, password.cloned())
            .map(Some)
            .map_err(|e| format!("become_user: {e}")),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Inventory, Playbook};

    #[test]
    fn the_stage_wins_over_the_host_and_the_host_over_its_defaults() {
        let inv = Inventory::parse(
            "defaults: { become: true }\nvars: { svc: hdfs, none: '' }\nhosts:\n  - name: a\n  - name: b\n    become_user: yarn\n  - name: c\n    become: false\n",
            std::path::Path::new("i.yaml"),
        )
        .unwrap();
        let pb = Playbook::parse(
            "stages:\n  - { name: plain, hosts: all, run: id }\n  - { name: svc, hosts: all, become_user: '{{ vars.svc }}', run: id }\n  - { name: off, hosts: all, become: false, run: id }\n  - { name: root, hosts: all, become: true, run: id }\n  - { name: empty, hosts: all, become_user: '{{ vars.none }}', run: id }\n  - { name: bad, hosts: all, become_user: '{{ vars.svc }} x', run: id }\n",
            "p.yaml",
        )
        .unwrap();
        let user = |stage: usize, host: usize| {
            let ctx = TemplateContext::new(&inv, &pb, host);
            become_user(&pb.stages[stage], &inv.hosts[host], &ctx)
        };
        let users = |stage: usize| (0..3).map(|h| user(stage, h).unwrap()).collect::<Vec<_>>();
        let s = |u: &str| Some(u.to_string());
        assert_eq!(users(0), vec![s("root"), s("yarn"), None]);
        assert_eq!(users(1), vec![s("hdfs"), s("hdfs"), s("hdfs")]);
        assert_eq!(users(2), vec![None, None, None]);
        assert_eq!(users(3), vec![s("root"), s("yarn"), s("root")]);
        assert_eq!(user(4, 0), Err("become_user renders empty".to_string()));
        assert!(
            user(5, 0)
                .unwrap_err()
                .contains("'hdfs x' is not a user name")
        );
    }
}
