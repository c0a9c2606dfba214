"""``streamlit run`` with the index left empty (see scale_helpers.py): the browser scale test's server.

python tests/scale_app.py run assistant/app/main.py [streamlit options]
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from scale_helpers import without_index  # noqa: E402
from streamlit.web import cli  # noqa: E402

if __name__ == "__main__":
    without_index(setattr)
    sys.exit(cli.main())
