//! The cluster's certificate authority, kept on the controller, and the host
//! certificates it issues. As with Cloudera Manager's Auto-TLS, herd makes
//! each host's key and certificate itself and ships them, so the CA key never
//! leaves the controller and hosts need no tooling of their own.
//!
//! The CA directory holds `ca.pem` (0644) and `ca.key` (0600), created once,
//! and `hosts/<host>.pem` (0644) and `hosts/<host>.key` (0600), what was
//! issued. A host's certificate is reused while it still fits: herd compares
//! the files it renders with the hosts' copies, and a certificate that
//! changed on every run would restart every daemon on every run.

use std::collections::BTreeSet;
use std::fmt;
use std::fs::{self, DirBuilder, OpenOptions};
use std::io::Write;
use std::net::IpAddr;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use base64::Engine;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SanType,
};
use time::{Duration, OffsetDateTime};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::pem::Pem;
use x509_parser::prelude::FromDer;

/// Replacing the CA means a new truststore on every host and every client,
/// so it is made to outlast the cluster.
const CA_VALIDITY: Duration = Duration::days(3652);
/// The longest validity Apple's TLS stack accepts for a server certificate,
/// whoever issued it (a browser on a Mac opening a web UI); Java and OpenSSL
/// set no limit.
const HOST_VALIDITY: Duration = Duration::days(825);
/// A certificate this close to its end is replaced rather than reused, so
/// that a routine run renews it while the old one still works.
const RENEW_WITHIN: Duration = Duration::days(30);
/// A host whose clock runs behind the controller's would refuse a
/// certificate valid only from the second it was issued.
const BACKDATE: Duration = Duration::hours(1);

/// Why the CA or a host certificate cannot be had. Displayed without the
/// `error:` the command line puts before it.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("cannot {action} {}: {error}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        error: std::io::Error,
    },
    /// A private key that someone other than its owner can read.
    #[error(
        "{} is readable by group or others (mode {mode:03o}); a private key must be its owner's alone (chmod 600 it)",
        path.display()
    )]
    KeyExposed { path: PathBuf, mode: u32 },
    /// The file holds something that cannot serve: no certificate, not a
    /// CA, a key that is not the certificate's, a name that cannot be issued.
    #[error("{}: {problem}", path.display())]
    Invalid { path: PathBuf, problem: String },
}

fn invalid(path: &Path, problem: impl Into<String>) -> CaError {
    CaError::Invalid {
        path: path.to_path_buf(),
        problem: problem.into(),
    }
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> CaError {
    let path = path.to_path_buf();
    move |error| CaError::Io {
        action,
        path,
        error,
    }
}

/// The CA herd signs host certificates with.
pub struct ClusterCa {
    cert_pem: String,
    not_after: OffsetDateTime,
    issuer: Issuer<'static, KeyPair>,
}

impl fmt::Debug for ClusterCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterCa")
            .field("cert_pem", &self.cert_pem)
            .field("key", &"<private>")
            .finish()
    }
}

/// A host's key and certificate, as written to the host.
#[derive(Clone, PartialEq, Eq)]
pub struct HostCert {
    pub cert_pem: String,
    pub key_pem: String,
    /// The host certificate followed by the CA's, for servers that present
    /// the chain from one file.
    pub chain_pem: String,
}

impl fmt::Debug for HostCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostCert")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<private>")
            .finish()
    }
}

impl ClusterCa {
    /// The CA kept in `dir` (`ca.pem`, `ca.key`), created there the first
    /// time for `cluster`.
    pub fn load_or_create(dir: &Path, cluster: &str) -> Result<ClusterCa, CaError> {
        create_private_dir(dir)?;
        let cert = dir.join("ca.pem");
        let key = dir.join("ca.key");
        match (exists(&cert)?, exists(&key)?) {
            (true, true) => ClusterCa::from_files(&cert, &key),
            (false, false) => ClusterCa::create(&cert, &key, cluster, OffsetDateTime::now_utc()),
            (true, false) => Err(half_made(&key, &cert)),
            (false, true) => Err(half_made(&cert, &key)),
        }
    }

    /// A CA the operator gives: a certificate that is a CA, and its key,
    /// unencrypted PKCS#8, readable by its owner alone.
    pub fn from_files(cert: &Path, key: &Path) -> Result<ClusterCa, CaError> {
        let cert_der = read_cert(cert)?;
        let (key_pair, _) = read_key(key)?;
        let not_after = {
            let x509 = parse_cert(&cert_der).map_err(|p| invalid(cert, p))?;
            check_is_ca(cert, &x509, OffsetDateTime::now_utc())?;
            if !key_matches(&key_pair, &x509) {
                return Err(invalid(
                    key,
                    format!("is not the key of {}", cert.display()),
                ));
            }
            x509.validity().not_after.to_datetime()
        };
        let cert_pem = pem_encode("CERTIFICATE", &cert_der);
        let issuer = Issuer::from_ca_cert_pem(&cert_pem, key_pair)
            .map_err(|e| invalid(cert, format!("cannot sign with this CA: {e}")))?;
        Ok(ClusterCa {
            cert_pem,
            not_after,
            issuer,
        })
    }

    fn create(
        cert: &Path,
        key: &Path,
        cluster: &str,
        now: OffsetDateTime,
    ) -> Result<ClusterCa, CaError> {
        let key_pair = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
            .map_err(|e| invalid(key, format!("cannot generate a key: {e}")))?;
        let mut params = CertificateParams::default();
        params.distinguished_name = common_name(&format!("herd cluster CA {cluster}"));
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = now - BACKDATE;
        params.not_after = params.not_before + CA_VALIDITY;
        let cert_pem = params
            .self_signed(&key_pair)
            .map_err(|e| invalid(cert, format!("cannot create the CA certificate: {e}")))?
            .pem();
        // The key first: a run stopped in between leaves a key and no
        // certificate, which the next run reports, and no host can have
        // been given a certificate nobody wrote.
        write_file(key, &key_pair.serialize_pem(), 0o600)?;
        write_file(cert, &cert_pem, 0o644)?;
        ClusterCa::from_files(cert, key)
    }

    /// The CA certificate, PEM: what hosts and clients trust.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The key and certificate of `host`, reached by `names` (DNS names and
    /// IP addresses; the first is also the subject's CN), kept under
    /// `dir/hosts/`. The kept ones are returned while they were signed by
    /// this CA, carry exactly these names and have more than 30 days left;
    /// otherwise new ones are issued and replace them.
    pub fn host_cert(&self, dir: &Path, host: &str, names: &[String]) -> Result<HostCert, CaError> {
        self.host_cert_at(dir, host, names, SystemTime::now())
    }

    fn host_cert_at(
        &self,
        dir: &Path,
        host: &str,
        names: &[String],
        now: SystemTime,
    ) -> Result<HostCert, CaError> {
        let hosts = dir.join("hosts");
        if host.is_empty() || host == "." || host == ".." || host.contains(['/', '\0']) {
            return Err(invalid(
                &hosts,
                format!("host '{}' cannot name a file", host.escape_default()),
            ));
        }
        let cert_path = hosts.join(format!("{host}.pem"));
        let key_path = hosts.join(format!("{host}.key"));
        let Some(first) = names.first() else {
            return Err(invalid(&cert_path, "no names to issue a certificate for"));
        };
        let now_dt = OffsetDateTime::from(now);
        if self.not_after - RENEW_WITHIN < now_dt {
            return Err(invalid(
                &cert_path,
                format!(
                    "cannot issue a certificate: the cluster CA expires on {}; replace the CA",
                    date(self.not_after)
                ),
            ));
        }
        if let Some(blank) = names.iter().position(|n| n.trim().is_empty()) {
            return Err(invalid(
                &cert_path,
                format!("cannot issue a certificate: name {} is empty", blank + 1),
            ));
        }
        let mut seen = BTreeSet::new();
        let sans = names
            .iter()
            .filter(|n| seen.insert(SanName::of(n)))
            .map(|n| match n.parse::<IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => n.clone().try_into().map(SanType::DnsName),
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(&cert_path, format!("cannot issue a certificate: {e}")))?;

        create_private_dir(&hosts)?;
        if let Some(kept) = self.kept(&cert_path, &key_path, names, now)? {
            return Ok(kept);
        }

        let key_pair = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
            .map_err(|e| invalid(&key_path, format!("cannot generate a key: {e}")))?;
        let mut params = CertificateParams::default();
        params.distinguished_name = common_name(first);
        params.subject_alt_names = sans;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        params.not_before = now_dt - BACKDATE;
        // A certificate outliving its CA would be refused from that day on.
        params.not_after = (params.not_before + HOST_VALIDITY).min(self.not_after);
        let cert_pem = params
            .signed_by(&key_pair, &self.issuer)
            .map_err(|e| invalid(&cert_path, format!("cannot issue a certificate: {e}")))?
            .pem();
        let key_pem = key_pair.serialize_pem();
        // The key first: a run stopped in between leaves the old certificate
        // with a key that is not its own, which the next run replaces.
        write_file(&key_path, &key_pem, 0o600)?;
        write_file(&cert_path, &cert_pem, 0o644)?;
        Ok(self.host_files(cert_pem, key_pem))
    }

    /// The kept key and certificate when they can serve as they are. A key
    /// readable by others is an error, not a reason to reissue: it may have
    /// been copied, and the operator should know.
    fn kept(
        &self,
        cert_path: &Path,
        key_path: &Path,
        names: &[String],
        now: SystemTime,
    ) -> Result<Option<HostCert>, CaError> {
        if !exists(cert_path)? || !exists(key_path)? {
            return Ok(None);
        }
        let (key_pair, key_pem) = match read_key(key_path) {
            Ok(k) => k,
            Err(e @ CaError::KeyExposed { .. }) => return Err(e),
            Err(_) => return Ok(None),
        };
        let cert_pem = fs::read_to_string(cert_path).map_err(io_error("read", cert_path))?;
        if !check_host_cert(&cert_pem, &self.cert_pem, names, now).is_empty() {
            return Ok(None);
        }
        let Ok(der) = first_cert(cert_pem.as_bytes()) else {
            return Ok(None);
        };
        let Ok(x509) = parse_cert(&der) else {
            return Ok(None);
        };
        let fits = key_matches(&key_pair, &x509)
            && !x509.is_ca()
            && san_set(&x509) == Some(names.iter().map(|n| SanName::of(n)).collect())
            && common_name_of(&x509).is_some_and(|cn| cn.eq_ignore_ascii_case(&names[0]));
        Ok(fits.then(|| self.host_files(cert_pem, key_pem)))
    }

    fn host_files(&self, cert_pem: String, key_pem: String) -> HostCert {
        let mut chain_pem = cert_pem.clone();
        if !chain_pem.ends_with('\n') {
            chain_pem.push('\n');
        }
        chain_pem.push_str(&self.cert_pem);
        HostCert {
            cert_pem,
            key_pem,
            chain_pem,
        }
    }
}

/// What is wrong with `cert_pem`, a certificate found on a host reached by
/// `names`, as one sentence each; empty when it is fine. `herd check` reports
/// these.
pub fn check_host_cert(
    cert_pem: &str,
    ca_pem: &str,
    names: &[String],
    now: SystemTime,
) -> Vec<String> {
    let der = match first_cert(cert_pem.as_bytes()) {
        Ok(der) => der,
        Err(problem) => return vec![format!("the certificate file {problem}")],
    };
    let cert = match parse_cert(&der) {
        Ok(cert) => cert,
        Err(problem) => return vec![format!("the certificate {problem}")],
    };
    let mut problems = Vec::new();
    match first_cert(ca_pem.as_bytes()).and_then(|ca_der| {
        let ca = parse_cert(&ca_der)?;
        Ok((!signed_by(&cert, &ca)).then(|| ca.subject().to_string()))
    }) {
        Ok(None) => {}
        Ok(Some(ca_subject)) if ca_subject == cert.issuer().to_string() => problems.push(format!(
            "the certificate names the cluster CA ({ca_subject}) as its issuer, but another key signed it (was the CA replaced?)"
        )),
        Ok(Some(ca_subject)) => problems.push(format!(
            "the certificate is not signed by the cluster CA ({ca_subject}) but by {}",
            cert.issuer()
        )),
        Err(problem) => problems.push(format!(
            "the cluster CA certificate {problem}, so the certificate's signature cannot be checked"
        )),
    }
    let sans = san_set(&cert).unwrap_or_default();
    for name in names {
        if !covers(&sans, &SanName::of(name)) {
            problems.push(format!(
                "the certificate does not name '{}' among its subject alternative names",
                name.escape_default()
            ));
        }
    }
    let now = OffsetDateTime::from(now);
    let not_before = cert.validity().not_before.to_datetime();
    let not_after = cert.validity().not_after.to_datetime();
    if now < not_before {
        problems.push(format!(
            "the certificate is not valid until {}",
            date(not_before)
        ));
    } else if now > not_after {
        problems.push(format!("the certificate expired on {}", date(not_after)));
    } else if not_after - now < RENEW_WITHIN {
        problems.push(format!(
            "the certificate expires on {}, within 30 days",
            date(not_after)
        ));
    }
    problems
}

/// A subject alternative name as TLS compares it: DNS names without regard
/// to case, addresses by value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SanName {
    Dns(String),
    Ip(IpAddr),
}

impl SanName {
    fn of(name: &str) -> SanName {
        match name.parse::<IpAddr>() {
            Ok(ip) => SanName::Ip(ip),
            Err(_) => SanName::Dns(name.to_ascii_lowercase()),
        }
    }
}

/// The DNS and IP names of `cert`, or None when it has no readable SAN
/// extension.
fn san_set(cert: &X509Certificate<'_>) -> Option<BTreeSet<SanName>> {
    let ext = cert.subject_alternative_name().ok()??;
    let names = ext
        .value
        .general_names
        .iter()
        .filter_map(|n| match n {
            GeneralName::DNSName(d) => Some(SanName::Dns(d.to_ascii_lowercase())),
            GeneralName::IPAddress(b) => match b.len() {
                4 => Some(SanName::Ip(IpAddr::from(<[u8; 4]>::try_from(*b).ok()?))),
                16 => Some(SanName::Ip(IpAddr::from(<[u8; 16]>::try_from(*b).ok()?))),
                _ => None,
            },
            _ => None,
        })
        .collect();
    Some(names)
}

/// Whether `sans` let a client reach the host as `name`, wildcards matching
/// one leftmost label as TLS clients match them.
fn covers(sans: &BTreeSet<SanName>, name: &SanName) -> bool {
    if sans.contains(name) {
        return true;
    }
    let SanName::Dns(name) = name else {
        return false;
    };
    let Some((_, parent)) = name.split_once('.') else {
        return false;
    };
    sans.contains(&SanName::Dns(format!("*.{parent}")))
}

fn common_name_of<'a>(cert: &'a X509Certificate<'_>) -> Option<&'a str> {
    cert.subject().iter_common_name().next()?.as_str().ok()
}

fn signed_by(cert: &X509Certificate<'_>, ca: &X509Certificate<'_>) -> bool {
    cert.issuer().as_raw() == ca.subject().as_raw()
        && cert.verify_signature(Some(ca.public_key())).is_ok()
}

fn key_matches(key: &KeyPair, cert: &X509Certificate<'_>) -> bool {
    cert.public_key().subject_public_key.data.as_ref() == key.public_key_raw()
}

fn check_is_ca(
    path: &Path,
    cert: &X509Certificate<'_>,
    now: OffsetDateTime,
) -> Result<(), CaError> {
    match cert.basic_constraints() {
        Ok(Some(bc)) if bc.value.ca => {}
        Ok(_) => {
            return Err(invalid(
                path,
                "is not a CA certificate (its basic constraints do not say CA:TRUE)",
            ));
        }
        Err(e) => {
            return Err(invalid(
                path,
                format!("has basic constraints that cannot be read: {e}"),
            ));
        }
    }
    if let Ok(Some(ku)) = cert.key_usage()
        && !ku.value.key_cert_sign()
    {
        return Err(invalid(
            path,
            "is a CA whose key usage does not allow signing certificates (keyCertSign)",
        ));
    }
    let not_after = cert.validity().not_after.to_datetime();
    if not_after < now {
        return Err(invalid(
            path,
            format!("expired on {}; replace the CA", date(not_after)),
        ));
    }
    Ok(())
}

/// The DER of the first certificate in `pem`, or what is wrong as the end of
/// a sentence about the file.
fn first_cert(pem: &[u8]) -> Result<Vec<u8>, String> {
    for block in Pem::iter_from_buffer(pem) {
        match block {
            Ok(block) if block.label == "CERTIFICATE" => return Ok(block.contents),
            Ok(_) => {}
            Err(e) => return Err(format!("is not valid PEM ({e})")),
        }
    }
    Err("holds no PEM certificate".to_string())
}

fn parse_cert(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    X509Certificate::from_der(der)
        .map(|(_, cert)| cert)
        .map_err(|e| format!("cannot be parsed as X.509 ({e})"))
}

fn read_cert(path: &Path) -> Result<Vec<u8>, CaError> {
    let text = fs::read(path).map_err(io_error("read", path))?;
    first_cert(&text).map_err(|p| invalid(path, p))
}

/// The key in `path` and the file's text, refused when others can read the
/// file. The text never reaches an error message.
fn read_key(path: &Path) -> Result<(KeyPair, String), CaError> {
    let mode = fs::metadata(path)
        .map_err(io_error("read", path))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(CaError::KeyExposed {
            path: path.to_path_buf(),
            mode: mode & 0o7777,
        });
    }
    let text = fs::read_to_string(path).map_err(io_error("read", path))?;
    for block in Pem::iter_from_buffer(text.as_bytes()) {
        let Ok(block) = block else {
            return Err(invalid(path, "is not valid PEM"));
        };
        match block.label.as_str() {
            "PRIVATE KEY" => {
                return match KeyPair::try_from(block.contents.as_slice()) {
                    Ok(key) => Ok((key, text)),
                    Err(e) => Err(invalid(
                        path,
                        format!(
                            "holds a key herd cannot sign with ({e}); it takes ECDSA P-256 or P-384, or RSA"
                        ),
                    )),
                };
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err(invalid(
                    path,
                    "holds an encrypted key; herd signs unattended, so it needs the key unencrypted (and mode 0600)",
                ));
            }
            "EC PRIVATE KEY" | "RSA PRIVATE KEY" => {
                return Err(invalid(
                    path,
                    format!(
                        "holds an {} in the traditional format; convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt`",
                        block.label
                    ),
                ));
            }
            _ => {}
        }
    }
    Err(invalid(path, "holds no PEM private key"))
}

fn common_name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

fn half_made(missing: &Path, present: &Path) -> CaError {
    invalid(
        missing,
        format!(
            "not found, but {} is there; restore it, or remove both to have herd create a new CA (every host then gets new certificates)",
            present.display()
        ),
    )
}

fn exists(path: &Path) -> Result<bool, CaError> {
    path.try_exists().map_err(io_error("read", path))
}

fn create_private_dir(dir: &Path) -> Result<(), CaError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_error("create", dir))
}

/// Writes `text` to `path` with `mode` whatever the umask, through a
/// temporary file renamed into place, so a reader never sees half a key.
fn write_file(path: &Path, text: &str, mode: u32) -> Result<(), CaError> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    // A leftover from a stopped run may have any mode; the new file is made
    // with the final one before anything is written to it.
    match fs::remove_file(&tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(io_error("remove", &tmp)(e));
        }
        _ => {}
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .map_err(io_error("create", &tmp))?;
    file.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(io_error("write", &tmp))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io_error("write", &tmp))?;
    fs::rename(&tmp, path).map_err(io_error("write", path))
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn date(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| at.to_string())
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    fn parsed(pem: &str) -> Vec<u8> {
        first_cert(pem.as_bytes()).unwrap()
    }

    const DAY: std::time::Duration = std::time::Duration::from_secs(86_400);

    #[test]
    fn the_ca_is_created_once_with_private_modes_and_then_loaded() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ca");
        let created = ClusterCa::load_or_create(&dir, "prod").unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("ca.pem")), 0o644);
        assert_eq!(mode(&dir.join("ca.key")), 0o600);
        let key_text = fs::read_to_string(dir.join("ca.key")).unwrap();

        let loaded = ClusterCa::load_or_create(&dir, "prod").unwrap();
        assert_eq!(loaded.cert_pem(), created.cert_pem());
        // Keys are compared with assert!, whose failure does not print them.
        assert!(fs::read_to_string(dir.join("ca.key")).unwrap() == key_text);
        assert_eq!(
            loaded.issuer.key().public_key_raw(),
            created.issuer.key().public_key_raw()
        );

        let der = parsed(loaded.cert_pem());
        let cert = parse_cert(&der).unwrap();
        assert_eq!(common_name_of(&cert), Some("herd cluster CA prod"));
        let bc = cert.basic_constraints().unwrap().unwrap().value;
        assert!(bc.ca);
        assert_eq!(bc.path_len_constraint, Some(0));
        let ku = cert.key_usage().unwrap().unwrap().value;
        assert!(ku.key_cert_sign() && ku.crl_sign() && !ku.digital_signature());
        let v = cert.validity();
        let years = (v.not_after.to_datetime() - v.not_before.to_datetime()).whole_days() / 365;
        assert_eq!(years, 10);
    }

    #[test]
    fn debug_does_not_show_the_keys() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = ClusterCa::load_or_create(tmp.path(), "prod").unwrap();
        let host = ca.host_cert(tmp.path(), "nn1", &names(&["nn1"])).unwrap();
        let ca_key = fs::read_to_string(tmp.path().join("ca.key")).unwrap();
        let ca_key_body = ca_key.lines().nth(1).unwrap();
        let host_key_body = host.key_pem.lines().nth(1).unwrap();
        let shown = format!("{ca:?} {host:?}");
        assert!(shown.contains("<private>"), "{shown}");
        assert!(!shown.contains("PRIVATE KEY"));
        assert!(!shown.contains(ca_key_body) && !shown.contains(host_key_body));
    }

    #[test]
    fn a_key_readable_by_others_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        ClusterCa::load_or_create(tmp.path(), "prod").unwrap();
        let key = tmp.path().join("ca.key");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
        let err = ClusterCa::load_or_create(tmp.path(), "prod").unwrap_err();
        assert!(
            matches!(err, CaError::KeyExposed { mode: 0o644, .. }),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.starts_with(&key.display().to_string()), "{text}");
        assert!(text.contains("mode 644"), "{text}");
    }

    #[test]
    fn a_host_key_readable_by_others_is_refused_rather_than_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = ClusterCa::load_or_create(tmp.path(), "prod").unwrap();
        ca.host_cert(tmp.path(), "nn1", &names(&["nn1"])).unwrap();
        let key = tmp.path().join("hosts/nn1.key");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o640)).unwrap();
        let err = ca
            .host_cert(tmp.path(), "nn1", &names(&["nn1"]))
            .unwrap_err();
        assert!(matches!(err, CaError::KeyExposed { .. }), "{err:?}");
        assert!(err.to_string().contains("hosts/nn1.key"), "{err}");
    }

    #[test]
    fn a_certificate_that_is_not_a_ca_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = ClusterCa::load_or_create(tmp.path(), "prod").unwrap();
        ca.host_cert(tmp.path(), "nn1", &names(&["nn1"])).unwrap();
        let cert = tmp.path().join("hosts/nn1.pem");
        let err = ClusterCa::from_files(&cert, &tmp.path().join("hosts/nn1.key")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: is not a CA certificate (its basic constraints do not say CA:TRUE)",
                cert.display()
            )
        );
    }

    #[test]
    fn a_key_that_is_not_the_certificates_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a");
        let b = tmp.path().join("b");
        ClusterCa::load_or_create(&a, "a").unwrap();
        ClusterCa::load_or_create(&b, "b").unwrap();
        let err = ClusterCa::from_files(&a.join("ca.pem"), &b.join("ca.key")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: is not the key of {}",
                b.join("ca.key").display(),
                a.join("ca.pem").display()
            )
        );
    }

    #[test]
    fn half_a_ca_is_reported_not_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        ClusterCa::load_or_create(tmp.path(), "prod").unwrap();
        fs::remove_file(tmp.path().join("ca.pem")).unwrap();
        let err = ClusterCa::load_or_create(tmp.path(), "prod").unwrap_err();
        assert!(err.to_string().contains("ca.pem: not found, but"), "{err}");
        assert!(tmp.path().join("ca.key").exists());
        assert!(!tmp.path().join("ca.pem").exists());
    }

    #[test]
    fn host_certificates_carry_the_server_and_client_profile() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = ClusterCa::load_or_create(tmp.path(), "prod").unwrap();
        let list = names(&["nn1.example.com", "nn1", "192.0.2.10", "2001:db8::1"]);
        let host = ca.host_cert(tmp.path(), "nn1", &list).unwrap();
        assert_eq!(mode(&tmp.path().join("hosts")), 0o700);
        assert_eq!(mode(&tmp.path().join("hosts/nn1.key")), 0o600);
        assert_eq!(
            fs::read_to_string(tmp.path().join("hosts/nn1.pem")).unwrap(),
            host.cert_pem
        );
        assert!(fs::read_to_string(tmp.path().join("hosts/nn1.key")).unwrap() == host.key_pem);
        assert_eq!(
            host.chain_pem,
            format!("{}{}", host.cert_pem, ca.cert_pem())
        );

        let der = parsed(&host.cert_pem);
        let cert = parse_cert(&der).unwrap();
        assert_eq!(common_name_of(&cert), Some("nn1.example.com"));
        assert!(!cert.is_ca());
        let ku = cert.key_usage().unwrap().unwrap().value;
        assert!(ku.digital_signature() && ku.key_encipherment() && !ku.key_cert_sign());
        let eku = cert.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.server_auth && eku.client_auth && !eku.any);
        let expected: BTreeSet<SanName> = [
            SanName::Dns("nn1.example.com".into()),
            SanName::Dns("nn1".into()),
            SanName::Ip("192.0.2.10".parse().unwrap()),
            SanName::Ip("2001:db8::1".parse().unwrap()),
        ]
        .into();
        assert_eq!(san_set(&cert), Some(expected));
        let v = cert.validity();
        let days = (v.not_after.to_datetime() - v.not_before.to_datetime()).whole_days();
        assert_eq!(days, 825);
        assert!(v.not_before.to_datetime() < OffsetDateTime::now_utc() - Duration::minutes(30));
    }

    #[test]
    fn host_certificates_are_reused_while_the_names_are_the_same() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = ClusterCa::load_or_create(tmp.path(), "prod").unwrap();
        let list = names(&["dn1.example.com", "10.0.0.5"]);
        let first = ca.host_cert(tmp.path(), "dn1", &list).unwrap();
        let again = ca.host_cert(tmp.path(), "dn1", &list).unwrap();
        assert_eq!(again, first);

        let reloaded = ClusterCa::load_or_create(tmp.path(), "prod").unwrap();
        let in_another_order = names(&["dn1.example.com", "10.0.0.5"]);
        assert_eq!(
            reloaded
                .host_cert(tmp.path(), "dn1", &in_another_order)
                .unwrap(),
            first
        );
    }

    #[test]
    fn a_host_certificate_is_reissued_when_a_name_is_added_or_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = ClusterCa::load_or_create(tmp.path(), "prod").unwrap();
        let first = ca
            .host_cert(tmp.path(), "dn1", &names(&["dn1.example.com"]))
            .unwrap();
        let wider = names(&["dn1.example.com", "dn1"]);
        let added = ca.host_cert(tmp.path(), "dn1", &wider).unwrap();
        assert_ne!(added.cert_pem, first.cert_pem);
        assert!(added.key_pem != first.key_pem, "the key was kept");
        assert!(
            check_host_cert(&added.cert_pem, ca.cert_pem(), &wider, SystemTime::now()).is_empty()
        );
        assert_eq!(
            fs::read_to_string(tmp.path().join("hosts/dn1.pem")).unwrap(),
            added.cert_pem
        );

        let dropped = ca
            .host_cert(tmp.path(), "dn1", &names(&["dn1.example.com"]))
            .unwrap();
        assert_ne!(dropped.cert_pem, added.cert_pem);
    }

    #[test]
    fn a_host_certificate_is_reissued_within_30_days_of_its_end() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = ClusterCa::load_or_create(tmp.path(), "prod").unwrap();
        let list = names(&["dn1"]);
        let now = SystemTime::now();
        let first = ca.host_cert_at(tmp.path(), "dn1", &list, now).unwrap();
        let later = now + 780 * DAY;
        assert_eq!(
            ca.host_cert_at(tmp.path(), "dn1", &list, later).unwrap(),
            first
        );
        let near_the_end = now + 800 * DAY;
        let renewed = ca
            .host_cert_at(tmp.path(), "dn1", &list, near_the_end)
            .unwrap();
        assert_ne!(renewed.cert_pem, first.cert_pem);
        assert!(check_host_cert(&renewed.cert_pem, ca.cert_pem(), &list, near_the_end).is_empty());
    }

    #[test]
    fn a_host_certificate_from_another_ca_is_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let old = ClusterCa::load_or_create(&tmp.path().join("old"), "prod").unwrap();
        let new = ClusterCa::load_or_create(&tmp.path().join("new"), "prod").unwrap();
        let list = names(&["dn1"]);
        let by_old = old.host_cert(tmp.path(), "dn1", &list).unwrap();
        let by_new = new.host_cert(tmp.path(), "dn1", &list).unwrap();
        assert_ne!(by_new.cert_pem, by_old.cert_pem);
        assert!(
            check_host_cert(&by_new.cert_pem, new.cert_pem(), &list, SystemTime::now()).is_empty()
        );
    }

    #[test]
    fn a_host_name_that_cannot_name_a_file_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = ClusterCa::load_or_create(tmp.path(), "prod").unwrap();
        for host in ["", "..", "a/b"] {
            let err = ca.host_cert(tmp.path(), host, &names(&["x"])).unwrap_err();
            assert!(err.to_string().contains("cannot name a file"), "{err}");
        }
        let err = ca.host_cert(tmp.path(), "nn1", &[]).unwrap_err();
        assert!(err.to_string().contains("no names"), "{err}");
        let err = ca
            .host_cert(tmp.path(), "nn1", &names(&["nn1", " "]))
            .unwrap_err();
        assert!(err.to_string().contains("name 2 is empty"), "{err}");
    }

    #[test]
    fn a_name_given_twice_is_issued_once_and_the_certificate_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = ClusterCa::load_or_create(tmp.path(), "prod").unwrap();
        let list = names(&["nn1", "NN1", "10.0.0.1", "10.0.0.1"]);
        let host = ca.host_cert(tmp.path(), "nn1", &list).unwrap();
        let der = parsed(&host.cert_pem);
        let cert = parse_cert(&der).unwrap();
        let sans = cert.subject_alternative_name().unwrap().unwrap().value;
        assert_eq!(sans.general_names.len(), 2, "{sans:?}");
        assert_eq!(ca.host_cert(tmp.path(), "nn1", &list).unwrap(), host);
    }

    #[test]
    fn check_reports_a_missing_name() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = ClusterCa::load_or_create(tmp.path(), "prod").unwrap();
        let host = ca
            .host_cert(
                tmp.path(),
                "nn1",
                &names(&["nn1.example.com", "192.0.2.10"]),
            )
            .unwrap();
        let problems = check_host_cert(
            &host.cert_pem,
            ca.cert_pem(),
            &names(&["NN1.example.com", "nn1", "192.0.2.10", "192.0.2.11"]),
            SystemTime::now(),
        );
        assert_eq!(
            problems,
            vec![
                "the certificate does not name 'nn1' among its subject alternative names",
                "the certificate does not name '192.0.2.11' among its subject alternative names",
            ]
        );
    }

    #[test]
    fn check_reports_a_foreign_ca() {
        let tmp = tempfile::tempdir().unwrap();
        let ours = ClusterCa::load_or_create(&tmp.path().join("ours"), "prod").unwrap();
        let replaced = ClusterCa::load_or_create(&tmp.path().join("replaced"), "prod").unwrap();
        let theirs = ClusterCa::load_or_create(&tmp.path().join("theirs"), "test").unwrap();
        let list = names(&["nn1"]);
        let host = replaced.host_cert(tmp.path(), "nn1", &list).unwrap();
        assert_eq!(
            check_host_cert(&host.cert_pem, ours.cert_pem(), &list, SystemTime::now()),
            vec![
                "the certificate names the cluster CA (CN=herd cluster CA prod) as its issuer, \
                 but another key signed it (was the CA replaced?)"
            ]
        );
        let host = theirs.host_cert(tmp.path(), "nn1", &list).unwrap();
        assert_eq!(
            check_host_cert(&host.cert_pem, ours.cert_pem(), &list, SystemTime::now()),
            vec![
                "the certificate is not signed by the cluster CA (CN=herd cluster CA prod) \
                 but by CN=herd cluster CA test"
            ]
        );
    }

    #[test]
    fn check_reports_dates() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = ClusterCa::load_or_create(tmp.path(), "prod").unwrap();
        let list = names(&["nn1"]);
        let host = ca.host_cert(tmp.path(), "nn1", &list).unwrap();
        let now = SystemTime::now();
        let der = parsed(&host.cert_pem);
        let cert = parse_cert(&der).unwrap();
        let not_after = date(cert.validity().not_after.to_datetime());
        let not_before = date(cert.validity().not_before.to_datetime());

        assert!(check_host_cert(&host.cert_pem, ca.cert_pem(), &list, now).is_empty());
        assert_eq!(
            check_host_cert(&host.cert_pem, ca.cert_pem(), &list, now + 810 * DAY),
            vec![format!(
                "the certificate expires on {not_after}, within 30 days"
            )]
        );
        assert_eq!(
            check_host_cert(&host.cert_pem, ca.cert_pem(), &list, now + 900 * DAY),
            vec![format!("the certificate expired on {not_after}")]
        );
        assert_eq!(
            check_host_cert(&host.cert_pem, ca.cert_pem(), &list, now - DAY),
            vec![format!("the certificate is not valid until {not_before}")]
        );
    }

    #[test]
    fn check_reports_a_file_that_holds_no_certificate() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = ClusterCa::load_or_create(tmp.path(), "prod").unwrap();
        assert_eq!(
            check_host_cert(
                "not pem",
                ca.cert_pem(),
                &names(&["nn1"]),
                SystemTime::now()
            ),
            vec!["the certificate file holds no PEM certificate"]
        );
    }

    /// Runs `cmd`, returning whether it exited 0 and what it printed. Only
    /// commands whose output holds no key material are run through this.
    fn run(cmd: &mut Command) -> (bool, String) {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn openssl(args: &[&str]) -> String {
        let (ok, text) = run(Command::new("openssl").args(args));
        assert!(ok, "openssl {args:?} failed: {text}");
        text
    }

    fn have(tool: &str) -> bool {
        Command::new(tool).arg("-help").output().is_ok()
    }

    /// What herd issues, checked by the tools the hosts use: OpenSSL for the
    /// chain and the names, Java 17's keytool for the keystore and the
    /// truststore the Hadoop daemons load.
    #[test]
    fn openssl_and_keytool_accept_what_is_issued() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let ca = ClusterCa::load_or_create(dir, "interop").unwrap();
        let list = names(&["nn1.example.com", "nn1", "192.0.2.10", "2001:db8::1"]);
        let host = ca.host_cert(dir, "nn1", &list).unwrap();
        fs::write(dir.join("chain.pem"), &host.chain_pem).unwrap();
        let ca_pem = dir.join("ca.pem").display().to_string();
        let cert = dir.join("hosts/nn1.pem").display().to_string();
        let key = dir.join("hosts/nn1.key").display().to_string();

        for purpose in ["sslserver", "sslclient"] {
            let out = openssl(&[
                "verify",
                "-x509_strict",
                "-purpose",
                purpose,
                "-CAfile",
                &ca_pem,
                &cert,
            ]);
            assert!(out.contains(": OK"), "{out}");
        }
        for (flag, name) in [
            ("-checkhost", "nn1.example.com"),
            ("-checkhost", "nn1"),
            ("-checkip", "192.0.2.10"),
            ("-checkip", "2001:db8::1"),
        ] {
            let out = openssl(&["x509", "-noout", "-in", &cert, flag, name]);
            assert!(
                out.contains(" does match certificate"),
                "{flag} {name}: {out}"
            );
        }
        let out = openssl(&[
            "x509",
            "-noout",
            "-in",
            &cert,
            "-checkhost",
            "dn1.example.com",
        ]);
        assert!(out.contains("does NOT match"), "{out}");
        let out = openssl(&["pkey", "-noout", "-in", &key, "-check"]);
        assert!(out.contains("valid"), "{out}");

        // The password reaches openssl and keytool through a file only.
        let pass = dir.join("store.pass");
        let password: String = (0..24)
            .map(|_| char::from(b'a' + rand::random_range(0..26u8)))
            .collect();
        write_file(&pass, &format!("{password}\n"), 0o600).unwrap();
        let pass_arg = format!("file:{}", pass.display());
        let p12 = dir.join("nn1.p12").display().to_string();
        openssl(&[
            "pkcs12",
            "-export",
            "-in",
            &cert,
            "-inkey",
            &key,
            "-certfile",
            &ca_pem,
            "-name",
            "nn1",
            "-out",
            &p12,
            "-passout",
            &pass_arg,
        ]);
        let out = openssl(&["pkcs12", "-in", &p12, "-noout", "-passin", &pass_arg]);
        assert!(!out.contains("error"), "{out}");

        if !have("keytool") {
            println!("note: keytool not found; the Java keystore checks were skipped");
            return;
        }
        let pass_file = pass.display().to_string();
        let (ok, out) = run(Command::new("keytool").args([
            "-list",
            "-v",
            "-storetype",
            "pkcs12",
            "-keystore",
            &p12,
            "-storepass:file",
            &pass_file,
        ]));
        assert!(ok, "keytool -list failed: {out}");
        assert!(out.contains("Alias name: nn1"), "{out}");
        assert!(out.contains("PrivateKeyEntry"), "{out}");
        assert!(out.contains("Certificate chain length: 2"), "{out}");

        let trust = dir.join("truststore.p12").display().to_string();
        let (ok, out) = run(Command::new("keytool").args([
            "-importcert",
            "-noprompt",
            "-alias",
            "herd-ca",
            "-file",
            &ca_pem,
            "-storetype",
            "pkcs12",
            "-keystore",
            &trust,
            "-storepass:file",
            &pass_file,
        ]));
        assert!(ok, "keytool -importcert failed: {out}");
        let (ok, out) = run(Command::new("keytool").args([
            "-list",
            "-storetype",
            "pkcs12",
            "-keystore",
            &trust,
            "-storepass:file",
            &pass_file,
        ]));
        assert!(ok && out.contains("trustedCertEntry"), "{out}");

        if !have("java") {
            println!("note: java not found; the TLS handshakes with Java were skipped");
            return;
        }
        tls_handshakes(dir, &p12, &trust, &pass_file, &cert, &key, &ca_pem);
    }

    /// A TLS server and client as the Hadoop daemons run them: Java 17's
    /// JSSE with the PKCS#12 keystore and truststore, both sides presenting
    /// their certificate, the client checking the server's name.
    const TLS_PROBE: &str = r#"
import java.io.*;
import java.net.*;
import java.nio.file.*;
import java.security.KeyStore;
import javax.net.ssl.*;

public class TlsProbe {
    static KeyStore load(String path, char[] pw) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(path))) { ks.load(in, pw); }
        return ks;
    }

    public static void main(String[] a) throws Exception {
        Thread watchdog = new Thread(() -> {
            try { Thread.sleep(60_000); } catch (InterruptedException e) { return; }
            System.err.println("timed out"); System.exit(3);
        });
        watchdog.setDaemon(true);
        watchdog.start();
        char[] pw = Files.readString(Path.of(a[2])).trim().toCharArray();
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(a[0], pw), pw);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(a[1], pw));
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        String name = a[3];
        int clients = Integer.parseInt(a[4]);

        SSLServerSocket server = (SSLServerSocket) ctx.getServerSocketFactory()
            .createServerSocket(0, 4, InetAddress.getByName("127.0.0.1"));
        server.setNeedClientAuth(true);
        server.setSoTimeout(30_000);
        Thread serving = new Thread(() -> {
            for (int i = 0; i < clients; i++) {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.startHandshake();
                    SSLSession session = s.getSession();
                    System.out.println("served " + session.getProtocol() + " " + session.getCipherSuite()
                        + " to " + ((java.security.cert.X509Certificate) session.getPeerCertificates()[0])
                            .getSubjectX500Principal().getName());
                    System.out.flush();
                    try { s.getOutputStream().write("hello\n".getBytes()); s.getOutputStream().flush(); }
                    catch (IOException closedEarly) { }
                } catch (Exception e) {
                    System.out.println("server failed: " + e);
                    System.exit(2);
                }
            }
        });
        serving.start();
        System.out.println("port " + server.getLocalPort());
        System.out.flush();

        try (Socket plain = new Socket("127.0.0.1", server.getLocalPort());
             SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, name, server.getLocalPort(), true)) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.setSoTimeout(30_000);
            s.startHandshake();
            String line = new BufferedReader(new InputStreamReader(s.getInputStream())).readLine();
            System.out.println("java client read " + line + " over " + s.getSession().getProtocol());
            System.out.flush();
        }
        serving.join();
    }
}
"#;

    fn tls_handshakes(
        dir: &Path,
        keystore: &str,
        truststore: &str,
        pass_file: &str,
        cert: &str,
        key: &str,
        ca_pem: &str,
    ) {
        use std::io::{BufRead, BufReader};
        use std::process::Stdio;

        let source = dir.join("TlsProbe.java");
        fs::write(&source, TLS_PROBE).unwrap();
        let mut java = Command::new("java")
            .arg(&source)
            .args([keystore, truststore, pass_file, "nn1.example.com", "3"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(java.stdout.take().unwrap()).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let Some(port) = first.strip_prefix("port ") else {
            let _ = java.kill();
            let out = java.wait_with_output().unwrap();
            panic!(
                "the Java TLS probe did not start: {first} {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let connect = format!("127.0.0.1:{port}");
        // Hadoop 3 enables TLS 1.2 alone unless told otherwise; curl with
        // OpenSSL 3 offers 1.3 first.
        let clients: Vec<(bool, String)> = ["-tls1_3", "-tls1_2"]
            .into_iter()
            .map(|version| {
                run(Command::new("openssl")
                    .args([
                        "s_client",
                        version,
                        "-connect",
                        &connect,
                        "-servername",
                        "nn1.example.com",
                        "-verify_hostname",
                        "nn1.example.com",
                        "-verify_return_error",
                        "-CAfile",
                        ca_pem,
                        "-cert",
                        cert,
                        "-key",
                        key,
                    ])
                    .stdin(Stdio::null()))
            })
            .collect();
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        let status = java.wait().unwrap();
        let mut stderr = String::new();
        if let Some(mut e) = java.stderr.take() {
            std::io::Read::read_to_string(&mut e, &mut stderr).unwrap();
        }
        for (ok, out) in &clients {
            assert!(ok, "openssl s_client failed: {out}");
            assert!(out.contains("Verify return code: 0 (ok)"), "{out}");
        }
        assert!(status.success(), "java: {rest:?} {stderr}");
        let served = rest
            .iter()
            .filter(|l| l.starts_with("served ") && l.contains("CN=nn1.example.com"))
            .count();
        assert_eq!(served, 3, "{rest:?}");
        assert!(
            rest.iter()
                .any(|l| l.starts_with("served TLSv1.2 TLS_ECDHE_ECDSA_")),
            "{rest:?}"
        );
        assert!(
            rest.iter()
                .any(|l| l == "java client read hello over TLSv1.3"),
            "{rest:?}"
        );
        println!("Java 17 TLS: {rest:?}");
    }

    /// An operator's own CA, made by OpenSSL with an RSA key, signs hosts'
    /// certificates that OpenSSL then verifies.
    #[test]
    fn an_operator_ca_made_by_openssl_is_used() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let key = dir.join("op.key");
        let cert = dir.join("op.pem");
        let key_arg = key.display().to_string();
        let cert_arg = cert.display().to_string();
        openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            &key_arg,
        ]);
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
        openssl(&[
            "req",
            "-x509",
            "-new",
            "-key",
            &key_arg,
            "-out",
            &cert_arg,
            "-days",
            "365",
            "-subj",
            "/O=Example/CN=Example Hadoop CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        let ca = ClusterCa::from_files(&cert, &key).unwrap();
        let list = names(&["rm1.example.com"]);
        let host = ca.host_cert(dir, "rm1", &list).unwrap();
        assert!(
            check_host_cert(&host.cert_pem, ca.cert_pem(), &list, SystemTime::now()).is_empty()
        );
        let out = openssl(&[
            "verify",
            "-x509_strict",
            "-purpose",
            "sslserver",
            "-CAfile",
            &cert_arg,
            &dir.join("hosts/rm1.pem").display().to_string(),
        ]);
        assert!(out.contains(": OK"), "{out}");

        let traditional = dir.join("traditional.key");
        openssl(&[
            "pkey",
            "-in",
            &key_arg,
            "-traditional",
            "-out",
            &traditional.display().to_string(),
        ]);
        fs::set_permissions(&traditional, fs::Permissions::from_mode(0o600)).unwrap();
        let err = ClusterCa::from_files(&cert, &traditional).unwrap_err();
        assert!(
            err.to_string()
                .contains("RSA PRIVATE KEY in the traditional format"),
            "{err}"
        );
    }
}
