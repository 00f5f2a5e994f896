// The app shell: landmarks (skip link, banner with navigation, main, footer) and the routes.
// Every page but Discover is its own lazily loaded chunk. Paths never collide with API routes
// at the root (/cafe/…, not /cafes/…), so a reload of any of them is a page load.
import { createContext } from "preact";
import { LocationProvider, Route, Router, lazy } from "preact-iso";
import type { AppConfig } from "./config.ts";
import { signOut } from "./auth/session.ts";
import { useSession } from "./ui.tsx";
import { Discover } from "./pages/discover.tsx";

const Cafe = lazy(() => import("./pages/cafe.tsx").then((m) => m.CafePage));
const Roaster = lazy(() => import("./pages/entities.tsx").then((m) => m.RoasterPage));
const Artisan = lazy(() => import("./pages/entities.tsx").then((m) => m.ArtisanPage));
const Guide = lazy(() => import("./pages/entities.tsx").then((m) => m.GuidePage));
const Story = lazy(() => import("./pages/entities.tsx").then((m) => m.StoryPage));
const Person = lazy(() => import("./pages/entities.tsx").then((m) => m.PersonPage));
const Saved = lazy(() => import("./pages/account.tsx").then((m) => m.SavedPage));
const Account = lazy(() => import("./pages/account.tsx").then((m) => m.AccountPage));
const Write = lazy(() => import("./pages/account.tsx").then((m) => m.WritePage));
const SignIn = lazy(() => import("./pages/account.tsx").then((m) => m.SignInPage));
const Callback = lazy(() => import("./pages/account.tsx").then((m) => m.CallbackPage));
const NotFound = lazy(() => import("./pages/entities.tsx").then((m) => m.NotFoundPage));

export const Config = createContext<AppConfig>({
  apiBase: "/api",
  auth: { kind: "dev" },
  basemapTileUrl: null,
});

function Header() {
  const session = useSession();
  return (
    <header class="site">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <a class="brand" href="/">
        CraftBean
      </a>
      <nav aria-label="Main">
        <ul>
          <li>
            <a href="/">Discover</a>
          </li>
          {session ? (
            <>
              <li>
                <a href="/saved">Saved</a>
              </li>
              <li>
                <a href="/write">Write a story</a>
              </li>
              <li>
                <a href="/account">Account</a>
              </li>
              <li>
                <button type="button" class="link" onClick={() => signOut()}>
                  Sign out
                </button>
              </li>
            </>
          ) : (
            <li>
              <a href={`/sign-in?returnTo=${encodeURIComponent(location.pathname + location.search)}`}>Sign in</a>
            </li>
          )}
        </ul>
      </nav>
    </header>
  );
}

export function App(props: { config: AppConfig }) {
  return (
    <Config.Provider value={props.config}>
      <LocationProvider>
        <Header />
        <main id="main" tabIndex={-1}>
          <Router>
            <Route path="/" component={Discover} />
            <Route path="/cafe/:id" component={Cafe} />
            <Route path="/roaster/:id" component={Roaster} />
            <Route path="/artisan/:id" component={Artisan} />
            <Route path="/guide/:slug" component={Guide} />
            <Route path="/story/:id" component={Story} />
            <Route path="/people/:id" component={Person} />
            <Route path="/saved" component={Saved} />
            <Route path="/account" component={Account} />
            <Route path="/write" component={Write} />
            <Route path="/sign-in" component={SignIn} />
            <Route path="/auth/callback" component={Callback} />
            <Route default component={NotFound} />
          </Router>
        </main>
        <footer class="site">
          <p>CraftBean · independent cafés and roasters worldwide</p>
        </footer>
      </LocationProvider>
    </Config.Provider>
  );
}
