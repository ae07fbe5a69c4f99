//! Search through the real server: conversations found by the words of their messages (accents,
//! case, a prefix, a typo) with snippets, the list's filters applied, contacts found by name
//! and identity, a message written after the index was built found at once, and an erased
//! contact's words gone.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{ADMIN, ANA, TestServer, error_fields, on_every_backend};

/// The conversations of a search answer, as ids.
fn conversation_ids(found: &Value) -> Vec<String> {
    found["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .map(|hit| hit["conversation"]["id"].as_str().expect("id").to_owned())
        .collect()
}

/// The text each highlight of a hit's snippet marks.
fn marked(hit: &Value) -> Vec<String> {
    let snippet: Vec<char> = hit["snippet"].as_str().expect("snippet").chars().collect();
    hit["highlights"]
        .as_array()
        .expect("highlights")
        .iter()
        .map(|pair| {
            let start = pair[0].as_u64().expect("start") as usize;
            let end = pair[1].as_u64().expect("end") as usize;
            snippet[start..end].iter().collect()
        })
        .collect()
}

async fn conversation_of(server: &TestServer, phone: &str, text: &str, id: &str) -> String {
    let (status, body) = server.inbound(phone, text, id).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["conversation"]["id"].as_str().expect("id").to_owned()
}

async fn finds_conversations_and_contacts(server: &TestServer) {
    let ana = server.login(ANA).await;
    let admin = server.login(ADMIN).await;
    let boleto = conversation_of(
        server,
        "+5511960001111",
        "Preciso da segunda via do BOLETO de março",
        "search-1",
    )
    .await;
    let cartao = conversation_of(
        server,
        "+5511960002222",
        "Meu cartão não chegou até hoje",
        "search-2",
    )
    .await;

    let (status, found) = server.get("/api/v1/search?q=segunda%20bol", &ana).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(conversation_ids(&found), [boleto.as_str()], "{found}");
    let hit = &found["conversations"][0]["hits"][0];
    assert_eq!(marked(hit), ["segunda", "BOLETO"], "{found}");

    let (_, found) = server.get("/api/v1/search?q=cartao%20nao", &ana).await;
    assert_eq!(conversation_ids(&found), [cartao.as_str()], "{found}");
    let (_, found) = server.get("/api/v1/search?q=cartaa%20chegou", &ana).await;
    assert_eq!(
        conversation_ids(&found),
        [cartao.as_str()],
        "one typo is forgiven: {found}"
    );
    let (_, found) = server.get("/api/v1/search?q=boleto%20cartao", &ana).await;
    assert!(
        conversation_ids(&found).is_empty(),
        "every word must match: {found}"
    );

    let (_, found) = server
        .get("/api/v1/search?q=boleto&status=resolved", &ana)
        .await;
    assert!(
        conversation_ids(&found).is_empty(),
        "filters apply: {found}"
    );
    let (_, listed) = server.get("/api/v1/conversations?q=boleto", &ana).await;
    let listed: Vec<&str> = listed["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(listed, [boleto.as_str()]);

    let (_, found) = server.get("/api/v1/search?q=960002222", &ana).await;
    assert_eq!(
        found["contacts"].as_array().expect("contacts").len(),
        1,
        "{found}"
    );
    let contact = found["contacts"][0]["id"].as_str().expect("id").to_owned();
    let (status, renamed) = server
        .call(
            Method::PATCH,
            &format!("/api/v1/contacts/{contact}"),
            Some(&ana),
            Some(json!({"name": "Joaquina Esteves"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    let found = server
        .eventually("/api/v1/contacts?q=joaquina", &ana, |body| {
            body["data"].as_array().is_some_and(|data| data.len() == 1)
        })
        .await;
    assert_eq!(found["data"][0]["id"], contact.as_str());

    // Written after the index was built: found without a rebuild.
    let later = conversation_of(
        server,
        "+5511960003333",
        "Quero aumentar o limite do Pix noturno",
        "search-3",
    )
    .await;
    let found = server
        .eventually("/api/v1/search?q=pix%20noturno", &ana, |body| {
            !conversation_ids(body).is_empty()
        })
        .await;
    assert_eq!(conversation_ids(&found), [later]);

    // An erased contact's conversation is found no more.
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/contacts/{contact}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, found) = server.get("/api/v1/search?q=cartao", &ana).await;
    assert!(conversation_ids(&found).is_empty(), "{found}");
    assert!(found["contacts"].as_array().expect("contacts").is_empty());

    let (status, body) = server.get("/api/v1/search?q=%20%3F%21", &ana).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["q"]);
    let (status, _) = server
        .call(Method::POST, "/api/v1/search/rebuild", Some(&ana), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = server
        .call(Method::POST, "/api/v1/search/rebuild", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, found) = server.get("/api/v1/search?q=segunda", &ana).await;
    assert_eq!(
        conversation_ids(&found),
        [boleto],
        "rebuilt from the database"
    );
}

#[tokio::test]
async fn agents_find_conversations_by_their_words_and_contacts_by_name() {
    on_every_backend!(finds_conversations_and_contacts);
}
