// Copy MapLibre GL JS (its CSP build: the page's Content-Security-Policy forbids blob:
// workers and eval) from node_modules into the package's static files. Run
// `npm ci && npm run build` in web/; commit the copied files. No CDN, no tiles: the
// console draws its base map from vendor/basemap and its labels with the glyphs in
// vendor/glyphs (tools/build_basemap.py, tools/build_glyphs.py).
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = join(here, "node_modules", "maplibre-gl");
const src = join(pkgDir, "dist");
const dest = join(here, "..", "src", "airsentry", "server", "static", "vendor");
mkdirSync(dest, { recursive: true });
for (const name of ["maplibre-gl-csp.js", "maplibre-gl-csp-worker.js", "maplibre-gl.css"]) {
  // drop the source-map comment: the maps are not vendored
  const text = readFileSync(join(src, name), "utf8").replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
  writeFileSync(join(dest, name), text);
}
for (const old of ["leaflet.js", "leaflet.css", "LEAFLET-LICENSE.txt"]) rmSync(join(dest, old), { force: true });
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
const licence = readFileSync(join(pkgDir, "LICENSE.txt"), "utf8");
writeFileSync(
  join(dest, "MAPLIBRE-LICENSE.txt"),
  `MapLibre GL JS ${pkg.version} (${pkg.homepage || "npm maplibre-gl"}), vendored by web/build.mjs\n\n${licence}`,
);
console.log(`vendored MapLibre GL JS ${pkg.version} into ${dest}`);
