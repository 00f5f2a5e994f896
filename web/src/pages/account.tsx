// Signed-in pages: saved cafés, the profile editor, publishing a story; and sign-in itself
// (development form locally, Cognito's hosted UI in AWS) with its callback.
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api, ok } from "../api/client.ts";
import { devSignIn, finishCognitoSignIn, isCognito, startCognitoSignIn } from "../auth/session.ts";
import { Config } from "../app.tsx";
import { ratingWords } from "../lib/format.ts";
import { ActionKey } from "../lib/idempotency.ts";
import { Note, Page, Show, refreshMe, useLoad, useMe, useSession } from "../ui.tsx";

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function SignInFirst(props: { title: string }) {
  const loc = useLocation();
  return (
    <Page title={props.title}>
      <p>
        <a href={`/sign-in?returnTo=${encodeURIComponent(loc.url)}`}>Sign in</a> to see this page.
      </p>
    </Page>
  );
}

export function SavedPage() {
  const session = useSession();
  const [saved] = useLoad(
    () => (session ? ok(api.GET("/me/saved-cafes", { params: { query: { limit: 50 } } })) : Promise.resolve(null)),
    [session?.accessToken],
  );
  if (!session) return <SignInFirst title="Saved cafés" />;
  return (
    <Page title="Saved cafés">
      <Show value={saved} label="your saved cafés">
        {(page) =>
          !page || page.items.length === 0 ? (
            <p>
              Nothing saved yet. <a href="/">Discover cafés</a> and save the ones you like.
            </p>
          ) : (
            <ul class="cafes" aria-label="Saved cafés">
              {page.items.map((s) => (
                <li key={s.cafe.id} class="cafe">
                  <a href={`/cafe/${s.cafe.id}`}>{s.cafe.name}</a>
                  <span class="meta">{s.cafe.location.city}</span>
                  <span class="facts">{ratingWords(s.cafe.rating.average, s.cafe.rating.count)}</span>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </Page>
  );
}

export function AccountPage() {
  const session = useSession();
  const me = useMe();
  const [name, setName] = useState("");
  const [bio, setBio] = useState("");
  const [city, setCity] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  const key = useRef(new ActionKey());
  useEffect(() => {
    if (me) {
      setName(me.displayName);
      setBio(me.bio ?? "");
      setCity(me.homeCity ?? "");
      // Enabled in the same render that shows the loaded values, never before it.
      setReady(true);
    }
  }, [me?.id, me?.updatedAt]);
  if (!session) return <SignInFirst title="Your account" />;
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setStatus(null);
    const body = { displayName: name.trim(), bio: bio.trim() || null, homeCity: city.trim() || null };
    try {
      await ok(api.PUT("/me", { body, headers: { "Idempotency-Key": key.current.for(body) } }));
      key.current.done();
      refreshMe();
      setStatus("Your profile is saved.");
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Page title="Your account">
      {me ? (
        <p>
          Your public page: <a href={`/people/${me.id}`}>{me.displayName}</a>
        </p>
      ) : null}
      {/* The fields stay disabled until the profile has loaded: filled earlier, its arrival
          would overwrite what was typed, and a save would send empty fields for the rest. */}
      {ready ? null : <p class="muted" role="status">Loading your profile…</p>}
      <form onSubmit={submit} class="stack" aria-label="Edit your profile">
        <label for="display-name">Display name</label>
        <input id="display-name" required maxLength={60} disabled={!ready} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <label for="home-city">Home city</label>
        <input id="home-city" maxLength={80} disabled={!ready} value={city} onInput={(e) => setCity(e.currentTarget.value)} />
        <label for="bio">About you</label>
        <textarea id="bio" rows={4} maxLength={500} disabled={!ready} value={bio} onInput={(e) => setBio(e.currentTarget.value)} />
        <button type="submit" disabled={busy || !ready}>
          Save profile
        </button>
        <Note error={error} status={status} />
      </form>
    </Page>
  );
}

export function WritePage() {
  const session = useSession();
  const loc = useLocation();
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  const [tags, setTags] = useState("");
  const [cafe, setCafe] = useState(loc.query.cafe ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const key = useRef(new ActionKey());
  if (!session) return <SignInFirst title="Write a story" />;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const story = {
      title: title.trim(),
      body: body.trim(),
      tags: tags.split(",").map((t) => t.trim().toLowerCase().replace(/\s+/g, "-")).filter(Boolean),
      cafeIds: cafe.trim() ? [cafe.trim()] : [],
    };
    try {
      const created = await ok(api.POST("/stories", { params: { header: { "Idempotency-Key": key.current.for(story) } }, body: story }));
      key.current.done();
      loc.route(`/story/${created.id}`);
    } catch (err) {
      setError(message(err));
      setBusy(false);
    }
  };
  return (
    <Page title="Write a story">
      <form onSubmit={submit} class="stack" aria-label="Your story">
        <label for="story-title">Title</label>
        <input id="story-title" required maxLength={120} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
        <label for="story-body">Story</label>
        <textarea id="story-body" required rows={10} value={body} onInput={(e) => setBody(e.currentTarget.value)} />
        <label for="story-tags">Tags (comma separated, optional)</label>
        <input id="story-tags" value={tags} onInput={(e) => setTags(e.currentTarget.value)} />
        <label for="story-cafe">Café id it mentions (optional)</label>
        <input id="story-cafe" value={cafe} onInput={(e) => setCafe(e.currentTarget.value)} />
        <button type="submit" disabled={busy}>
          Publish story
        </button>
        <Note error={error} />
      </form>
    </Page>
  );
}

export function SignInPage() {
  const config = useContext(Config);
  const loc = useLocation();
  const returnTo = loc.query.returnTo?.startsWith("/") ? loc.query.returnTo : "/";
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (isCognito(config)) {
    return (
      <Page title="Sign in">
        <p>You sign in on CraftBean's secure sign-in page and come straight back here.</p>
        <button type="button" onClick={() => void startCognitoSignIn(config.auth, returnTo)}>
          Continue to sign-in
        </button>
      </Page>
    );
  }
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await devSignIn(name.trim());
      loc.route(returnTo);
    } catch (err) {
      setError(message(err));
      setBusy(false);
    }
  };
  return (
    <Page title="Sign in">
      <p class="muted">Development sign-in: this local server signs you in under any name, no password.</p>
      <form onSubmit={submit} class="stack" aria-label="Development sign-in">
        <label for="dev-name">Name to sign in as</label>
        <input id="dev-name" required autoComplete="username" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <Note error={error} />
      </form>
    </Page>
  );
}

export function CallbackPage() {
  const config = useContext(Config);
  const loc = useLocation();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!isCognito(config)) {
      setError("This server signs in without a callback.");
      return;
    }
    finishCognitoSignIn(config.auth, location.search).then(
      (to) => loc.route(to, true),
      (e: unknown) => setError(message(e)),
    );
  }, []);
  return (
    <Page title="Signing you in">
      {error ? (
        <p class="error" role="alert">
          {error} <a href="/sign-in">Try again</a>.
        </p>
      ) : (
        <p role="status">One moment…</p>
      )}
    </Page>
  );
}
