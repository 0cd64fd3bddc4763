"""``python -m workbench.ui.serve APP [streamlit options] -- [app arguments]``: the Streamlit
server of ``workbench ui``, started with the workbench already imported.

Streamlit runs the page script inside the server process, on a user's first visit. Imported
there, the workbench's modules (pandas, the attribution patterns, Streamlit's emoji table for
the page icon) took about 1.3 of the 1.8 s the first Groups page spent on the server; imported
here, before the server listens, they are ready when the first fact-checker arrives.
"""

from __future__ import annotations

import sys


def main() -> None:
    import streamlit.delta_generator
    import streamlit.emojis  # noqa: F401  (looked up for the page icon on every first run)
    from streamlit.web import cli

    # The first element a page writes makes Streamlit check, once per process, whether it runs in
    # a REPL, so as to warn that `streamlit run` is needed; that check walks the whole stack with
    # inspect (0.1 s of the first visit). Here it always runs under `streamlit run`.
    streamlit.delta_generator._use_warning_has_been_displayed = True

    # Not workbench.ui.state: its caches would be declared before the server's runtime exists.
    import workbench.ui.data  # noqa: F401
    import workbench.ui.render  # noqa: F401

    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    sys.exit(cli.main(prog_name="streamlit"))


if __name__ == "__main__":
    main()
