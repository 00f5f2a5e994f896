// Errors shown to people in words: RFC 9457 problem+json bodies, 429/503 with Retry-After,
// and network failures. Pure; unit-tested in test/unit/problem.test.ts.

/** The parts of a problem body the app reads. */
export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  invalidParams?: { name: string; in?: string; reason: string }[];
}

/** An API call that did not succeed, with the sentence to show. */
export class ApiProblem extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly kind: string | null,
  ) {
    super(message);
    this.name = "ApiProblem";
  }
}

function seconds(retryAfter: string | null): number | null {
  if (!retryAfter) return null;
  const n = Number(retryAfter);
  if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  const at = Date.parse(retryAfter);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** "in 1 second", "in 3 minutes", or "in a moment". */
export function waitWords(retryAfter: string | null): string {
  const s = seconds(retryAfter);
  if (s === null || s <= 0) return "in a moment";
  if (s < 90) return `in ${s} second${s === 1 ? "" : "s"}`;
  const m = Math.ceil(s / 60);
  return `in ${m} minute${m === 1 ? "" : "s"}`;
}

/** The sentence for a failed response. */
export function describeProblem(
  status: number,
  body: ProblemBody | null,
  retryAfter: string | null,
): string {
  const kind = body?.type?.split("/").pop() ?? null;
  if (status === 429) {
    return `You are doing that too often. Please try again ${waitWords(retryAfter)}.`;
  }
  if (status === 503) {
    return `CraftBean is busy right now. Please try again ${waitWords(retryAfter)}.`;
  }
  if (status === 401) return "Please sign in (again) to do that.";
  if (status === 403) return "You are not allowed to do that.";
  if (kind === "already-exists") return body?.detail ?? "That already exists.";
  if (kind === "conflict") return "Someone changed this at the same time. Reload and try again.";
  if (kind === "request-in-progress") return "That is still being saved. Please wait a moment.";
  if (status === 404) return "We could not find that. It may have been removed.";
  const params = body?.invalidParams ?? [];
  if (params.length > 0) {
    return `Please check: ${params.map((p) => `${p.name} ${p.reason}`).join("; ")}.`;
  }
  if (status >= 500) return "Something went wrong on our side. Please try again.";
  return body?.detail ?? body?.title ?? `The request failed (${status}).`;
}

/** The problem for a response that failed (reads its body when it is problem+json or JSON). */
export function problemFrom(status: number, body: unknown, retryAfter: string | null): ApiProblem {
  const b = typeof body === "object" && body !== null ? (body as ProblemBody) : null;
  const kind = b?.type?.split("/").pop() ?? null;
  return new ApiProblem(describeProblem(status, b, retryAfter), status, kind);
}

/** The sentence for a fetch that never got an answer. */
export const OFFLINE = "Cannot reach CraftBean. Check your connection and try again.";
