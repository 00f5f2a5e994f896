//! Text search rules: how names are normalised and cut into index terms, how a query is parsed,
//! and how well an entity matches it. Pure (no I/O); the store's term index
//! (`store::search_index`) and the brute-force oracle of the contract suite both use it.
//!
//! # Normalisation
//! Compatibility decomposition (NFKD: full-width `ＣＡＦＥ` becomes `CAFE`, half-width `ｶﾌｪ`
//! becomes `カフェ`), then combining marks are dropped (`São` → `Sao`, `Ñ` → `N`), then Unicode
//! lowercase, then a few letters that carry no combining mark are folded by hand (`ß` → `ss`,
//! `æ` → `ae`, `œ` → `oe`, `ø` → `o`, `đ`/`ð` → `d`, `ł` → `l`, `ħ` → `h`, `ı` → `i`,
//! `þ` → `th`, final `ς` → `σ`), then canonical composition (NFC) so Hangul syllables and
//! voiced kana are whole characters again. Two kinds of marks are kept because they change the
//! letter rather than accent it: the kana voicing marks (`ガ` stays distinct from `カ`) and the
//! marks of Brahmic scripts (Devanagari to Khmer, `U+0900..=U+109F` and `U+1780..=U+17FF`).
//!
//! # Words and terms
//! A word is a maximal run of letters, digits (and kept marks); everything else separates
//! words: spaces, punctuation, symbols, emoji and control characters. A run is also cut where
//! it switches between CJK (Han, Hiragana, Katakana, Hangul) and any other script, so
//! `Café東京` is two words.
//!
//! CJK text has no spaces, so a CJK word is indexed by its suffixes: `丸山珈琲` gives the terms
//! `丸山珈琲`, `山珈琲`, `珈琲`, `琲`. A query word matches a term it is a prefix of, so a CJK
//! query matches any substring that starts within the first [`MAX_CJK_SUFFIXES`] characters
//! of a CJK word (`珈琲` and `丸山` both find `丸山珈琲`). Other scripts are indexed by whole
//! words and matched by word prefix (`sao` finds `São Paulo`, `paul` too, `aulo` does not).
//!
//! Every term is cut to [`MAX_TERM_CHARS`] characters, and so is every query word; an entity
//! has at most [`MAX_TERMS`] distinct terms (fields in priority order: name, neighbourhood,
//! city, roaster names), which bounds its index entries and keeps its partition write within
//! one transaction.
//!
//! # Queries
//! A query is normalised and cut into words the same way, duplicates removed. It must hold at
//! least one word, at most [`MAX_QUERY_WORDS`] words and at most [`MAX_QUERY_CHARS`]
//! characters. Every word must be a prefix of some term of the entity (AND).
//!
//! # Ranking
//! Each query word scores its best term: 0 when it equals a word of the name, 1 when it starts
//! the name's first word, 2 when it starts a later word of the name or a CJK substring inside
//! one (`珈琲` in `丸山珈琲`: a substring is never a whole word), 3 when it only matches another
//! field. A result's match
//! quality is the sum (lower is better); ties are broken by rating (cafés) and name, then id.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::domain::{CafeSummary, Roaster};

/// Longest query accepted, in characters (before normalisation).
pub const MAX_QUERY_CHARS: usize = 100;
/// Most distinct words a query may hold.
pub const MAX_QUERY_WORDS: usize = 5;
/// Terms and query words are cut to this many characters.
pub const MAX_TERM_CHARS: usize = 24;
/// A CJK word is indexed by its suffixes starting at its first this many characters.
pub const MAX_CJK_SUFFIXES: usize = 8;
/// Most distinct terms one entity is indexed under.
pub const MAX_TERMS: usize = 32;

/// Whether `ch` belongs to a script written without spaces between words that we index by
/// suffix: Han (with the iteration mark), Hiragana, Katakana, Hangul.
fn is_cjk(ch: char) -> bool {
    matches!(ch as u32,
        0x1100..=0x11FF       // Hangul Jamo
        | 0x3005..=0x3007     // 々 〆 〇
        | 0x3040..=0x30FF     // Hiragana, Katakana
        | 0x3130..=0x318F     // Hangul compatibility Jamo
        | 0x31F0..=0x31FF     // Katakana phonetic extensions
        | 0x3400..=0x4DBF     // Han extension A
        | 0x4E00..=0x9FFF     // Han
        | 0xA960..=0xA97F     // Hangul Jamo extended A
        | 0xAC00..=0xD7FF     // Hangul syllables, Jamo extended B
        | 0xF900..=0xFAFF     // Han compatibility
        | 0x20000..=0x3FFFF   // Han extensions B and later
    )
}

/// Whether a combining mark changes the letter in this script (kept) rather than accenting it.
fn keeps_mark(mark: char, base: Option<char>) -> bool {
    let brahmic = |c: char| matches!(c as u32, 0x0900..=0x109F | 0x1780..=0x17FF);
    matches!(mark, '\u{3099}' | '\u{309A}') || brahmic(mark) || base.is_some_and(brahmic)
}

fn fold(ch: char, out: &mut String) {
    match ch {
        'ß' => out.push_str("ss"),
        'æ' => out.push_str("ae"),
        'œ' => out.push_str("oe"),
        'ø' => out.push('o'),
        'đ' | 'ð' => out.push('d'),
        'ł' => out.push('l'),
        'ħ' => out.push('h'),
        'ı' => out.push('i'),
        'þ' => out.push_str("th"),
        'ς' => out.push('σ'),
        other => out.push(other),
    }
}

/// Case- and accent-folds `text` (see the module docs for the exact rule).
pub fn normalise(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut base: Option<char> = None;
    for ch in text.nfkd() {
        if is_combining_mark(ch) {
            if keeps_mark(ch, base) {
                folded.push(ch);
            }
            continue;
        }
        base = Some(ch);
        for lower in ch.to_lowercase() {
            fold(lower, &mut folded);
        }
    }
    folded.nfc().collect()
}

/// One word of normalised text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    /// Written in a CJK script (indexed by suffix).
    pub cjk: bool,
}

/// Splits text into normalised words (see the module docs).
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut cjk = false;
    for ch in normalise(text).chars() {
        let mark = is_combining_mark(ch);
        if ch.is_alphanumeric() || (mark && !current.is_empty()) {
            let class = if mark { cjk } else { is_cjk(ch) };
            if !current.is_empty() && class != cjk {
                out.push(Word {
                    text: std::mem::take(&mut current),
                    cjk,
                });
            }
            cjk = class;
            current.push(ch);
        } else if !current.is_empty() {
            out.push(Word {
                text: std::mem::take(&mut current),
                cjk,
            });
        }
    }
    if !current.is_empty() {
        out.push(Word { text: current, cjk });
    }
    out
}

/// The first `n` characters of `s`.
fn cut(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(at, _)| &s[..at])
}

/// Where a term comes from, for ranking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    /// The start of the name's first word.
    NameFirst,
    /// Any other word of the name.
    NameLater,
    /// A CJK suffix that starts inside a word of the name (a substring, never a whole word).
    NameInner,
    /// Another field (neighbourhood, city, roaster names).
    Other,
}

/// A field of an entity, searchable by its words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Name,
    Other,
}

/// One index term of an entity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub token: String,
    pub place: Place,
}

/// The distinct terms of an entity's fields, best place first, at most [`MAX_TERMS`].
pub fn terms<'a>(fields: impl IntoIterator<Item = (Field, &'a str)>) -> Vec<Term> {
    let mut out: Vec<Term> = Vec::new();
    for (field, text) in fields {
        for (n, word) in words(text).into_iter().enumerate() {
            let starts: Vec<usize> = if word.cjk {
                word.text
                    .char_indices()
                    .map(|(at, _)| at)
                    .take(MAX_CJK_SUFFIXES)
                    .collect()
            } else {
                vec![0]
            };
            for (k, at) in starts.into_iter().enumerate() {
                let token = cut(&word.text[at..], MAX_TERM_CHARS);
                let place = match field {
                    Field::Name if k > 0 => Place::NameInner,
                    Field::Name if n == 0 => Place::NameFirst,
                    Field::Name => Place::NameLater,
                    Field::Other => Place::Other,
                };
                if let Some(seen) = out.iter_mut().find(|t| t.token == token) {
                    // The same token seen again: keep its best place.
                    seen.place = seen.place.min(place);
                    continue;
                }
                if out.len() == MAX_TERMS {
                    continue;
                }
                out.push(Term {
                    token: token.to_owned(),
                    place,
                });
            }
        }
    }
    out
}

/// A café's searchable fields, in priority order.
pub fn cafe_terms(cafe: &CafeSummary) -> Vec<Term> {
    let mut fields = vec![(Field::Name, cafe.name.as_str())];
    if let Some(hood) = &cafe.location.neighbourhood {
        fields.push((Field::Other, hood.as_str()));
    }
    fields.push((Field::Other, cafe.location.city.as_str()));
    fields.extend(
        cafe.roasters
            .iter()
            .map(|r| (Field::Other, r.name.as_str())),
    );
    terms(fields)
}

/// A roaster's searchable fields: name and city.
pub fn roaster_terms(roaster: &Roaster) -> Vec<Term> {
    terms([
        (Field::Name, roaster.name.as_str()),
        (Field::Other, roaster.city.as_str()),
    ])
}

/// Why a search text was refused; the message completes "q …".
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SearchTextError {
    #[error("must contain at least one letter or digit")]
    NoWords,
    #[error("must be at most {MAX_QUERY_CHARS} characters")]
    TooLong,
    #[error("must contain at most {MAX_QUERY_WORDS} words")]
    TooManyWords,
}

/// A parsed search query: its distinct normalised words, each cut to [`MAX_TERM_CHARS`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SearchText {
    words: Vec<String>,
}

impl SearchText {
    /// Parses the raw `q` value.
    pub fn parse(raw: &str) -> Result<Self, SearchTextError> {
        if raw.chars().count() > MAX_QUERY_CHARS {
            return Err(SearchTextError::TooLong);
        }
        let mut out: Vec<String> = Vec::new();
        for word in words(raw) {
            let word = cut(&word.text, MAX_TERM_CHARS).to_owned();
            if !out.contains(&word) {
                out.push(word);
            }
        }
        match out.len() {
            0 => Err(SearchTextError::NoWords),
            n if n > MAX_QUERY_WORDS => Err(SearchTextError::TooManyWords),
            _ => Ok(Self { words: out }),
        }
    }

    /// The words, in query order.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The words from the most selective to the least: longest first (in query order among
    /// equals). The store reads the index range of the first one whose range it can read in
    /// full, and checks the other words on the candidates.
    pub fn by_selectivity(&self) -> Vec<&str> {
        let mut words: Vec<&str> = self.words.iter().map(String::as_str).collect();
        words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        words
    }

    /// The most selective word (see [`Self::by_selectivity`]).
    pub fn key_word(&self) -> &str {
        self.by_selectivity().first().copied().unwrap_or_default()
    }

    /// A canonical form (words joined by one space), for cursor scopes and logs.
    pub fn canonical(&self) -> String {
        self.words.join(" ")
    }

    /// The match quality of an entity with these terms (lower is better), or `None` when a
    /// word matches none of them.
    pub fn quality(&self, terms: &[Term]) -> Option<u32> {
        let mut total = 0;
        for word in &self.words {
            let best = terms
                .iter()
                .filter(|t| t.token.starts_with(word.as_str()))
                .map(|t| match t.place {
                    Place::NameFirst | Place::NameLater if &t.token == word => 0,
                    Place::NameFirst => 1,
                    Place::NameLater | Place::NameInner => 2,
                    Place::Other => 3,
                })
                .min()?;
            total += best;
        }
        Some(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.text).collect()
    }

    fn finds(name: &str, query: &str) -> bool {
        let text = SearchText::parse(query).expect("valid query");
        text.quality(&terms([(Field::Name, name)])).is_some()
    }

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(toks("São Paulo"), ["sao", "paulo"]);
        assert_eq!(toks("CAFÉ"), ["cafe"]);
        assert_eq!(toks("Ñandú Crème brûlée"), ["nandu", "creme", "brulee"]);
        assert_eq!(toks("ＣＡＦＥ ①"), ["cafe", "1"], "compatibility forms");
        assert_eq!(toks("İstanbul"), ["istanbul"]);
        assert!(finds("São Paulo", "sao"));
        assert!(finds("Sao Paulo", "SÃO"));
        assert!(finds("CAFÉ", "cafe"));
        assert!(finds("cafe", "Café"));
    }

    #[test]
    fn folds_letters_without_combining_marks() {
        // ß has no decomposition: it is folded to "ss", so both spellings meet.
        assert_eq!(toks("Straße"), ["strasse"]);
        assert!(finds("Oranienstraße", "oranienstrasse"));
        assert!(finds("Oranienstrasse", "Oranienstraße"));
        assert!(finds("Straße", "stra"));
        assert_eq!(
            toks("Grünerløkka Bølge Æble"),
            ["grunerlokka", "bolge", "aeble"]
        );
        assert!(finds("Kaffebar Løkka", "lokka"));
        assert!(finds("Łódź", "lodz"));
    }

    #[test]
    fn handles_other_alphabets() {
        assert_eq!(toks("Кофейня Москва"), ["кофеиня", "москва"]);
        assert!(finds("Кофейня", "КОФЕЙ"));
        assert!(finds("Кофейня", "кофеи"), "й folds to и like an accent");
        assert!(finds("Καφές Αθήνα", "καφεσ"));
        assert!(finds("Καφές", "ΚΑΦΈΣ"), "final sigma and tonos fold");
        assert!(finds("कॉफ़ी हाउस", "कॉफ़ी"));
        assert!(finds("مقهى القاهرة", "مقهى"));
    }

    #[test]
    fn cjk_words_match_any_substring_start() {
        assert_eq!(toks("東京"), ["東京"]);
        assert!(finds("東京", "東京"));
        assert!(finds("東京", "東"));
        assert!(finds("東京", "京"));
        assert!(finds("丸山珈琲", "珈琲"));
        assert!(finds("丸山珈琲", "丸山"));
        assert!(finds("丸山珈琲", "山珈"));
        assert!(!finds("丸山珈琲", "珈琲丸"));
        assert!(finds("猿田彦珈琲 恵比寿", "恵比寿"));
        // A repeated token keeps its best place: a whole later word beats a substring.
        let t = terms([(Field::Name, "丸山珈琲 珈琲")]);
        assert_eq!(
            t.iter().find(|t| t.token == "珈琲").map(|t| t.place),
            Some(Place::NameLater)
        );
        // Katakana: voiced kana stay distinct, half-width forms fold to full width.
        assert!(finds("ブルーボトル", "ボトル"));
        assert!(!finds("ブルーボトル", "ホトル"));
        assert!(finds("ブルーボトル", "ﾌﾞﾙｰ"));
        assert!(finds("カフェ", "カフ"));
        // Korean syllables are matched whole, not as decomposed jamo.
        assert_eq!(toks("서울 커피"), ["서울", "커피"]);
        assert!(finds("서울커피", "커피"));
        assert!(finds("서울커피", "서울"));
        assert!(!finds("서울커피", "ㅅ"));
    }

    #[test]
    fn a_script_change_splits_words() {
        assert_eq!(
            words("Café東京2号店"),
            vec![
                Word {
                    text: "cafe".into(),
                    cjk: false
                },
                Word {
                    text: "東京".into(),
                    cjk: true
                },
                Word {
                    text: "2".into(),
                    cjk: false
                },
                Word {
                    text: "号店".into(),
                    cjk: true
                },
            ]
        );
    }

    #[test]
    fn long_cjk_runs_are_indexed_from_their_first_characters() {
        let run = "一二三四五六七八九十";
        let t = terms([(Field::Name, run)]);
        assert_eq!(t.len(), MAX_CJK_SUFFIXES);
        assert!(finds(run, "八九"));
        assert!(!finds(run, "九十"), "starts after the eighth character");
    }

    #[test]
    fn emoji_punctuation_and_control_characters_separate_words() {
        assert_eq!(toks("☕️ Bean—&—Leaf! (Oslo)"), ["bean", "leaf", "oslo"]);
        assert_eq!(toks("a\u{0}b\tc\u{7}d\u{200b}e"), ["a", "b", "c", "d", "e"]);
        assert_eq!(toks("🎉🎉 ... !!"), Vec::<String>::new());
        assert_eq!(SearchText::parse("☕ 🎉"), Err(SearchTextError::NoWords));
        assert_eq!(SearchText::parse("   "), Err(SearchTextError::NoWords));
        assert_eq!(
            SearchText::parse("\u{0}\u{1b}"),
            Err(SearchTextError::NoWords)
        );
    }

    #[test]
    fn queries_are_bounded() {
        assert_eq!(
            SearchText::parse(&"a".repeat(MAX_QUERY_CHARS + 1)),
            Err(SearchTextError::TooLong)
        );
        assert!(SearchText::parse(&"a".repeat(MAX_QUERY_CHARS)).is_ok());
        assert_eq!(
            SearchText::parse("a b c d e f"),
            Err(SearchTextError::TooManyWords)
        );
        let five = SearchText::parse("a b c d e a b").expect("duplicates collapse");
        assert_eq!(five.words().len(), 5);
        let long = SearchText::parse(&"x".repeat(60)).expect("one long word");
        assert_eq!(long.key_word().chars().count(), MAX_TERM_CHARS);
        assert!(finds(&"x".repeat(60), &"x".repeat(40)));
    }

    #[test]
    fn every_word_must_match_and_the_longest_is_the_key() {
        let text = SearchText::parse("kof  Bica kaffe").expect("valid");
        assert_eq!(text.words(), ["kof", "bica", "kaffe"]);
        assert_eq!(text.key_word(), "kaffe");
        assert_eq!(text.by_selectivity(), ["kaffe", "bica", "kof"]);
        let ties = SearchText::parse("ab cd e fg").expect("valid");
        assert_eq!(ties.by_selectivity(), ["ab", "cd", "fg", "e"]);
        assert_eq!(text.canonical(), "kof bica kaffe");
        assert!(!finds("Bica Kaffe", "bica kaffe kof"));
        assert!(finds("Bica Kaffe Koffie", "bica kaffe kof"));
    }

    #[test]
    fn quality_prefers_exact_name_words_then_first_word_then_later_words_then_other_fields() {
        let entity = |name: &str| {
            terms([
                (Field::Name, name),
                (Field::Other, "Nordlys Roasters"),
                (Field::Other, "Oslo"),
            ])
        };
        let q = |text: &str, name: &str| {
            SearchText::parse(text)
                .expect("valid")
                .quality(&entity(name))
        };
        assert_eq!(q("fjord", "Fjord Bar"), Some(0));
        assert_eq!(q("bar", "Fjord Bar"), Some(0));
        assert_eq!(q("fjo", "Fjord Bar"), Some(1));
        assert_eq!(q("ba", "Fjord Bar"), Some(2));
        assert_eq!(q("nord", "Fjord Bar"), Some(3));
        assert_eq!(q("oslo fjo", "Fjord Bar"), Some(4));
        assert_eq!(q("bergen", "Fjord Bar"), None);
    }

    #[test]
    fn terms_are_distinct_and_capped() {
        let t = terms([(Field::Name, "Kaffe Kaffe"), (Field::Other, "kaffe bar")]);
        assert_eq!(
            t,
            vec![
                Term {
                    token: "kaffe".into(),
                    place: Place::NameFirst
                },
                Term {
                    token: "bar".into(),
                    place: Place::Other
                },
            ]
        );
        let many: String = (0..100).map(|n| format!("w{n} ")).collect();
        assert_eq!(terms([(Field::Name, many.as_str())]).len(), MAX_TERMS);
    }
}
