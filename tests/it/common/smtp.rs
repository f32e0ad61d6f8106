//! A throwaway SMTP server of the test's own (`tests/smtp_server.py`, on
//! Debian's aiosmtpd) on a free loopback port: what the app sends is read
//! back from the file it writes.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;
use tempfile::TempDir;

use super::free_port;

/// One message the server received.
#[derive(Debug, Clone, Deserialize)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub from: String,
    pub subject: String,
    pub text: String,
}

impl ReceivedMail {
    /// The links in the text.
    pub fn links(&self) -> Vec<String> {
        self.text
            .split_whitespace()
            .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
            .map(str::to_owned)
            .collect()
    }

    /// The `token` of the first link that carries one.
    pub fn token(&self) -> String {
        self.links()
            .iter()
            .find_map(|link| link.split_once("token=").map(|(_, t)| t.to_owned()))
            .unwrap_or_else(|| panic!("no token in {self:?}"))
    }
}

pub struct TestSmtp {
    pub port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl TestSmtp {
    /// A server, running.
    pub fn start() -> Self {
        let mut smtp = Self::down();
        smtp.start_now();
        smtp
    }

    /// A free port with no server on it yet (an SMTP server that is down);
    /// [`Self::start_now`] starts it there.
    pub fn down() -> Self {
        Self {
            port: free_port(),
            dir: tempfile::tempdir().unwrap(),
            child: None,
        }
    }

    /// What the app's `SMTP_URL` is: plain SMTP, allowed on loopback only.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("mail.jsonl")
    }

    /// Starts the server on its port. A restart after [`Self::stop`] may find
    /// the port held for a moment by another test's free-port probe (a port
    /// is free to anyone while the server is down), so it tries again for a
    /// few seconds before giving up.
    pub fn start_now(&mut self) {
        for _ in 0..50 {
            if let Some(child) = self.spawn() {
                self.child = Some(child);
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the SMTP server did not start on port {}", self.port);
    }

    /// The server, once it says it is ready; `None` if it exited first.
    fn spawn(&self) -> Option<Child> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_server.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .args(["--port", &self.port.to_string()])
            .arg("--out")
            .arg(self.out())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3-aiosmtpd must be installed (the test command installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if line.trim() == "ready" {
            Some(child)
        } else {
            let _ = child.wait();
            None
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let text = std::fs::read_to_string(self.out()).unwrap_or_default();
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// Messages to `to`, oldest first.
    pub fn messages_to(&self, to: &str) -> Vec<ReceivedMail> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == to))
            .collect()
    }

    /// Waits (up to 15 s) until `to` has received `count` messages, and
    /// returns the last.
    pub async fn wait_for(&self, to: &str, count: usize) -> ReceivedMail {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let messages = self.messages_to(to);
            if messages.len() >= count {
                return messages[count - 1].clone();
            }
            assert!(
                Instant::now() < deadline,
                "{to} got {} of {count} messages: {:?}",
                messages.len(),
                self.messages()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for TestSmtp {
    fn drop(&mut self) {
        self.stop();
    }
}
