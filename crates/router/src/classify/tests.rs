//! Unit tests of `classify.rs`.

use super::*;

fn route(q: &str) -> Route {
    classify_with_scores(q).0.route
}

#[test]
fn storing_a_fact_goes_to_memory_even_with_live_words() {
    assert_eq!(route("remember that the backup server restarts every night at 2am"), Route::Memory);
    assert_eq!(route("Remember: the prod cluster is in eu-west-1"), Route::Memory);
}

#[test]
fn remember_to_do_something_now_is_an_action() {
    assert_eq!(route("remember to restart the router now"), Route::Infrastructure);
}

#[test]
fn a_read_verb_on_memory_itself_is_memory() {
    assert_eq!(route("search my notes for the vendor contacts"), Route::Memory);
    assert_eq!(route("show me what we decided about the logo"), Route::Memory);
}

#[test]
fn an_action_driven_by_stored_knowledge_is_hybrid() {
    assert_eq!(route("send the invoice to the address I gave you"), Route::Hybrid);
    assert_eq!(route("deploy the build we approved yesterday"), Route::Hybrid);
}

#[test]
fn a_memory_question_about_a_live_topic_stays_memory() {
    assert_eq!(
        route("what did we decide about the inbox filters and the server logs?"),
        Route::Memory
    );
}

#[test]
fn commands_go_to_infrastructure() {
    assert_eq!(route("kubectl rollout restart deploy/api -n prod"), Route::Infrastructure);
    assert_eq!(route("df -h /var"), Route::Infrastructure);
}

#[test]
fn text_without_content_words_is_barely_sure_of_anything() {
    for q in ["hmm", "Hmmmm...", "ok", "?", "ok thanks!", "um, yes"] {
        let (c, _) = classify_with_scores(q);
        assert!(!c.has_content, "{q}");
        assert_eq!((c.route, c.confidence), (Route::Memory, CONF_NO_CONTENT), "{q}");
        assert!(c.reasoning.contains("no word to act on"), "{q}: {}", c.reasoning);
    }
}

#[test]
fn a_lone_unknown_word_is_not_an_action() {
    let (c, _) = classify_with_scores("asdf");
    assert!(c.has_content);
    assert_eq!((c.route, c.confidence), (Route::Memory, CONF_NO_SIGNAL));
    assert!(c.keywords.infrastructure.is_empty(), "{:?}", c.keywords);
}

#[test]
fn an_unknown_verb_with_an_object_is_a_weak_action() {
    let (c, _) = classify_with_scores("reindex the catalogue");
    assert_eq!((c.route, c.confidence), (Route::Infrastructure, CONF_WEAK_LIVE));
}

#[test]
fn clear_live_cues_are_surer_than_weak_ones() {
    let clear = classify_with_scores("restart the nginx service now").0;
    let weak = classify_with_scores("who owns billing?").0;
    assert_eq!(clear.route, Route::Infrastructure);
    assert!(clear.confidence > weak.confidence, "{} vs {}", clear.confidence, weak.confidence);
}
