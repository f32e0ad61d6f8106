//! Test harness: throwaway Redis and PostgreSQL servers and the real app on
//! free loopback ports, driven over HTTP. Nothing here touches a Redis or
//! database server that is already running on the machine.
#![allow(dead_code)]

// An explicit path, so that the soak test can include this file too.
#[path = "common/postgres.rs"]
mod postgres;
#[path = "common/smtp.rs"]
mod smtp;

pub use postgres::TestPostgres;
pub use smtp::TestSmtp;

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use leptos::config::LeptosOptions;
use reqwest::header::{COOKIE, HeaderMap, SET_COOKIE};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use workout_log::server::Server;
use workout_log::server::config::Config;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `redis-server` of our own on a free port, with its data in a temp dir.
pub struct TestRedis {
    pub port: u16,
    dir: TempDir,
    child: Option<Child>,
    /// Keeps an append-only file, like the Redis that the run command starts.
    persistent: bool,
    /// Runs as a Redis Cluster node (see [`TestRedisCluster`]).
    clustered: bool,
}

impl TestRedis {
    /// A Redis that keeps nothing on disk: a restart empties it.
    pub fn start() -> Self {
        Self::start_with(false)
    }

    /// A Redis with an append-only file (fsync on every write): what it had
    /// before a restart, it has after.
    pub fn start_persistent() -> Self {
        Self::start_with(true)
    }

    fn start_clustered() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut redis = Self {
            port: free_port(),
            dir,
            child: None,
            persistent: false,
            clustered: true,
        };
        redis.spawn();
        redis
    }

    fn start_with(persistent: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut redis = Self {
            port: free_port(),
            dir,
            child: None,
            persistent,
            clustered: false,
        };
        redis.spawn();
        redis
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--protected-mode", "yes"])
            .args(if self.persistent {
                ["--appendonly", "yes", "--appendfsync", "always"]
            } else {
                ["--appendonly", "no", "--appendfsync", "no"]
            })
            .args(if self.clustered {
                &[
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                ][..]
            } else {
                &[][..]
            })
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (the test command installs it)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.cli(&["PING"]).map(|out| out != "PONG").unwrap_or(true) {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Runs a command through `redis-cli`, returning its trimmed output.
    pub fn cli(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .stderr(Stdio::null())
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        (out.status.success() && !text.starts_with("Could not connect")).then_some(text)
    }

    pub fn keys(&self) -> Vec<String> {
        let out = self.cli(&["--scan"]).unwrap_or_default();
        out.lines()
            .map(str::to_owned)
            .filter(|k| !k.is_empty())
            .collect()
    }

    /// Session records only: not the per-user session indexes nor the login
    /// throttle's counters.
    pub fn session_keys(&self) -> Vec<String> {
        self.keys()
            .into_iter()
            .filter(|k| {
                !k.starts_with("user-sessions:")
                    && !k.starts_with("login-throttle:")
                    && !k.starts_with("mail-throttle:")
            })
            .collect()
    }

    /// Writes Redis has applied so far (its "dirty" counter: every command
    /// that changed data counts, no read does; nothing here ever saves, so
    /// it only grows).
    pub fn writes(&self) -> u64 {
        let info = self.cli(&["INFO", "persistence"]).unwrap();
        info.lines()
            .find_map(|line| line.strip_prefix("rdb_changes_since_last_save:"))
            .and_then(|value| value.trim().parse().ok())
            .expect("INFO persistence reports rdb_changes_since_last_save")
    }

    pub fn ttl(&self, key: &str) -> i64 {
        self.cli(&["TTL", key]).unwrap().parse().unwrap()
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (empty unless it is persistent).
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// Stops the process without closing its connections (SIGSTOP): Redis
    /// hangs, the worst kind of outage for a client.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("redis is running").id();
        let status = Command::new("kill")
            .arg(signal)
            .arg(pid.to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.signal("-CONT");
        }
        self.stop();
    }
}

/// The database a test runs against. Every test that touches the database
/// runs once on each (see [`crate::on_both_databases`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The app's database for one deployment: an SQLite file in a temp dir, or a
/// PostgreSQL server of the test's own.
pub enum TestDatabase {
    Sqlite(TempDir),
    Postgres(TestPostgres),
}

impl TestDatabase {
    pub fn start(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::Sqlite(tempfile::tempdir().unwrap()),
            Backend::Postgres => Self::Postgres(TestPostgres::start()),
        }
    }

    pub fn url(&self) -> String {
        match self {
            Self::Sqlite(dir) => format!("sqlite://{}", dir.path().join("test.db").display()),
            Self::Postgres(pg) => pg.url(),
        }
    }

    /// Rows in `table`, read straight from the database.
    pub async fn count_rows(&self, table: &str) -> i64 {
        let pool = self.connect().await;
        let count = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        count
    }

    /// A direct connection (not through the app), to check what was stored.
    pub async fn connect(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::pool::PoolOptions::<sqlx::Any>::new()
            .max_connections(1)
            // No reaper task (see the app's pools in server::db).
            .idle_timeout(None)
            .max_lifetime(None)
            // An SQLite file is created if the app has not yet.
            .connect(&match self {
                Self::Sqlite(_) => format!("{}?mode=rwc", self.url()),
                Self::Postgres(_) => self.url(),
            })
            .await
            .unwrap()
    }
}

/// Every field of a workout row as the Any driver can read it on either
/// backend (integers as BIGINT, a missing value as -1), `created_at` aside.
pub const WORKOUT_FIELDS: &str = "CAST(id AS BIGINT), CAST(user_id AS BIGINT), \
     CAST(date AS TEXT), CAST(COALESCE(duration_minutes, -1) AS BIGINT), notes, title, \
     CAST(COALESCE(start_minute, -1) AS BIGINT)";

/// A workout row as [`WORKOUT_FIELDS`] reads it.
pub type WorkoutRow = (i64, i64, String, i64, String, String, i64);

/// The columns of the training log's other tables, as [`text_rows`] reads them.
pub const ENTRY_COLUMNS: &[&str] = &["id", "workout_id", "user_id", "position", "exercise_id"];
pub const SET_COLUMNS: &[&str] = &[
    "id",
    "entry_id",
    "position",
    "set_type",
    "reps",
    "weight_g",
    "rpe_halves",
    "duration_s",
    "distance_m",
    "record",
];
pub const EXERCISE_COLUMNS: &[&str] = &["id", "user_id", "name", "name_key", "exercise_type"];

/// Every row of `table` (ordered by `id`), each as its `columns` joined by
/// `|`, a NULL as `-`: a shape both backends read alike.
pub async fn text_rows(pool: &sqlx::AnyPool, table: &str, columns: &[&str]) -> Vec<String> {
    let line = columns
        .iter()
        .map(|column| format!("COALESCE(CAST({column} AS TEXT), '-')"))
        .collect::<Vec<_>>()
        .join(" || '|' || ");
    sqlx::query_scalar(&format!("SELECT {line} FROM {table} ORDER BY id"))
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Settings that outlive one app process: what a redeploy keeps.
pub struct Deployment {
    pub redis: TestRedis,
    pub db: TestDatabase,
    pub vars: HashMap<String, String>,
}

impl Deployment {
    pub fn new(backend: Backend) -> Self {
        Self::with_redis(backend, TestRedis::start())
    }

    pub fn with_redis(backend: Backend, redis: TestRedis) -> Self {
        Self::with_database(TestDatabase::start(backend), redis)
    }

    /// A deployment over a database the test prepared (an earlier schema).
    pub fn with_database(db: TestDatabase, redis: TestRedis) -> Self {
        let secret = base64::engine::general_purpose::STANDARD.encode(rand_bytes());
        let mut vars = HashMap::new();
        vars.insert("REDIS_URL".into(), redis.url());
        vars.insert("DATABASE_URL".into(), db.url());
        vars.insert("SESSION_SECRET".into(), secret);
        vars.insert("COOKIE_SECURE".into(), "false".into());
        Self { redis, db, vars }
    }

    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// Rows in `table`, read straight from the database.
    pub async fn count_rows(&self, table: &str) -> i64 {
        self.db.count_rows(table).await
    }

    pub async fn user_count(&self) -> i64 {
        self.count_rows("users").await
    }

    pub async fn workout_count(&self) -> i64 {
        self.count_rows("workouts").await
    }

    /// Everything a refused request must leave as it was: every row of
    /// every table, and every Redis key with its value. Left out: what
    /// records the refusal itself (a failed login's audit event, the
    /// throttles' counters), and the mail worker's own bookkeeping on a
    /// queued message (its attempts and delivery time change by themselves).
    pub async fn snapshot(&self) -> Snapshot {
        let pool = self.db.connect().await;
        // Every integer as BIGINT: the Any driver decodes PostgreSQL's
        // INTEGER only as i32.
        let users = sqlx::query_as(
            "SELECT CAST(id AS BIGINT), email, password_hash FROM users ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let workouts = sqlx::query_as(&format!(
            "SELECT {WORKOUT_FIELDS} FROM workouts ORDER BY id"
        ))
        .fetch_all(&pool)
        .await
        .unwrap();
        let training_log = [
            text_rows(&pool, "workout_entries", ENTRY_COLUMNS).await,
            text_rows(&pool, "workout_sets", SET_COLUMNS).await,
            text_rows(&pool, "exercises", EXERCISE_COLUMNS).await,
            text_rows(&pool, "users", &["id", "weight_unit", "distance_unit"]).await,
        ];
        let audit = sqlx::query_as(
            "SELECT CAST(id AS BIGINT), CAST(user_id AS BIGINT), CAST(at AS BIGINT), kind, ip \
             FROM audit_events \
             WHERE kind <> 'login_failed' ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let tokens = sqlx::query_as(
            "SELECT token_hash, CAST(user_id AS BIGINT), purpose, email, CAST(expires_at AS BIGINT) \
             FROM email_tokens ORDER BY token_hash",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let outbox = sqlx::query_as(
            "SELECT CAST(id AS BIGINT), recipient, subject, body FROM mail_outbox ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let confirmed = sqlx::query_as(
            "SELECT CAST(id AS BIGINT), CAST(COALESCE(email_confirmed_at, -1) AS BIGINT) FROM users ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        // Every key and its serialised value, in one round trip.
        let redis = self
            .redis
            .cli(&[
                "EVAL",
                "local out = {} \
                 for _, key in ipairs(redis.call('KEYS', '*')) do \
                   if not string.find(key, '^login%-throttle:') and not string.find(key, '^mail%-throttle:') then \
                     table.insert(out, key .. '=' .. redis.call('DUMP', key)) \
                   end \
                 end \
                 table.sort(out) \
                 return out",
                "0",
            ])
            .unwrap_or_default();
        Snapshot {
            users,
            confirmed,
            workouts,
            training_log,
            audit,
            tokens,
            outbox,
            redis,
        }
    }

    /// Deletes a user behind the app's back (an operator, another service).
    pub async fn delete_user(&self, email: &str) {
        let pool = self.db.connect().await;
        sqlx::query("DELETE FROM users WHERE email = $1")
            .bind(email)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }

    pub async fn spawn_app(&self) -> TestApp {
        let options = LeptosOptions::builder()
            .output_name("workout_log")
            .site_root("target/site")
            .site_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .build();
        self.spawn_app_with(options).await
    }

    /// The app as production runs it (`LEPTOS_ENV=PROD`), with its client
    /// bundle in `<site_root>/pkg`.
    pub async fn spawn_production_app(&self, site_root: &std::path::Path) -> TestApp {
        let options = LeptosOptions::builder()
            .output_name("workout_log")
            .site_root(site_root.to_string_lossy().into_owned())
            .site_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .env(leptos::config::Env::PROD)
            .build();
        self.spawn_app_with(options).await
    }

    async fn spawn_app_with(&self, options: LeptosOptions) -> TestApp {
        // Production requires mail settings: unless the test gave its own,
        // mail goes to a port nobody listens on (it waits, and is retried).
        let production_mail = |name: &str| match name {
            "SMTP_URL" => Some("smtp://127.0.0.1:9?tls=none".to_owned()),
            "MAIL_FROM" => Some("Workout log <no-reply@example.com>".to_owned()),
            "PUBLIC_URL" => Some("https://log.example.com".to_owned()),
            _ => None,
        };
        let production = options.env == leptos::config::Env::PROD;
        let config = Config::parse(options, |name| {
            self.vars
                .get(name)
                .cloned()
                .or_else(|| production.then(|| production_mail(name)).flatten())
        })
        .expect("valid test config");
        let server = Server::build(config).await.expect("app starts");
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .run(async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        TestApp {
            addr,
            stop: Some(stop),
            task: Some(task),
            client: client(),
        }
    }
}

fn rand_bytes() -> [u8; 64] {
    let mut bytes = [0u8; 64];
    let mut file = std::fs::File::open("/dev/urandom").unwrap();
    std::io::Read::read_exact(&mut file, &mut bytes).unwrap();
    bytes
}

/// A client that follows no redirects and keeps no cookies: tests see exactly
/// what the server sends.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

pub struct TestApp {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    pub client: reqwest::Client,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Calls a server function the way a script would: a form-encoded POST.
    pub async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).form(form);
        if let Some(cookie) = cookie {
            req = req.header(COOKIE, cookie);
        }
        req.send().await.unwrap()
    }

    /// What a browser sends when it submits a form with JavaScript off: it
    /// accepts HTML and names the page the form was on.
    pub async fn plain_form_post(
        &self,
        path: &str,
        referer: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url(path))
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", self.url(referer))
            .form(form);
        if let Some(cookie) = cookie {
            req = req.header(COOKIE, cookie);
        }
        req.send().await.unwrap()
    }

    /// A browser navigation: `Accept: text/html`.
    pub async fn get_page(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut req = self
            .client
            .get(self.url(path))
            .header("accept", "text/html");
        if let Some(cookie) = cookie {
            req = req.header(COOKIE, cookie);
        }
        req.send().await.unwrap()
    }

    pub async fn signup(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "/api/signup",
            &[("email", email), ("password", password)],
            None,
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "/api/login",
            &[("email", email), ("password", password)],
            None,
        )
        .await
    }

    pub async fn me(&self, cookie: Option<&str>) -> reqwest::Response {
        self.post_form("/api/me", &[], cookie).await
    }

    /// Signs up and returns the `name=value` session cookie.
    pub async fn signed_up_cookie(&self, email: &str) -> String {
        let res = self.signup(email, "correct horse battery").await;
        assert_eq!(
            res.status(),
            200,
            "signup failed: {}",
            res.text().await.unwrap()
        );
        session_cookie(res.headers())
            .expect("signup sets a session cookie")
            .pair()
    }

    /// Stops the app the way a redeploy does: finish requests, close connections.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }
}

/// One parsed `Set-Cookie` header.
#[derive(Debug, Clone)]
pub struct SetCookie {
    pub name: String,
    pub value: String,
    pub attributes: Vec<String>,
}

impl SetCookie {
    pub fn pair(&self) -> String {
        format!("{}={}", self.name, self.value)
    }

    pub fn has(&self, attribute: &str) -> bool {
        self.attributes
            .iter()
            .any(|a| a.eq_ignore_ascii_case(attribute))
    }

    pub fn attribute(&self, name: &str) -> Option<String> {
        self.attributes.iter().find_map(|a| {
            let (key, value) = a.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }

    /// True for the cookie that tells a browser to forget the session.
    pub fn is_removal(&self) -> bool {
        self.attribute("Max-Age").as_deref() == Some("0") || self.value.is_empty()
    }
}

pub fn set_cookies(headers: &HeaderMap) -> Vec<SetCookie> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| {
            let text = value.to_str().unwrap();
            let mut parts = text.split(';').map(str::trim);
            let (name, value) = parts.next().unwrap().split_once('=').unwrap();
            SetCookie {
                name: name.into(),
                value: value.into(),
                attributes: parts.map(str::to_owned).collect(),
            }
        })
        .collect()
}

pub fn session_cookie(headers: &HeaderMap) -> Option<SetCookie> {
    set_cookies(headers)
        .into_iter()
        .find(|c| c.name.ends_with("workout_session"))
}

/// Declares the listed `async fn name(backend: Backend)` tests twice, as
/// `sqlite::name` and `postgres::name`. A test left out of the list is dead
/// code, which the lints refuse.
#[macro_export]
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::common::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::common::Backend::Postgres).await
                }
            )*
        }
    };
}

/// A three-master Redis Cluster of our own: three `redis-server`s in cluster
/// mode on free ports, joined with `redis-cli --cluster create`.
pub struct TestRedisCluster {
    pub nodes: Vec<TestRedis>,
}

impl TestRedisCluster {
    pub fn start() -> Self {
        let nodes: Vec<TestRedis> = (0..3).map(|_| TestRedis::start_clustered()).collect();
        let addresses: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let out = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "redis-cli --cluster create: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        while !nodes.iter().all(|n| {
            n.cli(&["CLUSTER", "INFO"])
                .is_some_and(|info| info.contains("cluster_state:ok"))
        }) {
            assert!(Instant::now() < deadline, "the cluster never became ok");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { nodes }
    }

    /// The form fred understands: one node in the authority, the others as
    /// `node` parameters.
    pub fn url(&self) -> String {
        let first = self.nodes[0].port;
        let others: Vec<String> = self.nodes[1..]
            .iter()
            .map(|n| format!("node=127.0.0.1:{}", n.port))
            .collect();
        format!("redis-cluster://127.0.0.1:{first}?{}", others.join("&"))
    }

    /// Every key on every master.
    pub fn keys(&self) -> Vec<String> {
        self.nodes.iter().flat_map(TestRedis::keys).collect()
    }
}

/// A Redis Sentinel of our own that watches one master as `mymaster`.
pub struct TestSentinel {
    pub port: u16,
    dir: TempDir,
    child: Child,
}

impl TestSentinel {
    pub fn start(master_port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        // Sentinel rewrites its configuration file, so it gets one of its own.
        let conf = dir.path().join("sentinel.conf");
        std::fs::write(
            &conf,
            format!(
                "port {port}\nbind 127.0.0.1\ndir {}\nsentinel monitor mymaster 127.0.0.1 {master_port} 1\n",
                dir.path().display()
            ),
        )
        .unwrap();
        let child = Command::new("redis-server")
            .arg(&conf)
            .arg("--sentinel")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let sentinel = Self { port, dir, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = Command::new("redis-cli")
                .args([
                    "-p",
                    &port.to_string(),
                    "SENTINEL",
                    "get-master-addr-by-name",
                    "mymaster",
                ])
                .output()
                .unwrap();
            if String::from_utf8_lossy(&out.stdout).contains(&master_port.to_string()) {
                break;
            }
            assert!(Instant::now() < deadline, "the sentinel did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        sentinel
    }
}

impl Drop for TestSentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The app's session records in `redis_url`, read and written directly.
pub async fn session_store(
    redis_url: &str,
) -> tower_sessions_redis_store::RedisStore<tower_sessions_redis_store::fred::prelude::Pool> {
    use tower_sessions_redis_store::fred::prelude::{ClientLike as _, Config, Pool};
    let pool = Pool::new(Config::from_url(redis_url).unwrap(), None, None, None, 1).unwrap();
    pool.init().await.unwrap();
    tower_sessions_redis_store::RedisStore::new(pool)
}

pub fn session_id(key: &str) -> tower_sessions::session::Id {
    std::str::FromStr::from_str(key).unwrap()
}

/// See [`Deployment::snapshot`].
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    users: Vec<(i64, String, String)>,
    confirmed: Vec<(i64, i64)>,
    tokens: Vec<(String, i64, String, String, i64)>,
    outbox: Vec<(i64, String, String, String)>,
    workouts: Vec<WorkoutRow>,
    /// Entries, sets, the catalogue and each user's units.
    training_log: [Vec<String>; 4],
    audit: Vec<(i64, i64, i64, String, String)>,
    redis: String,
}
