// The typed API client: openapi-fetch over the types openapi-typescript generates from
// infra/openapi.yaml at build time (src/api/schema.d.ts), so a contract change breaks
// `npm run build`. The bearer token is added to every call; failures become ApiProblem with
// the sentence to show.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import { currentSession } from "../auth/session.ts";
import { ApiProblem, OFFLINE, problemFrom } from "../lib/problem.ts";

export type Schemas = components["schemas"];

/** Until when reads revalidate with the API instead of using the browser's cache: public
 * reads are cacheable for up to a minute, and after your own write you must see it. */
let revalidateUntil = 0;
const READ_YOUR_WRITES_MS = 5 * 60_000;

const auth: Middleware = {
  onRequest({ request }) {
    const s = currentSession();
    if (s) request.headers.set("authorization", `Bearer ${s.accessToken}`);
    if (request.method === "GET" && Date.now() < revalidateUntil) {
      return new Request(request, { cache: "no-cache" });
    }
    return request;
  },
  onResponse({ request, response }) {
    if (request.method !== "GET" && response.ok) revalidateUntil = Date.now() + READ_YOUR_WRITES_MS;
    return response;
  },
};

export type Api = ReturnType<typeof createClient<paths>>;

export let api: Api;

export function initApi(apiBase: string): void {
  api = createClient<paths>({ baseUrl: new URL(apiBase, location.origin).toString().replace(/\/$/, "") });
  api.use(auth);
}

/** The data of a call, or an ApiProblem saying in words what went wrong. */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (e) {
    if (e instanceof ApiProblem) throw e;
    throw new ApiProblem(OFFLINE, 0, null);
  }
  const { data, error, response } = result;
  if (!response.ok) {
    throw problemFrom(response.status, error, response.headers.get("retry-after"));
  }
  return data as T;
}
