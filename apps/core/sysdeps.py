"""System libraries the portal needs from Debian, installed when possible, explained when not.

    python -m apps.core.sysdeps run    # WeasyPrint (Pango, HarfBuzz subsetting) and a CJK font
    python -m apps.core.sysdeps test   # the same, plus Debian's Chromium for Playwright journeys

Run as root with apt-get available, missing packages are installed; otherwise the exact command is
printed and the exit status is 1. Plain Python, no Django: it runs before anything is configured."""

import os
import shutil
import subprocess
import sys

PACKAGES = {
    "run": [
        "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b",
        "libharfbuzz-subset0",  # without it CJK font subsetting adds seconds to every PDF
        "fonts-noto-cjk",  # Chinese glyphs in PDF reports and decision letters
    ],
    "test": ["chromium"],  # Playwright drives Debian's Chromium; no browser download
}


def missing(packages: list[str]) -> list[str]:
    if shutil.which("dpkg-query") is None:
        return []  # not Debian: trust the administrator (README lists the packages)
    absent = []
    for package in packages:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                                capture_output=True, text=True, check=False)
        if "install ok installed" not in result.stdout:
            absent.append(package)
    return absent


def ensure(profile: str) -> int:
    wanted = PACKAGES["run"] + (PACKAGES["test"] if profile == "test" else [])
    absent = missing(wanted)
    if not absent:
        return 0
    command = ["apt-get", "install", "-y", "--no-install-recommends", *absent]
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"Installing system packages: {' '.join(absent)}", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
        return 0
    print("These Debian packages are missing; install them with:\n"
          f"    sudo {' '.join(command)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(ensure(sys.argv[1] if len(sys.argv) > 1 else "run"))
