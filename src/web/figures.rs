//! Figures for people: QUDT units by their label in the reader's language (`unit:PERCENT` → `%`,
//! `unit:KiloW-HR` → `kWh`; an unknown unit shows as its QUDT code) and numbers grouped by the
//! reader's locale (English `1,234,567.5`; Swedish `1 234 567,5` with no-break spaces).

use super::i18n::Lang;

/// The QUDT unit namespace.
const UNIT_NS: &str = "http://qudt.org/vocab/unit/";

/// QUDT unit code → (English, Swedish) label. The substance of a rate (CO₂ in g/kWh) is the
/// indicator's to say, not the unit's.
const UNITS: &[(&str, &str, &str)] = &[
    ("NUM", "", ""),
    ("PERCENT", "%", "%"),
    ("TONNE", "t", "t"),
    ("MegaTONNE", "Mt", "Mt"),
    ("KiloGM", "kg", "kg"),
    ("KiloGM-PER-M2", "kg/m²", "kg/m²"),
    ("GM-PER-KiloW-HR", "g/kWh", "g/kWh"),
    ("KiloW-HR", "kWh", "kWh"),
    ("MegaW-HR", "MWh", "MWh"),
    ("GigaW-HR", "GWh", "GWh"),
    ("KiloW-HR-PER-M2", "kWh/m²", "kWh/m²"),
    ("KiloW", "kW", "kW"),
    ("MegaW", "MW", "MW"),
    ("M", "m", "m"),
    ("KiloM", "km", "km"),
    ("MI", "miles", "engelska mil"),
    ("M2", "m²", "m²"),
    ("KiloM2", "km²", "km²"),
    ("HA", "ha", "ha"),
    ("HR", "hours", "timmar"),
    ("DAY", "days", "dagar"),
    ("MO", "months", "månader"),
    ("YR", "years", "år"),
    ("TeraBYTE", "TB", "TB"),
    ("CCY_EUR", "EUR", "EUR"),
    ("EUR", "EUR", "EUR"),
    ("CCY_SEK", "SEK", "SEK"),
    ("CCY_DKK", "DKK", "DKK"),
    ("CCY_NOK", "NOK", "NOK"),
    ("CCY_CHF", "CHF", "CHF"),
    ("CCY_ISK", "ISK", "ISK"),
    ("CCY_USD", "USD", "USD"),
    ("CCY_SGD", "SGD", "SGD"),
    ("CCY_GBP", "GBP", "GBP"),
];

/// The label of a QUDT unit IRI (or code) in `lang`; an unknown unit shows as its code.
pub fn unit_label(iri: &str, lang: Lang) -> String {
    let code = iri.strip_prefix(UNIT_NS).unwrap_or(iri);
    let code = code.rsplit('/').next().unwrap_or(code);
    match UNITS.iter().find(|(c, _, _)| *c == code) {
        Some((_, en, sv)) => if lang == Lang::Sv { sv } else { en }.to_string(),
        None => code.to_owned(),
    }
}

/// A decimal or double literal's text grouped for reading in `lang`: trailing zeros of the
/// fraction dropped, thousands grouped from five digits on (`5500` stays, `25000` → `25,000`),
/// exponents written out when the value is an integer. Text that is not a number is returned as
/// it is.
pub fn format_number(value: &str, lang: Lang) -> String {
    let value = value.trim();
    let plain = if value.contains(['e', 'E']) {
        match value.parse::<f64>() {
            Ok(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e18 => format!("{v:.0}"),
            Ok(v) if v.is_finite() => format!("{v}"),
            _ => return value.to_owned(),
        }
    } else {
        value.to_owned()
    };
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain.strip_prefix('+').unwrap_or(&plain)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return value.to_owned();
    }
    let frac = frac.trim_end_matches('0');
    let (group, point) = match lang {
        Lang::En => (",", "."),
        Lang::Sv => ("\u{a0}", ","),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if int.len() > 4 && i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push_str(group);
        }
        grouped.push(c);
    }
    let sign = if sign == "-" && lang == Lang::Sv {
        "\u{2212}"
    } else {
        sign
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}{point}{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_as_people_write_them() {
        assert_eq!(
            unit_label("http://qudt.org/vocab/unit/PERCENT", Lang::En),
            "%"
        );
        assert_eq!(
            unit_label("http://qudt.org/vocab/unit/MegaTONNE", Lang::Sv),
            "Mt"
        );
        assert_eq!(
            unit_label("http://qudt.org/vocab/unit/KiloW-HR", Lang::En),
            "kWh"
        );
        assert_eq!(
            unit_label("http://qudt.org/vocab/unit/CCY_EUR", Lang::En),
            "EUR"
        );
        assert_eq!(
            unit_label("http://qudt.org/vocab/unit/DAY", Lang::Sv),
            "dagar"
        );
        assert_eq!(unit_label("http://qudt.org/vocab/unit/NUM", Lang::En), "");
        assert_eq!(
            unit_label("http://qudt.org/vocab/unit/FURLONG-PER-FORTNIGHT", Lang::En),
            "FURLONG-PER-FORTNIGHT"
        );
    }

    #[test]
    fn numbers_are_grouped_by_locale() {
        assert_eq!(format_number("1234567.50", Lang::En), "1,234,567.5");
        assert_eq!(
            format_number("1234567.50", Lang::Sv),
            "1\u{a0}234\u{a0}567,5"
        );
        assert_eq!(format_number("5500.0", Lang::En), "5500");
        assert_eq!(format_number("14.0", Lang::Sv), "14");
        assert_eq!(format_number("1.25", Lang::Sv), "1,25");
        assert_eq!(format_number("1.6E10", Lang::En), "16,000,000,000");
        assert_eq!(format_number("-25000", Lang::En), "-25,000");
        assert_eq!(format_number("n/a", Lang::En), "n/a");
    }
}
