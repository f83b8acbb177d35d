//! GET /api/clients/{id}/slots: the HTTP face of the clinic core's slot search. Time in
//! the clinic's zone, the client's context and the search itself live in
//! `kneadtime_clinic`; they are re-exported here for the handlers and pages.

use axum::Json;
use axum::extract::{Path, State};
use jiff::civil::Date;
use kneadtime_domain::next::next;
use kneadtime_domain::season::add_days;
use kneadtime_domain::{Finding, Kind, PlanRequest};
use kneadtime_store::ids::*;
use kneadtime_store::{Service, ServiceKind};
use serde::{Deserialize, Serialize};

pub use kneadtime_clinic::{
    CalendarCache, ClientContext, STEP_SECS, Search, Slot, best, client_context, clinic_profile,
    local_date, local_datetime, nearest_good, parse_date, parse_instant, search, show, spans_on,
    wanted, within_hours, zone_of,
};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiQuery, ApiResult, Code};

/// How far ahead slot search looks by default, and at most.
const DEFAULT_DAYS: i64 = 21;
const MAX_DAYS: i64 = 92;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SlotQuery {
    /// The service to book; without it, one is suggested.
    pub service_id: Option<ServiceId>,
    /// First local date (default and earliest: today).
    #[param(format = Date)]
    pub from: Option<String>,
    /// How many days to search.
    #[param(minimum = 1, maximum = 92, default = json!(DEFAULT_DAYS))]
    pub days: Option<i64>,
    /// Only this therapist.
    pub therapist_id: Option<TherapistId>,
    /// At most this many slots.
    #[param(minimum = 1, maximum = 500, default = json!(20))]
    pub limit: Option<usize>,
    /// Staff only: also list days that break an error rule, marked not allowed.
    #[param(default = json!(false))]
    pub include_refused: Option<bool>,
}

/// suggested is present only when service_id was not given.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlotsOut {
    pub client_id: ClientId,
    pub service_id: ServiceId,
    pub service_name: String,
    /// Set when the service was chosen for the client ("what should I book next?").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested: Option<Suggested>,
    pub time_zone: String,
    /// A local date, YYYY-MM-DD.
    pub from: Date,
    /// A local date, YYYY-MM-DD.
    pub to: Date,
    /// Best fit first, then earliest, then therapist name.
    pub slots: Vec<Slot>,
    /// True when more slots than `limit` are free in the range.
    pub more: bool,
    pub warnings: Vec<String>,
}

/// The service was chosen for the client ("what should I book next?").
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Suggested {
    pub kind: Option<Kind>,
    pub summary: String,
    pub earliest_good_day: Option<Date>,
    pub not_today: Vec<Finding>,
}

/// GET /api/clients/{id}/slots: free slots ranked by fit.
#[utoipa::path(
    get,
    path = "/api/clients/{id}/slots",
    operation_id = "searchSlots",
    tag = "clients",
    summary = "Free slots for a client, ranked by fit",
    description = "Staff for any client; a client only for themself (403 otherwise). Without service_id, the service for the session the client's training calls for next is chosen and described in suggested.",
    params(
        ("id" = String, Path, description = "The record's id."),
        SlotQuery,
    ),
    responses(
        (status = 200, description = "The slots.", body = SlotsOut),
        (status = 422, description = "The clinic's rules profile cannot be read (bad_profile), or the clinic offers no services (no_services).", body = crate::error::ErrorBody),
    ),
)]
pub async fn slots(
    State(state): State<AppState>,
    caller: Caller,
    Path(client_id): Path<ClientId>,
    ApiQuery(q): ApiQuery<SlotQuery>,
) -> ApiResult<Json<SlotsOut>> {
    // The owner for anyone, a therapist for the clients they treat, a client for themself.
    if !crate::policy::permitted(&state, &caller, crate::policy::Act::Client(&client_id)).await? {
        return Err(ApiError::not_found("client"));
    }
    let (ctx, services) = tokio::try_join!(
        async { Ok::<_, ApiError>(client_context(&state.clinic, &client_id).await?) },
        async {
            Ok::<_, ApiError>(kneadtime_clinic::catalog::services(&state.clinic, true).await?)
        }
    )?;
    let now = state.now();
    let today = local_date(now, &ctx.tz);
    let from = match &q.from {
        Some(s) => parse_date("from", s)?.max(today),
        None => today,
    };
    let days = q.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::field(
            "days",
            format!("expected 1 to {MAX_DAYS}, found {days}"),
        ));
    }
    let limit = q.limit.unwrap_or(20);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            format!("expected 1 to 500, found {limit}"),
        ));
    }
    let services: Vec<Service> = services.into_iter().filter(|s| s.active).collect();
    let (service, suggested) = match &q.service_id {
        Some(id) => {
            let s = services
                .iter()
                .find(|s| s.id == id)
                .cloned()
                .ok_or_else(|| ApiError::not_found("service"))?;
            (s, None)
        }
        None => {
            let req = PlanRequest::from_today(from);
            let season = ctx.season.clone();
            let answer = crate::cpu(move || next(&season, &req, from)).await?;
            let kind = answer.planned.as_ref().map(|p| p.kind);
            let pick = services
                .iter()
                .filter(|s| kind.is_some_and(|k| s.kind == ServiceKind::Massage(k)))
                .chain(
                    services
                        .iter()
                        .filter(|s| s.kind == ServiceKind::Massage(Kind::Maintenance)),
                )
                .chain(services.iter())
                .next()
                .cloned()
                .ok_or_else(|| {
                    ApiError::unprocessable(Code::NoServices, "the clinic offers no services yet")
                })?;
            let sugg = Suggested {
                kind,
                summary: answer.summary.clone(),
                earliest_good_day: answer.earliest_good_day,
                not_today: answer.not_today.clone(),
            };
            (pick, Some(sugg))
        }
    };
    let include_refused = q.include_refused.unwrap_or(false) && caller.is_staff();
    let therapist_id = q.therapist_id.as_deref().map(TherapistId::from);
    let search_q = Search {
        service: &service,
        from,
        days,
        therapist_id: therapist_id.as_ref(),
        // Online, only times with the clinic's notice; staff see every free time.
        not_before: if caller.is_staff() {
            now
        } else {
            now + ctx.clinic.min_notice_hours * 3600
        },
        moving: None,
        include_refused,
    };
    let (slots, more) = best(&state.clinic, &ctx, &search_q, limit).await?;
    Ok(Json(SlotsOut {
        client_id,
        service_id: service.id.clone(),
        service_name: service.name.clone(),
        suggested,
        time_zone: ctx.tz.iana_name().unwrap_or("UTC").to_string(),
        from,
        to: add_days(from, days as i32 - 1),
        more,
        slots,
        warnings: ctx.warnings.to_vec(),
    }))
}
