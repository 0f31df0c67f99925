//! The server's modules are layers that import one way only (see the crate
//! documentation in `src/lib.rs`): foundation ← app ← views ← http ← routes.
//! This reads every source file and fails, naming the file and the import,
//! when a module reaches up a layer, or when modules import each other in a
//! circle. A newcomer who adds a shortcut learns here, not in review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules by layer, lowest first. `lib.rs` (the router) is the top.
const LAYERS: &[&[&str]] = &[
    &[
        "clock", "config", "error", "live", "metrics", "secrets", "state", "text", "throttle",
    ],
    &["app"],
    &["views"],
    &["http"],
    &["routes"],
];

fn layer_of(top: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&top))
        .unwrap_or_else(|| {
            panic!("module `{top}` is in no layer: add it to LAYERS and lib.rs's docs")
        })
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a file is, as `["app", "outbox", "smtp"]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// Every `crate::a::b` path a file names (in `use` lines and in code), as
/// the first two segments; `super::x` is resolved against the file's module.
fn imports(text: &str, module: &[String]) -> BTreeSet<Vec<String>> {
    let mut found = BTreeSet::new();
    // Lines of tests inside the file may reach anywhere; the layers are for
    // the code that ships.
    let shipped: String = text
        .split("#[cfg(test)]")
        .next()
        .unwrap_or("")
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let shipped = shipped.as_str();
    for (start, _) in shipped.match_indices("crate::") {
        let rest = &shipped[start + "crate::".len()..];
        let path: Vec<String> = rest
            .split("::")
            .take(2)
            .map(|s| {
                s.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect()
            })
            .filter(|s: &String| !s.is_empty())
            .collect();
        if !path.is_empty() {
            found.insert(path);
        }
    }
    for (start, _) in shipped.match_indices("super::") {
        let before = &shipped[..start];
        if before.ends_with("super::") || before.ends_with("::") {
            continue;
        }
        let name: String = shipped[start + "super::".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        // `super::` of `app/visits.rs` is `app`; of `app/outbox/smtp.rs`, `app::outbox`.
        if module.len() >= 2 && !name.is_empty() {
            let mut path = module[..module.len() - 1].to_vec();
            path.push(name);
            path.truncate(2);
            found.insert(path);
        }
    }
    found
}

#[test]
fn modules_import_only_from_layers_below_and_never_in_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    // Edges between second-level modules (`app::visits` -> `app::quotes`).
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        let Some(top) = module.first() else {
            continue; // lib.rs: the router, above every layer
        };
        let own = layer_of(top);
        let text = std::fs::read_to_string(file).unwrap();
        let me = module
            .iter()
            .take(2)
            .cloned()
            .collect::<Vec<_>>()
            .join("::");
        for path in imports(&text, &module) {
            let their = layer_of(&path[0]);
            if their > own {
                upward.push(format!(
                    "{} imports crate::{} (layer {their} is above its layer {own})",
                    file.strip_prefix(&src).unwrap().display(),
                    path.join("::")
                ));
            }
            let target = path.join("::");
            if path.len() == 2 && target != me && !(module.len() > 2 && path[..] == module[..2]) {
                graph.entry(me.clone()).or_default().insert(target);
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that reach up a layer:\n{}",
        upward.join("\n")
    );

    // A circle is a module that can reach itself.
    let mut circles = Vec::new();
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = graph[start].iter().collect();
        while let Some(m) = stack.pop() {
            if m == start {
                circles.push(start.clone());
                break;
            }
            if seen.insert(m.clone())
                && let Some(next) = graph.get(m)
            {
                stack.extend(next.iter());
            }
        }
    }
    assert!(
        circles.is_empty(),
        "modules that import each other in a circle: {circles:?}\n(the graph: {graph:#?})"
    );
}
