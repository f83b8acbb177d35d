//! A client's season plan from today, as the clinic gives it: the domain's planner with
//! the days the client cannot come left out, the regions their record keeps finding
//! leading the focus, and the pressure their intake and reported pain allow.

use kneadtime_domain::{Plan, PlanRequest, plan};

use crate::context::ClientContext;
use crate::notes::Record;
use crate::time::local_date;
use crate::{Clinic, CoreResult, cpu};

/// The plan from today for the client of `ctx`, whose record is `record`.
pub async fn season_plan(core: &Clinic, ctx: &ClientContext, record: &Record) -> CoreResult<Plan> {
    let req = PlanRequest {
        unavailable_weekdays: ctx.client.unavailable_weekdays.clone(),
        recurring_focus: record.focus(),
        pressure_cap: record.pressure_cap(ctx),
        ..PlanRequest::from_today(local_date(core.now(), &ctx.tz))
    };
    let season = ctx.season.clone();
    cpu(move || plan(&season, &req)).await
}
