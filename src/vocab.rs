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

/// Terms of the exchange of practice (issue 13): transfers, stages, cost and funding, lessons,
/// city profiles. Declared in `ontology/citykg.ttl`; the SKOS concepts are in `ontology/schemes.ttl`.
pub mod exchange {
    pub const TRANSFER: &str = "https://w3id.org/citykg/ontology#Transfer";
    pub const FROM_PRACTICE: &str = "https://w3id.org/citykg/ontology#fromPractice";
    pub const FROM_CITY: &str = "https://w3id.org/citykg/ontology#fromCity";
    pub const TO_PRACTICE: &str = "https://w3id.org/citykg/ontology#toPractice";
    pub const TO_CITY: &str = "https://w3id.org/citykg/ontology#toCity";
    pub const TRANSFER_KIND: &str = "https://w3id.org/citykg/ontology#transferKind";
    pub const CHANGES: &str = "https://w3id.org/citykg/ontology#changes";
    pub const ADAPTED_FROM: &str = "https://w3id.org/citykg/ontology#adaptedFrom";
    pub const STAGE: &str = "https://w3id.org/citykg/ontology#stage";
    pub const STAGE_YEAR: &str = "https://w3id.org/citykg/ontology#stageYear";
    pub const COST: &str = "https://w3id.org/citykg/ontology#Cost";
    pub const FUNDING: &str = "https://w3id.org/citykg/ontology#Funding";
    pub const HAS_COST: &str = "https://w3id.org/citykg/ontology#cost";
    pub const HAS_FUNDING: &str = "https://w3id.org/citykg/ontology#funding";
    pub const FUNDER: &str = "https://w3id.org/citykg/ontology#funder";
    pub const FUNDING_PROGRAMME: &str = "https://w3id.org/citykg/ontology#fundingProgramme";
    pub const SHARE_OF_TOTAL: &str = "https://w3id.org/citykg/ontology#shareOfTotal";
    pub const LESSON: &str = "https://w3id.org/citykg/ontology#Lesson";
    pub const LESSON_LEARNED: &str = "https://w3id.org/citykg/ontology#LessonLearned";
    pub const BARRIER: &str = "https://w3id.org/citykg/ontology#Barrier";
    pub const TRANSFER_PREREQUISITE: &str = "https://w3id.org/citykg/ontology#TransferPrerequisite";
    pub const HAS_LESSON: &str = "https://w3id.org/citykg/ontology#lesson";
    pub const POPULATION: &str = "https://w3id.org/citykg/ontology#population";
    pub const POPULATION_YEAR: &str = "https://w3id.org/citykg/ontology#populationYear";
    pub const POPULATION_SOURCE: &str = "https://w3id.org/citykg/ontology#populationSource";
    /// The SKOS schemes (declared in citykg.ttl, filled in schemes.ttl).
    pub const STAGES: &str = "https://w3id.org/citykg/ontology#stages";
    pub const TRANSFER_KINDS: &str = "https://w3id.org/citykg/ontology#transferKinds";
    /// Namespaces of the shared concepts.
    pub const STAGE_NS: &str = "https://w3id.org/citykg/id/stage/";
    pub const TRANSFER_KIND_NS: &str = "https://w3id.org/citykg/id/transfer-kind/";
    /// schema.org's contact point, on a practice (an organisation or unit, never a person).
    pub const CONTACT_POINT: &str = "https://schema.org/contactPoint";
    /// GeoSPARQL, for city and practice locations.
    pub const GEO_HAS_GEOMETRY: &str = "http://www.opengis.net/ont/geosparql#hasGeometry";
    pub const GEO_AS_WKT: &str = "http://www.opengis.net/ont/geosparql#asWKT";
    /// Statements about a practice that a CSV upload keeps from the current graph, for every
    /// practice it still describes, unless the file has a column that carries them
    /// (`ingest::csv::EXCHANGE_COLUMNS`: stage, stage year, adapted from, contact).
    pub const KEPT_ON_CSV_UPLOAD: &[&str] = &[
        STAGE,
        STAGE_YEAR,
        HAS_COST,
        HAS_FUNDING,
        HAS_LESSON,
        ADAPTED_FROM,
        CONTACT_POINT,
        GEO_HAS_GEOMETRY,
    ];
    /// Every `ckg:` term above, for the test that each is declared in the ontology.
    pub const ALL_CKG: &[&str] = &[
        TRANSFER,
        FROM_PRACTICE,
        FROM_CITY,
        TO_PRACTICE,
        TO_CITY,
        TRANSFER_KIND,
        CHANGES,
        ADAPTED_FROM,
        STAGE,
        STAGE_YEAR,
        COST,
        FUNDING,
        HAS_COST,
        HAS_FUNDING,
        FUNDER,
        FUNDING_PROGRAMME,
        SHARE_OF_TOTAL,
        LESSON,
        LESSON_LEARNED,
        BARRIER,
        TRANSFER_PREREQUISITE,
        HAS_LESSON,
        POPULATION,
        POPULATION_YEAR,
        POPULATION_SOURCE,
        STAGES,
        TRANSFER_KINDS,
    ];
}
