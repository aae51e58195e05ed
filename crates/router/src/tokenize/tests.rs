//! Unit tests of `tokenize.rs`.

use super::*;

fn words(q: &str) -> (Vec<(String, bool)>, Shape) {
    let mut out = Vec::new();
    let shape = tokenize(q, &mut out);
    (out.iter().map(|t| (t.text.to_owned(), t.clause_start)).collect(), shape)
}

#[test]
fn punctuation_starts_a_clause_and_apostrophes_split_words() {
    let (w, shape) = words("ok, what's up?");
    let expect = [("ok", true), ("what", true), ("s", false), ("up", false)];
    assert_eq!(w, expect.map(|(a, b)| (a.to_owned(), b)));
    assert!(shape.question);
}

#[test]
fn machine_text_is_counted() {
    let (_, shape) = words("kubectl get pods -n payments --watch");
    assert_eq!(shape.command_like, 2);
    let (_, shape) = words("curl https://x.io/health and open /etc/hosts, set debug=true");
    assert_eq!(shape.command_like, 3);
    let (_, shape) = words("what's the eur/gbp rate and/or the usd one");
    assert_eq!(shape.command_like, 0);
}

#[test]
fn cjk_and_arithmetic_are_flagged() {
    assert!(words("重启数据库服务器").1.has_cjk);
    assert!(words("what is 15% of 2,340").1.arithmetic);
    assert!(words("12 * 7").1.arithmetic);
    assert!(!words("call me at 5").1.arithmetic);
}
