//! Recognizing a customer who needs a person because of how they feel, not what they ask:
//! threats to escalate (Procon, a lawyer, the central bank), despair ("não aguento mais", "I'm
//! crying", no money for food or medicine), exhaustion with the service ("third time I ask",
//! "nobody answers", "two weeks waiting"), sarcasm and contempt ("parabéns, pior banco"), and
//! urgency. A sentiment score misses most of these: they are often calm, polite or sarcastic.
//!
//! Each cue is a folded word sequence (a trailing `*` matches any ending: `desesperad*`) with a
//! weight; the message is distressed when the weights of the distinct cues it contains reach
//! [`DISTRESSED`]. Strong cues (a threat, despair, contempt) weigh enough alone; weak ones
//! (urgency, shouting, a complaint about waiting) need company, so "qual o limite do pix hoje?"
//! stays a question.

use tandem_nlu::Language;

use crate::words::folded_words;

/// The sum of cue weights that makes a message distressed.
pub(crate) const DISTRESSED: f32 = 1.0;

const STRONG: f32 = 1.0;
const MEDIUM: f32 = 0.6;
const WEAK: f32 = 0.4;

/// Cues, in pt, es and en together: short messages are often detected in the wrong language.
const CUES: &[(&str, f32)] = &[
    // Threats to escalate.
    ("procon", STRONG),
    ("reclame aqui", STRONG),
    ("reclameaqui", STRONG),
    ("banco central", STRONG),
    ("bacen", STRONG),
    ("advogad*", STRONG),
    ("juizado", STRONG),
    ("justica", STRONG),
    ("vou processar", STRONG),
    ("processar voces", STRONG),
    ("processar o banco", STRONG),
    ("processo contra", STRONG),
    ("denunci*", STRONG),
    ("ouvidoria", STRONG),
    ("consumidor gov", STRONG),
    ("profeco", STRONG),
    ("condusef", STRONG),
    ("superintendencia", STRONG),
    ("abogad*", STRONG),
    ("demandar*", STRONG),
    ("demanda contra", STRONG),
    ("lawyer", STRONG),
    ("attorney", STRONG),
    ("sue you", STRONG),
    ("suing", STRONG),
    ("lawsuit", STRONG),
    ("cfpb", STRONG),
    ("ombudsman", STRONG),
    ("report you", STRONG),
    ("redes sociais", STRONG),
    ("redes sociales", STRONG),
    ("social media", STRONG),
    ("expor voces", STRONG),
    ("exponer*", STRONG),
    ("trocar de banco", STRONG),
    ("cambiarme de banco", STRONG),
    ("cambiar de banco", STRONG),
    ("switching banks", STRONG),
    ("isso nao vai ficar assim", STRONG),
    ("esto no se va a quedar asi", STRONG),
    ("no se va a quedar asi", STRONG),
    // Despair and distress.
    ("desesperad*", STRONG),
    ("desespero", STRONG),
    ("desperate", STRONG),
    ("chorando", STRONG),
    ("chorar", STRONG),
    ("llorando", STRONG),
    ("crying", STRONG),
    ("in tears", STRONG),
    ("nao aguento", STRONG),
    ("nao aguento mais", STRONG),
    ("no aguanto", STRONG),
    ("cant take", STRONG),
    ("cant do this", STRONG),
    ("nao sei mais o que fazer", STRONG),
    ("nao sei o que fazer", STRONG),
    ("ya no se que hacer", STRONG),
    ("no se que hacer", STRONG),
    ("dont know what to do", STRONG),
    ("pelo amor de deus", STRONG),
    ("por el amor de dios", STRONG),
    ("por amor de dios", STRONG),
    ("for gods sake", STRONG),
    ("socorro", STRONG),
    ("auxilio", STRONG),
    ("help me", WEAK),
    ("me ajuda", WEAK),
    ("me ajudem", WEAK),
    ("ayudenme", WEAK),
    ("ayudame", WEAK),
    ("panico", STRONG),
    ("panic*", STRONG),
    ("apavorad*", STRONG),
    ("com medo", STRONG),
    ("tenho medo", STRONG),
    ("tengo miedo", STRONG),
    ("scared", STRONG),
    ("terrified", STRONG),
    ("afraid", MEDIUM),
    ("cant sleep", STRONG),
    ("nao consigo dormir", STRONG),
    ("no puedo dormir", STRONG),
    ("sem dinheiro", STRONG),
    ("sem um real", STRONG),
    ("sem um centavo", STRONG),
    ("sin un peso", STRONG),
    ("sin dinero", STRONG),
    ("sin un centavo", STRONG),
    ("no money", STRONG),
    ("broke", MEDIUM),
    ("comida", MEDIUM),
    ("comer", MEDIUM),
    ("almoco", MEDIUM),
    ("food", MEDIUM),
    ("remedio*", MEDIUM),
    ("medicina*", MEDIUM),
    ("medicamento*", MEDIUM),
    ("medicine", MEDIUM),
    ("pharmacy", MEDIUM),
    ("farmacia", MEDIUM),
    ("hospital", MEDIUM),
    ("internad*", MEDIUM),
    ("despejo", STRONG),
    ("despejar*", STRONG),
    ("evict*", STRONG),
    ("perder minha casa", STRONG),
    ("perder mi casa", STRONG),
    ("lose the house", STRONG),
    ("lose our house", STRONG),
    ("lose my house", STRONG),
    ("meus filhos", WEAK),
    ("minha filha", WEAK),
    ("meu filho", WEAK),
    ("mis hijos", WEAK),
    ("mi hija", WEAK),
    ("mi hijo", WEAK),
    ("my kids", WEAK),
    ("my children", WEAK),
    ("my son", WEAK),
    ("my daughter", WEAK),
    ("single mom", MEDIUM),
    ("mae solo", MEDIUM),
    ("madre soltera", MEDIUM),
    ("im done", STRONG),
    ("nao da mais", STRONG),
    ("ya no puedo", STRONG),
    ("estoy harto", STRONG),
    ("estoy harta", STRONG),
    ("cansad*", MEDIUM),
    ("agotad*", MEDIUM),
    ("exhausted", MEDIUM),
    ("fed up", STRONG),
    ("sick of", STRONG),
    ("tired of", STRONG),
    ("cansei", STRONG),
    ("to farto", STRONG),
    ("estou farto", STRONG),
    ("stressed", MEDIUM),
    ("estresad*", MEDIUM),
    ("estressad*", MEDIUM),
    ("nervos*", MEDIUM),
    ("angustiad*", STRONG),
    ("preocupad*", MEDIUM),
    ("worried", MEDIUM),
    ("sumiu", MEDIUM),
    ("desaparec*", MEDIUM),
    ("vanished", MEDIUM),
    ("disappeared", MEDIUM),
    ("vaciaron", STRONG),
    ("esvaziaram", STRONG),
    ("limparam minha conta", STRONG),
    ("emptied", STRONG),
    ("cortaram", MEDIUM),
    ("cortaron", MEDIUM),
    ("cut off", MEDIUM),
    ("me conteste", WEAK),
    ("me responda", WEAK),
    ("me responde", WEAK),
    ("me explica", WEAK),
    ("nao tenho dinheiro", STRONG),
    ("no tengo dinero", STRONG),
    ("no tengo para", STRONG),
    ("no tengo ni para", STRONG),
    ("sem grana", STRONG),
    ("no cash", STRONG),
    ("stranded", STRONG),
    ("varad*", STRONG),
    ("piling up", MEDIUM),
    ("bills", WEAK),
    ("contas", WEAK),
    ("comido", MEDIUM),
    ("comeram", MEDIUM),
    ("eaten", MEDIUM),
    ("minha mae", WEAK),
    ("meu pai", WEAK),
    ("mi mama", WEAK),
    ("mi papa", WEAK),
    ("my mom", WEAK),
    ("my dad", WEAK),
    ("sem avisar", MEDIUM),
    ("sin avisar", MEDIUM),
    ("amador*", STRONG),
    ("amateur*", STRONG),
    ("desastre", STRONG),
    ("disaster", STRONG),
    ("mediocre*", STRONG),
    ("lamentavel", STRONG),
    ("lamentable", STRONG),
    ("pathetic", STRONG),
    ("patetic*", STRONG),
    ("vergonhoso", STRONG),
    ("de cuarta", STRONG),
    ("de quinta", STRONG),
    ("inadmissivel", STRONG),
    ("inadmisible", STRONG),
    ("inadmissible", STRONG),
    ("serasa", MEDIUM),
    ("spc", MEDIUM),
    ("negativad*", MEDIUM),
    ("buro", MEDIUM),
    ("credit score", MEDIUM),
    ("pqp", STRONG),
    ("ptqp", STRONG),
    ("vsf", STRONG),
    ("fdp", STRONG),
    ("porra", STRONG),
    ("caralho", STRONG),
    ("cacete", STRONG),
    ("ctm", STRONG),
    ("hdp", STRONG),
    ("carajo", STRONG),
    ("joder", STRONG),
    ("chingad*", STRONG),
    ("puta", STRONG),
    ("ffs", STRONG),
    ("damn", MEDIUM),
    ("dammit", STRONG),
    ("droga", MEDIUM),
    ("kidding me", STRONG),
    ("bromeando", STRONG),
    ("brincadeira", MEDIUM),
    ("tirando onda", STRONG),
    ("ninguem resolve", STRONG),
    ("nadie resuelve", STRONG),
    ("nobody solves", STRONG),
    ("nobody fixes", STRONG),
    ("nobody helps", STRONG),
    ("no one helps", STRONG),
    ("ninguem ajuda", STRONG),
    ("nadie ayuda", STRONG),
    ("resolve nada", MEDIUM),
    ("resuelve nada", MEDIUM),
    ("solves anything", MEDIUM),
    ("solves nothing", MEDIUM),
    ("siempre lo mismo", MEDIUM),
    ("sempre a mesma", MEDIUM),
    ("same story", MEDIUM),
    ("every single time", MEDIUM),
    ("no cumplen", MEDIUM),
    ("nao cumprem", MEDIUM),
    ("never deliver", MEDIUM),
    ("prometen", MEDIUM),
    ("cada hora um", MEDIUM),
    ("cada um fala", MEDIUM),
    ("cada quien", MEDIUM),
    ("algo distinto", WEAK),
    ("bbb", STRONG),
    ("better business bureau", STRONG),
    ("twitter", MEDIUM),
    ("instagram", MEDIUM),
    ("tiktok", MEDIUM),
    ("facebook", MEDIUM),
    ("posting this", MEDIUM),
    ("postar", MEDIUM),
    ("publicar", WEAK),
    // Exhaustion with the service.
    ("terceira vez", MEDIUM),
    ("quarta vez", MEDIUM),
    ("quinta vez", MEDIUM),
    ("tercera vez", MEDIUM),
    ("cuarta vez", MEDIUM),
    ("third time", MEDIUM),
    ("fourth time", MEDIUM),
    ("fifth time", MEDIUM),
    ("vezes", WEAK),
    ("veces", WEAK),
    ("times", WEAK),
    ("toda vez", MEDIUM),
    ("todas as vezes", MEDIUM),
    ("cada vez", WEAK),
    ("every time", MEDIUM),
    ("mesma coisa", MEDIUM),
    ("misma cosa", MEDIUM),
    ("same thing", MEDIUM),
    ("de novo", WEAK),
    ("otra vez", WEAK),
    ("again", WEAK),
    ("ninguem", MEDIUM),
    ("nadie", MEDIUM),
    ("nobody", MEDIUM),
    ("no one", MEDIUM),
    ("nenhuma resposta", MEDIUM),
    ("ninguna respuesta", MEDIUM),
    ("no answer", MEDIUM),
    ("sem resposta", MEDIUM),
    ("sin respuesta", MEDIUM),
    ("esperando", WEAK),
    ("waiting", WEAK),
    ("aguardando", WEAK),
    ("prometem", MEDIUM),
    ("prometeram", MEDIUM),
    ("prometieron", MEDIUM),
    ("promised", MEDIUM),
    ("promise", WEAK),
    ("explicar tudo", MEDIUM),
    ("explicar todo", MEDIUM),
    ("explain everything", MEDIUM),
    ("explicado", WEAK),
    ("expliquei", WEAK),
    ("explained", WEAK),
    ("copy paste", MEDIUM),
    ("copia e cola", MEDIUM),
    ("mensagem automatica", MEDIUM),
    ("respuesta automatica", MEDIUM),
    ("nao resolve", MEDIUM),
    ("nao resolvem", MEDIUM),
    ("no resuelve", MEDIUM),
    ("no resuelven", MEDIUM),
    ("nothing works", MEDIUM),
    ("doesnt work", WEAK),
    ("nada funciona", MEDIUM),
    ("e nada", MEDIUM),
    ("y nada", MEDIUM),
    ("still nothing", MEDIUM),
    ("sigo igual", MEDIUM),
    ("continua igual", MEDIUM),
    // Contempt, sarcasm and insults.
    ("absurd*", STRONG),
    ("ridicul*", STRONG),
    ("vergonha", STRONG),
    ("verguenza", STRONG),
    ("shame*", STRONG),
    ("disgrace*", STRONG),
    ("palhacada", STRONG),
    ("palhacos", STRONG),
    ("payasos", STRONG),
    ("clowns", STRONG),
    ("piada", STRONG),
    ("joke", STRONG),
    ("chiste", STRONG),
    ("burla", STRONG),
    ("incompetent*", STRONG),
    ("inutil", STRONG),
    ("inuteis", STRONG),
    ("inutiles", STRONG),
    ("useless", STRONG),
    ("pessim*", STRONG),
    ("horrivel", STRONG),
    ("horrible", STRONG),
    ("terrible", STRONG),
    ("awful", STRONG),
    ("pior banco", STRONG),
    ("peor banco", STRONG),
    ("worst", STRONG),
    ("parabens", MEDIUM),
    ("felicidades", MEDIUM),
    ("congrat*", MEDIUM),
    ("unbelievable", STRONG),
    ("inacreditavel", STRONG),
    ("increible", MEDIUM),
    ("descaso", STRONG),
    ("falta de respeito", STRONG),
    ("falta de respeto", STRONG),
    ("disrespect*", STRONG),
    ("this is how you treat", STRONG),
    ("assim que voces tratam", STRONG),
    ("asi tratan", STRONG),
    ("tomando el pelo", STRONG),
    ("merda", STRONG),
    ("porcaria", STRONG),
    ("lixo", STRONG),
    ("mierda", STRONG),
    ("basura", STRONG),
    ("shit", STRONG),
    ("crap", STRONG),
    ("bullshit", STRONG),
    ("wtf", STRONG),
    ("ladroes", STRONG),
    ("ladrones", STRONG),
    ("thieves", STRONG),
    ("roubo", MEDIUM),
    ("robo", WEAK),
    ("stealing", MEDIUM),
    ("scam", STRONG),
    ("golpe", MEDIUM),
    ("estafa", MEDIUM),
    ("indignad*", STRONG),
    ("furios*", STRONG),
    ("irritad*", STRONG),
    ("revoltad*", STRONG),
    ("molest*", MEDIUM),
    ("enojad*", STRONG),
    ("angry", STRONG),
    ("furious", STRONG),
    ("outraged", STRONG),
    ("pissed", STRONG),
    ("frustrad*", STRONG),
    ("frustrat*", STRONG),
    ("decepcionad*", STRONG),
    ("disappointed", STRONG),
    ("unacceptable", STRONG),
    ("inaceitavel", STRONG),
    ("inaceptable", STRONG),
    ("sinceramente", WEAK),
    ("seriously", WEAK),
    ("en serio", WEAK),
    ("serio", WEAK),
    ("serious", WEAK),
    // Urgency and demands.
    ("urgente", WEAK),
    ("urgent", WEAK),
    ("emergencia", MEDIUM),
    ("emergency", MEDIUM),
    ("agora", WEAK),
    ("ahora", WEAK),
    ("now", WEAK),
    ("hoje", WEAK),
    ("hoy", WEAK),
    ("today", WEAK),
    ("amanha", WEAK),
    ("manana", WEAK),
    ("tomorrow", WEAK),
    ("aluguel", WEAK),
    ("renta", WEAK),
    ("rent", WEAK),
    ("contas vencendo", MEDIUM),
    ("late notice", MEDIUM),
    ("aviso", WEAK),
    ("notificacao", WEAK),
    ("sem aviso", MEDIUM),
    ("sin aviso", MEDIUM),
    ("without warning", MEDIUM),
    ("devolvam", MEDIUM),
    ("devuelvan", MEDIUM),
    ("money back", MEDIUM),
    ("meu dinheiro", WEAK),
    ("mi dinero", WEAK),
    ("my money", WEAK),
    ("never took", MEDIUM),
    ("nunca pedi", MEDIUM),
    ("travada", WEAK),
    ("trabada", WEAK),
    ("bloquearam", WEAK),
    ("congelaron", WEAK),
    ("froze", WEAK),
    ("bounced", MEDIUM),
    ("declined", WEAK),
    ("recusado", WEAK),
    ("rechazaron", WEAK),
    ("nunca", WEAK),
    ("never", WEAK),
    ("mistake", WEAK),
    ("erro de voces", MEDIUM),
    ("error de ustedes", MEDIUM),
    ("your mistake", MEDIUM),
    ("culpa", MEDIUM),
    ("fault", MEDIUM),
];

/// Emoji that only ever mean anger or despair.
const DISTRESS_EMOJI: &[char] = &['😡', '🤬', '😤', '😠', '😭', '😢', '😩', '😫', '💢', '🖕'];

/// The cues found in `text` and their total weight, whether or not it reaches [`DISTRESSED`].
pub(crate) fn distress_cues(
    text: &str,
    language: Language,
    is_shouting: bool,
) -> (Vec<String>, f32) {
    let words = folded_words(text, language);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let mut found: Vec<String> = Vec::new();
    let mut total = 0.0;
    for (cue, weight) in CUES {
        if !found.iter().any(|seen| seen == cue) && contains_cue(&words, cue) {
            found.push((*cue).to_owned());
            total += weight;
        }
    }
    if text.chars().any(|c| DISTRESS_EMOJI.contains(&c)) {
        found.push("emoji".to_owned());
        total += STRONG;
    }
    if text.contains("!!") || text.contains("??") || text.contains("?!") {
        found.push("!!".to_owned());
        total += WEAK;
    }
    if has_masked_swear(text) {
        found.push("masked_swear".to_owned());
        total += STRONG;
    }
    if mentions_long_wait(&words) {
        found.push("long_wait".to_owned());
        total += WEAK;
    }
    if has_shouted_demand(text, language) {
        found.push("shouted_demand".to_owned());
        total += MEDIUM;
    }
    if is_shouting {
        found.push("shouting".to_owned());
        total += MEDIUM;
    }
    (found, total)
}

/// Words that demand haste.
const DEMANDS: &[&str] = &[
    "ya", "ja", "agora", "ahora", "now", "hoje", "hoy", "today", "urgente", "urgent",
];

/// A word of haste typed in capitals ("quiero mi dinero YA").
fn has_shouted_demand(text: &str, language: Language) -> bool {
    text.split_whitespace().any(|token| {
        let word: String = token.chars().filter(|c| c.is_alphabetic()).collect();
        word.chars().count() >= 2
            && word.chars().all(char::is_uppercase)
            && folded_words(&word, language)
                .first()
                .is_some_and(|folded| DEMANDS.contains(&folded.as_str()))
    })
}

/// A swear word with a letter starred out ("m*rda", "sh*t").
fn has_masked_swear(text: &str) -> bool {
    text.split_whitespace().any(|word| {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '*');
        word.char_indices().any(|(index, c)| {
            c == '*'
                && word[..index]
                    .chars()
                    .last()
                    .is_some_and(char::is_alphabetic)
                && word[index + 1..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphabetic)
        })
    })
}

const WAITING_WORDS: &[&str] = &[
    "esperando",
    "aguardando",
    "espero",
    "llevo",
    "waiting",
    "waited",
    "faz",
    "hace",
    "hold",
    "retido",
    "retenido",
    "parado",
    "parada",
    "travado",
];
const DURATIONS: &[&str] = &[
    "minutos", "horas", "dias", "semanas", "semana", "mes", "meses", "minutes", "hours", "days",
    "weeks", "week", "month", "months",
];

/// Waiting and a duration in one message: "40 minutos esperando", "llevo dos semanas".
fn mentions_long_wait(words: &[&str]) -> bool {
    words.iter().any(|word| WAITING_WORDS.contains(word))
        && words.iter().any(|word| DURATIONS.contains(word))
}

fn contains_cue(words: &[&str], cue: &str) -> bool {
    let parts: Vec<&str> = cue.split(' ').collect();
    words.len() >= parts.len()
        && words.windows(parts.len()).any(|window| {
            window
                .iter()
                .zip(&parts)
                .all(|(word, part)| match part.strip_suffix('*') {
                    Some(prefix) => word.starts_with(prefix),
                    None => word == part,
                })
        })
}
