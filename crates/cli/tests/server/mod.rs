//! Runs `kneadtime serve` as a process for the tests: start on port 0 and read where it
//! listens, a minimal HTTP client, SIGTERM, and fresh folders.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kneadtime"))
}

/// A minimal HTTP/1.1 client: one request per connection.
pub fn http(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, String) {
    try_http(base, method, path, token, body, &[]).expect("the server answers")
}

/// One request; `None` when the connection fails or breaks before a whole answer.
pub fn try_http(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Option<(u16, String)> {
    let host = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split(' ').nth(1).and_then(|c| c.parse().ok())?;
    let (_, body) = out.split_once("\r\n\r\n")?;
    Some((status, body.to_string()))
}

pub fn json_of(body: &str) -> Value {
    // Bodies may be chunked; the JSON is the part between the first '{' or '[' and the last '}' or ']'.
    let start = body.find(['{', '[']).unwrap_or(0);
    let end = body.rfind(['}', ']']).map(|e| e + 1).unwrap_or(body.len());
    serde_json::from_str(&body[start..end]).unwrap_or(Value::Null)
}

pub struct Server {
    pub child: Child,
    pub base: String,
    pub setup_token: Option<String>,
    pub stdout_lines: Vec<String>,
}

pub fn start(db: &str, extra: &[&str]) -> Server {
    let mut child = bin()
        .args(["serve", "--addr", "127.0.0.1:0", "--db", db])
        .args(extra)
        .env_remove("KNEADTIME_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent-kneadtime-test")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    let mut base = None;
    let mut setup_token = None;
    let mut expect_token = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        let line = line.trim_end().to_string();
        if let Some(url) = line.strip_prefix("kneadtime clinic server listening on ") {
            base = Some(url.to_string());
        }
        if expect_token {
            setup_token = Some(line.trim().to_string());
            expect_token = false;
        }
        if line.starts_with("first run:") {
            expect_token = true;
        }
        let done = line.starts_with("API description:");
        lines.push(line);
        if done {
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
    });
    Server {
        child,
        base: base.expect("the server says where it listens"),
        setup_token,
        stdout_lines: lines,
    }
}

pub fn terminate(mut s: Server) -> (std::process::ExitStatus, String) {
    let pid = s.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut err = String::new();
    s.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (s.child.wait().unwrap(), err)
}

/// A fresh folder under the target directory (removed by the next `cargo clean`).
pub fn tempfile_dir() -> String {
    let base = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let mut b = [0u8; 8];
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    b.copy_from_slice(&(t as u64 ^ std::process::id() as u64).to_le_bytes());
    let name: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let p = base.join(format!("serve-{name}"));
    std::fs::create_dir_all(&p).unwrap();
    p.display().to_string()
}
