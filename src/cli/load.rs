//! `citykg load`: bulk-loads RDF files into the store with a progress bar and a triples/s summary.

use crate::error::{Error, Result};
use crate::store::load::bulk_load_file;
use indicatif::{ProgressBar, ProgressStyle};
use oxigraph::model::NamedNode;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Loads each file (Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD) into the store in `data_dir`;
/// triples go to `graph` when given. A file that fails to parse is not loaded at all and stops the run.
pub fn load(
    data_dir: &Path,
    engine: &super::engine::EngineArgs,
    files: &[PathBuf],
    graph: Option<&str>,
) -> Result<u64> {
    let graph = match graph {
        Some(g) => Some(
            NamedNode::new(g)
                .map_err(|e| Error::Invalid(format!("--graph {g:?} is not a valid IRI: {e}")))?,
        ),
        None => None,
    };
    let backend = engine.open(data_dir)?;
    let mut total = 0;
    let started = Instant::now();
    for file in files {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {human_pos} quads ({per_sec})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(file.display().to_string());
        let progress = bar.clone();
        let file_started = Instant::now();
        let loaded = bulk_load_file(&backend, file, graph.as_ref(), move |n| {
            progress.set_position(n)
        });
        match loaded {
            Ok(n) => {
                bar.finish_and_clear();
                let secs = file_started.elapsed().as_secs_f64();
                eprintln!(
                    "{}: {n} quads in {secs:.2} s ({:.0} quads/s)",
                    file.display(),
                    n as f64 / secs.max(1e-9)
                );
                total += n;
            }
            Err(e) => {
                bar.abandon();
                return Err(e);
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "loaded {total} quads from {} file(s) in {secs:.2} s ({:.0} quads/s)",
        files.len(),
        total as f64 / secs.max(1e-9)
    );
    Ok(total)
}
