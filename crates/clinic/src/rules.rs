//! The rules profile as an owner edits it: the few numbers clinics change most, each
//! with its words, written into the profile's TOML without spelling out the rest.

use kneadtime_domain::Profile;

use crate::context::clinic_profile;

/// The numbers owners change most: (section, key, what it means).
pub const PROFILE_NUMBERS: &[(&str, &str, &str)] = &[
    (
        "windows",
        "pre_event_max_days",
        "Pre-race massage: earliest, in days before the race",
    ),
    (
        "windows",
        "pre_event_ideal_days",
        "Pre-race massage: the best day, in days before the race",
    ),
    (
        "windows",
        "pre_event_min_days",
        "Pre-race massage: latest, in days before the race",
    ),
    (
        "windows",
        "post_event_min_days",
        "Post-race massage: earliest, in days after the race",
    ),
    (
        "windows",
        "post_event_max_days",
        "Post-race massage: latest, in days after the race",
    ),
    (
        "windows",
        "taper_pressure_days",
        "No deep pressure in this many days before a goal race",
    ),
    (
        "windows",
        "deep_buffer_days",
        "Clear days deep work needs before the next hard session",
    ),
    (
        "sessions",
        "min_gap_days",
        "Fewest days between two massages",
    ),
];

/// The value of `section.key` in `profile`, for the numbers of [`PROFILE_NUMBERS`].
pub fn profile_number(profile: &Profile, section: &str, key: &str) -> Option<i64> {
    serde_json::to_value(profile).ok()?[section][key].as_i64()
}

/// `toml_text` with each `(section, key, value)` set: a value is written when it differs
/// from the built-in rules or the text already had it, so a profile stays as short as
/// the owner's changes. The result is checked as a whole.
///
/// # Errors
/// The TOML does not read, or the numbers do not fit together (the message names the
/// setting).
pub fn profile_with(toml_text: &str, numbers: &[(&str, &str, i64)]) -> Result<String, String> {
    let mut table: toml::Table = if toml_text.trim().is_empty() {
        toml::Table::new()
    } else {
        toml_text
            .parse()
            .map_err(|e: toml::de::Error| e.message().to_string())?
    };
    let defaults = Profile::default();
    for (section, key, value) in numbers {
        let default = profile_number(&defaults, section, key);
        let written = table.get(*section).and_then(|s| s.get(*key)).is_some();
        if default == Some(*value) && !written {
            continue;
        }
        let entry = table
            .entry(section.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let Some(section_table) = entry.as_table_mut() else {
            return Err(format!("{section} is not a table of settings"));
        };
        section_table.insert(key.to_string(), toml::Value::Integer(*value));
    }
    let text = if table.is_empty() {
        String::new()
    } else {
        toml::to_string(&table).map_err(|e| e.to_string())?
    };
    clinic_profile(&text)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_are_written_and_the_whole_is_checked() {
        let d = Profile::default();
        let pre = profile_number(&d, "windows", "pre_event_ideal_days").unwrap();
        // The defaults, given back, write nothing.
        assert_eq!(
            profile_with("", &[("windows", "pre_event_ideal_days", pre)]).unwrap(),
            ""
        );
        // A change is written on its own and read back.
        let max = profile_number(&d, "windows", "pre_event_max_days").unwrap();
        let text = profile_with("", &[("windows", "pre_event_max_days", max + 1)]).unwrap();
        assert!(text.contains("pre_event_max_days"), "{text}");
        assert!(!text.contains("pre_event_ideal_days"), "{text}");
        let p = clinic_profile(&text).unwrap();
        assert_eq!(
            profile_number(&p, "windows", "pre_event_max_days"),
            Some(max + 1)
        );
        // Other settings already written are kept.
        let kept = profile_with(
            "[sessions]\nmin_gap_days = 3\n",
            &[("windows", "pre_event_max_days", max + 1)],
        )
        .unwrap();
        assert!(kept.contains("min_gap_days = 3"), "{kept}");
        // Numbers that do not fit together are refused.
        assert!(profile_with("", &[("windows", "pre_event_min_days", max + 5)]).is_err());
        assert!(profile_with("not toml [", &[]).is_err());
    }
}
