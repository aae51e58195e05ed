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

/// A Claude Desktop config as users keep them: entries with other clients'
/// keys, a disabled one, an SSE one, one for a transport nobody speaks, and
/// a placeholder with neither `command` nor `url`.
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/config/servers/claude_desktop_config.json")
}

#[test]
fn a_real_claude_desktop_file_loads_what_can_run_and_skips_the_rest_saying_why() {
    let read = read_claude_file(&fixture()).unwrap();
    let names: Vec<(&str, bool)> =
        read.specs.iter().map(|s| (s.name.as_str(), s.enabled)).collect();
    assert_eq!(
        names,
        [
            ("brave-search", false),
            ("filesystem", true),
            ("github", true),
            ("notion", true),
            ("sqlite", true),
            ("time", true)
        ]
    );
    assert_eq!(
        read.warnings,
        [
            "`mcpServers.github.envFile` ignored: not a key pattern-mcp knows",
            "`mcpServers.linear` skipped: it uses the SSE transport, which pattern-mcp does not \
             speak; give the server's Streamable HTTP endpoint as `url` with `type: http`",
            "`mcpServers.placeholder` skipped: it has neither `command` nor `url`",
            "`mcpServers.websocket` skipped: its transport `ws` is not one pattern-mcp speaks \
             (`stdio` or `http`)",
        ]
    );
    let skipped = from_claude_file(&fixture()).unwrap();
    assert_eq!(skipped, read.specs, "the warnings go to the log, the servers load");
}

#[test]
fn env_cwd_and_http_entries_of_a_claude_desktop_file_are_honoured() {
    let specs = read_claude_file(&fixture()).unwrap().specs;
    let spec = |name: &str| specs.iter().find(|s| s.name == name).unwrap();
    assert_eq!(
        spec("time").transport,
        Transport::Stdio {
            command: "uvx".into(),
            args: vec!["mcp-server-time".into(), "--local-timezone=Europe/Berlin".into()],
            env: BTreeMap::from([("TZ".to_owned(), "Europe/Berlin".to_owned())]),
            cwd: None,
        }
    );
    let Transport::Stdio { cwd, .. } = &spec("sqlite").transport else { panic!("stdio") };
    assert_eq!(cwd.as_deref(), Some(fixture().parent().unwrap().join("data").as_path()));
    assert_eq!(
        spec("notion").transport,
        Transport::Http {
            url: "https://mcp.notion.com/mcp".into(),
            headers: BTreeMap::from([(
                "Authorization".to_owned(),
                "Bearer YOUR_TOKEN_HERE".to_owned()
            )]),
        }
    );
    assert_eq!(spec("sqlite").timeout, Duration::from_secs(30), "Cline's `timeout` is not ours");
}

#[test]
fn every_spelling_of_streamable_http_maps_to_the_http_client() {
    for kind in ["http", "streamable-http", "streamableHttp"] {
        let text =
            format!(r#"{{"mcpServers": {{"r": {{"type": "{kind}", "url": "http://h/mcp"}}}}}}"#);
        let specs = claude(&text).unwrap();
        assert!(
            matches!(&specs[0].transport, Transport::Http { url, .. } if url == "http://h/mcp"),
            "{kind}"
        );
    }
    let cline = claude(r#"{"mcpServers": {"r": {"transportType": "sse", "url": "http://h/sse"}}}"#)
        .unwrap();
    assert!(cline.is_empty(), "Cline's `transportType: sse` is skipped like `type: sse`");
}

#[test]
fn an_entry_of_the_wrong_shape_is_skipped_or_adapted_with_a_warning() {
    let read = |text: &str| {
        let path = std::env::temp_dir().join(format!(
            "pattern-mcp-servers-shape-{}-{}.json",
            std::process::id(),
            text.len()
        ));
        std::fs::write(&path, text).unwrap();
        let out = read_claude_file(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        out
    };
    let mixed = read(
        r#"{"mcpServers": {
            "both": {"command": "a", "url": "http://h"},
            "web": {"type": "http", "url": "http://h/mcp", "env": {"A": "b"}},
            "odd.name": {"command": "a"},
            "text": "uvx mcp-server-time",
            "nourl": {"type": "http", "command": "a"}
        }}"#,
    );
    let names: Vec<&str> = mixed.specs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["web"]);
    assert_eq!(
        mixed.warnings,
        [
            "`mcpServers.both` skipped: it has both `command` and `url`, and no `type` to choose",
            "`mcpServers.nourl` skipped: it is an `http` server without `url`",
            "`mcpServers.odd.name` skipped: its name is not a valid server name: use 1 to 64 of \
             A-Z a-z 0-9 _ -",
            "`mcpServers.text` skipped: it is not an object",
            "`mcpServers.web.env` ignored: applies to `stdio` servers only",
        ]
    );
}

#[test]
fn a_file_that_is_not_a_claude_desktop_config_is_a_clear_error() {
    let not_json = claude("mcpServers: {}").unwrap_err();
    assert!(not_json.contains("expected value at line 1"), "{not_json}");
    let array = claude(r#"[{"command": "a"}]"#).unwrap_err();
    assert!(
        array.ends_with("is not a JSON object; a Claude Desktop config is `{\"mcpServers\": {…}}`"),
        "{array}"
    );
    let none = claude(r#"{"servers": {}}"#).unwrap_err();
    assert!(none.contains("has no `mcpServers`"), "{none}");
    let list = claude(r#"{"mcpServers": []}"#).unwrap_err();
    assert!(list.contains("`mcpServers` is not an object of servers by name"), "{list}");
    // A bad value of a key pattern-mcp reads is an error naming it, as in TOML.
    let args = claude(r#"{"mcpServers": {"t": {"command": "a", "args": "x"}}}"#).unwrap_err();
    assert!(args.contains("`mcpServers.t` is not a server entry: invalid type: string"), "{args}");
    let timeout = claude(r#"{"mcpServers": {"t": {"command": "a", "timeout_s": 0}}}"#).unwrap_err();
    assert!(timeout.contains("`mcpServers.t.timeout_s` is 0"), "{timeout}");
}

#[test]
fn a_header_that_is_not_valid_http_fails_at_start_naming_it() {
    let name =
        toml_servers("[servers.x]\nurl = \"http://h\"\nheaders = { \"two words\" = \"b\" }\n")
            .unwrap_err();
    assert_eq!(name, "cfg.toml: `servers.x.headers.two words` is not a valid HTTP header name");
    let value =
        toml_servers("[servers.x]\nurl = \"http://h\"\nheaders = { A = \"b\\nc\" }\n").unwrap_err();
    assert!(value.contains("`servers.x.headers.A` has a value that is not valid"), "{value}");
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
