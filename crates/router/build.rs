//! Trains the balanced-mode model from the labelled requests of `data/*.jsonl`
//! and writes it to `$OUT_DIR/router-model.bin`, which `src/model.rs` embeds.
//!
//! The build script compiles the crate's own tokenizer, lexicon, cue rules and
//! training code (the same files as the library), so the model is trained on
//! exactly the features the router computes. Deterministic: the same data and
//! sources give the same model.

#![allow(dead_code, unused_imports)]

use std::path::Path;

#[path = "src"]
mod src {
    pub mod classify;
    pub mod cues;
    pub mod lexicon;
    pub mod tokenize;
    pub mod model {
        pub mod features;
        pub mod train;
    }
}

use src::{classify, cues, lexicon, model, tokenize};

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("cargo::rerun-if-changed=data");
    println!("cargo::rerun-if-changed=lexicons");
    for f in [
        "classify.rs",
        "cues.rs",
        "lexicon.rs",
        "lexicon/parse.rs",
        "tokenize.rs",
        "model/features.rs",
        "model/train.rs",
    ] {
        println!("cargo::rerun-if-changed=src/{f}");
    }
    let examples = model::train::jsonl_files(&dir.join("data"))
        .and_then(|files| model::train::read_examples(&files))
        .unwrap_or_else(|e| panic!("training data: {e}"));
    assert!(!examples.is_empty(), "no training data in crates/router/data");
    let trained = model::train::build(&examples);
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("router-model.bin");
    std::fs::write(&out, trained.to_bytes()).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
