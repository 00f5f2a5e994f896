//! Per-user write limits as token buckets: one bucket per (user, action), refilled
//! continuously, so a burst is followed by a steady trickle instead of a wait for the next
//! clock hour. Pure arithmetic; the store keeps one bucket item and updates it conditionally.
//!
//! Time is counted in milliseconds and tokens in units of `1 / window_ms`, so a bucket gains
//! exactly `quota` units per millisecond: refills are exact integer maths with no rounding
//! drift, and `Retry-After` is the true time until the next whole token (rounded up to seconds).

use std::fmt;

/// What a write spends a token of. Each action has its own bucket and its own limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WriteAction {
    /// Creating, editing or deleting a review.
    Reviews,
    /// Publishing a story.
    Stories,
    /// Announcing a photo upload.
    Photos,
    /// Editing one's profile.
    Profile,
    /// Saving or unsaving a café.
    Saves,
}

impl WriteAction {
    /// Every action.
    pub const ALL: [WriteAction; 5] = [
        Self::Reviews,
        Self::Stories,
        Self::Photos,
        Self::Profile,
        Self::Saves,
    ];

    /// The policy name on the wire (`RateLimit-Policy: "reviews";…`) and in keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reviews => "reviews",
            Self::Stories => "stories",
            Self::Photos => "photos",
            Self::Profile => "profile",
            Self::Saves => "saves",
        }
    }

    /// The default limit: reviews 10/h, stories 5/h, photos 60/h, profile 30/h, saves 300/h.
    pub fn default_policy(self) -> BucketPolicy {
        let per_hour = match self {
            Self::Reviews => 10,
            Self::Stories => 5,
            Self::Photos => 60,
            Self::Profile => 30,
            Self::Saves => 300,
        };
        BucketPolicy {
            quota: per_hour,
            window_secs: 3_600,
        }
    }
}

impl fmt::Display for WriteAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A bucket of `quota` tokens that refills completely in `window_secs`: at most `quota` writes
/// in a burst, then one every `window_secs / quota` seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketPolicy {
    /// Bucket size (the draft's `q`), ≥ 1.
    pub quota: u32,
    /// Seconds to refill from empty (the draft's `w`), ≥ 1.
    pub window_secs: u32,
}

/// A bucket as stored: its level and when it was last refilled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketState {
    /// Tokens left, in units of `1 / units_per_token`.
    pub units: i64,
    /// Units in one token: the policy's window in milliseconds when it was written (a bucket
    /// stored under another window is rescaled on read).
    pub units_per_token: i64,
    /// When `units` was computed, epoch milliseconds.
    pub refilled_at_ms: i64,
}

/// The outcome of asking for one token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    pub action: WriteAction,
    pub policy: BucketPolicy,
    /// Whether the write may go ahead (a token was spent).
    pub allowed: bool,
    /// Whole tokens left after this request (the draft's `r`).
    pub remaining: u32,
    /// Seconds until the bucket is full again while tokens remain, or until the next token
    /// when none does (the draft's `t`; equals `Retry-After` on a 429).
    pub reset_secs: u32,
}

impl Quota {
    /// Seconds a refused client must wait for its next token.
    pub fn retry_after_secs(&self) -> Option<u32> {
        (!self.allowed).then_some(self.reset_secs)
    }

    /// `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers): `"reviews";q=10;w=3600`.
    pub fn policy_header(&self) -> String {
        format!(
            "\"{}\";q={};w={}",
            self.action, self.policy.quota, self.policy.window_secs
        )
    }

    /// `RateLimit`: `"reviews";r=9;t=360`.
    pub fn limit_header(&self) -> String {
        format!(
            "\"{}\";r={};t={}",
            self.action, self.remaining, self.reset_secs
        )
    }
}

fn ceil_div(n: i128, d: i128) -> i128 {
    if n <= 0 { 0 } else { (n + d - 1) / d }
}

fn secs(ms: i128) -> u32 {
    u32::try_from(ceil_div(ms, 1_000)).unwrap_or(u32::MAX)
}

impl BucketPolicy {
    /// Units in one token: the window in milliseconds.
    pub fn units_per_token(self) -> i64 {
        i64::from(self.window_secs.max(1)) * 1_000
    }

    fn token(self) -> i128 {
        i128::from(self.units_per_token())
    }

    fn capacity(self) -> i128 {
        i128::from(self.quota.max(1)) * self.token()
    }

    /// Milliseconds for the bucket to gain `units` (it gains `quota` per millisecond).
    fn ms_to_gain(self, units: i128) -> i128 {
        ceil_div(units, i128::from(self.quota.max(1)))
    }

    /// The level at `now_ms`, in units: the stored level plus what flowed in since, capped at
    /// the quota. A missing bucket is full; a clock that went backwards adds nothing.
    pub fn level_at(self, state: Option<BucketState>, now_ms: i64) -> i64 {
        let capacity = self.capacity();
        let Some(state) = state else {
            return i64::try_from(capacity).unwrap_or(i64::MAX);
        };
        let stored =
            if state.units_per_token == self.units_per_token() || state.units_per_token <= 0 {
                i128::from(state.units)
            } else {
                i128::from(state.units) * self.token() / i128::from(state.units_per_token)
            };
        let elapsed = i128::from(now_ms.saturating_sub(state.refilled_at_ms).max(0));
        let gained = elapsed * i128::from(self.quota.max(1));
        let level = (stored.max(0) + gained).min(capacity);
        i64::try_from(level).unwrap_or(i64::MAX)
    }

    /// Asks for one token at `now_ms`: the answer, and the state to store when it was granted.
    pub fn take(
        self,
        action: WriteAction,
        state: Option<BucketState>,
        now_ms: i64,
    ) -> (Quota, Option<BucketState>) {
        let level = i128::from(self.level_at(state, now_ms));
        let token = self.token();
        if level >= token {
            let left = level - token;
            let quota = Quota {
                action,
                policy: self,
                allowed: true,
                remaining: u32::try_from(left / token).unwrap_or(u32::MAX),
                reset_secs: if left >= token {
                    secs(self.ms_to_gain(self.capacity() - left))
                } else {
                    secs(self.ms_to_gain(token - left))
                },
            };
            let next = BucketState {
                units: i64::try_from(left).unwrap_or(i64::MAX),
                units_per_token: self.units_per_token(),
                refilled_at_ms: now_ms,
            };
            (quota, Some(next))
        } else {
            let quota = Quota {
                action,
                policy: self,
                allowed: false,
                remaining: 0,
                reset_secs: secs(self.ms_to_gain(token - level)).max(1),
            };
            (quota, None)
        }
    }

    /// When a bucket in `state` is full again (epoch ms): after that its item can be forgotten,
    /// because a missing bucket is a full one.
    pub fn full_at_ms(self, state: BucketState) -> i64 {
        let missing =
            self.capacity() - i128::from(self.level_at(Some(state), state.refilled_at_ms));
        let ms = i64::try_from(self.ms_to_gain(missing)).unwrap_or(i64::MAX);
        state.refilled_at_ms.saturating_add(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN_AN_HOUR: BucketPolicy = BucketPolicy {
        quota: 10,
        window_secs: 3_600,
    };

    /// Spends `n` tokens at `now_ms`, returning the last answer and the state.
    fn spend(
        policy: BucketPolicy,
        mut state: Option<BucketState>,
        n: u32,
        now_ms: i64,
    ) -> (Quota, Option<BucketState>) {
        let mut last = None;
        for _ in 0..n {
            let (quota, next) = policy.take(WriteAction::Reviews, state, now_ms);
            state = next.or(state);
            last = Some(quota);
        }
        (last.unwrap_or_else(|| panic!("spend at least one")), state)
    }

    #[test]
    fn a_full_bucket_allows_a_burst_of_its_quota_then_refuses() {
        let (tenth, state) = spend(TEN_AN_HOUR, None, 10, 0);
        assert!(tenth.allowed);
        assert_eq!(tenth.remaining, 0);
        // One token every 360 s: with none left, `t` is the wait for the next.
        assert_eq!(tenth.reset_secs, 360);
        let (eleventh, unchanged) = TEN_AN_HOUR.take(WriteAction::Reviews, state, 0);
        assert!(!eleventh.allowed);
        assert_eq!(unchanged, None, "a refusal stores nothing");
        assert_eq!(eleventh.retry_after_secs(), Some(360));
    }

    #[test]
    fn retry_after_is_the_true_time_until_the_next_token() {
        let (_, state) = spend(TEN_AN_HOUR, None, 10, 0);
        // 100 s later, 100/360 of a token has flowed in: 260 s to go, not a clock-hour reset.
        let (refused, _) = TEN_AN_HOUR.take(WriteAction::Reviews, state, 100_000);
        assert_eq!(refused.retry_after_secs(), Some(260));
        // Rounded up: 359.5 s after the burst, half a second remains, answered as 1.
        let (refused, _) = TEN_AN_HOUR.take(WriteAction::Reviews, state, 359_500);
        assert_eq!(refused.retry_after_secs(), Some(1));
        // Exactly 360 s after: one token, spent at once.
        let (granted, _) = TEN_AN_HOUR.take(WriteAction::Reviews, state, 360_000);
        assert!(granted.allowed);
        assert_eq!((granted.remaining, granted.reset_secs), (0, 360));
    }

    #[test]
    fn refill_is_continuous_and_capped_at_the_quota() {
        let (_, state) = spend(TEN_AN_HOUR, None, 10, 0);
        let token = TEN_AN_HOUR.units_per_token();
        assert_eq!(TEN_AN_HOUR.level_at(state, 0), 0);
        assert_eq!(TEN_AN_HOUR.level_at(state, 180_000), token / 2);
        assert_eq!(TEN_AN_HOUR.level_at(state, 1_800_000), 5 * token);
        assert_eq!(TEN_AN_HOUR.level_at(state, 86_400_000), 10 * token);
        // A clock that went backwards adds nothing.
        assert_eq!(TEN_AN_HOUR.level_at(state, -5_000), 0);
        // No bucket is a full bucket.
        assert_eq!(TEN_AN_HOUR.level_at(None, 0), 10 * token);
        // A bucket stored under a two-hour window holds the same share of a token.
        let half = BucketState {
            units: 3_600_000,
            units_per_token: 7_200_000,
            refilled_at_ms: 0,
        };
        assert_eq!(TEN_AN_HOUR.level_at(Some(half), 0), token / 2);
    }

    #[test]
    fn reset_counts_until_full_while_tokens_remain() {
        let (first, state) = spend(TEN_AN_HOUR, None, 1, 0);
        assert_eq!((first.remaining, first.reset_secs), (9, 360));
        let (third, state) = spend(TEN_AN_HOUR, state, 2, 0);
        assert_eq!((third.remaining, third.reset_secs), (7, 1_080));
        let state = state.unwrap_or_else(|| panic!("a granted token stores the bucket"));
        assert_eq!(TEN_AN_HOUR.full_at_ms(state), 1_080_000);
    }

    #[test]
    fn headers_follow_the_ietf_draft() {
        let (quota, _) = spend(TEN_AN_HOUR, None, 1, 0);
        assert_eq!(quota.policy_header(), "\"reviews\";q=10;w=3600");
        assert_eq!(quota.limit_header(), "\"reviews\";r=9;t=360");
    }

    #[test]
    fn uneven_rates_round_waits_up() {
        // 300 an hour: one token every 12 s.
        let saves = WriteAction::Saves.default_policy();
        let (_, state) = spend(saves, None, 300, 0);
        let (refused, _) = saves.take(WriteAction::Saves, state, 1);
        assert_eq!(refused.retry_after_secs(), Some(12));
        // 7 in 10 s: one token every 1428.57… ms.
        let odd = BucketPolicy {
            quota: 7,
            window_secs: 10,
        };
        let (_, state) = spend(odd, None, 7, 0);
        let (refused, _) = odd.take(WriteAction::Photos, state, 0);
        assert_eq!(refused.retry_after_secs(), Some(2));
        let (granted, _) = odd.take(WriteAction::Photos, state, 1_429);
        assert!(granted.allowed);
    }
}
