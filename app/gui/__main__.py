"""`python -m app.gui [--case DIR]`: the same as `python -m app gui` (it failed with "No module named
app.gui.__main__"). Run through `python -m app`, so its start-up and signal handling are the CLI's."""

import runpy
import sys

if __name__ == "__main__":
    sys.argv[1:1] = ["gui"]
    runpy.run_module("app", run_name="__main__", alter_sys=True)
