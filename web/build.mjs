// Copy the built Leaflet files from node_modules into the package's static files.
// Run `npm ci && npm run build` in web/; commit the copied files. No CDN, no tiles:
// the console draws the map from the package's own zone GeoJSON.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, "node_modules", "leaflet", "dist");
const dest = join(here, "..", "src", "airsentry", "server", "static", "vendor");
mkdirSync(dest, { recursive: true });
for (const name of ["leaflet.js", "leaflet.css"]) {
  copyFileSync(join(src, name), join(dest, name));
}
const pkg = JSON.parse(readFileSync(join(here, "node_modules", "leaflet", "package.json"), "utf8"));
const licence = readFileSync(join(here, "node_modules", "leaflet", "LICENSE"), "utf8");
writeFileSync(
  join(dest, "LEAFLET-LICENSE.txt"),
  `Leaflet ${pkg.version} (${pkg.homepage}), vendored by web/build.mjs\n\n${licence}`,
);
console.log(`vendored Leaflet ${pkg.version} into ${dest}`);
