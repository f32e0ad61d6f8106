//! The integration tests: one binary (one link, one process) that starts the
//! real app on free loopback ports with its own throwaway Redis and database
//! for each test, and drives it over HTTP.

mod common;

mod account;
mod assets;
mod auth;
mod cluster;
mod compression;
mod dashboard;
mod hostile;
mod import;
mod migrations;
mod pages;
mod recovery;
mod resilience;
mod security;
mod startup;
mod training_log;
mod workouts;
