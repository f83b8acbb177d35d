//! A client's record to take elsewhere: for a coach (findings, patterns, homework), for
//! a physiotherapist (the intake and every note besides), or whole for the clinic — as
//! sections of plain lines that the pages print and that read as Markdown.

use kneadtime_domain::notes::Trend;
use kneadtime_store::ids::*;

use crate::context::ClientContext;
use crate::homework::{self, compliance_text};
use crate::notes::{self, describe_findings};
use crate::time::local_date;
use crate::{Clinic, CoreResult};

/// Who the record is for; it decides what goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// What the therapist found and the homework: no health history.
    Coach,
    /// Everything clinical: the intake, every signed note with its amendments.
    Physio,
    /// The clinic's own copy: all of it, with contact details.
    Clinic,
}

impl Audience {
    pub fn parse(s: &str) -> Option<Audience> {
        match s.trim() {
            "coach" => Some(Audience::Coach),
            "physio" => Some(Audience::Physio),
            "clinic" => Some(Audience::Clinic),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Coach => "coach",
            Audience::Physio => "physio",
            Audience::Clinic => "clinic",
        }
    }

    fn clinical(self) -> bool {
        self != Audience::Coach
    }
}

/// One part of the record: a heading and its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub heading: String,
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub title: String,
    pub intro: String,
    pub sections: Vec<Section>,
    pub footer: String,
}

/// Text as one line: breaks and runs of spaces become single spaces.
fn line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The client's record for `audience`, as of today in the clinic's zone; `clinic_name`
/// signs it.
pub async fn export(
    core: &Clinic,
    ctx: &ClientContext,
    audience: Audience,
    clinic_name: &str,
) -> CoreResult<Export> {
    let record = notes::record(core, ctx).await?;
    let (races, routines) = tokio::try_join!(
        async { Ok::<_, crate::CoreError>(core.store.races(&ctx.client.id).await?) },
        homework::list(core, &ctx.client.id, &ctx.tz),
    )?;
    let today = local_date(core.now(), &ctx.tz);
    let mut sections = Vec::new();

    let mut about = vec![format!("Name: {}", line(&ctx.client.name))];
    if audience == Audience::Clinic {
        if !ctx.client.email.is_empty() {
            about.push(format!("Email: {}", ctx.client.email));
        }
        if !ctx.client.phone.is_empty() {
            about.push(format!("Phone: {}", ctx.client.phone));
        }
    }
    for r in &races {
        let name = if r.name.trim().is_empty() {
            "Race".to_string()
        } else {
            line(&r.name)
        };
        about.push(format!(
            "{name}: {}, {:.1} km ({} race)",
            r.date,
            r.distance_km,
            r.priority.as_str()
        ));
    }
    sections.push(Section {
        heading: "Runner".into(),
        lines: about,
    });

    if audience.clinical() {
        let lines = match &ctx.intake {
            None => vec!["No intake filled in.".to_string()],
            Some(i) => {
                let mut l = Vec::new();
                for (label, v) in [
                    ("Running", &i.running),
                    ("Goals", &i.goals),
                    ("Injuries and surgery", &i.injuries),
                    ("Pain now", &i.current_pain),
                    ("Medication", &i.medication),
                    ("Other conditions", &i.conditions),
                ] {
                    if !v.trim().is_empty() {
                        l.push(format!("{label}: {}", line(v)));
                    }
                }
                l.push(format!("Pain score at intake: {}/10", i.pain));
                if !i.flags.is_empty() {
                    let named: Vec<&str> = i.flags.iter().map(|f| f.label()).collect();
                    l.push(format!("Reported: {}", named.join(", ")));
                }
                l.push(format!(
                    "Consent given by {} on {}",
                    line(&i.consent_name),
                    local_date(i.consented_at.as_second(), &ctx.tz)
                ));
                l
            }
        };
        sections.push(Section {
            heading: "Intake".into(),
            lines,
        });
    }

    let mut shows: Vec<String> = Vec::new();
    if record.refer {
        shows.push(
            "Pain or a condition reported calls for a physiotherapist or doctor before more deep work."
                .into(),
        );
    }
    for h in &record.hints {
        shows.push(h.text.clone());
        shows.extend(h.evidence.iter().map(|e| format!("  {e}")));
    }
    for p in &record.patterns {
        let points: Vec<String> = p
            .points
            .iter()
            .map(|(d, t)| format!("{t} on {}", d.strftime("%-d %b")))
            .collect();
        let mut l = format!("{}: {}", p.region, points.join(", "));
        match p.trend {
            Trend::Worsening => l.push_str(" · getting worse"),
            Trend::Easing => l.push_str(" · easing"),
            Trend::Steady | Trend::Unknown => {}
        }
        if p.recurring {
            l.push_str(" · keeps coming back");
        }
        if let Some(a) = &p.asymmetry {
            l.push_str(&format!(" · {} side tighter", a.tighter.as_str()));
        }
        shows.push(l);
    }
    if shows.is_empty() {
        shows.push("No findings recorded yet.".into());
    }
    sections.push(Section {
        heading: "What the record shows (tightness 0 free to 3 very tight)".into(),
        lines: shows,
    });

    let mut visits = Vec::new();
    for v in record.visits.iter().filter(|v| v.note.signed()) {
        let c = &v.note.content;
        let mut parts = vec![format!(
            "{} with {}",
            v.date.strftime("%a %-d %b %Y"),
            v.note.author
        )];
        if audience.clinical() {
            if !c.subjective.is_empty() {
                parts.push(format!("reports: {}", line(&c.subjective)));
            }
            if let Some(p) = c.pain {
                parts.push(format!("pain {p}/10"));
            }
        }
        if !c.findings.is_empty() {
            parts.push(format!("found: {}", describe_findings(&c.findings)));
        }
        if let Some(p) = c.pressure_used {
            parts.push(format!("{} pressure", p.as_str()));
        }
        if audience.clinical() && !c.assessment.is_empty() {
            parts.push(format!("assessment: {}", line(&c.assessment)));
        }
        if !c.homework_given.is_empty() {
            parts.push(format!("homework: {}", line(&c.homework_given)));
        }
        visits.push(parts.join(" · "));
        if audience.clinical() {
            for a in &v.note.amendments {
                visits.push(format!(
                    "  amended {} by {}: {}",
                    local_date(a.at.as_second(), &ctx.tz),
                    if a.author.is_empty() {
                        "the clinic"
                    } else {
                        &a.author
                    },
                    line(&a.reason)
                ));
            }
        }
    }
    if visits.is_empty() {
        visits.push("No signed session notes yet.".into());
    }
    sections.push(Section {
        heading: "Visits".into(),
        lines: visits,
    });

    let mut hw: Vec<String> = routines
        .iter()
        .filter(|v| v.homework.ended_at.is_none())
        .map(|v| {
            format!(
                "{}, {} times a week since {}: {}",
                v.routine.name,
                v.homework.per_week,
                v.homework.from_date,
                compliance_text(&v.compliance)
            )
        })
        .collect();
    if hw.is_empty() {
        hw.push("No routine under way.".into());
    }
    sections.push(Section {
        heading: "Homework".into(),
        lines: hw,
    });

    Ok(Export {
        title: format!("Sports massage record: {}", line(&ctx.client.name)),
        intro: match audience {
            Audience::Coach => {
                "For the runner's coach: what their massage therapist finds and the homework given."
                    .into()
            }
            Audience::Physio => {
                "For the runner's physiotherapist: the intake and every signed session note.".into()
            }
            Audience::Clinic => "The clinic's full copy of the record.".into(),
        },
        sections,
        footer: format!(
            "From {} on {today}. Findings from massage are not a diagnosis.",
            line(clinic_name)
        ),
    })
}

/// The record as Markdown.
pub fn markdown(e: &Export) -> String {
    let esc = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('*', "\\*")
            .replace('_', "\\_")
            .replace('#', "\\#")
            .replace('<', "&lt;")
    };
    let mut out = format!("# {}\n\n{}\n", esc(&e.title), esc(&e.intro));
    for s in &e.sections {
        out.push_str(&format!("\n## {}\n\n", esc(&s.heading)));
        for l in &s.lines {
            match l.strip_prefix("  ") {
                Some(sub) => out.push_str(&format!("  - {}\n", esc(sub))),
                None => out.push_str(&format!("- {}\n", esc(l))),
            }
        }
    }
    out.push_str(&format!("\n---\n\n{}\n", esc(&e.footer)));
    out
}

/// The client's record for `audience`, signed by the clinic's name, and the export
/// logged as `actor`'s.
pub async fn logged(
    core: &Clinic,
    client_id: &ClientId,
    audience: Audience,
    actor: &str,
) -> CoreResult<Export> {
    let setup = core.setup().await?;
    let ctx = crate::context::client_context_in(core, &setup, client_id).await?;
    let e = export(core, &ctx, audience, &setup.clinic.name).await?;
    crate::people::audit(
        core,
        actor,
        "record.export",
        Some(client_id),
        audience.as_str(),
    )
    .await?;
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_what_people_typed() {
        let e = Export {
            title: "Sports massage record: Ann_Lee".into(),
            intro: "For the coach.".into(),
            sections: vec![Section {
                heading: "Visits".into(),
                lines: vec![
                    "found: *calves* 3 # <b>".into(),
                    "  amended by Ana: typo".into(),
                ],
            }],
            footer: "From Clinic.".into(),
        };
        let md = markdown(&e);
        assert!(
            md.starts_with("# Sports massage record: Ann\\_Lee\n"),
            "{md}"
        );
        assert!(md.contains("- found: \\*calves\\* 3 \\# &lt;b>\n"), "{md}");
        assert!(md.contains("  - amended by Ana: typo\n"), "{md}");
        assert_eq!(Audience::parse("physio"), Some(Audience::Physio));
        assert_eq!(Audience::parse("friend"), None);
    }
}
