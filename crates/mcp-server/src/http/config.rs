//! HTTP configuration in its two layers: `[http]` of the config file (`RawHttp`), and what it
//! becomes with the flags before the server starts (`HttpSettings`, `HttpConfig`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use pattern_core::Role;
use pattern_engine::Principal;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::cli::GlobalArgs;
use crate::http::quota::SessionQuota;
use crate::server::RateLimit;

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
    /// How long a Streamable HTTP session may go without a request before
    /// rmcp ends it (rmcp's own default, five minutes).
    pub session_idle: Duration,
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
            session_idle: Duration::from_secs(300),
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

/// `[http]`: serving MCP to remote agents over Streamable HTTP and legacy SSE.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHttp {
    /// Serve HTTP on this address instead of stdio: `IP:PORT`, `:PORT` or
    /// `PORT` (both bind 127.0.0.1). `--http` wins.
    pub addr: Option<String>,
    /// Bearer tokens and who presents them. Only the SHA-256 of each token
    /// is written here, so the file never holds a usable secret.
    pub tokens: Option<Vec<RawToken>>,
    /// HS256 secret (at least 32 bytes) for JWTs issued by an identity
    /// provider: `sub` is the principal, `role` its role (default readonly),
    /// `namespaces` its namespaces. Prefer `jwt_secret_env`.
    pub jwt_secret: Option<String>,
    /// Name of the environment variable that holds the JWT secret, so the
    /// secret stays out of the file.
    pub jwt_secret_env: Option<String>,
    /// Extra `Host` values accepted besides the loopback names: `name` (any
    /// port) or `name:port`. Anything else is refused (DNS-rebinding protection).
    pub allowed_hosts: Option<Vec<String>>,
    /// Extra `Origin` values accepted: `scheme://name`, `scheme://name:port`
    /// or `scheme://name:*`.
    pub allowed_origins: Option<Vec<String>>,
    /// Whether `/metrics` needs a bearer token too (default false: scrapers
    /// rarely carry one, and no family holds user text).
    pub metrics_require_auth: Option<bool>,
    /// Most sessions open at once per transport, 1..=100,000 (default 256);
    /// each holds a handler and buffers, so this bounds memory. When all are
    /// taken, the principal holding the most gives up its longest idle one.
    pub max_sessions: Option<u64>,
    /// Most sessions one principal may hold at once per transport,
    /// 1..=`max_sessions` (default 16, or `max_sessions` if smaller);
    /// opening one more ends that principal's longest idle session.
    pub max_sessions_per_principal: Option<u64>,
    /// Largest request body, 1,024..=67,108,864 bytes (default 1 MiB); bigger ones get 413.
    pub body_limit_bytes: Option<u64>,
    /// Time to produce response headers, and the longest a client may take
    /// to send a request's headers or leave a connection idle, 1..=3600 s
    /// (default 30).
    pub request_timeout_s: Option<u64>,
    /// Per-principal limit on tool calls; a call over it is a tool error
    /// saying when to retry. Default: no limit.
    pub rate_limit: Option<RawRateLimit>,
    /// Longest in-flight requests may run after SIGTERM, 0..=3600 s (default 10).
    pub shutdown_grace_s: Option<u64>,
}

/// One static bearer token.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawToken {
    /// The principal id: it appears in logs and keys the rate limit and the cache.
    pub id: String,
    /// `readonly`, `agent` or `admin` (default readonly: least privilege).
    pub role: Option<Role>,
    /// Hex SHA-256 of the token (`printf %s "$TOKEN" | sha256sum`).
    pub sha256: String,
    /// When set, the only memory namespaces this principal may use.
    pub namespaces: Option<Vec<String>>,
}

/// `[http.rate_limit]`: a token bucket per principal.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRateLimit {
    /// Tool calls per second on average, 1..=1,000,000.
    pub per_second: u32,
    /// Calls allowed at once after an idle period, 1..=1,000,000 (default: `per_second`).
    pub burst: Option<u32>,
}

/// The resolved HTTP settings.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Where to serve HTTP; `None` serves stdio.
    pub addr: Option<SocketAddr>,
    pub config: HttpConfig,
    /// Per-principal limit on tool calls (checked by `PatternServer`, so
    /// the calling model reads a tool error instead of an HTTP status).
    pub tool_rate_limit: Option<RateLimit>,
}

/// Parses `IP:PORT`, `localhost:PORT`, `:PORT` or `PORT`; the last two bind 127.0.0.1.
pub fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    let loopback = |port: &str| {
        port.parse::<u16>().map(|p| SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), p))
    };
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let port = s.strip_prefix(':').or_else(|| s.strip_prefix("localhost:")).unwrap_or(s);
    loopback(port).map_err(|_| format!("is `{s}`; expected IP:PORT, :PORT or PORT"))
}

/// A setting that cannot be used: its key and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{key}` {reason}")]
pub struct InvalidSetting {
    pub key: String,
    pub reason: String,
}

/// `value`, or `default` when unset; an error naming `key` when outside `lo..=hi`.
fn in_range(
    key: &str,
    value: Option<u64>,
    default: u64,
    lo: u64,
    hi: u64,
) -> Result<u64, InvalidSetting> {
    match value {
        None => Ok(default),
        Some(v) if (lo..=hi).contains(&v) => Ok(v),
        Some(v) => Err(InvalidSetting {
            key: key.to_owned(),
            reason: format!("is {v}; it must be between {lo} and {hi}"),
        }),
    }
}

/// Resolves the flags (which win) over `[http]` over the defaults. Tokens and
/// origins are checked by the parts that use them ([`validate`](crate::http::validate)).
pub fn resolve_settings(
    raw: Option<RawHttp>,
    args: &GlobalArgs,
) -> Result<HttpSettings, InvalidSetting> {
    let raw = raw.unwrap_or_default();
    let invalid = |key: &str, reason: String| InvalidSetting { key: key.to_owned(), reason };

    let addr = match (&args.http, &raw.addr) {
        (Some(flag), _) => Some(parse_addr(flag).map_err(|r| invalid("--http", r))?),
        (None, Some(addr)) => Some(parse_addr(addr).map_err(|r| invalid("http.addr", r))?),
        (None, None) => None,
    };

    let mut tokens = Vec::new();
    for (i, token) in args.auth_tokens.iter().filter(|t| !t.is_empty()).enumerate() {
        // Flag tokens are the operator's own: admin, every namespace.
        tokens.push(TokenConfig {
            secret: TokenSecret::Plain(token.clone()),
            principal: Principal {
                id: format!("token-{}", i + 1),
                role: Role::Admin,
                namespaces: None,
            },
        });
    }
    for token in raw.tokens.unwrap_or_default() {
        if token.id.is_empty() {
            return Err(invalid("http.tokens.id", "is empty".to_owned()));
        }
        if tokens.iter().any(|t| t.principal.id == token.id) {
            return Err(invalid("http.tokens.id", format!("`{}` is used twice", token.id)));
        }
        tokens.push(TokenConfig {
            secret: TokenSecret::Sha256Hex(token.sha256),
            principal: Principal {
                id: token.id,
                role: token.role.unwrap_or(Role::Readonly),
                namespaces: token.namespaces,
            },
        });
    }

    let jwt_secret = match (raw.jwt_secret, raw.jwt_secret_env) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "http.jwt_secret",
                "and `http.jwt_secret_env` are both set; keep one".to_owned(),
            ));
        }
        (Some(secret), None) => Some(secret),
        (None, Some(var)) => Some(std::env::var(&var).map_err(|_| {
            invalid("http.jwt_secret_env", format!("names `{var}`, which is not set"))
        })?),
        (None, None) => None,
    };
    let jwt = jwt_secret.map(|secret| JwtConfig {
        secret: secret.into_bytes(),
        issuer: None,
        audience: None,
        leeway: Duration::from_secs(30),
    });

    let defaults = HttpConfig::default();
    let mut allowed_hosts = defaults.allowed_hosts.clone();
    allowed_hosts.extend(raw.allowed_hosts.unwrap_or_default());
    allowed_hosts.extend(args.allowed_hosts.iter().filter(|h| !h.is_empty()).cloned());
    let mut allowed_origins = raw.allowed_origins.unwrap_or_default();
    allowed_origins.extend(args.allowed_origins.iter().filter(|o| !o.is_empty()).cloned());

    let tool_rate_limit = match raw.rate_limit {
        None => None,
        Some(r) => {
            let per_second = in_range(
                "http.rate_limit.per_second",
                Some(u64::from(r.per_second)),
                1,
                1,
                1_000_000,
            )?;
            let burst = in_range(
                "http.rate_limit.burst",
                r.burst.map(u64::from),
                per_second,
                1,
                1_000_000,
            )?;
            let nonzero = |v: u64| NonZeroU32::new(v as u32).unwrap_or(NonZeroU32::MIN);
            Some(RateLimit { per_minute: nonzero(per_second * 60), burst: nonzero(burst) })
        }
    };

    let max_sessions =
        in_range("http.max_sessions", raw.max_sessions, defaults.max_sessions as u64, 1, 100_000)?;
    let max_sessions_per_principal = in_range(
        "http.max_sessions_per_principal",
        raw.max_sessions_per_principal,
        (defaults.max_sessions_per_principal as u64).min(max_sessions),
        1,
        max_sessions,
    )?;

    let config = HttpConfig {
        tokens,
        jwt,
        allowed_hosts,
        allowed_origins,
        metrics_requires_auth: raw.metrics_require_auth.unwrap_or(defaults.metrics_requires_auth),
        max_body_bytes: in_range(
            "http.body_limit_bytes",
            raw.body_limit_bytes,
            defaults.max_body_bytes as u64,
            1024,
            64 * 1024 * 1024,
        )? as usize,
        request_timeout: Duration::from_secs(in_range(
            "http.request_timeout_s",
            raw.request_timeout_s,
            defaults.request_timeout.as_secs(),
            1,
            3600,
        )?),
        max_sessions: max_sessions as usize,
        max_sessions_per_principal: max_sessions_per_principal as usize,
        shutdown_grace: Duration::from_secs(in_range(
            "http.shutdown_grace_s",
            raw.shutdown_grace_s,
            defaults.shutdown_grace.as_secs(),
            0,
            3600,
        )?),
        rate_limit: None,
        ..defaults
    };
    Ok(HttpSettings { addr, config, tool_rate_limit })
}
