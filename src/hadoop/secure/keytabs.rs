//! The command that puts a host's keytabs in place, run as root before any
//! daemon of the host starts.
//!
//! A keytab is kept when it still logs in (`kinit -k` against the KDC):
//! that is the one test that the key version in the file is the KDC's, and
//! it keeps a re-run from re-randomising keys every daemon already holds.
//! One that does not log in is replaced: with an admin principal, herd
//! creates the principal if it is missing and exports a fresh keytab
//! (`ktadd`, which bumps the key version); with issued keytabs, the copy
//! uploaded from the security team's directory must hold the principal and
//! log in, or the host stops here, named with the principal. Either way the
//! file ends owned by the daemon's account with mode 0400 (the SPNEGO
//! keytab root:group 0440), and nothing of it is printed.
//!
//! The admin password reaches the host as a secret (stdin, never argv) and
//! only `kinit` reads it, to get a ticket for kadmin in a cache under a
//! private temporary directory that is removed at the end.

use crate::shell::quote as q;

use super::principals::{KEYTAB_DIR, Keytab, Owner};
use crate::hadoop::settings::{Kerberos, KeytabSource, Settings};

/// Where the issued keytabs of a host are uploaded before they are checked.
pub const ISSUED_DIR: &str = "/etc/security/keytabs/.herd-issued";

/// One keytab as the script sees it.
pub struct Wanted {
    pub keytab: Keytab,
    pub principal: String,
    /// `user:group` the file ends owned by.
    pub owner: String,
    /// The host's services that log in with it.
    pub readers: Vec<String>,
}

/// `owner:group` of `k` on a host whose login account is `login`.
pub fn owner(s: &Settings, k: &Keytab, login: &str) -> String {
    let group = &s.users.group;
    match k.owner {
        Owner::Account(a) => format!("{}:{group}", s.users.name(a)),
        Owner::Group => format!("root:{group}"),
        // The login account's own group is unknown here; root's is root.
        Owner::Login => login.to_string(),
    }
}

/// The host's script. `password_ref` is the shell reference to the admin
/// password secret (with an admin principal); `stale_file` is where the
/// services still holding a replaced key are recorded, for `herd restart
/// --stale`.
pub fn script(
    k: &Kerberos,
    wanted: &[Wanted],
    password_ref: Option<&str>,
    stale_file: &str,
) -> String {
    // The issued copies go whatever happens: they are checked or refused here.
    let issued = match k.keytabs {
        KeytabSource::Issued { .. } => format!(" {}", q(ISSUED_DIR)),
        KeytabSource::Admin { .. } => String::new(),
    };
    let mut out = format!(
        "set -u\numask 077\n\
         work=$(mktemp -d) || exit 1\n\
         trap 'kdestroy -q -c \"FILE:$work/admin\" 2>/dev/null; rm -rf \"$work\"{issued}' EXIT\n",
    );
    out.push_str(&format!(
        "mkdir -p {dir} && chmod 0755 {dir} || exit 1\n",
        dir = q(KEYTAB_DIR)
    ));
    // logs_in FILE PRINCIPAL: the file's key is the KDC's.
    out.push_str(
        "logs_in() { kinit -k -t \"$1\" -c \"FILE:$work/check\" \"$2\" 2>\"$work/why\"; }\n\
         why() { tr '\\n' ' ' < \"$work/why\"; }\n",
    );
    out.push_str("stale=''\n");
    match (&k.keytabs, password_ref) {
        (KeytabSource::Admin { principal, .. }, Some(pw)) => {
            out.push_str(&format!(
                "admin=''\n\
                 login_admin() {{\n  \
                   [ -n \"$admin\" ] && return 0\n  \
                   printf '%s\\n' {pw} | kinit -S kadmin/admin -c \"FILE:$work/admin\" {p} >/dev/null 2>\"$work/why\" \\\n    \
                   || {{ echo \"cannot log in to the KDC's admin server as \"{p}\": $(why)\" >&2; exit 1; }}\n  \
                   admin=1\n\
                 }}\n\
                 export_keytab() {{\n  \
                   login_admin\n  \
                   if ! kadmin -c \"FILE:$work/admin\" -q \"getprinc $1\" 2>/dev/null | grep -q '^Principal: '; then\n    \
                     kadmin -c \"FILE:$work/admin\" -q \"addprinc -randkey $1\" >\"$work/why\" 2>&1\n  \
                   fi\n  \
                   rm -f \"$work/new\"\n  \
                   kadmin -c \"FILE:$work/admin\" -q \"ktadd -k $work/new $1\" >>\"$work/why\" 2>&1\n  \
                   [ -s \"$work/new\" ] || {{ echo \"kadmin could not export $1: $(why)\" >&2; exit 1; }}\n\
                 }}\n",
                p = q(principal),
            ));
        }
        _ => {
            out.push_str(&format!(
                "export_keytab() {{\n  \
                   src={issued}/\"$2\"\n  \
                   [ -f \"$src\" ] || {{ echo \"no issued keytab $2 for $1 (expected in the inventory's keytabs directory, under this host's name)\" >&2; exit 1; }}\n  \
                   klist -k \"$src\" 2>/dev/null | grep -qF \" $1\" || {{ echo \"the issued keytab $2 does not hold $1\" >&2; exit 1; }}\n  \
                   cp \"$src\" \"$work/new\"\n\
                 }}\n",
                issued = q(ISSUED_DIR),
            ));
        }
    }
    for w in wanted {
        let path = w.keytab.path();
        out.push_str(&format!(
            "if [ -f {path} ] && logs_in {path} {p}; then\n  \
               echo \"kept {file} ({p_text})\"\n\
             else\n  \
               export_keytab {p} {file}\n  \
               logs_in \"$work/new\" {p} || {{ echo \"the keytab of {p_text} does not log in: $(why)\" >&2; exit 1; }}\n  \
               replaced=no; [ -f {path} ] && replaced=yes\n  \
               chown {owner} \"$work/new\" && chmod {mode} \"$work/new\" && mv -f \"$work/new\" {path} || exit 1\n  \
               echo \"installed {file} ({p_text})\"\n  \
               [ $replaced = no ] || stale=\"$stale {readers}\"\n\
             fi\n\
             chown {owner} {path} && chmod {mode} {path} || exit 1\n",
            path = q(&path),
            p = q(&w.principal),
            p_text = w.principal,
            file = w.keytab.file,
            owner = q(&w.owner),
            mode = w.keytab.mode(),
            readers = w.readers.join(" "),
        ));
    }
    out.push_str(&format!(
        "stale=$(printf '%s\\n' $stale | sort -u | tr '\\n' ' ')\n\
         if [ -n \"${{stale% }}\" ]; then\n  \
           mkdir -p \"$(dirname {f})\" && {{ cat {f} 2>/dev/null; printf '%s\\n' $stale; }} | sort -u > {f}.tmp && mv -f {f}.tmp {f}\n  \
           echo \"replaced keytabs the KDC no longer accepted; still holding the old keys: $stale(recorded in {shown}; herd restart --stale restarts them)\"\n\
         fi\n",
        f = q(stale_file),
        shown = stale_file,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::super::principals::{HERD, of_role};
    use super::*;
    use crate::hadoop::settings::AdminPassword;

    fn kerberos(keytabs: KeytabSource) -> Kerberos {
        Kerberos {
            realm: "R".into(),
            kdc_host: "kdc".into(),
            kdc_port: 88,
            admin_host: "kdc".into(),
            admin_port: 749,
            keytabs,
        }
    }

    fn wanted() -> Vec<Wanted> {
        vec![
            Wanted {
                keytab: of_role("namenode").unwrap(),
                principal: "nn/m1@R".into(),
                owner: "hdfs:hadoop".into(),
                readers: vec!["namenode".into(), "zkfc".into()],
            },
            Wanted {
                keytab: HERD,
                principal: "herd/m1@R".into(),
                owner: "admin".into(),
                readers: Vec::new(),
            },
        ]
    }

    #[test]
    fn the_password_is_a_reference_and_each_keytab_is_kept_when_it_logs_in() {
        let k = kerberos(KeytabSource::Admin {
            principal: "admin/admin@R".into(),
            password: AdminPassword::Prompt,
        });
        let s = script(
            &k,
            &wanted(),
            Some("\"$HERD_SECRET_I1\""),
            "/opt/.herd/stale",
        );
        assert!(s.contains("printf '%s\\n' \"$HERD_SECRET_I1\" | kinit -S kadmin/admin"));
        assert!(s.contains(
            "if [ -f /etc/security/keytabs/nn.service.keytab ] && logs_in /etc/security/keytabs/nn.service.keytab nn/m1@R; then"
        ));
        assert!(
            s.contains("chown hdfs:hadoop /etc/security/keytabs/nn.service.keytab && chmod 0400")
        );
        assert!(s.contains("chown admin /etc/security/keytabs/herd.keytab && chmod 0400"));
        assert!(!s.contains(ISSUED_DIR));
    }

    #[test]
    fn issued_keytabs_are_checked_for_their_principal() {
        let k = kerberos(KeytabSource::Issued { dir: "/x".into() });
        let s = script(&k, &wanted(), None, "/opt/.herd/stale");
        assert!(!s.contains("kadmin"));
        assert!(s.contains("does not hold $1"));
        assert!(s.contains("rm -rf \"$work\" /etc/security/keytabs/.herd-issued' EXIT"));
    }

    /// The script is valid POSIX sh.
    #[test]
    fn parses_as_sh() {
        let k = kerberos(KeytabSource::Admin {
            principal: "admin/admin@R".into(),
            password: AdminPassword::Prompt,
        });
        for s in [
            script(
                &k,
                &wanted(),
                Some("\"$HERD_SECRET_I1\""),
                "/opt/.herd/stale",
            ),
            script(
                &kerberos(KeytabSource::Issued { dir: "/x".into() }),
                &wanted(),
                None,
                "/opt/.herd/stale",
            ),
        ] {
            crate::shell::assert_parses(&s);
        }
    }
}
