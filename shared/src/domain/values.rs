//! Validated value types shared by the catalogue: slugs, country codes, coordinates,
//! amenities, price levels, time zones and opening hours.
//!
//! Each type can only hold a valid value ("parse, don't validate"): constructors and serde
//! deserialisation go through the same checks.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::DomainError;

/// A URL-safe lowercase identifier such as `v60` or `aeropress-inverted` (1–64 characters).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    /// Maximum length of a slug.
    pub const MAX_LEN: usize = 64;

    /// Parses a slug: lowercase ASCII letters and digits in groups joined by single hyphens.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let ok = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::InvalidSlug)
        }
    }

    /// Turns free text ("São Paulo") into a slug ("sao-paulo"), folding common accents.
    pub fn from_text(text: &str) -> Result<Self, DomainError> {
        let mut out = String::with_capacity(text.len());
        for ch in text.chars().flat_map(fold_accent) {
            if ch.is_ascii_alphanumeric() {
                out.push(ch.to_ascii_lowercase());
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        while out.ends_with('-') {
            out.pop();
        }
        Self::parse(&out)
    }

    /// The slug as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn fold_accent(ch: char) -> impl Iterator<Item = char> {
    let folded: &str = match ch {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'ç' | 'Ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ß' => "ss",
        'æ' | 'Æ' => "ae",
        _ => "",
    };
    let keep = folded.is_empty().then_some(ch);
    folded.chars().chain(keep)
}

impl TryFrom<String> for Slug {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> String {
        slug.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An ISO 3166-1 alpha-2 country code, stored upper-case (`JP`, `NO`, `BR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses two ASCII letters, in either case.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Ok(Self([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Err(DomainError::InvalidCountry),
        }
    }

    /// The code as a string slice (`"JP"`).
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl TryFrom<String> for CountryCode {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<CountryCode> for String {
    fn from(code: CountryCode) -> String {
        code.as_str().to_owned()
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A telephone number in E.164 form: `+`, a country calling code, and the national number,
/// 8 to 15 digits in all, the first not zero (`+81312345678`). Stored and served without
/// spaces so clients can put it straight into a `tel:` link.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses an E.164 number. Spaces, hyphens, dots and parentheses between digits are
    /// accepted on input and dropped (`+81 3-1234-5678` → `+81312345678`).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let rest = raw
            .trim()
            .strip_prefix('+')
            .ok_or(DomainError::InvalidPhone)?;
        let mut digits = String::with_capacity(16);
        digits.push('+');
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(DomainError::InvalidPhone),
            }
        }
        let count = digits.len() - 1;
        if !(8..=15).contains(&count) || digits.as_bytes().get(1) == Some(&b'0') {
            return Err(DomainError::InvalidPhone);
        }
        Ok(Self(digits))
    }

    /// The number as `+<digits>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<PhoneNumber> for String {
    fn from(phone: PhoneNumber) -> String {
        phone.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A WGS 84 position in decimal degrees. Both values are finite and in range.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawCoordinates")]
pub struct Coordinates {
    lat: f64,
    lng: f64,
}

#[derive(Deserialize)]
struct RawCoordinates {
    lat: f64,
    lng: f64,
}

impl TryFrom<RawCoordinates> for Coordinates {
    type Error = DomainError;
    fn try_from(raw: RawCoordinates) -> Result<Self, Self::Error> {
        Self::new(raw.lat, raw.lng)
    }
}

impl Coordinates {
    /// Checks that latitude is within ±90 and longitude within ±180.
    pub fn new(lat: f64, lng: f64) -> Result<Self, DomainError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(DomainError::InvalidLatitude);
        }
        if !lng.is_finite() || !(-180.0..=180.0).contains(&lng) {
            return Err(DomainError::InvalidLongitude);
        }
        Ok(Self { lat, lng })
    }

    /// Latitude in degrees.
    pub fn lat(&self) -> f64 {
        self.lat
    }

    /// Longitude in degrees.
    pub fn lng(&self) -> f64 {
        self.lng
    }
}

/// What a café offers besides coffee. The set is closed so filters can be validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Amenity {
    Wifi,
    PowerOutlets,
    OutdoorSeating,
    WheelchairAccessible,
    PetFriendly,
    VeganOptions,
    LaptopFriendly,
    OnSiteRoastery,
    BeanRetail,
    CuppingSessions,
    BikeParking,
    BrewingClasses,
}

impl Amenity {
    /// Every amenity, in declaration order.
    pub const ALL: [Amenity; 12] = [
        Amenity::Wifi,
        Amenity::PowerOutlets,
        Amenity::OutdoorSeating,
        Amenity::WheelchairAccessible,
        Amenity::PetFriendly,
        Amenity::VeganOptions,
        Amenity::LaptopFriendly,
        Amenity::OnSiteRoastery,
        Amenity::BeanRetail,
        Amenity::CuppingSessions,
        Amenity::BikeParking,
        Amenity::BrewingClasses,
    ];

    /// The wire name (`outdoor-seating`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Amenity::Wifi => "wifi",
            Amenity::PowerOutlets => "power-outlets",
            Amenity::OutdoorSeating => "outdoor-seating",
            Amenity::WheelchairAccessible => "wheelchair-accessible",
            Amenity::PetFriendly => "pet-friendly",
            Amenity::VeganOptions => "vegan-options",
            Amenity::LaptopFriendly => "laptop-friendly",
            Amenity::OnSiteRoastery => "on-site-roastery",
            Amenity::BeanRetail => "bean-retail",
            Amenity::CuppingSessions => "cupping-sessions",
            Amenity::BikeParking => "bike-parking",
            Amenity::BrewingClasses => "brewing-classes",
        }
    }

    /// Parses a wire name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == raw)
            .ok_or(DomainError::UnknownAmenity)
    }
}

/// Relative price, 1 (cheapest) to 4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct PriceLevel(u8);

impl PriceLevel {
    /// Accepts 1 to 4.
    pub fn new(level: u8) -> Result<Self, DomainError> {
        if (1..=4).contains(&level) {
            Ok(Self(level))
        } else {
            Err(DomainError::InvalidPriceLevel)
        }
    }

    /// The level as a number.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for PriceLevel {
    type Error = DomainError;
    fn try_from(level: u8) -> Result<Self, Self::Error> {
        Self::new(level)
    }
}

impl From<PriceLevel> for u8 {
    fn from(level: PriceLevel) -> u8 {
        level.0
    }
}

/// An IANA time zone name known to the bundled tz database (`Europe/Oslo`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// Accepts names the bundled IANA database knows.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        jiff::tz::TimeZone::get(raw)
            .map(|_| Self(raw.to_owned()))
            .map_err(|_| DomainError::UnknownTimeZone)
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TimeZoneName {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<TimeZoneName> for String {
    fn from(tz: TimeZoneName) -> String {
        tz.0
    }
}

/// A wall-clock time of day, `HH:MM`, minutes since midnight in `0..1440`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LocalTime(u16);

impl LocalTime {
    /// Parses `HH:MM` (24-hour clock).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let (h, m) = raw.split_once(':').ok_or(DomainError::InvalidTime)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(DomainError::InvalidTime);
        }
        let h: u16 = h.parse().map_err(|_| DomainError::InvalidTime)?;
        let m: u16 = m.parse().map_err(|_| DomainError::InvalidTime)?;
        if h > 23 || m > 59 {
            return Err(DomainError::InvalidTime);
        }
        Ok(Self(h * 60 + m))
    }

    /// Builds a time from hours and minutes.
    pub fn hm(hours: u16, minutes: u16) -> Result<Self, DomainError> {
        if hours > 23 || minutes > 59 {
            return Err(DomainError::InvalidTime);
        }
        Ok(Self(hours * 60 + minutes))
    }

    /// Minutes since midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }
}

impl TryFrom<String> for LocalTime {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<LocalTime> for String {
    fn from(t: LocalTime) -> String {
        format!("{:02}:{:02}", t.0 / 60, t.0 % 60)
    }
}

/// Day of the week, Monday first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    /// Monday to Sunday.
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
}

/// One opening period starting on `day`. When `closes` is not after `opens` the period runs
/// past midnight into the next day (18:00–02:00).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpeningPeriod {
    pub day: Weekday,
    pub opens: LocalTime,
    pub closes: LocalTime,
}

/// Weekly opening hours in the café's own time zone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpeningHours {
    pub time_zone: TimeZoneName,
    pub periods: Vec<OpeningPeriod>,
}

impl Weekday {
    fn of(day: jiff::civil::Weekday) -> Self {
        match day {
            jiff::civil::Weekday::Monday => Self::Mon,
            jiff::civil::Weekday::Tuesday => Self::Tue,
            jiff::civil::Weekday::Wednesday => Self::Wed,
            jiff::civil::Weekday::Thursday => Self::Thu,
            jiff::civil::Weekday::Friday => Self::Fri,
            jiff::civil::Weekday::Saturday => Self::Sat,
            jiff::civil::Weekday::Sunday => Self::Sun,
        }
    }
}

impl OpeningPeriod {
    /// Whether the period runs past midnight into the next day (`closes <= opens`; equal
    /// times mean open around the clock from `opens`).
    pub fn is_overnight(&self) -> bool {
        self.closes <= self.opens
    }
}

impl OpeningHours {
    /// Whether the café is open at instant `at`, judged by the wall clock in its own time
    /// zone (so daylight-saving changes move opening times with local clocks).
    ///
    /// A period is open from `opens` (inclusive) to `closes` (exclusive) on its day; an
    /// overnight period (18:00–02:00) continues until `closes` the next morning.
    pub fn is_open_at(&self, at: jiff::Timestamp) -> bool {
        let Ok(tz) = jiff::tz::TimeZone::get(self.time_zone.as_str()) else {
            // Names are checked when parsed, so this only happens with a tz database that
            // lost a zone; treat the hours as unknown, i.e. not open.
            return false;
        };
        let local = at.to_zoned(tz);
        let today = Weekday::of(local.weekday());
        let yesterday = Weekday::of(local.weekday().previous());
        let minute =
            u16::from(local.hour().unsigned_abs()) * 60 + u16::from(local.minute().unsigned_abs());
        self.periods.iter().any(|p| {
            let opens = p.opens.minutes();
            let closes = p.closes.minutes();
            let started_today =
                p.day == today && minute >= opens && (p.is_overnight() || minute < closes);
            let from_yesterday = p.day == yesterday && p.is_overnight() && minute < closes;
            started_today || from_yesterday
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_text_fold_accents_and_punctuation() {
        let cases = [
            ("São Paulo", "sao-paulo"),
            ("Mexico City", "mexico-city"),
            ("  Cape  Town!! ", "cape-town"),
            ("Zürich", "zurich"),
            ("AeroPress (inverted)", "aeropress-inverted"),
        ];
        for (text, slug) in cases {
            assert_eq!(
                Slug::from_text(text).map(String::from),
                Ok(slug.to_owned()),
                "{text}"
            );
        }
    }

    #[test]
    fn slugs_reject_bad_shapes() {
        for raw in ["", "-a", "a-", "a--b", "A", "a b", "é", &"a".repeat(65)] {
            assert!(Slug::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn coordinates_reject_out_of_range_and_nan() {
        assert!(Coordinates::new(90.0, 180.0).is_ok());
        assert!(Coordinates::new(-90.0, -180.0).is_ok());
        assert_eq!(
            Coordinates::new(90.1, 0.0),
            Err(DomainError::InvalidLatitude)
        );
        assert_eq!(
            Coordinates::new(0.0, -180.5),
            Err(DomainError::InvalidLongitude)
        );
        assert_eq!(
            Coordinates::new(f64::NAN, 0.0),
            Err(DomainError::InvalidLatitude)
        );
        assert_eq!(
            Coordinates::new(0.0, f64::INFINITY),
            Err(DomainError::InvalidLongitude)
        );
    }

    #[test]
    fn country_codes_normalise_case() {
        assert_eq!(
            CountryCode::parse("jp").map(|c| c.to_string()),
            Ok("JP".to_owned())
        );
        for raw in ["", "J", "JPN", "J1", "日本"] {
            assert!(CountryCode::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn amenities_round_trip_their_wire_names() {
        for amenity in Amenity::ALL {
            assert_eq!(Amenity::parse(amenity.as_str()), Ok(amenity));
            let json = serde_json::to_string(&amenity).expect("serialise");
            assert_eq!(json, format!("\"{}\"", amenity.as_str()));
        }
        assert_eq!(Amenity::parse("jacuzzi"), Err(DomainError::UnknownAmenity));
    }

    #[test]
    fn local_times_parse_strictly() {
        assert_eq!(LocalTime::parse("07:30").map(LocalTime::minutes), Ok(450));
        assert_eq!(
            String::from(LocalTime::parse("00:05").expect("valid")),
            "00:05"
        );
        for raw in ["7:30", "24:00", "12:60", "12-30", "", "ab:cd"] {
            assert!(LocalTime::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn time_zones_must_exist() {
        assert!(TimeZoneName::parse("Europe/Oslo").is_ok());
        assert!(TimeZoneName::parse("America/Sao_Paulo").is_ok());
        assert_eq!(
            TimeZoneName::parse("Mars/Olympus"),
            Err(DomainError::UnknownTimeZone)
        );
    }

    fn hours(tz: &str, periods: &[(Weekday, &str, &str)]) -> OpeningHours {
        OpeningHours {
            time_zone: TimeZoneName::parse(tz).expect("known zone"),
            periods: periods
                .iter()
                .map(|(day, opens, closes)| OpeningPeriod {
                    day: *day,
                    opens: LocalTime::parse(opens).expect("time"),
                    closes: LocalTime::parse(closes).expect("time"),
                })
                .collect(),
        }
    }

    fn instant(rfc3339: &str) -> jiff::Timestamp {
        rfc3339.parse().expect("RFC 3339 instant")
    }

    #[test]
    fn opening_hours_use_the_cafes_own_zone() {
        // Sunday 2026-11-22: 08:00-17:00 in Tokyo (UTC+9) and in Lisbon (UTC+0 in winter).
        let tokyo = hours("Asia/Tokyo", &[(Weekday::Sun, "08:00", "17:00")]);
        let lisbon = hours("Europe/Lisbon", &[(Weekday::Sun, "08:00", "17:00")]);
        let at = instant("2026-11-22T02:00:00Z"); // 11:00 in Tokyo, 02:00 in Lisbon
        assert!(tokyo.is_open_at(at));
        assert!(!lisbon.is_open_at(at));
        // Closing time is exclusive, opening time inclusive.
        assert!(tokyo.is_open_at(instant("2026-11-21T23:00:00Z"))); // 08:00 Sunday
        assert!(!tokyo.is_open_at(instant("2026-11-22T08:00:00Z"))); // 17:00 Sunday
    }

    #[test]
    fn overnight_hours_continue_into_the_next_morning() {
        // Friday 18:00 to 02:00 in Berlin (UTC+1 in November).
        let bar = hours("Europe/Berlin", &[(Weekday::Fri, "18:00", "02:00")]);
        assert!(!bar.is_open_at(instant("2026-11-20T16:59:00Z"))); // Fri 17:59
        assert!(bar.is_open_at(instant("2026-11-20T17:00:00Z"))); // Fri 18:00
        assert!(bar.is_open_at(instant("2026-11-20T23:30:00Z"))); // Sat 00:30
        assert!(bar.is_open_at(instant("2026-11-21T00:59:00Z"))); // Sat 01:59
        assert!(!bar.is_open_at(instant("2026-11-21T01:00:00Z"))); // Sat 02:00
        // Saturday evening is not Friday evening.
        assert!(!bar.is_open_at(instant("2026-11-21T20:00:00Z")));
        // Equal times: open around the clock from Friday 06:00.
        let always = hours("Europe/Berlin", &[(Weekday::Fri, "06:00", "06:00")]);
        assert!(always.is_open_at(instant("2026-11-21T04:59:00Z"))); // Sat 05:59
        assert!(!always.is_open_at(instant("2026-11-21T05:00:00Z"))); // Sat 06:00
    }

    #[test]
    fn opening_hours_follow_daylight_saving_changes() {
        // Berlin springs forward on Sunday 2026-03-29 (02:00 CET -> 03:00 CEST).
        let cafe = hours("Europe/Berlin", &[(Weekday::Sun, "08:00", "17:00")]);
        // 06:30 UTC is 08:30 CEST: open. A fixed winter offset would say 07:30: closed.
        assert!(cafe.is_open_at(instant("2026-03-29T06:30:00Z")));
        // 15:30 UTC is 17:30 CEST: closed. A fixed winter offset would say 16:30: open.
        assert!(!cafe.is_open_at(instant("2026-03-29T15:30:00Z")));

        // Falls back on Sunday 2026-10-25 (03:00 CEST -> 02:00 CET): 02:00-02:59 happens twice.
        let night = hours("Europe/Berlin", &[(Weekday::Sat, "20:00", "02:30")]);
        assert!(night.is_open_at(instant("2026-10-24T23:45:00Z"))); // 01:45 CEST
        assert!(night.is_open_at(instant("2026-10-25T00:15:00Z"))); // 02:15 CEST
        assert!(!night.is_open_at(instant("2026-10-25T00:45:00Z"))); // 02:45 CEST
        assert!(night.is_open_at(instant("2026-10-25T01:15:00Z"))); // 02:15 CET, again
        assert!(!night.is_open_at(instant("2026-10-25T01:45:00Z"))); // 02:45 CET
        // Southern hemisphere: Sydney moves to AEDT (UTC+11) on 2026-10-04.
        let sydney = hours("Australia/Sydney", &[(Weekday::Mon, "07:00", "15:00")]);
        assert!(sydney.is_open_at(instant("2026-10-04T20:30:00Z"))); // Mon 07:30 AEDT
        assert!(!sydney.is_open_at(instant("2026-09-27T20:30:00Z"))); // Mon 06:30 AEST
    }

    #[test]
    fn price_levels_are_one_to_four() {
        assert!(PriceLevel::new(0).is_err());
        assert!(PriceLevel::new(5).is_err());
        assert_eq!(PriceLevel::new(3).map(PriceLevel::get), Ok(3));
    }

    #[test]
    fn phone_numbers_are_e164() {
        let ok = [
            ("+81312345678", "+81312345678"),
            ("+81 3-1234-5678", "+81312345678"),
            ("+1 (503) 555.0142", "+15035550142"),
            ("+4722334455", "+4722334455"),
        ];
        for (raw, want) in ok {
            assert_eq!(
                PhoneNumber::parse(raw).map(String::from),
                Ok(want.to_owned()),
                "{raw}"
            );
        }
        let bad = [
            ("81312345678", "no leading +"),
            ("+0312345678", "calling codes never start with 0"),
            ("+1234567", "seven digits is too short"),
            ("+1234567890123456", "sixteen digits is too long"),
            ("+81 3 1234 567x", "letters"),
            ("+", "no digits"),
        ];
        for (raw, why) in bad {
            assert_eq!(
                PhoneNumber::parse(raw),
                Err(DomainError::InvalidPhone),
                "{why}"
            );
        }
    }
}
