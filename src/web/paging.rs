//! Paging of the lists that grow with the network (an SDG's practices, what links to a theme or
//! an organisation; an SDG's city goals and an organisation's cities under their own parameter):
//! `?page=N` from the query string, the `LIMIT`/`OFFSET` of the page's SPARQL,
//! and the pager a template shows ("101–200 of 312", previous and next) with stable links that
//! keep the page's other parameters and its language. Rendered by `templates/pager.html`.

use super::i18n::Lang;
use super::request::QueryPairs;
use serde::Serialize;

/// Items (practices, links) per page.
pub const PAGE_SIZE: usize = 100;
/// The highest page number read from a link; larger ones are page 1.
const MAX_PAGE: usize = 100_000;

/// Which page of a list a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: usize,
    pub size: usize,
}

impl Paging {
    /// `?page=N` (1 when absent or not a page number), `size` items per page.
    pub fn from_pairs(pairs: &QueryPairs, size: usize) -> Self {
        Self::from_param(pairs, "page", size)
    }

    /// `?{param}=N`: for a second list on the same page (an SDG's city goals, an organisation's
    /// cities), paged independently of the first.
    pub fn from_param(pairs: &QueryPairs, param: &str, size: usize) -> Self {
        let page = pairs
            .get(param)
            .and_then(|p| p.parse().ok())
            .filter(|p| (1..=MAX_PAGE).contains(p))
            .unwrap_or(1);
        Self {
            page,
            size: size.max(1),
        }
    }

    pub fn offset(&self) -> usize {
        (self.page - 1) * self.size
    }

    /// The solution modifiers of the page's query (after its `ORDER BY`).
    pub fn limit_offset(&self) -> String {
        format!("LIMIT {} OFFSET {}", self.size, self.offset())
    }

    /// The pager of a page showing `shown` of `total` items, linking to `path` with `pairs`
    /// (their `page` and `lang` replaced); `noun` names the items in the reader's language.
    pub fn pager(
        &self,
        total: usize,
        shown: usize,
        path: &str,
        pairs: &QueryPairs,
        lang: Lang,
        noun: &str,
    ) -> Pager {
        self.pager_for("page", total, shown, path, pairs, lang, noun)
    }

    /// The pager of a list paged by `?{param}=N`: its links keep every other parameter (the
    /// other lists' pages too) and replace `param` and `lang`.
    #[allow(clippy::too_many_arguments)]
    pub fn pager_for(
        &self,
        param: &str,
        total: usize,
        shown: usize,
        path: &str,
        pairs: &QueryPairs,
        lang: Lang,
        noun: &str,
    ) -> Pager {
        let href = |page: usize| {
            let mut s = form_urlencoded::Serializer::new(String::new());
            for (k, v) in pairs.0.iter().filter(|(k, _)| k != param && k != "lang") {
                s.append_pair(k, v);
            }
            s.append_pair("lang", lang.code());
            if page > 1 {
                s.append_pair(param, &page.to_string());
            }
            format!("{path}?{}", s.finish())
        };
        let last = self.offset() + shown;
        Pager {
            first: if shown > 0 { self.offset() + 1 } else { 0 },
            last,
            total,
            noun: noun.to_owned(),
            prev: (self.page > 1)
                .then(|| href((self.page - 1).min(total.div_ceil(self.size).max(1)))),
            next: (last < total && shown > 0 && self.page < MAX_PAGE).then(|| href(self.page + 1)),
        }
    }
}

/// What `templates/pager.html` shows.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    /// 1-based position of the first item shown; 0 when none is shown.
    pub first: usize,
    pub last: usize,
    pub total: usize,
    pub noun: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_link_to_their_neighbours_keeping_parameters_and_language() {
        let pairs = QueryPairs::parse(Some("x=a%26b&page=2&lang=sv"));
        let paging = Paging::from_pairs(&pairs, 100);
        assert_eq!(paging.limit_offset(), "LIMIT 100 OFFSET 100");
        let pager = paging.pager(312, 100, "/sdg/11", &pairs, Lang::Sv, "praktiker");
        assert_eq!((pager.first, pager.last, pager.total), (101, 200, 312));
        assert_eq!(pager.prev.as_deref(), Some("/sdg/11?x=a%26b&lang=sv"));
        assert_eq!(
            pager.next.as_deref(),
            Some("/sdg/11?x=a%26b&lang=sv&page=3")
        );
        let last = Paging::from_pairs(&QueryPairs::parse(Some("page=4")), 100);
        let pager = last.pager(312, 12, "/sdg/11", &pairs, Lang::En, "practices");
        assert_eq!((pager.first, pager.last), (301, 312));
        assert!(pager.next.is_none());
        // Past the end: nothing shown, the way back leads to the last page.
        let past = Paging::from_pairs(&QueryPairs::parse(Some("page=9")), 100);
        let pager = past.pager(312, 0, "/p", &QueryPairs::default(), Lang::En, "x");
        assert_eq!(pager.first, 0);
        assert_eq!(pager.prev.as_deref(), Some("/p?lang=en&page=4"));
        // A second list keeps the first list's page and pages by its own parameter.
        let pairs = QueryPairs::parse(Some("page=2&goals_page=3"));
        let goals = Paging::from_param(&pairs, "goals_page", 10);
        assert_eq!(
            (goals.page, goals.limit_offset().as_str()),
            (3, "LIMIT 10 OFFSET 20")
        );
        let pager = goals.pager_for("goals_page", 45, 10, "/sdg/11", &pairs, Lang::En, "goals");
        assert_eq!((pager.first, pager.last, pager.total), (21, 30, 45));
        assert_eq!(
            pager.prev.as_deref(),
            Some("/sdg/11?page=2&lang=en&goals_page=2")
        );
        assert_eq!(
            pager.next.as_deref(),
            Some("/sdg/11?page=2&lang=en&goals_page=4")
        );
        for bad in ["0", "-1", "x", "99999999999999999999"] {
            let pairs = QueryPairs::parse(Some(&format!("page={bad}")));
            assert_eq!(Paging::from_pairs(&pairs, 50).page, 1, "{bad}");
        }
    }
}
