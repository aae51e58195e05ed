//! Unit tests of `spec.rs`: which operator setting applies to a tool.

use super::*;

#[test]
fn a_tool_setting_wins_over_the_server_one_and_unset_keys_fall_back_to_it() {
    let policy = CachePolicy {
        ttl_s: Some(30),
        side_effects: false,
        tools: BTreeMap::from([
            ("now".to_owned(), ToolCachePolicy { ttl_s: Some(5), side_effects: None }),
            ("ls".to_owned(), ToolCachePolicy { ttl_s: None, side_effects: Some(true) }),
            ("never".to_owned(), ToolCachePolicy { ttl_s: Some(0), side_effects: None }),
        ]),
    };
    assert_eq!(policy.for_tool("now"), (Some(5), false));
    assert_eq!(policy.for_tool("ls"), (Some(30), true));
    assert_eq!(policy.for_tool("never"), (Some(0), false));
    assert_eq!(policy.for_tool("other"), (Some(30), false));
    assert_eq!(CachePolicy::default().for_tool("other"), (None, false));
}
