//! `loadgen`: drives N concurrent MCP clients against pattern-mcp and reports what it measured.
//!
//! Each client has one request in flight at a time: a pattern-mcp process it
//! started, over stdio, or its own connection to a Streamable HTTP endpoint.
//! By default the clients are closed-loop (the next request is sent when the
//! answer arrives); with `--rate` each sends on a fixed schedule, so the
//! offered load stays the same however fast the server answers. Every request is an
//! `execute_pattern` call drawn from a mix (`mix.rs`). A run seeds the store
//! (the mix's `seed`), warms up (answers not counted), then measures for a
//! duration or a number of requests; the report (`report.rs`) is printed as
//! a table and, with `--json FILE`, written as JSON.

mod client;
mod http;
mod mix;
mod protocol;
mod report;
mod stdio;

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result, bail, ensure};
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::client::Client;
use crate::http::{HttpClient, Target, Wire};
use crate::mix::{Mix, Rng, Vars};
use crate::protocol::Outcome;
use crate::report::Stats;
use crate::stdio::StdioClient;

/// Drives concurrent MCP clients against pattern-mcp (stdio or Streamable HTTP) and reports throughput, latency per
/// route, errors by kind and cache hit rates by tier.
#[derive(Debug, Parser)]
#[command(name = "loadgen", version)]
struct Args {
    /// Start CONNECTIONS pattern-mcp processes and drive each over stdio; arguments after `--` go to each of them
    /// (e.g. `-- --memory sqlite::memory:`).
    #[arg(long, conflicts_with = "url")]
    stdio: bool,
    /// The pattern-mcp binary for --stdio.
    #[arg(long, env = "PATTERN_MCP_BIN", default_value = "pattern-mcp")]
    bin: PathBuf,
    /// A Streamable HTTP endpoint (http://HOST:PORT/mcp); repeat it to spread the connections over several servers,
    /// in turn.
    #[arg(long, required_unless_present_any = ["stdio", "list_profiles"])]
    url: Vec<String>,
    /// The HTTP wire: MCP 2025-06-18 sessions or the 2026-07-28 stateless wire.
    #[arg(long, value_enum, default_value = "sessions")]
    wire: Wire,
    /// Bearer token for HTTP.
    #[arg(long, env = "LOADGEN_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Concurrent clients (processes with --stdio, connections over HTTP).
    #[arg(short = 'c', long, default_value_t = 8)]
    connections: usize,
    /// Measure for this many seconds (the default, 10, unless --requests is given).
    #[arg(short = 'd', long, conflicts_with = "requests")]
    duration: Option<f64>,
    /// Measure this many requests instead of a duration.
    #[arg(short = 'n', long)]
    requests: Option<u64>,
    /// Offer this many requests per second in all, spread evenly over the clients, instead of sending each next
    /// request as soon as the answer arrives. A client whose answer comes after its next request was due sends at
    /// once; latency counts from when the request was due, so a server that falls behind shows it.
    #[arg(long, value_name = "REQUESTS_PER_S")]
    rate: Option<f64>,
    /// Seconds of load before measuring; their answers are not counted.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// A built-in mix: cached, memory, infra, hybrid, mixed.
    #[arg(short = 'p', long, default_value = "cached", conflicts_with = "mix")]
    profile: String,
    /// A mix file (JSON; format in the README, *Load generator*).
    #[arg(short = 'm', long)]
    mix: Option<PathBuf>,
    /// The namespace of every request and seed (default: the mix's, else `loadgen`).
    #[arg(long)]
    namespace: Option<String>,
    /// Set `use_cache` in every request (false: the cache off).
    #[arg(long)]
    use_cache: Option<bool>,
    /// Seconds before a request counts as a timeout.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
    /// Seed of the request draws (default: from the clock); the same seed draws the same sequence per client.
    #[arg(long)]
    seed: Option<u64>,
    /// Write the JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// No progress bar (it is also off when stderr is not a terminal).
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Print the built-in profiles with what each sends, and exit.
    #[arg(long)]
    list_profiles: bool,
    /// Arguments for each pattern-mcp process (with --stdio).
    #[arg(last = true)]
    server_args: Vec<String>,
}

/// What every client shares while the load runs.
struct Shared {
    mix: Mix,
    run: String,
    seq: AtomicU64,
    timeout: Duration,
    /// When the warm-up ends and measuring starts.
    measure_from: Instant,
    /// With a duration: when the last request may start.
    until: Option<Instant>,
    /// With `--rate`: the time between two requests of one client.
    interval: Option<Duration>,
    /// With a request count: how many to measure, and how many have started.
    requests: Option<u64>,
    started: AtomicU64,
    /// Measured answers so far, and errors among them, for the progress bar.
    done: AtomicU64,
    failed: AtomicU64,
}

fn main() -> std::process::ExitCode {
    match main_with(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("loadgen: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn main_with(args: Args) -> Result<()> {
    if args.list_profiles {
        for (name, _) in mix::PROFILES {
            let mix = Mix::profile(name)?;
            println!(
                "{name} ({} requests, {} seeds): {}",
                mix.len(),
                mix.seed.len(),
                mix.description
            );
        }
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = runtime.block_on(run(&args))?;
    print!("{}", report::table(&report));
    if let Some(path) = &args.json {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let text = serde_json::to_string_pretty(&report)? + "\n";
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        println!("JSON report: {}", path.display());
    }
    Ok(())
}

async fn run(args: &Args) -> Result<Value> {
    ensure!(args.connections > 0, "--connections must be at least 1");
    ensure!(
        args.warmup >= 0.0 && args.warmup.is_finite(),
        "--warmup must be a number of seconds ≥ 0"
    );
    ensure!(
        args.timeout > 0.0 && args.timeout.is_finite(),
        "--timeout must be a positive number of seconds"
    );
    let duration = match (args.duration, args.requests) {
        (Some(d), _) => Some(d),
        (None, None) => Some(10.0),
        (None, Some(n)) => {
            ensure!(n > 0, "--requests must be at least 1");
            None
        }
    };
    if let Some(d) = duration {
        ensure!(d > 0.0 && d.is_finite(), "--duration must be a positive number of seconds");
    }
    if let Some(rate) = args.rate {
        ensure!(
            rate > 0.0 && rate.is_finite(),
            "--rate must be a positive number of requests per second"
        );
    }
    let mut mix = match &args.mix {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Mix::parse(&path.display().to_string(), &text)?
        }
        None => Mix::profile(&args.profile)?,
    };
    if let Some(namespace) = &args.namespace {
        mix.set_namespace(namespace, true);
    }
    if let Some(use_cache) = args.use_cache {
        mix.set_use_cache(use_cache);
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let run_id = format!("{:x}{:04x}", now.as_millis(), std::process::id() & 0xffff);
    let seed = args.seed.unwrap_or(now.as_nanos() as u64);
    let timeout = Duration::from_secs_f64(args.timeout);

    // --- Clients, started together; each stdio process, and the first client of each URL, is seeded.
    let targets: Vec<Target> = args.url.iter().map(|u| Target::parse(u)).collect::<Result<_>>()?;
    let mut starting = JoinSet::new();
    for index in 0..args.connections {
        let (bin, server_args) = (args.bin.clone(), args.server_args.clone());
        let target = (!args.stdio).then(|| targets[index % targets.len()].clone());
        let (wire, token) = (args.wire, args.token.clone());
        starting.spawn(async move {
            let client = match target {
                None => Client::Stdio(StdioClient::start(&bin, &server_args).await?),
                Some(target) => Client::Http(HttpClient::start(target, wire, token).await?),
            };
            anyhow::Ok((index, client))
        });
    }
    let mut clients: Vec<Option<Client>> = (0..args.connections).map(|_| None).collect();
    while let Some(started) = starting.join_next().await {
        let (index, client) = started.context("a client task panicked")??;
        clients[index] = Some(client);
    }
    let clients: Vec<Client> =
        clients.into_iter().map(|c| c.expect("every client started")).collect();
    // Clients 0..targets are one per URL (they are spread in turn); every stdio client is its own server.
    let seeded = if args.stdio { clients.len() } else { targets.len().min(clients.len()) };
    let clients = seed_store(clients, seeded, &mix, &run_id, timeout).await?;

    // --- The load.
    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(args.warmup);
    let shared = Arc::new(Shared {
        // The seed's calls took the numbers below this one.
        seq: AtomicU64::new(mix.seed.len() as u64),
        mix,
        run: run_id,
        timeout,
        measure_from,
        until: duration.map(|d| measure_from + Duration::from_secs_f64(d)),
        interval: args.rate.map(|rate| Duration::from_secs_f64(args.connections as f64 / rate)),
        requests: args.requests.filter(|_| duration.is_none()),
        started: AtomicU64::new(0),
        done: AtomicU64::new(0),
        failed: AtomicU64::new(0),
    });
    let mut load = JoinSet::new();
    for (index, client) in clients.into_iter().enumerate() {
        let rng = Rng::new(seed ^ (index as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        // Paced clients start a fraction of an interval apart, so their requests do not arrive in bursts.
        let first = match shared.interval {
            Some(interval) => start + interval.mul_f64(index as f64 / args.connections as f64),
            None => start,
        };
        load.spawn(drive(shared.clone(), index, client, rng, first));
    }
    let bar = progress(args, &shared);
    let mut total = Stats::default();
    let mut last = measure_from;
    let mut ticker = tokio::time::interval(Duration::from_millis(200));
    loop {
        tokio::select! {
            finished = load.join_next() => match finished {
                None => break,
                Some(result) => {
                    let (stats, ended) = result.context("a client task panicked")?;
                    total.merge(&stats);
                    last = last.max(ended);
                }
            },
            _ = ticker.tick() => update(&bar, &shared),
        }
    }
    bar.finish_and_clear();
    let elapsed = last.saturating_duration_since(measure_from);
    let config = json!({
        "transport": if args.stdio { "stdio" } else { "http" },
        "wire": (!args.stdio).then(|| args.wire.name()),
        "targets": if args.stdio { vec![args.bin.display().to_string()] } else { args.url.clone() },
        "connections": args.connections,
        "mix": shared.mix.name,
        "mix_entries": shared.mix.len(),
        "namespace": args.namespace,
        "use_cache": args.use_cache,
        "warmup_s": args.warmup,
        "duration_s": duration,
        "rate": args.rate,
        "requests": shared.requests,
        "timeout_s": args.timeout,
        "seed": seed,
    });
    if total.sent() == 0 {
        bail!(
            "no request was measured: make the run longer (--duration, --requests) or the warm-up shorter"
        );
    }
    Ok(total.to_json(config, elapsed))
}

/// Runs the mix's seed through the first `count` clients (concurrently, each in order); every call must succeed.
async fn seed_store(
    clients: Vec<Client>,
    count: usize,
    mix: &Mix,
    run: &str,
    timeout: Duration,
) -> Result<Vec<Client>> {
    if mix.seed.is_empty() {
        return Ok(clients);
    }
    let mut seeding = JoinSet::new();
    let mut rest = Vec::new();
    for (index, mut client) in clients.into_iter().enumerate() {
        if index >= count {
            rest.push((index, client));
            continue;
        }
        let (seed, run) = (mix.seed.clone(), run.to_owned());
        seeding.spawn(async move {
            for (n, arguments) in seed.iter().enumerate() {
                let arguments =
                    mix::expand(arguments, Vars { run: &run, seq: n as u64, client: index });
                let query = arguments["query"].clone();
                let outcome = client.execute(n as u64 + 1, arguments, timeout).await;
                if !outcome.succeeded() {
                    bail!("seeding failed on client {index}: {query} gave {outcome:?}");
                }
            }
            Ok((index, client))
        });
    }
    while let Some(seeded) = seeding.join_next().await {
        rest.push(seeded.context("a seeding task panicked")??);
    }
    rest.sort_by_key(|(index, _)| *index);
    Ok(rest.into_iter().map(|(_, client)| client).collect())
}

/// One client's load loop: returns what it measured and when its last measured answer came.
async fn drive(
    shared: Arc<Shared>,
    index: usize,
    mut client: Client,
    mut rng: Rng,
    first: Instant,
) -> (Stats, Instant) {
    let mut stats = Stats::default();
    let mut last = shared.measure_from;
    let mut id = 0u64;
    let mut due = first;
    loop {
        if shared.interval.is_some() {
            tokio::time::sleep_until(due).await;
        }
        let now = Instant::now();
        let measured = now >= shared.measure_from;
        if shared.until.is_some_and(|until| now >= until) {
            break;
        }
        if measured
            && let Some(limit) = shared.requests
            && shared.started.fetch_add(1, Ordering::Relaxed) >= limit
        {
            break;
        }
        id += 1;
        let vars = Vars {
            run: &shared.run,
            seq: shared.seq.fetch_add(1, Ordering::Relaxed),
            client: index,
        };
        let arguments = mix::expand(shared.mix.pick(&mut rng), vars);
        // Paced, a request counts from when it was due (it may be sent late if the last answer was late).
        let sent = match shared.interval {
            Some(interval) => {
                let sent = due;
                due += interval;
                sent
            }
            None => Instant::now(),
        };
        let outcome = client.execute(id, arguments, shared.timeout).await;
        let answered = Instant::now();
        if measured {
            stats.record(&outcome, answered - sent);
            last = answered;
            shared.done.fetch_add(1, Ordering::Relaxed);
            if !matches!(outcome, Outcome::Ok(_)) {
                shared.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    client.close().await;
    (stats, last)
}

fn progress(args: &Args, shared: &Shared) -> ProgressBar {
    if args.quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let length = match shared.requests {
        Some(n) => n,
        None => {
            let until = shared.until.expect("a duration when there is no count");
            until.saturating_duration_since(Instant::now()).as_millis() as u64
        }
    };
    let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
    let template = if shared.requests.is_some() {
        "{bar:30} {pos}/{len} requests {msg}"
    } else {
        "{bar:30} {elapsed} {msg}"
    };
    bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
    bar
}

fn update(bar: &ProgressBar, shared: &Shared) {
    let now = Instant::now();
    let done = shared.done.load(Ordering::Relaxed);
    let failed = shared.failed.load(Ordering::Relaxed);
    if now < shared.measure_from {
        bar.set_message(format!(
            "warming up, {:.1} s left",
            (shared.measure_from - now).as_secs_f64()
        ));
        return;
    }
    let seconds = (now - shared.measure_from).as_secs_f64().max(1e-3);
    bar.set_message(format!(
        "{done} answered, {failed} errors, {:.0} req/s",
        done as f64 / seconds
    ));
    match shared.until {
        Some(until) => {
            let total = until.saturating_duration_since(shared.measure_from).as_millis() as u64;
            bar.set_length(total);
            bar.set_position((now - shared.measure_from).as_millis().min(u128::from(total)) as u64);
        }
        None => bar.set_position(done),
    }
}
