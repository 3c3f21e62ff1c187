/**
 * Copies third-party browser assets the Worker's pages load into the static assets, so nothing is fetched from a
 * CDN at run time: Swagger UI for /api/docs (served at /vendor/swagger-ui-dist/…).
 */
import { cpSync, mkdirSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib";

const target = path.join(ROOT, "web/dist/vendor/swagger-ui-dist");
mkdirSync(target, { recursive: true });
for (const file of ["swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"]) {
  cpSync(path.join(ROOT, "node_modules/swagger-ui-dist", file), path.join(target, file));
}
