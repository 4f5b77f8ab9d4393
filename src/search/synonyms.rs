//! Cross-language and spelling synonyms for searches: a query word or phrase from one group also
//! matches the others ("fiber" finds "fibre", "öppna data" finds "open data", "trängselskatt"
//! finds "congestion tax"). The list is bundled and short; each group names the source that uses
//! its words for the same thing.

/// Groups of words or phrases that mean the same thing, each with its source.
const GROUPS: &[(&[&str], &str)] = &[
    (
        // Stokab's Swedish page on its fibre network says "fiber" where the English data says
        // "fibre"; "fiber" is also the American English spelling.
        &["fibre", "fiber"],
        "https://stokab.se/det-har-ar-stokab/vad-vi-gor/stokabs-roll-i-stockholms-fiberinfrastruktur",
    ),
    (
        &["dark fibre", "dark fiber", "svartfiber"],
        "https://stokab.se/det-har-ar-stokab/vad-vi-gor/stokabs-roll-i-stockholms-fiberinfrastruktur",
    ),
    (
        // The City of Stockholm's open-data news page calls open data "öppna data".
        &["open data", "öppna data", "öppen data"],
        "https://open.stockholm.se/nyheter/2014/10/vinnova-hjalper-staden-gora-oppna-data-battre/",
    ),
    (
        // The Swedish Transport Agency's English page calls the trängselskatt "congestion tax";
        // the data's Stockholm practice is "Trängselskatt i Stockholm"@sv, "Stockholm congestion
        // tax"@en.
        &["trängselskatt", "congestion tax", "congestion charge"],
        "https://www.transportstyrelsen.se/en/road/road-tolls/congestion-taxes-in-stockholm-and-goteborg/congestion-tax-in-stockholm/",
    ),
];

/// A word compared without case or Swedish diacritics.
fn fold(word: &str) -> String {
    word.to_lowercase()
        .chars()
        .map(|c| match c {
            'å' | 'ä' => 'a',
            'ö' => 'o',
            other => other,
        })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// One alternative as query syntax: a word as it is, a phrase in quotes.
fn term(alternative: &str) -> String {
    if alternative.contains(' ') {
        format!("\"{alternative}\"")
    } else {
        alternative.to_owned()
    }
}

/// The query with each word or phrase of a group replaced by all of the group's alternatives
/// (`(fibre OR fiber)`); words inside quotes are left alone.
pub fn expand(q: &str) -> String {
    if q.contains('"') {
        return q.to_owned();
    }
    let words: Vec<&str> = q.split_whitespace().collect();
    let folded: Vec<String> = words.iter().map(|w| fold(w)).collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    'words: while i < words.len() {
        // Longer alternatives first, so "dark fibre" wins over "fibre".
        let mut candidates: Vec<(&[&str], &str)> = GROUPS
            .iter()
            .flat_map(|(group, _)| group.iter().map(move |alt| (*group, *alt)))
            .collect();
        candidates.sort_by_key(|(_, alt)| std::cmp::Reverse(alt.split(' ').count()));
        for (group, alternative) in candidates {
            let parts: Vec<String> = alternative.split(' ').map(fold).collect();
            if folded.len() >= i + parts.len() && folded[i..i + parts.len()] == parts[..] {
                let all: Vec<String> = group.iter().map(|a| term(a)).collect();
                out.push(format!("({})", all.join(" OR ")));
                i += parts.len();
                continue 'words;
            }
        }
        out.push(words[i].to_owned());
        i += 1;
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_of_a_group_find_the_others() {
        assert_eq!(expand("fiber"), "(fibre OR fiber)");
        assert_eq!(
            expand("Stokab dark Fibre"),
            "Stokab (\"dark fibre\" OR \"dark fiber\" OR svartfiber)"
        );
        assert_eq!(
            expand("oppna data Stockholm"),
            "(\"open data\" OR \"öppna data\" OR \"öppen data\") Stockholm"
        );
        assert_eq!(
            expand("Trängselskatt"),
            "(trängselskatt OR \"congestion tax\" OR \"congestion charge\")"
        );
        assert_eq!(expand("\"fiber\" net"), "\"fiber\" net");
        assert_eq!(expand("data"), "data");
    }

    #[test]
    fn every_group_names_a_source() {
        for (group, source) in GROUPS {
            assert!(group.len() > 1);
            assert!(source.starts_with("https://"), "{group:?}");
        }
    }
}
