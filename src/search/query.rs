//! Answers searches from a built index: the reader's words parsed leniently (never an error),
//! near matches when nothing has every word, and snippets as safe HTML with the matches in <mark>.

use super::{Group, Kind, Live, MAX_QUERY_CHARS, search_error};
use crate::error::Result;
use std::ops::Range;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, QueryParser, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::{Snippet, SnippetGenerator};
use tantivy::{DocAddress, Score, Searcher, TantivyDocument, Term};

/// Characters of a description shown around the matches.
const SNIPPET_CHARS: usize = 220;
/// Words of a slug or query that near-match suggestions look at.
const MAX_SUGGEST_WORDS: usize = 8;
/// Names are marked whole.
const NAME_CHARS: usize = 100_000;

/// One search hit.
#[derive(Debug, Clone)]
pub struct Hit {
    pub iri: String,
    pub kind: Kind,
    /// The IRIs of the hit's cities (its own for practices, strategies and goals).
    pub cities: Vec<String>,
    pub score: Score,
    /// A piece of the hit's text around the matches, as HTML: every piece of text escaped, the
    /// matching words in `<mark>`. Empty when the hit has no text.
    pub snippet: String,
    /// The language group of the snippet's text and of the label the page shows (for `lang`).
    pub snippet_group: Option<Group>,
    pub label_group: Option<Group>,
}

/// The hits of one search, best first.
pub struct Results {
    /// How many resources matched in all.
    pub total: usize,
    pub hits: Vec<Hit>,
    /// True when no resource had every word and the hits are near matches instead.
    pub approximate: bool,
    /// Marks the matching words in other text (the labels shown for the hits).
    pub highlighter: Highlighter,
}

impl Results {
    fn empty() -> Self {
        Self {
            total: 0,
            hits: Vec::new(),
            approximate: false,
            highlighter: Highlighter {
                generators: Vec::new(),
            },
        }
    }
}

/// Marks the words of a search in any text.
pub struct Highlighter {
    generators: Vec<SnippetGenerator>,
}

impl Highlighter {
    /// `text` as HTML, escaped, with the words the search matched in `<mark>` (the analysis of
    /// whichever language group marks most).
    pub fn highlight(&self, text: &str) -> String {
        let best = self
            .generators
            .iter()
            .map(|g| {
                let snippet = g.snippet(text);
                let start = snippet.fragment_range().start;
                snippet
                    .highlighted()
                    .iter()
                    .map(|r| r.start + start..r.end + start)
                    .collect::<Vec<_>>()
            })
            .max_by_key(Vec::len)
            .unwrap_or_default();
        marked(text, &best)
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` as HTML with the byte `ranges` in `<mark>`: every piece escaped, ranges that overlap,
/// fall outside the text or split a character ignored.
fn marked(text: &str, ranges: &[Range<usize>]) -> String {
    let mut sorted: Vec<Range<usize>> = ranges.to_vec();
    sorted.sort_by_key(|r| (r.start, r.end));
    let mut out = String::new();
    let mut position = 0;
    for range in sorted {
        if range.start < position || range.start >= range.end {
            continue;
        }
        let (Some(before), Some(word)) = (text.get(position..range.start), text.get(range.clone()))
        else {
            continue;
        };
        out.push_str(&escape_html(before));
        out.push_str("<mark>");
        out.push_str(&escape_html(word));
        out.push_str("</mark>");
        position = range.end;
    }
    out.push_str(&escape_html(text.get(position..).unwrap_or("")));
    out
}

/// The reader's query made safe for the parser: at most `MAX_QUERY_CHARS` characters, and no
/// `field:` syntax (a colon in "SDG 11: cities" must not name a field).
pub fn clean_query(q: &str) -> String {
    q.chars()
        .take(MAX_QUERY_CHARS)
        .map(|c| if c == ':' || c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The language groups in the order a reader of `preferred` wants them.
fn preference(preferred: Group) -> Vec<Group> {
    let mut order = vec![preferred];
    for g in [Group::En, Group::Sv, Group::Other] {
        if !order.contains(&g) {
            order.push(g);
        }
    }
    order
}

/// The fields a query searches, with their weights: the folded fields of every language score
/// most (their statistics cover every language alike), the stemmed English and Swedish fields add
/// the other forms of a word; names weigh three times more than texts.
fn weighted_fields(live: &Live) -> [(Field, f32); 6] {
    let f = &live.fields;
    [
        (f.name_all, 3.0),
        (f.text_all, 1.0),
        (f.name(Group::En), 1.0),
        (f.name(Group::Sv), 1.0),
        (f.text(Group::En), 0.3),
        (f.text(Group::Sv), 0.3),
    ]
}

/// Every word must match (in a name or a text, in any language).
pub(super) fn search(
    live: &Live,
    q: &str,
    offset: usize,
    limit: usize,
    preferred: Group,
) -> Result<Results> {
    let q = clean_query(q);
    if q.is_empty() {
        return Ok(Results::empty());
    }
    let expanded = super::synonyms::expand(&q);
    let fields = weighted_fields(live);
    let mut parser = QueryParser::for_index(&live.index, fields.iter().map(|(f, _)| *f).collect());
    for (field, weight) in fields {
        parser.set_field_boost(field, weight);
    }
    parser.set_conjunction_by_default();
    // Lenient: a stray quote, brace or operator is read as well as it can be, never an error.
    let (query, _errors) = parser.parse_query_lenient(&expanded);
    let searcher = live.reader.searcher();
    let (top, total) = searcher
        .search(
            &query,
            &(
                TopDocs::with_limit(limit.max(1))
                    .and_offset(offset)
                    .order_by_score(),
                Count,
            ),
        )
        .map_err(|e| search_error("search", e))?;
    if total == 0 {
        let mut near = suggest(live, &q, None, offset, limit, preferred)?;
        near.approximate = near.total > 0;
        return Ok(near);
    }
    collect(live, &searcher, query.as_ref(), top, total, preferred)
}

/// Near matches for `words`: each word may match exactly, with a typo or two (by its length), and
/// the last word also as a prefix; resources matching more (and rarer) words rank higher, and
/// resources of `kind` count twice.
pub(super) fn suggest(
    live: &Live,
    words: &str,
    kind: Option<Kind>,
    offset: usize,
    limit: usize,
    preferred: Group,
) -> Result<Results> {
    let searcher = live.reader.searcher();
    let Some(query) = near_query(live, &searcher, words)? else {
        return Ok(Results::empty());
    };
    // Candidates enough to reorder: resources of the wanted kind count twice.
    let wanted = (offset + limit).max(1);
    let candidates = if kind.is_some() {
        (wanted * 4).max(40)
    } else {
        wanted
    };
    let (top, total) = searcher
        .search(
            &query,
            &(TopDocs::with_limit(candidates).order_by_score(), Count),
        )
        .map_err(|e| search_error("search", e))?;
    let mut scored = Vec::with_capacity(top.len());
    for (score, address) in top {
        let factor = match kind {
            Some(kind) => {
                let doc: TantivyDocument = searcher
                    .doc(address)
                    .map_err(|e| search_error("read a hit", e))?;
                let code = doc.get_first(live.fields.kind).and_then(|v| v.as_str());
                if code == Some(kind.code()) { 2.0 } else { 1.0 }
            }
            None => 1.0,
        };
        scored.push((score * factor, address));
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let page: Vec<(Score, DocAddress)> = scored.into_iter().skip(offset).take(limit).collect();
    collect(live, &searcher, query.as_ref(), page, total, preferred)
}

fn near_query(live: &Live, searcher: &Searcher, words: &str) -> Result<Option<Box<dyn Query>>> {
    let f = &live.fields;
    let cleaned = clean_query(words);
    let words: Vec<&str> = cleaned
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_SUGGEST_WORDS)
        .collect();
    // (field, score of an exact match, score of a near match, weight of BM25). Matches score
    // constants, so each word adds a bounded amount and matching more words ranks higher; BM25,
    // weighted low, only orders resources that match alike.
    // The stemmed names add other forms of a word ("taxes" finds "tax").
    let targets = [
        (f.slug, 2.0, 2.0, 0.0),
        (f.name_all, 3.0, 2.0, 0.1),
        (f.text_all, 1.0, 0.5, 0.05),
        (f.name(Group::En), 1.5, 0.0, 0.0),
        (f.name(Group::Sv), 1.5, 0.0, 0.0),
    ];
    let last = words.len().saturating_sub(1);
    let mut per_word: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, exact, near, bm25) in &targets {
            let mut analyzer = live
                .index
                .tokenizer_for_field(*field)
                .map_err(|e| search_error("analyzer", e))?;
            let mut tokens = Vec::new();
            analyzer
                .token_stream(word)
                .process(&mut |t| tokens.push(t.text.clone()));
            for token in tokens {
                let term = Term::from_field_text(*field, &token);
                let exact_query = || TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
                clauses.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(Box::new(exact_query()), *exact)),
                ));
                if *bm25 > 0.0 {
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(exact_query()), *bm25)),
                    ));
                }
                let chars = token.chars().count();
                let distance = match chars {
                    0..=3 => 0,
                    4..=7 => 1,
                    _ => 2,
                };
                let fuzzy = if *near == 0.0 {
                    continue;
                } else if i == last && chars >= 3 {
                    FuzzyTermQuery::new_prefix(term, distance, true)
                } else if distance > 0 {
                    FuzzyTermQuery::new(term, distance, true)
                } else {
                    continue;
                };
                clauses.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(Box::new(fuzzy), *near)),
                ));
            }
        }
        if clauses.is_empty() {
            continue;
        }
        // A word that many resources match ("stockholm" in every Stockholm slug) tells little:
        // each word weighs by the rarity of what it matches, like BM25's IDF.
        let word = BooleanQuery::new(clauses);
        let matching = searcher
            .search(&word, &Count)
            .map_err(|e| search_error("search", e))?;
        if matching == 0 {
            continue;
        }
        let weight = (1.0 + live.docs as f32 / matching as f32).ln();
        per_word.push((
            Occur::Should,
            Box::new(BoostQuery::new(Box::new(word), weight)),
        ));
    }
    if per_word.is_empty() {
        return Ok(None);
    }
    Ok(Some(Box::new(BooleanQuery::new(per_word))))
}

fn collect(
    live: &Live,
    searcher: &Searcher,
    query: &dyn Query,
    top: Vec<(Score, DocAddress)>,
    total: usize,
    preferred: Group,
) -> Result<Results> {
    let f = &live.fields;
    let order = preference(preferred);
    let generator = |field: Field, chars: usize| -> Result<SnippetGenerator> {
        let mut g = SnippetGenerator::create(searcher, query, field)
            .map_err(|e| search_error("snippet", e))?;
        g.set_max_num_chars(chars);
        Ok(g)
    };
    // Each group's stored text is marked by its stemmed field's words and by the folded words of
    // every language (what near matches and the folded fields found), whichever marks more.
    let mut texts = Vec::new();
    let mut names = Vec::new();
    for g in &order {
        let mut text_generators = vec![generator(f.text_all, SNIPPET_CHARS)?];
        let mut name_generators = vec![generator(f.name_all, NAME_CHARS)?];
        if *g != Group::Other {
            text_generators.push(generator(f.text(*g), SNIPPET_CHARS)?);
            name_generators.push(generator(f.name(*g), NAME_CHARS)?);
        }
        texts.push((*g, f.text(*g), text_generators));
        names.push((*g, f.name(*g), name_generators));
    }
    let mut hits = Vec::with_capacity(top.len());
    for (score, address) in top {
        let doc: TantivyDocument = searcher
            .doc(address)
            .map_err(|e| search_error("read a hit", e))?;
        let first = |field: Field| -> String {
            doc.get_first(field)
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        let Some(kind) = Kind::from_code(&first(f.kind)) else {
            continue;
        };
        let iri = first(f.iri);
        if iri.is_empty() {
            continue;
        }
        let cities = doc
            .get_all(f.city)
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        // The group the page's label comes from: the reader's language, else English, else any.
        let label_group = order
            .iter()
            .copied()
            .find(|g| !first(f.name(*g)).is_empty());
        let (snippet, snippet_group) = best_snippet(&texts, &names, label_group, &first);
        hits.push(Hit {
            iri,
            kind,
            cities,
            score,
            snippet,
            snippet_group,
            label_group,
        });
    }
    Ok(Results {
        total,
        hits,
        approximate: false,
        highlighter: Highlighter {
            generators: [
                generator(f.name_all, NAME_CHARS)?,
                generator(f.name(Group::En), NAME_CHARS)?,
                generator(f.name(Group::Sv), NAME_CHARS)?,
            ]
            .into(),
        },
    })
}

/// The snippet of the generator that marks most words in `text` (the first among equals); None
/// when none marks any.
fn most_marked(generators: &[SnippetGenerator], text: &str) -> Option<Snippet> {
    let mut best: Option<Snippet> = None;
    for generator in generators {
        let snippet = generator.snippet(text);
        let marks = snippet.highlighted().len();
        if marks > 0 && best.as_ref().is_none_or(|b| marks > b.highlighted().len()) {
            best = Some(snippet);
        }
    }
    best
}

/// The snippet of a hit: its text around the matches (reader's language first); else its other
/// names where they match (a Swedish name found from an English page); else the start of its text.
fn best_snippet(
    texts: &[(Group, Field, Vec<SnippetGenerator>)],
    names: &[(Group, Field, Vec<SnippetGenerator>)],
    label_group: Option<Group>,
    value: &dyn Fn(Field) -> String,
) -> (String, Option<Group>) {
    for (group, field, generators) in texts {
        let text = value(*field);
        if text.is_empty() {
            continue;
        }
        if let Some(snippet) = most_marked(generators, &text) {
            let range = snippet.fragment_range();
            let mut html = String::new();
            if range.start > 0 {
                html.push_str("… ");
            }
            html.push_str(&marked(snippet.fragment(), snippet.highlighted()));
            if range.end < text.trim_end().len() {
                html.push_str(" …");
            }
            return (html, Some(*group));
        }
    }
    for (group, field, generators) in names {
        if Some(*group) == label_group {
            continue;
        }
        let text = value(*field);
        if let Some(snippet) = most_marked(generators, &text) {
            let start = snippet.fragment_range().start;
            let ranges: Vec<Range<usize>> = snippet
                .highlighted()
                .iter()
                .map(|r| r.start + start..r.end + start)
                .collect();
            return (marked(&text, &ranges), Some(*group));
        }
    }
    for (group, field, _) in texts {
        let text = value(*field);
        if !text.is_empty() {
            return (escape_html(&opening(&text, SNIPPET_CHARS)), Some(*group));
        }
    }
    (String::new(), None)
}

/// The start of `text`, cut at a space before `chars` characters, with "…" when cut.
fn opening(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(chars).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(space) if space > chars / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{} …", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_escapes_every_piece_and_marks_only_the_ranges() {
        let text = "<b>dark</b> fibre & \"more\"";
        let fibre = text.find("fibre").expect("fibre");
        assert_eq!(
            marked(text, std::slice::from_ref(&(fibre..fibre + 5))),
            "&lt;b&gt;dark&lt;/b&gt; <mark>fibre</mark> &amp; &quot;more&quot;"
        );
        // Overlapping, reversed, out-of-range and mid-character ranges are ignored.
        let (start, end) = (3, 2);
        assert_eq!(marked("å b", &[1..2, start..end, 9..12]), "å b");
        assert_eq!(
            marked("ab cd", &[3..5, 0..2, 1..4]),
            "<mark>ab</mark> <mark>cd</mark>"
        );
    }

    #[test]
    fn queries_are_cut_and_lose_field_syntax() {
        assert_eq!(clean_query("  SDG 11: cities \u{0} "), "SDG 11  cities");
        assert_eq!(clean_query(&"x".repeat(1000)).len(), MAX_QUERY_CHARS);
        assert_eq!(
            clean_query(&"å".repeat(1000)).chars().count(),
            MAX_QUERY_CHARS
        );
    }

    #[test]
    fn openings_are_cut_at_a_space() {
        assert_eq!(opening("short text", 50), "short text");
        assert_eq!(opening("one two three four", 12), "one two …");
    }
}
