//! Grouping similar questions: the questions customers asked that the bot could not answer,
//! clustered per language so that the most frequent ones surface first.
//!
//! Each question becomes a vector over the knowledge base's own terms (stop words removed,
//! Snowball stems, accents folded), after dropping the words every question is made of
//! ("vocês têm", "can I", "¿puedo"), plus the character trigrams of those terms, which tolerate
//! typos and other forms of a word. Terms are not weighted by how many questions share them:
//! among unanswered questions the most frequent subject is the one to find, not to discount.
//! Questions are then clustered greedily, in input order: each joins the most similar group of
//! its language (cosine with the group's centroid) when that reaches the threshold, else it
//! starts a group. Same input, same groups.

use std::collections::BTreeMap;

use crate::knowledge::{analyzed_terms, analyzer_for};
use crate::language::Language;
use crate::normalize::Normalizer;

/// The cosine similarity from which a question joins a group, tuned on pt/es/en questions
/// (see the tests): rewordings of one question, typos included, score 0.41–0.9; different
/// questions that share a word ("agência", "banco") at most 0.33.
pub const DEFAULT_GROUPING_THRESHOLD: f32 = 0.4;

/// Character trigrams count for less than whole terms.
const TRIGRAM_WEIGHT: f32 = 0.5;

/// Similar questions of one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionGroup {
    /// The questions' language.
    pub language: Language,
    /// The members, as indices into the input, in input order (the first started the group).
    pub members: Vec<usize>,
    /// A stable name for the group: the language and the sorted terms of its first question
    /// (`pt:segur viag`), so the same question keeps naming the same group as more arrive.
    pub key: String,
}

/// Groups `questions` (language, text) by similarity, per language, and ranks the groups by
/// size (ties: the group whose first question came first). `threshold` is the cosine (0–1)
/// from which a question joins a group.
pub fn group_questions(questions: &[(Language, &str)], threshold: f32) -> Vec<QuestionGroup> {
    let mut by_language: BTreeMap<Language, Vec<usize>> = BTreeMap::new();
    for (index, (language, _)) in questions.iter().enumerate() {
        by_language.entry(*language).or_default().push(index);
    }
    let mut groups = Vec::new();
    for (language, indices) in by_language {
        let terms: Vec<Vec<String>> = indices
            .iter()
            .map(|&index| question_terms(language, questions[index].1))
            .collect();
        let vectors: Vec<Vector> = terms
            .iter()
            .map(|terms| normalized(features(terms)))
            .collect();
        let mut clusters: Vec<Cluster> = Vec::new();
        for (position, vector) in vectors.iter().enumerate() {
            let best = clusters
                .iter()
                .enumerate()
                .map(|(n, cluster)| (n, cosine(&cluster.centroid, vector)))
                .filter(|(_, similarity)| *similarity >= threshold)
                .fold(None, |best: Option<(usize, f32)>, candidate| match best {
                    Some((_, score)) if score >= candidate.1 => best,
                    _ => Some(candidate),
                });
            match best {
                Some((n, _)) => clusters[n].add(position, vector),
                None => clusters.push(Cluster::new(position, vector)),
            }
        }
        let mut keys: Vec<String> = Vec::new();
        for cluster in clusters {
            let first = cluster.members[0];
            let mut sorted = terms[first].clone();
            sorted.sort();
            let mut key = format!("{}:{}", language.code(), sorted.join(" "));
            if keys.contains(&key) {
                key = format!("{key}#{}", keys.len());
            }
            keys.push(key.clone());
            groups.push(QuestionGroup {
                language,
                members: cluster
                    .members
                    .iter()
                    .map(|&position| indices[position])
                    .collect(),
                key,
            });
        }
    }
    groups.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.members[0].cmp(&b.members[0]))
    });
    groups
}

/// How alike two texts of `language` are, 0–1: the cosine of the vectors grouping uses.
pub fn text_similarity(language: Language, a: &str, b: &str) -> f32 {
    let vector = |text: &str| normalized(features(&question_terms(language, text)));
    cosine(&vector(a), &vector(b))
}

/// A sparse vector keyed by feature, L2-normalised.
type Vector = BTreeMap<String, f32>;

struct Cluster {
    members: Vec<usize>,
    sum: Vector,
    /// `sum` normalised, kept up to date as members join.
    centroid: Vector,
}

impl Cluster {
    fn new(position: usize, vector: &Vector) -> Self {
        Cluster {
            members: vec![position],
            sum: vector.clone(),
            centroid: vector.clone(),
        }
    }

    fn add(&mut self, position: usize, vector: &Vector) {
        self.members.push(position);
        for (feature, weight) in vector {
            *self.sum.entry(feature.clone()).or_insert(0.0) += weight;
        }
        self.centroid = normalized(self.sum.clone());
    }
}

/// The terms of a question's content words: folded, filler words dropped, then stop words
/// removed and stemmed by the knowledge base's analyzer.
fn question_terms(language: Language, text: &str) -> Vec<String> {
    let filler = filler_words(language);
    let content: Vec<String> = Normalizer::new(language)
        .tokenize(text)
        .into_iter()
        .filter(|token| !token.is_emoji && !filler.contains(&token.folded.as_str()))
        .map(|token| token.folded)
        .collect();
    analyzed_terms(&mut analyzer_for(language), &content.join(" "))
}

/// Words (folded) that make up questions about anything, beyond the analyzer's stop words.
fn filler_words(language: Language) -> &'static [&'static str] {
    match language {
        Language::Portuguese => &[
            "voce", "voces", "tem", "quero", "queria", "gostaria", "posso", "pode", "podem",
            "consigo", "preciso", "como", "faco", "qual", "quais", "quanto", "quando", "onde",
            "da", "pra", "oi", "ola", "ai", "existe", "ter", "fazer", "ajuda", "favor",
        ],
        Language::Spanish => &[
            "usted", "ustedes", "tienen", "tiene", "quiero", "quisiera", "queria", "puedo",
            "pueden", "puede", "necesito", "como", "hago", "cual", "cuales", "cuanto", "cuando",
            "donde", "hola", "hay", "tener", "hacer", "ayuda", "favor",
        ],
        Language::English => &[
            "do", "does", "did", "you", "your", "can", "could", "i", "im", "how", "what", "which",
            "much", "many", "when", "where", "want", "need", "would", "like", "please", "is",
            "are", "from", "me", "my", "we", "hi", "hello", "there", "get", "have", "help",
        ],
    }
}

/// Each term (`w:segur`) and the trigrams of each term padded with `^`/`$` (`c:^se`).
fn features(terms: &[String]) -> Vector {
    let mut vector = Vector::new();
    for term in terms {
        *vector.entry(format!("w:{term}")).or_insert(0.0) += 1.0;
        let padded: Vec<char> = format!("^{term}$").chars().collect();
        for window in padded.windows(3) {
            let trigram: String = window.iter().collect();
            *vector.entry(format!("c:{trigram}")).or_insert(0.0) += TRIGRAM_WEIGHT;
        }
    }
    vector
}

fn normalized(mut vector: Vector) -> Vector {
    let norm = vector.values().map(|w| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        for weight in vector.values_mut() {
            *weight /= norm;
        }
    }
    vector
}

fn cosine(a: &Vector, b: &Vector) -> f32 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .iter()
        .filter_map(|(feature, weight)| large.get(feature).map(|other| weight * other))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups_of(questions: &[(Language, &str)]) -> Vec<Vec<usize>> {
        group_questions(questions, DEFAULT_GROUPING_THRESHOLD)
            .into_iter()
            .map(|group| group.members)
            .collect()
    }

    #[test]
    fn rewordings_group_together_and_the_biggest_group_comes_first() {
        use Language::Portuguese as Pt;
        let questions = [
            (Pt, "vocês têm seguro viagem?"),
            (Pt, "como faço para investir no tesouro direto?"),
            (Pt, "o banco oferece seguro de viagem internacional?"),
            (Pt, "quero contratar um seguro viagem"),
            (Pt, "dá pra investir em tesouro direto pelo app?"),
            (Pt, "qual o horário da agência de Campinas?"),
        ];
        assert_eq!(groups_of(&questions), [vec![0, 2, 3], vec![1, 4], vec![5]]);
    }

    #[test]
    fn spanish_and_english_questions_group_in_their_own_language() {
        use Language::{English as En, Spanish as Es};
        let questions = [
            (Es, "¿tienen seguro de viaje?"),
            (En, "do you offer travel insurance?"),
            (Es, "quiero contratar un seguro de viaje para Europa"),
            (En, "can I buy travel insurance from you"),
            (En, "how do I invest in government bonds?"),
            (Es, "¿puedo invertir en bonos del gobierno?"),
        ];
        let groups = group_questions(&questions, DEFAULT_GROUPING_THRESHOLD);
        let members: Vec<(Language, Vec<usize>)> = groups
            .iter()
            .map(|group| (group.language, group.members.clone()))
            .collect();
        assert_eq!(
            members,
            [
                (Es, vec![0, 2]),
                (En, vec![1, 3]),
                (En, vec![4]),
                (Es, vec![5]),
            ]
        );
    }

    #[test]
    fn a_groups_key_is_its_first_questions_terms_and_stays_put_as_the_group_grows() {
        use Language::Portuguese as Pt;
        let first = group_questions(
            &[(Pt, "vocês têm seguro viagem?")],
            DEFAULT_GROUPING_THRESHOLD,
        );
        let grown = group_questions(
            &[
                (Pt, "vocês têm seguro viagem?"),
                (Pt, "quero contratar seguro viagem"),
            ],
            DEFAULT_GROUPING_THRESHOLD,
        );
        assert_eq!(grown.len(), 1);
        assert_eq!(first[0].key, grown[0].key);
        assert!(first[0].key.starts_with("pt:"), "{}", first[0].key);
    }

    #[test]
    fn typos_still_group_and_nothing_groups_at_threshold_one() {
        use Language::Portuguese as Pt;
        let questions = [
            (Pt, "vocês têm seguro viagem?"),
            (Pt, "voces tem seguro viajem"),
        ];
        assert_eq!(groups_of(&questions), [vec![0, 1]]);
        let strict = group_questions(&questions, 1.01);
        assert_eq!(strict.len(), 2);
    }

    #[test]
    fn similar_texts_score_higher_than_different_ones() {
        let pt = Language::Portuguese;
        let same = text_similarity(
            pt,
            "atendemos das 8h às 20h",
            "o atendimento é das 8h às 20h",
        );
        let other = text_similarity(pt, "atendemos das 8h às 20h", "o seguro viagem custa R$ 30");
        assert!(same > 0.5 && other < 0.1, "{same} {other}");
        assert_eq!(text_similarity(pt, "", "seguro"), 0.0);
    }

    #[test]
    fn the_same_questions_give_the_same_groups() {
        use Language::English as En;
        let questions = [
            (En, "travel insurance?"),
            (En, "bonds"),
            (En, "insurance for travel"),
        ];
        assert_eq!(
            group_questions(&questions, DEFAULT_GROUPING_THRESHOLD),
            group_questions(&questions, DEFAULT_GROUPING_THRESHOLD)
        );
        assert!(group_questions(&[], DEFAULT_GROUPING_THRESHOLD).is_empty());
    }
}
