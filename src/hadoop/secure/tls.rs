//! The command that puts a host's TLS material in place, run as root before
//! any daemon of the host starts: the cluster CA and a truststore holding it
//! (for every client, curl included), and the host's keystore with its key
//! and certificate, with the `ssl-server.xml` that opens it.
//!
//! The keystore's password is made on the host when the keystore is and
//! lives only in `ssl-server.xml` beside it, both root-owned and readable by
//! the daemons' group alone (0440): Hadoop reads it from there, and nothing
//! else needs it. The host's private key comes from the controller as a
//! secret (stdin, never argv or the journal) and is only written to a
//! private temporary directory while openssl packs it. A host whose
//! certificate is unchanged is left as it is, so a re-run restarts nothing.

use crate::hadoop::render::kerberos::{TLS_DIR, TRUSTSTORE_PASSWORD, ca_pem, keystore, truststore};
use crate::shell::quote as q;

/// The host's certificate as the keystore was last built from.
pub fn host_pem() -> String {
    format!("{TLS_DIR}/host.pem")
}

/// Where Hadoop's daemons read the keystore settings.
pub fn ssl_server_xml(conf_dir: &str) -> String {
    format!("{conf_dir}/ssl-server.xml")
}

/// A PKCS#8 private key in PEM as one line, its base64 alone: secrets
/// reach the host one line each, and the script wraps it back.
pub fn key_line(pem: &str) -> String {
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect()
}

/// A PEM block written by a quoted here-document: no expansion inside.
fn heredoc(file: &str, pem: &str) -> String {
    format!("cat > {file} <<'HERD_PEM'\n{}\nHERD_PEM\n", pem.trim_end())
}

/// The host's script. `key_ref` is the shell reference to the secret that
/// holds the host's private key as [`key_line`] made it.
pub fn script(conf_dir: &str, group: &str, cert_pem: &str, ca: &str, key_ref: &str) -> String {
    let mut out = String::from(
        "set -u\numask 077\n\
         work=$(mktemp -d) || exit 1\n\
         trap 'rm -rf \"$work\"' EXIT\n\
         why() { tr '\\n' ' ' < \"$work/why\"; }\n",
    );
    out.push_str(&format!(
        "mkdir -p {d} && chmod 0755 {d} || exit 1\n",
        d = q(TLS_DIR)
    ));
    out.push_str(&heredoc("\"$work/host.pem\"", cert_pem));
    out.push_str(&heredoc("\"$work/ca.pem\"", ca));
    out.push_str(&format!(
        "if ! cmp -s \"$work/ca.pem\" {ca} || [ ! -f {trust} ]; then\n  \
           printf '%s' {tpw} > \"$work/tpw\"\n  \
           keytool -importcert -noprompt -alias herd-ca -file \"$work/ca.pem\" -keystore \"$work/trust.p12\" \
         -storetype pkcs12 -storepass:file \"$work/tpw\" >\"$work/why\" 2>&1 \
         || {{ echo \"keytool could not build the truststore: $(why)\" >&2; exit 1; }}\n  \
           chmod 0644 \"$work/trust.p12\" \"$work/ca.pem\" && mv -f \"$work/trust.p12\" {trust} && install -m 0644 \"$work/ca.pem\" {ca} || exit 1\n  \
           echo 'installed the cluster CA and the truststore'\n\
         fi\n",
        ca = q(&ca_pem()),
        trust = q(&truststore()),
        tpw = q(TRUSTSTORE_PASSWORD),
    ));
    let xml = ssl_server_xml(conf_dir);
    out.push_str(&format!(
        "if ! cmp -s \"$work/host.pem\" {host} || [ ! -f {ks} ] || [ ! -f {xml} ]; then\n  \
           {{ echo '-----BEGIN PRIVATE KEY-----'; printf '%s\\n' {key} | fold -w 64; echo '-----END PRIVATE KEY-----'; }} > \"$work/host.key\"\n  \
           pw=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \\n')\n  \
           printf '%s' \"$pw\" > \"$work/kpw\"\n  \
           openssl pkcs12 -export -in \"$work/host.pem\" -inkey \"$work/host.key\" -certfile \"$work/ca.pem\" \
         -name host -passout \"file:$work/kpw\" -out \"$work/keystore.p12\" 2>\"$work/why\" \
         || {{ echo \"openssl could not build the keystore: $(why)\" >&2; exit 1; }}\n  \
           {{\n    \
             echo '<?xml version=\"1.0\"?>'\n    \
             echo '<!-- Written by herd with the keystore beside it; the password is this host'\"'\"'s own. -->'\n    \
             echo '<configuration>'\n    \
             for kv in ssl.server.keystore.location={ks_text} ssl.server.keystore.type=pkcs12 \
         \"ssl.server.keystore.password=$pw\" \"ssl.server.keystore.keypassword=$pw\" \
         ssl.server.truststore.location={trust_text} ssl.server.truststore.type=pkcs12 \
         ssl.server.truststore.password={tpw_text}; do\n      \
               printf '  <property>\\n    <name>%s</name>\\n    <value>%s</value>\\n  </property>\\n' \"${{kv%%=*}}\" \"${{kv#*=}}\"\n    \
             done\n    \
             echo '</configuration>'\n  \
           }} > \"$work/ssl-server.xml\"\n  \
           chown root:{group} \"$work/keystore.p12\" \"$work/ssl-server.xml\" && chmod 0440 \"$work/keystore.p12\" \"$work/ssl-server.xml\" || exit 1\n  \
           mv -f \"$work/keystore.p12\" {ks} && mv -f \"$work/ssl-server.xml\" {xml} || exit 1\n  \
           chmod 0644 \"$work/host.pem\" && mv -f \"$work/host.pem\" {host} || exit 1\n  \
           echo 'installed the keystore and ssl-server.xml'\n\
         else\n  \
           echo 'kept the keystore'\n\
         fi\n\
         chmod 0644 {ca} {trust} {host} && chown root:{group} {ks} {xml} && chmod 0440 {ks} {xml}\n",
        host = q(&host_pem()),
        ca = q(&ca_pem()),
        trust = q(&truststore()),
        ks = q(&keystore()),
        ks_text = keystore(),
        xml = q(&xml),
        key = key_ref,
        trust_text = truststore(),
        tpw_text = TRUSTSTORE_PASSWORD,
        group = q(group),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

    #[test]
    fn the_key_is_a_reference_and_the_password_never_an_argument() {
        let s = script(
            "/opt/hadoop/etc/hadoop",
            "hadoop",
            PEM,
            PEM,
            "\"$HERD_SECRET_S2\"",
        );
        assert!(s.contains("printf '%s\\n' \"$HERD_SECRET_S2\" | fold -w 64;"));
        assert_eq!(
            key_line("-----BEGIN PRIVATE KEY-----\nAB\nCD\n-----END PRIVATE KEY-----\n"),
            "ABCD"
        );
        assert!(s.contains("-passout \"file:$work/kpw\""));
        assert!(s.contains("-storepass:file \"$work/tpw\""));
        assert!(s.contains("chown root:hadoop \"$work/keystore.p12\" \"$work/ssl-server.xml\""));
        crate::shell::assert_parses(&s);
    }
}
