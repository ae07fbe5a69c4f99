//! Prompt and generation speed of the embedded model on this machine:
//! `cargo run --release -p tandem-llm --example throughput -- MODEL.gguf`. It answers one
//! grounded-answer-sized prompt five times (after one warm-up), once for its first token and
//! once in full, and prints prompt and generation tokens per second.

use std::path::PathBuf;
use std::time::Instant;

use tandem_ai::{ChatMessage, CompletionRequest, LanguageModel};
use tandem_llm::{EmbeddedModel, EmbeddedOptions};

const ARTICLE: &str = "O limite padrão do Pix é de R$ 5.000 por transação durante o dia (6h às 20h) e de R$ 1.000 à noite (20h às 6h). Para alterar, abra o app, vá em Pix > Meus limites e escolha o novo valor. Aumentos levam até 24 horas para valer; reduções valem na hora.";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path: PathBuf = std::env::args_os()
        .nth(1)
        .ok_or("give the GGUF model file")?
        .into();
    let started = Instant::now();
    let model = EmbeddedModel::load(&path, EmbeddedOptions::default())?;
    println!("load: {:.2} s", started.elapsed().as_secs_f64());
    let request = CompletionRequest {
        messages: vec![
            ChatMessage::system(
                "You are Aurora, a customer service assistant. Answer only from the article, in Portuguese, in at most three short sentences.",
            ),
            ChatMessage::user(format!(
                "Article:\n{ARTICLE}\n\nQuestion: qual o limite do pix à noite?"
            )),
        ],
        max_tokens: 128,
    };
    model.complete(request.clone()).await?;
    // One token: the prompt's processing; the full answer: the generation on top of it.
    let first_token = CompletionRequest {
        max_tokens: 1,
        ..request.clone()
    };
    let (mut prompt_seconds, mut total_seconds) = (0f64, 0f64);
    let (mut prompt_tokens, mut generated) = (0u64, 0u64);
    for _ in 0..5 {
        let started = Instant::now();
        let completion = model.complete(first_token.clone()).await?;
        prompt_seconds += started.elapsed().as_secs_f64();
        prompt_tokens += u64::from(completion.prompt_tokens);
        let started = Instant::now();
        let completion = model.complete(request.clone()).await?;
        total_seconds += started.elapsed().as_secs_f64();
        generated += u64::from(completion.completion_tokens.saturating_sub(1));
    }
    println!(
        "prompt: {:.0} tokens/s ({} tokens a call)",
        prompt_tokens as f64 / prompt_seconds,
        prompt_tokens / 5
    );
    println!(
        "generation: {:.0} tokens/s ({} tokens a call, {:.2} s a call in all)",
        generated as f64 / (total_seconds - prompt_seconds).max(f64::EPSILON),
        generated / 5 + 1,
        total_seconds / 5.0
    );
    Ok(())
}
