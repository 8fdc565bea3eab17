#!/usr/bin/env bash
# Installs what reesim needs from Debian 12's packages (only the packages that are missing), builds it,
# and then either runs the default scenario or runs the whole test suite.
#
#   tools/setup.sh run    # install, build (Release), run the built-in 2024 baseline
#   tools/setup.sh test   # install, build Release and ASan+UBSan, run every test in both; build the
#                         # libFuzzer harnesses (clang 14) and replay and fuzz them (docs/fuzzing.md)
#
# Run as root (or with sudo available) on a fresh Debian 12 machine. Safe to run again.
set -euo pipefail

mode="${1:-}"
if [[ "$mode" != "run" && "$mode" != "test" ]]; then
  echo "usage: tools/setup.sh run|test" >&2
  exit 2
fi
cd "$(dirname "$0")/.."

packages=(
  g++ cmake make pkg-config
  libboost1.81-dev libboost-program-options1.81-dev libboost-json1.81-dev  # not the 1.74 libboost-*-dev
  libtbb-dev
  libprotobuf-dev protobuf-compiler
  doctest-dev
  liblemon-dev   # reference min-cost-flow solver (NetworkSimplex)
  libssl-dev     # SHA-256 of scenario files in snapshot headers
  libgmp-dev     # exact rationals for the game solvers (games/)
  libglpk-dev    # linear programs: Stackelberg commitments, least core (games/)
  libopenmpi-dev openmpi-bin                         # experiments across machines (mpirun)
  python3-protobuf python3-pandas python3-matplotlib  # tools/: reading outputs in pandas, plots
  nodejs npm     # the classroom page (reesim serve): built with npm from classroom/page/package-lock.json
)
if [[ "$mode" == "test" ]]; then
  packages+=(chromium python3-websockets)  # the classroom's browser test (headless); the bench's clients
  packages+=(clang-14 libclang-rt-14-dev)  # the fuzz preset: clang++-14 with libFuzzer (fuzz/, docs/fuzzing.md)
fi
sudo=""
if [[ "$(id -u)" -ne 0 ]]; then sudo="sudo"; fi
# A package counts as present when dpkg has it or, for the tools that often come from elsewhere (Node.js
# from NodeSource bundles npm and conflicts with Debian's npm package), when its command is on the PATH.
declare -A provides_command=([nodejs]=node [npm]=npm [chromium]=chromium)
missing=()
for package in "${packages[@]}"; do
  command_name="${provides_command[$package]:-}"
  if [[ -n "$command_name" ]] && command -v "$command_name" >/dev/null 2>&1; then
    continue
  fi
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "reesim setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

build() {
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1"
}

case "$mode" in
  run)
    build release
    # The program on the PATH (/usr/local/bin/reesim), the tools and examples under /usr/local/share/reesim.
    $sudo cmake --install build/release >/dev/null
    echo "reesim setup: installed $(command -v reesim || echo /usr/local/bin/reesim) ($(reesim --version)); tools in /usr/local/share/reesim/tools"
    reesim run
    ;;
  test)
    build release
    ctest --preset release
    build asan
    ctest --preset asan
    build fuzz
    ctest --preset fuzz
    ;;
esac
