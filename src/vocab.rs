//! IRIs of the ontology terms and named graphs that code refers to. A test checks that every
//! `ckg:` term here is declared in `ontology/citykg.ttl`.

/// The ontology namespace (`ckg:`).
pub const CKG: &str = "https://w3id.org/citykg/ontology#";
/// The default namespace under which resources are minted.
pub const DEFAULT_BASE_IRI: &str = "https://w3id.org/citykg/";
/// The namespace of named graphs.
pub const GRAPH_NS: &str = "https://w3id.org/citykg/graph/";

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
    /// Bookkeeping of the derived graph: a ranked subject's input signature, list length and cutoff.
    pub const RANK_STATE: &str = "https://w3id.org/citykg/ontology#rankState";
    /// Bookkeeping of the derived graph: the key of a match node, shared by the subjects it serves.
    pub const MATCH_KEY: &str = "https://w3id.org/citykg/ontology#matchKey";
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
