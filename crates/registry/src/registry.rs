//! The registry: loads built-ins and pattern files, and answers which pattern a query selects.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use pattern_core::{
    Captures, MatchKind, PatternDefinition, PatternMatchInfo, PatternSource, PatternType,
    RegistryStats,
};
use serde_json::Value;

use crate::builtin;
use crate::error::{PatternError, RegistryError};
use crate::fallback::fallback_route;
use crate::file::{self, RawPattern};
use crate::match_cache::{MATCH_CACHE_CAPACITY, MatchCache};
use crate::matcher::{Matcher, Trigger};
use crate::validate::{self, Compiled, NAME_MAX_CHARS, Origin};

/// What to load, from the command line (`--patterns`, `--no-builtin-patterns`, `--strict`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// Pattern files, loaded in this order after the built-ins.
    pub files: Vec<PathBuf>,
    /// Load the built-in patterns (the route fallbacks load regardless).
    pub builtins: bool,
    /// Refuse the whole load on any invalid pattern instead of skipping it.
    pub strict: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self { files: Vec::new(), builtins: true, strict: false }
    }
}

/// A registry and what happened while loading it.
#[derive(Debug)]
pub struct Loaded {
    pub registry: Registry,
    /// Patterns skipped because they are invalid (always empty in strict mode).
    pub warnings: Vec<PatternError>,
    /// Names of built-ins (and route fallbacks) replaced by file patterns, in load order.
    pub replaced: Vec<String>,
}

/// The pattern a query selected.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternMatch {
    pub pattern: Arc<PatternDefinition>,
    pub matched_by: MatchKind,
    /// Named captures of the trigger (empty for an exact-name match).
    pub captures: Captures,
}

impl PatternMatch {
    /// The `pattern` object of a `RoutingDecision`.
    pub fn info(&self) -> PatternMatchInfo {
        PatternMatchInfo {
            name: self.pattern.name.clone(),
            pattern_type: self.pattern.pattern_type,
            priority: self.pattern.priority,
            cost_tokens: self.pattern.cost_tokens,
            matched_by: self.matched_by,
            captures: self.captures.clone(),
        }
    }
}

/// One matchable pattern with its trigger's source and needles (the matcher
/// compiles the regex when a query first needs it).
#[derive(Debug, Clone)]
struct Entry {
    def: Arc<PatternDefinition>,
    trigger: Arc<Trigger>,
}

/// The validated pattern set and its matcher.
///
/// Immutable while shared: `match_query` takes `&self` and is safe from any
/// number of threads; changes (`insert`, `remove`, `retain`) take `&mut self`,
/// rebuild the matcher, clear the match cache and change `version()`.
pub struct Registry {
    /// Matchable patterns in load order (built-ins, then files in order):
    /// the tie-break of equal priorities, and what a rebuild starts from.
    entries: Vec<Entry>,
    /// The same patterns in priority order, aligned with the matcher's indices.
    patterns: Vec<Arc<PatternDefinition>>,
    matcher: Matcher,
    /// Name → index in `patterns`; the route fallbacks are not in it.
    by_name: HashMap<String, usize>,
    /// One per route, in `PatternType::ALL` order; never matched.
    fallbacks: [Arc<PatternDefinition>; 3],
    version: String,
    cache: MatchCache,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.patterns.iter().map(|p| p.name.as_str()).collect();
        f.debug_struct("Registry")
            .field("version", &self.version)
            .field("patterns", &names)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// Loads the built-ins (unless disabled), then `opts.files` in order.
    ///
    /// An unreadable file or invalid TOML is always an error. An invalid
    /// pattern is skipped with a warning (returned in `warnings`), or, with
    /// `opts.strict`, fails the load with every error found.
    pub fn load(opts: &LoadOptions) -> Result<Loaded, RegistryError> {
        let sources = read_files(&opts.files)?;
        Self::from_sources(sources.iter().map(|(f, s)| (f.as_str(), s.as_str())), opts)
    }

    /// As [`Registry::load`], with `src` read as one more file named `file`
    /// after `opts.files`. For tests and for patterns that do not live in a file.
    pub fn from_toml_str(
        src: &str,
        file: &str,
        opts: &LoadOptions,
    ) -> Result<Loaded, RegistryError> {
        let sources = read_files(&opts.files)?;
        let sources = sources.iter().map(|(f, s)| (f.as_str(), s.as_str()));
        Self::from_sources(sources.chain([(file, src)]), opts)
    }

    /// The built-in patterns alone, as a server without pattern files has them.
    pub fn with_builtins() -> Registry {
        Self::from_sources([], &LoadOptions::default())
            .expect("the built-in patterns are valid")
            .registry
    }

    /// Loads `(file name, TOML text)` sources in order, after the built-ins
    /// unless `opts.builtins` is false; `opts.files` is not read.
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
        opts: &LoadOptions,
    ) -> Result<Loaded, RegistryError> {
        let builtins = builtin::builtins();
        let mut entries: Vec<Entry> = if opts.builtins {
            builtins.patterns.iter().map(Entry::from_compiled).collect()
        } else {
            Vec::new()
        };
        let mut fallbacks = builtins.fallbacks.clone().map(|c| Arc::new(c.def));
        let mut errors = Vec::new();
        let mut replaced = Vec::new();

        for (file, src) in sources {
            let parsed = file::parse(src, file, false)?;
            errors.extend(parsed.errors);
            for p in parsed.patterns {
                let error =
                    |reason: String| PatternError::new(file, p.line, p.name.clone(), reason);
                let raw = match p.raw {
                    Ok(raw) => raw,
                    Err(reason) => {
                        errors.push(error(reason));
                        continue;
                    }
                };
                let origin = match fallback_route(&raw.name) {
                    Some(_) => Origin::Fallback,
                    None => Origin::File,
                };
                let source = PatternSource { file: file.to_owned(), line: p.line };
                let compiled = match validate::validate(raw, source.clone(), origin) {
                    Ok(compiled) => compiled,
                    Err(reasons) => {
                        errors.extend(reasons.into_iter().map(error));
                        continue;
                    }
                };
                let name = compiled.def.name.clone();
                match admit(&mut entries, &mut fallbacks, compiled) {
                    Admitted::New => {}
                    Admitted::Replaced => {
                        tracing::info!(
                            pattern = %name,
                            %source,
                            "file pattern replaces the built-in pattern of the same name"
                        );
                        replaced.push(name);
                    }
                    Admitted::Duplicate(first) => errors.push(error(format!(
                        "duplicate pattern name `{name}` (first defined at {first})"
                    ))),
                }
            }
        }

        if opts.strict && !errors.is_empty() {
            return Err(RegistryError::Invalid(errors));
        }
        for error in &errors {
            tracing::warn!(
                file = %error.file,
                line = error.line,
                pattern = error.pattern.as_deref().unwrap_or(""),
                reason = %error.reason,
                "invalid pattern skipped"
            );
        }
        let registry = Registry::build(entries, fallbacks)?;
        Ok(Loaded { registry, warnings: errors, replaced })
    }

    /// Orders, indexes and hashes the patterns and builds their matcher.
    fn build(
        entries: Vec<Entry>,
        fallbacks: [Arc<PatternDefinition>; 3],
    ) -> Result<Registry, RegistryError> {
        let mut order: Vec<usize> = (0..entries.len()).collect();
        // Stable: equal priorities keep load order.
        order.sort_by_key(|&i| Reverse(entries[i].def.priority));
        let patterns: Vec<Arc<PatternDefinition>> =
            order.iter().map(|&i| entries[i].def.clone()).collect();
        let matcher = Matcher::new(order.iter().map(|&i| entries[i].trigger.clone()).collect())
            .map_err(RegistryError::TooLarge)?;
        let by_name = patterns.iter().enumerate().map(|(i, p)| (p.name.clone(), i)).collect();
        let version = version_of(&patterns, &fallbacks);
        Ok(Registry {
            entries,
            patterns,
            matcher,
            by_name,
            fallbacks,
            version,
            cache: MatchCache::new(MATCH_CACHE_CAPACITY),
        })
    }

    /// Rebuilds after a change, keeping the match cache's counters.
    fn rebuild(&mut self, entries: Vec<Entry>) -> Result<(), RegistryError> {
        let rebuilt = Registry::build(entries, self.fallbacks.clone())?;
        let mut cache = std::mem::replace(&mut self.cache, MatchCache::new(MATCH_CACHE_CAPACITY));
        cache.clear();
        *self = Registry { cache, ..rebuilt };
        Ok(())
    }

    /// The pattern `query` selects: its exact name (trimmed, case-insensitive),
    /// else the highest-priority trigger found in it (ties: load order).
    /// Regex results are served from the match cache when present.
    pub fn match_query(&self, query: &str) -> Option<PatternMatch> {
        let query = query.trim();
        if let Some(found) = self.exact(query) {
            return Some(found);
        }
        let result = match self.cache.get(query) {
            Some(cached) => cached,
            None => {
                let found = self.matcher.find(query);
                self.cache.put(query.to_owned(), found.clone());
                found
            }
        };
        result.map(|(index, captures)| self.regex_match(index, captures))
    }

    /// As [`Registry::match_query`], bypassing the match cache (neither read,
    /// written nor counted): for benchmarks and diagnostics.
    pub fn match_uncached(&self, query: &str) -> Option<PatternMatch> {
        let query = query.trim();
        self.exact(query).or_else(|| {
            let (index, captures) = self.matcher.find(query)?;
            Some(self.regex_match(index, captures))
        })
    }

    fn exact(&self, query: &str) -> Option<PatternMatch> {
        if query.is_empty() || query.len() > NAME_MAX_CHARS {
            return None;
        }
        let index = *self.by_name.get(&query.to_ascii_lowercase())?;
        Some(PatternMatch {
            pattern: self.patterns[index].clone(),
            matched_by: MatchKind::Exact,
            captures: Captures::new(),
        })
    }

    fn regex_match(&self, index: usize, captures: Captures) -> PatternMatch {
        PatternMatch {
            pattern: self.patterns[index].clone(),
            matched_by: MatchKind::Regex,
            captures,
        }
    }

    /// The pattern of this name, route fallbacks included.
    pub fn get(&self, name: &str) -> Option<Arc<PatternDefinition>> {
        match self.by_name.get(name) {
            Some(&index) => Some(self.patterns[index].clone()),
            None => self.fallbacks.iter().find(|f| f.name == name).cloned(),
        }
    }

    /// The pattern a route runs when no pattern matched. Always present, even
    /// with `--no-builtin-patterns`.
    pub fn fallback(&self, route: PatternType) -> Arc<PatternDefinition> {
        self.fallbacks[route_index(route)].clone()
    }

    /// The matchable patterns in priority order (highest first, ties in load
    /// order); the route fallbacks are not among them.
    pub fn patterns(&self) -> &[Arc<PatternDefinition>] {
        &self.patterns
    }

    /// MD5 hex of the pattern set's content (fallbacks included, file names
    /// and lines excluded): equal on every instance and restart that loads
    /// the same patterns, different after any change. Part of result cache keys.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Pattern counts and match cache counters for the `stats` tool.
    pub fn stats(&self) -> RegistryStats {
        let mut by_type = BTreeMap::new();
        for pattern in &self.patterns {
            *by_type.entry(pattern.pattern_type.as_str().to_owned()).or_insert(0) += 1;
        }
        RegistryStats {
            patterns: self.patterns.len() as u64,
            by_type,
            match_cache: self.cache.stats(),
        }
    }

    /// Entries in the match cache now.
    pub fn match_cache_len(&self) -> usize {
        self.cache.len()
    }

    /// Downstream servers named by `[pattern.tool]` tables, for the check
    /// that each is configured.
    pub fn servers_referenced(&self) -> BTreeSet<String> {
        self.all_patterns().filter_map(|p| p.tool.as_ref()).map(|t| t.server.clone()).collect()
    }

    /// One error per pattern whose tool names a server not in `known`, with
    /// the pattern's file and line. With `--strict` the caller refuses to
    /// start; without, it drops them with [`Registry::retain`].
    pub fn unknown_servers<S: AsRef<str>>(&self, known: &[S]) -> Vec<PatternError> {
        let known: BTreeSet<&str> = known.iter().map(AsRef::as_ref).collect();
        let configured = if known.is_empty() {
            "no server is configured".to_owned()
        } else {
            format!("configured: {}", known.iter().copied().collect::<Vec<_>>().join(", "))
        };
        self.all_patterns()
            .filter_map(|p| {
                let server = &p.tool.as_ref()?.server;
                (!known.contains(server.as_str())).then(|| {
                    PatternError::new(
                        &p.source.file,
                        p.source.line,
                        Some(p.name.clone()),
                        format!("`tool.server`: unknown server `{server}` ({configured})"),
                    )
                })
            })
            .collect()
    }

    fn all_patterns(&self) -> impl Iterator<Item = &Arc<PatternDefinition>> {
        self.patterns.iter().chain(&self.fallbacks)
    }

    /// Adds a pattern after all others in load order, replacing one of the
    /// same name (returned). A route fallback's name replaces that fallback.
    /// The pattern is validated as a file pattern (as a built-in when its
    /// `builtin` is set); `captures` is recomputed from the trigger.
    pub fn insert(
        &mut self,
        def: PatternDefinition,
    ) -> Result<Option<Arc<PatternDefinition>>, RegistryError> {
        let route = fallback_route(&def.name);
        let origin = match (route, def.builtin) {
            (Some(_), _) => Origin::Fallback,
            (None, true) => Origin::Builtin,
            (None, false) => Origin::File,
        };
        let (source, builtin, name) = (def.source.clone(), def.builtin, def.name.clone());
        let mut compiled =
            validate::validate(raw_of(def), source.clone(), origin).map_err(|reasons| {
                RegistryError::Invalid(
                    reasons
                        .into_iter()
                        .map(|r| {
                            PatternError::new(&source.file, source.line, Some(name.clone()), r)
                        })
                        .collect(),
                )
            })?;
        compiled.def.builtin = builtin;
        if let Some(route) = route {
            let old =
                std::mem::replace(&mut self.fallbacks[route_index(route)], Arc::new(compiled.def));
            self.rebuild(self.entries.clone())?;
            return Ok(Some(old));
        }
        let mut entries = self.entries.clone();
        let old = entries.iter().position(|e| e.def.name == name).map(|i| entries.remove(i).def);
        entries.push(Entry::from_compiled(&compiled));
        self.rebuild(entries)?;
        Ok(old)
    }

    /// Removes the matchable pattern of this name (route fallbacks stay).
    pub fn remove(&mut self, name: &str) -> Option<Arc<PatternDefinition>> {
        let removed = self.get(name).filter(|p| fallback_route(&p.name).is_none())?;
        self.retain(|p| p.name != name);
        Some(removed)
    }

    /// Keeps only the matchable patterns for which `keep` is true, with one
    /// rebuild; returns how many were removed.
    pub fn retain(&mut self, mut keep: impl FnMut(&PatternDefinition) -> bool) -> usize {
        let before = self.entries.len();
        let entries: Vec<Entry> = self.entries.iter().filter(|e| keep(&e.def)).cloned().collect();
        let removed = before - entries.len();
        if removed > 0 {
            // Fewer triggers than an existing set cannot exceed its size limit.
            self.rebuild(entries).expect("a subset of a valid pattern set is valid");
        }
        removed
    }
}

/// What became of a valid file pattern.
enum Admitted {
    New,
    /// It took the place of the built-in pattern (or route fallback) of its name.
    Replaced,
    /// A file pattern of that name came first, defined here.
    Duplicate(PatternSource),
}

/// Adds a valid file pattern to the load: a built-in of the same name is
/// replaced (the file pattern takes its own place in load order), an earlier
/// file pattern of the same name wins.
fn admit(
    entries: &mut Vec<Entry>,
    fallbacks: &mut [Arc<PatternDefinition>; 3],
    compiled: Compiled,
) -> Admitted {
    if let Some(route) = fallback_route(&compiled.def.name) {
        let slot = &mut fallbacks[route_index(route)];
        if !slot.builtin {
            return Admitted::Duplicate(slot.source.clone());
        }
        *slot = Arc::new(compiled.def);
        return Admitted::Replaced;
    }
    let admitted = match entries.iter().position(|e| e.def.name == compiled.def.name) {
        None => Admitted::New,
        Some(i) if entries[i].def.builtin => {
            entries.remove(i);
            Admitted::Replaced
        }
        Some(i) => return Admitted::Duplicate(entries[i].def.source.clone()),
    };
    entries.push(Entry::from_compiled(&compiled));
    admitted
}

impl Entry {
    fn from_compiled(compiled: &Compiled) -> Self {
        Entry { def: Arc::new(compiled.def.clone()), trigger: Trigger::new(&compiled.def.trigger) }
    }
}

/// Index of a route in `PatternType::ALL` (and in `Registry::fallbacks`).
fn route_index(route: PatternType) -> usize {
    match route {
        PatternType::Infrastructure => 0,
        PatternType::Memory => 1,
        PatternType::Hybrid => 2,
    }
}

/// Reads pattern files, naming the one that cannot be read.
fn read_files(files: &[PathBuf]) -> Result<Vec<(String, String)>, RegistryError> {
    files
        .iter()
        .map(|path| {
            let file = path.display().to_string();
            match std::fs::read_to_string(path) {
                Ok(text) => Ok((file, text)),
                Err(source) => Err(RegistryError::Io { file, source }),
            }
        })
        .collect()
}

/// The raw form of a definition, so `insert` validates exactly like a load.
fn raw_of(def: PatternDefinition) -> RawPattern {
    RawPattern {
        name: def.name,
        pattern_type: def.pattern_type,
        trigger: Some(def.trigger).filter(|t| !t.is_empty()),
        priority: Some(i64::from(def.priority)),
        cost_tokens: Some(def.cost_tokens),
        cache_ttl_s: def.cache_ttl_s,
        description: Some(def.description),
        min_role: def.min_role,
        tool: def.tool,
        memory: def.memory,
    }
}

/// MD5 over the canonical JSON of each pattern, in priority order, then the
/// fallbacks. `source` is left out: moving a pattern to another file or line
/// does not change what the set does.
fn version_of(patterns: &[Arc<PatternDefinition>], fallbacks: &[Arc<PatternDefinition>]) -> String {
    let mut md5 = md5::Context::new();
    md5.consume(b"pattern-registry/1\n");
    for pattern in patterns.iter().chain(fallbacks) {
        let mut value = serde_json::to_value(&**pattern).expect("a pattern serialises to JSON");
        if let Value::Object(map) = &mut value {
            map.remove("source");
        }
        md5.consume(canonical(&value).to_string());
        md5.consume(b"\n");
    }
    format!("{:x}", md5.finalize())
}

/// The same JSON value with every object's keys sorted.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, Value> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests;
