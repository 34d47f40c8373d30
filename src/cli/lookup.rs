//! `tarjuman lookup`.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _ctx: &super::Ctx) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`tarjuman lookup` is being built")
}
