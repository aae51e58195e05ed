//! DNS-rebinding protection: `Host` and `Origin` checked against an allow-list.

use std::str::FromStr;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::uri::{Authority, Uri};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::config::HttpConfigError;
use crate::http::error::HttpError;

/// Which `Host` and `Origin` values are accepted.
///
/// A `Host` is accepted when its name (and port, if the rule has one) is
/// allowed. An `Origin` is accepted when absent (non-browser clients), when
/// its host name is an allowed host name (any scheme, any port: a page
/// served from the machine itself), or when it matches an allowed origin.
#[derive(Debug, Clone)]
pub struct HostPolicy {
    hosts: Vec<HostRule>,
    origins: Vec<OriginRule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct HostRule {
    /// Lowercase; IPv6 addresses in brackets.
    name: String,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct OriginRule {
    scheme: String,
    name: String,
    /// `None` for `:*`.
    port: Option<u16>,
}

impl HostPolicy {
    pub fn new(hosts: &[String], origins: &[String]) -> Result<Self, HttpConfigError> {
        let hosts = hosts.iter().filter_map(|h| parse_host(&bracket_ipv6(h))).collect();
        let origins = origins
            .iter()
            .map(|o| parse_origin_rule(o).ok_or_else(|| HttpConfigError::Origin(o.clone())))
            .collect::<Result<_, _>>()?;
        Ok(Self { hosts, origins })
    }

    pub fn check(&self, headers: &HeaderMap, uri: &Uri) -> Result<(), HttpError> {
        let host = match headers.get(header::HOST) {
            Some(value) => {
                value.to_str().map_err(|_| HttpError::HostNotAllowed("<not ASCII>".into()))?
            }
            None => uri.authority().map(Authority::as_str).ok_or(HttpError::MissingHost)?,
        };
        if !self.host_allowed(host) {
            return Err(HttpError::HostNotAllowed(shown(host)));
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("<not ASCII>");
            if !self.origin_allowed(origin) {
                return Err(HttpError::OriginNotAllowed(shown(origin)));
            }
        }
        Ok(())
    }

    fn host_allowed(&self, host: &str) -> bool {
        let Some(host) = parse_host(host) else { return false };
        self.hosts
            .iter()
            .any(|rule| rule.name == host.name && rule.port.is_none_or(|p| host.port == Some(p)))
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        let Some((scheme, authority)) = parse_origin(origin) else { return false };
        let Some(host) = parse_host(authority.as_str()) else { return false };
        let port = host.port.or_else(|| default_port(&scheme));
        self.hosts.iter().any(|rule| rule.name == host.name)
            || self.origins.iter().any(|rule| {
                rule.scheme == scheme
                    && rule.name == host.name
                    && rule.port.is_none_or(|p| port == Some(p))
            })
    }
}

/// Writes `::1` as `[::1]`, so an operator may list IPv6 addresses either way.
fn bracket_ipv6(host: &str) -> String {
    if host.matches(':').count() > 1 && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

fn parse_host(host: &str) -> Option<HostRule> {
    if host.is_empty() || host.contains('@') {
        return None;
    }
    let authority = Authority::from_str(host).ok()?;
    if authority.as_str().contains('/') {
        return None;
    }
    Some(HostRule { name: authority.host().to_ascii_lowercase(), port: authority.port_u16() })
}

fn parse_origin(origin: &str) -> Option<(String, Authority)> {
    let uri = Uri::from_str(origin).ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let path_is_empty = matches!(uri.path(), "" | "/") && uri.query().is_none();
    path_is_empty.then_some(())?;
    Some((scheme, uri.authority()?.clone()))
}

fn parse_origin_rule(rule: &str) -> Option<OriginRule> {
    let (rule, any_port) = match rule.strip_suffix(":*") {
        Some(stripped) => (stripped, true),
        None => (rule, false),
    };
    let (scheme, authority) = parse_origin(rule)?;
    let host = parse_host(authority.as_str())?;
    let port = if any_port { None } else { Some(host.port.or_else(|| default_port(&scheme))?) };
    Some(OriginRule { scheme, name: host.name, port })
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// A header value as it may appear in an error message: short, printable.
fn shown(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).take(100).collect()
}

/// Middleware: 403 for a `Host` or `Origin` outside the allow-list.
pub async fn check_host_and_origin(
    State(policy): State<Arc<HostPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    match policy.check(request.headers(), request.uri()) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::config::LOOPBACK_HOSTS;

    fn loopback(origins: &[&str]) -> HostPolicy {
        let hosts: Vec<String> = LOOPBACK_HOSTS.iter().map(|h| (*h).to_owned()).collect();
        let origins: Vec<String> = origins.iter().map(|o| (*o).to_owned()).collect();
        HostPolicy::new(&hosts, &origins).unwrap()
    }

    fn check(
        policy: &HostPolicy,
        host: Option<&str>,
        origin: Option<&str>,
    ) -> Result<(), &'static str> {
        let mut headers = HeaderMap::new();
        if let Some(host) = host {
            headers.insert(header::HOST, host.parse().unwrap());
        }
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, origin.parse().unwrap());
        }
        policy.check(&headers, &Uri::from_static("/mcp")).map_err(|e| e.reason())
    }

    #[test]
    fn loopback_hosts_pass_with_any_port() {
        let policy = loopback(&[]);
        for host in ["localhost", "localhost:8080", "127.0.0.1:1", "[::1]:3000", "LOCALHOST"] {
            assert_eq!(check(&policy, Some(host), None), Ok(()), "{host}");
        }
    }

    #[test]
    fn other_hosts_and_a_missing_host_are_refused() {
        let policy = loopback(&[]);
        assert_eq!(check(&policy, Some("evil.example.com"), None), Err("host_not_allowed"));
        assert_eq!(check(&policy, Some("localhost.evil.com:80"), None), Err("host_not_allowed"));
        assert_eq!(check(&policy, Some("user@localhost"), None), Err("host_not_allowed"));
        assert_eq!(check(&policy, None, None), Err("missing_host"));
    }

    #[test]
    fn origins_on_loopback_pass_and_foreign_ones_are_refused() {
        let policy = loopback(&[]);
        assert_eq!(check(&policy, Some("localhost"), Some("http://localhost:5173")), Ok(()));
        assert_eq!(check(&policy, Some("localhost"), Some("http://[::1]")), Ok(()));
        assert_eq!(
            check(&policy, Some("localhost"), Some("http://evil.example.com")),
            Err("origin_not_allowed")
        );
        assert_eq!(check(&policy, Some("localhost"), Some("null")), Err("origin_not_allowed"));
    }

    #[test]
    fn listed_origins_match_scheme_host_and_port() {
        let policy = loopback(&["https://app.example.com", "http://dev.example.com:*"]);
        assert_eq!(check(&policy, Some("localhost"), Some("https://app.example.com")), Ok(()));
        assert_eq!(check(&policy, Some("localhost"), Some("https://app.example.com:443")), Ok(()));
        assert_eq!(
            check(&policy, Some("localhost"), Some("https://app.example.com:8443")),
            Err("origin_not_allowed")
        );
        assert_eq!(
            check(&policy, Some("localhost"), Some("http://app.example.com")),
            Err("origin_not_allowed")
        );
        assert_eq!(check(&policy, Some("localhost"), Some("http://dev.example.com:9999")), Ok(()));
    }

    #[test]
    fn a_host_rule_with_a_port_needs_that_port() {
        let policy =
            HostPolicy::new(&["mcp.example.com:443".to_owned(), "::1".to_owned()], &[]).unwrap();
        assert_eq!(check(&policy, Some("mcp.example.com:443"), None), Ok(()));
        assert_eq!(check(&policy, Some("mcp.example.com"), None), Err("host_not_allowed"));
        assert_eq!(check(&policy, Some("[::1]:8080"), None), Ok(()));
    }

    #[test]
    fn a_malformed_origin_rule_is_a_config_error() {
        let err = HostPolicy::new(&[], &["app.example.com".to_owned()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "http allowed origin `app.example.com`: expected scheme://host[:port|:*]"
        );
    }
}
