// Errors in words, idempotency keys per action, and formatting.
import { test } from "node:test";
import assert from "node:assert/strict";
import { describeProblem, waitWords } from "../../src/lib/problem.ts";
import { ActionKey } from "../../src/lib/idempotency.ts";
import { distance, hoursByDay, openAt, ratingWords, sources } from "../../src/lib/format.ts";

test("429 and 503 say when to try again from Retry-After", () => {
  assert.equal(describeProblem(429, null, "30"), "You are doing that too often. Please try again in 30 seconds.");
  assert.equal(describeProblem(429, null, "1"), "You are doing that too often. Please try again in 1 second.");
  assert.equal(describeProblem(503, null, "600"), "CraftBean is busy right now. Please try again in 10 minutes.");
  assert.equal(waitWords(null), "in a moment");
});

test("problem+json bodies become sentences naming each bad field", () => {
  const body = {
    type: "https://craftbean.app/problems/validation-failed",
    status: 422,
    detail: "x",
    invalidParams: [{ name: "text", in: "body", reason: "must not be empty" }],
  };
  assert.equal(describeProblem(422, body, null), "Please check: text must not be empty.");
  const exists = { type: "https://craftbean.app/problems/already-exists", detail: "You have already reviewed this café." };
  assert.equal(describeProblem(409, exists, null), "You have already reviewed this café.");
  assert.equal(describeProblem(401, null, null), "Please sign in (again) to do that.");
  assert.equal(describeProblem(500, { detail: "opaque" }, null), "Something went wrong on our side. Please try again.");
});

test("an action keeps its key until it succeeds, and a new action gets a new one", () => {
  let n = 0;
  const key = new ActionKey(() => `k${++n}`);
  const first = key.for({ rating: 5 });
  assert.equal(key.for({ rating: 5 }), first, "a retry or double click reuses the key");
  key.done();
  assert.notEqual(key.for({ rating: 5 }), first, "the next action is a new one");
  const pending = key.for({ rating: 4 });
  assert.notEqual(key.for({ rating: 3 }), pending, "a changed payload is another action");
});

test("distances, ratings and renditions read well", () => {
  assert.equal(distance(347), "350 m");
  assert.equal(distance(2449), "2.4 km");
  assert.equal(distance(12_400), "12 km");
  assert.equal(ratingWords(null, 0), "No reviews yet");
  assert.equal(ratingWords(4.26, 12), "4.3 (12 reviews)");
  const r = (format: "webp" | "jpeg", width: number) => ({ size: width, width, height: width, format, url: `/m/${width}.${format}` });
  const s = sources([r("jpeg", 960), r("webp", 320), r("jpeg", 320), r("webp", 960)]);
  assert.equal(s.webp, "/m/320.webp 320w, /m/960.webp 960w");
  assert.equal(s.jpeg, "/m/320.jpeg 320w, /m/960.jpeg 960w");
  assert.equal(s.fallback?.url, "/m/320.jpeg");
});

test("opening hours are judged in the café's zone, overnight periods included", () => {
  const hours = {
    timeZone: "Asia/Tokyo",
    periods: [
      { day: "mon", opens: "08:00", closes: "17:00" },
      { day: "fri", opens: "20:00", closes: "02:00" },
    ],
  };
  // Monday 2026-11-23 09:00 in Tokyo is 00:00 UTC.
  assert.equal(openAt(hours, new Date("2026-11-23T00:00:00Z")), true);
  assert.equal(openAt(hours, new Date("2026-11-23T09:00:00Z")), false);
  // Saturday 01:00 in Tokyo, still Friday night's period.
  assert.equal(openAt(hours, new Date("2026-11-27T16:00:00Z")), true);
  assert.deepEqual(hoursByDay(hours.periods)[0], ["Monday", "08:00–17:00"]);
  assert.deepEqual(hoursByDay(hours.periods)[1], ["Tuesday", "Closed"]);
});
