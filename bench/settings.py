"""The project's settings for the benchmarks' server: the same in every respect but the URL configuration,
which adds the two floors of a logged-in page (`bench/urls.py`)."""

from config.settings import *  # noqa: F403 - the project's settings, unchanged but for the line below

ROOT_URLCONF = "bench.urls"
