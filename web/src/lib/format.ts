// Formatting for people: distances, ratings, opening hours in the café's own zone, image
// sources from renditions. Pure; unit-tested in test/unit/format.test.ts.

/** "350 m" or "2.4 km". */
export function distance(metres: number): string {
  if (metres < 1000) return `${Math.round(metres / 10) * 10} m`;
  return `${(metres / 1000).toFixed(metres < 10_000 ? 1 : 0)} km`;
}

/** "4.3 (12 reviews)" or "No reviews yet". */
export function ratingWords(average: number | null, count: number): string {
  if (count === 0 || average === null) return "No reviews yet";
  return `${average.toFixed(1)} (${count} review${count === 1 ? "" : "s"})`;
}

/** A rendition as the API gives it. */
export interface RenditionLike {
  size: number;
  width: number;
  height: number;
  format: "webp" | "jpeg";
  url: string;
}

/** `srcset` strings per format, widest last, and the fallback JPEG. */
export function sources(renditions: RenditionLike[]): {
  webp: string;
  jpeg: string;
  fallback: RenditionLike | null;
} {
  const by = (f: "webp" | "jpeg") =>
    renditions
      .filter((r) => r.format === f)
      .sort((a, b) => a.width - b.width);
  const set = (rs: RenditionLike[]) => rs.map((r) => `${r.url} ${r.width}w`).join(", ");
  const jpeg = by("jpeg");
  const webp = by("webp");
  return {
    webp: set(webp),
    jpeg: set(jpeg),
    fallback: jpeg[0] ?? webp[0] ?? null,
  };
}

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const DAY_NAMES: Record<string, string> = {
  mon: "Monday",
  tue: "Tuesday",
  wed: "Wednesday",
  thu: "Thursday",
  fri: "Friday",
  sat: "Saturday",
  sun: "Sunday",
};

/** Opening periods grouped per day, Monday first: `[["Monday", "08:00–16:00"], …]`. */
export function hoursByDay(
  periods: { day: string; opens: string; closes: string }[],
): [string, string][] {
  return DAYS.map((d) => {
    const spans = periods
      .filter((p) => p.day.toLowerCase().startsWith(d))
      .map((p) => `${p.opens.slice(0, 5)}–${p.closes.slice(0, 5)}`);
    return [DAY_NAMES[d]!, spans.length ? spans.join(", ") : "Closed"];
  });
}

/** The current weekday and time ("tue", "09:30") in `timeZone` at `now`. */
export function localNow(timeZone: string, now: Date): { day: string; time: string } {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return { day: get("weekday").toLowerCase().slice(0, 3), time: `${get("hour")}:${get("minute")}` };
}

/** Whether the café is open at `now` in its own zone (overnight periods count until closing). */
export function openAt(
  hours: { timeZone: string; periods: { day: string; opens: string; closes: string }[] },
  now: Date,
): boolean {
  const { day, time } = localNow(hours.timeZone, now);
  const idx = DAYS.indexOf(day as (typeof DAYS)[number]);
  const prev = DAYS[(idx + 6) % 7]!;
  return hours.periods.some((p) => {
    const d = p.day.toLowerCase().slice(0, 3);
    const o = p.opens.slice(0, 5);
    const c = p.closes.slice(0, 5);
    const overnight = c <= o;
    if (d === day) return overnight ? time >= o : time >= o && time < c;
    return overnight && d === prev && time < c;
  });
}

/** "12 Mar 2026". */
export function date(iso: string): string {
  return new Date(iso).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
}
