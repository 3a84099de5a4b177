//! Public-key authentication: the ssh-agent's keys first, then key files.
//! Failures list what was tried (paths, key counts), never key material.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use russh::client::{AuthResult, Handle};
use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg};

use super::handler::Client;
use super::{SshTarget, TransportError};

pub(super) async fn authenticate(
    handle: &mut Handle<Client>,
    target: &SshTarget,
    use_agent: bool,
) -> Result<(), TransportError> {
    let mut tried: Vec<String> = Vec::new();
    let fail = |reason: String| TransportError::Auth {
        host: target.name.clone(),
        user: target.user.clone(),
        reason,
    };

    if use_agent && std::env::var_os("SSH_AUTH_SOCK").is_some() {
        match try_agent(handle, &target.user).await {
            Ok(AgentOutcome::Accepted) => return Ok(()),
            Ok(AgentOutcome::Rejected(n)) => tried.push(format!("ssh-agent ({n} keys rejected)")),
            Err(note) => tried.push(format!("ssh-agent ({note})")),
        }
    }

    let files = if target.identity_files.is_empty() {
        default_identities()
    } else {
        target.identity_files.clone()
    };
    for path in &files {
        let label = path.display().to_string();
        let key = match load_key(path).await {
            Ok(k) => k,
            Err(note) => {
                tried.push(format!("{label} ({note})"));
                continue;
            }
        };
        let hash = rsa_hash(handle, &key)
            .await
            .map_err(|e| fail(format!("{e} while offering {label}")))?;
        let result = handle
            .authenticate_publickey(
                target.user.clone(),
                PrivateKeyWithHashAlg::new(Arc::new(key), hash),
            )
            .await
            .map_err(|e| fail(format!("{e} while offering {label}")))?;
        match result {
            AuthResult::Success => return Ok(()),
            AuthResult::Failure {
                remaining_methods, ..
            } => {
                tried.push(format!("{label} (rejected)"));
                if !remaining_methods.contains(&russh::MethodKind::PublicKey) {
                    break;
                }
            }
        }
    }

    if tried.is_empty() {
        return Err(fail(
            "no keys to offer: no ssh-agent and none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa exists"
                .to_string(),
        ));
    }
    Err(fail(format!("tried {}", tried.join(", "))))
}

enum AgentOutcome {
    Accepted,
    Rejected(usize),
}

async fn try_agent(handle: &mut Handle<Client>, user: &str) -> Result<AgentOutcome, String> {
    let mut agent = russh::keys::agent::client::AgentClient::connect_env()
        .await
        .map_err(|_| "not reachable".to_string())?;
    let identities = agent
        .request_identities()
        .await
        .map_err(|_| "cannot list keys".to_string())?;
    let mut offered = 0;
    for identity in identities {
        let key = identity.public_key().into_owned();
        let hash = if key.algorithm().is_rsa() {
            handle
                .best_supported_rsa_hash()
                .await
                .map_err(|e| e.to_string())?
                .unwrap_or(Some(HashAlg::Sha256))
        } else {
            None
        };
        offered += 1;
        match handle
            .authenticate_publickey_with(user.to_string(), key, hash, &mut agent)
            .await
        {
            Ok(AuthResult::Success) => return Ok(AgentOutcome::Accepted),
            Ok(AuthResult::Failure {
                remaining_methods, ..
            }) => {
                if !remaining_methods.contains(&russh::MethodKind::PublicKey) {
                    break;
                }
            }
            // A signer failure leaves the session usable; move on to the files.
            Err(e) => tracing::debug!("ssh-agent key failed: {e}"),
        }
    }
    Ok(AgentOutcome::Rejected(offered))
}

/// OpenSSH >= 8.8 refuses SHA-1 `ssh-rsa` signatures, so a server that does
/// not announce server-sig-algs still gets rsa-sha2-256.
async fn rsa_hash(
    handle: &Handle<Client>,
    key: &PrivateKey,
) -> Result<Option<HashAlg>, russh::Error> {
    if !key.algorithm().is_rsa() {
        return Ok(None);
    }
    Ok(handle
        .best_supported_rsa_hash()
        .await?
        .unwrap_or(Some(HashAlg::Sha256)))
}

async fn load_key(path: &Path) -> Result<PrivateKey, String> {
    let path = path.to_path_buf();
    let loaded = tokio::task::spawn_blocking(move || {
        if !path.exists() {
            return Err("not found".to_string());
        }
        russh::keys::load_secret_key(&path, None).map_err(|e| match e {
            russh::keys::Error::KeyIsEncrypted => {
                "encrypted and no passphrase given; skipped".to_string()
            }
            // The error kinds describe the format problem, never the key bytes.
            other => format!("unreadable: {other}"),
        })
    })
    .await;
    loaded.unwrap_or_else(|e| Err(format!("cannot load: {e}")))
}

/// The keys ssh(1) tries when no IdentityFile is configured, if present.
fn default_identities() -> Vec<PathBuf> {
    let Some(home) = std::env::var_os("HOME").map(PathBuf::from) else {
        return Vec::new();
    };
    ["id_ed25519", "id_ecdsa", "id_rsa"]
        .iter()
        .map(|n| home.join(".ssh").join(n))
        .filter(|p| p.exists())
        .collect()
}
