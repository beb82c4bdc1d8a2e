#!/usr/bin/env bash
# Fetch the Elasticsearch integ-test-zip from Maven Central once into a cache outside the
# clone, unzip it into a versioned directory, and create the unprivileged user that runs it
# (Elasticsearch refuses to run as root). Idempotent: a second run changes nothing.
#
# Settings (environment):
#   ES_VERSION         distribution version (default 9.5.0; must match the client major)
#   FLAGWATCH_CACHE    cache root (default ~/.cache/flagwatch)
#   ES_RUN_USER        system user that runs the test server (default flagwatch-es)
# Prints the install directory on the last line.
set -euo pipefail

ES_VERSION="${ES_VERSION:-9.5.0}"
CACHE="${FLAGWATCH_CACHE:-$HOME/.cache/flagwatch}/elasticsearch"
ES_RUN_USER="${ES_RUN_USER:-flagwatch-es}"
GROUP="org.elasticsearch.distribution.integ-test-zip"
INSTALL="$CACHE/elasticsearch-$ES_VERSION"

if [ ! -x "$INSTALL/bin/elasticsearch" ]; then
    mkdir -p "$CACHE"
    ZIP="$HOME/.m2/repository/${GROUP//.//}/elasticsearch/$ES_VERSION/elasticsearch-$ES_VERSION.zip"
    if [ ! -s "$ZIP" ]; then
        mvn -q -B dependency:get -Dtransitive=false \
            -Dartifact="$GROUP:elasticsearch:$ES_VERSION:zip" >&2
    fi
    # Unzip into a temporary sibling, then rename: an interrupted run leaves no half install.
    TMP="$(mktemp -d "$CACHE/.unzip.XXXXXX")"
    trap 'rm -rf "$TMP"' EXIT
    (cd "$TMP" && unzip -q "$ZIP")
    mv "$TMP/elasticsearch-$ES_VERSION" "$INSTALL"
fi

if ! id -u "$ES_RUN_USER" >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_RUN_USER"
    else
        echo "elasticsearch.sh: user $ES_RUN_USER is missing; run this script as root once" >&2
    fi
fi

# The server user must read the install (and traverse the cache path) but never write it:
# each test server gets its own config/data/log dirs.
chmod -R a+rX "$INSTALL"
dir="$INSTALL"
while [ "$dir" != "/" ]; do
    chmod o+x "$dir" 2>/dev/null || true
    dir="$(dirname "$dir")"
done
echo "$INSTALL"
