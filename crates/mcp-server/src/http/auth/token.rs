//! Static bearer tokens, kept only as SHA-256 digests and compared in constant time.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::http::auth::jwt::JWT_PRINCIPAL_PREFIX;
use crate::http::config::{HttpConfigError, TokenConfig, TokenSecret};
use pattern_engine::Principal;

/// The configured tokens. **Invariant:** no plain token is kept in memory
/// after start; a presented token is hashed and its digest compared.
#[derive(Default)]
pub struct StaticTokens {
    entries: Vec<([u8; 32], Principal)>,
}

impl std::fmt::Debug for StaticTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.entries.iter().map(|(_, p)| p.id.as_str()).collect();
        f.debug_struct("StaticTokens").field("principals", &ids).finish()
    }
}

impl StaticTokens {
    pub fn new(configs: &[TokenConfig]) -> Result<Self, HttpConfigError> {
        let mut entries = Vec::with_capacity(configs.len());
        for config in configs {
            if config.principal.id.starts_with(JWT_PRINCIPAL_PREFIX) {
                return Err(token_error(
                    config,
                    &format!(
                        "ids starting with `{JWT_PRINCIPAL_PREFIX}` are kept for JWT subjects"
                    ),
                ));
            }
            let digest = match &config.secret {
                TokenSecret::Plain(token) if token.is_empty() => {
                    return Err(token_error(config, "the token is empty"));
                }
                TokenSecret::Plain(token) => sha256(token.as_bytes()),
                TokenSecret::Sha256Hex(hex) => parse_digest(hex)
                    .ok_or_else(|| token_error(config, "expected 64 hex digits after `sha256:`"))?,
            };
            if entries.iter().any(|(d, _): &([u8; 32], Principal)| *d == digest) {
                return Err(token_error(config, "the same token is configured twice"));
            }
            entries.push((digest, config.principal.clone()));
        }
        Ok(Self { entries })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The principal of `presented`, comparing its digest with every entry
    /// so the time taken does not depend on which entry (if any) matched.
    pub fn find(&self, presented: &str) -> Option<&Principal> {
        let digest = sha256(presented.as_bytes());
        let mut found = None;
        for (candidate, principal) in &self.entries {
            if bool::from(candidate.ct_eq(&digest)) {
                found = Some(principal);
            }
        }
        found
    }
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Lowercase hex of a token's SHA-256, as an operator writes it in the config.
pub fn sha256_hex(token: &str) -> String {
    sha256(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_digest(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn token_error(config: &TokenConfig, reason: &str) -> HttpConfigError {
    HttpConfigError::Token { id: config.principal.id.clone(), reason: reason.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pattern_core::Role;

    fn config(id: &str, secret: TokenSecret) -> TokenConfig {
        TokenConfig {
            secret,
            principal: Principal { id: id.into(), role: Role::Agent, namespaces: None },
        }
    }

    #[test]
    fn plain_and_hashed_tokens_find_their_principals() {
        let tokens = StaticTokens::new(&[
            config("ci", TokenSecret::Plain("s3cret-ci".into())),
            config(
                "ops",
                TokenSecret::parse(&format!("sha256:{}", sha256_hex("s3cret-ops").to_uppercase())),
            ),
        ])
        .unwrap();
        assert_eq!(tokens.find("s3cret-ci").map(|p| p.id.as_str()), Some("ci"));
        assert_eq!(tokens.find("s3cret-ops").map(|p| p.id.as_str()), Some("ops"));
        assert_eq!(tokens.find("s3cret-nope"), None);
        assert_eq!(tokens.find(""), None);
    }

    #[test]
    fn sha256_hex_matches_the_known_digest_of_abc() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_malformed_digest_is_a_config_error_naming_the_token() {
        let err =
            StaticTokens::new(&[config("ops", TokenSecret::parse("sha256:abcd"))]).unwrap_err();
        assert_eq!(err.to_string(), "http token `ops`: expected 64 hex digits after `sha256:`");
    }

    #[test]
    fn a_token_id_in_the_jwt_id_space_is_a_config_error() {
        let err =
            StaticTokens::new(&[config("jwt:alice", TokenSecret::Plain("t".into()))]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "http token `jwt:alice`: ids starting with `jwt:` are kept for JWT subjects"
        );
    }

    #[test]
    fn a_duplicated_token_is_a_config_error() {
        let err = StaticTokens::new(&[
            config("a", TokenSecret::Plain("same".into())),
            config("b", TokenSecret::parse(&format!("sha256:{}", sha256_hex("same")))),
        ])
        .unwrap_err();
        assert_eq!(err.to_string(), "http token `b`: the same token is configured twice");
    }
}
