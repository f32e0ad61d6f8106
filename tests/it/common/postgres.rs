//! A PostgreSQL server of the test's own, from Debian's binaries (`initdb`,
//! `pg_ctl`): its own data directory, a free loopback port and a socket
//! directory nobody else uses. It never touches a server already running.

use std::os::unix::fs::{PermissionsExt, chown};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use tempfile::TempDir;

use super::free_port;

pub struct TestPostgres {
    pub port: u16,
    dir: TempDir,
    running: bool,
}

impl TestPostgres {
    /// A fresh, empty server with a `workout_log` database, ready for queries.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        // Copying an initialised cluster is much faster than running initdb
        // for every test.
        copy_dir(template(), &data_dir(dir.path()));
        let mut pg = Self {
            port: free_port(),
            dir,
            running: false,
        };
        make_owned_by_server_user(pg.dir.path());
        pg.spawn();
        pg.psql("postgres", "CREATE DATABASE workout_log");
        pg
    }

    pub fn url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/workout_log?sslmode=disable",
            self.port
        )
    }

    fn spawn(&mut self) {
        let options = format!(
            "-p {port} -k {socket} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=16MB \
             -c max_connections=60",
            port = self.port,
            socket = self.dir.path().display(),
        );
        let status = as_server_user(&bin("pg_ctl"))
            .arg("start")
            .arg("--wait")
            .arg("--timeout=30")
            .arg("-D")
            .arg(data_dir(self.dir.path()))
            .arg("-l")
            .arg(self.dir.path().join("server.log"))
            .arg("-o")
            .arg(options)
            .stdout(Stdio::null())
            .status()
            .expect("pg_ctl must be installed (the test command installs PostgreSQL)");
        assert!(
            status.success(),
            "PostgreSQL did not start on port {}: {}",
            self.port,
            std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
        );
        self.running = true;
    }

    /// Stops the server at once (`immediate`: like a crash, no checkpoint).
    pub fn stop(&mut self) {
        if self.running {
            let _ = as_server_user(&bin("pg_ctl"))
                .args(["stop", "--wait", "-m", "immediate", "-D"])
                .arg(data_dir(self.dir.path()))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            self.running = false;
        }
    }

    /// Starts it again on the same port, with the same data.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// Runs SQL through `psql` as the superuser, over the private socket.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let out = Command::new(bin("psql"))
            .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"])
            .arg("-h")
            .arg(self.dir.path())
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                database,
            ])
            .args(["-c", sql])
            .output()
            .expect("psql must be installed");
        assert!(
            out.status.success(),
            "psql {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

fn data_dir(root: &Path) -> PathBuf {
    root.join("data")
}

/// An initialised cluster, made once per machine (kept under Cargo's target
/// directory) and copied by every test.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let version = Command::new(bin("initdb"))
            .arg("--version")
            .output()
            .map(|out| {
                String::from_utf8_lossy(&out.stdout)
                    .trim()
                    .replace(' ', "_")
            })
            .expect("initdb must be installed (the test command installs PostgreSQL)");
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pg-template-{version}"));
        if path.join("PG_VERSION").exists() {
            return path;
        }
        // initdb into a private directory, then rename: another test process
        // making the same template at the same time cannot see half of it.
        let staging = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        make_owned_by_server_user(staging.path());
        let cluster = staging.path().join("data");
        let out = as_server_user(&bin("initdb"))
            .args([
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "-D",
            ])
            .arg(&cluster)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if std::fs::rename(&cluster, &path).is_err() {
            assert!(path.join("PG_VERSION").exists(), "template lost in a race");
        }
        path
    })
}

fn copy_dir(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success(), "copying the PostgreSQL template failed");
}

/// PostgreSQL refuses to run as root. When the tests run as root (CI,
/// containers), the server runs as the `postgres` user that Debian's package
/// creates; otherwise as the current user.
fn server_user() -> Option<(u32, u32)> {
    static USER: OnceLock<Option<(u32, u32)>> = OnceLock::new();
    *USER.get_or_init(|| {
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|out| out.stdout.trim_ascii() == b"0")
            .unwrap_or(false);
        if !is_root {
            return None;
        }
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
        let entry = passwd
            .lines()
            .find(|line| line.starts_with("postgres:"))
            .expect("running as root needs the `postgres` user of Debian's PostgreSQL package");
        let fields: Vec<&str> = entry.split(':').collect();
        Some((fields[2].parse().unwrap(), fields[3].parse().unwrap()))
    })
}

fn as_server_user(program: &Path) -> Command {
    match server_user() {
        // setpriv execs the program itself (no extra parent process).
        Some((uid, gid)) => {
            let mut command = Command::new("setpriv");
            command
                .arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .arg("--clear-groups")
                .arg(program);
            command
        }
        None => Command::new(program),
    }
}

fn make_owned_by_server_user(path: &Path) {
    if let Some((uid, gid)) = server_user() {
        let status = Command::new("chown")
            .arg("-R")
            .arg(format!("{uid}:{gid}"))
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
        chown(path, Some(uid), Some(gid)).unwrap();
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).unwrap();
}

/// Debian keeps the server binaries under /usr/lib/postgresql/<major>/bin,
/// off the PATH; `PG_BIN_DIR` overrides, and the PATH is the last resort.
fn bin(name: &str) -> PathBuf {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("PG_BIN_DIR") {
            return Some(PathBuf::from(dir));
        }
        let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let major = entry.file_name().to_str()?.parse().ok()?;
                let bin = entry.path().join("bin");
                bin.join("initdb").exists().then_some((major, bin))
            })
            .collect();
        versions.sort();
        versions.pop().map(|(_, bin)| bin)
    });
    match dir {
        Some(dir) => dir.join(name),
        None => PathBuf::from(name),
    }
}
