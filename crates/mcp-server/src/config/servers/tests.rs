//! Unit tests of `servers.rs`.

use super::*;

fn toml_servers(text: &str) -> Result<Vec<ServerSpec>, String> {
    #[derive(Deserialize)]
    struct File {
        servers: BTreeMap<String, RawServer>,
    }
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    resolve(Some(file.servers), "cfg.toml", Path::new("/etc/p")).map_err(|e| e.to_string())
}

fn claude(text: &str) -> Result<Vec<ServerSpec>, String> {
    let path = std::env::temp_dir().join(format!(
        "pattern-mcp-servers-{}-{}.json",
        std::process::id(),
        text.len()
    ));
    std::fs::write(&path, text).unwrap();
    let out = from_claude_file(&path).map_err(|e| e.to_string());
    std::fs::remove_file(&path).unwrap();
    out
}

#[test]
fn a_stdio_server_gets_defaults_and_a_cwd_relative_to_the_file() {
    let specs = toml_servers(
        "[servers.time]\ncommand = \"uvx\"\nargs = [\"mcp-server-time\"]\ncwd = \"work\"\n",
    )
    .unwrap();
    assert_eq!(specs.len(), 1);
    assert_eq!(specs[0].name, "time");
    assert_eq!(specs[0].timeout, Duration::from_secs(30));
    assert!(specs[0].enabled);
    assert_eq!(
        specs[0].transport,
        Transport::Stdio {
            command: "uvx".into(),
            args: vec!["mcp-server-time".into()],
            env: BTreeMap::new(),
            cwd: Some(PathBuf::from("/etc/p/work")),
        }
    );
}

#[test]
fn bad_servers_fail_naming_the_key_and_the_reason() {
    let both = toml_servers("[servers.x]\ncommand = \"a\"\nurl = \"http://h\"\n").unwrap_err();
    assert_eq!(
        both,
        "cfg.toml: `servers.x` has both `command` and `url`; a server is one or the other"
    );
    let neither = toml_servers("[servers.x]\nenabled = true\n").unwrap_err();
    assert!(neither.contains("`servers.x` needs `command`"), "{neither}");
    let zero = toml_servers("[servers.x]\ncommand = \"a\"\ntimeout_s = 0\n").unwrap_err();
    assert_eq!(zero, "cfg.toml: `servers.x.timeout_s` is 0; it must be between 1 and 3600");
    let name = toml_servers("[servers.\"a.b\"]\ncommand = \"a\"\n").unwrap_err();
    assert!(name.contains("`servers.a.b` is not a valid server name"), "{name}");
    let unknown = toml_servers("[servers.x]\ncommand = \"a\"\ncomand = \"b\"\n").unwrap_err();
    assert!(unknown.contains("unknown field `comand`"), "{unknown}");
    let headers =
        toml_servers("[servers.x]\ncommand = \"a\"\nheaders = { A = \"b\" }\n").unwrap_err();
    assert!(headers.contains("`servers.x.headers` applies to `url` servers only"), "{headers}");
}

#[test]
fn a_claude_desktop_file_is_accepted_as_is() {
    let specs = claude(
        r#"{"mcpServers": {
            "time": {"command": "uvx", "args": ["mcp-server-time"], "env": {"TZ": "UTC"}},
            "remote": {"type": "http", "url": "http://127.0.0.1:9/mcp", "headers": {"X-A": "b"}},
            "off": {"command": "x", "disabled": true}
        }, "globalShortcut": "Ctrl+Space"}"#,
    )
    .unwrap();
    let names: Vec<(&str, bool)> = specs.iter().map(|s| (s.name.as_str(), s.enabled)).collect();
    assert_eq!(names, [("off", false), ("remote", true), ("time", true)]);
    assert!(
        matches!(&specs[1].transport, Transport::Http { url, .. } if url == "http://127.0.0.1:9/mcp")
    );
}

#[test]
fn a_claude_desktop_entry_with_an_unknown_key_or_sse_is_refused() {
    let unknown =
        claude(r#"{"mcpServers": {"t": {"command": "a", "autoApprove": []}}}"#).unwrap_err();
    assert!(unknown.contains("unknown field `autoApprove`"), "{unknown}");
    let sse =
        claude(r#"{"mcpServers": {"t": {"type": "sse", "url": "http://h/sse"}}}"#).unwrap_err();
    assert!(sse.contains("`mcpServers.t.type` is `sse`"), "{sse}");
}

#[test]
fn cache_keys_of_a_server_and_of_its_tools_reach_the_spec() {
    let specs = toml_servers(
        "[servers.time]\ncommand = \"uvx\"\ncache_ttl_s = 30\n\
         [servers.time.tools.get_current_time]\ncache_ttl_s = 5\n\
         [servers.time.tools.convert_time]\ncache_side_effects = true\n\
         [servers.plain]\ncommand = \"x\"\n",
    )
    .unwrap();
    let time = specs.iter().find(|s| s.name == "time").unwrap();
    assert_eq!(
        time.cache,
        CachePolicy {
            ttl_s: Some(30),
            side_effects: false,
            tools: BTreeMap::from([
                (
                    "convert_time".to_owned(),
                    ToolCachePolicy { ttl_s: None, side_effects: Some(true) }
                ),
                (
                    "get_current_time".to_owned(),
                    ToolCachePolicy { ttl_s: Some(5), side_effects: None }
                ),
            ]),
        }
    );
    assert_eq!(time.cache.for_tool("get_current_time"), (Some(5), false));
    let plain = specs.iter().find(|s| s.name == "plain").unwrap();
    assert_eq!(plain.cache, CachePolicy::default(), "nothing is cached unless asked for");
}

#[test]
fn bad_cache_keys_fail_naming_the_key() {
    let long = toml_servers("[servers.x]\ncommand = \"a\"\ncache_ttl_s = 86401\n").unwrap_err();
    assert_eq!(
        long,
        "cfg.toml: `servers.x.cache_ttl_s` is 86401; it must be between 0 and 86400 (0 = never cache)"
    );
    let tool =
        toml_servers("[servers.x]\ncommand = \"a\"\n[servers.x.tools.now]\ncache_ttl_s = 99999\n")
            .unwrap_err();
    assert!(tool.contains("`servers.x.tools.now.cache_ttl_s` is 99999"), "{tool}");
    let name =
        toml_servers("[servers.x]\ncommand = \"a\"\n[servers.x.tools.\"a b\"]\n").unwrap_err();
    assert!(name.contains("`servers.x.tools.a b` is not a tool name"), "{name}");
    let typo = toml_servers("[servers.x]\ncommand = \"a\"\n[servers.x.tools.now]\ncache_ttl = 5\n")
        .unwrap_err();
    assert!(typo.contains("unknown field `cache_ttl`"), "{typo}");
}

#[test]
fn a_claude_desktop_entry_may_carry_the_cache_keys() {
    let specs = claude(
        r#"{"mcpServers": {"time": {"command": "uvx", "cache_ttl_s": 10,
            "tools": {"get_current_time": {"cache_ttl_s": 2}}}}}"#,
    )
    .unwrap();
    assert_eq!(specs[0].cache.for_tool("get_current_time"), (Some(2), false));
    assert_eq!(specs[0].cache.for_tool("other"), (Some(10), false));
}
