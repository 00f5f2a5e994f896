// The user journeys of issue #13 in real headless Chromium against the local server over the
// demo data (started by tests/tests/it/web.rs), by role and visible text, plus axe-core on
// every page type. Run through `cargo test -p tests --test it -- web::`.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { apiGet, baseUrl, launch, seriousViolations } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const country = (code) => new Intl.DisplayNames(["en"], { type: "region" }).of(code);

async function open(page, path) {
  await page.goto(`${baseUrl()}${path}`);
  await page.getByRole("heading", { level: 1 }).first().waitFor();
}

async function h1(page) {
  return (await page.getByRole("heading", { level: 1 }).first().textContent()).trim();
}

async function signIn(page, name) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign in" }).click();
  await page.getByLabel("Name to sign in as").fill(name);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

test("a coffee lover's journey: search, profile, nearby, sign in, review, photo, save, story, reload, profile", async () => {
  const quiet = process.env.CRAFTBEAN_QUIET_CAFE;
  const jpeg = process.env.CRAFTBEAN_TEST_JPEG;
  assert.ok(quiet && jpeg, "CRAFTBEAN_QUIET_CAFE and CRAFTBEAN_TEST_JPEG are set by tests/tests/it/web.rs");
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  try {
    await journey(page, problems, quiet, jpeg);
  } catch (e) {
    if (process.env.CRAFTBEAN_DEBUG) {
      await page.screenshot({ path: `${process.env.CRAFTBEAN_DEBUG}/failure.png`, fullPage: true });
      console.log(await page.locator("main").innerText());
    }
    throw e;
  }
  await context.close();
});

async function journey(page, problems, quiet, jpeg) {

  // Home, then a text search for a café by name.
  await open(page, "/");
  assert.equal(await h1(page), "Discover cafés");
  const target = (await apiGet("/cafes?sort=rating&limit=1")).items[0];
  await page.getByLabel("Search cafés").fill(target.name);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.getByRole("heading", { name: `Cafés matching “${target.name}”` }).waitFor();
  const results = page.getByRole("list", { name: "Cafés" });
  await results.getByRole("link", { name: target.name, exact: true }).first().click();

  // Its profile: origins, philosophy, a bean's origin, an artisan (whose page opens).
  const cafe = await apiGet(`/cafes/${target.id}`);
  await page.getByRole("heading", { level: 1, name: cafe.name }).waitFor();
  await page.getByRole("heading", { name: "Origins", exact: true }).waitFor();
  await page.getByText(cafe.origins, { exact: true }).waitFor();
  await page.getByRole("heading", { name: "Philosophy", exact: true }).waitFor();
  await page.getByText(cafe.philosophy, { exact: true }).waitFor();
  const bean = cafe.beans[0];
  const beanItem = page.locator("ul.beans li", { hasText: bean.name }).first();
  assert.match(await beanItem.textContent(), new RegExp(`origin ${country(bean.originCountry)}, ${bean.region}`));
  const artisan = cafe.artisans[0];
  await page.getByRole("link", { name: artisan.name, exact: true }).click();
  await page.getByRole("heading", { level: 1, name: artisan.name }).waitFor();
  await page.goBack();
  await page.getByRole("heading", { level: 1, name: cafe.name }).waitFor();

  // The nearby map around a known point lists what /cafes/nearby returns, nearest first.
  const [lat, lng] = [35.6812, 139.7671];
  const nearby = await apiGet(`/cafes/nearby?lat=${lat}&lng=${lng}&radiusM=2000&limit=50`);
  assert.ok(nearby.items.length >= 2, "the demo data has cafés around Tokyo Station");
  await open(page, `/?lat=${lat}&lng=${lng}&r=2000`);
  await page.getByRole("heading", { name: "Cafés nearby, nearest first" }).waitFor();
  const listed = page.getByRole("list", { name: "Cafés" }).getByRole("link");
  await listed.first().waitFor();
  assert.deepEqual(
    (await listed.allTextContents()).map((t) => t.trim()),
    nearby.items.map((c) => c.name),
  );
  await page.locator(".leaflet-marker-icon").first().waitFor();
  assert.equal(await page.locator(".leaflet-marker-icon").count(), nearby.items.length, "one marker per café");

  // Sign in (development sign-in of the local server), then review a café nobody reviewed.
  const name = `journey-${Date.now()}`;
  await open(page, `/cafe/${quiet}`);
  const quietName = await h1(page);
  await signIn(page, name);
  await page.getByRole("heading", { level: 1, name: quietName }).waitFor();
  assert.equal((await page.locator(".big-rating").textContent()).trim(), "No reviews yet");
  const form = page.getByRole("form", { name: "Write a review" });
  await form.getByLabel("Your rating").selectOption("4");
  await form.getByLabel("Your review").fill("Bright and sweet, a lovely V60.");
  await form.getByRole("button", { name: "Post review" }).dblclick();
  const reviews = page.getByRole("list", { name: "Reviews" });
  await reviews.getByText("Bright and sweet, a lovely V60.").waitFor();
  await page.locator(".big-rating", { hasText: "4.0 (1 review)" }).waitFor();
  assert.equal((await apiGet(`/cafes/${quiet}/reviews`)).items.length, 1, "a double click posts once");

  // Edit it, then delete it.
  await page.getByRole("button", { name: "Edit review" }).click();
  const edit = page.getByRole("form", { name: "Edit your review" });
  await edit.getByLabel("Your rating").selectOption("2");
  await edit.getByLabel("Your review").fill("Second visit: sour and rushed.");
  await edit.getByRole("button", { name: "Save review" }).click();
  await reviews.getByText("Second visit: sour and rushed.").waitFor();
  await page.locator(".big-rating", { hasText: "2.0 (1 review)" }).waitFor();
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Delete review" }).click();
  await page.locator(".big-rating", { hasText: "No reviews yet" }).waitFor();
  assert.equal((await apiGet(`/cafes/${quiet}/reviews`)).items.length, 0);

  // Upload a real JPEG and see its rendition.
  await page.getByLabel("Photo (JPEG, PNG or WebP)").setInputFiles(jpeg);
  await page.getByRole("button", { name: "Upload photo" }).click();
  await page.getByText("Your photo is ready.").waitFor({ timeout: 60_000 });
  const uploaded = page.locator("figure.uploaded img");
  await uploaded.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => {
    const img = document.querySelector("figure.uploaded img");
    return img && img.complete && img.naturalWidth > 0;
  });
  assert.match(await uploaded.getAttribute("src"), /\/media\/.+\.jpeg$/);
  assert.match(await page.locator('figure.uploaded source[type="image/webp"]').getAttribute("srcset"), /\.webp \d+w/);

  // Save the café and find it under Saved.
  await page.getByRole("button", { name: "Save café" }).click();
  await page.getByText("Saved.", { exact: true }).waitFor();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Saved" }).click();
  await page.getByRole("heading", { level: 1, name: "Saved cafés" }).waitFor();
  await page.getByRole("list", { name: "Saved cafés" }).getByRole("link", { name: quietName }).waitFor();

  // Publish a story, then reload its deep link.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Write a story" }).click();
  const title = `A morning at ${quietName}`;
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Story", { exact: true }).fill("The light, the pour, the quiet.\n\nI will be back.");
  await page.getByLabel("Café id it mentions (optional)").fill(quiet);
  await page.getByRole("button", { name: "Publish story" }).click();
  await page.getByRole("heading", { level: 1, name: title }).waitFor();
  assert.match(page.url(), /\/story\/sty_/);
  await page.reload();
  await page.getByRole("heading", { level: 1, name: title }).waitFor();
  await page.getByRole("link", { name: quietName }).waitFor();

  // Edit the profile; the story's byline follows the new name.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
  await page.getByRole("heading", { level: 1, name: "Your account" }).waitFor();
  await page.getByLabel("Display name").fill("Ana from the journey");
  await page.getByLabel("Home city").fill("Lisbon");
  await page.getByRole("button", { name: "Save profile" }).click();
  await page.getByText("Your profile is saved.").waitFor();
  await page.goBack();
  await page.getByRole("heading", { level: 1, name: title }).waitFor();
  await page.getByRole("link", { name: "Ana from the journey" }).waitFor();

  // Signed in, the nearby list comes from /me/nearby-cafes with the token (the person is the
  // nearby-ranking experiment's unit): the page shows that answer, in its order and heading.
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem("craftbean.session")).accessToken);
  const mine = await fetch(`${baseUrl()}/api/me/nearby-cafes?lat=${lat}&lng=${lng}&radiusM=2000&limit=50`, {
    headers: { authorization: `Bearer ${token}` },
  }).then((r) => r.json());
  assert.equal(mine.items.length, nearby.items.length, "the same cafés as the anonymous search");
  const asked = [];
  page.on("request", (r) => {
    if (r.url().includes("nearby")) asked.push([new URL(r.url()).pathname, r.headers().authorization ?? ""]);
  });
  await open(page, `/?lat=${lat}&lng=${lng}&r=2000`);
  const variant = mine.experiments?.["nearby-ranking"];
  const heading = variant === "blended" ? "Cafés nearby, best for you first" : "Cafés nearby, nearest first";
  await page.getByRole("heading", { name: heading }).waitFor();
  await listed.first().waitFor();
  assert.deepEqual(
    (await listed.allTextContents()).map((t) => t.trim()),
    mine.items.map((c) => c.name),
  );
  assert.deepEqual(asked, [["/api/me/nearby-cafes", `Bearer ${token}`]], "signed in: only the signed-in route");

  assert.deepEqual(problems, [], "no uncaught errors in the page");
}

test("every page type has no serious or critical accessibility violation (axe-core)", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const cafe = (await apiGet("/cafes?sort=rating&limit=1")).items[0];
  const profile = await apiGet(`/cafes/${cafe.id}`);
  const story = (await apiGet("/stories?limit=1")).items[0];
  const pages = [
    ["/", "Discover cafés"],
    [`/cafe/${cafe.id}`, profile.name],
    [`/roaster/${profile.beans[0].roaster.id}`, profile.beans[0].roaster.name],
    [`/artisan/${profile.artisans[0].id}`, profile.artisans[0].name],
    ["/guide/v60", null],
    [`/story/${story.id}`, story.title],
    [`/people/${story.authorId}`, story.author.displayName],
    ["/sign-in", "Sign in"],
    ["/no/such/page", "Page not found"],
  ];
  const found = [];
  for (const [path, heading] of pages) {
    await open(page, path);
    if (heading) await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    if (path === "/") await page.locator(".leaflet-container").waitFor();
    for (const v of await seriousViolations(page)) found.push(`${path}: ${v}`);
  }
  await signIn(page, `axe-${Date.now()}`);
  for (const [path, heading] of [
    ["/saved", "Saved cafés"],
    ["/account", "Your account"],
    ["/write", "Write a story"],
    [`/cafe/${cafe.id}`, profile.name],
  ]) {
    await open(page, path);
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    for (const v of await seriousViolations(page)) found.push(`${path} (signed in): ${v}`);
  }
  assert.deepEqual(found, []);
  await context.close();
});
