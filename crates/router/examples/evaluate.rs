//! Scores the balanced-mode classifier on labelled JSONL files, and cross-validates its training.
//!
//! ```text
//! cargo run --release -p pattern-router --example evaluate -- FILE…
//!     accuracy, confusion matrix, ECE (10 bins) and per-language accuracy of
//!     the shipped model on each file (`{"query", "route", "lang"?}` a line);
//!     `--misses` lists the wrong answers.
//! cargo run --release -p pattern-router --example evaluate -- --query QUERY…
//!     the shipped model's verdict on each query, with every route's probability.
//! cargo run --release -p pattern-router --example evaluate -- --cv [--no-curve] [--data DIR] [FILE…]
//!     grouped 5-fold cross-validation on the training data (crates/router/data,
//!     or DIR; whole domains held out; each fold's temperature fitted inside its
//!     own training part), then the learning curve: accuracy against
//!     25/50/75/100 % of the training data, in cross-validation and on each
//!     FILE, and the full report of the model trained on all of it on each FILE.
//! ```
//! No test depends on it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pattern_router::Rule;
use pattern_router::model::features::{Features, ROUTES, extract, route_index};
use pattern_router::model::train::{
    Example, FOLDS, Trained, build, folds, jsonl_files, parse_jsonl, read_examples,
};
use pattern_router::model::{Verdict, classify, classify_with, cue_rules};

/// What a set of predictions scored.
#[derive(Default)]
struct Score {
    /// confusion[expected][predicted], in `ROUTES` order.
    confusion: [[usize; 3]; 3],
    /// (confidence, right) per prediction.
    calibration: Vec<(f64, bool)>,
    /// language → (right, total), in order of first appearance.
    languages: Vec<(String, usize, usize)>,
    misses: Vec<String>,
}

impl Score {
    fn add(&mut self, e: &Example, v: &Verdict) {
        let (want, got) = (route_index(e.route), route_index(v.class.route));
        self.confusion[want][got] += 1;
        let right = want == got;
        self.calibration.push((v.class.confidence, right));
        let lang = match self.languages.iter().position(|l| l.0 == e.lang) {
            Some(i) => i,
            None => {
                self.languages.push((e.lang.clone(), 0, 0));
                self.languages.len() - 1
            }
        };
        self.languages[lang].1 += usize::from(right);
        self.languages[lang].2 += 1;
        if !right {
            self.misses.push(format!(
                "  want {:<14} got {:<14} ({:.2}) {}",
                e.route.as_str(),
                v.class.route.as_str(),
                v.class.confidence,
                e.query
            ));
        }
    }

    fn total(&self) -> usize {
        self.calibration.len()
    }

    fn accuracy(&self) -> f64 {
        let right: usize = (0..3).map(|i| self.confusion[i][i]).sum();
        right as f64 / self.total().max(1) as f64
    }

    /// The confidence stated on average.
    fn mean_confidence(&self) -> f64 {
        self.calibration.iter().map(|&(c, _)| c).sum::<f64>() / self.total().max(1) as f64
    }

    /// Expected calibration error over 10 equal-width confidence bins.
    fn ece(&self) -> f64 {
        let mut bins = [(0.0f64, 0usize, 0usize); 10];
        for &(c, right) in &self.calibration {
            let b = ((c * 10.0) as usize).min(9);
            bins[b].0 += c;
            bins[b].1 += usize::from(right);
            bins[b].2 += 1;
        }
        let n = self.total().max(1) as f64;
        bins.iter()
            .filter(|b| b.2 > 0)
            .map(|&(sum, right, count)| {
                (sum / count as f64 - right as f64 / count as f64).abs() * count as f64 / n
            })
            .sum()
    }

    fn print(&self, name: &str, misses: bool) {
        let right: usize = (0..3).map(|i| self.confusion[i][i]).sum();
        println!(
            "{name}: accuracy {:.3} ({right}/{}), ECE {:.3} (10 bins)",
            self.accuracy(),
            self.total(),
            self.ece()
        );
        println!(
            "  {:>16} {:>14} {:>8} {:>8}",
            "expected\\got", "infrastructure", "memory", "hybrid"
        );
        for (i, r) in ROUTES.iter().enumerate() {
            let row = self.confusion[i];
            println!("  {:>16} {:>14} {:>8} {:>8}", r.as_str(), row[0], row[1], row[2]);
        }
        let langs: Vec<String> = self
            .languages
            .iter()
            .map(|(l, right, n)| format!("{l} {:.3} ({right}/{n})", *right as f64 / *n as f64))
            .collect();
        println!("  per language: {}", langs.join(", "));
        if misses {
            for m in &self.misses {
                println!("{m}");
            }
        }
    }
}

fn read(path: &Path) -> Result<Vec<Example>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_jsonl(&text, &path.display().to_string())
}

/// The labelled requests the shipped model is trained on, or those of `dir`
/// (`--data DIR`: to measure what a change of the training data does, on
/// files held out of it, without touching the crate's data).
fn training_data(dir: Option<&str>) -> Result<Vec<Example>, String> {
    // The same files and names as the build script reads, so domains match.
    let dir = dir.map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("data"), PathBuf::from);
    read_examples(&jsonl_files(&dir)?)
}

/// An evenly spread `fraction` of `examples`, the same on every run.
fn subset(examples: &[Example], fraction: f64) -> Vec<Example> {
    let keep = ((examples.len() as f64 * fraction).round() as usize).max(1);
    (0..keep).map(|i| examples[i * examples.len() / keep].clone()).collect()
}

/// Grouped k-fold cross-validation, each fold trained on `fraction` of its
/// training part (temperature fitted inside it).
fn cross_validate(examples: &[Example], fraction: f64) -> Score {
    cross_validate_split(examples, fraction).0
}

/// Whether no cue fired on `query` and it has at most `SHORT` words: the
/// queries on which the model has least to go on.
fn short_and_cueless(query: &str) -> bool {
    let mut f = Features::default();
    extract(query, &mut f).rule == Rule::NoSignal && f.words.len() <= SHORT
}

/// Word count at or under which a cue-less query counts as short.
const SHORT: usize = 4;

/// [`cross_validate`], and the same predictions on the short cue-less queries alone.
fn cross_validate_split(examples: &[Example], fraction: f64) -> (Score, Score) {
    let fold = folds(examples, FOLDS);
    let mut score = Score::default();
    let mut short = Score::default();
    for f in 0..FOLDS {
        let train: Vec<Example> =
            examples.iter().zip(&fold).filter(|(_, g)| **g != f).map(|(e, _)| e.clone()).collect();
        let model = build(&subset(&train, fraction));
        for (e, _) in examples.iter().zip(&fold).filter(|(_, g)| **g == f) {
            let verdict = classify_with(&model, &e.query);
            score.add(e, &verdict);
            if short_and_cueless(&e.query) {
                short.add(e, &verdict);
            }
        }
    }
    (score, short)
}

fn run() -> Result<(), String> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let misses = take_flag(&mut args, "--misses")
        || std::env::var_os("PATTERN_MCP_ROUTING_VERBOSE").is_some();
    let cv = take_flag(&mut args, "--cv");
    let curve = !take_flag(&mut args, "--no-curve");
    let data = match args.iter().position(|a| a == "--data") {
        Some(i) if i + 1 < args.len() => {
            let dir = args.remove(i + 1);
            args.remove(i);
            Some(dir)
        }
        Some(_) => return Err("--data needs a directory".into()),
        None => None,
    };
    if take_flag(&mut args, "--time") {
        // A rough split of one decision's time (criterion's bench is the measure).
        for q in &args {
            let n = 20_000;
            let t = std::time::Instant::now();
            for _ in 0..n {
                std::hint::black_box(cue_rules(std::hint::black_box(q)));
            }
            let cues = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
            let t = std::time::Instant::now();
            for _ in 0..n {
                std::hint::black_box(classify(std::hint::black_box(q)));
            }
            let all = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
            println!("{q}\n  cue rules and features {cues:.1} µs, with the model {all:.1} µs");
        }
        return Ok(());
    }
    if take_flag(&mut args, "--query") {
        for q in &args {
            let v = classify(q);
            println!(
                "{q}\n  {} {:.3} [infrastructure {:.3}, memory {:.3}, hybrid {:.3}] {}",
                v.class.route.as_str(),
                v.class.confidence,
                v.probabilities[0],
                v.probabilities[1],
                v.probabilities[2],
                v.class.reasoning
            );
        }
        return Ok(());
    }
    if args.is_empty() {
        args.extend(std::env::var("PATTERN_MCP_ROUTING_DATA"));
    }
    if !cv {
        if args.is_empty() {
            return Err("usage: evaluate [--misses] FILE… | evaluate --cv [--no-curve] [--data DIR] [FILE…]".into());
        }
        for file in &args {
            let mut score = Score::default();
            for e in read(Path::new(file))? {
                score.add(&e, &classify(&e.query));
            }
            score.print(file, misses);
        }
        return Ok(());
    }
    let examples = training_data(data.as_deref())?;
    let domains: std::collections::BTreeSet<&str> =
        examples.iter().map(|e| e.domain.as_str()).collect();
    let langs: std::collections::BTreeSet<&str> =
        examples.iter().map(|e| e.lang.as_str()).collect();
    println!(
        "training data: {} requests, {} domains, {} languages ({})",
        examples.len(),
        domains.len(),
        langs.len(),
        langs.iter().copied().collect::<Vec<_>>().join(" ")
    );
    let mut cues = Score::default();
    for e in &examples {
        cues.add(e, &cue_rules(&e.query));
    }
    cues.print("cue rules alone, on the training data", false);
    let (all, short) = cross_validate_split(&examples, 1.0);
    all.print(&format!("{FOLDS}-fold cross-validation"), misses);
    println!(
        "  of them, no cue fired and at most {SHORT} words: {} requests, accuracy {:.3}, mean confidence {:.3}, ECE {:.3}",
        short.total(),
        short.accuracy(),
        short.mean_confidence(),
        short.ece()
    );
    let sets: Vec<(String, Vec<Example>)> = args
        .iter()
        .map(|f| read(Path::new(f)).map(|e| (f.clone(), e)))
        .collect::<Result<_, _>>()?;
    let fractions: &[f64] = if curve { &[0.25, 0.5, 0.75, 1.0] } else { &[] };
    if curve {
        println!("learning curve (accuracy):");
    }
    for &fraction in fractions {
        let cv = cross_validate(&examples, fraction);
        let mut line = format!(
            "  {:>3} % ({} requests): cross-validation {:.3}",
            (fraction * 100.0) as u32,
            subset(&examples, fraction).len(),
            cv.accuracy()
        );
        let model: Trained = build(&subset(&examples, fraction));
        for (name, set) in &sets {
            let mut s = Score::default();
            for e in set {
                s.add(e, &classify_with(&model, &e.query));
            }
            let short = Path::new(name)
                .file_name()
                .map_or(name.clone(), |n| n.to_string_lossy().into_owned());
            line.push_str(&format!(", {short} {:.3}", s.accuracy()));
        }
        println!("{line}");
    }
    // The full model's whole score on each file: files held out of the
    // training data (with --data) measure generalisation with calibration.
    let model: Trained = build(&examples);
    println!("temperature of the model trained on all of it: {:.3}", model.temperature);
    for (name, set) in &sets {
        let mut s = Score::default();
        for e in set {
            s.add(e, &classify_with(&model, &e.query));
        }
        s.print(&format!("{name}, model trained on all the training data"), misses);
    }
    Ok(())
}

fn take_flag(args: &mut Vec<String>, flag: &str) -> bool {
    let before = args.len();
    args.retain(|a| a != flag);
    args.len() != before
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
