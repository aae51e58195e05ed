//! Reads one language file of `lexicons/`: `[section]` headers, `#` comments,
//! cue lines (`KIND WEIGHT PHRASE`), inflection rules and word lists.
//!
//! The files are embedded, so an error here is a bug in the repository: the
//! lexicon panics with the file, line and reason, and every test catches it.

use super::Kind;

/// One cue line: `act 1.0 turn on`.
#[derive(Debug, Clone, Copy)]
pub struct Cue {
    pub text: &'static str,
    pub kind: Kind,
    pub weight: f32,
}

/// Everything one language file holds.
#[derive(Debug, Default)]
pub struct LanguageFile {
    pub inflection: Inflection,
    pub cues: Vec<Cue>,
    pub substrings: Vec<Cue>,
    pub fillers: Vec<&'static str>,
    pub boundaries: Vec<&'static str>,
    pub closed: Vec<&'static str>,
    pub wh: Vec<&'static str>,
    pub past: Vec<&'static str>,
    pub not_past: Vec<&'static str>,
    pub habits: Vec<&'static str>,
    pub kept: Vec<&'static str>,
    pub you_recall: Vec<&'static str>,
    pub auxiliaries: Vec<&'static str>,
    pub interjections: Vec<&'static str>,
    pub copulas: Vec<&'static str>,
    pub lasting: Vec<&'static str>,
    /// `aux: endings…`
    pub perfect: Vec<(&'static str, Vec<&'static str>)>,
    pub perfect_after: Vec<&'static str>,
}

/// A language's inflection rules; none by default.
#[derive(Debug, Clone)]
pub struct Inflection {
    min_len: usize,
    ascii_only: bool,
    rules: Vec<Rule>,
}

impl Default for Inflection {
    fn default() -> Self {
        Self { min_len: usize::MAX, ascii_only: false, rules: Vec::new() }
    }
}

/// `when PATTERN [max-length N] [cut N] [double] add FORM…`
#[derive(Debug, Clone)]
struct Rule {
    /// Matched against the last letters of the word, in order.
    pattern: Vec<Letter>,
    max_len: usize,
    cut: usize,
    double: bool,
    add: Vec<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Letter {
    Is(char),
    Any,
    Vowel,
    Consonant,
    /// A consonant other than w, x, y (those are never doubled).
    Doubling,
    Not(char),
}

fn is_vowel(c: char) -> bool {
    "aeiouáéíóúàèìòùâêîôûäöü".contains(c)
}

impl Letter {
    fn matches(self, c: char) -> bool {
        match self {
            Letter::Is(x) => c == x,
            Letter::Any => c.is_alphabetic(),
            Letter::Vowel => is_vowel(c),
            Letter::Consonant => c.is_alphabetic() && !is_vowel(c),
            Letter::Doubling => c.is_alphabetic() && !is_vowel(c) && !"wxy".contains(c),
            Letter::Not(x) => c.is_alphabetic() && c != x,
        }
    }
}

impl Inflection {
    /// The inflected forms of the written word `w` (lowercase).
    pub fn forms(&self, w: &str) -> Vec<String> {
        let mut out = Vec::new();
        let chars: Vec<char> = w.chars().collect();
        if chars.len() < self.min_len
            || (self.ascii_only && !w.bytes().all(|b| b.is_ascii_lowercase()))
            || !chars.iter().all(|c| c.is_alphabetic())
        {
            return out;
        }
        for rule in &self.rules {
            let n = rule.pattern.len();
            if chars.len() > rule.max_len || chars.len() < n.max(rule.cut) {
                continue;
            }
            let tail = &chars[chars.len() - n..];
            if !rule.pattern.iter().zip(tail).all(|(l, c)| l.matches(*c)) {
                continue;
            }
            let mut stem: String = chars[..chars.len() - rule.cut].iter().collect();
            if rule.double {
                stem.push(chars[chars.len() - 1]);
            }
            for add in &rule.add {
                out.push(format!("{stem}{add}"));
            }
        }
        out
    }
}

fn kind(word: &str) -> Option<Kind> {
    Some(match word {
        "act" => Kind::Act,
        "read" => Kind::Read,
        "live" => Kind::Live,
        "now" => Kind::Now,
        "cmd" => Kind::Cmd,
        "cmd?" => Kind::CmdAmbiguous,
        "store" => Kind::Store,
        "recall" => Kind::Recall,
        "memnoun" => Kind::MemNoun,
        "combine" => Kind::Combine,
        "contrast" => Kind::Contrast,
        "neutral" => Kind::Neutral,
        _ => return None,
    })
}

fn pattern(text: &str) -> Result<Vec<Letter>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '.' => Letter::Any,
            'V' => Letter::Vowel,
            'C' => Letter::Consonant,
            'K' => Letter::Doubling,
            '^' => Letter::Not(chars.next().ok_or("`^` needs a letter after it")?),
            c if c.is_lowercase() => Letter::Is(c),
            c => return Err(format!("unknown pattern letter `{c}`")),
        });
    }
    Ok(out)
}

fn rule(words: &[&'static str]) -> Result<Rule, String> {
    let [pat, rest @ ..] = words else { return Err("`when` needs a pattern".into()) };
    let mut rule = Rule {
        pattern: pattern(pat)?,
        max_len: usize::MAX,
        cut: 0,
        double: false,
        add: Vec::new(),
    };
    let number = |w: Option<&&str>| -> Result<usize, String> {
        w.and_then(|w| w.parse().ok()).ok_or_else(|| "expected a number".to_owned())
    };
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            "max-length" => {
                rule.max_len = number(rest.get(i + 1))?;
                i += 2;
            }
            "cut" => {
                rule.cut = number(rest.get(i + 1))?;
                i += 2;
            }
            "double" => {
                rule.double = true;
                i += 1;
            }
            "add" => {
                rule.add = rest[i + 1..].to_vec();
                break;
            }
            other => return Err(format!("unknown rule word `{other}`")),
        }
    }
    if rule.add.is_empty() {
        return Err("a rule needs `add FORM…`".into());
    }
    Ok(rule)
}

fn cue(line: &'static str) -> Result<Cue, String> {
    let shape = || "expected `KIND WEIGHT PHRASE`".to_owned();
    let (k, rest) = line.split_once(char::is_whitespace).ok_or_else(shape)?;
    let (w, phrase) = rest.trim_start().split_once(char::is_whitespace).ok_or_else(shape)?;
    let kind = kind(k).ok_or_else(|| format!("unknown kind `{k}`"))?;
    let weight: f32 = w.parse().map_err(|_| format!("weight `{w}` is not a number"))?;
    Ok(Cue { text: phrase.trim(), kind, weight })
}

/// Parses a language file; the error names the line.
pub fn parse(text: &'static str) -> Result<LanguageFile, String> {
    let mut file = LanguageFile::default();
    let mut section = "";
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |e: String| format!("line {}: {e}", n + 1);
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name;
            continue;
        }
        let words: Vec<&'static str> = line.split_whitespace().collect();
        let list = match section {
            "inflection" => {
                match words.as_slice() {
                    ["min-length", n] => {
                        file.inflection.min_len =
                            n.parse().map_err(|_| err(format!("`{n}` is not a number")))?;
                    }
                    ["ascii-only"] => file.inflection.ascii_only = true,
                    ["when", rest @ ..] => file.inflection.rules.push(rule(rest).map_err(err)?),
                    _ => return Err(err(format!("unknown inflection line `{line}`"))),
                }
                continue;
            }
            "cues" => {
                file.cues.push(cue(line).map_err(err)?);
                continue;
            }
            "substrings" => {
                file.substrings.push(cue(line).map_err(err)?);
                continue;
            }
            "perfect" => {
                let (aux, endings) =
                    line.split_once(':').ok_or_else(|| err("expected `AUX: ENDING…`".into()))?;
                file.perfect.push((aux.trim(), endings.split_whitespace().collect()));
                continue;
            }
            "fillers" => &mut file.fillers,
            "boundaries" => &mut file.boundaries,
            "closed" => &mut file.closed,
            "wh" => &mut file.wh,
            "past" => &mut file.past,
            "not-past" => &mut file.not_past,
            "habits" => &mut file.habits,
            "kept" => &mut file.kept,
            "you-recall" => &mut file.you_recall,
            "auxiliaries" => &mut file.auxiliaries,
            "interjections" => &mut file.interjections,
            "copulas" => &mut file.copulas,
            "lasting" => &mut file.lasting,
            "perfect-after" => &mut file.perfect_after,
            "" => return Err(err("a line before any `[section]`".into())),
            other => return Err(err(format!("unknown section `[{other}]`"))),
        };
        list.extend(words);
    }
    Ok(file)
}
