//! Full-text search over the names, labels and descriptions (in every language) of what the pages
//! show: a tantivy index in `{data_dir}/search-index/`, built from SPARQL through the Backend seam
//! and rebuilt, into a fresh directory that is then swapped in, whenever the data version changes
//! (after a contribution through this node, only the documents it touched are replaced).

mod build;
mod query;
mod synonyms;

pub use query::{Highlighter, Hit, Results};

use crate::error::{Error, Result};
use crate::store::Backend;
use oxigraph::model::NamedNode;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, TryLockError};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};
use tantivy::{Index, IndexReader, ReloadPolicy};

/// The most characters of a query that are used; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 200;
/// The index directory's name inside the data directory.
const INDEX_DIR: &str = "search-index";
/// The file (in the index directory) that names the live build.
const CURRENT: &str = "CURRENT";
/// The file (in a build directory) that holds the data version the build was made from.
const VERSION_FILE: &str = "DATA_VERSION";

/// What a hit is; the code is used in JSON answers and as the key of its interface string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Practice,
    City,
    Goal,
    Theme,
    Organisation,
    Strategy,
    Source,
    Sdg,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Practice,
        Kind::City,
        Kind::Goal,
        Kind::Theme,
        Kind::Organisation,
        Kind::Strategy,
        Kind::Source,
        Kind::Sdg,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Practice => "practice",
            Kind::City => "city",
            Kind::Goal => "goal",
            Kind::Theme => "theme",
            Kind::Organisation => "organisation",
            Kind::Strategy => "strategy",
            Kind::Source => "source",
            Kind::Sdg => "sdg",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The kind of the resources at `/id/{kind}/…` (`org` is an organisation).
    pub fn from_path_kind(kind: &str) -> Option<Self> {
        match kind {
            "org" => Some(Kind::Organisation),
            other => Self::from_code(other),
        }
    }
}

/// The language groups text is kept in: English and Swedish (each indexed with its stemmer), and
/// any other language or untagged text (stored only). All text is also indexed, whatever its
/// language, folded to lowercase ASCII without stemming in `name_all` and `text_all`: those fields
/// score a word alike in every language, the stemmed ones add the other forms of a word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    En,
    Sv,
    Other,
}

impl Group {
    pub const ALL: [Group; 3] = [Group::En, Group::Sv, Group::Other];

    fn index(self) -> usize {
        match self {
            Group::En => 0,
            Group::Sv => 1,
            Group::Other => 2,
        }
    }

    /// The group of a language tag (`en`, `en-GB`, `sv`, `fi`, ``).
    pub fn of_tag(tag: &str) -> Self {
        let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "en" => Group::En,
            "sv" => Group::Sv,
            _ => Group::Other,
        }
    }

    fn tokenizer(self) -> &'static str {
        match self {
            Group::En => "citykg_en",
            Group::Sv => "citykg_sv",
            Group::Other => "citykg_folded",
        }
    }
}

/// The fields of the index.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields {
    pub iri: Field,
    pub kind: Field,
    pub city: Field,
    /// The words of the IRI's last segment, for the suggestions of the 404 page.
    pub slug: Field,
    /// Names and labels, one field per language group (`Other` is stored, not indexed).
    pub name: [Field; 3],
    /// Descriptions, notes and definitions, one field per language group (`Other` stored only).
    pub text: [Field; 3],
    /// Every name, folded (indexed, not stored).
    pub name_all: Field,
    /// Every text, folded (indexed, not stored).
    pub text_all: Field,
}

impl Fields {
    pub fn name(&self, group: Group) -> Field {
        self.name[group.index()]
    }

    pub fn text(&self, group: Group) -> Field {
        self.text[group.index()]
    }
}

fn text_options(tokenizer: &str, stored: bool) -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(tokenizer)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let options = TextOptions::default().set_indexing_options(indexing);
    if stored {
        options.set_stored()
    } else {
        options
    }
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let iri = builder.add_text_field("iri", STRING | STORED);
    let kind = builder.add_text_field("kind", STRING | STORED);
    let city = builder.add_text_field("city", STRING | STORED);
    let slug = builder.add_text_field("slug", text_options(Group::Other.tokenizer(), false));
    let name_all =
        builder.add_text_field("name_all", text_options(Group::Other.tokenizer(), false));
    let text_all =
        builder.add_text_field("text_all", text_options(Group::Other.tokenizer(), false));
    let mut field = |prefix: &str, group: Group, code: &str| {
        let options = match group {
            Group::Other => TextOptions::default().set_stored(),
            g => text_options(g.tokenizer(), true),
        };
        builder.add_text_field(&format!("{prefix}_{code}"), options)
    };
    let name = [
        field("name", Group::En, "en"),
        field("name", Group::Sv, "sv"),
        field("name", Group::Other, "other"),
    ];
    let text = [
        field("text", Group::En, "en"),
        field("text", Group::Sv, "sv"),
        field("text", Group::Other, "other"),
    ];
    (
        builder.build(),
        Fields {
            iri,
            kind,
            city,
            slug,
            name,
            text,
            name_all,
            text_all,
        },
    )
}

/// Registers the analyzers the schema names; tantivy does not store them with the index.
fn register_tokenizers(index: &Index) {
    let manager = index.tokenizers();
    // Swedish: stem before folding, since the stemmer knows å, ä and ö.
    manager.register(
        Group::Sv.tokenizer(),
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(60))
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::Swedish))
            .filter(AsciiFoldingFilter)
            .build(),
    );
    manager.register(
        Group::En.tokenizer(),
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(60))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build(),
    );
    manager.register(
        Group::Other.tokenizer(),
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(60))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build(),
    );
}

fn search_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("search index: {what}: {e}"))
}

/// One built index, ready to answer.
pub(crate) struct Live {
    pub version: String,
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    pub docs: u64,
    dir: PathBuf,
}

impl Live {
    fn open(dir: &Path) -> Result<Self> {
        let version = std::fs::read_to_string(dir.join(VERSION_FILE))
            .map_err(|e| Error::io(dir.join(VERSION_FILE).display(), e))?
            .trim()
            .to_owned();
        let index = Index::open_in_dir(dir).map_err(|e| search_error("open", e))?;
        Self::ready(index, version, dir)
    }

    fn ready(index: Index, version: String, dir: &Path) -> Result<Self> {
        let (expected, fields) = schema();
        if index.schema() != expected {
            return Err(Error::Invalid(format!(
                "search index {}: built with another schema",
                dir.display()
            )));
        }
        register_tokenizers(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| search_error("reader", e))?;
        let docs = reader.searcher().num_docs();
        Ok(Self {
            version,
            index,
            reader,
            fields,
            docs,
            dir: dir.to_path_buf(),
        })
    }
}

/// The search index of a store: always answers from a complete build, and is rebuilt (once at a
/// time, into a new directory, then swapped in) when the data version changes.
pub struct SearchIndex {
    root: PathBuf,
    live: RwLock<Arc<Live>>,
    rebuilding: Mutex<()>,
}

impl SearchIndex {
    /// Opens the index in `{data_dir}/search-index/`, building it when it is missing, unreadable or
    /// made for another data version than the store's.
    pub fn open(data_dir: &Path, backend: &Backend) -> Result<Self> {
        let root = data_dir.join(INDEX_DIR);
        std::fs::create_dir_all(&root).map_err(|e| Error::io(root.display(), e))?;
        let version = backend.data_version()?;
        let existing = std::fs::read_to_string(root.join(CURRENT))
            .ok()
            .map(|name| root.join(name.trim()))
            .and_then(|dir| match Live::open(&dir) {
                Ok(live) => Some(live),
                Err(e) => {
                    tracing::warn!("{e}; rebuilding the search index");
                    None
                }
            })
            .filter(|live| live.version == version);
        let live = match existing {
            Some(live) => live,
            None => {
                let started = std::time::Instant::now();
                let live = build::build(&root, backend, &version)?;
                tracing::info!(
                    docs = live.docs,
                    ms = started.elapsed().as_millis() as u64,
                    "built the search index for data version {version}"
                );
                live
            }
        };
        publish(&root, &live)?;
        remove_stale(&root, &live.dir);
        Ok(Self {
            root,
            live: RwLock::new(Arc::new(live)),
            rebuilding: Mutex::new(()),
        })
    }

    /// The build that answers now.
    pub(crate) fn live(&self) -> Arc<Live> {
        match self.live.read() {
            Ok(live) => live.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The data version the live index was built from.
    pub fn version(&self) -> String {
        self.live().version.clone()
    }

    /// How many resources the live index holds.
    pub fn len(&self) -> u64 {
        self.live().docs
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rebuilds the index if the store's data version changed since it was built; waits for a
    /// rebuild another thread is running. Returns whether this call rebuilt it. Blocking: call it
    /// off the async threads (e.g. after a contribution is committed).
    pub fn ensure_fresh(&self, backend: &Backend) -> Result<bool> {
        let _guard = match self.rebuilding.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        self.rebuild_if_stale(backend)
    }

    /// Like `ensure_fresh`, but when another thread is rebuilding already it returns at once and
    /// the caller answers from the current build. For search requests.
    pub fn refresh_unless_busy(&self, backend: &Backend) -> Result<bool> {
        if self.live().version == backend.data_version()? {
            return Ok(false);
        }
        let _guard = match self.rebuilding.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return Ok(false),
        };
        self.rebuild_if_stale(backend)
    }

    /// After a commit that took the data from version `from` to `to` and touched `subjects` (the
    /// IRIs that were or are subjects in the graph it replaced): re-reads only their documents,
    /// in place, when the live build is of `from` and the store still says `to`; otherwise (the
    /// build was stale already, or another node committed in between) rebuilds in full. Returns
    /// whether the index changed. Blocking: call it off the async threads.
    pub fn update_after_commit(
        &self,
        backend: &Backend,
        from: &str,
        to: &str,
        subjects: &[NamedNode],
    ) -> Result<bool> {
        let _guard = match self.rebuilding.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let live = self.live();
        if live.version != from || backend.data_version()? != to {
            return self.rebuild_if_stale(backend);
        }
        let started = std::time::Instant::now();
        let updated = match build::update(&live, backend, subjects, to) {
            Ok(updated) => updated,
            Err(e) => {
                tracing::warn!("{e}; rebuilding the search index in full");
                return self.rebuild_if_stale(backend);
            }
        };
        let docs = updated.docs;
        self.install(updated);
        tracing::info!(
            docs,
            subjects = subjects.len(),
            ms = started.elapsed().as_millis() as u64,
            "updated the search index for data version {to}"
        );
        Ok(true)
    }

    /// Makes `live` the build that answers (searches holding the old one finish with it).
    fn install(&self, live: Live) {
        match self.live.write() {
            Ok(mut slot) => *slot = Arc::new(live),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(live),
        }
    }

    /// With the rebuild lock held.
    fn rebuild_if_stale(&self, backend: &Backend) -> Result<bool> {
        let version = backend.data_version()?;
        if self.live().version == version {
            return Ok(false);
        }
        let started = std::time::Instant::now();
        let live = build::build(&self.root, backend, &version)?;
        publish(&self.root, &live)?;
        let dir = live.dir.clone();
        let docs = live.docs;
        self.install(live);
        // Searches still holding the old build keep their open (memory-mapped) files.
        remove_stale(&self.root, &dir);
        tracing::info!(
            docs,
            ms = started.elapsed().as_millis() as u64,
            "rebuilt the search index for data version {version}"
        );
        Ok(true)
    }

    /// Searches for `q` (any text: it is parsed leniently and cut to `MAX_QUERY_CHARS`).
    pub fn search(
        &self,
        q: &str,
        offset: usize,
        limit: usize,
        preferred: Group,
    ) -> Result<Results> {
        query::search(&self.live(), q, offset, limit, preferred)
    }

    /// Near matches for some words (typos and prefixes forgiven), resources of `kind` first:
    /// what the 404 page suggests for a missing path's slug.
    pub fn suggest(
        &self,
        words: &str,
        kind: Option<Kind>,
        limit: usize,
        preferred: Group,
    ) -> Result<Results> {
        query::suggest(&self.live(), words, kind, 0, limit, preferred)
    }
}

/// Records `live` as the build to open next time (written to a temporary file, then renamed).
fn publish(root: &Path, live: &Live) -> Result<()> {
    let name = live
        .dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::Invalid(format!("{}: not a build directory", live.dir.display())))?;
    let temporary = root.join(format!("{CURRENT}.tmp"));
    std::fs::write(&temporary, name).map_err(|e| Error::io(temporary.display(), e))?;
    std::fs::rename(&temporary, root.join(CURRENT))
        .map_err(|e| Error::io(root.join(CURRENT).display(), e))
}

/// Removes the build directories other than `keep` (best effort: a failure is only logged).
fn remove_stale(root: &Path, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir()
            && path != keep
            && entry.file_name().to_string_lossy().starts_with("build-")
            && let Err(e) = std::fs::remove_dir_all(&path)
        {
            tracing::warn!("cannot remove the old search index {}: {e}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add_practice(backend: &Backend, slug: &str, name: &str) {
        backend
            .update_without_new_version(&format!(
                "INSERT DATA {{ <https://w3id.org/citykg/id/practice/{slug}> a <https://w3id.org/citykg/ontology#Practice> ; <https://schema.org/name> \"{name}\"@en }}"
            ))
            .expect("insert");
        backend.bump_data_version().expect("new version");
    }

    fn builds(root: &Path) -> usize {
        std::fs::read_dir(root)
            .expect("index dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("build-"))
            .count()
    }

    #[test]
    fn the_index_is_reused_for_its_version_and_rebuilt_for_a_new_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let backend = Backend::in_memory().expect("backend");
        add_practice(&backend, "x-quokka-lanes", "Quokka lanes");
        let index = SearchIndex::open(dir.path(), &backend).expect("open");
        let root = dir.path().join(INDEX_DIR);
        let current = std::fs::read_to_string(root.join(CURRENT)).expect("CURRENT");
        assert_eq!(index.len(), 1);
        let found = index.search("quokka", 0, 10, Group::En).expect("search");
        assert_eq!(found.hits.len(), 1);
        assert_eq!(found.hits[0].kind, Kind::Practice);
        drop(index);

        // Same data version: the build on disk is opened, not rebuilt.
        let index = SearchIndex::open(dir.path(), &backend).expect("reopen");
        assert_eq!(
            std::fs::read_to_string(root.join(CURRENT)).expect("CURRENT"),
            current
        );
        assert!(!index.ensure_fresh(&backend).expect("fresh"));

        // New data: rebuilt into a new directory, the old one removed.
        add_practice(&backend, "x-wombat-walks", "Wombat walks");
        let old = index.search("quokka", 0, 10, Group::En).expect("search");
        assert_eq!(old.hits.len(), 1, "the old build answers until the rebuild");
        assert!(index.ensure_fresh(&backend).expect("rebuilt"));
        assert!(!index.refresh_unless_busy(&backend).expect("fresh"));
        assert_eq!(index.len(), 2);
        assert_eq!(index.version(), backend.data_version().expect("version"));
        let found = index.search("wombat", 0, 10, Group::En).expect("search");
        assert_eq!(found.hits.len(), 1);
        assert_ne!(
            std::fs::read_to_string(root.join(CURRENT)).expect("CURRENT"),
            current
        );
        assert_eq!(builds(&root), 1);
    }

    /// Every document of a build: IRI, kind, cities and English name, sorted.
    fn documents(live: &Live) -> Vec<String> {
        use tantivy::TantivyDocument;
        use tantivy::schema::Value;
        let searcher = live.reader.searcher();
        let top = searcher
            .search(
                &tantivy::query::AllQuery,
                &tantivy::collector::TopDocs::with_limit(1000).order_by_score(),
            )
            .expect("all documents");
        let mut out: Vec<String> = top
            .into_iter()
            .map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address).expect("stored document");
                let values = |field| {
                    doc.get_all(field)
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect::<Vec<_>>()
                        .join(",")
                };
                format!(
                    "{} {} [{}] {}",
                    values(live.fields.iri),
                    values(live.fields.kind),
                    values(live.fields.city),
                    values(live.fields.name(Group::En))
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn an_update_after_a_commit_gives_the_documents_of_a_full_build() {
        let dir = tempfile::tempdir().expect("temp dir");
        let backend = Backend::in_memory().expect("backend");
        let practice = |slug: &str| format!("https://w3id.org/citykg/id/practice/{slug}");
        add_practice(&backend, "x-quokka-lanes", "Quokka lanes");
        add_practice(&backend, "x-wombat-walks", "Wombat walks");
        add_practice(&backend, "x-emu-paths", "Emu paths");
        let index = SearchIndex::open(dir.path(), &backend).expect("open");
        let from = backend.data_version().expect("version");
        // One commit: a practice renamed and given a city, one withdrawn, one added, one untouched.
        backend
            .update_without_new_version(&format!(
                "DELETE WHERE {{ <{q}> <https://schema.org/name> ?n }};
                 DELETE WHERE {{ <{w}> ?p ?o }};
                 INSERT DATA {{ <{q}> <https://schema.org/name> \"Quokka lanes, widened\"@en ;
                                      <https://w3id.org/citykg/ontology#city> <https://w3id.org/citykg/id/city/x> .
                                <{k}> a <https://w3id.org/citykg/ontology#Practice> ;
                                      <https://schema.org/name> \"Koala crossings\"@en }}",
                q = practice("x-quokka-lanes"),
                w = practice("x-wombat-walks"),
                k = practice("x-koala-crossings"),
            ))
            .expect("change");
        backend.bump_data_version().expect("new version");
        let to = backend.data_version().expect("version");
        let subjects: Vec<NamedNode> = ["x-quokka-lanes", "x-wombat-walks", "x-koala-crossings"]
            .iter()
            .map(|slug| NamedNode::new(practice(slug)).expect("iri"))
            .collect();
        let root = dir.path().join(INDEX_DIR);
        let current = std::fs::read_to_string(root.join(CURRENT)).expect("CURRENT");
        assert!(
            index
                .update_after_commit(&backend, &from, &to, &subjects)
                .expect("updated")
        );
        assert_eq!(index.version(), to);
        assert_eq!(
            std::fs::read_to_string(root.join(CURRENT)).expect("CURRENT"),
            current,
            "updated in place, not rebuilt"
        );
        let other = tempfile::tempdir().expect("temp dir");
        let full = build::build(other.path(), &backend, &to).expect("full build");
        assert_eq!(documents(&index.live()), documents(&full));
        assert_eq!(index.len(), 3);
        let found = index.search("widened", 0, 10, Group::En).expect("search");
        assert_eq!(found.hits.len(), 1);
        assert!(
            index
                .search("wombat", 0, 10, Group::En)
                .expect("search")
                .hits
                .is_empty()
        );
        drop(index);
        // The version file says the new version: the next start opens the build as it is.
        let reopened = SearchIndex::open(dir.path(), &backend).expect("reopen");
        assert_eq!(documents(&reopened.live()), documents(&full));

        // A build that is behind (another node committed first) is rebuilt in full instead.
        add_practice(&backend, "x-ibis-ways", "Ibis ways");
        let behind = backend.data_version().expect("version");
        add_practice(&backend, "x-numbat-nooks", "Numbat nooks");
        let newest = backend.data_version().expect("version");
        let numbat = [NamedNode::new(practice("x-numbat-nooks")).expect("iri")];
        assert!(
            reopened
                .update_after_commit(&backend, &behind, &newest, &numbat)
                .expect("rebuilt")
        );
        assert_eq!(
            reopened.len(),
            5,
            "the ibis, which the update did not name, is there"
        );
    }

    #[test]
    fn a_search_during_a_rebuild_answers_from_the_current_build() {
        let dir = tempfile::tempdir().expect("temp dir");
        let backend = Backend::in_memory().expect("backend");
        add_practice(&backend, "x-quokka-lanes", "Quokka lanes");
        let index = SearchIndex::open(dir.path(), &backend).expect("open");
        add_practice(&backend, "x-wombat-walks", "Wombat walks");
        let busy = index.rebuilding.lock().expect("lock");
        // Another thread is rebuilding: a search does not wait for it.
        assert!(!index.refresh_unless_busy(&backend).expect("no wait"));
        let found = index.search("quokka", 0, 10, Group::En).expect("search");
        assert_eq!(found.hits.len(), 1);
        assert_eq!(index.len(), 1);
        drop(busy);
        assert!(index.refresh_unless_busy(&backend).expect("rebuilt"));
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn hostile_and_odd_queries_never_fail() {
        let dir = tempfile::tempdir().expect("temp dir");
        let backend = Backend::in_memory().expect("backend");
        add_practice(&backend, "x-dark-fibre", "Dark fibre");
        let index = SearchIndex::open(dir.path(), &backend).expect("open");
        for q in [
            "",
            "\"",
            "\"\"",
            "}",
            "{",
            ">",
            "<script>alert(1)</script>",
            "AND OR",
            "NOT",
            "-",
            "+",
            "*",
            "(",
            ")",
            "[a TO",
            "fibre^",
            "fibre^1e30",
            "iri:x",
            "~",
            "\\",
            "'",
            "\u{0}",
            "SELECT * WHERE {",
            "fibre~2",
            "/regex/",
            "ååå",
            "😀",
        ] {
            index.search(q, 0, 10, Group::Sv).expect(q);
            index
                .suggest(q, Some(Kind::Practice), 5, Group::En)
                .expect(q);
        }
        let near = index.search("fibr darc", 0, 10, Group::En).expect("near");
        assert!(near.approximate, "no exact match: near matches");
        assert_eq!(near.hits.len(), 1);
    }
}
