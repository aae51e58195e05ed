//! Configuration: file, environment and flags, resolved and validated.

use std::path::PathBuf;

use pattern_mcp::cli::GlobalArgs;
use pattern_mcp::config::Config;

fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("pattern-mcp.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn config_file_values_are_used_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "memory = \"sqlite::memory:\"\npatterns = [\"p.toml\"]\n[cache]\nlocal_ttl_s = 30\n[timeouts]\nfast_ms = 250\n",
    );
    let mut args = GlobalArgs { config: Some(path), ..GlobalArgs::default() };
    let c = Config::resolve(&args).unwrap();
    assert_eq!(c.memory, "sqlite::memory:");
    assert_eq!(c.patterns, vec![dir.path().join("p.toml")]);
    assert_eq!(c.engine.cache.local_ttl.as_secs(), 30);
    assert_eq!(c.engine.timeouts.fast.as_millis(), 250);
    args.memory = Some("sqlite:/tmp/other.db".into());
    args.patterns = vec![PathBuf::from("cli.toml")];
    let c = Config::resolve(&args).unwrap();
    assert_eq!(c.memory, "sqlite:/tmp/other.db");
    assert_eq!(c.patterns, vec![PathBuf::from("cli.toml")]);
}

#[test]
fn unknown_keys_fail_with_the_key_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "[cache]\nlocal_tll_s = 5\n");
    let err = Config::resolve(&GlobalArgs { config: Some(path.clone()), ..GlobalArgs::default() })
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("local_tll_s"), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");
}

#[test]
fn out_of_range_values_name_the_key_and_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "[timeouts]\nbalanced_ms = 0\n");
    let err =
        Config::resolve(&GlobalArgs { config: Some(path), ..GlobalArgs::default() }).unwrap_err();
    assert!(
        err.to_string().contains("`timeouts.balanced_ms` is 0; it must be between 1 and 600000"),
        "{err}"
    );
}

#[test]
fn bad_memory_url_is_refused_without_echoing_it() {
    let args =
        GlobalArgs { memory: Some("mysql://user:secret@db/x".into()), ..GlobalArgs::default() };
    let err = Config::resolve(&args).unwrap_err().to_string();
    assert!(err.contains("`memory`"), "{err}");
    assert!(!err.contains("secret"), "{err}");
}

#[test]
fn default_memory_is_sqlite_in_the_data_directory() {
    let c = Config::resolve(&GlobalArgs::default()).unwrap();
    assert!(c.memory.starts_with("sqlite:"), "{}", c.memory);
    assert!(c.memory.ends_with("pattern-mcp/memory.db"), "{}", c.memory);
    assert!(c.builtin_patterns);
    assert!(!c.strict);
}

#[test]
fn sqlite_without_a_path_is_the_default_file_and_errors_name_the_flag() {
    let default = Config::resolve(&GlobalArgs::default()).unwrap().memory;
    let args = GlobalArgs { memory: Some("sqlite:".into()), ..GlobalArgs::default() };
    assert_eq!(Config::resolve(&args).unwrap().memory, default);
    let args = GlobalArgs { memory: Some("sqlite://".into()), ..GlobalArgs::default() };
    assert_eq!(Config::resolve(&args).unwrap().memory, default);

    let args = GlobalArgs {
        memory: Some("postgres://u@db/x?pool_size=0".into()),
        ..GlobalArgs::default()
    };
    let err = Config::resolve(&args).unwrap_err().to_string();
    assert!(err.starts_with("--memory (PATTERN_MCP_MEMORY): `memory`"), "{err}");
    assert!(err.contains("pool_size"), "{err}");
    assert!(!err.contains("defaults"), "{err}");
}

#[tokio::test]
async fn a_redis_url_gives_the_engine_a_shared_tier_and_a_bad_one_fails_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "memory = \"sqlite::memory:\"\n[redis]\nurl = \"redis://127.0.0.1:1\"\ntimeout_ms = 20\nkey_prefix = \"blue:\"\n",
    );
    let from_file =
        Config::resolve(&GlobalArgs { config: Some(path.clone()), ..GlobalArgs::default() })
            .unwrap();
    let redis = from_file.redis.as_ref().unwrap();
    assert_eq!(redis.coherence, pattern_cache::Coherence::Strict, "strict unless asked otherwise");
    assert_eq!((redis.url.as_str(), redis.key_prefix.as_str()), ("redis://127.0.0.1:1", "blue:"));
    assert_eq!(redis.timeout, std::time::Duration::from_millis(20));
    // A Redis that is down at start only degrades the tier: the engine starts.
    let engine = pattern_mcp::app::build_engine(&from_file).await.unwrap();
    assert!(engine.shares_cache());
    assert!(!engine.shared_cache_available());

    let args = GlobalArgs {
        config: Some(path),
        redis: Some("http://127.0.0.1:6379".into()),
        ..GlobalArgs::default()
    };
    let config = Config::resolve(&args).unwrap();
    let err = pattern_mcp::app::build_engine(&config).await.unwrap_err().to_string();
    assert!(err.starts_with("cache: "), "{err}");
    assert!(err.contains("redis url"), "{err}");

    let without = Config::resolve(&GlobalArgs {
        memory: Some("sqlite::memory:".into()),
        ..GlobalArgs::default()
    })
    .unwrap();
    assert!(!pattern_mcp::app::build_engine(&without).await.unwrap().shares_cache());
}

#[test]
fn redis_settings_out_of_range_are_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "[redis]\nurl = \"redis://127.0.0.1:6379\"\ntimeout_ms = 0\n");
    let err = Config::resolve(&GlobalArgs { config: Some(path), ..GlobalArgs::default() })
        .unwrap_err()
        .to_string();
    assert!(err.contains("`redis.timeout_ms` is 0"), "{err}");
    let path = write(&dir, "[redis]\nurl = \"redis://127.0.0.1:6379\"\ncoherence = \"eventual\"\n");
    let err = Config::resolve(&GlobalArgs { config: Some(path), ..GlobalArgs::default() })
        .unwrap_err()
        .to_string();
    assert!(err.contains("`redis.coherence` must be \"strict\" or \"bounded\""), "{err}");
    // Settings without a URL turn nothing on.
    let path = write(&dir, "[redis]\ntimeout_ms = 10\n");
    let c = Config::resolve(&GlobalArgs { config: Some(path), ..GlobalArgs::default() }).unwrap();
    assert!(c.redis.is_none());
}
