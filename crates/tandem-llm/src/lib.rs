//! The language model embedded in the `tandem` binary: a GGUF file the operator names, loaded
//! once and run on the CPU with llama.cpp, behind [`tandem_ai::LanguageModel`]. No server and
//! no download: the file is all it needs. One generation runs at a time (a small machine has
//! few cores, and llama.cpp uses them all), greedy, so the same prompt gives the same answer.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use tandem_ai::{
    BoxFuture, ChatMessage, Completion, CompletionRequest, LanguageModel, ModelFailure, Role,
};
use tokio::sync::Semaphore;

/// How the embedded model runs.
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    /// The context window, in tokens (capped at what the model was trained with).
    pub context_tokens: u32,
    /// CPU threads for one generation.
    pub threads: i32,
    /// The longest one generation may take; it stops there with a timeout.
    pub timeout: Duration,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        EmbeddedOptions {
            context_tokens: 4096,
            threads: std::thread::available_parallelism()
                .map_or(1, |n| i32::try_from(n.get()).unwrap_or(1)),
            timeout: Duration::from_secs(30),
        }
    }
}

/// Why the model file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file is missing.
    #[error("the model file {0} does not exist")]
    Missing(PathBuf),
    /// llama.cpp could not start.
    #[error("llama.cpp could not start: {0}")]
    Backend(String),
    /// llama.cpp could not read the file as a model.
    #[error("{path} is not a model llama.cpp can load: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What llama.cpp said.
        reason: String,
    },
}

/// The one llama.cpp backend of the process (llama.cpp allows one).
fn backend() -> Result<&'static LlamaBackend, LoadError> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
            LlamaBackend::init().map_err(|error| error.to_string())
        })
        .as_ref()
        .map_err(|reason| LoadError::Backend(reason.clone()))
}

struct Loaded {
    model: LlamaModel,
    template: Option<LlamaChatTemplate>,
}

/// A GGUF model loaded in this process.
#[derive(Clone)]
pub struct EmbeddedModel {
    loaded: Arc<Loaded>,
    name: String,
    options: EmbeddedOptions,
    turn: Arc<Semaphore>,
}

impl std::fmt::Debug for EmbeddedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedModel")
            .field("name", &self.name)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl EmbeddedModel {
    /// Loads the model at `path` (blocking: call it at start-up).
    pub fn load(path: &Path, options: EmbeddedOptions) -> Result<Self, LoadError> {
        if !path.is_file() {
            return Err(LoadError::Missing(path.to_owned()));
        }
        let model = LlamaModel::load_from_file(backend()?, path, &LlamaModelParams::default())
            .map_err(|error| LoadError::Unreadable {
                path: path.to_owned(),
                reason: error.to_string(),
            })?;
        let template = model.chat_template(None).ok();
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        Ok(EmbeddedModel {
            loaded: Arc::new(Loaded { model, template }),
            name,
            options,
            turn: Arc::new(Semaphore::new(1)),
        })
    }

    /// The model file's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl LanguageModel for EmbeddedModel {
    fn provider(&self) -> &'static str {
        "embedded"
    }

    fn model_name(&self) -> &str {
        &self.name
    }

    fn complete(
        &self,
        request: CompletionRequest,
    ) -> BoxFuture<'_, Result<Completion, ModelFailure>> {
        Box::pin(async move {
            let started = Instant::now();
            let _turn = self
                .turn
                .acquire()
                .await
                .map_err(|_| ModelFailure::Embedded("the model was shut down".into()))?;
            let deadline = started + self.options.timeout;
            if Instant::now() >= deadline {
                return Err(ModelFailure::Timeout(self.options.timeout));
            }
            let loaded = Arc::clone(&self.loaded);
            let options = self.options.clone();
            let name = self.name.clone();
            tokio::task::spawn_blocking(move || {
                generate(&loaded, &options, &name, &request, deadline)
            })
            .await
            .map_err(|error| ModelFailure::Embedded(format!("generation stopped: {error}")))?
        })
    }
}

/// The chat as the model's own template writes it, or as ChatML when the file has none.
fn prompt_text(loaded: &Loaded, messages: &[ChatMessage]) -> Result<String, ModelFailure> {
    let role = |role: Role| match role {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
    };
    if let Some(template) = &loaded.template {
        let chat = messages
            .iter()
            .map(|message| {
                LlamaChatMessage::new(role(message.role).to_owned(), message.content.clone())
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| {
                ModelFailure::Embedded(format!("a message has a NUL byte: {error}"))
            })?;
        if let Ok(text) = loaded.model.apply_chat_template(template, &chat, true) {
            return Ok(text);
        }
    }
    let mut text: String = messages
        .iter()
        .map(|message| {
            format!(
                "<|im_start|>{}\n{}<|im_end|>\n",
                role(message.role),
                message.content
            )
        })
        .collect();
    text.push_str("<|im_start|>assistant\n");
    Ok(text)
}

/// Runs one generation to its end, `max_tokens` or the deadline.
fn generate(
    loaded: &Loaded,
    options: &EmbeddedOptions,
    name: &str,
    request: &CompletionRequest,
    deadline: Instant,
) -> Result<Completion, ModelFailure> {
    let failed = |what: &str, error: &dyn std::fmt::Display| {
        ModelFailure::Embedded(format!("{what}: {error}"))
    };
    let model = &loaded.model;
    let vocab = model.vocab();
    let prompt = prompt_text(loaded, &request.messages)?;
    let tokens = vocab.tokenize(prompt.as_bytes(), vocab.should_add_bos(), true);
    let context_tokens = options.context_tokens.min(model.n_ctx_train().max(512));
    let needed = tokens.len() + request.max_tokens as usize;
    if needed > context_tokens as usize {
        return Err(ModelFailure::Embedded(format!(
            "the prompt ({} tokens) and answer ({} tokens) do not fit the context of {context_tokens} tokens",
            tokens.len(),
            request.max_tokens
        )));
    }
    let batch_size: usize = 512;
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(context_tokens))
        .with_n_batch(batch_size as u32)
        .with_n_threads(options.threads)
        .with_n_threads_batch(options.threads);
    let mut context = model
        .new_context(backend().map_err(|e| failed("backend", &e))?, params)
        .map_err(|e| failed("context", &e))?;
    let mut batch = LlamaBatch::new(batch_size, 1);
    let last = tokens.len().saturating_sub(1);
    for (chunk_index, chunk) in tokens.chunks(batch_size).enumerate() {
        batch.clear();
        for (offset, token) in chunk.iter().enumerate() {
            let position = chunk_index * batch_size + offset;
            batch
                .add(*token, position as i32, &[0], position == last)
                .map_err(|e| failed("batch", &e))?;
        }
        context
            .decode(&mut batch)
            .map_err(|e| failed("prompt", &e))?;
        if Instant::now() >= deadline {
            return Err(ModelFailure::Timeout(options.timeout));
        }
    }
    let mut sampler = LlamaSampler::chain_simple([
        LlamaSampler::penalties(model.n_vocab(), 64, 1.15, 0.0, 0.0),
        LlamaSampler::greedy(),
    ]);
    let mut output: Vec<u8> = Vec::new();
    let mut position = tokens.len();
    let mut generated: u32 = 0;
    while generated < request.max_tokens {
        let token = sampler.sample(&context, batch.n_tokens() - 1);
        sampler.accept(token);
        if vocab.is_eog(token) {
            break;
        }
        output.extend(vocab.token_to_piece(token, false, None));
        generated += 1;
        if Instant::now() >= deadline {
            return Err(ModelFailure::Timeout(options.timeout));
        }
        batch.clear();
        batch
            .add(token, position as i32, &[0], true)
            .map_err(|e| failed("batch", &e))?;
        context
            .decode(&mut batch)
            .map_err(|e| failed("decode", &e))?;
        position += 1;
    }
    Ok(Completion {
        text: String::from_utf8_lossy(&output).into_owned(),
        prompt_tokens: u32::try_from(tokens.len()).unwrap_or(u32::MAX),
        completion_tokens: generated,
        model: name.to_owned(),
    })
}
