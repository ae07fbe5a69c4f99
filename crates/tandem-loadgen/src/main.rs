//! `tandem-loadgen`: the load generator of Tandem. It drives a running server over its public
//! interfaces only (REST API, provider webhooks, WebSockets) with simulated customers and
//! agents, and reports throughput, latencies, errors and server memory (see README.md); it also
//! plays a webhook provider under faults (duplicates, re-delivery, fail-over) and sums sweeps up.

mod address;
mod agent;
mod api;
mod board;
mod cli;
mod customer;
mod delivery;
mod failure;
mod handover;
mod idle;
mod ledger;
mod load;
mod phrases;
mod plot;
mod process;
mod provider;
mod receiver;
mod recorder;
mod report;
mod rng;
mod run;
mod scenario;
mod schedule;
mod setup;
mod signature;
mod sweep;
mod table;
mod whatsapp;
mod widget;
mod world;

use std::path::Path;

use anyhow::Context;
use clap::Parser;
use serde::Serialize;

use crate::cli::{Cli, Command};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    raise_open_files_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.workers.max(1))
        .enable_all()
        .build()
        .context("starting the runtime")?;
    match cli.command {
        Command::Run(args) => {
            let (json, ledger) = (args.json.clone(), args.ledger.clone());
            let (report, ledger_file) = runtime.block_on(run::run(*args))?;
            print!("{}", table::run_table(&report));
            write_json(json.as_deref(), &report)?;
            write_json(ledger.as_deref(), &ledger_file)?;
        }
        Command::IdleWidgets(args) => {
            let json = args.json.clone();
            let report = runtime.block_on(idle::idle_widgets(args))?;
            print!("{}", table::idle_table(&report));
            write_json(json.as_deref(), &report)?;
        }
        Command::SweepReport(args) => {
            let points = sweep::read_points(&args.runs)?;
            let table = sweep::markdown_table(&args.title, &points);
            print!("{table}");
            write_file(&args.table, &table)?;
            if let Some(svg) = &args.svg {
                write_file(svg, &plot::sweep_svg(&args.title, &points))?;
            }
        }
    }
    // Background tasks (sockets, the receiver) end with the runtime, without waiting for them.
    runtime.shutdown_background();
    Ok(())
}

/// Thousands of sockets need file descriptors: take the soft limit up to the hard one.
fn raise_open_files_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => eprintln!("open files limit: {limit}"),
        Err(error) => eprintln!("could not raise the open files limit: {error}"),
    }
}

fn write_json(path: Option<&Path>, report: &impl Serialize) -> anyhow::Result<()> {
    let Some(path) = path else {
        return Ok(());
    };
    let json = serde_json::to_string_pretty(report)?;
    write_file(path, &(json + "\n"))
}

fn write_file(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))
}
