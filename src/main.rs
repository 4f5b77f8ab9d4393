//! The `citykg` command line: parses arguments and calls the library.

use anyhow::Context;
use citykg::cli::{self, QueryOutput};
use citykg::web::{self, ServeConfig};
use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "citykg",
    version,
    about = "A knowledge graph of smart-city practices, linked to the strategy goals they serve"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Open (or create) the store, load the bundled ontology and data when they changed, and
    /// serve the SPARQL endpoint and pages over HTTP.
    Serve {
        /// Directory of the on-disk store.
        #[arg(long, default_value = "citykg-data")]
        data_dir: PathBuf,
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:7878")]
        bind: SocketAddr,
        /// Namespace of the resources this server answers for (ends with '/').
        #[arg(long, default_value = citykg::vocab::DEFAULT_BASE_IRI)]
        base_iri: String,
        /// Seconds after which a query is cancelled.
        #[arg(long, default_value_t = 30)]
        query_timeout: u64,
        /// File of bearer tokens (one per line) that may send SPARQL Update; without it updates are off.
        #[arg(long)]
        update_token_file: Option<PathBuf>,
        /// A remote SPARQL endpoint that SERVICE may call (repeatable); without it SERVICE is off.
        #[arg(long)]
        federate_allow: Vec<String>,
        /// Directory holding the bundled ontology/, data/ and queries/ (default: the current
        /// directory if it has them, else the source tree).
        #[arg(long)]
        bundle_dir: Option<PathBuf>,
        /// How many queries may run at once (more wait for a slot).
        #[arg(long)]
        query_slots: Option<usize>,
    },
    /// Run a SPARQL query against the local store (the server need not run; stop it first, since
    /// the store allows one process at a time).
    Query {
        /// The query text (or use --file).
        query: Option<String>,
        /// Read the query from a file.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: OutputArg,
        #[arg(long, default_value = "citykg-data")]
        data_dir: PathBuf,
        /// Seconds after which the query is cancelled.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
    },
    /// Bulk-load RDF files (Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD) into the store.
    Load {
        /// Files to load; the format follows the extension.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Named graph for triples (formats with graphs keep theirs).
        #[arg(long)]
        graph: Option<String>,
        #[arg(long, default_value = "citykg-data")]
        data_dir: PathBuf,
    },
    /// Write every quad of the store to stdout, as N-Quads (default) or TriG.
    Dump {
        /// Write TriG instead of N-Quads.
        #[arg(long)]
        trig: bool,
        #[arg(long, default_value = "citykg-data")]
        data_dir: PathBuf,
    },
    /// Check a dataset file offline against the citykg SHACL shapes and print the report;
    /// exits with status 1 when the data does not conform.
    Validate {
        /// The dataset (Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD; by extension).
        file: PathBuf,
        /// The city the dataset is for: its practices and strategies must belong to it.
        #[arg(long)]
        city: Option<String>,
        /// Directory holding ontology/ (default: the current directory if it has it, else the source tree).
        #[arg(long)]
        bundle_dir: Option<PathBuf>,
    },
    /// Copy the store to a new directory, consistently.
    Backup {
        /// The new directory.
        target: PathBuf,
        #[arg(long, default_value = "citykg-data")]
        data_dir: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputArg {
    Table,
    Csv,
    Tsv,
    Json,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve {
            data_dir,
            bind,
            base_iri,
            query_timeout,
            update_token_file,
            federate_allow,
            bundle_dir,
            query_slots,
        } => {
            let mut config = ServeConfig::new(data_dir);
            config.bind = bind;
            config.base_iri = base_iri;
            config.query_timeout = Duration::from_secs(query_timeout.max(1));
            config.update_token_file = update_token_file;
            config.federate_allow = federate_allow;
            if let Some(dir) = bundle_dir {
                config.bundle_dir = dir;
            }
            if let Some(slots) = query_slots {
                config.query_slots = slots;
            }
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(web::serve(config))?;
        }
        Command::Query {
            query,
            file,
            format,
            data_dir,
            timeout,
        } => {
            let text = match (query, file) {
                (Some(q), None) => q,
                (None, Some(f)) => std::fs::read_to_string(&f)
                    .with_context(|| format!("cannot read {}", f.display()))?,
                _ => anyhow::bail!("give the query either as an argument or with --file, not both"),
            };
            let output = match format {
                OutputArg::Table => QueryOutput::Table,
                OutputArg::Csv => QueryOutput::Csv,
                OutputArg::Tsv => QueryOutput::Tsv,
                OutputArg::Json => QueryOutput::Json,
            };
            let stdout = std::io::stdout();
            cli::query(
                &data_dir,
                &text,
                output,
                Duration::from_secs(timeout),
                std::io::BufWriter::new(stdout.lock()),
            )?;
        }
        Command::Load {
            files,
            graph,
            data_dir,
        } => {
            cli::load(&data_dir, &files, graph.as_deref())?;
        }
        Command::Dump { trig, data_dir } => {
            let stdout = std::io::stdout();
            cli::dump(&data_dir, trig, std::io::BufWriter::new(stdout.lock()))?;
        }
        Command::Validate {
            file,
            city,
            bundle_dir,
        } => {
            let bundle_dir = bundle_dir.unwrap_or_else(citykg::store::bundle::Bundle::default_root);
            let report = cli::validate(&file, city.as_deref(), &bundle_dir)?;
            cli::print_report(&report, std::io::stdout().lock())?;
            if !report.conforms {
                std::process::exit(1);
            }
        }
        Command::Backup { target, data_dir } => {
            cli::backup(&data_dir, &target)?;
            eprintln!("backed up to {}", target.display());
        }
    }
    Ok(())
}
