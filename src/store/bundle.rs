//! The bundled data: `ontology/*.ttl` and `data/*.ttl`, each file loaded into its own named graph,
//! reloaded in one transaction when the bundle's content hash differs from the one recorded in the store.

use super::{Backend, Change, graph_iri, load::parse_all};
use crate::error::{Error, Result};
use crate::vocab;
use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// One file of the bundle and the graph it goes into.
#[derive(Debug, Clone)]
pub struct BundleFile {
    pub path: PathBuf,
    pub graph: NamedNode,
}

/// The bundle found in a directory that holds `ontology/` and `data/`.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub root: PathBuf,
    pub files: Vec<BundleFile>,
}

/// What `ensure_loaded` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadOutcome {
    /// The store already held this bundle.
    Unchanged { hash: String },
    /// The bundle was (re)loaded.
    Loaded { hash: String, quads: usize },
}

/// The graph name of an ontology file: `citykg.ttl` is the `ontology` graph, others keep their stem.
fn graph_name_for(dir: &str, stem: &str) -> String {
    if dir == "ontology" && stem == "citykg" {
        "ontology".to_owned()
    } else {
        stem.to_owned()
    }
}

impl Bundle {
    /// Finds the bundle under `root`: every `*.ttl` in `root/ontology` and `root/data`, sorted by path.
    pub fn discover(root: &Path) -> Result<Self> {
        let mut files = Vec::new();
        for dir in ["ontology", "data"] {
            let path = root.join(dir);
            let entries = std::fs::read_dir(&path).map_err(|e| Error::io(path.display(), e))?;
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "ttl"))
                .collect();
            paths.sort();
            for path in paths {
                let stem = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .ok_or_else(|| Error::Invalid(format!("{}: bad file name", path.display())))?;
                let graph = graph_iri(&graph_name_for(dir, stem))?;
                files.push(BundleFile { path, graph });
            }
        }
        Ok(Self {
            root: root.to_path_buf(),
            files,
        })
    }

    /// The default bundle directory: the current directory when it holds `ontology/` and `data/`,
    /// else the source tree this binary was built from.
    pub fn default_root() -> PathBuf {
        let here = PathBuf::from(".");
        if here.join("ontology").is_dir() && here.join("data").is_dir() {
            here
        } else {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        }
    }

    /// SHA-256 over every file's path relative to the root and its bytes.
    pub fn content_hash(&self) -> Result<String> {
        let mut hasher = Sha256::new();
        for file in &self.files {
            let relative = file.path.strip_prefix(&self.root).unwrap_or(&file.path);
            let bytes = std::fs::read(&file.path).map_err(|e| Error::io(file.path.display(), e))?;
            hasher.update(relative.to_string_lossy().as_bytes());
            hasher.update([0]);
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
        }
        Ok(hex::encode(hasher.finalize()))
    }

    /// Loads the bundle into the store unless the store already holds this exact bundle.
    /// Every file is parsed before the store is touched; then one transaction replaces the
    /// bundle's graphs (including graphs of files that were removed) and records the new hash.
    pub fn ensure_loaded(&self, backend: &Backend) -> Result<LoadOutcome> {
        let hash = self.content_hash()?;
        let record = NamedNode::new_unchecked(vocab::BUNDLE_RECORD);
        let meta = Change::meta();
        let hash_predicate = NamedNode::new_unchecked(vocab::ckg::CONTENT_HASH);
        let graph_predicate = NamedNode::new_unchecked(vocab::ckg::GRAPH);
        let recorded = backend
            .select(&format!(
                "SELECT ?h WHERE {{ GRAPH {meta} {{ {record} {hash_predicate} ?h }} }}"
            ))?
            .into_iter()
            .find_map(|row| match row.into_iter().next().flatten() {
                Some(Term::Literal(l)) => Some(l.value().to_owned()),
                _ => None,
            });
        if recorded.as_deref() == Some(hash.as_str()) {
            return Ok(LoadOutcome::Unchanged { hash });
        }

        let mut parsed = Vec::new();
        for file in &self.files {
            let reader =
                std::fs::File::open(&file.path).map_err(|e| Error::io(file.path.display(), e))?;
            let origin = file.path.display().to_string();
            let quads = parse_all(
                &origin,
                std::io::BufReader::new(reader),
                RdfFormat::Turtle,
                Some(&file.graph),
                None,
            )?;
            parsed.push((file, quads));
        }

        let named = |rows: Vec<Vec<Option<Term>>>| -> Vec<NamedNode> {
            rows.into_iter()
                .filter_map(|row| match row.into_iter().next().flatten() {
                    Some(Term::NamedNode(n)) => Some(n),
                    _ => None,
                })
                .collect()
        };
        let previous_graphs = named(backend.select(&format!(
            "SELECT ?g WHERE {{ GRAPH {meta} {{ {record} {graph_predicate} ?g }} }}"
        ))?);
        // A city's graph that has received a contribution belongs to its contributors from then
        // on: the bundle only seeds graphs nobody has contributed to.
        let contributed: std::collections::HashSet<NamedNode> = named(backend.select(&format!(
            "SELECT DISTINCT ?g WHERE {{ GRAPH {meta} {{ ?x {graph_predicate} ?g FILTER(?x != {record}) }} }}"
        ))?)
        .into_iter()
        .collect();

        let mut clear: Vec<NamedNode> = Vec::new();
        for graph in previous_graphs
            .iter()
            .chain(self.files.iter().map(|f| &f.graph))
            .filter(|g| !contributed.contains(*g))
        {
            if !clear.contains(graph) {
                clear.push(graph.clone());
            }
        }
        let mut insert = Vec::new();
        for (file, quads) in parsed {
            if contributed.contains(&file.graph) {
                tracing::info!(
                    "{} not loaded: {} has received contributions",
                    file.path.display(),
                    file.graph
                );
                continue;
            }
            insert.extend(quads);
        }
        let total = insert.len();
        insert.push(Quad::new(
            record.clone(),
            hash_predicate.clone(),
            Literal::new_simple_literal(&hash),
            GraphName::NamedNode(meta.clone()),
        ));
        for file in &self.files {
            insert.push(Quad::new(
                record.clone(),
                graph_predicate.clone(),
                file.graph.clone(),
                GraphName::NamedNode(meta.clone()),
            ));
        }
        backend.apply(&Change {
            clear,
            drop_meta: vec![
                (record.clone(), hash_predicate),
                (record.clone(), graph_predicate),
            ],
            insert,
            version: Some(hash[..16].to_owned()),
            expect: None,
        })?;
        Ok(LoadOutcome::Loaded { hash, quads: total })
    }
}
