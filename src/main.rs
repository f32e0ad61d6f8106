use std::process::ExitCode;

use workout_log::server::{Server, config::Config, seed, telemetry};

const USAGE: &str = "usage: workout_log [seed]\n  \
    (no argument)  serve the app (configured by environment variables and .env)\n  \
    seed           create or reset the demo account and its sample workouts";

/// See the `mimalloc` entry in Cargo.toml (and docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeding = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => false,
        ["seed"] => true,
        ["-h" | "--help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("workout_log: configuration error: {err}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init(&config.log_filter);
    if seeding {
        return match seed::run(&config).await {
            Ok(count) => {
                println!(
                    "Seeded {count} workouts for {} (password: {:?}) in {}",
                    seed::DEMO_EMAIL,
                    seed::DEMO_PASSWORD,
                    config.database_url
                );
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("workout_log seed: {err}");
                ExitCode::FAILURE
            }
        };
    }
    let server = match Server::build(config).await {
        Ok(server) => server,
        Err(err) => {
            tracing::error!("{err}");
            eprintln!("workout_log: could not start: {err}");
            return ExitCode::FAILURE;
        }
    };
    match server.run(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("workout_log: server error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Ctrl-C or SIGTERM (what `cargo leptos watch` and process managers send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
