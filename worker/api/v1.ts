/** Assembles our documented /api/v1 surface and publishes its OpenAPI 3.1 document and Swagger UI. */
import { SwaggerUI } from "@hono/swagger-ui";
import { apiRouter } from "../http/openapi";
import { DOCS_PATH } from "../http/security-headers";
import { accountsApi } from "./accounts";
import { adminMetricsApi } from "./admin-metrics";
import { keyRequestsApi } from "./api-key-requests";
import { apiKeysApi } from "./api-keys";
import { devicesApi } from "./devices";
import { routeContentApi } from "./drive-content";
import { routeUsersApi } from "./drive-users";
import { routesApi } from "./drives";
import { registerAthenaDocs } from "./athena-openapi";
import { auditApi } from "./audit";
import { healthApi, registerLivenessDocs } from "./health";
import { importsApi } from "./imports";
import { invitesApi } from "./invites";
import { processingApi } from "./processing";

export const apiV1 = apiRouter();

apiV1.openAPIRegistry.registerComponent("securitySchemes", "jwt", {
  type: "apiKey",
  in: "header",
  name: "Authorization",
  description:
    "`JWT <access_token>` (what comma's apps send) or `Bearer <access_token>`; an API key (`ec_live_…`) goes the same way",
});

apiV1.route("/", accountsApi);
apiV1.route("/", apiKeysApi);
apiV1.route("/", auditApi);
apiV1.route("/", invitesApi);
apiV1.route("/", devicesApi);
apiV1.route("/", keyRequestsApi);
apiV1.route("/", routesApi);
apiV1.route("/", routeContentApi);
apiV1.route("/", routeUsersApi);
apiV1.route("/", importsApi);
apiV1.route("/", processingApi);
apiV1.route("/", healthApi);
apiV1.route("/", adminMetricsApi);

// Athena's routes are plain Hono routes mounted in app.ts (WebSockets, raw JSON-RPC replies): documented only.
registerAthenaDocs(apiV1.openAPIRegistry);
registerLivenessDocs(apiV1.openAPIRegistry);

apiV1.doc31("/api/v1/openapi.json", (c) => ({
  openapi: "3.1.0",
  info: {
    title: "edge-connect API",
    version: "1",
    description:
      "Our own REST API. Errors are always JSON `{error, message}` with a stable `error` code. Every call counts " +
      "in a rate limit (100/min per user, API key or device; per IP when anonymous; tighter on sign-up and sign-in): " +
      "over it, 429 `rate_limited` with Retry-After.",
  },
  servers: [{ url: new URL(c.req.url).origin }],
}));

// Swagger UI's assets are copied into the static assets at build (scripts/copy-vendor.ts): no CDN at run time.
// validatorUrl "none": Swagger UI's online validator badge (an image from validator.swagger.io carrying our spec's
// URL, on any host but localhost) is off. It is not drawn for OpenAPI 3 documents today, but the docs page must not
// depend on that to contact nobody else (test/browser/api-docs.test.ts).
// The page's one inline script (Swagger UI's start-up) carries the nonce of the page's CSP (http/security-headers.ts).
apiV1.get(DOCS_PATH, (c) => {
  const ui = SwaggerUI({
    url: "/api/v1/openapi.json",
    baseUrl: "/vendor",
    validatorUrl: "none",
    manuallySwaggerUIHtml: (asset) => `
      <div id="swagger-ui"></div>
      ${asset.css.map((href) => `<link rel="stylesheet" href="${href}" />`).join("")}
      ${asset.js.map((src) => `<script src="${src}"></script>`).join("")}
      <script nonce="${c.var.secureHeadersNonce ?? ""}">
        window.onload = () => {
          window.ui = SwaggerUIBundle({ dom_id: "#swagger-ui", url: "/api/v1/openapi.json", validatorUrl: "none" });
        };
      </script>`,
  });
  return c.html(`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>edge-connect API</title>
  </head>
  <body>${ui}</body>
</html>`);
});
