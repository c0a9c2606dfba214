"""``streamlit run`` with the index left empty (see scale_helpers.py): the browser scale test's server.

python tests/scale_app.py run assistant/app/main.py [streamlit options]

The index is patched when the app first imports ``assistant.index`` (its
background loader does), not before the server starts: importing the index
and Chroma up front would add more than a second to every restart that the
real app (``python -m streamlit run``) does not pay.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from streamlit.web import cli  # noqa: E402

PATCHED = "assistant.index"


class PatchOnImport(importlib.abc.MetaPathFinder):
    """Runs ``scale_helpers.without_index`` right after ``assistant.index`` is first imported."""

    def find_spec(self, name, path, target=None):
        if name != PATCHED:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.loader is not None
        run_module = spec.loader.exec_module

        def exec_module(module) -> None:
            run_module(module)
            from scale_helpers import without_index

            without_index(setattr)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if __name__ == "__main__":
    sys.meta_path.insert(0, PatchOnImport())
    sys.exit(cli.main())
