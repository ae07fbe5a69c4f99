//! Knowledge-base retrieval: articles indexed in memory with tantivy, one index per language
//! with that language's analyzer (stop words, Snowball stemming, accent folding), searched
//! with BM25. The best article is an answer only if it contains a large enough share of the
//! question's terms: BM25 scores depend on the size of the knowledge base, shares do not.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language as TantivyLanguage, LowerCaser, RemoveLongFilter, SimpleTokenizer,
    Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{Index, IndexReader, TantivyDocument, Term, doc};

use crate::error::KnowledgeBaseError;
use crate::language::Language;

/// A knowledge-base article in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowledgeArticle {
    /// The article's id; translations of one article may share it across languages.
    pub id: String,
    /// The language it is written in.
    pub language: Language,
    /// Its title (weighs twice as much as the body in search).
    pub title: String,
    /// Its text.
    pub body: String,
}

/// The best article for a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeHit {
    /// The article's id.
    pub article_id: String,
    /// The BM25 score (title matches count double); higher is better, unbounded.
    pub score: f32,
    /// The share of the question's terms (after stop words and stemming) found in the
    /// article, in 0–1.
    pub coverage: f32,
    /// How many of the question's terms the article contains.
    pub matched_terms: usize,
    /// Whether a term of the question is in the article's title (what the article is about).
    pub in_title: bool,
}

/// The share of a question's terms an article sharing only one of them must hold.
const HALF: f32 = 0.5;

/// The share of a question's terms an article must hold to answer it when none is in its title.
const ABOUT_THE_ARTICLE_COVERAGE: f32 = 0.75;

/// The default minimum share of a question's terms an article must contain to answer it.
pub const DEFAULT_MINIMUM_KNOWLEDGE_COVERAGE: f32 = 0.3;

const TITLE_BOOST: f32 = 2.0;
const LONGEST_TOKEN: usize = 40;
const INDEXING_MEMORY_BYTES: usize = 15_000_000;

struct LanguageIndex {
    language: Language,
    reader: IndexReader,
    analyzer: TextAnalyzer,
    id: Field,
    title: Field,
    body: Field,
    /// The analyzed terms of each article's title and body, by article id.
    article_terms: HashMap<String, HashSet<String>>,
    /// Each article's title terms.
    title_terms: HashMap<String, HashSet<String>>,
}

/// Articles indexed for search; build once per knowledge-base version.
pub struct KnowledgeBase {
    indexes: Vec<LanguageIndex>,
    minimum_coverage: f32,
}

impl std::fmt::Debug for KnowledgeBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeBase")
            .field(
                "languages",
                &self.indexes.iter().map(|i| i.language).collect::<Vec<_>>(),
            )
            .field("minimum_coverage", &self.minimum_coverage)
            .finish()
    }
}

/// The search analyzer of `language`: stop words out, Snowball stems, accents folded.
pub(crate) fn analyzer_for(language: Language) -> TextAnalyzer {
    let tantivy_language = match language {
        Language::Portuguese => TantivyLanguage::Portuguese,
        Language::Spanish => TantivyLanguage::Spanish,
        Language::English => TantivyLanguage::English,
    };
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser)
        .dynamic();
    let builder = match StopWordFilter::new(tantivy_language) {
        Some(stop_words) => builder.filter_dynamic(stop_words),
        None => builder,
    };
    builder
        .filter_dynamic(Stemmer::new(tantivy_language))
        .filter_dynamic(AsciiFoldingFilter)
        .build()
}

impl KnowledgeBase {
    /// Indexes `articles`; an answer must contain at least `minimum_coverage` (in 0–1) of
    /// the question's terms.
    ///
    /// # Errors
    /// [`KnowledgeBaseError::DuplicateArticle`] when an id repeats within a language, or
    /// [`KnowledgeBaseError::Index`] if the search library fails.
    pub fn build(
        articles: &[KnowledgeArticle],
        minimum_coverage: f32,
    ) -> Result<Self, KnowledgeBaseError> {
        let mut seen = HashSet::new();
        for article in articles {
            if !seen.insert((article.language, article.id.as_str())) {
                return Err(KnowledgeBaseError::DuplicateArticle {
                    article_id: article.id.clone(),
                    language: article.language,
                });
            }
        }
        let mut indexes = Vec::new();
        for language in Language::ALL {
            let in_language: Vec<&KnowledgeArticle> =
                articles.iter().filter(|a| a.language == language).collect();
            if in_language.is_empty() {
                continue;
            }
            indexes.push(Self::index_language(language, &in_language)?);
        }
        Ok(KnowledgeBase {
            indexes,
            minimum_coverage,
        })
    }

    fn index_language(
        language: Language,
        articles: &[&KnowledgeArticle],
    ) -> Result<LanguageIndex, KnowledgeBaseError> {
        let analyzer_name = format!("tandem_{}", language.code());
        let text_options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(&analyzer_name)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let mut schema = Schema::builder();
        let id = schema.add_text_field("id", STRING | STORED);
        let title = schema.add_text_field("title", text_options.clone());
        let body = schema.add_text_field("body", text_options);
        let index = Index::create_in_ram(schema.build());
        let analyzer = analyzer_for(language);
        index
            .tokenizers()
            .register(&analyzer_name, analyzer.clone());
        let mut article_terms = HashMap::new();
        let mut title_terms = HashMap::new();
        let mut term_analyzer = analyzer.clone();
        for article in articles {
            let title: HashSet<String> = analyzed_terms(&mut term_analyzer, &article.title)
                .into_iter()
                .collect();
            let mut terms = title.clone();
            terms.extend(analyzed_terms(&mut term_analyzer, &article.body));
            article_terms.insert(article.id.clone(), terms);
            title_terms.insert(article.id.clone(), title);
        }
        let mut writer =
            index.writer_with_num_threads::<TantivyDocument>(1, INDEXING_MEMORY_BYTES)?;
        for article in articles {
            writer.add_document(doc!(
                id => article.id.as_str(),
                title => article.title.as_str(),
                body => article.body.as_str(),
            ))?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        Ok(LanguageIndex {
            language,
            reader,
            analyzer,
            id,
            title,
            body,
            article_terms,
            title_terms,
        })
    }

    /// The best article in `language` for `query` by BM25, or `None` when it does not contain
    /// the minimum share of the query's terms, or only one of three or more (a single shared
    /// word says little of what was asked), or none of the article's title (with its questions)
    /// unless it holds most of the query ("qual o melhor time do brasileirão?" shares "melhor"
    /// and "time" with the body of the support-hours article, not what it is about), or there
    /// are no articles in that language.
    ///
    /// # Errors
    /// [`KnowledgeBaseError::Index`] if the search library fails.
    pub fn search(
        &self,
        query: &str,
        language: Language,
    ) -> Result<Option<KnowledgeHit>, KnowledgeBaseError> {
        let best = self.search_top(query, language, 1)?.into_iter().next();
        Ok(best.filter(|hit| {
            hit.coverage >= self.minimum_coverage
                && (hit.matched_terms >= 2 || hit.coverage >= HALF)
                && (hit.in_title || hit.coverage >= ABOUT_THE_ARTICLE_COVERAGE)
        }))
    }

    /// The `limit` best articles in `language` for `query` by BM25, best first, each with its
    /// coverage; no minimum is applied (the caller decides what is weak).
    ///
    /// # Errors
    /// [`KnowledgeBaseError::Index`] if the search library fails.
    pub fn search_top(
        &self,
        query: &str,
        language: Language,
        limit: usize,
    ) -> Result<Vec<KnowledgeHit>, KnowledgeBaseError> {
        let Some(index) = self.indexes.iter().find(|i| i.language == language) else {
            return Ok(Vec::new());
        };
        let mut analyzer = index.analyzer.clone();
        let terms = analyzed_terms(&mut analyzer, query);
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(terms.len() * 2);
        for text in &terms {
            let title_term = TermQuery::new(
                Term::from_field_text(index.title, text),
                IndexRecordOption::WithFreqs,
            );
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(title_term), TITLE_BOOST)),
            ));
            let body_term = TermQuery::new(
                Term::from_field_text(index.body, text),
                IndexRecordOption::WithFreqs,
            );
            clauses.push((Occur::Should, Box::new(body_term)));
        }
        let searcher = index.reader.searcher();
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit).order_by_score(),
        )?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let document: TantivyDocument = searcher.doc(address)?;
            let article_id = document
                .get_first(index.id)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned();
            let found = index.article_terms.get(&article_id).map_or(0, |article| {
                terms.iter().filter(|t| article.contains(*t)).count()
            });
            let in_title = index
                .title_terms
                .get(&article_id)
                .is_some_and(|title| terms.iter().any(|t| title.contains(t)));
            hits.push(KnowledgeHit {
                article_id,
                score,
                coverage: found as f32 / terms.len() as f32,
                matched_terms: found,
                in_title,
            });
        }
        Ok(hits)
    }
}

/// The distinct terms the analyzer makes of `text`, in order of first appearance.
pub(crate) fn analyzed_terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        if !terms.contains(&token.text) {
            terms.push(token.text.clone());
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(id: &str, language: Language, title: &str, body: &str) -> KnowledgeArticle {
        KnowledgeArticle {
            id: id.to_owned(),
            language,
            title: title.to_owned(),
            body: body.to_owned(),
        }
    }

    fn knowledge_base() -> KnowledgeBase {
        use Language::{English as En, Portuguese as Pt, Spanish as Es};
        let articles = [
            article(
                "boleto",
                Pt,
                "Como emitir a segunda via do boleto",
                "Acesse o aplicativo, toque em Faturas e escolha Segunda via. O boleto atualizado vale até o vencimento.",
            ),
            article(
                "pix",
                Pt,
                "Pix não caiu na conta",
                "Transferências Pix levam até 30 minutos em horários de pico. Confira o comprovante e a chave Pix do destinatário.",
            ),
            article(
                "cartao",
                Pt,
                "Cartão bloqueado",
                "Se o cartão foi bloqueado por senha errada, desbloqueie pelo aplicativo em Cartões, Desbloquear.",
            ),
            article(
                "reembolso",
                Es,
                "Cómo pedir un reembolso",
                "Los reembolsos se solicitan en Mis pedidos. El dinero vuelve a la tarjeta en hasta 10 días hábiles.",
            ),
            article(
                "tarjeta",
                Es,
                "Tarjeta bloqueada",
                "Si tu tarjeta está bloqueada, llama al centro de atención o desbloquéala en la aplicación.",
            ),
            article(
                "refund",
                En,
                "How to request a refund",
                "Refunds are requested from My orders. The money returns to your card within 10 business days.",
            ),
            article(
                "password",
                En,
                "Resetting your password",
                "Use the Forgot password link on the login page to receive a reset e-mail.",
            ),
        ];
        KnowledgeBase::build(&articles, DEFAULT_MINIMUM_KNOWLEDGE_COVERAGE).unwrap()
    }

    #[test]
    fn questions_find_their_article_in_each_language() {
        let knowledge_base = knowledge_base();
        let cases = [
            (
                "como tiro a segunda via do boleto?",
                Language::Portuguese,
                "boleto",
            ),
            ("meu pix não caiu ainda", Language::Portuguese, "pix"),
            ("meu cartao esta bloqueado", Language::Portuguese, "cartao"),
            (
                "quiero pedir el reembolso de mi pedido",
                Language::Spanish,
                "reembolso",
            ),
            ("mi tarjeta está bloqueada", Language::Spanish, "tarjeta"),
            ("how do I get a refund?", Language::English, "refund"),
            ("I forgot my password", Language::English, "password"),
        ];
        for (query, language, expected) in cases {
            let hit = knowledge_base.search(query, language).unwrap();
            assert_eq!(
                hit.as_ref().map(|h| h.article_id.as_str()),
                Some(expected),
                "{query}: {hit:?}"
            );
        }
    }

    #[test]
    fn unrelated_questions_have_no_answer() {
        let knowledge_base = knowledge_base();
        for (query, language) in [
            ("qual a previsão do tempo amanhã", Language::Portuguese),
            ("what is the capital of france", Language::English),
            ("de que", Language::Spanish),
            ("", Language::English),
        ] {
            assert_eq!(
                knowledge_base.search(query, language).unwrap(),
                None,
                "{query}"
            );
        }
    }

    #[test]
    fn languages_without_articles_have_no_answer() {
        let articles = [article(
            "refund",
            Language::English,
            "Refunds",
            "How refunds work",
        )];
        let knowledge_base = KnowledgeBase::build(&articles, 0.0).unwrap();
        assert_eq!(
            knowledge_base
                .search("reembolso", Language::Spanish)
                .unwrap(),
            None
        );
    }

    #[test]
    fn duplicate_ids_in_one_language_are_rejected() {
        let articles = [
            article("a", Language::English, "One", "x"),
            article("a", Language::English, "Two", "y"),
            article("a", Language::Spanish, "Uno", "z"),
        ];
        assert!(matches!(
            KnowledgeBase::build(&articles, 1.0),
            Err(KnowledgeBaseError::DuplicateArticle { .. })
        ));
    }
}
