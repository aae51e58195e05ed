//! The cached tools list of one server: what callers see, and the argument checks compiled from it.

use std::{collections::HashMap, sync::Arc};

use rmcp::model::Tool;

use super::arguments::ArgumentCheck;

/// A tool of a downstream server, addressed as `server.tool`.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolEntry {
    pub server: String,
    pub tool: Tool,
    /// `annotations.readOnlyHint == Some(true)`: only such results may be
    /// cached, and only such calls retried. Absent means side-effecting.
    pub read_only: bool,
}

impl ToolEntry {
    pub fn new(server: impl Into<String>, tool: Tool) -> Self {
        let read_only =
            tool.annotations.as_ref().and_then(|annotations| annotations.read_only_hint)
                == Some(true);
        Self { server: server.into(), tool, read_only }
    }
}

/// A tool with its compiled argument check.
#[derive(Debug)]
pub(crate) struct KnownTool {
    pub entry: ToolEntry,
    pub check: ArgumentCheck,
}

/// One server's tools in the order the server listed them, looked up by name.
#[derive(Debug, Default)]
pub(crate) struct ToolSet {
    tools: Vec<Arc<KnownTool>>,
    by_name: HashMap<String, usize>,
}

impl ToolSet {
    /// Compiles the argument checks once, here, so calls only run them.
    pub fn new(server: &str, tools: Vec<Tool>) -> Self {
        let mut set = Self::default();
        for tool in tools {
            let check = ArgumentCheck::compile(&tool.input_schema);
            let known = Arc::new(KnownTool { entry: ToolEntry::new(server, tool), check });
            match set.by_name.get(known.entry.tool.name.as_ref()) {
                // A server listing a name twice: the later definition wins, as in a map.
                Some(&index) => set.tools[index] = known,
                None => {
                    set.by_name.insert(known.entry.tool.name.to_string(), set.tools.len());
                    set.tools.push(known);
                }
            }
        }
        set
    }

    pub fn get(&self, name: &str) -> Option<&Arc<KnownTool>> {
        self.by_name.get(name).map(|&index| &self.tools[index])
    }

    pub fn entries(&self) -> impl Iterator<Item = &ToolEntry> {
        self.tools.iter().map(|known| &known.entry)
    }

    pub fn len(&self) -> usize {
        self.tools.len()
    }
}

#[cfg(test)]
mod tests;
