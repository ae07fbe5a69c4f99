//! Sparse TF-IDF features for the intent classifier: stemmed word unigrams and bigrams plus
//! character 2–5-grams of each folded word, hashed to 64 bits and mapped to a vocabulary
//! learned from the training examples.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::normalize::Token;

/// A sparse feature vector: parallel arrays of feature indices and weights.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SparseVector {
    pub(crate) indices: Vec<u32>,
    pub(crate) values: Vec<f32>,
}

impl SparseVector {
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, f32)> + '_ {
        self.indices
            .iter()
            .map(|&i| i as usize)
            .zip(self.values.iter().copied())
    }
}

/// A hasher for keys that are already 64-bit hashes: it passes them through unchanged.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv1a(self.0 ^ FNV_OFFSET, bytes);
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

type PrehashedMap<V> = HashMap<u64, V, BuildHasherDefault<PrehashedHasher>>;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// Which block a feature belongs to; each block is L2-normalized on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Word,
    Character,
}

const WORD_UNIGRAM_TAG: u8 = 1;
const WORD_BIGRAM_TAG: u8 = 2;
const CHARACTER_TAG: u8 = 3;
const SMALLEST_CHARACTER_GRAM: usize = 2;
const LARGEST_CHARACTER_GRAM: usize = 5;

/// The hashed, counted raw features of one text, before the vocabulary is applied.
#[derive(Debug, Default)]
pub(crate) struct RawFeatures {
    word: Vec<(u64, u32)>,
    character: Vec<(u64, u32)>,
}

impl RawFeatures {
    pub(crate) fn from_tokens(tokens: &[Token]) -> Self {
        let mut word = Vec::with_capacity(tokens.len() * 2);
        let mut character = Vec::with_capacity(tokens.len() * 16);
        let mut previous_stem: Option<&str> = None;
        let mut padded = String::new();
        let mut boundaries: Vec<usize> = Vec::new();
        for token in tokens {
            word.push(fnv1a(
                fnv1a(FNV_OFFSET, &[WORD_UNIGRAM_TAG]),
                token.stem.as_bytes(),
            ));
            if let Some(previous) = previous_stem {
                let hash = fnv1a(fnv1a(FNV_OFFSET, &[WORD_BIGRAM_TAG]), previous.as_bytes());
                word.push(fnv1a(fnv1a(hash, b" "), token.stem.as_bytes()));
            }
            previous_stem = Some(&token.stem);
            if token.is_emoji {
                continue;
            }
            padded.clear();
            padded.push('<');
            padded.push_str(&token.folded);
            padded.push('>');
            boundaries.clear();
            boundaries.extend(padded.char_indices().map(|(i, _)| i));
            boundaries.push(padded.len());
            let character_count = boundaries.len() - 1;
            for size in SMALLEST_CHARACTER_GRAM..=LARGEST_CHARACTER_GRAM {
                for start in 0..=character_count.saturating_sub(size) {
                    if start + size > character_count {
                        break;
                    }
                    let gram = &padded.as_bytes()[boundaries[start]..boundaries[start + size]];
                    character.push(fnv1a(fnv1a(FNV_OFFSET, &[CHARACTER_TAG]), gram));
                }
            }
        }
        RawFeatures {
            word: count(word),
            character: count(character),
        }
    }

    fn blocks(&self) -> [(Block, &[(u64, u32)]); 2] {
        [
            (Block::Word, &self.word),
            (Block::Character, &self.character),
        ]
    }
}

fn count(mut hashes: Vec<u64>) -> Vec<(u64, u32)> {
    hashes.sort_unstable();
    let mut counted: Vec<(u64, u32)> = Vec::with_capacity(hashes.len());
    for hash in hashes {
        match counted.last_mut() {
            Some((last, n)) if *last == hash => *n += 1,
            _ => counted.push((hash, 1)),
        }
    }
    counted
}

/// The vocabulary and inverse document frequencies learned from training texts.
#[derive(Debug, Clone)]
pub(crate) struct FeatureSpace {
    vocabulary: PrehashedMap<u32>,
    inverse_document_frequency: Vec<f32>,
    character_block_weight: f32,
}

impl FeatureSpace {
    /// Learns the vocabulary from the raw features of the training texts. Character n-grams
    /// seen in fewer than `minimum_character_document_frequency` texts are dropped: they are
    /// mostly typos and make the model larger without helping.
    pub(crate) fn fit(
        documents: &[RawFeatures],
        minimum_character_document_frequency: u32,
        character_block_weight: f32,
    ) -> Self {
        let mut document_frequency: PrehashedMap<(u32, Block)> = PrehashedMap::default();
        for document in documents {
            for (block, features) in document.blocks() {
                for &(hash, _) in features {
                    document_frequency.entry(hash).or_insert((0, block)).0 += 1;
                }
            }
        }
        let mut kept: Vec<(u64, u32)> = document_frequency
            .into_iter()
            .filter(|(_, (frequency, block))| {
                *block == Block::Word || *frequency >= minimum_character_document_frequency
            })
            .map(|(hash, (frequency, _))| (hash, frequency))
            .collect();
        // Sorting makes feature indices independent of hash-map iteration order, so training
        // is deterministic.
        kept.sort_unstable();
        let document_count = documents.len() as f32;
        let mut vocabulary = PrehashedMap::default();
        vocabulary.reserve(kept.len());
        let mut inverse_document_frequency = Vec::with_capacity(kept.len());
        for (index, (hash, frequency)) in kept.into_iter().enumerate() {
            vocabulary.insert(hash, index as u32);
            inverse_document_frequency
                .push(((1.0 + document_count) / (1.0 + frequency as f32)).ln() + 1.0);
        }
        FeatureSpace {
            vocabulary,
            inverse_document_frequency,
            character_block_weight,
        }
    }

    /// The number of features.
    pub(crate) fn dimension(&self) -> usize {
        self.inverse_document_frequency.len()
    }

    /// Maps raw features to a weighted sparse vector: sublinear term frequency times inverse
    /// document frequency, each block normalized to unit length, the character block scaled.
    pub(crate) fn vectorize(&self, raw: &RawFeatures) -> SparseVector {
        let mut vector = SparseVector::default();
        for (block, features) in raw.blocks() {
            let block_start = vector.indices.len();
            for &(hash, term_frequency) in features {
                if let Some(&index) = self.vocabulary.get(&hash) {
                    let weight = (1.0 + (term_frequency as f32).ln())
                        * self.inverse_document_frequency[index as usize];
                    vector.indices.push(index);
                    vector.values.push(weight);
                }
            }
            let block_values = &mut vector.values[block_start..];
            let norm = block_values.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                let scale = if block == Block::Character {
                    self.character_block_weight
                } else {
                    1.0
                } / norm;
                block_values.iter_mut().for_each(|v| *v *= scale);
            }
        }
        vector
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::Language;
    use crate::normalize::Normalizer;

    fn raw(text: &str) -> RawFeatures {
        RawFeatures::from_tokens(&Normalizer::new(Language::English).tokenize(text))
    }

    #[test]
    fn unseen_features_are_ignored_and_blocks_are_unit_length() {
        let space = FeatureSpace::fit(&[raw("block my card"), raw("refund my order")], 1, 1.0);
        let vector = space.vectorize(&raw("block my card please"));
        assert!(!vector.indices.is_empty());
        let total: f32 = vector.values.iter().map(|v| v * v).sum();
        assert!((total - 2.0).abs() < 1e-4, "two unit blocks, got {total}");
        assert!(space.vectorize(&raw("zzzz qqqq")).indices.is_empty());
    }

    #[test]
    fn rare_character_grams_are_dropped() {
        let documents = [raw("card"), raw("cards"), raw("xylophone")];
        let all = FeatureSpace::fit(&documents, 1, 1.0);
        let frequent = FeatureSpace::fit(&documents, 2, 1.0);
        assert!(frequent.dimension() < all.dimension());
    }
}
