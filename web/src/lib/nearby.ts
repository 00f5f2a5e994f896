// Which nearby route the app calls. Signed in, it is GET /me/nearby-cafes (the client adds the
// bearer token): the person, not the browser, is the nearby-ranking experiment's unit, so they
// see the same variant on every device and their profile's taste ranks the blended order.
// Anonymous visitors keep GET /cafes/nearby. Both take the same query and answer the same page
// (docs/experiments.md).

export type NearbyPath = "/cafes/nearby" | "/me/nearby-cafes";

export function nearbyPath(signedIn: boolean): NearbyPath {
  return signedIn ? "/me/nearby-cafes" : "/cafes/nearby";
}

/** The list's heading, matching the order the page was served in: the `blended` variant of the
 * nearby-ranking experiment (body `experiments`) is not nearest first. */
export function nearbyHeading(experiments: Partial<Record<string, string>> | undefined): string {
  return experiments?.["nearby-ranking"] === "blended"
    ? "Cafés nearby, best for you first"
    : "Cafés nearby, nearest first";
}
