/** Assembles our documented /api/v1 surface and publishes its OpenAPI 3.1 document and Swagger UI. */
import { swaggerUI } from "@hono/swagger-ui";
import { apiRouter } from "../http/openapi";
import { accountsApi } from "./accounts";
import { adminMetricsApi } from "./admin-metrics";
import { devicesApi } from "./api-devices";
import { routeContentApi } from "./api-route-content";
import { routeUsersApi } from "./api-route-users";
import { routesApi } from "./api-routes";
import { registerAthenaDocs } from "./athena-openapi";
import { importsApi } from "./imports";
import { processingApi } from "./processing";

export const apiV1 = apiRouter();

apiV1.openAPIRegistry.registerComponent("securitySchemes", "jwt", {
  type: "apiKey",
  in: "header",
  name: "Authorization",
  description: "`JWT <access_token>` (what comma's apps send) or `Bearer <access_token>`",
});

apiV1.route("/", accountsApi);
apiV1.route("/", devicesApi);
apiV1.route("/", routesApi);
apiV1.route("/", routeContentApi);
apiV1.route("/", routeUsersApi);
apiV1.route("/", importsApi);
apiV1.route("/", processingApi);
apiV1.route("/", adminMetricsApi);

// Athena's routes are plain Hono routes mounted in app.ts (WebSockets, raw JSON-RPC replies): documented only.
registerAthenaDocs(apiV1.openAPIRegistry);

apiV1.doc31("/api/v1/openapi.json", (c) => ({
  openapi: "3.1.0",
  info: {
    title: "edge-connect API",
    version: "1",
    description: "Our own REST API. Errors are always JSON `{error, message}` with a stable `error` code.",
  },
  servers: [{ url: new URL(c.req.url).origin }],
}));

// Swagger UI's assets are copied into the static assets at build (scripts/copy-vendor.ts): no CDN at run time.
// validatorUrl "none": Swagger UI's online validator badge (an image from validator.swagger.io carrying our spec's
// URL, on any host but localhost) is off. It is not drawn for OpenAPI 3 documents today, but the docs page must not
// depend on that to contact nobody else (test/browser/api-docs.test.ts).
apiV1.get(
  "/api/docs",
  swaggerUI({ url: "/api/v1/openapi.json", title: "edge-connect API", baseUrl: "/vendor", validatorUrl: "none" }),
);
