//! The library's shape: `lib.rs` declares the modules in pipeline order, and each module uses
//! only modules declared above it, so the build reads top to bottom and no two modules depend
//! on each other in a circle.

use std::collections::HashMap;
use std::path::Path;

#[test]
fn every_module_uses_only_the_modules_declared_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let order: Vec<&str> = lib
        .lines()
        .filter_map(|line| {
            let line = line.trim_start_matches("pub ");
            line.strip_prefix("mod ")?.strip_suffix(';')
        })
        .collect();
    assert!(order.len() > 20, "{order:?}");
    let position: HashMap<&str, usize> = order.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let mut upward = Vec::new();
    for (index, module) in order.iter().enumerate() {
        // A module is a file, or a folder of them (`picture/mod.rs`, `picture/cache.rs`).
        let folder = src.join(module);
        let files: Vec<std::path::PathBuf> = if folder.is_dir() {
            std::fs::read_dir(&folder)
                .expect("module folder")
                .map(|entry| entry.expect("entry").path())
                .collect()
        } else {
            vec![src.join(format!("{module}.rs"))]
        };
        let mut code = String::new();
        for file in files {
            let text = std::fs::read_to_string(file).expect("module");
            // Unit tests may use whatever they test with.
            code.push_str(text.split("#[cfg(test)]").next().unwrap_or_default());
        }
        for used in code.split("crate::").skip(1) {
            let name: String = used
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if position.get(name.as_str()).is_some_and(|&at| at >= index) {
                upward.push(format!("{module} uses {name}"));
            }
        }
    }
    assert!(upward.is_empty(), "modules using later ones: {upward:?}");
}
