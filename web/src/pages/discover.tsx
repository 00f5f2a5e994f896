// Discover: cafés around a point (geolocation, a city, or wherever the map was moved) from
// /cafes/nearby (/me/nearby-cafes when signed in), nearest first unless the nearby-ranking
// experiment orders them, or a text search from /cafes?q=; filters for brewing method,
// amenity, open now and minimum rating. Everything lives in the URL, so a search is a link.
// The map is its own chunk, imported only here and after the list has rendered.
import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { ComponentType } from "preact";
import { api, ok, type Schemas } from "../api/client.ts";
import { currentSession } from "../auth/session.ts";
import { distance, ratingWords } from "../lib/format.ts";
import { nearbyHeading, nearbyPath } from "../lib/nearby.ts";
import { Page, Show, useLoad } from "../ui.tsx";
import type { MapProps } from "./map.tsx";
import type { paths } from "../api/schema";

type Method = NonNullable<paths["/cafes/nearby"]["get"]["parameters"]["query"]>["brewingMethod"];

export const AMENITIES: Schemas["Amenity"][] = [
  "wifi",
  "power-outlets",
  "outdoor-seating",
  "wheelchair-accessible",
  "pet-friendly",
  "vegan-options",
  "laptop-friendly",
  "on-site-roastery",
  "bean-retail",
  "cupping-sessions",
  "bike-parking",
  "brewing-classes",
];

const words = (slug: string) => slug.replace(/-/g, " ");

/** A café in the list: a summary, with distance and open-now when it came from nearby. */
export type Listed = Schemas["CafeSummary"] & { distanceM?: number; openNow?: boolean };

interface Search {
  q: string;
  city: string;
  lat: number | null;
  lng: number | null;
  radiusM: number;
  method: string;
  amenity: string;
  open: boolean;
  minRating: string;
}

function readSearch(query: Record<string, string>): Search {
  const num = (v: string | undefined) => (v !== undefined && v !== "" && Number.isFinite(Number(v)) ? Number(v) : null);
  return {
    q: query.q ?? "",
    city: query.city ?? "",
    lat: num(query.lat),
    lng: num(query.lng),
    radiusM: Math.min(50_000, Math.max(100, num(query.r) ?? 2000)),
    method: query.method ?? "",
    amenity: query.amenity ?? "",
    open: query.open === "1",
    minRating: query.minRating ?? "",
  };
}

function toQuery(s: Partial<Search>): string {
  const p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  if (s.city) p.set("city", s.city);
  if (s.lat != null && s.lng != null) {
    p.set("lat", s.lat.toFixed(5));
    p.set("lng", s.lng.toFixed(5));
    if (s.radiusM) p.set("r", String(Math.round(s.radiusM)));
  }
  if (s.method) p.set("method", s.method);
  if (s.amenity) p.set("amenity", s.amenity);
  if (s.open) p.set("open", "1");
  if (s.minRating) p.set("minRating", s.minRating);
  const q = p.toString();
  return q ? `/?${q}` : "/";
}

async function find(s: Search): Promise<{ items: Listed[]; nearby: boolean; experiments?: Partial<Record<string, string>> }> {
  const amenity = s.amenity ? (s.amenity as Schemas["Amenity"]) : null;
  const filters = {
    ...(s.method ? { brewingMethod: s.method as Method } : {}),
    ...(s.open ? { openNow: true } : {}),
    ...(s.minRating ? { minRating: Number(s.minRating) } : {}),
  };
  if (s.lat != null && s.lng != null && !s.q) {
    const query = { lat: s.lat, lng: s.lng, radiusM: s.radiusM, limit: 50, ...filters, ...(amenity ? { amenity } : {}) };
    // Signed in, the person is the experiment's unit (the client sends the token).
    const page =
      nearbyPath(currentSession() !== null) === "/me/nearby-cafes"
        ? await ok(api.GET("/me/nearby-cafes", { params: { query } }))
        : await ok(api.GET("/cafes/nearby", { params: { query } }));
    return { items: page.items, nearby: true, experiments: page.experiments };
  }
  const page = await ok(
    api.GET("/cafes", {
      params: {
        query: {
          ...(s.q ? { q: s.q } : { sort: "rating" as const }),
          ...(s.city ? { city: s.city } : {}),
          ...filters,
          ...(amenity ? { amenity: [amenity] } : {}),
          limit: 30,
        },
      },
    }),
  );
  return { items: page.items, nearby: false };
}

export function Discover() {
  const loc = useLocation();
  const search = readSearch(loc.query);
  const key = toQuery(search);
  const [found] = useLoad(() => find(search), [key]);
  const [cities] = useLoad(() => ok(api.GET("/cities")), []);
  const [methods] = useLoad(() => ok(api.GET("/brewing-methods")), []);
  const [q, setQ] = useState(search.q);
  const [geoError, setGeoError] = useState<string | null>(null);
  const [selected, setSelected] = useState<{ id: string; fromMap: boolean } | null>(null);
  const [MapView, setMapView] = useState<ComponentType<MapProps> | null>(null);
  useEffect(() => setQ(search.q), [search.q]);
  useEffect(() => {
    // The map library is loaded only on this page, after the list is on screen.
    const t = setTimeout(() => {
      import("./map.tsx").then((m) => setMapView(() => m.MapView));
    }, 0);
    return () => clearTimeout(t);
  }, []);

  const go = (patch: Partial<Search>, replace = false) => loc.route(toQuery({ ...search, ...patch }), replace);

  const nearMe = () => {
    setGeoError(null);
    if (!("geolocation" in navigator)) {
      setGeoError("This browser cannot share its location. Pick a city instead.");
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) => go({ q: "", city: "", lat: p.coords.latitude, lng: p.coords.longitude }),
      () => setGeoError("Your location is not available. Pick a city instead."),
      { timeout: 8000 },
    );
  };

  const pickCity = async (slug: string) => {
    if (!slug) return go({ city: "", lat: null, lng: null });
    // Cities have no coordinates: centre on the middle of their cafés.
    const page = await ok(api.GET("/cafes", { params: { query: { city: slug, limit: 50 } } }));
    if (page.items.length === 0) return go({ q: "", city: slug, lat: null, lng: null });
    const lat = page.items.reduce((a, c) => a + c.location.coordinates.lat, 0) / page.items.length;
    const lng = page.items.reduce((a, c) => a + c.location.coordinates.lng, 0) / page.items.length;
    go({ q: "", city: slug, lat, lng, radiusM: 5000 });
  };

  const items = found.state === "ready" ? found.data.items : [];
  const nearby = found.state === "ready" && found.data.nearby;
  const heading = search.q
    ? `Cafés matching “${search.q}”`
    : nearby
      ? nearbyHeading(found.state === "ready" ? found.data.experiments : undefined)
      : "Top-rated cafés";

  return (
    <Page title="Discover cafés" wide>
      <section class="controls" aria-label="Search and filters">
        <form
          role="search"
          class="search"
          onSubmit={(e) => {
            e.preventDefault();
            go({ q: q.trim(), lat: null, lng: null, city: "" });
          }}
        >
          <label for="q">Search cafés</label>
          <input id="q" name="q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} placeholder="Name, city, roaster…" />
          <button type="submit">Search</button>
        </form>
        <div class="where">
          <button type="button" onClick={nearMe}>
            Near me
          </button>
          <label for="city">City</label>
          <select id="city" value={search.city} onChange={(e) => void pickCity(e.currentTarget.value)}>
            <option value="">Any city</option>
            {cities.state === "ready"
              ? cities.data.items.map((c) => (
                  <option value={c.slug} key={c.slug}>
                    {c.name} ({c.cafeCount})
                  </option>
                ))
              : null}
          </select>
        </div>
        {geoError ? <p class="error" role="alert">{geoError}</p> : null}
        <fieldset class="filters">
          <legend>Filters</legend>
          <label>
            Brewing method
            <select value={search.method} onChange={(e) => go({ method: e.currentTarget.value })}>
              <option value="">Any</option>
              {methods.state === "ready"
                ? methods.data.items.map((m) => (
                    <option value={m.slug} key={m.slug}>
                      {m.name}
                    </option>
                  ))
                : null}
            </select>
          </label>
          <label>
            Amenity
            <select value={search.amenity} onChange={(e) => go({ amenity: e.currentTarget.value })}>
              <option value="">Any</option>
              {AMENITIES.map((a) => (
                <option value={a} key={a}>
                  {words(a)}
                </option>
              ))}
            </select>
          </label>
          <label>
            Minimum rating
            <select value={search.minRating} onChange={(e) => go({ minRating: e.currentTarget.value })}>
              <option value="">Any</option>
              {["3", "3.5", "4", "4.5"].map((r) => (
                <option value={r} key={r}>
                  {r}+
                </option>
              ))}
            </select>
          </label>
          <label class="check">
            <input type="checkbox" checked={search.open} onChange={(e) => go({ open: e.currentTarget.checked })} />
            Open now
          </label>
        </fieldset>
      </section>
      <div class="discover">
        <section class="results" aria-labelledby="results-heading">
          <h2 id="results-heading">{heading}</h2>
          <Show value={found} label="cafés">
            {() =>
              items.length === 0 ? (
                <p>No café matches. Try fewer filters or another place.</p>
              ) : (
                <ol class="cafes" aria-label="Cafés">
                  {items.map((c) => (
                    <CafeItem
                      cafe={c}
                      key={c.id}
                      selected={selected?.id === c.id}
                      scroll={!!selected?.fromMap}
                      onHighlight={() => setSelected({ id: c.id, fromMap: false })}
                    />
                  ))}
                </ol>
              )
            }
          </Show>
        </section>
        <section class="map-panel" aria-label="Map">
          {MapView ? (
            <MapView
              cafes={items}
              center={search.lat != null && search.lng != null ? { lat: search.lat, lng: search.lng } : null}
              selected={selected?.id ?? null}
              onSelect={(id, fromMap) => setSelected({ id, fromMap })}
              onMove={(c, radiusM) => go({ q: "", city: "", lat: c.lat, lng: c.lng, radiusM }, true)}
            />
          ) : (
            <p class="muted map-placeholder">Loading the map…</p>
          )}
        </section>
      </div>
    </Page>
  );
}

function CafeItem(props: { cafe: Listed; selected: boolean; scroll: boolean; onHighlight: () => void }) {
  const c = props.cafe;
  const li = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (props.selected && props.scroll) li.current?.scrollIntoView({ block: "nearest" });
  }, [props.selected, props.scroll]);
  return (
    <li
      ref={li}
      class={props.selected ? "cafe selected" : "cafe"}
      data-cafe-id={c.id}
      onMouseEnter={props.onHighlight}
      onFocusIn={props.onHighlight}
    >
      <a href={`/cafe/${c.id}`}>{c.name}</a>
      <span class="meta">
        {c.location.neighbourhood ? `${c.location.neighbourhood}, ` : ""}
        {c.location.city}
      </span>
      <span class="facts">
        {c.distanceM !== undefined ? <span class="distance">{distance(c.distanceM)}</span> : null}
        {c.openNow !== undefined ? <span class={c.openNow ? "open" : "closed"}>{c.openNow ? "Open now" : "Closed"}</span> : null}
        <span class="rating">{ratingWords(c.rating.average, c.rating.count)}</span>
      </span>
    </li>
  );
}
