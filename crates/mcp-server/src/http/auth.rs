//! Bearer authentication: static tokens or HS256 JWTs become the request's `Principal`.

mod jwt;
mod token;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub use jwt::{JWT_PRINCIPAL_PREFIX, JwtAuth, install_crypto_provider};
pub use token::{StaticTokens, sha256_hex};

use crate::http::config::{HttpConfigError, JwtConfig, TokenConfig};
use crate::http::error::HttpError;
use pattern_engine::Principal;

/// Who may call the protected endpoints.
#[derive(Debug, Default)]
pub struct Authenticator {
    tokens: StaticTokens,
    jwt: Option<JwtAuth>,
}

impl Authenticator {
    pub fn new(tokens: &[TokenConfig], jwt: Option<&JwtConfig>) -> Result<Self, HttpConfigError> {
        Ok(Self { tokens: StaticTokens::new(tokens)?, jwt: jwt.map(JwtAuth::new).transpose()? })
    }

    /// Whether any credential is configured; without one every request is
    /// `Principal::local()`.
    pub fn is_enabled(&self) -> bool {
        !self.tokens.is_empty() || self.jwt.is_some()
    }

    /// The principal of a request, from its `Authorization: Bearer` header.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Principal, HttpError> {
        if !self.is_enabled() {
            return Ok(Principal::local());
        }
        let value = headers.get(header::AUTHORIZATION).ok_or(HttpError::MissingToken)?;
        let value = value.to_str().map_err(|_| HttpError::InvalidToken("not ASCII".into()))?;
        let token = bearer(value).ok_or(HttpError::MissingToken)?;
        if let Some(principal) = self.tokens.find(token) {
            return Ok(principal.clone());
        }
        match &self.jwt {
            Some(jwt) if token.bytes().filter(|b| *b == b'.').count() == 2 => {
                jwt.verify(token).map_err(HttpError::InvalidToken)
            }
            _ => Err(HttpError::InvalidToken("unknown token".into())),
        }
    }
}

/// The credentials of an `Authorization` value of the Bearer scheme (case-insensitive).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, credentials) = value.trim().split_once(' ')?;
    let credentials = credentials.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !credentials.is_empty()).then_some(credentials)
}

/// Middleware: refuses unauthenticated requests with 401 and stores the
/// `Principal` in the request extensions for the handlers (and, through
/// `http::request::Parts`, for MCP handlers via `RequestContext::extensions`).
pub async fn require_auth(
    State(auth): State<Arc<Authenticator>>,
    mut request: Request,
    next: Next,
) -> Response {
    match auth.authenticate(request.headers()) {
        Ok(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::config::TokenSecret;
    use pattern_core::Role;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, authorization.parse().unwrap());
        headers
    }

    fn with_token(token: &str) -> Authenticator {
        let principal = Principal { id: "ci".into(), role: Role::Agent, namespaces: None };
        Authenticator::new(
            &[TokenConfig { secret: TokenSecret::Plain(token.into()), principal }],
            None,
        )
        .unwrap()
    }

    #[test]
    fn without_credentials_configured_everyone_is_local() {
        let auth = Authenticator::default();
        assert_eq!(auth.authenticate(&HeaderMap::new()).unwrap(), Principal::local());
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        let auth = with_token("tok");
        assert_eq!(auth.authenticate(&headers("bearer tok")).unwrap().id, "ci");
        assert_eq!(auth.authenticate(&headers("Bearer  tok ")).unwrap().id, "ci");
    }

    #[test]
    fn other_schemes_count_as_missing() {
        let auth = with_token("tok");
        assert_eq!(
            auth.authenticate(&headers("Basic dG9rOg==")).unwrap_err().reason(),
            "missing_token"
        );
        assert_eq!(auth.authenticate(&HeaderMap::new()).unwrap_err().reason(), "missing_token");
    }

    #[test]
    fn a_wrong_token_is_invalid() {
        let err = with_token("tok").authenticate(&headers("Bearer nope")).unwrap_err();
        assert_eq!(err.to_string(), "invalid bearer token: unknown token");
    }
}
