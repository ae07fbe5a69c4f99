//! Reading the workspace for the tidy tests (`tests/tidy.rs`): its crates and their manifests,
//! each crate's top-level modules, and the `crate::` paths each module uses. Plain text
//! scanning, no compiler: fast, and good enough for the rules it checks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// The names of the workspace's crates (the folders under `crates/`).
pub fn crate_names() -> Vec<String> {
    let mut names: Vec<String> = read_dir(&workspace_root().join("crates"))
        .into_iter()
        .filter(|path| path.join("Cargo.toml").is_file())
        .filter_map(|path| Some(path.file_name()?.to_str()?.to_owned()))
        .collect();
    names.sort();
    names
}

/// The names of a crate's normal (not dev or build) dependencies.
pub fn dependencies(crate_name: &str) -> Vec<String> {
    let manifest = workspace_root()
        .join("crates")
        .join(crate_name)
        .join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap_or_default();
    let value: toml::Table = toml::from_str(&text).unwrap_or_default();
    value
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .map(|table| table.keys().cloned().collect())
        .unwrap_or_default()
}

/// Every `.rs` file under `dir`, recursively, sorted.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for path in read_dir(&dir) {
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn read_dir(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| Some(entry.ok()?.path()))
                .collect()
        })
        .unwrap_or_default()
}

/// A crate's top-level modules: each file or folder under `src/` but the crate roots, by
/// module name, with the files that make it up.
pub fn top_level_modules(crate_name: &str) -> BTreeMap<String, Vec<PathBuf>> {
    let src = workspace_root().join("crates").join(crate_name).join("src");
    let mut modules = BTreeMap::new();
    for path in read_dir(&src) {
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        if path.is_dir() {
            if name != "bin" {
                modules.insert(name.to_owned(), rust_files(&path));
            }
        } else if let Some(stem) = name.strip_suffix(".rs")
            && !matches!(stem, "lib" | "main")
        {
            let mut files = vec![path.clone()];
            files.extend(rust_files(&src.join(stem)));
            modules.insert(stem.to_owned(), files);
        }
    }
    modules
}

/// A file's text without its unit tests (`#[cfg(test)]` and everything after it, or the whole
/// of a `tests.rs` module file) and without comments, so that neither counts as a dependency.
pub fn code_of(path: &Path) -> String {
    if path.file_name().is_some_and(|name| name == "tests.rs") {
        return String::new();
    }
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let code = match text.find("#[cfg(test)]") {
        Some(index) => &text[..index],
        None => &text,
    };
    code.lines()
        .map(|line| match line.find("//") {
            Some(index) if !line[..index].contains('"') => &line[..index],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The items a crate root re-exports from its own modules (`pub use x::{A, B}`), by item name.
pub fn root_reexports(crate_name: &str) -> BTreeMap<String, String> {
    let src = workspace_root().join("crates").join(crate_name).join("src");
    let root = std::fs::read_to_string(src.join("lib.rs")).unwrap_or_default();
    let mut items = BTreeMap::new();
    for statement in root.split(';') {
        let Some(path) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, rest)) = path.split_once("::") else {
            continue;
        };
        let names = rest.trim_start_matches('{').trim_end_matches('}');
        for name in names.split(',') {
            let name = name.rsplit("::").next().unwrap_or_default().trim();
            if !name.is_empty() {
                items.insert(name.to_owned(), module.trim().to_owned());
            }
        }
    }
    items
}

/// The top-level modules of its own crate a module's code names (`crate::x`, or an item the
/// root re-exports from `x`), itself excluded.
pub fn module_uses(
    files: &[PathBuf],
    own: &str,
    known: &BTreeSet<String>,
    reexports: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let module_of = |name: &str| -> Option<String> {
        if known.contains(name) {
            Some(name.to_owned())
        } else {
            reexports
                .get(name)
                .filter(|module| known.contains(*module))
                .cloned()
        }
    };
    let mut used = BTreeSet::new();
    for file in files {
        let code = code_of(file);
        let mut rest = code.as_str();
        while let Some(index) = rest.find("crate::") {
            let after = &rest[index + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let preceded_by_ident = rest[..index]
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            if !preceded_by_ident
                && let Some(module) = module_of(&name)
                && module != own
            {
                used.insert(module);
            }
            if let Some(braced) = after.strip_prefix('{') {
                for item in braced.split('}').next().unwrap_or_default().split(',') {
                    let name: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if let Some(module) = module_of(&name)
                        && module != own
                    {
                        used.insert(module);
                    }
                }
            }
            rest = after;
        }
    }
    used
}

/// The cycles of a dependency graph: each strongly connected component of more than one node,
/// sorted (Tarjan's algorithm).
pub fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Tarjan<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, node: &'g str) {
            self.index.insert(node, self.next);
            self.low.insert(node, self.next);
            self.next += 1;
            self.stack.push(node);
            self.on_stack.insert(node);
            if let Some(edges) = self.graph.get(node) {
                for next in edges {
                    let next = next.as_str();
                    if !self.index.contains_key(next) {
                        self.visit(next);
                        let low = self.low[node].min(self.low[next]);
                        self.low.insert(node, low);
                    } else if self.on_stack.contains(next) {
                        let low = self.low[node].min(self.index[next]);
                        self.low.insert(node, low);
                    }
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.push(member.to_owned());
                    if member == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !tarjan.index.contains_key(node.as_str()) {
            tarjan.visit(node);
        }
    }
    tarjan.found.sort();
    tarjan.found
}

/// The module dependency graph of a crate's top-level modules.
pub fn module_graph(crate_name: &str) -> BTreeMap<String, BTreeSet<String>> {
    let modules = top_level_modules(crate_name);
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    let reexports = root_reexports(crate_name);
    modules
        .iter()
        .map(|(name, files)| (name.clone(), module_uses(files, name, &known, &reexports)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
        edges
            .iter()
            .map(|(from, to)| {
                (
                    (*from).to_owned(),
                    to.iter().map(|name| (*name).to_owned()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn cycles_are_found_directly_and_through_others() {
        let found = cycles(&graph(&[
            ("a", &["b"]),
            ("b", &["a"]),
            ("c", &["d"]),
            ("d", &["e"]),
            ("e", &["c"]),
            ("f", &["a"]),
        ]));
        assert_eq!(found, vec![vec!["a", "b"], vec!["c", "d", "e"]]);
    }

    #[test]
    fn a_graph_pointing_one_way_has_no_cycles() {
        assert!(cycles(&graph(&[("a", &["b", "c"]), ("b", &["c"]), ("c", &[])])).is_empty());
    }
}
