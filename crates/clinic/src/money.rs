//! Prices as people write and read them: in the clinic's currency ("£65.00", "65,00 kr"),
//! and typed with or without a symbol ("£65", "65.50", "EUR 65,5").

/// The currencies a clinic may choose: ISO 4217 code, symbol, and whether the symbol
/// goes before the amount.
pub const CURRENCIES: &[(&str, &str, bool)] = &[
    ("GBP", "£", true),
    ("EUR", "€", true),
    ("USD", "$", true),
    ("CAD", "CA$", true),
    ("AUD", "A$", true),
    ("NZD", "NZ$", true),
    ("CHF", "CHF", false),
    ("SEK", "kr", false),
    ("NOK", "kr", false),
    ("DKK", "kr.", false),
    ("PLN", "zł", false),
    ("CZK", "Kč", false),
];

/// Whether `code` is a currency the clinic may choose (empty: none).
pub fn known_currency(code: &str) -> bool {
    code.is_empty() || CURRENCIES.iter().any(|(c, _, _)| *c == code)
}

/// `cents` in `currency` ("£65.00"; "65.00" with no currency; negative amounts do not
/// occur, prices are checked when stored).
pub fn price_text(cents: i64, currency: &str) -> String {
    let amount = format!("{}.{:02}", cents / 100, (cents % 100).abs());
    match CURRENCIES.iter().find(|(c, _, _)| *c == currency) {
        Some((_, symbol, true)) => format!("{symbol}{amount}"),
        Some((_, symbol, false)) => format!("{amount} {symbol}"),
        None => amount,
    }
}

/// A typed price in cents: digits with an optional decimal point or comma and at most
/// two decimals, with any currency symbol or code around it. `None` for anything else
/// (or over a million).
pub fn parse_price(text: &str) -> Option<i64> {
    let t = text.trim();
    let number: String = t
        .trim_matches(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .to_string();
    // Only a symbol or code may stand around the number.
    let outside = t.replace(&number, "");
    if number.is_empty() || outside.chars().any(|c| c.is_ascii_digit() || c == '-') {
        return None;
    }
    let (whole, frac) = match number.split_once(['.', ',']) {
        Some((w, f)) => (w, f),
        None => (number.as_str(), ""),
    };
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || whole.len() > 7
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let cents = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse::<i64>().ok()?,
    };
    let total = whole * 100 + cents;
    (total <= 100_000_000).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_read_with_or_without_a_symbol() {
        assert_eq!(parse_price("65"), Some(6500));
        assert_eq!(parse_price("£65"), Some(6500));
        assert_eq!(parse_price(" 65.5 "), Some(6550));
        assert_eq!(parse_price("65,50 €"), Some(6550));
        assert_eq!(parse_price("EUR 65.05"), Some(6505));
        assert_eq!(parse_price("$0.99"), Some(99));
        assert_eq!(parse_price("lots"), None);
        assert_eq!(parse_price("65.555"), None);
        assert_eq!(parse_price("1.000,50"), None);
        assert_eq!(parse_price("6 5"), None);
        assert_eq!(parse_price(""), None);
        assert_eq!(parse_price("-5"), None);
        assert_eq!(parse_price("99999999"), None);
    }

    #[test]
    fn prices_shown_in_the_clinic_currency() {
        assert_eq!(price_text(6500, "GBP"), "£65.00");
        assert_eq!(price_text(6550, "SEK"), "65.50 kr");
        assert_eq!(price_text(5, ""), "0.05");
        assert!(known_currency("EUR") && known_currency("") && !known_currency("XYZ"));
    }
}
