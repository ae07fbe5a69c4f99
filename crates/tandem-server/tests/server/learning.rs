//! The learning loop through the real server: questions the demo bot hands over are recorded
//! and grouped, people answer them, the suggestions made from those answers are approved, and
//! the bot then answers differently worded questions on the same subjects (containment measured
//! before and after). Also "teach the bot", previews, dismissals and bad input.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{
    ADMIN, ANA, TestServer, bot_inbox, channel_message, error_fields, on_every_backend,
};

/// Sends `text` from `phone` and waits for the bot's turn; returns the conversation id and the
/// bot's new messages.
async fn ask(
    server: &TestServer,
    admin: &str,
    inbox_token: &str,
    phone: &str,
    text: &str,
) -> (String, Vec<String>) {
    let external_id = format!("{phone}-{}", uuid::Uuid::now_v7());
    let (status, body) = server
        .post(
            "/api/v1/channel/messages",
            inbox_token,
            channel_message(phone, text, &external_id),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let conversation = body["conversation"]["id"]
        .as_str()
        .expect("a conversation")
        .to_owned();
    let message_id = body["message"]["id"]
        .as_str()
        .expect("a message")
        .to_owned();
    // Up to 20 s: the first turn after a profile change trains the engine.
    for _ in 0..400 {
        let (_, page) = server
            .get(
                &format!("/api/v1/conversations/{conversation}/messages?limit=100"),
                admin,
            )
            .await;
        let messages = page["data"].as_array().cloned().unwrap_or_default();
        if let Some(position) = messages.iter().position(|m| m["id"] == message_id.as_str()) {
            let after: Vec<String> = messages[position + 1..]
                .iter()
                .filter(|m| m["sender"]["type"] == "bot")
                .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
                .collect();
            if !after.is_empty() {
                return (conversation, after);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the bot did not answer {text:?}");
}

async fn status_of(server: &TestServer, admin: &str, conversation: &str) -> String {
    let (_, body) = server
        .get(&format!("/api/v1/conversations/{conversation}"), admin)
        .await;
    body["status"].as_str().unwrap_or_default().to_owned()
}

/// A person's public reply; returns the message id.
async fn reply(server: &TestServer, token: &str, conversation: &str, text: &str) -> String {
    let (status, body) = server
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            token,
            json!({"text": text}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["message"]["id"].as_str().expect("id").to_owned()
}

/// A subject the demo bot does not know: set A, asked twice in two ways per conversation (so
/// the bot hands over), the answer people gave, a phrase of that answer, and set B, the same
/// subject worded otherwise.
struct Subject {
    set_a: &'static [[&'static str; 2]],
    answer: &'static str,
    marker: &'static str,
    set_b: &'static [&'static str],
}

const SUBJECTS: [Subject; 3] = [
    Subject {
        set_a: &[
            ["vocês aceitam bitcoin?", "aceitam bitcoin?"],
            [
                "vocês aceitam bitcoin ou outra criptomoeda?",
                "dá pra pagar com bitcoin?",
            ],
        ],
        answer: "Ainda não: o Banco Aurora não trabalha com bitcoin nem com outras criptomoedas, e não aceita pagamentos nelas.",
        marker: "não trabalha com bitcoin",
        set_b: &[
            "vocês trabalham com criptomoedas?",
            "dá pra usar bitcoin aí?",
        ],
    },
    Subject {
        set_a: &[[
            "¿trabajan con bitcoin?",
            "¿aceptan bitcoin u otras criptomonedas?",
        ]],
        answer: "Todavía no: Banco Aurora no trabaja con bitcoin ni con otras criptomonedas.",
        marker: "no trabaja con bitcoin",
        set_b: &[
            "¿usan criptomonedas como bitcoin?",
            "¿operan con criptomonedas?",
        ],
    },
    Subject {
        set_a: &[["do you accept bitcoin?", "is bitcoin accepted?"]],
        answer: "Not yet: Banco Aurora does not work with bitcoin or other cryptocurrencies.",
        marker: "does not work with bitcoin",
        set_b: &["do you deal in bitcoin?"],
    },
];

/// Set B through "try the bot" (nothing is recorded): how many questions the bot answered with
/// what people taught it, of how many.
async fn tried(server: &TestServer, admin: &str) -> (usize, usize) {
    let mut answered = 0;
    let mut asked = 0;
    for subject in &SUBJECTS {
        for question in subject.set_b {
            let (status, body) = server
                .post("/api/v1/bot/try", admin, json!({"messages": [question]}))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            asked += 1;
            let replies = body["turns"][0]["replies"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if replies
                .iter()
                .any(|r| r.as_str().is_some_and(|r| r.contains(subject.marker)))
            {
                answered += 1;
            }
        }
    }
    (answered, asked)
}

/// Set B in fresh conversations: how many the bot answered with what people taught it.
async fn contained(server: &TestServer, admin: &str, inbox: &str) -> usize {
    let mut answered = 0;
    for (s, subject) in SUBJECTS.iter().enumerate() {
        for (q, question) in subject.set_b.iter().enumerate() {
            let phone = format!("+5511970{s}{q}0000");
            let (conversation, replies) = ask(server, admin, inbox, &phone, question).await;
            if replies.iter().any(|reply| reply.contains(subject.marker))
                && status_of(server, admin, &conversation).await == "bot"
            {
                answered += 1;
            }
        }
    }
    answered
}

async fn approved_suggestions_answer_what_the_bot_handed_over(server: &TestServer) {
    let backend = server.backend;
    let admin = server.login(ADMIN).await;
    let inbox = bot_inbox(server, &admin).await;

    // Set A: each customer asks twice in two ways; the bot does not understand and hands over;
    // a person answers.
    let mut handed_over = 0;
    for (s, subject) in SUBJECTS.iter().enumerate() {
        for (c, [first, second]) in subject.set_a.iter().enumerate() {
            let phone = format!("+5511960{s}{c}0000");
            let (conversation, _) = ask(server, &admin, &inbox, &phone, first).await;
            ask(server, &admin, &inbox, &phone, second).await;
            let status = status_of(server, &admin, &conversation).await;
            assert_ne!(status, "bot", "{backend:?}: {first:?} is handed over");
            handed_over += 1;
            reply(server, &admin, &conversation, subject.answer).await;
        }
    }
    let (before, asked) = tried(server, &admin).await;

    // Questions are grouped per language and ranked by frequency.
    let (status, groups) = server.get("/api/v1/learning/groups", &admin).await;
    assert_eq!(status, StatusCode::OK, "{groups}");
    let groups = groups["data"].as_array().cloned().unwrap_or_default();
    let counts: Vec<u64> = groups
        .iter()
        .map(|g| g["count"].as_u64().unwrap_or(0))
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "ranked: {counts:?}"
    );
    assert_eq!(groups[0]["language"], "pt", "{groups:?}");
    assert!(
        counts[0] >= 3,
        "the Portuguese bitcoin questions group together: {groups:?}"
    );
    assert_eq!(
        counts.iter().sum::<u64>(),
        8,
        "every question of set A is recorded: {groups:?}"
    );

    // Suggestions come from the groups people answered, most asked first.
    let (status, suggestions) = server
        .post("/api/v1/learning/suggestions/refresh", &admin, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{suggestions}");
    let suggestions = suggestions["data"].as_array().cloned().unwrap_or_default();
    assert!(suggestions.len() >= 3, "{backend:?}: {suggestions:?}");
    let counts: Vec<u64> = suggestions
        .iter()
        .map(|s| s["question_count"].as_u64().unwrap_or(0))
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "ranked: {counts:?}"
    );
    assert_eq!(suggestions[0]["language"], "pt");
    for subject in &SUBJECTS {
        assert!(
            suggestions
                .iter()
                .any(|s| s["proposal"]["body"] == subject.answer),
            "{backend:?}: a suggestion learns {:?}: {suggestions:?}",
            subject.answer
        );
    }
    for suggestion in &suggestions {
        assert_eq!(suggestion["status"], "pending");
        assert_eq!(suggestion["proposal"]["kind"], "article", "{suggestion}");
    }

    // The preview lists the handed-over questions each would now answer.
    for suggestion in &suggestions {
        let id = suggestion["id"].as_str().expect("id");
        let (status, preview) = server
            .post(
                &format!("/api/v1/learning/suggestions/{id}/preview"),
                &admin,
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{preview}");
        let gained: Vec<&str> = preview["now_answered"]
            .as_array()
            .map(|items| items.iter().filter_map(|q| q["text"].as_str()).collect())
            .unwrap_or_default();
        let title = suggestion["proposal"]["title"].as_str().expect("a title");
        assert!(gained.contains(&title), "{backend:?}: {preview}");
        assert!(preview["changed"].is_array(), "{preview}");
    }

    for suggestion in &suggestions {
        let id = suggestion["id"].as_str().expect("id");
        let (status, approved) = server
            .post(
                &format!("/api/v1/learning/suggestions/{id}/approve"),
                &admin,
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{approved}");
        assert_eq!(approved["suggestion"]["status"], "approved");
    }
    let (_, audit) = server
        .get("/api/v1/audit-log?action=learning_suggestion.", &admin)
        .await;
    let mut recorded: Vec<(&Value, &Value)> = audit["data"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| (&entry["action"], &entry["subject_id"]))
        .collect();
    recorded.sort_by_key(|(_, id)| id.as_str());
    let approved_action = json!("learning_suggestion.approved");
    let mut expected: Vec<(&Value, &Value)> = suggestions
        .iter()
        .map(|suggestion| (&approved_action, &suggestion["id"]))
        .collect();
    expected.sort_by_key(|(_, id)| id.as_str());
    assert_eq!(recorded, expected, "{backend:?}");
    let (status, profile) = server.get("/api/v1/bot/profile", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        profile["source"]
            .as_str()
            .is_some_and(|s| s.contains("não trabalha com bitcoin")),
        "the profile learned the answer"
    );

    let (after, _) = tried(server, &admin).await;
    let live = contained(server, &admin, &inbox).await;
    println!(
        "learning containment ({backend:?}): set A, {handed_over} conversations handed over and \
         answered by people; set B, {before}/{asked} answered before approval, {after}/{asked} \
         after ({live}/{asked} in live conversations)"
    );
    assert_eq!(before, 0, "{backend:?}: the bot knew nothing before");
    assert_eq!(
        after, asked,
        "{backend:?}: the bot answers set B after approval"
    );
    assert_eq!(live, asked, "{backend:?}: and keeps the conversations");

    // A decided suggestion stays decided.
    let id = suggestions[0]["id"].as_str().expect("id");
    let (status, body) = server
        .post(
            &format!("/api/v1/learning/suggestions/{id}/dismiss"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "suggestion_decided");
}

#[tokio::test]
async fn approving_suggestions_makes_the_bot_answer_what_it_handed_over() {
    on_every_backend!(approved_suggestions_answer_what_the_bot_handed_over);
}

async fn teaching_and_dismissing(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let ana = server.login(ANA).await;
    let inbox = bot_inbox(server, &admin).await;

    // "Teach the bot": an agent marks a reply; it pairs with the question the bot failed.
    let (conversation, _) = ask(
        server,
        &admin,
        &inbox,
        "+5511950000001",
        "vocês alugam cofres?",
    )
    .await;
    ask(
        server,
        &admin,
        &inbox,
        "+5511950000001",
        "quero falar com um atendente",
    )
    .await;
    let answer =
        "Sim: alugamos cofres nas agências de São Paulo e Campinas, a partir de R$ 80 por mês.";
    let answer_id = reply(server, &admin, &conversation, answer).await;
    let teach =
        |message: &str| format!("/api/v1/conversations/{conversation}/messages/{message}/teach");
    let (status, taught) = server.post(&teach(&answer_id), &ana, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{taught}");
    assert_eq!(taught["questions"], json!(["vocês alugam cofres?"]));
    assert_eq!(taught["proposal"]["body"], answer);
    assert_eq!(taught["status"], "pending");
    let (status, again) = server.post(&teach(&answer_id), &ana, json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        again["id"], taught["id"],
        "teaching one reply twice is one suggestion"
    );
    let (_, messages) = server
        .get(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &admin,
        )
        .await;
    let customer_message = messages["data"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["sender"]["type"] == "contact"))
        .and_then(|m| m["id"].as_str())
        .expect("a customer message")
        .to_owned();
    let (status, body) = server
        .post(&teach(&customer_message), &ana, json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "not_an_agent_reply");
    let (status, _) = server.post(&teach("not-an-id"), &ana, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Only admins review; an agent may not approve.
    let id = taught["id"].as_str().expect("id").to_owned();
    let (status, _) = server
        .post(
            &format!("/api/v1/learning/suggestions/{id}/approve"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An edit is checked field by field before it is kept.
    let path = format!("/api/v1/learning/suggestions/{id}");
    let mut proposal = taught["proposal"].clone();
    proposal["title"] = json!("  ");
    let (status, body) = server
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"proposal": proposal})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["proposal.title"]);
    let (status, body) = server
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"proposal": {"kind": "examples", "intent": "no_such_intent", "language": "pt", "examples": ["cofre"]}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["proposal.intent"]);
    let (status, body) = server
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"proposal": {"kind": "poem"}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["proposal.kind"]);
    let (status, body) = server
        .get("/api/v1/learning/suggestions?status=maybe", &admin)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["status"]);
    let mut proposal = taught["proposal"].clone();
    proposal["questions"] = json!(["dá para alugar um cofre?"]);
    let (status, edited) = server
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"proposal": proposal})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["edited"], true);

    // Dismissed: the profile and the bot stay as they were.
    let (_, profile_before) = server.get("/api/v1/bot/profile", &admin).await;
    let (status, dismissed) = server
        .post(
            &format!("/api/v1/learning/suggestions/{id}/dismiss"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{dismissed}");
    assert_eq!(dismissed["status"], "dismissed");
    let (_, audit) = server
        .get(
            "/api/v1/audit-log?action=learning_suggestion.dismissed",
            &admin,
        )
        .await;
    assert_eq!(audit["data"][0]["subject_id"], id.as_str(), "{audit}");
    let (_, profile_after) = server.get("/api/v1/bot/profile", &admin).await;
    assert_eq!(profile_before["updated_at"], profile_after["updated_at"]);
    let (_, replies) = ask(
        server,
        &admin,
        &inbox,
        "+5511950000002",
        "posso alugar um cofre no banco?",
    )
    .await;
    assert!(
        !replies
            .iter()
            .any(|reply| reply.contains("alugamos cofres")),
        "{replies:?}"
    );

    // Taught again from another reply and approved, the bot answers at once.
    let (conversation, _) = ask(
        server,
        &admin,
        &inbox,
        "+5511950000003",
        "quero alugar um cofre",
    )
    .await;
    ask(
        server,
        &admin,
        &inbox,
        "+5511950000003",
        "quero falar com um atendente",
    )
    .await;
    let answer_id = reply(server, &admin, &conversation, answer).await;
    let (status, taught) = server
        .post(
            &format!("/api/v1/conversations/{conversation}/messages/{answer_id}/teach"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{taught}");
    let id = taught["id"].as_str().expect("id");
    let (status, approved) = server
        .post(
            &format!("/api/v1/learning/suggestions/{id}/approve"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    let (_, replies) = ask(
        server,
        &admin,
        &inbox,
        "+5511950000004",
        "como alugo um cofre?",
    )
    .await;
    assert!(
        replies
            .iter()
            .any(|reply| reply.contains("alugamos cofres")),
        "{replies:?}"
    );
}

#[tokio::test]
async fn teaching_the_bot_and_dismissing_suggestions() {
    on_every_backend!(teaching_and_dismissing);
}

/// The learning loop never teaches the bot to keep a customer who needs a person: an angry
/// message is not taught, and a change that would keep with the bot a customer a rule sends to a
/// person is approved only with an explicit override.
async fn learning_guard(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let ana = server.login(ANA).await;
    let inbox = bot_inbox(server, &admin).await;

    let (angry, _) = ask(
        server,
        &admin,
        &inbox,
        "+5511950000101",
        "vocês são uns incompetentes, ninguém resolve nada nesse banco",
    )
    .await;
    let answer_id = reply(
        server,
        &admin,
        &angry,
        "Sinto muito, vou resolver isso agora.",
    )
    .await;
    let (status, body) = server
        .post(
            &format!("/api/v1/conversations/{angry}/messages/{answer_id}/teach"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "needs_a_person");

    // A customer only the learned model hands over, then a suggestion that would teach the
    // bot that message as a routine question.
    let waiting = "estou há duas semanas esperando uma resposta de vocês";
    let (_, handover) = ask(server, &admin, &inbox, "+5511950000102", waiting).await;
    assert!(
        handover.iter().any(|text| text.contains("pessoa")),
        "{handover:?}"
    );
    let (question, _) = ask(
        server,
        &admin,
        &inbox,
        "+5511950000103",
        "vocês alugam cofres?",
    )
    .await;
    let answer_id = reply(server, &admin, &question, "Sim, nas agências de São Paulo.").await;
    let (status, taught) = server
        .post(
            &format!("/api/v1/conversations/{question}/messages/{answer_id}/teach"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{taught}");
    let id = taught["id"].as_str().expect("id").to_owned();
    let proposal = json!({
        "kind": "examples",
        "intent": "card_delivery",
        "language": "pt",
        "examples": [waiting, "duas semanas esperando resposta", "estou esperando há dias"],
    });
    let (status, body) = server
        .call(
            Method::PATCH,
            &format!("/api/v1/learning/suggestions/{id}"),
            Some(&admin),
            Some(json!({"proposal": proposal})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, preview) = server
        .post(
            &format!("/api/v1/learning/suggestions/{id}/preview"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let stopped = preview["stops_handovers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        stopped.iter().any(|item| item["text"] == waiting),
        "{preview}"
    );
    let approve = format!("/api/v1/learning/suggestions/{id}/approve");
    let (status, body) = server.post(&approve, &admin, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "stops_handovers");
    let (status, body) = server
        .post(&approve, &admin, json!({"override_handover_guard": "yes"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["override_handover_guard"]);
    let (status, body) = server
        .post(&approve, &admin, json!({"override_handover_guard": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["suggestion"]["status"], "approved");
}

#[tokio::test]
async fn the_learning_loop_does_not_teach_the_bot_to_keep_customers_who_need_a_person() {
    on_every_backend!(learning_guard);
}
