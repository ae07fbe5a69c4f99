//! The crate boundaries of ARCHITECTURE.md, checked on every run: a forbidden dependency edge
//! fails the build's tests instead of creeping in.

use std::path::Path;

/// The direct dependencies of the workspace crate `name`.
fn dependencies(name: &str) -> Vec<String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("a manifest");
    let value: toml::Table = toml::from_str(&text).expect("valid TOML");
    value
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .map(|table| table.keys().cloned().collect())
        .unwrap_or_default()
}

fn assert_never(crate_name: &str, forbidden: &[&str]) {
    let dependencies = dependencies(crate_name);
    for dependency in forbidden {
        assert!(
            !dependencies.iter().any(|d| d == dependency),
            "{crate_name} must not depend on {dependency}"
        );
    }
}

const IO: [&str; 5] = ["sqlx", "axum", "tokio", "reqwest", "tokio-tungstenite"];

#[test]
fn pure_crates_do_no_io_and_stand_alone() {
    for pure in [
        "tandem-domain",
        "tandem-nlu",
        "tandem-bot",
        "tandem-routing",
        "tandem-channels",
    ] {
        assert_never(pure, &IO);
        assert_never(pure, &["lettre", "async-imap", "tandem-mail"]);
        assert_never(pure, &["tandem-store", "tandem-app", "tandem-server"]);
    }
    assert_never("tandem-nlu", &["tandem-domain"]);
}

#[test]
fn only_the_store_knows_sql_and_only_the_server_knows_http() {
    assert_never(
        "tandem-store",
        &["axum", "reqwest", "tandem-app", "tandem-server"],
    );
    assert_never("tandem-app", &["axum", "reqwest", "sqlx", "tandem-server"]);
    assert_never("tandem-mail", &["axum", "reqwest", "sqlx", "tandem-store"]);
    assert!(dependencies("tandem-store").iter().any(|d| d == "sqlx"));
}
