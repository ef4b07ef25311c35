#!/usr/bin/env bash
# Fetch the pinned front-end packages (scripts/assets.lock) with `npm pack`, check each tarball's
# sha512 against the lock, and copy only the files the templates use into static/vendor/<dir>/.
#
# The site runs on an intranet, so nothing is loaded from a CDN at run time: these files are
# served by Django/WhiteNoise. static/vendor/ is not committed; this script rebuilds it.
# Idempotent: a package whose static/vendor/<dir>/.lock matches its lock line and whose files are
# all present is skipped, so a second run does nothing and needs no network.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCK="$ROOT/scripts/assets.lock"
VENDOR="$ROOT/static/vendor"
CACHE="${VAR_DIR:-$ROOT/var}/cache/npm"

# What to take from each package: npm name, directory under static/vendor/, the prefix to strip
# from paths inside the package, then the files (a trailing / takes a whole directory).
# A file's source map (<file>.map) comes along when the package has one: the manifest storage
# used in production rewrites sourceMappingURL comments and fails if the map is missing.
MANIFEST="
bootstrap        bootstrap        dist/  dist/css/bootstrap.min.css dist/js/bootstrap.bundle.min.js
bootstrap-icons  bootstrap-icons  -      font/bootstrap-icons.min.css font/fonts/
htmx.org         htmx             dist/  dist/htmx.min.js
echarts          echarts          dist/  dist/echarts.min.js
tom-select       tom-select       dist/  dist/css/tom-select.bootstrap5.min.css dist/js/tom-select.complete.min.js
flatpickr        flatpickr        dist/  dist/flatpickr.min.css dist/flatpickr.min.js dist/l10n/zh.js
axe-core         axe-core         -      axe.min.js
"

die() { echo "fetch_assets: $*" >&2; exit 1; }

integrity_of() {  # the npm-style integrity string (sha512-<base64>) of a file
    python3 -c 'import base64, hashlib, sys
print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"
}

lock_line() {  # "name version integrity" for one package, from the lock file
    awk -v n="$1" '$1 == n { print $1, $2, $3; found = 1 } END { exit !found }' "$LOCK" \
        || die "$1 is not in $LOCK"
}

installed() {  # true when static/vendor/<dir> holds this exact lock line and every file
    local dir="$1" line="$2" strip="$3"; shift 3
    [[ -f "$VENDOR/$dir/.lock" && "$(cat "$VENDOR/$dir/.lock")" == "$line" ]] || return 1
    local f
    for f in "$@"; do
        [[ -e "$VENDOR/$dir/${f#"$strip"}" ]] || return 1
    done
}

fetch_tarball() {  # prints the path of a verified tarball in the cache, downloading when needed
    local name="$1" version="$2" integrity="$3"
    local tgz="$CACHE/$name-$version.tgz"
    if [[ -f "$tgz" && "$(integrity_of "$tgz")" != "$integrity" ]]; then
        echo "fetch_assets: cached $name-$version.tgz does not match the lock; fetching again" >&2
        rm -f "$tgz"
    fi
    if [[ ! -f "$tgz" ]]; then
        command -v npm >/dev/null || die "npm is needed to fetch $name (apt-get install npm)"
        echo "fetch_assets: npm pack $name@$version" >&2
        (cd "$CACHE" && npm pack "$name@$version" --ignore-scripts --silent >/dev/null) \
            || die "npm pack $name@$version failed"
        [[ -f "$tgz" ]] || die "npm pack did not produce $tgz"
    fi
    local actual
    actual="$(integrity_of "$tgz")"
    if [[ "$actual" != "$integrity" ]]; then
        rm -f "$tgz"
        die "$name@$version: integrity $actual does not match the lock ($integrity)"
    fi
    echo "$tgz"
}

install_package() {
    local name="$1" dir="$2" strip="$3"; shift 3
    local line version integrity
    line="$(lock_line "$name")"
    read -r _ version integrity <<<"$line"
    if [[ "$strip" == "-" ]]; then strip=""; fi

    if installed "$dir" "$line" "$strip" "$@"; then
        echo "fetch_assets: $name $version already in static/vendor/$dir"
        return
    fi

    local tgz stage f src dest
    tgz="$(fetch_tarball "$name" "$version" "$integrity")"
    WORK="$(mktemp -d)"
    tar -xzf "$tgz" -C "$WORK"
    stage="$VENDOR/.$dir.new"
    rm -rf "$stage"
    for f in "$@"; do
        src="$WORK/package/$f"
        dest="$stage/${f#"$strip"}"
        [[ -e "$src" ]] || die "$name@$version has no $f"
        mkdir -p "$(dirname "$dest")"
        cp -R "$src" "$dest"
        if [[ -f "$src.map" ]]; then cp "$src.map" "$dest.map"; fi
    done
    rm -rf "$WORK"
    echo "$line" >"$stage/.lock"
    # Swap the whole directory so a failed run never leaves a half-updated package behind.
    rm -rf "$VENDOR/$dir"
    mv "$stage" "$VENDOR/$dir"
    echo "fetch_assets: installed $name $version into static/vendor/$dir"
}

WORK=""
trap 'rm -rf ${WORK:+"$WORK"} "$VENDOR"/.*.new' EXIT
mkdir -p "$VENDOR" "$CACHE"
while read -r name dir strip files; do
    [[ -z "$name" ]] && continue
    # shellcheck disable=SC2086  # the file list is meant to split on spaces
    install_package "$name" "$dir" "$strip" $files
done <<<"$MANIFEST"
