//! The workspace's shape, checked on every run (in the spirit of rust-analyzer's tidy tests):
//! crate boundaries, the layering of the server over the application layer, no import circles
//! inside a crate, no `#[path]` includes, a `//!` line opening every file, and an
//! `ARCHITECTURE.md` that names every crate and top-level module.

use std::collections::BTreeSet;

use tandem_tidy::{
    code_of, crate_names, cycles, dependencies, module_graph, rust_files, top_level_modules,
    workspace_root,
};

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
        "tandem-reports",
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
    assert_never(
        "tandem-app",
        &["axum", "reqwest", "sqlx", "tandem-server", "tandem-mail"],
    );
    assert_never("tandem-mail", &["axum", "reqwest", "sqlx", "tandem-store"]);
    assert!(dependencies("tandem-store").iter().any(|d| d == "sqlx"));
}

/// The server's files that wire the process at start-up (open the database, seed, run the
/// command line); everything else reaches data only through `tandem_app::App`.
const SERVER_WIRING: [&str; 2] = ["lib.rs", "main.rs"];

#[test]
fn the_server_reaches_the_store_only_through_the_application_layer() {
    let src = workspace_root().join("crates/tandem-server/src");
    let mut offenders = Vec::new();
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).unwrap_or(&file);
        if SERVER_WIRING
            .iter()
            .any(|wiring| relative.as_os_str() == *wiring)
        {
            continue;
        }
        let code = code_of(&file);
        for (number, line) in code.lines().enumerate() {
            if line.contains("tandem_store")
                || line.contains(".store()")
                || line.contains(".store.")
            {
                offenders.push(format!(
                    "{}:{}: {}",
                    relative.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "tandem-server must call a use case of tandem_app::App instead:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn no_crate_has_an_import_circle_between_its_modules() {
    let mut found = Vec::new();
    for name in crate_names() {
        for cycle in cycles(&module_graph(&name)) {
            found.push(format!("{name}: {}", cycle.join(" ↔ ")));
        }
    }
    assert!(
        found.is_empty(),
        "modules that import each other, directly or through others:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_source_file_is_included_by_path_and_each_says_what_it_is_for() {
    let mut by_path = Vec::new();
    let mut undocumented = Vec::new();
    let crates = workspace_root().join("crates");
    for file in rust_files(&crates) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let relative = file
            .strip_prefix(&crates)
            .unwrap_or(&file)
            .display()
            .to_string();
        if text
            .lines()
            .any(|line| line.trim_start().starts_with("#[path"))
        {
            by_path.push(relative.clone());
        }
        if !text.trim_start().starts_with("//!") {
            undocumented.push(relative);
        }
    }
    assert!(by_path.is_empty(), "#[path] includes: {by_path:?}");
    assert!(
        undocumented.is_empty(),
        "files that do not open with a //! line: {undocumented:?}"
    );
}

#[test]
fn the_architecture_map_names_every_crate_and_top_level_module() {
    let map =
        std::fs::read_to_string(workspace_root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut missing = BTreeSet::new();
    for name in crate_names() {
        if !map.contains(&format!("crates/{name}")) {
            missing.insert(format!("crate {name}"));
        }
        for module in top_level_modules(&name).keys() {
            let named = [
                format!("{module}.rs"),
                format!("{module}/"),
                format!("`{module}`"),
            ]
            .iter()
            .any(|form| map.contains(form.as_str()));
            if !named {
                missing.insert(format!("{name}: {module}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map does not name: {missing:?}"
    );
}
