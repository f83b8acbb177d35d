//! Command-line flags as typed by the runner, before they are checked.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "kneadtime",
    version,
    about = "Plan well-timed sports massage around a runner's training calendar",
    long_about = "kneadtime reads a runner's training calendar (.ics or .csv), finds the races, hard days, \
long runs and rest days, and proposes the whole season of massage: pre-race, post-race, maintenance \
and recovery, each with its date, pressure, length, focus and reason. It also checks massages already \
booked against the timing rules.",
    after_help = "Exit codes: 0 done (for `check`: no error found), 1 `check` found an error, 2 bad input or usage."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Propose the season's massages from a training calendar.
    Plan(PlanArgs),
    /// Check massages already booked against the training calendar.
    Check(CheckArgs),
    /// I feel tight now: the next session worth booking and the earliest good day.
    Next(PlanArgs),
    /// Training load from recorded activities: weekly table and chart.
    Load(LoadArgs),
    /// Print a rule, its numbers and why it exists.
    Explain(ExplainArgs),
    /// Show the effective rules profile.
    Profile(ProfileArgs),
    /// Run the clinic's booking server (JSON API, calendar feeds, web pages).
    Serve(ServeArgs),
    /// Race week: give every runner who asked a post-race (or pre-race) time across the
    /// clinic group, the best for all of them at once.
    Allocate(AllocateArgs),
}

#[derive(Debug, Args)]
#[command(
    after_help = "runners.csv columns: id, name, finish (2027-04-18 13:05), clinics, days, times (morning, afternoon, evening), therapist, priority (standard, charity, elite, pre-booked); lists are separated by ';', best first.\nrota.csv columns: therapist, name, clinic, date, from, to, busy (10:00-11:00;14:00-14:30).\nWithout files, --sample N allocates a made-up week of N runners on a rota of 50 clinics, and --db URL --event NAME allocates a clinic's race-week event from its database."
)]
pub struct AllocateArgs {
    /// The runners who asked for a session (CSV).
    #[arg(
        long,
        value_name = "FILE",
        requires = "rota",
        conflicts_with = "sample"
    )]
    pub runners: Option<PathBuf>,
    /// The clinic group's rota: one row per therapist per day (CSV).
    #[arg(
        long,
        value_name = "FILE",
        requires = "runners",
        conflicts_with = "sample"
    )]
    pub rota: Option<PathBuf>,
    /// Allocate a made-up race week of this many runners instead of reading files.
    #[arg(long, value_name = "RUNNERS", conflicts_with = "db")]
    pub sample: Option<usize>,
    /// Read the runners and the rota from a clinic's database instead (with --event);
    /// nothing is booked: the event page does that.
    #[arg(
        long,
        value_name = "URL",
        requires = "event",
        conflicts_with_all = ["runners", "rota", "race"]
    )]
    pub db: Option<String>,
    /// The clinic's race-week event to allocate (its name or id), with --db.
    #[arg(long, value_name = "EVENT", requires = "db")]
    pub event: Option<String>,
    /// The race's first day.
    #[arg(long, value_name = "DATE", required_unless_present_any = ["sample", "db"])]
    pub race: Option<String>,
    /// How far it is, with a unit: 42.195km, 26.2mi, marathon, 100mi.
    #[arg(long, value_name = "DISTANCE")]
    pub distance: Option<String>,
    /// The race's name, for calendars and messages.
    #[arg(long, value_name = "NAME", default_value = "the race")]
    pub name: String,
    /// Pre-race sessions in the week before, instead of post-race ones.
    #[arg(long)]
    pub before: bool,
    /// Minutes of massage per runner.
    #[arg(long, value_name = "MIN", default_value_t = 45)]
    pub length: i32,
    /// Minutes a therapist needs between runners.
    #[arg(long, value_name = "MIN", default_value_t = 15)]
    pub buffer: i32,
    /// The clinic group's time zone (IANA name); default: this computer's.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Folder for assignments.csv and one .ics per booked runner.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// json prints every runner's outcome; table prints the summary and the first rows.
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,
    /// Rules profile (TOML) overriding the default numbers.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Ics,
    Md,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CheckFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct Common {
    /// Training calendar, .ics or .csv (repeat to merge several).
    #[arg(long = "calendar", value_name = "FILE")]
    pub calendars: Vec<PathBuf>,
    /// The runner's time zone (IANA name, e.g. Europe/London); default: the calendar's.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Rules profile (TOML) overriding the default numbers.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Treat this date as today (YYYY-MM-DD); default: the real date in the runner's zone.
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
    /// A race not in the calendar, or a correction: DATE:DISTANCE[:A|B|C]
    /// (DISTANCE: 5k, 10k, half, marathon, 50k, or a number with km/mi).
    #[arg(long = "race", value_name = "DATE:DISTANCE[:PRIORITY]")]
    pub races: Vec<String>,
    /// Recorded activities: .fit/.tcx/.gpx files (optionally .gz), a folder of them, or a
    /// Strava bulk-export folder or its activities.csv (repeatable).
    #[arg(long = "history", value_name = "PATH")]
    pub history: Vec<PathBuf>,
    #[command(flatten)]
    pub body: BodyArgs,
}

/// What is known of the runner's physiology (estimated from the activities otherwise).
#[derive(Debug, Args, Clone, Default)]
pub struct BodyArgs {
    /// Resting heart rate, beats per minute.
    #[arg(long, value_name = "BPM")]
    pub rest_hr: Option<f64>,
    /// Maximum heart rate, beats per minute.
    #[arg(long, value_name = "BPM")]
    pub max_hr: Option<f64>,
    /// Threshold pace per km, e.g. 4:30.
    #[arg(long, value_name = "M:SS")]
    pub threshold_pace: Option<String>,
    /// Use the heart-rate load constants for women.
    #[arg(long)]
    pub female: bool,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    #[command(flatten)]
    pub common: Common,
    /// Write the chart (fitness, fatigue, form, weekly volume, races, planned massages) as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: CheckFormat,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Training calendar given without --calendar.
    #[arg(value_name = "CALENDAR")]
    pub positional: Vec<PathBuf>,
    #[command(flatten)]
    pub common: Common,
    /// First day to plan (default: today, or the calendar's start if later).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last day to plan (default: the end of the calendar and of the last recovery block).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// At most this many sessions; the most valuable are kept.
    #[arg(long, value_name = "N")]
    pub budget: Option<usize>,
    /// At most this much money at the profile's prices; the most valuable set is kept.
    #[arg(long, value_name = "AMOUNT")]
    pub money: Option<f64>,
    /// Price of one kind of session: KIND=AMOUNT (pre_event, post_event, maintenance, recovery_phase).
    #[arg(long = "price", value_name = "KIND=AMOUNT")]
    pub prices: Vec<String>,
    /// Weekdays you cannot attend, e.g. sat,sun.
    #[arg(long, value_name = "DAYS", value_delimiter = ',')]
    pub unavailable: Vec<String>,
    /// A calendar of your other commitments (.ics/.csv): days with an event are not used.
    #[arg(long = "busy", value_name = "FILE")]
    pub busy: Vec<PathBuf>,
    /// A body region your therapist keeps finding tight (repeat); it leads maintenance focus.
    #[arg(long = "focus", value_name = "REGION")]
    pub focus: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write the output to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// The massages already booked, .ics or .csv.
    #[arg(long, value_name = "FILE", required = true)]
    pub bookings: PathBuf,
    #[arg(long, value_enum, default_value = "table")]
    pub format: CheckFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule id, e.g. race-eve. Without one, the list of rules.
    pub rule: Option<String>,
    /// Show the numbers of this profile instead of the defaults.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(subcommand)]
    pub action: ProfileAction,
}

#[derive(Debug, Subcommand)]
pub enum ProfileAction {
    /// Print the effective profile as TOML (defaults, overridden by --profile).
    Show {
        #[arg(long, value_name = "FILE")]
        profile: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
#[command(
    after_help = "Settings come from defaults, then the config file (--config, KNEADTIME_CONFIG, or \
~/.config/kneadtime/server.toml when it exists), then KNEADTIME_* environment variables, then these flags."
)]
pub struct ServeArgs {
    /// Database: sqlite://PATH (default: clinic.db in the user's data folder) or postgres://USER@HOST/DB.
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free one).
    #[arg(long, value_name = "HOST:PORT")]
    pub addr: Option<String>,
    /// Settings file (TOML).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Load a demo clinic (therapists, services, runners, a week of bookings) into an empty database.
    #[arg(long)]
    pub demo: bool,
    /// The address people reach the server at, for links and feed URLs (e.g. https://book.example.com).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// The mail server for messages to clients: smtp://HOST:PORT or smtps://USER:PASSWORD@HOST
    /// (a password is safer in KNEADTIME_SMTP_URL or the config file).
    #[arg(long, value_name = "URL")]
    pub smtp_url: Option<String>,
    /// The address mail to clients comes from.
    #[arg(long, value_name = "EMAIL")]
    pub mail_from: Option<String>,
}
