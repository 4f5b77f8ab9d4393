//! IRIs of every namespace, ontology term and named graph that code refers to, and the order of the
//! label properties. A test checks that every `ckg:` term here is declared in `ontology/citykg.ttl`.

/// The ontology namespace (`ckg:`).
pub const CKG: &str = "https://w3id.org/citykg/ontology#";
/// The default namespace under which resources are minted.
pub const DEFAULT_BASE_IRI: &str = "https://w3id.org/citykg/";
/// The namespace of named graphs.
pub const GRAPH_NS: &str = "https://w3id.org/citykg/graph/";

/// Namespaces of the vocabularies that code reads or writes.
pub mod ns {
    pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    pub const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
    pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
    pub const OWL: &str = "http://www.w3.org/2002/07/owl#";
    pub const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
    pub const DCTERMS: &str = "http://purl.org/dc/terms/";
    pub const PROV: &str = "http://www.w3.org/ns/prov#";
    pub const DCAT: &str = "http://www.w3.org/ns/dcat#";
    pub const VOID: &str = "http://rdfs.org/ns/void#";
    pub const SD: &str = "http://www.w3.org/ns/sparql-service-description#";
    pub const FORMATS: &str = "http://www.w3.org/ns/formats/";
    pub const SCHEMA: &str = "https://schema.org/";
    pub const FOAF: &str = "http://xmlns.com/foaf/0.1/";
    pub const ORG: &str = "http://www.w3.org/ns/org#";
    pub const QUDT: &str = "http://qudt.org/schema/qudt/";
    pub const UNIT: &str = "http://qudt.org/vocab/unit/";
    /// The UN's SDG goals and targets: `{SDG}11` (goal), `{SDG}11.2` (target).
    pub const SDG: &str = "http://metadata.un.org/sdg/";
}

/// The namespace of the UN's SDG goals and targets (shorthand for [`ns::SDG`]).
pub const SDG_NS: &str = ns::SDG;

/// Properties whose literals label a resource on pages, best first (DESIGN.md "Labels on
/// pages"); an outcome is labelled by its indicator. The search index names resources by the same
/// properties, in the same order, before its alternative names.
pub const LABEL_PROPERTIES: [&str; 6] = [
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "https://schema.org/name",
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://xmlns.com/foaf/0.1/name",
    "https://w3id.org/citykg/ontology#indicator",
];

/// Terms of the citykg ontology used in code.
pub mod ckg {
    pub const CITY: &str = "https://w3id.org/citykg/ontology#City";
    pub const STRATEGY: &str = "https://w3id.org/citykg/ontology#Strategy";
    pub const STRATEGY_GOAL: &str = "https://w3id.org/citykg/ontology#StrategyGoal";
    pub const PRACTICE: &str = "https://w3id.org/citykg/ontology#Practice";
    pub const OUTCOME: &str = "https://w3id.org/citykg/ontology#Outcome";
    pub const THEME: &str = "https://w3id.org/citykg/ontology#Theme";
    pub const SOURCE: &str = "https://w3id.org/citykg/ontology#Source";
    pub const CONTENT_HASH: &str = "https://w3id.org/citykg/ontology#contentHash";
    pub const GRAPH: &str = "https://w3id.org/citykg/ontology#graph";
    pub const ACTION: &str = "https://w3id.org/citykg/ontology#action";
    pub const TOKEN_ID: &str = "https://w3id.org/citykg/ontology#tokenId";
    pub const INDICATOR: &str = "https://w3id.org/citykg/ontology#indicator";
    pub const SERVES_GOAL: &str = "https://w3id.org/citykg/ontology#servesGoal";
    pub const PEER_MATCH: &str = "https://w3id.org/citykg/ontology#PeerMatch";
    pub const COVERAGE: &str = "https://w3id.org/citykg/ontology#Coverage";
    pub const MATCH_FOR: &str = "https://w3id.org/citykg/ontology#matchFor";
    pub const MATCHED_PRACTICE: &str = "https://w3id.org/citykg/ontology#matchedPractice";
    pub const SCORE: &str = "https://w3id.org/citykg/ontology#score";
    pub const SHARED_TARGET: &str = "https://w3id.org/citykg/ontology#sharedTarget";
    pub const SHARED_SDG_GOAL: &str = "https://w3id.org/citykg/ontology#sharedSdgGoal";
    pub const SHARED_THEME: &str = "https://w3id.org/citykg/ontology#sharedTheme";
    pub const COVERAGE_CITY: &str = "https://w3id.org/citykg/ontology#coverageCity";
    pub const COVERAGE_SDG: &str = "https://w3id.org/citykg/ontology#coverageSdg";
    pub const PRACTICE_COUNT: &str = "https://w3id.org/citykg/ontology#practiceCount";
}

/// Named graphs with a fixed role.
pub mod graph {
    /// Records about the data itself: bundle hash, data version, contributions.
    pub const META: &str = "https://w3id.org/citykg/graph/meta";
    /// Aggregates computed from the data once per data version (peer rankings, coverage).
    pub const DERIVED: &str = "https://w3id.org/citykg/graph/derived";
}

/// The resource that carries the bundle's content hash and the data version in the `meta` graph.
pub const BUNDLE_RECORD: &str = "https://w3id.org/citykg/graph/meta#bundle";
/// `ckg:dataVersion`: changes whenever the data changes; used for ETags and `/healthz`.
pub const DATA_VERSION: &str = "https://w3id.org/citykg/ontology#dataVersion";

pub const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
pub const XSD_DATE_TIME: &str = "http://www.w3.org/2001/XMLSchema#dateTime";
