//! Request mixes: which `execute_pattern` calls a run sends, and how often.
//!
//! A mix is a JSON file (the built-in profiles in `profiles/` are mixes too):
//!
//! ```json
//! {
//!   "description": "what the mix exercises",
//!   "namespace": "loadgen",
//!   "zipf": 1.1,
//!   "seed": [{"query": "remember that backups run at 02:00", "idempotency_key": "seed-backups"}],
//!   "requests": [
//!     {"weight": 3, "arguments": {"query": "what did we note about backups?"}},
//!     {"arguments": {"query": "remember that {run} saw {seq}", "idempotency_key": "lg-{run}-{seq}"}}
//!   ]
//! }
//! ```
//!
//! - `requests` (required, at least one): `arguments` is the `execute_pattern`
//!   argument object as sent; `weight` (default 1, positive) is its relative
//!   frequency. With `zipf: S` the weights are ignored and the entry of rank
//!   `r` (1-based, file order) gets weight `1 / r^S`.
//! - `seed`: argument objects run once per target (each stdio process, each
//!   HTTP URL) before the warm-up, in order; each must succeed. Give them
//!   `idempotency_key`s so that seeding a shared store twice writes once.
//! - `namespace`: put into every request and seed that has none (the command
//!   line's `--namespace` wins over it); default `loadgen`.
//! - In every string of `arguments` and `seed`, `{run}` becomes an id unique to
//!   the run, `{seq}` a number unique to the request within the run, and
//!   `{client}` the number of the client sending it.
//!
//! Unknown keys are refused, so a typo does not silently change the load.

use anyhow::{Context as _, Result, bail, ensure};
use serde_json::{Map, Value};

/// The built-in profiles, by name, with their mix files.
pub const PROFILES: &[(&str, &str)] = &[
    ("cached", include_str!("../profiles/cached.json")),
    ("memory", include_str!("../profiles/memory.json")),
    ("infra", include_str!("../profiles/infra.json")),
    ("hybrid", include_str!("../profiles/hybrid.json")),
    ("mixed", include_str!("../profiles/mixed.json")),
];

/// The namespace of requests that name none, when neither the mix nor the
/// command line sets one.
pub const DEFAULT_NAMESPACE: &str = "loadgen";

/// A parsed mix, ready to draw requests from.
#[derive(Debug, Clone)]
pub struct Mix {
    pub name: String,
    pub description: String,
    pub seed: Vec<Value>,
    requests: Vec<Value>,
    /// Cumulative weights, normalised so the last is 1.
    cumulative: Vec<f64>,
}

impl Mix {
    /// The built-in profile `name`.
    pub fn profile(name: &str) -> Result<Self> {
        let (_, text) = PROFILES.iter().find(|(n, _)| *n == name).with_context(|| {
            let names: Vec<_> = PROFILES.iter().map(|(n, _)| *n).collect();
            format!("no profile `{name}`; the profiles are {}", names.join(", "))
        })?;
        Self::parse(name, text)
    }

    /// Parses a mix file's text; `name` is what reports call it.
    pub fn parse(name: &str, text: &str) -> Result<Self> {
        let root: Value =
            serde_json::from_str(text).with_context(|| format!("mix `{name}` is not JSON"))?;
        let Value::Object(root) = root else {
            bail!("mix `{name}`: the top level must be an object")
        };
        for key in root.keys() {
            ensure!(
                ["description", "namespace", "zipf", "seed", "requests"].contains(&key.as_str()),
                "mix `{name}`: unknown key `{key}` (known: description, namespace, zipf, seed, requests)"
            );
        }
        let description = match root.get("description") {
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => bail!("mix `{name}`: `description` must be a string"),
        };
        let namespace = match root.get("namespace") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => bail!("mix `{name}`: `namespace` must be a string"),
        };
        let zipf = match root.get("zipf") {
            None => None,
            Some(v) => {
                let s = v.as_f64().filter(|s| s.is_finite() && *s >= 0.0);
                Some(s.with_context(|| format!("mix `{name}`: `zipf` must be a number ≥ 0"))?)
            }
        };
        let seed = match root.get("seed") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    arguments(item).with_context(|| format!("mix `{name}`: seed[{i}]"))
                })
                .collect::<Result<_>>()?,
            Some(_) => bail!("mix `{name}`: `seed` must be an array of argument objects"),
        };
        let Some(Value::Array(entries)) = root.get("requests") else {
            bail!("mix `{name}`: `requests` must be an array of {{weight, arguments}} objects")
        };
        ensure!(!entries.is_empty(), "mix `{name}`: `requests` is empty");
        let mut requests = Vec::with_capacity(entries.len());
        let mut weights = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let (args, weight) =
                request(entry).with_context(|| format!("mix `{name}`: requests[{i}]"))?;
            requests.push(args);
            weights.push(match zipf {
                Some(s) => 1.0 / ((i + 1) as f64).powf(s),
                None => weight,
            });
        }
        let mut mix =
            Self { name: name.to_owned(), description, seed, requests, cumulative: Vec::new() };
        mix.cumulative = cumulative(&weights);
        mix.set_namespace(namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE), false);
        Ok(mix)
    }

    /// Puts `namespace` into every request and seed; `force` replaces the
    /// namespace they name, otherwise only those naming none get it.
    pub fn set_namespace(&mut self, namespace: &str, force: bool) {
        for args in self.requests.iter_mut().chain(self.seed.iter_mut()) {
            let object = args.as_object_mut().expect("checked at parse");
            if force || !object.contains_key("namespace") {
                object.insert("namespace".into(), Value::String(namespace.to_owned()));
            }
        }
    }

    /// Sets `use_cache` in every request (not in the seed, which writes).
    pub fn set_use_cache(&mut self, use_cache: bool) {
        for args in &mut self.requests {
            args.as_object_mut()
                .expect("checked at parse")
                .insert("use_cache".into(), use_cache.into());
        }
    }

    /// How many distinct request entries the mix draws from.
    pub fn len(&self) -> usize {
        self.requests.len()
    }

    /// Draws one request's arguments (placeholders not yet expanded).
    pub fn pick(&self, rng: &mut Rng) -> &Value {
        let u = rng.unit();
        let i = self.cumulative.partition_point(|&c| c <= u).min(self.requests.len() - 1);
        &self.requests[i]
    }
}

fn arguments(value: &Value) -> Result<Value> {
    let Value::Object(object) = value else { bail!("the arguments must be an object") };
    ensure!(
        object.get("query").is_some_and(Value::is_string),
        "the arguments need a string `query` (execute_pattern's required field)"
    );
    Ok(value.clone())
}

fn request(entry: &Value) -> Result<(Value, f64)> {
    let Value::Object(entry) = entry else {
        bail!("an entry must be an object {{weight, arguments}}")
    };
    for key in entry.keys() {
        ensure!(
            key == "weight" || key == "arguments",
            "unknown key `{key}` (known: weight, arguments)"
        );
    }
    let weight = match entry.get("weight") {
        None => 1.0,
        Some(w) => w
            .as_f64()
            .filter(|w| w.is_finite() && *w > 0.0)
            .context("`weight` must be a positive number")?,
    };
    let args = arguments(entry.get("arguments").context("`arguments` is missing")?)?;
    Ok((args, weight))
}

fn cumulative(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    let mut sum = 0.0;
    let mut out: Vec<f64> = weights
        .iter()
        .map(|w| {
            sum += w;
            sum / total
        })
        .collect();
    if let Some(last) = out.last_mut() {
        *last = 1.0;
    }
    out
}

/// Values of the placeholders for one request.
#[derive(Debug, Clone, Copy)]
pub struct Vars<'a> {
    pub run: &'a str,
    pub seq: u64,
    pub client: usize,
}

/// `value` with `{run}`, `{seq}` and `{client}` replaced in every string.
pub fn expand(value: &Value, vars: Vars<'_>) -> Value {
    match value {
        Value::String(s) if s.contains('{') => Value::String(
            s.replace("{run}", vars.run)
                .replace("{seq}", &vars.seq.to_string())
                .replace("{client}", &vars.client.to_string()),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| expand(v, vars)).collect()),
        Value::Object(object) => Value::Object(
            object.iter().map(|(k, v)| (k.clone(), expand(v, vars))).collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

/// SplitMix64: small, fast, and good enough to draw requests.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests;
