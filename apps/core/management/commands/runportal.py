"""`make run`'s last step: the web server, one Celery worker and the one Celery beat, together.

Prints the URL and the demo accounts, forwards Ctrl-C to all three, waits for them to stop cleanly,
then stops the embedded PostgreSQL and Redis that `apps.core.localservices` started (if any)."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.core import localservices


class Command(BaseCommand):
    help = "Run the portal: gunicorn, a Celery worker and Celery beat; Ctrl-C stops them all."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--keep-services", action="store_true",
                            help="Leave the embedded PostgreSQL and Redis running afterwards.")

    def handle(self, *args, port, host, keep_services, **options):
        python = sys.executable
        bindir = os.path.dirname(python)
        env = dict(os.environ, DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE",
                                                                     "config.settings.local"))
        commands = {
            "web": [os.path.join(bindir, "gunicorn"), "config.wsgi:application", "--bind", f"{host}:{port}",
                    "--workers", os.environ.get("WEB_CONCURRENCY", "2"), "--access-logfile", "-",
                    "--graceful-timeout", "10"],
            "worker": [os.path.join(bindir, "celery"), "-A", "config", "worker", "--loglevel", "INFO",
                       "--queues", "default,pdf", "--concurrency", "2", "--hostname", "portal@%h"],
            "beat": [os.path.join(bindir, "celery"), "-A", "config", "beat", "--loglevel", "INFO"],
        }
        processes = {}
        stopping = False

        def stop(signum=None, frame=None):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, command in commands.items():
            processes[name] = subprocess.Popen(command, env=env, start_new_session=True)
        self._banner(host, port)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with code {process.returncode}; stopping the rest.")
                        stopping = True
                time.sleep(0.5)
        finally:
            self.stdout.write("\nStopping web server, worker and beat…")
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 20
            for process in processes.values():
                try:
                    process.wait(timeout=max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    process.kill()
            if not keep_services:
                localservices.stop()
            self.stdout.write("Stopped.")

    def _banner(self, host, port):
        from apps.accounts.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD

        lines = [
            "", "=" * 72,
            f"  Portal:        http://{host}:{port}/",
            f"  API docs:      http://{host}:{port}/api/docs/",
            f"  Health:        http://{host}:{port}/healthz",
            f"  Database:      {settings.DATABASES['default']['NAME']} @ {settings.DATABASES['default']['HOST']}",
            f"  Mail (files):  {getattr(settings, 'EMAIL_FILE_PATH', '(configured by EMAIL_URL)')}",
            "", f"  Demo accounts (password for all: {DEMO_PASSWORD}):",
            "    admin                   platform administrator (Django admin)",
        ]
        lines += [f"    {username:<24}{role} — {org}" for username, role, _name, org in DEMO_ACCOUNTS]
        lines += ["  Regulators and administrators enrol an authenticator app at first sign-in.",
                  "  Press Ctrl-C to stop.", "=" * 72, ""]
        self.stdout.write("\n".join(lines))
