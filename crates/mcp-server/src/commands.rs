//! The subcommands for humans and scripts: route, exec, check, schema.

use std::fmt::Write as _;
use std::process::ExitCode;

use pattern_core::{ExecuteRequest, RouteRequest};
use pattern_engine::Principal;
use pattern_registry::{LoadOptions, Registry, RegistryError};

use crate::app::{StartError, build_engine};
use crate::cli::{ExecArgs, QueryArgs};
use crate::config::Config;

/// `pattern-mcp route QUERY`.
pub async fn route(config: &Config, args: &QueryArgs) -> Result<ExitCode, StartError> {
    let Some(req) = route_request(args) else { return Ok(ExitCode::FAILURE) };
    let engine = build_engine(config).await?;
    let decision = engine.route(&req, &Principal::local());
    crate::app::shutdown(&engine).await;
    let mut out = String::new();
    if args.json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&decision).unwrap_or_default());
    } else {
        let _ =
            writeln!(out, "route:      {} (confidence {:.2})", decision.route, decision.confidence);
        let _ = match &decision.pattern {
            Some(p) => writeln!(
                out,
                "pattern:    {} ({}, matched by {:?}){}",
                p.name,
                p.pattern_type,
                p.matched_by,
                if p.captures.is_empty() {
                    String::new()
                } else {
                    format!(" captures {:?}", p.captures)
                }
            ),
            None => writeln!(out, "pattern:    none matched; the {} fallback runs", decision.route),
        };
        let _ = writeln!(out, "reasoning:  {}", decision.reasoning);
        let _ = writeln!(
            out,
            "estimate:   {} tokens, {:.1} ms",
            decision.estimated_cost_tokens, decision.estimated_latency_ms
        );
        let _ = writeln!(out, "cacheable:  {}", decision.cache.cacheable);
    }
    emit(&out);
    Ok(ExitCode::SUCCESS)
}

/// `pattern-mcp exec QUERY`: exit 1 when the execution fails.
pub async fn exec(config: &Config, args: &ExecArgs) -> Result<ExitCode, StartError> {
    let Some(req) = execute_request(args) else { return Ok(ExitCode::FAILURE) };
    let engine = build_engine(config).await?;
    let result = engine.execute(&req, &Principal::local()).await;
    crate::app::shutdown(&engine).await;
    let mut out = String::new();
    if args.query.json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&result).unwrap_or_default());
    } else {
        let _ = writeln!(
            out,
            "{} {} ({}) in {:.2} ms, {} tokens, cache {}",
            if result.success { "ok" } else { "FAILED" },
            result.pattern_name,
            result.pattern_type,
            result.execution_time_ms,
            result.tokens_used,
            result.cache_tier.map_or("miss", |t| t.as_str()),
        );
        let _ = match &result.error {
            Some(e) => writeln!(out, "error: {e}"),
            None => writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&result.result).unwrap_or_default()
            ),
        };
    }
    emit(&out);
    Ok(if result.success { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The CLI applies the tool's input rules too, so scripts get the same errors.
fn route_request(args: &QueryArgs) -> Option<RouteRequest> {
    reported(RouteRequest::from_json(&query_arguments(args)))
}

/// `exec`'s flags as `execute_pattern` arguments, checked by the tool's rules.
fn execute_request(args: &ExecArgs) -> Option<ExecuteRequest> {
    let mut map = query_arguments(&args.query);
    map.insert("use_cache".into(), (!args.no_cache).into());
    map.insert("explain".into(), args.explain.into());
    if let Some(context) = &args.context {
        match serde_json::from_str::<serde_json::Value>(context) {
            Ok(value) => map.insert("context".into(), value),
            Err(e) => {
                eprintln!("error: --context is not JSON: {e}");
                return None;
            }
        };
    }
    reported(ExecuteRequest::from_json(&map))
}

fn query_arguments(args: &QueryArgs) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    map.insert("query".into(), args.query.clone().into());
    map.insert("execution_mode".into(), args.mode.as_str().into());
    map.insert("namespace".into(), args.namespace.clone().into());
    map
}

/// The request, or `None` after printing why it is invalid.
fn reported<T>(checked: Result<T, pattern_core::InputError>) -> Option<T> {
    checked.map_err(|e| eprintln!("error: {e}")).ok()
}

/// `pattern-mcp check`: every problem is printed; exit 1 if there is any.
/// Patterns naming an unconfigured server are problems; so are patterns
/// naming a tool their server does not list, once the servers are started
/// (each gets its `timeout_s`; one that does not start is reported too), and
/// a memory store that cannot be opened or does not answer.
pub async fn check(config: Result<Config, crate::config::ConfigError>) -> ExitCode {
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: config: {e}");
            return ExitCode::FAILURE;
        }
    };
    let options = LoadOptions {
        files: config.patterns.clone(),
        builtins: config.builtin_patterns,
        strict: false,
    };
    let loaded = Registry::load(&options).map(|mut loaded| {
        let known: Vec<&str> = config.servers.iter().map(|s| s.name.as_str()).collect();
        loaded.warnings.extend(loaded.registry.unknown_servers(&known));
        loaded
    });
    let mut problems = match &loaded {
        Ok(loaded) => check_downstream(&config, &loaded.registry).await,
        Err(_) => Vec::new(),
    };
    problems.extend(check_memory(&config.memory).await);
    for problem in &problems {
        eprintln!("error: {problem}");
    }
    let downstream_ok = problems.is_empty();
    match loaded {
        Ok(loaded) if loaded.warnings.is_empty() && !downstream_ok => ExitCode::FAILURE,
        Ok(loaded) if loaded.warnings.is_empty() => {
            let builtin = loaded.registry.patterns().iter().filter(|p| p.builtin).count();
            emit(&format!(
                "ok: {} patterns ({} built-in, {} from {} file(s)); memory backend {}\n",
                loaded.registry.patterns().len(),
                builtin,
                loaded.registry.patterns().len() - builtin,
                config.patterns.len(),
                config.memory.split(':').next().unwrap_or("?"),
            ));
            if !config.servers.is_empty() {
                emit(&format!(
                    "ok: {} downstream server(s) started and listed their tools\n",
                    config.servers.len()
                ));
            }
            ExitCode::SUCCESS
        }
        Ok(loaded) => {
            for w in &loaded.warnings {
                eprintln!("error: {w}");
            }
            eprintln!("{} invalid pattern(s)", loaded.warnings.len());
            ExitCode::FAILURE
        }
        Err(RegistryError::Invalid(errors)) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: patterns: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the memory store and asks it for a health check, as serving would
/// need: a store that is configured but cannot be reached is a problem.
async fn check_memory(url: &str) -> Option<String> {
    let checked = match pattern_memory::open_store(url).await {
        Ok(store) => store.health().await,
        Err(e) => Err(e),
    };
    checked.err().map(|e| e.to_string())
}

/// Starts the configured downstream servers, waits for them as long as the
/// slowest one's `timeout_s` allows (a first `npx`/`uvx` run downloads the
/// server), and reports servers that did not start and pattern tools they do
/// not list.
async fn check_downstream(config: &Config, registry: &Registry) -> Vec<String> {
    use pattern_downstream::{DownstreamPool, unknown_tools};
    if config.servers.is_empty() {
        return Vec::new();
    }
    let deadline = config.servers.iter().map(|s| s.timeout).max().unwrap_or_default();
    let pool = DownstreamPool::start(config.servers.clone());
    pool.wait_ready(deadline).await;
    let mut problems: Vec<String> = pool
        .status()
        .into_iter()
        .filter(|s| s.enabled && !s.connected)
        .map(|s| {
            format!(
                "downstream server `{}` did not start: {}",
                s.server,
                s.last_error
                    .unwrap_or_else(|| format!("no answer within {} s", deadline.as_secs()))
            )
        })
        .collect();
    problems.extend(unknown_tools(registry, &pool));
    pool.shutdown().await;
    problems
}

/// Writes a command's output to stdout in one piece. A reader that went away
/// early (`pattern-mcp exec … | head -1`) is not an error of ours: the rest
/// is dropped quietly instead of panicking as `println!` would.
pub fn emit(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write the output: {e}");
    }
}
