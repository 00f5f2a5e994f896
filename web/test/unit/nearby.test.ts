// The nearby route and heading the Discover page uses: signed-in people search as themselves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { nearbyHeading, nearbyPath } from "../../src/lib/nearby.ts";

test("signed in, nearby search goes to /me/nearby-cafes; anonymous visitors keep /cafes/nearby", () => {
  assert.equal(nearbyPath(true), "/me/nearby-cafes");
  assert.equal(nearbyPath(false), "/cafes/nearby");
});

test("the heading says the order the page was served in", () => {
  assert.equal(nearbyHeading(undefined), "Cafés nearby, nearest first");
  assert.equal(nearbyHeading({}), "Cafés nearby, nearest first");
  assert.equal(nearbyHeading({ "nearby-ranking": "distance" }), "Cafés nearby, nearest first");
  assert.equal(nearbyHeading({ "nearby-ranking": "blended" }), "Cafés nearby, best for you first");
});
