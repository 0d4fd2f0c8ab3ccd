"""Actions: every change to the domain goes through a `do_*` (changes + audit) or `check_*` (validates, then
calls `do_*`); `access_*` is the only way views load a protected object."""
