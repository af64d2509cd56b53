#!/usr/bin/env bash
# Rebuilds internal/web/ui/static/odnookno.css from govuk-frontend and
# tools/css/odnookno.scss. The output is committed, so `go build` never needs
# npm; run this only after changing the SCSS or upgrading the pinned versions.
#
# Pinned versions (change them here, rebuild, look at the pages, commit):
#   govuk-frontend 5.14.0  (MIT; its npm tarball has no licence file, so the
#                           text is kept in static/LICENSE-govuk-frontend.txt)
#   sass           1.108.2 (Dart Sass, pure JS)
#
# Needs: node >= 18 and npm with access to the npm registry.
# Usage: tools/css/build.sh            (from anywhere inside the repository)
set -euo pipefail

GOVUK_FRONTEND_VERSION=5.14.0
SASS_VERSION=1.108.2

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/internal/web/ui/static/odnookno.css"
licence="$root/internal/web/ui/static/LICENSE-govuk-frontend.txt"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm init -y >/dev/null
# --ignore-scripts: sass's optional file watcher has a native build step we do
# not need for a one-shot compile.
npm install --no-audit --no-fund --ignore-scripts --save-exact \
  "govuk-frontend@$GOVUK_FRONTEND_VERSION" "sass@$SASS_VERSION" >/dev/null

got="$(node -p 'require("govuk-frontend/package.json").version + " " + require("govuk-frontend/package.json").license')"
if [ "$got" != "$GOVUK_FRONTEND_VERSION MIT" ]; then
  echo "build.sh: expected govuk-frontend $GOVUK_FRONTEND_VERSION MIT, got $got" >&2
  exit 1
fi

# Every colour we put text on white with must keep WCAG 2.1 AA (4.5:1).
node - "$here/odnookno.scss" <<'JS'
const fs = require("fs");
const scss = fs.readFileSync(process.argv[2], "utf8");
const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
const lum = (hex) => {
  const n = parseInt(hex.slice(1), 16);
  return 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
};
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
let bad = 0;
for (const name of ["oo-brand", "oo-brand-dark", "govuk-link-colour", "govuk-link-hover-colour", "govuk-link-visited-colour"]) {
  const m = scss.match(new RegExp("\\$" + name + ":\\s*(#[0-9a-fA-F]{6})"));
  if (!m) { console.error(`build.sh: $${name} not found as #rrggbb`); bad++; continue; }
  const r = ratio(m[1], "#ffffff");
  console.log(`contrast ${name} ${m[1]} on white: ${r.toFixed(2)}:1`);
  if (r < 4.5) { console.error(`build.sh: ${name} is below 4.5:1`); bad++; }
}
process.exit(bad ? 1 : 0);
JS

# --quiet-deps hides govuk-frontend's own deprecation warnings; ours still show.
npx --no-install sass --no-source-map --style=compressed --quiet-deps \
  --silence-deprecation=import --silence-deprecation=global-builtin \
  --load-path="$work/node_modules" "$here/odnookno.scss" "$out.tmp"

# The stylesheet must not pull in GOV.UK's fonts or images.
if grep -qE 'GDS Transport|url\(' "$out.tmp"; then
  echo "build.sh: output still references GDS Transport or an url()" >&2
  grep -oE '.{60}(GDS Transport|url\().{60}' "$out.tmp" >&2 || true
  rm -f "$out.tmp"
  exit 1
fi
mv "$out.tmp" "$out"

if [ ! -s "$licence" ]; then
  echo "build.sh: $licence is missing; copy LICENSE.txt of govuk-frontend $GOVUK_FRONTEND_VERSION there" >&2
  exit 1
fi

echo "wrote $out ($(wc -c <"$out") bytes) from govuk-frontend $GOVUK_FRONTEND_VERSION, sass $SASS_VERSION"
