//! The Whisper transformer on candle: the audio encoder and the text decoder, built from a
//! CTranslate2 model's tensors. The weights are read-only; the decoder's key/value caches live
//! in a [`DecoderSession`] per window, so one network serves concurrent calls.

use candle_core::{D, Module, Result, Tensor};
use candle_nn::{Conv1d, Conv1dConfig, LayerNorm, Linear};

use super::ModelError;
use super::ct2::Ct2Model;

/// Layer-norm epsilon used by Whisper.
const LAYER_NORM_EPSILON: f64 = 1e-5;

/// The sizes of a Whisper model, read from its tensors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dimensions {
    /// Mel bands the encoder takes (80, or 128 for large-v3).
    pub(crate) mel_bands: usize,
    /// Audio positions the encoder knows (1500 = 30 s).
    pub(crate) audio_positions: usize,
    /// Text positions the decoder knows (448).
    pub(crate) text_positions: usize,
    pub(crate) encoder_layers: usize,
    pub(crate) decoder_layers: usize,
}

/// Multi-head attention with separate query, key, value and output projections.
struct Attention {
    query: Linear,
    key: Linear,
    value: Linear,
    output: Linear,
    heads: usize,
}

impl Attention {
    /// Splits `(batch, time, width)` into `(batch, heads, time, width / heads)`.
    fn split_heads(&self, x: &Tensor) -> Result<Tensor> {
        let (batch, time, width) = x.dims3()?;
        x.reshape((batch, time, self.heads, width / self.heads))?
            .transpose(1, 2)?
            .contiguous()
    }

    fn keys_and_values(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        Ok((
            self.split_heads(&self.key.forward(x)?)?,
            self.split_heads(&self.value.forward(x)?)?,
        ))
    }

    /// Attends from `x` to `keys`/`values` (already split into heads). With `causal`, query i
    /// (the last of the keys' positions) sees only keys up to its own position.
    fn attend(&self, x: &Tensor, keys: &Tensor, values: &Tensor, causal: bool) -> Result<Tensor> {
        let query = self.split_heads(&self.query.forward(x)?)?;
        let head_width = query.dim(D::Minus1)? as f64;
        let mut scores = (query.matmul(&keys.t()?)? * head_width.powf(-0.5))?;
        let (queries, key_count) = (scores.dim(2)?, scores.dim(3)?);
        if causal && queries > 1 {
            let first_query_position = key_count - queries;
            let mask: Vec<f32> = (0..queries)
                .flat_map(|i| {
                    (0..key_count).map(move |j| {
                        if j > first_query_position + i {
                            f32::NEG_INFINITY
                        } else {
                            0.0
                        }
                    })
                })
                .collect();
            scores =
                scores.broadcast_add(&Tensor::from_vec(mask, (queries, key_count), x.device())?)?;
        }
        let weights = candle_nn::ops::softmax_last_dim(&scores)?;
        let attended = weights.matmul(values)?.transpose(1, 2)?;
        let (batch, time, _, _) = attended.dims4()?;
        self.output.forward(&attended.reshape((batch, time, ()))?)
    }
}

/// The two-layer GELU feed-forward block.
struct FeedForward {
    norm: LayerNorm,
    up: Linear,
    down: Linear,
}

impl FeedForward {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let hidden = self.up.forward(&self.norm.forward(x)?)?.gelu_erf()?;
        x + self.down.forward(&hidden)?
    }
}

struct EncoderLayer {
    self_norm: LayerNorm,
    self_attention: Attention,
    feed_forward: FeedForward,
}

struct DecoderLayer {
    self_norm: LayerNorm,
    self_attention: Attention,
    cross_norm: LayerNorm,
    cross_attention: Attention,
    feed_forward: FeedForward,
}

/// Whisper's encoder and decoder weights.
pub(crate) struct Network {
    pub(crate) dimensions: Dimensions,
    conv1: Conv1d,
    conv2: Conv1d,
    audio_positions: Tensor,
    encoder_layers: Vec<EncoderLayer>,
    encoder_norm: LayerNorm,
    token_embedding: Tensor,
    text_positions: Tensor,
    decoder_layers: Vec<DecoderLayer>,
    decoder_norm: LayerNorm,
}

/// Reads CTranslate2's `WhisperSpec` names into the network.
struct Builder<'a> {
    model: &'a Ct2Model,
}

impl Builder<'_> {
    fn linear(&self, prefix: &str) -> std::result::Result<Linear, ModelError> {
        Ok(Linear::new(
            self.model.tensor(&format!("{prefix}/weight"))?,
            Some(self.model.tensor(&format!("{prefix}/bias"))?),
        ))
    }

    /// A fused projection (rows stacked) split into `parts` equal linear layers.
    fn split_linear(
        &self,
        prefix: &str,
        parts: usize,
    ) -> std::result::Result<Vec<Linear>, ModelError> {
        let weight = self.model.tensor(&format!("{prefix}/weight"))?;
        let bias = self.model.tensor(&format!("{prefix}/bias"))?;
        let rows = weight.dim(0)? / parts;
        (0..parts)
            .map(|part| {
                Ok(Linear::new(
                    weight.narrow(0, part * rows, rows)?.contiguous()?,
                    Some(bias.narrow(0, part * rows, rows)?.contiguous()?),
                ))
            })
            .collect()
    }

    fn norm(&self, prefix: &str) -> std::result::Result<LayerNorm, ModelError> {
        Ok(LayerNorm::new(
            self.model.tensor(&format!("{prefix}/gamma"))?,
            self.model.tensor(&format!("{prefix}/beta"))?,
            LAYER_NORM_EPSILON,
        ))
    }

    fn conv(&self, prefix: &str, stride: usize) -> std::result::Result<Conv1d, ModelError> {
        let config = Conv1dConfig {
            padding: 1,
            stride,
            dilation: 1,
            groups: 1,
            cudnn_fwd_algo: None,
        };
        Ok(Conv1d::new(
            self.model.tensor(&format!("{prefix}/weight"))?,
            Some(self.model.tensor(&format!("{prefix}/bias"))?),
            config,
        ))
    }

    fn feed_forward(&self, layer: &str) -> std::result::Result<FeedForward, ModelError> {
        Ok(FeedForward {
            norm: self.norm(&format!("{layer}/ffn/layer_norm"))?,
            up: self.linear(&format!("{layer}/ffn/linear_0"))?,
            down: self.linear(&format!("{layer}/ffn/linear_1"))?,
        })
    }

    /// Self-attention: CTranslate2 fuses query, key and value in `linear_0`.
    fn self_attention(
        &self,
        layer: &str,
        heads: usize,
    ) -> std::result::Result<Attention, ModelError> {
        let [query, key, value]: [Linear; 3] = self
            .split_linear(&format!("{layer}/self_attention/linear_0"), 3)?
            .try_into()
            .map_err(|_| ModelError::Invalid(format!("{layer} self-attention")))?;
        Ok(Attention {
            query,
            key,
            value,
            output: self.linear(&format!("{layer}/self_attention/linear_1"))?,
            heads,
        })
    }

    /// Cross-attention: query in `linear_0`, key and value fused in `linear_1`.
    fn cross_attention(
        &self,
        layer: &str,
        heads: usize,
    ) -> std::result::Result<Attention, ModelError> {
        let [key, value]: [Linear; 2] = self
            .split_linear(&format!("{layer}/attention/linear_1"), 2)?
            .try_into()
            .map_err(|_| ModelError::Invalid(format!("{layer} cross-attention")))?;
        Ok(Attention {
            query: self.linear(&format!("{layer}/attention/linear_0"))?,
            key,
            value,
            output: self.linear(&format!("{layer}/attention/linear_2"))?,
            heads,
        })
    }
}

impl Network {
    /// Builds the network from a `WhisperSpec` model.
    pub(crate) fn from_ct2(model: &Ct2Model) -> std::result::Result<Self, ModelError> {
        if model.spec != "WhisperSpec" {
            return Err(ModelError::Unsupported(format!(
                "a {} model, not Whisper",
                model.spec
            )));
        }
        let build = Builder { model };
        let encoder_heads = model.integer("encoder/num_heads")?;
        let decoder_heads = model.integer("decoder/num_heads")?;
        let audio_positions = model.tensor("encoder/position_encodings/encodings")?;
        let text_positions = model.tensor("decoder/position_encodings/encodings")?;
        let token_embedding = model.tensor("decoder/embeddings/weight")?;
        let conv1 = build.conv("encoder/conv1", 1)?;
        let (_, width) = token_embedding.dims2()?;
        if encoder_heads == 0
            || width % encoder_heads != 0
            || decoder_heads == 0
            || width % decoder_heads != 0
        {
            return Err(ModelError::Invalid(format!(
                "width {width} does not split into {encoder_heads} or {decoder_heads} heads"
            )));
        }
        let dimensions = Dimensions {
            mel_bands: conv1.weight().dim(1)?,
            audio_positions: audio_positions.dim(0)?,
            text_positions: text_positions.dim(0)?,
            encoder_layers: model.layer_count("encoder"),
            decoder_layers: model.layer_count("decoder"),
        };
        let encoder_layers = (0..dimensions.encoder_layers)
            .map(|i| {
                let layer = format!("encoder/layer_{i}");
                Ok(EncoderLayer {
                    self_norm: build.norm(&format!("{layer}/self_attention/layer_norm"))?,
                    self_attention: build.self_attention(&layer, encoder_heads)?,
                    feed_forward: build.feed_forward(&layer)?,
                })
            })
            .collect::<std::result::Result<_, ModelError>>()?;
        let decoder_layers = (0..dimensions.decoder_layers)
            .map(|i| {
                let layer = format!("decoder/layer_{i}");
                Ok(DecoderLayer {
                    self_norm: build.norm(&format!("{layer}/self_attention/layer_norm"))?,
                    self_attention: build.self_attention(&layer, decoder_heads)?,
                    cross_norm: build.norm(&format!("{layer}/attention/layer_norm"))?,
                    cross_attention: build.cross_attention(&layer, decoder_heads)?,
                    feed_forward: build.feed_forward(&layer)?,
                })
            })
            .collect::<std::result::Result<_, ModelError>>()?;
        Ok(Network {
            dimensions,
            conv1,
            conv2: build.conv("encoder/conv2", 2)?,
            audio_positions,
            encoder_layers,
            encoder_norm: build.norm("encoder/layer_norm")?,
            token_embedding,
            text_positions,
            decoder_layers,
            decoder_norm: build.norm("decoder/layer_norm")?,
        })
    }

    /// Encodes a log-mel spectrogram `(1, bands, frames)` (frames even, at most 3000) into
    /// audio features `(1, frames / 2, width)`.
    pub(crate) fn encode(&self, mel: &Tensor) -> Result<Tensor> {
        let x = self.conv1.forward(mel)?.gelu_erf()?;
        let x = self.conv2.forward(&x)?.gelu_erf()?.transpose(1, 2)?;
        let positions = self.audio_positions.narrow(0, 0, x.dim(1)?)?;
        let mut x = x.broadcast_add(&positions)?;
        for layer in &self.encoder_layers {
            let normed = layer.self_norm.forward(&x)?;
            let (keys, values) = layer.self_attention.keys_and_values(&normed)?;
            x = (&x
                + layer
                    .self_attention
                    .attend(&normed, &keys, &values, false)?)?;
            x = layer.feed_forward.forward(&x)?;
        }
        self.encoder_norm.forward(&x)
    }

    /// Starts decoding against one window's audio features: computes every layer's
    /// cross-attention keys and values once.
    pub(crate) fn start_decoding(&self, audio_features: &Tensor) -> Result<DecoderSession<'_>> {
        let cross = self
            .decoder_layers
            .iter()
            .map(|layer| layer.cross_attention.keys_and_values(audio_features))
            .collect::<Result<_>>()?;
        Ok(DecoderSession {
            network: self,
            cross,
            cache: vec![None; self.decoder_layers.len()],
            position: 0,
        })
    }
}

/// One window's decoding state: the cross-attention keys and values of its audio, and the
/// self-attention cache of the tokens fed so far (so each step costs one token, not the
/// whole prefix).
pub(crate) struct DecoderSession<'a> {
    network: &'a Network,
    cross: Vec<(Tensor, Tensor)>,
    cache: Vec<Option<(Tensor, Tensor)>>,
    position: usize,
}

impl DecoderSession<'_> {
    /// Forgets the tokens fed so far, keeping the audio.
    pub(crate) fn restart(&mut self) {
        self.cache.iter_mut().for_each(|entry| *entry = None);
        self.position = 0;
    }

    /// Feeds `tokens` after those already fed and returns the logits for the next token.
    pub(crate) fn step(&mut self, tokens: &[u32]) -> Result<Vec<f32>> {
        let network = self.network;
        let count = tokens.len();
        if count == 0 {
            candle_core::bail!("no tokens to feed the decoder");
        }
        let ids = Tensor::new(tokens, network.token_embedding.device())?;
        let positions = network.text_positions.narrow(0, self.position, count)?;
        let mut x = network
            .token_embedding
            .index_select(&ids, 0)?
            .broadcast_add(&positions)?
            .unsqueeze(0)?;
        self.position += count;
        for ((layer, (cross_keys, cross_values)), cached) in network
            .decoder_layers
            .iter()
            .zip(&self.cross)
            .zip(&mut self.cache)
        {
            let normed = layer.self_norm.forward(&x)?;
            let (keys, values) = layer.self_attention.keys_and_values(&normed)?;
            let (keys, values) = match cached.take() {
                Some((old_keys, old_values)) => (
                    Tensor::cat(&[&old_keys, &keys], 2)?,
                    Tensor::cat(&[&old_values, &values], 2)?,
                ),
                None => (keys, values),
            };
            x = (&x + layer.self_attention.attend(&normed, &keys, &values, true)?)?;
            *cached = Some((keys, values));
            let normed = layer.cross_norm.forward(&x)?;
            x = (&x
                + layer
                    .cross_attention
                    .attend(&normed, cross_keys, cross_values, false)?)?;
            x = layer.feed_forward.forward(&x)?;
        }
        let last = network.decoder_norm.forward(&x.narrow(1, count - 1, 1)?)?;
        let logits = last.squeeze(0)?.matmul(&network.token_embedding.t()?)?;
        logits.squeeze(0)?.to_vec1()
    }
}
