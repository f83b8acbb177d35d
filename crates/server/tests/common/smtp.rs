//! A real SMTP server on localhost for the tests: Python's aiosmtpd keeping every
//! message in a maildir, read back with Python's `email` and `icalendar` packages.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const READ: &str = r#"
import json, os, sys, email, email.policy
import icalendar
out = []
for sub in ("new", "cur"):
    d = os.path.join(sys.argv[1], sub)
    if not os.path.isdir(d):
        continue
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        rec = {"to": str(m["To"]), "from": str(m["From"]), "subject": str(m["Subject"]),
               "message_id": str(m["Message-ID"]), "text": "", "ics": None}
        for part in m.walk():
            kind = part.get_content_type()
            if kind == "text/plain" and not rec["text"]:
                rec["text"] = part.get_content()
            elif kind == "text/calendar":
                cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
                ev = list(cal.walk("VEVENT"))[0]
                rec["ics"] = {
                    "method": str(cal.get("METHOD")),
                    "part_method": part.get_param("method"),
                    "uid": str(ev["UID"]),
                    "sequence": int(ev.get("SEQUENCE", 0)),
                    "status": str(ev.get("STATUS", "")),
                    "start": ev.decoded("DTSTART").isoformat(),
                    "organizer": str(ev.get("ORGANIZER", "")),
                    "attendee": str(ev.get("ATTENDEE", "")),
                }
        out.append(rec)
print(json.dumps(out))
"#;

/// A Python that has aiosmtpd and icalendar.
pub fn python() -> Option<&'static str> {
    let found = ["python3", "/usr/bin/python3"].into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import aiosmtpd, icalendar"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("KNEADTIME_REQUIRE_SMTP").is_none(),
            "KNEADTIME_REQUIRE_SMTP is set but no python3 can import aiosmtpd and icalendar"
        );
        println!(
            "skipped: no python3 with aiosmtpd and icalendar (apt-get install python3-aiosmtpd python3-icalendar)"
        );
    }
    found
}

/// A port nothing listens on (yet).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A mail server that is down: its port held (so no other test's server takes it), each
/// connection closed before a greeting.
pub struct Down {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Down {
    pub fn start() -> Down {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                drop(conn);
                if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
            }
        });
        Down {
            port,
            stop,
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Lets the port go, for a server to come up on it.
    pub fn stop(mut self) -> u16 {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        self.port
    }
}

/// An SMTP server on localhost that keeps every message it takes in a maildir.
pub struct Sink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    python: &'static str,
}

impl Sink {
    pub fn start(python: &'static str, port: u16) -> Sink {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("mail");
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on {port}"
            );
            std::thread::yield_now();
            std::thread::sleep(Duration::from_millis(20));
        }
        Sink {
            child,
            port,
            dir,
            python,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, parsed.
    pub fn messages(&self) -> Vec<Value> {
        let out = Command::new(self.python)
            .args(["-c", READ])
            .arg(self.dir.path().join("mail"))
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    /// Waits (up to 30 s) until `n` messages match `pick`, and returns them.
    pub async fn wait_for(&self, n: usize, pick: impl Fn(&Value) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got: Vec<Value> = self.messages().into_iter().filter(|m| pick(m)).collect();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "waited 30 s for {n} messages; have {}: {:#?}",
                got.len(),
                self.messages()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn mail_to(sink: &Sink) -> impl FnOnce(&mut kneadtime_server::Config) + '_ {
    move |c| {
        let url = sink.url();
        c.apply_env(|k| match k {
            "KNEADTIME_SMTP_URL" => Some(url.clone()),
            "KNEADTIME_MAIL_FROM" => Some("desk@clinic.test".into()),
            _ => None,
        })
        .unwrap();
    }
}

/// A message's subject.
pub fn subject(m: &Value) -> &str {
    m["subject"].as_str().unwrap_or("")
}

/// The sign-in link in an email's text.
pub fn link_in(text: &str, base: &str) -> String {
    let start = text
        .find(&format!("{base}/signin/"))
        .unwrap_or_else(|| panic!("no sign-in link in:\n{text}"));
    text[start..].split_whitespace().next().unwrap().to_string()
}
