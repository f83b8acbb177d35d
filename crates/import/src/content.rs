//! The iCalendar content-line pre-pass: unfolds lines while keeping their ORIGINAL
//! 1-based line numbers, checks what the `icalendar` parser lets slip (no ':', empty
//! parameter names, BEGIN/END mismatches, truncated files), reads each line with
//! `icalendar`'s property parser, and builds the component tree.

use std::borrow::Cow;

use crate::ImportError;
use crate::values::quote;

/// Components nested deeper than this are refused (real calendars use 3 levels).
const MAX_DEPTH: usize = 16;

/// One property, with upper-cased names and the value as `icalendar` read it
/// (TEXT values unescaped, parameter quotes removed). Borrowed from the file's text
/// where nothing had to change.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Prop<'a> {
    pub name: Cow<'a, str>,
    pub params: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub value: Cow<'a, str>,
    pub line: usize,
}

impl Prop<'_> {
    /// The value of a parameter, by case-insensitive name.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

/// A component (`VCALENDAR`, `VEVENT`, …) with the lines it spans.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Component<'a> {
    pub name: Cow<'a, str>,
    pub line: usize,
    pub end_line: usize,
    pub props: Vec<Prop<'a>>,
    pub children: Vec<Component<'a>>,
}

impl<'a> Component<'a> {
    /// The first property with this (upper-case) name.
    pub(crate) fn prop(&self, name: &str) -> Option<&Prop<'a>> {
        self.props.iter().find(|p| p.name == name)
    }

    /// Every property with this (upper-case) name.
    pub(crate) fn props<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Prop<'a>> + 's {
        self.props.iter().filter(move |p| p.name == name)
    }
}

/// The component trees found in a file, and warnings about what was tolerated.
#[derive(Debug, Default)]
pub(crate) struct Parsed<'a> {
    pub roots: Vec<Component<'a>>,
    pub warnings: Vec<String>,
}

/// One unfolded content line and the physical line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Logical<'a> {
    /// Borrowed from the file unless continuation lines were joined to it.
    pub text: Cow<'a, str>,
    pub line: usize,
}

/// Splits on CRLF, LF or a lone CR.
fn physical_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        // Line breaks are ASCII, so a byte search never splits a character.
        match memchr::memchr2(b'\r', b'\n', r.as_bytes()) {
            None => {
                rest = None;
                Some(r)
            }
            Some(i) => {
                let skip = if r.as_bytes().get(i..i + 2) == Some(b"\r\n") {
                    2
                } else {
                    1
                };
                rest = r.get(i + skip..);
                r.get(..i)
            }
        }
    })
}

/// Unfolds continuation lines (a leading space or tab) and skips blank lines,
/// remembering where each logical line started.
pub(crate) fn unfold<'a>(text: &'a str, file: &str) -> Result<Vec<Logical<'a>>, ImportError> {
    // Most calendars fold few lines: about one logical line per 30 bytes.
    let mut out: Vec<Logical> = Vec::with_capacity(text.len() / 30 + 1);
    for (idx, phys) in physical_lines(text).enumerate() {
        let line = idx + 1;
        if phys.is_empty() {
            continue;
        }
        if let Some(rest) = phys.strip_prefix([' ', '\t']) {
            match out.last_mut() {
                Some(prev) => prev.text.to_mut().push_str(rest),
                None if rest.trim().is_empty() => {}
                None => {
                    return Err(ImportError::new(
                        file,
                        Some(line),
                        format!(
                            "expected a property line like NAME:VALUE, found a folded \
                             continuation line (it starts with a space) with nothing before it: {}",
                            quote(phys)
                        ),
                    ));
                }
            }
            continue;
        }
        out.push(Logical {
            text: Cow::Borrowed(phys),
            line,
        });
    }
    Ok(out)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Checks the shape `NAME *(";" PARAM ["=" VALUE *("," VALUE)]) ":" VALUE` and returns
/// the length of the name. Stricter than `icalendar` where it would silently guess.
///
/// Walks bytes: every character the shape names is ASCII, and in UTF-8 no byte of a
/// longer character is ASCII, so a byte search never cuts one.
fn check_syntax(line: &str) -> Result<usize, String> {
    if !line.contains(':') {
        return Err(format!(
            "expected a property line like NAME:VALUE, found a line with no ':': {}",
            quote(line)
        ));
    }
    let bytes = line.as_bytes();
    let is_name_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    // The character at byte `i`, as the messages show it.
    let shown = |i: usize| {
        line.get(i..)
            .and_then(|r| r.chars().next())
            .map(|c| format!("{:?}", c.to_string()))
    };
    let name_len = bytes
        .iter()
        .position(|b| !is_name_byte(*b))
        .unwrap_or(bytes.len());
    if name_len == 0 {
        return Err(format!(
            "expected a property name (letters, digits, '-') at the start of the line, \
             found {} in {}",
            shown(0).unwrap_or_else(|| "\" \"".into()),
            quote(line)
        ));
    }
    let name = &line[..name_len];
    let mut i = name_len;
    loop {
        match bytes.get(i) {
            Some(b':') => return Ok(name_len),
            Some(b';') => i += 1,
            Some(_) => {
                return Err(format!(
                    "expected ';' or ':' after the property name {name:?}, found {} in {}",
                    shown(i).unwrap_or_default(),
                    quote(line)
                ));
            }
            None => unreachable_colon(line)?,
        }
        // A parameter: spaces after ';' are tolerated, as the icalendar parser does.
        while bytes.get(i) == Some(&b' ') {
            i += 1;
        }
        let pstart = i;
        while bytes.get(i).is_some_and(|b| is_name_byte(*b)) {
            i += 1;
        }
        let pname = &line[pstart..i];
        if pname.is_empty() {
            let found = shown(i).unwrap_or_else(|| "the end of the line".to_string());
            return Err(format!(
                "expected a parameter name after ';', found {found} in {}",
                quote(line)
            ));
        }
        match bytes.get(i) {
            Some(b';' | b':') => continue,
            Some(b'=') => i += 1,
            Some(_) => {
                return Err(format!(
                    "expected '=' after the parameter name {pname:?}, found {} in {}",
                    shown(i).unwrap_or_default(),
                    quote(line)
                ));
            }
            None => unreachable_colon(line)?,
        }
        // Parameter values: quoted or bare, separated by commas.
        loop {
            if bytes.get(i) == Some(&b'"') {
                match bytes[i + 1..].iter().position(|b| *b == b'"') {
                    Some(k) => i += k + 2,
                    None => {
                        return Err(format!(
                            "expected a closing '\"' for the value of parameter {pname:?}, \
                             found the end of the line in {}",
                            quote(line)
                        ));
                    }
                }
            } else {
                while bytes
                    .get(i)
                    .is_some_and(|b| !matches!(b, b';' | b':' | b','))
                {
                    i += 1;
                }
            }
            match bytes.get(i) {
                Some(b',') => i += 1,
                Some(b';' | b':') => break,
                Some(_) => {
                    return Err(format!(
                        "expected ';' or ':' after the value of parameter {pname:?}, \
                         found {} in {}",
                        shown(i).unwrap_or_default(),
                        quote(line)
                    ));
                }
                None => unreachable_colon(line)?,
            }
        }
    }
}

/// The ':' we saw was inside a quoted parameter value: there is no value separator.
fn unreachable_colon(line: &str) -> Result<(), String> {
    Err(format!(
        "expected ':' before the property value, found the end of the line in {}",
        quote(line)
    ))
}

/// Reads one checked content line: `NAME:VALUE` with nothing to unescape is taken as
/// it stands (what the parser would return, see the test), anything else goes through
/// `icalendar`'s property parser.
fn read_prop<'a>(logical: &Logical<'a>, name_len: usize) -> Result<Prop<'a>, String> {
    match plain_prop(logical, name_len) {
        Some(p) => Ok(p),
        None => read_prop_parsed(logical, name_len),
    }
}

/// A line with nothing for the parser to do: simple `;KEY=VALUE` parameters (no quotes,
/// no lists, no spaces) and a value with no escapes. `None` sends it to the parser.
fn plain_prop<'a>(logical: &Logical<'a>, name_len: usize) -> Option<Prop<'a>> {
    let text: &str = &logical.text;
    let after = text.get(name_len..)?;
    let (params_text, value) = after.split_once(':')?;
    if value.contains('\\') {
        return None;
    }
    let piece = |part: &str| piece_of(logical, part);
    let upper = |part: &str| upper_part(logical, part);
    let mut params = Vec::new();
    if !params_text.is_empty() {
        for p in params_text.strip_prefix(';')?.split(';') {
            let (k, v) = p.split_once('=')?;
            let simple = |t: &str| {
                !t.is_empty()
                    && t.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_/+.".contains(c))
            };
            if !(simple(k) && simple(v)) {
                return None;
            }
            params.push((upper(k), piece(v)));
        }
    }
    Some(Prop {
        name: upper(text.get(..name_len)?),
        params,
        value: piece(value),
        line: logical.line,
    })
}

/// `part`, a slice of the logical line, borrowed from the file's text when the line is.
fn piece_of<'a>(logical: &Logical<'a>, part: &str) -> Cow<'a, str> {
    match &logical.text {
        Cow::Borrowed(line) => {
            let start = part.as_ptr() as usize - line.as_ptr() as usize;
            Cow::Borrowed(&line[start..start + part.len()])
        }
        Cow::Owned(_) => Cow::Owned(part.to_string()),
    }
}

/// `part` in upper case, borrowed when it already is.
fn upper_part<'a>(logical: &Logical<'a>, part: &str) -> Cow<'a, str> {
    if part.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(part.to_ascii_uppercase())
    } else {
        piece_of(logical, part)
    }
}

/// Reads one checked content line with `icalendar`'s property parser.
fn read_prop_parsed<'a>(logical: &Logical<'_>, name_len: usize) -> Result<Prop<'a>, String> {
    let name = logical
        .text
        .get(..name_len)
        .unwrap_or_default()
        .to_ascii_uppercase();
    // Upper-case the name so icalendar recognises TEXT properties and unescapes them.
    let text = format!("{name}{}", logical.text.get(name_len..).unwrap_or_default());
    let parsed = icalendar::parser::Property::try_from(text.as_str()).map_err(|_| {
        format!(
            "expected a property line like NAME:VALUE, found {}",
            quote(&logical.text)
        )
    })?;
    if !parsed.name.as_str().eq_ignore_ascii_case(&name) {
        return Err(format!(
            "expected a property line like NAME:VALUE, found {}",
            quote(&logical.text)
        ));
    }
    Ok(Prop {
        name: Cow::Owned(name),
        params: parsed
            .params
            .iter()
            .map(|p| {
                (
                    Cow::Owned(p.key.as_str().to_ascii_uppercase()),
                    Cow::Owned(
                        p.val
                            .as_ref()
                            .map(|v| v.as_str().to_string())
                            .unwrap_or_default(),
                    ),
                )
            })
            .collect(),
        value: Cow::Owned(parsed.val.as_str().to_string()),
        line: logical.line,
    })
}

/// Parses iCalendar text into component trees.
pub(crate) fn parse<'a>(text: &'a str, file: &str) -> Result<Parsed<'a>, ImportError> {
    let mut parsed = Parsed::default();
    let mut stack: Vec<Component> = Vec::new();
    let mut ignored_outside = false;
    for logical in unfold(text, file)? {
        let err = |message: String| ImportError::new(file, Some(logical.line), message);
        let name_len = check_syntax(&logical.text).map_err(err)?;
        let name = logical.text.get(..name_len).unwrap_or_default();
        let after = logical.text.get(name_len..).unwrap_or_default();
        if name.eq_ignore_ascii_case("BEGIN") || name.eq_ignore_ascii_case("END") {
            let Some(value) = after.strip_prefix(':') else {
                return Err(err(format!(
                    "expected {}:NAME with no parameters, found {}",
                    name.to_ascii_uppercase(),
                    quote(&logical.text)
                )));
            };
            let comp = upper_part(&logical, value.trim());
            if comp.is_empty() || !comp.chars().all(is_name_char) {
                return Err(err(format!(
                    "expected a component name like VEVENT after {}:, found {}",
                    name.to_ascii_uppercase(),
                    quote(value)
                )));
            }
            if name.eq_ignore_ascii_case("BEGIN") {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(format!(
                        "expected at most {MAX_DEPTH} nested components, found BEGIN:{comp} \
                         nested deeper"
                    )));
                }
                stack.push(Component {
                    name: comp,
                    line: logical.line,
                    // Events carry about ten properties; one allocation holds them.
                    props: Vec::with_capacity(12),
                    ..Component::default()
                });
            } else {
                let Some(mut open) = stack.pop() else {
                    return Err(err(format!(
                        "found END:{comp} but no component is open (expected BEGIN:{comp} \
                         before it)"
                    )));
                };
                if open.name != comp {
                    return Err(err(format!(
                        "expected END:{} (closing BEGIN:{} on line {}), found END:{comp}",
                        open.name, open.name, open.line
                    )));
                }
                open.end_line = logical.line;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(open),
                    None => parsed.roots.push(open),
                }
            }
            continue;
        }
        let prop = read_prop(&logical, name_len).map_err(err)?;
        match stack.last_mut() {
            Some(top) => top.props.push(prop),
            None => {
                if !ignored_outside {
                    ignored_outside = true;
                    parsed.warnings.push(format!(
                        "{file}:{}: ignored properties outside any BEGIN:…/END:… component",
                        logical.line
                    ));
                }
            }
        }
    }
    // End of file with components still open.
    if let Some(innermost) = stack.last() {
        if stack.len() == 1 && innermost.name == "VCALENDAR" {
            parsed.warnings.push(format!(
                "{file}: the file ends without END:VCALENDAR (BEGIN:VCALENDAR is on line {}); \
                 read it anyway because every event was closed",
                innermost.line
            ));
            if let Some(mut cal) = stack.pop() {
                cal.end_line = cal.line;
                parsed.roots.push(cal);
            }
        } else {
            return Err(ImportError::new(
                file,
                Some(innermost.line),
                format!(
                    "expected END:{} before the end of the file, found the end of the file \
                     (BEGIN:{} is on this line)",
                    innermost.name, innermost.name
                ),
            ));
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_of(text: &str) -> ImportError {
        parse(text, "t.ics").unwrap_err()
    }

    #[test]
    fn unfolds_and_keeps_original_lines() {
        let lines = unfold("A:1\r\n\r\nB:2\r\n  x\r\n\ty\nC:3\rD:4", "t").unwrap();
        let got: Vec<(&str, usize)> = lines.iter().map(|l| (l.text.as_ref(), l.line)).collect();
        assert_eq!(got, vec![("A:1", 1), ("B:2 xy", 3), ("C:3", 6), ("D:4", 7)]);
    }

    #[test]
    fn fold_inside_a_parameter_value() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/realdata/ics_fold_inside_param.ics"
        ))
        .unwrap();
        let parsed = parse(&text, "f").unwrap();
        let cal = &parsed.roots[0];
        let attendee = cal.prop("ATTENDEE").unwrap();
        assert_eq!(attendee.line, 2);
        assert_eq!(attendee.param("rsvp"), Some("TRUE"));
        assert_eq!(attendee.value, "mailto:person@foo.com");
    }

    #[test]
    fn properties_are_read_by_icalendar() {
        let parsed = parse(
            "BEGIN:VEVENT\nsummary:Long run\\, easy\\nthen stretch\nDTSTART;TZID=\"Europe/London\";VALUE=DATE-TIME:20270425T070000\nCATEGORIES:a\\,b,c\nEND:VEVENT\n",
            "t",
        )
        .unwrap();
        let ev = &parsed.roots[0];
        assert_eq!((ev.line, ev.end_line), (1, 5));
        assert_eq!(
            ev.prop("SUMMARY").unwrap().value,
            "Long run, easy\nthen stretch"
        );
        let dt = ev.prop("DTSTART").unwrap();
        assert_eq!(dt.param("TZID"), Some("Europe/London"));
        assert_eq!(dt.param("value"), Some("DATE-TIME"));
        assert_eq!(dt.value, "20270425T070000");
        // Text lists stay escaped for crate::values::split_text_list.
        assert_eq!(ev.prop("CATEGORIES").unwrap().value, "a\\,b,c");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = err_of("BEGIN:VEVENT\nSUMMARY no colon\nEND:VEVENT\n");
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("no ':'"), "{e}");

        let e = err_of("BEGIN:VEVENT\nDTSTART;;VALUE=DATE:20270101\nEND:VEVENT\n");
        assert_eq!(e.line, Some(2));
        assert!(
            e.message
                .starts_with("expected a parameter name after ';', found \";\""),
            "{e}"
        );

        let e = err_of("BEGIN:VEVENT\nDTSTART;TZID=\"Europe/London:20270101\nEND:VEVENT\n");
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("closing '\"'"), "{e}");

        let e = err_of("BEGIN:VEVENT\nX FOO:1\nEND:VEVENT\n");
        assert!(e.message.contains("expected ';' or ':'"), "{e}");

        let e = err_of("BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VCALENDAR\n");
        assert_eq!(e.line, Some(3));
        assert_eq!(
            e.message,
            "expected END:VEVENT (closing BEGIN:VEVENT on line 2), found END:VCALENDAR"
        );

        let e = err_of("END:VEVENT\n");
        assert_eq!(e.line, Some(1));

        let e = err_of("BEGIN:\n");
        assert!(e.message.contains("component name"), "{e}");

        let e = err_of(" folded:at the start\n");
        assert_eq!(e.line, Some(1));
    }

    #[test]
    fn end_of_file_inside_components() {
        // Missing END:VCALENDAR only: accepted with a warning.
        let parsed = parse(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20270101\nEND:VEVENT\n",
            "t",
        )
        .unwrap();
        assert_eq!(parsed.roots.len(), 1);
        assert_eq!(parsed.roots[0].children.len(), 1);
        assert!(
            parsed.warnings[0].contains("END:VCALENDAR"),
            "{:?}",
            parsed.warnings
        );

        // An unclosed VEVENT is an error naming its BEGIN line.
        let e = err_of("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20270101\n");
        assert_eq!(e.line, Some(2));
        assert!(
            e.message
                .starts_with("expected END:VEVENT before the end of the file"),
            "{e}"
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = "BEGIN:X\n".repeat(10_000);
        let e = err_of(&text);
        assert_eq!(e.line, Some(MAX_DEPTH + 1));
    }

    #[test]
    fn plain_lines_read_as_the_property_parser_reads_them() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files: Vec<std::path::PathBuf> = Vec::new();
        for dir in ["examples", "testdata/realdata", "testdata/calendars"] {
            for e in std::fs::read_dir(root.join(dir)).expect("the folder") {
                let p = e.expect("an entry").path();
                if p.extension().is_some_and(|x| x == "ics") {
                    files.push(p);
                }
            }
        }
        assert!(files.len() >= 3, "{files:?}");
        let extra = "SUMMARY:Tempo 8 km; easy: 2 km\nLOCATION:Park, north gate\nX-WORKOUT-ESTIMATED-DURATION:PT45M\nsummary:lower case\nDESCRIPTION: leading and trailing \nURL:https://example.com/a?b=c;d=e\nDTSTART;TZID=America/New_York:20270101T090000\ndtend;value=date:20270102\nDTSTART;TZID=Etc/GMT+5;VALUE=DATE-TIME:20270101T090000\nATTENDEE;ROLE=REQ-PARTICIPANT;CN=Ana:mailto:ana@example.com\n";
        let mut texts: Vec<String> = files
            .iter()
            .map(|p| String::from_utf8_lossy(&std::fs::read(p).expect("readable")).into_owned())
            .collect();
        texts.push(extra.to_string());
        let mut compared = 0;
        for text in &texts {
            for logical in unfold(text, "t.ics").expect("unfolds") {
                let Ok(name_len) = check_syntax(&logical.text) else {
                    continue;
                };
                let after = logical.text.get(name_len..).unwrap_or_default();
                let name = logical.text.get(..name_len).unwrap_or_default();
                // BEGIN and END lines are read by `parse` itself.
                if name.eq_ignore_ascii_case("BEGIN") || name.eq_ignore_ascii_case("END") {
                    continue;
                }
                let _ = after;
                let Some(fast) = plain_prop(&logical, name_len) else {
                    continue;
                };
                let parsed = read_prop_parsed(&logical, name_len);
                assert_eq!(Ok(fast), parsed, "{:?}", logical.text);
                compared += 1;
            }
        }
        assert!(compared > 100, "{compared}");
    }
}
