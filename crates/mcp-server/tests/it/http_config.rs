//! The HTTP settings: `[http]`, the HTTP flags, their defaults and their errors.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use pattern_core::Role;
use pattern_mcp::cli::GlobalArgs;
use pattern_mcp::config::Config;
use pattern_mcp::http::parse_addr;
use pattern_mcp::http::{Authenticator, sha256_hex};

fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("pattern-mcp.toml");
    std::fs::write(&path, format!("memory = \"sqlite::memory:\"\n{text}")).unwrap();
    path
}

fn with_file(dir: &tempfile::TempDir, text: &str) -> GlobalArgs {
    GlobalArgs { config: Some(write(dir, text)), ..GlobalArgs::default() }
}

fn memory_only() -> GlobalArgs {
    GlobalArgs { memory: Some("sqlite::memory:".into()), ..GlobalArgs::default() }
}

#[test]
fn without_http_settings_stdio_is_served() {
    let c = Config::resolve(&memory_only()).unwrap();
    assert_eq!(c.http.addr, None);
    assert!(c.http.config.tokens.is_empty());
    assert_eq!(c.http.tool_rate_limit, None);
}

#[test]
fn a_bare_port_or_colon_port_binds_loopback() {
    let loopback: SocketAddr = "127.0.0.1:8080".parse().unwrap();
    assert_eq!(parse_addr("8080"), Ok(loopback));
    assert_eq!(parse_addr(":8080"), Ok(loopback));
    assert_eq!(parse_addr("localhost:8080"), Ok(loopback));
    assert_eq!(parse_addr("0.0.0.0:9000"), Ok("0.0.0.0:9000".parse().unwrap()));
    assert_eq!(parse_addr("[::1]:9000"), Ok("[::1]:9000".parse().unwrap()));
    assert_eq!(parse_addr("nope"), Err("is `nope`; expected IP:PORT, :PORT or PORT".into()));
}

#[test]
fn flag_tokens_become_admin_principals_token_n() {
    let args = GlobalArgs {
        http: Some(":0".into()),
        auth_tokens: vec!["first-token".into(), "second-token".into()],
        ..memory_only()
    };
    let c = Config::resolve(&args).unwrap();
    assert_eq!(c.http.addr, Some("127.0.0.1:0".parse().unwrap()));
    let principals: Vec<(&str, Role)> =
        c.http.config.tokens.iter().map(|t| (t.principal.id.as_str(), t.principal.role)).collect();
    assert_eq!(principals, [("token-1", Role::Admin), ("token-2", Role::Admin)]);
}

#[test]
fn the_http_section_is_resolved_with_tokens_as_digests() {
    let dir = tempfile::tempdir().unwrap();
    let digest = sha256_hex("ci-secret");
    let args = with_file(
        &dir,
        &format!(
            "[http]\naddr = \"0.0.0.0:8765\"\nallowed_hosts = [\"mcp.example.com\"]\n\
             allowed_origins = [\"https://app.example.com\"]\nmetrics_require_auth = true\n\
             max_sessions = 10\nbody_limit_bytes = 4096\nrequest_timeout_s = 5\nshutdown_grace_s = 2\n\
             tokens = [{{ id = \"ci\", role = \"agent\", sha256 = \"{digest}\" }}]\n\
             [http.rate_limit]\nper_second = 5\nburst = 20\n"
        ),
    );
    let c = Config::resolve(&args).unwrap();
    let h = &c.http;
    assert_eq!(h.addr, Some("0.0.0.0:8765".parse().unwrap()));
    assert_eq!(h.config.allowed_hosts, ["localhost", "127.0.0.1", "[::1]", "mcp.example.com"]);
    assert_eq!(h.config.allowed_origins, ["https://app.example.com"]);
    assert!(h.config.metrics_requires_auth);
    assert_eq!(h.config.max_sessions, 10);
    assert_eq!(h.config.max_body_bytes, 4096);
    assert_eq!(h.config.request_timeout, Duration::from_secs(5));
    assert_eq!(h.config.shutdown_grace, Duration::from_secs(2));
    let limit = h.tool_rate_limit.unwrap();
    assert_eq!((limit.per_minute.get(), limit.burst.get()), (300, 20));
    let auth = Authenticator::new(&h.config.tokens, h.config.jwt.as_ref()).unwrap();
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("authorization", "Bearer ci-secret".parse().unwrap());
    let principal = auth.authenticate(&headers).unwrap();
    assert_eq!((principal.id.as_str(), principal.role), ("ci", Role::Agent));
}

#[test]
fn the_addr_flag_wins_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let args = GlobalArgs {
        http: Some("9999".into()),
        ..with_file(&dir, "[http]\naddr = \"0.0.0.0:8765\"\n")
    };
    assert_eq!(Config::resolve(&args).unwrap().http.addr, Some("127.0.0.1:9999".parse().unwrap()));
}

#[test]
fn a_malformed_digest_fails_naming_the_token_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let args = with_file(&dir, "[http]\ntokens = [{ id = \"ops\", sha256 = \"abcd\" }]\n");
    let text = Config::resolve(&args).unwrap_err().to_string();
    assert!(text.contains("pattern-mcp.toml"), "{text}");
    assert!(text.ends_with("http token `ops`: expected 64 hex digits after `sha256:`"), "{text}");
}

#[test]
fn out_of_range_and_unknown_http_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        Config::resolve(&with_file(&dir, "[http]\nmax_sessions = 0\n")).unwrap_err().to_string();
    assert!(text.ends_with("`http.max_sessions` is 0; it must be between 1 and 100000"), "{text}");
    let text = Config::resolve(&with_file(&dir, "[http]\nport = 1\n")).unwrap_err().to_string();
    assert!(text.contains("unknown field `port`"), "{text}");
}

#[test]
fn a_jwt_secret_env_that_is_not_set_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let args =
        with_file(&dir, "[http]\njwt_secret_env = \"PATTERN_MCP_TEST_SURELY_UNSET_SECRET\"\n");
    let text = Config::resolve(&args).unwrap_err().to_string();
    assert!(
        text.ends_with(
            "`http.jwt_secret_env` names `PATTERN_MCP_TEST_SURELY_UNSET_SECRET`, which is not set"
        ),
        "{text}"
    );
}

#[test]
fn the_per_principal_session_quota_defaults_to_16_within_max_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let quota = |text: &str| {
        let h = Config::resolve(&with_file(&dir, text)).unwrap().http.config;
        (h.max_sessions, h.max_sessions_per_principal)
    };
    assert_eq!(quota(""), (256, 16));
    assert_eq!(quota("[http]\nmax_sessions = 8\n"), (8, 8));
    assert_eq!(quota("[http]\nmax_sessions = 8\nmax_sessions_per_principal = 3\n"), (8, 3));
}

#[test]
fn a_per_principal_session_quota_above_max_sessions_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let args = with_file(&dir, "[http]\nmax_sessions = 8\nmax_sessions_per_principal = 9\n");
    let text = Config::resolve(&args).unwrap_err().to_string();
    assert!(
        text.ends_with("`http.max_sessions_per_principal` is 9; it must be between 1 and 8"),
        "{text}"
    );
}

#[test]
fn a_token_id_in_the_jwt_id_space_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let digest = sha256_hex("t");
    let args = with_file(
        &dir,
        &format!("[http]\ntokens = [{{ id = \"jwt:ops\", sha256 = \"{digest}\" }}]\n"),
    );
    let text = Config::resolve(&args).unwrap_err().to_string();
    assert!(
        text.ends_with("http token `jwt:ops`: ids starting with `jwt:` are kept for JWT subjects"),
        "{text}"
    );
}
