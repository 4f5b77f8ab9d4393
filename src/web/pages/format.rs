//! Page text from data values: numbers grouped for reading, lists joined with "and", years of
//! dates, and the order of SDG goals and targets.

use crate::vocab::SDG_NS;

/// "5500.0" → "5500"; "25000000" → "25,000,000"; "1.25" stays. English only: pages in the
/// reader's language use `crate::web::figures::format_number`; this stays for callers that are
/// not yet language-aware.
#[allow(dead_code)]
pub fn tidy_number(value: &str) -> String {
    crate::web::figures::format_number(value, crate::web::i18n::Lang::En)
}

/// A tidied number in the reader's language: "975,904" and "12.5" in English, "975 904" (with a
/// no-break space) and "12,5" in Swedish, where a comma is the decimal sign.
pub fn local_number(value: &str, lang: crate::web::i18n::Lang) -> String {
    let tidy = tidy_number(value);
    match lang {
        crate::web::i18n::Lang::En => tidy,
        crate::web::i18n::Lang::Sv => tidy
            .chars()
            .map(|c| match c {
                ',' => '\u{a0}',
                '.' => ',',
                c => c,
            })
            .collect(),
    }
}

/// "a, b and c"
pub fn join(parts: &[String], and: &str) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {and} {last}", rest.join(", ")),
    }
}

/// The year of an `xsd:date` or `xsd:gYear` value.
pub fn year_of(date: &str) -> Option<i32> {
    date.get(..4).and_then(|y| y.parse().ok())
}

/// Sorts "sdg/9.c" after "sdg/9.5" and "sdg/11" after "sdg/9".
pub fn sdg_sort_key(iri: &str) -> (u32, String) {
    let number = iri.strip_prefix(SDG_NS).unwrap_or(iri);
    let (goal, target) = number.split_once('.').unwrap_or((number, ""));
    (goal.parse().unwrap_or(99), format!("{target:>3}"))
}

/// The number of an SDG IRI ("11.2" for `…/sdg/11.2`), or the IRI itself.
pub fn sdg_number(iri: &str) -> &str {
    iri.strip_prefix(SDG_NS).unwrap_or(iri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_lists_read_well() {
        assert_eq!(tidy_number("5500.0"), "5500");
        assert_eq!(tidy_number("16000000000"), "16,000,000,000");
        assert_eq!(tidy_number("1.25"), "1.25");
        assert_eq!(tidy_number("25000000"), "25,000,000");
        assert_eq!(tidy_number("14.0"), "14");
        assert_eq!(
            join(&["a".into(), "b".into(), "c".into()], "and"),
            "a, b and c"
        );
        assert_eq!(year_of("2006-01-03"), Some(2006));
        use crate::web::i18n::Lang;
        assert_eq!(local_number("975904", Lang::En), "975,904");
        assert_eq!(local_number("975904", Lang::Sv), "975\u{a0}904");
        assert_eq!(local_number("1000000.5", Lang::Sv), "1\u{a0}000\u{a0}000,5");
        assert_eq!(year_of("n/a"), None);
    }

    #[test]
    fn sdg_targets_sort_within_their_goal() {
        assert!(
            sdg_sort_key("http://metadata.un.org/sdg/9.c")
                > sdg_sort_key("http://metadata.un.org/sdg/9.5")
        );
        assert!(
            sdg_sort_key("http://metadata.un.org/sdg/11")
                > sdg_sort_key("http://metadata.un.org/sdg/9.c")
        );
        assert_eq!(sdg_number("http://metadata.un.org/sdg/11.2"), "11.2");
    }
}
