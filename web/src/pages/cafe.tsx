// A café's profile: cover and gallery, origins and philosophy, brewing techniques, beans and
// their origins, artisans, opening hours in the café's zone, ratings, reviews (cursor-paged;
// write, edit and delete your own), stories that mention it, save/unsave and photo upload.
import { useRef, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, ok, type Schemas } from "../api/client.ts";
import { date, hoursByDay, openAt, ratingWords } from "../lib/format.ts";
import { ActionKey } from "../lib/idempotency.ts";
import { ApiProblem } from "../lib/problem.ts";
import { Note, Page, Picture, Show, Stars, countryName, useLoad, useMe, useSession } from "../ui.tsx";
import { PhotoUpload } from "./upload.tsx";

type Cafe = Schemas["CafeProfile"];
type Review = Schemas["Review"];

const words = (slug: string) => slug.replace(/-/g, " ");
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function CafePage() {
  const { params } = useRoute();
  const id = params.id ?? "";
  const [cafe, reload] = useLoad(() => ok(api.GET("/cafes/{cafeId}", { params: { path: { cafeId: id } } })), [id]);
  return (
    <Show value={cafe} label="the café">
      {(c) => <CafeView cafe={c} onChanged={reload} />}
    </Show>
  );
}

function CafeView(props: { cafe: Cafe; onChanged: () => void }) {
  const c = props.cafe;
  const open = openAt(c.hours, new Date());
  return (
    <Page title={c.name}>
      <p class="tagline">{c.tagline}</p>
      {c.coverPhoto ? (
        <Picture class="cover" renditions={c.coverPhoto.renditions} alt={`${c.name}, cover photo`} sizes="(max-width: 960px) 100vw, 960px" eager />
      ) : (
        <div class="cover placeholder" aria-hidden="true" />
      )}
      <p class="address">
        {c.location.address}, {c.location.city}, {countryName(c.location.country)} ·{" "}
        <span class={open ? "open" : "closed"}>{open ? "Open now" : "Closed now"}</span>
      </p>
      <SaveButton cafeId={c.id} />
      <div class="columns">
        <section aria-labelledby="origins">
          <h2 id="origins">Origins</h2>
          <p>{c.origins}</p>
          <h2 id="philosophy">Philosophy</h2>
          <p>{c.philosophy}</p>
        </section>
        <section aria-labelledby="ratings">
          <h2 id="ratings">Ratings</h2>
          <p class="big-rating">{ratingWords(c.rating.average, c.rating.count)}</p>
          <Histogram histogram={c.rating.histogram} />
        </section>
      </div>
      <section aria-labelledby="techniques">
        <h2 id="techniques">Brewing techniques</h2>
        <ul>
          {c.techniques.map((t) => (
            <li key={t.name}>
              <strong>{t.name}</strong> (<a href={`/guide/${t.method}`}>{words(t.method)} guide</a>): {t.description}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="beans">
        <h2 id="beans">Beans and their origins</h2>
        <ul class="beans">
          {c.beans.map((b) => (
            <li key={b.name}>
              <strong>{b.name}</strong>: origin {countryName(b.originCountry)}, {b.region}; {b.producer} ({words(b.producerKind)}); {b.variety},{" "}
              {words(b.process)}
              {b.altitudeM ? `, ${b.altitudeM} m` : ""}. Roasted by <a href={`/roaster/${b.roaster.id}`}>{b.roaster.name}</a>.
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="artisans">
        <h2 id="artisans">Artisans</h2>
        <ul>
          {c.artisans.map((a) => (
            <li key={a.id}>
              <a href={`/artisan/${a.id}`}>{a.name}</a>, {words(a.role)}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="hours">
        <h2 id="hours">Opening hours</h2>
        <p class="muted">Times in the café's zone ({c.hours.timeZone}).</p>
        <table class="hours">
          <caption class="sr-only">Opening hours</caption>
          <tbody>
            {hoursByDay(c.hours.periods).map(([day, spans]) => (
              <tr key={day}>
                <th scope="row">{day}</th>
                <td>{spans}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="amenities">
        <h2 id="amenities">Amenities</h2>
        <p>{c.amenities.map(words).join(", ") || "None listed"}</p>
        {c.links.website ? (
          <p>
            <a href={c.links.website} rel="noopener">
              Website
            </a>
          </p>
        ) : null}
      </section>
      <Gallery cafeId={c.id} name={c.name} />
      <PhotoUpload cafeId={c.id} onReady={props.onChanged} />
      <Reviews cafe={c} onChanged={props.onChanged} />
      <Stories cafeId={c.id} />
    </Page>
  );
}

function Histogram(props: { histogram: number[] }) {
  const max = Math.max(1, ...props.histogram);
  return (
    <table class="histogram">
      <caption class="sr-only">Ratings by stars</caption>
      <tbody>
        {[5, 4, 3, 2, 1].map((stars) => {
          const n = props.histogram[stars - 1] ?? 0;
          return (
            <tr key={stars}>
              <th scope="row">{stars} ★</th>
              <td>
                <span class="bar" style={{ width: `${(n / max) * 100}%` }} />
              </td>
              <td class="num">{n}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function SaveButton(props: { cafeId: string }) {
  const session = useSession();
  const [saved, setSaved] = useLoad(
    async () => {
      if (!session) return false;
      const page = await ok(api.GET("/me/saved-cafes", { params: { query: { limit: 100 } } }));
      return page.items.some((s) => s.cafe.id === props.cafeId);
    },
    [props.cafeId, session?.accessToken],
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  if (!session || saved.state !== "ready") return null;
  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      const path = { params: { path: { cafeId: props.cafeId } } };
      if (saved.data) {
        await ok(api.DELETE("/me/saved-cafes/{cafeId}", path));
        setStatus("Removed from your saved cafés.");
      } else {
        await ok(api.PUT("/me/saved-cafes/{cafeId}", path));
        setStatus("Saved.");
      }
      setSaved();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="save">
      <button type="button" aria-pressed={saved.data} disabled={busy} onClick={toggle}>
        {saved.data ? "Saved ✓ (unsave)" : "Save café"}
      </button>
      <Note error={error} status={status} />
    </div>
  );
}

function Gallery(props: { cafeId: string; name: string }) {
  const [photos] = useLoad(() => ok(api.GET("/cafes/{cafeId}/photos", { params: { path: { cafeId: props.cafeId }, query: { limit: 12 } } })), [props.cafeId]);
  if (photos.state !== "ready" || photos.data.items.length === 0) return null;
  return (
    <section aria-labelledby="gallery">
      <h2 id="gallery">Photos</h2>
      <ul class="gallery">
        {photos.data.items.map((p) => (
          <li key={p.id}>
            <Picture renditions={p.renditions} alt={p.caption ?? `A photo of ${props.name}`} sizes="(max-width: 600px) 50vw, 240px" />
          </li>
        ))}
      </ul>
    </section>
  );
}

function Reviews(props: { cafe: Cafe; onChanged: () => void }) {
  const me = useMe();
  const session = useSession();
  const [pages, setPages] = useState<{ items: Review[]; next: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const cafeId = props.cafe.id;
  const [first] = useLoad(
    () => ok(api.GET("/cafes/{cafeId}/reviews", { params: { path: { cafeId }, query: { limit: 10 } } })),
    [cafeId, version],
  );
  const shown = pages ?? (first.state === "ready" ? { items: first.data.items, next: first.data.nextCursor } : null);
  const more = async () => {
    if (!shown?.next) return;
    try {
      const page = await ok(api.GET("/cafes/{cafeId}/reviews", { params: { path: { cafeId }, query: { limit: 10, cursor: shown.next } } }));
      setPages({ items: [...shown.items, ...page.items], next: page.nextCursor });
    } catch (e) {
      setError(message(e));
    }
  };
  const changed = () => {
    setPages(null);
    setVersion((v) => v + 1);
    props.onChanged();
  };
  const mine = shown?.items.find((r) => me && r.authorId === me.id) ?? null;
  return (
    <section aria-labelledby="reviews">
      <h2 id="reviews">Reviews</h2>
      {session ? (
        mine ? null : (
          <ReviewForm cafeId={cafeId} onDone={changed} />
        )
      ) : (
        <p>
          <a href={`/sign-in?returnTo=/cafe/${cafeId}`}>Sign in</a> to write a review.
        </p>
      )}
      <Show value={first} label="reviews">
        {() => (
          <>
            {shown && shown.items.length === 0 ? <p>No reviews yet.</p> : null}
            <ul class="reviews" aria-label="Reviews">
              {shown?.items.map((r) => (
                <ReviewItem review={r} mine={!!me && r.authorId === me.id} key={r.id} onChanged={changed} />
              ))}
            </ul>
            {shown?.next ? (
              <button type="button" onClick={more}>
                More reviews
              </button>
            ) : null}
          </>
        )}
      </Show>
      <Note error={error} />
    </section>
  );
}

function ReviewItem(props: { review: Review; mine: boolean; onChanged: () => void }) {
  const r = props.review;
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const del = useRef(new ActionKey());
  const remove = async () => {
    if (!confirm("Delete your review?")) return;
    try {
      await ok(
        api.DELETE("/reviews/{reviewId}", {
          params: { path: { reviewId: r.id } },
          headers: { "Idempotency-Key": del.current.for(r.id) },
        }),
      );
      del.current.done();
      props.onChanged();
    } catch (e) {
      if (e instanceof ApiProblem && e.status === 404) props.onChanged();
      else setError(message(e));
    }
  };
  if (editing) {
    return (
      <li class="review">
        <ReviewForm cafeId={r.cafeId} existing={r} onDone={() => { setEditing(false); props.onChanged(); }} onCancel={() => setEditing(false)} />
      </li>
    );
  }
  return (
    <li class="review">
      <p>
        <Stars value={r.rating} /> by <a href={`/people/${r.authorId}`}>{r.author.displayName}</a>
        {props.mine ? " (you)" : ""} · <time dateTime={r.createdAt}>{date(r.createdAt)}</time>
      </p>
      <p>{r.text}</p>
      {props.mine ? (
        <p class="actions">
          <button type="button" onClick={() => setEditing(true)}>
            Edit review
          </button>
          <button type="button" onClick={remove}>
            Delete review
          </button>
        </p>
      ) : null}
      <Note error={error} />
    </li>
  );
}

function ReviewForm(props: { cafeId: string; existing?: Review; onDone: () => void; onCancel?: () => void }) {
  const [rating, setRating] = useState(String(props.existing?.rating ?? 5));
  const [text, setText] = useState(props.existing?.text ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const key = useRef(new ActionKey());
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const body = { rating: Number(rating), text: text.trim() };
    try {
      const headers = { "Idempotency-Key": key.current.for({ id: props.existing?.id, ...body }) };
      if (props.existing) {
        await ok(api.PUT("/reviews/{reviewId}", { params: { path: { reviewId: props.existing.id } }, body, headers }));
      } else {
        await ok(api.POST("/cafes/{cafeId}/reviews", { params: { path: { cafeId: props.cafeId }, header: headers }, body }));
      }
      key.current.done();
      setText("");
      props.onDone();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  const idp = props.existing ? `edit-${props.existing.id}` : "new-review";
  return (
    <form class="review-form" onSubmit={submit} aria-label={props.existing ? "Edit your review" : "Write a review"}>
      <label for={`${idp}-rating`}>Your rating</label>
      <select id={`${idp}-rating`} value={rating} onChange={(e) => setRating(e.currentTarget.value)}>
        {[5, 4, 3, 2, 1].map((n) => (
          <option value={n} key={n}>
            {n} star{n === 1 ? "" : "s"}
          </option>
        ))}
      </select>
      <label for={`${idp}-text`}>Your review</label>
      <textarea id={`${idp}-text`} required rows={4} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <p class="actions">
        <button type="submit" disabled={busy}>
          {props.existing ? "Save review" : "Post review"}
        </button>
        {props.onCancel ? (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </p>
      <Note error={error} />
    </form>
  );
}

function Stories(props: { cafeId: string }) {
  const session = useSession();
  const [stories] = useLoad(() => ok(api.GET("/stories", { params: { query: { cafeId: props.cafeId, limit: 10 } } })), [props.cafeId]);
  return (
    <section aria-labelledby="stories">
      <h2 id="stories">Stories that mention it</h2>
      {session ? (
        <p>
          <a href={`/write?cafe=${props.cafeId}`}>Write a story about this café</a>
        </p>
      ) : null}
      <Show value={stories} label="stories">
        {(page) =>
          page.items.length === 0 ? (
            <p>No stories yet.</p>
          ) : (
            <ul>
              {page.items.map((s) => (
                <li key={s.id}>
                  <a href={`/story/${s.id}`}>{s.title}</a> by {s.author.displayName}
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}
