//! Unit tests of `classify.rs`.

use super::*;

fn route(q: &str) -> Route {
    classify_with_scores(q, true).0.route
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
fn memory_cues_without_data_go_to_infrastructure_and_say_why() {
    let (c, _) = classify_with_scores("what did we decide about the logo?", false);
    assert_eq!((c.route, c.confidence), (Route::Infrastructure, CONF_NO_DATA));
    assert!(c.reasoning.contains("no memories"), "{}", c.reasoning);
}

#[test]
fn an_explicit_comparison_stays_hybrid_without_data() {
    let (c, _) = classify_with_scores("compare the latency of eu and us regions", false);
    assert_eq!(c.route, Route::Hybrid);
}
