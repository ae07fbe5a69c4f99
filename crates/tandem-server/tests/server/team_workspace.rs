//! What a support team works with beyond the conversation: notes on a contact, merging two
//! contacts after a preview, saved views of the list, handing a conversation to a named
//! colleague (the customer told who continues), and the demo's teams.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::audit::user_id;
use crate::harness::{ADMIN, ANA, BRUNO, TestServer, error_fields, on_every_backend};

async fn contact_of(server: &TestServer, phone: &str, text: &str, id: &str) -> (String, String) {
    let (status, body) = server.inbound(phone, text, id).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let conversation = body["conversation"]["id"].as_str().expect("id").to_owned();
    let (_, shown) = server
        .get(
            &format!("/api/v1/conversations/{conversation}"),
            &server.login(ADMIN).await,
        )
        .await;
    let contact = shown["contact_id"].as_str().expect("contact").to_owned();
    (conversation, contact)
}

async fn notes_and_merges(server: &TestServer) {
    let ana = server.login(ANA).await;
    let bruno = server.login(BRUNO).await;
    let admin = server.login(ADMIN).await;
    let (_, kept) = contact_of(server, "+5511950001111", "oi, tudo bem?", "notes-1").await;
    let (other_conversation, other) =
        contact_of(server, "+5511950002222", "meu pix falhou", "notes-2").await;

    let notes = format!("/api/v1/contacts/{kept}/notes");
    let (status, note) = server
        .post(
            &notes,
            &ana,
            json!({"text": "  Prefere ser chamada pela manhã. "}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    assert_eq!(note["text"], "Prefere ser chamada pela manhã.");
    assert_eq!(note["author_name"], "Ana Souza");
    let (status, refused) = server.post(&notes, &ana, json!({"text": "  "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(error_fields(&refused), ["text"]);
    let note_path = format!("{notes}/{}", note["id"].as_str().expect("id"));
    let (status, _) = server
        .call(Method::DELETE, &note_path, Some(&bruno), None)
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only its author or a supervisor"
    );

    let attributes = |tier: &str, extra: Value| {
        let mut attributes = json!({"tier": tier});
        attributes
            .as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        json!({"attributes": attributes})
    };
    for (contact, body) in [
        (&kept, attributes("gold", json!({}))),
        (&other, attributes("silver", json!({"city": "Recife"}))),
    ] {
        let (status, body) = server
            .call(
                Method::PATCH,
                &format!("/api/v1/contacts/{contact}"),
                Some(&admin),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, _) = server
        .post(
            &format!("/api/v1/contacts/{other}/notes"),
            &bruno,
            json!({"text": "Cliente desde 2019"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let preview_path = format!("/api/v1/contacts/{kept}/merge_preview?contact_id={other}");
    let (status, _) = server.get(&preview_path, &ana).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "agents do not merge");
    let (status, preview) = server.get(&preview_path, &admin).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["result"]["id"], kept.as_str());
    assert_eq!(preview["removed"]["id"], other.as_str());
    assert_eq!(
        preview["result"]["attributes"],
        json!({"tier": "gold", "city": "Recife"})
    );
    assert_eq!(
        preview["result"]["identities"]
            .as_array()
            .expect("identities")
            .len(),
        2
    );
    assert_eq!(preview["conversations_moved"], 1);
    assert_eq!(
        preview["conflicts"],
        json!([{"attribute": "tier", "kept": "gold", "dropped": "silver"}])
    );
    let (_, unchanged) = server
        .get(&format!("/api/v1/contacts/{other}"), &admin)
        .await;
    assert_eq!(unchanged["id"], other.as_str(), "a preview changes nothing");
    let (status, refused) = server
        .get(
            &format!("/api/v1/contacts/{kept}/merge_preview?contact_id={kept}"),
            &admin,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    // Both have an open conversation on the demo inbox: one is resolved first.
    let merge_path = format!("/api/v1/contacts/{kept}/merge");
    let (status, refused) = server
        .post(&merge_path, &admin, json!({"contact_id": other}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (status, body) = server
        .post(
            &format!("/api/v1/conversations/{other_conversation}/resolve"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, merged) = server
        .post(&merge_path, &admin, json!({"contact_id": other}))
        .await;
    assert_eq!(status, StatusCode::OK, "{merged}");
    assert_eq!(merged["attributes"], preview["result"]["attributes"]);
    let (_, notes_after) = server.get(&notes, &ana).await;
    let texts: Vec<&str> = notes_after["data"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|note| note["text"].as_str())
        .collect();
    assert_eq!(
        texts,
        ["Cliente desde 2019", "Prefere ser chamada pela manhã."],
        "newest first, moved"
    );
    let (status, _) = server
        .call(Method::DELETE, &note_path, Some(&ana), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "its author deletes it");
    let (status, _) = server
        .call(Method::DELETE, &note_path, Some(&ana), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn people_keep_notes_on_contacts_and_merge_two_after_a_preview() {
    on_every_backend!(notes_and_merges);
}

async fn saved_views(server: &TestServer) {
    let ana = server.login(ANA).await;
    let bruno = server.login(BRUNO).await;
    let view = json!({"name": "Meus VIPs", "filters": {"label": "vip", "assignee_id": "me", "status": "open"}});
    let (status, saved) = server.post("/api/v1/views", &ana, view.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["filters"], view["filters"]);
    let (status, taken) = server.post("/api/v1/views", &ana, view.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{taken}");
    assert_eq!(taken["error"]["code"], "view_exists");
    let (status, _) = server.post("/api/v1/views", &bruno, view).await;
    assert_eq!(status, StatusCode::CREATED, "names are per person");
    let (status, refused) = server
        .post(
            "/api/v1/views",
            &ana,
            json!({"name": "x", "filters": {"colour": "blue", "label": 3}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let mut fields = error_fields(&refused);
    fields.sort();
    assert_eq!(fields, ["filters.colour", "filters.label"]);

    let (_, listed) = server.get("/api/v1/views", &ana).await;
    assert_eq!(
        listed["data"].as_array().expect("views").len(),
        1,
        "{listed}"
    );
    let path = format!("/api/v1/views/{}", saved["id"].as_str().expect("id"));
    let (status, _) = server.call(Method::DELETE, &path, Some(&bruno), None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "one person's view is not another's"
    );
    let (status, _) = server.call(Method::DELETE, &path, Some(&ana), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, listed) = server.get("/api/v1/views", &ana).await;
    assert_eq!(listed["data"], json!([]));
}

#[tokio::test]
async fn people_save_views_of_their_own() {
    on_every_backend!(saved_views);
}

async fn transfer_to_a_colleague(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let ana = server.login(ANA).await;
    let bruno_id = user_id(server, &admin, BRUNO).await;
    let ana_id = user_id(server, &admin, ANA).await;
    let (conversation, _) = contact_of(
        server,
        "+5511950003333",
        "quero contestar uma compra",
        "transfer-agent-1",
    )
    .await;
    let path = format!("/api/v1/conversations/{conversation}");
    let (status, body) = server
        .post(&format!("{path}/assign"), &ana, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, refused) = server
        .post(
            &format!("{path}/transfer"),
            &ana,
            json!({"agent_id": ana_id}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(error_fields(&refused), ["agent_id"]);
    let (status, refused) = server
        .post(&format!("{path}/transfer"), &ana, json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(error_fields(&refused), ["team_id"]);
    let (status, refused) = server
        .post(
            &format!("{path}/transfer"),
            &ana,
            json!({"agent_id": bruno_id, "override_capacity": true}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");

    let (status, moved) = server
        .post(
            &format!("{path}/transfer"),
            &ana,
            json!({"agent_id": bruno_id, "note": "Compra de R$ 300 no dia 3; já conferi o CPF."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["conversation"]["assignee_id"], bruno_id.as_str());
    let (_, messages) = server.get(&format!("{path}/messages"), &admin).await;
    let messages = messages["data"].as_array().expect("messages").clone();
    let note = messages
        .iter()
        .find(|message| message["private"] == true)
        .expect("the note");
    assert!(
        note["text"]
            .as_str()
            .expect("text")
            .contains("já conferi o CPF")
    );
    let told = messages
        .iter()
        .rev()
        .find(|message| message["sender"]["type"] == "bot")
        .expect("the customer is told");
    let told = told["text"].as_str().expect("text");
    assert!(
        told.starts_with("Bruno vai continuar"),
        "first name only: {told}"
    );
    assert!(!told.contains("Lima"), "{told}");
}

#[tokio::test]
async fn an_agent_hands_a_conversation_to_a_named_colleague_with_a_note() {
    on_every_backend!(transfer_to_a_colleague);
}

async fn demo_teams(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let (status, teams) = server.get("/api/v1/teams", &admin).await;
    assert_eq!(status, StatusCode::OK, "{teams}");
    let names: Vec<&str> = teams["data"]
        .as_array()
        .expect("teams")
        .iter()
        .filter_map(|team| team["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["Atendimento geral", "Cartões e segurança"],
        "{teams}"
    );
    for team in teams["data"].as_array().expect("teams") {
        let id = team["id"].as_str().expect("id");
        let (_, members) = server
            .get(&format!("/api/v1/teams/{id}/members"), &admin)
            .await;
        assert_eq!(
            members["data"].as_array().expect("members").len(),
            2,
            "{members}"
        );
    }
}

#[tokio::test]
async fn the_demo_account_has_two_teams_of_its_agents() {
    on_every_backend!(demo_teams);
}

async fn days_opened(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let (conversation, _) =
        contact_of(server, "+5511950004444", "oi, preciso de ajuda", "opened-1").await;
    let listed = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect()
    };
    let (_, today) = server
        .get(
            "/api/v1/reports/summary?from=2000-01-01&to=2000-01-01",
            &admin,
        )
        .await;
    let zone = today["time_zone"].as_str().expect("time zone").to_owned();
    let day = jiff::Timestamp::now()
        .in_tz(&zone)
        .expect("the account's zone")
        .date()
        .to_string();
    let (status, body) = server
        .get(
            &format!("/api/v1/conversations?opened_from={day}&opened_to={day}"),
            &admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(listed(&body).contains(&conversation), "{body}");
    let (_, body) = server
        .get(
            "/api/v1/conversations?opened_from=2001-01-01&opened_to=2001-01-31",
            &admin,
        )
        .await;
    assert!(listed(&body).is_empty(), "{body}");
    let (status, body) = server
        .get("/api/v1/conversations?opened_from=2001-01-01", &admin)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["opened_from"]);
    let (status, body) = server
        .get(
            "/api/v1/conversations?opened_from=2001-02-01&opened_to=2001-01-01",
            &admin,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn the_list_narrows_to_the_days_conversations_opened() {
    on_every_backend!(days_opened);
}
