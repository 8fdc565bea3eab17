// Builds the classroom page into OUT: the files of src/ as they are, the chart library (uPlot) and the
// QR code generator (qrcode-generator, for the join URL)
// from node_modules (installed by `npm ci` from package-lock.json). Node 18 or later; no network.
// usage: node build.mjs OUT
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error("usage: node build.mjs OUT");
  process.exit(2);
}
const vendor = [
  ["node_modules/uplot/dist/uPlot.iife.min.js", "vendor/uPlot.iife.min.js"],
  ["node_modules/uplot/dist/uPlot.min.css", "vendor/uPlot.min.css"],
  ["node_modules/qrcode-generator/qrcode.js", "vendor/qrcode.js"],
];
for (const [from] of vendor) {
  if (!existsSync(join(here, from))) {
    console.error(`classroom page: ${from} is missing: run \`npm ci\` in ${here} (tools/setup.sh does)`);
    process.exit(1);
  }
}
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "vendor"), { recursive: true });
for (const name of readdirSync(join(here, "src"))) copyFileSync(join(here, "src", name), join(out, name));
for (const [from, to] of vendor) copyFileSync(join(here, from), join(out, to));
