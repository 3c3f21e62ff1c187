// Theme before first paint: no flash of the wrong colours (state/theme.ts takes over after load). A file rather than
// an inline script, so that the Content-Security-Policy needs no 'unsafe-inline' (worker/http/security-headers.ts).
try {
  const choice = JSON.parse(localStorage.getItem("edge-connect.settings") || "{}").theme || "system";
  const dark = matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.dataset.theme = choice === "system" ? (dark ? "dark" : "light") : choice;
} catch {
  /* no storage: state/theme.ts applies the default */
}
