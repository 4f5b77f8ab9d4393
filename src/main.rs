//! The `citykg` command line: parses arguments and calls the library.

use anyhow::Context;
use citykg::cli::{self, QueryOutput};
use citykg::ingest::contribution::Outcome;
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

// Parsed once per run: the size of the largest variant (serve's flags) costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Open (or create) the store, load the bundled ontology and data when they changed, and
    /// serve the SPARQL endpoint and pages over HTTP.
    Serve {
        /// Directory of the on-disk store.
        #[arg(long, default_value = "citykg-data")]
        data_dir: PathBuf,
        #[command(flatten)]
        engine: cli::engine::EngineArgs,
        /// Folder of the token file and the contribution history when several nodes share them
        /// (default: --data-dir, which then keeps only this node's search index).
        #[arg(long)]
        shared_dir: Option<PathBuf>,
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
        /// How many requests may wait for a query slot; more get 503 with Retry-After at once
        /// (default: four per slot).
        #[arg(long)]
        queue_depth: Option<usize>,
        /// Requests a minute allowed per client address (429 with Retry-After beyond it);
        /// without it, no limit.
        #[arg(long)]
        rate_limit: Option<u32>,
        /// The largest contribution accepted, in MiB (larger bodies get 413).
        #[arg(long, default_value_t = 50)]
        max_upload_mb: u64,
        /// The address clients reach this server at (e.g. https://citykg.example.org), for the
        /// service description, VoID and dump links; without it they follow the Host header.
        #[arg(long)]
        public_url: Option<String>,
        /// The IP address of a reverse proxy whose X-Forwarded-Proto and X-Forwarded-Host are
        /// believed (repeatable); other clients' forwarded headers are ignored.
        #[arg(long)]
        trusted_proxy: Vec<std::net::IpAddr>,
        /// Memory for the in-process cache of rendered pages and query results, in MiB (0: none;
        /// ETags and 304s work either way).
        #[arg(long, default_value_t = 256)]
        cache_mb: u64,
        /// Seconds a client may take to send a request's headers (a kept-alive connection idle
        /// that long is closed too); slower clients are disconnected.
        #[arg(long, default_value_t = 10)]
        header_timeout: u64,
        /// Seconds a client may take to send a request's body, from when the server starts
        /// reading it; slower uploads get 408 and are disconnected.
        #[arg(long, default_value_t = 60)]
        body_timeout: u64,
    },
    /// Submit a city's dataset into the local store through the contribution pipeline (parse,
    /// SHACL, ownership rules, a new version in the history). Stop the server first.
    Contribute {
        /// The city whose graph the data replaces (e.g. helsinki).
        #[arg(long)]
        city: String,
        /// The dataset: Turtle, JSON-LD, N-Triples, RDF/XML, TriG (default graph) or the CSV template.
        file: PathBuf,
        /// The format, when the extension does not tell (turtle, jsonld, ntriples, rdfxml, trig, csv).
        #[arg(long)]
        format: Option<String>,
        /// Only check; store nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long, default_value = "citykg-data")]
        data_dir: PathBuf,
        /// Directory holding ontology/ and data/ (default: the current directory if it has them, else the source tree).
        #[arg(long)]
        bundle_dir: Option<PathBuf>,
    },
    /// Issue, list and revoke contributor tokens (one city each).
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Write a city's practices as the CSV contribution template (a start for its data steward).
    ExportCsv {
        /// The city (e.g. stockholm).
        #[arg(long)]
        city: String,
        #[arg(long, default_value = "citykg-data")]
        data_dir: PathBuf,
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
        #[command(flatten)]
        engine: cli::engine::EngineArgs,
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
        #[command(flatten)]
        engine: cli::engine::EngineArgs,
    },
    /// Write every quad of the store to stdout, as N-Quads (default) or TriG.
    Dump {
        /// Write TriG instead of N-Quads.
        #[arg(long)]
        trig: bool,
        #[arg(long, default_value = "citykg-data")]
        data_dir: PathBuf,
        #[command(flatten)]
        engine: cli::engine::EngineArgs,
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
    /// Write a deterministic synthetic network of cities (N-Quads, one named graph per city,
    /// https://w3id.org/citykg/graph/{city-slug}) for scale tests and benchmarks: strategies with
    /// goal trees mapped to the SDGs of ontology/sdg.ttl, practices with themes, shared partners,
    /// outcomes and sources. It conforms to ontology/shapes.ttl and loads with `citykg load`.
    Generate {
        /// Number of cities.
        #[arg(long, default_value_t = 20)]
        cities: usize,
        /// Practices per city.
        #[arg(long, default_value_t = 25)]
        practices: usize,
        /// Seed of the generator: the same seed and sizes give the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write only city number N (0-based; it may be beyond --cities) as N-Triples without a
        /// graph, a file for `citykg contribute --city <its slug>`; its slug is printed on stderr.
        #[arg(long, value_name = "N")]
        only_city: Option<usize>,
        /// Output file (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
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
    /// Put a backup made by `citykg backup` in place as the data dir (the store, the
    /// contribution history and the tokens). Stop the server first.
    Restore {
        /// The backup directory.
        backup: PathBuf,
        #[arg(long, default_value = "citykg-data")]
        data_dir: PathBuf,
        /// Replace an existing store.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Create a token for a city; prints it once, as the last line. Only a salted hash is kept.
    Add {
        #[arg(long)]
        city: String,
        #[arg(long, default_value = "citykg-data")]
        data_dir: PathBuf,
    },
    /// List the tokens (ids, cities, dates; never the tokens themselves).
    List {
        #[arg(long, default_value = "citykg-data")]
        data_dir: PathBuf,
    },
    /// Revoke a token by its id; it stops working at once.
    Revoke {
        id: String,
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
    let cli = Cli::parse();
    let _log_guard = citykg::logging::init(matches!(cli.command, Command::Serve { .. }));
    match cli.command {
        Command::Serve {
            data_dir,
            engine,
            shared_dir,
            bind,
            base_iri,
            query_timeout,
            update_token_file,
            federate_allow,
            bundle_dir,
            query_slots,
            queue_depth,
            rate_limit,
            max_upload_mb,
            public_url,
            trusted_proxy,
            cache_mb,
            header_timeout,
            body_timeout,
        } => {
            let mut config = ServeConfig::new(data_dir);
            config.remote = engine.remote_config(&config.data_dir)?;
            config.shared_dir = shared_dir;
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
            config.queue_depth = queue_depth;
            config.rate_limit = rate_limit;
            config.max_upload_mb = max_upload_mb;
            config.public_url = public_url;
            config.trusted_proxies = trusted_proxy;
            config.cache_mb = cache_mb;
            config.header_timeout = Duration::from_secs(header_timeout.max(1));
            config.body_timeout = Duration::from_secs(body_timeout.max(1));
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
            engine,
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
                &engine,
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
            engine,
        } => {
            cli::load(&data_dir, &engine, &files, graph.as_deref())?;
        }
        Command::Dump {
            trig,
            data_dir,
            engine,
        } => {
            let stdout = std::io::stdout();
            cli::dump(
                &data_dir,
                &engine,
                trig,
                std::io::BufWriter::new(stdout.lock()),
            )?;
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
        Command::Contribute {
            city,
            file,
            format,
            dry_run,
            data_dir,
            bundle_dir,
        } => {
            let bundle_dir = bundle_dir.unwrap_or_else(citykg::store::bundle::Bundle::default_root);
            let outcome = cli::contribute(
                &data_dir,
                &bundle_dir,
                &city,
                &file,
                format.as_deref(),
                dry_run,
            )?;
            match outcome {
                Outcome::Rejected(report) => {
                    cli::print_report(&report, std::io::stdout().lock())?;
                    eprintln!("nothing was stored");
                    std::process::exit(1);
                }
                Outcome::Valid { triples, .. } => {
                    println!("The data conforms ({triples} triples); nothing stored (--dry-run).")
                }
                Outcome::Accepted { version, .. } => println!(
                    "Stored as version {} of {city} ({} triples, content hash {}).",
                    version.version, version.triples, version.content_hash
                ),
            }
        }
        Command::Token { action } => match action {
            TokenAction::Add { city, data_dir } => {
                let (record, token) = cli::token_add(&data_dir, &city)?;
                eprintln!(
                    "Token {} for {} created; it is shown once, keep it secret:",
                    record.id, record.city
                );
                println!("{token}");
            }
            TokenAction::List { data_dir } => {
                for r in cli::token_list(&data_dir)? {
                    let state = r
                        .revoked
                        .as_deref()
                        .map_or("active".to_owned(), |t| format!("revoked {t}"));
                    println!("{}	{}	created {}	{state}", r.id, r.city, r.created);
                }
            }
            TokenAction::Revoke { id, data_dir } => {
                let r = cli::token_revoke(&data_dir, &id)?;
                println!("revoked {} ({})", r.id, r.city);
            }
        },
        Command::ExportCsv { city, data_dir } => {
            let backend = citykg::store::Backend::open(&data_dir)?;
            let text =
                citykg::ingest::csv::export(&backend, &city, citykg::vocab::DEFAULT_BASE_IRI)?;
            print!("{text}");
        }
        Command::Generate {
            cities,
            practices,
            seed,
            only_city,
            out,
            bundle_dir,
        } => {
            let bundle_dir = bundle_dir.unwrap_or_else(citykg::store::bundle::Bundle::default_root);
            let params = citykg::generate::Params {
                cities,
                practices,
                seed,
            };
            let started = std::time::Instant::now();
            let summary = cli::generate(&bundle_dir, &params, only_city, out.as_deref())?;
            if let Some(index) = only_city {
                eprintln!("city {}", citykg::generate::city_slug(index));
            }
            eprintln!(
                "generated {} cities, {} practices, {} quads in {:.2} s",
                summary.cities,
                summary.practices,
                summary.quads,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Backup { target, data_dir } => {
            cli::backup(&data_dir, &target)?;
            eprintln!("backed up to {}", target.display());
        }
        Command::Restore {
            backup,
            data_dir,
            force,
        } => {
            cli::restore(&backup, &data_dir, force)?;
            eprintln!("restored {} into {}", backup.display(), data_dir.display());
        }
    }
    Ok(())
}

/// mimalloc instead of glibc's allocator: fewer instructions per request (bench/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
