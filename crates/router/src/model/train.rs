//! Training of the learned model: multinomial logistic regression over
//! [`features`](super::features), fitted by stochastic gradient descent, and
//! a temperature fitted on out-of-fold predictions so probabilities mean
//! what they say.
//!
//! Shared by the build script (which trains the shipped model from
//! `data/*.jsonl`) and the evaluation command (cross-validation, learning
//! curve). Deterministic: the same data gives the same weights.

use pattern_core::Route;

use super::features::{DIM, Features, SEEN_BITS, extract, route_index};

/// One labelled request of a data file.
#[derive(Debug, Clone)]
pub struct Example {
    pub query: String,
    pub route: Route,
    pub lang: String,
    /// Examples of one domain share a fold in cross-validation, so every
    /// fold is scored on domains it was not trained on.
    pub domain: String,
}

/// Parses a labelled JSONL file: `{"query", "route", "why", "lang", "domain"}`
/// a line (`lang` and `domain` optional); the error names the line.
pub fn parse_jsonl(text: &str, name: &str) -> Result<Vec<Example>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{name}:{}", n + 1);
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{}: {e}", at()))?;
        let field = |k: &str| v.get(k).and_then(|x| x.as_str());
        let query = field("query").ok_or_else(|| format!("{}: no \"query\"", at()))?;
        let route = match field("route") {
            Some("infrastructure") => Route::Infrastructure,
            Some("memory") => Route::Memory,
            Some("hybrid") => Route::Hybrid,
            other => return Err(format!("{}: route {other:?} is not a route", at())),
        };
        out.push(Example {
            query: query.to_owned(),
            route,
            lang: field("lang").unwrap_or("?").to_owned(),
            domain: field("domain").unwrap_or(name).to_owned(),
        });
    }
    Ok(out)
}

/// The `.jsonl` files of `dir`, sorted by name.
pub fn jsonl_files(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>, String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    Ok(files)
}

/// Every example of `files`, a file's name standing for the domain of the
/// lines that give none.
pub fn read_examples(files: &[std::path::PathBuf]) -> Result<Vec<Example>, String> {
    let mut all = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        all.append(&mut parse_jsonl(&text, &name)?);
    }
    Ok(all)
}

/// An example as the model sees it.
#[derive(Debug, Clone)]
pub struct Sample {
    pub features: Vec<(u32, f32)>,
    /// Where its n-grams fall in the seen set.
    pub signatures: Vec<u32>,
    pub label: usize,
}

pub fn featurize(examples: &[Example]) -> Vec<Sample> {
    let mut f = Features::default();
    examples
        .iter()
        .map(|e| {
            extract(&e.query, &mut f);
            Sample {
                features: f.values.clone(),
                signatures: f.signatures.clone(),
                label: route_index(e.route),
            }
        })
        .collect()
}

/// Weights of the three routes: `w[bucket * 3 + route]`.
#[derive(Debug, Clone)]
pub struct Weights {
    pub w: Vec<f32>,
    pub bias: [f32; 3],
}

impl Weights {
    pub fn logits(&self, features: &[(u32, f32)]) -> [f32; 3] {
        let mut z = self.bias;
        for &(i, v) in features {
            let base = i as usize * 3;
            let w = &self.w[base..base + 3];
            z[0] += w[0] * v;
            z[1] += w[1] * v;
            z[2] += w[2] * v;
        }
        z
    }
}

/// Training settings, chosen by grouped cross-validation on the training data.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub epochs: usize,
    pub rate: f32,
    pub l2: f32,
}

pub const SETTINGS: Settings = Settings { epochs: 30, rate: 0.3, l2: 1e-5 };

/// A small deterministic generator for the shuffles.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// Softmax of `z / t`.
pub fn softmax(z: [f32; 3], t: f32) -> [f64; 3] {
    let z = z.map(|x| f64::from(x) / f64::from(t));
    let m = z[0].max(z[1]).max(z[2]);
    let e = z.map(|x| (x - m).exp());
    let s = e[0] + e[1] + e[2];
    e.map(|x| x / s)
}

/// Multinomial logistic regression by SGD with a decaying rate and L2
/// decay on the weights an example touches.
pub fn train(samples: &[&Sample], s: Settings) -> Weights {
    let mut w = Weights { w: vec![0.0; DIM * 3], bias: [0.0; 3] };
    let mut order: Vec<usize> = (0..samples.len()).collect();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut step = 0usize;
    for _ in 0..s.epochs {
        for i in (1..order.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        for &k in &order {
            let x = samples[k];
            let rate = s.rate / (1.0 + step as f32 / samples.len().max(1) as f32);
            step += 1;
            let p = softmax(w.logits(&x.features), 1.0);
            let g: [f32; 3] =
                std::array::from_fn(|c| p[c] as f32 - if c == x.label { 1.0 } else { 0.0 });
            for (b, gc) in w.bias.iter_mut().zip(g) {
                *b -= rate * gc;
            }
            for &(i, v) in &x.features {
                let base = i as usize * 3;
                for (wi, gc) in w.w[base..base + 3].iter_mut().zip(g) {
                    *wi -= rate * (gc * v + s.l2 * *wi);
                }
            }
        }
    }
    w
}

/// The fold of each example: its domain's, domains dealt round-robin in
/// order of first appearance, so folds hold whole domains.
pub fn folds(examples: &[Example], k: usize) -> Vec<usize> {
    let mut domains: Vec<&str> = Vec::new();
    examples
        .iter()
        .map(|e| {
            let d = match domains.iter().position(|d| *d == e.domain) {
                Some(d) => d,
                None => {
                    domains.push(&e.domain);
                    domains.len() - 1
                }
            };
            d % k
        })
        .collect()
}

/// Logits of each sample from a model trained on the other folds, that
/// model trained on `fraction` (0..=1) of its training part.
pub fn out_of_fold(samples: &[Sample], fold: &[usize], k: usize, fraction: f64) -> Vec<[f32; 3]> {
    let mut out = vec![[0.0; 3]; samples.len()];
    for f in 0..k {
        let train_part: Vec<&Sample> =
            samples.iter().zip(fold).filter(|(_, g)| **g != f).map(|(s, _)| s).collect();
        // An evenly spread subset, the same for every run.
        let keep = ((train_part.len() as f64 * fraction).round() as usize).max(1);
        let subset: Vec<&Sample> =
            (0..keep).map(|i| train_part[i * train_part.len() / keep]).collect();
        let w = train(&subset, SETTINGS);
        for (i, s) in samples.iter().enumerate() {
            if fold[i] == f {
                out[i] = w.logits(&s.features);
            }
        }
    }
    out
}

/// The temperature that minimises the negative log-likelihood of `labels`
/// under `softmax(logits / t)` (golden-section search over log t).
pub fn fit_temperature(logits: &[[f32; 3]], labels: &[usize]) -> f32 {
    let nll = |t: f64| -> f64 {
        logits.iter().zip(labels).map(|(z, &y)| -softmax(*z, t as f32)[y].max(1e-12).ln()).sum()
    };
    let (mut a, mut b) = ((0.05f64).ln(), (20.0f64).ln());
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..60 {
        let c = b - g * (b - a);
        let d = a + g * (b - a);
        if nll(c.exp()) < nll(d.exp()) {
            b = d;
        } else {
            a = c;
        }
    }
    ((a + b) / 2.0).exp() as f32
}

/// The shipped model: weights, temperature, and which buckets training saw.
#[derive(Debug, Clone)]
pub struct Trained {
    pub weights: Weights,
    pub temperature: f32,
    /// Bit per place of the seen set: some training example had an n-gram
    /// there ([`SEEN_BITS`]).
    pub seen: Vec<u64>,
}

/// Folds of the cross-validation that fits the temperature.
pub const FOLDS: usize = 5;

/// Trains the shipped model: the temperature from grouped `FOLDS`-fold
/// out-of-fold predictions, the weights from every example.
pub fn build(examples: &[Example]) -> Trained {
    let samples = featurize(examples);
    let fold = folds(examples, FOLDS);
    let oof = out_of_fold(&samples, &fold, FOLDS, 1.0);
    let labels: Vec<usize> = samples.iter().map(|s| s.label).collect();
    let temperature = fit_temperature(&oof, &labels);
    let all: Vec<&Sample> = samples.iter().collect();
    let weights = train(&all, SETTINGS);
    let mut seen = vec![0u64; SEEN_BITS / 64];
    for s in &samples {
        for &i in &s.signatures {
            seen[i as usize / 64] |= 1 << (i % 64);
        }
    }
    Trained { weights, temperature, seen }
}

const MAGIC: &[u8; 4] = b"PRM2";

impl Trained {
    /// Little-endian: magic, temperature, bias, weights, seen bits.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + 16 + DIM * 12 + SEEN_BITS / 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.temperature.to_le_bytes());
        for b in self.weights.bias {
            out.extend_from_slice(&b.to_le_bytes());
        }
        for w in &self.weights.w {
            out.extend_from_slice(&w.to_le_bytes());
        }
        for s in &self.seen {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out
    }

    pub fn from_bytes(b: &[u8]) -> Result<Self, String> {
        let want = 4 + 16 + DIM * 12 + SEEN_BITS / 8;
        if b.len() != want || &b[..4] != MAGIC {
            return Err(format!("model file: {} bytes, want {want} starting with PRM2", b.len()));
        }
        let f32_at = |i: usize| f32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let temperature = f32_at(4);
        let bias = [f32_at(8), f32_at(12), f32_at(16)];
        let w: Vec<f32> = (0..DIM * 3).map(|k| f32_at(20 + 4 * k)).collect();
        let base = 20 + DIM * 12;
        let seen = (0..SEEN_BITS / 64)
            .map(|k| {
                let mut x = [0u8; 8];
                x.copy_from_slice(&b[base + 8 * k..base + 8 * k + 8]);
                u64::from_le_bytes(x)
            })
            .collect();
        Ok(Trained { weights: Weights { w, bias }, temperature, seen })
    }

    /// Whether training saw an n-gram with this signature.
    pub fn seen(&self, signature: u32) -> bool {
        self.seen[signature as usize / 64] & (1 << (signature % 64)) != 0
    }
}
