//! Slot search puts the race at the centre: pre-race and post-race work lead with the
//! best time in the window that matters ("5 days before the Test City Marathon —
//! ideal"), and the free times page through the season three weeks at a time, one
//! day's times on the page at once.

mod common;

use common::{Srv, world};

async fn page(http: &reqwest::Client, base: &str, cookie: &str, path: &str) -> String {
    let res = http
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_race_windows_lead_and_the_season_pages_by_weeks() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = common::client_cookie(&http, &srv.base, &w.a_link).await;

    let pre = page(
        &http,
        &srv.base,
        &cookie,
        &format!("/book/slots?service_id={}", w.pre),
    )
    .await;
    assert!(pre.contains("When it matters most"), "{pre}");
    assert!(
        pre.contains("your pre-race massage, 5 days before the Test City Marathon — ideal"),
        "{pre}"
    );
    let post = page(
        &http,
        &srv.base,
        &cookie,
        &format!("/book/slots?service_id={}", w.post),
    )
    .await;
    assert!(
        post.contains("days after the Test City Marathon — ideal"),
        "{post}"
    );
    let sports = page(
        &http,
        &srv.base,
        &cookie,
        &format!("/book/slots?service_id={}", w.sports),
    )
    .await;
    assert!(
        !sports.contains("When it matters most"),
        "maintenance has no race window"
    );

    // The page stays light: the times of one day at a time, the others a link each.
    let forms = sports.matches("<form").count();
    assert!(
        sports.len() < 80_000 && forms < 100,
        "{} bytes, {forms} forms",
        sports.len()
    );
    let day_link = sports
        .split("href=\"")
        .filter_map(|h| h.split('"').next())
        .map(|h| {
            h.replace("&amp;", "&")
                .replace("&#38;", "&")
                .replace("&#x26;", "&")
        })
        .filter(|h| h.contains("&day="))
        .nth(1)
        .expect("links to other days");
    let chosen = day_link
        .split("&day=")
        .nth(1)
        .unwrap()
        .split('#')
        .next()
        .unwrap()
        .to_string();
    let other_day = page(&http, &srv.base, &cookie, &day_link).await;
    let date = chosen.parse::<jiff::civil::Date>().unwrap();
    let label = date.strftime("%a %-d %b").to_string();
    assert!(
        other_day.contains(&format!("aria-label=\"Free times on {label}\"")),
        "{label}: {other_day}"
    );
    assert!(
        other_day.contains(&format!("value=\"{chosen}T")),
        "{other_day}"
    );

    // Three weeks a page, forward and back.
    let later = sports
        .split("href=\"")
        .filter_map(|h| h.split('"').next())
        .find(|h| h.starts_with("/book/slots") && h.contains("from="))
        .expect("a link to later weeks")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&#x26;", "&");
    let next = page(&http, &srv.base, &cookie, &later).await;
    assert!(next.contains("earlier weeks"), "{next}");
    assert!(next.contains("later weeks"), "the season goes on: {next}");
    srv.stop().await;
}
