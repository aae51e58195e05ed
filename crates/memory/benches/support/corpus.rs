//! The benchmark corpus shared by the memory store benchmarks: 100,000 realistic memories across 10 namespaces, and the questions asked of them.
//!
//! Generated from word lists (services, hosts, ports, people, decisions,
//! preferences, incidents) with a fixed seed, so every run and every
//! backend sees the same memories.

#![allow(dead_code)]

use std::time::Instant;

use pattern_core::{NewMemory, SearchQuery};
use pattern_memory::MemoryStore;

pub const MEMORIES: usize = 100_000;
pub const NAMESPACES: usize = 10;

const SERVICES: &[&str] = &[
    "billing",
    "checkout",
    "search",
    "auth",
    "payments",
    "inventory",
    "notifications",
    "reporting",
    "gateway",
    "ledger",
    "catalog",
    "shipping",
    "recommendations",
    "analytics",
    "profile",
    "sessions",
    "media",
    "export",
    "scheduler",
    "mailer",
    "webhooks",
    "pricing",
    "invoicing",
    "onboarding",
    "audit",
    "metrics",
    "logging",
    "queue",
    "identity",
    "storage",
];
const ENVS: &[&str] = &["staging", "production", "dev", "qa", "sandbox"];
const TECHS: &[&str] = &[
    "postgres",
    "redis",
    "kafka",
    "rabbitmq",
    "nginx",
    "envoy",
    "kubernetes",
    "terraform",
    "ansible",
    "grafana",
    "prometheus",
    "elasticsearch",
    "clickhouse",
    "mongodb",
    "mysql",
    "sqlite",
    "vault",
    "consul",
    "nomad",
    "docker",
    "helm",
    "argo",
    "jenkins",
    "sentry",
    "datadog",
    "cloudflare",
    "minio",
    "memcached",
    "haproxy",
    "cassandra",
];
const PEOPLE: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yara", "zoe", "omar",
    "priya", "chen", "kenji", "fatima", "lucas", "sofia", "mateo", "amara", "noah",
];
const DAYS: &[&str] =
    &["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const PREFERENCES: &[&str] = &[
    "tabs over spaces",
    "dark mode everywhere",
    "short standups",
    "async code reviews",
    "squash merges",
    "rebasing over merging",
    "small pull requests",
    "typed languages",
    "vim keybindings",
    "early morning meetings",
    "written proposals",
    "feature flags for rollouts",
    "trunk based development",
    "pairing on incidents",
    "blue green deploys",
];
const REASONS: &[&str] = &[
    "latency was too high",
    "the license changed",
    "costs doubled",
    "it lacked replication",
    "the team knows it well",
    "it scales horizontally",
    "the vendor was unresponsive",
    "we needed strong consistency",
    "memory usage was too high",
    "the migration was simpler",
    "disk filled up",
    "a certificate expired",
    "the connection pool was exhausted",
    "a config typo",
    "an upstream outage",
];
const COMPONENTS: &[&str] = &[
    "connection pool",
    "load balancer",
    "cron job",
    "message queue",
    "read replica",
    "cdn",
    "tls certificate",
    "dns record",
    "firewall rule",
    "backup job",
    "feature flag",
    "rate limiter",
    "circuit breaker",
    "search index",
    "dashboard",
    "alert rule",
];
const ROLES: &[&str] = &["db", "web", "api", "cache", "queue", "worker", "bastion", "etl"];
const REGIONS: &[&str] = &["eu-west", "us-east", "ap-south", "eu-central"];
const PORTS: &[u32] = &[5432, 5433, 6379, 9092, 8080, 8443, 3000, 9090, 27017, 3306, 5672, 11211];

/// Natural-language questions of 3 to 6 words after the stop words are dropped.
pub const QUERIES: &[&str] = &[
    "what port does the staging billing database use",
    "who owns the checkout service",
    "why did we choose kafka",
    "which host runs the auth gateway",
    "when are payments deploys frozen",
    "what does alice prefer",
    "incident in production search because of latency",
    "where is the webhooks api key stored",
    "how long are ledger backups kept",
    "who reviews the inventory load balancer",
    "redis restart schedule on cache hosts",
    "p99 latency of the notifications service in production",
    "did we migrate reporting from mysql to postgres",
    "timeout for shipping in qa",
    "who is on call on friday",
    "tls certificate rotation for mailer",
];

/// SplitMix64: a deterministic corpus without a random-number dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

fn sentence(rng: &mut Rng) -> (String, Vec<String>) {
    let service = rng.pick(SERVICES);
    let env = rng.pick(ENVS);
    let tech = rng.pick(TECHS);
    let tech2 = rng.pick(TECHS);
    let person = rng.pick(PEOPLE);
    let person2 = rng.pick(PEOPLE);
    let day = rng.pick(DAYS);
    let reason = rng.pick(REASONS);
    let component = rng.pick(COMPONENTS);
    let host = format!("{}-{:02}.{}", rng.pick(ROLES), 1 + rng.below(12), rng.pick(REGIONS));
    let port = if rng.below(3) == 0 {
        1024 + rng.below(60_000) as u32
    } else {
        PORTS[rng.below(PORTS.len())]
    };
    let n = 2 + rng.below(89);
    let (text, tags): (String, &[&str]) = match rng.below(18) {
        0 => (format!("the {env} {service} database listens on port {port}"), &["infra"]),
        1 => (format!("{service} runs on {host} behind the {component}"), &["infra"]),
        2 => (format!("we decided to use {tech} for {service} because {reason}"), &["decision"]),
        3 => (format!("{person} prefers {}", rng.pick(PREFERENCES)), &["preference", "people"]),
        4 => (format!("{person} owns the {service} service and is on call on {day}"), &["people"]),
        5 => (format!("deploys of {service} to {env} are frozen until {day}"), &["release"]),
        6 => (format!("the {component} for {service} in {env} was rotated by {person}"), &[]),
        7 => (format!("{tech} on {host} needs a restart every {n} days"), &["infra", "todo"]),
        8 => (format!("incident: {service} in {env} failed because {reason}"), &["incident"]),
        9 => (format!("the {env} {tech} cluster uses port {port} and lives on {host}"), &["infra"]),
        10 => (format!("remember to renew the {component} for {service} before {day}"), &["todo"]),
        11 => (format!("{person} said the {service} {component} should move to {tech}"), &[]),
        12 => (format!("backups of {service} run nightly on {host} and are kept {n} days"), &[]),
        13 => (
            format!("the api key for {service} is stored in {tech} under {env}/{service}"),
            &["secrets"],
        ),
        14 => (
            format!(
                "{person} and {person2} agreed that {service} should migrate from {tech} to {tech2}"
            ),
            &["decision"],
        ),
        15 => (
            format!("meeting notes: {person} will review the {service} {component} on {day}"),
            &["meeting"],
        ),
        16 => (format!("the {service} dashboard shows p99 latency of {n}0 ms in {env}"), &[]),
        _ => (format!("{service} {env} timeout is {n} seconds since the {component} change"), &[]),
    };
    (text, tags.iter().map(|t| t.to_string()).collect())
}

pub fn corpus() -> Vec<NewMemory> {
    let mut rng = Rng(0x5EED);
    (0..MEMORIES)
        .map(|i| {
            let (content, tags) = sentence(&mut rng);
            let mut memory = NewMemory::new(format!("team-{}", i % NAMESPACES), content);
            memory.tags = tags;
            memory.importance = rng.below(101) as f64 / 100.0;
            memory
        })
        .collect()
}

pub fn query(i: usize) -> SearchQuery {
    SearchQuery {
        namespace: format!("team-{}", i % NAMESPACES),
        text: QUERIES[i % QUERIES.len()].to_owned(),
        limit: 10,
        tags: Vec::new(),
    }
}

/// Every question in every namespace, five rounds, one at a time; with the
/// median of each question, slowest first.
pub async fn search_latencies(
    store: &dyn MemoryStore,
) -> (Vec<u64>, usize, Vec<(u64, &'static str)>) {
    let mut micros = Vec::new();
    let mut by_query = vec![Vec::new(); QUERIES.len()];
    let mut empty = 0;
    for round in 0..5 {
        for i in 0..QUERIES.len() * NAMESPACES {
            let q =
                SearchQuery { namespace: format!("team-{}", (i + round) % NAMESPACES), ..query(i) };
            let start = Instant::now();
            let hits = store.search(q).await.expect("search");
            let took = start.elapsed().as_micros() as u64;
            micros.push(took);
            by_query[i % QUERIES.len()].push(took);
            empty += usize::from(hits.is_empty());
        }
    }
    let mut medians: Vec<(u64, &str)> = by_query
        .iter_mut()
        .zip(QUERIES)
        .map(|(times, text)| {
            times.sort_unstable();
            (times[times.len() / 2], *text)
        })
        .collect();
    medians.sort_unstable_by(|a, b| b.cmp(a));
    (micros, empty, medians)
}
