//! Unit tests of memory input rules.

use super::*;

#[test]
fn blank_content_is_refused() {
    let err = new_memory(NewMemory::new("default", "  \n ")).unwrap_err();
    assert_eq!(err.to_string(), "invalid memory request: memory content must not be empty");
}

#[test]
fn importance_outside_zero_to_one_is_refused() {
    for importance in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
        let mut memory = NewMemory::new("default", "x");
        memory.importance = importance;
        assert_eq!(new_memory(memory).unwrap_err().reason(), "invalid_input", "{importance}");
    }
}

#[test]
fn namespace_outside_the_pattern_is_refused_with_the_rule() {
    let err = new_memory(NewMemory::new("bad namespace!", "x")).unwrap_err();
    assert!(err.to_string().contains("^[A-Za-z0-9_.-]{1,64}$"), "{err}");
    assert!(!err.is_retryable());
}

#[test]
fn duplicate_tags_are_kept_once_in_order() {
    let mut memory = NewMemory::new("default", "x");
    memory.tags = vec!["db".into(), "ops".into(), "db".into()];
    assert_eq!(new_memory(memory).unwrap().tags, ["db", "ops"]);
}

#[test]
fn blank_tag_is_refused() {
    let mut memory = NewMemory::new("default", "x");
    memory.tags = vec![" ".into()];
    assert!(new_memory(memory).is_err());
}

#[test]
fn limit_is_capped() {
    assert_eq!(limit(5), 5);
    assert_eq!(limit(usize::MAX), MAX_LIMIT);
}
