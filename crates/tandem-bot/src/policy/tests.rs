//! The handover rules on the demo profile: each fires with its reason on a pt, an es and an
//! en message, and neutral messages fire nothing.

use serde_json::json;
use tandem_domain::contact::Attributes;
use tandem_domain::event::HandoverReason;
use tandem_nlu::Language;

use super::*;
use crate::action::{ActionFailure, ActionFailureKind};
use crate::testing::{PROFILE, analyze};

struct Turn<'a> {
    text: &'a str,
    memory: BotMemory,
    attributes: Attributes,
    expects_answer: bool,
    requested_person: bool,
    action_failure: Option<ActionFailure>,
}

impl<'a> Turn<'a> {
    fn new(text: &'a str) -> Self {
        Turn {
            text,
            memory: BotMemory::default(),
            attributes: Attributes::new(),
            expects_answer: false,
            requested_person: false,
            action_failure: None,
        }
    }

    fn after(mut self, earlier: &[&str]) -> Self {
        for text in earlier {
            let analysis = analyze(text, None);
            let language = analysis.language.language;
            let input = PolicyInput {
                likelihoods: Likelihoods::default(),
                text,
                analysis: &analysis,
                language,
                attributes: &self.attributes,
                memory: &self.memory,
                expects_answer: false,
                requested_person: false,
                action_failure: None,
            };
            let failed = is_failed_turn(&PROFILE, &input);
            self.memory = self.memory.after_turn(text, language, &analysis, failed);
        }
        self
    }

    fn attributes(mut self, attributes: serde_json::Value) -> Self {
        self.attributes = attributes.as_object().cloned().unwrap_or_default();
        self
    }

    fn decide(&self) -> Option<HandoverDecision> {
        let analysis = analyze(self.text, None);
        let input = PolicyInput {
            likelihoods: Likelihoods::default(),
            text: self.text,
            analysis: &analysis,
            language: analysis.language.language,
            attributes: &self.attributes,
            memory: &self.memory,
            expects_answer: self.expects_answer,
            requested_person: self.requested_person,
            action_failure: self.action_failure.as_ref().map(|f| ("balance", f)),
        };
        evaluate(&PROFILE, &input)
    }
}

fn assert_fires(reason: HandoverReason, turns: Vec<Turn<'_>>) {
    for turn in turns {
        let decision = turn.decide();
        assert_eq!(
            decision.as_ref().map(|d| d.reason),
            Some(reason),
            "{:?}: {decision:?}",
            turn.text
        );
    }
}

fn assert_quiet(turns: Vec<Turn<'_>>) {
    for turn in turns {
        assert_eq!(turn.decide(), None, "{:?}", turn.text);
    }
}

#[test]
fn customer_request_fires_on_explicit_asks_for_a_person() {
    assert_fires(
        HandoverReason::CustomerRequest,
        vec![
            Turn::new("quero falar com um atendente"),
            Turn::new("atendente por favor"),
            Turn::new("quiero hablar con un agente"),
            Turn::new("talk to a human"),
        ],
    );
    let decision = Turn::new("quero falar com um atendente").decide().unwrap();
    assert_eq!(
        decision.evidence_json(),
        json!({"trigger": "person_requested", "matched": "falar com um atendente"})
    );
}

#[test]
fn the_person_button_is_a_customer_request() {
    let mut turn = Turn::new("ok");
    turn.requested_person = true;
    let decision = turn.decide().unwrap();
    assert_eq!(decision.reason, HandoverReason::CustomerRequest);
    assert_eq!(decision.evidence, Evidence::PersonButton);
}

#[test]
fn customer_request_ignores_remarks_about_people() {
    assert_quiet(vec![
        Turn::new("o atendente foi ótimo, obrigado"),
        Turn::new("el agente fue muy amable, gracias"),
        Turn::new("the agent was great, thanks"),
    ]);
}

#[test]
fn negative_sentiment_fires_on_an_angry_message() {
    assert_fires(
        HandoverReason::NegativeSentiment,
        vec![
            Turn::new("isso é um absurdo, péssimo serviço!!!"),
            Turn::new("esto es una vergüenza, pésimo servicio"),
            Turn::new("this is ridiculous, worst service ever"),
        ],
    );
}

#[test]
fn negative_sentiment_fires_on_two_unhappy_messages_in_a_row() {
    let decision = Turn::new("poxa, que demora")
        .after(&["demora demais"])
        .decide()
        .unwrap();
    assert_eq!(decision.reason, HandoverReason::NegativeSentiment);
    assert!(matches!(decision.evidence, Evidence::NegativeInARow { .. }));
    assert_fires(
        HandoverReason::NegativeSentiment,
        vec![
            Turn::new("uff, qué demora").after(&["uf, qué lento"]),
            Turn::new("ugh, so slow").after(&["meh, not great"]),
        ],
    );
    // Each of them alone is only mildly unhappy.
    assert_quiet(vec![
        Turn::new("demora demais"),
        Turn::new("uf, qué lento"),
        Turn::new("meh, not great"),
    ]);
}

#[test]
fn a_sad_event_the_bot_can_serve_is_not_anger() {
    // The event scores low ("stolen"), but the customer asks for something the bot does.
    assert_quiet(vec![
        Turn::new("roubaram meu cartão"),
        Turn::new("my card was stolen, I want to block it"),
        Turn::new("me robaron la tarjeta en el metro, bloquéenla por favor"),
    ]);
    // Anger at the service still hands over, whatever the request.
    assert_fires(
        HandoverReason::NegativeSentiment,
        vec![Turn::new(
            "roubaram meu cartão e vocês são uns incompetentes",
        )],
    );
}

#[test]
fn thanks_and_ordinary_problems_are_not_negative() {
    assert_quiet(vec![
        Turn::new("obrigado!"),
        Turn::new("não consigo pagar o boleto"),
        Turn::new("não consigo pagar o boleto").after(&["o boleto venceu ontem"]),
        Turn::new("¡gracias!"),
        Turn::new("no puedo pagar el boleto"),
        Turn::new("thanks!"),
        Turn::new("I can't pay my boleto"),
    ]);
}

#[test]
fn bot_failure_fires_on_the_second_turn_the_bot_does_not_understand() {
    assert_fires(
        HandoverReason::BotFailure,
        vec![
            Turn::new("vai chover amanhã?").after(&["blablabla xpto"]),
            Turn::new("¿quién ganó el partido de ayer?").after(&["asdf qwerty"]),
            Turn::new("will it rain tomorrow?").after(&["zzzz hmmm"]),
        ],
    );
    let decision = Turn::new("vai chover amanhã?")
        .after(&["blablabla xpto"])
        .decide()
        .unwrap();
    assert!(matches!(
        decision.evidence,
        Evidence::ConsecutiveFailures { count: 2, .. }
    ));
}

#[test]
fn bot_failure_fires_when_the_customer_repeats_a_question() {
    assert_fires(
        HandoverReason::BotFailure,
        vec![
            Turn::new("meu boleto ainda não chegou no email")
                .after(&["meu boleto não chegou no email"]),
            Turn::new("mi boleto todavía no llegó al correo")
                .after(&["mi boleto no llegó al correo"]),
            Turn::new("my boleto still hasn't reached my email")
                .after(&["my boleto hasn't reached my email"]),
        ],
    );
}

#[test]
fn one_misunderstanding_or_a_slot_answer_is_not_a_failure() {
    let mut answering = Turn::new("123.456.789-00").after(&["blablabla xpto"]);
    answering.expects_answer = true;
    assert_quiet(vec![
        Turn::new("blablabla xpto"),
        Turn::new("asdf qwerty"),
        Turn::new("obrigado!").after(&["blablabla xpto"]),
        answering,
    ]);
}

#[test]
fn sensitive_topics_go_to_a_person() {
    assert_fires(
        HandoverReason::SensitiveTopic,
        vec![
            Turn::new("quero cancelar minha conta"),
            Turn::new("quiero cancelar mi cuenta"),
            Turn::new("I want to close my account"),
            Turn::new("tem uma compra no meu cartão que não reconheço"),
            Turn::new("hay un cargo en mi tarjeta que no reconozco"),
            Turn::new("there's a charge on my card I don't recognize"),
        ],
    );
}

#[test]
fn routine_requests_stay_with_the_bot() {
    assert_quiet(vec![
        Turn::new("qual o limite do pix?"),
        Turn::new("quero a segunda via do boleto"),
        Turn::new("cuál es el límite de pix?"),
        Turn::new("I need a second copy of my boleto"),
    ]);
}

#[test]
fn high_value_contacts_go_to_a_person_until_handed_back() {
    let vip = json!({"tier": "vip"});
    assert_fires(
        HandoverReason::HighValue,
        vec![
            Turn::new("qual o limite do pix?").attributes(vip.clone()),
            Turn::new("cuál es el límite de pix?").attributes(vip.clone()),
            Turn::new("what is the pix limit?").attributes(json!({"lifetime_value": 750000})),
        ],
    );
    let mut handed_back = Turn::new("qual o limite do pix?").attributes(vip);
    handed_back.memory = handed_back.memory.handed_back();
    assert_quiet(vec![
        Turn::new("qual o limite do pix?").attributes(json!({"tier": "standard"})),
        Turn::new("what is the pix limit?").attributes(json!({"lifetime_value": 1000})),
        handed_back,
    ]);
}

#[test]
fn a_failed_action_goes_to_a_person() {
    let failure = ActionFailure {
        kind: ActionFailureKind::Timeout,
        attempts: 2,
    };
    let turns = [
        "qual é o meu saldo?",
        "cuál es mi saldo?",
        "what's my balance?",
    ]
    .into_iter()
    .map(|text| {
        let mut turn = Turn::new(text);
        turn.action_failure = Some(failure.clone());
        turn
    })
    .collect();
    assert_fires(HandoverReason::ActionFailed, turns);
}

#[test]
fn several_requests_in_one_message_go_to_a_person() {
    assert_fires(
        HandoverReason::Complexity,
        vec![
            Turn::new("meu cartão foi bloqueado e também preciso da segunda via do boleto"),
            Turn::new("mi tarjeta está bloqueada y además necesito el extracto"),
            Turn::new("my card is blocked and I also need my statement"),
        ],
    );
}

#[test]
fn a_very_long_message_goes_to_a_person() {
    let long = "Olá, tudo bem? Estou escrevendo porque queria entender melhor a minha situação. "
        .repeat(10);
    let decision = Turn::new(&long).decide().unwrap();
    assert_eq!(decision.reason, HandoverReason::Complexity);
    assert!(matches!(
        decision.evidence,
        Evidence::LongMessage { limit: 600, .. }
    ));
}

#[test]
fn one_request_with_also_is_not_complex() {
    assert_quiet(vec![
        Turn::new("também quero saber o limite do pix"),
        Turn::new("también quiero saber el límite de pix"),
        Turn::new("I also want to know the pix limit"),
    ]);
}

#[test]
fn the_explicit_ask_wins_over_other_rules() {
    let decision = Turn::new("péssimo, quero falar com um atendente agora")
        .attributes(json!({"tier": "vip"}))
        .decide()
        .unwrap();
    assert_eq!(decision.reason, HandoverReason::CustomerRequest);
    let analysis = analyze("péssimo, quero falar com um atendente agora", None);
    let attributes = json!({"tier": "vip"}).as_object().cloned().unwrap();
    let memory = BotMemory::default();
    let fired = fired_rules(
        &PROFILE,
        &PolicyInput {
            likelihoods: Likelihoods::default(),
            text: "péssimo, quero falar com um atendente agora",
            analysis: &analysis,
            language: Language::Portuguese,
            attributes: &attributes,
            memory: &memory,
            expects_answer: false,
            requested_person: false,
            action_failure: None,
        },
    );
    let reasons: Vec<HandoverReason> = fired.iter().map(|d| d.reason).collect();
    assert_eq!(reasons[0], HandoverReason::CustomerRequest);
    assert!(
        reasons.contains(&HandoverReason::NegativeSentiment),
        "{reasons:?}"
    );
    assert!(reasons.contains(&HandoverReason::HighValue), "{reasons:?}");
    let positions: Vec<usize> = reasons
        .iter()
        .map(|reason| PRIORITY.iter().position(|r| r == reason).unwrap())
        .collect();
    assert!(positions.is_sorted(), "{reasons:?}");
}

#[test]
fn switched_off_rules_do_not_fire() {
    let mut profile = PROFILE.clone();
    profile.handover.customer_request.enabled = false;
    profile.handover.sensitive_topic.enabled = false;
    for text in ["quero falar com um atendente", "quero cancelar minha conta"] {
        let analysis = analyze(text, None);
        let attributes = Attributes::new();
        let memory = BotMemory::default();
        let input = PolicyInput {
            likelihoods: Likelihoods::default(),
            text,
            analysis: &analysis,
            language: Language::Portuguese,
            attributes: &attributes,
            memory: &memory,
            expects_answer: false,
            requested_person: false,
            action_failure: None,
        };
        assert_eq!(evaluate(&profile, &input), None, "{text}");
    }
}
