//! How values are written into the bot's reply templates: Brazilian Portuguese by default
//! (`1.234,56`, `30/11/2026`), Spanish or English when the caller's `Accept-Language` asks.
//! The templates print result fields verbatim, so the formatting has to happen here.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use jiff::civil::Date;

use crate::customers::DeliveryStage;

/// The languages of the demo profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// Portuguese (Brazil), the default.
    Pt,
    /// Spanish.
    Es,
    /// English.
    En,
}

impl Locale {
    /// The best supported language in an `Accept-Language` header; Portuguese when the
    /// header is absent or names none of pt, es and en.
    pub fn from_headers(headers: &HeaderMap) -> Locale {
        headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .map_or(Locale::Pt, Locale::from_accept_language)
    }

    /// Parses `es-AR,es;q=0.9,en;q=0.8`: the highest weight wins, the first on a tie.
    pub fn from_accept_language(header: &str) -> Locale {
        let mut best: Option<(Locale, f32)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let weight = parts
                .find_map(|parameter| parameter.trim().strip_prefix("q="))
                .map_or(Some(1.0), |weight| weight.trim().parse::<f32>().ok());
            let primary = tag.split('-').next().unwrap_or_default();
            let locale = match primary.to_ascii_lowercase().as_str() {
                "pt" => Locale::Pt,
                "es" => Locale::Es,
                "en" => Locale::En,
                _ => continue,
            };
            let Some(weight) = weight.filter(|weight| *weight > 0.0) else {
                continue;
            };
            if best.is_none_or(|(_, best_weight)| weight > best_weight) {
                best = Some((locale, weight));
            }
        }
        best.map_or(Locale::Pt, |(locale, _)| locale)
    }

    /// An amount in centavos without the currency symbol (the templates print `R$`):
    /// `1.234,56` in pt and es, `1,234.56` in en.
    pub fn money(self, cents: u64) -> String {
        let (thousands, decimal) = self.separators();
        let reais = (cents / 100).to_string();
        let mut grouped = String::with_capacity(reais.len() + reais.len() / 3);
        for (index, digit) in reais.chars().enumerate() {
            if index > 0 && (reais.len() - index).is_multiple_of(3) {
                grouped.push(thousands);
            }
            grouped.push(digit);
        }
        format!("{grouped}{decimal}{:02}", cents % 100)
    }

    /// A rate in hundredths of a percent without the `%` sign: `1,89` or `1.89`.
    pub fn rate(self, hundredths: u16) -> String {
        let (_, decimal) = self.separators();
        format!("{}{decimal}{:02}", hundredths / 100, hundredths % 100)
    }

    /// A date: `30/11/2026` in pt and es, `Nov 30, 2026` in en.
    pub fn date(self, date: Date) -> String {
        match self {
            Locale::Pt | Locale::Es => {
                format!("{:02}/{:02}/{}", date.day(), date.month(), date.year())
            }
            Locale::En => {
                const MONTHS: [&str; 12] = [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec",
                ];
                let month = usize::try_from(date.month() - 1)
                    .ok()
                    .and_then(|index| MONTHS.get(index))
                    .copied()
                    .unwrap_or_default();
                format!("{month} {}, {}", date.day(), date.year())
            }
        }
    }

    /// A card delivery stage as the reply prints it.
    pub fn delivery_stage(self, stage: DeliveryStage) -> &'static str {
        match (self, stage) {
            (Locale::Pt, DeliveryStage::InProduction) => "em produção",
            (Locale::Pt, DeliveryStage::InTransit) => "em trânsito",
            (Locale::Pt, DeliveryStage::OutForDelivery) => "saiu para entrega",
            (Locale::Es, DeliveryStage::InProduction) => "en producción",
            (Locale::Es, DeliveryStage::InTransit) => "en camino",
            (Locale::Es, DeliveryStage::OutForDelivery) => "en reparto",
            (Locale::En, DeliveryStage::InProduction) => "being made",
            (Locale::En, DeliveryStage::InTransit) => "in transit",
            (Locale::En, DeliveryStage::OutForDelivery) => "out for delivery",
        }
    }

    fn separators(self) -> (char, char) {
        match self {
            Locale::Pt | Locale::Es => ('.', ','),
            Locale::En => (',', '.'),
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn money_is_grouped_by_thousands_with_two_decimals() {
        let cases = [
            (0, "0,00", "0.00"),
            (5, "0,05", "0.05"),
            (12_990, "129,90", "129.90"),
            (123_456, "1.234,56", "1,234.56"),
            (125_000_000, "1.250.000,00", "1,250,000.00"),
        ];
        for (cents, pt, en) in cases {
            assert_eq!(Locale::Pt.money(cents), pt);
            assert_eq!(Locale::Es.money(cents), pt);
            assert_eq!(Locale::En.money(cents), en);
        }
    }

    #[test]
    fn rates_and_dates_follow_the_language() {
        assert_eq!(Locale::Pt.rate(189), "1,89");
        assert_eq!(Locale::En.rate(1205), "12.05");
        assert_eq!(Locale::Pt.date(date(2026, 3, 5)), "05/03/2026");
        assert_eq!(Locale::Es.date(date(2026, 11, 30)), "30/11/2026");
        assert_eq!(Locale::En.date(date(2026, 11, 30)), "Nov 30, 2026");
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        let cases = [
            ("", Locale::Pt),
            ("fr", Locale::Pt),
            ("es", Locale::Es),
            ("en-US", Locale::En),
            ("EN-gb", Locale::En),
            ("pt-BR,pt;q=0.9,en;q=0.8", Locale::Pt),
            ("fr;q=1, en;q=0.4, es;q=0.7", Locale::Es),
            ("es;q=0, en", Locale::En),
            ("es;q=nonsense, en;q=0.1", Locale::En),
            ("en;q=0.5, es;q=0.5", Locale::En),
        ];
        for (header, expected) in cases {
            assert_eq!(Locale::from_accept_language(header), expected, "{header}");
        }
    }
}
