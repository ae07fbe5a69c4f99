//! Multi-turn conversations with the demo profile: greeting once, answers in the customer's
//! language, knowledge-base citations, slot filling with validation, clarification, actions
//! and their failures, handover messages and hand-back.

use jiff::civil::date;
use serde_json::json;
use tandem_domain::contact::Attributes;
use tandem_domain::event::HandoverReason;
use tandem_nlu::Language;

use super::*;
use crate::testing::{ENGINE, PROFILE, today};

/// A valid CPF (check digits correct) and the same number with a wrong last digit.
const GOOD_CPF: &str = "529.982.247-25";
const BAD_CPF: &str = "529.982.247-26";

struct Conversation {
    state: BotState,
    attributes: Attributes,
    availability: TeamAvailability,
}

impl Conversation {
    fn new() -> Self {
        Conversation {
            state: BotState::new(),
            attributes: Attributes::new(),
            availability: TeamAvailability::default(),
        }
    }

    fn say(&mut self, text: &str) -> BotTurn {
        let analysis = ENGINE
            .analyze(text, &self.state.analysis_context(today()))
            .unwrap();
        let turn = Bot::new(&PROFILE).turn(
            &self.state,
            &CustomerTurn {
                text,
                analysis: &analysis,
                attributes: &self.attributes,
                requested_person: false,
                availability: self.availability,
            },
        );
        self.state = turn.new_state.clone();
        turn
    }

    fn action_result(&mut self, outcome: &ActionOutcome) -> BotTurn {
        let turn = Bot::new(&PROFILE).action_result(
            &self.state,
            outcome,
            &self.attributes,
            self.availability,
        );
        self.state = turn.new_state.clone();
        turn
    }

    /// A conversation that has already been greeted.
    fn greeted() -> Self {
        let mut conversation = Conversation::new();
        conversation.say("oi");
        conversation
    }
}

fn texts(turn: &BotTurn) -> Vec<&str> {
    turn.replies
        .iter()
        .map(|reply| reply.text.as_str())
        .collect()
}

#[test]
fn the_bot_greets_once() {
    let mut conversation = Conversation::new();
    let first = conversation.say("oi, tudo bem?");
    assert_eq!(first.replies.len(), 1);
    assert!(
        first.replies[0].text.starts_with("Olá! Eu sou a Aurora"),
        "{first:?}"
    );
    assert_eq!(first.outcome, TurnOutcome::SmallTalk);
    let second = conversation.say("olá");
    assert_eq!(texts(&second).len(), 1);
    assert!(
        second.replies[0].text.starts_with("Como posso ajudar?"),
        "{second:?}"
    );
    let third = conversation.say("qual o limite do pix?");
    assert!(!third.replies[0].text.contains("Eu sou a Aurora"));
}

#[test]
fn the_first_request_is_greeted_and_answered() {
    let mut conversation = Conversation::new();
    let turn = conversation.say("qual o limite do pix?");
    assert_eq!(turn.replies.len(), 2);
    assert!(turn.replies[0].text.starts_with("Olá!"));
    assert!(
        turn.replies[1].text.starts_with("O limite padrão do Pix"),
        "{turn:?}"
    );
    assert_eq!(
        turn.outcome,
        TurnOutcome::Answered {
            intent: Some("pix_limits".to_owned()),
            article_id: None
        }
    );
}

#[test]
fn replies_are_in_the_customers_language() {
    let cases = [
        (
            "qual o limite do pix?",
            Language::Portuguese,
            "O limite padrão do Pix",
        ),
        (
            "cuál es el límite de pix?",
            Language::Spanish,
            "El límite estándar de Pix",
        ),
        (
            "what is the pix limit?",
            Language::English,
            "The standard Pix limit",
        ),
    ];
    for (text, language, expected) in cases {
        let mut conversation = Conversation::greeted();
        let turn = conversation.say(text);
        assert_eq!(turn.language, language, "{text}");
        assert!(
            turn.replies[0].text.starts_with(expected),
            "{text}: {turn:?}"
        );
        assert_eq!(conversation.state.language, Some(language));
    }
}

#[test]
fn every_answer_reminds_the_customer_that_a_person_is_available() {
    let cases = [
        (
            "qual o limite do pix?",
            "Se preferir, é só pedir para falar com uma pessoa.",
        ),
        (
            "cuál es el límite de pix?",
            "Si prefieres, pide hablar con una persona.",
        ),
        (
            "what is the pix limit?",
            "If you'd rather, just ask to talk to a person.",
        ),
    ];
    for (text, hint) in cases {
        let turn = Conversation::greeted().say(text);
        assert!(
            turn.replies.last().unwrap().text.ends_with(hint),
            "{turn:?}"
        );
    }
}

#[test]
fn intents_answered_by_an_article_cite_it() {
    let cases = [
        ("meu pix não caiu", "Pix não concluído ou com erro"),
        ("mi pix no llegó", "Pix no completado o con error"),
        ("my pix didn't go through", "Pix failed or not completed"),
    ];
    for (text, title) in cases {
        let turn = Conversation::greeted().say(text);
        assert_eq!(
            turn.replies[0].cites_article.as_deref(),
            Some("pix-failed"),
            "{text}"
        );
        assert!(turn.replies[0].text.starts_with(title), "{turn:?}");
        assert_eq!(
            turn.new_state.answered.last(),
            Some(&Answered::Article {
                article_id: "pix-failed".to_owned()
            })
        );
    }
}

#[test]
fn questions_outside_the_intents_are_answered_from_the_knowledge_base() {
    let mut conversation = Conversation::greeted();
    let turn = conversation.say("o que é o mecanismo especial de devolução?");
    assert_eq!(
        turn.replies[0].cites_article.as_deref(),
        Some("pix-refund"),
        "{turn:?}"
    );
    assert!(turn.replies[0].text.contains("MED"));
}

#[test]
fn a_bad_cpf_is_asked_again_and_a_good_one_runs_the_action() {
    let mut conversation = Conversation::greeted();
    let asked = conversation.say("quero a segunda via do boleto");
    assert_eq!(
        asked.outcome,
        TurnOutcome::AskedForSlot {
            intent: "second_copy_boleto".to_owned(),
            slot: "cpf".to_owned()
        }
    );
    assert!(
        asked.replies[0]
            .text
            .starts_with("Claro! Para encontrar seu boleto, me diga o seu CPF.")
    );

    let again = conversation.say(BAD_CPF);
    assert!(
        again.replies[0]
            .text
            .starts_with("Hmm, isso não parece válido. Claro! Para encontrar seu boleto"),
        "{again:?}"
    );
    assert_eq!(
        conversation.state.pending_slot.as_ref().unwrap().attempts,
        1
    );
    assert!(again.handover.is_none());

    let running = conversation.say(&format!("é {GOOD_CPF}"));
    assert!(running.replies.is_empty());
    let request = running.action.unwrap();
    assert_eq!(request.method, crate::profile::HttpMethod::Post);
    assert_eq!(
        request.url,
        "http://127.0.0.1:8081/core-banking/boletos/second-copy"
    );
    assert_eq!(request.body, Some(json!({"cpf": "52998224725"})));
    assert_eq!((request.timeout_ms, request.retries), (3000, 1));
    assert_eq!(
        conversation.state.pending_action.as_deref(),
        Some("second_copy_boleto")
    );

    let answered = conversation.action_result(&ActionOutcome::Succeeded {
        intent: "second_copy_boleto".to_owned(),
        result: json!({"amount": "129,90", "due_date": "30/11/2026", "digitable_line": "34191.79001 01043.510047"}),
    });
    assert!(
        answered.replies[0].text.starts_with(
            "Pronto! Aqui está a segunda via do seu boleto de R$ 129,90, com vencimento em 30/11/2026.\nLinha digitável: 34191.79001 01043.510047"
        ),
        "{answered:?}"
    );
    assert_eq!(conversation.state.pending_action, None);
    assert_eq!(
        conversation
            .state
            .masked_slots(&PROFILE)
            .get("cpf")
            .map(String::as_str),
        Some("***.***.***-25")
    );
}

#[test]
fn slots_are_remembered_for_the_conversation() {
    let mut conversation = Conversation::greeted();
    let first = conversation.say(&format!("segunda via do boleto, meu cpf é {GOOD_CPF}"));
    assert!(first.action.is_some(), "{first:?}");
    conversation.action_result(&ActionOutcome::Succeeded {
        intent: "second_copy_boleto".to_owned(),
        result: json!({"amount": "1", "due_date": "2", "digitable_line": "3"}),
    });
    let balance = conversation.say("qual é o meu saldo?");
    let request = balance.action.expect("no second question for the CPF");
    assert_eq!(
        request.url,
        "http://127.0.0.1:8081/core-banking/accounts/52998224725/balance"
    );
    assert_eq!(request.body, None);
}

#[test]
fn get_actions_send_their_slots_as_query_parameters() {
    let mut conversation = Conversation::greeted();
    conversation.say("quanto é minha fatura?");
    let turn = conversation.say(GOOD_CPF);
    assert_eq!(
        turn.action.unwrap().url,
        "http://127.0.0.1:8081/core-banking/cards/invoice?cpf=52998224725"
    );
}

#[test]
fn three_bad_answers_hand_over_as_a_bot_failure() {
    let mut conversation = Conversation::greeted();
    conversation.say("quiero la segunda copia del boleto");
    conversation.say(BAD_CPF);
    conversation.say("111.111.111-12");
    let turn = conversation.say("123.456.789-00");
    let decision = turn.handover.clone().unwrap();
    assert_eq!(decision.reason, HandoverReason::BotFailure);
    assert_eq!(
        decision.evidence,
        Evidence::SlotAttemptsExhausted {
            intent: "second_copy_boleto".to_owned(),
            slot: "cpf".to_owned(),
            attempts: 3
        }
    );
    assert!(
        turn.replies[0]
            .text
            .starts_with("No pude resolver esto por aquí"),
        "the customer is told the bot could not do it: {turn:?}"
    );
    assert_eq!(conversation.state.pending_slot, None);
}

#[test]
fn a_new_request_while_a_slot_is_pending_changes_the_subject() {
    let mut conversation = Conversation::greeted();
    conversation.say("quero a segunda via do boleto");
    let turn = conversation.say("qual o limite do pix?");
    assert!(
        turn.replies[0].text.starts_with("O limite padrão do Pix"),
        "{turn:?}"
    );
    assert_eq!(conversation.state.pending_slot, None);
}

#[test]
fn close_intents_are_clarified() {
    let mut conversation = Conversation::greeted();
    let question = conversation.say("pix noturno");
    assert_eq!(
        question.outcome,
        TurnOutcome::Clarifying {
            options: vec!["pix_failed".to_owned(), "pix_limits".to_owned()]
        }
    );
    assert!(
        question.replies[0]
            .text
            .starts_with("Você quis dizer um Pix que não foi concluído ou os limites do Pix?"),
        "{question:?}"
    );
    let answer = conversation.say("o segundo");
    assert!(
        answer.replies[0].text.starts_with("O limite padrão do Pix"),
        "{answer:?}"
    );
    assert!(conversation.state.pending_clarification.is_empty());
}

#[test]
fn a_clarification_can_be_answered_with_the_topic() {
    let mut conversation = Conversation::greeted();
    conversation.say("pix noturno");
    let answer = conversation.say("os limites");
    assert!(
        answer.replies[0].text.starts_with("O limite padrão do Pix"),
        "{answer:?}"
    );
}

#[test]
fn the_handover_message_fits_why_a_person_is_needed() {
    let cases = [
        ("quero falar com um atendente", "Certo! Vou te passar"),
        (
            "VOCÊS SÃO UM LIXO, ninguém resolve nada, vou no Procon",
            "Sinto muito por isso.",
        ),
        (
            "tem uma compra no meu cartão que eu não reconheço",
            "Entendi. Esse assunto precisa de uma pessoa",
        ),
    ];
    for (text, expected) in cases {
        let mut conversation = Conversation::new();
        let turn = conversation.say(text);
        assert_eq!(turn.outcome, TurnOutcome::HandedOver, "{text}");
        let last = &turn.replies.last().unwrap().text;
        assert!(last.starts_with(expected), "{text}: {last}");
        assert!(
            !last.contains("Certo!") || expected.starts_with("Certo"),
            "{text}: {last}"
        );
    }
}

#[test]
fn handover_messages_are_in_the_customers_language() {
    let cases = [
        (
            "quero falar com um atendente",
            "Certo! Vou te passar para uma pessoa do time Aurora.",
        ),
        (
            "quiero hablar con un agente",
            "¡Listo! Te paso con una persona del equipo Aurora.",
        ),
        (
            "talk to a human",
            "Sure! I'm passing you to a person on the Aurora team.",
        ),
    ];
    for (text, expected) in cases {
        let mut conversation = Conversation::new();
        conversation.availability = TeamAvailability::Open {
            queue_position: Some(3),
        };
        let turn = conversation.say(text);
        assert_eq!(turn.outcome, TurnOutcome::HandedOver);
        assert_eq!(
            turn.handover.as_ref().unwrap().reason,
            HandoverReason::CustomerRequest
        );
        assert_eq!(turn.replies.len(), 1, "no greeting before a handover");
        assert!(turn.replies[0].text.starts_with(expected), "{turn:?}");
        assert!(turn.replies[0].text.contains(" 3 "), "{turn:?}");
    }
}

#[test]
fn out_of_hours_the_customer_is_told_when_the_team_is_back() {
    let mut conversation = Conversation::greeted();
    conversation.availability = TeamAvailability::Closed {
        reopens_at: date(2026, 11, 23).at(8, 0, 0, 0),
        today: date(2026, 11, 20),
        bot_stays: false,
    };
    let turn = conversation.say("quiero hablar con una persona");
    assert!(
        turn.replies[0]
            .text
            .contains("fuera de horario y vuelve el lunes a las 08:00"),
        "{turn:?}"
    );
}

#[test]
fn a_failed_action_hands_over_and_a_stale_one_is_ignored() {
    let mut conversation = Conversation::greeted();
    conversation.say(&format!("what's my balance? my cpf is {GOOD_CPF}"));
    assert_eq!(
        conversation.state.pending_action.as_deref(),
        Some("balance")
    );
    let stale = conversation.action_result(&ActionOutcome::Succeeded {
        intent: "loan_offer".to_owned(),
        result: json!({}),
    });
    assert_eq!(stale.outcome, TurnOutcome::Ignored);
    assert!(stale.replies.is_empty());
    let turn = conversation.action_result(&ActionOutcome::Failed {
        intent: "balance".to_owned(),
        failure: ActionFailure {
            kind: ActionFailureKind::Timeout,
            attempts: 2,
        },
    });
    let decision = turn.handover.clone().unwrap();
    assert_eq!(decision.reason, HandoverReason::ActionFailed);
    assert_eq!(
        decision.evidence_json(),
        json!({"trigger": "action_failed", "intent": "balance", "failure": {"kind": "timeout"}, "attempts": 2})
    );
    assert!(
        turn.replies[0]
            .text
            .starts_with("I couldn't sort this out here"),
        "the customer is told the bot could not do it: {turn:?}"
    );
}

#[test]
fn a_result_missing_a_field_is_an_action_failure() {
    let mut conversation = Conversation::greeted();
    conversation.say(&format!("qual é o meu saldo? cpf {GOOD_CPF}"));
    let turn = conversation.action_result(&ActionOutcome::Succeeded {
        intent: "balance".to_owned(),
        result: json!({"available": "10,00"}),
    });
    let decision = turn.handover.clone().unwrap();
    assert_eq!(decision.reason, HandoverReason::ActionFailed);
    assert!(matches!(
        decision.evidence,
        Evidence::ActionFailed {
            failure: ActionFailureKind::InvalidResult { .. },
            ..
        }
    ));
}

#[test]
fn with_action_failed_switched_off_the_bot_apologizes() {
    let mut profile = PROFILE.clone();
    profile.handover.action_failed.enabled = false;
    let mut state = BotState::new();
    state.language = Some(Language::Spanish);
    state.pending_action = Some("balance".to_owned());
    let turn = Bot::new(&profile).action_result(
        &state,
        &ActionOutcome::Failed {
            intent: "balance".to_owned(),
            failure: ActionFailure {
                kind: ActionFailureKind::Status { status: 503 },
                attempts: 2,
            },
        },
        &Attributes::new(),
        TeamAvailability::default(),
    );
    assert!(turn.handover.is_none());
    assert!(
        turn.replies[0]
            .text
            .starts_with("No pude consultarlo ahora."),
        "{turn:?}"
    );
}

#[test]
fn not_understanding_twice_hands_over() {
    let mut conversation = Conversation::greeted();
    let first = conversation.say("blablabla xpto");
    assert_eq!(first.outcome, TurnOutcome::NotUnderstood);
    assert!(first.replies[0].text.starts_with("Desculpe, não entendi."));
    let second = conversation.say("vai chover amanhã?");
    assert_eq!(second.handover.unwrap().reason, HandoverReason::BotFailure);
}

#[test]
fn thanks_are_answered_and_are_not_a_failure() {
    let mut conversation = Conversation::greeted();
    conversation.say("blablabla xpto");
    let thanks = conversation.say("o atendente foi ótimo, obrigado");
    assert!(thanks.handover.is_none(), "{thanks:?}");
    assert!(thanks.replies[0].text.starts_with("Por nada!"));
    assert_eq!(conversation.state.memory.failure_streak, 0);
}

#[test]
fn thanks_after_an_answer_resolve_the_conversation_and_thanks_alone_do_not() {
    let mut conversation = Conversation::greeted();
    assert!(
        !conversation.say("obrigado!").resolves,
        "nothing was answered yet"
    );
    let answer = conversation.say("qual o horário de atendimento?");
    assert!(
        matches!(answer.outcome, TurnOutcome::Answered { .. }),
        "{answer:?}"
    );
    assert!(!answer.resolves);
    let thanks = conversation.say("valeu, obrigado!");
    assert!(thanks.resolves, "{thanks:?}");
    assert!(thanks.replies[0].text.starts_with("Por nada!"));

    let mut waiting = Conversation::greeted();
    waiting.say("qual o horário de atendimento?");
    let asked = waiting.say("segunda via do boleto");
    assert!(
        matches!(asked.outcome, TurnOutcome::AskedForSlot { .. }),
        "{asked:?}"
    );
    assert!(
        !waiting.say("obrigado").resolves,
        "the bot still waits for the CPF"
    );
}

#[test]
fn thanks_do_not_resolve_when_the_profile_says_so() {
    let mut profile = PROFILE.clone();
    profile.closing.on_thanks = false;
    let mut state = BotState::new();
    let attributes = Attributes::new();
    let mut last = None;
    for text in ["qual o horário de atendimento?", "obrigado!"] {
        let analysis = ENGINE
            .analyze(text, &state.analysis_context(today()))
            .unwrap();
        let turn = Bot::new(&profile).turn(
            &state,
            &CustomerTurn {
                text,
                analysis: &analysis,
                attributes: &attributes,
                requested_person: false,
                availability: TeamAvailability::default(),
            },
        );
        state = turn.new_state.clone();
        last = Some(turn);
    }
    assert!(!last.unwrap().resolves);
}

#[test]
fn an_intent_marked_for_handover_goes_to_a_person_even_with_the_rule_off() {
    let mut profile = PROFILE.clone();
    profile.handover.sensitive_topic.enabled = false;
    let text = "quero cancelar minha conta";
    let analysis = ENGINE
        .analyze(text, &BotState::new().analysis_context(today()))
        .unwrap();
    let attributes = Attributes::new();
    let turn = Bot::new(&profile).turn(
        &BotState::new(),
        &CustomerTurn {
            text,
            analysis: &analysis,
            attributes: &attributes,
            requested_person: false,
            availability: TeamAvailability::default(),
        },
    );
    let decision = turn.handover.clone().unwrap();
    assert_eq!(decision.reason, HandoverReason::SensitiveTopic);
    assert!(matches!(decision.evidence, Evidence::IntentHandover { .. }));
}

#[test]
fn after_hand_back_the_bot_keeps_slots_and_language_and_does_not_greet() {
    let mut conversation = Conversation::new();
    conversation.attributes = json!({"tier": "vip"}).as_object().cloned().unwrap();
    let vip = conversation.say(&format!("what's my balance? my cpf is {GOOD_CPF}"));
    assert_eq!(vip.handover.unwrap().reason, HandoverReason::HighValue);
    conversation.state = conversation.state.hand_back();
    let turn = conversation.say("what is the pix limit?");
    assert!(turn.handover.is_none(), "{turn:?}");
    assert_eq!(turn.replies.len(), 1);
    assert!(
        turn.replies[0].text.starts_with("The standard Pix limit"),
        "{turn:?}"
    );
    let balance = conversation.say("what's my balance?");
    assert_eq!(
        balance.action.expect("the CPF is remembered").url,
        "http://127.0.0.1:8081/core-banking/accounts/52998224725/balance"
    );
}

#[test]
fn the_state_round_trips_through_json() {
    let mut conversation = Conversation::greeted();
    conversation.say("quero a segunda via do boleto");
    let json = serde_json::to_string(&conversation.state).unwrap();
    let back: BotState = serde_json::from_str(&json).unwrap();
    assert_eq!(back, conversation.state);
    assert_eq!(
        serde_json::from_str::<BotState>("{}").unwrap(),
        BotState::new()
    );
}

#[test]
fn an_action_with_two_slots_asks_for_each_in_turn() {
    let mut conversation = Conversation::greeted();
    let first = conversation.say("quero remarcar meu atendimento");
    assert_eq!(
        first.outcome,
        TurnOutcome::AskedForSlot {
            intent: "reschedule_appointment".to_owned(),
            slot: "cpf".to_owned()
        }
    );
    let second = conversation.say(GOOD_CPF);
    assert!(
        second.replies[0]
            .text
            .starts_with("Para qual dia você quer remarcar?"),
        "{second:?}"
    );
    let third = conversation.say("dia 25 de novembro");
    assert_eq!(
        third.action.unwrap().body,
        Some(json!({"cpf": "52998224725", "date": "2026-11-25"}))
    );
}

#[test]
fn values_given_before_they_are_asked_for_are_kept() {
    let mut conversation = Conversation::greeted();
    let first = conversation.say("quero remarcar meu atendimento na agência para amanhã");
    assert_eq!(
        first.outcome,
        TurnOutcome::AskedForSlot {
            intent: "reschedule_appointment".to_owned(),
            slot: "cpf".to_owned()
        },
        "{first:?}"
    );
    assert!(
        conversation.state.slots.contains_key("date"),
        "{:?}",
        conversation.state
    );
    let second = conversation.say("529.982.247-25");
    assert!(
        matches!(second.outcome, TurnOutcome::ActionRequested { ref intent } if intent == "reschedule_appointment"),
        "the date is not asked again: {second:?}"
    );
}

#[test]
fn a_clarification_answered_with_something_else_is_asked_again() {
    let mut conversation = Conversation::greeted();
    conversation.say("pix noturno");
    let again = conversation.say("529.982.247-25");
    assert!(
        matches!(again.outcome, TurnOutcome::Clarifying { .. }),
        "the question stands: {again:?}"
    );
    assert!(
        conversation
            .state
            .slots
            .values()
            .any(|value| value == "52998224725"),
        "the CPF is kept: {:?}",
        conversation.state.slots
    );
    let answer = conversation.say("os limites");
    assert!(
        answer.replies[0].text.starts_with("O limite padrão do Pix"),
        "{answer:?}"
    );
}

#[test]
fn an_article_answers_what_it_is_about_and_not_a_word_it_happens_to_share() {
    for text in [
        "vocês vendem seguro de carro?",
        "qual o melhor time do brasileirão?",
        "can you recommend a good pizza place?",
        "qual a previsão do tempo para amanhã em São Paulo?",
        "meu vizinho faz barulho, o que faço?",
    ] {
        let turn = Conversation::new().say(text);
        let cited: Vec<_> = turn
            .replies
            .iter()
            .filter_map(|reply| reply.cites_article.clone())
            .collect();
        assert!(cited.is_empty(), "{text}: {cited:?}");
    }
    for text in [
        "como funciona a conta remunerada?",
        "mandei um pix errado, consigo a devolução?",
        "what is the IOF on international purchases?",
    ] {
        let turn = Conversation::new().say(text);
        assert!(
            turn.replies
                .iter()
                .any(|reply| reply.cites_article.is_some()),
            "{text}: {turn:?}"
        );
    }
}
