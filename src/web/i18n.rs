//! The reader's language (`?lang=` or Accept-Language; English or Swedish) and the interface
//! strings of the pages in both languages.

use axum::http::{HeaderMap, header};
use std::collections::BTreeMap;

/// A language the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Sv,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Sv => "sv",
        }
    }

    fn parse(code: &str) -> Option<Self> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Self::En),
            "sv" => Some(Self::Sv),
            _ => None,
        }
    }

    /// `?lang=` wins; then the first supported language of Accept-Language by q; then English.
    pub fn from_request(lang_param: Option<&str>, headers: &HeaderMap) -> Self {
        if let Some(lang) = lang_param.and_then(Self::parse) {
            return lang;
        }
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut best: Option<(f32, Self)> = None;
        for part in accept.split(',') {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Self::parse) else {
                continue;
            };
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse().ok())
                .unwrap_or(1.0f32);
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or(Self::En)
    }
}

/// The language tag of a text when it differs from the page's language (for a `lang`
/// attribute), None when it is the page's language or unknown ("" for a plain literal).
pub fn foreign(tag: &str, page: Lang) -> Option<String> {
    let primary = tag.split('-').next().unwrap_or("");
    if primary.is_empty() || primary.eq_ignore_ascii_case(page.code()) {
        None
    } else {
        Some(tag.to_owned())
    }
}

const STRINGS: &[(&str, &str, &str)] = &[
    (
        "tagline",
        "citykg links smart-city practices from Stockholm and its peer cities to the strategy goals they serve — the cities' own goals and the UN Sustainable Development Goals. Find peer examples for a goal, compare cities, and see what each practice achieved, with its sources.",
        "citykg kopplar smarta stadens praktiker i Stockholm och jämförbara städer till de strategimål de bidrar till — städernas egna mål och FN:s globala mål för hållbar utveckling. Hitta förebilder för ett mål, jämför städer och se vad varje praktik har uppnått, med källor.",
    ),
    ("cities", "Cities", "Städer"),
    ("city", "City", "Stad"),
    ("practices", "Practices", "Praktiker"),
    ("practice", "Practice", "Praktik"),
    ("strategy", "Strategy", "Strategi"),
    ("goals", "Goals", "Mål"),
    ("goal_tree", "Strategy goals", "Strategins mål"),
    ("adopted", "Adopted", "Antagen"),
    ("by_goal", "Practices by goal", "Praktiker per mål"),
    ("by_theme", "Practices by theme", "Praktiker per tema"),
    ("partners", "Partners", "Partner"),
    (
        "timeline",
        "Practices by start year",
        "Praktiker per startår",
    ),
    (
        "no_goal",
        "Not linked to a goal of the city's strategy",
        "Inte kopplade till något mål i stadens strategi",
    ),
    ("themes", "Themes", "Teman"),
    (
        "sdgs",
        "UN Sustainable Development Goals",
        "FN:s globala mål",
    ),
    ("sdgs_short", "SDGs", "Globala mål"),
    (
        "maps_to",
        "Corresponds to these UN goals and targets",
        "Motsvarar dessa globala mål och delmål",
    ),
    (
        "own_practices",
        "The city's practices serving this goal",
        "Stadens praktiker som bidrar till målet",
    ),
    (
        "peers",
        "Peer practices from other cities",
        "Förebilder från andra städer",
    ),
    (
        "peers_help",
        "Ranked by what they share with this goal: the same SDG target first, then the same SDG goal, then a theme of the city's own practices for the goal.",
        "Rangordnade efter vad de har gemensamt med målet: samma delmål först, sedan samma globala mål, sedan ett tema från stadens egna praktiker för målet.",
    ),
    (
        "no_peers",
        "No practice of another city shares an SDG with this goal yet.",
        "Ingen praktik i en annan stad delar ännu ett globalt mål med detta mål.",
    ),
    ("shares", "shares", "delar"),
    ("and", "and", "och"),
    ("the_theme", "the theme", "temat"),
    ("the_themes", "the themes", "temana"),
    ("target", "target", "delmål"),
    ("in_strategy", "Part of", "Ingår i"),
    ("broader", "Under", "Under"),
    ("narrower", "Sub-goals", "Delmål"),
    ("years", "Years", "År"),
    ("ongoing", "ongoing", "pågående"),
    ("description", "Description", "Beskrivning"),
    ("serves", "Serves these goals", "Bidrar till dessa mål"),
    ("outcomes", "Outcomes", "Resultat"),
    ("indicator", "Indicator", "Indikator"),
    ("value", "Value", "Värde"),
    ("unit", "Unit", "Enhet"),
    ("year", "Year", "År"),
    ("kind", "Target or achieved", "Mål eller uppnått"),
    ("is_target", "target", "mål"),
    ("achieved", "achieved", "uppnått"),
    ("not_stated", "not stated", "ej angivet"),
    ("source", "Source", "Källa"),
    ("sources", "Sources", "Källor"),
    ("verification", "Verification", "Verifiering"),
    (
        "similar",
        "Similar practices in other cities",
        "Liknande praktiker i andra städer",
    ),
    ("as_data", "As data", "Som data"),
    (
        "query_for_page",
        "SPARQL query for this page",
        "SPARQL-fråga för sidan",
    ),
    ("search", "Search", "Sök"),
    (
        "search_placeholder",
        "Search practices, goals, cities…",
        "Sök praktiker, mål, städer…",
    ),
    (
        "coverage",
        "Practices per UN goal and city",
        "Praktiker per globalt mål och stad",
    ),
    ("researchers", "For researchers", "För forskare"),
    ("not_found", "Not found", "Hittades inte"),
    (
        "not_found_text",
        "There is nothing in citykg at this address.",
        "Det finns inget i citykg på den här adressen.",
    ),
    ("home", "Home", "Start"),
    (
        "error_title",
        "The page could not be shown",
        "Sidan kunde inte visas",
    ),
    ("language", "Language", "Språk"),
    ("example_queries", "Example queries", "Exempelfrågor"),
    (
        "dataset",
        "Dataset description",
        "Beskrivning av datamängden",
    ),
    ("none", "None recorded.", "Inga registrerade."),
    ("city_practices", "practices", "praktiker"),
    ("city_practice", "practice", "praktik"),
    ("compare", "Compare cities", "Jämför städer"),
    ("ontology", "Ontology", "Ontologi"),
    (
        "ontology_intro",
        "The classes and properties citykg describes its data with. Namespace:",
        "Klasserna och egenskaperna som citykg beskriver sina data med. Namnrymd:",
    ),
    ("classes", "Classes", "Klasser"),
    ("properties", "Properties", "Egenskaper"),
    ("term", "Term", "Term"),
    ("relations", "Relations", "Relationer"),
    ("domain", "Domain", "Domän"),
    ("range", "Range", "Värdemängd"),
    (
        "rel_subject",
        "Practices on this theme",
        "Praktiker inom temat",
    ),
    (
        "rel_partner",
        "Practices with this partner",
        "Praktiker med denna partner",
    ),
    (
        "rel_source",
        "Based on this source",
        "Bygger på denna källa",
    ),
    ("rel_publisher", "Published by", "Utgivna av"),
    ("rel_scheme", "Goals of this strategy", "Mål i strategin"),
    ("rel_outcome", "Practice", "Praktik"),
    ("rel_serves", "Serving it", "Bidrar till det"),
    (
        "linked_by_city",
        "Linked to it, by city",
        "Kopplat hit, per stad",
    ),
    ("no_city", "Not tied to a city", "Utan stad"),
    // The exchange of practice (issue 13): transfers, stage, cost and funding, lessons, contact.
    ("came_from", "Adapted from", "Anpassad från"),
    ("went_to", "Taken up in", "Införd i"),
    ("what_changed", "what changed", "vad som ändrades"),
    ("details", "details", "detaljer"),
    ("stage", "Stage", "Skede"),
    ("stage_reached", "reached in", "nått år"),
    (
        "cost_funding",
        "Cost and funding",
        "Kostnad och finansiering",
    ),
    (
        "cost_or_funding",
        "Cost or funding",
        "Kostnad eller finansiering",
    ),
    ("cost", "Cost", "Kostnad"),
    ("funding", "Funding", "Finansiering"),
    ("amount", "Amount", "Belopp"),
    ("no_amount", "no amount given", "inget belopp angivet"),
    ("funder", "Funder", "Finansiär"),
    ("programme", "Programme", "Program"),
    ("share", "Share of the total", "Andel av helheten"),
    (
        "lessons",
        "Lessons, barriers and prerequisites",
        "Lärdomar, hinder och förutsättningar",
    ),
    ("lessons_learned", "Lessons learned", "Lärdomar"),
    ("barriers", "Barriers", "Hinder"),
    (
        "prerequisites",
        "Prerequisites for transfer",
        "Förutsättningar för att föra över praktiken",
    ),
    ("contact", "Contact", "Kontakt"),
    (
        "learned_from",
        "What the city learned from other cities",
        "Vad staden har lärt sig av andra städer",
    ),
    (
        "others_took",
        "What other cities took from it",
        "Vad andra städer har tagit efter",
    ),
    ("population", "Population", "Folkmängd"),
    ("location", "Location", "Läge"),
    ("map", "map", "karta"),
    ("transfers", "Transfers", "Överföringar"),
    (
        "transfers_title",
        "Transfers of practice between cities",
        "Överföringar av praktiker mellan städer",
    ),
    (
        "transfers_intro",
        "Which city took up which city's practice, as the sources say. Each arrow points from the giving city to the receiving one, and is thicker the more transfers it stands for; each city links to its page. The table below lists every transfer.",
        "Vilken stad som har tagit efter vilken stads praktik, enligt källorna. Varje pil pekar från den givande staden till den mottagande och är tjockare ju fler överföringar den står för; varje stad länkar till sin sida. Tabellen nedan listar varje överföring.",
    ),
    (
        "transfers_home",
        "who learned from whom: a map of the cities and a list of every transfer, with what changed on the way.",
        "vem som har lärt sig av vem: en karta över städerna och en lista över varje överföring, med vad som ändrades på vägen.",
    ),
    ("transfer_map_world", "The world", "Världen"),
    ("transfer_map_europe", "Europe", "Europa"),
    ("transfer_list", "Every transfer", "Alla överföringar"),
    ("from", "From", "Från"),
    ("to", "To", "Till"),
    ("transfer_kind", "Kind", "Typ"),
    ("transfer_count", "transfers", "överföringar"),
    ("taken_up_in", "taken up in", "införd i"),
    ("city_one", "other city", "annan stad"),
    ("city_many", "other cities", "andra städer"),
    (
        "similar_size",
        "a city of similar size",
        "en stad av liknande storlek",
    ),
    (
        "number_words",
        "one two three four five six seven eight nine ten",
        "en två tre fyra fem sex sju åtta nio tio",
    ),
    (
        "peers_help_exchange",
        "Among those, practices that other cities have taken up, and practices from cities of similar size (within a factor of three in population), rank higher.",
        "Bland dessa hamnar praktiker som andra städer har tagit efter, och praktiker från städer av liknande storlek (högst tre gånger större eller mindre folkmängd), högre upp.",
    ),
    ("contribute", "Contribute data", "Bidra med data"),
    (
        "contribute_intro",
        "Data stewards of partner cities check and publish their city's practices here. Every upload is validated against the citykg shapes; an accepted upload replaces the city's data as a new version, and earlier versions stay retrievable.",
        "Dataansvariga i partnerstäder kontrollerar och publicerar sin stads praktiker här. Varje uppladdning valideras mot citykgs regler; en godkänd uppladdning ersätter stadens data som en ny version, och tidigare versioner går att hämta.",
    ),
    (
        "contribute_csv",
        "No RDF at hand? Start from the CSV template (one row per practice) or from your city's current practices as CSV; docs/contribute.md in the repository explains every column.",
        "Inget RDF till hands? Börja från CSV-mallen (en rad per praktik) eller från stadens nuvarande praktiker som CSV; docs/contribute.md i kodförrådet förklarar varje kolumn.",
    ),
    ("csv_template", "CSV template", "CSV-mall"),
    ("token", "Contributor token", "Bidragstoken"),
    ("data_file", "File", "Fil"),
    ("paste", "…or paste the data", "…eller klistra in data"),
    ("format", "Format", "Format"),
    ("format_auto", "From the file name", "Från filnamnet"),
    (
        "dry_run",
        "Only check, do not publish",
        "Kontrollera bara, publicera inte",
    ),
    ("submit", "Send", "Skicka"),
    ("report", "Validation report", "Valideringsrapport"),
    (
        "report_ok",
        "The data conforms to the citykg shapes.",
        "Datan följer citykgs regler.",
    ),
    (
        "report_problems",
        "problem(s) found. Nothing was published.",
        "problem hittades. Inget publicerades.",
    ),
    (
        "dry_run_ok",
        "Nothing was published (check only). Untick the box to publish.",
        "Inget publicerades (bara kontroll). Avmarkera rutan för att publicera.",
    ),
    ("accepted", "Published as version", "Publicerad som version"),
    ("focus_node", "Resource", "Resurs"),
    ("property", "Property", "Egenskap"),
    ("rule", "Rule", "Regel"),
    ("versions", "Versions", "Versioner"),
    (
        "search_help",
        "Searches names, labels and descriptions in English, Swedish and the cities' other languages. Every word must match; put a phrase in quotes.",
        "Söker i namn, etiketter och beskrivningar på engelska, svenska och städernas andra språk. Alla ord måste finnas med; sätt en fras inom citattecken.",
    ),
    ("results", "results", "träffar"),
    ("of", "of", "av"),
    (
        "no_results",
        "Nothing matches your search.",
        "Inget matchar din sökning.",
    ),
    (
        "near_matches",
        "Nothing has every word; these are near matches.",
        "Inget innehåller alla orden; här är liknande träffar.",
    ),
    (
        "suggestions",
        "Perhaps you were looking for",
        "Letade du kanske efter",
    ),
    ("previous", "Previous", "Föregående"),
    ("linked_items", "linked resources", "länkade resurser"),
    ("next", "Next", "Nästa"),
    ("kind_practice", "Practice", "Praktik"),
    ("kind_city", "City", "Stad"),
    ("kind_goal", "Strategy goal", "Strategimål"),
    ("kind_theme", "Theme", "Tema"),
    ("kind_organisation", "Organisation", "Organisation"),
    ("kind_strategy", "Strategy", "Strategi"),
    ("kind_source", "Source", "Källa"),
    ("kind_sdg", "UN goal", "Globalt mål"),
    // The practice finder (/practices).
    ("finder", "Find practices", "Hitta praktiker"),
    (
        "finder_intro",
        "Narrow the practices down by city, country, theme, UN goal, start year, stage and more. Every choice is a link you can bookmark or share; the numbers say how many practices each choice would give.",
        "Begränsa praktikerna efter stad, land, tema, globalt mål, startår, skede med mera. Varje val är en länk som går att spara eller dela; siffrorna visar hur många praktiker varje val ger.",
    ),
    ("facet_city", "City", "Stad"),
    ("facet_country", "Country", "Land"),
    ("facet_theme", "Theme", "Tema"),
    ("facet_sdg", "UN goal", "Globalt mål"),
    ("facet_stage", "Stage", "Skede"),
    ("facet_verification", "Verification", "Verifiering"),
    ("facet_year", "Start year", "Startår"),
    (
        "facet_measured",
        "Has a measured outcome",
        "Har ett uppmätt resultat",
    ),
    (
        "facet_transfer",
        "Taken up by or from another city",
        "Överförd till eller från en annan stad",
    ),
    ("nordic", "Nordic countries", "Nordiska länder"),
    ("onwards", "or later", "eller senare"),
    ("year_from", "From year", "Från år"),
    ("year_to", "To year", "Till år"),
    ("words", "Words", "Ord"),
    ("apply", "Apply", "Använd"),
    ("clear", "Clear all choices", "Rensa alla val"),
    ("sort_by", "Sort by", "Sortera efter"),
    ("sort_name", "name", "namn"),
    ("sort_year", "start year", "startår"),
    ("sort_relevance", "relevance", "relevans"),
    ("found", "practices found", "praktiker hittades"),
    ("found_one", "practice found", "praktik hittades"),
    ("showing", "Showing", "Visar"),
    ("permalink", "Link to this selection", "Länk till urvalet"),
    ("as_csv", "CSV", "CSV"),
    ("as_json", "JSON", "JSON"),
    ("see_sparql", "See the SPARQL", "Visa SPARQL-frågan"),
    (
        "ignored",
        "These choices are not in the data and were left out:",
        "Dessa val finns inte i datan och togs bort:",
    ),
    (
        "no_practices",
        "No practice matches all these choices. Remove one to see more.",
        "Ingen praktik matchar alla val. Ta bort ett val för att se fler.",
    ),
    ("verified", "verified", "verifierad"),
    ("partly_verified", "partly verified", "delvis verifierad"),
    ("yes", "yes", "ja"),
    ("page", "Page", "Sida"),
    (
        "map_title",
        "Cities with practices, sized by their number of practices; the current selection's cities in blue",
        "Städer med praktiker, storlek efter antal praktiker; det aktuella urvalets städer i blått",
    ),
    (
        "map_caption",
        "Each circle narrows the selection to its city. Coasts and borders: Natural Earth (public domain), with a 10° grid of longitude and latitude.",
        "Varje cirkel begränsar urvalet till sin stad. Kuster och gränser: Natural Earth (allmän egendom), med ett rutnät på 10° longitud och latitud.",
    ),
    ("map_list", "The cities as a list", "Städerna som lista"),
    (
        "narrow_peers",
        "Narrow the peer practices",
        "Begränsa förebilderna",
    ),
    ("narrow_country", "Country", "Land"),
    ("narrow_theme", "Theme", "Tema"),
    ("narrow_stage", "Stage", "Skede"),
    (
        "narrow_clear",
        "Show all peer practices",
        "Visa alla förebilder",
    ),
    ("sparql_title", "SPARQL query", "SPARQL-fråga"),
    (
        "skip_to_content",
        "Skip to content",
        "Hoppa till innehållet",
    ),
    (
        "all_statements",
        "Everything the data says about it",
        "Allt som datan säger om den",
    ),
    (
        "dataset_intro",
        "citykg describes smart-city practices from Stockholm and its peer cities, each linked to the city strategy goals and UN Sustainable Development Goals it serves, with outcomes and sources. This page is the dataset's description for people; RDF clients get it as VoID and DCAT.",
        "citykg beskriver smarta stadens praktiker i Stockholm och jämförbara städer, var och en kopplad till de strategimål och globala mål den bidrar till, med resultat och källor. Den här sidan beskriver datamängden för människor; RDF-klienter får samma beskrivning som VoID och DCAT.",
    ),
    ("dataset_use", "Use the data", "Använd datan"),
    ("dataset_licence", "Licence", "Licens"),
    ("dataset_endpoint", "SPARQL endpoint", "SPARQL-ändpunkt"),
    (
        "dataset_uri_space",
        "Resource IRIs start with",
        "Resursernas IRI:er börjar med",
    ),
    ("dataset_graphs", "Named graphs", "Namngivna grafer"),
    ("dataset_total", "Triples in all", "Tripler totalt"),
    ("dataset_graph", "Graph", "Graf"),
    ("dataset_triples", "Triples", "Tripler"),
    (
        "dataset_modified",
        "Current version from",
        "Nuvarande version från",
    ),
    (
        "dataset_vocabularies",
        "Vocabularies used",
        "Vokabulär som används",
    ),
    ("main_menu", "Main menu", "Huvudmeny"),
    (
        "timeline_note",
        "Each bar is the number of the city's practices that started that year; a bar opens those practices in the practice finder.",
        "Varje stapel är antalet av stadens praktiker som startade det året; en stapel öppnar de praktikerna i sökverktyget.",
    ),
    ("start_year", "Start year", "Startår"),
    (
        "compare_caption",
        "The number of each city's practices per UN Sustainable Development Goal, one bar per city in the order of the legend; a city keeps its colour on every page. The tables below list the practices.",
        "Antalet praktiker per globalt mål för varje stad, en stapel per stad i teckenförklaringens ordning; en stad har samma färg på alla sidor. Tabellerna nedan listar praktikerna.",
    ),
    ("compare_axis", "Practices per goal", "Praktiker per mål"),
    (
        "sparql_intro",
        "The default graph is the union of all named graphs; use",
        "Standardgrafen är unionen av alla namngivna grafer; använd",
    ),
    (
        "sparql_intro_graph",
        "to see who said what.",
        "för att se vem som sagt vad.",
    ),
    (
        "sparql_timeout",
        "Queries stop after",
        "Frågor avbryts efter",
    ),
    ("seconds", "seconds", "sekunder"),
    ("query", "Query", "Fråga"),
    ("run_query", "Run query", "Kör frågan"),
    (
        "query_permalink",
        "Permalink to this query",
        "Permanent länk till frågan",
    ),
    ("download", "Download", "Ladda ner"),
    ("answer", "Answer", "Svar"),
    ("no", "no", "nej"),
    ("rows", "Rows", "Rader"),
    ("more_follow", "more follow", "fler följer"),
    ("sparql_no_results", "No results.", "Inga resultat."),
    ("previous_page", "Previous page", "Föregående sida"),
    ("next_page", "Next page", "Nästa sida"),
    (
        "no_queries",
        "No queries are bundled.",
        "Inga frågor medföljer.",
    ),
    (
        "queries_intro",
        "Research queries over the knowledge graph. Each opens in the query page, where you can change it and download the results.",
        "Forskningsfrågor mot kunskapsgrafen. Varje fråga öppnas på frågesidan, där du kan ändra den och ladda ner resultatet.",
    ),
    (
        "queries_in_english",
        "The queries' titles and descriptions are written in English.",
        "Frågornas rubriker och beskrivningar är skrivna på engelska.",
    ),
    ("run_this_query", "Run this query", "Kör den här frågan"),
    (
        "footer",
        "citykg · smart-city practices linked to the strategy goals they serve · data CC BY 4.0, facts from the cited sources",
        "citykg · smarta stadens praktiker kopplade till de strategimål de bidrar till · data CC BY 4.0, uppgifter från de angivna källorna",
    ),
    (
        "coverage_caption",
        "Practices per city (rows) and UN Sustainable Development Goal (columns): each cell gives the number of the city's practices that serve the goal; the darker the cell, the more practices. The same counts follow as a list, each linked to the practices.",
        "Praktiker per stad (rader) och globalt mål (kolumner): varje ruta anger hur många av stadens praktiker som bidrar till målet; ju mörkare ruta, desto fler praktiker. Samma siffror finns nedan som lista, var och en länkad till praktikerna.",
    ),
    ("coverage_columns", "SDG goal number", "Globalt mål nummer"),
    ("legend", "Legend", "Teckenförklaring"),
    (
        "coverage_scale",
        "an empty cell: no practice",
        "tom ruta: ingen praktik",
    ),
    (
        "coverage_as_list",
        "The chart as a list, with links to the practices",
        "Diagrammet som lista, med länkar till praktikerna",
    ),
    (
        "find_similar",
        "Find similar practices",
        "Hitta liknande praktiker",
    ),
];

/// The interface strings in one language, for templates (`t.cities` etc.).
pub fn strings(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    STRINGS
        .iter()
        .map(|(key, en, sv)| (*key, if lang == Lang::Sv { *sv } else { *en }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_then_accept_language_then_english() {
        let mut headers = HeaderMap::new();
        assert_eq!(Lang::from_request(None, &headers), Lang::En);
        headers.insert(
            header::ACCEPT_LANGUAGE,
            "fi, sv-SE;q=0.8, en;q=0.5".parse().expect("header"),
        );
        assert_eq!(Lang::from_request(None, &headers), Lang::Sv);
        assert_eq!(Lang::from_request(Some("en"), &headers), Lang::En);
        assert_eq!(Lang::from_request(Some("xx"), &headers), Lang::Sv);
        headers.insert(header::ACCEPT_LANGUAGE, "de".parse().expect("header"));
        assert_eq!(Lang::from_request(None, &headers), Lang::En);
        assert_eq!(strings(Lang::Sv)["cities"], "Städer");
        assert_eq!(foreign("en", Lang::Sv).as_deref(), Some("en"));
        let keys: std::collections::BTreeSet<&str> = STRINGS.iter().map(|(k, _, _)| *k).collect();
        assert_eq!(keys.len(), STRINGS.len(), "a key is given twice");
        assert_eq!(foreign("sv-SE", Lang::Sv), None);
        assert_eq!(foreign("", Lang::Sv), None);
    }
}
