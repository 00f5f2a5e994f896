//! Free text written by users: one rule set for every field (review text, story title and
//! body, photo caption, and later display names and bios).
//!
//! A field is NFC-normalised (so "é" typed as `e` + U+0301 and as U+00E9 are stored alike),
//! CRLF line ends become `\n`, surrounding whitespace is trimmed, control (Cc) and format (Cf)
//! characters are refused except `\n` and `\t` (and `\n` only where the field is multi-line),
//! and lengths are counted in grapheme clusters: what a reader perceives as one character, so
//! "e" + a combining accent is one, and twenty U+200B (invisible, and refused anyway) are not
//! twenty characters of review.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use super::DomainError;

/// The length and line rules of one text field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextRule {
    /// Fewest grapheme clusters after trimming.
    pub min: usize,
    /// Most grapheme clusters after trimming.
    pub max: usize,
    /// Whether `\n` is allowed (bodies, reviews) or refused (titles, captions, names).
    pub multiline: bool,
}

impl TextRule {
    /// A single-line field of 1..=`max` characters.
    pub const fn line(max: usize) -> Self {
        Self {
            min: 1,
            max,
            multiline: false,
        }
    }

    /// A multi-line field of `min..=max` characters.
    pub const fn paragraphs(min: usize, max: usize) -> Self {
        Self {
            min,
            max,
            multiline: true,
        }
    }

    /// Applies the rule: the normalised text, or why it was refused.
    pub fn apply(self, raw: &str) -> Result<String, DomainError> {
        let normalised: String = raw.replace("\r\n", "\n").nfc().collect();
        let text = normalised.trim();
        if let Some(ch) = text
            .chars()
            .find(|&c| !(c == '\t' || (c == '\n' && self.multiline)) && is_control_or_format(c))
        {
            return Err(if ch == '\n' {
                DomainError::LineBreak
            } else {
                DomainError::ForbiddenCharacter {
                    code: u32::from(ch),
                }
            });
        }
        let chars = grapheme_count(text);
        if chars < self.min || chars > self.max {
            return Err(DomainError::TextLength {
                min: self.min,
                max: self.max,
                chars,
            });
        }
        Ok(text.to_owned())
    }
}

/// The number of extended grapheme clusters in `text`.
pub fn grapheme_count(text: &str) -> usize {
    text.graphemes(true).count()
}

/// Whether `c` is in general category Cc (control) or Cf (format), per Unicode 16.
pub fn is_control_or_format(c: char) -> bool {
    c.is_control() || is_format(c)
}

/// General category Cf (Unicode 16.0, DerivedGeneralCategory.txt).
fn is_format(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const REVIEW: TextRule = TextRule::paragraphs(20, 5_000);
    const TITLE: TextRule = TextRule::line(120);

    #[test]
    fn refused_inputs_each_say_why() {
        let ok20 = "a".repeat(20);
        let cases: &[(&str, TextRule, String, DomainError)] = &[
            (
                "NUL inside text",
                REVIEW,
                format!("{ok20}\u{0}"),
                DomainError::ForbiddenCharacter { code: 0 },
            ),
            (
                "BEL inside text",
                REVIEW,
                format!("ring \u{7} {ok20}"),
                DomainError::ForbiddenCharacter { code: 7 },
            ),
            (
                "zero-width space (Cf) inside text",
                REVIEW,
                format!("{ok20}\u{200B}word"),
                DomainError::ForbiddenCharacter { code: 0x200B },
            ),
            (
                "right-to-left override (bidi spoofing)",
                TITLE,
                "invoice\u{202E}fdp.exe".to_owned(),
                DomainError::ForbiddenCharacter { code: 0x202E },
            ),
            (
                "twenty zero-width spaces do not make a twenty-character review",
                REVIEW,
                "\u{200B}".repeat(20),
                DomainError::ForbiddenCharacter { code: 0x200B },
            ),
            (
                "a lone carriage return is a control character",
                REVIEW,
                format!("{ok20}\rmore"),
                DomainError::ForbiddenCharacter { code: 0x0D },
            ),
            (
                "a line break in a single-line field",
                TITLE,
                "two\nlines".to_owned(),
                DomainError::LineBreak,
            ),
            (
                "twenty combining sequences are twenty characters, so nineteen are too few",
                REVIEW,
                "e\u{301}\u{302}".repeat(19),
                DomainError::TextLength {
                    min: 20,
                    max: 5_000,
                    chars: 19,
                },
            ),
            (
                "blank after trimming",
                TITLE,
                " \t\n ".to_owned(),
                DomainError::TextLength {
                    min: 1,
                    max: 120,
                    chars: 0,
                },
            ),
            (
                "too long, counted in graphemes",
                TITLE,
                "🇯🇵".repeat(121),
                DomainError::TextLength {
                    min: 1,
                    max: 120,
                    chars: 121,
                },
            ),
        ];
        for (why, rule, input, expected) in cases {
            assert_eq!(rule.apply(input).as_ref(), Err(expected), "{why}");
        }
    }

    #[test]
    fn accepted_inputs_are_normalised() {
        let cases: &[(&str, TextRule, &str, &str)] = &[
            (
                "decomposed é is stored composed (NFC)",
                TITLE,
                "Cafe\u{301} Noir",
                "Caf\u{E9} Noir",
            ),
            (
                "surrounding whitespace is trimmed",
                TITLE,
                "  Morning in Oslo \n",
                "Morning in Oslo",
            ),
            (
                "CRLF becomes LF; tabs stay",
                REVIEW,
                "Line one is long enough\r\n\tline two",
                "Line one is long enough\n\tline two",
            ),
            (
                "twenty flags are twenty characters",
                REVIEW,
                &"🇯🇵".repeat(20),
                &"🇯🇵".repeat(20),
            ),
            (
                "a tab in a single-line field",
                TITLE,
                "Cup\ttasting",
                "Cup\ttasting",
            ),
        ];
        for (why, rule, input, expected) in cases {
            assert_eq!(rule.apply(input).as_deref(), Ok(*expected), "{why}");
        }
        // One grapheme however many combining marks it carries.
        assert_eq!(grapheme_count("e\u{301}\u{302}"), 1, "combining sequence");
        assert_eq!(grapheme_count("👩‍🔬"), 1, "ZWJ sequence");
    }
}
