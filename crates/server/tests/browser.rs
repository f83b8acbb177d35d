//! The pages in a real browser: headless Chromium driven through chromedriver. A runner
//! plans a season from the example marathon calendar; a client books the top recommended
//! slot; a second client's booking of the same slot is refused, and so is a race-eve
//! time; a therapist records session notes that then show in the client's history. A
//! newcomer books, signs in on another device by emailed link and moves the booking,
//! with the mail read back from a real SMTP server. A runner joins the waitlist for
//! their pre-race window and takes the time a cancellation frees. A therapist writes,
//! signs and amends a note; after four visits with rising hill work the calf hint shows
//! on both sides, and the client ticks the homework their therapist gave.
//! Screenshots of each page go to target/screenshots/ for people to look at.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Srv, T1_PASSWORD, T2_PASSWORD, add_days, world};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

struct Driver {
    child: Child,
    url: String,
    profiles: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver() -> Option<String> {
    let cmd = std::env::var("KNEADTIME_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    Command::new(&cmd)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| cmd)
}

fn start_driver() -> Option<Driver> {
    let Some(cmd) = chromedriver() else {
        if std::env::var_os("KNEADTIME_REQUIRE_BROWSER").is_some() {
            panic!("KNEADTIME_REQUIRE_BROWSER is set but chromedriver was not found");
        }
        println!("skipped: no chromedriver (apt-get install chromium chromium-driver)");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(cmd)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    Some(Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        profiles: tempfile::tempdir().unwrap(),
    })
}

/// A fresh headless browser with its own profile.
async fn browser(d: &Driver, name: &str) -> Client {
    let profile = d.profiles.path().join(name);
    let mut opts = json!({ "args": [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--window-size=1280,1600", format!("--user-data-dir={}", profile.display())
    ]});
    if let Ok(bin) = std::env::var("KNEADTIME_CHROMIUM") {
        opts["binary"] = json!(bin);
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), opts);
    // chromedriver takes a moment to listen: retry the connection, up to 15 s.
    let mut last = String::new();
    for _ in 0..150 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&d.url)
            .await
        {
            Ok(c) => return c,
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not start a browser session: {last}");
}

fn shots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(shots_dir().join(format!("{name}.png")), png).unwrap();
}

async fn text_of(c: &Client, css: &str) -> String {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Waits (up to 10 s) until an element matching `css` holds `needle`, reading again
/// when a page load replaces it: after a form is sent, the page before may still be
/// the one found.
async fn text_with(c: &Client, css: &str, needle: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut last = String::new();
    while std::time::Instant::now() < deadline {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            if t.contains(needle) {
                return t;
            }
            last = t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never held {needle:?}; last: {last}");
}

async fn click(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Posts a booking form as a page open in another tab (or from before a change) would:
/// the page's own CSRF token, the given fields, sent by the browser.
async fn post_form(c: &Client, action: &str, fields: &[(&str, &str)]) {
    c.execute(
        "const f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];\
         const add = (k, v) => { const i = document.createElement('input'); i.type = 'hidden';\
           i.name = k; i.value = v; f.appendChild(i); };\
         add('csrf_token', document.querySelector('input[name=csrf_token]').value);\
         for (const [k, v] of arguments[1]) add(k, v);\
         document.body.appendChild(f); f.submit();",
        vec![json!(action), json!(fields)],
    )
    .await
    .unwrap();
}

/// Picks the option with `value` in the select matching `css`.
async fn choose(c: &Client, css: &str, value: &str) {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("{css} = {value}: {e}"));
}

async fn fill(c: &Client, css: &str, value: &str) {
    let e = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    e.clear().await.ok();
    e.send_keys(value).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runner_client_and_therapist_in_a_real_browser() {
    let Some(driver) = start_driver() else { return };
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let base = srv.base.clone();

    // 1. A runner plans the example marathon season: the timeline shows a pre-race and a
    //    post-race massage, and each opens its reason.
    let runner = browser(&driver, "runner").await;
    runner.goto(&format!("{base}/plan")).await.unwrap();
    shot(&runner, "01-planner-form").await;
    let example = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/marathon-18-weeks.ics")
        .canonicalize()
        .unwrap();
    let input = runner.find(Locator::Id("files")).await.unwrap();
    input
        .send_keys(&example.display().to_string())
        .await
        .unwrap();
    click(&runner, "form[action='/plan'] button[type=submit]").await;
    runner
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("timeline"))
        .await
        .expect("the season picture");
    let pre = runner
        .find(Locator::Css(
            "article.massage[data-kind='Pre-race massage']",
        ))
        .await
        .expect("a pre-race massage");
    runner
        .find(Locator::Css(
            "article.massage[data-kind='Post-race massage']",
        ))
        .await
        .expect("a post-race massage");
    let marks = runner.find_all(Locator::Css("#timeline .m")).await.unwrap();
    assert!(marks.len() >= 4, "massages are marked on the timeline");
    let reason = pre
        .find(Locator::Css("p.why"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(reason.contains("before"), "the reason is shown: {reason}");
    // The week grid is headed by weekdays, and the load chart says what it measures.
    let head = text_of(&runner, ".week.head").await;
    for day in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] {
        assert!(head.contains(day), "{day} heads the grid: {head}");
    }
    let chart = text_of(&runner, ".chart svg").await;
    assert!(chart.contains("Load per week"), "{chart}");
    // A massage badge opens its day, and the day its reason, by tap…
    let marked = runner
        .find(Locator::XPath(
            "//details[contains(@class,'day')][.//span[@class='m']]/summary",
        ))
        .await
        .expect("a marked day");
    marked.click().await.unwrap();
    let pop = text_of(&runner, "#timeline details.day[open] .pop").await;
    assert!(
        pop.contains("massage."),
        "the day says why its massage is there: {pop}"
    );
    marked.click().await.unwrap();
    // …and by keyboard.
    runner
        .execute(
            "document.querySelector('#timeline details.day summary').focus();",
            vec![],
        )
        .await
        .unwrap();
    runner
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    let opened = runner
        .execute(
            "return document.querySelectorAll('#timeline details.day[open]').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(opened, json!(1), "Enter opens a day");
    let href = runner
        .find(Locator::Id("download-ics"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(href.starts_with("data:text/calendar"));
    shot(&runner, "02-planner-season").await;
    // On a phone the page fits the screen: nothing scrolls sideways.
    runner.set_window_size(390, 844).await.unwrap();
    let fits = runner
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, json!(true), "the season page fits a phone screen");
    // And no text on it is smaller than 12 px, the chart's included.
    let smallest = runner
        .execute(
            r#"let min = 99, what = "";
            for (const e of document.querySelectorAll("body *")) {
              const text = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
              const r = e.getBoundingClientRect();
              if (!text || r.width === 0 || r.height === 0) continue;
              let px = parseFloat(getComputedStyle(e).fontSize);
              if (e instanceof SVGElement && e.ownerSVGElement) {
                const svg = e.ownerSVGElement;
                px *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
              }
              if (px < min) { min = px; what = e.tagName + " " + e.textContent.trim().slice(0, 30); }
            }
            return [min, what];"#,
            vec![],
        )
        .await
        .unwrap();
    assert!(
        smallest[0].as_f64().unwrap() >= 11.9,
        "text below 12 px on a phone: {smallest}"
    );
    shot(&runner, "02b-planner-season-phone").await;
    runner.close().await.unwrap();

    // 2. Client A books the top recommended slot through their personal link.
    let a = browser(&driver, "client-a").await;
    let b = browser(&driver, "client-b").await;
    let b_link = srv
        .post(&format!("/api/clients/{}/link", w.b), &srv.owner, json!({}))
        .await["link_token"]
        .as_str()
        .unwrap()
        .to_string();
    a.goto(&format!("{base}/c/{}", w.a_link)).await.unwrap();
    assert!(text_of(&a, "h1").await.contains("Ada Runner"));
    b.goto(&format!("{base}/c/{b_link}")).await.unwrap();
    let slots = format!("{base}/book/slots?service_id={}", w.sports);
    a.goto(&format!("{base}/book")).await.unwrap();
    click(&a, &format!("input[value='{}']", w.sports)).await;
    shot(&a, "03-book-choose").await;
    click(&a, "form[action='/book/start'] button[type=submit]").await;
    a.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("ol.recommended form"))
        .await
        .expect("recommended slots");
    b.goto(&slots).await.unwrap();
    b.wait()
        .for_element(Locator::Css("ol.recommended"))
        .await
        .unwrap();
    shot(&a, "04-book-slots").await;
    let top = a.find(Locator::Css("ol.recommended form")).await.unwrap();
    let start = top
        .find(Locator::Css("input[name=start]"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    let therapist = top
        .find(Locator::Css("input[name=therapist_id]"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    top.find(Locator::Css("button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The review step: price, place and policy before anything is booked.
    assert!(text_of(&a, "#review").await.contains("Check and confirm"));
    let review = text_of(&a, "main").await;
    assert!(
        review.contains("50.00") && review.contains("Test Clinic"),
        "{review}"
    );
    assert!(review.contains("cancel or move online"), "{review}");
    shot(&a, "05a-book-review").await;
    click(&a, "#confirm-booking").await;
    let confirmed = text_of(&a, "#confirmed").await;
    assert!(confirmed.starts_with("Booked"), "{confirmed}");
    a.find(Locator::Id("add-to-calendar"))
        .await
        .expect("an add-to-calendar link");
    shot(&a, "05-book-confirmed").await;

    // 3. Client B, on the page since before, asks for the same therapist at the same time:
    //    refused, with other times.
    post_form(
        &b,
        "/book",
        &[
            ("service_id", &w.sports),
            ("therapist_id", &therapist),
            ("start", &start),
        ],
    )
    .await;
    let refusal = text_of(&b, "#refusal").await;
    assert!(
        refusal.contains("cannot be booked") && refusal.contains("taken"),
        "{refusal}"
    );
    shot(&b, "06-book-refused-taken").await;

    // 4. A time on the eve of A's marathon (never listed, but sent from an old page) is
    //    refused with the reason and better days.
    a.goto(&slots).await.unwrap();
    let eve = add_days(w.race, -1);
    let eve_at = format!("{eve}T10:00");
    post_form(
        &a,
        "/book",
        &[
            ("service_id", &w.sports),
            ("therapist_id", &w.t1),
            ("start", &eve_at),
        ],
    )
    .await;
    let refusal = text_of(&a, "#refusal").await;
    // In the runner's own words, not the rule's id.
    assert!(
        refusal.contains("This is the day before") && !refusal.contains("race-eve"),
        "{refusal}"
    );
    shot(&a, "07-book-refused-rule").await;
    a.close().await.unwrap();
    b.close().await.unwrap();

    // 5. The therapist signs in and records notes; they show in the client's history.
    let (email, password) = if therapist == w.t1 {
        ("t1@clinic.test", T1_PASSWORD)
    } else {
        ("t2@clinic.test", T2_PASSWORD)
    };
    let t = browser(&driver, "therapist").await;
    t.goto(&format!("{base}/staff/login")).await.unwrap();
    fill(&t, "#email", email).await;
    fill(&t, "#password", password).await;
    click(&t, "form[action='/staff/login'] button").await;
    t.wait()
        .for_element(Locator::Css("nav[aria-label=Dates]"))
        .await
        .expect("the schedule");
    shot(&t, "08-staff-day").await;
    t.goto(&format!("{base}/staff/clients/{}", w.a))
        .await
        .unwrap();
    click(&t, "a[href$='/notes']").await;
    t.wait()
        .for_element(Locator::Css("form[action$='/notes']"))
        .await
        .unwrap();
    let calves = t.find(Locator::Css("select[name=l0]")).await.unwrap();
    calves.select_by_value("3").await.unwrap();
    fill(&t, "#techniques", "effleurage, trigger point").await;
    fill(&t, "#homework", "Calf raises, 3 x 15 daily").await;
    shot(&t, "09-staff-notes-form").await;
    click(&t, "form[action$='/notes'] button[name=sign][value='1']").await;
    let table = text_of(&t, "#findings").await;
    assert!(table.contains("calves") && table.contains('3'), "{table}");
    let notes = text_of(&t, ".note").await;
    assert!(notes.contains("Calf raises"), "{notes}");
    shot(&t, "10-staff-client-history").await;
    t.close().await.unwrap();

    // 6. The owner's pages.
    let o = browser(&driver, "owner").await;
    o.goto(&format!("{base}/staff/login")).await.unwrap();
    fill(&o, "#email", common::OWNER_EMAIL).await;
    fill(&o, "#password", common::OWNER_PASSWORD).await;
    click(&o, "form[action='/staff/login'] button").await;
    o.wait()
        .for_element(Locator::Css("nav[aria-label=Dates]"))
        .await
        .unwrap();
    let columns = o.find_all(Locator::Css(".cal section")).await.unwrap();
    assert_eq!(columns.len(), 2, "every therapist side by side");
    o.goto(&format!("{base}/staff/settings")).await.unwrap();
    // A rejected form keeps what was typed and says why beside the field.
    fill(&o, "#svc-name", "Hot stones").await;
    fill(&o, "#svc-length", "50").await;
    fill(&o, "#svc-price", "lots").await;
    click(&o, "form[action='/staff/settings/service'] button").await;
    let err = text_of(&o, "#svc-price + .field-error").await;
    assert!(err.contains("price"), "{err}");
    let kept = o
        .find(Locator::Id("svc-name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(kept, "Hot stones");
    // The focus is on the field to fix.
    let focused = o
        .execute("return document.activeElement.id;", vec![])
        .await
        .unwrap();
    assert_eq!(focused, json!("svc-price"));
    shot(&o, "11-owner-settings").await;
    o.close().await.unwrap();
    srv.stop().await;
}

/// The front desk as a new client meets it, in two browsers with the mail read back from
/// a real SMTP server: book as a newcomer and get the confirmation with its invitation;
/// on another device, sign in by the emailed link and find the booking; move it within
/// the clinic's policy and get the change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_client_books_signs_in_elsewhere_by_email_and_moves_the_booking() {
    use common::smtp::{Sink, free_port, link_in, mail_to, python, subject};
    let Some(driver) = start_driver() else { return };
    let Some(py) = python() else { return };
    let sink = Sink::start(py, free_port());
    let srv = Srv::start_with("sqlite", "Europe/London", mail_to(&sink)).await;
    let w = world(&srv, "Europe/London").await;
    let base = srv.base.clone();
    // Online bookings need 3 hours' notice and may be changed up to 2 hours before, so
    // whatever time is booked can still be moved.
    let (s, v) = srv
        .call(
            reqwest::Method::PUT,
            "/api/clinic",
            Some(&srv.owner),
            Some(json!({ "min_notice_hours": 3, "cancel_window_hours": 2 })),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    // A newcomer books the top recommended time.
    let first = browser(&driver, "newcomer").await;
    first.goto(&format!("{base}/book")).await.unwrap();
    click(&first, &format!("input[value='{}']", w.sports)).await;
    fill(&first, "#name", "Nia Newcomer").await;
    fill(&first, "#email", "nia@example.org").await;
    click(&first, "form[action='/book/start'] button[type=submit]").await;
    let policy = text_of(&first, "#policy").await;
    assert!(
        policy.contains("cancel or move online up to 2 hours before"),
        "{policy}"
    );
    assert!(policy.contains("need 3 hours' notice"), "{policy}");
    click(&first, "ol.recommended form button[type=submit]").await;
    click(&first, "#confirm-booking").await;
    first
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("add-to-calendar"))
        .await
        .expect("the confirmation page");
    shot(&first, "20-newcomer-booked").await;
    let got = sink
        .wait_for(1, |m| subject(m).starts_with("Booked:"))
        .await;
    assert!(got[0]["to"].as_str().unwrap().contains("nia@example.org"));
    assert_eq!(got[0]["ics"]["method"], "REQUEST");
    let uid = got[0]["ics"]["uid"].as_str().unwrap().to_string();
    first.close().await.unwrap();

    // Another device: /me asks for the email and sends a link.
    let second = browser(&driver, "other-device").await;
    second.goto(&format!("{base}/me")).await.unwrap();
    fill(&second, "#email", "nia@example.org").await;
    click(&second, "form[action='/signin'] button[type=submit]").await;
    text_with(&second, "h1", "Check your email").await;
    let mail = sink
        .wait_for(1, |m| subject(m).starts_with("Your sign-in link"))
        .await;
    let link = link_in(mail[0]["text"].as_str().unwrap(), &base);
    second.goto(&link).await.unwrap();
    shot(&second, "21-sign-in-link").await;
    click(&second, "form[action^='/signin/'] button[type=submit]").await;
    text_with(&second, "main", "Sports 60 with").await;

    // Move it: the same search, the same therapist; the change is emailed.
    click(&second, "a[href^='/me/move/']").await;
    text_with(&second, "h1", "Move your Sports 60").await;
    shot(&second, "22-move").await;
    let rec = second
        .find_all(Locator::Css("ol.recommended form"))
        .await
        .unwrap();
    let target = rec.last().unwrap();
    target
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    text_with(&second, "p.notice", "Moved:").await;
    shot(&second, "23-moved").await;
    let moved = sink.wait_for(1, |m| subject(m).starts_with("Moved:")).await;
    assert_eq!(moved[0]["ics"]["uid"], uid.as_str());
    assert_eq!(moved[0]["ics"]["sequence"], 1);
    second.close().await.unwrap();
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_joins_the_waitlist_and_takes_the_freed_pre_race_time() {
    use common::smtp::{Sink, free_port, mail_to, python, subject};
    let Some(driver) = start_driver() else { return };
    let Some(py) = python() else { return };
    let sink = Sink::start(py, free_port());
    let srv = Srv::start_with("sqlite", "Europe/London", mail_to(&sink)).await;
    let w = world(&srv, "Europe/London").await;
    let base = srv.base.clone();
    let o = srv.owner.clone();
    // Ada's best pre-race time is held by Ben.
    let slots = srv
        .get(
            &format!(
                "/api/clients/{}/slots?service_id={}&from={}&days=7",
                w.a,
                w.pre,
                add_days(w.race, -7)
            ),
            &o,
        )
        .await;
    let best = slots["slots"][0].clone();
    let held = srv
        .post(
            "/api/appointments",
            &o,
            json!({ "client_id": w.b, "service_id": w.pre, "therapist_id": best["therapist_id"],
                    "start": best["start"], "override_reason": "held for the test" }),
        )
        .await;

    // Ada finds no time she likes and joins the waitlist for her pre-race window.
    let ada = browser(&driver, "waitlist").await;
    ada.goto(&format!("{base}/c/{}", w.a_link)).await.unwrap();
    ada.goto(&format!("{base}/book/slots?service_id={}", w.pre))
        .await
        .unwrap();
    let offer_box = text_of(&ada, "#waitlist").await;
    assert!(
        offer_box.contains("pre-race massage before Test City Marathon"),
        "{offer_box}"
    );
    shot(&ada, "30-waitlist-offer").await;
    click(&ada, "#waitlist button[type=submit]").await;
    text_with(&ada, "p.notice", "On the waitlist for Pre-race 30").await;
    let me = text_of(&ada, "main").await;
    assert!(me.contains("Waiting for a time"), "{me}");
    assert!(
        me.contains("pre-race massage before Test City Marathon"),
        "{me}"
    );

    // Ben's booking is cancelled: Ada is emailed, and her page offers the time.
    let id = held["id"].as_str().unwrap();
    srv.post(&format!("/api/appointments/{id}/cancel"), &o, json!({}))
        .await;
    let mail = sink
        .wait_for(1, |m| subject(m).starts_with("A time opened up"))
        .await;
    assert!(mail[0]["to"].as_str().unwrap().contains("ada@example.org"));
    ada.goto(&format!("{base}/me")).await.unwrap();
    let offered = text_of(&ada, "main").await;
    assert!(offered.contains("Times offered to you"), "{offered}");
    assert!(offered.contains("Pre-race 30 with"), "{offered}");
    assert!(
        offered.contains("For your pre-race massage before Test City Marathon."),
        "{offered}"
    );
    shot(&ada, "31-offered").await;
    click(&ada, "form[action$='/accept'] button[type=submit]").await;
    ada.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("add-to-calendar"))
        .await
        .expect("the confirmation page");
    shot(&ada, "32-offer-booked").await;
    let booked = sink
        .wait_for(1, |m| {
            subject(m).starts_with("Booked:") && m["to"].as_str().unwrap().contains("ada@")
        })
        .await;
    assert_eq!(booked[0]["ics"]["method"], "REQUEST");
    // The wait is over.
    ada.goto(&format!("{base}/me")).await.unwrap();
    let after = text_of(&ada, "main").await;
    assert!(!after.contains("Waiting for a time"), "{after}");
    assert!(!after.contains("Times offered to you"), "{after}");
    ada.close().await.unwrap();
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_adds_a_day_off_over_booked_clients_and_moves_them() {
    use common::smtp::{Sink, free_port, mail_to, python, subject};
    let Some(driver) = start_driver() else { return };
    let Some(py) = python() else { return };
    let sink = Sink::start(py, free_port());
    let srv = Srv::start_with("sqlite", "Europe/London", mail_to(&sink)).await;
    let w = world(&srv, "Europe/London").await;
    let base = srv.base.clone();
    let o = srv.owner.clone();
    let day = add_days(w.race, -20);
    let a = srv
        .post(
            "/api/appointments",
            &o,
            json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1,
                    "start": format!("{day}T10:00") }),
        )
        .await;
    let id = a["id"].as_str().unwrap().to_string();

    let owner = browser(&driver, "owner-days-off").await;
    owner.goto(&format!("{base}/staff/login")).await.unwrap();
    fill(&owner, "#email", common::OWNER_EMAIL).await;
    fill(&owner, "#password", common::OWNER_PASSWORD).await;
    click(&owner, "form[action='/staff/login'] button").await;
    owner
        .wait()
        .for_element(Locator::Css("nav[aria-label=Dates]"))
        .await
        .expect("the schedule");
    owner.goto(&format!("{base}/staff/settings")).await.unwrap();
    owner
        .find(Locator::Id("off-therapist"))
        .await
        .unwrap()
        .select_by_value(&w.t1)
        .await
        .unwrap();
    owner
        .execute(
            "document.getElementById('off-from').value = arguments[0];",
            vec![json!(day.to_string())],
        )
        .await
        .unwrap();
    click(
        &owner,
        "form[action='/staff/settings/dayoff'] button[type=submit]",
    )
    .await;
    // Refused, with Ada's booking and a better time for her.
    let stranded = text_of(&owner, "#stranded").await;
    assert!(stranded.contains("Ada Runner"), "{stranded}");
    shot(&owner, "40-days-off-stranded").await;
    click(
        &owner,
        "#stranded form[action^='/staff/settings/move/'] button",
    )
    .await;
    // Wait for the new page itself: the refused one also has a notice.
    owner
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//p[contains(@class, 'notice')][contains(., 'the days off are added')]",
        ))
        .await
        .expect("the days off are added");
    shot(&owner, "41-days-off-added").await;
    owner.close().await.unwrap();
    // Ada is moved off the day and told.
    let moved = srv.get(&format!("/api/appointments/{id}"), &o).await;
    assert_eq!(moved["status"], "booked");
    assert!(
        moved["therapist_id"] != w.t1.as_str() || moved["date"] != day.to_string(),
        "{moved}"
    );
    let mail = sink.wait_for(1, |m| subject(m).starts_with("Moved:")).await;
    assert!(mail[0]["to"].as_str().unwrap().contains("ada@example.org"));
    // She may take it or pick another time herself.
    assert!(
        mail[0]["text"]
            .as_str()
            .unwrap()
            .contains(&format!("choose another: {base}/me/move/{id}")),
        "{}",
        mail[0]["text"]
    );
    assert!(moved["awaiting_client"] == true, "{moved}");
    assert!(
        mail[0]["text"]
            .as_str()
            .unwrap()
            .contains("had to move your booking"),
        "{}",
        mail[0]["text"]
    );
    let offs = srv
        .get(&format!("/api/therapists/{}/exceptions", w.t1), &o)
        .await;
    assert_eq!(offs.as_array().unwrap().len(), 1, "{offs}");
    // Ada keeps the new time from her page, and the clinic sees it kept.
    let ada = browser(&driver, "keeps-moved").await;
    ada.goto(&format!("{base}/c/{}", w.a_link)).await.unwrap();
    ada.goto(&format!("{base}/me")).await.unwrap();
    text_with(&ada, &format!("#moved-{id}"), "had to move").await;
    shot(&ada, "42-moved-keep").await;
    click(&ada, &format!("form[action='/me/keep/{id}'] button")).await;
    text_with(&ada, "p.notice", "the new time is yours").await;
    ada.close().await.unwrap();
    let kept = srv.get(&format!("/api/appointments/{id}"), &o).await;
    assert_eq!(kept["awaiting_client"], false, "{kept}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_fills_the_intake_and_the_therapist_sees_what_it_holds_back() {
    let Some(driver) = start_driver() else { return };
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let base = srv.base.clone();
    let today = common::today_in("Europe/London");
    let day = add_days(today, 2);
    srv.post(
        "/api/appointments",
        &srv.owner,
        json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1,
                "start": format!("{day}T11:00") }),
    )
    .await;

    // Ada is asked on her page and fills the form in.
    let ada = browser(&driver, "intake").await;
    ada.goto(&format!("{base}/c/{}", w.a_link)).await.unwrap();
    ada.goto(&format!("{base}/me")).await.unwrap();
    click(&ada, "#intake-ask a").await;
    fill(&ada, "#in-running", "Six years, about 60 km a week").await;
    fill(&ada, "#in-meds", "Warfarin").await;
    click(&ada, "input[name=flag_blood_thinners]").await;
    fill(&ada, "#in-name", "Ada Runner").await;
    // Without consent it is refused, with the box to tick in focus and nothing lost.
    click(&ada, "#intake button[type=submit]").await;
    let refused = text_of(&ada, "p.notice.bad").await;
    assert!(refused.contains("consent"), "{refused}");
    let focused = ada
        .execute("return document.activeElement.id;", vec![])
        .await
        .unwrap();
    assert_eq!(focused, json!("in-consent"));
    shot(&ada, "50-intake-refused").await;
    click(&ada, "#in-consent").await;
    click(&ada, "#intake button[type=submit]").await;
    ada.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//p[contains(@class, 'notice')][contains(., 'saved for your therapist')]",
        ))
        .await
        .expect("the answers are saved");
    ada.close().await.unwrap();

    // Her therapist sees it on the day and on her page.
    let t = browser(&driver, "intake-therapist").await;
    t.goto(&format!("{base}/staff/login")).await.unwrap();
    fill(&t, "#email", "t1@clinic.test").await;
    fill(&t, "#password", T1_PASSWORD).await;
    click(&t, "form[action='/staff/login'] button").await;
    t.wait()
        .for_element(Locator::Css("nav[aria-label=Dates]"))
        .await
        .unwrap();
    t.goto(&format!("{base}/staff?date={day}")).await.unwrap();
    let card = text_of(&t, ".cal").await;
    assert!(card.contains("No deep pressure"), "{card}");
    shot(&t, "51-schedule-caution").await;
    t.goto(&format!("{base}/staff/clients/{}", w.a))
        .await
        .unwrap();
    let summary = text_of(&t, "#intake-summary").await;
    assert!(
        summary.contains("blood thinners") && summary.contains("Warfarin"),
        "{summary}"
    );
    click(&t, "#intake-summary form button").await;
    t.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//*[@id='intake-summary'][contains(., 'Last gone through with the client on')]",
        ))
        .await
        .expect("the review is recorded");
    shot(&t, "52-client-intake").await;
    t.close().await.unwrap();
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_therapist_signs_and_amends_notes_and_the_client_keeps_up_the_homework() {
    let Some(driver) = start_driver() else { return };
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let base = srv.base.clone();
    let o = srv.owner.clone();
    let mut w0 = add_days(common::today_in("Europe/London"), 1);
    while w0.weekday() != jiff::civil::Weekday::Monday {
        w0 = add_days(w0, 1);
    }
    let c = srv
        .post(
            "/api/clients",
            &o,
            json!({ "name": "Cal Hills", "email": "cal@example.org" }),
        )
        .await;
    let cal = c["client"]["id"].as_str().unwrap().to_string();
    let cal_link = c["link_token"].as_str().unwrap().to_string();
    srv.post(
        &format!("/api/clients/{cal}/calendars"),
        &o,
        json!({ "filename": "hills.csv", "content": common::hilly_csv(w0, &[1, 2, 2, 3, 3]) }),
    )
    .await;
    let mut visits = Vec::new();
    for k in 1..=4 {
        let day = add_days(w0, k * 7 + 3);
        let v = srv
            .post(
                "/api/appointments",
                &o,
                json!({ "client_id": cal, "service_id": w.sports, "therapist_id": w.t1,
                        "start": format!("{day}T09:00") }),
            )
            .await;
        visits.push(v["id"].as_str().unwrap().to_string());
    }
    // Three visits noted already.
    for (v, t) in visits.iter().take(3).zip([1, 2, 3]) {
        srv.post(
            &format!("/api/appointments/{v}/notes"),
            &w.t1_token,
            json!({ "findings": [{ "region": "calves", "side": "left", "tightness": t },
                                 { "region": "calves", "side": "right", "tightness": 1 }] }),
        )
        .await;
    }

    // Tess writes the fourth in the form: a draft first, then signed.
    let t = browser(&driver, "record-therapist").await;
    t.goto(&format!("{base}/staff/login")).await.unwrap();
    fill(&t, "#email", "t1@clinic.test").await;
    fill(&t, "#password", T1_PASSWORD).await;
    click(&t, "form[action='/staff/login'] button").await;
    t.wait()
        .for_element(Locator::Css("nav[aria-label=Dates]"))
        .await
        .unwrap();
    t.goto(&format!("{base}/staff/appointments/{}/notes", visits[3]))
        .await
        .unwrap();
    // An empty note is refused.
    click(&t, "button[name=sign][value='0']").await;
    let refused = text_of(&t, "p.notice.bad").await;
    assert!(refused.contains("empty note"), "{refused}");
    fill(&t, "#subjective", "Calves heavy after the hill reps").await;
    choose(&t, "#pain", "3").await;
    choose(&t, "select[name=l0]", "2").await;
    choose(&t, "select[name=r0]", "1").await;
    fill(&t, "input[name=p0]", "2").await;
    fill(&t, "#assessment", "Left calf loaded more than right").await;
    click(&t, "button[name=sign][value='0']").await;
    text_with(&t, "p.notice", "Draft saved").await;
    // The draft reopens with what was written.
    let kept = t
        .find(Locator::Css("#assessment"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(kept, "Left calf loaded more than right");
    shot(&t, "60-note-draft").await;
    click(&t, "button[name=sign][value='1']").await;

    // On Cal's page: the note signed, and the hint with its evidence.
    let hint = text_with(&t, "details.hint-card summary", "hill sessions rose").await;
    assert!(
        hint.starts_with(
            "Calves tight in 3 of the last 4 visits while hill sessions rose from 1 to 3 a week"
        ),
        "{hint}"
    );
    // The plan's next massages work on the calves.
    let planned = text_of(&t, "#planned").await;
    assert!(planned.contains("focus on calves"), "{planned}");
    let note = text_of(&t, ".note").await;
    assert!(note.contains("Signed by Tess One"), "{note}");
    assert!(
        note.contains("calves left 2, right 1, 2 tender points"),
        "{note}"
    );
    shot(&t, "61-record-hint").await;

    // Signed: the form now amends, and needs a reason.
    t.goto(&format!("{base}/staff/appointments/{}/notes", visits[3]))
        .await
        .unwrap();
    text_with(&t, "form h2", "Amend the signed note").await;
    choose(&t, "select[name=l0]", "3").await;
    fill(&t, "#reason", "left calf scored low").await;
    click(&t, "form[action$='/notes'] button[type=submit]").await;
    let note = text_with(&t, ".note", "Amended").await;
    assert!(note.contains("left calf scored low"), "{note}");
    assert!(note.contains("calves left 3"), "{note}");

    // Homework for Cal, from the client page.
    choose(&t, "#routine", "calf_stretch").await;
    choose(&t, "#per_week", "7").await;
    click(&t, "form[action$='/homework'] button").await;
    text_with(&t, "#homework + div", "Calf and Achilles stretch").await;
    shot(&t, "62-homework-given").await;

    // Cal sees what was found and ticks today.
    let me = browser(&driver, "record-client").await;
    me.goto(&format!("{base}/c/{cal_link}")).await.unwrap();
    me.goto(&format!("{base}/me")).await.unwrap();
    let found = text_of(&me, "#found + details").await;
    assert!(
        found.contains("hill sessions rose from 1 to 3 a week"),
        "{found}"
    );
    click(&me, "form[action^='/me/homework'] input[name=done]").await;
    click(&me, "form[action^='/me/homework'] button").await;
    text_with(&me, "p.notice", "your therapist sees").await;
    let kept = text_of(&me, "form[action^='/me/homework']").await;
    assert!(kept.contains("done 1 of 1"), "{kept}");
    shot(&me, "63-client-homework").await;
    me.close().await.unwrap();

    // Tess sees it kept up.
    t.goto(&format!("{base}/staff/clients/{cal}"))
        .await
        .unwrap();
    let row = text_with(&t, "#homework + div", "done 1 of 1").await;
    assert!(row.contains("Calf and Achilles stretch"), "{row}");
    t.close().await.unwrap();

    // The owner reads who saw the record, prints it, and erases Cal on request.
    let o = browser(&driver, "record-owner").await;
    o.goto(&format!("{base}/staff/login")).await.unwrap();
    fill(&o, "#email", common::OWNER_EMAIL).await;
    fill(&o, "#password", common::OWNER_PASSWORD).await;
    click(&o, "form[action='/staff/login'] button").await;
    o.wait()
        .for_element(Locator::Css("nav[aria-label=Dates]"))
        .await
        .unwrap();
    o.goto(&format!("{base}/staff/clients/{cal}"))
        .await
        .unwrap();
    click(&o, "#audit summary").await;
    let log = text_of(&o, "#audit").await;
    assert!(
        log.contains("signed a note") && log.contains("Tess One"),
        "{log}"
    );
    click(&o, "a[href$='/record']").await;
    let printed = text_with(&o, ".record-print", "Visits").await;
    assert!(
        printed.contains("Sports massage record: Cal Hills"),
        "{printed}"
    );
    assert!(printed.contains("calves left 3"), "{printed}");
    shot(&o, "64-record-print").await;
    o.goto(&format!("{base}/staff/clients/{cal}"))
        .await
        .unwrap();
    click(&o, "#erase summary").await;
    fill(&o, "#erase-name", "Cal Hills").await;
    click(&o, "#erase button").await;
    text_with(&o, "main", "anonymous counts").await;
    o.goto(&format!("{base}/staff/clients/{cal}"))
        .await
        .unwrap();
    text_with(&o, "main", "not found").await;
    o.close().await.unwrap();
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_runs_race_week_from_the_pages() {
    let Some(driver) = start_driver() else { return };
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let base = srv.base.clone();
    let owner = browser(&driver, "owner-race-week").await;
    owner.goto(&format!("{base}/staff/login")).await.unwrap();
    fill(&owner, "#email", common::OWNER_EMAIL).await;
    fill(&owner, "#password", common::OWNER_PASSWORD).await;
    click(&owner, "form[action='/staff/login'] button").await;
    owner
        .wait()
        .for_element(Locator::Css("nav[aria-label=Dates]"))
        .await
        .expect("the schedule");

    // A second location, added on the settings page; Theo moves there.
    owner.goto(&format!("{base}/staff/settings")).await.unwrap();
    fill(&owner, "#loc-name", "Harbourside").await;
    fill(&owner, "#loc-address", "7 Quay Street").await;
    click(&owner, "form[action='/staff/settings/location'] button").await;
    text_with(&owner, "main", "Location added.").await;
    let harbour = srv
        .get("/api/locations", &srv.owner)
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "Harbourside")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    owner
        .execute(
            "document.querySelector('#t-loc-' + arguments[0]).closest('details').open = true;",
            vec![json!(w.t2)],
        )
        .await
        .unwrap();
    choose(&owner, &format!("#t-loc-{}", w.t2), &harbour).await;
    click(
        &owner,
        &format!(
            "form[action='/staff/settings/therapist-edit/{}'] button",
            w.t2
        ),
    )
    .await;
    text_with(&owner, "main", "Therapist saved.").await;
    text_with(&owner, "main", "At Harbourside.").await;

    // The event, made on the race-week page.
    click(&owner, "nav a[href='/staff/events']").await;
    fill(&owner, "#ev-name", "Browser Marathon").await;
    owner
        .execute(
            "document.getElementById('ev-date').value = arguments[0];",
            vec![json!(w.race.to_string())],
        )
        .await
        .unwrap();
    fill(&owner, "#ev-distance", "marathon").await;
    click(&owner, "form[action='/staff/events'] button").await;
    text_with(&owner, "h1", "Browser Marathon").await;

    // Forty runners from a file, most wanting the first location.
    let mut csv = String::from("name,email,clinics,times\n");
    for n in 0..40 {
        let first = if n % 4 == 0 {
            "Harbourside"
        } else {
            "Test Clinic"
        };
        csv.push_str(&format!(
            "Runner {n},runner{n}@example.org,{first},morning\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("field.csv");
    std::fs::write(&file, csv).unwrap();
    owner
        .find(Locator::Id("runners-file"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    click(&owner, "form[enctype='multipart/form-data'] button").await;
    text_with(&owner, "main", "Runners added.").await;
    let compare = text_with(&owner, "#allocation + p + div table", "First come").await;
    assert!(compare.contains("Runners given a time"), "{compare}");
    shot(&owner, "race-week-allocation").await;

    // One button books everyone.
    click(&owner, "form[action$='/book'] button").await;
    let done = text_with(&owner, "main", "Booked: every runner given a time").await;
    assert!(done.contains("Harbourside"), "{done}");
    let ev = srv.get("/api/events", &srv.owner).await;
    assert_eq!(ev[0]["runners"], 40, "{ev}");
    assert_eq!(ev[0]["pending"], 0, "{ev}");
    assert!(ev[0]["booked"].as_u64().unwrap() > 0, "{ev}");

    // Capacity planning: a table and a chart with its axes.
    fill(&owner, "#cap-n", "800").await;
    click(&owner, "form[method=get] button").await;
    let table = text_with(&owner, "main", "Hours short").await;
    assert!(table.contains("therapist-hours short"), "{table}");
    let svg = owner
        .find(Locator::Css("figure svg.chart"))
        .await
        .expect("the chart");
    let labels = svg.text().await.unwrap();
    assert!(
        labels.contains(" h") && labels.contains("Harbourside"),
        "{labels}"
    );
    shot(&owner, "race-week-capacity").await;
    owner.close().await.unwrap();
    srv.stop().await;
}
