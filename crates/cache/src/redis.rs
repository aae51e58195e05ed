//! The Redis (L2) tier through fred: entries, cross-instance leases and memory generations shared by every instance, and a health flag that reconnects in the background.
//!
//! Layout under [`RedisConfig::key_prefix`] (default `pattern-mcp:`), each
//! key after the value-format version `v1:`:
//! - `r:<cache key>`: a cached result, [`codec`]-encoded, with a TTL of
//!   `min(shared TTL, the result's own TTL)` (the cache hands `put` the
//!   effective TTL). The cache key is the MD5 of everything that makes two
//!   requests the same, the pattern-set version and the key-encoding
//!   version included, so a reload or another release never reads old
//!   entries; a change of the value format bumps `v1`.
//! - `g:<namespace>`: the namespace's memory generation (`INCR` on write).
//! - `l:<cache key>`: a lease (`SET NX PX`) held by the instance computing
//!   that key.
//! - channel `i`: the invalidation link (see [`link`]).
//!
//! Every call is bounded by [`RedisConfig::timeout`]. While the connection
//! is down, or after [`BREAKER_THRESHOLD`] consecutive failures spread
//! over at least [`BREAKER_SPAN`] (for [`BREAKER_COOLDOWN`]), calls fail at
//! once without touching the network;
//! fred reconnects in the background, with exponential backoff, and the
//! tier comes back by itself.

mod codec;
mod link;

use std::collections::HashSet;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::entry::CachedResult;
use fred::prelude::{
    Builder, Client, ClientLike, Config, EventInterface, Expiration, KeysInterface,
    PubsubInterface, ReconnectPolicy, SetOptions, TlsConnector,
};
use futures::StreamExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::CacheError;
use crate::shared::{Bumped, Coherence, SharedEntry, SharedGenerations, SharedTier, TierFuture};
use link::{EndWrite, LinkState};

/// Consecutive failed calls after which the tier stops trying for
/// [`BREAKER_COOLDOWN`], once they also span [`BREAKER_SPAN`]: a paused or
/// overloaded Redis then costs requests nothing instead of a timeout each.
pub const BREAKER_THRESHOLD: u32 = 3;
/// How long the failures in a row must have lasted before the breaker
/// opens. Calls in flight together on a saturated host can all time out in
/// the same millisecond; without this, one such burst turned the tier off
/// for a whole cooldown, and strict recalls ran uncached for that second.
/// A Redis that is really down or paused keeps failing past it.
pub const BREAKER_SPAN: Duration = Duration::from_millis(100);
/// How long the tier stays off after [`BREAKER_THRESHOLD`] failures; the
/// first call after it is the probe.
pub const BREAKER_COOLDOWN: Duration = Duration::from_secs(1);

/// URL schemes the tier accepts: standalone, Cluster and Sentinel, each in
/// plain and TLS form (fred takes other spellings that mean the same).
const SCHEMES: [&str; 6] =
    ["redis", "rediss", "redis-cluster", "rediss-cluster", "redis-sentinel", "rediss-sentinel"];

/// Settings of the Redis tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisConfig {
    /// `redis://`, `rediss://` (TLS), `redis-sentinel://…?sentinelServiceName=…`
    /// or `redis-cluster://…` (and their `rediss-` forms), as fred parses them.
    pub url: String,
    /// PEM file of the certificate authorities to trust for TLS instead of
    /// the system's: for a Redis whose certificate a private CA signed.
    pub tls_ca: Option<PathBuf>,
    /// Start of every key and channel name: lets deployments (and tests)
    /// share one Redis without seeing each other's entries.
    pub key_prefix: String,
    /// Longest any Redis call may take before it counts as failed and the
    /// request carries on without it.
    pub timeout: Duration,
    /// First and longest pause between reconnection attempts.
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
    /// How often this instance checks its invalidation link with a
    /// heartbeat; five of them make the staleness bound.
    pub heartbeat: Duration,
    /// Whether a recall's lookup reads its namespace's generation from Redis
    /// (strict, the default: never stale, one round trip) or trusts the
    /// invalidation link (bounded: no round trip, stale for at most
    /// [`staleness_bound`](Self::staleness_bound)).
    pub coherence: Coherence,
}

impl RedisConfig {
    /// The defaults for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            tls_ca: None,
            key_prefix: "pattern-mcp:".into(),
            timeout: Duration::from_millis(5),
            reconnect_min: Duration::from_millis(50),
            reconnect_max: Duration::from_secs(2),
            heartbeat: Duration::from_millis(100),
            coherence: Coherence::Strict,
        }
    }

    /// Longest time after a memory write completes during which another
    /// instance may still serve a recall cached before it (see `src/redis/link.rs`).
    pub fn staleness_bound(&self) -> Duration {
        self.heartbeat * 5
    }
}

/// The Redis tier. Build it with [`RedisTier::connect`] and hand it to
/// [`ResultCache::with_shared_tier`](crate::ResultCache::with_shared_tier).
pub struct RedisTier {
    inner: Arc<Inner>,
    tasks: Vec<JoinHandle<()>>,
}

struct Inner {
    client: Client,
    /// A second connection, in subscribe mode for the invalidation link.
    subscriber: Client,
    names: Names,
    timeout: Duration,
    /// Bound of the link's own publishes (acknowledgements): a heartbeat.
    link_timeout: Duration,
    coherence: Coherence,
    health: Health,
    link: LinkState,
    /// Counts the losses and re-establishments of the main connection
    /// ([`SharedTier::epoch`]).
    epoch: AtomicU64,
    /// Writes that settled only at their deadline.
    waited_out: AtomicU64,
    /// Namespaces whose write is not yet counted and announced in Redis:
    /// until it is, this instance vouches for no generation of theirs.
    unannounced: Mutex<HashSet<String>>,
}

/// Key and channel names.
struct Names {
    entries: String,
    generations: String,
    leases: String,
    channel: String,
}

/// Consecutive failures and the circuit breaker.
struct Health {
    failures: AtomicU32,
    /// Nanoseconds since `started` of the first failure in the current run
    /// of failures (0: no run).
    failing_since: AtomicU64,
    /// Nanoseconds since `started` until which calls fail at once (0: closed).
    open_until: AtomicU64,
    started: Instant,
}

impl std::fmt::Debug for RedisTier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTier")
            .field("prefix", &self.inner.names.channel)
            .field("available", &self.is_available())
            .finish_non_exhaustive()
    }
}

impl RedisTier {
    /// Starts connecting to the Redis at `config.url` and returns at once:
    /// a Redis that is down at start only makes the tier unavailable until
    /// it comes up. Must run inside a tokio runtime.
    ///
    /// Fails only on a configuration error (a URL fred cannot parse, an
    /// unreadable CA file), with the reason.
    pub fn connect(config: &RedisConfig) -> Result<Self, CacheError> {
        let invalid = |what: &str, e: &dyn std::fmt::Display| {
            CacheError::InvalidConfig(format!("redis {what}: {e}"))
        };
        let scheme = config.url.split_once("://").map_or("", |(scheme, _)| scheme);
        if !SCHEMES.contains(&scheme) {
            let expected = SCHEMES.join("://, ");
            return Err(invalid("url", &format!("expected one of {expected}://")));
        }
        let mut fred_config = Config::from_url(&config.url).map_err(|e| invalid("url", &e))?;
        // fred's reconnection policy covers connections that were up; the
        // first attempt is made at once and retried by `keep_connecting`,
        // since a Redis down at start is a degraded tier, not a failed start.
        fred_config.fail_fast = true;
        if let Some(ca) = &config.tls_ca {
            let Some(tls) = fred_config.tls.as_mut() else {
                return Err(invalid("tls_ca", &"needs a rediss:// URL"));
            };
            tls.connector = tls_connector(ca).map_err(|e| invalid("tls_ca", &e))?;
        }
        let millis = |d: Duration| u32::try_from(d.as_millis()).unwrap_or(u32::MAX).max(1);
        let policy = ReconnectPolicy::new_exponential(
            0,
            millis(config.reconnect_min),
            millis(config.reconnect_max),
            2,
        );
        let mut builder = Builder::from_config(fred_config);
        builder
            .set_policy(policy)
            .with_connection_config(|c| {
                // Commands are never retried inline: a failure is a miss.
                c.max_command_attempts = 1;
                // Bounds the memory of commands queued while reconnecting.
                c.max_command_buffer_len = 10_000;
                // Names the connections in `CLIENT LIST` after the fred id.
                c.auto_client_setname = true;
                c.connection_timeout = Duration::from_secs(2);
                // Small requests and pipelines must not wait for Nagle.
                c.tcp.nodelay = Some(true);
            })
            .with_performance_config(|p| {
                // fred's own bound, for commands still queued after this
                // tier stopped waiting for them.
                p.default_command_timeout = Duration::from_secs(1);
            });
        let client = builder.build().map_err(|e| invalid("client", &e))?;
        let subscriber = client.clone_new();

        let p = &config.key_prefix;
        let names = Names {
            entries: format!("{p}v1:r:"),
            generations: format!("{p}v1:g:"),
            leases: format!("{p}v1:l:"),
            channel: format!("{p}v1:i"),
        };
        let instance = format!("{:016x}", instance_id());
        let inner = Arc::new(Inner {
            client,
            subscriber,
            names,
            timeout: config.timeout,
            link_timeout: config.heartbeat,
            coherence: config.coherence,
            health: Health::new(),
            link: LinkState::new(instance, config.staleness_bound()),
            epoch: AtomicU64::new(0),
            waited_out: AtomicU64::new(0),
            unannounced: Mutex::new(HashSet::new()),
        });

        let tasks = vec![
            tokio::spawn(watch_link(Arc::clone(&inner))),
            tokio::spawn(read_link(Arc::clone(&inner))),
            tokio::spawn(heartbeats(Arc::clone(&inner), config.heartbeat)),
            tokio::spawn(watch_connection(Arc::clone(&inner))),
        ];
        let backoff = (config.reconnect_min, config.reconnect_max);
        let mut tasks = tasks;
        tasks.push(tokio::spawn(keep_connecting(inner.client.clone(), backoff)));
        tasks.push(tokio::spawn(keep_connecting(inner.subscriber.clone(), backoff)));
        Ok(Self { inner, tasks })
    }

    /// How many of this instance's writes settled only when their deadline
    /// came, not on acknowledgements (a peer that died or cannot hear the
    /// channel, or a link re-established within the window).
    pub fn writes_waited_out(&self) -> u64 {
        self.inner.waited_out.load(Ordering::Relaxed)
    }

    /// The name of this instance's invalidation-link connection in Redis's
    /// `CLIENT LIST`.
    pub fn link_name(&self) -> String {
        self.inner.subscriber.id().to_string()
    }

    /// Counts the times the invalidation link was lost or re-established,
    /// each of which made this instance forget every generation it knew.
    pub fn link_resets(&self) -> watch::Receiver<u64> {
        self.inner.link.resets()
    }

    /// True while the invalidation link is trusted (see `src/redis/link.rs`): recalls
    /// then need no Redis read for a generation this instance knows.
    pub fn link_trusted(&self) -> bool {
        self.inner.link.trusted()
    }
}

impl Drop for RedisTier {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let inner = Arc::clone(&self.inner);
            runtime.spawn(async move {
                let _ = inner.subscriber.quit().await;
                let _ = inner.client.quit().await;
            });
        }
    }
}

/// A fresh random-enough id per tier: heartbeats of two instances must
/// never be taken for each other.
fn instance_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    hasher.write_u32(std::process::id());
    hasher.finish()
}

fn tls_connector(ca: &std::path::Path) -> Result<TlsConnector, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).map_err(|e| format!("{}: {e}", ca.display()))? {
        let cert = cert.map_err(|e| format!("{}: {e}", ca.display()))?;
        roots.add(cert).map_err(|e| format!("{}: {e}", ca.display()))?;
    }
    if roots.is_empty() {
        return Err(format!("{}: no certificate in the file", ca.display()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(config))
}

impl Health {
    fn new() -> Self {
        Self {
            failures: AtomicU32::new(0),
            failing_since: AtomicU64::new(0),
            open_until: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX).max(1)
    }

    fn is_open(&self) -> bool {
        self.open_until.load(Ordering::Acquire) > self.now()
    }

    fn succeeded(&self) {
        self.failures.store(0, Ordering::Release);
        self.failing_since.store(0, Ordering::Release);
    }

    fn failed(&self) {
        self.failed_at(self.now());
    }

    /// Counts a failure at `now` (nanoseconds since `started`, never 0) and
    /// opens the breaker when the run of failures is both long enough and
    /// old enough.
    fn failed_at(&self, now: u64) {
        // The first failure of a run starts its clock; later ones keep it.
        let _ = self.failing_since.compare_exchange(0, now, Ordering::AcqRel, Ordering::Acquire);
        let failures = self.failures.fetch_add(1, Ordering::AcqRel) + 1;
        let since = self.failing_since.load(Ordering::Acquire);
        let span = u64::try_from(BREAKER_SPAN.as_nanos()).unwrap_or(u64::MAX);
        if failures >= BREAKER_THRESHOLD && now.saturating_sub(since) >= span {
            let until = now + u64::try_from(BREAKER_COOLDOWN.as_nanos()).unwrap_or(u64::MAX);
            self.open_until.store(until, Ordering::Release);
            self.succeeded();
            tracing::debug!(?BREAKER_COOLDOWN, "redis tier failing; pausing it");
        }
    }
}

impl Inner {
    fn available(&self) -> bool {
        self.client.is_connected() && !self.health.is_open()
    }

    /// Runs one call within the timeout, unless the tier is known to be down.
    async fn call<T>(
        &self,
        call: impl Future<Output = Result<T, fred::error::Error>>,
    ) -> Result<T, CacheError> {
        if !self.available() {
            return Err(CacheError::Unavailable("redis is not connected".into()));
        }
        let outcome = match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(CacheError::Unavailable(error.to_string())),
            Err(_elapsed) => Err(CacheError::Timeout(self.timeout)),
        };
        match &outcome {
            Ok(_) => self.health.succeeded(),
            Err(_) => self.health.failed(),
        }
        outcome
    }

    fn unannounced(&self) -> MutexGuard<'_, HashSet<String>> {
        self.unannounced.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Fails while a write of this instance in `namespace` is not counted in
    /// Redis: the generation there is behind, and must not be vouched for.
    fn refuse_unannounced(&self, namespace: &str) -> Result<(), CacheError> {
        if self.unannounced().contains(namespace) {
            return Err(CacheError::Unavailable(
                "a memory write in this namespace is not yet announced".into(),
            ));
        }
        Ok(())
    }

    /// `INCR` and announce, in one round trip: the new generation and the
    /// write's number (which [`LinkState::end_write`] must forget).
    async fn announce(&self, namespace: &str) -> Result<Bumped, CacheError> {
        let key = format!("{}{namespace}", self.names.generations);
        let (write, message) = self.link.begin_write(namespace);
        // Failed or cancelled, the write is forgotten; announced, it is
        // kept for the caller.
        let end = EndWrite(&self.link, write);
        let pipeline = self.client.pipeline();
        let generation = self
            .call(async {
                let () = pipeline.incr(&key).await?;
                let () = pipeline.publish(&self.names.channel, message).await?;
                let (generation, _receivers): (u64, u64) = pipeline.all().await?;
                Ok(generation)
            })
            .await?;
        std::mem::forget(end);
        self.link.forget(namespace);
        Ok(Bumped { generation, write })
    }
}

/// Makes the first connection, retrying with backoff until it succeeds;
/// after that, fred reconnects by itself, by the tier's policy.
async fn keep_connecting(client: Client, (min, max): (Duration, Duration)) {
    let mut pause = min;
    loop {
        match client.connect().await {
            // The connection task ended without error: `quit` was called.
            Ok(Ok(())) => return,
            Ok(Err(error)) => tracing::debug!(%error, ?pause, "redis tier: cannot connect yet"),
            Err(error) => tracing::debug!(%error, "redis tier: connection task failed"),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(max);
    }
}

/// Follows the subscription's connection: every loss or reconnection
/// resets the link; every reconnection subscribes again.
async fn watch_link(inner: Arc<Inner>) {
    let mut reconnects = inner.subscriber.reconnect_rx();
    let mut errors = inner.subscriber.error_rx();
    loop {
        tokio::select! {
            event = reconnects.recv() => {
                if matches!(event, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                    return;
                }
                inner.link.reset();
                // Until this succeeds no heartbeat comes back, so the link
                // stays untrusted; a failure is retried on the next event or
                // by `heartbeats`.
                if let Err(error) = inner.subscriber.subscribe(inner.names.channel.as_str()).await {
                    tracing::debug!(%error, "redis invalidation link: subscribe failed");
                }
            }
            event = errors.recv() => {
                if matches!(event, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                    return;
                }
                inner.link.reset();
            }
        }
    }
}

/// Moves the epoch on every loss or re-establishment of the main
/// connection: a Redis that restarted without its data restarts the
/// generations too, and keys built before may be built again. While Redis
/// stays down fred reports every failed attempt to reconnect; only the first
/// error after the connection was up is a loss, so the local tier is not
/// dropped again and again during an outage.
async fn watch_connection(inner: Arc<Inner>) {
    use tokio::sync::broadcast::error::RecvError;
    let mut reconnects = inner.client.reconnect_rx();
    let mut errors = inner.client.error_rx();
    let mut connected = inner.client.is_connected();
    loop {
        let moved = tokio::select! {
            event = reconnects.recv() => match event {
                Err(RecvError::Closed) => return,
                _ => {
                    connected = true;
                    true
                }
            },
            event = errors.recv() => match event {
                Err(RecvError::Closed) => return,
                _ => std::mem::replace(&mut connected, false),
            },
        };
        if moved {
            inner.epoch.fetch_add(1, Ordering::AcqRel);
        }
    }
}

/// Hands every message of the channel to the link state.
async fn read_link(inner: Arc<Inner>) {
    let mut messages = inner.subscriber.message_rx();
    loop {
        match messages.recv().await {
            Ok(message) => {
                if message.channel.as_bytes() == inner.names.channel.as_bytes()
                    && let Some(text) = message.value.as_str()
                    && let Some(ack) = inner.link.on_message(&text)
                {
                    // Sent after the namespace was forgotten here; not
                    // awaited, so the link reads on. Not through `call`: a
                    // lost acknowledgement only makes the writer wait longer.
                    let client = inner.client.clone();
                    let channel = inner.names.channel.clone();
                    let timeout = inner.link_timeout;
                    tokio::spawn(async move {
                        let _ =
                            tokio::time::timeout(timeout, client.publish::<(), _, _>(channel, ack))
                                .await;
                    });
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                // Announcements were dropped on the floor: forget everything.
                tracing::debug!(missed, "redis invalidation link lagged");
                inner.link.reset();
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Publishes this instance's heartbeats, and retries the announcements of
/// writes that Redis did not take.
async fn heartbeats(inner: Arc<Inner>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let message = inner.link.heartbeat();
        // Not through `call`: a missed heartbeat must not trip the breaker
        // for the requests, and its failure is what the link measures.
        if inner.client.is_connected() {
            let publish = inner.client.publish::<(), _, _>(inner.names.channel.as_str(), message);
            let _ = tokio::time::timeout(every, publish).await;
        }
        if inner.subscriber.is_connected() && !inner.link.trusted() {
            // Covers a subscribe that failed after a reconnection.
            let subscribe = inner.subscriber.subscribe(inner.names.channel.as_str());
            let _ = tokio::time::timeout(every, subscribe).await;
        }
        let pending: Vec<String> = inner.unannounced().iter().cloned().collect();
        for namespace in pending {
            if let Ok(bumped) = inner.announce(&namespace).await {
                // Nobody waits for a write announced late.
                inner.link.end_write(bumped.write);
                inner.unannounced().remove(&namespace);
            }
        }
    }
}

impl SharedTier for RedisTier {
    fn get<'a>(&'a self, key: &'a str) -> TierFuture<'a, Option<SharedEntry>> {
        Box::pin(async move {
            let inner = &self.inner;
            let key = format!("{}{key}", inner.names.entries);
            let pipeline = inner.client.pipeline();
            let (bytes, ttl_ms): (Option<Vec<u8>>, i64) = inner
                .call(async {
                    let () = pipeline.get(&key).await?;
                    let () = pipeline.pttl(&key).await?;
                    pipeline.all().await
                })
                .await?;
            entry(bytes, ttl_ms)
        })
    }

    /// One pipeline: the generation, the entry and its TTL. In a Cluster the
    /// generation may live on another node; fred sends each command to its
    /// node and the round trips overlap.
    fn get_checked<'a>(
        &'a self,
        key: &'a str,
        namespace: &'a str,
    ) -> TierFuture<'a, (Option<SharedEntry>, u64)> {
        Box::pin(async move {
            let inner = &self.inner;
            inner.refuse_unannounced(namespace)?;
            let generation_key = format!("{}{namespace}", inner.names.generations);
            let key = format!("{}{key}", inner.names.entries);
            let token = inner.link.before_fetch();
            let pipeline = inner.client.pipeline();
            let (generation, bytes, ttl_ms): (Option<u64>, Option<Vec<u8>>, i64) = inner
                .call(async {
                    let () = pipeline.get(&generation_key).await?;
                    let () = pipeline.get(&key).await?;
                    let () = pipeline.pttl(&key).await?;
                    pipeline.all().await
                })
                .await?;
            let generation = generation.unwrap_or(0);
            inner.link.remember(token, namespace, generation);
            Ok((entry(bytes, ttl_ms)?, generation))
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: Arc<CachedResult>,
        ttl: Duration,
    ) -> TierFuture<'a, ()> {
        Box::pin(async move {
            let inner = &self.inner;
            let bytes = codec::encode(&value)?;
            let key = format!("{}{key}", inner.names.entries);
            let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX).max(1);
            inner
                .call(inner.client.set::<(), _, _>(
                    key,
                    bytes.as_slice(),
                    Some(Expiration::PX(ttl_ms)),
                    None,
                    false,
                ))
                .await
        })
    }

    /// `SET PX` and `DEL` of the lease in one pipeline. In a Cluster the two
    /// keys may live on different nodes, so the lease may go first: at worst
    /// another instance computes the value again, which a lease only avoids.
    fn put_releasing<'a>(
        &'a self,
        key: &'a str,
        value: Arc<CachedResult>,
        ttl: Duration,
    ) -> TierFuture<'a, ()> {
        Box::pin(async move {
            let inner = &self.inner;
            let bytes = codec::encode(&value)?;
            let entry = format!("{}{key}", inner.names.entries);
            let lease = format!("{}{key}", inner.names.leases);
            let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX).max(1);
            let pipeline = inner.client.pipeline();
            inner
                .call(async {
                    let () = pipeline
                        .set(&entry, bytes.as_slice(), Some(Expiration::PX(ttl_ms)), None, false)
                        .await?;
                    let () = pipeline.del(&lease).await?;
                    let _: ((), i64) = pipeline.all().await?;
                    Ok(())
                })
                .await
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> TierFuture<'a, ()> {
        Box::pin(async move {
            let inner = &self.inner;
            let key = format!("{}{key}", inner.names.entries);
            inner.call(inner.client.del::<(), _>(key)).await
        })
    }

    /// Starts deleting every entry under the prefix in the background (a
    /// `SCAN` takes longer than any request should wait) and returns.
    /// Generations and leases stay: they are not entries.
    fn clear(&self) -> TierFuture<'_, ()> {
        Box::pin(async move {
            let inner = Arc::clone(&self.inner);
            if !inner.available() {
                return Err(CacheError::Unavailable("redis is not connected".into()));
            }
            tokio::spawn(async move {
                let pattern = format!("{}*", inner.names.entries);
                let mut keys = inner.client.scan_cluster_buffered(pattern, Some(500), None);
                let mut deleted = 0u64;
                while let Some(key) = keys.next().await {
                    match key {
                        Ok(key) => {
                            if inner.client.unlink::<u64, _>(key).await.is_ok() {
                                deleted += 1;
                            }
                        }
                        Err(error) => {
                            tracing::warn!(%error, deleted, "redis tier: clearing stopped");
                            return;
                        }
                    }
                }
                tracing::debug!(deleted, "redis tier cleared");
            });
            Ok(())
        })
    }

    fn is_available(&self) -> bool {
        self.inner.available()
    }

    fn epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::Acquire)
    }

    fn try_lease<'a>(&'a self, key: &'a str, hold: Duration) -> TierFuture<'a, bool> {
        Box::pin(async move {
            let inner = &self.inner;
            let key = format!("{}{key}", inner.names.leases);
            let hold_ms = i64::try_from(hold.as_millis()).unwrap_or(i64::MAX).max(1);
            let set: Option<String> = inner
                .call(inner.client.set(
                    key,
                    inner.link.instance(),
                    Some(Expiration::PX(hold_ms)),
                    Some(SetOptions::NX),
                    false,
                ))
                .await?;
            Ok(set.is_some())
        })
    }

    /// Deletes the lease. If it ran out and another instance took it
    /// meanwhile, that one's lease goes too: at worst a third instance
    /// computes the same value, which a lease only avoids, never forbids.
    fn release_lease<'a>(&'a self, key: &'a str) -> TierFuture<'a, ()> {
        Box::pin(async move {
            let inner = &self.inner;
            let key = format!("{}{key}", inner.names.leases);
            inner.call(inner.client.del::<(), _>(key)).await
        })
    }

    fn generations(&self) -> Option<&dyn SharedGenerations> {
        Some(self)
    }
}

/// A stored value and its `PTTL`, as the tier hands it out.
fn entry(bytes: Option<Vec<u8>>, ttl_ms: i64) -> Result<Option<SharedEntry>, CacheError> {
    let Some(bytes) = bytes else { return Ok(None) };
    let value = codec::decode(&bytes)?;
    // -1 (no expiry) cannot happen for keys this tier writes; treat it like
    // -2 (gone meanwhile): nothing to promote for long.
    let ttl_left = Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(0));
    Ok(Some(SharedEntry { value: Arc::new(value), ttl_left }))
}

impl SharedGenerations for RedisTier {
    fn coherence(&self) -> Coherence {
        self.inner.coherence
    }

    fn announcements_trusted(&self) -> bool {
        self.inner.link.trusted()
    }

    fn known(&self, namespace: &str) -> Option<u64> {
        if self.inner.unannounced().contains(namespace) {
            return None;
        }
        self.inner.link.known(namespace)
    }

    fn fetch<'a>(&'a self, namespace: &'a str) -> TierFuture<'a, u64> {
        Box::pin(async move {
            let inner = &self.inner;
            inner.refuse_unannounced(namespace)?;
            let token = inner.link.before_fetch();
            let key = format!("{}{namespace}", inner.names.generations);
            let generation: Option<u64> = inner.call(inner.client.get(key)).await?;
            let generation = generation.unwrap_or(0);
            inner.link.remember(token, namespace, generation);
            Ok(generation)
        })
    }

    fn bump<'a>(&'a self, namespace: &'a str) -> TierFuture<'a, Bumped> {
        Box::pin(async move {
            let inner = &self.inner;
            // Marked before trying, so that a call cut short by the cache's
            // timeout still leaves the namespace to the retries.
            inner.unannounced().insert(namespace.to_owned());
            inner.link.forget(namespace);
            match inner.announce(namespace).await {
                Ok(bumped) => {
                    inner.unannounced().remove(namespace);
                    Ok(bumped)
                }
                Err(error) => {
                    // A concurrent write's success may have unmarked it.
                    inner.unannounced().insert(namespace.to_owned());
                    Err(error)
                }
            }
        })
    }

    /// Waits for the acknowledgements of every instance heard on the link
    /// within its trust window when the announcement came back, or until
    /// the longest trust window has passed since now (the announcement's
    /// reply): an instance that has not acknowledged by then can no longer
    /// be trusting its link on a heartbeat from before the announcement.
    fn settle(&self, write: u64) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let started = tokio::time::Instant::now();
        Box::pin(async move {
            let link = &self.inner.link;
            // Forgets the write however the wait ends, cancelled included.
            let _end = EndWrite(link, write);
            let (longest, settled) = link.settled(write);
            let early = match settled {
                // A write dropped from the table (past `MAX_TRACKED` in
                // flight) closes its channel: that is no settlement.
                Some(mut settled) => matches!(
                    tokio::time::timeout(longest, settled.wait_for(|done| *done)).await,
                    Ok(Ok(_))
                ),
                None => false,
            };
            if !early {
                tokio::time::sleep_until(started + longest).await;
                self.inner.waited_out.fetch_add(1, Ordering::Relaxed);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nanos(duration: Duration) -> u64 {
        u64::try_from(duration.as_nanos()).unwrap()
    }

    #[test]
    fn a_burst_of_simultaneous_failures_does_not_open_the_breaker() {
        let health = Health::new();
        let at = 1;
        for _ in 0..10 * BREAKER_THRESHOLD {
            health.failed_at(at);
        }
        assert_eq!(
            health.open_until.load(Ordering::Acquire),
            0,
            "failures within one instant opened it"
        );
    }

    #[test]
    fn failures_in_a_row_that_last_the_span_open_it_for_the_cooldown() {
        let health = Health::new();
        let start = 1;
        let step = nanos(BREAKER_SPAN) / u64::from(BREAKER_THRESHOLD);
        let mut now = start;
        for _ in 0..BREAKER_THRESHOLD {
            health.failed_at(now);
            assert_eq!(health.open_until.load(Ordering::Acquire), 0, "opened before the span");
            now += step;
        }
        health.failed_at(start + nanos(BREAKER_SPAN));
        assert_eq!(
            health.open_until.load(Ordering::Acquire),
            start + nanos(BREAKER_SPAN) + nanos(BREAKER_COOLDOWN)
        );
        // Opening starts a new run: the next failure alone reopens nothing.
        assert_eq!(health.failures.load(Ordering::Acquire), 0);
        assert_eq!(health.failing_since.load(Ordering::Acquire), 0);
    }

    #[test]
    fn a_success_ends_the_run_and_its_clock() {
        let health = Health::new();
        health.failed_at(1);
        health.failed_at(2);
        health.succeeded();
        let later = 1 + nanos(BREAKER_SPAN) * 2;
        health.failed_at(later);
        health.failed_at(later + 1);
        health.failed_at(later + 2);
        assert_eq!(
            health.open_until.load(Ordering::Acquire),
            0,
            "the clock of the run before the success was kept"
        );
        health.failed_at(later + nanos(BREAKER_SPAN));
        assert!(health.open_until.load(Ordering::Acquire) > later);
    }
}
