//! The served OpenAPI document matches the server: every documented operation exists, and
//! every operation that declares security refuses a request without a token.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tandem_store::Backend;

use crate::harness::TestServer;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn needs_token(operation: &Value) -> bool {
    operation["security"]
        .as_array()
        .is_some_and(|requirements| {
            requirements
                .iter()
                .all(|r| r.as_object().is_some_and(|r| !r.is_empty()))
                && !requirements.is_empty()
        })
}

/// The path with each `{parameter}` replaced by an id that exists nowhere.
fn concrete(path: &str) -> String {
    let mut result = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        result.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |end| start + end + 1);
        result.push_str("01900000-0000-7000-8000-000000000000");
        rest = &rest[end..];
    }
    result.push_str(rest);
    result
}

#[tokio::test]
async fn every_documented_operation_exists_and_requires_its_token() {
    let server = TestServer::spawn(Backend::Sqlite).await;
    let (status, spec) = server
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(spec["openapi"].as_str().map(|v| &v[..2]), Some("3."));
    let paths = spec["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            operations += 1;
            let http_method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let response = server
                .client
                .request(http_method, format!("{}{}", server.base, concrete(path)))
                .send()
                .await
                .expect("an answer");
            let status = response.status();
            let is_json = response
                .headers()
                .get("content-type")
                .and_then(|value| value.to_str().ok())
                .is_some_and(|value| value.starts_with("application/json"));
            // Some operations answer text (metrics, TwiML, a verification challenge).
            let body: Value = if is_json {
                response.json().await.expect("JSON")
            } else {
                Value::Null
            };
            assert_ne!(
                body["error"]["code"], "route_not_found",
                "{method} {path} is documented but not routed"
            );
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert!(
                !status.is_server_error(),
                "{method} {path}: {status} {body}"
            );
            if needs_token(operation) {
                assert_eq!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} declares security but answered {status} {body}"
                );
                assert_eq!(body["error"]["code"], "unauthenticated", "{method} {path}");
            }
        }
    }
    assert!(operations >= 45, "only {operations} operations documented");
    server.stop().await;
}
