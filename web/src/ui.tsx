// Small building blocks shared by the pages: the page frame (title, focus on navigation), data
// loading with an error in words, pictures from renditions, ratings.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ok, type Schemas } from "./api/client.ts";
import { currentSession, onSessionChange, type Session } from "./auth/session.ts";
import { sources, type RenditionLike } from "./lib/format.ts";

/** A page: sets the document title and moves focus to its heading after navigation, so screen
 * readers announce the new page. */
export function Page(props: { title: string; children: ComponentChildren; wide?: boolean }) {
  const h1 = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · CraftBean`;
    if (history.state?.focus !== false && document.activeElement !== document.body) {
      h1.current?.focus({ preventScroll: true });
    }
  }, [props.title]);
  return (
    <div class={props.wide ? "page wide" : "page"}>
      <h1 tabIndex={-1} ref={h1}>
        {props.title}
      </h1>
      {props.children}
    </div>
  );
}

export type Loaded<T> =
  | { state: "loading" }
  | { state: "error"; message: string }
  | { state: "ready"; data: T };

/** Runs `load` whenever `deps` change; stale answers are dropped. The reload function it
 * returns keeps showing the current data until the new answer arrives (nothing unmounts). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [Loaded<T>, () => void] {
  const [value, set] = useState<Loaded<T>>({ state: "loading" });
  const [tick, setTick] = useState(0);
  const key = useRef<string | null>(null);
  useEffect(() => {
    let live = true;
    const k = JSON.stringify(deps);
    if (key.current !== k) set({ state: "loading" });
    key.current = k;
    load().then(
      (data) => live && set({ state: "ready", data }),
      (e: unknown) => live && set({ state: "error", message: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return [value, () => setTick((t) => t + 1)];
}

/** Shows loading, an error, or the content. */
export function Show<T>(props: { value: Loaded<T>; children: (data: T) => ComponentChildren; label?: string }) {
  const v = props.value;
  if (v.state === "loading") return <p class="muted" role="status">Loading{props.label ? ` ${props.label}` : ""}…</p>;
  if (v.state === "error") return <p class="error" role="alert">{v.message}</p>;
  return <>{props.children(v.data)}</>;
}

/** A message from an action: polite status, or an alert for an error. */
export function Note(props: { error?: string | null; status?: string | null }) {
  return (
    <>
      {props.error ? <p class="error" role="alert">{props.error}</p> : null}
      {props.status ? <p class="ok" role="status">{props.status}</p> : null}
    </>
  );
}

/** The signed-in session, following sign-in and sign-out. */
export function useSession(): Session | null {
  const [s, set] = useState(currentSession());
  useEffect(() => onSessionChange(set), []);
  return s;
}

let mePromise: { token: string; me: Promise<Schemas["UserProfile"]> } | null = null;

/** The signed-in person's profile (created by the first authenticated call). */
export function useMe(): Schemas["UserProfile"] | null {
  const session = useSession();
  const [me, set] = useState<Schemas["UserProfile"] | null>(null);
  useEffect(() => {
    if (!session) {
      set(null);
      return;
    }
    if (!mePromise || mePromise.token !== session.accessToken) {
      mePromise = { token: session.accessToken, me: ok(api.GET("/me")) };
    }
    let live = true;
    mePromise.me.then((m) => live && set(m), () => live && set(null));
    return () => {
      live = false;
    };
  }, [session?.accessToken]);
  return me;
}

/** Forget the cached profile (after an edit). */
export function refreshMe(): void {
  mePromise = null;
}

/** A picture from renditions: WebP and JPEG `srcset`s, lazy unless it is the page's main image. */
export function Picture(props: {
  renditions: RenditionLike[];
  alt: string;
  sizes: string;
  eager?: boolean;
  class?: string;
}) {
  const { webp, jpeg, fallback } = sources(props.renditions);
  if (!fallback) return null;
  return (
    <picture class={props.class}>
      {webp ? <source type="image/webp" srcset={webp} sizes={props.sizes} /> : null}
      {jpeg ? <source type="image/jpeg" srcset={jpeg} sizes={props.sizes} /> : null}
      <img
        src={fallback.url}
        alt={props.alt}
        width={fallback.width}
        height={fallback.height}
        loading={props.eager ? "eager" : "lazy"}
        decoding="async"
        {...(props.eager ? { fetchpriority: "high" } : {})}
      />
    </picture>
  );
}

/** "★★★★☆" with the number for screen readers. */
export function Stars(props: { value: number }) {
  const full = Math.round(props.value);
  return (
    <span class="stars" role="img" aria-label={`${props.value} out of 5 stars`}>
      {"★".repeat(full)}
      {"☆".repeat(5 - full)}
    </span>
  );
}

export const countryName = (() => {
  let names: Intl.DisplayNames | null = null;
  return (code: string): string => {
    try {
      names ??= new Intl.DisplayNames(["en"], { type: "region" });
      return names.of(code) ?? code;
    } catch {
      return code;
    }
  };
})();
