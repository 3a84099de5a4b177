//! `hadoop.secure` for the bring-up playbook: each host's keytab and TLS
//! commands, with the secrets they refer to (the KDC admin's password, each
//! host's private key) registered so that only references reach the
//! commands and every value is masked wherever herd prints or journals.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::ca::ClusterCa;
use super::keytabs::{self, Wanted};
use super::principals;
use super::tls;
use crate::hadoop::settings::{AdminPassword, Kerberos, KeytabSource, Security, Settings};
use crate::hadoop::topology::Topology;
use crate::model::{Host, Inventory, Secrets};

/// Where herd keeps the cluster CA and the hosts' certificates.
pub fn ca_dir(state_dir: &Path, cluster: &str) -> std::path::PathBuf {
    state_dir.join("ca").join(cluster)
}

/// The names a host is reached by: its inventory name, and its address
/// when that is another name or an IP.
pub fn host_names(host: &Host) -> Vec<String> {
    let mut names = vec![host.name.clone()];
    if host.address != host.name {
        names.push(host.address.clone());
    }
    names
}

/// The CA of the cluster: the operator's, or herd's own in `state_dir`.
pub fn cluster_ca(sec: &Security, state_dir: &Path, cluster: &str) -> Result<ClusterCa, String> {
    match &sec.tls.ca {
        Some((cert, key)) => ClusterCa::from_files(cert, key),
        None => ClusterCa::load_or_create(&ca_dir(state_dir, cluster), cluster),
    }
    .map_err(|e| e.to_string())
}

/// The admin's password: from its file (the first line), or asked on the
/// terminal; `None` when keytabs were issued.
pub fn admin_password(sec: &Security, ask: bool) -> Result<Option<String>, String> {
    let KeytabSource::Admin {
        principal,
        password,
    } = &sec.kerberos.keytabs
    else {
        return Ok(None);
    };
    let pw = match password {
        AdminPassword::File(f) => std::fs::read_to_string(f)
            .map_err(|e| {
                format!(
                    "vars.security.kerberos.admin_password_file: cannot read {}: {e}",
                    f.display()
                )
            })?
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
        AdminPassword::Prompt if ask => {
            use std::io::IsTerminal;
            if !std::io::stdin().is_terminal() {
                return Err(format!(
                    "vars.security.kerberos: no admin_password_file, and no terminal to ask the password of {principal} on"
                ));
            }
            rpassword::prompt_password(format!("Password for {principal}: "))
                .map_err(|e| format!("cannot read the password of {principal}: {e}"))?
        }
        AdminPassword::Prompt => String::new(),
    };
    if ask && pw.is_empty() {
        return Err(format!(
            "vars.security.kerberos: the password of {principal} is empty"
        ));
    }
    Ok(Some(pw))
}

/// The keytabs `host` holds, with their principals and owners.
pub fn wanted(s: &Settings, k: &Kerberos, host: &Host) -> Vec<Wanted> {
    principals::keytabs(&host.roles)
        .into_iter()
        .map(|keytab| Wanted {
            principal: k.principal(keytab.service, &host.name),
            owner: keytabs::owner(s, &keytab, &host.user),
            readers: principals::readers(&keytab, &host.roles),
            keytab,
        })
        .collect()
}

/// `hadoop.secure`, and the secrets its commands refer to. `password` is
/// the admin's (None with issued keytabs); `ca` the cluster CA, whose host
/// certificates are kept under `ca_store`.
pub fn template(
    inv: &Inventory,
    topo: &Topology,
    password: Option<&str>,
    ca: Option<(&ClusterCa, &Path)>,
) -> Result<(Value, Secrets), String> {
    let mut secrets = Secrets::new('s');
    let mut keytab_cmds = Map::new();
    let mut tls_cmds = Map::new();
    let mut issued = Map::new();
    let s = &topo.settings;
    let Some(sec) = &s.security else {
        for h in &inv.hosts {
            keytab_cmds.insert(h.name.clone(), json!(":"));
            tls_cmds.insert(h.name.clone(), json!(":"));
            issued.insert(h.name.clone(), json!(false));
        }
        return Ok((
            json!({ "enabled": false, "keytabs": keytab_cmds, "tls": tls_cmds, "issued": issued, "issued_dir": "", "keytab_upload_dir": keytabs::ISSUED_DIR }),
            secrets,
        ));
    };
    let k = &sec.kerberos;
    let password_ref = password
        .map(|pw| secrets.add_reference("vars.security.kerberos.admin_password", pw.to_string()));
    for h in &inv.hosts {
        let wanted = wanted(s, k, h);
        keytab_cmds.insert(
            h.name.clone(),
            json!(keytabs::script(
                k,
                &wanted,
                password_ref.as_deref(),
                &s.stale_file(),
            )),
        );
        let is_issued = matches!(k.keytabs, KeytabSource::Issued { .. });
        issued.insert(h.name.clone(), json!(is_issued));
        let cmd = match ca {
            Some((ca, store)) => {
                let cert = ca
                    .host_cert(store, &h.name, &host_names(h))
                    .map_err(|e| e.to_string())?;
                let key_ref = secrets
                    .add_reference(&format!("tls.{}.key", h.name), tls::key_line(&cert.key_pem));
                tls::script(
                    &s.hadoop_conf_dir(),
                    &s.users.group,
                    &cert.cert_pem,
                    ca.cert_pem(),
                    &key_ref,
                )
            }
            None => ":".to_string(),
        };
        tls_cmds.insert(h.name.clone(), json!(cmd));
    }
    let issued_dir = match &k.keytabs {
        KeytabSource::Issued { dir } => dir.display().to_string(),
        _ => String::new(),
    };
    Ok((
        json!({
            "enabled": true,
            "keytabs": keytab_cmds,
            "tls": tls_cmds,
            "issued": issued,
            "issued_dir": issued_dir,
            "keytab_upload_dir": keytabs::ISSUED_DIR,
        }),
        secrets,
    ))
}
