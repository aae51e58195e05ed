//! PatternExecutionEngine: the request flow of docs/CONTRACT.md §1 from match to result.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pattern_cache::{
    CacheConfig, CacheKey, CachedResult, CountedText, KeyParts, Lookup, ResultCache, SharedTier,
    ToolCaching, cache_key, cacheability,
};
use pattern_core::{
    CacheInfo, CacheTier, Captures, ExecuteRequest, ExecutionMode, ExecutionResult, MatchKind,
    MemoryAvailability, MemoryStats, PatternDefinition, PatternType, Role, RouteRequest,
    RoutingDecision, RoutingView, Stats,
};
use pattern_registry::{Builtin, Registry};
use pattern_router::{DownstreamState, NoAnswer, Router, RouterConfig};
use serde_json::{Map, Value, json};

use crate::error::EngineError;
use crate::path::infrastructure::{Infra, Step, resolve_tool};
use crate::path::{self, memory::MemoryOutcome};
use crate::principal::Principal;
use crate::stats::{Outcome, StatsRecorder};
use crate::tokens::{TokenCounter, self_counting_total};
use pattern_downstream::DownstreamPool;
use pattern_memory::{MemoryError, MemoryStore};

/// Longest an execution may take, per mode. A timed-out execution is a
/// `success: false` result; nothing it started is cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub fast: Duration,
    pub balanced: Duration,
    pub comprehensive: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            fast: Duration::from_secs(5),
            balanced: Duration::from_secs(15),
            comprehensive: Duration::from_secs(30),
        }
    }
}

impl Timeouts {
    pub fn for_mode(&self, mode: ExecutionMode) -> Duration {
        match mode {
            ExecutionMode::Fast => self.fast,
            ExecutionMode::Balanced => self.balanced,
            ExecutionMode::Comprehensive => self.comprehensive,
        }
    }
}

/// Runtime settings of the engine, resolved from the configuration.
#[derive(Debug, Clone, Default)]
pub struct EngineConfig {
    pub timeouts: Timeouts,
    pub cache: CacheConfig,
    pub router: RouterConfig,
}

/// The engine: one per process, shared by every session behind an `Arc`.
pub struct Engine {
    registry: Arc<Registry>,
    router: Router,
    cache: ResultCache,
    store: Arc<dyn MemoryStore>,
    /// The downstream MCP servers the infrastructure path calls; empty unless
    /// [`Engine::with_downstream`] gave one.
    downstream: Arc<DownstreamPool>,
    stats: StatsRecorder,
    tokens: TokenCounter,
    config: EngineConfig,
    started: Instant,
    /// Set by the last memory operation: false while the store fails with `unavailable`.
    memory_up: AtomicBool,
    next_request: AtomicU64,
    /// Random per process, so request ids of several instances never collide.
    instance_tag: u32,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("backend", &self.store.backend()).finish_non_exhaustive()
    }
}

/// What the engine decided to do for one query.
pub(crate) struct Plan {
    pub(crate) pattern: Arc<PatternDefinition>,
    /// What the engine implements itself for this pattern, told once here.
    pub(crate) builtin: Option<Builtin>,
    pub(crate) captures: Captures,
    decision: RoutingDecision,
    not_cacheable: Option<&'static str>,
    /// Set when the router found no path that can answer: the execution
    /// fails with this, without touching a store or a server.
    no_answer: Option<NoAnswer>,
    /// Cap on the tiers' TTL, in seconds: the pattern's and the operator's `cache_ttl_s`.
    ttl_s: Option<u64>,
    /// The key the lookup uses: `decision.cache.key`, and the memory
    /// generation it was built with, which a strict lookup checks.
    key: CacheKey,
}

/// How the stable text of a successful answer starts and ends.
const STABLE_START: &str = ",\"result\":";
const STABLE_END: &str = ",\"error\":null,\"execution_time_ms\":";

/// The part of a successful answer's compact JSON that is the same in every
/// answer from one cache entry: from the `result` field to the number of
/// `execution_time_ms` (which [`ExecutionResult`] serialises in this order).
/// It starts after `true` (of `success`) and ends before a digit, both
/// additive cuts ([`crate::tokens::is_additive_cut`]).
fn stable_text(result: &Map<String, Value>) -> String {
    let result = serde_json::to_string(result).unwrap_or_default();
    format!("{STABLE_START}{result}{STABLE_END}")
}

/// What a pattern produced: the client-visible result and facts for `metadata`.
/// This pair (plus its token count) is what the cache keeps: a [`CachedResult`].
struct Output {
    result: Map<String, Value>,
    metadata: Map<String, Value>,
}

impl From<Output> for CachedResult {
    fn from(out: Output) -> Self {
        CachedResult { result: out.result, metadata: out.metadata, counted: None }
    }
}

impl Engine {
    pub fn new(registry: Arc<Registry>, store: Arc<dyn MemoryStore>, config: EngineConfig) -> Self {
        Self {
            router: Router::new(config.router.clone()),
            cache: ResultCache::new(config.cache.clone()),
            registry,
            store,
            downstream: DownstreamPool::start(Vec::new()),
            stats: StatsRecorder::default(),
            tokens: TokenCounter::new(),
            config,
            started: Instant::now(),
            memory_up: AtomicBool::new(true),
            next_request: AtomicU64::new(1),
            instance_tag: instance_tag(),
        }
    }

    /// Shares results and memory generations with other instances through
    /// `tier` (Redis), behind this process's own cache tier.
    #[must_use]
    pub fn with_shared_tier(mut self, tier: Arc<dyn SharedTier>) -> Self {
        self.cache = ResultCache::with_shared_tier(self.config.cache.clone(), tier);
        self
    }

    /// Calls downstream tools through `pool` (started by the caller, which
    /// also shuts it down).
    #[must_use]
    pub fn with_downstream(mut self, pool: Arc<DownstreamPool>) -> Self {
        self.downstream = pool;
        self
    }

    pub fn downstream(&self) -> &Arc<DownstreamPool> {
        &self.downstream
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn store(&self) -> &Arc<dyn MemoryStore> {
        &self.store
    }

    /// `route_query`: what `execute_pattern` would do, with no side effect.
    pub fn route(&self, req: &RouteRequest, principal: &Principal) -> RoutingDecision {
        // The key shown is this instance's: with a shared tier, `execute` reads
        // the namespace's generation there first.
        let generation = Some(self.cache.generation(&req.namespace));
        let plan = self.plan(
            &req.query,
            req.execution_mode,
            &req.namespace,
            None,
            principal,
            true,
            generation,
        );
        self.record_plan(&plan, req.execution_mode);
        plan.decision
    }

    /// `execute_pattern`: match, route, answer from cache or execute, record.
    pub async fn execute(&self, req: &ExecuteRequest, principal: &Principal) -> ExecutionResult {
        // Normally built at start-up; either way the wait is not the request's.
        self.tokens.ensure_loaded().await;
        let started = Instant::now();
        let request_id = self.request_id();
        let generation = self.cache.key_generation(&req.namespace).await;
        let plan = self.plan_execution(req, principal, generation);
        self.record_plan(&plan, req.execution_mode);
        let mut metadata = execution_metadata(req, principal, &plan);

        let mut tier = None;
        let outcome: Result<Arc<CachedResult>, EngineError> =
            match authorize(&plan, principal, &req.namespace) {
                Err(e) => Err(e),
                Ok(()) if plan.decision.cache.cacheable => {
                    let ttl = self.cache.ttl_for(plan.ttl_s);
                    let lookup = self
                        .cache
                        .get_or_compute(&plan.key, ttl, || async {
                            let out = self.run_with_timeout(&plan, req).await?;
                            Ok::<_, EngineError>((self.pack_counted(out), true))
                        })
                        .await;
                    match lookup {
                        Ok(Lookup::Hit(cached)) => {
                            tier = Some(cached.tier);
                            Ok(cached.value)
                        }
                        Ok(Lookup::Coalesced(v)) => {
                            metadata.insert("coalesced".into(), Value::Bool(true));
                            Ok(v)
                        }
                        Ok(Lookup::Computed(v)) => Ok(v),
                        Err(e) => Err(e),
                    }
                }
                // Counted like an entry too, so the answer tokenises only its
                // own result and the pieces around it are looked up.
                Ok(()) => self.run_with_timeout(&plan, req).await.map(|out| self.pack_counted(out)),
            };
        self.record_cache_metrics(&plan, tier);
        self.finish(request_id, plan, req.explain, outcome, tier, metadata, started)
    }

    /// The `stats` tool.
    pub fn stats(&self) -> Stats {
        let (executions, tokens, latency_ms) = self.stats.snapshot();
        Stats {
            uptime_s: self.started.elapsed().as_secs_f64(),
            executions,
            latency_ms,
            tokens,
            cache: self.cache.stats(),
            registry: self.registry.stats(),
            router: self.router.stats(),
            memory: MemoryStats {
                backend: self.store.backend().to_owned(),
                total_memories: self.store.total(),
                available: self.memory_up.load(Ordering::Relaxed),
            },
            downstream: self
                .downstream
                .status()
                .into_iter()
                .map(|s| pattern_core::DownstreamStats {
                    server: s.server,
                    connected: s.connected,
                    tools: s.tools,
                    calls: s.calls,
                    errors: s.errors,
                })
                .collect(),
        }
    }

    fn plan_execution(
        &self,
        req: &ExecuteRequest,
        principal: &Principal,
        generation: Option<u64>,
    ) -> Plan {
        self.plan(
            &req.query,
            req.execution_mode,
            &req.namespace,
            req.context.as_ref(),
            principal,
            req.use_cache,
            generation,
        )
    }

    /// What to do for `query`, with no side effect: [`record_plan`](Self::record_plan)
    /// counts the decision once it is acted on. `generation` is the
    /// namespace's memory generation for the key, `None` when it cannot be
    /// known (the shared tier is unreachable): a pattern that reads memory is
    /// then run without the cache.
    #[allow(clippy::too_many_arguments)]
    fn plan(
        &self,
        query: &str,
        mode: ExecutionMode,
        namespace: &str,
        context: Option<&Map<String, Value>>,
        principal: &Principal,
        use_cache: bool,
        generation: Option<u64>,
    ) -> Plan {
        let t0 = Instant::now();
        let context_tool = context
            .and_then(|c| c.get("tool"))
            .and_then(Value::as_str)
            .and_then(|t| t.split_once('.'));
        let matched = match context_tool {
            // context.tool names the tool explicitly: that is the call_tool pattern.
            Some((server, tool)) => self.registry.get("call_tool").map(|pattern| {
                let captures = Captures::from([("tool".to_owned(), format!("{server}.{tool}"))]);
                pattern_registry::PatternMatch { pattern, matched_by: MatchKind::Exact, captures }
            }),
            None => self.registry.match_query(query),
        };
        let info = matched.as_ref().map(|m| m.info());
        let routed = self.router.decide(
            query,
            mode,
            namespace,
            info.as_ref(),
            &Written { store: &*self.store, namespace, generation },
            &downstream_state(&self.downstream),
        );
        let (mut decision, no_answer) = (routed.routing, routed.no_answer);
        let (pattern, captures) = match matched {
            Some(m) => (m.pattern, m.captures),
            None => (self.registry.fallback(decision.route), Captures::new()),
        };
        let builtin = Builtin::of(&pattern);
        let cacheable =
            cacheability(&pattern, use_cache, self.tool_caching(&pattern, builtin, &captures));
        let (ttl_s, not_cacheable) = match cacheable {
            Ok(_) if pattern.reads_memory() && generation.is_none() => {
                (None, Some("generation_unknown"))
            }
            Ok(ttl_s) => (ttl_s, None),
            Err(reason) => (None, Some(reason.as_str())),
        };
        let generation = generation.filter(|_| pattern.reads_memory());
        let key = cache_key(&KeyParts {
            query,
            mode,
            context,
            namespace,
            principal: &principal.id,
            pattern_set_version: self.registry.version(),
            pattern: &pattern.name,
            generation,
        });
        decision.cache = CacheInfo { cacheable: not_cacheable.is_none(), key: key.to_string() };
        decision.decision_time_us = t0.elapsed().as_micros() as u64;
        Plan { pattern, builtin, captures, decision, not_cacheable, no_answer, ttl_s, key }
    }

    fn record_plan(&self, plan: &Plan, mode: ExecutionMode) {
        let route = plan.decision.route;
        self.router.record(route);
        metrics::counter!(
            "pattern_route_decisions_total",
            "route" => route.as_str(),
            "mode" => mode.as_str()
        )
        .increment(1);
    }

    async fn run_with_timeout(
        &self,
        plan: &Plan,
        req: &ExecuteRequest,
    ) -> Result<Output, EngineError> {
        let after = self.config.timeouts.for_mode(req.execution_mode);
        match tokio::time::timeout(after, self.run(plan, req)).await {
            Ok(out) => out,
            // A write cut short may have reached the store all the same.
            Err(_) if plan.pattern.writes_memory() => Err(MemoryError::OutcomeUnknown {
                backend: self.store.backend(),
                reason: format!("the execution timed out after {} ms", after.as_millis()),
                keyed: req.idempotency_key.is_some(),
            }
            .into()),
            Err(_) => Err(EngineError::Timeout { mode: req.execution_mode.as_str(), after }),
        }
    }

    async fn run(&self, plan: &Plan, req: &ExecuteRequest) -> Result<Output, EngineError> {
        if let Some(no_answer) = plan.no_answer {
            return Err(no_answer_error(no_answer, &req.namespace));
        }
        match plan.pattern.pattern_type {
            PatternType::Memory => {
                let outcome = self.run_memory(plan, req).await?;
                let metadata = outcome.metadata();
                Ok(Output { result: outcome.into_result(&req.namespace), metadata })
            }
            PatternType::Infrastructure => {
                let result = self.run_infrastructure(plan, req).await?;
                Ok(Output { result, metadata: Map::new() })
            }
            PatternType::Hybrid => {
                let memory = async {
                    self.run_memory(plan, req).await.map(|m| m.into_result(&req.namespace))
                };
                let (memory, infra) = tokio::join!(memory, self.run_infrastructure(plan, req));
                combine_hybrid(memory, infra)
            }
        }
    }

    /// The infrastructure side of a pattern.
    async fn run_infrastructure(
        &self,
        plan: &Plan,
        req: &ExecuteRequest,
    ) -> Result<Map<String, Value>, EngineError> {
        let infra = Infra {
            pool: &self.downstream,
            registry: &self.registry,
            store: &*self.store,
            cache: &self.cache,
        };
        let step = Step { pattern: &plan.pattern, builtin: plan.builtin, captures: &plan.captures };
        infra.run(&step, req).await
    }

    /// The memory side of a pattern; a new memory makes every recall cached
    /// before it stale (its namespace's generation moves on).
    async fn run_memory(
        &self,
        plan: &Plan,
        req: &ExecuteRequest,
    ) -> Result<MemoryOutcome, EngineError> {
        let outcome =
            path::memory::run(&**self.store(), &plan.pattern, &plan.captures, req).await?;
        if outcome.wrote() {
            self.cache.record_memory_write(&req.namespace).await;
        }
        Ok(outcome)
    }

    /// An output with the tokens of the answer text it shares with every
    /// answer built from it ([`stable_text`]) counted once here. The cache
    /// keeps it, so a hit tokenises only the text around that part; an
    /// uncached answer is packed the same way, so its count tokenises the
    /// result alone and looks up the recurring pieces around it.
    fn pack_counted(&self, out: Output) -> Arc<CachedResult> {
        let stable = stable_text(&out.result);
        let counted = CountedText { bytes: stable.len(), tokens: self.tokens.count(&stable) };
        Arc::new(CachedResult { counted: Some(counted), ..out.into() })
    }

    /// Sets `answer.tokens_used` to the tokens of the answer as the client
    /// receives it (compact JSON, this number included) and returns it.
    /// `stable` is the count a cache entry keeps of its [`stable_text`]: then
    /// only the text around it is tokenised; the sum is exact, since both
    /// ends of that text are additive cuts (checked, else all is counted).
    fn count_answer(&self, answer: &mut ExecutionResult, stable: Option<CountedText>) -> u64 {
        answer.tokens_used = 0;
        let text = serde_json::to_string(&*answer).unwrap_or_default();
        let base = match stable.filter(|_| answer.success) {
            // The first `,"result":` is the field: the fields before it are
            // strings, where a quote is always escaped, and a bool.
            Some(part) => match text.find(STABLE_START) {
                Some(start)
                    if start
                        .checked_add(part.bytes)
                        .and_then(|end| text.get(start..end))
                        .is_some_and(|s| s.ends_with(STABLE_END)) =>
                {
                    self.tokens.count_around(&text, start, part)
                }
                _ => self.tokens.count(&text),
            },
            None => self.tokens.count(&text),
        };
        answer.tokens_used = self_counting_total(base);
        answer.tokens_used
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        request_id: String,
        plan: Plan,
        explain: bool,
        outcome: Result<Arc<CachedResult>, EngineError>,
        tier: Option<CacheTier>,
        mut metadata: Map<String, Value>,
        started: Instant,
    ) -> ExecutionResult {
        let pattern = Arc::clone(&plan.pattern);
        let mut stable = None;
        let (success, result, error) = match outcome {
            Ok(entry) => {
                // Owned when nothing else holds it (an uncached execution);
                // a hit shares the entry, and its parts are copied.
                let entry = Arc::unwrap_or_clone(entry);
                stable = entry.counted;
                metadata.extend(entry.metadata);
                (true, entry.result, None)
            }
            Err(e) => {
                if let EngineError::Memory(m) = &e
                    && matches!(**m, MemoryError::Unavailable { .. })
                {
                    self.memory_up.store(false, Ordering::Relaxed);
                }
                metadata.insert("error_reason".into(), json!(e.reason()));
                metadata.insert("retryable".into(), json!(e.is_retryable()));
                (false, Map::new(), Some(e.to_string()))
            }
        };
        if success && pattern.memory.is_some() {
            self.memory_up.store(true, Ordering::Relaxed);
        }
        let route = plan.decision.route;
        let mut answer = ExecutionResult {
            request_id,
            pattern_name: pattern.name.clone(),
            pattern_type: pattern.pattern_type,
            success,
            result,
            error,
            execution_time_ms: 0.0,
            tokens_used: 0,
            cache_hit: tier.is_some(),
            cache_tier: tier,
            routing: RoutingView::new(plan.decision, explain),
            metadata,
        };
        let elapsed = started.elapsed();
        answer.execution_time_ms = elapsed.as_secs_f64() * 1000.0;
        // What the client receives is this result as compact JSON (the text
        // content beside structuredContent), so that is what is counted.
        let tokens = self.count_answer(&mut answer, stable);
        let execution_time_ms = answer.execution_time_ms;
        let outcome_label = if success { "success" } else { "error" };

        self.stats.record(Outcome {
            pattern: &pattern.name,
            pattern_type: pattern.pattern_type,
            success,
            latency_us: elapsed.as_micros() as u64,
            tokens,
        });
        if success && tier.is_none() {
            self.router.observe(&pattern.name, route, tokens, execution_time_ms);
        }
        let type_label = pattern.pattern_type.as_str();
        metrics::counter!(
            "pattern_executions_total",
            "pattern_type" => type_label,
            "pattern" => pattern.name.clone(),
            "outcome" => outcome_label
        )
        .increment(1);
        metrics::histogram!("pattern_execution_duration_seconds", "pattern_type" => type_label)
            .record(elapsed.as_secs_f64());
        metrics::counter!("pattern_tokens_total", "pattern_type" => type_label).increment(tokens);
        tracing::info!(
            target: "pattern_mcp::execution",
            request_id = %answer.request_id,
            pattern = %pattern.name,
            route = route.as_str(),
            cache_tier = tier.map(CacheTier::as_str).unwrap_or("none"),
            duration_ms = execution_time_ms,
            tokens,
            outcome = outcome_label,
            error = answer.error.as_deref().unwrap_or(""),
            "execution"
        );
        answer
    }

    fn record_cache_metrics(&self, plan: &Plan, tier: Option<CacheTier>) {
        if !plan.decision.cache.cacheable {
            return;
        }
        // One count per lookup: a hit under the tier that answered, a miss
        // under the last tier asked.
        let shared = self.cache.has_shared_tier();
        let (label, result) = match tier {
            Some(CacheTier::Redis) => ("redis", "hit"),
            Some(CacheTier::Local) => ("local", "hit"),
            None if shared => ("redis", "miss"),
            None => ("local", "miss"),
        };
        metrics::counter!("pattern_cache_requests_total", "tier" => label, "result" => result)
            .increment(1);
        if shared {
            self.record_shared_tier_state();
        }
    }

    /// `pattern_redis_configured` and `pattern_redis_up` as they are now: set
    /// on every cached lookup, and by `/readyz` on every probe.
    pub fn record_shared_tier_state(&self) {
        let configured = self.cache.has_shared_tier();
        let up = self.cache.shared_tier_available();
        metrics::gauge!("pattern_redis_configured").set(f64::from(u8::from(configured)));
        metrics::gauge!("pattern_redis_up").set(f64::from(u8::from(up)));
    }

    /// True when results are shared with other instances (a Redis tier is
    /// configured), whether or not it answers right now.
    pub fn shares_cache(&self) -> bool {
        self.cache.has_shared_tier()
    }

    /// True while the shared tier answers; false without one.
    pub fn shared_cache_available(&self) -> bool {
        self.cache.shared_tier_available()
    }

    fn request_id(&self) -> String {
        let n = self.next_request.fetch_add(1, Ordering::Relaxed);
        format!("{:08x}-{n:012x}", self.instance_tag)
    }

    #[cfg(test)]
    pub(crate) fn tokens(&self) -> &TokenCounter {
        &self.tokens
    }
}

impl Engine {
    /// What decides the caching of the downstream tool a pattern calls (its
    /// annotation, the operator's settings); `None` when it calls no tool. A
    /// tool not (yet) listed by a connected server counts as side-effecting.
    /// `call_tool` names its tool in the `tool` capture (`plan` puts
    /// `context.tool` there), resolved as the call will resolve it; a tool
    /// that cannot be resolved is an unknown, uncacheable one.
    fn tool_caching(
        &self,
        pattern: &PatternDefinition,
        builtin: Option<Builtin>,
        captures: &Captures,
    ) -> Option<ToolCaching> {
        if let Some(tool) = &pattern.tool {
            return Some(self.downstream.tool_caching(&tool.server, &tool.name));
        }
        if builtin != Some(Builtin::CallTool) {
            return None;
        }
        Some(
            match captures.get("tool").and_then(|named| resolve_tool(&self.downstream, named).ok())
            {
                Some((server, tool)) => self.downstream.tool_caching(&server, &tool),
                None => ToolCaching::default(),
            },
        )
    }
}

/// What the router learns about memory: the store's own counters, or a
/// generation above zero for the request's namespace. With a shared tier that
/// generation is the one in Redis, so a namespace another instance wrote to
/// counts too; without one it is this process's, which the counters know anyway.
struct Written<'a> {
    store: &'a dyn MemoryStore,
    namespace: &'a str,
    generation: Option<u64>,
}

impl MemoryAvailability for Written<'_> {
    fn has_memories(&self, namespace: &str) -> bool {
        self.store.has_memories(namespace)
            || (namespace == self.namespace && self.generation.is_some_and(|g| g > 0))
    }
}

/// What the router learns about the downstream side: from the pool's own
/// state, never by calling a server.
fn downstream_state(pool: &DownstreamPool) -> DownstreamState {
    if pool.is_empty() {
        DownstreamState::NotConfigured
    } else if pool.status().iter().any(|s| s.connected || (s.enabled && s.last_error.is_none())) {
        // A server still on its first start counts: a call waits for its
        // session, so a request in a process's first second (a one-shot
        // `exec`) is not sent to memory for want of a server.
        DownstreamState::Connected
    } else {
        DownstreamState::NotConnected
    }
}

/// The failure of a request no path can answer, saying what to configure.
fn no_answer_error(no_answer: NoAnswer, namespace: &str) -> EngineError {
    let namespace = namespace.to_owned();
    match no_answer {
        NoAnswer::NothingAvailable { downstream } => EngineError::NothingToAnswer {
            namespace,
            configured: downstream != DownstreamState::NotConfigured,
        },
        NoAnswer::NoContent => EngineError::NoContent { namespace },
    }
}

/// Least role a pattern needs: its own `min_role`, raised to `agent` for
/// anything that writes memory or may call a side-effecting tool.
fn required_role(pattern: &PatternDefinition, builtin: Option<Builtin>) -> Role {
    let side_effects =
        pattern.writes_memory() || pattern.tool.is_some() || builtin == Some(Builtin::CallTool);
    let floor = if side_effects { Role::Agent } else { Role::Readonly };
    pattern.min_role.map_or(floor, |r| r.max(floor))
}

/// The `metadata` every execution result starts with: the namespace, and
/// with `explain` the mode, the caller and why the result was not cached.
fn execution_metadata(
    req: &ExecuteRequest,
    principal: &Principal,
    plan: &Plan,
) -> Map<String, Value> {
    let mut metadata = Map::new();
    metadata.insert("namespace".into(), json!(req.namespace));
    if req.explain {
        metadata.insert("mode".into(), json!(req.execution_mode));
        metadata.insert("principal".into(), json!(principal.id));
        if let Some(reason) = plan.not_cacheable {
            metadata.insert("not_cached_because".into(), json!(reason));
        }
    }
    metadata
}

fn authorize(plan: &Plan, principal: &Principal, namespace: &str) -> Result<(), EngineError> {
    let pattern = &plan.pattern;
    if !principal.may_use_namespace(namespace) {
        return Err(EngineError::NamespaceForbidden { namespace: namespace.to_owned() });
    }
    let required = required_role(pattern, plan.builtin);
    if principal.role < required {
        return Err(EngineError::Forbidden {
            pattern: pattern.name.clone(),
            required,
            actual: principal.role,
        });
    }
    Ok(())
}

/// Hybrid: both sides ran concurrently; the result succeeds if either did,
/// and `metadata` says which side failed and why.
fn combine_hybrid(
    memory: Result<Map<String, Value>, EngineError>,
    infra: Result<Map<String, Value>, EngineError>,
) -> Result<Output, EngineError> {
    let side = |r: &Result<Map<String, Value>, EngineError>| match r {
        Ok(_) => json!({"available": true}),
        Err(e) => json!({"available": false, "error": e.to_string(), "reason": e.reason()}),
    };
    let mut metadata = Map::new();
    metadata.insert("memory".into(), side(&memory));
    metadata.insert("infrastructure".into(), side(&infra));
    match (memory, infra) {
        (Err(m), Err(_)) => Err(m),
        (memory, infra) => {
            let mut result = Map::new();
            result.insert("memory".into(), memory.map(Value::Object).unwrap_or(Value::Null));
            result.insert("infrastructure".into(), infra.map(Value::Object).unwrap_or(Value::Null));
            Ok(Output { result, metadata })
        }
    }
}

fn instance_tag() -> u32 {
    use std::hash::{BuildHasher, RandomState};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    RandomState::new().hash_one((nanos, std::process::id())) as u32
}

#[cfg(test)]
mod tests;
