//! The staff's pages: sign-in, the day and week schedule (every therapist side by side
//! for the owner), clients with their races, training, appointments and notes history,
//! the session-notes form, and the owner's settings.

use kneadtime_store::ids::*;
use std::collections::BTreeMap;
use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use kneadtime_clinic::{booking, leave, people};
use kneadtime_domain::notes::Trend;
use kneadtime_domain::season::add_days;
use kneadtime_store::Principal;
use serde::Deserialize;
use serde_json::json;

use super::{
    ApptView, Chrome, PageCaller, day_label, error_page, message, page, page_with,
    redirect_with_cookie, require_form,
};
use crate::AppState;
use crate::auth::{Caller, new_session, staff_sign_in};
use crate::booking::Names;
use crate::error::{ApiError, ApiJson};
use crate::schedule::{client_context, local_date, parse_date};

#[derive(Template, Default)]
#[template(path = "staff_login.html")]
pub struct Login {
    pub chrome: Chrome,
    pub email: String,
    pub error: String,
}

/// GET /staff/login
pub async fn login_form(State(state): State<AppState>, PageCaller(caller): PageCaller) -> Response {
    if caller.as_ref().is_some_and(Caller::is_staff) {
        return Redirect::to("/staff").into_response();
    }
    page(&Login {
        chrome: Chrome::load(&state, None).await,
        ..Login::default()
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// POST /staff/login
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let chrome = Chrome::load(&state, None).await;
    if !super::same_origin(&headers) {
        return page_with(
            StatusCode::FORBIDDEN,
            &Login {
                chrome,
                email: f.email,
                error: "This form came from another site.".into(),
            },
        );
    }
    match staff_sign_in(&state, addr, &f.email, f.password).await {
        Ok(s) => match new_session(
            &state,
            Principal::Staff(s.id),
            kneadtime_store::SignIn::Password,
        )
        .await
        {
            Ok((_, _, _, cookie)) => redirect_with_cookie("/staff", &cookie),
            Err(e) => error_page(&state, None, &e).await,
        },
        Err(e) => {
            let error = if e.status == StatusCode::TOO_MANY_REQUESTS {
                "Too many attempts. Wait five minutes and try again.".to_string()
            } else {
                "That email and password do not match an account.".to_string()
            };
            page_with(
                e.status,
                &Login {
                    chrome,
                    email: f.email,
                    error,
                },
            )
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf_token: String,
}

/// POST /logout: ends the session (staff or client).
pub async fn logout(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Form(f): Form<CsrfOnly>,
) -> Response {
    if let Some(c) = &caller
        && super::check_csrf(c, &f.csrf_token, &headers)
    {
        let _ = crate::auth::end_session(&state, c).await;
    }
    let mut res = Redirect::to("/").into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, crate::auth::clear_cookie(&state));
    res
}

pub(super) async fn staff_only(
    state: &AppState,
    caller: Option<Caller>,
) -> Result<Caller, Response> {
    match caller {
        Some(c) if c.is_staff() => Ok(c),
        Some(c) => Err(message(
            state,
            Some(&c),
            StatusCode::FORBIDDEN,
            "Staff only",
            "This page is for the clinic's staff.",
            "/me",
            "My appointments",
        )
        .await),
        None => Err(Redirect::to("/staff/login").into_response()),
    }
}

pub struct Column {
    pub title: String,
    pub days: Vec<DayCol>,
}

pub struct DayCol {
    pub label: String,
    pub appts: Vec<ApptView>,
    pub off: String,
}

#[derive(Template)]
#[template(path = "staff_schedule.html")]
pub struct Schedule {
    pub chrome: Chrome,
    pub title: String,
    pub week: bool,
    pub date: String,
    pub prev: String,
    pub next: String,
    pub today: String,
    pub columns: Vec<Column>,
    pub therapists: Vec<(String, String, bool)>,
    pub therapist: String,
    /// For the owner: what is wrong with mail to clients, if anything.
    pub mail_notice: String,
    /// Whether the signed-in staff member gets their day by email each morning.
    pub daily_email: bool,
}

/// The owner's one line about mail: not set up with messages waiting, or failures.
async fn mail_notice(state: &AppState, c: &Caller) -> String {
    if !c.is_owner() {
        return String::new();
    }
    let Ok(o) = crate::mail::outbox(state).await else {
        return String::new();
    };
    if !o.sending && o.counts.waiting > 0 {
        format!(
            "Email is not set up: {} message(s) to clients are waiting to be sent.",
            o.counts.waiting
        )
    } else if o.counts.failed > 0 {
        format!(
            "{} message(s) to clients could not be sent.",
            o.counts.failed
        )
    } else {
        String::new()
    }
}

#[derive(Deserialize)]
pub struct ScheduleQuery {
    pub date: Option<String>,
    pub view: Option<String>,
    pub therapist: Option<String>,
}

/// GET /staff: the day (all therapists side by side for the owner) or a therapist's week.
pub async fn schedule(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Query(q): Query<ScheduleQuery>,
) -> Response {
    let c = match staff_only(&state, caller).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match schedule_view(&state, &c, q).await {
        Ok(s) => page(&s),
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

/// The schedule as shown: a store that cannot be read fails the page rather than
/// showing an empty day.
async fn schedule_view(
    state: &AppState,
    c: &Caller,
    q: ScheduleQuery,
) -> Result<Schedule, ApiError> {
    let core = &state.clinic;
    let mut names = Names::load(state).await?;
    let tz = names.tz.clone();
    let t = state.now();
    let today = local_date(t, &tz);
    let date = q
        .date
        .as_deref()
        .and_then(|d| parse_date("date", d).ok())
        .unwrap_or(today);
    let week = q.view.as_deref() == Some("week");
    let setup = core.setup().await?;
    let all = setup
        .therapists
        .iter()
        .filter(|t| t.active)
        .cloned()
        .collect::<Vec<_>>();
    let visible: Vec<_> = if c.is_owner() {
        all.clone()
    } else {
        all.iter()
            .filter(|t| Some(&t.id) == c.therapist_id())
            .cloned()
            .collect()
    };
    // A group's day names each therapist's location.
    let several = all
        .iter()
        .map(|t| t.location_id.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len()
        > 1;
    let chosen = q
        .therapist
        .clone()
        .filter(|id| visible.iter().any(|t| &t.id == id))
        .or_else(|| (visible.first().map(|t| t.id.clone())).map(String::from));
    let start_of = |d: Date| {
        tz.to_ambiguous_timestamp(d.at(0, 0, 0, 0))
            .compatible()
            .map(|x| x.as_second())
            .unwrap_or(0)
    };
    let (first, n_days) = if week {
        (kneadtime_domain::season::monday_of(date), 7)
    } else {
        (date, 1)
    };
    // What each client's intake holds back, beside their name on every card.
    let rules = setup.profile()?.intake;
    let mut cautions: std::collections::HashMap<ClientId, String> = Default::default();
    let mut columns = Vec::new();
    let shown: Vec<_> = if week {
        visible
            .iter()
            .filter(|t| Some(&t.id) == (chosen.as_ref()).map(TherapistId::from).as_ref())
            .collect()
    } else {
        visible.iter().collect()
    };
    for th in shown {
        let appts = booking::of_therapist(
            core,
            &th.id,
            start_of(first),
            start_of(add_days(first, n_days)),
        )
        .await?;
        let ids: Vec<ClientId> = appts.iter().map(|a| a.client_id.clone()).collect();
        names.add_clients(state, &ids).await?;
        let unread: Vec<ClientId> = appts
            .iter()
            .map(|a| a.client_id.clone())
            .filter(|c| !cautions.contains_key(c))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for i in people::intakes_of(core, &unread).await? {
            let first = kneadtime_domain::intake::cautions(&i.flags, i.pain, &rules)
                .into_iter()
                .next()
                .unwrap_or_default();
            cautions.insert(i.client_id, first);
        }
        let exceptions =
            leave::exceptions(core, &th.id, first, add_days(first, n_days - 1)).await?;
        let hours = setup.hours_of(&th.id);
        let days = (0..n_days)
            .map(|k| {
                let d = add_days(first, k);
                let off = exceptions
                    .iter()
                    .find(|e| e.from_date <= d && d <= e.to_date)
                    .map(|e| format!("Away ({})", e.reason.as_str()));
                let works = !crate::schedule::spans_on(d, hours, &tz).is_empty();
                DayCol {
                    label: day_label(d),
                    appts: appts
                        .iter()
                        .filter(|a| local_date(a.start_at.as_second(), &tz) == d)
                        .map(|a| {
                            let mut v = ApptView::from(
                                &names.view(a, None, None),
                                a.start_at.as_second(),
                                t,
                                &tz,
                            );
                            v.caution = cautions.get(&a.client_id).cloned().unwrap_or_default();
                            v
                        })
                        .collect(),
                    off: off.unwrap_or_else(|| {
                        if works {
                            String::new()
                        } else {
                            "Not working".into()
                        }
                    }),
                }
            })
            .collect();
        columns.push(Column {
            title: if several {
                format!("{} · {}", th.name, names.place(&th.id))
            } else {
                th.name.clone()
            },
            days,
        });
    }
    let step = if week { 7 } else { 1 };
    let link = |d: Date| {
        let mut s = format!("/staff?date={d}");
        if week {
            s.push_str("&view=week");
            if let Some(t) = &chosen {
                s.push_str(&format!("&therapist={t}"));
            }
        }
        s
    };
    Ok(Schedule {
        mail_notice: mail_notice(state, c).await,
        daily_email: match &c.who {
            crate::auth::Who::Owner { staff_id } | crate::auth::Who::Therapist { staff_id, .. } => {
                people::staff(core, staff_id).await?.daily_email
            }
            crate::auth::Who::Client { .. } => false,
        },
        chrome: Chrome::load(state, Some(c)).await,
        title: if week {
            format!("Week of {}", day_label(first))
        } else {
            first.strftime("%A %-d %B %Y").to_string()
        },
        week,
        date: date.to_string(),
        prev: link(add_days(date, -step)),
        next: link(add_days(date, step)),
        today: link(today),
        columns,
        therapists: visible
            .iter()
            .map(|t| {
                (
                    t.id.to_string(),
                    t.name.clone(),
                    Some(&t.id) == (chosen.as_ref()).map(TherapistId::from).as_ref(),
                )
            })
            .collect(),
        therapist: chosen.unwrap_or_default(),
    })
}

pub struct ClientRow {
    pub id: String,
    pub name: String,
    pub email: String,
}

#[derive(Template)]
#[template(path = "staff_clients.html")]
pub struct Clients {
    pub chrome: Chrome,
    pub clients: Vec<ClientRow>,
    pub name: String,
    pub email: String,
    pub error_name: String,
    pub error_email: String,
}

async fn clients_page(
    state: &AppState,
    c: &Caller,
    name: String,
    email: String,
    err: Option<ApiError>,
) -> Response {
    let list = crate::clients::list(State(state.clone()), c.clone())
        .await
        .map(|j| j.0)
        .unwrap_or_default();
    let (mut error_name, mut error_email) = (String::new(), String::new());
    let status = err.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    if let Some(e) = err {
        match e.field.as_deref() {
            Some("email") => error_email = e.message,
            _ => error_name = e.message,
        }
    }
    page_with(
        status,
        &Clients {
            chrome: Chrome::load(state, Some(c)).await,
            clients: list
                .into_iter()
                .map(|c| ClientRow {
                    id: String::from(c.id),
                    name: c.name,
                    email: c.email,
                })
                .collect(),
            name,
            email,
            error_name,
            error_email,
        },
    )
}

/// GET /staff/clients
pub async fn clients(State(state): State<AppState>, PageCaller(caller): PageCaller) -> Response {
    match staff_only(&state, caller).await {
        Ok(c) => clients_page(&state, &c, String::new(), String::new(), None).await,
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub struct NewClientForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

/// POST /staff/clients: a new client; their page then shows the personal link once.
pub async fn create_client(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Form(f): Form<NewClientForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let body = crate::clients::ClientBody {
        name: f.name.clone(),
        email: f.email.clone(),
        phone: String::new(),
        unavailable_days: Vec::new(),
    };
    match crate::clients::create(State(state.clone()), c.clone(), ApiJson(body)).await {
        Ok(created) => {
            let v = created.0;
            client_page(&state, &c, &v.client.id, v.link).await
        }
        Err(e) => clients_page(&state, &c, f.name, f.email, Some(e)).await,
    }
}

pub struct RegionRow {
    pub region: String,
    pub cells: Vec<String>,
    pub trend: String,
    pub recurring: bool,
    /// "left side tighter", when one side keeps being.
    pub one_side: String,
}

#[derive(Template)]
#[template(path = "staff_client.html")]
pub struct ClientPage {
    pub chrome: Chrome,
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub new_link: String,
    pub races: Vec<String>,
    pub weeks: Vec<(String, String, String, String)>,
    pub upcoming: Vec<ApptView>,
    pub past: Vec<ApptView>,
    pub notes: Vec<super::record::NoteView>,
    /// The plan's next massages, their focus following the record.
    pub planned: Vec<super::record::PlannedRow>,
    /// Routines given, under way first; and the library to give one from.
    pub homework: Vec<super::record::HomeworkRow>,
    pub routines: Vec<(String, String)>,
    /// Hints from the record: the sentence and what it rests on.
    pub hints: Vec<(String, Vec<String>)>,
    /// Reported pain or a red flag calls for a physiotherapist or doctor.
    pub refer: bool,
    pub note_dates: Vec<String>,
    pub regions: Vec<RegionRow>,
    pub services: Vec<(String, String)>,
    pub warnings: Vec<String>,
    /// For the owner: the other records, to merge one of them into this one.
    pub others: Vec<(String, String)>,
    /// For the owner: who read or changed this record lately (when, who, what).
    pub audit: Vec<(String, String, String)>,
    /// What the intake holds back, one line each; its answers; and when it was last
    /// gone through with the client (empty when never).
    pub cautions: Vec<String>,
    pub intake: Option<kneadtime_store::Intake>,
    pub reviewed: String,
    /// The windows the client waits on, and the times offered to them.
    pub waiting: Vec<crate::waitlist::WaitOut>,
    pub offers: Vec<crate::waitlist::OfferOut>,
}

async fn client_page(state: &AppState, c: &Caller, id: &str, new_link: String) -> Response {
    match client_view(state, c, id, new_link).await {
        Ok(p) => page(&p),
        Err(e) => error_page(state, Some(c), &e).await,
    }
}

/// The client's page as staff see it: a store that cannot be read fails the page rather
/// than leaving parts of the record out.
async fn client_view(
    state: &AppState,
    c: &Caller,
    id: &str,
    new_link: String,
) -> Result<ClientPage, ApiError> {
    let core = &state.clinic;
    crate::clients::visible_client(state, c, id).await?;
    // The page shows the intake and every session note: the reading is logged.
    people::audit(
        core,
        &c.actor(),
        "record.view",
        Some(&ClientId::from(id)),
        "intake and notes",
    )
    .await?;
    let ctx = client_context(core, &ClientId::from(id)).await?;
    let tz = ctx.tz.clone();
    let t = state.now();
    let today = local_date(t, &tz);
    let this_week = kneadtime_domain::season::monday_of(today);
    let weeks = ctx
        .season
        .weeks()
        .iter()
        .filter(|w| w.start >= add_days(this_week, -21) && w.start <= add_days(this_week, 28))
        .map(|w| {
            (
                day_label(w.start),
                w.phase.as_str().replace('_', " "),
                format!("{}", w.sessions),
                format!("{:.0} km", w.distance_km),
            )
        })
        .collect();
    let names = Names::load(state).await?;
    let appts = booking::of_client(core, &ClientId::from(id)).await?;
    let views: Vec<ApptView> = appts
        .iter()
        // The page is reached only under the client rule, and shows every therapist's
        // appointments with the client.
        .map(|a| {
            ApptView::from(
                &names.view(a, Some(&ctx.client.name), None),
                a.start_at.as_second(),
                t,
                &tz,
            )
        })
        .collect();
    let (upcoming, past): (Vec<_>, Vec<_>) = views.into_iter().partition(|v| v.upcoming);
    // The record: notes, and the findings table (one row per region, one column per
    // visit), and the hints that join them with training.
    let record = kneadtime_clinic::notes::record(core, &ctx).await?;
    let mut dates: Vec<Date> = record.visits.iter().map(|v| v.date).collect();
    dates.dedup();
    let regions = record
        .patterns
        .iter()
        .map(|p| {
            let at: BTreeMap<Date, u8> = p.points.iter().copied().collect();
            RegionRow {
                cells: dates
                    .iter()
                    .map(|d| at.get(d).map(|t| t.to_string()).unwrap_or_default())
                    .collect(),
                trend: match p.trend {
                    Trend::Unknown => "too early to tell",
                    Trend::Easing => "easing",
                    Trend::Steady => "steady",
                    Trend::Worsening => "getting worse",
                }
                .into(),
                recurring: p.recurring,
                one_side: p
                    .asymmetry
                    .as_ref()
                    .map(|a| format!("{} side tighter", a.tighter.as_str()))
                    .unwrap_or_default(),
                region: p.region.clone(),
            }
        })
        .collect();
    let notes = super::record::note_views(&record, &names);
    let planned = super::record::next_planned(state, &ctx, &record).await?;
    let homework = super::record::homework_rows(state, &ClientId::from(id), &tz).await?;
    let races = people::races(core, &ClientId::from(id))
        .await?
        .iter()
        .map(|r| {
            format!(
                "{} · {:.1} km · {} {}",
                r.date,
                r.distance_km,
                r.priority.as_str(),
                r.name
            )
        })
        .collect();
    let services = core
        .setup()
        .await?
        .services
        .iter()
        .filter(|s| s.active)
        .map(|s| (s.id.to_string(), s.name.clone()))
        .collect();
    Ok(ClientPage {
        chrome: Chrome::load(state, Some(c)).await,
        id: id.to_string(),
        name: ctx.client.name.clone(),
        email: ctx.client.email.clone(),
        phone: ctx.client.phone.clone(),
        new_link,
        races,
        weeks,
        upcoming,
        past: past.into_iter().rev().collect(),
        notes,
        planned,
        homework,
        routines: super::record::routine_options(),
        hints: record
            .hints
            .iter()
            .map(|h| (h.text.clone(), h.evidence.clone()))
            .collect(),
        refer: record.refer,
        note_dates: dates
            .iter()
            .map(|d| d.strftime("%-d %b").to_string())
            .collect(),
        regions,
        services,
        warnings: ctx.warnings.to_vec(),
        cautions: ctx.cautions(),
        reviewed: ctx
            .intake
            .as_ref()
            .and_then(|i| i.reviewed_at)
            .map(|t| {
                crate::schedule::local_date(t.as_second(), &tz)
                    .strftime("%-d %b %Y")
                    .to_string()
            })
            .unwrap_or_default(),
        intake: ctx.intake.clone(),
        audit: if c.is_owner() {
            crate::audit::entries(state, c, Some(&ClientId::from(id)), 100)
                .await?
                .into_iter()
                .map(|e| {
                    (
                        e.at.get(..16).unwrap_or(&e.at).replace('T', " "),
                        e.actor_name,
                        format!(
                            "{}{}",
                            crate::audit::action_words(&e.action),
                            if e.action == "record.export" && !e.subject.is_empty() {
                                format!(" (for {})", e.subject)
                            } else {
                                String::new()
                            }
                        ),
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
        others: if c.is_owner() {
            let mut all: Vec<(String, String)> = people::clients(core)
                .await?
                .into_iter()
                .filter(|x| x.id != id)
                .map(|x| {
                    let email = if x.email.is_empty() {
                        "no email".to_string()
                    } else {
                        x.email
                    };
                    (x.id.to_string(), format!("{} · {email}", x.name))
                })
                .collect();
            all.sort_by_key(|a| a.1.to_lowercase());
            all
        } else {
            Vec::new()
        },
        waiting: crate::waitlist::visible_waiting(state, c, Some(&ClientId::from(id))).await?,
        offers: crate::waitlist::visible_offers(state, c)
            .await?
            .into_iter()
            .filter(|o| o.client_id == id)
            .collect(),
    })
}

/// GET /staff/clients/{id}
pub async fn client(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Path(id): Path<String>,
) -> Response {
    match staff_only(&state, caller).await {
        Ok(c) => client_page(&state, &c, &id, String::new()).await,
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub struct RaceForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub distance: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub name: String,
}

/// POST /staff/clients/{id}/races
pub async fn add_race(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<RaceForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let body = crate::clients::RaceBody {
        date: f.date,
        distance: json!(f.distance),
        priority: (!f.priority.is_empty()).then_some(f.priority),
        name: f.name,
    };
    match crate::clients::add_race(
        State(state.clone()),
        c.clone(),
        Path(ClientId::from(id.clone())),
        ApiJson(body),
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/staff/clients/{id}")).into_response(),
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

/// POST /staff/clients/{id}/signin-link: email the client a one-time sign-in link.
pub async fn send_sign_in(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<ClientId>,
    Form(f): Form<super::client::CsrfForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(e) = crate::policy::allow(&state, &c, crate::policy::Act::Client(&id)).await {
        return error_page(&state, Some(&c), &e).await;
    }
    let client = match people::client(&state.clinic, &id).await {
        Ok(x) => x,
        Err(e) => return error_page(&state, Some(&c), &e.into()).await,
    };
    let back = format!("/staff/clients/{id}");
    if client.email.trim().is_empty() {
        return message(
            &state,
            Some(&c),
            StatusCode::UNPROCESSABLE_ENTITY,
            "No email on file",
            "This client has no email address to send a link to.",
            &back,
            "Back to the client",
        )
        .await;
    }
    match super::signin::send_link(&state, &client).await {
        Ok(true) => {
            message(
                &state,
                Some(&c),
                StatusCode::OK,
                "Link sent",
                &format!(
                    "A sign-in link is on its way to {}. It works once, within {} minutes.",
                    client.email,
                    super::signin::LINK_MINUTES
                ),
                &back,
                "Back to the client",
            )
            .await
        }
        Ok(false) => {
            message(
                &state,
                Some(&c),
                StatusCode::OK,
                "Email is not set up",
                "This server sends no email yet (see Settings → Email), so no link was sent.",
                &back,
                "Back to the client",
            )
            .await
        }
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub back: String,
}

/// POST /staff/appointments/{id}/status: completed, no-show or cancelled.
pub async fn set_status(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let r = if f.status == "cancelled" {
        crate::booking::cancel(State(state.clone()), c.clone(), Path(id))
            .await
            .map(|_| ())
    } else {
        crate::booking::set_status(
            State(state.clone()),
            c.clone(),
            Path(id),
            ApiJson(crate::booking::StatusBody { status: f.status }),
        )
        .await
        .map(|_| ())
    };
    match r {
        Ok(()) => Redirect::to(crate::shield::local_path(&f.back, "/staff")).into_response(),
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

/// POST /staff/waitlist/{id}/remove: staff take a client off the waitlist.
pub async fn remove_from_waitlist(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<WaitId>,
    Form(f): Form<super::client::CsrfForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let client = match kneadtime_clinic::waitlist::entry(&state.clinic, &id).await {
        Ok(e) => e.client_id,
        Err(e) => return error_page(&state, Some(&c), &e.into()).await,
    };
    match crate::waitlist::withdraw(&state, &c, &id).await {
        Ok(()) => client_page(&state, &c, &client, String::new()).await,
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

#[derive(Deserialize)]
pub struct DailyForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub on: String,
}

/// POST /staff/daily-email: the schedule page's switch for the morning email.
pub async fn daily_email(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Form(f): Form<DailyForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match crate::auth::set_daily_email(&state, &c, f.on == "1").await {
        Ok(()) => Redirect::to("/staff").into_response(),
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

#[derive(Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub from: String,
}

/// POST /staff/clients/{id}/merge: the owner folds another record of the same person
/// into this one.
pub async fn merge_client(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<MergeForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match crate::clients::merge(&state, &c, &id, &f.from).await {
        Ok(()) => client_page(&state, &c, &id, String::new()).await,
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            message(
                &state,
                Some(&c),
                e.status,
                "Not merged",
                &e.message,
                &format!("/staff/clients/{id}"),
                "Back to the client",
            )
            .await
        }
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

/// GET /staff/clients/{id}/intake: staff fill in the intake at the desk.
pub async fn intake_form(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Path(id): Path<ClientId>,
) -> Response {
    let Some(c) = caller.filter(|c| c.is_staff()) else {
        return Redirect::to("/staff/login").into_response();
    };
    super::client::intake_page(&state, &c, &id, None).await
}

/// POST /staff/clients/{id}/intake
pub async fn intake_save(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<ClientId>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Response {
    let token = f.get("csrf_token").cloned().unwrap_or_default();
    let c = match require_form(&state, &caller, &token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let saved = match super::client::intake_body(&f) {
        Ok(body) => crate::intake::save(&state, &c, &id, &body).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => client_page(&state, &c, &id, String::new()).await,
        Err(e) if e.status.is_client_error() && e.field.is_some() => {
            super::client::intake_page(&state, &c, &id, Some((&f, &e))).await
        }
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

/// POST /staff/clients/{id}/intake/review: gone through with the client at this visit.
pub async fn intake_review(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<super::client::CsrfForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match crate::intake::review(&state, &c, &id).await {
        Ok(_) => client_page(&state, &c, &id, String::new()).await,
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}
