//! A scratch PostgreSQL database per test, on the server named by
//! `TARJUMAN_TEST_PG` (tests/postgres/run.sh starts a throwaway one and
//! sets it). Without it, `scratch` says the test was skipped and why.

use std::sync::atomic::{AtomicU32, Ordering};

/// The variable that names the test server.
pub const VAR: &str = "TARJUMAN_TEST_PG";

/// A database of its own for one test, dropped at the end.
pub struct ScratchDb {
    pub url: String,
    admin: String,
    name: String,
}

/// A fresh empty database on the test server, or `None` (after saying
/// so on stderr) when no server was given.
pub fn scratch(test: &str) -> Option<ScratchDb> {
    let Ok(admin) = std::env::var(VAR) else {
        // Past the test harness's capture, so that `cargo test` shows it.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "skipped {test}: PostgreSQL tests need {VAR}=postgres://… (tests/postgres/run.sh starts a throwaway server and sets it)"
        );
        return None;
    };
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "t_{}_{}_{}",
        test.to_ascii_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let name: String = name.chars().take(63).collect();
    let mut client = postgres::Client::connect(&admin, postgres::NoTls)
        .unwrap_or_else(|e| panic!("{VAR}={admin}: cannot connect: {e}"));
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    Some(ScratchDb {
        url: with_database(&admin, &name),
        admin,
        name,
    })
}

/// `url` naming database `db` instead of its own.
pub fn with_database(url: &str, db: &str) -> String {
    let start = url.find("://").expect("a URL") + 3;
    let path = url[start..].find('/').map_or(url.len(), |i| start + i);
    let end = url[path..].find('?').map_or(url.len(), |i| path + i);
    format!("{}/{db}{}", &url[..path], &url[end..])
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
