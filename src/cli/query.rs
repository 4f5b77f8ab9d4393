//! `citykg query`: runs a SPARQL query against the local store and prints a table, CSV, TSV or JSON.

use crate::error::{Error, Result};
use crate::sparql::exec::{QueryRequest, evaluation_error, write_results};
use crate::sparql::federation::Federation;
use crate::sparql::formats::{OutputFormat, ResultKind};
use oxigraph::io::RdfFormat;
use oxigraph::model::Term;
use oxigraph::sparql::results::QueryResultsFormat;
use oxigraph::sparql::{CancellationToken, QueryResults};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// How `citykg query` prints results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryOutput {
    Table,
    Csv,
    Tsv,
    Json,
}

fn short(term: &Term) -> String {
    match term {
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

/// Runs `text` against the store in `data_dir` and writes the results to `out`.
/// The query is cancelled after `timeout`.
pub fn query(
    data_dir: &Path,
    engine: &super::engine::EngineArgs,
    text: &str,
    output: QueryOutput,
    timeout: Duration,
    mut out: impl Write,
) -> Result<()> {
    let backend = engine.open(data_dir)?;
    let request = QueryRequest::parse(text, None)?;
    let token = CancellationToken::new();
    let timer_token = token.clone();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let timer = std::thread::spawn(move || {
        if done_rx.recv_timeout(timeout).is_err() {
            timer_token.cancel();
        }
    });
    let kind = request.kind();
    let results = request.evaluate(&backend, &Federation::none(), token)?;
    let outcome = match (output, kind) {
        (QueryOutput::Table, ResultKind::Solutions) => print_table(results, &mut out),
        (QueryOutput::Table, ResultKind::Boolean) | (QueryOutput::Json, ResultKind::Boolean) => {
            write_results(results, OutputFormat::Results(QueryResultsFormat::Json), &mut out).map(drop)
        }
        (QueryOutput::Table, ResultKind::Graph) => {
            write_results(results, OutputFormat::Rdf(RdfFormat::Turtle), &mut out).map(drop)
        }
        (QueryOutput::Csv, _) if kind != ResultKind::Graph => {
            write_results(results, OutputFormat::Results(QueryResultsFormat::Csv), &mut out).map(drop)
        }
        (QueryOutput::Tsv, _) if kind != ResultKind::Graph => {
            write_results(results, OutputFormat::Results(QueryResultsFormat::Tsv), &mut out).map(drop)
        }
        (QueryOutput::Json, ResultKind::Solutions) => {
            write_results(results, OutputFormat::Results(QueryResultsFormat::Json), &mut out).map(drop)
        }
        (QueryOutput::Json, ResultKind::Graph) => write_results(
            results,
            OutputFormat::Rdf(RdfFormat::JsonLd {
                profile: oxigraph::io::JsonLdProfileSet::empty(),
            }),
            &mut out,
        )
        .map(drop),
        (_, ResultKind::Graph) => Err(Error::Invalid(
            "CSV and TSV are for SELECT and ASK; use --format table or json for CONSTRUCT and DESCRIBE"
                .into(),
        )),
        _ => Err(Error::Invalid("unsupported output".into())),
    };
    let _ = done_tx.send(());
    let _ = timer.join();
    outcome
}

/// An aligned text table of a SELECT result.
fn print_table(results: QueryResults<'static>, out: &mut impl Write) -> Result<()> {
    let QueryResults::Solutions(solutions) = results else {
        return Err(Error::Invalid("expected solutions".into()));
    };
    let header: Vec<String> = solutions
        .variables()
        .iter()
        .map(|v| v.as_str().to_owned())
        .collect();
    let mut rows = Vec::new();
    for solution in solutions {
        let solution = solution.map_err(evaluation_error)?;
        rows.push(
            (0..header.len())
                .map(|i| solution.get(i).map(short).unwrap_or_default())
                .collect::<Vec<_>>(),
        );
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r: &Vec<String>| r[i].chars().count())
                .chain(std::iter::once(header[i].chars().count()))
                .max()
                .unwrap_or(0)
                .min(80)
        })
        .collect();
    let line = |cells: &[String], out: &mut dyn Write| -> std::io::Result<()> {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        writeln!(out, "{}", padded.join(" | ").trim_end())
    };
    let io = |e| Error::io("stdout", e);
    line(&header, out).map_err(io)?;
    writeln!(
        out,
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("-+-")
    )
    .map_err(io)?;
    for row in &rows {
        line(row, out).map_err(io)?;
    }
    writeln!(out, "({} rows)", rows.len()).map_err(io)?;
    Ok(())
}
