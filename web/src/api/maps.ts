/** The basemap our server hosts (tiles/README.md). Public: never send our Authorization header with these. */
export const mapStyleUrl = (theme: "light" | "dark") => `${location.origin}/api/v1/maps/style.json?theme=${theme}`;
