//! The resolved HTTP settings: what `pattern-mcp.toml` and the flags become before the server starts.

use std::num::NonZeroU32;
use std::time::Duration;

use pattern_engine::Principal;

use crate::http::quota::SessionQuota;

/// Default allow-list for `Host` and `Origin`: loopback names, any port.
pub const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// Everything the HTTP app needs, validated. Built from the raw config by the
/// config module of the real server.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Static bearer tokens. With none and no `jwt`, the endpoints are open
    /// (and every request acts as `Principal::local()`), which is only sane
    /// on a loopback address.
    pub tokens: Vec<TokenConfig>,
    /// HS256 JWTs as a second way to authenticate, for deployments where an
    /// identity provider issues short-lived tokens.
    pub jwt: Option<JwtConfig>,
    /// `Host` values accepted: `name` (any port) or `name:port`. Anything
    /// else is refused, so a page on a rebinding domain cannot reach us.
    pub allowed_hosts: Vec<String>,
    /// Extra `Origin` values accepted besides those whose host is allowed:
    /// `scheme://name` (default port), `scheme://name:port` or
    /// `scheme://name:*`.
    pub allowed_origins: Vec<String>,
    /// Whether `/metrics` needs a bearer token too; off by default because
    /// scrapers rarely carry one and the families hold no user text.
    pub metrics_requires_auth: bool,
    /// Largest request body; bigger ones get 413 before they are read.
    pub max_body_bytes: usize,
    /// Time to produce response headers (SSE bodies may stream for longer),
    /// and to receive a request's headers, idle keep-alive included.
    pub request_timeout: Duration,
    /// Most sessions open at once, per transport (Streamable HTTP and SSE);
    /// each holds a handler and buffers, so this bounds memory.
    pub max_sessions: usize,
    /// Most sessions one principal may hold at once, per transport; opening
    /// one more ends its own longest idle session. At most `max_sessions`.
    pub max_sessions_per_principal: usize,
    /// Interval of SSE comment lines that keep proxies from closing idle streams.
    pub sse_keep_alive: Duration,
    /// Per-principal request rate at the HTTP layer; `None` for no limit.
    pub rate_limit: Option<RateLimit>,
    /// Longest a readiness probe may take before it answers `not_ready`.
    pub readiness_timeout: Duration,
    /// Longest in-flight requests may run after shutdown starts.
    pub shutdown_grace: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            tokens: Vec::new(),
            jwt: None,
            allowed_hosts: LOOPBACK_HOSTS.iter().map(|h| (*h).to_owned()).collect(),
            allowed_origins: Vec::new(),
            metrics_requires_auth: false,
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_sessions: 256,
            max_sessions_per_principal: 16,
            sse_keep_alive: Duration::from_secs(15),
            rate_limit: None,
            readiness_timeout: Duration::from_secs(2),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl HttpConfig {
    /// The session bounds of each transport.
    pub fn session_quota(&self) -> SessionQuota {
        SessionQuota {
            per_principal: self.max_sessions_per_principal.clamp(1, self.max_sessions.max(1)),
            max: self.max_sessions,
        }
    }
}

/// One static bearer token and who presents it.
#[derive(Debug, Clone)]
pub struct TokenConfig {
    pub secret: TokenSecret,
    pub principal: Principal,
}

/// A token as the operator wrote it.
#[derive(Clone, PartialEq, Eq)]
pub enum TokenSecret {
    /// The token itself (flag or environment variable).
    Plain(String),
    /// The lowercase or uppercase hex SHA-256 of the token, so a config file
    /// never holds a usable secret.
    Sha256Hex(String),
}

impl TokenSecret {
    /// `sha256:<64 hex digits>` is a digest, anything else the token itself.
    pub fn parse(s: &str) -> Self {
        match s.strip_prefix("sha256:") {
            Some(hex) => TokenSecret::Sha256Hex(hex.to_owned()),
            None => TokenSecret::Plain(s.to_owned()),
        }
    }
}

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSecret::Plain(_) => f.write_str("Plain(<redacted>)"),
            TokenSecret::Sha256Hex(hex) => write!(f, "Sha256Hex({hex})"),
        }
    }
}

/// HS256 JWT validation settings.
#[derive(Clone)]
pub struct JwtConfig {
    /// The shared HMAC secret; at least 32 bytes.
    pub secret: Vec<u8>,
    /// Required `iss`, when set.
    pub issuer: Option<String>,
    /// Required `aud`, when set.
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
}

impl std::fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtConfig")
            .field("secret", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .finish()
    }
}

/// A token bucket per principal: `per_minute` requests on average, bursts of `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_minute: NonZeroU32,
    pub burst: NonZeroU32,
}

/// Why the HTTP settings cannot be used; the server refuses to start.
#[derive(Debug, thiserror::Error)]
pub enum HttpConfigError {
    #[error("http token `{id}`: {reason}")]
    Token { id: String, reason: String },
    #[error("http jwt: {0}")]
    Jwt(String),
    #[error("http allowed origin `{0}`: expected scheme://host[:port|:*]")]
    Origin(String),
}
