//! Checks that the store's modules import each other one way: the graph of `crate::` paths
//! between the files of `src/` has no cycle (the layering is written at the top of `lib.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The module each file is part of: `src/x.rs` and `src/x/...` are `x`.
fn module_sources() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = BTreeMap::new();
    let mut folders = vec![src.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let relative = path.strip_prefix(&src).expect("inside src");
            let first = relative.components().next().expect("a file name");
            let module = Path::new(first.as_os_str())
                .file_stem()
                .expect("a file stem")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("a source file");
            sources
                .entry(module)
                .or_insert_with(String::new)
                .push_str(&text);
        }
    }
    sources
}

/// The first path segment of each item a `crate::` path names: `crate::a::b` gives `a`,
/// `crate::{a::b, c}` gives `a` and `c`.
fn crate_paths(source: &str) -> Vec<String> {
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let mut names = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for character in group.chars() {
                match character {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.push(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(character);
            }
            names.push(first_segment(&item));
        } else {
            names.push(first_segment(rest));
        }
    }
    names.retain(|name| !name.is_empty());
    names
}

fn first_segment(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|character| character.is_alphanumeric() || *character == '_')
        .collect()
}

/// The root's re-exports (`pub use module::{A, B}`): which module each name comes from.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut owners = BTreeMap::new();
    for statement in lib.split(';') {
        let Some(path) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, items)) = path.split_once("::") else {
            continue;
        };
        for item in items.trim_matches(|c| c == '{' || c == '}').split(',') {
            owners.insert(first_segment(item), module.to_owned());
        }
    }
    owners
}

/// A cycle in `graph`, as the modules along it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        module: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|seen| seen == module) {
            let mut cycle = path[start..].to_vec();
            cycle.push(module.to_owned());
            return Some(cycle);
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_owned());
        for next in graph.get(module).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(module.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|module| visit(module, graph, &mut Vec::new(), &mut done))
}

#[test]
fn store_modules_import_each_other_one_way() {
    let mut sources = module_sources();
    let lib = sources.remove("lib").expect("lib.rs");
    let owners = reexports(&lib);
    let graph: BTreeMap<String, BTreeSet<String>> = sources
        .iter()
        .map(|(module, source)| {
            let imports = crate_paths(source)
                .into_iter()
                .filter_map(|name| {
                    if sources.contains_key(&name) {
                        Some(name)
                    } else {
                        owners.get(&name).cloned()
                    }
                })
                .filter(|imported| imported != module)
                .collect();
            (module.clone(), imports)
        })
        .collect();
    assert!(
        graph["messages"].contains("surveys") && graph["events"].contains("routing_follow_up"),
        "the import scan finds known imports: {graph:?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "store modules import each other in a circle: {}",
            cycle.join(" → ")
        );
    }
}
