"""Back-office views: adapters that parse the request, call `access_*`, then `do_*`/`check_*`, and render."""
