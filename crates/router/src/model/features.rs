//! What the learned model sees of a query: hashed word unigrams and bigrams,
//! the last clause's words, character 3–5-grams of each word, the cue rules'
//! verdict, and the query's written form and length.
//!
//! Shared by the build script (training, `build.rs`) and the router
//! (prediction), so both see exactly the same features. Hashing is FNV-1a
//! with a final mix, the same on every platform; a feature is a bucket of
//! [`DIM`] and a value. The n-gram features of a query are scaled to a fixed
//! length, so a long query does not outvote the cue features.

use pattern_core::Route;

use crate::classify::{Classification, Rule, cue_classify_tokens};
use crate::cues::Scores;
use crate::lexicon::lexicon;
use crate::tokenize::{Token, tokenize};

/// Number of hash buckets (a power of two).
pub const DIM: usize = 1 << 18;
/// Size of the set of n-grams seen in training, in bits (a power of two).
/// Far larger than [`DIM`] and indexed by other bits of the hash: by the
/// fourth round's data half the buckets held some training n-gram, so
/// "the bucket was seen" said almost nothing about whether a word was
/// known ("asdf" looked half known). Here a made-up n-gram looks seen
/// about one time in 25 (the fifth round's 8,209 requests take 4 % of the
/// places).
pub const SEEN_BITS: usize = 1 << 22;
/// Length of a query's n-gram feature vector; each cue feature is 1.
/// Chosen by grouped cross-validation (1, 3, 5 and 8 tried; 3 scored best).
const NGRAM_NORM: f32 = 3.0;
/// Routes, in the order of the model's outputs.
pub const ROUTES: [Route; 3] = [Route::Infrastructure, Route::Memory, Route::Hybrid];

pub fn route_index(r: Route) -> usize {
    ROUTES.iter().position(|x| *x == r).unwrap_or(0)
}

/// One query's features and what the cue rules made of it.
#[derive(Debug, Default)]
pub struct Features {
    /// (bucket, value); n-gram features first, `ngrams` of them.
    pub values: Vec<(u32, f32)>,
    pub ngrams: usize,
    /// Each n-gram's place in the seen set (below [`SEEN_BITS`]), in the
    /// order of `values`.
    pub signatures: Vec<u32>,
    /// Where in `signatures` each word of the query stands as a whole word.
    pub words: Vec<usize>,
    /// Whether the query holds CJK text, whose "words" are whole runs of it.
    pub cjk: bool,
}

impl Features {
    /// Room for the features of a query of `len` bytes: one allocation for most.
    pub fn with_capacity(len: usize) -> Self {
        Self {
            values: Vec::with_capacity(4 * len + 32),
            ngrams: 0,
            signatures: Vec::with_capacity(3 * len + 8),
            words: Vec::with_capacity(len / 4 + 1),
            cjk: false,
        }
    }

    fn ngram(&mut self, h: Hasher) {
        let z = h.mixed();
        self.values.push(((z as usize & (DIM - 1)) as u32, 1.0));
        self.signatures.push(((z >> 32) as usize & (SEEN_BITS - 1)) as u32);
    }
}

/// The cue rules' verdict on a query, kept beside its features.
#[derive(Debug)]
pub struct Cues {
    pub class: Classification,
    pub scores: Scores,
    pub rule: Rule,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

#[derive(Clone, Copy)]
struct Hasher(u64);

impl Hasher {
    fn new(tag: u8) -> Self {
        Hasher(FNV_OFFSET).byte(tag)
    }

    fn byte(self, b: u8) -> Self {
        Hasher((self.0 ^ u64::from(b)).wrapping_mul(FNV_PRIME))
    }

    fn bytes(mut self, bs: &[u8]) -> Self {
        for b in bs {
            self = self.byte(*b);
        }
        self
    }

    fn mixed(self) -> u64 {
        // splitmix64 finaliser: FNV's low bits alone are poorly mixed.
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn bucket(self) -> u32 {
        (self.mixed() as usize & (DIM - 1)) as u32
    }
}

/// Extracts the features of `query` into `out` (cleared first) and returns
/// the cue rules' verdict.
pub fn extract(query: &str, out: &mut Features) -> Cues {
    out.values.clear();
    out.signatures.clear();
    out.words.clear();
    let lowered = query.to_lowercase();
    let mut tokens: Vec<Token<'_>> = Vec::with_capacity(32);
    let shape = tokenize(&lowered, &mut tokens);
    out.cjk = shape.has_cjk;
    let (class, scores, rule) = cue_classify_tokens(query, &lowered, &tokens, shape);
    let lex = lexicon();

    let mut prev: &str = "<s>";
    for t in &tokens {
        let w = t.text;
        out.words.push(out.signatures.len());
        out.ngram(Hasher::new(b'w').bytes(w.as_bytes()));
        let c = lex.canonical(w);
        if c != w {
            out.ngram(Hasher::new(b'c').bytes(c.as_bytes()));
        }
        out.ngram(Hasher::new(b'b').bytes(prev.as_bytes()).byte(b' ').bytes(w.as_bytes()));
        prev = w;
        char_grams(w, out);
        if shape.has_cjk {
            cjk_grams(w, out);
        }
    }
    if !tokens.is_empty() {
        out.ngram(Hasher::new(b'b').bytes(prev.as_bytes()).bytes(b" </s>"));
    }
    // The words of the last clause once more, under their own tag: in "my
    // notes say the pump was swapped, but is it running now?" the request is
    // the last clause, which a bag of words cannot tell from the first.
    // (Grouped cross-validation, seventh round: +10 requests of 10,579; its
    // bigrams as well added nothing.)
    if let Some(last) = tokens.iter().rposition(|t| t.clause_start).filter(|&i| i > 0) {
        for t in &tokens[last..] {
            out.ngram(Hasher::new(b'z').bytes(lex.canonical(t.text).as_bytes()));
        }
    }
    out.ngrams = out.values.len();
    if out.ngrams > 0 {
        let scale = NGRAM_NORM / (out.ngrams as f32).sqrt();
        for v in &mut out.values {
            v.1 = scale;
        }
    }

    // The cue rules' verdict, as indicator features.
    let mut flag = |tag: u8, parts: &[u8]| {
        out.values.push((Hasher::new(tag).bytes(parts).bucket(), 1.0));
    };
    flag(b'R', &[rule.index() as u8]);
    flag(b'T', &[route_index(class.route) as u8]);
    let level = |x: f32| -> u8 {
        match x {
            x if x <= 0.0 => 0,
            x if x < 0.6 => 1,
            x if x < 1.0 => 2,
            x if x < 2.0 => 3,
            _ => 4,
        }
    };
    for (n, x) in [
        scores.live,
        scores.live_core,
        scores.memory,
        scores.store,
        scores.combine,
        scores.contrast,
        scores.machine,
    ]
    .into_iter()
    .enumerate()
    {
        flag(b'S', &[n as u8, level(x)]);
    }
    flag(b'Q', &[u8::from(scores.memory_question), u8::from(shape.question)]);
    flag(b'H', &[u8::from(class.has_content), u8::from(shape.has_cjk)]);
    // A statement, and one that holds from now on ("now" in a request
    // means this moment: "check whether the invoices are paid now").
    flag(b'D', &[u8::from(scores.stated), u8::from(scores.stated && scores.lasting)]);
    // The written form: what opens the query, a label before a colon, digits.
    // A linear model cannot combine features, so the telling combinations are
    // features of their own ("gate code: 4471" against "set timer: 35").
    let form = scores.form;
    let opener = form.opener as u8;
    let label = match form.label_words {
        0 => 0,
        1..=2 => 1,
        3..=5 => 2,
        _ => 3,
    };
    flag(b'F', &[0, opener]);
    flag(b'F', &[1, label, opener]);
    flag(b'F', &[2, u8::from(form.digits), opener]);
    flag(b'F', &[3, u8::from(form.noun_opener), opener]);
    flag(b'F', &[4, u8::from(scores.stated), opener, u8::from(shape.question)]);
    // The query's length in words, crossed with its opener: a fragment of a
    // few known words ("the blue one") is not the verbless note of the same
    // opener, so the model need not read it as one, nor as surely. (Seventh
    // round: +15 requests of 10,579 in cross-validation, and "the blue one"
    // at 0.65 instead of 0.93; coarser buckets gained less.)
    let words = match tokens.len() {
        0..=1 => 0,
        2 => 1,
        3 => 2,
        4 => 3,
        5..=6 => 4,
        7..=10 => 5,
        _ => 6,
    };
    flag(b'L', &[words, opener, u8::from(shape.has_cjk)]);
    Cues { class, scores, rule }
}

/// Character 3–5-grams of `<word>`: typos and inflections share most of them.
fn char_grams(word: &str, out: &mut Features) {
    let mut chars = [0u32; 64];
    let mut n = 0;
    chars[n] = '<' as u32;
    n += 1;
    for c in word.chars() {
        if n >= 62 {
            break;
        }
        chars[n] = c as u32;
        n += 1;
    }
    chars[n] = '>' as u32;
    n += 1;
    for start in 0..n {
        let mut h = Hasher::new(b'g');
        for (len, c) in chars[start..n.min(start + 5)].iter().enumerate() {
            h = h.bytes(&c.to_le_bytes());
            if len + 1 >= 3 {
                out.ngram(h.byte(len as u8));
            }
        }
    }
}

/// Characters and character pairs of CJK text, which has no spaces to split words at.
fn cjk_grams(word: &str, out: &mut Features) {
    let mut prev: Option<char> = None;
    for c in word.chars() {
        if !crate::tokenize::is_cjk(c) {
            prev = None;
            continue;
        }
        let mut b = [0u8; 4];
        out.ngram(Hasher::new(b'k').bytes(c.encode_utf8(&mut b).as_bytes()));
        if let Some(p) = prev {
            let mut a = [0u8; 4];
            let h = Hasher::new(b'K').bytes(p.encode_utf8(&mut a).as_bytes());
            out.ngram(h.bytes(c.encode_utf8(&mut b).as_bytes()));
        }
        prev = Some(c);
    }
}
