use std::process::ExitCode;

use workout_log::server::{Server, config::Config, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("workout_log: configuration error: {err}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init(&config.log_filter);
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
