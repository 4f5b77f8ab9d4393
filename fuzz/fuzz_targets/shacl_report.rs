//! SHACL report rendering: a report with any text in any field, rendered as the API's JSON,
//! the standard `sh:ValidationReport` in Turtle, and the upload page's HTML (autoescaped).
#![no_main]

use citykg::ingest::shacl::{Report, Violation, report_turtle};
use libfuzzer_sys::fuzz_target;
use minijinja::context;
use std::sync::OnceLock;

fn templates() -> &'static minijinja::Environment<'static> {
    static TEMPLATES: OnceLock<minijinja::Environment<'static>> = OnceLock::new();
    TEMPLATES.get_or_init(|| match citykg::web::html::templates() {
        Ok(env) => env,
        Err(e) => panic!("the fuzz set-up failed (not a finding): {e}"),
    })
}

/// Fields separated by NUL bytes: focus node, path, constraint, value, shape, message, repeated.
fn report(data: &[u8]) -> Report {
    let text = String::from_utf8_lossy(data);
    let fields: Vec<&str> = text.split('\0').collect();
    let optional = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let results = fields
        .chunks(6)
        .map(|f| Violation {
            focus_node: f.first().copied().unwrap_or("").to_owned(),
            path: f.get(1).copied().and_then(optional),
            constraint: f.get(2).copied().unwrap_or("").to_owned(),
            value: f.get(3).copied().and_then(optional),
            source_shape: f.get(4).copied().and_then(optional),
            message: f.get(5).copied().unwrap_or("").to_owned(),
        })
        .collect::<Vec<_>>();
    Report {
        conforms: results.is_empty(),
        results,
    }
}

fuzz_target!(|data: &[u8]| {
    let report = report(data);
    let _ = report_turtle(&report);
    if let Err(e) = serde_json::to_string(&report) {
        panic!("the JSON report failed: {e}");
    }
    let ctx = context! {
        t => citykg::web::html::value(citykg::web::i18n::strings(citykg::web::i18n::Lang::En)),
        lang => "en",
        switch_en => "/contribute?lang=en",
        switch_sv => "/contribute?lang=sv",
        stylesheet => citykg::web::static_files::stylesheet_href(),
        cities => Vec::<String>::new(),
        form => context! { city => "helsinki", format => "turtle", dry_run => true },
        result => context! { report => citykg::web::html::value(&report) },
    };
    let html = match templates()
        .get_template("contribute.html")
        .and_then(|t| t.render(ctx))
    {
        Ok(html) => html,
        Err(e) => panic!("the HTML report failed: {e}"),
    };
    // Autoescaping: no text of the report can open a tag.
    for v in &report.results {
        for field in [&v.focus_node, &v.message, &v.constraint] {
            if field.contains("<script") {
                assert!(
                    !html.contains(field.as_str()),
                    "unescaped report text in the page"
                );
            }
        }
    }
});
