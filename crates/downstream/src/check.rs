//! Patterns whose `[pattern.tool]` names a tool its (connected) server does not list.

use pattern_registry::Registry;

use super::DownstreamPool;

/// One line per pattern naming a tool that its server, once connected, does
/// not list (`FILE:LINE: pattern `p`: …`). Servers not connected are skipped:
/// their tools are not known yet.
pub fn unknown_tools(registry: &Registry, pool: &DownstreamPool) -> Vec<String> {
    let connected: Vec<String> =
        pool.status().into_iter().filter(|s| s.connected).map(|s| s.server).collect();
    registry
        .patterns()
        .iter()
        .filter_map(|pattern| {
            let tool = pattern.tool.as_ref()?;
            if !connected.contains(&tool.server) || pool.tool(&tool.server, &tool.name).is_some() {
                return None;
            }
            let listed: Vec<String> = pool
                .tools()
                .into_iter()
                .filter(|entry| entry.server == tool.server)
                .map(|entry| entry.tool.name.to_string())
                .collect();
            Some(format!(
                "{}: pattern `{}`: `tool.name`: server `{}` has no tool `{}` (it lists: {})",
                pattern.source,
                pattern.name,
                tool.server,
                tool.name,
                listed.join(", ")
            ))
        })
        .collect()
}
