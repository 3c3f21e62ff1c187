/** Routes of the app. Pages are lazy chunks: the first load carries only the shell and the page it opens. */
import { Navigate, Route, Router, useLocation, useSearchParams, type RouteSectionProps } from "@solidjs/router";
import { type Component, type JSX, lazy, Show, Suspense } from "solid-js";
import { BareLayout, Layout } from "./components/Layout";
import { Loading } from "./components/States";
import { signedIn } from "./state/session";

/**
 * After a deploy, an open tab may ask for a page chunk of its (older) build that the server no longer has:
 * reload once to get the new build instead of showing a broken page.
 */
function page<T>(load: () => Promise<T>): () => Promise<T> {
  return () =>
    load()
      .catch((err) => {
        if (!sessionStorage.getItem("edge-connect.reloaded")) {
          sessionStorage.setItem("edge-connect.reloaded", "1");
          location.reload();
        }
        throw err;
      })
      .then((m) => {
        sessionStorage.removeItem("edge-connect.reloaded");
        return m;
      });
}

const SignIn = lazy(page(() => import("./pages/SignIn")));
const SignUp = lazy(page(() => import("./pages/SignUp")));
const Claim = lazy(page(() => import("./pages/Claim")));
const Dashboard = lazy(page(() => import("./pages/Dashboard")));
const Timeline = lazy(page(() => import("./pages/Timeline")));
const RoutePage = lazy(page(() => import("./pages/RoutePage")));
const DevicePage = lazy(page(() => import("./pages/DevicePage")));
const Pair = lazy(page(() => import("./pages/Pair")));
const Settings = lazy(page(() => import("./pages/Settings")));
const NotFound = lazy(page(() => import("./pages/NotFound")));

// Not /login: the server answers GET /login itself (the sign-in page for comma's web apps, api/signin.ts).
const BARE = new Set(["/signin", "/signup"]);

function Root(props: RouteSectionProps): JSX.Element {
  const location = useLocation();
  const content = () => <Suspense fallback={<Loading />}>{props.children}</Suspense>;
  return (
    <Show
      when={BARE.has(location.pathname) || location.pathname.startsWith("/claim/")}
      fallback={<Layout>{content()}</Layout>}
    >
      <BareLayout>{content()}</BareLayout>
    </Show>
  );
}

/** Pages that need an account send signed-out visitors to sign in, and back here afterwards. */
function signedInOnly(Page: Component): Component {
  return () => {
    const location = useLocation();
    return (
      <Show
        when={signedIn()}
        fallback={<Navigate href={`/signin?next=${encodeURIComponent(location.pathname + location.search)}`} />}
      >
        <Page />
      </Show>
    );
  };
}

const ProtectedDashboard = signedInOnly(Dashboard);

/** A device's QR encodes "https://connect.comma.ai/?pair=<token>": the same query on our root opens pairing. */
function Home(): JSX.Element {
  const [search] = useSearchParams();
  const token = () => search.pair;
  return (
    <Show when={token()} fallback={<ProtectedDashboard />}>
      <Navigate href={`/pair?token=${encodeURIComponent(String(token()))}`} />
    </Show>
  );
}

export function App(): JSX.Element {
  return (
    <Router root={Root}>
      <Route path="/signin" component={SignIn} />
      <Route path="/signup" component={SignUp} />
      <Route path="/claim/:token" component={Claim} />
      <Route path="/" component={Home} />
      <Route path="/timeline/:dongle?" component={signedInOnly(Timeline)} />
      <Route path="/devices/:dongle" component={signedInOnly(DevicePage)} />
      {/* Public routes open without an account; the page asks to sign in when the server says 401. */}
      <Route path="/routes/:dongle/:log" component={RoutePage} />
      <Route path="/pair" component={signedInOnly(Pair)} />
      <Route path="/settings" component={signedInOnly(Settings)} />
      <Route path="*" component={NotFound} />
    </Router>
  );
}
