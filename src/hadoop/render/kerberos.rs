//! The per-host files of secure mode: krb5.conf, the JAAS files of the
//! daemons that talk SASL to ZooKeeper, ssl-client.xml, and the two small
//! programs through which herd's own client commands and web reads get a
//! ticket on the host.
//!
//! herd's probes and `herd status` read the web endpoints on the host
//! itself, with curl (SPNEGO over TLS, checked against the cluster CA) and
//! a ticket of `herd/<host>`, whose keytab only the login account can read:
//! the endpoints keep requiring SPNEGO over TLS, no GSSAPI library is
//! linked into herd, and no credential ever leaves the host.

use crate::hadoop::secure::principals::{HERD, KEYTAB_DIR, of_role};
use crate::hadoop::settings::{Account, Kerberos, Settings};
use crate::hadoop::xml::HEADER;
use crate::model::Host;
use crate::shell::quote as q;

/// Where the keystores, the CA and the host's certificate live.
pub const TLS_DIR: &str = "/etc/security/tls";
/// The truststore holds the cluster CA only, nothing secret: its password
/// guards integrity, and every client must be able to read it.
pub const TRUSTSTORE_PASSWORD: &str = "herd-truststore";

pub fn truststore() -> String {
    format!("{TLS_DIR}/truststore.p12")
}
pub fn keystore() -> String {
    format!("{TLS_DIR}/keystore.p12")
}
pub fn ca_pem() -> String {
    format!("{TLS_DIR}/ca.pem")
}

/// The JAAS file ZKFC reads (it logs in with the NameNode's principal).
pub fn zkfc_jaas(s: &Settings) -> String {
    format!("{}/zkfc-jaas.conf", s.hadoop_conf_dir())
}
/// The JAAS file the ResourceManager's ZooKeeper client reads.
pub fn rm_jaas(s: &Settings) -> String {
    format!("{}/rm-jaas.conf", s.hadoop_conf_dir())
}
/// The ZooKeeper server's JAAS file.
pub fn zookeeper_jaas(s: &Settings) -> String {
    format!("{}/conf/jaas.conf", s.zookeeper_home())
}
/// The JAAS file of ZooKeeper's own client (zkCli.sh, as the zookeeper
/// account on a ZooKeeper host), which logs in as that host's server.
pub fn zookeeper_client_jaas(s: &Settings) -> String {
    format!("{}/conf/client-jaas.conf", s.zookeeper_home())
}
/// `<program> CMD...`: CMD with a ticket of the calling account's principal.
pub fn with_ticket(s: &Settings) -> String {
    format!("{}/bin/with-ticket", s.state_dir())
}
/// `<program> ADDRESS PORT PATH`: an authenticated GET of a web endpoint.
pub fn web_get(s: &Settings) -> String {
    format!("{}/bin/web-get", s.state_dir())
}

pub fn krb5_conf(k: &Kerberos) -> Vec<u8> {
    // rdns and canonicalisation off: principals name hosts as the
    // inventory does, and a reverse lookup must not turn them into another.
    format!(
        "# {HEADER}\n\
         [libdefaults]\n  \
           default_realm = {realm}\n  \
           dns_lookup_kdc = false\n  \
           dns_lookup_realm = false\n  \
           rdns = false\n  \
           dns_canonicalize_hostname = false\n  \
           ticket_lifetime = 24h\n  \
           renew_lifetime = 7d\n  \
           forwardable = true\n  \
           udp_preference_limit = 1\n\
         [realms]\n  \
           {realm} = {{\n    \
             kdc = {kdc}:{kdc_port}\n    \
             admin_server = {admin}:{admin_port}\n  \
           }}\n",
        realm = k.realm,
        kdc = k.kdc_host,
        kdc_port = k.kdc_port,
        admin = k.admin_host,
        admin_port = k.admin_port,
    )
    .into_bytes()
}

/// A JAAS file with one login section from a keytab.
fn jaas(section: &str, keytab: &str, principal: &str) -> Vec<u8> {
    format!(
        "// {HEADER}\n\
         {section} {{\n  \
           com.sun.security.auth.module.Krb5LoginModule required\n  \
           useKeyTab=true\n  \
           storeKey=true\n  \
           useTicketCache=false\n  \
           keyTab=\"{keytab}\"\n  \
           principal=\"{principal}\";\n\
         }};\n"
    )
    .into_bytes()
}

/// The JAAS file of `role` on `host` (zkfc, resourcemanager, zookeeper,
/// and `zookeeper-client` for zkCli.sh).
pub fn jaas_of(k: &Kerberos, role: &str, host: &str) -> Option<Vec<u8>> {
    let (role, section) = match role {
        "zookeeper" => ("zookeeper", "Server"),
        "zookeeper-client" => ("zookeeper", "Client"),
        r => (r, "Client"),
    };
    let keytab = of_role(role)?;
    Some(jaas(
        section,
        &keytab.path(),
        &k.principal(keytab.service, host),
    ))
}

/// What the JVM of `role` needs to read its JAAS file.
pub fn jaas_opts(s: &Settings, role: &str) -> Option<String> {
    let file = match role {
        "zkfc" => zkfc_jaas(s),
        "resourcemanager" => rm_jaas(s),
        "zookeeper" => zookeeper_jaas(s),
        "zookeeper-client" => zookeeper_client_jaas(s),
        _ => return None,
    };
    Some(format!("-Djava.security.auth.login.config={file}"))
}

pub fn ssl_client_xml() -> Vec<u8> {
    let props = [
        ("ssl.client.truststore.location", truststore()),
        ("ssl.client.truststore.type", "pkcs12".to_string()),
        (
            "ssl.client.truststore.password",
            TRUSTSTORE_PASSWORD.to_string(),
        ),
        ("ssl.client.truststore.reload.interval", "10000".to_string()),
    ];
    let mut out = format!("<?xml version=\"1.0\"?>\n<!-- {HEADER} -->\n<configuration>\n");
    for (k, v) in props {
        out.push_str(&format!(
            "  <property>\n    <name>{k}</name>\n    <value>{v}</value>\n  </property>\n"
        ));
    }
    out.push_str("</configuration>\n");
    out.into_bytes()
}

/// The keytab a client command of `account` uses on `host`: the principal
/// of a daemon of that account there (any of them maps to the account).
fn client_keytab(host: &Host, account: Account) -> Option<(String, String)> {
    host.roles.iter().find_map(|r| {
        let k = of_role(r)?;
        (k.owner == crate::hadoop::secure::principals::Owner::Account(account))
            .then(|| (k.path(), k.service.to_string()))
    })
}

/// `with-ticket CMD...`: runs CMD with a ticket of the calling account's
/// principal on this host, in a credential cache of its own that goes
/// when CMD ends, so concurrent commands never share or destroy one.
/// ZooKeeper's client logs in through its JAAS file instead.
pub fn with_ticket_script(s: &Settings, k: &Kerberos, host: &Host) -> Vec<u8> {
    let mut cases = String::new();
    for account in [Account::Hdfs, Account::Yarn, Account::Mapred] {
        if let Some((keytab, service)) = client_keytab(host, account) {
            cases.push_str(&format!(
                "  {user}) kt={kt} p={p} ;;\n",
                user = q(s.users.name(account)),
                kt = q(&keytab),
                p = q(&k.principal(&service, &host.name)),
            ));
        }
    }
    format!(
        "#!/bin/sh\n# {HEADER}\n\
         case \"$(id -un)\" in\n{cases}  \
           {zk}) exec \"$@\" ;;\n  \
           *) echo \"with-ticket: $(id -un) has no keytab on $(hostname)\" >&2; exit 1 ;;\n\
         esac\n\
         cc=$(mktemp \"${{TMPDIR:-/tmp}}/krb5cc_herd.XXXXXX\") || exit 1\n\
         KRB5CCNAME=\"FILE:$cc\"\n\
         export KRB5CCNAME\n\
         if ! kinit -k -t \"$kt\" \"$p\"; then\n  \
           rm -f \"$cc\"\n  \
           echo \"with-ticket: no ticket for $p from $kt\" >&2\n  \
           exit 1\n\
         fi\n\
         \"$@\"\n\
         rc=$?\n\
         kdestroy -q 2>/dev/null\n\
         rm -f \"$cc\"\n\
         exit $rc\n",
        zk = q(s.users.name(Account::ZooKeeper)),
    )
    .into_bytes()
}

/// `web-get ADDRESS PORT PATH`: prints the body, then a last line with the
/// HTTP status (000 when there was no response). Local addresses become
/// the host's name: the certificate and the SPNEGO principal carry names,
/// not loopback. The ticket cache is the login account's own, kept while it
/// is valid, so a probe polled every second asks the KDC once a day; a new
/// ticket is written beside it and renamed over it, since the reads of one
/// `herd status` run at once.
pub fn web_get_script(k: &Kerberos, host: &Host) -> Vec<u8> {
    format!(
        "#!/bin/sh\n# {HEADER}\n\
         addr=$1 port=$2 path=$3\n\
         case \"$addr\" in 127.*|localhost|::1) addr={name} ;; esac\n\
         cc=\"${{TMPDIR:-/tmp}}/krb5cc_herd_web_$(id -u)\"\n\
         export KRB5CCNAME=\"FILE:$cc\"\n\
         if ! klist -s 2>/dev/null; then\n  \
           new=$(mktemp \"$cc.XXXXXX\") || exit 1\n  \
           err=$(KRB5CCNAME=\"FILE:$new\" kinit -k -t {kt} {p} 2>&1) || {{ rm -f \"$new\"; printf 'no ticket for %s from %s: %s\\n000\\n' {p} {kt} \"$err\"; exit 0; }}\n  \
           mv -f \"$new\" \"$cc\"\n\
         fi\n\
         exec curl -sS --max-time 8 --negotiate -u : --cacert {ca} -w '\\n%{{http_code}}\\n' \"https://$addr:$port$path\" 2>&1\n",
        name = q(&host.name),
        kt = q(&format!("{KEYTAB_DIR}/{}", HERD.file)),
        p = q(&k.principal(HERD.service, &host.name)),
        ca = q(&ca_pem()),
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hadoop::settings::{AdminPassword, KeytabSource};

    fn kerberos() -> Kerberos {
        Kerberos {
            realm: "HERD.TEST".into(),
            kdc_host: "kdc".into(),
            kdc_port: 88,
            admin_host: "kdc".into(),
            admin_port: 749,
            keytabs: KeytabSource::Admin {
                principal: "admin/admin@HERD.TEST".into(),
                password: AdminPassword::Prompt,
            },
        }
    }

    fn sh_ok(script: &[u8]) {
        crate::shell::assert_parses(std::str::from_utf8(script).unwrap());
    }

    #[test]
    fn jaas_names_the_hosts_own_principal() {
        let zk = String::from_utf8(jaas_of(&kerberos(), "zookeeper", "m1").unwrap()).unwrap();
        assert!(zk.contains("Server {"));
        assert!(zk.contains("principal=\"zookeeper/m1@HERD.TEST\";"));
        assert!(zk.contains("keyTab=\"/etc/security/keytabs/zk.service.keytab\""));
        let zkfc = String::from_utf8(jaas_of(&kerberos(), "zkfc", "m1").unwrap()).unwrap();
        assert!(zkfc.contains("Client {") && zkfc.contains("nn/m1@HERD.TEST"));
        assert!(jaas_of(&kerberos(), "datanode", "m1").is_some());
    }

    #[test]
    fn the_programs_are_valid_sh() {
        let inv = crate::model::Inventory::parse(
            "hosts:\n  - { name: m1, roles: [namenode, zkfc, resourcemanager] }\n",
            std::path::Path::new("/tmp/i.yaml"),
        )
        .unwrap();
        let s = crate::hadoop::topology::layout(&inv).0.settings;
        let host = &inv.hosts[0];
        let wt = with_ticket_script(&s, &kerberos(), host);
        sh_ok(&wt);
        let text = String::from_utf8(wt).unwrap();
        assert!(
            text.contains(
                "  hdfs) kt=/etc/security/keytabs/nn.service.keytab p=nn/m1@HERD.TEST ;;"
            )
        );
        assert!(
            text.contains(
                "  yarn) kt=/etc/security/keytabs/rm.service.keytab p=rm/m1@HERD.TEST ;;"
            )
        );
        assert!(!text.contains("mapred)"));
        let wg = web_get_script(&kerberos(), host);
        sh_ok(&wg);
        assert!(String::from_utf8(wg).unwrap().contains("herd/m1@HERD.TEST"));
    }

    #[test]
    fn krb5_conf_turns_reverse_lookups_off() {
        let c = String::from_utf8(krb5_conf(&kerberos())).unwrap();
        assert!(c.contains("default_realm = HERD.TEST"));
        assert!(c.contains("rdns = false"));
        assert!(c.contains("kdc = kdc:88") && c.contains("admin_server = kdc:749"));
    }
}
