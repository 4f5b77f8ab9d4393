//! The one slug rule of citykg identifiers (`…/id/{kind}/{slug}`, city names in tokens, graphs
//! and contribution paths): lowercase ASCII letters and digits in hyphen-separated runs.

/// The longest slug accepted anywhere.
pub const MAX_LEN: usize = 200;

/// True for a slug as DESIGN.md defines slugs: lowercase ASCII letters and digits in runs joined
/// by single hyphens, at most [`MAX_LEN`] bytes.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_LEN
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_hyphenated_lowercase_runs() {
        assert!(is_slug("stockholm-stokab-dark-fibre"));
        assert!(is_slug("a1"));
        for bad in ["", "-a", "a-", "a--b", "A", "å", "a b", "a_b", "../x"] {
            assert!(!is_slug(bad), "{bad:?}");
        }
        assert!(is_slug(&"a".repeat(MAX_LEN)));
        assert!(!is_slug(&"a".repeat(MAX_LEN + 1)));
    }
}
