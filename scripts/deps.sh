# Shared by scripts/start and scripts/test: install what the project needs.
# Sourced, not run.

# Debian packages the test suite uses as real peers and signal checkers.
LINEGATE_TEST_DEBS=(socat sox sip-tester baresip-core mosquitto mosquitto-clients minimodem multimon-ng
  chromium fail2ban espeak-ng alsa-utils systemd)

log() { printf '\033[1m[linegate]\033[0m %s\n' "$*" >&2; }

# npm dependencies: `npm ci` unless node_modules was installed from this very lock file.
ensure_npm_deps() {
  local want have
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  have=$(cat node_modules/.linegate-lock-sha256 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    log "installing npm dependencies (npm ci)"
    # npm 11.19 writes lock files that its own `npm ci` then calls out of sync (platform-specific
    # optional packages of biome/rollup/esbuild); `npm install --no-save` installs the same locked
    # versions without rewriting the lock.
    npm ci --no-audit --no-fund >&2 || npm install --no-save --no-audit --no-fund >&2
    echo "$want" > node_modules/.linegate-lock-sha256
  fi
}

# Debian packages: installed when root, otherwise named in a clear message.
ensure_debs() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian packages: ${missing[*]}"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/linegate-apt.log 2>&1; then
      apt-get update -qq >/tmp/linegate-apt.log 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/linegate-apt.log 2>&1 ||
        { log "apt-get failed; see /tmp/linegate-apt.log"; return 1; }
    fi
  else
    log "missing Debian packages: ${missing[*]}"
    log "install them with: sudo apt-get install ${missing[*]}"
    return 1
  fi
}
