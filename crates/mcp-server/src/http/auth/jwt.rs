//! HS256 JWTs: validation with `jsonwebtoken`, signatures by a minimal HMAC-SHA256 crypto provider.
//!
//! `jsonwebtoken`'s own providers pull RSA, ECDSA and Ed25519 (or aws-lc);
//! we accept HS256 only, so a provider of a few lines over `hmac` + `sha2`
//! keeps the dependency tree small. Claim checks (`exp`, `nbf`, `iss`,
//! `aud`, algorithm pinning) stay with the crate; `exp` and `nbf` get the
//! same leeway for clock skew.

use std::sync::Once;

use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error as JwtError, ErrorKind};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Validation};
use serde::Deserialize;
use sha2::Sha256;

use crate::http::config::{HttpConfigError, JwtConfig};
use pattern_core::Role;
use pattern_engine::Principal;

/// Prefix of every JWT principal's id: `jwt:<sub>`. Static token ids may
/// not start with it, so a token and a JWT subject never share an id (nor
/// the cache entries and rate-limit bucket keyed by it).
pub const JWT_PRINCIPAL_PREFIX: &str = "jwt:";

/// Shortest secret accepted: RFC 7518 §3.2 wants a key at least as long as the hash.
pub const MIN_SECRET_BYTES: usize = 32;

/// Checks HS256 tokens and turns their claims into a principal.
pub struct JwtAuth {
    key: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for JwtAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtAuth").finish_non_exhaustive()
    }
}

/// The claims we read: `sub` names the principal (`jwt:<sub>`), `role` defaults to
/// `readonly` (least privilege), `namespaces` limits the principal.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    namespaces: Option<Vec<String>>,
}

impl JwtAuth {
    pub fn new(config: &JwtConfig) -> Result<Self, HttpConfigError> {
        if config.secret.len() < MIN_SECRET_BYTES {
            return Err(HttpConfigError::Jwt(format!(
                "the secret has {} bytes; HS256 needs at least {MIN_SECRET_BYTES}",
                config.secret.len()
            )));
        }
        install_crypto_provider();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = config.leeway.as_secs();
        // Off by default in `jsonwebtoken`: a token issued for later must not work now.
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        if let Some(issuer) = &config.issuer {
            validation.set_issuer(&[issuer]);
        }
        match &config.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        Ok(Self { key: DecodingKey::from_secret(&config.secret), validation })
    }

    /// The principal a valid token names; the error says what was wrong
    /// without echoing the token.
    pub fn verify(&self, token: &str) -> Result<Principal, String> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map_err(|e| describe(&e))?;
        let claims = data.claims;
        if claims.sub.is_empty() {
            return Err("the `sub` claim is empty".into());
        }
        let role = match claims.role.as_deref() {
            None => Role::Readonly,
            Some(role) => role.parse::<Role>()?,
        };
        Ok(Principal {
            id: format!("{JWT_PRINCIPAL_PREFIX}{}", claims.sub),
            role,
            namespaces: claims.namespaces,
        })
    }
}

fn describe(e: &JwtError) -> String {
    match e.kind() {
        ErrorKind::ExpiredSignature => "the token has expired".into(),
        ErrorKind::ImmatureSignature => "the token is not valid yet".into(),
        ErrorKind::InvalidSignature => "the signature does not match".into(),
        ErrorKind::InvalidAlgorithm => "only HS256 tokens are accepted".into(),
        ErrorKind::InvalidIssuer => "wrong issuer".into(),
        ErrorKind::InvalidAudience => "wrong audience".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("the `{claim}` claim is missing"),
        ErrorKind::InvalidClaimFormat(claim) => format!("the `{claim}` claim is not a number"),
        _ => "not a valid JWT".into(),
    }
}

type HmacSha256 = Hmac<Sha256>;

/// Signs and verifies HS256 with one key.
struct Hs256(HmacSha256);

impl Hs256 {
    fn from_key(secret: &[u8]) -> jsonwebtoken::errors::Result<Self> {
        HmacSha256::new_from_slice(secret).map(Self).map_err(|_| ErrorKind::InvalidKeyFormat.into())
    }
}

impl signature::Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let mut mac = self.0.clone();
        mac.update(msg);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

impl signature::Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, msg: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        let mut mac = self.0.clone();
        mac.update(msg);
        // `verify_slice` compares in constant time.
        mac.verify_slice(signature).map_err(|_| signature::Error::new())
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

fn signer(
    algorithm: &Algorithm,
    key: &EncodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtSigner>> {
    if *algorithm != Algorithm::HS256 || key.family() != AlgorithmFamily::Hmac {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    Ok(Box::new(Hs256::from_key(key.as_bytes())?))
}

fn verifier(
    algorithm: &Algorithm,
    key: &DecodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtVerifier>> {
    if *algorithm != Algorithm::HS256 || key.family() != AlgorithmFamily::Hmac {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    Ok(Box::new(Hs256::from_key(key.try_get_as_bytes()?)?))
}

static HS256_ONLY: CryptoProvider = CryptoProvider {
    signer_factory: signer,
    verifier_factory: verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes the HS256 provider `jsonwebtoken`'s process default. Idempotent; if
/// another provider was installed first it is kept (it handles HS256 too).
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if HS256_ONLY.install_default().is_err() {
            tracing::debug!("a jsonwebtoken crypto provider was already installed; keeping it");
        }
    });
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use jsonwebtoken::{EncodingKey, Header, encode, get_current_timestamp};
    use serde_json::json;

    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn auth() -> JwtAuth {
        JwtAuth::new(&JwtConfig {
            secret: SECRET.to_vec(),
            issuer: None,
            audience: None,
            leeway: Duration::ZERO,
        })
        .unwrap()
    }

    fn token(claims: serde_json::Value, secret: &[u8]) -> String {
        install_crypto_provider();
        encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret)).unwrap()
    }

    fn in_an_hour() -> u64 {
        get_current_timestamp() + 3600
    }

    #[test]
    fn sub_and_role_claims_become_the_principal() {
        let t = token(
            json!({"sub": "alice", "role": "agent", "namespaces": ["team"], "exp": in_an_hour()}),
            SECRET,
        );
        let principal = auth().verify(&t).unwrap();
        assert_eq!(principal.id, "jwt:alice");
        assert_eq!(principal.role, Role::Agent);
        assert_eq!(principal.namespaces, Some(vec!["team".to_owned()]));
    }

    #[test]
    fn a_token_without_role_is_readonly() {
        let t = token(json!({"sub": "bob", "exp": in_an_hour()}), SECRET);
        assert_eq!(auth().verify(&t).unwrap().role, Role::Readonly);
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let t =
            token(json!({"sub": "eve", "exp": in_an_hour()}), b"another-secret-another-secret-xx");
        assert_eq!(auth().verify(&t).unwrap_err(), "the signature does not match");
    }

    #[test]
    fn an_expired_token_is_refused() {
        let t = token(json!({"sub": "alice", "exp": get_current_timestamp() - 10}), SECRET);
        assert_eq!(auth().verify(&t).unwrap_err(), "the token has expired");
    }

    #[test]
    fn a_token_not_valid_yet_is_refused() {
        let t = token(
            json!({"sub": "alice", "nbf": get_current_timestamp() + 3600, "exp": in_an_hour() + 60}),
            SECRET,
        );
        assert_eq!(auth().verify(&t).unwrap_err(), "the token is not valid yet");
    }

    #[test]
    fn nbf_gets_the_same_leeway_as_exp() {
        let auth = JwtAuth::new(&JwtConfig {
            secret: SECRET.to_vec(),
            issuer: None,
            audience: None,
            leeway: Duration::from_secs(30),
        })
        .unwrap();
        let now = get_current_timestamp();
        let skewed = token(json!({"sub": "alice", "nbf": now + 20, "exp": in_an_hour()}), SECRET);
        assert_eq!(auth.verify(&skewed).unwrap().id, "jwt:alice");
        let early = token(json!({"sub": "alice", "nbf": now + 120, "exp": in_an_hour()}), SECRET);
        assert_eq!(auth.verify(&early).unwrap_err(), "the token is not valid yet");
        let expired = token(json!({"sub": "alice", "exp": now - 120}), SECRET);
        assert_eq!(auth.verify(&expired).unwrap_err(), "the token has expired");
    }

    #[test]
    fn a_non_numeric_nbf_is_refused() {
        let t = token(json!({"sub": "alice", "nbf": "soon", "exp": in_an_hour()}), SECRET);
        assert_eq!(auth().verify(&t).unwrap_err(), "the `nbf` claim is not a number");
    }

    #[test]
    fn a_token_without_exp_is_refused() {
        let t = token(json!({"sub": "alice"}), SECRET);
        assert_eq!(auth().verify(&t).unwrap_err(), "the `exp` claim is missing");
    }

    #[test]
    fn an_unknown_role_is_refused_with_the_expected_roles() {
        let t = token(json!({"sub": "alice", "role": "root", "exp": in_an_hour()}), SECRET);
        assert_eq!(
            auth().verify(&t).unwrap_err(),
            "unknown role `root` (expected readonly, agent or admin)"
        );
    }

    #[test]
    fn an_unsigned_token_is_refused() {
        // {"alg":"none"} header with a valid-looking payload and no signature.
        let t = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJldmUiLCJleHAiOjk5OTk5OTk5OTl9.";
        assert_eq!(auth().verify(t).unwrap_err(), "not a valid JWT");
    }

    #[test]
    fn a_short_secret_is_a_config_error() {
        let err = JwtAuth::new(&JwtConfig {
            secret: b"short".to_vec(),
            issuer: None,
            audience: None,
            leeway: Duration::ZERO,
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "http jwt: the secret has 5 bytes; HS256 needs at least 32");
    }
}
