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
/// The longest validity Apple's TLS stack accepts for a server certificate
/// from any CA; others allow more, none that Hadoop clients use allow less.
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
        let key_pair = read_key(key)?;
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
        let sans = names
            .iter()
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
        let key_pair = match read_key(key_path) {
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
        Ok(fits.then(|| self.host_files(cert_pem, key_pair.serialize_pem())))
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
        Ok(signed_by(&cert, &ca).then(|| ca.subject().to_string()))
    }) {
        Ok(None) => {}
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

fn check_is_ca(path: &Path, cert: &X509Certificate<'_>, now: OffsetDateTime) -> Result<(), CaError> {
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

/// The key in `path`, refused when others can read the file. Its text never
/// reaches an error message.
fn read_key(path: &Path) -> Result<KeyPair, CaError> {
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
    let text = fs::read(path).map_err(io_error("read", path))?;
    for block in Pem::iter_from_buffer(&text) {
        let Ok(block) = block else {
            return Err(invalid(path, "is not valid PEM"));
        };
        match block.label.as_str() {
            "PRIVATE KEY" => {
                return KeyPair::try_from(block.contents.as_slice()).map_err(|e| {
                    invalid(
                        path,
                        format!(
                            "holds a key herd cannot sign with ({e}); it takes ECDSA P-256 or P-384, or RSA"
                        ),
                    )
                });
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
