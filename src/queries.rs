//! The research queries in `queries/*.rq`: each opens with `# title:` and `# description:` lines.
//! The query page offers them as examples; tests run every one of them.

use crate::error::{Error, Result};
use std::path::Path;

/// One query of the catalogue.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CatalogueQuery {
    /// File stem, used in links.
    pub id: String,
    pub title: String,
    pub description: String,
    pub text: String,
}

/// All queries found in a directory, sorted by file name.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub queries: Vec<CatalogueQuery>,
}

impl CatalogueQuery {
    /// Reads the header comments of a query file; title and description are required.
    pub fn parse(id: &str, text: &str, origin: &str) -> Result<Self> {
        let mut title = None;
        let mut description = None;
        for line in text.lines() {
            let line = line.trim();
            if !line.starts_with('#') {
                if line.is_empty() {
                    continue;
                }
                break;
            }
            let comment = line.trim_start_matches('#').trim();
            if let Some(v) = comment.strip_prefix("title:") {
                title = Some(v.trim().to_owned());
            } else if let Some(v) = comment.strip_prefix("description:") {
                description = Some(v.trim().to_owned());
            }
        }
        let missing = |what: &str| {
            Error::Invalid(format!(
                "{origin}:1:1: the query must open with a '# {what}:' line"
            ))
        };
        Ok(Self {
            id: id.to_owned(),
            title: title.ok_or_else(|| missing("title"))?,
            description: description.ok_or_else(|| missing("description"))?,
            text: text.to_owned(),
        })
    }
}

impl Catalogue {
    /// Loads every `*.rq` in `dir`; a missing directory is an empty catalogue.
    pub fn load(dir: &Path) -> Result<Self> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(Error::io(dir.display(), e)),
        };
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "rq"))
            .collect();
        paths.sort();
        let mut queries = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(path.display(), e))?;
            let id = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("query")
                .to_owned();
            queries.push(CatalogueQuery::parse(
                &id,
                &text,
                &path.display().to_string(),
            )?);
        }
        Ok(Self { queries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines_are_read() {
        let q = CatalogueQuery::parse(
            "x",
            "# title: Practices per city\n# description: Counts them.\nSELECT * {}",
            "x.rq",
        )
        .expect("valid header");
        assert_eq!(q.title, "Practices per city");
        assert_eq!(q.description, "Counts them.");
        assert!(CatalogueQuery::parse("y", "SELECT * {}", "y.rq").is_err());
    }
}
