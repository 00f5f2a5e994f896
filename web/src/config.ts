// The runtime configuration at /app-config.json: the local server answers it (development
// sign-in), the deploy script writes it in AWS (Cognito). One build serves both.
import type { CognitoAuth } from "./auth/pkce.ts";

export interface AppConfig {
  apiBase: string;
  auth: { kind: "dev" } | CognitoAuth;
  basemapTileUrl: string | null;
}

export async function loadConfig(): Promise<AppConfig> {
  const res = await fetch("/app-config.json", { cache: "no-cache" });
  if (!res.ok) throw new Error(`/app-config.json answered ${res.status}`);
  return (await res.json()) as AppConfig;
}
