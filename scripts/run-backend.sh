#!/bin/sh
# Runs a backend entry point (server, admin or doctor): the bundle from `npm run build:server` when it exists and
# is newer than every source file, else the TypeScript through tsx (development). In a production install
# (no tsx) a missing bundle is built first. `exec` everywhere: signals reach node itself, not a wrapper.
set -e
entry=$1
shift
case $entry in
  server) source=backend/server.ts ;;
  admin) source=backend/cli/admin.ts ;;
  doctor) source=backend/doctor/cli.ts ;;
  *) echo "run-backend.sh: unknown entry point '$entry' (server, admin or doctor)" >&2 && exit 2 ;;
esac
bundle=dist/$entry.js
if [ ! -f "$bundle" ] || [ -n "$(find backend shared -name '*.ts' -newer "$bundle" | head -n 1)" ]; then
  if [ -x node_modules/.bin/tsx ]; then exec node --import tsx "$source" "$@"; fi
  node scripts/build-server.ts
fi
exec node --enable-source-maps "$bundle" "$@"
