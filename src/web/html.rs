//! HTML rendering: the minijinja templates compiled into the binary (`.html` autoescapes) and
//! `render()`, which adds the reader's interface strings and language switch to every page.

use super::SharedState;
use super::i18n::strings;
use super::request::PageCtx;
use crate::error::{Error, Result};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::{Environment, context};

/// The templates, compiled into the binary; `.html` templates autoescape.
pub fn templates() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("home.html", include_str!("templates/home.html")),
        ("queries.html", include_str!("templates/queries.html")),
        ("sparql.html", include_str!("templates/sparql.html")),
        ("resource.html", include_str!("templates/resource.html")),
        ("not_found.html", include_str!("templates/not_found.html")),
        ("error.html", include_str!("templates/error.html")),
        ("alternates.html", include_str!("templates/alternates.html")),
        ("matches.html", include_str!("templates/matches.html")),
        ("compare.html", include_str!("templates/compare.html")),
        ("ontology.html", include_str!("templates/ontology.html")),
        ("contribute.html", include_str!("templates/contribute.html")),
        ("city.html", include_str!("templates/city.html")),
        ("goal.html", include_str!("templates/goal.html")),
        ("practice.html", include_str!("templates/practice.html")),
        ("sdg.html", include_str!("templates/sdg.html")),
        ("search.html", include_str!("templates/search.html")),
        (
            "search_form.html",
            include_str!("templates/search_form.html"),
        ),
        ("hits.html", include_str!("templates/hits.html")),
        ("transfers.html", include_str!("templates/transfers.html")),
        ("practices.html", include_str!("templates/practices.html")),
        ("pager.html", include_str!("templates/pager.html")),
        ("dataset.html", include_str!("templates/dataset.html")),
    ] {
        env.add_template(name, source)
            .map_err(|e| Error::Invalid(format!("template {name}: {e}")))?;
    }
    env.add_filter("lang_attr", lang_attr);
    env.add_filter("plural", plural);
    Ok(env)
}

/// `{{ n|plural(t.city_practice, t.city_practices) }}`: the singular for a count of one (a number
/// or its text), else the plural.
fn plural(n: minijinja::Value, one: String, many: String) -> String {
    if n.to_string().trim() == "1" {
        one
    } else {
        many
    }
}

/// `{{ x.lang|lang_attr }}`: ` lang="en"` for text in another language than the page's (the
/// views set `lang` only then), nothing otherwise. A tag that is not a language tag is dropped.
fn lang_attr(tag: Option<String>) -> minijinja::Value {
    match tag {
        Some(t) if !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            minijinja::Value::from_safe_string(format!(" lang=\"{t}\""))
        }
        _ => minijinja::Value::from(""),
    }
}

/// A serialisable value for a template context.
pub fn value<T: serde::Serialize>(v: T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(v))
}

/// Renders a template into an HTML response, with the interface strings of the reader's language.
pub fn render(
    state: &SharedState,
    name: &str,
    ctx: minijinja::Value,
    status: StatusCode,
    page: &PageCtx,
) -> Response {
    let ctx = context! {
        t => value(strings(page.lang)),
        lang => page.lang.code(),
        switch_en => page.switch_en.clone(),
        switch_sv => page.switch_sv.clone(),
        stylesheet => super::static_files::stylesheet_href(),
        ..ctx
    };
    let rendered = state
        .templates
        .get_template(name)
        .and_then(|t| t.render(ctx));
    match rendered {
        Ok(html) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::VARY, "Accept"),
            ],
            html,
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("template {name} failed: {e}\n"),
        )
            .into_response(),
    }
}

/// A page that is rendered with status 200.
pub fn page(state: &SharedState, name: &str, ctx: minijinja::Value, page: &PageCtx) -> Response {
    render(state, name, ctx, StatusCode::OK, page)
}

#[cfg(test)]
mod tests {
    #[test]
    fn lang_attr_marks_only_language_tags() {
        assert_eq!(
            super::lang_attr(Some("en".into())).to_string(),
            " lang=\"en\""
        );
        assert_eq!(
            super::lang_attr(Some("x\" onload=\"y".into())).to_string(),
            ""
        );
        assert_eq!(super::lang_attr(None).to_string(), "");
        let plural = |n: minijinja::Value| super::plural(n, "practice".into(), "practices".into());
        assert_eq!(plural(1.into()), "practice");
        assert_eq!(plural("1".into()), "practice");
        assert_eq!(plural(11.into()), "practices");
    }
}
