//! The CSV template for data stewards who do not write RDF: one row per practice, repeatable
//! outcome columns. This module holds the columns and the slug rules of the mapping; `import`
//! maps a file to triples (docs/contribute.md; errors name the row and the column) and `export`
//! writes a city's practices from the store in the same shape.

mod export;
mod import;

pub use export::export;
pub use import::to_triples;

use crate::error::{Error, Result};
use oxigraph::model::NamedNode;

/// The practice columns, in template order; `name` and `description` may repeat with a language
/// tag (`name@sv`), and the outcome columns repeat as `outcome1_…`, `outcome2_…`.
pub const PRACTICE_COLUMNS: [&str; 18] = [
    "practice_id",
    "name@en",
    "description@en",
    "start",
    "end",
    "themes",
    "goals",
    "sdgs",
    "partners",
    "stage",
    "stage_year",
    "adapted_from",
    "contact",
    "verification",
    "source_urls",
    "source_titles",
    "source_publishers",
    "note@en",
];
/// The exchange columns and the practice property each carries: when an upload's header has the
/// column, the upload's values replace the city's current ones; without it, a CSV upload keeps
/// the current statements (`vocab::exchange::KEPT_ON_CSV_UPLOAD`).
pub const EXCHANGE_COLUMNS: [(&str, &str); 4] = [
    ("stage", crate::vocab::exchange::STAGE),
    ("stage_year", crate::vocab::exchange::STAGE_YEAR),
    ("adapted_from", crate::vocab::exchange::ADAPTED_FROM),
    ("contact", crate::vocab::exchange::CONTACT_POINT),
];

/// The practice properties that the header of a CSV file carries among the exchange columns.
pub fn covered_predicates(bytes: &[u8]) -> Vec<&'static str> {
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let Ok(header) = reader.headers() else {
        return Vec::new();
    };
    EXCHANGE_COLUMNS
        .iter()
        .filter(|(column, _)| {
            header
                .iter()
                .any(|h| h.trim().trim_start_matches('\u{feff}') == *column)
        })
        .map(|(_, predicate)| *predicate)
        .collect()
}

/// The columns of one outcome, after the `outcomeN_` prefix.
pub const OUTCOME_FIELDS: [&str; 12] = [
    "id",
    "indicator@en",
    "value",
    "unit",
    "year",
    "target",
    "qualifier",
    "baseline",
    "source_url",
    "source_title",
    "verification",
    "note@en",
];

/// The header of the empty template, with `outcomes` sets of outcome columns.
pub fn template_header(outcomes: usize) -> Vec<String> {
    let mut header: Vec<String> = PRACTICE_COLUMNS.iter().map(|c| c.to_string()).collect();
    for n in 1..=outcomes {
        header.extend(OUTCOME_FIELDS.iter().map(|f| format!("outcome{n}_{f}")));
    }
    header
}

/// A slug from free text, as the data conventions make them: lowercase ASCII runs joined by `-`.
pub fn slugify(text: &str, max: usize) -> String {
    let mut slug = String::new();
    for c in text.to_lowercase().chars() {
        let c = match c {
            'å' | 'ä' | 'á' | 'à' | 'â' => 'a',
            'ö' | 'ø' | 'ó' | 'ò' | 'ô' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' | 'ú' => 'u',
            'í' => 'i',
            c => c,
        };
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let mut slug: String = slug.chars().take(max).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// The source identifier the data conventions derive from a document URL.
pub fn source_slug(url: &str) -> String {
    let without_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    slugify(without_scheme, 80)
}

/// An IRI the mapping minted, or an error naming the text that is not one.
pub(super) fn iri(s: String) -> Result<NamedNode> {
    NamedNode::new(s.clone()).map_err(|e| Error::Invalid(format!("{s:?} is not a valid IRI: {e}")))
}
