//! Built-in off-topic messages in pt, es and en (weather, sports, trivia, jokes, recipes...)
//! that train the out-of-scope class of every profile unless it opts out, so a profile with
//! only a handful of intents still says "I don't know" instead of forcing a match.

use crate::language::Language;

/// The built-in off-topic examples, with their language.
pub fn off_topic_examples() -> impl Iterator<Item = (Language, &'static str)> {
    PORTUGUESE
        .iter()
        .map(|text| (Language::Portuguese, *text))
        .chain(SPANISH.iter().map(|text| (Language::Spanish, *text)))
        .chain(ENGLISH.iter().map(|text| (Language::English, *text)))
}

const PORTUGUESE: &[&str] = &[
    "qual a previsão do tempo para amanhã",
    "vai chover hoje em são paulo",
    "quem ganhou o jogo do flamengo ontem",
    "me conta uma piada",
    "qual a capital da austrália",
    "qual a receita de bolo de cenoura",
    "quantos anos tem o presidente",
    "qual o melhor filme do ano",
    "que horas são em tóquio",
    "toca uma música do caetano",
    "quanto é 25 vezes 4",
    "qual a distância da terra até a lua",
    "me recomenda um livro de ficção",
    "quem descobriu o brasil",
    "como faço para perder peso rápido",
    "qual o resultado da mega sena",
    "traduz gato para o japonês",
    "você gosta de futebol",
    "qual a cotação do bitcoin hoje",
    "onde fica o restaurante mais próximo",
];

const SPANISH: &[&str] = &[
    "cuál es el pronóstico del tiempo para mañana",
    "va a llover hoy en madrid",
    "quién ganó el partido del real madrid",
    "cuéntame un chiste",
    "cuál es la capital de australia",
    "cuál es la receta de la paella",
    "cuántos años tiene el presidente",
    "cuál es la mejor película del año",
    "qué hora es en tokio",
    "pon una canción de shakira",
    "cuánto es 25 por 4",
    "qué distancia hay de la tierra a la luna",
    "recomiéndame un libro de ficción",
    "quién descubrió américa",
    "cómo bajo de peso rápido",
    "cuáles son los números de la lotería",
    "traduce gato al japonés",
    "te gusta el fútbol",
    "a cuánto está el bitcoin hoy",
    "dónde hay un restaurante cerca",
];

const ENGLISH: &[&str] = &[
    "what is the weather forecast for tomorrow",
    "is it going to rain today in london",
    "who won the lakers game last night",
    "tell me a joke",
    "what is the capital of australia",
    "how do i make banana bread",
    "how old is the president",
    "what is the best movie of the year",
    "what time is it in tokyo",
    "play a song by taylor swift",
    "what is 25 times 4",
    "how far is the moon from earth",
    "recommend me a fiction book",
    "who discovered america",
    "how can i lose weight fast",
    "what are the lottery numbers",
    "translate cat into japanese",
    "do you like football",
    "what is the price of bitcoin today",
    "where is the nearest restaurant",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_the_same_number_of_examples() {
        for language in Language::ALL {
            let count = off_topic_examples().filter(|(l, _)| *l == language).count();
            assert_eq!(count, 20, "{language}");
        }
    }
}
