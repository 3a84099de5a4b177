//! `vars.security`: secure mode. Kerberos for every daemon and client (with
//! the KDC the cluster trusts), TLS on every web endpoint, SASL on the data
//! path. Absent, the cluster runs Hadoop's simple authentication.
//!
//! Keytabs come one of two ways, as in Ambari's and Cloudera Manager's
//! Kerberos wizards: herd creates the principals and exports their keytabs
//! on each host with an admin principal of the KDC (its password read from
//! a file, or asked on the terminal), or the security team issued them and
//! herd distributes and checks them.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::model::reader::Reader;

/// kadmind's port when `admin_server` names a host only (RFC 3244's 749).
pub const KADMIN_PORT: u16 = 749;
/// The KDC's port when `kdc` names a host only.
pub const KDC_PORT: u16 = 88;

#[derive(Debug, Clone, PartialEq)]
pub struct Security {
    pub kerberos: Kerberos,
    pub tls: Tls,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Kerberos {
    /// Upper case by convention; used as given.
    pub realm: String,
    pub kdc_host: String,
    pub kdc_port: u16,
    pub admin_host: String,
    pub admin_port: u16,
    pub keytabs: KeytabSource,
}

impl Kerberos {
    /// `name/host@REALM`.
    pub fn principal(&self, name: &str, host: &str) -> String {
        format!("{name}/{host}@{}", self.realm)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum KeytabSource {
    /// herd creates each host's principals and exports their keytabs there.
    Admin {
        /// With the realm (`admin/admin@HERD.TEST`).
        principal: String,
        password: AdminPassword,
    },
    /// Issued by the security team: `<dir>/<host>/<service>.keytab` on this
    /// machine, copied to each host and checked there.
    Issued { dir: PathBuf },
}

#[derive(Debug, Clone, PartialEq)]
pub enum AdminPassword {
    /// Read when a run starts; never shown, journaled or passed in argv.
    File(PathBuf),
    /// Asked on the terminal.
    Prompt,
}

/// Where the certificates of the web endpoints come from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tls {
    /// The operator's CA (certificate, key); None: the cluster CA herd
    /// creates on first use and keeps in its state directory.
    pub ca: Option<(PathBuf, PathBuf)>,
}

const KEYS: &[&str] = &["kerberos", "tls"];
const KERBEROS_KEYS: &[&str] = &[
    "realm",
    "kdc",
    "admin_server",
    "admin_principal",
    "admin_password_file",
    "keytabs",
];

/// Reads `vars.security`; `base` is the inventory's directory, where
/// relative file names start.
pub fn read(r: &mut Reader, v: &Value, path: &str, base: &Path) -> Option<Security> {
    if v.is_null() {
        return None;
    }
    let f = r.fields(v, path, KEYS)?;
    let (kv, kp) = r.required(&f, "kerberos")?;
    let kerberos = kerberos(r, kv, &kp, base)?;
    let tls = match f.get("tls") {
        Some((tv, tp)) => tls(r, tv, &tp, base)?,
        None => Tls::default(),
    };
    Some(Security { kerberos, tls })
}

fn kerberos(r: &mut Reader, v: &Value, path: &str, base: &Path) -> Option<Kerberos> {
    let f = r.fields(v, path, KERBEROS_KEYS)?;
    let (rv, rp) = r.required(&f, "realm")?;
    let realm = r.text(rv, &rp)?;
    if !realm
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        r.error(
            &rp,
            format!("'{realm}' is not a realm name (letters, digits, '.' and '-')"),
        );
        return None;
    }
    let (dv, dp) = r.required(&f, "kdc")?;
    let (kdc_host, kdc_port) = host_port(r, dv, &dp, KDC_PORT)?;
    let (admin_host, admin_port) = match f.get("admin_server") {
        Some((av, ap)) => host_port(r, av, &ap, KADMIN_PORT)?,
        None => (kdc_host.clone(), KADMIN_PORT),
    };
    let keytabs = match (f.get("keytabs"), f.get("admin_password_file")) {
        (Some((_, kp)), Some(_)) => {
            r.error(
                &kp,
                "give either keytabs (issued by your security team) or admin_password_file (herd creates them), not both",
            );
            return None;
        }
        (Some((kv, kp)), None) => {
            if f.has("admin_principal") {
                r.error(
                    &format!("{path}.admin_principal"),
                    "admin_principal is for herd creating the keytabs; with keytabs given it is not used",
                );
                return None;
            }
            let dir = file(r, kv, &kp, base)?;
            if !dir.is_dir() {
                r.error(&kp, format!("no such directory: {}", dir.display()));
                return None;
            }
            KeytabSource::Issued { dir }
        }
        (None, pw) => {
            let principal = match f.get("admin_principal") {
                Some((pv, pp)) => {
                    let p = r.text(pv, &pp)?;
                    if p.contains(char::is_whitespace) || p.starts_with('@') {
                        r.error(&pp, format!("'{p}' is not a principal name"));
                        return None;
                    }
                    if p.contains('@') {
                        p
                    } else {
                        format!("{p}@{realm}")
                    }
                }
                None => format!("admin/admin@{realm}"),
            };
            let password = match pw {
                Some((pv, pp)) => {
                    let file = file(r, pv, &pp, base)?;
                    if !file.is_file() {
                        r.error(&pp, format!("no such file: {}", file.display()));
                        return None;
                    }
                    AdminPassword::File(file)
                }
                None => AdminPassword::Prompt,
            };
            KeytabSource::Admin {
                principal,
                password,
            }
        }
    };
    Some(Kerberos {
        realm,
        kdc_host,
        kdc_port,
        admin_host,
        admin_port,
        keytabs,
    })
}

fn tls(r: &mut Reader, v: &Value, path: &str, base: &Path) -> Option<Tls> {
    if v.is_null() {
        return Some(Tls::default());
    }
    let f = r.fields(v, path, &["ca_cert", "ca_key"])?;
    match (f.get("ca_cert"), f.get("ca_key")) {
        (None, None) => Some(Tls::default()),
        (Some((cv, cp)), Some((kv, kp))) => {
            let cert = file(r, cv, &cp, base)?;
            let key = file(r, kv, &kp, base)?;
            for (p, f) in [(&cp, &cert), (&kp, &key)] {
                if !f.is_file() {
                    r.error(p, format!("no such file: {}", f.display()));
                    return None;
                }
            }
            Some(Tls {
                ca: Some((cert, key)),
            })
        }
        _ => {
            r.error(
                path,
                "the cluster CA takes both ca_cert and ca_key (or neither: herd's own CA)",
            );
            None
        }
    }
}

/// `host` or `host:port`.
fn host_port(r: &mut Reader, v: &Value, path: &str, default: u16) -> Option<(String, u16)> {
    let text = r.text(v, path)?;
    let (host, port) = match text.rsplit_once(':') {
        Some((h, p)) => match p.parse::<u16>() {
            Ok(n) if n > 0 => (h.to_string(), n),
            _ => {
                r.error(path, format!("'{p}' is not a port number"));
                return None;
            }
        },
        None => (text.clone(), default),
    };
    let name_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !name_ok {
        r.error(path, format!("'{host}' is not a host name or address"));
        return None;
    }
    Some((host, port))
}

fn file(r: &mut Reader, v: &Value, path: &str, base: &Path) -> Option<PathBuf> {
    let name = r.text(v, path)?;
    let p = Path::new(&name);
    Some(if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Inventory;

    fn read_yaml(security: &str) -> Result<Option<Security>, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kadmin.pw"), "pw\n").unwrap();
        std::fs::create_dir(dir.path().join("issued")).unwrap();
        let text = format!(
            "cluster: c\nhosts:\n  - name: m1\n    roles: [namenode]\nvars:\n  security:\n{security}"
        );
        let path = dir.path().join("inv.yaml");
        std::fs::write(&path, text).unwrap();
        let inv = Inventory::load(&path).map_err(|e| e.to_string())?;
        let mut errors = Vec::new();
        let s = crate::hadoop::settings::read(&inv, &mut errors);
        if errors.is_empty() {
            Ok(s.security.map(|mut s| {
                if let KeytabSource::Admin {
                    password: AdminPassword::File(f),
                    ..
                } = &mut s.kerberos.keytabs
                {
                    *f = PathBuf::from(f.file_name().unwrap());
                }
                s
            }))
        } else {
            Err(errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "))
        }
    }

    #[test]
    fn an_admin_principal_with_a_password_file_and_default_ports() {
        let s = read_yaml(
            "    kerberos: { realm: HERD.TEST, kdc: kdc, admin_password_file: kadmin.pw }\n",
        )
        .unwrap()
        .unwrap();
        let k = &s.kerberos;
        assert_eq!((k.kdc_host.as_str(), k.kdc_port), ("kdc", 88));
        assert_eq!((k.admin_host.as_str(), k.admin_port), ("kdc", 749));
        assert_eq!(
            k.keytabs,
            KeytabSource::Admin {
                principal: "admin/admin@HERD.TEST".into(),
                password: AdminPassword::File("kadmin.pw".into()),
            }
        );
        assert_eq!(k.principal("nn", "m1"), "nn/m1@HERD.TEST");
        assert_eq!(s.tls, Tls::default());
    }

    #[test]
    fn without_a_password_file_the_password_is_asked() {
        let s = read_yaml(
            "    kerberos: { realm: R, kdc: 'k:1088', admin_server: 'a:7749', admin_principal: ops/admin }\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(s.kerberos.kdc_port, 1088);
        assert_eq!(s.kerberos.admin_host, "a");
        assert_eq!(
            s.kerberos.keytabs,
            KeytabSource::Admin {
                principal: "ops/admin@R".into(),
                password: AdminPassword::Prompt,
            }
        );
    }

    #[test]
    fn mistakes_are_named_by_field() {
        let cases = [
            (
                "    kerberos: { kdc: k }\n",
                "vars.security.kerberos: missing required key 'realm'",
            ),
            (
                "    kerberos: { realm: 'A B', kdc: k }\n",
                "vars.security.kerberos.realm: 'A B' is not a realm name",
            ),
            (
                "    kerberos: { realm: R, kdc: 'k:x' }\n",
                "vars.security.kerberos.kdc: 'x' is not a port number",
            ),
            (
                "    kerberos: { realm: R, kdc: k, admin_password_file: nope }\n",
                "vars.security.kerberos.admin_password_file: no such file",
            ),
            (
                "    kerberos: { realm: R, kdc: k, keytabs: issued, admin_password_file: kadmin.pw }\n",
                "vars.security.kerberos.keytabs: give either keytabs",
            ),
            (
                "    kerberos: { realm: R, kdc: k }\n    tls: { ca_cert: kadmin.pw }\n",
                "vars.security.tls: the cluster CA takes both",
            ),
            (
                "    kerberos: { realm: R, kdc: k, kdc_port: 1 }\n",
                "vars.security.kerberos.kdc_port: unknown key 'kdc_port'",
            ),
        ];
        for (yaml, want) in cases {
            let got = read_yaml(yaml).unwrap_err();
            assert!(got.contains(want), "{yaml}: got {got}");
        }
    }

    #[test]
    fn issued_keytabs_are_a_directory() {
        let s = read_yaml("    kerberos: { realm: R, kdc: k, keytabs: issued }\n")
            .unwrap()
            .unwrap();
        assert!(matches!(s.kerberos.keytabs, KeytabSource::Issued { .. }));
    }
}
