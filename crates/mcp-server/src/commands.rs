//! The subcommands for humans and scripts: route, exec, check, schema.

use std::process::ExitCode;

use pattern_core::{ExecuteRequest, RouteRequest, validate_namespace};
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
    if args.json {
        println!("{}", serde_json::to_string_pretty(&decision).unwrap_or_default());
    } else {
        println!("route:      {} (confidence {:.2})", decision.route, decision.confidence);
        match &decision.pattern {
            Some(p) => println!(
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
            None => println!("pattern:    none matched; the {} fallback runs", decision.route),
        }
        println!("reasoning:  {}", decision.reasoning);
        println!(
            "estimate:   {} tokens, {:.1} ms",
            decision.estimated_cost_tokens, decision.estimated_latency_ms
        );
        println!("cacheable:  {}", decision.cache.cacheable);
    }
    Ok(ExitCode::SUCCESS)
}

/// `pattern-mcp exec QUERY`: exit 1 when the execution fails.
pub async fn exec(config: &Config, args: &ExecArgs) -> Result<ExitCode, StartError> {
    let Some(route) = route_request(&args.query) else { return Ok(ExitCode::FAILURE) };
    let mut req = ExecuteRequest::new(route.query);
    req.execution_mode = route.execution_mode;
    req.namespace = route.namespace;
    req.use_cache = !args.no_cache;
    let engine = build_engine(config).await?;
    let result = engine.execute(&req, &Principal::local()).await;
    if args.query.json {
        println!("{}", serde_json::to_string_pretty(&result).unwrap_or_default());
    } else {
        println!(
            "{} {} ({}) in {:.2} ms, {} tokens, cache {}",
            if result.success { "ok" } else { "FAILED" },
            result.pattern_name,
            result.pattern_type,
            result.execution_time_ms,
            result.tokens_used,
            result.cache_tier.map_or("miss", |t| t.as_str()),
        );
        match &result.error {
            Some(e) => println!("error: {e}"),
            None => {
                println!("{}", serde_json::to_string_pretty(&result.result).unwrap_or_default())
            }
        }
    }
    Ok(if result.success { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The CLI applies the tool's input rules too, so scripts get the same errors.
fn route_request(args: &QueryArgs) -> Option<RouteRequest> {
    let mut map = serde_json::Map::new();
    map.insert("query".into(), args.query.clone().into());
    map.insert("execution_mode".into(), args.mode.as_str().into());
    map.insert("namespace".into(), args.namespace.clone().into());
    if let Err(e) = validate_namespace(&args.namespace) {
        eprintln!("error: {e}");
        return None;
    }
    match RouteRequest::from_json(&map) {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    }
}

/// `pattern-mcp check`: every problem is printed; exit 1 if there is any.
pub fn check(config: Result<Config, crate::config::ConfigError>) -> ExitCode {
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
    match Registry::load(&options) {
        Ok(loaded) if loaded.warnings.is_empty() => {
            let builtin = loaded.registry.patterns().iter().filter(|p| p.builtin).count();
            println!(
                "ok: {} patterns ({} built-in, {} from {} file(s)); memory backend {}",
                loaded.registry.patterns().len(),
                builtin,
                loaded.registry.patterns().len() - builtin,
                config.patterns.len(),
                config.memory.split(':').next().unwrap_or("?"),
            );
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
