// Pages with shareable URLs: roasters, artisans, brewing guides, stories, people, and the
// page for a link that leads nowhere.
import { useRoute } from "preact-iso";
import { api, ok } from "../api/client.ts";
import { date } from "../lib/format.ts";
import { Page, Show, Stars, countryName, useLoad } from "../ui.tsx";

const words = (slug: string) => slug.replace(/-/g, " ");

export function RoasterPage() {
  const id = useRoute().params.id ?? "";
  const [roaster] = useLoad(() => ok(api.GET("/roasters/{roasterId}", { params: { path: { roasterId: id } } })), [id]);
  return (
    <Show value={roaster} label="the roaster">
      {(r) => (
        <Page title={r.name}>
          <p class="tagline">
            {r.city}, {countryName(r.country)} · since {r.founded} · {r.roastStyle}
          </p>
          <p>{r.description}</p>
          <h2>Specialties</h2>
          <p>{r.specialties.join(", ")}</p>
          {r.website ? (
            <p>
              <a href={r.website} rel="noopener">Website</a>
            </p>
          ) : null}
          <h2>Cafés it supplies</h2>
          <ul>
            {r.cafes.map((c) => (
              <li key={c.id}>
                <a href={`/cafe/${c.id}`}>{c.name}</a>, {c.location.city}
              </li>
            ))}
          </ul>
        </Page>
      )}
    </Show>
  );
}

export function ArtisanPage() {
  const id = useRoute().params.id ?? "";
  const [artisan] = useLoad(() => ok(api.GET("/artisans/{artisanId}", { params: { path: { artisanId: id } } })), [id]);
  return (
    <Show value={artisan} label="the artisan">
      {(a) => (
        <Page title={a.name}>
          <p class="tagline">
            {words(a.role)} at <a href={`/cafe/${a.cafeId}`}>{a.cafeName}</a> since {a.since}
          </p>
          <p>{a.bio}</p>
          <h2>Specialties</h2>
          <p>{a.specialties.join(", ")}</p>
        </Page>
      )}
    </Show>
  );
}

export function GuidePage() {
  const slug = useRoute().params.slug ?? "";
  const [guide] = useLoad(() => ok(api.GET("/brewing-methods/{slug}", { params: { path: { slug } } })), [slug]);
  return (
    <Show value={guide} label="the guide">
      {(g) => (
        <Page title={`${g.name} brewing guide`}>
          <p class="tagline">{g.category}</p>
          <p>{g.description}</p>
          <dl class="facts">
            <dt>Grind</dt>
            <dd>{g.grind}</dd>
            <dt>Ratio</dt>
            <dd>{g.ratio}</dd>
            <dt>Water</dt>
            <dd>
              {g.waterTemperatureC.min}–{g.waterTemperatureC.max} °C
            </dd>
            <dt>Brew time</dt>
            <dd>
              {g.brewTimeSeconds.min}–{g.brewTimeSeconds.max} s
            </dd>
          </dl>
          <h2>Equipment</h2>
          <ul>
            {g.equipment.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
          <h2>Steps</h2>
          <ol>
            {g.steps.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ol>
          <p>
            <a href={`/?method=${g.slug}`}>Cafés that brew with {g.name}</a>
          </p>
        </Page>
      )}
    </Show>
  );
}

export function StoryPage() {
  const id = useRoute().params.id ?? "";
  const [story] = useLoad(async () => {
    const s = await ok(api.GET("/stories/{storyId}", { params: { path: { storyId: id } } }));
    const cafes = await Promise.all(
      s.cafeIds.slice(0, 5).map((cafeId) => ok(api.GET("/cafes/{cafeId}", { params: { path: { cafeId } } })).catch(() => null)),
    );
    return { s, cafes };
  }, [id]);
  return (
    <Show value={story} label="the story">
      {({ s, cafes }) => (
        <Page title={s.title}>
          <p class="tagline">
            by <a href={`/people/${s.authorId}`}>{s.author.displayName}</a> · <time dateTime={s.createdAt}>{date(s.createdAt)}</time>
          </p>
          <article class="story">
            {s.body.split(/\n{2,}/).map((para, i) => (
              <p key={i}>{para}</p>
            ))}
          </article>
          {s.tags.length ? <p class="muted">Tags: {s.tags.map(words).join(", ")}</p> : null}
          {cafes.some(Boolean) ? (
            <>
              <h2>Cafés in this story</h2>
              <ul>
                {cafes.map((c) =>
                  c ? (
                    <li key={c.id}>
                      <a href={`/cafe/${c.id}`}>{c.name}</a>, {c.location.city}
                    </li>
                  ) : null,
                )}
              </ul>
            </>
          ) : null}
        </Page>
      )}
    </Show>
  );
}

export function PersonPage() {
  const id = useRoute().params.id ?? "";
  const [person] = useLoad(async () => {
    const [user, reviews, stories] = await Promise.all([
      ok(api.GET("/users/{userId}", { params: { path: { userId: id } } })),
      ok(api.GET("/users/{userId}/reviews", { params: { path: { userId: id }, query: { limit: 10 } } })),
      ok(api.GET("/stories", { params: { query: { author: id, limit: 10 } } })),
    ]);
    return { user, reviews, stories };
  }, [id]);
  return (
    <Show value={person} label="the profile">
      {({ user, reviews, stories }) => (
        <Page title={user.displayName}>
          {user.homeCity ? <p class="tagline">Home city: {user.homeCity}</p> : null}
          {user.bio ? <p>{user.bio}</p> : null}
          <h2>Reviews</h2>
          {reviews.items.length === 0 ? <p>No reviews yet.</p> : null}
          <ul class="reviews">
            {reviews.items.map((r) => (
              <li key={r.id} class="review">
                <Stars value={r.rating} /> <a href={`/cafe/${r.cafeId}`}>the café</a> · {date(r.createdAt)}
                <p>{r.text}</p>
              </li>
            ))}
          </ul>
          <h2>Stories</h2>
          {stories.items.length === 0 ? <p>No stories yet.</p> : null}
          <ul>
            {stories.items.map((s) => (
              <li key={s.id}>
                <a href={`/story/${s.id}`}>{s.title}</a>
              </li>
            ))}
          </ul>
        </Page>
      )}
    </Show>
  );
}

export function NotFoundPage() {
  return (
    <Page title="Page not found">
      <p>
        There is nothing at this address. <a href="/">Discover cafés</a> instead.
      </p>
    </Page>
  );
}
